package main

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Norrskog Energi AB: a Swedish energy company.

var nseDepts = []dept{
	{"Ledning", 0.01, []string{"Ledningsassistent", "Strateg"}, "VD", "Vice VD"},
	{"Elnät", 0.22, []string{"Elnätstekniker", "Montör", "Montör", "Driftingenjör", "Beredare", "Nätplanerare"}, "Elnätschef", "Arbetsledare"},
	{"Produktion", 0.14, []string{"Drifttekniker", "Driftoperatör", "Underhållstekniker", "Processingenjör"}, "Produktionschef", "Skiftledare"},
	{"Fjärrvärme", 0.08, []string{"Fjärrvärmetekniker", "Drifttekniker", "Rörmontör"}, "Fjärrvärmechef", "Arbetsledare fjärrvärme"},
	{"Kundservice", 0.13, []string{"Kundtjänstmedarbetare", "Kundtjänstmedarbetare", "Kundrådgivare", "Handläggare kundservice", "Faktureringshandläggare"}, "Kundservicechef", "Gruppledare kundtjänst"},
	{"Mätning", 0.05, []string{"Mättekniker", "Mätvärdesansvarig", "Handläggare mätning"}, "Chef mätning", "Gruppledare mätning"},
	{"IT", 0.06, []string{"IT-tekniker", "IT-tekniker", "Systemförvaltare", "Nätverkstekniker", "Systemutvecklare", "Testledare", "Automationsingenjör", "Driftansvarig IT", "Informationssäkerhetsspecialist"}, "IT-chef", "Gruppledare IT-drift"},
	{"Ekonomi", 0.05, []string{"Ekonom", "Redovisningsekonom", "Controller", "Löneadministratör"}, "Ekonomichef", "Redovisningschef"},
	{"HR", 0.03, []string{"HR-specialist", "HR-administratör", "Utbildningsansvarig"}, "HR-chef", "HR-partner"},
	{"Affärsutveckling", 0.05, []string{"Affärsutvecklare", "Projektledare", "Analytiker", "Energihandlare"}, "Chef affärsutveckling", "Projektchef"},
	{"Kommunikation", 0.02, []string{"Kommunikatör", "Webbredaktör"}, "Kommunikationschef", "Presschef"},
	{"Säkerhet och Miljö", 0.03, []string{"Miljösamordnare", "Arbetsmiljöingenjör", "Säkerhetssamordnare"}, "Chef säkerhet och miljö", "Samordnare"},
}

var nseMachineWords = []string{"system", "test", "automation", "drift", "utbildning", "service", "it-tekniker", "process"}

var nseSites = []string{"Umeå", "Skellefteå", "Lycksele"}

const nseMail = "norrskog.se"

var nseApps = []heldApp{
	{"hansa", "Hansa kundsystem", "NSE-SRV-HANSA01"}, {"ifs", "IFS Applications", "NSE-SRV-IFS01"}, {"netman", "ABB Network Manager", "NSE-SRV-SCADA01"},
	{"mvh", "Mätvärdeshantering", "NSE-SRV-MVH01"}, {"visma", "Visma Lön", "NSE-SRV-LON01"}, {"easit", "Easit GO", "NSE-SRV-EASIT01"},
	{"qlik", "Qlik Sense", "NSE-SRV-QLIK01"}, {"veeam", "Veeam", "NSE-SRV-BKP01"}, {"sophos", "Sophos", "NSE-SRV-AV01"},
	{"landis", "Landis+Gyr HES", "NSE-SRV-HES01"}, {"powel", "Powel", "NSE-SRV-PWL01"}, {"gis", "dpPower GIS", "NSE-SRV-GIS01"},
	{"sharepoint", "SharePoint", "NSE-SRV-SP01"}, {"print", "Utskriftsserver", "NSE-SRV-PRT01"},
}

type nse struct {
	r   *rng
	d   *directory
	st  *staff
	now time.Time
	it  []*person
	sid map[*adObj]string
}

