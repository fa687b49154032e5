package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/micahq/mica"
	"github.com/micahq/mica/query"
)

const machineIdentityColumns = `mi.id, mi.name, mi.description, mi.subtype, mi.business_application, mi.native_identity,
	mi.uuid, mi.source_id, mi.source_name, mi.dataset_id, mi.environment, mi.exists_on_source, mi.attributes,
	mi.connector_attributes, mi.resource, mi.primary_owner_id, mi.primary_owner_name, mi.manually_edited,
	mi.manually_created, mi.created, mi.modified`

func scanMachineIdentity(sc scanner) (*mica.MachineIdentity, error) {
	var m mica.MachineIdentity
	var desc, subtype, ba, native, uuid, srcID, srcName, dataset, env, exists, ownerID, ownerName *string
	var attrs, connAttrs, resource []byte
	if err := sc.Scan(&m.ID, &m.Name, &desc, &subtype, &ba, &native, &uuid, &srcID, &srcName, &dataset, &env, &exists,
		&attrs, &connAttrs, &resource, &ownerID, &ownerName, &m.ManuallyEdited, &m.ManuallyCreated, &m.Created, &m.Modified); err != nil {
		return nil, err
	}
	m.Description, m.Subtype, m.BusinessApplication, m.NativeIdentity = str(desc), str(subtype), str(ba), str(native)
	m.UUID, m.SourceID, m.SourceName, m.DatasetID = str(uuid), str(srcID), str(srcName), str(dataset)
	m.Environment, m.ExistsOnSource = str(env), str(exists)
	fromJSON(attrs, &m.Attributes)
	fromJSON(connAttrs, &m.ConnectorAttributes)
	if resource != nil {
		fromJSON(resource, &m.Resource)
	}
	if ownerID != nil {
		m.PrimaryOwner = &mica.Ref{Type: "IDENTITY", ID: *ownerID, Name: str(ownerName)}
	}
	m.Created, m.Modified = utc(m.Created), utc(m.Modified)
	return &m, nil
}

// loadMachineIdentityParts fills the secondary owners and user entitlements of ms.
func loadMachineIdentityParts(ctx context.Context, q queryer, ms []*mica.MachineIdentity) error {
	if len(ms) == 0 {
		return nil
	}
	byID := map[string]*mica.MachineIdentity{}
	ids := make([]string, len(ms))
	for i, m := range ms {
		byID[m.ID], ids[i] = m, m.ID
		m.SecondaryOwners, m.UserEntitlements = []mica.Ref{}, []mica.MachineIdentityEntitlement{}
	}
	rows, err := q.Query(ctx, `SELECT machine_identity_id, identity_id, identity_name FROM machine_identity_owners
		WHERE machine_identity_id = ANY($1) ORDER BY machine_identity_id, position`, ids)
	if err != nil {
		return fmt.Errorf("load machine identity owners: %w", err)
	}
	for rows.Next() {
		var mid string
		var o mica.Ref
		if err := rows.Scan(&mid, &o.ID, &o.Name); err != nil {
			rows.Close()
			return fmt.Errorf("load machine identity owners: %w", err)
		}
		o.Type = "IDENTITY"
		byID[mid].SecondaryOwners = append(byID[mid].SecondaryOwners, o)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("load machine identity owners: %w", err)
	}
	rows, err = q.Query(ctx, `SELECT machine_identity_id, source_id, source_name, entitlement_id, display_name, created
		FROM machine_identity_entitlements WHERE machine_identity_id = ANY($1) ORDER BY machine_identity_id, position`, ids)
	if err != nil {
		return fmt.Errorf("load machine identity entitlements: %w", err)
	}
	for rows.Next() {
		var mid string
		var e mica.MachineIdentityEntitlement
		if err := rows.Scan(&mid, &e.SourceID, &e.SourceName, &e.EntitlementID, &e.DisplayName, &e.Created); err != nil {
			rows.Close()
			return fmt.Errorf("load machine identity entitlements: %w", err)
		}
		e.Created = utc(e.Created)
		byID[mid].UserEntitlements = append(byID[mid].UserEntitlements, e)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("load machine identity entitlements: %w", err)
	}
	return nil
}

