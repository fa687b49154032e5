package api_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/micahq/mica/api"
)

func TestPATAuthTiers(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	// PAT operations have userAuth only: API clients get 403; a USER manages its own.
	want := map[string]int{tierNone: 401, tierGarbage: 401, tierExpired: 401, tierDeleted: 401,
		tierWrongScope: 403, tierWrongLevel: 200, tierAPI: 403, tierAdmin: 200}
	for _, v := range api.AllVersions {
		for _, tier := range allTiers {
			r := h.do(http.MethodGet, api.VersionPath(v, "/personal-access-tokens")+"?owner-id=me", tier, nil)
			if want[tier] != 200 {
				checkError(t, r, want[tier])
			} else if r.status != 200 {
				t.Fatalf("%s %s: %d %s", v, tier, r.status, r.body)
			}
		}
	}
	// Listing every owner's tokens needs the all-tokens right: a USER is refused.
	checkError(t, h.do(http.MethodGet, "/v3/personal-access-tokens", tierWrongLevel, nil), 403)
	if r := h.do(http.MethodGet, "/v3/personal-access-tokens", tierAdmin, nil); r.status != 200 {
		t.Fatalf("admin list all: %d", r.status)
	}
}

func TestPATLifecycle(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	// v2025: a future expiry, a narrow scope.
	exp := time.Now().Add(48 * time.Hour).UTC().Format(time.RFC3339)
	r := h.do(http.MethodPost, "/v2025/personal-access-tokens", tierWrongLevel,
		map[string]any{"name": "ci", "scope": []string{"idn:app-roles:read"}, "expirationDate": exp, "accessTokenValiditySeconds": 600})
	if r.status != 200 {
		t.Fatalf("create: %d %s", r.status, r.body)
	}
	pat := r.object(t)
	id, secret := pat["id"].(string), pat["secret"].(string)
	owner := pat["owner"].(map[string]any)
	if owner["id"] != h.user.ID || owner["name"] != "Uma User" || owner["type"] != "IDENTITY" || len(secret) != 64 ||
		pat["accessTokenValiditySeconds"].(float64) != 600 || pat["scope"].([]any)[0] != "idn:app-roles:read" {
		t.Fatalf("create body %s", r.body)
	}
	// The secret is never shown again, and the PAT mints working tokens that last its validity.
	tok := h.token(id, secret)
	if c := decodeClaims(t, tok); c["exp"].(float64)-c["iat"].(float64) != 600 {
		t.Fatalf("token lifetime %v", c["exp"].(float64)-c["iat"].(float64))
	}
	list := h.do(http.MethodGet, "/v2025/personal-access-tokens?owner-id=me", tierWrongLevel, nil)
	if strings.Contains(string(list.body), secret) || len(list.array(t)) != 2 { // with the harness's own
		t.Fatalf("list %s", list.body)
	}
	item := list.array(t)[1].(map[string]any)
	if item["lastUsed"] == nil || item["userAwareTokenNeverExpires"] != false {
		t.Fatalf("list item %v", item)
	}
	// Patch the name and scope.
	r = h.do(http.MethodPatch, "/v2025/personal-access-tokens/"+id, tierWrongLevel,
		`[{"op":"replace","path":"/name","value":"ci-2"},{"op":"replace","path":"/scope","value":["sp:scopes:all"]}]`,
		"Content-Type", "application/json-patch+json")
	if r.status != 200 || r.object(t)["name"] != "ci-2" {
		t.Fatalf("patch: %d %s", r.status, r.body)
	}
	// Another user cannot see or delete it.
	checkError(t, h.do(http.MethodPatch, "/v2025/personal-access-tokens/"+id, tierHelpdesk,
		`[{"op":"replace","path":"/name","value":"x"}]`, "Content-Type", "application/json-patch+json"), 404)
	checkError(t, h.do(http.MethodDelete, "/v2025/personal-access-tokens/"+id, tierHelpdesk, nil), 404)
	// Deleting it invalidates its tokens at once.
	if r := h.do(http.MethodDelete, "/v2025/personal-access-tokens/"+id, tierWrongLevel, nil); r.status != 204 {
		t.Fatalf("delete: %d %s", r.status, r.body)
	}
	checkError(t, h.do(http.MethodGet, "/v2025/personal-access-tokens?owner-id=me", tok, nil), 401)
	checkError(t, h.do(http.MethodDelete, "/v2025/personal-access-tokens/"+id, tierWrongLevel, nil), 404)
}

