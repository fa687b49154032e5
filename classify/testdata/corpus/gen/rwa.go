package main

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Rheinwerk Antriebstechnik GmbH: a German manufacturer, German descriptions
// and OU names. A PowerShell export (Get-ADObject ... | Export-Csv
// -Delimiter ';' -Encoding UTF8): every field quoted, a byte-order mark,
// PowerShell's property names, Enabled/PasswordNeverExpires as True/False
// instead of userAccountControl, dates in German local time (dd.MM.yyyy
// HH:mm:ss), ObjectClass single-valued, ServicePrincipalNames joined by ",",
// no whenCreated and no group memberships. People are 6 letters of the
// surname + 2 of the first name (muelleha); admins have t0-/t1-/t2- tiered
// accounts; technical users (tu_, fu_, s-, svc.) document themselves in German.

var rwaDepts = []dept{
	{"Geschäftsführung", 0.01, []string{"Assistenz der Geschäftsführung", "Referent der Geschäftsführung"}, "Geschäftsführer", "Leiter Stabsstelle"},
	{"Produktion", 0.30, []string{"Maschinenbediener", "Maschinenbediener", "Industriemechaniker", "Zerspanungsmechaniker", "Montagemitarbeiter", "Montagemitarbeiter", "Fertigungshelfer", "Schichtführer"}, "Leiter Produktion", "Meister"},
	{"Qualitätssicherung", 0.05, []string{"Qualitätsprüfer", "Prüftechniker", "Testingenieur Prüffeld", "QS-Ingenieur"}, "Leiter Qualitätssicherung", "Teamleiter QS"},
	{"Entwicklung", 0.08, []string{"Konstrukteur", "Entwicklungsingenieur", "Technischer Zeichner", "Simulationsingenieur", "Automatisierungstechniker", "Softwareentwickler Embedded"}, "Leiter Entwicklung", "Gruppenleiter Konstruktion"},
	{"Instandhaltung", 0.05, []string{"Elektroniker für Betriebstechnik", "Mechatroniker", "Instandhalter", "Fachkraft Robotik", "Servicetechniker"}, "Leiter Instandhaltung", "Meister Instandhaltung"},
	{"Logistik", 0.07, []string{"Lagerist", "Fachkraft für Lagerlogistik", "Staplerfahrer", "Versandmitarbeiter", "Disponent"}, "Leiter Logistik", "Lagerleiter"},
	{"Einkauf", 0.03, []string{"Einkäufer", "Strategischer Einkäufer", "Sachbearbeiter Einkauf"}, "Leiter Einkauf", "Teamleiter Einkauf"},
	{"Vertrieb", 0.07, []string{"Vertriebsingenieur", "Vertriebsinnendienst", "Key Account Manager", "Außendienstmitarbeiter"}, "Vertriebsleiter", "Gebietsleiter"},
	{"Kundendienst", 0.04, []string{"Servicetechniker Außendienst", "Mitarbeiter Service-Hotline", "Servicekoordinator", "Schulungsreferent"}, "Leiter Kundendienst", "Teamleiter Service"},
	{"Finanzen", 0.03, []string{"Buchhalter", "Controller", "Sachbearbeiter Kreditorenbuchhaltung", "Lohnbuchhalter"}, "Kaufmännischer Leiter", "Leiter Rechnungswesen"},
	{"Personal", 0.02, []string{"Personalreferent", "Personalsachbearbeiter", "Ausbilder", "Recruiterin"}, "Personalleiter", "Teamleiter Personal"},
	{"IT", 0.04, []string{"Systemadministrator", "SAP-Basis-Berater", "Anwendungsbetreuer", "IT-Support (Service Desk)", "IT-Support (Service Desk)", "Netzwerkadministrator", "SAP-Entwickler", "Testmanager", "RPA-Entwickler"}, "IT-Leiter", "Teamleiter IT-Infrastruktur"},
	{"Ausbildung", 0.03, []string{"Auszubildender Mechatroniker", "Auszubildende Industriekauffrau", "Dualer Student", "Werkstudent"}, "Ausbildungsleiter", "Ausbilder"},
	{"Werkschutz und Facility", 0.02, []string{"Hausmeister", "Pförtner", "Fachkraft für Arbeitssicherheit", "Betriebselektriker"}, "Leiter Facility Management", "Schichtleiter Werkschutz"},
}

var rwaMachineWords = []string{"service", "automatis", "test", "schulung", "system", "robot", "rpa", "support", "hotline", "dienst", "anwendung"}

var rwaSites = []string{"Stuttgart", "Heilbronn", "Chemnitz"}
var rwaSiteCode = map[string]string{"Stuttgart": "STG", "Heilbronn": "HN", "Chemnitz": "CHE"}

const rwaMail = "rheinwerk-antriebe.de"

type rwaApp struct{ code, name, host string }

var rwaApps = []rwaApp{
	{"sap", "SAP ERP", "STGSAPP01"}, {"sappi", "SAP PI/PO", "STGSAPPI01"}, {"bw", "SAP BW", "STGSAPBW01"}, {"solman", "SAP Solution Manager", "STGSOLMAN01"},
	{"hydra", "MES Hydra", "HNMES01"}, {"datev", "DATEV", "STGDATEV01"}, {"tc", "Teamcenter", "STGPLM01"}, {"pdm", "SolidWorks PDM", "STGPDM01"},
	{"d3", "d.3ecm", "STGDMS01"}, {"veeam", "Veeam Backup", "STGBACKUP01"}, {"baramundi", "baramundi Management Suite", "STGBMS01"},
	{"sophos", "Sophos Central", "STGAV01"}, {"wsus", "WSUS", "STGWSUS01"}, {"prtg", "PRTG Network Monitor", "STGPRTG01"},
	{"matrix42", "Matrix42", "STGM42"}, {"interflex", "Interflex Zeiterfassung", "STGZE01"}, {"kantine", "Kantinenabrechnung", "STGKANT01"},
	{"dorma", "Zutrittskontrolle dormakaba", "STGZK01"}, {"kyocera", "Kyocera Scan", "STGPRINT01"}, {"swyx", "SwyxWare", "STGSWYX01"},
	{"jira", "Jira", "STGJIRA01"}, {"gitlab", "GitLab Runner", "STGGIT01"}, {"jenkins", "Jenkins", "STGCI01"}, {"elo", "ELO Archiv", "HNELO01"},
}

