package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"

	"github.com/micahq/mica"
)

// Classifying accounts: deciding and writing their classification, for one
// account, a list of them, what an aggregation added or changed (continuous
// classification, in its transaction), and declassifying a source. The jobs
// that classify a whole source are in classificationjobs.go and classifybatch.go.

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
		batch, err := readClassRows(ctx, tx, "read aggregated accounts", `SELECT a.rid, `+classificationColumns+`
			FROM accounts_view a WHERE a.aggregation_id = ? AND a.id > ? ORDER BY a.id LIMIT 2000`, []any{aggID, after})
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
	rows, err := q.QueryContext(ctx, `SELECT `+classificationColumns+` FROM accounts_view a
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

func sourceExists(ctx context.Context, q queryer, id string, missing error) error {
	var n int
	if err := q.QueryRowContext(ctx, `SELECT count(*) FROM sources WHERE id = ?`, id).Scan(&n); err != nil {
		return fmt.Errorf("check source: %w", err)
	}
	if n == 0 {
		return missing
	}
	return nil
}

// classificationColumns are what classification reads of an account a (of
// accounts_view): its classification, and the correlation discovery reads
// (the identity, whether the source is authoritative, whether the identity's
// person left).
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
	seq   int64 // its place in a job (jobitems.go); 0 elsewhere
	rowid int64 // the account's rid: its classification is keyed by it
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

// decideRow decodes and decides r, and drops its decoded attributes.
func decideRow(dec *attrDecoder, r *classRow, decide mica.Decider) decision {
	r.acct.Attributes = dec.decode(r.attrs)
	var d decision
	d.isMachine, d.method, d.rec, d.changed = decide(&r.acct)
	r.acct.Attributes, r.attrs = nil, ""
	return d
}

// decideRowsOn is decideRows on at most workers goroutines.
func decideRowsOn(rows []classRow, decide mica.Decider, workers int) []decision {
	out := make([]decision, len(rows))
	one := func(dec *attrDecoder, i int) { out[i] = decideRow(dec, &rows[i], decide) }
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
	a, err := scanClassification(db.read.QueryRowContext(ctx, `SELECT `+classificationColumns+` FROM accounts_view a WHERE a.id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, mica.ErrNotFound(mica.KindAccount, id)
	} else if err != nil {
		return nil, fmt.Errorf("get account: %w", err)
	}
	return a, nil
}

// applyClassification writes an account's new classification.
func applyClassification(ctx context.Context, stmt *sql.Stmt, tx *Tx, id any, isMachine bool, method string, rec *mica.Recommendation) error {
	return execClassification(ctx, stmt, formatTime(tx.now), id, isMachine, method, rec)
}

// execClassification runs a classification statement (updateClassificationSQL
// or updateClassificationByRowidSQL) for one account at now (formatted).
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

// classificationColumnsSQL are the columns of account_classifications in the
// order the classification statements write them.
const classificationColumnsSQL = `account_rid, is_machine, classification_method, classified_at, recommendation_type,
	recommendation_method, modified`

// onConflictSQL makes a classification statement rewrite an account's
// classification when it has one.
const onConflictSQL = ` ON CONFLICT (account_rid) DO UPDATE SET is_machine = excluded.is_machine,
	classification_method = excluded.classification_method, classified_at = excluded.classified_at,
	recommendation_type = excluded.recommendation_type, recommendation_method = excluded.recommendation_method,
	modified = excluded.modified`

// updateClassificationSQL writes the classification of the account whose id is
// its last argument: is_machine, classification_method, classified_at,
// recommendation_type, recommendation_method, modified, id.
const updateClassificationSQL = `INSERT INTO account_classifications (` + classificationColumnsSQL + `)
	SELECT rid, ?, ?, ?, ?, ?, ? FROM accounts WHERE id = ?` + onConflictSQL

// updateClassificationByRowidSQL is updateClassificationSQL for an account
// addressed by its rid.
const updateClassificationByRowidSQL = `INSERT INTO account_classifications (` + classificationColumnsSQL + `)
	VALUES (?7, ?1, ?2, ?3, ?4, ?5, ?6)` + onConflictSQL

// ClassifyAccount decides one account's classification in one transaction.
func (db *DB) ClassifyAccount(ctx context.Context, accountID string, decide mica.DeciderFor) (*mica.Account, error) {
	var sourceID string
	err := db.update(ctx, func(tx *Tx) error {
		a, err := scanClassification(tx.QueryRowContext(ctx, `SELECT `+classificationColumns+` FROM accounts_view a WHERE a.id = ?`, accountID))
		if errors.Is(err, sql.ErrNoRows) {
			return mica.ErrNotFound(mica.KindAccount, accountID)
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
			rows, err := tx.QueryContext(ctx, `SELECT a.rid, `+classificationColumns+` FROM accounts_view a
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
		if err := sourceExists(ctx, tx, sourceID, mica.ErrRefNotFound("", mica.KindSource, sourceID)); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `UPDATE account_classifications SET is_machine = 0, classification_method = NULL,
			classified_at = NULL, modified = ?,
			recommendation_type = CASE WHEN recommendation_type = 'HUMAN' THEN NULL ELSE recommendation_type END,
			recommendation_method = CASE WHEN recommendation_type = 'HUMAN' THEN NULL ELSE recommendation_method END
			WHERE account_rid IN (SELECT rid FROM accounts WHERE source_id = ?)
				AND (is_machine = 1 OR classification_method IS NOT NULL)`, formatTime(tx.now), sourceID)
		if err != nil {
			return fmt.Errorf("declassify: %w", err)
		}
		n, _ = res.RowsAffected()
		return nil
	})
	return int(n), err
}
