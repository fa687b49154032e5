package main

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Northwind Health: a US hospital network, English. Raw LDAP export
// (csvde-like): LDAP attribute names, userAccountControl as an integer, times
// as Windows FILETIME integers, whenCreated as generalized time, multi-valued
// attributes joined by "|". People are flast (jsmith, jsmith2); per-diem staff
// log on with their employee number; admins have a-/da- second accounts;
// service accounts grew over twenty years with several conventions.

var nwhDepts = []dept{
	{"Administration", 0.02, []string{"Executive Assistant", "Administrative Assistant", "Vice President Operations", "Project Manager"}, "Chief Executive Officer", "Director of Operations"},
	{"Nursing", 0.28, []string{"Registered Nurse", "Registered Nurse", "Registered Nurse", "Charge Nurse", "Nurse Practitioner", "Licensed Practical Nurse", "Nursing Assistant", "Nursing Assistant", "Clinical Nurse Educator", "Unit Secretary"}, "Chief Nursing Officer", "Nurse Manager"},
	{"Emergency Medicine", 0.05, []string{"Emergency Physician", "ED Technician", "Registered Nurse", "Unit Secretary", "Physician Assistant"}, "ED Medical Director", "ED Nurse Manager"},
	{"Radiology", 0.05, []string{"Radiologic Technologist", "CT Technologist", "MRI Technologist", "Radiologist", "Sonographer", "PACS Administrator"}, "Director of Imaging", "Radiology Supervisor"},
	{"Laboratory", 0.05, []string{"Medical Laboratory Scientist", "Phlebotomist", "Lab Assistant", "Pathologist", "Histotechnician"}, "Laboratory Director", "Lab Supervisor"},
	{"Pharmacy", 0.04, []string{"Clinical Pharmacist", "Pharmacy Technician", "Pharmacy Technician", "Pharmacy Automation Technician"}, "Director of Pharmacy", "Pharmacy Supervisor"},
	{"Surgical Services", 0.05, []string{"Surgeon", "Surgical Technologist", "OR Nurse", "Robotic Surgery Coordinator", "Anesthesiologist", "Sterile Processing Technician"}, "Director of Surgical Services", "OR Manager"},
	{"Cardiology", 0.03, []string{"Cardiologist", "Cardiovascular Technologist", "Registered Nurse", "Medical Assistant"}, "Cardiology Medical Director", "Cardiology Manager"},
	{"Oncology", 0.03, []string{"Oncologist", "Oncology Nurse Navigator", "Radiation Therapist", "Medical Assistant"}, "Cancer Center Director", "Oncology Manager"},
	{"Pediatrics", 0.03, []string{"Pediatrician", "Registered Nurse", "Child Life Specialist", "Medical Assistant"}, "Chief of Pediatrics", "Pediatrics Manager"},
	{"Patient Access", 0.05, []string{"Patient Access Representative", "Patient Service Representative", "Scheduler", "Registration Clerk", "Financial Counselor"}, "Director of Patient Access", "Patient Access Supervisor"},
	{"Health Information Management", 0.03, []string{"Medical Records Clerk", "Coding Specialist", "Release of Information Specialist", "Clinical Documentation Specialist"}, "HIM Director", "HIM Supervisor"},
	{"Revenue Cycle", 0.05, []string{"Billing Specialist", "Claims Analyst", "Collections Representative", "Charge Capture Analyst", "Denials Specialist"}, "VP Revenue Cycle", "Billing Manager"},
	{"Finance", 0.02, []string{"Accountant", "Financial Analyst", "Payroll Specialist", "Accounts Payable Clerk"}, "Chief Financial Officer", "Controller"},
	{"Human Resources", 0.02, []string{"HR Generalist", "Recruiter", "Benefits Specialist", "HRIS Analyst"}, "Chief Human Resources Officer", "HR Manager"},
	{"Information Services", 0.05, []string{"Service Desk Analyst", "Service Desk Analyst", "Systems Administrator", "Network Engineer", "Epic Application Analyst", "Epic Application Analyst", "Interface Analyst", "Integration Engineer", "Automation Engineer", "Database Administrator", "Desktop Support Technician", "Security Analyst", "Test Analyst", "Clinical Systems Trainer", "RPA Developer"}, "Chief Information Officer", "IS Manager"},
	{"Facilities", 0.03, []string{"Maintenance Technician", "HVAC Technician", "Biomedical Equipment Technician", "Electrician", "Security Officer"}, "Director of Facilities", "Facilities Supervisor"},
	{"Environmental Services", 0.04, []string{"Environmental Services Technician", "Housekeeper", "Floor Technician"}, "EVS Director", "EVS Supervisor"},
	{"Food and Nutrition", 0.03, []string{"Food Service Worker", "Dietitian", "Cook", "Dietary Aide"}, "Director of Food Services", "Food Services Supervisor"},
	{"Supply Chain", 0.02, []string{"Buyer", "Materials Handler", "Supply Chain Analyst", "Mail Services Clerk"}, "Director of Supply Chain", "Materials Manager"},
	{"Quality and Safety", 0.01, []string{"Quality Analyst", "Infection Preventionist", "Patient Safety Officer"}, "VP Quality", "Quality Manager"},
	{"Rehabilitation", 0.02, []string{"Physical Therapist", "Occupational Therapist", "Speech Language Pathologist"}, "Rehab Director", "Rehab Supervisor"},
	{"Respiratory Therapy", 0.02, []string{"Respiratory Therapist", "Respiratory Therapist", "Pulmonary Function Technologist"}, "Respiratory Director", "Respiratory Supervisor"},
}

// Titles with words a naive detector takes for a machine's.
var nwhMachineWords = []string{"service", "automation", "interface", "integration", "test", "trainer", "systems", "robotic", "mail", "rpa", "scheduler", "database", "pacs"}

type nwhApp struct{ code, name, host string }

var nwhApps = []nwhApp{
	{"epic", "Epic", "EPICPRDAPP01"}, {"kronos", "Kronos Workforce Central", "NWHKRONOS01"}, {"pacs", "Sectra PACS", "NWHPACS01"},
	{"lawson", "Lawson", "NWHLAWSON01"}, {"imprivata", "Imprivata OneSign", "NWHIMPR01"}, {"citrix", "Citrix Virtual Apps", "NWHCTXDDC01"},
	{"sccm", "SCCM", "NWHSCCM01"}, {"veeam", "Veeam Backup", "NWHVEEAM01"}, {"solarwinds", "SolarWinds Orion", "NWHSW01"},
	{"snow", "ServiceNow MID Server", "NWHMID01"}, {"pyxis", "Pyxis MedStation", "NWHPYXIS01"}, {"omnicell", "Omnicell", "NWHOMNI01"},
	{"muse", "GE MUSE", "NWHMUSE01"}, {"dragon", "Nuance Dragon Medical", "NWHDMO01"}, {"vocera", "Vocera", "NWHVOC01"},
	{"kofax", "Kofax Capture", "NWHKOFAX01"}, {"rightfax", "RightFax", "NWHFAX01"}, {"workday", "Workday", "NWHWDINT01"},
	{"tableau", "Tableau Server", "NWHTAB01"}, {"sharepoint", "SharePoint", "NWHSP01"}, {"onbase", "Hyland OnBase", "NWHONBASE01"},
	{"epo", "McAfee ePO", "NWHEPO01"}, {"qualys", "Qualys scanner", "NWHQLS01"}, {"splunk", "Splunk forwarder", "NWHSPLUNK01"},
	{"rubrik", "Rubrik", "NWHRBK01"}, {"ise", "Cisco ISE", "NWHISE01"}, {"sunquest", "Sunquest Lab", "NWHSQLAB01"},
	{"papercut", "PaperCut", "NWHPRINT01"}, {"clarity", "Epic Clarity", "NWHCLARITY01"}, {"cloverleaf", "Cloverleaf", "NWHCLVR01"},
}

