package api_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/micahq/mica"
	"github.com/micahq/mica/api"
	"github.com/micahq/mica/query"
)

// appsEnv is a harness plus a direct connection to its database, to create the
// identity data Apps depend on (accounts, access profiles, grants) with plain SQL.
type appsEnv struct {
	*harness
	raw *sql.DB
	n   int
}

func newAppsEnv(t *testing.T) *appsEnv {
	t.Helper()
	h := newHarness(t)
	raw, err := sql.Open("sqlite", "file:"+h.db.Path()+"?_pragma=busy_timeout(10000)&_pragma=foreign_keys(1)")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = raw.Close() })
	return &appsEnv{harness: h, raw: raw}
}

// TestApps runs the Apps scenarios on one harness (its bcrypt-hashed clients are
// the main cost), one after another, each from an empty Apps state.
func TestApps(t *testing.T) {
	t.Parallel()
	e := newAppsEnv(t)
	parent := e.t
	for _, c := range []struct {
		name string
		fn   func(t *testing.T, e *appsEnv)
	}{
		{"AuthTiers", testAppsAuthTiers},
		{"Assignment", testAppsAssignment},
		{"Patch", testSourceAppPatch},
		{"BulkUpdate", testSourceAppBulkUpdate},
		{"CreateGetDelete", testSourceAppCreateGetDelete},
		{"AssignedPaging", testAssignedPaging},
		{"UserApps", testUserAppsAPI},
	} {
		e.reset()
		t.Run(c.name, func(t *testing.T) {
			e.t = t
			defer func() { e.t = parent }()
			c.fn(t, e)
		})
	}
}

// reset removes every app, account, access profile and source but the harness's.
func (e *appsEnv) reset() {
	e.exec(`DELETE FROM source_apps`)
	e.exec(`DELETE FROM accounts`)
	e.exec(`DELETE FROM access_profiles`)
	e.exec(`DELETE FROM sources WHERE id != ?`, e.sourceID)
}

func (e *appsEnv) exec(q string, args ...any) {
	e.t.Helper()
	if _, err := e.raw.Exec(q, args...); err != nil {
		e.t.Fatalf("%s: %v", q, err)
	}
}

func (e *appsEnv) stamp() string {
	e.n++
	return time.Date(2026, 1, 1, 0, 0, e.n, 0, time.UTC).Format(query.TimeLayout)
}

func (e *appsEnv) account(ident *mica.Identity, sourceID, name string) string {
	id, now := mica.NewID(), e.stamp()
	e.exec(`INSERT INTO accounts (id, source_id, native_identity, name, identity_id, uncorrelated, created, modified)
		VALUES (?, ?, ?, ?, ?, 0, ?, ?)`, id, sourceID, "CN="+name, name, ident.ID, now, now)
	return id
}

func (e *appsEnv) accessProfile(sourceID, name string) string {
	id, now := mica.NewID(), e.stamp()
	e.exec(`INSERT INTO access_profiles (id, name, owner_id, source_id, enabled, entitlements, created, modified)
		VALUES (?, ?, ?, ?, 1, '["e1"]', ?, ?)`, id, name, e.admin.ID, sourceID, now, now)
	return id
}

func (e *appsEnv) grant(ident *mica.Identity, ap string) {
	e.exec(`INSERT INTO identity_access_profiles (identity_id, access_profile_id, created) VALUES (?, ?, ?)`,
		ident.ID, ap, e.stamp())
}

func (e *appsEnv) revoke(ident *mica.Identity, ap string) {
	e.exec(`DELETE FROM identity_access_profiles WHERE identity_id = ? AND access_profile_id = ?`, ident.ID, ap)
}

func (e *appsEnv) source(name string) string {
	e.t.Helper()
	s := &mica.Source{Name: name, Owner: mica.Ref{ID: e.admin.ID}, Connector: "x"}
	if err := e.db.CreateSource(context.Background(), s); err != nil {
		e.t.Fatal(err)
	}
	return s.ID
}

// app creates an enabled, requestable app on sourceID through the store.
func (e *appsEnv) app(name, sourceID string, matchAll bool, aps ...string) *mica.SourceApp {
	e.t.Helper()
	a := &mica.SourceApp{Name: name, Description: name + " app", Enabled: true, ProvisionRequestEnabled: true,
		AppCenterEnabled: true, MatchAllAccounts: matchAll, AccountSource: &mica.Ref{ID: sourceID},
		Owner: &mica.Ref{ID: e.admin.ID}, AccessProfiles: aps}
	if err := e.db.CreateSourceApp(context.Background(), a); err != nil {
		e.t.Fatal(err)
	}
	return a
}

// req sends a request with X-SailPoint-Experimental: true.
func (e *appsEnv) req(method, path, tier string, body any) response {
	e.t.Helper()
	return e.do(method, path, tier, body, "X-SailPoint-Experimental", "true")
}

// snapshot is the stored state of an app, to check that a failed request changed nothing.
func (e *appsEnv) snapshot(id string) string {
	e.t.Helper()
	a, err := e.db.GetSourceApp(context.Background(), id)
	if err != nil {
		e.t.Fatal(err)
	}
	b, _ := json.Marshal(a)
	return string(b)
}

func names(t *testing.T, r response, key string) string {
	t.Helper()
	if r.status != 200 {
		t.Fatalf("status %d: %s", r.status, r.body)
	}
	var out []string
	for _, x := range r.array(t) {
		m := x.(map[string]any)
		if key == "sourceApp" {
			out = append(out, m["sourceApp"].(map[string]any)["name"].(string))
		} else {
			out = append(out, m[key].(string))
		}
	}
	sort.Strings(out)
	return strings.Join(out, ",")
}

