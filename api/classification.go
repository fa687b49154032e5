package api

import (
	"net/http"
	"time"

	"github.com/micahq/mica"
	"github.com/micahq/mica/classify"
)

func (s *Server) registerClassification() {
	sixLevels := []string{mica.LevelAPI, mica.LevelOrgAdmin, mica.LevelRoleAdmin, mica.LevelRoleSubadmin,
		mica.LevelSourceAdmin, mica.LevelSourceSubadmin}
	update := Auth{User: []string{ScopeAccountUpdate}, App: []string{ScopeAccountUpdate}, Levels: sixLevels}
	// The v2025 documentation this project was specified from has no experimental
	// header on the three classify operations; v2026 and v1 require it.
	classifyExp := []Version{V2026, V1}
	s.handle(&Op{ID: "sendClassifyMachineAccountFromSource", Method: http.MethodPost, Path: "/sources/{sourceId}/classify",
		Versions: Yearly2025Plus, Auth: update, Experimental: classifyExp, Handle: s.startClassification})
	s.handle(&Op{ID: "getClassifyMachineAccountFromSourceStatus", Method: http.MethodGet, Path: "/sources/{sourceId}/classify",
		Versions: Yearly2025Plus, Auth: update, Experimental: classifyExp, Handle: s.getClassification})
	s.handle(&Op{ID: "deleteClassifyMachineAccountFromSource", Method: http.MethodDelete, Path: "/sources/{sourceId}/classify",
		Versions: Yearly2025Plus, Auth: update, Experimental: classifyExp, Handle: s.cancelClassification})
	s.handle(&Op{ID: "sendDeclassifyMachineAccountFromSource", Method: http.MethodPost, Path: "/sources/{sourceId}/declassify",
		Versions: Yearly2025Plus, Auth: Auth{User: update.User, Levels: sixLevels}, Experimental: Yearly2025Plus,
		Handle: s.declassify})
	accountLevels := []string{mica.LevelAPI, mica.LevelOrgAdmin, mica.LevelSourceAdmin, mica.LevelSourceSubadmin}
	s.handle(&Op{ID: "sendClassifyMachineAccount", Method: http.MethodPost, Path: "/accounts/{id}/classify",
		Versions: Yearly2024Plus, Auth: Auth{User: update.User, App: update.App, Levels: accountLevels},
		Experimental: Yearly2024Plus, Handle: s.classifyAccount})

	configLevels := []string{mica.LevelOrgAdmin, mica.LevelSourceAdmin, mica.LevelSourceSubadmin}
	readCfg := Auth{User: []string{ScopeSourcesRead, ScopeSourcesManage}, App: []string{ScopeSourcesRead, ScopeSourcesManage}, Levels: configLevels}
	manageCfg := Auth{User: []string{ScopeSourcesManage}, App: []string{ScopeSourcesManage}, Levels: configLevels}
	cfgPath := "/sources/{sourceId}/machine-classification-config"
	s.handle(&Op{ID: "getMachineClassificationConfig", Method: http.MethodGet, Path: cfgPath, Versions: Yearly2024Plus,
		Auth: readCfg, Experimental: Yearly2024Plus, Handle: s.getClassificationConfig})
	s.handle(&Op{ID: "setMachineClassificationConfig", Method: http.MethodPut, Path: cfgPath, Versions: Yearly2024Plus,
		Auth: manageCfg, Experimental: Yearly2024Plus, Handle: s.putClassificationConfig})
	s.handle(&Op{ID: "deleteMachineClassificationConfig", Method: http.MethodDelete, Path: cfgPath, Versions: Yearly2024Plus,
		Auth: manageCfg, Experimental: Yearly2024Plus, Handle: s.deleteClassificationConfig})

	// mica extensions: pacing of classification jobs, discovery evidence.
	admin := Auth{User: []string{ScopeSourcesManage}, App: []string{ScopeSourcesManage}, Levels: []string{mica.LevelOrgAdmin}}
	s.handle(&Op{ID: "micaGetClassificationPacing", Method: http.MethodGet, Path: "/classification/pacing",
		Versions: []Version{Mica}, Auth: admin, Handle: s.getPacing})
	s.handle(&Op{ID: "micaSetClassificationPacing", Method: http.MethodPut, Path: "/classification/pacing",
		Versions: []Version{Mica}, Auth: admin, Handle: s.putPacing})
	s.handle(&Op{ID: "micaGetAccountEvidence", Method: http.MethodGet, Path: "/accounts/{id}/evidence",
		Versions: []Version{Mica}, Auth: Auth{User: []string{ScopeAccountsRead, ScopeAccountsManage},
			App: []string{ScopeAccountsRead, ScopeAccountsManage}, Levels: []string{mica.LevelOrgAdmin, mica.LevelSourceAdmin,
				mica.LevelSourceSubadmin, mica.LevelHelpdesk}}, Handle: s.accountEvidence})
}

// SourceClassificationStatus is the wire form of a classification job.
type SourceClassificationStatus struct {
	Status  string           `json:"status"`
	Started Time             `json:"started"`
	Updated *Time            `json:"updated"`
	Counts  map[string]int64 `json:"counts"`
}

