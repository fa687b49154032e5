package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/micahq/mica"
	"github.com/micahq/mica/query"
)

const clientColumns = `c.id, c.kind, c.name, c.identity_id, c.scopes, c.secret_hash, c.access_token_seconds,
	c.expires_at, c.never_expires_ack, c.enabled, c.managed, c.last_used, c.created`

func scanClient(s interface{ Scan(...any) error }) (*mica.Client, error) {
	var c mica.Client
	var identity, expires, lastUsed sql.NullString
	var scopes, created string
	var ack, enabled, managed int
	if err := s.Scan(&c.ID, &c.Kind, &c.Name, &identity, &scopes, &c.SecretHash, &c.AccessTokenSeconds, &expires,
		&ack, &enabled, &managed, &lastUsed, &created); err != nil {
		return nil, err
	}
	c.IdentityID = identity.String
	fromJSON(scopes, &c.Scopes)
	c.ExpiresAt, c.LastUsed = parseTimePtr(expires), parseTimePtr(lastUsed)
	c.NeverExpiresAck, c.Enabled, c.Managed = ack != 0, enabled != 0, managed != 0
	c.Created = parseTime(created)
	return &c, nil
}

// CreateClient inserts an OAuth client. Its ID and SecretHash must be set by the caller
// (the oauth package makes both); a PAT's owner must exist, and mica.CheckPATOwner holds.
func (db *DB) CreateClient(ctx context.Context, c *mica.Client) error {
	if err := c.Validate(); err != nil {
		return err
	}
	return db.update(ctx, func(tx *Tx) error {
		if c.Kind == mica.ClientPAT {
			others, err := patNames(ctx, tx, c.IdentityID, c.ID)
			if err != nil {
				return err
			}
			if err := mica.CheckPATOwner(c, others, true); err != nil {
				return err
			}
		}
		c.Created = tx.now
		if c.Scopes == nil {
			c.Scopes = []string{}
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO clients (`+strings.ReplaceAll(clientColumns, "c.", "")+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			c.ID, c.Kind, c.Name, nullString(c.IdentityID), toJSON(c.Scopes), c.SecretHash, c.AccessTokenSeconds,
			formatTimePtr(c.ExpiresAt), boolInt(c.NeverExpiresAck), boolInt(c.Enabled), boolInt(c.Managed),
			formatTimePtr(c.LastUsed), formatTime(c.Created))
		switch {
		case isUniqueViolation(err):
			return mica.ErrClientExists(c.ID)
		case isForeignKeyViolation(err):
			return mica.ErrRefNotFound("", mica.KindIdentity, c.IdentityID)
		case err != nil:
			return fmt.Errorf("insert client: %w", err)
		}
		return nil
	})
}

// patNames reads the names of the personal access tokens of identity ownerID
// but exceptID. (A missing owner needs no read: creating its token fails on
// the foreign key, and an existing token's owner exists.)
func patNames(ctx context.Context, tx *Tx, ownerID, exceptID string) ([]string, error) {
	rows, err := tx.QueryContext(ctx, `SELECT name FROM clients WHERE identity_id = ? AND kind = 'PAT' AND id <> ?`,
		ownerID, exceptID)
	if err != nil {
		return nil, fmt.Errorf("read token names: %w", err)
	}
	defer func() { _ = rows.Close() }()
	names := []string{}
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			return nil, fmt.Errorf("read token names: %w", err)
		}
		names = append(names, name)
	}
	return names, rows.Err()
}

// GetClient returns a client by id, ENOTFOUND when there is none.
func (db *DB) GetClient(ctx context.Context, id string) (*mica.Client, error) {
	c, err := scanClient(db.reads.QueryRowContext(ctx, `SELECT `+clientColumns+` FROM clients c WHERE c.id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, mica.ErrNotFound(mica.KindClient, id)
	} else if err != nil {
		return nil, fmt.Errorf("get client: %w", err)
	}
	return c, nil
}

// authLookup reads what AuthLookup answers (versions.go caches it).
func (db *DB) authLookup(ctx context.Context, clientID, identityID string) (*mica.Client, *mica.Identity, error) {
	var c mica.Client
	var clientIdentity, expires, iid, iname, ilevels sql.NullString
	var scopes string
	var enabled int
	err := db.reads.QueryRowContext(ctx, `SELECT c.id, c.identity_id, c.enabled, c.expires_at, c.scopes, i.id, i.name, i.levels
		FROM clients c LEFT JOIN identities i ON i.id = ? WHERE c.id = ?`, identityID, clientID).
		Scan(&c.ID, &clientIdentity, &enabled, &expires, &scopes, &iid, &iname, &ilevels)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil, mica.ErrNotFound(mica.KindClient, clientID)
	} else if err != nil {
		return nil, nil, fmt.Errorf("authenticate client: %w", err)
	}
	c.IdentityID, c.Enabled, c.ExpiresAt = clientIdentity.String, enabled != 0, parseTimePtr(expires)
	fromJSON(scopes, &c.Scopes)
	if !iid.Valid {
		return &c, nil, nil
	}
	i := &mica.Identity{ID: iid.String, Name: iname.String}
	fromJSON(ilevels.String, &i.Levels)
	return &c, i, nil
}

// ListClients lists the clients of an identity, or every client when identityID is "".
func (db *DB) ListClients(ctx context.Context, identityID string) ([]*mica.Client, error) {
	q, args := `SELECT `+clientColumns+` FROM clients c ORDER BY c.created, c.id`, []any{}
	if identityID != "" {
		q, args = `SELECT `+clientColumns+` FROM clients c WHERE c.identity_id = ? ORDER BY c.created, c.id`, []any{identityID}
	}
	rows, err := db.read.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("list clients: %w", err)
	}
	defer func() { _ = rows.Close() }()
	out := []*mica.Client{}
	for rows.Next() {
		c, err := scanClient(rows)
		if err != nil {
			return nil, fmt.Errorf("list clients: %w", err)
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// UpdateClient loads a client, lets update change it, and saves its changeable
// fields (name, scopes, expiry, enabled), all in one transaction.
func (db *DB) UpdateClient(ctx context.Context, id string, update func(c *mica.Client) error) (*mica.Client, error) {
	var out *mica.Client
	err := db.update(ctx, func(tx *Tx) error {
		cur, err := scanClient(tx.QueryRowContext(ctx, `SELECT `+clientColumns+` FROM clients c WHERE c.id = ?`, id))
		if errors.Is(err, sql.ErrNoRows) {
			return mica.ErrNotFound(mica.KindClient, id)
		} else if err != nil {
			return fmt.Errorf("get client: %w", err)
		}
		c := *cur
		c.Scopes = slices.Clone(cur.Scopes)
		if err := update(&c); err != nil {
			return err
		}
		c.KeepFixed(cur)
		if c.Kind == mica.ClientPAT {
			others, err := patNames(ctx, tx, c.IdentityID, c.ID)
			if err != nil {
				return err
			}
			if err := mica.CheckPATOwner(&c, others, false); err != nil {
				return err
			}
		}
		if c.Scopes == nil {
			c.Scopes = []string{}
		}
		if _, err := tx.ExecContext(ctx, `UPDATE clients SET name = ?, scopes = ?, expires_at = ?, never_expires_ack = ?,
			enabled = ? WHERE id = ?`, c.Name, toJSON(c.Scopes), formatTimePtr(c.ExpiresAt), boolInt(c.NeverExpiresAck),
			boolInt(c.Enabled), c.ID); err != nil {
			return fmt.Errorf("update client: %w", err)
		}
		out = &c
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// DeleteClient removes a client; its access tokens stop working at once because
// every request checks that the client still exists.
func (db *DB) DeleteClient(ctx context.Context, id string) error {
	return db.update(ctx, func(tx *Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM clients WHERE id = ?`, id)
		if err != nil {
			return fmt.Errorf("delete client: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return mica.ErrNotFound(mica.KindClient, id)
		}
		return nil
	})
}

// TouchClient records that the client minted a token, at most once a day (as ISC's lastUsed).
func (db *DB) TouchClient(ctx context.Context, id string, at time.Time) error {
	return db.update(ctx, func(tx *Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE clients SET last_used = ? WHERE id = ? AND (last_used IS NULL OR last_used < ?)`,
			formatTime(at), id, formatTime(at.Add(-24*time.Hour)))
		if err != nil {
			return fmt.Errorf("touch client: %w", err)
		}
		return nil
	})
}

// ListPATs lists personal access tokens, oldest first.
func (db *DB) ListPATs(ctx context.Context, ownerID string, withManaged bool, opt mica.ListOptions) (mica.Page[*mica.Client], error) {
	where, args := "c.kind = 'PAT'", []any{}
	if ownerID != "" {
		where += " AND c.identity_id = ?"
		args = append(args, ownerID)
	}
	if !withManaged {
		where += " AND c.managed = 0"
	}
	return list(ctx, db.reads, query.PersonalAccessTokens, opt, "SELECT "+clientColumns, "FROM clients c", where, args,
		func(r *sql.Rows) (*mica.Client, error) { return scanClient(r) })
}
