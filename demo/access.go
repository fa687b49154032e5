package demo

// accessProfileDef describes an access profile and who holds it: each active
// person holds it with probability share(person).
type accessProfileDef struct {
	source       int
	name, desc   string
	enabled      bool
	requestable  bool
	entitlements []string
	share        func(p *person) float64
}

// byDept returns a share function: the share of each listed department, other elsewhere.
func byDept(other float64, shares map[uint8]float64) func(p *person) float64 {
	return func(p *person) float64 {
		if s, ok := shares[p.dept]; ok {
			return s
		}
		return other
	}
}

// Access profile indexes that the account generators consult.
const (
	apVPN = iota
	apFinanceShare
	apServerAdmins
	apRemoteDesktop
	apM365
	apPowerBI
	apGitHubEngineering
	apGitHubOwners
	apSalesCloud
	apServiceCloud
	apMarketingAnalytics
	apSlackAdmins
	apSlackEngineering
)

// accessProfileDefs are the access profiles of every demo tenant. AD ones list
// group DNs relative to the domain (completed by the AD generator).
var accessProfileDefs = []accessProfileDef{
	apVPN: {SourceAD, "AD - VPN Users", "Remote access through the corporate VPN", true, true,
		[]string{"CN=VPN Users,OU=Groups,OU=Corp"}, byDept(0.7, nil)},
	apFinanceShare: {SourceAD, "AD - Finance Share", "Read and write access to the finance file share", true, true,
		[]string{"CN=FS-Finance-RW,OU=Groups,OU=Corp"}, byDept(0.02, map[uint8]float64{deptFinance: 0.95, deptExecutive: 1})},
	apServerAdmins: {SourceAD, "AD - Server Administrators", "Local administrator on member servers", true, false,
		[]string{"CN=Server Operators,OU=Groups,OU=Corp"}, byDept(0, map[uint8]float64{deptIT: 0.5, deptEngineering: 0.05})},
	apRemoteDesktop: {SourceAD, "AD - Remote Desktop Users", "Remote Desktop to jump hosts", true, true,
		[]string{"CN=RDP Jump Hosts,OU=Groups,OU=Corp"}, byDept(0.05, map[uint8]float64{deptIT: 0.6, deptEngineering: 0.3})},
	apM365: {SourceEntra, "Entra - Microsoft 365 E5", "Microsoft 365 E5 license", true, false,
		[]string{"M365-E5-Licensed"}, byDept(1, nil)},
	apPowerBI: {SourceEntra, "Entra - Power BI Pro", "Power BI Pro license", true, true,
		[]string{"PowerBI-Pro"}, byDept(0.05, map[uint8]float64{deptFinance: 0.5, deptData: 0.9, deptSales: 0.3})},
	apGitHubEngineering: {SourceGitHub, "GitHub - Engineering", "Member of the engineering teams", true, true,
		[]string{"team:engineering", "team:platform"}, byDept(0, map[uint8]float64{deptEngineering: 0.9, deptData: 0.5, deptIT: 0.3, deptProduct: 0.2})},
	apGitHubOwners: {SourceGitHub, "GitHub - Org Owners", "Owner of the GitHub organization", true, false,
		[]string{"role:owner"}, func(p *person) float64 {
			if (p.dept == deptEngineering || p.dept == deptIT) && p.worker == workerEmployee && p.depth <= 2 {
				return 0.8
			}
			return 0
		}},
	apSalesCloud: {SourceSalesforce, "Salesforce - Sales Cloud", "Sales Cloud user", true, true,
		[]string{"Profile:Sales User", "PermissionSet:Sales Cloud"}, byDept(0, map[uint8]float64{deptSales: 0.95, deptMarketing: 0.3, deptExecutive: 1})},
	apServiceCloud: {SourceSalesforce, "Salesforce - Service Cloud", "Service Cloud agent", true, true,
		[]string{"Profile:Service Cloud User", "PermissionSet:Service Cloud"}, byDept(0, map[uint8]float64{deptCustomerService: 0.95, deptSales: 0.05})},
	apMarketingAnalytics: {SourceSalesforce, "Salesforce - Marketing Analytics", "Retired marketing analytics package", false, false,
		[]string{"PermissionSet:Marketing Analytics"}, byDept(0, map[uint8]float64{deptMarketing: 0.6})},
	apSlackAdmins: {SourceSlack, "Slack - Workspace Admins", "Slack workspace administrator", true, false,
		[]string{"role:admin"}, byDept(0, map[uint8]float64{deptIT: 0.15})},
	apSlackEngineering: {SourceSlack, "Slack - Engineering Channels", "Private engineering channels", true, true,
		[]string{"channel:eng-private", "channel:incidents"}, byDept(0.02, map[uint8]float64{deptEngineering: 0.8, deptIT: 0.5})},
}

