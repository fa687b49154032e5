package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/micahq/mica"
	"github.com/micahq/mica/aggregate"
	"github.com/micahq/mica/classify"
)

// stagingFixture is a store with continuous classification (as mica serve
// installs it), a fixed clock, and a delimited-file source.
type stagingFixture struct {
	t   *testing.T
	db  *DB
	src *mica.Source
}

func newStagingFixture(t *testing.T) *stagingFixture {
	t.Helper()
	ctx := context.Background()
	db, err := Open(ctx, filepath.Join(t.TempDir(), "mica.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	at := time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)
	db.Now = func() time.Time { at = at.Add(time.Second); return at }
	db.SetClassifier(classify.Continuous)
	f := &stagingFixture{t: t, db: db}
	owner := &mica.Identity{Name: "Jane Doe", Alias: "jdoe", Email: "jane@example.com"}
	f.must(db.CreateIdentity(ctx, owner))
	f.src = &mica.Source{Name: "Files", Owner: mica.Ref{ID: owner.ID}, ConnectorAttributes: map[string]any{"mergeColumns": []any{"groups"}}}
	f.src.MakeDelimitedFile()
	f.must(db.CreateSource(ctx, f.src))
	return f
}

func (f *stagingFixture) must(err error) {
	f.t.Helper()
	if err != nil {
		f.t.Fatal(err)
	}
}

func (f *stagingFixture) config(prefix string) {
	f.t.Helper()
	attr, value := "sAMAccountName", prefix
	f.must(f.db.PutMachineClassificationConfig(context.Background(), &mica.MachineClassificationConfig{SourceID: f.src.ID,
		Enabled: true, ClassificationMethod: mica.MethodCriteria,
		Criteria: &mica.Criteria{Operation: "STARTS_WITH", Attribute: &attr, Value: &value}}))
}

// load aggregates a file in batches of two; between is called after staging,
// before the aggregation is collected and applied.
func (f *stagingFixture) load(file string, between func(aggregationID string)) *mica.Aggregation {
	f.t.Helper()
	ctx := context.Background()
	agg := &mica.Aggregation{SourceID: f.src.ID}
	f.must(f.db.CreateAggregation(ctx, agg))
	format, err := aggregate.FormatOf(f.src)
	f.must(err)
	rd, err := aggregate.NewReader(strings.NewReader(file), format)
	f.must(err)
	var batch []mica.StagedAccount
	for {
		a, err := rd.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		f.must(err)
		if batch = append(batch, *a); len(batch) == 2 {
			f.must(f.db.StageAccounts(ctx, agg.ID, batch))
			batch = batch[:0]
		}
	}
	if len(batch) > 0 {
		f.must(f.db.StageAccounts(ctx, agg.ID, batch))
	}
	if between != nil {
		between(agg.ID)
	}
	_, err = f.db.CollectAggregation(ctx, agg.ID)
	f.must(err)
	out, err := f.db.ApplyAggregation(ctx, agg.ID)
	f.must(err)
	return out
}

// classifications lists every account of the source with what classification wrote.
func (f *stagingFixture) classifications() []string {
	f.t.Helper()
	rows, err := f.db.read.Query(`SELECT native_identity, is_machine, coalesce(classification_method, '-'),
		coalesce(classified_at, '-'), coalesce(recommendation_type, '-'), coalesce(recommendation_method, '-'), modified
		FROM accounts_view WHERE source_id = ? ORDER BY native_identity`, f.src.ID)
	f.must(err)
	defer func() { _ = rows.Close() }()
	var out []string
	for rows.Next() {
		var id, method, at, recType, recMethod, modified string
		var machine int
		f.must(rows.Scan(&id, &machine, &method, &at, &recType, &recMethod, &modified))
		out = append(out, fmt.Sprintf("%s machine=%d method=%s at=%s rec=%s/%s modified=%s", id, machine, method, at,
			recType, recMethod, modified))
	}
	f.must(rows.Err())
	return out
}

// stagingTablesSQL counts the staging tables in a database.
const stagingTablesSQL = `SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name LIKE 'aggregation\_rows\_%' ESCAPE '\'`

// stagingTables counts the aggregations with a staging file (or its journal)
// beside the store, and the staging tables in it (earlier versions staged
// there).
func (f *stagingFixture) stagingTables() int {
	f.t.Helper()
	var n int
	f.must(f.db.read.QueryRow(stagingTablesSQL).Scan(&n))
	files, err := filepath.Glob(f.db.path + stagingFileInfix + "*")
	f.must(err)
	ids := map[string]bool{} // a file and its journal are one aggregation's
	for _, file := range files {
		ids[strings.TrimSuffix(file, "-journal")] = true
	}
	return n + len(ids)
}

const (
	stagingFile1 = "id,name,sAMAccountName,servicePrincipalName,groups\n" +
		"1,svc_backup,svc_backup,,Ops|Backup\n" +
		"2,jdoe,jdoe,,Employees\n" +
		"3,sqlprod,sqlprod,MSSQLSvc/sql01.corp.example.com:1433,\n" +
		"4,svc_web,svc_web,,\n" +
		"5,robot7,robot7,,Robots\n"
	// The second file changes 1 (now human by the criteria), 3 and 5, keeps
	// 2, drops 4 and adds 6 and 7.
	stagingFile2 = "id,name,sAMAccountName,servicePrincipalName,groups\n" +
		"1,svc_backup,backup,,Ops\n" +
		"2,jdoe,jdoe,,Employees\n" +
		"3,sqlprod,svc_sql,MSSQLSvc/sql01.corp.example.com:1433,\n" +
		"5,robot7,svc_robot7,,Robots\n" +
		"6,svc_new,svc_new,,\n" +
		"7,Jane Doe,jane,,\n"
)

// TestStagedClassification: what staging decided gives the accounts the
// classification that reading them back after the insert gives (the path
// taken when the config changed since staging, or by another process), for a
// first file, for a second one that changes, adds and removes accounts
// (including one classified by hand), and when the config changes while a
// file is staged.
func TestStagedClassification(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	run := func(t *testing.T, fallback bool, change func(f *stagingFixture)) []string {
		f := newStagingFixture(t)
		f.config("svc_")
		between := func(id string) {
			if fallback {
				f.db.forgetStaging(id)
			}
		}
		var out []string
		out = append(out, f.classifications()...)
		f.load(stagingFile1, between)
		out = append(out, f.classifications()...)
		// A person makes robot7 a machine account by hand: classification keeps it.
		var robot string
		f.must(f.db.read.QueryRow(`SELECT id FROM accounts WHERE native_identity = '5'`).Scan(&robot))
		_, err := f.db.ClassifyAccount(ctx, robot, func(*mica.MachineClassificationConfig, []*mica.AccountClassification) mica.Decider {
			return classify.Decider(classify.ModeForceMachine, nil, nil)
		})
		f.must(err)
		if change != nil {
			change(f)
		}
		f.load(stagingFile2, between)
		out = append(out, f.classifications()...)
		if n := f.stagingTables(); n != 0 {
			t.Fatalf("%d staging tables left", n)
		}
		return out
	}
	for _, c := range []struct {
		name   string
		change func(f *stagingFixture)
	}{
		{"same config", nil},
		{"config changed between files", func(f *stagingFixture) { f.config("svc") }},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			staged, read := run(t, false, c.change), run(t, true, c.change)
			if !slices.Equal(staged, read) {
				t.Fatalf("classified while staging:\n%s\nclassified after inserting:\n%s",
					strings.Join(staged, "\n"), strings.Join(read, "\n"))
			}
			machines := 0
			for _, s := range staged {
				if strings.Contains(s, "machine=1") {
					machines++
				}
			}
			if machines < 4 {
				t.Fatalf("few machine accounts: the criteria did not apply\n%s", strings.Join(staged, "\n"))
			}
		})
	}
	// A config changed while the file is staged (here: after its last batch)
	// voids staging's decisions: the accounts are classified by the new one.
	t.Run("config changed while staging", func(t *testing.T) {
		t.Parallel()
		f := newStagingFixture(t)
		f.config("svc_")
		f.load(stagingFile1, func(string) { f.config("robot") })
		got := strings.Join(f.classifications(), "\n")
		for _, want := range []string{"1 machine=0 method=-", "5 machine=1 method=CRITERIA"} {
			if !strings.Contains(got, want) {
				t.Fatalf("accounts after the config changed during staging:\n%s\nwant %q", got, want)
			}
		}
	})
}

