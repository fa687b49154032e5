package main

import (
	"context"
	"fmt"
	"io"

	"github.com/micahq/mica"
	"github.com/micahq/mica/oauth"
)

// Demo clients: like the well-known keys of cloud emulators, fixed and documented
// so that CI scripts can use them without parsing output. They exist only while
// the server runs in demo mode. Override them with the MICA_DEMO_* variables.
const (
	DemoAdminClientID     = "de000000-0000-4000-8000-000000000001"
	DemoAdminClientSecret = "mica-demo-admin-secret"
	DemoUserClientID      = "de000000-0000-4000-8000-000000000002"
	DemoUserClientSecret  = "mica-demo-user-secret"

	demoAdminIdentityID = "de000000000040008000000000000a01"
	demoUserIdentityID  = "de000000000040008000000000000a02"
	settingDemoSeeded   = "demo.seeded"
)

type demoClient struct{ id, secret, identity, name string }

func demoClients() []demoClient {
	return []demoClient{
		{envOr("MICA_DEMO_CLIENT_ID", DemoAdminClientID), envOr("MICA_DEMO_CLIENT_SECRET", DemoAdminClientSecret),
			demoAdminIdentityID, "demo admin"},
		{envOr("MICA_DEMO_USER_CLIENT_ID", DemoUserClientID), envOr("MICA_DEMO_USER_CLIENT_SECRET", DemoUserClientSecret),
			demoUserIdentityID, "demo user"},
	}
}

// seedDemo creates the demo tenant on first use and (re)creates the demo clients.
func seedDemo(ctx context.Context, db mica.Store, out io.Writer) error {
	if _, err := db.GetSetting(ctx, settingDemoSeeded); mica.ErrorCode(err) == mica.ENOTFOUND {
		if err := seedDemoData(ctx, db); err != nil {
			return err
		}
		if err := db.SetSetting(ctx, settingDemoSeeded, "true"); err != nil {
			return err
		}
	} else if err != nil {
		return err
	}
	for _, c := range demoClients() {
		if err := db.DeleteClient(ctx, c.id); err != nil && mica.ErrorCode(err) != mica.ENOTFOUND {
			return err
		}
		hash, err := oauth.HashSecret(c.secret)
		if err != nil {
			return err
		}
		if err := db.CreateClient(ctx, &mica.Client{ID: c.id, Kind: mica.ClientPAT, Name: c.name, IdentityID: c.identity,
			Scopes: []string{"sp:scopes:all"}, SecretHash: hash, Enabled: true, Managed: true}); err != nil {
			return err
		}
	}
	return nil
}

// removeDemoClients deletes the fixed demo clients: they never exist outside demo mode.
func removeDemoClients(ctx context.Context, db mica.Store) error {
	for _, c := range demoClients() {
		if err := db.DeleteClient(ctx, c.id); err != nil && mica.ErrorCode(err) != mica.ENOTFOUND {
			return err
		}
	}
	return nil
}

func seedDemoData(ctx context.Context, db mica.Store) error {
	if err := db.SetSetting(ctx, mica.SettingTenantName, "mica-demo"); err != nil {
		return err
	}
	people := []*mica.Identity{
		{ID: demoAdminIdentityID, Name: "Demo Admin", Alias: "demo.admin", FirstName: "Demo", LastName: "Admin",
			Email: "demo.admin@example.com", Levels: []string{mica.LevelOrgAdmin}},
		{ID: demoUserIdentityID, Name: "Demo User", Alias: "demo.user", FirstName: "Demo", LastName: "User",
			Email: "demo.user@example.com", Levels: []string{mica.LevelUser}},
	}
	for _, p := range people {
		if err := db.CreateIdentity(ctx, p); err != nil {
			return err
		}
	}
	owner := mica.Ref{Type: "IDENTITY", ID: demoAdminIdentityID}
	sources := []*mica.Source{
		{Name: "Workday HR", Description: "Authoritative HR source", Owner: owner, Type: "Workday",
			Connector: "workday", ConnectorName: "Workday", ConnectionType: "direct", Authoritative: true,
			ConnectorClass: "sailpoint.connector.WorkdayConnector", ConnectorID: "workday", ConnectorImplementationID: "workday",
			Features: []string{"SEARCH", "NO_PERMISSIONS_PROVISIONING"}},
		{Name: "Active Directory", Description: "Corporate Active Directory (corp.example.com)", Owner: owner,
			Type: "Active Directory - Direct", Connector: "active-directory", ConnectorName: "Active Directory - Direct",
			ConnectorClass: "sailpoint.connector.ADLDAPConnector", ConnectorID: "active-directory",
			ConnectorImplementationID: "active-directory", ConnectionType: "direct",
			Features: []string{"PROVISIONING", "SYNC_PROVISIONING", "DIRECT_PERMISSIONS", "MANAGER_LOOKUP", "SEARCH", "UNLOCK", "AUTHENTICATE", "ENABLE", "PASSWORD"}},
		{Name: "Entra ID", Description: "Microsoft Entra ID tenant", Owner: owner, Type: "Azure Active Directory",
			Connector: "azure-active-directory", ConnectorName: "Azure Active Directory", ConnectionType: "direct",
			ConnectorClass: "sailpoint.connector.AzureADConnector", ConnectorID: "azure-active-directory",
			ConnectorImplementationID: "azure-active-directory", Features: []string{"PROVISIONING", "ENABLE", "SEARCH"}},
		{Name: "Service Accounts CSV", Description: "Delimited file of service accounts", Owner: owner, Type: "DelimitedFile",
			Connector: "delimited-file-angularsc", ConnectorName: "Delimited File", ConnectionType: "file",
			ConnectorClass: "sailpoint.connector.DelimitedFileConnector", ConnectorID: "delimited-file",
			ConnectorImplementationID: "delimited-file", Features: []string{"DIRECT_PERMISSIONS", "NO_RANDOM_ACCESS"},
			ConnectorAttributes: map[string]any{"hasHeader": true, "delimiter": ",", "indexColumn": "id", "mergeRows": true}},
	}
	for _, s := range sources {
		if err := db.CreateSource(ctx, s); err != nil {
			return err
		}
	}
	return nil
}

func printDemo(out io.Writer, base string) {
	cs := demoClients()
	fmt.Fprintf(out, `
  WARNING: demo mode. These well-known demo credentials are for local testing only.

  mica demo tenant at %[1]s
    admin (ORG_ADMIN)  client id:     %[2]s
                       client secret: %[3]s
    user  (USER)       client id:     %[4]s
                       client secret: %[5]s

  curl -s -X POST %[1]s/oauth/token -d grant_type=client_credentials -d client_id=%[2]s -d client_secret=%[3]s

`, base, cs[0].id, cs[0].secret, cs[1].id, cs[1].secret)
}
