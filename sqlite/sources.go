package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/micahq/mica"
	"github.com/micahq/mica/query"
)

const sourceColumns = `s.id, s.name, s.description, s.owner_id, s.owner_name, s.cluster, s.type, s.connector,
	s.connector_class, s.connector_attributes, s.delete_threshold, s.authoritative, s.features, s.healthy, s.status,
	s.connector_id, s.connector_name, s.connection_type, s.connector_implementation_id, s.management_workgroup,
	s.credential_provider_enabled, s.category, s.created, s.modified`

// sourceSelect reads a source with its correlation config's id and name.
const sourceSelect = sourceColumns + `,
	(SELECT cc.id FROM correlation_configs cc WHERE cc.source_id = s.id),
	(SELECT cc.name FROM correlation_configs cc WHERE cc.source_id = s.id)`

func scanSource(sc interface{ Scan(...any) error }) (*mica.Source, error) {
	var s mica.Source
	var cluster, workgroup, category, ccID, ccName sql.NullString
	var attrs, features, created, modified string
	var authoritative, healthy, credProvider int
	if err := sc.Scan(&s.ID, &s.Name, &s.Description, &s.Owner.ID, &s.Owner.Name, &cluster, &s.Type, &s.Connector,
		&s.ConnectorClass, &attrs, &s.DeleteThreshold, &authoritative, &features, &healthy, &s.Status,
		&s.ConnectorID, &s.ConnectorName, &s.ConnectionType, &s.ConnectorImplementationID, &workgroup,
		&credProvider, &category, &created, &modified, &ccID, &ccName); err != nil {
		return nil, err
	}
	if ccID.Valid {
		s.AccountCorrelationConfig = &mica.Ref{Type: "ACCOUNT_CORRELATION_CONFIG", ID: ccID.String, Name: ccName.String}
	}
	s.Owner.Type = "IDENTITY"
	if cluster.Valid {
		fromJSON(cluster.String, &s.Cluster)
	}
	if workgroup.Valid {
		fromJSON(workgroup.String, &s.ManagementWorkgroup)
	}
	if category.Valid {
		s.Category = &category.String
	}
	fromJSON(attrs, &s.ConnectorAttributes)
	fromJSON(features, &s.Features)
	s.Authoritative, s.Healthy, s.CredentialProviderEnabled = authoritative != 0, healthy != 0, credProvider != 0
	s.Created, s.Modified = parseTime(created), parseTime(modified)
	return &s, nil
}

// CreateSource inserts a source. Its owner must be an existing identity; names are unique.
func (db *DB) CreateSource(ctx context.Context, s *mica.Source) error {
	if err := s.Validate(); err != nil {
		return err
	}
	return db.update(ctx, func(tx *Tx) error { return createSource(ctx, tx, s) })
}

func createSource(ctx context.Context, tx *Tx, s *mica.Source) error {
	var ownerName string
	err := tx.QueryRowContext(ctx, `SELECT name FROM identities WHERE id = ?`, s.Owner.ID).Scan(&ownerName)
	if errors.Is(err, sql.ErrNoRows) {
		return mica.ErrRefNotFound("", mica.KindOwner, s.Owner.ID)
	} else if err != nil {
		return fmt.Errorf("find source owner: %w", err)
	}
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM sources WHERE name = ? COLLATE NOCASE`, s.Name).Scan(&n); err != nil {
		return fmt.Errorf("check source name: %w", err)
	} else if n > 0 {
		return mica.ErrSourceNameTaken(s.Name)
	}
	if s.ID == "" {
		s.ID = mica.NewID()
	}
	s.Owner = mica.Ref{Type: "IDENTITY", ID: s.Owner.ID, Name: ownerName}
	s.FillDefaults()
	s.Created, s.Modified = tx.now, tx.now
	var workgroupID any
	if s.ManagementWorkgroup != nil {
		workgroupID = s.ManagementWorkgroup.ID
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO sources (`+strings.ReplaceAll(sourceColumns, "s.", "")+`,
		management_workgroup_id) VALUES (`+placeholders(25)+`)`,
		s.ID, s.Name, s.Description, s.Owner.ID, s.Owner.Name, toJSONOrNull(s.Cluster), s.Type, s.Connector,
		s.ConnectorClass, toJSON(s.ConnectorAttributes), s.DeleteThreshold, boolInt(s.Authoritative), toJSON(s.Features),
		boolInt(s.Healthy), s.Status, s.ConnectorID, s.ConnectorName, s.ConnectionType, s.ConnectorImplementationID,
		toJSONOrNull(s.ManagementWorkgroup), boolInt(s.CredentialProviderEnabled), s.Category,
		formatTime(s.Created), formatTime(s.Modified), workgroupID)
	if err != nil {
		return fmt.Errorf("insert source: %w", err)
	}
	return nil
}

