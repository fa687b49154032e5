package demo

import (
	"math/rand/v2"
	"strconv"
	"strings"
	"time"

	"github.com/micahq/mica"
)

var (
	partnerDomains = []string{"partner.com", "fabrikam.com", "contoso.com", "northwind.io", "adventure-works.com",
		"gmail.com", "outlook.com"}
	workloads = []string{"orders", "payroll", "portal", "billing", "etl", "reporting", "inventory", "search",
		"notifications", "pricing", "ledger", "catalog"}
	enterpriseApps = []string{"Jenkins CI", "Terraform Automation", "GitHub Actions Deploy", "ServiceNow Integration",
		"SailPoint Identity Security Cloud", "Datadog Azure Integration", "Veeam Backup for Microsoft 365",
		"Power BI Embedded", "Tableau Connector", "Workday Inbound Provisioning", "Zoom", "Salesforce SSO", "DocuSign",
		"Atlassian Cloud", "Backup Automation", "Mail Relay App", "Graph Reporting Script", "Intune Connector",
		"Defender for Cloud Apps Connector", "Snowflake OAuth"}
	entraServiceUsers = []string{"svc-powerbi", "noreply", "scan-to-email", "mtr-nyc-boardroom", "sharepoint-migration",
		"o365-backup", "svc-intune-enroll", "printer-lon2", "svc-dynamics", "alerts", "crm-sync", "mail-relay",
		"mtr-ber-huddle1", "teams-recording"}
	devTeams = []string{"payments", "platform", "data", "web", "mobile", "infra", "search", "billing", "identity", "docs"}
	sfApps   = []string{"netsuite", "zendesk", "gong", "outreach", "hubspot", "tableau", "snowflake", "fivetran",
		"boomi", "zapier"}
	timeZones = []string{"America/New_York", "America/Chicago", "Europe/London", "Europe/Berlin", "America/Toronto",
		"Asia/Singapore", "America/Los_Angeles"}
)

// names draws unique names: the second "x" is "x2", and so on.
type names map[string]int

func (n names) unique(name string) string {
	key := strings.ToLower(name)
	n[key]++
	for c := n[key]; c > 1; c = n[key] {
		// name+c may itself be taken (x2 drawn as a name of its own).
		cand := name + strconv.Itoa(c)
		if n[strings.ToLower(cand)] == 0 {
			n[strings.ToLower(cand)] = 1
			return cand
		}
		n[key]++
	}
	return name
}

// interleave calls each extra generator so that its count is spread evenly
// over the people: after person i, extra k has produced counts[k]*(i+1)/n.
type interleave struct {
	counts []int
	done   []int
	gens   []func() error
}

func (il *interleave) after(i, n int) error {
	for k, c := range il.counts {
		for target := int(int64(c) * int64(i+1) / int64(n)); il.done[k] < target; il.done[k]++ {
			if err := il.gens[k](); err != nil {
				return err
			}
		}
	}
	return nil
}

func newInterleave(counts []int, gens ...func() error) *interleave {
	return &interleave{counts: counts, done: make([]int, len(counts)), gens: gens}
}

func randString(r *rand.Rand, alphabet string, n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = alphabet[r.IntN(len(alphabet))]
	}
	return string(b)
}

func isoAgo(r *rand.Rand, now time.Time, lo, hi float64) string {
	d := lo + r.Float64()*(hi-lo)
	return now.Add(-time.Duration(d * 24 * float64(time.Hour))).Truncate(time.Second).Format(time.RFC3339)
}

