package sqlite

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/micahq/mica"
)

// BenchmarkClassifiedReads times the reads that filter on an account's
// classification, on a store where machines are a small share: 200,000
// accounts of one source, 10 % machines, 10 % recommended, classified by a
// job. MICA_READS_DB names a store file to reuse (built there when missing),
// so that two versions of the code can be timed on the same data: copy it
// before each run, since opening it migrates it. Run with -benchtime 5x for
// the mean of 5 calls.
func BenchmarkClassifiedReads(b *testing.B) {
	ctx := context.Background()
	path := os.Getenv("MICA_READS_DB")
	if path == "" {
		path = filepath.Join(b.TempDir(), "mica.db")
	}
	if _, err := os.Stat(path); err != nil {
		buildClassifiedStore(b, path, 200000)
	}
	db, err := Open(ctx, path)
	if err != nil {
		b.Fatal(err)
	}
	defer func() { _ = db.Close() }()
	var src string
	if err := db.read.QueryRowContext(ctx, `SELECT id FROM sources LIMIT 1`).Scan(&src); err != nil {
		b.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		opt  mica.ListOptions
	}{
		{"machines/limit50", mica.ListOptions{Limit: 50}},
		{"machines/count", mica.ListOptions{Limit: 50, Count: true}},
		{"machines/name", mica.ListOptions{Limit: 50, Sorters: "name"}},
		{"machines/offset10000", mica.ListOptions{Limit: 50, Offset: 10000}},
		{"machines/namesw", mica.ListOptions{Limit: 50, Filters: `name sw "acct00001"`}},
		{"machines/namesw-count", mica.ListOptions{Limit: 50, Count: true, Filters: `name sw "acct00001"`}},
	} {
		b.Run(tc.name, func(b *testing.B) {
			for b.Loop() {
				p, err := db.ListMachineAccounts(ctx, tc.opt)
				if err != nil {
					b.Fatal(err)
				}
				if len(p.Items) == 0 {
					b.Fatal("no machine accounts")
				}
			}
		})
	}
	for _, sid := range []string{"", src} {
		b.Run(fmt.Sprintf("triage/source=%t", sid != ""), func(b *testing.B) {
			for b.Loop() {
				k := 0
				if err := db.EachTriageCandidate(ctx, sid, func(*mica.TriageCandidate) error { k++; return nil }); err != nil {
					b.Fatal(err)
				}
				if k != 20000 {
					b.Fatalf("%d triage candidates, want 20000", k)
				}
			}
		})
	}
}

// buildClassifiedStore writes n accounts of one source to a new store at
// path and classifies them with a job: every tenth a machine (native
// identities ending in 7), every tenth recommended (ending in 3 before the
// last digit).
func buildClassifiedStore(b testing.TB, path string, n int) {
	b.Helper()
	ctx := context.Background()
	db, err := Open(ctx, path)
	if err != nil {
		b.Fatal(err)
	}
	defer func() { _ = db.Close() }()
	fatal := func(err error) {
		if err != nil {
			b.Fatal(err)
		}
	}
	owner := &mica.Identity{Name: "owner", Alias: "owner", Email: "owner@example.com"}
	fatal(db.CreateIdentity(ctx, owner))
	src := &mica.Source{Name: "AD", Owner: mica.Ref{ID: owner.ID}}
	src.MakeDelimitedFile()
	fatal(db.CreateSource(ctx, src))
	fatal(db.PutMachineClassificationConfig(ctx, &mica.MachineClassificationConfig{
		SourceID: src.ID, Enabled: true, ClassificationMethod: mica.MethodSource}))
	for start := 0; start < n; start += 10000 {
		var batch []*mica.Account
		for i := start; i < min(n, start+10000); i++ {
			batch = append(batch, &mica.Account{SourceID: src.ID, NativeIdentity: fmt.Sprintf("n%08d", i),
				Name: fmt.Sprintf("acct%07d", i), Attributes: map[string]any{"i": i, "description": "an account"}})
		}
		fatal(db.CreateAccounts(ctx, batch))
	}
	job, err := db.StartClassificationJob(ctx, src.ID)
	fatal(err)
	_, err = db.CollectClassificationBatch(ctx, job.ID, n)
	fatal(err)
	next, stop := db.ClassificationBatches(ctx, job.ID, func(a *mica.AccountClassification) (bool, string, *mica.Recommendation, bool) {
		id := a.NativeIdentity
		var rec *mica.Recommendation
		if id[len(id)-2] == '3' {
			rec = &mica.Recommendation{Type: "MACHINE", Method: "DISCOVERY"}
		}
		return id[len(id)-1] == '7', mica.MethodCriteria, rec, true
	})
	defer stop()
	for {
		j, err := next(ctx, 2000)
		fatal(err)
		if j.Status == mica.JobCompleted {
			return
		}
	}
}
