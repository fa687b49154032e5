package api

import (
	"io"
	"math"
	"net/http"
	"os"

	"github.com/micahq/mica"
	"github.com/micahq/mica/query"
)

// registerAggregationExtensions mounts mica's aggregation extensions: the
// preview of an account file (what it would add, change and remove, before
// anything is applied) and a source's aggregation history.
func (s *Server) registerAggregationExtensions() {
	manage := Auth{User: []string{ScopeSourcesManage}, App: []string{ScopeSourcesManage}, Levels: sourceAdminLevels}
	read := Auth{User: []string{ScopeSourcesRead, ScopeSourcesManage}, App: []string{ScopeSourcesRead, ScopeSourcesManage},
		Levels: sourceAdminLevels}
	s.handleExtension(&Op{ID: "micaPreviewLoadAccounts", Method: http.MethodPost,
		Path: "/mica/v1/sources/{id}/load-accounts/preview", Auth: manage, Handle: s.previewLoadAccounts})
	s.handleExtension(&Op{ID: "micaListAggregations", Method: http.MethodGet, Path: "/mica/v1/sources/{id}/aggregations",
		Auth: read, Handle: s.listAggregations})
}

// AggregationPreviewDto is what an account file would do to its source.
type AggregationPreviewDto struct {
	SourceID   string `json:"sourceId"`
	SourceName string `json:"sourceName"`
	Existing   int    `json:"existing"` // the source's accounts now
	Scanned    int    `json:"scanned"`  // the file's accounts
	Added      int    `json:"added"`
	Changed    int    `json:"changed"`
	Removed    int    `json:"removed"`
	Unchanged  int    `json:"unchanged"`
	// RemovedPercent is Removed as a share of Existing; above
	// ConfirmAbovePercent the console and the CLI ask for a confirmation.
	RemovedPercent       float64 `json:"removedPercent"`
	ConfirmAbovePercent  int     `json:"confirmAbovePercent"`
	ConfirmationRequired bool    `json:"confirmationRequired"`
	// DeleteThreshold is the source's; a file past it would fail.
	DeleteThreshold        int  `json:"deleteThreshold"`
	ExceedsDeleteThreshold bool `json:"exceedsDeleteThreshold"`
}

func (s *Server) previewLoadAccounts(w http.ResponseWriter, r *http.Request) error {
	src, err := s.Store.GetSource(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	if s.Aggregator == nil {
		return mica.Errorf(mica.EUNAVAILABLE, "account aggregation is not available on this server")
	}
	agg := &mica.Aggregation{SourceID: src.ID, Launcher: s.launcher(r) + " (preview)"}
	var file io.Reader
	if src.IsDirectory() {
		if s.Connector == nil {
			return mica.Errorf(mica.EUNAVAILABLE, "this server cannot reach directories")
		}
	} else {
		up, done, err := s.receiveAccountFile(w, r, src)
		if err != nil {
			return err
		}
		defer done(false)
		f, err := os.Open(up.file)
		if err != nil {
			return err
		}
		defer func() { _ = f.Close() }()
		file, agg.DisableOptimization = f, up.disable
	}
	if err := s.Store.CreateAggregation(r.Context(), agg); err != nil {
		return err
	}
	got, err := s.Aggregator.Preview(r.Context(), agg, file)
	if err != nil {
		return err
	}
	st := got.Stats
	existing := st.Unchanged + st.Changed + st.Removed
	out := AggregationPreviewDto{SourceID: src.ID, SourceName: src.Name, Existing: existing, Scanned: st.Scanned,
		Added: st.Added, Changed: st.Changed, Removed: st.Removed, Unchanged: st.Unchanged,
		ConfirmAbovePercent: mica.ConfirmRemovalsPercent, ConfirmationRequired: mica.NeedsRemovalConfirmation(existing, st.Removed),
		DeleteThreshold: src.DeleteThreshold}
	if existing > 0 {
		out.RemovedPercent = math.Round(float64(st.Removed)*1000/float64(existing)) / 10
	}
	out.ExceedsDeleteThreshold = mica.CheckRemovals(src, &mica.Aggregation{}, existing, st.Removed) != nil
	writeJSON(w, http.StatusOK, out)
	return nil
}

// AggregationSummaryDto is one aggregation of a source's history.
type AggregationSummaryDto struct {
	ID               string  `json:"id"`
	Status           string  `json:"status"`
	CompletionStatus *string `json:"completionStatus"`
	Launcher         string  `json:"launcher"`
	Created          Time    `json:"created"`
	Completed        *Time   `json:"completed"`
	Scanned          int     `json:"scanned"`
	Added            int     `json:"added"`
	Changed          int     `json:"changed"`
	Removed          int     `json:"removed"`
	Unchanged        int     `json:"unchanged"`
	MaxRemovals      *int    `json:"maxRemovals"`
	// Errors and Warnings are the texts of the aggregation's ERROR and WARN messages.
	Errors   []string `json:"errors"`
	Warnings []string `json:"warnings"`
}

func aggregationSummary(a *mica.Aggregation) AggregationSummaryDto {
	out := AggregationSummaryDto{ID: a.ID, Status: a.Status, CompletionStatus: nullIfEmpty(a.CompletionStatus),
		Launcher: a.Launcher, Created: Time(a.Created), Completed: TimePtr(a.Completed), Scanned: a.Stats.Scanned,
		Added: a.Stats.Added, Changed: a.Stats.Changed, Removed: a.Stats.Removed, Unchanged: a.Stats.Unchanged,
		MaxRemovals: a.MaxRemovals, Errors: []string{}, Warnings: []string{}}
	for _, m := range a.Messages {
		switch m.Type {
		case "ERROR":
			out.Errors = append(out.Errors, m.Text)
		case "WARN":
			out.Warnings = append(out.Warnings, m.Text)
		}
	}
	return out
}

func (s *Server) listAggregations(w http.ResponseWriter, r *http.Request) error {
	src, err := s.Store.GetSource(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	q := r.URL.Query()
	page, err := query.ParsePage(q)
	if err != nil {
		return err
	}
	if q.Get("limit") == "" {
		page.Limit = 20
	}
	p, err := s.Store.ListAggregations(r.Context(), src.ID, mica.ListOptions{Limit: page.Limit, Offset: page.Offset, Count: page.Count})
	if err != nil {
		return err
	}
	writePage(w, p, aggregationSummary)
	return nil
}
