package sqlite

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/micahq/mica"
)

// Version-checked caches. Two numbers, each raised by triggers in the same
// transaction as the writes it covers, whichever process commits them (the
// `mica` CLI too): assignment_version (migration 0009: what
// GET /source-apps/assigned answers) and auth_version (migration 0010: what
// authentication reads on every request). A cache keeps an entry only while
// its number is unchanged, so it answers exactly what a read of the tables
// would: a request that starts after a commit sees the new number. The numbers
// are read by a statement, or, when the WAL index's header shows that nothing
// has committed since the last statement, taken from that one (walindex.go).

// versions are the numbers at one moment.
type versions struct {
	assign, auth int64
}

// versionReader reads both numbers on a read connection of its own, through
// one prepared statement, and shares reads between concurrent requests as
// PostgreSQL's checker does (postgres/cachelog.go). A request needs numbers
// read by a read that began after it arrived (mica.Arrival: for an API
// request, when the server received it), for then every write acknowledged
// before the client sent it is counted in them. It takes the last read when
// that one began after it arrived (so authentication's read serves the rest of
// its request, and the requests that arrived before it), else the read in
// flight when that one did; else it waits for the next read, which starts
// when the one in flight ends and answers every request that arrived
// meanwhile. The connection so does one read at a time however many requests
// ask.
type versionReader struct {
	mu       sync.Mutex
	last     *versionRead // the last read that succeeded
	inflight *versionRead // the read in progress, nil when none
	next     *versionRead // the read to start after it, gathering callers

	conn      *sql.Conn   // used by one read at a time
	stmt      driver.Stmt // prepared on conn, used only inside its Raw
	dest      [2]driver.Value
	reads     atomic.Int64 // statements run (for tests)
	unchanged atomic.Int64 // answers from an unchanged WAL index header (for tests)
	closed    bool         // the store is closed: the WAL index is not read (guarded by mu)
}

type versionRead struct {
	began time.Time // set, before the read's statement, when it starts
	hdr   walHeader // the WAL index's header just before the statement
	hdrOK bool      // hdr was read (and consistent)
	done  chan struct{}
	v     versions
	err   error
}

// versions returns numbers read by a read that began after the request of
// ctx arrived (mica.Arrival; outside a request, after versions was called).
func (db *DB) versions(ctx context.Context) (versions, error) {
	arrived := mica.Arrival(ctx)
	r := &db.vers
	r.mu.Lock()
	if r.last != nil && !r.last.began.Before(arrived) {
		v := r.last.v
		r.mu.Unlock()
		return v, nil
	}
	if last := r.last; last != nil && last.hdrOK && !r.closed {
		// Nothing committed anywhere since the header last.hdr was read,
		// just before last's statement: its numbers are the database's now
		// (walindex.go).
		if h, ok := db.wal.header(); ok && h == last.hdr {
			r.mu.Unlock()
			r.unchanged.Add(1)
			return last.v, nil
		}
	}
	if r.inflight == nil {
		rd := &versionRead{done: make(chan struct{}), began: time.Now()}
		r.inflight = rd
		r.mu.Unlock()
		db.runVersionRead(ctx, rd)
		return rd.v, rd.err
	}
	rd := r.inflight
	if rd.began.Before(arrived) {
		if r.next == nil {
			r.next = &versionRead{done: make(chan struct{})}
		}
		rd = r.next
	}
	r.mu.Unlock()
	select {
	case <-rd.done:
		return rd.v, rd.err
	case <-ctx.Done():
		return versions{}, fmt.Errorf("versions: %w", ctx.Err())
	}
}

// versionsNow returns numbers read by a read that began after it was called:
// what confirms that data read before it is still current.
func (db *DB) versionsNow(ctx context.Context) (versions, error) {
	return db.versions(mica.WithArrival(ctx, time.Now()))
}

// runVersionRead does rd's read, then starts the read gathered meanwhile.
func (db *DB) runVersionRead(ctx context.Context, rd *versionRead) {
	r := &db.vers
	r.mu.Lock() // the header is read under mu: Close marks the reader closed under mu, then unmaps it
	if db.wal != nil && !r.closed {
		rd.hdr, rd.hdrOK = db.wal.header()
	}
	r.mu.Unlock()
	rd.v, rd.err = r.read(context.WithoutCancel(ctx), db)
	r.mu.Lock()
	if rd.err == nil {
		r.last = rd
	}
	next := r.next
	r.inflight, r.next = next, nil
	if next != nil {
		next.began = time.Now()
	}
	r.mu.Unlock()
	close(rd.done)
	if next != nil {
		go db.runVersionRead(ctx, next)
	}
}

