package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"sort"
	"strings"
	"text/tabwriter"

	"github.com/micahq/mica"
)

// findSource resolves a source given by name (any case) or id. When there is
// none, the error lists the sources there are.
func findSource(ctx context.Context, db mica.Store, nameOrID string) (*mica.Source, error) {
	src, err := db.FindSourceByName(ctx, nameOrID)
	if err == nil {
		return src, nil
	}
	if mica.ErrorCode(err) != mica.ENOTFOUND {
		return nil, err
	}
	names, lerr := sourceNames(ctx, db, nil)
	if lerr != nil {
		return nil, lerr
	}
	if len(names) == 0 {
		return nil, fmt.Errorf("source %q not found: this tenant has no sources yet", nameOrID)
	}
	return nil, fmt.Errorf("source %q not found; the sources are %s (`mica sources list` shows them with their ids)",
		nameOrID, strings.Join(names, ", "))
}

// sourceNames lists the quoted names of the tenant's sources that keep
// accepts (every source when keep is nil), in name order.
func sourceNames(ctx context.Context, db mica.Store, keep func(*mica.Source) bool) ([]string, error) {
	var names []string
	for offset := 0; ; offset += 250 {
		page, err := db.ListSources(ctx, mica.ListOptions{Limit: 250, Offset: offset, Sorters: "name"})
		if err != nil {
			return nil, err
		}
		for _, s := range page.Items {
			if keep == nil || keep(s) {
				names = append(names, fmt.Sprintf("%q", s.Name))
			}
		}
		if len(page.Items) < 250 {
			return names, nil
		}
	}
}

// sourceRow is one source as `mica sources list` shows it.
type sourceRow struct {
	ID              string `json:"id"`
	Name            string `json:"name"`
	Type            string `json:"type"`
	Accounts        int    `json:"accounts"`
	Machines        int    `json:"machines"`
	Classification  string `json:"classification"` // the config: "CRITERIA", "SOURCE", "disabled" or "none"
	LastJob         string `json:"lastJob"`        // the latest job's status, "" when none ran
	DeleteThreshold int    `json:"deleteThreshold"`
	DelimitedFile   bool   `json:"delimitedFile"`
}

// runSources is "mica sources list": the tenant's sources with their ids,
// account and machine counts, classification config and latest job.
func runSources(ctx context.Context, args []string, out io.Writer) error {
	const usage = "usage: mica sources list [--name NAME] [--format table|json|id] [--data-dir DIR | --database URL]"
	if len(args) == 0 || args[0] != "list" {
		return errors.New(usage)
	}
	fs := flag.NewFlagSet("mica sources list", flag.ContinueOnError)
	where := addStoreFlags(fs, "")
	name := fs.String("name", "", "only the source with this name (any case) or id")
	format := fs.String("format", "table", "table, json, or id (the ids alone, one a line: SOURCE=$(mica sources list --name NAME --format id))")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return errors.New(usage)
	}
	if *format != "table" && *format != "json" && *format != "id" {
		return fmt.Errorf("invalid --format %q: table, json or id", *format)
	}
	b, err := where.openTenant(ctx)
	if err != nil {
		return err
	}
	defer func() { _ = b.Close() }()
	db := b.Store()
	var sources []*mica.Source
	if *name != "" {
		src, err := findSource(ctx, db, *name)
		if err != nil {
			return err
		}
		sources = append(sources, src)
	} else {
		for offset := 0; ; offset += 250 {
			page, err := db.ListSources(ctx, mica.ListOptions{Limit: 250, Offset: offset, Sorters: "name"})
			if err != nil {
				return err
			}
			sources = append(sources, page.Items...)
			if len(page.Items) < 250 {
				break
			}
		}
	}
	if *format == "id" {
		for _, s := range sources {
			_, _ = fmt.Fprintln(out, s.ID)
		}
		return nil
	}
	counts, err := db.CountAccountsBySource(ctx)
	if err != nil {
		return err
	}
	bySource := make(map[string]mica.SourceAccountCounts, len(counts))
	for _, c := range counts {
		bySource[c.SourceID] = c
	}
	rows := make([]sourceRow, 0, len(sources))
	for _, s := range sources {
		r := sourceRow{ID: s.ID, Name: s.Name, Type: s.Type, Classification: "none", DeleteThreshold: s.DeleteThreshold,
			DelimitedFile: s.IsDelimitedFile(), Accounts: bySource[s.ID].Accounts, Machines: bySource[s.ID].Machines}
		switch cfg, err := db.GetMachineClassificationConfig(ctx, s.ID); {
		case err == nil && cfg.Enabled:
			r.Classification = cfg.ClassificationMethod
		case err == nil:
			r.Classification = "disabled"
		case mica.ErrorCode(err) != mica.ENOTFOUND:
			return err
		}
		switch j, err := db.GetClassificationJob(ctx, s.ID); {
		case err == nil:
			r.LastJob = j.Status
		case mica.ErrorCode(err) != mica.ENOTFOUND:
			return err
		}
		rows = append(rows, r)
	}
	sort.SliceStable(rows, func(i, j int) bool { return strings.ToLower(rows[i].Name) < strings.ToLower(rows[j].Name) })
	if *format == "json" {
		enc := json.NewEncoder(out)
		enc.SetIndent("", "  ")
		return enc.Encode(rows)
	}
	tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	_, _ = fmt.Fprintln(tw, "NAME\tTYPE\tACCOUNTS\tMACHINES\tCLASSIFICATION\tLAST JOB\tID")
	for _, r := range rows {
		job := r.LastJob
		if job == "" {
			job = "-"
		}
		_, _ = fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%s\t%s\t%s\n", r.Name, r.Type, r.Accounts, r.Machines, r.Classification, job, r.ID)
	}
	return tw.Flush()
}
