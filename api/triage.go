package api

import (
	"context"
	"math"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"

	"github.com/micahq/mica"
	"github.com/micahq/mica/classify"
	"github.com/micahq/mica/query"
)

// registerTriage mounts the review queue (mica extensions): the accounts
// whose discovery recommendation disagrees with their classification or that
// nothing classified yet, the decisions on them (accept or dismiss, one, a
// selection, or every account a filter matches) and the decisions' audit trail.
func (s *Server) registerTriage() {
	read := Auth{User: []string{ScopeAccountsRead, ScopeAccountsManage}, App: []string{ScopeAccountsRead, ScopeAccountsManage},
		Levels: []string{mica.LevelOrgAdmin, mica.LevelSourceAdmin, mica.LevelSourceSubadmin, mica.LevelHelpdesk}}
	decide := Auth{User: []string{ScopeAccountUpdate}, App: []string{ScopeAccountUpdate},
		Levels: []string{mica.LevelAPI, mica.LevelOrgAdmin, mica.LevelSourceAdmin, mica.LevelSourceSubadmin}}
	s.handleExtension(&Op{ID: "micaListTriage", Method: http.MethodGet, Path: "/mica/v1/triage", Auth: read,
		Handle: s.listTriage})
	s.handleExtension(&Op{ID: "micaDecideTriage", Method: http.MethodPost, Path: "/mica/v1/triage/decisions", Auth: decide,
		Handle: s.decideTriage})
	s.handleExtension(&Op{ID: "micaListTriageDecisions", Method: http.MethodGet, Path: "/mica/v1/triage/decisions", Auth: read,
		Handle: s.listTriageDecisions})
}

// triageFilter narrows the queue: by source, subtype, signal, reason, name
// prefix and confidence range.
type triageFilter struct {
	SourceID      string   `json:"sourceId"`
	Subtype       string   `json:"subtype"`
	Signal        string   `json:"signal"`
	Reason        string   `json:"reason"`
	Q             string   `json:"q"`
	MinConfidence *float64 `json:"minConfidence"`
	MaxConfidence *float64 `json:"maxConfidence"`
}

// check validates the filter, naming what is wrong.
func (f *triageFilter) check() error {
	for _, c := range []struct {
		name string
		v    *float64
	}{{"minConfidence", f.MinConfidence}, {"maxConfidence", f.MaxConfidence}} {
		if c.v != nil && (math.IsNaN(*c.v) || *c.v < 0 || *c.v > 1) {
			return mica.Errorf(mica.EILLEGAL, "%s must be between 0 and 1", c.name)
		}
	}
	if f.MinConfidence != nil && f.MaxConfidence != nil && *f.MinConfidence > *f.MaxConfidence {
		return mica.Errorf(mica.EILLEGAL, "minConfidence is above maxConfidence")
	}
	if f.Reason != "" && f.Reason != mica.ReasonDisagrees && f.Reason != mica.ReasonNoDecision {
		return mica.Errorf(mica.EILLEGAL, "reason %q is not one of DISAGREES, NO_DECISION", clip(f.Reason))
	}
	for name, v := range map[string]string{"sourceId": f.SourceID, "subtype": f.Subtype, "signal": f.Signal, "q": f.Q} {
		if len(v) > 256 {
			return mica.Errorf(mica.EILLEGAL, "%s is longer than 256 bytes", name)
		}
	}
	return nil
}

func clip(s string) string {
	if len(s) > 64 {
		return s[:64] + "..."
	}
	return s
}

// triageFilterOf reads a filter from the query string.
func triageFilterOf(q url.Values) (triageFilter, error) {
	f := triageFilter{SourceID: q.Get("sourceId"), Subtype: q.Get("subtype"), Signal: q.Get("signal"),
		Reason: q.Get("reason"), Q: q.Get("q")}
	for _, c := range []struct {
		name string
		dst  **float64
	}{{"minConfidence", &f.MinConfidence}, {"maxConfidence", &f.MaxConfidence}} {
		if v := q.Get(c.name); v != "" {
			n, err := strconv.ParseFloat(v, 64)
			if err != nil {
				return f, mica.Errorf(mica.EILLEGAL, "%s %q is not a number between 0 and 1", c.name, clip(v))
			}
			*c.dst = &n
		}
	}
	return f, f.check()
}

