package main

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Northwind Health's Entra ID tenant, exported from Microsoft Graph: the users
// Entra Connect synchronises from the NWH OU (not CN=Users, not managed
// service accounts, not MSOL_/Sync_), and the cloud-only ones: guests, Teams
// Rooms resource accounts, emergency access accounts, cloud service accounts
// and the synchronisation service account.
func (o *nwh) entra() (appSpec, []byte, []byte) {
	r, d := o.r, o.d
	t := &table{header: []string{"id", "userPrincipalName", "displayName", "givenName", "surname", "mail", "jobTitle", "department",
		"companyName", "employeeId", "employeeType", "accountEnabled", "userType", "onPremisesSyncEnabled", "onPremisesSamAccountName",
		"createdDateTime", "lastSignInDateTime", "lastPasswordChangeDateTime", "passwordPolicies", "assignedLicenses"}}
	var labels [][]string
	syncStart := time.Date(2019, 5, 14, 9, 12, 0, 0, time.UTC)
	tenant := "northwindhealth.onmicrosoft.com"
	iso := func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return t.UTC().Format("2006-01-02T15:04:05Z")
	}
	tf := func(b bool) string { return strings.ToUpper(strconv.FormatBool(b)) }
	for _, a := range d.sorted(func(a *adObj) string { return a.guid }) {
		if len(a.objectClass) != 4 || !strings.Contains(a.ou, "OU=NWH,") || strings.HasPrefix(a.sam, "MSOL_") || strings.HasPrefix(a.sam, "Sync_") {
			continue
		}
		upn := a.upn
		if upn == "" || strings.HasSuffix(upn, "@nwh.local") {
			upn = a.sam + "@" + tenant // a non-routable suffix becomes the tenant's
		}
		created := a.created
		if created.Before(syncStart) {
			created = syncStart.Add(time.Duration(r.intn(3*3600)) * time.Second)
		}
		row := map[string]string{"id": r.guid(), "userPrincipalName": upn, "displayName": a.displayName, "givenName": a.given,
			"surname": a.sn, "mail": a.mail, "jobTitle": a.title, "department": a.dept, "companyName": a.company, "employeeId": a.employeeID,
			"employeeType": a.employeeType, "accountEnabled": tf(!a.disabled()), "userType": "Member", "onPremisesSyncEnabled": "TRUE",
			"onPremisesSamAccountName": a.sam, "createdDateTime": iso(created), "passwordPolicies": "DisablePasswordExpiration"}
		if !a.mustChange && !a.pwdLastSet.IsZero() {
			row["lastPasswordChangeDateTime"] = iso(a.pwdLastSet)
		}
		if row["displayName"] == "" {
			row["displayName"] = a.sam // Entra requires one; sync fills it from the name
		}
		// Licences and cloud sign-ins follow what the account is.
		var lic []string
		var signIn time.Time
		switch {
		case !a.machine() && a.mail != "":
			lic = []string{"SPE_E3"}
			if a.employeeType == "Per Diem" || r.chance(0.1) {
				lic = []string{"SPE_F1"}
			}
			if !a.lastLogon.IsZero() && r.chance(0.95) {
				signIn = a.lastLogon.Add(time.Duration(r.between(-48, 48)) * time.Hour)
			}
		case !a.machine():
			if !a.lastLogon.IsZero() && r.chance(0.4) {
				signIn = a.lastLogon.Add(time.Duration(r.between(-72, 24)) * time.Hour)
			}
		case a.category == catBot:
			lic = []string{"SPE_E3"}
			signIn = r.at(o.now, 0, 1, false)
		case a.category == catMailbox:
			if a.recipType == 16 && r.chance(0.3) {
				lic = []string{"Microsoft_Teams_Rooms_Basic"}
				signIn = r.at(o.now, 0, 2, false) // the room's Teams device signs in
			}
		case a.category == catService || a.category == catIntegration:
			if a.mail != "" {
				lic = []string{"EXCHANGESTANDARD"}
			}
			if r.chance(0.2) {
				signIn = r.nightly(o.now)
			}
		case a.category == catTest:
			if r.chance(0.5) {
				lic = []string{"SPE_E3"}
				if !a.lastLogon.IsZero() {
					signIn = a.lastLogon
				}
			}
		}
		if signIn.After(o.now) {
			signIn = o.now.Add(-time.Hour)
		}
		row["assignedLicenses"] = strings.Join(lic, ";")
		row["lastSignInDateTime"] = iso(signIn)
		t.add(row)
		labels = append(labels, appLabelRow(row["id"], a))
	}
	cloud := func(upn, display, given, sn, mail, title string, enabled bool, userType string, created, signIn, pwd time.Time, policies string, lic []string, cat, note string) {
		row := map[string]string{"id": r.guid(), "userPrincipalName": upn, "displayName": display, "givenName": given, "surname": sn, "mail": mail,
			"jobTitle": title, "accountEnabled": tf(enabled), "userType": userType, "createdDateTime": iso(created),
			"lastSignInDateTime": iso(signIn), "lastPasswordChangeDateTime": iso(pwd), "passwordPolicies": policies,
			"assignedLicenses": strings.Join(lic, ";")}
		t.add(row)
		labels = append(labels, labelRow(row["id"], &adObj{category: cat, note: note}))
	}
	syncID := r.hex(12)
	c := syncStart.Add(-time.Hour)
	cloud("Sync_NWHAADC01_"+syncID+"@"+tenant, "On-Premises Directory Synchronization Service Account", "", "", "", "", true, "Member",
		c, r.at(o.now, 0, 1, false), c, "DisablePasswordExpiration", nil, catDirSync, "Entra Connect cloud sync account")
	for i := 1; i <= 2; i++ {
		c := r.at(o.now, 600, 1500, true)
		cloud(fmt.Sprintf("bg-cloud%02d@%s", i, tenant), fmt.Sprintf("Emergency Access %02d", i), "", "", "", "", true, "Member",
			c, time.Time{}, c, "DisablePasswordExpiration", nil, catBuiltin, "cloud emergency access (break-glass) account")
	}
	for _, s := range []struct{ user, display, note string }{
		{"svc-powerautomate", "Power Automate Service", "cloud service account owning Power Automate flows"},
		{"svc-intune-dem", "Intune Device Enrollment", "device enrollment manager account"},
		{"pbi-gateway", "Power BI Gateway", "on-premises data gateway account"},
		{"scanner-smtp", "Scanner SMTP Relay", "SMTP relay account for copiers"},
		{"noreply", "Northwind Health (No Reply)", "notification sender account"},
		{"svc-teams-recording", "", "compliance recording bot account"},
		{"epic-mychart-notify", "MyChart Notifications", "patient notification sender"},
	} {
		c := r.at(o.now, 100, 1800, true)
		var signIn time.Time
		if r.chance(0.8) {
			signIn = r.nightly(o.now)
		}
		lic := []string{"EXCHANGESTANDARD"}
		if r.chance(0.4) {
			lic = []string{"SPE_E3"}
		}
		cloud(s.user+"@"+nwhMail, s.display, "", "", s.user+"@"+nwhMail, "", true, "Member", c, signIn, c, pick(r, []string{"DisablePasswordExpiration", "None"}), lic, catService, s.note)
	}
	for _, m := range []string{"Boardroom", "Huddle 3W", "Huddle 4E", "Simulation Lab", "Westlake Conference", "Riverside Conference"} {
		upn := "mtr-" + strings.ToLower(strings.ReplaceAll(m, " ", "")) + "@" + nwhMail
		c := r.at(o.now, 60, 900, true)
		cloud(upn, "MTR "+m, "", "", upn, "", true, "Member", c, r.at(o.now, 0, 1, false), c, "DisablePasswordExpiration",
			[]string{"Microsoft_Teams_Rooms_Pro"}, catMailbox, "Teams Rooms resource account: its device signs in")
	}
	partners := []string{"epic.com", "geheathcare.com", "vizient.com", "deloitte.com", "optum.com", "uhhospitals.org", "aya.com"}
	for i := range 70 {
		first, last := pick(r, usFirst), pick(r, usLast)
		dom := pick(r, partners)
		mail := strings.ToLower(mailPart(first) + "." + mailPart(last) + "@" + dom)
		upn := strings.ReplaceAll(mail, "@", "_") + "#EXT#@" + tenant
		display := first + " " + last
		if i%3 == 0 {
			display = last + ", " + first + " (" + strings.Split(dom, ".")[0] + ")"
		}
		c := r.at(o.now, 10, 1500, true)
		var signIn time.Time
		if r.chance(0.7) {
			signIn = r.at(o.now, 0, 300, true)
		}
		cloud(upn, display, "", "", mail, "", true, "Guest", c, signIn, time.Time{}, "", nil, catHumanExt, "guest user (B2B)")
	}
	for _, g := range []string{"support@vendorportal.com", "ap@vizient.com", "noreply@epic.com"} {
		upn := strings.ReplaceAll(g, "@", "_") + "#EXT#@" + tenant
		c := r.at(o.now, 100, 1000, true)
		cloud(upn, g, "", "", g, "", true, "Guest", c, time.Time{}, time.Time{}, "", nil, catMailbox, "guest that is a partner's shared mailbox")
	}
	for range 12 {
		first, last := pick(r, usFirst), pick(r, usLast)
		upn := "dr." + mailPart(first) + "." + mailPart(last) + "@" + nwhMail
		c := r.at(o.now, 30, 900, true)
		cloud(upn, last+", "+first+", MD", first, last, upn, "Affiliate Physician", true, "Member", c, r.at(o.now, 0, 20, true),
			r.at(o.now, 0, 300, true), "None", []string{"SPE_F1"}, catHumanExt, "affiliated physician, cloud-only, not in HR")
	}
	spec := appSpec{Name: "entra", What: "Microsoft Entra ID users (Graph export) of the hybrid tenant",
		Accounts: fileSpec{File: "entra.csv", ConnectorAttributes: format{IndexColumn: "id", NameColumn: "userPrincipalName", Delimiter: ",",
			MergeColumns: []string{"assignedLicenses"}, MultiValueSeparator: ";"}},
		Labels:      "entra-labels.csv",
		Correlation: []correlation{{AccountAttribute: "employeeId", IdentityAttribute: "employee_id"}},
		TimeFormats: map[string]string{"createdDateTime": "ISO 8601 UTC", "lastSignInDateTime": "ISO 8601 UTC (signInActivity); empty = none recorded",
			"lastPasswordChangeDateTime": "ISO 8601 UTC"},
	}
	return spec, t.encode(',', false, false), labelsCSV(labels)
}
