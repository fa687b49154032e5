package sqlite_test

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/micahq/mica"
	"github.com/micahq/mica/query"
	"github.com/micahq/mica/sqlite"
)

// appFixture is a store plus a direct connection to its file, to create the
// identity data (accounts, access profiles, grants) the Apps tests need with plain SQL.
type appFixture struct {
	t   *testing.T
	db  *sqlite.DB
	raw *sql.DB
	n   int
}

func newAppFixture(t *testing.T) *appFixture {
	t.Helper()
	db, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "mica.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	raw, err := sql.Open("sqlite", "file:"+db.Path()+"?_pragma=busy_timeout(10000)&_pragma=foreign_keys(1)")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = raw.Close() })
	return &appFixture{t: t, db: db, raw: raw}
}

func (f *appFixture) exec(q string, args ...any) {
	f.t.Helper()
	if _, err := f.raw.Exec(q, args...); err != nil {
		f.t.Fatalf("%s: %v", q, err)
	}
}

func (f *appFixture) now() string {
	f.n++
	return time.Date(2026, 1, 1, 0, 0, f.n, 0, time.UTC).Format(query.TimeLayout)
}

func (f *appFixture) identity(name string) *mica.Identity {
	f.t.Helper()
	i := &mica.Identity{Name: name, Alias: strings.ToLower(name)}
	if err := f.db.CreateIdentity(context.Background(), i); err != nil {
		f.t.Fatal(err)
	}
	return i
}

func (f *appFixture) source(name string, owner *mica.Identity) *mica.Source {
	f.t.Helper()
	s := &mica.Source{Name: name, Owner: mica.Ref{ID: owner.ID}, Connector: "x"}
	if err := f.db.CreateSource(context.Background(), s); err != nil {
		f.t.Fatal(err)
	}
	return s
}

// account inserts an account of ident on src and returns its id.
func (f *appFixture) account(ident *mica.Identity, src *mica.Source, name string) string {
	id := mica.NewID()
	now := f.now()
	f.exec(`INSERT INTO accounts (id, source_id, source_name, native_identity, name, identity_id, uncorrelated, created, modified)
		VALUES (?, ?, ?, ?, ?, ?, 0, ?, ?)`, id, src.ID, src.Name, "CN="+name, name, ident.ID, now, now)
	return id
}

func (f *appFixture) accessProfile(src *mica.Source, name string) string {
	id := mica.NewID()
	now := f.now()
	f.exec(`INSERT INTO access_profiles (id, name, owner_id, source_id, source_name, enabled, entitlements, created, modified)
		VALUES (?, ?, ?, ?, ?, 1, ?, ?, ?)`, id, name, src.Owner.ID, src.ID, src.Name,
		`[{"type":"ENTITLEMENT","id":"e1","name":"E1"},{"type":"ENTITLEMENT","id":"e2","name":"E2"}]`, now, now)
	return id
}

func (f *appFixture) grant(ident *mica.Identity, ap string) {
	f.exec(`INSERT INTO identity_access_profiles (identity_id, access_profile_id, created) VALUES (?, ?, ?)`, ident.ID, ap, f.now())
}

func (f *appFixture) revoke(ident *mica.Identity, ap string) {
	f.exec(`DELETE FROM identity_access_profiles WHERE identity_id = ? AND access_profile_id = ?`, ident.ID, ap)
}

func (f *appFixture) app(name string, src *mica.Source, matchAll bool, aps ...string) *mica.SourceApp {
	f.t.Helper()
	a := &mica.SourceApp{Name: name, Description: name, Enabled: true, ProvisionRequestEnabled: true, AppCenterEnabled: true,
		MatchAllAccounts: matchAll, AccountSource: &mica.Ref{ID: src.ID}, Owner: &mica.Ref{ID: src.Owner.ID}, AccessProfiles: aps}
	if err := f.db.CreateSourceApp(context.Background(), a); err != nil {
		f.t.Fatal(err)
	}
	return a
}

func (f *appFixture) update(id string, fn func(a *mica.SourceApp)) {
	f.t.Helper()
	if _, err := f.db.UpdateSourceApps(context.Background(), []string{id}, func(a *mica.SourceApp) error {
		fn(a)
		return nil
	}); err != nil {
		f.t.Fatal(err)
	}
}

