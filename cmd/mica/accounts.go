package main

import (
	"bufio"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/micahq/mica/internal/serve"

	"github.com/micahq/mica"
	"github.com/micahq/mica/aggregate"
)

const importUsage = "usage: mica import accounts --source NAME_OR_ID [--preview] [--confirm-removals N] [--disable-optimization] [FILE.csv]\n" +
	"  (a delimited-file source takes FILE.csv; an Active Directory or LDAP source is read from its directory)"

// runImport is "mica import accounts --source NAME_OR_ID [FILE.csv]": the
// file for a delimited-file source, none for a directory source.
func runImport(ctx context.Context, args []string, stdout io.Writer) error {
	if len(args) == 0 || args[0] != "accounts" {
		return errors.New(importUsage)
	}
	fs := flag.NewFlagSet("mica import accounts", flag.ContinueOnError)
	where := addStoreFlags(fs, "")
	source := fs.String("source", "", "the delimited-file source (id or name) to load the accounts into")
	disable := fs.Bool("disable-optimization", false, "reprocess unchanged accounts too (re-correlate them)")
	preview := fs.Bool("preview", false, "only count what the file would add, change and remove; apply nothing")
	confirm := fs.Int("confirm-removals", -1, fmt.Sprintf("apply a file that removes more than %d %% of the source's accounts, "+
		"up to this many removals (the number the refusal or --preview shows)", mica.ConfirmRemovalsPercent))
	if err := parseInterspersed(fs, args[1:]); err != nil {
		return err
	}
	if *source == "" || fs.NArg() > 1 {
		return errors.New(importUsage)
	}
	b, err := where.openTenant(ctx)
	if err != nil {
		return err
	}
	defer func() { _ = b.Close() }()
	db := b.Store()
	src, err := findSource(ctx, db, *source)
	if err != nil {
		return err
	}
	fileSources := func() (string, error) {
		files, err := sourceNames(ctx, db, (*mica.Source).IsDelimitedFile)
		if err != nil {
			return "", err
		}
		if len(files) == 0 {
			return "create one with POST /v2025/sources?provisionAsCsv=true", nil
		}
		return "the delimited-file sources here are " + strings.Join(files, ", "), nil
	}
	var (
		file    io.Reader
		size    int64
		counter = &byteCounter{}
	)
	switch {
	case src.IsDirectory():
		if fs.NArg() != 0 {
			hint, err := fileSources()
			if err != nil {
				return err
			}
			return fmt.Errorf("source %q is a directory source: its accounts are read from the directory, so give no file "+
				"(mica import accounts --source %q); account files go to delimited-file sources (%s)", src.Name, src.Name, hint)
		}
	case src.IsDelimitedFile():
		if fs.NArg() != 1 {
			return fmt.Errorf("source %q is a delimited-file source: give the CSV file of its accounts", src.Name)
		}
		f, err := os.Open(fs.Arg(0))
		if err != nil {
			return err
		}
		defer func() { _ = f.Close() }()
		info, err := f.Stat()
		if err != nil {
			return err
		}
		counter.r, size, file = f, info.Size(), counter
	default:
		hint, err := fileSources()
		if err != nil {
			return err
		}
		return fmt.Errorf("source %q is a %s source, which mica cannot read from its system: only delimited-file sources "+
			"take account files (%s), and only directory sources are read directly", src.Name, src.Type, hint)
	}
	agg := &mica.Aggregation{SourceID: src.ID, DisableOptimization: *disable, Launcher: "mica import"}
	if *confirm >= 0 {
		agg.MaxRemovals = confirm // the store holds the apply to it too
	}
	if err := db.CreateAggregation(ctx, agg); err != nil {
		return err
	}
	bar := newProgress(stdout, size, counter)
	_, conn := serve.NewConnector(*where.dataDir)
	runner := serve.NewAggregationRunner(db, conn, slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn})))
	runner.Progress = func(_ string, n int) { bar.update(n) }
	start := time.Now()
	if *preview {
		got, err := runner.Preview(ctx, agg, file)
		bar.finish()
		if err != nil {
			return fmt.Errorf("the file cannot be aggregated into %q: %s", src.Name, mica.ErrorMessage(err))
		}
		_, _ = fmt.Fprintln(stdout, previewLine(src, got.Stats))
		return nil
	}
	out, err := runner.RunChecked(ctx, agg, file, func(a *mica.Aggregation) error {
		existing := a.Stats.Unchanged + a.Stats.Changed + a.Stats.Removed
		if mica.NeedsRemovalConfirmation(existing, a.Stats.Removed) && (*confirm < 0 || a.Stats.Removed > *confirm) {
			return mica.Errorf(mica.EILLEGAL, "the file would remove %d of the source's %d accounts (%s), more than %d %%: "+
				"check the file; to apply it, run again with --confirm-removals %d", a.Stats.Removed, existing,
				percentText(a.Stats.Removed, existing), mica.ConfirmRemovalsPercent, a.Stats.Removed)
		}
		return nil
	})
	bar.finish()
	if err != nil {
		return fmt.Errorf("aggregation %s of %q failed, nothing was applied: %s", agg.ID, src.Name, mica.ErrorMessage(err))
	}
	s := out.Stats
	_, _ = fmt.Fprintf(stdout, "aggregation %s of %q completed in %s: %d accounts scanned, %d added, %d changed, "+
		"%d removed, %d unchanged; %d identities touched\n", out.ID, src.Name, time.Since(start).Round(time.Millisecond),
		s.Scanned, s.Added, s.Changed, s.Removed, s.Unchanged, out.TotalIdentities)
	return nil
}

