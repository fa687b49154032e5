package postgres

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/micahq/mica"
)

func getMappings(ctx context.Context, q queryer, sourceID string, lock bool) ([]*mica.MachineAccountMapping, error) {
	var exists int
	if err := q.QueryRow(ctx, `SELECT count(*) FROM sources WHERE id = $1`, sourceID).Scan(&exists); err != nil {
		return nil, fmt.Errorf("find source: %w", err)
	} else if exists == 0 {
		return nil, mica.ErrNotFound(mica.KindSource, sourceID)
	}
	sql := `SELECT mappings FROM machine_account_mappings WHERE source_id = $1`
	if lock {
		sql += ` FOR UPDATE`
	}
	var raw []byte
	err := q.QueryRow(ctx, sql, sourceID).Scan(&raw)
	out := []*mica.MachineAccountMapping{}
	if errors.Is(err, pgx.ErrNoRows) {
		return out, nil
	} else if err != nil {
		return nil, fmt.Errorf("get mappings: %w", err)
	}
	fromJSON(raw, &out)
	return out, nil
}

// GetMappings returns a source's machine account mappings.
func (db *DB) GetMappings(ctx context.Context, sourceID string) ([]*mica.MachineAccountMapping, error) {
	return getMappings(ctx, db.pool, sourceID, false)
}

