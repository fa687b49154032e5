package mica

import (
	"context"
	"encoding/pem"
	"math"
	"strconv"
	"strings"
)

// Connectors of the direct directory sources (POST /sources with this connector).
const (
	ConnectorActiveDirectory = "active-directory"
	ConnectorLDAP            = "ldap"
)

// DirectoryKind returns ConnectorActiveDirectory or ConnectorLDAP for a direct
// directory source, "" for any other. The connector may carry ISC's suffixes
// ("active-directory-angularsc"); "openldap" is an LDAP source.
func (s *Source) DirectoryKind() string {
	c := strings.ToLower(s.Connector)
	switch {
	case s.IsDelimitedFile():
		return ""
	case c == ConnectorActiveDirectory || strings.HasPrefix(c, ConnectorActiveDirectory+"-"):
		return ConnectorActiveDirectory
	case c == ConnectorLDAP || strings.HasPrefix(c, ConnectorLDAP+"-") ||
		c == "openldap" || strings.HasPrefix(c, "openldap-"):
		return ConnectorLDAP
	}
	return ""
}

// IsDirectory reports whether s is a direct Active Directory or LDAP source,
// whose accounts an aggregation reads from the directory itself.
func (s *Source) IsDirectory() bool { return s.DirectoryKind() != "" }

// MakeDirectory fills in the server-set fields of a directory source, as ISC
// shows them for its direct connectors; a type the client gave is kept.
func (s *Source) MakeDirectory() {
	switch s.DirectoryKind() {
	case ConnectorActiveDirectory:
		if s.Type == "" {
			s.Type = "Active Directory - Direct"
		}
		if s.ConnectorClass == "" {
			s.ConnectorClass = "sailpoint.connector.ADLDAPConnector"
		}
		s.ConnectorID, s.ConnectorImplementationID, s.ConnectorName = ConnectorActiveDirectory, ConnectorActiveDirectory,
			"Active Directory - Direct"
	case ConnectorLDAP:
		if s.Type == "" {
			s.Type = "LDAP - Direct"
		}
		if s.ConnectorClass == "" {
			s.ConnectorClass = "sailpoint.connector.LDAPConnector"
		}
		s.ConnectorID, s.ConnectorImplementationID, s.ConnectorName = ConnectorLDAP, ConnectorLDAP, "LDAP - Direct"
	default:
		return
	}
	s.ConnectionType = "direct"
	if s.ConnectorAttributes == nil {
		s.ConnectorAttributes = map[string]any{}
	}
}

// Search scopes of a search DN (searchDNs[].searchScope).
const (
	ScopeSubtree  = "SUBTREE"
	ScopeOneLevel = "ONELEVEL"
	ScopeBase     = "BASE"
)

// SearchDN is one container an aggregation searches (connectorAttributes.searchDNs[]).
type SearchDN struct {
	DN     string // searchDN
	Filter string // iterateSearchFilter; "" for the connector's default
	Scope  string // searchScope: ScopeSubtree (default), ScopeOneLevel or ScopeBase
}

// DirectoryConfig is how a directory source reaches its directory, read from
// its connector attributes (ISC's names where its connector documentation has
// them). Password is as stored: sealed.
type DirectoryConfig struct {
	Kind          string // ConnectorActiveDirectory or ConnectorLDAP
	Host          string // host (or domainSettings[0].servers[0] on Active Directory)
	Port          int    // port; 0 for the default (389, or 636 with UseSSL)
	UseSSL        bool   // useSSL: LDAPS
	UseStartTLS   bool   // useStartTLS: StartTLS on the plain port
	CACertificate string // caCertificate: PEM of the CA(s) to trust; the system's when ""
	User          string // user: the bind DN (or DOMAIN\user, user@domain on Active Directory)
	Password      string // password, sealed
	Anonymous     bool   // authorizationType "none"
	SearchDNs     []SearchDN
	PageSize      int      // pageSize; 0 for the default
	Attributes    []string // accountAttributes: the attributes to read; nil for the connector's default
	// IdentityAttribute names the attribute that is the account id
	// (identityAttribute); "" for the entry's DN, as ISC's nativeIdentity.
	IdentityAttribute string
	// DisplayAttribute names the attribute that is the account name
	// (displayAttribute); "" for sAMAccountName on Active Directory, else uid then cn.
	DisplayAttribute string
}

