package demo

import (
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"time"

	"github.com/micahq/mica"
)

// emitter numbers, completes and hands out the accounts of one source.
type emitter struct {
	g   *gen
	src *mica.Source
	ns  uint64
	n   uint64
	r   *rand.Rand
	fn  AccountFunc
}

// emit gives account a (correlated to person, or to nobody when person < 0) its
// id and source, and passes it on.
func (e *emitter) emit(a *mica.Account, person int, t Truth) error {
	name := ""
	if person >= 0 {
		name = e.g.displayName(person)
	}
	return e.emitAs(a, person, name, t)
}

// emitAs is emit with the person's display name already at hand.
func (e *emitter) emitAs(a *mica.Account, person int, personName string, t Truth) error {
	a.ID = makeID(e.g.cfg.Seed, e.ns, e.n)
	e.n++
	a.SourceID, a.SourceName = e.src.ID, e.src.Name
	a.Origin = "AGGREGATED"
	if person >= 0 {
		a.IdentityID, a.IdentityName = e.g.identityID(person), personName
	}
	a.Uncorrelated = a.IdentityID == ""
	if a.Description == "" {
		if d, ok := a.Attributes["description"].(string); ok {
			a.Description = d
		}
	}
	return e.fn(a, t)
}

// accounts streams the accounts of source src.
func (g *gen) accounts(src int, fn AccountFunc) error {
	e := &emitter{g: g, src: g.sources[src], ns: nsAccount + uint64(src), fn: fn,
		r: g.rng(streamSources + 16*uint64(src+1))}
	switch src {
	case SourceHR:
		return g.hrAccounts(e)
	case SourceAD:
		return newADGen(g, e).run()
	case SourceEntra:
		return g.entraAccounts(e)
	case SourceGitHub:
		return g.githubAccounts(e)
	case SourceSalesforce:
		return g.salesforceAccounts(e)
	case SourceSlack:
		return g.slackAccounts(e)
	}
	return nil
}

var (
	truthEmployee   = Truth{false, KindEmployee}
	truthContractor = Truth{false, KindContractor}
	truthLeaver     = Truth{false, KindLeaver}
)

// personTruth is the ground truth of a person's own account.
func (g *gen) personTruth(i int) Truth {
	switch g.people[i].worker {
	case workerLeaver:
		return truthLeaver
	case workerContractor:
		return truthContractor
	}
	return truthEmployee
}

// hrAccounts: one Workday worker per identity.
func (g *gen) hrAccounts(e *emitter) error {
	for i := range g.people {
		p := &g.people[i]
		status, workerType := "Active", "Employee"
		attrs := map[string]any{
			"employeeId":  g.employeeID(i),
			"firstName":   g.firstName(i),
			"lastName":    g.lastName(i),
			"displayName": g.displayName(i),
			"email":       g.email(i),
			"userName":    g.alias(i),
			"department":  departments[p.dept].name,
			"costCenter":  "CC-" + departments[p.dept].code + "-" + strconv.Itoa(100+int(p.loc)),
			"title":       g.title(i),
			"location":    locations[p.loc],
			"hireDate":    g.daysAgo(p.hireDaysAgo).Format(time.DateOnly),
		}
		if p.manager >= 0 {
			attrs["managerId"] = g.employeeID(int(p.manager))
		}
		if p.worker == workerContractor {
			workerType = "Contractor"
		}
		if p.worker == workerLeaver {
			status = "Terminated"
			attrs["terminationDate"] = g.daysAgo(p.leftDaysAgo).Format(time.DateOnly)
		}
		attrs["workerType"], attrs["status"] = workerType, status
		a := &mica.Account{NativeIdentity: g.employeeID(i), Name: g.alias(i), Attributes: attrs,
			Authoritative: true, Disabled: p.worker == workerLeaver}
		if err := e.emit(a, i, g.personTruth(i)); err != nil {
			return err
		}
	}
	return nil
}

