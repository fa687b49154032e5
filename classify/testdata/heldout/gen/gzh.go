package main

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Gemeente Zuiderhaven: a Dutch municipality.

var gzhDepts = []dept{
	{"Directie", 0.01, []string{"Managementassistent", "Concernadviseur"}, "Gemeentesecretaris", "Concerndirecteur"},
	{"Burgerzaken", 0.08, []string{"Medewerker Burgerzaken", "Baliemedewerker", "Medewerker Publiekszaken", "Medewerker Reisdocumenten"}, "Afdelingshoofd Burgerzaken", "Teamleider Publiekszaken"},
	{"Sociaal Domein", 0.16, []string{"Consulent Werk en Inkomen", "Klantmanager", "Consulent Wmo", "Jeugdconsulent", "Schuldhulpverlener"}, "Afdelingshoofd Sociaal Domein", "Teamleider Wmo"},
	{"Ruimte", 0.07, []string{"Beleidsmedewerker Ruimtelijke Ordening", "Stedenbouwkundige", "Projectleider", "Planeconoom"}, "Afdelingshoofd Ruimte", "Teamleider Ruimtelijke Ontwikkeling"},
	{"Openbare Ruimte", 0.16, []string{"Medewerker Groen", "Medewerker Groen", "Medewerker Wegen", "Vakman Riolering", "Chauffeur", "Opzichter", "Medewerker Buitendienst"}, "Afdelingshoofd Openbare Ruimte", "Voorman"},
	{"Vergunningen Toezicht Handhaving", 0.08, []string{"Vergunningverlener", "Toezichthouder", "BOA", "Handhaver"}, "Afdelingshoofd VTH", "Teamleider Handhaving"},
	{"Belastingen", 0.04, []string{"Medewerker Belastingen", "Taxateur WOZ", "Invorderaar"}, "Afdelingshoofd Belastingen", "Teamleider Heffingen"},
	{"Informatievoorziening", 0.05, []string{"Functioneel Beheerder", "Applicatiebeheerder", "Systeembeheerder", "Medewerker Servicedesk", "Medewerker Servicedesk", "Informatieadviseur", "Testcoördinator", "Privacy Officer", "Data-analist", "Medewerker Automatisering", "RPA-ontwikkelaar"}, "Afdelingshoofd I&A", "Teamleider Technisch Beheer"},
	{"Financiën", 0.04, []string{"Controller", "Medewerker Financiële Administratie", "Adviseur Financiën"}, "Afdelingshoofd Financiën", "Teamleider Administratie"},
	{"HRM", 0.03, []string{"HR-adviseur", "Salarisadministrateur", "Medewerker Opleidingen"}, "Afdelingshoofd HRM", "Teamleider HR"},
	{"Bestuursondersteuning", 0.03, []string{"Bestuurssecretaris", "Juridisch Adviseur", "Beleidsadviseur"}, "Afdelingshoofd Bestuur", "Teamleider Juridische Zaken"},
	{"Griffie", 0.01, []string{"Raadsadviseur", "Commissiegriffier"}, "Griffier", "Plaatsvervangend Griffier"},
	{"Communicatie", 0.02, []string{"Communicatieadviseur", "Webredacteur", "Woordvoerder"}, "Hoofd Communicatie", "Teamleider Communicatie"},
	{"Klantcontactcentrum", 0.06, []string{"Medewerker KCC", "Medewerker Klantcontact", "Telefonist"}, "Manager KCC", "Teamleider KCC"},
	{"Sport en Recreatie", 0.04, []string{"Badmeester", "Zweminstructeur", "Medewerker Sporthal"}, "Hoofd Sport", "Bedrijfsleider Zwembad"},
	{"Facilitaire Zaken", 0.03, []string{"Bode", "Medewerker Post en Archief", "Conciërge", "Medewerker Facilitaire Dienst"}, "Hoofd Facilitaire Zaken", "Teamleider Facilitair"},
}

var gzhMachineWords = []string{"service", "beheer", "automatisering", "test", "opleiding", "systeem", "post", "dienst", "applicatie", "rpa", "data"}

var gzhSites = []string{"Stadhuis", "Stadskantoor", "Gemeentewerf", "Zwembad"}

const gzhMail = "zuiderhaven.nl"