// TestStagingAssignmentVersion: the assignment version (migration 0009's
// triggers) counts an aggregation that adds accounts with identities, not one
// that adds accounts without.
func TestStagingAssignmentVersion(t *testing.T) {
	t.Parallel()
	f := newStagingFixture(t)
	version := func() (n int) {
		f.must(f.db.read.QueryRow(`SELECT n FROM assignment_version`).Scan(&n))
		return n
	}
	before := version()
	f.load("id,name\n1,nobody\n2,no one\n", nil) // no identity is called so
	if v := version(); v != before {
		t.Fatalf("version %d after adding uncorrelated accounts, want %d", v, before)
	}
	out := f.load("id,name\n1,nobody\n2,no one\n3,jdoe\n", nil) // jdoe correlates by alias
	if v := version(); v == before || out.TotalIdentities != 1 {
		t.Fatalf("version %d after adding a correlated account (was %d), %d identities", v, before, out.TotalIdentities)
	}
}

// TestStagingTablesDropped: failed, terminated and orphaned staging tables go.
func TestStagingTablesDropped(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newStagingFixture(t)
	stage := func() *mica.Aggregation {
		agg := &mica.Aggregation{SourceID: f.src.ID}
		f.must(f.db.CreateAggregation(ctx, agg))
		f.must(f.db.StageAccounts(ctx, agg.ID, []mica.StagedAccount{{NativeIdentity: "1", Name: "one", Line: 2, Hash: "h"}}))
		return agg
	}
	failed := stage()
	f.must(f.db.FailAggregation(ctx, failed.ID, mica.CompletionError, "bad file"))
	if n := f.stagingTables(); n != 0 {
		t.Fatalf("%d staging tables after a failed aggregation", n)
	}
	// Staging into an ended aggregation is refused.
	err := f.db.StageAccounts(ctx, failed.ID, []mica.StagedAccount{{NativeIdentity: "2", Name: "two", Line: 3, Hash: "h"}})
	if mica.ErrorCode(err) != mica.ECONFLICT || f.stagingTables() != 0 {
		t.Fatalf("staging into an ended aggregation: %v, %d tables", err, f.stagingTables())
	}
	// A server stopped before it dropped a table: the next start drops it.
	ended := stage()
	_, err = f.db.write.Exec(`UPDATE aggregations SET status = ? WHERE id = ?`, mica.AggCompleted, ended.ID)
	f.must(err)
	running := stage()
	if n := f.stagingTables(); n != 2 {
		t.Fatalf("%d staging tables, want 2", n)
	}
	_, err = f.db.TerminateUnfinishedAggregations(ctx, "restarted")
	f.must(err)
	if n := f.stagingTables(); n != 0 {
		t.Fatalf("%d staging tables after a restart", n)
	}
	if a, err := f.db.GetAggregation(ctx, running.ID); err != nil || a.Status != mica.AggTerminated {
		t.Fatalf("running aggregation after a restart: %+v %v", a, err)
	}
	// Staging for an aggregation whose source went is ENOTFOUND, and leaves nothing.
	gone := stage()
	f.must(f.db.DeleteSource(ctx, f.src.ID))
	err = f.db.StageAccounts(ctx, gone.ID, []mica.StagedAccount{{NativeIdentity: "2", Name: "two", Line: 3, Hash: "h"}})
	if mica.ErrorCode(err) != mica.ENOTFOUND || f.stagingTables() != 0 {
		t.Fatalf("staging for a deleted source: %v, %d tables", err, f.stagingTables())
	}
}

