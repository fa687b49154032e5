package storetest

import (
	"context"
	"fmt"
	"strconv"
	"testing"

	"github.com/micahq/mica"
	"github.com/micahq/mica/query"
)

// Source-app conformance cases. The assignment rule needs accounts and access
// profiles; the drivers' own tests cover it with fixtures, and the API tests end to end.

func newSourceApp(t *testing.T, s mica.Store, owner *mica.Identity, src *mica.Source, name string, mutate ...func(*mica.SourceApp)) *mica.SourceApp {
	t.Helper()
	a := &mica.SourceApp{Name: name, Description: name + " app", AppCenterEnabled: true,
		AccountSource: &mica.Ref{ID: src.ID}, Owner: &mica.Ref{ID: owner.ID}}
	for _, m := range mutate {
		m(a)
	}
	must(t, s.CreateSourceApp(context.Background(), a))
	return a
}

func testSourceApps(t *testing.T, s mica.Store) {
	ctx := context.Background()
	owner := newIdentity(t, s, "App Owner")
	src := newSource(t, s, owner, "AD")
	a := newSourceApp(t, s, owner, src, "Mail")
	if !mica.IsID(a.ID) || a.Created.IsZero() || !a.Created.Equal(a.Modified) {
		t.Fatalf("created app id=%q created=%v modified=%v", a.ID, a.Created, a.Modified)
	}
	got, err := s.GetSourceApp(ctx, a.ID)
	must(t, err)
	if got.Name != "Mail" || got.Description != "Mail app" || got.Enabled || got.ProvisionRequestEnabled ||
		got.MatchAllAccounts || !got.AppCenterEnabled || got.AccountSource == nil || got.AccountSource.ID != src.ID ||
		got.AccountSource.Name != "AD" || got.Owner == nil || got.Owner.Name != "App Owner" ||
		got.AccessProfiles == nil || len(got.AccessProfiles) != 0 || !got.Created.Equal(a.Created) {
		t.Fatalf("source app round trip: %+v", got)
	}
	if _, err := strconv.ParseInt(got.CloudAppID(), 10, 64); err != nil || got.CloudAppID() != a.CloudAppID() {
		t.Fatalf("cloudAppId %q is not a stable number", got.CloudAppID())
	}

	missing := mica.NewID()
	bad := []struct {
		name   string
		mutate func(*mica.SourceApp)
		want   error
	}{
		{"no source", func(a *mica.SourceApp) { a.AccountSource = nil }, mica.Errorf(mica.EMISSING, "accountSource.id is required")},
		{"unknown source", func(a *mica.SourceApp) { a.AccountSource = &mica.Ref{ID: missing} },
			mica.ErrRefNotFound("accountSource", mica.KindSource, missing)},
		{"unknown owner", func(a *mica.SourceApp) { a.Owner = &mica.Ref{ID: missing} },
			mica.ErrRefNotFound("owner", mica.KindIdentity, missing)},
		{"no owner", func(a *mica.SourceApp) { a.Owner = nil }, mica.Errorf(mica.EMISSING, "source app owner is required and cannot be null")},
		{"empty name", func(a *mica.SourceApp) { a.Name = " " }, mica.Errorf(mica.EMISSING, "source app name is required and cannot be empty")},
		{"empty description", func(a *mica.SourceApp) { a.Description = "" },
			mica.Errorf(mica.EMISSING, "source app description is required and cannot be empty")},
		{"unknown access profile", func(a *mica.SourceApp) { a.AccessProfiles = []string{missing} },
			mica.ErrRefNotFound("accessProfiles", mica.KindAccessProfile, missing)},
		{"duplicate id", func(a *mica.SourceApp) { a.ID = got.ID }, mica.ErrSourceAppExists(got.ID)},
	}
	for _, c := range bad {
		x := &mica.SourceApp{Name: "x", Description: "x", AccountSource: &mica.Ref{ID: src.ID}, Owner: &mica.Ref{ID: owner.ID}}
		c.mutate(x)
		if err := s.CreateSourceApp(ctx, x); mica.ErrorCode(err) != mica.ErrorCode(c.want) ||
			mica.ErrorMessage(err) != mica.ErrorMessage(c.want) {
			t.Fatalf("%s: error %v, want %v", c.name, err, c.want)
		}
	}
	p, err := s.ListSourceApps(ctx, mica.ListOptions{Limit: 250, Count: true})
	must(t, err)
	if p.Total != 1 {
		t.Fatalf("failed creates left %d apps", p.Total)
	}

	aps, err := s.ListSourceAppAccessProfiles(ctx, a.ID, mica.ListOptions{Limit: 250, Count: true})
	must(t, err)
	if aps.Total != 0 || len(aps.Items) != 0 {
		t.Fatalf("access profiles of a new app: %+v", aps)
	}
	_, err = s.ListSourceAppAccessProfiles(ctx, missing, mica.ListOptions{Limit: 250})
	mustErr(t, err, mica.ErrNotFound(mica.KindSourceApp, missing))
	mustErr(t, s.RemoveSourceAppAccessProfiles(ctx, missing, []string{"x"}), mica.ErrNotFound(mica.KindSourceApp, missing))
	must(t, s.RemoveSourceAppAccessProfiles(ctx, a.ID, []string{mica.NewID()})) // not linked: ignored

	// No accounts: nothing is assigned, there are no user apps.
	must(t, updateApp(t, s, a.ID, func(x *mica.SourceApp) { x.Enabled, x.MatchAllAccounts = true, true }))
	assigned, err := s.ListAssignedSourceApps(ctx, owner.ID, mica.ListOptions{Limit: 250, Count: true})
	must(t, err)
	if assigned.Total != 0 {
		t.Fatalf("assigned without an account: %d", assigned.Total)
	}
	uas, err := s.ListUserApps(ctx, "", mica.ListOptions{Limit: 250, Count: true})
	must(t, err)
	if uas.Total != 0 {
		t.Fatalf("user apps without accounts: %d", uas.Total)
	}
	userApp := mica.UserAppID(owner.ID, a.ID)
	_, err = s.GetUserApp(ctx, userApp)
	mustErr(t, err, mica.ErrNotFound(mica.KindUserApp, userApp))
	_, err = s.SetUserAppAccount(ctx, userApp, mica.NewID())
	mustErr(t, err, mica.ErrNotFound(mica.KindUserApp, userApp))
	_, err = s.ListUserAppAccounts(ctx, userApp, mica.ListOptions{Limit: 250})
	mustErr(t, err, mica.ErrNotFound(mica.KindUserApp, userApp))

	deleted, err := s.DeleteSourceApp(ctx, a.ID)
	must(t, err)
	if deleted.ID != a.ID || deleted.Name != "Mail" || !deleted.Enabled {
		t.Fatalf("deleted app: %+v", deleted)
	}
	_, err = s.GetSourceApp(ctx, a.ID)
	mustErr(t, err, mica.ErrNotFound(mica.KindSourceApp, a.ID))
	_, err = s.DeleteSourceApp(ctx, a.ID)
	mustErr(t, err, mica.ErrNotFound(mica.KindSourceApp, a.ID))
}

