package api_test

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"mime/multipart"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/micahq/mica"
	"github.com/micahq/mica/api"
)

func postToken(t *testing.T, h *harness, contentType string, body []byte, query string, basic ...string) response {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, h.srv.URL+"/oauth/token"+query, bytes.NewReader(body))
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if len(basic) == 2 {
		req.SetBasicAuth(basic[0], basic[1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = resp.Body.Close() }()
	var buf bytes.Buffer
	_, _ = buf.ReadFrom(resp.Body)
	return response{status: resp.StatusCode, header: resp.Header, body: buf.Bytes()}
}

func TestTokenEndpoint(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	id, secret := h.client(h.admin, "sp:scopes:all")
	apiID, apiSecret := h.client(nil, "idn:sources:read")
	form := url.Values{"grant_type": {"client_credentials"}, "client_id": {id}, "client_secret": {secret}}

	var mp bytes.Buffer
	mw := multipart.NewWriter(&mp)
	for k, v := range form {
		_ = mw.WriteField(k, v[0])
	}
	_ = mw.Close()

	cases := []struct {
		name   string
		resp   func() response
		status int
		errStr string
	}{
		{"urlencoded", func() response {
			return postToken(t, h, "application/x-www-form-urlencoded", []byte(form.Encode()), "")
		}, 200, ""},
		{"multipart", func() response { return postToken(t, h, mw.FormDataContentType(), mp.Bytes(), "") }, 200, ""},
		{"query string", func() response { return postToken(t, h, "", nil, "?"+form.Encode()) }, 200, ""},
		{"basic auth", func() response {
			return postToken(t, h, "application/x-www-form-urlencoded", []byte("grant_type=client_credentials"), "", id, secret)
		}, 200, ""},
		{"wrong secret", func() response {
			f := url.Values{"grant_type": {"client_credentials"}, "client_id": {id}, "client_secret": {"nope"}}
			return postToken(t, h, "application/x-www-form-urlencoded", []byte(f.Encode()), "")
		}, 401, "invalid_client"},
		{"unknown client", func() response {
			f := url.Values{"grant_type": {"client_credentials"}, "client_id": {"00000000-0000-4000-8000-000000000000"}, "client_secret": {secret}}
			return postToken(t, h, "application/x-www-form-urlencoded", []byte(f.Encode()), "")
		}, 401, "invalid_client"},
		{"unsupported grant", func() response {
			f := url.Values{"grant_type": {"password"}, "client_id": {id}, "client_secret": {secret}}
			return postToken(t, h, "application/x-www-form-urlencoded", []byte(f.Encode()), "")
		}, 400, "unsupported_grant_type"},
		{"missing grant", func() response {
			return postToken(t, h, "application/x-www-form-urlencoded", []byte("client_id="+id), "")
		}, 400, "invalid_request"},
		{"missing secret", func() response {
			return postToken(t, h, "application/x-www-form-urlencoded", []byte("grant_type=client_credentials&client_id="+id), "")
		}, 401, "invalid_client"},
		{"scope outside the client", func() response {
			f := url.Values{"grant_type": {"client_credentials"}, "client_id": {apiID}, "client_secret": {apiSecret}, "scope": {"idn:sources:manage"}}
			return postToken(t, h, "application/x-www-form-urlencoded", []byte(f.Encode()), "")
		}, 400, "invalid_scope"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := c.resp()
			if r.status != c.status {
				t.Fatalf("status %d, want %d: %s", r.status, c.status, r.body)
			}
			m := r.object(t)
			if c.errStr != "" {
				if m["error"] != c.errStr || m["error_description"] == "" {
					t.Fatalf("error body %s", r.body)
				}
				return
			}
			if m["token_type"] != "bearer" || m["identity_id"] != h.admin.ID || m["user_id"] != h.admin.ID ||
				m["scope"] != "sp:scopes:all" || m["expires_in"].(float64) != 749 || len(m["jti"].(string)) != 32 {
				t.Fatalf("token body %s", r.body)
			}
			claims := decodeClaims(t, m["access_token"].(string))
			if claims["client_id"] != id || claims["identity_id"] != h.admin.ID ||
				claims["authorities"].([]any)[0] != "ORG_ADMIN" || claims["jti"] != m["jti"] {
				t.Fatalf("claims %v", claims)
			}
			// The token works.
			if r := h.do(http.MethodGet, "/v3/sources", m["access_token"].(string), nil); r.status != 200 {
				t.Fatalf("token refused: %d %s", r.status, r.body)
			}
		})
	}

	t.Run("api client has no identity", func(t *testing.T) {
		f := url.Values{"grant_type": {"client_credentials"}, "client_id": {apiID}, "client_secret": {apiSecret}}
		m := postToken(t, h, "application/x-www-form-urlencoded", []byte(f.Encode()), "").object(t)
		if _, ok := m["identity_id"]; ok {
			t.Fatalf("identity_id present for API client: %v", m)
		}
		claims := decodeClaims(t, m["access_token"].(string))
		if claims["authorities"].([]any)[0] != "API" {
			t.Fatalf("API client authorities %v", claims["authorities"])
		}
	})
}

