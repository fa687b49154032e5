package api

import "sync"

// memo remembers values by key for hot paths that a client drives with the
// same few inputs again and again (its query strings, its token's levels and
// scopes): the first request works a value out, the rest look it up. It holds
// at most max entries, then starts again empty: a bound on memory, not a tuned
// size. Values are shared: callers only read them.
type memo[K comparable, V any] struct {
	mu  sync.RWMutex
	m   map[K]V
	max int
}

func newMemo[K comparable, V any](max int) *memo[K, V] { return &memo[K, V]{max: max} }

func (c *memo[K, V]) get(k K) (V, bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	v, ok := c.m[k]
	return v, ok
}

func (c *memo[K, V]) put(k K, v V) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil || len(c.m) >= c.max {
		c.m = make(map[K]V)
	}
	c.m[k] = v
}
