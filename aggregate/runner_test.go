package aggregate_test

import (
	"context"
	"fmt"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/micahq/mica"
	"github.com/micahq/mica/aggregate"
	"github.com/micahq/mica/sqlite"
)

type fixture struct {
	t      *testing.T
	db     *sqlite.DB
	runner *aggregate.Runner
	owner  *mica.Identity
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	db, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "mica.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	owner := &mica.Identity{Name: "Ada Admin", Alias: "ada.admin", Levels: []string{mica.LevelOrgAdmin}}
	if err := db.CreateIdentity(context.Background(), owner); err != nil {
		t.Fatal(err)
	}
	return &fixture{t: t, db: db, runner: &aggregate.Runner{Store: db, BatchSize: 2}, owner: owner}
}

func (f *fixture) source(name string, authoritative bool, attrs map[string]any) *mica.Source {
	f.t.Helper()
	s := &mica.Source{Name: name, Owner: mica.Ref{ID: f.owner.ID}, Authoritative: authoritative, ConnectorAttributes: attrs}
	s.MakeDelimitedFile()
	if err := f.db.CreateSource(context.Background(), s); err != nil {
		f.t.Fatal(err)
	}
	return s
}

// load runs one file through a fresh aggregation and returns it as it ended.
func (f *fixture) load(src *mica.Source, csv string) (*mica.Aggregation, error) {
	f.t.Helper()
	agg := &mica.Aggregation{SourceID: src.ID, Launcher: "test"}
	if err := f.db.CreateAggregation(context.Background(), agg); err != nil {
		f.t.Fatal(err)
	}
	return f.runner.Run(context.Background(), agg, strings.NewReader(csv))
}

// accounts returns "nativeIdentity=name[identity]{attr=value,...}" for every account of src, sorted.
func (f *fixture) accounts(src *mica.Source) []string {
	f.t.Helper()
	var out []string
	err := f.db.EachAccount(context.Background(), mica.AccountFilter{SourceID: src.ID}, func(a *mica.Account) error {
		keys := make([]string, 0, len(a.Attributes))
		for k, v := range a.Attributes {
			keys = append(keys, k+"="+cellString(v))
		}
		sort.Strings(keys)
		out = append(out, a.NativeIdentity+"="+a.Name+"["+a.IdentityName+"]{"+strings.Join(keys, ",")+"}")
		return nil
	})
	if err != nil {
		f.t.Fatal(err)
	}
	return out
}

func cellString(v any) string {
	if l, ok := v.([]any); ok {
		parts := make([]string, len(l))
		for i, x := range l {
			parts[i] = x.(string)
		}
		return strings.Join(parts, "|")
	}
	return v.(string)
}

