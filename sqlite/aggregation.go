package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/micahq/mica"
)

const aggregationColumns = `id, source_id, status, completion_status, total_accounts, processed_accounts,
	marked_for_deletion, deleted_accounts, total_identities, processed_identities, stats, messages, file_path,
	disable_optimization, launcher, owner, lease_until, started, completed, created, max_removals`

func scanAggregation(sc interface{ Scan(...any) error }) (*mica.Aggregation, error) {
	var a mica.Aggregation
	var completion, file, owner, lease, started, completed sql.NullString
	var stats, messages, created string
	var disable int
	var maxRemovals sql.NullInt64
	if err := sc.Scan(&a.ID, &a.SourceID, &a.Status, &completion, &a.TotalAccounts, &a.ProcessedAccounts,
		&a.MarkedForDeletion, &a.DeletedAccounts, &a.TotalIdentities, &a.ProcessedIdentities, &stats, &messages,
		&file, &disable, &a.Launcher, &owner, &lease, &started, &completed, &created, &maxRemovals); err != nil {
		return nil, err
	}
	if maxRemovals.Valid {
		n := int(maxRemovals.Int64)
		a.MaxRemovals = &n
	}
	a.CompletionStatus, a.FilePath, a.DisableOptimization = completion.String, file.String, disable != 0
	a.Owner, a.LeaseUntil = owner.String, parseTimePtr(lease)
	fromJSON(stats, &a.Stats)
	fromJSON(messages, &a.Messages)
	if a.Messages == nil {
		a.Messages = []mica.TaskMessage{}
	}
	a.Started, a.Completed, a.Created = parseTimePtr(started), parseTimePtr(completed), parseTime(created)
	return &a, nil
}

