package api

import (
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// Coverage counts, for every operation of the reference in every version that
// has it, the requests it received and how many were answered 2xx, since the
// server started or was reset (emulator controls): what a client suite exercises.
type Coverage struct {
	rows  []coverageRow
	index map[coverageKey]int

	mu    sync.Mutex
	since time.Time
}

type coverageKey struct {
	op *Op
	v  Version
}

type coverageRow struct {
	op        *Op
	v         Version
	calls, ok atomic.Int64
}

// newCoverage lists every ISC operation × version of ops (mica's own
// extensions are not part of the reference).
func newCoverage(ops []*Op, now time.Time) *Coverage {
	c := &Coverage{index: map[coverageKey]int{}, since: now}
	n := 0
	for _, op := range ops {
		for _, v := range op.Versions {
			if v != Mica {
				n++
			}
		}
	}
	c.rows = make([]coverageRow, 0, n)
	for _, op := range ops {
		for _, v := range op.Versions {
			if v == Mica {
				continue
			}
			c.index[coverageKey{op, v}] = len(c.rows)
			c.rows = append(c.rows, coverageRow{op: op, v: v})
		}
	}
	return c
}

// count records one answered request of op in v.
func (c *Coverage) count(op *Op, v Version, status int) {
	i, ok := c.index[coverageKey{op, v}]
	if !ok {
		return
	}
	c.rows[i].calls.Add(1)
	if status >= 200 && status < 300 {
		c.rows[i].ok.Add(1)
	}
}

// Reset sets every count back to zero.
func (c *Coverage) Reset(now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for i := range c.rows {
		c.rows[i].calls.Store(0)
		c.rows[i].ok.Store(0)
	}
	c.since = now
}

// CoverageReport is the body of GET /mica/v1/coverage.
type CoverageReport struct {
	Since      time.Time           `json:"since"`
	Operations int                 `json:"operations"` // operation × version pairs
	Called     int                 `json:"called"`     // pairs called at least once
	Succeeded  int                 `json:"succeeded"`  // pairs answered 2xx at least once
	Items      []CoverageOperation `json:"items"`
}

// CoverageOperation is one operation in one version.
type CoverageOperation struct {
	OperationID string `json:"operationId"`
	Version     string `json:"version"`
	Method      string `json:"method"`
	Path        string `json:"path"`
	Calls       int64  `json:"calls"`
	Succeeded   int64  `json:"succeeded"`
}

// Report returns the counts, in registration order.
func (c *Coverage) Report() CoverageReport {
	c.mu.Lock()
	since := c.since
	c.mu.Unlock()
	rep := CoverageReport{Since: since, Operations: len(c.rows), Items: make([]CoverageOperation, 0, len(c.rows))}
	for i := range c.rows {
		row := &c.rows[i]
		item := CoverageOperation{OperationID: row.op.VersionID(row.v), Version: string(row.v), Method: row.op.Method,
			Path: VersionPath(row.v, row.op.Path), Calls: row.calls.Load(), Succeeded: row.ok.Load()}
		if item.Calls > 0 {
			rep.Called++
		}
		if item.Succeeded > 0 {
			rep.Succeeded++
		}
		rep.Items = append(rep.Items, item)
	}
	return rep
}

func (s *Server) getCoverage(w http.ResponseWriter, _ *http.Request) error {
	writeJSON(w, http.StatusOK, s.controls.coverage.Report())
	return nil
}

func (s *Server) deleteCoverage(w http.ResponseWriter, _ *http.Request) error {
	s.controls.coverage.Reset(s.Now())
	w.WriteHeader(http.StatusNoContent)
	return nil
}
