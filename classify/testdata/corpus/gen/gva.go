package main

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Groupe Vauban Assurances: a French insurer, French descriptions and OU
// names. An identity-management tool's LDAP export: one value per row for
// multi-valued attributes (objectClass, servicePrincipalName, memberOf), the
// rows of one account adjacent and keyed by distinguishedName (mergeRows);
// userAccountControl as an integer; times in ISO 8601 UTC; no manager and no
// employee number: accounts correlate to HR by e-mail. People log on with
// their HR matricule (a04215); admins have x-matricule accounts (x04215);
// contractors p-numbers; displayName is "NOM Prénom".

var gvaDepts = []dept{
	{"Direction Générale", 0.01, []string{"Assistante de direction", "Chargé de mission"}, "Directeur général", "Directeur de cabinet"},
	{"Indemnisation", 0.22, []string{"Gestionnaire sinistres", "Gestionnaire sinistres", "Gestionnaire sinistres corporels", "Expert sinistres", "Chargé d'indemnisation"}, "Directeur Indemnisation", "Responsable d'équipe sinistres"},
	{"Souscription", 0.10, []string{"Souscripteur", "Chargé de souscription", "Actuaire tarification"}, "Directeur Souscription", "Responsable souscription"},
	{"Relation Client", 0.18, []string{"Conseiller clientèle", "Conseiller clientèle", "Chargé de relation client", "Téléconseiller", "Responsable service client", "Conseiller service après-vente"}, "Directrice Relation Client", "Superviseur plateau"},
	{"Commercial", 0.10, []string{"Commercial", "Chargé d'affaires", "Inspecteur commercial", "Conseiller patrimonial"}, "Directeur Commercial", "Responsable d'agence"},
	{"Actuariat", 0.03, []string{"Actuaire", "Chargé d'études statistiques", "Data scientist"}, "Directeur Actuariat", "Responsable études"},
	{"Finance", 0.05, []string{"Comptable", "Contrôleur de gestion", "Trésorier", "Gestionnaire paie"}, "Directeur Financier", "Responsable comptable"},
	{"Ressources Humaines", 0.03, []string{"Chargé de recrutement", "Gestionnaire RH", "Formatrice métier", "Responsable formation"}, "DRH", "Responsable RH"},
	{"DSI", 0.08, []string{"Technicien support (Service Desk)", "Technicien support (Service Desk)", "Ingénieur systèmes", "Administrateur réseaux", "Chef de projet SI", "Développeur", "Testeur / recette applicative", "Ingénieur automatisation", "Intégrateur applicatif", "Opérateur d'exploitation (batch)", "Ingénieur d'exploitation", "Développeur RPA"}, "DSI", "Responsable infrastructure"},
	{"Juridique et Conformité", 0.03, []string{"Juriste", "Chargé de conformité", "Délégué à la protection des données"}, "Directeur Juridique", "Responsable conformité"},
	{"Services Généraux", 0.03, []string{"Agent courrier", "Responsable service courrier", "Agent d'accueil", "Technicien de maintenance", "Chauffeur"}, "Responsable Services Généraux", "Chef d'équipe logistique"},
	{"Marketing", 0.03, []string{"Chargé de marketing", "Community manager", "Chef de produit"}, "Directeur Marketing", "Responsable communication"},
	{"Audit", 0.01, []string{"Auditeur interne"}, "Directeur de l'Audit", "Responsable audit"},
	{"Prévention", 0.02, []string{"Préventeur", "Chargé de prévention"}, "Responsable Prévention", "Coordinateur prévention"},
}

var gvaMachineWords = []string{"service", "support", "automatisation", "test", "recette", "format", "système", "courrier", "exploitation", "batch", "rpa", "intégrat", "maintenance"}

var gvaSites = []string{"Paris", "Nantes", "Lyon", "Lille"}

const gvaMail = "vauban-assurances.fr"

type gvaApp struct{ code, name, host string }

var gvaApps = []gvaApp{
	{"GWCC", "Guidewire ClaimCenter", "SRV-NAN-GWCC01"}, {"GWPC", "Guidewire PolicyCenter", "SRV-NAN-GWPC01"}, {"SAS", "SAS", "SRV-PAR-SAS01"},
	{"GED", "GED FileNet", "SRV-NAN-GED01"}, {"CTRLM", "Control-M", "SRV-PAR-CTM01"}, {"DU", "Dollar Universe", "SRV-PAR-UNI01"},
	{"EDITIQUE", "Éditique Sefas", "SRV-NAN-EDI01"}, {"SIGN", "Yousign", "SRV-PAR-SIGN01"}, {"GENESYS", "Genesys", "SRV-LYO-GEN01"},
	{"SAPFI", "SAP FI", "SRV-PAR-SAP01"}, {"CEGID", "Cegid RH", "SRV-PAR-RH01"}, {"TALEND", "Talend", "SRV-NAN-ETL01"},
	{"INFA", "Informatica", "SRV-NAN-ETL02"}, {"ORA", "Oracle", "SRV-NAN-ORA01"}, {"ELK", "Elastic", "SRV-PAR-ELK01"},
	{"CENTREON", "Centreon", "SRV-PAR-SUP01"}, {"GLPI", "GLPI", "SRV-PAR-GLPI01"}, {"VEEAM", "Veeam", "SRV-PAR-SAV01"},
	{"SCCM", "SCCM", "SRV-PAR-SCCM01"}, {"WSUS", "WSUS", "SRV-PAR-WSUS01"}, {"BO", "Business Objects", "SRV-NAN-BO01"},
	{"QLIK", "Qlik Sense", "SRV-NAN-QLIK01"}, {"SP", "SharePoint", "SRV-PAR-SP01"}, {"KOFAX", "Kofax", "SRV-NAN-LAD01"},
}