func TestStagingNames(t *testing.T) {
	t.Parallel()
	for _, id := range []string{mica.NewID(), "Upper", "with space", `q"uote`, "x41"} {
		name := strings.Trim(stagingTable(id), `"`)
		if strings.ContainsAny(name, "\" ") {
			t.Fatalf("table of %q: %s", id, name)
		}
		if got, ok := stagingID(name); !ok || got != id {
			t.Fatalf("id of table %s = %q, %v; want %q", name, got, ok, id)
		}
	}
}

// TestApplyAssignedAppsAtOnce: an aggregation that adds an account correlated
// to an identity changes that identity's assigned apps at once, through the
// assigned-apps cache (the apply counts its new accounts in
// assignment_version itself), and leaves accounts_assign_ins as it was, so
// other writers are still counted.
func TestApplyAssignedAppsAtOnce(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newStagingFixture(t)
	triggerSQL := func() (s string) {
		f.must(f.db.read.QueryRow(`SELECT sql FROM sqlite_schema WHERE type = 'trigger' AND name = ?`,
			assignInsertTrigger).Scan(&s))
		return s
	}
	before := triggerSQL()
	app := &mica.SourceApp{Name: "files-app", Description: "d", Enabled: true, MatchAllAccounts: true,
		AccountSource: &mica.Ref{ID: f.src.ID}, Owner: &mica.Ref{ID: f.src.Owner.ID}}
	f.must(f.db.CreateSourceApp(ctx, app))
	assigned := func(identityID string) string {
		p, err := f.db.ListAssignedSourceApps(ctx, identityID, mica.ListOptions{Limit: 50})
		f.must(err)
		var names []string
		for _, a := range p.Items {
			names = append(names, a.Name)
		}
		return strings.Join(names, ",")
	}
	jane := f.src.Owner.ID
	if got := assigned(jane); got != "" { // and cached
		t.Fatalf("assigned before any account: %q", got)
	}
	f.load("id,name\n1,nobody\n", nil)
	if got := assigned(jane); got != "" {
		t.Fatalf("assigned after an uncorrelated account: %q", got)
	}
	f.load("id,name\n1,nobody\n3,jdoe\n", nil) // jdoe correlates to Jane by alias
	if got := assigned(jane); got != "files-app" {
		t.Fatalf("assigned after a correlated account: %q, want files-app", got)
	}
	if after := triggerSQL(); after != before {
		t.Fatalf("trigger after the apply:\n%s\nwant\n%s", after, before)
	}
	// Another writer inserting an account with an identity is still counted.
	bob := &mica.Identity{Name: "Bob Roe", Alias: "broe"}
	f.must(f.db.CreateIdentity(ctx, bob))
	if got := assigned(bob.ID); got != "" {
		t.Fatalf("assigned to Bob before his account: %q", got)
	}
	f.must(f.db.CreateAccounts(ctx, []*mica.Account{{SourceID: f.src.ID, NativeIdentity: "9", Name: "broe",
		IdentityID: bob.ID, Attributes: map[string]any{}}}))
	if got := assigned(bob.ID); got != "files-app" {
		t.Fatalf("assigned to Bob after CreateAccounts: %q, want files-app", got)
	}
}

