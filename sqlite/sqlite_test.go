package sqlite_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/micahq/mica"
	"github.com/micahq/mica/sqlite"
	"github.com/micahq/mica/storetest"
)

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) mica.Store {
		db, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "mica.db"))
		if err != nil {
			t.Fatal(err)
		}
		return db
	})
}

func TestReopenKeepsData(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "mica.db")
	db, err := sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.SetSetting(ctx, "k", "v"); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	db, err = sqlite.Open(ctx, path) // migrations are not applied twice
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = db.Close() }()
	if v, err := db.GetSetting(ctx, "k"); err != nil || v != "v" {
		t.Fatalf("after reopen: %q %v", v, err)
	}
}

func BenchmarkStore(b *testing.B) {
	storetest.Bench(b, func(b *testing.B) mica.Store {
		db, err := sqlite.Open(context.Background(), filepath.Join(b.TempDir(), "mica.db"))
		if err != nil {
			b.Fatal(err)
		}
		return db
	})
}
