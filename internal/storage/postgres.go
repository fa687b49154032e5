package storage

import (
	"context"
	"log/slog"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/micahq/mica"
	"github.com/micahq/mica/classify"
	"github.com/micahq/mica/jobs"
	"github.com/micahq/mica/postgres"
)

// PostgreSQL, from a postgres:// URL: any number of servers may share it.
func init() {
	register("postgres", openPostgres)
	register("postgresql", openPostgres)
}

func openPostgres(ctx context.Context, cfg Config) (Backend, error) {
	if err := EnsureDataDir(cfg.DataDir); err != nil { // the signing key, the secrets key and uploads live there
		return nil, err
	}
	db, err := postgres.Open(ctx, cfg.Database)
	if err != nil {
		return nil, err
	}
	db.SetClassifier(classify.Continuous)
	return &postgresBackend{db: db}, nil
}

type postgresBackend struct{ db *postgres.DB }

func (b *postgresBackend) Store() mica.Store { return b.db }

// Jobs runs River's pgx driver on the store's pool. River's migrations take no
// lock of their own: they run under an advisory lock, so that servers starting
// together on an empty database do not race to create River's tables.
func (b *postgresBackend) Jobs(ctx context.Context, defaults mica.Pacing, logger *slog.Logger) (*jobs.Runner, error) {
	var runner *jobs.Runner
	err := b.db.WithLock(ctx, "river migrations", func(ctx context.Context) error {
		r, queue, err := jobs.NewPostgres(ctx, b.db.Pool(), b.db, defaults, logger)
		if err != nil {
			return err
		}
		b.db.SetJobHook(queue.Enqueue)
		b.db.SetTaskHook(queue.EnqueueTask)
		runner = r
		return nil
	})
	return runner, err
}

func (b *postgresBackend) Shared() bool { return true }

func (b *postgresBackend) RateTokens() mica.RateTokenService { return b.db }

func (b *postgresBackend) WithLock(ctx context.Context, name string, fn func(ctx context.Context) error) error {
	return b.db.WithLock(ctx, name, fn)
}

func (b *postgresBackend) Metrics() []prometheus.Collector {
	pool := b.db.Pool()
	gauge := func(name, help string, f func() float64) prometheus.Collector {
		return prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: name, Help: help}, f)
	}
	return []prometheus.Collector{
		gauge("mica_pg_pool_total_conns", "Connections in the PostgreSQL pool.", func() float64 { return float64(pool.Stat().TotalConns()) }),
		gauge("mica_pg_pool_acquired_conns", "PostgreSQL pool connections in use.", func() float64 { return float64(pool.Stat().AcquiredConns()) }),
		gauge("mica_pg_pool_idle_conns", "Idle PostgreSQL pool connections.", func() float64 { return float64(pool.Stat().IdleConns()) }),
		gauge("mica_pg_pool_max_conns", "The PostgreSQL pool's cap.", func() float64 { return float64(pool.Stat().MaxConns()) }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "mica_pg_pool_acquire_total", Help: "Connections acquired from the PostgreSQL pool."},
			func() float64 { return float64(pool.Stat().AcquireCount()) }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "mica_pg_pool_empty_acquire_total", Help: "Acquisitions that waited for a PostgreSQL pool connection."},
			func() float64 { return float64(pool.Stat().EmptyAcquireCount()) }),
	}
}

func (b *postgresBackend) Close() error { return b.db.Close() }
