package postgres

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/micahq/mica"
)

// triageCandidateSQL reads accounts with a recommendation, their source's
// config and their latest decision ("ACTION RECOMMENDATION").
const triageCandidateSQL = `SELECT a.id, a.name, a.native_identity, a.attributes, a.is_machine,
	coalesce(a.classification_method, ''), a.recommendation_type, a.recommendation_method, a.source_id, a.source_name,
	coalesce(c.enabled AND c.method <> '', false), coalesce(a.identity_id, ''), a.authoritative,
	(SELECT i.left_day FROM identities i WHERE i.id = a.identity_id),
	coalesce((SELECT d.action || ' ' || d.recommendation FROM triage_decisions d WHERE d.account_id = a.id
		ORDER BY d.created DESC, d.seq DESC LIMIT 1), '')
	FROM accounts_view a LEFT JOIN classification_configs c ON c.source_id = a.source_id`

func scanTriageCandidate(s scanner) (*mica.TriageCandidate, error) {
	var c mica.TriageCandidate
	var attrs []byte
	var last string
	var recType, recMethod *string
	var left *int64
	if err := s.Scan(&c.AccountID, &c.Name, &c.NativeIdentity, &attrs, &c.IsMachine, &c.Method, &recType, &recMethod,
		&c.SourceID, &c.SourceName, &c.Configured, &c.IdentityID, &c.Authoritative, &left, &last); err != nil {
		return nil, err
	}
	if left != nil {
		c.IdentityLeft, c.IdentityLeftDay = true, *left
	}
	fromJSON(attrs, &c.Attributes)
	if recType != nil && recMethod != nil {
		c.Recommendation = &mica.Recommendation{Type: *recType, Method: *recMethod}
	}
	c.LastAction, c.LastRecommendation, _ = strings.Cut(last, " ")
	return &c, nil
}

// EachTriageCandidate streams the accounts with a recommendation in name order.
func (db *DB) EachTriageCandidate(ctx context.Context, sourceID string, fn func(*mica.TriageCandidate) error) error {
	q, args := triageCandidateSQL+` WHERE a.recommendation_type IS NOT NULL`, []any{}
	if sourceID != "" {
		q += ` AND a.source_id = $1`
		args = append(args, sourceID)
	}
	rows, err := db.pool.Query(ctx, q+` ORDER BY a.name COLLATE "C", a.id`, args...)
	if err != nil {
		return fmt.Errorf("triage candidates: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		c, err := scanTriageCandidate(rows)
		if err != nil {
			return fmt.Errorf("triage candidates: %w", err)
		}
		if err := fn(c); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("triage candidates: %w", err)
	}
	return nil
}

const triageDecisionColumns = `id, account_id, account_name, source_id, source_name, action, note, actor_id, actor_name,
	recommendation, score, was_machine, is_machine, method_before, method_after, created`

// DecideTriage decides accounts and records the decisions in one transaction;
// each account's row stays locked from its read to the commit.
func (db *DB) DecideTriage(ctx context.Context, accountIDs []string,
	decide func(*mica.TriageCandidate) (*mica.TriageDecision, error)) ([]*mica.TriageDecision, error) {
	var out []*mica.TriageDecision
	err := db.update(ctx, func(tx *Tx) error {
		out = out[:0]
		var changes []change
		batch := &pgx.Batch{}
		for _, id := range accountIDs {
			// The account's row stays locked to the commit (accounts_view, an outer
			// join, cannot be locked through).
			var one int
			err := tx.QueryRow(ctx, `SELECT 1 FROM accounts WHERE id = $1 FOR UPDATE`, id).Scan(&one)
			if errors.Is(err, pgx.ErrNoRows) {
				return mica.ErrRefNotFound("", mica.KindAccount, id)
			} else if err != nil {
				return fmt.Errorf("read account %s: %w", id, err)
			}
			c, err := scanTriageCandidate(tx.QueryRow(ctx, triageCandidateSQL+` WHERE a.id = $1`, id))
			if errors.Is(err, pgx.ErrNoRows) {
				return mica.ErrRefNotFound("", mica.KindAccount, id)
			} else if err != nil {
				return fmt.Errorf("read account %s: %w", id, err)
			}
			d, err := decide(c)
			if err != nil {
				return err
			}
			if d == nil {
				continue
			}
			if d.Record(c, tx.now) {
				changes = append(changes, change{id: id, isMachine: d.IsMachine, method: d.MethodAfter, rec: d.RecommendationAfter})
			}
			batch.Queue(`INSERT INTO triage_decisions (`+triageDecisionColumns+`)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)`,
				d.ID, d.AccountID, d.AccountName, d.SourceID, d.SourceName, d.Action, d.Note, d.ActorID, d.ActorName,
				d.Recommendation, d.Score, d.WasMachine, d.IsMachine, d.MethodBefore, d.MethodAfter, d.Created)
			out = append(out, d)
		}
		if err := applyClassifications(ctx, tx, changes); err != nil {
			return err
		}
		if batch.Len() > 0 {
			if err := tx.SendBatch(ctx, batch).Close(); err != nil {
				return fmt.Errorf("record triage decisions: %w", err)
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// ListTriageDecisions lists decisions, newest first.
func (db *DB) ListTriageDecisions(ctx context.Context, f mica.TriageDecisionFilter, opt mica.ListOptions) (mica.Page[*mica.TriageDecision], error) {
	var where []string
	var args []any
	if f.AccountID != "" {
		args = append(args, f.AccountID)
		where = append(where, fmt.Sprintf("account_id = $%d", len(args)))
	}
	if f.SourceID != "" {
		args = append(args, f.SourceID)
		where = append(where, fmt.Sprintf("source_id = $%d", len(args)))
	}
	w := ""
	if len(where) > 0 {
		w = " WHERE " + strings.Join(where, " AND ")
	}
	page := mica.Page[*mica.TriageDecision]{Total: -1, Items: []*mica.TriageDecision{}}
	if opt.Count {
		if err := db.pool.QueryRow(ctx, `SELECT count(*) FROM triage_decisions`+w, args...).Scan(&page.Total); err != nil {
			return page, fmt.Errorf("count triage decisions: %w", err)
		}
	}
	if opt.Limit == 0 {
		return page, nil
	}
	n := len(args)
	rows, err := db.pool.Query(ctx, `SELECT `+triageDecisionColumns+` FROM triage_decisions`+w+
		fmt.Sprintf(` ORDER BY created DESC, seq DESC LIMIT $%d OFFSET $%d`, n+1, n+2), append(args, opt.Limit, opt.Offset)...)
	if err != nil {
		return page, fmt.Errorf("list triage decisions: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var d mica.TriageDecision
		if err := rows.Scan(&d.ID, &d.AccountID, &d.AccountName, &d.SourceID, &d.SourceName, &d.Action, &d.Note, &d.ActorID,
			&d.ActorName, &d.Recommendation, &d.Score, &d.WasMachine, &d.IsMachine, &d.MethodBefore, &d.MethodAfter,
			&d.Created); err != nil {
			return page, fmt.Errorf("list triage decisions: %w", err)
		}
		d.Created = utc(d.Created)
		page.Items = append(page.Items, &d)
	}
	return page, rows.Err()
}
