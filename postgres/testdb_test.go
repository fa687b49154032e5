package postgres_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/micahq/mica/postgres"
)

// testDSN returns a URL of the server MICA_TEST_POSTGRES names (scripts/with-postgres
// starts one for `make test`) whose search_path is a new, empty schema, dropped
// when the test ends: parallel tests never see each other's tables. Without the
// variable the test is skipped, saying so; in CI it fails.
func testDSN(t *testing.T) string {
	t.Helper()
	dsn := os.Getenv("MICA_TEST_POSTGRES")
	if dsn == "" {
		if os.Getenv("CI") != "" {
			t.Fatal("MICA_TEST_POSTGRES is not set in CI: run the tests through scripts/with-postgres (make test does)")
		}
		t.Skip("MICA_TEST_POSTGRES is not set: skipping the PostgreSQL tests " +
			"(make test, or scripts/with-postgres go test ./postgres/, starts a throwaway server)")
	}
	u, err := url.Parse(dsn)
	if err != nil || u.Scheme == "" {
		t.Fatalf("MICA_TEST_POSTGRES must be a postgres:// URL, got %q", dsn)
	}
	ctx := context.Background()
	admin, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatalf("connect to MICA_TEST_POSTGRES: %v", err)
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
		_ = admin.Close(ctx)
	})
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

// testDB opens a store on a new, empty schema.
func testDB(t *testing.T) *postgres.DB {
	t.Helper()
	db, err := postgres.Open(context.Background(), testDSN(t))
	if err != nil {
		t.Fatal(err)
	}
	return db
}
