package web_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/micahq/mica"
	"github.com/micahq/mica/api"
	"github.com/micahq/mica/oauth"
	"github.com/micahq/mica/sqlite"
	"github.com/micahq/mica/web"
)

// harness is the console in front of a real API over a real SQLite file.
type harness struct {
	t       *testing.T
	db      *sqlite.DB
	console *web.Console
	srv     *httptest.Server
	now     *clock

	admin, user, apiClient, deletable cred
	adminIdentity, userIdentity       *mica.Identity

	mu     sync.Mutex
	bodies []string // every answer the browser got, to look for tokens
}

type cred struct{ id, secret string }

type clock struct {
	mu sync.Mutex
	d  time.Duration
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return time.Now().Add(c.d) }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.d += d
	c.mu.Unlock()
}

func newHarness(t *testing.T) *harness {
	t.Helper()
	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "mica.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	signer, err := oauth.NewSigner(key)
	if err != nil {
		t.Fatal(err)
	}
	cfg := api.DefaultConfig()
	cfg.TenantID, cfg.RateLimit = mica.NewID(), 0
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	srv := api.NewServer(db, signer, cfg, logger)
	h := &harness{t: t, db: db, now: &clock{}}
	h.console = web.New(srv.Handler(), web.Options{Logger: logger})
	h.console.Now = h.now.Now
	h.srv = httptest.NewServer(h.console.Handler())
	t.Cleanup(h.srv.Close)

	h.adminIdentity = h.identity("Ada Admin", mica.LevelOrgAdmin)
	h.userIdentity = h.identity("Uma User", mica.LevelUser)
	h.admin = h.client(h.adminIdentity)
	h.user = h.client(h.userIdentity)
	h.apiClient = h.client(nil)
	h.deletable = h.client(h.adminIdentity)
	return h
}

func (h *harness) identity(name, level string) *mica.Identity {
	h.t.Helper()
	i := &mica.Identity{Name: name, Alias: strings.ReplaceAll(strings.ToLower(name), " ", "."), Levels: []string{level}}
	if err := h.db.CreateIdentity(context.Background(), i); err != nil {
		h.t.Fatal(err)
	}
	return i
}

// client creates a personal access token of ident, or an API client when ident is nil.
func (h *harness) client(ident *mica.Identity) cred {
	h.t.Helper()
	secret := oauth.NewSecret()
	hash, err := oauth.HashSecret(secret)
	if err != nil {
		h.t.Fatal(err)
	}
	c := &mica.Client{ID: oauth.NewClientID(), Kind: mica.ClientAPI, Name: "test " + mica.NewID()[:8],
		Scopes: []string{"sp:scopes:all"}, SecretHash: hash, Enabled: true}
	if ident != nil {
		c.Kind, c.IdentityID = mica.ClientPAT, ident.ID
	}
	if err := h.db.CreateClient(context.Background(), c); err != nil {
		h.t.Fatal(err)
	}
	return cred{c.ID, secret}
}

// browser is a cookie-keeping client that does not follow redirects.
type browser struct {
	h *harness
	c *http.Client
}

func (h *harness) browser() *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{h: h, c: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}}
}

type answer struct {
	status int
	header http.Header
	body   string
}

