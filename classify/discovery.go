package classify

import (
	"encoding/json"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/micahq/mica"
)

// Discovery thresholds on [Verdict.Score].
const (
	// DiscoveryThreshold is the score from which discovery calls an account a
	// machine account. It is above what the absence of person attributes alone
	// can add (1.5), so a sparse SaaS account is not a machine for lack of data:
	// a machine needs at least one positive signal.
	DiscoveryThreshold = 2.0
	// DiscoveryHumanThreshold is the score at or below which the account
	// carries strong evidence of a person (name, manager, employee id, ...).
	DiscoveryHumanThreshold = -2.0
)

// Discovery signal names ([Signal.Name]). The weight of each is given in
// [Discover].
const (
	SignalManagedServiceAccount = "managedServiceAccount"
	SignalComputerAccount       = "computerAccount"
	SignalBuiltInAccount        = "builtInAccount"
	SignalSyncAccount           = "directorySyncAccount"
	SignalServicePrincipalName  = "servicePrincipalName"
	SignalServicePrincipal      = "servicePrincipal"
	SignalBotAccount            = "botAccount"
	SignalSystemUserType        = "systemUserType"
	SignalIntegrationProfile    = "integrationProfile"
	SignalServiceContainer      = "serviceAccountContainer"
	SignalPasswordNeverExpires  = "passwordNeverExpires"
	SignalNamingConvention      = "namingConvention"
	SignalDescription           = "description"
	SignalNeverLoggedOn         = "neverLoggedOn"
	SignalPersonName            = "personName"
	SignalManager               = "manager"
	SignalEmployeeID            = "employeeId"
	SignalMail                  = "mail"
	SignalJobTitle              = "jobTitle"
	SignalGuestUser             = "guestUser"
)

// Signal is one piece of evidence discovery found: a positive weight points to
// a machine account, a negative one to a person.
type Signal struct {
	Name   string  `json:"name"`
	Weight float64 `json:"weight"`
	Detail string  `json:"detail"`
}

// Verdict is discovery's explained opinion of one account.
type Verdict struct {
	Machine bool     `json:"machine"` // Score >= DiscoveryThreshold
	Score   float64  `json:"score"`   // sum of the signal weights
	Signals []Signal `json:"signals"` // in the order they were checked
}

// Discover scores account a for being a machine account from directory signals
// (Active Directory, Entra ID, GitHub, Slack, Salesforce and other SaaS) and
// explains the score. Weights:
//
//	managedServiceAccount   +3.0  objectClass/objectCategory msDS-(Group)ManagedServiceAccount
//	computerAccount         +3.0  objectClass computer, objectCategory CN=Computer, a trust bit in
//	                              userAccountControl (0x800, 0x1000, 0x2000) or sAMAccountName ending in $
//	builtInAccount          +3.0  krbtgt, Administrator, Guest, DefaultAccount, WDAGUtilityAccount,
//	                              krbtgt_*, HealthMailbox*, SystemMailbox{*, IUSR_*, IWAM_*, ...; Slack's
//	                              Slackbot (id USLACKBOT); Salesforce's users @chatter.salesforce.com
//	directorySyncAccount    +3.0  MSOL_*, AAD_*, Sync_*, ADSyncMSA*, AADSync*
//	servicePrincipal        +3.0  Entra ID: a servicePrincipalType (Application, ManagedIdentity, Legacy,
//	                              SocialIdp), objectType or @odata.type servicePrincipal or application,
//	                              or an appId without a userPrincipalName
//	botAccount              +3.0  GitHub type "Bot" or a login ending in [bot] (GitHub App bots);
//	                              Slack is_bot, is_workflow_bot or a bot_id
//	systemUserType          +3.0  Salesforce UserType AutomatedProcess, CloudIntegrationUser (the
//	                              Platform Integration User) or PartnerNetwork (Salesforce to Salesforce)
//	integrationProfile      +3.0  Salesforce Profile/ProfileName "... API Only ..." (no interactive login),
//	                              or the standard Analytics Cloud Integration/Security User profiles
//	                        +2.0  a profile named for integrations ("Marketo Integration")
//	servicePrincipalName    +2.0  an SPN on a user object (computers and MSAs have them anyway)
//	serviceAccountContainer +2.0  a parent OU or CN named like service / system / application /
//	                              functional / technical / non-human accounts, or Managed Service Accounts
//	namingConvention        +1.5  svc*, *svc, sa-, service, bot, robot, daemon, noreply, ...
//	                        +1.0  app-, api, batch, sync, scan, scheduler, cron, job, integration, ci,
//	                              deploy, release, alerts, notifications, printer, room, mtr (Teams
//	                              Rooms), recording, migration, ...
//	                        +0.5  admin, adm, root (usually a person's privileged account)
//	passwordNeverExpires    +1.0  userAccountControl has DONT_EXPIRE_PASSWORD (0x10000)
//	description             +1.0  "service account", "scheduled task", "automation", ...
//	                        +0.5  the word service, application, integration, batch, ...
//	neverLoggedOn           +0.3  no lastLogonTimestamp (or 0), on AD accounts only (those with
//	                              sAMAccountName, objectClass or userAccountControl)
//	personName              +0.4 when the given name and surname are both absent, -1.0 when both
//	                              present (givenName/sn, firstName/lastName, FirstName/LastName, ...)
//	manager                 +0.3 absent, -1.0 present (manager, managerId, ManagerId)
//	employeeId              +0.3 absent, -1.0 present (employeeID, employeeNumber, EmployeeNumber)
//	mail                    +0.2 absent or a functional mailbox, -0.3 present (mail, email, Email)
//	jobTitle                -0.5 present (title, jobTitle, Title)
//	guestUser               -1.0 an invited external person: Entra userType Guest or #EXT# in the
//	                              userPrincipalName; Slack is_restricted or is_ultra_restricted
//
// Attributes are read by exact name, with the usual aliases of other
// directories (surname, employeeId, email, jobTitle, Salesforce's capitalised
// FirstName, LastName, Email, ...); userAccountControl may be a number or a
// decimal string, Slack's booleans JSON booleans or "true"/"false". The naming
// convention is read from sAMAccountName, userPrincipalName, mailNickname,
// uid, login, userName, the account name, cn and displayName (each up to any
// @), token by token (split at punctuation, camelCase and digits), so
// "Servicemaster", "rservice" or "abbott" do not match "service" or "bot". A
// mail address whose local part follows a naming convention (alerts@,
// github-ci-billing@) is a functional mailbox, not evidence of a person, on an
// account with neither a person's name nor a job title, unless it is shaped
// first.last. Only the strongest of the computer/MSA signals, of the naming
// matches and of the description matches counts, and the name of a built-in,
// sync or [bot] account is not scored again as a naming convention.
//
// Some fields are deliberately not evidence: Entra accountEnabled and Slack
// deleted (people leave too), Slack is_app_user (whether the member authorized
// the calling app) and Salesforce UserType CsnOnly (Chatter Free people).
func Discover(a *Account) Verdict {
	d := detector{a: a, explain: true, signals: make([]Signal, 0, 12)}
	d.run()
	score := float64(d.tenths) / 10
	return Verdict{Machine: score >= DiscoveryThreshold, Score: score, Signals: d.signals}
}