// berlin renders a time as German local time (CET/CEST) the way PowerShell
// prints it on a German Windows.
func berlin(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	y := t.Year()
	lastSunday := func(m time.Month) time.Time {
		d := time.Date(y, m+1, 0, 1, 0, 0, 0, time.UTC)
		for d.Weekday() != time.Sunday {
			d = d.AddDate(0, 0, -1)
		}
		return d
	}
	off := time.Hour
	if !t.Before(lastSunday(time.March)) && t.Before(lastSunday(time.October)) {
		off = 2 * time.Hour
	}
	return t.UTC().Add(off).Format("02.01.2006 15:04:05")
}

type rwa struct {
	r   *rng
	d   *directory
	st  *staff
	now time.Time
	it  []*person
}

func genRWA(seed uint64, now time.Time) *orgFiles {
	r := newRNG(seed, "rwa")
	d := newDirectory("rheinwerk.intern", now, r)
	st := buildStaff(r, now, staffSpec{
		n: 1480, depts: rwaDepts, sites: rwaSites, siteWeights: []float64{0.5, 0.3, 0.2},
		first: deFirst, last: deLast, hardLast: deHardLast, hardLastShare: 0.006,
		terminated: 0.1, leave: 0.03, pending: 0.012,
		nextID:      func(i int) string { return strconv.Itoa(30010 + i*3 + i%2) },
		workerTypes: []string{"Angestellter", "Gewerblich", "Auszubildender", "Werkstudent"}, workerWeights: []float64{0.5, 0.42, 0.05, 0.03},
	})
	o := &rwa{r: r, d: d, st: st, now: now}
	o.people()
	o.externals()
	o.admins()
	o.computers()
	o.machines()
	return o.files()
}

func (o *rwa) samFor(first, last string) string {
	base := cut(letters(last), 6) + cut(letters(first), 2)
	return o.d.unique(base, func(n int) string { return cut(base, 7) + strconv.Itoa(n) })
}

func (o *rwa) upnFor(first, last string) string {
	base := mailPart(first) + "." + mailPart(last)
	u := base
	for n := 2; o.d.taken("upn:" + u); n++ {
		u = base + strconv.Itoa(n)
	}
	o.d.names["upn:"+u] = true
	return u + "@" + rwaMail
}

func (o *rwa) usersOU(site string) string {
	return o.d.ou("Benutzer", rwaSiteCode[site], "Standorte")
}

func (o *rwa) people() {
	r, d := o.r, o.d
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
		if p.status == "terminated" && !r.chance(0.4) {
			continue
		}
		a := &adObj{given: p.first, sn: p.last, title: p.title, dept: p.dept, company: "Rheinwerk Antriebstechnik GmbH",
			office: p.site + ", Geb. " + strconv.Itoa(r.between(1, 9)), employeeID: p.id, category: catHuman, identity: p.id}
		p.acct = a
		a.sam = o.samFor(p.first, p.last)
		a.upn = o.upnFor(p.first, p.last)
		a.displayName = p.last + ", " + p.first
		a.cn = p.first + " " + p.last
		a.ou = o.usersOU(p.site)
		shop := p.workerType == "Gewerblich"
		if !shop && r.chance(0.99) || shop && r.chance(0.3) {
			a.mail = strings.TrimSuffix(a.upn, "@"+rwaMail) + "@" + rwaMail
		}
		if !shop {
			p.email = a.mail
		} else {
			p.email = a.mail
		}
		if p.manager != nil && r.chance(0.95) {
			a.manager = p.manager.acct
		}
		switch p.workerType {
		case "Auszubildender":
			a.description = pick(r, []string{"Azubi " + strconv.Itoa(r.between(1, 3)) + ". Lehrjahr", "Auszubildender", ""})
		case "Werkstudent":
			a.description = "Werkstudent"
		}
		a.uac = uacNormal
		d.personActive(a)
		a.created = p.hire.Add(-time.Duration(r.between(1, 10))*24*time.Hour + time.Duration(r.between(7*3600, 17*3600))*time.Second)
		if a.created.After(a.pwdLastSet) {
			a.pwdLastSet = a.created.Add(time.Hour * 26)
			if a.lastLogon.Before(a.pwdLastSet) {
				a.lastLogon = a.pwdLastSet.Add(time.Hour)
			}
		}
		switch p.status {
		case "terminated":
			a.uac |= uacDisabled
			a.ou = d.ou("Ausgeschieden", "Benutzer")
			a.lastLogon = p.term.Add(-time.Duration(r.between(1, 72)) * time.Hour)
			if a.pwdLastSet.After(a.lastLogon) {
				a.pwdLastSet = a.lastLogon.AddDate(0, 0, -r.between(1, 85))
			}
			a.manager = nil
			a.category, a.note = catHumanHard, "disabled leaver account"
			if r.chance(0.7) {
				a.description = fmt.Sprintf("Ausgetreten zum %s – deaktiviert (Ticket #%d)", p.term.Format("02.01.2006"), r.between(30000, 59999))
			}
		case "leave":
			a.uac |= uacDisabled
			a.description = fmt.Sprintf("Elternzeit bis %02d/%d", r.between(1, 12), o.now.Year()+r.between(0, 1))
			a.lastLogon = r.at(o.now, 40, 400, true)
			a.pwdLastSet = a.lastLogon.AddDate(0, 0, -r.between(1, 80))
			a.category, a.note = catHumanHard, "parental leave: disabled, no logon for months"
		case "pending":
			a.created = r.at(o.now, 1, 14, true)
			a.pwdLastSet, a.mustChange, a.lastLogon = time.Time{}, true, time.Time{}
			a.category, a.note = catHumanHard, "new starter: never logged on"
		}
		if p.status == "active" {
			switch {
			case titleHas(p.title, rwaMachineWords):
				a.category, a.note = catHumanHard, "job title with a machine word"
			case p.workerType == "Werkstudent" || p.workerType == "Auszubildender" && r.chance(0.5):
				a.expires = o.now.AddDate(0, r.between(1, 18), 0).Truncate(24 * time.Hour)
				a.category, a.note = catHumanHard, "student or apprentice with an account expiry"
			case p.head && r.chance(0.5):
				a.uac |= uacDontExpire
				a.pwdLastSet = r.at(o.now, 400, 2000, true)
				a.category, a.note = catHumanHard, "manager with password never expires"
			case a.mail == "" && a.manager == nil:
				a.category, a.note = catHumanHard, "no mailbox and no manager"
			case shop && r.chance(0.25):
				// Shop-floor staff log on at the terminals only now and then.
				a.lastLogon = r.at(o.now, 30, 300, true)
				a.pwdLastSet = a.lastLogon.AddDate(0, 0, -r.between(0, 60))
				a.category, a.note = catHumanHard, "shop-floor worker: rare logons, no mailbox"
			}
			if containsStr(deHardLast, p.last) {
				a.category, a.note = catHumanHard, "surname that reads as a machine word"
			}
		}
		if p.dept == "IT" && p.status == "active" {
			o.it = append(o.it, p)
		}
		d.add(a)
	}
}