// MaxPageSize caps pageSize.
const MaxPageSize = 10000

// DirectoryConfigOf reads and checks the connector attributes of a directory
// source. Values of the wrong shape are EILLEGAL naming the attribute; missing
// ones are left for Complete, so that a source may be configured in steps.
func DirectoryConfigOf(src *Source) (*DirectoryConfig, error) {
	c := &DirectoryConfig{Kind: src.DirectoryKind()}
	if c.Kind == "" {
		return nil, Errorf(EILLEGAL, "source %q is not an Active Directory or LDAP source", src.Name)
	}
	a := src.ConnectorAttributes
	ill := func(name, want string) error {
		return Errorf(EILLEGAL, "connectorAttributes.%s must be %s", name, want)
	}
	var err error
	if c.Host, err = attrString(a, "host"); err != nil {
		return nil, ill("host", "a host name or address")
	}
	if c.Port, err = attrInt(a, "port"); err != nil || c.Port < 0 || c.Port > 65535 {
		return nil, ill("port", "a port number from 1 to 65535")
	}
	if c.UseSSL, err = attrBool(a, "useSSL"); err != nil {
		return nil, ill("useSSL", "true or false")
	}
	if c.UseStartTLS, err = attrBool(a, "useStartTLS"); err != nil {
		return nil, ill("useStartTLS", "true or false")
	}
	if c.UseSSL && c.UseStartTLS {
		return nil, Errorf(EILLEGAL, "connectorAttributes.useSSL and useStartTLS exclude each other: LDAPS or StartTLS, not both")
	}
	if c.CACertificate, err = attrString(a, "caCertificate"); err != nil {
		return nil, ill("caCertificate", "the PEM text of one or more CA certificates")
	}
	if c.CACertificate != "" {
		if b, _ := pem.Decode([]byte(c.CACertificate)); b == nil || b.Type != "CERTIFICATE" {
			return nil, ill("caCertificate", "the PEM text of one or more CA certificates (-----BEGIN CERTIFICATE-----)")
		}
	}
	if c.User, err = attrString(a, "user"); err != nil {
		return nil, ill("user", "the bind DN (a string)")
	}
	c.Password, _ = a["password"].(string)
	authz, err := attrString(a, "authorizationType")
	switch {
	case err != nil:
		return nil, ill("authorizationType", `"simple" or "none"`)
	case strings.EqualFold(authz, "none"):
		c.Anonymous = true
	case authz != "" && !strings.EqualFold(authz, "simple"):
		return nil, ill("authorizationType", `"simple" or "none" (mica binds with a password or anonymously)`)
	}
	if c.Kind == ConnectorActiveDirectory && c.Host == "" {
		if err := c.domainSettings(a); err != nil {
			return nil, err
		}
	}
	if c.PageSize, err = attrInt(a, "pageSize"); err != nil || c.PageSize < 0 || c.PageSize > MaxPageSize {
		return nil, ill("pageSize", "a number from 1 to "+strconv.Itoa(MaxPageSize))
	}
	if c.Attributes, err = attrStrings(a, "accountAttributes"); err != nil {
		return nil, ill("accountAttributes", "a list of attribute names")
	}
	if c.IdentityAttribute, err = attrString(a, "identityAttribute"); err != nil {
		return nil, ill("identityAttribute", "an attribute name")
	}
	if c.DisplayAttribute, err = attrString(a, "displayAttribute"); err != nil {
		return nil, ill("displayAttribute", "an attribute name")
	}
	switch v := a["searchDNs"].(type) {
	case nil:
	case []any:
		for i, e := range v {
			m, ok := e.(map[string]any)
			name := "searchDNs[" + strconv.Itoa(i) + "]"
			if !ok {
				return nil, ill(name, `an object {"searchDN", "iterateSearchFilter", "searchScope"}`)
			}
			var s SearchDN
			if s.DN, err = attrString(m, "searchDN"); err != nil || strings.TrimSpace(s.DN) == "" {
				return nil, ill(name+".searchDN", "the DN of a container (a non-empty string)")
			}
			if s.Filter, err = attrString(m, "iterateSearchFilter"); err != nil {
				return nil, ill(name+".iterateSearchFilter", "an LDAP filter such as (objectClass=user)")
			}
			if s.Filter != "" && (!strings.HasPrefix(strings.TrimSpace(s.Filter), "(") || !strings.HasSuffix(strings.TrimSpace(s.Filter), ")")) {
				return nil, ill(name+".iterateSearchFilter", "an LDAP filter in parentheses, such as (objectClass=user)")
			}
			scope, err := attrString(m, "searchScope")
			if err != nil {
				return nil, ill(name+".searchScope", "SUBTREE, ONELEVEL or BASE")
			}
			if s.Scope, ok = parseScope(scope); !ok {
				return nil, ill(name+".searchScope", "SUBTREE, ONELEVEL or BASE, not "+strconv.Quote(scope))
			}
			c.SearchDNs = append(c.SearchDNs, s)
		}
	case string: // a single DN, as a convenience
		if strings.TrimSpace(v) != "" {
			c.SearchDNs = []SearchDN{{DN: v, Scope: ScopeSubtree}}
		}
	default:
		return nil, ill("searchDNs", `a list of {"searchDN", "iterateSearchFilter", "searchScope"}`)
	}
	return c, nil
}

