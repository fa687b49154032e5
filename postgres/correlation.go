package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/micahq/mica"
)

// GetCorrelationConfig returns the source's correlation config, or an empty one.
func (db *DB) GetCorrelationConfig(ctx context.Context, sourceID string) (*mica.CorrelationConfig, error) {
	return getCorrelationConfig(ctx, db.pool, sourceID)
}

func getCorrelationConfig(ctx context.Context, q queryer, sourceID string) (*mica.CorrelationConfig, error) {
	var sourceName string
	if err := q.QueryRow(ctx, `SELECT name FROM sources WHERE id = $1`, sourceID).Scan(&sourceName); errors.Is(err, pgx.ErrNoRows) {
		return nil, mica.ErrNotFound(mica.KindSource, sourceID)
	} else if err != nil {
		return nil, fmt.Errorf("find source: %w", err)
	}
	c := mica.DefaultCorrelationConfig(sourceID, sourceName)
	var assignments []byte
	err := q.QueryRow(ctx, `SELECT id, name, attribute_assignments FROM correlation_configs WHERE source_id = $1`,
		sourceID).Scan(&c.ID, &c.Name, &assignments)
	if errors.Is(err, pgx.ErrNoRows) {
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
		// A concurrent first PUT may have inserted meanwhile: RETURNING gives the id that stays.
		err = tx.QueryRow(ctx, `INSERT INTO correlation_configs (source_id, id, name, attribute_assignments)
			VALUES ($1, $2, $3, $4) ON CONFLICT (source_id) DO UPDATE SET name = excluded.name,
			attribute_assignments = excluded.attribute_assignments RETURNING id`,
			c.SourceID, c.ID, c.Name, toJSON(c.AttributeAssignments)).Scan(&c.ID)
		if isForeignKeyViolation(err) {
			return mica.ErrNotFound(mica.KindSource, c.SourceID)
		} else if err != nil {
			return fmt.Errorf("put correlation config: %w", err)
		}
		return nil
	})
}

// identityColumn is the SQL over identities i of a correlation property
// (mica.IdentityField): the column mica keeps it in, else the attributes map
// (the key bound through a).
func identityColumn(property string, a *args) string {
	switch mica.IdentityField(property) {
	case mica.IdentityFieldID:
		return "i.id"
	case mica.IdentityFieldName:
		return "i.name"
	case mica.IdentityFieldAlias:
		return "i.alias"
	case mica.IdentityFieldEmail:
		return "i.email"
	case mica.IdentityFieldFirstName:
		return "i.first_name"
	case mica.IdentityFieldLastName:
		return "i.last_name"
	}
	return "(i.attributes ->> " + a.add(property) + "::text)"
}

// correlate assigns an identity to the aggregation's new and changed staged
// rows that have none, by the rule of mica.CorrelationConfig.Correlate (its
// definition, which storetest checks this SQL against): each criterion of the
// config in turn (a unique match wins; none or several go on), then the
// default: account name equals identity alias, then identity name
// (case-insensitive).
func correlate(ctx context.Context, tx *Tx, aggID string, cfg *mica.CorrelationConfig) error {
	for _, asg := range cfg.AttributeAssignments {
		fold := func(s string) string {
			if asg.IgnoreCase {
				return "lower(" + s + ")"
			}
			return s
		}
		a := args{}
		idExpr := identityColumn(asg.Property, &a)
		acct := "(r.attributes ->> " + a.add(asg.Value) + "::text)"
		agg := a.add(aggID)
		// keys: each identity key with the one identity that has it (NULL when several do).
		if _, err := tx.Exec(ctx, `UPDATE aggregation_rows r SET identity_id = m.identity_id
			FROM (SELECT k, min(identity_id) AS identity_id FROM (
					SELECT `+fold(idExpr)+` AS k, i.id AS identity_id FROM identities i
					WHERE `+idExpr+` IS NOT NULL AND `+idExpr+` <> '') keys
				GROUP BY k HAVING count(DISTINCT identity_id) = 1) m
			WHERE r.aggregation_id = `+agg+` AND r.state > 0 AND r.identity_id IS NULL
				AND `+acct+` IS NOT NULL AND m.k = `+fold(acct), a...); err != nil {
			return fmt.Errorf("correlate on %s = %s: %w", asg.Property, asg.Value, err)
		}
	}
	for _, col := range []string{"alias", "name"} {
		if _, err := tx.Exec(ctx, `UPDATE aggregation_rows r SET identity_id = m.id
			FROM (SELECT lower(i.`+col+`) AS k, min(i.id) AS id FROM identities i
				GROUP BY lower(i.`+col+`) HAVING count(*) = 1) m
			WHERE r.aggregation_id = $1 AND r.state > 0 AND r.identity_id IS NULL AND m.k = lower(r.name)`, aggID); err != nil {
			return fmt.Errorf("default correlation on %s: %w", col, err)
		}
	}
	return nil
}
