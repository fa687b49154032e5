// Package storetest is the conformance suite every mica.Store implementation
// passes: call Run from the implementation's test with a constructor of fresh,
// empty stores.
package storetest

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/micahq/mica"
	"github.com/micahq/mica/query"
)

// NewStore returns a fresh, empty store for one test; the suite closes it.
type NewStore func(t *testing.T) mica.Store

// Run runs the whole conformance suite.
func Run(t *testing.T, newStore NewStore) {
	tests := []struct {
		name string
		fn   func(t *testing.T, s mica.Store)
	}{
		{"Settings", testSettings},
		{"Identities", testIdentities},
		{"IdentityList", testIdentityList},
		{"Clients", testClients},
		{"ClientPATLimits", testClientPATLimits},
		{"ClientCascade", testClientCascade},
		{"ClientConcurrentUpdates", testClientConcurrentUpdates},
		{"Sources", testSources},
		{"SourceList", testSourceList},
		{"ConcurrentWrites", testConcurrentWrites},
		{"Accounts", testAccounts},
		{"AccessProfiles", testAccessProfiles},
		{"CorrelationConfig", testCorrelationConfig},
		{"CorrelationRule", testCorrelationRule},
		{"SourceUpdate", testSourceUpdate},
		{"SourceConcurrentUpdates", testSourceConcurrentUpdates},
		{"SourceDeleteCascade", testSourceDeleteCascade},
		{"AggregationRollback", testAggregationRollback},
		{"AggregationLeases", testAggregationLeases},
		{"SourceApps", testSourceApps},
		{"SourceAppUpdate", testSourceAppUpdate},
		{"SourceAppList", testSourceAppList},
		{"SourceAppSourceDeleted", testSourceAppSourceDeleted},
		{"SourceAppAssignment", testSourceAppAssignment},
		{"AssignmentRule", testAssignmentRule},
		{"ClassificationConfig", testClassificationConfig},
		{"ClassifyAccounts", testClassifyAccounts},
		{"DiscoveryContext", testDiscoveryContext},
		{"ClassificationJob", testClassificationJob},
		{"ClassificationJobConcurrent", testClassificationJobConcurrent},
		{"UpdateMachineAccount", testUpdateMachineAccount},
		{"Subtypes", testSubtypes},
		{"MachineIdentities", testMachineIdentities},
		{"Mappings", testMappings},
		{"MachineAccountRequests", testMachineAccountRequests},
		{"LifecycleActions", testLifecycleActions},
		{"MISConcurrent", testMISConcurrent},
		{"Snapshots", testSnapshots},
		{"CountAccountsBySource", testCountAccountsBySource},
		{"Triage", testTriage},
		{"AggregationPreviewAndGuard", testAggregationPreviewAndGuard},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := newStore(t)
			t.Cleanup(func() { _ = s.Close() })
			tc.fn(t, s)
		})
	}
}

// queryErr is the answer the query package gives a list of res with filters
// and sorters that it refuses (a field or operator not allowed there).
func queryErr(t *testing.T, res *query.Resource, filters, sorters string) error {
	t.Helper()
	_, err := res.Compile(query.SQLite, filters, sorters, 0)
	if err == nil {
		t.Fatalf("filters %q and sorters %q are allowed", filters, sorters)
	}
	return err
}