func updateApp(t *testing.T, s mica.Store, id string, fn func(*mica.SourceApp)) error {
	t.Helper()
	_, err := s.UpdateSourceApps(context.Background(), []string{id}, func(a *mica.SourceApp) error { fn(a); return nil })
	return err
}

func testSourceAppUpdate(t *testing.T, s mica.Store) {
	ctx := context.Background()
	owner := newIdentity(t, s, "owner")
	other := newIdentity(t, s, "other")
	src := newSource(t, s, owner, "AD")
	src2 := newSource(t, s, owner, "LDAP")
	a := newSourceApp(t, s, owner, src, "one")
	b := newSourceApp(t, s, owner, src, "two")

	out, err := s.UpdateSourceApps(ctx, []string{a.ID, b.ID}, func(x *mica.SourceApp) error {
		x.Enabled, x.ProvisionRequestEnabled, x.AppCenterEnabled = true, true, false
		x.Owner, x.AccountSource = &mica.Ref{ID: other.ID}, &mica.Ref{ID: src2.ID}
		x.ID, x.Created = "ignored", x.Created.AddDate(-1, 0, 0) // immutable
		return nil
	})
	must(t, err)
	if len(out) != 2 {
		t.Fatalf("updated %d apps", len(out))
	}
	for _, x := range []*mica.SourceApp{a, b} {
		got, err := s.GetSourceApp(ctx, x.ID)
		must(t, err)
		if !got.Enabled || !got.ProvisionRequestEnabled || got.AppCenterEnabled || got.Owner.Name != "other" ||
			got.AccountSource.Name != "LDAP" || !got.Created.Equal(x.Created) || got.Modified.Before(got.Created) { // same millisecond: equal
			t.Fatalf("after update: %+v", got)
		}
	}
	before, err := s.GetSourceApp(ctx, a.ID)
	must(t, err)
	// All or nothing: a missing id, a failing change or an invalid result changes nothing.
	missing := mica.NewID()
	ldapProfile := newAccessProfile(t, s, owner, src2, "LDAP users")
	failures := []struct {
		name string
		ids  []string
		fn   func(*mica.SourceApp) error
		want error
	}{
		{"missing id", []string{a.ID, missing}, func(x *mica.SourceApp) error { x.Name = "changed"; return nil },
			mica.ErrNotFound(mica.KindSourceApp, missing)},
		{"change fails", []string{a.ID, b.ID}, func(x *mica.SourceApp) error {
			if x.ID == b.ID {
				return mica.Errorf(mica.EILLEGAL, "no")
			}
			x.Name = "changed"
			return nil
		}, mica.Errorf(mica.EILLEGAL, "no")},
		{"empty name", []string{a.ID}, func(x *mica.SourceApp) error { x.Name = ""; return nil },
			mica.Errorf(mica.EMISSING, "source app name is required and cannot be empty")},
		{"null owner", []string{a.ID}, func(x *mica.SourceApp) error { x.Owner = nil; return nil },
			mica.Errorf(mica.EMISSING, "source app owner is required and cannot be null")},
		{"unknown owner", []string{a.ID}, func(x *mica.SourceApp) error { x.Owner = &mica.Ref{ID: missing}; return nil },
			mica.ErrRefNotFound("owner", mica.KindIdentity, missing)},
		{"unknown source", []string{a.ID}, func(x *mica.SourceApp) error { x.AccountSource = &mica.Ref{ID: "nope"}; return nil },
			mica.ErrRefNotFound("accountSource", mica.KindSource, "nope")},
		{"unknown access profile", []string{a.ID}, func(x *mica.SourceApp) error { x.AccessProfiles = []string{"nope"}; return nil },
			mica.ErrRefNotFound("accessProfiles", mica.KindAccessProfile, "nope")},
		{"profile of another source", []string{a.ID}, func(x *mica.SourceApp) error {
			x.AccountSource, x.AccessProfiles = &mica.Ref{ID: src.ID}, []string{ldapProfile.ID}
			return nil
		}, mica.Errorf(mica.EILLEGAL, "accessProfiles: access profile %q belongs to source %q, not to the app's accountSource %q",
			ldapProfile.ID, src2.ID, src.ID)},
		{"profiles without source", []string{a.ID}, func(x *mica.SourceApp) error {
			x.AccountSource, x.AccessProfiles = nil, []string{"nope"}
			return nil
		}, mica.Errorf(mica.EILLEGAL, "a source app without an accountSource cannot have access profiles")},
	}
	for _, f := range failures {
		_, err := s.UpdateSourceApps(ctx, f.ids, f.fn)
		if mica.ErrorCode(err) != mica.ErrorCode(f.want) || mica.ErrorMessage(err) != mica.ErrorMessage(f.want) {
			t.Fatalf("%s: error %v, want %v", f.name, err, f.want)
		}
		got, err := s.GetSourceApp(ctx, a.ID)
		must(t, err)
		if got.Name != before.Name || !got.Modified.Equal(before.Modified) || got.Owner.ID != before.Owner.ID {
			t.Fatalf("%s changed the app: %+v", f.name, got)
		}
	}
	// Detaching is allowed: accountSource null.
	must(t, updateApp(t, s, a.ID, func(x *mica.SourceApp) { x.AccountSource = nil }))
	got, err := s.GetSourceApp(ctx, a.ID)
	must(t, err)
	if got.AccountSource != nil {
		t.Fatalf("detached app still has source %+v", got.AccountSource)
	}
}