var gzhApps = []heldApp{
	{"key2bz", "Key2Burgerzaken", "ZHSRV-KEY2-01"}, {"s4g", "Suite4Gemeenten", "ZHSRV-S4G-01"}, {"decos", "Decos JOIN", "ZHSRV-DECOS01"},
	{"corsa", "Corsa", "ZHSRV-CORSA01"}, {"djuma", "Djuma", "ZHSRV-DJUMA01"}, {"mozard", "Mozard", "ZHSRV-MOZ01"}, {"govmaps", "GovMaps", "ZHSRV-GIS01"},
	{"topdesk", "TOPdesk", "ZHSRV-TD01"}, {"civision", "Civision Samenlevingszaken", "ZHSRV-CIV01"}, {"ibz", "iBurgerzaken", "ZHSRV-IBZ01"},
	{"xential", "Xential", "ZHSRV-XEN01"}, {"zaaksys", "Zaaksysteem", "ZHSRV-ZS01"}, {"nedgraph", "NedGraphics", "ZHSRV-NG01"},
	{"veeam", "Veeam", "ZHSRV-BU01"}, {"sccm", "MECM", "ZHSRV-MECM01"}, {"sophos", "Sophos", "ZHSRV-AV01"}, {"ivanti", "Ivanti", "ZHSRV-IV01"},
	{"citrix", "Citrix", "ZHSRV-CTX01"}, {"iprova", "iProva", "ZHSRV-IPR01"}, {"afas", "AFAS", "ZHSRV-AFAS01"},
}

