package api_test

import (
	"context"
	"net"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/micahq/mica"
	"github.com/micahq/mica/api"
	"github.com/micahq/mica/secrets"
)

// closedPort is a loopback port nothing listens on.
func closedPort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := ln.Addr().(*net.TCPAddr).Port
	_ = ln.Close()
	return p
}

// storedPassword opens the password stored for a source (sealed at rest).
func (h *harness) storedPassword(id string) (sealed, clear string) {
	h.t.Helper()
	src, err := h.db.GetSource(context.Background(), id)
	if err != nil {
		h.t.Fatal(err)
	}
	sealed, _ = src.ConnectorAttributes["password"].(string)
	if sealed == "" {
		return "", ""
	}
	clear, err = h.api.Secrets.Open(sealed)
	if err != nil {
		h.t.Fatal(err)
	}
	return sealed, clear
}

// The bind password is write-only: sealed when received, kept by PUT and
// PATCH that do not name it, never in a response of any version.
func TestDirectorySourcePasswordIsWriteOnly(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	const pw = "S3cret-bind-pa55word"
	body := map[string]any{"name": "Corp AD", "owner": map[string]any{"type": "IDENTITY", "id": h.admin.ID},
		"connector": "active-directory", "connectorAttributes": map[string]any{"host": "dc1.corp.example", "port": 636,
			"useSSL": true, "user": `CORP\svc-mica`, "password": pw,
			"searchDNs":      []any{map[string]any{"searchDN": "ou=Users,dc=corp,dc=example", "iterateSearchFilter": "(objectClass=user)"}},
			"domainSettings": []any{map[string]any{"domainDN": "dc=corp,dc=example", "password": pw + "-domain"}}}}
	r := h.do(http.MethodPost, "/v2025/sources", tierAdmin, body)
	if r.status != 201 {
		t.Fatalf("create: %d %s", r.status, r.body)
	}
	noSecret := func(what string, r response) {
		t.Helper()
		if strings.Contains(string(r.body), pw) || strings.Contains(string(r.body), secrets.Prefix) ||
			strings.Contains(string(r.body), `"password"`) {
			t.Fatalf("%s: the password is in the response: %s", what, r.body)
		}
	}
	noSecret("create", r)
	src := r.object(t)
	if src["type"] != "Active Directory - Direct" || src["connectorClass"] != "sailpoint.connector.ADLDAPConnector" ||
		src["connectionType"] != "direct" || src["connectorAttributes"].(map[string]any)["host"] != "dc1.corp.example" {
		t.Fatalf("create: %s", r.body)
	}
	id := src["id"].(string)
	sealed, clear := h.storedPassword(id)
	if clear != pw || !strings.HasPrefix(sealed, secrets.Prefix) {
		t.Fatalf("stored %q (opens to %q)", sealed, clear)
	}
	for _, v := range []api.Version{api.V3, api.Beta, api.V2024, api.V2025, api.V2026, api.V1} {
		noSecret("get "+string(v), h.do(http.MethodGet, api.VersionPath(v, "/sources/"+id), tierAdmin, nil))
		noSecret("list "+string(v), h.do(http.MethodGet, api.VersionPath(v, "/sources"), tierAdmin, nil))
	}
	// PUT what GET gave (no password): the stored one is kept, sealed as it was.
	got := h.do(http.MethodGet, "/v2025/sources/"+id, tierAdmin, nil).object(t)
	got["description"] = "replaced"
	r = h.do(http.MethodPut, "/v2025/sources/"+id, tierAdmin, got)
	if r.status != 200 {
		t.Fatalf("put: %d %s", r.status, r.body)
	}
	noSecret("put", r)
	if s2, c2 := h.storedPassword(id); s2 != sealed || c2 != pw {
		t.Fatalf("put changed the password: %q", c2)
	}
	patch := func(ops ...map[string]any) response {
		t.Helper()
		r := h.do(http.MethodPatch, "/v2025/sources/"+id, tierAdmin, ops, "Content-Type", "application/json-patch+json")
		if r.status != 200 {
			t.Fatalf("patch %v: %d %s", ops, r.status, r.body)
		}
		noSecret("patch", r)
		return r
	}
	patch(map[string]any{"op": "replace", "path": "/description", "value": "patched"})
	if _, c := h.storedPassword(id); c != pw {
		t.Fatalf("an unrelated patch changed the password: %q", c)
	}
	patch(map[string]any{"op": "replace", "path": "/connectorAttributes/password", "value": "rotated"})
	if _, c := h.storedPassword(id); c != "rotated" {
		t.Fatalf("replace: %q", c)
	}
	stored, _ := h.db.GetSource(context.Background(), id)
	dom, _ := h.api.Secrets.Open(stored.ConnectorAttributes["domainSettings"].([]any)[0].(map[string]any)["password"].(string))
	if dom != pw+"-domain" {
		t.Fatalf("the nested password: %q", dom)
	}
	patch(map[string]any{"op": "remove", "path": "/connectorAttributes/password"})
	if s, _ := h.storedPassword(id); s != "" {
		t.Fatalf("remove left %q", s)
	}
	// Connection settings of the wrong shape are refused, naming the attribute.
	for attrs, want := range map[string]map[string]any{
		"connectorAttributes.port":     {"host": "h", "port": 70000},
		"connectorAttributes.useSSL":   {"useSSL": "perhaps"},
		"searchDNs[0].searchScope":     {"searchDNs": []any{map[string]any{"searchDN": "dc=x", "searchScope": "deep"}}},
		"connectorAttributes.password": {"password": 12},
	} {
		body["connectorAttributes"], body["name"] = want, "bad "+attrs
		r := h.do(http.MethodPost, "/v2025/sources", tierAdmin, body)
		checkError(t, r, 400)
		if !strings.Contains(errorText(t, r), attrs) {
			t.Errorf("%v: %s, want a message naming %s", want, r.body, attrs)
		}
	}
}

