package api_test

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/micahq/mica/api"
)

// memTokens is a RateTokenService in memory: what the PostgreSQL store does in one statement.
type memTokens struct {
	mu    sync.Mutex
	used  map[string]int
	calls atomic.Int64
	fail  bool
}

func (m *memTokens) ConsumeRateTokens(_ context.Context, key string, window int64, k, limit int) (int, error) {
	m.calls.Add(1)
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.fail {
		return 0, errors.New("store down")
	}
	if m.used == nil {
		m.used = map[string]int{}
	}
	id := key + "@" + time.Unix(window, 0).String()
	g := min(k, limit-m.used[id])
	m.used[id] += g
	return g, nil
}

// TestSharedRateLimiterBound: N limiters on one budget, hammered concurrently,
// never allow more than the limit and refuse at most (N-1)*(k-1) early.
func TestSharedRateLimiterBound(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ servers, limit, chunk int }{{1, 100, 5}, {2, 100, 5}, {3, 100, 10}, {4, 1000, 50}, {3, 7, 1}} {
		tokens := &memTokens{}
		now := time.Unix(1_700_000_000, 0)
		var allowed atomic.Int64
		var wg sync.WaitGroup
		for s := 0; s < tc.servers; s++ {
			l := api.NewSharedRateLimiter(tokens, tc.limit, 10*time.Second, nil)
			l.Chunk = tc.chunk
			for g := 0; g < 4; g++ {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for i := 0; i < tc.limit; i++ { // each server alone asks for the whole budget
						if ok, _ := l.Allow(context.Background(), "client|v3", now); ok {
							allowed.Add(1)
						}
					}
				}()
			}
		}
		wg.Wait()
		n := int(allowed.Load())
		if n > tc.limit || n < tc.limit-(tc.servers-1)*(tc.chunk-1) {
			t.Errorf("%+v: allowed %d, want between %d and %d", tc, n, tc.limit-(tc.servers-1)*(tc.chunk-1), tc.limit)
		}
		// One lease per chunk, and a spent window is not asked again.
		if c := int(tokens.calls.Load()); c > tc.limit/tc.chunk+2*tc.servers {
			t.Errorf("%+v: %d store calls", tc, c)
		}
	}
}

// TestSharedRateLimiterWindows: a new window starts a new budget, Retry-After's
// reset is the window's end, and a store error lets the request through.
func TestSharedRateLimiterWindows(t *testing.T) {
	t.Parallel()
	tokens := &memTokens{}
	l := api.NewSharedRateLimiter(tokens, 10, 10*time.Second, nil)
	if l.Chunk != 1 {
		t.Fatalf("default chunk for 10 = %d, want 1", l.Chunk)
	}
	start := time.Unix(1_700_000_000, 0) // a multiple of 10 s
	for i := 0; i < 10; i++ {
		if ok, _ := l.Allow(context.Background(), "k", start.Add(time.Duration(i)*time.Millisecond)); !ok {
			t.Fatalf("request %d refused", i+1)
		}
	}
	ok, reset := l.Allow(context.Background(), "k", start.Add(3*time.Second))
	if ok || !reset.Equal(start.Add(10*time.Second)) {
		t.Fatalf("11th: ok %v, reset %v", ok, reset)
	}
	if ok, _ := l.Allow(context.Background(), "other", start.Add(3*time.Second)); !ok {
		t.Fatal("another key shares the budget")
	}
	if ok, _ := l.Allow(context.Background(), "k", start.Add(10*time.Second)); !ok {
		t.Fatal("new window refused")
	}
	tokens.fail = true
	if ok, _ := l.Allow(context.Background(), "k2", start.Add(10*time.Second)); !ok {
		t.Fatal("a store error refused the request")
	}
	if ok, _ := api.NewSharedRateLimiter(tokens, 0, 0, nil).Allow(context.Background(), "k", start); !ok {
		t.Fatal("limit 0 refused")
	}
}