func genNSE(seed uint64, now time.Time) *orgFiles {
	r := newRNG(seed, "nse")
	d := newDirectory("norrskog.local", now, r)
	d.pwdMaxAge, d.svcNeverChanged = 0, 0.4
	st := buildStaff(r, now, staffSpec{
		n: 960, depts: nseDepts, sites: nseSites, siteWeights: []float64{0.55, 0.3, 0.15},
		first: svFirst, last: svLast, hardLast: svHardLast, hardLastShare: 0.006,
		terminated: 0.08, leave: 0.03, pending: 0.01,
		nextID:      func(i int) string { return strconv.Itoa(2100 + i*2 + i%2) },
		workerTypes: []string{"Tillsvidare", "Visstid", "Timanställd", "Sommarjobbare"}, workerWeights: []float64{0.86, 0.07, 0.04, 0.03},
	})
	o := &nse{r: r, d: d, st: st, now: now, sid: map[*adObj]string{}}
	o.people()
	o.externals()
	o.admins()
	o.computers()
	o.machines()
	return o.files()
}

func (o *nse) samFor(first, last string) string {
	base := cut(ascii(foldSV, first, ""), 3) + cut(ascii(foldSV, last, ""), 3)
	return o.d.unique(base, func(k int) string { return base + strconv.Itoa(k) })
}

func (o *nse) mailFor(first, last string) string {
	base := ascii(foldSV, first, "-") + "." + ascii(foldSV, last, "-")
	u := base
	for k := 2; o.d.taken("mail:" + u); k++ {
		u = base + strconv.Itoa(k)
	}
	o.d.names["mail:"+u] = true
	return u + "@" + nseMail
}

func (o *nse) usersOU(site string) string { return o.d.ou("Anvandare", foldSV.Replace(site), "NSE") }

func (o *nse) people() {
	r, d := o.r, o.d
	for _, p := range leadsFirst(o.st.people) {
		if p.status == "terminated" && !r.chance(0.3) {
			continue
		}
		a := &adObj{given: p.first, sn: p.last, title: p.title, dept: p.dept, company: "Norrskog Energi AB", office: p.site,
			employeeID: p.id, category: catHuman, identity: p.id}
		p.acct = a
		a.sam = o.samFor(p.first, p.last)
		a.displayName = p.first + " " + p.last
		a.cn = a.displayName
		a.ou = o.usersOU(p.site)
		field := p.dept == "Elnät" || p.dept == "Produktion" || p.dept == "Fjärrvärme"
		if !field && r.chance(0.99) || field && r.chance(0.7) {
			a.mail = o.mailFor(p.first, p.last)
		}
		a.upn = a.sam + "@norrskog.local"
		if a.mail != "" {
			a.upn = a.mail
		}
		p.email = a.mail
		if p.manager != nil && r.chance(0.95) {
			a.manager = p.manager.acct
		}
		a.uac = uacNormal
		d.personActive(a)
		a.created = p.hire.Add(-time.Duration(r.between(1, 10))*24*time.Hour + time.Duration(r.between(7*3600, 17*3600))*time.Second)
		switch p.status {
		case "terminated":
			a.uac |= uacDisabled
			a.ou = d.ou("Avslutade", "NSE")
			a.lastLogon = p.term.Add(-time.Duration(r.between(1, 48)) * time.Hour)
			if a.pwdLastSet.After(a.lastLogon) {
				a.pwdLastSet = a.lastLogon.AddDate(0, 0, -r.between(1, 600))
			}
			a.manager = nil
			a.category, a.note = catHumanHard, "disabled leaver account"
			if r.chance(0.5) {
				a.description = "Slutat " + p.term.Format("2006-01-02")
			}
		case "leave":
			a.uac |= uacDisabled
			a.description = pick(r, []string{"Föräldraledig", "Tjänstledig", ""})
			a.lastLogon = r.at(o.now, 40, 300, true)
			a.pwdLastSet = a.lastLogon.AddDate(0, 0, -r.between(1, 500))
			a.category, a.note = catHumanHard, "parental leave: disabled"
		case "pending":
			a.created = r.at(o.now, 1, 20, true)
			a.pwdLastSet, a.mustChange, a.lastLogon = time.Time{}, true, time.Time{}
			a.category, a.note = catHumanHard, "new starter: never logged on"
		}
		if p.status == "active" {
			switch {
			case titleHas(p.title, nseMachineWords):
				a.category, a.note = catHumanHard, "job title with a machine word"
			case p.workerType == "Sommarjobbare" || p.workerType == "Visstid":
				a.expires = o.now.AddDate(0, r.between(0, 8), r.between(1, 27)).Truncate(24 * time.Hour)
				a.category, a.note = catHumanHard, "fixed-term worker with account expiry"
			case p.workerType == "Timanställd":
				a.lastLogon = r.at(o.now, 20, 250, true)
				a.category, a.note = catHumanHard, "hourly worker: rare logons"
			case a.mail == "" && r.chance(0.5):
				a.manager = nil
				a.category, a.note = catHumanHard, "no mailbox and no manager"
			case a.pwdLastSet.Before(o.now.AddDate(-3, 0, 0)):
				a.category, a.note = catHumanHard, "password unchanged for years (no expiry policy)"
			}
			if containsStr(svHardLast, p.last) {
				a.category, a.note = catHumanHard, "surname that reads as a machine word"
			}
		}
		if a.lastLogon.Before(a.pwdLastSet) && !a.lastLogon.IsZero() {
			a.lastLogon = a.pwdLastSet.Add(time.Duration(r.between(1, 30)) * time.Hour)
			if a.lastLogon.After(o.now) {
				a.lastLogon = o.now.Add(-time.Hour)
			}
		}
		if p.dept == "IT" && p.status == "active" {
			o.it = append(o.it, p)
		}
		d.add(a)
	}
}

