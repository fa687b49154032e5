package main

import (
	"context"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/micahq/mica"
	"github.com/micahq/mica/demo"
	"github.com/micahq/mica/oauth"
	"github.com/micahq/mica/postgres"
)

// TestPostgresServersStartTogether: servers started at the same moment with
// --demo on one empty PostgreSQL database all start; the tenant is seeded once
// and they agree on its id. A later --demo start keeps the demo clients (tokens
// minted before stay good) and ends only the aggregations of dead servers,
// never one a live server holds.
func TestPostgresServersStartTogether(t *testing.T) {
	dsn := postgresDSN(t)
	t.Setenv("MICA_DEMO_IDENTITIES", "40")
	ctx := context.Background()
	// One signing key, copied into each server's own data dir.
	keyDir := t.TempDir()
	if _, err := oauth.LoadOrCreateKey(filepath.Join(keyDir, "jwt-es256.pem")); err != nil {
		t.Fatal(err)
	}
	key, err := os.ReadFile(filepath.Join(keyDir, "jwt-es256.pem"))
	if err != nil {
		t.Fatal(err)
	}
	newServer := func() *Main {
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, "jwt-es256.pem"), key, 0o600); err != nil {
			t.Fatal(err)
		}
		m := NewMain()
		m.Stdout = io.Discard
		if err := m.ParseFlags([]string{"--addr", "127.0.0.1:0", "--data-dir", dir, "--demo", "--log-level", "error",
			"--rate-limit", "0", "--database", dsn}); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = m.Close() })
		return m
	}

	servers := []*Main{newServer(), newServer()}
	errs := make([]error, len(servers))
	var wg sync.WaitGroup
	for i, m := range servers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = m.Run(ctx)
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("server %d of two started together: %v", i, err)
		}
	}
	a, b := servers[0], servers[1]
	if a.Server.Config.TenantID == "" || a.Server.Config.TenantID != b.Server.Config.TenantID {
		t.Fatalf("tenant ids %q and %q", a.Server.Config.TenantID, b.Server.Config.TenantID)
	}
	cfg, err := DemoConfig()
	if err != nil {
		t.Fatal(err)
	}
	generated := 0
	if err := demo.GenerateIdentities(cfg, func(*mica.Identity) error { generated++; return nil }); err != nil {
		t.Fatal(err)
	}
	count := func(q string, args ...any) int {
		t.Helper()
		var n int
		if err := a.Store().(*postgres.DB).Pool().QueryRow(ctx, q, args...).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	if n := count(`SELECT count(*) FROM identities`); n != generated+2 {
		t.Fatalf("%d identities, want %d (the demo tenant seeded once: %d generated and the two demo identities)",
			n, generated+2, generated)
	}
	if n := count(`SELECT count(*) FROM sources WHERE name = 'Service Accounts CSV'`); n != 1 {
		t.Fatalf("%d CSV sources, want 1", n)
	}
	tok := getToken(t, a.URL(), DemoAdminClientID, DemoAdminClientSecret, 200)
	onB := &client{t: t, base: b.URL(), tok: tok}
	if code, body := onB.do(http.MethodGet, "/v3/sources?limit=1", nil); code != 200 {
		t.Fatalf("a token of server A on server B: %d %s", code, body)
	}
	before, err := a.Store().GetClient(ctx, DemoAdminClientID)
	if err != nil {
		t.Fatal(err)
	}

	// A holds an aggregation (its runner renews the lease); another server died
	// holding one, its lease passed.
	csv, err := a.Store().FindSourceByName(ctx, "Service Accounts CSV")
	if err != nil {
		t.Fatal(err)
	}
	held := &mica.Aggregation{SourceID: csv.ID, FilePath: filepath.Join(a.UploadDir(), "upload-held.csv")}
	orphan := &mica.Aggregation{SourceID: csv.ID, FilePath: "/nonexistent/upload-orphan.csv"}
	for _, agg := range []*mica.Aggregation{held, orphan} {
		if err := a.Store().CreateAggregation(ctx, agg); err != nil {
			t.Fatal(err)
		}
	}
	if err := a.Store().RenewAggregationLeases(ctx, a.Aggs.Owner, []string{held.ID}, time.Now().Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	if err := a.Store().RenewAggregationLeases(ctx, "dead-server", []string{orphan.ID}, time.Now().Add(-time.Second)); err != nil {
		t.Fatal(err)
	}

	c := newServer()
	if err := c.Run(ctx); err != nil {
		t.Fatalf("a third --demo server: %v", err)
	}
	after, err := c.Store().GetClient(ctx, DemoAdminClientID)
	if err != nil {
		t.Fatal(err)
	}
	if !after.Created.Equal(before.Created) || after.SecretHash != before.SecretHash {
		t.Fatalf("the third --demo start re-created the demo admin client (created %v, was %v)", after.Created, before.Created)
	}
	for _, m := range []*Main{a, c} {
		if code, body := (&client{t: t, base: m.URL(), tok: tok}).do(http.MethodGet, "/v3/sources?limit=1", nil); code != 200 {
			t.Fatalf("the token minted before the third start on %s: %d %s", m.URL(), code, body)
		}
	}
	got, err := c.Store().GetAggregation(ctx, held.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != mica.AggStarted || got.Owner != a.Aggs.Owner {
		t.Fatalf("the live server's aggregation after another server started: %s owner %q", got.Status, got.Owner)
	}
	got, err = c.Store().GetAggregation(ctx, orphan.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != mica.AggTerminated || got.CompletionStatus != mica.CompletionTerminated {
		t.Fatalf("the dead server's aggregation after another server started: %s/%s", got.Status, got.CompletionStatus)
	}
	if n := count(`SELECT count(*) FROM identities`); n != generated+2 {
		t.Fatalf("%d identities after the third start, want %d", n, generated+2)
	}
}