func TestPATExpiryRules(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	future := time.Now().Add(24 * time.Hour).UTC().Format(time.RFC3339)
	far := time.Now().AddDate(1, 0, 0).UTC().Format(time.RFC3339)
	past := time.Now().Add(-time.Hour).UTC().Format(time.RFC3339)
	cases := []struct {
		version string
		body    map[string]any
		status  int
		never   bool
	}{
		{"v2025", map[string]any{"name": "a"}, 400, false},
		{"v2025", map[string]any{"name": "b", "userAwareTokenNeverExpires": true}, 200, true},
		{"v2025", map[string]any{"name": "c", "expirationDate": nil, "userAwareTokenNeverExpires": true}, 200, true},
		{"v2025", map[string]any{"name": "d", "expirationDate": far}, 200, false},
		{"v2025", map[string]any{"name": "e", "expirationDate": past}, 400, false},
		{"v3", map[string]any{"name": "f"}, 200, false},
		{"v3", map[string]any{"name": "g", "expirationDate": future}, 200, false},
		{"v3", map[string]any{"name": "h", "expirationDate": far}, 400, false},
		{"v3", map[string]any{"name": "i", "userAwareTokenNeverExpires": true}, 400, false},
		{"v2024", map[string]any{"name": "j", "expirationDate": nil}, 400, false},
		{"v2025", map[string]any{"name": "", "expirationDate": future}, 400, false},
		{"v2025", map[string]any{"expirationDate": future}, 400, false},
		{"v2025", map[string]any{"name": "k", "expirationDate": future, "accessTokenValiditySeconds": 14}, 400, false},
		{"v2025", map[string]any{"name": "l", "expirationDate": future, "accessTokenValiditySeconds": 43201}, 400, false},
		{"v2025", map[string]any{"name": "m", "expirationDate": future, "scope": []string{"idn:made-up"}}, 400, false},
		{"v2025", map[string]any{"name": "n", "expirationDate": "tomorrow"}, 400, false},
		{"v2025", map[string]any{"name": 7}, 400, false},
	}
	for _, c := range cases {
		r := h.do(http.MethodPost, "/"+c.version+"/personal-access-tokens", tierAdmin, c.body)
		if c.status != 200 {
			checkError(t, r, c.status)
			continue
		}
		if r.status != 200 {
			t.Fatalf("%s %v: %d %s", c.version, c.body, r.status, r.body)
		}
		m := r.object(t)
		if c.never != (m["expirationDate"] == nil) {
			t.Fatalf("%s %v: expirationDate %v", c.version, c.body, m["expirationDate"])
		}
		if c.version == "v3" && c.body["expirationDate"] == nil {
			got, _ := time.Parse(time.RFC3339, m["expirationDate"].(string))
			if d := time.Until(got); d < 179*24*time.Hour || d > 185*24*time.Hour {
				t.Fatalf("old default expiry %v away, want about 6 months", d)
			}
		}
	}
	// Name clash with the caller's own token.
	checkError(t, h.do(http.MethodPost, "/v3/personal-access-tokens", tierAdmin, map[string]any{"name": "f"}), 400)
	// Malformed bodies.
	checkError(t, h.do(http.MethodPost, "/v3/personal-access-tokens", tierAdmin, `{"name":`), 400)
	checkError(t, h.do(http.MethodPost, "/v3/personal-access-tokens", tierAdmin, `{"name":"x"}`, "Content-Type", "text/plain"), 415)
	checkError(t, h.do(http.MethodPost, "/v3/personal-access-tokens", tierAdmin, ``), 400)
}