var nwhSites = []string{"Main Campus", "Westlake", "Riverside", "Ambulatory"}
var nwhSiteCode = map[string]string{"Main Campus": "MC", "Westlake": "WL", "Riverside": "RS", "Ambulatory": "AMB"}

const nwhMail = "northwindhealth.org"

func ft(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return strconv.FormatInt((t.Unix()+11644473600)*10000000+int64(t.Nanosecond()/100), 10)
}

func genNWH(seed uint64, now time.Time) *orgFiles {
	r := newRNG(seed, "nwh")
	d := newDirectory("nwh.local", now, r)
	st := buildStaff(r, now, staffSpec{
		n: 1760, depts: nwhDepts, sites: nwhSites, siteWeights: []float64{0.5, 0.2, 0.18, 0.12},
		first: usFirst, last: usLast, hardLast: usHardLast, hardLastShare: 0.006,
		terminated: 0.11, leave: 0.015, pending: 0.012,
		nextID:      func(i int) string { return strconv.Itoa(100200 + i*7 + i%5) },
		workerTypes: []string{"Employee", "Per Diem", "Traveler", "Resident"}, workerWeights: []float64{0.86, 0.07, 0.03, 0.04},
	})
	o := &nwh{r: r, d: d, st: st, now: now}
	o.people()
	o.externals()
	o.admins()
	o.computers()
	o.machines()
	return o.files()
}

type nwh struct {
	r   *rng
	d   *directory
	st  *staff
	now time.Time
	is  []*person // Information Services staff with accounts: owners of machines
}

func (o *nwh) samFor(first, last string) string {
	base := cut(letters(first), 1) + cut(letters(last), 19)
	return o.d.unique(base, func(n int) string { return base + strconv.Itoa(n) })
}

func (o *nwh) upnFor(first, last string) string {
	base := mailPart(first) + "." + mailPart(last)
	u := base
	for n := 2; o.d.taken("upn:" + u); n++ {
		u = base + strconv.Itoa(n)
	}
	o.d.names["upn:"+u] = true
	return u + "@" + nwhMail
}

func (o *nwh) usersOU(site string) string {
	return o.d.ou("Users", nwhSiteCode[site], "NWH")
}

func (o *nwh) groups(p *person) []string {
	r := o.r
	g := []string{"GG_" + strings.ReplaceAll(p.dept, " ", "") + "_Users"}
	switch p.dept {
	case "Nursing", "Emergency Medicine", "Radiology", "Laboratory", "Pharmacy", "Surgical Services", "Cardiology", "Oncology", "Pediatrics", "Rehabilitation", "Respiratory Therapy":
		g = append(g, "Epic_Clinical_Users", "Imprivata_SSO")
	}
	if r.chance(0.25) {
		g = append(g, "VPN_Users")
	}
	if r.chance(0.3) {
		g = append(g, "Citrix_Users")
	}
	return g
}

// people makes the directory accounts of the HR population.
func (o *nwh) people() {
	r, d := o.r, o.d
	// Accounts of leads first so that reports can point at their managers.
	order := make([]*person, 0, len(o.st.people))
	for _, p := range o.st.people {
		if p.head || p.lead {
			order = append(order, p)
		}
	}
	for _, p := range o.st.people {
		if !p.head && !p.lead {
			order = append(order, p)
		}
	}
	for _, p := range order {
		if p.status == "terminated" && !r.chance(0.42) {
			continue // deprovisioned: no account left
		}
		a := &adObj{given: p.first, sn: p.last, title: p.title, dept: p.dept, company: "Northwind Health",
			office: p.site, employeeID: p.id, employeeType: p.workerType, category: catHuman, identity: p.id}
		p.acct = a
		if p.workerType == "Per Diem" && r.chance(0.7) {
			a.sam = d.unique(p.id, func(n int) string { return p.id + "-" + strconv.Itoa(n) })
			a.note = "numeric username (per diem staff log on with their employee number)"
			a.category = catHumanHard
		} else {
			a.sam = o.samFor(p.first, p.last)
		}
		a.upn = o.upnFor(p.first, p.last)
		a.displayName = p.last + ", " + p.first
		if strings.HasSuffix(p.title, "Nurse") && r.chance(0.3) {
			a.displayName += ", RN"
		}
		if titleHas(p.title, []string{"Physician", "ologist", "Surgeon", "Pediatrician"}) && !titleHas(p.title, []string{"Technologist"}) && r.chance(0.5) {
			a.displayName += ", MD"
		}
		a.cn = a.displayName
		a.ou = o.usersOU(p.site)
		noMailDept := p.dept == "Environmental Services" || p.dept == "Food and Nutrition"
		if !noMailDept && r.chance(0.98) || noMailDept && r.chance(0.35) {
			a.mail = strings.TrimSuffix(a.upn, "@"+nwhMail) + "@" + nwhMail
		}
		p.email = a.mail
		if p.manager != nil && r.chance(0.96) {
			a.manager = p.manager.acct // nil when the manager's account is gone
		}
		if r.chance(0.4) {
			a.description = p.title
		}
		a.memberOf = o.groups(p)
		if r.chance(0.12) {
			a.employeeType = "" // created before HR fed the directory
		}
		a.uac = uacNormal
		d.personActive(a)
		a.created = p.hire.Add(-time.Duration(r.between(2, 20))*24*time.Hour + time.Duration(r.between(7*3600, 17*3600))*time.Second)
		if a.created.After(a.pwdLastSet) {
			a.pwdLastSet = a.created.Add(time.Hour * 30)
			if a.lastLogon.Before(a.pwdLastSet) {
				a.lastLogon = a.pwdLastSet.Add(time.Hour)
			}
		}
		switch p.status {
		case "terminated":
			a.uac |= uacDisabled
			a.ou = d.ou("Disabled Users", "NWH")
			a.lastLogon = p.term.Add(-time.Duration(r.between(1, 72)) * time.Hour)
			if a.pwdLastSet.After(a.lastLogon) {
				a.pwdLastSet = a.lastLogon.AddDate(0, 0, -r.between(1, 85))
			}
			a.manager = nil
			a.memberOf = nil
			a.category, a.note = catHumanHard, "disabled leaver account"
			if r.chance(0.6) {
				a.description = fmt.Sprintf("Termed %s - RITM%07d", p.term.Format("2006-01-02"), r.between(10000, 99999))
			}
			if r.chance(0.5) {
				a.mail = ""
			}
		case "leave":
			if r.chance(0.5) {
				a.uac |= uacDisabled
				a.description = "LOA - disabled per HR until return"
			}
			a.lastLogon = r.at(o.now, 30, 200, true)
			a.pwdLastSet = a.lastLogon.AddDate(0, 0, -r.between(1, 80))
			a.category, a.note = catHumanHard, "on leave: no logon for months"
		case "pending":
			a.created = r.at(o.now, 1, 14, true)
			a.pwdLastSet, a.mustChange, a.lastLogon = time.Time{}, true, time.Time{}
			a.category, a.note = catHumanHard, "pre-hire: never logged on, must change password"
		}
		if p.status == "active" {
			switch {
			case titleHas(p.title, nwhMachineWords):
				a.category, a.note = catHumanHard, "job title with a machine word"
			case p.workerType == "Resident" && r.chance(0.15):
				a.expires = p.hire.AddDate(3, 0, 0)
				a.category, a.note = catHumanHard, "resident with a set account expiry"
			case titleHas(p.title, []string{"Physician", "Surgeon", "ologist"}) && r.chance(0.12):
				// Physicians who got "password never expires" from a helpful analyst.
				a.uac |= uacDontExpire
				a.pwdLastSet = r.at(o.now, 500, 2500, true)
				a.category, a.note = catHumanHard, "physician with password never expires: old password, daily logons"
			case a.mail == "" && (a.manager == nil || r.chance(0.3)):
				a.manager = nil
				a.category, a.note = catHumanHard, "no mailbox and no manager"
			case r.chance(0.02):
				a.employeeID, a.identity = "", ""
				a.category, a.note = catHumanHard, "never linked to HR: no employeeID"
			}
			if containsStr(usHardLast, p.last) {
				a.category, a.note = catHumanHard, "surname that reads as a machine word"
			}
		}
		if p.workerType == "Traveler" {
			a.ou = d.ou("Contractors", "NWH")
			a.expires = o.now.AddDate(0, r.between(1, 6), 0).Truncate(24 * time.Hour)
			a.displayName += " (Traveler)"
			a.cn = a.displayName
			a.category, a.note = catHumanExt, "travel nurse in HR, account with an expiry date"
		}
		if p.dept == "Information Services" && p.status == "active" {
			o.is = append(o.is, p)
		}
		d.add(a)
	}
}

