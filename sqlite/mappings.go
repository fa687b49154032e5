package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/micahq/mica"
)

func getMappings(ctx context.Context, q queryer, sourceID string) ([]*mica.MachineAccountMapping, error) {
	var exists int
	if err := q.QueryRowContext(ctx, `SELECT count(*) FROM sources WHERE id = ?`, sourceID).Scan(&exists); err != nil {
		return nil, fmt.Errorf("find source: %w", err)
	} else if exists == 0 {
		return nil, mica.ErrNotFound(mica.KindSource, sourceID)
	}
	var raw string
	err := q.QueryRowContext(ctx, `SELECT mappings FROM machine_account_mappings WHERE source_id = ?`, sourceID).Scan(&raw)
	out := []*mica.MachineAccountMapping{}
	if errors.Is(err, sql.ErrNoRows) {
		return out, nil
	} else if err != nil {
		return nil, fmt.Errorf("get mappings: %w", err)
	}
	fromJSON(raw, &out)
	return out, nil
}

// GetMappings returns a source's machine account mappings.
func (db *DB) GetMappings(ctx context.Context, sourceID string) ([]*mica.MachineAccountMapping, error) {
	return getMappings(ctx, db.read, sourceID)
}

// SetMappings changes a source's mappings and starts the job that re-applies them.
func (db *DB) SetMappings(ctx context.Context, sourceID string,
	change func(cur []*mica.MachineAccountMapping) ([]*mica.MachineAccountMapping, error)) ([]*mica.MachineAccountMapping, *mica.MappingJob, error) {
	var out []*mica.MachineAccountMapping
	var job *mica.MappingJob
	err := db.update(ctx, func(tx *Tx) error {
		cur, err := getMappings(ctx, tx, sourceID)
		if err != nil {
			return err
		}
		next, err := change(cur)
		if err != nil {
			return err
		}
		if next == nil {
			next = []*mica.MachineAccountMapping{}
		}
		if err := mica.ValidateMappings(sourceID, next); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO machine_account_mappings (source_id, mappings, modified) VALUES (?, ?, ?)
			ON CONFLICT (source_id) DO UPDATE SET mappings = excluded.mappings, modified = excluded.modified`,
			sourceID, toJSON(next), formatTime(tx.now)); err != nil {
			return fmt.Errorf("save mappings: %w", err)
		}
		out = next
		if len(next) > 0 {
			job, err = db.startMappingJob(ctx, tx, sourceID)
		}
		return err
	})
	return out, job, err
}

// StartMappingJob starts a job re-applying a source's mappings, if it has any.
func (db *DB) StartMappingJob(ctx context.Context, sourceID string) (*mica.MappingJob, error) {
	var job *mica.MappingJob
	err := db.update(ctx, func(tx *Tx) error {
		ms, err := getMappings(ctx, tx, sourceID)
		if err != nil || len(ms) == 0 {
			return err
		}
		job, err = db.startMappingJob(ctx, tx, sourceID)
		return err
	})
	return job, err
}

// startMappingJob ends the source's running job (superseded) and starts a new one.
func (db *DB) startMappingJob(ctx context.Context, tx *Tx, sourceID string) (*mica.MappingJob, error) {
	if _, err := tx.ExecContext(ctx, `UPDATE mapping_jobs SET status = ?, reason = ?, updated = ? WHERE source_id = ? AND status = ?`,
		mica.JobCancelled, mica.MappingJobSuperseded, formatTime(tx.now), sourceID, mica.JobStarted); err != nil {
		return nil, fmt.Errorf("supersede mapping job: %w", err)
	}
	j := &mica.MappingJob{ID: mica.NewID(), SourceID: sourceID, Status: mica.JobStarted, Started: tx.now}
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM accounts a JOIN account_classifications c ON c.account_rid = a.rid
		WHERE a.source_id = ? AND c.is_machine = 1`, sourceID).Scan(&j.Expected); err != nil {
		return nil, fmt.Errorf("count machine accounts: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO mapping_jobs (id, source_id, status, expected, started) VALUES (?, ?, ?, ?, ?)`,
		j.ID, sourceID, j.Status, j.Expected, formatTime(tx.now)); err != nil {
		return nil, fmt.Errorf("insert mapping job: %w", err)
	}
	return j, db.queueTask(ctx, tx, mica.TaskMappingJob, j.ID)
}

const mappingJobColumns = `id, source_id, status, expected, processed, changed, reason, started, updated`

func scanMappingJob(sc interface{ Scan(...any) error }) (*mica.MappingJob, error) {
	var j mica.MappingJob
	var started string
	var updated sql.NullString
	if err := sc.Scan(&j.ID, &j.SourceID, &j.Status, &j.Expected, &j.Processed, &j.Changed, &j.Reason, &started, &updated); err != nil {
		return nil, err
	}
	j.Started, j.Updated = parseTime(started), parseTimePtr(updated)
	return &j, nil
}

// getMappingJob reads the mapping job where selects; missing is the error when there is none.
func getMappingJob(ctx context.Context, q queryer, missing error, where string, args ...any) (*mica.MappingJob, error) {
	j, err := scanMappingJob(q.QueryRowContext(ctx, `SELECT `+mappingJobColumns+` FROM mapping_jobs WHERE `+where, args...))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, missing
	} else if err != nil {
		return nil, fmt.Errorf("get mapping job: %w", err)
	}
	return j, nil
}

// GetMappingJob returns a source's latest mapping job.
func (db *DB) GetMappingJob(ctx context.Context, sourceID string) (*mica.MappingJob, error) {
	if _, err := getMappings(ctx, db.read, sourceID); err != nil {
		return nil, err
	}
	return getMappingJob(ctx, db.read, mica.ErrNeverMapped(sourceID),
		`source_id = ? ORDER BY started DESC, rowid DESC LIMIT 1`, sourceID)
}

// GetMappingJobByID returns a mapping job.
func (db *DB) GetMappingJobByID(ctx context.Context, id string) (*mica.MappingJob, error) {
	return getMappingJob(ctx, db.read, mica.ErrMappingJobNotFound(), `id = ?`, id)
}

// UnfinishedMappingJobs lists running mapping jobs, oldest first.
func (db *DB) UnfinishedMappingJobs(ctx context.Context) ([]*mica.MappingJob, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT `+mappingJobColumns+` FROM mapping_jobs WHERE status = ? ORDER BY started`, mica.JobStarted)
	if err != nil {
		return nil, fmt.Errorf("list mapping jobs: %w", err)
	}
	defer func() { _ = rows.Close() }()
	var out []*mica.MappingJob
	for rows.Next() {
		j, err := scanMappingJob(rows)
		if err != nil {
			return nil, fmt.Errorf("list mapping jobs: %w", err)
		}
		out = append(out, j)
	}
	return out, rows.Err()
}

// ApplyMappingBatch applies the source's mappings to its next up to n machine
// accounts (in id order) and commits them with the job's counts.
func (db *DB) ApplyMappingBatch(ctx context.Context, jobID string, n int) (*mica.MappingJob, error) {
	var job *mica.MappingJob
	err := db.update(ctx, func(tx *Tx) error {
		j, err := getMappingJob(ctx, tx, mica.ErrMappingJobNotFound(), `id = ?`, jobID)
		if err != nil {
			return err
		}
		job = j
		if !j.Running() {
			return nil
		}
		var cursor string
		if err := tx.QueryRowContext(ctx, `SELECT cursor FROM mapping_jobs WHERE id = ?`, jobID).Scan(&cursor); err != nil {
			return fmt.Errorf("read mapping job cursor: %w", err)
		}
		ms, err := getMappings(ctx, tx, j.SourceID)
		if err != nil {
			return err
		}
		// "+a.source_id" keeps SQLite on the id index from the cursor on: through
		// the (source_id, ...) index it would read and sort the whole source for
		// every batch (is_machine has no index of its own).
		rows, err := tx.QueryContext(ctx, `SELECT `+machineAccountColumns+` FROM accounts_view a
			WHERE +a.source_id = ? AND a.is_machine = 1 AND a.id > ? ORDER BY a.id LIMIT ?`, j.SourceID, cursor, n)
		if err != nil {
			return fmt.Errorf("read machine accounts: %w", err)
		}
		var batch []*mica.Account
		for rows.Next() {
			a, err := scanMachineAccount(rows)
			if err != nil {
				_ = rows.Close()
				return fmt.Errorf("read machine accounts: %w", err)
			}
			batch = append(batch, a)
		}
		if err := errors.Join(rows.Err(), rows.Close()); err != nil {
			return fmt.Errorf("read machine accounts: %w", err)
		}
		changed := 0
		for _, a := range batch {
			ok, err := applyMappings(ctx, tx, ms, a)
			if err != nil {
				return err
			}
			if ok {
				changed++
			}
			cursor = a.ID
		}
		j.Advance(n, len(batch), changed)
		now := tx.now
		j.Updated = &now
		if _, err := tx.ExecContext(ctx, `UPDATE mapping_jobs SET status = ?, expected = ?, processed = ?, changed = ?,
			cursor = ?, updated = ? WHERE id = ?`, j.Status, j.Expected, j.Processed, j.Changed, cursor, formatTime(now), jobID); err != nil {
			return fmt.Errorf("update mapping job: %w", err)
		}
		return nil
	})
	return job, err
}

// mappingReads reads what applying mappings needs in a write transaction.
type mappingReads struct {
	ctx context.Context
	tx  *Tx
}

func (rd mappingReads) Subtype(sourceID, name string) (string, bool, error) {
	return refReads(rd).Subtype(sourceID, name)
}

func (rd mappingReads) Owner(p *mica.MappingPlan) (*mica.Ref, error) {
	return mappedOwner(rd.ctx, rd.tx, p)
}

func (rd mappingReads) MachineIdentity(id string) (*mica.MachineIdentity, error) {
	return getMachineIdentity(rd.ctx, rd.tx, id)
}

// applyMappings writes what mica.ApplyMappings changes on one machine account
// and its machine identity; it reports whether anything changed.
func applyMappings(ctx context.Context, tx *Tx, ms []*mica.MachineAccountMapping, a *mica.Account) (bool, error) {
	changed, m, err := mica.ApplyMappings(ms, a, mappingReads{ctx, tx})
	if err != nil {
		return false, err
	}
	if changed {
		var ownerID, ownerName any
		if a.OwnerIdentity != nil {
			ownerID, ownerName = a.OwnerIdentity.ID, a.OwnerIdentity.Name
		}
		if _, err := tx.ExecContext(ctx, `UPDATE accounts SET description = ?, environment = ?, access_type = ?, uuid = ?,
			subtype = ?, machine_attributes = ?, owner_identity_id = ?, owner_identity_name = ?, modified = ? WHERE id = ?`,
			nullString(a.Description), nullString(a.Environment), nullString(a.AccessType), nullString(a.UUID),
			nullString(a.Subtype), toJSONOrNull(a.MachineAttributes), ownerID, ownerName, formatTime(tx.now), a.ID); err != nil {
			return false, fmt.Errorf("apply mappings to account: %w", err)
		}
	}
	if m != nil {
		if _, err := tx.ExecContext(ctx, `UPDATE machine_identities SET description = ?, business_application = ?,
			subtype = ?, environment = ?, attributes = ?, status = ?, modified = ? WHERE id = ?`,
			nullString(m.Description), m.BusinessApplication, nullString(m.Subtype), nullString(m.Environment),
			toJSON(m.Attributes), nullString(m.Status()), formatTime(tx.now), m.ID); err != nil {
			return false, fmt.Errorf("apply mappings to machine identity: %w", err)
		}
	}
	return changed || m != nil, nil
}

// mappedOwner finds the identity an OWNER_IDENTITY or OWNER_ACCOUNT mapping
// names: exactly one match, else none (an ambiguous or unknown value changes nothing).
func mappedOwner(ctx context.Context, tx *Tx, p *mica.MappingPlan) (*mica.Ref, error) {
	var q string
	var args []any
	switch {
	case p.OwnerIdentityBy != "":
		col := map[string]string{"id": "id", "name": "name", "alias": "alias", "email": "email"}[p.OwnerIdentityBy]
		q, args = `SELECT id, name FROM identities WHERE `+col+` = ? COLLATE NOCASE LIMIT 2`, []any{p.OwnerIdentity}
	case p.OwnerAccountBy != "":
		col := map[string]string{"nativeIdentity": "native_identity", "name": "name"}[p.OwnerAccountBy]
		q = `SELECT identity_id, identity_name FROM accounts WHERE source_id = ? AND ` + col + ` = ? COLLATE NOCASE
			AND identity_id IS NOT NULL LIMIT 2`
		args = []any{p.OwnerSourceID, p.OwnerAccount}
	default:
		return nil, nil
	}
	rows, err := tx.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("find mapped owner: %w", err)
	}
	defer func() { _ = rows.Close() }()
	var found []mica.Ref
	for rows.Next() {
		var r mica.Ref
		var name sql.NullString
		if err := rows.Scan(&r.ID, &name); err != nil {
			return nil, fmt.Errorf("find mapped owner: %w", err)
		}
		r.Type, r.Name = "IDENTITY", strings.TrimSpace(name.String)
		found = append(found, r)
	}
	if err := rows.Err(); err != nil || len(found) != 1 {
		return nil, err
	}
	return &found[0], nil
}
