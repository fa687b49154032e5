package mica

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// Aggregation statuses (AccountAggregationStatus.status).
const (
	AggStarted           = "STARTED"            // the file is being read and staged
	AggAccountsCollected = "ACCOUNTS_COLLECTED" // staged; the changes are being applied
	AggCompleted         = "COMPLETED"          // applied
	AggTerminated        = "TERMINATED"         // failed (bad file) or interrupted (server restart); nothing applied
)

// Task completion statuses (LoadAccountsTask.task.completionStatus).
const (
	CompletionSuccess    = "SUCCESS"
	CompletionWarning    = "WARNING"
	CompletionError      = "ERROR"
	CompletionTerminated = "TERMINATED"
)

// Aggregation is one account aggregation of a source: a file loaded through
// POST /sources/{id}/load-accounts or `mica import accounts`. A file is applied
// all or nothing.
type Aggregation struct {
	ID                  string
	SourceID            string
	Status              string
	CompletionStatus    string // "" while running
	TotalAccounts       int    // new + changed + removed
	ProcessedAccounts   int
	MarkedForDeletion   int
	DeletedAccounts     int
	TotalIdentities     int // identities created or correlated to
	ProcessedIdentities int
	Stats               AggregationStats
	Messages            []TaskMessage
	FilePath            string // the uploaded file while it waits to be read
	DisableOptimization bool
	// MaxRemovals, when set, is how many of the source's accounts the
	// aggregation may remove (a mica extension: the console and the CLI set it
	// to what their user saw in a preview or confirmed); beyond it the
	// aggregation fails and nothing is applied. nil: no limit but the source's
	// deleteThreshold, as in ISC.
	MaxRemovals *int
	Launcher    string
	// Owner is the server instance running the aggregation ("" until a runner
	// claims it). The owner renews LeaseUntil while the aggregation is queued or
	// running; once the lease has passed, the owner is taken for dead and any
	// server may terminate the aggregation.
	Owner      string
	LeaseUntil *time.Time
	Started    *time.Time
	Completed  *time.Time
	Created    time.Time
}

// AggregationLease is how long an unfinished aggregation belongs to its server
// without a renewal; CreateAggregation grants it, so that a new aggregation is
// safe until a runner claims it.
const AggregationLease = 30 * time.Second

// ConfirmRemovalsPercent is the share of a source's accounts above which the
// console and the CLI ask their user to confirm an aggregation's removals
// before applying it (ISC's load-accounts has no such step: API clients are
// bound by the source's deleteThreshold only).
const ConfirmRemovalsPercent = 10

// NeedsRemovalConfirmation reports whether removing removed of a source's
// existing accounts takes more than ConfirmRemovalsPercent of them.
func NeedsRemovalConfirmation(existing, removed int) bool {
	return existing > 0 && removed*100 > ConfirmRemovalsPercent*existing
}

// CheckRemovals is the rule an aggregation's apply follows before removing
// removed of the source's existing accounts: the source's deleteThreshold
// (a percentage; 0 is none), then the aggregation's MaxRemovals. Both stores
// call it in the apply transaction; an error applies nothing.
func CheckRemovals(src *Source, a *Aggregation, existing, removed int) error {
	if src.DeleteThreshold > 0 && existing > 0 && removed*100 > src.DeleteThreshold*existing {
		return Errorf(EILLEGAL, "the file would remove %d of the source's %d accounts (%d%%), more than its "+
			"deleteThreshold of %d%%; nothing was applied", removed, existing, removed*100/existing, src.DeleteThreshold)
	}
	if a.MaxRemovals != nil && removed > *a.MaxRemovals {
		return Errorf(EILLEGAL, "the file would remove %d of the source's %d accounts, more than the %d confirmed "+
			"(maxRemovals); nothing was applied", removed, existing, *a.MaxRemovals)
	}
	return nil
}

// Done reports whether the aggregation has ended (completed or terminated).
func (a *Aggregation) Done() bool { return a.Status == AggCompleted || a.Status == AggTerminated }

// CheckOpen is the rule on staging accounts into, or applying, an
// aggregation: it has not ended.
func (a *Aggregation) CheckOpen() error {
	if a.Done() {
		return Errorf(ECONFLICT, "account aggregation %q has already ended (%s)", a.ID, a.Status)
	}
	return nil
}

