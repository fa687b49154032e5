package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/micahq/mica"
)

// triageCandidateSQL reads accounts with a recommendation, their source's
// config and their latest decision ("ACTION RECOMMENDATION").
const triageCandidateSQL = triageCandidateColumns + ` FROM accounts_view a` + triageCandidateJoins

// recommendedCandidatesSQL is triageCandidateSQL for every account with a
// recommendation: read from the narrow account_classifications in rid order
// (classified_accounts_view, migration 0017), each recommended one joined to
// its account, rather than by walking every account in name order and
// looking up its classification.
const recommendedCandidatesSQL = triageCandidateColumns + ` FROM classified_accounts_view a` + triageCandidateJoins +
	` WHERE a.recommendation_type IS NOT NULL`

const triageCandidateColumns = `SELECT a.id, a.name, a.native_identity, a.attributes, a.is_machine,
	coalesce(a.classification_method, ''), a.recommendation_type, a.recommendation_method, a.source_id, a.source_name,
	coalesce(c.enabled AND c.method <> '', 0), coalesce(a.identity_id, ''), a.authoritative,
	(SELECT i.left_day FROM identities i WHERE i.id = a.identity_id),
	coalesce((SELECT d.action || ' ' || d.recommendation FROM triage_decisions d WHERE d.account_id = a.id
		ORDER BY d.created DESC, d.rowid DESC LIMIT 1), '')`

const triageCandidateJoins = ` LEFT JOIN classification_configs c ON c.source_id = a.source_id`

func scanTriageCandidate(s interface{ Scan(...any) error }) (*mica.TriageCandidate, error) {
	var c mica.TriageCandidate
	var attrs, last string
	var machine, configured, authoritative int
	var recType, recMethod sql.NullString
	var left sql.NullInt64
	if err := s.Scan(&c.AccountID, &c.Name, &c.NativeIdentity, &attrs, &machine, &c.Method, &recType, &recMethod,
		&c.SourceID, &c.SourceName, &configured, &c.IdentityID, &authoritative, &left, &last); err != nil {
		return nil, err
	}
	c.IsMachine, c.Configured, c.Authoritative = machine != 0, configured != 0, authoritative != 0
	c.IdentityLeft, c.IdentityLeftDay = left.Valid, left.Int64
	fromJSON(attrs, &c.Attributes)
	if recType.Valid && recMethod.Valid {
		c.Recommendation = &mica.Recommendation{Type: recType.String, Method: recMethod.String}
	}
	c.LastAction, c.LastRecommendation, _ = strings.Cut(last, " ")
	return &c, nil
}

// EachTriageCandidate streams the accounts with a recommendation in name order.
func (db *DB) EachTriageCandidate(ctx context.Context, sourceID string, fn func(*mica.TriageCandidate) error) error {
	q, args := recommendedCandidatesSQL, []any{}
	if sourceID != "" {
		q += ` AND a.source_id = ?`
		args = append(args, sourceID)
	}
	rows, err := db.read.QueryContext(ctx, q+` ORDER BY a.name, a.id`, args...)
	if err != nil {
		return fmt.Errorf("triage candidates: %w", err)
	}
	defer func() { _ = rows.Close() }()
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

// DecideTriage decides accounts and records the decisions in one transaction.
func (db *DB) DecideTriage(ctx context.Context, accountIDs []string,
	decide func(*mica.TriageCandidate) (*mica.TriageDecision, error)) ([]*mica.TriageDecision, error) {
	var out []*mica.TriageDecision
	err := db.update(ctx, func(tx *Tx) error {
		out = out[:0]
		read, err := tx.PrepareContext(ctx, triageCandidateSQL+` WHERE a.id = ?`)
		if err != nil {
			return fmt.Errorf("prepare triage read: %w", err)
		}
		defer func() { _ = read.Close() }()
		classifyStmt, err := tx.PrepareContext(ctx, updateClassificationSQL)
		if err != nil {
			return fmt.Errorf("prepare triage classify: %w", err)
		}
		defer func() { _ = classifyStmt.Close() }()
		insert, err := tx.PrepareContext(ctx, `INSERT INTO triage_decisions (`+triageDecisionColumns+`)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
		if err != nil {
			return fmt.Errorf("prepare triage insert: %w", err)
		}
		defer func() { _ = insert.Close() }()
		for _, id := range accountIDs {
			c, err := scanTriageCandidate(read.QueryRowContext(ctx, id))
			if errors.Is(err, sql.ErrNoRows) {
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
				if err := applyClassification(ctx, classifyStmt, tx, id, d.IsMachine, d.MethodAfter, d.RecommendationAfter); err != nil {
					return err
				}
			}
			if _, err := insert.ExecContext(ctx, d.ID, d.AccountID, d.AccountName, d.SourceID, d.SourceName, d.Action, d.Note,
				d.ActorID, d.ActorName, d.Recommendation, d.Score, boolInt(d.WasMachine), boolInt(d.IsMachine), d.MethodBefore,
				d.MethodAfter, formatTime(d.Created)); err != nil {
				return fmt.Errorf("record triage decision: %w", err)
			}
			out = append(out, d)
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
		where, args = append(where, "account_id = ?"), append(args, f.AccountID)
	}
	if f.SourceID != "" {
		where, args = append(where, "source_id = ?"), append(args, f.SourceID)
	}
	w := ""
	if len(where) > 0 {
		w = " WHERE " + strings.Join(where, " AND ")
	}
	page := mica.Page[*mica.TriageDecision]{Total: -1, Items: []*mica.TriageDecision{}}
	if opt.Count {
		if err := db.read.QueryRowContext(ctx, `SELECT count(*) FROM triage_decisions`+w, args...).Scan(&page.Total); err != nil {
			return page, fmt.Errorf("count triage decisions: %w", err)
		}
	}
	if opt.Limit == 0 {
		return page, nil
	}
	rows, err := db.read.QueryContext(ctx, `SELECT `+triageDecisionColumns+` FROM triage_decisions`+w+
		` ORDER BY created DESC, rowid DESC LIMIT ? OFFSET ?`, append(args, opt.Limit, opt.Offset)...)
	if err != nil {
		return page, fmt.Errorf("list triage decisions: %w", err)
	}
	defer func() { _ = rows.Close() }()
	for rows.Next() {
		var d mica.TriageDecision
		var was, is int
		var created string
		if err := rows.Scan(&d.ID, &d.AccountID, &d.AccountName, &d.SourceID, &d.SourceName, &d.Action, &d.Note, &d.ActorID,
			&d.ActorName, &d.Recommendation, &d.Score, &was, &is, &d.MethodBefore, &d.MethodAfter, &created); err != nil {
			return page, fmt.Errorf("list triage decisions: %w", err)
		}
		d.WasMachine, d.IsMachine, d.Created = was != 0, is != 0, parseTime(created)
		page.Items = append(page.Items, &d)
	}
	return page, rows.Err()
}
