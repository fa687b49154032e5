package main

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// pgEnv names the PostgreSQL server micabench uses with -database postgres: the
// variable scripts/with-postgres sets (and the test suite reads).
const pgEnv = "MICA_TEST_POSTGRES"

// withPostgres is the script that starts a throwaway PostgreSQL 15 around a
// command, relative to the repository root.
const withPostgres = "scripts/with-postgres"

// runDB is the database each run works on: a fresh copy of the pristine one.
const runDB = "micabench_run"

// reexecWithPostgres replaces micabench with itself run under
// scripts/with-postgres, which starts a throwaway PostgreSQL, sets pgEnv, and
// removes the server and its data when micabench ends.
func reexecWithPostgres() error {
	script, err := filepath.Abs(withPostgres)
	if err != nil {
		return err
	}
	if _, err := os.Stat(script); err != nil {
		return fmt.Errorf("-database postgres without %s needs %s (run from the repository root) or -database postgres://...: %w",
			pgEnv, withPostgres, err)
	}
	self, err := os.Executable()
	if err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "%s is not set: starting a throwaway PostgreSQL with %s\n", pgEnv, withPostgres)
	return syscall.Exec(script, append([]string{script, self}, os.Args[1:]...), os.Environ())
}

// pgCluster is the PostgreSQL server the benchmarks run on. Its URL's database
// is only used to create and drop the benchmark's databases.
type pgCluster struct {
	url   *url.URL
	pgbin string // where pg_dump and pg_restore are ($PGBIN, else PostgreSQL 15's)
}

func newPGCluster(dsn string) (*pgCluster, error) {
	u, err := url.Parse(dsn)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		return nil, fmt.Errorf("PostgreSQL: want a postgres:// URL, got %q", dsn)
	}
	bin := os.Getenv("PGBIN")
	if bin == "" {
		bin = "/usr/lib/postgresql/15/bin"
	}
	return &pgCluster{url: u, pgbin: bin}, nil
}

// dbURL is the URL of database name on the cluster.
func (c *pgCluster) dbURL(name string) string {
	u := *c.url
	u.Path, u.RawPath = "/"+name, ""
	return u.String()
}

// String is the cluster's address, for messages.
func (c *pgCluster) String() string { return c.url.Host }

// admin connects to the cluster's administration database.
func (c *pgCluster) admin(ctx context.Context) (*pgx.Conn, error) {
	conn, err := pgx.Connect(ctx, c.url.String())
	if err != nil {
		return nil, fmt.Errorf("connect to PostgreSQL at %s: %w", c, err)
	}
	return conn, nil
}

func quoteIdent(name string) string { return pgx.Identifier{name}.Sanitize() }

