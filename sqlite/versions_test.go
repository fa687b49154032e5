package sqlite_test

import (
	"bufio"
	"context"
	"database/sql"
	"fmt"
	"os"
	"os/exec"
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
// authentication and the list it guards need one read between them; a later
// caller needs numbers read after it began: from the statement, or, when the
// WAL index's header shows no commit since the last statement, from that one.
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
	// Nothing committed since: the WAL index's header is unchanged, and a
	// call (outside a request: it needs numbers read after it began) is
	// answered without a statement; a commit by another connection changes
	// the header, and the next call runs the statement.
	u0 := f.db.UnchangedReads()
	if v, err := f.db.AssignVersion(ctx); err != nil || v != v3 || f.db.VersionReads()-n0 != 2 || f.db.UnchangedReads() != u0+1 {
		t.Fatalf("nothing committed: version %d (%d), %d statements, %d unchanged answers, %v; want %d, 2 statements, 1 unchanged answer",
			v, v3, f.db.VersionReads()-n0, f.db.UnchangedReads()-u0, err, v3)
	}
	if _, err := f.raw.Exec(`UPDATE source_apps SET name = 'c'`); err != nil {
		t.Fatal(err)
	}
	if v, err := f.db.AssignVersion(ctx); err != nil || v <= v3 || f.db.VersionReads()-n0 != 3 {
		t.Fatalf("after a commit: version %d (before %d), %d statements, %v; want a statement and a higher version",
			v, v3, f.db.VersionReads()-n0, err)
	}
}

// TestVersionsSeeOtherProcesses: another process (this test binary, run
// again as a writer) commits changes to the database one at a time; after
// each commit it reports, a version read in this process gives a number at
// least as new, although the read before it may have been answered from the
// WAL index's unchanged header. A reader that kept an old number when another
// process committed fails here (tried: answering from the header without
// comparing it).
func TestVersionsSeeOtherProcesses(t *testing.T) {
	if path := os.Getenv("MICA_TEST_VERSION_WRITER"); path != "" {
		versionWriter(path, os.Getenv("MICA_TEST_VERSION_APP"))
		return
	}
	t.Parallel()
	ctx := context.Background()
	f := newAppFixture(t)
	ann := f.identity("Ann")
	app := f.app("a", f.source("S", ann), true)
	if !f.db.WALIndexMapped() {
		t.Fatal("the WAL index's header is not read: this test would prove nothing")
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestVersionsSeeOtherProcesses$", "-test.count=1")
	cmd.Env = append(os.Environ(), "MICA_TEST_VERSION_WRITER="+f.db.Path(), "MICA_TEST_VERSION_APP="+app.ID)
	in, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	outPipe, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()
	out := bufio.NewScanner(outPipe)
	u0 := f.db.UnchangedReads()
	for i := range 40 {
		before, err := f.db.AssignVersion(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.db.AssignVersion(ctx); err != nil { // nothing committed: from the header
			t.Fatal(err)
		}
		if _, err := fmt.Fprintln(in, "commit"); err != nil {
			t.Fatal(err)
		}
		if !out.Scan() {
			t.Fatalf("the writer stopped: %v", out.Err())
		}
		var committed int64
		if _, err := fmt.Sscan(out.Text(), &committed); err != nil {
			t.Fatalf("the writer said %q", out.Text())
		}
		v, err := f.db.AssignVersion(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if v < committed || v <= before {
			t.Fatalf("commit %d of the other process: read version %d after it committed %d (before: %d)", i, v, committed, before)
		}
	}
	if f.db.UnchangedReads()-u0 < 40 {
		t.Fatalf("only %d reads answered from the header: the test did not exercise it", f.db.UnchangedReads()-u0)
	}
	_ = in.Close()
}

// versionWriter is the other process of TestVersionsSeeOtherProcesses: for
// each line read, it renames the app in a transaction of its own and prints
// the assignment version that commit left.
func versionWriter(path, appID string) {
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(10000)&_pragma=foreign_keys(1)")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	defer func() { _ = db.Close() }()
	in := bufio.NewScanner(os.Stdin)
	for i := 0; in.Scan(); i++ {
		if _, err := db.Exec(`UPDATE source_apps SET name = ? WHERE id = ?`, fmt.Sprint("w", i), appID); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		var n int64
		if err := db.QueryRow(`SELECT n FROM assignment_version`).Scan(&n); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		fmt.Println(n)
	}
}