// GetSource returns a source by id, ENOTFOUND when there is none.
func (db *DB) GetSource(ctx context.Context, id string) (*mica.Source, error) {
	s, err := scanSource(db.read.QueryRowContext(ctx, `SELECT `+sourceSelect+` FROM sources s WHERE s.id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, mica.ErrNotFound(mica.KindSource, id)
	} else if err != nil {
		return nil, fmt.Errorf("get source: %w", err)
	}
	return s, nil
}

// FindSourceByName finds a source by id or name (case-insensitive).
func (db *DB) FindSourceByName(ctx context.Context, name string) (*mica.Source, error) {
	s, err := scanSource(db.read.QueryRowContext(ctx, `SELECT `+sourceSelect+` FROM sources s
		WHERE s.id = ? OR s.name = ? COLLATE NOCASE LIMIT 1`, name, name))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, mica.ErrNotFound(mica.KindSource, name)
	} else if err != nil {
		return nil, fmt.Errorf("find source: %w", err)
	}
	return s, nil
}

// ListSources lists sources with the standard collection parameters.
func (db *DB) ListSources(ctx context.Context, opt mica.ListOptions) (mica.Page[*mica.Source], error) {
	return list(ctx, db.reads, query.Sources, opt, "SELECT "+sourceSelect, "FROM sources s", "", nil,
		func(r *sql.Rows) (*mica.Source, error) { return scanSource(r) })
}

// UpdateSource loads a source, lets update change it, checks the change
// (mica.Source.CheckUpdate; the owner must exist and the name stay unique) and
// saves it, all in one transaction. A new name is copied to the source's
// accounts and access profiles.
func (db *DB) UpdateSource(ctx context.Context, id string, update func(s *mica.Source) error) (*mica.Source, error) {
	var out *mica.Source
	err := db.update(ctx, func(tx *Tx) error {
		cur, err := scanSource(tx.QueryRowContext(ctx, `SELECT `+sourceSelect+` FROM sources s WHERE s.id = ?`, id))
		if errors.Is(err, sql.ErrNoRows) {
			return mica.ErrNotFound(mica.KindSource, id)
		} else if err != nil {
			return fmt.Errorf("get source: %w", err)
		}
		next := *cur
		if err := update(&next); err != nil {
			return err
		}
		s := &next
		if err := s.CheckUpdate(cur); err != nil {
			return err
		}
		var ownerName string
		if err := tx.QueryRowContext(ctx, `SELECT name FROM identities WHERE id = ?`, s.Owner.ID).Scan(&ownerName); errors.Is(err, sql.ErrNoRows) {
			return mica.ErrRefNotFound("", mica.KindOwner, s.Owner.ID)
		} else if err != nil {
			return fmt.Errorf("find source owner: %w", err)
		}
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM sources WHERE name = ? COLLATE NOCASE AND id <> ?`,
			s.Name, s.ID).Scan(&n); err != nil {
			return fmt.Errorf("check source name: %w", err)
		} else if n > 0 {
			return mica.ErrSourceNameTaken(s.Name)
		}
		s.Owner = mica.Ref{Type: "IDENTITY", ID: s.Owner.ID, Name: ownerName}
		s.Modified = tx.now
		var workgroupID any
		if s.ManagementWorkgroup != nil {
			workgroupID = s.ManagementWorkgroup.ID
		}
		if _, err := tx.ExecContext(ctx, `UPDATE sources SET name = ?, description = ?, owner_id = ?, owner_name = ?,
			cluster = ?, connector_attributes = ?, delete_threshold = ?, features = ?, management_workgroup = ?,
			management_workgroup_id = ?, credential_provider_enabled = ?, category = ?, modified = ? WHERE id = ?`,
			s.Name, s.Description, s.Owner.ID, s.Owner.Name, toJSONOrNull(s.Cluster), toJSON(s.ConnectorAttributes),
			s.DeleteThreshold, toJSON(s.Features), toJSONOrNull(s.ManagementWorkgroup), workgroupID,
			boolInt(s.CredentialProviderEnabled), s.Category, formatTime(s.Modified), s.ID); err != nil {
			return fmt.Errorf("update source: %w", err)
		}
		if cur.Name != s.Name {
			if _, err := tx.ExecContext(ctx, `UPDATE accounts SET source_name = ? WHERE source_id = ?`, s.Name, s.ID); err != nil {
				return fmt.Errorf("rename source in accounts: %w", err)
			}
			if _, err := tx.ExecContext(ctx, `UPDATE access_profiles SET source_name = ? WHERE source_id = ?`, s.Name, s.ID); err != nil {
				return fmt.Errorf("rename source in access profiles: %w", err)
			}
		}
		out = s
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// DeleteSource removes a source. Its accounts, access profiles (and their
// assignments), correlation config and aggregations go with it through ON DELETE
// CASCADE references, as do later tables that refer to sources the same way.
func (db *DB) DeleteSource(ctx context.Context, id string) error {
	return db.update(ctx, func(tx *Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM sources WHERE id = ?`, id)
		if isForeignKeyViolation(err) {
			return mica.ErrSourceInUse(id)
		} else if err != nil {
			return fmt.Errorf("delete source: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return mica.ErrNotFound(mica.KindSource, id)
		}
		return nil
	})
}