// userAccountControl flags (MS-ADTS 2.2.16) and the values directories show.
const (
	uacAccountDisable      = 0x0002
	uacPasswdNotReqd       = 0x0020
	uacNormalAccount       = 0x0200
	uacWorkstationTrust    = 0x1000
	uacServerTrust         = 0x2000
	uacDontExpirePassword  = 0x10000
	uacTrustedForDelegatio = 0x80000

	uacNormal          = uacNormalAccount                         // 512
	uacDisabled        = uacNormalAccount | uacAccountDisable     // 514
	uacNeverExpires    = uacNormalAccount | uacDontExpirePassword // 66048
	uacWorkstation     = uacWorkstationTrust                      // 4096
	uacDomainControler = uacServerTrust | uacTrustedForDelegatio  // 532480
	uacNoExpireDisable = uacNeverExpires | uacAccountDisable      // 66050
	uacGuest           = uacNeverExpires | uacPasswdNotReqd | 2   // 66082
	uacNoPasswordReqd  = uacNormalAccount | uacPasswdNotReqd      // 544
	accountNeverExpire = "9223372036854775807"                    // accountExpires: never
	fileTimeUnixOffset = 11644473600                              // seconds from 1601 to 1970
	fileTimeTicks      = 10_000_000                               // FILETIME ticks per second
	adTimeLayout       = "20060102150405.0Z"                      // generalized time, as whenCreated
	objectGUIDStream   = 0                                        // nsGUID index base of AD objects
	entraGUIDStream    = 1 << 40                                  // nsGUID index base of Entra objects
	uacComputerDisable = uacWorkstation | uacAccountDisable       // 4098
	uacMachineNormal   = uacWorkstation                           // computers, gMSAs and MSAs
	maxSAM             = 20                                       // sAMAccountName limit for users
	maxNetBIOS         = 15                                       // computer and managed account name limit (without $)
	guestAccountNote   = "Built-in account for guest access to the computer/domain"
	adminAccountNote   = "Built-in account for administering the computer/domain"
	krbtgtNote         = "Key Distribution Center Service Account"
	defaultAccountNote = "A user account managed by the system."
)

// Object classes as AD lists them, most general first.
var (
	ocUser     = []string{"top", "person", "organizationalPerson", "user"}
	ocComputer = []string{"top", "person", "organizationalPerson", "user", "computer"}
	ocGMSA     = []string{"top", "person", "organizationalPerson", "user", "computer", "msDS-GroupManagedServiceAccount"}
	ocMSA      = []string{"top", "person", "organizationalPerson", "user", "computer", "msDS-ManagedServiceAccount"}
)

// fileTime renders t as an AD FILETIME integer string (lastLogonTimestamp, pwdLastSet).
func fileTime(t time.Time) string {
	return strconv.FormatInt((t.Unix()+fileTimeUnixOffset)*fileTimeTicks+int64(t.Nanosecond()/100), 10)
}

// svcApp is an application that runs under service accounts.
type svcApp struct {
	token string // as it appears in account names
	label string // for descriptions
	spn   string // service class of its SPNs, "" for none
	host  string // host name stem
	port  int    // SPN port, 0 for none
}

var svcApps = []svcApp{
	{"sql", "SQL Server", "MSSQLSvc", "sql", 1433},
	{"sqlagent", "SQL Server Agent", "", "sql", 0},
	{"ssrs", "SQL Server Reporting Services", "HTTP", "reports", 0},
	{"ssis", "SQL Server Integration Services", "", "etl", 0},
	{"iis", "IIS application pool", "HTTP", "intranet", 0},
	{"sharepoint", "SharePoint", "HTTP", "sharepoint", 0},
	{"spfarm", "SharePoint farm", "HTTP", "sp", 0},
	{"spcrawl", "SharePoint search crawl", "", "sp", 0},
	{"exchange", "Exchange", "", "mail", 0},
	{"jenkins", "Jenkins", "HTTP", "jenkins", 0},
	{"tableau", "Tableau Server", "HTTP", "tableau", 0},
	{"backup", "backup", "", "backup", 0},
	{"veeam", "Veeam Backup", "", "veeam", 0},
	{"sccm", "Configuration Manager", "", "sccm", 0},
	{"scom", "Operations Manager", "", "scom", 0},
	{"splunk", "Splunk", "HTTP", "splunk", 0},
	{"nessus", "Nessus vulnerability scanning", "", "nessus", 0},
	{"qualys", "Qualys scanning", "", "qualys", 0},
	{"vcenter", "vCenter", "HTTP", "vcenter", 0},
	{"citrix", "Citrix", "HTTP", "citrix", 0},
	{"oracle", "Oracle Database", "oracle", "ora", 1521},
	{"sap", "SAP", "SAP", "sap", 0},
	{"confluence", "Confluence", "HTTP", "wiki", 0},
	{"jira", "Jira", "HTTP", "jira", 0},
	{"adfs", "AD FS", "HTTP", "sts", 0},
	{"ansible", "Ansible", "", "ansible", 0},
	{"octopus", "Octopus Deploy", "HTTP", "deploy", 0},
	{"teamcity", "TeamCity", "HTTP", "teamcity", 0},
	{"powerbi", "Power BI gateway", "", "pbigw", 0},
	{"kofax", "Kofax Capture", "", "kofax", 0},
	{"biztalk", "BizTalk", "", "biztalk", 0},
	{"informatica", "Informatica", "", "infa", 0},
	{"mulesoft", "MuleSoft", "HTTP", "mule", 0},
	{"ldapbind", "LDAP bind", "", "ldap", 0},
	{"print", "print server", "", "print", 0},
	{"scan", "scan to folder", "", "mfp", 0},
	{"ftp", "FTP transfers", "", "ftp", 0},
	{"smtp", "SMTP relay", "", "smtp", 0},
	{"crm", "Dynamics CRM", "HTTP", "crm", 0},
	{"payroll", "payroll interface", "", "payroll", 0},
	{"hyperion", "Hyperion", "HTTP", "hyperion", 0},
	{"cognos", "Cognos", "HTTP", "cognos", 0},
	{"nagios", "Nagios", "", "nagios", 0},
	{"zabbix", "Zabbix", "", "zabbix", 0},
	{"solarwinds", "SolarWinds", "", "orion", 0},
	{"okta", "Okta AD agent", "", "okta", 0},
	{"radius", "NPS RADIUS", "", "nps", 0},
	{"tableau_run", "Tableau extracts", "", "tableau", 0},
	{"bizt", "BizTalk host instance", "", "biztalk", 0},
	{"epic", "Epic interconnect", "HTTP", "epic", 0},
}

