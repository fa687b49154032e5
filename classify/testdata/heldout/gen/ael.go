package main

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Aguas del Levante, S.A.: a Spanish water utility.

var aelDepts = []dept{
	{"Dirección General", 0.01, []string{"Secretaria de Dirección", "Técnico de Estrategia"}, "Director General", "Director de Área"},
	{"Explotación", 0.24, []string{"Operario de Redes", "Operario de Redes", "Fontanero", "Oficial de Mantenimiento", "Operador de Planta", "Operador de Planta", "Encargado de Turno"}, "Director de Explotación", "Jefe de Zona"},
	{"Depuración", 0.10, []string{"Operador EDAR", "Analista de Laboratorio", "Técnico de Procesos", "Peón"}, "Jefe de Depuración", "Jefe de Planta"},
	{"Atención al Cliente", 0.14, []string{"Gestor de Atención al Cliente", "Agente de Call Center", "Técnico de Servicio al Cliente", "Gestor de Reclamaciones"}, "Directora de Clientes", "Coordinadora de Oficina"},
	{"Lectura y Contadores", 0.07, []string{"Lector de Contadores", "Lector de Contadores", "Técnico de Telelectura", "Instalador de Contadores"}, "Responsable de Contadores", "Jefe de Equipo de Lectura"},
	{"Facturación", 0.05, []string{"Técnico de Facturación", "Administrativo de Facturación", "Gestor de Cobros"}, "Responsable de Facturación", "Coordinador de Facturación"},
	{"Ingeniería", 0.07, []string{"Ingeniero de Proyectos", "Delineante", "Técnico SIG", "Ingeniero de Automatización", "Técnico de Control SCADA"}, "Director de Ingeniería", "Jefe de Proyectos"},
	{"Calidad y Medio Ambiente", 0.03, []string{"Técnico de Calidad", "Técnico de Medio Ambiente", "Auditor Interno"}, "Responsable de Calidad", "Coordinador de Calidad"},
	{"Sistemas de Información", 0.05, []string{"Técnico de Soporte", "Técnico de Soporte", "Administrador de Sistemas", "Analista Programador", "Consultor SAP", "Técnico de Pruebas", "Técnico de Comunicaciones", "Desarrollador RPA"}, "Director de Sistemas", "Jefe de Infraestructura"},
	{"Administración y Finanzas", 0.05, []string{"Contable", "Técnico de Tesorería", "Administrativo", "Técnico de Compras"}, "Director Financiero", "Jefe de Contabilidad"},
	{"Recursos Humanos", 0.03, []string{"Técnico de Selección", "Técnico de Nóminas", "Técnico de Formación", "Técnico de Prevención de Riesgos"}, "Directora de Personas", "Jefa de Administración de Personal"},
	{"Jurídico", 0.02, []string{"Abogado", "Técnico de Contratación Pública"}, "Director Jurídico", "Responsable de Asesoría"},
	{"Comunicación", 0.02, []string{"Técnico de Comunicación", "Community Manager"}, "Director de Comunicación", "Responsable de Prensa"},
	{"Almacén y Logística", 0.04, []string{"Mozo de Almacén", "Conductor", "Técnico de Logística"}, "Jefe de Almacén", "Encargado de Almacén"},
}

var aelMachineWords = []string{"servicio", "automatiz", "prueba", "formación", "sistemas", "scada", "soporte", "rpa", "scada", "call center", "comunicaciones"}

var aelSites = []string{"Valencia", "Alicante", "Murcia", "Depuradoras"}
var aelSiteCode = map[string]string{"Valencia": "VLC", "Alicante": "ALC", "Murcia": "MUR", "Depuradoras": "EDAR"}

const aelMail = "aguaslevante.es"

type heldApp struct{ code, name, host string }

var aelApps = []heldApp{
	{"sapisu", "SAP IS-U", "SRVVLCISU01"}, {"arcgis", "ArcGIS Server", "SRVVLCGIS01"}, {"scada", "AVEVA System Platform", "SRVEDARSCD01"},
	{"telelectura", "Telelectura de contadores", "SRVVLCTLL01"}, {"maximo", "IBM Maximo", "SRVVLCMAX01"}, {"nav", "Dynamics NAV", "SRVVLCNAV01"},
	{"expedientes", "Gestor de Expedientes", "SRVVLCEXP01"}, {"a3nom", "a3innuva Nómina", "SRVVLCA3N01"}, {"veeam", "Veeam", "SRVVLCBCK01"},
	{"kaspersky", "Kaspersky Security Center", "SRVVLCKSC01"}, {"zabbix", "Zabbix", "SRVVLCZBX01"}, {"otrs", "OTRS", "SRVVLCOTRS01"},
	{"citrix", "Citrix", "SRVVLCCTX01"}, {"genesys", "Centralita Genesys", "SRVALCCC01"}, {"labware", "LabWare LIMS", "SRVEDARLIMS01"},
	{"sharepoint", "SharePoint", "SRVVLCSP01"}, {"powerbi", "Power BI Report Server", "SRVVLCPBI01"}, {"sftp", "Servidor SFTP", "SRVVLCSFTP01"},
	{"docuware", "DocuWare", "SRVVLCDW01"}, {"kronos", "Control de Presencia", "SRVVLCCP01"},
}