// amsterdam renders a time in Dutch local time as the report prints it.
func amsterdam(t time.Time) string {
	if t.IsZero() {
		return "Never"
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
	return t.UTC().Add(off).Format("02-01-2006 15:04")
}

type gzh struct {
	r     *rng
	d     *directory
	st    *staff
	now   time.Time
	it    []*person
	canon map[*adObj]string // canonical OU path for the report
}

func genGZH(seed uint64, now time.Time) *orgFiles {
	r := newRNG(seed, "gzh")
	d := newDirectory("zuiderhaven.local", now, r)
	d.pwdMaxAge, d.svcNeverChanged = 365, 0.45
	st := buildStaff(r, now, staffSpec{
		n: 2180, depts: gzhDepts, sites: gzhSites, siteWeights: []float64{0.45, 0.3, 0.18, 0.07},
		first: nlFirst, last: nlLast, hardLast: nlHardLast, hardLastShare: 0.004,
		terminated: 0.1, leave: 0.02, pending: 0.015,
		nextID:      func(i int) string { return strconv.Itoa(1000100 + i*13 + i%7) },
		workerTypes: []string{"Vast", "Tijdelijk", "Stagiair", "Oproepkracht"}, workerWeights: []float64{0.8, 0.12, 0.04, 0.04},
	})
	o := &gzh{r: r, d: d, st: st, now: now, canon: map[*adObj]string{}}
	o.people()
	o.externals()
	o.admins()
	o.computers()
	o.machines()
	return o.files()
}

// nlParts splits "van den Berg" into its prefix ("van den") and the rest.
func nlParts(last string) (prefix, rest string) {
	f := strings.Fields(last)
	for i, w := range f {
		if w != strings.ToLower(w) || i == len(f)-1 {
			return strings.Join(f[:i], " "), strings.Join(f[i:], " ")
		}
	}
	return "", last
}

func (o *gzh) samFor(first, last string) string {
	prefix, rest := nlParts(last)
	ini := ""
	for _, w := range strings.Fields(prefix) {
		ini += w[:1]
	}
	base := cut(ascii(foldNL, first, ""), 1) + ini + cut(ascii(foldNL, rest, ""), 14)
	return o.d.unique(base, func(k int) string { return base + strconv.Itoa(k) })
}

func (o *gzh) mailFor(first, last string) string {
	base := cut(ascii(foldNL, first, ""), 1) + "." + ascii(foldNL, last, "-")
	u := base
	for k := 2; o.d.taken("mail:" + u); k++ {
		u = ascii(foldNL, first, "") + "." + ascii(foldNL, last, "-")
		if k > 2 {
			u += strconv.Itoa(k)
		}
	}
	o.d.names["mail:"+u] = true
	return u + "@" + gzhMail
}

func (o *gzh) place(a *adObj, path ...string) {
	a.ou = o.d.ou(path...)
	rev := make([]string, 0, len(path))
	for i := len(path) - 1; i >= 0; i-- {
		rev = append(rev, strings.TrimPrefix(path[i], "CN="))
	}
	o.canon[a] = "zuiderhaven.local/" + strings.Join(rev, "/")
}

func (o *gzh) people() {
	r, d := o.r, o.d
	for _, p := range leadsFirst(o.st.people) {
		if p.status == "terminated" && !r.chance(0.35) {
			continue
		}
		a := &adObj{given: p.first, sn: p.last, title: p.title, dept: p.dept, company: "Gemeente Zuiderhaven", office: p.site,
			employeeID: p.id, category: catHuman, identity: p.id, recipType: 0}
		p.acct = a
		a.sam = o.samFor(p.first, p.last)
		a.displayName = p.first + " " + p.last
		a.cn = a.displayName
		o.place(a, p.dept, "Medewerkers", "Gemeente")
		field := p.dept == "Openbare Ruimte" || p.dept == "Sport en Recreatie"
		if !field && r.chance(0.99) || field && r.chance(0.4) {
			a.mail = o.mailFor(p.first, p.last)
			a.recipType = 1 << 31 // RemoteUserMailbox
		}
		a.upn = a.sam + "@" + gzhMail
		if a.mail != "" && r.chance(0.8) {
			a.upn = a.mail
		}
		p.email = a.mail
		if p.manager != nil && r.chance(0.93) {
			a.manager = p.manager.acct
		}
		if r.chance(0.2) {
			a.description = p.title
		}
		a.uac = uacNormal
		d.personActive(a)
		a.created = p.hire.Add(-time.Duration(r.between(1, 10))*24*time.Hour + time.Duration(r.between(7*3600, 17*3600))*time.Second)
		switch p.status {
		case "terminated":
			a.uac |= uacDisabled
			o.place(a, "Uitdienst", "Gemeente")
			a.lastLogon = p.term.Add(-time.Duration(r.between(1, 48)) * time.Hour)
			if a.pwdLastSet.After(a.lastLogon) {
				a.pwdLastSet = a.lastLogon.AddDate(0, 0, -r.between(1, 300))
			}
			a.manager = nil
			a.category, a.note = catHumanHard, "disabled leaver account"
			if r.chance(0.5) {
				a.description = "Uit dienst per " + p.term.Format("02-01-2006")
			}
		case "leave":
			a.uac |= uacDisabled
			a.description = pick(r, []string{"Langdurig ziek", "Ouderschapsverlof", "Zwangerschapsverlof", ""})
			a.lastLogon = r.at(o.now, 50, 300, true)
			a.pwdLastSet = a.lastLogon.AddDate(0, 0, -r.between(1, 200))
			a.category, a.note = catHumanHard, "long leave: disabled"
		case "pending":
			a.created = r.at(o.now, 1, 20, true)
			a.pwdLastSet, a.mustChange, a.lastLogon = time.Time{}, true, time.Time{}
			a.category, a.note = catHumanHard, "new starter: never logged on"
		}
		if p.status == "active" {
			switch {
			case titleHas(p.title, gzhMachineWords):
				a.category, a.note = catHumanHard, "job title with a machine word"
			case p.workerType == "Tijdelijk" || p.workerType == "Stagiair":
				a.expires = o.now.AddDate(0, r.between(1, 12), 0).Truncate(24 * time.Hour)
				a.category, a.note = catHumanHard, "fixed-term contract with account expiry"
			case a.mail == "" && a.manager == nil:
				a.category, a.note = catHumanHard, "no mailbox and no manager"
			case p.workerType == "Oproepkracht":
				a.lastLogon = r.at(o.now, 20, 200, true)
				a.pwdLastSet = a.lastLogon.AddDate(0, 0, -r.between(0, 300))
				a.category, a.note = catHumanHard, "on-call worker: rare logons"
			case p.head && r.chance(0.4):
				a.uac |= uacDontExpire
				a.pwdLastSet = r.at(o.now, 400, 2500, true)
				a.category, a.note = catHumanHard, "manager with password never expires"
			}
			if containsStr(nlHardLast, p.last) {
				a.category, a.note = catHumanHard, "surname that reads as a machine word"
			}
		}
		if p.dept == "Informatievoorziening" && p.status == "active" {
			o.it = append(o.it, p)
		}
		d.add(a)
	}
}

func (o *gzh) externals() {
	r, d := o.r, o.d
	firms := []string{"Yacht", "Randstad", "Calco", "Centric", "PinkRoccade", "Conclusion", "ZZP"}
	for range 110 {
		first, last := pick(r, nlFirst), pick(r, nlLast)
		firm := pick(r, firms)
		sam := d.unique(fmt.Sprintf("i%05d", r.between(10000, 99999)), func(int) string { return fmt.Sprintf("i%05d", r.between(10000, 99999)) })
		a := &adObj{sam: sam, upn: sam + "@" + gzhMail, given: first, sn: last, displayName: first + " " + last + " (inhuur)", company: firm,
			uac: uacNormal, category: catHumanExt, note: "hired-in worker with a numbered account, not in HR"}
		a.cn = a.displayName
		o.place(a, "Inhuur", "Medewerkers", "Gemeente")
		a.title = pick(r, []string{"Projectleider", "Adviseur", "Consulent Wmo", "Applicatiebeheerder", "Medewerker KCC", "Interim Manager"})
		a.dept = pick(r, []string{"Sociaal Domein", "Informatievoorziening", "Ruimte", "Klantcontactcentrum"})
		if r.chance(0.7) {
			a.mail = o.mailFor(first, last)
			a.recipType = 1 << 31
		}
		if r.chance(0.5) {
			a.description = "Inhuur via " + firm
		}
		d.personActive(a)
		a.expires = o.now.AddDate(0, r.between(-1, 10), 0).Truncate(24 * time.Hour)
		d.add(a)
	}
}

func (o *gzh) admins() {
	r, d := o.r, o.d
	for _, p := range o.it {
		if p.acct == nil || !r.chance(0.8) {
			continue
		}
		sam := d.unique(cut(p.acct.sam, 12)+"-beheer", func(k int) string { return cut(p.acct.sam, 11) + strconv.Itoa(k) + "-beheer" })
		a := &adObj{sam: sam, upn: sam + "@zuiderhaven.local", given: p.first, sn: p.last, displayName: p.first + " " + p.last + " (beheer)",
			uac: uacNormal, category: catHumanAdmin, note: "admin second account of " + p.acct.sam}
		a.cn = a.displayName
		o.place(a, "Accounts", "Beheer")
		if r.chance(0.4) {
			a.description = pick(r, []string{"Beheeraccount", "Beheeraccount " + p.first + " " + p.last, "Tier 1"})
		}
		if r.chance(0.6) {
			a.employeeID, a.identity = p.id, p.id
		}
		if r.chance(0.25) {
			a.uac |= uacDontExpire
		}
		d.personActive(a)
		d.add(a)
	}
}

func (o *gzh) computers() {
	r, d := o.r, o.d
	for i := 1; i <= 2; i++ {
		a := d.computer(fmt.Sprintf("ZHDC%02d", i), d.ou("Domain Controllers"), "Windows Server 2022 Standard", "", true, true, false)
		o.canon[a] = "zuiderhaven.local/Domain Controllers"
	}
	for _, app := range gzhApps {
		if r.chance(0.6) {
			a := d.computer(app.host, d.ou("Servers", "Beheer"), "Windows Server 2019 Standard", app.name, true, false, false)
			o.canon[a] = "zuiderhaven.local/Beheer/Servers"
		}
	}
	for range 230 {
		kind := pick(r, []string{"WS", "WS", "NB", "NB", "KIOSK"})
		mk := func() string { return fmt.Sprintf("ZH-%s-%05d", kind, r.between(1, 99999)) }
		name := d.unique(mk(), func(int) string { return mk() })
		desc := ""
		if kind == "KIOSK" {
			desc = "Zuil " + pick(r, []string{"hal stadhuis", "balie burgerzaken", "bibliotheek"})
		}
		a := d.computer(name, d.ou("Werkplekken", "Computers", "Gemeente"), pick(r, []string{"Windows 11 Enterprise", "Windows 10 Enterprise"}), desc, false, false, r.chance(0.09))
		o.canon[a] = "zuiderhaven.local/Gemeente/Computers/Werkplekken"
	}
}

func (o *gzh) owner() *person { return pick(o.r, o.it) }

func (o *gzh) machines() {
	r, d := o.r, o.d
	d.builtins(builtinNL, "")
	d.entraConnect("ZHSRV-AADC01", "zuiderhaven.onmicrosoft.com", true)
	bg := d.add(&adObj{sam: "noodaccount01", displayName: "Noodaccount 01", description: "Noodaccount - wachtwoord in kluis", uac: uacNormal | uacDontExpire,
		category: catBuiltin, note: "break-glass emergency account"})
	o.place(bg, "Accounts", "Beheer")
	d.neverUsed(bg, 200, 1000)
	hid := d.add(&adObj{sam: "svc_helloid", displayName: "HelloID Agent", description: "HelloID provisioning agent (HR → AD)", uac: uacNormal | uacDontExpire,
		category: catDirSync, note: "HR to AD provisioning"})
	o.place(hid, "Serviceaccounts", "Beheer")
	d.serviceActive(hid)
	hid.lastLogon = r.nightly(o.now)
	for _, g := range []string{"gmsa-sql01$", "gmsa-sql02$", "gmsa-decos$", "gmsa-taken$", "gmsa-iis-webapps$", "gmsa-mecm$"} {
		a := d.gmsa(g, d.ou("CN=Managed Service Accounts"), "", nil, false, "group managed service account")
		o.canon[a] = "zuiderhaven.local/Managed Service Accounts"
	}
	o.services()
	o.integrations()
	o.bots()
	o.mailboxes()
	o.templates()
	o.tests()
	o.repurposed()
	for _, a := range d.objs {
		if _, ok := o.canon[a]; !ok {
			o.canon[a] = "zuiderhaven.local/Users" // the default container
		}
	}
}

var gzhOTAP = []string{"p", "p", "p", "a", "t", "o"}

func (o *gzh) services() {
	r, d := o.r, o.d
	for range 115 {
		app := pick(r, gzhApps)
		owner := o.owner()
		env := pick(r, gzhOTAP)
		a := &adObj{uac: uacNormal | uacDontExpire, category: catService}
		o.place(a, "Serviceaccounts", "Beheer")
		var style string
		switch x := r.float(); {
		case x < 0.28:
			style, a.sam = "fa", "fa_"+app.code
		case x < 0.52:
			style, a.sam = "sa-otap", fmt.Sprintf("sa-%s-%s", app.code, env)
		case x < 0.62:
			style, a.sam = "camel", "svc"+strings.ToUpper(app.code[:1])+app.code[1:]
		case x < 0.72:
			style, a.sam = "tb", "tb_"+app.code
		case x < 0.84:
			style, a.sam = "plain", pick(r, []string{app.code, app.code + "service", app.code + "adm", "scanner" + strconv.Itoa(r.between(1, 12)), "printservice", "taakplanner"})
		case x < 0.93:
			style = "person"
			a.sam = owner.acct.sam + pick(r, []string{"2", "_script", "-taak", "_old"})
		default:
			style, a.sam = "host", strings.ToLower(app.host)+"$svc"
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
				o.place(a, owner.dept, "Medewerkers", "Gemeente")
			}
		} else if r.chance(0.6) {
			a.displayName = pick(r, []string{"Functioneel account " + app.name, app.name + " service", "SA " + strings.ToUpper(app.code) + " " + strings.ToUpper(env)})
		}
		descs := []string{"Serviceaccount voor " + app.name, "Functioneel account " + app.name, "Technisch account t.b.v. " + app.name,
			"Gebruikt door " + app.name + " voor " + pick(r, []string{"de nachtelijke import", "het versturen van berichten", "de koppeling met het zaaksysteem", "back-ups"}),
			"Eigenaar: " + owner.first + " " + owner.last + " (I&A)", "Wachtwoord niet wijzigen i.v.m. " + app.name, "Geplande taak op " + app.host,
			fmt.Sprintf("Zie TOPdesk-melding M%s %04d", o.now.AddDate(0, -r.between(1, 60), 0).Format("0601"), r.between(1, 9999)),
			app.name + " " + map[string]string{"p": "productie", "a": "acceptatie", "t": "test", "o": "ontwikkeling"}[env]}
		if style != "person" && r.chance(0.65) {
			a.description = pick(r, descs)
		} else if style == "person" && r.chance(0.3) {
			a.description = "Script van " + owner.first
		}
		switch x := r.float(); {
		case x < 0.18:
			a.uac = uacNormal
		case x < 0.22:
			a.uac |= uacPasswdNotReqd
		case x < 0.28:
			a.uac |= uacDisabled
		case x < 0.31:
			a.uac |= uacTrustedForDeleg
		}
		if r.chance(0.25) {
			a.spn = []string{"HTTP/" + strings.ToLower(app.host) + ".zuiderhaven.local", "HTTP/" + strings.ToLower(app.host)}
		}
		d.fill(a, app.name, o.paperwork(o.owner()))
		d.serviceActive(a)
		d.add(a)
	}
}