func (o *rwa) externals() {
	r, d := o.r, o.d
	firms := []string{"Ferchau", "Bertrandt", "Brunel", "Bechtle", "CANCOM", "Accenture", "Hays", "Allgeier"}
	for i := range 70 {
		first, last := pick(r, deFirst), pick(r, deLast)
		a := &adObj{given: first, sn: last, uac: uacNormal, category: catHumanExt, cn: first + " " + last}
		if i%3 == 2 {
			// Temporary workers on the shop floor get numbered accounts.
			sam := d.unique(fmt.Sprintf("LA%04d", r.between(100, 999)), func(n int) string { return fmt.Sprintf("LA%04d", r.between(1000, 9999)) })
			a.sam = sam
			a.company = pick(r, []string{"Randstad", "Adecco", "Manpower"})
			a.displayName = last + ", " + first + " (Leiharbeiter)"
			a.description = "Leiharbeitnehmer " + a.company
			a.title = "Fertigungshelfer"
			a.dept = "Produktion"
			a.note = "temporary worker with a numbered account, not in HR"
			a.ou = d.ou("Leiharbeiter", "Externe")
		} else {
			base := "ext_" + cut(letters(last), 6) + cut(letters(first), 2)
			a.sam = d.unique(base, func(n int) string { return base + strconv.Itoa(n) })
			a.company = pick(r, firms)
			a.displayName = last + ", " + first + " (extern)"
			a.note = "external consultant (ext_ prefix), not in HR"
			a.ou = d.ou("Externe")
			a.title = pick(r, []string{"Berater", "Konstrukteur", "SAP-Berater", "Projektleiter", ""})
			if r.chance(0.6) {
				a.mail = mailPart(first) + "." + mailPart(last) + "@extern." + rwaMail
			}
		}
		a.upn = a.sam + "@rheinwerk.intern"
		d.personActive(a)
		a.expires = o.now.AddDate(0, r.between(-1, 12), 0).Truncate(24 * time.Hour)
		if a.description == "" && r.chance(0.7) {
			a.description = fmt.Sprintf("Externer Mitarbeiter Fa. %s, befristet bis %s", a.company, a.expires.Format("02.01.2006"))
		}
		d.add(a)
	}
}

func (o *rwa) admins() {
	r, d := o.r, o.d
	for _, p := range o.it {
		if p.acct == nil {
			continue
		}
		tiers := []int{1, 2}
		if titleHas(p.title, []string{"Systemadministrator", "Netzwerk", "IT-Leiter"}) {
			tiers = []int{0, 1}
		}
		if titleHas(p.title, []string{"Support"}) {
			tiers = []int{2}
		}
		for _, tier := range tiers {
			if !r.chance(0.7) {
				continue
			}
			sam := fmt.Sprintf("t%d-%s", tier, p.acct.sam)
			a := &adObj{sam: sam, cn: sam, given: p.first, sn: p.last, displayName: fmt.Sprintf("%s, %s (T%d-Admin)", p.last, p.first, tier),
				ou: d.ou("Tier"+strconv.Itoa(tier), "Admin"), upn: sam + "@rheinwerk.intern", uac: uacNormal,
				category: catHumanAdmin, note: fmt.Sprintf("tier-%d admin account of %s", tier, p.acct.sam)}
			if r.chance(0.4) {
				a.description = fmt.Sprintf("Tier-%d Adminkonto", tier)
			}
			if r.chance(0.3) {
				a.employeeID, a.identity = p.id, p.id
			}
			if tier == 0 {
				a.uac |= uacNotDelegated
			}
			d.personActive(a)
			if r.chance(0.35) {
				a.lastLogon = r.at(o.now, 15, 250, true)
				a.pwdLastSet = a.lastLogon.AddDate(0, 0, -r.between(5, 200))
			}
			d.add(a)
		}
	}
}

