package api_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/micahq/mica"
	"github.com/micahq/mica/api"
	"github.com/micahq/mica/jobs"
	"github.com/micahq/mica/query"
)

// addAccounts inserts accounts straight into the harness's database file.
func (h *harness) addAccounts(t *testing.T, names ...string) []string {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+h.dbPath+"?_pragma=busy_timeout(10000)")
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = db.Close() }()
	now := time.Now().UTC().Format(query.TimeLayout)
	var ids []string
	for _, n := range names {
		id := fmt.Sprintf("%032x", time.Now().UnixNano())
		attrs, _ := json.Marshal(map[string]any{"sAMAccountName": n, "objectClass": []string{"top", "user"}})
		if _, err := db.ExecContext(context.Background(), `INSERT INTO accounts (id, source_id, source_name, native_identity, name,
			attributes, created, modified) VALUES (?, ?, 'Active Directory', ?, ?, ?, ?, ?)`, id, h.sourceID, "CN="+n, n,
			string(attrs), now, now); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	return ids
}

func TestClassificationAuthTiers(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	acct := h.addAccounts(t, "svc_backup")[0]
	cfgBody := `{"enabled":true,"classificationMethod":"SOURCE"}`
	type route struct {
		method, path string
		versions     []api.Version
		body         string
		ok           int
		apiOK        bool // applicationAuth allowed
	}
	routes := []route{
		{"PUT", "/sources/" + h.sourceID + "/machine-classification-config", api.Yearly2024Plus, cfgBody, 200, true},
		{"GET", "/sources/" + h.sourceID + "/machine-classification-config", api.Yearly2024Plus, "", 200, true},
		{"POST", "/accounts/" + acct + "/classify?classificationMode=forceHuman", api.Yearly2024Plus, "", 200, true},
		{"POST", "/sources/" + h.sourceID + "/declassify", api.Yearly2025Plus, "", 204, false},
		{"GET", "/machine-accounts", api.Yearly2024Plus, "", 200, false},
		// The source never ran a job (404) and has none to cancel (400): the tiers still apply first.
		{"GET", "/sources/" + h.sourceID + "/classify", api.Yearly2025Plus, "", 404, true},
		{"DELETE", "/sources/" + h.sourceID + "/classify", api.Yearly2025Plus, "", 400, true},
	}
	for _, rt := range routes {
		for _, v := range rt.versions {
			for _, tier := range allTiers {
				want := map[string]int{tierNone: 401, tierGarbage: 401, tierExpired: 401, tierDeleted: 401,
					tierWrongScope: 403, tierWrongLevel: 403, tierAPI: 403, tierAdmin: rt.ok}[tier]
				if tier == tierAPI && rt.apiOK {
					want = rt.ok
				}
				var body any
				if rt.body != "" {
					body = rt.body
				}
				r := h.do(rt.method, api.VersionPath(v, rt.path), tier, body, "X-SailPoint-Experimental", "true")
				if want >= 400 || (tier == tierAdmin && rt.ok >= 400) {
					checkError(t, r, want)
				} else if r.status != want {
					t.Fatalf("%s %s %s: %d %s", rt.method, api.VersionPath(v, rt.path), tier, r.status, r.body)
				}
			}
			// Every one of these is experimental in this version.
			if v == api.V2025 && (rt.path == "/machine-accounts" || strings.HasPrefix(rt.path, "/sources/") && strings.HasSuffix(rt.path, "/classify")) {
				continue // machine accounts and the classify operations take no header in v2025
			}
			var body any
			if rt.body != "" {
				body = rt.body
			}
			if r := h.do(rt.method, api.VersionPath(v, rt.path), tierAdmin, body); r.status != 400 ||
				!strings.Contains(string(r.body), "Experimental Header") {
				t.Fatalf("%s %s without header: %d %s", rt.method, api.VersionPath(v, rt.path), r.status, r.body)
			}
		}
	}
	// Absent in the versions that do not have them.
	checkError(t, h.do("POST", "/v2024/sources/"+h.sourceID+"/classify", tierAdmin, nil, "X-SailPoint-Experimental", "true"), 404)
	checkError(t, h.do("GET", "/beta/sources/"+h.sourceID+"/machine-classification-config", tierAdmin, nil), 404)
	// The three classify operations take the header or not under v2025, and need it under v2026.
	if r := h.do("GET", "/v2025/sources/"+h.sourceID+"/classify", tierAdmin, nil); r.status != 404 {
		t.Fatalf("v2025 GET classify without header: %d %s", r.status, r.body)
	}
	if r := h.do("GET", "/v2026/sources/"+h.sourceID+"/classify", tierAdmin, nil); r.status != 400 {
		t.Fatalf("v2026 GET classify without header: %d %s", r.status, r.body)
	}
}

