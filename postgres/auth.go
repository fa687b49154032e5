package postgres

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/micahq/mica"
)

// authCacheMax caps a generation of the authentication cache; beyond it the
// generation is emptied.
const authCacheMax = 10000

// authGen is a generation of the authentication cache (cachelog.go):
// AuthLookup's answers by client and identity id, each read in the
// generation's state. Errors (a client not found) are not kept.
type authGen struct {
	generation
	mu      sync.Mutex
	entries map[authKey]authEntry
}

type authKey struct{ client, identity string }

type authEntry struct {
	client   mica.Client
	identity *mica.Identity
}

// authGeneration returns a generation that is exact in a snapshot taken after
// the call: the current one, or a new, empty one of the check's snapshot.
func (db *DB) authGeneration(ctx context.Context) (*authGen, error) {
	c, err := db.check(ctx)
	if err != nil {
		return nil, err
	}
	if c.authOK {
		return c.auth, nil
	}
	g := &authGen{generation: generation{snap: c.snap, began: c.began}, entries: map[authKey]authEntry{}}
	for {
		cur := db.caches.auth.Load()
		if cur != nil && !cur.began.Before(g.began) {
			return g, nil // a newer one is installed; ours serves this request
		}
		if db.caches.auth.CompareAndSwap(cur, g) {
			return g, nil
		}
	}
}

// AuthLookup returns the client's authentication state and, when identityID
// is not "", the identity with only its ID, Name and Levels set (nil when it
// no longer exists). ENOTFOUND when the client no longer exists. It is the
// fast path of api's authentication, which runs on every request: answers are
// cached while no server changes clients or identities.
func (db *DB) AuthLookup(ctx context.Context, clientID, identityID string) (*mica.Client, *mica.Identity, error) {
	g, err := db.authGeneration(ctx)
	if err != nil {
		c, i, _, err := db.authLookup(ctx, clientID, identityID, nil)
		return c, i, err
	}
	key := authKey{clientID, identityID}
	g.mu.Lock()
	e, hit := g.entries[key]
	g.mu.Unlock()
	if !hit {
		client, identity, stale, err := db.authLookup(ctx, clientID, identityID, g)
		if err != nil || stale {
			return client, identity, err
		}
		e = authEntry{client: *client, identity: identity}
		g.mu.Lock()
		if len(g.entries) >= authCacheMax {
			clear(g.entries)
		}
		g.entries[key] = e
		g.mu.Unlock()
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

// authLookup reads what AuthLookup answers, and whether g (when not nil) is
// stale in the snapshot of the read.
func (db *DB) authLookup(ctx context.Context, clientID, identityID string, g *authGen) (*mica.Client, *mica.Identity, bool, error) {
	var snap any
	if g != nil {
		snap = g.snap
	}
	var c mica.Client
	var clientIdentity, iid, iname *string
	var scopes, levels []byte
	var expires *time.Time
	var stale bool
	err := db.pool.QueryRow(ctx, `SELECT c.id, c.identity_id, c.enabled, c.expires_at, c.scopes, i.id, i.name, i.levels, `+
		staleSQL("$3", cacheAuth)+`
		FROM clients c LEFT JOIN identities i ON i.id = $1 WHERE c.id = $2`, identityID, clientID, snap).
		Scan(&c.ID, &clientIdentity, &c.Enabled, &expires, &scopes, &iid, &iname, &levels, &stale)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, nil, true, mica.Errorf(mica.ENOTFOUND, "client %q not found", clientID)
	} else if err != nil {
		return nil, nil, true, fmt.Errorf("authenticate client: %w", err)
	}
	c.IdentityID, c.ExpiresAt = str(clientIdentity), utcPtr(expires)
	fromJSON(scopes, &c.Scopes)
	if iid == nil {
		return &c, nil, stale, nil
	}
	i := &mica.Identity{ID: *iid, Name: str(iname)}
	fromJSON(levels, &i.Levels)
	return &c, i, stale, nil
}
