package api_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
)

// TestPatchCopyLimits: JSON Patch copies cannot grow a document without bound.
// Before the limits, 20 copies of the root into a list took 8.6 s and 819 MB
// (each doubles the document); now each way of growing it is refused with a
// 400 that names the limit, and the token is left unchanged.
func TestPatchCopyLimits(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	r := h.do(http.MethodPost, "/v2025/personal-access-tokens", tierWrongLevel,
		map[string]any{"name": "bomb", "userAwareTokenNeverExpires": true})
	if r.status != 200 {
		t.Fatalf("create: %d %s", r.status, r.body)
	}
	id := r.object(t)["id"].(string)
	patch := func(ops []map[string]any) response {
		b, _ := json.Marshal(ops)
		return h.do(http.MethodPatch, "/v2025/personal-access-tokens/"+id, tierWrongLevel, string(b),
			"Content-Type", "application/json-patch+json")
	}
	repeat := func(n int, op map[string]any) []map[string]any {
		out := make([]map[string]any, n)
		for i := range out {
			out[i] = op
		}
		return out
	}
	big := strings.Repeat("x", 120)
	for _, c := range []struct {
		name string
		ops  []map[string]any
		want string
	}{
		{"copy of the root", repeat(20, map[string]any{"op": "copy", "from": "", "path": "/scope/-"}),
			"from must not be the document root"},
		{"copy of a list into itself", repeat(30, map[string]any{"op": "copy", "from": "/scope", "path": "/scope/0"}),
			"a member that contains path"},
		{"move into its own child", []map[string]any{{"op": "move", "from": "/scope", "path": "/scope/0"}},
			"a member that contains path"},
	} {
		r := patch(c.ops)
		checkError(t, r, 400)
		if !strings.Contains(errorText(t, r), c.want) {
			t.Errorf("%s: message %q, want it to contain %q", c.name, errorText(t, r), c.want)
		}
	}
	// Doubling by alternating copies between two members is caught by the same budget.
	ops := []map[string]any{{"op": "replace", "path": "/scope", "value": []any{big}}, {"op": "add", "path": "/name", "value": []any{}}}
	for i := 0; i < 40; i++ {
		ops = append(ops, map[string]any{"op": "copy", "from": "/scope", "path": "/name/-"},
			map[string]any{"op": "copy", "from": "/name", "path": "/scope/-"})
	}
	r = patch(ops)
	checkError(t, r, 400)
	if !strings.Contains(errorText(t, r), "copies would add more than 1048576 bytes") {
		t.Errorf("alternating copies: message %q", errorText(t, r))
	}

	got := h.do(http.MethodGet, "/v2025/personal-access-tokens?owner-id=me", tierWrongLevel, nil)
	if !strings.Contains(string(got.body), `"name":"bomb"`) {
		t.Fatalf("a refused patch changed the token: %s", got.body)
	}
	// Ordinary copies and moves still work.
	r = patch([]map[string]any{{"op": "copy", "from": "/name", "path": "/name"}, {"op": "replace", "path": "/name", "value": "renamed"}})
	if r.status != 200 || r.object(t)["name"] != "renamed" {
		t.Fatalf("ordinary patch: %d %s", r.status, r.body)
	}
}
