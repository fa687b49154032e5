package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/micahq/mica"
	"github.com/micahq/mica/query"
)

// accountColumns reads an account (a, of accounts_view: the account with its
// classification) with its source's owner, features and connection type and
// its identity's status, through correlated subqueries so that counting needs
// no join.
const accountColumns = `a.id, a.source_id, a.source_name, a.native_identity, a.name, a.uuid, a.identity_id,
	a.identity_name, a.attributes, a.authoritative, a.disabled, a.locked, a.system_account, a.uncorrelated,
	a.manually_correlated, a.has_entitlements, a.origin, a.description, a.is_machine, a.classification_method,
	a.classified_at, a.recommendation_type, a.recommendation_method, a.ground_truth, a.created, a.modified,
	(SELECT jsonb_build_array(s.owner_id, s.owner_name, s.features, s.connection_type) FROM sources s WHERE s.id = a.source_id),
	(SELECT i.status FROM identities i WHERE i.id = a.identity_id)`

func scanAccount(sc scanner) (*mica.Account, error) {
	var a mica.Account
	var uuid, identityID, identityName, origin, desc, method, recType, recMethod, truth, status *string
	var attrs, src []byte
	if err := sc.Scan(&a.ID, &a.SourceID, &a.SourceName, &a.NativeIdentity, &a.Name, &uuid, &identityID,
		&identityName, &attrs, &a.Authoritative, &a.Disabled, &a.Locked, &a.SystemAccount, &a.Uncorrelated,
		&a.ManuallyCorrelated, &a.HasEntitlements, &origin, &desc, &a.IsMachine, &method, &a.ClassifiedAt, &recType,
		&recMethod, &truth, &a.Created, &a.Modified, &src, &status); err != nil {
		return nil, err
	}
	a.UUID, a.IdentityID, a.IdentityName, a.Origin, a.Description = str(uuid), str(identityID), str(identityName),
		str(origin), str(desc)
	a.ClassificationMethod, a.IdentityStatus, a.GroundTruth = str(method), str(status), str(truth)
	a.ClassifiedAt = utcPtr(a.ClassifiedAt)
	if recType != nil && recMethod != nil {
		a.Recommendation = &mica.Recommendation{Type: *recType, Method: *recMethod}
	}
	fromJSON(attrs, &a.Attributes)
	if a.Attributes == nil {
		a.Attributes = map[string]any{}
	}
	if src != nil {
		var parts []any
		fromJSON(src, &parts)
		if len(parts) == 4 {
			id, _ := parts[0].(string)
			name, _ := parts[1].(string)
			a.SourceConnectionType, _ = parts[3].(string)
			a.SourceOwner = mica.Ref{Type: "IDENTITY", ID: id, Name: name}
			if features, ok := parts[2].([]any); ok {
				for _, f := range features {
					if s, ok := f.(string); ok {
						a.SourceFeatures = append(a.SourceFeatures, s)
					}
				}
			}
		}
	}
	a.Created, a.Modified = utc(a.Created), utc(a.Modified)
	return &a, nil
}