// testAppsAuthTiers is the scenario table of the Apps operations: every version
// that has them, every authentication tier, and the experimental header.
func testAppsAuthTiers(t *testing.T, e *appsEnv) {
	app := e.app("Mail", e.sourceID, true)
	adminAcct := e.account(e.admin, e.sourceID, "admin")
	userAcct := e.account(e.user, e.sourceID, "user")
	own := map[string]string{tierAdmin: mica.UserAppID(e.admin.ID, app.ID), tierWrongLevel: mica.UserAppID(e.user.ID, app.ID)}
	ownAcct := map[string]string{tierAdmin: adminAcct, tierWrongLevel: userAcct}
	userApp := func(tier string) string {
		if id, ok := own[tier]; ok {
			return id
		}
		return own[tierWrongLevel]
	}
	freshApp := func(string) string { return "/source-apps/" + e.app("doomed", e.sourceID, false).ID }
	fixed := func(p string) func(string) string { return func(string) string { return p } }
	appsIn := []api.Version{api.Beta, api.V2025, api.V2026}
	type opCase struct {
		id       string
		method   string
		path     func(tier string) string
		body     func(tier string) any
		manage   bool // needs app-roles:manage: a USER is refused
		orgAdmin bool // x-sailpoint-userLevels ORG_ADMIN
		needUser bool // answers for the token's identity: API clients are refused everywhere
		appIn    []api.Version
		ok       int
	}
	patch := func(string) any {
		return []map[string]any{{"op": "replace", "path": "/description", "value": "changed"}}
	}
	ops := []opCase{
		{"getSourceApp", "GET", fixed("/source-apps/" + app.ID), nil, false, false, false, appsIn, 200},
		{"patchSourceApp", "PATCH", fixed("/source-apps/" + app.ID), patch, true, false, false, appsIn, 200},
		{"deleteSourceApp", "DELETE", freshApp, nil, true, false, false, appsIn, 200},
		{"updateSourceAppsInBulk", "POST", fixed("/source-apps/bulk-update"), func(string) any {
			return map[string]any{"appIds": []string{app.ID}, "jsonPatch": patch("")}
		}, true, false, false, appsIn, 204},
		{"listAssignedSourceApp", "GET", fixed("/source-apps/assigned"), nil, false, false, true, nil, 200},
		{"listAvailableSourceApps", "GET", fixed("/source-apps"), nil, false, false, false, []api.Version{api.Beta}, 200},
		{"createSourceApp", "POST", fixed("/source-apps"), func(string) any {
			return map[string]any{"name": "new", "description": "d", "accountSource": map[string]any{"id": e.sourceID}}
		}, true, false, false, []api.Version{api.Beta}, 200},
		{"listAllSourceApp", "GET", fixed("/source-apps/all"), nil, false, true, true, nil, 200},
		{"listAccessProfilesForSourceApp", "GET", fixed("/source-apps/" + app.ID + "/access-profiles"), nil, true, false, false, appsIn, 200},
		{"deleteAccessProfilesFromSourceAppByBulk", "POST", fixed("/source-apps/" + app.ID + "/access-profiles/bulk-remove"),
			func(string) any { return []string{mica.NewID()} }, true, false, false, appsIn, 200},
		{"patchUserApp", "PATCH", func(tier string) string { return "/user-apps/" + userApp(tier) }, func(tier string) any {
			return []map[string]any{{"op": "replace", "path": "/account", "value": map[string]any{"id": ownAcct[tier], "type": "ACCOUNT"}}}
		}, false, false, true, nil, 200},
		{"listAvailableAccountsForUserApp", "GET", func(tier string) string { return "/user-apps/" + userApp(tier) + "/available-accounts" },
			nil, false, false, false, appsIn, 200},
		{"listOwnedUserApps", "GET", fixed("/user-apps"), nil, false, false, true, nil, 200},
		{"listAllUserApps", "GET", fixed("/user-apps/all?filters=" + "ownerId%20eq%20%22" + e.user.ID + "%22"), nil, true, false, false,
			[]api.Version{api.Beta}, 200},
	}
	want := func(op opCase, v api.Version, tier string) int {
		switch tier {
		case tierNone, tierGarbage, tierExpired, tierDeleted:
			return 401
		case tierWrongScope:
			return 403
		case tierAPI:
			for _, x := range op.appIn {
				if x == v && !op.needUser {
					return op.ok
				}
			}
			return 403
		case tierWrongLevel:
			if op.manage || op.orgAdmin {
				return 403
			}
		}
		return op.ok
	}
	registered := map[string]bool{}
	for _, o := range e.api.Ops() {
		registered[o.ID] = true
	}
	for _, op := range ops {
		if !registered[op.id] {
			t.Fatalf("operation %s is not registered", op.id)
		}
		for _, v := range []api.Version{api.Beta, api.V2024, api.V2025, api.V2026, api.V1} {
			for _, tier := range allTiers {
				path := api.VersionPath(v, op.path(tier))
				t.Run(op.id+" "+string(v)+" "+tier, func(t *testing.T) {
					var body any
					if op.body != nil {
						body = op.body(tier)
					}
					r := e.req(op.method, path, tier, body)
					if w := want(op, v, tier); w >= 400 {
						checkError(t, r, w)
					} else if r.status != w {
						t.Fatalf("status %d, want %d: %s", r.status, w, r.body)
					}
				})
			}
			t.Run(op.id+" "+string(v)+" no experimental header", func(t *testing.T) {
				var body any
				if op.body != nil {
					body = op.body(tierAdmin)
				}
				r := e.do(op.method, api.VersionPath(v, op.path(tierAdmin)), tierAdmin, body)
				if v == api.Beta {
					if r.status != op.ok {
						t.Fatalf("beta without the header: %d %s", r.status, r.body)
					}
					return
				}
				if r.status != 400 || string(r.body) != `{"error":"Experimental Header is missing or invalid."}` {
					t.Fatalf("without the header: %d %s", r.status, r.body)
				}
			})
		}
	}
	// The experimental header must say true.
	if r := e.do("GET", "/v2025/source-apps/"+app.ID, tierAdmin, nil, "X-SailPoint-Experimental", "false"); r.status != 400 {
		t.Fatalf("header false: %d", r.status)
	}
	// v3 has no Apps.
	checkError(t, e.req("GET", "/v3/source-apps/"+app.ID, tierAdmin, nil), 404)
}

