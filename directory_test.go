package mica_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/micahq/mica"
)

// rot13Box is a reversible stand-in for the AES box: the domain rules do not
// depend on the cipher (secrets/ tests the real one).
type rot13Box struct{}

func (rot13Box) Seal(p string) (string, error) { return "sealed:" + rot13(p), nil }
func (rot13Box) Open(s string) (string, error) { return rot13(strings.TrimPrefix(s, "sealed:")), nil }
func rot13(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z':
			return 'a' + (r-'a'+13)%26
		case r >= 'A' && r <= 'Z':
			return 'A' + (r-'A'+13)%26
		}
		return r
	}, s)
}

func TestSealAndRedactSecrets(t *testing.T) {
	var attrs map[string]any
	_ = json.Unmarshal([]byte(`{"host":"dc1","password":"pw","pageSize":100,
		"domainSettings":[{"domainDN":"dc=x","password":"dpw","servers":["a"]},{"user":"u"}],
		"IQServicePassword":"iq","clientSecret":"","passwordAttribute":"userPassword"}`), &attrs)
	sealed, err := mica.SealSecrets(attrs, nil, rot13Box{}, true)
	if err != nil {
		t.Fatal(err)
	}
	ds := sealed["domainSettings"].([]any)
	if sealed["password"] != "sealed:cj" || ds[0].(map[string]any)["password"] != "sealed:qcj" ||
		sealed["IQServicePassword"] != "sealed:vd" || sealed["passwordAttribute"] != "userPassword" {
		t.Fatalf("sealed: %v", sealed)
	}
	if _, ok := sealed["clientSecret"]; ok {
		t.Fatal("an empty secret was kept")
	}
	if attrs["password"] != "pw" {
		t.Fatal("SealSecrets changed its input")
	}
	red := mica.RedactSecrets(sealed)
	b, _ := json.Marshal(red)
	if strings.Contains(string(b), "sealed:") || strings.Contains(string(b), `"password"`) ||
		!strings.Contains(string(b), `"passwordAttribute":"userPassword"`) || !strings.Contains(string(b), `"domainDN":"dc=x"`) {
		t.Fatalf("redacted: %s", b)
	}
	// A replacement without the secrets (PUT from a GET, or PATCH) keeps them, sealed once.
	next, err := mica.SealSecrets(red, sealed, rot13Box{}, true)
	if err != nil {
		t.Fatal(err)
	}
	if next["password"] != "sealed:cj" || next["domainSettings"].([]any)[0].(map[string]any)["password"] != "sealed:qcj" {
		t.Fatalf("kept: %v", next)
	}
	// A new value replaces; "" removes.
	red["password"] = "new"
	red["IQServicePassword"] = ""
	next, _ = mica.SealSecrets(red, sealed, rot13Box{}, true)
	if next["password"] != "sealed:arj" {
		t.Fatalf("replaced: %v", next["password"])
	}
	if _, ok := next["IQServicePassword"]; ok {
		t.Fatal(`"" did not remove the secret`)
	}
	// A JSON Patch works on the masked attributes: untouched secrets keep
	// their value, removed ones go (absent is not kept).
	masked := mica.MaskSecrets(sealed)
	if masked["password"] != mica.KeptSecret {
		t.Fatalf("masked: %v", masked)
	}
	delete(masked, "IQServicePassword")
	next, _ = mica.SealSecrets(masked, sealed, rot13Box{}, false)
	if _, ok := next["IQServicePassword"]; ok || next["password"] != "sealed:cj" ||
		next["domainSettings"].([]any)[0].(map[string]any)["password"] != "sealed:qcj" {
		t.Fatalf("patched: %v", next)
	}
	if _, err := mica.SealSecrets(map[string]any{"password": 5.0}, nil, rot13Box{}, true); mica.ErrorCode(err) != mica.EILLEGAL ||
		!strings.Contains(mica.ErrorMessage(err), "connectorAttributes.password") {
		t.Fatalf("non-string secret: %v", err)
	}
	if _, err := mica.SealSecrets(map[string]any{"password": "x"}, nil, nil, true); mica.ErrorCode(err) != mica.EUNAVAILABLE {
		t.Fatalf("no box: %v", err)
	}
}

