package mica

import (
	"context"
	"regexp"
	"strings"
	"time"
)

// Subtype is a machine-account subtype defined on a source (ISC's source
// subtypes, REFERENCE.md §15.2): a machine account's subtype names one of its
// source's subtypes by technical name. Only DisplayName and Description change
// after creation; SourceID, TechnicalName and Type are fixed.
type Subtype struct {
	ID            string // a UUID
	SourceID      string
	SourceName    string // read-only, filled by the store
	TechnicalName string // unique per source, case-insensitively
	DisplayName   string
	Description   string
	Type          string // SubtypeTypeMachine or ""
	SystemManaged bool
	// Config is the subtype's machine-account create and delete approval
	// settings (#53/#54).
	Config   SubtypeConfig
	Created  time.Time
	Modified time.Time
}

// SubtypeTypeMachine is the one documented value of a subtype's type ("Either MACHINE OR null").
const SubtypeTypeMachine = "MACHINE"

// Limits of source subtypes. ISC documents none; mica's are generous for a
// source's kinds of machine accounts and keep one source's list to a page.
const (
	MaxSubtypesPerSource     = 50
	MaxSubtypeTechnicalName  = 128
	MaxSubtypeDisplayName    = 128
	MaxSubtypeDescription    = 2000
	MaxBulkSubtypeIDs        = 100 // #43 maxItems
	MaxSubtypeApproverLength = 1000
)

