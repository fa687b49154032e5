package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/micahq/mica"
	"github.com/micahq/mica/query"
)

// OnClassificationJobStarted is the job hook: when set, it runs inside the
// transaction that creates a classification job, so that the job's durable work item (a River job, through
// River's pgx driver) is enqueued atomically with it.
type OnClassificationJobStarted func(ctx context.Context, tx pgx.Tx, job *mica.ClassificationJob) error

// Classifier makes the decision function for a source's config (nil when the source
// has none). Installed, it classifies what an aggregation adds or changes in the
// aggregation's own transaction: continuous classification.
type Classifier = mica.DeciderFor

// SetClassifier installs the continuous classification of aggregated accounts.
func (db *DB) SetClassifier(c Classifier) { db.classifier = c }

// SetJobHook installs the hook that enqueues classification work.
func (db *DB) SetJobHook(h OnClassificationJobStarted) { db.jobHook = h }

// classifyBatch is how many accounts one read of a classification pass takes.
const classifyBatch = 2000

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
	after := ""
	for {
		batch, err := readClassifications(ctx, tx, `SELECT `+classificationColumns+` FROM accounts_view a
			WHERE a.aggregation_id = $1 AND a.id > $2 ORDER BY a.id LIMIT $3`, aggID, after, classifyBatch)
		if err != nil {
			return fmt.Errorf("read aggregated accounts: %w", err)
		}
		if len(batch) == 0 {
			return nil
		}
		var changes []change
		var machines, changed int64
		for _, a := range batch {
			isMachine, method, rec, ok := decide(a)
			if ok {
				changes = append(changes, change{a.AccountID, isMachine, method, rec})
			}
			m, c := mica.Outcome(a.IsMachine, isMachine, ok)
			machines, changed = machines+m, changed+c
		}
		if err := applyClassifications(ctx, tx, changes); err != nil {
			return err
		}
		after = batch[len(batch)-1].AccountID
	}
}

// GetMachineClassificationConfig returns a source's config, ENOTFOUND when there is none.
func (db *DB) GetMachineClassificationConfig(ctx context.Context, sourceID string) (*mica.MachineClassificationConfig, error) {
	return getConfig(ctx, db.pool, sourceID)
}

func getConfig(ctx context.Context, q queryer, sourceID string) (*mica.MachineClassificationConfig, error) {
	var c mica.MachineClassificationConfig
	var criteria []byte
	err := q.QueryRow(ctx, `SELECT source_id, enabled, method, criteria, created, modified
		FROM classification_configs WHERE source_id = $1`, sourceID).
		Scan(&c.SourceID, &c.Enabled, &c.ClassificationMethod, &criteria, &c.Created, &c.Modified)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, mica.ErrNoClassificationConfig(sourceID)
	} else if err != nil {
		return nil, fmt.Errorf("get classification config: %w", err)
	}
	if criteria != nil {
		fromJSON(criteria, &c.Criteria)
	}
	c.Created, c.Modified = utc(c.Created), utcPtr(c.Modified)
	return &c, nil
}

// PutMachineClassificationConfig creates or replaces a source's config.
func (db *DB) PutMachineClassificationConfig(ctx context.Context, cfg *mica.MachineClassificationConfig) error {
	if err := cfg.Validate(); err != nil {
		return err
	}
	return db.update(ctx, func(tx *Tx) error {
		// The source's row lock orders concurrent puts, so created is the first put's.
		if _, err := getSource(ctx, tx, cfg.SourceID, true); err != nil {
			return err
		}
		old, err := getConfig(ctx, tx, cfg.SourceID)
		if err != nil && mica.ErrorCode(err) != mica.ENOTFOUND {
			return err
		}
		cfg.Replaces(old, tx.now)
		_, err = tx.Exec(ctx, `INSERT INTO classification_configs (source_id, enabled, method, criteria, created, modified)
			VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (source_id) DO UPDATE SET enabled = excluded.enabled,
			method = excluded.method, criteria = excluded.criteria, modified = excluded.modified`,
			cfg.SourceID, cfg.Enabled, cfg.ClassificationMethod, toJSONOrNull(cfg.Criteria), cfg.Created, cfg.Modified)
		if err != nil {
			return fmt.Errorf("put classification config: %w", err)
		}
		return nil
	})
}

