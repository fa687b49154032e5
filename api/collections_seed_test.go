package api_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/micahq/mica"
	"github.com/micahq/mica/api"
	"github.com/micahq/mica/internal/pgtest"
	"github.com/micahq/mica/oauth"
	"github.com/micahq/mica/postgres"
	"github.com/micahq/mica/sqlite"
)

// stepClock is the stores' clock while a tenant is seeded: every reading is
// 1.234567 ms after the last, so stored times have digits below the millisecond
// that the API does not show (the precision defect of issue 22 shows on them).
type stepClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *stepClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(1234567 * time.Nanosecond)
	return c.t
}

// collStore opens one kind of store for the collections test, its clock set.
type collStore struct {
	name string
	open func(t *testing.T, now func() time.Time) mica.Store
}

var collStores = []collStore{
	{"sqlite", func(t *testing.T, now func() time.Time) mica.Store {
		db, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "mica.db"))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = db.Close() })
		db.Now = now
		return db
	}},
	{"postgres", func(t *testing.T, now func() time.Time) mica.Store {
		db, err := postgres.Open(context.Background(), pgtest.DSN(t))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = db.Close() })
		db.Now = now
		return db
	}},
}

// collTenant is a small seeded tenant served by the real API on a random port.
type collTenant struct {
	store      mica.Store
	srv        *httptest.Server
	api        *api.Server
	client     *http.Client
	token      string
	admin      *mica.Identity
	identities map[string]*mica.Identity
	appWithAPs string // a source app with several access profiles
	// subtypeSource is a source with subtypes.
	subtypeSource string
}

