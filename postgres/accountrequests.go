package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/micahq/mica"
)

// CreateMachineAccountRequest stores a new request and queues it.
func (db *DB) CreateMachineAccountRequest(ctx context.Context, r *mica.MachineAccountRequest) error {
	if err := r.Validate(); err != nil {
		return err
	}
	return db.update(ctx, func(tx *Tx) error {
		var n int
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM source_subtypes WHERE id = $1`, r.SubtypeID).Scan(&n); err != nil {
			return fmt.Errorf("find subtype: %w", err)
		} else if n == 0 {
			return mica.ErrRefNotFound("", mica.KindSubtype, r.SubtypeID)
		}
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM identities WHERE id = $1`, r.OwnerIdentityID).Scan(&n); err != nil {
			return fmt.Errorf("find owner: %w", err)
		} else if n == 0 {
			return mica.ErrRefNotFound("", mica.KindOwner, r.OwnerIdentityID)
		}
		if r.MachineIdentityID != "" {
			if err := tx.QueryRow(ctx, `SELECT count(*) FROM machine_identities WHERE id = $1`, r.MachineIdentityID).Scan(&n); err != nil {
				return fmt.Errorf("find machine identity: %w", err)
			} else if n == 0 {
				return mica.ErrRefNotFound("", mica.KindMachineIdentity, r.MachineIdentityID)
			}
		}
		if r.ID == "" {
			r.ID = mica.NewUUID()
		}
		if _, err := tx.Exec(ctx, `INSERT INTO machine_account_requests (id, requester_id, status, provisioning, body,
			created) VALUES ($1, $2, $3, $4, $5, $6)`, r.ID, r.Requester.ID, r.Status, r.Provisioning.State, toJSON(r),
			r.Created); err != nil {
			return fmt.Errorf("insert machine account request: %w", err)
		}
		if r.Provisioning.State == mica.PhasePending {
			return db.queueTask(ctx, tx, mica.TaskAccountRequest, r.ID)
		}
		return nil
	})
}

func getAccountRequest(ctx context.Context, q queryer, id string, lock bool) (*mica.MachineAccountRequest, error) {
	var raw []byte
	sql := `SELECT body FROM machine_account_requests WHERE id = $1`
	if lock {
		sql += ` FOR UPDATE`
	}
	err := q.QueryRow(ctx, sql, id).Scan(&raw)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, mica.ErrNotFound(mica.KindMachineAccountRequest, id)
	} else if err != nil {
		return nil, fmt.Errorf("get machine account request: %w", err)
	}
	var r mica.MachineAccountRequest
	fromJSON(raw, &r)
	return &r, nil
}

func saveAccountRequest(ctx context.Context, tx *Tx, r *mica.MachineAccountRequest) error {
	if _, err := tx.Exec(ctx, `UPDATE machine_account_requests SET status = $1, provisioning = $2, body = $3 WHERE id = $4`,
		r.Status, r.Provisioning.State, toJSON(r), r.ID); err != nil {
		return fmt.Errorf("update machine account request: %w", err)
	}
	return nil
}

// GetMachineAccountRequest returns a request.
func (db *DB) GetMachineAccountRequest(ctx context.Context, id string) (*mica.MachineAccountRequest, error) {
	return getAccountRequest(ctx, db.pool, id, false)
}

// DecideMachineAccountRequest approves or rejects a request waiting for approval.
func (db *DB) DecideMachineAccountRequest(ctx context.Context, id string, approve bool) (*mica.MachineAccountRequest, error) {
	var out *mica.MachineAccountRequest
	err := db.update(ctx, func(tx *Tx) error {
		r, err := getAccountRequest(ctx, tx, id, true)
		if err != nil {
			return err
		}
		if err := r.Decide(approve, tx.now); err != nil {
			return err
		}
		if err := saveAccountRequest(ctx, tx, r); err != nil {
			return err
		}
		out = r
		if r.Provisioning.State == mica.PhasePending {
			return db.queueTask(ctx, tx, mica.TaskAccountRequest, r.ID)
		}
		return nil
	})
	return out, err
}

