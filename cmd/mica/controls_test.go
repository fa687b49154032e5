package main

import (
	"bytes"
	"context"
	"net/http"
	"os"
	"testing"
)

// The controls are on with --demo and --memory, off otherwise, and --controls
// (or MICA_CONTROLS) decides either way.
func TestControlsFlag(t *testing.T) {
	for _, c := range []struct {
		args []string
		want bool
	}{
		{nil, false},
		{[]string{"--demo"}, true},
		{[]string{"--memory"}, true},
		{[]string{"--demo", "--controls=false"}, false},
		{[]string{"--memory", "--controls=false"}, false},
		{[]string{"--controls"}, true},
		{[]string{"--controls=true"}, true},
	} {
		m := NewMain()
		if err := m.ParseFlags(c.args); err != nil {
			t.Fatalf("%v: %v", c.args, err)
		}
		if m.Config.Controls != c.want {
			t.Errorf("%v: controls %v, want %v", c.args, m.Config.Controls, c.want)
		}
	}
	for _, args := range [][]string{{"--memory", "--data-dir", t.TempDir()}, {"--memory", "--database", "postgres://x"},
		{"--controls=maybe"}, {"--journal-entries", "0"}, {"--journal-body-bytes", "-1"}} {
		if err := NewMain().ParseFlags(args); err == nil {
			t.Errorf("%v accepted", args)
		}
	}
}

// --memory: a tenant in a temporary directory that is gone after Close, with
// the controls on; without them their paths are 404.
func TestMemoryMode(t *testing.T) {
	t.Setenv("MICA_DEMO_IDENTITIES", "10")
	ctx := context.Background()
	m := NewMain()
	m.Stdout = &bytes.Buffer{}
	if err := m.ParseFlags([]string{"--addr", "127.0.0.1:0", "--memory", "--demo", "--log-level", "warn"}); err != nil {
		t.Fatal(err)
	}
	if err := m.Run(ctx); err != nil {
		t.Fatal(err)
	}
	dir := m.MemoryDir()
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		t.Fatalf("memory dir %q: %v", dir, err)
	}
	tok := getToken(t, m.URL(), DemoAdminClientID, DemoAdminClientSecret, http.StatusOK)
	if status, body := get(t, m.URL()+"/mica/v1/requests", tok); status != 200 {
		t.Fatalf("journal with --memory: %d %s", status, body)
	}
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Fatalf("memory dir left behind: %v", err)
	}

	off := NewMain()
	off.Stdout = &bytes.Buffer{}
	if err := off.ParseFlags([]string{"--addr", "127.0.0.1:0", "--data-dir", t.TempDir(), "--demo", "--controls=false", "--log-level", "warn"}); err != nil {
		t.Fatal(err)
	}
	if err := off.Run(ctx); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = off.Close() }()
	tok = getToken(t, off.URL(), DemoAdminClientID, DemoAdminClientSecret, http.StatusOK)
	for _, p := range []string{"/mica/v1/requests", "/mica/v1/faults", "/mica/v1/coverage"} {
		if status, _ := get(t, off.URL()+p, tok); status != 404 {
			t.Fatalf("%s with --controls=false: %d", p, status)
		}
	}
}