func (o *rwa) computers() {
	r, d := o.r, o.d
	for i := 1; i <= 2; i++ {
		d.computer(fmt.Sprintf("RW-DC%02d", i), d.ou("Domain Controllers"), "Windows Server 2022 Standard", "", true, true, false)
	}
	for _, a := range rwaApps {
		if r.chance(0.5) {
			d.computer(a.host, d.ou("Server", "Rechenzentrum"), "Windows Server 2019 Standard", a.name, true, false, false)
		}
	}
	for range 60 {
		site := rwaSites[r.weighted([]float64{0.5, 0.3, 0.2})]
		code := rwaSiteCode[site]
		kind := pick(r, []string{"NB", "PC", "PC", "BDE"})
		name := d.unique(fmt.Sprintf("RW-%s-%s%04d", code, kind, r.between(1, 9999)), func(n int) string {
			return fmt.Sprintf("RW-%s-%s%04d", code, kind, r.between(1, 9999))
		})
		desc := ""
		if kind == "BDE" {
			desc = fmt.Sprintf("BDE-Terminal Halle %d", r.between(1, 6))
		}
		d.computer(name, d.ou("Computer", code, "Standorte"), pick(r, []string{"Windows 10 Enterprise", "Windows 11 Enterprise"}), desc, false, false, r.chance(0.12))
	}
}

func (o *rwa) owner() *person { return pick(o.r, o.it) }

func (o *rwa) paperwork(owner *person) paperwork {
	return paperwork{company: "Rheinwerk Antriebstechnik GmbH", dept: "IT", titles: []string{"Technischer Benutzer", "Dienstkonto", "Systembenutzer"},
		surnames: []string{"Dienst", "Technik", "Service", "TU", "Schnittstelle"}, owner: owner.acct}
}

var rwaEnvs = []string{"p", "p", "p", "q", "t", "d"}

func (o *rwa) machines() {
	r, d := o.r, o.d
	d.builtins(builtinDE, "")
	d.entraConnect("STGAADC01", "rheinwerkantriebe.onmicrosoft.com", true)
	d.exchangeSystem([]string{"STGEX01"}) // the hybrid server kept after the move to Exchange Online
	tu := d.ou("Technische Benutzer", "IT")
	msa := d.ou("CN=Managed Service Accounts")
	bg := d.add(&adObj{sam: "notfall-admin", displayName: "Notfall-Administrator", ou: d.ou("Tier0", "Admin"),
		description: "Notfallkonto – Kennwort im Tresor der IT-Leitung", uac: uacNormal | uacDontExpire,
		category: catBuiltin, note: "break-glass emergency account"})
	d.neverUsed(bg, 300, 1500)
	hr := d.add(&adObj{sam: "tu_hr_adsync", displayName: "Benutzerabgleich SAP HCM", ou: tu, description: "Benutzerabgleich SAP HCM → AD (Anlage, Änderung, Deaktivierung)",
		uac: uacNormal | uacDontExpire, category: catDirSync, note: "HR to AD provisioning"})
	d.serviceActive(hr)
	hr.lastLogon = r.nightly(o.now)

	for _, g := range []struct{ sam, desc string }{
		{"gmsa_sqlprod$", "gMSA für SQL-Cluster PROD"}, {"gMSA_Hydra$", ""}, {"gmsa_prtg$", "PRTG Sonden"}, {"gmsa_d3$", ""},
		{"gmsa_tc$", "Teamcenter Pool"}, {"gmsa_aufgaben$", "Geplante Aufgaben Fileserver"}, {"gmsa_iis_portal$", ""},
	} {
		var spn []string
		if strings.Contains(g.sam, "sql") {
			spn = []string{"MSSQLSvc/stgsql01.rheinwerk.intern:1433", "MSSQLSvc/stgsql01.rheinwerk.intern"}
		}
		d.gmsa(g.sam, msa, g.desc, spn, false, "group managed service account")
	}
	d.gmsa("msa_backup$", msa, "", nil, true, "standalone managed service account")

	o.services(tu)
	o.integrations(tu)
	o.bots()
	o.mailboxes()
	o.templates()
	o.tests()
	o.repurposed()
}

