package directory_test

import (
	"context"
	"errors"
	"io"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/go-ldap/ldap/v3"
	"github.com/micahq/mica"
	"github.com/micahq/mica/directory"
	"github.com/micahq/mica/internal/slapd"
	"github.com/micahq/mica/secrets"
)

// Entries seeded into the shared directory: 10,000 across four OUs.
const seeded = 10000

var (
	sharedOnce sync.Once
	shared     *slapd.Server
	sharedErr  error
	sharedDir  string
)

// directoryServer is one slapd with the 10,000 entries and TLS, shared by the
// tests that only read (tests that change or kill it start their own).
func directoryServer(t *testing.T) *slapd.Server {
	t.Helper()
	skipWithoutSlapd(t)
	sharedOnce.Do(func() {
		sharedDir, sharedErr = os.MkdirTemp("", "mica-slapd-")
		if sharedErr == nil {
			shared, sharedErr = slapd.Start(context.Background(), slapd.Options{Dir: sharedDir, TLS: true,
				Seed: slapd.WriteAD(0, seeded)})
		}
	})
	if sharedErr != nil {
		t.Fatal(sharedErr)
	}
	return shared
}

func TestMain(m *testing.M) {
	code := m.Run()
	if shared != nil {
		_ = shared.Stop()
	}
	if sharedDir != "" {
		_ = os.RemoveAll(sharedDir)
	}
	os.Exit(code)
}

func skipWithoutSlapd(t *testing.T) {
	t.Helper()
	if _, err := slapd.Binary(); err != nil && os.Getenv(slapd.Env) == "" {
		t.Skip("slapd is not installed: run the tests through scripts/with-slapd (make test does)")
	}
}

// fixture is a connector with a real key file, and a source builder sealing
// the password as the API does.
type fixture struct {
	t    *testing.T
	box  *secrets.Box
	conn *directory.Connector
}

func newFixture(t *testing.T) *fixture {
	box := secrets.New(filepath.Join(t.TempDir(), secrets.KeyFile))
	return &fixture{t: t, box: box, conn: &directory.Connector{Secrets: box}}
}

func (f *fixture) source(connector string, attrs map[string]any) *mica.Source {
	f.t.Helper()
	sealed, err := mica.SealSecrets(attrs, nil, f.box, false)
	if err != nil {
		f.t.Fatal(err)
	}
	return &mica.Source{ID: "s1", Name: "dir", Connector: connector, ConnectorAttributes: sealed}
}

func adAttrs(s *slapd.Server, extra map[string]any) map[string]any {
	var dns []any
	for _, ou := range slapd.ADOUs {
		dns = append(dns, map[string]any{"searchDN": "ou=" + ou + "," + slapd.BaseDN})
	}
	a := map[string]any{"host": s.Host, "port": float64(s.Port), "user": slapd.ReaderDN, "password": s.Password,
		"searchDNs": dns, "pageSize": float64(250)}
	for k, v := range extra {
		a[k] = v
	}
	return a
}

func readAll(t *testing.T, r mica.AccountReader) (map[string]*mica.StagedAccount, error) {
	t.Helper()
	out := map[string]*mica.StagedAccount{}
	for {
		a, err := r.Next()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return out, err
		}
		if out[a.NativeIdentity] != nil {
			t.Fatalf("%s read twice", a.NativeIdentity)
		}
		out[a.NativeIdentity] = a
	}
}