var (
	envSuffixes      = []string{"_prd", "_dev", "_uat", "01", "02", "-prod", "_test", "03"}
	hostEnvs         = []string{"prd", "dev", "uat", "prod", ""}
	serverRoles      = []string{"SQL", "APP", "WEB", "FS", "PRN", "EXCH", "SP", "CTX", "RDS", "ADFS", "BKP", "SCCM", "HV", "K8S"}
	serverEnvs       = []string{"PRD", "DEV", "UAT", ""}
	serverOS         = []string{"Windows Server 2019 Standard", "Windows Server 2022 Standard", "Windows Server 2022 Datacenter", "Windows Server 2016 Standard"}
	workstationOS    = []string{"Windows 11 Enterprise", "Windows 10 Enterprise", "Windows 11 Pro"}
	locationCodes    = []string{"NYC", "AUS", "LON", "BER", "TOR", "SIN", "REM"}
	contractAgencies = []string{"Acme Consulting", "Globex Staffing", "Initech Services", "Hooli Contractors", "Vandelay Industries"}
)

// adGen generates the Active Directory source.
type adGen struct {
	g         *gen
	e         *emitter
	r         *rand.Rand
	used      map[string]struct{} // lower-cased machine names
	next      map[string]int      // lower-cased name -> next number to try when it is taken
	dnCache   map[int32]string    // DNs of managers
	serverSeq map[string]int
	dcSeq     int
	groups    struct{ dept []string }
	apGroups  [][]string // full group DNs of each AD access profile
	nGUID     uint64
}

func newADGen(g *gen, e *emitter) *adGen {
	a := &adGen{g: g, e: e, r: e.r, used: make(map[string]struct{}), next: make(map[string]int), dnCache: make(map[int32]string), serverSeq: make(map[string]int)}
	for _, d := range departments {
		a.groups.dept = append(a.groups.dept, "CN="+escapeDN(d.name)+" Staff,OU=Groups,OU=Corp,"+g.adBase)
	}
	for _, ap := range g.accessProfiles() {
		a.apGroups = append(a.apGroups, ap.Entitlements)
	}
	return a
}

func (a *adGen) run() error {
	g := a.g
	fixed := []func() error{a.builtIns, a.syncAccounts}
	nFixed := 6
	humans := len(g.people)
	for i := range g.people {
		if g.people[i].admin > 0 {
			humans++
		}
	}
	var machines int
	if g.cfg.ADAccounts > 0 {
		machines = g.cfg.ADAccounts - humans - nFixed
	} else {
		machines = int(float64(humans)*g.cfg.MachineShare/(1-g.cfg.MachineShare)+0.5) - nFixed
	}
	machines = max(machines, 0)
	for _, f := range fixed {
		if err := f(); err != nil {
			return err
		}
	}
	done, n := 0, len(g.people)
	for i := range g.people {
		if err := a.human(i); err != nil {
			return err
		}
		if g.people[i].admin > 0 {
			if err := a.adminAccount(i); err != nil {
				return err
			}
		}
		for target := int(int64(machines) * int64(i+1) / int64(n)); done < target; done++ {
			if err := a.machine(); err != nil {
				return err
			}
		}
	}
	return nil
}

// guid returns the next objectGUID.
func (a *adGen) guid() string {
	a.nGUID++
	return makeGUID(a.g.cfg.Seed, nsGUID, objectGUIDStream+a.nGUID)
}

// ago returns the reference time minus a random duration in [lo, hi) days.
func (a *adGen) ago(lo, hi float64) time.Time {
	d := lo + a.r.Float64()*(hi-lo)
	return a.g.cfg.Now.Add(-time.Duration(d * 24 * float64(time.Hour))).Truncate(time.Millisecond)
}