func getMachineIdentity(ctx context.Context, q queryer, id string, lock bool) (*mica.MachineIdentity, error) {
	sql := `SELECT ` + machineIdentityColumns + ` FROM machine_identities mi WHERE mi.id = $1`
	if lock {
		sql += ` FOR UPDATE`
	}
	m, err := scanMachineIdentity(q.QueryRow(ctx, sql, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, mica.ErrNotFound(mica.KindMachineIdentity, id)
	} else if err != nil {
		return nil, fmt.Errorf("get machine identity: %w", err)
	}
	if err := loadMachineIdentityParts(ctx, q, []*mica.MachineIdentity{m}); err != nil {
		return nil, err
	}
	return m, nil
}

// GetMachineIdentity returns a machine identity with its owners and user entitlements.
func (db *DB) GetMachineIdentity(ctx context.Context, id string) (*mica.MachineIdentity, error) {
	return getMachineIdentity(ctx, db.pool, id, false)
}

// CreateMachineIdentity inserts a machine identity whose references all exist.
func (db *DB) CreateMachineIdentity(ctx context.Context, m *mica.MachineIdentity) error {
	if err := m.Validate(); err != nil {
		return err
	}
	return db.update(ctx, func(tx *Tx) error { return createMachineIdentity(ctx, tx, m) })
}

func createMachineIdentity(ctx context.Context, tx *Tx, m *mica.MachineIdentity) error {
	m.ID, m.Created, m.Modified = mica.NewUUID(), tx.now, tx.now
	if err := m.ResolveRefs(refReads{ctx, tx}); err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, `INSERT INTO machine_identities (id, name, description, subtype, business_application,
		native_identity, uuid, source_id, source_name, dataset_id, environment, exists_on_source, status, attributes,
		connector_attributes, resource, primary_owner_id, primary_owner_name, manually_edited, manually_created, created,
		modified) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22)`,
		machineIdentityRow(m, tx)...); err != nil {
		return fmt.Errorf("insert machine identity: %w", err)
	}
	return writeMachineIdentityParts(ctx, tx, m)
}

func machineIdentityRow(m *mica.MachineIdentity, tx *Tx) []any {
	var ownerID, ownerName any
	if m.PrimaryOwner != nil {
		ownerID, ownerName = m.PrimaryOwner.ID, m.PrimaryOwner.Name
	}
	if m.Attributes == nil {
		m.Attributes = map[string]any{}
	}
	if m.ConnectorAttributes == nil {
		m.ConnectorAttributes = map[string]any{}
	}
	// businessApplication and nativeIdentity are shown as "" when unset (they
	// are required members), so they are stored so and filter so.
	return []any{m.ID, m.Name, nullString(m.Description), nullString(m.Subtype), m.BusinessApplication, m.NativeIdentity, nullString(m.UUID), nullString(m.SourceID), nullString(m.SourceName),
		nullString(m.DatasetID), nullString(m.Environment), nullString(m.ExistsOnSource), nullString(m.Status()),
		toJSON(m.Attributes), toJSON(m.ConnectorAttributes), toJSONOrNull(m.Resource), ownerID, ownerName,
		m.ManuallyEdited, m.ManuallyCreated, m.Created, tx.now}
}

// writeMachineIdentityParts replaces the secondary owners and user
// entitlements of m and links the machine account m stands for.
func writeMachineIdentityParts(ctx context.Context, tx *Tx, m *mica.MachineIdentity) error {
	if _, err := tx.Exec(ctx, `DELETE FROM machine_identity_owners WHERE machine_identity_id = $1`, m.ID); err != nil {
		return fmt.Errorf("replace owners: %w", err)
	}
	for i, o := range m.SecondaryOwners {
		if _, err := tx.Exec(ctx, `INSERT INTO machine_identity_owners (machine_identity_id, position, identity_id,
			identity_name) VALUES ($1, $2, $3, $4)`, m.ID, i, o.ID, o.Name); err != nil {
			return fmt.Errorf("insert owner: %w", err)
		}
	}
	// Entitlements kept keep their created time.
	rows, err := tx.Query(ctx, `DELETE FROM machine_identity_entitlements WHERE machine_identity_id = $1
		RETURNING source_id, entitlement_id, created`, m.ID)
	if err != nil {
		return fmt.Errorf("replace entitlements: %w", err)
	}
	old := map[string]any{}
	for rows.Next() {
		var s, e string
		var c any
		if err := rows.Scan(&s, &e, &c); err != nil {
			rows.Close()
			return fmt.Errorf("replace entitlements: %w", err)
		}
		old[s+"\x00"+e] = c
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("replace entitlements: %w", err)
	}
	for i := range m.UserEntitlements {
		e := &m.UserEntitlements[i]
		created := any(tx.now)
		if c, ok := old[e.SourceID+"\x00"+e.EntitlementID]; ok {
			created = c
		}
		if err := tx.QueryRow(ctx, `INSERT INTO machine_identity_entitlements (id, machine_identity_id, position,
			source_id, source_name, entitlement_id, display_name, created) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
			RETURNING created`, mica.NewID(), m.ID, i, e.SourceID, e.SourceName, e.EntitlementID, e.DisplayName,
			created).Scan(&e.Created); err != nil {
			return fmt.Errorf("insert entitlement: %w", err)
		}
		e.Created = utc(e.Created)
	}
	if _, err := tx.Exec(ctx, `UPDATE accounts SET machine_identity_name = $1 WHERE machine_identity_id = $2
		AND machine_identity_name IS DISTINCT FROM $1`, m.Name, m.ID); err != nil {
		return fmt.Errorf("rename machine identity in accounts: %w", err)
	}
	if m.SourceID != "" && m.NativeIdentity != "" {
		if _, err := tx.Exec(ctx, `UPDATE accounts SET machine_identity_id = $1, machine_identity_name = $2, modified = $3
			WHERE source_id = $4 AND native_identity = $5 AND machine_identity_id IS NULL
				AND EXISTS (SELECT 1 FROM account_classifications c WHERE c.account_id = accounts.id AND c.is_machine)`,
			m.ID, m.Name, tx.now, m.SourceID, m.NativeIdentity); err != nil {
			return fmt.Errorf("link machine account: %w", err)
		}
	}
	return nil
}

