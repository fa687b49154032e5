package api

import (
	"context"
	"net/http"

	"github.com/micahq/mica"
)

// Job stepping (an emulator control): with the pacing in stepping mode,
// source classification jobs and aggregations advance only when a client
// steps them, so that a test observes each status in turn; either can also be
// ended TERMINATED at any time.

// JobStepper steps classification jobs (jobs.Runner).
type JobStepper interface {
	Step(ctx context.Context, jobID string, batches int, target string) (*mica.ClassificationJob, error)
	// Resume gives the unfinished jobs workers again, once stepping is off.
	Resume(ctx context.Context) error
}

// AggregationStepper steps aggregations (aggregate.Runner, the Aggregator).
type AggregationStepper interface {
	Step(ctx context.Context, id, target string) (*mica.Aggregation, error)
	// ReleaseAll lets the held aggregations go on, once stepping is off.
	ReleaseAll()
}

// MaxStepBatches caps the batches of one step request.
const MaxStepBatches = 10000

func (s *Server) registerStepping(control func(id, method, path string, h func(http.ResponseWriter, *http.Request) error)) {
	control("micaStepClassificationJob", http.MethodPost, "/classification/jobs/{sourceId}/step", s.stepClassification)
	control("micaStepAccountAggregation", http.MethodPost, "/account-aggregations/{id}/step", s.stepAggregation)
}

// stepBody is the body of a step: a number of batches or a target status.
type stepBody struct {
	Batches *int   `json:"batches"`
	Status  string `json:"status"`
}

func readStep(r *http.Request) (stepBody, error) {
	var b stepBody
	if r.ContentLength != 0 {
		if err := decodeJSON(r, &b); err != nil {
			return b, err
		}
	}
	if b.Batches != nil && b.Status != "" {
		return b, mica.Errorf(mica.EILLEGAL, "give batches or status, not both")
	}
	return b, nil
}

func (s *Server) stepClassification(w http.ResponseWriter, r *http.Request) error {
	b, err := readStep(r)
	if err != nil {
		return err
	}
	batches := 1
	if b.Batches != nil {
		batches = *b.Batches
		if batches < 1 || batches > MaxStepBatches {
			return mica.Errorf(mica.EILLEGAL, "batches must be between 1 and %d", MaxStepBatches)
		}
	}
	switch b.Status {
	case "", mica.JobCollected, mica.JobCompleted, mica.JobTerminated:
	default:
		return mica.Errorf(mica.EILLEGAL, "status %q: COLLECTED, COMPLETED or TERMINATED", b.Status)
	}
	job, err := s.Store.GetClassificationJob(r.Context(), r.PathValue("sourceId"))
	if err != nil {
		return err
	}
	if s.Jobs == nil {
		return mica.Errorf(mica.EUNAVAILABLE, "classification jobs are not running on this server")
	}
	j, err := s.Jobs.Step(r.Context(), job.ID, batches, b.Status)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, jobStatus(j))
	return nil
}

func (s *Server) stepAggregation(w http.ResponseWriter, r *http.Request) error {
	b, err := readStep(r)
	if err != nil {
		return err
	}
	if b.Batches != nil {
		return mica.Errorf(mica.EILLEGAL, "an aggregation steps by status: ACCOUNTS_COLLECTED, COMPLETED or TERMINATED (or an empty body: the next)")
	}
	if _, err := s.Store.GetAggregation(r.Context(), r.PathValue("id")); err != nil {
		return err
	}
	st, ok := s.Aggregator.(AggregationStepper)
	if !ok {
		return mica.Errorf(mica.EUNAVAILABLE, "aggregations are not running on this server")
	}
	a, err := st.Step(r.Context(), r.PathValue("id"), b.Status)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, aggregationStatus(V2025, a))
	return nil
}