// domainSettings takes the connection of an Active Directory source from its
// first domainSettings entry when the top-level host is not set (ISC's form).
func (c *DirectoryConfig) domainSettings(a map[string]any) error {
	list, ok := a["domainSettings"].([]any)
	if !ok || len(list) == 0 {
		return nil
	}
	d, ok := list[0].(map[string]any)
	if !ok {
		return Errorf(EILLEGAL, "connectorAttributes.domainSettings[0] must be an object")
	}
	servers, err := attrStrings(d, "servers")
	if err != nil {
		return Errorf(EILLEGAL, "connectorAttributes.domainSettings[0].servers must be a list of host names")
	}
	if len(servers) > 0 {
		c.Host = servers[0]
	}
	if c.User == "" {
		c.User, _ = d["user"].(string)
	}
	if c.Password == "" {
		c.Password, _ = d["password"].(string)
	}
	if p, err := attrInt(d, "port"); err == nil && p > 0 && c.Port == 0 {
		c.Port = p
	}
	if b, err := attrBool(d, "useSSL"); err == nil && b {
		c.UseSSL = true
	}
	return nil
}

// Complete reports what the configuration still lacks to connect and search:
// EMISSING naming the attribute.
func (c *DirectoryConfig) Complete() error {
	switch {
	case c.Host == "":
		return Errorf(EMISSING, "connectorAttributes.host (the directory server) is not set")
	case len(c.SearchDNs) == 0:
		return Errorf(EMISSING, "connectorAttributes.searchDNs is not set: give at least one "+
			`{"searchDN": "ou=...,dc=...", "iterateSearchFilter": "(objectClass=...)", "searchScope": "SUBTREE"}`)
	case !c.Anonymous && c.User == "":
		return Errorf(EMISSING, `connectorAttributes.user (the bind DN) is not set; set authorizationType "none" for an anonymous bind`)
	case !c.Anonymous && c.Password == "":
		return Errorf(EMISSING, "connectorAttributes.password (the bind password) is not set")
	}
	return nil
}

