package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/micahq/mica"
	"github.com/micahq/mica/query"
)

// accountColumns reads an account (a, of accounts_view) with its source's
// owner, features and connection type and its identity's status, through
// correlated subqueries so that counting needs no join.
const accountColumns = `a.id, a.source_id, a.source_name, a.native_identity, a.name, a.uuid, a.identity_id,
	a.identity_name, a.attributes, a.authoritative, a.disabled, a.locked, a.system_account, a.uncorrelated,
	a.manually_correlated, a.has_entitlements, a.origin, a.description, a.is_machine, a.classification_method,
	a.classified_at, a.recommendation_type, a.recommendation_method, a.ground_truth, a.created, a.modified,
	(SELECT json_array(s.owner_id, s.owner_name, s.features, s.connection_type) FROM sources s WHERE s.id = a.source_id),
	(SELECT i.status FROM identities i WHERE i.id = a.identity_id)`

func scanAccount(sc interface{ Scan(...any) error }) (*mica.Account, error) {
	var a mica.Account
	var uuid, identityID, identityName, origin, desc, method, classifiedAt, recType, recMethod, truth, src, status sql.NullString
	var attrs, created, modified string
	var auth, disabled, locked, system, uncorrelated, manual, ents, machine int
	if err := sc.Scan(&a.ID, &a.SourceID, &a.SourceName, &a.NativeIdentity, &a.Name, &uuid, &identityID,
		&identityName, &attrs, &auth, &disabled, &locked, &system, &uncorrelated, &manual, &ents, &origin, &desc,
		&machine, &method, &classifiedAt, &recType, &recMethod, &truth, &created, &modified, &src, &status); err != nil {
		return nil, err
	}
	a.UUID, a.IdentityID, a.IdentityName, a.Origin, a.Description = uuid.String, identityID.String,
		identityName.String, origin.String, desc.String
	a.ClassificationMethod, a.IdentityStatus, a.GroundTruth = method.String, status.String, truth.String
	a.ClassifiedAt = parseTimePtr(classifiedAt)
	if recType.Valid && recMethod.Valid {
		a.Recommendation = &mica.Recommendation{Type: recType.String, Method: recMethod.String}
	}
	fromJSON(attrs, &a.Attributes)
	if a.Attributes == nil {
		a.Attributes = map[string]any{}
	}
	if src.Valid {
		var parts []any
		fromJSON(src.String, &parts)
		if len(parts) == 4 {
			id, _ := parts[0].(string)
			name, _ := parts[1].(string)
			features, _ := parts[2].(string)
			a.SourceConnectionType, _ = parts[3].(string)
			a.SourceOwner = mica.Ref{Type: "IDENTITY", ID: id, Name: name}
			fromJSON(features, &a.SourceFeatures)
		}
	}
	a.Authoritative, a.Disabled, a.Locked, a.SystemAccount = auth != 0, disabled != 0, locked != 0, system != 0
	a.Uncorrelated, a.ManuallyCorrelated, a.HasEntitlements, a.IsMachine = uncorrelated != 0, manual != 0, ents != 0, machine != 0
	a.Created, a.Modified = parseTime(created), parseTime(modified)
	return &a, nil
}

