package slapd_test

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/go-ldap/ldap/v3"
	"github.com/micahq/mica/internal/slapd"
)

// Start skips when slapd is missing, unless scripts/with-slapd said it is there.
func start(t *testing.T, o slapd.Options) *slapd.Server {
	t.Helper()
	if _, err := slapd.Binary(); err != nil && os.Getenv(slapd.Env) == "" {
		t.Skip("slapd is not installed: run the tests through scripts/with-slapd (make test does)")
	}
	o.Dir = t.TempDir()
	s, err := slapd.Start(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Stop() })
	return s
}

func TestStartSeedRestart(t *testing.T) {
	t0 := time.Now()
	s := start(t, slapd.Options{Seed: slapd.WriteAD(0, 1000), TLS: true})
	t.Logf("1,000 entries loaded and slapd up in %s", time.Since(t0))
	c, err := ldap.DialURL(s.URL())
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = c.Close() }()
	if err := c.Bind(slapd.ReaderDN, s.Password); err != nil {
		t.Fatal(err)
	}
	res, err := c.SearchWithPaging(ldap.NewSearchRequest("ou=Computers,"+slapd.BaseDN, ldap.ScopeWholeSubtree, 0, 0, 0, false,
		"(objectClass=computer)", []string{"sAMAccountName"}, nil), 100)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Entries) != 200 { // 4 of every 20
		t.Fatalf("computers: %d", len(res.Entries))
	}
	if err := s.Kill(); err != nil {
		t.Fatal(err)
	}
	if err := s.Restart(context.Background()); err != nil {
		t.Fatal(err)
	}
	c2, err := ldap.DialURL(s.URL())
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = c2.Close() }()
	if err := c2.Bind(slapd.ReaderDN, "wrong"); !ldap.IsErrorWithCode(err, ldap.LDAPResultInvalidCredentials) {
		t.Fatalf("bad password: %v", err)
	}
	e := slapd.ADEntry(42)
	if e.GUIDString() == "" || e.Kind != slapd.KindUser {
		t.Fatalf("%+v", e)
	}
}
