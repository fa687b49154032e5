package classify_test

import (
	"encoding/json"
	"math"
	"slices"
	"testing"

	"github.com/micahq/mica"
	"github.com/micahq/mica/classify"
)

// Realistic accounts, as an Active Directory, Entra ID or SaaS connector
// aggregates them.
var discoveryCases = []struct {
	name           string
	accountName    string
	nativeIdentity string
	attrs          string
	machine        bool
	signals        []string // must all be present
	absent         []string // must not be present
}{
	{
		name:           "service account under OU=Service Accounts",
		accountName:    "svc_backup",
		nativeIdentity: "CN=svc_backup,OU=Service Accounts,OU=IT,DC=corp,DC=example,DC=com",
		attrs: `{"sAMAccountName":"svc_backup","objectClass":["top","person","organizationalPerson","user"],
			"distinguishedName":"CN=svc_backup,OU=Service Accounts,OU=IT,DC=corp,DC=example,DC=com",
			"userAccountControl":66048,"description":"Service account for Veeam backup jobs",
			"lastLogonTimestamp":"133480123456789012"}`,
		machine: true,
		signals: []string{classify.SignalServiceContainer, classify.SignalNameService,
			classify.SignalPasswordNeverExpires, classify.SignalDescriptionMachine},
		absent: []string{classify.SignalNeverLoggedOn, classify.SignalComputerAccount},
	},
	{
		name:           "group managed service account",
		accountName:    "gmsa-sql01$",
		nativeIdentity: "CN=gmsa-sql01,CN=Managed Service Accounts,DC=corp,DC=example,DC=com",
		attrs: `{"sAMAccountName":"gmsa-sql01$","objectClass":["top","person","organizationalPerson","user","computer","msDS-GroupManagedServiceAccount"],
			"userAccountControl":4096,"servicePrincipalName":["MSSQLSvc/sql01.corp.example.com:1433"]}`,
		machine: true,
		signals: []string{classify.SignalManagedServiceAccount, classify.SignalServiceContainer},
		absent:  []string{classify.SignalComputerAccount, classify.SignalServicePrincipalName},
	},
	{
		name:        "standalone MSA by objectCategory",
		accountName: "msa-web$",
		attrs:       `{"sAMAccountName":"msa-web$","objectCategory":"CN=ms-DS-Managed-Service-Account,CN=Schema,CN=Configuration,DC=corp,DC=example,DC=com"}`,
		machine:     true,
		signals:     []string{classify.SignalManagedServiceAccount},
	},
	{
		name:           "workstation computer account",
		accountName:    "WS-0142$",
		nativeIdentity: "CN=WS-0142,OU=Workstations,DC=corp,DC=example,DC=com",
		attrs: `{"sAMAccountName":"WS-0142$","objectClass":["top","person","organizationalPerson","user","computer"],
			"userAccountControl":4096,"operatingSystem":"Windows 11 Enterprise","lastLogonTimestamp":133480123456789012}`,
		machine: true,
		signals: []string{classify.SignalComputerAccount},
	},
	{
		name:        "computer by trailing $ only",
		accountName: "WS-0142$",
		attrs:       `{"sAMAccountName":"WS-0142$"}`,
		machine:     true,
		signals:     []string{classify.SignalComputerAccount},
	},
	{
		name:        "computer by userAccountControl (as a string)",
		accountName: "SRV-DB01",
		attrs:       `{"userAccountControl":"8192"}`,
		machine:     true,
		signals:     []string{classify.SignalComputerAccount},
	},
	{
		name:           "krbtgt",
		accountName:    "krbtgt",
		nativeIdentity: "CN=krbtgt,CN=Users,DC=corp,DC=example,DC=com",
		attrs:          `{"sAMAccountName":"krbtgt","userAccountControl":514,"description":"Key Distribution Center Service Account"}`,
		machine:        true,
		signals:        []string{classify.SignalBuiltInAccount, classify.SignalDescriptionMachine},
		absent:         []string{classify.SignalNameService},
	},
	{
		name:        "Administrator",
		accountName: "Administrator",
		attrs:       `{"sAMAccountName":"Administrator","userAccountControl":66048,"description":"Built-in account for administering the computer/domain"}`,
		machine:     true,
		signals:     []string{classify.SignalBuiltInAccount, classify.SignalPasswordNeverExpires},
	},
	{
		name:        "Entra Connect MSOL account",
		accountName: "MSOL_ab12cd34ef56",
		attrs: `{"sAMAccountName":"MSOL_ab12cd34ef56","userAccountControl":66048,
			"description":"Account created by Microsoft Azure Active Directory Connect with installation identifier ab12cd34ef56 running on computer SYNC01"}`,
		machine: true,
		signals: []string{classify.SignalSyncAccount},
	},
	{
		name:        "Entra Connect Sync_ account in Entra ID",
		accountName: "Sync_SYNC01_ab12cd34ef56@contoso.onmicrosoft.com",
		attrs:       `{"userPrincipalName":"Sync_SYNC01_ab12cd34ef56@contoso.onmicrosoft.com","displayName":"On-Premises Directory Synchronization Service Account"}`,
		machine:     true,
		signals:     []string{classify.SignalSyncAccount},
	},
	{
		name:        "Exchange health mailbox",
		accountName: "HealthMailbox0a1b2c3",
		attrs:       `{"sAMAccountName":"HealthMailbox0a1b2c3","mail":"HealthMailbox0a1b2c3@corp.example.com"}`,
		machine:     true,
		signals:     []string{classify.SignalBuiltInAccount},
	},
	{
		name:           "SQL service with an SPN",
		accountName:    "sqlsvc",
		nativeIdentity: "CN=SQL Service,OU=Servers,DC=corp,DC=example,DC=com",
		attrs: `{"sAMAccountName":"sqlsvc","objectClass":["top","person","organizationalPerson","user"],
			"servicePrincipalName":["MSSQLSvc/sql01.corp.example.com:1433","MSSQLSvc/sql01.corp.example.com"],
			"userAccountControl":66048,"lastLogonTimestamp":133480123456789012}`,
		machine: true,
		signals: []string{classify.SignalServicePrincipalName, classify.SignalNameService, classify.SignalPasswordNeverExpires},
	},
	{
		name:        "SPN alone on a plain user object",
		accountName: "x01",
		attrs:       `{"sAMAccountName":"x01","servicePrincipalName":"HTTP/app01.corp.example.com","lastLogonTimestamp":1}`,
		machine:     true,
		signals:     []string{classify.SignalServicePrincipalName},
	},
	{
		name:           "ordinary employee",
		accountName:    "jdolan",
		nativeIdentity: "CN=Jane Dolan,OU=Users,OU=Sales,DC=corp,DC=example,DC=com",
		attrs: `{"sAMAccountName":"jdolan","givenName":"Jane","sn":"Dolan","mail":"jane.dolan@example.com",
			"manager":"CN=John Smith,OU=Users,OU=Sales,DC=corp,DC=example,DC=com","employeeID":"004211",
			"title":"Account Executive","objectClass":["top","person","organizationalPerson","user"],
			"userAccountControl":512,"lastLogonTimestamp":133480123456789012}`,
		machine: false,
		signals: []string{classify.SignalPersonName, classify.SignalManager, classify.SignalEmployeeID, classify.SignalMail, classify.SignalJobTitle},
		absent:  []string{classify.SignalNameService, classify.SignalDescriptionMachine},
	},
	{
		name:        "employee named Servicemaster",
		accountName: "jservicemaster",
		attrs: `{"sAMAccountName":"jservicemaster","givenName":"Jo","sn":"Servicemaster","displayName":"Jo Servicemaster",
			"mail":"jo.servicemaster@example.com","manager":"CN=Boss,DC=corp","employeeID":"7781",
			"description":"Customer Service Representative","userAccountControl":512,"lastLogonTimestamp":133480123456789012}`,
		machine: false,
		signals: []string{classify.SignalDescriptionMixed},
		absent:  []string{classify.SignalNameService},
	},
	{
		name:        "employee whose password never expires and who has an SPN",
		accountName: "rservice",
		attrs: `{"sAMAccountName":"rservice","givenName":"Robert","sn":"Service","mail":"robert.service@example.com",
			"manager":"CN=Boss,DC=corp","employeeID":"1907","userAccountControl":66048,
			"servicePrincipalName":["HTTP/dev-rservice.corp.example.com"],"lastLogonTimestamp":133480123456789012}`,
		machine: false,
		signals: []string{classify.SignalServicePrincipalName, classify.SignalPasswordNeverExpires},
		absent:  []string{classify.SignalNameService},
	},
	{
		name:        "admin account of a person",
		accountName: "adm-jdolan",
		attrs:       `{"sAMAccountName":"adm-jdolan","givenName":"Jane","sn":"Dolan","userAccountControl":512,"lastLogonTimestamp":133480123456789012}`,
		machine:     false,
		signals:     []string{classify.SignalNameAdmin},
	},
	{
		name:        "Entra ID employee",
		accountName: "jane.doe@contoso.com",
		attrs: `{"userPrincipalName":"jane.doe@contoso.com","givenName":"Jane","surname":"Dolan","mail":"jane.doe@contoso.com",
			"jobTitle":"Engineer","employeeId":"42","accountEnabled":true}`,
		machine: false,
	},
	{
		name:        "Entra ID noreply mailbox account",
		accountName: "no-reply@contoso.com",
		attrs:       `{"userPrincipalName":"no-reply@contoso.com","displayName":"Contoso No Reply","accountEnabled":true}`,
		machine:     true,
		signals:     []string{classify.SignalNoReply},
	},
	{
		name:        "SaaS human with only login and email",
		accountName: "jdoe",
		attrs:       `{"login":"jdoe","email":"jdoe@example.com"}`,
		machine:     false,
	},
	{
		name:        "SaaS account with nothing but a name",
		accountName: "k.tanaka",
		machine:     false,
	},
	{
		name:        "SaaS bot",
		accountName: "deploy-bot",
		attrs:       `{"login":"deploy-bot","email":"deploy-bot@example.com"}`,
		machine:     true,
		signals:     []string{classify.SignalNameBot, classify.SignalFunctionalMail},
	},
	{
		name:        "GitHub-style [bot] account",
		accountName: "dependabot[bot]",
		machine:     true,
		signals:     []string{classify.SignalBotAccount},
		absent:      []string{classify.SignalNameBot}, // the same evidence, not counted twice
	},
	{
		name:        "api integration user",
		accountName: "api-salesforce-sync",
		attrs:       `{"userName":"api-salesforce-sync"}`,
		machine:     true,
		signals:     []string{classify.SignalNameApplication},
	},
	{
		name:        "camelCase svc prefix",
		accountName: "svcReporting",
		machine:     true,
		signals:     []string{classify.SignalNameService},
	},
	{
		name:        "sa- prefix",
		accountName: "sa-jenkins",
		machine:     true,
		signals:     []string{classify.SignalNameService},
	},
	{
		name:        "sa. is a person's initials",
		accountName: "sa.nguyen",
		machine:     false,
		absent:      []string{classify.SignalNameService},
	},
	{
		name:           "scheduled task account in a technical accounts OU",
		accountName:    "T-Reports01",
		nativeIdentity: "CN=T-Reports01,OU=Technical_Accounts,DC=corp,DC=example,DC=com",
		attrs:          `{"sAMAccountName":"T-Reports01","description":"Runs the nightly scheduled task for finance reports"}`,
		machine:        true,
		signals:        []string{classify.SignalServiceContainer, classify.SignalDescriptionMachine},
	},
	{
		name:        "escaped comma in the object's RDN",
		accountName: "x",
		attrs:       `{"distinguishedName":"CN=Doe\\, Jane,OU=Service Accounts,DC=corp"}`,
		machine:     true,
		signals:     []string{classify.SignalServiceContainer},
	},
	{
		name:           "OU name only in the object's own RDN does not count",
		accountName:    "x",
		nativeIdentity: "OU=Service Accounts,DC=corp",
		machine:        false,
		absent:         []string{classify.SignalServiceContainer},
	},
	{
		name:        "empty account",
		accountName: "",
		machine:     false,
	},

	// Entra ID (Microsoft Graph user and servicePrincipal objects).
	{
		name:           "Entra enterprise application",
		accountName:    "Jenkins CI",
		nativeIdentity: "6f1c2a4e-0d5b-4e8a-9c71-3b2f6e8d9a10",
		attrs: `{"id":"6f1c2a4e-0d5b-4e8a-9c71-3b2f6e8d9a10","objectType":"ServicePrincipal","servicePrincipalType":"Application",
			"displayName":"Jenkins CI","appId":"0b8e2f6a-1c3d-4e5f-8a9b-7c6d5e4f3a2b","accountEnabled":true,
			"servicePrincipalNames":["0b8e2f6a-1c3d-4e5f-8a9b-7c6d5e4f3a2b","api://0b8e2f6a-1c3d-4e5f-8a9b-7c6d5e4f3a2b"]}`,
		machine: true,
		signals: []string{classify.SignalServicePrincipal},
		absent:  []string{classify.SignalServicePrincipalName},
	},
	{
		name:        "Entra managed identity, disabled",
		accountName: "func-orders-prd",
		attrs: `{"objectType":"ServicePrincipal","servicePrincipalType":"ManagedIdentity","displayName":"func-orders-prd",
			"appId":"d6ca7345-7bc9-4321-9fcf-9607719bfe1b","accountEnabled":false}`,
		machine: true,
		signals: []string{classify.SignalServicePrincipal},
	},
	{
		name:        "Graph app registration by @odata.type",
		accountName: "Payroll API",
		attrs:       `{"@odata.type":"#microsoft.graph.application","appId":"1e3f3423-4bb7-4e52-ba95-70d6544f81a3","displayName":"Payroll API"}`,
		machine:     true,
		signals:     []string{classify.SignalServicePrincipal},
	},
	{
		name:        "Entra object with an appId and no userPrincipalName",
		accountName: "Snowflake OAuth",
		attrs:       `{"appId":"5380fe81-bc16-420c-8f6c-c050d34b9aa0","displayName":"Snowflake OAuth"}`,
		machine:     true,
		signals:     []string{classify.SignalServicePrincipal},
	},
	{
		name:        "Entra Teams Rooms resource account with a mailbox",
		accountName: "mtr-nyc-boardroom@contoso.com",
		attrs: `{"objectType":"User","userType":"Member","userPrincipalName":"mtr-nyc-boardroom@contoso.com",
			"mail":"mtr-nyc-boardroom@contoso.com","displayName":"mtr-nyc-boardroom","accountEnabled":true}`,
		machine: true,
		signals: []string{classify.SignalNameResource, classify.SignalFunctionalMail},
	},
	{
		name:        "Entra shared alerts mailbox user",
		accountName: "alerts@contoso.com",
		attrs:       `{"objectType":"User","userType":"Member","userPrincipalName":"alerts@contoso.com","mail":"alerts@contoso.com","accountEnabled":true}`,
		machine:     true,
	},
	{
		name:        "Entra B2B guest with a name",
		accountName: "maria.lopez_fabrikam.com#EXT#@contoso.onmicrosoft.com",
		attrs: `{"objectType":"User","userType":"Guest","userPrincipalName":"maria.lopez_fabrikam.com#EXT#@contoso.onmicrosoft.com",
			"mail":"maria.lopez@fabrikam.com","givenName":"María","surname":"López","displayName":"María López",
			"creationType":"Invitation","externalUserState":"Accepted","accountEnabled":true}`,
		machine: false,
		signals: []string{classify.SignalGuestUser, classify.SignalPersonName},
	},
	{
		name:        "Entra B2B guest with nothing but a mail",
		accountName: "j.okafor_partner.com#EXT#@contoso.onmicrosoft.com",
		attrs: `{"userPrincipalName":"j.okafor_partner.com#EXT#@contoso.onmicrosoft.com","mail":"j.okafor@partner.com",
			"displayName":"j.okafor@partner.com","accountEnabled":true}`,
		machine: false,
		signals: []string{classify.SignalGuestUser},
	},
	{
		name:        "Entra guest whose mail looks functional",
		accountName: "support_vendor.com#EXT#@contoso.onmicrosoft.com",
		attrs:       `{"userType":"Guest","userPrincipalName":"support_vendor.com#EXT#@contoso.onmicrosoft.com","mail":"support@vendor.com"}`,
		machine:     false,
		signals:     []string{classify.SignalGuestUser},
	},
	{
		name:        "Entra cloud admin account of a person",
		accountName: "adm-jdolan@contoso.onmicrosoft.com",
		attrs: `{"objectType":"User","userType":"Member","userPrincipalName":"adm-jdolan@contoso.onmicrosoft.com",
			"displayName":"Jane Dolan (Cloud Admin)","accountEnabled":true,"lastSignInDateTime":"2026-01-10T08:00:00Z"}`,
		machine: false,
	},

	// GitHub (REST users and organization members).
	{
		name:        "GitHub App bot by type",
		accountName: "renovate[bot]",
		attrs:       `{"login":"renovate[bot]","id":29139614,"type":"Bot","site_admin":false}`,
		machine:     true,
		signals:     []string{classify.SignalBotAccount},
		absent:      []string{classify.SignalNameBot},
	},
	{
		name:        "GitHub type Bot without the [bot] suffix",
		accountName: "copilot-swe-agent",
		attrs:       `{"login":"copilot-swe-agent","type":"Bot"}`,
		machine:     true,
		signals:     []string{classify.SignalBotAccount},
	},
	{
		name:        "GitHub machine user with a functional mail",
		accountName: "web-release",
		attrs:       `{"login":"web-release","type":"User","role":"member","email":"github-web-release@example.com","twoFactorEnabled":true}`,
		machine:     true,
		signals:     []string{classify.SignalNameJob, classify.SignalFunctionalMail},
	},
	{
		name:        "GitHub human whose login contains bot",
		accountName: "abbott",
		attrs:       `{"login":"abbott","type":"User","name":"Sam Abbott","email":"sam.abbott@example.com","twoFactorEnabled":true}`,
		machine:     false,
		absent:      []string{classify.SignalBotAccount, classify.SignalNameBot},
	},
	{
		name:        "GitHub human talbot with a numbered login",
		accountName: "talbot42",
		attrs:       `{"login":"talbot42","type":"User"}`,
		machine:     false,
		absent:      []string{classify.SignalBotAccount, classify.SignalNameBot},
	},

	// Slack (users.list members).
	{
		name:        "Slack app bot",
		accountName: "pagerduty",
		attrs: `{"id":"U07YUFSA1X3","name":"pagerduty","real_name":"PagerDuty","is_bot":true,"is_app_user":false,
			"deleted":false,"bot_id":"B02XZGY8ZFH"}`,
		machine: true,
		signals: []string{classify.SignalBotAccount},
	},
	{
		name:        "Slack workflow bot",
		accountName: "standup-workflow",
		attrs:       `{"id":"U0AB12CD34","name":"standup-workflow","is_bot":false,"is_workflow_bot":true}`,
		machine:     true,
		signals:     []string{classify.SignalBotAccount},
	},
	{
		name:           "Slackbot",
		accountName:    "slackbot",
		nativeIdentity: "USLACKBOT",
		attrs:          `{"id":"USLACKBOT","name":"slackbot","real_name":"Slackbot","is_bot":false,"is_app_user":false,"deleted":false}`,
		machine:        true,
		signals:        []string{classify.SignalBuiltInAccount},
		absent:         []string{classify.SignalBotAccount},
	},
	{
		name:        "Slack member who authorized the calling app",
		accountName: "kenji.tanaka",
		attrs: `{"id":"U0K2GJAN7OS","name":"kenji.tanaka","real_name":"Kenji Tanaka","email":"kenji.tanaka@example.com",
			"title":"Data Engineer","is_bot":false,"is_app_user":true,"deleted":false}`,
		machine: false,
		absent:  []string{classify.SignalBotAccount},
	},
	{
		name:        "Slack single-channel guest",
		accountName: "lea.martin",
		attrs: `{"id":"U0F2VZDK7MN","name":"lea.martin","real_name":"Léa Martin","email":"lea.martin@partner.com",
			"is_bot":false,"is_restricted":true,"is_ultra_restricted":true}`,
		machine: false,
		signals: []string{classify.SignalGuestUser},
	},
	{
		name:        "Slack member surnamed Service",
		accountName: "steven.service",
		attrs: `{"id":"U0ELGA3NCMO","name":"steven.service","real_name":"Steven Service","email":"steven.service@example.com",
			"title":"Customer Service Representative","is_bot":false,"is_app_user":false}`,
		machine: false,
		absent:  []string{classify.SignalBotAccount},
	},

	// Salesforce (User records).
	{
		name:        "Salesforce Automated Process user",
		accountName: "autoproc@00d5j000001abcd",
		attrs: `{"Id":"0055j000000AbCdAAA","Username":"autoproc@00d5j000001abcd","FirstName":"Automated","LastName":"Process",
			"Name":"Automated Process","Alias":"autoproc","UserType":"AutomatedProcess","IsActive":true}`,
		machine: true,
		signals: []string{classify.SignalSystemUserType},
		absent:  []string{classify.SignalPersonName},
	},
	{
		name:        "Salesforce Platform Integration User",
		accountName: "noreply+00d5j000001abcd@salesforce.com",
		attrs: `{"Username":"noreply+00d5j000001abcd@salesforce.com","FirstName":"Platform Integration","LastName":"User",
			"UserType":"CloudIntegrationUser","ProfileName":"Minimum Access - API Only Integrations","IsActive":true}`,
		machine: true,
		signals: []string{classify.SignalSystemUserType, classify.SignalIntegrationProfile},
	},
	{
		name:        "Salesforce integration user on the standard API-only profile",
		accountName: "integration@example.com",
		attrs: `{"Username":"integration@example.com","FirstName":"Integration","LastName":"User","UserType":"Standard",
			"ProfileName":"Salesforce API Only System Integrations","Email":"salesforce-admins@example.com","IsActive":true}`,
		machine: true,
		signals: []string{classify.SignalIntegrationProfile},
		absent:  []string{classify.SignalSystemUserType, classify.SignalPersonName},
	},
	{
		name:        "Salesforce queried Profile relationship",
		accountName: "int.zapier@example.com",
		attrs: `{"Username":"int.zapier@example.com","FirstName":"Zapier","LastName":"Integration","UserType":"Standard",
			"Profile":{"attributes":{"type":"Profile"},"Name":"Minimum Access - API Only Integrations"}}`,
		machine: true,
		signals: []string{classify.SignalIntegrationProfile},
	},
	{
		name:        "Salesforce custom integration profile",
		accountName: "marketo.sync@example.com",
		attrs:       `{"Username":"marketo.sync@example.com","LastName":"Marketo Sync","ProfileName":"Marketo Integration","UserType":"Standard"}`,
		machine:     true,
		signals:     []string{classify.SignalProfileNamed, classify.SignalNameApplication},
	},
	{
		name:        "Salesforce CRM Analytics security user",
		accountName: "insightssecurity@00d5j000001abcd.com",
		attrs: `{"Username":"insightssecurity@00d5j000001abcd.com","FirstName":"Security","LastName":"User",
			"ProfileName":"Analytics Cloud Security User","UserType":"Standard","IsActive":true}`,
		machine: true,
		signals: []string{classify.SignalIntegrationProfile},
	},
	{
		name:        "Salesforce Chatter Expert",
		accountName: "chatty.00d5j000001abcd.hd9xq0mfdw3f@chatter.salesforce.com",
		attrs: `{"Username":"chatty.00d5j000001abcd.hd9xq0mfdw3f@chatter.salesforce.com","FirstName":"Chatter","LastName":"Expert",
			"ProfileName":"Chatter Free User","UserType":"CsnOnly","IsActive":true}`,
		machine: true,
		signals: []string{classify.SignalBuiltInAccount},
	},
	{
		name:        "Salesforce Chatter Free person",
		accountName: "omar.haddad@example.com",
		attrs: `{"Username":"omar.haddad@example.com","FirstName":"Omar","LastName":"Haddad","Email":"omar.haddad@example.com",
			"ProfileName":"Chatter Free User","UserType":"CsnOnly","IsActive":true}`,
		machine: false,
		absent:  []string{classify.SignalSystemUserType, classify.SignalIntegrationProfile},
	},
	{
		name:        "Salesforce seller surnamed Service",
		accountName: "astrid.service@example.com",
		attrs: `{"Username":"astrid.service@example.com","Email":"astrid.service@example.com","FirstName":"Astrid","LastName":"Service",
			"Name":"Astrid Service","Alias":"aservice","Title":"Sales Development Representative","Department":"Sales",
			"ProfileName":"Sales User","UserType":"Standard","IsActive":true,"EmployeeNumber":"E103972",
			"LastLoginDate":"2026-01-01T18:29:09Z"}`,
		machine: false,
		signals: []string{classify.SignalPersonName, classify.SignalEmployeeID, classify.SignalJobTitle},
		absent:  []string{classify.SignalNameService},
	},
	{
		name:        "Salesforce person surnamed Service with only names and mail",
		accountName: "rob.service@example.com",
		attrs:       `{"Username":"rob.service@example.com","Email":"rob.service@example.com","FirstName":"Rob","LastName":"Service","UserType":"Standard"}`,
		machine:     false,
	},
	{
		name:        "Salesforce person on a profile named for a person's job",
		accountName: "li.wei@example.com",
		attrs: `{"Username":"li.wei@example.com","Email":"li.wei@example.com","FirstName":"Li","LastName":"Wei",
			"ProfileName":"Integration Services Manager","UserType":"Standard","Title":"Manager, Integration Services"}`,
		machine: false,
		signals: []string{classify.SignalProfileNamed},
	},
}