func (b *browser) do(method, path string, body io.Reader, header map[string]string) answer {
	b.h.t.Helper()
	req, err := http.NewRequest(method, b.h.srv.URL+path, body)
	if err != nil {
		b.h.t.Fatal(err)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := b.c.Do(req)
	if err != nil {
		b.h.t.Fatal(err)
	}
	defer func() { _ = resp.Body.Close() }()
	raw, _ := io.ReadAll(resp.Body)
	b.h.mu.Lock()
	b.h.bodies = append(b.h.bodies, string(raw))
	for k, vs := range resp.Header {
		b.h.bodies = append(b.h.bodies, k+": "+strings.Join(vs, ","))
	}
	b.h.mu.Unlock()
	return answer{resp.StatusCode, resp.Header, string(raw)}
}

func (b *browser) get(path string) answer { return b.do(http.MethodGet, path, nil, nil) }

var csrfInput = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// loginForm opens the sign-in page and returns its form token.
func (b *browser) loginForm() string {
	b.h.t.Helper()
	a := b.get("/console/login")
	m := csrfInput.FindStringSubmatch(a.body)
	if a.status != http.StatusOK || m == nil {
		b.h.t.Fatalf("sign-in page: %d %s", a.status, a.body)
	}
	return m[1]
}

func (b *browser) postForm(path string, form url.Values, header map[string]string) answer {
	hdr := map[string]string{"Content-Type": "application/x-www-form-urlencoded"}
	for k, v := range header {
		hdr[k] = v
	}
	return b.do(http.MethodPost, path, strings.NewReader(form.Encode()), hdr)
}

// signIn signs in with c and returns the session's CSRF token.
func (b *browser) signIn(c cred) string {
	b.h.t.Helper()
	a := b.postForm("/console/login", url.Values{"csrf": {b.loginForm()}, "client_id": {c.id}, "client_secret": {c.secret}}, nil)
	if a.status != http.StatusSeeOther {
		b.h.t.Fatalf("sign in: %d %s", a.status, a.body)
	}
	return b.session()["csrf"].(string)
}

func (b *browser) session() map[string]any {
	b.h.t.Helper()
	a := b.get("/console/session")
	var m map[string]any
	if a.status != http.StatusOK || json.Unmarshal([]byte(a.body), &m) != nil {
		b.h.t.Fatalf("session: %d %s", a.status, a.body)
	}
	return m
}

// noTokenSent checks that nothing the browser received holds an access token.
func (h *harness) noTokenSent() {
	h.t.Helper()
	h.mu.Lock()
	defer h.mu.Unlock()
	jwt := regexp.MustCompile(`eyJ[A-Za-z0-9_-]+\.eyJ[A-Za-z0-9_-]+\.`)
	for _, b := range h.bodies {
		if jwt.MatchString(b) || strings.Contains(b, "access_token") {
			h.t.Fatalf("an access token reached the browser: %.200s", b)
		}
	}
}

func TestSignIn(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	b := h.browser()

	a := b.get("/console/")
	if a.status != http.StatusSeeOther || a.header.Get("Location") != "/console/login" {
		t.Fatalf("no session: %d %q", a.status, a.header.Get("Location"))
	}
	a = b.get("/console/sources/abc?q=svc&offset=25")
	if want := "/console/login?next=" + url.QueryEscape("/console/sources/abc?q=svc&offset=25"); a.header.Get("Location") != want {
		t.Fatalf("return path: %q, want %q", a.header.Get("Location"), want)
	}

	// A wrong secret: the form again, with the error, and no session.
	token := b.loginForm()
	a = b.postForm("/console/login", url.Values{"csrf": {token}, "client_id": {h.admin.id}, "client_secret": {"wrong"},
		"next": {"/console/apps"}}, nil)
	if a.status != http.StatusUnauthorized || !strings.Contains(a.body, "The client id or the client secret is wrong.") {
		t.Fatalf("wrong secret: %d %s", a.status, a.body)
	}
	if !strings.Contains(a.body, `value="`+h.admin.id+`"`) || !strings.Contains(a.body, `value="/console/apps"`) {
		t.Fatal("the form keeps the client id and the return path")
	}
	if got := b.get("/console/session"); got.status != http.StatusUnauthorized {
		t.Fatalf("session after a failed sign-in: %d", got.status)
	}

	// The right secret: a session cookie and back to the page.
	a = b.postForm("/console/login", url.Values{"csrf": {b.loginForm()}, "client_id": {h.admin.id},
		"client_secret": {h.admin.secret}, "next": {"/console/apps?offset=25"}}, nil)
	if a.status != http.StatusSeeOther || a.header.Get("Location") != "/console/apps?offset=25" {
		t.Fatalf("sign in: %d %q %s", a.status, a.header.Get("Location"), a.body)
	}
	ck := findCookie(a.header, "mica_console")
	if ck == nil || !ck.HttpOnly || ck.SameSite != http.SameSiteStrictMode || ck.Path != "/console/" || ck.Secure || ck.MaxAge <= 0 {
		t.Fatalf("session cookie: %+v", ck)
	}
	if ck.MaxAge > int(api.DefaultConfig().TokenTTL.Seconds()) {
		t.Fatalf("the session outlives the token: max-age %d", ck.MaxAge)
	}
	s := b.session()
	if s["identityId"] != h.adminIdentity.ID || s["userName"] != "ada.admin" || s["csrf"] == "" {
		t.Fatalf("session info: %v", s)
	}
	if a := b.get("/console/apps"); a.status != http.StatusOK || !strings.Contains(a.body, `src="/console/assets/app.js"`) {
		t.Fatalf("page: %d", a.status)
	}
	if a := b.get("/console/api/v2025/sources"); a.status != http.StatusOK {
		t.Fatalf("proxy: %d %s", a.status, a.body)
	}
	h.noTokenSent()
}

func TestSignInRefusals(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	for _, tc := range []struct {
		name   string
		form   func(b *browser) url.Values
		header map[string]string
		status int
		text   string
	}{
		{"no form token", func(b *browser) url.Values {
			b.loginForm()
			return url.Values{"client_id": {h.admin.id}, "client_secret": {h.admin.secret}}
		}, nil, http.StatusForbidden, "expired"},
		{"form token without its cookie", func(b *browser) url.Values {
			return url.Values{"csrf": {"made-up"}, "client_id": {h.admin.id}, "client_secret": {h.admin.secret}}
		}, nil, http.StatusForbidden, "expired"},
		{"another form's token", func(b *browser) url.Values {
			b.loginForm()
			return url.Values{"csrf": {"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"}, "client_id": {h.admin.id}, "client_secret": {h.admin.secret}}
		}, nil, http.StatusForbidden, "expired"},
		{"cross-site", func(b *browser) url.Values {
			return url.Values{"csrf": {b.loginForm()}, "client_id": {h.admin.id}, "client_secret": {h.admin.secret}}
		}, map[string]string{"Origin": "https://evil.example"}, http.StatusForbidden, "expired"},
		{"empty secret", func(b *browser) url.Values {
			return url.Values{"csrf": {b.loginForm()}, "client_id": {h.admin.id}}
		}, nil, http.StatusBadRequest, "Enter a client id and a client secret."},
		{"unknown client", func(b *browser) url.Values {
			return url.Values{"csrf": {b.loginForm()}, "client_id": {"nobody"}, "client_secret": {"x"}}
		}, nil, http.StatusUnauthorized, "client secret is wrong"},
		{"API client", func(b *browser) url.Values {
			return url.Values{"csrf": {b.loginForm()}, "client_id": {h.apiClient.id}, "client_secret": {h.apiClient.secret}}
		}, nil, http.StatusForbidden, "personal access token"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := h.browser()
			a := b.postForm("/console/login", tc.form(b), tc.header)
			if a.status != tc.status || !strings.Contains(a.body, tc.text) {
				t.Fatalf("%d %s, want %d with %q", a.status, a.body, tc.status, tc.text)
			}
			if findCookie(a.header, "mica_console") != nil {
				t.Fatal("a refused sign-in set a session cookie")
			}
		})
	}
	h.noTokenSent()
}

