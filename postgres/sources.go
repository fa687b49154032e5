package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
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

func scanSource(sc scanner) (*mica.Source, error) {
	var s mica.Source
	var cluster, workgroup, attrs, features []byte
	var ccID, ccName *string
	if err := sc.Scan(&s.ID, &s.Name, &s.Description, &s.Owner.ID, &s.Owner.Name, &cluster, &s.Type, &s.Connector,
		&s.ConnectorClass, &attrs, &s.DeleteThreshold, &s.Authoritative, &features, &s.Healthy, &s.Status,
		&s.ConnectorID, &s.ConnectorName, &s.ConnectionType, &s.ConnectorImplementationID, &workgroup,
		&s.CredentialProviderEnabled, &s.Category, &s.Created, &s.Modified, &ccID, &ccName); err != nil {
		return nil, err
	}
	if ccID != nil {
		s.AccountCorrelationConfig = &mica.Ref{Type: "ACCOUNT_CORRELATION_CONFIG", ID: *ccID, Name: str(ccName)}
	}
	s.Owner.Type = "IDENTITY"
	if cluster != nil {
		fromJSON(cluster, &s.Cluster)
	}
	if workgroup != nil {
		fromJSON(workgroup, &s.ManagementWorkgroup)
	}
	fromJSON(attrs, &s.ConnectorAttributes)
	fromJSON(features, &s.Features)
	s.Created, s.Modified = utc(s.Created), utc(s.Modified)
	return &s, nil
}

func getSource(ctx context.Context, q queryer, id string, lock bool) (*mica.Source, error) {
	sql := `SELECT ` + sourceSelect + ` FROM sources s WHERE s.id = $1`
	if lock {
		sql += ` FOR NO KEY UPDATE`
	}
	s, err := scanSource(q.QueryRow(ctx, sql, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, mica.ErrNotFound(mica.KindSource, id)
	} else if err != nil {
		return nil, fmt.Errorf("get source: %w", err)
	}
	return s, nil
}

// CreateSource inserts a source. Its owner must be an existing identity; names are unique.
func (db *DB) CreateSource(ctx context.Context, s *mica.Source) error {
	if err := s.Validate(); err != nil {
		return err
	}
	return db.update(ctx, func(tx *Tx) error { return createSource(ctx, tx, s) })
}

// identityName reads the name of identity id; missing is the error when there is none.
func identityName(ctx context.Context, q queryer, id string, missing error) (string, error) {
	var name string
	err := q.QueryRow(ctx, `SELECT name FROM identities WHERE id = $1`, id).Scan(&name)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", missing
	} else if err != nil {
		return "", fmt.Errorf("find identity: %w", err)
	}
	return name, nil
}

func createSource(ctx context.Context, tx *Tx, s *mica.Source) error {
	ownerName, err := identityName(ctx, tx, s.Owner.ID, mica.ErrRefNotFound("", mica.KindOwner, s.Owner.ID))
	if err != nil {
		return err
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
	// The unique index on lower(name) decides concurrent creates of one name.
	_, err = tx.Exec(ctx, `INSERT INTO sources (id, name, description, owner_id, owner_name, cluster, type, connector,
		connector_class, connector_attributes, delete_threshold, authoritative, features, healthy, status,
		connector_id, connector_name, connection_type, connector_implementation_id, management_workgroup,
		credential_provider_enabled, category, created, modified, management_workgroup_id)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22,
		$23, $24, $25)`,
		s.ID, s.Name, s.Description, s.Owner.ID, s.Owner.Name, toJSONOrNull(s.Cluster), s.Type, s.Connector,
		s.ConnectorClass, toJSON(s.ConnectorAttributes), s.DeleteThreshold, s.Authoritative, toJSON(s.Features),
		s.Healthy, s.Status, s.ConnectorID, s.ConnectorName, s.ConnectionType, s.ConnectorImplementationID,
		toJSONOrNull(s.ManagementWorkgroup), s.CredentialProviderEnabled, s.Category, s.Created, s.Modified, workgroupID)
	if isUniqueViolation(err) {
		return mica.ErrSourceNameTaken(s.Name)
	} else if err != nil {
		return fmt.Errorf("insert source: %w", err)
	}
	return nil
}

// GetSource returns a source by id, ENOTFOUND when there is none.
func (db *DB) GetSource(ctx context.Context, id string) (*mica.Source, error) {
	return getSource(ctx, db.pool, id, false)
}

// FindSourceByName finds a source by id or name (case-insensitive).
func (db *DB) FindSourceByName(ctx context.Context, name string) (*mica.Source, error) {
	s, err := scanSource(db.pool.QueryRow(ctx, `SELECT `+sourceSelect+` FROM sources s
		WHERE s.id = $1 OR lower(s.name) = lower($1) ORDER BY s.id = $1 DESC LIMIT 1`, name))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, mica.ErrNotFound(mica.KindSource, name)
	} else if err != nil {
		return nil, fmt.Errorf("find source: %w", err)
	}
	return s, nil
}

