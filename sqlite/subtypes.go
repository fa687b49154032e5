package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/micahq/mica"
	"github.com/micahq/mica/query"
)

// OnMISTask is the task hook: when set, it runs inside the transaction that
// creates background work of machine identity security (a mapping job, a
// machine account request, a lifecycle action), so that the job is enqueued
// exactly when that work is committed.
type OnMISTask func(ctx context.Context, tx *sql.Tx, t mica.MISTask) error

// SetTaskHook installs the hook that enqueues machine identity security work.
func (db *DB) SetTaskHook(h OnMISTask) { db.taskHook = h }

func (db *DB) queueTask(ctx context.Context, tx *Tx, kind, id string) error {
	if db.taskHook == nil {
		return nil
	}
	return db.taskHook(ctx, tx.Tx, mica.MISTask{Kind: kind, ID: id})
}

const subtypeColumns = `st.id, st.source_id, s.name, st.technical_name, st.display_name, st.description, st.type,
	st.system_managed, st.config, st.created, st.modified`

const subtypeFrom = `FROM source_subtypes st JOIN sources s ON s.id = st.source_id`

func scanSubtype(sc interface{ Scan(...any) error }) (*mica.Subtype, error) {
	var st mica.Subtype
	var typ sql.NullString
	var system int
	var config, created, modified string
	if err := sc.Scan(&st.ID, &st.SourceID, &st.SourceName, &st.TechnicalName, &st.DisplayName, &st.Description, &typ,
		&system, &config, &created, &modified); err != nil {
		return nil, err
	}
	st.Type, st.SystemManaged = typ.String, system != 0
	fromJSON(config, &st.Config)
	st.Created, st.Modified = parseTime(created), parseTime(modified)
	return &st, nil
}

// CreateSubtype inserts a subtype of an existing source.
func (db *DB) CreateSubtype(ctx context.Context, st *mica.Subtype) error {
	if err := st.Validate(); err != nil {
		return err
	}
	return db.update(ctx, func(tx *Tx) error {
		if err := tx.QueryRowContext(ctx, `SELECT name FROM sources WHERE id = ?`, st.SourceID).Scan(&st.SourceName); errors.Is(err, sql.ErrNoRows) {
			return mica.ErrRefNotFound("", mica.KindSource, st.SourceID)
		} else if err != nil {
			return fmt.Errorf("find subtype source: %w", err)
		}
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM source_subtypes WHERE source_id = ?`, st.SourceID).Scan(&n); err != nil {
			return fmt.Errorf("count subtypes: %w", err)
		}
		if err := mica.CheckSubtypeQuota(st.SourceID, n); err != nil {
			return err
		}
		st.ID, st.Created, st.Modified = mica.NewUUID(), tx.now, tx.now
		_, err := tx.ExecContext(ctx, `INSERT INTO source_subtypes (id, source_id, technical_name, display_name, description,
			type, system_managed, config, created, modified) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			st.ID, st.SourceID, st.TechnicalName, st.DisplayName, st.Description, nullString(st.Type), boolInt(st.SystemManaged),
			toJSON(st.Config), formatTime(tx.now), formatTime(tx.now))
		if isUniqueViolation(err) {
			return mica.ErrSubtypeTaken(st.SourceID, st.TechnicalName)
		} else if err != nil {
			return fmt.Errorf("insert subtype: %w", err)
		}
		return nil
	})
}

// getSubtype reads the subtype where selects; missing is the error when there is none.
func getSubtype(ctx context.Context, q queryer, missing error, where string, args ...any) (*mica.Subtype, error) {
	st, err := scanSubtype(q.QueryRowContext(ctx, `SELECT `+subtypeColumns+` `+subtypeFrom+` WHERE `+where, args...))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, missing
	} else if err != nil {
		return nil, fmt.Errorf("get subtype: %w", err)
	}
	return st, nil
}

// GetSubtype returns a subtype by id.
func (db *DB) GetSubtype(ctx context.Context, id string) (*mica.Subtype, error) {
	return getSubtype(ctx, db.read, mica.ErrNotFound(mica.KindSubtype, id), `st.id = ?`, id)
}

