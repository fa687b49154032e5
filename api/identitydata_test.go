package api_test

import (
	"bytes"
	"context"
	"fmt"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/micahq/mica"
	"github.com/micahq/mica/aggregate"
	"github.com/micahq/mica/api"
)

// startAggregator gives the harness a real background aggregation runner.
func (h *harness) startAggregator() *aggregate.Runner {
	h.t.Helper()
	r := &aggregate.Runner{Store: h.db, Connector: h.api.Connector}
	if err := r.Start(context.Background()); err != nil {
		h.t.Fatal(err)
	}
	h.t.Cleanup(r.Stop)
	h.api.Aggregator = r
	return r
}

// csvSource creates a delimited-file source.
func (h *harness) csvSource(name string, authoritative bool) *mica.Source {
	h.t.Helper()
	s := &mica.Source{Name: name, Owner: mica.Ref{ID: h.admin.ID}, Authoritative: authoritative}
	s.MakeDelimitedFile()
	if err := h.db.CreateSource(context.Background(), s); err != nil {
		h.t.Fatal(err)
	}
	return s
}

// multipartBody is a load-accounts body: the file and optional other fields.
func multipartBody(t *testing.T, csv string, fields ...string) ([]byte, string) {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for i := 0; i+1 < len(fields); i += 2 {
		_ = mw.WriteField(fields[i], fields[i+1])
	}
	if csv != "\x00" {
		fw, err := mw.CreateFormFile("file", "accounts.csv")
		if err != nil {
			t.Fatal(err)
		}
		_, _ = fw.Write([]byte(csv))
	}
	_ = mw.Close()
	return buf.Bytes(), mw.FormDataContentType()
}

// upload posts a CSV to load-accounts under v and returns the response.
func (h *harness) upload(v api.Version, sourceID, tier, csv string, fields ...string) response {
	h.t.Helper()
	body, ct := multipartBody(h.t, csv, fields...)
	return h.do(http.MethodPost, api.VersionPath(v, "/sources/"+sourceID+"/load-accounts"), tier, body, "Content-Type", ct)
}

// waitAggregation polls #24 until the aggregation ends and returns its final status body.
func (h *harness) waitAggregation(id string) map[string]any {
	h.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		r := h.do(http.MethodGet, "/v2025/account-aggregations/"+id+"/status", tierAdmin, nil)
		if r.status != 200 {
			h.t.Fatalf("status: %d %s", r.status, r.body)
		}
		m := r.object(h.t)
		if m["status"] == "COMPLETED" || m["status"] == "TERMINATED" {
			return m
		}
		time.Sleep(20 * time.Millisecond)
	}
	h.t.Fatal("aggregation did not end")
	return nil
}

// scenario is one operation of the identity-data scenario table.
type scenario struct {
	name     string
	method   string
	versions []api.Version
	// prepare returns a fresh path and body for one call (a delete needs a new object each time).
	prepare func(h *harness, v api.Version) (path string, body any, headers []string)
	ok      int
	noApp   func(v api.Version) bool // API clients refused (no applicationAuth)
	scopeOK func(v api.Version) bool // the wrong-scope tier (idn:identity:read only) is enough
	userOK  func(v api.Version) bool // the wrong-level tier (USER, sp:scopes:all) is enough
}

func never(api.Version) bool  { return false }
func always(api.Version) bool { return true }
func isBeta(v api.Version) bool {
	return v == api.Beta
}

func fixed(path string, body any) func(*harness, api.Version) (string, any, []string) {
	return func(*harness, api.Version) (string, any, []string) { return path, body, nil }
}

