// Package jobs runs mica's durable background work on River: source
// classification jobs. The state of a job (counts, cursor) lives in the store
// and advances in transactions that also carry the account updates it counts,
// so a job killed at any moment resumes where its last batch committed.
package jobs

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"runtime"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivermigrate"
	"github.com/riverqueue/river/rivertype"

	"github.com/micahq/mica"
	"github.com/micahq/mica/classify"
)

// ClassifyArgs is a River job that works one source classification job: on
// SQLite the only one; on PostgreSQL one of Workers (worker 0 collects, the
// others wait for it and then every worker classifies chunks), or a resumption.
type ClassifyArgs struct {
	JobID string `json:"job_id"`
	// Worker numbers the workers of a job on PostgreSQL (0 collects).
	Worker int `json:"worker,omitempty"`
	// Resume marks a worker that a sweep added to a job nobody was advancing:
	// the sweep's period, so that the servers sweeping together insert it once.
	Resume int64 `json:"resume,omitempty"`
}

// Kind is the River job kind.
func (ClassifyArgs) Kind() string { return "mica_classify_source" }

// Store is what the runner needs of the store.
type Store interface {
	mica.ClassificationService
	mica.SettingService
	mica.MISService
}

// chunkedStore is a store whose jobs many workers classify at once, each batch
// on a chunk no other batch holds (PostgreSQL): ClassifyNextBatch also says how
// many accounts the batch classified, 0 when every chunk with work is taken.
type chunkedStore interface {
	ClassifyNextBatch(ctx context.Context, jobID string, n int, decide mica.Decider) (*mica.ClassificationJob, int64, error)
}

// pipelinedStore is a store that reads and decides a job's next batch while it
// writes the current one (SQLite): next is ProcessClassificationBatch for one
// worker, and stop ends the reading ahead.
type pipelinedStore interface {
	ClassificationBatches(ctx context.Context, jobID string, decide mica.Decider) (
		next func(ctx context.Context, n int) (*mica.ClassificationJob, error), stop func())
}

// Workers is how many River jobs work one classification job on PostgreSQL,
// spread over the servers that fetch them.
const Workers = 4

// Resumption on PostgreSQL: every SweepEvery, each server looks for running jobs
// that no batch has advanced for StaleAfter (or three pacing delays, when
// longer): their workers died with a server (River would only rescue their jobs
// after RescueStuckJobsAfter), so a new worker resumes each, inserted once per
// period whichever servers sweep.
const (
	SweepEvery = 2 * time.Second
	StaleAfter = 8 * time.Second
	// WaitForCollector is how long workers other than 0 wait for a job's
	// collection to move before collecting themselves.
	WaitForCollector = 2 * time.Second
)

// Runner runs classification jobs through River over the store's database:
// SQLite (riversqlite) or PostgreSQL (riverpgxv5), where every server's runner
// works the jobs of one shared queue.
type Runner struct {
	store   Store
	client  riverClient
	logger  *slog.Logger
	pacing  mica.Pacing // defaults when the settings hold none
	migrate func(ctx context.Context) error
	// shared says that several servers work one queue (PostgreSQL): each
	// sweeps for the jobs of servers that died (ResumeStale).
	shared bool

	mu        sync.Mutex // Start and Stop, which may alternate (a snapshot restore)
	running   bool
	sweepStop chan struct{} // closed by Stop (PostgreSQL)
	sweepDone chan struct{} // closed when the sweep returns, if Start started it

	// OnClassified, when set before Start, is told how many accounts each
	// batch this server ran classified (metrics).
	OnClassified func(n int64)
	// OnEnded, when set before Start, is told once per job that a worker of
	// this server saw end (metrics).
	OnEnded func(j *mica.ClassificationJob)
	endedMu sync.Mutex
	ended   map[string]bool
}

// jobEnded tells OnEnded of j once.
func (r *Runner) jobEnded(j *mica.ClassificationJob) {
	if r.OnEnded == nil {
		return
	}
	r.endedMu.Lock()
	if r.ended == nil || len(r.ended) > 10_000 {
		r.ended = map[string]bool{}
	}
	seen := r.ended[j.ID]
	r.ended[j.ID] = true
	r.endedMu.Unlock()
	if !seen {
		r.OnEnded(j)
	}
}