var gvaEnvs = []string{"PRD", "PRD", "PRD", "REC", "PPR", "DEV", "FOR"}

func iso(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format("2006-01-02T15:04:05Z")
}

type gva struct {
	r   *rng
	d   *directory
	st  *staff
	now time.Time
	dsi []*person
}

func genGVA(seed uint64, now time.Time) *orgFiles {
	r := newRNG(seed, "gva")
	d := newDirectory("gva.fr", now, r)
	st := buildStaff(r, now, staffSpec{
		n: 1700, depts: gvaDepts, sites: gvaSites, siteWeights: []float64{0.35, 0.35, 0.2, 0.1},
		first: frFirst, last: frLast, hardLast: frHardLast, hardLastShare: 0.006,
		terminated: 0.12, leave: 0.02, pending: 0.01,
		nextID:      func(i int) string { return fmt.Sprintf("A%05d", 1040+i*5+i%3) },
		workerTypes: []string{"CDI", "CDD", "Alternance", "Stage"}, workerWeights: []float64{0.86, 0.07, 0.04, 0.03},
	})
	o := &gva{r: r, d: d, st: st, now: now}
	o.people()
	o.externals()
	o.admins()
	o.computers()
	o.machines()
	return o.files()
}

func (o *gva) usersOU(site string) string { return o.d.ou("Utilisateurs", site, "Sites") }

func (o *gva) mailFor(first, last string) string {
	base := mailPart(first) + "." + mailPart(last)
	u := base
	for n := 2; o.d.taken("mail:" + u); n++ {
		u = base + strconv.Itoa(n)
	}
	o.d.names["mail:"+u] = true
	return u + "@" + gvaMail
}

func upperName(last, first string) string { return strings.ToUpper(last) + " " + first }

func (o *gva) people() {
	r, d := o.r, o.d
	for _, p := range o.st.people {
		if p.status == "terminated" && !r.chance(0.45) {
			continue
		}
		a := &adObj{given: p.first, sn: p.last, title: p.title, dept: "Direction " + p.dept, company: "Groupe Vauban Assurances",
			office: p.site, category: catHuman}
		if p.dept == "Direction Générale" || p.dept == "DSI" || p.dept == "DRH" {
			a.dept = p.dept
		}
		p.acct = a
		a.sam = d.unique(strings.ToLower(p.id), func(n int) string { return strings.ToLower(p.id) + strconv.Itoa(n) })
		a.upn = a.sam + "@" + gvaMail
		a.displayName = upperName(p.last, p.first)
		a.cn = a.displayName
		a.ou = o.usersOU(p.site)
		if !(p.title == "Chauffeur" || p.title == "Agent courrier" || p.title == "Technicien de maintenance") || r.chance(0.3) {
			a.mail = o.mailFor(p.first, p.last)
			a.identity = p.id
		}
		p.email = a.mail
		if r.chance(0.3) {
			a.description = p.title + " - " + p.site
		}
		a.memberOf = []string{"GG_" + strings.ToUpper(letters(p.dept)) + "_" + strings.ToUpper(p.site[:3]), "GG_TOUS_" + strings.ToUpper(p.site[:3])}
		a.uac = uacNormal
		d.personActive(a)
		a.created = p.hire.Add(-time.Duration(r.between(1, 15))*24*time.Hour + time.Duration(r.between(7*3600, 17*3600))*time.Second)
		if a.created.After(a.pwdLastSet) {
			a.pwdLastSet = a.created.Add(time.Hour * 20)
			if a.lastLogon.Before(a.pwdLastSet) {
				a.lastLogon = a.pwdLastSet.Add(time.Hour)
			}
		}
		switch p.status {
		case "terminated":
			a.uac |= uacDisabled
			a.ou = d.ou("Comptes désactivés")
			a.lastLogon = p.term.Add(-time.Duration(r.between(1, 72)) * time.Hour)
			if a.pwdLastSet.After(a.lastLogon) {
				a.pwdLastSet = a.lastLogon.AddDate(0, 0, -r.between(1, 85))
			}
			a.memberOf = nil
			a.category, a.note = catHumanHard, "disabled leaver account"
			if r.chance(0.65) {
				a.description = fmt.Sprintf("Départ le %s - désactivé (ticket %d-%02d-%04d)", p.term.Format("02/01/2006"), p.term.Year(), int(p.term.Month()), r.between(1, 3000))
			}
		case "leave":
			a.uac |= uacDisabled
			a.description = pick(r, []string{"Congé longue durée", "Congé maternité", "Congé sabbatique jusqu'au " + o.now.AddDate(0, r.between(1, 9), 0).Format("01/2006")})
			a.lastLogon = r.at(o.now, 40, 300, true)
			a.pwdLastSet = a.lastLogon.AddDate(0, 0, -r.between(1, 80))
			a.category, a.note = catHumanHard, "long leave: disabled, no logon for months"
		case "pending":
			a.created = r.at(o.now, 1, 14, true)
			a.pwdLastSet, a.mustChange, a.lastLogon = time.Time{}, true, time.Time{}
			a.category, a.note = catHumanHard, "new starter: never logged on"
		}
		if p.status == "active" {
			switch {
			case titleHas(p.title, gvaMachineWords):
				a.category, a.note = catHumanHard, "job title with a machine word"
			case p.workerType == "Stage" || p.workerType == "Alternance" || p.workerType == "CDD":
				a.expires = o.now.AddDate(0, r.between(1, 14), 0).Truncate(24 * time.Hour)
				a.category, a.note = catHumanHard, "fixed-term contract: account expiry set"
				a.info = "Fin de contrat le " + a.expires.Format("02/01/2006")
			case a.mail == "":
				a.category, a.note = catHumanHard, "no mailbox: does not correlate to HR by e-mail"
			case p.head && r.chance(0.5):
				a.uac |= uacDontExpire
				a.pwdLastSet = r.at(o.now, 400, 2000, true)
				a.category, a.note = catHumanHard, "executive with password never expires"
			}
			if containsStr(frHardLast, p.last) {
				a.category, a.note = catHumanHard, "surname that reads as a machine word"
			}
		}
		if a.mail == "" && a.category == catHuman {
			a.category, a.note = catHumanHard, "no mailbox: does not correlate to HR by e-mail"
		}
		if p.dept == "DSI" && p.status == "active" {
			o.dsi = append(o.dsi, p)
		}
		d.add(a)
	}
}