// testAppsAssignment: two identities with different accounts and access profiles
// see exactly their apps, and every change shows in the next answer.
func testAppsAssignment(t *testing.T, e *appsEnv) {
	crm := e.source("CRM")
	apMail, apSales := e.accessProfile(e.sourceID, "mail"), e.accessProfile(crm, "sales")
	e.app("all-ad", e.sourceID, true)
	e.app("sales", crm, false, apSales)
	// An app created and patched through the API, as an SDK script would.
	r := e.req("POST", "/v2024/source-apps", tierAdmin, map[string]any{"name": "mail", "description": "Mail for staff",
		"accountSource": map[string]any{"id": e.sourceID}})
	if r.status != 200 {
		t.Fatalf("create: %d %s", r.status, r.body)
	}
	mailID := r.object(t)["id"].(string)
	r = e.req("PATCH", "/beta/source-apps/"+mailID, tierAdmin, []map[string]any{
		{"op": "replace", "path": "/enabled", "value": true}, {"op": "add", "path": "/accessProfiles/-", "value": apMail}})
	if r.status != 200 {
		t.Fatalf("patch: %d %s", r.status, r.body)
	}
	userAD := e.account(e.user, e.sourceID, "uma")
	e.account(e.helpdesk, e.sourceID, "hal")
	e.account(e.helpdesk, crm, "hal")
	e.grant(e.helpdesk, apSales)

	sees := func(tier string) string {
		t.Helper()
		a := names(t, e.req("GET", "/v2024/source-apps/assigned", tier, nil), "name")
		b := names(t, e.req("GET", "/beta/source-apps/assigned", tier, nil), "name")
		u := names(t, e.req("GET", "/user-apps/v1", tier, nil), "sourceApp")
		if a != b || a != u {
			t.Fatalf("v2024 %q, beta %q, user apps %q disagree", a, b, u)
		}
		return a
	}
	patchMail := func(op, path string, v any) {
		t.Helper()
		if r := e.req("PATCH", "/v2025/source-apps/"+mailID, tierAdmin, []map[string]any{{"op": op, "path": path, "value": v}}); r.status != 200 {
			t.Fatalf("patch %s: %d %s", path, r.status, r.body)
		}
	}
	steps := []struct {
		name      string
		change    func()
		user, hal string
	}{
		{"initial", func() {}, "all-ad", "all-ad,sales"},
		{"grant mail to the user", func() { e.grant(e.user, apMail) }, "all-ad,mail", "all-ad,sales"},
		{"match all accounts", func() { patchMail("replace", "/matchAllAccounts", true) }, "all-ad,mail", "all-ad,mail,sales"},
		{"match all off", func() { patchMail("replace", "/matchAllAccounts", false) }, "all-ad,mail", "all-ad,sales"},
		{"disable mail", func() { patchMail("replace", "/enabled", false) }, "all-ad", "all-ad,sales"},
		{"enable mail", func() { patchMail("replace", "/enabled", true) }, "all-ad,mail", "all-ad,sales"},
		{"revoke mail", func() { e.revoke(e.user, apMail) }, "all-ad", "all-ad,sales"},
		{"grant again", func() { e.grant(e.user, apMail) }, "all-ad,mail", "all-ad,sales"},
		{"remove the user's account", func() { e.exec(`DELETE FROM accounts WHERE id = ?`, userAD) }, "", "all-ad,sales"},
		{"bulk-remove the app's profile", func() {
			e.account(e.user, e.sourceID, "uma2")
			if r := e.req("POST", "/v2026/source-apps/"+mailID+"/access-profiles/bulk-remove", tierAdmin, []string{apMail}); r.status != 200 ||
				len(r.array(t)) != 0 {
				t.Fatalf("bulk-remove: %d %s", r.status, r.body)
			}
		}, "all-ad", "all-ad,sales"},
	}
	for _, s := range steps {
		s.change()
		if got := sees(tierWrongLevel); got != s.user {
			t.Fatalf("%s: the user sees %q, want %q", s.name, got, s.user)
		}
		if got := sees(tierHelpdesk); got != s.hal {
			t.Fatalf("%s: helpdesk sees %q, want %q", s.name, got, s.hal)
		}
	}
}