func TestProxyCSRF(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	b := h.browser()
	csrf := b.signIn(h.admin)
	const path = "/console/api/v2025/sources/no-such-source/classify"
	for _, tc := range []struct {
		name   string
		method string
		header map[string]string
		status int
	}{
		{"missing token", http.MethodPost, nil, http.StatusForbidden},
		{"wrong token", http.MethodPost, map[string]string{"X-CSRF-Token": "wrong"}, http.StatusForbidden},
		{"token in a form field is not enough", http.MethodDelete, map[string]string{"Content-Type": "application/x-www-form-urlencoded"}, http.StatusForbidden},
		{"right token, other origin", http.MethodPost, map[string]string{"X-CSRF-Token": csrf, "Origin": "https://evil.example"}, http.StatusForbidden},
		{"right token, cross-site fetch", http.MethodPost, map[string]string{"X-CSRF-Token": csrf, "Sec-Fetch-Site": "cross-site"}, http.StatusForbidden},
		// With the token the API answers: the source does not exist (400.1.404).
		{"right token", http.MethodPost, map[string]string{"X-CSRF-Token": csrf}, http.StatusBadRequest},
		{"right token, same origin", http.MethodPost, map[string]string{"X-CSRF-Token": csrf, "Origin": h.srv.URL}, http.StatusBadRequest},
		{"reads need none", http.MethodGet, nil, http.StatusNotFound},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var body io.Reader
			if tc.method != http.MethodGet {
				body = strings.NewReader("csrf=" + url.QueryEscape(csrf))
			}
			a := b.do(tc.method, path, body, tc.header)
			if a.status != tc.status {
				t.Fatalf("%s: %d %s, want %d", tc.name, a.status, a.body, tc.status)
			}
			if tc.status == http.StatusForbidden && !strings.Contains(a.body, "X-CSRF-Token") {
				t.Fatalf("the console's refusal names the header: %s", a.body)
			}
		})
	}
	h.noTokenSent()
}