// ListSources lists sources with the standard collection parameters.
func (db *DB) ListSources(ctx context.Context, opt mica.ListOptions) (mica.Page[*mica.Source], error) {
	return list(ctx, db.pool, query.Sources, opt, "SELECT "+sourceSelect, "FROM sources s", "", nil,
		func(r pgx.Rows) (*mica.Source, error) { return scanSource(r) })
}

// UpdateSource loads (and locks) a source, lets update change it, checks the
// change (mica.Source.CheckUpdate; the owner must exist and the name stay
// unique) and saves it, all in one transaction. A new name is copied to the
// source's accounts and access profiles.
func (db *DB) UpdateSource(ctx context.Context, id string, update func(s *mica.Source) error) (*mica.Source, error) {
	var out *mica.Source
	err := db.update(ctx, func(tx *Tx) error {
		cur, err := getSource(ctx, tx, id, true)
		if err != nil {
			return err
		}
		next := *cur
		if err := update(&next); err != nil {
			return err
		}
		s := &next
		if err := s.CheckUpdate(cur); err != nil {
			return err
		}
		ownerName, err := identityName(ctx, tx, s.Owner.ID, mica.ErrRefNotFound("", mica.KindOwner, s.Owner.ID))
		if err != nil {
			return err
		}
		s.Owner = mica.Ref{Type: "IDENTITY", ID: s.Owner.ID, Name: ownerName}
		s.Modified = tx.now
		var workgroupID any
		if s.ManagementWorkgroup != nil {
			workgroupID = s.ManagementWorkgroup.ID
		}
		_, err = tx.Exec(ctx, `UPDATE sources SET name = $1, description = $2, owner_id = $3, owner_name = $4,
			cluster = $5, connector_attributes = $6, delete_threshold = $7, features = $8, management_workgroup = $9,
			management_workgroup_id = $10, credential_provider_enabled = $11, category = $12, modified = $13 WHERE id = $14`,
			s.Name, s.Description, s.Owner.ID, s.Owner.Name, toJSONOrNull(s.Cluster), toJSON(s.ConnectorAttributes),
			s.DeleteThreshold, toJSON(s.Features), toJSONOrNull(s.ManagementWorkgroup), workgroupID,
			s.CredentialProviderEnabled, s.Category, s.Modified, s.ID)
		if isUniqueViolation(err) {
			return mica.ErrSourceNameTaken(s.Name)
		} else if err != nil {
			return fmt.Errorf("update source: %w", err)
		}
		if cur.Name != s.Name {
			if _, err := tx.Exec(ctx, `UPDATE accounts SET source_name = $1 WHERE source_id = $2`, s.Name, s.ID); err != nil {
				return fmt.Errorf("rename source in accounts: %w", err)
			}
			if _, err := tx.Exec(ctx, `UPDATE access_profiles SET source_name = $1 WHERE source_id = $2`, s.Name, s.ID); err != nil {
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
// assignments), correlation config, aggregations, classification config and
// jobs go with it through ON DELETE CASCADE references; its source apps are detached.
func (db *DB) DeleteSource(ctx context.Context, id string) error {
	return db.update(ctx, func(tx *Tx) error {
		tag, err := tx.Exec(ctx, `DELETE FROM sources WHERE id = $1`, id)
		if isForeignKeyViolation(err) {
			return mica.ErrSourceInUse(id)
		} else if err != nil {
			return fmt.Errorf("delete source: %w", err)
		}
		if tag.RowsAffected() == 0 {
			return mica.ErrNotFound(mica.KindSource, id)
		}
		return nil
	})
}
