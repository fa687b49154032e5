package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/micahq/mica"
	"github.com/micahq/mica/query"
)

const identityColumns = `i.id, i.name, i.alias, i.first_name, i.last_name, i.email, i.levels, i.status,
	i.manager_id, i.cloud_status, i.attributes, i.protected, i.created, i.modified`

func scanIdentity(s interface{ Scan(...any) error }) (*mica.Identity, error) {
	var i mica.Identity
	var first, last, email, status, manager, cloud sql.NullString
	var levels, attrs, created, modified string
	var protected int
	if err := s.Scan(&i.ID, &i.Name, &i.Alias, &first, &last, &email, &levels, &status, &manager, &cloud,
		&attrs, &protected, &created, &modified); err != nil {
		return nil, err
	}
	i.FirstName, i.LastName, i.Email, i.Status = first.String, last.String, email.String, status.String
	i.ManagerID, i.CloudStatus = manager.String, cloud.String
	fromJSON(levels, &i.Levels)
	fromJSON(attrs, &i.Attributes)
	i.Protected = protected != 0
	i.Created, i.Modified = parseTime(created), parseTime(modified)
	return &i, nil
}

// CreateIdentity inserts an identity, assigning its id when empty.
func (db *DB) CreateIdentity(ctx context.Context, i *mica.Identity) error {
	if err := i.Validate(); err != nil {
		return err
	}
	return db.update(ctx, func(tx *Tx) error { return createIdentity(ctx, tx, i) })
}

func createIdentity(ctx context.Context, tx *Tx, i *mica.Identity) error {
	if i.ID == "" {
		i.ID = mica.NewID()
	}
	i.FillDefaults()
	i.Created, i.Modified = tx.now, tx.now
	_, err := tx.ExecContext(ctx, `INSERT INTO identities (id, name, alias, first_name, last_name, email, levels,
		status, manager_id, cloud_status, attributes, protected, created, modified, left_day)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		i.ID, i.Name, i.Alias, nullString(i.FirstName), nullString(i.LastName), nullString(i.Email),
		toJSON(i.Levels), nullString(i.Status), nullString(i.ManagerID), nullString(i.CloudStatus),
		toJSON(i.Attributes), boolInt(i.Protected), formatTime(i.Created), formatTime(i.Modified), leftDay(i.Attributes))
	if isUniqueViolation(err) {
		return mica.ErrIdentityExists(i.ID)
	} else if err != nil {
		return fmt.Errorf("insert identity: %w", err)
	}
	return nil
}

// leftDay is an identity's left_day: NULL when its person has not left.
func leftDay(attrs map[string]any) any {
	if left, day := mica.PersonLeft(attrs); left {
		return day
	}
	return nil
}

// GetIdentity returns the identity with id, ENOTFOUND when there is none.
func (db *DB) GetIdentity(ctx context.Context, id string) (*mica.Identity, error) {
	i, err := scanIdentity(db.reads.QueryRowContext(ctx, `SELECT `+identityColumns+` FROM identities i WHERE i.id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, mica.ErrNotFound(mica.KindIdentity, id)
	} else if err != nil {
		return nil, fmt.Errorf("get identity: %w", err)
	}
	return i, nil
}

// FindIdentityByName finds an identity by id, alias or display name (case-insensitive).
func (db *DB) FindIdentityByName(ctx context.Context, name string) (*mica.Identity, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT `+identityColumns+` FROM identities i
		WHERE i.id = ? OR i.alias = ? COLLATE NOCASE OR i.name = ? COLLATE NOCASE ORDER BY i.id LIMIT 2`, name, name, name)
	if err != nil {
		return nil, fmt.Errorf("find identity: %w", err)
	}
	defer func() { _ = rows.Close() }()
	var found []*mica.Identity
	for rows.Next() {
		i, err := scanIdentity(rows)
		if err != nil {
			return nil, fmt.Errorf("find identity: %w", err)
		}
		found = append(found, i)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("find identity: %w", err)
	}
	return mica.PickIdentity(name, found)
}

// ListIdentities lists identities with the standard collection parameters.
func (db *DB) ListIdentities(ctx context.Context, opt mica.ListOptions) (mica.Page[*mica.Identity], error) {
	return list(ctx, db.reads, query.Identities, opt, "SELECT "+identityColumns, "FROM identities i", "", nil,
		func(r *sql.Rows) (*mica.Identity, error) { return scanIdentity(r) })
}