// DeleteMachineClassificationConfig removes a source's config; ENOTFOUND when there is none.
func (db *DB) DeleteMachineClassificationConfig(ctx context.Context, sourceID string) error {
	return db.update(ctx, func(tx *Tx) error {
		tag, err := tx.Exec(ctx, `DELETE FROM classification_configs WHERE source_id = $1`, sourceID)
		if err != nil {
			return fmt.Errorf("delete classification config: %w", err)
		}
		if tag.RowsAffected() == 0 {
			return mica.ErrNoClassificationConfig(sourceID)
		}
		return nil
	})
}

// lockSource takes the source's row lock (FOR NO KEY UPDATE: accounts may still
// be inserted meanwhile), failing with missing when the source does not exist.
func lockSource(ctx context.Context, tx *Tx, id string, missing error) error {
	var one int
	err := tx.QueryRow(ctx, `SELECT 1 FROM sources WHERE id = $1 FOR NO KEY UPDATE`, id).Scan(&one)
	if errors.Is(err, pgx.ErrNoRows) {
		return missing
	} else if err != nil {
		return fmt.Errorf("lock source: %w", err)
	}
	return nil
}

// shareSource takes the source's row lock in share mode: writers that change
// many of its accounts (an aggregation, classification batches) then take the
// source first, so they never deadlock on account rows. A missing source is fine
// (its accounts are gone too).
func shareSource(ctx context.Context, tx *Tx, id string) error {
	if _, err := tx.Exec(ctx, `SELECT 1 FROM sources WHERE id = $1 FOR SHARE`, id); err != nil {
		return fmt.Errorf("lock source: %w", err)
	}
	return nil
}

// classificationColumns are what classification reads of an account a (of
// accounts_view, the migration 0017 view that joins its classification): its
// classification, and the correlation discovery reads (the identity, whether
// the source is authoritative, whether the identity's person left).
const classificationColumns = `a.id, a.name, a.native_identity, a.attributes, a.is_machine,
	coalesce(a.classification_method, ''), a.recommendation_type, a.recommendation_method,
	coalesce(a.identity_id, ''), a.authoritative, (SELECT i.left_day FROM identities i WHERE i.id = a.identity_id)`

func scanClassification(s scanner) (*mica.AccountClassification, error) {
	var a mica.AccountClassification
	var attrs []byte
	var recType, recMethod *string
	var left *int64
	if err := s.Scan(&a.AccountID, &a.Name, &a.NativeIdentity, &attrs, &a.IsMachine, &a.Method, &recType, &recMethod,
		&a.IdentityID, &a.Authoritative, &left); err != nil {
		return nil, err
	}
	if left != nil {
		a.IdentityLeft, a.IdentityLeftDay = true, *left
	}
	fromJSON(attrs, &a.Attributes)
	if recType != nil && recMethod != nil {
		a.Recommendation = &mica.Recommendation{Type: *recType, Method: *recMethod}
	}
	return &a, nil
}

// SourcePeople returns up to n accounts of a source that correlate to an identity.
func (db *DB) SourcePeople(ctx context.Context, sourceID string, n int) ([]*mica.AccountClassification, error) {
	return sourcePeople(ctx, db.pool, sourceID, n)
}

func sourcePeople(ctx context.Context, q queryer, sourceID string, n int) ([]*mica.AccountClassification, error) {
	out, err := readClassifications(ctx, q, `SELECT `+classificationColumns+` FROM accounts_view a
		WHERE a.source_id = $1 AND a.identity_id IS NOT NULL LIMIT $2`, sourceID, n)
	if err != nil {
		return nil, fmt.Errorf("read source people: %w", err)
	}
	return out, nil
}