// externals: contractors and vendor engineers, not in HR, so not correlated.
func (o *nwh) externals() {
	r, d := o.r, o.d
	agencies := []string{"Aya Healthcare", "AMN Healthcare", "Cerner Consulting", "Impact Advisors", "Optum", "Nordic Consulting", "Deloitte", "TEKsystems", "Robert Half"}
	vendors := []string{"GE Healthcare", "Philips", "Siemens Healthineers", "Epic Systems", "Stryker", "Omnicell"}
	sponsors := o.st.inDept("Information Services", "Nursing", "Finance", "Revenue Cycle")
	for i := range 95 {
		first, last := pick(r, usFirst), pick(r, usLast)
		a := &adObj{given: first, sn: last, uac: uacNormal, category: catHumanExt, employeeType: "Contractor"}
		if i%5 == 4 {
			v := pick(r, vendors)
			base := "v-" + cut(letters(first), 1) + cut(letters(last), 17)
			a.sam = d.unique(base, func(n int) string { return base + strconv.Itoa(n) })
			a.company = v
			a.displayName = last + ", " + first + " (Vendor - " + v + ")"
			a.description = pick(r, []string{v + " field service engineer - remote support", "Vendor remote access - " + v, "Vendor: " + v})
			a.note = "named vendor engineer (v- prefix)"
			a.employeeType = "Vendor"
			a.memberOf = []string{"VPN_Vendors"}
		} else {
			ag := pick(r, agencies)
			a.sam = o.samFor(first, last)
			a.company = ag
			a.displayName = last + ", " + first + " (Contractor)"
			sp := pick(r, sponsors)
			if r.chance(0.7) {
				a.description = fmt.Sprintf("Contractor - %s - sponsor %s", ag, sp.full())
			}
			a.title = pick(r, []string{"Consultant", "Epic Consultant", "Project Manager", "Travel Nurse", "Analyst", "Interface Consultant"})
			a.note = "contractor, not in HR"
			if r.chance(0.5) {
				a.mail = mailPart(first) + "." + mailPart(last) + ".ext@" + nwhMail
			}
			if sp.acct != nil && r.chance(0.6) {
				a.manager = sp.acct
			}
		}
		a.cn = a.displayName
		a.ou = d.ou("Contractors", "NWH")
		a.upn = a.sam + "@" + nwhMail
		d.personActive(a)
		a.expires = o.now.AddDate(0, r.between(-2, 11), r.between(0, 27)).Truncate(24 * time.Hour)
		if a.expires.Before(o.now) {
			a.note += "; expired but still enabled"
			a.lastLogon = a.expires.AddDate(0, 0, -r.between(1, 20))
		}
		d.add(a)
	}
}

// admins: second accounts of IT staff (human, decided in docs/discovery-labels.md).
func (o *nwh) admins() {
	r, d := o.r, o.d
	owners := append([]*person(nil), o.is...)
	for _, p := range o.st.inDept("Pharmacy", "Radiology", "Laboratory") {
		if r.chance(0.04) && p.acct != nil {
			owners = append(owners, p) // departmental super-users with an admin account
		}
	}
	nDA := 0
	for _, p := range owners {
		if p.acct == nil || !r.chance(0.75) {
			continue
		}
		prefix := "a-"
		if nDA < 6 && titleHas(p.title, []string{"Systems Administrator", "Network", "Security", "Manager", "Chief"}) {
			prefix = "da-"
			nDA++
		}
		sam := d.unique(prefix+p.acct.sam, func(n int) string { return prefix + p.acct.sam + strconv.Itoa(n) })
		a := &adObj{sam: sam, given: p.first, sn: p.last, displayName: p.last + ", " + p.first + " (Admin)",
			ou: d.ou("Admin Accounts", "Information Services", "NWH"), upn: sam + "@nwh.local", uac: uacNormal,
			category: catHumanAdmin, note: "admin second account of " + p.acct.sam, memberOf: []string{"IS_Server_Admins"}}
		if prefix == "da-" {
			a.memberOf = []string{"Domain Admins"}
			a.uac |= uacNotDelegated | uacSmartcard
			a.note = "domain admin second account of " + p.acct.sam
		} else if r.chance(0.5) {
			a.uac |= uacNotDelegated
		}
		if r.chance(0.4) {
			a.employeeID, a.identity = p.id, p.id
		}
		switch r.intn(4) {
		case 0:
			a.description = "Admin account - " + p.full()
		case 1:
			a.description = "Privileged account for " + p.acct.sam
		}
		if r.chance(0.2) {
			a.uac |= uacDontExpire // left over from before the tiering project
		}
		a.cn = a.displayName
		d.personActive(a)
		if r.chance(0.3) {
			a.lastLogon = r.at(o.now, 20, 200, true)
			a.pwdLastSet = a.lastLogon.AddDate(0, 0, -r.between(10, 200))
		}
		d.add(a)
	}
}