// testSourceAppPatch: every allowed path and op, and forbidden ones answered 400
// with nothing changed.
func testSourceAppPatch(t *testing.T, e *appsEnv) {
	crm := e.source("CRM")
	ap1, ap2, apCRM := e.accessProfile(e.sourceID, "one"), e.accessProfile(e.sourceID, "two"), e.accessProfile(crm, "crm")
	app := e.app("Mail", e.sourceID, false, ap1)
	path := "/v2025/source-apps/" + app.ID
	op := func(o, p string, v any) map[string]any { return map[string]any{"op": o, "path": p, "value": v} }

	ok := []struct {
		name  string
		ops   []map[string]any
		check func(m map[string]any) bool
	}{
		{"name", []map[string]any{op("replace", "/name", "New name")}, func(m map[string]any) bool { return m["name"] == "New name" }},
		{"description", []map[string]any{op("replace", "/description", "Desc")}, func(m map[string]any) bool { return m["description"] == "Desc" }},
		{"flags", []map[string]any{op("replace", "/enabled", true), op("replace", "/provisionRequestEnabled", true),
			op("replace", "/appCenterEnabled", false), op("add", "/matchAllAccounts", true)}, func(m map[string]any) bool {
			return m["enabled"] == true && m["provisionRequestEnabled"] == true && m["appCenterEnabled"] == false && m["matchAllAccounts"] == true
		}},
		{"owner", []map[string]any{op("replace", "/owner", map[string]any{"id": e.user.ID, "type": "IDENTITY"})},
			func(m map[string]any) bool {
				o := m["owner"].(map[string]any)
				return o["id"] == e.user.ID && o["name"] == "Uma User"
			}},
		{"owner id", []map[string]any{op("replace", "/owner/id", e.admin.ID)},
			func(m map[string]any) bool { return m["owner"].(map[string]any)["name"] == "Ada Admin" }},
		{"add profile", []map[string]any{op("add", "/accessProfiles/-", ap2)}, func(m map[string]any) bool {
			return fmt.Sprint(m["accessProfiles"]) == fmt.Sprint([]any{ap1, ap2})
		}},
		{"move profile", []map[string]any{{"op": "move", "from": "/accessProfiles/0", "path": "/accessProfiles/-"}},
			func(m map[string]any) bool { return fmt.Sprint(m["accessProfiles"]) == fmt.Sprint([]any{ap2, ap1}) }},
		{"remove profile", []map[string]any{{"op": "remove", "path": "/accessProfiles/0"}},
			func(m map[string]any) bool { return fmt.Sprint(m["accessProfiles"]) == fmt.Sprint([]any{ap1}) }},
		{"replace profiles", []map[string]any{op("replace", "/accessProfiles", []string{ap2, ap1})},
			func(m map[string]any) bool { return fmt.Sprint(m["accessProfiles"]) == fmt.Sprint([]any{ap2, ap1}) }},
		{"copy and test", []map[string]any{op("test", "/name", "New name"), {"op": "copy", "from": "/name", "path": "/description"}},
			func(m map[string]any) bool { return m["description"] == "New name" }},
		{"remove profiles", []map[string]any{{"op": "remove", "path": "/accessProfiles"}},
			func(m map[string]any) bool { return len(m["accessProfiles"].([]any)) == 0 }},
		{"account source", []map[string]any{op("replace", "/accountSource", map[string]any{"id": crm})},
			func(m map[string]any) bool {
				s := m["accountSource"].(map[string]any)
				return s["name"] == "CRM" && s["type"] == "SOURCE"
			}},
		{"account source id and profile", []map[string]any{op("replace", "/accountSource/id", e.sourceID), op("add", "/accessProfiles/-", ap1)},
			func(m map[string]any) bool { return m["accountSource"].(map[string]any)["name"] == "Active Directory" }},
		{"password management", []map[string]any{op("replace", "/accountSource/useForPasswordManagement", true)},
			func(m map[string]any) bool {
				return m["accountSource"].(map[string]any)["useForPasswordManagement"] == true
			}},
		{"detach", []map[string]any{{"op": "remove", "path": "/accessProfiles/0"}, op("replace", "/accountSource", nil)},
			func(m map[string]any) bool { return m["accountSource"] == nil }},
		{"attach", []map[string]any{op("add", "/accountSource", map[string]any{"id": e.sourceID})},
			func(m map[string]any) bool { return m["accountSource"] != nil }},
	}
	for _, c := range ok {
		before := e.snapshot(app.ID)
		r := e.req("PATCH", path, tierAdmin, c.ops)
		if r.status != 200 {
			t.Fatalf("%s: %d %s", c.name, r.status, r.body)
		}
		m := r.object(t)
		if !c.check(m) || m["id"] != app.ID || m["cloudAppId"] != app.CloudAppID() {
			t.Fatalf("%s: %s", c.name, r.body)
		}
		if e.snapshot(app.ID) == before {
			t.Fatalf("%s changed nothing", c.name)
		}
	}
	// The SDK sends application/json-patch+json.
	r := e.do("PATCH", path, tierAdmin, `[{"op":"replace","path":"/name","value":"Mail"}]`,
		"X-SailPoint-Experimental", "true", "Content-Type", "application/json-patch+json")
	if r.status != 200 || r.object(t)["name"] != "Mail" {
		t.Fatalf("json-patch+json: %d %s", r.status, r.body)
	}

	bad := []struct {
		name   string
		body   any
		detail string
	}{
		{"id", []map[string]any{op("replace", "/id", mica.NewID())}, "400.1.3"},
		{"created", []map[string]any{op("replace", "/created", "2020-01-01T00:00:00Z")}, "400.1.3"},
		{"modified", []map[string]any{op("replace", "/modified", "2020-01-01T00:00:00Z")}, "400.1.3"},
		{"cloudAppId", []map[string]any{op("replace", "/cloudAppId", "1")}, "400.1.3"},
		{"unknown path", []map[string]any{op("add", "/color", "red")}, "400.1.3"},
		{"unknown nested path", []map[string]any{op("add", "/owner/color", "red")}, "400.1.3"},
		{"test fails", []map[string]any{op("test", "/name", "Other"), op("replace", "/name", "X")}, "400.1.3"},
		{"remove name", []map[string]any{{"op": "remove", "path": "/name"}}, "400.1.0"},
		{"remove description", []map[string]any{{"op": "remove", "path": "/description"}}, "400.1.0"},
		{"remove owner", []map[string]any{{"op": "remove", "path": "/owner"}}, "400.1.0"},
		{"null owner", []map[string]any{op("replace", "/owner", nil)}, "400.1.0"},
		{"empty name", []map[string]any{op("replace", "/name", "")}, "400.1.0"},
		{"blank description", []map[string]any{op("replace", "/description", "  ")}, "400.1.0"},
		{"null name", []map[string]any{op("replace", "/name", nil)}, "400.1.0"},
		{"remove enabled", []map[string]any{{"op": "remove", "path": "/enabled"}}, "400.1.3"},
		{"enabled string", []map[string]any{op("replace", "/enabled", "yes")}, "400.1.3"},
		{"enabled null", []map[string]any{op("replace", "/enabled", nil)}, "400.1.3"},
		{"name number", []map[string]any{op("replace", "/name", 5)}, "400.1.3"},
		{"profiles string", []map[string]any{op("replace", "/accessProfiles", "x")}, "400.1.3"},
		{"profile number", []map[string]any{op("replace", "/accessProfiles", []any{5})}, "400.1.3"},
		{"owner string", []map[string]any{op("replace", "/owner", "abc")}, "400.1.3"},
		{"owner empty id", []map[string]any{op("replace", "/owner", map[string]any{"id": ""})}, "400.1.0"},
		{"owner wrong type", []map[string]any{op("replace", "/owner", map[string]any{"id": e.user.ID, "type": "ROLE"})}, "400.1.3"},
		{"owner unknown", []map[string]any{op("replace", "/owner/id", mica.NewID())}, "400.1.404"},
		{"profile of another source", []map[string]any{op("add", "/accessProfiles/-", apCRM)}, "400.1.3"},
		{"unknown profile", []map[string]any{op("add", "/accessProfiles/-", mica.NewID())}, "400.1.404"},
		{"profile twice", []map[string]any{op("add", "/accessProfiles/-", ap2), op("add", "/accessProfiles/-", ap2)}, "400.1.3"},
		{"unknown source", []map[string]any{op("replace", "/accountSource", map[string]any{"id": mica.NewID()})}, "400.1.404"},
		{"source without its profiles", []map[string]any{op("add", "/accessProfiles/-", ap2), op("replace", "/accountSource/id", crm)}, "400.1.3"},
		{"source wrong type", []map[string]any{op("replace", "/accountSource/type", "ROLE")}, "400.1.3"},
		{"password policies", []map[string]any{op("replace", "/accountSource/passwordPolicies", []any{map[string]any{"id": "p"}})}, "400.1.3"},
		{"index out of range", []map[string]any{{"op": "remove", "path": "/accessProfiles/9"}}, "400.1.3"},
		{"unknown op", []map[string]any{op("frobnicate", "/name", "x")}, "400.1.3"},
		{"missing op", []map[string]any{{"path": "/name", "value": "x"}}, "400.1.3"},
		{"valid then invalid", []map[string]any{op("replace", "/name", "Changed"), op("replace", "/id", "x")}, "400.1.3"},
		{"empty patch", []any{}, "400.1.0"},
		{"not a list", map[string]any{"op": "replace"}, "400.1 "},
		{"not JSON", "[{", "400.1 "},
	}
	for _, c := range bad {
		t.Run(c.name, func(t *testing.T) {
			before := e.snapshot(app.ID)
			r := e.req("PATCH", path, tierAdmin, c.body)
			checkError(t, r, 400)
			if dc := r.object(t)["detailCode"].(string); !strings.HasPrefix(dc, c.detail) {
				t.Fatalf("detailCode %q, want %s: %s", dc, c.detail, r.body)
			}
			if e.snapshot(app.ID) != before {
				t.Fatal("a rejected patch changed the app")
			}
		})
	}
	checkError(t, e.req("PATCH", "/v2025/source-apps/"+mica.NewID(), tierAdmin, []map[string]any{op("replace", "/name", "x")}), 404)
	checkError(t, e.do("PATCH", path, tierAdmin, `[]`, "X-SailPoint-Experimental", "true", "Content-Type", "text/plain"), 415)
}

