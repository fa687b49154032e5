package postgres_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/micahq/mica"
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

// TestMigrateTimestampsToMilliseconds: values stored before migration 0009,
// with microseconds, are cut to the millisecond, and the columns keep no finer
// value from then on, so a filter on a shown value finds its item.
func TestMigrateTimestampsToMilliseconds(t *testing.T) {
	t.Parallel()
	dsn := testDSN(t)
	ctx := context.Background()
	// The database as a server before 0009 left it.
	if err := postgres.MigrateBefore(ctx, dsn, "migrations/0009"); err != nil {
		t.Fatal(err)
	}
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = conn.Close(ctx) }()
	for _, q := range []string{
		`INSERT INTO identities (id, name, created, modified) VALUES ('owner', 'Owner', now(), now())`,
		`INSERT INTO sources (id, name, owner_id, connector, created, modified) VALUES ('src', 'AD', 'owner',
			'active-directory', '2026-02-03T04:05:06.789999Z', '2026-02-03T04:05:07.000001Z')`,
	} {
		if _, err := conn.Exec(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	src := &mica.Source{ID: "src"}

	db, err := postgres.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = db.Close() }()
	got, err := db.GetSource(ctx, src.ID)
	if err != nil {
		t.Fatal(err)
	}
	if want := time.Date(2026, 2, 3, 4, 5, 6, 789000000, time.UTC); !got.Created.Equal(want) {
		t.Errorf("created = %v, want %v (cut, not rounded)", got.Created, want)
	}
	if want := time.Date(2026, 2, 3, 4, 5, 7, 0, time.UTC); !got.Modified.Equal(want) {
		t.Errorf("modified = %v, want %v", got.Modified, want)
	}
	for filter, n := range map[string]int{
		"created eq 2026-02-03T04:05:06.789Z": 1, "created gt 2026-02-03T04:05:06.789Z": 0,
		"created ge 2026-02-03T04:05:06.789Z": 1, "modified le 2026-02-03T04:05:07.000Z": 1,
		`created sw "2026-02-03T04:05:06.78"`: 1,
	} {
		page, err := db.ListSources(ctx, mica.ListOptions{Filters: filter, Limit: 10})
		if err != nil {
			t.Fatalf("%s: %v", filter, err)
		}
		if len(page.Items) != n {
			t.Errorf("%s: %d sources, want %d", filter, len(page.Items), n)
		}
	}
	// Every timestamp column of mica's tables is timestamptz(3).
	rows, err := conn.Query(ctx, `SELECT table_name || '.' || column_name, datetime_precision FROM information_schema.columns
		WHERE table_schema = current_schema() AND data_type = 'timestamp with time zone' AND table_name <> 'schema_migrations'
		AND table_name NOT LIKE 'river%'`)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for rows.Next() {
		var col string
		var prec int
		if err := rows.Scan(&col, &prec); err != nil {
			t.Fatal(err)
		}
		n++
		if prec != 3 {
			t.Errorf("%s has precision %d, want 3", col, prec)
		}
	}
	if rows.Err() != nil || n < 20 {
		t.Errorf("%d timestamp columns found (%v)", n, rows.Err())
	}
}