// TestIdentityDataAuthTiers is the scenario table of every identity-data
// route: each version that has it, each authentication tier.
func TestIdentityDataAuthTiers(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.startAggregator()
	ctx := context.Background()
	csvSrc := h.csvSource("Files", false)
	acct := &mica.Account{SourceID: h.sourceID, NativeIdentity: "CN=svc", Name: "svc"}
	if err := h.db.CreateAccounts(ctx, []*mica.Account{acct}); err != nil {
		t.Fatal(err)
	}
	ap := &mica.AccessProfile{Name: "AP", Owner: mica.Ref{ID: h.admin.ID}, Source: mica.Ref{ID: h.sourceID}, Requestable: true}
	if err := h.db.CreateAccessProfile(ctx, ap); err != nil {
		t.Fatal(err)
	}
	agg := &mica.Aggregation{SourceID: csvSrc.ID}
	if err := h.db.CreateAggregation(ctx, agg); err != nil {
		t.Fatal(err)
	}
	n := 0
	fresh := func() string { n++; return fmt.Sprintf("s%03d", n) }
	newSource := func(h *harness) string {
		s := &mica.Source{Name: "src " + fresh(), Owner: mica.Ref{ID: h.admin.ID}, Connector: "active-directory"}
		if err := h.db.CreateSource(ctx, s); err != nil {
			t.Fatal(err)
		}
		return s.ID
	}
	owner := map[string]any{"type": "IDENTITY", "id": h.admin.ID}
	src := map[string]any{"type": "SOURCE", "id": h.sourceID}
	scenarios := []scenario{
		{name: "createSource", method: "POST", versions: api.AllVersions, ok: 201, noApp: never, scopeOK: never, userOK: never,
			prepare: func(h *harness, v api.Version) (string, any, []string) {
				return "/sources", map[string]any{"name": "new " + fresh(), "owner": owner, "connector": "ldap"}, nil
			}},
		{name: "putSource", method: "PUT", versions: api.AllVersions, ok: 200, noApp: never, scopeOK: never, userOK: never,
			prepare: func(h *harness, v api.Version) (string, any, []string) {
				id := newSource(h)
				return "/sources/" + id, map[string]any{"name": "renamed " + fresh(), "owner": owner, "connector": "active-directory"}, nil
			}},
		{name: "updateSource", method: "PATCH", versions: api.AllVersions, ok: 200, noApp: never, scopeOK: never, userOK: never,
			prepare: func(h *harness, v api.Version) (string, any, []string) {
				return "/sources/" + newSource(h), `[{"op":"replace","path":"/description","value":"d"}]`,
					[]string{"Content-Type", "application/json-patch+json"}
			}},
		{name: "deleteSource", method: "DELETE", versions: api.AllVersions, ok: 202, noApp: never, scopeOK: never, userOK: never,
			prepare: func(h *harness, v api.Version) (string, any, []string) { return "/sources/" + newSource(h), nil, nil }},
		{name: "getCorrelationConfig", method: "GET", versions: api.NoV3, ok: 200, noApp: isBeta, scopeOK: never, userOK: never,
			prepare: fixed("/sources/"+h.sourceID+"/correlation-config", nil)},
		{name: "putCorrelationConfig", method: "PUT", versions: api.NoV3, ok: 200, noApp: isBeta, scopeOK: never, userOK: never,
			prepare: fixed("/sources/"+h.sourceID+"/correlation-config", map[string]any{"attributeAssignments": []any{
				map[string]any{"property": "email", "value": "mail", "operation": "EQ"}}})},
		{name: "listAccounts", method: "GET", versions: api.AllVersions, ok: 200, noApp: never, scopeOK: never, userOK: never,
			prepare: fixed("/accounts", nil)},
		{name: "getAccount", method: "GET", versions: api.AllVersions, ok: 200, noApp: never, scopeOK: never, userOK: never,
			prepare: fixed("/accounts/"+acct.ID, nil)},
		{name: "listIdentities", method: "GET", versions: api.NoV3, ok: 200, noApp: always, scopeOK: always, userOK: never,
			prepare: fixed("/identities", nil)},
		{name: "getIdentity", method: "GET", versions: api.NoV3, ok: 200, noApp: always, scopeOK: always, userOK: never,
			prepare: fixed("/identities/"+h.admin.ID, nil)},
		{name: "listAccessProfiles", method: "GET", versions: api.AllVersions, ok: 200, noApp: always, scopeOK: never, userOK: never,
			prepare: fixed("/access-profiles", nil)},
		{name: "createAccessProfile", method: "POST", versions: api.AllVersions, ok: 201, noApp: always, scopeOK: never, userOK: never,
			prepare: func(h *harness, v api.Version) (string, any, []string) {
				return "/access-profiles", map[string]any{"name": "ap " + fresh(), "owner": owner, "source": src}, nil
			}},
		{name: "getAccessProfile", method: "GET", versions: api.AllVersions, ok: 200, noApp: always, scopeOK: never, userOK: never,
			prepare: fixed("/access-profiles/"+ap.ID, nil)},
		{name: "deleteAccessProfile", method: "DELETE", versions: api.AllVersions, ok: 204, noApp: always, scopeOK: never, userOK: never,
			prepare: func(h *harness, v api.Version) (string, any, []string) {
				x := &mica.AccessProfile{Name: "gone " + fresh(), Owner: mica.Ref{ID: h.admin.ID}, Source: mica.Ref{ID: h.sourceID}, Requestable: true}
				if err := h.db.CreateAccessProfile(ctx, x); err != nil {
					t.Fatal(err)
				}
				return "/access-profiles/" + x.ID, nil, nil
			}},
		{name: "importAccounts", method: "POST", versions: api.NoV3, ok: 202, noApp: isBeta, scopeOK: never, userOK: never,
			prepare: func(h *harness, v api.Version) (string, any, []string) {
				// A source of its own each time: the files would otherwise queue
				// on one source faster than a slow machine aggregates them, and
				// the sixth would get the queue's 429 (this test is about rights).
				src := h.csvSource("Files "+fresh(), false)
				body, ct := multipartBody(t, "id,name\n1,a\n")
				return "/sources/" + src.ID + "/load-accounts", body, []string{"Content-Type", ct}
			}},
		{name: "getAccountAggregationStatus", method: "GET", versions: api.NoV3, ok: 200, noApp: always,
			scopeOK: func(v api.Version) bool { return v != api.Beta }, userOK: isBeta,
			prepare: fixed("/account-aggregations/"+agg.ID+"/status", nil)},
	}
	for _, sc := range scenarios {
		for _, v := range sc.versions {
			for _, tier := range allTiers {
				want := sc.ok
				switch tier {
				case tierNone, tierGarbage, tierExpired, tierDeleted:
					want = 401
				case tierWrongScope:
					if !sc.scopeOK(v) {
						want = 403
					}
				case tierWrongLevel:
					if !sc.userOK(v) {
						want = 403
					}
				case tierAPI:
					if sc.noApp(v) {
						want = 403
					}
				}
				path, body, headers := sc.prepare(h, v)
				p := api.VersionPath(v, path)
				r := h.do(sc.method, p, tier, body, headers...)
				if want >= 400 {
					checkError(t, r, want)
					continue
				}
				if r.status != want {
					t.Errorf("%s %s %s as %s: status %d, want %d: %s", sc.name, sc.method, p, tier, r.status, want, r.body)
				}
			}
		}
	}
	// Every version that lacks an operation answers 404.
	for _, p := range []string{"/v3/identities", "/v3/sources/" + h.sourceID + "/correlation-config",
		"/v3/account-aggregations/" + agg.ID + "/status"} {
		checkError(t, h.do(http.MethodGet, p, tierAdmin, nil), 404)
	}
}