func (o *gzh) integrations() {
	r, d := o.r, o.d
	partners := []string{"Inlichtingenbureau", "RDW", "Kadaster", "BKWI", "Belastingdienst", "CBS", "Suwinet", "Waterschap"}
	for range 45 {
		app := pick(r, gzhApps)
		a := &adObj{uac: uacNormal | uacDontExpire, category: catIntegration}
		o.place(a, "Koppelingen", "Serviceaccounts", "Beheer")
		var desc []string
		switch r.intn(5) {
		case 0:
			a.sam = app.code + "_koppeling"
			b := pick(r, gzhApps)
			desc = []string{"Koppeling " + app.name + " - " + b.name + " (StUF)", "Koppelvlak " + app.name}
			a.note = "interface account (koppeling)"
		case 1:
			a.sam = "stuf_" + app.code
			desc = []string{"StUF-berichtenverkeer " + app.name, "Berichtenbox " + app.name}
			a.note = "StUF messaging account"
		case 2:
			a.sam = "ldap_" + app.code
			desc = []string{"LDAP-koppeling " + app.name, "Leesaccount AD voor " + app.name}
			a.note = "LDAP bind account"
		case 3:
			p := pick(r, partners)
			a.sam = "sftp-" + cut(ascii(foldNL, p, ""), 14)
			desc = []string{"Bestandsuitwisseling met " + p, "Aanlevering " + p}
			a.note = "partner file exchange account"
		default:
			a.sam = "api-" + app.code
			desc = []string{"API-gebruiker " + app.name, "REST API " + app.name}
			a.note = "API account"
		}
		base := cut(a.sam, 20)
		a.sam = d.unique(base, func(k int) string { return cut(base, 18) + strconv.Itoa(k) })
		if r.chance(0.7) {
			a.description = pick(r, desc)
		}
		d.fill(a, app.name, o.paperwork(o.owner()))
		d.serviceActive(a)
		d.add(a)
	}
}

