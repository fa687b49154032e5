package sqlite

import (
	"context"
	"fmt"
	"math/bits"
	"slices"
	"sync"

	"github.com/micahq/mica"
	"github.com/micahq/mica/query"
)

// The assigned-apps cache. GET /source-apps/assigned is the hot read of the
// Apps API (every user's launcher), and in SQL it costs a visit of every app the
// identity can see, twice (count and page): thousands of rows per request. The
// cache answers it from memory instead, exactly as the SQL would:
//
//   - a snapshot of every source app (the rows the list returns), tagged with
//     the assignment version: a number that triggers raise on every change
//     that can move an answer (migration 0009: apps, their access profiles,
//     grants, which identity has accounts on which source, source and owner
//     names), whichever process writes (the `mica` CLI too), and that other
//     writes (classification, aggregation status, River) leave alone
//     (versions.go); a new number drops the snapshot and everything derived
//     from it;
//   - per identity, the set of the snapshot's apps assigned to it, from the
//     assignment rule in SQL (assignedSQL, checked against its definition,
//     mica.SourceApp.AssignedTo, by storetest), as a bitset;
//   - per `filters` value, the set of apps it matches (query.Filter, the same
//     semantics as the compiled SQL, property-tested against it), and per
//     `sorters` value the snapshot in that order (query.Order).
//
// A request is then the AND of two bitsets, a popcount for the count, and a
// walk of the sorted order to the page. When a commit lands while an identity's
// set is read, that request falls back to SQL, so an answer never mixes two
// versions of the data.

// Caps on what one snapshot keeps; beyond a cap its map is emptied.
const (
	assignedCacheBytes = 16 << 20 // identity bitsets, in bytes
	assignedMaxFilters = 256
	assignedMaxOrders  = 64
)

type assignedCache struct {
	mu   sync.Mutex // guards snap
	snap *appSnapshot
	// build serialises snapshot builds, so that concurrent requests after a
	// commit load the apps once.
	build sync.Mutex
}

// appSnapshot is every source app at one database version.
type appSnapshot struct {
	version int64
	apps    []appRow
	index   map[string]int32
	words   int // length of the bitsets

	mu         sync.Mutex
	identities map[string][]uint64
	filters    map[string][]uint64
	orders     map[string][]int32
}

// appRow is a snapshot app as a query.Row of query.SourceAppsAssigned.
type appRow struct{ *mica.SourceApp }

func (a appRow) Value(name string) any {
	switch name {
	case "id":
		return a.ID
	case "name":
		return a.Name
	case "created":
		return a.Created
	case "modified":
		return a.Modified
	case "accountSource.id":
		if a.AccountSource != nil {
			return a.AccountSource.ID
		}
		return nil
	}
	panic("sqlite: source app has no field " + name)
}

// assignVersion reads the assignment version.
func (db *DB) assignVersion(ctx context.Context) (int64, error) {
	v, err := db.versions(ctx)
	return v.assign, err
}

// snapshot returns the snapshot of version v, loading it when the current one
// is older.
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
	rows, err := db.reads.QueryContext(ctx, "SELECT "+sourceAppColumns+" FROM source_apps sa"+sourceAppJoins+" ORDER BY sa.id")
	if err != nil {
		return nil, fmt.Errorf("load source apps: %w", err)
	}
	defer func() { _ = rows.Close() }()
	s = &appSnapshot{version: v, index: map[string]int32{}, identities: map[string][]uint64{},
		filters: map[string][]uint64{}, orders: map[string][]int32{}}
	for rows.Next() {
		a, err := scanSourceApp(rows)
		if err != nil {
			return nil, fmt.Errorf("scan source app: %w", err)
		}
		s.index[a.ID] = int32(len(s.apps))
		s.apps = append(s.apps, appRow{a})
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("load source apps: %w", err)
	}
	s.words = (len(s.apps) + 63) / 64
	// The apps were read after v: if nothing committed since, they are v's.
	if now, err := db.assignVersion(ctx); err != nil {
		return nil, err
	} else if now != v {
		return nil, nil
	}
	c.mu.Lock()
	c.snap = s
	c.mu.Unlock()
	return s, nil
}