func (o *gva) externals() {
	r, d := o.r, o.d
	firms := []string{"Sopra Steria", "Capgemini", "Atos", "CGI", "Alten", "Akka", "Inetum", "Accenture"}
	for range 85 {
		first, last := pick(r, frFirst), pick(r, frLast)
		firm := pick(r, firms)
		sam := d.unique(fmt.Sprintf("p%05d", r.between(10000, 99999)), func(n int) string { return fmt.Sprintf("p%05d", r.between(10000, 99999)) })
		a := &adObj{sam: sam, upn: sam + "@" + gvaMail, given: first, sn: last, displayName: upperName(last, first) + " (Prestataire " + firm + ")",
			company: firm, ou: d.ou("Prestataires"), uac: uacNormal, category: catHumanExt, note: "contractor (prestataire), not in HR"}
		a.cn = a.displayName
		switch x := r.float(); {
		case x < 0.4:
			a.mail = mailPart(first) + "." + mailPart(last) + "@" + strings.ToLower(strings.ReplaceAll(firm, " ", "")) + ".com"
		case x < 0.7:
			a.mail = mailPart(first) + "." + mailPart(last) + ".ext@" + gvaMail
		}
		a.title = pick(r, []string{"Consultant", "Développeur", "Chef de projet", "Architecte", "Expert technique", ""})
		d.personActive(a)
		a.expires = o.now.AddDate(0, r.between(-1, 10), 0).Truncate(24 * time.Hour)
		if r.chance(0.6) {
			a.description = "Prestataire " + firm + " - fin de mission " + a.expires.Format("02/01/2006")
		}
		d.add(a)
	}
}

func (o *gva) admins() {
	r, d := o.r, o.d
	for _, p := range o.dsi {
		if p.acct == nil || !r.chance(0.7) {
			continue
		}
		var sam string
		if r.chance(0.8) {
			sam = "x" + strings.ToLower(p.id[1:])
		} else {
			sam = "adm-" + letters(p.last)
		}
		sam = d.unique(sam, func(n int) string { return sam + strconv.Itoa(n) })
		a := &adObj{sam: sam, upn: sam + "@gva.fr", given: p.first, sn: p.last, displayName: upperName(p.last, p.first) + " (ADM)",
			ou: d.ou("Comptes d'administration", "DSI"), uac: uacNormal, category: catHumanAdmin,
			note: "admin second account of " + p.acct.sam, memberOf: []string{"GG_ADMINS_SERVEURS"}}
		a.cn = a.displayName
		if r.chance(0.5) {
			a.description = pick(r, []string{"Compte d'administration - DSI Infra", "Compte à privilèges " + upperName(p.last, p.first), "Admin " + p.acct.sam})
		}
		if r.chance(0.5) {
			a.uac |= uacNotDelegated
		}
		if r.chance(0.15) {
			a.uac |= uacDontExpire
		}
		d.personActive(a)
		if r.chance(0.3) {
			a.lastLogon = r.at(o.now, 20, 250, true)
			a.pwdLastSet = a.lastLogon.AddDate(0, 0, -r.between(5, 200))
		}
		d.add(a)
	}
}

func (o *gva) computers() {
	r, d := o.r, o.d
	for i := 1; i <= 3; i++ {
		d.computer(fmt.Sprintf("DC-%s-%02d", pick(r, []string{"PAR", "NAN"}), i), d.ou("Domain Controllers"), "", "", true, true, false)
	}
	for _, a := range gvaApps {
		if r.chance(0.6) {
			d.computer(a.host, d.ou("Serveurs", "Ressources informatiques"), "", a.name, true, false, false)
		}
	}
	codes := map[string]string{"Paris": "PAR", "Nantes": "NAN", "Lyon": "LYO", "Lille": "LIL"}
	for range 150 {
		site := gvaSites[r.weighted([]float64{0.35, 0.35, 0.2, 0.1})]
		kind := pick(r, []string{"PC", "PC", "PORT", "VDI"})
		code := codes[site]
		mk := func() string {
			if kind == "VDI" {
				return fmt.Sprintf("VDI-W11-%04d", r.between(1, 9999))
			}
			return fmt.Sprintf("%s-%s-%04d", kind, code, r.between(1, 9999))
		}
		name := d.unique(mk(), func(int) string { return mk() })
		ou := d.ou("Postes de travail", site, "Sites")
		if kind == "VDI" {
			ou = d.ou("VDI", "Ressources informatiques")
		}
		d.computer(name, ou, "", "", false, false, kind == "VDI" && r.chance(0.3) || r.chance(0.07))
	}
}

