package postgres

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/micahq/mica"
)

const aggregationColumns = `id, source_id, status, completion_status, total_accounts, processed_accounts,
	marked_for_deletion, deleted_accounts, total_identities, processed_identities, stats, messages, file_path,
	disable_optimization, launcher, owner, lease_until, started, completed, created, max_removals`

func scanAggregation(sc scanner) (*mica.Aggregation, error) {
	var a mica.Aggregation
	var completion, file, owner *string
	var stats, messages []byte
	if err := sc.Scan(&a.ID, &a.SourceID, &a.Status, &completion, &a.TotalAccounts, &a.ProcessedAccounts,
		&a.MarkedForDeletion, &a.DeletedAccounts, &a.TotalIdentities, &a.ProcessedIdentities, &stats, &messages,
		&file, &a.DisableOptimization, &a.Launcher, &owner, &a.LeaseUntil, &a.Started, &a.Completed, &a.Created,
		&a.MaxRemovals); err != nil {
		return nil, err
	}
	a.CompletionStatus, a.FilePath, a.Owner, a.LeaseUntil = str(completion), str(file), str(owner), utcPtr(a.LeaseUntil)
	fromJSON(stats, &a.Stats)
	fromJSON(messages, &a.Messages)
	if a.Messages == nil {
		a.Messages = []mica.TaskMessage{}
	}
	a.Started, a.Completed, a.Created = utcPtr(a.Started), utcPtr(a.Completed), utc(a.Created)
	return &a, nil
}

// CreateAggregation records a new aggregation (STARTED) of an existing source.
func (db *DB) CreateAggregation(ctx context.Context, a *mica.Aggregation) error {
	return db.update(ctx, func(tx *Tx) error {
		if a.ID == "" {
			a.ID = mica.NewID()
		}
		now, lease := tx.now, tx.now.Add(mica.AggregationLease)
		a.Status, a.CompletionStatus, a.Created, a.Started, a.LeaseUntil = mica.AggStarted, "", now, &now, &lease
		if a.Messages == nil {
			a.Messages = []mica.TaskMessage{}
		}
		_, err := tx.Exec(ctx, `INSERT INTO aggregations (id, source_id, status, stats, messages, file_path,
			disable_optimization, launcher, owner, lease_until, started, created, max_removals)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`,
			a.ID, a.SourceID, a.Status, toJSON(a.Stats), toJSON(a.Messages), nullString(a.FilePath),
			a.DisableOptimization, a.Launcher, nullString(a.Owner), lease, now, now, a.MaxRemovals)
		if isForeignKeyViolation(err) {
			return mica.ErrNotFound(mica.KindSource, a.SourceID)
		} else if err != nil {
			return fmt.Errorf("insert aggregation: %w", err)
		}
		return nil
	})
}

// GetAggregation returns an aggregation by id, ENOTFOUND when there is none.
func (db *DB) GetAggregation(ctx context.Context, id string) (*mica.Aggregation, error) {
	return getAggregation(ctx, db.pool, id, false)
}

