package postgres_test

import (
	"context"
	"database/sql"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/micahq/mica/postgres"
	"github.com/micahq/mica/sqlite"
)

// storeOnly are the tables one store has and the other need not: each names why.
var storeOnly = map[string]string{
	// SQLite: counters that triggers raise in the commit of a change, checked by
	// the in-memory caches of one process (assigned apps, authentication).
	"assignment_version": "sqlite",
	"auth_version":       "sqlite",
	// PostgreSQL: chunks that several servers' workers classify at once, and the
	// rate-limit tokens servers share.
	"classification_job_chunks": "postgres",
	"rate_tokens":               "postgres",
	// PostgreSQL: the change log that keeps each server's caches exact
	// (postgres/cachelog.go), where SQLite has its two counters.
	"cache_changes": "postgres",
	"cache_horizon": "postgres",
	// Issue 19: a job's items are rows on PostgreSQL (classification_job_items,
	// which several servers' batches read by seq) and blocks of rids on SQLite
	// (sqlite/migrations/0016_classification_state.sql, sqlite/jobitems.go).
	"classification_job_blocks": "sqlite",
	"classification_job_items":  "postgres",
}

// storeOnlyColumns are the columns of shared tables that one store has and the other need not.
var storeOnlyColumns = map[string]string{
	// PostgreSQL: the order jobs were started in (SQLite orders by rowid).
	"classification_jobs.seq": "postgres",
	// PostgreSQL stages into aggregation_rows; SQLite into a table per aggregation
	// (sqlite/staging.go, stagingSchema), which has left_day.
	"aggregation_rows.left_day": "postgres",
	"mapping_jobs.seq":          "postgres",
	// PostgreSQL: the order decisions were taken in (SQLite orders by rowid).
	"triage_decisions.seq": "postgres",
	"aggregations.seq":     "postgres",
	// Issue 19: account_classifications is keyed by the account's rowid made a
	// column (rid) on SQLite, by the account's id on PostgreSQL, which has no rowid.
	"accounts.rid":                        "sqlite",
	"account_classifications.account_rid": "sqlite",
	"account_classifications.account_id":  "postgres",
}

// TestMigrationsDefineTheSameTables: the SQLite and PostgreSQL migrations
// create the same tables with the same columns, but for the store-specific
// tables listed in storeOnly (River's own tables are River's).
func TestMigrationsDefineTheSameTables(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dsn := testDSN(t)
	pg, err := postgres.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = pg.Close() }()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = conn.Close(ctx) }()
	pgCols := map[string][]string{}
	// Tables only, as on SQLite below: views (accounts_view) are read models, not stored data.
	rows, err := conn.Query(ctx, `SELECT c.table_name, c.column_name FROM information_schema.columns c
		JOIN information_schema.tables t ON t.table_schema = c.table_schema AND t.table_name = c.table_name
		WHERE c.table_schema = current_schema() AND t.table_type = 'BASE TABLE' ORDER BY c.table_name, c.column_name`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var table, col string
		if err := rows.Scan(&table, &col); err != nil {
			t.Fatal(err)
		}
		pgCols[table] = append(pgCols[table], col)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}

	db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "mica.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = db.Close() }()
	sqCols := map[string][]string{}
	tables, err := db.WritePool().QueryContext(ctx, `SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%'`)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for tables.Next() {
		var n string
		if err := tables.Scan(&n); err != nil {
			t.Fatal(err)
		}
		names = append(names, n)
	}
	_ = tables.Close()
	for _, n := range names {
		cols, err := db.WritePool().QueryContext(ctx, `SELECT name FROM pragma_table_info(?) ORDER BY name`, n)
		if err != nil {
			t.Fatal(err)
		}
		for cols.Next() {
			var c sql.NullString
			if err := cols.Scan(&c); err != nil {
				t.Fatal(err)
			}
			sqCols[n] = append(sqCols[n], c.String)
		}
		_ = cols.Close()
	}

	skip := func(table string) bool { return strings.HasPrefix(table, "river_") || table == "schema_migrations" }
	for table, cols := range sqCols {
		if skip(table) {
			continue
		}
		if storeOnly[table] == "sqlite" {
			if _, ok := pgCols[table]; ok {
				t.Errorf("table %s is listed as SQLite's only, but PostgreSQL has it too", table)
			}
			continue
		}
		other, ok := pgCols[table]
		if !ok {
			t.Errorf("SQLite has table %s, PostgreSQL does not", table)
			continue
		}
		drop := func(store string, cols []string) []string {
			return slices.DeleteFunc(slices.Clone(cols), func(c string) bool { return storeOnlyColumns[table+"."+c] == store })
		}
		cols, other = drop("sqlite", cols), drop("postgres", other)
		slices.Sort(cols)
		if !slices.Equal(cols, other) {
			t.Errorf("table %s: SQLite columns %v, PostgreSQL columns %v", table, cols, other)
		}
	}
	for table := range pgCols {
		if skip(table) {
			continue
		}
		if _, ok := sqCols[table]; !ok && storeOnly[table] != "postgres" {
			t.Errorf("PostgreSQL has table %s, SQLite does not", table)
		}
	}
}
