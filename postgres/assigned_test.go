package postgres_test

import (
	"context"
	"fmt"
	"math/rand"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/micahq/mica"
	"github.com/micahq/mica/postgres"
)

// pgAppFixture builds tenants for the assigned-apps tests: through the store,
// and through a connection of its own (as another process would write).
type pgAppFixture struct {
	t   *testing.T
	dsn string
	db  *postgres.DB
	raw *pgxpool.Pool
	n   int
	mu  sync.Mutex
}

func newPGAppFixture(t *testing.T) *pgAppFixture {
	t.Helper()
	dsn := testDSN(t)
	db, err := postgres.Open(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	raw, err := pgxpool.New(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(raw.Close)
	return &pgAppFixture{t: t, dsn: dsn, db: db, raw: raw}
}

func (f *pgAppFixture) exec(q string, args ...any) {
	f.t.Helper()
	if _, err := f.raw.Exec(context.Background(), q, args...); err != nil {
		f.t.Fatalf("%s: %v", q, err)
	}
}

func (f *pgAppFixture) now() time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.n++
	return time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(f.n) * time.Second)
}

func (f *pgAppFixture) identity(name string) *mica.Identity {
	f.t.Helper()
	i := &mica.Identity{Name: name, Alias: strings.ToLower(name)}
	if err := f.db.CreateIdentity(context.Background(), i); err != nil {
		f.t.Fatal(err)
	}
	return i
}

func (f *pgAppFixture) source(name string, owner *mica.Identity) *mica.Source {
	f.t.Helper()
	s := &mica.Source{Name: name, Owner: mica.Ref{ID: owner.ID}, Connector: "x"}
	if err := f.db.CreateSource(context.Background(), s); err != nil {
		f.t.Fatal(err)
	}
	return s
}

// account inserts an account of ident on src through the fixture's connection.
func (f *pgAppFixture) account(ident *mica.Identity, src *mica.Source, name string) string {
	id := mica.NewID()
	now := f.now()
	f.exec(`INSERT INTO accounts (id, source_id, source_name, native_identity, name, identity_id, uncorrelated, created, modified)
		VALUES ($1, $2, $3, $4, $5, $6, false, $7, $7)`, id, src.ID, src.Name, "CN="+name+"-"+id, name, ident.ID, now)
	return id
}

func (f *pgAppFixture) accessProfile(src *mica.Source, name string) string {
	id := mica.NewID()
	f.exec(`INSERT INTO access_profiles (id, name, owner_id, source_id, source_name, enabled, entitlements, created, modified)
		VALUES ($1, $2, $3, $4, $5, true, '[]', $6, $6)`, id, name, src.Owner.ID, src.ID, src.Name, f.now())
	return id
}

func (f *pgAppFixture) grant(ident *mica.Identity, ap string) {
	f.exec(`INSERT INTO identity_access_profiles (identity_id, access_profile_id, created) VALUES ($1, $2, $3)
		ON CONFLICT DO NOTHING`, ident.ID, ap, f.now())
}

func (f *pgAppFixture) revoke(ident *mica.Identity, ap string) {
	f.exec(`DELETE FROM identity_access_profiles WHERE identity_id = $1 AND access_profile_id = $2`, ident.ID, ap)
}

func (f *pgAppFixture) app(name string, src *mica.Source, matchAll bool, aps ...string) *mica.SourceApp {
	f.t.Helper()
	a := &mica.SourceApp{Name: name, Description: name, Enabled: true, ProvisionRequestEnabled: true, AppCenterEnabled: true,
		MatchAllAccounts: matchAll, AccountSource: &mica.Ref{ID: src.ID}, Owner: &mica.Ref{ID: src.Owner.ID}, AccessProfiles: aps}
	if err := f.db.CreateSourceApp(context.Background(), a); err != nil {
		f.t.Fatal(err)
	}
	return a
}