func (o *rwa) services(ou string) {
	r, d := o.r, o.d
	for range 96 {
		app := pick(r, rwaApps)
		env := pick(r, rwaEnvs)
		owner := o.owner()
		a := &adObj{ou: ou, uac: uacNormal | uacDontExpire, category: catService}
		var style string
		switch x := r.float(); {
		case x < 0.30:
			style, a.sam = "tu_app_env", fmt.Sprintf("tu_%s_%s", app.code, env)
		case x < 0.45:
			style, a.sam = "s-app", "s-"+app.code
		case x < 0.57:
			style, a.sam = "svc.app", "svc."+app.code
		case x < 0.65:
			style, a.sam = "dienst", pick(r, []string{app.code + "-dienst", "dienst_" + app.code, "SQLDienst" + fmt.Sprintf("%02d", r.between(1, 9))})
		case x < 0.79:
			style, a.sam = "plain", pick(r, []string{app.code, app.code + "admin", app.code + "user", "scanner_halle" + strconv.Itoa(r.between(1, 6)), "kopierer" + strconv.Itoa(r.between(1, 20)), "ftp_" + app.code, "batch" + app.code})
		case x < 0.88:
			style, a.sam = "fu", "fu_"+app.code
		case x < 0.94:
			style, a.sam = "person", owner.acct.sam+pick(r, []string{"_job", "2", "_scan", "-skript", "_alt"})
		default:
			style, a.sam = "host", strings.ToLower(app.host)+pick(r, []string{"_dienst", "-svc", "$task"})
		}
		base := a.sam
		a.sam = d.unique(base, func(n int) string { return base + strconv.Itoa(n) })
		a.note = "technical user (" + style + ")"
		switch {
		case style == "person":
			a.note = "service account named after the person who made it"
			if r.chance(0.6) {
				a.displayName = owner.last + ", " + owner.first
				a.given, a.sn = owner.first, owner.last
			}
			if r.chance(0.5) {
				a.ou = o.usersOU(owner.site)
			}
		case r.chance(0.35):
		case r.chance(0.5):
			a.displayName = "Technischer Benutzer " + app.name
		case r.chance(0.5):
			a.displayName = "Dienst " + app.name
		default:
			a.displayName = strings.ToUpper("TU " + app.code + " " + env)
		}
		ansp := owner.first[:1] + ". " + owner.last
		descs := []string{
			"Technischer Benutzer für " + app.name,
			"Dienstkonto " + app.name + " (" + app.host + ")",
			"Funktionsbenutzer " + app.name,
			"Dienst: " + app.name + " – Ansprechpartner: " + ansp,
			"Kennwort im KeePass hinterlegt – nicht ändern!",
			"Batch-Jobs " + app.name,
			"Scan-to-Folder Kopierer Halle " + strconv.Itoa(r.between(1, 6)),
			"nicht löschen – wird von " + app.name + " benötigt",
			"Verantwortlich: " + ansp + ", IT-Infrastruktur",
			"Anmeldung " + app.name + "-Server " + app.host,
			"Dienstkonto SQL Server Agent " + app.host,
			app.name + " " + strings.ToUpper(env) + "-System",
			"Ticket #" + strconv.Itoa(r.between(10000, 60000)),
			"Kennwort läuft nie ab (Herstellervorgabe " + app.name + ")",
			"Geplanter Task Datensicherung",
		}
		if style == "person" {
			if r.chance(0.4) {
				a.description = pick(r, []string{"Skripte " + ansp, "Aufgabenplanung (" + ansp + ")", "alt – " + owner.first})
			}
		} else if r.chance(0.72) {
			a.description = pick(r, descs)
		}
		switch x := r.float(); {
		case x < 0.1:
			a.uac = uacNormal
		case x < 0.16:
			a.uac |= uacPasswdNotReqd
		case x < 0.22:
			a.uac |= uacDisabled
		case x < 0.25:
			a.uac |= uacTrustedForDeleg
		}
		if r.chance(0.3) {
			h := strings.ToLower(app.host) + ".rheinwerk.intern"
			a.spn = []string{pick(r, []string{"MSSQLSvc/" + h + ":1433", "HTTP/" + h, "SAP/" + app.code + "-" + env})}
		}
		d.fill(a, app.name, o.paperwork(owner))
		d.serviceActive(a)
		d.add(a)
	}
}

func (o *rwa) integrations(ou string) {
	r, d := o.r, o.d
	partners := []string{"Sparkasse", "LBBW", "Commerzbank", "Bosch", "ZF", "Schaeffler", "Mahle", "DHL", "DB Schenker", "Zoll ATLAS"}
	for range 40 {
		app := pick(r, rwaApps)
		a := &adObj{ou: ou, uac: uacNormal | uacDontExpire, category: catIntegration}
		var desc []string
		switch r.intn(6) {
		case 0:
			b := pick(r, rwaApps)
			a.sam = fmt.Sprintf("if_%s_%s", app.code, b.code)
			desc = []string{"Schnittstellenbenutzer " + app.name + " → " + b.name + " (RFC)", "Schnittstelle " + app.name + " / " + b.name, "Datenübergabe " + app.code + " an " + b.code}
			a.note = "interface account (Schnittstelle)"
		case 1:
			a.sam = "rfc_" + app.code
			desc = []string{"RFC-Benutzer " + app.name, "SAP RFC Verbindung " + app.name}
			a.note = "SAP RFC user"
		case 2:
			a.sam = pick(r, []string{"ldap-", "ldap_", "ldapbind_"}) + app.code
			desc = []string{"LDAP-Bind für " + app.name + "-Anmeldung", "Verzeichnisabfrage " + app.name + " (nur lesen)"}
			a.note = "LDAP bind account"
		case 3:
			p := pick(r, partners)
			a.sam = pick(r, []string{"sftp_", "edi_", "ebics_"}) + letters(p)
			desc = []string{"EDI-Übertragung " + p + " (SFTP)", "Abruf Kontoauszüge " + p + " (EBICS)", "Datenaustausch mit " + p}
			a.note = "partner file exchange account"
		case 4:
			a.sam = "api-" + app.code
			desc = []string{"REST-Schnittstelle " + app.name, "API-Zugriff " + app.name}
			a.note = "API integration account"
		default:
			a.sam = app.code + pick(r, []string{"_import", "_export", "_sync", "abgleich"})
			desc = []string{"Import " + app.name + " nächtlich", "Stammdatenabgleich " + app.name, "Export nach " + app.name}
			a.note = "connector account"
		}
		base := a.sam
		a.sam = d.unique(base, func(n int) string { return base + strconv.Itoa(n) })
		if r.chance(0.7) {
			a.description = pick(r, desc)
		}
		if r.chance(0.3) {
			a.displayName = "Schnittstelle " + app.name
		}
		d.fill(a, app.name, o.paperwork(o.owner()))
		d.serviceActive(a)
		d.add(a)
	}
}

