package main

import (
	"net/http"
	"strconv"
	"testing"
	"time"
)

// TestPostgresSharedRateLimit: two servers on one PostgreSQL share each client's
// budget: 100 requests per window across both pass, the 101st is a 429 with
// Retry-After on either server.
func TestPostgresSharedRateLimit(t *testing.T) {
	t.Parallel()
	dsn := postgresDSN(t)
	dir := t.TempDir()
	const window = 5 * time.Second
	flags := []string{"--database", dsn, "--rate-limit", "100", "--rate-window", window.String()}
	_, ca := bootDemo(t, dir, flags...)
	_, cb := bootDemo(t, dir, flags...)
	type answer struct {
		StatusCode int
		Header     http.Header
	}
	get := func(c *client) answer {
		req, _ := http.NewRequest(http.MethodGet, c.base+"/v3/sources", nil)
		req.Header.Set("Authorization", "Bearer "+c.tok)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		_ = resp.Body.Close()
		return answer{resp.StatusCode, resp.Header}
	}
	// All in one window: start at a window's beginning, and on a machine so loaded
	// that 100 requests straddle two windows, try again in the next.
	for attempt := 0; ; attempt++ {
		now := time.Now()
		time.Sleep(window - time.Duration(now.UnixNano()%int64(window)) + 50*time.Millisecond)
		start := time.Now()
		for i := 0; i < 100; i++ {
			c := ca
			if i%2 == 1 {
				c = cb
			}
			if resp := get(c); resp.StatusCode != 200 {
				t.Fatalf("request %d: %d", i+1, resp.StatusCode)
			}
		}
		a, b := get(ca), get(cb)
		t.Logf("attempt %d: 100 requests in %v", attempt, time.Since(start))
		if time.Since(start) > window-500*time.Millisecond {
			if attempt < 2 {
				continue
			}
			t.Fatal("100 requests took longer than a window")
		}
		for _, resp := range []answer{a, b} {
			ra, _ := strconv.Atoi(resp.Header.Get("Retry-After"))
			if resp.StatusCode != 429 || ra < 1 || ra > 5 {
				t.Fatalf("101st request: %d, Retry-After %q", resp.StatusCode, resp.Header.Get("Retry-After"))
			}
		}
		return
	}
}
