package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/micahq/mica"
	"github.com/micahq/mica/query"
)

const accessProfileColumns = `ap.id, ap.name, ap.description, ap.owner_id, ap.owner_name, ap.source_id, ap.source_name,
	ap.enabled, ap.requestable, ap.entitlements, ap.segments, ap.created, ap.modified`

func scanAccessProfile(sc scanner) (*mica.AccessProfile, error) {
	var ap mica.AccessProfile
	var desc *string
	var ents, segments []byte
	if err := sc.Scan(&ap.ID, &ap.Name, &desc, &ap.Owner.ID, &ap.Owner.Name, &ap.Source.ID, &ap.Source.Name,
		&ap.Enabled, &ap.Requestable, &ents, &segments, &ap.Created, &ap.Modified); err != nil {
		return nil, err
	}
	ap.Owner.Type, ap.Source.Type = "IDENTITY", "SOURCE"
	ap.Description = str(desc)
	fromJSON(ents, &ap.Entitlements)
	if segments != nil {
		fromJSON(segments, &ap.Segments)
	}
	ap.Created, ap.Modified = utc(ap.Created), utc(ap.Modified)
	return &ap, nil
}

// CreateAccessProfile inserts an access profile after checking its owner and source.
func (db *DB) CreateAccessProfile(ctx context.Context, ap *mica.AccessProfile) error {
	if err := ap.Validate(); err != nil {
		return err
	}
	return db.update(ctx, func(tx *Tx) error {
		ownerName, err := identityName(ctx, tx, ap.Owner.ID, mica.ErrRefNotFound("", mica.KindOwner, ap.Owner.ID))
		if err != nil {
			return err
		}
		var sourceName string
		if err := tx.QueryRow(ctx, `SELECT name FROM sources WHERE id = $1`, ap.Source.ID).Scan(&sourceName); errors.Is(err, pgx.ErrNoRows) {
			return mica.ErrRefNotFound("", mica.KindSource, ap.Source.ID)
		} else if err != nil {
			return fmt.Errorf("find access profile source: %w", err)
		}
		if err := ap.Resolve(ownerName, sourceName); err != nil {
			return err
		}
		ap.Created, ap.Modified = tx.now, tx.now
		var segments any
		if ap.Segments != nil {
			segments = toJSON(ap.Segments)
		}
		_, err = tx.Exec(ctx, `INSERT INTO access_profiles (id, name, description, owner_id, owner_name,
			source_id, source_name, enabled, requestable, entitlements, segments, created, modified)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`, ap.ID, ap.Name, nullString(ap.Description),
			ap.Owner.ID, ap.Owner.Name, ap.Source.ID, ap.Source.Name, ap.Enabled, ap.Requestable, toJSON(ap.Entitlements),
			segments, ap.Created, ap.Modified)
		switch {
		case isUniqueViolation(err):
			return mica.ErrAccessProfileExists(ap.ID)
		case isForeignKeyViolation(err):
			return mica.ErrRefNotFound("", mica.KindSource, ap.Source.ID)
		case err != nil:
			return fmt.Errorf("insert access profile: %w", err)
		}
		return nil
	})
}

