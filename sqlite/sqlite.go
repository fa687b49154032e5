// Package sqlite is mica's default store: an embedded SQLite database through
// modernc.org/sqlite (pure Go), with WAL, one write connection and a read pool.
package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"runtime"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/micahq/mica"
	"github.com/micahq/mica/query"
	_ "modernc.org/sqlite" // registers the "sqlite" driver
)

//go:embed migrations/*.sql
var migrationFS embed.FS

// writeCacheKiB is the page cache of the write connection (SQLite's default is 2 MiB).
const writeCacheKiB = 32 << 10

// timeLayout is how timestamps are stored: fixed width, so text order is time
// order, at mica.TimePrecision, as the API shows them (query.TimeLayout).
const timeLayout = query.TimeLayout

// DB is the SQLite store. It implements mica.Store.
type DB struct {
	path  string
	write *sql.DB // exactly one connection: SQLite has one writer
	read  *sql.DB // a pool of read-only connections
	// reads runs the read pool's frequent queries through prepared statements.
	reads *stmtCache
	// Now is the clock; tests may replace it.
	Now func() time.Time

	jobHook    OnClassificationJobStarted
	taskHook   OnMISTask
	classifier Classifier

	vers     versionReader // the numbers the caches check (versions.go)
	wal      *walIndex     // the WAL index's header, nil when it cannot be mapped (walindex.go)
	assigned assignedCache // GET /source-apps/assigned from memory (assigned.go)
	auth     authCache     // AuthLookup from memory (versions.go)

	// stagings is what this process knows of the aggregations it stages
	// (staging.go), by aggregation id; an entry goes when its table is dropped.
	stagingMu sync.Mutex
	stagings  map[string]*staging
}

var _ mica.Store = (*DB)(nil)

// Open opens (creating if needed) the database file at path and applies pending migrations.
func Open(ctx context.Context, path string) (*DB, error) { return open(ctx, path, "") }

// open is Open with the migrations whose names sort before migration (all
// when it is empty).
func open(ctx context.Context, path, migration string) (*DB, error) {
	if err := restrictFiles(path); err != nil {
		return nil, err
	}
	pageSize, err := preparePages(ctx, path)
	if err != nil {
		return nil, err
	}
	q := url.Values{}
	q.Add("_pragma", "busy_timeout(10000)")
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "foreign_keys(1)")
	q.Add("_pragma", "synchronous(NORMAL)")
	// The one write connection works through large tables (classification
	// batches, aggregations): with SQLite's default 2 MiB page cache nearly
	// every page it reads is a system call.
	q.Add("_pragma", fmt.Sprintf("cache_size(-%d)", writeCacheKiB))
	// Checkpoint every 40 MiB of WAL rather than every 4 MiB: a classification
	// batch or an aggregation rewrites more than 4 MiB of pages, and each
	// checkpoint copies them back and syncs.
	q.Add("_pragma", fmt.Sprintf("wal_autocheckpoint(%d)", checkpointBytes/pageSize))
	q.Add("_txlock", "immediate")
	dsn := "file:" + path + "?" + q.Encode()
	w, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("open sqlite %s: %w", path, err)
	}
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxLifetime(0)
	db := &DB{path: path, write: w, Now: mica.TimeNow}
	if err := db.migrateBefore(ctx, migration); err != nil {
		_ = w.Close()
		return nil, err
	}
	rq := url.Values{}
	rq.Add("_pragma", "busy_timeout(10000)")
	rq.Add("_pragma", "foreign_keys(1)")
	rq.Add("_pragma", "query_only(1)")
	r, err := sql.Open("sqlite", "file:"+path+"?"+rq.Encode())
	if err != nil {
		_ = w.Close()
		return nil, fmt.Errorf("open sqlite read pool %s: %w", path, err)
	}
	n := max(4, runtime.NumCPU()*2)
	r.SetMaxOpenConns(n)
	r.SetMaxIdleConns(n)
	db.read, db.reads = r, newStmtCache(r)
	if w, err := openWALIndex(ctx, path); err == nil {
		db.wal = w // else (nil, or an error) every version read runs its statement
	}
	return db, nil
}

