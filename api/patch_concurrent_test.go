package api_test

import (
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/micahq/mica/api"
)

// patchConcurrently sends every body as a JSON Patch of path at once, as the
// admin tier, and fails unless each is answered 200.
func patchConcurrently(t *testing.T, h *harness, path string, bodies []string) {
	t.Helper()
	start := make(chan struct{})
	var wg sync.WaitGroup
	errs := make(chan string, len(bodies))
	for _, body := range bodies {
		wg.Add(1)
		go func() {
			defer wg.Done()
			req, err := http.NewRequest(http.MethodPatch, h.srv.URL+path, strings.NewReader(body))
			if err != nil {
				errs <- err.Error()
				return
			}
			req.Header.Set("Authorization", "Bearer "+h.tokens[tierAdmin])
			req.Header.Set("Content-Type", "application/json-patch+json")
			<-start
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				errs <- err.Error()
				return
			}
			defer func() { _ = resp.Body.Close() }()
			if b, _ := io.ReadAll(resp.Body); resp.StatusCode != http.StatusOK {
				errs <- fmt.Sprintf("%s: %d %s", body, resp.StatusCode, b)
			}
		}()
	}
	close(start)
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
	if t.Failed() {
		t.FailNow()
	}
}

// TestPATConcurrentPatchesAllLand patches one personal access token from many
// requests at once, each adding its own scope: each patch applies to the token
// as the others left it, so every scope is there at the end.
func TestPATConcurrentPatchesAllLand(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	exp := time.Now().Add(48 * time.Hour).UTC().Format(time.RFC3339)
	r := h.do(http.MethodPost, "/v2025/personal-access-tokens", tierAdmin,
		map[string]any{"name": "shared", "scope": []string{api.ScopeSourcesRead}, "expirationDate": exp})
	if r.status != 200 {
		t.Fatalf("create: %d %s", r.status, r.body)
	}
	id := r.object(t)["id"].(string)
	scopes := []string{api.ScopeSourcesManage, api.ScopeAccountsRead, api.ScopeAccountsManage, api.ScopeIdentityRead,
		api.ScopeAccessProfileRead, api.ScopeEntitlementRead, api.ScopeAppRolesRead, api.ScopeSubtypesRead}
	var bodies []string
	for _, sc := range scopes {
		bodies = append(bodies, fmt.Sprintf(`[{"op":"add","path":"/scope/-","value":%q}]`, sc))
	}
	patchConcurrently(t, h, "/v2025/personal-access-tokens/"+id, bodies)
	list := h.do(http.MethodGet, "/v2025/personal-access-tokens?owner-id=me", tierAdmin, nil)
	for _, item := range list.array(t) {
		pat := item.(map[string]any)
		if pat["id"] != id {
			continue
		}
		var got []string
		for _, sc := range pat["scope"].([]any) {
			got = append(got, sc.(string))
		}
		for _, sc := range append(scopes, api.ScopeSourcesRead) {
			if !slices.Contains(got, sc) {
				t.Fatalf("after %d concurrent patches the scopes are %v: %s was lost", len(bodies), got, sc)
			}
		}
		return
	}
	t.Fatalf("token %s not listed: %s", id, list.body)
}

// TestSourceConcurrentPatchesAllLand patches one source from many requests at
// once, each adding its own feature: every feature is there at the end.
func TestSourceConcurrentPatchesAllLand(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	features := []string{"PROVISIONING", "SEARCH", "ENABLE", "UNLOCK", "PASSWORD", "AUTHENTICATE", "MANAGER_LOOKUP",
		"NO_RANDOM_ACCESS"}
	var bodies []string
	for _, f := range features {
		bodies = append(bodies, fmt.Sprintf(`[{"op":"add","path":"/features/-","value":%q}]`, f))
	}
	patchConcurrently(t, h, "/v2025/sources/"+h.sourceID, bodies)
	r := h.do(http.MethodGet, "/v2025/sources/"+h.sourceID, tierAdmin, nil)
	var got []string
	for _, f := range r.object(t)["features"].([]any) {
		got = append(got, f.(string))
	}
	for _, f := range features {
		if !slices.Contains(got, f) {
			t.Fatalf("after %d concurrent patches the features are %v: %s was lost", len(bodies), got, f)
		}
	}
}
