package sqlite_test

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/micahq/mica"
	"github.com/micahq/mica/sqlite"
)

// TestMigrateTimestampsToMilliseconds: values written before migration 0012,
// with six fractional digits, are cut to the millisecond and take the form the
// API shows, so a filter on a shown value finds its item.
func TestMigrateTimestampsToMilliseconds(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "mica.db")
	if err := sqlite.CreateBefore(ctx, path, "migrations/0012_timestamps_milliseconds.sql"); err != nil {
		t.Fatal(err)
	}
	// Write as a server before 0012 did, with six fractional digits.
	raw, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	const ownerID, srcID = "00000000000000000000000000000001", "00000000000000000000000000000002"
	for _, q := range []string{
		`INSERT INTO identities (id, name, created, modified) VALUES ('` + ownerID + `', 'Owner',
			'2026-02-03T04:05:06.000500Z', '2026-02-03T04:05:06.000500Z')`,
		`INSERT INTO sources (id, name, owner_id, connector, created, modified) VALUES ('` + srcID + `', 'AD', '` +
			ownerID + `', 'active-directory', '2026-02-03T04:05:06.789999Z', '2026-02-03T04:05:07.000001Z')`,
	} {
		if _, err := raw.ExecContext(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	if err := raw.Close(); err != nil {
		t.Fatal(err)
	}
	owner, src := &mica.Identity{ID: ownerID}, &mica.Source{ID: srcID}

	db, err := sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = db.Close() }()
	got, err := db.GetSource(ctx, src.ID)
	if err != nil {
		t.Fatal(err)
	}
	if want := time.Date(2026, 2, 3, 4, 5, 6, 789000000, time.UTC); !got.Created.Equal(want) {
		t.Errorf("created = %v, want %v", got.Created, want)
	}
	if want := time.Date(2026, 2, 3, 4, 5, 7, 0, time.UTC); !got.Modified.Equal(want) {
		t.Errorf("modified = %v, want %v", got.Modified, want)
	}
	for filter, n := range map[string]int{
		"created eq 2026-02-03T04:05:06.789Z": 1, "created gt 2026-02-03T04:05:06.789Z": 0,
		"created ge 2026-02-03T04:05:06.789Z": 1, "modified le 2026-02-03T04:05:07.000Z": 1,
		`created sw "2026-02-03T04:05:06.78"`: 1,
	} {
		page, err := db.ListSources(ctx, mica.ListOptions{Filters: filter, Limit: 10})
		if err != nil {
			t.Fatalf("%s: %v", filter, err)
		}
		if len(page.Items) != n {
			t.Errorf("%s: %d sources, want %d", filter, len(page.Items), n)
		}
	}
	ident, err := db.GetIdentity(ctx, owner.ID)
	if err != nil {
		t.Fatal(err)
	}
	if want := time.Date(2026, 2, 3, 4, 5, 6, 0, time.UTC); !ident.Created.Equal(want) {
		t.Errorf("identity created = %v, want %v", ident.Created, want)
	}
}

