package api_test

import (
	"net/http"
	"strings"
	"testing"
)

// TestPATCannotEscalate: a personal access token never gets rights the token
// creating or changing it lacks, and narrowing a token's scopes invalidates
// the access tokens issued before at once.
func TestPATCannotEscalate(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	narrow := h.token(h.client(h.admin, "sp:my-personal-access-tokens:manage"))
	for _, c := range []struct {
		body map[string]any
		want string
	}{
		{map[string]any{"name": "default"}, "scope defaults to sp:scopes:all"},
		{map[string]any{"name": "all", "scope": []string{"sp:scopes:all"}}, "lacks"},
		{map[string]any{"name": "sources", "scope": []string{"idn:sources:read"}}, "right idn:sources:read"},
	} {
		r := h.do(http.MethodPost, "/v3/personal-access-tokens", narrow, c.body)
		checkError(t, r, 403)
		if !strings.Contains(errorText(t, r), c.want) {
			t.Fatalf("%v: %q, want %q", c.body, errorText(t, r), c.want)
		}
	}
	// Within its rights (read is implied by manage): allowed.
	r := h.do(http.MethodPost, "/v3/personal-access-tokens", narrow,
		map[string]any{"name": "mine", "scope": []string{"sp:my-personal-access-tokens:read"}})
	if r.status != 200 {
		t.Fatalf("create within rights: %d %s", r.status, r.body)
	}
	id := r.object(t)["id"].(string)
	patch := func(tok, id, body string) response {
		return h.do(http.MethodPatch, "/v3/personal-access-tokens/"+id, tok, body, "Content-Type", "application/json-patch+json")
	}
	checkError(t, patch(narrow, id, `[{"op":"replace","path":"/scope","value":["idn:sources:manage"]}]`), 403)

	// An admin's PAT with two scopes; its token works; narrowing it ends that token at once.
	r = h.do(http.MethodPost, "/v3/personal-access-tokens", tierAdmin,
		map[string]any{"name": "wide", "scope": []string{"idn:sources:read", "sp:my-personal-access-tokens:manage"}})
	if r.status != 200 {
		t.Fatalf("create: %d %s", r.status, r.body)
	}
	wide := r.object(t)
	wideID := wide["id"].(string)
	tok := h.token(wideID, wide["secret"].(string))
	if r := h.do(http.MethodGet, "/v3/sources", tok, nil); r.status != 200 {
		t.Fatalf("before narrowing: %d %s", r.status, r.body)
	}
	if r := patch(tierAdmin, wideID, `[{"op":"replace","path":"/scope","value":["sp:my-personal-access-tokens:manage"]}]`); r.status != 200 {
		t.Fatalf("narrow: %d %s", r.status, r.body)
	}
	r = h.do(http.MethodGet, "/v3/personal-access-tokens?owner-id=me", tok, nil)
	checkError(t, r, 401)
	if !strings.Contains(string(r.body), "no longer all granted") {
		t.Fatalf("old token after narrowing: %s", r.body)
	}
	fresh := h.token(wideID, wide["secret"].(string))
	if r := h.do(http.MethodGet, "/v3/personal-access-tokens?owner-id=me", fresh, nil); r.status != 200 {
		t.Fatalf("new token: %d %s", r.status, r.body)
	}
	checkError(t, h.do(http.MethodGet, "/v3/sources", fresh, nil), 403)
	// Widening again leaves tokens valid.
	if r := patch(tierAdmin, wideID, `[{"op":"add","path":"/scope/-","value":"idn:sources:read"}]`); r.status != 200 {
		t.Fatalf("widen: %d %s", r.status, r.body)
	}
	if r := h.do(http.MethodGet, "/v3/personal-access-tokens?owner-id=me", fresh, nil); r.status != 200 {
		t.Fatalf("after widening: %d %s", r.status, r.body)
	}
}
