package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/micahq/mica"
	"github.com/micahq/mica/query"
)

// SubmitLifecycleAction stores a received action and queues it.
func (db *DB) SubmitLifecycleAction(ctx context.Context, a *mica.LifecycleAction) error {
	if err := a.Validate(); err != nil {
		return err
	}
	return db.update(ctx, func(tx *Tx) error {
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM machine_identities WHERE id = ?`, a.TargetID).Scan(&n); err != nil {
			return fmt.Errorf("find machine identity: %w", err)
		} else if n == 0 {
			return mica.ErrNotFound(mica.KindMachineIdentity, a.TargetID)
		}
		a.Receive(tx.now)
		if _, err := tx.ExecContext(ctx, `INSERT INTO lifecycle_actions (id, requested_by, target_id, target_name, target_type,
			source_id, action, status, completed, body, created, modified) VALUES (`+placeholders(12)+`)`,
			a.ID, a.RequestedBy.ID, a.TargetID, a.TargetName, a.TargetType, nullString(a.SourceID), a.Action, a.Status,
			boolInt(a.Completed()), toJSON(a), formatTime(tx.now), formatTime(tx.now)); err != nil {
			return fmt.Errorf("insert lifecycle action: %w", err)
		}
		return db.queueTask(ctx, tx, mica.TaskLifecycleAction, a.ID)
	})
}

func getLifecycleAction(ctx context.Context, q queryer, id string) (*mica.LifecycleAction, error) {
	var raw string
	err := q.QueryRowContext(ctx, `SELECT body FROM lifecycle_actions WHERE id = ?`, id).Scan(&raw)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, mica.ErrLifecycleActionNotFound(id)
	} else if err != nil {
		return nil, fmt.Errorf("get lifecycle action: %w", err)
	}
	var a mica.LifecycleAction
	fromJSON(raw, &a)
	return &a, nil
}

func saveLifecycleAction(ctx context.Context, tx *Tx, a *mica.LifecycleAction) error {
	a.Modified = tx.now
	if _, err := tx.ExecContext(ctx, `UPDATE lifecycle_actions SET status = ?, completed = ?, body = ?, modified = ? WHERE id = ?`,
		a.Status, boolInt(a.Completed()), toJSON(a), formatTime(tx.now), a.ID); err != nil {
		return fmt.Errorf("update lifecycle action: %w", err)
	}
	return nil
}

// GetLifecycleAction returns a lifecycle action.
func (db *DB) GetLifecycleAction(ctx context.Context, id string) (*mica.LifecycleAction, error) {
	return getLifecycleAction(ctx, db.read, id)
}

// ListLifecycleActions lists the actions an identity requested.
func (db *DB) ListLifecycleActions(ctx context.Context, requestedBy string, opt mica.ListOptions) (mica.Page[*mica.LifecycleAction], error) {
	return list(ctx, db.read, query.LifecycleActions, opt, "SELECT la.body", "FROM lifecycle_actions la",
		"la.requested_by = ?", []any{requestedBy}, func(r *sql.Rows) (*mica.LifecycleAction, error) {
			var raw string
			if err := r.Scan(&raw); err != nil {
				return nil, err
			}
			var a mica.LifecycleAction
			fromJSON(raw, &a)
			return &a, nil
		})
}

// UpdateLifecycleAction changes an action (a cancel) and queues a CANCELING one.
func (db *DB) UpdateLifecycleAction(ctx context.Context, id string, update func(a *mica.LifecycleAction) error) (*mica.LifecycleAction, error) {
	var out *mica.LifecycleAction
	err := db.update(ctx, func(tx *Tx) error {
		a, err := getLifecycleAction(ctx, tx, id)
		if err != nil {
			return err
		}
		if err := update(a); err != nil {
			return err
		}
		if err := saveLifecycleAction(ctx, tx, a); err != nil {
			return err
		}
		out = a
		if a.Queued() {
			return db.queueTask(ctx, tx, mica.TaskLifecycleAction, a.ID)
		}
		return nil
	})
	return out, err
}

// UnfinishedLifecycleActions lists the actions not yet completed.
func (db *DB) UnfinishedLifecycleActions(ctx context.Context) ([]*mica.LifecycleAction, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT body FROM lifecycle_actions WHERE completed = 0 ORDER BY created`)
	if err != nil {
		return nil, fmt.Errorf("list lifecycle actions: %w", err)
	}
	defer func() { _ = rows.Close() }()
	var out []*mica.LifecycleAction
	for rows.Next() {
		var raw string
		if err := rows.Scan(&raw); err != nil {
			return nil, fmt.Errorf("list lifecycle actions: %w", err)
		}
		var a mica.LifecycleAction
		fromJSON(raw, &a)
		out = append(out, &a)
	}
	return out, rows.Err()
}

// ProcessLifecycleAction moves an action one step on, with its effect.
func (db *DB) ProcessLifecycleAction(ctx context.Context, id string) (*mica.LifecycleAction, error) {
	var out *mica.LifecycleAction
	err := db.update(ctx, func(tx *Tx) error {
		a, err := getLifecycleAction(ctx, tx, id)
		if err != nil {
			return err
		}
		out = a
		now := tx.now
		status, ok := a.Step(now)
		if !ok {
			return nil
		}
		if status != "" {
			m, err := getMachineIdentity(ctx, tx, a.TargetID)
			found := mica.ErrorCode(err) != mica.ENOTFOUND
			if err != nil && found {
				return err
			}
			if found {
				disabled := m.SetStatus(status)
				if _, err := tx.ExecContext(ctx, `UPDATE machine_identities SET attributes = ?, status = ?, modified = ? WHERE id = ?`,
					toJSON(m.Attributes), status, formatTime(now), m.ID); err != nil {
					return fmt.Errorf("change machine identity status: %w", err)
				}
				if _, err := tx.ExecContext(ctx, `UPDATE accounts SET disabled = ?, modified = ? WHERE machine_identity_id = ?`,
					boolInt(disabled), formatTime(now), m.ID); err != nil {
					return fmt.Errorf("change machine accounts: %w", err)
				}
			}
			a.Provisioned(found, now)
		}
		return saveLifecycleAction(ctx, tx, a)
	})
	return out, err
}
