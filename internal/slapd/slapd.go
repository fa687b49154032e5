// Package slapd runs a throwaway OpenLDAP server (Debian's slapd) for tests,
// benchmarks and trials: its configuration and database live under a folder
// of the caller's, it listens on free loopback ports (plain with StartTLS, and
// LDAPS when TLS is asked for, under a CA it makes), and it carries the Active
// Directory schema of testdata/ad.schema. Entries are loaded with slapadd
// before the server starts, which is quick even for 100,000 of them.
package slapd

import (
	"bytes"
	"context"
	"crypto/rand"
	_ "embed"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/go-ldap/ldap/v3"
)

// BaseDN is the suffix of the directory.
const BaseDN = "dc=mica,dc=test"

// Accounts of the directory besides the admin (rootdn). Reader may read
// everything; as on Active Directory (MaxPageSize), a search of it returns at
// most ReaderSize entries unless it is paged. Limited may read everything but
// is cut off at LimitedSize entries, paged or not.
const (
	AdminDN     = "cn=admin," + BaseDN
	ReaderDN    = "cn=reader," + BaseDN
	LimitedDN   = "cn=limited," + BaseDN
	LimitedSize = 50
	ReaderSize  = 1000
)

// PartnersDN is a referral entry to another directory (ldap://partner.invalid/):
// a search through it gets a continuation reference.
const PartnersDN = "ou=Partners," + BaseDN

//go:embed testdata/ad.schema
var adSchema []byte

// Env names the slapd binary to use; scripts/with-slapd sets it after
// installing Debian's slapd. Tests fail instead of skipping when it is set
// and slapd cannot run.
const Env = "MICA_TEST_SLAPD"

// Binary returns the path of slapd: $MICA_TEST_SLAPD, else /usr/sbin/slapd,
// else slapd on PATH.
func Binary() (string, error) {
	if p := os.Getenv(Env); p != "" && p != "1" {
		return p, nil
	}
	for _, p := range []string{"/usr/sbin/slapd", "/usr/local/sbin/slapd"} {
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
	}
	return exec.LookPath("slapd")
}

// Options configure a server.
type Options struct {
	// Dir holds the configuration, the database and the log; it must exist.
	Dir string
	// Seed writes the LDIF of the entries to load besides the base ones
	// (BaseEntries); nil for none.
	Seed func(w io.Writer) error
	// TLS makes a CA and a server certificate for 127.0.0.1 and localhost,
	// and listens for LDAPS too; StartTLS works on the plain port.
	TLS bool
	// ReaderPassword is the password of ReaderDN (and LimitedDN, AdminDN);
	// random when "".
	ReaderPassword string
}

// Server is a running slapd.
type Server struct {
	Host     string // 127.0.0.1
	Port     int    // plain LDAP (and StartTLS when TLS)
	TLSPort  int    // LDAPS, 0 without TLS
	CAPEM    []byte // the CA that signed the server certificate (TLS)
	Password string // of ReaderDN, LimitedDN and AdminDN
	Dir      string

	conf string
	cmd  *exec.Cmd
	done chan struct{}
}

// Start writes the configuration, loads the entries and starts slapd.
func Start(ctx context.Context, o Options) (*Server, error) {
	bin, err := Binary()
	if err != nil {
		return nil, fmt.Errorf("slapd is not installed (Debian's package slapd; scripts/with-slapd installs it): %w", err)
	}
	s := &Server{Host: "127.0.0.1", Dir: o.Dir, Password: o.ReaderPassword, conf: filepath.Join(o.Dir, "slapd.conf")}
	if s.Password == "" {
		var b [12]byte
		_, _ = rand.Read(b[:])
		s.Password = "pw-" + hex.EncodeToString(b[:])
	}
	if err := os.MkdirAll(filepath.Join(o.Dir, "db"), 0o700); err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(o.Dir, "ad.schema"), adSchema, 0o600); err != nil {
		return nil, err
	}
	if o.TLS {
		if s.CAPEM, err = writeCertificates(o.Dir); err != nil {
			return nil, err
		}
	}
	if err := os.WriteFile(s.conf, []byte(s.config(o.TLS)), 0o600); err != nil {
		return nil, err
	}
	if err := s.load(ctx, bin, o.Seed); err != nil {
		return nil, err
	}
	var last error
	for range 5 { // a free port may be taken between the probe and slapd's bind: try others
		s.Port = freePort()
		if o.TLS {
			s.TLSPort = freePort()
		}
		if last = s.run(ctx, bin); last == nil {
			return s, nil
		}
	}
	return nil, last
}