// Complete records what applying the aggregation did and ends it: of the
// scanned accounts of the file, added new ones, changed existing ones and
// deleted the source's accounts the file no longer has; identities accounts
// are correlated to (created of them new). Its task message sums it up.
func (a *Aggregation) Complete(scanned, added, changed, deleted, identities, created int, now time.Time) {
	a.Stats = AggregationStats{Scanned: scanned, Unchanged: scanned - added - changed, Changed: changed,
		Added: added, Removed: deleted}
	a.Status, a.CompletionStatus = AggCompleted, CompletionSuccess
	a.TotalAccounts, a.ProcessedAccounts = added+changed+deleted, added+changed+deleted
	a.MarkedForDeletion, a.DeletedAccounts = deleted, deleted
	a.TotalIdentities, a.ProcessedIdentities = identities, identities
	a.Messages = append(a.Messages, TaskMessage{Type: "INFO", Key: "TASK_OUT_ACCOUNT_AGGREGATION_RESULT",
		Text: fmt.Sprintf("scanned %d accounts: %d added, %d changed, %d removed, %d unchanged; %d identities created",
			scanned, added, changed, deleted, a.Stats.Unchanged, created)})
	a.Completed, a.FilePath = &now, ""
}

// CheckDelete is the rule on deleting an aggregation (a preview's end): one
// that was applied stays in the history.
func (a *Aggregation) CheckDelete() error {
	if a.Status == AggCompleted {
		return Errorf(ECONFLICT, "account aggregation %q was applied: it stays in the history", a.ID)
	}
	return nil
}

// ErrAggregationNotRunning is the answer to collecting an aggregation that is
// no longer staging accounts.
func ErrAggregationNotRunning(id string) error {
	return Errorf(ECONFLICT, "account aggregation %q is not running", id)
}

// ErrDuplicateAccount is the answer to a file that has account nativeIdentity
// on line, and before on line first.
func ErrDuplicateAccount(line int, nativeIdentity string, first int) error {
	return Errorf(EILLEGAL, "line %d: duplicate account id %q (first at line %d); "+
		"rows of one account must be adjacent, and merged only when the source's mergeRows is true", line, nativeIdentity, first)
}

// AggregationStats are the counters of the Account Aggregation Completed event.
type AggregationStats struct {
	Scanned   int `json:"scanned"`
	Unchanged int `json:"unchanged"`
	Changed   int `json:"changed"`
	Added     int `json:"added"`
	Removed   int `json:"removed"`
}

// TaskMessage is one message of a task result.
type TaskMessage struct {
	Type string `json:"type"` // INFO, WARN, ERROR
	Key  string `json:"key"`
	Text string `json:"text"`
}

// StagedAccount is one account parsed from an aggregation file, before it is applied.
type StagedAccount struct {
	NativeIdentity string
	Name           string
	Attributes     map[string]any
	// AttributesJSON is Attributes as encoding/json writes them, when the
	// producer has it already (it hashes them); a store then stores it instead
	// of encoding the attributes again. "" when not set.
	AttributesJSON string
	Disabled       bool
	Locked         bool
	Line           int    // line of the file where the account starts
	Hash           string // digest of the content, to skip unchanged accounts
}

// CorrelationConfig is a source's account correlation configuration: which
// account attribute matches which identity attribute.
type CorrelationConfig struct {
	ID                   string // "" until the first PUT
	Name                 string
	SourceID             string
	AttributeAssignments []CorrelationAssignment
}

// CorrelationAssignment is one criterion: the identity attribute Property
// equals the account attribute Value.
type CorrelationAssignment struct {
	Sequence     *int   `json:"sequence,omitempty"`
	Property     string `json:"property"` // identity attribute
	Value        string `json:"value"`    // account attribute
	Operation    string `json:"operation"`
	Complex      bool   `json:"complex"`
	IgnoreCase   bool   `json:"ignoreCase"`
	MatchMode    string `json:"matchMode,omitempty"`
	FilterString string `json:"filterString,omitempty"`
}

// DefaultCorrelationConfig is the config of a source (named sourceName) that
// has none saved: no assignments, so only the default correlation applies.
func DefaultCorrelationConfig(sourceID, sourceName string) *CorrelationConfig {
	return &CorrelationConfig{SourceID: sourceID, Name: "Source [" + sourceName + "] Account Correlation",
		AttributeAssignments: []CorrelationAssignment{}}
}

// MaxCorrelationAssignments caps the criteria of one correlation config.
const MaxCorrelationAssignments = 50

// Replaces prepares c to replace the source's current config cur (empty when the
// source has none): the config keeps its id, an empty name keeps the current one,
// and missing assignments are an empty list.
func (c *CorrelationConfig) Replaces(cur *CorrelationConfig) {
	if cur.ID != "" {
		c.ID = cur.ID
	} else if c.ID == "" {
		c.ID = NewID()
	}
	if c.Name == "" {
		c.Name = cur.Name
	}
	if c.AttributeAssignments == nil {
		c.AttributeAssignments = []CorrelationAssignment{}
	}
}