func TestClassificationConfigValidation(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	path := "/v2025/sources/" + h.sourceID + "/machine-classification-config"
	exp := []string{"X-SailPoint-Experimental", "true"}
	r := h.do("GET", path, tierAdmin, nil, exp...)
	checkError(t, r, 404)
	bad := []struct{ body, want string }{
		{`{"enabled":true,"classificationMethod":"MAGIC"}`, "classificationMethod"},
		{`{"enabled":true,"classificationMethod":"CRITERIA"}`, "criteria"},
		{`{"enabled":true,"classificationMethod":"CRITERIA","criteria":{"operation":"LIKE","attribute":"a","value":"b"}}`, "LIKE"},
		{`{"enabled":true,"classificationMethod":"CRITERIA","criteria":{"operation":"AND","children":[]}}`, "child"},
		{`{"enabled":true,"classificationMethod":"CRITERIA","criteria":{"operation":"EQUALS","value":"b"}}`, "attribute"},
		{`{"enabled":true,"classificationMethod":"CRITERIA","criteria":{"operation":"OR","children":[{"operation":"AND","children":[{"operation":"OR","children":[{"operation":"EQUALS","attribute":"a","value":"b"}]}]}]}}`, "children[0].children[0]"},
		{`{"enabled":"yes"}`, "enabled"},
		{`{"enabled":true,`, "JSON"},
	}
	for _, b := range bad {
		r := h.do("PUT", path, tierAdmin, b.body, exp...)
		checkError(t, r, 400)
		if !strings.Contains(errorText(t, r), b.want) {
			t.Fatalf("%s: message %q does not name %q", b.body, errorText(t, r), b.want)
		}
	}
	checkError(t, h.do("GET", path, tierAdmin, nil, exp...), 404) // nothing half-written
	good := `{"enabled":true,"classificationMethod":"CRITERIA","criteria":{"operation":"OR","children":[{"operation":"STARTS_WITH","attribute":"sAMAccountName","value":"svc","caseSensitive":false},{"operation":"ENDS_WITH","attribute":"sAMAccountName","value":"$"}]}}`
	r = h.do("PUT", path, tierAdmin, good, exp...)
	if r.status != 200 {
		t.Fatalf("PUT: %d %s", r.status, r.body)
	}
	got := h.do("GET", path, tierAdmin, nil, exp...).object(t)
	if got["classificationMethod"] != "CRITERIA" || got["enabled"] != true || got["modified"] != nil || got["created"] == nil {
		t.Fatalf("config %v", got)
	}
	r = h.do("PUT", path, tierAdmin, good, exp...)
	if r.object(t)["modified"] == nil || r.object(t)["created"] != got["created"] {
		t.Fatalf("second PUT: %s", r.body)
	}
	r = h.do("DELETE", path, tierAdmin, nil, exp...)
	if r.status != 200 || len(r.body) != 0 {
		t.Fatalf("DELETE: %d %q", r.status, r.body)
	}
	// Every other version that has the config: put, then delete.
	for _, v := range []api.Version{api.V2024, api.V2026, api.V1} {
		p := api.VersionPath(v, "/sources/"+h.sourceID+"/machine-classification-config")
		if r := h.do("PUT", p, tierAdmin, good, exp...); r.status != 200 {
			t.Fatalf("%s PUT: %d %s", v, r.status, r.body)
		}
		if r := h.do("DELETE", p, tierAdmin, nil, exp...); r.status != 200 || len(r.body) != 0 {
			t.Fatalf("%s DELETE: %d %q", v, r.status, r.body)
		}
	}
	checkError(t, h.do("DELETE", path, tierAdmin, nil, exp...), 404)
	checkError(t, h.do("GET", "/v2025/sources/00000000000000000000000000000000/machine-classification-config", tierAdmin, nil, exp...), 404)
}

