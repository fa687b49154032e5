package postgres

import (
	"context"
	"errors"
	"fmt"
	"slices"
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

// patNames takes the row lock of identity ownerID for the rest of the
// transaction, so that checks over its tokens (the PAT cap, PAT names) are not
// raced, and reads the names of its personal access tokens but exceptID;
// missing is the error when the identity does not exist.
func patNames(ctx context.Context, tx *Tx, ownerID, exceptID string, missing error) ([]string, error) {
	var one int
	err := tx.QueryRow(ctx, `SELECT 1 FROM identities WHERE id = $1 FOR NO KEY UPDATE`, ownerID).Scan(&one)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, missing
	} else if err != nil {
		return nil, fmt.Errorf("lock identity: %w", err)
	}
	return ownerPATNames(ctx, tx, ownerID, exceptID)
}

// ownerPATNames reads the names of the personal access tokens of identity
// ownerID but exceptID; the caller holds the identity's row lock.
func ownerPATNames(ctx context.Context, tx *Tx, ownerID, exceptID string) ([]string, error) {
	rows, err := tx.Query(ctx, `SELECT name FROM clients WHERE identity_id = $1 AND kind = 'PAT' AND id <> $2`,
		ownerID, exceptID)
	if err != nil {
		return nil, fmt.Errorf("read token names: %w", err)
	}
	names, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, fmt.Errorf("read token names: %w", err)
	}
	return names, nil
}

// CreateClient inserts an OAuth client. Its ID and SecretHash must be set by the caller
// (the oauth package makes both); a PAT's owner must exist, and mica.CheckPATOwner holds.
func (db *DB) CreateClient(ctx context.Context, c *mica.Client) error {
	if err := c.Validate(); err != nil {
		return err
	}
	return db.update(ctx, func(tx *Tx) error {
		if c.Kind == mica.ClientPAT {
			others, err := patNames(ctx, tx, c.IdentityID, c.ID, mica.ErrRefNotFound("", mica.KindIdentity, c.IdentityID))
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
		_, err := tx.Exec(ctx, `INSERT INTO clients (`+strings.ReplaceAll(clientColumns, "c.", "")+`)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`,
			c.ID, c.Kind, c.Name, nullString(c.IdentityID), toJSON(c.Scopes), c.SecretHash, c.AccessTokenSeconds,
			utcPtr(c.ExpiresAt), c.NeverExpiresAck, c.Enabled, c.Managed, utcPtr(c.LastUsed), c.Created)
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

// UpdateClient loads a client (and locks it), lets update change it, and
// saves its changeable fields (name, scopes, expiry, enabled), all in one transaction.
func (db *DB) UpdateClient(ctx context.Context, id string, update func(c *mica.Client) error) (*mica.Client, error) {
	var out *mica.Client
	err := db.update(ctx, func(tx *Tx) error {
		// The token and its owner are locked in one statement (the owner's lock
		// orders the checks over its tokens, as in CreateClient); an API client
		// has no owner.
		cur, err := scanClient(tx.QueryRow(ctx, `SELECT `+clientColumns+` FROM clients c
			JOIN identities i ON i.id = c.identity_id WHERE c.id = $1 FOR UPDATE OF c FOR NO KEY UPDATE OF i`, id))
		if errors.Is(err, pgx.ErrNoRows) {
			cur, err = scanClient(tx.QueryRow(ctx, `SELECT `+clientColumns+` FROM clients c WHERE c.id = $1 FOR UPDATE`, id))
		}
		if errors.Is(err, pgx.ErrNoRows) {
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
			others, err := ownerPATNames(ctx, tx, c.IdentityID, c.ID)
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
		if _, err := tx.Exec(ctx, `UPDATE clients SET name = $1, scopes = $2, expires_at = $3, never_expires_ack = $4,
			enabled = $5 WHERE id = $6`, c.Name, toJSON(c.Scopes), utcPtr(c.ExpiresAt), c.NeverExpiresAck, c.Enabled,
			c.ID); err != nil {
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