// Validate checks a correlation config.
func (c *CorrelationConfig) Validate() error {
	if len(c.AttributeAssignments) > MaxCorrelationAssignments {
		return Errorf(EILLEGAL, "attributeAssignments has %d entries, at most %d are allowed",
			len(c.AttributeAssignments), MaxCorrelationAssignments)
	}
	for i := range c.AttributeAssignments {
		a := &c.AttributeAssignments[i]
		switch {
		case a.Property == "":
			return Errorf(EMISSING, "attributeAssignments[%d].property (the identity attribute) is required", i)
		case a.Value == "":
			return Errorf(EMISSING, "attributeAssignments[%d].value (the account attribute) is required", i)
		case strings.ContainsAny(a.Property+a.Value, "\"\\") || len(a.Property) > 256 || len(a.Value) > 256:
			return Errorf(EILLEGAL, "attributeAssignments[%d]: attribute names may not contain quotes or backslashes or exceed 256 bytes", i)
		case a.Operation != "" && a.Operation != "EQ":
			return Errorf(EILLEGAL, "attributeAssignments[%d].operation must be EQ, not %q", i, a.Operation)
		case a.Complex:
			return Errorf(EILLEGAL, "attributeAssignments[%d].complex: complex assignments are not supported", i)
		case a.MatchMode != "" && a.MatchMode != "ANYWHERE" && a.MatchMode != "START" && a.MatchMode != "END":
			return Errorf(EILLEGAL, "attributeAssignments[%d].matchMode must be ANYWHERE, START or END", i)
		}
		if a.Operation == "" {
			a.Operation = "EQ"
		}
	}
	return nil
}

// AggregationService records aggregations, stages their accounts and applies
// them. The aggregate package drives it; see README "Aggregation".
type AggregationService interface {
	// CreateAggregation records a new aggregation of a source (status STARTED).
	CreateAggregation(ctx context.Context, a *Aggregation) error
	GetAggregation(ctx context.Context, id string) (*Aggregation, error)
	// StageAccounts adds parsed accounts to the aggregation's staging area, in
	// its own short transaction. A nativeIdentity staged twice is EILLEGAL
	// naming both lines.
	StageAccounts(ctx context.Context, aggregationID string, rows []StagedAccount) error
	// CollectAggregation counts what applying would change and moves the
	// aggregation to ACCOUNTS_COLLECTED. The returned aggregation's Stats hold
	// those counts (scanned, added, changed, removed, unchanged), as a preview.
	CollectAggregation(ctx context.Context, id string) (*Aggregation, error)
	// DeleteAggregation removes an aggregation that has not been applied,
	// with its staged rows (a preview's end). ECONFLICT once it completed.
	DeleteAggregation(ctx context.Context, id string) error
	// ListAggregations lists a source's aggregations, newest first.
	ListAggregations(ctx context.Context, sourceID string, opt ListOptions) (Page[*Aggregation], error)
	// ApplyAggregation applies the staged accounts in one transaction: adds,
	// updates, removes accounts missing from the file, correlates, creates
	// identities for an authoritative source, and completes the aggregation.
	ApplyAggregation(ctx context.Context, id string) (*Aggregation, error)
	// FailAggregation ends an aggregation as TERMINATED with an error message
	// and drops its staged rows; the source's accounts are untouched.
	FailAggregation(ctx context.Context, id, completionStatus, message string) error
	// TerminateUnfinishedAggregations ends every aggregation that is not done
	// (after a restart of the only server) and returns their leftover file paths.
	TerminateUnfinishedAggregations(ctx context.Context, message string) ([]string, error)
	// RenewAggregationLeases claims the unfinished aggregations ids for owner (a
	// server instance) and extends their leases to until. Aggregations that ended
	// or that another owner holds are left alone.
	RenewAggregationLeases(ctx context.Context, owner string, ids []string, until time.Time) error
	// TerminateExpiredAggregations ends, as TerminateUnfinishedAggregations does,
	// the unfinished aggregations whose lease ended before now (their server
	// died), except owner's own, and returns the file paths of those it ended.
	TerminateExpiredAggregations(ctx context.Context, owner string, now time.Time, message string) ([]string, error)

	// GetCorrelationConfig returns the source's correlation config (an empty one
	// with ID "" when none was set); ENOTFOUND when the source does not exist.
	GetCorrelationConfig(ctx context.Context, sourceID string) (*CorrelationConfig, error)
	// PutCorrelationConfig replaces the source's correlation config.
	PutCorrelationConfig(ctx context.Context, c *CorrelationConfig) error
}