// PendingMachineAccountRequests lists requests waiting for provisioning.
func (db *DB) PendingMachineAccountRequests(ctx context.Context) ([]*mica.MachineAccountRequest, error) {
	rows, err := db.pool.Query(ctx, `SELECT body FROM machine_account_requests WHERE provisioning = $1 ORDER BY created`,
		mica.PhasePending)
	if err != nil {
		return nil, fmt.Errorf("list pending requests: %w", err)
	}
	defer rows.Close()
	var out []*mica.MachineAccountRequest
	for rows.Next() {
		var raw []byte
		if err := rows.Scan(&raw); err != nil {
			return nil, fmt.Errorf("list pending requests: %w", err)
		}
		var r mica.MachineAccountRequest
		fromJSON(raw, &r)
		out = append(out, &r)
	}
	return out, rows.Err()
}

// ProvisionMachineAccountRequest creates the requested account, or fails the request.
func (db *DB) ProvisionMachineAccountRequest(ctx context.Context, id string) (*mica.MachineAccountRequest, error) {
	var out *mica.MachineAccountRequest
	err := db.update(ctx, func(tx *Tx) error {
		r, err := getAccountRequest(ctx, tx, id, true)
		if err != nil {
			return err
		}
		out = r
		if !r.Provisionable() {
			return nil
		}
		reason, err := provisionAccount(ctx, tx, r)
		if err != nil {
			return err
		}
		r.Provisioned(reason, tx.now)
		return saveAccountRequest(ctx, tx, r)
	})
	return out, err
}

// provisionReads reads what provisioning needs in a write transaction.
type provisionReads struct {
	ctx context.Context
	tx  *Tx
}

func (rd provisionReads) Subtype(id string) (*mica.Subtype, error) {
	return getSubtype(rd.ctx, rd.tx, mica.ErrNotFound(mica.KindSubtype, id), `st.id = $1`, id)
}

func (rd provisionReads) Source(id string) (*mica.Source, error) {
	return getSource(rd.ctx, rd.tx, id, false)
}

func (rd provisionReads) IdentityName(id string) (string, error) {
	return identityName(rd.ctx, rd.tx, id, mica.ErrNotFound(mica.KindIdentity, id))
}

func (rd provisionReads) AccountExists(sourceID, nativeIdentity string) (bool, error) {
	var exists bool
	if err := rd.tx.QueryRow(rd.ctx, `SELECT EXISTS (SELECT 1 FROM accounts WHERE source_id = $1 AND native_identity = $2)`,
		sourceID, nativeIdentity).Scan(&exists); err != nil {
		return false, fmt.Errorf("check account: %w", err)
	}
	return exists, nil
}

func (rd provisionReads) MachineIdentity(id string) (*mica.MachineIdentity, error) {
	return getMachineIdentity(rd.ctx, rd.tx, id, false)
}

