package slapd

import (
	"bufio"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
)

// ADOUs are the containers under BaseDN that generated entries go to.
var ADOUs = []string{"People", "Service Accounts", "Computers", "Managed Service Accounts"}

// Kinds of generated entries.
const (
	KindUser     = "user"     // a person, in ou=People
	KindService  = "service"  // a service account (a user with SPNs, password never expires)
	KindComputer = "computer" // a computer account
	KindGMSA     = "gmsa"     // a group managed service account
)

// Entry is one generated Active Directory-like account. Zero times and
// FILETIMEs of 0 are written as AD writes "never".
type Entry struct {
	DN, OU, Kind, CN, SAM string
	ObjectClass           []string
	UAC                   int
	SPNs                  []string
	PwdLastSet            int64 // FILETIME; 0: must change at next logon
	LastLogonTimestamp    int64 // FILETIME; 0: never logged on (the attribute is absent)
	AccountExpires        int64 // FILETIME; 0 or NeverExpires: never
	LockoutTime           int64 // FILETIME; 0: not locked (absent)
	WhenCreated           time.Time
	GUID                  [16]byte
	SID                   []byte
	MemberOf              []string
	DisplayName, Mail     string
	Description           string
	DNSHostName           string
	Photo                 []byte // thumbnailPhoto: binary, which mica leaves out
}

// NeverExpires is accountExpires' "never" besides 0.
const NeverExpires int64 = 9223372036854775807

// FileTime is t as a Windows FILETIME (100-ns intervals since 1601-01-01 UTC).
func FileTime(t time.Time) int64 {
	return (t.Unix()+11644473600)*10_000_000 + int64(t.Nanosecond()/100)
}

var (
	createdBase = time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
	pwdBase     = time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	logonBase   = time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC)
	expiryBase  = time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
)

// DomainSID is the domain part of the generated objectSids.
const DomainSID = "S-1-5-21-1004336348-1177238915-682003330"

// ADEntry returns generated entry i: of every 20, 12 are people, 3 service
// accounts, 4 computers and 1 a gMSA.
func ADEntry(i int) Entry {
	e := Entry{WhenCreated: createdBase.Add(time.Duration(i) * time.Minute)}
	for k := range e.GUID {
		e.GUID[k] = byte(i>>(8*(k%4))) ^ byte(k*17)
	}
	e.SID = sidBytes(1000 + i)
	e.PwdLastSet = FileTime(pwdBase.Add(time.Duration(i) * time.Minute))
	if i%7 != 0 {
		e.LastLogonTimestamp = FileTime(logonBase.Add(time.Duration(i) * time.Second))
	}
	e.AccountExpires = NeverExpires
	switch r := i % 20; {
	case r < 12:
		e.Kind, e.OU, e.CN, e.SAM = KindUser, "People", fmt.Sprintf("User %06d", i), fmt.Sprintf("u%06d", i)
		e.ObjectClass = []string{"top", "person", "organizationalPerson", "user"}
		e.UAC = 512
		if i%50 == 1 {
			e.UAC = 514 // disabled
		}
		e.DisplayName, e.Mail = e.CN, e.SAM+"@mica.test"
		if i%1000 == 5 {
			e.DisplayName = "Zoë Ångström " + strconv.Itoa(i)
		}
		if i%3 == 0 {
			e.MemberOf = []string{"cn=Staff,ou=Groups," + BaseDN, "cn=VPN Users,ou=Groups," + BaseDN}
		}
		switch i % 10 {
		case 0:
			e.AccountExpires = FileTime(expiryBase.Add(time.Duration(i) * time.Hour))
		case 1:
			e.AccountExpires = 0
		}
		if i%97 == 0 {
			e.PwdLastSet = 0
		}
		if i%200 == 3 {
			e.LockoutTime = FileTime(logonBase.Add(time.Duration(i) * time.Minute))
		}
		if i%100 == 0 {
			e.Photo = []byte{0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 'J', 'F', 'I', 'F', 0x00, 0x01, byte(i)}
		}
	case r < 15:
		e.Kind, e.OU, e.CN, e.SAM = KindService, "Service Accounts", fmt.Sprintf("svc-app%06d", i), fmt.Sprintf("svc_app%06d", i)
		e.ObjectClass = []string{"top", "person", "organizationalPerson", "user"}
		e.UAC = 66048 // NORMAL_ACCOUNT | DONT_EXPIRE_PASSWORD
		e.SPNs = []string{fmt.Sprintf("HTTP/app%06d.mica.test", i)}
		if i%2 == 0 {
			e.SPNs = append(e.SPNs, fmt.Sprintf("MSSQLSvc/db%06d.mica.test:1433", i))
		}
		e.Description = fmt.Sprintf("Service account of application %d", i)
		e.MemberOf = []string{"cn=Service Owners,ou=Groups," + BaseDN}
	case r < 19:
		e.Kind, e.OU, e.CN, e.SAM = KindComputer, "Computers", fmt.Sprintf("WS%06d", i), fmt.Sprintf("WS%06d$", i)
		e.ObjectClass = []string{"top", "person", "organizationalPerson", "user", "computer"}
		e.UAC = 4096 // WORKSTATION_TRUST_ACCOUNT
		e.DNSHostName = strings.ToLower(fmt.Sprintf("ws%06d.mica.test", i))
		e.SPNs = []string{"HOST/" + e.DNSHostName}
	default:
		e.Kind, e.OU, e.CN, e.SAM = KindGMSA, "Managed Service Accounts", fmt.Sprintf("gmsa%06d", i), fmt.Sprintf("gmsa%06d$", i)
		e.ObjectClass = []string{"top", "person", "organizationalPerson", "user", "computer", "msDS-GroupManagedServiceAccount"}
		e.UAC = 4096
		e.SPNs = []string{fmt.Sprintf("HTTP/web%06d.mica.test", i)}
		e.DNSHostName = fmt.Sprintf("gmsa%06d.mica.test", i)
	}
	e.DN = "cn=" + e.CN + ",ou=" + e.OU + "," + BaseDN
	return e
}

