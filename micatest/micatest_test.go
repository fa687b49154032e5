package micatest_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/micahq/mica/internal/pgtest"
	"github.com/micahq/mica/micatest"
)

// The demo tenant in memory: its clients, the controls for the admin only.
func TestStartDemo(t *testing.T) {
	t.Parallel()
	srv := micatest.Start(t, micatest.Options{Demo: true, Memory: true, DemoIdentities: 20})
	if !strings.HasPrefix(srv.URL, "http://127.0.0.1:") || srv.ClientID == "" || srv.ClientSecret == "" {
		t.Fatalf("server %+v", srv)
	}
	code, b := srv.Do(t, http.MethodGet, "/v3/sources", nil)
	if code != 200 || !strings.Contains(string(b), "Active Directory") {
		t.Fatalf("sources: %d %s", code, b)
	}
	req, _ := http.NewRequest(http.MethodGet, srv.URL+"/mica/v1/requests", nil)
	req.Header.Set("Authorization", "Bearer "+srv.UserToken(t))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	if resp.StatusCode != 403 {
		t.Fatalf("journal as the USER: %d", resp.StatusCode)
	}
}

// An empty tenant on either store: the admin client micatest made, snapshots,
// reset, a fault and the journal.
func TestStartEmpty(t *testing.T) {
	t.Parallel()
	t.Run("sqlite", func(t *testing.T) { t.Parallel(); testEmpty(t, micatest.Options{}) })
	t.Run("postgres", func(t *testing.T) { t.Parallel(); testEmpty(t, micatest.Options{Database: pgtest.DSN(t)}) })
}

func testEmpty(t *testing.T, opts micatest.Options) {
	srv := micatest.Start(t, opts)
	code, b := srv.Do(t, http.MethodGet, "/v3/sources", nil)
	if code != 200 || string(b) != "[]" {
		t.Fatalf("an empty tenant's sources: %d %s", code, b)
	}
	var ids []struct{ ID string }
	code, b = srv.Do(t, http.MethodGet, "/v2025/identities", nil)
	if json.Unmarshal(b, &ids) != nil || code != 200 || len(ids) != 2 {
		t.Fatalf("identities: %d %s", code, b)
	}
	newSource := func(name string) string {
		code, b := srv.Do(t, http.MethodPost, "/v3/sources", map[string]any{"name": name, "connector": "active-directory",
			"owner": map[string]any{"type": "IDENTITY", "id": ids[0].ID}})
		var s struct{ ID string }
		if code != 201 || json.Unmarshal(b, &s) != nil {
			t.Fatalf("create source %s: %d %s", name, code, b)
		}
		return s.ID
	}
	first := newSource("First")
	srv.Save(t, "one")
	second := newSource("Second")
	srv.Restore(t, "one")
	if code, _ := srv.Do(t, http.MethodGet, "/v3/sources/"+second, nil); code != 404 {
		t.Fatalf("a source made after the snapshot: %d", code)
	}
	if code, _ := srv.Do(t, http.MethodGet, "/v3/sources/"+first, nil); code != 200 {
		t.Fatalf("a source of the snapshot: %d", code)
	}

	id := srv.AddFault(t, map[string]any{"match": map[string]any{"operationId": "listSources"},
		"effect": map[string]any{"status": 503}, "times": 1})
	if code, _ := srv.Do(t, http.MethodGet, "/v3/sources", nil); code != 503 {
		t.Fatalf("faulted: %d", code)
	}
	if code, _ := srv.Do(t, http.MethodGet, "/v3/sources", nil); code != 200 {
		t.Fatalf("after the fault: %d", code)
	}
	got := srv.Requests(t, url.Values{"operationId": {"listSources"}})
	if len(got) < 2 || got[0].Status != 200 || got[1].Status != 503 || got[1].Fault != id || got[1].ClientID != srv.ClientID {
		t.Fatalf("journal: %+v", got)
	}

	srv.Reset(t)
	if code, b := srv.Do(t, http.MethodGet, "/v3/sources", nil); code != 200 || string(b) != "[]" {
		t.Fatalf("after reset (the admin token still valid): %d %s", code, b)
	}
	if got := srv.Requests(t, nil); len(got) != 1 {
		t.Fatalf("journal after reset: %+v", got)
	}
}

// A server started with the controls off answers 404 on their paths.
func TestControlsOff(t *testing.T) {
	t.Parallel()
	srv := micatest.Start(t, micatest.Options{Args: []string{"--controls=false"}})
	for _, p := range []string{"/mica/v1/requests", "/mica/v1/faults", "/mica/v1/snapshots", "/mica/v1/coverage"} {
		if code, _ := srv.Do(t, http.MethodGet, p, nil); code != 404 {
			t.Fatalf("%s with the controls off: %d", p, code)
		}
	}
	if code, _ := srv.Do(t, http.MethodPost, "/mica/v1/reset", nil); code != 404 {
		t.Fatalf("reset with the controls off: %d", code)
	}
}

// A tenant file: its clients log in with their fixed secrets, its fault rules
// are in force, and a reset brings them back.
func TestStartSeed(t *testing.T) {
	t.Parallel()
	srv := micatest.Start(t, micatest.Options{Seed: "../seed/testdata/tenant.yaml", Memory: true})
	resp, err := http.PostForm(srv.URL+"/oauth/token", url.Values{"grant_type": {"client_credentials"},
		"client_id": {"5eed0000-0000-4000-8000-000000000001"}, "client_secret": {"ci-admin-secret"}})
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("the seed's client: %d", resp.StatusCode)
	}
	for round := 0; round < 2; round++ {
		if code, _ := srv.Do(t, http.MethodGet, "/v3/sources", nil); code != 503 {
			t.Fatalf("round %d: the seed's fault: %d", round, code)
		}
		code, b := srv.Do(t, http.MethodGet, "/v3/sources", nil)
		if code != 200 || !strings.Contains(string(b), "HR CSV") {
			t.Fatalf("round %d: after the fault: %d %s", round, code, b)
		}
		srv.Reset(t)
	}
}

// BenchmarkControlsOverhead: GET /v3/sources (an empty tenant) through HTTP
// with the emulator controls on (journal, coverage, fault check) and off.
func BenchmarkControlsOverhead(b *testing.B) {
	for _, c := range []struct {
		name string
		args []string
	}{{"on", nil}, {"off", []string{"--controls=false"}}} {
		b.Run(c.name, func(b *testing.B) {
			srv := micatest.Start(b, micatest.Options{Memory: true, Args: c.args})
			tok := srv.Token(b)
			client := &http.Client{}
			b.ReportAllocs()
			for b.Loop() {
				req, _ := http.NewRequest(http.MethodGet, srv.URL+"/v3/sources", nil)
				req.Header.Set("Authorization", "Bearer "+tok)
				resp, err := client.Do(req)
				if err != nil {
					b.Fatal(err)
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				_ = resp.Body.Close()
			}
		})
	}
}
