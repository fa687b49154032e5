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

// TestRestoreSnapshotBeforeClassificationState: a snapshot saved before
// migration 0017 (the classification state on its accounts' rows) restores
// its accounts' classifications into account_classifications.
func TestRestoreSnapshotBeforeClassificationState(t *testing.T) {
	t.Parallel()
	dsn := testDSN(t)
	ctx := context.Background()
	db, err := postgres.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = db.Close() }()
	owner := &mica.Identity{Name: "Owner"}
	if err := db.CreateIdentity(ctx, owner); err != nil {
		t.Fatal(err)
	}
	src := &mica.Source{Name: "AD", Owner: mica.Ref{ID: owner.ID}, Connector: "active-directory"}
	if err := db.CreateSource(ctx, src); err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 4, 5, 6, 7, 8, 9000000, time.UTC)
	svc := &mica.Account{SourceID: src.ID, NativeIdentity: "svc-1", Name: "svc-1", IsMachine: true,
		ClassificationMethod: "CRITERIA", ClassifiedAt: &at}
	human := &mica.Account{SourceID: src.ID, NativeIdentity: "jdoe", Name: "jdoe"}
	if err := db.CreateAccounts(ctx, []*mica.Account{svc, human}); err != nil {
		t.Fatal(err)
	}
	if _, err := db.SaveSnapshot(ctx, "old"); err != nil {
		t.Fatal(err)
	}
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = conn.Close(ctx) }()
	var schema string
	if err := conn.QueryRow(ctx, `SELECT current_schema()`).Scan(&schema); err != nil {
		t.Fatal(err)
	}
	snap := pgx.Identifier{postgres.SnapshotSchema(schema, "old")}.Sanitize()
	// Make the snapshot one a server before 0017 saved.
	for _, q := range []string{
		`ALTER TABLE ` + snap + `.accounts ADD COLUMN is_machine boolean NOT NULL DEFAULT false,
			ADD COLUMN classification_method text, ADD COLUMN classified_at timestamptz(3),
			ADD COLUMN recommendation_type text, ADD COLUMN recommendation_method text`,
		`UPDATE ` + snap + `.accounts a SET is_machine = c.is_machine, classification_method = c.classification_method,
			classified_at = c.classified_at FROM ` + snap + `.account_classifications c WHERE c.account_id = a.id`,
		`DROP TABLE ` + snap + `.account_classifications`,
		`UPDATE ` + snap + `.mica_snapshot SET migrations = array_remove(migrations, 'migrations/0017_classification_state.sql')`,
	} {
		if _, err := conn.Exec(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	if _, err := db.Declassify(ctx, src.ID); err != nil {
		t.Fatal(err)
	}
	if err := db.RestoreSnapshot(ctx, "old"); err != nil {
		t.Fatal(err)
	}
	got, err := db.GetAccount(ctx, svc.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !got.IsMachine || got.ClassificationMethod != "CRITERIA" || got.ClassifiedAt == nil || !got.ClassifiedAt.Equal(at) {
		t.Errorf("restored machine account: machine %v method %q classifiedAt %v", got.IsMachine,
			got.ClassificationMethod, got.ClassifiedAt)
	}
	if got, err := db.GetAccount(ctx, human.ID); err != nil || got.IsMachine || got.ClassificationMethod != "" {
		t.Errorf("restored human account: %+v %v", got, err)
	}
}
