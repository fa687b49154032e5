// Package micatest runs a mica server in process for Go tests: an offline
// SailPoint ISC tenant with the emulator controls (snapshots, reset, fault
// injection, a request journal, job stepping, coverage), listening on a free
// loopback port, stopped and removed when the test ends.
//
//	func TestSync(t *testing.T) {
//		srv := micatest.Start(t, micatest.Options{Demo: true})
//		// point the code under test at srv.URL, with srv.ClientID and srv.ClientSecret
//	}
package micatest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/micahq/mica"
	"github.com/micahq/mica/internal/serve"
	"github.com/micahq/mica/oauth"
)

// Options say what tenant the server starts with.
type Options struct {
	// Seed is a tenant file (YAML or JSON, as `mica serve --seed` loads) to
	// start from; with Demo too, it is loaded over the demo tenant.
	Seed string
	// Demo starts from the demo tenant and its well-known clients.
	Demo bool
	// DemoIdentities sizes the demo tenant (default 100: quick to make; mica
	// serve's is 2,000).
	DemoIdentities int
	// Memory keeps the tenant in a temporary directory of its own (on
	// /dev/shm where there is one) instead of t.TempDir().
	Memory bool
	// Database, a postgres:// URL, runs the server on PostgreSQL.
	Database string
	// Args are further `mica serve` flags, e.g. "--classify-batch", "50".
	// The rate limit is off unless they set it.
	Args []string
}

// Server is a running mica.
type Server struct {
	// URL is the base URL: SDK configurations take it as their base path and
	// URL+"/oauth/token" as their token URL.
	URL string
	// ClientID and ClientSecret are an ORG_ADMIN client (sp:scopes:all): the
	// demo admin with Demo, else a client micatest creates.
	ClientID, ClientSecret string
	// UserClientID and UserClientSecret are a USER client: the demo user with
	// Demo, else one micatest creates.
	UserClientID, UserClientSecret string

	m      *serve.Main
	mu     sync.Mutex
	tokens map[string]string
}

// Start runs a mica server for the test and stops it (removing its data) in
// t.Cleanup. It fails the test when the server cannot start.
func Start(t testing.TB, opts Options) *Server {
	t.Helper()
	m := serve.NewMain()
	m.Stdout = io.Discard
	args := []string{"--addr", "127.0.0.1:0", "--rate-limit", "0", "--log-level", "warn", "--controls"}
	if opts.Memory {
		args = append(args, "--memory")
	} else {
		dir := t.TempDir()
		if err := os.Chmod(dir, 0o700); err != nil { //nolint:gosec // G302: a directory; 0700 is what mica asks of a data dir
			t.Fatalf("micatest: %v", err)
		}
		args = append(args, "--data-dir", dir)
	}
	if opts.Database != "" {
		args = append(args, "--database", opts.Database)
	}
	if opts.Demo {
		args = append(args, "--demo")
	}
	if opts.Seed != "" {
		args = append(args, "--seed", opts.Seed)
	}
	if err := m.ParseFlags(append(args, opts.Args...)); err != nil {
		t.Fatalf("micatest: %v", err)
	}
	m.Config.MetricsAddr = "off"
	m.Config.DemoIdentities = opts.DemoIdentities
	if m.Config.DemoIdentities == 0 {
		m.Config.DemoIdentities = 100
	}
	logs := &testLog{t: t}
	m.Logger = slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelWarn}))
	s := &Server{m: m, tokens: map[string]string{}}
	if opts.Demo {
		s.ClientID, s.ClientSecret = serve.DemoAdminClientID, serve.DemoAdminClientSecret
		s.UserClientID, s.UserClientSecret = serve.DemoUserClientID, serve.DemoUserClientSecret
	} else {
		m.Prepare = s.prepare
	}
	if err := m.Run(context.Background()); err != nil {
		_ = m.Close()
		t.Fatalf("micatest: start mica: %v", err)
	}
	t.Cleanup(func() {
		if err := m.Close(); err != nil {
			t.Errorf("micatest: stop mica: %v", err)
		}
		logs.close()
	})
	s.URL = m.URL()
	return s
}

// Client ids micatest gives its own clients: fixed, so that a reset or a
// restored snapshot that has them keeps their tokens valid.
const (
	adminClientID   = "7e570000-0000-4000-8000-000000000001"
	userClientID    = "7e570000-0000-4000-8000-000000000002"
	adminIdentityID = "7e570000000040008000000000000a01"
	userIdentityID  = "7e570000000040008000000000000a02"
)

// prepare gives a tenant without the demo an ORG_ADMIN and a USER client,
// before the start snapshot (so a reset keeps them).
func (s *Server) prepare(ctx context.Context, db mica.Store) error {
	for _, c := range []struct {
		id, identity, name, level string
		secret                    *string
		clientID                  *string
	}{
		{adminClientID, adminIdentityID, "micatest admin", mica.LevelOrgAdmin, &s.ClientSecret, &s.ClientID},
		{userClientID, userIdentityID, "micatest user", mica.LevelUser, &s.UserClientSecret, &s.UserClientID},
	} {
		if _, err := db.GetIdentity(ctx, c.identity); mica.ErrorCode(err) == mica.ENOTFOUND {
			if err := db.CreateIdentity(ctx, &mica.Identity{ID: c.identity, Name: c.name,
				Alias: strings.ReplaceAll(c.name, " ", "."), Levels: []string{c.level}}); err != nil {
				return fmt.Errorf("micatest identity: %w", err)
			}
		} else if err != nil {
			return err
		}
		if err := db.DeleteClient(ctx, c.id); err != nil && mica.ErrorCode(err) != mica.ENOTFOUND {
			return err
		}
		secret := oauth.NewSecret()
		hash, err := oauth.HashSecret(secret)
		if err != nil {
			return err
		}
		if err := db.CreateClient(ctx, &mica.Client{ID: c.id, Kind: mica.ClientPAT, Name: c.name, IdentityID: c.identity,
			Scopes: []string{"sp:scopes:all"}, SecretHash: hash, Enabled: true, Managed: true}); err != nil {
			return fmt.Errorf("micatest client: %w", err)
		}
		*c.clientID, *c.secret = c.id, secret
	}
	return nil
}