// TestMicaExtensionsAuthTiers covers the /mica/v1 extension routes.
func TestMicaExtensionsAuthTiers(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	ctx := context.Background()
	ap := &mica.AccessProfile{Name: "AP", Owner: mica.Ref{ID: h.admin.ID}, Source: mica.Ref{ID: h.sourceID}, Requestable: true}
	if err := h.db.CreateAccessProfile(ctx, ap); err != nil {
		t.Fatal(err)
	}
	agg := &mica.Aggregation{SourceID: h.sourceID}
	if err := h.db.CreateAggregation(ctx, agg); err != nil {
		t.Fatal(err)
	}
	assign := "/mica/v1/identities/" + h.user.ID + "/access-profiles/" + ap.ID
	for _, c := range []struct {
		method, path string
		ok           int
		scopeOK      bool
	}{
		{"POST", assign, 204, false},
		{"GET", "/mica/v1/identities/" + h.user.ID + "/access-profiles", 200, false},
		{"DELETE", assign, 204, false},
		{"GET", "/mica/v1/account-aggregations/" + agg.ID, 200, true},
	} {
		for _, tier := range allTiers {
			want := c.ok
			switch tier {
			case tierNone, tierGarbage, tierExpired, tierDeleted:
				want = 401
			case tierWrongScope:
				if !c.scopeOK {
					want = 403
				}
			case tierWrongLevel, tierAPI:
				want = 403
			}
			if tier == tierAdmin && c.method == "DELETE" {
				h.do("POST", assign, tierAdmin, nil) // something to remove
			}
			r := h.do(c.method, c.path, tier, nil)
			if want >= 400 {
				checkError(t, r, want)
			} else if r.status != want {
				t.Errorf("%s %s as %s: %d %s", c.method, c.path, tier, r.status, r.body)
			}
		}
	}
}

