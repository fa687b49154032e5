package postgres

import (
	"context"
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/micahq/mica"
)

// Caches that stay exact across servers. Each server keeps its own copy of
// what the hot reads need (the assigned apps, authentication's client and
// identity), and must never answer from it after another server's write was
// acknowledged. What tells it is the change log of migration 0016: a
// transaction that changes what a cache holds adds one row (cache, its own
// transaction id) through statement triggers, so the row commits with the
// change and no snapshot sees one without the other; and since each
// transaction writes its own row, writers never wait for each other (a shared
// counter row would serialise every transaction that touches accounts; a
// sequence is not transactional, so a reader could see the new number before
// the data; LISTEN/NOTIFY arrives after the commit, when another server may
// already have answered from its old copy).
//
// A generation of a cache is tagged with the snapshot S it was read in. It is
// still exact in a later snapshot R when no row of its cache visible in R is a
// transaction S did not see (pg_visible_in_snapshot); rows older than S's
// xmin are of transactions S saw, so an index range from xmin(S) answers. A
// request checks the generations in a snapshot taken after it arrived, so every
// write acknowledged before it is in R: either the generation saw it, or the
// check finds its row. What a request adds to a generation (an identity's
// facts, a filter, an order, an authentication answer) is read in one statement
// with the same check, so it is S's state too.
//
// The log is pruned: rows below a horizon h (the xmin of the pruning
// statement, so every transaction below it has ended) are deleted and h is
// raised in one statement; a generation whose xmin(S) is below h can no longer
// tell what it missed and counts as stale.

// The caches of cache_changes.
const (
	cacheAssigned = 1
	cacheAuth     = 2
)

// pruneEvery is how often, at most, a server prunes the log, and pruneRows the
// number of rows below which it leaves it.
const (
	pruneEvery = time.Minute
	pruneRows  = 1000
)

// staleSQL is true when the generation read in the snapshot bound at param (its
// text; NULL for none) is no longer exact for cache in the statement's snapshot.
func staleSQL(param string, cache int) string {
	snap := "(" + param + "::text)::pg_snapshot"
	return `(` + param + `::text IS NULL OR (SELECT h FROM cache_horizon WHERE id = 1) > pg_snapshot_xmin(` + snap + `)
		OR EXISTS (SELECT 1 FROM cache_changes WHERE cache = ` + strconv.Itoa(cache) + `
			AND xid >= pg_snapshot_xmin(` + snap + `) AND NOT pg_visible_in_snapshot(xid, ` + snap + `)))`
}

// generation is what every cache generation has: the snapshot it was read in,
// and when the read began (by this process's clock).
type generation struct {
	snap  string
	began time.Time
}

// cacheCheck is one check of the current generations, in a snapshot taken
// after began.
type cacheCheck struct {
	began    time.Time
	snap     string // the snapshot it ran in
	assigned *assignedGen
	auth     *authGen
	// whether each was still exact (false for none)
	assignedOK, authOK bool
}

// checker shares checks between concurrent requests. A request needs a
// check that began after it arrived (mica.Arrival: for an API request, when
// the server received it), for then every write acknowledged before the
// client sent it is in the check's snapshot. It takes the last check when that
// one began after it arrived (authentication's check serves the rest of its
// request), else the check in flight when that one did; else it waits for the
// next one, which starts when the one in flight ends and answers every request
// that arrived meanwhile. A server so runs one check at a time however many
// requests ask.
type checker struct {
	mu       sync.Mutex
	last     *checkRead // the last check that succeeded
	inflight *checkRead
	next     *checkRead

	assigned  atomic.Pointer[assignedGen]
	auth      atomic.Pointer[authGen]
	lastPrune time.Time // guarded by mu
}

type checkRead struct {
	began time.Time // set, before the check's statement, when it starts
	done  chan struct{}
	c     cacheCheck
	err   error
}

// check returns a check that began after the request of ctx arrived
// (mica.Arrival; when check was called, outside a request).
func (db *DB) check(ctx context.Context) (cacheCheck, error) {
	arrived := mica.Arrival(ctx)
	k := &db.caches
	k.mu.Lock()
	if k.last != nil && !k.last.began.Before(arrived) {
		c := k.last.c
		k.mu.Unlock()
		return c, nil
	}
	if k.inflight == nil {
		rd := &checkRead{done: make(chan struct{}), began: time.Now()}
		k.inflight = rd
		k.mu.Unlock()
		db.runCheck(ctx, rd)
		return rd.c, rd.err
	}
	rd := k.inflight
	if rd.began.Before(arrived) {
		if k.next == nil {
			k.next = &checkRead{done: make(chan struct{})}
		}
		rd = k.next
	}
	k.mu.Unlock()
	select {
	case <-rd.done:
		return rd.c, rd.err
	case <-ctx.Done():
		return cacheCheck{}, fmt.Errorf("cache check: %w", ctx.Err())
	}
}

// runCheck does rd's check, then starts the check gathered meanwhile.
func (db *DB) runCheck(ctx context.Context, rd *checkRead) {
	k := &db.caches
	rd.c, rd.err = db.readCheck(context.WithoutCancel(ctx), rd.began)
	k.mu.Lock()
	if rd.err == nil {
		k.last = rd
	}
	next := k.next
	k.inflight, k.next = next, nil
	if next != nil {
		next.began = time.Now()
	}
	prune := rd.err == nil && (!rd.c.assignedOK || !rd.c.authOK) && time.Since(k.lastPrune) > pruneEvery
	if prune {
		k.lastPrune = time.Now()
	}
	k.mu.Unlock()
	close(rd.done)
	if next != nil {
		go db.runCheck(ctx, next)
	}
	if prune {
		db.pruneCacheChanges(context.WithoutCancel(ctx))
	}
}

func (db *DB) readCheck(ctx context.Context, began time.Time) (cacheCheck, error) {
	c := cacheCheck{assigned: db.caches.assigned.Load(), auth: db.caches.auth.Load(), began: began}
	var a, u any
	if c.assigned != nil {
		a = c.assigned.snap
	}
	if c.auth != nil {
		u = c.auth.snap
	}
	var aStale, uStale bool
	if err := db.pool.QueryRow(ctx, `SELECT pg_current_snapshot()::text, `+staleSQL("$1", cacheAssigned)+`, `+
		staleSQL("$2", cacheAuth), a, u).Scan(&c.snap, &aStale, &uStale); err != nil {
		return c, fmt.Errorf("cache check: %w", err)
	}
	c.assignedOK, c.authOK = !aStale, !uStale
	return c, nil
}

// pruneCacheChanges deletes the log's rows below the xmin of its statement,
// and raises the horizon to it, when the log has more than pruneRows rows.
// Errors are left for the next time: a longer log only costs checks a little.
func (db *DB) pruneCacheChanges(ctx context.Context) {
	_, _ = db.pool.Exec(ctx, `WITH raised AS (
			UPDATE cache_horizon SET h = greatest(h, pg_snapshot_xmin(pg_current_snapshot()))
			WHERE id = 1 AND (SELECT count(*) FROM cache_changes) > `+strconv.Itoa(pruneRows)+` RETURNING h)
		DELETE FROM cache_changes WHERE xid < (SELECT h FROM raised)`)
}
