package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/micahq/mica"
	"github.com/micahq/mica/query"
)

// OnClassificationJobStarted is a hook that runs inside the transaction that creates
// a classification job, so that the job's durable work item (a River job) is
// enqueued atomically with it.
type OnClassificationJobStarted func(ctx context.Context, tx *sql.Tx, job *mica.ClassificationJob) error

// Classifier makes the decision function for a source's config (nil when the source
// has none). Installed, it classifies what an aggregation adds or changes in the
// aggregation's own transaction: continuous classification.
// people are a sample of the source's correlated accounts (SourcePeople), from
// which discovery learns the source's population.
type Classifier = mica.DeciderFor

// SetClassifier installs the continuous classification of aggregated accounts.
func (db *DB) SetClassifier(c Classifier) { db.classifier = c }

// classifyAggregated classifies the accounts aggregation aggID added or changed, in its transaction.
func (db *DB) classifyAggregated(ctx context.Context, tx *Tx, sourceID, aggID string) error {
	if db.classifier == nil {
		return nil
	}
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
		batch, err := readClassRows(ctx, tx, "read aggregated accounts", `SELECT a.rowid, `+classificationColumns+`
			FROM accounts a WHERE a.aggregation_id = ? AND a.id > ? ORDER BY a.id LIMIT 2000`, []any{aggID, after})
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

// SourcePeople returns up to n accounts of a source that correlate to an identity.
func (db *DB) SourcePeople(ctx context.Context, sourceID string, n int) ([]*mica.AccountClassification, error) {
	return sourcePeople(ctx, db.read, sourceID, n)
}

func sourcePeople(ctx context.Context, q queryer, sourceID string, n int) ([]*mica.AccountClassification, error) {
	rows, err := q.QueryContext(ctx, `SELECT `+classificationColumns+` FROM accounts a
		WHERE a.source_id = ? AND a.identity_id IS NOT NULL LIMIT ?`, sourceID, n)
	if err != nil {
		return nil, fmt.Errorf("read source people: %w", err)
	}
	defer func() { _ = rows.Close() }()
	var out []*mica.AccountClassification
	for rows.Next() {
		a, err := scanClassification(rows)
		if err != nil {
			return nil, fmt.Errorf("read source people: %w", err)
		}
		out = append(out, a)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read source people: %w", err)
	}
	return out, nil
}

// SetJobHook installs the hook that enqueues classification work.
func (db *DB) SetJobHook(h OnClassificationJobStarted) { db.jobHook = h }

// WritePool is the single-connection write pool (River's driver uses it too).
func (db *DB) WritePool() *sql.DB { return db.write }

// GetMachineClassificationConfig returns a source's config, ENOTFOUND when there is none.
func (db *DB) GetMachineClassificationConfig(ctx context.Context, sourceID string) (*mica.MachineClassificationConfig, error) {
	return getConfig(ctx, db.read, sourceID)
}

func getConfig(ctx context.Context, q queryer, sourceID string) (*mica.MachineClassificationConfig, error) {
	var c mica.MachineClassificationConfig
	var enabled int
	var criteria, modified sql.NullString
	var created string
	err := q.QueryRowContext(ctx, `SELECT source_id, enabled, method, criteria, created, modified
		FROM classification_configs WHERE source_id = ?`, sourceID).
		Scan(&c.SourceID, &enabled, &c.ClassificationMethod, &criteria, &created, &modified)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, mica.Errorf(mica.ENOTFOUND, "source %q has no machine classification config", sourceID)
	} else if err != nil {
		return nil, fmt.Errorf("get classification config: %w", err)
	}
	c.Enabled = enabled != 0
	if criteria.Valid {
		fromJSON(criteria.String, &c.Criteria)
	}
	c.Created, c.Modified = parseTime(created), parseTimePtr(modified)
	return &c, nil
}