func TestProxyActsAsTheIdentity(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	admin, user := h.browser(), h.browser()
	admin.signIn(h.admin)
	userCSRF := user.signIn(h.user)

	if a := admin.get("/console/api/v2025/sources"); a.status != http.StatusOK {
		t.Fatalf("admin: %d %s", a.status, a.body)
	}
	// The user's own token is refused by the API itself (its ErrorResponseDto), whatever the browser sends.
	adminToken := mint(t, h, h.admin)
	for _, hdr := range []map[string]string{nil, {"Authorization": "Bearer " + adminToken}} {
		a := user.do(http.MethodGet, "/console/api/v2025/sources", nil, hdr)
		if a.status != http.StatusForbidden || !strings.Contains(a.body, `"detailCode":"403 Forbidden"`) {
			t.Fatalf("user: %d %s", a.status, a.body)
		}
	}
	a := user.do(http.MethodPost, "/console/api/v2025/sources/x/classify", nil, map[string]string{"X-CSRF-Token": userCSRF})
	if a.status != http.StatusForbidden || !strings.Contains(a.body, "403 Forbidden") {
		t.Fatalf("user classify: %d %s", a.status, a.body)
	}
	// The user reaches what its own token reaches.
	if a := user.get("/console/api/beta/source-apps/assigned"); a.status != http.StatusOK {
		t.Fatalf("user apps: %d %s", a.status, a.body)
	}
	// Only the API versions are reachable through the proxy.
	for _, p := range []string{"/console/api/oauth/token", "/console/api/health/live", "/console/api/console/session",
		"/console/api/v2025/../oauth/jwks"} {
		if a := admin.get(p); a.status == http.StatusOK {
			t.Fatalf("%s reached: %d %s", p, a.status, a.body)
		}
	}
}

func TestEndedSession(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	b := h.browser()
	b.signIn(h.admin)
	h.now.Add(api.DefaultConfig().TokenTTL + time.Second)
	a := b.get("/console/machine-accounts?q=svc")
	if want := "/console/login?next=" + url.QueryEscape("/console/machine-accounts?q=svc"); a.status != http.StatusSeeOther ||
		a.header.Get("Location") != want {
		t.Fatalf("expired page: %d %q, want %q", a.status, a.header.Get("Location"), want)
	}
	a = b.get("/console/api/v2025/sources")
	if a.status != http.StatusUnauthorized || !strings.Contains(a.body, `"signIn":"/console/login"`) {
		t.Fatalf("expired proxy: %d %s", a.status, a.body)
	}
	if a := b.get("/console/session"); a.status != http.StatusUnauthorized {
		t.Fatalf("expired session info: %d", a.status)
	}
}

func TestDeletedClientEndsTheSession(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	b := h.browser()
	b.signIn(h.deletable)
	if err := h.db.DeleteClient(context.Background(), h.deletable.id); err != nil {
		t.Fatal(err)
	}
	if a := b.get("/console/api/v2025/sources"); a.status != http.StatusUnauthorized {
		t.Fatalf("deleted client: %d %s", a.status, a.body)
	}
	if a := b.get("/console/session"); a.status != http.StatusUnauthorized {
		t.Fatalf("the session outlived its client: %d", a.status)
	}
}

