package main

import (
	"strings"
	"time"
)

// Groupe Vauban's document management (GED) application's own user list: an
// in-house export with generic columns (username, email, type, description,
// owner, status, last_login, created), its type column filled in by whoever
// created the account and so not to be trusted.
func (o *gva) ged() (appSpec, []byte, []byte) {
	r, d := o.r, o.d
	t := &table{header: []string{"username", "email", "type", "description", "owner", "status", "last_login", "created"}}
	var labels [][]string
	ts := func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return t.Format("02/01/2006 15:04")
	}
	add := func(user, email, typ, desc, owner, status string, last, created time.Time, a *adObj) {
		t.add(map[string]string{"username": user, "email": email, "type": typ, "description": desc, "owner": owner, "status": status,
			"last_login": ts(last), "created": ts(created)})
		labels = append(labels, appLabelRow(user, a))
	}
	users := map[string]float64{"Direction Indemnisation": 0.95, "Direction Souscription": 0.8, "Direction Relation Client": 0.7, "DSI": 0.3,
		"Direction Juridique et Conformité": 0.8, "Direction Services Généraux": 0.5, "Direction Commercial": 0.2}
	seen := map[string]bool{}
	for _, a := range d.sorted(func(a *adObj) string { return a.sam }) {
		if a.machine() || !r.chance(users[a.dept]) && a.category != catHumanExt {
			continue
		}
		if a.category == catHumanExt && !r.chance(0.4) {
			continue
		}
		typ := pick(r, []string{"utilisateur", "utilisateur", "utilisateur", "Utilisateur", ""})
		if a.category == catHumanExt {
			typ = pick(r, []string{"prestataire", "utilisateur", ""})
		}
		status := "actif"
		if a.disabled() {
			status = pick(r, []string{"inactif", "actif"}) // the GED is not told about leavers
		}
		desc := ""
		if r.chance(0.3) {
			desc = a.title
		}
		var last time.Time
		if !a.lastLogon.IsZero() && r.chance(0.9) {
			last = a.lastLogon.Add(-time.Duration(r.intn(72)) * time.Hour)
		}
		seen[a.sam] = true
		add(a.sam, a.mail, typ, desc, "", status, last, a.created.AddDate(0, 0, r.intn(20)), a)
	}
	owner := func() string { p := o.owner(); return p.first + " " + strings.ToUpper(p.last) }
	for _, m := range []struct{ user, typ, desc, owner, cat, note string }{
		{"svc_ged_batch", "technique", "Traitements batch d'indexation", "", catService, "batch account"},
		{"SVC-GED-PRD", "technique", "Compte de service GED", "", catService, "service account"},
		{"INT_GWCC", "technique", "Dépôt des pièces sinistres depuis ClaimCenter", "", catIntegration, "interface account"},
		{"INT_GWPC", "", "Archivage des contrats PolicyCenter", "", catIntegration, "interface account with no type"},
		{"INT_EDITIQUE", "utilisateur", "Éditique - archivage des courriers sortants", "", catIntegration, "interface account typed as a user"},
		{"ws_signature", "technique", "Retour des documents signés (Yousign)", "", catIntegration, "web service account"},
		{"scan_nantes", "", "Numérisation courrier entrant Nantes", "Services Généraux", catService, "scanning station account"},
		{"scan_paris", "", "Numérisation courrier entrant Paris", "Services Généraux", catService, "scanning station account"},
		{"scan_lyon", "utilisateur", "", "Services Généraux", catService, "scanning station account typed as a user"},
		{"kofax_lad", "technique", "LAD Kofax", "", catService, "capture software account"},
		{"accueil", "générique", "Poste accueil siège", "Services Généraux", catService, "generic shared login"},
		{"courrier", "générique", "Cellule courrier", "", catService, "generic shared login"},
		{"admin", "administrateur", "Administrateur GED", "", catBuiltin, "the application's built-in administrator"},
		{"system", "système", "", "", catBuiltin, "the application's system user"},
		{"test01", "utilisateur", "test recette", "", catTest, "test account typed as a user"},
		{"test02", "utilisateur", "", "", catTest, "test account typed as a user"},
		{"recette.ged", "test", "Recette GED v12", "", catTest, "acceptance test account"},
		{"form.ged01", "générique", "Formation GED", "", catTest, "training account"},
		{"form.ged02", "générique", "Formation GED", "", catTest, "training account"},
		{"modele_gestionnaire", "modèle", "Profil modèle gestionnaire sinistres", "", catTemplate, "template profile"},
		{"modele_conseiller", "", "Profil modèle", "", catTemplate, "template profile"},
		{"robot_resiliation", "technique", "Robot UiPath - résiliations", "", catBot, "RPA robot"},
		{"r00017", "utilisateur", "", "", catBot, "RPA persona login typed as a user"},
		{"bal_sinistres", "générique", "Boîte sinistres Nantes - classement", "", catMailbox, "shared mailbox's account"},
	} {
		ow := m.owner
		if ow == "" && m.cat != catBuiltin && m.cat != catTest && r.chance(0.7) {
			ow = owner()
		}
		var last time.Time
		if m.cat == catService || m.cat == catIntegration || m.cat == catBot || r.chance(0.4) {
			last = r.nightly(o.now)
		}
		created := r.at(o.now, 300, 3000, true)
		email := ""
		if strings.HasPrefix(m.user, "bal_") {
			email = "sinistres-nantes@" + gvaMail
		}
		add(m.user, email, m.typ, m.desc, ow, "actif", last, created, &adObj{category: m.cat, note: m.note})
	}
	spec := appSpec{Name: "ged", What: "the document management application's user list (in-house CSV: username, email, type, description, owner, status, last_login, created)",
		Accounts:    fileSpec{File: "ged.csv", ConnectorAttributes: format{IndexColumn: "username", NameColumn: "username", Delimiter: ";"}},
		Labels:      "ged-labels.csv",
		Correlation: []correlation{{AccountAttribute: "email", IdentityAttribute: "email"}},
		TimeFormats: map[string]string{"last_login": "dd/MM/yyyy HH:mm, French local time; empty = never", "created": "dd/MM/yyyy HH:mm"},
	}
	return spec, t.encode(';', false, false), labelsCSV(labels)
}
