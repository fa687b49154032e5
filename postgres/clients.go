package postgres

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/micahq/mica"
	"github.com/micahq/mica/query"
)

const clientColumns = `c.id, c.kind, c.name, c.identity_id, c.scopes, c.secret_hash, c.access_token_seconds,
	c.expires_at, c.never_expires_ack, c.enabled, c.managed, c.last_used, c.created`

func scanClient(s scanner) (*mica.Client, error) {
	var c mica.Client
	var identity *string
	var scopes []byte
	if err := s.Scan(&c.ID, &c.Kind, &c.Name, &identity, &scopes, &c.SecretHash, &c.AccessTokenSeconds, &c.ExpiresAt,
		&c.NeverExpiresAck, &c.Enabled, &c.Managed, &c.LastUsed, &c.Created); err != nil {
		return nil, err
	}
	c.IdentityID = str(identity)
	fromJSON(scopes, &c.Scopes)
	c.ExpiresAt, c.LastUsed, c.Created = utcPtr(c.ExpiresAt), utcPtr(c.LastUsed), utc(c.Created)
	return &c, nil
}

// lockIdentity takes the identity's row lock for the rest of the transaction, so
// that checks over its dependents (the PAT cap, PAT names) are not raced.
// ENOTFOUND-like code when the identity does not exist.
func lockIdentity(ctx context.Context, tx *Tx, id, code string) error {
	var one int
	err := tx.QueryRow(ctx, `SELECT 1 FROM identities WHERE id = $1 FOR NO KEY UPDATE`, id).Scan(&one)
	if errors.Is(err, pgx.ErrNoRows) {
		return mica.Errorf(code, "identity %q not found", id)
	} else if err != nil {
		return fmt.Errorf("lock identity: %w", err)
	}
	return nil
}

// CreateClient inserts an OAuth client. Its ID and SecretHash must be set by the caller
// (the oauth package makes both). PATs are capped per identity, and their names are unique per identity.
func (db *DB) CreateClient(ctx context.Context, c *mica.Client) error {
	switch {
	case c.ID == "" || c.SecretHash == "":
		return mica.Errorf(mica.EINTERNAL, "client id and secret hash must be set")
	case c.Kind != mica.ClientPAT && c.Kind != mica.ClientAPI:
		return mica.Errorf(mica.EILLEGAL, "unknown client kind %q", c.Kind)
	case c.Kind == mica.ClientPAT && c.IdentityID == "":
		return mica.Errorf(mica.EMISSING, "a personal access token needs an identity")
	}
	return db.update(ctx, func(tx *Tx) error {
		if c.Kind == mica.ClientPAT {
			if err := lockIdentity(ctx, tx, c.IdentityID, mica.EREFNOTFOUND); err != nil {
				return err
			}
			var n, same int
			if err := tx.QueryRow(ctx, `SELECT count(*), count(*) FILTER (WHERE name = $1) FROM clients
				WHERE identity_id = $2 AND kind = 'PAT'`, c.Name, c.IdentityID).Scan(&n, &same); err != nil {
				return fmt.Errorf("count clients: %w", err)
			}
			if same > 0 {
				return mica.Errorf(mica.ECONFLICT, "a personal access token named %q already exists for this owner", c.Name)
			}
			if n >= mica.MaxPATsPerIdentity {
				return mica.Errorf(mica.EILLEGAL, "an identity can have at most %d personal access tokens", mica.MaxPATsPerIdentity)
			}
		}
		c.Created = tx.now
		if c.Scopes == nil {
			c.Scopes = []string{}
		}
		_, err := tx.Exec(ctx, `INSERT INTO clients (`+strings.ReplaceAll(clientColumns, "c.", "")+`)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`,
			c.ID, c.Kind, c.Name, nullString(c.IdentityID), toJSON(c.Scopes), c.SecretHash, c.AccessTokenSeconds,
			utcPtr(c.ExpiresAt), c.NeverExpiresAck, c.Enabled, c.Managed, utcPtr(c.LastUsed), c.Created)
		switch {
		case isUniqueViolation(err):
			return mica.Errorf(mica.ECONFLICT, "client %q already exists", c.ID)
		case isForeignKeyViolation(err):
			return mica.ErrRefNotFound("", mica.KindIdentity, c.IdentityID)
		case err != nil:
			return fmt.Errorf("insert client: %w", err)
		}
		return nil
	})
}