// mustErr checks that err is the domain error want: the same code and the same
// client-facing message, so that every store answers alike.
func mustErr(t *testing.T, err, want error) {
	t.Helper()
	if want == nil {
		t.Fatalf("error = %v, and the test expects none: use must", err)
	}
	if mica.ErrorCode(err) != mica.ErrorCode(want) || mica.ErrorMessage(err) != mica.ErrorMessage(want) {
		t.Fatalf("error = %v, want %v", err, want)
	}
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func testSettings(t *testing.T, s mica.Store) {
	ctx := context.Background()
	_, err := s.GetSetting(ctx, "missing")
	mustErr(t, err, mica.ErrNotFound(mica.KindSetting, "missing"))
	must(t, s.SetSetting(ctx, "k", "v1"))
	must(t, s.SetSetting(ctx, "k", "v2"))
	v, err := s.GetSetting(ctx, "k")
	must(t, err)
	if v != "v2" {
		t.Fatalf("setting = %q, want v2", v)
	}
}

func newIdentity(t *testing.T, s mica.Store, name string, levels ...string) *mica.Identity {
	t.Helper()
	i := &mica.Identity{Name: name, Alias: name, Email: name + "@example.com", Levels: levels,
		Attributes: map[string]any{"department": "Engineering"}}
	must(t, s.CreateIdentity(context.Background(), i))
	return i
}

func testIdentities(t *testing.T, s mica.Store) {
	ctx := context.Background()
	i := newIdentity(t, s, "Ada Lovelace", mica.LevelOrgAdmin)
	if !mica.IsID(i.ID) || i.Created.IsZero() {
		t.Fatalf("created identity id=%q created=%v", i.ID, i.Created)
	}
	got, err := s.GetIdentity(ctx, i.ID)
	must(t, err)
	if got.Name != "Ada Lovelace" || got.Email != "Ada Lovelace@example.com" || !got.HasLevel(mica.LevelOrgAdmin) ||
		got.Attributes["department"] != "Engineering" || !got.Created.Equal(i.Created) {
		t.Fatalf("identity round trip: %+v", got)
	}
	byName, err := s.FindIdentityByName(ctx, "ada lovelace")
	must(t, err)
	if byName.ID != i.ID {
		t.Fatalf("find by name = %s, want %s", byName.ID, i.ID)
	}
	missing := mica.NewID()
	_, err = s.GetIdentity(ctx, missing)
	mustErr(t, err, mica.ErrNotFound(mica.KindIdentity, missing))
	_, err = s.FindIdentityByName(ctx, "nobody")
	mustErr(t, err, mica.ErrNotFound(mica.KindIdentity, "nobody"))
	mustErr(t, s.CreateIdentity(ctx, &mica.Identity{}), mica.Errorf(mica.EMISSING, "identity name is required"))
	mustErr(t, s.CreateIdentity(ctx, &mica.Identity{Name: "x", Levels: []string{"KING"}}),
		mica.Errorf(mica.EILLEGAL, "unknown user level %q", "KING"))
	mustErr(t, s.CreateIdentity(ctx, &mica.Identity{ID: i.ID, Name: "again"}), mica.ErrIdentityExists(i.ID))
	u := newIdentity(t, s, "plain")
	if len(u.Levels) != 1 || u.Levels[0] != mica.LevelUser {
		t.Fatalf("default levels = %v, want [USER]", u.Levels)
	}
	newIdentity(t, s, "Twin")
	newIdentity(t, s, "twin")
	_, err = s.FindIdentityByName(ctx, "TWIN")
	mustErr(t, err, mica.Errorf(mica.ECONFLICT, "more than one identity is named %q; use its id", "TWIN"))
}

func testIdentityList(t *testing.T, s mica.Store) {
	ctx := context.Background()
	for i := 0; i < 7; i++ {
		newIdentity(t, s, fmt.Sprintf("person-%02d", i))
	}
	p, err := s.ListIdentities(ctx, mica.ListOptions{Limit: 3, Offset: 2, Count: true, Sorters: "-name"})
	must(t, err)
	if p.Total != 7 || len(p.Items) != 3 || p.Items[0].Name != "person-04" || p.Items[2].Name != "person-02" {
		t.Fatalf("page total=%d items=%d first=%v", p.Total, len(p.Items), p.Items)
	}
	p, err = s.ListIdentities(ctx, mica.ListOptions{Limit: 250, Filters: `name sw "PERSON-0" and alias eq "person-05"`})
	must(t, err)
	if p.Total != -1 || len(p.Items) != 1 || p.Items[0].Name != "person-05" {
		t.Fatalf("filtered page total=%d items=%v", p.Total, p.Items)
	}
	_, err = s.ListIdentities(ctx, mica.ListOptions{Limit: 10, Filters: `nope eq "x"`})
	mustErr(t, err, queryErr(t, query.Identities, `nope eq "x"`, ""))
}

func newClient(ident *mica.Identity, name string) *mica.Client {
	c := &mica.Client{ID: fmt.Sprintf("%08x-0000-4000-8000-%012x", time.Now().UnixNano()&0xffffffff, time.Now().UnixNano()),
		Kind: mica.ClientAPI, Name: name, SecretHash: "$2a$hash", Scopes: []string{"sp:scopes:all"}, Enabled: true}
	if ident != nil {
		c.Kind, c.IdentityID = mica.ClientPAT, ident.ID
	}
	return c
}

func testClients(t *testing.T, s mica.Store) {
	ctx := context.Background()
	ident := newIdentity(t, s, "owner")
	c := newClient(ident, "ci")
	// Times are kept at mica.TimePrecision, cut (not rounded) the same way by every store.
	exp := time.Date(2030, 1, 2, 3, 4, 5, 999999999, time.UTC)
	c.ExpiresAt, c.AccessTokenSeconds = &exp, 900
	must(t, s.CreateClient(ctx, c))
	got, err := s.GetClient(ctx, c.ID)
	must(t, err)
	if got.Name != "ci" || got.IdentityID != ident.ID || got.Kind != mica.ClientPAT || got.SecretHash != "$2a$hash" ||
		!got.ExpiresAt.Equal(time.Date(2030, 1, 2, 3, 4, 5, 999000000, time.UTC)) || got.AccessTokenSeconds != 900 || !got.Enabled || got.LastUsed != nil {
		t.Fatalf("client round trip: %+v", got)
	}
	upd, err := s.UpdateClient(ctx, c.ID, func(c *mica.Client) error {
		c.Name, c.Scopes = "renamed", []string{"idn:sources:read"}
		c.ID, c.IdentityID, c.SecretHash, c.Created = "changed", "changed", "changed", time.Time{} // fixed: kept
		return nil
	})
	must(t, err)
	got2, err := s.GetClient(ctx, c.ID)
	must(t, err)
	if got2.Name != "renamed" || len(got2.Scopes) != 1 || got2.IdentityID != ident.ID || got2.SecretHash != "$2a$hash" ||
		!got2.Created.Equal(got.Created) || upd.ID != c.ID || upd.Name != "renamed" || !upd.Created.Equal(got.Created) {
		t.Fatalf("update: stored %+v, returned %+v", got2, upd)
	}
	_, err = s.UpdateClient(ctx, c.ID, func(c *mica.Client) error { return mica.Errorf(mica.EILLEGAL, "no") })
	mustErr(t, err, mica.Errorf(mica.EILLEGAL, "no"))
	_, err = s.UpdateClient(ctx, "nope", func(c *mica.Client) error { return nil })
	mustErr(t, err, mica.ErrNotFound(mica.KindClient, "nope"))
	now := mica.TimeNow()
	must(t, s.TouchClient(ctx, c.ID, now))
	must(t, s.TouchClient(ctx, c.ID, now.Add(time.Hour))) // within a day: not recorded again
	got3, _ := s.GetClient(ctx, c.ID)
	if got3.LastUsed == nil || !got3.LastUsed.Equal(now) {
		t.Fatalf("lastUsed = %v, want %v", got3.LastUsed, now)
	}
	api := newClient(nil, "api")
	must(t, s.CreateClient(ctx, api))
	all, err := s.ListClients(ctx, "")
	must(t, err)
	if len(all) != 2 {
		t.Fatalf("list all = %d, want 2", len(all))
	}
	pats, err := s.ListPATs(ctx, ident.ID, false, mica.ListOptions{Limit: 250, Count: true})
	must(t, err)
	if pats.Total != 1 || pats.Items[0].ID != c.ID {
		t.Fatalf("list PATs = %+v", pats)
	}
	pats, err = s.ListPATs(ctx, "", false, mica.ListOptions{Limit: 250, Filters: "lastUsed isnull"})
	must(t, err)
	if len(pats.Items) != 0 {
		t.Fatalf("lastUsed isnull matched %d", len(pats.Items))
	}
	must(t, s.DeleteClient(ctx, c.ID))
	_, err = s.GetClient(ctx, c.ID)
	mustErr(t, err, mica.ErrNotFound(mica.KindClient, c.ID))
	mustErr(t, s.DeleteClient(ctx, c.ID), mica.ErrNotFound(mica.KindClient, c.ID))
}

func testClientPATLimits(t *testing.T, s mica.Store) {
	ctx := context.Background()
	ident := newIdentity(t, s, "busy")
	for i := 0; i < mica.MaxPATsPerIdentity; i++ {
		c := newClient(ident, fmt.Sprintf("pat-%d", i))
		c.ID = fmt.Sprintf("00000000-0000-4000-8000-%012d", i)
		must(t, s.CreateClient(ctx, c))
	}
	c := newClient(ident, "one too many")
	mustErr(t, s.CreateClient(ctx, c), mica.Errorf(mica.EILLEGAL, "an identity can have at most 10 personal access tokens"))
	other := newIdentity(t, s, "other")
	dup := newClient(other, "same")
	must(t, s.CreateClient(ctx, dup))
	dup2 := newClient(other, "same")
	dup2.ID = "11111111-0000-4000-8000-000000000000"
	taken := mica.Errorf(mica.ECONFLICT, `a personal access token named "same" already exists for this owner`)
	mustErr(t, s.CreateClient(ctx, dup2), taken)
	dup2.Name = "different"
	must(t, s.CreateClient(ctx, dup2))
	_, err := s.UpdateClient(ctx, dup2.ID, func(c *mica.Client) error { c.Name = "same"; return nil })
	mustErr(t, err, taken)
	dup3 := newClient(other, "third")
	dup3.ID = dup2.ID
	mustErr(t, s.CreateClient(ctx, dup3), mica.ErrClientExists(dup2.ID))
}

// testClientConcurrentUpdates changes one token from many goroutines at once,
// each adding its own scope: every update reads what the others wrote, so all
// of them land (no lost update).
func testClientConcurrentUpdates(t *testing.T, s mica.Store) {
	ctx := context.Background()
	c := newClient(newIdentity(t, s, "owner"), "shared")
	c.Scopes = []string{}
	must(t, s.CreateClient(ctx, c))
	const n = 8
	concurrently(t, n, func(i int) error {
		_, err := s.UpdateClient(ctx, c.ID, func(c *mica.Client) error {
			c.Scopes = append(c.Scopes, fmt.Sprintf("scope-%d", i))
			return nil
		})
		return err
	})
	got, err := s.GetClient(ctx, c.ID)
	must(t, err)
	if len(got.Scopes) != n {
		t.Fatalf("after %d concurrent updates the scopes are %v: updates were lost", n, got.Scopes)
	}
}

func testClientCascade(t *testing.T, s mica.Store) {
	// Deleting a client leaves its identity; a client cannot reference a missing identity.
	ctx := context.Background()
	c := newClient(&mica.Identity{ID: mica.NewID()}, "ghost")
	mustErr(t, s.CreateClient(ctx, c), mica.ErrRefNotFound("", mica.KindIdentity, c.IdentityID))
}

func newSource(t *testing.T, s mica.Store, owner *mica.Identity, name string) *mica.Source {
	t.Helper()
	src := &mica.Source{Name: name, Owner: mica.Ref{ID: owner.ID}, Connector: "active-directory",
		Type: "Active Directory - Direct", Features: []string{"PROVISIONING", "SEARCH"},
		ConnectorAttributes: map[string]any{"host": "dc1"}}
	must(t, s.CreateSource(context.Background(), src))
	return src
}

func testSources(t *testing.T, s mica.Store) {
	ctx := context.Background()
	owner := newIdentity(t, s, "Source Owner")
	src := newSource(t, s, owner, "Active Directory")
	got, err := s.GetSource(ctx, src.ID)
	must(t, err)
	if got.Name != "Active Directory" || got.Owner.Name != "Source Owner" || got.Owner.Type != "IDENTITY" ||
		len(got.Features) != 2 || got.ConnectorAttributes["host"] != "dc1" || got.Status != "SOURCE_STATE_HEALTHY" {
		t.Fatalf("source round trip: %+v", got)
	}
	byName, err := s.FindSourceByName(ctx, "active directory")
	must(t, err)
	if byName.ID != src.ID {
		t.Fatal("find source by name")
	}
	mustErr(t, s.CreateSource(ctx, &mica.Source{Name: "ACTIVE DIRECTORY", Owner: mica.Ref{ID: owner.ID}, Connector: "x"}),
		mica.ErrSourceNameTaken("ACTIVE DIRECTORY"))
	missing := mica.NewID()
	mustErr(t, s.CreateSource(ctx, &mica.Source{Name: "n", Owner: mica.Ref{ID: missing}, Connector: "x"}),
		mica.ErrRefNotFound("", mica.KindOwner, missing))
	mustErr(t, s.CreateSource(ctx, &mica.Source{Owner: mica.Ref{ID: owner.ID}, Connector: "x"}),
		mica.Errorf(mica.EMISSING, "source name is required"))
	_, err = s.GetSource(ctx, missing)
	mustErr(t, err, mica.ErrNotFound(mica.KindSource, missing))
	_, err = s.FindSourceByName(ctx, "nothing")
	mustErr(t, err, mica.ErrNotFound(mica.KindSource, "nothing"))
}

func testSourceList(t *testing.T, s mica.Store) {
	ctx := context.Background()
	owner := newIdentity(t, s, "owner")
	for _, n := range []string{"Zeta", "alpha", "Beta", "gamma_1", "gamma%2"} {
		newSource(t, s, owner, n)
	}
	p, err := s.ListSources(ctx, mica.ListOptions{Limit: 250, Sorters: "name", Count: true})
	must(t, err)
	var names []string
	for _, x := range p.Items {
		names = append(names, x.Name)
	}
	if fmt.Sprint(names) != "[alpha Beta gamma%2 gamma_1 Zeta]" || p.Total != 5 {
		t.Fatalf("sorted names = %v total=%d", names, p.Total)
	}
	p, err = s.ListSources(ctx, mica.ListOptions{Limit: 250, Filters: `name co "a_"`})
	must(t, err)
	if len(p.Items) != 1 || p.Items[0].Name != "gamma_1" {
		t.Fatalf("co with _ matched %v", p.Items)
	}
	p, err = s.ListSources(ctx, mica.ListOptions{Limit: 2, Offset: 5, Count: true})
	must(t, err)
	if len(p.Items) != 0 || p.Total != 5 {
		t.Fatalf("offset at end: %d items total %d", len(p.Items), p.Total)
	}
}

func testConcurrentWrites(t *testing.T, s mica.Store) {
	ctx := context.Background()
	var wg sync.WaitGroup
	errs := make(chan error, 40)
	for i := 0; i < 40; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			errs <- s.CreateIdentity(ctx, &mica.Identity{Name: fmt.Sprintf("c%02d", i)})
		}(i)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		must(t, err)
	}
	p, err := s.ListIdentities(ctx, mica.ListOptions{Limit: 250, Count: true})
	must(t, err)
	if p.Total != 40 {
		t.Fatalf("after concurrent creates total = %d, want 40", p.Total)
	}
}

// concurrently runs fn(0) to fn(n-1) at once and fails t on any error.
func concurrently(t *testing.T, n int, fn func(i int) error) {
	t.Helper()
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs <- fn(i)
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		must(t, err)
	}
}
