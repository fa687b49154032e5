package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/micahq/mica/internal/serve"
	"github.com/micahq/mica/seed"
)

// runExportTenant is "mica export tenant": the whole tenant of a data dir (or
// --database) as a tenant file, which `mica serve --seed` loads.
func runExportTenant(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("mica export tenant", flag.ContinueOnError)
	dataDir := fs.String("data-dir", serve.EnvOr("MICA_DATA_DIR", "./mica-data"), "data directory (MICA_DATA_DIR)")
	database := fs.String("database", os.Getenv("MICA_DATABASE"), "a postgres:// URL: the tenant in PostgreSQL (MICA_DATABASE)")
	format := fs.String("format", "yaml", "yaml or json")
	outPath := fs.String("out", "", "write to this file (mode 0600) instead of standard output")
	if err := parseInterspersed(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 0 {
		return fmt.Errorf("usage: mica export tenant [--data-dir DIR | --database URL] [--format yaml|json] [--out FILE]")
	}
	if *format != "yaml" && *format != "json" {
		return fmt.Errorf("invalid --format %q: yaml or json", *format)
	}
	m := &serve.Main{Config: serve.Config{DataDir: *dataDir, Database: *database}}
	db, _, err := m.OpenStore(ctx)
	if err != nil {
		return err
	}
	defer func() { _ = db.Close() }()
	f, err := seed.Export(ctx, db)
	if err != nil {
		return err
	}
	b, err := f.Write(*format)
	if err != nil {
		return err
	}
	if *outPath == "" {
		_, err = stdout.Write(b)
		return err
	}
	return os.WriteFile(*outPath, b, 0o600)
}