func TestClassifyAccountModes(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	ids := h.addAccounts(t, "svc_sql", "jdoe")
	exp := []string{"X-SailPoint-Experimental", "true"}
	classify := func(id, mode string) (int, string) {
		r := h.do("POST", "/v2024/accounts/"+id+"/classify?classificationMode="+mode, tierAdmin, nil, exp...)
		return r.status, string(r.body)
	}
	// No config: default changes nothing.
	if code, b := classify(ids[0], "default"); code != 200 || b != `{"isMachine":false}` {
		t.Fatalf("default without config: %d %s", code, b)
	}
	cfg := `{"enabled":true,"classificationMethod":"CRITERIA","criteria":{"operation":"STARTS_WITH","attribute":"sAMAccountName","value":"SVC"}}`
	if r := h.do("PUT", "/v2024/sources/"+h.sourceID+"/machine-classification-config", tierAdmin, cfg, exp...); r.status != 200 {
		t.Fatalf("PUT: %d %s", r.status, r.body)
	}
	steps := []struct{ id, mode, want string }{
		{ids[0], "", `{"isMachine":true}`},              // criteria: svc → machine
		{ids[1], "default", `{"isMachine":false}`},      // criteria: human
		{ids[1], "forceMachine", `{"isMachine":true}`},  // manual
		{ids[1], "default", `{"isMachine":true}`},       // manual kept by default
		{ids[1], "ignoreManual", `{"isMachine":false}`}, // criteria decide again
		{ids[0], "forceHuman", `{"isMachine":false}`},   // manual human
		{ids[0], "default", `{"isMachine":false}`},      // kept
		{ids[0], "ignoreManual", `{"isMachine":true}`},
	}
	for i, s := range steps {
		if code, b := classify(s.id, s.mode); code != 200 || b != s.want {
			t.Fatalf("step %d (%s): %d %s, want %s", i, s.mode, code, b, s.want)
		}
	}
	got := h.do("GET", "/v2025/machine-accounts/"+ids[0], tierAdmin, nil).object(t)
	if got["classificationMethod"] != "CRITERIA" || got["source"].(map[string]any)["id"] != h.sourceID {
		t.Fatalf("machine account %v", got)
	}
	checkError(t, h.do("GET", "/v2025/machine-accounts/"+ids[1], tierAdmin, nil), 404)
	if code, b := classify(ids[0], "sideways"); code != 400 || !strings.Contains(b, "sideways") {
		t.Fatalf("bad mode: %d %s", code, b)
	}
	if code, b := classify("ffffffffffffffffffffffffffffffff", "default"); code != 400 || !strings.Contains(b, "400.1.404") {
		t.Fatalf("unknown account: %d %s", code, b)
	}
	// Evidence: svc_sql is a service account by its name. jdoe has nothing
	// but a login: whichever discovery decides, the evidence says why.
	for i, id := range ids {
		ev := h.do("GET", "/mica/v1/accounts/"+id+"/evidence", tierAdmin, nil).object(t)
		d := ev["discovery"].(map[string]any)
		conf, _ := d["confidence"].(float64)
		machine := d["machine"] == true
		if i == 0 && (!machine || d["subtype"] != "service") || d["subtype"] == nil || conf < 0 || conf > 1 ||
			machine != (conf >= ev["threshold"].(float64)) {
			t.Fatalf("evidence of %s: %v", id, ev)
		}
		signals := d["signals"].([]any)
		sum := d["bias"].(float64)
		for _, x := range signals {
			sig := x.(map[string]any)
			if sig["name"] == "" || sig["detail"] == "" || sig["weight"].(float64) == 0 {
				t.Fatalf("signal %v", sig)
			}
			sum += sig["weight"].(float64)
		}
		if math.Abs(sum-d["score"].(float64)) > 0.05 {
			t.Fatalf("signals sum to %v, score %v", sum, d["score"])
		}
		cf := d["counterfactual"].(map[string]any)
		names := cf["signals"].([]any)
		if i == 0 && (len(names) == 0 || names[0] != "nameService") ||
			cf["flips"] == true && (len(names) == 0 || machine == (cf["confidence"].(float64) >= 0.5)) {
			t.Fatalf("counterfactual of %s: %v", id, cf)
		}
	}
}