// CreateAggregation records a new aggregation (STARTED) of an existing source.
func (db *DB) CreateAggregation(ctx context.Context, a *mica.Aggregation) error {
	return db.update(ctx, func(tx *Tx) error {
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM sources WHERE id = ?`, a.SourceID).Scan(&n); err != nil {
			return fmt.Errorf("find source: %w", err)
		} else if n == 0 {
			return mica.ErrNotFound(mica.KindSource, a.SourceID)
		}
		if a.ID == "" {
			a.ID = mica.NewID()
		}
		now, lease := tx.now, tx.now.Add(mica.AggregationLease)
		a.Status, a.CompletionStatus, a.Created, a.Started, a.LeaseUntil = mica.AggStarted, "", now, &now, &lease
		if a.Messages == nil {
			a.Messages = []mica.TaskMessage{}
		}
		var maxRemovals any
		if a.MaxRemovals != nil {
			maxRemovals = *a.MaxRemovals
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO aggregations (id, source_id, status, stats, messages, file_path,
			disable_optimization, launcher, owner, lease_until, started, created, max_removals)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			a.ID, a.SourceID, a.Status, toJSON(a.Stats), toJSON(a.Messages), nullString(a.FilePath),
			boolInt(a.DisableOptimization), a.Launcher, nullString(a.Owner), formatTime(lease), formatTime(now),
			formatTime(now), maxRemovals); err != nil {
			return fmt.Errorf("insert aggregation: %w", err)
		}
		return nil
	})
}

// GetAggregation returns an aggregation by id, ENOTFOUND when there is none.
func (db *DB) GetAggregation(ctx context.Context, id string) (*mica.Aggregation, error) {
	return getAggregation(ctx, db.read, id)
}

func getAggregation(ctx context.Context, q queryer, id string) (*mica.Aggregation, error) {
	a, err := scanAggregation(q.QueryRowContext(ctx, `SELECT `+aggregationColumns+` FROM aggregations WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, mica.ErrNotFound(mica.KindAggregation, id)
	} else if err != nil {
		return nil, fmt.Errorf("get aggregation: %w", err)
	}
	return a, nil
}

// StageAccounts inserts parsed accounts into the aggregation's staging file
// in one short transaction, with their classification as new accounts.
func (db *DB) StageAccounts(ctx context.Context, aggregationID string, rows []mica.StagedAccount) error {
	st := db.staging(aggregationID)
	prepared, decided := db.prepareStaged(ctx, st, aggregationID, rows)
	defer prepared.wait()
	closed := false // the aggregation has ended or gone: its staging goes too
	err := db.withStaging(ctx, aggregationID, func(conn *sql.Conn) error {
		return db.updateOn(ctx, conn, func(tx *Tx) error {
			a, err := getAggregation(ctx, tx, aggregationID)
			if err == nil {
				err = a.CheckOpen()
			}
			if err != nil {
				closed = true
				return err
			}
			if err := createStaging(ctx, tx, stagedRows); err != nil {
				return err
			}
			return insertStaged(ctx, tx, stagedRows, rows, prepared)
		})
	})
	if closed {
		_ = db.removeStagingFile(aggregationID)
	}
	if err != nil {
		return err
	}
	db.stagingMu.Lock()
	st.batches++
	if !decided {
		st.decided = false
	}
	db.stagingMu.Unlock()
	return nil
}

// CollectAggregation counts what applying the staged rows would do (reads only)
// and records it with status ACCOUNTS_COLLECTED.
func (db *DB) CollectAggregation(ctx context.Context, id string) (*mica.Aggregation, error) {
	a, err := getAggregation(ctx, db.read, id)
	if err != nil {
		return nil, err
	}
	var existing, staged, matched, changed int
	if err := db.read.QueryRowContext(ctx, `SELECT count(*) FROM accounts WHERE source_id = ?`, a.SourceID).Scan(&existing); err != nil {
		return nil, fmt.Errorf("count accounts: %w", err)
	}
	if _, err := db.readStaging(ctx, id, func(conn *sql.Conn) error {
		if existing == 0 { // a first file adds every row
			if err := conn.QueryRowContext(ctx, `SELECT count(*) FROM `+stagedRows).Scan(&staged); err != nil {
				return fmt.Errorf("count staged accounts: %w", err)
			}
			return nil
		}
		if err := conn.QueryRowContext(ctx, `SELECT count(*), count(a.id),
				coalesce(sum(CASE WHEN a.id IS NOT NULL AND (? OR a.content_hash IS NOT r.hash) THEN 1 ELSE 0 END), 0)
			FROM `+stagedRows+` r LEFT JOIN accounts a ON a.source_id = ? AND a.native_identity = r.native_identity`,
			boolInt(a.DisableOptimization), a.SourceID).Scan(&staged, &matched, &changed); err != nil {
			return fmt.Errorf("count staged accounts: %w", err)
		}
		return nil
	}); err != nil {
		return nil, err
	}
	// Each account matches at most one staged row: the others are removed.
	added, removed := staged-matched, existing-matched
	err = db.update(ctx, func(tx *Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE aggregations SET status = ?, total_accounts = ?, marked_for_deletion = ?
			WHERE id = ? AND status = ?`, mica.AggAccountsCollected, added+changed+removed, removed, id, mica.AggStarted)
		if err != nil {
			return fmt.Errorf("collect aggregation: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return mica.ErrAggregationNotRunning(id)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	a.Status, a.TotalAccounts, a.MarkedForDeletion = mica.AggAccountsCollected, added+changed+removed, removed
	a.Stats = mica.AggregationStats{Scanned: staged, Added: added, Changed: changed, Removed: removed, Unchanged: matched - changed}
	return a, nil
}

// DeleteAggregation removes an aggregation that was not applied, and its staged rows.
func (db *DB) DeleteAggregation(ctx context.Context, id string) error {
	err := db.update(ctx, func(tx *Tx) error {
		a, err := getAggregation(ctx, tx, id)
		if err != nil {
			return err
		}
		if err := a.CheckDelete(); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM aggregations WHERE id = ?`, id); err != nil {
			return fmt.Errorf("delete aggregation: %w", err)
		}
		return nil
	})
	if err != nil {
		return err
	}
	return db.removeStagingFile(id)
}

