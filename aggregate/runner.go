package aggregate

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"sync"
	"time"

	"github.com/micahq/mica"
)

// Store is what the runner needs from mica's store.
type Store interface {
	mica.SourceService
	mica.AggregationService
}

// DefaultBatchSize is how many parsed accounts one staging transaction holds.
const DefaultBatchSize = 2000

// Lease timing defaults (see Runner.Owner).
const (
	DefaultRenewEvery = 5 * time.Second
	DefaultSweepEvery = 10 * time.Second
)

// interruptedMessage ends the aggregations a dead server left unfinished.
const interruptedMessage = "the server stopped while this aggregation ran; nothing of it was applied, start it again " +
	"(upload the file again)"

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
	// Progress, when set, is called after each staged batch with the accounts read so far.
	Progress func(aggregationID string, accounts int)
	// OnEnded, when set, is told of each aggregation Run finished, as it ended, and how long it ran (metrics).
	OnEnded func(agg *mica.Aggregation, d time.Duration)
	// Connector reads the accounts of direct (directory) sources, whose
	// aggregations have no file; nil fails them.
	Connector mica.Connector

	// Owner names this server instance on the aggregations it runs; a random
	// id when empty. While an aggregation is queued or running here, its lease
	// is renewed every RenewEvery to last Lease; at Start and every SweepEvery
	// the runner terminates other owners' unfinished aggregations whose lease
	// has passed (their server died), so servers sharing a database never end
	// an aggregation that a live server is working on.
	Owner      string
	Lease      time.Duration // mica.AggregationLease
	RenewEvery time.Duration // DefaultRenewEvery
	SweepEvery time.Duration // DefaultSweepEvery
	// Exclusive says that no other process runs aggregations on the store (one
	// server on SQLite): Start then terminates every unfinished aggregation at
	// once, without waiting for the leases of a previous run to pass.
	Exclusive bool
	// Now is the clock (time.Now).
	Now func() time.Time
	// Stepping, when set and true, holds each aggregation before it moves to
	// ACCOUNTS_COLLECTED and before COMPLETED until Step releases it (an
	// emulator control).
	Stepping func(ctx context.Context) bool

	once    sync.Once
	mu      sync.Mutex
	queue   []string
	wake    chan struct{}
	cancel  context.CancelFunc
	wg      sync.WaitGroup
	started bool
	// The aggregation running now and how to end it (Terminate).
	current       string
	cancelCurrent context.CancelCauseFunc
	// Stepping: the aggregations held at a step, and a channel closed (and
	// replaced) whenever one is held or ends.
	held    map[string]*hold
	changed chan struct{}
}

// hold is an aggregation held at a step.
type hold struct {
	next    string        // the status it moves to when released
	release chan struct{} // receives the release
}

func (r *Runner) defaults() {
	r.once.Do(func() {
		if r.Logger == nil {
			r.Logger = slog.Default()
		}
		if r.Owner == "" {
			r.Owner = mica.NewID()
		}
		if r.Lease <= 0 {
			r.Lease = mica.AggregationLease
		}
		if r.RenewEvery <= 0 {
			r.RenewEvery = DefaultRenewEvery
		}
		if r.SweepEvery <= 0 {
			r.SweepEvery = DefaultSweepEvery
		}
		if r.Now == nil {
			r.Now = time.Now
		}
	})
}

// Start ends the aggregations a previous run or a dead server left unfinished
// (TERMINATED: the source keeps its previous accounts) and removes their files,
// then starts the worker and the lease keeper. Without Exclusive it ends only
// aggregations whose lease has passed.
func (r *Runner) Start(ctx context.Context) error {
	r.defaults()
	if r.Exclusive {
		files, err := r.Store.TerminateUnfinishedAggregations(ctx, interruptedMessage)
		removeFiles(files)
		if err != nil {
			return fmt.Errorf("terminate unfinished aggregations: %w", err)
		}
		if len(files) > 0 {
			r.Logger.Warn("terminated aggregations interrupted by the last shutdown", "count", len(files))
		}
	} else if err := r.sweep(ctx); err != nil {
		return err
	}
	wctx, cancel := context.WithCancel(context.Background())
	r.mu.Lock()
	r.wake, r.cancel, r.started = make(chan struct{}, 1), cancel, true
	r.mu.Unlock()
	r.wg.Add(2)
	go r.work(wctx)
	go r.keepLeases(wctx)
	return nil
}

