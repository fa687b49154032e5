package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/micahq/mica"
)

// batchFixture is a source of n accounts, all "user" but those in svc, with a
// running classification job that collected them all.
func batchFixture(t *testing.T, n int, svc ...int) (*DB, *mica.ClassificationJob, []*mica.Account) {
	t.Helper()
	ctx := context.Background()
	db, err := Open(ctx, filepath.Join(t.TempDir(), "mica.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	owner := &mica.Identity{Name: "owner", Alias: "owner", Email: "owner@example.com"}
	must(t, db.CreateIdentity(ctx, owner))
	src := &mica.Source{Name: "AD", Owner: mica.Ref{ID: owner.ID}}
	src.MakeDelimitedFile()
	must(t, db.CreateSource(ctx, src))
	must(t, db.PutMachineClassificationConfig(ctx, &mica.MachineClassificationConfig{
		SourceID: src.ID, Enabled: true, ClassificationMethod: mica.MethodSource}))
	accounts := make([]*mica.Account, n)
	for i := range accounts {
		accounts[i] = &mica.Account{SourceID: src.ID, NativeIdentity: fmt.Sprintf("acct-%03d", i),
			Attributes: map[string]any{"kind": "user"}}
	}
	for _, i := range svc {
		accounts[i].Attributes["kind"] = "svc"
	}
	must(t, db.CreateAccounts(ctx, accounts))
	job, err := db.StartClassificationJob(ctx, src.ID)
	must(t, err)
	if job, err = db.CollectClassificationBatch(ctx, job.ID, n); err != nil || job.Status != mica.JobCollected {
		t.Fatalf("collect: %+v %v", job, err)
	}
	return db, job, accounts
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// kindDecider classifies accounts whose attribute kind is "svc" as machines,
// counting its calls.
func kindDecider(calls *atomic.Int64) mica.Decider {
	return func(a *mica.AccountClassification) (bool, string, *mica.Recommendation, bool) {
		calls.Add(1)
		want := a.Attributes["kind"] == "svc"
		if want == a.IsMachine && (a.Method != "") == want {
			return a.IsMachine, a.Method, a.Recommendation, false
		}
		if want {
			return true, mica.MethodCriteria, nil, true
		}
		return false, "", nil, true
	}
}

func machines(t *testing.T, db *DB, accounts []*mica.Account) []int {
	t.Helper()
	var out []int
	for i, a := range accounts {
		c, err := db.GetAccountForClassification(context.Background(), a.ID)
		must(t, err)
		if c.IsMachine {
			out = append(out, i)
		}
	}
	return out
}

// TestClassificationBatchesReadAhead: with nothing else written, each batch
// is decided once, on the read pool, ahead of its write transaction.
func TestClassificationBatchesReadAhead(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, job, accounts := batchFixture(t, 45, 3, 17, 44)
	var calls atomic.Int64
	next, stop := db.ClassificationBatches(ctx, job.ID, kindDecider(&calls))
	defer stop()
	batches := 0
	for job.Running() {
		var err error
		job, err = next(ctx, 10)
		must(t, err)
		batches++
	}
	if job.Status != mica.JobCompleted || job.Completed != 45 || batches != 5 {
		t.Fatalf("job = %+v after %d batches", job, batches)
	}
	if n := calls.Load(); n != 45 {
		t.Errorf("decided %d times, want 45 (every account once)", n)
	}
	if got := fmt.Sprint(machines(t, db, accounts)); got != "[3 17 44]" {
		t.Errorf("machines = %s, want [3 17 44]", got)
	}
}

// TestClassificationBatchesSeeWrites: an account changed after its batch was
// read ahead, whether through the store's write connection or by another
// process, is decided again as it is when written.
func TestClassificationBatchesSeeWrites(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, job, accounts := batchFixture(t, 40)
	var calls atomic.Int64
	p := &pipeline{db: db, ctx: ctx, jobID: job.ID, decide: kindDecider(&calls)}
	svc := func(exec func(context.Context, string, ...any) (sql.Result, error), i int) {
		t.Helper()
		<-p.ahead.done // the next batch was read before this write
		_, err := exec(ctx, `UPDATE accounts SET attributes = '{"kind":"svc"}' WHERE id = ?`, accounts[i].ID)
		must(t, err)
	}
	other, err := sql.Open("sqlite", "file:"+db.Path()+"?_pragma=busy_timeout(10000)")
	must(t, err)
	defer func() { _ = other.Close() }()

	_, err = p.next(ctx, 10) // 0..9, reading 10..19 ahead
	must(t, err)
	svc(db.write.ExecContext, 15) // the store's own write connection
	_, err = p.next(ctx, 10)      // 10..19 again, reading 20..29 ahead
	must(t, err)
	svc(other.ExecContext, 25) // another process
	_, err = p.next(ctx, 10)   // 20..29 again
	must(t, err)
	if job, err = p.next(ctx, 10); err != nil || job.Status != mica.JobCompleted {
		t.Fatalf("last batch: %+v %v", job, err)
	}
	if got := fmt.Sprint(machines(t, db, accounts)); got != "[15 25]" {
		t.Errorf("machines = %s, want [15 25]", got)
	}
	if n := calls.Load(); n != 60 {
		t.Errorf("decided %d times, want 60 (two batches twice)", n)
	}
}

// TestClassificationBatchesPacingChange: a batch size that changes between
// batches uses what was read ahead and reads the rest.
func TestClassificationBatchesPacingChange(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, job, accounts := batchFixture(t, 30, 0, 5, 12, 20, 29)
	var calls atomic.Int64
	next, stop := db.ClassificationBatches(ctx, job.ID, kindDecider(&calls))
	defer stop()
	for _, step := range []struct {
		n        int
		machines string // exactly the accounts of the batches so far
	}{{4, "[0]"}, {10, "[0 5 12]"}, {3, "[0 5 12]"}, {100, "[0 5 12 20 29]"}} {
		var err error
		job, err = next(ctx, step.n)
		must(t, err)
		if got := fmt.Sprint(machines(t, db, accounts)); got != step.machines {
			t.Fatalf("after a batch of %d (completed %d): machines = %s, want %s", step.n, job.Completed, got, step.machines)
		}
	}
	if job.Status != mica.JobCompleted || job.Completed != 30 {
		t.Fatalf("job = %+v", job)
	}
	// 4, 4 ahead | 4 of them, 6 more, 10 ahead | 3 of them, 3 ahead | 3 of them, 10 more.
	if n := calls.Load(); n != 4+4+6+10+3+10 {
		t.Errorf("decided %d times, want 37", n)
	}
}

// TestReadJobBatch: reading a batch by its rid range gives what looking each
// item up by its rid gives, with the source interleaved with another, with
// accounts deleted (the ends of a batch included) or moved to a new rid (a
// new account: the job does not have it), with a range too sparse to scan, and
// with items a migration carried over from an account deleted before (rid 0).
func TestReadJobBatch(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, err := Open(ctx, filepath.Join(t.TempDir(), "mica.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = db.Close() }()
	owner := &mica.Identity{Name: "owner", Alias: "owner", Email: "owner@example.com"}
	must(t, db.CreateIdentity(ctx, owner))
	var srcs [2]*mica.Source
	for i := range srcs {
		srcs[i] = &mica.Source{Name: fmt.Sprintf("src%d", i), Owner: mica.Ref{ID: owner.ID}}
		srcs[i].MakeDelimitedFile()
		must(t, db.CreateSource(ctx, srcs[i]))
	}
	must(t, db.PutMachineClassificationConfig(ctx, &mica.MachineClassificationConfig{
		SourceID: srcs[0].ID, Enabled: true, ClassificationMethod: mica.MethodSource}))
	var mine []*mica.Account
	add := func(src, n int) {
		for range n {
			a := &mica.Account{SourceID: srcs[src].ID, NativeIdentity: mica.NewID(),
				Attributes: map[string]any{"n": len(mine)}}
			if len(mine)%5 == 1 { // some with a classification row
				a.Recommendation = &mica.Recommendation{Type: "MACHINE", Method: mica.MethodDiscovery}
			}
			must(t, db.CreateAccounts(ctx, []*mica.Account{a}))
			if src == 0 {
				mine = append(mine, a)
			}
		}
	}
	for range 20 { // 3 of ours, 1 other: a batch of 10 spans about 13 rows
		add(0, 3)
		add(1, 1)
	}
	for range 10 { // 1 of ours, 6 others: too sparse to scan
		add(0, 1)
		add(1, 6)
	}
	job, err := db.StartClassificationJob(ctx, srcs[0].ID)
	must(t, err)
	for _, i := range []int{0, 9, 14, 33} { // the first of all, the last of a batch, two inside
		_, err := db.write.ExecContext(ctx, `DELETE FROM accounts WHERE id = ?`, mine[i].ID)
		must(t, err)
	}
	for _, i := range []int{5, 20, 29} { // moved to the end of the table
		for _, q := range []string{
			`CREATE TEMP TABLE moved AS SELECT * FROM accounts WHERE id = ?`,
			`DELETE FROM accounts WHERE id = ?`,
			`UPDATE moved SET rid = NULL`,
			`INSERT INTO accounts SELECT * FROM moved`,
			`DROP TABLE moved`,
		} {
			args := []any{mine[i].ID}
			if !strings.Contains(q, "?") {
				args = nil
			}
			_, err := db.write.ExecContext(ctx, q, args...)
			must(t, err)
		}
	}
	// Item 7 as a migration carries over an account deleted before it: rid 0.
	var rids []byte
	must(t, db.read.QueryRowContext(ctx, `SELECT rids FROM classification_job_blocks WHERE job_id = ? AND block = 0`,
		job.ID).Scan(&rids))
	copy(rids[6*8:7*8], make([]byte, 8))
	_, err = db.write.ExecContext(ctx, `UPDATE classification_job_blocks SET rids = ? WHERE job_id = ? AND block = 0`,
		rids, job.ID)
	must(t, err)
	key := func(rows []classRow) string {
		s := ""
		for _, r := range rows {
			s += fmt.Sprintf("%d:%d:%s:%s:%s:%v ", r.seq, r.rowid, r.acct.AccountID, r.acct.NativeIdentity, r.attrs,
				r.acct.Recommendation != nil)
		}
		return s
	}
	// want looks each item up on its own.
	want := func(from, to int64) []classRow {
		items, err := readJobItems(ctx, db.read, job.ID, from, to)
		must(t, err)
		var out []classRow
		for _, it := range items {
			rows, err := readClassRows(ctx, db.read, "one", `SELECT a.rid, `+classificationColumns+`
				FROM accounts_view a WHERE a.rid = ?`, []any{it.rid})
			must(t, err)
			for _, r := range rows {
				r.seq = it.seq
				out = append(out, r)
			}
		}
		return out
	}
	total := 0
	for _, n := range []int64{1, 7, 10, 25, 70} {
		total = 0
		for from := int64(0); from < job.Expected; from += n {
			to := min(from+n, job.Expected)
			got, err := readJobBatch(ctx, db.read, job.ID, from, to)
			must(t, err)
			if key(got) != key(want(from, to)) {
				t.Fatalf("batch (%d, %d]:\n got %s\nwant %s", from, to, key(got), key(want(from, to)))
			}
			total += len(got)
			// Deciding while reading decides what reading then deciding does.
			decided, ds, err := readDecideJobBatch(ctx, db.read, job.ID, from, to, oddDecider, 2)
			must(t, err)
			if a, b := decisionsKey(decided, ds), decisionsKey(got, decideRows(got, oddDecider)); a != b {
				t.Fatalf("batch (%d, %d] decided while read:\n got %s\nwant %s", from, to, a, b)
			}
		}
	}
	if total != len(mine)-4-3-1 {
		t.Errorf("read %d accounts, want %d", total, len(mine)-4-3-1)
	}
}

// oddDecider makes the accounts whose attribute n is odd machines.
func oddDecider(a *mica.AccountClassification) (bool, string, *mica.Recommendation, bool) {
	odd := fmt.Sprint(a.Attributes["n"])
	m := strings.ContainsAny(odd[len(odd)-1:], "13579")
	return m, mica.MethodCriteria, a.Recommendation, m != a.IsMachine
}

// decisionsKey writes each row's place, account and decision.
func decisionsKey(rows []classRow, ds []decision) string {
	s := fmt.Sprint(len(rows), len(ds), " ")
	for i, r := range rows {
		s += fmt.Sprintf("%d:%s:%v:%s:%v:%v ", r.seq, r.acct.AccountID, ds[i].isMachine, ds[i].method, ds[i].rec != nil,
			ds[i].changed)
	}
	return s
}

// TestApplyBatchDecisions: the statements with the decision in their SQL
// write what the generic statement writes.
func TestApplyBatchDecisions(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	decisions := []decision{
		{isMachine: true, method: mica.MethodCriteria, changed: true},
		{isMachine: false, method: "", changed: true},
		{isMachine: true, method: mica.MethodSource, rec: &mica.Recommendation{Type: "HUMAN", Method: mica.MethodDiscovery}, changed: true},
		{isMachine: false, rec: &mica.Recommendation{Type: "MACHINE", Method: mica.MethodDiscovery}, changed: true},
		{isMachine: false, method: mica.MethodManual, rec: &mica.Recommendation{Type: "", Method: ""}, changed: true},
		{isMachine: true, method: "it's odd", rec: &mica.Recommendation{Type: "x'); DROP TABLE accounts; --", Method: "M"}, changed: true},
		{isMachine: true, method: mica.MethodCriteria, changed: false},
	}
	n := len(decisions)
	db, job, accounts := batchFixture(t, 2*n)
	must(t, db.update(ctx, func(tx *Tx) error {
		rows, err := readJobBatch(ctx, tx, job.ID, 0, int64(2*n))
		if err != nil {
			return err
		}
		stmt, err := tx.PrepareContext(ctx, updateClassificationByRowidSQL)
		if err != nil {
			return err
		}
		defer func() { _ = stmt.Close() }()
		if _, err := applyDecisions(ctx, stmt, tx, rows[:n], decisions); err != nil {
			return err
		}
		return applyBatchDecisions(ctx, tx, rows[n:], decisions)
	}))
	stored := func(a *mica.Account) string {
		var m int
		var method, at, recType, recMethod sql.NullString
		var modified string
		must(t, db.read.QueryRowContext(ctx, `SELECT is_machine, classification_method, classified_at, recommendation_type,
			recommendation_method, modified FROM accounts_view WHERE id = ?`, a.ID).Scan(&m, &method, &at, &recType, &recMethod, &modified))
		return fmt.Sprint(m, method, at, recType, recMethod, modified)
	}
	for i := range n {
		if got, want := stored(accounts[n+i]), stored(accounts[i]); got != want {
			t.Errorf("decision %d: stored %s, want %s", i, got, want)
		}
	}
}

// TestStartClassificationJobItems: a job collects exactly its source's
// accounts, numbered in storage order, over more than one block of items.
func TestStartClassificationJobItems(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, err := Open(ctx, filepath.Join(t.TempDir(), "mica.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = db.Close() }()
	owner := &mica.Identity{Name: "owner", Alias: "owner", Email: "owner@example.com"}
	must(t, db.CreateIdentity(ctx, owner))
	var srcs [2]*mica.Source
	for i := range srcs {
		srcs[i] = &mica.Source{Name: fmt.Sprintf("src%d", i), Owner: mica.Ref{ID: owner.ID}}
		srcs[i].MakeDelimitedFile()
		must(t, db.CreateSource(ctx, srcs[i]))
		must(t, db.PutMachineClassificationConfig(ctx, &mica.MachineClassificationConfig{
			SourceID: srcs[i].ID, Enabled: true, ClassificationMethod: mica.MethodSource}))
	}
	var want [2][]string
	var batch []*mica.Account
	for i := range 2*jobBlock + 40 {
		src := 0
		if i%8 == 3 {
			src = 1
		}
		// Native identities against storage order: the index order is not it.
		a := &mica.Account{SourceID: srcs[src].ID, NativeIdentity: fmt.Sprintf("n%05d", 100000-i)}
		batch = append(batch, a)
	}
	must(t, db.CreateAccounts(ctx, batch)) // gives them their ids
	for _, a := range batch {
		src := 0
		if a.SourceID == srcs[1].ID {
			src = 1
		}
		want[src] = append(want[src], a.ID)
	}
	for i, src := range srcs {
		job, err := db.StartClassificationJob(ctx, src.ID)
		must(t, err)
		items, err := readJobItems(ctx, db.read, job.ID, 0, job.Expected)
		must(t, err)
		var got []string
		for n, it := range items {
			if it.seq != int64(n+1) {
				t.Fatalf("source %d: seq %d, want %d", i, it.seq, n+1)
			}
			var id string
			must(t, db.read.QueryRowContext(ctx, `SELECT id FROM accounts WHERE rid = ?`, it.rid).Scan(&id))
			got = append(got, id)
		}
		if fmt.Sprint(got) != fmt.Sprint(want[i]) || job.Expected != int64(len(want[i])) {
			t.Errorf("source %d: items %v (expected %d), want %v", i, got, job.Expected, want[i])
		}
	}
}

// TestReadJobBatchReusedRid: an account deleted while its job runs may give
// its rid to a new account of another source; the job does not read it.
func TestReadJobBatchReusedRid(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	const n = 5
	db, job, accounts := batchFixture(t, n)
	last := accounts[n-1]
	var rid int64
	must(t, db.read.QueryRowContext(ctx, `SELECT rid FROM accounts WHERE id = ?`, last.ID).Scan(&rid))
	_, err := db.write.ExecContext(ctx, `DELETE FROM accounts WHERE id = ?`, last.ID)
	must(t, err)
	src, err := db.GetSource(ctx, accounts[0].SourceID)
	must(t, err)
	other := &mica.Source{Name: "Other", Owner: src.Owner}
	other.MakeDelimitedFile()
	must(t, db.CreateSource(ctx, other))
	stranger := &mica.Account{SourceID: other.ID, NativeIdentity: "stranger"}
	must(t, db.CreateAccounts(ctx, []*mica.Account{stranger}))
	var reused int64
	must(t, db.read.QueryRowContext(ctx, `SELECT rid FROM accounts WHERE id = ?`, stranger.ID).Scan(&reused))
	if reused != rid {
		t.Fatalf("the new account has rid %d, not the deleted one's %d: the test needs it", reused, rid)
	}
	for _, from := range []int64{0, n - 1} { // the whole job, and its last item alone
		to := int64(n)
		rows, err := readJobBatch(ctx, db.read, job.ID, from, to)
		must(t, err)
		for _, r := range rows {
			if r.acct.AccountID == stranger.ID {
				t.Errorf("batch (%d, %d] read the other source's account", from, to)
			}
		}
		if want := int(to-from) - 1; len(rows) != want {
			t.Errorf("batch (%d, %d]: %d accounts, want %d", from, to, len(rows), want)
		}
	}
}

// TestJobRangePlan: a batch is read by its rid range, not through an index
// that would read more than the batch.
func TestJobRangePlan(t *testing.T) {
	t.Parallel()
	db, job, _ := batchFixture(t, 3)
	plan := queryPlan(context.Background(), t, db, jobRangeSQL, 1, 3, job.ID)
	if len(plan) == 0 || !strings.HasPrefix(plan[0], "SEARCH a USING INTEGER PRIMARY KEY (rowid>? AND rowid<?)") {
		t.Errorf("plan %q, want the rid range first", plan)
	}
}