// previewLine says what a file would do to its source.
func previewLine(src *mica.Source, st mica.AggregationStats) string {
	existing := st.Unchanged + st.Changed + st.Removed
	line := fmt.Sprintf("preview of %q (nothing was applied): %d accounts in the file; %d added, %d changed, %d removed "+
		"(%s of the source's %d), %d unchanged", src.Name, st.Scanned, st.Added, st.Changed, st.Removed,
		percentText(st.Removed, existing), existing, st.Unchanged)
	if mica.NeedsRemovalConfirmation(existing, st.Removed) {
		line += fmt.Sprintf("; it removes more than %d %%: apply it with --confirm-removals %d", mica.ConfirmRemovalsPercent, st.Removed)
	}
	return line
}

// percentText is n of total as a percentage with one decimal.
func percentText(n, total int) string {
	if total == 0 {
		return "0 %"
	}
	return strconv.FormatFloat(float64(n)*100/float64(total), 'f', 1, 64) + " %"
}

// parseInterspersed parses flags that may come before or after positional arguments.
func parseInterspersed(fs *flag.FlagSet, args []string) error {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return err
		}
		if fs.NArg() == 0 {
			break
		}
		pos, args = append(pos, fs.Arg(0)), fs.Args()[1:]
	}
	return fs.Parse(append([]string{"--"}, pos...))
}

type byteCounter struct {
	r io.Reader
	n int64
}

func (c *byteCounter) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// progress shows a bar on a terminal and plain lines (every 100,000 accounts) otherwise.
type progress struct {
	w     io.Writer
	tty   bool
	size  int64
	bytes *byteCounter
	last  int
}

func newProgress(w io.Writer, size int64, c *byteCounter) *progress {
	tty := false
	if f, ok := w.(*os.File); ok {
		if fi, err := f.Stat(); err == nil {
			tty = fi.Mode()&os.ModeCharDevice != 0
		}
	}
	return &progress{w: w, tty: tty, size: size, bytes: c}
}

func (p *progress) update(accounts int) {
	if p.tty {
		pct := 100
		if p.size > 0 {
			pct = int(p.bytes.n * 100 / p.size)
		}
		const width = 30
		filled := min(width, pct*width/100)
		_, _ = fmt.Fprintf(p.w, "\r[%s%s] %3d%% %d accounts read", strings.Repeat("#", filled),
			strings.Repeat(" ", width-filled), pct, accounts)
		return
	}
	if accounts/100000 > p.last/100000 {
		if p.size > 0 {
			_, _ = fmt.Fprintf(p.w, "read %d accounts (%d of %d bytes)\n", accounts, p.bytes.n, p.size)
		} else {
			_, _ = fmt.Fprintf(p.w, "read %d accounts\n", accounts)
		}
	}
	p.last = accounts
}

func (p *progress) finish() {
	if p.tty {
		_, _ = fmt.Fprintln(p.w)
	}
}