// entraAccounts: synced members, cloud admin accounts, B2B guests, service
// principals and managed identities, service mailboxes and the sync account.
func (g *gen) entraAccounts(e *emitter) error {
	r := e.r
	onms := g.tenantName + ".onmicrosoft.com"
	var nGUID uint64
	guid := func() string { nGUID++; return makeGUID(g.cfg.Seed, nsGUID, entraGUIDStream+nGUID) }
	tenantID := makeGUID(g.cfg.Seed, nsGUID, entraGUIDStream)
	used := names{}
	emit := func(attrs map[string]any, name string, person int, t Truth) error {
		id := guid()
		attrs["id"] = id
		enabled, _ := attrs["accountEnabled"].(bool)
		return e.emit(&mica.Account{NativeIdentity: id, Name: name, UUID: id, Attributes: attrs, Disabled: !enabled}, person, t)
	}
	// The Entra Connect sync account.
	syncUPN := "Sync_AADC01_" + makeID(g.cfg.Seed, nsGUID, 1<<53)[:12] + "@" + onms
	if err := emit(map[string]any{"userPrincipalName": syncUPN, "displayName": "On-Premises Directory Synchronization Service Account",
		"accountEnabled": true, "userType": "Member", "objectType": "User", "createdDateTime": isoAgo(r, g.cfg.Now, 400, 2500)},
		syncUPN, -1, Truth{true, KindSync}); err != nil {
		return err
	}
	n := len(g.people)
	servicePrincipal := func() error {
		attrs := map[string]any{"objectType": "ServicePrincipal", "accountEnabled": r.Float64() < 0.95,
			"appId": guid(), "appOwnerOrganizationId": tenantID, "createdDateTime": isoAgo(r, g.cfg.Now, 10, 2000)}
		var name string
		if r.Float64() < 0.6 {
			attrs["servicePrincipalType"] = "Application"
			name = used.unique(enterpriseApps[r.IntN(len(enterpriseApps))])
			attrs["servicePrincipalNames"] = []string{attrs["appId"].(string), "api://" + attrs["appId"].(string)}
		} else {
			attrs["servicePrincipalType"] = "ManagedIdentity"
			prefix := [...]string{"func-", "app-", "vm-", "logic-", "aks-", "adf-"}[r.IntN(6)]
			name = used.unique(prefix + workloads[r.IntN(len(workloads))] + "-" + [...]string{"prd", "dev", "uat"}[r.IntN(3)])
			attrs["servicePrincipalNames"] = []string{attrs["appId"].(string)}
		}
		attrs["displayName"] = name
		return emit(attrs, name, -1, Truth{true, KindServicePrincipal})
	}
	guest := func() error {
		f, l := firstNames[r.IntN(len(firstNames))], lastNames[r.IntN(len(lastNames))]
		dom := partnerDomains[r.IntN(len(partnerDomains))]
		mail := used.unique(f.ascii+"."+strings.ReplaceAll(l.ascii, "-", "")) + "@" + dom
		upn := strings.ReplaceAll(mail, "@", "_") + "#EXT#@" + onms
		attrs := map[string]any{"objectType": "User", "userPrincipalName": upn, "mail": mail, "userType": "Guest",
			"accountEnabled": true, "creationType": "Invitation", "createdDateTime": isoAgo(r, g.cfg.Now, 1, 1500),
			"externalUserState": [...]string{"Accepted", "Accepted", "Accepted", "PendingAcceptance"}[r.IntN(4)]}
		if r.Float64() < 0.3 {
			attrs["displayName"] = mail
		} else {
			attrs["displayName"] = f.text + " " + l.text
			if r.Float64() < 0.6 {
				attrs["givenName"], attrs["surname"] = f.text, l.text
			}
		}
		return emit(attrs, upn, -1, Truth{false, KindGuest})
	}
	serviceUser := func() error {
		local := used.unique(entraServiceUsers[r.IntN(len(entraServiceUsers))])
		upn := local + "@" + g.cfg.Domain
		attrs := map[string]any{"objectType": "User", "userPrincipalName": upn, "displayName": local, "userType": "Member",
			"accountEnabled": true, "createdDateTime": isoAgo(r, g.cfg.Now, 30, 2000)}
		if r.Float64() < 0.6 {
			attrs["mail"] = upn
		}
		return emit(attrs, upn, -1, Truth{true, KindService})
	}
	il := newInterleave([]int{int(0.09*float64(n)) + 3, int(0.06 * float64(n)), int(0.015*float64(n)) + 2},
		servicePrincipal, guest, serviceUser)
	for i := range g.people {
		p := &g.people[i]
		if p.worker != workerLeaver || r.Float64() < 0.5 {
			upn := g.email(i)
			attrs := map[string]any{"objectType": "User", "userPrincipalName": upn, "mail": upn,
				"displayName": g.displayName(i), "givenName": g.firstName(i), "surname": g.lastName(i),
				"jobTitle": g.title(i), "department": departments[p.dept].name, "employeeId": g.employeeID(i),
				"accountEnabled": p.worker != workerLeaver, "userType": "Member", "onPremisesSyncEnabled": true,
				"onPremisesSamAccountName": g.sam(i), "usageLocation": [...]string{"US", "US", "GB", "DE", "CA", "SG", "US"}[p.loc],
				"createdDateTime": g.daysAgo(p.hireDaysAgo).Format(time.RFC3339)}
			if p.manager >= 0 {
				attrs["manager"] = g.email(int(p.manager))
			}
			if p.worker != workerLeaver && !p.newHire {
				attrs["lastSignInDateTime"] = isoAgo(r, g.cfg.Now, 0, 10)
			}
			if err := emit(attrs, upn, i, g.personTruth(i)); err != nil {
				return err
			}
		}
		if p.admin > 0 && r.Float64() < 0.5 {
			upn := "adm-" + g.alias(i) + "@" + onms
			attrs := map[string]any{"objectType": "User", "userPrincipalName": upn, "displayName": g.displayName(i) + " (Cloud Admin)",
				"accountEnabled": true, "userType": "Member", "createdDateTime": isoAgo(r, g.cfg.Now, 30, 1500),
				"lastSignInDateTime": isoAgo(r, g.cfg.Now, 0, 30)}
			if r.Float64() < 0.5 {
				attrs["givenName"], attrs["surname"] = g.firstName(i), g.lastName(i)
			}
			if err := emit(attrs, upn, i, Truth{false, KindAdmin}); err != nil {
				return err
			}
		}
		if err := il.after(i, n); err != nil {
			return err
		}
	}
	return nil
}