// GetClient returns a client by id, ENOTFOUND when there is none.
func (db *DB) GetClient(ctx context.Context, id string) (*mica.Client, error) {
	c, err := scanClient(db.pool.QueryRow(ctx, `SELECT `+clientColumns+` FROM clients c WHERE c.id = $1`, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, mica.ErrNotFound(mica.KindClient, id)
	} else if err != nil {
		return nil, fmt.Errorf("get client: %w", err)
	}
	return c, nil
}

// ListClients lists the clients of an identity, or every client when identityID is "".
func (db *DB) ListClients(ctx context.Context, identityID string) ([]*mica.Client, error) {
	q, args := `SELECT `+clientColumns+` FROM clients c ORDER BY c.created, c.id`, []any{}
	if identityID != "" {
		q, args = `SELECT `+clientColumns+` FROM clients c WHERE c.identity_id = $1 ORDER BY c.created, c.id`, []any{identityID}
	}
	rows, err := db.pool.Query(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("list clients: %w", err)
	}
	defer rows.Close()
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

// UpdateClient saves the changeable fields of a client: name, scopes, expiry, enabled.
func (db *DB) UpdateClient(ctx context.Context, c *mica.Client) error {
	return db.update(ctx, func(tx *Tx) error {
		if c.Kind == mica.ClientPAT {
			if err := lockIdentity(ctx, tx, c.IdentityID, mica.ENOTFOUND); err != nil {
				return err
			}
			var same int
			if err := tx.QueryRow(ctx, `SELECT count(*) FROM clients WHERE identity_id = $1 AND kind = 'PAT'
				AND name = $2 AND id <> $3`, c.IdentityID, c.Name, c.ID).Scan(&same); err != nil {
				return fmt.Errorf("check client name: %w", err)
			}
			if same > 0 {
				return mica.Errorf(mica.ECONFLICT, "a personal access token named %q already exists for this owner", c.Name)
			}
		}
		tag, err := tx.Exec(ctx, `UPDATE clients SET name = $1, scopes = $2, expires_at = $3, never_expires_ack = $4,
			enabled = $5 WHERE id = $6`, c.Name, toJSON(c.Scopes), utcPtr(c.ExpiresAt), c.NeverExpiresAck, c.Enabled, c.ID)
		if err != nil {
			return fmt.Errorf("update client: %w", err)
		}
		if tag.RowsAffected() == 0 {
			return mica.ErrNotFound(mica.KindClient, c.ID)
		}
		return nil
	})
}

// DeleteClient removes a client; its access tokens stop working at once because
// every request checks that the client still exists.
func (db *DB) DeleteClient(ctx context.Context, id string) error {
	return db.update(ctx, func(tx *Tx) error {
		tag, err := tx.Exec(ctx, `DELETE FROM clients WHERE id = $1`, id)
		if err != nil {
			return fmt.Errorf("delete client: %w", err)
		}
		if tag.RowsAffected() == 0 {
			return mica.ErrNotFound(mica.KindClient, id)
		}
		return nil
	})
}

// TouchClient records that the client minted a token, at most once a day (as ISC's lastUsed).
func (db *DB) TouchClient(ctx context.Context, id string, at time.Time) error {
	at = utc(at)
	return db.update(ctx, func(tx *Tx) error {
		_, err := tx.Exec(ctx, `UPDATE clients SET last_used = $1 WHERE id = $2 AND (last_used IS NULL OR last_used < $3)`,
			at, id, at.Add(-24*time.Hour))
		if err != nil {
			return fmt.Errorf("touch client: %w", err)
		}
		return nil
	})
}

// patResource is the allowlist of listPersonalAccessTokens: lastUsed (le, isnull).
var patResource = &query.Resource{
	Name:     "personal-access-tokens",
	Fields:   []query.Field{{Name: "lastUsed", Column: "c.last_used", Type: query.Time, Ops: []query.Op{"le", "isnull"}}},
	IDColumn: "c.id", DefaultSort: "",
}

// ListPATs lists personal access tokens, oldest first.
func (db *DB) ListPATs(ctx context.Context, ownerID string, withManaged bool, opt mica.ListOptions) (mica.Page[*mica.Client], error) {
	where, a := "c.kind = 'PAT'", args{}
	if ownerID != "" {
		where += " AND c.identity_id = " + a.add(ownerID)
	}
	if !withManaged {
		where += " AND NOT c.managed"
	}
	return list(ctx, db.pool, patResource, opt, "SELECT "+clientColumns, "FROM clients c", where, a,
		func(r pgx.Rows) (*mica.Client, error) { return scanClient(r) })
}
