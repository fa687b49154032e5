package sqlite_test

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/micahq/mica"
)

// TestAuthLookupCache checks that the cached AuthLookup answers what the
// tables hold after every change authentication depends on, made through the
// store or through another connection (as another process would), and that a
// token's lastUsed does not drop the cache.
func TestAuthLookupCache(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newAppFixture(t)
	ann := f.identity("Ann")
	c := &mica.Client{ID: mica.NewID(), Kind: mica.ClientPAT, Name: "t", IdentityID: ann.ID, Scopes: []string{"sp:scopes:all"},
		SecretHash: "x", Enabled: true, Created: time.Now().UTC()}
	if err := f.db.CreateClient(ctx, c); err != nil {
		t.Fatal(err)
	}
	state := func() string {
		t.Helper()
		client, identity, err := f.db.AuthLookup(ctx, c.ID, ann.ID)
		if err != nil {
			return mica.ErrorCode(err)
		}
		s := fmt.Sprintf("enabled=%v expires=%v", client.Enabled, client.ExpiresAt != nil)
		if identity == nil {
			return s + " no identity"
		}
		return s + fmt.Sprintf(" %s %v", identity.Name, identity.Levels)
	}
	version := func() int64 {
		t.Helper()
		var n int64
		if err := f.raw.QueryRow(`SELECT n FROM auth_version`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	steps := []struct {
		name, want string
		change     func()
	}{
		{"initial", "enabled=true expires=false Ann [USER]", func() {}},
		{"levels in another connection", "enabled=true expires=false Ann [ORG_ADMIN]", func() {
			f.exec(`UPDATE identities SET levels = '["ORG_ADMIN"]' WHERE id = ?`, ann.ID)
		}},
		{"renamed", "enabled=true expires=false Anna [ORG_ADMIN]", func() {
			f.exec(`UPDATE identities SET name = 'Anna' WHERE id = ?`, ann.ID)
		}},
		{"disabled through the store", "enabled=false expires=false Anna [ORG_ADMIN]", func() {
			if _, err := f.db.UpdateClient(ctx, c.ID, func(c *mica.Client) error { c.Enabled = false; return nil }); err != nil {
				t.Fatal(err)
			}
		}},
		{"expiry in another connection", "enabled=false expires=true Anna [ORG_ADMIN]", func() {
			f.exec(`UPDATE clients SET expires_at = '2030-01-01T00:00:00.000Z' WHERE id = ?`, c.ID)
		}},
		{"identity deleted in another connection", mica.ENOTFOUND, func() {
			f.exec(`DELETE FROM identities WHERE id = ?`, ann.ID) // cascades to the client
		}},
	}
	for _, s := range steps {
		s.change()
		for k := 0; k < 2; k++ { // the second answer comes from the cache
			if got := state(); got != s.want {
				t.Fatalf("%s (read %d): %s, want %s", s.name, k+1, got, s.want)
			}
		}
	}
	before := version()
	other := &mica.Client{ID: mica.NewID(), Kind: mica.ClientAPI, Name: "api", SecretHash: "x", Enabled: true, Created: time.Now().UTC()}
	if err := f.db.CreateClient(ctx, other); err != nil {
		t.Fatal(err)
	}
	afterCreate := version()
	if err := f.db.TouchClient(ctx, other.ID, time.Now().UTC()); err != nil {
		t.Fatal(err)
	}
	if afterCreate == before || version() != afterCreate {
		t.Fatalf("auth version %d, then %d after a create, %d after lastUsed: want a change, then none",
			before, afterCreate, version())
	}
	// Callers own what they get.
	got, _, err := f.db.AuthLookup(ctx, other.ID, "")
	if err != nil {
		t.Fatal(err)
	}
	got.Enabled = false
	if again, _, _ := f.db.AuthLookup(ctx, other.ID, ""); !again.Enabled {
		t.Fatal("a caller's change reached the cache")
	}
}

// TestVersionsReadAfterArrival: callers share version reads, yet every caller
// gets a number read after it arrived (when the call was made, or when its
// request arrived: mica.WithArrival), never an older one, while another
// connection commits changes.
func TestVersionsReadAfterArrival(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newAppFixture(t)
	ann := f.identity("Ann")
	app := f.app("a", f.source("S", ann), true)
	var committed atomic.Int64
	stop := make(chan struct{})
	writerDone := make(chan error, 1)
	go func() {
		for i := 0; ; i++ {
			select {
			case <-stop:
				writerDone <- nil
				return
			default:
			}
			if _, err := f.raw.Exec(`UPDATE source_apps SET name = ? WHERE id = ?`, fmt.Sprint("a", i), app.ID); err != nil {
				writerDone <- err
				return
			}
			var n int64
			if err := f.raw.QueryRow(`SELECT n FROM assignment_version`).Scan(&n); err != nil {
				writerDone <- err
				return
			}
			committed.Store(n)
		}
	}()
	var readers sync.WaitGroup
	errs := make(chan error, 16)
	for g := 0; g < 16; g++ {
		readers.Add(1)
		go func() {
			defer readers.Done()
			for k := 0; k < 300; k++ {
				before := committed.Load()
				ctx := ctx
				if g%2 == 1 { // as in a request: the server noted when it arrived
					ctx = mica.WithArrival(ctx, time.Now())
				}
				v, err := f.db.AssignVersion(ctx)
				if err != nil {
					errs <- err
					return
				}
				if v < before {
					errs <- fmt.Errorf("read version %d after %d was committed", v, before)
					return
				}
			}
		}()
	}
	readers.Wait()
	close(stop)
	if err := <-writerDone; err != nil {
		t.Fatal(err)
	}
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if committed.Load() < 2 {
		t.Fatalf("only %d commits during the reads", committed.Load())
	}
}

// TestVersionsOneReadPerRequest: within a request (mica.WithArrival), a read
// that began after it arrived serves every later call of the request, so
// authentication and the list it guards need one read between them; a caller
// outside a request, or data read since, needs a read of its own.
func TestVersionsOneReadPerRequest(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newAppFixture(t)
	ann := f.identity("Ann")
	f.app("a", f.source("S", ann), true)
	req := mica.WithArrival(ctx, time.Now())
	n0 := f.db.VersionReads()
	v1, err := f.db.AssignVersion(req)
	if err != nil {
		t.Fatal(err)
	}
	v2, err := f.db.AssignVersion(req)
	if err != nil {
		t.Fatal(err)
	}
	if reads := f.db.VersionReads() - n0; reads != 1 || v1 != v2 {
		t.Fatalf("two calls in one request: %d reads, versions %d and %d; want 1 read, equal versions", reads, v1, v2)
	}
	if _, err := f.raw.Exec(`UPDATE source_apps SET name = 'b'`); err != nil {
		t.Fatal(err)
	}
	later := mica.WithArrival(ctx, time.Now())
	v3, err := f.db.AssignVersion(later)
	if err != nil {
		t.Fatal(err)
	}
	if v3 <= v1 || f.db.VersionReads()-n0 != 2 {
		t.Fatalf("a request after a commit: version %d (before %d), %d reads; want a new read and a higher version",
			v3, v1, f.db.VersionReads()-n0)
	}
	if _, err := f.db.AssignVersion(ctx); err != nil || f.db.VersionReads()-n0 != 3 {
		t.Fatalf("a call outside a request: %d reads, %v; want a read of its own", f.db.VersionReads()-n0, err)
	}
}