// assigned is the sorted names of the apps assigned to ident.
func (f *appFixture) assigned(ident *mica.Identity) string {
	f.t.Helper()
	p, err := f.db.ListAssignedSourceApps(context.Background(), ident.ID, mica.ListOptions{Limit: 250, Count: true})
	if err != nil {
		f.t.Fatal(err)
	}
	var names []string
	for _, a := range p.Items {
		names = append(names, a.Name)
	}
	if p.Total != len(names) {
		f.t.Fatalf("total %d != %d items", p.Total, len(names))
	}
	// The user apps are exactly the assigned apps.
	u, err := f.db.ListUserApps(context.Background(), ident.ID, mica.ListOptions{Limit: 250})
	if err != nil {
		f.t.Fatal(err)
	}
	var uaNames []string
	for _, x := range u.Items {
		uaNames = append(uaNames, x.SourceApp.Name)
		if x.ID != mica.UserAppID(ident.ID, x.SourceApp.ID) || x.Owner.ID != ident.ID {
			f.t.Fatalf("user app %s: id or owner wrong: %+v", x.ID, x)
		}
	}
	sort.Strings(names)
	sort.Strings(uaNames)
	if fmt.Sprint(names) != fmt.Sprint(uaNames) {
		f.t.Fatalf("assigned %v but user apps %v", names, uaNames)
	}
	return strings.Join(names, ",")
}

func TestAppAssignmentRule(t *testing.T) {
	t.Parallel()
	f := newAppFixture(t)
	admin := f.identity("Admin")
	ann, bob := f.identity("Ann"), f.identity("Bob")
	ad, crm := f.source("AD", admin), f.source("CRM", admin)
	apMail, apVPN, apSales := f.accessProfile(ad, "mail"), f.accessProfile(ad, "vpn"), f.accessProfile(crm, "sales")
	f.app("all-ad", ad, true)
	f.app("mail", ad, false, apMail)
	vpn := f.app("vpn", ad, false, apVPN)
	f.app("sales", crm, false, apSales)
	annAD := f.account(ann, ad, "ann")
	f.account(bob, ad, "bob")
	f.account(bob, crm, "bob")
	f.grant(ann, apMail)
	f.grant(bob, apSales)

	steps := []struct {
		name     string
		change   func()
		ann, bob string
	}{
		{"initial", func() {}, "all-ad,mail", "all-ad,sales"},
		{"grant vpn to ann", func() { f.grant(ann, apVPN) }, "all-ad,mail,vpn", "all-ad,sales"},
		{"revoke mail from ann", func() { f.revoke(ann, apMail) }, "all-ad,vpn", "all-ad,sales"},
		{"disable vpn", func() { f.update(vpn.ID, func(a *mica.SourceApp) { a.Enabled = false }) }, "all-ad", "all-ad,sales"},
		{"enable vpn, match all", func() {
			f.update(vpn.ID, func(a *mica.SourceApp) { a.Enabled, a.MatchAllAccounts = true, true })
		}, "all-ad,vpn", "all-ad,sales,vpn"},
		{"match all off", func() { f.update(vpn.ID, func(a *mica.SourceApp) { a.MatchAllAccounts = false }) }, "all-ad,vpn", "all-ad,sales"},
		{"vpn without profiles", func() { f.update(vpn.ID, func(a *mica.SourceApp) { a.AccessProfiles = nil }) }, "all-ad", "all-ad,sales"},
		{"remove ann's account", func() { f.exec(`DELETE FROM accounts WHERE id = ?`, annAD) }, "", "all-ad,sales"},
		{"holding a profile is not enough without an account", func() { f.grant(ann, apSales) }, "", "all-ad,sales"},
		{"delete the sales profile", func() { f.exec(`DELETE FROM access_profiles WHERE id = ?`, apSales) }, "", "all-ad"},
		{"delete the AD source", func() { f.exec(`DELETE FROM sources WHERE id = ?`, ad.ID) }, "", ""},
	}
	for _, s := range steps {
		s.change()
		if got := f.assigned(ann); got != s.ann {
			t.Fatalf("%s: ann sees %q, want %q", s.name, got, s.ann)
		}
		if got := f.assigned(bob); got != s.bob {
			t.Fatalf("%s: bob sees %q, want %q", s.name, got, s.bob)
		}
	}
	// Deleting the source detached its apps (and its access profiles left them).
	all, err := f.db.ListSourceApps(context.Background(), mica.ListOptions{Limit: 250, Filters: `name eq "mail"`})
	if err != nil || len(all.Items) != 1 {
		t.Fatalf("mail app: %v %v", all, err)
	}
	mail, err := f.db.GetSourceApp(context.Background(), all.Items[0].ID)
	if err != nil || mail.AccountSource != nil || len(mail.AccessProfiles) != 0 {
		t.Fatalf("mail after its source was deleted: %+v %v", mail, err)
	}
}

