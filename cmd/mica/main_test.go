package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// TestMainEndToEnd boots the real program on port 0 with a temporary data dir,
// as a user would with the README's run command.
func TestMainEndToEnd(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	var out bytes.Buffer
	m := NewMain()
	m.Stdout = &out
	if err := m.ParseFlags([]string{"--addr", "127.0.0.1:0", "--data-dir", dir, "--demo", "--log-level", "warn"}); err != nil {
		t.Fatal(err)
	}
	if err := m.Run(ctx); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), DemoAdminClientID) || !strings.Contains(out.String(), DemoAdminClientSecret) ||
		!strings.Contains(out.String(), "WARNING") {
		t.Fatalf("demo banner lacks the credentials or the warning:\n%s", out.String())
	}
	tok := getToken(t, m.URL(), DemoAdminClientID, DemoAdminClientSecret, http.StatusOK)
	if status, body := get(t, m.URL()+"/v3/sources", tok); status != 200 || !strings.Contains(body, `"Active Directory"`) {
		t.Fatalf("GET /v3/sources: %d %s", status, body)
	}
	if status, _ := get(t, m.URL()+"/v3/sources", ""); status != 401 {
		t.Fatalf("without token: %d", status)
	}
	userTok := getToken(t, m.URL(), DemoUserClientID, DemoUserClientSecret, http.StatusOK)
	if status, _ := get(t, m.URL()+"/v3/sources", userTok); status != 403 {
		t.Fatalf("demo user on sources: %d, want 403", status)
	}
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}

	// Restarted without --demo: the data stays, the well-known clients are gone.
	m2 := NewMain()
	m2.Stdout = &out
	if err := m2.ParseFlags([]string{"--addr", "127.0.0.1:0", "--data-dir", dir, "--log-level", "warn"}); err != nil {
		t.Fatal(err)
	}
	if err := m2.Run(ctx); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = m2.Close() }()
	getToken(t, m2.URL(), DemoAdminClientID, DemoAdminClientSecret, http.StatusUnauthorized)
	if status, _ := get(t, m2.URL()+"/health/ready", ""); status != 200 {
		t.Fatalf("ready: %d", status)
	}
}

func TestParseFlagsErrors(t *testing.T) {
	for _, args := range [][]string{
		{"--token-ttl", "soon"}, {"--rate-limit", "-1"}, {"--rate-window", "0"}, {"--max-body", "12"},
		{"--log-level", "chatty"}, {"extra"}, {"--no-such-flag"},
	} {
		m := NewMain()
		if err := m.ParseFlags(args); err == nil {
			t.Errorf("ParseFlags(%v) accepted bad input", args)
		}
	}
}

func getToken(t *testing.T, base, id, secret string, want int) string {
	t.Helper()
	resp, err := http.PostForm(base+"/oauth/token", url.Values{"grant_type": {"client_credentials"},
		"client_id": {id}, "client_secret": {secret}})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = resp.Body.Close() }()
	var body map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&body)
	if resp.StatusCode != want {
		t.Fatalf("token status %d, want %d: %v", resp.StatusCode, want, body)
	}
	tok, _ := body["access_token"].(string)
	return tok
}

func get(t *testing.T, u, tok string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, u, nil)
	if tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = resp.Body.Close() }()
	var buf bytes.Buffer
	_, _ = buf.ReadFrom(resp.Body)
	return resp.StatusCode, buf.String()
}

// multipartWriter writes a multipart body with one "file" part and returns its content type.
func multipartWriter(w io.Writer, name, content string) string {
	mw := multipart.NewWriter(w)
	fw, _ := mw.CreateFormFile("file", name)
	_, _ = io.WriteString(fw, content)
	_ = mw.Close()
	return mw.FormDataContentType()
}