type ael struct {
	r   *rng
	d   *directory
	st  *staff
	now time.Time
	it  []*person
}

func genAEL(seed uint64, now time.Time) *orgFiles {
	r := newRNG(seed, "ael")
	d := newDirectory("ael.local", now, r)
	d.pwdMaxAge, d.svcNeverChanged = 120, 0.55
	st := buildStaff(r, now, staffSpec{
		n: 1280, depts: aelDepts, sites: aelSites, siteWeights: []float64{0.5, 0.2, 0.15, 0.15},
		first: esFirst, last: esLast, hardLast: esHardLast, hardLastShare: 0.005,
		terminated: 0.09, leave: 0.03, pending: 0.01,
		nextID:      func(i int) string { return fmt.Sprintf("%05d", 410+i*4+i%3) },
		workerTypes: []string{"Indefinido", "Temporal", "Prácticas", "Relevo"}, workerWeights: []float64{0.84, 0.11, 0.03, 0.02},
	})
	o := &ael{r: r, d: d, st: st, now: now}
	o.people()
	o.externals()
	o.admins()
	o.computers()
	o.machines()
	return o.files()
}

type esName struct{ first, last1, last2 string }

func (o *ael) samFor(n esName) string {
	base := cut(ascii(foldES, n.first, ""), 1) + cut(ascii(foldES, n.last1, ""), 12) + cut(ascii(foldES, n.last2, ""), 1)
	return o.d.unique(base, func(k int) string { return base + strconv.Itoa(k) })
}

func (o *ael) mailFor(n esName) string {
	first := strings.Fields(n.first)[0]
	base := ascii(foldES, first, "") + "." + ascii(foldES, n.last1, "")
	u := base
	for k := 2; o.d.taken("mail:" + u); k++ {
		u = base + "." + cut(ascii(foldES, n.last2, ""), k-1)
		if k > 3 {
			u = base + strconv.Itoa(k)
		}
	}
	o.d.names["mail:"+u] = true
	return u + "@" + aelMail
}

func (o *ael) usersOU(site string) string { return o.d.ou("Usuarios", aelSiteCode[site], "AEL") }

// Every person has two surnames; the second is kept beside the person.
var aelSecond = map[*person]string{}