func TestTestConnection(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	port := closedPort(t)
	src := &mica.Source{Name: "LDAP", Owner: mica.Ref{ID: h.admin.ID}, Connector: "ldap"}
	src.MakeDirectory()
	src.ConnectorAttributes = map[string]any{"host": "127.0.0.1", "port": float64(port), "authorizationType": "none",
		"searchDNs": []any{map[string]any{"searchDN": "dc=x"}}}
	if err := h.db.CreateSource(context.Background(), src); err != nil {
		t.Fatal(err)
	}
	csv := h.csvSource("Files", false)
	path := "/mica/v1/sources/" + src.ID + "/test-connection"
	for _, tier := range allTiers {
		want := map[string]int{tierNone: 401, tierGarbage: 401, tierExpired: 401, tierDeleted: 401, tierWrongScope: 403,
			tierWrongLevel: 403, tierAPI: 403, tierAdmin: 200}[tier]
		r := h.do(http.MethodPost, path, tier, nil)
		if want != 200 {
			checkError(t, r, want)
			continue
		}
		if r.status != 200 {
			t.Fatalf("%s: %d %s", tier, r.status, r.body)
		}
		o := r.object(t)
		if o["status"] != "FAILURE" || o["step"] != "connect" || o["id"] != src.ID || o["name"] != "LDAP" ||
			!strings.Contains(o["message"].(string), "cannot reach the directory at 127.0.0.1:"+strconv.Itoa(port)) {
			t.Fatalf("answer: %s", r.body)
		}
	}
	// The demo-style AD source without settings: the missing one is named.
	r := h.do(http.MethodPost, "/mica/v1/sources/"+h.sourceID+"/test-connection", tierAdmin, nil)
	if o := r.object(t); o["status"] != "FAILURE" || o["step"] != "configuration" ||
		!strings.Contains(o["message"].(string), "connectorAttributes.host") {
		t.Fatalf("unconfigured: %s", r.body)
	}
	r = h.do(http.MethodPost, "/mica/v1/sources/"+csv.ID+"/test-connection", tierAdmin, nil)
	checkError(t, r, 400)
	if !strings.Contains(errorText(t, r), "has no connection to test") {
		t.Fatal(string(r.body))
	}
	checkError(t, h.do(http.MethodPost, "/mica/v1/sources/"+mica.NewID()+"/test-connection", tierAdmin, nil), 404)
	checkError(t, h.do(http.MethodGet, path, tierAdmin, nil), 405)
}

// load-accounts on a directory source takes no file; it queues a directory
// aggregation (which fails here: nothing listens), in every version that has it.
func TestLoadAccountsDirectorySource(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.startAggregator()
	src := &mica.Source{Name: "LDAP", Owner: mica.Ref{ID: h.admin.ID}, Connector: "ldap"}
	src.MakeDirectory()
	src.ConnectorAttributes = map[string]any{"host": "127.0.0.1", "port": float64(closedPort(t)), "authorizationType": "none",
		"searchDNs": []any{map[string]any{"searchDN": "dc=x"}}}
	if err := h.db.CreateSource(context.Background(), src); err != nil {
		t.Fatal(err)
	}
	r := h.upload(api.V2025, src.ID, tierAdmin, "id,name\n1,a\n")
	checkError(t, r, 400)
	if !strings.Contains(errorText(t, r), "send no file") {
		t.Fatal(string(r.body))
	}
	for _, c := range []struct {
		v    api.Version
		body any
		hdr  []string
	}{
		{api.V2025, nil, nil},
		{api.V2024, "disableOptimization=true", []string{"Content-Type", "application/x-www-form-urlencoded"}},
		{api.Beta, "disableOptimization=false", []string{"Content-Type", "application/x-www-form-urlencoded"}},
		{api.V2026, nil, nil},
		{api.V1, nil, nil},
	} {
		r := h.do(http.MethodPost, api.VersionPath(c.v, "/sources/"+src.ID+"/load-accounts"), tierAdmin, c.body, c.hdr...)
		if r.status != 202 {
			t.Fatalf("%s: %d %s", c.v, r.status, r.body)
		}
		task := r.object(t)["task"].(map[string]any)
		st := h.waitAggregation(task["id"].(string))
		if st["status"] != "TERMINATED" {
			t.Fatalf("%s: %v", c.v, st)
		}
		agg, _ := h.db.GetAggregation(context.Background(), task["id"].(string))
		if len(agg.Messages) == 0 || !strings.Contains(agg.Messages[0].Text, "cannot reach the directory") ||
			agg.DisableOptimization != (c.v == api.V2024) {
			t.Fatalf("%s: %+v", c.v, agg)
		}
	}
	r = h.do(http.MethodPost, "/v2025/sources/"+src.ID+"/load-accounts", tierAdmin, "disableOptimization=maybe",
		"Content-Type", "application/x-www-form-urlencoded")
	checkError(t, r, 400)
}