// URL is the plain ldap:// URL.
func (s *Server) URL() string { return "ldap://" + net.JoinHostPort(s.Host, strconv.Itoa(s.Port)) }

// TLSURL is the ldaps:// URL ("" without TLS).
func (s *Server) TLSURL() string {
	if s.TLSPort == 0 {
		return ""
	}
	return "ldaps://" + net.JoinHostPort(s.Host, strconv.Itoa(s.TLSPort))
}

func (s *Server) config(tls bool) string {
	var b strings.Builder
	for _, f := range []string{"core", "cosine", "inetorgperson"} {
		fmt.Fprintf(&b, "include /etc/ldap/schema/%s.schema\n", f)
	}
	fmt.Fprintf(&b, "include %s\n", filepath.Join(s.Dir, "ad.schema"))
	if _, err := os.Stat("/usr/lib/ldap/back_mdb.so"); err == nil {
		b.WriteString("modulepath /usr/lib/ldap\nmoduleload back_mdb\n")
	}
	fmt.Fprintf(&b, "pidfile %s\nargsfile %s\n", filepath.Join(s.Dir, "slapd.pid"), filepath.Join(s.Dir, "slapd.args"))
	b.WriteString("referral ldap://referral.invalid/\n")
	if tls {
		fmt.Fprintf(&b, "TLSCACertificateFile %s\nTLSCertificateFile %s\nTLSCertificateKeyFile %s\n",
			filepath.Join(s.Dir, "ca.pem"), filepath.Join(s.Dir, "server.pem"), filepath.Join(s.Dir, "server.key"))
	}
	fmt.Fprintf(&b, `database mdb
suffix %q
rootdn %q
rootpw %s
directory %s
maxsize 4294967296
dbnosync
limits dn.exact=%q size.soft=%d size.hard=%d size.prtotal=unlimited time=unlimited
limits dn.exact=%q size.soft=%d size.hard=%d size.prtotal=%d
access to attrs=userPassword by anonymous auth by * none
access to * by dn.exact=%q read by dn.exact=%q read by * none
`, BaseDN, AdminDN, s.Password, filepath.Join(s.Dir, "db"), ReaderDN, ReaderSize, ReaderSize, LimitedDN, LimitedSize, LimitedSize, LimitedSize,
		ReaderDN, LimitedDN)
	return b.String()
}

// BaseEntries is the LDIF of the suffix, the reader accounts, the OUs the
// generated entries go to (ADOUs) and the referral entry PartnersDN.
func (s *Server) BaseEntries() string {
	var b strings.Builder
	fmt.Fprintf(&b, "dn: %s\nobjectClass: top\nobjectClass: dcObject\nobjectClass: organization\no: mica\ndc: mica\n\n", BaseDN)
	for _, dn := range []string{ReaderDN, LimitedDN} {
		cn := strings.TrimPrefix(strings.Split(dn, ",")[0], "cn=")
		fmt.Fprintf(&b, "dn: %s\nobjectClass: person\ncn: %s\nsn: %s\nuserPassword: %s\n\n", dn, cn, cn, s.Password)
	}
	for _, ou := range ADOUs {
		fmt.Fprintf(&b, "dn: ou=%s,%s\nobjectClass: organizationalUnit\nou: %s\n\n", ou, BaseDN, ou)
	}
	fmt.Fprintf(&b, "dn: %s\nobjectClass: referral\nobjectClass: extensibleObject\nou: Partners\n"+
		"ref: ldap://partner.invalid/ou=Partners,dc=partner,dc=test\n\n", PartnersDN)
	return b.String()
}