func TestSignOut(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	b := h.browser()
	csrf := b.signIn(h.admin)
	if a := b.postForm("/console/logout", url.Values{}, nil); a.status != http.StatusForbidden {
		t.Fatalf("sign-out without the token: %d", a.status)
	}
	if a := b.postForm("/console/logout", url.Values{"csrf": {"wrong"}}, nil); a.status != http.StatusForbidden {
		t.Fatalf("sign-out with a wrong token: %d", a.status)
	}
	if a := b.get("/console/session"); a.status != http.StatusOK {
		t.Fatal("a refused sign-out ended the session")
	}
	a := b.postForm("/console/logout", url.Values{"csrf": {csrf}}, nil)
	if a.status != http.StatusSeeOther || a.header.Get("Location") != "/console/login" {
		t.Fatalf("sign-out: %d %q", a.status, a.header.Get("Location"))
	}
	if ck := findCookie(a.header, "mica_console"); ck == nil || ck.MaxAge >= 0 {
		t.Fatalf("the cookie is not cleared: %+v", ck)
	}
	if a := b.get("/console/api/v2025/sources"); a.status != http.StatusUnauthorized {
		t.Fatalf("proxy after sign-out: %d", a.status)
	}
}

func TestAssetsAndHeaders(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	b := h.browser()
	for _, p := range []string{"/console/assets/app.js", "/console/assets/style.css", "/console/login"} {
		a := b.get(p)
		if a.status != http.StatusOK {
			t.Fatalf("%s: %d", p, a.status)
		}
		if csp := a.header.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'self'") ||
			!strings.Contains(csp, "frame-ancestors 'none'") {
			t.Fatalf("%s: CSP %q", p, csp)
		}
	}
	if a := b.get("/console/assets/index.html"); a.status != http.StatusNotFound {
		t.Fatalf("the page shell is served only with a session: %d", a.status)
	}
	if a := b.get("/console"); a.status != http.StatusMovedPermanently || a.header.Get("Location") != "/console/" {
		t.Fatalf("/console: %d %q", a.status, a.header.Get("Location"))
	}
	// Everything else is the API, untouched.
	if a := b.get("/v3/sources"); a.status != http.StatusUnauthorized || a.header.Get("Content-Security-Policy") != "" {
		t.Fatalf("API: %d", a.status)
	}
}

func mint(t *testing.T, h *harness, c cred) string {
	t.Helper()
	resp, err := http.PostForm(h.srv.URL+"/oauth/token", url.Values{"grant_type": {"client_credentials"},
		"client_id": {c.id}, "client_secret": {c.secret}})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = resp.Body.Close() }()
	var body struct {
		AccessToken string `json:"access_token"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil || body.AccessToken == "" {
		t.Fatalf("token: %d %v", resp.StatusCode, err)
	}
	return body.AccessToken
}

func findCookie(h http.Header, name string) *http.Cookie {
	for _, c := range (&http.Response{Header: h}).Cookies() {
		if c.Name == name {
			return c
		}
	}
	return nil
}

func TestSecureCookiesOverTLS(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	srv := httptest.NewTLSServer(h.console.Handler())
	t.Cleanup(srv.Close)
	resp, err := srv.Client().Get(srv.URL + "/console/login")
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	if ck := findCookie(resp.Header, "mica_console_login"); ck == nil || !ck.Secure || !ck.HttpOnly || ck.SameSite != http.SameSiteStrictMode {
		t.Fatalf("cookie over TLS: %+v", ck)
	}
}

// TestSignInThrottled: the console's sign-in goes through the token endpoint's
// throttle, and says so when it bites.
func TestSignInThrottled(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	b := h.browser()
	var a answer
	for i := 0; i <= api.DefaultSignInFailuresPerClient; i++ {
		a = b.postForm("/console/login", url.Values{"csrf": {b.loginForm()}, "client_id": {h.user.id},
			"client_secret": {"wrong"}}, nil)
	}
	if a.status != http.StatusTooManyRequests || !strings.Contains(a.body, "Too many failed sign-ins") {
		t.Fatalf("sign-in after %d failures: %d %s", api.DefaultSignInFailuresPerClient, a.status, a.body)
	}
}
