package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestSourcesListAndFriendlyErrors: `mica sources list` on the demo tenant,
// and the CLI's errors name sources by name and say what to do.
func TestSourcesListAndFriendlyErrors(t *testing.T) {
	dir := t.TempDir()
	bootDemo(t, dir)
	ctx := context.Background()

	var out bytes.Buffer
	if err := runSources(ctx, []string{"list", "--data-dir", dir}, &out); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 8 || !strings.HasPrefix(lines[0], "NAME") {
		t.Fatalf("sources list:\n%s", out.String())
	}
	ad := ""
	for _, l := range lines {
		if strings.HasPrefix(l, "Active Directory ") {
			ad = l
		}
	}
	// The demo's AD: 2,459 accounts, its config and first job (demo.Configs).
	if f := strings.Fields(ad); len(f) < 10 || f[6] != "2459" || f[8] != "CRITERIA" || f[9] != "COMPLETED" {
		t.Fatalf("the AD line: %q", ad)
	}

	out.Reset()
	if err := runSources(ctx, []string{"list", "--data-dir", dir, "--name", "active directory", "--format", "json"}, &out); err != nil {
		t.Fatal(err)
	}
	var rows []sourceRow
	if err := json.Unmarshal(out.Bytes(), &rows); err != nil || len(rows) != 1 || rows[0].Name != "Active Directory" ||
		rows[0].Machines == 0 || rows[0].Machines >= rows[0].Accounts {
		t.Fatalf("json: %v %s", err, out.String())
	}
	out.Reset()
	if err := runSources(ctx, []string{"list", "--data-dir", dir, "--name", rows[0].ID, "--format", "id"}, &out); err != nil ||
		strings.TrimSpace(out.String()) != rows[0].ID {
		t.Fatalf("--format id: %v %q", err, out.String())
	}

	cases := []struct {
		name string
		run  func() error
		want []string
	}{
		{"unknown source", func() error {
			return runSources(ctx, []string{"list", "--data-dir", dir, "--name", "HR"}, &out)
		}, []string{`source "HR" not found`, `"Workday HR"`, `"Service Accounts CSV"`}},
		{"classify without a config", func() error {
			return runClassify(ctx, []string{"--data-dir", dir, "--source", "github"}, &out)
		}, []string{`not enabled on source "GitHub"`, "it has no classification config", "machine-classification-config"}},
		{"a file into a directory", func() error {
			return runImport(ctx, []string{"accounts", "--data-dir", dir, "--source", "Active Directory", "x.csv"}, &out)
		}, []string{`source "Active Directory" is a directory source`, "give no file", `delimited-file sources here are "Service Accounts CSV"`}},
		{"a file into a SaaS source", func() error {
			return runImport(ctx, []string{"accounts", "--data-dir", dir, "--source", "slack", "x.csv"}, &out)
		}, []string{`source "Slack" is a Slack source`, `delimited-file sources here are "Service Accounts CSV"`}},
		{"no tenant in the data dir", func() error {
			return runExport(ctx, []string{"accounts", "--data-dir", filepath.Join(dir, "nowhere"), "--source", "GitHub"}, &out)
		}, []string{"no mica tenant in", "--data-dir"}},
	}
	for _, c := range cases {
		err := c.run()
		if err == nil {
			t.Fatalf("%s: no error", c.name)
		}
		for _, w := range c.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%s: %q lacks %q", c.name, err, w)
			}
		}
		if strings.Contains(err.Error(), "bb55606d") {
			t.Errorf("%s: names a source by its id: %q", c.name, err)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "nowhere")); !errors.Is(err, os.ErrNotExist) {
		t.Fatal("a command created an empty data dir where there was none")
	}
}