func TestPATLimitAndPatchErrors(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	// The user holds one PAT from the harness already; nine more reach the limit of ten.
	var id string
	for i := 0; i < 9; i++ {
		r := h.do(http.MethodPost, "/v3/personal-access-tokens", tierWrongLevel, map[string]any{"name": "t" + string(rune('a'+i))})
		if r.status != 200 {
			t.Fatalf("create %d: %d %s", i, r.status, r.body)
		}
		id = r.object(t)["id"].(string)
	}
	r := h.do(http.MethodPost, "/v3/personal-access-tokens", tierWrongLevel, map[string]any{"name": "eleventh"})
	checkError(t, r, 400)
	if !strings.Contains(errorText(t, r), "at most 10") {
		t.Fatalf("limit message %q", errorText(t, r))
	}
	patch := func(body string) response {
		return h.do(http.MethodPatch, "/v3/personal-access-tokens/"+id, tierWrongLevel, body, "Content-Type", "application/json-patch+json")
	}
	for _, bad := range []string{
		`[{"op":"replace","path":"/id","value":"x"}]`,
		`[{"op":"replace","path":"/expirationDate","value":"2030-01-01T00:00:00Z"}]`, // not patchable in v3
		`[{"op":"remove","path":"/name"}]`,
		`[{"op":"replace","path":"/name","value":7}]`,
		`[{"op":"test","path":"/name","value":"nope"},{"op":"replace","path":"/name","value":"z"}]`,
		`[{"op":"frobnicate","path":"/name","value":"z"}]`,
		`[{"op":"replace","path":"name","value":"z"}]`,
		`[]`,
		`{"op":"replace"}`,
		`[{"op":"replace","path":"/scope","value":["idn:nope"]}]`,
	} {
		checkError(t, patch(bad), 400)
	}
	got := h.do(http.MethodGet, "/v3/personal-access-tokens?owner-id=me", tierWrongLevel, nil)
	if !strings.Contains(string(got.body), `"name":"ti"`) {
		t.Fatalf("a failed patch changed the token: %s", got.body)
	}
	checkError(t, h.do(http.MethodPatch, "/v3/personal-access-tokens/"+id, tierWrongLevel,
		`[{"op":"replace","path":"/name","value":"z"}]`, "Content-Type", "text/plain"), 415)
	r = h.do(http.MethodPatch, "/v2026/personal-access-tokens/"+id, tierWrongLevel,
		`[{"op":"replace","path":"/expirationDate","value":null},{"op":"replace","path":"/userAwareTokenNeverExpires","value":true}]`,
		"Content-Type", "application/json-patch+json")
	if r.status != 200 || r.object(t)["expirationDate"] != nil {
		t.Fatalf("v2026 patch to never expire: %d %s", r.status, r.body)
	}
	checkError(t, h.do(http.MethodGet, "/v3/personal-access-tokens?owner-id=me&filters=lastUsed+eq+2020-01-01T00:00:00Z", tierWrongLevel, nil), 400)
	if r := h.do(http.MethodGet, "/v3/personal-access-tokens?owner-id=me&filters=lastUsed+isnull", tierWrongLevel, nil); r.status != 200 || len(r.array(t)) != 9 {
		t.Fatalf("lastUsed isnull: %d %s", r.status, r.body)
	}
}

// TestPATEveryVersion creates, patches and deletes a token under every version,
// so that each operation's 2xx answer is validated against its own document.
func TestPATEveryVersion(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	future := time.Now().Add(48 * time.Hour).UTC().Format(time.RFC3339)
	for _, v := range api.AllVersions {
		base := api.VersionPath(v, "/personal-access-tokens")
		r := h.do(http.MethodPost, base, tierAdmin, map[string]any{"name": "every " + string(v), "expirationDate": future})
		if r.status != 200 {
			t.Fatalf("%s create: %d %s", v, r.status, r.body)
		}
		id := r.object(t)["id"].(string)
		r = h.do(http.MethodPatch, base+"/"+id, tierAdmin, `[{"op":"replace","path":"/name","value":"renamed `+string(v)+`"}]`,
			"Content-Type", "application/json-patch+json")
		if r.status != 200 || r.object(t)["name"] != "renamed "+string(v) {
			t.Fatalf("%s patch: %d %s", v, r.status, r.body)
		}
		if r := h.do(http.MethodDelete, base+"/"+id, tierAdmin, nil); r.status != 204 {
			t.Fatalf("%s delete: %d %s", v, r.status, r.body)
		}
	}
}
