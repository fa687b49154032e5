package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/micahq/mica"
	"github.com/micahq/mica/query"
)

const machineIdentityColumns = `mi.id, mi.name, mi.description, mi.subtype, mi.business_application, mi.native_identity,
	mi.uuid, mi.source_id, mi.source_name, mi.dataset_id, mi.environment, mi.exists_on_source, mi.attributes,
	mi.connector_attributes, mi.resource, mi.primary_owner_id, mi.primary_owner_name, mi.manually_edited,
	mi.manually_created, mi.created, mi.modified`

func scanMachineIdentity(sc interface{ Scan(...any) error }) (*mica.MachineIdentity, error) {
	var m mica.MachineIdentity
	var desc, subtype, ba, native, uuid, srcID, srcName, dataset, env, exists, resource, ownerID, ownerName sql.NullString
	var attrs, connAttrs, created, modified string
	var edited, manual int
	if err := sc.Scan(&m.ID, &m.Name, &desc, &subtype, &ba, &native, &uuid, &srcID, &srcName, &dataset, &env, &exists,
		&attrs, &connAttrs, &resource, &ownerID, &ownerName, &edited, &manual, &created, &modified); err != nil {
		return nil, err
	}
	m.Description, m.Subtype, m.BusinessApplication, m.NativeIdentity = desc.String, subtype.String, ba.String, native.String
	m.UUID, m.SourceID, m.SourceName, m.DatasetID = uuid.String, srcID.String, srcName.String, dataset.String
	m.Environment, m.ExistsOnSource = env.String, exists.String
	fromJSON(attrs, &m.Attributes)
	fromJSON(connAttrs, &m.ConnectorAttributes)
	if resource.Valid {
		fromJSON(resource.String, &m.Resource)
	}
	if ownerID.Valid {
		m.PrimaryOwner = &mica.Ref{Type: "IDENTITY", ID: ownerID.String, Name: ownerName.String}
	}
	m.ManuallyEdited, m.ManuallyCreated = edited != 0, manual != 0
	m.Created, m.Modified = parseTime(created), parseTime(modified)
	return &m, nil
}

// loadMachineIdentityParts fills the secondary owners and user entitlements of ms.
func loadMachineIdentityParts(ctx context.Context, q queryer, ms []*mica.MachineIdentity) error {
	if len(ms) == 0 {
		return nil
	}
	byID := map[string]*mica.MachineIdentity{}
	args := make([]any, len(ms))
	for i, m := range ms {
		byID[m.ID], args[i] = m, m.ID
		m.SecondaryOwners, m.UserEntitlements = []mica.Ref{}, []mica.MachineIdentityEntitlement{}
	}
	in := `(` + placeholders(len(ms)) + `)`
	rows, err := q.QueryContext(ctx, `SELECT machine_identity_id, identity_id, identity_name FROM machine_identity_owners
		WHERE machine_identity_id IN `+in+` ORDER BY machine_identity_id, position`, args...)
	if err != nil {
		return fmt.Errorf("load machine identity owners: %w", err)
	}
	for rows.Next() {
		var mid string
		var o mica.Ref
		if err := rows.Scan(&mid, &o.ID, &o.Name); err != nil {
			_ = rows.Close()
			return fmt.Errorf("load machine identity owners: %w", err)
		}
		o.Type = "IDENTITY"
		byID[mid].SecondaryOwners = append(byID[mid].SecondaryOwners, o)
	}
	if err := errors.Join(rows.Err(), rows.Close()); err != nil {
		return fmt.Errorf("load machine identity owners: %w", err)
	}
	rows, err = q.QueryContext(ctx, `SELECT machine_identity_id, source_id, source_name, entitlement_id, display_name, created
		FROM machine_identity_entitlements WHERE machine_identity_id IN `+in+` ORDER BY machine_identity_id, position`, args...)
	if err != nil {
		return fmt.Errorf("load machine identity entitlements: %w", err)
	}
	for rows.Next() {
		var mid, created string
		var e mica.MachineIdentityEntitlement
		if err := rows.Scan(&mid, &e.SourceID, &e.SourceName, &e.EntitlementID, &e.DisplayName, &created); err != nil {
			_ = rows.Close()
			return fmt.Errorf("load machine identity entitlements: %w", err)
		}
		e.Created = parseTime(created)
		byID[mid].UserEntitlements = append(byID[mid].UserEntitlements, e)
	}
	if err := errors.Join(rows.Err(), rows.Close()); err != nil {
		return fmt.Errorf("load machine identity entitlements: %w", err)
	}
	return nil
}

