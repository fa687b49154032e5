package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/micahq/mica"
	"github.com/micahq/mica/query"
)

// assignedSQL is the assignment rule in SQL, for speed; its definition is
// mica.SourceApp.AssignedTo, and storetest checks this SQL against it on
// random tenants. An enabled source app (alias sa) is assigned to an identity
// when the identity has an account on the app's accountSource and either
// matchAllAccounts is true or the identity holds at least one of the app's
// access profiles. ident is the SQL expression of the identity id (a column).
// A detached app (no accountSource) matches nobody.
func assignedSQL(ident string) string {
	return `(sa.enabled
		AND EXISTS (SELECT 1 FROM accounts asg_a WHERE asg_a.identity_id = ` + ident + `
			AND asg_a.source_id = sa.account_source_id)
		AND (sa.match_all_accounts OR EXISTS (SELECT 1 FROM source_app_access_profiles asg_sap
			JOIN identity_access_profiles asg_iap ON asg_iap.access_profile_id = asg_sap.access_profile_id
			WHERE asg_sap.source_app_id = sa.id AND asg_iap.identity_id = ` + ident + `)))`
}

const sourceAppColumns = `sa.id, sa.name, sa.description, sa.enabled, sa.provision_request_enabled,
	sa.match_all_accounts, sa.app_center_enabled, sa.use_for_password_management, sa.account_source_id, src.name,
	sa.owner_id, own.name, sa.created, sa.modified`

// sourceAppJoins resolve the names of an app's source and owner at read time.
const sourceAppJoins = ` LEFT JOIN sources src ON src.id = sa.account_source_id
	LEFT JOIN identities own ON own.id = sa.owner_id`

func scanSourceApp(sc scanner) (*mica.SourceApp, error) {
	var a mica.SourceApp
	var srcID, srcName, ownerID, ownerName *string
	if err := sc.Scan(&a.ID, &a.Name, &a.Description, &a.Enabled, &a.ProvisionRequestEnabled, &a.MatchAllAccounts,
		&a.AppCenterEnabled, &a.UseForPasswordManagement, &srcID, &srcName, &ownerID, &ownerName,
		&a.Created, &a.Modified); err != nil {
		return nil, err
	}
	if srcID != nil {
		a.AccountSource = &mica.Ref{Type: "SOURCE", ID: *srcID, Name: str(srcName)}
	}
	if ownerID != nil {
		a.Owner = &mica.Ref{Type: "IDENTITY", ID: *ownerID, Name: str(ownerName)}
	}
	a.Created, a.Modified = utc(a.Created), utc(a.Modified)
	return &a, nil
}