// base returns the attributes every AD object has.
func (a *adGen) base(sam, cn, dn string, oc []string, uac int, created time.Time) map[string]any {
	m := make(map[string]any, 24) // room for every attribute: no growth
	m["sAMAccountName"] = sam
	m["cn"] = cn
	m["distinguishedName"] = dn
	m["objectClass"] = oc
	m["userAccountControl"] = uac
	m["whenCreated"] = created.UTC().Format(adTimeLayout)
	m["accountExpires"] = accountNeverExpire
	return m
}

func (a *adGen) emit(attrs map[string]any, person int, t Truth) error {
	name := ""
	if person >= 0 {
		name = a.g.displayName(person)
	}
	return a.emitAs(attrs, person, name, t)
}

func (a *adGen) emitAs(attrs map[string]any, person int, personName string, t Truth) error {
	uac := attrs["userAccountControl"].(int)
	acct := &mica.Account{
		NativeIdentity: attrs["distinguishedName"].(string),
		Name:           attrs["sAMAccountName"].(string),
		UUID:           a.guid(),
		Attributes:     attrs,
		Disabled:       uac&uacAccountDisable != 0,
	}
	attrs["objectGUID"] = acct.UUID
	if m, ok := attrs["memberOf"].([]string); ok && len(m) > 0 {
		acct.HasEntitlements = true
	}
	return a.e.emitAs(acct, person, personName, t)
}

// builtIns emits the domain's built-in accounts.
func (a *adGen) builtIns() error {
	g := a.g
	created := g.cfg.Now.AddDate(-11, -3, 0)
	users := ",CN=Users," + g.adBase
	type builtIn struct {
		name, note string
		uac        int
		logon      bool
		member     []string
	}
	for _, b := range []builtIn{
		{"Administrator", adminAccountNote, uacNeverExpires, true, []string{
			"CN=Domain Admins,CN=Users," + g.adBase, "CN=Enterprise Admins,CN=Users," + g.adBase,
			"CN=Schema Admins,CN=Users," + g.adBase, "CN=Group Policy Creator Owners,CN=Users," + g.adBase}},
		{"Guest", guestAccountNote, uacGuest, false, []string{"CN=Guests,CN=Builtin," + g.adBase}},
		{"krbtgt", krbtgtNote, uacDisabled, false, []string{"CN=Denied RODC Password Replication Group,CN=Users," + g.adBase}},
		{"DefaultAccount", defaultAccountNote, uacGuest, false, []string{"CN=System Managed Accounts Group,CN=Builtin," + g.adBase}},
	} {
		attrs := a.base(b.name, b.name, "CN="+b.name+users, ocUser, b.uac, created)
		attrs["description"] = b.note
		attrs["memberOf"] = b.member
		attrs["pwdLastSet"] = fileTime(a.ago(200, 3000))
		if b.logon {
			attrs["lastLogonTimestamp"] = fileTime(a.ago(0, 20))
		}
		if err := a.emit(attrs, -1, Truth{true, KindBuiltIn}); err != nil {
			return err
		}
	}
	return nil
}

// syncAccounts emits the Entra Connect (MSOL_) and the older DirSync (AAD_) accounts.
func (a *adGen) syncAccounts() error {
	g := a.g
	installID := makeGUID(g.cfg.Seed, nsGUID, 1<<50)
	for i, name := range []string{"MSOL_" + makeID(g.cfg.Seed, nsGUID, 1<<51)[:12], "AAD_" + makeID(g.cfg.Seed, nsGUID, 1<<52)[:12]} {
		attrs := a.base(name, name, "CN="+name+",CN=Users,"+g.adBase, ocUser, uacNeverExpires, a.ago(400, 2500))
		attrs["description"] = "Account created by Microsoft Azure Active Directory Connect with installation identifier " +
			installID + " running on computer AADC0" + strconv.Itoa(i+1) + " configured to synchronize to tenant " +
			g.tenantName + ".onmicrosoft.com. This account must have directory replication permissions in the local " +
			"Active Directory and write permission on certain attributes to enable Hybrid Deployment."
		attrs["pwdLastSet"] = fileTime(a.ago(300, 1500))
		attrs["lastLogonTimestamp"] = fileTime(a.ago(0, 14))
		if err := a.emit(attrs, -1, Truth{true, KindSync}); err != nil {
			return err
		}
	}
	return nil
}