// Score is [Discover] without the explanation: the score and whether it reaches
// [DiscoveryThreshold]. It does not allocate.
func Score(a *Account) (float64, bool) {
	d := detector{a: a}
	d.run()
	score := float64(d.tenths) / 10
	return score, score >= DiscoveryThreshold
}

// Recommendation is an Account.recommendation: the type an account is
// recommended to be (MACHINE or HUMAN) and the method recommending it.
type Recommendation struct {
	Type   string `json:"type"`
	Method string `json:"method"`
}

// Recommendation types.
const (
	TypeMachine = "MACHINE"
	TypeHuman   = "HUMAN"
)

// Recommend turns a discovery verdict into an Account.recommendation for an
// account classified as cur, or nil when discovery agrees with it (or is not
// sure): MACHINE when discovery finds a machine in a human account, HUMAN when
// a machine account carries strong evidence of a person
// (Score <= DiscoveryHumanThreshold). Method is always DISCOVERY.
func Recommend(cur State, v Verdict) *Recommendation {
	switch {
	case !cur.IsMachine && v.Machine:
		return &Recommendation{Type: TypeMachine, Method: mica.MethodDiscovery}
	case cur.IsMachine && v.Score <= DiscoveryHumanThreshold:
		return &Recommendation{Type: TypeHuman, Method: mica.MethodDiscovery}
	}
	return nil
}

// Weights, in tenths so that sums and the threshold compare exactly.
const (
	wManagedServiceAccount = 30
	wComputerAccount       = 30
	wBuiltIn               = 30
	wSync                  = 30
	wSPN                   = 20
	wContainer             = 20
	wNameStrong            = 15
	wNameMedium            = 10
	wNameWeak              = 5
	wPasswordNeverExpires  = 10
	wDescriptionPhrase     = 10
	wDescriptionWord       = 5
	wNeverLoggedOn         = 3
	wNoPersonName          = 4
	wPersonName            = -10
	wNoManager             = 3
	wManager               = -10
	wNoEmployeeID          = 3
	wEmployeeID            = -10
	wNoMail                = 2
	wMail                  = -3
	wJobTitle              = -5
	wServicePrincipal      = 30
	wBotAccount            = 30
	wSystemUserType        = 30
	wProfileAPIOnly        = 30
	wProfileIntegration    = 20
	wGuest                 = -10
)

// userAccountControl bits (MS-ADTS 2.2.16).
const (
	uacInterdomainTrust   = 0x0800
	uacWorkstationTrust   = 0x1000
	uacServerTrust        = 0x2000
	uacDontExpirePassword = 0x10000
)

// Attribute names read by discovery, in order of preference.
var (
	// Salesforce capitalises its User fields (FirstName, Email, ManagerId, ...);
	// Slack's profile has first_name and last_name.
	keysGivenName  = [...]string{"givenName", "firstName", "FirstName", "first_name"}
	keysSurname    = [...]string{"sn", "surname", "lastName", "familyName", "LastName", "last_name"}
	keysManager    = [...]string{"manager", "managerId", "ManagerId"}
	keysEmployeeID = [...]string{"employeeID", "employeeId", "employeeNumber", "EmployeeNumber"}
	keysMail       = [...]string{"mail", "email", "emailAddress", "Email"}
	keysTitle      = [...]string{"title", "jobTitle", "Title"}
	keysProfile    = [...]string{"ProfileName", "Profile", "profileName"}
	keysDN         = [...]string{"distinguishedName", "dn"}
	keysLoginName  = [...]string{"sAMAccountName", "userPrincipalName", "mailNickname", "uid", "login", "userName", "username"}
	keysOtherName  = [...]string{"cn", "displayName"}
)