// TestLoadAccountsEndToEnd uploads two files through the API, follows the
// status to its end and reads the accounts and identities back.
func TestLoadAccountsEndToEnd(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.startAggregator()
	hr := h.csvSource("HR", true)
	files := h.csvSource("Service Accounts", false)

	r := h.upload(api.V2025, hr.ID, tierAdmin, "id,name,firstname,lastname,email\n"+
		"e1,jane.doe,Jane,Doe,jane@example.com\ne2,john.roe,John,Roe,john@example.com\n")
	if r.status != 202 {
		t.Fatalf("upload: %d %s", r.status, r.body)
	}
	task := r.object(t)["task"].(map[string]any)
	if r.object(t)["success"] != true || task["type"] != "QUARTZ" || task["name"] != "Cloud Account Aggregation" ||
		task["launcher"] != "Ada Admin" || task["attributes"].(map[string]any)["appId"] != hr.ID ||
		len(task["returns"].([]any)) != 28 {
		t.Fatalf("task = %s", r.body)
	}
	st := h.waitAggregation(task["id"].(string))
	if st["status"] != "COMPLETED" || st["totalAccounts"] != 2.0 || st["processedAccounts"] != 2.0 ||
		st["totalIdentities"] != 2.0 || st["deletedAccounts"] != 0.0 {
		t.Fatalf("status = %v", st)
	}
	beta := h.do(http.MethodGet, "/beta/account-aggregations/"+task["id"].(string)+"/status", tierAdmin, nil).object(t)
	if len(beta) != 4 || beta["totalAccounts"] != 2.0 {
		t.Fatalf("beta status = %v", beta)
	}
	ids := h.do(http.MethodGet, `/v2025/identities?filters=alias+eq+%22jane.doe%22`, tierAdmin, nil).array(t)
	if len(ids) != 1 || ids[0].(map[string]any)["name"] != "Jane Doe" || ids[0].(map[string]any)["emailAddress"] != "jane@example.com" {
		t.Fatalf("identities = %v", ids)
	}
	janeID := ids[0].(map[string]any)["id"].(string)

	r = h.upload(api.V1, files.ID, tierAdmin, "id,name,description\nSA-1,jane.doe,backup\nSA-2,svc-ci,ci bot\n",
		"disableOptimization", "true")
	st = h.waitAggregation(r.object(t)["task"].(map[string]any)["id"].(string))
	if st["status"] != "COMPLETED" {
		t.Fatalf("status = %v", st)
	}
	accts := h.do(http.MethodGet, "/v2025/accounts?filters=sourceId+eq+%22"+files.ID+"%22&sorters=nativeIdentity&count=true",
		tierAdmin, nil)
	list := accts.array(t)
	if accts.header.Get("X-Total-Count") != "2" || len(list) != 2 {
		t.Fatalf("accounts = %s", accts.body)
	}
	a1, a2 := list[0].(map[string]any), list[1].(map[string]any)
	if a1["nativeIdentity"] != "SA-1" || a1["identityId"] != janeID || a1["uncorrelated"] != false ||
		a1["identity"].(map[string]any)["name"] != "Jane Doe" || a1["sourceName"] != "Service Accounts" ||
		a1["attributes"].(map[string]any)["description"] != "backup" || a1["connectionType"] != "file" {
		t.Fatalf("account 1 = %v", a1)
	}
	if a2["uncorrelated"] != true || a2["identityId"] != nil || len(a2) != 26 {
		t.Fatalf("account 2 (%d fields) = %v", len(a2), a2)
	}
	got := h.do(http.MethodGet, "/v3/accounts/"+a1["id"].(string), tierHelpdesk, nil).object(t)
	if got["id"] != a1["id"] || got["sourceOwner"].(map[string]any)["id"] != h.admin.ID {
		t.Fatalf("get account = %v", got)
	}
	// Filters of §4; recommendation.type only in v2025; isMachine only in mica's extension.
	for q, want := range map[string]int{
		"/v2025/accounts?filters=uncorrelated+eq+true":                                        1,
		"/mica/v1/accounts?filters=isMachine+eq+false+and+sourceId+eq+%22" + files.ID + "%22": 2,
		"/v2025/accounts?filters=recommendation.method+isnull":                                4,
		"/v2025/accounts?filters=recommendation.type+isnull":                                  4,
	} {
		r := h.do(http.MethodGet, q, tierAdmin, nil)
		if r.status != 200 || len(r.array(t)) != want {
			t.Errorf("%s: %d %s", q, r.status, r.body)
		}
	}
	checkError(t, h.do(http.MethodGet, "/v2025/accounts?filters=isMachine+eq+true", tierAdmin, nil), 400)
	checkError(t, h.do(http.MethodGet, "/v2024/accounts?filters=recommendation.type+isnull", tierAdmin, nil), 400)
	checkError(t, h.do(http.MethodGet, "/v2024/accounts?detailLevel=TINY", tierAdmin, nil), 400)
	checkError(t, h.do(http.MethodGet, "/v2024/identities?defaultFilter=SOME", tierAdmin, nil), 400)
	checkError(t, h.do(http.MethodGet, "/v2025/accounts/"+mica.NewID(), tierAdmin, nil), 404)
	checkError(t, h.do(http.MethodGet, "/v2025/identities/"+mica.NewID(), tierAdmin, nil), 404)
	checkError(t, h.do(http.MethodGet, "/v2025/account-aggregations/"+mica.NewID()+"/status", tierAdmin, nil), 404)
}