// TestInsertAccountsNotBuffered: without accounts_assign_ins (as the apply
// runs it), the apply's INSERT ... SELECT inserts each row as it is selected;
// with the trigger SQLite would first copy every row into a temporary table.
func TestInsertAccountsNotBuffered(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newStagingFixture(t)
	table := stagingTable("plan")
	buffered := func(dropTrigger bool) bool {
		tx, err := f.db.write.BeginTx(ctx, nil)
		f.must(err)
		defer func() { _ = tx.Rollback() }()
		_, err = tx.ExecContext(ctx, `CREATE TABLE `+table+stagingSchema)
		f.must(err)
		if dropTrigger {
			_, err = tx.ExecContext(ctx, `DROP TRIGGER `+assignInsertTrigger)
			f.must(err)
		}
		rows, err := tx.QueryContext(ctx, `EXPLAIN `+insertAccountsSQL(table), "now", "prefix", "src", "name", 0, "agg")
		f.must(err)
		defer func() { _ = rows.Close() }()
		cols, err := rows.Columns()
		f.must(err)
		found := false
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			f.must(rows.Scan(ptrs...))
			if fmt.Sprint(vals[1]) == "OpenEphemeral" {
				found = true
			}
		}
		f.must(rows.Err())
		return found
	}
	if !buffered(false) {
		t.Fatal("with the trigger the insert is not buffered: the test no longer tells the cases apart")
	}
	if buffered(true) {
		t.Fatal("without the trigger the insert is still buffered in a temporary table")
	}
}

