// Package postgres is mica's store on PostgreSQL (through pgx), for running
// several stateless servers over one database. It passes the same conformance
// suite (storetest) as the SQLite store; its SQL is written for PostgreSQL.
package postgres

import (
	"context"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"sort"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/micahq/mica"
)

//go:embed migrations/*.sql
var migrationFS embed.FS

// migrationLock names the advisory lock under which migrations run, so that
// servers starting together apply each migration once. The lock is taken per
// schema (the first of the search_path), so stores in different schemas of one
// database migrate independently.
const migrationLock = `hashtextextended('mica migrations ' || coalesce(current_schema(), ''), 0)`

// DB is the PostgreSQL store. It implements mica.Store.
type DB struct {
	pool *pgxpool.Pool
	// Now is the clock; tests may replace it.
	Now func() time.Time

	jobHook    OnClassificationJobStarted
	taskHook   OnMISTask
	classifier Classifier

	caches        checker       // the exact caches' generations (cachelog.go)
	assignedBuild assignedBuild // one load of the assigned apps at a time (assigned.go)
}

var _ mica.Store = (*DB)(nil)

// Open connects to the database at dsn (a postgres:// URL or key=value string)
// and applies pending migrations.
func Open(ctx context.Context, dsn string) (*DB, error) {
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		return nil, fmt.Errorf("parse postgres dsn: %w", err)
	}
	if cfg.ConnConfig.RuntimeParams == nil {
		cfg.ConnConfig.RuntimeParams = map[string]string{}
	}
	cfg.ConnConfig.RuntimeParams["timezone"] = "UTC"
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("open postgres: %w", err)
	}
	db := &DB{pool: pool, Now: mica.TimeNow}
	if err := db.migrate(ctx); err != nil {
		pool.Close()
		return nil, err
	}
	return db, nil
}

// Pool is the connection pool (River's pgx driver uses it too).
func (db *DB) Pool() *pgxpool.Pool { return db.pool }

// Close closes the pool.
func (db *DB) Close() error {
	db.pool.Close()
	return nil
}

// Ping checks that the database answers.
func (db *DB) Ping(ctx context.Context) error {
	if err := db.pool.Ping(ctx); err != nil {
		return fmt.Errorf("ping postgres: %w", err)
	}
	return nil
}

// migrate applies every embedded migration not yet applied, each in its own
// transaction, holding a session advisory lock so that concurrent servers wait
// for each other instead of racing.
func (db *DB) migrate(ctx context.Context) error {
	conn, err := db.pool.Acquire(ctx)
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	defer conn.Release()
	if _, err := conn.Exec(ctx, `SELECT pg_advisory_lock(`+migrationLock+`)`); err != nil {
		return fmt.Errorf("migration lock: %w", err)
	}
	defer func() { _, _ = conn.Exec(context.WithoutCancel(ctx), `SELECT pg_advisory_unlock(`+migrationLock+`)`) }()
	if _, err := conn.Exec(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version text PRIMARY KEY, applied timestamptz NOT NULL)`); err != nil {
		return fmt.Errorf("create schema_migrations: %w", err)
	}
	names, err := fs.Glob(migrationFS, "migrations/*.sql")
	if err != nil {
		return fmt.Errorf("list migrations: %w", err)
	}
	sort.Strings(names)
	for _, name := range names {
		if err := migrateFile(ctx, conn.Conn(), name); err != nil {
			return err
		}
	}
	return nil
}

func migrateFile(ctx context.Context, conn *pgx.Conn, name string) error {
	tx, err := conn.Begin(ctx)
	if err != nil {
		return fmt.Errorf("begin migration %s: %w", name, err)
	}
	defer func() { _ = tx.Rollback(ctx) }()
	var n int
	if err := tx.QueryRow(ctx, `SELECT count(*) FROM schema_migrations WHERE version = $1`, name).Scan(&n); err != nil {
		return fmt.Errorf("check migration %s: %w", name, err)
	} else if n > 0 {
		return nil
	}
	body, err := fs.ReadFile(migrationFS, name)
	if err != nil {
		return fmt.Errorf("read migration %s: %w", name, err)
	}
	if _, err := tx.Exec(ctx, string(body)); err != nil {
		return fmt.Errorf("apply migration %s: %w", name, err)
	}
	if _, err := tx.Exec(ctx, `INSERT INTO schema_migrations (version, applied) VALUES ($1, $2)`, name, time.Now().UTC()); err != nil {
		return fmt.Errorf("record migration %s: %w", name, err)
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("commit migration %s: %w", name, err)
	}
	return nil
}

// Tx is a write transaction carrying one "now" for every row it touches.
type Tx struct {
	pgx.Tx
	now time.Time
}

// update runs fn in a transaction: begin, deferred rollback, commit.
func (db *DB) update(ctx context.Context, fn func(tx *Tx) error) error {
	pgTx, err := db.pool.Begin(ctx)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	defer func() { _ = pgTx.Rollback(context.WithoutCancel(ctx)) }()
	if err := fn(&Tx{Tx: pgTx, now: db.Now().UTC().Truncate(mica.TimePrecision)}); err != nil {
		return err
	}
	if err := pgTx.Commit(ctx); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

// queryer is what read helpers need: the pool or a transaction.
type queryer interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
	Exec(ctx context.Context, sql string, arguments ...any) (pgconn.CommandTag, error)
}

// scanner is a pgx.Row or pgx.Rows.
type scanner interface{ Scan(dest ...any) error }

// PostgreSQL error codes mica maps to its own.
const (
	uniqueViolation     = "23505"
	foreignKeyViolation = "23503"
)

func pgCode(err error) string {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code
	}
	return ""
}

func isUniqueViolation(err error) bool     { return pgCode(err) == uniqueViolation }
func isForeignKeyViolation(err error) bool { return pgCode(err) == foreignKeyViolation }

func toJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return "null"
	}
	return string(b)
}

// toJSONOrNull is v as JSON, or SQL NULL for a nil value.
func toJSONOrNull(v any) any {
	b, err := json.Marshal(v)
	if err != nil || string(b) == "null" {
		return nil
	}
	return string(b)
}

func fromJSON(b []byte, v any) {
	if len(b) == 0 {
		return
	}
	_ = json.Unmarshal(b, v) // columns are written by toJSON, never by clients
}

func nullString(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func str(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

// utc is a time as the store keeps it: UTC at mica.TimePrecision. Every time
// a caller gives is written through it (the columns are timestamptz(3), which
// would round where SQLite's text truncates).
func utc(t time.Time) time.Time { return t.UTC().Truncate(mica.TimePrecision) }

func utcPtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := utc(*t)
	return &u
}

// args numbers bind parameters while a statement is built: each call to add
// returns the next $n.
type args []any

func (a *args) add(v any) string {
	*a = append(*a, v)
	return "$" + strconv.Itoa(len(*a))
}