func (o *nwh) computers() {
	r, d := o.r, o.d
	for i := 1; i <= 3; i++ {
		d.computer(fmt.Sprintf("NWHDC%02d", i), d.ou("Domain Controllers"), "Windows Server 2022 Standard", "", true, true, false)
	}
	for _, a := range nwhApps {
		if r.chance(0.6) {
			os := pick(r, []string{"Windows Server 2019 Standard", "Windows Server 2022 Standard", "Windows Server 2016 Standard"})
			d.computer(a.host, d.ou("Servers", "NWH"), os, a.name, true, false, false)
		}
	}
	for _, n := range []string{"NWHFS01", "NWHFS02", "NWHEX01", "NWHEX02", "NWHSQL01", "NWHSQL02", "NWHSQL03", "NWHAADC01", "NWHPRINT02", "NWHCA01"} {
		d.computer(n, d.ou("Servers", "NWH"), "Windows Server 2019 Standard", "", true, false, false)
	}
	for range 8 {
		d.computer(fmt.Sprintf("NWHAPP%03d", r.between(100, 400)), d.ou("Servers", "NWH"), "Windows Server 2012 R2 Standard", "decommissioned", true, false, true)
	}
	units := []string{"3 West", "4 East", "ED Triage", "ICU", "Lab", "Pharmacy", "Registration", "OR 2", "Radiology", "NICU"}
	for range 175 {
		site := nwhSites[r.weighted([]float64{0.55, 0.2, 0.15, 0.1})]
		code := nwhSiteCode[site]
		kind := pick(r, []string{"WKS", "WKS", "WKS", "LT", "COW"}) // COW: computer on wheels
		name := d.unique(fmt.Sprintf("%s-%s-%04d", code, kind, r.between(1, 9999)), func(n int) string { return fmt.Sprintf("%s-%s-%04d", code, kind, r.between(1, 9999)) })
		desc := ""
		if r.chance(0.2) {
			desc = pick(r, units) + " " + pick(r, []string{"nurse station", "workstation", "cart", "kiosk"})
		}
		os := pick(r, []string{"Windows 10 Enterprise", "Windows 11 Enterprise", "Windows 11 Enterprise"})
		d.computer(name, d.ou("Workstations", code, "NWH"), os, desc, false, false, r.chance(0.1))
	}
}

func (o *nwh) owner() *person { return pick(o.r, o.is) }

func (o *nwh) paperwork(owner *person) paperwork {
	return paperwork{company: "Northwind Health", dept: "Information Services", titles: []string{"Service Account", "Application Account", "System"},
		surnames: []string{"Service", "Svc", "Account", "Admin", "Interface"}, owner: owner.acct}
}

func initialLast(p *person) string { return p.first[:1] + ". " + p.last }

func (o *nwh) machines() {
	r, d := o.r, o.d
	d.builtins(builtinEN, "nwhadmin")
	d.exchangeSystem([]string{"NWHEX01", "NWHEX02"})
	d.entraConnect("NWHAADC01", "northwindhealth.onmicrosoft.com", true)
	svcOU := d.ou("Service Accounts", "Information Services", "NWH")
	msa := d.ou("CN=Managed Service Accounts")

	// Break-glass: shared by nobody, used by whoever holds the envelope.
	bg := d.add(&adObj{sam: "bg-emergency01", displayName: "Break Glass 01", ou: d.ou("Admin Accounts", "Information Services", "NWH"),
		description: "Break glass - emergency domain admin. Credentials sealed in CIO safe.", uac: uacNormal | uacDontExpire,
		memberOf: []string{"Domain Admins"}, category: catBuiltin, note: "break-glass emergency account"})
	d.neverUsed(bg, 300, 1200)

	// gMSA / sMSA.
	for _, g := range []struct{ sam, desc string }{
		{"gmsa-sqlprd01$", "gMSA for SQL Server PRD cluster"}, {"gmsa-sqlprd02$", ""}, {"gmsa-clarity$", "Clarity ETL"},
		{"gmsa_epicprint$", ""}, {"gMSA-IIS-Portal$", "Patient portal app pool"}, {"gmsa-adfs$", "ADFS farm"},
		{"gmsa-scom$", ""}, {"gmsa-veeam$", ""}, {"gmsa-tasks-fs01$", "scheduled tasks on NWHFS01"}, {"gmsa-kofax$", ""},
		{"gmsa-papercut$", ""}, {"gmsa-mid01$", "ServiceNow MID"},
	} {
		var spn []string
		if strings.Contains(g.sam, "sql") {
			h := "nwhsql0" + strconv.Itoa(r.between(1, 3)) + ".nwh.local"
			spn = []string{"MSSQLSvc/" + h + ":1433", "MSSQLSvc/" + h}
		}
		if strings.Contains(g.sam, "Portal") || strings.Contains(g.sam, "adfs") {
			spn = []string{"HTTP/" + strings.ToLower(strings.TrimSuffix(strings.TrimPrefix(strings.ToLower(g.sam), "gmsa-"), "$")) + ".northwindhealth.org"}
		}
		d.gmsa(g.sam, msa, g.desc, spn, false, "group managed service account")
	}
	d.gmsa("smsa-backup01$", msa, "", nil, true, "standalone managed service account")
	d.gmsa("sMSA-Print$", msa, "Print spooler service account", nil, true, "standalone managed service account")

	o.services(svcOU)
	o.integrations(svcOU)
	o.bots()
	o.mailboxes()
	o.templates()
	o.tests()
	o.repurposed()

	// Directory sync and identity governance beyond Entra Connect.
	for _, s := range []struct{ sam, display, desc string }{
		{"svc-okta-adagent", "Okta AD Agent", "Okta AD agent service - imports users to Okta"},
		{"svc_iiq", "IdentityIQ Service", ""},
	} {
		a := d.add(&adObj{sam: s.sam, displayName: s.display, description: s.desc, ou: svcOU, uac: uacNormal | uacDontExpire,
			category: catDirSync, note: "identity synchronisation agent"})
		d.serviceActive(a)
		a.lastLogon = r.nightly(o.now)
	}
}

var nwhEnvs = []string{"prd", "prd", "prd", "tst", "dev", "trn", "poc"}

