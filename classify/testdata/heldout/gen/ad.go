package main

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"
)

// userAccountControl flags (MS-ADTS 2.2.16).
const (
	uacDisabled          = 0x2
	uacPasswdNotReqd     = 0x20
	uacNormal            = 0x200
	uacWorkstation       = 0x1000
	uacServer            = 0x2000
	uacDontExpire        = 0x10000
	uacSmartcard         = 0x40000
	uacTrustedForDeleg   = 0x80000
	uacNotDelegated      = 0x100000
	uacDontReqPreauth    = 0x400000
	uacTrustedToAuthDele = 0x1000000
)

// Categories (docs/discovery-labels.md).
const (
	catComputer    = "computer"
	catGMSA        = "gmsa_smsa"
	catService     = "service"
	catIntegration = "application_integration"
	catBot         = "bot_rpa"
	catMailbox     = "shared_resource_mailbox"
	catTemplate    = "template"
	catTest        = "test_training"
	catBuiltin     = "builtin_system"
	catDirSync     = "directory_sync"
	catHuman       = "human"
	catHumanAdmin  = "human_admin"
	catHumanExt    = "human_external"
	catHumanHard   = "human_hard"
)

var machineCategory = map[string]bool{catComputer: true, catGMSA: true, catService: true, catIntegration: true,
	catBot: true, catMailbox: true, catTemplate: true, catTest: true, catBuiltin: true, catDirSync: true}

var (
	classUser     = []string{"top", "person", "organizationalPerson", "user"}
	classComputer = []string{"top", "person", "organizationalPerson", "user", "computer"}
	classGMSA     = []string{"top", "person", "organizationalPerson", "user", "computer", "msDS-GroupManagedServiceAccount"}
	classSMSA     = []string{"top", "person", "organizationalPerson", "user", "computer", "msDS-ManagedServiceAccount"}
)

// adObj is one directory object as the organisations' exports see it, with
// its label. Each organisation writes the fields it exports in its own way.
type adObj struct {
	guid         string
	sam          string
	upn          string
	cn           string
	ou           string // the parent's DN
	displayName  string
	given, sn    string
	mail         string
	title        string
	dept         string
	company      string
	office       string
	phone        string
	description  string
	info         string
	employeeID   string
	employeeType string
	manager      *adObj
	objectClass  []string
	spn          []string
	memberOf     []string // group CNs
	os           string
	uac          int
	pwdLastSet   time.Time // zero: never set
	mustChange   bool      // pwdLastSet is 0: must change at next logon
	lastLogon    time.Time // zero: never
	expires      time.Time // zero: never
	created      time.Time
	recipType    int // msExchRecipientTypeDetails; 0 when none

	category string
	note     string
	identity string // the HR id this account is meant to correlate to ("" when none)
}

func (a *adObj) machine() bool { return machineCategory[a.category] }

func (a *adObj) disabled() bool { return a.uac&uacDisabled != 0 }

// escapeDN escapes an RDN value (RFC 4514 as AD writes it).
func escapeDN(s string) string {
	var b strings.Builder
	for i, c := range s {
		switch {
		case strings.ContainsRune(`,+"\<>;=`, c), c == '#' && i == 0:
			b.WriteByte('\\')
		}
		b.WriteRune(c)
	}
	return b.String()
}

func (a *adObj) dn() string { return "CN=" + escapeDN(a.cn) + "," + a.ou }

// directory is one organisation's domain while it is generated.
type directory struct {
	base  string // DC=...
	fqdn  string
	now   time.Time
	r     *rng
	objs  []*adObj
	names map[string]bool // sAMAccountNames in use, lower case
	// pwdMaxAge is the domain's password policy for people in days; 0: passwords
	// do not expire (as current NIST guidance advises).
	pwdMaxAge int
	// svcNeverChanged is the share of service accounts whose password was
	// never changed after creation.
	svcNeverChanged float64
}

func newDirectory(fqdn string, now time.Time, r *rng) *directory {
	var dcs []string
	for _, p := range strings.Split(fqdn, ".") {
		dcs = append(dcs, "DC="+p)
	}
	return &directory{base: strings.Join(dcs, ","), fqdn: fqdn, now: now, r: r, names: map[string]bool{}, pwdMaxAge: 90, svcNeverChanged: 0.5}
}