// triageItem is one account of the queue with discovery's verdict on it.
type triageItem struct {
	c          *mica.TriageCandidate
	v          classify.Verdict
	confidence float64
	subtype    string
}

// recConfidence is how sure discovery is of its recommendation, in [0, 1]:
// its calibrated confidence that the account is a machine for a MACHINE
// recommendation, the complement for a HUMAN one.
func recConfidence(recType string, v classify.Verdict) float64 {
	c := v.Confidence
	if recType == classify.TypeHuman {
		c = 1 - c
	}
	return math.Round(c*1000) / 1000
}

// recSubtype is the kind of account a recommendation is about: the machine
// subtype discovery sees, or "person" for a HUMAN recommendation.
func recSubtype(recType string, v classify.Verdict) string {
	if recType == classify.TypeHuman {
		return "person"
	}
	return v.Subtype
}

// newTriageItemOf is a queue item of candidate c with discovery's verdict v.
func newTriageItemOf(c *mica.TriageCandidate, v classify.Verdict) triageItem {
	return triageItem{c: c, v: v, confidence: recConfidence(c.Recommendation.Type, v), subtype: recSubtype(c.Recommendation.Type, v)}
}

// populations learns, once per source, the population discovery reads a
// source's accounts with (its people: mica.ClassificationService.SourcePeople).
type populations struct {
	s   *Server
	ctx context.Context
	m   map[string]*classify.Population
}

func (p *populations) of(sourceID string) (*classify.Population, error) {
	if pop, ok := p.m[sourceID]; ok {
		return pop, nil
	}
	people, err := p.s.Store.SourcePeople(p.ctx, sourceID, mica.PeopleSample)
	if err != nil {
		return nil, err
	}
	if p.m == nil {
		p.m = map[string]*classify.Population{}
	}
	p.m[sourceID] = classify.PopulationOf(people)
	return p.m[sourceID], nil
}

func (it *triageItem) hasSignal(name string) bool {
	for _, s := range it.v.Signals {
		if s.Name == name {
			return true
		}
	}
	return false
}

// matches applies the filter's parts other than the source (the store's).
func (f *triageFilter) matches(it *triageItem) bool {
	switch {
	case f.Subtype != "" && it.subtype != f.Subtype,
		f.Signal != "" && !it.hasSignal(f.Signal),
		f.Reason != "" && it.c.Reason() != f.Reason,
		f.Q != "" && !strings.HasPrefix(strings.ToLower(it.c.Name), strings.ToLower(f.Q)),
		f.MinConfidence != nil && it.confidence < *f.MinConfidence,
		f.MaxConfidence != nil && it.confidence > *f.MaxConfidence:
		return false
	}
	return true
}

// facet is one value a filter can take, with how many queue items have it.
type facet struct {
	Value string `json:"value"`
	Name  string `json:"name,omitempty"`
	Count int    `json:"count"`
}

// triageFacets are the values of the queue's filters, counted over the
// queue (of the filtered source).
type triageFacets struct {
	Sources  []facet `json:"sources"`
	Subtypes []facet `json:"subtypes"`
	Signals  []facet `json:"signals"`
	Reasons  []facet `json:"reasons"`
}

