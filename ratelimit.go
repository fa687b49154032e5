package mica

import "context"

// RateTokenService keeps request budgets that several servers share: each
// (key, window) has limit tokens, and servers lease them in chunks that they
// spend locally. The PostgreSQL store implements it; a single server (SQLite)
// counts in memory instead.
type RateTokenService interface {
	// ConsumeRateTokens takes up to k of the tokens left in key's window (whose
	// budget is limit) and returns how many it took: k, fewer when fewer are
	// left, 0 when the window's budget is spent. Never more than limit in total.
	ConsumeRateTokens(ctx context.Context, key string, window int64, k, limit int) (granted int, err error)
}
