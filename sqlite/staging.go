package sqlite

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/micahq/mica"
	"github.com/micahq/mica/internal/jsonenc"
)

// Staging: each aggregation stages its accounts in a database file of its
// own beside the store's (stagingPath), attached as "staging" to the
// connection that reads or writes it (withStaging), in one table,
// stagedRows. The file is scratch: no WAL, no fsync, its own large pages, so
// staging a file costs no WAL frames, checkpoints or syncs of the store, and a
// snapshot of the store never holds staged rows; the store's rows are written
// once, by the apply, in one transaction of the store. It is removed (one
// unlink) once the aggregation has ended; a server that stopped meanwhile
// removes it at its next start (dropOrphanStaging). Rows are numbered in file
// order (rowid), so applying them appends to the accounts table and its id
// index.
//
// Staging also decides the continuous classification of every row as a new
// account, from the parsed attributes (no JSON decoding), under the source's
// classification config as staging read it. Applying uses those decisions for
// the accounts it adds only when the config is still the one every batch saw;
// otherwise, and for the accounts it changes (whose current classification
// counts), it classifies as before, reading the accounts back.

// stagedRows is the staging table, in the attached staging database.
const stagedRows = "staging.rows"

// stagingPages is the page size of a staging file: it is written and read in
// file order, and every page is a write and a read of its own.
const stagingPages = 64 << 10

// stagingPath is the file aggregation id stages into.
func (db *DB) stagingPath(id string) string { return db.path + stagingFileInfix + stagingSuffix(id) }

// stagingFileInfix joins the store's path and an aggregation's in the name of
// its staging file.
const stagingFileInfix = "-staging-"

// withStaging runs fn on the write connection with aggregation id's staging
// file attached as "staging" (made, readable by its owner only, if it does
// not exist), and detaches it after. The file has no journal on disk to
// speak of and is never synced: a crash loses it, and the aggregation with it
// (a server's start ends every aggregation it finds unfinished).
func (db *DB) withStaging(ctx context.Context, id string, fn func(conn *sql.Conn) error) error {
	path := db.stagingPath(id)
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return fmt.Errorf("staging file: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("staging file: %w", err)
	}
	conn, err := db.write.Conn(ctx)
	if err != nil {
		return fmt.Errorf("staging: %w", err)
	}
	defer func() { _ = conn.Close() }()
	if err := attachStaging(ctx, conn, path); err != nil {
		return err
	}
	for _, p := range []string{fmt.Sprintf("PRAGMA staging.page_size = %d", stagingPages),
		"PRAGMA staging.journal_mode = PERSIST", "PRAGMA staging.synchronous = OFF",
		fmt.Sprintf("PRAGMA staging.cache_size = -%d", stagingCacheKiB)} {
		if _, err := conn.ExecContext(ctx, p); err != nil {
			detachStaging(ctx, conn)
			return fmt.Errorf("staging: %w", err)
		}
	}
	err = fn(conn)
	detachStaging(ctx, conn)
	return err
}

// stagingCacheKiB is the page cache of an attached staging file.
const stagingCacheKiB = 16 << 10

// attachStaging attaches the database at path to conn as "staging".
func attachStaging(ctx context.Context, conn *sql.Conn, path string) error {
	if _, err := conn.ExecContext(ctx, `ATTACH DATABASE ? AS staging`, path); err != nil {
		return fmt.Errorf("attach staging: %w", err)
	}
	return nil
}

// detachStaging detaches "staging" from conn; a connection that cannot is
// closed rather than returned to its pool with the file attached.
func detachStaging(ctx context.Context, conn *sql.Conn) {
	if _, err := conn.ExecContext(context.WithoutCancel(ctx), `DETACH DATABASE staging`); err != nil {
		_ = conn.Raw(func(any) error { return driver.ErrBadConn })
	}
}

// readStaging runs fn on a read connection with aggregation id's staging file
// attached as "staging", read only, and reports whether it ran: not when the
// aggregation staged nothing (no file, or no table in it).
func (db *DB) readStaging(ctx context.Context, id string, fn func(conn *sql.Conn) error) (bool, error) {
	path := db.stagingPath(id)
	if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
		return false, nil
	} else if err != nil {
		return false, fmt.Errorf("staging file: %w", err)
	}
	conn, err := db.read.Conn(ctx)
	if err != nil {
		return false, fmt.Errorf("staging: %w", err)
	}
	defer func() { _ = conn.Close() }()
	if err := attachStaging(ctx, conn, "file:"+path+"?mode=ro"); err != nil {
		return false, err
	}
	defer detachStaging(ctx, conn)
	var n int
	if err := conn.QueryRowContext(ctx, `SELECT count(*) FROM staging.sqlite_schema WHERE type = 'table' AND name = 'rows'`).
		Scan(&n); err != nil {
		return false, fmt.Errorf("find staging table: %w", err)
	}
	if n == 0 {
		return false, nil
	}
	return true, fn(conn)
}

