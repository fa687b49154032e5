package api_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/micahq/mica"
	"github.com/micahq/mica/api"
	"github.com/micahq/mica/sqlite"
)

func withControls(c *api.Config) { c.Controls = true }

// storeSnapshots gives the harness's server the store's snapshots (the
// server program adds stopping and starting its background work around them).
type storeSnapshots struct{ db *sqlite.DB }

func (s storeSnapshots) Save(ctx context.Context, name string) (*mica.Snapshot, error) {
	return s.db.SaveSnapshot(ctx, name)
}
func (s storeSnapshots) Restore(ctx context.Context, name string) error {
	return s.db.RestoreSnapshot(ctx, name)
}
func (s storeSnapshots) List(ctx context.Context) ([]*mica.Snapshot, error) {
	return s.db.ListSnapshots(ctx)
}
func (s storeSnapshots) Delete(ctx context.Context, name string) error {
	return s.db.DeleteSnapshot(ctx, name)
}

// controlsHarness is a harness with the controls on and the store's snapshots,
// its start snapshot saved.
func controlsHarness(t *testing.T, mutate ...func(*api.Config)) *harness {
	t.Helper()
	h := newHarness(t, append([]func(*api.Config){withControls}, mutate...)...)
	h.api.Snapshots = storeSnapshots{h.db}
	if _, err := h.db.SaveSnapshot(context.Background(), mica.StartSnapshot); err != nil {
		t.Fatal(err)
	}
	return h
}

// controlPaths is one request to each control operation.
var controlPaths = []struct{ method, path string }{
	{"GET", "/mica/v1/requests"}, {"GET", "/mica/v1/requests/count"}, {"DELETE", "/mica/v1/requests"},
	{"GET", "/mica/v1/faults"}, {"DELETE", "/mica/v1/faults"}, {"GET", "/mica/v1/faults/x"},
	{"DELETE", "/mica/v1/faults/x"}, {"GET", "/mica/v1/coverage"}, {"DELETE", "/mica/v1/coverage"},
	{"GET", "/mica/v1/snapshots"}, {"POST", "/mica/v1/snapshots/x/restore"}, {"DELETE", "/mica/v1/snapshots/x"},
	{"POST", "/mica/v1/reset"}, {"POST", "/mica/v1/classification/jobs/x/step"}, {"POST", "/mica/v1/account-aggregations/x/step"},
}

// The controls are 404 when off, and for ORG_ADMIN only when on: every tier.
func TestControlsGating(t *testing.T) {
	off := newHarness(t)
	for _, c := range controlPaths {
		r := off.do(c.method, c.path, tierAdmin, nil)
		checkError(t, r, http.StatusNotFound)
	}
	if r := off.do("POST", "/mica/v1/faults", tierAdmin, map[string]any{"effect": map[string]any{"status": 503}}); r.status != 404 {
		t.Fatalf("POST /faults with the controls off: %d", r.status)
	}

	h := controlsHarness(t)
	want := map[string]int{tierNone: 401, tierGarbage: 401, tierExpired: 401, tierDeleted: 401,
		tierWrongScope: 403, tierWrongLevel: 403, tierAPI: 403, tierHelpdesk: 403}
	for _, c := range controlPaths {
		for tier, status := range want {
			checkError(t, h.do(c.method, c.path, tier, nil), status)
		}
		r := h.do(c.method, c.path, tierAdmin, nil)
		if strings.HasSuffix(c.path, "/x") || strings.HasSuffix(c.path, "/x/restore") || strings.HasSuffix(c.path, "/x/step") {
			checkError(t, r, http.StatusNotFound)
		} else if r.status != 200 && r.status != 204 {
			t.Fatalf("%s %s as admin: %d %s", c.method, c.path, r.status, r.body)
		}
	}
}