// runExport is "mica export accounts --source NAME_OR_ID [--machine-only] [--format csv|json]"
// or "mica export decisions --source NAME_OR_ID [--format csv|json]".
func runExport(ctx context.Context, args []string, stdout io.Writer) error {
	if len(args) > 0 && args[0] == "tenant" {
		return runExportTenant(ctx, args[1:], stdout)
	}
	if len(args) > 0 && args[0] == "decisions" {
		return runExportDecisions(ctx, args[1:], stdout)
	}
	if len(args) == 0 || args[0] != "accounts" {
		return fmt.Errorf("usage: mica export accounts --source NAME_OR_ID [--machine-only] [--format csv|json] [--out FILE], or mica export tenant [--format yaml|json] [--out FILE]")
	}
	fs := flag.NewFlagSet("mica export accounts", flag.ContinueOnError)
	where := addStoreFlags(fs, "")
	source := fs.String("source", "", "the source (id or name) whose accounts to export")
	machine := fs.Bool("machine-only", false, "only accounts classified as machine accounts")
	format := fs.String("format", "csv", "csv (the delimited-file layout, importable again) or json (an array of accounts)")
	outPath := fs.String("out", "", "write to this file (mode 0600) instead of standard output")
	escape := fs.Bool("escape-formulas", false, "csv: prefix cells that begin with =, +, -, @, tab or carriage return with ' so that spreadsheets do not run them as formulas (a re-import would keep the ')")
	if err := parseInterspersed(fs, args[1:]); err != nil {
		return err
	}
	if *source == "" || fs.NArg() != 0 {
		return fmt.Errorf("usage: mica export accounts --source NAME_OR_ID [--machine-only] [--format csv|json] [--out FILE]")
	}
	if *format != "csv" && *format != "json" {
		return fmt.Errorf("invalid --format %q: csv or json", *format)
	}
	b, err := where.openTenant(ctx)
	if err != nil {
		return err
	}
	defer func() { _ = b.Close() }()
	db := b.Store()
	src, err := findSource(ctx, db, *source)
	if err != nil {
		return err
	}
	w := stdout
	var file *os.File
	if *outPath != "" {
		// Exports hold identity data: readable by their owner only, whatever the umask.
		file, err = os.OpenFile(*outPath, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
		if err != nil {
			return fmt.Errorf("export: %w", err)
		}
		defer func() { _ = file.Close() }()
		if err := file.Chmod(0o600); err != nil {
			return fmt.Errorf("export: %w", err)
		}
		w = file
	}
	bw := bufio.NewWriterSize(w, 64<<10)
	filter := mica.AccountFilter{SourceID: src.ID, MachineOnly: *machine}
	if *format == "json" {
		err = exportJSON(ctx, db, filter, bw)
	} else {
		err = exportCSV(ctx, db, src, filter, bw, *escape)
	}
	if err != nil {
		return err
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("export: %w", err)
	}
	if file != nil {
		return file.Close()
	}
	return nil
}

// escapeFormula prefixes a cell that a spreadsheet would read as a formula
// with ' (OWASP's advice on CSV injection).
func escapeFormula(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

// exportedAccount is one account of a JSON export.
type exportedAccount struct {
	ID                   string               `json:"id"`
	NativeIdentity       string               `json:"nativeIdentity"`
	Name                 string               `json:"name"`
	SourceID             string               `json:"sourceId"`
	SourceName           string               `json:"sourceName"`
	IdentityID           string               `json:"identityId,omitempty"`
	IdentityName         string               `json:"identityName,omitempty"`
	Uncorrelated         bool                 `json:"uncorrelated"`
	Disabled             bool                 `json:"disabled"`
	Locked               bool                 `json:"locked"`
	IsMachine            bool                 `json:"isMachine"`
	ClassificationMethod string               `json:"classificationMethod,omitempty"`
	Recommendation       *mica.Recommendation `json:"recommendation,omitempty"`
	Attributes           map[string]any       `json:"attributes"`
	// Decisions are the review queue's decisions on the account (its audit
	// trail), newest first.
	Decisions []exportedDecision `json:"decisions,omitempty"`
}

// exportedDecision is one decision of the review queue in an export.
type exportedDecision struct {
	Action         string    `json:"action"`
	Note           string    `json:"note,omitempty"`
	ActorID        string    `json:"actorId"`
	ActorName      string    `json:"actorName"`
	Recommendation string    `json:"recommendation"`
	WasMachine     bool      `json:"wasMachine"`
	IsMachine      bool      `json:"isMachine"`
	MethodBefore   string    `json:"methodBefore,omitempty"`
	MethodAfter    string    `json:"methodAfter,omitempty"`
	Created        time.Time `json:"created"`
	// AccountID, AccountName, SourceName: in `mica export decisions` only.
	AccountID   string `json:"accountId,omitempty"`
	AccountName string `json:"accountName,omitempty"`
	SourceName  string `json:"sourceName,omitempty"`
}

func exported(d *mica.TriageDecision) exportedDecision {
	return exportedDecision{Action: d.Action, Note: d.Note, ActorID: d.ActorID, ActorName: d.ActorName,
		Recommendation: d.Recommendation, WasMachine: d.WasMachine, IsMachine: d.IsMachine, MethodBefore: d.MethodBefore,
		MethodAfter: d.MethodAfter, Created: d.Created}
}

// eachDecision calls fn with every decision of the review queue on a source's
// accounts, newest first.
func eachDecision(ctx context.Context, db mica.Store, sourceID string, fn func(*mica.TriageDecision) error) error {
	for offset := 0; ; offset += 250 {
		p, err := db.ListTriageDecisions(ctx, mica.TriageDecisionFilter{SourceID: sourceID}, mica.ListOptions{Limit: 250, Offset: offset})
		if err != nil {
			return err
		}
		for _, d := range p.Items {
			if err := fn(d); err != nil {
				return err
			}
		}
		if len(p.Items) < 250 {
			return nil
		}
	}
}

func exportJSON(ctx context.Context, db mica.Store, f mica.AccountFilter, w io.Writer) error {
	decisions := map[string][]exportedDecision{}
	if err := eachDecision(ctx, db, f.SourceID, func(d *mica.TriageDecision) error {
		decisions[d.AccountID] = append(decisions[d.AccountID], exported(d))
		return nil
	}); err != nil {
		return err
	}
	if _, err := io.WriteString(w, "["); err != nil {
		return err
	}
	first := true
	err := db.EachAccount(ctx, f, func(a *mica.Account) error {
		b, err := json.Marshal(exportedAccount{ID: a.ID, NativeIdentity: a.NativeIdentity, Name: a.Name,
			SourceID: a.SourceID, SourceName: a.SourceName, IdentityID: a.IdentityID, IdentityName: a.IdentityName,
			Uncorrelated: a.Uncorrelated, Disabled: a.Disabled, Locked: a.Locked, IsMachine: a.IsMachine,
			ClassificationMethod: a.ClassificationMethod, Recommendation: a.Recommendation, Attributes: a.Attributes,
			Decisions: decisions[a.ID]})
		if err != nil {
			return err
		}
		sep := ",\n"
		if first {
			sep, first = "\n", false
		}
		_, err = io.WriteString(w, sep+string(b))
		return err
	})
	if err != nil {
		return err
	}
	_, err = io.WriteString(w, "\n]\n")
	return err
}

// exportCSV writes the delimited-file layout: the index and name columns, then
// every attribute (multi-valued ones joined with "|"), then IIQDisabled and
// IIQLocked. It reads the accounts twice: once for the columns, once to write.
func exportCSV(ctx context.Context, db mica.Store, src *mica.Source, f mica.AccountFilter, w io.Writer, escape bool) error {
	format, err := aggregate.FormatOf(src)
	if err != nil {
		format = aggregate.Format{Delimiter: ',', IndexColumn: "id", NameColumn: "name", MultiValueSep: "|"}
	}
	if !src.IsDelimitedFile() {
		format.IndexColumn, format.NameColumn = "id", "name"
	}
	keys := map[string]bool{}
	if err := db.EachAccount(ctx, f, func(a *mica.Account) error {
		for k := range a.Attributes {
			keys[k] = true
		}
		return nil
	}); err != nil {
		return err
	}
	delete(keys, format.IndexColumn)
	delete(keys, format.NameColumn)
	delete(keys, "IIQDisabled")
	delete(keys, "IIQLocked")
	cols := make([]string, 0, len(keys))
	for k := range keys {
		cols = append(cols, k)
	}
	sort.Strings(cols)
	cw := csv.NewWriter(w)
	cw.Comma = format.Delimiter
	header := append(append([]string{format.IndexColumn, format.NameColumn}, cols...), "IIQDisabled", "IIQLocked")
	if format.NameColumn == format.IndexColumn {
		header = append(append([]string{format.IndexColumn}, cols...), "IIQDisabled", "IIQLocked")
	}
	write := cw.Write
	if escape {
		write = func(row []string) error {
			for i := range row {
				row[i] = escapeFormula(row[i])
			}
			return cw.Write(row)
		}
	}
	if err := write(header); err != nil {
		return err
	}
	row := make([]string, len(header))
	err = db.EachAccount(ctx, f, func(a *mica.Account) error {
		row = row[:0]
		row = append(row, a.NativeIdentity)
		if format.NameColumn != format.IndexColumn {
			row = append(row, a.Name)
		}
		for _, c := range cols {
			row = append(row, cell(a.Attributes[c], format.MultiValueSep))
		}
		row = append(row, fmt.Sprint(a.Disabled), fmt.Sprint(a.Locked))
		return write(row)
	})
	if err != nil {
		return err
	}
	cw.Flush()
	return cw.Error()
}

func cell(v any, sep string) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case []any:
		parts := make([]string, len(x))
		for i, e := range x {
			parts[i] = cell(e, sep)
		}
		return strings.Join(parts, sep)
	}
	b, _ := json.Marshal(v)
	return string(b)
}

