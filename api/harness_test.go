package api_test

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/micahq/mica"
	"github.com/micahq/mica/api"
	"github.com/micahq/mica/directory"
	"github.com/micahq/mica/oauth"
	"github.com/micahq/mica/secrets"
	"github.com/micahq/mica/sqlite"
)

// harness is a real mica API over a real SQLite file, served on a random port.
type harness struct {
	t      *testing.T
	dbPath string
	db     *sqlite.DB
	api    *api.Server
	srv    *httptest.Server
	signer *oauth.Signer
	clock  *clock

	admin, user, helpdesk *mica.Identity
	tokens                map[string]string // tier -> bearer token
	sourceID              string
}

// clock is a settable clock for the server (rate-limit windows, expiry).
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// Tiers of authentication every scenario table covers.
const (
	tierNone       = "none"
	tierGarbage    = "garbage"
	tierExpired    = "expired"
	tierDeleted    = "deleted-client"
	tierWrongScope = "wrong-scope"
	tierWrongLevel = "wrong-level" // a USER with sp:scopes:all
	tierAPI        = "api-client"  // no identity, sp:scopes:all
	tierAdmin      = "admin"       // ORG_ADMIN with sp:scopes:all
	tierHelpdesk   = "helpdesk"
)

var allTiers = []string{tierNone, tierGarbage, tierExpired, tierDeleted, tierWrongScope, tierWrongLevel, tierAPI, tierAdmin}

func newHarness(t *testing.T, mutate ...func(*api.Config)) *harness {
	t.Helper()
	ctx := context.Background()
	dbPath := filepath.Join(t.TempDir(), "mica.db")
	db, err := sqlite.Open(ctx, dbPath)
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
	for _, m := range mutate {
		m(&cfg)
	}
	h := &harness{t: t, dbPath: dbPath, db: db, signer: signer, clock: &clock{t: time.Now()}, tokens: map[string]string{}}
	h.api = api.NewServer(db, signer, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	h.api.Now = h.clock.Now
	h.api.Secrets = secrets.New(filepath.Join(t.TempDir(), secrets.KeyFile))
	h.api.Connector = &directory.Connector{Secrets: h.api.Secrets}
	h.srv = httptest.NewServer(h.api.Handler())
	t.Cleanup(h.srv.Close)

	h.admin = h.identity("Ada Admin", mica.LevelOrgAdmin)
	h.user = h.identity("Uma User", mica.LevelUser)
	h.helpdesk = h.identity("Hal Helpdesk", mica.LevelHelpdesk)
	src := &mica.Source{Name: "Active Directory", Owner: mica.Ref{ID: h.admin.ID}, Connector: "active-directory"}
	if err := db.CreateSource(ctx, src); err != nil {
		t.Fatal(err)
	}
	h.sourceID = src.ID

	h.tokens[tierAdmin] = h.token(h.client(h.admin, "sp:scopes:all"))
	h.tokens[tierWrongLevel] = h.token(h.client(h.user, "sp:scopes:all"))
	h.tokens[tierHelpdesk] = h.token(h.client(h.helpdesk, "sp:scopes:all"))
	h.tokens[tierWrongScope] = h.token(h.client(h.admin, "idn:identity:read"))
	h.tokens[tierAPI] = h.token(h.client(nil, "sp:scopes:all"))
	delID, delSecret := h.client(h.admin, "sp:scopes:all")
	h.tokens[tierDeleted] = h.token(delID, delSecret)
	if err := db.DeleteClient(ctx, delID); err != nil {
		t.Fatal(err)
	}
	adminID, _ := h.client(h.admin, "sp:scopes:all")
	expired, err := signer.Sign(&oauth.Claims{ClientID: adminID, IdentityID: h.admin.ID, Authorities: []string{"ORG_ADMIN"},
		Scope: []string{"sp:scopes:all"}, Exp: time.Now().Add(-time.Minute).Unix(), JTI: mica.NewID()})
	if err != nil {
		t.Fatal(err)
	}
	h.tokens[tierExpired] = expired
	h.tokens[tierGarbage] = "not.a.jwt"
	h.tokens[tierNone] = ""
	return h
}

func (h *harness) identity(name string, levels ...string) *mica.Identity {
	h.t.Helper()
	i := &mica.Identity{Name: name, Alias: strings.ReplaceAll(strings.ToLower(name), " ", "."), Levels: levels}
	if err := h.db.CreateIdentity(context.Background(), i); err != nil {
		h.t.Fatal(err)
	}
	return i
}

// client creates an OAuth client (a PAT of ident, or an API client when ident is nil).
func (h *harness) client(ident *mica.Identity, scopes ...string) (id, secret string) {
	h.t.Helper()
	secret = oauth.NewSecret()
	hash, err := oauth.HashSecret(secret)
	if err != nil {
		h.t.Fatal(err)
	}
	c := &mica.Client{ID: oauth.NewClientID(), Kind: mica.ClientAPI, Name: "test " + mica.NewID()[:8],
		Scopes: scopes, SecretHash: hash, Enabled: true}
	if ident != nil {
		c.Kind, c.IdentityID = mica.ClientPAT, ident.ID
	}
	if err := h.db.CreateClient(context.Background(), c); err != nil {
		h.t.Fatal(err)
	}
	return c.ID, secret
}

// token exchanges client credentials at the real token endpoint.
func (h *harness) token(id, secret string) string {
	h.t.Helper()
	r := h.signIn(id, secret)
	var body struct {
		AccessToken string `json:"access_token"`
	}
	if err := json.Unmarshal(r.body, &body); err != nil || r.status != 200 {
		h.t.Fatalf("token: status %d err %v", r.status, err)
	}
	return body.AccessToken
}

// response is a completed HTTP exchange.
type response struct {
	status int
	header http.Header
	body   []byte
}

func (r response) json(t *testing.T) any {
	t.Helper()
	var v any
	if err := json.Unmarshal(r.body, &v); err != nil {
		t.Fatalf("body is not JSON: %v: %s", err, r.body)
	}
	return v
}

func (r response) object(t *testing.T) map[string]any {
	t.Helper()
	m, ok := r.json(t).(map[string]any)
	if !ok {
		t.Fatalf("body is not an object: %s", r.body)
	}
	return m
}

func (r response) array(t *testing.T) []any {
	t.Helper()
	a, ok := r.json(t).([]any)
	if !ok {
		t.Fatalf("body is not an array: %s", r.body)
	}
	return a
}

// do sends a request with the token of tier (or a raw token) and optional JSON body and headers.
func (h *harness) do(method, path, tier string, body any, headers ...string) response {
	h.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	case []byte:
		rd = bytes.NewReader(b)
	default:
		j, _ := json.Marshal(b)
		rd = bytes.NewReader(j)
	}
	req, err := http.NewRequest(method, h.srv.URL+path, rd)
	if err != nil {
		h.t.Fatal(err)
	}
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	tok, ok := h.tokens[tier]
	if !ok {
		tok = tier
	}
	if tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	defer func() { _ = resp.Body.Close() }()
	b, _ := io.ReadAll(resp.Body)
	r := response{status: resp.StatusCode, header: resp.Header, body: b}
	validateResponse(h.t, req, r)
	return r
}