// journal lists the journal with query q as the admin.
func (h *harness) journal(t *testing.T, q string) []api.JournalEntry {
	t.Helper()
	r := h.do("GET", "/mica/v1/requests?"+q, tierAdmin, nil)
	if r.status != 200 {
		t.Fatalf("journal: %d %s", r.status, r.body)
	}
	var out []api.JournalEntry
	if err := json.Unmarshal(r.body, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestJournal(t *testing.T) {
	h := newHarness(t, withControls)
	h.do("DELETE", "/mica/v1/requests", tierAdmin, nil)
	start := h.clock.Now()
	h.clock.Add(time.Second)
	h.do("GET", "/v3/sources", tierAdmin, nil)
	h.do("GET", "/v2025/sources/"+h.sourceID, tierWrongLevel, nil)
	h.do("GET", "/sources/v1/"+h.sourceID, tierAdmin, nil)
	h.do("GET", "/v3/nothing-here", tierAdmin, nil)

	all := h.journal(t, "")
	if len(all) != 4 {
		t.Fatalf("journal holds %d entries, want 4 (the controls' own are not journaled): %+v", len(all), all)
	}
	// Newest first, ids growing by one.
	for i := 1; i < len(all); i++ {
		if all[i-1].ID != all[i].ID+1 {
			t.Fatalf("ids not consecutive newest first: %d then %d", all[i-1].ID, all[i].ID)
		}
	}
	e := all[1]
	if e.Method != "GET" || e.Path != "/sources/v1/"+h.sourceID || e.OperationID != "getSourceV1" || e.Version != "v1" ||
		e.Status != 200 || e.ClientID == "" || len(e.TrackingID) != 32 || !strings.Contains(e.ResponseBody, h.sourceID) ||
		e.Time.Before(start) || e.DurationMs <= 0 {
		t.Fatalf("entry = %+v", e)
	}
	if all[0].OperationID != "" || all[0].Status != 404 || all[0].Path != "/v3/nothing-here" {
		t.Fatalf("unrouted entry = %+v", all[0])
	}
	if all[2].Status != 403 || all[2].OperationID != "getSource" || all[2].Version != "v2025" {
		t.Fatalf("403 entry = %+v", all[2])
	}

	filters := map[string][]string{
		"method=get":                            {"/v3/nothing-here", "/sources/v1/" + h.sourceID, "/v2025/sources/" + h.sourceID, "/v3/sources"},
		"status=403":                            {"/v2025/sources/" + h.sourceID},
		"status=4xx":                            {"/v3/nothing-here", "/v2025/sources/" + h.sourceID},
		"operationId=getSourceV1":               {"/sources/v1/" + h.sourceID},
		"path=" + url.QueryEscape("/sources/*"): {"/sources/v1/" + h.sourceID, "/v2025/sources/" + h.sourceID},
		"path=" + url.QueryEscape("/v3/**"):     {"/v3/nothing-here", "/v3/sources"},
		"clientId=" + all[2].ClientID:           {"/v2025/sources/" + h.sourceID},
		"since=" + url.QueryEscape(start.Add(time.Second).UTC().Format(time.RFC3339Nano)): {"/v3/nothing-here",
			"/sources/v1/" + h.sourceID, "/v2025/sources/" + h.sourceID, "/v3/sources"},
		"since=" + url.QueryEscape(start.Add(time.Hour).UTC().Format(time.RFC3339Nano)): {},
	}
	for q, want := range filters {
		got := []string{}
		for _, e := range h.journal(t, q) {
			got = append(got, e.Path)
		}
		if strings.Join(got, " ") != strings.Join(want, " ") {
			t.Errorf("%s: %v, want %v", q, got, want)
		}
		r := h.do("GET", "/mica/v1/requests/count?"+q, tierAdmin, nil)
		if r.status != 200 || int(r.object(t)["count"].(float64)) != len(want) {
			t.Errorf("count %s: %d %s, want %d", q, r.status, r.body, len(want))
		}
	}
	// Paging: newest first, offset and limit, X-Total-Count.
	r := h.do("GET", "/mica/v1/requests?method=GET&offset=1&limit=2&count=true", tierAdmin, nil)
	if r.status != 200 || r.header.Get("X-Total-Count") != "4" || len(r.array(t)) != 2 ||
		r.array(t)[0].(map[string]any)["path"] != "/sources/v1/"+h.sourceID {
		t.Fatalf("page: %d %s %s", r.status, r.header.Get("X-Total-Count"), r.body)
	}
	for _, q := range []string{"status=abc", "status=6xx", "since=yesterday", "path=nope", "limit=251", "retryAfterViolation=maybe"} {
		checkError(t, h.do("GET", "/mica/v1/requests?"+q, tierAdmin, nil), 400)
	}
	if r := h.do("DELETE", "/mica/v1/requests", tierAdmin, nil); r.status != 204 {
		t.Fatalf("clear: %d", r.status)
	}
	if got := h.journal(t, ""); len(got) != 0 {
		t.Fatalf("after DELETE: %d entries", len(got))
	}
}

// Secrets never reach the journal: the token request's client secret (form and
// query), the token in its answer, a PAT's secret.
func TestJournalRedactsSecrets(t *testing.T) {
	h := newHarness(t, withControls)
	id, secret := h.client(h.admin, "sp:scopes:all")
	token := h.token(id, secret)
	resp, err := http.Post(h.srv.URL+"/oauth/token?grant_type=client_credentials&client_id="+id+"&client_secret="+secret, "", nil)
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	pat := h.do("POST", "/beta/personal-access-tokens", tierAdmin, map[string]any{"name": "ci", "scope": []string{"sp:scopes:all"}})
	if pat.status != 200 {
		t.Fatalf("create PAT: %d %s", pat.status, pat.body)
	}
	patSecret := pat.object(t)["secret"].(string)
	raw := h.do("GET", "/mica/v1/requests", tierAdmin, nil)
	for _, s := range []string{secret, token, patSecret, token[:40]} {
		if strings.Contains(string(raw.body), s) {
			t.Fatalf("the journal holds a secret %.12s...: %s", s, raw.body)
		}
	}
	entries := h.journal(t, "path="+url.QueryEscape("/oauth/token"))
	if len(entries) < 2 {
		t.Fatalf("token requests journaled: %d", len(entries))
	}
	q := entries[0]
	if q.ClientID != id || !strings.Contains(q.Query, "client_secret=%5BREDACTED%5D") || !strings.Contains(q.ResponseBody, `"access_token":"[REDACTED]"`) {
		t.Fatalf("token by query: %+v", q)
	}
	f := entries[1]
	if f.ClientID != id || !strings.Contains(f.RequestBody, "client_secret=%5BREDACTED%5D") || !strings.Contains(f.RequestBody, "client_id="+id) {
		t.Fatalf("token by form: %+v", f)
	}
	p := h.journal(t, "operationId=createPersonalAccessToken")
	if len(p) != 1 || !strings.Contains(p[0].ResponseBody, `"secret":"[REDACTED]"`) || !strings.Contains(p[0].RequestBody, `"name":"ci"`) {
		t.Fatalf("PAT entry: %+v", p)
	}
}

// The journal is a ring of a fixed number of entries, bodies cut at a cap.
func TestJournalBounds(t *testing.T) {
	h := newHarness(t, withControls, func(c *api.Config) { c.JournalEntries, c.JournalBodyBytes = 3, 64 })
	for i := 0; i < 5; i++ {
		h.do("GET", "/v3/sources?limit="+strconv.Itoa(i+1), tierAdmin, nil)
	}
	got := h.journal(t, "")
	if len(got) != 3 || got[0].Query != "limit=5" || got[2].Query != "limit=3" {
		t.Fatalf("ring: %+v", got)
	}
	if !got[0].ResponseBodyTruncated || len(got[0].ResponseBody) > 64+len("[REDACTED]") {
		t.Fatalf("body not cut at 64 bytes: %d %q", len(got[0].ResponseBody), got[0].ResponseBody)
	}
}

// fault adds a fault rule as the admin and returns it.
func (h *harness) fault(t *testing.T, rule map[string]any) api.FaultRule {
	t.Helper()
	r := h.do("POST", "/mica/v1/faults", tierAdmin, rule)
	if r.status != 201 {
		t.Fatalf("add fault %v: %d %s", rule, r.status, r.body)
	}
	var f api.FaultRule
	if err := json.Unmarshal(r.body, &f); err != nil {
		t.Fatal(err)
	}
	return f
}

func TestFaults(t *testing.T) {
	h := newHarness(t, withControls)
	exp := []string{"X-SailPoint-Experimental", "true"}

	t.Run("503 on one operation, every version, the next two matches", func(t *testing.T) {
		f := h.fault(t, map[string]any{"match": map[string]any{"operationId": "getSource"}, "effect": map[string]any{"status": 503}, "times": 2})
		if f.Remaining == nil || *f.Remaining != 2 || f.Fired != 0 || f.ID == "" {
			t.Fatalf("rule: %+v", f)
		}
		checkError(t, h.do("GET", "/v3/sources/"+h.sourceID, tierAdmin, nil), 503)
		if r := h.do("GET", "/v3/sources", tierAdmin, nil); r.status != 200 {
			t.Fatalf("another operation: %d", r.status)
		}
		r := h.do("GET", "/sources/v1/"+h.sourceID, tierAdmin, nil)
		checkError(t, r, 503)
		if m := r.object(t); m["detailCode"] != "503 Service Unavailable" {
			t.Fatalf("503 body: %s", r.body)
		}
		if r := h.do("GET", "/v2025/sources/"+h.sourceID, tierAdmin, nil); r.status != 200 {
			t.Fatalf("third call after times 2: %d", r.status)
		}
		got := h.do("GET", "/mica/v1/faults/"+f.ID, tierAdmin, nil).object(t)
		if got["fired"] != float64(2) || got["remaining"] != float64(0) {
			t.Fatalf("rule after: %v", got)
		}
		j := h.journal(t, "status=503")
		if len(j) != 2 || j[0].Fault != f.ID || j[0].OperationID != "getSourceV1" {
			t.Fatalf("journal: %+v", j)
		}
		h.do("DELETE", "/mica/v1/faults", tierAdmin, nil)
	})

	t.Run("each status with its official body", func(t *testing.T) {
		for _, st := range []int{500, 502, 504, 429} {
			h.fault(t, map[string]any{"match": map[string]any{"method": "GET", "path": "/*/sources"}, "effect": map[string]any{"status": st}, "times": 1})
			r := h.do("GET", "/v2024/sources", tierAdmin, nil)
			checkError(t, r, st)
			if st == 429 && r.header.Get("Retry-After") != "1" {
				t.Fatalf("429 Retry-After = %q", r.header.Get("Retry-After"))
			}
			if st == 500 && r.object(t)["detailCode"] != "500.0 Internal Fault" {
				t.Fatalf("500: %s", r.body)
			}
		}
		h.do("DELETE", "/mica/v1/faults", tierAdmin, nil)
	})

	t.Run("path pattern with a version wildcard, client id", func(t *testing.T) {
		p := "/{version}/sources/*/classify"
		h.fault(t, map[string]any{"match": map[string]any{"path": p, "method": "GET"}, "effect": map[string]any{"status": 502}})
		checkError(t, h.do("GET", "/v2025/sources/"+h.sourceID+"/classify", tierAdmin, nil), 502)
		checkError(t, h.do("GET", "/sources/v1/"+h.sourceID+"/classify", tierAdmin, nil, exp...), 502)
		if r := h.do("GET", "/v2025/sources/"+h.sourceID, tierAdmin, nil); r.status != 200 {
			t.Fatalf("not matched: %d", r.status)
		}
		h.do("DELETE", "/mica/v1/faults", tierAdmin, nil)
		userClient := h.journal(t, "")[0].ClientID // the admin's client
		h.fault(t, map[string]any{"match": map[string]any{"clientId": userClient}, "effect": map[string]any{"status": 500}})
		checkError(t, h.do("GET", "/v3/sources", tierAdmin, nil), 500)
		if r := h.do("GET", "/beta/source-apps/assigned", tierWrongLevel, nil); r.status != 200 {
			t.Fatalf("another client: %d %s", r.status, r.body)
		}
		// The controls are never faulted, so a rule can always be removed.
		if r := h.do("DELETE", "/mica/v1/faults", tierAdmin, nil); r.status != 204 {
			t.Fatalf("clear: %d", r.status)
		}
	})

	t.Run("the token endpoint", func(t *testing.T) {
		h.fault(t, map[string]any{"match": map[string]any{"path": "/oauth/token"}, "effect": map[string]any{"status": 503}, "times": 1})
		resp, err := http.PostForm(h.srv.URL+"/oauth/token", url.Values{"grant_type": {"client_credentials"}})
		if err != nil {
			t.Fatal(err)
		}
		_ = resp.Body.Close()
		if resp.StatusCode != 503 {
			t.Fatalf("token with a fault: %d", resp.StatusCode)
		}
		h.do("DELETE", "/mica/v1/faults", tierAdmin, nil)
	})

	t.Run("added latency, then the normal answer", func(t *testing.T) {
		h.fault(t, map[string]any{"match": map[string]any{"operationId": "listSources"}, "effect": map[string]any{"latencyMs": 150, "latencyMaxMs": 200}})
		began := time.Now()
		if r := h.do("GET", "/v3/sources", tierAdmin, nil); r.status != 200 {
			t.Fatalf("with latency: %d", r.status)
		}
		if d := time.Since(began); d < 150*time.Millisecond {
			t.Fatalf("answered after %s, before the 150 ms latency", d)
		}
		h.do("DELETE", "/mica/v1/faults", tierAdmin, nil)
	})

	t.Run("dropped connection", func(t *testing.T) {
		f := h.fault(t, map[string]any{"match": map[string]any{"operationId": "listSources"}, "effect": map[string]any{"drop": true}, "times": 1})
		req, _ := http.NewRequest("GET", h.srv.URL+"/v3/sources", nil)
		req.Header.Set("Authorization", "Bearer "+h.tokens[tierAdmin])
		// A fresh connection: Go's transport resends a GET whose reused connection closes.
		client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
		resp, err := client.Do(req)
		if err == nil {
			_ = resp.Body.Close()
			t.Fatalf("dropped connection answered %d", resp.StatusCode)
		}
		if !errors.Is(err, io.EOF) && !errors.Is(err, io.ErrUnexpectedEOF) && !strings.Contains(err.Error(), "EOF") {
			t.Fatalf("dropped connection: %v", err)
		}
		j := h.journal(t, "operationId=listSources")
		if len(j) == 0 || !j[0].Dropped || j[0].Status != 0 || j[0].Fault != f.ID {
			t.Fatalf("journal of the drop: %+v", j)
		}
		h.do("DELETE", "/mica/v1/faults", tierAdmin, nil)
	})

	t.Run("probability from a seeded generator repeats", func(t *testing.T) {
		run := func() string {
			h.do("DELETE", "/mica/v1/faults", tierAdmin, nil)
			h.fault(t, map[string]any{"match": map[string]any{"operationId": "listSources"}, "effect": map[string]any{"status": 500},
				"probability": 0.5, "seed": 42})
			var b strings.Builder
			for i := 0; i < 32; i++ {
				b.WriteString(strconv.Itoa(h.do("GET", "/v3/sources", tierAdmin, nil).status / 100))
			}
			return b.String()
		}
		a, b := run(), run()
		if a != b || !strings.Contains(a, "5") || !strings.Contains(a, "2") {
			t.Fatalf("seeded runs differ or do not mix: %s / %s", a, b)
		}
		h.do("DELETE", "/mica/v1/faults", tierAdmin, nil)
	})

	t.Run("bad rules name the field", func(t *testing.T) {
		for field, rule := range map[string]map[string]any{
			"effect.status":            {"effect": map[string]any{"status": 404}},
			"effect needs":             {"effect": map[string]any{}},
			"match.path":               {"match": map[string]any{"path": "no-slash"}, "effect": map[string]any{"status": 500}},
			"match.method":             {"match": map[string]any{"method": "FETCH"}, "effect": map[string]any{"status": 500}},
			"probability":              {"effect": map[string]any{"status": 500}, "probability": 2},
			"effect.retryAfterSeconds": {"effect": map[string]any{"status": 503, "retryAfterSeconds": 3}},
			"effect.latencyMaxMs":      {"effect": map[string]any{"latencyMs": 100, "latencyMaxMs": 50}},
			"drop exclude":             {"effect": map[string]any{"status": 500, "drop": true}},
			"times":                    {"effect": map[string]any{"status": 500}, "times": -1},
		} {
			r := h.do("POST", "/mica/v1/faults", tierAdmin, rule)
			checkError(t, r, 400)
			if !strings.Contains(errorText(t, r), field) {
				t.Errorf("%v: %q does not name %s", rule, errorText(t, r), field)
			}
		}
		checkError(t, h.do("POST", "/mica/v1/faults", tierAdmin, `{"effect": {"status": "x"}}`), 400)
		if got := h.do("GET", "/mica/v1/faults", tierAdmin, nil).array(t); len(got) != 0 {
			t.Fatalf("a bad rule was kept: %v", got)
		}
	})
}

// A 429 with Retry-After: a client that comes back before it passes is a
// violation in the journal; one that waits is not.
func TestRetryAfterViolations(t *testing.T) {
	h := newHarness(t, withControls)
	h.fault(t, map[string]any{"match": map[string]any{"operationId": "listSources"},
		"effect": map[string]any{"status": 429, "retryAfterSeconds": 2}, "times": 2})
	checkError(t, h.do("GET", "/v3/sources", tierAdmin, nil), 429)
	h.clock.Add(500 * time.Millisecond)
	checkError(t, h.do("GET", "/v3/sources", tierAdmin, nil), 429) // too early: a violation
	h.clock.Add(2 * time.Second)
	if r := h.do("GET", "/v3/sources", tierAdmin, nil); r.status != 200 { // waited: none
		t.Fatalf("after waiting: %d", r.status)
	}
	v := h.journal(t, "retryAfterViolation=true")
	if len(v) != 1 {
		t.Fatalf("violations: %+v", v)
	}
	all := h.journal(t, "operationId=listSources")
	if len(all) != 3 || v[0].ID != all[1].ID || v[0].RetryAfterViolation.PreviousRequestID != all[2].ID ||
		v[0].RetryAfterViolation.RetryAfterSeconds != 2 || v[0].RetryAfterViolation.EarlyByMs != 1500 {
		t.Fatalf("violation = %+v of %+v", v[0].RetryAfterViolation, all)
	}
	// The real rate limit's 429 counts too: another client that never waits.
	lim := newHarness(t, withControls, func(c *api.Config) { c.RateLimit, c.RateWindow = 1, time.Hour })
	lim.do("GET", "/v3/sources", tierAdmin, nil)
	checkError(t, lim.do("GET", "/v3/sources", tierAdmin, nil), 429)
	checkError(t, lim.do("GET", "/v3/sources", tierAdmin, nil), 429)
	if v := lim.journal(t, "retryAfterViolation=true"); len(v) != 1 {
		t.Fatalf("rate-limit violations: %+v", v)
	}
}

func TestCoverage(t *testing.T) {
	h := newHarness(t, withControls)
	h.do("GET", "/v3/sources", tierAdmin, nil)
	h.do("GET", "/v3/sources", tierAdmin, nil)
	h.do("GET", "/v3/sources", tierWrongScope, nil)
	h.do("GET", "/sources/v1/"+h.sourceID, tierAdmin, nil)
	r := h.do("GET", "/mica/v1/coverage", tierAdmin, nil)
	var rep api.CoverageReport
	if err := json.Unmarshal(r.body, &rep); err != nil {
		t.Fatal(err)
	}
	find := func(version, id string) api.CoverageOperation {
		for _, it := range rep.Items {
			if it.Version == version && it.OperationID == id {
				return it
			}
		}
		t.Fatalf("coverage lacks %s %s", version, id)
		return api.CoverageOperation{}
	}
	if it := find("v3", "listSources"); it.Calls != 3 || it.Succeeded != 2 || it.Method != "GET" || it.Path != "/v3/sources" {
		t.Fatalf("v3 listSources: %+v", it)
	}
	if it := find("v1", "getSourceV1"); it.Calls != 1 || it.Succeeded != 1 || it.Path != "/sources/v1/{id}" {
		t.Fatalf("v1 getSource: %+v", it)
	}
	if it := find("v2025", "listSources"); it.Calls != 0 {
		t.Fatalf("v2025 listSources: %+v", it)
	}
	if rep.Called != 2 || rep.Succeeded != 2 || rep.Operations != len(rep.Items) {
		t.Fatalf("totals: %d called %d succeeded of %d", rep.Called, rep.Succeeded, rep.Operations)
	}

	// Every operation × version of the reference, and nothing else, with its id
	// there. Machine identity security (isc-mis-*, issue 21) is not served yet:
	// its operations join the coverage when they are.
	want, mis := referenceOperations(t)
	got := map[string]string{}
	for _, it := range rep.Items {
		got[it.Version+" "+it.Method+" "+normPath(it.Path)] = it.OperationID
	}
	for k, id := range want {
		if got[k] != id && (!mis[k] || got[k] != "") {
			t.Errorf("reference %s (%s): coverage has %q", k, id, got[k])
		}
	}
	for k := range got {
		if _, ok := want[k]; !ok {
			t.Errorf("coverage lists %s, which the reference does not", k)
		}
	}

	if r := h.do("DELETE", "/mica/v1/coverage", tierAdmin, nil); r.status != 204 {
		t.Fatal(r.status)
	}
	r = h.do("GET", "/mica/v1/coverage", tierAdmin, nil)
	if err := json.Unmarshal(r.body, &rep); err != nil || rep.Called != 0 {
		t.Fatalf("after reset: %v %d", err, rep.Called)
	}
}

var paramRe = regexp.MustCompile(`\{[^}]*\}`)

func normPath(p string) string { return paramRe.ReplaceAllString(p, "{}") }

// referenceOperations reads every operation × version of the official documents:
// "version METHOD path" to the operationId, and which of them are machine
// identity security's (isc-mis-*).
var serviceV2 = regexp.MustCompile(`^/[^/]+/v2(/|$)`)

func referenceOperations(t *testing.T) (ops map[string]string, mis map[string]bool) {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(specDir, "*.yaml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("reference documents in %s: %v", specDir, err)
	}
	out, mis := map[string]string{}, map[string]bool{}
	for _, f := range files {
		doc, err := openapi3.NewLoader().LoadFromFile(f)
		if err != nil {
			t.Fatal(err)
		}
		base := strings.TrimSuffix(filepath.Base(f), ".yaml")
		version := base[strings.LastIndex(base, "-")+1:]
		prefix := "/" + version
		if version == "v1" {
			prefix = ""
		}
		for path, item := range doc.Paths.Map() {
			v := version
			if version == "v1" && serviceV2.MatchString(path) {
				v = "v2" // the per-service documents also hold a few /{service}/v2 paths
			}
			for method, op := range item.Operations() {
				k := v + " " + method + " " + normPath(prefix+path)
				out[k] = op.OperationID
				mis[k] = strings.HasPrefix(filepath.Base(f), "isc-mis-")
			}
		}
	}
	return out, mis
}

// The extensions document describes exactly the /mica/v1 operations the server has.
func TestExtensionsDocument(t *testing.T) {
	h := newHarness(t, withControls)
	r := h.do("GET", "/mica/v1/openapi.yaml", tierNone, nil)
	if r.status != 200 || !strings.HasPrefix(r.header.Get("Content-Type"), "application/yaml") {
		t.Fatalf("openapi.yaml: %d %s", r.status, r.header.Get("Content-Type"))
	}
	doc, err := openapi3.NewLoader().LoadFromData(r.body)
	if err != nil {
		t.Fatal(err)
	}
	if err := doc.Validate(context.Background()); err != nil {
		t.Fatal(err)
	}
	documented := map[string]string{}
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			documented[method+" "+normPath("/mica/v1"+path)] = op.OperationID
		}
	}
	served := map[string]string{}
	for _, op := range h.api.Ops() {
		for _, v := range op.Versions {
			if v == api.Mica {
				served[op.Method+" "+normPath(api.VersionPath(v, op.Path))] = op.ID
			}
		}
	}
	var diff []string
	for k, id := range served {
		if documented[k] != id {
			diff = append(diff, fmt.Sprintf("served %s (%s), documented as %q", k, id, documented[k]))
		}
	}
	for k := range documented {
		if _, ok := served[k]; !ok {
			diff = append(diff, "documented but not served: "+k)
		}
	}
	sort.Strings(diff)
	if len(diff) > 0 {
		t.Fatalf("the extensions document and the server differ:\n%s", strings.Join(diff, "\n"))
	}
}