func (o *gva) owner() *person { return pick(o.r, o.dsi) }

func (o *gva) paperwork(owner *person) paperwork {
	return paperwork{company: "Groupe Vauban Assurances", dept: "DSI", titles: []string{"Compte de service", "Compte technique", "Compte applicatif"},
		surnames: []string{"SERVICE", "Technique", "Applicatif", "Batch", "Compte"}, owner: owner.acct}
}

func (o *gva) machines() {
	r, d := o.r, o.d
	d.builtins(builtinFR, "")
	d.exchangeSystem([]string{"SRV-PAR-EX01", "SRV-NAN-EX02"})
	d.entraConnect("SRV-PAR-AADC01", "gvaassurances.onmicrosoft.com", true)
	svc := d.ou("Comptes de service", "DSI")
	msa := d.ou("CN=Managed Service Accounts")
	bg := d.add(&adObj{sam: "bris-de-glace", displayName: "Compte bris de glace", ou: d.ou("Comptes d'administration", "DSI"),
		description: "Compte bris de glace - enveloppe scellée au coffre DSI", uac: uacNormal | uacDontExpire,
		memberOf: []string{"Admins du domaine"}, category: catBuiltin, note: "break-glass emergency account"})
	d.neverUsed(bg, 300, 1500)
	mim := d.add(&adObj{sam: "SVC-MIM-PRD", displayName: "Synchronisation MIM", ou: svc, description: "Compte de synchronisation MIM (référentiel RH → AD)",
		uac: uacNormal | uacDontExpire, category: catDirSync, note: "identity synchronisation (MIM)"})
	d.serviceActive(mim)
	mim.lastLogon = r.nightly(o.now)

	for _, g := range []struct{ sam, desc string }{
		{"MSA_GED_PRD$", "Compte de service administré GED"}, {"MSA_SQL_PRD01$", ""}, {"MSA_SQL_PRD02$", ""}, {"gMSA-IIS-EXTRANET$", "Pool IIS extranet"},
		{"MSA_CTRLM$", ""}, {"MSA_CENTREON$", "Sondes Centreon"}, {"MSA_ADFS$", "Ferme ADFS"}, {"MSA_TACHES$", "Tâches planifiées"},
		{"MSA_SCCM$", ""}, {"MSA_EDITIQUE$", ""},
	} {
		var spn []string
		if strings.Contains(g.sam, "SQL") {
			h := "srv-nan-sql0" + strconv.Itoa(r.between(1, 3)) + ".gva.fr"
			spn = []string{"MSSQLSvc/" + h + ":1433", "MSSQLSvc/" + h}
		}
		if strings.Contains(g.sam, "ADFS") {
			spn = []string{"host/sts.vauban-assurances.fr"}
		}
		d.gmsa(g.sam, msa, g.desc, spn, false, "group managed service account")
	}
	d.gmsa("MSA-SAUVEGARDE$", msa, "", nil, true, "standalone managed service account")

	o.services(svc)
	o.integrations(svc)
	o.bots()
	o.mailboxes()
	o.templates()
	o.tests()
	o.repurposed()
}