// queue reads the queue's items matching f, and its facets.
func (s *Server) queue(r *http.Request, f triageFilter) ([]triageItem, triageFacets, error) {
	var items []triageItem
	counts := map[string]map[string]int{"source": {}, "subtype": {}, "signal": {}, "reason": {}}
	names := map[string]string{}
	pops := &populations{s: s, ctx: r.Context()}
	var candidates []*mica.TriageCandidate
	err := s.Store.EachTriageCandidate(r.Context(), f.SourceID, func(c *mica.TriageCandidate) error {
		if c.InQueue() {
			candidates = append(candidates, c)
		}
		return nil
	})
	if err != nil {
		return nil, triageFacets{}, err
	}
	for _, c := range candidates {
		pop, err := pops.of(c.SourceID)
		if err != nil {
			return nil, triageFacets{}, err
		}
		it := newTriageItemOf(c, classify.Discover(classify.AccountOf(&c.AccountClassification, pop)))
		counts["source"][c.SourceID]++
		names[c.SourceID] = c.SourceName
		counts["subtype"][it.subtype]++
		counts["reason"][c.Reason()]++
		for _, sg := range it.v.Signals {
			counts["signal"][sg.Name]++
		}
		if f.matches(&it) {
			items = append(items, it)
		}
	}
	list := func(m map[string]int) []facet {
		out := make([]facet, 0, len(m))
		for v, n := range m {
			out = append(out, facet{Value: v, Name: names[v], Count: n})
		}
		sort.Slice(out, func(i, j int) bool {
			if out[i].Count != out[j].Count {
				return out[i].Count > out[j].Count
			}
			return out[i].Value < out[j].Value
		})
		return out
	}
	fc := triageFacets{Sources: list(counts["source"]), Subtypes: list(counts["subtype"]), Signals: list(counts["signal"]),
		Reasons: list(counts["reason"])}
	for i := range fc.Subtypes {
		fc.Subtypes[i].Name = ""
	}
	return items, fc, nil
}

// TriageItemDto is one account of the review queue.
type TriageItemDto struct {
	AccountID            string               `json:"accountId"`
	Name                 string               `json:"name"`
	NativeIdentity       string               `json:"nativeIdentity"`
	SourceID             string               `json:"sourceId"`
	SourceName           string               `json:"sourceName"`
	IsMachine            bool                 `json:"isMachine"`
	ClassificationMethod *string              `json:"classificationMethod"`
	Recommendation       *mica.Recommendation `json:"recommendation"`
	Reason               string               `json:"reason"`
	Score                float64              `json:"score"`
	Confidence           float64              `json:"confidence"`
	Subtype              string               `json:"subtype"`
	Signals              []classify.Signal    `json:"signals"`
	// Counterfactual is the smallest set of signals whose absence would flip
	// discovery's verdict.
	Counterfactual *classify.Counterfactual `json:"counterfactual"`
}

// triageQueueDto is GET /mica/v1/triage: a page of the queue, its size after
// the filters, and the values the filters can take.
type triageQueueDto struct {
	Items  []TriageItemDto `json:"items"`
	Total  int             `json:"total"`
	Offset int             `json:"offset"`
	Limit  int             `json:"limit"`
	Facets triageFacets    `json:"facets"`
}

func (s *Server) listTriage(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	f, err := triageFilterOf(q)
	if err != nil {
		return err
	}
	page, err := query.ParsePage(q)
	if err != nil {
		return err
	}
	if q.Get("limit") == "" {
		page.Limit = 50
	}
	sorter := q.Get("sorters")
	switch sorter {
	case "", "-confidence", "confidence", "name", "-name":
	default:
		return mica.Errorf(mica.EILLEGAL, "sorters %q: the queue sorts by confidence, -confidence, name or -name", clip(sorter))
	}
	items, facets, err := s.queue(r, f)
	if err != nil {
		return err
	}
	sort.SliceStable(items, func(i, j int) bool {
		a, b := &items[i], &items[j]
		switch sorter {
		case "name":
			return a.c.Name < b.c.Name
		case "-name":
			return a.c.Name > b.c.Name
		case "confidence":
			if a.confidence != b.confidence {
				return a.confidence < b.confidence
			}
		default:
			if a.confidence != b.confidence {
				return a.confidence > b.confidence
			}
		}
		return a.c.Name < b.c.Name
	})
	total := len(items)
	from, to := min(page.Offset, total), min(page.Offset+page.Limit, total)
	out := make([]TriageItemDto, 0, to-from)
	for _, it := range items[from:to] {
		out = append(out, TriageItemDto{AccountID: it.c.AccountID, Name: it.c.Name, NativeIdentity: it.c.NativeIdentity,
			SourceID: it.c.SourceID, SourceName: it.c.SourceName, IsMachine: it.c.IsMachine,
			ClassificationMethod: nullIfEmpty(it.c.Method), Recommendation: it.c.Recommendation, Reason: it.c.Reason(),
			Score: it.v.Score, Confidence: it.confidence, Subtype: it.subtype, Signals: it.v.Signals,
			Counterfactual: it.v.Counterfactual})
	}
	w.Header().Set("X-Total-Count", strconv.Itoa(total))
	writeJSON(w, http.StatusOK, triageQueueDto{Items: out, Total: total, Offset: page.Offset, Limit: page.Limit, Facets: facets})
	return nil
}