// TestLeftKeysAsPersonLeft: staging's left_day, which asks PersonLeft of the
// attributes it reads only, is PersonLeft's for every mix of status, leaving
// date and other attributes.
func TestLeftKeysAsPersonLeft(t *testing.T) {
	t.Parallel()
	// No two names the same to PersonLeft (termination_date and
	// TerminationDate are): which of them it reads then depends on the
	// map's order.
	keys := []string{"Status", "Employment Status", "workerStatus", "lifecycleState", "estado", "État",
		"TerminationDate", "Leaving Date", "endDate", "Austrittsdatum", "fecha_baja",
		"department", "title", "sAMAccountName", "statusx", strings.Repeat("termination", 4) + "_date",
		"lastLogon", "mail"}
	values := []any{"Terminated", "terminated 2024", "Active", "on leave", "ausgetreten", "uit dienst", "", "  ",
		"2024-03-01", "01.03.2024", "2024-03-01T10:00:00Z", "20240301", "not a date", nil, true, 3.0,
		[]any{"Terminated"}}
	left := leftKeys{}
	seed := uint64(19)
	next := func(n int) int { // xorshift: the same cases every run
		seed ^= seed << 13
		seed ^= seed >> 7
		seed ^= seed << 17
		return int(seed % uint64(n))
	}
	for c := 0; c < 20000; c++ {
		attrs := map[string]any{}
		for range next(5) {
			attrs[keys[next(len(keys))]] = values[next(len(values))]
		}
		if got, want := left.leftDay(attrs), leftDay(attrs); got != want {
			t.Fatalf("left day of %v: %v, PersonLeft says %v", attrs, got, want)
		}
	}
	if len(left) != len(keys) {
		t.Fatalf("%d names remembered, want %d", len(left), len(keys))
	}
}

