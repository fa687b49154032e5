package directory

import (
	"encoding/binary"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/go-ldap/ldap/v3"
	"github.com/micahq/mica"
)

// How entry attributes become account attributes. Names are matched without
// regard to case; an account attribute keeps the name the directory returned.
var (
	// fileTimeAttrs hold Windows FILETIMEs (100-ns intervals since 1601),
	// written as ISO 8601; 0 and the largest value mean never: null.
	fileTimeAttrs = lowerSet("pwdLastSet", "lastLogonTimestamp", "lastLogon", "lastLogoff", "accountExpires",
		"lockoutTime", "badPasswordTime", "msDS-LastSuccessfulInteractiveLogonTime",
		"msDS-LastFailedInteractiveLogonTime", "msDS-UserPasswordExpiryTimeComputed")
	// generalizedTimeAttrs hold GeneralizedTime, written as ISO 8601; a
	// value in 1601 (Active Directory's never) is null.
	generalizedTimeAttrs = lowerSet("whenCreated", "whenChanged", "createTimestamp", "modifyTimestamp",
		"pwdChangedTime", "pwdAccountLockedTime", "pwdLastSuccess", "msDS-LastKnownRDN-Time")
	// integerAttrs are written as JSON numbers (float64, as JSON reads them
	// back: whole numbers below 2^53 are exact).
	integerAttrs = lowerSet("userAccountControl", "msDS-User-Account-Control-Computed", "sAMAccountType",
		"primaryGroupID", "adminCount", "logonCount", "badPwdCount", "msDS-SupportedEncryptionTypes",
		"msDS-ManagedPasswordInterval", "uidNumber", "gidNumber")
	// multiValuedAttrs are lists even with one value; any other attribute is
	// a list when the entry has several values of it.
	multiValuedAttrs = lowerSet("objectClass", "servicePrincipalName", "memberOf", "member", "msDS-AllowedToDelegateTo",
		"proxyAddresses", "otherMailbox", "userWorkstations", "sIDHistory", "otherTelephone", "url", "dSCorePropagationData")
	// omittedAttrs are binary or secret and never become account attributes.
	omittedAttrs = lowerSet("userPassword", "unicodePwd", "dBCSPwd", "ntPwdHistory", "lmPwdHistory",
		"supplementalCredentials", "msDS-ManagedPassword", "msDS-KeyCredentialLink", "nTSecurityDescriptor",
		"thumbnailPhoto", "jpegPhoto", "photo", "userCertificate", "userSMIMECertificate", "cACertificate",
		"msExchMailboxGuid", "msExchMailboxSecurityDescriptor", "mS-DS-ConsistencyGuid", "logonHours",
		"msDS-GenerationId", "tokenGroups", "audio", "userPKCS12")
)

func lowerSet(names ...string) map[string]bool {
	m := make(map[string]bool, len(names))
	for _, n := range names {
		m[strings.ToLower(n)] = true
	}
	return m
}

// mapper turns entries into accounts. It is used by one goroutine.
type mapper struct {
	ad       bool
	identity string   // lower-case attribute of the account id; "" for the DN
	display  []string // lower-case attributes of the name, the first present wins
	lower    map[string]string
}

func newMapper(cfg *mica.DirectoryConfig) *mapper {
	m := &mapper{ad: cfg.Kind == mica.ConnectorActiveDirectory, identity: strings.ToLower(cfg.IdentityAttribute),
		lower: map[string]string{}}
	switch {
	case cfg.DisplayAttribute != "":
		m.display = []string{strings.ToLower(cfg.DisplayAttribute)}
	case m.ad:
		m.display = []string{"samaccountname", "cn"}
	default:
		m.display = []string{"uid", "cn"}
	}
	return m
}

// lowerName is name in lower case, remembered: entries repeat the same names.
func (m *mapper) lowerName(name string) string {
	l, ok := m.lower[name]
	if !ok {
		l = strings.ToLower(name)
		m.lower[name] = l
	}
	return l
}