// TestMigrateClassificationState: migration 0016 moves every account's
// classification into account_classifications and keeps what the API shows of
// each account (its classification and its modified time), the accounts
// listed as machines, and a job that was running, which goes on from where it
// was and skips an account deleted before the upgrade; deleting a source still
// cascades to its accounts' classifications.
func TestMigrateClassificationState(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "mica.db")
	if err := sqlite.CreateBefore(ctx, path, "migrations/0016_classification_state.sql"); err != nil {
		t.Fatal(err)
	}
	raw, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	const ownerID, srcID, jobID = "00000000000000000000000000000001", "00000000000000000000000000000002", "job1"
	const t1, t2, t3, t4 = "2026-01-01T00:00:01.000Z", "2026-01-02T00:00:02.000Z", "2026-01-03T00:00:03.000Z",
		"2026-01-04T00:00:04.000Z"
	account := func(id, machine, method, at, recType, recMethod, modified string) string {
		return `INSERT INTO accounts (id, source_id, source_name, native_identity, name, attributes, is_machine,
			classification_method, classified_at, recommendation_type, recommendation_method, subtype, created, modified)
			VALUES ('` + id + `', '` + srcID + `', 'AD', '` + id + `', '` + id + `', '{"kind":"svc"}', ` + machine + `, ` +
			method + `, ` + at + `, ` + recType + `, ` + recMethod + `, NULL, '` + t1 + `', '` + modified + `')`
	}
	for _, q := range []string{
		`INSERT INTO identities (id, name, created, modified) VALUES ('` + ownerID + `', 'Owner', '` + t1 + `', '` + t1 + `')`,
		`INSERT INTO sources (id, name, owner_id, connector, created, modified) VALUES ('` + srcID + `', 'AD', '` +
			ownerID + `', 'active-directory', '` + t1 + `', '` + t1 + `')`,
		account("human", "0", "NULL", "NULL", "NULL", "NULL", t1),
		account("gone", "0", "NULL", "NULL", "NULL", "NULL", t1),
		account("machine", "1", "'SOURCE'", "'"+t2+"'", "NULL", "NULL", t2),
		account("manual", "1", "'MANUAL'", "'"+t3+"'", "NULL", "NULL", t3),
		account("recommended", "0", "NULL", "NULL", "'MACHINE'", "'DISCOVERY'", t4),
		`UPDATE accounts SET subtype = 'svc' WHERE id = 'manual'`,
		`INSERT INTO classification_jobs (id, source_id, status, expected, received, completed, config, reason, started,
			updated) VALUES ('` + jobID + `', '` + srcID + `', 'COLLECTED', 5, 5, 1,
			'{"enabled":true,"classificationMethod":"SOURCE","created":"` + t1 + `","modified":null}', '', '` + t1 + `', '` + t1 + `')`,
		`INSERT INTO classification_job_items (job_id, seq, account_id) VALUES ('` + jobID + `', 1, 'human'),
			('` + jobID + `', 2, 'machine'), ('` + jobID + `', 3, 'gone'), ('` + jobID + `', 4, 'manual'),
			('` + jobID + `', 5, 'recommended')`,
		`DELETE FROM accounts WHERE id = 'gone'`,
	} {
		if _, err := raw.ExecContext(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	if err := raw.Close(); err != nil {
		t.Fatal(err)
	}

	db, err := sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = db.Close() }()
	show := func(id string) string {
		t.Helper()
		a, err := db.GetAccount(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		s := fmt.Sprintf("%v %q %v %s", a.IsMachine, a.ClassificationMethod, a.ClassifiedAt != nil, a.Modified.Format(time.RFC3339))
		if a.ClassifiedAt != nil {
			s += " at " + a.ClassifiedAt.Format(time.RFC3339)
		}
		if a.Recommendation != nil {
			s += " " + a.Recommendation.Type + "/" + a.Recommendation.Method
		}
		return s
	}
	for id, want := range map[string]string{
		"human":       `false "" false 2026-01-01T00:00:01Z`,
		"machine":     `true "SOURCE" true 2026-01-02T00:00:02Z at 2026-01-02T00:00:02Z`,
		"manual":      `true "MANUAL" true 2026-01-03T00:00:03Z at 2026-01-03T00:00:03Z`,
		"recommended": `false "" false 2026-01-04T00:00:04Z MACHINE/DISCOVERY`,
	} {
		if got := show(id); got != want {
			t.Errorf("%s after the migration: %s, want %s", id, got, want)
		}
	}
	machines, err := db.ListMachineAccounts(ctx, mica.ListOptions{Limit: 10, Sorters: "name"})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, a := range machines.Items {
		names = append(names, a.Name+":"+a.Subtype)
	}
	if fmt.Sprint(names) != "[machine: manual:svc]" {
		t.Errorf("machine accounts %v, want [machine: manual:svc]", names)
	}

	// The job goes on with items 2 to 5; the deleted account is skipped.
	var seen []string
	job, err := db.ProcessClassificationBatch(ctx, jobID, 10, func(a *mica.AccountClassification) (bool, string, *mica.Recommendation, bool) {
		seen = append(seen, a.AccountID)
		if a.Method == mica.MethodManual {
			return a.IsMachine, a.Method, a.Recommendation, false
		}
		return true, mica.MethodSource, nil, !a.IsMachine
	})
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(seen) != "[machine manual recommended]" || job.Status != mica.JobCompleted || job.Completed != 5 {
		t.Errorf("job after the migration decided %v, ended %s with %d of %d", seen, job.Status, job.Completed, job.Expected)
	}
	if got := show("recommended"); !strings.HasPrefix(got, `true "SOURCE" true `) || strings.Contains(got, t4[:10]) {
		t.Errorf("recommended after the job: %s, want a machine classified now", got)
	}
	if got, want := show("machine"), `true "SOURCE" true 2026-01-02T00:00:02Z at 2026-01-02T00:00:02Z`; got != want {
		t.Errorf("machine after the job: %s, want it unchanged: %s", got, want)
	}

	// The rebuilt accounts table keeps its foreign keys: a source's deletion
	// takes its accounts and their classifications.
	raw, err = sql.Open("sqlite", "file:"+path+"?_pragma=foreign_keys(1)&_pragma=busy_timeout(5000)")
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = raw.Close() }()
	if _, err := raw.ExecContext(ctx, `DELETE FROM sources WHERE id = ?`, srcID); err != nil {
		t.Fatal(err)
	}
	var n int
	if err := raw.QueryRowContext(ctx, `SELECT (SELECT count(*) FROM accounts) + (SELECT count(*) FROM account_classifications)
		+ (SELECT count(*) FROM classification_job_blocks)`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		t.Errorf("%d rows left after deleting the source, want 0", n)
	}
}
