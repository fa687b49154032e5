package api_test

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/micahq/mica/classify"
)

// triageHarness is a harness whose source holds four svc_ accounts discovery
// calls machines (with nothing classifying them: NO_DECISION) and one person.
func triageHarness(t *testing.T) (*harness, map[string]string) {
	t.Helper()
	h := newHarness(t)
	names := []string{"svc_a", "svc_b", "svc_c", "svc_d", "jdoe"}
	ids := h.addAccounts(t, names...)
	if _, err := h.db.ClassifyAccounts(context.Background(), h.sourceID, ids, classify.Decider(classify.ModeDefault, nil, nil)); err != nil {
		t.Fatal(err)
	}
	byName := map[string]string{}
	for i, n := range names {
		byName[n] = ids[i]
	}
	return h, byName
}

type queueAnswer struct {
	Items []struct {
		AccountID      string  `json:"accountId"`
		Name           string  `json:"name"`
		Reason         string  `json:"reason"`
		Confidence     float64 `json:"confidence"`
		Subtype        string  `json:"subtype"`
		Recommendation struct {
			Type string `json:"type"`
		} `json:"recommendation"`
	} `json:"items"`
	Total  int `json:"total"`
	Facets struct {
		Sources []struct {
			Value string `json:"value"`
			Name  string `json:"name"`
			Count int    `json:"count"`
		} `json:"sources"`
		Signals []struct {
			Value string `json:"value"`
			Count int    `json:"count"`
		} `json:"signals"`
	} `json:"facets"`
}

func (h *harness) queue(t *testing.T, query string) queueAnswer {
	t.Helper()
	r := h.do("GET", "/mica/v1/triage"+query, tierAdmin, nil)
	if r.status != 200 {
		t.Fatalf("queue %s: %d %s", query, r.status, r.body)
	}
	var q queueAnswer
	if err := json.Unmarshal(r.body, &q); err != nil {
		t.Fatal(err)
	}
	return q
}