// SetMappings changes a source's mappings and starts the job that re-applies them.
func (db *DB) SetMappings(ctx context.Context, sourceID string,
	change func(cur []*mica.MachineAccountMapping) ([]*mica.MachineAccountMapping, error)) ([]*mica.MachineAccountMapping, *mica.MappingJob, error) {
	var out []*mica.MachineAccountMapping
	var job *mica.MappingJob
	err := db.update(ctx, func(tx *Tx) error {
		// Changes of one source's mappings queue behind each other on its source row.
		if _, err := tx.Exec(ctx, `SELECT 1 FROM sources WHERE id = $1 FOR NO KEY UPDATE`, sourceID); err != nil {
			return fmt.Errorf("lock source: %w", err)
		}
		cur, err := getMappings(ctx, tx, sourceID, true)
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
		if _, err := tx.Exec(ctx, `INSERT INTO machine_account_mappings (source_id, mappings, modified) VALUES ($1, $2, $3)
			ON CONFLICT (source_id) DO UPDATE SET mappings = excluded.mappings, modified = excluded.modified`,
			sourceID, toJSON(next), tx.now); err != nil {
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
		if _, err := tx.Exec(ctx, `SELECT 1 FROM sources WHERE id = $1 FOR NO KEY UPDATE`, sourceID); err != nil {
			return fmt.Errorf("lock source: %w", err)
		}
		ms, err := getMappings(ctx, tx, sourceID, false)
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
	if _, err := tx.Exec(ctx, `UPDATE mapping_jobs SET status = $1, reason = $2, updated = $3 WHERE source_id = $4 AND status = $5`,
		mica.JobCancelled, mica.MappingJobSuperseded, tx.now, sourceID, mica.JobStarted); err != nil {
		return nil, fmt.Errorf("supersede mapping job: %w", err)
	}
	j := &mica.MappingJob{ID: mica.NewID(), SourceID: sourceID, Status: mica.JobStarted, Started: tx.now}
	if err := tx.QueryRow(ctx, `SELECT count(*) FROM machine_accounts_view a WHERE a.source_id = $1`,
		sourceID).Scan(&j.Expected); err != nil {
		return nil, fmt.Errorf("count machine accounts: %w", err)
	}
	if _, err := tx.Exec(ctx, `INSERT INTO mapping_jobs (id, source_id, status, expected, started) VALUES ($1, $2, $3, $4, $5)`,
		j.ID, sourceID, j.Status, j.Expected, tx.now); err != nil {
		return nil, fmt.Errorf("insert mapping job: %w", err)
	}
	return j, db.queueTask(ctx, tx, mica.TaskMappingJob, j.ID)
}

const mappingJobColumns = `id, source_id, status, expected, processed, changed, reason, started, updated`

func scanMappingJob(sc scanner) (*mica.MappingJob, error) {
	var j mica.MappingJob
	if err := sc.Scan(&j.ID, &j.SourceID, &j.Status, &j.Expected, &j.Processed, &j.Changed, &j.Reason, &j.Started, &j.Updated); err != nil {
		return nil, err
	}
	j.Started, j.Updated = utc(j.Started), utcPtr(j.Updated)
	return &j, nil
}

// getMappingJob reads the mapping job where selects; missing is the error when there is none.
func getMappingJob(ctx context.Context, q queryer, missing error, where string, args ...any) (*mica.MappingJob, error) {
	j, err := scanMappingJob(q.QueryRow(ctx, `SELECT `+mappingJobColumns+` FROM mapping_jobs WHERE `+where, args...))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, missing
	} else if err != nil {
		return nil, fmt.Errorf("get mapping job: %w", err)
	}
	return j, nil
}

// GetMappingJob returns a source's latest mapping job.
func (db *DB) GetMappingJob(ctx context.Context, sourceID string) (*mica.MappingJob, error) {
	if _, err := getMappings(ctx, db.pool, sourceID, false); err != nil {
		return nil, err
	}
	return getMappingJob(ctx, db.pool, mica.ErrNeverMapped(sourceID),
		`source_id = $1 ORDER BY seq DESC LIMIT 1`, sourceID)
}

// GetMappingJobByID returns a mapping job.
func (db *DB) GetMappingJobByID(ctx context.Context, id string) (*mica.MappingJob, error) {
	return getMappingJob(ctx, db.pool, mica.ErrMappingJobNotFound(), `id = $1`, id)
}

// UnfinishedMappingJobs lists running mapping jobs, oldest first.
func (db *DB) UnfinishedMappingJobs(ctx context.Context) ([]*mica.MappingJob, error) {
	rows, err := db.pool.Query(ctx, `SELECT `+mappingJobColumns+` FROM mapping_jobs WHERE status = $1 ORDER BY seq`, mica.JobStarted)
	if err != nil {
		return nil, fmt.Errorf("list mapping jobs: %w", err)
	}
	defer rows.Close()
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
// accounts (in id order) and commits them with the job's counts. The job row
// is locked, so two workers of one job take turns.
func (db *DB) ApplyMappingBatch(ctx context.Context, jobID string, n int) (*mica.MappingJob, error) {
	var job *mica.MappingJob
	err := db.update(ctx, func(tx *Tx) error {
		j, err := getMappingJob(ctx, tx, mica.ErrMappingJobNotFound(), `id = $1 FOR UPDATE`, jobID)
		if err != nil {
			return err
		}
		job = j
		if !j.Running() {
			return nil
		}
		var cursor string
		if err := tx.QueryRow(ctx, `SELECT cursor FROM mapping_jobs WHERE id = $1`, jobID).Scan(&cursor); err != nil {
			return fmt.Errorf("read mapping job cursor: %w", err)
		}
		ms, err := getMappings(ctx, tx, j.SourceID, false)
		if err != nil {
			return err
		}
		rows, err := tx.Query(ctx, `SELECT `+machineAccountColumns+` FROM machine_accounts_view a
			WHERE a.source_id = $1 AND a.id > $2 ORDER BY a.id LIMIT $3`, j.SourceID, cursor, n)
		if err != nil {
			return fmt.Errorf("read machine accounts: %w", err)
		}
		var batch []*mica.Account
		for rows.Next() {
			a, err := scanMachineAccount(rows)
			if err != nil {
				rows.Close()
				return fmt.Errorf("read machine accounts: %w", err)
			}
			batch = append(batch, a)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
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
		if _, err := tx.Exec(ctx, `UPDATE mapping_jobs SET status = $1, expected = $2, processed = $3, changed = $4,
			cursor = $5, updated = $6 WHERE id = $7`, j.Status, j.Expected, j.Processed, j.Changed, cursor, now, jobID); err != nil {
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
	return getMachineIdentity(rd.ctx, rd.tx, id, true)
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
		if _, err := tx.Exec(ctx, `UPDATE accounts SET description = $1, environment = $2, access_type = $3, uuid = $4,
			subtype = $5, machine_attributes = $6, owner_identity_id = $7, owner_identity_name = $8, modified = $9 WHERE id = $10`,
			nullString(a.Description), nullString(a.Environment), nullString(a.AccessType), nullString(a.UUID),
			nullString(a.Subtype), toJSONOrNull(a.MachineAttributes), ownerID, ownerName, tx.now, a.ID); err != nil {
			return false, fmt.Errorf("apply mappings to account: %w", err)
		}
	}
	if m != nil {
		if _, err := tx.Exec(ctx, `UPDATE machine_identities SET description = $1, business_application = $2,
			subtype = $3, environment = $4, attributes = $5, status = $6, modified = $7 WHERE id = $8`,
			nullString(m.Description), m.BusinessApplication, nullString(m.Subtype), nullString(m.Environment),
			toJSON(m.Attributes), nullString(m.Status()), tx.now, m.ID); err != nil {
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
		q, args = `SELECT id, name FROM identities WHERE lower(`+col+`) = lower($1) LIMIT 2`, []any{p.OwnerIdentity}
	case p.OwnerAccountBy != "":
		col := map[string]string{"nativeIdentity": "native_identity", "name": "name"}[p.OwnerAccountBy]
		q = `SELECT identity_id, identity_name FROM accounts WHERE source_id = $1 AND lower(` + col + `) = lower($2)
			AND identity_id IS NOT NULL LIMIT 2`
		args = []any{p.OwnerSourceID, p.OwnerAccount}
	default:
		return nil, nil
	}
	rows, err := tx.Query(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("find mapped owner: %w", err)
	}
	defer rows.Close()
	var found []mica.Ref
	for rows.Next() {
		var r mica.Ref
		var name *string
		if err := rows.Scan(&r.ID, &name); err != nil {
			return nil, fmt.Errorf("find mapped owner: %w", err)
		}
		r.Type, r.Name = "IDENTITY", strings.TrimSpace(str(name))
		found = append(found, r)
	}
	if err := rows.Err(); err != nil || len(found) != 1 {
		return nil, err
	}
	return &found[0], nil
}