// nsGrant is the base of the decision streams of "person i holds access profile k".
const nsGrant = 1 << 20

// holds reports whether person i holds access profile ap. Leavers hold nothing.
func (g *gen) holds(ap, i int) bool {
	p := &g.people[i]
	if p.worker == workerLeaver {
		return false
	}
	share := accessProfileDefs[ap].share(p)
	return share > 0 && unitFloat(g.cfg.Seed, nsGrant+uint64(ap), uint64(i)) < share
}

// holdsAny reports whether person i holds any of the access profiles aps.
func (g *gen) holdsAny(i int, aps ...int) bool {
	for _, ap := range aps {
		if g.holds(ap, i) {
			return true
		}
	}
	return false
}

func (g *gen) accessProfileID(ap int) string { return makeID(g.cfg.Seed, nsAccessProfile, uint64(ap)) }

// accessProfiles returns the tenant's access profiles.
func (g *gen) accessProfiles() []AccessProfile {
	out := make([]AccessProfile, len(accessProfileDefs))
	for k, d := range accessProfileDefs {
		ents := append([]string(nil), d.entitlements...)
		if d.source == SourceAD {
			for j := range ents {
				ents[j] += "," + g.adBase
			}
		}
		out[k] = AccessProfile{ID: g.accessProfileID(k), Name: d.name, Description: d.desc, Source: d.source,
			OwnerID: g.sources[d.source].Owner.ID, Enabled: d.enabled, Requestable: d.requestable, Entitlements: ents}
	}
	return out
}

// grants returns who holds which access profile, person by person.
func (g *gen) grants() []Grant {
	var out []Grant
	for i := range g.people {
		for k := range accessProfileDefs {
			if g.holds(k, i) {
				out = append(out, Grant{IdentityID: g.identityID(i), AccessProfileID: g.accessProfileID(k)})
			}
		}
	}
	return out
}

// apps returns the tenant's source apps: one of each kind (all users,
// access-profile based, disabled, not requestable).
func (g *gen) apps() []App {
	type def struct {
		name, desc                               string
		source                                   int
		matchAll, enabled, requestable, inCenter bool
		aps                                      []int
	}
	defs := []def{
		{"Corporate Directory", "Sign-in and directory for every employee", SourceAD, true, true, true, true, nil},
		{"Remote Access VPN", "Connect to the corporate network from anywhere", SourceAD, false, true, true, true, []int{apVPN}},
		{"Microsoft 365", "Mail, Teams and Office for every employee", SourceEntra, true, true, false, true, nil},
		{"GitHub Enterprise", "Source code and CI", SourceGitHub, false, true, true, true, []int{apGitHubEngineering, apGitHubOwners}},
		{"Salesforce", "CRM for sales and service", SourceSalesforce, false, true, true, true, []int{apSalesCloud, apServiceCloud}},
		{"Salesforce Marketing Analytics", "Retired: replaced by the data platform", SourceSalesforce, false, false, false, false, []int{apMarketingAnalytics}},
		{"Slack", "Team chat", SourceSlack, true, true, true, true, nil},
		{"Finance File Share", "Finance department share (being migrated)", SourceAD, false, false, false, false, []int{apFinanceShare}},
		{"Jump Hosts", "Remote Desktop to administration jump hosts", SourceAD, false, true, false, true, []int{apRemoteDesktop, apServerAdmins}},
	}
	out := make([]App, len(defs))
	for k, d := range defs {
		a := App{ID: makeID(g.cfg.Seed, nsApp, uint64(k)), Name: d.name, Description: d.desc, Source: d.source,
			OwnerID: g.sources[d.source].Owner.ID, MatchAllAccounts: d.matchAll, Enabled: d.enabled,
			ProvisionRequestEnabled: d.requestable, AppCenterEnabled: d.inCenter}
		for _, ap := range d.aps {
			a.AccessProfileIDs = append(a.AccessProfileIDs, g.accessProfileID(ap))
		}
		out[k] = a
	}
	return out
}
