package main

import (
	"strings"
	"time"
)

// Rheinwerk's Atlassian Cloud organisation, exported from admin.atlassian.com:
// the engineering, IT, quality and service staff, externals, the app and
// system users Atlassian creates for installed apps, integration accounts,
// and the service-desk "customers" that automated senders became.
func (o *rwa) atlassian() (appSpec, []byte, []byte) {
	r, d := o.r, o.d
	t := &table{header: []string{"User id", "User name", "email", "User status", "Added to org", "Org role", "Product access",
		"Last seen in Jira Software - rheinwerk", "Last seen in Confluence - rheinwerk", "Last seen in Jira Service Management - rheinwerk"}}
	var labels [][]string
	day := func(t time.Time) string {
		if t.IsZero() {
			return "Never accessed"
		}
		return t.Format("02 Jan 2006")
	}
	id := func(app bool) string {
		if app {
			return "557058:" + r.guid()
		}
		if r.chance(0.5) {
			return "712020:" + r.guid()
		}
		return r.hex(24)
	}
	add := func(uid, name, email, status string, added time.Time, role string, products []string, jira, conf, jsm time.Time, a *adObj) {
		t.add(map[string]string{"User id": uid, "User name": name, "email": email, "User status": status, "Added to org": day(added),
			"Org role": role, "Product access": strings.Join(products, ";"), "Last seen in Jira Software - rheinwerk": day(jira),
			"Last seen in Confluence - rheinwerk": day(conf), "Last seen in Jira Service Management - rheinwerk": day(jsm)})
		labels = append(labels, appLabelRow(uid, a))
	}
	start := time.Date(2021, 3, 1, 0, 0, 0, 0, time.UTC)
	clamp := func(t time.Time) time.Time {
		if t.Before(start) {
			return start.AddDate(0, 0, d.r.intn(30))
		}
		return t
	}
	engineering := map[string]float64{"IT": 1, "Entwicklung": 0.9, "Qualitätssicherung": 0.7, "Kundendienst": 0.6, "Instandhaltung": 0.3, "Vertrieb": 0.15, "Einkauf": 0.1}
	for _, a := range d.sorted(func(a *adObj) string { return a.sam }) {
		if a.machine() || a.mail == "" {
			continue
		}
		share := engineering[a.dept]
		if a.category == catHumanExt {
			share = 0.5
		}
		if !r.chance(share) {
			continue
		}
		status := "Active"
		if a.disabled() {
			status = pick(r, []string{"Suspended", "Deactivated"})
		}
		products := []string{"Jira Software", "Confluence"}
		var jira, conf, jsm time.Time
		if !a.lastLogon.IsZero() {
			jira = a.lastLogon.AddDate(0, 0, -r.intn(5))
			if r.chance(0.8) {
				conf = a.lastLogon.AddDate(0, 0, -r.intn(20))
			}
		}
		if a.dept == "IT" {
			products = append(products, "Jira Service Management")
			jsm = jira
		}
		role := "Member"
		if a.dept == "IT" && r.chance(0.15) {
			role = "Organization admin"
		}
		add(id(false), strings.TrimSpace(a.given+" "+a.sn), a.mail, status, clamp(a.created), role, products, jira, conf, jsm, a)
	}
	for _, app := range []string{"Automation for Jira", "Jira Service Management Widget", "Atlassian Assist", "Microsoft Teams for Jira Cloud",
		"Jenkins for Jira", "Slack", "Statuspage for Jira", "Opsgenie Integration", "Jira Cloud for Outlook", "GitLab.com for Jira Cloud",
		"Tempo Timesheets", "draw.io", "ScriptRunner for Jira", "Xray Test Management"} {
		add(id(true), app, "", "Active", clamp(r.at(o.now, 60, 1400, true)), "", nil, time.Time{}, time.Time{}, time.Time{},
			&adObj{category: catIntegration, note: "Atlassian app/system user of an installed app"})
	}
	for _, s := range []struct{ email, name, cat, note string }{
		{"svc.jenkins@" + rwaMail, "Jenkins CI", catIntegration, "licensed integration account (CI)"},
		{"tu_jira_sap@" + rwaMail, "SAP Schnittstelle Jira", catIntegration, "licensed integration account (SAP)"},
		{"svc.gitlab@" + rwaMail, "GitLab Sync", catIntegration, "licensed integration account"},
		{"tu_reporting@" + rwaMail, "Reporting Jira", catService, "report export account"},
		{"it-support@" + rwaMail, "IT-Support", catMailbox, "service-desk mailbox account"},
		{"qs-meldungen@" + rwaMail, "QS-Meldungen", catMailbox, "shared mailbox that files issues"},
		{"jira.test@" + rwaMail, "Jira Testbenutzer", catTest, "test account"},
		{"schulung.jira@" + rwaMail, "Schulung Jira", catTest, "training account"},
		{"noreply@sap.com", "noreply@sap.com", catService, "automated sender turned service-desk customer"},
		{"alerts@prtg." + rwaMail, "PRTG Alerts", catService, "monitoring alerts turned service-desk customer"},
		{"no-reply@sophos.com", "no-reply", catService, "automated sender turned service-desk customer"},
		{"backup@stgbackup01." + "rheinwerk.intern", "Veeam Backup", catService, "backup job notifications turned service-desk customer"},
	} {
		var seen time.Time
		if r.chance(0.7) {
			seen = r.at(o.now, 0, 10, false)
		}
		products := []string{"Jira Software"}
		if strings.Contains(s.note, "customer") {
			products = []string{"Jira Service Management"}
		}
		add(id(false), s.name, s.email, "Active", clamp(r.at(o.now, 30, 1400, true)), "Member", products, seen, time.Time{}, time.Time{},
			&adObj{category: s.cat, note: s.note})
	}
	for i := range 25 {
		// External customers of the service desk: suppliers' people.
		first, last := pick(r, deFirst), pick(r, deLast)
		dom := pick(r, []string{"bosch.com", "zf.com", "schaeffler.com", "bechtle.com", "ferchau.com"})
		email := mailPart(first) + "." + mailPart(last) + "@" + dom
		name := first + " " + last
		if i%4 == 0 {
			name = email
		}
		add(id(false), name, email, "Active", clamp(r.at(o.now, 20, 900, true)), "", []string{"Jira Service Management"}, time.Time{}, time.Time{},
			r.at(o.now, 0, 200, true), &adObj{category: catHumanExt, note: "service-desk customer (supplier)"})
	}
	spec := appSpec{Name: "atlassian", What: "Atlassian Cloud users (admin.atlassian.com export)",
		Accounts: fileSpec{File: "atlassian.csv", ConnectorAttributes: format{IndexColumn: "User id", NameColumn: "User name", Delimiter: ",",
			MergeColumns: []string{"Product access"}, MultiValueSeparator: ";"}},
		Labels:      "atlassian-labels.csv",
		Correlation: []correlation{{AccountAttribute: "email", IdentityAttribute: "E-Mail"}},
		TimeFormats: map[string]string{"Added to org": "dd Mon yyyy", "Last seen in ...": "dd Mon yyyy; Never accessed"},
	}
	return spec, t.encode(',', false, false), labelsCSV(labels)
}