// human emits a person's own AD account.
func (a *adGen) human(i int) error {
	g, r := a.g, a.r
	p := &g.people[i]
	uac := uacNormal
	switch x := r.Float64(); {
	case p.worker == workerLeaver && x < 0.1:
		uac = uacNoExpireDisable
	case p.worker == workerLeaver:
		uac = uacDisabled
	case x < 0.03:
		uac = uacNeverExpires // an exception nobody cleaned up
	case x < 0.04:
		uac = uacNoPasswordReqd
	}
	sam := g.sam(i)
	cn := g.cn(i)
	attrs := a.base(sam, cn, "CN="+escapeDN(cn)+","+g.personOU(i), ocUser, uac, g.daysAgo(p.hireDaysAgo).Add(9*time.Hour))
	mail := g.email(i)
	display := g.displayName(i)
	title := g.title(i)
	attrs["userPrincipalName"] = mail
	attrs["displayName"] = display
	attrs["givenName"] = g.firstName(i)
	attrs["sn"] = g.lastName(i)
	attrs["mail"] = mail
	attrs["employeeID"] = g.employeeID(i)
	attrs["title"] = title
	attrs["department"] = departments[p.dept].name
	attrs["company"] = "Example Corp"
	attrs["physicalDeliveryOfficeName"] = locations[p.loc]
	if p.manager >= 0 {
		attrs["manager"] = a.managerDN(p.manager)
	}
	switch {
	case p.worker == workerLeaver:
		attrs["description"] = "Disabled " + g.daysAgo(p.leftDaysAgo).Format(time.DateOnly) + " - terminated"
		attrs["lastLogonTimestamp"] = fileTime(a.ago(float64(p.leftDaysAgo)+1, float64(p.leftDaysAgo)+30))
		attrs["pwdLastSet"] = fileTime(a.ago(float64(p.leftDaysAgo)+1, float64(p.leftDaysAgo)+120))
	case p.newHire && r.Float64() < 0.6:
		attrs["pwdLastSet"] = "0" // must change password at next logon; never logged on
	default:
		attrs["lastLogonTimestamp"] = fileTime(a.ago(0, 14))
		if uac&uacDontExpirePassword != 0 {
			attrs["pwdLastSet"] = fileTime(a.ago(400, 2000))
		} else {
			attrs["pwdLastSet"] = fileTime(a.ago(0, 90))
		}
	}
	if p.worker == workerContractor {
		attrs["description"] = "Contractor - " + contractAgencies[r.IntN(len(contractAgencies))]
		attrs["accountExpires"] = fileTime(g.cfg.Now.AddDate(0, 1+r.IntN(11), 0))
	} else if _, ok := attrs["description"]; !ok && r.Float64() < 0.15 {
		attrs["description"] = title // many directories keep the job title here
	}
	if p.worker != workerLeaver {
		member := []string{a.groups.dept[p.dept]}
		for ap := range accessProfileDefs {
			if def := &accessProfileDefs[ap]; def.source == SourceAD && g.holds(ap, i) {
				member = append(member, a.apGroups[ap]...)
			}
		}
		attrs["memberOf"] = member
	}
	return a.emitAs(attrs, i, display, g.personTruth(i))
}

// managerDN returns the DN of person m, cached: managers have many reports.
func (a *adGen) managerDN(m int32) string {
	if dn, ok := a.dnCache[m]; ok {
		return dn
	}
	dn := a.g.dn(int(m))
	a.dnCache[m] = dn
	return dn
}

// adminAccount emits a person's privileged second account (adm-jdoe): a human account.
func (a *adGen) adminAccount(i int) error {
	g, r := a.g, a.r
	p := &g.people[i]
	sam := fmt.Sprintf(adminStyles[p.admin], g.sam(i))
	if len(sam) > maxSAM {
		sam = sam[:maxSAM]
	}
	uac := uacNormal
	if r.Float64() < 0.2 {
		uac = uacNeverExpires
	}
	dn := "CN=" + sam + ",OU=Admin Accounts,OU=Tier 0,OU=Corp," + g.adBase
	attrs := a.base(sam, sam, dn, ocUser, uac, a.ago(30, float64(p.hireDaysAgo)+30))
	attrs["displayName"] = g.displayName(i) + " (Admin)"
	attrs["userPrincipalName"] = sam + "@" + g.adDomain
	if r.Float64() < 0.7 {
		attrs["givenName"], attrs["sn"] = g.firstName(i), g.lastName(i)
	}
	if r.Float64() < 0.5 {
		attrs["employeeID"] = g.employeeID(i)
	}
	if r.Float64() < 0.3 && p.manager >= 0 {
		attrs["manager"] = g.dn(int(p.manager))
	}
	if r.Float64() < 0.6 {
		attrs["description"] = "Privileged account of " + g.displayName(i)
	}
	if r.Float64() < 0.8 {
		attrs["lastLogonTimestamp"] = fileTime(a.ago(0, 30))
	}
	attrs["pwdLastSet"] = fileTime(a.ago(0, 180))
	groups := []string{"CN=Server Admins,OU=Groups,OU=Tier 0,OU=Corp," + g.adBase}
	if r.Float64() < 0.25 {
		groups = append(groups, "CN=Domain Admins,CN=Users,"+g.adBase)
	}
	attrs["memberOf"] = groups
	return a.emit(attrs, i, Truth{false, KindAdmin})
}