func (o *gzh) bots() {
	r, d := o.r, o.d
	for i := 1; i <= 5; i++ {
		a := &adObj{sam: fmt.Sprintf("rpa-robot%02d", i), displayName: fmt.Sprintf("RPA Robot %02d", i), uac: uacNormal | uacDontExpire,
			category: catBot, note: "RPA unattended robot runtime"}
		o.place(a, "RPA", "Serviceaccounts", "Beheer")
		if r.chance(0.5) {
			a.description = "UiPath robot (onbeheerd)"
		}
		d.serviceActive(a)
		a.lastLogon = r.at(o.now, 0, 1, false)
		d.add(a)
	}
	for i, p := range [][3]string{{"Robin", "van Dijk", "Wmo-aanvragen"}, {"Sam", "de Boer", "parkeervergunningen"}, {"Noor", "Visser", "facturen"}} {
		a := &adObj{sam: o.samFor(p[0], p[1]), given: p[0], sn: p[1], displayName: p[0] + " " + p[1], uac: uacNormal | uacDontExpire,
			category: catBot, note: "digital-worker persona with a human name (" + p[2] + ")"}
		a.mail = o.mailFor(p[0], p[1])
		a.upn = a.mail
		a.recipType = 1 << 31
		if i == 2 {
			o.place(a, "Informatievoorziening", "Medewerkers", "Gemeente")
		} else {
			o.place(a, "RPA", "Serviceaccounts", "Beheer")
		}
		if r.chance(0.6) {
			a.description = "Digitale collega - " + p[2]
		}
		a.title = pick(r, []string{"Digitale collega", ""})
		d.serviceActive(a)
		a.lastLogon = r.at(o.now, 0, 2, true)
		d.add(a)
	}
}