// CreateAccounts inserts accounts in one transaction.
func (db *DB) CreateAccounts(ctx context.Context, accounts []*mica.Account) error {
	for _, a := range accounts {
		if err := a.Validate(); err != nil {
			return err
		}
	}
	return db.update(ctx, func(tx *Tx) error {
		sources := map[string]*mica.Source{}
		names := map[string]string{}
		stmt, err := tx.PrepareContext(ctx, `INSERT INTO accounts (id, source_id, source_name, native_identity, name,
			uuid, identity_id, identity_name, attributes, authoritative, disabled, locked, system_account, uncorrelated,
			manually_correlated, has_entitlements, origin, description, ground_truth, created, modified)
			VALUES (`+placeholders(21)+`)`)
		if err != nil {
			return fmt.Errorf("prepare account insert: %w", err)
		}
		defer func() { _ = stmt.Close() }()
		var classified *sql.Stmt
		defer func() {
			if classified != nil {
				_ = classified.Close()
			}
		}()
		for _, a := range accounts {
			src, ok := sources[a.SourceID]
			if !ok {
				if src, err = scanSource(tx.QueryRowContext(ctx, `SELECT `+sourceSelect+` FROM sources s WHERE s.id = ?`,
					a.SourceID)); errors.Is(err, sql.ErrNoRows) {
					return mica.ErrRefNotFound("", mica.KindSource, a.SourceID)
				} else if err != nil {
					return fmt.Errorf("find account source: %w", err)
				}
				sources[a.SourceID] = src
			}
			name, ok := names[a.IdentityID]
			if !ok && a.IdentityID != "" {
				if err := tx.QueryRowContext(ctx, `SELECT name FROM identities WHERE id = ?`, a.IdentityID).Scan(&name); errors.Is(err, sql.ErrNoRows) {
					return mica.ErrRefNotFound("", mica.KindIdentity, a.IdentityID)
				} else if err != nil {
					return fmt.Errorf("find account identity: %w", err)
				}
				names[a.IdentityID] = name
			}
			a.FillNew(src, name)
			a.Created, a.Modified = tx.now, tx.now
			res, err := stmt.ExecContext(ctx, a.ID, a.SourceID, a.SourceName, a.NativeIdentity, a.Name,
				nullString(a.UUID), nullString(a.IdentityID), nullString(a.IdentityName), toJSON(a.Attributes),
				boolInt(a.Authoritative), boolInt(a.Disabled), boolInt(a.Locked), boolInt(a.SystemAccount),
				boolInt(a.Uncorrelated), boolInt(a.ManuallyCorrelated), boolInt(a.HasEntitlements), nullString(a.Origin),
				nullString(a.Description), nullString(a.GroundTruth), formatTime(a.Created), formatTime(a.Modified))
			if err != nil {
				if isUniqueViolation(err) {
					return mica.ErrAccountExists(src.Name, a.NativeIdentity)
				}
				return fmt.Errorf("insert account: %w", err)
			}
			if !a.IsMachine && a.ClassificationMethod == "" && a.ClassifiedAt == nil && a.Recommendation == nil {
				continue // unclassified: no classification row
			}
			rid, err := res.LastInsertId()
			if err != nil {
				return fmt.Errorf("insert account: %w", err)
			}
			if classified == nil {
				if classified, err = tx.PrepareContext(ctx, `INSERT INTO account_classifications (`+
					classificationColumnsSQL+`) VALUES (?, ?, ?, ?, ?, ?, ?)`); err != nil {
					return fmt.Errorf("prepare account insert: %w", err)
				}
			}
			var recType, recMethod any
			if a.Recommendation != nil {
				recType, recMethod = a.Recommendation.Type, a.Recommendation.Method
			}
			if _, err := classified.ExecContext(ctx, rid, boolInt(a.IsMachine), nullString(a.ClassificationMethod),
				formatTimePtr(a.ClassifiedAt), recType, recMethod, formatTime(a.Modified)); err != nil {
				return fmt.Errorf("insert account classification: %w", err)
			}
		}
		return nil
	})
}

// GetAccount returns an account by id, ENOTFOUND when there is none.
func (db *DB) GetAccount(ctx context.Context, id string) (*mica.Account, error) {
	a, err := scanAccount(db.read.QueryRowContext(ctx, `SELECT `+accountColumns+` FROM accounts_view a WHERE a.id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, mica.ErrNotFound(mica.KindAccount, id)
	} else if err != nil {
		return nil, fmt.Errorf("get account: %w", err)
	}
	return a, nil
}

func accountWhere(f mica.AccountFilter) (string, []any) {
	where, args := "", []any{}
	if f.SourceID != "" {
		where, args = "a.source_id = ?", append(args, f.SourceID)
	}
	if f.MachineOnly {
		if where != "" {
			where += " AND "
		}
		where += "a.is_machine = 1"
	}
	return where, args
}

// ListAccounts lists accounts with the standard collection parameters.
func (db *DB) ListAccounts(ctx context.Context, f mica.AccountFilter, opt mica.ListOptions) (mica.Page[*mica.Account], error) {
	where, args := accountWhere(f)
	return list(ctx, db.reads, query.Accounts, opt, "SELECT "+accountColumns, "FROM accounts_view a", where, args,
		func(r *sql.Rows) (*mica.Account, error) { return scanAccount(r) })
}

// EachAccount streams accounts in source and nativeIdentity order.
func (db *DB) EachAccount(ctx context.Context, f mica.AccountFilter, fn func(*mica.Account) error) error {
	where, args := accountWhere(f)
	if where != "" {
		where = " WHERE " + where
	}
	rows, err := db.read.QueryContext(ctx, `SELECT `+accountColumns+` FROM accounts_view a`+where+
		` ORDER BY a.source_id, a.native_identity`, args...)
	if err != nil {
		return fmt.Errorf("each account: %w", err)
	}
	defer func() { _ = rows.Close() }()
	for rows.Next() {
		a, err := scanAccount(rows)
		if err != nil {
			return fmt.Errorf("each account: %w", err)
		}
		if err := fn(a); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("each account: %w", err)
	}
	return nil
}

// CountAccountsBySource counts every source's accounts, machines and
// recommendations in one scan.
func (db *DB) CountAccountsBySource(ctx context.Context) ([]mica.SourceAccountCounts, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT a.source_id, count(*), total(c.is_machine), count(c.recommendation_type)
		FROM accounts a LEFT JOIN account_classifications c ON c.account_rid = a.rid GROUP BY a.source_id`)
	if err != nil {
		return nil, fmt.Errorf("count accounts: %w", err)
	}
	defer func() { _ = rows.Close() }()
	var out []mica.SourceAccountCounts
	for rows.Next() {
		var c mica.SourceAccountCounts
		var machines float64
		if err := rows.Scan(&c.SourceID, &c.Accounts, &machines, &c.Recommended); err != nil {
			return nil, fmt.Errorf("count accounts: %w", err)
		}
		c.Machines = int(machines)
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("count accounts: %w", err)
	}
	return out, nil
}
