package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/micahq/mica/internal/serve"

	"github.com/micahq/mica"
	"github.com/micahq/mica/jobs"
)

// runClassify is "mica classify --source NAME_OR_ID [--watch]": start a
// classification job of a source. With --watch it also works the job (beside a
// running server, if any: batches are atomic, so two workers never double count)
// and shows the counts live until the job ends.
func runClassify(ctx context.Context, args []string, out io.Writer) error {
	fs := flag.NewFlagSet("mica classify", flag.ContinueOnError)
	dataDir := fs.String("data-dir", serve.EnvOr("MICA_DATA_DIR", "./mica-data"), "data directory (MICA_DATA_DIR)")
	source := fs.String("source", "", "the source (id or name) whose accounts to classify")
	watch := fs.Bool("watch", false, "work the job here and show its progress until it ends")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *source == "" || fs.NArg() > 0 {
		return fmt.Errorf("usage: mica classify --source NAME_OR_ID [--watch] [--data-dir DIR]")
	}
	db, _, err := serve.OpenSQLite(ctx, *dataDir)
	if err != nil {
		return err
	}
	defer func() { _ = db.Close() }()
	src, err := db.FindSourceByName(ctx, *source)
	if err != nil {
		return fmt.Errorf("%s", mica.ErrorMessage(err))
	}
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	runner, err := jobs.New(ctx, db.WritePool(), db, mica.Pacing{BatchSize: mica.DefaultBatchSize}, logger)
	if err != nil {
		return err
	}
	db.SetJobHook(runner.Enqueue)
	db.SetTaskHook(runner.EnqueueTask)
	job, err := db.StartClassificationJob(ctx, src.ID)
	if err != nil {
		return fmt.Errorf("%s", mica.ErrorMessage(err))
	}
	_, _ = fmt.Fprintf(out, "classification job %s started on %q: %d accounts submitted for processing\n", job.ID, src.Name, job.Expected)
	if !*watch {
		_, _ = fmt.Fprintln(out, "a running mica server works it; follow it with GET /v2025/sources/"+src.ID+"/classify")
		return nil
	}
	if err := runner.Start(ctx); err != nil {
		return err
	}
	defer func() { _ = runner.Stop(context.WithoutCancel(ctx)) }()
	tty := isTerminal(os.Stdout) && out == io.Writer(os.Stdout)
	last := ""
	for {
		j, err := db.GetClassificationJobByID(ctx, job.ID)
		if err != nil {
			return err
		}
		line := progressLine(j)
		if tty {
			_, _ = fmt.Fprintf(out, "\r%s", line)
		} else if line != last {
			_, _ = fmt.Fprintln(out, line)
		}
		last = line
		if !j.Running() {
			if tty {
				_, _ = fmt.Fprintln(out)
			}
			if j.Status != mica.JobCompleted {
				return fmt.Errorf("the job ended %s %s", j.Status, j.Reason)
			}
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// progressLine renders a job's counts as a bar: collected (RECEIVED) and classified (COMPLETED).
func progressLine(j *mica.ClassificationJob) string {
	const width = 30
	frac := 1.0
	if j.Expected > 0 {
		frac = float64(j.Completed) / float64(j.Expected)
	}
	done := int(frac * width)
	return fmt.Sprintf("[%s%s] %3.0f%%  %-9s EXPECTED %d  RECEIVED %d  COMPLETED %d", strings.Repeat("#", done),
		strings.Repeat(".", width-done), frac*100, j.Status, j.Expected, j.Received, j.Completed)
}
