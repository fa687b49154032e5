package mica

import (
	"context"
	"time"
	"unicode/utf8"
)

// Triage actions: what a reviewer decides on an account of the review queue.
const (
	// TriageAccept makes the account what discovery recommends (a manual
	// classification, which later default runs keep).
	TriageAccept = "ACCEPT"
	// TriageDismiss keeps the account's classification and sets discovery's
	// recommendation aside: the account leaves the queue until discovery
	// recommends something else.
	TriageDismiss = "DISMISS"
)

// Why an account is in the review queue.
const (
	// ReasonDisagrees: the account's classification was decided (by its
	// source's config or by hand) and discovery disagrees with it.
	ReasonDisagrees = "DISAGREES"
	// ReasonNoDecision: nothing decided the account (its source has no enabled
	// config and nobody classified it by hand) and discovery finds a machine.
	ReasonNoDecision = "NO_DECISION"
)

// Limits of triage decisions.
const (
	MaxTriageNote          = 1000  // characters of a decision's note
	MaxTriageBatch         = 50000 // accounts decided by one request
	MaxTriageSelectedBatch = 10000 // accounts named by id in one request
)

// TriageCandidate is an account the review queue may hold (it has a
// discovery recommendation), with what the queue's rules read of it.
type TriageCandidate struct {
	AccountClassification
	SourceID   string
	SourceName string
	// Configured reports whether the account's source has an enabled
	// classification config.
	Configured bool
	// LastAction and LastRecommendation are the account's latest decision's
	// action and the recommendation it was about ("" when none).
	LastAction         string
	LastRecommendation string
}

// InQueue reports whether the candidate needs a reviewer's decision: it has
// a recommendation that no one dismissed. (An accepted recommendation is
// gone: the account became what discovery recommended.)
func (c *TriageCandidate) InQueue() bool {
	if c.Recommendation == nil {
		return false
	}
	return c.LastAction != TriageDismiss || c.LastRecommendation != c.Recommendation.Type
}

// Reason says why the candidate is in the queue.
func (c *TriageCandidate) Reason() string {
	if !c.Configured && c.Method == "" {
		return ReasonNoDecision
	}
	return ReasonDisagrees
}

// TriageDecision is one decision of the review queue, kept as an audit trail:
// who decided what, when and why, and what it changed. Decisions outlive the
// accounts they are about.
type TriageDecision struct {
	ID          string
	AccountID   string
	AccountName string
	SourceID    string
	SourceName  string
	Action      string // TriageAccept or TriageDismiss
	Note        string
	ActorID     string // the identity who decided (the client, for an API client)
	ActorName   string
	// Recommendation is the type discovery recommended (MACHINE or HUMAN),
	// Score discovery's score then.
	Recommendation string
	Score          float64
	// The account's classification before and after the decision.
	WasMachine   bool
	IsMachine    bool
	MethodBefore string
	MethodAfter  string
	// RecommendationAfter is the account's recommendation after the decision
	// (written to the account, not kept in the trail).
	RecommendationAfter *Recommendation
	Created             time.Time
}

// Record stamps decision d on candidate c at now for the trail: its id, time,
// the account and its classification before. It reports whether the decision
// changes the account's classification (to be written with it).
func (d *TriageDecision) Record(c *TriageCandidate, now time.Time) (changed bool) {
	d.ID, d.Created = NewID(), now
	d.AccountID, d.AccountName, d.SourceID, d.SourceName = c.AccountID, c.Name, c.SourceID, c.SourceName
	d.WasMachine, d.MethodBefore = c.IsMachine, c.Method
	same := d.RecommendationAfter == c.Recommendation ||
		d.RecommendationAfter != nil && c.Recommendation != nil && *d.RecommendationAfter == *c.Recommendation
	return d.IsMachine != c.IsMachine || d.MethodAfter != c.Method || !same
}

// ValidateTriage checks what a reviewer sends with a decision.
func ValidateTriage(action, note string) error {
	if action != TriageAccept && action != TriageDismiss {
		return Errorf(EILLEGAL, "action %q is not one of ACCEPT, DISMISS", clipForError(action, 64))
	}
	if n := utf8.RuneCountInString(note); n > MaxTriageNote {
		return Errorf(EILLEGAL, "note is %d characters long, at most %d are allowed", n, MaxTriageNote)
	}
	if !utf8.ValidString(note) {
		return Errorf(EILLEGAL, "note is not valid UTF-8")
	}
	return nil
}

// TriageDecisionFilter narrows a listing of decisions.
type TriageDecisionFilter struct {
	AccountID string
	SourceID  string
}

// TriageService keeps the review queue's decisions.
type TriageService interface {
	// EachTriageCandidate streams the accounts that have a discovery
	// recommendation, of one source when sourceID is set, in name order.
	EachTriageCandidate(ctx context.Context, sourceID string, fn func(*TriageCandidate) error) error
	// DecideTriage decides accounts in one transaction: decide gets each
	// account as it is now and returns the decision to record (nil to leave
	// the account alone: it left the queue meanwhile); the store writes the
	// account's new classification and the decision. An unknown account is
	// EREFNOTFOUND and nothing is written.
	DecideTriage(ctx context.Context, accountIDs []string, decide func(*TriageCandidate) (*TriageDecision, error)) ([]*TriageDecision, error)
	// ListTriageDecisions lists decisions, newest first.
	ListTriageDecisions(ctx context.Context, f TriageDecisionFilter, opt ListOptions) (Page[*TriageDecision], error)
}