// riverClient is what the runner uses of a River client, whatever its driver.
type riverClient interface {
	Start(ctx context.Context) error
	Stop(ctx context.Context) error
	StopAndCancel(ctx context.Context) error
	Insert(ctx context.Context, args river.JobArgs, opts *river.InsertOpts) (*rivertype.JobInsertResult, error)
}

// Queue enqueues a runner's River jobs inside a store's transactions, so that
// work is queued exactly when the state it belongs to commits. TTx is the
// store's transaction: *sql.Tx on SQLite, pgx.Tx on PostgreSQL. Enqueue and
// EnqueueTask are the store's job and task hooks.
type Queue[TTx any] struct {
	client *river.Client[TTx]
	// workers is how many River jobs work one classification job: Workers on
	// PostgreSQL, one on SQLite.
	workers int
}

// NewSQLite migrates River's tables in pool (the SQLite store's write pool)
// and builds a runner and its queue: one worker per classification job, this
// server's alone.
func NewSQLite(ctx context.Context, pool *sql.DB, store Store, defaults mica.Pacing, logger *slog.Logger) (*Runner, *Queue[*sql.Tx], error) {
	r := &Runner{store: store, logger: logger, pacing: defaults}
	client, err := newClient(ctx, riversqlite.New(pool), r, 4)
	if err != nil {
		return nil, nil, err
	}
	r.client = client
	return r, &Queue[*sql.Tx]{client: client, workers: 1}, nil
}

// NewPostgres migrates River's tables in pool (the PostgreSQL store's pool)
// and builds a runner and its queue: Workers River jobs per classification
// job, on a queue every server sharing the database works. The caller
// serializes the migration of servers starting together.
func NewPostgres(ctx context.Context, pool *pgxpool.Pool, store Store, defaults mica.Pacing, logger *slog.Logger) (*Runner, *Queue[pgx.Tx], error) {
	r := &Runner{store: store, logger: logger, pacing: defaults, shared: true}
	client, err := newClient(ctx, riverpgxv5.New(pool), r, PerServerWorkers())
	if err != nil {
		return nil, nil, err
	}
	r.client = client
	return r, &Queue[pgx.Tx]{client: client, workers: Workers}, nil
}

// PerServerWorkers is how many classification workers one server runs at once
// on PostgreSQL: as many as it has cores, at least two. A server fetches up to
// that many of a job's Workers, so on small machines a job spreads over
// several servers instead of all its workers going to whichever polls first.
func PerServerWorkers() int { return max(2, runtime.GOMAXPROCS(0)) }

// newClient builds a River client that runs up to maxWorkers jobs at once.
func newClient[TTx any](ctx context.Context, driver riverdriver.Driver[TTx], r *Runner, maxWorkers int) (*river.Client[TTx], error) {
	logger := r.logger
	migrator, err := rivermigrate.New(driver, &rivermigrate.Config{Logger: quiet(logger)})
	if err != nil {
		return nil, fmt.Errorf("river migrator: %w", err)
	}
	r.migrate = func(ctx context.Context) error {
		if _, err := migrator.Migrate(ctx, rivermigrate.DirectionUp, nil); err != nil {
			return fmt.Errorf("river migrate: %w", err)
		}
		return nil
	}
	if err := r.migrate(ctx); err != nil {
		return nil, err
	}
	workers := river.NewWorkers()
	river.AddWorker(workers, &classifyWorker{r: r})
	river.AddWorker(workers, &taskWorker{r: r})
	client, err := river.NewClient(driver, &river.Config{
		ID:                   ClientID(),
		Queues:               map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: maxWorkers}},
		Workers:              workers,
		FetchPollInterval:    50 * time.Millisecond,
		FetchCooldown:        10 * time.Millisecond,
		JobTimeout:           -1, // a large source takes as long as it takes; cancel is ours
		RescueStuckJobsAfter: 10 * time.Minute,
		MaxAttempts:          5,
		Logger:               quiet(logger),
	})
	if err != nil {
		return nil, fmt.Errorf("river client: %w", err)
	}
	return client, nil
}

// ClientID names this process's River client: host, process id and start time,
// so that river_job.attempted_by tells which server works a job.
func ClientID() string {
	host, _ := os.Hostname()
	return fmt.Sprintf("mica_%s_pid%d_%s", host, os.Getpid(), time.Now().UTC().Format("20060102T150405.000000"))
}

