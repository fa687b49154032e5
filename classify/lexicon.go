package classify

// The lexicon: words that say what an account is for, grouped by meaning, in
// the languages directories are commonly kept in (English, German, French,
// Spanish, Portuguese, Italian, Dutch and the Scandinavian languages). It was
// written from public directory-hygiene guidance and general knowledge of how
// administrators name and document accounts, before the evaluation corpus
// existed, and is not fitted to it: discovery's weights are learned, its
// vocabulary is not. Words are ASCII lower case with accents removed
// (foldToken), as tokens are looked up.

// Word classes (bits of lexicon values).
const (
	wcService  uint32 = 1 << iota // service account words: service, svc, dienst, servicio
	wcApp                         // applications and integrations: app, api, interface, connector
	wcJob                         // automated work: batch, job, scheduler, backup, report, deploy
	wcBot                         // bots and robotic process automation: bot, robot, rpa
	wcMailbox                     // mailboxes: mailbox, postfach, boite, buzon
	wcFunction                    // functions with an address of their own: info, support, helpdesk, sales, payroll
	wcResource                    // bookable resources: room, equipment, vehicle
	wcTemplate                    // templates to copy users from: template, vorlage, plantilla
	wcTest                        // test and training: test, demo, sandbox, schulung
	wcSystem                      // non-personal: system, technical, functional, generic
	wcInfra                       // infrastructure and software: sql, server, oracle, printer
	wcEnv                         // environments: prod, dev, uat, qa, stg
	wcAdmin                       // privileged second accounts: admin, adm, priv
	wcNoReply                     // noreply, donotreply
	wcPerson                      // kinds of people: employee, contractor, intern, mitarbeiter
	wcRole                        // job roles: engineer, manager, analyst, representative
	wcOwner                       // ownership: owner, responsible, contact, verantwortlich
	wcPurpose                     // what it does: used, runs, executes, connects, verwendet
	wcAccount                     // the head noun: account, konto, compte, cuenta, user
	wcGuest                       // guest, gast, invite
	wcShared                      // shared, gemeinsam, partage, compartido, team
	wcSync                        // synchronisation: sync, replication
	wcBusiness                    // business processes and documents: invoice, order, delivery, customer, claims
)

// wcPairHead marks a word that begins a multi-word term of the lexicon
// (digital worker, Blue Prism, service account): only after such a word is
// the next one looked up joined to it.
const wcPairHead uint32 = 1 << 31

// pairHeads are the words that begin the lexicon's multi-word terms, which
// the lexicon lists joined (digitalworker, blueprism, serviceaccount).
const pairHeads = `digital digitaler digitale digitalen virtual virtueller virtuelle virtuel virtuelles software
	assistant assistante assistent collaborateur collaboratrice robot asistente trabajador empleado assistente bot
	blue automation ui power logic service services svc no shared team customer kunden technical functional generic
	system test training meeting conference teams hot car run`

// machineClasses are the classes that describe what a machine does or is.
const machineClasses = wcService | wcApp | wcJob | wcBot | wcMailbox | wcFunction | wcResource | wcTemplate | wcTest |
	wcSystem | wcInfra | wcNoReply | wcSync