func TestTriageQueueAndDecisions(t *testing.T) {
	t.Parallel()
	h, ids := triageHarness(t)

	q := h.queue(t, "")
	if q.Total != 4 || len(q.Items) != 4 || q.Items[0].Reason != "NO_DECISION" || q.Items[0].Recommendation.Type != "MACHINE" ||
		q.Items[0].Subtype != "service" || q.Items[0].Confidence <= 0.5 || q.Items[0].Confidence > 1 {
		t.Fatalf("queue: %+v", q)
	}
	if len(q.Facets.Sources) != 1 || q.Facets.Sources[0].Name != "Active Directory" || q.Facets.Sources[0].Count != 4 {
		t.Fatalf("facets: %+v", q.Facets)
	}
	signal := ""
	for _, f := range q.Facets.Signals {
		if f.Count == 4 && signal == "" {
			signal = f.Value // a signal every svc_ account shows
		}
	}
	if signal == "" {
		t.Fatalf("no signal common to the four accounts: %+v", q.Facets.Signals)
	}
	for _, c := range []struct {
		query string
		want  int
	}{
		{"?q=SVC_A", 1}, {"?signal=" + signal, 4}, {"?signal=noSuchSignal", 0}, {"?subtype=bot", 0}, {"?subtype=service", 4},
		{"?minConfidence=0.5&maxConfidence=1", 4}, {"?minConfidence=0.999", 0}, {"?reason=DISAGREES", 0},
		{"?sourceId=" + h.sourceID, 4}, {"?limit=2&offset=3", 4},
	} {
		if got := h.queue(t, c.query); got.Total != c.want {
			t.Errorf("%s: total %d, want %d", c.query, got.Total, c.want)
		}
	}
	if got := h.queue(t, "?sorters=name&limit=1&offset=1"); len(got.Items) != 1 || got.Items[0].Name != "svc_b" {
		t.Fatalf("sorted by name, second: %+v", got.Items)
	}
	for _, bad := range []string{"?minConfidence=2", "?maxConfidence=x", "?minConfidence=0.9&maxConfidence=0.1", "?reason=MAYBE",
		"?sorters=score", "?limit=500"} {
		checkError(t, h.do("GET", "/mica/v1/triage"+bad, tierAdmin, nil), 400)
	}

	// Accept one, with a note: it becomes a machine account (MANUAL) and leaves the queue.
	r := h.do("POST", "/mica/v1/triage/decisions", tierAdmin,
		`{"action":"ACCEPT","note":"the backup job's account","accountIds":["`+ids["svc_a"]+`"]}`)
	if r.status != 200 {
		t.Fatalf("accept: %d %s", r.status, r.body)
	}
	res := r.object(t)
	d := res["decisions"].([]any)[0].(map[string]any)
	if res["decided"] != 1.0 || d["action"] != "ACCEPT" || d["note"] != "the backup job's account" ||
		d["actor"].(map[string]any)["name"] != "Ada Admin" || d["after"].(map[string]any)["classificationMethod"] != "MANUAL" ||
		d["before"].(map[string]any)["isMachine"] != false || d["after"].(map[string]any)["isMachine"] != true {
		t.Fatalf("accept answer: %s", r.body)
	}
	acct := h.do("GET", "/v2025/accounts/"+ids["svc_a"], tierAdmin, nil).object(t)
	if acct["isMachine"] != true || acct["recommendation"] != nil {
		t.Fatalf("svc_a after accept: %v", acct)
	}
	// Dismiss by filter: the account keeps its classification and leaves the queue for good.
	r = h.do("POST", "/mica/v1/triage/decisions", tierAdmin, `{"action":"DISMISS","filter":{"q":"svc_b"}}`)
	if r.status != 200 || r.object(t)["decided"] != 1.0 {
		t.Fatalf("dismiss: %d %s", r.status, r.body)
	}
	acct = h.do("GET", "/v2025/accounts/"+ids["svc_b"], tierAdmin, nil).object(t)
	if acct["isMachine"] != false || acct["recommendation"] == nil {
		t.Fatalf("svc_b after dismiss: %v", acct)
	}
	if got := h.queue(t, ""); got.Total != 2 {
		t.Fatalf("queue after accept and dismiss: %+v", got)
	}
	// A selection that names an account already decided skips it; an unknown account writes nothing.
	r = h.do("POST", "/mica/v1/triage/decisions", tierAdmin,
		`{"action":"ACCEPT","accountIds":["`+ids["svc_b"]+`","`+ids["svc_c"]+`","`+ids["svc_c"]+`"]}`)
	if r.status != 200 || r.object(t)["decided"] != 1.0 || r.object(t)["skipped"] != 1.0 {
		t.Fatalf("selection: %d %s", r.status, r.body)
	}
	checkError(t, h.do("POST", "/mica/v1/triage/decisions", tierAdmin,
		`{"action":"ACCEPT","accountIds":["`+ids["svc_d"]+`","ffffffffffffffffffffffffffffffff"]}`), 400)
	if got := h.queue(t, ""); got.Total != 1 || got.Items[0].Name != "svc_d" {
		t.Fatalf("after a refused request: %+v", got)
	}
	for _, bad := range []string{`{"action":"MAYBE","accountIds":["x"]}`, `{"action":"ACCEPT"}`,
		`{"action":"ACCEPT","accountIds":["x"],"filter":{}}`, `{"action":"ACCEPT","filter":{"minConfidence":3}}`,
		`{"action":"ACCEPT","accountIds":[""]}`, `[]`} {
		checkError(t, h.do("POST", "/mica/v1/triage/decisions", tierAdmin, bad), 400)
	}

	// The audit trail: newest first, per account and per source.
	trail := h.do("GET", "/mica/v1/triage/decisions?count=true", tierAdmin, nil)
	if trail.status != 200 || trail.header.Get("X-Total-Count") != "3" {
		t.Fatalf("trail: %d %s %s", trail.status, trail.header.Get("X-Total-Count"), trail.body)
	}
	var list []map[string]any
	_ = json.Unmarshal(trail.body, &list)
	if list[0]["accountName"] != "svc_c" || list[2]["accountName"] != "svc_a" || list[1]["action"] != "DISMISS" {
		t.Fatalf("trail order: %s", trail.body)
	}
	one := h.do("GET", "/mica/v1/triage/decisions?accountId="+ids["svc_b"], tierAdmin, nil)
	if err := json.Unmarshal(one.body, &list); err != nil || len(list) != 1 || list[0]["action"] != "DISMISS" {
		t.Fatalf("trail of svc_b: %s", one.body)
	}
	// The account page's evidence carries the trail and the queue's view.
	ev := h.do("GET", "/mica/v1/accounts/"+ids["svc_b"]+"/evidence", tierAdmin, nil).object(t)
	if ev["decisionCount"] != 1.0 || ev["review"].(map[string]any)["inQueue"] != false ||
		ev["review"].(map[string]any)["reason"] != "NO_DECISION" {
		t.Fatalf("evidence of svc_b: %v", ev)
	}
	ev = h.do("GET", "/mica/v1/accounts/"+ids["svc_d"]+"/evidence", tierAdmin, nil).object(t)
	if ev["review"].(map[string]any)["inQueue"] != true || len(ev["decisions"].([]any)) != 0 {
		t.Fatalf("evidence of svc_d: %v", ev)
	}

	for _, c := range []struct {
		method, path, body string
		want               map[string]int
	}{
		{"GET", "/mica/v1/triage", "", map[string]int{tierAdmin: 200, tierAPI: 200, tierHelpdesk: 200, tierWrongLevel: 403, tierWrongScope: 403}},
		{"GET", "/mica/v1/triage/decisions", "", map[string]int{tierAdmin: 200, tierAPI: 200, tierHelpdesk: 200, tierWrongLevel: 403, tierWrongScope: 403}},
		{"POST", "/mica/v1/triage/decisions", `{"action":"DISMISS","filter":{"q":"nobody"}}`,
			map[string]int{tierAdmin: 200, tierAPI: 200, tierHelpdesk: 403, tierWrongLevel: 403, tierWrongScope: 403}},
	} {
		for _, tier := range append(allTiers, tierHelpdesk) {
			want, ok := c.want[tier]
			if !ok {
				want = 401
			}
			var body any
			if c.body != "" {
				body = c.body
			}
			if r := h.do(c.method, c.path, tier, body); r.status != want {
				t.Fatalf("%s %s as %s: %d, want %d: %s", c.method, c.path, tier, r.status, want, r.body)
			}
		}
	}
}