// stagingPrefix starts the name of every staging table that earlier versions
// made in the store's database, one per aggregation.
const stagingPrefix = "aggregation_rows_"

// stagingTable is the quoted name of aggregation id's staging table in the
// store's database (earlier versions'), which dropOrphanStaging drops.
func stagingTable(id string) string { return `"` + stagingPrefix + stagingSuffix(id) + `"` }

// stagingSuffix is id when it is made of lowercase letters and digits (ids
// from mica.NewID), else "x_" and id in hex, so that any id makes a plain
// table or file name.
func stagingSuffix(id string) string {
	for i := 0; i < len(id); i++ {
		if c := id[i]; (c < '0' || c > '9') && (c < 'a' || c > 'z') {
			return "x_" + hex.EncodeToString([]byte(id))
		}
	}
	return id
}

// stagingID is the aggregation id of a staging table's name (without quotes).
func stagingID(table string) (string, bool) {
	s, ok := strings.CutPrefix(table, stagingPrefix)
	if !ok {
		return "", false
	}
	return suffixID(s)
}

// suffixID is the aggregation id of a stagingSuffix.
func suffixID(s string) (string, bool) {
	if s == "" {
		return "", false
	}
	if h, isHex := strings.CutPrefix(s, "x_"); isHex {
		b, err := hex.DecodeString(h)
		return string(b), err == nil
	}
	return s, true
}

// stagingSchema creates a staging table. state is 1 for a new account, 2 for
// a changed one and 0 for an unchanged one; machine, method, rec_type and
// rec_method are staging's classification of the row as a new account
// (machine NULL: no change from an unclassified account); left_day is
// mica.PersonLeft of the row, for the identity an authoritative row makes.
const stagingSchema = ` (
	native_identity TEXT NOT NULL UNIQUE,
	name            TEXT NOT NULL,
	attributes      TEXT NOT NULL,
	disabled        INTEGER NOT NULL,
	locked          INTEGER NOT NULL,
	hash            TEXT NOT NULL,
	line            INTEGER NOT NULL,
	machine         INTEGER,
	method          TEXT,
	rec_type        TEXT,
	rec_method      TEXT,
	state           INTEGER NOT NULL DEFAULT 1,
	account_id      TEXT,
	identity_id     TEXT,
	new_identity    INTEGER NOT NULL DEFAULT 0,
	left_day        INTEGER
) STRICT`