// ListAggregations lists a source's aggregations, newest first.
func (db *DB) ListAggregations(ctx context.Context, sourceID string, opt mica.ListOptions) (mica.Page[*mica.Aggregation], error) {
	page := mica.Page[*mica.Aggregation]{Total: -1, Items: []*mica.Aggregation{}}
	if opt.Count {
		if err := db.read.QueryRowContext(ctx, `SELECT count(*) FROM aggregations WHERE source_id = ?`, sourceID).
			Scan(&page.Total); err != nil {
			return page, fmt.Errorf("count aggregations: %w", err)
		}
	}
	if opt.Limit == 0 {
		return page, nil
	}
	rows, err := db.read.QueryContext(ctx, `SELECT `+aggregationColumns+` FROM aggregations WHERE source_id = ?
		ORDER BY created DESC, rowid DESC LIMIT ? OFFSET ?`, sourceID, opt.Limit, opt.Offset)
	if err != nil {
		return page, fmt.Errorf("list aggregations: %w", err)
	}
	defer func() { _ = rows.Close() }()
	for rows.Next() {
		a, err := scanAggregation(rows)
		if err != nil {
			return page, fmt.Errorf("list aggregations: %w", err)
		}
		page.Items = append(page.Items, a)
	}
	return page, rows.Err()
}

// attrExpr is the first non-empty of the staged row r's attributes keys.
func attrExpr(keys ...string) string {
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = `nullif(CAST(json_extract(r.attributes, '$."` + k + `"') AS TEXT), '')`
	}
	return "coalesce(" + strings.Join(parts, ", ") + ")"
}

var (
	firstNameExpr = attrExpr(mica.FirstNameAttributes...)
	lastNameExpr  = attrExpr(mica.LastNameAttributes...)
	emailExpr     = attrExpr(mica.EmailAttributes...)
	displayExpr   = attrExpr(mica.DisplayNameAttributes...)
)

// ApplyAggregation applies the staged rows in one transaction, then drops them.
// The transaction runs the steps of an apply (applyRun) in order.
func (db *DB) ApplyAggregation(ctx context.Context, id string) (*mica.Aggregation, error) {
	var out *mica.Aggregation
	err := db.withStaging(ctx, id, func(conn *sql.Conn) error {
		return db.updateOn(ctx, conn, func(tx *Tx) error {
			ap, err := db.startApply(ctx, tx, id)
			if err != nil {
				return err
			}
			defer ap.restoreCache()
			for _, step := range []func() error{
				ap.matchExisting,
				ap.checkRemovals,
				ap.correlate,
				ap.writeIdentities,
				ap.readStagedDecisions,
				ap.insertNew,
				ap.updateChanged,
				ap.refreshIdentityNames,
				ap.removeMissing,
				ap.countIdentities,
				ap.classify,
				ap.complete,
			} {
				if err := step(); err != nil {
					return err
				}
			}
			out = ap.agg
			return nil
		})
	})
	if err != nil {
		// Refused because the aggregation ended or went (its staging file
		// may just have been made again): its staging goes now.
		if a, gerr := getAggregation(context.WithoutCancel(ctx), db.read, id); mica.ErrorCode(gerr) == mica.ENOTFOUND ||
			(gerr == nil && a.Done()) {
			_ = db.removeStagingFile(id)
		}
		return nil, err
	}
	return out, db.removeStagingFile(id)
}

// applyCacheKiB is the page cache of the apply transaction (SQLite's default is 2 MiB).
const applyCacheKiB = 64 << 10

// applyRun is one ApplyAggregation: its transaction, what it read, and the
// counts its steps leave for the next ones.
type applyRun struct {
	db    *DB
	ctx   context.Context
	tx    *Tx
	id    string // the aggregation's
	table string // its staging table
	agg   *mica.Aggregation
	src   *mica.Source
	cfg   *mica.CorrelationConfig
	now   string

	// Staged rows and the source's accounts, once matched (matchExisting).
	scanned, added, changed, existing, removed int

	correlated        int  // rows that correlation gave an identity (correlate)
	createdIdentities int  // identities made for an authoritative source's new accounts (writeIdentities)
	decided           bool // the new rows' classification from staging holds (readStagedDecisions)
	deleted           int  // accounts removed (removeMissing)
	identities        int  // distinct identities of the added and changed accounts (countIdentities)
}

