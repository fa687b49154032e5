package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/micahq/mica/postgres"
)

// settingTenantInfo holds the tenantInfo of a pristine PostgreSQL tenant, in
// the tenant's own settings, so that it travels with the database and its dump.
const settingTenantInfo = "micabench.tenant"

// pgName is the pristine database of the tenant on PostgreSQL.
func (t *tenantSpec) pgName() string {
	return fmt.Sprintf("micabench_s%d_i%d_ad%d_apps%d_c%d_v2", t.seed, t.identities, t.adAccounts, t.apps, t.clients)
}

// pgDump is where the pristine database's dump is cached, so that a new
// throwaway cluster restores it instead of generating it again.
func (t *tenantSpec) pgDump(work string) string {
	return filepath.Join(work, "pg-"+t.pgName()+".dump")
}

// preparePostgres makes the pristine database of the tenant on the cluster,
// once: it is there already (the same cluster as a previous invocation), or it
// is restored from the cached dump, or it is generated (then dumped). The
// database is built under a temporary name and renamed when complete.
func (t *tenantSpec) preparePostgres(ctx context.Context, o *options) (*tenantInfo, string, error) {
	c, name := o.pg, t.pgName()
	ok, err := c.exists(ctx, name)
	if err != nil {
		return nil, "", err
	}
	if ok {
		info, err := readTenantInfo(ctx, c.dbURL(name))
		if err == nil {
			fmt.Fprintf(os.Stderr, "tenant: database %s on %s\n", name, c)
			return info, name, nil
		}
		fmt.Fprintf(os.Stderr, "tenant: database %s is not a finished tenant (%v): making it again\n", name, err)
		if err := c.drop(ctx, name); err != nil {
			return nil, "", err
		}
	}
	tmp := name + "_tmp"
	if err := c.createEmpty(ctx, tmp); err != nil {
		return nil, "", err
	}
	dump := t.pgDump(o.work)
	restored := false
	if _, err := os.Stat(dump); err == nil {
		start := time.Now()
		fmt.Fprintf(os.Stderr, "tenant: restoring %s into %s ...\n", dump, tmp)
		cmd := exec.CommandContext(ctx, filepath.Join(c.pgbin, "pg_restore"), "--no-owner", "--exit-on-error",
			"--jobs", "2", "--dbname", c.dbURL(tmp), dump)
		cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
		if err := cmd.Run(); err != nil {
			fmt.Fprintf(os.Stderr, "tenant: pg_restore: %v: generating the tenant instead\n", err)
			if err := c.createEmpty(ctx, tmp); err != nil {
				return nil, "", err
			}
		} else {
			restored = true
			fmt.Fprintf(os.Stderr, "tenant: restored in %s\n", time.Since(start).Round(time.Second))
		}
	}
	if !restored {
		if err := t.generatePostgres(ctx, o, c.dbURL(tmp)); err != nil {
			return nil, "", err
		}
	}
	// Every run then starts with the planner's statistics and the visibility map made.
	start := time.Now()
	if err := vacuumAnalyze(ctx, c.dbURL(tmp)); err != nil {
		return nil, "", err
	}
	fmt.Fprintf(os.Stderr, "tenant: VACUUM ANALYZE in %s\n", time.Since(start).Round(time.Second))
	if !restored {
		start := time.Now()
		if err := pgDump(ctx, c, tmp, dump); err != nil {
			fmt.Fprintf(os.Stderr, "tenant: not cached (%v): a new cluster will generate it again\n", err)
		} else {
			fmt.Fprintf(os.Stderr, "tenant: dumped to %s in %s\n", dump, time.Since(start).Round(time.Second))
		}
	}
	if err := c.exec(ctx, `ALTER DATABASE `+quoteIdent(tmp)+` RENAME TO `+quoteIdent(name)); err != nil {
		return nil, "", err
	}
	info, err := readTenantInfo(ctx, c.dbURL(name))
	if err != nil {
		return nil, "", err
	}
	return info, name, nil
}

// readTenantInfo reads the tenant's description from its database.
func readTenantInfo(ctx context.Context, dsn string) (*tenantInfo, error) {
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		return nil, err
	}
	defer func() { _ = conn.Close(ctx) }()
	var s string
	if err := conn.QueryRow(ctx, `SELECT value FROM settings WHERE key = $1`, settingTenantInfo).Scan(&s); err != nil {
		return nil, fmt.Errorf("read %s: %w", settingTenantInfo, err)
	}
	var info tenantInfo
	if err := json.Unmarshal([]byte(s), &info); err != nil {
		return nil, err
	}
	return &info, nil
}

func vacuumAnalyze(ctx context.Context, dsn string) error {
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		return err
	}
	defer func() { _ = conn.Close(ctx) }()
	_, err = conn.Exec(ctx, `VACUUM (ANALYZE)`)
	return err
}

// pgDump writes database name to file (custom format, light compression).
func pgDump(ctx context.Context, c *pgCluster, name, file string) error {
	tmp := file + ".tmp"
	cmd := exec.CommandContext(ctx, filepath.Join(c.pgbin, "pg_dump"), "--format", "custom", "--compress", "1",
		"--file", tmp, "--dbname", c.dbURL(name))
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Run(); err != nil {
		_ = os.Remove(tmp)
		return fmt.Errorf("pg_dump: %w", err)
	}
	return os.Rename(tmp, file)
}

// generatePostgres writes the tenant into the empty database at dsn: the demo
// tenant (`mica demo --database`, as on SQLite), then micabench's apps and clients.
func (t *tenantSpec) generatePostgres(ctx context.Context, o *options, dsn string) error {
	start := time.Now()
	fmt.Fprintf(os.Stderr, "tenant: generating (%d identities, %d AD accounts) into PostgreSQL ...\n", t.identities, t.adAccounts)
	dataDir, err := os.MkdirTemp("", "micabench-demo-")
	if err != nil {
		return err
	}
	defer func() { _ = os.RemoveAll(dataDir) }()
	cmd := exec.CommandContext(ctx, o.mica, "demo", "--database", dsn, "--data-dir", dataDir, "--seed", fmt.Sprint(t.seed),
		"--identities", fmt.Sprint(t.identities), "--ad-accounts", fmt.Sprint(t.adAccounts), "--classify=false")
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("mica demo: %w", err)
	}
	demoDone := time.Since(start)
	db, err := postgres.Open(ctx, dsn)
	if err != nil {
		return err
	}
	defer func() { _ = db.Close() }()
	holders := func(ctx context.Context, admin, adSource string, n int) ([]string, error) {
		rows, err := db.Pool().Query(ctx, `SELECT i.id FROM identities i WHERE i.id <> $1 AND EXISTS
			(SELECT 1 FROM accounts a WHERE a.identity_id = i.id AND a.source_id = $2) ORDER BY i.id COLLATE "C" LIMIT $3`,
			admin, adSource, n)
		if err != nil {
			return nil, err
		}
		return pgx.CollectRows(rows, pgx.RowTo[string])
	}
	info, err := t.addBenchData(ctx, db, holders)
	if err != nil {
		return err
	}
	b, err := json.Marshal(info)
	if err != nil {
		return err
	}
	if err := db.SetSetting(ctx, settingTenantInfo, string(b)); err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "tenant: generated in %s (demo tenant %s, apps and clients %s)\n",
		time.Since(start).Round(time.Second), demoDone.Round(time.Second), (time.Since(start) - demoDone).Round(time.Second))
	return nil
}
