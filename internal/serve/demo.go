package serve

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"time"

	"github.com/micahq/mica"
	"github.com/micahq/mica/api"
	"github.com/micahq/mica/classify"
	"github.com/micahq/mica/demo"
	"github.com/micahq/mica/oauth"
	"github.com/micahq/mica/seed"
)

// Demo clients: like the well-known keys of cloud emulators, fixed and documented
// so that CI scripts can use them without parsing output. They exist only while
// the server runs in demo mode. Override them with the MICA_DEMO_* variables.
const (
	DemoAdminClientID     = "de000000-0000-4000-8000-000000000001"
	DemoAdminClientSecret = "mica-demo-admin-secret"
	DemoUserClientID      = "de000000-0000-4000-8000-000000000002"
	DemoUserClientSecret  = "mica-demo-user-secret"

	// The demo clients act as two fixed identities, beside the generated people:
	// Demo Admin (ORG_ADMIN) and Demo User (USER, with accounts and an access profile).
	DemoAdminIdentityID = "de000000000040008000000000000a01"
	DemoUserIdentityID  = "de000000000040008000000000000a02"

	SettingDemoSeeded        = "demo.seeded"
	settingDemoAdminIdentity = "demo.adminIdentity"
	settingDemoUserIdentity  = "demo.userIdentity"
	demoAccountBatch         = 5000
)

type demoClient struct{ id, secret, setting, name string }

func demoClients() []demoClient {
	return []demoClient{
		{EnvOr("MICA_DEMO_CLIENT_ID", DemoAdminClientID), EnvOr("MICA_DEMO_CLIENT_SECRET", DemoAdminClientSecret),
			settingDemoAdminIdentity, "demo admin"},
		{EnvOr("MICA_DEMO_USER_CLIENT_ID", DemoUserClientID), EnvOr("MICA_DEMO_USER_CLIENT_SECRET", DemoUserClientSecret),
			settingDemoUserIdentity, "demo user"},
	}
}

// DemoConfig is the generator configuration of the demo tenant: MICA_DEMO_SEED and
// MICA_DEMO_IDENTITIES size it (default seed 0, 2,000 identities).
func DemoConfig() (demo.Config, error) {
	var cfg demo.Config
	if v := os.Getenv("MICA_DEMO_SEED"); v != "" {
		n, err := strconv.ParseUint(v, 10, 64)
		if err != nil {
			return cfg, fmt.Errorf("invalid MICA_DEMO_SEED %q: a whole number", v)
		}
		cfg.Seed = n
	}
	if v := os.Getenv("MICA_DEMO_IDENTITIES"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 10 || n > 1_000_000 {
			return cfg, fmt.Errorf("invalid MICA_DEMO_IDENTITIES %q: 10 to 1000000", v)
		}
		cfg.Identities = n
	}
	return cfg, nil
}

// setupTenant prepares the tenant at start and returns its id and name: it seeds
// the demo tenant and its clients (--demo) or removes the demo clients, and
// creates the tenant id on first start. On PostgreSQL this runs under an
// advisory lock, so that servers starting together on one empty database seed
// it once and agree on the tenant id; on SQLite only this process writes.
func (m *Main) setupTenant(ctx context.Context, db mica.Store) (id, name string, err error) {
	setup := func(ctx context.Context) error {
		if m.Config.Demo {
			if err := seedDemo(ctx, db, m.Config.DemoIdentities, m.Stdout); err != nil {
				return fmt.Errorf("demo tenant: %w", err)
			}
		} else if err := removeDemoClients(ctx, db); err != nil {
			return err
		}
		if m.seed != nil {
			if err := seed.Load(ctx, db, m.seed, seed.Options{HashSecret: oauth.HashSecret, CheckSecret: oauth.CheckSecret,
				Classify: ClassifyChanged(db), KnownScope: api.IsKnownScope}); err != nil {
				return err
			}
		}
		if m.Prepare != nil {
			if err := m.Prepare(ctx, db); err != nil {
				return err
			}
		}
		id, name, err = tenant(ctx, db)
		return err
	}
	err = m.backend.WithLock(ctx, "tenant setup", setup)
	return id, name, err
}

