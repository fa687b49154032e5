package postgres_test

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/micahq/mica/postgres"
)

// TestConsumeRateTokens: leases from two connections pools (two servers) on one
// database hand out exactly the limit, the last lease partially, and the first
// lease of a new window clears the key's past ones.
func TestConsumeRateTokens(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dsn := testDSN(t)
	var dbs []*postgres.DB
	for i := 0; i < 2; i++ {
		db, err := postgres.Open(ctx, dsn)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = db.Close() })
		dbs = append(dbs, db)
	}
	const limit, k = 1000, 7
	var total atomic.Int64
	var wg sync.WaitGroup
	for g := 0; g < 16; g++ {
		wg.Add(1)
		go func(db *postgres.DB) {
			defer wg.Done()
			for {
				n, err := db.ConsumeRateTokens(ctx, "client|v3", 42, k, limit)
				if err != nil {
					t.Error(err)
					return
				}
				if n < 0 || n > k {
					t.Errorf("granted %d", n)
				}
				if n == 0 {
					return
				}
				total.Add(int64(n))
			}
		}(dbs[g%2])
	}
	wg.Wait()
	if total.Load() != limit {
		t.Fatalf("granted %d in total, want %d", total.Load(), limit)
	}
	// Other keys and windows have their own budget; a new window clears the old.
	if n, err := dbs[0].ConsumeRateTokens(ctx, "client|v2025", 42, k, limit); err != nil || n != k {
		t.Fatalf("other key: %d %v", n, err)
	}
	if n, err := dbs[1].ConsumeRateTokens(ctx, "client|v3", 43, 5, 3); err != nil || n != 3 {
		t.Fatalf("new window, k > limit: %d %v", n, err)
	}
	if n, err := dbs[1].ConsumeRateTokens(ctx, "client|v3", 42, k, limit); err != nil || n != k {
		t.Fatalf("a cleared window starts again: %d %v", n, err)
	}
	if n, err := dbs[1].ConsumeRateTokens(ctx, "client|v3", 43, 0, 3); err != nil || n != 0 {
		t.Fatalf("k 0: %d %v", n, err)
	}
}