func getMachineIdentity(ctx context.Context, q queryer, id string) (*mica.MachineIdentity, error) {
	m, err := scanMachineIdentity(q.QueryRowContext(ctx, `SELECT `+machineIdentityColumns+` FROM machine_identities mi WHERE mi.id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
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
	return getMachineIdentity(ctx, db.read, id)
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
	if _, err := tx.ExecContext(ctx, `INSERT INTO machine_identities (id, name, description, subtype, business_application,
		native_identity, uuid, source_id, source_name, dataset_id, environment, exists_on_source, status, attributes,
		connector_attributes, resource, primary_owner_id, primary_owner_name, manually_edited, manually_created, created,
		modified) VALUES (`+placeholders(22)+`)`, machineIdentityRow(m, tx)...); err != nil {
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
		boolInt(m.ManuallyEdited), boolInt(m.ManuallyCreated), formatTime(m.Created), formatTime(tx.now)}
}

// writeMachineIdentityParts replaces the secondary owners and user
// entitlements of m and links the machine account m stands for.
func writeMachineIdentityParts(ctx context.Context, tx *Tx, m *mica.MachineIdentity) error {
	if _, err := tx.ExecContext(ctx, `DELETE FROM machine_identity_owners WHERE machine_identity_id = ?`, m.ID); err != nil {
		return fmt.Errorf("replace owners: %w", err)
	}
	for i, o := range m.SecondaryOwners {
		if _, err := tx.ExecContext(ctx, `INSERT INTO machine_identity_owners (machine_identity_id, position, identity_id,
			identity_name) VALUES (?, ?, ?, ?)`, m.ID, i, o.ID, o.Name); err != nil {
			return fmt.Errorf("insert owner: %w", err)
		}
	}
	// Entitlements kept keep their created time.
	old := map[string]string{}
	rows, err := tx.QueryContext(ctx, `SELECT source_id, entitlement_id, created FROM machine_identity_entitlements
		WHERE machine_identity_id = ?`, m.ID)
	if err != nil {
		return fmt.Errorf("read entitlements: %w", err)
	}
	for rows.Next() {
		var s, e, c string
		if err := rows.Scan(&s, &e, &c); err != nil {
			_ = rows.Close()
			return fmt.Errorf("read entitlements: %w", err)
		}
		old[s+"\x00"+e] = c
	}
	if err := errors.Join(rows.Err(), rows.Close()); err != nil {
		return fmt.Errorf("read entitlements: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM machine_identity_entitlements WHERE machine_identity_id = ?`, m.ID); err != nil {
		return fmt.Errorf("replace entitlements: %w", err)
	}
	for i := range m.UserEntitlements {
		e := &m.UserEntitlements[i]
		created, ok := old[e.SourceID+"\x00"+e.EntitlementID]
		if !ok {
			created = formatTime(tx.now)
		}
		e.Created = parseTime(created)
		if _, err := tx.ExecContext(ctx, `INSERT INTO machine_identity_entitlements (id, machine_identity_id, position,
			source_id, source_name, entitlement_id, display_name, created) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
			mica.NewID(), m.ID, i, e.SourceID, e.SourceName, e.EntitlementID, e.DisplayName, created); err != nil {
			return fmt.Errorf("insert entitlement: %w", err)
		}
	}
	if _, err := tx.ExecContext(ctx, `UPDATE accounts SET machine_identity_name = ? WHERE machine_identity_id = ?`,
		m.Name, m.ID); err != nil {
		return fmt.Errorf("rename machine identity in accounts: %w", err)
	}
	if m.SourceID != "" && m.NativeIdentity != "" {
		if _, err := tx.ExecContext(ctx, `UPDATE accounts SET machine_identity_id = ?, machine_identity_name = ?, modified = ?
			WHERE source_id = ? AND native_identity = ? AND machine_identity_id IS NULL
				AND EXISTS (SELECT 1 FROM account_classifications c WHERE c.account_rid = accounts.rid AND c.is_machine = 1)`,
			m.ID, m.Name, formatTime(tx.now), m.SourceID, m.NativeIdentity); err != nil {
			return fmt.Errorf("link machine account: %w", err)
		}
	}
	return nil
}

// ListMachineIdentities lists machine identities through the form's allowlist.
func (db *DB) ListMachineIdentities(ctx context.Context, form mica.MachineIdentityForm, opt mica.ListOptions) (mica.Page[*mica.MachineIdentity], error) {
	res := query.MachineIdentities(form)
	page, err := list(ctx, db.read, res, opt, "SELECT "+machineIdentityColumns, "FROM machine_identities mi", "", nil,
		func(r *sql.Rows) (*mica.MachineIdentity, error) { return scanMachineIdentity(r) })
	if err != nil {
		return page, err
	}
	return page, loadMachineIdentityParts(ctx, db.read, page.Items)
}

// UpdateMachineIdentity changes a machine identity in one transaction.
func (db *DB) UpdateMachineIdentity(ctx context.Context, id string, update func(m *mica.MachineIdentity) error) (*mica.MachineIdentity, error) {
	var out *mica.MachineIdentity
	err := db.update(ctx, func(tx *Tx) error {
		m, err := getMachineIdentity(ctx, tx, id)
		if err != nil {
			return err
		}
		if err := update(m); err != nil {
			return err
		}
		out, err = saveMachineIdentity(ctx, tx, id, m)
		return err
	})
	return out, err
}

func saveMachineIdentity(ctx context.Context, tx *Tx, id string, m *mica.MachineIdentity) (*mica.MachineIdentity, error) {
	m.ID = id
	if err := m.Validate(); err != nil {
		return nil, err
	}
	if err := m.ResolveRefs(refReads{ctx, tx}); err != nil {
		return nil, err
	}
	row := machineIdentityRow(m, tx)
	if _, err := tx.ExecContext(ctx, `UPDATE machine_identities SET name = ?, description = ?, subtype = ?,
		business_application = ?, native_identity = ?, uuid = ?, source_id = ?, source_name = ?, dataset_id = ?,
		environment = ?, exists_on_source = ?, status = ?, attributes = ?, connector_attributes = ?, resource = ?,
		primary_owner_id = ?, primary_owner_name = ?, manually_edited = ?, manually_created = ?, modified = ?
		WHERE id = ?`, append(row[1:20], row[21], id)...); err != nil {
		return nil, fmt.Errorf("update machine identity: %w", err)
	}
	if err := writeMachineIdentityParts(ctx, tx, m); err != nil {
		return nil, err
	}
	return getMachineIdentity(ctx, tx, id)
}

// DeleteMachineIdentity removes a machine identity; its accounts are unlinked.
func (db *DB) DeleteMachineIdentity(ctx context.Context, id string) error {
	return db.update(ctx, func(tx *Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM machine_identities WHERE id = ?`, id)
		if err != nil {
			return fmt.Errorf("delete machine identity: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return mica.ErrNotFound(mica.KindMachineIdentity, id)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE accounts SET machine_identity_id = NULL, machine_identity_name = NULL,
			modified = ? WHERE machine_identity_id = ?`, formatTime(tx.now), id); err != nil {
			return fmt.Errorf("unlink machine accounts: %w", err)
		}
		return nil
	})
}

// ListMachineIdentityEntitlements lists the user entitlements of every machine identity.
func (db *DB) ListMachineIdentityEntitlements(ctx context.Context, opt mica.ListOptions) (mica.Page[*mica.MachineIdentityEntitlementRow], error) {
	return list(ctx, db.read, query.MachineIdentityEntitlements, opt,
		"SELECT e.id, e.machine_identity_id, mi.name, e.source_id, e.source_name, e.entitlement_id, e.display_name, e.created",
		"FROM machine_identity_entitlements e JOIN machine_identities mi ON mi.id = e.machine_identity_id", "", nil,
		func(r *sql.Rows) (*mica.MachineIdentityEntitlementRow, error) {
			var e mica.MachineIdentityEntitlementRow
			var created string
			if err := r.Scan(&e.ID, &e.MachineIdentityID, &e.MachineIdentityName, &e.SourceID, &e.SourceName,
				&e.EntitlementID, &e.DisplayName, &created); err != nil {
				return nil, err
			}
			e.Created = parseTime(created)
			return &e, nil
		})
}