func decodeClaims(t *testing.T, tok string) map[string]any {
	t.Helper()
	parts := strings.Split(tok, ".")
	hdr, _ := base64.RawURLEncoding.DecodeString(parts[0])
	if !strings.Contains(string(hdr), `"alg":"ES256"`) {
		t.Fatalf("header %s", hdr)
	}
	b, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

func TestOAuthInfoAndJWKS(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	info := h.do(http.MethodGet, "/oauth/info", tierNone, nil).object(t)
	for _, k := range []string{"tenantId", "tenantName", "authorizeEndpoint", "tokenEndpoint", "cloudDomainUrl", "logoutUrl", "pod"} {
		if info[k] == nil || info[k] == "" {
			t.Fatalf("oauth/info lacks %s: %v", k, info)
		}
	}
	keys := h.do(http.MethodGet, "/oauth/jwks", tierNone, nil).object(t)["keys"].([]any)
	if k := keys[0].(map[string]any); k["kty"] != "EC" || k["crv"] != "P-256" || k["alg"] != "ES256" {
		t.Fatalf("jwks %v", keys)
	}
}

func TestTokenTamperedAndOtherKey(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	tok := h.tokens[tierAdmin]
	parts := strings.Split(tok, ".")
	claims := decodeClaims(t, tok)
	claims["authorities"] = []string{"ORG_ADMIN", "API"}
	b, _ := json.Marshal(claims)
	forged := parts[0] + "." + base64.RawURLEncoding.EncodeToString(b) + "." + parts[2]
	checkError(t, h.do(http.MethodGet, "/v3/sources", forged, nil), 401)
	other := newHarness(t)
	checkError(t, h.do(http.MethodGet, "/v3/sources", other.tokens[tierAdmin], nil), 401)
	r := h.do(http.MethodGet, "/v3/sources", tierExpired, nil)
	if r.object(t)["error"] != "JWT validation failed: JWT is expired" {
		t.Fatalf("expired body %s", r.body)
	}
	checkError(t, h.do(http.MethodGet, "/v3/sources", tierNone, nil, "Authorization", "Basic abc"), 401)
}

func TestRateLimit(t *testing.T) {
	t.Parallel()
	h := newHarness(t, func(c *api.Config) { c.RateLimit, c.RateWindow = 100, 10*time.Second })
	// Start at the beginning of a window so that the test does not straddle two.
	now := h.clock.Now()
	h.clock.Add(10*time.Second - time.Duration(now.UnixNano()%int64(10*time.Second)))
	for i := 0; i < 100; i++ {
		if r := h.do(http.MethodGet, "/v3/sources", tierAdmin, nil); r.status != 200 {
			t.Fatalf("request %d: %d", i+1, r.status)
		}
	}
	h.clock.Add(3 * time.Second)
	r := h.do(http.MethodGet, "/v3/sources", tierAdmin, nil)
	checkError(t, r, 429)
	if ra, _ := strconv.Atoi(r.header.Get("Retry-After")); ra != 7 {
		t.Fatalf("Retry-After = %q, want 7", r.header.Get("Retry-After"))
	}
	// Another client, and the same client on another version, have their own budget.
	if r := h.do(http.MethodGet, "/v3/sources", tierAPI, nil); r.status != 200 {
		t.Fatalf("other client: %d", r.status)
	}
	if r := h.do(http.MethodGet, "/v2025/sources", tierAdmin, nil); r.status != 200 {
		t.Fatalf("other version: %d", r.status)
	}
	h.clock.Add(7 * time.Second) // a new window
	if r := h.do(http.MethodGet, "/v3/sources", tierAdmin, nil); r.status != 200 {
		t.Fatalf("new window: %d %s", r.status, r.body)
	}
}

func TestExperimentalHeader(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.api.Handle(&api.Op{ID: "probe", Method: http.MethodGet, Path: "/probe", Versions: []api.Version{api.Beta, api.V2025, api.V1},
		Experimental: []api.Version{api.V2025, api.V1}, Auth: api.Auth{User: []string{api.ScopeSourcesRead}},
		Handle: func(w http.ResponseWriter, r *http.Request) error {
			w.WriteHeader(http.StatusNoContent)
			return nil
		}})
	cases := []struct {
		path, header string
		status       int
	}{
		{"/v2025/probe", "", 400},
		{"/v2025/probe", "false", 400},
		{"/v2025/probe", "yes", 400},
		{"/v2025/probe", "true", 204},
		{"/v2025/probe", "TRUE", 204},
		{"/probe/v1", "", 400},
		{"/probe/v1", "true", 204},
		{"/beta/probe", "", 204},
		{"/beta/probe", "false", 204},
		{"/v2024/probe", "true", 404},
	}
	for _, c := range cases {
		var hdr []string
		if c.header != "" {
			hdr = []string{"X-SailPoint-Experimental", c.header}
		}
		r := h.do(http.MethodGet, c.path, tierAdmin, nil, hdr...)
		if r.status != c.status {
			t.Fatalf("%s %q: status %d, want %d: %s", c.path, c.header, r.status, c.status, r.body)
		}
		if c.status == 400 && string(r.body) != `{"error":"Experimental Header is missing or invalid."}` {
			t.Fatalf("body %s", r.body)
		}
	}
	// Non-experimental operations ignore the header either way.
	if r := h.do(http.MethodGet, "/v2025/sources", tierAdmin, nil, "X-SailPoint-Experimental", "false"); r.status != 200 {
		t.Fatalf("non-experimental with false: %d", r.status)
	}
}

func TestRoutingErrors(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	checkError(t, h.do(http.MethodGet, "/v3/no-such-thing", tierAdmin, nil), 404)
	checkError(t, h.do(http.MethodGet, "/v9999/sources", tierAdmin, nil), 404)
	checkError(t, h.do(http.MethodGet, "/", tierNone, nil), 404)
	r := h.do(http.MethodDelete, "/v3/sources", tierAdmin, nil)
	checkError(t, r, 405)
	if r.header.Get("Allow") == "" {
		t.Fatal("405 without Allow")
	}
	// Oversized body: 413 before anything else reads it.
	big := `{"name":"` + strings.Repeat("x", 2<<20) + `"}`
	checkError(t, h.do(http.MethodPost, "/v2025/personal-access-tokens", tierAdmin, big), 413)
	if r := h.do(http.MethodGet, "/health/live", tierNone, nil); r.status != 200 {
		t.Fatalf("live %d", r.status)
	}
	if r := h.do(http.MethodGet, "/health/ready", tierNone, nil); r.status != 200 {
		t.Fatalf("ready %d", r.status)
	}
}

func TestPanicIsInternalFault(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.api.Handle(&api.Op{ID: "boom", Method: http.MethodGet, Path: "/boom", Versions: []api.Version{api.V3}, Public: true,
		Handle: func(http.ResponseWriter, *http.Request) error { panic("kaboom") }})
	r := h.do(http.MethodGet, "/v3/boom", tierNone, nil)
	checkError(t, r, 500)
	if strings.Contains(string(r.body), "kaboom") || errorText(t, r) != "An internal fault occurred." {
		t.Fatalf("500 leaks detail: %s", r.body)
	}
	_ = mica.EINTERNAL
}
