package postgres

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/micahq/mica"
)

// Snapshots are copies of the tenant's tables in a schema of their own:
// "mica_snap_" and a digest of the store's schema and the snapshot's name (so
// that stores in different schemas of one database keep theirs apart), with a
// table mica_snapshot saying whose it is. A save copies every table in one
// repeatable-read transaction; a restore empties the tenant's tables and
// copies them back in one transaction, so readers see the old tenant or the
// new one. River's tables, the migrations and the shared rate-limit counters
// are not the tenant's and stay as they are.

// snapshotSchema names the schema of snapshot name of the store in schema.
func snapshotSchema(schema, name string) string {
	sum := sha256.Sum256([]byte(schema + "\x00" + name))
	return "mica_snap_" + hex.EncodeToString(sum[:12])
}

// notTenant are the store's tables that snapshots leave alone (River's too).
// The caches' change log is not the tenant's either: a restore's own writes
// log it (cachelog.go).
var notTenant = map[string]bool{"schema_migrations": true, "rate_tokens": true, "cache_changes": true,
	"cache_horizon": true}

// tenantTables lists the tenant's tables in schema, parents before the
// tables whose foreign keys refer to them.
func tenantTables(ctx context.Context, q queryer, schema string) ([]string, error) {
	rows, err := q.Query(ctx, `SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
		WHERE n.nspname = $1 AND c.relkind IN ('r', 'p') ORDER BY c.relname`, schema)
	if err != nil {
		return nil, fmt.Errorf("list tables: %w", err)
	}
	names, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, fmt.Errorf("list tables: %w", err)
	}
	var tables []string
	for _, n := range names {
		if !notTenant[n] && !strings.HasPrefix(n, "river_") {
			tables = append(tables, n)
		}
	}
	rows, err = q.Query(ctx, `SELECT cl.relname, ref.relname FROM pg_constraint co
		JOIN pg_class cl ON cl.oid = co.conrelid JOIN pg_class ref ON ref.oid = co.confrelid
		JOIN pg_namespace n ON n.oid = cl.relnamespace
		WHERE co.contype = 'f' AND n.nspname = $1`, schema)
	if err != nil {
		return nil, fmt.Errorf("list foreign keys: %w", err)
	}
	parents := map[string][]string{}
	for rows.Next() {
		var child, parent string
		if err := rows.Scan(&child, &parent); err != nil {
			rows.Close()
			return nil, fmt.Errorf("list foreign keys: %w", err)
		}
		if child != parent {
			parents[child] = append(parents[child], parent)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list foreign keys: %w", err)
	}
	var ordered []string
	done := map[string]bool{}
	var visit func(t string, depth int)
	visit = func(t string, depth int) {
		if done[t] || depth > len(tables) {
			return
		}
		for _, p := range parents[t] {
			visit(p, depth+1)
		}
		if !done[t] {
			done[t] = true
			ordered = append(ordered, t)
		}
	}
	for _, t := range tables {
		visit(t, 0)
	}
	out := ordered[:0]
	for _, t := range ordered {
		if !notTenant[t] && !strings.HasPrefix(t, "river_") {
			out = append(out, t)
		}
	}
	return out, nil
}

func currentSchema(ctx context.Context, q queryer) (string, error) {
	var s string
	if err := q.QueryRow(ctx, `SELECT current_schema()`).Scan(&s); err != nil {
		return "", fmt.Errorf("current schema: %w", err)
	}
	return s, nil
}

func qualified(schema, table string) string { return pgx.Identifier{schema, table}.Sanitize() }

// SaveSnapshot implements mica.SnapshotService.
func (db *DB) SaveSnapshot(ctx context.Context, name string) (*mica.Snapshot, error) {
	if err := mica.CheckSnapshotName(name); err != nil {
		return nil, err
	}
	var snap *mica.Snapshot
	err := db.WithLock(ctx, "snapshots", func(ctx context.Context) error {
		tx, err := db.pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead})
		if err != nil {
			return fmt.Errorf("save snapshot: %w", err)
		}
		defer func() { _ = tx.Rollback(context.WithoutCancel(ctx)) }()
		schema, err := currentSchema(ctx, tx)
		if err != nil {
			return err
		}
		tables, err := tenantTables(ctx, tx, schema)
		if err != nil {
			return err
		}
		target := snapshotSchema(schema, name)
		ident := pgx.Identifier{target}.Sanitize()
		if _, err := tx.Exec(ctx, `DROP SCHEMA IF EXISTS `+ident+` CASCADE`); err != nil {
			return fmt.Errorf("save snapshot: %w", err)
		}
		if _, err := tx.Exec(ctx, `CREATE SCHEMA `+ident); err != nil {
			return fmt.Errorf("save snapshot: %w", err)
		}
		for _, t := range tables {
			if _, err := tx.Exec(ctx, `CREATE TABLE `+qualified(target, t)+` AS TABLE `+qualified(schema, t)); err != nil {
				return fmt.Errorf("save snapshot: copy %s: %w", t, err)
			}
		}
		now := db.Now().UTC().Truncate(time.Microsecond)
		if _, err := tx.Exec(ctx, `CREATE TABLE `+qualified(target, "mica_snapshot")+` AS
			SELECT $1::text AS name, $2::text AS source_schema, $3::timestamptz AS created,
				array(SELECT version FROM `+qualified(schema, "schema_migrations")+`) AS migrations`,
			name, schema, now); err != nil {
			return fmt.Errorf("save snapshot: %w", err)
		}
		if err := tx.Commit(ctx); err != nil {
			return fmt.Errorf("save snapshot: %w", err)
		}
		snap, err = db.snapshotIn(ctx, target, schema)
		return err
	})
	return snap, err
}