func jobStatus(j *mica.ClassificationJob) SourceClassificationStatus {
	return SourceClassificationStatus{Status: j.Status, Started: Time(j.Started), Updated: TimePtr(j.Updated),
		Counts: map[string]int64{"EXPECTED": j.Expected, "RECEIVED": j.Received, "COMPLETED": j.Completed}}
}

func (s *Server) startClassification(w http.ResponseWriter, r *http.Request) error {
	j, err := s.Store.StartClassificationJob(r.Context(), r.PathValue("sourceId"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]int64{"Accounts submitted for processing": j.Expected})
	return nil
}

func (s *Server) getClassification(w http.ResponseWriter, r *http.Request) error {
	j, err := s.sourceClassificationJob(r)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, jobStatus(j))
	return nil
}

// sourceClassificationJob reads the classification job of the request's
// {sourceId}: not found when the source is unknown, as when it has no job.
func (s *Server) sourceClassificationJob(r *http.Request) (*mica.ClassificationJob, error) {
	id := r.PathValue("sourceId")
	if _, err := s.Store.GetSource(r.Context(), id); err != nil {
		return nil, err
	}
	return s.Store.GetClassificationJob(r.Context(), id)
}

func (s *Server) cancelClassification(w http.ResponseWriter, r *http.Request) error {
	if _, err := s.Store.CancelClassificationJob(r.Context(), r.PathValue("sourceId")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) declassify(w http.ResponseWriter, r *http.Request) error {
	if _, err := s.Store.Declassify(r.Context(), r.PathValue("sourceId")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) classifyAccount(w http.ResponseWriter, r *http.Request) error {
	mode, err := classify.ParseMode(r.URL.Query().Get("classificationMode"))
	if err != nil {
		return err
	}
	a, err := s.Store.ClassifyAccount(r.Context(), r.PathValue("id"), func(cfg *mica.MachineClassificationConfig,
		people []*mica.AccountClassification) mica.Decider {
		p, err := classify.Compile(cfg)
		if err != nil {
			p = nil // stored configs were validated; an unreadable one classifies nothing
		}
		return classify.Decider(mode, p, people)
	})
	if mica.ErrorCode(err) == mica.ENOTFOUND {
		return mica.Errorf(mica.EREFNOTFOUND, "account %q not found", r.PathValue("id"))
	} else if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]bool{"isMachine": a.IsMachine})
	return nil
}

// MachineClassificationConfigDto is the wire form of a config.
type MachineClassificationConfigDto struct {
	Enabled              bool           `json:"enabled"`
	ClassificationMethod string         `json:"classificationMethod,omitempty"`
	Criteria             *mica.Criteria `json:"criteria,omitempty"`
	Created              Time           `json:"created"`
	Modified             *Time          `json:"modified"`
}

func configDto(c *mica.MachineClassificationConfig) MachineClassificationConfigDto {
	return MachineClassificationConfigDto{Enabled: c.Enabled, ClassificationMethod: c.ClassificationMethod,
		Criteria: c.Criteria, Created: Time(c.Created), Modified: TimePtr(c.Modified)}
}

func (s *Server) getClassificationConfig(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("sourceId")
	if _, err := s.Store.GetSource(r.Context(), id); err != nil {
		return err
	}
	c, err := s.Store.GetMachineClassificationConfig(r.Context(), id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, configDto(c))
	return nil
}

func (s *Server) putClassificationConfig(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("sourceId")
	if _, err := s.Store.GetSource(r.Context(), id); err != nil {
		return err
	}
	var body struct {
		Enabled              *bool          `json:"enabled"`
		ClassificationMethod *string        `json:"classificationMethod"`
		Criteria             *mica.Criteria `json:"criteria"`
	}
	if err := decodeJSON(r, &body); err != nil {
		return err
	}
	c := &mica.MachineClassificationConfig{SourceID: id, Criteria: body.Criteria}
	if body.Enabled != nil {
		c.Enabled = *body.Enabled
	}
	if body.ClassificationMethod != nil {
		c.ClassificationMethod = *body.ClassificationMethod
	}
	if err := s.Store.PutMachineClassificationConfig(r.Context(), c); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, configDto(c))
	return nil
}

func (s *Server) deleteClassificationConfig(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("sourceId")
	if _, err := s.Store.GetSource(r.Context(), id); err != nil {
		return err
	}
	if err := s.Store.DeleteMachineClassificationConfig(r.Context(), id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusOK) // declared 200 with no body (REFERENCE.md §13.4)
	return nil
}

// pacingDto is the wire form of the classification pacing (mica extension).
type pacingDto struct {
	BatchSize int   `json:"batchSize"`
	DelayMs   int64 `json:"delayMs"`
	// Stepping holds jobs and aggregations until a client steps them (an
	// emulator control: only with the controls on).
	Stepping bool `json:"stepping"`
}

func (s *Server) getPacing(w http.ResponseWriter, r *http.Request) error {
	p := mica.GetPacing(r.Context(), s.Store, s.Config.Pacing)
	writeJSON(w, http.StatusOK, pacingDto{BatchSize: p.BatchSize, DelayMs: p.Delay.Milliseconds(), Stepping: p.Stepping})
	return nil
}