func updateApp(t *testing.T, db *postgres.DB, id string, fn func(a *mica.SourceApp)) {
	t.Helper()
	if _, err := db.UpdateSourceApps(context.Background(), []string{id}, func(a *mica.SourceApp) error {
		fn(a)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
}

// TestAssignedCacheMatchesSQL builds a random tenant and compares the cached
// answer of GET /source-apps/assigned with the SQL one for random identities,
// filters, sorters and pages, then changes the data in every way that moves
// an assignment (through the store and through another connection, as another
// server would) and compares again: the cache must answer, and answer exactly
// what SQL answers, at every step. App names have non-ASCII letters and
// punctuation, which PostgreSQL's lower() and collation order in their own way.
func TestAssignedCacheMatchesSQL(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	rng := rand.New(rand.NewSource(7))
	f := newPGAppFixture(t)
	admin := f.identity("Admin")
	var people []*mica.Identity
	for i := 0; i < 12; i++ {
		people = append(people, f.identity(fmt.Sprintf("P%02d", i)))
	}
	var sources []*mica.Source
	var profiles [][]string
	for i := 0; i < 4; i++ {
		src := f.source(fmt.Sprintf("S%d", i), admin)
		sources = append(sources, src)
		var aps []string
		for k := 0; k < 3; k++ {
			aps = append(aps, f.accessProfile(src, fmt.Sprintf("ap%d%d", i, k)))
		}
		profiles = append(profiles, aps)
	}
	for _, p := range people {
		for i, src := range sources {
			if rng.Intn(3) > 0 {
				f.account(p, src, fmt.Sprintf("%s-%d", p.Name, i))
			}
			for _, ap := range profiles[i] {
				if rng.Intn(3) == 0 {
					f.grant(p, ap)
				}
			}
		}
	}
	newcomer := f.identity("Newcomer") // no accounts until a step gives them some
	people = append(people, newcomer)
	names := []string{"Mail", "mail", "VPN", "vpn-EU", "Payroll", "pay", "CRM", "crm_x", "Zeta", "a%b", "Élan", "éclair",
		"Ωmega", "a b", "ab"}
	var apps []*mica.SourceApp
	newApp := func() {
		i := rng.Intn(len(sources))
		var aps []string
		for _, ap := range profiles[i] {
			if rng.Intn(2) == 0 {
				aps = append(aps, ap)
			}
		}
		a := f.app(names[rng.Intn(len(names))], sources[i], rng.Intn(3) == 0, aps...)
		apps = append(apps, a)
	}
	for i := 0; i < 120; i++ {
		newApp()
	}
	if _, err := f.db.SaveSnapshot(ctx, "start"); err != nil {
		t.Fatal(err)
	}
	filters := func() string {
		a := apps[rng.Intn(len(apps))]
		tm := a.Created.Add(time.Duration(rng.Intn(3)-1) * time.Second)
		if rng.Intn(4) == 0 {
			tm = tm.Add(500 * time.Microsecond) // finer than stored
		}
		name := func() string { return names[rng.Intn(len(names))] }
		conds := []string{
			fmt.Sprintf(`name sw %q`, strings.ToUpper(string([]rune(name())[:1]))),
			fmt.Sprintf(`name co %q`, string([]rune(name())[1:3])),
			fmt.Sprintf(`name eq %q`, name()),
			fmt.Sprintf(`name in (%q, %q)`, name(), strings.ToUpper(name())),
			fmt.Sprintf(`created gt %s`, tm.Format(time.RFC3339Nano)),
			fmt.Sprintf(`modified le %s`, tm.Format(time.RFC3339Nano)),
			fmt.Sprintf(`accountSource.id eq %q`, sources[rng.Intn(len(sources))].ID),
			fmt.Sprintf(`id in (%q, %q)`, a.ID, apps[rng.Intn(len(apps))].ID),
		}
		switch rng.Intn(5) {
		case 0:
			return ""
		case 1, 2:
			return conds[rng.Intn(len(conds))]
		case 3:
			return fmt.Sprintf("%s or not (%s)", conds[rng.Intn(len(conds))], conds[rng.Intn(len(conds))])
		}
		return fmt.Sprintf("(%s) and %s", conds[rng.Intn(len(conds))], conds[rng.Intn(len(conds))])
	}
	sorters := []string{"", "name", "-name", "created", "-modified", "accountSource.id,-name", "id", "-id", "name,-created"}
	compare := func(step string) {
		t.Helper()
		for q := 0; q < 150; q++ {
			ident := people[rng.Intn(len(people))].ID
			opt := mica.ListOptions{Filters: filters(), Sorters: sorters[rng.Intn(len(sorters))],
				Limit: []int{0, 1, 7, 50, 250}[rng.Intn(5)], Offset: []int{0, 0, 3, 20}[rng.Intn(4)], Count: rng.Intn(2) == 0}
			want, werr := f.db.ListAssignedSQL(ctx, ident, opt)
			got, ok, gerr := f.db.ListAssignedCached(ctx, ident, opt)
			if !ok {
				t.Fatalf("%s: the cache did not answer %+v: %v", step, opt, gerr)
			}
			if fmt.Sprint(werr) != fmt.Sprint(gerr) {
				t.Fatalf("%s: %+v: error %v, SQL says %v", step, opt, gerr, werr)
			}
			if werr != nil {
				continue
			}
			if !got.Shared || want.Shared {
				t.Fatalf("%s: the cache's page is not shared, or SQL's is", step)
			}
			if len(got.Kept) != len(got.Items) {
				t.Fatalf("%s: the cache's page has %d JSON slots for %d items", step, len(got.Kept), len(got.Items))
			}
			got.Shared, got.Kept = false, nil
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("%s: %+v:\n got %d items, total %d: %v\nwant %d items, total %d: %v", step, opt,
					len(got.Items), got.Total, appNames(got.Items), len(want.Items), want.Total, appNames(want.Items))
			}
		}
	}
	compare("initial")
	for _, bad := range []mica.ListOptions{{Filters: `owner.id eq "x"`}, {Sorters: "bogus"}, {Filters: `name eq`},
		{Filters: `name eq`, Sorters: "bogus"}, {Filters: `name eq "x"`, Sorters: "bogus"}} {
		_, werr := f.db.ListAssignedSQL(ctx, people[0].ID, bad)
		_, _, gerr := f.db.ListAssignedCached(ctx, people[0].ID, bad)
		if werr == nil || mica.ErrorCode(gerr) != mica.ErrorCode(werr) || gerr.Error() != werr.Error() {
			t.Fatalf("%+v: cache error %v, SQL error %v", bad, gerr, werr)
		}
	}
	p := people[0]
	steps := []struct {
		name   string
		change func()
	}{
		{"new apps", func() { newApp(); newApp() }},
		{"disable an app", func() { updateApp(t, f.db, apps[3].ID, func(a *mica.SourceApp) { a.Enabled = false }) }},
		{"rename an app", func() { updateApp(t, f.db, apps[5].ID, func(a *mica.SourceApp) { a.Name = "renamed" }) }},
		{"match all", func() { updateApp(t, f.db, apps[7].ID, func(a *mica.SourceApp) { a.MatchAllAccounts = true }) }},
		{"grant through the store", func() {
			if err := f.db.AssignAccessProfile(ctx, p.ID, profiles[1][0]); err != nil && mica.ErrorCode(err) != mica.ECONFLICT {
				t.Fatal(err)
			}
		}},
		{"revoke in another connection", func() { f.revoke(p, profiles[1][0]) }},
		{"new accounts in another connection", func() {
			for _, src := range sources {
				f.account(newcomer, src, "newcomer")
			}
		}},
		{"an account moves to another identity", func() {
			f.exec(`UPDATE accounts SET identity_id = $1 WHERE id = (SELECT min(id) FROM accounts WHERE identity_id = $2)`,
				people[2].ID, people[3].ID)
		}},
		{"rename a source in another connection", func() { f.exec(`UPDATE sources SET name = 'S1 renamed' WHERE id = $1`, sources[1].ID) }},
		{"rename the owner in another connection", func() { f.exec(`UPDATE identities SET name = 'Root' WHERE id = $1`, admin.ID) }},
		{"an app loses an access profile", func() {
			f.exec(`DELETE FROM source_app_access_profiles WHERE (source_app_id, access_profile_id) =
				(SELECT source_app_id, access_profile_id FROM source_app_access_profiles ORDER BY 1, 2 LIMIT 1)`)
		}},
		{"delete accounts in another connection", func() { f.exec(`DELETE FROM accounts WHERE identity_id = $1`, people[1].ID) }},
		{"delete an app", func() {
			if _, err := f.db.DeleteSourceApp(ctx, apps[9].ID); err != nil {
				t.Fatal(err)
			}
		}},
		{"delete a source", func() { f.exec(`DELETE FROM sources WHERE id = $1`, sources[2].ID) }},
		{"the log pruned", func() {
			for range 1100 { // above the pruning threshold
				f.exec(`UPDATE sources SET name = name WHERE id = $1`, sources[0].ID)
			}
			// a change (every app of S0 shows the name) whose row the pruning
			// deletes (unless a transaction of another test holds the xmin
			// back): only the horizon tells the cache
			f.exec(`UPDATE sources SET name = 'S0 pruned' WHERE id = $1`, sources[0].ID)
			f.db.PruneCacheChanges(ctx)
			var h string
			if err := f.raw.QueryRow(ctx, `SELECT h::text FROM cache_horizon`).Scan(&h); err != nil || h == "0" {
				t.Fatalf("the horizon is %q after pruning (%v)", h, err)
			}
		}},
		{"a snapshot restored", func() {
			if err := f.db.RestoreSnapshot(ctx, "start"); err != nil {
				t.Fatal(err)
			}
		}},
	}
	for _, s := range steps {
		s.change()
		compare(s.name)
	}
}

func appNames(apps []*mica.SourceApp) string {
	var b strings.Builder
	for _, a := range apps {
		fmt.Fprintf(&b, "%s/%s ", a.Name, a.ID[:6])
	}
	return b.String()
}

// TestAssignedCacheTwoServers runs two stores (two servers) on one database,
// with writers and readers on both at once: after each write is acknowledged,
// by either server or by another connection, both servers answer the new
// state at once, from their caches, for the assigned apps and for
// authentication.
func TestAssignedCacheTwoServers(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newPGAppFixture(t)
	other, err := postgres.Open(ctx, f.dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = other.Close() })
	servers := []*postgres.DB{f.db, other}
	admin := f.identity("Admin")

	// Each writer has sources, apps, an identity and a client of its own, so
	// that it knows what its identity must be assigned; the other writers'
	// changes make the caches go stale all the time.
	type writer struct {
		ident          *mica.Identity
		client         *mica.Client
		s0, s1         *mica.Source
		ap             string
		byGrant        *mica.SourceApp // on s0, through ap
		byAccount      *mica.SourceApp // on s1, match all
		toggled        *mica.SourceApp // on s0, match all, enabled or not
		s1Account      string
		granted, onS1  bool
		enabled        bool
		toggledName    string
		clientDisabled bool
	}
	const writers, rounds = 4, 30
	ws := make([]*writer, writers)
	for w := range ws {
		x := &writer{ident: f.identity(fmt.Sprintf("W%d", w)), enabled: true}
		x.s0, x.s1 = f.source(fmt.Sprintf("W%d-S0", w), admin), f.source(fmt.Sprintf("W%d-S1", w), admin)
		x.ap = f.accessProfile(x.s0, fmt.Sprintf("W%d-ap", w))
		f.account(x.ident, x.s0, fmt.Sprintf("w%d", w))
		x.byGrant = f.app(fmt.Sprintf("W%d grant", w), x.s0, false, x.ap)
		x.byAccount = f.app(fmt.Sprintf("W%d account", w), x.s1, true)
		x.toggled = f.app(fmt.Sprintf("W%d toggled", w), x.s0, true)
		x.toggledName = x.toggled.Name
		x.client = &mica.Client{ID: mica.NewID(), Kind: mica.ClientPAT, Name: "pat", IdentityID: x.ident.ID,
			SecretHash: "x", Scopes: []string{"sp:scopes:all"}, Enabled: true}
		if err := f.db.CreateClient(ctx, x.client); err != nil {
			t.Fatal(err)
		}
		ws[w] = x
	}

	stop := make(chan struct{})
	var readers sync.WaitGroup
	for r := 0; r < 2; r++ {
		readers.Add(1)
		go func(r int) {
			defer readers.Done()
			rng := rand.New(rand.NewSource(int64(r)))
			for {
				select {
				case <-stop:
					return
				default:
				}
				x := ws[rng.Intn(len(ws))]
				db := servers[rng.Intn(2)]
				ctx := mica.WithArrival(ctx, time.Now())
				opt := mica.ListOptions{Limit: 2, Sorters: []string{"", "-name"}[rng.Intn(2)],
					Filters: []string{"", `name sw "W"`}[rng.Intn(2)], Count: true}
				if _, err := db.ListAssignedSourceApps(ctx, x.ident.ID, opt); err != nil {
					t.Error(err)
					return
				}
				if _, _, err := db.AuthLookup(ctx, x.client.ID, x.ident.ID); err != nil {
					t.Error(err)
					return
				}
			}
		}(r)
	}

	check := func(x *writer, step string) error {
		var want []string
		if x.granted {
			want = append(want, x.byGrant.Name)
		}
		if x.onS1 {
			want = append(want, x.byAccount.Name)
		}
		if x.enabled {
			want = append(want, x.toggledName)
		}
		slices.Sort(want)
		for _, db := range servers {
			// As the API asks: authentication, then the list, each from a
			// check that began after the request arrived (mica.Arrival), here
			// once the write was acknowledged.
			ctx := mica.WithArrival(ctx, time.Now())
			c, _, err := db.AuthLookup(ctx, x.client.ID, x.ident.ID)
			if err != nil {
				return err
			}
			if c.Enabled == x.clientDisabled {
				return fmt.Errorf("after %s: client enabled %v, want %v", step, c.Enabled, !x.clientDisabled)
			}
			for _, sorters := range []string{"", "-name"} { // as the readers ask: cached
				p, err := db.ListAssignedSourceApps(ctx, x.ident.ID, mica.ListOptions{Limit: 250, Count: true, Sorters: sorters})
				if err != nil {
					return err
				}
				got := []string{}
				for _, a := range p.Items {
					got = append(got, a.Name)
				}
				slices.Sort(got)
				if !slices.Equal(got, want) || p.Total != len(want) {
					return fmt.Errorf("after %s: assigned %v (total %d), want %v", step, got, p.Total, want)
				}
			}
		}
		return nil
	}

	// Both servers cache every writer's answers before the writes begin.
	for _, x := range ws {
		if err := check(x, "the start"); err != nil {
			close(stop)
			readers.Wait()
			t.Fatal(err)
		}
	}
	var wg sync.WaitGroup
	errs := make(chan error, writers)
	for w, x := range ws {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewSource(int64(100 + w)))
			for round := 0; round < rounds; round++ {
				db := servers[rng.Intn(2)]
				var step string
				var err error
				switch rng.Intn(5) {
				case 0:
					step = "a grant through a server"
					if x.granted {
						err = db.UnassignAccessProfile(ctx, x.ident.ID, x.ap)
					} else {
						err = db.AssignAccessProfile(ctx, x.ident.ID, x.ap)
					}
					x.granted = !x.granted
				case 1:
					step = "an account in another connection"
					if x.onS1 {
						_, err = f.raw.Exec(ctx, `DELETE FROM accounts WHERE id = $1`, x.s1Account)
					} else {
						x.s1Account = mica.NewID()
						_, err = f.raw.Exec(ctx, `INSERT INTO accounts (id, source_id, native_identity, name, identity_id,
							uncorrelated, created, modified) VALUES ($1, $2, $1, $1, $3, false, now(), now())`,
							x.s1Account, x.s1.ID, x.ident.ID)
					}
					x.onS1 = !x.onS1
				case 2:
					step = "an app enabled or disabled through a server"
					x.enabled = !x.enabled
					_, err = db.UpdateSourceApps(ctx, []string{x.toggled.ID}, func(a *mica.SourceApp) error {
						a.Enabled = x.enabled
						return nil
					})
				case 3:
					step = "an app renamed through a server"
					x.toggledName = fmt.Sprintf("W%d toggled %d", w, round)
					_, err = db.UpdateSourceApps(ctx, []string{x.toggled.ID}, func(a *mica.SourceApp) error {
						a.Name = x.toggledName
						return nil
					})
				case 4:
					step = "a client enabled or disabled through a server"
					x.clientDisabled = !x.clientDisabled
					_, err = db.UpdateClient(ctx, x.client.ID, func(c *mica.Client) error {
						c.Enabled = !x.clientDisabled
						return nil
					})
				}
				if err == nil {
					err = check(x, step)
				}
				if err != nil {
					errs <- fmt.Errorf("writer %d, round %d: %w", w, round, err)
					return
				}
			}
		}()
	}
	wg.Wait()
	close(stop)
	readers.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}
