package sqlite

import (
	"context"
	"fmt"
	"sync"

	"github.com/micahq/mica"
	"github.com/micahq/mica/appcache"
	"github.com/micahq/mica/query"
)

// The assigned-apps cache. GET /source-apps/assigned is the hot read of the
// Apps API (every user's launcher), and in SQL it costs a visit of every app the
// identity can see, twice (count and page): thousands of rows per request. The
// cache answers it from memory instead, exactly as the SQL would:
//
//   - a snapshot of every source app with its access profiles (appcache),
//     tagged with the assignment version: a number that triggers raise on
//     every change that can move an answer (migration 0009: apps, their access
//     profiles, grants, which identity has accounts on which source, source
//     and owner names), whichever process writes (the `mica` CLI too), and
//     that other writes (classification, aggregation status, River) leave
//     alone (versions.go); a new number drops the snapshot and everything
//     derived from it;
//   - per identity, the set of the snapshot's apps assigned to it: the
//     domain's rule (mica.SourceApp.AssignedTo) over the snapshot, with the
//     identity's facts (the sources it has accounts on, the access profiles it
//     holds) read in one small query;
//   - per `filters` value, the set of apps it matches (query.Filter, the same
//     semantics as the compiled SQL, property-tested against it), and per
//     `sorters` value the snapshot in that order (query.Order).
//
// A read (the snapshot, an identity's facts) counts for version v only when
// the version read after it is still v: nothing that can move an answer
// committed in between. When a commit lands meanwhile, that request falls back
// to SQL, so an answer never mixes two versions of the data.

type assignedCache struct {
	mu   sync.Mutex // guards snap
	snap *appSnapshot
	// build serialises snapshot builds, so that concurrent requests after a
	// commit load the apps once.
	build sync.Mutex
}

// appSnapshot is every source app at one assignment version.
type appSnapshot struct {
	version int64
	*appcache.Snapshot
}

// assignVersion reads the assignment version (db.versions: a read that began
// after the request of ctx arrived).
func (db *DB) assignVersion(ctx context.Context) (int64, error) {
	v, err := db.versions(ctx)
	return v.assign, err
}

// assignVersionNow reads the assignment version in a read that begins after
// the call: what says whether data read before it is still current.
func (db *DB) assignVersionNow(ctx context.Context) (int64, error) {
	v, err := db.versionsNow(ctx)
	return v.assign, err
}

// snapshot returns the snapshot of version v, loading it when the current one
// is older; nil when the data changed while it loaded.
func (db *DB) snapshot(ctx context.Context, v int64) (*appSnapshot, error) {
	c := &db.assigned
	c.mu.Lock()
	s := c.snap
	c.mu.Unlock()
	if s != nil && s.version == v {
		return s, nil
	}
	c.build.Lock()
	defer c.build.Unlock()
	c.mu.Lock()
	s = c.snap
	c.mu.Unlock()
	if s != nil && s.version == v {
		return s, nil
	}
	apps, err := db.loadApps(ctx)
	if err != nil {
		return nil, err
	}
	// The apps were read after v: if nothing committed since, they are v's.
	if now, err := db.assignVersionNow(ctx); err != nil {
		return nil, err
	} else if now != v {
		return nil, nil
	}
	s = &appSnapshot{version: v, Snapshot: appcache.New(apps)}
	c.mu.Lock()
	c.snap = s
	c.mu.Unlock()
	return s, nil
}

// loadApps reads every source app with its access profiles.
func (db *DB) loadApps(ctx context.Context) ([]*mica.SourceApp, error) {
	rows, err := db.reads.QueryContext(ctx, "SELECT "+sourceAppColumns+" FROM source_apps sa"+sourceAppJoins)
	if err != nil {
		return nil, fmt.Errorf("load source apps: %w", err)
	}
	defer func() { _ = rows.Close() }()
	var apps []*mica.SourceApp
	byID := map[string]*mica.SourceApp{}
	for rows.Next() {
		a, err := scanSourceApp(rows)
		if err != nil {
			return nil, fmt.Errorf("scan source app: %w", err)
		}
		apps = append(apps, a)
		byID[a.ID] = a
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("load source apps: %w", err)
	}
	_ = rows.Close()
	aps, err := db.reads.QueryContext(ctx, `SELECT source_app_id, access_profile_id FROM source_app_access_profiles
		ORDER BY source_app_id, position, access_profile_id`)
	if err != nil {
		return nil, fmt.Errorf("load source app access profiles: %w", err)
	}
	defer func() { _ = aps.Close() }()
	for aps.Next() {
		var app, ap string
		if err := aps.Scan(&app, &ap); err != nil {
			return nil, fmt.Errorf("scan source app access profile: %w", err)
		}
		if a := byID[app]; a != nil { // an app newer than the first read has none there
			a.AccessProfiles = append(a.AccessProfiles, ap)
		}
	}
	if err := aps.Err(); err != nil {
		return nil, fmt.Errorf("load source app access profiles: %w", err)
	}
	return apps, nil
}

