package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"time"

	"github.com/micahq/mica"
	"github.com/micahq/mica/demo"
	"github.com/micahq/mica/oauth"
	"github.com/micahq/mica/sqlite"
)

// tenantSpec sizes the tenant that classify and list run on: the demo
// generator's tenant with its AD source grown to adAccounts, without the
// demo's first classification (mica demo --classify=false: classify measures a
// first classification), plus source apps up to apps and one client per
// identity whose tokens make the load.
type tenantSpec struct {
	identities, adAccounts, apps, clients int
	seed                                  uint64
}

func (t *tenantSpec) flags(fs *flag.FlagSet) {
	fs.IntVar(&t.identities, "identities", 20000, "people in the demo tenant")
	fs.IntVar(&t.adAccounts, "ad-accounts", 1000000, "accounts of the demo Active Directory source")
	fs.IntVar(&t.apps, "apps", 5000, "source apps")
	fs.IntVar(&t.clients, "clients", 200, "identities with a client (the list load uses their tokens)")
	fs.Uint64Var(&t.seed, "seed", 0, "demo generator seed")
}

// tenantInfo is what a prepared tenant's runs need, saved next to it.
type tenantInfo struct {
	ADSourceID string   `json:"adSourceId"`
	SourceIDs  []string `json:"sourceIds"`
	AdminID    string   `json:"adminClientId"`
	ClientIDs  []string `json:"clientIds"` // one per identity
	Secret     string   `json:"secret"`    // every bench client's secret
}

const benchSecret = "micabench-secret"

func (t *tenantSpec) dir(work string) string {
	return filepath.Join(work, fmt.Sprintf("tenant-s%d-i%d-ad%d-apps%d-c%d-v2", t.seed, t.identities, t.adAccounts,
		t.apps, t.clients))
}

// prepare generates the tenant once (mica demo, then apps and clients through
// the store) and returns its description and its pristine copy: a data
// directory under work on SQLite, a database on PostgreSQL (-database).
func (t *tenantSpec) prepare(ctx context.Context, o *options) (*tenantInfo, string, error) {
	if o.pg != nil {
		return t.preparePostgres(ctx, o)
	}
	dir := t.dir(o.work)
	pristine := filepath.Join(dir, "data")
	infoFile := filepath.Join(dir, "tenant.json")
	var info tenantInfo
	if b, err := os.ReadFile(infoFile); err == nil && json.Unmarshal(b, &info) == nil {
		return &info, pristine, nil
	}
	if err := os.RemoveAll(dir); err != nil {
		return nil, "", err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, "", err
	}
	start := time.Now()
	fmt.Fprintf(os.Stderr, "generating the tenant (%d identities, %d AD accounts) in %s ...\n", t.identities, t.adAccounts, dir)
	cmd := exec.CommandContext(ctx, o.mica, "demo", "--data-dir", pristine, "--seed", fmt.Sprint(t.seed),
		"--identities", fmt.Sprint(t.identities), "--ad-accounts", fmt.Sprint(t.adAccounts), "--classify=false")
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Run(); err != nil {
		return nil, "", fmt.Errorf("mica demo: %w", err)
	}
	db, err := sqlite.Open(ctx, filepath.Join(pristine, "mica.db"))
	if err != nil {
		return nil, "", err
	}
	defer func() { _ = db.Close() }()
	holders := func(ctx context.Context, admin, adSource string, n int) ([]string, error) {
		raw, err := sql.Open("sqlite", "file:"+db.Path()+"?mode=ro")
		if err != nil {
			return nil, err
		}
		defer func() { _ = raw.Close() }()
		rows, err := raw.QueryContext(ctx, `SELECT i.id FROM identities i WHERE i.id <> ? AND EXISTS
			(SELECT 1 FROM accounts a WHERE a.identity_id = i.id AND a.source_id = ?) ORDER BY i.id LIMIT ?`,
			admin, adSource, n)
		if err != nil {
			return nil, err
		}
		defer func() { _ = rows.Close() }()
		var ids []string
		for rows.Next() {
			var id string
			if err := rows.Scan(&id); err != nil {
				return nil, err
			}
			ids = append(ids, id)
		}
		return ids, rows.Err()
	}
	infop, err := t.addBenchData(ctx, db, holders)
	if err != nil {
		return nil, "", err
	}
	if err := db.Close(); err != nil {
		return nil, "", err
	}
	b, _ := json.MarshalIndent(infop, "", "  ")
	if err := os.WriteFile(infoFile, b, 0o644); err != nil {
		return nil, "", err
	}
	fmt.Fprintf(os.Stderr, "tenant ready in %s\n", time.Since(start).Round(time.Second))
	return infop, pristine, nil
}

