package postgres

import (
	"context"
	"fmt"

	"github.com/micahq/mica"
)

var _ mica.RateTokenService = (*DB)(nil)

// ConsumeRateTokens leases up to k tokens of key's window in one statement: a
// new window's row is inserted, an existing one is updated under its row lock,
// so concurrent leases from any number of servers never hand out more than limit.
func (db *DB) ConsumeRateTokens(ctx context.Context, key string, window int64, k, limit int) (int, error) {
	if k <= 0 || limit <= 0 {
		return 0, nil
	}
	var granted int
	var inserted bool
	// In SET, rate_tokens.used is the row's value before this statement.
	err := db.pool.QueryRow(ctx, `INSERT INTO rate_tokens AS r (key, window_idx, used, granted)
		VALUES ($1, $2, LEAST($3::int, $4::int), LEAST($3::int, $4::int))
		ON CONFLICT (key, window_idx) DO UPDATE
		SET used = LEAST($4::int, r.used + $3::int), granted = LEAST($4::int, r.used + $3::int) - r.used
		RETURNING granted, xmax = 0`, key, window, k, limit).Scan(&granted, &inserted)
	if err != nil {
		return 0, fmt.Errorf("consume rate tokens: %w", err)
	}
	if inserted {
		// The first lease of a window clears the key's past windows. Best effort:
		// a row left behind is harmless, and the next window's first lease retries.
		_, _ = db.pool.Exec(ctx, `DELETE FROM rate_tokens WHERE key = $1 AND window_idx < $2`, key, window)
	}
	return granted, nil
}
