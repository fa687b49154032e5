package storetest

import (
	"context"
	"fmt"
	"math/rand"
	"slices"
	"testing"

	"github.com/micahq/mica"
)

// testAssignmentRule checks the store's assignment SQL against its definition,
// mica.SourceApp.AssignedTo: on a random tenant, and after each of a series of
// random changes, every identity's assigned apps (ListAssignedSourceApps) and
// user apps (ListUserApps) are exactly those the Go rule assigns it.
func testAssignmentRule(t *testing.T, s mica.Store) {
	ctx := context.Background()
	rng := rand.New(rand.NewSource(18))
	admin := newIdentity(t, s, "admin")
	var people []*mica.Identity
	for i := 0; i < 10; i++ {
		people = append(people, newIdentity(t, s, fmt.Sprintf("person-%02d", i)))
	}
	var sources []*mica.Source
	profiles := map[string][]string{} // source id: its access profiles
	for i := 0; i < 4; i++ {
		src := newSource(t, s, admin, fmt.Sprintf("S%d", i))
		sources = append(sources, src)
		for k := 0; k < 3; k++ {
			profiles[src.ID] = append(profiles[src.ID], newAccessProfile(t, s, admin, src, fmt.Sprintf("ap-%d-%d", i, k)).ID)
		}
	}
	// The model: who has accounts where, who holds what, and the apps.
	hasAccount := map[string]map[string]bool{}
	holds := map[string]map[string]bool{}
	for _, p := range people {
		hasAccount[p.ID], holds[p.ID] = map[string]bool{}, map[string]bool{}
	}
	accounts := 0
	addAccount := func(p *mica.Identity, src *mica.Source) {
		accounts++
		must(t, s.CreateAccounts(ctx, []*mica.Account{{SourceID: src.ID, NativeIdentity: fmt.Sprintf("acct-%d", accounts),
			Name: fmt.Sprintf("acct-%d", accounts), IdentityID: p.ID}}))
		hasAccount[p.ID][src.ID] = true
	}
	grant := func(p *mica.Identity, ap string) {
		must(t, s.AssignAccessProfile(ctx, p.ID, ap))
		holds[p.ID][ap] = true
	}
	for _, p := range people {
		for _, src := range sources {
			if rng.Intn(2) == 0 {
				addAccount(p, src)
			}
			for _, ap := range profiles[src.ID] {
				if rng.Intn(3) == 0 {
					grant(p, ap)
				}
			}
		}
	}
	someProfiles := func(sourceID string) []string {
		out := []string{}
		for _, ap := range profiles[sourceID] {
			if rng.Intn(2) == 0 {
				out = append(out, ap)
			}
		}
		return out
	}
	apps := map[string]*mica.SourceApp{}
	newApp := func() {
		src := sources[rng.Intn(len(sources))]
		a := newSourceApp(t, s, admin, src, fmt.Sprintf("app-%d", len(apps)), func(a *mica.SourceApp) {
			a.Enabled, a.MatchAllAccounts, a.AccessProfiles = rng.Intn(4) > 0, rng.Intn(4) == 0, someProfiles(src.ID)
		})
		apps[a.ID] = a
	}
	for i := 0; i < 40; i++ {
		newApp()
	}
	update := func(a *mica.SourceApp, fn func(*mica.SourceApp)) {
		out, err := s.UpdateSourceApps(ctx, []string{a.ID}, func(x *mica.SourceApp) error { fn(x); return nil })
		must(t, err)
		apps[a.ID] = out[0]
	}
	anyApp := func() *mica.SourceApp {
		ids := make([]string, 0, len(apps))
		for id := range apps {
			ids = append(ids, id)
		}
		slices.Sort(ids)
		return apps[ids[rng.Intn(len(ids))]]
	}
	compare := func(step string) {
		t.Helper()
		for _, p := range people {
			var want []string
			for id, a := range apps {
				if a.AssignedTo(func(src string) bool { return hasAccount[p.ID][src] }, func(ap string) bool { return holds[p.ID][ap] }) {
					want = append(want, id)
				}
			}
			slices.Sort(want)
			assigned, err := s.ListAssignedSourceApps(ctx, p.ID, mica.ListOptions{Limit: 250, Count: true})
			must(t, err)
			users, err := s.ListUserApps(ctx, p.ID, mica.ListOptions{Limit: 250, Count: true})
			must(t, err)
			var gotAssigned, gotUser []string
			for _, a := range assigned.Items {
				gotAssigned = append(gotAssigned, a.ID)
			}
			for _, u := range users.Items {
				gotUser = append(gotUser, u.SourceApp.ID)
			}
			slices.Sort(gotAssigned)
			slices.Sort(gotUser)
			if !slices.Equal(gotAssigned, want) || assigned.Total != len(want) {
				t.Fatalf("%s: %s is assigned %v (total %d), the rule assigns %v", step, p.Name, gotAssigned, assigned.Total, want)
			}
			if !slices.Equal(gotUser, want) || users.Total != len(want) {
				t.Fatalf("%s: %s has user apps of %v (total %d), the rule assigns %v", step, p.Name, gotUser, users.Total, want)
			}
		}
	}
	compare("initial")
	person := func() *mica.Identity { return people[rng.Intn(len(people))] }
	changes := []struct {
		name string
		fn   func()
	}{
		{"grant", func() {
			src := sources[rng.Intn(len(sources))]
			grant(person(), profiles[src.ID][rng.Intn(len(profiles[src.ID]))])
		}},
		{"revoke", func() {
			p := person()
			for ap := range holds[p.ID] {
				must(t, s.UnassignAccessProfile(ctx, p.ID, ap))
				delete(holds[p.ID], ap)
				return
			}
		}},
		{"account", func() { addAccount(person(), sources[rng.Intn(len(sources))]) }},
		{"toggle enabled", func() { update(anyApp(), func(x *mica.SourceApp) { x.Enabled = !x.Enabled }) }},
		{"toggle matchAllAccounts", func() { update(anyApp(), func(x *mica.SourceApp) { x.MatchAllAccounts = !x.MatchAllAccounts }) }},
		{"new access profiles", func() {
			update(anyApp(), func(x *mica.SourceApp) {
				if x.AccountSource != nil {
					x.AccessProfiles = someProfiles(x.AccountSource.ID)
				}
			})
		}},
		{"move to another source", func() {
			src := sources[rng.Intn(len(sources))]
			update(anyApp(), func(x *mica.SourceApp) {
				x.AccountSource, x.AccessProfiles = &mica.Ref{ID: src.ID}, someProfiles(src.ID)
			})
		}},
		{"detach", func() { update(anyApp(), func(x *mica.SourceApp) { x.AccountSource, x.AccessProfiles = nil, nil }) }},
		{"new app", newApp},
		{"delete app", func() {
			a := anyApp()
			_, err := s.DeleteSourceApp(ctx, a.ID)
			must(t, err)
			delete(apps, a.ID)
		}},
	}
	for i := 0; i < 60; i++ {
		c := changes[rng.Intn(len(changes))]
		c.fn()
		compare(fmt.Sprintf("change %d (%s)", i, c.name))
	}
	// Deleting a source removes its accounts and access profiles and detaches its apps.
	gone := sources[0]
	must(t, s.DeleteSource(ctx, gone.ID))
	for _, p := range people {
		delete(hasAccount[p.ID], gone.ID)
		for _, ap := range profiles[gone.ID] {
			delete(holds[p.ID], ap)
		}
	}
	for id, a := range apps {
		if a.AccountSource != nil && a.AccountSource.ID == gone.ID {
			got, err := s.GetSourceApp(ctx, id)
			must(t, err)
			apps[id] = got
		}
	}
	compare("source deleted")
}