// read reads the numbers; only the in-flight read calls it.
func (r *versionReader) read(ctx context.Context, db *DB) (versions, error) {
	if r.conn == nil {
		conn, err := db.read.Conn(ctx)
		if err != nil {
			return versions{}, fmt.Errorf("versions connection: %w", err)
		}
		r.conn = conn
	}
	r.reads.Add(1)
	var v versions
	// Through the driver's own statement (prepared once, on this connection
	// only): database/sql's statement path (its connection bookkeeping, rows
	// and Scan) cost as much again as SQLite's step, on every request.
	err := r.conn.Raw(func(dc any) error {
		if r.stmt == nil {
			p, ok := dc.(driver.ConnPrepareContext)
			if !ok {
				return errors.New("the sqlite driver cannot prepare with a context")
			}
			st, err := p.PrepareContext(ctx, `SELECT (SELECT n FROM assignment_version WHERE id = 1),
				(SELECT n FROM auth_version WHERE id = 1)`)
			if err != nil {
				return err
			}
			r.stmt = st
		}
		q, ok := r.stmt.(driver.StmtQueryContext)
		if !ok {
			return errors.New("the sqlite driver's statement cannot query with a context")
		}
		rows, err := q.QueryContext(ctx, nil)
		if err != nil {
			return err
		}
		dest := r.dest[:]
		err = rows.Next(dest)
		if cerr := rows.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return err
		}
		a, ok1 := dest[0].(int64)
		u, ok2 := dest[1].(int64)
		if !ok1 || !ok2 {
			return fmt.Errorf("versions are %T and %T, not integers", dest[0], dest[1])
		}
		v = versions{assign: a, auth: u}
		return nil
	})
	if err != nil {
		_ = r.close()
		return versions{}, fmt.Errorf("versions: %w", err)
	}
	return v, nil
}

func (r *versionReader) close() error {
	if r.conn == nil {
		return nil
	}
	var err error
	if r.stmt != nil {
		st := r.stmt
		err = r.conn.Raw(func(any) error { return st.Close() })
	}
	err = errors.Join(err, r.conn.Close())
	r.conn, r.stmt = nil, nil
	return err
}

// closeLocked closes the connection once no read is in flight (Close).
func (r *versionReader) closeLocked() error {
	for {
		r.mu.Lock()
		if r.inflight == nil {
			defer r.mu.Unlock()
			r.closed = true // no header read after this: Close unmaps the WAL index
			return r.close()
		}
		rd := r.inflight
		r.mu.Unlock()
		<-rd.done
	}
}

// authCacheMax caps the authentication cache; beyond it the cache is emptied.
const authCacheMax = 10000

// authCache holds AuthLookup answers by client and identity id, each with the
// auth version it was read at. Errors (a client not found) are not kept.
type authCache struct {
	mu      sync.Mutex
	entries map[authKey]authEntry
}

type authKey struct{ client, identity string }

type authEntry struct {
	version  int64
	client   mica.Client
	identity *mica.Identity
}

// AuthLookup returns the client's authentication state and, when
// identityID is not "", the identity with only its ID, Name and Levels set
// (nil when it no longer exists). ENOTFOUND when the client no longer exists.
// It is the fast path of api's authentication, which runs on every request:
// answers are cached while the auth version stays the same.
func (db *DB) AuthLookup(ctx context.Context, clientID, identityID string) (*mica.Client, *mica.Identity, error) {
	v, err := db.versions(ctx)
	if err != nil {
		return db.authLookup(ctx, clientID, identityID)
	}
	key := authKey{clientID, identityID}
	c := &db.auth
	c.mu.Lock()
	e, hit := c.entries[key]
	c.mu.Unlock()
	if !hit || e.version != v.auth {
		client, identity, err := db.authLookup(ctx, clientID, identityID)
		if err != nil {
			return nil, nil, err
		}
		e = authEntry{version: v.auth, client: *client, identity: identity}
		c.mu.Lock()
		if c.entries == nil || len(c.entries) >= authCacheMax {
			c.entries = map[authKey]authEntry{}
		}
		c.entries[key] = e
		c.mu.Unlock()
	}
	// Copies: callers own what they get.
	client := e.client
	client.Scopes = slices.Clone(client.Scopes)
	if client.ExpiresAt != nil {
		t := *client.ExpiresAt
		client.ExpiresAt = &t
	}
	var identity *mica.Identity
	if e.identity != nil {
		i := *e.identity
		i.Levels = slices.Clone(i.Levels)
		identity = &i
	}
	return &client, identity, nil
}
