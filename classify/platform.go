package classify

import (
	"strconv"
	"strings"
)

// The signals of particular platforms: Active Directory object kinds and
// well-known accounts, Entra ID applications and guests, GitHub and Slack
// bots, Salesforce system users and profiles.

// atlassianAppPrefix begins the account ids of Atlassian Cloud's app and system users.
const atlassianAppPrefix = "557058:"

// slackbotID is the fixed user id of Slack's built-in Slackbot, which the API
// lists with is_bot false.
const slackbotID = "USLACKBOT"

// Built-in and well-known system account names (ASCII lower case).
var (
	builtInNames = [...]string{"krbtgt", "administrator", "admin", "root", "guest", "defaultaccount", "wdagutilityaccount",
		"support_388945a0", "aspnet"}
	builtInPrefixes = [...]string{"krbtgt_", "healthmailbox", "systemmailbox{", "federatedemail.",
		"migration.", "discoverysearchmailbox", "iusr_", "iwam_", "$duplicate-", "sm_"}
	syncPrefixes = [...]string{"msol_", "aad_", "sync_", "adsyncmsa", "aadsync"}
	// Salesforce's own users live in its domain: the Chatter Expert is
	// chatty.<org id>...@chatter.salesforce.com.
	chatterDomain = "@chatter.salesforce.com"
	// Standard Salesforce profiles of the built-in CRM Analytics users.
	systemProfiles = [...]string{"analytics cloud integration user", "analytics cloud security user"}
	keysProfile    = [...]string{"ProfileName", "Profile", "profileName"}
)

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

// objectKind scores managed service accounts and computers, and reports
// whether the account is one (so that its SPNs are expected).
func (d *detector) objectKind(oc any, uac int64, hasUAC bool, samKey, sam string) bool {
	category := d.at.str(sObjectCategory)
	switch {
	case hasValueFold(oc, "msDS-GroupManagedServiceAccount"):
		d.hit(fMSA, func() string {
			return "objectClass msDS-GroupManagedServiceAccount: a group managed service account"
		})
	case hasValueFold(oc, "msDS-ManagedServiceAccount"):
		d.hit(fMSA, func() string {
			return "objectClass msDS-ManagedServiceAccount: a standalone managed service account"
		})
	case containsASCIIFold(category, "managed-service-account"):
		d.hit(fMSA, func() string {
			return "objectCategory " + quote(category) + ": a managed service account"
		})
	case hasValueFold(oc, "computer"):
		d.hit(fComputer, func() string { return "objectClass computer" })
	case hasPrefixASCIIFold(category, "cn=computer,"):
		d.hit(fComputer, func() string { return "objectCategory " + quote(category) })
	case hasUAC && uac&(uacInterdomainTrust|uacWorkstationTrust|uacServerTrust) != 0:
		d.hit(fComputer, func() string {
			return "userAccountControl " + strconv.FormatInt(uac, 10) + " has a trust-account bit (0x800, 0x1000 or 0x2000)"
		})
	case strings.HasSuffix(sam, "$"):
		d.hit(fComputer, func() string { return samKey + " " + quote(sam) + " ends with $" })
	default:
		return false
	}
	return true
}

// wellKnownName scores built-in and directory synchronization accounts by
// name, and reports whether the account is one.
func (d *detector) wellKnownName(samKey, sam string) bool {
	if d.a.NativeIdentity == slackbotID || firstString(d.a.Attributes["id"]) == slackbotID {
		d.hit(fBuiltIn, func() string { return "id " + slackbotID + " is Slack's built-in Slackbot" })
		return true
	}
	for _, n := range [2]struct{ key, val string }{{samKey, sam}, {"name", d.a.Name}} {
		if n.val == "" {
			continue
		}
		if m, exact := matchBuiltIn(n.val); m != "" {
			d.hit(fBuiltIn, func() string {
				if exact {
					return n.key + " " + quote(n.val) + " is a built-in account"
				}
				return n.key + " " + quote(n.val) + " is a well-known system account (" + m + "...)"
			})
			return true
		}
		if hasSuffixASCIIFold(n.val, chatterDomain) {
			d.hit(fBuiltIn, func() string {
				return n.key + " " + quote(n.val) + " is a Salesforce system user (" + chatterDomain + ")"
			})
			return true
		}
		if m := matchPrefix(n.val, syncPrefixes[:]); m != "" {
			d.hit(fSync, func() string {
				return n.key + " " + quote(n.val) + " is a directory synchronization account (" + m + "...)"
			})
			return true
		}
	}
	return false
}