func testSourceAppBulkUpdate(t *testing.T, e *appsEnv) {
	a, b := e.app("a", e.sourceID, true), e.app("b", e.sourceID, true)
	off := []map[string]any{{"op": "replace", "path": "/enabled", "value": false}, {"op": "replace", "path": "/matchAllAccounts", "value": false}}
	many := make([]string, 51)
	for i := range many {
		many[i] = mica.NewID()
	}
	bad := []struct {
		name   string
		body   any
		status int
	}{
		{"one bad id", map[string]any{"appIds": []string{a.ID, mica.NewID(), b.ID}, "jsonPatch": off}, 404},
		{"51 ids", map[string]any{"appIds": many, "jsonPatch": off}, 400},
		{"no ids", map[string]any{"appIds": []string{}, "jsonPatch": off}, 400},
		{"no patch", map[string]any{"appIds": []string{a.ID}}, 400},
		{"patch fails on the second", map[string]any{"appIds": []string{a.ID, b.ID},
			"jsonPatch": []map[string]any{{"op": "test", "path": "/name", "value": "a"}, off[0]}}, 400},
		{"wrong type", map[string]any{"appIds": "a", "jsonPatch": off}, 400},
	}
	for _, c := range bad {
		before := e.snapshot(a.ID) + e.snapshot(b.ID)
		checkError(t, e.req("POST", "/v2024/source-apps/bulk-update", tierAdmin, c.body), c.status)
		if e.snapshot(a.ID)+e.snapshot(b.ID) != before {
			t.Fatalf("%s changed an app", c.name)
		}
	}
	r := e.req("POST", "/source-apps/v1/bulk-update", tierAdmin, map[string]any{"appIds": []string{a.ID, b.ID, a.ID}, "jsonPatch": off})
	if r.status != 204 || len(r.body) != 0 {
		t.Fatalf("bulk update: %d %s", r.status, r.body)
	}
	for _, id := range []string{a.ID, b.ID} {
		got, _ := e.db.GetSourceApp(context.Background(), id)
		if got.Enabled || got.MatchAllAccounts {
			t.Fatalf("after bulk update: %+v", got)
		}
	}
}