// machine emits one non-human AD object of a random kind.
func (a *adGen) machine() error {
	switch pickWeighted(a.r.IntN(1000), 400, 440, 90, 30, 40) {
	case 0:
		return a.computer()
	case 1:
		return a.service()
	case 2:
		return a.managed(true)
	case 3:
		return a.managed(false)
	}
	return a.systemMailbox()
}

// unique returns name, or name with a number appended (within limit
// characters), that no other machine object has taken yet.
func (a *adGen) unique(name string, limit int) string {
	if len(name) > limit {
		name = name[:limit]
	}
	key := strings.ToLower(name)
	if _, taken := a.used[key]; !taken {
		a.used[key] = struct{}{}
		return name
	}
	n := max(a.next[key], 2)
	for ; ; n++ {
		suffix := strconv.Itoa(n)
		stem := name
		if len(stem)+len(suffix) > limit {
			stem = stem[:limit-len(suffix)]
		}
		if c := stem + suffix; a.usedAdd(c) {
			a.next[key] = n + 1
			return c
		}
	}
}

func (a *adGen) usedAdd(name string) bool {
	key := strings.ToLower(name)
	if _, taken := a.used[key]; taken {
		return false
	}
	a.used[key] = struct{}{}
	return true
}

// host returns an FQDN for app's servers.
func (a *adGen) host(app *svcApp) (short, fqdn string) {
	short = app.host + hostEnvs[a.r.IntN(len(hostEnvs))] + fmt.Sprintf("%02d", 1+a.r.IntN(12))
	return short, short + "." + a.g.adDomain
}

// spns returns the SPNs of a service account or gMSA running app.
func (a *adGen) spns(app *svcApp) []string {
	short, fqdn := a.host(app)
	if app.port > 0 {
		port := strconv.Itoa(app.port)
		return []string{app.spn + "/" + fqdn + ":" + port, app.spn + "/" + fqdn}
	}
	return []string{app.spn + "/" + fqdn, app.spn + "/" + short}
}

// serviceName names a service account of app in one of the styles directories mix.
func (a *adGen) serviceName(app *svcApp) string {
	r := a.r
	t := app.token
	var name string
	switch pickWeighted(r.IntN(100), 13, 9, 4, 4, 7, 6, 3, 3, 3, 4, 3, 28, 5, 4, 4) {
	case 0:
		name = "svc_" + t
	case 1:
		name = "svc-" + t
	case 2:
		name = "svc" + strings.ToUpper(t[:1]) + t[1:]
	case 3:
		name = "SVC_" + strings.ToUpper(t)
	case 4:
		name = "sa-" + t
	case 5:
		name = t + "-svc"
	case 6:
		name = t + "_svc"
	case 7:
		name = "srv_" + t
	case 8:
		if r.IntN(2) == 0 {
			name = "service_" + t
		} else {
			name = t + "service"
		}
	case 9:
		name = "app_" + t
	case 10:
		name = "s-" + t
	case 11:
		name = t // no marker at all: jenkins, sqlagent, tableau_run
	case 12:
		name = t + "_run"
	case 13:
		name = t + "_app"
	default:
		name = "sys_" + t
	}
	if r.Float64() < 0.35 {
		name += envSuffixes[r.IntN(len(envSuffixes))]
	}
	return a.unique(name, maxSAM)
}