// services: service accounts, named in every convention the place has had.
func (o *nwh) services(ou string) {
	r, d := o.r, o.d
	for range 118 {
		app := pick(r, nwhApps)
		env := pick(r, nwhEnvs)
		a := &adObj{ou: ou, uac: uacNormal | uacDontExpire, category: catService}
		owner := o.owner()
		var style string
		switch x := r.float(); {
		case x < 0.34:
			style = "svc-app-env"
			a.sam = fmt.Sprintf("svc-%s-%s", app.code, env)
		case x < 0.48:
			style = "svc_app"
			a.sam = "svc_" + app.code
		case x < 0.60:
			style = "appsvc"
			a.sam = app.code + pick(r, []string{"svc", "_service", "srv", "_svc"})
		case x < 0.68:
			style = "sql"
			a.sam = pick(r, []string{"sqlagent", "sqlsvc", "sql_", "SQLEngine"}) + fmt.Sprintf("%02d", r.between(1, 12))
		case x < 0.82:
			style = "plain"
			a.sam = pick(r, []string{app.code, app.code + "admin", app.code + "app", app.code + "user", app.code + "batch", "scan2folder", "scanner", "backup", "faxsrv", "printsrv", "reportsrv", "jobs", "ftpuser", "webapp"})
		case x < 0.89:
			style = "sa"
			a.sam = fmt.Sprintf("sa-%s%d", app.code, r.between(1, 4))
		case x < 0.95:
			style = "person"
			a.sam = owner.acct.sam + pick(r, []string{"_svc", "2", "-scripts", "_task", "-scan", "test"})
		default:
			style = "host"
			a.sam = strings.ToLower(app.host) + pick(r, []string{"-svc", "_run", "-tasks"})
		}
		base := a.sam
		a.sam = d.unique(base, func(n int) string { return base + strconv.Itoa(n) })
		a.note = "service account (" + style + ")"
		switch {
		case style == "person":
			a.note = "service account named after the person who made it"
			if r.chance(0.6) {
				a.displayName = owner.last + ", " + owner.first
				a.given, a.sn = owner.first, owner.last
			}
			if r.chance(0.4) {
				a.ou = o.usersOU(owner.site)
			}
		case r.chance(0.3):
		case r.chance(0.5):
			a.displayName = app.name + " Service"
		case r.chance(0.5):
			a.displayName = strings.ToUpper(strings.ReplaceAll(a.sam, "-", " "))
		default:
			a.displayName = app.name + " " + pick(r, []string{"Service Account", "App Pool", "Scheduler", "Job Runner", "Agent"})
		}
		owner2 := initialLast(owner)
		descs := []string{
			"Service account for " + app.name,
			app.name + " application service - do not disable",
			"Runs " + app.name + " scheduled tasks on " + app.host,
			"Owner: " + owner2 + " (IS) - " + app.name,
			"Used by " + app.name + " to write to \\\\nwhfs01\\" + app.code + "$",
			"SQL Server Agent - " + "NWHSQL0" + strconv.Itoa(r.between(1, 3)),
			"Do not change password! Hardcoded in " + app.name + " config",
			fmt.Sprintf("See CHG%07d", r.between(10000, 99999)),
			"Requested by " + owner.full() + " for " + app.name,
			app.name + " " + strings.ToUpper(env),
			"Scan to folder - " + pick(r, []string{"3 West", "Lab", "HIM", "Patient Access"}) + " copier",
			"Vault managed (CyberArk) - " + app.name,
			"Contact " + owner.acct.sam + " before changing",
		}
		if style == "person" || r.chance(0.27) {
			if style == "person" && r.chance(0.5) {
				a.description = pick(r, []string{"Scheduled task account (" + owner2 + ")", owner.first + "'s script account", "Runs reports for " + owner2})
			}
		} else {
			a.description = pick(r, descs)
		}
		if r.chance(0.3) {
			a.employeeType = "Service"
		}
		switch x := r.float(); {
		case x < 0.08:
			a.uac = uacNormal
		case x < 0.14:
			a.uac |= uacPasswdNotReqd
		case x < 0.19:
			a.uac |= uacDisabled
		case x < 0.24:
			a.uac |= uacTrustedToAuthDele
		case x < 0.26:
			a.uac |= uacDontReqPreauth
		case x < 0.28:
			a.uac |= uacTrustedForDeleg
		}
		if r.chance(0.33) {
			h := strings.ToLower(app.host) + ".nwh.local"
			a.spn = []string{pick(r, []string{"MSSQLSvc/" + h + ":1433", "HTTP/" + h, "HTTP/" + app.code + ".nwh.local"})}
			if r.chance(0.4) {
				a.spn = append(a.spn, "HTTP/"+strings.ToLower(app.host))
			}
		}
		if r.chance(0.06) {
			a.mail = app.code + "-alerts@" + nwhMail
		}
		if r.chance(0.03) {
			a.employeeID = owner.id // copied from the owner's account; does not make it theirs
			a.identity = owner.id
			a.note += "; carries its owner's employeeID"
		}
		d.fill(a, app.name, o.paperwork(owner))
		d.serviceActive(a)
		if a.description == "" && a.displayName == "" && a.ou != ou && a.uac&uacDontExpire == 0 {
			a.uac |= uacDontExpire // at least something of it shows
		}
		d.add(a)
	}
}

func (o *nwh) integrations(ou string) {
	r, d := o.r, o.d
	partners := []string{"LabCorp", "Quest", "Change Healthcare", "Availity", "BCBS", "Aetna", "Surescripts", "State Immunization Registry", "Press Ganey", "Vizient"}
	for range 46 {
		app := pick(r, nwhApps)
		a := &adObj{ou: ou, uac: uacNormal | uacDontExpire, category: catIntegration}
		var desc []string
		switch r.intn(6) {
		case 0:
			a.sam = pick(r, []string{"ldapbind-", "ldap_", "ldap-", "bind_"}) + app.code
			desc = []string{"LDAP bind account for " + app.name + " authentication", "Read-only directory lookup for " + app.name, app.name + " LDAP"}
			a.note = "LDAP bind account"
		case 1:
			b := pick(r, nwhApps)
			a.sam = fmt.Sprintf("int-%s-%s", app.code, b.code)
			desc = []string{"Interface account - " + app.name + " to " + b.name + " (HL7)", "Integration " + app.name + " > " + b.name, "Cloverleaf route " + app.code + " -> " + b.code}
			a.note = "interface account"
		case 2:
			p := pick(r, partners)
			a.sam = "sftp-" + letters(p)
			desc = []string{"SFTP transfer account - " + p, "Used by " + p + " to pull results nightly", p + " file exchange"}
			a.note = "partner file transfer account"
		case 3:
			a.sam = pick(r, []string{"api_", "api-", "rest_"}) + app.code
			desc = []string{"API integration user for " + app.name, app.name + " REST API", "Graph/API access for " + app.name}
			a.note = "API integration account"
		case 4:
			a.sam = "hl7_" + app.code
			desc = []string{"HL7 feed " + app.name, "Interface engine user - " + app.name}
			a.note = "HL7 interface account"
		default:
			a.sam = app.code + pick(r, []string{"_sync", "_import", "_export", "_connector", "feed"})
			desc = []string{app.name + " nightly import", "Connector account " + app.name, "Sync " + app.name + " users from AD"}
			a.note = "connector account"
		}
		base := a.sam
		a.sam = d.unique(base, func(n int) string { return base + strconv.Itoa(n) })
		if r.chance(0.7) {
			a.description = pick(r, desc)
		}
		if r.chance(0.4) {
			a.displayName = strings.ToUpper(a.sam[:1]) + a.sam[1:]
		}
		d.fill(a, app.name, o.paperwork(o.owner()))
		d.serviceActive(a)
		d.add(a)
	}
}