// githubAccounts: engineering members, bots and machine users.
func (g *gen) githubAccounts(e *emitter) error {
	r := e.r
	used := names{}
	emit := func(attrs map[string]any, login string, person int, t Truth) error {
		id := int64(1_000_000 + r.IntN(150_000_000))
		attrs["id"], attrs["login"] = id, login
		return e.emit(&mica.Account{NativeIdentity: strconv.FormatInt(id, 10), Name: login, Attributes: attrs}, person, t)
	}
	for i := range g.people {
		p := &g.people[i]
		member := g.holdsAny(i, apGitHubEngineering, apGitHubOwners) ||
			p.worker == workerLeaver && p.dept == deptEngineering && r.Float64() < 0.3
		if !member {
			continue
		}
		first, last := firstNames[p.first].ascii, strings.ReplaceAll(lastNames[p.last].ascii, "-", "")
		var login string
		switch pickWeighted(r.IntN(100), 35, 25, 20, 20) {
		case 0:
			login = strings.ReplaceAll(first, "-", "") + last
		case 1:
			login = g.sam(i) + "-" + g.tenantName
		case 2:
			login = first + "-" + last
		default:
			login = last + strconv.Itoa(r.IntN(100))
		}
		login = used.unique(login)
		role := "member"
		if g.holds(apGitHubOwners, i) {
			role = "admin"
		}
		attrs := map[string]any{"type": "User", "role": role, "siteAdmin": false, "twoFactorEnabled": r.Float64() < 0.9,
			"createdAt": isoAgo(r, g.cfg.Now, 30, 4000)}
		if r.Float64() < 0.65 {
			attrs["name"] = g.displayName(i)
		}
		if r.Float64() < 0.45 {
			attrs["email"] = g.email(i)
		}
		person := i
		if r.Float64() < 0.05 {
			person = -1 // not linked to the SSO identity
		}
		if err := emit(attrs, login, person, g.personTruth(i)); err != nil {
			return err
		}
	}
	type bot struct{ login, kind, name string }
	bots := []bot{{"dependabot[bot]", "Bot", "Dependabot"}, {"github-actions[bot]", "Bot", "GitHub Actions"},
		{"renovate[bot]", "Bot", "Renovate"}, {"codecov[bot]", "Bot", "Codecov"}, {"sonarcloud[bot]", "Bot", "SonarCloud"},
		{"release-please[bot]", "Bot", "Release Please"}, {"snyk-bot", "User", "Snyk Bot"},
		{g.tenantName + "-ci", "User", ""}, {g.tenantName + "-deploy", "User", "Deploy"}, {"infra-automation", "User", ""}}
	for k := range len(g.people) / 60 {
		team := devTeams[r.IntN(len(devTeams))]
		login := [...]string{team + "-bot", "ci-" + team, team + "-automation", "deploy-" + team, team + "-release"}[k%5]
		bots = append(bots, bot{login, "User", ""})
	}
	for _, b := range bots {
		attrs := map[string]any{"type": b.kind, "role": "member", "siteAdmin": false, "createdAt": isoAgo(r, g.cfg.Now, 30, 2500)}
		if b.name != "" {
			attrs["name"] = b.name
		}
		if b.kind == "User" {
			attrs["twoFactorEnabled"] = r.Float64() < 0.5
			if r.Float64() < 0.5 {
				attrs["email"] = "github-" + strings.ReplaceAll(b.login, "[bot]", "") + "@" + g.cfg.Domain
			}
		}
		if err := emit(attrs, used.unique(b.login), -1, Truth{true, KindBot}); err != nil {
			return err
		}
	}
	return nil
}

