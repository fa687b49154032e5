package sqlite

import (
	"context"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/micahq/mica"
)

// TestMachineAccountsBothWays: a page of machine accounts read from the
// machines first is the page read by walking the accounts, for every sort,
// filter, offset and count, and the sample picks the machines first when they
// are few.
func TestMachineAccountsBothWays(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "mica.db")
	buildClassifiedStore(t, path, 3000)
	db, err := Open(ctx, path)
	must(t, err)
	t.Cleanup(func() { _ = db.Close() })
	for _, opt := range []mica.ListOptions{
		{Limit: 50},
		{Limit: 50, Count: true},
		{Limit: 7, Offset: 100, Count: true},
		{Limit: 50, Offset: 290, Count: true},
		{Limit: 50, Offset: 300},
		{Limit: 0, Count: true},
		{Limit: 20, Sorters: "-name"},
		{Limit: 20, Offset: 33, Sorters: "nativeIdentity"},
		{Limit: 50, Filters: `name sw "acct00001"`, Count: true},
		{Limit: 5, Offset: 3, Filters: `name sw "ACCT0001"`, Sorters: "-id", Count: true},
		{Limit: 50, Filters: `nativeIdentity eq "n00000017"`},
	} {
		walked, err := db.listMachineAccounts(ctx, opt, false)
		must(t, err)
		first, err := db.listMachineAccounts(ctx, opt, true)
		must(t, err)
		if walked.Total != first.Total || len(walked.Items) != len(first.Items) {
			t.Fatalf("%+v: walked %d of %d, machines first %d of %d", opt, len(walked.Items), walked.Total,
				len(first.Items), first.Total)
		}
		for i := range walked.Items {
			if !reflect.DeepEqual(walked.Items[i], first.Items[i]) {
				t.Errorf("%+v: item %d walked %+v, machines first %+v", opt, i, walked.Items[i], first.Items[i])
			}
		}
		if opt.Count && walked.Total < 0 {
			t.Errorf("%+v: no count", opt)
		}
	}
	p, err := db.ListMachineAccounts(ctx, mica.ListOptions{Limit: 1000, Count: true})
	must(t, err)
	if p.Total != 300 || len(p.Items) != 300 {
		t.Errorf("%d of %d machine accounts, want 300 of 300", len(p.Items), p.Total)
	}
	for _, a := range p.Items {
		if !a.IsMachine || !strings.HasSuffix(a.NativeIdentity, "7") {
			t.Errorf("machine account %s (%s, machine %t)", a.ID, a.NativeIdentity, a.IsMachine)
		}
	}
	// 10 % machines among 3,000 accounts: walking to the first page costs
	// about 500 lookups, starting from the machines 300; a filter may walk
	// all 3,000.
	for _, tc := range []struct {
		opt  mica.ListOptions
		want bool
	}{
		{mica.ListOptions{Limit: 10}, false},
		{mica.ListOptions{Limit: 50}, true},
		{mica.ListOptions{Limit: 10, Offset: 200}, true},
		{mica.ListOptions{Limit: 10, Filters: `name sw "a"`}, true},
	} {
		first, err := db.machinesFirst(ctx, tc.opt)
		must(t, err)
		if first != tc.want {
			t.Errorf("%+v: machines first %t, want %t", tc.opt, first, tc.want)
		}
	}
}

// TestClassifiedReadPlans: reads of the machines first start from their
// partial index (migration 0017), and the review queue from the narrow
// table, not from a walk of every account.
func TestClassifiedReadPlans(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, _, _ := batchFixture(t, 3)
	for q, want := range map[string]string{
		`SELECT a.rid FROM classified_accounts_view a WHERE a.is_machine = 1 ORDER BY a.id LIMIT 50`: "SCAN c USING COVERING INDEX account_classifications_machine",
		recommendedCandidatesSQL + ` ORDER BY a.name, a.id`:                                          "SCAN c",
		`SELECT count(*) FROM account_classifications WHERE is_machine = 1`:                          "SCAN account_classifications USING COVERING INDEX account_classifications_machine",
	} {
		plan := queryPlan(ctx, t, db, q)
		if len(plan) == 0 || plan[0] != want {
			t.Errorf("%s:\nplan %q, want %q first", q, plan, want)
		}
	}
}

// queryPlan is the detail column of EXPLAIN QUERY PLAN of q on a read
// connection, step by step.
func queryPlan(ctx context.Context, t *testing.T, db *DB, q string, args ...any) []string {
	t.Helper()
	rows, err := db.read.QueryContext(ctx, `EXPLAIN QUERY PLAN `+q, args...)
	must(t, err)
	defer func() { _ = rows.Close() }()
	var plan []string
	for rows.Next() {
		var id, parent, unused int
		var detail string
		must(t, rows.Scan(&id, &parent, &unused, &detail))
		plan = append(plan, detail)
	}
	must(t, rows.Err())
	return plan
}