func (o *gva) services(ou string) {
	r, d := o.r, o.d
	for range 105 {
		app := pick(r, gvaApps)
		env := pick(r, gvaEnvs)
		owner := o.owner()
		a := &adObj{ou: ou, uac: uacNormal | uacDontExpire, category: catService}
		lc := strings.ToLower(app.code)
		var style string
		switch x := r.float(); {
		case x < 0.36:
			style, a.sam = "SVC-APP-ENV", fmt.Sprintf("SVC-%s-%s", app.code, env)
		case x < 0.48:
			style, a.sam = "srv_app", "srv_"+lc
		case x < 0.58:
			style, a.sam = "cpt_app", pick(r, []string{"cpt_", "cptsrv_", "cpt-"})+lc
		case x < 0.63:
			style, a.sam = "adm-like", pick(r, []string{"ADM" + app.code, lc + "adm", "adm_" + lc})
		case x < 0.76:
			style, a.sam = "plain", pick(r, []string{lc, "batch" + lc, "ordo" + lc, lc + "prod", "sauvegarde", "numerisation", "impression", "ftp" + lc})
		case x < 0.84:
			style, a.sam = "u_app", "u_"+lc
		case x < 0.93:
			style = "person"
			a.sam = pick(r, []string{letters(owner.first)[:1] + letters(owner.last), letters(owner.last) + "_" + letters(owner.first)[:1], mailPart(owner.first) + "." + mailPart(owner.last)})
			a.sam = cut(a.sam, 20)
		default:
			style, a.sam = "host", strings.ToLower(app.host)+pick(r, []string{"-svc", "_taches"})
		}
		base := a.sam
		a.sam = d.unique(cut(base, 20), func(n int) string { return cut(base, 18) + strconv.Itoa(n) })
		a.note = "service account (" + style + ")"
		switch {
		case style == "person":
			a.note = "service account named after the person who made it"
			if r.chance(0.6) {
				a.displayName = upperName(owner.last, owner.first)
				a.given, a.sn = owner.first, owner.last
			}
			if r.chance(0.5) {
				a.ou = o.usersOU(owner.site)
			}
		case style == "adm-like":
			a.note = "service account with an admin-like name"
		case r.chance(0.35):
		case r.chance(0.5):
			a.displayName = "Compte de service " + app.name + " " + env
		case r.chance(0.5):
			a.displayName = strings.ToUpper(strings.ReplaceAll(a.sam, "-", " "))
		default:
			a.displayName = app.name + " - compte technique"
		}
		resp := owner.first + " " + strings.ToUpper(owner.last)
		descs := []string{
			"Compte de service " + app.name + " (" + env + ") - ne pas modifier",
			"Compte technique utilisé par " + app.name + " pour " + pick(r, []string{"l'import des contrats", "l'envoi des courriers", "la génération des éditions", "l'archivage", "les sauvegardes"}),
			"Lancement des traitements batch " + app.name + " (ordonnanceur Dollar Universe)",
			"Responsable : " + resp + " - DSI",
			"Mot de passe stocké dans le coffre CyberArk",
			"Compte applicatif " + app.name + " - contact : équipe " + pick(r, []string{"Études", "Production", "Infra", "Poste de travail"}),
			"Ne pas désactiver - utilisé par l'interface " + app.code + " > " + pick(r, gvaApps).code,
			"Exécution des tâches planifiées sur " + app.host,
			"Compte de démarrage du service " + app.name,
			"Dépôt des fichiers " + app.name + " sur \\\\srv-nan-fic01\\echanges",
			"Demande n° " + strconv.Itoa(r.between(100000, 999999)),
			"Utilisateur technique " + app.name,
		}
		if style == "person" {
			if r.chance(0.4) {
				a.description = pick(r, []string{"Compte de " + owner.first + " pour les scripts", "Scripts " + resp, "Tâche planifiée (" + resp + ")"})
			}
		} else if r.chance(0.7) {
			a.description = pick(r, descs)
		}
		if r.chance(0.2) {
			a.info = fmt.Sprintf("Créé le %s par %s - ticket %d", a.created.Format("02/01/2006"), strings.ToUpper(owner.last)+" "+owner.first[:1]+".", r.between(1000, 9999))
		}
		switch x := r.float(); {
		case x < 0.1:
			a.uac = uacNormal
		case x < 0.15:
			a.uac |= uacPasswdNotReqd
		case x < 0.2:
			a.uac |= uacDisabled
		case x < 0.24:
			a.uac |= uacTrustedToAuthDele
		}
		if r.chance(0.3) {
			h := strings.ToLower(app.host) + ".gva.fr"
			a.spn = []string{pick(r, []string{"MSSQLSvc/" + h + ":1433", "HTTP/" + h, "HTTP/" + lc + ".gva.fr"})}
		}
		if r.chance(0.5) {
			a.memberOf = []string{"GG_COMPTES_SERVICE"}
		}
		d.fill(a, app.name, o.paperwork(owner))
		d.serviceActive(a)
		d.add(a)
	}
}

func (o *gva) integrations(ou string) {
	r, d := o.r, o.d
	partners := []string{"Crédit Agricole", "BNP Paribas", "SCOR", "Allianz Re", "URSSAF", "DGFiP", "AGIRA", "Experts Auto", "Darva", "Mondial Assistance"}
	for range 44 {
		app := pick(r, gvaApps)
		a := &adObj{ou: ou, uac: uacNormal | uacDontExpire, category: catIntegration}
		var desc []string
		switch r.intn(5) {
		case 0:
			b := pick(r, gvaApps)
			a.sam = fmt.Sprintf("INT-%s-%s", app.code, b.code)
			desc = []string{"Interface " + app.name + " > " + b.name + " (flux quotidien)", "Flux " + app.code + " vers " + b.code}
			a.note = "interface account"
		case 1:
			a.sam = "LDAP_" + app.code
			desc = []string{"Compte de liaison LDAP pour " + app.name, "Lecture annuaire " + app.name}
			a.note = "LDAP bind account"
		case 2:
			p := pick(r, partners)
			a.sam = pick(r, []string{"SFTP-", "EDI-"}) + strings.ToUpper(cut(letters(p), 12))
			desc = []string{"Échange de fichiers SFTP avec " + p, "Flux EDI " + p, "Dépôt des fichiers " + p}
			a.note = "partner file exchange account"
		case 3:
			a.sam = pick(r, []string{"API_", "ws_"}) + strings.ToLower(app.code)
			desc = []string{"Appels API " + app.name, "Web service " + app.name}
			a.note = "API / web service account"
		default:
			a.sam = "cnx_" + strings.ToLower(app.code)
			desc = []string{"Connecteur " + app.name, "Synchronisation " + app.name}
			a.note = "connector account"
		}
		base := cut(a.sam, 20)
		a.sam = d.unique(base, func(n int) string { return cut(base, 18) + strconv.Itoa(n) })
		if r.chance(0.7) {
			a.description = pick(r, desc)
		}
		if r.chance(0.3) {
			a.displayName = strings.ReplaceAll(a.sam, "_", " ")
		}
		d.fill(a, app.name, o.paperwork(o.owner()))
		d.serviceActive(a)
		d.add(a)
	}
}