// ou builds an OU path under the domain, innermost first.
func (d *directory) ou(path ...string) string {
	var b strings.Builder
	for _, p := range path {
		if strings.HasPrefix(p, "CN=") {
			b.WriteString(p + ",")
			continue
		}
		b.WriteString("OU=" + escapeDN(p) + ",")
	}
	return b.String() + d.base
}

// unique returns base when no account has that name yet, else the first
// free variant(n) for n = 2, 3, ...
func (d *directory) unique(base string, variant func(n int) string) string {
	name := base
	for n := 2; d.names[strings.ToLower(name)]; n++ {
		name = variant(n)
	}
	d.names[strings.ToLower(name)] = true
	return name
}

func (d *directory) taken(name string) bool { return d.names[strings.ToLower(name)] }

func (d *directory) add(a *adObj) *adObj {
	if a.guid == "" {
		a.guid = d.r.guid()
	}
	if a.cn == "" {
		a.cn = strings.TrimSuffix(a.sam, "$")
	}
	if !d.names[strings.ToLower(a.sam)] {
		d.names[strings.ToLower(a.sam)] = true
	}
	if a.objectClass == nil {
		a.objectClass = classUser
	}
	if a.created.IsZero() {
		a.created = d.r.at(d.now, 400, 4000, true)
	}
	d.objs = append(d.objs, a)
	return a
}

// sorted returns the objects in the order an export lists them: by DN, as
// an LDAP tool walking the tree would, which mixes people and machines.
func (d *directory) sorted(key func(a *adObj) string) []*adObj {
	out := append([]*adObj(nil), d.objs...)
	sort.SliceStable(out, func(i, j int) bool { return key(out[i]) < key(out[j]) })
	return out
}

// Activity. Each sets pwdLastSet and lastLogon for a kind of account, relative
// to the export time.

// personActive: a password under the 90-day policy, logons in the last days.
func (d *directory) personActive(a *adObj) {
	r := d.r
	if d.pwdMaxAge == 0 {
		a.pwdLastSet = r.at(d.now, 0, 1600, true)
	} else {
		a.pwdLastSet = r.at(d.now, 0, d.pwdMaxAge-1, true)
	}
	switch x := r.float(); {
	case x < 0.82:
		a.lastLogon = r.at(d.now, 0, 12, true)
	case x < 0.95:
		a.lastLogon = r.at(d.now, 13, 60, true)
	default: // part-time, on call, away
		a.lastLogon = r.at(d.now, 46, 160, true)
		a.pwdLastSet = a.lastLogon.AddDate(0, 0, -r.between(0, 80))
	}
	if a.lastLogon.Before(a.pwdLastSet) {
		a.lastLogon, a.pwdLastSet = a.pwdLastSet, a.lastLogon
	}
	if a.created.After(a.pwdLastSet) {
		a.created = a.pwdLastSet.AddDate(0, 0, -r.between(30, 3000))
	}
}

// serviceActive: a service account's life; how its password ages and how it
// logs on vary with whoever runs it.
func (d *directory) serviceActive(a *adObj) {
	r := d.r
	a.created = r.at(d.now, 200, 5200, true)
	switch x := r.float(); {
	case x < d.svcNeverChanged: // set once, never changed
		a.pwdLastSet = a.created.Add(time.Duration(r.intn(3600)) * time.Second)
	case x < d.svcNeverChanged+0.2: // changed once or twice, years ago
		a.pwdLastSet = r.at(d.now, 300, 2400, true)
	default: // rotated by a vault, or recently reset
		a.pwdLastSet = r.at(d.now, 0, 90, false)
	}
	if a.pwdLastSet.Before(a.created) {
		a.pwdLastSet = a.created
	}
	switch x := r.float(); {
	case x < 0.6:
		a.lastLogon = r.nightly(d.now)
	case x < 0.8:
		a.lastLogon = r.at(d.now, 0, 20, false)
	case x < 0.91: // the application it served is gone
		a.lastLogon = r.at(d.now, 120, 1500, false)
	default: // never logged on (used for binds that do not log on, or never used)
	}
	if !a.lastLogon.IsZero() && a.lastLogon.Before(a.pwdLastSet) {
		a.lastLogon = a.pwdLastSet.Add(time.Duration(r.between(3600, 86400)) * time.Second)
		if a.lastLogon.After(d.now) {
			a.lastLogon = d.now.Add(-time.Hour)
		}
	}
}