// slackbotID is the fixed user id of Slack's built-in Slackbot, which the API
// lists with is_bot false.
const slackbotID = "USLACKBOT"

// Built-in and well-known system account names (ASCII lower case).
var (
	builtInNames = [...]string{"krbtgt", "administrator", "guest", "defaultaccount", "wdagutilityaccount",
		"support_388945a0", "aspnet"}
	builtInPrefixes = [...]string{"krbtgt_", "healthmailbox", "systemmailbox{", "federatedemail.",
		"migration.", "discoverysearchmailbox", "iusr_", "iwam_", "$duplicate-"}
	syncPrefixes = [...]string{"msol_", "aad_", "sync_", "adsyncmsa", "aadsync"}
	// Salesforce's own users live in its domain: the Chatter Expert is
	// chatty.<org id>...@chatter.salesforce.com.
	chatterDomain = "@chatter.salesforce.com"
	noReply       = [...]string{"noreply", "no-reply", "no_reply", "donotreply", "do-not-reply", "do_not_reply"}
	// Container names, compared after dropping everything but letters and digits.
	containerContains = [...]string{"serviceaccount", "serviceacct", "svcaccount", "svcacct", "serviceuser",
		"serviceid", "systemaccount", "applicationaccount", "appaccount", "functionalaccount", "technicalaccount",
		"nonhuman", "nonpersonal", "machineaccount", "robotaccount", "botaccount"}
	containerEquals = [...]string{"svc", "service", "services", "bots", "robots"}
	// Standard Salesforce profiles of the built-in CRM Analytics users.
	systemProfiles     = [...]string{"analytics cloud integration user", "analytics cloud security user"}
	descriptionPhrases = [...]string{"service account", "svc account", "application account", "system account",
		"technical account", "functional account", "integration account", "scheduled task", "automation",
		"automated", "batch job", "non-human", "nonhuman", "used by the", "run as account", "runas account"}
	descriptionWords = [...]string{"service", "application", "integration", "batch", "sync", "api", "daemon", "bot"}
)

// detector accumulates one account's score and, when explaining, its signals.
type detector struct {
	a       *Account
	tenths  int
	explain bool
	signals []Signal
}

// hit records a signal; detail is called only when explaining.
func (d *detector) hit(name string, tenths int, detail func() string) {
	d.tenths += tenths
	if d.explain {
		d.signals = append(d.signals, Signal{Name: name, Weight: float64(tenths) / 10, Detail: detail()})
	}
}

// attr returns the first of keys that has a present value.
func (d *detector) attr(keys []string) (string, any) {
	for _, k := range keys {
		if v, ok := d.a.Attributes[k]; ok && present(v) {
			return k, v
		}
	}
	return "", nil
}

// run checks every signal, strongest first.
func (d *detector) run() {
	attrs := d.a.Attributes
	samKey, sam := "sAMAccountName", firstString(attrs["sAMAccountName"])
	if sam == "" {
		samKey, sam = "name", d.a.Name
	}
	uacRaw, hasUACKey := attrs["userAccountControl"]
	uac, hasUAC := intValue(uacRaw)
	oc := attrs["objectClass"]
	// Signals only Active Directory accounts carry are not held against others.
	adLike := samKey == "sAMAccountName" || hasUACKey || oc != nil

	machineObject := d.objectKind(oc, uac, hasUAC, samKey, sam)
	wellKnown := d.wellKnownName(samKey, sam)
	botName := false
	if !adLike { // Entra ID and SaaS objects: AD objects carry none of these
		d.application()
		botName = d.bot()
		d.systemUserType()
		d.profile()
	}
	if !machineObject {
		if spn, ok := attrs["servicePrincipalName"]; ok && present(spn) {
			d.hit(SignalServicePrincipalName, wSPN, func() string {
				detail := "servicePrincipalName " + quote(firstString(spn))
				if n := countValues(spn); n > 1 {
					detail += " and " + strconv.Itoa(n-1) + " more"
				}
				return detail + " on a user object"
			})
		}
	}
	d.container()
	if hasUAC && uac&uacDontExpirePassword != 0 {
		d.hit(SignalPasswordNeverExpires, wPasswordNeverExpires, func() string {
			return "userAccountControl " + strconv.FormatInt(uac, 10) + " has DONT_EXPIRE_PASSWORD (0x10000)"
		})
	}
	if !wellKnown && !botName { // a built-in's or a [bot]'s name would only match again
		d.naming()
	}
	d.description()
	if adLike && neverLoggedOn(attrs) {
		d.hit(SignalNeverLoggedOn, wNeverLoggedOn, func() string { return "no lastLogonTimestamp: never logged on" })
	}
	d.person(adLike)
}