func TestReadAccountsActiveDirectory(t *testing.T) {
	s := directoryServer(t)
	f := newFixture(t)
	// Paging is needed: an unpaged search of the reader stops at 1,000 entries, as Active Directory's does.
	c, err := ldap.DialURL(s.URL())
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = c.Close() }()
	if err := c.Bind(slapd.ReaderDN, s.Password); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Search(ldap.NewSearchRequest("ou=People,"+slapd.BaseDN, ldap.ScopeWholeSubtree, 0, 0, 0, false,
		"(objectClass=user)", []string{"1.1"}, nil)); !ldap.IsErrorWithCode(err, ldap.LDAPResultSizeLimitExceeded) {
		t.Fatalf("unpaged search of 6,000 entries: %v, want Size Limit Exceeded", err)
	}

	r, err := f.conn.ReadAccounts(context.Background(), f.source("active-directory", adAttrs(s, nil)))
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = r.Close() }()
	got, err := readAll(t, r)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != seeded {
		t.Fatalf("read %d accounts, want %d", len(got), seeded)
	}
	kinds := map[string]int{}
	for i := 0; i < seeded; i++ {
		e := slapd.ADEntry(i)
		a := got[e.DN]
		if a == nil {
			t.Fatalf("entry %d (%s) missing", i, e.DN)
		}
		kinds[e.Kind]++
		if a.Name != e.SAM || a.Attributes["userAccountControl"] != float64(e.UAC) || a.Disabled != (e.UAC&2 != 0) ||
			a.Locked != (e.LockoutTime != 0) || a.Attributes["objectGUID"] != e.GUIDString() {
			t.Fatalf("entry %d: %+v", i, a)
		}
	}
	if kinds[slapd.KindUser] != 6000 || kinds[slapd.KindService] != 1500 || kinds[slapd.KindComputer] != 2000 || kinds[slapd.KindGMSA] != 500 {
		t.Fatalf("kinds: %v", kinds)
	}

	// A service account, attribute by attribute (values worked out by hand).
	svc := got["cn=svc-app000012,ou=Service Accounts,dc=mica,dc=test"].Attributes
	want := map[string]any{
		"sAMAccountName":       "svc_app000012",
		"userPrincipalName":    "svc_app000012@mica.test",
		"distinguishedName":    "cn=svc-app000012,ou=Service Accounts,dc=mica,dc=test",
		"cn":                   "svc-app000012",
		"sn":                   "svc-app000012",
		"description":          "Service account of application 12",
		"userAccountControl":   float64(66048),
		"objectClass":          []any{"top", "person", "organizationalPerson", "user"},
		"servicePrincipalName": []any{"HTTP/app000012.mica.test", "MSSQLSvc/db000012.mica.test:1433"},
		"memberOf":             []any{"cn=Service Owners,ou=Groups,dc=mica,dc=test"},
		"objectGUID":           "3322110c-5548-7766-8499-aabbc0ddeeff",
		"objectSid":            "S-1-5-21-1004336348-1177238915-682003330-1012",
		"whenCreated":          "2020-01-01T00:12:00.000Z",
		"pwdLastSet":           "2024-01-01T00:12:00.000Z",
		"lastLogonTimestamp":   "2025-06-01T00:00:12.000Z",
		"accountExpires":       nil, // 9223372036854775807: never expires
	}
	for k, v := range want {
		gv, ok := svc[k]
		if !ok || !equal(gv, v) {
			t.Errorf("%s = %#v (present %t), want %#v", k, gv, ok, v)
		}
	}
	if len(svc) != len(want) {
		t.Errorf("attributes: %v", svc)
	}
	// A person: thumbnailPhoto (binary) left out, a single SPN-less user; 0 FILETIMEs null.
	u0 := got[slapd.ADEntry(0).DN]
	if _, ok := u0.Attributes["thumbnailPhoto"]; ok {
		t.Error("thumbnailPhoto (binary) was kept")
	}
	if u0.Attributes["pwdLastSet"] != nil || u0.Attributes["lastLogonTimestamp"] != nil ||
		u0.Attributes["accountExpires"] != "2030-01-01T00:00:00.000Z" {
		t.Errorf("entry 0 times: %v %v %v", u0.Attributes["pwdLastSet"], u0.Attributes["lastLogonTimestamp"], u0.Attributes["accountExpires"])
	}
	if _, ok := u0.Attributes["pwdLastSet"]; !ok {
		t.Error("pwdLastSet 0 must be a null, not absent")
	}
	u1 := got[slapd.ADEntry(1).DN]
	if !u1.Disabled || u1.Attributes["accountExpires"] != nil || u1.Attributes["userAccountControl"] != float64(514) {
		t.Errorf("entry 1: %+v", u1)
	}
	if u5 := got[slapd.ADEntry(5).DN]; u5.Attributes["displayName"] != "Zoë Ångström 5" {
		t.Errorf("UTF-8 displayName: %q", u5.Attributes["displayName"])
	}
	if u3 := got[slapd.ADEntry(3).DN]; !u3.Locked || u3.Attributes["lockoutTime"] != "2025-06-01T00:03:00.000Z" {
		t.Errorf("entry 3 lockout: %+v", u3)
	}
	gmsa := got[slapd.ADEntry(19).DN]
	if gmsa.Name != "gmsa000019$" || !equal(gmsa.Attributes["objectClass"], []any{"top", "person", "organizationalPerson",
		"user", "computer", "msDS-GroupManagedServiceAccount"}) || !equal(gmsa.Attributes["servicePrincipalName"], []any{"HTTP/web000019.mica.test"}) {
		t.Errorf("gMSA: %+v", gmsa)
	}
}

