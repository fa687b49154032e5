package main

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
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-ldap/ldap/v3"
	"github.com/jackc/pgx/v5"

	"github.com/micahq/mica/internal/slapd"
	"github.com/micahq/mica/secrets"
)

// lockedBuffer collects the server's log.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// recorder is an authenticated client that keeps every response body, to
// check that no secret was ever sent.
type recorder struct {
	t      *testing.T
	base   string
	tok    string
	bodies lockedBuffer
}

func (c *recorder) do(method, path, ct string, body any) (int, []byte, http.Header) {
	c.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	default:
		j, _ := json.Marshal(b)
		rd = bytes.NewReader(j)
		if ct == "" {
			ct = "application/json"
		}
	}
	req, _ := http.NewRequest(method, c.base+path, rd)
	req.Header.Set("Authorization", "Bearer "+c.tok)
	req.Header.Set("X-SailPoint-Experimental", "true")
	if ct != "" {
		req.Header.Set("Content-Type", ct)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer func() { _ = resp.Body.Close() }()
	b, _ := io.ReadAll(resp.Body)
	_, _ = c.bodies.Write(b)
	return resp.StatusCode, b, resp.Header
}

func (c *recorder) json(method, path string, body any, want int) map[string]any {
	c.t.Helper()
	code, b, _ := c.do(method, path, "", body)
	if code != want {
		c.t.Fatalf("%s %s: %d %s", method, path, code, b)
	}
	var m map[string]any
	_ = json.Unmarshal(b, &m)
	return m
}

func (c *recorder) count(path string) int {
	c.t.Helper()
	code, b, h := c.do(http.MethodGet, path, "", nil)
	if code != 200 {
		c.t.Fatalf("%s: %d %s", path, code, b)
	}
	var n int
	_, _ = fmt.Sscan(h.Get("X-Total-Count"), &n)
	return n
}

// aggregate starts load-accounts (v2025, no body) and waits for its end.
func (c *recorder) aggregate(sourceID string) (status string, task map[string]any) {
	c.t.Helper()
	id := c.json(http.MethodPost, "/v2025/sources/"+sourceID+"/load-accounts", nil, 202)["task"].(map[string]any)["id"].(string)
	return c.wait(id)
}