// TestStagingOutsideStore: staged rows are in a file of their own beside the
// store, readable by its owner only, never in the store (nor in a snapshot
// saved while a file is staged); applying reads them from there and removes
// the file; a server that stopped while it staged (no cleanup at all) removes
// the file at its next start, and the staging table an earlier version left
// in the store.
func TestStagingOutsideStore(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newStagingFixture(t)
	out := f.load(stagingFile1, func(aggregationID string) {
		st, err := os.Stat(f.db.stagingPath(aggregationID))
		f.must(err)
		if st.Mode().Perm() != 0o600 {
			t.Errorf("staging file mode %v, want 0600", st.Mode().Perm())
		}
		var tables int
		f.must(f.db.read.QueryRow(stagingTablesSQL).Scan(&tables))
		if tables != 0 {
			t.Errorf("%d staging tables in the store while staging", tables)
		}
		snap, err := f.db.SaveSnapshot(ctx, "staging")
		f.must(err)
		c, err := sql.Open("sqlite", "file:"+filepath.Join(filepath.Dir(f.db.path), "snapshots", snap.Name+".db")+"?mode=ro")
		f.must(err)
		defer func() { _ = c.Close() }()
		f.must(c.QueryRow(stagingTablesSQL).Scan(&tables))
		if tables != 0 {
			t.Errorf("%d staging tables in a snapshot saved while staging", tables)
		}
	})
	if out.Stats.Added != 5 || f.stagingTables() != 0 {
		t.Fatalf("applied %+v, %d staging files left", out.Stats, f.stagingTables())
	}
	// A crash while staging: the store closed with a file staged and a
	// staging table of an earlier version, nothing ended.
	path := f.db.path
	staged := &mica.Aggregation{SourceID: f.src.ID}
	f.must(f.db.CreateAggregation(ctx, staged))
	f.must(f.db.StageAccounts(ctx, staged.ID, []mica.StagedAccount{{NativeIdentity: "1", Name: "one", Line: 2, Hash: "h"}}))
	older := &mica.Aggregation{SourceID: f.src.ID}
	f.must(f.db.CreateAggregation(ctx, older))
	_, err := f.db.write.Exec(`CREATE TABLE ` + stagingTable(older.ID) + stagingSchema)
	f.must(err)
	if n := f.stagingTables(); n != 2 {
		t.Fatalf("%d staging files and tables before the restart, want 2", n)
	}
	f.must(f.db.Close())
	db, err := Open(ctx, path)
	f.must(err)
	t.Cleanup(func() { _ = db.Close() })
	f.db = db
	_, err = db.TerminateUnfinishedAggregations(ctx, "restarted")
	f.must(err)
	if n := f.stagingTables(); n != 0 {
		t.Fatalf("%d staging files and tables after the restart", n)
	}
	for _, id := range []string{staged.ID, older.ID} {
		if a, err := db.GetAggregation(ctx, id); err != nil || a.Status != mica.AggTerminated {
			t.Fatalf("aggregation after the restart: %+v %v", a, err)
		}
	}
	// The source loads again after it.
	if out := f.load(stagingFile2, nil); out.Status != mica.AggCompleted || out.Stats.Added != 2 || f.stagingTables() != 0 {
		t.Fatalf("after the restart: %+v, %d staging files", out, f.stagingTables())
	}
}

// TestOldStagedRowsDropped: the rows the earliest versions staged in
// aggregation_rows go at the cleanup a start runs (dropOrphanStaging) when
// their aggregation has ended, and stay while it has not.
func TestOldStagedRowsDropped(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newStagingFixture(t)
	ended, running := &mica.Aggregation{SourceID: f.src.ID}, &mica.Aggregation{SourceID: f.src.ID}
	f.must(f.db.CreateAggregation(ctx, ended))
	f.must(f.db.CreateAggregation(ctx, running))
	for _, a := range []*mica.Aggregation{ended, running} {
		for i := range 3 {
			_, err := f.db.write.Exec(`INSERT INTO aggregation_rows (aggregation_id, native_identity, name, attributes, hash, line)
				VALUES (?, ?, 'n', '{}', 'h', ?)`, a.ID, fmt.Sprint(i), i+2)
			f.must(err)
		}
	}
	f.must(f.db.FailAggregation(ctx, ended.ID, mica.CompletionTerminated, "ended"))
	f.must(f.db.dropOrphanStaging(ctx))
	count := func(id string) (n int) {
		f.must(f.db.read.QueryRow(`SELECT count(*) FROM aggregation_rows WHERE aggregation_id = ?`, id).Scan(&n))
		return n
	}
	if e, r := count(ended.ID), count(running.ID); e != 0 || r != 3 {
		t.Fatalf("rows left: %d of the ended aggregation, %d of the running one; want 0 and 3", e, r)
	}
}
