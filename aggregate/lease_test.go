package aggregate_test

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/micahq/mica"
	"github.com/micahq/mica/aggregate"
)

// clock is a settable clock for the runners' leases.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// upload records an aggregation of src whose file (in the test's temp dir) holds csv.
func (f *fixture) upload(src *mica.Source, csv string) *mica.Aggregation {
	f.t.Helper()
	file, err := os.CreateTemp(f.t.TempDir(), "upload-*.csv")
	if err != nil {
		f.t.Fatal(err)
	}
	if _, err := file.WriteString(csv); err != nil {
		f.t.Fatal(err)
	}
	if err := file.Close(); err != nil {
		f.t.Fatal(err)
	}
	agg := &mica.Aggregation{SourceID: src.ID, FilePath: file.Name(), Launcher: "test"}
	if err := f.db.CreateAggregation(context.Background(), agg); err != nil {
		f.t.Fatal(err)
	}
	return agg
}

func (f *fixture) get(id string) *mica.Aggregation {
	f.t.Helper()
	a, err := f.db.GetAggregation(context.Background(), id)
	if err != nil {
		f.t.Fatal(err)
	}
	return a
}

func (f *fixture) renew(owner string, until time.Time, aggs ...*mica.Aggregation) {
	f.t.Helper()
	ids := make([]string, len(aggs))
	for i, a := range aggs {
		ids[i] = a.ID
	}
	if err := f.db.RenewAggregationLeases(context.Background(), owner, ids, until); err != nil {
		f.t.Fatal(err)
	}
}

func (f *fixture) start(r *aggregate.Runner) {
	f.t.Helper()
	if err := r.Start(context.Background()); err != nil {
		f.t.Fatal(err)
	}
	f.t.Cleanup(r.Stop)
}

// waitFor polls cond until it holds (the runners work in the background).
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(20 * time.Second); !cond(); time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}

func wantEnded(t *testing.T, a *mica.Aggregation, message string) {
	t.Helper()
	if a.Status != mica.AggTerminated || a.CompletionStatus != mica.CompletionTerminated || len(a.Messages) != 1 ||
		!strings.Contains(a.Messages[0].Text, message) {
		t.Fatalf("aggregation %s: status %s/%s messages %+v, want TERMINATED with %q", a.ID, a.Status,
			a.CompletionStatus, a.Messages, message)
	}
}

func fileGone(t *testing.T, path string) bool {
	t.Helper()
	_, err := os.Stat(path)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		t.Fatal(err)
	}
	return err != nil
}

// TestRunnerStartEndsOnlyExpired: a server starting on a shared store ends the
// aggregations of a dead server (lease passed) and removes their files, but not
// those a live server holds; their time comes when their lease passes.
func TestRunnerStartEndsOnlyExpired(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	src := f.source("Files", false, nil)
	clk := &clock{t: mica.TimeNow()}
	gone := f.upload(src, "id,name\n1,a\n")
	f.renew("dead-server", clk.Now().Add(-time.Second), gone)
	held := f.upload(src, "id,name\n1,a\n")
	f.renew("live-server", clk.Now().Add(time.Minute), held)

	a := &aggregate.Runner{Store: f.db, Owner: "server-a", Now: clk.Now}
	f.start(a)
	wantEnded(t, f.get(gone.ID), "the server stopped while this aggregation ran")
	if !fileGone(t, gone.FilePath) {
		t.Fatal("the dead server's file was kept")
	}
	if got := f.get(held.ID); got.Status != mica.AggStarted || got.Owner != "live-server" {
		t.Fatalf("the live server's aggregation = %+v", got)
	}
	if fileGone(t, held.FilePath) {
		t.Fatal("the live server's file was removed")
	}

	clk.Add(2 * time.Minute) // live-server renewed nothing since: it died
	b := &aggregate.Runner{Store: f.db, Owner: "server-b", Now: clk.Now}
	f.start(b)
	wantEnded(t, f.get(held.ID), "the server stopped while this aggregation ran")
	if !fileGone(t, held.FilePath) {
		t.Fatal("the file of the aggregation ended at the second start was kept")
	}
}

// TestRunnerExclusiveStartEndsEveryUnfinished: the only server of a store (SQLite)
// ends at start every aggregation left unfinished, leases or not: it was their server.
func TestRunnerExclusiveStartEndsEveryUnfinished(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	src := f.source("Files", false, nil)
	left := f.upload(src, "id,name\n1,a\n")
	f.renew("previous-run", time.Now().Add(time.Minute), left)
	unclaimed := f.upload(src, "id,name\n1,a\n")
	f.start(&aggregate.Runner{Store: f.db, Exclusive: true})
	for _, a := range []*mica.Aggregation{left, unclaimed} {
		wantEnded(t, f.get(a.ID), "the server stopped while this aggregation ran")
		if !fileGone(t, a.FilePath) {
			t.Fatalf("file %s was kept", a.FilePath)
		}
	}
}