func TestDirectoryConfigOf(t *testing.T) {
	src := func(connector, attrs string) *mica.Source {
		s := &mica.Source{Name: "d", Connector: connector}
		_ = json.Unmarshal([]byte(attrs), &s.ConnectorAttributes)
		return s
	}
	c, err := mica.DirectoryConfigOf(src("active-directory", `{"host":"dc1.corp","port":"636","useSSL":"true","user":"CORP\\svc",
		"password":"sealed","pageSize":250,"searchDNs":[{"searchDN":"ou=A,dc=corp","iterateSearchFilter":"(objectClass=user)"},
		{"searchDN":"ou=B,dc=corp","searchScope":"one_level"}],"accountAttributes":["cn","sAMAccountName"]}`))
	if err != nil {
		t.Fatal(err)
	}
	if c.Kind != mica.ConnectorActiveDirectory || c.Address() != "dc1.corp:636" || !c.UseSSL || c.User != `CORP\svc` ||
		c.PageSize != 250 || len(c.SearchDNs) != 2 || c.SearchDNs[0].Scope != mica.ScopeSubtree ||
		c.SearchDNs[1].Scope != mica.ScopeOneLevel || len(c.Attributes) != 2 || c.Complete() != nil {
		t.Fatalf("config: %+v", c)
	}
	// ISC's domainSettings form of an Active Directory source.
	c, err = mica.DirectoryConfigOf(src("active-directory-angularsc", `{"domainSettings":[{"servers":["dc2"],"port":3269,
		"user":"u","password":"p","useSSL":true}],"searchDNs":[{"searchDN":"dc=x"}]}`))
	if err != nil || c.Address() != "dc2:3269" || c.User != "u" || c.Password != "p" || c.Complete() != nil {
		t.Fatalf("domainSettings: %+v %v", c, err)
	}
	c, _ = mica.DirectoryConfigOf(src("openldap", `{"host":"::1"}`))
	if c.Kind != mica.ConnectorLDAP || c.Address() != "[::1]:389" {
		t.Fatalf("ldap: %+v", c)
	}
	if err := c.Complete(); mica.ErrorCode(err) != mica.EMISSING || !strings.Contains(mica.ErrorMessage(err), "searchDNs") {
		t.Fatalf("complete: %v", err)
	}
	for attrs, want := range map[string]string{
		`{"port":70000}`:                     "port",
		`{"port":"x"}`:                       "port",
		`{"useSSL":"maybe"}`:                 "useSSL",
		`{"useSSL":true,"useStartTLS":true}`: "exclude each other",
		`{"pageSize":0.5}`:                   "pageSize",
		`{"pageSize":100000}`:                "pageSize",
		`{"searchDNs":[{"searchDN":""}]}`:    "searchDNs[0].searchDN",
		`{"searchDNs":[{"searchDN":"dc=x","searchScope":"DEEP"}]}`:                     "searchDNs[0].searchScope",
		`{"searchDNs":[{"searchDN":"dc=x","iterateSearchFilter":"objectClass=user"}]}`: "iterateSearchFilter",
		`{"searchDNs":{"a":1}}`:            "searchDNs",
		`{"caCertificate":"not pem"}`:      "caCertificate",
		`{"authorizationType":"kerberos"}`: "authorizationType",
		`{"accountAttributes":[1]}`:        "accountAttributes",
	} {
		_, err := mica.DirectoryConfigOf(src("ldap", attrs))
		if mica.ErrorCode(err) != mica.EILLEGAL || !strings.Contains(mica.ErrorMessage(err), want) {
			t.Errorf("%s: %v, want EILLEGAL naming %s", attrs, err, want)
		}
	}
	if _, err := mica.DirectoryConfigOf(src("delimited-file", `{}`)); mica.ErrorCode(err) != mica.EILLEGAL {
		t.Fatalf("csv source: %v", err)
	}
}

func TestMakeDirectory(t *testing.T) {
	s := &mica.Source{Connector: "active-directory"}
	s.MakeDirectory()
	if s.Type != "Active Directory - Direct" || s.ConnectorClass != "sailpoint.connector.ADLDAPConnector" ||
		s.ConnectionType != "direct" || !s.IsDirectory() || s.IsDelimitedFile() {
		t.Fatalf("%+v", s)
	}
	s = &mica.Source{Connector: "ldap", Type: "OpenLDAP - Direct"}
	s.MakeDirectory()
	if s.Type != "OpenLDAP - Direct" || s.ConnectorID != "ldap" {
		t.Fatalf("%+v", s)
	}
	if (&mica.Source{Connector: "delimited-file"}).IsDirectory() || (&mica.Source{Connector: "ldapish"}).IsDirectory() {
		t.Fatal("not directories")
	}
}