// newPageSize is the page size of a database this store creates: SQLite's
// default is 4 KiB. Every page a transaction writes is its own WAL frame (two
// write system calls, one more to read it back at the checkpoint), so an
// aggregation that adds a million accounts (about 700 MiB of table and index
// pages) spends a second or two in system calls with 4 KiB pages, a quarter
// of that with 16 KiB ones. A database keeps the page size it was made with.
const newPageSize = 16 << 10

// checkpointBytes is how much WAL the write connection lets grow before it
// checkpoints (SQLite's default is 1,000 pages).
const checkpointBytes = 40 << 20

// preparePages makes a new (empty) database file a WAL database of
// newPageSize pages (a page size is set before the first write, and WAL mode
// fixes it), and returns the page size of the database at path.
func preparePages(ctx context.Context, path string) (int, error) {
	c, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(10000)")
	if err != nil {
		return 0, fmt.Errorf("open sqlite %s: %w", path, err)
	}
	defer func() { _ = c.Close() }()
	var size, pages int
	if err := c.QueryRowContext(ctx, `PRAGMA page_count`).Scan(&pages); err != nil {
		return 0, fmt.Errorf("open sqlite %s: %w", path, err)
	}
	if pages == 0 {
		for _, p := range []string{fmt.Sprintf("PRAGMA page_size = %d", newPageSize), "PRAGMA journal_mode = WAL"} {
			if _, err := c.ExecContext(ctx, p); err != nil {
				return 0, fmt.Errorf("create sqlite %s: %w", path, err)
			}
		}
	}
	if err := c.QueryRowContext(ctx, `PRAGMA page_size`).Scan(&size); err != nil {
		return 0, fmt.Errorf("open sqlite %s: %w", path, err)
	}
	return size, nil
}

// restrictFiles creates the database file readable by its owner only (it
// holds secret hashes and identity data) and narrows an existing one and its
// WAL and shared-memory files to 0600, whatever the umask. SQLite creates the
// WAL and shared-memory files with the database file's mode.
func restrictFiles(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return fmt.Errorf("open sqlite %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("open sqlite %s: %w", path, err)
	}
	for _, p := range []string{path, path + "-wal", path + "-shm"} {
		if err := os.Chmod(p, 0o600); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("restrict %s to its owner: %w", p, err)
		}
	}
	return nil
}

// ReadPool is the pool of read-only connections (for its statistics).
func (db *DB) ReadPool() *sql.DB { return db.read }

// WritePool is the single-connection write pool (River's driver uses it too).
func (db *DB) WritePool() *sql.DB { return db.write }

// Path is the database file's path (tests open it directly to set up fixtures).
func (db *DB) Path() string { return db.path }

// Close closes both pools.
func (db *DB) Close() error {
	return errors.Join(db.vers.closeLocked(), db.wal.close(), db.reads.Close(), db.read.Close(), db.write.Close())
}

// Ping checks that the database answers.
func (db *DB) Ping(ctx context.Context) error {
	var one int
	if err := db.read.QueryRowContext(ctx, "SELECT 1").Scan(&one); err != nil {
		return fmt.Errorf("ping sqlite: %w", err)
	}
	return nil
}

// migrate applies every embedded migration not yet applied, each in its own transaction.
func (db *DB) migrate(ctx context.Context) error { return db.migrateBefore(ctx, "") }

// migrateBefore is migrate for the migrations whose names sort before name
// (all when it is empty).
func (db *DB) migrateBefore(ctx context.Context, name string) error {
	if _, err := db.write.ExecContext(ctx,
		`CREATE TABLE IF NOT EXISTS schema_migrations (version TEXT PRIMARY KEY, applied TEXT NOT NULL)`); err != nil {
		return fmt.Errorf("create schema_migrations: %w", err)
	}
	names, err := fs.Glob(migrationFS, "migrations/*.sql")
	if err != nil {
		return fmt.Errorf("list migrations: %w", err)
	}
	sort.Strings(names)
	for _, n := range names {
		if name != "" && n >= name {
			break
		}
		if err := db.migrateFile(ctx, n); err != nil {
			return err
		}
	}
	return nil
}

// noForeignKeys is the first line of a migration that must run with foreign
// key enforcement off: one that rebuilds a table others refer to (dropping
// the old table would otherwise cascade). Every key is checked before its commit.
const noForeignKeys = "-- mica:foreign_keys off\n"