// salesforceAccounts: sales, service and marketing users, integration users and
// the org's built-in users.
func (g *gen) salesforceAccounts(e *emitter) error {
	r := e.r
	orgID := "00D" + strings.ToUpper(makeID(g.cfg.Seed, nsGUID, 1<<54)[:12])
	used := names{}
	emit := func(attrs map[string]any, person int, t Truth) error {
		id := "005" + randString(r, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789", 15)
		attrs["Id"] = id
		active, _ := attrs["IsActive"].(bool)
		return e.emit(&mica.Account{NativeIdentity: id, Name: attrs["Username"].(string), Attributes: attrs, Disabled: !active}, person, t)
	}
	for i := range g.people {
		p := &g.people[i]
		profile := ""
		switch {
		case g.holds(apSalesCloud, i):
			profile = "Sales User"
		case g.holds(apServiceCloud, i):
			profile = "Service Cloud User"
		case g.holds(apMarketingAnalytics, i):
			profile = "Marketing User"
		case p.worker == workerLeaver && (p.dept == deptSales || p.dept == deptCustomerService) && r.Float64() < 0.4:
			profile = "Sales User"
		}
		if profile == "" {
			continue
		}
		alias := g.sam(i)
		if len(alias) > 8 {
			alias = alias[:8]
		}
		attrs := map[string]any{"Username": used.unique(g.email(i)), "Email": g.email(i), "FirstName": g.firstName(i),
			"LastName": g.lastName(i), "Name": g.displayName(i), "Alias": alias, "Title": g.title(i),
			"Department": departments[p.dept].name, "ProfileName": profile, "UserType": "Standard",
			"IsActive": p.worker != workerLeaver, "FederationIdentifier": g.email(i), "EmployeeNumber": g.employeeID(i)}
		if p.worker != workerLeaver {
			attrs["LastLoginDate"] = isoAgo(r, g.cfg.Now, 0, 20)
		}
		if err := emit(attrs, i, g.personTruth(i)); err != nil {
			return err
		}
	}
	type special struct {
		first, last, user, profile, userType string
		kind                                 Kind
	}
	specials := []special{
		{"Integration", "User", "integration@" + g.cfg.Domain, "Salesforce API Only System Integrations", "Standard", KindIntegration},
		{"MuleSoft", "Integration", "mulesoft.api@" + g.cfg.Domain, "API Only", "Standard", KindIntegration},
		{"", "Marketo Sync", "marketo.sync@" + g.cfg.Domain, "Marketo Integration", "Standard", KindIntegration},
		{"DWH", "ETL", "dwh.etl@" + g.cfg.Domain, "API Only", "Standard", KindIntegration},
		{"DocuSign", "Connect", "docusign@" + g.cfg.Domain, "API Only", "Standard", KindIntegration},
		{"Automated", "Process", "autoproc@" + strings.ToLower(orgID), "", "AutomatedProcess", KindBuiltIn},
		{"Platform Integration", "User", "noreply+" + strings.ToLower(orgID) + "@salesforce.com", "Minimum Access - API Only Integrations", "CloudIntegrationUser", KindBuiltIn},
		{"Chatter", "Expert", "chatty." + strings.ToLower(orgID) + "@chatter.salesforce.com", "Chatter Free User", "CsnOnly", KindBuiltIn},
		{"Security", "User", "insightssecurity@" + strings.ToLower(orgID) + ".com", "Analytics Cloud Security User", "Standard", KindBuiltIn},
	}
	for range len(g.people) / 100 {
		app := sfApps[r.IntN(len(sfApps))]
		specials = append(specials, special{strings.ToUpper(app[:1]) + app[1:], "Integration",
			"int." + app + "@" + g.cfg.Domain, "API Only", "Standard", KindIntegration})
	}
	for _, s := range specials {
		name := strings.TrimSpace(s.first + " " + s.last)
		attrs := map[string]any{"Username": used.unique(s.user), "LastName": s.last, "Name": name, "UserType": s.userType,
			"IsActive": true, "Alias": strings.ToLower(strings.ReplaceAll(name, " ", ""))[:min(8, len(strings.ReplaceAll(name, " ", "")))]}
		if s.first != "" {
			attrs["FirstName"] = s.first
		}
		if s.profile != "" {
			attrs["ProfileName"] = s.profile
		}
		if s.kind == KindIntegration {
			attrs["Email"] = "salesforce-admins@" + g.cfg.Domain
			attrs["LastLoginDate"] = isoAgo(r, g.cfg.Now, 0, 2)
		}
		if err := emit(attrs, -1, Truth{true, s.kind}); err != nil {
			return err
		}
	}
	return nil
}

// slackAccounts: every worker, deleted leavers, guests, Slackbot and app bots.
func (g *gen) slackAccounts(e *emitter) error {
	r := e.r
	used := names{}
	const idChars = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
	emit := func(attrs map[string]any, prefix string, person int, t Truth) error {
		id, _ := attrs["id"].(string)
		if id == "" {
			id = prefix + randString(r, idChars, 9)
			attrs["id"] = id
		}
		deleted, _ := attrs["deleted"].(bool)
		return e.emit(&mica.Account{NativeIdentity: id, Name: attrs["name"].(string), Attributes: attrs, Disabled: deleted}, person, t)
	}
	n := len(g.people)
	guest := func() error {
		f, l := firstNames[r.IntN(len(firstNames))], lastNames[r.IntN(len(lastNames))]
		handle := used.unique(f.ascii + "." + strings.ReplaceAll(l.ascii, "-", ""))
		return emit(map[string]any{"name": handle, "real_name": f.text + " " + l.text,
			"email": handle + "@" + partnerDomains[r.IntN(len(partnerDomains))], "is_bot": false, "is_app_user": false,
			"deleted": false, "is_restricted": true, "is_ultra_restricted": r.IntN(2) == 0, "tz": timeZones[r.IntN(len(timeZones))]},
			"U0", -1, Truth{false, KindGuest})
	}
	il := newInterleave([]int{int(0.03 * float64(n))}, guest)
	for i := range g.people {
		p := &g.people[i]
		if p.worker != workerLeaver || r.Float64() < 0.6 {
			attrs := map[string]any{"name": used.unique(g.alias(i)), "real_name": g.displayName(i), "email": g.email(i),
				"title": g.title(i), "is_bot": false, "is_app_user": false, "deleted": p.worker == workerLeaver,
				"is_admin": g.holds(apSlackAdmins, i), "is_owner": i == 0 || p.levels == 1, "is_restricted": false,
				"tz": timeZones[p.loc]}
			if r.Float64() < 0.5 {
				attrs["display_name"] = g.firstName(i)
			}
			if err := emit(attrs, "U0", i, g.personTruth(i)); err != nil {
				return err
			}
		}
		if err := il.after(i, n); err != nil {
			return err
		}
	}
	type bot struct{ name, real string }
	bots := []bot{{"jira", "Jira Cloud"}, {"github", "GitHub"}, {"pagerduty", "PagerDuty"}, {"google_drive", "Google Drive"},
		{"zoom", "Zoom"}, {"polly", "Polly"}, {"donut", "Donut"}, {"standup-bot", "Standup Bot"}, {"deploy-bot", "Deploy Bot"},
		{"incident-bot", "Incident Bot"}}
	for k := range n / 80 {
		team := devTeams[r.IntN(len(devTeams))]
		bots = append(bots, bot{[...]string{team + "-alerts", team + "-bot", "ci-" + team}[k%3], ""})
	}
	slackbot := map[string]any{"id": "USLACKBOT", "name": "slackbot", "real_name": "Slackbot", "is_bot": false,
		"is_app_user": false, "deleted": false}
	if err := emit(slackbot, "", -1, Truth{true, KindBuiltIn}); err != nil {
		return err
	}
	for _, b := range bots {
		attrs := map[string]any{"name": used.unique(b.name), "is_bot": true, "is_app_user": false, "deleted": false,
			"bot_id": "B0" + randString(r, idChars, 9)}
		if b.real != "" {
			attrs["real_name"] = b.real
		}
		if err := emit(attrs, "U0", -1, Truth{true, KindBot}); err != nil {
			return err
		}
	}
	return nil
}
