// Package directory reaches Active Directory and LDAP directories for direct
// sources (github.com/go-ldap/ldap/v3): it tests a source's connection and
// reads its accounts with a paged search (the simple paged results control,
// RFC 2696), one page at a time, mapping each entry's attributes to account
// attributes (see attributes.go). Errors name their cause in words a
// directory administrator knows; the bind password is opened only to bind and
// never appears in them.
package directory

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"strings"
	"time"

	"github.com/go-ldap/ldap/v3"
	"github.com/micahq/mica"
)

// Defaults of a connection.
const (
	DefaultDialTimeout    = 10 * time.Second
	DefaultRequestTimeout = 2 * time.Minute
	DefaultPageSizeAD     = 500
	DefaultPageSizeLDAP   = 100 // the ISC LDAP connector's documented default
)

// Connector reads directory sources (mica.Connector).
type Connector struct {
	// Secrets opens the sealed bind password.
	Secrets mica.SecretBox
	// DialTimeout bounds connecting and the TLS handshake (DefaultDialTimeout).
	DialTimeout time.Duration
	// RequestTimeout bounds each request: the bind, each page (DefaultRequestTimeout).
	RequestTimeout time.Duration
}

var _ mica.Connector = (*Connector)(nil)

// stepError is a failure at one step of reaching the directory.
type stepError struct {
	step string // connect, tls, bind, search, configuration
	err  error  // a *mica.Error
}

func (e *stepError) Error() string { return e.err.Error() }
func (e *stepError) Unwrap() error { return e.err }

func fail(step, code, format string, args ...any) error {
	return &stepError{step: step, err: mica.Errorf(code, format, args...)}
}

// config reads and completes src's configuration, and opens its password.
func (c *Connector) config(src *mica.Source) (*mica.DirectoryConfig, string, error) {
	cfg, err := mica.DirectoryConfigOf(src)
	if err == nil {
		err = cfg.Complete()
	}
	if err != nil {
		return nil, "", &stepError{step: "configuration", err: err}
	}
	for i, s := range cfg.SearchDNs {
		if s.Filter != "" {
			if _, err := ldap.CompileFilter(s.Filter); err != nil {
				return nil, "", fail("configuration", mica.EILLEGAL, "connectorAttributes.searchDNs[%d].iterateSearchFilter "+
					"%q is not a valid LDAP filter: %s", i, s.Filter, ldapText(err))
			}
		}
		if _, err := ldap.ParseDN(s.DN); err != nil {
			return nil, "", fail("configuration", mica.EILLEGAL, "connectorAttributes.searchDNs[%d].searchDN %q is not a valid DN: %s",
				i, s.DN, ldapText(err))
		}
	}
	if cfg.Anonymous {
		return cfg, "", nil
	}
	if c.Secrets == nil {
		return nil, "", fail("configuration", mica.EUNAVAILABLE, "this server has no key to decrypt the bind password")
	}
	pw, err := c.Secrets.Open(cfg.Password)
	if err != nil {
		return nil, "", &stepError{step: "configuration", err: err}
	}
	return cfg, pw, nil
}