// computerActive: a machine password changes every 30 days by itself; a stale
// computer stopped both.
func (d *directory) computerActive(a *adObj, stale bool) {
	r := d.r
	a.created = r.at(d.now, 30, 3000, true)
	if stale {
		a.lastLogon = r.at(d.now, 100, 1200, true)
		a.pwdLastSet = a.lastLogon.AddDate(0, 0, -r.between(0, 29))
	} else {
		a.pwdLastSet = r.at(d.now, 0, 29, false)
		a.lastLogon = r.at(d.now, 0, 9, false)
	}
	if a.pwdLastSet.Before(a.created) {
		a.pwdLastSet = a.created
	}
	if a.lastLogon.Before(a.pwdLastSet) {
		a.lastLogon = a.pwdLastSet.Add(time.Duration(r.between(600, 86400)) * time.Second)
		if a.lastLogon.After(d.now) {
			a.lastLogon = d.now.Add(-time.Minute * 5)
		}
	}
}

// neverUsed: created, a password set at creation, never logged on.
func (d *directory) neverUsed(a *adObj, minDays, maxDays int) {
	a.created = d.r.at(d.now, minDays, maxDays, true)
	a.pwdLastSet = a.created.Add(time.Duration(d.r.intn(600)) * time.Second)
	a.lastLogon = time.Time{}
}

// builtinNames are the well-known accounts of a domain, in the domain's language.
type builtinNames struct {
	admin, guest, adminDesc, guestDesc, krbtgtDesc, defaultDesc string
}

var (
	builtinES = builtinNames{"Administrador", "Invitado", "Cuenta integrada para la administración del equipo o dominio",
		"Cuenta integrada para el acceso como invitado al equipo o dominio", "Cuenta de servicio del centro de distribución de claves",
		"Cuenta de usuario administrada por el sistema."}
	builtinNL = builtinNames{"Administrator", "Gast", "Ingebouwd account voor het beheer van de computer of het domein",
		"Ingebouwd account voor gasttoegang tot de computer of het domein", "Serviceaccount voor Key Distribution Center",
		"Een gebruikersaccount dat door het systeem wordt beheerd."}
	builtinSV = builtinNames{"Administratör", "Gäst", "Inbyggt konto för administration av datorn/domänen",
		"Inbyggt konto för gäståtkomst till datorn/domänen", "Tjänstkonto för KDC (Key Distribution Center)",
		"Ett användarkonto som hanteras av systemet."}
)

// builtins adds the domain's built-in accounts. renamed, when set, is the
// name the built-in Administrator was renamed to (hygiene guides advise it).
func (d *directory) builtins(n builtinNames, renamed string) {
	r := d.r
	users := d.ou("CN=Users")
	created := d.now.AddDate(-r.between(9, 16), -r.intn(12), -r.intn(28))
	admin := renamed
	if admin == "" {
		admin = n.admin
	}
	a := d.add(&adObj{sam: admin, cn: admin, ou: users, description: n.adminDesc, uac: uacNormal | uacDontExpire,
		created: created, category: catBuiltin, note: "built-in Administrator"})
	a.pwdLastSet = r.at(d.now, 200, 1500, true)
	a.lastLogon = r.at(d.now, 20, 300, true)
	if renamed != "" {
		a.note = "built-in Administrator, renamed"
	}
	d.add(&adObj{sam: n.guest, cn: n.guest, ou: users, description: n.guestDesc,
		uac: uacNormal | uacDisabled | uacDontExpire | uacPasswdNotReqd, created: created, category: catBuiltin, note: "built-in Guest"})
	k := d.add(&adObj{sam: "krbtgt", cn: "krbtgt", ou: users, description: n.krbtgtDesc, uac: uacNormal | uacDisabled,
		created: created, category: catBuiltin, note: "Kerberos KDC account"})
	k.pwdLastSet = r.at(d.now, 90, 2500, false)
	d.add(&adObj{sam: "DefaultAccount", cn: "DefaultAccount", ou: users, description: n.defaultDesc,
		uac: uacNormal | uacDisabled | uacDontExpire | uacPasswdNotReqd, created: created.AddDate(3, 0, 0), category: catBuiltin,
		note: "built-in DefaultAccount"})
}

