package postgres_test

import (
	"context"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/micahq/mica"
	"github.com/micahq/mica/postgres"
)

// TestMigrateClassificationState: a database with classified accounts, as
// mica left it before migration 0017 (the state on the accounts' rows), keeps
// every account's classification, recommendation and modified when 0017 moves
// the state into account_classifications; the accounts read as before, and
// classifying afterwards writes the new table.
func TestMigrateClassificationState(t *testing.T) {
	t.Parallel()
	dsn := testDSN(t)
	ctx := context.Background()
	if err := postgres.MigrateBefore(ctx, dsn, "migrations/0017"); err != nil {
		t.Fatal(err)
	}
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = conn.Close(ctx) }()
	created := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	modified := time.Date(2026, 3, 2, 11, 30, 0, 123000000, time.UTC)
	classifiedAt := time.Date(2026, 3, 2, 11, 29, 0, 456000000, time.UTC)
	for _, q := range []string{
		`INSERT INTO identities (id, name, created, modified) VALUES ('owner', 'Owner', now(), now())`,
		`INSERT INTO sources (id, name, owner_id, connector, created, modified) VALUES ('src', 'AD', 'owner', 'active-directory', now(), now())`,
	} {
		if _, err := conn.Exec(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	type old struct {
		id, name           string
		machine            bool
		method             *string
		at                 *time.Time
		recType, recMethod *string
	}
	s := func(v string) *string { return &v }
	rows := []old{
		{id: "a-svc", name: "svc-backup", machine: true, method: s("CRITERIA"), at: &classifiedAt},
		{id: "a-manual", name: "build-bot", machine: true, method: s("MANUAL"), at: &classifiedAt,
			recType: s("HUMAN"), recMethod: s("DISCOVERY")},
		{id: "a-rec", name: "jsmith", recType: s("MACHINE"), recMethod: s("DISCOVERY")},
		{id: "a-human", name: "adoe"},
	}
	for _, r := range rows {
		if _, err := conn.Exec(ctx, `INSERT INTO accounts (id, source_id, source_name, native_identity, name, attributes,
			is_machine, classification_method, classified_at, recommendation_type, recommendation_method, created, modified)
			VALUES ($1, 'src', 'AD', $2, $2, '{"cn": "x"}', $3, $4, $5, $6, $7, $8, $9)`,
			r.id, r.name, r.machine, r.method, r.at, r.recType, r.recMethod, created, modified); err != nil {
			t.Fatal(err)
		}
	}

	db, err := postgres.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = db.Close() }()
	var stored int
	if err := conn.QueryRow(ctx, `SELECT count(*) FROM account_classifications`).Scan(&stored); err != nil {
		t.Fatal(err)
	}
	if stored != 3 {
		t.Errorf("%d rows in account_classifications, want 3 (the unclassified human has none)", stored)
	}
	for _, r := range rows {
		a, err := db.GetAccount(ctx, r.id)
		if err != nil {
			t.Fatal(err)
		}
		if a.IsMachine != r.machine || a.ClassificationMethod != deref(r.method) || !a.Modified.Equal(modified) ||
			!a.Created.Equal(created) || a.Attributes["cn"] != "x" {
			t.Errorf("%s: machine %v method %q modified %v created %v attributes %v", r.id, a.IsMachine,
				a.ClassificationMethod, a.Modified, a.Created, a.Attributes)
		}
		if (a.ClassifiedAt == nil) != (r.at == nil) || (r.at != nil && !a.ClassifiedAt.Equal(*r.at)) {
			t.Errorf("%s: classifiedAt %v, want %v", r.id, a.ClassifiedAt, r.at)
		}
		want := (*mica.Recommendation)(nil)
		if r.recType != nil {
			want = &mica.Recommendation{Type: *r.recType, Method: *r.recMethod}
		}
		if (a.Recommendation == nil) != (want == nil) || (want != nil && *a.Recommendation != *want) {
			t.Errorf("%s: recommendation %v, want %v", r.id, a.Recommendation, want)
		}
	}
	page, err := db.ListMachineAccounts(ctx, mica.ListOptions{Limit: 10, Count: true, Sorters: "name"})
	if err != nil {
		t.Fatal(err)
	}
	if page.Total != 2 || len(page.Items) != 2 || page.Items[0].ID != "a-manual" || page.Items[1].ID != "a-svc" {
		t.Errorf("machine accounts after the migration: total %d, %d items", page.Total, len(page.Items))
	}
	counts, err := db.CountAccountsBySource(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(counts) != 1 || counts[0].Accounts != 4 || counts[0].Machines != 2 || counts[0].Recommended != 2 {
		t.Errorf("counts after the migration: %+v", counts)
	}

	// Declassifying writes the new table: the machines become humans, the
	// human recommendation goes, and the accounts show the time as modified.
	before := time.Now().UTC().Add(-time.Second)
	n, err := db.Declassify(ctx, "src")
	if err != nil || n != 2 {
		t.Fatalf("declassify: %d %v", n, err)
	}
	for _, id := range []string{"a-svc", "a-manual"} {
		a, err := db.GetAccount(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if a.IsMachine || a.ClassificationMethod != "" || a.ClassifiedAt != nil || a.Recommendation != nil ||
			a.Modified.Before(before) {
			t.Errorf("%s after declassify: %+v", id, a)
		}
	}
	// The accounts' own rows no longer carry the state, nor its indexes.
	var cols int
	if err := conn.QueryRow(ctx, `SELECT count(*) FROM information_schema.columns WHERE table_schema = current_schema()
		AND table_name = 'accounts' AND column_name IN ('is_machine', 'classification_method', 'classified_at',
		'recommendation_type', 'recommendation_method')`).Scan(&cols); err != nil {
		t.Fatal(err)
	}
	if cols != 0 {
		t.Errorf("accounts still has %d classification columns", cols)
	}
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