// bots: RPA runtime accounts and digital-worker personas.
func (o *nwh) bots() {
	r, d := o.r, o.d
	ou := d.ou("RPA", "Automation", "NWH")
	var devs []*person
	for _, p := range o.is {
		if p.title == "RPA Developer" || p.title == "Automation Engineer" {
			devs = append(devs, p)
		}
	}
	if len(devs) == 0 {
		devs = o.is
	}
	for i := 1; i <= 9; i++ {
		a := &adObj{sam: fmt.Sprintf("rpa-uip-bot%02d", i), displayName: fmt.Sprintf("UiPath Robot %02d", i), ou: ou,
			uac: uacNormal | uacDontExpire, category: catBot, note: "RPA unattended robot runtime"}
		if r.chance(0.6) {
			a.description = "UiPath unattended robot - " + pick(r, []string{"Revenue Cycle", "Patient Access", "Supply Chain", "HIM"})
		}
		d.serviceActive(a)
		a.lastLogon = r.at(o.now, 0, 1, false)
		d.add(a)
	}
	for i := 1; i <= 3; i++ {
		a := &adObj{sam: fmt.Sprintf("bp_runtime%02d", i), ou: ou, uac: uacNormal | uacDontExpire, category: catBot,
			note: "Blue Prism runtime resource", description: "Blue Prism runtime resource"}
		if i == 3 {
			a.description = ""
		}
		d.serviceActive(a)
		d.add(a)
	}
	personas := []string{"Prior authorization", "Claims status", "Eligibility checks", "Denials follow-up", "Referral intake", "Invoice matching", "Credentialing"}
	for i, job := range personas {
		first, last := pick(r, usFirst), pick(r, usLast)
		a := &adObj{sam: o.samFor(first, last), given: first, sn: last, displayName: last + ", " + first, upn: o.upnFor(first, last),
			uac: uacNormal | uacDontExpire, category: catBot, note: "digital-worker persona with a human name (" + job + ")"}
		a.mail = strings.TrimSuffix(a.upn, "@"+nwhMail) + "@" + nwhMail
		a.ou = d.ou("Digital Workers", "Automation", "NWH")
		if i%3 == 2 {
			a.ou = o.usersOU("Main Campus")
		}
		if r.chance(0.5) {
			a.title = pick(r, []string{"Digital Worker", "Virtual Assistant", "Digital Colleague"})
		}
		a.dept = "Revenue Cycle"
		a.manager = pick(r, devs).acct
		if r.chance(0.6) {
			a.description = "Digital worker - " + job + " (UiPath)"
		}
		d.serviceActive(a)
		a.lastLogon = r.at(o.now, 0, 2, true)
		d.add(a)
	}
}

func (o *nwh) mailboxes() {
	r, d := o.r, o.d
	shared := []string{"Pharmacy Orders", "HIM Release of Information", "OR Scheduling", "Nursing Staffing Office", "Payroll", "Recruiting",
		"IT Security", "Patient Relations", "Medical Staff Office", "Careers", "Marketing", "Compliance Hotline", "Privacy Office",
		"Credentialing", "Chaplain On-Call", "Nurse Recruiter", "Interpreter Services", "Reception Desk - Westlake", "Accounts Payable",
		"Lab Results", "Radiology Scheduling", "Case Management", "Foundation", "Volunteer Services", "Infection Control", "Supply Chain Orders",
		"Epic Access Requests", "Help Desk", "Benefits", "Wound Care Referrals", "Home Health Intake", "Transfer Center", "Bed Board",
		"Dietary Orders", "Security Dispatch", "Facilities Work Orders", "Risk Management", "Research Office", "GME Office", "Quality Reporting"}
	sharedOU := d.ou("Shared Mailboxes", "Exchange", "NWH")
	for i, n := range shared {
		compact := strings.NewReplacer(" ", "", "-", "", "'", "").Replace(n)
		sam := compact
		if i%3 == 0 {
			sam = "SM-" + strings.ReplaceAll(strings.ReplaceAll(n, " - ", "-"), " ", "-")
		}
		sam = d.unique(cut(sam, 20), func(k int) string { return cut(sam, 18) + strconv.Itoa(k) })
		a := &adObj{sam: sam, displayName: n, mail: strings.ToLower(strings.ReplaceAll(strings.ReplaceAll(n, " - ", "."), " ", "."))[:] + "@" + nwhMail,
			ou: sharedOU, recipType: 4, uac: uacNormal | uacDisabled, category: catMailbox, note: "shared mailbox"}
		a.mail = strings.NewReplacer("'", "").Replace(a.mail)
		if r.chance(0.2) {
			a.ou = o.usersOU(pick(r, nwhSites))
			a.note += ", created in a users OU"
		}
		if r.chance(0.4) {
			a.description = pick(r, []string{"Shared mailbox - " + n, "Shared mailbox", "Owner: " + initialLast(o.owner()), "Team inbox"})
		}
		o.mailboxActivity(a)
		d.add(a)
	}
	rooms := d.ou("Resources", "Exchange", "NWH")
	for range 34 {
		site := pick(r, nwhSites)
		code := nwhSiteCode[site]
		floor := r.between(1, 6)
		wing := pick(r, []string{"West", "East", "North", "South"})
		letter := string(rune('A' + r.intn(4)))
		sam := d.unique(fmt.Sprintf("CR-%s-%d%s-%s", code, floor, wing[:1], letter), func(k int) string {
			return fmt.Sprintf("CR-%s-%d%s-%s%d", code, floor, wing[:1], letter, k)
		})
		disp := fmt.Sprintf("Conf Rm %s %d %s %s (%d)", code, floor, wing, letter, pick(r, []int{4, 6, 8, 12, 20}))
		if r.chance(0.2) {
			disp = pick(r, []string{"Boardroom", "Library", "Classroom", "Epic Training Room", "Huddle Room", "Simulation Lab"}) + " - " + site
		}
		a := &adObj{sam: sam, displayName: disp, mail: strings.ToLower(sam) + "@" + nwhMail, ou: rooms, recipType: 16,
			uac: uacNormal | uacDisabled, category: catMailbox, note: "room mailbox"}
		if r.chance(0.3) {
			a.description = "Room mailbox"
		}
		o.mailboxActivity(a)
		d.add(a)
	}
	for i := range 10 {
		item := []string{"Projector", "Pool Vehicle - Van", "Portable Ultrasound", "Laptop Cart", "Wheelchair Van", "Bladder Scanner", "Video Cart", "Pool Car", "Telehealth Cart", "Camera Kit"}[i]
		n := r.between(1, 6)
		sam := fmt.Sprintf("EQ-%s-%02d", strings.ReplaceAll(strings.Split(item, " - ")[0], " ", ""), n)
		sam = d.unique(cut(sam, 20), func(k int) string { return cut(sam, 17) + strconv.Itoa(k) })
		a := &adObj{sam: sam, displayName: fmt.Sprintf("%s %02d", item, n), mail: strings.ToLower(sam) + "@" + nwhMail, ou: rooms,
			recipType: 32, uac: uacNormal | uacDisabled, category: catMailbox, note: "equipment mailbox"}
		o.mailboxActivity(a)
		d.add(a)
	}
}

