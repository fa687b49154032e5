// Command mica runs the mica server and its administration commands.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/micahq/mica/internal/serve"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:]); err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "mica:", err)
		}
		os.Exit(asExit(err))
	}
}

const usage = `mica: an offline SailPoint ISC tenant for machine-account classification and source apps.

Usage:
  mica serve [flags]                  run the server (--demo for a demo tenant)
  mica clients create [flags]         create an OAuth client and print its id and secret once
  mica clients list [flags]           list OAuth clients
  mica clients delete [flags] ID      delete an OAuth client
  mica sources list [flags]           list the sources: ids, accounts, machines, classification
  mica import accounts --source S FILE.csv    load a CSV of accounts into a delimited-file source
  mica export accounts --source S [flags]     write a source's accounts as CSV or JSON (--machine-only)
  mica export tenant [--format yaml|json]     write the whole tenant as a tenant file (mica serve --seed loads it)
  mica export decisions [--source S]          write the review queue's decisions (the audit trail) as CSV or JSON
  mica classify --source S [--watch]  start a source classification job (and watch it)
  mica demo [flags]                   generate a demo tenant into an empty data dir and report it
  mica snapshot save|restore|delete NAME   save or restore the whole tenant of a stopped server's data dir
  mica snapshot list                  list the snapshots of a data dir
  mica healthcheck [--url URL]        exit 0 when the server answers /health/ready (the image's HEALTHCHECK)
  mica version                        print the version

S is a source's name (any case) or id. The commands that read or change a
tenant work on the SQLite data dir (--data-dir, default ./mica-data: where
"make run" keeps the demo tenant), beside a running server or without one.
Run "mica COMMAND -h" for the flags of a command. Every flag can also be set
through the environment variable shown in its help.`

func run(ctx context.Context, args []string) error {
	if len(args) == 0 {
		fmt.Println(usage)
		return nil
	}
	switch args[0] {
	case "serve":
		m := serve.NewMain()
		if err := m.ParseFlags(args[1:]); err != nil {
			return err
		}
		if err := m.Run(ctx); err != nil {
			_ = m.Close()
			return err
		}
		<-ctx.Done()
		return m.Close()
	case "sources":
		return runSources(ctx, args[1:], os.Stdout)
	case "classify":
		return runClassify(ctx, args[1:], os.Stdout)
	case "demo":
		return runDemo(ctx, args[1:])
	case "clients":
		return runClients(ctx, args[1:])
	case "import":
		return runImport(ctx, args[1:], os.Stdout)
	case "export":
		return runExport(ctx, args[1:], os.Stdout)
	case "snapshot":
		return runSnapshot(ctx, args[1:], os.Stdout)
	case "healthcheck":
		return runHealthcheck(ctx, args[1:])
	case "version":
		fmt.Println("mica", Version)
		return nil
	case "help", "-h", "--help":
		fmt.Println(usage)
		return nil
	}
	return fmt.Errorf("unknown command %q\n\n%s", args[0], usage)
}

// Version is set at build time with -ldflags "-X main.Version=...".
var Version = "dev"
