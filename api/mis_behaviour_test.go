package api_test

import (
	"context"
	"io"
	"log/slog"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/micahq/mica"
	"github.com/micahq/mica/jobs"
)

var expHeader = []string{"X-SailPoint-Experimental", "true"}

// startJobs runs the real River runner over the harness's database, with the
// store's hooks, so that queued work is done.
func (h *harness) startJobs(t *testing.T) {
	t.Helper()
	ctx := context.Background()
	runner, queue, err := jobs.NewSQLite(ctx, h.db.WritePool(), h.db, mica.Pacing{BatchSize: 100}, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	h.db.SetJobHook(queue.Enqueue)
	h.db.SetTaskHook(queue.EnqueueTask)
	if err := runner.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = runner.Stop(context.Background()) })
}

// until polls get until done accepts its answer, for at most 30 s.
func until(t *testing.T, what string, get func() map[string]any, done func(map[string]any) bool) map[string]any {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		m := get()
		if done(m) {
			return m
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: still %v", what, m)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func detail(t *testing.T, r response) string {
	t.Helper()
	d, _ := r.object(t)["detailCode"].(string)
	return d
}

func filterQ(f string) string { return "filters=" + url.QueryEscape(f) }

func TestSubtypesBehaviour(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	body := map[string]any{"sourceId": h.sourceID, "technicalName": "gMSA", "displayName": "Group MSA", "description": "gMSAs"}
	r := h.do("POST", "/v2026/source-subtypes", tierAdmin, body, expHeader...)
	if r.status != 201 {
		t.Fatalf("create: %d %s", r.status, r.body)
	}
	st := r.object(t)
	id := st["id"].(string)
	if st["source"].(map[string]any)["name"] != "Active Directory" || st["systemManaged"] != false {
		t.Fatalf("created = %v", st)
	}
	// One object set, two families: the legacy forms read the same subtype.
	for _, p := range []string{"/v2025/sources/" + h.sourceID + "/subtypes/gmsa", "/v2025/sources/subtypes/" + id,
		"/sources/v1/subtypes/" + id} {
		got := h.do("GET", p, tierAdmin, nil, expHeader...)
		if got.status != 200 || got.object(t)["id"] != id || got.object(t)["technicalName"] != "gMSA" {
			t.Fatalf("GET %s: %d %s", p, got.status, got.body)
		}
		if _, ok := got.object(t)["systemManaged"]; ok {
			t.Fatalf("the legacy form has no systemManaged: %s", got.body)
		}
	}
	// Bad input: duplicate technical name, unknown source (body and path), bad name, missing fields.
	for _, c := range []struct {
		path   string
		body   any
		detail string
	}{
		{"/v2026/source-subtypes", map[string]any{"sourceId": h.sourceID, "technicalName": "GMSA", "displayName": "x", "description": "x"}, "400.1.409"},
		{"/v2026/source-subtypes", map[string]any{"sourceId": mica.NewID(), "technicalName": "x", "displayName": "x", "description": "x"}, "400.1.404"},
		{"/v2025/sources/" + mica.NewID() + "/subtypes", map[string]any{"technicalName": "x", "displayName": "x", "description": "x"}, "400.1.404"},
		{"/v2026/source-subtypes", map[string]any{"sourceId": h.sourceID, "technicalName": "has space", "displayName": "x", "description": "x"}, "400.1.3"},
		{"/v2026/source-subtypes", map[string]any{"sourceId": h.sourceID, "technicalName": "x", "displayName": "x"}, "400.1.0"},
		{"/v2026/source-subtypes/bulk-retrieve", []string{}, "400.1.0"},
	} {
		r := h.do("POST", c.path, tierAdmin, c.body, expHeader...)
		checkError(t, r, 400)
		if !strings.HasPrefix(detail(t, r), c.detail) {
			t.Fatalf("POST %s %v: %s", c.path, c.body, r.body)
		}
	}
	list := h.do("GET", "/v2026/source-subtypes?count=true", tierAdmin, nil, expHeader...)
	if list.header.Get("X-Total-Count") != "1" {
		t.Fatalf("refused creates were written: %s", list.body)
	}
	// By-id operations answer 404 (undeclared, REFERENCE.md §15.5 defect 7).
	for _, c := range []struct{ method, path string }{
		{"GET", "/v2025/sources/" + h.sourceID + "/subtypes/nope"}, {"DELETE", "/v2026/source-subtypes/" + mica.NewUUID()},
		{"GET", "/v2025/sources/subtypes/subtypes"}, // the literal path wins over /sources/{sourceId}/subtypes
	} {
		checkError(t, h.do(c.method, c.path, tierAdmin, nil, expHeader...), 404)
	}
	// Only displayName and description are patchable.
	r = h.do("PATCH", "/v2026/source-subtypes/"+id, tierAdmin, `[{"op":"replace","path":"/technicalName","value":"x"}]`, expHeader...)
	checkError(t, r, 400)
	// A machine account's subtype is one of its source's subtypes, found by its display name too.
	acct := h.addAccounts(t, "svc_sql")[0]
	h.do("POST", "/v2025/accounts/"+acct+"/classify?classificationMode=forceMachine", tierAdmin, nil, expHeader...)
	r = h.do("PATCH", "/v2026/machine-accounts/"+acct, tierAdmin, `[{"op":"replace","path":"/subType","value":"gmsa"}]`, expHeader...)
	if r.status != 200 || r.object(t)["subtype"] != "gMSA" {
		t.Fatalf("patch subtype: %d %s", r.status, r.body)
	}
	r = h.do("GET", "/v2026/machine-accounts?"+filterQ(`subtype.displayName eq "group msa"`), tierAdmin, nil, expHeader...)
	if len(r.array(t)) != 1 {
		t.Fatalf("machine accounts by subtype display name: %s", r.body)
	}
	r = h.do("DELETE", "/v2026/source-subtypes/"+id, tierAdmin, nil, expHeader...)
	checkError(t, r, 400)
	if !strings.HasPrefix(detail(t, r), "400.2.1.0") || !strings.Contains(errorText(t, r), "1 machine account") {
		t.Fatalf("delete in use: %s", r.body)
	}
	// Over the limit.
	for i := 1; i < mica.MaxSubtypesPerSource; i++ {
		if err := h.db.CreateSubtype(context.Background(), &mica.Subtype{SourceID: h.sourceID, TechnicalName: "t" + strings.Repeat("x", i),
			DisplayName: "t", Description: "t"}); err != nil {
			t.Fatal(err)
		}
	}
	r = h.do("POST", "/v2025/sources/"+h.sourceID+"/subtypes", tierAdmin, map[string]any{"technicalName": "one-more",
		"displayName": "x", "description": "x"}, expHeader...)
	checkError(t, r, 400)
	if !strings.Contains(errorText(t, r), "the most a source may have") {
		t.Fatalf("over the limit: %s", r.body)
	}
}

func TestMachineIdentitiesBehaviour(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	count := func() string {
		return h.do("GET", "/v2026/machine-identities?count=true&limit=0", tierAdmin, nil, expHeader...).header.Get("X-Total-Count")
	}
	owners := func(primary string, secondary ...string) map[string]any {
		var sec []any
		for _, s := range secondary {
			sec = append(sec, map[string]any{"type": "IDENTITY", "id": s})
		}
		if sec == nil {
			sec = []any{}
		}
		return map[string]any{"primaryIdentity": map[string]any{"type": "IDENTITY", "id": primary}, "secondaryIdentities": sec}
	}
	for _, c := range []struct {
		path   string
		body   map[string]any
		detail string
	}{
		{"/v2024/machine-identities", map[string]any{"name": "x"}, "400.1.0"}, // businessApplication
		{"/v2025/machine-identities", map[string]any{"name": "x", "businessApplication": "b"}, "400.1.0"},
		{"/v2026/machine-identities", map[string]any{"name": "x", "subtype": "AI_AGENT"}, "400.1.0"}, // nativeIdentity
		{"/v2026/machine-identities", map[string]any{"name": "x", "subtype": "AI_AGENT", "nativeIdentity": "n",
			"owners": owners(h.admin.ID, mica.NewID())}, "400.1.404"}, // an owner that does not exist
		{"/v2026/machine-identities", map[string]any{"name": "x", "subtype": "AI_AGENT", "nativeIdentity": "n",
			"businessApplicationRefs": []any{map[string]any{"type": "BUSINESS_APPLICATION", "id": mica.NewUUID()}}}, "400.1.3"},
		{"/v2026/machine-identities", map[string]any{"name": "x", "subtype": "AI_AGENT", "nativeIdentity": "n",
			"description": strings.Repeat("d", 2001)}, "400.1.3"},
		{"/machine-identities/v2", map[string]any{"name": "x", "owners": map[string]any{"primary": map[string]any{
			"type": "GOVERNANCE_GROUP", "id": "g1"}}}, "400.1.404"},
		{"/machine-identities/v2", map[string]any{"name": "x", "sourceId": mica.NewID()}, "400.1.404"},
	} {
		r := h.do("POST", c.path, tierAdmin, c.body, expHeader...)
		checkError(t, r, 400)
		if !strings.HasPrefix(detail(t, r), c.detail) {
			t.Fatalf("POST %s: %s", c.path, r.body)
		}
	}
	if n := count(); n != "0" {
		t.Fatalf("refused creates left %s machine identities", n)
	}
	acct := h.addAccounts(t, "svc_agent")[0]
	h.do("POST", "/v2025/accounts/"+acct+"/classify?classificationMode=forceMachine", tierAdmin, nil, expHeader...)
	r := h.do("POST", "/v2026/machine-identities", tierAdmin, map[string]any{"name": "Agent", "subtype": "AI_AGENT",
		"nativeIdentity": "CN=svc_agent", "sourceId": h.sourceID, "owners": owners(h.admin.ID, h.helpdesk.ID)}, expHeader...)
	if r.status != 200 {
		t.Fatalf("create: %d %s", r.status, r.body)
	}
	mi := r.object(t)
	id := mi["id"].(string)
	if mi["owners"].(map[string]any)["primaryIdentity"].(map[string]any)["name"] != "Ada Admin" || mi["manuallyCreated"] != true ||
		mi["businessApplicationRefs"] != nil || mi["source"].(map[string]any)["name"] != "Active Directory" {
		t.Fatalf("created = %v", mi)
	}
	// The machine account of that source and native identity belongs to it now.
	ma := h.do("GET", "/v2026/machine-accounts/"+acct, tierAdmin, nil, expHeader...).object(t)
	if ma["machineIdentity"].(map[string]any)["id"] != id {
		t.Fatalf("machine account = %v", ma)
	}
	r = h.do("GET", "/v2026/machine-accounts?"+filterQ(`machineIdentity.id eq "`+id+`"`), tierAdmin, nil, expHeader...)
	if len(r.array(t)) != 1 {
		t.Fatalf("machine accounts of the identity: %s", r.body)
	}
	// The same identity in each form.
	if got := h.do("GET", "/machine-identities/v2/"+id, tierAdmin, nil).object(t); got["owners"].(map[string]any)["primary"].(map[string]any)["id"] != h.admin.ID ||
		got["status"] != nil {
		t.Fatalf("v2 form = %v", got)
	}
	if got := h.do("GET", "/v2024/machine-identities/"+id, tierAdmin, nil, expHeader...).object(t); got["businessApplication"] != "" {
		t.Fatalf("v2024 form = %v", got)
	}
	r = h.do("GET", "/v2025/machine-identities?"+filterQ(`owners.secondaryIdentity.id eq "`+h.helpdesk.ID+`"`), tierAdmin, nil, expHeader...)
	if len(r.array(t)) != 1 {
		t.Fatalf("filter by secondary owner: %s", r.body)
	}
	checkError(t, h.do("GET", "/v2026/machine-identities?"+filterQ(`effectiveSanctionedStatus eq "SANCTIONED"`), tierAdmin, nil, expHeader...), 400)
	// PATCH: an owner that does not exist is refused, and nothing changes.
	r = h.do("PATCH", "/v2026/machine-identities/"+id, tierAdmin, `[{"op":"replace","path":"/owners/primaryIdentity/id","value":"`+mica.NewID()+`"},
		{"op":"replace","path":"/description","value":"lost"}]`, expHeader...)
	checkError(t, r, 400)
	r = h.do("PATCH", "/v2026/machine-identities/"+id, tierAdmin, `[{"op":"add","path":"/attributes/securityRisk","value":"high"},
		{"op":"replace","path":"/owners/secondaryIdentities","value":[]},{"op":"replace","path":"/businessApplicationRefs","value":[]}]`, expHeader...)
	if r.status != 200 {
		t.Fatalf("patch: %d %s", r.status, r.body)
	}
	if got := r.object(t); got["attributes"].(map[string]any)["securityRisk"] != "high" || got["description"] != nil ||
		len(got["owners"].(map[string]any)["secondaryIdentities"].([]any)) != 0 || got["manuallyEdited"] != true {
		t.Fatalf("patched = %v", got)
	}
	r = h.do("PATCH", "/machine-identities/v2/"+id, tierAdmin, `[{"op":"replace","path":"/environment","value":"PROD"},{"op":"replace","path":"/name","value":"Agent 2"}]`)
	if r.status != 200 || r.object(t)["environment"] != "PROD" {
		t.Fatalf("v2 patch: %d %s", r.status, r.body)
	}
	if ma := h.do("GET", "/v2026/machine-accounts/"+acct, tierAdmin, nil, expHeader...).object(t); ma["machineIdentity"].(map[string]any)["name"] != "Agent 2" {
		t.Fatalf("the account's identity name after a rename = %v", ma["machineIdentity"])
	}
	if r := h.do("DELETE", "/machine-identities/v2/"+id, tierAdmin, nil); r.status != 204 {
		t.Fatalf("delete: %d %s", r.status, r.body)
	}
	checkError(t, h.do("GET", "/v2025/machine-identities/"+id, tierAdmin, nil, expHeader...), 404)
	if ma := h.do("GET", "/v2026/machine-accounts/"+acct, tierAdmin, nil, expHeader...).object(t); ma["machineIdentity"] != nil {
		t.Fatalf("the account still names the deleted identity: %v", ma)
	}
}

func TestMappingsBehaviour(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.startJobs(t)
	f := newMISFixture(t, h)
	acct := h.addAccounts(t, "svc_map")[0]
	h.do("POST", "/v2025/accounts/"+acct+"/classify?classificationMode=forceMachine", tierAdmin, nil, expHeader...)
	path := "/v2026/sources/" + h.sourceID + "/machine-account-mappings"
	bad := f.mapping("colour")
	r := h.do("POST", path, tierAdmin, bad, expHeader...)
	checkError(t, r, 400)
	if !strings.Contains(errorText(t, r), "colour") {
		t.Fatalf("mapping to an unknown field: %s", r.body)
	}
	checkError(t, h.do("POST", "/v2026/sources/"+mica.NewID()+"/machine-account-mappings", tierAdmin, f.mapping("environment"), expHeader...), 400)
	if got := h.do("GET", path, tierAdmin, nil, expHeader...).array(t); len(got) != 0 {
		t.Fatalf("a refused mapping was written: %v", got)
	}
	// The account's "objectClass" attribute (first value) becomes its environment, upper-cased.
	m := f.mapping("environment")
	m["transformDefinition"].(map[string]any)["attributes"].(map[string]any)["input"].(map[string]any)["attributes"].(map[string]any)["attributeName"] = "objectClass"
	r = h.do("POST", path, tierAdmin, m, expHeader...)
	if r.status != 200 || len(r.array(t)) != 1 {
		t.Fatalf("create mapping: %d %s", r.status, r.body)
	}
	checkError(t, h.do("POST", path, tierAdmin, m, expHeader...), 400) // the same target twice
	until(t, "mapping job", func() map[string]any {
		return h.do("GET", "/mica/v1/sources/"+h.sourceID+"/machine-account-mappings/job", tierAdmin, nil).object(t)
	}, func(j map[string]any) bool { return j["status"] == "COMPLETED" })
	if ma := h.do("GET", "/v2026/machine-accounts/"+acct, tierAdmin, nil, expHeader...).object(t); ma["environment"] != "TOP" {
		t.Fatalf("mapped machine account = %v", ma)
	}
	// PUT replaces them all; DELETE removes them.
	r = h.do("PUT", "/v2026/sources/"+h.sourceID+"/machine-mappings", tierAdmin, []any{f.mapping("attributes.env"), f.mapping("description")})
	if r.status != 200 || len(r.array(t)) != 2 {
		t.Fatalf("put: %d %s", r.status, r.body)
	}
	if got := h.do("GET", path+"?offset=1&limit=5", tierAdmin, nil, expHeader...).array(t); len(got) != 1 {
		t.Fatalf("paged mappings: %v", got)
	}
	if r := h.do("DELETE", path, tierAdmin, nil, expHeader...); r.status != 200 || len(r.body) != 0 {
		t.Fatalf("delete: %d %s", r.status, r.body)
	}
	if got := h.do("GET", path, tierAdmin, nil, expHeader...).array(t); len(got) != 0 {
		t.Fatalf("after delete: %v", got)
	}
}

func TestAccountRequestsBehaviour(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.startJobs(t)
	f := newMISFixture(t, h)
	path := "/v2026/account-requests/machine-account-create"
	body := func(name string) map[string]any {
		return map[string]any{"subtypeId": f.creatable.ID, "ownerIdentityId": h.helpdesk.ID, "environment": "PROD",
			"description": "for backups", "userInput": map[string]any{"name": name}}
	}
	// Only holders of the subtype's create entitlement may request; references must exist.
	checkError(t, h.do("POST", path, tierWrongLevel, body("svc-denied"), expHeader...), 403)
	b := body("x")
	b["ownerIdentityId"] = mica.NewID()
	checkError(t, h.do("POST", path, tierAdmin, b, expHeader...), 400)
	b = body("x")
	b["subtypeId"] = mica.NewUUID()
	checkError(t, h.do("POST", path, tierAdmin, b, expHeader...), 400)
	access := h.do("GET", "/v2026/source-subtypes/machine-account-create-access", tierAdmin, nil, expHeader...).array(t)
	if len(access) != 1 || access[0].(map[string]any)["subtypes"].([]any)[0].(map[string]any)["subtypeId"] != f.creatable.ID {
		t.Fatalf("create access = %v", access)
	}
	if got := h.do("GET", "/v2026/source-subtypes/machine-account-create-access", tierWrongLevel, nil, expHeader...).array(t); len(got) != 0 {
		t.Fatalf("a user without the entitlement sees %v", got)
	}

	r := h.do("POST", path, tierAdmin, body("svc-backup"), expHeader...)
	if r.status != 202 {
		t.Fatalf("create: %d %s", r.status, r.body)
	}
	id := r.object(t)["accountRequestId"].(string)
	done := until(t, "request", func() map[string]any {
		return h.do("GET", path+"/"+id, tierAdmin, nil, expHeader...).object(t)
	}, func(m map[string]any) bool { return m["completedAt"] != nil })
	if done["overallStatus"] != "SUCCESS" || done["errorDetails"] != nil {
		t.Fatalf("request = %v", done)
	}
	accts := h.do("GET", "/v2026/machine-accounts?"+filterQ(`nativeIdentity eq "svc-backup"`), tierAdmin, nil, expHeader...).array(t)
	if len(accts) != 1 {
		t.Fatalf("provisioned accounts = %v", accts)
	}
	ma := accts[0].(map[string]any)
	if ma["subtype"] != "creatable" || ma["environment"] != "PROD" || ma["ownerIdentity"].(map[string]any)["id"] != h.helpdesk.ID ||
		ma["machineIdentity"] == nil {
		t.Fatalf("provisioned account = %v", ma)
	}
	// Others do not see the request.
	checkError(t, h.do("GET", path+"/"+id, tierHelpdesk, nil, expHeader...), 404)
	// A request that cannot be carried out ends FAILED with its reason.
	r = h.do("POST", path, tierAdmin, body("svc-backup"), expHeader...)
	id = r.object(t)["accountRequestId"].(string)
	failed := until(t, "failing request", func() map[string]any {
		return h.do("GET", "/account-requests/v1/machine-account-create/"+id, tierAdmin, nil, expHeader...).object(t)
	}, func(m map[string]any) bool { return m["completedAt"] != nil })
	if failed["overallStatus"] != "FAILED" || !strings.Contains(failed["errorDetails"].(string), "svc-backup") {
		t.Fatalf("failed request = %v", failed)
	}
	// With approval required the request waits for an approver (mica extension).
	r = h.do("PATCH", "/v2026/source-subtypes/"+f.creatable.ID+"/machine-config", tierAdmin,
		`[{"op":"replace","path":"/machineAccountCreate/approvalRequired","value":true}]`, expHeader...)
	if r.status != 200 {
		t.Fatalf("require approval: %d %s", r.status, r.body)
	}
	id = h.do("POST", path, tierAdmin, body("svc-approved"), expHeader...).object(t)["accountRequestId"].(string)
	got := h.do("GET", path+"/"+id, tierAdmin, nil, expHeader...).object(t)
	if got["overallStatus"] != "PENDING" {
		t.Fatalf("waiting request = %v", got)
	}
	if r := h.do("POST", "/mica/v1/account-requests/machine-account-create/"+id+"/approve", tierAdmin, nil); r.status != 200 {
		t.Fatalf("approve: %d %s", r.status, r.body)
	}
	until(t, "approved request", func() map[string]any {
		return h.do("GET", path+"/"+id, tierAdmin, nil, expHeader...).object(t)
	}, func(m map[string]any) bool { return m["overallStatus"] == "SUCCESS" })
}

func TestLifecycleBehaviour(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.startJobs(t)
	f := newMISFixture(t, h)
	acct := h.addAccounts(t, "svc_bot")[0]
	h.do("POST", "/v2025/accounts/"+acct+"/classify?classificationMode=forceMachine", tierAdmin, nil, expHeader...)
	agent := &mica.MachineIdentity{Name: "Bot", Subtype: mica.LifecycleTargetType, NativeIdentity: "CN=svc_bot", SourceID: h.sourceID,
		PrimaryOwner: &mica.Ref{ID: h.user.ID}}
	if err := h.db.CreateMachineIdentity(context.Background(), agent); err != nil {
		t.Fatal(err)
	}
	app := &mica.MachineIdentity{Name: "App", Subtype: "Application", PrimaryOwner: &mica.Ref{ID: h.admin.ID}}
	if err := h.db.CreateMachineIdentity(context.Background(), app); err != nil {
		t.Fatal(err)
	}
	submit := func(id, tier, action string) response {
		return h.do("POST", "/machine-identities/v1/"+id+"/lifecycle-actions", tier, map[string]any{"action": action}, expHeader...)
	}
	for _, c := range []struct {
		id, tier, action string
		status           int
		detail           string
	}{
		{app.ID, tierAdmin, "DEACTIVATE", 403, mica.DetailLifecycleUnsupported},
		{mica.NewUUID(), tierAdmin, "DEACTIVATE", 404, mica.DetailLifecycleNotFound},
		{agent.ID, tierHelpdesk, "DEACTIVATE", 403, mica.DetailLifecycleAccessDenied}, // neither owner nor admin
		{agent.ID, tierAdmin, "PAUSE", 400, "400.1.3"},
	} {
		r := submit(c.id, c.tier, c.action)
		checkError(t, r, c.status)
		if detail(t, r) != c.detail && !strings.HasPrefix(detail(t, r), c.detail) {
			t.Fatalf("submit %v: %s", c, r.body)
		}
	}
	// The owner (a USER) deactivates the agent: its accounts are disabled.
	r := submit(agent.ID, tierWrongLevel, "DEACTIVATE")
	if r.status != 202 || r.object(t)["status"] != "RECEIVED" {
		t.Fatalf("submit: %d %s", r.status, r.body)
	}
	id := r.object(t)["requestId"].(string)
	done := until(t, "lifecycle action", func() map[string]any {
		return h.do("GET", "/machine-identities/v1/lifecycle-actions/"+id, tierWrongLevel, nil, expHeader...).object(t)
	}, func(m map[string]any) bool { return m["completed"] == true })
	if done["details"].(map[string]any)["status"] != "COMPLETED" || done["workflowId"] != "sp:resource-lifecycle:AI_AGENT:"+id {
		t.Fatalf("action = %v", done)
	}
	if mi := h.do("GET", "/machine-identities/v2/"+agent.ID, tierAdmin, nil).object(t); mi["status"] != "DEACTIVATED" {
		t.Fatalf("machine identity after DEACTIVATE = %v", mi)
	}
	if ma := h.do("GET", "/v2026/machine-accounts/"+acct, tierAdmin, nil, expHeader...).object(t); ma["enabled"] != false {
		t.Fatalf("machine account after DEACTIVATE = %v", ma)
	}
	r = h.do("POST", "/machine-identities/v1/lifecycle-actions/"+id+"/cancel", tierWrongLevel, nil, expHeader...)
	checkError(t, r, 400)
	if detail(t, r) != mica.DetailLifecycleInvalidInState {
		t.Fatalf("cancel a completed action: %s", r.body)
	}
	// The list is the caller's own, newest first, 50 by default.
	l := h.do("GET", "/machine-identities/v1/lifecycle-actions?count=true&"+filterQ(`status in ("COMPLETED","FAILED")`), tierWrongLevel, nil, expHeader...)
	if l.header.Get("X-Total-Count") != "1" || l.header.Get("Cache-Control") != "private, max-age=5" {
		t.Fatalf("list: %v %s", l.header, l.body)
	}
	if l := h.do("GET", "/machine-identities/v1/lifecycle-actions?count=true", tierAdmin, nil, expHeader...); l.header.Get("X-Total-Count") != "0" {
		t.Fatalf("another caller's list: %s", l.body)
	}
	_ = f
}

// TestDiscoveryRecommendsSubtype: the kind of machine discovery infers is
// offered as the account's subtype when its source has a subtype of that name.
func TestDiscoveryRecommendsSubtype(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	acct := h.addAccounts(t, "svc_sql")[0]
	evidence := func() map[string]any {
		return h.do("GET", "/mica/v1/accounts/"+acct+"/evidence", tierAdmin, nil).object(t)
	}
	ev := evidence()
	if d := ev["discovery"].(map[string]any); d["subtype"] != "service" || ev["recommendedSubtype"] != nil {
		t.Fatalf("before the source has the subtype: %v", ev)
	}
	st := &mica.Subtype{SourceID: h.sourceID, TechnicalName: "Service", DisplayName: "Service account", Description: "services"}
	if err := h.db.CreateSubtype(context.Background(), st); err != nil {
		t.Fatal(err)
	}
	rec, _ := evidence()["recommendedSubtype"].(map[string]any)
	if rec == nil || rec["id"] != st.ID || rec["technicalName"] != "Service" {
		t.Fatalf("recommended subtype = %v", rec)
	}
	h.do("POST", "/v2025/accounts/"+acct+"/classify?classificationMode=forceMachine", tierAdmin, nil, expHeader...)
	if r := h.do("PATCH", "/v2026/machine-accounts/"+acct, tierAdmin, `[{"op":"replace","path":"/subType","value":"`+st.ID+`"}]`,
		expHeader...); r.status != 200 || r.object(t)["subtype"] != "Service" {
		t.Fatalf("take the recommendation: %d %s", r.status, r.body)
	}
	if ev := evidence(); ev["recommendedSubtype"] != nil {
		t.Fatalf("an account that has the subtype is still offered it: %v", ev)
	}
}