func equal(a, b any) bool {
	al, aok := a.([]any)
	bl, bok := b.([]any)
	if aok != bok {
		return false
	}
	if !aok {
		return a == b
	}
	if len(al) != len(bl) {
		return false
	}
	for i := range al {
		if al[i] != bl[i] {
			return false
		}
	}
	return true
}

// An LDAP source with its own filter, scope, attributes, identity and name.
func TestReadAccountsLDAPOptions(t *testing.T) {
	s := directoryServer(t)
	f := newFixture(t)
	src := f.source("ldap", map[string]any{"host": "localhost", "port": strconv.Itoa(s.Port), "user": slapd.ReaderDN,
		"password": s.Password, "pageSize": 7,
		"searchDNs": []any{
			map[string]any{"searchDN": "ou=Computers," + slapd.BaseDN, "iterateSearchFilter": "(sAMAccountName=WS00001*)",
				"searchScope": "ONELEVEL"},
			map[string]any{"searchDN": slapd.ADEntry(35).DN, "searchScope": "BASE", "iterateSearchFilter": "(objectClass=*)"},
			// Overlaps the first: its entries are read once.
			map[string]any{"searchDN": "ou=Computers," + slapd.BaseDN, "iterateSearchFilter": "(sAMAccountName=WS000015$)"},
		},
		"accountAttributes": []any{"dNSHostName", "whenCreated"}, "identityAttribute": "objectGUID", "displayAttribute": "cn"})
	r, err := f.conn.ReadAccounts(context.Background(), src)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = r.Close() }()
	got, err := readAll(t, r)
	if err != nil {
		t.Fatal(err)
	}
	// WS000010..WS000019 and WS000100..WS000199 are computers named WS00001*: i%20 in 15..18.
	n := 0
	for i := 10; i < 200; i++ {
		e := slapd.ADEntry(i)
		if e.Kind != slapd.KindComputer || !strings.HasPrefix(e.SAM, "WS00001") {
			continue
		}
		n++
		a := got[e.GUIDString()]
		if a == nil || a.Name != e.CN || a.Attributes["dNSHostName"] != e.DNSHostName ||
			a.Attributes["distinguishedName"] != e.DN || len(a.Attributes) != 5 { // + cn, objectGUID, distinguishedName
			t.Fatalf("%s: %+v", e.CN, a)
		}
	}
	if a := got[slapd.ADEntry(35).GUIDString()]; a == nil || a.Name != "WS000035" {
		t.Fatalf("the BASE search DN: %+v", a)
	}
	if n == 0 || len(got) != n+1 { // + WS000035
		t.Fatalf("read %d accounts, want %d", len(got), n+1)
	}
}