func (o *nse) externals() {
	r, d := o.r, o.d
	firms := []string{"Vattenfall Services", "Eltel", "Omexom", "Sweco", "Tieto", "Knowit", "Afry"}
	for range 55 {
		first, last := pick(r, svFirst), pick(r, svLast)
		firm := pick(r, firms)
		base := "k" + cut(ascii(foldSV, first, ""), 3) + cut(ascii(foldSV, last, ""), 3)
		sam := d.unique(base, func(k int) string { return base + strconv.Itoa(k) })
		a := &adObj{sam: sam, upn: sam + "@norrskog.local", given: first, sn: last, displayName: first + " " + last + " (Konsult)", company: firm,
			ou: d.ou("Konsulter", "NSE"), uac: uacNormal, category: catHumanExt, note: "consultant (k prefix), not in HR"}
		a.cn = a.displayName
		if r.chance(0.6) {
			a.description = "Konsult " + firm
		}
		if r.chance(0.4) {
			a.mail = ascii(foldSV, first, "-") + "." + ascii(foldSV, last, "-") + "@" + strings.ToLower(strings.Fields(firm)[0]) + ".se"
		}
		d.personActive(a)
		a.expires = o.now.AddDate(0, r.between(-2, 12), 0).Truncate(24 * time.Hour)
		d.add(a)
	}
}

func (o *nse) admins() {
	r, d := o.r, o.d
	for _, p := range o.it {
		if p.acct == nil || !r.chance(0.8) {
			continue
		}
		sam := d.unique(p.acct.sam+"-admin", func(k int) string { return p.acct.sam + strconv.Itoa(k) + "-admin" })
		a := &adObj{sam: sam, upn: sam + "@norrskog.local", given: p.first, sn: p.last, displayName: p.first + " " + p.last + " (admin)",
			ou: d.ou("Administratorer", "IT", "NSE"), uac: uacNormal, category: catHumanAdmin, note: "admin second account of " + p.acct.sam}
		a.cn = a.displayName
		if r.chance(0.5) {
			a.employeeID, a.identity = p.id, p.id
		}
		if r.chance(0.4) {
			a.uac |= uacNotDelegated
		}
		if r.chance(0.3) {
			a.description = "Administratörskonto"
		}
		d.personActive(a)
		d.add(a)
	}
}

func (o *nse) computers() {
	r, d := o.r, o.d
	d.computer("NSE-DC01", d.ou("Domain Controllers"), "", "", true, true, false)
	d.computer("NSE-DC02", d.ou("Domain Controllers"), "", "", true, true, false)
	for _, a := range nseApps {
		if r.chance(0.6) {
			d.computer(a.host, d.ou("Servrar", "NSE"), "", a.name, true, false, false)
		}
	}
	for range 100 {
		kind := pick(r, []string{"PC", "PC", "LT", "OT"})
		mk := func() string { return fmt.Sprintf("NSE-%s-%04d", kind, r.between(1, 9999)) }
		name := d.unique(mk(), func(int) string { return mk() })
		desc := ""
		if kind == "OT" {
			desc = "Operatörsplats " + pick(r, []string{"kraftvärmeverket", "driftcentralen", "fjärrvärme"})
		}
		d.computer(name, d.ou("Datorer", "NSE"), "", desc, false, false, r.chance(0.12))
	}
}