// createStaging creates a staging table unless it exists.
func createStaging(ctx context.Context, tx *Tx, table string) error {
	if _, err := tx.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS `+table+stagingSchema); err != nil {
		return fmt.Errorf("create staging table: %w", err)
	}
	return nil
}

// stageChunk is how many staged rows one INSERT statement carries: one
// statement per row spends more on executing statements than on the rows.
const stageChunk = 64

// stageColumns is how many values stageInsertSQL takes per row.
const stageColumns = 12

// stageInsertSQL inserts rows rows into a staging table.
func stageInsertSQL(table string, rows int) string {
	values := strings.TrimSuffix(strings.Repeat("(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?), ", rows), ", ")
	return `INSERT INTO ` + table + ` (native_identity, name, attributes, disabled, locked, hash, line,
		machine, method, rec_type, rec_method, left_day) VALUES ` + values
}

// staging is what this process knows of an aggregation it stages: the
// classification config its decisions were made under. It is kept in memory
// only: an aggregation applied by a process that did not stage it (or after
// its staging was forgotten) classifies as before, which is always right.
type staging struct {
	sourceID string
	batches  int    // batches staged
	stamp    string // the config every batch was decided under
	decided  bool   // every batch was decided under stamp
	// What discovery reads of the source, read at the first batch: whether it
	// is authoritative, and its people as they were before this aggregation.
	authoritative bool
	people        []*mica.AccountClassification
}

// staging returns what this process knows of aggregation id's staging.
func (db *DB) staging(id string) *staging {
	db.stagingMu.Lock()
	defer db.stagingMu.Unlock()
	st := db.stagings[id]
	if st == nil {
		if db.stagings == nil {
			db.stagings = map[string]*staging{}
		}
		st = &staging{}
		db.stagings[id] = st
	}
	return st
}

// forgetStaging drops what this process knows of aggregation id's staging.
func (db *DB) forgetStaging(id string) {
	db.stagingMu.Lock()
	delete(db.stagings, id)
	db.stagingMu.Unlock()
}

// stagedPeople reports how many of its source's people staging read for
// aggregation id.
func (db *DB) stagedPeople(id string) int {
	db.stagingMu.Lock()
	defer db.stagingMu.Unlock()
	if st := db.stagings[id]; st != nil {
		return len(st.people)
	}
	return 0
}

// stagedDecisions reports whether the rows staged for aggregation id carry
// classifications made under config stamp.
func (db *DB) stagedDecisions(id, stamp string) bool {
	db.stagingMu.Lock()
	defer db.stagingMu.Unlock()
	st := db.stagings[id]
	return st != nil && st.decided && st.batches > 0 && st.stamp == stamp
}

// configStamp identifies a classification config (nil: none) completely, so
// that decisions made under one are valid under an equal stamp.
func configStamp(cfg *mica.MachineClassificationConfig) string {
	if cfg == nil {
		return "none"
	}
	return toJSON(cfg)
}

// preparedRows are the insert arguments of a batch of staged rows, with the
// rows' classification as new accounts when staging decides it, made by
// goroutines while the batch is inserted: those of chunk c (the rows from
// c*stageChunk) are ready once ready[c] is closed.
type preparedRows struct {
	args  [][]any // per chunk, stageColumns per row
	ready []chan struct{}
	wg    sync.WaitGroup
}

// chunk waits for the arguments of the chunk that starts at row start.
func (p *preparedRows) chunk(start int) []any {
	<-p.ready[start/stageChunk]
	return p.args[start/stageChunk]
}

// wait waits for the goroutines: they read the rows.
func (p *preparedRows) wait() { p.wg.Wait() }

// prepareStaged starts preparing rows for insertion, classifying them as new
// accounts of the source under its current config. That goroutines do it
// while the rows are inserted leaves the inserting goroutine, which all of
// staging waits for, a core of its own with two, and the other to them and
// the file's parser. decided is false when it does not classify them.
func (db *DB) prepareStaged(ctx context.Context, st *staging, aggregationID string, rows []mica.StagedAccount) (p *preparedRows, decided bool) {
	decide, authoritative := db.stagingDecider(ctx, st, aggregationID)
	chunks := (len(rows) + stageChunk - 1) / stageChunk
	p = &preparedRows{args: make([][]any, chunks), ready: make([]chan struct{}, chunks)}
	for c := range p.ready {
		p.ready[c] = make(chan struct{})
	}
	prepare := func(c int, left leftKeys) {
		part := rows[c*stageChunk : min((c+1)*stageChunk, len(rows))]
		args := make([]any, 0, stageColumns*len(part))
		for i := range part {
			r := &part[i]
			args = append(args, r.NativeIdentity, r.Name, stagedAttributes(r), boolInt(r.Disabled), boolInt(r.Locked), r.Hash, r.Line)
			var machine, method, recType, recMethod any
			if decide != nil {
				attrs := r.Attributes
				if !jsonExact(attrs) { // decide on what reading the column back would give
					attrs = nil
					fromJSON(stagedAttributes(r), &attrs)
				}
				// Not yet correlated: decided as uncorrelated, and decided
				// again after correlation if that could change it (apply).
				isMachine, m, rec, changed := decide(&mica.AccountClassification{Name: r.Name,
					NativeIdentity: r.NativeIdentity, Attributes: attrs, Authoritative: authoritative})
				if changed {
					machine, method = boolInt(isMachine), nullString(m)
					if rec != nil {
						recType, recMethod = rec.Type, rec.Method
					}
				}
			}
			args = append(args, machine, method, recType, recMethod, left.leftDay(r.Attributes))
		}
		p.args[c] = args
		close(p.ready[c])
	}
	var next atomic.Int64
	for range min(max(1, runtime.GOMAXPROCS(0)-1), chunks) {
		p.wg.Add(1)
		go func() {
			defer p.wg.Done()
			left := leftKeys{}
			for c := int(next.Add(1)) - 1; c < chunks; c = int(next.Add(1)) - 1 {
				prepare(c, left)
			}
		}()
	}
	return p, decide != nil
}

// leftKeys remembers which attribute names mica.PersonLeft reads (a status
// or a leaving date): its rule looks at those only, so a row's left_day is
// PersonLeft of them alone, and most rows (a file's rows share its columns)
// have none. Each name is asked about once, of PersonLeft itself: a status
// saying Terminated, or a date without a status, is a person who left.
type leftKeys map[string]bool

// reads reports whether PersonLeft reads the attribute name.
func (k leftKeys) reads(name string) bool {
	r, ok := k[name]
	if !ok {
		status, _ := mica.PersonLeft(map[string]any{name: "Terminated"})
		date, _ := mica.PersonLeft(map[string]any{name: "2000-01-02"})
		r = status || date
		k[name] = r
	}
	return r
}

// leftDay is leftDay(attrs).
func (k leftKeys) leftDay(attrs map[string]any) any {
	var read map[string]any
	for name, v := range attrs {
		if k.reads(name) {
			if read == nil {
				read = make(map[string]any, 2)
			}
			read[name] = v
		}
	}
	if read == nil {
		return nil
	}
	return leftDay(read)
}

// stagingDecider is the decision function for the rows of aggregation id
// under its source's current config, nil when staging cannot decide them:
// no classifier, the config unreadable, or a batch staged under another
// config or undecided.
func (db *DB) stagingDecider(ctx context.Context, st *staging, aggregationID string) (mica.Decider, bool) {
	db.stagingMu.Lock()
	first, sourceID, decided := st.batches == 0, st.sourceID, st.decided
	authoritative, people := st.authoritative, st.people
	db.stagingMu.Unlock()
	if db.classifier == nil || (!first && !decided) {
		return nil, false
	}
	if sourceID == "" {
		a, err := getAggregation(ctx, db.read, aggregationID)
		if err != nil {
			return nil, false
		}
		sourceID = a.SourceID
	}
	cfg, err := getConfig(ctx, db.read, sourceID)
	if err != nil && mica.ErrorCode(err) != mica.ENOTFOUND {
		return nil, false
	}
	if first {
		var auth int
		if err := db.read.QueryRowContext(ctx, `SELECT authoritative FROM sources WHERE id = ?`, sourceID).Scan(&auth); err != nil {
			return nil, false
		}
		if people, err = sourcePeople(ctx, db.read, sourceID, mica.PeopleSample); err != nil {
			return nil, false
		}
		authoritative = auth != 0
	}
	stamp := configStamp(cfg)
	db.stagingMu.Lock()
	if first {
		st.sourceID, st.stamp, st.decided = sourceID, stamp, true
		st.authoritative, st.people = authoritative, people
	} else if stamp != st.stamp {
		st.decided = false
	}
	ok := st.decided
	db.stagingMu.Unlock()
	if !ok {
		return nil, false
	}
	return db.classifier(cfg, people), authoritative
}

// jsonExact reports whether attributes decode from their JSON as they are:
// strings, bools, nulls, whole numbers as float64, and lists of them.
func jsonExact(attrs map[string]any) bool {
	for _, v := range attrs {
		if l, ok := v.([]any); ok {
			for _, e := range l {
				if !jsonExactValue(e) {
					return false
				}
			}
		} else if !jsonExactValue(v) {
			return false
		}
	}
	return true
}

// jsonExactValue reports whether v reads back from its JSON as itself: a
// string, a bool, null, or a whole float64 (a directory's integers).
func jsonExactValue(v any) bool {
	switch x := v.(type) {
	case nil, string, bool:
		return true
	case float64:
		return jsonenc.WholeFloat(x)
	}
	return false
}

// stagedAttributes is the JSON of a staged row's attributes.
func stagedAttributes(r *mica.StagedAccount) string {
	if r.AttributesJSON != "" {
		return r.AttributesJSON
	}
	return attributesJSON(r.Attributes)
}

// insertStaged inserts rows, prepared by p, into a staging table in tx.
func insertStaged(ctx context.Context, tx *Tx, table string, rows []mica.StagedAccount, p *preparedRows) error {
	var one, chunk *sql.Stmt
	defer func() {
		for _, s := range []*sql.Stmt{one, chunk} {
			if s != nil {
				_ = s.Close()
			}
		}
	}()
	var err error
	for start := 0; start < len(rows); start += stageChunk {
		part, args := rows[start:min(start+stageChunk, len(rows))], p.chunk(start)
		if len(part) == stageChunk {
			if chunk == nil {
				if chunk, err = tx.PrepareContext(ctx, stageInsertSQL(table, stageChunk)); err != nil {
					return fmt.Errorf("prepare staging insert: %w", err)
				}
			}
			// A failed statement changes nothing: the rows are then inserted
			// one at a time below, to report the one at fault.
			if _, err := chunk.ExecContext(ctx, args...); err == nil {
				continue
			}
		}
		if one == nil {
			if one, err = tx.PrepareContext(ctx, stageInsertSQL(table, 1)); err != nil {
				return fmt.Errorf("prepare staging insert: %w", err)
			}
		}
		for i := range part {
			r := &part[i]
			_, err := one.ExecContext(ctx, args[i*stageColumns:(i+1)*stageColumns]...)
			if isUniqueViolation(err) {
				var first int
				_ = tx.QueryRowContext(ctx, `SELECT line FROM `+table+` WHERE native_identity = ?`, r.NativeIdentity).Scan(&first)
				return mica.ErrDuplicateAccount(r.Line, r.NativeIdentity, first)
			} else if err != nil {
				return fmt.Errorf("stage account: %w", err)
			}
		}
	}
	return nil
}

// removeStagingFile removes aggregation id's staging file, if any (what the
// end of an aggregation leaves to clean up; what earlier versions staged in the
// store's database is dropOrphanStaging's).
func (db *DB) removeStagingFile(id string) error {
	db.forgetStaging(id)
	path := db.stagingPath(id)
	for _, p := range []string{path, path + "-journal"} {
		if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("remove staging file: %w", err)
		}
	}
	return nil
}

// dropOrphanStaging removes the staging files (and the staging tables of
// earlier versions) of aggregations that have ended or no longer exist (a
// server stopped between an aggregation's end and its cleanup, or a source
// was deleted while its file was staged).
func (db *DB) dropOrphanStaging(ctx context.Context) error {
	rows, err := db.read.QueryContext(ctx, `SELECT name FROM sqlite_schema WHERE type = 'table' AND name LIKE ? ESCAPE '\'`,
		strings.ReplaceAll(stagingPrefix, "_", `\_`)+"%")
	if err != nil {
		return fmt.Errorf("find staging tables: %w", err)
	}
	var ids []string
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			_ = rows.Close()
			return fmt.Errorf("find staging tables: %w", err)
		}
		if id, ok := stagingID(name); ok {
			ids = append(ids, id)
		}
	}
	_ = rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("find staging tables: %w", err)
	}
	entries, err := os.ReadDir(filepath.Dir(db.path))
	if err != nil {
		return fmt.Errorf("find staging files: %w", err)
	}
	prefix := filepath.Base(db.path) + stagingFileInfix
	for _, e := range entries {
		if s, ok := strings.CutPrefix(e.Name(), prefix); ok {
			if id, ok := suffixID(strings.TrimSuffix(s, "-journal")); ok {
				ids = append(ids, id)
			}
		}
	}
	slices.Sort(ids)
	for _, id := range slices.Compact(ids) {
		a, err := getAggregation(ctx, db.read, id)
		if err != nil && mica.ErrorCode(err) != mica.ENOTFOUND {
			return err
		}
		if a != nil && !a.Done() {
			continue
		}
		if err := db.removeStagingFile(id); err != nil {
			return err
		}
		if _, err := db.write.ExecContext(ctx, `DROP TABLE IF EXISTS `+stagingTable(id)); err != nil {
			return fmt.Errorf("drop staging table: %w", err)
		}
	}
	return db.dropOldStagedRows(ctx)
}

