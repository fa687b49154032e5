package demo

import (
	_ "embed"
	"strconv"
	"strings"
	"time"

	"github.com/micahq/mica"
)

//go:embed names/first.txt
var firstNamesText string

//go:embed names/last.txt
var lastNamesText string

// personName is one entry of the name lists: as written, and folded to lower
// case ASCII letters (and hyphens) for account names and mail addresses.
type personName struct {
	text, ascii string
}

var (
	firstNames = parseNames(firstNamesText)
	lastNames  = parseNames(lastNamesText)
)

func parseNames(text string) []personName {
	var out []personName
	for _, line := range strings.Split(text, "\n") {
		if line = strings.TrimSpace(line); line != "" {
			out = append(out, personName{text: line, ascii: foldASCII(line)})
		}
	}
	return out
}

// foldASCII lowers s and folds the accented letters of the name lists to ASCII,
// keeping letters and hyphens only ("Muñoz" -> "munoz", "O'Brien" -> "obrien").
func foldASCII(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		switch {
		case r >= 'a' && r <= 'z', r == '-':
			b.WriteRune(r)
		case strings.ContainsRune("áàâäã", r):
			b.WriteByte('a')
		case strings.ContainsRune("éèêë", r):
			b.WriteByte('e')
		case strings.ContainsRune("íìîï", r):
			b.WriteByte('i')
		case strings.ContainsRune("óòôöõø", r):
			b.WriteByte('o')
		case strings.ContainsRune("úùûü", r):
			b.WriteByte('u')
		case r == 'ñ':
			b.WriteByte('n')
		case r == 'ç' || r == 'č':
			b.WriteByte('c')
		case r == 'š':
			b.WriteByte('s')
		case r == 'ž':
			b.WriteByte('z')
		case r == 'ß':
			b.WriteString("ss")
		case r == 'å':
			b.WriteByte('a')
		}
	}
	return b.String()
}

// department is a part of the company: its AD OU and the titles of its staff.
type department struct {
	name   string
	code   string // short code for groups and cost centers
	weight int    // share of the headcount
	titles []string
}

// departments; [0] is the executive office, which holds only the CEO.
var departments = []department{
	{"Executive", "EXE", 0, []string{"Executive Assistant", "Chief of Staff"}},
	{"Engineering", "ENG", 22, []string{"Software Engineer", "Senior Software Engineer", "Staff Engineer",
		"Site Reliability Engineer", "QA Engineer", "DevOps Engineer", "Engineering Manager"}},
	{"Sales", "SAL", 14, []string{"Account Executive", "Sales Development Representative", "Sales Engineer",
		"Regional Sales Manager", "Sales Operations Analyst"}},
	{"Customer Service", "CSV", 10, []string{"Customer Service Representative", "Customer Service Specialist",
		"Service Desk Analyst", "Support Engineer", "Customer Success Manager"}},
	{"Marketing", "MKT", 7, []string{"Marketing Manager", "Content Strategist", "Product Marketing Manager",
		"Marketing Operations Specialist", "Graphic Designer"}},
	{"Finance", "FIN", 7, []string{"Accountant", "Financial Analyst", "Controller", "Payroll Specialist",
		"Accounts Payable Specialist"}},
	{"Human Resources", "HRS", 4, []string{"HR Business Partner", "Recruiter", "HR Generalist",
		"Compensation Analyst"}},
	{"IT", "ITS", 8, []string{"System Administrator", "Network Engineer", "Identity Engineer",
		"IT Support Specialist", "Security Analyst", "Database Administrator", "Cloud Engineer"}},
	{"Operations", "OPS", 12, []string{"Operations Analyst", "Logistics Coordinator", "Warehouse Supervisor",
		"Procurement Specialist", "Facilities Coordinator"}},
	{"Product", "PRD", 5, []string{"Product Manager", "Senior Product Manager", "UX Designer", "UX Researcher"}},
	{"Legal", "LEG", 2, []string{"Corporate Counsel", "Paralegal", "Compliance Officer"}},
	{"Data & Analytics", "DAT", 4, []string{"Data Analyst", "Data Engineer", "Data Scientist",
		"BI Developer"}},
}

// Department indexes used by the generators.
const (
	deptExecutive = iota
	deptEngineering
	deptSales
	deptCustomerService
	deptMarketing
	deptFinance
	deptHR
	deptIT
	deptOperations
	deptProduct
	deptLegal
	deptData
)

var locations = []string{"New York", "Austin", "London", "Berlin", "Toronto", "Singapore", "Remote"}

// Worker types of a person.
const (
	workerEmployee = iota
	workerContractor
	workerLeaver
)

// Admin second account naming styles (0 = none).
var adminStyles = []string{"", "adm-%s", "%s-adm", "a-%s", "%s.admin"}

