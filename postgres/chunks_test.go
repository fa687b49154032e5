package postgres_test

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/micahq/mica"
	"github.com/micahq/mica/postgres"
)

// TestClassificationChunks: a job of several chunks worked by batch workers on
// two stores (two servers) at once: batches run in parallel on different chunks,
// every account is decided exactly once, and the counts end exact. A cancel
// stops every worker within one batch and no batch counts after it.
func TestClassificationChunks(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dsn := testDSN(t)
	var dbs []*postgres.DB
	for i := 0; i < 2; i++ {
		db, err := postgres.Open(ctx, dsn)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = db.Close() })
		dbs = append(dbs, db)
	}
	db := dbs[0]
	owner := &mica.Identity{Name: "owner", Alias: "owner"}
	if err := db.CreateIdentity(ctx, owner); err != nil {
		t.Fatal(err)
	}
	total := 2*postgres.JobChunkSize + 1234 // three chunks, the last one partial
	src := &mica.Source{Name: "AD", Owner: mica.Ref{ID: owner.ID}, Connector: "active-directory", Type: "Active Directory - Direct"}
	if err := db.CreateSource(ctx, src); err != nil {
		t.Fatal(err)
	}
	var accounts []*mica.Account
	for i := 0; i < total; i++ {
		accounts = append(accounts, &mica.Account{SourceID: src.ID, NativeIdentity: fmt.Sprintf("svc-%05d", i)})
	}
	if err := db.CreateAccounts(ctx, accounts); err != nil {
		t.Fatal(err)
	}
	if err := db.PutMachineClassificationConfig(ctx, &mica.MachineClassificationConfig{SourceID: src.ID, Enabled: true,
		ClassificationMethod: mica.MethodSource}); err != nil {
		t.Fatal(err)
	}

	var inFlight, maxInFlight atomic.Int64
	seen := sync.Map{}
	decide := func(a *mica.AccountClassification) (bool, string, *mica.Recommendation, bool) {
		if _, dup := seen.LoadOrStore(a.AccountID, true); dup {
			t.Errorf("account %s decided twice", a.AccountID)
		}
		return true, mica.MethodSource, nil, true
	}
	slow := func(a *mica.AccountClassification) (bool, string, *mica.Recommendation, bool) {
		if a.NativeIdentity[len(a.NativeIdentity)-2:] == "00" { // one pause per 100 accounts: batches overlap
			n := inFlight.Add(1)
			for m := maxInFlight.Load(); n > m && !maxInFlight.CompareAndSwap(m, n); m = maxInFlight.Load() {
			}
			time.Sleep(2 * time.Millisecond)
			inFlight.Add(-1)
		}
		return decide(a)
	}
	run := func(jobID string, d mica.Decider) (batches atomic.Int64) {
		var wg sync.WaitGroup
		for w := 0; w < 6; w++ {
			wg.Add(1)
			go func(s *postgres.DB) {
				defer wg.Done()
				for {
					j, err := s.CollectClassificationBatch(ctx, jobID, 5000)
					if err != nil {
						t.Error(err)
						return
					}
					if j.Status == mica.JobStarted {
						continue
					}
					_, n, err := s.ClassifyNextBatch(ctx, jobID, 700, d)
					if err != nil {
						t.Error(err)
						return
					}
					if n == 0 {
						return // finished, or the rest is other workers'
					}
					batches.Add(1)
				}
			}(dbs[w%2])
		}
		wg.Wait()
		return
	}
	job, err := db.StartClassificationJob(ctx, src.ID)
	if err != nil {
		t.Fatal(err)
	}
	run(job.ID, slow)
	j, err := db.GetClassificationJobByID(ctx, job.ID)
	if err != nil {
		t.Fatal(err)
	}
	if j.Status != mica.JobCompleted || j.Expected != int64(total) || j.Received != int64(total) || j.Completed != int64(total) {
		t.Fatalf("job = %+v", j)
	}
	if maxInFlight.Load() < 2 {
		t.Errorf("batches never ran at once (max %d in flight)", maxInFlight.Load())
	}
	p, err := db.ListMachineAccounts(ctx, mica.ListOptions{Limit: 1, Count: true})
	if err != nil || p.Total != total {
		t.Fatalf("machine accounts = %d %v, want %d", p.Total, err, total)
	}

	// Cancel while workers run: the count stops, and equals what was classified.
	if _, err := db.Declassify(ctx, src.ID); err != nil {
		t.Fatal(err)
	}
	second, err := db.StartClassificationJob(ctx, src.ID)
	if err != nil {
		t.Fatal(err)
	}
	seen = sync.Map{}
	var classified atomic.Int64
	var cancelOnce sync.Once
	cancelling := func(a *mica.AccountClassification) (bool, string, *mica.Recommendation, bool) {
		if classified.Add(1) == 3000 {
			cancelOnce.Do(func() {
				go func() {
					if _, err := dbs[1].CancelClassificationJob(ctx, src.ID); err != nil {
						t.Error(err)
					}
				}()
			})
		}
		time.Sleep(20 * time.Microsecond)
		return true, mica.MethodSource, nil, true
	}
	run(second.ID, cancelling)
	j, err = db.GetClassificationJobByID(ctx, second.ID)
	if err != nil {
		t.Fatal(err)
	}
	p, err = db.ListMachineAccounts(ctx, mica.ListOptions{Limit: 1, Count: true})
	if err != nil {
		t.Fatal(err)
	}
	if j.Status != mica.JobCancelled || j.Completed >= int64(total) || int64(p.Total) != j.Completed {
		t.Fatalf("after cancel: job %+v, %d machine accounts", j, p.Total)
	}
}