var lexicon = buildLexicon(map[uint32]string{
	wcPairHead: pairHeads,
	wcService: `runtime runtimes service services svc svcs srv srvc serviceaccount serviceaccounts svcacct
		svcaccount serviceuser serviceid svcuser daemon daemons runas dienst dienste dienstkonto
		dienstkonten servicekonto dienstbenutzer servicebenutzer servicio servicios servico servicos
		servizio servizi dienstaccount tjanst tjanster tjanstekonto tjeneste tjenester tjenestekonto palvelu
		palvelutili usluga uslugi`,
	wcApp: `edi hl7 fhir soap rest rfc bapi idoc webservice webservices ldapbind bind binding app apps
		application applications applikation applikationen anwendung anwendungen aplicacion aplicaciones
		aplicacao aplicacoes applicazione applicazioni toepassing applicatie applicaties api apis
		integration integrations integracion integraciones integracao integrazione integratie integrering
		schnittstelle schnittstellen interface interfaces interfaz interfaces connector connectors konnektor
		conector connecteur connettore middleware etl elt feed feeds webhook webhooks oauth gateway esb
		broker adapter plugin datafeed workflow workflows flow flows import imports export exports extract
		interfacing`,
	wcJob: `archivage archiver sauvegarde depot transfert echange recording recordings recorder capture
		transcoding meldung meldungen notificacion notificaciones alerte alertes script scripts scripting
		skript skripte scriptaccount automate automates automatise automatisiert powerautomate logicapp
		logicapps runbook runbooks orchestrator orchestration batch batches job jobs cron crontab scheduler
		scheduled schedule sched task tasks aufgabe aufgaben tache taches tarea tareas tarefa tarefas
		compito taak taken nightly nachtlauf daily hourly weekly backup backups sicherung datensicherung
		sauvegarde sauvegardes respaldo respaldos monitor monitoring uberwachung surveillance supervision
		monitoreo monitoramento scan scans scanning report reports reporting bericht berichte rapport
		rapports informe informes relatorio deploy deployment deployer build builds ci cicd pipeline
		pipelines release releases runner runners worker workers agent agents automation automations
		automated automatisch automatisiert automatique automatico automatica automatizado automatizada
		automatizzato geautomatiseerd automatiserad indexer crawler harvester poller collector archiver
		archive archiving archivierung alert alerts alerting notify notifier notification notifications
		benachrichtigung benachrichtigungen mailer relay transfer upload download migration migrations
		migrate provisioning provision reconcile reconciliation replication replikation export exporter
		importer loader ingest ingestion processing verarbeitung traitement procesamiento`,
	wcBot: `digitalworker digitalworkers digitalcolleague digitalcolleagues digitalassistant digitalemployee
		digitalagent virtualassistant virtualagent virtualemployee softwarerobot softwarebot
		digitalerassistent digitaleassistentin digitalerkollege digitalekollegin digitalermitarbeiter
		digitalemitarbeiterin virtuellerassistent virtuelleassistentin assistantvirtuel assistantevirtuelle
		collaborateurvirtuel collaboratricevirtuelle collaborateurnumerique robotlogiciel asistentevirtual
		trabajadordigital empleadodigital assistentevirtuale digitalemedewerker botrunner bot bots robot
		robots roboter robo robotic robotics rpa uipath blueprism automationanywhere digitalworker
		virtualworker softbot chatbot chatbots botuser`,
	wcMailbox: `partage mailbox mailboxes postfach postfacher funktionspostfach sammelpostfach gruppenpostfach
		teampostfach bal boite boites buzon buzones caixa casella postbus brevlada postkasse inbox inboxes`,
	wcFunction: `info infos contact contacts kontakt contacto contato contatto support helpdesk servicedesk hotline
		reception empfang accueil recepcion recepcao sales vertrieb ventes ventas vendas billing invoice
		invoices invoicing rechnung rechnungen facturation factures facturas factura faturas payroll lohn
		paie nomina careers jobsite recruiting recrutement press presse prensa marketing newsletter
		postmaster hostmaster webmaster abuse enquiries inquiries feedback orders bestellung bestellungen
		commandes pedidos kundenservice kundendienst serviceclient atencion sekretariat secretariat
		secretaria`,
	wcResource: `camera cameras kamera webcam conf confroom room rooms raum raume besprechungsraum besprechungszimmer
		konferenzraum sitzungszimmer meetingraum salle salles sala salas zaal vergaderzaal vergaderruimte
		rum motesrum konferensrum moterom meeting meetingroom conference conferenceroom konferenz boardroom
		huddle equipment ausstattung geraet geraete materiel equipo equipos equipamento attrezzatura
		apparatuur projector projektor beamer vehicle vehicles fahrzeug fahrzeuge dienstwagen poolcar
		vehicule vehicules vehiculo vehiculos veiculo pool carpool desk hotdesk parking parkplatz mtr
		teamsroom`,
	wcTemplate: `templ modelo template templates tmpl tpl vorlage vorlagen musterbenutzer muster modele modeles
		gabarit plantilla plantillas modelo modelos modello modelli sjabloon sjablonen skabelon malbruker
		wzor copyuser`,
	wcTest: `trn abnahme abnahmetest recette acceptance akzeptanz homologation homologacion aceptacion testes
		testpersona persona test tests tst testing testuser testkonto testaccount testbenutzer qa uat demo
		demos sandbox sbx dummy dummies fake sample samples example beispiel exemple ejemplo exemplo esempio
		voorbeeld prueba pruebas teste testes essai essais prova prove training trainings schulung
		schulungen formation formations formacion capacitacion treinamento formazione opleiding utbildning
		poc pilot trial practice ubung uebung exercice ejercicio exercicio esercizio oefening`,
	wcSystem: `system systems sys technical technisch technische technischer technisches technique techniques
		tecnica funktional funktionale funktionaler funktionales functional fonctionnel fonctionnelle
		funcional funzionale functioneel funktionell generic generisch generische generischer generique
		generico generica nonpersonal nonhuman impersonal unpersonlich nichtpersonlich unpersoenlich machine
		maschine maschinen maquina machina utility anonymous anon public`,
	wcInfra: `mail email smtprelay mailrelay exchange imap pop3 mx server servers sql mssql mysql mariadb postgres
		postgresql pgsql oracle ora db dbs database databases datenbank datenbanken sap hana web www iis
		apache tomcat nginx jboss weblogic websphere sharepoint citrix vmware vcenter esx esxi hyperv veeam
		commvault netbackup ldap dns dhcp smtp ftp sftp ftps nas san storage cloud azure aws gcp jenkins
		gitlab bamboo teamcity ansible puppet chef terraform jira confluence splunk nagios zabbix prometheus
		grafana scom sccm mecm wsus intune crm erp pki vpn proxy firewall cluster host hosts node nodes adfs
		sso kerberos printer printers drucker imprimante impresora impressora stampante printer scanner
		scanners copier kopierer mfp fax kiosk kiosks display displays signage dynamics navision salesforce
		servicenow workday okta tableau powerbi qlik kafka rabbitmq redis elastic elasticsearch mongodb
		cassandra hadoop spark snowflake databricks informatica talend boomi mulesoft biztalk`,
	wcEnv: `prod prd production produktion produktiv dev devel development entwicklung tst uat qa qas stg stage
		staging preprod pprod preprd int sbx dr hml homolog recette rec acc acpt live nonprod np`,
	wcAdmin: `admin admins adm administrator administrators administrateur administrador administradora
		amministratore beheerder priv privileged privilegiert privilegie elevated root su`,
	wcNoReply: `noreply donotreply nereply norespond`,
	wcPerson: `prestataire prestataires interimaire interimaires sous-traitant soustraitant leiharbeiter
		zeitarbeiter leiharbeitnehmer freelance autonomo autonoma employee employees mitarbeiter
		mitarbeiterin mitarbeitende angestellte angestellter employe employes employee salarie salariee
		empleado empleada empleados funcionario funcionaria colaborador colaboradora dipendente medewerker
		medewerkster anstalld ansatt staff personnel personal persoon person contractor contractors extern
		externer externe externo externa external freelancer freiberufler consultant consultants berater
		beraterin consultor consultora consulente intern interns praktikant praktikantin stagiaire becario
		becaria estagiario estagiaria tirocinante stagiair werkstudent student students trainee trainees
		azubi auszubildender auszubildende apprenti apprentie apprentice aprendiz human humano humaine
		mensch`,
	wcRole: `testeur testeuse testerin operateur operatrice operator operatorin bediener bedienerin zeichner
		zeichnerin disponent disponentin koordinatorin expert experte experts experto experta esperto
		deskundige administrator administrators administrateur administrateurs administrador administradora
		amministratore beheerder sysadmin responsable chef cheffe leiterin gestionnaire conseiller
		conseillere charge chargee engineer engineers ingenieur ingenieurin ingeniero ingeniera engenheiro
		engenheira ingegnere manager managerin gerente gestionnaire analyst analystin analista analyste
		developer developers entwickler entwicklerin developpeur developpeuse desarrollador desarrolladora
		sviluppatore ontwikkelaar specialist spezialist spezialistin especialista specialiste representative
		rep coordinator koordinator koordinatorin coordinador coordinadora coordinateur coordinatrice
		assistant assistent assistentin asistente assistente director direktor direktorin directeur
		directrice directora head leiter leiterin lead officer clerk sachbearbeiter sachbearbeiterin
		accountant buchhalter buchhalterin comptable contador contadora contable nurse doctor teacher lehrer
		lehrerin professor architect architekt architektin arquitecto designer advisor adviser associate
		executive vp president chief ceo cfo cto cio coo secretary sekretar sekretarin receptionist
		technician techniker technikerin technicien technicienne supervisor scientist researcher forscher
		chercheur investigador planner planer buyer einkaufer acheteur comprador recruiter agent tester
		administratorin referent referentin sales`,
	wcOwner: `owner owners owned ownership responsible responsibility contact steward custodian maintained
		maintainer maintainers verantwortlich verantwortlicher verantwortliche ansprechpartner
		ansprechpartnerin eigentumer eigentuemer besitzer zustandig zustaendig betreuer betreut proprietaire
		responsable responsables propietario propietaria dueno encargado encargada proprietario eigenaar
		beheerd contactpersoon agare ansvarig kontaktperson managedby`,
	wcPurpose: `used uses use usage runs run running executes execute execution connects connect connection accesses
		reads writes sends polls syncs synchronizes imports exports calls verwendet genutzt benutzt nutzung
		betrieb utilise utilisee utilises utilisation usado usada utilizado utilizada uso usato utilizzato
		gebruikt anvands brukes`,
	wcAccount: `account accounts acct konto konten compte comptes cuenta cuentas conta contas utenza user users
		benutzer benutzerkonto nutzer utilisateur usuario usuaria utilizador utente gebruiker anvandare
		bruker login kennung identity identitat`,
	wcGuest: `guest guests gast gaste invite invitee invitado invitada convidado convidada ospite gastgebruiker`,
	wcShared: `partagees partages partagés shared share gemeinsam gemeinsame gemeinsames geteilt geteilte sammel
		gruppe group team teams partage partagee commun commune compartido compartida compartilhado
		compartilhada condiviso condivisa gedeeld gedeelde delad delt common`,
	wcBusiness: `invoice invoices order orders ordering delivery deliveries shipment shipments shipping receiving
		customer customers client clients payment payments booking bookings claim claims ticket tickets
		receipt receipts purchase purchasing procurement supplier suppliers vendor vendors accounting
		payable receivable quote quotes contract contracts returns complaints rechnung rechnungen bestellung
		bestellungen lieferung lieferungen lieferschein lieferscheine wareneingang warenausgang kunde kunden
		kundendienst zahlung zahlungen buchung buchungen einkauf verkauf versand auftrag auftrage
		auftragseingang beleg belege mahnung mahnwesen reklamation reklamationen angebot angebote vertrag
		vertrage lieferant lieferanten buchhaltung facture factures commande commandes livraison livraisons
		paiement paiements reglement sinistre sinistres resiliation resiliations devis contrat contrats
		fournisseur fournisseurs comptabilite courrier reclamation reclamations souscription adhesion
		adhesions pedido pedidos entrega entregas pago pagos cliente clientes proveedor proveedores
		contabilidad reclamo factura facturas fattura fatture ordine ordini consegna pagamento fornitore
		fornitori factuur facturen bestelling levering betaling klant klanten leverancier faktura`,
	wcSync: `sync syncs synch synchronization synchronisation synchronisierung sincronizacion sincronizacao
		sincronizzazione dirsync adsync aadsync`,
})

