// Package appcache answers GET /source-apps/assigned from memory: the part of
// the stores' assigned-apps caches that is the same on SQLite and PostgreSQL.
//
// A Snapshot is every source app at one state of the database. What an
// identity is assigned is the domain's rule (mica.SourceApp.AssignedTo) run
// over the snapshot with the identity's facts (the sources it has accounts on,
// the access profiles it holds), kept as a bitset; each `filters` value is the
// bitset of the apps it matches, each `sorters` value the apps in that order.
// A request is then the AND of two bitsets, a popcount for the count and a walk
// of the order to the page.
//
// Whether a snapshot is still the database's state, and how filters and orders
// are computed (in memory on SQLite, where query's evaluator is the SQL's
// semantics; by PostgreSQL itself there, whose collation and lower() the
// evaluator does not reproduce), is the stores' business.
package appcache

import (
	"errors"
	"math/bits"
	"slices"
	"sync"

	"github.com/micahq/mica"
	"github.com/micahq/mica/query"
)

// Caps on what one snapshot keeps; beyond a cap its map is emptied.
const (
	identityBytes = 16 << 20 // identity bitsets, in bytes
	maxFilters    = 256
	maxOrders     = 64
)

// Set is a bitset over a snapshot's apps, by index.
type Set []uint64

// Has reports whether app i is in s.
func (s Set) Has(i int32) bool { return s[i/64]&(1<<(i%64)) != 0 }

// Add puts app i in s.
func (s Set) Add(i int32) { s[i/64] |= 1 << (i % 64) }

// Snapshot is every source app at one state of the database and what was
// derived from it. It is safe for concurrent use; the apps it lists are
// shared and must not be changed.
type Snapshot struct {
	apps  []*mica.SourceApp // as lists return them (no access profiles), by id
	kept  []mica.Kept       // a slot per app for its JSON (Page.Kept)
	rule  []mica.SourceApp  // the same with their access profiles, for the rule
	index map[string]int32
	words int

	mu         sync.Mutex
	identities map[string]Set
	filters    map[string]Set
	orders     map[string][]int32
	filtering  map[string]*flight[Set]     // filters being computed
	ordering   map[string]*flight[[]int32] // orders being computed
}

// New makes the snapshot of apps, each with its access profiles (which the
// listed apps leave out, as the stores' lists do). It keeps apps.
func New(apps []*mica.SourceApp) *Snapshot {
	s := &Snapshot{apps: apps, kept: make([]mica.Kept, len(apps)), rule: make([]mica.SourceApp, len(apps)), index: make(map[string]int32, len(apps)),
		words: (len(apps) + 63) / 64, identities: map[string]Set{}, filters: map[string]Set{}, orders: map[string][]int32{},
		filtering: map[string]*flight[Set]{}, ordering: map[string]*flight[[]int32]{}}
	slices.SortFunc(apps, func(a, b *mica.SourceApp) int {
		switch {
		case a.ID < b.ID:
			return -1
		case a.ID > b.ID:
			return 1
		}
		return 0
	})
	for i, a := range apps {
		s.rule[i] = *a
		a.AccessProfiles = nil
		s.index[a.ID] = int32(i)
	}
	return s
}

// Len is the number of apps.
func (s *Snapshot) Len() int { return len(s.apps) }

// Index is the index of the app with id, false when the snapshot has none.
func (s *Snapshot) Index(id string) (int32, bool) {
	i, ok := s.index[id]
	return i, ok
}

// NewSet is an empty set of the snapshot's size.
func (s *Snapshot) NewSet() Set { return make(Set, s.words) }

// Facts are what the assignment rule needs of an identity.
type Facts struct {
	Sources        []string // the sources it has accounts on
	AccessProfiles []string // the access profiles it holds
}

// Assigned is the set of apps the rule assigns to an identity with facts.
func (s *Snapshot) Assigned(f Facts) Set {
	hasAccountOn := func(id string) bool { return slices.Contains(f.Sources, id) }
	holds := func(id string) bool { return slices.Contains(f.AccessProfiles, id) }
	if len(f.AccessProfiles) > 16 {
		held := make(map[string]bool, len(f.AccessProfiles))
		for _, id := range f.AccessProfiles {
			held[id] = true
		}
		holds = func(id string) bool { return held[id] }
	}
	set := s.NewSet()
	for i := range s.rule {
		if s.rule[i].AssignedTo(hasAccountOn, holds) {
			set.Add(int32(i))
		}
	}
	return set
}

// Identity is the cached set of an identity, if any.
func (s *Snapshot) Identity(id string) (Set, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	set, ok := s.identities[id]
	return set, ok
}

// SetIdentity caches the set of an identity.
func (s *Snapshot) SetIdentity(id string, set Set) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.identities)*(s.words*8+len(id)+16) >= identityBytes {
		clear(s.identities)
	}
	s.identities[id] = set
}

