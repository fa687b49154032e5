package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/micahq/mica/sqlite"
)

// captureStdout runs fn with os.Stdout sent to a pipe and returns what it printed.
func captureStdout(t *testing.T, fn func() error) (string, error) {
	t.Helper()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	old := os.Stdout
	os.Stdout = w
	done := make(chan string)
	go func() {
		var b bytes.Buffer
		_, _ = b.ReadFrom(r)
		done <- b.String()
	}()
	ferr := fn()
	os.Stdout = old
	_ = w.Close()
	return <-done, ferr
}

// TestClientsCommands creates, lists and deletes clients through the CLI, and
// uses the printed credentials at a real server.
func TestClientsCommands(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	out, err := captureStdout(t, func() error {
		return runClients(ctx, []string{"create", "--data-dir", dir, "--identity", "jane.doe", "--levels", "ORG_ADMIN"})
	})
	if err != nil {
		t.Fatal(err)
	}
	var id, secret string
	for _, line := range strings.Split(out, "\n") {
		if v, ok := strings.CutPrefix(line, "client id:"); ok {
			id = strings.TrimSpace(v)
		}
		if v, ok := strings.CutPrefix(line, "client secret:"); ok {
			secret = strings.TrimSpace(v)
		}
	}
	if len(id) != 36 || len(secret) != 64 {
		t.Fatalf("create printed:\n%s", out)
	}
	apiOut, err := captureStdout(t, func() error {
		return runClients(ctx, []string{"create", "--data-dir", dir, "--api", "--scopes", "idn:sources:read"})
	})
	if err != nil || !strings.Contains(apiOut, "client secret:") {
		t.Fatalf("create --api: %v\n%s", err, apiOut)
	}
	for _, bad := range [][]string{
		{"create", "--data-dir", dir},
		{"create", "--data-dir", dir, "--api", "--identity", "x"},
		{"create", "--data-dir", dir, "--api", "--scopes", "idn:nope"},
		{"create", "--data-dir", dir, "--identity", "x", "--levels", "KING"},
		{"create", "--data-dir", dir, "--identity", "jane.doe", "--levels", "USER"}, // exists with other levels
		{"delete", "--data-dir", dir, "00000000-0000-4000-8000-000000000000"},
		{"frobnicate"},
	} {
		if _, err := captureStdout(t, func() error { return runClients(ctx, bad) }); err == nil {
			t.Errorf("clients %v succeeded", bad)
		}
	}
	list, err := captureStdout(t, func() error { return runClients(ctx, []string{"list", "--data-dir", dir}) })
	if err != nil || !strings.Contains(list, id) || strings.Count(strings.TrimSpace(list), "\n") != 2 {
		t.Fatalf("list: %v\n%s", err, list)
	}
	if strings.Contains(list, secret) {
		t.Fatal("list shows a secret")
	}

	// The printed credentials work at a server on the same data dir.
	m := NewMain()
	m.Stdout = &bytes.Buffer{}
	if err := m.ParseFlags([]string{"--addr", "127.0.0.1:0", "--data-dir", dir, "--log-level", "error"}); err != nil {
		t.Fatal(err)
	}
	if err := m.Run(ctx); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = m.Close() }()
	tok := getToken(t, m.URL(), id, secret, 200)
	if status, _ := get(t, m.URL()+"/v3/sources", tok); status != 200 {
		t.Fatalf("sources with the CLI client: %d", status)
	}
	if _, err := captureStdout(t, func() error { return runClients(ctx, []string{"delete", "--data-dir", dir, id}) }); err != nil {
		t.Fatal(err)
	}
	if status, _ := get(t, m.URL()+"/v3/sources", tok); status != 401 {
		t.Fatalf("token of a deleted CLI client: %d", status)
	}
}

// TestDemoImportExportCommands generates a small tenant with "mica demo", checks
// the report, imports a CSV with "mica import accounts" and exports it back.
func TestDemoImportExportCommands(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	out, err := captureStdout(t, func() error {
		return runDemo(ctx, []string{"--data-dir", dir, "--seed", "3", "--identities", "200"})
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Active Directory", "Entra ID", "GitHub", "machines", "total"} {
		if !strings.Contains(out, want) {
			t.Fatalf("demo report lacks %q:\n%s", want, out)
		}
	}
	if _, err := captureStdout(t, func() error { return runDemo(ctx, []string{"--data-dir", dir}) }); err == nil {
		t.Fatal("a second demo into the same data dir was accepted")
	}
	// The same seed without the first classification: the same report, no
	// machine account, no job.
	dir2 := t.TempDir()
	out2, err := captureStdout(t, func() error {
		return runDemo(ctx, []string{"--data-dir", dir2, "--seed", "3", "--identities", "200", "--classify=false"})
	})
	if err != nil || reportOf(out2) != reportOf(out) {
		t.Fatalf("the same seed gave another report: %v\n%s\n---\n%s", err, out, out2)
	}
	for _, c := range []struct {
		dir      string
		classify bool
	}{{dir, true}, {dir2, false}} {
		db, err := sqlite.Open(ctx, filepath.Join(c.dir, "mica.db"))
		if err != nil {
			t.Fatal(err)
		}
		counts, err := db.CountAccountsBySource(ctx)
		if err != nil {
			t.Fatal(err)
		}
		machines, jobs := 0, 0
		for _, n := range counts {
			machines += n.Machines
			if _, err := db.GetClassificationJob(ctx, n.SourceID); err == nil {
				jobs++
			}
		}
		_ = db.Close()
		if c.classify != (machines > 0) || c.classify != (jobs > 0) {
			t.Fatalf("mica demo, classify %v: %d machine accounts, %d sources with a job", c.classify, machines, jobs)
		}
	}

	csv := filepath.Join(t.TempDir(), "accounts.csv")
	if err := os.WriteFile(csv, []byte("id,name,mail\n1,svc_backup,\n2,jdoe,jdoe@example.com\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := captureStdout(t, func() error {
		return runImport(ctx, []string{"accounts", "--data-dir", dir, "--source", "Service Accounts CSV", csv}, os.Stdout)
	}); err != nil {
		t.Fatal(err)
	}
	exported, err := captureStdout(t, func() error {
		return runExport(ctx, []string{"accounts", "--data-dir", dir, "--source", "Service Accounts CSV", "--format", "json"}, os.Stdout)
	})
	if err != nil {
		t.Fatal(err)
	}
	var accts []map[string]any
	if err := json.Unmarshal([]byte(exported), &accts); err != nil || len(accts) != 2 {
		t.Fatalf("export: %v\n%s", err, exported)
	}
	if _, err := captureStdout(t, func() error {
		return runImport(ctx, []string{"accounts", "--data-dir", dir, "--source", "Active Directory", csv}, os.Stdout)
	}); err == nil {
		t.Fatal("import into a non-delimited-file source was accepted")
	}
}

// reportOf drops the first line (it holds the data dir and the time taken).
func reportOf(s string) string {
	_, rest, _ := strings.Cut(s, "\n")
	return rest
}