func (o *gva) bots() {
	r, d := o.r, o.d
	ou := d.ou("Robots", "Automatisation")
	for i := 1; i <= 6; i++ {
		a := &adObj{sam: fmt.Sprintf("ROBOT-UIP-%02d", i), displayName: fmt.Sprintf("Robot UiPath %02d", i), ou: ou,
			uac: uacNormal | uacDontExpire, category: catBot, note: "RPA unattended robot runtime"}
		if r.chance(0.5) {
			a.description = "Robot logiciel non assisté (UiPath Orchestrator)"
		}
		d.serviceActive(a)
		a.lastLogon = r.at(o.now, 0, 1, false)
		d.add(a)
	}
	for i := 1; i <= 3; i++ {
		a := &adObj{sam: fmt.Sprintf("RPA_BP_%02d", i), ou: ou, uac: uacNormal | uacDontExpire, category: catBot, note: "Blue Prism runtime resource"}
		d.serviceActive(a)
		d.add(a)
	}
	for i, job := range []string{"gestion des résiliations", "relances impayés", "saisie des constats", "contrôle des attestations", "mise à jour RIB"} {
		first, last := pick(r, []string{"Camille", "Dominique", "Claude", "Alix", "Sacha"}), pick(r, frLast)
		sam := fmt.Sprintf("r%05d", 10+i*7)
		a := &adObj{sam: sam, upn: sam + "@" + gvaMail, given: first, sn: last, displayName: upperName(last, first),
			mail: o.mailFor(first, last), uac: uacNormal | uacDontExpire, category: catBot,
			note: "digital-worker persona with a human name and a matricule-like login (" + job + ")"}
		a.cn = a.displayName
		a.ou = ou
		if i%2 == 1 {
			a.ou = o.usersOU("Nantes")
		}
		if r.chance(0.6) {
			a.description = "Robot logiciel (UiPath) - " + job
		}
		a.title = pick(r, []string{"Assistant virtuel", ""})
		d.serviceActive(a)
		a.lastLogon = r.at(o.now, 0, 2, true)
		d.add(a)
	}
}

func (o *gva) mailboxes() {
	r, d := o.r, o.d
	bal := d.ou("Boîtes partagées", "Messagerie")
	for i, n := range []string{"Sinistres Nantes", "Accueil Lyon", "Réclamations", "Contact", "Recrutement", "DPO", "Courrier entrant",
		"Devis Auto", "Sinistres Habitation", "Expertise", "Gestion Contrats", "Paie", "Comptabilité Fournisseurs",
		"Secrétariat Direction Générale", "Service Client Paris", "Prévention", "Juridique", "Communication", "Support Agences",
		"Souscription Entreprises", "Indemnisation Corporel", "Accueil Siège", "Formation", "Achats", "Relations Partenaires",
		"Assistance Sinistres", "Notaires", "Résiliations", "Médiation", "Sinistres Lille"} {
		slug := strings.ToUpper(strings.NewReplacer(" ", "-").Replace(fold(n)))
		sam := "BAL-" + slug
		if i%3 == 2 {
			sam = strings.ToLower(slug)
		}
		sam = d.unique(cut(sam, 20), func(k int) string { return cut(sam, 18) + strconv.Itoa(k) })
		disp := "BAL " + n
		if i%4 == 1 {
			disp = n
		}
		a := &adObj{sam: sam, displayName: disp, mail: strings.ToLower(slug) + "@" + gvaMail, ou: bal, uac: uacNormal | uacDisabled,
			category: catMailbox, note: "shared mailbox (boîte aux lettres partagée)"}
		if r.chance(0.45) {
			a.description = pick(r, []string{"Boîte aux lettres partagée " + n, "BAL partagée", "Boîte générique - accès via GG_BAL_" + strings.ToUpper(letters(n))})
		}
		o.mailboxActivity(a)
		d.add(a)
	}
	salles := d.ou("Salles et ressources", "Messagerie")
	names := []string{"Montmartre", "Loire", "Erdre", "Fourvière", "Vauban", "Monet", "Renoir", "Cézanne", "Brocéliande", "Belle-Île",
		"Saône", "Rhône", "Opale", "Beffroi", "Trocadéro", "Bastille", "Gauguin", "Matisse", "Bréhat", "Croix-Rousse", "Graslin", "Talensac"}
	codes := map[string]string{"Paris": "PAR", "Nantes": "NAN", "Lyon": "LYO", "Lille": "LIL"}
	for _, n := range names {
		site := pick(r, gvaSites)
		floor := r.between(0, 7)
		sam := d.unique(cut("SALLE-"+codes[site]+"-"+strings.ToUpper(letters(n)), 20), func(k int) string {
			return cut("SALLE-"+codes[site]+"-"+strings.ToUpper(letters(n)), 18) + strconv.Itoa(k)
		})
		a := &adObj{sam: sam, displayName: fmt.Sprintf("Salle %s (%s %de, %d pers.)", n, site, floor, pick(r, []int{4, 6, 8, 12, 20})),
			mail: strings.ToLower(sam) + "@" + gvaMail, ou: salles, uac: uacNormal | uacDisabled, category: catMailbox, note: "room mailbox"}
		if r.chance(0.4) {
			a.description = "Salle de réunion"
		}
		o.mailboxActivity(a)
		d.add(a)
	}
	for i := 1; i <= 8; i++ {
		var sam, disp string
		if i%2 == 0 {
			c := pick(r, []string{"NAN", "PAR", "LYO"})
			sam, disp = fmt.Sprintf("VEHICULE-%s-%02d", c, i), fmt.Sprintf("Véhicule de service %s %02d", c, i)
		} else {
			sam, disp = fmt.Sprintf("VISIO-MOBILE-%d", i), fmt.Sprintf("Chariot visio %d", i)
		}
		a := &adObj{sam: sam, displayName: disp, mail: strings.ToLower(sam) + "@" + gvaMail, ou: salles, uac: uacNormal | uacDisabled,
			category: catMailbox, note: "equipment mailbox"}
		o.mailboxActivity(a)
		d.add(a)
	}
}

