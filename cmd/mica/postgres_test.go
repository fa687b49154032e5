package main

import (
	"context"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/micahq/mica/internal/pgtest"

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
	if a.PG == nil || a.DB != nil {
		t.Fatal("--database did not select the PostgreSQL store")
	}
	ctx := context.Background()
	src, err := a.PG.FindSourceByName(ctx, "Service Accounts CSV")
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
	if err := a.PG.CreateAccounts(ctx, accounts); err != nil {
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