func (o *rwa) bots() {
	r, d := o.r, o.d
	ou := d.ou("RPA", "IT")
	var devs []*person
	for _, p := range o.it {
		if p.title == "RPA-Entwickler" {
			devs = append(devs, p)
		}
	}
	if len(devs) == 0 {
		devs = o.it
	}
	for i := 1; i <= 5; i++ {
		a := &adObj{sam: fmt.Sprintf("pad-bot%02d", i), displayName: fmt.Sprintf("Power Automate Bot %02d", i), ou: ou,
			uac: uacNormal | uacDontExpire, category: catBot, note: "RPA runtime (Power Automate Desktop)"}
		if r.chance(0.6) {
			a.description = "Power Automate Desktop – unbeaufsichtigt"
		}
		d.serviceActive(a)
		a.lastLogon = r.at(o.now, 0, 1, false)
		d.add(a)
	}
	for i, p := range [][3]string{{"Rita", "Rechnung", "Rechnungseingang"}, {"Bernd", "Bestellung", "Bestellabwicklung"},
		{"Lisa", "Lieferschein", "Wareneingang"}, {"Paul", "Pünktlich", "Zeiterfassung Korrekturen"}, {"Klara", "Kunde", "Auftragserfassung"}} {
		a := &adObj{sam: o.samFor(p[0], p[1]), given: p[0], sn: p[1], displayName: p[1] + ", " + p[0], cn: p[0] + " " + p[1],
			upn: o.upnFor(p[0], p[1]), uac: uacNormal | uacDontExpire, category: catBot,
			note: "digital-worker persona with a human name (" + p[2] + ")"}
		a.mail = strings.TrimSuffix(a.upn, "@"+rwaMail) + "@" + rwaMail
		a.ou = ou
		if i%2 == 1 {
			a.ou = o.usersOU("Stuttgart")
		}
		if r.chance(0.5) {
			a.title = "Digitaler Assistent"
		}
		a.manager = pick(r, devs).acct
		if i != 1 {
			a.description = pick(r, []string{"Digitale Kollegin – " + p[2] + " (Power Automate)", "Bot " + p[2], ""})
		}
		d.serviceActive(a)
		a.lastLogon = r.at(o.now, 0, 2, true)
		d.add(a)
	}
}

func (o *rwa) mailboxes() {
	r, d := o.r, o.d
	fp := d.ou("Funktionspostfächer", "Exchange")
	for i, n := range []string{"Einkauf", "Info", "Bewerbung", "Rechnungseingang", "Datenschutz", "Versand Heilbronn", "Service-Hotline",
		"Auftragseingang", "Zoll", "Reklamation", "QS-Meldungen", "Empfang Stuttgart", "Betriebsrat", "Ausbildung", "Presse", "Compliance",
		"Lieferantenportal", "Personalabteilung", "Lohnbüro", "Vertrieb Export", "Ersatzteile", "Konstruktion Anfragen", "Arbeitssicherheit",
		"Kantine", "IT-Bestellungen", "Fuhrpark", "Messe", "Vertrieb Inland"} {
		word := strings.ToLower(strings.NewReplacer(" ", "-", "ä", "ae", "ö", "oe", "ü", "ue").Replace(n))
		sam := word
		disp := n
		if i%2 == 0 {
			sam = "fp-" + word
			disp = "Funktionspostfach " + n
		}
		sam = d.unique(cut(sam, 20), func(k int) string { return cut(sam, 18) + strconv.Itoa(k) })
		a := &adObj{sam: sam, displayName: disp, mail: word + "@" + rwaMail, ou: fp, uac: uacNormal | uacDisabled,
			category: catMailbox, note: "shared mailbox (Funktionspostfach)"}
		if r.chance(0.5) {
			a.description = pick(r, []string{"Funktionspostfach", "Gruppenpostfach " + n, "Funktionspostfach " + n + " – Berechtigung über Gruppe"})
		}
		o.mailboxActivity(a)
		d.add(a)
	}
	raum := d.ou("Räume", "Exchange")
	for range 22 {
		site := pick(r, rwaSites)
		code := rwaSiteCode[site]
		g, f, n := r.between(1, 9), r.between(0, 3), r.between(1, 30)
		sam := d.unique(fmt.Sprintf("R-%s-G%d-%d%02d", code, g, f, n), func(k int) string { return fmt.Sprintf("R-%s-G%d-%d%02d-%d", code, g, f, n, k) })
		disp := fmt.Sprintf("Besprechungsraum %s Geb.%d %d.%02d (%d Pers.)", code, g, f, n, pick(r, []int{4, 6, 8, 10, 16}))
		a := &adObj{sam: sam, displayName: disp, mail: strings.ToLower(sam) + "@" + rwaMail, ou: raum, uac: uacNormal | uacDisabled,
			category: catMailbox, note: "room mailbox"}
		if r.chance(0.4) {
			a.description = "Raumpostfach"
		}
		o.mailboxActivity(a)
		d.add(a)
	}
	for i := range 9 {
		var sam, disp string
		switch i % 3 {
		case 0:
			nr := r.between(1000, 9999)
			sam, disp = fmt.Sprintf("kfz-s-rw%d", nr), fmt.Sprintf("Poolfahrzeug S-RW %d", nr)
		case 1:
			sam, disp = fmt.Sprintf("beamer%02d", i), fmt.Sprintf("Beamer Schulungsraum %d", i)
		default:
			sam, disp = fmt.Sprintf("ebike%02d", i), fmt.Sprintf("E-Bike %d", i)
		}
		sam = d.unique(sam, func(k int) string { return sam + strconv.Itoa(k) })
		a := &adObj{sam: sam, displayName: disp, mail: sam + "@" + rwaMail, ou: raum, uac: uacNormal | uacDisabled,
			category: catMailbox, note: "equipment mailbox"}
		if r.chance(0.5) {
			a.description = "Ressourcenpostfach"
		}
		o.mailboxActivity(a)
		d.add(a)
	}
}