// provisionAccount writes what mica.PlanProvision decides for r: the account
// (and its machine identity when r names none). A reason the request cannot
// be carried out is returned as reason, with nothing written.
func provisionAccount(ctx context.Context, tx *Tx, r *mica.MachineAccountRequest) (reason string, err error) {
	p, reason, err := mica.PlanProvision(r, provisionReads{ctx, tx})
	if err != nil || reason != "" {
		return reason, err
	}
	a := p.Account
	if mi := p.NewIdentity; mi != nil {
		if err := createMachineIdentity(ctx, tx, mi); err != nil {
			if mica.ErrorCode(err) != mica.EINTERNAL {
				return mica.ErrorMessage(err), nil
			}
			return "", err
		}
		a.MachineIdentity = &mica.Ref{Type: "MACHINE_IDENTITY", ID: mi.ID, Name: mi.Name}
	}
	a.ID = mica.NewID()
	if _, err := tx.Exec(ctx, `INSERT INTO accounts (id, source_id, source_name, native_identity, name, attributes,
		uncorrelated, has_entitlements, origin, description, environment,
		subtype, owner_identity_id, owner_identity_name, machine_identity_id, machine_identity_name, created, modified)
		VALUES ($1, $2, $3, $4, $5, $6, true, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $16)`,
		a.ID, a.SourceID, a.SourceName, a.NativeIdentity, a.Name, toJSON(a.Attributes), a.HasEntitlements, a.Origin,
		nullString(a.Description), nullString(a.Environment), a.Subtype, a.OwnerIdentity.ID,
		a.OwnerIdentity.Name, a.MachineIdentity.ID, a.MachineIdentity.Name, tx.now); err != nil {
		return "", fmt.Errorf("insert requested account: %w", err)
	}
	if err := putClassifications(ctx, tx, []classificationState{{id: a.ID, isMachine: true,
		method: a.ClassificationMethod, classifiedAt: &tx.now}}); err != nil {
		return "", fmt.Errorf("insert requested account: %w", err)
	}
	r.AccountID, r.MachineIdentityID = a.ID, a.MachineIdentity.ID
	return "", nil
}

// GetDeleteApprovalConfig returns a source's delete approval config.
func (db *DB) GetDeleteApprovalConfig(ctx context.Context, sourceID string) (*mica.AccountDeleteConfig, error) {
	return getDeleteApproval(ctx, db.pool, sourceID, false)
}

func getDeleteApproval(ctx context.Context, q queryer, sourceID string, lock bool) (*mica.AccountDeleteConfig, error) {
	var n int
	sql := `SELECT count(*) FROM sources WHERE id = $1`
	if lock { // concurrent updates of one source's config take turns
		sql = `SELECT count(*) FROM (SELECT 1 FROM sources WHERE id = $1 FOR NO KEY UPDATE) s`
	}
	if err := q.QueryRow(ctx, sql, sourceID).Scan(&n); err != nil {
		return nil, fmt.Errorf("find source: %w", err)
	} else if n == 0 {
		return nil, mica.ErrNotFound(mica.KindSource, sourceID)
	}
	c := mica.DefaultAccountDeleteConfig()
	var raw []byte
	err := q.QueryRow(ctx, `SELECT config FROM source_delete_approval WHERE source_id = $1`, sourceID).Scan(&raw)
	if errors.Is(err, pgx.ErrNoRows) {
		return c, nil
	} else if err != nil {
		return nil, fmt.Errorf("get delete approval config: %w", err)
	}
	fromJSON(raw, c)
	return c, nil
}

// UpdateDeleteApprovalConfig changes a source's delete approval config.
func (db *DB) UpdateDeleteApprovalConfig(ctx context.Context, sourceID string, update func(c *mica.AccountDeleteConfig) error) (*mica.AccountDeleteConfig, error) {
	var out *mica.AccountDeleteConfig
	err := db.update(ctx, func(tx *Tx) error {
		c, err := getDeleteApproval(ctx, tx, sourceID, true)
		if err != nil {
			return err
		}
		if err := update(c); err != nil {
			return err
		}
		if err := c.Validate(); err != nil {
			return err
		}
		for _, id := range c.IdentityApprovers() {
			var n int
			if err := tx.QueryRow(ctx, `SELECT count(*) FROM identities WHERE id = $1`, id).Scan(&n); err != nil {
				return fmt.Errorf("find approver: %w", err)
			} else if n == 0 {
				return mica.ErrRefNotFound("", mica.KindApprover, id)
			}
		}
		if _, err := tx.Exec(ctx, `INSERT INTO source_delete_approval (source_id, config, modified) VALUES ($1, $2, $3)
			ON CONFLICT (source_id) DO UPDATE SET config = excluded.config, modified = excluded.modified`,
			sourceID, toJSON(c), tx.now); err != nil {
			return fmt.Errorf("save delete approval config: %w", err)
		}
		out = c
		return nil
	})
	return out, err
}