// checkError asserts the official error shape for status.
func checkError(t *testing.T, r response, status int) {
	t.Helper()
	if r.status != status {
		t.Fatalf("status = %d, want %d: %s", r.status, status, r.body)
	}
	if len(r.header.Get("Slpt-Request-Id")) != 32 {
		t.Fatalf("missing Slpt-Request-Id")
	}
	m := r.object(t)
	switch status {
	case 401:
		if _, ok := m["error"].(string); !ok || len(m) != 1 {
			t.Fatalf("401 body = %s, want {\"error\": ...}", r.body)
		}
	case 429:
		if m["message"] != " Rate Limit Exceeded " {
			t.Fatalf("429 body = %s", r.body)
		}
	default:
		dc, _ := m["detailCode"].(string)
		if !strings.HasPrefix(dc, strconv.Itoa(status)) && !namedDetailCodes[dc] {
			t.Fatalf("detailCode = %q for %d: %s", dc, status, r.body)
		}
		if m["trackingId"] != r.header.Get("Slpt-Request-Id") {
			t.Fatalf("trackingId %v != header %s", m["trackingId"], r.header.Get("Slpt-Request-Id"))
		}
		msgs, _ := m["messages"].([]any)
		if len(msgs) != 1 {
			t.Fatalf("messages = %v", m["messages"])
		}
		msg := msgs[0].(map[string]any)
		if msg["locale"] != "en-US" || msg["localeOrigin"] != "DEFAULT" || msg["text"] == "" {
			t.Fatalf("message = %v", msg)
		}
	}
}

// namedDetailCodes are detail codes that do not start with their status
// (FORBIDDEN.unsupported-type and the like), which some operations document.
var namedDetailCodes = map[string]bool{}

// errorText returns the first message text of an ErrorResponseDto.
func errorText(t *testing.T, r response) string {
	t.Helper()
	msgs, _ := r.object(t)["messages"].([]any)
	if len(msgs) == 0 {
		t.Fatalf("no messages in %s", r.body)
	}
	return msgs[0].(map[string]any)["text"].(string)
}
