package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/micahq/mica"
)

// GetCorrelationConfig returns the source's correlation config, or an empty one.
func (db *DB) GetCorrelationConfig(ctx context.Context, sourceID string) (*mica.CorrelationConfig, error) {
	return getCorrelationConfig(ctx, db.read, sourceID)
}

func getCorrelationConfig(ctx context.Context, q queryer, sourceID string) (*mica.CorrelationConfig, error) {
	var sourceName string
	if err := q.QueryRowContext(ctx, `SELECT name FROM sources WHERE id = ?`, sourceID).Scan(&sourceName); errors.Is(err, sql.ErrNoRows) {
		return nil, mica.ErrNotFound(mica.KindSource, sourceID)
	} else if err != nil {
		return nil, fmt.Errorf("find source: %w", err)
	}
	c := mica.DefaultCorrelationConfig(sourceID, sourceName)
	var assignments string
	err := q.QueryRowContext(ctx, `SELECT id, name, attribute_assignments FROM correlation_configs WHERE source_id = ?`,
		sourceID).Scan(&c.ID, &c.Name, &assignments)
	if errors.Is(err, sql.ErrNoRows) {
		return c, nil
	} else if err != nil {
		return nil, fmt.Errorf("get correlation config: %w", err)
	}
	fromJSON(assignments, &c.AttributeAssignments)
	if c.AttributeAssignments == nil {
		c.AttributeAssignments = []mica.CorrelationAssignment{}
	}
	return c, nil
}

// PutCorrelationConfig replaces the source's correlation config, keeping its id.
func (db *DB) PutCorrelationConfig(ctx context.Context, c *mica.CorrelationConfig) error {
	if err := c.Validate(); err != nil {
		return err
	}
	return db.update(ctx, func(tx *Tx) error {
		cur, err := getCorrelationConfig(ctx, tx, c.SourceID)
		if err != nil {
			return err
		}
		c.Replaces(cur)
		if _, err := tx.ExecContext(ctx, `INSERT INTO correlation_configs (source_id, id, name, attribute_assignments)
			VALUES (?, ?, ?, ?) ON CONFLICT (source_id) DO UPDATE SET name = excluded.name,
			attribute_assignments = excluded.attribute_assignments`,
			c.SourceID, c.ID, c.Name, toJSON(c.AttributeAssignments)); err != nil {
			return fmt.Errorf("put correlation config: %w", err)
		}
		return nil
	})
}

// identityColumn is the SQL over identities i of a correlation property
// (mica.IdentityField): the column mica keeps it in, else the attributes map.
func identityColumn(property string) (expr string, args []any) {
	switch mica.IdentityField(property) {
	case mica.IdentityFieldID:
		return "i.id", nil
	case mica.IdentityFieldName:
		return "i.name", nil
	case mica.IdentityFieldAlias:
		return "i.alias", nil
	case mica.IdentityFieldEmail:
		return "i.email", nil
	case mica.IdentityFieldFirstName:
		return "i.first_name", nil
	case mica.IdentityFieldLastName:
		return "i.last_name", nil
	}
	return "CAST(json_extract(i.attributes, ?) AS TEXT)", []any{jsonPath(property)}
}

// jsonPath is the SQLite JSON path of a top-level key (validated to hold no quotes).
func jsonPath(key string) string { return `$."` + key + `"` }