// TestLoadAccountsBadInput: what is refused at upload (4xx) and what ends the
// task in error; nothing changes the source's accounts.
func TestLoadAccountsBadInput(t *testing.T) {
	t.Parallel()
	h := newHarness(t, func(c *api.Config) { c.MaxUploadBytes = 4096 })
	h.startAggregator()
	src := h.csvSource("Files", false)
	st := h.waitAggregation(h.upload(api.V2025, src.ID, tierAdmin, "id,name\n1,a\n2,b\n").object(t)["task"].(map[string]any)["id"].(string))
	if st["status"] != "COMPLETED" {
		t.Fatal(st)
	}
	count := func() string {
		return h.do(http.MethodGet, "/v2025/accounts?count=true&limit=0&filters=sourceId+eq+%22"+src.ID+"%22", tierAdmin, nil).
			header.Get("X-Total-Count")
	}
	// Refused at upload.
	r := h.upload(api.V2025, h.sourceID, tierAdmin, "id,name\n1,a\n") // a directory source not configured yet
	checkError(t, r, 400)
	if !strings.Contains(errorText(t, r), "connectorAttributes.host (the directory server) is not set") {
		t.Fatalf("unconfigured directory source: %s", r.body)
	}
	other := &mica.Source{Name: "Workday", Owner: mica.Ref{ID: h.admin.ID}, Connector: "workday"}
	if err := h.db.CreateSource(context.Background(), other); err != nil {
		t.Fatal(err)
	}
	r = h.upload(api.V2025, other.ID, tierAdmin, "id,name\n1,a\n")
	checkError(t, r, 400)
	if !strings.Contains(errorText(t, r), "not a delimited-file or directory source") {
		t.Fatalf("other source: %s", r.body)
	}
	checkError(t, h.upload(api.V2025, src.ID, tierAdmin, "\x00", "disableOptimization", "true"), 400)
	checkError(t, h.upload(api.V2025, src.ID, tierAdmin, "id,name\n", "disableOptimization", "maybe"), 400)
	checkError(t, h.do(http.MethodPost, "/v2025/sources/"+src.ID+"/load-accounts", tierAdmin, map[string]any{}), 400)
	r = h.upload(api.V2025, src.ID, tierAdmin, "id,name\n"+strings.Repeat("1234567890,abcdefghij\n", 400))
	checkError(t, r, 413)
	checkError(t, h.upload(api.V2025, mica.NewID(), tierAdmin, "id,name\n"), 400) // #23 declares no 404
	// Ending in error, with the line named in the task's messages.
	for _, c := range []struct{ csv, msg string }{
		{"", "the file is empty"},
		{"1,a\n", `line 1: the header has no column "id"`},
		{"id,name\n1,a\n2\n", "line 3: the row has 1 fields, the header has 2"},
		{"id,name\n1,a\n1,b\n", `line 3: duplicate account id "1"`},
		{"id,name\n1,\xfe\n", `line 2: column "name" is not valid UTF-8`},
	} {
		id := h.upload(api.V2024, src.ID, tierAdmin, c.csv).object(t)["task"].(map[string]any)["id"].(string)
		st := h.waitAggregation(id)
		if st["status"] != "TERMINATED" || st["totalAccounts"] != nil {
			t.Fatalf("%q: status %v", c.csv, st)
		}
		task := h.do(http.MethodGet, "/mica/v1/account-aggregations/"+id, tierAdmin, nil).object(t)
		tb := task["task"].(map[string]any)
		msgs := tb["messages"].([]any)
		last := msgs[len(msgs)-1].(map[string]any)
		if task["success"] != false || tb["completionStatus"] != "ERROR" || last["type"] != "ERROR" ||
			!strings.Contains(last["localizedText"].(string), c.msg) {
			t.Fatalf("%q: task %v", c.csv, task)
		}
		if n := count(); n != "2" {
			t.Fatalf("%q: the source has %s accounts after a failed aggregation, want 2", c.csv, n)
		}
	}
}