// actorOf is who decides: the token's identity, or the API client.
func actorOf(r *http.Request) (id, name string) {
	p := PrincipalFrom(r.Context())
	if p == nil {
		return "", ""
	}
	if p.Identity != nil {
		name = p.Identity.Name
		if name == "" {
			name = p.Identity.Alias
		}
		return p.Identity.ID, name
	}
	if p.IdentityID != "" {
		return p.IdentityID, p.IdentityID
	}
	return p.ClientID, "API client " + p.ClientID
}

// triageDecider is the rule of a decision, run on each account as the store
// reads it in the deciding transaction: an account no longer in the queue is
// left alone; ACCEPT makes it what discovery recommends, as a manual
// classification (later default runs keep it); DISMISS changes nothing of
// the account and records that its recommendation was set aside. The
// decision keeps discovery's confidence in its recommendation then.
func triageDecider(action, note, actorID, actorName string, pops *populations) func(*mica.TriageCandidate) (*mica.TriageDecision, error) {
	return func(c *mica.TriageCandidate) (*mica.TriageDecision, error) {
		if !c.InQueue() {
			return nil, nil
		}
		pop, err := pops.of(c.SourceID)
		if err != nil {
			return nil, err
		}
		acct := classify.AccountOf(&c.AccountClassification, pop)
		conf, _ := classify.Score(acct)
		if c.Recommendation.Type == classify.TypeHuman {
			conf = 1 - conf
		}
		d := &mica.TriageDecision{Action: action, Note: note, ActorID: actorID, ActorName: actorName,
			Recommendation: c.Recommendation.Type, Score: math.Round(conf*1000) / 1000}
		if action == mica.TriageAccept {
			next := classify.State{IsMachine: c.Recommendation.Type == classify.TypeMachine, Method: mica.MethodManual}
			d.IsMachine, d.MethodAfter = next.IsMachine, next.Method
			d.RecommendationAfter = classify.DiscoveryRecommendation(next, acct)
		} else {
			d.IsMachine, d.MethodAfter, d.RecommendationAfter = c.IsMachine, c.Method, c.Recommendation
		}
		return d, nil
	}
}

// TriageDecisionDto is one decision of the audit trail.
type TriageDecisionDto struct {
	ID             string   `json:"id"`
	AccountID      string   `json:"accountId"`
	AccountName    string   `json:"accountName"`
	SourceID       string   `json:"sourceId"`
	SourceName     string   `json:"sourceName"`
	Action         string   `json:"action"`
	Note           string   `json:"note"`
	Actor          mica.Ref `json:"actor"`
	Recommendation string   `json:"recommendation"`
	// Confidence is discovery's confidence in its recommendation when decided.
	Confidence float64 `json:"confidence"`
	Before     struct {
		IsMachine            bool    `json:"isMachine"`
		ClassificationMethod *string `json:"classificationMethod"`
	} `json:"before"`
	After struct {
		IsMachine            bool    `json:"isMachine"`
		ClassificationMethod *string `json:"classificationMethod"`
	} `json:"after"`
	Created Time `json:"created"`
}