// objectKind scores managed service accounts and computers, and reports
// whether the account is one (so that its SPNs are expected).
func (d *detector) objectKind(oc any, uac int64, hasUAC bool, samKey, sam string) bool {
	category := firstString(d.a.Attributes["objectCategory"])
	switch {
	case hasValueFold(oc, "msDS-GroupManagedServiceAccount"):
		d.hit(SignalManagedServiceAccount, wManagedServiceAccount, func() string {
			return "objectClass msDS-GroupManagedServiceAccount: a group managed service account"
		})
	case hasValueFold(oc, "msDS-ManagedServiceAccount"):
		d.hit(SignalManagedServiceAccount, wManagedServiceAccount, func() string {
			return "objectClass msDS-ManagedServiceAccount: a standalone managed service account"
		})
	case containsASCIIFold(category, "managed-service-account"):
		d.hit(SignalManagedServiceAccount, wManagedServiceAccount, func() string {
			return "objectCategory " + quote(category) + ": a managed service account"
		})
	case hasValueFold(oc, "computer"):
		d.hit(SignalComputerAccount, wComputerAccount, func() string { return "objectClass computer" })
	case hasPrefixASCIIFold(category, "cn=computer,"):
		d.hit(SignalComputerAccount, wComputerAccount, func() string { return "objectCategory " + quote(category) })
	case hasUAC && uac&(uacInterdomainTrust|uacWorkstationTrust|uacServerTrust) != 0:
		d.hit(SignalComputerAccount, wComputerAccount, func() string {
			return "userAccountControl " + strconv.FormatInt(uac, 10) + " has a trust-account bit (0x800, 0x1000 or 0x2000)"
		})
	case strings.HasSuffix(sam, "$"):
		d.hit(SignalComputerAccount, wComputerAccount, func() string { return samKey + " " + quote(sam) + " ends with $" })
	default:
		return false
	}
	return true
}

// wellKnownName scores built-in and directory synchronization accounts by
// name, and reports whether the account is one.
func (d *detector) wellKnownName(samKey, sam string) bool {
	if d.a.NativeIdentity == slackbotID || firstString(d.a.Attributes["id"]) == slackbotID {
		d.hit(SignalBuiltInAccount, wBuiltIn, func() string { return "id " + slackbotID + " is Slack's built-in Slackbot" })
		return true
	}
	for _, n := range [2]struct{ key, val string }{{samKey, sam}, {"name", d.a.Name}} {
		if n.val == "" {
			continue
		}
		if m, exact := matchBuiltIn(n.val); m != "" {
			d.hit(SignalBuiltInAccount, wBuiltIn, func() string {
				if exact {
					return n.key + " " + quote(n.val) + " is a built-in account"
				}
				return n.key + " " + quote(n.val) + " is a well-known system account (" + m + "...)"
			})
			return true
		}
		if hasSuffixASCIIFold(n.val, chatterDomain) {
			d.hit(SignalBuiltInAccount, wBuiltIn, func() string {
				return n.key + " " + quote(n.val) + " is a Salesforce system user (" + chatterDomain + ")"
			})
			return true
		}
		if m := matchPrefix(n.val, syncPrefixes[:]); m != "" {
			d.hit(SignalSyncAccount, wSync, func() string {
				return n.key + " " + quote(n.val) + " is a directory synchronization account (" + m + "...)"
			})
			return true
		}
	}
	return false
}

// container scores a distinguished name under a service-account container.
func (d *detector) container() {
	dnKey, dnVal := d.attr(keysDN[:])
	dn := firstString(dnVal)
	if dn == "" && strings.Contains(d.a.NativeIdentity, "=") {
		dnKey, dn = "nativeIdentity", d.a.NativeIdentity
	}
	if rdn := serviceContainer(dn); rdn != "" {
		d.hit(SignalServiceContainer, wContainer, func() string { return dnKey + " is under " + quote(rdn) })
	}
}

// description scores words in the description that describe a machine's job.
func (d *detector) description() {
	desc := firstString(d.a.Attributes["description"])
	if desc == "" {
		return
	}
	best, bestW := "", 0
	for _, p := range descriptionPhrases {
		if containsASCIIFold(desc, p) {
			best, bestW = p, wDescriptionPhrase
			break
		}
	}
	if bestW == 0 {
		for _, w := range descriptionWords {
			if containsWordASCIIFold(desc, w) {
				best, bestW = w, wDescriptionWord
				break
			}
		}
	}
	if bestW != 0 {
		d.hit(SignalDescription, bestW, func() string { return "description " + quote(desc) + " mentions " + quote(best) })
	}
}

// person scores the attributes people have, both ways, and the marks of a
// guest on accounts that are not AD objects.
func (d *detector) person(adLike bool) {
	gk, gv := d.attr(keysGivenName[:])
	sk, sv := d.attr(keysSurname[:])
	switch {
	case gv != nil && sv != nil:
		d.hit(SignalPersonName, wPersonName, func() string {
			return gk + " " + quote(firstString(gv)) + " and " + sk + " " + quote(firstString(sv)) + " name a person"
		})
	case gv == nil && sv == nil:
		d.hit(SignalPersonName, wNoPersonName, func() string { return "no givenName or sn" })
	}
	d.personAttr(keysManager[:], SignalManager, wManager, wNoManager)
	d.personAttr(keysEmployeeID[:], SignalEmployeeID, wEmployeeID, wNoEmployeeID)
	_, title := d.attr(keysTitle[:])
	d.mail(gv != nil && sv != nil || title != nil)
	d.personAttr(keysTitle[:], SignalJobTitle, wJobTitle, 0)
	if !adLike {
		d.guest()
	}
}