// seedDemo creates the demo tenant on first use and the demo clients when they
// are missing or differ from the documented ones. Clients that match are kept,
// so that a --demo start leaves the tokens other servers minted valid.
// Concurrent servers must not run it at once (setupTenant serializes them).
func seedDemo(ctx context.Context, db mica.Store, identities int, out io.Writer) error {
	if out == nil {
		out = io.Discard
	}
	if _, err := db.GetSetting(ctx, SettingDemoSeeded); mica.ErrorCode(err) == mica.ENOTFOUND {
		cfg, err := DemoConfig()
		if err != nil {
			return err
		}
		if identities > 0 {
			cfg.Identities = identities
		}
		start := time.Now()
		_, _ = fmt.Fprintln(out, "== generating the demo tenant (first start only): identities, sources, accounts, a first classification")
		report, err := SeedDemoData(ctx, db, cfg, SeedOptions{})
		if err != nil {
			return err
		}
		_, _ = fmt.Fprintf(out, "== demo tenant ready in %s: %d accounts\n", time.Since(start).Round(100*time.Millisecond),
			report.Total().Accounts)
		if err := db.SetSetting(ctx, SettingDemoSeeded, "true"); err != nil {
			return err
		}
	} else if err != nil {
		return err
	}
	for _, c := range demoClients() {
		identity, err := db.GetSetting(ctx, c.setting)
		if err != nil {
			return fmt.Errorf("demo tenant lacks its %s identity: %w", c.name, err)
		}
		cur, err := db.GetClient(ctx, c.id)
		switch {
		case err == nil && c.matches(cur, identity):
			continue
		case err != nil && mica.ErrorCode(err) != mica.ENOTFOUND:
			return err
		case err == nil:
			if err := db.DeleteClient(ctx, c.id); err != nil && mica.ErrorCode(err) != mica.ENOTFOUND {
				return err
			}
		}
		hash, err := oauth.HashSecret(c.secret)
		if err != nil {
			return err
		}
		if err := db.CreateClient(ctx, &mica.Client{ID: c.id, Kind: mica.ClientPAT, Name: c.name, IdentityID: identity,
			Scopes: []string{demoScope}, SecretHash: hash, Enabled: true, Managed: true}); err != nil {
			return err
		}
	}
	return nil
}

// demoScope is the one scope of the demo clients.
const demoScope = "sp:scopes:all"