// insertBatch is how many rows one pgx batch (one round trip) carries.
const insertBatch = 1000

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
		for start := 0; start < len(accounts); start += insertBatch {
			chunk := accounts[start:min(start+insertBatch, len(accounts))]
			b := &pgx.Batch{}
			for _, a := range chunk {
				src, ok := sources[a.SourceID]
				if !ok {
					var err error
					if src, err = getSource(ctx, tx, a.SourceID, false); mica.ErrorCode(err) == mica.ENOTFOUND {
						return mica.ErrRefNotFound("", mica.KindSource, a.SourceID)
					} else if err != nil {
						return fmt.Errorf("find account source: %w", err)
					}
					sources[a.SourceID] = src
				}
				name, ok := names[a.IdentityID]
				if !ok && a.IdentityID != "" {
					var err error
					if name, err = identityName(ctx, tx, a.IdentityID, mica.ErrRefNotFound("", mica.KindIdentity, a.IdentityID)); err != nil {
						return err
					}
					names[a.IdentityID] = name
				}
				a.FillNew(src, name)
				a.Created, a.Modified = tx.now, tx.now
				b.Queue(`INSERT INTO accounts (id, source_id, source_name, native_identity, name,
					uuid, identity_id, identity_name, attributes, authoritative, disabled, locked, system_account, uncorrelated,
					manually_correlated, has_entitlements, origin, description, ground_truth, created, modified)
					VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21)`,
					a.ID, a.SourceID, a.SourceName, a.NativeIdentity, a.Name,
					nullString(a.UUID), nullString(a.IdentityID), nullString(a.IdentityName), toJSON(a.Attributes),
					a.Authoritative, a.Disabled, a.Locked, a.SystemAccount, a.Uncorrelated, a.ManuallyCorrelated,
					a.HasEntitlements, nullString(a.Origin), nullString(a.Description),
					nullString(a.GroundTruth), a.Created, a.Modified)
			}
			br := tx.SendBatch(ctx, b)
			for _, a := range chunk {
				if _, err := br.Exec(); err != nil {
					_ = br.Close()
					if isUniqueViolation(err) {
						return mica.ErrAccountExists(sources[a.SourceID].Name, a.NativeIdentity)
					}
					return fmt.Errorf("insert account: %w", err)
				}
			}
			if err := br.Close(); err != nil {
				return fmt.Errorf("insert accounts: %w", err)
			}
			// Accounts created classified (seeds, restores) get their classification's row.
			var states []classificationState
			for _, a := range chunk {
				if classified(a) {
					states = append(states, classificationState{id: a.ID, isMachine: a.IsMachine,
						method: a.ClassificationMethod, classifiedAt: utcPtr(a.ClassifiedAt), rec: a.Recommendation})
				}
			}
			if err := putClassifications(ctx, tx, states); err != nil {
				return err
			}
		}
		return nil
	})
}

// GetAccount returns an account by id, ENOTFOUND when there is none.
func (db *DB) GetAccount(ctx context.Context, id string) (*mica.Account, error) {
	a, err := scanAccount(db.pool.QueryRow(ctx, `SELECT `+accountColumns+` FROM accounts_view a WHERE a.id = $1`, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, mica.ErrNotFound(mica.KindAccount, id)
	} else if err != nil {
		return nil, fmt.Errorf("get account: %w", err)
	}
	return a, nil
}

func accountWhere(f mica.AccountFilter) (string, args) {
	where, a := "", args{}
	if f.SourceID != "" {
		where = "a.source_id = " + a.add(f.SourceID)
	}
	if f.MachineOnly {
		if where != "" {
			where += " AND "
		}
		where += "a.is_machine"
	}
	return where, a
}

// accountsFrom is the view an account filter reads: machine accounts alone
// start from their index (machine_accounts_view).
func accountsFrom(f mica.AccountFilter) string {
	if f.MachineOnly {
		return "FROM machine_accounts_view a"
	}
	return "FROM accounts_view a"
}

// ListAccounts lists accounts with the standard collection parameters.
func (db *DB) ListAccounts(ctx context.Context, f mica.AccountFilter, opt mica.ListOptions) (mica.Page[*mica.Account], error) {
	where, a := accountWhere(f)
	return list(ctx, db.pool, query.Accounts, opt, "SELECT "+accountColumns, accountsFrom(f), where, a,
		func(r pgx.Rows) (*mica.Account, error) { return scanAccount(r) })
}

// EachAccount streams accounts in source and nativeIdentity order.
func (db *DB) EachAccount(ctx context.Context, f mica.AccountFilter, fn func(*mica.Account) error) error {
	where, a := accountWhere(f)
	if where != "" {
		where = " WHERE " + where
	}
	// COLLATE "C" orders by bytes, as the SQLite store does, whatever the database's collation.
	rows, err := db.pool.Query(ctx, `SELECT `+accountColumns+` `+accountsFrom(f)+where+
		` ORDER BY a.source_id, a.native_identity COLLATE "C"`, a...)
	if err != nil {
		return fmt.Errorf("each account: %w", err)
	}
	defer rows.Close()
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
	rows, err := db.pool.Query(ctx, `SELECT a.source_id, count(*), count(*) FILTER (WHERE c.is_machine),
		count(c.recommendation_type) FROM accounts a LEFT JOIN account_classifications c ON c.account_id = a.id
		GROUP BY a.source_id`)
	if err != nil {
		return nil, fmt.Errorf("count accounts: %w", err)
	}
	defer rows.Close()
	var out []mica.SourceAccountCounts
	for rows.Next() {
		var c mica.SourceAccountCounts
		if err := rows.Scan(&c.SourceID, &c.Accounts, &c.Machines, &c.Recommended); err != nil {
			return nil, fmt.Errorf("count accounts: %w", err)
		}
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("count accounts: %w", err)
	}
	return out, nil
}