func (o *ael) people() {
	r, d := o.r, o.d
	for _, p := range o.st.people {
		aelSecond[p] = pick(r, esLast)
	}
	order := leadsFirst(o.st.people)
	for _, p := range order {
		if p.status == "terminated" && !r.chance(0.5) {
			continue
		}
		n := esName{p.first, p.last, aelSecond[p]}
		a := &adObj{given: p.first, sn: p.last + " " + n.last2, title: p.title, dept: p.dept, company: "Aguas del Levante, S.A.",
			office: p.site, employeeID: p.id, category: catHuman, identity: p.id}
		p.acct = a
		a.sam = o.samFor(n)
		a.displayName = p.first + " " + p.last + " " + n.last2
		a.cn = a.displayName
		a.ou = o.usersOU(p.site)
		field := p.dept == "Explotación" || p.dept == "Depuración" || p.dept == "Lectura y Contadores" || p.dept == "Almacén y Logística"
		if !field && r.chance(0.99) || field && r.chance(0.45) {
			a.mail = o.mailFor(n)
			a.upn = a.mail
		} else {
			a.upn = a.sam + "@ael.local"
		}
		p.email = a.mail
		if p.manager != nil && r.chance(0.9) {
			a.manager = p.manager.acct
		}
		if r.chance(0.25) {
			a.description = p.title + " - " + p.site
		}
		a.memberOf = []string{"GS_" + strings.ToUpper(cut(ascii(foldES, p.dept, ""), 12)), "GS_Todos_" + aelSiteCode[p.site]}
		a.uac = uacNormal
		d.personActive(a)
		a.created = p.hire.Add(-time.Duration(r.between(1, 10))*24*time.Hour + time.Duration(r.between(7*3600, 17*3600))*time.Second)
		switch p.status {
		case "terminated":
			a.uac |= uacDisabled
			a.ou = d.ou("Bajas", "AEL")
			a.lastLogon = p.term.Add(-time.Duration(r.between(1, 90)) * time.Hour)
			if a.pwdLastSet.After(a.lastLogon) {
				a.pwdLastSet = a.lastLogon.AddDate(0, 0, -r.between(1, 100))
			}
			a.manager = nil
			a.category, a.note = catHumanHard, "disabled leaver account"
			if r.chance(0.5) {
				a.description = "Baja " + p.term.Format("02/01/2006") + " - deshabilitada"
			}
		case "leave":
			a.uac |= uacDisabled
			a.description = pick(r, []string{"Excedencia", "Baja maternal", "IT larga duración", ""})
			a.lastLogon = r.at(o.now, 40, 300, true)
			a.pwdLastSet = a.lastLogon.AddDate(0, 0, -r.between(1, 100))
			a.category, a.note = catHumanHard, "long leave (excedencia): disabled"
		case "pending":
			a.created = r.at(o.now, 1, 20, true)
			a.pwdLastSet, a.mustChange, a.lastLogon = time.Time{}, true, time.Time{}
			a.category, a.note = catHumanHard, "new starter: never logged on"
		}
		if p.status == "active" {
			switch {
			case titleHas(p.title, aelMachineWords):
				a.category, a.note = catHumanHard, "job title with a machine word"
			case a.mail == "" && a.manager == nil:
				a.category, a.note = catHumanHard, "no mailbox and no manager"
			case field && a.mail == "" && r.chance(0.3):
				a.lastLogon = r.at(o.now, 20, 250, true)
				a.pwdLastSet = a.lastLogon.AddDate(0, 0, -r.between(0, 110))
				a.category, a.note = catHumanHard, "field worker: rare logons, no mailbox"
			case p.workerType == "Temporal" || p.workerType == "Prácticas":
				a.expires = o.now.AddDate(0, r.between(1, 12), 0).Truncate(24 * time.Hour)
				a.category, a.note = catHumanHard, "fixed-term contract with account expiry"
			case p.head && r.chance(0.5):
				a.uac |= uacDontExpire
				a.pwdLastSet = r.at(o.now, 300, 2500, true)
				a.category, a.note = catHumanHard, "director with password never expires"
			}
			if containsStr(esHardLast, p.last) {
				a.category, a.note = catHumanHard, "surname that reads as a machine word"
			}
		}
		if p.dept == "Sistemas de Información" && p.status == "active" {
			o.it = append(o.it, p)
		}
		d.add(a)
	}
}

func (o *ael) externals() {
	r, d := o.r, o.d
	firms := []string{"Indra", "NTT Data", "Everis", "Sothis", "Ayesa", "Acciona Agua", "Aqualia Servicios", "Adecco"}
	for range 60 {
		n := esName{pick(r, esFirst), pick(r, esLast), pick(r, esLast)}
		firm := pick(r, firms)
		base := "x_" + cut(ascii(foldES, n.first, ""), 1) + cut(ascii(foldES, n.last1, ""), 12) + cut(ascii(foldES, n.last2, ""), 1)
		sam := d.unique(cut(base, 20), func(k int) string { return cut(base, 18) + strconv.Itoa(k) })
		a := &adObj{sam: sam, upn: sam + "@ael.local", given: n.first, sn: n.last1 + " " + n.last2, company: firm,
			displayName: n.first + " " + n.last1 + " " + n.last2 + " (Externo - " + firm + ")", ou: d.ou("Externos", "AEL"),
			uac: uacNormal, category: catHumanExt, note: "external contractor, not in HR"}
		a.cn = a.displayName
		if r.chance(0.5) {
			a.mail = ascii(foldES, strings.Fields(n.first)[0], "") + "." + ascii(foldES, n.last1, "") + "@" + strings.ToLower(strings.ReplaceAll(firm, " ", "")) + ".com"
		}
		if r.chance(0.6) {
			a.description = "Externo " + firm + " - proyecto " + pick(r, []string{"SAP", "SIG", "Telelectura", "Infraestructura", "Obras"})
		}
		d.personActive(a)
		a.expires = o.now.AddDate(0, r.between(-1, 9), 0).Truncate(24 * time.Hour)
		d.add(a)
	}
}