// TestClassifyWatchCtrlC: --watch on a source whose job already runs watches
// it, and an interrupt ends the watch with status 130 and says the job goes on.
func TestClassifyWatchCtrlC(t *testing.T) {
	dir := t.TempDir()
	_, c := bootDemo(t, dir)
	srcID, _ := seedAccounts(t, dir, "Service Accounts CSV", 2000)
	if code, b := c.do(http.MethodPut, "/v2025/sources/"+srcID+"/machine-classification-config", svcCriteria); code != 200 {
		t.Fatalf("PUT config: %d %s", code, b)
	}
	if code, b := c.do(http.MethodPut, "/mica/v1/classification/pacing", map[string]any{"batchSize": 20, "delayMs": 200}); code != 200 {
		t.Fatalf("pacing: %d %s", code, b)
	}
	if code, b := c.do(http.MethodPost, "/v2025/sources/"+srcID+"/classify", nil); code != 200 {
		t.Fatalf("POST classify: %d %s", code, b)
	}
	var out bytes.Buffer
	err := runClassify(context.Background(), []string{"--data-dir", dir, "--source", "Service Accounts CSV"}, &out)
	if err == nil || !strings.Contains(err.Error(), "already running") || !strings.Contains(err.Error(), "--watch") {
		t.Fatalf("a second start: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		time.Sleep(700 * time.Millisecond)
		cancel() // as Ctrl-C does through signal.NotifyContext
	}()
	err = runClassify(ctx, []string{"--data-dir", dir, "--source", "Service Accounts CSV", "--watch"}, &out)
	if asExit(err) != 130 || !strings.Contains(err.Error(), "stopped watching") || !strings.Contains(err.Error(), "The job goes on") {
		t.Fatalf("after the interrupt: %v (exit %d)\n%s", err, asExit(err), out.String())
	}
	if !strings.Contains(out.String(), "already running") {
		t.Fatalf("output:\n%s", out.String())
	}
	if s := c.status(srcID); s.Status != "STARTED" && s.Status != "COLLECTED" {
		t.Fatalf("the job after the watch ended: %+v", s)
	}
}

// TestExportsCarryDecisions: a decision of the review queue is in the JSON
// export of its account and in `mica export decisions`.
func TestExportsCarryDecisions(t *testing.T) {
	dir := t.TempDir()
	_, c := bootDemo(t, dir)
	code, b := c.do(http.MethodGet, "/mica/v1/triage?sourceId=bb55606d2b6ea4af4c9c6c05bfeed9d4&limit=1", nil)
	var q struct {
		Items []struct {
			AccountID string `json:"accountId"`
			Name      string `json:"name"`
		} `json:"items"`
	}
	if code != 200 || json.Unmarshal(b, &q) != nil || len(q.Items) != 1 {
		t.Fatalf("queue: %d %s", code, b)
	}
	item := q.Items[0]
	if code, b := c.do(http.MethodPost, "/mica/v1/triage/decisions", map[string]any{"action": "DISMISS",
		"note": "=cmd|' /C calc'!A0", "accountIds": []string{item.AccountID}}); code != 200 {
		t.Fatalf("dismiss: %d %s", code, b)
	}
	ctx := context.Background()
	out := filepath.Join(dir, "ad.json")
	if err := runExport(ctx, []string{"accounts", "--data-dir", dir, "--source", "Active Directory", "--format", "json", "--out", out}, io.Discard); err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	var accts []exportedAccount
	if err := json.Unmarshal(raw, &accts); err != nil {
		t.Fatal(err)
	}
	with := 0
	for _, a := range accts {
		if len(a.Decisions) > 0 {
			with++
			if a.ID != item.AccountID || a.Decisions[0].Action != "DISMISS" || a.Decisions[0].ActorName != "Demo Admin" {
				t.Fatalf("decisions of %s: %+v", a.Name, a.Decisions)
			}
		}
	}
	if with != 1 {
		t.Fatalf("%d accounts with decisions in the export, want 1", with)
	}
	var csvOut bytes.Buffer
	if err := runExport(ctx, []string{"decisions", "--data-dir", dir, "--source", "active directory"}, &csvOut); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(csvOut.String()), "\n")
	if len(lines) != 2 || !strings.HasPrefix(lines[0], "created,account_id,account_name") ||
		!strings.Contains(lines[1], ","+item.AccountID+","+item.Name+",Active Directory,DISMISS,MACHINE,") ||
		!strings.Contains(lines[1], "Demo Admin,'=cmd") {
		t.Fatalf("decisions csv:\n%s", csvOut.String())
	}
}

// TestImportConfirmsLargeRemovals: mica import previews, and refuses a file
// that removes more than 10 % of the source's accounts unless
// --confirm-removals allows at least as many.
func TestImportConfirmsLargeRemovals(t *testing.T) {
	dir := t.TempDir()
	bootDemo(t, dir)
	ctx := context.Background()
	imp := func(args ...string) (string, error) {
		var out bytes.Buffer
		err := runImport(ctx, append([]string{"accounts", "--data-dir", dir, "--source", "Service Accounts CSV"}, args...), &out)
		return out.String(), err
	}
	if _, err := imp("../../examples/service-accounts.csv"); err != nil {
		t.Fatal(err)
	}
	out, err := imp("--preview", "../../examples/service-accounts-cleanup.csv")
	if err != nil || !strings.Contains(out, "1 added, 2 changed, 10 removed (83.3 % of the source's 12), 0 unchanged") ||
		!strings.Contains(out, "--confirm-removals 10") {
		t.Fatalf("preview: %v\n%s", err, out)
	}
	for _, args := range [][]string{{}, {"--confirm-removals", "9"}} {
		_, err := imp(append(args, "../../examples/service-accounts-cleanup.csv")...)
		if err == nil || !strings.Contains(err.Error(), "nothing was applied") {
			t.Fatalf("%v: %v", args, err)
		}
	}
	if out, err := imp("--confirm-removals", "10", "../../examples/service-accounts-cleanup.csv"); err != nil ||
		!strings.Contains(out, "3 accounts scanned, 1 added, 2 changed, 10 removed") {
		t.Fatalf("confirmed: %v\n%s", err, out)
	}
	// A file that removes little needs no confirmation.
	if out, err := imp("../../examples/service-accounts-cleanup.csv"); err != nil || !strings.Contains(out, "3 unchanged") {
		t.Fatalf("again: %v\n%s", err, out)
	}
}