// startApply reads the aggregation, its source and the source's correlation
// config, makes sure the staging table exists (a file without accounts staged
// nothing: apply an empty table), and gives the transaction a larger page
// cache, which restoreCache gives back.
func (db *DB) startApply(ctx context.Context, tx *Tx, id string) (*applyRun, error) {
	a, err := getAggregation(ctx, tx, id)
	if err != nil {
		return nil, err
	}
	if err := a.CheckOpen(); err != nil {
		return nil, err
	}
	src, err := scanSource(tx.QueryRowContext(ctx, `SELECT `+sourceSelect+` FROM sources s WHERE s.id = ?`, a.SourceID))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, mica.ErrNotFound(mica.KindSource, a.SourceID)
	} else if err != nil {
		return nil, fmt.Errorf("get source: %w", err)
	}
	cfg, err := getCorrelationConfig(ctx, tx, a.SourceID)
	if err != nil {
		return nil, err
	}
	ap := &applyRun{db: db, ctx: ctx, tx: tx, id: id, table: stagedRows, agg: a, src: src, cfg: cfg,
		now: formatTime(tx.now)}
	if err := createStaging(ctx, tx, ap.table); err != nil {
		return nil, err
	}
	// A big transaction touches many pages.
	if _, err := tx.ExecContext(ctx, fmt.Sprintf("PRAGMA cache_size = -%d", applyCacheKiB)); err != nil {
		return nil, fmt.Errorf("cache size: %w", err)
	}
	return ap, nil
}

// restoreCache gives back the memory of startApply's page cache.
func (ap *applyRun) restoreCache() {
	_, _ = ap.tx.ExecContext(context.WithoutCancel(ap.ctx), fmt.Sprintf("PRAGMA cache_size = -%d", writeCacheKiB))
}

// exec runs a statement of the apply and says how many rows it changed.
func (ap *applyRun) exec(what, q string, args ...any) (int, error) {
	res, err := ap.tx.ExecContext(ap.ctx, q, args...)
	if err != nil {
		return 0, fmt.Errorf("%s: %w", what, err)
	}
	n, _ := res.RowsAffected()
	return int(n), nil
}

// matchExisting matches the staged rows (staged as new, 1) with the source's
// accounts: unchanged (0) or changed (2), and counts them.
func (ap *applyRun) matchExisting() error {
	ctx, tx, table, a := ap.ctx, ap.tx, ap.table, ap.agg
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM accounts WHERE source_id = ?`, a.SourceID).Scan(&ap.existing); err != nil {
		return fmt.Errorf("count accounts: %w", err)
	}
	if ap.existing > 0 {
		if _, err := ap.exec("match existing accounts", `UPDATE `+table+` AS r SET account_id = a.id,
				identity_id = a.identity_id,
				state = CASE WHEN ? OR a.content_hash IS NOT r.hash THEN 2 ELSE 0 END
			FROM accounts a WHERE a.source_id = ? AND a.native_identity = r.native_identity`,
			boolInt(a.DisableOptimization), a.SourceID); err != nil {
			return err
		}
	}
	if ap.existing == 0 { // every row is new: count them on the narrow index
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM `+table).Scan(&ap.scanned); err != nil {
			return fmt.Errorf("count staged rows: %w", err)
		}
		ap.added = ap.scanned
	} else if err := tx.QueryRowContext(ctx, `SELECT count(*), coalesce(sum(state = 1), 0), coalesce(sum(state = 2), 0)
		FROM `+table).Scan(&ap.scanned, &ap.added, &ap.changed); err != nil {
		return fmt.Errorf("count staged rows: %w", err)
	}
	// Each account matches at most one staged row: the others are removed.
	ap.removed = ap.existing - (ap.scanned - ap.added)
	return nil
}

// checkRemovals refuses a file that would remove more of the source's
// accounts than its deleteThreshold or the aggregation's maxRemovals allow
// (mica.CheckRemovals).
func (ap *applyRun) checkRemovals() error {
	return mica.CheckRemovals(ap.src, ap.agg, ap.existing, ap.removed)
}