func quiet(l *slog.Logger) *slog.Logger {
	return slog.New(levelFloor{l.Handler(), slog.LevelWarn})
}

// levelFloor drops records below min (River is chatty at info).
type levelFloor struct {
	slog.Handler
	min slog.Level
}

func (h levelFloor) Enabled(ctx context.Context, l slog.Level) bool {
	return l >= h.min && h.Handler.Enabled(ctx, l)
}

// Enqueue is the store's job hook: it inserts the River jobs that work a
// classification job in the transaction that creates it.
func (q *Queue[TTx]) Enqueue(ctx context.Context, tx TTx, job *mica.ClassificationJob) error {
	var err error
	if q.workers == 1 {
		_, err = q.client.InsertTx(ctx, tx, ClassifyArgs{JobID: job.ID}, nil)
	} else {
		params := make([]river.InsertManyParams, q.workers)
		for i := range params {
			params[i] = river.InsertManyParams{Args: ClassifyArgs{JobID: job.ID, Worker: i}}
		}
		_, err = q.client.InsertManyTx(ctx, tx, params)
	}
	if err != nil {
		return fmt.Errorf("enqueue classification job: %w", err)
	}
	return nil
}

// Start starts working jobs and resumes the ones a previous process (or the
// tenant a snapshot restored) left unfinished. A stopped runner may start again.
func (r *Runner) Start(ctx context.Context) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.running {
		return nil
	}
	if err := r.client.Start(ctx); err != nil {
		return fmt.Errorf("start river: %w", err)
	}
	r.running = true
	if err := r.Resume(ctx); err != nil {
		return err
	}
	if err := r.resumeTasks(ctx); err != nil { // machine identity security's tasks (mis.go)
		return err
	}
	if r.shared {
		r.sweepStop, r.sweepDone = make(chan struct{}), make(chan struct{})
		go r.sweep(r.sweepStop, r.sweepDone) //nolint:gosec // G118: the sweeper outlives Start's context by design; Stop ends it
	}
	return nil
}

// Resume gives every unfinished job a fresh worker: after a start, and when
// stepping is switched off (the workers of stepped jobs have returned).
func (r *Runner) Resume(ctx context.Context) error {
	unfinished, err := r.store.UnfinishedClassificationJobs(ctx)
	if err != nil {
		return err
	}
	for _, j := range unfinished {
		// The River job of a killed process stays "running" until River's rescuer
		// frees it; a fresh one resumes now. Batches are atomic, so two workers on
		// one job never double count.
		if _, err := r.client.Insert(ctx, ClassifyArgs{JobID: j.ID}, nil); err != nil {
			return fmt.Errorf("resume classification job %s: %w", j.ID, err)
		}
		r.logger.Info("resuming classification job", "job", j.ID, "source", j.SourceID, "completed", j.Completed, "expected", j.Expected)
	}
	return nil
}

// Migrate brings River's tables up to date: after a snapshot restore, which
// may bring back a database saved before them.
func (r *Runner) Migrate(ctx context.Context) error { return r.migrate(ctx) }

// Stop stops River, waiting for running batches to commit. It is idempotent.
func (r *Runner) Stop(ctx context.Context) error {
	return r.stop(ctx, false)
}

// Cancel stops River at once: running batches roll back, and their jobs
// resume from their last committed batch when the runner starts again (a
// snapshot restore, which replaces them anyway).
func (r *Runner) Cancel(ctx context.Context) error {
	return r.stop(ctx, true)
}

func (r *Runner) stop(ctx context.Context, cancel bool) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if !r.running {
		return nil
	}
	r.running = false
	if r.sweepStop != nil {
		close(r.sweepStop)
		select {
		case <-r.sweepDone:
		case <-ctx.Done():
		}
		r.sweepStop, r.sweepDone = nil, nil
	}
	if cancel {
		return r.client.StopAndCancel(ctx)
	}
	return r.client.Stop(ctx)
}

// sweep resumes, every SweepEvery, the running jobs that nobody advances.
func (r *Runner) sweep(stop <-chan struct{}, done chan<- struct{}) {
	defer close(done)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		<-stop
		cancel()
	}()
	tick := time.NewTicker(SweepEvery)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		if err := r.ResumeStale(ctx, time.Now()); err != nil && ctx.Err() == nil {
			r.logger.Warn("resume stale classification jobs", "error", err)
		}
	}
}

