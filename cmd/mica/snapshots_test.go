package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestSnapshotRestoreServer: a restore on a running server with a
// classification job in progress, on SQLite and on PostgreSQL.
func TestSnapshotRestoreServer(t *testing.T) {
	t.Run("sqlite", func(t *testing.T) { testSnapshotRestoreServer(t) })
	t.Run("postgres", func(t *testing.T) { testSnapshotRestoreServer(t, "--database", postgresDSN(t)) })
}

func testSnapshotRestoreServer(t *testing.T, args ...string) {
	t.Setenv("MICA_DEMO_IDENTITIES", "40")
	m, c := bootDemo(t, t.TempDir(), append([]string{"--classify-batch", "20", "--classify-delay", "40ms"}, args...)...)
	user := &client{t: t, base: m.URL(), tok: getToken(t, m.URL(), DemoUserClientID, DemoUserClientSecret, 200)}
	if code, b := user.do(http.MethodPost, "/mica/v1/snapshots", map[string]any{"name": "x"}); code != 403 {
		t.Fatalf("USER saves a snapshot: %d %s", code, b)
	}
	src := sourceID(t, c, "Active Directory")
	if code, b := c.do(http.MethodPut, "/v2025/sources/"+src+"/machine-classification-config", svcCriteria); code != 200 {
		t.Fatalf("PUT config: %d %s", code, b)
	}
	// The demo's first classification of the source: the latest job the snapshot holds.
	code, b := c.do(http.MethodGet, "/mica/v1/sources/"+src+"/classification-job", nil)
	var first struct{ ID, Status string }
	if code != 200 || json.Unmarshal(b, &first) != nil || first.Status != "COMPLETED" {
		t.Fatalf("the demo's first job: %d %s", code, b)
	}
	if code, b := c.do(http.MethodPost, "/mica/v1/snapshots", map[string]any{"name": "configured"}); code != 201 {
		t.Fatalf("save: %d %s", code, b)
	}
	// After the save: a new PAT and a running classification job.
	code, b = c.do(http.MethodPost, "/beta/personal-access-tokens", map[string]any{"name": "after", "scope": []string{"sp:scopes:all"}})
	if code != 200 {
		t.Fatalf("PAT: %d %s", code, b)
	}
	var pat struct{ ID, Secret string }
	_ = json.Unmarshal(b, &pat)
	patTok := getToken(t, m.URL(), pat.ID, pat.Secret, 200)
	if code, b := c.do(http.MethodPost, "/v2025/sources/"+src+"/classify", nil); code != 200 {
		t.Fatalf("classify: %d %s", code, b)
	}
	if s := c.status(src); s.Status != "STARTED" && s.Status != "COLLECTED" {
		t.Fatalf("job before restore: %+v", s)
	}

	if code, b := c.do(http.MethodPost, "/mica/v1/snapshots/configured/restore", nil); code != 204 {
		t.Fatalf("restore: %d %s", code, b)
	}
	// The job of after the save is gone with it (the latest is the snapshot's again), and no
	// worker writes to the restored tenant.
	code, b = c.do(http.MethodGet, "/mica/v1/sources/"+src+"/classification-job", nil)
	var latest struct{ ID, Status string }
	if code != 200 || json.Unmarshal(b, &latest) != nil || latest.ID != first.ID || latest.Status != "COMPLETED" {
		t.Fatalf("job after restore: %d %s (the snapshot's was %s)", code, b, first.ID)
	}
	if code, _ := get(t, m.URL()+"/v3/sources", patTok); code != 401 {
		t.Fatalf("token of a client the snapshot lacks: %d", code)
	}
	if code, _ := c.do(http.MethodGet, "/v3/sources", nil); code != 200 {
		t.Fatalf("admin token after restore: %d", code)
	}
	// The runners work again: a job starts and completes.
	if code, b := c.do(http.MethodPut, "/mica/v1/classification/pacing", map[string]any{"batchSize": 500, "delayMs": 0}); code != 200 {
		t.Fatalf("pacing: %d %s", code, b)
	}
	if code, b := c.do(http.MethodPost, "/v2025/sources/"+src+"/classify", nil); code != 200 {
		t.Fatalf("classify after restore: %d %s", code, b)
	}
	waitStatus(t, c, src, "COMPLETED")

	// Reset: the tenant as the server started, before the config was put.
	if code, b := c.do(http.MethodPost, "/mica/v1/reset", nil); code != 204 {
		t.Fatalf("reset: %d %s", code, b)
	}
	// The demo's own config again (demo.Configs: objectClass computer first), not the test's svc_ criteria.
	if code, b := c.do(http.MethodGet, "/v2025/sources/"+src+"/machine-classification-config", nil); code != 200 ||
		strings.Contains(string(b), "SVC_") || !strings.Contains(string(b), `"computer"`) {
		t.Fatalf("config after reset: %d %s", code, b)
	}
	if code, b := c.do(http.MethodGet, "/mica/v1/snapshots", nil); code != 200 || !strings.Contains(string(b), `"configured"`) {
		t.Fatalf("snapshots survive a reset: %d %s", code, b)
	}
}