func TestClassificationEdges(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	exp := []string{"X-SailPoint-Experimental", "true"}
	unknown := "00000000000000000000000000000000"
	for _, m := range []string{"POST", "DELETE"} {
		r := h.do(m, "/v2025/sources/"+unknown+"/classify", tierAdmin, nil, exp...)
		checkError(t, r, 400)
		if r.object(t)["detailCode"] != "400.1.404 Referenced object not found" {
			t.Fatalf("%s unknown source: %s", m, r.body)
		}
	}
	checkError(t, h.do("GET", "/v2025/sources/"+unknown+"/classify", tierAdmin, nil, exp...), 404)
	checkError(t, h.do("POST", "/v2025/sources/"+unknown+"/declassify", tierAdmin, nil, exp...), 400)
	r := h.do("POST", "/v2025/sources/"+h.sourceID+"/classify", tierAdmin, nil, exp...)
	checkError(t, r, 400)
	if !strings.Contains(errorText(t, r), "not enabled") {
		t.Fatalf("not enabled: %s", r.body)
	}
	for _, p := range []string{`{"batchSize":0,"delayMs":0}`, `{"batchSize":10,"delayMs":-1}`, `{"batchSize":10,"delayMs":600000}`, `[]`} {
		checkError(t, h.do("PUT", "/mica/v1/classification/pacing", tierAdmin, p), 400)
	}
	checkError(t, h.do("PUT", "/mica/v1/classification/pacing", tierWrongLevel, `{"batchSize":10,"delayMs":0}`), 403)
	if r := h.do("PUT", "/mica/v1/classification/pacing", tierAdmin, `{"batchSize":10,"delayMs":5}`); r.status != 200 {
		t.Fatalf("pacing: %d %s", r.status, r.body)
	}
	if got := h.do("GET", "/mica/v1/classification/pacing", tierAdmin, nil).object(t); got["batchSize"] != 10.0 || got["delayMs"] != 5.0 {
		t.Fatalf("pacing %v", got)
	}
}

