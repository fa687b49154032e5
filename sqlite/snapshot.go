package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/micahq/mica"
	msqlite "modernc.org/sqlite"
)

// Snapshots are database files beside the store's, in a "snapshots" folder:
// a save is SQLite's online backup of the database read on a read connection
// (one consistent read, writers carry on); a restore is the same backup the
// other way, into the live database on the one write connection, so that
// readers see the old tenant or the new one, never a mix. The version numbers
// the caches check (versions.go) are then raised past any they held before,
// so no cache answers from the tenant that was replaced.

// backuper is the modernc.org/sqlite connection's online backup API.
type backuper interface {
	NewBackup(dstURI string) (*msqlite.Backup, error)
	NewRestore(srcURI string) (*msqlite.Backup, error)
}

// snapshotDir is where the store's snapshots are.
func (db *DB) snapshotDir() string { return filepath.Join(filepath.Dir(db.path), "snapshots") }

func (db *DB) snapshotPath(name string) string { return filepath.Join(db.snapshotDir(), name+".db") }

// SaveSnapshot implements mica.SnapshotService.
func (db *DB) SaveSnapshot(ctx context.Context, name string) (*mica.Snapshot, error) {
	if err := mica.CheckSnapshotName(name); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(db.snapshotDir(), 0o700); err != nil {
		return nil, fmt.Errorf("snapshot folder: %w", err)
	}
	tmp, err := os.CreateTemp(db.snapshotDir(), ".saving-*")
	if err != nil {
		return nil, fmt.Errorf("save snapshot %s: %w", name, err)
	}
	_ = tmp.Close()
	defer func() { removeDBFiles(tmp.Name()) }()
	conn, err := db.read.Conn(ctx)
	if err != nil {
		return nil, fmt.Errorf("save snapshot %s: %w", name, err)
	}
	defer func() { _ = conn.Close() }()
	if err := conn.Raw(func(dc any) error {
		b, ok := dc.(backuper)
		if !ok {
			return errors.New("the sqlite driver has no online backup")
		}
		bk, err := b.NewBackup(tmp.Name())
		if err != nil {
			return err
		}
		if _, err := bk.Step(-1); err != nil {
			_ = bk.Finish()
			return err
		}
		return bk.Finish()
	}); err != nil {
		return nil, fmt.Errorf("save snapshot %s: %w", name, err)
	}
	if err := os.Rename(tmp.Name(), db.snapshotPath(name)); err != nil {
		return nil, fmt.Errorf("save snapshot %s: %w", name, err)
	}
	return snapshotOf(db.snapshotPath(name))
}

// removeDBFiles removes a database file and its journal files, if any.
func removeDBFiles(path string) {
	for _, suffix := range []string{"", "-wal", "-shm", "-journal"} {
		_ = os.Remove(path + suffix)
	}
}

func snapshotOf(path string) (*mica.Snapshot, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("snapshot %s: %w", path, err)
	}
	return &mica.Snapshot{Name: strings.TrimSuffix(filepath.Base(path), ".db"), Created: st.ModTime().UTC(), Bytes: st.Size()}, nil
}

// RestoreSnapshot implements mica.SnapshotService.
func (db *DB) RestoreSnapshot(ctx context.Context, name string) error {
	if err := mica.CheckSnapshotName(name); err != nil {
		return err
	}
	path := db.snapshotPath(name)
	if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
		return mica.ErrNotFound(mica.KindSnapshot, name)
	} else if err != nil {
		return fmt.Errorf("restore snapshot %s: %w", name, err)
	}
	if err := checkSnapshotMigrations(ctx, path); err != nil {
		return err
	}
	// SQLite's backup cannot change the page size of a WAL database: a
	// snapshot of a database with other pages (made by an older mica, whose
	// databases had 4 KiB pages) is restored from a copy with this one's.
	path, cleanup, err := db.samePages(ctx, path)
	if err != nil {
		return fmt.Errorf("restore snapshot %s: %w", name, err)
	}
	defer cleanup()
	before, err := db.versionsNow(ctx)
	if err != nil {
		return err
	}
	conn, err := db.write.Conn(ctx) // the one writer: no other write runs meanwhile
	if err != nil {
		return fmt.Errorf("restore snapshot %s: %w", name, err)
	}
	err = conn.Raw(func(dc any) error {
		b, ok := dc.(backuper)
		if !ok {
			return errors.New("the sqlite driver has no online backup")
		}
		bk, err := b.NewRestore(path)
		if err != nil {
			return err
		}
		if _, err := bk.Step(-1); err != nil {
			_ = bk.Finish()
			return err
		}
		return bk.Finish()
	})
	_ = conn.Close()
	if err != nil {
		return fmt.Errorf("restore snapshot %s: %w", name, err)
	}
	// A snapshot of an older mica catches up with this one's schema.
	if err := db.migrate(ctx); err != nil {
		return err
	}
	db.stagingMu.Lock()
	db.stagings = nil // the staging tables of the replaced tenant are gone with it
	db.stagingMu.Unlock()
	return db.update(ctx, func(tx *Tx) error {
		if _, err := tx.ExecContext(ctx, `UPDATE assignment_version SET n = max(n, ?) + 1 WHERE id = 1`, before.assign); err != nil {
			return fmt.Errorf("restore snapshot: assignment version: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE auth_version SET n = max(n, ?) + 1 WHERE id = 1`, before.auth); err != nil {
			return fmt.Errorf("restore snapshot: auth version: %w", err)
		}
		return nil
	})
}