// runExportDecisions is "mica export decisions --source NAME_OR_ID": the review
// queue's audit trail of a source (every source without --source), newest
// first, as CSV or JSON.
func runExportDecisions(ctx context.Context, args []string, stdout io.Writer) error {
	const usage = "usage: mica export decisions [--source NAME_OR_ID] [--format csv|json] [--out FILE]"
	fs := flag.NewFlagSet("mica export decisions", flag.ContinueOnError)
	where := addStoreFlags(fs, "")
	source := fs.String("source", "", "only the decisions on this source's accounts (name or id)")
	format := fs.String("format", "csv", "csv or json")
	outPath := fs.String("out", "", "write to this file (mode 0600) instead of standard output")
	if err := parseInterspersed(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 0 {
		return errors.New(usage)
	}
	if *format != "csv" && *format != "json" {
		return fmt.Errorf("invalid --format %q: csv or json", *format)
	}
	b, err := where.openTenant(ctx)
	if err != nil {
		return err
	}
	defer func() { _ = b.Close() }()
	db := b.Store()
	sourceID := ""
	if *source != "" {
		src, err := findSource(ctx, db, *source)
		if err != nil {
			return err
		}
		sourceID = src.ID
	}
	w := stdout
	if *outPath != "" {
		file, err := os.OpenFile(*outPath, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
		if err != nil {
			return fmt.Errorf("export: %w", err)
		}
		defer func() { _ = file.Close() }()
		w = file
	}
	bw := bufio.NewWriter(w)
	var cw *csv.Writer
	first := true
	if *format == "csv" {
		cw = csv.NewWriter(bw)
		_ = cw.Write([]string{"created", "account_id", "account_name", "source_name", "action", "recommendation", "was_machine",
			"is_machine", "method_before", "method_after", "actor_id", "actor_name", "note"})
	} else {
		_, _ = io.WriteString(bw, "[")
	}
	err = eachDecision(ctx, db, sourceID, func(d *mica.TriageDecision) error {
		if cw != nil {
			return cw.Write([]string{d.Created.UTC().Format(time.RFC3339Nano), d.AccountID, escapeFormula(d.AccountName),
				escapeFormula(d.SourceName), d.Action, d.Recommendation, fmt.Sprint(d.WasMachine), fmt.Sprint(d.IsMachine),
				d.MethodBefore, d.MethodAfter, d.ActorID, escapeFormula(d.ActorName), escapeFormula(d.Note)})
		}
		e := exported(d)
		e.AccountID, e.AccountName, e.SourceName = d.AccountID, d.AccountName, d.SourceName
		b, err := json.Marshal(e)
		if err != nil {
			return err
		}
		sep := ",\n"
		if first {
			sep, first = "\n", false
		}
		_, err = io.WriteString(bw, sep+string(b))
		return err
	})
	if err != nil {
		return err
	}
	if cw != nil {
		cw.Flush()
		if err := cw.Error(); err != nil {
			return err
		}
	} else {
		_, _ = io.WriteString(bw, "\n]\n")
	}
	return bw.Flush()
}