// TestClassificationJobThroughAPI runs a source job with the real River runner,
// so that the job operations' 2xx responses are validated against the spec.
func TestClassificationJobThroughAPI(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	ctx := context.Background()
	runner, queue, err := jobs.NewSQLite(ctx, h.db.WritePool(), h.db, mica.Pacing{BatchSize: 2, Delay: 20 * time.Millisecond},
		slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	h.db.SetJobHook(queue.Enqueue)
	if err := runner.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = runner.Stop(context.Background()) })
	h.addAccounts(t, "svc_a", "svc_b", "carol", "dave", "svc_c", "erin")
	exp := []string{"X-SailPoint-Experimental", "true"}
	cfg := `{"enabled":true,"classificationMethod":"CRITERIA","criteria":{"operation":"STARTS_WITH","attribute":"sAMAccountName","value":"svc_"}}`
	if r := h.do("PUT", "/v2026/sources/"+h.sourceID+"/machine-classification-config", tierAdmin, cfg, exp...); r.status != 200 {
		t.Fatalf("PUT: %d %s", r.status, r.body)
	}
	for _, v := range []string{"v2025", "v2026"} {
		r := h.do("POST", "/"+v+"/sources/"+h.sourceID+"/classify", tierAdmin, nil, exp...)
		if r.status != 200 || string(r.body) != `{"Accounts submitted for processing":6}` {
			t.Fatalf("POST classify: %d %s", r.status, r.body)
		}
		deadline := time.Now().Add(30 * time.Second)
		for {
			st := h.do("GET", "/"+v+"/sources/"+h.sourceID+"/classify", tierAdmin, nil, exp...).object(t)
			if st["status"] == "COMPLETED" {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("job did not complete: %v", st)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	// Cancel under every version that has the operation.
	for _, v := range api.Yearly2025Plus {
		p := api.VersionPath(v, "/sources/"+h.sourceID+"/classify")
		if r := h.do("POST", p, tierAdmin, nil, exp...); r.status != 200 {
			t.Fatalf("POST %s: %d %s", v, r.status, r.body)
		}
		if r := h.do("DELETE", p, tierAdmin, nil, exp...); r.status != 204 {
			t.Fatalf("DELETE %s: %d %s", v, r.status, r.body)
		}
		if st := h.do("GET", p, tierAdmin, nil, exp...).object(t); st["status"] != "CANCELLED" {
			t.Fatalf("after cancel %s: %v", v, st)
		}
	}
	list := h.do("GET", "/v2026/machine-accounts?sorters=name", tierAdmin, nil, exp...).array(t)
	if len(list) != 3 || list[0].(map[string]any)["name"] != "svc_a" {
		t.Fatalf("machine accounts: %v", list)
	}
	for _, v := range api.Yearly2024Plus {
		p := api.VersionPath(v, "/machine-accounts/"+list[0].(map[string]any)["id"].(string))
		if r := h.do("GET", p, tierAdmin, nil, exp...); r.status != 200 {
			t.Fatalf("get machine account %s: %d", v, r.status)
		}
	}
	if r := h.do("GET", "/machine-accounts/v1?count=true", tierAdmin, nil, exp...); r.status != 200 || r.header.Get("X-Total-Count") != "3" {
		t.Fatalf("v1 machine accounts: %d %s", r.status, r.header.Get("X-Total-Count"))
	}
}

func TestUpdateMachineAccount(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	ids := h.addAccounts(t, "svc_patch", "human")
	exp := []string{"X-SailPoint-Experimental", "true"}
	if r := h.do("POST", "/v2025/accounts/"+ids[0]+"/classify?classificationMode=forceMachine", tierAdmin, nil, exp...); r.status != 200 {
		t.Fatalf("force machine: %d %s", r.status, r.body)
	}
	patch := func(v api.Version, id, tier, body string) response {
		return h.do("PATCH", api.VersionPath(v, "/machine-accounts/"+id), tier, body,
			"Content-Type", "application/json-patch+json", "X-SailPoint-Experimental", "true")
	}
	// A machine account's subtype names one of its source's subtypes.
	if r := patch(api.V2025, ids[0], tierAdmin, `[{"op":"replace","path":"/subType","value":"gMSA"}]`); r.status != 400 {
		t.Fatalf("patch to an unknown subtype: %d %s", r.status, r.body)
	}
	if err := h.db.CreateSubtype(context.Background(), &mica.Subtype{SourceID: h.sourceID, TechnicalName: "gMSA",
		DisplayName: "Group MSA", Description: "group managed service accounts"}); err != nil {
		t.Fatal(err)
	}
	good := `[{"op":"add","path":"/environment","value":"PROD"},{"op":"replace","path":"/description","value":"backup service"},
		{"op":"replace","path":"/subType","value":"gMSA"},{"op":"replace","path":"/ownerIdentity","value":{"type":"IDENTITY","id":"` + h.admin.ID + `"}},
		{"op":"add","path":"/attributes/team","value":"storage"},{"op":"replace","path":"/locked","value":true}]`
	for _, v := range api.Yearly2024Plus {
		r := patch(v, ids[0], tierAdmin, good)
		if r.status != 200 {
			t.Fatalf("%s patch: %d %s", v, r.status, r.body)
		}
		m := r.object(t)
		owner := m["ownerIdentity"].(map[string]any)
		if m["environment"] != "PROD" || m["description"] != "backup service" || m["subtype"] != "gMSA" ||
			owner["id"] != h.admin.ID || owner["name"] != "Ada Admin" || m["attributes"].(map[string]any)["team"] != "storage" ||
			m["locked"] != true || m["manuallyEdited"] != true {
			t.Fatalf("%s patched account: %s", v, r.body)
		}
	}
	got := h.do("GET", "/v2024/machine-accounts/"+ids[0], tierAdmin, nil, exp...).object(t)
	if got["environment"] != "PROD" || got["subtype"] != "gMSA" {
		t.Fatalf("after patch: %v", got)
	}
	for _, bad := range []string{
		`[{"op":"replace","path":"/id","value":"x"}]`,
		`[{"op":"replace","path":"/created","value":"2020-01-01T00:00:00Z"}]`,
		`[{"op":"replace","path":"/source","value":{"id":"other","type":"SOURCE"}}]`,
		`[{"op":"replace","path":"/classificationMethod","value":"GUESS"}]`,
		`[{"op":"replace","path":"/locked","value":"yes"}]`,
		`[{"op":"remove","path":"/nativeIdentity"}]`,
		`[{"op":"replace","path":"/ownerIdentity","value":{"type":"IDENTITY","id":"ffffffffffffffffffffffffffffffff"}}]`,
		`[{"op":"test","path":"/environment","value":"DEV"},{"op":"replace","path":"/environment","value":"DEV"}]`,
		`[]`,
	} {
		checkError(t, patch(api.V2025, ids[0], tierAdmin, bad), 400)
	}
	if after := h.do("GET", "/v2025/machine-accounts/"+ids[0], tierAdmin, nil).object(t); after["environment"] != "PROD" {
		t.Fatalf("a refused patch changed the account: %v", after)
	}
	checkError(t, patch(api.V2025, ids[1], tierAdmin, good), 404) // not a machine account
	checkError(t, patch(api.V2025, ids[0], tierHelpdesk, good), 403)
	checkError(t, patch(api.V2025, ids[0], tierWrongLevel, good), 403)
	checkError(t, patch(api.V2025, ids[0], tierNone, good), 401)
	if r := patch(api.V2025, ids[0], tierAPI, good); r.status != 200 {
		t.Fatalf("API client (applicationAuth): %d %s", r.status, r.body)
	}
	r := h.do("PATCH", "/v2026/machine-accounts/"+ids[0], tierAdmin, good, "Content-Type", "application/json-patch+json")
	if r.status != 400 || !strings.Contains(string(r.body), "Experimental Header") {
		t.Fatalf("v2026 without the header: %d %s", r.status, r.body)
	}
}
