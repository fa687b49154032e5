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

// Machine accounts: the accounts classified as machines, read and updated
// with their machine-account fields.

const machineAccountColumns = `a.id, a.source_id, a.source_name, a.native_identity, a.name, a.uuid, a.identity_id,
	a.identity_name, a.attributes, a.authoritative, a.disabled, a.locked, a.system_account, a.uncorrelated,
	a.manually_correlated, a.has_entitlements, a.origin, a.description, a.is_machine, a.classification_method,
	a.classified_at, a.recommendation_type, a.recommendation_method, a.created, a.modified,
	a.environment, a.subtype, a.access_type, a.owner_identity_id, a.owner_identity_name, a.manually_edited,
	a.machine_attributes, a.machine_identity_id, a.machine_identity_name`

func scanMachineAccount(s interface{ Scan(...any) error }) (*mica.Account, error) {
	var a mica.Account
	var uuid, identityID, identityName, origin, desc, method, classified, recType, recMethod sql.NullString
	var attrs, created, modified string
	var auth, disabled, locked, system, uncorrelated, manual, ents, machine, edited int
	var env, subtype, access, ownerID, ownerName, machineAttrs, miID, miName sql.NullString
	if err := s.Scan(&a.ID, &a.SourceID, &a.SourceName, &a.NativeIdentity, &a.Name, &uuid, &identityID, &identityName,
		&attrs, &auth, &disabled, &locked, &system, &uncorrelated, &manual, &ents, &origin, &desc, &machine, &method,
		&classified, &recType, &recMethod, &created, &modified, &env, &subtype, &access, &ownerID, &ownerName, &edited,
		&machineAttrs, &miID, &miName); err != nil {
		return nil, err
	}
	if miID.Valid {
		a.MachineIdentity = &mica.Ref{Type: "MACHINE_IDENTITY", ID: miID.String, Name: miName.String}
	}
	a.Environment, a.Subtype, a.AccessType, a.ManuallyEdited = env.String, subtype.String, access.String, edited != 0
	if ownerID.Valid {
		a.OwnerIdentity = &mica.Ref{Type: "IDENTITY", ID: ownerID.String, Name: ownerName.String}
	}
	if machineAttrs.Valid {
		fromJSON(machineAttrs.String, &a.MachineAttributes)
	}
	a.UUID, a.IdentityID, a.IdentityName, a.Origin, a.Description = uuid.String, identityID.String, identityName.String, origin.String, desc.String
	fromJSON(attrs, &a.Attributes)
	a.Authoritative, a.Disabled, a.Locked, a.SystemAccount = auth != 0, disabled != 0, locked != 0, system != 0
	a.Uncorrelated, a.ManuallyCorrelated, a.HasEntitlements, a.IsMachine = uncorrelated != 0, manual != 0, ents != 0, machine != 0
	a.ClassificationMethod, a.ClassifiedAt = method.String, parseTimePtr(classified)
	if recType.Valid && recMethod.Valid {
		a.Recommendation = &mica.Recommendation{Type: recType.String, Method: recMethod.String}
	}
	a.Created, a.Modified = parseTime(created), parseTime(modified)
	return &a, nil
}