// exchangeSystem adds the system mailboxes an on-premises Exchange creates.
func (d *directory) exchangeSystem(healthServers []string) {
	r := d.r
	users := d.ou("CN=Users")
	created := d.now.AddDate(-r.between(4, 8), -r.intn(12), 0)
	sys := []struct{ sam, cn, display string }{
		{"SM_" + r.hex(17), "SystemMailbox{1f05a927-" + r.hex(4) + "-" + r.hex(4) + "-" + r.hex(4) + "-" + r.hex(12) + "}", "Microsoft Exchange"},
		{"SM_" + r.hex(17), "SystemMailbox{bb558c35-97f1-4cb9-8ff7-d53741dc928c}", "Microsoft Exchange"},
		{"SM_" + r.hex(17), "SystemMailbox{e0dc1c29-89c3-4034-b678-e6c29d823ed9}", "Microsoft Exchange Approval Assistant"},
		{"SM_" + r.hex(17), "FederatedEmail.4c1f4d8b-8179-4148-93bf-00a95fa1e042", "Microsoft Exchange Federation Mailbox"},
		{"SM_" + r.hex(17), "Migration.8f3e7716-2011-43e4-96b1-aba62d229136", "Microsoft Exchange Migration"},
		{"SM_" + r.hex(17), "DiscoverySearchMailbox {D919BA05-46A6-415f-80AD-7E09334BB852}", "Discovery Search Mailbox"},
		{"SM_" + r.hex(17), "SystemMailbox{D0E409A0-AF9B-4720-92FE-AAC869B0D201}", "E4E Encryption Store - Active"},
	}
	for _, s := range sys {
		d.add(&adObj{sam: s.sam, cn: s.cn, ou: users, displayName: s.display, uac: uacNormal | uacDisabled | uacPasswdNotReqd | uacDontExpire,
			created: created, recipType: 8388608, category: catBuiltin, note: "Exchange system (arbitration) mailbox",
			upn: s.cn + "@" + d.fqdn})
	}
	mon := d.ou("Monitoring Mailboxes", "Microsoft Exchange System Objects")
	for _, srv := range healthServers {
		for range 2 {
			h := r.hex(32)
			a := d.add(&adObj{sam: "HealthMailbox" + h[:7], cn: "HealthMailbox" + h, ou: mon, displayName: "HealthMailbox-" + srv + "-" + fmt.Sprintf("%03d", r.intn(20)),
				upn: "HealthMailbox" + h + "@" + d.fqdn, uac: uacNormal | uacDontExpire, created: created.AddDate(0, r.intn(30), 0),
				recipType: 1, category: catBuiltin, note: "Exchange health mailbox"})
			a.pwdLastSet = r.at(d.now, 0, 40, false)
			a.lastLogon = r.at(d.now, 0, 3, false)
		}
	}
}

// entraConnect adds the accounts Microsoft Entra Connect (Azure AD Connect)
// creates: MSOL_ on older installs, Sync_ for the newer (the service account's
// description is written by the installer, in English).
func (d *directory) entraConnect(server, tenant string, withSync bool) {
	r := d.r
	users := d.ou("CN=Users")
	id := r.hex(32)
	a := d.add(&adObj{sam: "MSOL_" + id[:12], cn: "MSOL_" + id[:12], ou: users, uac: uacNormal | uacDontExpire,
		description: "Account created by Microsoft Azure Active Directory Connect with installation identifier " + id +
			" running on computer " + server + " configured to synchronize to tenant " + tenant +
			". This account must have directory replication permissions in the local Active Directory and write permission on certain attributes to enable Hybrid Deployment.",
		category: catDirSync, note: "Entra Connect (AD DS connector account)"})
	a.created = r.at(d.now, 900, 2500, true)
	a.pwdLastSet = a.created
	a.lastLogon = r.at(d.now, 0, 1, false)
	if withSync {
		id2 := r.hex(32)
		b := d.add(&adObj{sam: "Sync_" + server + "_" + id2[:12], cn: "Sync_" + server + "_" + id2[:12], ou: users,
			uac: uacNormal | uacDontExpire, category: catDirSync, note: "Entra Connect sync service account",
			description: "Account created by Microsoft Azure AD Connect Sync Engine running on computer " + server + "."})
		b.created = r.at(d.now, 300, 800, true)
		b.pwdLastSet = b.created
		b.lastLogon = r.at(d.now, 0, 2, false)
	}
}

