package aggregate

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"sync"

	"github.com/micahq/mica"
)

// Store is what the runner needs from mica's store.
type Store interface {
	mica.SourceService
	mica.AggregationService
}

// DefaultBatchSize is how many parsed accounts one staging transaction holds.
const DefaultBatchSize = 2000

// Runner runs aggregations in the background, one at a time, in the order they
// were enqueued. Start it before enqueuing; Stop waits for the running one.
type Runner struct {
	Store  Store
	Logger *slog.Logger
	// BatchSize is how many accounts one staging transaction holds (DefaultBatchSize).
	BatchSize int
	// MaxFileBytes caps the bytes read from one file (0: no cap); beyond it the
	// aggregation fails naming the line it reached.
	MaxFileBytes int64
	// OnAccountsChanged is called after an aggregation commits, with the ids of
	// the accounts it added or changed, in batches (the machine-classification
	// hook). An error is recorded as a warning on the aggregation; the accounts
	// stay applied.
	OnAccountsChanged func(ctx context.Context, sourceID string, accountIDs []string) error
	// Progress, when set, is called after each staged batch with the accounts read so far.
	Progress func(aggregationID string, accounts int)

	mu      sync.Mutex
	queue   []string
	wake    chan struct{}
	cancel  context.CancelFunc
	done    chan struct{}
	started bool
}

// Start ends the aggregations a previous run left unfinished (TERMINATED: the
// source keeps its previous accounts), removes their files, and starts the worker.
func (r *Runner) Start(ctx context.Context) error {
	if r.Logger == nil {
		r.Logger = slog.Default()
	}
	files, err := r.Store.TerminateUnfinishedAggregations(ctx,
		"the server stopped while this aggregation ran; nothing of it was applied, upload the file again")
	for _, f := range files {
		_ = os.Remove(f)
	}
	if err != nil {
		return fmt.Errorf("terminate unfinished aggregations: %w", err)
	}
	if len(files) > 0 {
		r.Logger.Warn("terminated aggregations interrupted by the last shutdown", "count", len(files))
	}
	wctx, cancel := context.WithCancel(context.Background())
	r.mu.Lock()
	r.wake, r.cancel, r.done, r.started = make(chan struct{}, 1), cancel, make(chan struct{}), true
	r.mu.Unlock()
	go r.work(wctx)
	return nil
}

// Stop cancels the running aggregation (it ends TERMINATED, nothing applied)
// and waits for the worker. It is safe to call more than once.
func (r *Runner) Stop() {
	r.mu.Lock()
	cancel, done, started := r.cancel, r.done, r.started
	r.started = false
	r.mu.Unlock()
	if !started {
		return
	}
	cancel()
	<-done
}

// Enqueue schedules a recorded aggregation whose file is at its FilePath.
func (r *Runner) Enqueue(id string) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if !r.started {
		return mica.Errorf(mica.EUNAVAILABLE, "the aggregation runner is not running")
	}
	r.queue = append(r.queue, id)
	select {
	case r.wake <- struct{}{}:
	default:
	}
	return nil
}

func (r *Runner) work(ctx context.Context) {
	defer close(r.done)
	for {
		r.mu.Lock()
		var id string
		if len(r.queue) > 0 {
			id, r.queue = r.queue[0], r.queue[1:]
		}
		r.mu.Unlock()
		if id == "" {
			select {
			case <-ctx.Done():
				return
			case <-r.wake:
				continue
			}
		}
		r.runQueued(ctx, id)
	}
}

func (r *Runner) runQueued(ctx context.Context, id string) {
	agg, err := r.Store.GetAggregation(ctx, id)
	if err != nil {
		r.Logger.Error("aggregation vanished before it ran", "aggregation", id, "error", err)
		return
	}
	defer func() {
		if agg.FilePath != "" {
			_ = os.Remove(agg.FilePath)
		}
	}()
	f, err := os.Open(agg.FilePath)
	if err != nil {
		r.fail(ctx, id, fmt.Errorf("the uploaded file is gone: %w", err))
		return
	}
	defer func() { _ = f.Close() }()
	_, _ = r.Run(ctx, agg, f)
}