// correlate gives the staged rows without an identity the one the source's
// correlation config finds.
func (ap *applyRun) correlate() (err error) {
	ap.correlated, err = correlateStaged(ap.ctx, ap.tx, ap.table, ap.cfg)
	return err
}

// writeIdentities makes, on an authoritative source, an identity for each new
// or changed row that has none, and updates the identities of the others from
// their rows.
func (ap *applyRun) writeIdentities() (err error) {
	if !ap.src.Authoritative {
		return nil
	}
	table, now := ap.table, ap.now
	if ap.createdIdentities, err = ap.exec("new identity ids", `UPDATE `+table+`
		SET identity_id = lower(hex(randomblob(16))), new_identity = 1
		WHERE state > 0 AND identity_id IS NULL`); err != nil {
		return err
	}
	if _, err := ap.exec("create identities", `INSERT INTO identities (id, name, alias, first_name, last_name,
			email, levels, status, attributes, correlated, protected, created, modified, left_day)
		SELECT identity_id, coalesce(`+displayExpr+`, nullif(trim(coalesce(`+firstNameExpr+`, '') || ' ' ||
			coalesce(`+lastNameExpr+`, '')), ''), name), name, `+firstNameExpr+`, `+lastNameExpr+`,
			`+emailExpr+`, '["USER"]', 'ACTIVE', attributes, 1, 0, ?, ?, left_day
		FROM `+table+` r WHERE new_identity = 1`, now, now); err != nil {
		return err
	}
	_, err = ap.exec("update identities", `UPDATE identities SET
			name = coalesce(`+displayExpr+`, identities.name),
			first_name = coalesce(`+firstNameExpr+`, identities.first_name),
			last_name = coalesce(`+lastNameExpr+`, identities.last_name),
			email = coalesce(`+emailExpr+`, identities.email),
			attributes = json_patch(identities.attributes, r.attributes), left_day = r.left_day, modified = ?
		FROM `+table+` r WHERE r.state > 0 AND r.new_identity = 0 AND r.identity_id = identities.id`, now)
	return err
}

// readStagedDecisions says whether the classification staging gave every row
// (as a new account) holds: it does if the source's classification config is
// the one staging read.
func (ap *applyRun) readStagedDecisions() error {
	if ap.db.classifier == nil {
		return nil
	}
	ccfg, err := getConfig(ap.ctx, ap.tx, ap.agg.SourceID)
	if err != nil && mica.ErrorCode(err) != mica.ENOTFOUND {
		return err
	}
	ap.decided = ap.db.stagedDecisions(ap.id, configStamp(ccfg))
	return nil
}

// insertNew inserts the new accounts, with staging's classification when it
// holds. New account ids share a random prefix and count up in file order, so
// a million inserts append to the table and its id index instead of landing on
// random pages; their rids count up too, so their classifications, written
// after them in the same order, append as well.
//
// SQLite writes every row an INSERT ... SELECT selects into a temporary table
// before inserting any when the target table has a row trigger, whatever the
// trigger's WHEN: accounts_assign_ins (migration 0009: it counts an account
// inserted with an identity in assignment_version) made it copy each new
// account twice. The insert runs without it: the trigger is dropped and made
// again in this transaction, so no other connection ever sees the table
// without it, and the insert counts itself in assignment_version as the
// trigger would have.
func (ap *applyRun) insertNew() error {
	if ap.added == 0 {
		return nil
	}
	var trigger sql.NullString
	if err := ap.tx.QueryRowContext(ap.ctx, `SELECT sql FROM sqlite_schema WHERE type = 'trigger' AND name = ?`,
		assignInsertTrigger).Scan(&trigger); err != nil && !errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("read trigger %s: %w", assignInsertTrigger, err)
	}
	if trigger.Valid {
		if _, err := ap.exec("suspend trigger", `DROP TRIGGER `+assignInsertTrigger); err != nil {
			return err
		}
	}
	if err := ap.insertAccounts(); err != nil {
		return err
	}
	if !trigger.Valid {
		return nil
	}
	if _, err := ap.exec("restore trigger", trigger.String); err != nil {
		return err
	}
	// A new account has an identity only by correlation or as an identity
	// this aggregation made.
	if ap.correlated > 0 || ap.createdIdentities > 0 {
		if _, err := ap.exec("count assignments", `UPDATE assignment_version SET n = n + 1 WHERE id = 1
			AND EXISTS (SELECT 1 FROM `+ap.table+` WHERE state = 1 AND identity_id IS NOT NULL)`); err != nil {
			return err
		}
	}
	return nil
}

