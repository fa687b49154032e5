package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"

	"github.com/micahq/mica/internal/serve"
	"github.com/micahq/mica/internal/storage"
)

// storeFlags are the flags that say where a command's tenant lives, as for
// mica serve: --data-dir, and --database for a store at a URL.
type storeFlags struct {
	dataDir, database *string
}

// addStoreFlags adds --data-dir (its help: dirHelp, or the default) and --database to fs.
func addStoreFlags(fs *flag.FlagSet, dirHelp string) storeFlags {
	if dirHelp == "" {
		dirHelp = "data directory (MICA_DATA_DIR)"
	}
	return storeFlags{
		dataDir:  fs.String("data-dir", serve.EnvOr("MICA_DATA_DIR", "./mica-data"), dirHelp),
		database: fs.String("database", os.Getenv("MICA_DATABASE"), "a postgres:// URL: the tenant in PostgreSQL instead of the data dir's SQLite file (MICA_DATABASE)"),
	}
}

func (f storeFlags) config() storage.Config {
	return storage.Config{DataDir: *f.dataDir, Database: *f.database}
}

// open opens the store the flags name.
func (f storeFlags) open(ctx context.Context) (storage.Backend, error) {
	return storage.Open(ctx, f.config())
}

// openTenant opens the tenant the flags name for a command that reads or
// changes one (classify, import, export, sources): unlike the server, it does
// not create an empty one where there is none, and says where it looked.
func (f storeFlags) openTenant(ctx context.Context) (storage.Backend, error) {
	cfg := f.config()
	cfg.Existing = true
	b, err := storage.Open(ctx, cfg)
	if errors.Is(err, storage.ErrNoTenant) {
		return nil, fmt.Errorf("%w: run the command where `make run` runs (it keeps the demo tenant in ./mica-data), "+
			"or point --data-dir (MICA_DATA_DIR) at the server's data dir", err)
	}
	return b, err
}

// String names where the tenant lives, for messages.
func (f storeFlags) String() string { return f.config().String() }