func (o *gzh) mailboxes() {
	r, d := o.r, o.d
	for i, n := range []string{"Burgerzaken", "Info", "Vergunningen", "Belastingen", "Klachten", "Griffie", "Inkoop", "Facturen", "Privacy", "HR",
		"Communicatie", "Wmo", "Jeugd", "Handhaving", "Meldingen Openbare Ruimte", "Servicedesk", "Bezwaar", "Subsidies", "Leerplicht",
		"Schuldhulpverlening", "Evenementen", "Raadsinformatie", "Personeelszaken", "Secretariaat Directie", "Werk en Inkomen"} {
		slug := strings.ReplaceAll(strings.ToLower(n), " ", "-")
		sam := slug
		if i%2 == 0 {
			sam = "fm-" + slug
		}
		sam = d.unique(cut(sam, 20), func(k int) string { return cut(sam, 18) + strconv.Itoa(k) })
		a := &adObj{sam: sam, displayName: pick(r, []string{n, "Functionele mailbox " + n, "Gemeente Zuiderhaven - " + n}), mail: slug + "@" + gzhMail,
			uac: uacNormal | uacDisabled, category: catMailbox, note: "shared mailbox (functionele mailbox)", recipType: 34359738368}
		o.place(a, "Functionele mailboxen", "Exchange")
		if r.chance(0.4) {
			a.description = pick(r, []string{"Functionele mailbox", "Gedeelde mailbox " + n})
		}
		o.mbActivity(a)
		d.add(a)
	}
	for _, n := range []string{"Raadzaal", "Trouwzaal", "Collegekamer", "Commissiekamer", "Havenzicht", "Duinzicht", "Polder", "Vuurtoren", "Sluis", "Dijk", "Kade", "Werfkantine"} {
		sam := d.unique("vr-"+strings.ToLower(n), func(k int) string { return "vr-" + strings.ToLower(n) + strconv.Itoa(k) })
		a := &adObj{sam: sam, displayName: fmt.Sprintf("Vergaderruimte %d.%02d %s", r.between(0, 4), r.between(1, 30), n), mail: sam + "@" + gzhMail,
			uac: uacNormal | uacDisabled, category: catMailbox, note: "room mailbox", recipType: 8589934592}
		o.place(a, "Ruimtes", "Exchange")
		if r.chance(0.3) {
			a.description = "Vergaderruimte"
		}
		o.mbActivity(a)
		d.add(a)
	}
	for i := 1; i <= 8; i++ {
		var sam, disp string
		if i%2 == 0 {
			sam, disp = fmt.Sprintf("dienstfiets%02d", i), fmt.Sprintf("Dienstfiets %d", i)
		} else {
			k := fmt.Sprintf("%s-%03d-%s", pick(r, []string{"VX", "GH", "TZ"}), r.between(100, 999), pick(r, []string{"A", "K", "P"}))
			sam, disp = "dienstauto-"+strings.ToLower(k), "Dienstauto "+k
		}
		a := &adObj{sam: cut(sam, 20), displayName: disp, mail: sam + "@" + gzhMail, uac: uacNormal | uacDisabled, category: catMailbox,
			note: "equipment mailbox", recipType: 17179869184, description: "Reserveerbaar middel"}
		o.place(a, "Middelen", "Exchange")
		o.mbActivity(a)
		d.add(a)
	}
}