func testSourceAppList(t *testing.T, s mica.Store) {
	ctx := context.Background()
	owner := newIdentity(t, s, "owner")
	src := newSource(t, s, owner, "AD")
	flags := []struct {
		name                       string
		enabled, provision, center bool
	}{
		{"alpha", true, true, true}, {"Bravo", true, true, false}, {"charlie", true, false, true},
		{"delta", false, true, true}, {"Echo", true, true, true},
	}
	for _, f := range flags {
		f := f
		newSourceApp(t, s, owner, src, f.name, func(a *mica.SourceApp) {
			a.Enabled, a.ProvisionRequestEnabled, a.AppCenterEnabled = f.enabled, f.provision, f.center
		})
	}
	names := func(p mica.Page[*mica.SourceApp]) string {
		var out []string
		for _, a := range p.Items {
			out = append(out, a.Name)
		}
		return fmt.Sprint(out)
	}
	p, err := s.ListSourceApps(ctx, mica.ListOptions{Limit: 250, Count: true})
	must(t, err)
	if p.Total != 5 || names(p) != "[alpha Bravo charlie delta Echo]" {
		t.Fatalf("all: total %d %s", p.Total, names(p))
	}
	p, err = s.ListSourceApps(ctx, mica.ListOptions{Limit: 2, Offset: 1, Sorters: "-name", Filters: "enabled eq true", Count: true})
	must(t, err)
	if p.Total != 4 || names(p) != "[charlie Bravo]" {
		t.Fatalf("enabled page: total %d %s", p.Total, names(p))
	}
	p, err = s.ListAvailableSourceApps(ctx, mica.ListOptions{Limit: 250, Count: true})
	must(t, err)
	if p.Total != 2 || names(p) != "[alpha Echo]" {
		t.Fatalf("available: total %d %s", p.Total, names(p))
	}
	p, err = s.ListAvailableSourceApps(ctx, mica.ListOptions{Limit: 250, Filters: `name sw "e"`})
	must(t, err)
	if names(p) != "[Echo]" {
		t.Fatalf("available sw: %s", names(p))
	}
	_, err = s.ListAvailableSourceApps(ctx, mica.ListOptions{Limit: 250, Filters: "enabled eq true"})
	mustErr(t, err, queryErr(t, query.SourceAppsAvailable, "enabled eq true", "")) // enabled is a filter of listAll only
	_, err = s.ListAssignedSourceApps(ctx, owner.ID, mica.ListOptions{Limit: 250, Sorters: "owner.id"})
	mustErr(t, err, queryErr(t, query.SourceAppsAssigned, "", "owner.id")) // owner.id is not a sorter of listAssigned
	_, err = s.ListUserApps(ctx, owner.ID, mica.ListOptions{Limit: 250, Filters: `ownerId eq "x"`})
	mustErr(t, err, queryErr(t, query.UserApps, `ownerId eq "x"`, "")) // ownerId is a filter of listAll only
}

