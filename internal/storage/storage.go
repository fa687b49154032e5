// Package storage opens the store a mica program runs on, and its job runner,
// from a data directory or a database URL. Each store registers an opener under
// the URL schemes it serves (sqlite.go: no URL, the data directory's file;
// postgres.go: postgres://), as dex picks its storage from a registry: the
// programs (internal/serve, cmd/mica) name no store and hold no store-specific
// branches.
package storage

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"slices"
	"strings"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/micahq/mica"
	"github.com/micahq/mica/jobs"
)

// Config says where the tenant lives.
type Config struct {
	// DataDir is the data directory: the SQLite file when Database is empty,
	// and on every store the files kept beside it (signing key, secrets key,
	// uploads). Open creates it.
	DataDir string
	// Database is a database URL (postgres://...), or empty for SQLite in DataDir.
	Database string
	// Existing opens only a tenant that exists (for commands that read or
	// change one): a data dir without a SQLite file is ErrNoTenant, not a new
	// empty tenant.
	Existing bool
}

// ErrNoTenant is Open's error for a Config.Existing whose data dir holds no tenant.
var ErrNoTenant = errors.New("no mica tenant")

// String names where the tenant lives, for messages: the data directory, or
// "the database".
func (c Config) String() string {
	if c.Database != "" {
		return "the database"
	}
	return c.DataDir
}

// Backend is an open store and what goes with it. Its Store has continuous
// classification installed (aggregations classify what they add or change).
type Backend interface {
	// Store is the tenant's store.
	Store() mica.Store
	// Jobs builds the runner of the store's durable background work on River,
	// in the store's own database (River's tables migrated), and makes the
	// store enqueue into it in the transactions that create the work.
	Jobs(ctx context.Context, defaults mica.Pacing, logger *slog.Logger) (*jobs.Runner, error)
	// Shared reports whether several servers may run on the store at once
	// (PostgreSQL). When not, a starting server owns every unfinished piece of
	// work it finds.
	Shared() bool
	// RateTokens are the request budgets that servers sharing the store share;
	// nil when the store is not shared (each server counts its own).
	RateTokens() mica.RateTokenService
	// WithLock runs fn while no other process on the store runs a function
	// locked under the same name (tenant set-up when servers start together).
	WithLock(ctx context.Context, name string, fn func(ctx context.Context) error) error
	// Metrics describe the store's connection pools.
	Metrics() []prometheus.Collector
	// Close closes the store.
	Close() error
}

// opener opens one kind of store.
type opener func(ctx context.Context, cfg Config) (Backend, error)

// openers are the stores by the scheme of the database URL they serve; ""
// is the data directory's store, opened when no database is given.
var openers = map[string]opener{}

// register makes open the store of the database URLs with scheme (called from
// an init function of the store's file).
func register(scheme string, open opener) {
	if _, dup := openers[scheme]; dup {
		panic("storage: store registered twice for scheme " + scheme)
	}
	openers[scheme] = open
}

// Open opens the store cfg names, and creates the data directory (each
// store's opener does, once it knows there is a tenant to open).
func Open(ctx context.Context, cfg Config) (Backend, error) {
	open, err := openerFor(cfg.Database)
	if err != nil {
		return nil, err
	}
	return open(ctx, cfg)
}

// openerFor picks the store of a database URL by its scheme.
func openerFor(database string) (opener, error) {
	scheme := ""
	if database != "" {
		s, _, ok := strings.Cut(database, "://")
		if !ok {
			return nil, fmt.Errorf("--database: %s", schemesHelp())
		}
		scheme = strings.ToLower(s)
	}
	open, ok := openers[scheme]
	if !ok {
		return nil, fmt.Errorf("--database: unknown database %q: %s", scheme+"://", schemesHelp())
	}
	return open, nil
}

// schemesHelp names the database URLs mica opens.
func schemesHelp() string {
	var schemes []string
	for s := range openers {
		if s != "" {
			schemes = append(schemes, s+"://")
		}
	}
	slices.Sort(schemes)
	return "a URL beginning with " + strings.Join(schemes, " or ") + ", or none for SQLite in the data dir"
}

// EnsureDataDir creates the data directory readable by its owner only (0700).
// An existing directory keeps its mode (it may be shared, such as /tmp): one
// that others can read gets a warning; the files mica writes in it are 0600
// whatever the directory's mode.
func EnsureDataDir(dir string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("create data dir: %w", err)
	}
	info, err := os.Stat(dir)
	if err != nil {
		return fmt.Errorf("data dir: %w", err)
	}
	if perm := info.Mode().Perm(); perm&0o077 != 0 {
		slog.Warn("the data dir can be read by other users; its files are 0600, but consider chmod 700",
			"dir", dir, "mode", fmt.Sprintf("%#o", perm))
	}
	return nil
}
