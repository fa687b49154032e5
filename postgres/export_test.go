package postgres

import (
	"context"
	"io/fs"
	"sort"

	"github.com/jackc/pgx/v5"
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

// PruneCacheChanges exposes the pruning of the caches' change log.
func (db *DB) PruneCacheChanges(ctx context.Context) { db.pruneCacheChanges(ctx) }

// MigrateBefore applies, on the database at dsn, the migrations whose file
// names sort before before (e.g. "migrations/0017"): the database an older
// mica left, for tests of a migration on existing data.
func MigrateBefore(ctx context.Context, dsn, before string) error {
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		return err
	}
	defer func() { _ = conn.Close(ctx) }()
	if _, err := conn.Exec(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version text PRIMARY KEY, applied timestamptz NOT NULL)`); err != nil {
		return err
	}
	names, err := fs.Glob(migrationFS, "migrations/*.sql")
	if err != nil {
		return err
	}
	sort.Strings(names)
	for _, name := range names {
		if name >= before {
			break
		}
		if err := migrateFile(ctx, conn, name); err != nil {
			return err
		}
	}
	return nil
}

// SnapshotSchema is the schema snapshot name of the store in schema is saved in.
func SnapshotSchema(schema, name string) string { return snapshotSchema(schema, name) }