func (o *nse) owner() *person { return pick(o.r, o.it) }

func (o *nse) machines() {
	d := o.d
	d.builtins(builtinSV, "")
	d.entraConnect("NSE-SRV-AAD01", "norrskog.onmicrosoft.com", true)
	svc := d.ou("Tjanstekonton", "IT", "NSE")
	for _, g := range []string{"gmsa-sql$", "gmsa-ifs$", "gmsa-scada$", "gmsa-schema$"} {
		d.gmsa(g, d.ou("CN=Managed Service Accounts"), "", nil, false, "group managed service account")
	}
	o.services(svc)
	o.integrations(svc)
	o.bots()
	o.mailboxes()
	o.templates()
	o.tests()
	o.repurposed()
}

func (o *nse) services(ou string) {
	r, d := o.r, o.d
	for range 62 {
		app := pick(r, nseApps)
		owner := o.owner()
		a := &adObj{ou: ou, uac: uacNormal, category: catService}
		if r.chance(0.5) {
			a.uac |= uacDontExpire
		}
		var style string
		switch x := r.float(); {
		case x < 0.3:
			style, a.sam = "tj", "tj_"+app.code
		case x < 0.5:
			style, a.sam = "svc", "svc-"+app.code+pick(r, []string{"", "-prod", "-test"})
		case x < 0.62:
			style, a.sam = "tjanst", app.code+"-tjanst"
		case x < 0.72:
			style, a.sam = "sys", "sys_"+app.code
		case x < 0.85:
			style, a.sam = "plain", pick(r, []string{app.code, app.code + "user", "skanner" + strconv.Itoa(r.between(1, 9)), "backup", "rapport"})
		default:
			style = "person"
			a.sam = owner.acct.sam + pick(r, []string{"2", "-skript", "_jobb"})
		}
		base := cut(a.sam, 20)
		a.sam = d.unique(base, func(k int) string { return cut(base, 18) + strconv.Itoa(k) })
		a.note = "service account (" + style + ")"
		if style == "person" {
			a.note = "service account named after the person who made it"
			if r.chance(0.5) {
				a.displayName, a.given, a.sn = owner.first+" "+owner.last, owner.first, owner.last
			}
			if r.chance(0.5) {
				a.ou = o.usersOU(owner.site)
			}
		} else if r.chance(0.5) {
			a.displayName = pick(r, []string{"Tjänstekonto " + app.name, app.name, "Systemkonto " + app.name})
		}
		descs := []string{"Tjänstekonto för " + app.name, "Används av " + app.name + " för " + pick(r, []string{"nattliga körningar", "import av mätvärden", "utskick", "säkerhetskopiering"}),
			"Ägare: " + owner.first + " " + owner.last, "Schemalagd uppgift på " + app.host, "Byt inte lösenord!", "Systemkonto " + app.name,
			"Ärende " + strconv.Itoa(r.between(10000, 99999))}
		if style != "person" && r.chance(0.6) {
			a.description = pick(r, descs)
		}
		if r.chance(0.1) {
			a.uac |= uacDisabled
		}
		if r.chance(0.25) {
			a.spn = []string{"HTTP/" + strings.ToLower(app.host) + ".norrskog.local"}
		}
		d.fill(a, app.name, o.paperwork(o.owner()))
		d.serviceActive(a)
		d.add(a)
	}
}

func (o *nse) integrations(ou string) {
	r, d := o.r, o.d
	partners := []string{"Svenska kraftnät", "Nord Pool", "Edielportalen", "Swedbank", "Skatteverket"}
	for range 22 {
		app := pick(r, nseApps)
		a := &adObj{ou: ou, uac: uacNormal | uacDontExpire, category: catIntegration}
		var desc []string
		switch r.intn(4) {
		case 0:
			b := pick(r, nseApps)
			a.sam = "int-" + cut(app.code, 7) + "-" + cut(b.code, 7)
			desc = []string{"Integration " + app.name + " - " + b.name}
			a.note = "interface account"
		case 1:
			a.sam = "ldap-" + app.code
			desc = []string{"LDAP-läsning för " + app.name}
			a.note = "LDAP bind account"
		case 2:
			p := pick(r, partners)
			a.sam = "ediel-" + cut(ascii(foldSV, p, ""), 12)
			desc = []string{"Filöverföring " + p, "Ediel-meddelanden " + p}
			a.note = "partner message exchange account"
		default:
			a.sam = "api-" + app.code
			desc = []string{"API-konto " + app.name}
			a.note = "API account"
		}
		base := cut(a.sam, 20)
		a.sam = d.unique(base, func(k int) string { return cut(base, 18) + strconv.Itoa(k) })
		if r.chance(0.6) {
			a.description = pick(r, desc)
		}
		d.fill(a, app.name, o.paperwork(o.owner()))
		d.serviceActive(a)
		d.add(a)
	}
}