// mail scores the mail address: a person's (present) or none (absent). An
// address whose local part follows a naming convention (alerts@, ci-bot@) on
// an account without a person's name or job title is a functional mailbox,
// not a person's, and counts as no mail; a first.last address stays a
// person's (denise.service@).
func (d *detector) mail(person bool) {
	k, v := d.attr(keysMail[:])
	if v == nil {
		d.hit(SignalMail, wNoMail, func() string { return "no " + keysMail[0] })
		return
	}
	addr := firstString(v)
	if !person {
		local := addr
		if at := strings.IndexByte(local, '@'); at >= 0 {
			local = local[:at]
		}
		if w, kw := nameWeight(local); w >= wNameMedium && strings.IndexByte(local, '.') < 0 {
			d.hit(SignalMail, wNoMail, func() string {
				return k + " " + quote(addr) + " is a functional mailbox (" + quote(kw) + "), not a person's"
			})
			return
		}
	}
	d.hit(SignalMail, wMail, func() string { return k + " " + quote(addr) })
}

// guest scores the marks of an invited external person: Entra ID's userType
// Guest (and the #EXT# of a B2B guest's userPrincipalName), Slack's
// is_restricted and is_ultra_restricted (multi- and single-channel guests).
func (d *detector) guest() {
	attrs := d.a.Attributes
	if ut := firstString(attrs["userType"]); strings.EqualFold(ut, "Guest") {
		d.hit(SignalGuestUser, wGuest, func() string { return "userType \"Guest\": an invited external person" })
		return
	}
	if upn := firstString(attrs["userPrincipalName"]); containsASCIIFold(upn, "#ext#") {
		d.hit(SignalGuestUser, wGuest, func() string {
			return "userPrincipalName " + quote(upn) + " has #EXT#: an invited external person"
		})
		return
	}
	for _, k := range [...]string{"is_restricted", "is_ultra_restricted"} {
		if b, ok := boolValue(attrs[k]); ok && b {
			d.hit(SignalGuestUser, wGuest, func() string { return k + " true: a Slack guest" })
			return
		}
	}
}

// application scores Entra ID objects that are applications, not users:
// service principals (enterprise applications, managed identities, legacy
// and social identity providers), app registrations, and objects that carry
// an appId but no userPrincipalName.
func (d *detector) application() {
	attrs := d.a.Attributes
	if t := firstString(attrs["servicePrincipalType"]); t != "" {
		d.hit(SignalServicePrincipal, wServicePrincipal, func() string {
			return "servicePrincipalType " + quote(t) + ": an Entra ID service principal"
		})
		return
	}
	for _, k := range [...]string{"objectType", "@odata.type"} {
		t := firstString(attrs[k])
		if t == "" {
			continue
		}
		name := strings.TrimPrefix(t, "#microsoft.graph.")
		switch {
		case strings.EqualFold(name, "servicePrincipal"):
			d.hit(SignalServicePrincipal, wServicePrincipal, func() string {
				return k + " " + quote(t) + ": an Entra ID service principal"
			})
			return
		case strings.EqualFold(name, "application"):
			d.hit(SignalServicePrincipal, wServicePrincipal, func() string {
				return k + " " + quote(t) + ": an Entra ID app registration"
			})
			return
		}
	}
	if app := firstString(attrs["appId"]); app != "" && !present(attrs["userPrincipalName"]) {
		d.hit(SignalServicePrincipal, wServicePrincipal, func() string {
			return "appId " + quote(app) + " and no userPrincipalName: an application's identity"
		})
	}
}

// bot scores the bot users of SaaS platforms: GitHub's type "Bot" and the
// "[bot]" login of GitHub App bots, Slack's is_bot, is_workflow_bot and
// bot_id. It reports whether the login itself says so (name[bot]), so that
// the name is not scored again as a naming convention.
func (d *detector) bot() bool {
	attrs := d.a.Attributes
	loginKey, login := "login", firstString(attrs["login"])
	if login == "" {
		loginKey, login = "name", d.a.Name
	}
	botLogin := hasSuffixASCIIFold(login, "[bot]")
	if t := firstString(attrs["type"]); strings.EqualFold(t, "Bot") {
		d.hit(SignalBotAccount, wBotAccount, func() string { return "type \"Bot\": a GitHub App's bot account" })
		return botLogin
	}
	if botLogin {
		d.hit(SignalBotAccount, wBotAccount, func() string {
			return loginKey + " " + quote(login) + " ends with [bot]: a GitHub App's bot account"
		})
		return true
	}
	for _, k := range [...]string{"is_bot", "is_workflow_bot"} {
		if b, ok := boolValue(attrs[k]); ok && b {
			d.hit(SignalBotAccount, wBotAccount, func() string { return k + " true: a Slack bot user" })
			return false
		}
	}
	if id := firstString(attrs["bot_id"]); id != "" {
		d.hit(SignalBotAccount, wBotAccount, func() string { return "bot_id " + quote(id) + ": a Slack bot user" })
	}
	return false
}