// Filter is the set of apps filters matches, computed once by compute (by
// the first caller; those that ask while it computes wait for its answer).
func (s *Snapshot) Filter(filters string, compute func() (Set, error)) (Set, error) {
	return computeOnce(s, s.filters, s.filtering, maxFilters, filters, compute)
}

// Order is the apps' indexes in the order of sorters, computed once by
// compute (as Filter).
func (s *Snapshot) Order(sorters string, compute func() ([]int32, error)) ([]int32, error) {
	return computeOnce(s, s.orders, s.ordering, maxOrders, sorters, compute)
}

// flight is a computation in progress, which callers asking for the same key
// meanwhile wait for rather than repeat: after a change, every request in
// flight misses the new snapshot's filters and orders at once, and each
// would sort the apps again.
type flight[T any] struct {
	done chan struct{}
	v    T
	err  error
}

// computeOnce returns cache[key], else the answer of the computation of key
// in flight, else computes it (keeping it in cache when it succeeds, cache
// emptied when it holds max). A caller whose wait ends in an error computes
// for itself: the error may be the other request's own (its context ended).
func computeOnce[T any](s *Snapshot, cache map[string]T, inflight map[string]*flight[T], max int, key string,
	compute func() (T, error)) (T, error) {
	s.mu.Lock()
	for {
		if v, hit := cache[key]; hit {
			s.mu.Unlock()
			return v, nil
		}
		f, ok := inflight[key]
		if !ok {
			break
		}
		s.mu.Unlock()
		<-f.done
		if f.err == nil {
			return f.v, nil
		}
		s.mu.Lock()
	}
	f := &flight[T]{done: make(chan struct{}), err: errComputePanicked}
	inflight[key] = f
	s.mu.Unlock()
	defer func() { // also when compute panics: the waiters then compute for themselves
		s.mu.Lock()
		delete(inflight, key)
		if f.err == nil {
			if len(cache) >= max {
				clear(cache)
			}
			cache[key] = f.v
		}
		s.mu.Unlock()
		close(f.done)
	}()
	f.v, f.err = compute()
	return f.v, f.err
}

// errComputePanicked marks a flight whose computation panicked (its waiters
// compute for themselves).
var errComputePanicked = errors.New("appcache: a computation panicked")

// Match evaluates filters in memory (query's evaluator: SQLite's semantics).
func (s *Snapshot) Match(res *query.Resource, filters string) (Set, error) {
	f, err := res.Filter(filters)
	if err != nil {
		return nil, err
	}
	set := s.NewSet()
	for i, a := range s.apps {
		if f.Match(Row{a}) {
			set.Add(int32(i))
		}
	}
	return set, nil
}

// Sort orders the apps by sorters in memory (query's evaluator: SQLite's
// semantics).
func (s *Snapshot) Sort(res *query.Resource, sorters string) ([]int32, error) {
	o, err := res.Order(sorters)
	if err != nil {
		return nil, err
	}
	perm := make([]int32, len(s.apps))
	for i := range perm {
		perm[i] = int32(i)
	}
	slices.SortFunc(perm, func(a, b int32) int { return o.Compare(Row{s.apps[a]}, Row{s.apps[b]}) })
	return perm, nil
}

// Page is the page opt asks for of the apps in both assigned and match, in
// order. Its items are the snapshot's own, shared (Page.Shared), each with
// the snapshot's slot for its JSON (Page.Kept).
func (s *Snapshot) Page(assigned, match Set, order []int32, opt mica.ListOptions) mica.Page[*mica.SourceApp] {
	page := mica.Page[*mica.SourceApp]{Total: -1, Shared: true}
	if opt.Count {
		n := 0
		for i := range assigned {
			n += bits.OnesCount64(assigned[i] & match[i])
		}
		page.Total = n
	}
	page.Items, page.Kept = []*mica.SourceApp{}, []*mica.Kept{}
	if opt.Limit == 0 || (page.Total >= 0 && opt.Offset >= page.Total) {
		return page
	}
	if n := opt.Limit; n > 0 && n <= 1000 {
		if page.Total >= 0 {
			n = min(n, page.Total-opt.Offset)
		}
		page.Items, page.Kept = make([]*mica.SourceApp, 0, n), make([]*mica.Kept, 0, n)
	}
	skip, left := opt.Offset, page.Total // left: apps in both not yet met (when counted)
	for _, i := range order {
		if left == 0 {
			break // every app of the page met: the rest of the order has none
		}
		w, b := i/64, uint64(1)<<(i%64)
		if assigned[w]&match[w]&b == 0 {
			continue
		}
		left--
		if skip > 0 {
			skip--
			continue
		}
		page.Items, page.Kept = append(page.Items, s.apps[i]), append(page.Kept, &s.kept[i])
		if opt.Limit > 0 && len(page.Items) == opt.Limit {
			break
		}
	}
	return page
}

// Row is a source app as a query.Row of query.SourceAppsAssigned.
type Row struct{ *mica.SourceApp }

// Value implements query.Row.
func (a Row) Value(name string) any {
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
	panic("appcache: source app has no field " + name)
}