// compoundHeads are stems that begin compound words (German Dienstkonto,
// Testbenutzer, Systemkonto); compoundTails end them (Funktionspostfach,
// Besprechungsraum). A token of the lexicon matches whole; a longer token that
// starts with a head or ends with a tail, with at least three more letters,
// takes that stem's classes.
var (
	compoundHeads = [...]struct {
		stem    string
		classes uint32
	}{
		{"dienst", wcService}, {"service", wcService}, {"system", wcSystem}, {"funktion", wcSystem},
		{"technisch", wcSystem}, {"test", wcTest}, {"schulung", wcTest}, {"training", wcTest},
		{"vorlage", wcTemplate}, {"template", wcTemplate}, {"sammel", wcShared}, {"gruppen", wcShared},
		{"batch", wcJob}, {"backup", wcJob}, {"robot", wcBot}, {"roboter", wcBot}, {"noreply", wcNoReply},
		{"postfach", wcMailbox}, {"konferenz", wcResource}, {"besprechung", wcResource}, {"drucker", wcInfra},
		{"scanner", wcInfra}, {"server", wcInfra}, {"monitor", wcJob}, {"schnittstelle", wcApp},
		{"integration", wcApp}, {"interface", wcApp},
	}
	compoundTails = [...]struct {
		stem    string
		classes uint32
	}{
		{"postfach", wcMailbox}, {"mailbox", wcMailbox}, {"raum", wcResource}, {"zimmer", wcResource},
		{"saal", wcResource}, {"room", wcResource}, {"dienst", wcService}, {"service", wcService},
		{"konto", wcAccount}, {"benutzer", wcAccount}, {"account", wcAccount}, {"svc", wcService},
		{"vorlage", wcTemplate}, {"template", wcTemplate}, {"schnittstelle", wcApp}, {"server", wcInfra},
		{"postfacher", wcMailbox}, {"konten", wcAccount}, {"tmpl", wcTemplate}, {"trn", wcTest}, {"test", wcTest},
		{"vorlagen", wcTemplate}, {"koordinator", wcRole}, {"koordinatorin", wcRole}, {"techniker", wcRole},
		{"leiter", wcRole}, {"leiterin", wcRole}, {"berater", wcRole}, {"manager", wcRole}, {"ingenieur", wcRole},
	}
)