func eq(t *testing.T, got, want []string) {
	t.Helper()
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("accounts:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// TestAggregationAddChangeRemove loads two files: the second changes one
// account, keeps one, removes one and adds one.
func TestAggregationAddChangeRemove(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	src := f.source("Files", false, map[string]any{"mergeColumns": []any{"groups"}})
	agg, err := f.load(src, "id,name,groups\n1,svc-backup,Admins|Backup\n2,jdoe,\n3,old,x\n")
	if err != nil {
		t.Fatal(err)
	}
	if agg.Status != mica.AggCompleted || agg.CompletionStatus != mica.CompletionSuccess || agg.Stats.Added != 3 {
		t.Fatalf("first aggregation = %+v", agg)
	}
	eq(t, f.accounts(src), []string{"1=svc-backup[]{groups=Admins|Backup,id=1,name=svc-backup}",
		"2=jdoe[]{id=2,name=jdoe}", "3=old[]{groups=x,id=3,name=old}"})
	first, _ := f.db.ListAccounts(context.Background(), mica.AccountFilter{SourceID: src.ID},
		mica.ListOptions{Limit: 10, Filters: `nativeIdentity eq "2"`})
	agg, err = f.load(src, "id,name,groups\n1,svc-backup,Admins\n2,jdoe,\n4,new,y\n")
	if err != nil {
		t.Fatal(err)
	}
	want := mica.AggregationStats{Scanned: 3, Unchanged: 1, Changed: 1, Added: 1, Removed: 1}
	if agg.Stats != want || agg.TotalAccounts != 3 || agg.DeletedAccounts != 1 {
		t.Fatalf("second aggregation stats = %+v total %d deleted %d", agg.Stats, agg.TotalAccounts, agg.DeletedAccounts)
	}
	eq(t, f.accounts(src), []string{"1=svc-backup[]{groups=Admins,id=1,name=svc-backup}",
		"2=jdoe[]{id=2,name=jdoe}", "4=new[]{groups=y,id=4,name=new}"})
	again, _ := f.db.ListAccounts(context.Background(), mica.AccountFilter{SourceID: src.ID},
		mica.ListOptions{Limit: 10, Filters: `nativeIdentity eq "2"`})
	if again.Items[0].ID != first.Items[0].ID || !again.Items[0].Modified.Equal(first.Items[0].Modified) {
		t.Fatalf("unchanged account was rewritten: %+v vs %+v", again.Items[0], first.Items[0])
	}
}

// TestAggregationCorrelation: the default (account name = identity alias or
// name), a configured criterion, and an authoritative source creating identities.
func TestAggregationCorrelation(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	hr := f.source("HR", true, nil)
	if _, err := f.load(hr, "id,name,firstname,lastname,email,employeeNumber\n"+
		"e1,jane.doe,Jane,Doe,jane@example.com,1001\ne2,ADA.ADMIN,Ada,Admin,ada@example.com,1002\n"); err != nil {
		t.Fatal(err)
	}
	eq(t, f.accounts(hr), []string{
		"e1=jane.doe[Jane Doe]{email=jane@example.com,employeeNumber=1001,firstname=Jane,id=e1,lastname=Doe,name=jane.doe}",
		"e2=ADA.ADMIN[Ada Admin]{email=ada@example.com,employeeNumber=1002,firstname=Ada,id=e2,lastname=Admin,name=ADA.ADMIN}"})
	jane, err := f.db.FindIdentityByName(ctx, "jane.doe")
	if err != nil || jane.Name != "Jane Doe" || jane.Email != "jane@example.com" || jane.FirstName != "Jane" {
		t.Fatalf("created identity = %+v, %v", jane, err)
	}
	ada, _ := f.db.GetIdentity(ctx, f.owner.ID)
	if ada.Email != "ada@example.com" {
		t.Fatalf("authoritative account did not update the existing identity: %+v", ada)
	}

	ad := f.source("AD", false, nil)
	cfg := &mica.CorrelationConfig{SourceID: ad.ID, AttributeAssignments: []mica.CorrelationAssignment{
		{Property: "employeeNumber", Value: "empId", IgnoreCase: true}}}
	if err := f.db.PutCorrelationConfig(ctx, cfg); err != nil {
		t.Fatal(err)
	}
	agg, err := f.load(ad, "id,name,empId\nS-1,jdoe,1001\nS-2,Jane Doe,\nS-3,svc-sql,\nS-4,x,9999\n")
	if err != nil {
		t.Fatal(err)
	}
	eq(t, f.accounts(ad), []string{"S-1=jdoe[Jane Doe]{empId=1001,id=S-1,name=jdoe}",
		"S-2=Jane Doe[Jane Doe]{id=S-2,name=Jane Doe}", "S-3=svc-sql[]{id=S-3,name=svc-sql}",
		"S-4=x[]{empId=9999,id=S-4,name=x}"})
	if agg.TotalIdentities != 1 {
		t.Fatalf("identities = %d, want 1", agg.TotalIdentities)
	}
	page, _ := f.db.ListAccounts(ctx, mica.AccountFilter{SourceID: ad.ID}, mica.ListOptions{Limit: 10, Count: true,
		Filters: "uncorrelated eq true"})
	if page.Total != 2 {
		t.Fatalf("uncorrelated = %d, want 2", page.Total)
	}
	// Case-sensitive criterion: "JDOE2" does not match alias "jdoe2".
	if err := f.db.PutCorrelationConfig(ctx, &mica.CorrelationConfig{SourceID: ad.ID,
		AttributeAssignments: []mica.CorrelationAssignment{{Property: "email", Value: "mail", IgnoreCase: false}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.load(ad, "id,name,mail\nS-9,nobody,JANE@example.com\nS-8,nobody2,jane@example.com\n"); err != nil {
		t.Fatal(err)
	}
	eq(t, f.accounts(ad), []string{"S-8=nobody2[Jane Doe]{id=S-8,mail=jane@example.com,name=nobody2}",
		"S-9=nobody[]{id=S-9,mail=JANE@example.com,name=nobody}"})
}

// TestAggregationBadInput: every bad file ends the aggregation TERMINATED with
// an ERROR message naming the line, and the source keeps its accounts.
func TestAggregationBadInput(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	src := f.source("Files", false, map[string]any{"deleteThreshold": 0})
	good := "id,name\n1,a\n2,b\n3,c\n4,d\n5,e\n"
	if _, err := f.load(src, good); err != nil {
		t.Fatal(err)
	}
	before := f.accounts(src)
	cases := []struct{ name, csv, msg string }{
		{"empty", "", "the file is empty"},
		{"missing header", "1,a\n2,b\n", `line 1: the header has no column "id"`},
		{"ragged row", "id,name\n1,a\n2,b,extra\n3,c\n", "line 3: the row has 3 fields, the header has 2"},
		{"duplicate id", "id,name\n1,a\n2,b\n3,c\n4,d\n5,e\n6,f\n1,again\n", `line 8: duplicate account id "1" (first at line 2)`},
		{"invalid utf-8", "id,name\n1,a\n2,b\xff\n", `line 3: column "name" is not valid UTF-8`},
		{"empty id", "id,name\n1,a\n,b\n", `line 3: the account id column "id" is empty`},
		{"bare quote", "id,name\n1,a\"b\n", "line 2:"},
		{"duplicate header", "id,name,name\n1,a,b\n", `line 1: the header names column "name" twice`},
	}
	for _, c := range cases {
		agg, err := f.load(src, c.csv)
		if err == nil || !strings.Contains(mica.ErrorMessage(err), c.msg) {
			t.Fatalf("%s: error %v, want %q", c.name, err, c.msg)
		}
		if agg.Status != mica.AggTerminated || agg.CompletionStatus != mica.CompletionError ||
			len(agg.Messages) == 0 || !strings.Contains(agg.Messages[len(agg.Messages)-1].Text, c.msg) {
			t.Fatalf("%s: aggregation = %+v", c.name, agg)
		}
		eq(t, f.accounts(src), before)
	}
	// deleteThreshold: removing 4 of 5 (80%) is over a 50% threshold.
	if _, err := f.db.UpdateSource(context.Background(), src.ID, func(s *mica.Source) error {
		s.DeleteThreshold = 50
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.load(src, "id,name\n1,a\n"); err == nil || !strings.Contains(mica.ErrorMessage(err), "deleteThreshold") {
		t.Fatalf("delete threshold: %v", err)
	}
	eq(t, f.accounts(src), before)
	// A cap on the file size.
	f.runner.MaxFileBytes = 70000
	var big strings.Builder
	big.WriteString("id,name\n")
	for i := 0; i < 2000; i++ {
		fmt.Fprintf(&big, "x%d,zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz\n", i)
	}
	if _, err := f.load(src, big.String()); err == nil || !strings.Contains(mica.ErrorMessage(err), "larger than the cap") {
		t.Fatalf("size cap: %v", err)
	}
	eq(t, f.accounts(src), before)
}

// TestAggregationMergeRows: with mergeRows, adjacent rows of one account merge
// their mergeColumns; rows that are not adjacent are a duplicate.
func TestAggregationMergeRows(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	src := f.source("Files", false, map[string]any{"mergeRows": true, "mergeColumns": []any{"groups"},
		"indexColumn": "uid", "nameColumn": "login", "delimiter": ";"})
	if _, err := f.load(src, "uid;login;groups;title\n1;jdoe;Admins;Eng\n1;jdoe;Employee|Admins;\n2;svc;;\n"); err != nil {
		t.Fatal(err)
	}
	eq(t, f.accounts(src), []string{"1=jdoe[]{groups=Admins|Employee,login=jdoe,title=Eng,uid=1}", "2=svc[]{login=svc,uid=2}"})
	_, err := f.load(src, "uid;login\n1;a\n2;b\n1;a\n")
	if err == nil || !strings.Contains(mica.ErrorMessage(err), `line 4: duplicate account id "1" (first at line 2)`) {
		t.Fatalf("non-adjacent rows: %v", err)
	}
}