func (o *gzh) mbActivity(a *adObj) {
	o.d.neverUsed(a, 100, 3000)
	if o.r.chance(0.08) {
		a.uac = uacNormal
		a.lastLogon = o.r.at(o.now, 0, 60, true)
		a.note += ", enabled with a password"
	}
}

func (o *gzh) templates() {
	r, d := o.r, o.d
	for i, dep := range []string{"Burgerzaken", "Sociaal Domein", "Openbare Ruimte", "KCC", "Belastingen", "VTH", "Financien", "Griffie", "Zwembad"} {
		a := &adObj{dept: dep, uac: uacNormal | uacDisabled, category: catTemplate, note: "template account (sjabloon)", company: "Gemeente Zuiderhaven"}
		code := strings.ReplaceAll(strings.ToLower(dep), " ", "")
		if i%2 == 0 {
			a.sam, a.displayName = "sjabloon-"+cut(code, 11), "_SJABLOON "+dep
		} else {
			a.sam, a.displayName = "zz_"+cut(code, 10)+"_sjab", "Sjabloon "+dep
		}
		o.place(a, "Sjablonen", "Gemeente")
		if r.chance(0.6) {
			a.description = pick(r, []string{"Sjabloon voor nieuwe medewerkers " + dep, "Kopieeraccount", "Niet activeren"})
		}
		d.neverUsed(a, 300, 3000)
		d.add(a)
	}
}

func (o *gzh) tests() {
	r, d := o.r, o.d
	for i := 1; i <= 20; i++ {
		a := &adObj{sam: fmt.Sprintf("oefen%02d", i), uac: uacNormal | uacDontExpire, category: catTest, note: "practice account (oefenaccount)"}
		o.place(a, "Test en Opleiding", "Gemeente")
		if i%2 == 0 {
			a.displayName = fmt.Sprintf("Oefenaccount %02d", i)
		}
		if r.chance(0.4) {
			a.description = "Opleiding " + pick(r, []string{"Key2Burgerzaken", "KCC", "Suite4Gemeenten"})
		}
		d.neverUsed(a, 100, 1500)
		if r.chance(0.5) {
			a.lastLogon = r.at(o.now, 0, 120, true)
		}
		d.add(a)
	}
	for i, t := range []struct{ sam, given, sn, desc, note string }{
		{"jmodaal", "Jan", "Modaal", "", "test persona (Jan Modaal)"}, {"ptest", "Piet", "Test", "testaccount", "test persona"},
		{"test-bz01", "", "", "Test Burgerzaken", "test account"}, {"test-bz02", "", "", "", "test account"},
		{"testgebruiker", "", "", "", "test account"}, {"acceptatie01", "", "", "Acceptatietest Decos", "acceptance test account"},
		{"acceptatie02", "", "", "", "acceptance test account"}, {"test.wmo", "", "", "Test Wmo-portaal", "test account"},
		{"demo-raad", "", "", "Demo raadsinformatie", "demo account"}, {"pilot-m365-01", "", "", "Pilot M365", "test account"},
		{"pilot-m365-02", "", "", "", "test account"}, {"test-kiosk", "", "", "", "test account"},
	} {
		a := &adObj{sam: t.sam, given: t.given, sn: t.sn, description: t.desc, uac: uacNormal, category: catTest, note: t.note}
		if t.given != "" {
			a.displayName = t.given + " " + t.sn
			a.mail = o.mailFor(t.given, t.sn)
			a.recipType = 1 << 31
		} else if r.chance(0.5) {
			a.displayName = strings.ToUpper(t.sam[:1]) + t.sam[1:]
		}
		o.place(a, "Test en Opleiding", "Gemeente")
		if i%3 == 0 {
			o.place(a, "Informatievoorziening", "Medewerkers", "Gemeente")
		}
		if r.chance(0.4) {
			a.uac |= uacDontExpire
		}
		d.neverUsed(a, 30, 2000)
		if r.chance(0.5) {
			a.lastLogon = r.at(o.now, 0, 300, true)
		}
		d.add(a)
	}
}

func (o *gzh) repurposed() {
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
		o.place(a, p.dept, "Medewerkers", "Gemeente")
		a.category, a.note = catService, "repurposed leaver account: still runs a job"
		a.description = pick(r, []string{"NIET UITZETTEN - gebruikt door scanstraat", "", p.title})
		a.pwdLastSet = p.term.AddDate(0, 0, -r.between(10, 300))
		a.lastLogon = r.nightly(o.now)
		n++
	}
}