// TestSourceWrites: create (delimited file), replace, patch, immutables, delete with its cascade.
func TestSourceWrites(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.startAggregator()
	owner := map[string]any{"type": "IDENTITY", "id": h.admin.ID}
	r := h.do(http.MethodPost, "/v2025/sources?provisionAsCsv=true", tierAdmin,
		map[string]any{"name": "CSV", "owner": owner, "connector": "whatever", "description": "d"})
	if r.status != 201 {
		t.Fatalf("create: %d %s", r.status, r.body)
	}
	s := r.object(t)
	attrs := s["connectorAttributes"].(map[string]any)
	if s["type"] != "DelimitedFile" || s["connector"] != "delimited-file-angularsc" || attrs["indexColumn"] != "id" ||
		s["owner"].(map[string]any)["name"] != "Ada Admin" {
		t.Fatalf("created = %v", s)
	}
	id := s["id"].(string)
	for _, c := range []struct {
		body   any
		status int
		text   string
	}{
		{map[string]any{"owner": owner, "connector": "x"}, 400, "name is required"},
		{map[string]any{"name": "n", "connector": "x"}, 400, "owner is required"},
		{map[string]any{"name": "n", "owner": owner}, 400, "connector is required"},
		{map[string]any{"name": "CSV", "owner": owner, "connector": "x"}, 400, "already exists"},
		{map[string]any{"name": "n", "owner": map[string]any{"id": mica.NewID()}, "connector": "x"}, 400, "not found"},
		{map[string]any{"name": "n", "owner": owner, "connector": "x", "deleteThreshold": 101}, 400, "deleteThreshold"},
		{`{"name": 5}`, 400, "must be string"},
	} {
		r := h.do(http.MethodPost, "/v3/sources", tierAdmin, c.body)
		checkError(t, r, c.status)
		if !strings.Contains(errorText(t, r), c.text) {
			t.Errorf("%v: %s", c.body, r.body)
		}
	}
	st := h.waitAggregation(h.upload(api.V2025, id, tierAdmin, "id,name\n1,a\n").object(t)["task"].(map[string]any)["id"].(string))
	if st["status"] != "COMPLETED" {
		t.Fatal(st)
	}
	patch := func(body string) response {
		return h.do(http.MethodPatch, "/v2024/sources/"+id, tierAdmin, body, "Content-Type", "application/json-patch+json")
	}
	r = patch(`[{"op":"replace","path":"/name","value":"Renamed"},{"op":"add","path":"/connectorAttributes/filterString","value":"x"}]`)
	if r.status != 200 || r.object(t)["name"] != "Renamed" || r.object(t)["connectorAttributes"].(map[string]any)["filterString"] != "x" {
		t.Fatalf("patch: %d %s", r.status, r.body)
	}
	acct := h.do(http.MethodGet, "/v2025/accounts?filters=sourceId+eq+%22"+id+"%22", tierAdmin, nil).array(t)[0].(map[string]any)
	if acct["sourceName"] != "Renamed" {
		t.Fatalf("the account's sourceName did not follow the rename: %v", acct)
	}
	checkError(t, patch(`[{"op":"replace","path":"/type","value":"LDAP"}]`), 400)
	checkError(t, patch(`[{"op":"replace","path":"/created","value":"2020-01-01T00:00:00Z"}]`), 400)
	r = h.do(http.MethodPut, "/v2026/sources/"+id, tierAdmin, map[string]any{"name": "Put", "owner": owner,
		"connector": "delimited-file-angularsc", "type": "DelimitedFile", "authoritative": false})
	if r.status != 200 || r.object(t)["name"] != "Put" || r.object(t)["description"] != "" {
		t.Fatalf("put: %d %s", r.status, r.body)
	}
	for _, body := range []map[string]any{
		{"name": "Put", "owner": owner, "type": "LDAP"},
		{"name": "Put", "owner": owner, "authoritative": true},
		{"name": "Put", "owner": owner, "connector": "ldap"},
		{"name": "Put", "owner": owner, "id": mica.NewID()},
	} {
		checkError(t, h.do(http.MethodPut, "/v2026/sources/"+id, tierAdmin, body), 400)
	}
	checkError(t, h.do(http.MethodPut, "/v2026/sources/"+mica.NewID(), tierAdmin, map[string]any{"name": "x", "owner": owner}), 404)
	ap := h.do(http.MethodPost, "/v2025/access-profiles", tierAdmin, map[string]any{"name": "AP", "owner": owner,
		"source": map[string]any{"id": id}})
	if ap.status != 201 {
		t.Fatalf("ap: %s", ap.body)
	}
	r = h.do(http.MethodDelete, "/sources/v1/"+id, tierAdmin, nil)
	if r.status != 202 || r.object(t)["type"] != "TASK_RESULT" || r.object(t)["name"] != "Put" {
		t.Fatalf("delete: %d %s", r.status, r.body)
	}
	checkError(t, h.do(http.MethodGet, "/v3/sources/"+id, tierAdmin, nil), 404)
	checkError(t, h.do(http.MethodGet, "/v3/accounts/"+acct["id"].(string), tierAdmin, nil), 404)
	checkError(t, h.do(http.MethodGet, "/v2024/access-profiles/"+ap.object(t)["id"].(string), tierAdmin, nil), 404)
	checkError(t, h.do(http.MethodGet, "/v2025/access-profiles/"+ap.object(t)["id"].(string), tierAdmin, nil), 400)
	checkError(t, h.do(http.MethodDelete, "/v3/sources/"+id, tierAdmin, nil), 404)
}