// assignInsertTrigger counts accounts inserted with an identity in
// assignment_version.
const assignInsertTrigger = "accounts_assign_ins"

// insertAccountsSQL inserts the new rows of staging table table as accounts:
// ?1 now, ?2 the id prefix, ?3 and ?4 the source's id and name, ?5 whether it
// is authoritative, ?6 the aggregation's id.
func insertAccountsSQL(table string) string {
	return `INSERT INTO accounts (id, source_id, source_name, native_identity, name,
			identity_id, identity_name, attributes, authoritative, disabled, locked, uncorrelated, origin,
			content_hash, aggregation_id, created, modified)
		SELECT printf('%s%016x', ?2, r.rowid), ?3, ?4, r.native_identity, r.name, r.identity_id,
			CASE WHEN r.identity_id IS NOT NULL THEN (SELECT i.name FROM identities i WHERE i.id = r.identity_id) END,
			r.attributes, ?5, r.disabled, r.locked, r.identity_id IS NULL, 'AGGREGATED', r.hash, ?6, ?1, ?1
		FROM ` + table + ` r WHERE r.state = 1 ORDER BY r.rowid`
}

// insertAccounts inserts the new accounts (insertNew).
func (ap *applyRun) insertAccounts() error {
	prefix := mica.NewID()[:16]
	_, err := ap.exec("insert accounts", insertAccountsSQL(ap.table),
		ap.now, prefix, ap.agg.SourceID, ap.src.Name, boolInt(ap.src.Authoritative), ap.id)
	if err != nil || !ap.decided {
		return err
	}
	// Each decided row's account is found by the id it was just given.
	_, err = ap.exec("insert classifications", `INSERT INTO account_classifications (`+classificationColumnsSQL+`)
		SELECT a.rid, coalesce(r.machine, 0), r.method, CASE WHEN r.method IS NOT NULL THEN ?1 END, r.rec_type,
			r.rec_method, ?1
		FROM `+ap.table+` r JOIN accounts a ON a.id = printf('%s%016x', ?2, r.rowid)
		WHERE r.state = 1 AND (r.machine IS NOT NULL OR r.method IS NOT NULL OR r.rec_type IS NOT NULL
			OR r.rec_method IS NOT NULL)
		ORDER BY r.rowid`, ap.now, prefix)
	return err
}

// updateChanged writes the changed rows into their accounts.
func (ap *applyRun) updateChanged() error {
	if ap.changed == 0 {
		return nil
	}
	_, err := ap.exec("update accounts", `UPDATE accounts SET name = r.name, attributes = r.attributes,
			disabled = r.disabled, locked = r.locked, content_hash = r.hash, identity_id = r.identity_id,
			identity_name = (SELECT i.name FROM identities i WHERE i.id = r.identity_id),
			uncorrelated = r.identity_id IS NULL, aggregation_id = ?, modified = ?
		FROM `+ap.table+` r WHERE r.state = 2 AND accounts.id = r.account_id`, ap.id, ap.now)
	return err
}

// refreshIdentityNames copies, on an authoritative source, the names of the
// identities it just wrote into their accounts (of every source).
func (ap *applyRun) refreshIdentityNames() error {
	if !ap.src.Authoritative {
		return nil
	}
	_, err := ap.exec("refresh identity names", `UPDATE accounts SET identity_name = i.name
		FROM identities i WHERE accounts.identity_id = i.id AND accounts.identity_name IS NOT i.name
			AND i.id IN (SELECT identity_id FROM `+ap.table+` WHERE state > 0)`)
	return err
}

