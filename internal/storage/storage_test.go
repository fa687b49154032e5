package storage

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/micahq/mica"
	"github.com/micahq/mica/internal/pgtest"
)

// TestOpenerFor: the database URL's scheme picks the store; anything else is
// an error that says what --database takes.
func TestOpenerFor(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		database string
		want     string // the driver's scheme, or "error"
	}{
		{"", ""},
		{"postgres://mica@db/mica?sslmode=disable", "postgres"},
		{"postgresql://mica@db/mica", "postgresql"},
		{"POSTGRES://mica@db/mica", "postgres"},
		{"mysql://mica@db/mica", "error"},
		{"host=db dbname=mica", "error"},
		{"./mica.db", "error"},
	} {
		open, err := openerFor(tc.database)
		if tc.want == "error" {
			if err == nil || !strings.Contains(err.Error(), "postgres://") || !strings.Contains(err.Error(), "--database") {
				t.Errorf("%q: error %v, want one naming --database and postgres://", tc.database, err)
			}
			continue
		}
		if err != nil || open == nil {
			t.Errorf("%q: %v", tc.database, err)
		}
	}
}

// TestBackends: each store opens through the seam with what the server needs
// of it: a store, a job runner whose queue the store enqueues into in its own
// transactions, a lock, metrics, and its sharing.
func TestBackends(t *testing.T) {
	t.Parallel()
	t.Run("sqlite", func(t *testing.T) {
		t.Parallel()
		dir := filepath.Join(t.TempDir(), "data")
		testBackend(t, Config{DataDir: dir}, false)
		info, err := os.Stat(dir)
		if err != nil || info.Mode().Perm() != 0o700 {
			t.Fatalf("data dir: %v %v, want 0700", info, err)
		}
		if _, err := os.Stat(filepath.Join(dir, DBFile)); err != nil {
			t.Fatalf("the SQLite file: %v", err)
		}
	})
	t.Run("postgres", func(t *testing.T) {
		t.Parallel()
		testBackend(t, Config{DataDir: t.TempDir(), Database: pgtest.DSN(t)}, true)
	})
}

func testBackend(t *testing.T, cfg Config, shared bool) {
	ctx := context.Background()
	b, err := Open(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = b.Close() })
	if b.Shared() != shared || (b.RateTokens() != nil) != shared {
		t.Fatalf("shared %v, rate tokens %v: want shared %v with rate tokens", b.Shared(), b.RateTokens(), shared)
	}
	reg := prometheus.NewRegistry()
	if err := reg.Register(prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "probe"}, func() float64 { return 1 })); err != nil {
		t.Fatal(err)
	}
	for _, c := range b.Metrics() {
		if err := reg.Register(c); err != nil {
			t.Fatalf("metrics: %v", err)
		}
	}
	if families, err := reg.Gather(); err != nil || len(families) < 2 {
		t.Fatalf("metrics gathered %d families: %v", len(families), err)
	}
	ran := false
	sentinel := errors.New("inside the lock")
	if err := b.WithLock(ctx, "test", func(context.Context) error { ran = true; return sentinel }); !ran || !errors.Is(err, sentinel) {
		t.Fatalf("WithLock ran %v, returned %v", ran, err)
	}

	s := b.Store()
	owner := &mica.Identity{Name: "owner", Alias: "owner"}
	if err := s.CreateIdentity(ctx, owner); err != nil {
		t.Fatal(err)
	}
	src := &mica.Source{Name: "AD", Owner: mica.Ref{ID: owner.ID}, Connector: "active-directory",
		Type: "Active Directory - Direct", ConnectorAttributes: map[string]any{"host": "dc1"}}
	if err := s.CreateSource(ctx, src); err != nil {
		t.Fatal(err)
	}
	if err := s.PutMachineClassificationConfig(ctx, &mica.MachineClassificationConfig{SourceID: src.ID, Enabled: true,
		ClassificationMethod: mica.MethodSource}); err != nil {
		t.Fatal(err)
	}
	if err := s.CreateAccounts(ctx, []*mica.Account{{SourceID: src.ID, NativeIdentity: "svc-a"},
		{SourceID: src.ID, NativeIdentity: "svc-b"}, {SourceID: src.ID, NativeIdentity: "svc-c"}}); err != nil {
		t.Fatal(err)
	}
	runner, err := b.Jobs(ctx, mica.Pacing{BatchSize: 2}, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	if err := runner.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = runner.Stop(context.Background()) })
	// The store enqueues the job's River work in the transaction that starts it
	// (a runner that started before the job has nothing to resume).
	job, err := s.StartClassificationJob(ctx, src.ID)
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		j, err := s.GetClassificationJobByID(ctx, job.ID)
		if err != nil {
			t.Fatal(err)
		}
		if !j.Running() {
			if j.Status != mica.JobCompleted || j.Completed != 3 {
				t.Fatalf("the job ended %s with %d of %d classified", j.Status, j.Completed, j.Expected)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the job is still %s after 30 s (%d of %d): nobody works it", j.Status, j.Completed, j.Expected)
		}
		time.Sleep(20 * time.Millisecond)
	}
	p, err := s.ListMachineAccounts(ctx, mica.ListOptions{Limit: 10, Count: true})
	if err != nil || p.Total != 3 {
		t.Fatalf("machine accounts after the job: %v %v, want 3", p, err)
	}
}