// guest scores the marks of an invited external person: Entra ID's userType
// Guest (and the #EXT# of a B2B guest's userPrincipalName), Slack's
// is_restricted and is_ultra_restricted (multi- and single-channel guests).
func (d *detector) guest() {
	attrs := d.a.Attributes
	if ut := firstString(attrs["userType"]); strings.EqualFold(ut, "Guest") {
		d.hit(fGuest, func() string { return "userType \"Guest\": an invited external person" })
		return
	}
	if upn := firstString(attrs["userPrincipalName"]); containsASCIIFold(upn, "#ext#") {
		d.hit(fGuest, func() string {
			return "userPrincipalName " + quote(upn) + " has #EXT#: an invited external person"
		})
		return
	}
	for _, k := range [...]string{"is_restricted", "is_ultra_restricted"} {
		if b, ok := boolValue(attrs[k]); ok && b {
			d.hit(fGuest, func() string { return k + " true: a Slack guest" })
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
		d.hit(fServicePrincipal, func() string {
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
			d.hit(fServicePrincipal, func() string {
				return k + " " + quote(t) + ": an Entra ID service principal"
			})
			return
		case strings.EqualFold(name, "application"):
			d.hit(fServicePrincipal, func() string {
				return k + " " + quote(t) + ": an Entra ID app registration"
			})
			return
		}
	}
	if app := firstString(attrs["appId"]); app != "" && !present(attrs["userPrincipalName"]) {
		d.hit(fServicePrincipal, func() string {
			return "appId " + quote(app) + " and no userPrincipalName: an application's identity"
		})
	}
}

// bot scores the bot users of SaaS platforms: GitHub's type "Bot" and the
// "[bot]" login of GitHub App bots, Slack's is_bot, is_workflow_bot and
// bot_id, Atlassian's app users. It reports whether the login itself says so (name[bot]), so that
// the name is not scored again as a naming convention.
func (d *detector) bot() bool {
	attrs := d.a.Attributes
	loginKey, login := "login", firstString(attrs["login"])
	if login == "" {
		loginKey, login = "name", d.a.Name
	}
	botLogin := hasSuffixASCIIFold(login, "[bot]")
	// Atlassian Cloud gives its app and system users account ids in the
	// 557058: namespace (people have 5b..., 6..., 712020:...).
	for _, id := range [...]string{d.a.NativeIdentity, firstString(attrs["accountId"]), firstString(attrs["User id"])} {
		if strings.HasPrefix(id, atlassianAppPrefix) {
			d.hit(fBotAccount, func() string { return "account id " + quote(id) + ": an Atlassian app or system user" })
			return false
		}
	}
	if t := firstString(attrs["type"]); strings.EqualFold(t, "Bot") {
		d.hit(fBotAccount, func() string { return "type \"Bot\": a GitHub App's bot account" })
		return botLogin
	}
	if botLogin {
		d.hit(fBotAccount, func() string {
			return loginKey + " " + quote(login) + " ends with [bot]: a GitHub App's bot account"
		})
		return true
	}
	for _, k := range [...]string{"is_bot", "is_workflow_bot"} {
		if b, ok := boolValue(attrs[k]); ok && b {
			d.hit(fBotAccount, func() string { return k + " true: a Slack bot user" })
			return false
		}
	}
	if id := firstString(attrs["bot_id"]); id != "" {
		d.hit(fBotAccount, func() string { return "bot_id " + quote(id) + ": a Slack bot user" })
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
	d.hit(fSystemUserType, func() string { return "UserType " + quote(ut) + ": " + what })
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
	f, what := fIntegrationProfile, ""
	switch {
	case containsASCIIFold(name, "api only"), containsASCIIFold(name, "api-only"):
		what = "an API-only profile: no interactive login"
	case matchEqual(name, systemProfiles[:]):
		what = "the standard profile of a built-in system user"
	case containsWordASCIIFold(name, "integration"), containsWordASCIIFold(name, "integrations"):
		f, what = fProfileNamed, "a profile named for integrations"
	default:
		return
	}
	d.hit(f, func() string { return key + " " + quote(name) + ": " + what })
}
