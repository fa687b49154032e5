package postgres

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/micahq/mica"
	"github.com/micahq/mica/appcache"
	"github.com/micahq/mica/query"
)

// The assigned-apps cache (GET /source-apps/assigned, every user's launcher):
// each server keeps a generation (cachelog.go) of every source app with its
// access profiles (appcache), read in one repeatable-read transaction. Per
// identity, the domain's rule (mica.SourceApp.AssignedTo) runs over it with the
// identity's facts (the sources it has accounts on, the access profiles it
// holds); per `filters` and `sorters` value, PostgreSQL itself says which apps
// match and in what order (the compiled SQL of the list, so its collation and
// lower() are the answer's, which query's in-memory evaluator does not
// reproduce). Each of these is read in one statement with the generation's
// check. A request checks the generation first; when it is stale, the apps
// are read again, once for all the requests waiting.

// assignedGen is a generation of the assigned-apps cache.
type assignedGen struct {
	generation
	*appcache.Snapshot
}

// assignedBuild serialises the loads of generations.
type assignedBuild struct{ sync.Mutex }

// assignedGeneration returns a generation that is exact in a snapshot taken
// after the request of ctx arrived (mica.Arrival).
func (db *DB) assignedGeneration(ctx context.Context) (*assignedGen, error) {
	arrived := mica.Arrival(ctx)
	c, err := db.check(ctx)
	if err != nil {
		return nil, err
	}
	if c.assignedOK {
		return c.assigned, nil
	}
	db.assignedBuild.Lock()
	defer db.assignedBuild.Unlock()
	if g := db.caches.assigned.Load(); g != nil && g.began.After(arrived) {
		return g, nil // loaded after we arrived
	}
	g, err := db.loadAssigned(ctx)
	if err != nil {
		return nil, err
	}
	db.caches.assigned.Store(g)
	return g, nil
}