// removeMissing deletes the source's accounts that the file lacks. What this
// aggregation just inserted or changed is in the file: only the other accounts
// need looking up among the staged rows.
func (ap *applyRun) removeMissing() (err error) {
	if ap.removed == 0 {
		return nil
	}
	ap.deleted, err = ap.exec("remove accounts", `DELETE FROM accounts WHERE source_id = ?
		AND aggregation_id IS NOT ? AND NOT EXISTS (SELECT 1 FROM `+ap.table+` r
			WHERE r.native_identity = accounts.native_identity)`, ap.agg.SourceID, ap.id)
	return err
}

// countIdentities counts the identities of the added and changed accounts.
// Rows have identities from the accounts they match, correlation or new
// identities only.
func (ap *applyRun) countIdentities() error {
	if ap.existing == 0 && ap.correlated == 0 && !ap.src.Authoritative {
		return nil
	}
	if err := ap.tx.QueryRowContext(ap.ctx, `SELECT count(DISTINCT identity_id) FROM `+ap.table+`
		WHERE state > 0 AND identity_id IS NOT NULL`).Scan(&ap.identities); err != nil {
		return fmt.Errorf("count identities: %w", err)
	}
	return nil
}

// classify is continuous classification: what staging decided, completed for
// the changed and correlated accounts, or every added and changed account
// decided now. Staging decided new accounts with the people the source had
// then; a source that has people only now (its first correlated aggregation)
// is decided again with them.
func (ap *applyRun) classify() error {
	db, src := ap.db, ap.src
	if ap.decided && !src.Authoritative && db.stagedPeople(ap.id) < mica.MinPeople && ap.correlated >= mica.MinPeople {
		ap.decided = false
	}
	if !ap.decided {
		return db.classifyAggregated(ap.ctx, ap.tx, ap.agg.SourceID, ap.id)
	}
	if ap.changed > 0 {
		if err := db.classifyStagedChanged(ap.ctx, ap.tx, ap.table, ap.agg.SourceID); err != nil {
			return err
		}
	}
	if !src.Authoritative && ap.correlated > 0 {
		return db.classifyStagedCorrelated(ap.ctx, ap.tx, ap.agg.SourceID, ap.id)
	}
	return nil
}

// complete records the aggregation COMPLETED with its counts.
func (ap *applyRun) complete() error {
	a := ap.agg
	a.Complete(ap.scanned, ap.added, ap.changed, ap.deleted, ap.identities, ap.createdIdentities, ap.tx.now)
	_, err := ap.exec("complete aggregation", `UPDATE aggregations SET status = ?, completion_status = ?,
			total_accounts = ?, processed_accounts = ?, marked_for_deletion = ?, deleted_accounts = ?,
			total_identities = ?, processed_identities = ?, stats = ?, messages = ?, file_path = NULL, completed = ?
		WHERE id = ?`, a.Status, a.CompletionStatus, a.TotalAccounts, a.ProcessedAccounts, a.MarkedForDeletion,
		a.DeletedAccounts, a.TotalIdentities, a.ProcessedIdentities, toJSON(a.Stats), toJSON(a.Messages), ap.now, ap.id)
	return err
}

// FailAggregation ends an aggregation as TERMINATED with an error message.
func (db *DB) FailAggregation(ctx context.Context, id, completionStatus, message string) error {
	err := db.update(ctx, func(tx *Tx) error { return failAggregation(ctx, tx, id, completionStatus, message) })
	if err != nil {
		if mica.ErrorCode(err) == mica.ENOTFOUND { // gone with its source: its staged rows go too
			_ = db.removeStagingFile(id)
		}
		return err
	}
	return db.removeStagingFile(id)
}