// newCollTenant seeds a tenant on store and serves it. Everything is created
// through the store's interface, so both stores get the same data; times come
// from the step clock.
func newCollTenant(t *testing.T, cs collStore) *collTenant {
	t.Helper()
	ctx := context.Background()
	clock := &stepClock{t: time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)}
	store := cs.open(t, clock.Now)
	ct := &collTenant{store: store, identities: map[string]*mica.Identity{}}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}

	// Identities: names that differ in case and sort order, some fields left empty.
	idents := []*mica.Identity{
		{Name: "Ada Admin", Alias: "ada.admin", FirstName: "Ada", LastName: "Admin", Email: "ada@example.com",
			Levels: []string{mica.LevelOrgAdmin}, CloudStatus: "ACTIVE"},
		{Name: "bob builder", Alias: "bob", FirstName: "Bob", LastName: "Builder", Email: "bob@example.com",
			CloudStatus: "INACTIVE", Protected: true},
		{Name: "Carol Chen", Alias: "c.chen", FirstName: "Carol", LastName: "Chen", Status: "DISABLED"},
		{Name: "Dan O'Neil", Alias: "dan", LastName: "O'Neil", Email: "DAN@example.com", CloudStatus: "ACTIVE"},
		{Name: "Eve \"the\" Auditor", Alias: "eve", FirstName: "Eve", Levels: []string{mica.LevelHelpdesk}},
		{Name: "frank", Alias: "Frank", Status: "LOCKED", Protected: true},
	}
	for _, i := range idents {
		must(store.CreateIdentity(ctx, i))
		ct.identities[i.ID] = i
	}
	ct.admin = idents[0]

	// Sources: every filterable column takes a few values, some null or empty.
	cat := func(s string) *string { return &s }
	srcs := []*mica.Source{
		{Name: "Active Directory", Description: "Corp AD", Owner: mica.Ref{ID: idents[0].ID}, Type: "Active Directory - Direct",
			Connector: "active-directory", Authoritative: true, Features: []string{"AUTHENTICATE", "PROVISIONING"},
			ConnectorName: "Active Directory", ConnectionType: "direct", Category: cat("directory")},
		{Name: "cloud apps", Description: "Azure tenant", Owner: mica.Ref{ID: idents[1].ID}, Type: "Azure Active Directory",
			Connector: "azure-active-directory", Features: []string{"PROVISIONING", "SYNC_PROVISIONING"},
			ConnectorName: "Azure AD", ConnectionType: "direct", Status: "SOURCE_STATE_ERROR_SOURCE",
			ManagementWorkgroup: &mica.Ref{Type: "GOVERNANCE_GROUP", ID: "2c9180837ca6693d017ca8d097500149", Name: "Cloud team"}},
		{Name: "Legacy LDAP", Owner: mica.Ref{ID: idents[2].ID}, Type: "OpenLDAP - Direct", Connector: "openldap",
			ConnectorName: "OpenLDAP", ConnectionType: "direct", Category: cat("ldap")},
		{Name: "Service Accounts", Description: "Machine accounts", Owner: mica.Ref{ID: idents[0].ID},
			Connector: "delimited-file-angularsc"},
	}
	srcs[3].MakeDelimitedFile()
	for _, s := range srcs {
		must(store.CreateSource(ctx, s))
	}
	for _, s := range srcs[:2] {
		must(store.PutCorrelationConfig(ctx, &mica.CorrelationConfig{SourceID: s.ID,
			AttributeAssignments: []mica.CorrelationAssignment{{Property: "uid", Value: "sAMAccountName", Operation: "EQ"}}}))
	}

	// Accounts, in batches (an account batch shares one creation time).
	type acct struct {
		src     int
		name    string
		ident   int // -1: uncorrelated
		machine bool
	}
	batches := [][]acct{
		{{0, "ada", 0, false}, {0, "bob", 1, false}, {0, "svc-backup", -1, true}, {0, "Carol", 2, false}},
		{{1, "ada@corp.example", 0, false}, {1, "app-billing", 3, true}, {1, "dan@corp.example", 3, false}},
		{{2, "uid=frank", 5, false}, {2, "uid=ada", 0, false}, {2, "cn=replicator", -1, true}},
		{{3, "svc_deploy", -1, true}, {3, "svc_reports", 1, true}, {3, "bot-ci", -1, true}, {3, "eve", 4, false}},
	}
	var machines []*mica.Account
	n := 0
	for _, b := range batches {
		var accounts []*mica.Account
		for _, a := range b {
			n++
			acc := &mica.Account{SourceID: srcs[a.src].ID, NativeIdentity: "CN=" + a.name, Name: a.name,
				IsMachine: a.machine, HasEntitlements: n%3 == 0, Disabled: n%4 == 0, Locked: n%5 == 0,
				ManuallyCorrelated: n%6 == 1, Attributes: map[string]any{"n": n}}
			if a.ident >= 0 {
				acc.IdentityID = idents[a.ident].ID
			}
			if n%2 == 0 {
				acc.UUID = "{" + mica.NewID() + "}"
			}
			if n%5 == 2 {
				acc.Origin = "PROVISIONED"
			}
			if a.machine {
				acc.ClassificationMethod = mica.MethodCriteria
			}
			switch n % 4 {
			case 1:
				acc.Recommendation = &mica.Recommendation{Type: "MACHINE", Method: "DISCOVERY"}
			case 2:
				acc.Recommendation = &mica.Recommendation{Type: "HUMAN", Method: "CRITERIA"}
			}
			accounts = append(accounts, acc)
		}
		must(store.CreateAccounts(ctx, accounts))
		for _, a := range accounts {
			if a.IsMachine {
				machines = append(machines, a)
			}
		}
	}
	// Machine-account fields, each with a few values and some left empty. A
	// subtype names one of the source's subtypes (technical names match
	// case-insensitively); their display names are their technical names, so
	// subtype.displayName filters as the body's subtype shows.
	subtyped := map[string]bool{}
	for _, m := range machines {
		if subtyped[m.SourceID] {
			continue
		}
		subtyped[m.SourceID] = true
		for _, name := range []string{"service", "bot"} {
			must(store.CreateSubtype(ctx, &mica.Subtype{SourceID: m.SourceID, TechnicalName: name, DisplayName: name,
				Description: name + " accounts"}))
		}
	}
	for i, m := range machines {
		_, err := store.UpdateMachineAccount(ctx, m.ID, func(a *mica.Account) error {
			a.Environment = []string{"production", "test", "", "Production"}[i%4]
			a.Subtype = []string{"service", "", "bot", "Service"}[i%4]
			a.AccessType = []string{"direct", "", "delegated"}[i%3]
			a.Description = []string{"", "Nightly backups", "billing app", "CI bot"}[i%4]
			if i%3 == 0 {
				a.OwnerIdentity = &mica.Ref{Type: "IDENTITY", ID: idents[i%len(idents)].ID}
			}
			switch i % 3 {
			case 0:
				a.MachineAttributes = map[string]any{"app": "billing", "tier": float64(1)}
			case 1:
				a.MachineAttributes = map[string]any{"app": "ci"}
			}
			return nil
		})
		must(err)
	}

	// Access profiles, one per creation time; the admin holds some of them.
	type prof struct {
		src   int
		name  string
		owner int
	}
	var aps []*mica.AccessProfile
	for _, p := range []prof{{0, "AD Users", 0}, {0, "ad admins", 1}, {0, "AD Helpdesk", 2},
		{1, "Cloud Readers", 1}, {1, "Cloud Writers", 3}, {2, "LDAP Users", 2}} {
		ap := &mica.AccessProfile{Name: p.name, Description: "Access to " + p.name, Owner: mica.Ref{ID: idents[p.owner].ID},
			Source: mica.Ref{ID: srcs[p.src].ID}, Enabled: true, Requestable: true, // mica refuses false (no Request Center)
			Entitlements: []mica.Ref{{Type: "ENTITLEMENT", ID: mica.NewID(), Name: "CN=" + p.name}}}
		must(store.CreateAccessProfile(ctx, ap))
		aps = append(aps, ap)
	}
	for _, g := range [][2]int{{0, 0}, {0, 3}, {0, 5}, {1, 1}, {3, 3}, {3, 4}, {5, 5}, {2, 2}} {
		must(store.AssignAccessProfile(ctx, idents[g[0]].ID, aps[g[1]].ID))
	}

	// Source apps over those profiles.
	type app struct {
		name    string
		src     int
		owner   int
		enabled bool
		aps     []int
	}
	for i, a := range []app{{"Corporate Directory", 0, 0, true, []int{0, 1, 2}}, {"cloud console", 1, 1, true, []int{3, 4}},
		{"Directory Admin", 0, 2, false, []int{1}}, {"LDAP Browser", 2, 0, true, []int{5}}, {"Reports", 3, 3, true, nil}} {
		sa := &mica.SourceApp{Name: a.name, Description: "The " + a.name + " app", Enabled: a.enabled,
			ProvisionRequestEnabled: i != 1, AppCenterEnabled: true, AccountSource: &mica.Ref{ID: srcs[a.src].ID},
			Owner: &mica.Ref{ID: idents[a.owner].ID}}
		for _, k := range a.aps {
			sa.AccessProfiles = append(sa.AccessProfiles, aps[k].ID)
		}
		must(store.CreateSourceApp(ctx, sa))
		if i == 0 {
			ct.appWithAPs = sa.ID
		}
	}

	// Machine identity security: subtypes on two sources (above, for the machine
	// accounts), machine identities with at most one secondary owner and one
	// user entitlement each (the checker reads those lists as one value), and
	// lifecycle actions the admin submitted.
	ct.subtypeSource = srcs[0].ID
	for _, name := range []string{"Gmsa", "vm"} {
		must(store.CreateSubtype(ctx, &mica.Subtype{SourceID: srcs[0].ID, TechnicalName: name, DisplayName: name + " kind",
			Description: name + " accounts"}))
	}
	type mident struct {
		name, subtype, ba, native string
		src, owner, second, ap    int // -1: none
	}
	for _, m := range []mident{{"Payroll bot", "AI_AGENT", "Payroll", "CN=svc-backup", 0, 0, 1, 0},
		{"billing app", "Application", "billing", "CN=app-billing", 1, 3, -1, 3},
		{"Replicator", "AI_AGENT", "", "CN=replicator", 2, 2, 4, -1}, {"orphan", "Service", "Ops", "", -1, -1, -1, -1}} {
		mi := &mica.MachineIdentity{Name: m.name, Subtype: m.subtype, BusinessApplication: m.ba, NativeIdentity: m.native,
			Attributes: map[string]any{"tier": m.subtype}}
		if m.src >= 0 {
			mi.SourceID = srcs[m.src].ID
		}
		if m.owner >= 0 {
			mi.PrimaryOwner = &mica.Ref{ID: idents[m.owner].ID}
		}
		if m.second >= 0 {
			mi.SecondaryOwners = []mica.Ref{{ID: idents[m.second].ID}}
		}
		if m.ap >= 0 {
			mi.UserEntitlements = []mica.MachineIdentityEntitlement{{EntitlementID: aps[m.ap].Entitlements[0].ID,
				SourceID: aps[m.ap].Source.ID}}
		}
		must(store.CreateMachineIdentity(ctx, mi))
		if m.subtype == "AI_AGENT" {
			for _, action := range []string{mica.LifecycleDeactivate, mica.LifecycleActivate} {
				must(store.SubmitLifecycleAction(ctx, &mica.LifecycleAction{Action: action, TargetID: mi.ID, TargetName: mi.Name,
					TargetType: mi.Subtype, SourceID: mi.SourceID, RequestedBy: mica.Ref{Type: "IDENTITY", ID: idents[0].ID}}))
			}
		}
	}

	// Personal access tokens: some used (at seeded times), some never.
	newPAT := func(owner *mica.Identity, name string, scopes ...string) (string, string) {
		secret := oauth.NewSecret()
		hash, err := oauth.HashSecret(secret)
		must(err)
		c := &mica.Client{ID: oauth.NewClientID(), Kind: mica.ClientPAT, Name: name, IdentityID: owner.ID,
			Scopes: scopes, SecretHash: hash, Enabled: true}
		must(store.CreateClient(ctx, c))
		return c.ID, secret
	}
	for i, p := range []struct {
		owner int
		name  string
		used  bool
	}{{0, "ci pipeline", true}, {0, "Backup script", false}, {1, "bob's laptop", true}, {3, "reporting", true}, {3, "old", false}} {
		id, _ := newPAT(idents[p.owner], p.name, "sp:scopes:all")
		if p.used {
			must(store.TouchClient(ctx, id, clock.Now().Add(time.Duration(i)*time.Hour)))
		}
	}

	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	must(err)
	signer, err := oauth.NewSigner(key)
	must(err)
	cfg := api.DefaultConfig()
	cfg.TenantID, cfg.RateLimit = mica.NewID(), 0
	ct.api = api.NewServer(store, signer, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	ct.srv = httptest.NewServer(ct.api.Handler())
	t.Cleanup(ct.srv.Close)
	ct.client = &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 32}, Timeout: 30 * time.Second}
	t.Cleanup(ct.client.CloseIdleConnections)
	id, secret := newPAT(ct.admin, "collections test", "sp:scopes:all")
	ct.token = mintToken(t, ct.client, ct.srv.URL, id, secret)
	return ct
}