// ListAssignedSourceApps lists the apps assigned to identityID (assignedSQL),
// from the cache when the database has not changed since it was filled.
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
	match, err := s.filter(res, opt.Filters)
	if err != nil {
		return page, true, err
	}
	order, err := s.order(res, opt.Sorters)
	if err != nil {
		return page, true, err
	}
	assigned, ok, err := db.assignedSet(ctx, s, identityID)
	if err != nil || !ok {
		return page, ok, err
	}
	if opt.Count {
		n := 0
		for i := range assigned {
			n += bits.OnesCount64(assigned[i] & match[i])
		}
		page.Total = n
	}
	page.Items = []*mica.SourceApp{}
	if opt.Limit == 0 || (page.Total >= 0 && opt.Offset >= page.Total) {
		return page, true, nil
	}
	skip := opt.Offset
	for _, i := range order {
		w, b := i/64, uint64(1)<<(i%64)
		if assigned[w]&match[w]&b == 0 {
			continue
		}
		if skip > 0 {
			skip--
			continue
		}
		app := *s.apps[i].SourceApp // a copy: the snapshot's apps are shared
		page.Items = append(page.Items, &app)
		if opt.Limit > 0 && len(page.Items) == opt.Limit {
			break
		}
	}
	return page, true, nil
}

// assignedSet is the bitset of the apps assigned to identityID. ok is false
// when the data changed while it was read.
func (db *DB) assignedSet(ctx context.Context, s *appSnapshot, identityID string) ([]uint64, bool, error) {
	s.mu.Lock()
	set, hit := s.identities[identityID]
	s.mu.Unlock()
	if hit {
		return set, true, nil
	}
	rows, err := db.reads.QueryContext(ctx, "SELECT sa.id FROM source_apps sa WHERE "+assignedSQL("?"), identityID, identityID)
	if err != nil {
		return nil, false, fmt.Errorf("assigned apps of %s: %w", identityID, err)
	}
	defer func() { _ = rows.Close() }()
	set = make([]uint64, s.words)
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, false, fmt.Errorf("assigned apps of %s: %w", identityID, err)
		}
		i, known := s.index[id]
		if !known {
			return nil, false, nil // an app newer than the snapshot
		}
		set[i/64] |= 1 << (i % 64)
	}
	if err := rows.Err(); err != nil {
		return nil, false, fmt.Errorf("assigned apps of %s: %w", identityID, err)
	}
	if now, err := db.assignVersion(ctx); err != nil || now != s.version {
		return nil, false, nil
	}
	s.mu.Lock()
	if len(s.identities)*(s.words*8+len(identityID)+16) >= assignedCacheBytes {
		clear(s.identities)
	}
	s.identities[identityID] = set
	s.mu.Unlock()
	return set, true, nil
}

// filter is the bitset of the snapshot's apps that filters matches; invalid
// filters are the same client errors as in SQL.
func (s *appSnapshot) filter(res *query.Resource, filters string) ([]uint64, error) {
	s.mu.Lock()
	set, hit := s.filters[filters]
	s.mu.Unlock()
	if hit {
		return set, nil
	}
	f, err := res.Filter(filters)
	if err != nil {
		return nil, err
	}
	set = make([]uint64, s.words)
	for i := range s.apps {
		if f.Match(s.apps[i]) {
			set[i/64] |= 1 << (i % 64)
		}
	}
	s.mu.Lock()
	if len(s.filters) >= assignedMaxFilters {
		clear(s.filters)
	}
	s.filters[filters] = set
	s.mu.Unlock()
	return set, nil
}

// order is the snapshot's app indexes sorted by sorters.
func (s *appSnapshot) order(res *query.Resource, sorters string) ([]int32, error) {
	s.mu.Lock()
	perm, hit := s.orders[sorters]
	s.mu.Unlock()
	if hit {
		return perm, nil
	}
	o, err := res.Order(sorters)
	if err != nil {
		return nil, err
	}
	perm = make([]int32, len(s.apps))
	for i := range perm {
		perm[i] = int32(i)
	}
	slices.SortFunc(perm, func(a, b int32) int { return o.Compare(s.apps[a], s.apps[b]) })
	s.mu.Lock()
	if len(s.orders) >= assignedMaxOrders {
		clear(s.orders)
	}
	s.orders[sorters] = perm
	s.mu.Unlock()
	return perm, nil
}