// systemUserType scores the Salesforce user types that only system users
// have: the Automated Process user, the Platform Integration User and the
// Salesforce to Salesforce connection user.
func (d *detector) systemUserType() {
	ut := firstString(d.a.Attributes["UserType"])
	if ut == "" {
		return
	}
	var what string
	switch {
	case strings.EqualFold(ut, "AutomatedProcess"):
		what = "the Automated Process user background automation runs as"
	case strings.EqualFold(ut, "CloudIntegrationUser"):
		what = "the Platform Integration User, Salesforce's internal API-only user"
	case strings.EqualFold(ut, "PartnerNetwork"):
		what = "the Salesforce to Salesforce connection user"
	default:
		return
	}
	d.hit(SignalSystemUserType, wSystemUserType, func() string { return "UserType " + quote(ut) + ": " + what })
}

// profile scores a Salesforce profile made for integrations: an API-only
// profile (no interactive login), a standard profile of a built-in system
// user, or a profile named for integrations.
func (d *detector) profile() {
	key, name := "", ""
	for _, k := range keysProfile {
		v := d.a.Attributes[k]
		if m, ok := v.(map[string]any); ok { // a queried Profile: {"Name": ...}
			v = m["Name"]
		}
		if s := firstString(v); s != "" {
			key, name = k, s
			break
		}
	}
	if name == "" {
		return
	}
	w, what := 0, ""
	switch {
	case containsASCIIFold(name, "api only"), containsASCIIFold(name, "api-only"):
		w, what = wProfileAPIOnly, "an API-only profile: no interactive login"
	case matchEqual(name, systemProfiles[:]):
		w, what = wProfileAPIOnly, "the standard profile of a built-in system user"
	case containsWordASCIIFold(name, "integration"), containsWordASCIIFold(name, "integrations"):
		w, what = wProfileIntegration, "a profile for integrations"
	default:
		return
	}
	d.hit(SignalIntegrationProfile, w, func() string { return key + " " + quote(name) + ": " + what })
}

// personAttr scores one attribute that people have: present (a negative
// weight) or absent (a small positive one; 0 for none).
func (d *detector) personAttr(keys []string, name string, present, absent int) {
	if k, v := d.attr(keys); v != nil {
		d.hit(name, present, func() string { return k + " " + quote(firstString(v)) })
	} else if absent != 0 {
		d.hit(name, absent, func() string { return "no " + keys[0] })
	}
}

// naming scores the account's names against the naming conventions: login
// names first, then the account name, then cn and displayName; the best match
// counts. A value already tried (sAMAccountName is often also the name) is
// not tried again.
func (d *detector) naming() {
	var tried [len(keysLoginName) + 1 + len(keysOtherName)]string
	ntried := 0
	bestW, bestKey, bestVal, bestKW := 0, "", "", ""
	try := func(key, val string) bool {
		if at := strings.IndexByte(val, '@'); at >= 0 {
			val = val[:at]
		}
		for _, t := range tried[:ntried] {
			if t == val {
				return false
			}
		}
		tried[ntried] = val
		ntried++
		if w, kw := nameWeight(val); w > bestW {
			bestW, bestKey, bestVal, bestKW = w, key, val, kw
		}
		return bestW == wNameStrong
	}
	done := false
	for _, k := range keysLoginName {
		if s := firstString(d.a.Attributes[k]); s != "" && try(k, s) {
			done = true
			break
		}
	}
	if !done && d.a.Name != "" && try("name", d.a.Name) {
		done = true
	}
	if !done {
		for _, k := range keysOtherName {
			if s := firstString(d.a.Attributes[k]); s != "" && try(k, s) {
				break
			}
		}
	}
	if bestW != 0 {
		d.hit(SignalNamingConvention, bestW, func() string {
			return bestKey + " " + quote(bestVal) + " follows the naming convention " + quote(bestKW)
		})
	}
}

// nameWeight scores one account name against the naming conventions and
// returns the weight (tenths) and the convention matched.
func nameWeight(s string) (int, string) {
	if containsASCIIFold(s, "reply") {
		for _, p := range noReply {
			if containsASCIIFold(s, p) {
				return wNameStrong, "noreply"
			}
		}
	}
	best, bestKW := 0, ""
	var buf [24]byte
	first := true
	for i := 0; i < len(s); {
		start, end := nextToken(s, i)
		if start == end {
			break
		}
		i = end
		tok := s[start:end]
		isFirst, isLast := first, end == len(s) || tokenEnd(s, end)
		first = false
		if isFirst && hasPrefixASCIIFold(tok, "svc") {
			return wNameStrong, "svc"
		}
		if isLast && len(tok) > 3 && hasSuffixASCIIFold(tok, "svc") {
			return wNameStrong, "svc"
		}
		if len(tok) > len(buf) {
			continue
		}
		n := copy(buf[:], tok)
		for j := 0; j < n; j++ {
			if 'A' <= buf[j] && buf[j] <= 'Z' {
				buf[j] += 'a' - 'A'
			}
		}
		// A following '-' or '_' (or nothing) makes "sa" and "app" prefixes.
		prefixSep := end == len(s) || s[end] == '-' || s[end] == '_'
		w, kw := 0, ""
		switch string(buf[:n]) {
		case "svc", "srv", "service", "services", "serviceaccount", "svcacct", "bot", "robot", "daemon":
			w, kw = wNameStrong, tokenKeyword(string(buf[:n]))
		case "sa":
			if isFirst && prefixSep {
				w, kw = wNameStrong, "sa-"
			}
		case "app":
			if isFirst && prefixSep {
				w, kw = wNameMedium, "app-"
			}
		case "api", "batch", "sync", "scan", "scanner", "scheduler", "sched", "cron", "job", "jobs", "task",
			"integration", "automation", "backup", "monitor", "monitoring", "deploy", "build", "ci", "cicd",
			"etl", "ftp", "sftp", "smtp", "relay", "mailer", "report", "reporting", "system", "sys",
			"release", "alert", "alerts", "notify", "notification", "notifications", "printer", "mtr", "room", "rooms",
			"recording", "migration":
			w, kw = wNameMedium, tokenKeyword(string(buf[:n]))
		case "admin", "adm", "root":
			w, kw = wNameWeak, tokenKeyword(string(buf[:n]))
		}
		if w == wNameStrong {
			return w, kw
		}
		if w > best {
			best, bestKW = w, kw
		}
	}
	return best, bestKW
}