// gmsa adds a group managed service account (or, when standalone, an sMSA):
// its password is managed by the domain and changes every 30 days.
func (d *directory) gmsa(sam, ou, desc string, spn []string, standalone bool, note string) *adObj {
	r := d.r
	oc := classGMSA
	if standalone {
		oc = classSMSA
	}
	a := d.add(&adObj{sam: sam, cn: strings.TrimSuffix(sam, "$"), ou: ou, description: desc, objectClass: oc, spn: spn,
		uac: uacWorkstation, category: catGMSA, note: note})
	a.created = r.at(d.now, 60, 2200, true)
	a.pwdLastSet = r.at(d.now, 0, 29, false)
	if a.pwdLastSet.Before(a.created) {
		a.pwdLastSet = a.created
	}
	if !r.chance(0.15) {
		a.lastLogon = r.at(d.now, 0, 5, false)
	}
	return a
}

// computerSPN is what a joined Windows computer registers.
func computerSPN(name, fqdn string, server bool) []string {
	h := strings.ToLower(name)
	out := []string{"HOST/" + name, "HOST/" + h + "." + fqdn, "RestrictedKrbHost/" + name, "RestrictedKrbHost/" + h + "." + fqdn}
	if server {
		out = append(out, "WSMAN/"+name, "WSMAN/"+h+"."+fqdn, "TERMSRV/"+name, "TERMSRV/"+h+"."+fqdn)
	}
	return out
}

// computer adds a computer account.
func (d *directory) computer(name, ou, os, desc string, server, dc, stale bool) *adObj {
	uac := uacWorkstation
	if dc {
		uac = uacServer | uacTrustedForDeleg
	}
	a := d.add(&adObj{sam: name + "$", cn: name, ou: ou, os: os, description: desc, objectClass: classComputer,
		spn: computerSPN(name, d.fqdn, server || dc), uac: uac, category: catComputer})
	d.computerActive(a, stale)
	switch {
	case dc:
		a.note = "domain controller"
	case stale:
		a.note = "stale computer"
		if d.r.chance(0.4) {
			a.uac |= uacDisabled
		}
	}
	return a
}

// finish makes the objects consistent before they are written: no account
// created after its password was set or it logged on, sAMAccountNames within
// AD's 20 characters (the cn keeps the long name, as AD does), and unique DNs,
// renaming the second "Smith, John" of an OU as an administrator would.
func (d *directory) finish() {
	seen := map[string]bool{}
	for _, a := range d.objs {
		if !a.machine() && a.company != "" && d.r.chance(0.15) {
			a.company = ""
		}
		if !a.machine() && a.office != "" && d.r.chance(0.08) {
			a.office = ""
		}
		first := a.pwdLastSet
		if !a.lastLogon.IsZero() && (first.IsZero() || a.lastLogon.Before(first)) {
			first = a.lastLogon
		}
		if !first.IsZero() && a.created.After(first) {
			a.created = first.Add(-time.Duration(d.r.between(1, 400)*24)*time.Hour - time.Duration(d.r.intn(36000))*time.Second)
		}
		if len(a.sam) > 20 {
			delete(d.names, strings.ToLower(a.sam))
			short := strings.TrimRight(a.sam[:20], "-_.")
			a.sam = d.unique(short, func(n int) string { return a.sam[:18] + strconv.Itoa(n) })
		}
		base := a.cn
		for n := 2; seen[strings.ToLower(a.dn())]; n++ {
			a.cn = base + " " + strconv.Itoa(n)
		}
		seen[strings.ToLower(a.dn())] = true
	}
}

type paperwork struct {
	company, dept string
	titles        []string
	surnames      []string
	owner         *adObj
}

func (d *directory) fill(a *adObj, first string, pw paperwork) {
	r := d.r
	if a.given == "" && r.chance(0.25) {
		a.given, a.sn = first, pick(r, pw.surnames)
	}
	if a.dept == "" && r.chance(0.3) {
		a.dept = pw.dept
	}
	if a.company == "" && r.chance(0.25) {
		a.company = pw.company
	}
	if a.title == "" && r.chance(0.08) {
		a.title = pick(r, pw.titles)
	}
	if a.manager == nil && pw.owner != nil && r.chance(0.22) {
		a.manager = pw.owner
	}
}