// Stop cancels the running aggregation (it ends TERMINATED, nothing applied),
// waits for the worker, and ends the aggregations still queued the same way,
// so that none is left unfinished. It is safe to call more than once.
func (r *Runner) Stop() {
	r.mu.Lock()
	started := r.started
	if started {
		r.started = false
		r.cancel() // under mu: once Enqueue refuses, the worker is cancelled
	}
	r.mu.Unlock()
	if !started {
		return
	}
	r.wg.Wait()
	r.mu.Lock()
	queued := r.queue
	r.queue = nil
	r.mu.Unlock()
	ctx, done := context.WithTimeout(context.Background(), 10*time.Second)
	defer done()
	for _, id := range queued {
		agg, err := r.Store.GetAggregation(ctx, id)
		if err != nil || agg.Done() {
			continue
		}
		if err := r.Store.FailAggregation(ctx, id, mica.CompletionTerminated,
			"the server stopped before this aggregation ran; nothing of it was applied, start it again (upload the file again)"); err != nil {
			r.Logger.Error("end queued aggregation at shutdown", "aggregation", id, "error", err)
		}
		removeFiles([]string{agg.FilePath})
	}
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
	defer r.wg.Done()
	for {
		if ctx.Err() != nil {
			return // Stop ends what is still queued
		}
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

// keepLeases renews the leases of the queued aggregations (Run renews the one
// running) and sweeps for expired ones, until ctx ends.
func (r *Runner) keepLeases(ctx context.Context) {
	defer r.wg.Done()
	renew, sweep := time.NewTicker(r.RenewEvery), time.NewTicker(r.SweepEvery)
	defer renew.Stop()
	defer sweep.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-renew.C:
			r.mu.Lock()
			queued := append([]string(nil), r.queue...)
			r.mu.Unlock()
			r.renew(ctx, queued)
		case <-sweep.C:
			if err := r.sweep(ctx); err != nil && ctx.Err() == nil {
				r.Logger.Error("sweep for aggregations of dead servers", "error", err)
			}
		}
	}
}

// renew claims the aggregations ids for this runner and extends their leases.
func (r *Runner) renew(ctx context.Context, ids []string) {
	if len(ids) == 0 {
		return
	}
	if err := r.Store.RenewAggregationLeases(ctx, r.Owner, ids, r.Now().Add(r.Lease)); err != nil && ctx.Err() == nil {
		r.Logger.Warn("renew aggregation leases", "aggregations", len(ids), "error", err)
	}
}

// sweep terminates other owners' aggregations whose lease has passed and
// removes the files of those it terminated (on another server's disk the path
// does not exist, and nothing is removed).
func (r *Runner) sweep(ctx context.Context) error {
	files, err := r.Store.TerminateExpiredAggregations(ctx, r.Owner, r.Now(), interruptedMessage)
	removeFiles(files)
	if err != nil {
		return fmt.Errorf("terminate expired aggregations: %w", err)
	}
	if len(files) > 0 {
		r.Logger.Warn("terminated aggregations whose server stopped renewing them", "count", len(files))
	}
	return nil
}

// holdLease claims the aggregation id at once and renews its lease until the
// returned stop is called (or ctx ends).
func (r *Runner) holdLease(ctx context.Context, id string) (stop func()) {
	r.renew(ctx, []string{id})
	lctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(r.RenewEvery)
		defer t.Stop()
		for {
			select {
			case <-lctx.Done():
				return
			case <-t.C:
				r.renew(lctx, []string{id})
			}
		}
	}()
	return func() {
		cancel()
		<-done
	}
}

