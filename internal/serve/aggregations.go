package serve

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/micahq/mica"
	"github.com/micahq/mica/aggregate"
	"github.com/micahq/mica/api"
	"github.com/micahq/mica/directory"
	"github.com/micahq/mica/secrets"
)

// NewAggregationRunner is the one place aggregation runners are built, for
// `mica serve` and `mica import accounts` alike. The accounts an aggregation
// adds or changes are classified in its apply transaction, by the classifier
// package storage installs in the store.
func NewAggregationRunner(db aggregate.Store, conn mica.Connector, logger *slog.Logger) *aggregate.Runner {
	return &aggregate.Runner{Store: db, Connector: conn, Logger: logger}
}

// NewConnector returns the data dir's secrets box (its key file is created on
// first need) and the directory connector that opens bind passwords with it.
func NewConnector(dataDir string) (*secrets.Box, *directory.Connector) {
	box := secrets.New(filepath.Join(dataDir, secrets.KeyFile))
	return box, &directory.Connector{Secrets: box}
}

// UploadDir is where uploaded account files wait for their aggregation.
func (m *Main) UploadDir() string { return filepath.Join(m.Config.DataDir, "uploads") }

// startAggregations starts the background aggregation runner; it ends the
// aggregations a killed server left unfinished (their sources keep their
// accounts): on SQLite all of them at once, since this server is the only one;
// on PostgreSQL those whose lease has passed, at start and every few seconds.
func (m *Main) startAggregations(ctx context.Context) error {
	if err := os.MkdirAll(m.UploadDir(), 0o700); err != nil {
		return fmt.Errorf("create upload dir: %w", err)
	}
	m.Aggs = NewAggregationRunner(m.store, m.connector, m.Logger)
	m.Aggs.MaxFileBytes = m.Config.MaxUpload
	m.Aggs.Exclusive = !m.backend.Shared()
	if m.Config.Controls {
		store := m.store
		m.Aggs.Stepping = func(ctx context.Context) bool { return mica.GetPacing(ctx, store, m.Config.Pacing).Stepping }
	}
	if m.met != nil {
		m.Aggs.OnEnded = m.met.aggregationEnded
	}
	if m.Jobs != nil { // a source's mappings are re-applied after each aggregation that completes
		ended := m.Aggs.OnEnded
		m.Aggs.OnEnded = func(agg *mica.Aggregation, d time.Duration) {
			if ended != nil {
				ended(agg, d)
			}
			if agg.Status == mica.AggCompleted {
				m.Jobs.OnSourceChanged(context.WithoutCancel(ctx), agg.SourceID)
			}
		}
	}
	if err := m.Aggs.Start(ctx); err != nil {
		return err
	}
	// Files a crash left mid-upload, which no aggregation will read: on SQLite
	// (one server owns the data dir) all that Start left; on PostgreSQL those
	// untouched for a day, since servers may share a data dir.
	if n := api.SweepUploads(m.UploadDir(), m.Aggs.Exclusive, 24*time.Hour, time.Now()); n > 0 {
		m.Logger.Warn("removed upload files no aggregation will read", "count", n)
	}
	return nil
}