func TestTLS(t *testing.T) {
	s := directoryServer(t)
	f := newFixture(t)
	ca := string(s.CAPEM)
	for name, tc := range map[string]struct {
		attrs map[string]any
		step  string
		text  string
	}{
		"ldaps with the CA":    {attrs: map[string]any{"port": float64(s.TLSPort), "useSSL": true, "caCertificate": ca}},
		"starttls with the CA": {attrs: map[string]any{"useStartTLS": true, "caCertificate": ca, "host": "localhost"}},
		"ldaps without the CA": {attrs: map[string]any{"port": float64(s.TLSPort), "useSSL": true}, step: "tls",
			text: "certificate signed by unknown authority (set connectorAttributes.caCertificate"},
		"starttls without the CA": {attrs: map[string]any{"useStartTLS": true}, step: "tls", text: "TLS (StartTLS)"},
		"ldaps on the plain port": {attrs: map[string]any{"useSSL": true, "caCertificate": ca}, step: "tls", text: "TLS (LDAPS)"},
	} {
		t.Run(name, func(t *testing.T) {
			res := f.conn.TestConnection(context.Background(), f.source("ldap", adAttrs(s, tc.attrs)))
			if tc.step == "" {
				if !res.OK {
					t.Fatalf("%+v", res)
				}
				r, err := f.conn.ReadAccounts(context.Background(), f.source("ldap", adAttrs(s, tc.attrs)))
				if err != nil {
					t.Fatal(err)
				}
				defer func() { _ = r.Close() }()
				got, err := readAll(t, r)
				if err != nil || len(got) != seeded {
					t.Fatalf("read %d, %v", len(got), err)
				}
				return
			}
			if res.OK || res.Step != tc.step || !strings.Contains(res.Message, tc.text) {
				t.Fatalf("%+v, want step %s naming %q", res, tc.step, tc.text)
			}
		})
	}
}