// person is the compact record of one identity; strings are derived on demand
// so that a million-account tenant stays small in memory.
type person struct {
	first, last uint16
	samN, nameN uint16 // occurrence of the account name / full name (1 = first)
	dept        uint8
	depth       uint8 // distance from the CEO
	worker      uint8
	title       uint8 // index into the department's titles (staff only)
	admin       uint8 // index into adminStyles
	loc         uint8
	levels      uint8 // 0 USER, 1 ORG_ADMIN, 2 SOURCE_ADMIN
	newHire     bool
	manager     int32 // -1 for the CEO
	eid         int32
	hireDaysAgo int32
	leftDaysAgo int32
}

// gen holds what every generator shares: the config, the people and the sources.
type gen struct {
	cfg        Config
	people     []person
	techPeople []int32 // active IT and Engineering staff: owners of service accounts
	members    [][]int32
	sources    []*mica.Source
	adDomain   string // corp.example.com
	adBase     string // DC=corp,DC=example,DC=com
	tenantName string // examplecorp (for onmicrosoft.com)
}

func newGen(cfg Config) *gen {
	cfg = cfg.normalize()
	g := &gen{cfg: cfg, adDomain: "corp." + cfg.Domain}
	parts := strings.Split(g.adDomain, ".")
	g.adBase = "DC=" + strings.Join(parts, ",DC=")
	g.tenantName = foldASCII(strings.Split(cfg.Domain, ".")[0]) + "corp"
	g.makePeople()
	g.makeSources()
	return g
}

func (g *gen) makePeople() {
	r := g.rng(streamPeople)
	n := g.cfg.Identities
	g.people = make([]person, n)
	g.members = make([][]int32, len(departments))
	samCount := make(map[uint32]uint16)
	nameCount := make(map[uint32]uint16)
	span := make([]int, len(departments))
	var weights []int
	total := 0
	for d := range departments {
		span[d] = 4 + r.IntN(5)
		total += departments[d].weight
		weights = append(weights, total)
	}
	eid := int32(100000 + r.IntN(5000))
	for i := range n {
		p := &g.people[i]
		p.first, p.last = uint16(r.IntN(len(firstNames))), uint16(r.IntN(len(lastNames)))
		initial := firstNames[p.first].ascii[0]
		samKey := uint32(initial)<<16 | uint32(p.last)
		samCount[samKey]++
		p.samN = samCount[samKey]
		nameKey := uint32(p.first)<<16 | uint32(p.last)
		nameCount[nameKey]++
		p.nameN = nameCount[nameKey]
		switch {
		case i == 0:
			p.dept = deptExecutive
		case i < len(departments):
			p.dept = uint8(i) // every department gets its head first
		default:
			x := r.IntN(total)
			for d, w := range weights {
				if x < w {
					p.dept = uint8(d)
					break
				}
			}
		}
		p.worker = workerEmployee
		if i >= len(departments) {
			switch x := r.Float64(); {
			case x < 0.05:
				p.worker = workerLeaver
			case x < 0.12:
				p.worker = workerContractor
			}
		}
		d := int(p.dept)
		switch {
		case i == 0:
			p.manager = -1
		case p.worker == workerEmployee:
			k := len(g.members[d])
			if k == 0 {
				p.manager = 0
			} else {
				p.manager = g.members[d][(k-1)/span[d]]
			}
			g.members[d] = append(g.members[d], int32(i))
		default: // contractors and leavers report to someone, nobody reports to them
			if m := g.members[d]; len(m) > 0 {
				p.manager = m[r.IntN(len(m))]
			}
		}
		if p.manager >= 0 {
			p.depth = g.people[p.manager].depth + 1
		}
		p.title = uint8(r.IntN(len(departments[d].titles)))
		p.loc = uint8(r.IntN(len(locations)))
		eid += int32(1 + r.IntN(3))
		p.eid = eid
		p.hireDaysAgo = int32(15 + r.IntN(365*12))
		if r.Float64() < 0.02 {
			p.newHire = true
			p.hireDaysAgo = int32(r.IntN(14))
		}
		if p.worker == workerLeaver {
			p.leftDaysAgo = int32(r.IntN(int(min(p.hireDaysAgo, 500)) + 1))
		}
		if p.worker == workerEmployee && !p.newHire {
			switch {
			case d == deptIT && r.Float64() < 0.45, d == deptEngineering && r.Float64() < 0.03:
				p.admin = uint8(pickWeighted(r.IntN(100), 50, 20, 15, 15) + 1)
			}
			if d == deptIT || d == deptEngineering {
				g.techPeople = append(g.techPeople, int32(i))
			}
		}
	}
	// The identity team: the IT head and the first IT engineer administer the tenant.
	if m := g.members[deptIT]; len(m) > 0 {
		g.people[m[0]].levels = 1
		if len(m) > 1 {
			g.people[m[1]].levels = 2
		}
	} else {
		g.people[0].levels = 1
	}
	if len(g.techPeople) == 0 {
		g.techPeople = []int32{0}
	}
}