// GetAccessProfile returns an access profile by id, ENOTFOUND when there is none.
func (db *DB) GetAccessProfile(ctx context.Context, id string) (*mica.AccessProfile, error) {
	ap, err := scanAccessProfile(db.pool.QueryRow(ctx,
		`SELECT `+accessProfileColumns+` FROM access_profiles ap WHERE ap.id = $1`, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, mica.ErrNotFound(mica.KindAccessProfile, id)
	} else if err != nil {
		return nil, fmt.Errorf("get access profile: %w", err)
	}
	return ap, nil
}

// ListAccessProfiles lists access profiles with the standard collection parameters.
func (db *DB) ListAccessProfiles(ctx context.Context, opt mica.ListOptions) (mica.Page[*mica.AccessProfile], error) {
	return list(ctx, db.pool, query.AccessProfiles, opt, "SELECT "+accessProfileColumns, "FROM access_profiles ap", "", nil,
		func(r pgx.Rows) (*mica.AccessProfile, error) { return scanAccessProfile(r) })
}

// DeleteAccessProfile removes an access profile and its assignments; one a
// source app lists is EINUSE (ISC: "Object in use by another").
func (db *DB) DeleteAccessProfile(ctx context.Context, id string) error {
	return db.update(ctx, func(tx *Tx) error {
		// Lock the profile first, so that no app links it between the check and the delete.
		var one int
		err := tx.QueryRow(ctx, `SELECT 1 FROM access_profiles WHERE id = $1 FOR UPDATE`, id).Scan(&one)
		if errors.Is(err, pgx.ErrNoRows) {
			return mica.ErrNotFound(mica.KindAccessProfile, id)
		} else if err != nil {
			return fmt.Errorf("lock access profile: %w", err)
		}
		var apps int
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM source_app_access_profiles WHERE access_profile_id = $1`,
			id).Scan(&apps); err != nil {
			return fmt.Errorf("check access profile use: %w", err)
		} else if apps > 0 {
			return mica.ErrAccessProfileInUse(id, apps)
		}
		if _, err := tx.Exec(ctx, `DELETE FROM access_profiles WHERE id = $1`, id); err != nil {
			return fmt.Errorf("delete access profile: %w", err)
		}
		return nil
	})
}

// AssignAccessProfile records that an identity holds an access profile.
func (db *DB) AssignAccessProfile(ctx context.Context, identityID, accessProfileID string) error {
	return db.update(ctx, func(tx *Tx) error {
		var n int
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM identities WHERE id = $1`, identityID).Scan(&n); err != nil {
			return fmt.Errorf("find identity: %w", err)
		} else if n == 0 {
			return mica.ErrNotFound(mica.KindIdentity, identityID)
		}
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM access_profiles WHERE id = $1`, accessProfileID).Scan(&n); err != nil {
			return fmt.Errorf("find access profile: %w", err)
		} else if n == 0 {
			return mica.ErrNotFound(mica.KindAccessProfile, accessProfileID)
		}
		_, err := tx.Exec(ctx, `INSERT INTO identity_access_profiles (identity_id, access_profile_id, created)
			VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`, identityID, accessProfileID, tx.now)
		if isForeignKeyViolation(err) { // deleted meanwhile
			return mica.ErrGrantRefsGone(identityID, accessProfileID)
		} else if err != nil {
			return fmt.Errorf("assign access profile: %w", err)
		}
		return nil
	})
}

// UnassignAccessProfile removes an assignment.
func (db *DB) UnassignAccessProfile(ctx context.Context, identityID, accessProfileID string) error {
	return db.update(ctx, func(tx *Tx) error {
		tag, err := tx.Exec(ctx, `DELETE FROM identity_access_profiles WHERE identity_id = $1 AND access_profile_id = $2`,
			identityID, accessProfileID)
		if err != nil {
			return fmt.Errorf("unassign access profile: %w", err)
		}
		if tag.RowsAffected() == 0 {
			return mica.ErrNotHeld(identityID, accessProfileID)
		}
		return nil
	})
}

// ListIdentityAccessProfiles lists the access profiles an identity holds.
func (db *DB) ListIdentityAccessProfiles(ctx context.Context, identityID string) ([]*mica.AccessProfile, error) {
	var n int
	if err := db.pool.QueryRow(ctx, `SELECT count(*) FROM identities WHERE id = $1`, identityID).Scan(&n); err != nil {
		return nil, fmt.Errorf("find identity: %w", err)
	} else if n == 0 {
		return nil, mica.ErrNotFound(mica.KindIdentity, identityID)
	}
	rows, err := db.pool.Query(ctx, `SELECT `+accessProfileColumns+` FROM access_profiles ap
		JOIN identity_access_profiles iap ON iap.access_profile_id = ap.id
		WHERE iap.identity_id = $1 ORDER BY lower(ap.name), ap.id`, identityID)
	if err != nil {
		return nil, fmt.Errorf("list identity access profiles: %w", err)
	}
	defer rows.Close()
	out := []*mica.AccessProfile{}
	for rows.Next() {
		ap, err := scanAccessProfile(rows)
		if err != nil {
			return nil, fmt.Errorf("list identity access profiles: %w", err)
		}
		out = append(out, ap)
	}
	return out, rows.Err()
}
