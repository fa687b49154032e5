package api_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/micahq/mica/api"
)

// TestAggregationPreviewGuardAndHistory: a preview counts what a file would
// do and applies nothing; maxRemovals (mica's extension of load-accounts)
// refuses a file that removes more; a source's aggregations are its history.
func TestAggregationPreviewGuardAndHistory(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.startAggregator()
	src := h.csvSource("Service Accounts", false)
	var full strings.Builder
	full.WriteString("id,name\n")
	for i := range 20 {
		fmt.Fprintf(&full, "svc-%02d,svc-%02d\n", i, i)
	}
	r := h.upload(api.V2025, src.ID, tierAdmin, full.String())
	if r.status != 202 {
		t.Fatalf("first upload: %d %s", r.status, r.body)
	}
	if st := h.waitAggregation(r.object(t)["task"].(map[string]any)["id"].(string)); st["status"] != "COMPLETED" {
		t.Fatalf("first aggregation: %v", st)
	}

	preview := func(csv string) (int, map[string]any) {
		t.Helper()
		body, ct := multipartBody(t, csv)
		r := h.do(http.MethodPost, "/mica/v1/sources/"+src.ID+"/load-accounts/preview", tierAdmin, body, "Content-Type", ct)
		var m map[string]any
		_ = json.Unmarshal(r.body, &m)
		return r.status, m
	}
	// Three known accounts (one changed) and a new one: 17 of 20 would go.
	small := "id,name\nsvc-00,svc-00\nsvc-01,svc-01 renamed\nsvc-02,svc-02\nnew-1,new-1\n"
	code, p := preview(small)
	if code != 200 || p["existing"] != 20.0 || p["scanned"] != 4.0 || p["added"] != 1.0 || p["changed"] != 1.0 ||
		p["unchanged"] != 2.0 || p["removed"] != 17.0 || p["removedPercent"] != 85.0 || p["confirmationRequired"] != true ||
		p["confirmAbovePercent"] != 10.0 || p["exceedsDeleteThreshold"] != false {
		t.Fatalf("preview: %d %v", code, p)
	}
	// Nothing applied, nothing recorded.
	accounts := h.do(http.MethodGet, "/v2025/accounts?count=true&limit=0&filters=sourceId+eq+%22"+src.ID+"%22", tierAdmin, nil)
	if accounts.header.Get("X-Total-Count") != "20" {
		t.Fatalf("accounts after a preview: %s", accounts.header.Get("X-Total-Count"))
	}
	hist := h.do(http.MethodGet, "/mica/v1/sources/"+src.ID+"/aggregations?count=true", tierAdmin, nil)
	if hist.status != 200 || hist.header.Get("X-Total-Count") != "1" {
		t.Fatalf("history after a preview: %d %s %s", hist.status, hist.header.Get("X-Total-Count"), hist.body)
	}
	// One more removed than confirmed: refused, nothing applied.
	r = h.upload(api.V2025, src.ID, tierAdmin, small, "maxRemovals", "16")
	if r.status != 202 {
		t.Fatalf("guarded upload: %d %s", r.status, r.body)
	}
	if st := h.waitAggregation(r.object(t)["task"].(map[string]any)["id"].(string)); st["status"] != "TERMINATED" {
		t.Fatalf("guarded aggregation: %v", st)
	}
	// Confirmed: applied.
	r = h.upload(api.V2025, src.ID, tierAdmin, small, "maxRemovals", "17")
	if st := h.waitAggregation(r.object(t)["task"].(map[string]any)["id"].(string)); st["status"] != "COMPLETED" {
		t.Fatalf("confirmed aggregation: %v", st)
	}
	hist = h.do(http.MethodGet, "/mica/v1/sources/"+src.ID+"/aggregations", tierAdmin, nil)
	var items []map[string]any
	if err := json.Unmarshal(hist.body, &items); err != nil || len(items) != 3 {
		t.Fatalf("history: %s", hist.body)
	}
	if items[0]["status"] != "COMPLETED" || items[0]["removed"] != 17.0 || items[0]["added"] != 1.0 || items[0]["maxRemovals"] != 17.0 ||
		items[1]["status"] != "TERMINATED" || len(items[1]["errors"].([]any)) != 1 ||
		!strings.Contains(items[1]["errors"].([]any)[0].(string), "more than the 16 confirmed") ||
		items[2]["added"] != 20.0 || items[2]["maxRemovals"] != nil {
		t.Fatalf("history: %s", hist.body)
	}

	// Bad input: a bad file previews as the error it would end with; a bad maxRemovals; not a file source.
	if code, p := preview("id,name\na,b,c\n"); code != 400 || !strings.Contains(fmt.Sprint(p), "line 2") {
		t.Fatalf("ragged preview: %d %v", code, p)
	}
	checkError(t, h.upload(api.V2025, src.ID, tierAdmin, small, "maxRemovals", "-1"), 400)
	checkError(t, h.upload(api.V2025, src.ID, tierAdmin, small, "maxRemovals", "lots"), 400)
	body, ct := multipartBody(t, small)
	checkError(t, h.do(http.MethodPost, "/mica/v1/sources/"+h.sourceID+"/load-accounts/preview", tierAdmin, body, "Content-Type", ct), 400)
	checkError(t, h.do(http.MethodGet, "/mica/v1/sources/00000000000000000000000000000000/aggregations", tierAdmin, nil), 404)

	for _, c := range []struct {
		method, path string
		want         map[string]int
	}{
		{http.MethodPost, "/mica/v1/sources/" + src.ID + "/load-accounts/preview", map[string]int{tierAdmin: 200, tierAPI: 200,
			tierWrongLevel: 403, tierWrongScope: 403}},
		{http.MethodGet, "/mica/v1/sources/" + src.ID + "/aggregations", map[string]int{tierAdmin: 200, tierAPI: 200,
			tierWrongLevel: 403, tierWrongScope: 403}},
	} {
		for _, tier := range allTiers {
			want, ok := c.want[tier]
			if !ok {
				want = 401
			}
			var r response
			if c.method == http.MethodPost {
				body, ct := multipartBody(t, full.String())
				r = h.do(c.method, c.path, tier, body, "Content-Type", ct)
			} else {
				r = h.do(c.method, c.path, tier, nil)
			}
			if r.status != want {
				t.Fatalf("%s %s as %s: %d, want %d: %s", c.method, c.path, tier, r.status, want, r.body)
			}
		}
	}
}