// getSourceApp reads one app with its access profiles through q (the pool or a
// transaction); with lock, the app's row stays locked until the transaction ends.
func getSourceApp(ctx context.Context, q queryer, id string, lock bool) (*mica.SourceApp, error) {
	sql := `SELECT ` + sourceAppColumns + ` FROM source_apps sa` + sourceAppJoins + ` WHERE sa.id = $1`
	if lock {
		sql += ` FOR UPDATE OF sa`
	}
	a, err := scanSourceApp(q.QueryRow(ctx, sql, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, mica.ErrNotFound(mica.KindSourceApp, id)
	} else if err != nil {
		return nil, fmt.Errorf("get source app: %w", err)
	}
	rows, err := q.Query(ctx, `SELECT access_profile_id FROM source_app_access_profiles
		WHERE source_app_id = $1 ORDER BY position, access_profile_id`, id)
	if err != nil {
		return nil, fmt.Errorf("get source app access profiles: %w", err)
	}
	defer rows.Close()
	a.AccessProfiles = []string{}
	for rows.Next() {
		var ap string
		if err := rows.Scan(&ap); err != nil {
			return nil, fmt.Errorf("scan source app access profile: %w", err)
		}
		a.AccessProfiles = append(a.AccessProfiles, ap)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("get source app access profiles: %w", err)
	}
	return a, nil
}

func writeSourceAppAccessProfiles(ctx context.Context, tx *Tx, a *mica.SourceApp) error {
	if _, err := tx.Exec(ctx, `DELETE FROM source_app_access_profiles WHERE source_app_id = $1`, a.ID); err != nil {
		return fmt.Errorf("clear source app access profiles: %w", err)
	}
	if len(a.AccessProfiles) == 0 {
		return nil
	}
	if _, err := tx.Exec(ctx, `INSERT INTO source_app_access_profiles (source_app_id, access_profile_id, position)
		SELECT $1, ap.id, ap.pos - 1 FROM unnest($2::text[]) WITH ORDINALITY AS ap(id, pos)`,
		a.ID, a.AccessProfiles); err != nil {
		return fmt.Errorf("link source app access profiles: %w", err)
	}
	return nil
}

func sourceAppSourceID(a *mica.SourceApp) any {
	if a.AccountSource == nil {
		return nil
	}
	return a.AccountSource.ID
}

// CreateSourceApp inserts a source app, assigning its id when empty. Its
// accountSource is required and, like its owner and access profiles, must exist.
func (db *DB) CreateSourceApp(ctx context.Context, a *mica.SourceApp) error {
	if err := a.ValidateNew(); err != nil {
		return err
	}
	return db.update(ctx, func(tx *Tx) error {
		if a.ID == "" {
			a.ID = mica.NewID()
		} else if err := sourceAppExists(ctx, tx, a.ID); err == nil {
			return mica.ErrSourceAppExists(a.ID)
		} else if mica.ErrorCode(err) != mica.ENOTFOUND {
			return err
		}
		if err := a.ResolveRefs(refReads{ctx, tx}); err != nil {
			return err
		}
		a.Created, a.Modified = tx.now, tx.now
		_, err := tx.Exec(ctx, `INSERT INTO source_apps (id, name, description, enabled,
			provision_request_enabled, match_all_accounts, app_center_enabled, use_for_password_management,
			account_source_id, owner_id, created, modified) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
			a.ID, a.Name, a.Description, a.Enabled, a.ProvisionRequestEnabled, a.MatchAllAccounts, a.AppCenterEnabled,
			a.UseForPasswordManagement, sourceAppSourceID(a), a.Owner.ID, a.Created, a.Modified)
		switch {
		case isUniqueViolation(err):
			return mica.ErrSourceAppExists(a.ID)
		case isForeignKeyViolation(err):
			return mica.ErrSourceAppRefsGone()
		case err != nil:
			return fmt.Errorf("insert source app: %w", err)
		}
		return writeSourceAppAccessProfiles(ctx, tx, a)
	})
}

// GetSourceApp returns a source app with its access profiles.
func (db *DB) GetSourceApp(ctx context.Context, id string) (*mica.SourceApp, error) {
	return getSourceApp(ctx, db.pool, id, false)
}

// UpdateSourceApps changes apps in one transaction: each is loaded (and locked),
// changed by update, validated and saved; the first error rolls every change back.
func (db *DB) UpdateSourceApps(ctx context.Context, ids []string, update func(a *mica.SourceApp) error) ([]*mica.SourceApp, error) {
	var out []*mica.SourceApp
	err := db.update(ctx, func(tx *Tx) error {
		out = out[:0]
		for _, id := range ids {
			a, err := getSourceApp(ctx, tx, id, true)
			if err != nil {
				return err
			}
			created := a.Created
			if err := update(a); err != nil {
				return err
			}
			if err := a.CheckUpdate(id, created); err != nil {
				return err
			}
			if err := a.ResolveRefs(refReads{ctx, tx}); err != nil {
				return err
			}
			a.Modified = tx.now
			_, err = tx.Exec(ctx, `UPDATE source_apps SET name = $1, description = $2, enabled = $3,
				provision_request_enabled = $4, match_all_accounts = $5, app_center_enabled = $6,
				use_for_password_management = $7, account_source_id = $8, owner_id = $9, modified = $10 WHERE id = $11`,
				a.Name, a.Description, a.Enabled, a.ProvisionRequestEnabled, a.MatchAllAccounts, a.AppCenterEnabled,
				a.UseForPasswordManagement, sourceAppSourceID(a), a.Owner.ID, a.Modified, a.ID)
			if isForeignKeyViolation(err) {
				return mica.ErrSourceAppRefsGone()
			} else if err != nil {
				return fmt.Errorf("update source app: %w", err)
			}
			if err := writeSourceAppAccessProfiles(ctx, tx, a); err != nil {
				return err
			}
			out = append(out, a)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// DeleteSourceApp deletes a source app and returns it as it was.
func (db *DB) DeleteSourceApp(ctx context.Context, id string) (*mica.SourceApp, error) {
	var a *mica.SourceApp
	err := db.update(ctx, func(tx *Tx) error {
		var err error
		if a, err = getSourceApp(ctx, tx, id, true); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `DELETE FROM source_apps WHERE id = $1`, id); err != nil {
			return fmt.Errorf("delete source app: %w", err)
		}
		return nil
	})
	return a, err
}

func scanSourceAppRow(r pgx.Rows) (*mica.SourceApp, error) { return scanSourceApp(r) }

// ListSourceApps lists every source app (listAllSourceApp).
func (db *DB) ListSourceApps(ctx context.Context, opt mica.ListOptions) (mica.Page[*mica.SourceApp], error) {
	return list(ctx, db.pool, query.SourceAppsAll, opt, "SELECT "+sourceAppColumns,
		"FROM source_apps sa"+sourceAppJoins, "", nil, scanSourceAppRow)
}

// ListAvailableSourceApps lists the apps open to access requests: enabled,
// provisionRequestEnabled and appCenterEnabled.
func (db *DB) ListAvailableSourceApps(ctx context.Context, opt mica.ListOptions) (mica.Page[*mica.SourceApp], error) {
	return list(ctx, db.pool, query.SourceAppsAvailable, opt, "SELECT "+sourceAppColumns,
		"FROM source_apps sa"+sourceAppJoins,
		"sa.enabled AND sa.provision_request_enabled AND sa.app_center_enabled", nil, scanSourceAppRow)
}

// ListSourceAppAccessProfiles lists the access profiles of an app.
func (db *DB) ListSourceAppAccessProfiles(ctx context.Context, appID string, opt mica.ListOptions) (mica.Page[*mica.AppAccessProfile], error) {
	if err := sourceAppExists(ctx, db.pool, appID); err != nil {
		return mica.Page[*mica.AppAccessProfile]{Total: -1}, err
	}
	return list(ctx, db.pool, query.SourceAppAccessProfiles, opt,
		`SELECT ap.id, ap.name, ap.description, ap.owner_id, ap.source_id, COALESCE(aps.name, ap.source_name),
			ap.enabled, ap.requestable, ap.entitlements, ap.segments, ap.created, ap.modified, sa.id, sa.name`,
		`FROM source_app_access_profiles sap JOIN access_profiles ap ON ap.id = sap.access_profile_id
			JOIN source_apps sa ON sa.id = sap.source_app_id LEFT JOIN sources aps ON aps.id = ap.source_id`,
		"sap.source_app_id = $1", []any{appID}, scanAppAccessProfile)
}

func scanAppAccessProfile(r pgx.Rows) (*mica.AppAccessProfile, error) {
	var p mica.AppAccessProfile
	var entitlements, segments []byte
	if err := r.Scan(&p.ID, &p.Name, &p.Description, &p.OwnerID, &p.SourceID, &p.SourceName, &p.Enabled, &p.Requestable,
		&entitlements, &segments, &p.Created, &p.Modified, &p.AppID, &p.AppName); err != nil {
		return nil, err
	}
	p.Entitlements = jsonIDs(entitlements)
	p.Segments = jsonIDs(segments)
	p.Created, p.Modified = utc(p.Created), utc(p.Modified)
	return &p, nil
}

// jsonIDs reads a JSON array of ids or of references ({"id": ...}) as ids.
func jsonIDs(b []byte) []string {
	var raw []any
	fromJSON(b, &raw)
	out := []string{}
	for _, v := range raw {
		switch x := v.(type) {
		case string:
			out = append(out, x)
		case map[string]any:
			if id, ok := x["id"].(string); ok {
				out = append(out, id)
			}
		}
	}
	return out
}

func sourceAppExists(ctx context.Context, q queryer, id string) error {
	var n int
	if err := q.QueryRow(ctx, `SELECT count(*) FROM source_apps WHERE id = $1`, id).Scan(&n); err != nil {
		return fmt.Errorf("find source app: %w", err)
	} else if n == 0 {
		return mica.ErrNotFound(mica.KindSourceApp, id)
	}
	return nil
}

// RemoveSourceAppAccessProfiles unlinks access profiles from an app; ids it does not have are ignored.
func (db *DB) RemoveSourceAppAccessProfiles(ctx context.Context, appID string, ids []string) error {
	return db.update(ctx, func(tx *Tx) error {
		if err := sourceAppExists(ctx, tx, appID); err != nil {
			return err
		}
		if len(ids) == 0 {
			return nil
		}
		tag, err := tx.Exec(ctx, `DELETE FROM source_app_access_profiles WHERE source_app_id = $1
			AND access_profile_id = ANY($2)`, appID, ids)
		if err != nil {
			return fmt.Errorf("remove source app access profiles: %w", err)
		}
		if tag.RowsAffected() > 0 {
			if _, err := tx.Exec(ctx, `UPDATE source_apps SET modified = $1 WHERE id = $2`, tx.now, appID); err != nil {
				return fmt.Errorf("touch source app: %w", err)
			}
		}
		return nil
	})
}

// userAppFrom is the user-app relation (alias ua): one row per identity and source
// app that assignedSQL matches, with the account the identity chose for it (while
// that account is still the identity's, on the app's source) or else its first
// account there. Its id is mica.UserAppID, md5 of "identity:app". With owner
// non-empty (a placeholder), the relation is restricted to that identity.
func userAppFrom(owner string) string {
	ownerCond := ""
	if owner != "" {
		ownerCond = " AND i.id = " + owner
	}
	return `FROM (SELECT md5(i.id || ':' || sa.id) AS id, i.id AS owner_id, i.name AS owner_name,
			i.alias AS owner_alias, sa.id AS source_app_id, sa.name AS source_app_name,
			sa.account_source_id AS source_id, src.name AS source_name,
			sa.use_for_password_management AS use_for_password_management,
			sa.provision_request_enabled AS provision_request_enabled, sa.app_center_enabled AS app_center_enabled,
			COALESCE(
				(SELECT c.account_id FROM user_app_accounts c JOIN accounts ca ON ca.id = c.account_id
					AND ca.identity_id = i.id AND ca.source_id = sa.account_source_id
					WHERE c.identity_id = i.id AND c.source_app_id = sa.id),
				(SELECT da.id FROM accounts da WHERE da.identity_id = i.id AND da.source_id = sa.account_source_id
					ORDER BY da.created, da.id LIMIT 1)) AS account_id,
			(SELECT count(*) FROM accounts ma WHERE ma.identity_id = i.id AND ma.source_id = sa.account_source_id) AS account_count,
			GREATEST(sa.created, (SELECT min(fa.created) FROM accounts fa WHERE fa.identity_id = i.id
				AND fa.source_id = sa.account_source_id)) AS created,
			sa.modified AS app_modified,
			(SELECT c2.modified FROM user_app_accounts c2 WHERE c2.identity_id = i.id
				AND c2.source_app_id = sa.id) AS choice_modified
		FROM source_apps sa JOIN sources src ON src.id = sa.account_source_id
		JOIN identities i ON i.id IN (SELECT ia.identity_id FROM accounts ia WHERE ia.source_id = sa.account_source_id)` + ownerCond + `
		WHERE ` + assignedSQL("i.id") + `) ua
		LEFT JOIN accounts uacc ON uacc.id = ua.account_id`
}

const userAppColumns = `SELECT ua.id, ua.owner_id, ua.owner_name, ua.owner_alias, ua.source_app_id, ua.source_app_name,
	ua.source_id, ua.source_name, ua.use_for_password_management, ua.provision_request_enabled, ua.app_center_enabled,
	ua.account_id, uacc.name, ua.account_count, ua.created, GREATEST(ua.created, ua.app_modified, ua.choice_modified)`

func scanUserApp(sc scanner) (*mica.UserApp, error) {
	var u mica.UserApp
	var accountID, accountName *string
	var accounts int64
	if err := sc.Scan(&u.ID, &u.Owner.ID, &u.Owner.Name, &u.Owner.Alias, &u.SourceApp.ID, &u.SourceApp.Name,
		&u.Source.ID, &u.Source.Name, &u.UseForPasswordManagement, &u.ProvisionRequestEnabled, &u.AppCenterEnabled,
		&accountID, &accountName, &accounts, &u.Created, &u.Modified); err != nil {
		return nil, err
	}
	u.SourceApp.Type, u.Source.Type = "APPLICATION", "SOURCE"
	if accountID != nil {
		u.Account = &mica.Ref{Type: "ACCOUNT", ID: *accountID, Name: str(accountName)}
	}
	u.HasMultipleAccounts = accounts > 1
	u.Created, u.Modified = utc(u.Created), utc(u.Modified)
	return &u, nil
}

// ListUserApps lists the user apps of ownerID (listOwnedUserApps), or of every
// identity when ownerID is "" (listAllUserApps, which has the ownerId filter).
func (db *DB) ListUserApps(ctx context.Context, ownerID string, opt mica.ListOptions) (mica.Page[*mica.UserApp], error) {
	scan := func(r pgx.Rows) (*mica.UserApp, error) { return scanUserApp(r) }
	if ownerID == "" {
		return list(ctx, db.pool, query.UserAppsAll, opt, userAppColumns, userAppFrom(""), "", nil, scan)
	}
	return list(ctx, db.pool, query.UserApps, opt, userAppColumns, userAppFrom("$1::text"), "", []any{ownerID}, scan)
}

func getUserApp(ctx context.Context, q queryer, id string) (*mica.UserApp, error) {
	u, err := scanUserApp(q.QueryRow(ctx, userAppColumns+" "+userAppFrom("")+" WHERE ua.id = $1", id))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, mica.ErrNotFound(mica.KindUserApp, id)
	} else if err != nil {
		return nil, fmt.Errorf("get user app: %w", err)
	}
	return u, nil
}

// GetUserApp returns a user app while its source app is assigned to its owner.
func (db *DB) GetUserApp(ctx context.Context, id string) (*mica.UserApp, error) {
	return getUserApp(ctx, db.pool, id)
}

// SetUserAppAccount records the account a user app uses: one of the owner's accounts on the app's source.
func (db *DB) SetUserAppAccount(ctx context.Context, id, accountID string) (*mica.UserApp, error) {
	var u *mica.UserApp
	err := db.update(ctx, func(tx *Tx) error {
		cur, err := getUserApp(ctx, tx, id)
		if err != nil {
			return err
		}
		var identityID *string
		var sourceID string
		err = tx.QueryRow(ctx, `SELECT identity_id, source_id FROM accounts WHERE id = $1 FOR SHARE`, accountID).
			Scan(&identityID, &sourceID)
		if errors.Is(err, pgx.ErrNoRows) {
			return mica.ErrRefNotFound("account", mica.KindAccount, accountID)
		} else if err != nil {
			return fmt.Errorf("find user app account: %w", err)
		}
		if err := cur.CheckAccount(accountID, str(identityID), sourceID); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `INSERT INTO user_app_accounts (identity_id, source_app_id, account_id,
			created, modified) VALUES ($1, $2, $3, $4, $4) ON CONFLICT (identity_id, source_app_id)
			DO UPDATE SET account_id = excluded.account_id, modified = excluded.modified`,
			cur.Owner.ID, cur.SourceApp.ID, accountID, tx.now)
		if isForeignKeyViolation(err) {
			return mica.ErrNotFound(mica.KindUserApp, id)
		} else if err != nil {
			return fmt.Errorf("set user app account: %w", err)
		}
		u, err = getUserApp(ctx, tx, id)
		return err
	})
	if err != nil {
		return nil, err
	}
	return u, nil
}

// ListUserAppAccounts lists the accounts the owner of a user app has on the app's source.
func (db *DB) ListUserAppAccounts(ctx context.Context, id string, opt mica.ListOptions) (mica.Page[*mica.AppAccount], error) {
	page := mica.Page[*mica.AppAccount]{Total: -1, Items: []*mica.AppAccount{}}
	u, err := getUserApp(ctx, db.pool, id)
	if err != nil {
		return page, err
	}
	const where = ` FROM accounts a LEFT JOIN sources s ON s.id = a.source_id WHERE a.identity_id = $1 AND a.source_id = $2`
	if opt.Count {
		if err := db.pool.QueryRow(ctx, `SELECT count(*)`+where, u.Owner.ID, u.Source.ID).Scan(&page.Total); err != nil {
			return page, fmt.Errorf("count user app accounts: %w", err)
		}
	}
	if opt.Limit == 0 {
		return page, nil
	}
	rows, err := db.pool.Query(ctx, `SELECT a.id, a.native_identity, a.name, a.source_id,
		COALESCE(s.name, a.source_name)`+where+` ORDER BY lower(a.name), a.id LIMIT $3 OFFSET $4`,
		u.Owner.ID, u.Source.ID, opt.Limit, opt.Offset)
	if err != nil {
		return page, fmt.Errorf("list user app accounts: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		a := &mica.AppAccount{AppID: u.SourceApp.ID, AppName: u.SourceApp.Name}
		if err := rows.Scan(&a.AccountID, &a.NativeIdentity, &a.DisplayName, &a.SourceID, &a.SourceName); err != nil {
			return page, fmt.Errorf("scan user app account: %w", err)
		}
		page.Items = append(page.Items, a)
	}
	if err := rows.Err(); err != nil {
		return page, fmt.Errorf("list user app accounts: %w", err)
	}
	return page, nil
}