// ResumeStale adds a worker to every running job that no batch advanced for
// StaleAfter (three pacing delays when longer) before now. The worker's
// arguments name the period, and River's unique insert keeps one per job and
// period however many servers sweep.
func (r *Runner) ResumeStale(ctx context.Context, now time.Time) error {
	if !r.shared {
		return nil
	}
	unfinished, err := r.store.UnfinishedClassificationJobs(ctx)
	if err != nil || len(unfinished) == 0 {
		return err
	}
	stale := max(StaleAfter, 3*mica.GetPacing(ctx, r.store, r.pacing).Delay)
	for _, j := range unfinished {
		last := j.Started
		if j.Updated != nil {
			last = *j.Updated
		}
		if now.Sub(last) < stale {
			continue
		}
		args := ClassifyArgs{JobID: j.ID, Resume: now.UnixNano() / int64(stale)}
		res, err := r.client.Insert(ctx, args, &river.InsertOpts{UniqueOpts: river.UniqueOpts{ByArgs: true}})
		if err != nil {
			return fmt.Errorf("resume classification job %s: %w", j.ID, err)
		}
		if !res.UniqueSkippedAsDuplicate {
			r.logger.Info("resuming a stalled classification job", "job", j.ID, "source", j.SourceID,
				"completed", j.Completed, "expected", j.Expected, "idle", now.Sub(last).Round(time.Millisecond))
		}
	}
	return nil
}

type classifyWorker struct {
	river.WorkerDefaults[ClassifyArgs]
	r *Runner
}

// Work advances a classification job batch by batch until it ends or is cancelled.
func (w *classifyWorker) Work(ctx context.Context, job *river.Job[ClassifyArgs]) error {
	r := w.r
	j, err := r.store.GetClassificationJobByID(ctx, job.Args.JobID)
	if mica.ErrorCode(err) == mica.ENOTFOUND {
		return nil // its source was deleted
	} else if err != nil {
		return err
	}
	if !j.Running() {
		return nil
	}
	prog, err := classify.Compile(j.Config)
	if err != nil {
		r.logger.Error("classification job terminated", "job", j.ID, "source", j.SourceID, "reason", err)
		return r.store.TerminateClassificationJob(ctx, j.ID, "the job's classification config is invalid: "+mica.ErrorMessage(err))
	}
	// Discovery learns the source's people once per run of the job's worker.
	people, err := r.store.SourcePeople(ctx, j.SourceID, mica.PeopleSample)
	if err != nil {
		return err
	}
	decide := classify.Decider(classify.ModeDefault, prog, people)
	chunked, _ := r.store.(chunkedStore)
	process := r.store.ProcessClassificationBatch
	if ps, ok := r.store.(pipelinedStore); ok && chunked == nil {
		next, stop := ps.ClassificationBatches(ctx, j.ID, decide)
		defer stop()
		process = func(ctx context.Context, _ string, n int, _ mica.Decider) (*mica.ClassificationJob, error) {
			return next(ctx, n)
		}
	}
	var idleSince time.Time // since when a waiting worker saw no collection
	for j.Running() {
		p := mica.GetPacing(ctx, r.store, r.pacing)
		if p.Stepping {
			// The client steps the job (Step); Resume gives it a worker again
			// when stepping ends.
			return nil
		}
		var next *mica.ClassificationJob
		switch {
		case j.Status == mica.JobStarted && job.Args.Worker > 0:
			// Worker 0 collects; the others wait for it (or for its resumption).
			// A job nobody collects for WaitForCollector (its worker 0 returned
			// while stepping held the job, and its resumption waits for a slot
			// these workers hold) is collected by whoever waits.
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(max(p.Delay, 100*time.Millisecond)):
			}
			next, err = r.store.GetClassificationJobByID(ctx, j.ID)
			if err == nil && next.Status == mica.JobStarted && next.Received == j.Received {
				if idleSince.IsZero() {
					idleSince = time.Now()
				}
				if time.Since(idleSince) < max(WaitForCollector, 3*p.Delay) {
					continue
				}
				next, err = r.store.CollectClassificationBatch(ctx, j.ID, p.BatchSize)
			}
			idleSince = time.Time{}
			if err == nil {
				j = next
				continue
			}
		case j.Status == mica.JobStarted:
			next, err = r.store.CollectClassificationBatch(ctx, j.ID, p.BatchSize)
		case chunked != nil:
			var n int64
			next, n, err = chunked.ClassifyNextBatch(ctx, j.ID, p.BatchSize, decide)
			if err == nil && n > 0 && r.OnClassified != nil {
				r.OnClassified(n)
			}
			if err == nil && n == 0 && next.Running() && next.Status != mica.JobStarted {
				// Every chunk with work left is another worker's: this one is done.
				// (Should those workers die, the sweep resumes the job.)
				return nil
			}
		default:
			next, err = process(ctx, j.ID, p.BatchSize, decide)
			if err == nil && r.OnClassified != nil && next.Completed > j.Completed {
				r.OnClassified(next.Completed - j.Completed)
			}
		}
		if mica.ErrorCode(err) == mica.ENOTFOUND {
			return nil
		} else if err != nil {
			if errors.Is(err, context.Canceled) {
				return err // shutting down: River retries, the job resumes from its last batch
			}
			if job.Attempt >= job.MaxAttempts {
				reason := "classification failed: " + err.Error()
				r.logger.Error("classification job terminated", "job", j.ID, "reason", reason)
				return r.store.TerminateClassificationJob(context.WithoutCancel(ctx), job.Args.JobID, reason)
			}
			return err
		}
		j = next
		if p.Delay > 0 && j.Running() {
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(p.Delay):
			}
		}
	}
	r.logger.Info("classification job ended", "job", j.ID, "source", j.SourceID, "status", j.Status,
		"completed", j.Completed, "expected", j.Expected)
	r.jobEnded(j)
	if j.Status == mica.JobCompleted {
		r.OnSourceChanged(ctx, j.SourceID) // machine accounts may have come or gone: re-apply the mappings
	}
	return nil
}

