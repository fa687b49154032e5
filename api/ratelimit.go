package api

import (
	"context"
	"log/slog"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/micahq/mica"
)

// RateLimiter is ISC's gateway limit: at most a number of requests per window
// per key (client id and API version), in fixed windows aligned to the epoch.
// The server counts every authenticated request through it.
type RateLimiter interface {
	// Allow counts one request for key at now. Over the limit it returns false
	// and when the window resets.
	Allow(ctx context.Context, key string, now time.Time) (ok bool, reset time.Time)
}

// allow counts a request through the server's limiter. Over the limit it sets
// Retry-After (whole seconds until the window resets, at least 1) and returns ERATELIMIT.
func (s *Server) allow(w http.ResponseWriter, r *http.Request, key string) error {
	if s.RateLimiter == nil {
		return nil
	}
	now := s.Now()
	ok, reset := s.RateLimiter.Allow(r.Context(), key, now)
	if ok {
		return nil
	}
	secs := int((reset.Sub(now) + time.Second - 1) / time.Second)
	w.Header().Set("Retry-After", strconv.Itoa(max(secs, 1)))
	return mica.Errorf(mica.ERATELIMIT, "%s", mica.RateLimitText)
}

// windowOf returns the index of now's window and when that window ends.
func windowOf(now time.Time, window time.Duration) (int64, time.Time) {
	idx := now.UnixNano() / int64(window)
	return idx, time.Unix(0, (idx+1)*int64(window))
}

// MemoryRateLimiter counts requests in memory: the limit of one server (SQLite).
type MemoryRateLimiter struct {
	limit  int
	window time.Duration

	mu      sync.Mutex
	current int64 // index of the current window
	counts  map[string]int
}

// NewMemoryRateLimiter allows limit requests per window per key (limit 0: no limit; window default 10 s).
func NewMemoryRateLimiter(limit int, window time.Duration) *MemoryRateLimiter {
	if window <= 0 {
		window = 10 * time.Second
	}
	return &MemoryRateLimiter{limit: limit, window: window, counts: map[string]int{}}
}

// Allow implements RateLimiter.
func (l *MemoryRateLimiter) Allow(_ context.Context, key string, now time.Time) (bool, time.Time) {
	if l.limit <= 0 {
		return true, time.Time{}
	}
	idx, reset := windowOf(now, l.window)
	l.mu.Lock()
	defer l.mu.Unlock()
	if idx != l.current {
		l.current, l.counts = idx, map[string]int{} // a new window: every key starts again
	}
	l.counts[key]++
	return l.counts[key] <= l.limit, reset
}

// SharedRateLimiter enforces one limit across every server of a shared store
// (PostgreSQL): each key's budget per window is a counter in the store, and a
// server leases Chunk tokens at a time and spends them locally, so that only
// one request in Chunk reaches the store.
//
// Error bound: the servers together never allow more than limit requests per
// window and key. A server refuses once the store's budget is spent and its own
// lease is used up, while each other server may still hold at most Chunk-1
// unspent tokens of its last lease: with N servers, at most (N-1)*(Chunk-1)
// requests of a window are refused early. Windows are aligned to the epoch on
// each server's clock, so servers' clocks should agree (NTP).
type SharedRateLimiter struct {
	Tokens mica.RateTokenService
	Limit  int
	Window time.Duration
	Chunk  int          // tokens per lease (DefaultRateChunk)
	Logger *slog.Logger // store errors (the request is then allowed)

	mu      sync.Mutex
	current int64
	buckets map[string]*rateBucket
}

// rateBucket is a server's lease of one key's budget in the current window.
type rateBucket struct {
	mu    sync.Mutex
	left  int  // leased tokens not yet spent
	spent bool // the store's budget is spent: refuse without asking again
}

// DefaultRateChunk is the lease size for a limit: a twentieth of it (at least 1),
// so that 100 requests per window reach the store 20 times at most.
func DefaultRateChunk(limit int) int { return max(1, limit/20) }

// NewSharedRateLimiter leases from tokens with the default chunk (limit 0: no limit; window default 10 s).
func NewSharedRateLimiter(tokens mica.RateTokenService, limit int, window time.Duration, logger *slog.Logger) *SharedRateLimiter {
	if window <= 0 {
		window = 10 * time.Second
	}
	if logger == nil {
		logger = slog.Default()
	}
	return &SharedRateLimiter{Tokens: tokens, Limit: limit, Window: window, Chunk: DefaultRateChunk(limit), Logger: logger}
}

// Allow implements RateLimiter. Requests of one key on this server wait for each
// other's lease, so one server never leases more than it spends plus Chunk-1.
func (l *SharedRateLimiter) Allow(ctx context.Context, key string, now time.Time) (bool, time.Time) {
	if l.Limit <= 0 {
		return true, time.Time{}
	}
	idx, reset := windowOf(now, l.Window)
	l.mu.Lock()
	if idx != l.current || l.buckets == nil {
		l.current, l.buckets = idx, map[string]*rateBucket{}
	}
	b := l.buckets[key]
	if b == nil {
		b = &rateBucket{}
		l.buckets[key] = b
	}
	l.mu.Unlock()

	b.mu.Lock()
	defer b.mu.Unlock()
	if b.left > 0 {
		b.left--
		return true, reset
	}
	if b.spent {
		return false, reset
	}
	granted, err := l.Tokens.ConsumeRateTokens(ctx, key, idx, max(l.Chunk, 1), l.Limit)
	if err != nil {
		// The store is unreachable: serve rather than refuse everyone (the request
		// itself will most likely fail on the store too).
		l.Logger.Warn("rate limit: cannot lease tokens; allowing the request", "error", err)
		return true, reset
	}
	if granted == 0 {
		b.spent = true
		return false, reset
	}
	b.left = granted - 1
	return true, reset
}
