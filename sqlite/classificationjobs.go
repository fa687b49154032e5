package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/micahq/mica"
)

// Source classification jobs: their records and lifecycle (start, collect,
// cancel, terminate); the batches that classify are in classifybatch.go.

// OnClassificationJobStarted is a hook that runs inside the transaction that creates
// a classification job, so that the job's durable work item (a River job) is
// enqueued atomically with it.
type OnClassificationJobStarted func(ctx context.Context, tx *sql.Tx, job *mica.ClassificationJob) error

// SetJobHook installs the hook that enqueues classification work.
func (db *DB) SetJobHook(h OnClassificationJobStarted) { db.jobHook = h }

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
		if err := sourceExists(ctx, tx, sourceID, mica.ErrRefNotFound("", mica.KindSource, sourceID)); err != nil {
			return err
		}
		cfg, err := getConfig(ctx, tx, sourceID)
		if err != nil && mica.ErrorCode(err) != mica.ENOTFOUND {
			return err
		}
		running, err := getJob(ctx, tx, "source_id = ? AND status IN ('STARTED', 'COLLECTED')", sourceID)
		if err != nil && mica.ErrorCode(err) != mica.ENOTFOUND {
			return err
		}
		if err := mica.CheckJobStart(sourceID, cfg, running); err != nil {
			return err
		}
		job = &mica.ClassificationJob{ID: mica.NewID(), SourceID: sourceID, Status: mica.JobStarted, Started: tx.now,
			Updated: &tx.now, Config: cfg}
		_, err = tx.ExecContext(ctx, `INSERT INTO classification_jobs (`+jobInsertColumns+`) VALUES (?, ?, ?, 0, 0, 0, ?, '', ?, ?)`,
			job.ID, sourceID, job.Status, toJSON(cfg), formatTime(tx.now), formatTime(tx.now))
		if err != nil {
			return fmt.Errorf("insert classification job: %w", err)
		}
		if job.Expected, err = collectJobItems(ctx, tx, job.ID, sourceID); err != nil {
			return err
		}
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

// GetClassificationJob returns the source's latest job.
func (db *DB) GetClassificationJob(ctx context.Context, sourceID string) (*mica.ClassificationJob, error) {
	j, err := getJob(ctx, db.read, "source_id = ?", sourceID)
	if mica.ErrorCode(err) == mica.ENOTFOUND {
		return nil, mica.ErrNeverClassified(sourceID)
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
		if err := sourceExists(ctx, tx, sourceID, mica.ErrRefNotFound("", mica.KindSource, sourceID)); err != nil {
			return err
		}
		j, err := getJob(ctx, tx, "source_id = ? AND status IN ('STARTED', 'COLLECTED')", sourceID)
		if mica.ErrorCode(err) == mica.ENOTFOUND {
			return mica.ErrNoJobRunning(sourceID)
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