// technicalNameRE is mica's rule for a technical name: a letter or digit, then
// letters, digits, '_', '-' and '.': a name that is safe in paths and filters.
var technicalNameRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.\-]*$`)

// Validate checks a subtype as created or edited.
func (s *Subtype) Validate() error {
	switch {
	case s.SourceID == "":
		return Errorf(EMISSING, "sourceId is required")
	case strings.TrimSpace(s.TechnicalName) == "":
		return Errorf(EMISSING, "technicalName is required")
	case len(s.TechnicalName) > MaxSubtypeTechnicalName:
		return Errorf(EILLEGAL, "technicalName is longer than %d characters", MaxSubtypeTechnicalName)
	case !technicalNameRE.MatchString(s.TechnicalName):
		return Errorf(EILLEGAL, "technicalName %q must start with a letter or digit and hold only letters, digits, '_', '-' and '.'",
			clipForError(s.TechnicalName, 64))
	case strings.TrimSpace(s.DisplayName) == "":
		return Errorf(EMISSING, "displayName is required")
	case len(s.DisplayName) > MaxSubtypeDisplayName:
		return Errorf(EILLEGAL, "displayName is longer than %d characters", MaxSubtypeDisplayName)
	case strings.TrimSpace(s.Description) == "":
		return Errorf(EMISSING, "description is required")
	case len(s.Description) > MaxSubtypeDescription:
		return Errorf(EILLEGAL, "description is longer than %d characters", MaxSubtypeDescription)
	case s.Type != "" && s.Type != SubtypeTypeMachine:
		return Errorf(EILLEGAL, "type must be MACHINE or null, not %q", clipForError(s.Type, 64))
	}
	return s.Config.Validate()
}

// CheckSubtypeQuota is the rule on adding a subtype to a source that has n.
func CheckSubtypeQuota(sourceID string, n int) error {
	if n >= MaxSubtypesPerSource {
		return Errorf(EILLEGAL, "source %q already has %d subtypes, the most a source may have", sourceID, n)
	}
	return nil
}

// CheckUpdate is the rule on changing subtype before into s: only its display
// name, description and approval config change, and Validate holds.
func (s *Subtype) CheckUpdate(before *Subtype) error {
	if s.ID != before.ID || s.SourceID != before.SourceID || s.TechnicalName != before.TechnicalName ||
		s.Type != before.Type || s.SystemManaged != before.SystemManaged {
		return Errorf(EILLEGAL, "only displayName, description and the approval config of a subtype can change")
	}
	return s.Validate()
}

// SubtypesInOrder is the answer to a bulk read of subtypes by id: those of
// found (by id) that ids name, in the order of ids, each once.
func SubtypesInOrder(ids []string, found map[string]*Subtype) []*Subtype {
	out := []*Subtype{}
	seen := map[string]bool{}
	for _, id := range ids {
		if st := found[id]; st != nil && !seen[id] {
			seen[id] = true
			out = append(out, st)
		}
	}
	return out
}

// ErrSubtypeTaken is the answer to giving a source a second subtype of one technical name.
func ErrSubtypeTaken(sourceID, technicalName string) error {
	return Errorf(ECONFLICT, "source %q already has a subtype with technicalName %q", sourceID, technicalName)
}

// ErrNoSubtype is the answer to looking up a technical name a source has no subtype of.
func ErrNoSubtype(sourceID, technicalName string) error {
	return Errorf(ENOTFOUND, "source %q has no subtype %q", sourceID, technicalName)
}

// ErrSubtypeInUse is the answer to deleting a subtype n machine accounts have.
func ErrSubtypeInUse(technicalName string, n int) error {
	return Errorf(EINUSE, "subtype %q is the subtype of %d machine account(s); change their subtype first", technicalName, n)
}

// ErrUnknownSubtype is the answer to giving an account a subtype its source does not have.
func ErrUnknownSubtype(name string) error {
	return Errorf(EREFNOTFOUND, "the account's source has no subtype %q", name)
}

// SubtypeConfig is a subtype's "Machine Account Subtype Approval Config" (#53).
type SubtypeConfig struct {
	Create SubtypeCreateConfig `json:"machineAccountCreate"`
	Delete SubtypeDeleteConfig `json:"machineAccountDelete"`
}

// SubtypeCreateConfig says whether machine accounts of the subtype may be
// requested (#58) and how. EntitlementID is the entitlement mica creates when
// account creation is first enabled: an identity holding it (through an access
// profile of the subtype's source) may request accounts of the subtype.
type SubtypeCreateConfig struct {
	AccountCreateEnabled bool            `json:"accountCreateEnabled"`
	ApprovalRequired     bool            `json:"approvalRequired"`
	FormID               string          `json:"formId,omitempty"`
	EntitlementID        string          `json:"entitlementId,omitempty"`
	PasswordSetting      string          `json:"passwordSetting,omitempty"`
	PasswordAttribute    string          `json:"passwordAttribute,omitempty"`
	ApprovalConfig       *ApproverConfig `json:"approvalConfig,omitempty"`
}

// SubtypeDeleteConfig says whether deleting a machine account of the subtype needs approval.
type SubtypeDeleteConfig struct {
	ApprovalRequired bool            `json:"approvalRequired"`
	ApprovalConfig   *ApproverConfig `json:"approvalConfig,omitempty"`
}

// ApproverConfig is a subtype's approvers, a comma-separated list assigned in
// order, and when comments are required.
type ApproverConfig struct {
	Approvers string `json:"approvers,omitempty"`
	Comments  string `json:"comments,omitempty"`
}

// Password settings of subtype account creation.
const (
	PasswordDoNotSet          = "DO_NOT_SET_PASSWORD"
	PasswordExistingAttribute = "SET_TO_EXISTING_ATTRIBUTE"
	PasswordNewAttribute      = "SET_TO_NEW_ATTRIBUTE"
)

// Validate checks the approval settings. Enabling account creation needs a
// password setting ("required before enabling the account creation").
func (c *SubtypeConfig) Validate() error {
	cc := &c.Create
	switch cc.PasswordSetting {
	case "", PasswordDoNotSet:
	case PasswordExistingAttribute, PasswordNewAttribute:
		if strings.TrimSpace(cc.PasswordAttribute) == "" {
			return Errorf(EMISSING, "machineAccountCreate.passwordAttribute is required with passwordSetting %s", cc.PasswordSetting)
		}
	default:
		return Errorf(EILLEGAL, "machineAccountCreate.passwordSetting must be DO_NOT_SET_PASSWORD, SET_TO_EXISTING_ATTRIBUTE or SET_TO_NEW_ATTRIBUTE, not %q",
			clipForError(cc.PasswordSetting, 64))
	}
	if cc.AccountCreateEnabled && cc.PasswordSetting == "" {
		return Errorf(EMISSING, "machineAccountCreate.passwordSetting is required before account creation can be enabled")
	}
	if err := cc.ApprovalConfig.validate("machineAccountCreate", false); err != nil {
		return err
	}
	return c.Delete.ApprovalConfig.validate("machineAccountDelete", true)
}

func (a *ApproverConfig) validate(where string, deletion bool) error {
	if a == nil {
		return nil
	}
	if len(a.Approvers) > MaxSubtypeApproverLength {
		return Errorf(EILLEGAL, "%s.approvalConfig.approvers is longer than %d characters", where, MaxSubtypeApproverLength)
	}
	if a.Approvers != "" {
		for _, ap := range strings.Split(a.Approvers, ",") {
			ap = strings.TrimSpace(ap)
			switch {
			case ap == "manager", ap == "sourceOwner":
			case ap == "accountOwner" && deletion:
			case strings.HasPrefix(ap, "workgroup:") && len(ap) > len("workgroup:"):
			default:
				allowed := "manager, sourceOwner or workgroup:[id]"
				if deletion {
					allowed = "manager, sourceOwner, accountOwner or workgroup:[id]"
				}
				return Errorf(EILLEGAL, "%s.approvalConfig.approvers: %q is not one of %s", where, clipForError(ap, 64), allowed)
			}
		}
	}
	switch a.Comments {
	case "", "ALL", "OFF", "APPROVAL", "REJECT", "REJECTION":
	default:
		return Errorf(EILLEGAL, "%s.approvalConfig.comments must be ALL, OFF, APPROVAL or REJECT, not %q", where, clipForError(a.Comments, 64))
	}
	return nil
}

// SubtypeService keeps source subtypes.
type SubtypeService interface {
	// CreateSubtype inserts a subtype: EREFNOTFOUND for an unknown source,
	// ECONFLICT for a technical name the source already has, EILLEGAL past
	// MaxSubtypesPerSource. It sets ID, SourceName, Created and Modified.
	CreateSubtype(ctx context.Context, s *Subtype) error
	// GetSubtype returns a subtype by id, ENOTFOUND when there is none.
	GetSubtype(ctx context.Context, id string) (*Subtype, error)
	// GetSubtypeByName returns a source's subtype by technical name (case-insensitive).
	GetSubtypeByName(ctx context.Context, sourceID, technicalName string) (*Subtype, error)
	// GetSubtypes returns the subtypes with the given ids that exist, in the ids' order.
	GetSubtypes(ctx context.Context, ids []string) ([]*Subtype, error)
	// ListSubtypes lists subtypes: one source's when sourceID is set (ENOTFOUND
	// for an unknown source), else every source's.
	ListSubtypes(ctx context.Context, sourceID string, opt ListOptions) (Page[*Subtype], error)
	// UpdateSubtype loads a subtype, lets update change it and saves it in one
	// transaction; update may change DisplayName, Description and Config only.
	UpdateSubtype(ctx context.Context, id string, update func(s *Subtype) error) (*Subtype, error)
	// DeleteSubtype removes a subtype with its approval settings; EINUSE, naming
	// their count, while machine accounts have it.
	DeleteSubtype(ctx context.Context, id string) error
}