func (o *ael) admins() {
	r, d := o.r, o.d
	for _, p := range o.it {
		if p.acct == nil || !r.chance(0.75) {
			continue
		}
		sam := d.unique(p.acct.sam+"_a", func(k int) string { return p.acct.sam + "_a" + strconv.Itoa(k) })
		a := &adObj{sam: sam, upn: sam + "@ael.local", given: p.first, sn: p.acct.sn, displayName: p.acct.displayName + " - Administrador",
			ou: d.ou("Administradores", "Sistemas", "AEL"), uac: uacNormal, category: catHumanAdmin, note: "admin second account of " + p.acct.sam,
			memberOf: []string{"GS_Admins_Servidores"}}
		a.cn = a.displayName
		if r.chance(0.4) {
			a.description = "Cuenta de administración de " + p.first
		}
		if r.chance(0.5) {
			a.employeeID, a.identity = p.id, p.id
		}
		if r.chance(0.3) {
			a.uac |= uacDontExpire
		}
		d.personActive(a)
		d.add(a)
	}
}

func (o *ael) computers() {
	r, d := o.r, o.d
	d.computer("DCVLC01", d.ou("Domain Controllers"), "Windows Server 2019 Standard", "", true, true, false)
	d.computer("DCALC01", d.ou("Domain Controllers"), "Windows Server 2019 Standard", "", true, true, false)
	for _, a := range aelApps {
		if r.chance(0.55) {
			d.computer(a.host, d.ou("Servidores", "AEL"), "Windows Server 2019 Standard", a.name, true, false, false)
		}
	}
	for range 130 {
		site := aelSites[r.weighted([]float64{0.5, 0.2, 0.15, 0.15})]
		code := aelSiteCode[site]
		kind := pick(r, []string{"PC", "PC", "PT", "HMI"})
		if kind == "HMI" && site != "Depuradoras" {
			kind = "PC"
		}
		mk := func() string { return fmt.Sprintf("%s-%s-%04d", code, kind, r.between(1, 9999)) }
		name := d.unique(mk(), func(int) string { return mk() })
		desc := ""
		if kind == "HMI" {
			desc = "Puesto de operación SCADA"
		}
		d.computer(name, d.ou("Equipos", code, "AEL"), pick(r, []string{"Windows 10 Pro", "Windows 10 Enterprise LTSC", "Windows 11 Pro"}), desc, false, false, r.chance(0.1))
	}
}

func (o *ael) machines() {
	r, d := o.r, o.d
	d.builtins(builtinES, "")
	d.entraConnect("SRVVLCAAD01", "aguaslevante.onmicrosoft.com", false)
	// an old DirSync account left behind
	old := d.add(&adObj{sam: "AAD_" + r.hex(12), ou: d.ou("CN=Users"), uac: uacNormal | uacDontExpire | uacDisabled, category: catDirSync,
		note: "old DirSync account", description: "Account created by Windows Azure Active Directory Sync tool"})
	d.neverUsed(old, 1800, 2500)
	old.lastLogon = old.created.AddDate(0, 3, 0)
	svc := d.ou("Cuentas de Servicio", "Sistemas", "AEL")
	msa := d.ou("CN=Managed Service Accounts")
	for _, g := range []string{"gmsa_sqlisu$", "gmsa_scada$", "gmsa_maximo$", "gmsa_tareas$", "gmsa_iis$"} {
		d.gmsa(g, msa, "", nil, false, "group managed service account")
	}
	o.services(svc)
	o.integrations(svc)
	o.operators()
	o.bots()
	o.mailboxes()
	o.templates()
	o.tests()
	o.repurposed()
}

func (o *ael) owner() *person { return pick(o.r, o.it) }

