package sqlite_test

import (
	"context"
	"database/sql"
	"path/filepath"
	"testing"
	"time"

	"github.com/micahq/mica"
	"github.com/micahq/mica/sqlite"
)

// TestMigrateTimestampsToMilliseconds: values written before migration 0012,
// with six fractional digits, are cut to the millisecond and take the form the
// API shows, so a filter on a shown value finds its item.
func TestMigrateTimestampsToMilliseconds(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "mica.db")
	if err := sqlite.CreateBefore(ctx, path, "migrations/0012_timestamps_milliseconds.sql"); err != nil {
		t.Fatal(err)
	}
	// Write as a server before 0012 did, with six fractional digits.
	raw, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	const ownerID, srcID = "00000000000000000000000000000001", "00000000000000000000000000000002"
	for _, q := range []string{
		`INSERT INTO identities (id, name, created, modified) VALUES ('` + ownerID + `', 'Owner',
			'2026-02-03T04:05:06.000500Z', '2026-02-03T04:05:06.000500Z')`,
		`INSERT INTO sources (id, name, owner_id, connector, created, modified) VALUES ('` + srcID + `', 'AD', '` +
			ownerID + `', 'active-directory', '2026-02-03T04:05:06.789999Z', '2026-02-03T04:05:07.000001Z')`,
	} {
		if _, err := raw.ExecContext(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	if err := raw.Close(); err != nil {
		t.Fatal(err)
	}
	owner, src := &mica.Identity{ID: ownerID}, &mica.Source{ID: srcID}

	db, err := sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = db.Close() }()
	got, err := db.GetSource(ctx, src.ID)
	if err != nil {
		t.Fatal(err)
	}
	if want := time.Date(2026, 2, 3, 4, 5, 6, 789000000, time.UTC); !got.Created.Equal(want) {
		t.Errorf("created = %v, want %v", got.Created, want)
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
	ident, err := db.GetIdentity(ctx, owner.ID)
	if err != nil {
		t.Fatal(err)
	}
	if want := time.Date(2026, 2, 3, 4, 5, 6, 0, time.UTC); !ident.Created.Equal(want) {
		t.Errorf("identity created = %v, want %v", ident.Created, want)
	}
}