func (o *nse) bots() {
	r, d := o.r, o.d
	for i := 1; i <= 3; i++ {
		a := &adObj{sam: fmt.Sprintf("rpa-bot%02d", i), ou: d.ou("RPA", "IT", "NSE"), uac: uacNormal | uacDontExpire, category: catBot, note: "RPA runtime"}
		if i != 2 {
			a.displayName = fmt.Sprintf("RPA-robot %d", i)
		}
		d.serviceActive(a)
		a.lastLogon = r.at(o.now, 0, 1, false)
		d.add(a)
	}
	a := &adObj{sam: o.samFor("Elsa", "Ek"), given: "Elsa", sn: "Ek", displayName: "Elsa Ek", uac: uacNormal | uacDontExpire, category: catBot,
		note: "digital-worker persona with a human name (flyttanmälningar)", ou: o.usersOU("Umeå"), title: "Digital medarbetare"}
	a.mail = o.mailFor("Elsa", "Ek")
	a.upn = a.mail
	d.serviceActive(a)
	a.lastLogon = r.at(o.now, 0, 1, true)
	d.add(a)
}

func (o *nse) mailboxes() {
	r, d := o.r, o.d
	ou := d.ou("Funktionsbrevlador", "Exchange", "NSE")
	for i, n := range []string{"Kundservice", "Felanmälan", "Faktura", "Info", "Rekrytering", "Ekonomi", "Driftcentralen", "Elnät Beställning",
		"Mätvärden", "Press", "Upphandling", "Dataskydd", "IT-support", "Fastighet"} {
		slug := ascii(foldSV, strings.ReplaceAll(n, " ", "."), ".-")
		sam := slug
		if i%2 == 1 {
			sam = "fb-" + slug
		}
		sam = d.unique(cut(sam, 20), func(k int) string { return cut(sam, 18) + strconv.Itoa(k) })
		a := &adObj{sam: sam, displayName: pick(r, []string{n, "Funktionsbrevlåda " + n, "Norrskog " + n}), mail: slug + "@" + nseMail, ou: ou,
			uac: uacNormal | uacDisabled, category: catMailbox, note: "shared mailbox (funktionsbrevlåda)"}
		if r.chance(0.5) {
			a.description = "Funktionsbrevlåda"
		}
		o.mb(a)
		d.add(a)
	}
	for _, n := range []string{"Älven", "Forsen", "Tallen", "Norrsken", "Midnattssol", "Kraftverket", "Dammen", "Ljuset"} {
		sam := d.unique("rum-"+ascii(foldSV, n, ""), func(k int) string { return "rum-" + ascii(foldSV, n, "") + strconv.Itoa(k) })
		a := &adObj{sam: sam, displayName: fmt.Sprintf("Konferensrum %s (%d)", n, pick(r, []int{4, 6, 10, 14})), mail: sam + "@" + nseMail, ou: ou,
			uac: uacNormal | uacDisabled, category: catMailbox, note: "room mailbox"}
		o.mb(a)
		d.add(a)
	}
	for i := 1; i <= 5; i++ {
		reg := fmt.Sprintf("%s%s%d", pick(r, []string{"ABC", "KLM", "XYZ", "NRS"}), strconv.Itoa(r.between(10, 99)), r.intn(10))
		a := &adObj{sam: "bil-" + strings.ToLower(reg), displayName: "Poolbil " + reg, mail: "bil-" + strings.ToLower(reg) + "@" + nseMail, ou: ou,
			uac: uacNormal | uacDisabled, category: catMailbox, note: "equipment mailbox (pool car)"}
		o.mb(a)
		d.add(a)
	}
}