// TestAccessProfilesAndCorrelation covers the bodies of access profiles, their
// assignment through the mica extension, and the correlation config.
func TestAccessProfilesAndCorrelation(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	owner := map[string]any{"type": "IDENTITY", "id": h.admin.ID, "name": "Ada Admin"}
	src := map[string]any{"type": "SOURCE", "id": h.sourceID}
	r := h.do(http.MethodPost, "/v3/access-profiles", tierAdmin, map[string]any{"name": "Admins", "owner": owner,
		"source": src, "description": "domain admins", "enabled": true,
		"entitlements": []any{map[string]any{"type": "ENTITLEMENT", "id": "e1", "name": "Domain Admins"}}})
	if r.status != 201 {
		t.Fatalf("create: %d %s", r.status, r.body)
	}
	ap := r.object(t)
	if len(ap) != 16 || ap["requestable"] != true || ap["source"].(map[string]any)["name"] != "Active Directory" ||
		ap["enabled"] != true || ap["description"] != "domain admins" {
		t.Fatalf("access profile = %v", ap)
	}
	id := ap["id"].(string)
	for _, c := range []struct {
		body map[string]any
		text string
	}{
		{map[string]any{"owner": owner, "source": src}, "name is required"},
		{map[string]any{"name": "x", "source": src}, "owner is required"},
		{map[string]any{"name": "x", "owner": owner}, "source is required"},
		{map[string]any{"name": "x", "owner": owner, "source": map[string]any{"id": mica.NewID()}}, "not found"},
		{map[string]any{"name": "x", "owner": map[string]any{"id": h.admin.ID, "name": "Somebody"}, "source": src}, "does not match"},
		{map[string]any{"name": "x", "owner": owner, "source": src, "enabled": true}, "at least one entitlement"},
		{map[string]any{"name": "x", "owner": owner, "source": src, "requestable": false}, "Request Center"},
		{map[string]any{"name": "x", "owner": owner, "source": src, "description": strings.Repeat("d", 2001)}, "2000"},
	} {
		r := h.do(http.MethodPost, "/v2025/access-profiles", tierAdmin, c.body)
		checkError(t, r, 400)
		if !strings.Contains(errorText(t, r), c.text) {
			t.Errorf("%v: %s", c.body, r.body)
		}
	}
	// A ROLE_ADMIN has all four scopes; a token with only access-profile:manage lacks the others.
	narrowID, narrowSecret := h.client(h.admin, "idn:access-profile:manage")
	r = h.do(http.MethodPost, "/v2025/access-profiles", h.token(narrowID, narrowSecret), map[string]any{"name": "y",
		"owner": owner, "source": src})
	checkError(t, r, 403)
	if list := h.do(http.MethodGet, "/v2024/access-profiles?filters=source.id+eq+%22"+h.sourceID+"%22", tierAdmin, nil).array(t); len(list) != 1 {
		t.Fatalf("list = %v", list)
	}
	if got := h.do(http.MethodGet, "/beta/access-profiles/"+id, tierAdmin, nil).object(t); got["name"] != "Admins" {
		t.Fatalf("get = %v", got)
	}
	// The mica extension: an identity holds the access profile.
	if r := h.do(http.MethodPost, "/mica/v1/identities/"+h.user.ID+"/access-profiles/"+id, tierAdmin, nil); r.status != 204 {
		t.Fatalf("assign: %d %s", r.status, r.body)
	}
	held := h.do(http.MethodGet, "/mica/v1/identities/"+h.user.ID+"/access-profiles", tierAdmin, nil).array(t)
	if len(held) != 1 || held[0].(map[string]any)["id"] != id {
		t.Fatalf("held = %v", held)
	}
	checkError(t, h.do(http.MethodPost, "/mica/v1/identities/"+mica.NewID()+"/access-profiles/"+id, tierAdmin, nil), 404)
	checkError(t, h.do(http.MethodPost, "/mica/v1/identities/"+h.user.ID+"/access-profiles/"+mica.NewID(), tierAdmin, nil), 404)
	if r := h.do(http.MethodDelete, "/v2025/access-profiles/"+id, tierAdmin, nil); r.status != 204 || len(r.body) != 0 {
		t.Fatalf("delete: %d %s", r.status, r.body)
	}
	checkError(t, h.do(http.MethodGet, "/v2024/access-profiles/"+id, tierAdmin, nil), 404)
	checkError(t, h.do(http.MethodGet, "/v2025/access-profiles/"+id, tierAdmin, nil), 400) // no 404 declared
	checkError(t, h.do(http.MethodDelete, "/v2025/access-profiles/"+id, tierAdmin, nil), 400)
	if held := h.do(http.MethodGet, "/mica/v1/identities/"+h.user.ID+"/access-profiles", tierAdmin, nil).array(t); len(held) != 0 {
		t.Fatalf("assignment outlived its access profile: %v", held)
	}

	// Correlation config: empty by default, replaced by PUT, ignoreCase defaulting to true.
	path := "/v2025/sources/" + h.sourceID + "/correlation-config"
	c := h.do(http.MethodGet, path, tierAdmin, nil).object(t)
	if c["id"] != nil || c["name"] != "Source [Active Directory] Account Correlation" || len(c["attributeAssignments"].([]any)) != 0 {
		t.Fatalf("default config = %v", c)
	}
	r = h.do(http.MethodPut, path, tierAdmin, map[string]any{"attributeAssignments": []any{
		map[string]any{"property": "email", "value": "mail"},
		map[string]any{"property": "uid", "value": "sAMAccountName", "ignoreCase": false, "operation": "EQ"}}})
	if r.status != 200 {
		t.Fatalf("put: %d %s", r.status, r.body)
	}
	c = h.do(http.MethodGet, path, tierAdmin, nil).object(t)
	as := c["attributeAssignments"].([]any)
	if c["id"] == nil || len(as) != 2 || as[0].(map[string]any)["ignoreCase"] != true ||
		as[1].(map[string]any)["ignoreCase"] != false || as[0].(map[string]any)["operation"] != "EQ" {
		t.Fatalf("config = %v", c)
	}
	if b := h.do(http.MethodGet, "/beta/sources/"+h.sourceID+"/correlation-config", tierAdmin, nil).object(t); b["attributeAssignments"].([]any)[1].(map[string]any)["sequence"] != 2.0 {
		t.Fatalf("beta config = %v", b)
	}
	for _, body := range []any{
		map[string]any{"attributeAssignments": []any{map[string]any{"value": "mail"}}},
		map[string]any{"attributeAssignments": []any{map[string]any{"property": "email", "value": "mail", "operation": "NE"}}},
		map[string]any{"attributeAssignments": []any{map[string]any{"property": "email", "value": "mail", "complex": true}}},
		map[string]any{"attributeAssignments": []any{map[string]any{"property": "em\"ail", "value": "mail"}}},
		`{"attributeAssignments": "x"}`,
	} {
		checkError(t, h.do(http.MethodPut, path, tierAdmin, body), 400)
	}
	checkError(t, h.do(http.MethodGet, "/v2025/sources/"+mica.NewID()+"/correlation-config", tierAdmin, nil), 404)
}