func TestDiscover(t *testing.T) {
	t.Parallel()
	for _, tt := range discoveryCases {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			a := account(t, tt.accountName, tt.nativeIdentity, tt.attrs)
			v := classify.Discover(a)
			if v.Machine != tt.machine {
				t.Errorf("Discover: machine=%v confidence=%.3f, want machine=%v\nsignals: %+v",
					v.Machine, v.Confidence, tt.machine, v.Signals)
			}
			var names []string
			for _, s := range v.Signals {
				names = append(names, s.Name)
				if s.Detail == "" || s.Weight == 0 {
					t.Errorf("signal %+v: empty detail or zero weight", s)
				}
			}
			for _, want := range tt.signals {
				if !slices.Contains(names, want) {
					t.Errorf("signal %s missing from %+v", want, v.Signals)
				}
			}
			for _, notWant := range tt.absent {
				if slices.Contains(names, notWant) {
					t.Errorf("signal %s unexpected in %+v", notWant, v.Signals)
				}
			}
			checkVerdict(t, a, v)
		})
	}
}

// checkVerdict checks what holds of every verdict: the signals add up to the
// score (to the rounding of each weight), the confidence is the score's
// logistic, Score agrees, the subtype is one of the list, and the
// counterfactual flips the verdict when it says so.
func checkVerdict(t testing.TB, a *classify.Account, v classify.Verdict) {
	t.Helper()
	sum := v.Bias
	for _, s := range v.Signals {
		sum += s.Weight
	}
	if d := sum - v.Score; d > 0.005*float64(len(v.Signals)+2) || d < -0.005*float64(len(v.Signals)+2) {
		t.Errorf("bias and signal weights sum to %v, score is %v", sum, v.Score)
	}
	if c := 1 / (1 + math.Exp(-v.Score)); math.Abs(c-v.Confidence) > 0.01 {
		t.Errorf("confidence %v, logistic of the score %v", v.Confidence, c)
	}
	if v.Machine != (v.Confidence >= classify.DiscoveryThreshold) {
		t.Errorf("machine %v at confidence %v", v.Machine, v.Confidence)
	}
	conf, machine := classify.Score(a)
	if conf != v.Confidence || machine != v.Machine {
		t.Errorf("Score = %v, %v; Discover = %v, %v", conf, machine, v.Confidence, v.Machine)
	}
	if !slices.Contains(subtypes, v.Subtype) {
		t.Errorf("subtype %q", v.Subtype)
	}
	cf := v.Counterfactual
	if cf == nil {
		t.Fatal("no counterfactual")
	}
	if cf.Flips {
		rest := v.Score
		for _, name := range cf.Signals {
			i := slices.IndexFunc(v.Signals, func(s classify.Signal) bool { return s.Name == name })
			if i < 0 {
				t.Fatalf("counterfactual names %s, not a signal", name)
			}
			rest -= v.Signals[i].Weight
		}
		if (rest >= 0) == v.Machine && math.Abs(rest) > 0.01*float64(len(cf.Signals)+1) { // weights are rounded
			t.Errorf("counterfactual %v leaves score %v: does not flip", cf.Signals, rest)
		}
	} else if len(cf.Signals) != 0 {
		t.Errorf("counterfactual that does not flip names %v", cf.Signals)
	}
}