// stagingBatch is how many staged rows one cleanup transaction deletes, so the
// write lock is never held long.
const stagingBatch = 20000

// dropOldStagedRows deletes, in short transactions, the rows aggregation_rows
// holds (where the earliest versions staged every aggregation) of
// aggregations that have ended or no longer exist.
func (db *DB) dropOldStagedRows(ctx context.Context) error {
	for {
		var n int64
		err := db.update(ctx, func(tx *Tx) error {
			res, err := tx.ExecContext(ctx, `DELETE FROM aggregation_rows WHERE (aggregation_id, native_identity) IN (
				SELECT r.aggregation_id, r.native_identity FROM aggregation_rows r LEFT JOIN aggregations a ON a.id = r.aggregation_id
				WHERE a.id IS NULL OR a.status NOT IN (?, ?) LIMIT ?)`, mica.AggStarted, mica.AggAccountsCollected, stagingBatch)
			if err != nil {
				return fmt.Errorf("drop staged rows: %w", err)
			}
			n, _ = res.RowsAffected()
			return nil
		})
		if err != nil || n == 0 {
			return err
		}
	}
}

// correlateStaged assigns an identity to the new and changed staged rows of
// table that have none, by the rule of mica.CorrelationConfig.Correlate (its
// definition, which storetest checks this SQL against): each criterion of the
// config in turn (a unique match wins; none or several go on), then the
// default: account name equals identity alias, then identity name
// (case-insensitive). It returns how many
// rows it wrote (0: no row has an identity it did not have).
func correlateStaged(ctx context.Context, tx *Tx, table string, cfg *mica.CorrelationConfig) (int, error) {
	touched := 0
	for _, a := range cfg.AttributeAssignments {
		idExpr, idArgs := identityColumn(a.Property)
		fold := func(s string) string {
			if a.IgnoreCase {
				return "lower(" + s + ")"
			}
			return s
		}
		for _, stmt := range []string{`DROP TABLE IF EXISTS temp.corr_keys`,
			`CREATE TEMP TABLE corr_keys (k TEXT NOT NULL, identity_id TEXT NOT NULL)`} {
			if _, err := tx.ExecContext(ctx, stmt); err != nil {
				return 0, fmt.Errorf("correlation keys: %w", err)
			}
		}
		args := append(append(append([]any{}, idArgs...), idArgs...), idArgs...)
		if _, err := tx.ExecContext(ctx, `INSERT INTO temp.corr_keys (k, identity_id) SELECT `+fold(idExpr)+`, i.id
			FROM identities i WHERE `+idExpr+` IS NOT NULL AND `+idExpr+` <> ''`, args...); err != nil {
			return 0, fmt.Errorf("correlation keys: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `CREATE INDEX temp.corr_keys_k ON corr_keys (k)`); err != nil {
			return 0, fmt.Errorf("correlation keys: %w", err)
		}
		acct := `CAST(json_extract(r.attributes, ?) AS TEXT)`
		path := jsonPath(a.Value)
		// Only rows with a match are written (an UPDATE rewrites every row it selects).
		res, err := tx.ExecContext(ctx, `UPDATE `+table+` AS r SET identity_id = (
				SELECT CASE WHEN count(DISTINCT c.identity_id) = 1 THEN min(c.identity_id) END
				FROM temp.corr_keys c WHERE c.k = `+fold(acct)+`)
			WHERE r.state > 0 AND r.identity_id IS NULL AND `+acct+` IS NOT NULL
				AND EXISTS (SELECT 1 FROM temp.corr_keys c WHERE c.k = `+fold(acct)+`)`,
			path, path, path)
		if err != nil {
			return 0, fmt.Errorf("correlate on %s = %s: %w", a.Property, a.Value, err)
		}
		n, _ := res.RowsAffected()
		touched += int(n)
		if _, err := tx.ExecContext(ctx, `DROP TABLE temp.corr_keys`); err != nil {
			return 0, fmt.Errorf("correlation keys: %w", err)
		}
	}
	// The default: a unique identity whose alias is the account name, else a
	// unique one whose name is (case-insensitive). Every staged row is looked
	// up once, in a table of those names, rather than twice in identities.
	keys := int64(0)
	for _, stmt := range []string{`DROP TABLE IF EXISTS temp.corr_default`,
		`CREATE TEMP TABLE corr_default (k TEXT COLLATE NOCASE PRIMARY KEY, identity_id TEXT) WITHOUT ROWID`,
		`INSERT INTO temp.corr_default (k, identity_id)
			SELECT k, coalesce(max(CASE WHEN by_alias = 1 THEN id END), max(CASE WHEN by_alias = 0 THEN id END)) FROM (
				SELECT alias COLLATE NOCASE AS k, CASE WHEN count(*) = 1 THEN min(id) END AS id, 1 AS by_alias
					FROM identities WHERE alias IS NOT NULL GROUP BY alias COLLATE NOCASE
				UNION ALL
				SELECT name COLLATE NOCASE, CASE WHEN count(*) = 1 THEN min(id) END, 0
					FROM identities WHERE name IS NOT NULL GROUP BY name COLLATE NOCASE)
			GROUP BY k HAVING coalesce(max(CASE WHEN by_alias = 1 THEN id END), max(CASE WHEN by_alias = 0 THEN id END)) IS NOT NULL`,
	} {
		res, err := tx.ExecContext(ctx, stmt)
		if err != nil {
			return 0, fmt.Errorf("default correlation keys: %w", err)
		}
		keys, _ = res.RowsAffected()
	}
	var n int64
	if keys > 0 {
		res, err := tx.ExecContext(ctx, `UPDATE `+table+` AS r SET identity_id = c.identity_id
			FROM temp.corr_default c WHERE c.k = r.name AND r.state > 0 AND r.identity_id IS NULL`)
		if err != nil {
			return 0, fmt.Errorf("default correlation: %w", err)
		}
		n, _ = res.RowsAffected()
	}
	if _, err := tx.ExecContext(ctx, `DROP TABLE temp.corr_default`); err != nil {
		return 0, fmt.Errorf("default correlation keys: %w", err)
	}
	return touched + int(n), nil
}

// classifyStagedCorrelated decides again, in the apply transaction, the new
// accounts of aggregation aggID that staging decided as uncorrelated and that
// correlated to an identity, where that can change the decision: those with a
// recommendation or classified as machines (correlation is evidence of a
// person), and those whose identity's person left (evidence of a machine). The
// others, people staging found to be people, stay as they are.
func (db *DB) classifyStagedCorrelated(ctx context.Context, tx *Tx, sourceID, aggID string) error {
	cfg, err := getConfig(ctx, tx, sourceID)
	if err != nil && mica.ErrorCode(err) != mica.ENOTFOUND {
		return err
	}
	people, err := sourcePeople(ctx, tx, sourceID, mica.PeopleSample)
	if err != nil {
		return err
	}
	decide := db.classifier(cfg, people)
	stmt, err := tx.PrepareContext(ctx, updateClassificationByRowidSQL)
	if err != nil {
		return fmt.Errorf("prepare classify: %w", err)
	}
	defer func() { _ = stmt.Close() }()
	after := ""
	for {
		batch, err := readClassRows(ctx, tx, "read correlated accounts", `SELECT a.rid, `+classificationColumns+`
			FROM accounts_view a WHERE a.aggregation_id = ? AND a.id > ? AND a.identity_id IS NOT NULL
				AND (a.recommendation_type IS NOT NULL OR a.is_machine = 1
					OR EXISTS (SELECT 1 FROM identities i WHERE i.id = a.identity_id AND i.left_day IS NOT NULL))
			ORDER BY a.id LIMIT 2000`, []any{aggID, after})
		if err != nil {
			return err
		}
		if len(batch) == 0 {
			return nil
		}
		if _, err := applyDecisions(ctx, stmt, tx, batch, decideRows(batch, decide)); err != nil {
			return err
		}
		after = batch[len(batch)-1].acct.AccountID
	}
}

// classifyStagedChanged classifies, in the apply transaction, the accounts
// that the staged rows of table change (state 2): their current
// classification counts, so staging could not decide them.
func (db *DB) classifyStagedChanged(ctx context.Context, tx *Tx, table, sourceID string) error {
	cfg, err := getConfig(ctx, tx, sourceID)
	if err != nil && mica.ErrorCode(err) != mica.ENOTFOUND {
		return err
	}
	people, err := sourcePeople(ctx, tx, sourceID, mica.PeopleSample)
	if err != nil {
		return err
	}
	decide := db.classifier(cfg, people)
	stmt, err := tx.PrepareContext(ctx, updateClassificationByRowidSQL)
	if err != nil {
		return fmt.Errorf("prepare classify: %w", err)
	}
	defer func() { _ = stmt.Close() }()
	var after int64
	for {
		batch, err := readClassRows(ctx, tx, "read changed accounts", `SELECT s.rowid, a.rid, `+classificationColumns+`
			FROM `+table+` s JOIN accounts_view a ON a.id = s.account_id WHERE s.state = 2 AND s.rowid > ?
			ORDER BY s.rowid LIMIT 2000`, []any{after}, &after)
		if err != nil {
			return err
		}
		if len(batch) == 0 {
			return nil
		}
		if _, err := applyDecisions(ctx, stmt, tx, batch, decideRows(batch, decide)); err != nil {
			return err
		}
	}
}