// errNoSnapshot is snapshotIn's answer when there is no snapshot of the store
// in a schema; its callers answer clients with the snapshot's name.
var errNoSnapshot = errors.New("no snapshot of this store there")

// snapshotIn reads the snapshot in schema target, errNoSnapshot when there is
// none there that belongs to the store in schema.
func (db *DB) snapshotIn(ctx context.Context, target, schema string) (*mica.Snapshot, error) {
	var exists bool
	if err := db.pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
		WHERE n.nspname = $1 AND c.relname = 'mica_snapshot')`, target).Scan(&exists); err != nil {
		return nil, fmt.Errorf("find snapshot: %w", err)
	}
	if !exists {
		return nil, errNoSnapshot
	}
	s := &mica.Snapshot{}
	var source string
	err := db.pool.QueryRow(ctx, `SELECT name, source_schema, created,
		(SELECT coalesce(sum(pg_total_relation_size(c.oid)), 0) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
			WHERE n.nspname = $1 AND c.relkind = 'r')
		FROM `+qualified(target, "mica_snapshot"), target).Scan(&s.Name, &source, &s.Created, &s.Bytes)
	if errors.Is(err, pgx.ErrNoRows) || (err == nil && source != schema) {
		return nil, errNoSnapshot
	} else if err != nil {
		return nil, fmt.Errorf("read snapshot: %w", err)
	}
	s.Created = s.Created.UTC()
	return s, nil
}

// RestoreSnapshot implements mica.SnapshotService.
func (db *DB) RestoreSnapshot(ctx context.Context, name string) error {
	if err := mica.CheckSnapshotName(name); err != nil {
		return err
	}
	return db.WithLock(ctx, "snapshots", func(ctx context.Context) error {
		schema, err := currentSchema(ctx, db.pool)
		if err != nil {
			return err
		}
		target := snapshotSchema(schema, name)
		if _, err := db.snapshotIn(ctx, target, schema); err != nil {
			if errors.Is(err, errNoSnapshot) {
				return mica.ErrNotFound(mica.KindSnapshot, name)
			}
			return err
		}
		return db.update(ctx, func(tx *Tx) error { return restoreTables(ctx, tx, schema, target) })
	})
}

// restoreTables replaces the tenant's tables in schema with the copies in target.
func restoreTables(ctx context.Context, tx *Tx, schema, target string) error {
	var unknown []string
	if err := tx.QueryRow(ctx, `SELECT coalesce(array_agg(m), '{}') FROM unnest((SELECT migrations FROM `+
		qualified(target, "mica_snapshot")+`)) m WHERE m NOT IN (SELECT version FROM `+qualified(schema, "schema_migrations")+`)`).
		Scan(&unknown); err != nil {
		return fmt.Errorf("restore snapshot: migrations: %w", err)
	}
	if len(unknown) > 0 {
		return mica.ErrSnapshotTooNew(unknown[0])
	}
	tables, err := tenantTables(ctx, tx, schema)
	if err != nil {
		return err
	}
	saved, err := columnsOf(ctx, tx, target)
	if err != nil {
		return err
	}
	live, err := columnsOf(ctx, tx, schema)
	if err != nil {
		return err
	}
	list := make([]string, len(tables))
	for i, t := range tables {
		list[i] = qualified(schema, t)
	}
	if _, err := tx.Exec(ctx, `TRUNCATE `+strings.Join(list, ", ")); err != nil {
		return fmt.Errorf("restore snapshot: empty the tenant: %w", err)
	}
	for _, t := range tables {
		have := map[string]bool{}
		for _, c := range saved[t] {
			have[c] = true
		}
		var cols []string
		for _, c := range live[t] {
			if have[c] {
				cols = append(cols, pgx.Identifier{c}.Sanitize())
			}
		}
		if len(cols) == 0 { // a table newer than the snapshot stays empty
			continue
		}
		cl := strings.Join(cols, ", ")
		if _, err := tx.Exec(ctx, `INSERT INTO `+qualified(schema, t)+` (`+cl+`) OVERRIDING SYSTEM VALUE SELECT `+cl+
			` FROM `+qualified(target, t)); err != nil {
			return fmt.Errorf("restore snapshot: copy %s: %w", t, err)
		}
	}
	// A snapshot saved before migration 0017 holds the classification state on
	// its accounts' rows: it moves to account_classifications, as 0017 moved it.
	if _, ok := saved["account_classifications"]; !ok && slices.Contains(saved["accounts"], "is_machine") {
		if _, err := tx.Exec(ctx, `INSERT INTO `+qualified(schema, "account_classifications")+` (account_id,
			is_machine, classification_method, classified_at, recommendation_type, recommendation_method, modified)
			SELECT id, is_machine, classification_method, classified_at, recommendation_type, recommendation_method, modified
			FROM `+qualified(target, "accounts")+` WHERE is_machine OR classification_method IS NOT NULL
				OR classified_at IS NOT NULL OR recommendation_type IS NOT NULL OR recommendation_method IS NOT NULL`); err != nil {
			return fmt.Errorf("restore snapshot: classifications: %w", err)
		}
	}
	// Identity columns go on from the highest value restored.
	rows, err := tx.Query(ctx, `SELECT table_name, column_name FROM information_schema.columns
		WHERE table_schema = $1 AND (is_identity = 'YES' OR column_default LIKE 'nextval(%')`, schema)
	if err != nil {
		return fmt.Errorf("restore snapshot: sequences: %w", err)
	}
	type col struct{ table, column string }
	var seqs []col
	for rows.Next() {
		var c col
		if err := rows.Scan(&c.table, &c.column); err != nil {
			rows.Close()
			return fmt.Errorf("restore snapshot: sequences: %w", err)
		}
		seqs = append(seqs, c)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("restore snapshot: sequences: %w", err)
	}
	for _, c := range seqs {
		if notTenant[c.table] || strings.HasPrefix(c.table, "river_") {
			continue
		}
		q := qualified(schema, c.table)
		id := pgx.Identifier{c.column}.Sanitize()
		if _, err := tx.Exec(ctx, `SELECT setval(pg_get_serial_sequence($1, $2), coalesce((SELECT max(`+id+`) FROM `+q+`), 0) + 1, false)`,
			q, c.column); err != nil {
			return fmt.Errorf("restore snapshot: sequence of %s.%s: %w", c.table, c.column, err)
		}
	}
	return nil
}

// columnsOf lists the columns of every table in schema, in order.
func columnsOf(ctx context.Context, q queryer, schema string) (map[string][]string, error) {
	rows, err := q.Query(ctx, `SELECT table_name, column_name FROM information_schema.columns
		WHERE table_schema = $1 AND is_generated = 'NEVER' ORDER BY table_name, ordinal_position`, schema)
	if err != nil {
		return nil, fmt.Errorf("list columns: %w", err)
	}
	defer rows.Close()
	out := map[string][]string{}
	for rows.Next() {
		var t, c string
		if err := rows.Scan(&t, &c); err != nil {
			return nil, fmt.Errorf("list columns: %w", err)
		}
		out[t] = append(out[t], c)
	}
	return out, rows.Err()
}

// ListSnapshots implements mica.SnapshotService.
func (db *DB) ListSnapshots(ctx context.Context) ([]*mica.Snapshot, error) {
	schema, err := currentSchema(ctx, db.pool)
	if err != nil {
		return nil, err
	}
	rows, err := db.pool.Query(ctx, `SELECT n.nspname FROM pg_namespace n WHERE n.nspname LIKE 'mica\_snap\_%'`)
	if err != nil {
		return nil, fmt.Errorf("list snapshots: %w", err)
	}
	schemas, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, fmt.Errorf("list snapshots: %w", err)
	}
	out := []*mica.Snapshot{}
	for _, s := range schemas {
		snap, err := db.snapshotIn(ctx, s, schema)
		if errors.Is(err, errNoSnapshot) {
			continue // another store's, or one being deleted
		} else if err != nil {
			return nil, err
		}
		out = append(out, snap)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// DeleteSnapshot implements mica.SnapshotService.
func (db *DB) DeleteSnapshot(ctx context.Context, name string) error {
	if err := mica.CheckSnapshotName(name); err != nil {
		return err
	}
	return db.WithLock(ctx, "snapshots", func(ctx context.Context) error {
		schema, err := currentSchema(ctx, db.pool)
		if err != nil {
			return err
		}
		target := snapshotSchema(schema, name)
		if _, err := db.snapshotIn(ctx, target, schema); err != nil {
			if errors.Is(err, errNoSnapshot) {
				return mica.ErrNotFound(mica.KindSnapshot, name)
			}
			return err
		}
		if _, err := db.pool.Exec(ctx, `DROP SCHEMA `+pgx.Identifier{target}.Sanitize()+` CASCADE`); err != nil {
			return fmt.Errorf("delete snapshot %s: %w", name, err)
		}
		return nil
	})
}