func getAggregation(ctx context.Context, q queryer, id string, lock bool) (*mica.Aggregation, error) {
	sql := `SELECT ` + aggregationColumns + ` FROM aggregations WHERE id = $1`
	if lock {
		sql += ` FOR UPDATE`
	}
	a, err := scanAggregation(q.QueryRow(ctx, sql, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, mica.ErrNotFound(mica.KindAggregation, id)
	} else if err != nil {
		return nil, fmt.Errorf("get aggregation: %w", err)
	}
	return a, nil
}

// StageAccounts inserts parsed accounts into the staging table in one short
// transaction (batches of statements, one round trip each), while the
// aggregation is open (mica.Aggregation.CheckOpen).
func (db *DB) StageAccounts(ctx context.Context, aggregationID string, rows []mica.StagedAccount) error {
	return db.update(ctx, func(tx *Tx) error {
		a, err := getAggregation(ctx, tx, aggregationID, false)
		if err != nil {
			return err
		}
		if err := a.CheckOpen(); err != nil {
			return err
		}
		for start := 0; start < len(rows); start += insertBatch {
			chunk := rows[start:min(start+insertBatch, len(rows))]
			b := &pgx.Batch{}
			for i := range chunk {
				r := &chunk[i]
				b.Queue(`INSERT INTO aggregation_rows (aggregation_id, native_identity, name, attributes, disabled,
					locked, hash, line, left_day) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
					ON CONFLICT (aggregation_id, native_identity) DO NOTHING`,
					aggregationID, r.NativeIdentity, r.Name, toJSON(r.Attributes), r.Disabled, r.Locked, r.Hash, r.Line,
					leftDay(r.Attributes))
			}
			br := tx.SendBatch(ctx, b)
			dup := -1
			for i := range chunk {
				tag, err := br.Exec()
				if isForeignKeyViolation(err) {
					_ = br.Close()
					return mica.ErrNotFound(mica.KindAggregation, aggregationID)
				} else if err != nil {
					_ = br.Close()
					return fmt.Errorf("stage account: %w", err)
				}
				if tag.RowsAffected() == 0 && dup < 0 {
					dup = i
				}
			}
			if err := br.Close(); err != nil {
				return fmt.Errorf("stage accounts: %w", err)
			}
			if dup >= 0 {
				r := &chunk[dup]
				var first int
				_ = tx.QueryRow(ctx, `SELECT line FROM aggregation_rows WHERE aggregation_id = $1 AND native_identity = $2`,
					aggregationID, r.NativeIdentity).Scan(&first)
				return mica.ErrDuplicateAccount(r.Line, r.NativeIdentity, first)
			}
		}
		return nil
	})
}

// CollectAggregation counts what applying the staged rows would do (reads only)
// and records it with status ACCOUNTS_COLLECTED.
func (db *DB) CollectAggregation(ctx context.Context, id string) (*mica.Aggregation, error) {
	a, err := getAggregation(ctx, db.pool, id, false)
	if err != nil {
		return nil, err
	}
	var scanned, added, changed, removed int
	if err := db.pool.QueryRow(ctx, `SELECT count(*), count(*) FILTER (WHERE a.id IS NULL),
			count(*) FILTER (WHERE a.id IS NOT NULL AND ($1 OR a.content_hash IS DISTINCT FROM r.hash))
		FROM aggregation_rows r LEFT JOIN accounts a ON a.source_id = $2 AND a.native_identity = r.native_identity
		WHERE r.aggregation_id = $3`, a.DisableOptimization, a.SourceID, id).Scan(&scanned, &added, &changed); err != nil {
		return nil, fmt.Errorf("count staged accounts: %w", err)
	}
	if err := db.pool.QueryRow(ctx, `SELECT count(*) FROM accounts a WHERE a.source_id = $1 AND NOT EXISTS (
		SELECT 1 FROM aggregation_rows r WHERE r.aggregation_id = $2 AND r.native_identity = a.native_identity)`,
		a.SourceID, id).Scan(&removed); err != nil {
		return nil, fmt.Errorf("count removed accounts: %w", err)
	}
	err = db.update(ctx, func(tx *Tx) error {
		tag, err := tx.Exec(ctx, `UPDATE aggregations SET status = $1, total_accounts = $2, marked_for_deletion = $3
			WHERE id = $4 AND status = $5`, mica.AggAccountsCollected, added+changed+removed, removed, id, mica.AggStarted)
		if err != nil {
			return fmt.Errorf("collect aggregation: %w", err)
		}
		if tag.RowsAffected() == 0 {
			return mica.ErrAggregationNotRunning(id)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	a.Status, a.TotalAccounts, a.MarkedForDeletion = mica.AggAccountsCollected, added+changed+removed, removed
	a.Stats = mica.AggregationStats{Scanned: scanned, Added: added, Changed: changed, Removed: removed,
		Unchanged: scanned - added - changed}
	return a, nil
}

// DeleteAggregation removes an aggregation that was not applied, and its staged rows.
func (db *DB) DeleteAggregation(ctx context.Context, id string) error {
	err := db.update(ctx, func(tx *Tx) error {
		a, err := getAggregation(ctx, tx, id, true)
		if err != nil {
			return err
		}
		if err := a.CheckDelete(); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `DELETE FROM aggregations WHERE id = $1`, id); err != nil {
			return fmt.Errorf("delete aggregation: %w", err)
		}
		return nil
	})
	if err != nil {
		return err
	}
	return db.dropStaging(ctx, id)
}

// ListAggregations lists a source's aggregations, newest first.
func (db *DB) ListAggregations(ctx context.Context, sourceID string, opt mica.ListOptions) (mica.Page[*mica.Aggregation], error) {
	page := mica.Page[*mica.Aggregation]{Total: -1, Items: []*mica.Aggregation{}}
	if opt.Count {
		if err := db.pool.QueryRow(ctx, `SELECT count(*) FROM aggregations WHERE source_id = $1`, sourceID).
			Scan(&page.Total); err != nil {
			return page, fmt.Errorf("count aggregations: %w", err)
		}
	}
	if opt.Limit == 0 {
		return page, nil
	}
	rows, err := db.pool.Query(ctx, `SELECT `+aggregationColumns+` FROM aggregations WHERE source_id = $1
		ORDER BY created DESC, seq DESC LIMIT $2 OFFSET $3`, sourceID, opt.Limit, opt.Offset)
	if err != nil {
		return page, fmt.Errorf("list aggregations: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		a, err := scanAggregation(rows)
		if err != nil {
			return page, fmt.Errorf("list aggregations: %w", err)
		}
		page.Items = append(page.Items, a)
	}
	return page, rows.Err()
}

// attrExpr is the first non-empty of the staged row's attributes keys (r).
func attrExpr(keys ...string) string {
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = `nullif(r.attributes ->> '` + k + `', '')` // keys are mica's fixed lists below: no quotes
	}
	return "coalesce(" + strings.Join(parts, ", ") + ")"
}

var (
	firstNameExpr = attrExpr(mica.FirstNameAttributes...)
	lastNameExpr  = attrExpr(mica.LastNameAttributes...)
	emailExpr     = attrExpr(mica.EmailAttributes...)
	displayExpr   = attrExpr(mica.DisplayNameAttributes...)
)

// ApplyAggregation applies the staged rows in one transaction, then drops them.
// The source's row is locked for the transaction, so two aggregations of one
// source apply one after the other.
func (db *DB) ApplyAggregation(ctx context.Context, id string) (*mica.Aggregation, error) {
	var out *mica.Aggregation
	err := db.update(ctx, func(tx *Tx) error {
		a, err := getAggregation(ctx, tx, id, true)
		if err != nil {
			return err
		}
		if err := a.CheckOpen(); err != nil {
			return err
		}
		src, err := getSource(ctx, tx, a.SourceID, true)
		if err != nil {
			return err
		}
		cfg, err := getCorrelationConfig(ctx, tx, a.SourceID)
		if err != nil {
			return err
		}
		now := tx.now
		exec := func(what, q string, args ...any) (int, error) {
			tag, err := tx.Exec(ctx, q, args...)
			if err != nil {
				return 0, fmt.Errorf("%s: %w", what, err)
			}
			return int(tag.RowsAffected()), nil
		}
		// Match staged rows (staged as new, 1) with existing accounts: unchanged (0) or changed (2).
		if _, err := exec("match existing accounts", `UPDATE aggregation_rows r SET account_id = a.id,
				identity_id = a.identity_id,
				state = CASE WHEN $1 OR a.content_hash IS DISTINCT FROM r.hash THEN 2 ELSE 0 END
			FROM accounts a WHERE r.aggregation_id = $2 AND a.source_id = $3
				AND a.native_identity = r.native_identity`,
			a.DisableOptimization, id, a.SourceID); err != nil {
			return err
		}
		var scanned, added, changed, existing, removed int
		if err := tx.QueryRow(ctx, `SELECT count(*), count(*) FILTER (WHERE state = 1), count(*) FILTER (WHERE state = 2)
			FROM aggregation_rows WHERE aggregation_id = $1`, id).Scan(&scanned, &added, &changed); err != nil {
			return fmt.Errorf("count staged rows: %w", err)
		}
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM accounts WHERE source_id = $1`, a.SourceID).Scan(&existing); err != nil {
			return fmt.Errorf("count accounts: %w", err)
		}
		removed = existing - (scanned - added)
		if err := mica.CheckRemovals(src, a, existing, removed); err != nil {
			return err
		}
		if err := correlate(ctx, tx, id, cfg); err != nil {
			return err
		}
		var createdIdentities int
		if src.Authoritative {
			if createdIdentities, err = exec("new identity ids", `UPDATE aggregation_rows
				SET identity_id = replace(gen_random_uuid()::text, '-', ''), new_identity = true
				WHERE aggregation_id = $1 AND state > 0 AND identity_id IS NULL`, id); err != nil {
				return err
			}
			if _, err := exec("create identities", `INSERT INTO identities (id, name, alias, first_name, last_name,
					email, levels, status, attributes, correlated, protected, created, modified, left_day)
				SELECT r.identity_id, coalesce(`+displayExpr+`, nullif(trim(coalesce(`+firstNameExpr+`, '') || ' ' ||
					coalesce(`+lastNameExpr+`, '')), ''), r.name), r.name, `+firstNameExpr+`, `+lastNameExpr+`,
					`+emailExpr+`, '["USER"]', 'ACTIVE', r.attributes, true, false, $1, $1, r.left_day
				FROM aggregation_rows r WHERE r.aggregation_id = $2 AND r.new_identity`, now, id); err != nil {
				return err
			}
			if _, err := exec("update identities", `UPDATE identities SET
					name = coalesce(`+displayExpr+`, identities.name),
					first_name = coalesce(`+firstNameExpr+`, identities.first_name),
					last_name = coalesce(`+lastNameExpr+`, identities.last_name),
					email = coalesce(`+emailExpr+`, identities.email),
					attributes = identities.attributes || r.attributes, left_day = r.left_day, modified = $1
				FROM aggregation_rows r WHERE r.aggregation_id = $2 AND r.state > 0
					AND NOT r.new_identity AND r.identity_id = identities.id`, now, id); err != nil {
				return err
			}
		}
		// New account ids share a random prefix and count up, so a million inserts append to the
		// primary key instead of landing on random pages.
		if _, err := exec("insert accounts", `INSERT INTO accounts (id, source_id, source_name, native_identity, name,
				identity_id, identity_name, attributes, authoritative, disabled, locked, uncorrelated, origin,
				content_hash, aggregation_id, created, modified)
			SELECT $1::text || lpad(to_hex(row_number() OVER (ORDER BY r.native_identity COLLATE "C")), 16, '0'),
				$2, $3, r.native_identity, r.name, r.identity_id, i.name, r.attributes, $4,
				r.disabled, r.locked, r.identity_id IS NULL, 'AGGREGATED', r.hash, $5, $6, $6
			FROM aggregation_rows r LEFT JOIN identities i ON i.id = r.identity_id
			WHERE r.aggregation_id = $5 AND r.state = 1`,
			mica.NewID()[:16], a.SourceID, src.Name, src.Authoritative, id, now); err != nil {
			return err
		}
		if _, err := exec("update accounts", `UPDATE accounts SET name = r.name, attributes = r.attributes,
				disabled = r.disabled, locked = r.locked, content_hash = r.hash, identity_id = r.identity_id,
				identity_name = (SELECT i.name FROM identities i WHERE i.id = r.identity_id),
				uncorrelated = r.identity_id IS NULL, aggregation_id = $1, modified = $2
			FROM aggregation_rows r WHERE r.aggregation_id = $1 AND r.state = 2 AND accounts.id = r.account_id`,
			id, now); err != nil {
			return err
		}
		if src.Authoritative {
			if _, err := exec("refresh identity names", `UPDATE accounts SET identity_name = i.name
				FROM identities i WHERE accounts.identity_id = i.id AND accounts.identity_name IS DISTINCT FROM i.name
					AND i.id IN (SELECT identity_id FROM aggregation_rows WHERE aggregation_id = $1 AND state > 0)`, id); err != nil {
				return err
			}
		}
		deleted, err := exec("remove accounts", `DELETE FROM accounts WHERE source_id = $1 AND NOT EXISTS (
			SELECT 1 FROM aggregation_rows r WHERE r.aggregation_id = $2 AND r.native_identity = accounts.native_identity)`,
			a.SourceID, id)
		if err != nil {
			return err
		}
		var identities int
		if err := tx.QueryRow(ctx, `SELECT count(DISTINCT identity_id) FROM aggregation_rows
			WHERE aggregation_id = $1 AND state > 0 AND identity_id IS NOT NULL`, id).Scan(&identities); err != nil {
			return fmt.Errorf("count identities: %w", err)
		}
		if err := db.classifyAggregated(ctx, tx, a.SourceID, id); err != nil {
			return err
		}
		a.Complete(scanned, added, changed, deleted, identities, createdIdentities, tx.now)
		if _, err := exec("complete aggregation", `UPDATE aggregations SET status = $1, completion_status = $2,
				total_accounts = $3, processed_accounts = $4, marked_for_deletion = $5, deleted_accounts = $6,
				total_identities = $7, processed_identities = $8, stats = $9, messages = $10, file_path = NULL, completed = $11
			WHERE id = $12`, a.Status, a.CompletionStatus, a.TotalAccounts, a.ProcessedAccounts, a.MarkedForDeletion,
			a.DeletedAccounts, a.TotalIdentities, a.ProcessedIdentities, toJSON(a.Stats), toJSON(a.Messages), now, id); err != nil {
			return err
		}
		out = a
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, db.dropStaging(ctx, id)
}

// dropStaging deletes an aggregation's staged rows (PostgreSQL has no single
// writer to hold up, so one statement does).
func (db *DB) dropStaging(ctx context.Context, id string) error {
	if _, err := db.pool.Exec(ctx, `DELETE FROM aggregation_rows WHERE aggregation_id = $1`, id); err != nil {
		return fmt.Errorf("drop staged rows: %w", err)
	}
	return nil
}

// FailAggregation ends an aggregation as TERMINATED with an error message.
func (db *DB) FailAggregation(ctx context.Context, id, completionStatus, message string) error {
	err := db.update(ctx, func(tx *Tx) error { return failAggregation(ctx, tx, id, completionStatus, message) })
	if err != nil {
		return err
	}
	return db.dropStaging(ctx, id)
}

// failAggregation ends an aggregation as TERMINATED with an error message,
// leaving its staged rows to dropStaging.
func failAggregation(ctx context.Context, tx *Tx, id, completionStatus, message string) error {
	a, err := getAggregation(ctx, tx, id, true)
	if err != nil {
		return err
	}
	a.Messages = append(a.Messages, mica.TaskMessage{Type: "ERROR", Key: "TASK_OUT_ACCOUNT_AGGREGATION_ERROR", Text: message})
	_, err = tx.Exec(ctx, `UPDATE aggregations SET status = $1, completion_status = $2, messages = $3,
		file_path = NULL, completed = $4 WHERE id = $5`, mica.AggTerminated, completionStatus, toJSON(a.Messages),
		tx.now, id)
	if err != nil {
		return fmt.Errorf("fail aggregation: %w", err)
	}
	return nil
}

// TerminateUnfinishedAggregations ends every aggregation a previous run left
// unfinished and returns the files they were reading.
//
// With several servers on one database this must only run when no server is
// aggregating; servers use TerminateExpiredAggregations instead.
func (db *DB) TerminateUnfinishedAggregations(ctx context.Context, message string) ([]string, error) {
	rows, err := db.pool.Query(ctx, `SELECT id, coalesce(file_path, '') FROM aggregations WHERE status IN ($1, $2)`,
		mica.AggStarted, mica.AggAccountsCollected)
	if err != nil {
		return nil, fmt.Errorf("find unfinished aggregations: %w", err)
	}
	var ids, files []string
	for rows.Next() {
		var id, file string
		if err := rows.Scan(&id, &file); err != nil {
			rows.Close()
			return nil, fmt.Errorf("find unfinished aggregations: %w", err)
		}
		ids = append(ids, id)
		if file != "" {
			files = append(files, file)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("find unfinished aggregations: %w", err)
	}
	for _, id := range ids {
		if err := db.FailAggregation(ctx, id, mica.CompletionTerminated, message); err != nil {
			return files, err
		}
	}
	return files, nil
}

// RenewAggregationLeases claims the unfinished aggregations ids for owner and
// extends their leases to until. An aggregation being applied holds its row
// lock, so its renewal waits for the apply to end and then finds it ended.
func (db *DB) RenewAggregationLeases(ctx context.Context, owner string, ids []string, until time.Time) error {
	if len(ids) == 0 {
		return nil
	}
	if _, err := db.pool.Exec(ctx, `UPDATE aggregations SET owner = $1, lease_until = $2
		WHERE id = ANY($3) AND status IN ($4, $5) AND (owner IS NULL OR owner = $1)`,
		owner, utc(until), ids, mica.AggStarted, mica.AggAccountsCollected); err != nil {
		return fmt.Errorf("renew aggregation leases: %w", err)
	}
	return nil
}

// TerminateExpiredAggregations ends the unfinished aggregations whose lease
// ended before now, except owner's, and returns their files. The expired rows
// are locked (FOR UPDATE SKIP LOCKED) in the transaction that ends them, so two
// servers sweeping together end each once, a renewal that committed first keeps
// its aggregation alive, and an aggregation being applied (its row locked by
// the apply) is skipped.
func (db *DB) TerminateExpiredAggregations(ctx context.Context, owner string, now time.Time, message string) ([]string, error) {
	var ids, files []string
	err := db.update(ctx, func(tx *Tx) error {
		rows, err := tx.Query(ctx, `SELECT id, coalesce(file_path, '') FROM aggregations
			WHERE status IN ($1, $2) AND (lease_until IS NULL OR lease_until < $3) AND (owner IS NULL OR owner <> $4)
			ORDER BY id FOR UPDATE SKIP LOCKED`, mica.AggStarted, mica.AggAccountsCollected, now, owner)
		if err != nil {
			return fmt.Errorf("find expired aggregations: %w", err)
		}
		for rows.Next() {
			var id, file string
			if err := rows.Scan(&id, &file); err != nil {
				rows.Close()
				return fmt.Errorf("find expired aggregations: %w", err)
			}
			ids = append(ids, id)
			if file != "" {
				files = append(files, file)
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return fmt.Errorf("find expired aggregations: %w", err)
		}
		for _, id := range ids {
			if err := failAggregation(ctx, tx, id, mica.CompletionTerminated, message); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	for _, id := range ids {
		if err := db.dropStaging(ctx, id); err != nil {
			return files, err
		}
	}
	return files, nil
}
