package seed_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/micahq/mica"
	"github.com/micahq/mica/api"
	"github.com/micahq/mica/demo"
	"github.com/micahq/mica/internal/pgtest"
	"github.com/micahq/mica/internal/serve"
	"github.com/micahq/mica/oauth"
	"github.com/micahq/mica/postgres"
	"github.com/micahq/mica/seed"
	"github.com/micahq/mica/sqlite"
)

var opts = seed.Options{HashSecret: oauth.HashSecret, CheckSecret: oauth.CheckSecret, KnownScope: api.IsKnownScope}

// stores are fresh, empty stores of each kind.
var stores = map[string]func(t *testing.T) mica.Store{
	"sqlite": func(t *testing.T) mica.Store {
		db, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "mica.db"))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = db.Close() })
		return db
	},
	"postgres": func(t *testing.T) mica.Store {
		db, err := postgres.Open(context.Background(), pgtest.DSN(t))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = db.Close() })
		return db
	},
}

func export(t *testing.T, db mica.Store, format string) []byte {
	t.Helper()
	f, err := seed.Export(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	b, err := f.Write(format)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func load(t *testing.T, db mica.Store, name string, data []byte) {
	t.Helper()
	f, err := seed.Parse(name, data)
	if err != nil {
		t.Fatal(err)
	}
	o := opts
	o.Classify = serve.ClassifyChanged(db)
	if err := seed.Load(context.Background(), db, f, o); err != nil {
		t.Fatal(err)
	}
}

// The example file loads into both stores with everything it declares;
// loading it again changes nothing; export, load into an empty store and
// export again gives the same file, in YAML and in JSON.
func TestLoadAndRoundTrip(t *testing.T) {
	data, err := os.ReadFile("testdata/tenant.yaml")
	if err != nil {
		t.Fatal(err)
	}
	for name, open := range stores {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			db := open(t)
			load(t, db, "testdata/tenant.yaml", data)
			first := export(t, db, "yaml")
			load(t, db, "testdata/tenant.yaml", data)
			if again := export(t, db, "yaml"); !bytes.Equal(first, again) {
				t.Fatalf("loading twice changed the tenant:\n%s", diff(first, again))
			}
			ad, err := db.FindSourceByName(ctx, "Active Directory")
			if err != nil {
				t.Fatal(err)
			}
			page, err := db.ListAccounts(ctx, mica.AccountFilter{SourceID: ad.ID}, mica.ListOptions{Limit: 10, Sorters: "name"})
			if err != nil || len(page.Items) != 2 || page.Items[0].Name != "bob" || page.Items[0].IdentityID == "" {
				t.Fatalf("AD accounts: %+v %v", page.Items, err)
			}
			if svc := page.Items[1]; !svc.IsMachine || svc.ClassificationMethod != "CRITERIA" {
				t.Fatalf("svc_backup was not classified by the file's criteria: %+v", svc)
			}
			csvSrc, _ := db.FindSourceByName(ctx, "HR CSV")
			page, err = db.ListAccounts(ctx, mica.AccountFilter{SourceID: csvSrc.ID}, mica.ListOptions{Limit: 10, Sorters: "name"})
			if err != nil || len(page.Items) != 2 || page.Items[0].Attributes["department"] != "Sales" {
				t.Fatalf("CSV accounts: %+v %v", page.Items, err)
			}
			c, err := db.GetClient(ctx, "5eed0000-0000-4000-8000-000000000001")
			if err != nil || c.Kind != mica.ClientPAT || !oauth.CheckSecret(c.SecretHash, "ci-admin-secret") {
				t.Fatalf("client: %+v %v", c, err)
			}
			if v, _ := db.GetSetting(ctx, mica.SettingTenantName); v != "acme" {
				t.Fatalf("tenant name %q", v)
			}
			for _, format := range []string{"yaml", "json"} {
				out := export(t, db, format)
				other := open(t)
				load(t, other, "export."+format, out)
				if back := export(t, other, format); !bytes.Equal(out, back) {
					t.Fatalf("%s round trip differs:\n%s", format, diff(out, back))
				}
			}
		})
	}
}

// The demo tenant written as a tenant file and loaded into an empty store
// is the same tenant.
func TestDemoRoundTrip(t *testing.T) {
	ctx := context.Background()
	db := stores["sqlite"](t)
	if _, err := serve.SeedDemoData(ctx, db, demo.Config{Identities: 20}, serve.SeedOptions{}); err != nil {
		t.Fatal(err)
	}
	out := export(t, db, "yaml")
	if !bytes.Contains(out, []byte("name: Active Directory")) || !bytes.Contains(out, []byte("groundTruth: MACHINE")) {
		t.Fatalf("demo export lacks its sources or accounts:\n%.2000s", out)
	}
	other := stores["sqlite"](t)
	load(t, other, "demo.yaml", out)
	if back := export(t, other, "yaml"); !bytes.Equal(out, back) {
		t.Fatalf("demo round trip differs:\n%s", diff(out, back))
	}
}