func sourceID(t *testing.T, c *client, name string) string {
	t.Helper()
	code, b := c.do(http.MethodGet, `/v3/sources?filters=name+eq+"`+strings.ReplaceAll(name, " ", "+")+`"`, nil)
	var list []struct{ ID string }
	if code != 200 || json.Unmarshal(b, &list) != nil || len(list) != 1 {
		t.Fatalf("source %s: %d %s", name, code, b)
	}
	return list[0].ID
}

func waitStatus(t *testing.T, c *client, src, want string) status {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		s := c.status(src)
		if s.Status == want {
			return s
		}
		if time.Now().After(deadline) {
			t.Fatalf("job did not reach %s: %+v", want, s)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestSnapshotCLI: mica snapshot save, list, restore and delete on a stopped server's data dir.
func TestSnapshotCLI(t *testing.T) {
	t.Setenv("MICA_DEMO_IDENTITIES", "10")
	ctx := context.Background()
	dir := t.TempDir()
	m, c := bootDemo(t, dir)
	if code, b := c.do(http.MethodPost, "/v3/sources", map[string]any{"name": "Kept", "connector": "active-directory",
		"owner": map[string]any{"type": "IDENTITY", "id": DemoAdminIdentityID}}); code != 201 {
		t.Fatalf("create source: %d %s", code, b)
	}
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	cli := func(args ...string) error {
		out.Reset()
		return run2(ctx, append([]string{"snapshot"}, args...), &out)
	}
	if err := cli("save", "--data-dir", dir, "kept"); err != nil || !strings.Contains(out.String(), "saved snapshot kept") {
		t.Fatalf("save: %v %s", err, out.String())
	}
	if err := cli("list", "--data-dir", dir); err != nil || !strings.Contains(out.String(), "kept") || strings.Contains(out.String(), "_start") {
		t.Fatalf("list: %v %s", err, out.String())
	}
	// Change the tenant offline, restore, and boot: the source is back.
	m2, c2 := bootDemo(t, dir)
	id := sourceID(t, c2, "Kept")
	if code, _ := c2.do(http.MethodDelete, "/v3/sources/"+id, nil); code != 202 {
		t.Fatalf("delete source: %d", code)
	}
	waitGone(t, c2, id)
	if err := m2.Close(); err != nil {
		t.Fatal(err)
	}
	if err := cli("restore", "--data-dir", dir, "kept"); err != nil {
		t.Fatalf("restore: %v", err)
	}
	_, c3 := bootDemo(t, dir)
	sourceID(t, c3, "Kept")
	for _, args := range [][]string{{"restore", "--data-dir", dir, "nope"}, {"save", "--data-dir", dir, "bad name"},
		{"delete", "--data-dir", dir}, {"frobnicate"}, {}} {
		if err := cli(args...); err == nil {
			t.Errorf("snapshot %v succeeded", args)
		}
	}
	if err := cli("delete", "--data-dir", dir, "kept"); err != nil {
		t.Fatal(err)
	}
	if err := cli("delete", "--data-dir", dir, "kept"); err == nil || !strings.Contains(err.Error(), "not found") {
		t.Fatalf("delete again: %v", err)
	}
}

// run2 is run with the snapshot command's output captured.
func run2(ctx context.Context, args []string, out io.Writer) error {
	if args[0] == "snapshot" {
		return runSnapshot(ctx, args[1:], out)
	}
	return run(ctx, args)
}

func waitGone(t *testing.T, c *client, id string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		if code, _ := c.do(http.MethodGet, "/v3/sources/"+id, nil); code == 404 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("source %s not deleted", id)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// BenchmarkRestoreDemo restores the 2,000-identity demo tenant through
// POST /mica/v1/snapshots/{name}/restore on SQLite: stopping and starting the
// runners, the online backup into the live database and the answer.
func BenchmarkRestoreDemo(b *testing.B) {
	m := NewMain()
	m.Stdout = io.Discard
	dir := b.TempDir()
	if err := m.ParseFlags([]string{"--addr", "127.0.0.1:0", "--data-dir", dir, "--demo", "--log-level", "error", "--rate-limit", "0"}); err != nil {
		b.Fatal(err)
	}
	if err := m.Run(context.Background()); err != nil {
		b.Fatal(err)
	}
	defer func() { _ = m.Close() }()
	tok := benchToken(b, m.URL())
	do := func(method, path, body string) int {
		req, _ := http.NewRequest(method, m.URL()+path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+tok)
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		_ = resp.Body.Close()
		return resp.StatusCode
	}
	if code := do(http.MethodPost, "/mica/v1/snapshots", `{"name":"demo"}`); code != 201 {
		b.Fatalf("save: %d", code)
	}
	b.ResetTimer()
	for b.Loop() {
		if code := do(http.MethodPost, "/mica/v1/snapshots/demo/restore", ""); code != 204 {
			b.Fatalf("restore: %d", code)
		}
	}
}

func benchToken(b *testing.B, base string) string {
	b.Helper()
	resp, err := http.Post(base+"/oauth/token?grant_type=client_credentials&client_id="+DemoAdminClientID+
		"&client_secret="+DemoAdminClientSecret, "", nil)
	if err != nil {
		b.Fatal(err)
	}
	defer func() { _ = resp.Body.Close() }()
	var body struct {
		AccessToken string `json:"access_token"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		b.Fatal(err)
	}
	return body.AccessToken
}

// TestExportTenantCLI: mica export tenant writes the demo tenant as a tenant
// file, which mica serve --seed loads into an empty server with the same
// sources, and which exports the same again.
func TestExportTenantCLI(t *testing.T) {
	t.Setenv("MICA_DEMO_IDENTITIES", "10")
	ctx := context.Background()
	dir := t.TempDir()
	m, _ := bootDemo(t, dir)
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "tenant.yaml")
	if err := run(ctx, []string{"export", "tenant", "--data-dir", dir, "--out", out}); err != nil {
		t.Fatal(err)
	}
	m2 := NewMain()
	m2.Stdout = io.Discard
	if err := m2.ParseFlags([]string{"--addr", "127.0.0.1:0", "--memory", "--seed", out, "--log-level", "error"}); err != nil {
		t.Fatal(err)
	}
	if err := m2.Run(ctx); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = m2.Close() }()
	c := &client{t: t, base: m2.URL(), tok: getToken(t, m2.URL(), DemoAdminClientID, DemoAdminClientSecret, 200)}
	sourceID(t, c, "Service Accounts CSV")
	var again bytes.Buffer
	if err := runExportTenant(ctx, []string{"--data-dir", m2.MemoryDir()}, &again); err != nil {
		t.Fatal(err)
	}
	first, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(first, again.Bytes()) {
		t.Fatal("the tenant exported from the loaded file differs from the file")
	}
	for _, args := range [][]string{{"export", "tenant", "--format", "xml", "--data-dir", dir}, {"export", "tenant", "extra"}} {
		if err := run(ctx, args); err == nil {
			t.Errorf("%v succeeded", args)
		}
	}
}