// ListMachineIdentities lists machine identities through the form's allowlist.
func (db *DB) ListMachineIdentities(ctx context.Context, form mica.MachineIdentityForm, opt mica.ListOptions) (mica.Page[*mica.MachineIdentity], error) {
	page, err := list(ctx, db.pool, query.MachineIdentities(form), opt, "SELECT "+machineIdentityColumns,
		"FROM machine_identities mi", "", nil, func(r pgx.Rows) (*mica.MachineIdentity, error) { return scanMachineIdentity(r) })
	if err != nil {
		return page, err
	}
	return page, loadMachineIdentityParts(ctx, db.pool, page.Items)
}

// UpdateMachineIdentity changes a machine identity in one transaction.
func (db *DB) UpdateMachineIdentity(ctx context.Context, id string, update func(m *mica.MachineIdentity) error) (*mica.MachineIdentity, error) {
	var out *mica.MachineIdentity
	err := db.update(ctx, func(tx *Tx) error {
		m, err := getMachineIdentity(ctx, tx, id, true)
		if err != nil {
			return err
		}
		if err := update(m); err != nil {
			return err
		}
		m.ID = id
		if err := m.Validate(); err != nil {
			return err
		}
		if err := m.ResolveRefs(refReads{ctx, tx}); err != nil {
			return err
		}
		row := machineIdentityRow(m, tx)
		if _, err := tx.Exec(ctx, `UPDATE machine_identities SET name = $2, description = $3, subtype = $4,
			business_application = $5, native_identity = $6, uuid = $7, source_id = $8, source_name = $9, dataset_id = $10,
			environment = $11, exists_on_source = $12, status = $13, attributes = $14, connector_attributes = $15,
			resource = $16, primary_owner_id = $17, primary_owner_name = $18, manually_edited = $19, manually_created = $20,
			modified = $21 WHERE id = $1`, append(row[:20:20], row[21])...); err != nil {
			return fmt.Errorf("update machine identity: %w", err)
		}
		if err := writeMachineIdentityParts(ctx, tx, m); err != nil {
			return err
		}
		out, err = getMachineIdentity(ctx, tx, id, false)
		return err
	})
	return out, err
}

// DeleteMachineIdentity removes a machine identity; its accounts are unlinked.
func (db *DB) DeleteMachineIdentity(ctx context.Context, id string) error {
	return db.update(ctx, func(tx *Tx) error {
		tag, err := tx.Exec(ctx, `DELETE FROM machine_identities WHERE id = $1`, id)
		if err != nil {
			return fmt.Errorf("delete machine identity: %w", err)
		}
		if tag.RowsAffected() == 0 {
			return mica.ErrNotFound(mica.KindMachineIdentity, id)
		}
		if _, err := tx.Exec(ctx, `UPDATE accounts SET machine_identity_id = NULL, machine_identity_name = NULL,
			modified = $1 WHERE machine_identity_id = $2`, tx.now, id); err != nil {
			return fmt.Errorf("unlink machine accounts: %w", err)
		}
		return nil
	})
}

// ListMachineIdentityEntitlements lists the user entitlements of every machine identity.
func (db *DB) ListMachineIdentityEntitlements(ctx context.Context, opt mica.ListOptions) (mica.Page[*mica.MachineIdentityEntitlementRow], error) {
	return list(ctx, db.pool, query.MachineIdentityEntitlements, opt,
		"SELECT e.id, e.machine_identity_id, mi.name, e.source_id, e.source_name, e.entitlement_id, e.display_name, e.created",
		"FROM machine_identity_entitlements e JOIN machine_identities mi ON mi.id = e.machine_identity_id", "", nil,
		func(r pgx.Rows) (*mica.MachineIdentityEntitlementRow, error) {
			var e mica.MachineIdentityEntitlementRow
			if err := r.Scan(&e.ID, &e.MachineIdentityID, &e.MachineIdentityName, &e.SourceID, &e.SourceName,
				&e.EntitlementID, &e.DisplayName, &e.Created); err != nil {
				return nil, err
			}
			e.Created = utc(e.Created)
			return &e, nil
		})
}