// account maps one entry. The id is the DN (or identityAttribute's value),
// the name the display attribute (the DN when the entry lacks it).
func (m *mapper) account(e *ldap.Entry) (*mica.StagedAccount, error) {
	attrs := make(map[string]any, len(e.Attributes)+1)
	var id, uac, lockout, locked any
	names := make([]any, len(m.display))
	hasDN := false
	for _, a := range e.Attributes {
		l := m.lowerName(a.Name)
		v, ok := value(a, l)
		if !ok {
			continue
		}
		attrs[a.Name] = v
		switch l {
		case m.identity:
			id = v
		case "useraccountcontrol":
			uac = v
		case "lockouttime":
			lockout = v
		case "pwdaccountlockedtime":
			locked = v
		case "distinguishedname":
			hasDN = true
		}
		for i, d := range m.display {
			if l == d {
				names[i] = v
			}
		}
	}
	if !hasDN {
		attrs["distinguishedName"] = e.DN
	}
	a := &mica.StagedAccount{NativeIdentity: e.DN, Attributes: attrs}
	if m.identity != "" {
		s, ok := asString(id)
		if !ok {
			return nil, mica.Errorf(mica.EILLEGAL, "the entry %q has no value of %s, the source's identityAttribute (the account id)",
				e.DN, m.identity)
		}
		a.NativeIdentity = s
	}
	for _, n := range names {
		if s, ok := asString(n); ok {
			a.Name = s
			break
		}
	}
	if a.Name == "" {
		a.Name = e.DN
	}
	if m.ad {
		if n, ok := uac.(float64); ok {
			a.Disabled = int64(n)&0x2 != 0 // ACCOUNTDISABLE
		}
		_, a.Locked = lockout.(string) // a lockout time is set (not 0)
	} else {
		a.Locked = locked != nil
	}
	return a, nil
}

// value maps one attribute; false to leave it out (binary, secret, no values).
func value(a *ldap.EntryAttribute, name string) (any, bool) {
	if i := strings.IndexByte(name, ';'); i >= 0 { // options: ;binary, ;range=...
		if strings.Contains(name[i:], "binary") {
			return nil, false
		}
		name = name[:i]
	}
	if omittedAttrs[name] || len(a.ByteValues) == 0 {
		return nil, false
	}
	vals := make([]any, 0, len(a.ByteValues))
	for _, b := range a.ByteValues {
		var v any
		switch {
		case name == "objectguid":
			if len(b) != 16 {
				return nil, false
			}
			v = guidString(b)
		case name == "objectsid" || name == "sidhistory":
			s, ok := sidString(b)
			if !ok {
				return nil, false
			}
			v = s
		case !utf8.Valid(b):
			return nil, false // binary
		case fileTimeAttrs[name]:
			v = fileTime(string(b))
		case generalizedTimeAttrs[name]:
			v = generalizedTime(string(b))
		case integerAttrs[name]:
			if n, err := strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64); err == nil && n > -1<<53 && n < 1<<53 {
				v = float64(n)
			} else {
				v = string(b)
			}
		default:
			v = string(b)
		}
		vals = append(vals, v)
	}
	if len(vals) == 1 && !multiValuedAttrs[name] {
		return vals[0], true
	}
	return vals, true
}

// fileTime is a FILETIME as ISO 8601 (UTC, milliseconds), nil for never.
func fileTime(s string) any {
	n, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
	if err != nil {
		return s // not a number: as the directory wrote it
	}
	if n <= 0 || n == math.MaxInt64 {
		return nil
	}
	const epochDiff = 11644473600 // seconds from 1601-01-01 to 1970-01-01
	t := time.Unix(n/10_000_000-epochDiff, (n%10_000_000)*100).UTC()
	return t.Format(isoMillis)
}

const isoMillis = "2006-01-02T15:04:05.000Z"

// generalizedTime is a GeneralizedTime as ISO 8601, nil for 1601 (never).
func generalizedTime(s string) any {
	s = strings.TrimSpace(s)
	for _, layout := range []string{"20060102150405Z0700", "200601021504Z0700", "2006010215Z0700"} {
		if t, err := time.Parse(layout, s); err == nil {
			if t.Year() <= 1601 {
				return nil
			}
			return t.UTC().Format(isoMillis)
		}
	}
	return s
}

// guidString is an objectGUID in its usual form: the first three groups are
// little-endian (Microsoft's GUID layout), the last two bytes as they are.
func guidString(b []byte) string {
	return fmt.Sprintf("%08x-%04x-%04x-%x-%x", binary.LittleEndian.Uint32(b[0:4]), binary.LittleEndian.Uint16(b[4:6]),
		binary.LittleEndian.Uint16(b[6:8]), b[8:10], b[10:16])
}

// sidString is a binary SID in its S-1-5-21-... form.
func sidString(b []byte) (string, bool) {
	if len(b) < 8 || len(b) != 8+4*int(b[1]) {
		return "", false
	}
	var auth uint64
	for _, c := range b[2:8] {
		auth = auth<<8 | uint64(c)
	}
	var sb strings.Builder
	fmt.Fprintf(&sb, "S-%d-%d", b[0], auth)
	for i := 0; i < int(b[1]); i++ {
		fmt.Fprintf(&sb, "-%d", binary.LittleEndian.Uint32(b[8+4*i:]))
	}
	return sb.String(), true
}

func asString(v any) (string, bool) {
	switch v := v.(type) {
	case string:
		return v, v != ""
	case []any:
		if len(v) > 0 {
			if s, ok := v[0].(string); ok && s != "" {
				return s, true
			}
		}
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64), true
	}
	return "", false
}