// service emits a service account: a user object an application runs as.
func (a *adGen) service() error {
	g, r := a.g, a.r
	app := &svcApps[r.IntN(len(svcApps))]
	name := a.serviceName(app)
	var ou string
	switch pickWeighted(r.IntN(100), 50, 12, 15, 13, 10) {
	case 0:
		ou = "OU=Service Accounts,OU=Corp,"
	case 1:
		ou = "OU=Applications,OU=Corp,"
	case 2:
		ou = "OU=Users,OU=Corp,"
	case 3:
		ou = "CN=Users,"
	default:
		ou = "OU=Service Accounts,OU=Tier 1,OU=Corp,"
	}
	uac := uacNeverExpires
	switch x := r.Float64(); {
	case x < 0.04:
		uac = uacDisabled
	case x < 0.08:
		uac = uacNoExpireDisable
	case x < 0.45:
		uac = uacNormal
	}
	attrs := a.base(name, name, "CN="+escapeDN(name)+","+ou+g.adBase, ocUser, uac, a.ago(30, 4000))
	attrs["userPrincipalName"] = name + "@" + g.adDomain
	if app.spn != "" && r.Float64() < 0.5 {
		attrs["servicePrincipalName"] = a.spns(app)
	}
	switch pickWeighted(r.IntN(100), 40, 12, 8, 5, 35) {
	case 0:
		attrs["description"] = "Service account for " + app.label
	case 1:
		attrs["description"] = app.label + " service"
	case 2:
		attrs["description"] = "Runs " + app.label + " scheduled jobs"
	case 3:
		attrs["description"] = "Used by the " + app.label + " integration"
	}
	if r.Float64() < 0.5 {
		if r.IntN(2) == 0 {
			attrs["displayName"] = name
		} else {
			attrs["displayName"] = app.label + " Service"
		}
	}
	if r.Float64() < 0.07 {
		attrs["givenName"], attrs["sn"] = app.label, "Service"
	}
	if r.Float64() < 0.08 {
		attrs["mail"] = strings.ToLower(name) + "@" + g.cfg.Domain
	}
	owner := -1
	if r.Float64() < 0.2 {
		owner = int(g.techPeople[r.IntN(len(g.techPeople))])
	}
	if owner >= 0 && r.Float64() < 0.5 {
		attrs["manager"] = g.dn(owner)
	}
	if r.Float64() < 0.85 && uac&uacAccountDisable == 0 {
		attrs["lastLogonTimestamp"] = fileTime(a.ago(0, 14))
	}
	if uac&uacDontExpirePassword != 0 {
		attrs["pwdLastSet"] = fileTime(a.ago(300, 3500))
	} else {
		attrs["pwdLastSet"] = fileTime(a.ago(0, 180))
	}
	if r.Float64() < 0.5 {
		attrs["memberOf"] = []string{"CN=Service Accounts,OU=Groups,OU=Corp," + g.adBase}
	}
	return a.emit(attrs, owner, Truth{true, KindService})
}

// managed emits a group managed (gmsa) or standalone managed service account.
func (a *adGen) managed(group bool) error {
	g, r := a.g, a.r
	app := &svcApps[r.IntN(len(svcApps))]
	t := strings.ReplaceAll(app.token, "_", "")
	var name string
	kind, oc := KindMSA, ocMSA
	if group {
		kind, oc = KindGMSA, ocGMSA
		switch pickWeighted(r.IntN(100), 30, 20, 10, 25, 15) {
		case 0:
			name = "gmsa_" + t
		case 1:
			name = "gMSA-" + t
		case 2:
			name = t + "-gmsa"
		case 3:
			name = t + fmt.Sprintf("%02d", 1+r.IntN(20))
		default:
			name = "g" + strings.ToUpper(t)
		}
	} else {
		if r.IntN(2) == 0 {
			name = "MSA_" + t
		} else {
			name = t + "msa"
		}
	}
	name = a.unique(name, maxNetBIOS)
	sam := name + "$"
	attrs := a.base(sam, name, "CN="+name+",CN=Managed Service Accounts,"+g.adBase, oc, uacMachineNormal, a.ago(30, 2500))
	attrs["dNSHostName"] = strings.ToLower(name) + "." + g.adDomain
	if group {
		attrs["msDS-ManagedPasswordInterval"] = 30
	}
	if app.spn != "" && r.Float64() < 0.6 {
		attrs["servicePrincipalName"] = a.spns(app)
	}
	if r.Float64() < 0.4 {
		attrs["description"] = map[bool]string{true: "gMSA for ", false: "MSA for "}[group] + app.label
	}
	attrs["lastLogonTimestamp"] = fileTime(a.ago(0, 14))
	attrs["pwdLastSet"] = fileTime(a.ago(0, 30))
	return a.emit(attrs, -1, Truth{true, kind})
}

const alnumUpper = "ABCDEFGHJKLMNPQRSTUVWXYZ0123456789"

func (a *adGen) randAlnum(n int) string {
	var b [16]byte
	for i := range n {
		b[i] = alnumUpper[a.r.IntN(len(alnumUpper))]
	}
	return string(b[:n])
}