// Bad files fail before anything is written, naming file, line and field.
func TestErrors(t *testing.T) {
	cases := []struct{ file, want string }{
		{"identities:\n  - nam: Ada\n", "t.yaml:2: identities[0].nam: unknown field"},
		{"identities:\n  - name: Ada\n  - name: Ada\n", "t.yaml:3: identities[1].name: \"Ada\" is already"},
		{"sources:\n  - name: AD\n    connector: ad\n", "t.yaml:2: sources[0].owner: a source needs an owner"},
		{"sources:\n  - name: AD\n    owner: x\n    connector: ad\n    deleteThreshold: lots\n", "t.yaml:2: sources[0]: line 5: cannot unmarshal"},
		{"identities: {name: x}\n", "t.yaml:1: identities: a list"},
		{"tenant:\n  name: a\n  color: red\n", "t.yaml:3: tenant.color: unknown field"},
		{"clients:\n  - id: 5eed0000-0000-4000-8000-000000000009\n", "t.yaml:2: clients[0].secret: a client needs a secret"},
		{"sources:\n  - name: AD\n    owner: x\n    connector: ad\n    accounts:\n      - name: a\n", "t.yaml:6: sources[0].accounts[0].nativeIdentity"},
		{"accessProfiles:\n  - name: VPN\n    source: AD\n    owner: x\n    entitlements: [{nme: y}]\n", "entitlement.nme: unknown field"},
		{"[1, 2]\n", "t.yaml:1: the file must be a mapping"},
		{"identities:\n  - name: 'unterminated\n", "t.yaml"},
	}
	for _, c := range cases {
		_, err := seed.Parse("t.yaml", []byte(c.file))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: error %v, want %q", c.file, err, c.want)
		}
	}
	// Errors only the store can see also say where.
	for _, c := range []struct{ file, want string }{
		{"sources:\n  - name: AD\n    owner: Nobody\n    connector: ad\n", "t.yaml:3: sources[0].owner: no identity has the id or name \"Nobody\""},
		{"identities:\n  - name: Ada\nsources:\n  - name: AD\n    owner: Ada\n    connector: ad\n    classification: {enabled: yes, criteria: {operation: NOPE}}\n",
			"t.yaml:7: sources[0].classification:"},
		{"identities:\n  - name: Ada\nsources:\n  - name: AD\n    owner: Ada\n    connector: ad\n    classification: {enabled: true, colour: red}\n",
			"t.yaml:7: sources[0].classification: unknown field \"colour\""},
		{"clients:\n  - id: 5eed0000-0000-4000-8000-000000000009\n    secret: s\n    scopes: [everything]\n", "t.yaml:4: clients[0].scopes: unknown scope"},
		{"identities:\n  - name: Ada\nsources:\n  - name: AD\n    owner: Ada\n    connector: ad\n    accountsFile: missing.csv\n", "t.yaml:7: sources[0].accountsFile"},
	} {
		f, err := seed.Parse("t.yaml", []byte(c.file))
		if err != nil {
			t.Fatalf("%q: %v", c.file, err)
		}
		db := stores["sqlite"](t)
		err = seed.Load(context.Background(), db, f, opts)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: load error %v, want %q", c.file, err, c.want)
		}
		// Found before anything was written.
		if p, err := db.ListIdentities(context.Background(), mica.ListOptions{Limit: 1, Count: true}); err != nil || p.Total != 0 {
			t.Errorf("%q: a failed load wrote %d identities (%v)", c.file, p.Total, err)
		}
	}
}

// diff shows the first lines that differ.
func diff(a, b []byte) string {
	la, lb := strings.Split(string(a), "\n"), strings.Split(string(b), "\n")
	for i := 0; i < len(la) && i < len(lb); i++ {
		if la[i] != lb[i] {
			lo := max(0, i-3)
			return "line " + strconv.Itoa(i+1) + ":\n- " + strings.Join(la[lo:min(len(la), i+3)], "\n- ") + "\n+ " + strings.Join(lb[lo:min(len(lb), i+3)], "\n+ ")
		}
	}
	return "lengths " + strconv.Itoa(len(la)) + " and " + strconv.Itoa(len(lb))
}
