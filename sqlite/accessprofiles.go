package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/micahq/mica"
	"github.com/micahq/mica/query"
)

const accessProfileColumns = `ap.id, ap.name, ap.description, ap.owner_id, ap.owner_name, ap.source_id, ap.source_name,
	ap.enabled, ap.requestable, ap.entitlements, ap.segments, ap.created, ap.modified`

func scanAccessProfile(sc interface{ Scan(...any) error }) (*mica.AccessProfile, error) {
	var ap mica.AccessProfile
	var desc, segments sql.NullString
	var ents, created, modified string
	var enabled, requestable int
	if err := sc.Scan(&ap.ID, &ap.Name, &desc, &ap.Owner.ID, &ap.Owner.Name, &ap.Source.ID, &ap.Source.Name,
		&enabled, &requestable, &ents, &segments, &created, &modified); err != nil {
		return nil, err
	}
	ap.Owner.Type, ap.Source.Type = "IDENTITY", "SOURCE"
	ap.Description, ap.Enabled, ap.Requestable = desc.String, enabled != 0, requestable != 0
	fromJSON(ents, &ap.Entitlements)
	if segments.Valid {
		fromJSON(segments.String, &ap.Segments)
	}
	ap.Created, ap.Modified = parseTime(created), parseTime(modified)
	return &ap, nil
}

// CreateAccessProfile inserts an access profile after checking its owner and source.
func (db *DB) CreateAccessProfile(ctx context.Context, ap *mica.AccessProfile) error {
	if err := ap.Validate(); err != nil {
		return err
	}
	return db.update(ctx, func(tx *Tx) error {
		var ownerName, sourceName string
		if err := tx.QueryRowContext(ctx, `SELECT name FROM identities WHERE id = ?`, ap.Owner.ID).Scan(&ownerName); errors.Is(err, sql.ErrNoRows) {
			return mica.ErrRefNotFound("", mica.KindOwner, ap.Owner.ID)
		} else if err != nil {
			return fmt.Errorf("find access profile owner: %w", err)
		}
		if err := tx.QueryRowContext(ctx, `SELECT name FROM sources WHERE id = ?`, ap.Source.ID).Scan(&sourceName); errors.Is(err, sql.ErrNoRows) {
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
		if _, err := tx.ExecContext(ctx, `INSERT INTO access_profiles (id, name, description, owner_id, owner_name,
			source_id, source_name, enabled, requestable, entitlements, segments, created, modified)
			VALUES (`+placeholders(13)+`)`, ap.ID, ap.Name, nullString(ap.Description), ap.Owner.ID, ap.Owner.Name,
			ap.Source.ID, ap.Source.Name, boolInt(ap.Enabled), boolInt(ap.Requestable), toJSON(ap.Entitlements),
			segments, formatTime(ap.Created), formatTime(ap.Modified)); err != nil {
			if isUniqueViolation(err) {
				return mica.ErrAccessProfileExists(ap.ID)
			}
			return fmt.Errorf("insert access profile: %w", err)
		}
		return nil
	})
}

// GetAccessProfile returns an access profile by id, ENOTFOUND when there is none.
func (db *DB) GetAccessProfile(ctx context.Context, id string) (*mica.AccessProfile, error) {
	ap, err := scanAccessProfile(db.read.QueryRowContext(ctx,
		`SELECT `+accessProfileColumns+` FROM access_profiles ap WHERE ap.id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, mica.ErrNotFound(mica.KindAccessProfile, id)
	} else if err != nil {
		return nil, fmt.Errorf("get access profile: %w", err)
	}
	return ap, nil
}

// ListAccessProfiles lists access profiles with the standard collection parameters.
func (db *DB) ListAccessProfiles(ctx context.Context, opt mica.ListOptions) (mica.Page[*mica.AccessProfile], error) {
	return list(ctx, db.reads, query.AccessProfiles, opt, "SELECT "+accessProfileColumns, "FROM access_profiles ap", "", nil,
		func(r *sql.Rows) (*mica.AccessProfile, error) { return scanAccessProfile(r) })
}

// DeleteAccessProfile removes an access profile and its assignments; one a
// source app lists is EINUSE (ISC: "Object in use by another").
func (db *DB) DeleteAccessProfile(ctx context.Context, id string) error {
	return db.update(ctx, func(tx *Tx) error {
		var apps int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM source_app_access_profiles WHERE access_profile_id = ?`,
			id).Scan(&apps); err != nil {
			return fmt.Errorf("check access profile use: %w", err)
		} else if apps > 0 {
			return mica.ErrAccessProfileInUse(id, apps)
		}
		res, err := tx.ExecContext(ctx, `DELETE FROM access_profiles WHERE id = ?`, id)
		if isForeignKeyViolation(err) {
			return mica.ErrAccessProfileInUse(id, 0)
		} else if err != nil {
			return fmt.Errorf("delete access profile: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return mica.ErrNotFound(mica.KindAccessProfile, id)
		}
		return nil
	})
}

// AssignAccessProfile records that an identity holds an access profile.
func (db *DB) AssignAccessProfile(ctx context.Context, identityID, accessProfileID string) error {
	return db.update(ctx, func(tx *Tx) error {
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM identities WHERE id = ?`, identityID).Scan(&n); err != nil {
			return fmt.Errorf("find identity: %w", err)
		} else if n == 0 {
			return mica.ErrNotFound(mica.KindIdentity, identityID)
		}
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM access_profiles WHERE id = ?`, accessProfileID).Scan(&n); err != nil {
			return fmt.Errorf("find access profile: %w", err)
		} else if n == 0 {
			return mica.ErrNotFound(mica.KindAccessProfile, accessProfileID)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO identity_access_profiles (identity_id, access_profile_id, created)
			VALUES (?, ?, ?) ON CONFLICT DO NOTHING`, identityID, accessProfileID, formatTime(tx.now)); err != nil {
			return fmt.Errorf("assign access profile: %w", err)
		}
		return nil
	})
}

// UnassignAccessProfile removes an assignment.
func (db *DB) UnassignAccessProfile(ctx context.Context, identityID, accessProfileID string) error {
	return db.update(ctx, func(tx *Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM identity_access_profiles WHERE identity_id = ? AND access_profile_id = ?`,
			identityID, accessProfileID)
		if err != nil {
			return fmt.Errorf("unassign access profile: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return mica.ErrNotHeld(identityID, accessProfileID)
		}
		return nil
	})
}

// ListIdentityAccessProfiles lists the access profiles an identity holds.
func (db *DB) ListIdentityAccessProfiles(ctx context.Context, identityID string) ([]*mica.AccessProfile, error) {
	var n int
	if err := db.read.QueryRowContext(ctx, `SELECT count(*) FROM identities WHERE id = ?`, identityID).Scan(&n); err != nil {
		return nil, fmt.Errorf("find identity: %w", err)
	} else if n == 0 {
		return nil, mica.ErrNotFound(mica.KindIdentity, identityID)
	}
	rows, err := db.read.QueryContext(ctx, `SELECT `+accessProfileColumns+` FROM access_profiles ap
		JOIN identity_access_profiles iap ON iap.access_profile_id = ap.id
		WHERE iap.identity_id = ? ORDER BY ap.name COLLATE NOCASE, ap.id`, identityID)
	if err != nil {
		return nil, fmt.Errorf("list identity access profiles: %w", err)
	}
	defer func() { _ = rows.Close() }()
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