func testSourceAppCreateGetDelete(t *testing.T, e *appsEnv) {
	bad := []struct {
		name   string
		body   any
		detail string
	}{
		{"no name", map[string]any{"description": "d", "accountSource": map[string]any{"id": e.sourceID}}, "400.1.0"},
		{"empty description", map[string]any{"name": "n", "description": "", "accountSource": map[string]any{"id": e.sourceID}}, "400.1.0"},
		{"no source", map[string]any{"name": "n", "description": "d"}, "400.1.0"},
		{"no source id", map[string]any{"name": "n", "description": "d", "accountSource": map[string]any{}}, "400.1.0"},
		{"unknown source", map[string]any{"name": "n", "description": "d", "accountSource": map[string]any{"id": mica.NewID()}},
			"400.1.404 Referenced object not found"},
		{"name a number", map[string]any{"name": 5, "description": "d", "accountSource": map[string]any{"id": e.sourceID}}, "400.1 "},
		{"matchAll a string", map[string]any{"name": "n", "description": "d", "matchAllAccounts": "yes",
			"accountSource": map[string]any{"id": e.sourceID}}, "400.1 "},
		{"source type", map[string]any{"name": "n", "description": "d", "accountSource": map[string]any{"id": e.sourceID, "type": "ROLE"}}, "400.1.3"},
	}
	for _, c := range bad {
		r := e.req("POST", "/v2025/source-apps", tierAdmin, c.body)
		checkError(t, r, 400)
		if dc := r.object(t)["detailCode"].(string); !strings.HasPrefix(dc, c.detail) {
			t.Fatalf("%s: detailCode %q, want %s", c.name, dc, c.detail)
		}
	}
	if p, _ := e.db.ListSourceApps(context.Background(), mica.ListOptions{Limit: 1, Count: true}); p.Total != 0 {
		t.Fatalf("failed creates left %d apps", p.Total)
	}
	r := e.req("POST", "/v2025/source-apps", tierAdmin, map[string]any{"name": "Mail", "description": "Mail app",
		"matchAllAccounts": true, "accountSource": map[string]any{"id": e.sourceID, "type": "SOURCE", "name": "ignored"}})
	if r.status != 200 {
		t.Fatalf("create: %d %s", r.status, r.body)
	}
	m := r.object(t)
	src, owner := m["accountSource"].(map[string]any), m["owner"].(map[string]any)
	if len(m) != 12 || m["enabled"] != false || m["provisionRequestEnabled"] != false || m["appCenterEnabled"] != true ||
		m["matchAllAccounts"] != true || src["name"] != "Active Directory" || src["useForPasswordManagement"] != false ||
		src["passwordPolicies"] != nil || owner["id"] != e.admin.ID || owner["type"] != "IDENTITY" || m["created"] != m["modified"] {
		t.Fatalf("created app: %s", r.body)
	}
	if _, err := strconv.ParseInt(m["cloudAppId"].(string), 10, 64); err != nil {
		t.Fatalf("cloudAppId %v", m["cloudAppId"])
	}
	if _, err := time.Parse("2006-01-02T15:04:05.000Z", m["created"].(string)); err != nil {
		t.Fatalf("created %v", m["created"])
	}
	id := m["id"].(string)
	got := e.req("GET", "/source-apps/v1/"+id, tierWrongLevel, nil)
	if got.status != 200 || string(got.body) != string(r.body) {
		t.Fatalf("get: %d %s", got.status, got.body)
	}
	// An API client (beta) creates apps owned by the source's owner.
	r = e.req("POST", "/beta/source-apps", tierAPI, map[string]any{"name": "API", "description": "d",
		"accountSource": map[string]any{"id": e.sourceID}})
	if r.status != 200 || r.object(t)["owner"].(map[string]any)["id"] != e.admin.ID {
		t.Fatalf("API client create: %d %s", r.status, r.body)
	}
	checkError(t, e.req("GET", "/v2024/source-apps/"+mica.NewID(), tierAdmin, nil), 404)

	// Access profiles: AccessProfileDetails with integer sourceId and appId.
	ap := e.accessProfile(e.sourceID, "VPN users")
	if r := e.req("PATCH", "/v2024/source-apps/"+id, tierAdmin, []map[string]any{{"op": "add", "path": "/accessProfiles/-", "value": ap}}); r.status != 200 {
		t.Fatalf("add profile: %d %s", r.status, r.body)
	}
	r = e.req("GET", "/v2024/source-apps/"+id+"/access-profiles?filters=name%20eq%20%22vpn%20users%22&count=true", tierAdmin, nil)
	if r.status != 200 || r.header.Get("X-Total-Count") != "1" {
		t.Fatalf("list profiles: %d %s", r.status, r.body)
	}
	p := r.array(t)[0].(map[string]any)
	if p["id"] != ap || p["appId"].(float64) != float64(mustInt(t, m["cloudAppId"].(string))) ||
		p["sourceId"].(float64) != float64(mica.LegacyID(e.sourceID)) || p["applicationId"] != e.sourceID ||
		p["appName"] != "Mail" || p["disabled"] != false || p["entitlementCount"].(float64) != 1 || p["type"] != "source" ||
		p["sourceName"] != "Active Directory" || p["ownerId"] != e.admin.ID {
		t.Fatalf("access profile details: %v", p)
	}
	for _, q := range []string{"sorters=name", "filters=owner.id%20eq%20%22x%22", "filters=name%20sw%20%22v%22", "limit=251"} {
		checkError(t, e.req("GET", "/v2024/source-apps/"+id+"/access-profiles?"+q, tierAdmin, nil), 400)
	}
	checkError(t, e.req("GET", "/v2024/source-apps/"+mica.NewID()+"/access-profiles", tierAdmin, nil), 400) // no 404 declared
	checkError(t, e.req("POST", "/v2024/source-apps/"+id+"/access-profiles/bulk-remove", tierAdmin, map[string]any{"id": ap}), 400)
	checkError(t, e.req("POST", "/v2024/source-apps/"+id+"/access-profiles/bulk-remove", tierAdmin, []any{""}), 400)
	checkError(t, e.req("POST", "/v2024/source-apps/"+mica.NewID()+"/access-profiles/bulk-remove", tierAdmin, []string{ap}), 400)
	r = e.req("POST", "/v2024/source-apps/"+id+"/access-profiles/bulk-remove?limit=10", tierAdmin, []string{ap})
	if r.status != 200 || len(r.array(t)) != 0 {
		t.Fatalf("bulk remove: %d %s", r.status, r.body)
	}

	// Delete answers the deleted app; it is gone after.
	r = e.req("DELETE", "/v2026/source-apps/"+id, tierAdmin, nil)
	if r.status != 200 || r.object(t)["id"] != id || r.object(t)["name"] != "Mail" {
		t.Fatalf("delete: %d %s", r.status, r.body)
	}
	checkError(t, e.req("GET", "/v2026/source-apps/"+id, tierAdmin, nil), 404)
	checkError(t, e.req("DELETE", "/v2026/source-apps/"+id, tierAdmin, nil), 400) // no 404 declared
}

