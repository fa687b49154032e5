package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/micahq/mica"
)

// runSnapshot is "mica snapshot save|restore|list|delete": snapshots of a
// data dir (or --database) whose server is stopped. A running server's are
// handled through its API (POST /mica/v1/snapshots...), which also stops and
// restarts its background work around a restore.
func runSnapshot(ctx context.Context, args []string, out io.Writer) error {
	const usage = "usage: mica snapshot save|restore|delete [--data-dir DIR | --database URL] NAME, or mica snapshot list"
	if len(args) == 0 {
		return errors.New(usage)
	}
	cmd := args[0]
	fs := flag.NewFlagSet("mica snapshot "+cmd, flag.ContinueOnError)
	where := addStoreFlags(fs, "")
	if err := parseInterspersed(fs, args[1:]); err != nil {
		return err
	}
	switch cmd {
	case "save", "restore", "delete":
		if fs.NArg() != 1 {
			return errors.New(usage)
		}
		if err := mica.ValidateSnapshotName(fs.Arg(0)); err != nil {
			return errors.New(mica.ErrorMessage(err))
		}
	case "list":
		if fs.NArg() != 0 {
			return errors.New(usage)
		}
	default:
		return fmt.Errorf("unknown snapshot command %q\n%s", cmd, usage)
	}
	b, err := where.open(ctx)
	if err != nil {
		return err
	}
	defer func() { _ = b.Close() }()
	db := b.Store()
	name := fs.Arg(0)
	switch cmd {
	case "save":
		s, err := db.SaveSnapshot(ctx, name)
		if err != nil {
			return cliError(err)
		}
		_, _ = fmt.Fprintf(out, "saved snapshot %s (%s)\n", s.Name, humanBytes(s.Bytes))
	case "restore":
		if err := db.RestoreSnapshot(ctx, name); err != nil {
			return cliError(err)
		}
		_, _ = fmt.Fprintf(out, "restored snapshot %s\n", name)
	case "delete":
		if err := db.DeleteSnapshot(ctx, name); err != nil {
			return cliError(err)
		}
		_, _ = fmt.Fprintf(out, "deleted snapshot %s\n", name)
	case "list":
		list, err := db.ListSnapshots(ctx)
		if err != nil {
			return err
		}
		tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
		_, _ = fmt.Fprintln(tw, "NAME\tCREATED\tSIZE")
		for _, s := range list {
			if strings.HasPrefix(s.Name, "_") {
				continue
			}
			_, _ = fmt.Fprintf(tw, "%s\t%s\t%s\n", s.Name, s.Created.Format("2006-01-02 15:04:05Z"), humanBytes(s.Bytes))
		}
		return tw.Flush()
	}
	return nil
}

// cliError is a domain error as the CLI says it: its message, without the code.
func cliError(err error) error {
	var me *mica.Error
	if errors.As(err, &me) {
		return errors.New(me.Message)
	}
	return err
}

func humanBytes(n int64) string {
	switch {
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}