func (o *gzh) files() *orgFiles {
	o.d.finish()
	cols := []string{"Logon Name", "Display Name", "First Name", "Last Name", "Email Address", "User Principal Name", "Job Title", "Department",
		"Company", "Office", "Manager", "Employee ID", "Description", "OU Name", "Object Type", "Account Status", "Password Never Expires",
		"Password Not Required", "Trusted For Delegation", "Last Logon Time", "Password Last Set", "Account Expires", "When Created",
		"Service Principal Name", "msExchRecipientTypeDetails"}
	t := &table{header: cols}
	var labels [][]string
	yn := func(b bool) string {
		if b {
			return "Yes"
		}
		return "No"
	}
	for _, a := range o.d.sorted(func(a *adObj) string { return strings.ToLower(a.displayName + "|" + a.sam) }) {
		status := "Enabled"
		if a.disabled() {
			status = "Disabled"
		}
		row := map[string]string{"Logon Name": a.sam, "Display Name": a.displayName, "First Name": a.given, "Last Name": a.sn,
			"Email Address": a.mail, "User Principal Name": a.upn, "Job Title": a.title, "Department": a.dept, "Company": a.company,
			"Office": a.office, "Employee ID": a.employeeID, "Description": a.description, "OU Name": o.canon[a],
			"Object Type": a.objectClass[len(a.objectClass)-1], "Account Status": status, "Password Never Expires": yn(a.uac&uacDontExpire != 0),
			"Password Not Required": yn(a.uac&uacPasswdNotReqd != 0), "Trusted For Delegation": yn(a.uac&uacTrustedForDeleg != 0),
			"Last Logon Time": amsterdam(a.lastLogon), "Account Expires": amsterdam(a.expires), "When Created": amsterdam(a.created),
			"Service Principal Name": strings.Join(a.spn, ";")}
		if a.mustChange {
			row["Password Last Set"] = "Never"
		} else {
			row["Password Last Set"] = amsterdam(a.pwdLastSet)
		}
		if a.manager != nil {
			row["Manager"] = a.manager.displayName
		}
		if a.recipType != 0 {
			row["msExchRecipientTypeDetails"] = strconv.FormatInt(int64(a.recipType), 10)
		}
		t.add(row)
		labels = append(labels, labelRow(a.sam, a))
	}
	ids := &table{header: []string{"personeelsnummer", "roepnaam", "achternaam", "email", "afdeling", "functie", "leidinggevende",
		"standplaats", "dienstverband", "datum_in_dienst", "datum_uit_dienst", "status"}}
	st := map[string]string{"active": "Actief", "leave": "Verlof", "terminated": "Uit dienst", "pending": "Toekomstig"}
	for _, p := range o.st.people {
		row := map[string]string{"personeelsnummer": p.id, "roepnaam": p.first, "achternaam": p.last, "email": p.email, "afdeling": p.dept,
			"functie": p.title, "standplaats": p.site, "dienstverband": p.workerType, "datum_in_dienst": p.hire.Format("2006-01-02"), "status": st[p.status]}
		if p.manager != nil {
			row["leidinggevende"] = p.manager.id
		}
		if !p.term.IsZero() {
			row["datum_uit_dienst"] = p.term.Format("2006-01-02")
		}
		ids.add(row)
	}
	return &orgFiles{
		manifest: manifest{
			Org: "gzh", Name: "Gemeente Zuiderhaven", Country: "NL", Language: "nl", ExportTime: o.now.Format(time.RFC3339),
			Accounts: fileSpec{File: "accounts.csv", ConnectorAttributes: format{IndexColumn: "Logon Name", NameColumn: "Logon Name",
				Delimiter: ",", MergeColumns: []string{"Service Principal Name"}, MultiValueSeparator: ";"}},
			Identities:  fileSpec{File: "identities.csv", ConnectorAttributes: format{IndexColumn: "personeelsnummer", Delimiter: ","}},
			Correlation: []correlation{{AccountAttribute: "Employee ID", IdentityAttribute: "personeelsnummer"}},
			TimeFormats: map[string]string{"Last Logon Time": "dd-MM-yyyy HH:mm, Dutch local time; Never", "Password Last Set": "dd-MM-yyyy HH:mm, local; Never = must change / never set",
				"Account Expires": "dd-MM-yyyy HH:mm, local; Never", "When Created": "dd-MM-yyyy HH:mm, local"},
			Notes: "an AD reporting tool's user and computer report: display column names, canonical OU path instead of the DN, manager as a display name",
		},
		accounts: t.encode(',', false, false), identities: ids.encode(',', false, false), labels: labels,
	}
}

func (o *gzh) paperwork(owner *person) paperwork {
	return paperwork{company: "Gemeente Zuiderhaven", dept: "Informatievoorziening", titles: []string{"Functioneel account", "Serviceaccount"}, surnames: []string{"Service", "Account", "Beheer", "Koppeling"}, owner: owner.acct}
}