// samePages returns path, or when the database there has another page size
// than the store's, a temporary copy of it with the store's page size, and
// what removes that copy.
func (db *DB) samePages(ctx context.Context, path string) (string, func(), error) {
	var want int
	if err := db.read.QueryRowContext(ctx, `PRAGMA page_size`).Scan(&want); err != nil {
		return "", nil, fmt.Errorf("page size: %w", err)
	}
	src, err := os.Open(path)
	if err != nil {
		return "", nil, err
	}
	defer func() { _ = src.Close() }()
	var head [100]byte // the database header; a snapshot may be gigabytes
	if _, err := io.ReadFull(src, head[:]); err != nil || filePageSize(head[:]) == want {
		return path, func() {}, nil //nolint:nilerr // not a database: the backup says so
	}
	if _, err := src.Seek(0, io.SeekStart); err != nil {
		return "", nil, err
	}
	tmp, err := os.CreateTemp(db.snapshotDir(), ".restoring-*")
	if err != nil {
		return "", nil, err
	}
	cleanup := func() { removeDBFiles(tmp.Name()) }
	_, err = io.Copy(tmp, src)
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = setPageSize(ctx, tmp.Name(), want)
	}
	if err != nil {
		cleanup()
		return "", nil, err
	}
	return tmp.Name(), cleanup, nil
}

// filePageSize is the page size a database file's header gives.
func filePageSize(header []byte) int {
	n := int(header[16])<<8 | int(header[17])
	if n == 1 {
		return 65536
	}
	return n
}

// setPageSize rebuilds the database at path (a copy no one else opens) with
// pages of size bytes, in rollback mode: a WAL database keeps its page size.
func setPageSize(ctx context.Context, path string, size int) error {
	c, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		return err
	}
	defer func() { _ = c.Close() }()
	conn, err := c.Conn(ctx) // the pragmas hold for the connection that vacuums
	if err != nil {
		return err
	}
	defer func() { _ = conn.Close() }()
	for _, q := range []string{"PRAGMA journal_mode = DELETE", fmt.Sprintf("PRAGMA page_size = %d", size), "VACUUM"} {
		if _, err := conn.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("page size %d: %w", size, err)
		}
	}
	return nil
}

// checkSnapshotMigrations refuses a snapshot saved by a newer mica, whose
// schema this one does not know.
func checkSnapshotMigrations(ctx context.Context, path string) error {
	known := map[string]bool{}
	names, err := fs.Glob(migrationFS, "migrations/*.sql")
	if err != nil {
		return fmt.Errorf("list migrations: %w", err)
	}
	for _, n := range names {
		known[n] = true
	}
	q := url.Values{}
	q.Add("mode", "ro")
	q.Add("_pragma", "query_only(1)")
	sdb, err := sql.Open("sqlite", "file:"+path+"?"+q.Encode())
	if err != nil {
		return fmt.Errorf("open snapshot: %w", err)
	}
	defer func() { _ = sdb.Close() }()
	rows, err := sdb.QueryContext(ctx, `SELECT version FROM schema_migrations`)
	if err != nil {
		return mica.Errorf(mica.EILLEGAL, "%s is not a mica snapshot: %v", filepath.Base(path), err)
	}
	defer func() { _ = rows.Close() }()
	for rows.Next() {
		var v string
		if err := rows.Scan(&v); err != nil {
			return fmt.Errorf("read snapshot migrations: %w", err)
		}
		if !known[v] {
			return mica.ErrSnapshotTooNew(v)
		}
	}
	return rows.Err()
}

// ListSnapshots implements mica.SnapshotService.
func (db *DB) ListSnapshots(_ context.Context) ([]*mica.Snapshot, error) {
	entries, err := os.ReadDir(db.snapshotDir())
	if errors.Is(err, fs.ErrNotExist) {
		return []*mica.Snapshot{}, nil
	} else if err != nil {
		return nil, fmt.Errorf("list snapshots: %w", err)
	}
	out := []*mica.Snapshot{}
	for _, e := range entries {
		name, ok := strings.CutSuffix(e.Name(), ".db")
		if !ok || e.IsDir() || mica.CheckSnapshotName(name) != nil {
			continue
		}
		s, err := snapshotOf(filepath.Join(db.snapshotDir(), e.Name()))
		if err != nil {
			continue // deleted meanwhile
		}
		out = append(out, s)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// DeleteSnapshot implements mica.SnapshotService.
func (db *DB) DeleteSnapshot(_ context.Context, name string) error {
	if err := mica.CheckSnapshotName(name); err != nil {
		return err
	}
	path := db.snapshotPath(name)
	if err := os.Remove(path); errors.Is(err, fs.ErrNotExist) {
		return mica.ErrNotFound(mica.KindSnapshot, name)
	} else if err != nil {
		return fmt.Errorf("delete snapshot %s: %w", name, err)
	}
	removeDBFiles(path)
	return nil
}