// Snapshots through the API: save, list, restore (a client made after the
// save loses its token, the others keep theirs), delete, reset.
func TestSnapshotsAPI(t *testing.T) {
	h := controlsHarness(t)
	for _, body := range []any{map[string]any{}, map[string]any{"name": "_start"}, map[string]any{"name": "a b"}, `{"name": 3}`} {
		checkError(t, h.do("POST", "/mica/v1/snapshots", tierAdmin, body), 400)
	}
	r := h.do("POST", "/mica/v1/snapshots", tierAdmin, map[string]any{"name": "base"})
	if r.status != 201 || r.object(t)["name"] != "base" || r.object(t)["bytes"].(float64) <= 0 {
		t.Fatalf("save: %d %s", r.status, r.body)
	}
	src := h.do("POST", "/v3/sources", tierAdmin, map[string]any{"name": "Later", "owner": map[string]any{"type": "IDENTITY", "id": h.admin.ID},
		"connector": "active-directory"})
	if src.status != 201 {
		t.Fatalf("create source: %d %s", src.status, src.body)
	}
	laterID, laterSecret := h.client(h.admin, "sp:scopes:all")
	later := h.token(laterID, laterSecret)
	h.do("GET", "/v3/sources", later, nil)

	list := h.do("GET", "/mica/v1/snapshots", tierAdmin, nil).array(t)
	if len(list) != 1 || list[0].(map[string]any)["name"] != "base" {
		t.Fatalf("list (the start snapshot is not shown): %v", list)
	}
	if r := h.do("POST", "/mica/v1/snapshots/base/restore", tierAdmin, nil); r.status != 204 {
		t.Fatalf("restore: %d %s", r.status, r.body)
	}
	checkError(t, h.do("GET", "/v3/sources/"+src.object(t)["id"].(string), tierAdmin, nil), 404)
	checkError(t, h.do("GET", "/v3/sources", later, nil), 401) // its client is not in the snapshot
	if r := h.do("GET", "/v3/sources", tierAdmin, nil); r.status != 200 || len(r.array(t)) != 1 {
		t.Fatalf("admin after restore: %d %s", r.status, r.body)
	}
	checkError(t, h.do("POST", "/mica/v1/snapshots/nope/restore", tierAdmin, nil), 404)
	checkError(t, h.do("POST", "/mica/v1/snapshots/..%2Fup/restore", tierAdmin, nil), 404)
	if r := h.do("DELETE", "/mica/v1/snapshots/base", tierAdmin, nil); r.status != 204 {
		t.Fatalf("delete: %d", r.status)
	}
	checkError(t, h.do("DELETE", "/mica/v1/snapshots/base", tierAdmin, nil), 404)

	// Reset: the start tenant, the start fault rules, an empty journal, zero coverage.
	h.do("POST", "/v3/sources", tierAdmin, map[string]any{"name": "Again", "owner": map[string]any{"type": "IDENTITY", "id": h.admin.ID},
		"connector": "active-directory"})
	h.fault(t, map[string]any{"match": map[string]any{"path": "/nowhere"}, "effect": map[string]any{"status": 500}})
	h.api.StartFaults = []api.FaultRule{{ID: "seeded", Match: api.FaultMatch{Path: "/v9/x"}, Effect: api.FaultEffect{Status: 503}}}
	if r := h.do("POST", "/mica/v1/reset", tierAdmin, nil); r.status != 204 {
		t.Fatalf("reset: %d %s", r.status, r.body)
	}
	if r := h.do("GET", "/v3/sources", tierAdmin, nil); len(r.array(t)) != 1 {
		t.Fatalf("sources after reset: %s", r.body)
	}
	faults := h.do("GET", "/mica/v1/faults", tierAdmin, nil).array(t)
	if len(faults) != 1 || faults[0].(map[string]any)["id"] != "seeded" {
		t.Fatalf("faults after reset: %v", faults)
	}
	if j := h.journal(t, ""); len(j) != 1 { // the GET /v3/sources since
		t.Fatalf("journal after reset: %+v", j)
	}
	var rep api.CoverageReport
	_ = json.Unmarshal(h.do("GET", "/mica/v1/coverage", tierAdmin, nil).body, &rep)
	if rep.Called != 1 {
		t.Fatalf("coverage after reset: %d called", rep.Called)
	}
}

// Stepping is an emulator control: a server without the controls refuses it.
func TestSteppingNeedsControls(t *testing.T) {
	off := newHarness(t)
	r := off.do("PUT", "/mica/v1/classification/pacing", tierAdmin, map[string]any{"batchSize": 10, "delayMs": 0, "stepping": true})
	checkError(t, r, 400)
	if !strings.Contains(errorText(t, r), "--controls") {
		t.Fatalf("message: %s", r.body)
	}
	on := controlsHarness(t)
	if r := on.do("PUT", "/mica/v1/classification/pacing", tierAdmin, map[string]any{"batchSize": 10, "delayMs": 0, "stepping": true}); r.status != 200 {
		t.Fatalf("stepping with the controls: %d %s", r.status, r.body)
	}
	if r := on.do("GET", "/mica/v1/classification/pacing", tierAdmin, nil); r.object(t)["stepping"] != true {
		t.Fatalf("pacing: %s", r.body)
	}
}
