package sqlite_test

import (
	"context"
	"fmt"
	"math/rand"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/micahq/mica"
)

// TestAssignedCacheMatchesSQL builds a random tenant and compares the cached
// answer of GET /source-apps/assigned with the SQL one for random identities,
// filters, sorters and pages, then changes the data in every way that moves
// an assignment (through the store and through another connection, as another
// process would) and compares again: the cache must answer, and answer exactly
// what SQL answers, at every step.
func TestAssignedCacheMatchesSQL(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	rng := rand.New(rand.NewSource(7))
	f := newAppFixture(t)
	admin := f.identity("Admin")
	var people []*mica.Identity
	for i := 0; i < 12; i++ {
		people = append(people, f.identity(fmt.Sprintf("P%02d", i)))
	}
	var sources []*mica.Source
	var profiles [][]string
	for i := 0; i < 4; i++ {
		src := f.source(fmt.Sprintf("S%d", i), admin)
		sources = append(sources, src)
		var aps []string
		for k := 0; k < 3; k++ {
			aps = append(aps, f.accessProfile(src, fmt.Sprintf("ap%d%d", i, k)))
		}
		profiles = append(profiles, aps)
	}
	for _, p := range people {
		for i, src := range sources {
			if rng.Intn(3) > 0 {
				f.account(p, src, fmt.Sprintf("%s-%d", p.Name, i))
			}
			for _, ap := range profiles[i] {
				if rng.Intn(3) == 0 {
					f.grant(p, ap)
				}
			}
		}
	}
	newcomer := f.identity("Newcomer") // no accounts until a step gives them some
	people = append(people, newcomer)
	names := []string{"Mail", "mail", "VPN", "vpn-EU", "Payroll", "pay", "CRM", "crm_x", "Zeta", "a%b"}
	var apps []*mica.SourceApp
	newApp := func() {
		i := rng.Intn(len(sources))
		var aps []string
		for _, ap := range profiles[i] {
			if rng.Intn(2) == 0 {
				aps = append(aps, ap)
			}
		}
		a := f.app(names[rng.Intn(len(names))], sources[i], rng.Intn(3) == 0, aps...)
		apps = append(apps, a)
	}
	for i := 0; i < 120; i++ {
		newApp()
	}
	filters := func() string {
		a := apps[rng.Intn(len(apps))]
		tm := a.Created.Add(time.Duration(rng.Intn(3)-1) * time.Microsecond)
		if rng.Intn(4) == 0 {
			tm = tm.Add(500 * time.Nanosecond) // finer than stored
		}
		conds := []string{
			fmt.Sprintf(`name sw %q`, strings.ToUpper(names[rng.Intn(len(names))][:2])),
			fmt.Sprintf(`name co %q`, names[rng.Intn(len(names))][1:3]),
			fmt.Sprintf(`name eq %q`, names[rng.Intn(len(names))]),
			fmt.Sprintf(`name in (%q, %q)`, names[rng.Intn(len(names))], strings.ToLower(names[rng.Intn(len(names))])),
			fmt.Sprintf(`created gt %s`, tm.Format(time.RFC3339Nano)),
			fmt.Sprintf(`modified le %s`, tm.Format(time.RFC3339Nano)),
			fmt.Sprintf(`accountSource.id eq %q`, sources[rng.Intn(len(sources))].ID),
			fmt.Sprintf(`id in (%q, %q)`, a.ID, apps[rng.Intn(len(apps))].ID),
		}
		switch rng.Intn(5) {
		case 0:
			return ""
		case 1, 2:
			return conds[rng.Intn(len(conds))]
		case 3:
			return fmt.Sprintf("%s or not (%s)", conds[rng.Intn(len(conds))], conds[rng.Intn(len(conds))])
		}
		return fmt.Sprintf("(%s) and %s", conds[rng.Intn(len(conds))], conds[rng.Intn(len(conds))])
	}
	sorters := []string{"", "name", "-name", "created", "-modified", "accountSource.id,-name", "id", "-id", "name,-created"}
	compare := func(step string) {
		t.Helper()
		for q := 0; q < 150; q++ {
			ident := people[rng.Intn(len(people))].ID
			opt := mica.ListOptions{Filters: filters(), Sorters: sorters[rng.Intn(len(sorters))],
				Limit: []int{0, 1, 7, 50, 250}[rng.Intn(5)], Offset: []int{0, 0, 3, 20}[rng.Intn(4)], Count: rng.Intn(2) == 0}
			want, werr := f.db.ListAssignedSQL(ctx, ident, opt)
			got, ok, gerr := f.db.ListAssignedCached(ctx, ident, opt)
			if !ok {
				t.Fatalf("%s: the cache did not answer %+v", step, opt)
			}
			if fmt.Sprint(werr) != fmt.Sprint(gerr) {
				t.Fatalf("%s: %+v: error %v, SQL says %v", step, opt, gerr, werr)
			}
			if !got.Shared || want.Shared {
				t.Fatalf("%s: the cache's page is not shared, or SQL's is", step)
			}
			if len(got.Kept) != len(got.Items) {
				t.Fatalf("%s: the cache's page has %d JSON slots for %d items", step, len(got.Kept), len(got.Items))
			}
			got.Shared, got.Kept = false, nil
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("%s: %+v:\n got %d items, total %d: %v\nwant %d items, total %d: %v", step, opt,
					len(got.Items), got.Total, appNames(got.Items), len(want.Items), want.Total, appNames(want.Items))
			}
		}
	}
	compare("initial")
	for _, bad := range []mica.ListOptions{{Filters: `owner.id eq "x"`}, {Sorters: "bogus"}, {Filters: `name eq`}} {
		_, werr := f.db.ListAssignedSQL(ctx, people[0].ID, bad)
		_, _, gerr := f.db.ListAssignedCached(ctx, people[0].ID, bad)
		if werr == nil || mica.ErrorCode(gerr) != mica.ErrorCode(werr) || gerr.Error() != werr.Error() {
			t.Fatalf("%+v: cache error %v, SQL error %v", bad, gerr, werr)
		}
	}
	p := people[0]
	steps := []struct {
		name   string
		change func()
	}{
		{"new apps", func() { newApp(); newApp() }},
		{"disable an app", func() { f.update(apps[3].ID, func(a *mica.SourceApp) { a.Enabled = false }) }},
		{"rename an app", func() { f.update(apps[5].ID, func(a *mica.SourceApp) { a.Name = "renamed" }) }},
		{"match all", func() { f.update(apps[7].ID, func(a *mica.SourceApp) { a.MatchAllAccounts = true }) }},
		{"grant through the store", func() {
			if err := f.db.AssignAccessProfile(ctx, p.ID, profiles[1][0]); err != nil && mica.ErrorCode(err) != mica.ECONFLICT {
				t.Fatal(err)
			}
		}},
		{"revoke in another connection", func() { f.revoke(p, profiles[1][0]) }},
		{"new accounts in another connection", func() {
			for _, src := range sources {
				f.account(newcomer, src, "newcomer")
			}
		}},
		{"delete accounts in another connection", func() { f.exec(`DELETE FROM accounts WHERE identity_id = ?`, people[1].ID) }},
		{"delete an app", func() {
			if _, err := f.db.DeleteSourceApp(ctx, apps[9].ID); err != nil {
				t.Fatal(err)
			}
		}},
		{"delete a source", func() { f.exec(`DELETE FROM sources WHERE id = ?`, sources[2].ID) }},
	}
	for _, s := range steps {
		s.change()
		compare(s.name)
	}
}

func appNames(apps []*mica.SourceApp) string {
	var b strings.Builder
	for _, a := range apps {
		fmt.Fprintf(&b, "%s/%s ", a.Name, a.ID[:6])
	}
	return b.String()
}