// adHolders lists up to n identities other than admin with an account on the
// AD source, by id (a hash, so a spread of the tenant): SQL per store.
type adHolders func(ctx context.Context, admin, adSource string, n int) ([]string, error)

// addBenchData adds micabench's source apps and clients to the demo tenant in
// db and describes the result.
func (t *tenantSpec) addBenchData(ctx context.Context, db mica.Store, holders adHolders) (*tenantInfo, error) {
	cfg := demo.Config{Seed: t.seed, Identities: t.identities, ADAccounts: t.adAccounts}
	sources := demo.Sources(cfg)
	info := &tenantInfo{ADSourceID: sources[demo.SourceAD].ID, Secret: benchSecret}
	for _, s := range sources {
		info.SourceIDs = append(info.SourceIDs, s.ID)
	}
	admin, err := db.GetSetting(ctx, "demo.adminIdentity")
	if err != nil {
		return nil, fmt.Errorf("demo admin identity: %w", err)
	}
	if err := addApps(ctx, db, admin, info.SourceIDs, t.apps); err != nil {
		return nil, err
	}
	ids, err := holders(ctx, admin, info.ADSourceID, t.clients)
	if err != nil {
		return nil, fmt.Errorf("identities with an AD account: %w", err)
	}
	if err := addClients(ctx, db, admin, ids, info); err != nil {
		return nil, err
	}
	return info, nil
}

// appWords name the generated apps, so that name filters match some of them.
var appWords = []string{"Payroll", "Analytics", "Wiki", "Ticketing", "CRM", "Expenses", "Travel", "HR Portal",
	"Build", "Monitoring", "Backup", "Design", "Docs", "Learning", "Procurement", "Vault"}

// addApps grows the tenant's source apps to total: spread over the sources,
// a third matching all accounts, the rest by one or two of their source's
// access profiles, one in ten disabled.
func addApps(ctx context.Context, db mica.Store, owner string, sourceIDs []string, total int) error {
	aps := map[string][]string{}
	for off := 0; ; off += 250 {
		page, err := db.ListAccessProfiles(ctx, mica.ListOptions{Limit: 250, Offset: off, Sorters: "name"})
		if err != nil {
			return err
		}
		for _, ap := range page.Items {
			aps[ap.Source.ID] = append(aps[ap.Source.ID], ap.ID)
		}
		if len(page.Items) < 250 {
			break
		}
	}
	have, err := db.ListSourceApps(ctx, mica.ListOptions{Count: true})
	if err != nil {
		return err
	}
	for k := have.Total; k < total; k++ {
		src := sourceIDs[k%len(sourceIDs)]
		a := &mica.SourceApp{Name: fmt.Sprintf("%s %04d", appWords[k%len(appWords)], k),
			Description: "A generated application for benchmarks", Enabled: k%10 != 0,
			ProvisionRequestEnabled: k%2 == 0, AppCenterEnabled: true, MatchAllAccounts: k%3 == 0,
			AccountSource: &mica.Ref{Type: "SOURCE", ID: src}, Owner: &mica.Ref{Type: "IDENTITY", ID: owner}}
		if list := aps[src]; !a.MatchAllAccounts && len(list) > 0 {
			a.AccessProfiles = []string{list[k%len(list)]}
			if len(list) > 1 && k%2 == 1 {
				a.AccessProfiles = append(a.AccessProfiles, list[(k+1)%len(list)])
			}
		} else {
			a.MatchAllAccounts = true
		}
		if err := db.CreateSourceApp(ctx, a); err != nil {
			return fmt.Errorf("create app %d: %w", k, err)
		}
	}
	return nil
}

// addClients creates the admin's client and one client for each identity of
// ids, all with the secret benchSecret.
func addClients(ctx context.Context, db mica.Store, admin string, ids []string, info *tenantInfo) error {
	hash, err := oauth.HashSecret(benchSecret)
	if err != nil {
		return err
	}
	mk := func(identity, name string) (string, error) {
		c := &mica.Client{ID: oauth.NewClientID(), Kind: mica.ClientPAT, Name: name, IdentityID: identity,
			Scopes: []string{"sp:scopes:all"}, SecretHash: hash, Enabled: true}
		return c.ID, db.CreateClient(ctx, c)
	}
	if info.AdminID, err = mk(admin, "micabench admin"); err != nil {
		return err
	}
	for i, id := range ids {
		cid, err := mk(id, fmt.Sprintf("micabench %d", i))
		if err != nil {
			return err
		}
		info.ClientIDs = append(info.ClientIDs, cid)
	}
	return nil
}
