package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/micahq/mica"
)

// refReads reads, in a write transaction, what the domain's checks of an
// object's references need (mica.RefReads).
type refReads struct {
	ctx context.Context
	tx  *Tx
}

func (rd refReads) one(q string, args ...any) (string, bool, error) {
	var v string
	err := rd.tx.QueryRowContext(rd.ctx, q, args...).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return "", false, nil
	} else if err != nil {
		return "", false, fmt.Errorf("resolve reference: %w", err)
	}
	return v, true, nil
}

func (rd refReads) SourceName(id string) (string, bool, error) {
	return rd.one(`SELECT name FROM sources WHERE id = ?`, id)
}

func (rd refReads) IdentityName(id string) (string, bool, error) {
	return rd.one(`SELECT name FROM identities WHERE id = ?`, id)
}

func (rd refReads) AccessProfileSource(id string) (string, bool, error) {
	return rd.one(`SELECT source_id FROM access_profiles WHERE id = ?`, id)
}

func (rd refReads) EntitlementName(sourceID, entitlementID string) (string, bool, error) {
	rows, err := rd.tx.QueryContext(rd.ctx, `SELECT entitlements FROM access_profiles WHERE source_id = ? ORDER BY created, id`,
		sourceID)
	if err != nil {
		return "", false, fmt.Errorf("find entitlement name: %w", err)
	}
	defer func() { _ = rows.Close() }()
	for rows.Next() {
		var raw string
		if err := rows.Scan(&raw); err != nil {
			return "", false, fmt.Errorf("find entitlement name: %w", err)
		}
		var ents []mica.Ref
		fromJSON(raw, &ents)
		for _, e := range ents {
			if e.ID == entitlementID && e.Name != "" {
				return e.Name, true, nil
			}
		}
	}
	if err := rows.Err(); err != nil {
		return "", false, fmt.Errorf("find entitlement name: %w", err)
	}
	return "", false, nil
}

func (rd refReads) Subtype(sourceID, name string) (string, bool, error) {
	return rd.one(`SELECT technical_name FROM source_subtypes WHERE source_id = ?
		AND (technical_name = ? COLLATE NOCASE OR id = ?) LIMIT 1`, sourceID, name, name)
}