// connect dials, secures and binds a connection as cfg says.
func (c *Connector) connect(ctx context.Context, cfg *mica.DirectoryConfig, password string) (*ldap.Conn, error) {
	addr := cfg.Address()
	dialTimeout := c.DialTimeout
	if dialTimeout <= 0 {
		dialTimeout = DefaultDialTimeout
	}
	dctx, cancel := context.WithTimeout(ctx, dialTimeout)
	defer cancel()
	d := &net.Dialer{}
	raw, err := d.DialContext(dctx, "tcp", addr)
	if err != nil {
		return nil, fail("connect", mica.EUNAVAILABLE, "cannot reach the directory at %s: %s", addr, netText(err))
	}
	tcfg, err := tlsConfig(cfg)
	if err != nil {
		_ = raw.Close()
		return nil, err
	}
	var conn *ldap.Conn
	if cfg.UseSSL {
		tc := tls.Client(raw, tcfg)
		if err := tc.HandshakeContext(dctx); err != nil {
			_ = raw.Close()
			return nil, tlsFail(addr, "LDAPS", err)
		}
		conn = ldap.NewConn(tc, true)
	} else {
		conn = ldap.NewConn(raw, false)
	}
	conn.Start()
	timeout := c.RequestTimeout
	if timeout <= 0 {
		timeout = DefaultRequestTimeout
	}
	conn.SetTimeout(timeout)
	if cfg.UseStartTLS {
		if err := conn.StartTLS(tcfg); err != nil {
			_ = conn.Close()
			var le *ldap.Error
			if errors.As(err, &le) && le.ResultCode != ldap.ErrorNetwork {
				return nil, fail("tls", mica.EUNAVAILABLE, "the directory at %s refused StartTLS: %s", addr, ldapText(err))
			}
			return nil, tlsFail(addr, "StartTLS", err)
		}
	}
	if cfg.Anonymous {
		err = conn.UnauthenticatedBind("")
	} else {
		err = conn.Bind(cfg.User, password)
	}
	if err != nil {
		_ = conn.Close()
		if ldap.IsErrorWithCode(err, ldap.ErrorNetwork) {
			return nil, fail("bind", mica.EUNAVAILABLE, "the directory at %s closed the connection at the bind: %s", addr, ldapText(err))
		}
		who := "user " + cfg.User
		if cfg.Anonymous {
			who = "an anonymous bind"
		}
		return nil, fail("bind", mica.EILLEGAL, "the directory at %s refused the bind of %s: %s", addr, who, ldapText(err))
	}
	return conn, nil
}

func tlsConfig(cfg *mica.DirectoryConfig) (*tls.Config, error) {
	host := cfg.Host
	t := &tls.Config{ServerName: strings.Trim(host, "[]"), MinVersion: tls.VersionTLS12}
	if cfg.CACertificate != "" {
		pool, err := x509.SystemCertPool()
		if err != nil || pool == nil {
			pool = x509.NewCertPool()
		}
		if !pool.AppendCertsFromPEM([]byte(cfg.CACertificate)) {
			return nil, fail("configuration", mica.EILLEGAL, "connectorAttributes.caCertificate holds no usable certificate")
		}
		t.RootCAs = pool
	}
	return t, nil
}

func tlsFail(addr, mode string, err error) error {
	hint := ""
	var ua x509.UnknownAuthorityError
	var cv *tls.CertificateVerificationError
	if errors.As(err, &ua) || (errors.As(err, &cv) && errors.As(cv.Err, &ua)) {
		hint = " (set connectorAttributes.caCertificate to the PEM of the CA that signed the directory's certificate)"
	}
	var he x509.HostnameError
	if errors.As(err, &he) {
		hint = " (connectorAttributes.host must be a name or address the certificate is issued for)"
	}
	return fail("tls", mica.EUNAVAILABLE, "TLS (%s) with the directory at %s failed: %s%s", mode, addr, netText(err), hint)
}

// TestConnection connects, binds and looks up each search DN.
func (c *Connector) TestConnection(ctx context.Context, src *mica.Source) *mica.ConnectionTest {
	start := time.Now()
	out := &mica.ConnectionTest{Details: map[string]any{}}
	done := func(err error) *mica.ConnectionTest {
		out.Details["elapsedMillis"] = time.Since(start).Milliseconds()
		if err == nil {
			out.OK = true
			return out
		}
		out.Step, out.Message = "connect", mica.ErrorMessage(err)
		var se *stepError
		if errors.As(err, &se) {
			out.Step = se.step
		}
		return out
	}
	cfg, pw, err := c.config(src)
	if err != nil {
		return done(err)
	}
	out.Details["server"] = cfg.Address()
	out.Details["security"] = map[bool]string{true: "LDAPS", false: "none"}[cfg.UseSSL]
	if cfg.UseStartTLS {
		out.Details["security"] = "StartTLS"
	}
	conn, err := c.connect(ctx, cfg, pw)
	if err != nil {
		return done(err)
	}
	defer func() { _ = conn.Close() }()
	stop := context.AfterFunc(ctx, func() { _ = conn.Close() })
	defer stop()
	var bases []any
	for _, s := range cfg.SearchDNs {
		req := ldap.NewSearchRequest(s.DN, ldap.ScopeBaseObject, ldap.NeverDerefAliases, 1, 0, false,
			"(objectClass=*)", []string{"1.1"}, nil)
		if _, err := conn.Search(req); err != nil {
			return done(searchFail(cfg, s.DN, 0, err))
		}
		bases = append(bases, s.DN)
	}
	out.Details["searchDNs"] = bases
	return done(nil)
}