func TestUserApps(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newAppFixture(t)
	admin := f.identity("Admin")
	ann, bob := f.identity("Ann"), f.identity("Bob")
	ad, crm := f.source("AD", admin), f.source("CRM", admin)
	ap := f.accessProfile(ad, "mail")
	app := f.app("mail", ad, false, ap)
	other := f.app("crm", crm, true)
	ann1 := f.account(ann, ad, "ann-1")
	ann2 := f.account(ann, ad, "ann-0") // created later, sorts first by name
	annCRM := f.account(ann, crm, "ann-crm")
	bob1 := f.account(bob, ad, "bob")
	f.grant(ann, ap)
	f.grant(bob, ap)

	id := mica.UserAppID(ann.ID, app.ID)
	u, err := f.db.GetUserApp(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if u.ID != id || u.Account == nil || u.Account.ID != ann1 || !u.HasMultipleAccounts || u.Owner.Alias != "ann" ||
		u.Source.ID != ad.ID || u.Source.Name != "AD" || u.SourceApp.Name != "mail" || u.Created.Before(app.Created) {
		t.Fatalf("user app: %+v", u)
	}
	if err := u.Validate(); err != nil {
		t.Fatal(err)
	}
	// The account may be changed only to one of the owner's accounts on the app's source.
	for _, c := range []struct {
		account, code string
	}{{bob1, mica.EILLEGAL}, {annCRM, mica.EILLEGAL}, {mica.NewID(), mica.EREFNOTFOUND}} {
		if _, err := f.db.SetUserAppAccount(ctx, id, c.account); mica.ErrorCode(err) != c.code {
			t.Fatalf("set account %s: %v, want %s", c.account, err, c.code)
		}
	}
	u2, err := f.db.SetUserAppAccount(ctx, id, ann2)
	if err != nil || u2.Account.ID != ann2 || u2.Account.Name != "ann-0" || u2.Modified.Before(u.Modified) {
		t.Fatalf("set account: %+v %v", u2, err)
	}
	accts, err := f.db.ListUserAppAccounts(ctx, id, mica.ListOptions{Limit: 1, Count: true})
	if err != nil || accts.Total != 2 || len(accts.Items) != 1 || accts.Items[0].AccountID != ann2 ||
		accts.Items[0].SourceName != "AD" || accts.Items[0].AppID != app.ID || accts.Items[0].NativeIdentity != "CN=ann-0" {
		t.Fatalf("available accounts: %+v %v", accts, err)
	}
	// Removing the chosen account falls back to the first remaining one.
	f.exec(`DELETE FROM accounts WHERE id = ?`, ann2)
	if u, err = f.db.GetUserApp(ctx, id); err != nil || u.Account.ID != ann1 || u.HasMultipleAccounts {
		t.Fatalf("after the chosen account was deleted: %+v %v", u, err)
	}

	// listAll filters.
	for _, c := range []struct {
		filter string
		want   int
	}{
		{`ownerId eq "` + ann.ID + `"`, 2},
		{`sourceAppId eq "` + app.ID + `"`, 2},
		{`sourceAppId eq "` + other.ID + `"`, 1},
		{`accountId eq "` + bob1 + `"`, 1},
		{`ownerAlias sw "b"`, 1},
		{`ownerName eq "ANN"`, 2},
		{`id eq "` + id + `"`, 1},
	} {
		p, err := f.db.ListUserApps(ctx, "", mica.ListOptions{Limit: 250, Filters: c.filter, Count: true})
		if err != nil || p.Total != c.want || len(p.Items) != c.want {
			t.Fatalf("%s: %+v %v, want %d", c.filter, p, err, c.want)
		}
	}
	p, err := f.db.ListUserApps(ctx, bob.ID, mica.ListOptions{Limit: 250, Count: true})
	if err != nil || p.Total != 1 || p.Items[0].Account.ID != bob1 || p.Items[0].HasMultipleAccounts {
		t.Fatalf("bob's user apps: %+v %v", p, err)
	}
	// Access profiles of the app, in the AccessProfileDetails data.
	aps, err := f.db.ListSourceAppAccessProfiles(ctx, app.ID, mica.ListOptions{Limit: 250, Count: true})
	if err != nil || aps.Total != 1 || aps.Items[0].ID != ap || aps.Items[0].SourceName != "AD" ||
		fmt.Sprint(aps.Items[0].Entitlements) != "[e1 e2]" || aps.Items[0].AppName != "mail" || !aps.Items[0].Enabled {
		t.Fatalf("app access profiles: %+v %v", aps, err)
	}
	if err := f.db.RemoveSourceAppAccessProfiles(ctx, app.ID, []string{ap}); err != nil {
		t.Fatal(err)
	}
	if got, _ := f.db.GetSourceApp(ctx, app.ID); len(got.AccessProfiles) != 0 || !got.Modified.After(app.Modified) {
		t.Fatalf("after bulk remove: %+v", got)
	}
	if _, err := f.db.GetUserApp(ctx, id); mica.ErrorCode(err) != mica.ENOTFOUND {
		t.Fatalf("user app of an unassigned app: %v", err)
	}
}