// buildLexicon turns space-separated word lists into the lookup table.
func buildLexicon(lists map[uint32]string) map[string]uint32 {
	m := make(map[string]uint32, 1500)
	for class, words := range lists {
		start := -1
		for i := 0; i <= len(words); i++ {
			if i < len(words) && words[i] > ' ' {
				if start < 0 {
					start = i
				}
				continue
			}
			if start >= 0 {
				m[words[start:i]] |= class
				start = -1
			}
		}
	}
	return m
}

// wordClasses returns the classes of one folded token: its own, or, for a
// long compound not in the lexicon, those of the stem it starts or ends with.
func wordClasses(tok []byte) uint32 {
	if c, ok := lexicon[string(tok)]; ok {
		return c &^ wcPairHead
	}
	return compoundClasses(tok)
}

// compoundClasses returns the classes of the stems a token of seven bytes or
// more, not in the lexicon, starts and ends with (Dienstkonto, Funktionspostfach).
func compoundClasses(tok []byte) uint32 {
	if len(tok) < 7 {
		return 0
	}
	var c uint32
	for _, i := range headsByFirst[tok[0]] {
		h := &compoundHeads[i]
		if len(tok) >= len(h.stem)+3 && string(tok[:len(h.stem)]) == h.stem {
			c |= h.classes
			break
		}
	}
	for _, i := range tailsByLast[tok[len(tok)-1]] {
		t := &compoundTails[i]
		if len(tok) >= len(t.stem)+3 && string(tok[len(tok)-len(t.stem):]) == t.stem {
			c |= t.classes
			break
		}
	}
	return c
}