// ListAssignedSourceApps lists the apps assigned to identityID
// (mica.SourceApp.AssignedTo), from the cache when the database has not
// changed since it was filled.
func (db *DB) ListAssignedSourceApps(ctx context.Context, identityID string, opt mica.ListOptions) (mica.Page[*mica.SourceApp], error) {
	if page, ok, err := db.listAssignedCached(ctx, identityID, opt); ok {
		return page, err
	}
	// The cache could not answer: the data changed while it read, or reading
	// failed (then SQL says what is wrong).
	return db.listAssignedSQL(ctx, identityID, opt)
}

func (db *DB) listAssignedSQL(ctx context.Context, identityID string, opt mica.ListOptions) (mica.Page[*mica.SourceApp], error) {
	return listCounted(ctx, db.reads, query.SourceAppsAssigned, opt, "SELECT "+sourceAppColumns,
		"FROM source_apps sa"+sourceAppJoins, "FROM source_apps sa", assignedSQL("?"), []any{identityID, identityID},
		scanSourceAppRow)
}

// listAssignedCached answers from the cache; ok is false when it cannot (the
// data changed while it read, or a read failed: err), and the caller then asks
// SQL. With ok, err is the answer's (a client error in filters or sorters).
func (db *DB) listAssignedCached(ctx context.Context, identityID string, opt mica.ListOptions) (page mica.Page[*mica.SourceApp], ok bool, err error) {
	page = mica.Page[*mica.SourceApp]{Total: -1}
	res := query.SourceAppsAssigned
	v, err := db.assignVersion(ctx)
	if err != nil {
		return page, false, err
	}
	s, err := db.snapshot(ctx, v)
	if err != nil || s == nil {
		return page, false, err
	}
	match, err := s.Filter(opt.Filters, func() (appcache.Set, error) { return s.Match(res, opt.Filters) })
	if err != nil {
		return page, true, err
	}
	order, err := s.Order(opt.Sorters, func() ([]int32, error) { return s.Sort(res, opt.Sorters) })
	if err != nil {
		return page, true, err
	}
	assigned, ok, err := db.assignedSet(ctx, s, identityID)
	if err != nil || !ok {
		return page, ok, err
	}
	return s.Page(assigned, match, order, opt), true, nil
}

// assignedSet is the set of the apps assigned to identityID. ok is false when
// the data changed while it was read.
func (db *DB) assignedSet(ctx context.Context, s *appSnapshot, identityID string) (appcache.Set, bool, error) {
	if set, hit := s.Identity(identityID); hit {
		return set, true, nil
	}
	facts, err := db.assignFacts(ctx, identityID)
	if err != nil {
		return nil, false, err
	}
	if now, err := db.assignVersionNow(ctx); err != nil || now != s.version {
		return nil, false, err
	}
	set := s.Assigned(facts)
	s.SetIdentity(identityID, set)
	return set, true, nil
}

// assignFacts reads what the assignment rule needs of an identity: the sources
// it has accounts on and the access profiles it holds.
func (db *DB) assignFacts(ctx context.Context, identityID string) (appcache.Facts, error) {
	var f appcache.Facts
	rows, err := db.reads.QueryContext(ctx, `SELECT 0, source_id FROM accounts WHERE identity_id = ? GROUP BY source_id
		UNION ALL SELECT 1, access_profile_id FROM identity_access_profiles WHERE identity_id = ?`, identityID, identityID)
	if err != nil {
		return f, fmt.Errorf("assigned apps of %s: %w", identityID, err)
	}
	defer func() { _ = rows.Close() }()
	for rows.Next() {
		var kind int
		var id string
		if err := rows.Scan(&kind, &id); err != nil {
			return f, fmt.Errorf("assigned apps of %s: %w", identityID, err)
		}
		if kind == 0 {
			f.Sources = append(f.Sources, id)
		} else {
			f.AccessProfiles = append(f.AccessProfiles, id)
		}
	}
	if err := rows.Err(); err != nil {
		return f, fmt.Errorf("assigned apps of %s: %w", identityID, err)
	}
	return f, nil
}