func (o *gva) mailboxActivity(a *adObj) {
	r, d := o.r, o.d
	d.neverUsed(a, 100, 3000)
	if r.chance(0.1) {
		a.uac = uacNormal | uacDontExpire
		a.lastLogon = r.at(o.now, 0, 30, true)
		a.note += ", enabled with a password"
	}
}

func (o *gva) templates() {
	r, d := o.r, o.d
	for i, role := range []string{"Gestionnaire sinistres", "Conseiller clientèle", "Commercial", "Souscripteur", "Comptable", "Gestionnaire RH",
		"Technicien support", "Téléconseiller", "Expert sinistres", "Actuaire"} {
		code := strings.ToUpper(cut(letters(role), 12))
		a := &adObj{title: role, uac: uacNormal | uacDisabled, category: catTemplate, note: "template account (compte modèle)", company: "Groupe Vauban Assurances"}
		switch i % 3 {
		case 0:
			a.sam, a.displayName = "MODELE-"+code, "MODELE "+role
		case 1:
			a.sam, a.displayName = "_modele_"+strings.ToLower(code), "_Modèle "+role
		default:
			a.sam, a.displayName = "mdl"+strings.ToLower(code), "MODELE "+strings.ToUpper(cut(letters(role), 10))+" Compte"
			a.sn, a.given = "MODELE", role
		}
		a.sam = cut(a.sam, 20)
		a.ou = d.ou("Comptes modèles", "Comptes génériques")
		if r.chance(0.7) {
			a.description = pick(r, []string{"Compte modèle – à copier pour créer les comptes " + strings.ToLower(role), "Modèle de compte " + role, "Ne pas activer - modèle"})
		}
		a.memberOf = []string{"GG_" + code + "_NAN", "GG_TOUS_NAN"}
		d.neverUsed(a, 300, 3000)
		if i%4 == 3 {
			a.uac = uacNormal
			a.note += ", left enabled"
		}
		d.add(a)
	}
}