func triageDecisionDto(d *mica.TriageDecision) TriageDecisionDto {
	out := TriageDecisionDto{ID: d.ID, AccountID: d.AccountID, AccountName: d.AccountName, SourceID: d.SourceID,
		SourceName: d.SourceName, Action: d.Action, Note: d.Note, Actor: mica.Ref{Type: "IDENTITY", ID: d.ActorID, Name: d.ActorName},
		Recommendation: d.Recommendation, Confidence: d.Score, Created: Time(d.Created)}
	out.Before.IsMachine, out.Before.ClassificationMethod = d.WasMachine, nullIfEmpty(d.MethodBefore)
	out.After.IsMachine, out.After.ClassificationMethod = d.IsMachine, nullIfEmpty(d.MethodAfter)
	return out
}

func (s *Server) decideTriage(w http.ResponseWriter, r *http.Request) error {
	var body struct {
		Action     string        `json:"action"`
		Note       string        `json:"note"`
		AccountIDs []string      `json:"accountIds"`
		Filter     *triageFilter `json:"filter"`
	}
	if err := decodeJSON(r, &body); err != nil {
		return err
	}
	if err := mica.ValidateTriage(body.Action, body.Note); err != nil {
		return err
	}
	var ids []string
	switch {
	case len(body.AccountIDs) > 0 && body.Filter != nil:
		return mica.Errorf(mica.EILLEGAL, "give either accountIds or filter, not both")
	case len(body.AccountIDs) > 0:
		if len(body.AccountIDs) > mica.MaxTriageSelectedBatch {
			return mica.Errorf(mica.EILLEGAL, "accountIds has %d ids, at most %d are allowed; decide by filter instead",
				len(body.AccountIDs), mica.MaxTriageSelectedBatch)
		}
		seen := make(map[string]bool, len(body.AccountIDs))
		for i, id := range body.AccountIDs {
			if id == "" || len(id) > 64 {
				return mica.Errorf(mica.EILLEGAL, "accountIds[%d] is not an account id", i)
			}
			if !seen[id] {
				seen[id] = true
				ids = append(ids, id)
			}
		}
	case body.Filter != nil:
		if err := body.Filter.check(); err != nil {
			return err
		}
		items, _, err := s.queue(r, *body.Filter)
		if err != nil {
			return err
		}
		if len(items) > mica.MaxTriageBatch {
			return mica.Errorf(mica.EILLEGAL, "the filter matches %d accounts, at most %d are decided at once; narrow it",
				len(items), mica.MaxTriageBatch)
		}
		for _, it := range items {
			ids = append(ids, it.c.AccountID)
		}
	default:
		return mica.Errorf(mica.EMISSING, "accountIds or filter is required: the accounts to decide")
	}
	actorID, actorName := actorOf(r)
	pops := &populations{s: s, ctx: r.Context()}
	decided, err := s.Store.DecideTriage(r.Context(), ids, triageDecider(body.Action, body.Note, actorID, actorName, pops))
	if err != nil {
		return err
	}
	out := make([]TriageDecisionDto, 0, min(len(decided), 250))
	for _, d := range decided[:min(len(decided), 250)] {
		out = append(out, triageDecisionDto(d))
	}
	writeJSON(w, http.StatusOK, struct {
		Decided   int                 `json:"decided"`
		Skipped   int                 `json:"skipped"`
		Decisions []TriageDecisionDto `json:"decisions"`
	}{len(decided), len(ids) - len(decided), out})
	return nil
}

func (s *Server) listTriageDecisions(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	page, err := query.ParsePage(q)
	if err != nil {
		return err
	}
	if q.Get("limit") == "" {
		page.Limit = 50
	}
	f := mica.TriageDecisionFilter{AccountID: q.Get("accountId"), SourceID: q.Get("sourceId")}
	p, err := s.Store.ListTriageDecisions(r.Context(), f, mica.ListOptions{Limit: page.Limit, Offset: page.Offset, Count: page.Count})
	if err != nil {
		return err
	}
	writePage(w, p, triageDecisionDto)
	return nil
}
