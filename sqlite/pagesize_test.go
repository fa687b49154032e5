package sqlite_test

import (
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/micahq/mica/sqlite"
)

// pageSize reads the page size of the database file at path.
func pageSize(t *testing.T, path string) int {
	t.Helper()
	c, err := sql.Open("sqlite", "file:"+path+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = c.Close() }()
	var n int
	if err := c.QueryRow(`PRAGMA page_size`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// oldStore makes at path a WAL database of 4 KiB pages (as mica made them
// before), then opens it as a store.
func oldStore(t *testing.T, path string) *sqlite.DB {
	t.Helper()
	c, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{`PRAGMA page_size = 4096`, `PRAGMA journal_mode = WAL`, `CREATE TABLE x (y)`, `DROP TABLE x`} {
		if _, err := c.Exec(q); err != nil {
			t.Fatal(q, err)
		}
	}
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	db, err := sqlite.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	return db
}

// TestPageSizes: a new database has 16 KiB pages, one made before keeps its
// own, and a snapshot of either restores into the other.
func TestPageSizes(t *testing.T) {
	ctx := context.Background()
	oldPath, newPath := filepath.Join(t.TempDir(), "mica.db"), filepath.Join(t.TempDir(), "mica.db")
	old := oldStore(t, oldPath)
	cur, err := sqlite.Open(ctx, newPath)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = cur.Close() }()
	if got := pageSize(t, oldPath); got != 4096 {
		t.Fatalf("the old database's pages: %d bytes, want 4096", got)
	}
	if got := pageSize(t, newPath); got != 16384 {
		t.Fatalf("a new database's pages: %d bytes, want 16384", got)
	}
	for _, s := range []struct {
		from, to         *sqlite.DB
		fromPath, toPath string
		value            string
	}{{old, cur, oldPath, newPath, "from 4 KiB pages"}, {cur, old, newPath, oldPath, "from 16 KiB pages"}} {
		if err := s.from.SetSetting(ctx, "k", s.value); err != nil {
			t.Fatal(err)
		}
		if _, err := s.from.SaveSnapshot(ctx, "snap"); err != nil {
			t.Fatal(err)
		}
		b, err := os.ReadFile(filepath.Join(filepath.Dir(s.fromPath), "snapshots", "snap.db"))
		if err != nil {
			t.Fatal(err)
		}
		dir := filepath.Join(filepath.Dir(s.toPath), "snapshots")
		if err := os.MkdirAll(dir, 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "snap.db"), b, 0o600); err != nil {
			t.Fatal(err)
		}
		before := pageSize(t, s.toPath)
		if err := s.to.RestoreSnapshot(ctx, "snap"); err != nil {
			t.Fatalf("restore %s: %v", s.value, err)
		}
		if v, err := s.to.GetSetting(ctx, "k"); err != nil || v != s.value {
			t.Fatalf("restored %s: setting %q, %v", s.value, v, err)
		}
		if got := pageSize(t, s.toPath); got != before {
			t.Fatalf("restored %s: pages of %d bytes, were %d", s.value, got, before)
		}
		entries, err := os.ReadDir(dir)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range entries {
			if strings.HasPrefix(e.Name(), ".") {
				t.Fatalf("restored %s: %s left in the snapshot folder", s.value, e.Name())
			}
		}
	}
}