// terminatedByControls is the reason of a job a client ended through the
// emulator controls.
const terminatedByControls = "terminated through the emulator controls"

// Step advances a running job while the pacing is in stepping mode: batches
// batches (collecting while it is STARTED, classifying once COLLECTED), or as
// many as it takes to reach target (COLLECTED or COMPLETED). Target
// TERMINATED ends the job at once, stepping or not. It returns the job as
// the last batch left it.
func (r *Runner) Step(ctx context.Context, jobID string, batches int, target string) (*mica.ClassificationJob, error) {
	j, err := r.store.GetClassificationJobByID(ctx, jobID)
	if err != nil {
		return nil, err
	}
	if !j.Running() {
		return nil, mica.Errorf(mica.EILLEGAL, "the classification job has ended (%s)", j.Status)
	}
	if target == mica.JobTerminated {
		if err := r.store.TerminateClassificationJob(ctx, j.ID, terminatedByControls); err != nil {
			return nil, err
		}
		return r.store.GetClassificationJobByID(ctx, j.ID)
	}
	p := mica.GetPacing(ctx, r.store, r.pacing)
	if !p.Stepping {
		return nil, mica.Errorf(mica.EILLEGAL, "stepping is off: PUT /mica/v1/classification/pacing with \"stepping\": true first")
	}
	prog, err := classify.Compile(j.Config)
	if err != nil {
		return nil, mica.Errorf(mica.EILLEGAL, "the job's classification config is invalid: %s", mica.ErrorMessage(err))
	}
	people, err := r.store.SourcePeople(ctx, j.SourceID, mica.PeopleSample)
	if err != nil {
		return nil, err
	}
	decide := classify.Decider(classify.ModeDefault, prog, people)
	chunked, _ := r.store.(chunkedStore)
	for n := 0; j.Running(); n++ {
		if (target == "" && n >= batches) || (target != "" && mica.JobReached(j.Status, target)) {
			break
		}
		var next *mica.ClassificationJob
		switch {
		case j.Status == mica.JobStarted:
			next, err = r.store.CollectClassificationBatch(ctx, j.ID, p.BatchSize)
		case chunked != nil:
			next, _, err = chunked.ClassifyNextBatch(ctx, j.ID, p.BatchSize, decide)
		default:
			next, err = r.store.ProcessClassificationBatch(ctx, j.ID, p.BatchSize, decide)
		}
		if err != nil {
			return nil, err
		}
		if next.Status == j.Status && next.Received == j.Received && next.Completed == j.Completed {
			return next, nil // no progress (another worker holds the rest): stop rather than spin
		}
		j = next
	}
	return j, nil
}
