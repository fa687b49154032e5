package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// refReads reads, in a write transaction, what the domain's checks of an
// object's references need (mica.RefReads). Access profiles are locked in
// share mode, so that none is deleted before the links to it are written.
type refReads struct {
	ctx context.Context
	tx  *Tx
}

func (rd refReads) one(q string, args ...any) (string, bool, error) {
	var v *string
	err := rd.tx.QueryRow(rd.ctx, q, args...).Scan(&v)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", false, nil
	} else if err != nil {
		return "", false, fmt.Errorf("resolve reference: %w", err)
	}
	return str(v), true, nil
}

func (rd refReads) SourceName(id string) (string, bool, error) {
	return rd.one(`SELECT name FROM sources WHERE id = $1`, id)
}

func (rd refReads) IdentityName(id string) (string, bool, error) {
	return rd.one(`SELECT name FROM identities WHERE id = $1`, id)
}

func (rd refReads) AccessProfileSource(id string) (string, bool, error) {
	return rd.one(`SELECT source_id FROM access_profiles WHERE id = $1 FOR SHARE`, id)
}

func (rd refReads) EntitlementName(sourceID, entitlementID string) (string, bool, error) {
	return rd.one(`SELECT e->>'name' FROM access_profiles ap, jsonb_array_elements(ap.entitlements) e
		WHERE ap.source_id = $1 AND e->>'id' = $2 AND coalesce(e->>'name', '') <> '' ORDER BY ap.created, ap.id LIMIT 1`,
		sourceID, entitlementID)
}

func (rd refReads) Subtype(sourceID, name string) (string, bool, error) {
	return rd.one(`SELECT technical_name FROM source_subtypes WHERE source_id = $1
		AND (lower(technical_name) = lower($2) OR id = $2) LIMIT 1`, sourceID, name)
}
