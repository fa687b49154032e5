package api

import (
	"net/http"
	"sort"

	"github.com/micahq/mica"
	"github.com/micahq/mica/query"
)

// registerSummary mounts mica's summary extensions: what the console's
// overview shows, in one answer, and a source's latest classification job
// with what it decided. They let a client stay far within the API's rate
// limit: the overview is one request however many sources a page shows.
func (s *Server) registerSummary() {
	read := Auth{User: []string{ScopeSourcesRead, ScopeSourcesManage}, App: []string{ScopeSourcesRead, ScopeSourcesManage},
		Levels: []string{mica.LevelOrgAdmin, mica.LevelSourceAdmin, mica.LevelSourceSubadmin, mica.LevelRoleSubadmin}}
	s.handleExtension(&Op{ID: "micaGetSummary", Method: http.MethodGet, Path: "/mica/v1/summary", Auth: read,
		Handle: s.getSummary})
	s.handleExtension(&Op{ID: "micaGetClassificationJob", Method: http.MethodGet,
		Path: "/mica/v1/sources/{sourceId}/classification-job", Auth: read, Handle: s.getClassificationJobSummary})
}

// JobSummaryDto is a classification job as mica's extensions show it: the ISC
// status and counts, the phase, and what the job decided so far.
type JobSummaryDto struct {
	ID      string           `json:"id"`
	Status  string           `json:"status"`
	Phase   string           `json:"phase"` // collecting, classifying or ended
	Started Time             `json:"started"`
	Updated *Time            `json:"updated"`
	Counts  map[string]int64 `json:"counts"`
	// Machines, Humans and Changed count the accounts the job classified so
	// far: machine and human after the job, and how many it turned from one
	// to the other.
	Machines int64  `json:"machines"`
	Humans   int64  `json:"humans"`
	Changed  int64  `json:"changed"`
	Reason   string `json:"reason,omitempty"`
}

func jobSummary(j *mica.ClassificationJob) *JobSummaryDto {
	if j == nil {
		return nil
	}
	phase := "ended"
	switch j.Status {
	case mica.JobStarted:
		phase = "collecting"
	case mica.JobCollected:
		phase = "classifying"
	}
	return &JobSummaryDto{ID: j.ID, Status: j.Status, Phase: phase, Started: Time(j.Started), Updated: TimePtr(j.Updated),
		Counts:   map[string]int64{"EXPECTED": j.Expected, "RECEIVED": j.Received, "COMPLETED": j.Completed},
		Machines: j.Machines, Humans: j.Completed - j.Machines, Changed: j.Changed, Reason: j.Reason}
}

// SourceSummaryDto is one source of the summary.
type SourceSummaryDto struct {
	ID          string `json:"id"`
	Name        string `json:"name"`
	Type        string `json:"type"`
	Accounts    int    `json:"accounts"`
	Machines    int    `json:"machines"`
	Humans      int    `json:"humans"`
	Recommended int    `json:"recommended"` // accounts whose discovery recommendation disagrees
	Review      int    `json:"review"`      // accounts in the review queue: recommendations no one dismissed
	// Classification is the source's config (nil when it has none).
	Classification *struct {
		Enabled bool   `json:"enabled"`
		Method  string `json:"method"`
	} `json:"classification"`
	Job *JobSummaryDto `json:"job"` // the latest classification job, nil when none ran
}

// RunningJobDto is a classification job running on some source.
type RunningJobDto struct {
	SourceID   string         `json:"sourceId"`
	SourceName string         `json:"sourceName"`
	Job        *JobSummaryDto `json:"job"`
}

// SummaryDto is GET /mica/v1/summary.
type SummaryDto struct {
	Totals struct {
		Sources     int `json:"sources"`
		Accounts    int `json:"accounts"`
		Machines    int `json:"machines"`
		Humans      int `json:"humans"`
		Recommended int `json:"recommended"`
		Review      int `json:"review"`
	} `json:"totals"`
	// Sources is one page of the sources (the collection parameters apply;
	// by name by default), Count how many there are.
	Sources     []SourceSummaryDto `json:"sources"`
	Count       int                `json:"count"`
	Offset      int                `json:"offset"`
	Limit       int                `json:"limit"`
	RunningJobs []RunningJobDto    `json:"runningJobs"`
}

func (s *Server) getSummary(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	opt, err := listOptions(r, query.ListSources)
	if err != nil {
		return err
	}
	if r.URL.Query().Get("limit") == "" {
		opt.Limit = 20
	}
	if opt.Sorters == "" {
		opt.Sorters = "name"
	}
	opt.Count = true
	page, err := s.Store.ListSources(ctx, opt)
	if err != nil {
		return err
	}
	counts, err := s.Store.CountAccountsBySource(ctx)
	if err != nil {
		return err
	}
	bySource := make(map[string]mica.SourceAccountCounts, len(counts))
	out := SummaryDto{Sources: make([]SourceSummaryDto, 0, len(page.Items)), Count: page.Total, Offset: opt.Offset,
		Limit: opt.Limit, RunningJobs: []RunningJobDto{}}
	for _, c := range counts {
		bySource[c.SourceID] = c
		out.Totals.Accounts += c.Accounts
		out.Totals.Machines += c.Machines
		out.Totals.Recommended += c.Recommended
	}
	out.Totals.Humans = out.Totals.Accounts - out.Totals.Machines
	review := map[string]int{}
	if err := s.Store.EachTriageCandidate(ctx, "", func(c *mica.TriageCandidate) error {
		if c.InQueue() {
			review[c.SourceID]++
			out.Totals.Review++
		}
		return nil
	}); err != nil {
		return err
	}
	all, err := s.Store.ListSources(ctx, mica.ListOptions{Count: true})
	if err != nil {
		return err
	}
	out.Totals.Sources = all.Total
	for _, src := range page.Items {
		c := bySource[src.ID]
		row := SourceSummaryDto{ID: src.ID, Name: src.Name, Type: src.Type, Accounts: c.Accounts, Machines: c.Machines,
			Humans: c.Accounts - c.Machines, Recommended: c.Recommended, Review: review[src.ID]}
		switch cfg, err := s.Store.GetMachineClassificationConfig(ctx, src.ID); {
		case err == nil:
			row.Classification = &struct {
				Enabled bool   `json:"enabled"`
				Method  string `json:"method"`
			}{cfg.Enabled, cfg.ClassificationMethod}
		case mica.ErrorCode(err) != mica.ENOTFOUND:
			return err
		}
		switch j, err := s.Store.GetClassificationJob(ctx, src.ID); {
		case err == nil:
			row.Job = jobSummary(j)
		case mica.ErrorCode(err) != mica.ENOTFOUND:
			return err
		}
		out.Sources = append(out.Sources, row)
	}
	running, err := s.Store.UnfinishedClassificationJobs(ctx)
	if err != nil {
		return err
	}
	for _, j := range running {
		name := ""
		if src, err := s.Store.GetSource(ctx, j.SourceID); err == nil {
			name = src.Name
		}
		out.RunningJobs = append(out.RunningJobs, RunningJobDto{SourceID: j.SourceID, SourceName: name, Job: jobSummary(j)})
	}
	sort.Slice(out.RunningJobs, func(i, k int) bool { return out.RunningJobs[i].SourceName < out.RunningJobs[k].SourceName })
	writeJSON(w, http.StatusOK, out)
	return nil
}

func (s *Server) getClassificationJobSummary(w http.ResponseWriter, r *http.Request) error {
	j, err := s.sourceClassificationJob(r)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, jobSummary(j))
	return nil
}