func (o *nse) mb(a *adObj) {
	o.d.neverUsed(a, 100, 2500)
	if o.r.chance(0.1) {
		a.uac = uacNormal
		a.lastLogon = o.r.at(o.now, 0, 40, true)
		a.note += ", enabled with a password"
	}
}

func (o *nse) templates() {
	r, d := o.r, o.d
	for _, dep := range []string{"Kundservice", "Elnät", "Produktion", "Ekonomi", "IT", "Mätning"} {
		a := &adObj{sam: "mall_" + ascii(foldSV, dep, ""), displayName: "MALL " + dep, dept: dep, uac: uacNormal | uacDisabled, category: catTemplate,
			note: "template account (mall)", ou: d.ou("Mallar", "NSE"), company: "Norrskog Energi AB"}
		if r.chance(0.5) {
			a.description = "Mallkonto " + dep + " - kopiera vid nyanställning"
		}
		d.neverUsed(a, 200, 3000)
		d.add(a)
	}
}

func (o *nse) tests() {
	r, d := o.r, o.d
	for i := 1; i <= 10; i++ {
		a := &adObj{sam: fmt.Sprintf("utb%02d", i), ou: d.ou("Test och utbildning", "NSE"), uac: uacNormal, category: catTest, note: "training account (utbildning)"}
		if i%2 == 0 {
			a.displayName = fmt.Sprintf("Utbildning %02d", i)
		}
		d.neverUsed(a, 100, 1500)
		if r.chance(0.5) {
			a.lastLogon = r.at(o.now, 0, 120, true)
		}
		d.add(a)
	}
	for i, t := range []struct{ sam, display, desc, note string }{
		{"test01", "Test 01", "", "test account"}, {"test02", "", "", "test account"}, {"testanvandare", "Testanvändare", "", "test account"},
		{"svesve", "Sven Svensson", "", "test persona (Sven Svensson)"}, {"test.hansa", "", "Test Hansa kundsystem", "test account"},
		{"pilot-w11", "", "", "test account"}, {"demo-kund", "Demo Kundportal", "", "demo account"},
	} {
		a := &adObj{sam: d.unique(t.sam, func(k int) string { return t.sam + strconv.Itoa(k) }), displayName: t.display, description: t.desc, uac: uacNormal,
			category: catTest, note: t.note, ou: d.ou("Test och utbildning", "NSE")}
		if i%3 == 0 {
			a.ou = o.usersOU("Umeå")
		}
		if t.sam == "svesve" {
			a.given, a.sn = "Sven", "Svensson"
			a.mail = o.mailFor("Sven", "Svensson")
			a.upn = a.mail
		}
		d.neverUsed(a, 30, 2000)
		if r.chance(0.5) {
			a.lastLogon = r.at(o.now, 0, 300, true)
		}
		d.add(a)
	}
}

func (o *nse) repurposed() {
	r := o.r
	n := 0
	for _, p := range o.st.people {
		if n == 2 {
			break
		}
		if p.status != "terminated" || p.acct == nil || p.term.After(o.now.AddDate(-1, 0, 0)) {
			continue
		}
		a := p.acct
		a.uac = uacNormal
		a.ou = o.usersOU(p.site)
		a.category, a.note = catService, "repurposed leaver account: still runs a job"
		a.description = pick(r, []string{"Används av mätvärdesimporten - får ej stängas av", ""})
		a.pwdLastSet = p.term.AddDate(0, 0, -r.between(10, 300))
		a.lastLogon = r.nightly(o.now)
		n++
	}
}

