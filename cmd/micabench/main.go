// Command micabench runs mica's end-to-end benchmarks against a real server
// process on loopback: classification of a 1,000,000-account source, listing
// assigned source apps under load, and a 1,000,000-row CSV aggregation.
//
//	micabench classify [flags]   POST classify to COMPLETED on the demo AD source
//	micabench list [flags]       GET /v2025/source-apps/assigned under 32 connections
//	micabench import [flags]     load-accounts of a generated 1,000,000-row CSV
//	micabench ldap [flags]       load-accounts of an AD source on a 100,000-entry OpenLDAP
//
// Each run starts a fresh server on a copy of a prepared data set (generated
// once with the demo generator or scripts/gencsv, then cached under -work),
// waits until the machine is quiet (1-minute load average below -max-load),
// measures, and reads the server's peak RSS (VmHWM). It prints one line per
// run to stderr and one result line, the median of -runs runs, to stdout.
// Timings live here and in BENCHMARKS.md, never in tests.
//
// classify and list also run on PostgreSQL (-database postgres) with one or
// more servers sharing the database (-servers N): the tenant is generated once
// into a pristine database (and its dump cached under -work), and every run
// works on a copy of it (CREATE DATABASE ... TEMPLATE). Without MICA_TEST_POSTGRES
// micabench runs itself under scripts/with-postgres, a throwaway PostgreSQL 15.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"time"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "micabench:", err)
		os.Exit(1)
	}
}

const usage = `usage: micabench classify|list|import|ldap [flags]   (micabench CMD -h lists the flags)`

func run(ctx context.Context, args []string) error {
	if len(args) == 0 {
		return errors.New(usage)
	}
	var b bench
	switch args[0] {
	case "classify":
		b = &classifyBench{}
	case "list":
		b = &listBench{}
	case "import":
		b = &importBench{}
	case "ldap":
		b = &ldapBench{}
	default:
		return errors.New(usage)
	}
	fs := flag.NewFlagSet("micabench "+args[0], flag.ContinueOnError)
	var o options
	fs.StringVar(&o.mica, "mica", "bin/mica", "the mica binary to benchmark (make builds it)")
	fs.StringVar(&o.work, "work", filepath.Join(os.TempDir(), "micabench"), "where data sets are cached and runs happen")
	fs.IntVar(&o.runs, "runs", 3, "runs; the result is their median")
	fs.Float64Var(&o.maxLoad, "max-load", 1.5, "wait before each run until the 1-minute load average is below this (0: do not wait)")
	fs.DurationVar(&o.loadWait, "load-wait", 15*time.Minute, "give up waiting for a quiet machine after this long and run anyway")
	fs.StringVar(&o.cpuProfile, "cpuprofile", "", "write a CPU profile of the server during the first run to this file")
	fs.StringVar(&loadProfile, "loadprofile", "", "write a CPU profile of the load generator (this process) during the first measured load to this file")
	fs.DurationVar(&o.profileFor, "profile-for", 10*time.Second, "how long the -cpuprofile capture lasts (of every server: FILE, FILE.2, ...)")
	fs.StringVar(&o.database, "database", "sqlite", "the store: sqlite; postgres ($"+pgEnv+", else a throwaway PostgreSQL 15 through "+
		withPostgres+"); or a postgres:// URL of a server where micabench may create databases (classify and list)")
	fs.IntVar(&o.servers, "servers", 1, "mica serve processes sharing the PostgreSQL database; list spreads its connections over them")
	b.flags(fs)
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	if o.runs < 1 {
		return errors.New("-runs must be at least 1")
	}
	if o.servers < 1 {
		return errors.New("-servers must be at least 1")
	}
	var err error
	label := args[0]
	switch dsn := o.database; {
	case dsn == "sqlite":
		if o.servers != 1 {
			return errors.New("-servers needs -database postgres: servers cannot share a SQLite store")
		}
	case args[0] == "import":
		return errors.New("import runs on SQLite only")
	case dsn == "postgres":
		if dsn = os.Getenv(pgEnv); dsn == "" {
			return reexecWithPostgres()
		}
		fallthrough
	case strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://"):
		if o.pg, err = newPGCluster(dsn); err != nil {
			return err
		}
		label = fmt.Sprintf("%s on PostgreSQL, %d server", args[0], o.servers)
		if o.servers > 1 {
			label += "s"
		}
	default:
		return fmt.Errorf("-database %q: sqlite, postgres or a postgres:// URL", o.database)
	}
	if o.mica, err = filepath.Abs(o.mica); err != nil {
		return err
	}
	if _, err := os.Stat(o.mica); err != nil {
		return fmt.Errorf("mica binary: %w (run make build)", err)
	}
	if err := os.MkdirAll(o.work, 0o755); err != nil {
		return err
	}
	if err := b.prepare(ctx, &o); err != nil {
		return fmt.Errorf("prepare data set: %w", err)
	}
	var results []result
	for i := range o.runs {
		load := waitQuiet(ctx, o.maxLoad, o.loadWait)
		r, err := b.run(ctx, &o, i)
		if err != nil {
			return fmt.Errorf("run %d: %w", i+1, err)
		}
		r.load = load
		fmt.Fprintf(os.Stderr, "%s run %d/%d: %s, %s (load %.2f)\n",
			label, i+1, o.runs, r.line, r.res, load)
		results = append(results, r)
	}
	fmt.Println(summarize(label, results))
	return nil
}