// failAggregation ends an aggregation as TERMINATED with an error message,
// leaving its staging file to removeStagingFile.
func failAggregation(ctx context.Context, tx *Tx, id, completionStatus, message string) error {
	a, err := getAggregation(ctx, tx, id)
	if err != nil {
		return err
	}
	a.Messages = append(a.Messages, mica.TaskMessage{Type: "ERROR", Key: "TASK_OUT_ACCOUNT_AGGREGATION_ERROR", Text: message})
	_, err = tx.ExecContext(ctx, `UPDATE aggregations SET status = ?, completion_status = ?, messages = ?,
		file_path = NULL, completed = ? WHERE id = ?`, mica.AggTerminated, completionStatus,
		toJSON(a.Messages), formatTime(tx.now), id)
	if err != nil {
		return fmt.Errorf("fail aggregation: %w", err)
	}
	return nil
}

// TerminateUnfinishedAggregations ends every aggregation a previous run left
// unfinished and returns the files they were reading.
func (db *DB) TerminateUnfinishedAggregations(ctx context.Context, message string) ([]string, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT id, coalesce(file_path, '') FROM aggregations WHERE status IN (?, ?)`,
		mica.AggStarted, mica.AggAccountsCollected)
	if err != nil {
		return nil, fmt.Errorf("find unfinished aggregations: %w", err)
	}
	var ids, files []string
	for rows.Next() {
		var id, file string
		if err := rows.Scan(&id, &file); err != nil {
			_ = rows.Close()
			return nil, fmt.Errorf("find unfinished aggregations: %w", err)
		}
		ids = append(ids, id)
		if file != "" {
			files = append(files, file)
		}
	}
	_ = rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("find unfinished aggregations: %w", err)
	}
	for _, id := range ids {
		if err := db.FailAggregation(ctx, id, mica.CompletionTerminated, message); err != nil {
			return files, err
		}
	}
	return files, db.dropOrphanStaging(ctx)
}

// RenewAggregationLeases claims the unfinished aggregations ids for owner and
// extends their leases to until.
func (db *DB) RenewAggregationLeases(ctx context.Context, owner string, ids []string, until time.Time) error {
	if len(ids) == 0 {
		return nil
	}
	return db.update(ctx, func(tx *Tx) error {
		if _, err := tx.ExecContext(ctx, `UPDATE aggregations SET owner = ?, lease_until = ?
			WHERE id IN (SELECT value FROM json_each(?)) AND status IN (?, ?) AND (owner IS NULL OR owner = ?)`,
			owner, formatTime(until), toJSON(ids), mica.AggStarted, mica.AggAccountsCollected, owner); err != nil {
			return fmt.Errorf("renew aggregation leases: %w", err)
		}
		return nil
	})
}

// TerminateExpiredAggregations ends the unfinished aggregations whose lease
// ended before now, except owner's, and returns their files. One write
// transaction finds and ends them, so a renewal lands either before (and the
// aggregation lives) or after (and finds it ended).
func (db *DB) TerminateExpiredAggregations(ctx context.Context, owner string, now time.Time, message string) ([]string, error) {
	var ids, files []string
	err := db.update(ctx, func(tx *Tx) error {
		rows, err := tx.QueryContext(ctx, `SELECT id, coalesce(file_path, '') FROM aggregations
			WHERE status IN (?, ?) AND (lease_until IS NULL OR lease_until < ?) AND (owner IS NULL OR owner <> ?)`,
			mica.AggStarted, mica.AggAccountsCollected, formatTime(now), owner)
		if err != nil {
			return fmt.Errorf("find expired aggregations: %w", err)
		}
		for rows.Next() {
			var id, file string
			if err := rows.Scan(&id, &file); err != nil {
				_ = rows.Close()
				return fmt.Errorf("find expired aggregations: %w", err)
			}
			ids = append(ids, id)
			if file != "" {
				files = append(files, file)
			}
		}
		_ = rows.Close()
		if err := rows.Err(); err != nil {
			return fmt.Errorf("find expired aggregations: %w", err)
		}
		for _, id := range ids {
			if err := failAggregation(ctx, tx, id, mica.CompletionTerminated, message); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	for _, id := range ids {
		if err := db.removeStagingFile(id); err != nil {
			return files, err
		}
	}
	return files, db.dropOrphanStaging(ctx)
}