func (o *nwh) mailboxActivity(a *adObj) {
	r, d := o.r, o.d
	d.neverUsed(a, 100, 3000)
	switch x := r.float(); {
	case x < 0.1: // someone gave it a password to log on to it directly
		a.uac = uacNormal | uacDontExpire
		a.lastLogon = r.at(o.now, 0, 30, true)
		a.note += ", enabled with a password"
	case x < 0.2:
		a.lastLogon = a.created.AddDate(0, 0, r.between(0, 10))
	}
}

func (o *nwh) templates() {
	r, d := o.r, o.d
	roles := []struct{ role, dept string }{
		{"Registered Nurse", "Nursing"}, {"Nursing Assistant", "Nursing"}, {"Pharmacist", "Pharmacy"}, {"Pharmacy Technician", "Pharmacy"},
		{"Lab Scientist", "Laboratory"}, {"Rad Tech", "Radiology"}, {"Patient Access", "Patient Access"}, {"Physician", "Emergency Medicine"},
		{"Billing", "Revenue Cycle"}, {"Service Desk", "Information Services"}, {"HIM Coder", "Health Information Management"},
		{"Unit Secretary", "Nursing"}, {"Resident", "Emergency Medicine"}, {"EVS", "Environmental Services"},
	}
	for i, t := range roles {
		code := strings.ToLower(strings.ReplaceAll(t.role, " ", ""))
		a := &adObj{title: t.role, dept: t.dept, uac: uacNormal | uacDisabled, category: catTemplate, company: "Northwind Health"}
		switch i % 3 {
		case 0:
			a.sam = "tmpl-" + cut(code, 15)
			a.displayName = "Template, " + t.role
		case 1:
			a.sam = "_template_" + cut(code, 10)
			a.displayName = "_Template " + t.role
		default:
			a.sam = "zz" + cut(code, 12) + "tmpl"
			a.displayName = "ZZ " + t.role + " Template"
		}
		a.note = "template account"
		a.ou = d.ou("Templates", "NWH")
		if i%4 == 3 {
			a.ou = o.usersOU("Main Campus")
		}
		if r.chance(0.7) {
			a.description = pick(r, []string{"Template - copy for new " + t.role + " hires", "Copy this account for new hires in " + t.dept + ". Do not enable.", "Template account", "Model account " + t.role})
		}
		a.memberOf = append(o.groups(&person{dept: t.dept}), "Template_Accounts")
		if r.chance(0.5) {
			a.employeeType = "Employee"
		}
		d.neverUsed(a, 300, 3000)
		if i%5 == 4 {
			a.uac = uacNormal | uacDontExpire // left enabled
			a.note += ", left enabled"
		}
		d.add(a)
	}
}

func (o *nwh) tests() {
	r, d := o.r, o.d
	trOU := d.ou("Training", "NWH")
	for i := 1; i <= 40; i++ {
		a := &adObj{sam: fmt.Sprintf("EPICTRN%03d", i), ou: trOU, uac: uacNormal | uacDontExpire, category: catTest, note: "Epic classroom training login"}
		switch i % 3 {
		case 0:
			a.displayName = fmt.Sprintf("Epic Training %03d", i)
		case 1:
			a.displayName = fmt.Sprintf("Trn%03d, Epic", i)
			a.given, a.sn = "Epic", fmt.Sprintf("Trn%03d", i)
		}
		if r.chance(0.5) {
			a.description = "Epic training classroom login - " + pick(r, []string{"Room B", "Room C", "Westlake"})
		}
		d.neverUsed(a, 200, 1500)
		if r.chance(0.7) {
			a.lastLogon = r.at(o.now, 0, 60, true)
		}
		d.add(a)
	}
	tests := []struct{ sam, display, desc, note string }{
		{"testnurse", "Test, Nurse", "Test account - nursing workflows", "test account"},
		{"testnurse2", "Test, Nurse 2", "", "test account"},
		{"test.physician", "Test, Physician", "Physician test account for Epic upgrades", "test account"},
		{"zztest1", "ZZTEST, PATIENT", "", "test account with a test-patient name"},
		{"zztest2", "ZZTEST, USER", "", "test account"},
		{"imprivata.test", "Imprivata Test", "Test account for Imprivata SSO pilot", "test account"},
		{"jdoe", "Doe, John", "", "test persona with a placeholder human name"},
		{"jdoe2", "Doe, Jane", "test account", "test persona with a placeholder human name"},
		{"testuser01", "Test User 01", "", "test account"},
		{"testuser02", "Test User 02", "", "test account"},
		{"testuser03", "Test User 03", "Windows 11 pilot", "test account"},
		{"qa-tester1", "QA Tester 1", "UAT", "test account"},
		{"qa-tester2", "QA Tester 2", "UAT", "test account"},
		{"citrixtest", "", "", "test account"},
		{"o365test", "O365 Test", "M365 migration test", "test account"},
		{"tpharmacist", "Training, Pharmacist", "", "training account"},
		{"tresident1", "Training, Resident 1", "Residents orientation", "training account"},
		{"tresident2", "Training, Resident 2", "Residents orientation", "training account"},
		{"demo.ed", "Demo, ED", "ED dashboard demo", "demo account"},
		{"vpntest", "", "", "test account"},
		{"mfatest", "MFA Test", "Duo MFA testing", "test account"},
		{"pbrown.test", "Brown, Pat (TEST)", "", "test copy of a person's account"},
		{"kiosk.test", "", "", "test account"},
		{"scantest", "Scan Test", "", "test account"},
		{"newhire.test", "Test, New Hire", "onboarding workflow test", "test account"},
		{"smoke_test", "", "post-upgrade smoke test", "test account"},
		{"uattest5", "UAT Test 5", "", "test account"},
		{"test-ehr", "", "", "test account"},
	}
	for i, t := range tests {
		a := &adObj{sam: d.unique(t.sam, func(n int) string { return t.sam + strconv.Itoa(n) }), displayName: t.display, description: t.desc,
			uac: uacNormal, category: catTest, note: t.note}
		if strings.Contains(t.display, ", ") {
			parts := strings.SplitN(t.display, ", ", 2)
			a.sn, a.given = parts[0], parts[1]
		}
		a.ou = trOU
		if i%3 == 0 {
			a.ou = o.usersOU(pick(r, nwhSites))
		}
		if r.chance(0.5) {
			a.uac |= uacDontExpire
		}
		if r.chance(0.25) {
			a.uac |= uacDisabled
		}
		if t.sam == "jdoe" || t.sam == "jdoe2" || t.sam == "pbrown.test" {
			a.upn = o.upnFor(a.given, a.sn)
			a.mail = strings.TrimSuffix(a.upn, "@"+nwhMail) + "@" + nwhMail
			a.title = pick(r, []string{"Registered Nurse", ""})
		}
		d.neverUsed(a, 30, 2500)
		if r.chance(0.5) {
			a.lastLogon = r.at(o.now, 0, 400, true)
		}
		d.add(a)
	}
}

