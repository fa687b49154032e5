package jobs

import (
	"context"
	"fmt"

	"github.com/riverqueue/river"

	"github.com/micahq/mica"
)

// TaskArgs is a River job that works one piece of machine identity security
// work (mica.MISTask): a mapping re-apply job, a machine account request or a
// lifecycle action. Its state lives in the store and every step commits with
// its effect, so a task killed at any moment resumes where it stopped, and a
// task run twice does nothing the second time.
type TaskArgs struct {
	Task string `json:"task"` // a mica.MISTask kind
	ID   string `json:"id"`
}

// Kind is the River job kind.
func (TaskArgs) Kind() string { return "mica_mis_task" }

// MappingBatchSize is how many machine accounts one mapping batch (one transaction) applies to.
const MappingBatchSize = 500

// EnqueueTask is the store's task hook: it inserts the River job of a piece
// of machine identity security work in the transaction that creates its state.
func (q *Queue[TTx]) EnqueueTask(ctx context.Context, tx TTx, t mica.MISTask) error {
	if _, err := q.client.InsertTx(ctx, tx, TaskArgs{Task: t.Kind, ID: t.ID}, nil); err != nil {
		return fmt.Errorf("enqueue %s task: %w", t.Kind, err)
	}
	return nil
}

// resumeTasks queues again the tasks a previous process left unfinished.
func (r *Runner) resumeTasks(ctx context.Context) error {
	var tasks []TaskArgs
	jobs, err := r.store.UnfinishedMappingJobs(ctx)
	if err != nil {
		return err
	}
	for _, j := range jobs {
		tasks = append(tasks, TaskArgs{Task: mica.TaskMappingJob, ID: j.ID})
	}
	reqs, err := r.store.PendingMachineAccountRequests(ctx)
	if err != nil {
		return err
	}
	for _, q := range reqs {
		tasks = append(tasks, TaskArgs{Task: mica.TaskAccountRequest, ID: q.ID})
	}
	acts, err := r.store.UnfinishedLifecycleActions(ctx)
	if err != nil {
		return err
	}
	for _, a := range acts {
		tasks = append(tasks, TaskArgs{Task: mica.TaskLifecycleAction, ID: a.ID})
	}
	for _, t := range tasks {
		if _, err := r.client.Insert(ctx, t, nil); err != nil {
			return fmt.Errorf("resume %s task %s: %w", t.Task, t.ID, err)
		}
	}
	return nil
}

type taskWorker struct {
	river.WorkerDefaults[TaskArgs]
	r *Runner
}

// Work carries a task to its end, step by step.
func (w *taskWorker) Work(ctx context.Context, job *river.Job[TaskArgs]) error {
	st := w.r.store
	id := job.Args.ID
	var err error
	switch job.Args.Task {
	case mica.TaskMappingJob:
		var j *mica.MappingJob
		for j == nil || j.Running() {
			if j, err = st.ApplyMappingBatch(ctx, id, MappingBatchSize); err != nil {
				break
			}
		}
	case mica.TaskAccountRequest:
		_, err = st.ProvisionMachineAccountRequest(ctx, id)
	case mica.TaskLifecycleAction:
		var a *mica.LifecycleAction
		prev := ""
		for a == nil || (!a.Completed() && a.Status != prev) {
			if a != nil {
				prev = a.Status
			}
			if a, err = st.ProcessLifecycleAction(ctx, id); err != nil {
				break
			}
		}
	default:
		w.r.logger.Error("unknown machine identity security task", "kind", job.Args.Task, "id", id)
		return nil
	}
	if mica.ErrorCode(err) == mica.ENOTFOUND {
		return nil // its source (or itself) was deleted
	}
	return err
}

// OnSourceChanged starts the re-apply job of a source's mappings after its
// accounts changed (an aggregation or a classification); a source without
// mappings starts none.
func (r *Runner) OnSourceChanged(ctx context.Context, sourceID string) {
	if _, err := r.store.StartMappingJob(ctx, sourceID); err != nil && mica.ErrorCode(err) != mica.ENOTFOUND {
		r.logger.Warn("start mapping job", "source", sourceID, "error", err)
	}
}
