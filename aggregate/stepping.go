package aggregate

import (
	"context"
	"errors"
	"os"
	"time"

	"github.com/micahq/mica"
)

// Stepping and forced ends: emulator controls that let a client test observe
// an aggregation in each status. With Runner.Stepping on, an aggregation is
// held after staging its file (still STARTED) and again after collecting
// (ACCOUNTS_COLLECTED), until Step releases it.

// StepTimeout is how long Step waits for an aggregation to reach a step (it
// may still be reading its file, or wait in the queue behind one held).
const StepTimeout = 30 * time.Second

// errTerminated is the cause of an aggregation ended by Terminate.
var errTerminated = errors.New("terminated through the emulator controls")

const terminatedMessage = "the aggregation was terminated through the emulator controls; nothing of it was applied"

// step holds aggregation id before it moves to next, while stepping is on.
func (r *Runner) step(ctx context.Context, id, next string) error {
	if r.Stepping == nil || !r.Stepping(ctx) {
		return nil
	}
	h := &hold{next: next, release: make(chan struct{}, 1)}
	r.mu.Lock()
	if r.held == nil {
		r.held = map[string]*hold{}
	}
	r.held[id] = h
	r.broadcastLocked()
	r.mu.Unlock()
	select {
	case <-h.release:
		return nil
	case <-ctx.Done():
		r.mu.Lock()
		if r.held[id] == h {
			delete(r.held, id)
		}
		r.mu.Unlock()
		return ctx.Err()
	}
}

// broadcastLocked wakes whoever waits for a change (under r.mu).
func (r *Runner) broadcastLocked() {
	if r.changed != nil {
		close(r.changed)
	}
	r.changed = make(chan struct{})
}

// unhold forgets aggregation id's hold once it has ended.
func (r *Runner) unhold(id string) {
	r.mu.Lock()
	delete(r.held, id)
	r.broadcastLocked()
	r.mu.Unlock()
}

// ReleaseAll lets every held aggregation go on (stepping was switched off).
func (r *Runner) ReleaseAll() {
	r.mu.Lock()
	defer r.mu.Unlock()
	for id, h := range r.held {
		h.release <- struct{}{}
		delete(r.held, id)
	}
	r.broadcastLocked()
}

// aggregationOrder is the order of the statuses an aggregation passes.
var aggregationOrder = map[string]int{mica.AggStarted: 0, mica.AggAccountsCollected: 1, mica.AggCompleted: 2}

// Step moves a held aggregation on: to its next status when target is "", or
// until it reaches target (ACCOUNTS_COLLECTED or COMPLETED); TERMINATED ends
// it (Terminate). It returns the aggregation as it then is.
func (r *Runner) Step(ctx context.Context, id, target string) (*mica.Aggregation, error) {
	switch target {
	case "", mica.AggAccountsCollected, mica.AggCompleted:
	case mica.AggTerminated:
		return r.Terminate(ctx, id)
	default:
		return nil, mica.Errorf(mica.EILLEGAL, "status %q: ACCOUNTS_COLLECTED, COMPLETED or TERMINATED", target)
	}
	agg, err := r.Store.GetAggregation(ctx, id)
	if err != nil {
		return nil, err
	}
	if agg.Done() {
		return nil, mica.Errorf(mica.EILLEGAL, "the aggregation has ended (%s)", agg.Status)
	}
	if r.Stepping == nil || !r.Stepping(ctx) {
		return nil, mica.Errorf(mica.EILLEGAL, "stepping is off: PUT /mica/v1/classification/pacing with \"stepping\": true first")
	}
	if target == "" {
		target = mica.AggAccountsCollected
		if agg.Status == mica.AggAccountsCollected {
			target = mica.AggCompleted
		}
	}
	deadline := time.NewTimer(StepTimeout)
	defer deadline.Stop()
	for {
		r.mu.Lock()
		h := r.held[id]
		changed := r.changed
		if changed == nil {
			r.broadcastLocked()
			changed = r.changed
		}
		r.mu.Unlock()
		agg, err := r.Store.GetAggregation(ctx, id)
		if err != nil {
			return nil, err
		}
		if agg.Done() || (h != nil && aggregationOrder[agg.Status] >= aggregationOrder[target]) {
			return agg, nil
		}
		if h != nil {
			r.mu.Lock()
			if r.held[id] == h {
				delete(r.held, id)
				h.release <- struct{}{}
			}
			r.mu.Unlock()
			continue
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-deadline.C:
			return nil, mica.Errorf(mica.ECONFLICT, "the aggregation did not reach a step within %s: it runs on another server, "+
				"or waits behind an aggregation held by stepping", StepTimeout)
		}
	}
}

// Terminate ends an aggregation TERMINATED with nothing of it applied: the
// running one is cancelled (its staging rolls back), a queued one is taken
// off the queue. It returns the aggregation as it ended.
func (r *Runner) Terminate(ctx context.Context, id string) (*mica.Aggregation, error) {
	agg, err := r.Store.GetAggregation(ctx, id)
	if err != nil {
		return nil, err
	}
	if agg.Done() {
		return nil, mica.Errorf(mica.EILLEGAL, "the aggregation has ended (%s)", agg.Status)
	}
	r.mu.Lock()
	if r.current == id && r.cancelCurrent != nil {
		r.cancelCurrent(errTerminated)
		changed := r.changed
		if changed == nil {
			r.broadcastLocked()
			changed = r.changed
		}
		r.mu.Unlock()
		return r.waitEnded(ctx, id, changed)
	}
	queued := false
	for i, q := range r.queue {
		if q == id {
			r.queue = append(r.queue[:i], r.queue[i+1:]...)
			queued = true
			break
		}
	}
	r.mu.Unlock()
	// Queued here, or not this server's (PostgreSQL): end it in the store.
	if err := r.Store.FailAggregation(ctx, id, mica.CompletionTerminated, terminatedMessage); err != nil {
		return nil, err
	}
	if queued && agg.FilePath != "" {
		_ = os.Remove(agg.FilePath)
	}
	return r.Store.GetAggregation(ctx, id)
}

// waitEnded waits until the aggregation has ended and returns it.
func (r *Runner) waitEnded(ctx context.Context, id string, changed chan struct{}) (*mica.Aggregation, error) {
	deadline := time.NewTimer(StepTimeout)
	defer deadline.Stop()
	for {
		agg, err := r.Store.GetAggregation(ctx, id)
		if err != nil || agg.Done() {
			return agg, err
		}
		select {
		case <-changed:
			r.mu.Lock()
			changed = r.changed
			r.mu.Unlock()
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-deadline.C:
			return nil, mica.Errorf(mica.ECONFLICT, "the aggregation did not end within %s", StepTimeout)
		}
	}
}