func (db *DB) getAccountForMachine(ctx context.Context, id string, machineOnly bool) (*mica.Account, error) {
	q := `SELECT ` + machineAccountColumns + ` FROM accounts_view a WHERE a.id = ?`
	if machineOnly {
		q += ` AND a.is_machine = 1`
	}
	a, err := scanMachineAccount(db.read.QueryRowContext(ctx, q, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, mica.ErrNotFound(mica.KindMachineAccount, id)
	} else if err != nil {
		return nil, fmt.Errorf("get account: %w", err)
	}
	return a, nil
}

// GetMachineAccount returns an account classified as a machine.
func (db *DB) GetMachineAccount(ctx context.Context, id string) (*mica.Account, error) {
	return db.getAccountForMachine(ctx, id, true)
}

// UpdateMachineAccount changes a machine account's MachineAccount fields in one transaction.
func (db *DB) UpdateMachineAccount(ctx context.Context, id string, update func(a *mica.Account) error) (*mica.Account, error) {
	err := db.update(ctx, func(tx *Tx) error {
		a, err := scanMachineAccount(tx.QueryRowContext(ctx, `SELECT `+machineAccountColumns+` FROM accounts_view a
			WHERE a.id = ? AND a.is_machine = 1`, id))
		if errors.Is(err, sql.ErrNoRows) {
			return mica.ErrNotFound(mica.KindMachineAccount, id)
		} else if err != nil {
			return fmt.Errorf("get machine account: %w", err)
		}
		before, method := a.Subtype, a.ClassificationMethod
		if err := update(a); err != nil {
			return err
		}
		if err := a.ResolveMachineRefs(before, refReads{ctx, tx}); err != nil {
			return err
		}
		var ownerID, ownerName any
		if a.OwnerIdentity != nil {
			ownerID, ownerName = a.OwnerIdentity.ID, a.OwnerIdentity.Name
		}
		_, err = tx.ExecContext(ctx, `UPDATE accounts SET description = ?, native_identity = ?, uuid = ?, environment = ?,
			subtype = ?, access_type = ?, owner_identity_id = ?, owner_identity_name = ?, manually_edited = ?,
			manually_correlated = ?, disabled = ?, locked = ?, has_entitlements = ?,
			attributes = ?, machine_attributes = ?, modified = ? WHERE id = ?`,
			nullString(a.Description), a.NativeIdentity, nullString(a.UUID), nullString(a.Environment),
			nullString(a.Subtype), nullString(a.AccessType), ownerID, ownerName, boolInt(a.ManuallyEdited),
			boolInt(a.ManuallyCorrelated), boolInt(a.Disabled), boolInt(a.Locked), boolInt(a.HasEntitlements),
			toJSON(a.Attributes), toJSONOrNull(a.MachineAttributes), formatTime(tx.now), id)
		if err != nil {
			if strings.Contains(err.Error(), "UNIQUE") {
				return mica.ErrNativeIdentityTaken(a.NativeIdentity)
			}
			return fmt.Errorf("update machine account: %w", err)
		}
		if a.ClassificationMethod != method { // a machine account has a classification row
			if _, err := tx.ExecContext(ctx, `UPDATE account_classifications SET classification_method = ?, modified = ?
				WHERE account_rid = (SELECT rid FROM accounts WHERE id = ?)`,
				nullString(a.ClassificationMethod), formatTime(tx.now), id); err != nil {
				return fmt.Errorf("update machine account: %w", err)
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return db.getAccountForMachine(ctx, id, true)
}

// ListMachineAccounts lists the accounts classified as machines.
//
// A page is read one of two ways. When machines are a small share of the
// accounts (with a filter, which may match few: under half), from the
// machines' rids (the partial index of migration 0017), each joined to its
// account and then sorted: the cost follows the number of machines. When
// they are most accounts, by walking the accounts in the page's order and
// skipping the others: the cost follows offset+limit divided by the
// machines' share. machinesFirst picks the cheaper from a sample. A count
// without a filter counts the machines' index alone: every classification
// row has its account (its foreign key cascades).
func (db *DB) ListMachineAccounts(ctx context.Context, opt mica.ListOptions) (mica.Page[*mica.Account], error) {
	first, err := db.machinesFirst(ctx, opt)
	if err != nil {
		return mica.Page[*mica.Account]{Total: -1}, err
	}
	return db.listMachineAccounts(ctx, opt, first)
}

// listMachineAccounts is ListMachineAccounts read from the machines first or
// not, as first says.
func (db *DB) listMachineAccounts(ctx context.Context, opt mica.ListOptions, first bool) (mica.Page[*mica.Account], error) {
	scan := func(r *sql.Rows) (*mica.Account, error) { return scanMachineAccount(r) }
	total := -1
	if opt.Count && opt.Filters == "" {
		if err := db.reads.QueryRowContext(ctx, `SELECT count(*) FROM account_classifications
			WHERE is_machine = 1`).Scan(&total); err != nil {
			return mica.Page[*mica.Account]{Total: -1}, fmt.Errorf("count machine-accounts: %w", err)
		}
		opt.Count = false
	}
	var page mica.Page[*mica.Account]
	var err error
	if first {
		page, err = listKeyed(ctx, db.reads, query.MachineAccounts, opt, "SELECT "+machineAccountColumns, "a.rid",
			"FROM accounts_view a", "FROM classified_accounts_view a", "a.is_machine = 1", nil, scan)
	} else {
		page, err = list(ctx, db.reads, query.MachineAccounts, opt, "SELECT "+machineAccountColumns,
			"FROM accounts_view a", "a.is_machine = 1", nil, scan)
	}
	if total >= 0 && err == nil {
		page.Total = total
	}
	return page, err
}

// machinesFirst reports whether a page of machine accounts is cheaper read
// from the machines' rids than by walking the accounts in the page's order.
// It samples the machines' share d among 512 accounts (mica's ids are
// random, so the first ones are as good as any) and takes the highest rid as the number
// of accounts n: walking costs about (offset+limit)/d lookups, starting from
// the machines about d*n. With a filter (which may match few) walking may
// read every account, so machines first whenever they are under half.
func (db *DB) machinesFirst(ctx context.Context, opt mica.ListOptions) (bool, error) {
	var n, sampled, machines float64
	if err := db.reads.QueryRowContext(ctx, `SELECT coalesce((SELECT max(rid) FROM accounts), 0), count(*),
		count(c.account_rid) FROM (SELECT rid FROM accounts ORDER BY id LIMIT 512) x
		LEFT JOIN account_classifications c ON c.account_rid = x.rid AND c.is_machine = 1`).Scan(&n, &sampled,
		&machines); err != nil {
		return false, fmt.Errorf("sample machine accounts: %w", err)
	}
	if sampled == 0 {
		return false, nil
	}
	d := machines / sampled
	if opt.Filters != "" {
		return d < 0.5, nil
	}
	return d == 0 || float64(opt.Offset+opt.Limit)/d > d*n, nil
}