func (s *Server) putPacing(w http.ResponseWriter, r *http.Request) error {
	var body pacingDto
	if err := decodeJSON(r, &body); err != nil {
		return err
	}
	if body.Stepping && s.controls == nil {
		return mica.Errorf(mica.EILLEGAL, "stepping is an emulator control: start the server with --controls")
	}
	was := mica.GetPacing(r.Context(), s.Store, s.Config.Pacing)
	p := mica.Pacing{BatchSize: body.BatchSize, Delay: time.Duration(body.DelayMs) * time.Millisecond, Stepping: body.Stepping}
	if err := mica.SetPacing(r.Context(), s.Store, p); err != nil {
		return err
	}
	if was.Stepping && !p.Stepping { // what stepping held goes on by itself again
		if st, ok := s.Aggregator.(AggregationStepper); ok {
			st.ReleaseAll()
		}
		if s.Jobs != nil {
			if err := s.Jobs.Resume(r.Context()); err != nil {
				return err
			}
		}
	}
	writeJSON(w, http.StatusOK, body)
	return nil
}

// accountEvidence explains an account's classification: discovery's verdict
// (confidence, subtype, each signal's contribution, the counterfactual), which
// nodes of its source's criteria match it, and the review queue's view of it
// with its decisions (the audit trail, newest first).
func (s *Server) accountEvidence(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	a, err := s.Store.GetAccountForClassification(ctx, r.PathValue("id"))
	if err != nil {
		return err
	}
	full, err := s.Store.GetAccount(ctx, a.AccountID)
	if err != nil {
		return err
	}
	people, err := s.Store.SourcePeople(ctx, full.SourceID, mica.PeopleSample)
	if err != nil {
		return err
	}
	acct := classify.AccountOf(a, classify.PopulationOf(people))
	v := classify.Discover(acct)
	criteria := map[string]any{"config": nil, "matched": nil, "nodes": []classify.NodeResult{}}
	configured := false
	switch cfg, err := s.Store.GetMachineClassificationConfig(ctx, full.SourceID); {
	case err == nil:
		configured = cfg.Enabled && cfg.ClassificationMethod != ""
		criteria["config"] = map[string]any{"enabled": cfg.Enabled, "classificationMethod": nullIfEmpty(cfg.ClassificationMethod)}
		nodes, err := classify.Explain(cfg, acct)
		if err != nil {
			return err
		}
		if nodes != nil {
			criteria["nodes"], criteria["matched"] = nodes, nodes[0].Matched
		} else if configured && cfg.ClassificationMethod == mica.MethodSource {
			criteria["matched"] = true
		}
	case mica.ErrorCode(err) != mica.ENOTFOUND:
		return err
	}
	decisions, err := s.Store.ListTriageDecisions(ctx, mica.TriageDecisionFilter{AccountID: a.AccountID},
		mica.ListOptions{Limit: 50, Count: true})
	if err != nil {
		return err
	}
	trail := make([]TriageDecisionDto, 0, len(decisions.Items))
	for _, d := range decisions.Items {
		trail = append(trail, triageDecisionDto(d))
	}
	review := map[string]any{"inQueue": false}
	if a.Recommendation != nil {
		c := &mica.TriageCandidate{AccountClassification: *a, SourceID: full.SourceID, Configured: configured}
		if len(decisions.Items) > 0 {
			c.LastAction, c.LastRecommendation = decisions.Items[0].Action, decisions.Items[0].Recommendation
		}
		it := newTriageItemOf(c, v)
		review = map[string]any{"inQueue": c.InQueue(), "reason": c.Reason(), "confidence": it.confidence, "subtype": it.subtype}
	}
	body := map[string]any{
		"accountId": a.AccountID, "isMachine": a.IsMachine, "classificationMethod": nullIfEmpty(a.Method),
		"classifiedAt": TimePtr(full.ClassifiedAt), "recommendation": a.Recommendation, "discovery": v,
		"threshold": classify.DiscoveryThreshold, "humanThreshold": classify.DiscoveryHumanThreshold,
		"recommendedSubtype": nil, "criteria": criteria, "review": review, "decisions": trail,
		"decisionCount": decisions.Total,
	}
	// The kind of machine discovery infers is offered as the account's subtype
	// when the source has a subtype of that technical name.
	if v.Machine && v.Subtype != "" && v.Subtype != classify.SubtypeUnknown {
		current := ""
		if a.IsMachine {
			if ma, err := s.Store.GetMachineAccount(r.Context(), a.AccountID); err == nil {
				current = ma.Subtype
			}
		}
		st, err := s.Store.GetSubtypeByName(r.Context(), full.SourceID, v.Subtype)
		if err == nil && st.TechnicalName != current {
			body["recommendedSubtype"] = map[string]string{"id": st.ID, "technicalName": st.TechnicalName,
				"displayName": st.DisplayName}
		} else if err != nil && mica.ErrorCode(err) != mica.ENOTFOUND {
			return err
		}
	}
	writeJSON(w, http.StatusOK, body)
	return nil
}

func nullIfEmpty(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}