// tokenKeyword returns the constant keyword equal to lower, so that a match
// reports a string that does not point into a stack buffer.
func tokenKeyword(lower string) string {
	for _, kw := range nameKeywords {
		if kw == lower {
			return kw
		}
	}
	return ""
}

var nameKeywords = [...]string{"svc", "srv", "service", "services", "serviceaccount", "svcacct", "bot", "robot",
	"daemon", "api", "batch", "sync", "scan", "scanner", "scheduler", "sched", "cron", "job", "jobs", "task",
	"integration", "automation", "backup", "monitor", "monitoring", "deploy", "build", "ci", "cicd", "etl", "ftp",
	"sftp", "smtp", "relay", "mailer", "report", "reporting", "system", "sys", "release", "alert", "alerts", "notify",
	"notification", "notifications", "printer", "mtr", "room", "rooms", "recording", "migration", "admin", "adm", "root"}

// Token classes of a name's bytes.
const (
	classSep = iota
	classLower
	classUpper
	classDigit
)

func byteClass(c byte) int {
	switch {
	case 'a' <= c && c <= 'z', c >= 0x80:
		return classLower
	case 'A' <= c && c <= 'Z':
		return classUpper
	case '0' <= c && c <= '9':
		return classDigit
	}
	return classSep
}

// nextToken returns the bounds of the first token of s at or after i. Tokens
// are runs of letters and digits split at camelCase (svcBackup, SQLService) and
// at letter-digit changes (svc01).
func nextToken(s string, i int) (int, int) {
	for i < len(s) && byteClass(s[i]) == classSep {
		i++
	}
	start := i
	if i == len(s) {
		return i, i
	}
	i++
	for i < len(s) {
		prev, cur := byteClass(s[i-1]), byteClass(s[i])
		if cur == classSep ||
			prev == classDigit && cur != classDigit || prev != classDigit && cur == classDigit ||
			prev == classLower && cur == classUpper ||
			prev == classUpper && cur == classUpper && i+1 < len(s) && byteClass(s[i+1]) == classLower {
			break
		}
		i++
	}
	return start, i
}

// tokenEnd reports whether only separators follow position i of s.
func tokenEnd(s string, i int) bool {
	for ; i < len(s); i++ {
		if byteClass(s[i]) != classSep {
			return false
		}
	}
	return true
}

// matchBuiltIn returns the built-in account name or well-known prefix s
// matches, or "", and whether it matched a whole name.
func matchBuiltIn(s string) (string, bool) {
	for _, n := range builtInNames {
		if asciiEqualFoldLower(s, n) {
			return n, true
		}
	}
	return matchPrefix(s, builtInPrefixes[:]), false
}

// matchEqual reports whether s equals one of names (ASCII lower case), ignoring ASCII case.
func matchEqual(s string, names []string) bool {
	for _, n := range names {
		if asciiEqualFoldLower(s, n) {
			return true
		}
	}
	return false
}

// boolValue reads a boolean from a JSON boolean or a "true"/"false" string.
func boolValue(v any) (bool, bool) {
	switch x := v.(type) {
	case bool:
		return x, true
	case string:
		switch {
		case asciiEqualFoldLower(x, "true"):
			return true, true
		case asciiEqualFoldLower(x, "false"):
			return false, true
		}
	}
	return false, false
}

// matchPrefix returns the first of prefixes (ASCII lower case) s starts with, or "".
func matchPrefix(s string, prefixes []string) string {
	for _, p := range prefixes {
		if hasPrefixASCIIFold(s, p) {
			return p
		}
	}
	return ""
}