// headsByFirst and tailsByLast index the compound stems by their first and
// last byte, so that a token is compared with only the stems that can match.
var headsByFirst, tailsByLast = func() (h, t [256][]uint8) {
	for i, x := range compoundHeads {
		h[x.stem[0]] = append(h[x.stem[0]], uint8(i))
	}
	for i, x := range compoundTails {
		t[x.stem[len(x.stem)-1]] = append(t[x.stem[len(x.stem)-1]], uint8(i))
	}
	return h, t
}()

// foldToken writes token s lower-cased into buf, with the accents of Latin-1
// letters removed (é to e, ß to ss, ø to o), and returns the folded bytes, or
// nil when the token does not fit. Other non-ASCII bytes are kept.
func foldToken(buf []byte, s string) []byte {
	n := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'A' <= c && c <= 'Z':
			c += 'a' - 'A'
		case c == 0xC3 && i+1 < len(s):
			i++
			f := latin1Fold[s[i]&0x3F]
			if f == 0 {
				if n+2 > len(buf) {
					return nil
				}
				buf[n], buf[n+1] = 0xC3, s[i]
				n += 2
				continue
			}
			if f == 's' && s[i] == 0x9F { // ß
				if n+2 > len(buf) {
					return nil
				}
				buf[n], buf[n+1] = 's', 's'
				n += 2
				continue
			}
			c = f
		}
		if n >= len(buf) {
			return nil
		}
		buf[n] = c
		n++
	}
	return buf[:n]
}

// latin1Fold maps the second byte (low six bits) of a UTF-8 sequence C3 xx,
// the Latin-1 letters U+00C0 to U+00FF, to the ASCII letter without accent.
var latin1Fold = [64]byte{
	'a', 'a', 'a', 'a', 'a', 'a', 'a', 'c', 'e', 'e', 'e', 'e', 'i', 'i', 'i', 'i', // C0-CF
	'd', 'n', 'o', 'o', 'o', 'o', 'o', 0, 'o', 'u', 'u', 'u', 'u', 'y', 0, 's', // D0-DF (× and Þ kept, ß)
	'a', 'a', 'a', 'a', 'a', 'a', 'a', 'c', 'e', 'e', 'e', 'e', 'i', 'i', 'i', 'i', // E0-EF
	'd', 'n', 'o', 'o', 'o', 'o', 'o', 0, 'o', 'u', 'u', 'u', 'u', 'y', 0, 'y', // F0-FF (÷ and þ kept)
}