// testSourceAppSourceDeleted: deleting a source detaches its apps and unlinks
// its access profiles from them.
func testSourceAppSourceDeleted(t *testing.T, s mica.Store) {
	ctx := context.Background()
	owner := newIdentity(t, s, "owner")
	src := newSource(t, s, owner, "AD")
	ap := newAccessProfile(t, s, owner, src, "mail")
	a := newSourceApp(t, s, owner, src, "app", func(a *mica.SourceApp) {
		a.Enabled, a.MatchAllAccounts, a.AccessProfiles = true, true, []string{ap.ID}
	})
	must(t, s.DeleteSource(ctx, src.ID))
	got, err := s.GetSourceApp(ctx, a.ID)
	must(t, err)
	if got.AccountSource != nil || !got.Enabled || len(got.AccessProfiles) != 0 {
		t.Fatalf("app after its source was deleted: %+v", got)
	}
}

func newAccessProfile(t *testing.T, s mica.Store, owner *mica.Identity, src *mica.Source, name string) *mica.AccessProfile {
	t.Helper()
	ap := &mica.AccessProfile{Name: name, Owner: mica.Ref{ID: owner.ID}, Source: mica.Ref{ID: src.ID}, Requestable: true}
	must(t, s.CreateAccessProfile(context.Background(), ap))
	return ap
}