// matches reports whether a stored client is this demo client as seedDemo
// creates it, secret included.
func (c demoClient) matches(cur *mica.Client, identity string) bool {
	return cur.Kind == mica.ClientPAT && cur.Name == c.name && cur.IdentityID == identity && cur.Enabled && cur.Managed &&
		len(cur.Scopes) == 1 && cur.Scopes[0] == demoScope && cur.ExpiresAt == nil && cur.AccessTokenSeconds == 0 &&
		oauth.CheckSecret(cur.SecretHash, c.secret)
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

// SeedOptions say how SeedDemoData writes a tenant.
type SeedOptions struct {
	// Progress, when set, is told how many accounts were written so far.
	Progress func(n int)
	// Unclassified leaves out the first classification jobs: the directory
	// sources get their configs, and their accounts stay as continuous
	// classification left them (discovery's recommendations, no machine
	// accounts). Benchmarks of a first classification start from there.
	Unclassified bool
}

// SeedDemoData writes a generated tenant into an empty store: identities, sources
// (plus a delimited-file source for uploads), accounts with their ground truth,
// access profiles and who holds them, source apps, and a first classification
// of the directory sources (unless opts.Unclassified). It returns the tenant's report.
func SeedDemoData(ctx context.Context, db mica.Store, cfg demo.Config, opts SeedOptions) (*demo.Report, error) {
	if err := db.SetSetting(ctx, mica.SettingTenantName, "mica-demo"); err != nil {
		return nil, err
	}
	admin := &mica.Identity{ID: DemoAdminIdentityID, Name: "Demo Admin", Alias: "demo.admin", FirstName: "Demo",
		LastName: "Admin", Email: "demo.admin@example.com", Levels: []string{mica.LevelOrgAdmin}}
	user := &mica.Identity{ID: DemoUserIdentityID, Name: "Demo User", Alias: "demo.user", FirstName: "Demo",
		LastName: "User", Email: "demo.user@example.com", Levels: []string{mica.LevelUser}}
	for _, i := range []*mica.Identity{admin, user} {
		if err := db.CreateIdentity(ctx, i); err != nil {
			return nil, fmt.Errorf("demo identity %s: %w", i.Name, err)
		}
	}
	if err := demo.GenerateIdentities(cfg, func(i *mica.Identity) error { return db.CreateIdentity(ctx, i) }); err != nil {
		return nil, fmt.Errorf("demo identities: %w", err)
	}
	sources := demo.Sources(cfg)
	for _, src := range sources {
		if err := db.CreateSource(ctx, src); err != nil {
			return nil, fmt.Errorf("demo source %s: %w", src.Name, err)
		}
	}
	csv := &mica.Source{Name: "Service Accounts CSV", Description: "Delimited file of service accounts",
		Owner: mica.Ref{Type: "IDENTITY", ID: admin.ID}, Type: "DelimitedFile", Connector: "delimited-file-angularsc",
		ConnectorName: "Delimited File", ConnectionType: "file", ConnectorClass: "sailpoint.connector.DelimitedFileConnector",
		ConnectorID: "delimited-file", ConnectorImplementationID: "delimited-file",
		Features:            []string{"DIRECT_PERMISSIONS", "NO_RANDOM_ACCESS"},
		ConnectorAttributes: map[string]any{"hasHeader": true, "delimiter": ",", "indexColumn": "id", "nameColumn": "name", "mergeRows": true}}
	if err := db.CreateSource(ctx, csv); err != nil {
		return nil, fmt.Errorf("demo CSV source: %w", err)
	}

	report := demo.NewReport(sources)
	written := 0
	for src := range sources {
		batch := make([]*mica.Account, 0, demoAccountBatch)
		flush := func() error {
			if len(batch) == 0 {
				return nil
			}
			if err := db.CreateAccounts(ctx, batch); err != nil {
				return fmt.Errorf("demo accounts of %s: %w", sources[src].Name, err)
			}
			ids := make([]string, len(batch))
			for i, a := range batch {
				ids[i] = a.ID
			}
			if err := ClassifyChanged(db)(ctx, sources[src].ID, ids); err != nil {
				return fmt.Errorf("demo discovery of %s: %w", sources[src].Name, err)
			}
			written += len(batch)
			if opts.Progress != nil {
				opts.Progress(written)
			}
			batch = batch[:0]
			return nil
		}
		err := demo.GenerateAccounts(cfg, src, func(a *mica.Account, t demo.Truth) error {
			report.Add(src, t)
			a.GroundTruth = t.GroundTruth()
			batch = append(batch, a)
			if len(batch) == demoAccountBatch {
				return flush()
			}
			return nil
		})
		if err == nil {
			err = flush()
		}
		if err != nil {
			return nil, err
		}
	}

	t := demo.Generate(demo.Config{Seed: cfg.Seed, Identities: cfg.Identities, ADAccounts: cfg.ADAccounts,
		MachineShare: cfg.MachineShare, Domain: cfg.Domain, Now: cfg.Now})
	for _, ap := range t.AccessProfiles {
		ents := make([]mica.Ref, 0, len(ap.Entitlements))
		for i, e := range ap.Entitlements {
			ents = append(ents, mica.Ref{Type: "ENTITLEMENT", ID: fmt.Sprintf("%s%08x", ap.ID[:24], i), Name: e})
		}
		p := &mica.AccessProfile{ID: ap.ID, Name: ap.Name, Description: ap.Description,
			Owner: mica.Ref{Type: "IDENTITY", ID: ap.OwnerID}, Source: mica.Ref{Type: "SOURCE", ID: sources[ap.Source].ID},
			Enabled: ap.Enabled && len(ents) > 0, Requestable: true, Entitlements: ents}
		if err := db.CreateAccessProfile(ctx, p); err != nil {
			return nil, fmt.Errorf("demo access profile %s: %w", ap.Name, err)
		}
	}
	for _, g := range t.Grants {
		if err := db.AssignAccessProfile(ctx, g.IdentityID, g.AccessProfileID); err != nil {
			return nil, fmt.Errorf("demo grant: %w", err)
		}
	}
	for _, a := range t.Apps {
		app := &mica.SourceApp{ID: a.ID, Name: a.Name, Description: a.Description, Enabled: a.Enabled,
			ProvisionRequestEnabled: a.ProvisionRequestEnabled, MatchAllAccounts: a.MatchAllAccounts,
			AppCenterEnabled: a.AppCenterEnabled, AccountSource: &mica.Ref{Type: "SOURCE", ID: sources[a.Source].ID},
			Owner: &mica.Ref{Type: "IDENTITY", ID: a.OwnerID}, AccessProfiles: a.AccessProfileIDs}
		if err := db.CreateSourceApp(ctx, app); err != nil {
			return nil, fmt.Errorf("demo app %s: %w", a.Name, err)
		}
	}
	if err := demoUserAccess(ctx, db, sources, t, user); err != nil {
		return nil, err
	}
	if err := demoMachineIdentities(ctx, db, admin, user); err != nil {
		return nil, err
	}
	if err := classifyDemo(ctx, db, sources, !opts.Unclassified); err != nil {
		return nil, err
	}
	if err := db.SetSetting(ctx, settingDemoAdminIdentity, admin.ID); err != nil {
		return nil, err
	}
	if err := db.SetSetting(ctx, settingDemoUserIdentity, user.ID); err != nil {
		return nil, err
	}
	return report, nil
}

// demoMachineIdentities creates a few machine identities owned by the demo
// admin (with the demo user as secondary owner), one of them an AI agent, for
// service accounts of the first source: so that the console's machine
// identities page and the lifecycle actions have something to show. Their
// accounts join them once classified as machine accounts and the identity is
// next saved.
func demoMachineIdentities(ctx context.Context, db mica.Store, admin, user *mica.Identity) error {
	page, err := db.ListSources(ctx, mica.ListOptions{Limit: 1, Sorters: "name"})
	if err != nil || len(page.Items) == 0 {
		return err
	}
	src := page.Items[0]
	var picked []*mica.Account
	errEnough := errors.New("enough")
	err = db.EachAccount(ctx, mica.AccountFilter{SourceID: src.ID}, func(a *mica.Account) error {
		if a.GroundTruth == "MACHINE" {
			picked = append(picked, a)
		}
		if len(picked) == 3 {
			return errEnough
		}
		return nil
	})
	if err != nil && !errors.Is(err, errEnough) {
		return fmt.Errorf("demo machine identities: %w", err)
	}
	kinds := []string{mica.LifecycleTargetType, "Application", "Service"}
	for i, a := range picked {
		m := &mica.MachineIdentity{Name: a.Name, Description: "The identity behind " + a.Name, Subtype: kinds[i],
			BusinessApplication: src.Name, NativeIdentity: a.NativeIdentity, SourceID: src.ID,
			PrimaryOwner: &mica.Ref{ID: admin.ID}, SecondaryOwners: []mica.Ref{{ID: user.ID}}, ManuallyCreated: true}
		if err := db.CreateMachineIdentity(ctx, m); err != nil {
			return fmt.Errorf("demo machine identity: %w", err)
		}
	}
	return nil
}

// demoUserAccess gives the demo user accounts on the directory and chat sources and
// the first access profile of the directory, so that "My apps" holds both an
// all-users app and an access-profile app out of the box.
func demoUserAccess(ctx context.Context, db mica.Store, sources []*mica.Source, t *demo.Tenant, user *mica.Identity) error {
	var accounts []*mica.Account
	for _, src := range []int{demo.SourceAD, demo.SourceSlack} {
		accounts = append(accounts, &mica.Account{SourceID: sources[src].ID, NativeIdentity: "demo.user", Name: "demo.user",
			IdentityID: user.ID, GroundTruth: "HUMAN", Origin: "AGGREGATED", Attributes: map[string]any{
				"sAMAccountName": "demo.user", "givenName": "Demo", "sn": "User", "mail": user.Email,
				"displayName": user.Name, "objectClass": []any{"top", "person", "organizationalPerson", "user"}}})
	}
	if err := db.CreateAccounts(ctx, accounts); err != nil {
		return fmt.Errorf("demo user accounts: %w", err)
	}
	for _, ap := range t.AccessProfiles {
		if ap.Source == demo.SourceAD {
			if err := db.AssignAccessProfile(ctx, user.ID, ap.ID); err != nil {
				return fmt.Errorf("demo user access profile: %w", err)
			}
			return nil
		}
	}
	return nil
}

// classifyDemo gives the demo's directory sources their classification
// configs (demo.Configs) and, when run is set, runs a first classification job
// on each, to the end, as a server would: the tenant starts with results on
// every page.
func classifyDemo(ctx context.Context, db mica.Store, sources []*mica.Source, run bool) error {
	cfgs := demo.Configs()
	for i, src := range sources {
		cfg, ok := cfgs[i]
		if !ok {
			continue
		}
		cfg.SourceID = src.ID
		if err := db.PutMachineClassificationConfig(ctx, cfg); err != nil {
			return fmt.Errorf("demo classification config of %s: %w", src.Name, err)
		}
		if !run {
			continue
		}
		job, err := db.StartClassificationJob(ctx, src.ID)
		if err != nil {
			return fmt.Errorf("demo classification of %s: %w", src.Name, err)
		}
		if _, err := workJob(ctx, db, job); err != nil {
			return fmt.Errorf("demo classification of %s: %w", src.Name, err)
		}
	}
	return nil
}

// workJob works a classification job in this goroutine until it ends, with
// the store's batches (as the job runner does, without River): for the demo
// tenant, which is seeded before the runner starts.
func workJob(ctx context.Context, db mica.Store, j *mica.ClassificationJob) (*mica.ClassificationJob, error) {
	p, err := classify.Compile(j.Config)
	if err != nil {
		return nil, err
	}
	people, err := db.SourcePeople(ctx, j.SourceID, mica.PeopleSample)
	if err != nil {
		return nil, err
	}
	decide := classify.Decider(classify.ModeDefault, p, people)
	for j.Running() {
		if j.Status == mica.JobStarted {
			j, err = db.CollectClassificationBatch(ctx, j.ID, mica.DefaultBatchSize)
		} else {
			j, err = db.ProcessClassificationBatch(ctx, j.ID, mica.DefaultBatchSize, decide)
		}
		if err != nil {
			return nil, err
		}
	}
	return j, nil
}

func printDemo(out io.Writer, base string) {
	cs := demoClients()
	_, _ = fmt.Fprintf(out, `
  WARNING: demo mode. These well-known demo credentials are for local testing only.

  mica demo tenant at %[1]s
  web console at      %[1]s/console/
    admin (ORG_ADMIN)  client id:     %[2]s
                       client secret: %[3]s
    user  (USER)       client id:     %[4]s
                       client secret: %[5]s

  curl -s -X POST %[1]s/oauth/token -d grant_type=client_credentials -d client_id=%[2]s -d client_secret=%[3]s

`, base, cs[0].id, cs[0].secret, cs[1].id, cs[1].secret)
}