// exists reports whether database name exists.
func (c *pgCluster) exists(ctx context.Context, name string) (bool, error) {
	conn, err := c.admin(ctx)
	if err != nil {
		return false, err
	}
	defer func() { _ = conn.Close(ctx) }()
	var ok bool
	err = conn.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)`, name).Scan(&ok)
	return ok, err
}

// exec runs administration statements, in order.
func (c *pgCluster) exec(ctx context.Context, stmts ...string) error {
	conn, err := c.admin(ctx)
	if err != nil {
		return err
	}
	defer func() { _ = conn.Close(ctx) }()
	for _, s := range stmts {
		if _, err := conn.Exec(ctx, s); err != nil {
			return fmt.Errorf("%s: %w", s, err)
		}
	}
	return nil
}

// createEmpty (re)creates database name, empty.
func (c *pgCluster) createEmpty(ctx context.Context, name string) error {
	return c.exec(ctx, `DROP DATABASE IF EXISTS `+quoteIdent(name)+` WITH (FORCE)`, `CREATE DATABASE `+quoteIdent(name))
}

// drop drops database name if it exists.
func (c *pgCluster) drop(ctx context.Context, name string) error {
	return c.exec(ctx, `DROP DATABASE IF EXISTS `+quoteIdent(name)+` WITH (FORCE)`)
}

// copyDB (re)creates database name as a copy of template, file by file
// (PostgreSQL 15's default strategy writes the whole copy to the WAL).
func (c *pgCluster) copyDB(ctx context.Context, template, name string) error {
	conn, err := c.admin(ctx)
	if err != nil {
		return err
	}
	defer func() { _ = conn.Close(ctx) }()
	if _, err := conn.Exec(ctx, `DROP DATABASE IF EXISTS `+quoteIdent(name)+` WITH (FORCE)`); err != nil {
		return err
	}
	var version int
	if err := conn.QueryRow(ctx, `SELECT current_setting('server_version_num')::int`).Scan(&version); err != nil {
		return err
	}
	create := `CREATE DATABASE ` + quoteIdent(name) + ` TEMPLATE ` + quoteIdent(template)
	if version >= 150000 {
		create += ` STRATEGY FILE_COPY`
	}
	// The copy fails while anyone is connected to the template; autovacuum may be, briefly.
	for try := 1; ; try++ {
		_, err := conn.Exec(ctx, create)
		var pgErr *pgconn.PgError
		if err == nil || try == 30 || !errors.As(err, &pgErr) || pgErr.Code != "55006" {
			return err
		}
		time.Sleep(time.Second)
	}
}

// postmaster is the PID of the cluster's postmaster when it runs on this
// machine and we may see it, else 0: the parent of a backend, checked to
// be a postgres process.
func (c *pgCluster) postmaster(ctx context.Context) int {
	conn, err := c.admin(ctx)
	if err != nil {
		return 0
	}
	defer func() { _ = conn.Close(ctx) }()
	var backend int
	if err := conn.QueryRow(ctx, `SELECT pg_backend_pid()`).Scan(&backend); err != nil {
		return 0
	}
	st, err := readProcStat(backend)
	if err != nil {
		return 0
	}
	comm, err := os.ReadFile(fmt.Sprintf("/proc/%d/comm", st.ppid))
	if err != nil || !strings.HasPrefix(string(comm), "postgres") {
		return 0
	}
	return st.ppid
}

// pgProcs watches the processes of a local PostgreSQL cluster: the postmaster
// and its children (backends, background workers).
type pgProcs struct {
	postmaster int
	stop       chan struct{}
	done       chan struct{}
	mu         sync.Mutex
	peak       int64 // highest sum of PSS seen
}

// watchPostgres samples the cluster's memory (sum of PSS) every second until
// stopped; nil when the cluster is not visible from here.
func watchPostgres(pid int) *pgProcs {
	if pid == 0 {
		return nil
	}
	p := &pgProcs{postmaster: pid, stop: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(p.done)
		t := time.NewTicker(time.Second)
		defer t.Stop()
		for {
			p.sample()
			select {
			case <-p.stop:
				p.sample()
				return
			case <-t.C:
			}
		}
	}()
	return p
}

func (p *pgProcs) pids() []int { return append(children(p.postmaster), p.postmaster) }

func (p *pgProcs) sample() {
	var sum int64
	for _, pid := range p.pids() {
		if n, err := pss(pid); err == nil {
			sum += n
		}
	}
	p.mu.Lock()
	p.peak = max(p.peak, sum)
	p.mu.Unlock()
}

// cpu is the CPU time each of the cluster's processes has used so far, by PID.
func (p *pgProcs) cpu() map[int]time.Duration {
	out := map[int]time.Duration{}
	for _, pid := range p.pids() {
		if st, err := readProcStat(pid); err == nil {
			out[pid] = st.cpu
		}
	}
	return out
}

// cpuSince is the CPU time the cluster used since the snapshot before (a
// process that ended in between is not counted; the servers' connections last).
func (p *pgProcs) cpuSince(before map[int]time.Duration) time.Duration {
	var d time.Duration
	for pid, t := range p.cpu() {
		d += t - before[pid]
	}
	return d
}

// finish stops the sampling and returns the peak memory.
func (p *pgProcs) finish() int64 {
	close(p.stop)
	<-p.done
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.peak
}
