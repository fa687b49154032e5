package postgres

import (
	"context"
	"fmt"
)

// WithLock runs fn holding the session advisory lock name (taken per schema,
// like the migration lock), so that servers sharing the database run fn one at
// a time: e.g. seeding the demo tenant once when servers start together. A
// server that dies holding the lock releases it with its connection.
func (db *DB) WithLock(ctx context.Context, name string, fn func(ctx context.Context) error) error {
	conn, err := db.pool.Acquire(ctx)
	if err != nil {
		return fmt.Errorf("lock %s: %w", name, err)
	}
	defer conn.Release()
	const key = `hashtextextended('mica lock ' || $1 || ' ' || coalesce(current_schema(), ''), 0)`
	if _, err := conn.Exec(ctx, `SELECT pg_advisory_lock(`+key+`)`, name); err != nil {
		return fmt.Errorf("lock %s: %w", name, err)
	}
	defer func() {
		uctx := context.WithoutCancel(ctx)
		if _, err := conn.Exec(uctx, `SELECT pg_advisory_unlock(`+key+`)`, name); err != nil {
			_ = conn.Hijack().Close(uctx) // never pool a connection that may still hold the lock
		}
	}()
	return fn(ctx)
}
