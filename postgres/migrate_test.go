package postgres_test

import (
	"context"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/micahq/mica/postgres"
)

// TestMigrateConcurrently: servers starting together on one empty database all
// come up, and each migration is applied once (the advisory lock).
func TestMigrateConcurrently(t *testing.T) {
	t.Parallel()
	dsn := testDSN(t)
	ctx := context.Background()
	var wg sync.WaitGroup
	dbs := make([]*postgres.DB, 4)
	errs := make([]error, len(dbs))
	for i := range dbs {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			dbs[i], errs[i] = postgres.Open(ctx, dsn)
		}(i)
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("server %d: %v", i, err)
		}
		defer func() { _ = dbs[i].Close() }()
	}
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = conn.Close(ctx) }()
	var applied, distinct int
	if err := conn.QueryRow(ctx, `SELECT count(*), count(DISTINCT version) FROM schema_migrations`).Scan(&applied, &distinct); err != nil {
		t.Fatal(err)
	}
	if applied == 0 || applied != distinct {
		t.Fatalf("schema_migrations has %d rows for %d migrations", applied, distinct)
	}
	// Reopening applies nothing new and keeps data.
	if err := dbs[0].SetSetting(ctx, "k", "v"); err != nil {
		t.Fatal(err)
	}
	again, err := postgres.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = again.Close() }()
	if v, err := again.GetSetting(ctx, "k"); err != nil || v != "v" {
		t.Fatalf("after reopen: %q %v", v, err)
	}
}