// Token returns an access token of the ORG_ADMIN client (fetched once).
func (s *Server) Token(t testing.TB) string {
	t.Helper()
	return s.token(t, s.ClientID, s.ClientSecret)
}

// UserToken returns an access token of the USER client.
func (s *Server) UserToken(t testing.TB) string {
	t.Helper()
	return s.token(t, s.UserClientID, s.UserClientSecret)
}

func (s *Server) token(t testing.TB, id, secret string) string {
	t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	if tok, ok := s.tokens[id]; ok {
		return tok
	}
	resp, err := http.PostForm(s.URL+"/oauth/token", url.Values{"grant_type": {"client_credentials"},
		"client_id": {id}, "client_secret": {secret}})
	if err != nil {
		t.Fatalf("micatest: token: %v", err)
	}
	defer func() { _ = resp.Body.Close() }()
	var body struct {
		AccessToken string `json:"access_token"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("micatest: token: %d %v", resp.StatusCode, err)
	}
	s.tokens[id] = body.AccessToken
	return body.AccessToken
}

// Do sends a request as the ORG_ADMIN client (body: nil, a string or
// anything JSON encodes) and returns the status and the body.
func (s *Server) Do(t testing.TB, method, path string, body any) (int, []byte) {
	t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	default:
		j, err := json.Marshal(b)
		if err != nil {
			t.Fatalf("micatest: %v", err)
		}
		rd = bytes.NewReader(j)
	}
	req, err := http.NewRequest(method, s.URL+path, rd)
	if err != nil {
		t.Fatalf("micatest: %v", err)
	}
	req.Header.Set("Authorization", "Bearer "+s.Token(t))
	req.Header.Set("X-SailPoint-Experimental", "true")
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("micatest: %s %s: %v", method, path, err)
	}
	defer func() { _ = resp.Body.Close() }()
	out, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("micatest: %s %s: %v", method, path, err)
	}
	return resp.StatusCode, out
}

// control sends an emulator control and fails the test unless it answers want.
func (s *Server) control(t testing.TB, method, path string, body any, want int) []byte {
	t.Helper()
	code, b := s.Do(t, method, path, body)
	if code != want {
		t.Fatalf("micatest: %s %s: %d %s", method, path, code, b)
	}
	return b
}

// Reset returns the server to the tenant it started with, its start fault
// rules, an empty journal and zero coverage (POST /mica/v1/reset).
func (s *Server) Reset(t testing.TB) {
	t.Helper()
	s.control(t, http.MethodPost, "/mica/v1/reset", nil, http.StatusNoContent)
}

// Save saves the tenant as snapshot name.
func (s *Server) Save(t testing.TB, name string) {
	t.Helper()
	s.control(t, http.MethodPost, "/mica/v1/snapshots", map[string]string{"name": name}, http.StatusCreated)
}

// Restore replaces the tenant with snapshot name.
func (s *Server) Restore(t testing.TB, name string) {
	t.Helper()
	s.control(t, http.MethodPost, "/mica/v1/snapshots/"+url.PathEscape(name)+"/restore", nil, http.StatusNoContent)
}

// AddFault adds a fault rule (the body of POST /mica/v1/faults) and returns its id.
func (s *Server) AddFault(t testing.TB, rule any) string {
	t.Helper()
	var f struct {
		ID string `json:"id"`
	}
	if err := json.Unmarshal(s.control(t, http.MethodPost, "/mica/v1/faults", rule, http.StatusCreated), &f); err != nil {
		t.Fatalf("micatest: %v", err)
	}
	return f.ID
}

// Request is one entry of the request journal (GET /mica/v1/requests).
type Request struct {
	ID                  int64     `json:"id"`
	Time                time.Time `json:"time"`
	Method              string    `json:"method"`
	Path                string    `json:"path"`
	Query               string    `json:"query"`
	OperationID         string    `json:"operationId"`
	Version             string    `json:"version"`
	Status              int       `json:"status"`
	ClientID            string    `json:"clientId"`
	RequestBody         string    `json:"requestBody"`
	ResponseBody        string    `json:"responseBody"`
	Fault               string    `json:"fault"`
	Dropped             bool      `json:"dropped"`
	RetryAfterViolation *struct {
		PreviousRequestID int64 `json:"previousRequestId"`
		RetryAfterSeconds int   `json:"retryAfterSeconds"`
		EarlyByMs         int64 `json:"earlyByMs"`
	} `json:"retryAfterViolation"`
}

// Requests lists the journal, newest first, with the filters of query (e.g.
// url.Values{"operationId": {"listSources"}}).
func (s *Server) Requests(t testing.TB, query url.Values) []Request {
	t.Helper()
	b := s.control(t, http.MethodGet, "/mica/v1/requests?"+query.Encode(), nil, http.StatusOK)
	var out []Request
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatalf("micatest: %v", err)
	}
	return out
}

// testLog writes the server's warnings to the test log until the test ends.
type testLog struct {
	mu     sync.Mutex
	t      testing.TB
	closed bool
}

func (l *testLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if !l.closed {
		l.t.Log("mica: " + strings.TrimRight(string(p), "\n"))
	}
	return len(p), nil
}

func (l *testLog) close() {
	l.mu.Lock()
	l.closed = true
	l.mu.Unlock()
}
