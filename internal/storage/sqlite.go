package storage

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/micahq/mica"
	"github.com/micahq/mica/classify"
	"github.com/micahq/mica/jobs"
	"github.com/micahq/mica/sqlite"
)

// The data directory's SQLite file, when no database URL is given: one server
// owns it.
func init() { register("", openSQLite) }

// DBFile is the SQLite database's file in the data directory.
const DBFile = "mica.db"

func openSQLite(ctx context.Context, cfg Config) (Backend, error) {
	path := filepath.Join(cfg.DataDir, DBFile)
	if _, err := os.Stat(path); cfg.Existing && errors.Is(err, os.ErrNotExist) {
		abs, _ := filepath.Abs(cfg.DataDir)
		return nil, fmt.Errorf("%w in %s (no %s there)", ErrNoTenant, abs, DBFile)
	}
	if err := EnsureDataDir(cfg.DataDir); err != nil {
		return nil, err
	}
	db, err := sqlite.Open(ctx, path)
	if err != nil {
		return nil, err
	}
	db.SetClassifier(classify.Continuous)
	return &sqliteBackend{db: db}, nil
}

type sqliteBackend struct{ db *sqlite.DB }

func (b *sqliteBackend) Store() mica.Store { return b.db }

// Jobs runs River on the write pool, whose one connection the store writes with.
func (b *sqliteBackend) Jobs(ctx context.Context, defaults mica.Pacing, logger *slog.Logger) (*jobs.Runner, error) {
	runner, queue, err := jobs.NewSQLite(ctx, b.db.WritePool(), b.db, defaults, logger)
	if err != nil {
		return nil, err
	}
	b.db.SetJobHook(queue.Enqueue)
	b.db.SetTaskHook(queue.EnqueueTask)
	return runner, nil
}

func (b *sqliteBackend) Shared() bool { return false }

func (b *sqliteBackend) RateTokens() mica.RateTokenService { return nil }

// WithLock runs fn: the server that opened the file is its only one.
func (b *sqliteBackend) WithLock(ctx context.Context, _ string, fn func(ctx context.Context) error) error {
	return fn(ctx)
}

func (b *sqliteBackend) Metrics() []prometheus.Collector {
	return []prometheus.Collector{collectors.NewDBStatsCollector(b.db.ReadPool(), "sqlite_read"),
		collectors.NewDBStatsCollector(b.db.WritePool(), "sqlite_write")}
}

func (b *sqliteBackend) Close() error { return b.db.Close() }
