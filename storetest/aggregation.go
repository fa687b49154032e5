package storetest

import (
	"context"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/micahq/mica"
)

// testAggregationLeases: servers sharing a store end only the unfinished
// aggregations whose owner stopped renewing their lease (it died), never one a
// live server holds; concurrent sweeps end each once.
func testAggregationLeases(t *testing.T, s mica.Store) {
	ctx := context.Background()
	owner := newIdentity(t, s, "owner")
	src := csvSource(t, s, owner, "Files")
	now := mica.TimeNow()
	create := func(file string) *mica.Aggregation {
		t.Helper()
		a := &mica.Aggregation{SourceID: src.ID, FilePath: file}
		must(t, s.CreateAggregation(ctx, a))
		return a
	}
	get := func(id string) *mica.Aggregation {
		t.Helper()
		a, err := s.GetAggregation(ctx, id)
		must(t, err)
		return a
	}
	sweep := func(sweeper string, at time.Time) []string {
		t.Helper()
		files, err := s.TerminateExpiredAggregations(ctx, sweeper, at, "its server stopped")
		must(t, err)
		sort.Strings(files)
		return files
	}
	wantStatus := func(a *mica.Aggregation, status string) {
		t.Helper()
		if got := get(a.ID); got.Status != status {
			t.Fatalf("aggregation %s: status %s, want %s (%+v)", a.FilePath, got.Status, status, got)
		}
	}

	// A new aggregation holds the creation lease until a runner claims it.
	fresh := create("/uploads/fresh.csv")
	got := get(fresh.ID)
	if got.Owner != "" || got.LeaseUntil == nil || got.LeaseUntil.Before(now.Add(mica.AggregationLease)) ||
		got.LeaseUntil.After(time.Now().Add(mica.AggregationLease)) {
		t.Fatalf("new aggregation: owner %q lease %v, want no owner and a lease of %s", got.Owner, got.LeaseUntil,
			mica.AggregationLease)
	}
	// server-a is alive: it renewed its lease. server-b died: its lease has passed.
	live := create("/uploads/live.csv")
	must(t, s.RenewAggregationLeases(ctx, "server-a", []string{live.ID}, now.Add(time.Hour)))
	dead := create("/uploads/dead.csv")
	must(t, s.StageAccounts(ctx, dead.ID, []mica.StagedAccount{{NativeIdentity: "1", Name: "one", Line: 2, Hash: "h"}}))
	must(t, s.RenewAggregationLeases(ctx, "server-b", []string{dead.ID}, now.Add(-time.Second)))
	// server-c's own aggregation, lease passed (say its renewals failed a while): it
	// knows it is alive, so its own sweep leaves it.
	mine := create("/uploads/mine.csv")
	must(t, s.RenewAggregationLeases(ctx, "server-c", []string{mine.ID}, now.Add(-time.Second)))
	// Another owner cannot take a held aggregation over, nor shorten its lease.
	must(t, s.RenewAggregationLeases(ctx, "server-c", []string{live.ID}, now.Add(-time.Minute)))
	if got := get(live.ID); got.Owner != "server-a" || got.LeaseUntil == nil || !got.LeaseUntil.Equal(now.Add(time.Hour)) {
		t.Fatalf("live aggregation after another owner's renewal: owner %q lease %v", got.Owner, got.LeaseUntil)
	}

	if files := sweep("server-c", now); len(files) != 1 || files[0] != "/uploads/dead.csv" {
		t.Fatalf("sweep ended the files %v, want only /uploads/dead.csv", files)
	}
	got = get(dead.ID)
	if got.Status != mica.AggTerminated || got.CompletionStatus != mica.CompletionTerminated || got.FilePath != "" ||
		len(got.Messages) != 1 || got.Messages[0].Text != "its server stopped" || got.Completed == nil {
		t.Fatalf("expired aggregation after the sweep = %+v", got)
	}
	wantStatus(live, mica.AggStarted)
	wantStatus(fresh, mica.AggStarted)
	wantStatus(mine, mica.AggStarted)

	// A late renewal does not revive an ended aggregation.
	must(t, s.RenewAggregationLeases(ctx, "server-b", []string{dead.ID}, now.Add(time.Hour)))
	wantStatus(dead, mica.AggTerminated)
	// Once the creation lease has passed, the aggregation no runner claimed is
	// ended too; the live one is not, and nothing is ended twice.
	if files := sweep("server-a", now.Add(mica.AggregationLease+time.Second)); len(files) != 2 ||
		files[0] != "/uploads/fresh.csv" || files[1] != "/uploads/mine.csv" {
		t.Fatalf("second sweep ended the files %v, want fresh.csv and mine.csv", files)
	}
	wantStatus(live, mica.AggStarted)
	if got := get(dead.ID); len(got.Messages) != 1 {
		t.Fatalf("the dead aggregation was ended again: %+v", got.Messages)
	}
	// The owner that collected its accounts keeps its lease through renewals.
	_, err := s.CollectAggregation(ctx, live.ID)
	must(t, err)
	must(t, s.RenewAggregationLeases(ctx, "server-a", []string{live.ID}, now.Add(2*time.Hour)))
	if files := sweep("server-b", now.Add(90*time.Minute)); len(files) != 0 {
		t.Fatalf("sweep within the renewed lease ended %v", files)
	}
	wantStatus(live, mica.AggAccountsCollected)

	// Servers sweeping together end an expired aggregation once.
	var orphans []*mica.Aggregation
	for _, f := range []string{"/uploads/o1.csv", "/uploads/o2.csv", "/uploads/o3.csv"} {
		a := create(f)
		must(t, s.RenewAggregationLeases(ctx, "server-d", []string{a.ID}, now.Add(-time.Second)))
		orphans = append(orphans, a)
	}
	var (
		mu    sync.Mutex
		ended []string
		wg    sync.WaitGroup
	)
	for _, sweeper := range []string{"server-x", "server-y", "server-z"} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			files, err := s.TerminateExpiredAggregations(ctx, sweeper, now, "its server stopped")
			if err != nil {
				t.Error(err)
			}
			mu.Lock()
			ended = append(ended, files...)
			mu.Unlock()
		}()
	}
	wg.Wait()
	sort.Strings(ended)
	if len(ended) != 3 || ended[0] != "/uploads/o1.csv" || ended[1] != "/uploads/o2.csv" || ended[2] != "/uploads/o3.csv" {
		t.Fatalf("concurrent sweeps ended the files %v, want each of o1, o2, o3 once", ended)
	}
	for _, a := range orphans {
		if got := get(a.ID); got.Status != mica.AggTerminated || len(got.Messages) != 1 {
			t.Fatalf("orphan after concurrent sweeps: status %s, %d messages", got.Status, len(got.Messages))
		}
	}
	wantStatus(live, mica.AggAccountsCollected)
}