// load runs slapadd on the base entries and the seed, streamed through a pipe.
func (s *Server) load(ctx context.Context, bin string, seed func(io.Writer) error) error {
	slapadd := filepath.Join(filepath.Dir(bin), "slapadd")
	if _, err := os.Stat(slapadd); err != nil {
		slapadd = "slapadd"
	}
	cmd := exec.CommandContext(ctx, slapadd, "-q", "-f", s.conf)
	in, err := cmd.StdinPipe()
	if err != nil {
		return err
	}
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("slapadd: %w", err)
	}
	werr := func() error {
		defer func() { _ = in.Close() }()
		if _, err := io.WriteString(in, s.BaseEntries()); err != nil {
			return err
		}
		if seed != nil {
			return seed(in)
		}
		return nil
	}()
	if err := cmd.Wait(); err != nil {
		return fmt.Errorf("slapadd: %w: %s", err, out.String())
	}
	if werr != nil {
		return fmt.Errorf("slapadd: writing the entries: %w", werr)
	}
	return nil
}

// run starts slapd on s's ports and waits until the reader can bind.
func (s *Server) run(ctx context.Context, bin string) error {
	urls := s.URL() + "/"
	if s.TLSPort != 0 {
		urls += " " + s.TLSURL() + "/"
	}
	log, err := os.OpenFile(filepath.Join(s.Dir, "slapd.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return err
	}
	// -d 0: stay in the foreground (so that the process is ours to kill), log nothing but failures.
	cmd := exec.Command(bin, "-f", s.conf, "-h", urls, "-d", "0")
	cmd.Stdout, cmd.Stderr = log, log
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL} // never outlive the test process
	if err := cmd.Start(); err != nil {
		_ = log.Close()
		return fmt.Errorf("start slapd: %w", err)
	}
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); _ = log.Close(); close(done) }()
	s.cmd, s.done = cmd, done
	deadline := time.Now().Add(30 * time.Second)
	for {
		select {
		case <-done:
			b, _ := os.ReadFile(filepath.Join(s.Dir, "slapd.log"))
			return fmt.Errorf("slapd exited at start: %s", lastLines(string(b), 5))
		case <-ctx.Done():
			_ = s.Kill()
			return ctx.Err()
		default:
		}
		if err := s.ping(); err == nil {
			return nil
		} else if time.Now().After(deadline) {
			_ = s.Kill()
			return fmt.Errorf("slapd did not answer within 30 s: %w", err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func (s *Server) ping() error {
	c, err := ldap.DialURL(s.URL(), ldap.DialWithDialer(&net.Dialer{Timeout: time.Second}))
	if err != nil {
		return err
	}
	defer func() { _ = c.Close() }()
	return c.Bind(ReaderDN, s.Password)
}

// Admin returns a connection bound as the admin (rootdn), to change entries.
func (s *Server) Admin() (*ldap.Conn, error) {
	c, err := ldap.DialURL(s.URL())
	if err != nil {
		return nil, err
	}
	if err := c.Bind(AdminDN, s.Password); err != nil {
		_ = c.Close()
		return nil, err
	}
	return c, nil
}

// PID is slapd's process id (0 when it is not running).
func (s *Server) PID() int {
	if s.cmd == nil {
		return 0
	}
	return s.cmd.Process.Pid
}

// Kill ends slapd at once (SIGKILL), as a crash would, and waits for it.
func (s *Server) Kill() error {
	if s.cmd == nil {
		return nil
	}
	_ = s.cmd.Process.Signal(syscall.SIGKILL)
	<-s.done
	s.cmd = nil
	return nil
}

// Stop ends slapd (SIGTERM, then SIGKILL after 10 s) and waits for it.
func (s *Server) Stop() error {
	if s.cmd == nil {
		return nil
	}
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.done:
	case <-time.After(10 * time.Second):
		_ = s.cmd.Process.Signal(syscall.SIGKILL)
		<-s.done
	}
	s.cmd = nil
	return nil
}

// Restart starts a stopped or killed server again on its ports and data.
func (s *Server) Restart(ctx context.Context) error {
	if s.cmd != nil {
		return errors.New("slapd is running")
	}
	bin, err := Binary()
	if err != nil {
		return err
	}
	return s.run(ctx, bin)
}

func freePort() int {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0
	}
	defer func() { _ = ln.Close() }()
	return ln.Addr().(*net.TCPAddr).Port
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, " | ")
}