func (c *recorder) wait(id string) (string, map[string]any) {
	c.t.Helper()
	deadline := time.Now().Add(90 * time.Second)
	for {
		st := c.json(http.MethodGet, "/v2025/account-aggregations/"+id+"/status", nil, 200)["status"].(string)
		if st == "COMPLETED" || st == "TERMINATED" {
			return st, c.json(http.MethodGet, "/mica/v1/account-aggregations/"+id, nil, 200)["task"].(map[string]any)
		}
		if time.Now().After(deadline) {
			c.t.Fatalf("aggregation %s still %s", id, st)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// account returns the attributes of the source's account with this native identity (nil when absent).
func (c *recorder) account(sourceID, nativeIdentity string) map[string]any {
	c.t.Helper()
	q := url.Values{"filters": {fmt.Sprintf("sourceId eq %q and nativeIdentity eq %q", sourceID, nativeIdentity)}}
	code, b, _ := c.do(http.MethodGet, "/v2025/accounts?"+q.Encode(), "", nil)
	var list []map[string]any
	if err := json.Unmarshal(b, &list); code != 200 || err != nil {
		c.t.Fatalf("accounts: %d %s", code, b)
	}
	if len(list) == 0 {
		return nil
	}
	return list[0]
}

func messages(task map[string]any) string {
	var out []string
	for _, m := range task["messages"].([]any) {
		out = append(out, m.(map[string]any)["localizedText"].(string))
	}
	return strings.Join(out, " | ")
}

// TestDirectorySourceEndToEnd: an Active Directory source on a real OpenLDAP
// (10,000 entries in four OUs, over LDAPS under a CA made here), through the
// real server on each store: create, test the connection, aggregate with
// continuous classification, see changed, removed and new entries, survive a
// directory killed mid-aggregation and refused credentials with nothing
// applied; the password is in no response, log or stored row in clear.
func TestDirectorySourceEndToEnd(t *testing.T) {
	for _, store := range []string{"sqlite", "postgres"} {
		t.Run(store, func(t *testing.T) { directoryEndToEnd(t, store) })
	}
}

func directoryEndToEnd(t *testing.T, store string) {
	var dsn string
	if store == "postgres" {
		dsn = postgresDSN(t)
	}
	if _, err := slapd.Binary(); err != nil && os.Getenv(slapd.Env) == "" {
		t.Skip("slapd is not installed: run the tests through scripts/with-slapd (make test does)")
	}
	ctx := context.Background()
	dir := t.TempDir()
	ds, err := slapd.Start(ctx, slapd.Options{Dir: t.TempDir(), TLS: true, Seed: slapd.WriteAD(0, 10000)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = ds.Stop() })

	m := NewMain()
	m.Stdout = io.Discard
	args := []string{"--addr", "127.0.0.1:0", "--data-dir", dir, "--demo", "--rate-limit", "0"}
	if dsn != "" {
		args = append(args, "--database", dsn)
	}
	if err := m.ParseFlags(args); err != nil {
		t.Fatal(err)
	}
	var logs lockedBuffer
	m.Logger = slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	if err := m.Run(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = m.Close() })
	c := &recorder{t: t, base: m.URL(), tok: getToken(t, m.URL(), DemoAdminClientID, DemoAdminClientSecret, 200)}

	var searchDNs []any
	for _, ou := range slapd.ADOUs {
		searchDNs = append(searchDNs, map[string]any{"searchDN": "ou=" + ou + "," + slapd.BaseDN, "searchScope": "SUBTREE"})
	}
	src := c.json(http.MethodPost, "/v2025/sources", map[string]any{"name": "Corp AD", "owner": map[string]any{"type": "IDENTITY",
		"id": "de000000000040008000000000000a01"}, "connector": "active-directory", "connectorAttributes": map[string]any{
		"host": "127.0.0.1", "port": ds.TLSPort, "useSSL": true, "caCertificate": string(ds.CAPEM), "user": slapd.ReaderDN,
		"password": ds.Password, "searchDNs": searchDNs, "pageSize": 500}}, 201)
	id := src["id"].(string)
	if src["type"] != "Active Directory - Direct" {
		t.Fatalf("source: %v", src)
	}
	// Stored sealed: the store's row holds no clear password.
	var stored string
	if store == "postgres" {
		conn, err := pgx.Connect(ctx, dsn)
		if err != nil {
			t.Fatal(err)
		}
		if err := conn.QueryRow(ctx, `SELECT connector_attributes::text FROM sources WHERE id = $1`, id).Scan(&stored); err != nil {
			t.Fatal(err)
		}
		_ = conn.Close(ctx)
	} else {
		s, err := m.Store().GetSource(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := json.Marshal(s.ConnectorAttributes)
		stored = string(b)
	}
	if strings.Contains(stored, ds.Password) || !strings.Contains(stored, secrets.Prefix) {
		t.Fatalf("stored connector attributes: %s", stored)
	}
	if fi, err := os.Stat(filepath.Join(dir, secrets.KeyFile)); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("key file: %v %v", fi, err)
	}

	tc := c.json(http.MethodPost, "/mica/v1/sources/"+id+"/test-connection", nil, 200)
	if tc["status"] != "SUCCESS" || tc["details"].(map[string]any)["security"] != "LDAPS" {
		t.Fatalf("test connection: %v", tc)
	}
	// Continuous classification: service accounts and computer/gMSA accounts ($) are machines.
	c.json(http.MethodPut, "/v2025/sources/"+id+"/machine-classification-config", map[string]any{"enabled": true,
		"classificationMethod": "CRITERIA", "criteria": map[string]any{"operation": "OR", "children": []any{
			map[string]any{"operation": "STARTS_WITH", "attribute": "sAMAccountName", "value": "svc_"},
			map[string]any{"operation": "ENDS_WITH", "attribute": "sAMAccountName", "value": "$"},
		}}}, 200)

	t0 := time.Now()
	st, task := c.aggregate(id)
	if st != "COMPLETED" {
		t.Fatalf("first aggregation: %s %s", st, messages(task))
	}
	t.Logf("%s: 10,000 entries aggregated in %s", store, time.Since(t0).Round(time.Millisecond))
	accounts := "/v2025/accounts?count=true&limit=1&filters=" + url.QueryEscape(fmt.Sprintf("sourceId eq %q", id))
	machines := "/v2025/machine-accounts?count=true&limit=1&filters=" + url.QueryEscape(fmt.Sprintf("source.id eq %q", id))
	if n := c.count(accounts); n != 10000 {
		t.Fatalf("accounts: %d", n)
	}
	if n := c.count(machines); n != 4000 { // 15 % service accounts, 20 % computers, 5 % gMSAs
		t.Fatalf("machine accounts: %d", n)
	}
	attrs := task["attributes"].(map[string]any)
	if attrs["created"] != 10000.0 || attrs["total"] != 10000.0 {
		t.Fatalf("task: %v", attrs)
	}
	svc := c.account(id, slapd.ADEntry(12).DN)
	if svc == nil || svc["name"] != "svc_app000012" || svc["isMachine"] != true || svc["disabled"] != false {
		t.Fatalf("account 12: %v", svc)
	}
	a := svc["attributes"].(map[string]any)
	if a["objectGUID"] != "3322110c-5548-7766-8499-aabbc0ddeeff" || a["userAccountControl"] != 66048.0 ||
		a["pwdLastSet"] != "2024-01-01T00:12:00.000Z" || a["accountExpires"] != nil {
		t.Fatalf("account 12 attributes: %v", a)
	}
	if u := c.account(id, slapd.ADEntry(1).DN); u["disabled"] != true {
		t.Fatalf("account 1 (UAC 514): %v", u)
	}

	// A changed, a removed and a new entry show up after the next aggregation.
	admin, err := ds.Admin()
	if err != nil {
		t.Fatal(err)
	}
	mod := ldap.NewModifyRequest(slapd.ADEntry(12).DN, nil)
	mod.Replace("description", []string{"retired application"})
	mod.Replace("userAccountControl", []string{"66050"}) // disabled
	if err := admin.Modify(mod); err != nil {
		t.Fatal(err)
	}
	if err := admin.Del(ldap.NewDelRequest(slapd.ADEntry(13).DN, nil)); err != nil {
		t.Fatal(err)
	}
	fresh := slapd.ADEntry(10012) // a service account
	add := ldap.NewAddRequest(fresh.DN, nil)
	add.Attribute("objectClass", fresh.ObjectClass)
	add.Attribute("cn", []string{fresh.CN})
	add.Attribute("sn", []string{fresh.CN})
	add.Attribute("sAMAccountName", []string{fresh.SAM})
	add.Attribute("userAccountControl", []string{"66048"})
	if err := admin.Add(add); err != nil {
		t.Fatal(err)
	}
	_ = admin.Close()
	// Through beta, as a form (the form ISC's workflows send for direct sources).
	code, b, _ := c.do(http.MethodPost, "/beta/sources/"+id+"/load-accounts", "application/x-www-form-urlencoded", "disableOptimization=false")
	if code != 202 {
		t.Fatalf("beta load-accounts: %d %s", code, b)
	}
	var started map[string]any
	_ = json.Unmarshal(b, &started)
	st, task = c.wait(started["task"].(map[string]any)["id"].(string))
	attrs = task["attributes"].(map[string]any)
	if st != "COMPLETED" || attrs["created"] != 1.0 || attrs["updated"] != 1.0 || attrs["deleted"] != 1.0 {
		t.Fatalf("second aggregation: %s %v %s", st, attrs, messages(task))
	}
	if a := c.account(id, slapd.ADEntry(12).DN); a["disabled"] != true ||
		a["attributes"].(map[string]any)["description"] != "retired application" {
		t.Fatalf("changed entry: %v", a)
	}
	if a := c.account(id, slapd.ADEntry(13).DN); a != nil {
		t.Fatalf("removed entry still there: %v", a)
	}
	if a := c.account(id, fresh.DN); a == nil || a["name"] != fresh.SAM || a["isMachine"] != true {
		t.Fatalf("new entry: %v", a)
	}
	if n := c.count(accounts); n != 10000 {
		t.Fatalf("accounts after the changes: %d", n)
	}

	// The directory dies mid-aggregation: TERMINATED naming the cause, nothing applied.
	admin, err = ds.Admin()
	if err != nil {
		t.Fatal(err)
	}
	mod = ldap.NewModifyRequest(slapd.ADEntry(14).DN, nil)
	mod.Replace("description", []string{"changed before the crash"})
	if err := admin.Modify(mod); err != nil {
		t.Fatal(err)
	}
	_ = admin.Close()
	c.json(http.MethodPatch, "/v2025/sources/"+id, []map[string]any{{"op": "replace", "path": "/connectorAttributes/pageSize",
		"value": 100}}, 200)
	var once sync.Once
	m.Aggs.Progress = func(string, int) { once.Do(func() { _ = ds.Kill() }) } // after the first staged batch (2,000)
	st, task = c.aggregate(id)
	m.Aggs.Progress = nil
	if st != "TERMINATED" || task["completionStatus"] != "ERROR" ||
		!strings.Contains(messages(task), "the connection to the directory at 127.0.0.1:") ||
		!strings.Contains(messages(task), "was lost after") {
		t.Fatalf("killed directory: %s %s", st, messages(task))
	}
	if n := c.count(accounts); n != 10000 {
		t.Fatalf("accounts after the crash: %d", n)
	}
	if a := c.account(id, slapd.ADEntry(14).DN); a["attributes"].(map[string]any)["description"] != "Service account of application 14" {
		t.Fatalf("applied despite the crash: %v", a["attributes"])
	}

	// The directory back, the password wrong: the bind is refused, nothing applied.
	if err := ds.Restart(ctx); err != nil {
		t.Fatal(err)
	}
	const wrong = "Wr0ng-pa55-zq9x"
	c.json(http.MethodPatch, "/v2025/sources/"+id, []map[string]any{{"op": "replace", "path": "/connectorAttributes/password",
		"value": wrong}}, 200)
	tc = c.json(http.MethodPost, "/mica/v1/sources/"+id+"/test-connection", nil, 200)
	if tc["status"] != "FAILURE" || tc["step"] != "bind" || !strings.Contains(tc["message"].(string), "Invalid Credentials") {
		t.Fatalf("test connection with a wrong password: %v", tc)
	}
	st, task = c.aggregate(id)
	if st != "TERMINATED" || !strings.Contains(messages(task), "refused the bind of user "+slapd.ReaderDN) {
		t.Fatalf("wrong password: %s %s", st, messages(task))
	}
	c.json(http.MethodPatch, "/v2025/sources/"+id, []map[string]any{{"op": "replace", "path": "/connectorAttributes/password",
		"value": ds.Password}}, 200)
	st, task = c.aggregate(id)
	if st != "COMPLETED" || task["attributes"].(map[string]any)["updated"] != 1.0 {
		t.Fatalf("after the restart: %s %v %s", st, task["attributes"], messages(task))
	}
	if a := c.account(id, slapd.ADEntry(14).DN); a["attributes"].(map[string]any)["description"] != "changed before the crash" {
		t.Fatalf("entry 14: %v", a["attributes"])
	}

	// No response and no log line ever held a password, clear or sealed.
	for _, secret := range []string{ds.Password, wrong, secrets.Prefix} {
		if strings.Contains(c.bodies.String(), secret) {
			t.Errorf("a response holds %q", secret)
		}
		if strings.Contains(logs.String(), secret) {
			t.Errorf("the log holds %q", secret)
		}
	}
	if !strings.Contains(logs.String(), "load-accounts") {
		t.Fatal("the log was not captured") // the request log is at debug level
	}
	if store == "sqlite" {
		_ = m.Close()
		for _, f := range []string{"mica.db", "mica.db-wal"} {
			b, _ := os.ReadFile(filepath.Join(dir, f))
			if bytes.Contains(b, []byte(ds.Password)) {
				t.Errorf("%s holds the password in clear", f)
			}
		}
		// mica import accounts reads the directory source (no file).
		out, err := captureStdout(t, func() error {
			return runImport(ctx, []string{"accounts", "--data-dir", dir, "--source", "Corp AD"}, os.Stdout)
		})
		if err != nil || !strings.Contains(out, `of "Corp AD" completed`) || !strings.Contains(out, "10000 accounts scanned") {
			t.Fatalf("mica import: %v %s", err, out)
		}
		if err := runImport(ctx, []string{"accounts", "--data-dir", dir, "--source", "Corp AD", "x.csv"}, io.Discard); err == nil ||
			!strings.Contains(err.Error(), "give no file") {
			t.Fatalf("mica import with a file: %v", err)
		}
	}
}