// GetSubtypeByName returns a source's subtype by technical name.
func (db *DB) GetSubtypeByName(ctx context.Context, sourceID, technicalName string) (*mica.Subtype, error) {
	st, err := getSubtype(ctx, db.read, mica.ErrNoSubtype(sourceID, technicalName),
		`st.source_id = ? AND st.technical_name = ? COLLATE NOCASE`, sourceID, technicalName)
	if mica.ErrorCode(err) == mica.ENOTFOUND {
		if _, serr := db.GetSource(ctx, sourceID); serr != nil {
			return nil, serr
		}
		return nil, err
	}
	return st, err
}

// GetSubtypes returns the subtypes with the given ids that exist, in the ids' order.
func (db *DB) GetSubtypes(ctx context.Context, ids []string) ([]*mica.Subtype, error) {
	out := []*mica.Subtype{}
	if len(ids) == 0 {
		return out, nil
	}
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	rows, err := db.read.QueryContext(ctx, `SELECT `+subtypeColumns+` `+subtypeFrom+` WHERE st.id IN (`+placeholders(len(ids))+`)`, args...)
	if err != nil {
		return nil, fmt.Errorf("get subtypes: %w", err)
	}
	defer func() { _ = rows.Close() }()
	byID := map[string]*mica.Subtype{}
	for rows.Next() {
		st, err := scanSubtype(rows)
		if err != nil {
			return nil, fmt.Errorf("get subtypes: %w", err)
		}
		byID[st.ID] = st
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("get subtypes: %w", err)
	}
	return mica.SubtypesInOrder(ids, byID), nil
}

// ListSubtypes lists one source's subtypes, or every source's.
func (db *DB) ListSubtypes(ctx context.Context, sourceID string, opt mica.ListOptions) (mica.Page[*mica.Subtype], error) {
	scan := func(r *sql.Rows) (*mica.Subtype, error) { return scanSubtype(r) }
	if sourceID == "" {
		return list(ctx, db.read, query.Subtypes, opt, "SELECT "+subtypeColumns, subtypeFrom, "", nil, scan)
	}
	if _, err := db.GetSource(ctx, sourceID); err != nil {
		return mica.Page[*mica.Subtype]{}, err
	}
	return list(ctx, db.read, query.SourceSubtypes, opt, "SELECT "+subtypeColumns, subtypeFrom, "st.source_id = ?",
		[]any{sourceID}, scan)
}

// UpdateSubtype changes a subtype's display name, description and config.
func (db *DB) UpdateSubtype(ctx context.Context, id string, update func(st *mica.Subtype) error) (*mica.Subtype, error) {
	var out *mica.Subtype
	err := db.update(ctx, func(tx *Tx) error {
		st, err := getSubtype(ctx, tx, mica.ErrNotFound(mica.KindSubtype, id), `st.id = ?`, id)
		if err != nil {
			return err
		}
		before := *st
		if err := update(st); err != nil {
			return err
		}
		if err := st.CheckUpdate(&before); err != nil {
			return err
		}
		st.Modified = tx.now
		if _, err := tx.ExecContext(ctx, `UPDATE source_subtypes SET display_name = ?, description = ?, config = ?,
			modified = ? WHERE id = ?`, st.DisplayName, st.Description, toJSON(st.Config), formatTime(tx.now), id); err != nil {
			return fmt.Errorf("update subtype: %w", err)
		}
		out = st
		return nil
	})
	return out, err
}

// DeleteSubtype removes a subtype that no machine account has.
func (db *DB) DeleteSubtype(ctx context.Context, id string) error {
	return db.update(ctx, func(tx *Tx) error {
		st, err := getSubtype(ctx, tx, mica.ErrNotFound(mica.KindSubtype, id), `st.id = ?`, id)
		if err != nil {
			return err
		}
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM accounts WHERE source_id = ? AND subtype = ?`,
			st.SourceID, st.TechnicalName).Scan(&n); err != nil {
			return fmt.Errorf("count subtype accounts: %w", err)
		}
		if n > 0 {
			return mica.ErrSubtypeInUse(st.TechnicalName, n)
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM source_subtypes WHERE id = ?`, id); err != nil {
			return fmt.Errorf("delete subtype: %w", err)
		}
		return nil
	})
}