// testAggregationPreviewAndGuard: collecting counts what applying would do
// (a preview), a preview can be deleted with its staged rows, an aggregation
// refuses to remove more than its MaxRemovals, and a source's aggregations are
// listed newest first.
func testAggregationPreviewAndGuard(t *testing.T, s mica.Store) {
	ctx := context.Background()
	owner := newIdentity(t, s, "owner")
	src := csvSource(t, s, owner, "Guarded")
	rows := func(ids ...string) []mica.StagedAccount {
		out := make([]mica.StagedAccount, len(ids))
		for i, id := range ids {
			out[i] = mica.StagedAccount{NativeIdentity: id, Name: id, Line: i + 2, Hash: "h-" + id,
				Attributes: map[string]any{"id": id}}
		}
		return out
	}
	stage := func(max *int, ids ...string) *mica.Aggregation {
		t.Helper()
		a := &mica.Aggregation{SourceID: src.ID, MaxRemovals: max}
		must(t, s.CreateAggregation(ctx, a))
		must(t, s.StageAccounts(ctx, a.ID, rows(ids...)))
		return a
	}
	first := stage(nil, "a", "b", "c", "d", "e", "f", "g", "h", "i", "j")
	collected, err := s.CollectAggregation(ctx, first.ID)
	must(t, err)
	if collected.Stats != (mica.AggregationStats{Scanned: 10, Added: 10}) {
		t.Fatalf("first preview = %+v", collected.Stats)
	}
	_, err = s.ApplyAggregation(ctx, first.ID)
	must(t, err)

	// A file of two known accounts (one changed) and a new one removes eight.
	two := rows("a", "b", "new")
	two[1].Hash = "changed"
	one := 1
	guarded := &mica.Aggregation{SourceID: src.ID, MaxRemovals: &one}
	must(t, s.CreateAggregation(ctx, guarded))
	if got, err := s.GetAggregation(ctx, guarded.ID); err != nil || got.MaxRemovals == nil || *got.MaxRemovals != 1 {
		t.Fatalf("maxRemovals read back: %+v %v", got, err)
	}
	must(t, s.StageAccounts(ctx, guarded.ID, two))
	collected, err = s.CollectAggregation(ctx, guarded.ID)
	must(t, err)
	if collected.Stats != (mica.AggregationStats{Scanned: 3, Added: 1, Changed: 1, Unchanged: 1, Removed: 8}) ||
		collected.MarkedForDeletion != 8 || !mica.NeedsRemovalConfirmation(10, collected.Stats.Removed) {
		t.Fatalf("preview = %+v", collected)
	}
	_, err = s.ApplyAggregation(ctx, guarded.ID)
	mustErr(t, err, mica.CheckRemovals(src, guarded, 10, 8))
	must(t, s.FailAggregation(ctx, guarded.ID, mica.CompletionError, mica.ErrorMessage(err)))
	if p, err := s.ListAccounts(ctx, mica.AccountFilter{SourceID: src.ID}, mica.ListOptions{Count: true}); err != nil || p.Total != 10 {
		t.Fatalf("accounts after a refused apply: %d %v", p.Total, err)
	}

	// A preview ends deleted: no trace, no staged rows.
	preview := stage(nil, "a")
	_, err = s.CollectAggregation(ctx, preview.ID)
	must(t, err)
	must(t, s.DeleteAggregation(ctx, preview.ID))
	_, err = s.GetAggregation(ctx, preview.ID)
	mustErr(t, err, mica.ErrNotFound(mica.KindAggregation, preview.ID))
	mustErr(t, s.DeleteAggregation(ctx, first.ID), (&mica.Aggregation{ID: first.ID, Status: mica.AggCompleted}).CheckDelete())

	page, err := s.ListAggregations(ctx, src.ID, mica.ListOptions{Limit: 10, Count: true})
	must(t, err)
	if page.Total != 2 || len(page.Items) != 2 || page.Items[0].ID != guarded.ID || page.Items[1].ID != first.ID ||
		page.Items[0].Status != mica.AggTerminated || page.Items[1].Stats.Added != 10 {
		t.Fatalf("history = %+v", page.Items)
	}
	if p, err := s.ListAggregations(ctx, src.ID, mica.ListOptions{Limit: 1, Offset: 1}); err != nil || len(p.Items) != 1 ||
		p.Items[0].ID != first.ID {
		t.Fatalf("second page = %+v %v", p.Items, err)
	}
}