// TestRunnerKeepsLeases: while an aggregation runs and another waits in the
// queue, the runner renews both leases, so another server's sweep long after
// their creation leaves them alone; both then complete. Run claims its
// aggregation for its runner.
func TestRunnerKeepsLeases(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	src := f.source("Files", false, nil)
	clk := &clock{t: mica.TimeNow()}
	release := make(chan struct{})
	var block sync.Once
	blocked := make(chan struct{})
	a := &aggregate.Runner{Store: f.db, Owner: "server-a", BatchSize: 2, Now: clk.Now, RenewEvery: 5 * time.Millisecond,
		SweepEvery: time.Hour, Progress: func(string, int) {
			block.Do(func() { close(blocked); <-release })
		}}
	f.start(a)
	running := f.upload(src, "id,name\n1,a\n2,b\n3,c\n")
	queued := f.upload(src, "id,name\n1,a\n2,b\n4,d\n")
	if err := a.Enqueue(running.ID); err != nil {
		t.Fatal(err)
	}
	<-blocked // running has staged its first batch and waits
	if err := a.Enqueue(queued.ID); err != nil {
		t.Fatal(err)
	}
	clk.Add(time.Hour) // far past the creation leases
	renewed := func() bool {
		for _, agg := range []*mica.Aggregation{running, queued} {
			got := f.get(agg.ID)
			if got.Owner != "server-a" || got.LeaseUntil == nil || got.LeaseUntil.Before(clk.Now()) {
				return false
			}
		}
		return true
	}
	waitFor(t, "the leases of the running and the queued aggregation to be renewed", renewed)

	b := &aggregate.Runner{Store: f.db, Owner: "server-b", Now: clk.Now}
	f.start(b) // sweeps at start
	for _, agg := range []*mica.Aggregation{running, queued} {
		if got := f.get(agg.ID); got.Status != mica.AggStarted {
			t.Fatalf("another server's sweep ended a live aggregation: %+v", got)
		}
	}
	close(release)
	waitFor(t, "both aggregations to complete", func() bool {
		return f.get(running.ID).Status == mica.AggCompleted && f.get(queued.ID).Status == mica.AggCompleted
	})
	eq(t, f.accounts(src), []string{"1=a[]{id=1,name=a}", "2=b[]{id=2,name=b}", "4=d[]{id=4,name=d}"})

	// mica import accounts: Run without Start claims its aggregation too.
	out, err := f.load(src, "id,name\n1,a\n")
	if err != nil {
		t.Fatal(err)
	}
	if out.Owner == "" || out.Owner != f.runner.Owner {
		t.Fatalf("Run's aggregation owner %q, runner %q", out.Owner, f.runner.Owner)
	}
}

// TestRunnerSweepsPeriodically: a running server ends an aggregation whose owner
// stops renewing it within one sweep period of its lease passing.
func TestRunnerSweepsPeriodically(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	src := f.source("Files", false, nil)
	clk := &clock{t: mica.TimeNow()}
	orphan := f.upload(src, "id,name\n1,a\n")
	f.renew("server-b", clk.Now().Add(time.Minute), orphan)
	f.start(&aggregate.Runner{Store: f.db, Owner: "server-a", Now: clk.Now, SweepEvery: 5 * time.Millisecond})
	if got := f.get(orphan.ID); got.Status != mica.AggStarted {
		t.Fatalf("aggregation with a live lease ended at start: %+v", got)
	}
	clk.Add(2 * time.Minute)
	waitFor(t, "the sweep to end the orphaned aggregation", func() bool { return f.get(orphan.ID).Done() })
	wantEnded(t, f.get(orphan.ID), "the server stopped while this aggregation ran")
	waitFor(t, "the orphan's file to be removed", func() bool { return fileGone(t, orphan.FilePath) })
}

// TestRunnerStopEndsQueued: a server shutting down ends the running aggregation
// and the queued ones at once (TERMINATED, files removed), so that no other
// server has to wait for their leases to pass.
func TestRunnerStopEndsQueued(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	src := f.source("Files", false, nil)
	release := make(chan struct{})
	var block sync.Once
	blocked := make(chan struct{})
	r := &aggregate.Runner{Store: f.db, BatchSize: 1, Progress: func(string, int) {
		block.Do(func() { close(blocked); <-release })
	}}
	f.start(r)
	running := f.upload(src, "id,name\n1,a\n2,b\n")
	queued := []*mica.Aggregation{f.upload(src, "id,name\n3,c\n"), f.upload(src, "id,name\n4,d\n")}
	for _, a := range append([]*mica.Aggregation{running}, queued...) {
		if err := r.Enqueue(a.ID); err != nil {
			t.Fatal(err)
		}
	}
	<-blocked
	stopped := make(chan struct{})
	go func() { r.Stop(); close(stopped) }()
	waitFor(t, "Stop to refuse new aggregations", func() bool { return r.Enqueue(mica.NewID()) != nil })
	close(release)
	<-stopped
	wantEnded(t, f.get(running.ID), "the aggregation was stopped (server shutdown)")
	for _, a := range append([]*mica.Aggregation{running}, queued...) {
		if a != running {
			wantEnded(t, f.get(a.ID), "the server stopped before this aggregation ran")
		}
		if !fileGone(t, a.FilePath) {
			t.Fatalf("file %s was kept", filepath.Base(a.FilePath))
		}
	}
	eq(t, f.accounts(src), nil)
}