// mintToken exchanges client credentials at the real token endpoint.
func mintToken(t *testing.T, c *http.Client, base, id, secret string) string {
	t.Helper()
	resp, err := c.PostForm(base+"/oauth/token", url.Values{"grant_type": {"client_credentials"},
		"client_id": {id}, "client_secret": {secret}})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = resp.Body.Close() }()
	var body struct {
		AccessToken string `json:"access_token"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("token: status %d, %v", resp.StatusCode, err)
	}
	return body.AccessToken
}

// get is a GET with the tenant's admin token.
func (ct *collTenant) get(t *testing.T, path string) (int, []byte) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, ct.srv.URL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+ct.token)
	resp, err := ct.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = resp.Body.Close() }()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, body
}

// TestAccountBodiesByVersion: beta's Account.ownerIdentity is an object its
// source document does not make nullable (there `nullable` sits beside a $ref,
// which OpenAPI 3.0 ignores; later versions wrap it in allOf with nullable), so
// beta leaves an absent owner out where the other versions send null. And
// isMachine filters only mica's own GET /mica/v1/accounts.
func TestAccountBodiesByVersion(t *testing.T) {
	t.Parallel()
	ct := newCollTenant(t, collStores[0])
	list := func(path string) []map[string]any {
		t.Helper()
		status, body := ct.get(t, path)
		var items []map[string]any
		if status != http.StatusOK || json.Unmarshal(body, &items) != nil || len(items) == 0 {
			t.Fatalf("GET %s: %d %.300s", path, status, body)
		}
		return items
	}
	for _, it := range list("/beta/accounts?limit=250") {
		if v, ok := it["ownerIdentity"]; ok {
			t.Fatalf("beta account %s has ownerIdentity %v", it["id"], v)
		}
	}
	all := list("/v2025/accounts?limit=250")
	machines := 0
	for _, it := range all {
		if v, ok := it["ownerIdentity"]; !ok || v != nil {
			t.Fatalf("v2025 account %s: ownerIdentity %v (present %v), want null", it["id"], v, ok)
		}
		if it["isMachine"] == true {
			machines++
		}
	}
	status, body := ct.get(t, "/beta/accounts/"+all[0]["id"].(string))
	if status != http.StatusOK || strings.Contains(string(body), `"ownerIdentity"`) {
		t.Fatalf("beta getAccount: %d %s", status, body)
	}
	if got := list("/mica/v1/accounts?limit=250&filters=" + url.QueryEscape("isMachine eq true")); len(got) != machines || machines == 0 {
		t.Fatalf("/mica/v1/accounts isMachine eq true: %d accounts, want %d", len(got), machines)
	}
	for _, v := range []string{"v3", "beta", "v2024", "v2025", "v2026"} {
		if status, body := ct.get(t, "/"+v+"/accounts?filters="+url.QueryEscape("isMachine eq true")); status != http.StatusBadRequest ||
			!strings.Contains(string(body), `field \"isMachine\" is not filterable`) {
			t.Errorf("%s isMachine filter: %d %s", v, status, body)
		}
	}
}

// miName is the name of the machine identity with id, nil when there is none.
func (ct *collTenant) miName(id any) any {
	s, _ := id.(string)
	m, err := ct.store.GetMachineIdentity(context.Background(), s)
	if err != nil {
		return nil
	}
	return m.Name
}
