// Package pgtest gives tests a PostgreSQL database of their own: a fresh schema
// on the server MICA_TEST_POSTGRES names (scripts/with-postgres starts one for
// `make test`), dropped when the test ends.
package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"testing"

	"github.com/jackc/pgx/v5"
)

// Env is the variable that names the test server.
const Env = "MICA_TEST_POSTGRES"

// DSN returns a URL of the server Env names whose search_path is a new, empty
// schema, dropped when the test ends: parallel tests never see each other's
// tables. Without the variable the test is skipped, saying so; in CI (CI set)
// it fails.
func DSN(t testing.TB) string {
	t.Helper()
	dsn := os.Getenv(Env)
	if dsn == "" {
		if os.Getenv("CI") != "" {
			t.Fatal(Env + " is not set in CI: run the tests through scripts/with-postgres (make test does)")
		}
		t.Skip(Env + " is not set: skipping the PostgreSQL tests " +
			"(make test, or scripts/with-postgres go test ./..., starts a throwaway server)")
	}
	u, err := url.Parse(dsn)
	if err != nil || u.Scheme == "" {
		t.Fatalf(Env+" must be a postgres:// URL, got %q", dsn)
	}
	ctx := context.Background()
	admin, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatalf("connect to %s: %v", Env, err)
	}
	var b [8]byte
	_, _ = rand.Read(b[:])
	schema := "mica_test_" + hex.EncodeToString(b[:])
	if _, err := admin.Exec(ctx, `CREATE SCHEMA `+schema); err != nil {
		_ = admin.Close(ctx)
		t.Fatalf("create test schema: %v", err)
	}
	t.Cleanup(func() {
		if _, err := admin.Exec(ctx, `DROP SCHEMA `+schema+` CASCADE`); err != nil {
			t.Errorf("drop test schema: %v", err)
		}
		dropSnapshots(ctx, t, admin, schema)
		_ = admin.Close(ctx)
	})
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

// dropSnapshots drops the snapshot schemas (postgres/snapshot.go) of the store
// that lived in schema: they are outside it.
func dropSnapshots(ctx context.Context, t testing.TB, conn *pgx.Conn, schema string) {
	rows, err := conn.Query(ctx, `SELECT n.nspname FROM pg_namespace n JOIN pg_class c ON c.relnamespace = n.oid
		WHERE n.nspname LIKE 'mica\_snap\_%' AND c.relname = 'mica_snapshot'`)
	if err != nil {
		t.Errorf("list snapshot schemas: %v", err)
		return
	}
	names, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Errorf("list snapshot schemas: %v", err)
		return
	}
	for _, n := range names {
		var source string
		if err := conn.QueryRow(ctx, `SELECT source_schema FROM `+pgx.Identifier{n, "mica_snapshot"}.Sanitize()).Scan(&source); err != nil || source != schema {
			continue
		}
		if _, err := conn.Exec(ctx, `DROP SCHEMA `+pgx.Identifier{n}.Sanitize()+` CASCADE`); err != nil {
			t.Errorf("drop snapshot schema %s: %v", n, err)
		}
	}
}