// pickWeighted returns the index of the bucket x (in [0, sum of weights)) falls in.
func pickWeighted(x int, weights ...int) int {
	for i, w := range weights {
		if x < w {
			return i
		}
		x -= w
	}
	return len(weights) - 1
}

func (g *gen) firstName(i int) string { return firstNames[g.people[i].first].text }
func (g *gen) lastName(i int) string  { return lastNames[g.people[i].last].text }

// displayName is "First Last".
func (g *gen) displayName(i int) string { return g.firstName(i) + " " + g.lastName(i) }

// sam is the person's sAMAccountName: first initial and last name, numbered on collisions.
func (g *gen) sam(i int) string {
	p := &g.people[i]
	last := strings.ReplaceAll(lastNames[p.last].ascii, "-", "")
	s := firstNames[p.first].ascii[:1] + last
	if p.samN > 1 {
		s += strconv.Itoa(int(p.samN))
	}
	return s
}

// alias is the person's unique user name and mail local part: first.last, numbered on collisions.
func (g *gen) alias(i int) string {
	p := &g.people[i]
	s := firstNames[p.first].ascii + "." + lastNames[p.last].ascii
	if p.nameN > 1 {
		s += strconv.Itoa(int(p.nameN))
	}
	return s
}

func (g *gen) email(i int) string { return g.alias(i) + "@" + g.cfg.Domain }

// employeeID is the HR worker id: E123456 for employees, C123456 for contractors.
func (g *gen) employeeID(i int) string {
	p := &g.people[i]
	prefix := "E"
	if p.worker == workerContractor {
		prefix = "C"
	}
	return prefix + strconv.Itoa(int(p.eid))
}

// title is the person's job title, from their place in the tree.
func (g *gen) title(i int) string {
	p := &g.people[i]
	dept := departments[p.dept]
	switch {
	case i == 0:
		return "Chief Executive Officer"
	case p.worker != workerEmployee:
		return dept.titles[p.title]
	case p.depth == 1:
		if p.dept == deptIT {
			return "Chief Information Officer"
		}
		return "VP, " + dept.name
	case p.depth == 2:
		return "Director, " + dept.name
	case p.depth == 3 && len(g.members[p.dept]) > 60:
		return dept.name + " Manager"
	}
	return dept.titles[p.title]
}

// cn is the person's AD common name, "Last, First" (escaped in DNs), numbered on collisions.
func (g *gen) cn(i int) string {
	p := &g.people[i]
	s := g.lastName(i) + ", " + g.firstName(i)
	if p.nameN > 1 {
		s += " (" + strconv.Itoa(int(p.nameN)) + ")"
	}
	return s
}

// escapeDN escapes an RDN value (RFC 4514) the way AD writes it.
func escapeDN(v string) string {
	if !strings.ContainsAny(v, `,+"\<>;=#`) {
		return v
	}
	var b strings.Builder
	for i := 0; i < len(v); i++ {
		c := v[i]
		if strings.IndexByte(`,+"\<>;=`, c) >= 0 || c == '#' && i == 0 {
			b.WriteByte('\\')
		}
		b.WriteByte(c)
	}
	return b.String()
}

// ouUsers is the OU a person's account lives in.
func (g *gen) personOU(i int) string {
	p := &g.people[i]
	switch p.worker {
	case workerLeaver:
		return "OU=Disabled Users,OU=Corp," + g.adBase
	case workerContractor:
		return "OU=Contractors,OU=Users,OU=Corp," + g.adBase
	}
	return "OU=" + escapeDN(departments[p.dept].name) + ",OU=Users,OU=Corp," + g.adBase
}

// dn is the distinguished name of the person's own AD account.
func (g *gen) dn(i int) string { return "CN=" + escapeDN(g.cn(i)) + "," + g.personOU(i) }

func (g *gen) identityID(i int) string { return makeID(g.cfg.Seed, nsIdentity, uint64(i)) }

func (g *gen) daysAgo(days int32) time.Time {
	return g.cfg.Now.AddDate(0, 0, -int(days)).Truncate(24 * time.Hour)
}

