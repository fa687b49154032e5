package sqlite

import (
	"context"

	"github.com/micahq/mica"
)

// ListAssignedSQL and ListAssignedCached expose the two paths of
// ListAssignedSourceApps to the tests, which compare them.
func (db *DB) ListAssignedSQL(ctx context.Context, identityID string, opt mica.ListOptions) (mica.Page[*mica.SourceApp], error) {
	return db.listAssignedSQL(ctx, identityID, opt)
}

func (db *DB) ListAssignedCached(ctx context.Context, identityID string, opt mica.ListOptions) (mica.Page[*mica.SourceApp], bool, error) {
	return db.listAssignedCached(ctx, identityID, opt)
}

// AssignVersion exposes the shared version read to the tests.
func (db *DB) AssignVersion(ctx context.Context) (int64, error) {
	return db.assignVersion(ctx)
}

// VersionReads is how many version reads have run.
func (db *DB) VersionReads() int64 { return db.vers.reads.Load() }

// UnchangedReads is how many version reads the WAL index's header answered.
func (db *DB) UnchangedReads() int64 { return db.vers.unchanged.Load() }

// WALIndexMapped says whether the WAL index's header is read (walindex.go).
func (db *DB) WALIndexMapped() bool { return db.wal != nil }

// CreateBefore creates the database at path with the migrations whose names
// sort before migration (e.g. "migrations/0012_..."): a database as an
// older mica left it.
func CreateBefore(ctx context.Context, path, migration string) error {
	db, err := open(ctx, path, migration)
	if err != nil {
		return err
	}
	return db.Close()
}