// testSourceAppAssignment: the assignment rule through the store's own identity-data methods.
func testSourceAppAssignment(t *testing.T, s mica.Store) {
	ctx := context.Background()
	admin := newIdentity(t, s, "admin")
	ann, bob := newIdentity(t, s, "ann"), newIdentity(t, s, "bob")
	ad, crm := newSource(t, s, admin, "AD"), newSource(t, s, admin, "CRM")
	mail, sales := newAccessProfile(t, s, admin, ad, "mail"), newAccessProfile(t, s, admin, crm, "sales")
	all := newSourceApp(t, s, admin, ad, "all-ad", func(a *mica.SourceApp) { a.Enabled, a.MatchAllAccounts = true, true })
	newSourceApp(t, s, admin, ad, "mail", func(a *mica.SourceApp) { a.Enabled, a.AccessProfiles = true, []string{mail.ID} })
	newSourceApp(t, s, admin, crm, "sales", func(a *mica.SourceApp) { a.Enabled, a.AccessProfiles = true, []string{sales.ID} })
	annAD, bobAD, bobCRM := &mica.Account{SourceID: ad.ID, NativeIdentity: "ann", Name: "ann", IdentityID: ann.ID},
		&mica.Account{SourceID: ad.ID, NativeIdentity: "bob", Name: "bob", IdentityID: bob.ID},
		&mica.Account{SourceID: crm.ID, NativeIdentity: "bob", Name: "bob", IdentityID: bob.ID}
	must(t, s.CreateAccounts(ctx, []*mica.Account{annAD, bobAD, bobCRM}))
	// A user app uses one of its owner's accounts on its app's source.
	bobAll := mica.UserAppID(bob.ID, all.ID)
	for _, other := range []*mica.Account{annAD, bobCRM} {
		_, err := s.SetUserAppAccount(ctx, bobAll, other.ID)
		mustErr(t, err, mica.Errorf(mica.EILLEGAL, "account: %q is not an account of identity %q on source %q", other.ID, bob.ID, ad.ID))
	}
	_, err := s.SetUserAppAccount(ctx, bobAll, "nope")
	mustErr(t, err, mica.ErrRefNotFound("account", mica.KindAccount, "nope"))
	u, err := s.SetUserAppAccount(ctx, bobAll, bobAD.ID)
	must(t, err)
	if u.Account == nil || u.Account.ID != bobAD.ID {
		t.Fatalf("user app after choosing an account: %+v", u)
	}
	sees := func(i *mica.Identity) string {
		t.Helper()
		p, err := s.ListAssignedSourceApps(ctx, i.ID, mica.ListOptions{Limit: 250, Sorters: "name", Count: true})
		must(t, err)
		u, err := s.ListUserApps(ctx, i.ID, mica.ListOptions{Limit: 250, Count: true})
		must(t, err)
		if u.Total != p.Total {
			t.Fatalf("%s: %d assigned apps but %d user apps", i.Name, p.Total, u.Total)
		}
		var out []string
		for _, a := range p.Items {
			out = append(out, a.Name)
		}
		return fmt.Sprint(out)
	}
	steps := []struct {
		name     string
		change   func()
		ann, bob string
	}{
		{"initial", func() {}, "[all-ad]", "[all-ad]"},
		{"grant mail to ann", func() { must(t, s.AssignAccessProfile(ctx, ann.ID, mail.ID)) }, "[all-ad mail]", "[all-ad]"},
		{"grant sales to bob", func() { must(t, s.AssignAccessProfile(ctx, bob.ID, sales.ID)) }, "[all-ad mail]", "[all-ad sales]"},
		{"sales to ann, who has no CRM account", func() { must(t, s.AssignAccessProfile(ctx, ann.ID, sales.ID)) }, "[all-ad mail]", "[all-ad sales]"},
		{"revoke mail", func() { must(t, s.UnassignAccessProfile(ctx, ann.ID, mail.ID)) }, "[all-ad]", "[all-ad sales]"},
		{"disable all-ad", func() { must(t, updateApp(t, s, all.ID, func(a *mica.SourceApp) { a.Enabled = false })) }, "[]", "[sales]"},
		{"delete CRM", func() { must(t, s.DeleteSource(ctx, crm.ID)) }, "[]", "[]"},
	}
	for _, st := range steps {
		st.change()
		if got := sees(ann); got != st.ann {
			t.Fatalf("%s: ann sees %s, want %s", st.name, got, st.ann)
		}
		if got := sees(bob); got != st.bob {
			t.Fatalf("%s: bob sees %s, want %s", st.name, got, st.bob)
		}
	}
}