func (o *rwa) mailboxActivity(a *adObj) {
	r, d := o.r, o.d
	d.neverUsed(a, 100, 3000)
	if r.chance(0.12) {
		a.uac = uacNormal | uacDontExpire
		a.lastLogon = r.at(o.now, 0, 40, true)
		a.note += ", enabled with a password"
	}
}

func (o *rwa) templates() {
	r, d := o.r, o.d
	for i, dep := range []string{"Vertrieb", "Einkauf", "Produktion", "Konstruktion", "Finanzen", "Personal", "Logistik", "Kundendienst", "IT", "Qualitätssicherung", "Azubi"} {
		code := letters(dep)
		a := &adObj{dept: dep, uac: uacNormal | uacDisabled, category: catTemplate, note: "template account", company: "Rheinwerk Antriebstechnik GmbH"}
		switch i % 3 {
		case 0:
			a.sam, a.displayName = "vorlage_"+cut(code, 12), "Vorlage "+dep
		case 1:
			a.sam, a.displayName = "_Muster_"+cut(code, 12), "Muster, "+dep
			a.sn, a.given = "Muster", dep
		default:
			a.sam, a.displayName = "vorl."+cut(code, 12), "_VORLAGE "+dep
		}
		a.ou = d.ou("Vorlagen", "Benutzer")
		if r.chance(0.7) {
			a.description = pick(r, []string{"Vorlage für neue Mitarbeiter " + dep + " – nicht aktivieren", "Kopiervorlage " + dep, "Vorlagekonto"})
		}
		d.neverUsed(a, 300, 3000)
		if i%4 == 3 {
			a.uac = uacNormal
			a.note += ", left enabled"
		}
		d.add(a)
	}
}

func (o *rwa) tests() {
	r, d := o.r, o.d
	ou := d.ou("Schulung und Test", "Benutzer")
	for i := 1; i <= 24; i++ {
		a := &adObj{sam: fmt.Sprintf("schulung%02d", i), ou: ou, uac: uacNormal | uacDontExpire, category: catTest, note: "training account (Schulungskonto)"}
		if i%2 == 0 {
			a.displayName = fmt.Sprintf("Schulung %02d", i)
		}
		if r.chance(0.5) {
			a.description = pick(r, []string{"Schulungskonto SAP", "Schulungsraum Geb. 2", "Schulung"})
		}
		d.neverUsed(a, 100, 2000)
		if r.chance(0.6) {
			a.lastLogon = r.at(o.now, 0, 90, true)
		}
		d.add(a)
	}
	for i, t := range []struct{ sam, given, sn, display, desc, note string }{
		{"mustermm", "Max", "Mustermann", "Mustermann, Max", "", "test persona (Max Mustermann)"},
		{"musterer", "Erika", "Mustermann", "Mustermann, Erika", "Testbenutzer", "test persona (Erika Mustermann)"},
		{"test.mes", "", "", "Test MES", "", "test account"},
		{"testuser-sap", "", "", "", "SAP Testbenutzer Q-System", "test account"},
		{"testw11", "", "", "Test Windows 11", "Testkonto für Migration Windows 11", "test account"},
		{"test_hydra", "", "", "", "", "test account"},
		{"qs-test", "", "", "QS Test", "", "test account"},
		{"abnahme01", "", "", "Abnahme 01", "Abnahmetest Teamcenter", "acceptance test account"},
		{"abnahme02", "", "", "Abnahme 02", "", "acceptance test account"},
		{"demo-vertrieb", "", "", "Demo Vertrieb", "Messe-Demo", "demo account"},
		{"pilot-w11-01", "", "", "", "Pilot", "test account"},
		{"pilot-w11-02", "", "", "", "Pilot", "test account"},
		{"testkonto", "", "", "Testkonto", "", "test account"},
		{"beispieha", "Hans", "Beispiel", "Beispiel, Hans", "", "test persona (Hans Beispiel)"},
		{"test.azubi", "", "", "Test Azubi", "", "test account"},
	} {
		a := &adObj{sam: d.unique(t.sam, func(n int) string { return t.sam + strconv.Itoa(n) }), given: t.given, sn: t.sn, displayName: t.display,
			description: t.desc, uac: uacNormal, category: catTest, note: t.note}
		a.ou = ou
		if i%3 == 0 {
			a.ou = o.usersOU(pick(r, rwaSites))
		}
		if t.given != "" {
			a.cn = t.given + " " + t.sn
			a.upn = o.upnFor(t.given, t.sn)
			a.mail = strings.TrimSuffix(a.upn, "@"+rwaMail) + "@" + rwaMail
		}
		if r.chance(0.5) {
			a.uac |= uacDontExpire
		}
		if r.chance(0.2) {
			a.uac |= uacDisabled
		}
		d.neverUsed(a, 30, 2000)
		if r.chance(0.5) {
			a.lastLogon = r.at(o.now, 0, 300, true)
		}
		d.add(a)
	}
}