// GUIDString is the usual string form of the entry's objectGUID.
func (e Entry) GUIDString() string {
	g := e.GUID
	return fmt.Sprintf("%08x-%04x-%04x-%x-%x", binary.LittleEndian.Uint32(g[0:4]), binary.LittleEndian.Uint16(g[4:6]),
		binary.LittleEndian.Uint16(g[6:8]), g[8:10], g[10:16])
}

func sidBytes(rid int) []byte {
	subs := []uint32{21, 1004336348, 1177238915, 682003330, uint32(rid)}
	b := []byte{1, byte(len(subs)), 0, 0, 0, 0, 0, 5}
	for _, s := range subs {
		b = binary.LittleEndian.AppendUint32(b, s)
	}
	return b
}

// LDIF is the entry in LDIF, ending with a blank line.
func (e *Entry) LDIF() string {
	var b strings.Builder
	put := func(name, v string) {
		if safeLDIF(v) {
			b.WriteString(name + ": " + v + "\n")
		} else {
			b.WriteString(name + ":: " + base64.StdEncoding.EncodeToString([]byte(v)) + "\n")
		}
	}
	putInt := func(name string, v int64) { b.WriteString(name + ": " + strconv.FormatInt(v, 10) + "\n") }
	put("dn", e.DN)
	for _, oc := range e.ObjectClass {
		put("objectClass", oc)
	}
	put("cn", e.CN)
	put("sn", e.CN)
	put("sAMAccountName", e.SAM)
	put("userPrincipalName", strings.TrimSuffix(e.SAM, "$")+"@mica.test")
	putInt("userAccountControl", int64(e.UAC))
	putInt("pwdLastSet", e.PwdLastSet)
	if e.LastLogonTimestamp != 0 {
		putInt("lastLogonTimestamp", e.LastLogonTimestamp)
	}
	putInt("accountExpires", e.AccountExpires)
	if e.LockoutTime != 0 {
		putInt("lockoutTime", e.LockoutTime)
	}
	put("whenCreated", e.WhenCreated.UTC().Format("20060102150405")+".0Z")
	put("objectGUID", string(e.GUID[:]))
	put("objectSid", string(e.SID))
	for _, spn := range e.SPNs {
		put("servicePrincipalName", spn)
	}
	for _, g := range e.MemberOf {
		put("memberOf", g)
	}
	for name, v := range map[string]string{"displayName": e.DisplayName, "mail": e.Mail, "description": e.Description,
		"dNSHostName": e.DNSHostName} {
		if v != "" {
			put(name, v)
		}
	}
	if e.Photo != nil {
		put("thumbnailPhoto", string(e.Photo))
	}
	b.WriteString("\n")
	return b.String()
}

// safeLDIF reports whether v may be written as a plain LDIF value (RFC 2849 SAFE-STRING).
func safeLDIF(v string) bool {
	if v == "" {
		return true
	}
	if c := v[0]; c == ' ' || c == ':' || c == '<' {
		return false
	}
	if v[len(v)-1] == ' ' {
		return false
	}
	for i := 0; i < len(v); i++ {
		if c := v[i]; c == 0 || c == '\n' || c == '\r' || c >= 0x80 {
			return false
		}
	}
	return true
}

// WriteAD writes generated entries from to from+n-1 as LDIF (a Seed).
func WriteAD(from, n int) func(w io.Writer) error {
	return func(w io.Writer) error {
		bw := bufio.NewWriterSize(w, 256<<10)
		for i := from; i < from+n; i++ {
			e := ADEntry(i)
			if _, err := bw.WriteString(e.LDIF()); err != nil {
				return err
			}
		}
		return bw.Flush()
	}
}
