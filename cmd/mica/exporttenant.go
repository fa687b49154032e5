package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/micahq/mica/seed"
)

// runExportTenant is "mica export tenant": the whole tenant of a data dir (or
// --database) as a tenant file, which `mica serve --seed` loads.
func runExportTenant(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("mica export tenant", flag.ContinueOnError)
	where := addStoreFlags(fs, "")
	format := fs.String("format", "yaml", "yaml or json")
	outPath := fs.String("out", "", "write to this file (mode 0600) instead of standard output")
	if err := parseInterspersed(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 0 {
		return fmt.Errorf("usage: mica export tenant [--data-dir DIR | --database URL] [--format yaml|json] [--out FILE]")
	}
	if *format != "yaml" && *format != "json" {
		return fmt.Errorf("invalid --format %q: yaml or json", *format)
	}
	store, err := where.open(ctx)
	if err != nil {
		return err
	}
	defer func() { _ = store.Close() }()
	f, err := seed.Export(ctx, store.Store())
	if err != nil {
		return err
	}
	b, err := f.Write(*format)
	if err != nil {
		return err
	}
	if *outPath == "" {
		_, err = stdout.Write(b)
		return err
	}
	return os.WriteFile(*outPath, b, 0o600)
}
