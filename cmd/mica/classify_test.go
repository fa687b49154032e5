package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	_ "modernc.org/sqlite"

	"github.com/micahq/mica/query"
)

// seedAccounts writes n accounts into the source named source, straight into the
// database file (the identity-data API is not what these tests are about):
// every third one is named svc_*, so the criteria below find n/3 (rounded up).
func seedAccounts(t *testing.T, dataDir, source string, n int) (sourceID string, machines int) {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+filepath.Join(dataDir, "mica.db")+"?_pragma=busy_timeout(10000)")
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = db.Close() }()
	if err := db.QueryRow(`SELECT id FROM sources WHERE name = ?`, source).Scan(&sourceID); err != nil {
		t.Fatal(err)
	}
	tx, err := db.Begin()
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC().Format(query.TimeLayout)
	for i := 0; i < n; i++ {
		name := fmt.Sprintf("user%05d", i)
		if i%3 == 0 {
			name = fmt.Sprintf("svc_app%05d", i)
			machines++
		}
		attrs, _ := json.Marshal(map[string]any{"sAMAccountName": name, "objectClass": []string{"top", "person", "user"}})
		if _, err := tx.Exec(`INSERT INTO accounts (id, source_id, source_name, native_identity, name, attributes, created, modified)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, fmt.Sprintf("%032x", i+1), sourceID, source,
			"CN="+name+",OU=Users,DC=corp,DC=example,DC=com", name, string(attrs), now, now); err != nil {
			t.Fatal(err)
		}
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	return sourceID, machines
}

// client is a tiny authenticated HTTP client for end-to-end tests.
type client struct {
	t    *testing.T
	base string
	tok  string
}

func (c *client) do(method, path string, body any) (int, []byte) {
	c.t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, c.base+path, rd)
	req.Header.Set("Authorization", "Bearer "+c.tok)
	req.Header.Set("X-SailPoint-Experimental", "true")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer func() { _ = resp.Body.Close() }()
	b, _ := io.ReadAll(resp.Body)
	validateExtension(c.t, req, resp, b)
	return resp.StatusCode, b
}

type status struct {
	Status string           `json:"status"`
	Counts map[string]int64 `json:"counts"`
}

func (c *client) status(sourceID string) status {
	c.t.Helper()
	code, b := c.do(http.MethodGet, "/v2025/sources/"+sourceID+"/classify", nil)
	if code != 200 {
		c.t.Fatalf("status: %d %s", code, b)
	}
	var s status
	if err := json.Unmarshal(b, &s); err != nil {
		c.t.Fatal(err)
	}
	return s
}

var svcCriteria = map[string]any{"enabled": true, "classificationMethod": "CRITERIA",
	"criteria": map[string]any{"operation": "OR", "children": []any{
		map[string]any{"operation": "STARTS_WITH", "attribute": "sAMAccountName", "value": "SVC_"},
		map[string]any{"operation": "AND", "children": []any{
			map[string]any{"operation": "CONTAINS", "attribute": "sAMAccountName", "value": "robot"},
			map[string]any{"operation": "EQUALS", "attribute": "objectClass", "value": "user"},
		}},
	}}}

func bootDemo(t *testing.T, dir string, args ...string) (*Main, *client) {
	t.Helper()
	m := NewMain()
	m.Stdout = io.Discard
	if err := m.ParseFlags(append([]string{"--addr", "127.0.0.1:0", "--data-dir", dir, "--demo", "--log-level", "error",
		"--rate-limit", "0"}, args...)); err != nil {
		t.Fatal(err)
	}
	if err := m.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = m.Close() })
	return m, &client{t: t, base: m.URL(), tok: getToken(t, m.URL(), DemoAdminClientID, DemoAdminClientSecret, 200)}
}

func TestClassificationJobLifecycle(t *testing.T) {
	dir := t.TempDir()
	m, c := bootDemo(t, dir, "--classify-batch", "100", "--classify-delay", "30ms")
	srcID, machines := seedAccounts(t, dir, "Service Accounts CSV", 1000)

	// Without an enabled config the job cannot start.
	if code, b := c.do(http.MethodPost, "/v2025/sources/"+srcID+"/classify", nil); code != 400 || !strings.Contains(string(b), "not enabled") {
		t.Fatalf("POST without config: %d %s", code, b)
	}
	if code, _ := c.do(http.MethodGet, "/v2025/sources/"+srcID+"/classify", nil); code != 404 {
		t.Fatalf("GET before any job: %d", code)
	}
	if code, b := c.do(http.MethodPut, "/v2025/sources/"+srcID+"/machine-classification-config", svcCriteria); code != 200 {
		t.Fatalf("PUT config: %d %s", code, b)
	}
	// Saving a config alone changes no account.
	if n := countMachines(t, c, srcID); n != 0 {
		t.Fatalf("machine accounts before the job: %d", n)
	}
	code, b := c.do(http.MethodPost, "/v2025/sources/"+srcID+"/classify", nil)
	if code != 200 || string(b) != `{"Accounts submitted for processing":1000}` {
		t.Fatalf("POST classify: %d %s", code, b)
	}
	if code, b := c.do(http.MethodPost, "/v2025/sources/"+srcID+"/classify", nil); code != 400 || !strings.Contains(string(b), "already running") {
		t.Fatalf("second POST: %d %s", code, b)
	}
	seen := map[string]bool{}
	var last status
	deadline := time.Now().Add(60 * time.Second)
	for {
		s := c.status(srcID)
		e, r, done := s.Counts["EXPECTED"], s.Counts["RECEIVED"], s.Counts["COMPLETED"]
		if done > r || r > e || e != 1000 || r < last.Counts["RECEIVED"] || done < last.Counts["COMPLETED"] {
			t.Fatalf("counts broke an invariant: %v after %v", s.Counts, last.Counts)
		}
		switch s.Status {
		case "STARTED":
			if r == e {
				t.Fatalf("STARTED with RECEIVED = EXPECTED: %v", s.Counts)
			}
		case "COLLECTED":
			if r != e || done == e {
				t.Fatalf("COLLECTED with %v", s.Counts)
			}
		case "COMPLETED":
			if done != e {
				t.Fatalf("COMPLETED with %v", s.Counts)
			}
		default:
			t.Fatalf("unexpected status %s", s.Status)
		}
		seen[s.Status] = true
		last = s
		if s.Status == "COMPLETED" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("job did not complete: %v", s)
		}
		time.Sleep(10 * time.Millisecond)
	}
	if !seen["STARTED"] || !seen["COLLECTED"] {
		t.Fatalf("statuses seen %v, want STARTED and COLLECTED before COMPLETED", seen)
	}
	code, b = c.do(http.MethodGet, "/v2025/machine-accounts?count=true&limit=1&filters="+url.QueryEscape(`name sw "svc_"`), nil)
	if code != 200 {
		t.Fatalf("machine accounts: %d %s", code, b)
	}
	var page []map[string]any
	_ = json.Unmarshal(b, &page)
	if len(page) != 1 || page[0]["classificationMethod"] != "CRITERIA" || !strings.HasPrefix(page[0]["name"].(string), "svc_") {
		t.Fatalf("machine account page %s", b)
	}
	if n := countMachines(t, c, srcID); n != machines {
		t.Fatalf("machine accounts = %d, want %d", n, machines)
	}
	if n := misclassified(t, dir, srcID); n != 0 {
		t.Fatalf("%d accounts classified otherwise than the criteria say", n)
	}

	// A second job after COMPLETED starts fine; cancel it mid-run.
	if code, b := c.do(http.MethodPut, "/mica/v1/classification/pacing", map[string]any{"batchSize": 50, "delayMs": 50}); code != 200 {
		t.Fatalf("pacing: %d %s", code, b)
	}
	if code, b := c.do(http.MethodPost, "/v2026/sources/"+srcID+"/classify", nil); code != 200 {
		t.Fatalf("POST after COMPLETED: %d %s", code, b)
	}
	time.Sleep(150 * time.Millisecond)
	if code, b := c.do(http.MethodDelete, "/v2026/sources/"+srcID+"/classify", nil); code != 204 {
		t.Fatalf("cancel: %d %s", code, b)
	}
	s1 := c.status(srcID)
	time.Sleep(200 * time.Millisecond)
	s2 := c.status(srcID)
	if s1.Status != "CANCELLED" || s2.Status != "CANCELLED" || s2.Counts["COMPLETED"] != s1.Counts["COMPLETED"] ||
		s1.Counts["COMPLETED"] == s1.Counts["EXPECTED"] {
		t.Fatalf("after cancel: %v then %v", s1, s2)
	}
	if code, b := c.do(http.MethodDelete, "/v2026/sources/"+srcID+"/classify", nil); code != 400 {
		t.Fatalf("cancel with nothing running: %d %s", code, b)
	}
	// Declassify sets every account back to human.
	if code, b := c.do(http.MethodPost, "/v2025/sources/"+srcID+"/declassify", nil); code != 204 {
		t.Fatalf("declassify: %d %s", code, b)
	}
	if n := countMachines(t, c, srcID); n != 0 {
		t.Fatalf("after declassify: %d machine accounts", n)
	}
	_ = m
}

// misclassified counts the accounts whose is_machine differs from what svcCriteria
// decides (names starting with svc_), straight from the database file.
func misclassified(t *testing.T, dataDir, sourceID string) int {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+filepath.Join(dataDir, "mica.db")+"?_pragma=busy_timeout(10000)")
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = db.Close() }()
	var n int
	if err := db.QueryRow(`SELECT count(*) FROM accounts_view WHERE source_id = ? AND (is_machine <> (name LIKE 'svc\_%' ESCAPE '\')
		OR (is_machine = 1 AND classification_method <> 'CRITERIA'))`, sourceID).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// countMachines counts the machine accounts of one source (the demo tenant
// has machine accounts of its own on its directories).
func countMachines(t *testing.T, c *client, sourceID string) int {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, c.base+"/mica/v1/accounts?count=true&limit=0&filters="+
		url.QueryEscape(`sourceId eq "`+sourceID+`" and isMachine eq true`), nil)
	req.Header.Set("Authorization", "Bearer "+c.tok)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	var n int
	_, _ = fmt.Sscan(resp.Header.Get("X-Total-Count"), &n)
	return n
}

// TestContinuousClassification uploads a CSV to a source whose config is enabled:
// the aggregation classifies what it adds, and discovery recommends as it goes.
func TestContinuousClassification(t *testing.T) {
	dir := t.TempDir()
	_, c := bootDemo(t, dir)
	var srcID string
	{
		code, b := c.do(http.MethodGet, "/v3/sources?filters=name+eq+%22Service+Accounts+CSV%22", nil)
		var list []map[string]any
		if err := json.Unmarshal(b, &list); err != nil || code != 200 || len(list) != 1 {
			t.Fatalf("find CSV source: %d %s", code, b)
		}
		srcID = list[0]["id"].(string)
	}
	if code, b := c.do(http.MethodPut, "/v2025/sources/"+srcID+"/machine-classification-config", svcCriteria); code != 200 {
		t.Fatalf("PUT config: %d %s", code, b)
	}
	csv := "id,name,sAMAccountName,servicePrincipalName\n" +
		"1,svc_backup,svc_backup,\n2,jdoe,jdoe,\n3,sqlprod,sqlprod,MSSQLSvc/sql01.corp.example.com:1433\n4,svc_web,svc_web,\n"
	var body bytes.Buffer
	mw := multipartWriter(&body, "accounts.csv", csv)
	req, _ := http.NewRequest(http.MethodPost, c.base+"/v2025/sources/"+srcID+"/load-accounts", &body)
	req.Header.Set("Authorization", "Bearer "+c.tok)
	req.Header.Set("Content-Type", mw)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var task struct {
		Task struct {
			ID string `json:"id"`
		} `json:"task"`
	}
	_ = json.NewDecoder(resp.Body).Decode(&task)
	_ = resp.Body.Close()
	if resp.StatusCode != 202 || task.Task.ID == "" {
		t.Fatalf("load-accounts: %d", resp.StatusCode)
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		code, b := c.do(http.MethodGet, "/v2025/account-aggregations/"+task.Task.ID+"/status", nil)
		if code == 200 && strings.Contains(string(b), `"COMPLETED"`) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("aggregation did not complete: %d %s", code, b)
		}
		time.Sleep(50 * time.Millisecond)
	}
	code, b := c.do(http.MethodGet, "/v2025/accounts?filters=sourceId+eq+%22"+srcID+"%22&sorters=name", nil)
	if code != 200 {
		t.Fatalf("accounts: %d %s", code, b)
	}
	var accts []map[string]any
	_ = json.Unmarshal(b, &accts)
	got := map[string]string{}
	for _, a := range accts {
		rec := "-"
		if r, ok := a["recommendation"].(map[string]any); ok {
			rec = r["type"].(string) + "/" + r["method"].(string)
		}
		got[a["name"].(string)] = fmt.Sprintf("%v %s", a["isMachine"], rec)
	}
	want := map[string]string{
		"svc_backup": "true -",                  // criteria
		"svc_web":    "true -",                  // criteria
		"jdoe":       "false -",                 // neither
		"sqlprod":    "false MACHINE/DISCOVERY", // an SPN on a user: discovery disagrees with the criteria
	}
	for name, w := range want {
		if got[name] != w {
			t.Fatalf("account %s: %q, want %q (all: %v)", name, got[name], w, got)
		}
	}
}

func TestClassifyCommand(t *testing.T) {
	dir := t.TempDir()
	_, c := bootDemo(t, dir)
	srcID, machines := seedAccounts(t, dir, "Service Accounts CSV", 500)
	ctx := context.Background()
	var out bytes.Buffer
	if err := runClassify(ctx, []string{"--data-dir", dir, "--source", "Service Accounts CSV"}, &out); err == nil ||
		!strings.Contains(err.Error(), "not enabled") {
		t.Fatalf("without a config: %v", err)
	}
	if err := runClassify(ctx, []string{"--data-dir", dir, "--source", "No Such Source"}, &out); err == nil {
		t.Fatal("an unknown source was accepted")
	}
	if err := runClassify(ctx, []string{"--data-dir", dir}, &out); err == nil {
		t.Fatal("a missing --source was accepted")
	}
	if code, b := c.do(http.MethodPut, "/v2025/sources/"+srcID+"/machine-classification-config", svcCriteria); code != 200 {
		t.Fatalf("PUT config: %d %s", code, b)
	}
	out.Reset()
	if err := runClassify(ctx, []string{"--data-dir", dir, "--source", "Service Accounts CSV", "--watch"}, &out); err != nil {
		t.Fatalf("classify --watch: %v\n%s", err, out.String())
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	summary := "COMPLETED in "
	want := fmt.Sprintf(": 500 accounts classified: %d machine, %d human; %d changed", machines, 500-machines, machines)
	if !strings.Contains(lines[0], "500 accounts submitted") || !strings.Contains(out.String(), "collecting  [###") ||
		!strings.Contains(out.String(), "classifying [##############################] 100%  500 of 500 accounts") ||
		!strings.HasPrefix(lines[len(lines)-1], summary) || !strings.Contains(lines[len(lines)-1], want) {
		t.Fatalf("output:\n%s", out.String())
	}
	if n := countMachines(t, c, srcID); n != machines {
		t.Fatalf("machine accounts = %d, want %d", n, machines)
	}
}
