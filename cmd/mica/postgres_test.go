package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/micahq/mica/internal/pgtest"
	"github.com/micahq/mica/internal/storage"
	"github.com/micahq/mica/postgres"

	"github.com/micahq/mica"
)

// postgresDSN returns MICA_TEST_POSTGRES with a fresh schema as its search_path
// (dropped at the end, with the snapshots of the store in it), skipping the
// test when the variable is unset outside CI.
func postgresDSN(t *testing.T) string { return pgtest.DSN(t) }

// TestPostgresTwoServers: two mica serve processes on one PostgreSQL database
// (sharing the data dir's signing key). A classification job started through one
// is worked by River on either and reads the same on both; tokens of one work on the other.
func TestPostgresTwoServers(t *testing.T) {
	dsn := postgresDSN(t)
	dir := t.TempDir()
	a, ca := bootDemo(t, dir, "--database", dsn, "--classify-batch", "50")
	_, cb := bootDemo(t, dir, "--database", dsn, "--classify-batch", "50")
	pg, ok := a.Store().(*postgres.DB)
	if !ok {
		t.Fatalf("--database opened a %T, not the PostgreSQL store", a.Store())
	}
	ctx := context.Background()
	src, err := pg.FindSourceByName(ctx, "Service Accounts CSV")
	if err != nil {
		t.Fatal(err)
	}
	var accounts []*mica.Account
	want := 0
	for i := 0; i < 600; i++ {
		name := fmt.Sprintf("user%05d", i)
		if i%3 == 0 {
			name, want = fmt.Sprintf("svc_app%05d", i), want+1
		}
		accounts = append(accounts, &mica.Account{SourceID: src.ID, NativeIdentity: "CN=" + name, Name: name,
			Attributes: map[string]any{"sAMAccountName": name, "objectClass": []any{"top", "user"}}})
	}
	if err := pg.CreateAccounts(ctx, accounts); err != nil {
		t.Fatal(err)
	}
	if code, b := ca.do(http.MethodPut, "/v2025/sources/"+src.ID+"/machine-classification-config", svcCriteria); code != 200 {
		t.Fatalf("PUT config: %d %s", code, b)
	}
	// Server A's token works on server B: one database, one key.
	cb.tok = ca.tok
	if code, b := cb.do(http.MethodPost, "/v2025/sources/"+src.ID+"/classify", nil); code != 200 {
		t.Fatalf("POST classify on B: %d %s", code, b)
	}
	deadline := time.Now().Add(60 * time.Second)
	for {
		sa, sb := ca.status(src.ID), cb.status(src.ID)
		if sa.Counts["COMPLETED"] > sb.Counts["COMPLETED"] && sb.Status != "COMPLETED" {
			// B read after A, so B never sees fewer completed accounts than A did.
			t.Fatalf("status went back: A %v then B %v", sa, sb)
		}
		if sb.Status == "COMPLETED" {
			if sb.Counts["EXPECTED"] != 600 || sb.Counts["COMPLETED"] != 600 {
				t.Fatalf("completed with %v", sb.Counts)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("job did not complete: %v", sb)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if n := countMachines(t, cb, src.ID); n != want {
		t.Fatalf("machine accounts = %d, want %d", n, want)
	}
}

// TestCLIOnPostgres: the administration commands take --database as mica serve
// does and work on the tenant a server runs in PostgreSQL, with a data dir of
// their own that gets no SQLite file.
func TestCLIOnPostgres(t *testing.T) {
	t.Setenv("MICA_DEMO_IDENTITIES", "10")
	dsn := postgresDSN(t)
	ctx := context.Background()
	m, c := bootDemo(t, t.TempDir(), "--database", dsn)
	cliDir := t.TempDir()
	where := []string{"--database", dsn, "--data-dir", cliDir}
	var out bytes.Buffer
	cli := func(fn func() error) string {
		t.Helper()
		printed, err := captureStdout(t, fn)
		if err != nil {
			t.Fatalf("%v\n%s%s", err, printed, out.String())
		}
		return printed + out.String()
	}

	printed := cli(func() error {
		return runClients(ctx, append([]string{"create", "--identity", "jane.doe", "--levels", "ORG_ADMIN"}, where...))
	})
	var id, secret string
	for _, line := range strings.Split(printed, "\n") {
		if v, ok := strings.CutPrefix(line, "client id:"); ok {
			id = strings.TrimSpace(v)
		}
		if v, ok := strings.CutPrefix(line, "client secret:"); ok {
			secret = strings.TrimSpace(v)
		}
	}
	tok := getToken(t, m.URL(), id, secret, 200) // the server sees the client the CLI created
	if list := cli(func() error { return runClients(ctx, append([]string{"list"}, where...)) }); !strings.Contains(list, id) {
		t.Fatalf("clients list lacks %s:\n%s", id, list)
	}

	csv := filepath.Join(t.TempDir(), "accounts.csv")
	if err := os.WriteFile(csv, []byte("id,name,sAMAccountName\n1,svc_backup,svc_backup\n2,jdoe,jdoe\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if got := cli(func() error {
		return runImport(ctx, append([]string{"accounts", "--source", "Service Accounts CSV", csv}, where...), &out)
	}); !strings.Contains(got, "2 accounts scanned, 2 added") {
		t.Fatalf("import:\n%s", got)
	}
	out.Reset()
	exported := cli(func() error {
		return runExport(ctx, append([]string{"accounts", "--source", "Service Accounts CSV", "--format", "json"}, where...), os.Stdout)
	})
	var accts []map[string]any
	if err := json.Unmarshal([]byte(exported), &accts); err != nil || len(accts) != 2 {
		t.Fatalf("export: %v\n%s", err, exported)
	}

	srcID := sourceID(t, c, "Service Accounts CSV")
	if code, b := c.do(http.MethodPut, "/v2025/sources/"+srcID+"/machine-classification-config", svcCriteria); code != 200 {
		t.Fatalf("PUT config: %d %s", code, b)
	}
	if got := cli(func() error {
		return runClassify(ctx, append([]string{"--source", "Service Accounts CSV", "--watch"}, where...), &out)
	}); !strings.Contains(got, "2 accounts classified: 1 machine, 1 human") {
		t.Fatalf("classify --watch:\n%s", got)
	}
	out.Reset()
	if n := countMachines(t, &client{t: t, base: m.URL(), tok: tok}, srcID); n != 1 {
		t.Fatalf("machine accounts after mica classify: %d, want 1 (svc_backup)", n)
	}

	if got := cli(func() error { return runExportTenant(ctx, where, &out) }); !strings.Contains(got, "svc_backup") {
		t.Fatalf("export tenant lacks the imported account:\n%s", got)
	}
	out.Reset()
	if got := cli(func() error { return runSnapshot(ctx, append([]string{"save", "cli"}, where...), &out) }); !strings.Contains(got, "saved snapshot cli") {
		t.Fatalf("snapshot save:\n%s", got)
	}
	out.Reset()
	if got := cli(func() error { return runSnapshot(ctx, append([]string{"list"}, where...), &out) }); !strings.Contains(got, "cli") {
		t.Fatalf("snapshot list:\n%s", got)
	}
	out.Reset()
	if _, err := captureStdout(t, func() error { return runDemo(ctx, where) }); err == nil ||
		!strings.Contains(err.Error(), "the database already holds a demo tenant") {
		t.Fatalf("mica demo into the server's database: %v", err)
	}
	cli(func() error { return runClients(ctx, append(append([]string{"delete"}, where...), id)) })
	if status, _ := get(t, m.URL()+"/v3/sources", tok); status != 401 {
		t.Fatalf("a token of the client mica clients delete removed: %d", status)
	}
	if _, err := os.Stat(filepath.Join(cliDir, storage.DBFile)); !os.IsNotExist(err) {
		t.Fatalf("the commands wrote a SQLite file beside --database: %v", err)
	}
}