// Run aggregates one file into a recorded aggregation and returns it as it
// ended. A bad file ends it TERMINATED (ERROR) with a message naming the line;
// the returned error is that failure.
func (r *Runner) Run(ctx context.Context, agg *mica.Aggregation, file io.Reader) (*mica.Aggregation, error) {
	if r.Logger == nil {
		r.Logger = slog.Default()
	}
	out, err := r.run(ctx, agg, file)
	if err != nil {
		r.fail(ctx, agg.ID, err)
		if got, gerr := r.Store.GetAggregation(context.WithoutCancel(ctx), agg.ID); gerr == nil {
			out = got
		}
		return out, err
	}
	if r.OnAccountsChanged != nil {
		herr := r.Store.EachChangedAccount(ctx, agg.ID, 1000, func(ids []string) error {
			return r.OnAccountsChanged(ctx, agg.SourceID, ids)
		})
		if herr != nil {
			r.Logger.Error("classification hook failed", "aggregation", agg.ID, "error", herr)
			_ = r.Store.AddAggregationMessage(context.WithoutCancel(ctx), agg.ID, mica.TaskMessage{Type: "WARN",
				Key: "TASK_OUT_ACCOUNT_AGGREGATION_CLASSIFY", Text: "classifying the changed accounts failed: " + mica.ErrorMessage(herr)})
			if got, gerr := r.Store.GetAggregation(ctx, agg.ID); gerr == nil {
				out = got
			}
		}
	}
	return out, nil
}

func (r *Runner) fail(ctx context.Context, id string, err error) {
	status := mica.CompletionError
	msg := mica.ErrorMessage(err)
	if errors.Is(err, context.Canceled) {
		status, msg = mica.CompletionTerminated, "the aggregation was stopped (server shutdown); nothing of it was applied"
	} else if mica.ErrorCode(err) == mica.EINTERNAL {
		r.Logger.Error("aggregation failed", "aggregation", id, "error", err)
		msg = "an internal fault stopped the aggregation; nothing of it was applied"
	}
	if ferr := r.Store.FailAggregation(context.WithoutCancel(ctx), id, status, msg); ferr != nil &&
		mica.ErrorCode(ferr) != mica.ENOTFOUND {
		r.Logger.Error("record failed aggregation", "aggregation", id, "error", ferr)
	}
}

// countingReader counts the bytes read and stops past a cap.
type countingReader struct {
	r   io.Reader
	n   int64
	max int64
}

var errTooLarge = errors.New("file too large")

func (c *countingReader) Read(p []byte) (int, error) {
	if c.max > 0 && c.n > c.max {
		return 0, errTooLarge
	}
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

func (r *Runner) run(ctx context.Context, agg *mica.Aggregation, file io.Reader) (*mica.Aggregation, error) {
	src, err := r.Store.GetSource(ctx, agg.SourceID)
	if err != nil {
		return nil, err
	}
	if !src.IsDelimitedFile() {
		return nil, mica.Errorf(mica.EILLEGAL, "source %q is not a delimited-file source", src.Name)
	}
	format, err := FormatOf(src)
	if err != nil {
		return nil, err
	}
	cr := &countingReader{r: file, max: r.MaxFileBytes}
	rd, err := NewReader(cr, format)
	if err != nil {
		return nil, r.sizeErr(cr, 1, err)
	}
	size := r.BatchSize
	if size <= 0 {
		size = DefaultBatchSize
	}
	batch := make([]mica.StagedAccount, 0, size)
	total, line := 0, 1
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		if err := r.Store.StageAccounts(ctx, agg.ID, batch); err != nil {
			return err
		}
		total += len(batch)
		batch = batch[:0]
		if r.Progress != nil {
			r.Progress(agg.ID, total)
		}
		return ctx.Err()
	}
	for {
		a, err := rd.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, r.sizeErr(cr, line, err)
		}
		line = a.Line
		batch = append(batch, *a)
		if len(batch) == size {
			if err := flush(); err != nil {
				return nil, err
			}
		}
	}
	if err := flush(); err != nil {
		return nil, err
	}
	if _, err := r.Store.CollectAggregation(ctx, agg.ID); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return r.Store.ApplyAggregation(ctx, agg.ID)
}

func (r *Runner) sizeErr(cr *countingReader, line int, err error) error {
	if errors.Is(err, errTooLarge) {
		return mica.Errorf(mica.EILLEGAL, "line %d: the file is larger than the cap of %d bytes; nothing was applied",
			line, r.MaxFileBytes)
	}
	return err
}
