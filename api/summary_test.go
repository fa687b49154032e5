package api_test

import (
	"context"
	"testing"

	"github.com/micahq/mica"
	"github.com/micahq/mica/classify"
)

// runJob works a source's classification job to its end through the store,
// as the job runner does.
func (h *harness) runJob(t *testing.T, sourceID string) {
	t.Helper()
	ctx := context.Background()
	j, err := h.db.StartClassificationJob(ctx, sourceID)
	if err != nil {
		t.Fatal(err)
	}
	p, err := classify.Compile(j.Config)
	if err != nil {
		t.Fatal(err)
	}
	for j.Running() {
		if j.Status == mica.JobStarted {
			j, err = h.db.CollectClassificationBatch(ctx, j.ID, 2)
		} else {
			j, err = h.db.ProcessClassificationBatch(ctx, j.ID, 2, classify.Decider(classify.ModeDefault, p, nil))
		}
		if err != nil {
			t.Fatal(err)
		}
	}
}

func TestSummary(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.addAccounts(t, "svc_a", "svc_b", "carol", "dave", "svc_c")
	exp := []string{"X-SailPoint-Experimental", "true"}
	cfg := `{"enabled":true,"classificationMethod":"CRITERIA","criteria":{"operation":"STARTS_WITH","attribute":"sAMAccountName","value":"svc_"}}`
	if r := h.do("PUT", "/v2025/sources/"+h.sourceID+"/machine-classification-config", tierAdmin, cfg, exp...); r.status != 200 {
		t.Fatalf("PUT: %d %s", r.status, r.body)
	}
	empty := &mica.Source{Name: "Zeta HR", Owner: mica.Ref{ID: h.admin.ID}, Connector: "workday"}
	if err := h.db.CreateSource(context.Background(), empty); err != nil {
		t.Fatal(err)
	}

	// Before any job: the AD source has a config and no job.
	sum := h.do("GET", "/mica/v1/summary", tierAdmin, nil).object(t)
	totals := sum["totals"].(map[string]any)
	if totals["sources"] != 2.0 || totals["accounts"] != 5.0 || totals["machines"] != 0.0 || sum["count"] != 2.0 {
		t.Fatalf("summary before the job: %v", sum)
	}
	srcs := sum["sources"].([]any)
	ad := srcs[0].(map[string]any)
	if len(srcs) != 2 || ad["name"] != "Active Directory" || ad["job"] != nil ||
		ad["classification"].(map[string]any)["method"] != "CRITERIA" || srcs[1].(map[string]any)["classification"] != nil {
		t.Fatalf("sources before the job: %v", srcs)
	}
	checkError(t, h.do("GET", "/mica/v1/sources/"+h.sourceID+"/classification-job", tierAdmin, nil), 404)

	h.runJob(t, h.sourceID)
	sum = h.do("GET", "/mica/v1/summary?limit=1", tierAdmin, nil).object(t)
	totals = sum["totals"].(map[string]any)
	if totals["machines"] != 3.0 || totals["humans"] != 2.0 || sum["count"] != 2.0 || len(sum["sources"].([]any)) != 1 {
		t.Fatalf("summary after the job: %v", sum)
	}
	ad = sum["sources"].([]any)[0].(map[string]any)
	job := ad["job"].(map[string]any)
	if ad["machines"] != 3.0 || ad["humans"] != 2.0 || job["status"] != "COMPLETED" || job["phase"] != "ended" ||
		job["machines"] != 3.0 || job["humans"] != 2.0 || job["changed"] != 3.0 {
		t.Fatalf("AD after the job: %v", ad)
	}
	got := h.do("GET", "/mica/v1/sources/"+h.sourceID+"/classification-job", tierAdmin, nil).object(t)
	if got["status"] != "COMPLETED" || got["counts"].(map[string]any)["COMPLETED"] != 5.0 || got["changed"] != 3.0 {
		t.Fatalf("classification job: %v", got)
	}
	page2 := h.do("GET", "/mica/v1/summary?limit=1&offset=1", tierAdmin, nil).object(t)
	if s := page2["sources"].([]any); len(s) != 1 || s[0].(map[string]any)["name"] != "Zeta HR" {
		t.Fatalf("second page: %v", page2)
	}
	checkError(t, h.do("GET", "/mica/v1/summary?limit=999", tierAdmin, nil), 400)
	checkError(t, h.do("GET", "/mica/v1/summary?sorters=nope", tierAdmin, nil), 400)
	checkError(t, h.do("GET", "/mica/v1/sources/00000000000000000000000000000000/classification-job", tierAdmin, nil), 404)

	for _, path := range []string{"/mica/v1/summary", "/mica/v1/sources/" + h.sourceID + "/classification-job"} {
		for _, tier := range allTiers {
			want := map[string]int{tierAdmin: 200, tierAPI: 200, tierWrongLevel: 403, tierWrongScope: 403}[tier]
			if want == 0 {
				want = 401
			}
			if r := h.do("GET", path, tier, nil); r.status != want {
				t.Fatalf("%s as %s: %d, want %d: %s", path, tier, r.status, want, r.body)
			}
		}
	}
}
