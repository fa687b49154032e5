package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/micahq/mica/internal/serve"

	"github.com/micahq/mica"
	"github.com/micahq/mica/demo"
)

// runDemo is "mica demo": generate a demo tenant into an empty data directory
// and report its machine/human proportions per source.
func runDemo(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("mica demo", flag.ContinueOnError)
	where := addStoreFlags(fs, "data directory, which must hold no tenant yet (MICA_DATA_DIR)")
	seed := fs.Uint64("seed", 0, "generator seed: the same seed makes the same tenant")
	identities := fs.Int("identities", 0, "number of people (default 2000, or derived from --ad-accounts)")
	adAccounts := fs.Int("ad-accounts", 0, "total Active Directory accounts, people and machines (up to 1000000)")
	classify := fs.Bool("classify", true, "run a first classification of the directory sources (false: leave their accounts unclassified, "+
		"as a benchmark of a first classification needs)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *identities < 0 || *identities > 1_000_000 || *adAccounts < 0 || *adAccounts > 1_000_000 {
		return fmt.Errorf("--identities and --ad-accounts must be between 0 and 1000000")
	}
	b, err := where.open(ctx)
	if err != nil {
		return err
	}
	defer func() { _ = b.Close() }()
	db := b.Store()
	if _, err := db.GetSetting(ctx, serve.SettingDemoSeeded); err == nil {
		return fmt.Errorf("%s already holds a demo tenant; use an empty --data-dir or database", where)
	} else if mica.ErrorCode(err) != mica.ENOTFOUND {
		return err
	}
	start := time.Now()
	tty := isTerminal(os.Stderr)
	report, err := serve.SeedDemoData(ctx, db, demo.Config{Seed: *seed, Identities: *identities, ADAccounts: *adAccounts},
		serve.SeedOptions{Unclassified: !*classify, Progress: func(n int) {
			if tty {
				fmt.Fprintf(os.Stderr, "\r%d accounts written", n)
			}
		}})
	if tty {
		fmt.Fprintln(os.Stderr)
	}
	if err != nil {
		return err
	}
	if err := db.SetSetting(ctx, serve.SettingDemoSeeded, "true"); err != nil {
		return err
	}
	fmt.Printf("demo tenant (seed %d) written to %s in %s\n\n%s", *seed, where, time.Since(start).Round(time.Millisecond), report)
	return nil
}

// isTerminal reports whether f is a character device (a terminal).
func isTerminal(f *os.File) bool {
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}