func (o *ael) services(ou string) {
	r, d := o.r, o.d
	for range 80 {
		app := pick(r, aelApps)
		owner := o.owner()
		a := &adObj{ou: ou, uac: uacNormal | uacDontExpire, category: catService}
		var style string
		switch x := r.float(); {
		case x < 0.30:
			style, a.sam = "usr_srv", "usr_srv_"+app.code
		case x < 0.50:
			style, a.sam = "cs", "cs_"+app.code+pick(r, []string{"", "_pro", "_pre", "_des"})
		case x < 0.62:
			style, a.sam = "camel", "svc"+strings.ToUpper(app.code[:1])+app.code[1:]
		case x < 0.72:
			style, a.sam = "upper", strings.ToUpper(app.code)+pick(r, []string{"SRV", "SERVICE", "ADMIN", "USR"})
		case x < 0.84:
			style, a.sam = "plain", pick(r, []string{app.code, app.code + "user", "tareas" + app.code, "escaner" + strconv.Itoa(r.between(1, 9)), "backup", "informes"})
		case x < 0.93:
			style = "person"
			a.sam = owner.acct.sam + pick(r, []string{"2", "_tareas", "_bat", ".srv"})
		default:
			style, a.sam = "host", strings.ToLower(app.host)+"_srv"
		}
		base := cut(a.sam, 20)
		a.sam = d.unique(base, func(k int) string { return cut(base, 18) + strconv.Itoa(k) })
		a.note = "service account (" + style + ")"
		if style == "person" {
			a.note = "service account named after the person who made it"
			if r.chance(0.5) {
				a.displayName, a.given, a.sn = owner.acct.displayName, owner.first, owner.acct.sn
			}
			if r.chance(0.5) {
				a.ou = o.usersOU(owner.site)
			}
		} else if r.chance(0.55) {
			a.displayName = pick(r, []string{"Servicio " + app.name, app.name + " (servicio)", strings.ToUpper(a.sam)})
		}
		descs := []string{"Cuenta de servicio de " + app.name, "Usuario de servicio " + app.name + " - no cambiar contraseña",
			"Utilizado por " + app.name + " para " + pick(r, []string{"la carga de lecturas", "los informes nocturnos", "la exportación a SAP", "el envío de avisos"}),
			"Responsable: " + owner.first + " " + owner.last, "Tarea programada en " + app.host, "Cuenta técnica " + app.name,
			"Cuenta genérica " + app.name, "Ver petición OTRS #" + strconv.Itoa(r.between(10000, 99999)), "Arranque del servicio " + app.name}
		if style != "person" && r.chance(0.68) {
			a.description = pick(r, descs)
		} else if style == "person" && r.chance(0.3) {
			a.description = "Scripts de " + owner.first
		}
		switch x := r.float(); {
		case x < 0.15:
			a.uac = uacNormal
		case x < 0.2:
			a.uac |= uacPasswdNotReqd
		case x < 0.26:
			a.uac |= uacDisabled
		}
		if r.chance(0.25) {
			a.spn = []string{"HTTP/" + strings.ToLower(app.host) + ".ael.local"}
		}
		d.fill(a, app.name, o.paperwork(o.owner()))
		d.serviceActive(a)
		d.add(a)
	}
}

func (o *ael) integrations(ou string) {
	r, d := o.r, o.d
	partners := []string{"Bankia", "CaixaBank", "Sabadell", "Correos", "AEAT", "Confederación del Júcar", "Ayuntamiento"}
	for range 30 {
		app := pick(r, aelApps)
		a := &adObj{ou: ou, uac: uacNormal | uacDontExpire, category: catIntegration}
		var desc []string
		switch r.intn(4) {
		case 0:
			b := pick(r, aelApps)
			a.sam = "int_" + cut(app.code, 7) + "_" + cut(b.code, 7)
			desc = []string{"Conexión " + app.name + " con " + b.name, "Interfaz " + app.code + " -> " + b.code}
			a.note = "interface account"
		case 1:
			a.sam = "ldap_" + app.code
			desc = []string{"Consulta LDAP de " + app.name, "Usuario de lectura del directorio para " + app.name}
			a.note = "LDAP bind account"
		case 2:
			p := pick(r, partners)
			a.sam = "ftp_" + cut(ascii(foldES, p, ""), 14)
			desc = []string{"Intercambio de ficheros con " + p, "Envío de remesas a " + p}
			a.note = "partner file exchange account"
		default:
			a.sam = "ws_" + app.code
			desc = []string{"Servicio web " + app.name, "API " + app.name}
			a.note = "web service account"
		}
		base := cut(a.sam, 20)
		a.sam = d.unique(base, func(k int) string { return cut(base, 18) + strconv.Itoa(k) })
		if r.chance(0.65) {
			a.description = pick(r, desc)
		}
		d.fill(a, app.name, o.paperwork(o.owner()))
		d.serviceActive(a)
		d.add(a)
	}
}

// operators: shared logins of the treatment plants' operator stations, used
// by whoever is on shift (machine by the rule: not one person).
func (o *ael) operators() {
	r, d := o.r, o.d
	for i := 1; i <= 8; i++ {
		a := &adObj{sam: fmt.Sprintf("operador.edar%d", i), displayName: fmt.Sprintf("Operador EDAR %d", i), ou: d.ou("Puestos SCADA", "EDAR", "AEL"),
			uac: uacNormal | uacDontExpire, category: catService, note: "shared operator login of a plant station"}
		if r.chance(0.6) {
			a.description = "Usuario genérico de turno - sala de control"
		}
		d.serviceActive(a)
		a.lastLogon = r.at(o.now, 0, 1, true)
		d.add(a)
	}
}