// computer emits a workstation, server or domain controller account.
func (a *adGen) computer() error {
	g, r := a.g, a.r
	var name, ou, os, desc string
	uac := uacWorkstation
	var spn []string
	switch x := r.Float64(); {
	case x < 0.004 || a.dcSeq == 0 && x < 0.02:
		a.dcSeq++
		name = a.unique(fmt.Sprintf("DC%02d", a.dcSeq), maxNetBIOS)
		ou, os, uac = "OU=Domain Controllers,", serverOS[r.IntN(len(serverOS))], uacDomainControler
	case x < 0.2:
		role, env := serverRoles[r.IntN(len(serverRoles))], serverEnvs[r.IntN(len(serverEnvs))]
		a.serverSeq[role+env]++
		name = a.unique(fmt.Sprintf("%s%s%02d", role, env, a.serverSeq[role+env]), maxNetBIOS)
		ou, os = "OU=Servers,OU=Computers,OU=Corp,", serverOS[r.IntN(len(serverOS))]
		if r.Float64() < 0.4 {
			desc = map[bool]string{true: "Production ", false: ""}[env == "PRD"] + role + " server"
		}
	default:
		for {
			switch pickWeighted(r.IntN(100), 35, 25, 20, 20) {
			case 0:
				name = "DESKTOP-" + a.randAlnum(7)
			case 1:
				name = "LT-" + a.randAlnum(6)
			case 2:
				name = "WS" + departments[1+r.IntN(len(departments)-1)].code + fmt.Sprintf("%04d", r.IntN(10000))
			default:
				name = locationCodes[r.IntN(len(locationCodes))] + "-LT-" + fmt.Sprintf("%05d", r.IntN(100000))
			}
			if a.usedAdd(name) {
				break
			}
		}
		ou, os = "OU=Workstations,OU=Computers,OU=Corp,", workstationOS[r.IntN(len(workstationOS))]
		if r.Float64() < 0.2 {
			desc = "Laptop - " + g.displayName(r.IntN(len(g.people)))
		}
	}
	fqdn := strings.ToLower(name) + "." + g.adDomain
	spn = []string{"HOST/" + name, "HOST/" + fqdn, "RestrictedKrbHost/" + name, "RestrictedKrbHost/" + fqdn}
	if uac != uacWorkstation || strings.Contains(ou, "Servers") {
		spn = append(spn, "TERMSRV/"+name, "TERMSRV/"+fqdn, "WSMAN/"+name, "WSMAN/"+fqdn)
	}
	if uac == uacDomainControler {
		spn = append(spn, "ldap/"+fqdn, "GC/"+fqdn+"/"+g.adDomain, "DNS/"+fqdn)
	}
	if uac == uacWorkstation && r.Float64() < 0.04 {
		uac = uacComputerDisable
	}
	attrs := a.base(name+"$", name, "CN="+name+","+ou+g.adBase, ocComputer, uac, a.ago(10, 2500))
	attrs["dNSHostName"] = fqdn
	attrs["operatingSystem"] = os
	attrs["servicePrincipalName"] = spn
	if desc != "" {
		attrs["description"] = desc
	}
	if r.Float64() < 0.92 && uac&uacAccountDisable == 0 {
		attrs["lastLogonTimestamp"] = fileTime(a.ago(0, 14))
	} else {
		attrs["lastLogonTimestamp"] = fileTime(a.ago(100, 400))
	}
	attrs["pwdLastSet"] = fileTime(a.ago(0, 30))
	if r.Float64() < 0.2 {
		attrs["managedBy"] = g.dn(int(g.techPeople[r.IntN(len(g.techPeople))]))
	}
	return a.emit(attrs, -1, Truth{true, KindComputer})
}

// systemMailbox emits an Exchange health or system mailbox account.
func (a *adGen) systemMailbox() error {
	g, r := a.g, a.r
	guid := a.guid()
	hex := strings.ReplaceAll(guid, "-", "")
	var attrs map[string]any
	if r.IntN(2) == 0 {
		sam := a.unique("HealthMailbox"+hex[:7], maxSAM)
		cn := "HealthMailbox" + hex
		attrs = a.base(sam, cn, "CN="+cn+",CN=Monitoring Mailboxes,CN=Microsoft Exchange System Objects,"+g.adBase,
			ocUser, uacNeverExpires, a.ago(100, 2000))
		attrs["displayName"] = fmt.Sprintf("HealthMailbox-EXCH%02d-%03d", 1+r.IntN(6), 1+r.IntN(40))
		attrs["mail"] = sam + "@" + g.cfg.Domain
		attrs["lastLogonTimestamp"] = fileTime(a.ago(0, 7))
	} else {
		sam := a.unique("SM_"+hex[:17], maxSAM)
		cn := "SystemMailbox{" + guid + "}"
		attrs = a.base(sam, cn, "CN="+cn+",CN=Users,"+g.adBase, ocUser, uacDisabled, a.ago(100, 2000))
		attrs["displayName"] = "Microsoft Exchange"
		attrs["mail"] = cn + "@" + g.cfg.Domain
	}
	attrs["pwdLastSet"] = fileTime(a.ago(30, 2000))
	return a.emit(attrs, -1, Truth{true, KindBuiltIn})
}