var subtypes = []string{classify.SubtypeComputer, classify.SubtypeManagedServiceAccount, classify.SubtypeService,
	classify.SubtypeApplication, classify.SubtypeBot, classify.SubtypeMailbox, classify.SubtypeTemplate,
	classify.SubtypeTest, classify.SubtypeBuiltIn, classify.SubtypeDirectorySync, classify.SubtypeUnknown}

func TestScoreDoesNotAllocate(t *testing.T) {
	for _, tt := range discoveryCases {
		a := account(t, tt.accountName, tt.nativeIdentity, tt.attrs)
		if n := testing.AllocsPerRun(100, func() { classify.Score(a) }); n != 0 {
			t.Errorf("%s: %v allocations per Score, want 0", tt.name, n)
		}
	}
}

func TestRecommend(t *testing.T) {
	t.Parallel()
	machine := classify.Verdict{Machine: true, Confidence: 0.98}
	unsure := classify.Verdict{Confidence: 0.3}
	person := classify.Verdict{Confidence: 0.01}
	for _, tt := range []struct {
		name string
		cur  classify.State
		v    classify.Verdict
		want *classify.Recommendation
	}{
		{"human, discovery finds a machine", classify.State{}, machine,
			&classify.Recommendation{Type: classify.TypeMachine, Method: mica.MethodDiscovery}},
		{"manual human, discovery finds a machine", classify.State{Method: mica.MethodManual}, machine,
			&classify.Recommendation{Type: classify.TypeMachine, Method: mica.MethodDiscovery}},
		{"machine, discovery agrees", classify.State{IsMachine: true, Method: mica.MethodCriteria}, machine, nil},
		{"human, discovery unsure", classify.State{}, unsure, nil},
		{"machine, discovery unsure", classify.State{IsMachine: true, Method: mica.MethodSource}, unsure, nil},
		{"machine, discovery finds a person", classify.State{IsMachine: true, Method: mica.MethodSource}, person,
			&classify.Recommendation{Type: classify.TypeHuman, Method: mica.MethodDiscovery}},
		{"human, discovery finds a person", classify.State{}, person, nil},
	} {
		got := classify.Recommend(tt.cur, tt.v)
		if (got == nil) != (tt.want == nil) || got != nil && *got != *tt.want {
			t.Errorf("%s: Recommend = %+v, want %+v", tt.name, got, tt.want)
		}
	}
}

// FuzzDiscover feeds arbitrary account attributes to discovery: nothing may
// panic, Score must agree with Discover, and the signals must add up.
func FuzzDiscover(f *testing.F) {
	for _, tt := range discoveryCases {
		f.Add(tt.accountName, tt.nativeIdentity, tt.attrs)
	}
	f.Fuzz(func(t *testing.T, name, nativeIdentity, attrs string) {
		a := &classify.Account{Name: name, NativeIdentity: nativeIdentity}
		if attrs != "" && json.Unmarshal([]byte(attrs), &a.Attributes) != nil {
			return
		}
		checkVerdict(t, a, classify.Discover(a))
	})
}