func TestConnectionFailures(t *testing.T) {
	s := directoryServer(t)
	f := newFixture(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := ln.Addr().(*net.TCPAddr).Port
	_ = ln.Close()
	for name, tc := range map[string]struct {
		attrs     map[string]any
		step      string
		text      string
		readsFail bool // the failure shows at ReadAccounts (else at the first Next)
	}{
		"unreachable": {attrs: map[string]any{"port": float64(closed)}, step: "connect",
			text: "cannot reach the directory at 127.0.0.1:" + strconv.Itoa(closed) + ": connect: connection refused", readsFail: true},
		"bad password": {attrs: map[string]any{"password": "not-the-password"}, step: "bind",
			text: "refused the bind of user cn=reader,dc=mica,dc=test: Invalid Credentials (49)", readsFail: true},
		"unknown user": {attrs: map[string]any{"user": "cn=nobody," + slapd.BaseDN}, step: "bind", text: "Invalid Credentials", readsFail: true},
		"missing search base": {attrs: map[string]any{"searchDNs": []any{map[string]any{"searchDN": "ou=Gone," + slapd.BaseDN}}},
			step: "search", text: `the search DN "ou=Gone,dc=mica,dc=test" does not exist`},
		"referral (a base outside the directory)": {attrs: map[string]any{"searchDNs": []any{map[string]any{"searchDN": "dc=elsewhere,dc=test"}}},
			step: "search", text: "referral to ldap://referral.invalid/"},
		"missing password": {attrs: map[string]any{"password": nil}, step: "configuration", text: "connectorAttributes.password", readsFail: true},
		"bad filter": {attrs: map[string]any{"searchDNs": []any{map[string]any{"searchDN": slapd.BaseDN, "iterateSearchFilter": "(&(cn=a)"}}},
			step: "configuration", text: "is not a valid LDAP filter", readsFail: true},
	} {
		t.Run(name, func(t *testing.T) {
			attrs := adAttrs(s, tc.attrs)
			if v, ok := tc.attrs["password"]; ok && v == nil {
				delete(attrs, "password")
			}
			src := f.source("active-directory", attrs)
			res := f.conn.TestConnection(context.Background(), src)
			if res.OK || res.Step != tc.step || !strings.Contains(res.Message, tc.text) {
				t.Fatalf("test connection: %+v, want step %s naming %q", res, tc.step, tc.text)
			}
			if strings.Contains(res.Message, s.Password) {
				t.Fatal("the message holds the password")
			}
			r, err := f.conn.ReadAccounts(context.Background(), src)
			if err == nil {
				if tc.readsFail {
					t.Fatal("ReadAccounts succeeded")
				}
				_, err = readAll(t, r)
				_ = r.Close()
			}
			if err == nil || !strings.Contains(mica.ErrorMessage(err), tc.text) || mica.ErrorCode(err) == mica.EINTERNAL {
				t.Fatalf("read: %v, want an error naming %q", err, tc.text)
			}
		})
	}
}

// Failures in the middle of a search: a size limit, a referral, the server gone.
func TestMidSearchFailures(t *testing.T) {
	s := directoryServer(t)
	f := newFixture(t)
	t.Run("size limit", func(t *testing.T) {
		r, err := f.conn.ReadAccounts(context.Background(), f.source("ldap", adAttrs(s, map[string]any{"user": slapd.LimitedDN, "pageSize": 20})))
		if err != nil {
			t.Fatal(err)
		}
		defer func() { _ = r.Close() }()
		got, err := readAll(t, r)
		if msg := mica.ErrorMessage(err); !strings.Contains(msg, "stopped the search of \"ou=People,dc=mica,dc=test\" at its size limit") ||
			!strings.Contains(msg, "Size Limit Exceeded") || !strings.Contains(msg, slapd.LimitedDN) {
			t.Fatalf("%d read, then %v", len(got), err)
		}
	})
	t.Run("continuation reference", func(t *testing.T) {
		src := f.source("ldap", adAttrs(s, map[string]any{"searchDNs": []any{map[string]any{"searchDN": slapd.BaseDN,
			"iterateSearchFilter": "(objectClass=*)"}}}))
		res := f.conn.TestConnection(context.Background(), src)
		if !res.OK { // the base itself exists
			t.Fatalf("%+v", res)
		}
		r, err := f.conn.ReadAccounts(context.Background(), src)
		if err != nil {
			t.Fatal(err)
		}
		defer func() { _ = r.Close() }()
		_, err = readAll(t, r)
		if !strings.Contains(mica.ErrorMessage(err), "met a referral to ldap://partner.invalid/ou=Partners,dc=partner,dc=test") {
			t.Fatalf("%v", err)
		}
	})
}

func TestServerKilledMidSearch(t *testing.T) {
	skipWithoutSlapd(t)
	s, err := slapd.Start(context.Background(), slapd.Options{Dir: t.TempDir(), Seed: slapd.WriteAD(0, 3000)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Stop() })
	f := newFixture(t)
	r, err := f.conn.ReadAccounts(context.Background(), f.source("active-directory", adAttrs(s, map[string]any{"pageSize": 100})))
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = r.Close() }()
	for range 150 {
		if _, err := r.Next(); err != nil {
			t.Fatal(err)
		}
	}
	_ = s.Kill()
	n := 150
	for {
		_, err = r.Next()
		if err != nil {
			break
		}
		n++
	}
	// The next page was asked for before the kill, and may have come in: the
	// read ends at the first page that did not.
	msg := mica.ErrorMessage(err)
	want := "the connection to the directory at 127.0.0.1:" + strconv.Itoa(s.Port) + " was lost after " + strconv.Itoa(n) + " entries"
	if !strings.Contains(msg, want) || n < 200 || n >= 3000 || n%100 != 0 || mica.ErrorCode(err) == mica.EINTERNAL {
		t.Fatalf("after %d accounts: %v", n, err)
	}
}

func TestCancelEndsTheRead(t *testing.T) {
	s := directoryServer(t)
	f := newFixture(t)
	ctx, cancel := context.WithCancel(context.Background())
	r, err := f.conn.ReadAccounts(ctx, f.source("active-directory", adAttrs(s, map[string]any{"pageSize": 10})))
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = r.Close() }()
	if _, err := r.Next(); err != nil {
		t.Fatal(err)
	}
	cancel()
	var n int
	for ; n < seeded; n++ {
		if _, err = r.Next(); err != nil {
			break
		}
	}
	if n != 0 || !errors.Is(err, context.Canceled) {
		t.Fatalf("read %d more after the cancel, then %v; want none and context.Canceled", n, err)
	}
}