// Address is host:port, with the default port when none is set.
func (c *DirectoryConfig) Address() string {
	port := c.Port
	if port == 0 {
		port = 389
		if c.UseSSL {
			port = 636
		}
	}
	h := c.Host
	if strings.Contains(h, ":") && !strings.HasPrefix(h, "[") {
		h = "[" + h + "]"
	}
	return h + ":" + strconv.Itoa(port)
}

func parseScope(s string) (string, bool) {
	switch strings.ToUpper(strings.NewReplacer("_", "", " ", "", "-", "").Replace(s)) {
	case "", "SUBTREE", "SUB":
		return ScopeSubtree, true
	case "ONELEVEL", "ONE":
		return ScopeOneLevel, true
	case "BASE", "OBJECT":
		return ScopeBase, true
	}
	return "", false
}

func attrString(m map[string]any, k string) (string, error) {
	switch v := m[k].(type) {
	case nil:
		return "", nil
	case string:
		return strings.TrimSpace(v), nil
	}
	return "", Errorf(EILLEGAL, "%s", k)
}

func attrInt(m map[string]any, k string) (int, error) {
	switch v := m[k].(type) {
	case nil:
		return 0, nil
	case float64:
		if v != math.Trunc(v) || v > math.MaxInt32 || v < math.MinInt32 {
			return 0, Errorf(EILLEGAL, "%s", k)
		}
		return int(v), nil
	case int:
		return v, nil
	case string:
		if strings.TrimSpace(v) == "" {
			return 0, nil
		}
		return strconv.Atoi(strings.TrimSpace(v))
	}
	return 0, Errorf(EILLEGAL, "%s", k)
}

func attrBool(m map[string]any, k string) (bool, error) {
	switch v := m[k].(type) {
	case nil:
		return false, nil
	case bool:
		return v, nil
	case string:
		if strings.TrimSpace(v) == "" {
			return false, nil
		}
		return strconv.ParseBool(strings.TrimSpace(v))
	}
	return false, Errorf(EILLEGAL, "%s", k)
}

func attrStrings(m map[string]any, k string) ([]string, error) {
	switch v := m[k].(type) {
	case nil:
		return nil, nil
	case string:
		var out []string
		for _, s := range strings.Split(v, ",") {
			if s = strings.TrimSpace(s); s != "" {
				out = append(out, s)
			}
		}
		return out, nil
	case []any:
		out := make([]string, 0, len(v))
		for _, e := range v {
			s, ok := e.(string)
			if !ok || strings.TrimSpace(s) == "" {
				return nil, Errorf(EILLEGAL, "%s", k)
			}
			out = append(out, strings.TrimSpace(s))
		}
		return out, nil
	}
	return nil, Errorf(EILLEGAL, "%s", k)
}

// ConnectionTest is the outcome of testing a source's connection.
type ConnectionTest struct {
	OK bool
	// Step names what failed: "configuration", "connect", "tls", "bind" or
	// "search" ("" when OK).
	Step    string
	Message string
	// Details are facts learned on the way (server, entries found under each
	// search DN), for display.
	Details map[string]any
}

// AccountReader streams the accounts of one aggregation, one at a time.
type AccountReader interface {
	// Next returns the next account, or io.EOF after the last one. An error
	// names its cause; nothing read before it is applied.
	Next() (*StagedAccount, error)
	Close() error
}

// Connector reaches the system behind a direct source (a directory) to test
// the connection and to read its accounts for an aggregation.
type Connector interface {
	TestConnection(ctx context.Context, src *Source) *ConnectionTest
	// ReadAccounts starts reading src's accounts; EILLEGAL or EUNAVAILABLE
	// errors name what is wrong with the source or the system.
	ReadAccounts(ctx context.Context, src *Source) (AccountReader, error)
}