// PutMachineClassificationConfig creates or replaces a source's config.
func (db *DB) PutMachineClassificationConfig(ctx context.Context, cfg *mica.MachineClassificationConfig) error {
	if err := cfg.Validate(); err != nil {
		return err
	}
	return db.update(ctx, func(tx *Tx) error {
		if err := sourceExists(ctx, tx, cfg.SourceID, mica.ENOTFOUND); err != nil {
			return err
		}
		old, err := getConfig(ctx, tx, cfg.SourceID)
		if err != nil && mica.ErrorCode(err) != mica.ENOTFOUND {
			return err
		}
		if old != nil {
			cfg.Created, cfg.Modified = old.Created, &tx.now
		} else {
			cfg.Created, cfg.Modified = tx.now, nil
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO classification_configs (source_id, enabled, method, criteria, created, modified)
			VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (source_id) DO UPDATE SET enabled = excluded.enabled,
			method = excluded.method, criteria = excluded.criteria, modified = excluded.modified`,
			cfg.SourceID, boolInt(cfg.Enabled), cfg.ClassificationMethod, toJSONOrNull(cfg.Criteria),
			formatTime(cfg.Created), formatTimePtr(cfg.Modified))
		if err != nil {
			return fmt.Errorf("put classification config: %w", err)
		}
		return nil
	})
}

// DeleteMachineClassificationConfig removes a source's config; ENOTFOUND when there is none.
func (db *DB) DeleteMachineClassificationConfig(ctx context.Context, sourceID string) error {
	return db.update(ctx, func(tx *Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM classification_configs WHERE source_id = ?`, sourceID)
		if err != nil {
			return fmt.Errorf("delete classification config: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return mica.Errorf(mica.ENOTFOUND, "source %q has no machine classification config", sourceID)
		}
		return nil
	})
}

func sourceExists(ctx context.Context, q queryer, id, code string) error {
	var n int
	if err := q.QueryRowContext(ctx, `SELECT count(*) FROM sources WHERE id = ?`, id).Scan(&n); err != nil {
		return fmt.Errorf("check source: %w", err)
	}
	if n == 0 {
		return mica.Errorf(code, "source %q not found", id)
	}
	return nil
}

// classificationColumns are what classification reads of an account a: its
// classification, and the correlation discovery reads (the identity, whether
// the source is authoritative, whether the identity's person left).
const classificationColumns = `a.id, a.name, a.native_identity, a.attributes, a.is_machine,
	coalesce(a.classification_method, ''), a.recommendation_type, a.recommendation_method,
	coalesce(a.identity_id, ''), a.authoritative, (SELECT i.left_day FROM identities i WHERE i.id = a.identity_id)`

func scanClassification(s interface{ Scan(...any) error }) (*mica.AccountClassification, error) {
	var a mica.AccountClassification
	var attrs string
	var machine, authoritative int
	var recType, recMethod sql.NullString
	var left sql.NullInt64
	if err := s.Scan(&a.AccountID, &a.Name, &a.NativeIdentity, &attrs, &machine, &a.Method, &recType, &recMethod,
		&a.IdentityID, &authoritative, &left); err != nil {
		return nil, err
	}
	a.IsMachine, a.Authoritative = machine != 0, authoritative != 0
	a.IdentityLeft, a.IdentityLeftDay = left.Valid, left.Int64
	fromJSON(attrs, &a.Attributes)
	if recType.Valid && recMethod.Valid {
		a.Recommendation = &mica.Recommendation{Type: recType.String, Method: recMethod.String}
	}
	return &a, nil
}

// classRow is an account as classification reads it, its attributes still JSON:
// decoding them (decodeAttributes) and discovery are done on every CPU by
// decideRows, outside the row loop.
type classRow struct {
	seq   int64 // its place in a job (classification_job_items.seq); 0 elsewhere
	rowid int64 // where the account is stored: updates go straight there, not through the id index
	acct  mica.AccountClassification
	attrs string
}

// readClassRows runs query and returns the classRows it reads; extra are
// scanned before each row's own columns (a paging key). what names the read
// in errors.
func readClassRows(ctx context.Context, q queryer, what, query string, args []any, extra ...any) ([]classRow, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	defer func() { _ = rows.Close() }()
	var batch []classRow
	for rows.Next() {
		r, err := scanClassRow(rows, extra...)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", what, err)
		}
		batch = append(batch, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	return batch, nil
}

func scanClassRow(s interface{ Scan(...any) error }, extra ...any) (classRow, error) {
	var r classRow
	var machine, authoritative int
	var recType, recMethod sql.NullString
	var left sql.NullInt64
	dest := append(extra, &r.rowid, &r.acct.AccountID, &r.acct.Name, &r.acct.NativeIdentity, &r.attrs, &machine, &r.acct.Method,
		&recType, &recMethod, &r.acct.IdentityID, &authoritative, &left)
	if err := s.Scan(dest...); err != nil {
		return r, err
	}
	r.acct.IsMachine, r.acct.Authoritative = machine != 0, authoritative != 0
	r.acct.IdentityLeft, r.acct.IdentityLeftDay = left.Valid, left.Int64
	if recType.Valid && recMethod.Valid {
		r.acct.Recommendation = &mica.Recommendation{Type: recType.String, Method: recMethod.String}
	}
	return r, nil
}

// decision is what a Decider said of one account.
type decision struct {
	isMachine bool
	method    string
	rec       *mica.Recommendation
	changed   bool
}

// decideChunk is how many rows a decideRows worker takes at a time.
const decideChunk = 64

// decideRows decodes and decides every row, spreading the rows over
// GOMAXPROCS goroutines (a Decider is a pure function of its account). The
// decoded attributes are dropped once decided.
func decideRows(rows []classRow, decide mica.Decider) []decision {
	return decideRowsOn(rows, decide, runtime.GOMAXPROCS(0))
}

// decideRowsOn is decideRows on at most workers goroutines.
func decideRowsOn(rows []classRow, decide mica.Decider, workers int) []decision {
	out := make([]decision, len(rows))
	one := func(dec *attrDecoder, i int) {
		r := &rows[i]
		r.acct.Attributes = dec.decode(r.attrs)
		d := &out[i]
		d.isMachine, d.method, d.rec, d.changed = decide(&r.acct)
		r.acct.Attributes, r.attrs = nil, ""
	}
	workers = min(workers, (len(rows)+decideChunk-1)/decideChunk)
	if workers <= 1 {
		var dec attrDecoder
		for i := range rows {
			one(&dec, i)
		}
		return out
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var dec attrDecoder
			for {
				start := int(next.Add(decideChunk)) - decideChunk
				if start >= len(rows) {
					return
				}
				for i := start; i < min(start+decideChunk, len(rows)); i++ {
					one(&dec, i)
				}
			}
		}()
	}
	wg.Wait()
	return out
}

// applyDecisions writes the changed classifications of rows through stmt and
// returns how many changed.
func applyDecisions(ctx context.Context, stmt *sql.Stmt, tx *Tx, rows []classRow, ds []decision) (int, error) {
	// One statement per changed row, all in this transaction: no cancellation
	// watch per statement (the transaction has one), one formatted now.
	ctx = context.WithoutCancel(ctx)
	now := formatTime(tx.now)
	n := 0
	for i, d := range ds {
		if !d.changed {
			continue
		}
		if err := execClassification(ctx, stmt, now, rows[i].rowid, d.isMachine, d.method, d.rec); err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}

// GetAccountForClassification returns what classification reads of one account.
func (db *DB) GetAccountForClassification(ctx context.Context, id string) (*mica.AccountClassification, error) {
	a, err := scanClassification(db.read.QueryRowContext(ctx, `SELECT `+classificationColumns+` FROM accounts a WHERE a.id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, mica.Errorf(mica.ENOTFOUND, "account %q not found", id)
	} else if err != nil {
		return nil, fmt.Errorf("get account: %w", err)
	}
	return a, nil
}

// applyClassification writes an account's new classification.
func applyClassification(ctx context.Context, stmt *sql.Stmt, tx *Tx, id any, isMachine bool, method string, rec *mica.Recommendation) error {
	return execClassification(ctx, stmt, formatTime(tx.now), id, isMachine, method, rec)
}

// execClassification runs an update classification statement for one account
// at now (formatted).
func execClassification(ctx context.Context, stmt *sql.Stmt, now string, id any, isMachine bool, method string, rec *mica.Recommendation) error {
	var recType, recMethod, m, at any
	if rec != nil {
		recType, recMethod = rec.Type, rec.Method
	}
	if method != "" {
		m, at = method, now
	}
	if _, err := stmt.ExecContext(ctx, boolInt(isMachine), m, at, recType, recMethod, now, id); err != nil {
		return fmt.Errorf("classify account %v: %w", id, err)
	}
	return nil
}

const updateClassificationSQL = `UPDATE accounts SET is_machine = ?, classification_method = ?, classified_at = ?,
	recommendation_type = ?, recommendation_method = ?, modified = ? WHERE id = ?`

// updateClassificationByRowidSQL is updateClassificationSQL for an account
// read in the same transaction, addressed by its rowid.
const updateClassificationByRowidSQL = `UPDATE accounts SET is_machine = ?, classification_method = ?, classified_at = ?,
	recommendation_type = ?, recommendation_method = ?, modified = ? WHERE rowid = ?`

// ClassifyAccount decides one account's classification in one transaction.
func (db *DB) ClassifyAccount(ctx context.Context, accountID string, decide mica.DeciderFor) (*mica.Account, error) {
	var sourceID string
	err := db.update(ctx, func(tx *Tx) error {
		a, err := scanClassification(tx.QueryRowContext(ctx, `SELECT `+classificationColumns+` FROM accounts a WHERE a.id = ?`, accountID))
		if errors.Is(err, sql.ErrNoRows) {
			return mica.Errorf(mica.ENOTFOUND, "account %q not found", accountID)
		} else if err != nil {
			return fmt.Errorf("get account: %w", err)
		}
		if err := tx.QueryRowContext(ctx, `SELECT source_id FROM accounts WHERE id = ?`, accountID).Scan(&sourceID); err != nil {
			return fmt.Errorf("get account source: %w", err)
		}
		cfg, err := getConfig(ctx, tx, sourceID)
		if err != nil && mica.ErrorCode(err) != mica.ENOTFOUND {
			return err
		}
		people, err := sourcePeople(ctx, tx, sourceID, mica.PeopleSample)
		if err != nil {
			return err
		}
		isMachine, method, rec, changed := decide(cfg, people)(a)
		if !changed {
			return nil
		}
		stmt, err := tx.PrepareContext(ctx, updateClassificationSQL)
		if err != nil {
			return fmt.Errorf("prepare classify: %w", err)
		}
		defer func() { _ = stmt.Close() }()
		return applyClassification(ctx, stmt, tx, accountID, isMachine, method, rec)
	})
	if err != nil {
		return nil, err
	}
	return db.getAccountForMachine(ctx, accountID, false)
}

// ClassifyAccounts decides the classification of the given accounts of a source in one transaction.
func (db *DB) ClassifyAccounts(ctx context.Context, sourceID string, accountIDs []string, decide mica.Decider) (int, error) {
	changed := 0
	err := db.update(ctx, func(tx *Tx) error {
		stmt, err := tx.PrepareContext(ctx, updateClassificationByRowidSQL)
		if err != nil {
			return fmt.Errorf("prepare classify: %w", err)
		}
		defer func() { _ = stmt.Close() }()
		const chunk = 500
		for start := 0; start < len(accountIDs); start += chunk {
			ids := accountIDs[start:min(start+chunk, len(accountIDs))]
			args := append([]any{sourceID}, anySlice(ids)...)
			// "+a.source_id" keeps SQLite on the primary key: through the
			// (source_id, ...) index it would scan the whole source for every chunk.
			rows, err := tx.QueryContext(ctx, `SELECT a.rowid, `+classificationColumns+` FROM accounts a
				WHERE +a.source_id = ? AND a.id IN (`+placeholders(len(ids))+`)`, args...)
			if err != nil {
				return fmt.Errorf("read accounts to classify: %w", err)
			}
			var batch []classRow
			for rows.Next() {
				r, err := scanClassRow(rows)
				if err != nil {
					_ = rows.Close()
					return fmt.Errorf("read accounts to classify: %w", err)
				}
				batch = append(batch, r)
			}
			if err := rows.Close(); err != nil {
				return fmt.Errorf("read accounts to classify: %w", err)
			}
			n, err := applyDecisions(ctx, stmt, tx, batch, decideRows(batch, decide))
			changed += n
			if err != nil {
				return err
			}
		}
		return nil
	})
	return changed, err
}

func anySlice(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}

// Declassify sets every account of a source back to human and clears its method.
func (db *DB) Declassify(ctx context.Context, sourceID string) (int, error) {
	var n int64
	err := db.update(ctx, func(tx *Tx) error {
		if err := sourceExists(ctx, tx, sourceID, mica.EREFNOTFOUND); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `UPDATE accounts SET is_machine = 0, classification_method = NULL,
			classified_at = NULL, modified = ?,
			recommendation_type = CASE WHEN recommendation_type = 'HUMAN' THEN NULL ELSE recommendation_type END,
			recommendation_method = CASE WHEN recommendation_type = 'HUMAN' THEN NULL ELSE recommendation_method END
			WHERE source_id = ? AND (is_machine = 1 OR classification_method IS NOT NULL)`, formatTime(tx.now), sourceID)
		if err != nil {
			return fmt.Errorf("declassify: %w", err)
		}
		n, _ = res.RowsAffected()
		return nil
	})
	return int(n), err
}

const jobColumns = `id, source_id, status, expected, received, completed, config, reason, started, updated, machines, changed`

// jobInsertColumns are the columns a new job is written with (machines and changed start at 0).
const jobInsertColumns = `id, source_id, status, expected, received, completed, config, reason, started, updated`

func scanJob(s interface{ Scan(...any) error }) (*mica.ClassificationJob, error) {
	var j mica.ClassificationJob
	var cfg, started string
	var updated sql.NullString
	if err := s.Scan(&j.ID, &j.SourceID, &j.Status, &j.Expected, &j.Received, &j.Completed, &cfg, &j.Reason,
		&started, &updated, &j.Machines, &j.Changed); err != nil {
		return nil, err
	}
	fromJSON(cfg, &j.Config)
	j.Started, j.Updated = parseTime(started), parseTimePtr(updated)
	return &j, nil
}

func getJob(ctx context.Context, q queryer, where string, arg any) (*mica.ClassificationJob, error) {
	j, err := scanJob(q.QueryRowContext(ctx, `SELECT `+jobColumns+` FROM classification_jobs WHERE `+where+
		` ORDER BY started DESC, rowid DESC LIMIT 1`, arg))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, mica.Errorf(mica.ENOTFOUND, "no classification job found")
	} else if err != nil {
		return nil, fmt.Errorf("get classification job: %w", err)
	}
	return j, nil
}

// StartClassificationJob creates a job and collects the ids of every account of the
// source into it, in one transaction (with the work item, through the job hook).
func (db *DB) StartClassificationJob(ctx context.Context, sourceID string) (*mica.ClassificationJob, error) {
	var job *mica.ClassificationJob
	err := db.update(ctx, func(tx *Tx) error {
		if err := sourceExists(ctx, tx, sourceID, mica.EREFNOTFOUND); err != nil {
			return err
		}
		cfg, err := getConfig(ctx, tx, sourceID)
		if mica.ErrorCode(err) == mica.ENOTFOUND || (err == nil && (!cfg.Enabled || cfg.ClassificationMethod == "")) {
			return mica.ErrClassificationNotEnabled(sourceID)
		} else if err != nil {
			return err
		}
		if running, err := getJob(ctx, tx, "source_id = ? AND status IN ('STARTED', 'COLLECTED')", sourceID); err == nil {
			return mica.Errorf(mica.ECONFLICT, "classification job %s is already running for source %q", running.ID, sourceID)
		}
		job = &mica.ClassificationJob{ID: mica.NewID(), SourceID: sourceID, Status: mica.JobStarted, Started: tx.now,
			Updated: &tx.now, Config: cfg}
		_, err = tx.ExecContext(ctx, `INSERT INTO classification_jobs (`+jobInsertColumns+`) VALUES (?, ?, ?, 0, 0, 0, ?, '', ?, ?)`,
			job.ID, sourceID, job.Status, toJSON(cfg), formatTime(tx.now), formatTime(tx.now))
		if err != nil {
			return fmt.Errorf("insert classification job: %w", err)
		}
		// Storage order (rowid), not id order: each batch then reads and rewrites
		// neighbouring pages instead of pages all over the table.
		where, err := sourceAccountsByRowid(ctx, tx, sourceID)
		if err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `INSERT INTO classification_job_items (job_id, seq, account_id)
			SELECT ?, row_number() OVER (ORDER BY rowid), id FROM accounts WHERE `+where, job.ID, sourceID)
		if err != nil {
			return fmt.Errorf("collect accounts: %w", err)
		}
		job.Expected, _ = res.RowsAffected()
		if _, err := tx.ExecContext(ctx, `UPDATE classification_jobs SET expected = ? WHERE id = ?`, job.Expected, job.ID); err != nil {
			return fmt.Errorf("set expected: %w", err)
		}
		if db.jobHook != nil {
			return db.jobHook(ctx, tx.Tx, job)
		}
		return nil
	})
	return job, err
}

// sourceAccountsByRowid returns the condition (on the source id as its one
// argument) that reads a source's accounts in storage order most cheaply.
// Through the (source_id, native_identity) index SQLite would read the rows in
// native_identity order, a random read of the whole source: a source that
// holds a good part of the table is read by a scan of the table instead, and a
// smaller one by its rowids, sorted, from that index alone.
func sourceAccountsByRowid(ctx context.Context, tx *Tx, sourceID string) (string, error) {
	var maxRowid int64
	if err := tx.QueryRowContext(ctx, `SELECT coalesce(max(rowid), 0) FROM accounts`).Scan(&maxRowid); err != nil {
		return "", fmt.Errorf("count accounts: %w", err)
	}
	limit := maxRowid / 3 // rowids are about the table's size
	var n int64
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM (SELECT 1 FROM accounts WHERE source_id = ? LIMIT ?)`,
		sourceID, limit).Scan(&n); err != nil {
		return "", fmt.Errorf("count accounts: %w", err)
	}
	if limit > 0 && n >= limit {
		return `+source_id = ?`, nil
	}
	return `rowid IN (SELECT rowid FROM accounts WHERE source_id = ?)`, nil
}

// GetClassificationJob returns the source's latest job.
func (db *DB) GetClassificationJob(ctx context.Context, sourceID string) (*mica.ClassificationJob, error) {
	j, err := getJob(ctx, db.read, "source_id = ?", sourceID)
	if mica.ErrorCode(err) == mica.ENOTFOUND {
		return nil, mica.Errorf(mica.ENOTFOUND, "source %q has never run a classification job", sourceID)
	}
	return j, err
}

// GetClassificationJobByID returns a job by id.
func (db *DB) GetClassificationJobByID(ctx context.Context, id string) (*mica.ClassificationJob, error) {
	return getJob(ctx, db.read, "id = ?", id)
}

// CancelClassificationJob marks the source's running job CANCELLED.
func (db *DB) CancelClassificationJob(ctx context.Context, sourceID string) (*mica.ClassificationJob, error) {
	var job *mica.ClassificationJob
	err := db.update(ctx, func(tx *Tx) error {
		if err := sourceExists(ctx, tx, sourceID, mica.EREFNOTFOUND); err != nil {
			return err
		}
		j, err := getJob(ctx, tx, "source_id = ? AND status IN ('STARTED', 'COLLECTED')", sourceID)
		if mica.ErrorCode(err) == mica.ENOTFOUND {
			return mica.Errorf(mica.EILLEGAL, "no classification job is running for source %q", sourceID)
		} else if err != nil {
			return err
		}
		j.Status, j.Updated = mica.JobCancelled, &tx.now
		if _, err := tx.ExecContext(ctx, `UPDATE classification_jobs SET status = ?, updated = ? WHERE id = ?`,
			j.Status, formatTime(tx.now), j.ID); err != nil {
			return fmt.Errorf("cancel classification job: %w", err)
		}
		job = j
		return nil
	})
	return job, err
}

// CollectClassificationBatch moves up to n more collected accounts into RECEIVED.
func (db *DB) CollectClassificationBatch(ctx context.Context, jobID string, n int) (*mica.ClassificationJob, error) {
	var job *mica.ClassificationJob
	err := db.update(ctx, func(tx *Tx) error {
		j, err := getJob(ctx, tx, "id = ?", jobID)
		if err != nil {
			return err
		}
		job = j
		if j.Status != mica.JobStarted {
			return nil
		}
		j.Received = min(j.Expected, j.Received+int64(n))
		if j.Received == j.Expected {
			j.Status = mica.JobCollected
		}
		j.Updated = &tx.now
		_, err = tx.ExecContext(ctx, `UPDATE classification_jobs SET received = ?, status = ?, updated = ? WHERE id = ?`,
			j.Received, j.Status, formatTime(tx.now), j.ID)
		if err != nil {
			return fmt.Errorf("collect classification batch: %w", err)
		}
		return nil
	})
	return job, err
}

// ProcessClassificationBatch classifies the next up to n received accounts of a job
// and commits them together with the COMPLETED count: a crash loses no counted work.
func (db *DB) ProcessClassificationBatch(ctx context.Context, jobID string, n int, decide mica.Decider) (*mica.ClassificationJob, error) {
	var job *mica.ClassificationJob
	err := db.update(ctx, func(tx *Tx) error {
		var err error
		job, err = classifyBatch(ctx, tx, jobID, n, decide, nil, nil)
		return err
	})
	return job, err
}

// TerminateClassificationJob ends a running job as TERMINATED.
func (db *DB) TerminateClassificationJob(ctx context.Context, jobID, reason string) error {
	return db.update(ctx, func(tx *Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE classification_jobs SET status = ?, reason = ?, updated = ?
			WHERE id = ? AND status IN ('STARTED', 'COLLECTED')`, mica.JobTerminated, reason, formatTime(tx.now), jobID)
		if err != nil {
			return fmt.Errorf("terminate classification job: %w", err)
		}
		return nil
	})
}

// UnfinishedClassificationJobs lists running jobs, oldest first.
func (db *DB) UnfinishedClassificationJobs(ctx context.Context) ([]*mica.ClassificationJob, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT `+jobColumns+` FROM classification_jobs
		WHERE status IN ('STARTED', 'COLLECTED') ORDER BY started`)
	if err != nil {
		return nil, fmt.Errorf("list unfinished jobs: %w", err)
	}
	defer func() { _ = rows.Close() }()
	var out []*mica.ClassificationJob
	for rows.Next() {
		j, err := scanJob(rows)
		if err != nil {
			return nil, fmt.Errorf("list unfinished jobs: %w", err)
		}
		out = append(out, j)
	}
	return out, rows.Err()
}

const machineAccountColumns = `a.id, a.source_id, a.source_name, a.native_identity, a.name, a.uuid, a.identity_id,
	a.identity_name, a.attributes, a.authoritative, a.disabled, a.locked, a.system_account, a.uncorrelated,
	a.manually_correlated, a.has_entitlements, a.origin, a.description, a.is_machine, a.classification_method,
	a.classified_at, a.recommendation_type, a.recommendation_method, a.created, a.modified,
	a.environment, a.subtype, a.access_type, a.owner_identity_id, a.owner_identity_name, a.manually_edited,
	a.machine_attributes, a.machine_identity_id, a.machine_identity_name`

func scanMachineAccount(s interface{ Scan(...any) error }) (*mica.Account, error) {
	var a mica.Account
	var uuid, identityID, identityName, origin, desc, method, classified, recType, recMethod sql.NullString
	var attrs, created, modified string
	var auth, disabled, locked, system, uncorrelated, manual, ents, machine, edited int
	var env, subtype, access, ownerID, ownerName, machineAttrs, miID, miName sql.NullString
	if err := s.Scan(&a.ID, &a.SourceID, &a.SourceName, &a.NativeIdentity, &a.Name, &uuid, &identityID, &identityName,
		&attrs, &auth, &disabled, &locked, &system, &uncorrelated, &manual, &ents, &origin, &desc, &machine, &method,
		&classified, &recType, &recMethod, &created, &modified, &env, &subtype, &access, &ownerID, &ownerName, &edited,
		&machineAttrs, &miID, &miName); err != nil {
		return nil, err
	}
	if miID.Valid {
		a.MachineIdentity = &mica.Ref{Type: "MACHINE_IDENTITY", ID: miID.String, Name: miName.String}
	}
	a.Environment, a.Subtype, a.AccessType, a.ManuallyEdited = env.String, subtype.String, access.String, edited != 0
	if ownerID.Valid {
		a.OwnerIdentity = &mica.Ref{Type: "IDENTITY", ID: ownerID.String, Name: ownerName.String}
	}
	if machineAttrs.Valid {
		fromJSON(machineAttrs.String, &a.MachineAttributes)
	}
	a.UUID, a.IdentityID, a.IdentityName, a.Origin, a.Description = uuid.String, identityID.String, identityName.String, origin.String, desc.String
	fromJSON(attrs, &a.Attributes)
	a.Authoritative, a.Disabled, a.Locked, a.SystemAccount = auth != 0, disabled != 0, locked != 0, system != 0
	a.Uncorrelated, a.ManuallyCorrelated, a.HasEntitlements, a.IsMachine = uncorrelated != 0, manual != 0, ents != 0, machine != 0
	a.ClassificationMethod, a.ClassifiedAt = method.String, parseTimePtr(classified)
	if recType.Valid && recMethod.Valid {
		a.Recommendation = &mica.Recommendation{Type: recType.String, Method: recMethod.String}
	}
	a.Created, a.Modified = parseTime(created), parseTime(modified)
	return &a, nil
}

func (db *DB) getAccountForMachine(ctx context.Context, id string, machineOnly bool) (*mica.Account, error) {
	q := `SELECT ` + machineAccountColumns + ` FROM accounts a WHERE a.id = ?`
	if machineOnly {
		q += ` AND a.is_machine = 1`
	}
	a, err := scanMachineAccount(db.read.QueryRowContext(ctx, q, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, mica.Errorf(mica.ENOTFOUND, "machine account %q not found", id)
	} else if err != nil {
		return nil, fmt.Errorf("get account: %w", err)
	}
	return a, nil
}

// GetMachineAccount returns an account classified as a machine.
func (db *DB) GetMachineAccount(ctx context.Context, id string) (*mica.Account, error) {
	return db.getAccountForMachine(ctx, id, true)
}

// UpdateMachineAccount changes a machine account's MachineAccount fields in one transaction.
func (db *DB) UpdateMachineAccount(ctx context.Context, id string, update func(a *mica.Account) error) (*mica.Account, error) {
	err := db.update(ctx, func(tx *Tx) error {
		a, err := scanMachineAccount(tx.QueryRowContext(ctx, `SELECT `+machineAccountColumns+` FROM accounts a
			WHERE a.id = ? AND a.is_machine = 1`, id))
		if errors.Is(err, sql.ErrNoRows) {
			return mica.Errorf(mica.ENOTFOUND, "machine account %q not found", id)
		} else if err != nil {
			return fmt.Errorf("get machine account: %w", err)
		}
		before := a.Subtype
		if err := update(a); err != nil {
			return err
		}
		if a.Subtype != "" && a.Subtype != before {
			if a.Subtype, err = resolveSubtype(ctx, tx, a.SourceID, a.Subtype); err != nil {
				return err
			}
		}
		var ownerID, ownerName any
		if a.OwnerIdentity != nil {
			var name string
			err := tx.QueryRowContext(ctx, `SELECT name FROM identities WHERE id = ?`, a.OwnerIdentity.ID).Scan(&name)
			if errors.Is(err, sql.ErrNoRows) {
				return mica.Errorf(mica.EREFNOTFOUND, "owner identity %q not found", a.OwnerIdentity.ID)
			} else if err != nil {
				return fmt.Errorf("get owner identity: %w", err)
			}
			ownerID, ownerName = a.OwnerIdentity.ID, name
		}
		_, err = tx.ExecContext(ctx, `UPDATE accounts SET description = ?, native_identity = ?, uuid = ?, environment = ?,
			subtype = ?, access_type = ?, owner_identity_id = ?, owner_identity_name = ?, manually_edited = ?,
			manually_correlated = ?, disabled = ?, locked = ?, has_entitlements = ?, classification_method = ?,
			attributes = ?, machine_attributes = ?, modified = ? WHERE id = ?`,
			nullString(a.Description), a.NativeIdentity, nullString(a.UUID), nullString(a.Environment),
			nullString(a.Subtype), nullString(a.AccessType), ownerID, ownerName, boolInt(a.ManuallyEdited),
			boolInt(a.ManuallyCorrelated), boolInt(a.Disabled), boolInt(a.Locked), boolInt(a.HasEntitlements),
			nullString(a.ClassificationMethod), toJSON(a.Attributes), toJSONOrNull(a.MachineAttributes),
			formatTime(tx.now), id)
		if err != nil {
			if strings.Contains(err.Error(), "UNIQUE") {
				return mica.Errorf(mica.ECONFLICT, "the source already has an account with nativeIdentity %q", a.NativeIdentity)
			}
			return fmt.Errorf("update machine account: %w", err)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return db.getAccountForMachine(ctx, id, true)
}

// ListMachineAccounts lists the accounts classified as machines.
func (db *DB) ListMachineAccounts(ctx context.Context, opt mica.ListOptions) (mica.Page[*mica.Account], error) {
	return list(ctx, db.reads, query.MachineAccounts, opt, "SELECT "+machineAccountColumns, "FROM accounts a",
		"a.is_machine = 1", nil, func(r *sql.Rows) (*mica.Account, error) { return scanMachineAccount(r) })
}