// repurposed: leavers whose accounts now run something (machines by their use).
func (o *nwh) repurposed() {
	r := o.r
	n := 0
	for _, p := range o.st.people {
		if n == 4 {
			break
		}
		if p.status != "terminated" || p.acct == nil || p.term.After(o.now.AddDate(-1, 0, 0)) {
			continue
		}
		a := p.acct
		a.uac = uacNormal | uacDontExpire
		a.ou = o.usersOU(p.site)
		a.category, a.note = catService, "repurposed leaver account: still runs a job"
		if r.chance(0.5) {
			a.description = pick(r, []string{"Used by Kronos interface - DO NOT DISABLE", "Runs the HIM scanning job - do not delete", "Do not disable - used by report server"})
		} else {
			a.description = p.title
		}
		a.pwdLastSet = p.term.AddDate(0, 0, -r.between(10, 300))
		a.lastLogon = r.nightly(o.now)
		n++
	}
}

func (o *nwh) files() *orgFiles {
	o.d.finish()
	cols := []string{"objectGUID", "sAMAccountName", "userPrincipalName", "distinguishedName", "cn", "displayName", "givenName", "sn",
		"mail", "title", "department", "company", "physicalDeliveryOfficeName", "description", "employeeID", "employeeType", "manager",
		"memberOf", "objectClass", "servicePrincipalName", "operatingSystem", "userAccountControl", "pwdLastSet", "lastLogonTimestamp",
		"accountExpires", "whenCreated", "msExchRecipientTypeDetails"}
	t := &table{header: cols}
	var labels [][]string
	for _, a := range o.d.sorted(func(a *adObj) string { return a.guid }) {
		row := map[string]string{
			"objectGUID": a.guid, "sAMAccountName": a.sam, "userPrincipalName": a.upn, "distinguishedName": a.dn(), "cn": a.cn,
			"displayName": a.displayName, "givenName": a.given, "sn": a.sn, "mail": a.mail, "title": a.title, "department": a.dept,
			"company": a.company, "physicalDeliveryOfficeName": a.office, "description": a.description, "employeeID": a.employeeID,
			"employeeType": a.employeeType, "memberOf": joinGroups(a.memberOf, o.d.ou("Groups", "NWH")), "objectClass": strings.Join(a.objectClass, "|"),
			"servicePrincipalName": strings.Join(a.spn, "|"), "operatingSystem": a.os, "userAccountControl": strconv.Itoa(a.uac),
			"lastLogonTimestamp": ft(a.lastLogon), "whenCreated": a.created.UTC().Format("20060102150405") + ".0Z",
		}
		if a.manager != nil {
			row["manager"] = a.manager.dn()
		}
		switch {
		case a.mustChange:
			row["pwdLastSet"] = "0"
		case a.pwdLastSet.IsZero():
			row["pwdLastSet"] = "0"
		default:
			row["pwdLastSet"] = ft(a.pwdLastSet)
		}
		if a.expires.IsZero() {
			row["accountExpires"] = pick(o.r, []string{"9223372036854775807", "9223372036854775807", "0"})
		} else {
			row["accountExpires"] = ft(a.expires)
		}
		if a.recipType != 0 {
			row["msExchRecipientTypeDetails"] = strconv.Itoa(a.recipType)
		} else if a.mail != "" && !a.machine() || a.mail != "" && a.category == catBot {
			row["msExchRecipientTypeDetails"] = "1"
		}
		t.add(row)
		labels = append(labels, labelRow(a.guid, a))
	}
	ids := &table{header: []string{"employee_id", "first_name", "last_name", "preferred_name", "work_email", "department", "job_title",
		"manager_employee_id", "worker_type", "status", "hire_date", "termination_date", "location"}}
	status := map[string]string{"active": "Active", "leave": "Leave of Absence", "terminated": "Terminated", "pending": "Pre-hire"}
	for _, p := range o.st.people {
		row := map[string]string{"employee_id": p.id, "first_name": p.first, "last_name": p.last, "work_email": p.email,
			"department": p.dept, "job_title": p.title, "worker_type": p.workerType, "status": status[p.status],
			"hire_date": p.hire.Format("2006-01-02"), "location": p.site}
		if p.manager != nil {
			row["manager_employee_id"] = p.manager.id
		}
		if !p.term.IsZero() {
			row["termination_date"] = p.term.Format("2006-01-02")
		}
		if o.r.chance(0.08) {
			row["preferred_name"] = pick(o.r, usFirst)
		}
		ids.add(row)
	}
	entraSpec, entraCSV, entraLabels := o.entra()
	return &orgFiles{
		manifest: manifest{
			Apps: []appSpec{entraSpec},
			Org:  "nwh", Name: "Northwind Health", Country: "US", Language: "en", ExportTime: o.now.Format(time.RFC3339),
			Accounts: fileSpec{File: "accounts.csv", ConnectorAttributes: format{IndexColumn: "objectGUID", NameColumn: "sAMAccountName",
				Delimiter: ",", MergeColumns: []string{"memberOf", "objectClass", "servicePrincipalName"}, MultiValueSeparator: "|"}},
			Identities:  fileSpec{File: "identities.csv", ConnectorAttributes: format{IndexColumn: "employee_id", Delimiter: ","}},
			Correlation: []correlation{{AccountAttribute: "employeeID", IdentityAttribute: "employee_id"}},
			TimeFormats: map[string]string{"pwdLastSet": "FILETIME (100 ns since 1601-01-01 UTC); 0 = must change at next logon",
				"lastLogonTimestamp": "FILETIME; empty = never", "accountExpires": "FILETIME; 0 or 9223372036854775807 = never",
				"whenCreated": "generalized time YYYYMMDDHHMMSS.0Z"},
			Notes: "csvde-style LDAP export of users, computers and managed service accounts; memberOf holds full group DNs",
		},
		accounts: t.encode(',', false, false), identities: ids.encode(',', false, false), labels: labels,
		saas: map[string][]byte{"entra.csv": entraCSV, "entra-labels.csv": entraLabels},
	}
}

func joinGroups(gs []string, ou string) string {
	out := make([]string, len(gs))
	for i, g := range gs {
		if g == "Domain Admins" {
			out[i] = "CN=Domain Admins,CN=Users," + ou[strings.Index(ou, "DC="):]
			continue
		}
		out[i] = "CN=" + g + "," + ou
	}
	return strings.Join(out, "|")
}
