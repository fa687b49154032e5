package api

import (
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/micahq/mica"
)

// rateLimiter is ISC's gateway limit: at most limit requests per window per key
// (client id and API version), in fixed windows aligned to the epoch.
type rateLimiter struct {
	limit  int
	window time.Duration

	mu      sync.Mutex
	current int64 // index of the current window
	counts  map[string]int
}

func newRateLimiter(limit int, window time.Duration) *rateLimiter {
	if window <= 0 {
		window = 10 * time.Second
	}
	return &rateLimiter{limit: limit, window: window, counts: map[string]int{}}
}

// allow counts a request for key at now. Over the limit it sets Retry-After (whole
// seconds until the window resets, at least 1) and returns ERATELIMIT.
func (l *rateLimiter) allow(w http.ResponseWriter, key string, now time.Time) error {
	if l.limit <= 0 {
		return nil
	}
	idx := now.UnixNano() / int64(l.window)
	l.mu.Lock()
	if idx != l.current {
		l.current, l.counts = idx, map[string]int{} // a new window: every key starts again
	}
	l.counts[key]++
	n := l.counts[key]
	l.mu.Unlock()
	if n <= l.limit {
		return nil
	}
	reset := time.Unix(0, (idx+1)*int64(l.window))
	secs := int((reset.Sub(now) + time.Second - 1) / time.Second)
	w.Header().Set("Retry-After", strconv.Itoa(max(secs, 1)))
	return mica.Errorf(mica.ERATELIMIT, "rate limit exceeded")
}