func (o *nse) files() *orgFiles {
	o.d.finish()
	cols := []string{"objectSid", "sAMAccountName", "displayName", "givenName", "sn", "mail", "userPrincipalName", "title", "department",
		"company", "l", "description", "employeeID", "manager", "userAccountControl", "pwdLastSet", "lastLogonTimestamp", "accountExpires",
		"whenCreated", "objectClass", "servicePrincipalName", "distinguishedName"}
	t := &table{header: cols}
	var labels [][]string
	domain := fmt.Sprintf("S-1-5-21-%d-%d-%d", 1000000000+o.r.intn(1000000000), 1000000000+o.r.intn(1000000000), 1000000000+o.r.intn(1000000000))
	rid := 1100
	for i, a := range o.d.objs {
		switch {
		case a.sam == builtinSV.admin:
			o.sid[a] = domain + "-500"
		case a.sam == builtinSV.guest:
			o.sid[a] = domain + "-501"
		case a.sam == "krbtgt":
			o.sid[a] = domain + "-502"
		case a.sam == "DefaultAccount":
			o.sid[a] = domain + "-503"
		default:
			rid += 1 + i%3
			o.sid[a] = domain + "-" + strconv.Itoa(rid)
		}
	}
	for _, a := range o.d.sorted(func(a *adObj) string { return a.dn() }) {
		row := map[string]string{"objectSid": o.sid[a], "sAMAccountName": a.sam, "displayName": a.displayName, "givenName": a.given, "sn": a.sn,
			"mail": a.mail, "userPrincipalName": a.upn, "title": a.title, "department": a.dept, "company": a.company, "l": a.office,
			"description": a.description, "employeeID": a.employeeID, "userAccountControl": strconv.Itoa(a.uac),
			"objectClass": strings.Join(a.objectClass, ";"), "servicePrincipalName": strings.Join(a.spn, ";"), "distinguishedName": a.dn(),
			"whenCreated": a.created.Format("2006-01-02")}
		if a.manager != nil {
			row["manager"] = a.manager.dn()
		}
		if a.mustChange || a.pwdLastSet.IsZero() {
			row["pwdLastSet"] = "0"
		} else {
			row["pwdLastSet"] = ft(a.pwdLastSet)
		}
		if !a.lastLogon.IsZero() {
			row["lastLogonTimestamp"] = a.lastLogon.Format("2006-01-02")
		}
		if a.expires.IsZero() {
			row["accountExpires"] = "9223372036854775807"
		} else {
			row["accountExpires"] = ft(a.expires)
		}
		t.add(row)
		labels = append(labels, labelRow(o.sid[a], a))
	}
	ids := &table{header: []string{"anstallningsnummer", "fornamn", "efternamn", "epost", "avdelning", "befattning", "chef", "ort",
		"anstallningsform", "startdatum", "slutdatum", "status"}}
	st := map[string]string{"active": "Aktiv", "leave": "Tjänstledig", "terminated": "Avslutad", "pending": "Kommande"}
	for _, p := range o.st.people {
		row := map[string]string{"anstallningsnummer": p.id, "fornamn": p.first, "efternamn": p.last, "epost": p.email, "avdelning": p.dept,
			"befattning": p.title, "ort": p.site, "anstallningsform": p.workerType, "startdatum": p.hire.Format("2006-01-02"), "status": st[p.status]}
		if p.manager != nil {
			row["chef"] = p.manager.id
		}
		if !p.term.IsZero() {
			row["slutdatum"] = p.term.Format("2006-01-02")
		}
		ids.add(row)
	}
	return &orgFiles{
		manifest: manifest{
			Org: "nse", Name: "Norrskog Energi AB", Country: "SE", Language: "sv", ExportTime: o.now.Format(time.RFC3339),
			Accounts: fileSpec{File: "accounts.csv", ConnectorAttributes: format{IndexColumn: "objectSid", NameColumn: "sAMAccountName",
				Delimiter: "|", MergeColumns: []string{"objectClass", "servicePrincipalName"}, MultiValueSeparator: ";"}},
			Identities:  fileSpec{File: "identities.csv", ConnectorAttributes: format{IndexColumn: "anstallningsnummer", Delimiter: ","}},
			Correlation: []correlation{{AccountAttribute: "employeeID", IdentityAttribute: "anstallningsnummer"}},
			TimeFormats: map[string]string{"pwdLastSet": "FILETIME; 0 = never set / must change", "lastLogonTimestamp": "YYYY-MM-DD (date only); empty = never",
				"accountExpires": "FILETIME; 9223372036854775807 = never", "whenCreated": "YYYY-MM-DD"},
			Notes: "pipe-delimited LDAP export keyed by objectSid",
		},
		accounts: t.encode('|', false, false), identities: ids.encode(',', false, false), labels: labels,
	}
}

func ft(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return strconv.FormatInt((t.Unix()+11644473600)*10000000+int64(t.Nanosecond()/100), 10)
}

func (o *nse) paperwork(owner *person) paperwork {
	return paperwork{company: "Norrskog Energi AB", dept: "IT", titles: []string{"Tjänstekonto", "Systemkonto"}, surnames: []string{"Tjänst", "System", "Konto", "Service"}, owner: owner.acct}
}
