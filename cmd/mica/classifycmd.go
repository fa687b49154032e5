package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/micahq/mica"
)

// runClassify is "mica classify --source NAME_OR_ID [--watch]": start a
// classification job of a source. With --watch it also works the job (beside a
// running server, if any: batches are atomic, so two workers never double count)
// and shows its two phases live, collection then classification, until the job
// ends with a summary; a job already running on the source is watched instead.
// Ctrl-C stops watching only: the job goes on.
func runClassify(ctx context.Context, args []string, out io.Writer) error {
	fs := flag.NewFlagSet("mica classify", flag.ContinueOnError)
	where := addStoreFlags(fs, "")
	source := fs.String("source", "", "the source (name or id) whose accounts to classify")
	watch := fs.Bool("watch", false, "work the job here and show its progress until it ends (a job already running is watched)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *source == "" || fs.NArg() > 0 {
		return fmt.Errorf("usage: mica classify --source NAME_OR_ID [--watch] [--data-dir DIR | --database URL]")
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
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	runner, err := b.Jobs(ctx, mica.Pacing{BatchSize: mica.DefaultBatchSize}, logger)
	if err != nil {
		return err
	}
	job, err := db.StartClassificationJob(ctx, src.ID)
	switch {
	case err == nil:
		_, _ = fmt.Fprintf(out, "classification job %s started on %q: %d accounts submitted for processing\n", job.ID, src.Name, job.Expected)
	case mica.ErrorCode(err) == mica.ECONFLICT:
		running, gerr := db.GetClassificationJob(ctx, src.ID)
		if gerr != nil {
			return gerr
		}
		if !*watch {
			return fmt.Errorf("a classification job is already running on %q (%d of %d accounts classified); "+
				"watch it with: mica classify --source %q --watch", src.Name, running.Completed, running.Expected, src.Name)
		}
		job = running
		_, _ = fmt.Fprintf(out, "a classification job is already running on %q: watching it\n", src.Name)
	case mica.ErrorCode(err) == mica.EILLEGAL:
		return notEnabledError(ctx, db, src)
	default:
		return fmt.Errorf("%s", mica.ErrorMessage(err))
	}
	if !*watch {
		_, _ = fmt.Fprintf(out, "a running mica server works it; watch it with: mica classify --source %q --watch\n", src.Name)
		return nil
	}
	if err := runner.Start(ctx); err != nil {
		return err
	}
	defer func() { _ = runner.Stop(context.WithoutCancel(ctx)) }()
	tty := isTerminal(os.Stdout) && out == io.Writer(os.Stdout)
	w := &jobWatch{out: out, tty: tty}
	start := time.Now()
	for {
		j, err := db.GetClassificationJobByID(context.WithoutCancel(ctx), job.ID)
		if err != nil {
			return err
		}
		w.show(j)
		if !j.Running() {
			w.end()
			_, _ = fmt.Fprintln(out, jobSummary(j, time.Since(start)))
			if j.Status != mica.JobCompleted {
				return fmt.Errorf("the job ended %s %s", j.Status, j.Reason)
			}
			return nil
		}
		select {
		case <-ctx.Done():
			w.end()
			return &exitError{code: 130, err: fmt.Errorf("stopped watching (%d of %d accounts classified). The job goes on: a "+
				"running `mica serve` works it, or resumes it when it next starts. Watch it again with: mica classify --source %q --watch",
				j.Completed, j.Expected, src.Name)}
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// notEnabledError explains why a source cannot be classified and how to fix it.
func notEnabledError(ctx context.Context, db mica.Store, src *mica.Source) error {
	how := fmt.Sprintf("in the console (Overview › %s › Machine classification config), or with "+
		"PUT /v2025/sources/%s/machine-classification-config (README \"Machine-account classification\")", src.Name, src.ID)
	cfg, err := db.GetMachineClassificationConfig(ctx, src.ID)
	switch {
	case mica.ErrorCode(err) == mica.ENOTFOUND:
		return fmt.Errorf("machine classification is not enabled on source %q: it has no classification config. Give it one %s",
			src.Name, how)
	case err != nil:
		return err
	case !cfg.Enabled:
		return fmt.Errorf("machine classification is not enabled on source %q: its classification config is disabled. "+
			"Enable it %s", src.Name, how)
	}
	return fmt.Errorf("machine classification is not enabled on source %q. Check its config %s", src.Name, how)
}

// jobWatch draws a job's two phases: collection (RECEIVED of EXPECTED), then
// classification (COMPLETED of EXPECTED), each as its own bar. On a terminal
// the current phase's line is redrawn in place; otherwise a line is printed
// whenever it changes.
type jobWatch struct {
	out   io.Writer
	tty   bool
	phase string // the phase drawn last
	last  string // the line drawn last
}

func (w *jobWatch) show(j *mica.ClassificationJob) {
	collected := progressBar("collecting ", j.Received, j.Expected)
	classified := progressBar("classifying", j.Completed, j.Expected)
	phase, line := "classify", classified
	if j.Status == mica.JobStarted {
		phase, line = "collect", collected
	}
	if w.phase == "collect" && phase == "classify" || w.phase == "" && phase == "classify" {
		// the collection ended between two looks: show it complete before moving on
		w.print(collected)
		w.newline()
	}
	w.phase = phase
	w.print(line)
}

func (w *jobWatch) print(line string) {
	if w.tty {
		_, _ = fmt.Fprintf(w.out, "\r%s", line)
	} else if line != w.last {
		_, _ = fmt.Fprintln(w.out, line)
	}
	w.last = line
}

func (w *jobWatch) newline() {
	if w.tty {
		_, _ = fmt.Fprintln(w.out)
	}
	w.last = ""
}

// end closes the line of the last phase drawn.
func (w *jobWatch) end() {
	if w.tty && w.last != "" {
		_, _ = fmt.Fprintln(w.out)
	}
	w.last = ""
}

// progressBar renders done of total as a labelled bar.
func progressBar(label string, done, total int64) string {
	const width = 30
	frac := 1.0
	if total > 0 {
		frac = float64(done) / float64(total)
	}
	n := int(frac * width)
	return fmt.Sprintf("%s [%s%s] %3.0f%%  %d of %d accounts", label, strings.Repeat("#", n), strings.Repeat(".", width-n),
		frac*100, done, total)
}

// jobSummary is the last line of a watched job: how it ended, and what its
// batches decided.
func jobSummary(j *mica.ClassificationJob, took time.Duration) string {
	return fmt.Sprintf("%s in %s: %d accounts classified: %d machine, %d human; %d changed (human to machine or back)",
		j.Status, took.Round(10*time.Millisecond), j.Completed, j.Machines, j.Completed-j.Machines, j.Changed)
}

// exitError ends the program with its own exit status after its message
// (130 after Ctrl-C, as shells do).
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }
func (e *exitError) Unwrap() error { return e.err }

// asExit returns the exit status err asks for: 1 unless it is an exitError.
func asExit(err error) int {
	var e *exitError
	if errors.As(err, &e) {
		return e.code
	}
	return 1
}
