package postgres

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

// PruneCacheChanges exposes the pruning of the caches' change log.
func (db *DB) PruneCacheChanges(ctx context.Context) { db.pruneCacheChanges(ctx) }