func (o *rwa) repurposed() {
	r := o.r
	n := 0
	for _, p := range o.st.people {
		if n == 3 {
			break
		}
		if p.status != "terminated" || p.acct == nil || p.term.After(o.now.AddDate(-1, 0, 0)) {
			continue
		}
		a := p.acct
		a.uac = uacNormal | uacDontExpire
		a.ou = o.usersOU(p.site)
		a.category, a.note = catService, "repurposed leaver account: still runs a job"
		if r.chance(0.6) {
			a.description = pick(r, []string{"wird für Hydra-Export verwendet – NICHT deaktivieren", "Konto weiter für Scan-Job nötig", ""})
		} else {
			a.description = ""
		}
		a.pwdLastSet = p.term.AddDate(0, 0, -r.between(10, 300))
		a.lastLogon = r.nightly(o.now)
		n++
	}
}

func (o *rwa) files() *orgFiles {
	o.d.finish()
	cols := []string{"SamAccountName", "Name", "DisplayName", "GivenName", "Surname", "UserPrincipalName", "EmailAddress", "Title",
		"Department", "Company", "Office", "Description", "Manager", "EmployeeNumber", "Enabled", "PasswordNeverExpires",
		"PasswordNotRequired", "TrustedForDelegation", "LastLogonDate", "PasswordLastSet", "AccountExpirationDate", "ObjectClass",
		"ServicePrincipalNames", "DistinguishedName"}
	t := &table{header: cols}
	var labels [][]string
	tf := func(b bool) string {
		if b {
			return "True"
		}
		return "False"
	}
	for _, a := range o.d.sorted(func(a *adObj) string { return strings.ToLower(a.sam) }) {
		oc := a.objectClass[len(a.objectClass)-1]
		row := map[string]string{
			"SamAccountName": a.sam, "Name": a.cn, "DisplayName": a.displayName, "GivenName": a.given, "Surname": a.sn,
			"UserPrincipalName": a.upn, "EmailAddress": a.mail, "Title": a.title, "Department": a.dept, "Company": a.company,
			"Office": a.office, "Description": a.description, "EmployeeNumber": a.employeeID, "Enabled": tf(!a.disabled()),
			"PasswordNeverExpires": tf(a.uac&uacDontExpire != 0), "PasswordNotRequired": tf(a.uac&uacPasswdNotReqd != 0),
			"TrustedForDelegation": tf(a.uac&uacTrustedForDeleg != 0), "LastLogonDate": berlin(a.lastLogon),
			"AccountExpirationDate": berlin(a.expires), "ObjectClass": oc, "ServicePrincipalNames": strings.Join(a.spn, ","),
			"DistinguishedName": a.dn(),
		}
		if !a.mustChange {
			row["PasswordLastSet"] = berlin(a.pwdLastSet)
		}
		if a.manager != nil {
			row["Manager"] = a.manager.dn()
		}
		t.add(row)
		labels = append(labels, labelRow(a.sam, a))
	}
	ids := &table{header: []string{"Personalnummer", "Vorname", "Nachname", "E-Mail", "Abteilung", "Stellenbezeichnung", "Kostenstelle",
		"Vorgesetzter", "Standort", "Beschäftigungsart", "Eintrittsdatum", "Austrittsdatum", "Status"}}
	status := map[string]string{"active": "aktiv", "leave": "ruhend", "terminated": "ausgetreten", "pending": "Neueintritt"}
	for _, p := range o.st.people {
		row := map[string]string{"Personalnummer": p.id, "Vorname": p.first, "Nachname": p.last, "E-Mail": p.email, "Abteilung": p.dept,
			"Stellenbezeichnung": p.title, "Kostenstelle": strconv.Itoa(4000 + 10*indexDept(rwaDepts, p.dept)), "Standort": p.site,
			"Beschäftigungsart": p.workerType, "Eintrittsdatum": p.hire.Format("02.01.2006"), "Status": status[p.status]}
		if p.manager != nil {
			row["Vorgesetzter"] = p.manager.id
		}
		if !p.term.IsZero() {
			row["Austrittsdatum"] = p.term.Format("02.01.2006")
		}
		ids.add(row)
	}
	app, appCSV, appLabels := o.atlassian()
	return &orgFiles{
		manifest: manifest{
			Apps: []appSpec{app},
			Org:  "rwa", Name: "Rheinwerk Antriebstechnik GmbH", Country: "DE", Language: "de", ExportTime: o.now.Format(time.RFC3339),
			Accounts: fileSpec{File: "accounts.csv", ConnectorAttributes: format{IndexColumn: "SamAccountName", NameColumn: "SamAccountName",
				Delimiter: ";", MergeColumns: []string{"ServicePrincipalNames"}, MultiValueSeparator: ","}},
			Identities:  fileSpec{File: "identities.csv", ConnectorAttributes: format{IndexColumn: "Personalnummer", Delimiter: ";"}},
			Correlation: []correlation{{AccountAttribute: "EmployeeNumber", IdentityAttribute: "Personalnummer"}},
			TimeFormats: map[string]string{"LastLogonDate": "dd.MM.yyyy HH:mm:ss, German local time (CET/CEST); empty = never",
				"PasswordLastSet":       "dd.MM.yyyy HH:mm:ss, local; empty = never set or must change at next logon",
				"AccountExpirationDate": "dd.MM.yyyy HH:mm:ss, local; empty = never"},
			Notes: "PowerShell Get-ADObject export (Export-Csv -Delimiter ';' -Encoding UTF8: BOM, every field quoted); no userAccountControl (Enabled, PasswordNeverExpires, PasswordNotRequired, TrustedForDelegation instead), no whenCreated, no memberOf; identities.csv is SAP HCM's export",
		},
		accounts: t.encode(';', true, true), identities: ids.encode(';', false, true), labels: labels,
		saas: map[string][]byte{"atlassian.csv": appCSV, "atlassian-labels.csv": appLabels},
	}
}

func indexDept(ds []dept, name string) int {
	for i, d := range ds {
		if d.name == name {
			return i
		}
	}
	return -1
}