// options are the flags every benchmark has.
type options struct {
	mica, work, cpuProfile string
	runs                   int
	maxLoad                float64
	loadWait, profileFor   time.Duration
	database               string
	servers                int
	pg                     *pgCluster // nil on SQLite
}

// bench is one end-to-end benchmark.
type bench interface {
	flags(fs *flag.FlagSet)
	// prepare builds (or finds cached) the data set.
	prepare(ctx context.Context, o *options) error
	// run measures once; run is the 0-based run number.
	run(ctx context.Context, o *options, run int) (result, error)
}

// result is one run's outcome: value is the figure the median is taken of
// (higher is better when higherBetter), line says it in words.
type result struct {
	value        float64
	higherBetter bool
	line         string
	res          resources
	load         float64
}

// summarize is the result line: the run whose figure is the median, with the
// median peak RSS (and CPU times, per server) and every run's load average.
func summarize(name string, rs []result) string {
	byValue := append([]result(nil), rs...)
	sort.Slice(byValue, func(i, j int) bool { return byValue[i].value < byValue[j].value })
	med := byValue[(len(byValue)-1)/2]
	if med.higherBetter {
		med = byValue[len(byValue)/2]
	}
	res := make([]resources, len(rs))
	loads := make([]string, len(rs))
	for i, r := range rs {
		res[i], loads[i] = r.res, fmt.Sprintf("%.2f", r.load)
	}
	return fmt.Sprintf("%s (median of %d): %s, %s (load %s)", name, len(rs), med.line,
		medianResources(res), strings.Join(loads, "/"))
}

// median is the middle of v (the lower one of an even count); it sorts v.
func median(v []int64) int64 {
	sort.Slice(v, func(i, j int) bool { return v[i] < v[j] })
	return v[(len(v)-1)/2]
}

func mib(b int64) string { return fmt.Sprintf("%.0f MiB", float64(b)/(1<<20)) }

// loadAverage is the 1-minute load average.
func loadAverage() float64 {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return -1
	}
	var l float64
	_, _ = fmt.Sscan(string(b), &l)
	return l
}

// waitQuiet waits until the 1-minute load average is below max (other work on
// the machine skews every figure), at most for limit; it returns the load.
func waitQuiet(ctx context.Context, max float64, limit time.Duration) float64 {
	deadline := time.Now().Add(limit)
	for {
		l := loadAverage()
		if max <= 0 || l < max || time.Now().After(deadline) || ctx.Err() != nil {
			if max > 0 && l >= max {
				fmt.Fprintf(os.Stderr, "the machine is still busy (load %.2f) after %s: measuring anyway\n", l, limit)
			}
			return l
		}
		fmt.Fprintf(os.Stderr, "waiting for a quiet machine (load %.2f, want < %.2f)\n", l, max)
		select {
		case <-ctx.Done():
		case <-time.After(15 * time.Second):
		}
	}
}