func (db *DB) migrateFile(ctx context.Context, name string) error {
	body, err := fs.ReadFile(migrationFS, name)
	if err != nil {
		return fmt.Errorf("read migration %s: %w", name, err)
	}
	// One connection for the pragma and the transaction (the write pool has one).
	conn, err := db.write.Conn(ctx)
	if err != nil {
		return fmt.Errorf("begin migration %s: %w", name, err)
	}
	defer func() { _ = conn.Close() }()
	fkOff := strings.HasPrefix(string(body), noForeignKeys)
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin migration %s: %w", name, err)
	}
	defer func() { _ = tx.Rollback() }()
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM schema_migrations WHERE version = ?`, name).Scan(&n); err != nil {
		return fmt.Errorf("check migration %s: %w", name, err)
	} else if n > 0 {
		return nil
	}
	if fkOff {
		// The pragma is a no-op inside a transaction: end this one (it read only).
		if err := tx.Rollback(); err != nil {
			return fmt.Errorf("begin migration %s: %w", name, err)
		}
		if _, err := conn.ExecContext(ctx, `PRAGMA foreign_keys = OFF`); err != nil {
			return fmt.Errorf("begin migration %s: %w", name, err)
		}
		defer func() { _, _ = conn.ExecContext(context.WithoutCancel(ctx), `PRAGMA foreign_keys = ON`) }()
		if tx, err = conn.BeginTx(ctx, nil); err != nil {
			return fmt.Errorf("begin migration %s: %w", name, err)
		}
		defer func() { _ = tx.Rollback() }()
	}
	if _, err := tx.ExecContext(ctx, string(body)); err != nil {
		return fmt.Errorf("apply migration %s: %w", name, err)
	}
	if fkOff {
		if err := foreignKeyCheck(ctx, tx); err != nil {
			return fmt.Errorf("apply migration %s: %w", name, err)
		}
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (version, applied) VALUES (?, ?)`,
		name, formatTime(time.Now())); err != nil {
		return fmt.Errorf("record migration %s: %w", name, err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit migration %s: %w", name, err)
	}
	return nil
}

// foreignKeyCheck fails when a row refers to a row that does not exist.
func foreignKeyCheck(ctx context.Context, tx *sql.Tx) error {
	rows, err := tx.QueryContext(ctx, `PRAGMA foreign_key_check`)
	if err != nil {
		return fmt.Errorf("check foreign keys: %w", err)
	}
	defer func() { _ = rows.Close() }()
	if rows.Next() {
		var table, parent string
		var rowid sql.NullInt64
		var fk int
		if err := rows.Scan(&table, &rowid, &parent, &fk); err != nil {
			return fmt.Errorf("check foreign keys: %w", err)
		}
		return fmt.Errorf("a row of %s (rowid %d) refers to a missing row of %s", table, rowid.Int64, parent)
	}
	return rows.Err()
}

// Tx is a write transaction carrying one "now" for every row it touches.
type Tx struct {
	*sql.Tx
	now time.Time
}

// update runs fn in a write transaction: begin, deferred rollback, commit.
func (db *DB) update(ctx context.Context, fn func(tx *Tx) error) error {
	sqlTx, err := db.write.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	defer func() { _ = sqlTx.Rollback() }()
	if err := fn(&Tx{Tx: sqlTx, now: db.Now().UTC().Truncate(mica.TimePrecision)}); err != nil {
		return err
	}
	if err := sqlTx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

// queryer is what read helpers need: the read pool or a write transaction.
type queryer interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

func formatTime(t time.Time) string { return t.UTC().Format(timeLayout) }

func formatTimePtr(t *time.Time) any {
	if t == nil {
		return nil
	}
	return formatTime(*t)
}

func parseTime(s string) time.Time {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}
	}
	return t
}

func parseTimePtr(s sql.NullString) *time.Time {
	if !s.Valid {
		return nil
	}
	t := parseTime(s.String)
	return &t
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

func toJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return "null"
	}
	return string(b)
}

func toJSONOrNull(v any) any {
	b, err := json.Marshal(v)
	if err != nil || string(b) == "null" {
		return nil
	}
	return string(b)
}

func fromJSON(s string, v any) {
	_ = json.Unmarshal([]byte(s), v) // columns are written by toJSON, never by clients
}

func nullString(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// placeholders returns "?, ?, ?" for n arguments.
func placeholders(n int) string {
	return strings.TrimSuffix(strings.Repeat("?, ", n), ", ")
}