// searchFail turns a search error after n entries into a clear one.
func searchFail(cfg *mica.DirectoryConfig, base string, n int, err error) error {
	addr := cfg.Address()
	var le *ldap.Error
	if !errors.As(err, &le) { // not an LDAP result: the connection broke (EOF, reset, closed)
		return fail("search", mica.EUNAVAILABLE, "the connection to the directory at %s was lost after %d entries, "+
			"while searching %q: %s", addr, n, base, netText(err))
	}
	switch le.ResultCode {
	case ldap.ErrorNetwork:
		return fail("search", mica.EUNAVAILABLE, "the connection to the directory at %s was lost after %d entries, "+
			"while searching %q: %s", addr, n, base, ldapText(err))
	case ldap.LDAPResultNoSuchObject:
		return fail("search", mica.EILLEGAL, "the search DN %q does not exist in the directory at %s (No Such Object)", base, addr)
	case ldap.LDAPResultSizeLimitExceeded:
		return fail("search", mica.EILLEGAL, "the directory at %s stopped the search of %q at its size limit after %d entries "+
			"(Size Limit Exceeded): raise the size limit of %s on the directory", addr, base, n, cfg.User)
	case ldap.LDAPResultTimeLimitExceeded:
		return fail("search", mica.EILLEGAL, "the directory at %s stopped the search of %q at its time limit after %d entries "+
			"(Time Limit Exceeded)", addr, base, n)
	case ldap.LDAPResultReferral:
		return fail("search", mica.EILLEGAL, "the directory at %s answered the search of %q with a referral to %s: mica does not "+
			"follow referrals; point searchDNs at containers this server holds", addr, base, referralOf(le))
	case ldap.LDAPResultInsufficientAccessRights:
		return fail("search", mica.EILLEGAL, "the directory at %s denied %s the search of %q (Insufficient Access Rights)",
			addr, cfg.User, base)
	case ldap.ErrorFilterCompile, ldap.LDAPResultFilterError:
		return fail("search", mica.EILLEGAL, "the directory at %s rejected the search filter of %q: %s", addr, base, ldapText(err))
	}
	return fail("search", mica.EUNAVAILABLE, "the search of %q at %s failed after %d entries: %s", base, addr, n, ldapText(err))
}

// referralOf reads the referral URLs of an LDAP result (RFC 4511 4.1.10).
func referralOf(le *ldap.Error) string {
	if le.Packet != nil && len(le.Packet.Children) > 1 {
		var urls []string
		for _, ch := range le.Packet.Children[1].Children {
			if ch.Tag == 3 { // [3] Referral
				for _, u := range ch.Children {
					if s, ok := u.Value.(string); ok {
						urls = append(urls, s)
					} else if u.Data != nil {
						urls = append(urls, u.Data.String())
					}
				}
			}
		}
		if len(urls) > 0 {
			return strings.Join(urls, ", ")
		}
	}
	return "another server"
}

// ldapText is an LDAP error's text without go-ldap's "LDAP Result Code" prefix.
func ldapText(err error) string {
	var le *ldap.Error
	if errors.As(err, &le) {
		name := ldap.LDAPResultCodeMap[le.ResultCode]
		msg := ""
		if le.Err != nil {
			msg = le.Err.Error()
		}
		switch {
		case le.ResultCode == ldap.ErrorNetwork:
			return msg
		case msg != "":
			return fmt.Sprintf("%s (%d): %s", name, le.ResultCode, msg)
		}
		return fmt.Sprintf("%s (%d)", name, le.ResultCode)
	}
	return err.Error()
}

// netText is a network error's text without Go's operation prefixes.
func netText(err error) string {
	var oe *net.OpError
	if errors.As(err, &oe) && oe.Err != nil {
		return oe.Err.Error()
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return "timed out"
	}
	return err.Error()
}