func (o *gva) tests() {
	r, d := o.r, o.d
	ou := d.ou("Formation et recette", "Comptes génériques")
	for i := 1; i <= 30; i++ {
		a := &adObj{sam: fmt.Sprintf("FORM%02d", i), ou: ou, uac: uacNormal | uacDontExpire, category: catTest, note: "training account (formation)"}
		switch i % 3 {
		case 0:
			a.displayName = fmt.Sprintf("FORMATION %02d", i)
		case 1:
			a.displayName = fmt.Sprintf("Formation Poste %02d", i)
		}
		if r.chance(0.5) {
			a.description = "Compte générique formation - salle " + strconv.Itoa(r.between(1, 4))
		}
		d.neverUsed(a, 100, 2000)
		if r.chance(0.6) {
			a.lastLogon = r.at(o.now, 0, 120, true)
		}
		d.add(a)
	}
	for i, t := range []struct{ sam, given, sn, display, desc, note string }{
		{"TEST-GW-01", "", "", "TEST Guidewire 01", "Compte de test recette Guidewire", "test account"},
		{"TEST-GW-02", "", "", "TEST Guidewire 02", "Compte de test recette Guidewire", "test account"},
		{"TEST-GW-03", "", "", "", "", "test account"},
		{"recette01", "", "", "Recette 01", "", "acceptance test account"},
		{"recette02", "", "", "Recette 02", "", "acceptance test account"},
		{"recette03", "", "", "", "recette éditique", "acceptance test account"},
		{"recette04", "", "", "", "", "acceptance test account"},
		{"t00042", "", "TEST", "TEST Recette", "", "test account with a matricule-like login"},
		{"t00101", "Jean", "Dupont", "DUPONT Jean", "", "test persona (Jean Dupont) with a matricule-like login"},
		{"t00102", "Marie", "Durand", "DURAND Marie", "compte de test", "test persona with a matricule-like login"},
		{"demo.commercial", "", "", "Démo Commercial", "Démonstration salon", "demo account"},
		{"test.w11", "", "", "", "Pilote Windows 11", "test account"},
		{"testvpn", "", "", "", "", "test account"},
		{"test.teletravail", "", "", "Test Télétravail", "", "test account"},
		{"pilote-o365", "", "", "Pilote O365", "", "test account"},
		{"qualif01", "", "", "Qualification 01", "Compte de qualification", "test account"},
		{"qualif02", "", "", "Qualification 02", "", "test account"},
		{"usertest", "", "", "", "", "test account"},
	} {
		a := &adObj{sam: d.unique(t.sam, func(n int) string { return t.sam + strconv.Itoa(n) }), given: t.given, sn: t.sn, displayName: t.display,
			description: t.desc, uac: uacNormal, category: catTest, note: t.note}
		a.ou = ou
		if i%3 == 0 {
			a.ou = o.usersOU(pick(r, gvaSites))
		}
		if t.given != "" {
			a.mail = o.mailFor(t.given, t.sn)
			a.cn = t.display
			a.upn = a.sam + "@" + gvaMail
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

func (o *gva) repurposed() {
	r := o.r
	n := 0
	for _, p := range o.st.people {
		if n == 3 {
			break
		}
		if p.status != "terminated" || p.acct == nil || p.acct.mail == "" || p.term.After(o.now.AddDate(-1, 0, 0)) {
			continue
		}
		a := p.acct
		a.uac = uacNormal | uacDontExpire
		a.ou = o.usersOU(p.site)
		a.category, a.note = catService, "repurposed leaver account: still runs a job"
		a.description = pick(r, []string{"Compte repris pour l'interface Éditique - NE PAS SUPPRIMER", "", "utilisé par la GED"})
		a.pwdLastSet = p.term.AddDate(0, 0, -r.between(10, 300))
		a.lastLogon = r.nightly(o.now)
		n++
	}
}

func (o *gva) files() *orgFiles {
	o.d.finish()
	cols := []string{"distinguishedName", "sAMAccountName", "cn", "displayName", "givenName", "sn", "mail", "userPrincipalName", "title",
		"department", "company", "physicalDeliveryOfficeName", "description", "info", "userAccountControl", "pwdLastSet",
		"lastLogonTimestamp", "accountExpires", "whenCreated", "objectClass", "servicePrincipalName", "memberOf"}
	t := &table{header: cols}
	var labels [][]string
	groupDN := func(g string) string {
		if g == "Admins du domaine" {
			return "CN=Admins du domaine,CN=Users," + o.d.base
		}
		return "CN=" + g + ",OU=Groupes," + o.d.base
	}
	for _, a := range o.d.sorted(func(a *adObj) string { return a.dn() }) {
		dn := a.dn()
		row := map[string]string{
			"distinguishedName": dn, "sAMAccountName": a.sam, "cn": a.cn, "displayName": a.displayName, "givenName": a.given, "sn": a.sn,
			"mail": a.mail, "userPrincipalName": a.upn, "title": a.title, "department": a.dept, "company": a.company,
			"physicalDeliveryOfficeName": a.office, "description": a.description, "info": a.info, "userAccountControl": strconv.Itoa(a.uac),
			"lastLogonTimestamp": iso(a.lastLogon), "accountExpires": iso(a.expires), "whenCreated": iso(a.created),
		}
		if a.mustChange {
			row["pwdLastSet"] = "0"
		} else {
			row["pwdLastSet"] = iso(a.pwdLastSet)
		}
		rows := max(len(a.objectClass), len(a.spn), len(a.memberOf))
		for i := range rows {
			if i > 0 {
				row = map[string]string{"distinguishedName": dn}
			}
			if i < len(a.objectClass) {
				row["objectClass"] = a.objectClass[i]
			}
			if i < len(a.spn) {
				row["servicePrincipalName"] = a.spn[i]
			}
			if i < len(a.memberOf) {
				row["memberOf"] = groupDN(a.memberOf[i])
			}
			t.add(row)
		}
		labels = append(labels, labelRow(dn, a))
	}
	ids := &table{header: []string{"matricule", "nom", "prenom", "email", "direction", "emploi", "type_contrat", "statut", "date_entree",
		"date_sortie", "site", "matricule_manager"}}
	status := map[string]string{"active": "ACTIF", "leave": "SUSPENDU", "terminated": "SORTI", "pending": "A_VENIR"}
	for _, p := range o.st.people {
		row := map[string]string{"matricule": p.id, "nom": strings.ToUpper(p.last), "prenom": p.first, "email": p.email, "direction": p.dept,
			"emploi": p.title, "type_contrat": p.workerType, "statut": status[p.status], "date_entree": p.hire.Format("02/01/2006"), "site": p.site}
		if !p.term.IsZero() {
			row["date_sortie"] = p.term.Format("02/01/2006")
		}
		if p.manager != nil {
			row["matricule_manager"] = p.manager.id
		}
		ids.add(row)
	}
	app, appCSV, appLabels := o.ged()
	return &orgFiles{
		manifest: manifest{
			Apps: []appSpec{app},
			Org:  "gva", Name: "Groupe Vauban Assurances", Country: "FR", Language: "fr", ExportTime: o.now.Format(time.RFC3339),
			Accounts: fileSpec{File: "accounts.csv", ConnectorAttributes: format{IndexColumn: "distinguishedName", NameColumn: "sAMAccountName",
				Delimiter: ",", MergeColumns: []string{"memberOf", "objectClass", "servicePrincipalName"}, MergeRows: true}},
			Identities:  fileSpec{File: "identities.csv", ConnectorAttributes: format{IndexColumn: "matricule", Delimiter: ","}},
			Correlation: []correlation{{AccountAttribute: "mail", IdentityAttribute: "email"}},
			TimeFormats: map[string]string{"pwdLastSet": "ISO 8601 UTC; 0 = must change at next logon", "lastLogonTimestamp": "ISO 8601 UTC; empty = never",
				"accountExpires": "ISO 8601 UTC; empty = never", "whenCreated": "ISO 8601 UTC"},
			Notes: "one value per row for multi-valued attributes (mergeRows): the continuation rows of an account carry only its distinguishedName and the next values; no manager, no employeeID/employeeNumber; identities.csv is the HR (paie) extract",
		},
		accounts: t.encode(',', false, false), identities: ids.encode(',', false, false), labels: labels,
		saas: map[string][]byte{"ged.csv": appCSV, "ged-labels.csv": appLabels},
	}
}