// loadAssigned reads a generation: every app with its access profiles, in one
// snapshot.
func (db *DB) loadAssigned(ctx context.Context) (*assignedGen, error) {
	g := &assignedGen{generation: generation{began: time.Now()}}
	tx, err := db.pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		return nil, fmt.Errorf("load source apps: %w", err)
	}
	defer func() { _ = tx.Rollback(context.WithoutCancel(ctx)) }()
	if err := tx.QueryRow(ctx, `SELECT pg_current_snapshot()::text`).Scan(&g.snap); err != nil {
		return nil, fmt.Errorf("load source apps: %w", err)
	}
	rows, err := tx.Query(ctx, "SELECT "+sourceAppColumns+" FROM source_apps sa"+sourceAppJoins)
	if err != nil {
		return nil, fmt.Errorf("load source apps: %w", err)
	}
	var apps []*mica.SourceApp
	byID := map[string]*mica.SourceApp{}
	for rows.Next() {
		a, err := scanSourceApp(rows)
		if err != nil {
			rows.Close()
			return nil, fmt.Errorf("scan source app: %w", err)
		}
		apps = append(apps, a)
		byID[a.ID] = a
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("load source apps: %w", err)
	}
	rows, err = tx.Query(ctx, `SELECT source_app_id, access_profile_id FROM source_app_access_profiles
		ORDER BY source_app_id, position, access_profile_id`)
	if err != nil {
		return nil, fmt.Errorf("load source app access profiles: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var app, ap string
		if err := rows.Scan(&app, &ap); err != nil {
			return nil, fmt.Errorf("scan source app access profile: %w", err)
		}
		if a := byID[app]; a != nil {
			a.AccessProfiles = append(a.AccessProfiles, ap)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("load source app access profiles: %w", err)
	}
	if err := tx.Commit(ctx); err != nil {
		return nil, fmt.Errorf("load source apps: %w", err)
	}
	g.Snapshot = appcache.New(apps)
	return g, nil
}

// errStale says a read for a generation found it stale.
var errStale = errors.New("stale")

// ListAssignedSourceApps lists the apps assigned to identityID
// (mica.SourceApp.AssignedTo), from the cache when it is exact.
func (db *DB) ListAssignedSourceApps(ctx context.Context, identityID string, opt mica.ListOptions) (mica.Page[*mica.SourceApp], error) {
	if page, ok, err := db.listAssignedCached(ctx, identityID, opt); ok {
		return page, err
	}
	// The cache could not answer: the data changed while it read, or reading
	// failed (then SQL says what is wrong).
	return db.listAssignedSQL(ctx, identityID, opt)
}

func (db *DB) listAssignedSQL(ctx context.Context, identityID string, opt mica.ListOptions) (mica.Page[*mica.SourceApp], error) {
	return list(ctx, db.pool, query.SourceAppsAssigned, opt, "SELECT "+sourceAppColumns,
		"FROM source_apps sa"+sourceAppJoins, assignedSQL("$1::text"), []any{identityID}, scanSourceAppRow)
}

// listAssignedCached answers from the cache; ok is false when it cannot (the
// data changed while it read, or a read failed), and the caller then asks SQL.
// With ok, err is the answer's (a client error in filters or sorters).
func (db *DB) listAssignedCached(ctx context.Context, identityID string, opt mica.ListOptions) (page mica.Page[*mica.SourceApp], ok bool, err error) {
	page = mica.Page[*mica.SourceApp]{Total: -1}
	g, err := db.assignedGeneration(ctx)
	if err != nil {
		return page, false, err
	}
	match, err := g.Filter(opt.Filters, func() (appcache.Set, error) { return db.assignedFilter(ctx, g, opt) })
	if err != nil {
		return page, !errors.Is(err, errStale) && mica.ErrorCode(err) != mica.EINTERNAL, err
	}
	order, err := g.Order(opt.Sorters, func() ([]int32, error) { return db.assignedOrder(ctx, g, opt) })
	if err != nil {
		return page, !errors.Is(err, errStale) && mica.ErrorCode(err) != mica.EINTERNAL, err
	}
	assigned, hit := g.Identity(identityID)
	if !hit {
		facts, err := db.assignFacts(ctx, g, identityID)
		if err != nil {
			return page, false, err
		}
		assigned = g.Assigned(facts)
		g.SetIdentity(identityID, assigned)
	}
	return g.Page(assigned, match, order, opt), true, nil
}

// assignFacts reads what the assignment rule needs of an identity, in g's
// state (errStale otherwise).
func (db *DB) assignFacts(ctx context.Context, g *assignedGen, identityID string) (appcache.Facts, error) {
	var f appcache.Facts
	var stale bool
	if err := db.pool.QueryRow(ctx, `SELECT
			ARRAY(SELECT DISTINCT source_id FROM accounts WHERE identity_id = $1),
			ARRAY(SELECT access_profile_id FROM identity_access_profiles WHERE identity_id = $1), `+
		staleSQL("$2", cacheAssigned), identityID, g.snap).Scan(&f.Sources, &f.AccessProfiles, &stale); err != nil {
		return f, fmt.Errorf("assigned apps of %s: %w", identityID, err)
	}
	if stale {
		return f, errStale
	}
	return f, nil
}

// assignedFilter is the set of g's apps that opt's filters match, as
// PostgreSQL evaluates the compiled filter (errStale when g is stale).
// Filters and sorters are compiled together, as the list does, so that the
// same client error comes first.
func (db *DB) assignedFilter(ctx context.Context, g *assignedGen, opt mica.ListOptions) (appcache.Set, error) {
	c, err := query.SourceAppsAssigned.Compile(query.Postgres, opt.Filters, opt.Sorters, 1)
	if err != nil {
		return nil, err
	}
	set := g.NewSet()
	if c.Where == "" {
		for i := range g.Len() {
			set.Add(int32(i))
		}
		return set, nil
	}
	ids, err := db.assignedIDs(ctx, g, "WHERE "+c.Where, c.Args)
	if err != nil {
		return nil, err
	}
	for _, id := range ids {
		i, ok := g.Index(id)
		if !ok {
			return nil, errStale
		}
		set.Add(i)
	}
	return set, nil
}

// assignedOrder is g's apps in the order of opt's sorters, as PostgreSQL
// sorts them (errStale when g is stale).
func (db *DB) assignedOrder(ctx context.Context, g *assignedGen, opt mica.ListOptions) ([]int32, error) {
	c, err := query.SourceAppsAssigned.Compile(query.Postgres, opt.Filters, opt.Sorters, 1)
	if err != nil {
		return nil, err
	}
	ids, err := db.assignedIDs(ctx, g, "ORDER BY "+c.OrderBy, nil)
	if err != nil {
		return nil, err
	}
	if len(ids) != g.Len() {
		return nil, errStale
	}
	perm := make([]int32, len(ids))
	for k, id := range ids {
		i, ok := g.Index(id)
		if !ok {
			return nil, errStale
		}
		perm[k] = i
	}
	return perm, nil
}

// assignedIDs reads the ids of the apps, with the clause (WHERE or ORDER BY,
// its arguments from $2), in g's state (errStale otherwise).
func (db *DB) assignedIDs(ctx context.Context, g *assignedGen, clause string, args []any) ([]string, error) {
	var ids []string
	var stale bool
	if err := db.pool.QueryRow(ctx, `SELECT ARRAY(SELECT sa.id FROM source_apps sa`+sourceAppJoins+` `+clause+`), `+
		staleSQL("$1", cacheAssigned), append([]any{g.snap}, args...)...).Scan(&ids, &stale); err != nil {
		return nil, fmt.Errorf("assigned apps: %w", err)
	}
	if stale {
		return nil, errStale
	}
	return ids, nil
}