func (o *ael) bots() {
	r, d := o.r, o.d
	ou := d.ou("RPA", "Sistemas", "AEL")
	for i := 1; i <= 4; i++ {
		a := &adObj{sam: fmt.Sprintf("aa_bot_%02d", i), displayName: fmt.Sprintf("Automation Anywhere Bot %d", i), ou: ou,
			uac: uacNormal | uacDontExpire, category: catBot, note: "RPA bot runner (Automation Anywhere)"}
		if r.chance(0.5) {
			a.description = "Bot runner desatendido"
		}
		d.serviceActive(a)
		a.lastLogon = r.at(o.now, 0, 1, false)
		d.add(a)
	}
	for i, job := range []string{"altas de suministro", "lecturas estimadas", "conciliación bancaria"} {
		n := esName{pick(r, []string{"Lucía", "Pablo", "Irene"}), pick(r, esLast), pick(r, esLast)}
		a := &adObj{sam: o.samFor(n), given: n.first, sn: n.last1 + " " + n.last2, displayName: n.first + " " + n.last1 + " " + n.last2,
			uac: uacNormal | uacDontExpire, category: catBot, note: "digital-worker persona with a human name (" + job + ")"}
		a.mail = o.mailFor(n)
		a.upn = a.mail
		a.ou = ou
		if i == 1 {
			a.ou = o.usersOU("Valencia")
		}
		if r.chance(0.5) {
			a.description = "Asistente digital - " + job
		}
		d.serviceActive(a)
		a.lastLogon = r.at(o.now, 0, 2, true)
		d.add(a)
	}
}

func (o *ael) mailboxes() {
	r, d := o.r, o.d
	ou := d.ou("Buzones", "Exchange", "AEL")
	for i, n := range []string{"Atención al Cliente", "Averías", "Facturación", "Recursos Humanos", "Compras", "Calidad", "Prensa",
		"Licitaciones", "Laboratorio", "Sistemas", "Dirección", "Reclamaciones", "Lecturas", "Obras", "Prevención", "Protección de Datos",
		"Registro de Entrada", "Contabilidad", "Alicante Oficina", "Murcia Oficina"} {
		slug := strings.ReplaceAll(ascii(foldES, n, " "), " ", ".")
		sam := slug
		if i%2 == 0 {
			sam = "buzon." + slug
		}
		sam = d.unique(cut(sam, 20), func(k int) string { return cut(sam, 18) + strconv.Itoa(k) })
		a := &adObj{sam: sam, displayName: pick(r, []string{n, "Buzón " + n}), mail: slug + "@" + aelMail, ou: ou,
			uac: uacNormal | uacDisabled, category: catMailbox, note: "shared mailbox"}
		if r.chance(0.5) {
			a.description = pick(r, []string{"Buzón compartido", "Buzón compartido " + n, "Buzón genérico"})
		}
		o.mbActivity(a)
		d.add(a)
	}
	for _, n := range []string{"Turia", "Albufera", "Segura", "Júcar", "Postiguet", "Santa Bárbara", "Cartuja", "Mediterráneo", "Palmeral", "Lonja"} {
		sam := d.unique("sala."+ascii(foldES, n, ""), func(k int) string { return "sala." + ascii(foldES, n, "") + strconv.Itoa(k) })
		a := &adObj{sam: sam, displayName: fmt.Sprintf("Sala %s (%s, planta %d)", n, pick(r, aelSites[:3]), r.between(0, 5)),
			mail: sam + "@" + aelMail, ou: ou, uac: uacNormal | uacDisabled, category: catMailbox, note: "room mailbox"}
		if r.chance(0.4) {
			a.description = "Sala de reuniones"
		}
		o.mbActivity(a)
		d.add(a)
	}
	for i := 1; i <= 6; i++ {
		plate := fmt.Sprintf("%04d%s", r.between(1000, 9999), pick(r, []string{"KLM", "JBX", "LTR", "HGD"}))
		a := &adObj{sam: "vehiculo." + strings.ToLower(plate), displayName: "Furgoneta " + plate, mail: "vehiculo." + strings.ToLower(plate) + "@" + aelMail,
			ou: ou, uac: uacNormal | uacDisabled, category: catMailbox, note: "equipment mailbox (vehicle)", description: "Recurso: vehículo de flota"}
		o.mbActivity(a)
		d.add(a)
	}
}

