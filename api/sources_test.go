package api_test

import (
	"net/http"
	"testing"

	"github.com/micahq/mica/api"
)

// TestSourcesAuthTiers is the scenario table of the source read operations:
// every version that has them, every authentication tier.
func TestSourcesAuthTiers(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	want := map[string]int{tierNone: 401, tierGarbage: 401, tierExpired: 401, tierDeleted: 401,
		tierWrongScope: 403, tierWrongLevel: 403, tierAPI: 200, tierAdmin: 200}
	for _, v := range api.AllVersions {
		for _, path := range []string{"/sources", "/sources/" + h.sourceID} {
			for _, tier := range allTiers {
				p := api.VersionPath(v, path)
				t.Run(string(v)+" "+p+" "+tier, func(t *testing.T) {
					status := want[tier]
					if v == api.Beta && tier == tierAPI && path == "/sources" {
						status = 403 // beta listSources has no applicationAuth
					}
					r := h.do(http.MethodGet, p, tier, nil)
					if status != 200 {
						checkError(t, r, status)
						return
					}
					if r.status != 200 {
						t.Fatalf("status %d: %s", r.status, r.body)
					}
				})
			}
		}
	}
}

func TestSourcesBody(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	r := h.do(http.MethodGet, "/v2025/sources?count=true", tierAdmin, nil)
	if r.status != 200 || r.header.Get("X-Total-Count") != "1" {
		t.Fatalf("status %d count %q", r.status, r.header.Get("X-Total-Count"))
	}
	items := r.array(t)
	src := items[0].(map[string]any)
	owner := src["owner"].(map[string]any)
	if src["id"] != h.sourceID || src["name"] != "Active Directory" || owner["type"] != "IDENTITY" ||
		owner["id"] != h.admin.ID || owner["name"] != "Ada Admin" || src["connector"] != "active-directory" {
		t.Fatalf("source = %v", src)
	}
	if len(src) != 30 { // the 31 of the Source schema less managerCorrelationMapping, left out when unset
		t.Fatalf("source has %d properties, want the 31 of the Source schema", len(src))
	}
	if r.header.Get("Content-Type") != "application/json;charset=utf-8" {
		t.Fatalf("content type %q", r.header.Get("Content-Type"))
	}
	// Without count there is no total.
	if r := h.do(http.MethodGet, "/v2025/sources", tierAdmin, nil); r.header.Get("X-Total-Count") != "" {
		t.Fatal("X-Total-Count sent without count=true")
	}
	checkError(t, h.do(http.MethodGet, "/v3/sources/2c9180835d2e5168015d32f890ca1581", tierAdmin, nil), 404)
	got := h.do(http.MethodGet, "/sources/v1/"+h.sourceID, tierAdmin, nil).object(t)
	if got["id"] != h.sourceID {
		t.Fatalf("v1 get = %v", got)
	}
}

func TestSourcesPaging(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	cases := []struct {
		query  string
		status int
		items  int
	}{
		{"limit=0", 200, 0},
		{"limit=250", 200, 1},
		{"limit=251", 400, 0},
		{"limit=-1", 400, 0},
		{"limit=abc", 400, 0},
		{"offset=-1", 400, 0},
		{"offset=1&count=true", 200, 0},
		{"offset=5", 200, 0},
		{"count=maybe", 400, 0},
		{"filters=name+eq+%22Active+Directory%22", 200, 1},
		{"filters=name+EQ+%22x%22", 400, 0},
		{"filters=bogus+eq+%22x%22", 400, 0},
		{"sorters=-name", 200, 1},
		{"sorters=bogus", 400, 0},
		{"includeIDNSource=perhaps", 400, 0},
	}
	for _, c := range cases {
		t.Run(c.query, func(t *testing.T) {
			r := h.do(http.MethodGet, "/v3/sources?"+c.query, tierAdmin, nil)
			if c.status != 200 {
				checkError(t, r, c.status)
				return
			}
			if r.status != 200 || len(r.array(t)) != c.items {
				t.Fatalf("status %d body %s", r.status, r.body)
			}
		})
	}
}