// identities streams the identities.
func (g *gen) identities(fn func(*mica.Identity) error) error {
	for i := range g.people {
		p := &g.people[i]
		id := &mica.Identity{
			ID:          g.identityID(i),
			Name:        g.displayName(i),
			Alias:       g.alias(i),
			FirstName:   g.firstName(i),
			LastName:    g.lastName(i),
			Email:       g.email(i),
			Levels:      []string{mica.LevelUser},
			Status:      "ACTIVE",
			CloudStatus: "REGISTERED",
		}
		switch p.levels {
		case 1:
			id.Levels = []string{mica.LevelOrgAdmin}
		case 2:
			id.Levels = []string{mica.LevelSourceAdmin, mica.LevelHelpdesk}
		}
		lifecycle := "active"
		if p.worker == workerLeaver {
			id.Status, id.CloudStatus, lifecycle = "DISABLED", "UNREGISTERED", "inactive"
		}
		if p.manager >= 0 {
			id.ManagerID = g.identityID(int(p.manager))
		}
		workerType := "Employee"
		if p.worker == workerContractor {
			workerType = "Contractor"
		}
		id.Attributes = map[string]any{
			"uid":                  id.Alias,
			"firstname":            id.FirstName,
			"lastname":             id.LastName,
			"email":                id.Email,
			"displayName":          id.Name,
			"identificationNumber": g.employeeID(i),
			"department":           departments[p.dept].name,
			"title":                g.title(i),
			"location":             locations[p.loc],
			"workerType":           workerType,
			"cloudLifecycleState":  lifecycle,
			"cloudStatus":          id.CloudStatus,
		}
		if err := fn(id); err != nil {
			return err
		}
	}
	return nil
}

// makeSources builds the sources, owned by the tenant's first admin.
func (g *gen) makeSources() {
	owner := 0
	for i := range g.people {
		if g.people[i].levels == 1 {
			owner = i
			break
		}
	}
	ref := mica.Ref{Type: "IDENTITY", ID: g.identityID(owner), Name: g.displayName(owner)}
	g.sources = []*mica.Source{
		SourceHR: {Name: "Workday HR", Description: "Authoritative HR source: one worker per identity",
			Type: "Workday", Connector: "workday", ConnectorName: "Workday", ConnectionType: "direct",
			ConnectorClass: "sailpoint.connector.WorkdayConnector", ConnectorID: "workday",
			ConnectorImplementationID: "workday", Authoritative: true,
			Features: []string{"SEARCH", "NO_PERMISSIONS_PROVISIONING"}},
		SourceAD: {Name: "Active Directory", Description: "Corporate Active Directory (" + g.adDomain + ")",
			Type: "Active Directory - Direct", Connector: "active-directory", ConnectorName: "Active Directory - Direct",
			ConnectorClass: "sailpoint.connector.ADLDAPConnector", ConnectorID: "active-directory",
			ConnectorImplementationID: "active-directory", ConnectionType: "direct",
			Features: []string{"PROVISIONING", "SYNC_PROVISIONING", "DIRECT_PERMISSIONS", "MANAGER_LOOKUP", "SEARCH",
				"UNLOCK", "AUTHENTICATE", "ENABLE", "PASSWORD"}},
		SourceEntra: {Name: "Entra ID", Description: "Microsoft Entra ID tenant " + g.tenantName + ".onmicrosoft.com",
			Type: "Azure Active Directory", Connector: "azure-active-directory", ConnectorName: "Azure Active Directory",
			ConnectionType: "direct", ConnectorClass: "sailpoint.connector.AzureADConnector",
			ConnectorID: "azure-active-directory", ConnectorImplementationID: "azure-active-directory",
			Features: []string{"PROVISIONING", "ENABLE", "SEARCH", "MANAGER_LOOKUP"}},
		SourceGitHub: {Name: "GitHub", Description: "GitHub Enterprise Cloud organization " + g.tenantName,
			Type: "GitHub", Connector: "github", ConnectorName: "GitHub", ConnectionType: "direct",
			ConnectorClass: "sailpoint.connector.GithubConnector", ConnectorID: "github",
			ConnectorImplementationID: "github", Features: []string{"PROVISIONING", "SEARCH"}},
		SourceSalesforce: {Name: "Salesforce", Description: "Salesforce production org", Type: "Salesforce",
			Connector: "salesforce", ConnectorName: "Salesforce", ConnectionType: "direct",
			ConnectorClass: "sailpoint.connector.SalesforceConnector", ConnectorID: "salesforce",
			ConnectorImplementationID: "salesforce", Features: []string{"PROVISIONING", "ENABLE", "SEARCH"}},
		SourceSlack: {Name: "Slack", Description: "Slack workspace " + g.tenantName + ".slack.com", Type: "Slack",
			Connector: "slack", ConnectorName: "Slack", ConnectionType: "direct",
			ConnectorClass: "sailpoint.connector.SlackConnector", ConnectorID: "slack",
			ConnectorImplementationID: "slack", Features: []string{"PROVISIONING", "ENABLE", "SEARCH"}},
	}
	for i, s := range g.sources {
		s.ID = makeID(g.cfg.Seed, nsSource, uint64(i))
		s.Owner = ref
		s.Healthy = true
		s.Status = "SOURCE_STATE_HEALTHY"
		s.DeleteThreshold = 10
	}
}