func removeFiles(files []string) {
	for _, f := range files {
		if f != "" {
			_ = os.Remove(f)
		}
	}
}

func (r *Runner) runQueued(ctx context.Context, id string) {
	ctx, cancel := context.WithCancelCause(ctx)
	r.mu.Lock()
	r.current, r.cancelCurrent = id, cancel
	r.mu.Unlock()
	defer func() {
		cancel(nil)
		r.mu.Lock()
		r.current, r.cancelCurrent = "", nil
		r.mu.Unlock()
		r.unhold(id)
	}()
	// Without ctx's cancel: a shutdown now still ends the aggregation (in Run).
	agg, err := r.Store.GetAggregation(context.WithoutCancel(ctx), id)
	if err != nil {
		r.Logger.Error("aggregation vanished before it ran", "aggregation", id, "error", err)
		return
	}
	if agg.FilePath == "" { // a directory source: read from the directory
		_, _ = r.Run(ctx, agg, nil)
		return
	}
	defer func() { _ = os.Remove(agg.FilePath) }()
	f, err := os.Open(agg.FilePath)
	if err != nil {
		r.fail(ctx, id, fmt.Errorf("the uploaded file is gone: %w", err))
		return
	}
	defer func() { _ = f.Close() }()
	_, _ = r.Run(ctx, agg, f)
}

// Run aggregates one file (a delimited-file source), or the accounts the
// Connector reads (a directory source, file nil), into a recorded aggregation
// and returns it as it ended. A bad file ends it TERMINATED (ERROR) with a
// message naming the line, a directory failure with one naming its cause; the
// returned error is that failure.
//
// While it runs, Run keeps the aggregation's lease (see Owner), so that servers
// sweeping for dead ones leave it alone, even when the runner was not started
// (mica import accounts).
func (r *Runner) Run(ctx context.Context, agg *mica.Aggregation, file io.Reader) (*mica.Aggregation, error) {
	return r.RunChecked(ctx, agg, file, nil)
}

// RunChecked is Run with a check between reading the accounts and applying
// them: check gets the aggregation with its counts (Stats: what applying
// would add, change and remove) and may refuse it, which ends it TERMINATED
// with check's error as its message, nothing applied. `mica import` asks its
// user to confirm large removals there.
func (r *Runner) RunChecked(ctx context.Context, agg *mica.Aggregation, file io.Reader,
	check func(collected *mica.Aggregation) error) (*mica.Aggregation, error) {
	r.defaults()
	start := time.Now()
	stop := r.holdLease(ctx, agg.ID)
	out, err := r.run(ctx, agg, file, check, false)
	stop()
	if err != nil {
		r.fail(ctx, agg.ID, err)
		if got, gerr := r.Store.GetAggregation(context.WithoutCancel(ctx), agg.ID); gerr == nil {
			out = got
		}
		r.ended(out, time.Since(start))
		return out, err
	}
	r.ended(out, time.Since(start))
	return out, nil
}

// ended tells OnEnded of an aggregation that Run finished.
func (r *Runner) ended(agg *mica.Aggregation, d time.Duration) {
	if r.OnEnded != nil && agg != nil {
		r.OnEnded(agg, d)
	}
}