// serviceContainer returns the first parent RDN (OU= or CN=) of distinguished
// name dn that is named like a service-account container, or "".
func serviceContainer(dn string) string {
	first := true
	for len(dn) > 0 {
		// Split off one RDN at an unescaped comma.
		end := 0
		for end < len(dn) && dn[end] != ',' {
			if dn[end] == '\\' {
				end++
			}
			end++
		}
		if end > len(dn) {
			end = len(dn)
		}
		rdn := strings.TrimSpace(dn[:end])
		if end < len(dn) {
			dn = dn[end+1:]
		} else {
			dn = ""
		}
		if first {
			first = false // the object itself
			continue
		}
		var value string
		switch {
		case hasPrefixASCIIFold(rdn, "ou="), hasPrefixASCIIFold(rdn, "cn="):
			value = rdn[3:]
		default:
			continue
		}
		var buf [64]byte
		n := 0
		for i := 0; i < len(value) && n < len(buf); i++ {
			c := value[i]
			if 'A' <= c && c <= 'Z' {
				c += 'a' - 'A'
			}
			if 'a' <= c && c <= 'z' || '0' <= c && c <= '9' {
				buf[n] = c
				n++
			}
		}
		norm := string(buf[:n])
		for _, k := range containerEquals {
			if norm == k {
				return rdn
			}
		}
		for _, k := range containerContains {
			if strings.Contains(norm, k) {
				return rdn
			}
		}
	}
	return ""
}

// neverLoggedOn reports whether the account has no lastLogonTimestamp (or 0).
func neverLoggedOn(attrs map[string]any) bool {
	v, ok := attrs["lastLogonTimestamp"]
	if !ok || !present(v) {
		return true
	}
	n, isNum := intValue(v)
	return isNum && n == 0
}

// present reports whether v holds a value: not null, not blank, not an empty list.
func present(v any) bool {
	switch x := v.(type) {
	case nil:
		return false
	case string:
		return notBlank(x)
	case []any:
		for _, e := range x {
			if present(e) {
				return true
			}
		}
		return false
	case []string:
		for _, e := range x {
			if notBlank(e) {
				return true
			}
		}
		return false
	}
	return true
}

// countValues returns how many present values v holds.
func countValues(v any) int {
	switch x := v.(type) {
	case []any:
		n := 0
		for _, e := range x {
			if present(e) {
				n++
			}
		}
		return n
	case []string:
		n := 0
		for _, e := range x {
			if notBlank(e) {
				n++
			}
		}
		return n
	}
	if present(v) {
		return 1
	}
	return 0
}

// notBlank reports whether s has a character other than white space.
func notBlank(s string) bool {
	return s != "" && (s[0] > ' ' && s[0] < utf8.RuneSelf || strings.TrimSpace(s) != "")
}

// firstString returns v if it is a string, else the first non-blank string in a
// list, else "".
func firstString(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case []any:
		for _, e := range x {
			if s, ok := e.(string); ok && notBlank(s) {
				return s
			}
		}
	case []string:
		for _, s := range x {
			if notBlank(s) {
				return s
			}
		}
	}
	return ""
}

// hasValueFold reports whether v (a string or a list) has a string value equal
// to want, ignoring case.
func hasValueFold(v any, want string) bool {
	switch x := v.(type) {
	case string:
		return strings.EqualFold(x, want)
	case []any:
		for _, e := range x {
			if s, ok := e.(string); ok && strings.EqualFold(s, want) {
				return true
			}
		}
	case []string:
		for _, s := range x {
			if strings.EqualFold(s, want) {
				return true
			}
		}
	}
	return false
}

// intValue reads an integer from a JSON number, a Go integer or a decimal string.
func intValue(v any) (int64, bool) {
	switch x := v.(type) {
	case float64:
		if x != float64(int64(x)) {
			return 0, false
		}
		return int64(x), true
	case int:
		return int64(x), true
	case int64:
		return x, true
	case int32:
		return int64(x), true
	case uint32:
		return int64(x), true
	case string:
		return parseDecimal(strings.TrimSpace(x))
	case json.Number:
		return parseDecimal(string(x))
	case []any:
		if len(x) == 1 {
			return intValue(x[0])
		}
	}
	return 0, false
}

// parseDecimal parses an optionally signed decimal integer without allocating.
func parseDecimal(s string) (int64, bool) {
	neg := false
	if s != "" && (s[0] == '-' || s[0] == '+') {
		neg = s[0] == '-'
		s = s[1:]
	}
	if s == "" || len(s) > 18 {
		return 0, false
	}
	var n int64
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int64(c-'0')
	}
	if neg {
		n = -n
	}
	return n, true
}

// hasPrefixASCIIFold reports whether s starts with lower (ASCII lower case), ignoring ASCII case.
func hasPrefixASCIIFold(s, lower string) bool {
	return len(s) >= len(lower) && asciiEqualFoldLower(s[:len(lower)], lower)
}

// hasSuffixASCIIFold reports whether s ends with lower (ASCII lower case), ignoring ASCII case.
func hasSuffixASCIIFold(s, lower string) bool {
	return len(s) >= len(lower) && asciiEqualFoldLower(s[len(s)-len(lower):], lower)
}

// containsWordASCIIFold reports whether word (ASCII lower case) occurs in s as a
// whole word, ignoring ASCII case.
func containsWordASCIIFold(s, word string) bool {
	for i := 0; i+len(word) <= len(s); i++ {
		if !asciiEqualFoldLower(s[i:i+len(word)], word) {
			continue
		}
		before := i == 0 || !isWordByte(s[i-1])
		after := i+len(word) == len(s) || !isWordByte(s[i+len(word)])
		if before && after {
			return true
		}
	}
	return false
}

func isWordByte(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c >= 0x80
}

// quote quotes s for a signal's detail, clipped to a readable length.
func quote(s string) string {
	return strconv.Quote(clip(s, 80))
}