func readClassifications(ctx context.Context, q queryer, sql string, args ...any) ([]*mica.AccountClassification, error) {
	rows, err := q.Query(ctx, sql, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*mica.AccountClassification
	for rows.Next() {
		a, err := scanClassification(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

// GetAccountForClassification returns what classification reads of one account.
func (db *DB) GetAccountForClassification(ctx context.Context, id string) (*mica.AccountClassification, error) {
	a, err := scanClassification(db.pool.QueryRow(ctx, `SELECT `+classificationColumns+` FROM accounts_view a WHERE a.id = $1`, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, mica.ErrNotFound(mica.KindAccount, id)
	} else if err != nil {
		return nil, fmt.Errorf("get account: %w", err)
	}
	return a, nil
}

// change is one account's new classification.
type change struct {
	id        string
	isMachine bool
	method    string
	rec       *mica.Recommendation
}

// putClassificationsSQL writes a batch of classifications in one statement
// ($1 the time; $2.. the accounts' columns as arrays, row by row): PostgreSQL
// then plans and applies the whole batch once instead of once per account. It
// writes account_classifications only (migration 0017): a small row per
// account, and no index of accounts. The row's modified is the time, so the
// account shows it as its modified (accounts_view).
const putClassificationsSQL = `INSERT INTO account_classifications AS c (account_id, is_machine,
	classification_method, classified_at, recommendation_type, recommendation_method, modified)
	SELECT u.id, u.is_machine, u.method, u.classified_at, u.rec_type, u.rec_method, $1
	FROM unnest($2::text[], $3::boolean[], $4::text[], $5::timestamptz[], $6::text[], $7::text[])
		AS u(id, is_machine, method, classified_at, rec_type, rec_method) ORDER BY u.id
	ON CONFLICT (account_id) DO UPDATE SET is_machine = excluded.is_machine,
		classification_method = excluded.classification_method, classified_at = excluded.classified_at,
		recommendation_type = excluded.recommendation_type, recommendation_method = excluded.recommendation_method,
		modified = excluded.modified`

// applyClassifications writes accounts' new classifications, decided now (a
// classification with a method was made at tx.now), one statement per batch of
// accounts.
func applyClassifications(ctx context.Context, tx *Tx, changes []change) error {
	states := make([]classificationState, len(changes))
	for i, c := range changes {
		states[i] = classificationState{id: c.id, isMachine: c.isMachine, method: c.method, rec: c.rec}
		if c.method != "" {
			states[i].classifiedAt = &tx.now
		}
	}
	return putClassifications(ctx, tx, states)
}

// classificationState is one account's row of account_classifications.
type classificationState struct {
	id           string
	isMachine    bool
	method       string
	classifiedAt *time.Time
	rec          *mica.Recommendation
}

// classified reports whether an account carries any classification state,
// that is whether it needs a row of account_classifications.
func classified(a *mica.Account) bool {
	return a.IsMachine || a.ClassificationMethod != "" || a.ClassifiedAt != nil || a.Recommendation != nil
}

// putClassifications writes accounts' classification states as of tx.now, one
// statement per batch of accounts.
func putClassifications(ctx context.Context, tx *Tx, states []classificationState) error {
	for start := 0; start < len(states); start += insertBatch {
		chunk := states[start:min(start+insertBatch, len(states))]
		ids := make([]string, len(chunk))
		machine := make([]bool, len(chunk))
		at := make([]*time.Time, len(chunk))
		methods, recTypes, recMethods := make([]*string, len(chunk)), make([]*string, len(chunk)), make([]*string, len(chunk))
		for i := range chunk {
			c := &chunk[i]
			ids[i], machine[i], at[i] = c.id, c.isMachine, c.classifiedAt
			if c.rec != nil {
				recTypes[i], recMethods[i] = &c.rec.Type, &c.rec.Method
			}
			if c.method != "" {
				methods[i] = &c.method
			}
		}
		if _, err := tx.Exec(ctx, putClassificationsSQL, tx.now, ids, machine, methods, at, recTypes, recMethods); err != nil {
			return fmt.Errorf("classify accounts: %w", err)
		}
	}
	return nil
}

// ClassifyAccount decides one account's classification in one transaction.
func (db *DB) ClassifyAccount(ctx context.Context, accountID string, decide mica.DeciderFor) (*mica.Account, error) {
	err := db.update(ctx, func(tx *Tx) error {
		var sourceID string
		err := tx.QueryRow(ctx, `SELECT source_id FROM accounts WHERE id = $1 FOR UPDATE`, accountID).Scan(&sourceID)
		if errors.Is(err, pgx.ErrNoRows) {
			return mica.ErrNotFound(mica.KindAccount, accountID)
		} else if err != nil {
			return fmt.Errorf("get account: %w", err)
		}
		a, err := scanClassification(tx.QueryRow(ctx, `SELECT `+classificationColumns+` FROM accounts_view a WHERE a.id = $1`, accountID))
		if err != nil {
			return fmt.Errorf("get account: %w", err)
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
		return applyClassifications(ctx, tx, []change{{accountID, isMachine, method, rec}})
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
		changed = 0
		if err := shareSource(ctx, tx, sourceID); err != nil {
			return err
		}
		for start := 0; start < len(accountIDs); start += classifyBatch {
			ids := accountIDs[start:min(start+classifyBatch, len(accountIDs))]
			// The accounts' rows stay locked to the commit, as ClassifyAccount's.
			if _, err := tx.Exec(ctx, `SELECT 1 FROM accounts WHERE source_id = $1 AND id = ANY($2) ORDER BY id FOR UPDATE`,
				sourceID, ids); err != nil {
				return fmt.Errorf("lock accounts to classify: %w", err)
			}
			batch, err := readClassifications(ctx, tx, `SELECT `+classificationColumns+` FROM accounts_view a
				WHERE a.source_id = $1 AND a.id = ANY($2) ORDER BY a.id`, sourceID, ids)
			if err != nil {
				return fmt.Errorf("read accounts to classify: %w", err)
			}
			var changes []change
			for _, a := range batch {
				if isMachine, method, rec, ok := decide(a); ok {
					changes = append(changes, change{a.AccountID, isMachine, method, rec})
				}
			}
			if err := applyClassifications(ctx, tx, changes); err != nil {
				return err
			}
			changed += len(changes)
		}
		return nil
	})
	return changed, err
}

// Declassify sets every account of a source back to human and clears its method.
func (db *DB) Declassify(ctx context.Context, sourceID string) (int, error) {
	var n int64
	err := db.update(ctx, func(tx *Tx) error {
		if err := lockSource(ctx, tx, sourceID, mica.ErrRefNotFound("", mica.KindSource, sourceID)); err != nil {
			return err
		}
		tag, err := tx.Exec(ctx, `UPDATE account_classifications c SET is_machine = false, classification_method = NULL,
			classified_at = NULL, modified = $1,
			recommendation_type = CASE WHEN c.recommendation_type = 'HUMAN' THEN NULL ELSE c.recommendation_type END,
			recommendation_method = CASE WHEN c.recommendation_type = 'HUMAN' THEN NULL ELSE c.recommendation_method END
			FROM accounts a WHERE a.id = c.account_id AND a.source_id = $2
				AND (c.is_machine OR c.classification_method IS NOT NULL)`, tx.now, sourceID)
		if err != nil {
			return fmt.Errorf("declassify: %w", err)
		}
		n = tag.RowsAffected()
		return nil
	})
	return int(n), err
}

const jobColumns = `id, source_id, status, expected, received, completed, config, reason, started, updated, machines, changed`

// jobInsertColumns are the columns a new job is written with (machines and changed start at 0).
const jobInsertColumns = `id, source_id, status, expected, received, completed, config, reason, started, updated`

func scanJob(s scanner) (*mica.ClassificationJob, error) {
	var j mica.ClassificationJob
	var cfg []byte
	if err := s.Scan(&j.ID, &j.SourceID, &j.Status, &j.Expected, &j.Received, &j.Completed, &cfg, &j.Reason,
		&j.Started, &j.Updated, &j.Machines, &j.Changed); err != nil {
		return nil, err
	}
	fromJSON(cfg, &j.Config)
	j.Started, j.Updated = utc(j.Started), utcPtr(j.Updated)
	return &j, nil
}

// getJob reads the latest job matching where (one placeholder, $1); with lock,
// the job's row stays locked until the transaction ends, so workers on any
// server that update its counts go one after the other.
func getJob(ctx context.Context, q queryer, where string, arg any, lock bool) (*mica.ClassificationJob, error) {
	sql := `SELECT ` + jobColumns + ` FROM classification_jobs WHERE ` + where + ` ORDER BY started DESC, seq DESC LIMIT 1`
	if lock {
		sql += ` FOR UPDATE`
	}
	j, err := scanJob(q.QueryRow(ctx, sql, arg))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, mica.ErrJobNotFound()
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
		// The source's row lock orders concurrent starts; the unique index on running jobs backs it.
		if err := lockSource(ctx, tx, sourceID, mica.ErrRefNotFound("", mica.KindSource, sourceID)); err != nil {
			return err
		}
		cfg, err := getConfig(ctx, tx, sourceID)
		if err != nil && mica.ErrorCode(err) != mica.ENOTFOUND {
			return err
		}
		running, err := getJob(ctx, tx, "source_id = $1 AND status IN ('STARTED', 'COLLECTED')", sourceID, false)
		if err != nil && mica.ErrorCode(err) != mica.ENOTFOUND {
			return err
		}
		if err := mica.CheckJobStart(sourceID, cfg, running); err != nil {
			return err
		}
		job = &mica.ClassificationJob{ID: mica.NewID(), SourceID: sourceID, Status: mica.JobStarted, Started: tx.now,
			Updated: &tx.now, Config: cfg}
		_, err = tx.Exec(ctx, `INSERT INTO classification_jobs (`+jobInsertColumns+`) VALUES ($1, $2, $3, 0, 0, 0, $4, '', $5, $5)`,
			job.ID, sourceID, job.Status, toJSON(cfg), tx.now)
		if isUniqueViolation(err) {
			return mica.ErrJobRunning(sourceID, "")
		} else if err != nil {
			return fmt.Errorf("insert classification job: %w", err)
		}
		tag, err := tx.Exec(ctx, `INSERT INTO classification_job_items (job_id, seq, account_id)
			SELECT $1, row_number() OVER (ORDER BY id), id FROM accounts WHERE source_id = $2`, job.ID, sourceID)
		if err != nil {
			return fmt.Errorf("collect accounts: %w", err)
		}
		job.Expected = tag.RowsAffected()
		if _, err := tx.Exec(ctx, `UPDATE classification_jobs SET expected = $1 WHERE id = $2`, job.Expected, job.ID); err != nil {
			return fmt.Errorf("set expected: %w", err)
		}
		if _, err := tx.Exec(ctx, `INSERT INTO classification_job_chunks (job_id, chunk, last_seq, done_seq)
			SELECT $1, g, LEAST((g + 1) * $2::bigint, $3::bigint), g * $2::bigint
			FROM generate_series(0, ($3::bigint + $2::bigint - 1) / $2::bigint - 1) g`, job.ID, JobChunkSize, job.Expected); err != nil {
			return fmt.Errorf("split classification job: %w", err)
		}
		if db.jobHook != nil {
			return db.jobHook(ctx, tx.Tx, job)
		}
		return nil
	})
	return job, err
}

// GetClassificationJob returns the source's latest job.
func (db *DB) GetClassificationJob(ctx context.Context, sourceID string) (*mica.ClassificationJob, error) {
	j, err := getJob(ctx, db.pool, "source_id = $1", sourceID, false)
	if mica.ErrorCode(err) == mica.ENOTFOUND {
		return nil, mica.ErrNeverClassified(sourceID)
	}
	return j, err
}

// GetClassificationJobByID returns a job by id.
func (db *DB) GetClassificationJobByID(ctx context.Context, id string) (*mica.ClassificationJob, error) {
	return getJob(ctx, db.pool, "id = $1", id, false)
}

// CancelClassificationJob marks the source's running job CANCELLED. Batches in
// progress on any server then find their job ended when they count (the job's
// row lock orders them after the cancel) and roll back; later ones do nothing.
func (db *DB) CancelClassificationJob(ctx context.Context, sourceID string) (*mica.ClassificationJob, error) {
	var job *mica.ClassificationJob
	err := db.update(ctx, func(tx *Tx) error {
		// The source in share mode, as batches take it (so a stream of batches never
		// starves a cancel), which still orders it with starts and deletes.
		var one int
		err := tx.QueryRow(ctx, `SELECT 1 FROM sources WHERE id = $1 FOR SHARE`, sourceID).Scan(&one)
		if errors.Is(err, pgx.ErrNoRows) {
			return mica.ErrRefNotFound("", mica.KindSource, sourceID)
		} else if err != nil {
			return fmt.Errorf("lock source: %w", err)
		}
		j, err := getJob(ctx, tx, "source_id = $1 AND status IN ('STARTED', 'COLLECTED')", sourceID, true)
		if mica.ErrorCode(err) == mica.ENOTFOUND {
			return mica.ErrNoJobRunning(sourceID)
		} else if err != nil {
			return err
		}
		if !j.Running() { // it finished while we waited for its lock
			return mica.ErrNoJobRunning(sourceID)
		}
		j.Status, j.Updated = mica.JobCancelled, &tx.now
		if _, err := tx.Exec(ctx, `UPDATE classification_jobs SET status = $1, updated = $2 WHERE id = $3`,
			j.Status, tx.now, j.ID); err != nil {
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
		j, err := getJob(ctx, tx, "id = $1", jobID, true)
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
		_, err = tx.Exec(ctx, `UPDATE classification_jobs SET received = $1, status = $2, updated = $3 WHERE id = $4`,
			j.Received, j.Status, tx.now, j.ID)
		if err != nil {
			return fmt.Errorf("collect classification batch: %w", err)
		}
		return nil
	})
	return job, err
}

// JobChunkSize is how many accounts one chunk of a classification job holds.
// Batches of a job run at once on different chunks (on any servers).
const JobChunkSize = 5000

// ProcessClassificationBatch classifies up to n received accounts of a job and
// commits them together with the COMPLETED count: a crash loses no counted work.
// See ClassifyNextBatch.
func (db *DB) ProcessClassificationBatch(ctx context.Context, jobID string, n int, decide mica.Decider) (*mica.ClassificationJob, error) {
	j, _, err := db.ClassifyNextBatch(ctx, jobID, n, decide)
	return j, err
}

// errJobEnded rolls a batch back when its job stopped running while it worked.
var errJobEnded = errors.New("the classification job is no longer running")

// ClassifyNextBatch classifies the next up to n received accounts of one chunk of
// a job that no other batch holds, and returns the job with how many accounts the
// batch classified: 0 when every chunk with received work left is held by another
// batch (or none is left). The chunk's row lock (FOR UPDATE SKIP LOCKED) makes
// batches on any number of servers take disjoint accounts; the job's counts are
// added to in the same transaction, so they are never lost or counted twice. A
// batch whose job was cancelled or ended meanwhile is rolled back.
func (db *DB) ClassifyNextBatch(ctx context.Context, jobID string, n int, decide mica.Decider) (*mica.ClassificationJob, int64, error) {
	var job *mica.ClassificationJob
	var done int64
	err := db.update(ctx, func(tx *Tx) error {
		done = 0
		// Lock order, as everywhere: the source (shared: an aggregation or a cancel of
		// the source waits for the batch), then the chunk, its accounts, the job.
		var sourceID string
		err := tx.QueryRow(ctx, `SELECT source_id FROM classification_jobs WHERE id = $1`, jobID).Scan(&sourceID)
		if errors.Is(err, pgx.ErrNoRows) {
			return mica.ErrJobNotFound()
		} else if err != nil {
			return fmt.Errorf("get classification job: %w", err)
		}
		if err := shareSource(ctx, tx, sourceID); err != nil {
			return err
		}
		j, err := getJob(ctx, tx, "id = $1", jobID, false)
		if err != nil {
			return err
		}
		job = j
		if !j.Running() || j.Completed >= j.Received {
			return nil
		}
		var chunk int
		var from, last int64
		err = tx.QueryRow(ctx, `SELECT chunk, done_seq, last_seq FROM classification_job_chunks
			WHERE job_id = $1 AND done_seq < last_seq AND done_seq < $2
			ORDER BY chunk LIMIT 1 FOR UPDATE SKIP LOCKED`, j.ID, j.Received).Scan(&chunk, &from, &last)
		if errors.Is(err, pgx.ErrNoRows) {
			return nil // every chunk with work is being worked
		} else if err != nil {
			return fmt.Errorf("take a chunk: %w", err)
		}
		to := min(from+int64(n), last, j.Received)
		batch, err := readClassifications(ctx, tx, `SELECT `+classificationColumns+`
			FROM classification_job_items ji JOIN accounts_view a ON a.id = ji.account_id
			WHERE ji.job_id = $1 AND ji.seq > $2 AND ji.seq <= $3 ORDER BY ji.seq`, j.ID, from, to)
		if err != nil {
			return fmt.Errorf("read classification batch: %w", err)
		}
		var changes []change
		var machines, changed int64
		for _, a := range batch {
			isMachine, method, rec, ok := decide(a)
			if ok {
				changes = append(changes, change{a.AccountID, isMachine, method, rec})
			}
			m, c := mica.Outcome(a.IsMachine, isMachine, ok)
			machines, changed = machines+m, changed+c
		}
		if err := applyClassifications(ctx, tx, changes); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE classification_job_chunks SET done_seq = $1 WHERE job_id = $2 AND chunk = $3`,
			to, j.ID, chunk); err != nil {
			return fmt.Errorf("record chunk: %w", err)
		}
		next, err := scanJob(tx.QueryRow(ctx, `UPDATE classification_jobs SET completed = completed + $1,
			status = CASE WHEN completed + $1 = expected THEN 'COMPLETED' ELSE status END, updated = $2,
			machines = machines + $4, changed = changed + $5
			WHERE id = $3 AND status IN ('STARTED', 'COLLECTED') RETURNING `+jobColumns, to-from, tx.now, j.ID, machines, changed))
		if errors.Is(err, pgx.ErrNoRows) {
			return errJobEnded
		} else if err != nil {
			return fmt.Errorf("record classification batch: %w", err)
		}
		job, done = next, to-from
		if job.Status == mica.JobCompleted {
			if _, err := tx.Exec(ctx, `DELETE FROM classification_job_items WHERE job_id = $1`, j.ID); err != nil {
				return fmt.Errorf("clear job items: %w", err)
			}
			if _, err := tx.Exec(ctx, `DELETE FROM classification_job_chunks WHERE job_id = $1`, j.ID); err != nil {
				return fmt.Errorf("clear job chunks: %w", err)
			}
		}
		return nil
	})
	if errors.Is(err, errJobEnded) {
		j, err := db.GetClassificationJobByID(ctx, jobID)
		return j, 0, err
	}
	if err != nil {
		return nil, 0, err
	}
	return job, done, nil
}

// TerminateClassificationJob ends a running job as TERMINATED.
func (db *DB) TerminateClassificationJob(ctx context.Context, jobID, reason string) error {
	return db.update(ctx, func(tx *Tx) error {
		_, err := tx.Exec(ctx, `UPDATE classification_jobs SET status = $1, reason = $2, updated = $3
			WHERE id = $4 AND status IN ('STARTED', 'COLLECTED')`, mica.JobTerminated, reason, tx.now, jobID)
		if err != nil {
			return fmt.Errorf("terminate classification job: %w", err)
		}
		return nil
	})
}

// UnfinishedClassificationJobs lists running jobs, oldest first.
func (db *DB) UnfinishedClassificationJobs(ctx context.Context) ([]*mica.ClassificationJob, error) {
	rows, err := db.pool.Query(ctx, `SELECT `+jobColumns+` FROM classification_jobs
		WHERE status IN ('STARTED', 'COLLECTED') ORDER BY started, seq`)
	if err != nil {
		return nil, fmt.Errorf("list unfinished jobs: %w", err)
	}
	defer rows.Close()
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

func scanMachineAccount(s scanner) (*mica.Account, error) {
	var a mica.Account
	var uuid, identityID, identityName, origin, desc, method, recType, recMethod *string
	var env, subtype, access, ownerID, ownerName, miID, miName *string
	var attrs, machineAttrs []byte
	if err := s.Scan(&a.ID, &a.SourceID, &a.SourceName, &a.NativeIdentity, &a.Name, &uuid, &identityID, &identityName,
		&attrs, &a.Authoritative, &a.Disabled, &a.Locked, &a.SystemAccount, &a.Uncorrelated, &a.ManuallyCorrelated,
		&a.HasEntitlements, &origin, &desc, &a.IsMachine, &method, &a.ClassifiedAt, &recType, &recMethod,
		&a.Created, &a.Modified, &env, &subtype, &access, &ownerID, &ownerName, &a.ManuallyEdited, &machineAttrs,
		&miID, &miName); err != nil {
		return nil, err
	}
	if miID != nil {
		a.MachineIdentity = &mica.Ref{Type: "MACHINE_IDENTITY", ID: *miID, Name: str(miName)}
	}
	a.Environment, a.Subtype, a.AccessType = str(env), str(subtype), str(access)
	if ownerID != nil {
		a.OwnerIdentity = &mica.Ref{Type: "IDENTITY", ID: *ownerID, Name: str(ownerName)}
	}
	if machineAttrs != nil {
		fromJSON(machineAttrs, &a.MachineAttributes)
	}
	a.UUID, a.IdentityID, a.IdentityName, a.Origin, a.Description = str(uuid), str(identityID), str(identityName),
		str(origin), str(desc)
	fromJSON(attrs, &a.Attributes)
	a.ClassificationMethod, a.ClassifiedAt = str(method), utcPtr(a.ClassifiedAt)
	if recType != nil && recMethod != nil {
		a.Recommendation = &mica.Recommendation{Type: *recType, Method: *recMethod}
	}
	a.Created, a.Modified = utc(a.Created), utc(a.Modified)
	return &a, nil
}

func (db *DB) getAccountForMachine(ctx context.Context, id string, machineOnly bool) (*mica.Account, error) {
	q := `SELECT ` + machineAccountColumns + ` FROM accounts_view a WHERE a.id = $1`
	if machineOnly {
		q = `SELECT ` + machineAccountColumns + ` FROM machine_accounts_view a WHERE a.id = $1`
	}
	a, err := scanMachineAccount(db.pool.QueryRow(ctx, q, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, mica.ErrNotFound(mica.KindMachineAccount, id)
	} else if err != nil {
		return nil, fmt.Errorf("get account: %w", err)
	}
	return a, nil
}

// GetMachineAccount returns an account classified as a machine.
func (db *DB) GetMachineAccount(ctx context.Context, id string) (*mica.Account, error) {
	return db.getAccountForMachine(ctx, id, true)
}

// ListMachineAccounts lists the accounts classified as machines.
func (db *DB) ListMachineAccounts(ctx context.Context, opt mica.ListOptions) (mica.Page[*mica.Account], error) {
	return list(ctx, db.pool, query.MachineAccounts, opt, "SELECT "+machineAccountColumns, "FROM machine_accounts_view a",
		"", nil, func(r pgx.Rows) (*mica.Account, error) { return scanMachineAccount(r) })
}

// UpdateMachineAccount changes a machine account's MachineAccount fields in one transaction.
func (db *DB) UpdateMachineAccount(ctx context.Context, id string, update func(a *mica.Account) error) (*mica.Account, error) {
	err := db.update(ctx, func(tx *Tx) error {
		a, err := scanMachineAccount(tx.QueryRow(ctx, `SELECT `+machineAccountColumns+` FROM machine_accounts_view a
			WHERE a.id = $1 FOR UPDATE`, id))
		if errors.Is(err, pgx.ErrNoRows) {
			return mica.ErrNotFound(mica.KindMachineAccount, id)
		} else if err != nil {
			return fmt.Errorf("get machine account: %w", err)
		}
		before, method := a.Subtype, a.ClassificationMethod
		if err := update(a); err != nil {
			return err
		}
		if err := a.ResolveMachineRefs(before, refReads{ctx, tx}); err != nil {
			return err
		}
		var ownerID, ownerName *string
		if a.OwnerIdentity != nil {
			ownerID, ownerName = &a.OwnerIdentity.ID, &a.OwnerIdentity.Name
		}
		machineAttrs := toJSONOrNull(a.MachineAttributes)
		_, err = tx.Exec(ctx, `UPDATE accounts SET description = $1, native_identity = $2, uuid = $3, environment = $4,
			subtype = $5, access_type = $6, owner_identity_id = $7, owner_identity_name = $8, manually_edited = $9,
			manually_correlated = $10, disabled = $11, locked = $12, has_entitlements = $13,
			attributes = $14, machine_attributes = $15, modified = $16 WHERE id = $17`,
			nullString(a.Description), a.NativeIdentity, nullString(a.UUID), nullString(a.Environment), nullString(a.Subtype),
			nullString(a.AccessType), ownerID, ownerName, a.ManuallyEdited, a.ManuallyCorrelated, a.Disabled, a.Locked,
			a.HasEntitlements, toJSON(a.Attributes), machineAttrs, tx.now, id)
		if err != nil {
			var pgErr *pgconn.PgError
			if errors.As(err, &pgErr) && pgErr.Code == "23505" {
				return mica.ErrNativeIdentityTaken(a.NativeIdentity)
			}
			return fmt.Errorf("update machine account: %w", err)
		}
		if a.ClassificationMethod != method {
			if _, err := tx.Exec(ctx, `UPDATE account_classifications SET classification_method = $1, modified = $2
				WHERE account_id = $3`, nullString(a.ClassificationMethod), tx.now, id); err != nil {
				return fmt.Errorf("update machine account: %w", err)
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return db.getAccountForMachine(ctx, id, true)
}