func (r *Runner) fail(ctx context.Context, id string, err error) {
	status := mica.CompletionError
	msg := mica.ErrorMessage(err)
	if errors.Is(context.Cause(ctx), errTerminated) {
		status, msg = mica.CompletionTerminated, terminatedMessage
	} else if errors.Is(err, context.Canceled) {
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

// errPreview stops a preview before its apply.
var errPreview = errors.New("preview: not applied")

// Preview reads a file (or a directory) into agg as an aggregation would and
// returns it with its counts (Stats: what applying it would add, change and
// remove), without applying anything; the aggregation and its staged rows are
// then deleted. A bad file is the error it would end with.
func (r *Runner) Preview(ctx context.Context, agg *mica.Aggregation, file io.Reader) (*mica.Aggregation, error) {
	r.defaults()
	stop := r.holdLease(ctx, agg.ID)
	var collected *mica.Aggregation
	_, err := r.run(ctx, agg, file, func(a *mica.Aggregation) error {
		collected = a
		return errPreview
	}, true)
	stop()
	if derr := r.Store.DeleteAggregation(context.WithoutCancel(ctx), agg.ID); derr != nil && mica.ErrorCode(derr) != mica.ENOTFOUND {
		r.Logger.Error("delete a preview", "aggregation", agg.ID, "error", derr)
	}
	if errors.Is(err, errPreview) {
		return collected, nil
	}
	return nil, err
}

func (r *Runner) run(ctx context.Context, agg *mica.Aggregation, file io.Reader,
	check func(*mica.Aggregation) error, preview bool) (*mica.Aggregation, error) {
	src, err := r.Store.GetSource(ctx, agg.SourceID)
	if err != nil {
		return nil, err
	}
	var next func() (*mica.StagedAccount, error)
	wrap := func(_ int, err error) error { return err }
	switch {
	case src.IsDelimitedFile():
		if file == nil {
			return nil, mica.Errorf(mica.EMISSING, "source %q is a delimited-file source: its aggregation needs a file", src.Name)
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
		next = rd.Next
		wrap = func(line int, err error) error { return r.sizeErr(cr, line, err) }
	case src.IsDirectory():
		if r.Connector == nil {
			return nil, mica.Errorf(mica.EUNAVAILABLE, "this server cannot reach directories")
		}
		rd, err := r.Connector.ReadAccounts(ctx, src)
		if err != nil {
			return nil, err
		}
		defer func() { _ = rd.Close() }()
		next = rd.Next
	default:
		return nil, mica.Errorf(mica.EILLEGAL, "source %q is neither a delimited-file nor a directory source", src.Name)
	}
	size := r.BatchSize
	if size <= 0 {
		size = DefaultBatchSize
	}
	// The file is read and parsed on its own goroutine while the batch before
	// is staged: parsing and staging each take about one core.
	batches, free := make(chan []mica.StagedAccount, 1), make(chan []mica.StagedAccount, 2)
	pctx, stop := context.WithCancel(ctx)
	defer stop()
	var parseErr error // set before batches is closed
	go func() {
		defer close(batches)
		batch, line := make([]mica.StagedAccount, 0, size), 1
		var buf []byte
		send := func() bool {
			select {
			case batches <- batch:
			case <-pctx.Done():
				return false
			}
			select {
			case batch = <-free:
			default:
				batch = make([]mica.StagedAccount, 0, size)
			}
			return true
		}
		for {
			a, err := next()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				parseErr = wrap(line, err)
				return
			}
			if a.Hash == "" { // a directory's account: hash it as a file's
				buf = encode(a, nil, buf)
			}
			line = a.Line
			batch = append(batch, *a)
			if len(batch) == size && !send() {
				return
			}
		}
		if len(batch) > 0 {
			send()
		}
	}()
	total := 0
	for batch := range batches {
		err := r.Store.StageAccounts(ctx, agg.ID, batch)
		if err == nil {
			total += len(batch)
			if r.Progress != nil {
				r.Progress(agg.ID, total)
			}
			err = ctx.Err()
		}
		if err != nil {
			stop()
			for range batches { // let the parser end
			}
			return nil, err
		}
		clear(batch)
		select {
		case free <- batch[:0]:
		default:
		}
	}
	if parseErr != nil {
		if err := ctx.Err(); err != nil { // a shutdown closed the directory's connection: say so
			return nil, err
		}
		return nil, parseErr
	}
	// A preview is not stepped: it answers its request at once and applies nothing.
	if !preview {
		if err := r.step(ctx, agg.ID, mica.AggAccountsCollected); err != nil {
			return nil, err
		}
	}
	collected, err := r.Store.CollectAggregation(ctx, agg.ID)
	if err != nil {
		return nil, err
	}
	if check != nil {
		if err := check(collected); err != nil {
			return nil, err
		}
	}
	if err := r.step(ctx, agg.ID, mica.AggCompleted); err != nil {
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