func mustInt(t *testing.T, s string) int64 {
	t.Helper()
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// testAssignedPaging: paging through assigned with every allowed sorter yields
// each app once, and X-Total-Count matches.
func testAssignedPaging(t *testing.T, e *appsEnv) {
	crm := e.source("CRM")
	e.account(e.user, e.sourceID, "uma")
	e.account(e.user, crm, "uma")
	want := map[string]bool{}
	for i, n := range []string{"delta", "Alpha", "charlie", "bravo", "Echo", "alpha", "golf"} {
		src := e.sourceID
		if i%2 == 1 {
			src = crm
		}
		want[e.app(n, src, true).ID] = true
	}
	e.app("hidden", e.sourceID, false) // assigned to nobody
	for _, sorter := range []string{"", "id", "name", "created", "modified", "accountSource.id", "-id", "-name", "-created",
		"-modified", "-accountSource.id", "accountSource.id,-name"} {
		for _, v := range []api.Version{api.Beta, api.V2025} {
			seen := map[string]int{}
			var order []string
			for offset := 0; offset < 9; offset += 3 {
				r := e.req("GET", api.VersionPath(v, "/source-apps/assigned")+"?count=true&limit=3&offset="+strconv.Itoa(offset)+
					"&sorters="+sorter, tierWrongLevel, nil)
				if r.status != 200 || r.header.Get("X-Total-Count") != "7" {
					t.Fatalf("%s offset %d: %d total %q %s", sorter, offset, r.status, r.header.Get("X-Total-Count"), r.body)
				}
				for _, x := range r.array(t) {
					m := x.(map[string]any)
					seen[m["id"].(string)]++
					order = append(order, m["name"].(string))
				}
			}
			if len(seen) != len(want) {
				t.Fatalf("%s: saw %d apps, want %d", sorter, len(seen), len(want))
			}
			for id, n := range seen {
				if !want[id] || n != 1 {
					t.Fatalf("%s: app %s seen %d times", sorter, id, n)
				}
			}
			if sorter == "name" && strings.ToLower(strings.Join(order, ",")) != "alpha,alpha,bravo,charlie,delta,echo,golf" {
				t.Fatalf("by name: %v", order)
			}
		}
	}
	for _, c := range []struct {
		path   string
		status int
		items  int
	}{
		{"/v2025/source-apps/assigned?filters=accountSource.id%20eq%20%22" + crm + "%22", 200, 3},
		{"/v2025/source-apps/assigned?filters=name%20co%20%22lph%22", 200, 2},
		{"/v2025/source-apps/assigned?filters=created%20gt%202020-01-01T00:00:00Z", 200, 7},
		{"/v2025/source-apps/assigned?filters=owner.id%20eq%20%22x%22", 400, 0},
		{"/v2025/source-apps/assigned?sorters=owner.id", 400, 0},
		{"/v2025/source-apps/assigned?filters=name%20EQ%20%22x%22", 400, 0},
		{"/v2025/source-apps?sorters=owner.id", 200, 8},
		{"/v2025/source-apps?filters=enabled%20eq%20true", 400, 0},
		{"/v2025/source-apps/all?filters=enabled%20eq%20true", 200, 8},
		{"/v2025/source-apps/all?filters=modified%20lt%202030-01-01T00:00:00Z", 400, 0},
		{"/v2025/source-apps/all?filters=owner.id%20eq%20%22" + e.admin.ID + "%22&limit=2", 200, 2},
	} {
		tier := tierWrongLevel
		if strings.Contains(c.path, "/all") {
			tier = tierAdmin
		}
		r := e.req("GET", c.path, tier, nil)
		if c.status != 200 {
			checkError(t, r, c.status)
			if !strings.Contains(errorText(t, r), "owner.id") && strings.Contains(c.path, "owner.id") {
				t.Fatalf("error does not name the field: %s", r.body)
			}
			continue
		}
		if r.status != 200 || len(r.array(t)) != c.items {
			t.Fatalf("%s: %d %s", c.path, r.status, r.body)
		}
	}
}

func testUserAppsAPI(t *testing.T, e *appsEnv) {
	crm := e.source("CRM")
	app := e.app("Mail", e.sourceID, true)
	e.app("CRM", crm, true)
	u1, u2 := e.account(e.user, e.sourceID, "uma-1"), e.account(e.user, e.sourceID, "uma-2")
	uCRM := e.account(e.user, crm, "uma-crm")
	adminAcct := e.account(e.admin, e.sourceID, "ada")
	userApp, adminApp := mica.UserAppID(e.user.ID, app.ID), mica.UserAppID(e.admin.ID, app.ID)

	r := e.req("GET", "/v2024/user-apps?count=true&filters=sourceAppId%20eq%20%22"+app.ID+"%22", tierWrongLevel, nil)
	if r.status != 200 || r.header.Get("X-Total-Count") != "1" {
		t.Fatalf("owned: %d %s", r.status, r.body)
	}
	m := r.array(t)[0].(map[string]any)
	owner, acct := m["owner"].(map[string]any), m["account"].(map[string]any)
	if m["id"] != userApp || m["hasMultipleAccounts"] != true || m["appCenterEnabled"] != true ||
		m["sourceApp"].(map[string]any)["type"] != "APPLICATION" || m["source"].(map[string]any)["name"] != "Active Directory" ||
		acct["id"] != u1 || acct["type"] != "ACCOUNT" || owner["alias"] != "uma.user" || owner["type"] != "IDENTITY" || len(m) != 11 {
		t.Fatalf("user app: %s", r.body)
	}
	checkError(t, e.req("GET", "/v2024/user-apps?sorters=id", tierWrongLevel, nil), 400)
	checkError(t, e.req("GET", "/v2024/user-apps?filters=ownerId%20eq%20%22x%22", tierWrongLevel, nil), 400)
	checkError(t, e.req("GET", "/v2024/user-apps/all", tierAdmin, nil), 400) // filters are required
	r = e.req("GET", "/v2024/user-apps/all?filters=ownerAlias%20sw%20%22uma%22", tierAdmin, nil)
	if names(t, r, "sourceApp") != "CRM,Mail" {
		t.Fatalf("all by alias: %s", r.body)
	}

	patch := func(id, tier string, value any) response {
		return e.req("PATCH", "/v2025/user-apps/"+id, tier, []map[string]any{{"op": "replace", "path": "/account", "value": value}})
	}
	// A USER patches its own user app (app-roles:read suffices for one's own).
	r = patch(userApp, tierWrongLevel, map[string]any{"id": u2, "type": "ACCOUNT"})
	if r.status != 200 || r.object(t)["account"].(map[string]any)["id"] != u2 || r.object(t)["account"].(map[string]any)["name"] != "uma-2" {
		t.Fatalf("own patch: %d %s", r.status, r.body)
	}
	checkError(t, patch(adminApp, tierWrongLevel, map[string]any{"id": adminAcct}), 404) // someone else's
	checkError(t, patch(userApp, tierWrongLevel, map[string]any{"id": uCRM}), 400)       // another source
	checkError(t, patch(userApp, tierWrongLevel, map[string]any{"id": adminAcct}), 400)  // another identity
	checkError(t, patch(userApp, tierWrongLevel, map[string]any{"id": mica.NewID()}), 400)
	checkError(t, patch(userApp, tierWrongLevel, nil), 400)
	checkError(t, patch(userApp, tierWrongLevel, "abc"), 400)
	checkError(t, patch(userApp, tierWrongLevel, map[string]any{"id": u1, "type": "IDENTITY"}), 400)
	checkError(t, e.req("PATCH", "/v2025/user-apps/"+userApp, tierWrongLevel,
		[]map[string]any{{"op": "replace", "path": "/sourceApp", "value": map[string]any{"id": "x"}}}), 400)
	checkError(t, patch(mica.NewID(), tierAdmin, map[string]any{"id": u1}), 404)
	// An admin (app-roles:manage) may patch anyone's, to one of the owner's accounts.
	if r := patch(userApp, tierAdmin, map[string]any{"id": u1}); r.status != 200 || r.object(t)["account"].(map[string]any)["id"] != u1 {
		t.Fatalf("admin patch: %d %s", r.status, r.body)
	}

	// Available accounts: the caller's own user app only (API clients: any).
	r = e.req("GET", "/beta/user-apps/"+userApp+"/available-accounts?count=true&limit=1&offset=1", tierWrongLevel, nil)
	if r.status != 200 || r.header.Get("X-Total-Count") != "2" || len(r.array(t)) != 1 {
		t.Fatalf("available accounts: %d %s", r.status, r.body)
	}
	d := r.array(t)[0].(map[string]any)
	sa := d["sourceAccount"].(map[string]any)
	if d["appId"] != app.ID || d["appDisplayName"] != "Mail" || sa["id"] != u2 || sa["nativeIdentity"] != "CN=uma-2" ||
		sa["displayName"] != "uma-2" || sa["sourceId"] != e.sourceID || sa["sourceDisplayName"] != "Active Directory" {
		t.Fatalf("account details: %s", r.body)
	}
	checkError(t, e.req("GET", "/v2025/user-apps/"+userApp+"/available-accounts", tierAdmin, nil), 400) // not the caller's; no 404 declared
	checkError(t, e.req("GET", "/v2025/user-apps/"+userApp+"/available-accounts?limit=x", tierWrongLevel, nil), 400)
	if r := e.req("GET", "/v2025/user-apps/"+userApp+"/available-accounts", tierAPI, nil); r.status != 200 || len(r.array(t)) != 2 {
		t.Fatalf("API client: %d %s", r.status, r.body)
	}
	// No GET on /user-apps/{id}.
	checkError(t, e.req("GET", "/v2025/user-apps/"+userApp, tierAdmin, nil), 405)
}