func (o *ael) mbActivity(a *adObj) {
	o.d.neverUsed(a, 100, 2500)
	if o.r.chance(0.1) {
		a.uac = uacNormal
		a.lastLogon = o.r.at(o.now, 0, 60, true)
		a.note += ", enabled with a password"
	}
}

func (o *ael) templates() {
	r, d := o.r, o.d
	for i, dep := range []string{"Atención al Cliente", "Explotación", "Facturación", "Lectura", "Administración", "Ingeniería", "Depuración"} {
		a := &adObj{dept: dep, uac: uacNormal | uacDisabled, category: catTemplate, note: "template account", company: "Aguas del Levante, S.A."}
		code := cut(ascii(foldES, dep, ""), 12)
		if i%2 == 0 {
			a.sam, a.displayName = "plantilla."+code, "PLANTILLA "+dep
		} else {
			a.sam, a.displayName = "_modelo_"+code, "Modelo "+dep
		}
		a.ou = d.ou("Plantillas", "AEL")
		if r.chance(0.6) {
			a.description = pick(r, []string{"Plantilla para altas de " + dep, "Usuario plantilla - no habilitar", "Copiar para nuevos usuarios"})
		}
		d.neverUsed(a, 200, 3000)
		d.add(a)
	}
}

func (o *ael) tests() {
	r, d := o.r, o.d
	ou := d.ou("Pruebas y Formación", "AEL")
	for i := 1; i <= 15; i++ {
		a := &adObj{sam: fmt.Sprintf("formacion%02d", i), ou: ou, uac: uacNormal | uacDontExpire, category: catTest, note: "training account"}
		if i%2 == 1 {
			a.displayName = fmt.Sprintf("Formación %02d", i)
		}
		d.neverUsed(a, 100, 1500)
		if r.chance(0.5) {
			a.lastLogon = r.at(o.now, 0, 100, true)
		}
		d.add(a)
	}
	for i, t := range []struct{ sam, display, desc, note string }{
		{"prueba01", "Prueba 01", "", "test account"}, {"prueba02", "", "Usuario de pruebas", "test account"},
		{"usuario.prueba", "Usuario Prueba", "", "test account"}, {"test.sap", "", "pruebas SAP IS-U", "test account"},
		{"fulano", "Fulano de Tal", "", "test persona (Fulano de Tal)"}, {"jperezp", "Juan Pérez Pérez", "", "test persona with a placeholder name"},
		{"pruebas.telelectura", "", "", "test account"}, {"demo.oficina", "Demo Oficina Virtual", "demo web clientes", "demo account"},
		{"piloto.w11", "", "Piloto Windows 11", "test account"}, {"test.scada", "Test SCADA", "", "test account"},
	} {
		a := &adObj{sam: d.unique(cut(t.sam, 20), func(k int) string { return t.sam + strconv.Itoa(k) }), displayName: t.display, description: t.desc,
			uac: uacNormal, category: catTest, note: t.note, ou: ou}
		if i%3 == 1 {
			a.ou = o.usersOU("Valencia")
		}
		if t.sam == "fulano" || t.sam == "jperezp" {
			parts := strings.SplitN(t.display, " ", 2)
			a.given, a.sn = parts[0], parts[1]
			a.mail = o.mailFor(esName{parts[0], strings.Fields(parts[1])[0], "x"})
			a.upn = a.mail
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

func (o *ael) repurposed() {
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
		a.uac = uacNormal | uacDontExpire
		a.ou = o.usersOU(p.site)
		a.category, a.note = catService, "repurposed leaver account: still runs a job"
		a.description = pick(r, []string{"NO DESHABILITAR - lo usa el proceso de lecturas", ""})
		a.pwdLastSet = p.term.AddDate(0, 0, -r.between(10, 200))
		a.lastLogon = r.nightly(o.now)
		n++
	}
}

func (o *ael) files() *orgFiles {
	o.d.finish()
	cols := []string{"samaccountname", "userprincipalname", "distinguishedname", "displayname", "givenname", "sn", "mail", "title",
		"department", "company", "physicaldeliveryofficename", "description", "employeenumber", "manager", "useraccountcontrol",
		"pwdlastset", "lastlogontimestamp", "accountexpires", "whencreated", "objectclass", "serviceprincipalname", "memberof"}
	t := &table{header: cols}
	var labels [][]string
	ts := func(x time.Time) string { return x.UTC().Format("2006-01-02 15:04:05") }
	for _, a := range o.d.sorted(func(a *adObj) string { return strings.ToLower(a.sam) }) {
		row := map[string]string{"samaccountname": a.sam, "userprincipalname": a.upn, "distinguishedname": a.dn(), "displayname": a.displayName,
			"givenname": a.given, "sn": a.sn, "mail": a.mail, "title": a.title, "department": a.dept, "company": a.company,
			"physicaldeliveryofficename": a.office, "description": a.description, "employeenumber": a.employeeID,
			"useraccountcontrol": strconv.Itoa(a.uac), "whencreated": ts(a.created), "objectclass": strings.Join(a.objectClass, ";"),
			"serviceprincipalname": strings.Join(a.spn, ";")}
		var groups []string
		for _, g := range a.memberOf {
			groups = append(groups, "CN="+g+",OU=Grupos,OU=AEL,"+o.d.base)
		}
		row["memberof"] = strings.Join(groups, ";")
		if a.manager != nil {
			row["manager"] = a.manager.dn()
		}
		if a.mustChange || a.pwdLastSet.IsZero() {
			row["pwdlastset"] = "1601-01-01 00:00:00"
		} else {
			row["pwdlastset"] = ts(a.pwdLastSet)
		}
		if !a.lastLogon.IsZero() {
			row["lastlogontimestamp"] = ts(a.lastLogon)
		}
		if a.expires.IsZero() {
			row["accountexpires"] = "9999-12-31 23:59:59"
		} else {
			row["accountexpires"] = ts(a.expires)
		}
		t.add(row)
		labels = append(labels, labelRow(a.sam, a))
	}
	ids := &table{header: []string{"num_empleado", "nombre", "apellido1", "apellido2", "correo", "departamento", "puesto", "responsable",
		"centro", "tipo_contrato", "fecha_alta", "fecha_baja", "situacion"}}
	status := map[string]string{"active": "ALTA", "leave": "EXCEDENCIA", "terminated": "BAJA", "pending": "PENDIENTE"}
	for _, p := range o.st.people {
		row := map[string]string{"num_empleado": p.id, "nombre": p.first, "apellido1": p.last, "apellido2": aelSecond[p], "correo": p.email,
			"departamento": p.dept, "puesto": p.title, "centro": p.site, "tipo_contrato": p.workerType,
			"fecha_alta": p.hire.Format("02/01/2006"), "situacion": status[p.status]}
		if p.manager != nil {
			row["responsable"] = p.manager.id
		}
		if !p.term.IsZero() {
			row["fecha_baja"] = p.term.Format("02/01/2006")
		}
		ids.add(row)
	}
	return &orgFiles{
		manifest: manifest{
			Org: "ael", Name: "Aguas del Levante, S.A.", Country: "ES", Language: "es", ExportTime: o.now.Format(time.RFC3339),
			Accounts: fileSpec{File: "accounts.csv", ConnectorAttributes: format{IndexColumn: "samaccountname", NameColumn: "samaccountname",
				Delimiter: ",", MergeColumns: []string{"memberof", "objectclass", "serviceprincipalname"}, MultiValueSeparator: ";"}},
			Identities:  fileSpec{File: "identities.csv", ConnectorAttributes: format{IndexColumn: "num_empleado", Delimiter: ";"}},
			Correlation: []correlation{{AccountAttribute: "employeenumber", IdentityAttribute: "num_empleado"}},
			TimeFormats: map[string]string{"pwdlastset": "YYYY-MM-DD HH:MM:SS UTC; 1601-01-01 00:00:00 = never set / must change",
				"lastlogontimestamp": "YYYY-MM-DD HH:MM:SS UTC; empty = never", "accountexpires": "YYYY-MM-DD HH:MM:SS UTC; 9999-12-31 23:59:59 = never",
				"whencreated": "YYYY-MM-DD HH:MM:SS UTC"},
			Notes: "LDAP dump with lower-case attribute names (a script's export)",
		},
		accounts: t.encode(',', false, false), identities: ids.encode(';', false, false), labels: labels,
	}
}

func leadsFirst(ps []*person) []*person {
	out := make([]*person, 0, len(ps))
	for _, p := range ps {
		if p.head || p.lead {
			out = append(out, p)
		}
	}
	for _, p := range ps {
		if !p.head && !p.lead {
			out = append(out, p)
		}
	}
	return out
}

func (o *ael) paperwork(owner *person) paperwork {
	return paperwork{company: "Aguas del Levante, S.A.", dept: "Sistemas de Información", titles: []string{"Cuenta de servicio", "Usuario técnico"}, surnames: []string{"Servicio", "Sistema", "Técnico", "Aplicación"}, owner: owner.acct}
}
