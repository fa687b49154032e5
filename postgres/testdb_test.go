package postgres_test

import (
	"context"
	"testing"

	"github.com/micahq/mica/internal/pgtest"
	"github.com/micahq/mica/postgres"
)

// testDSN returns a URL of the test server whose search_path is a new, empty
// schema, dropped when the test ends (internal/pgtest).
func testDSN(t testing.TB) string {
	t.Helper()
	return pgtest.DSN(t)
}

// testDB opens a store on a new, empty schema.
func testDB(t testing.TB) *postgres.DB {
	t.Helper()
	db, err := postgres.Open(context.Background(), testDSN(t))
	if err != nil {
		t.Fatal(err)
	}
	return db
}
