package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/micahq/mica"
)

// Sources' machine-classification configs.

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
		return nil, mica.ErrNoClassificationConfig(sourceID)
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
		if err := sourceExists(ctx, tx, cfg.SourceID, mica.ErrNotFound(mica.KindSource, cfg.SourceID)); err != nil {
			return err
		}
		old, err := getConfig(ctx, tx, cfg.SourceID)
		if err != nil && mica.ErrorCode(err) != mica.ENOTFOUND {
			return err
		}
		cfg.Replaces(old, tx.now)
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
			return mica.ErrNoClassificationConfig(sourceID)
		}
		return nil
	})
}
