package mica

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// MachineAccountRequest asks for a new machine account of a subtype
// (createMachineAccountRequest, REFERENCE.md §15.2 "Creation"). It runs in the
// background: an approval phase (PASSED at once when the subtype needs no
// approval), then a provisioning phase that creates the account on the
// subtype's source, with the subtype, owner, machine identity (a new one when
// none is named), environment and description of the request.
type MachineAccountRequest struct {
	ID                string // a UUID
	SubtypeID         string
	FormID            string
	OwnerIdentityID   string
	MachineIdentityID string // the one named, else the one created by provisioning
	Environment       string
	Description       string
	UserInput         map[string]any
	EntitlementIDs    []string
	Requester         Ref // IDENTITY
	Status            string
	Approval          RequestPhase
	Provisioning      RequestPhase
	ErrorDetails      string
	AccountID         string // the created account, once provisioned
	Created           time.Time
	Completed         *time.Time
}

// RequestPhase is the state of one phase of a request, with when it started and finished.
type RequestPhase struct {
	State    string
	Started  *time.Time
	Finished *time.Time
}

// Overall statuses of a machine account request (the reference gives only the
// example SUCCESS; the others are mica's).
const (
	RequestPending    = "PENDING"     // waiting for approval
	RequestInProgress = "IN_PROGRESS" // approved, being provisioned
	RequestSuccess    = "SUCCESS"
	RequestFailed     = "FAILED"
	RequestRejected   = "REJECTED"
)

// Phase states (AccountRequestPhase.state).
const (
	PhasePending    = "PENDING"
	PhaseCancelled  = "CANCELLED"
	PhaseApproved   = "APPROVED"
	PhaseRejected   = "REJECTED"
	PhasePassed     = "PASSED"
	PhaseFailed     = "FAILED"
	PhaseNotStarted = "NOT_STARTED"
)

// Limits of a machine account request.
const (
	MaxRequestEntitlements = 50
	MaxRequestDescription  = 2000
)

// Validate checks what a caller sends.
func (r *MachineAccountRequest) Validate() error {
	switch {
	case strings.TrimSpace(r.SubtypeID) == "":
		return Errorf(EMISSING, "subtypeId is required")
	case strings.TrimSpace(r.OwnerIdentityID) == "":
		return Errorf(EMISSING, "ownerIdentityId is required")
	case len(r.Description) > MaxRequestDescription:
		return Errorf(EILLEGAL, "description is longer than %d characters", MaxRequestDescription)
	case len(r.EntitlementIDs) > MaxRequestEntitlements:
		return Errorf(EILLEGAL, "entitlementIds: at most %d are allowed", MaxRequestEntitlements)
	}
	for i, e := range r.EntitlementIDs {
		if strings.TrimSpace(e) == "" {
			return Errorf(EILLEGAL, "entitlementIds[%d] cannot be empty", i)
		}
	}
	return nil
}

// Start sets the phases of a new request from its subtype's config: approval
// PENDING when the subtype needs it, else PASSED and provisioning queued.
func (r *MachineAccountRequest) Start(st *Subtype, now time.Time) {
	r.Created = now
	r.Approval = RequestPhase{State: PhasePassed, Started: &now, Finished: &now}
	r.Provisioning = RequestPhase{State: PhasePending}
	r.Status = RequestInProgress
	if st.Config.Create.ApprovalRequired {
		r.Approval = RequestPhase{State: PhasePending, Started: &now}
		r.Provisioning = RequestPhase{State: PhaseNotStarted}
		r.Status = RequestPending
	}
}

// Fail ends the request in FAILED with a reason (provisioning failed).
func (r *MachineAccountRequest) Fail(reason string, now time.Time) {
	r.Provisioning.State, r.Provisioning.Finished = PhaseFailed, &now
	if r.Provisioning.Started == nil {
		r.Provisioning.Started = &now
	}
	r.Status, r.ErrorDetails, r.Completed = RequestFailed, reason, &now
}

// Provisionable reports whether it is the request's turn to be provisioned:
// its provisioning phase is pending.
func (r *MachineAccountRequest) Provisionable() bool { return r.Provisioning.State == PhasePending }

// Provisioned records, at now, the provisioning of a request whose turn it
// was: failed with reason, or (reason "") passed and the request succeeded.
func (r *MachineAccountRequest) Provisioned(reason string, now time.Time) {
	r.Provisioning.Started = &now
	if reason != "" {
		r.Fail(reason, now)
		return
	}
	r.Provisioning.State, r.Provisioning.Finished = PhasePassed, &now
	r.Status, r.Completed = RequestSuccess, &now
}

// Decide records an approver's decision on a PENDING request.
func (r *MachineAccountRequest) Decide(approve bool, now time.Time) error {
	if r.Approval.State != PhasePending {
		return Errorf(EILLEGAL, "the request is not waiting for approval (approval phase is %s)", r.Approval.State)
	}
	r.Approval.Finished = &now
	if approve {
		r.Approval.State, r.Provisioning.State, r.Status = PhaseApproved, PhasePending, RequestInProgress
		return nil
	}
	r.Approval.State, r.Provisioning.State, r.Status, r.Completed = PhaseRejected, PhaseCancelled, RequestRejected, &now
	return nil
}

// CanProvisionMachineAccounts reports whether mica can create accounts on s: a
// delimited-file source or a directory (Active Directory, LDAP) source. The
// account is created in mica's store; the source's next aggregation, which
// reads the whole file or directory, keeps only the accounts it finds there.
func CanProvisionMachineAccounts(s *Source) bool { return s.IsDelimitedFile() || s.IsDirectory() }

// NewRequestedAccount is the machine account provisioning makes for r on
// source src with subtype st: its native identity is userInput's
// nativeIdentity, else the value of the source's account id column
// (indexColumn, default "id"), else userInput's name; its name is userInput's
// name (nameColumn), else the native identity. userInput becomes its
// attributes. A request that names no native identity fails.
func NewRequestedAccount(r *MachineAccountRequest, src *Source, st *Subtype) (*Account, error) {
	pick := func(keys ...string) string {
		for _, k := range keys {
			if k == "" {
				continue
			}
			if v := strings.TrimSpace(mappingValue(r.UserInput[k])); v != "" {
				return v
			}
		}
		return ""
	}
	indexCol, _ := src.ConnectorAttributes["indexColumn"].(string)
	nameCol, _ := src.ConnectorAttributes["nameColumn"].(string)
	native := pick("nativeIdentity", indexCol, "id", "name", nameCol)
	if native == "" {
		return nil, Errorf(EMISSING, "userInput names no account: give nativeIdentity, %s or name", orDefault(indexCol, "id"))
	}
	name := pick(nameCol, "name")
	if name == "" {
		name = native
	}
	attrs := map[string]any{}
	for k, v := range r.UserInput {
		attrs[k] = v
	}
	now := r.Created
	return &Account{SourceID: src.ID, SourceName: src.Name, NativeIdentity: native, Name: name, Attributes: attrs,
		Uncorrelated: true, Origin: "PROVISIONED", Description: r.Description, IsMachine: true,
		ClassificationMethod: MethodManual, ClassifiedAt: &now, Environment: r.Environment, Subtype: st.TechnicalName,
		OwnerIdentity: &Ref{Type: "IDENTITY", ID: r.OwnerIdentityID}, HasEntitlements: len(r.EntitlementIDs) > 0}, nil
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// CreatableSubtypes is the rule of getMachineAccountCreateAccessInfo (#57) and
// of who may request an account (#58): a subtype whose account creation is
// enabled, whose entitlement the identity holds through one of its access
// profiles on the subtype's source.
func CreatableSubtypes(subtypes []*Subtype, held []*AccessProfile) []*Subtype {
	has := map[string]bool{}
	for _, ap := range held {
		for _, e := range ap.Entitlements {
			has[ap.Source.ID+"\x00"+e.ID] = true
		}
	}
	var out []*Subtype
	for _, st := range subtypes {
		c := st.Config.Create
		if c.AccountCreateEnabled && c.EntitlementID != "" && has[st.SourceID+"\x00"+c.EntitlementID] {
			out = append(out, st)
		}
	}
	return out
}

// MachineAccountRequestService keeps machine account create requests.
type MachineAccountRequestService interface {
	// CreateMachineAccountRequest stores a new request (Start already called)
	// and queues its processing in the same transaction. The subtype, owner
	// and named machine identity must exist (EREFNOTFOUND).
	CreateMachineAccountRequest(ctx context.Context, r *MachineAccountRequest) error
	GetMachineAccountRequest(ctx context.Context, id string) (*MachineAccountRequest, error)
	// DecideMachineAccountRequest approves or rejects a request waiting for
	// approval; an approved one is queued for provisioning.
	DecideMachineAccountRequest(ctx context.Context, id string, approve bool) (*MachineAccountRequest, error)
	// ProvisionMachineAccountRequest carries out a request whose provisioning
	// is PENDING, in one transaction: the account (and machine identity) are
	// created and the request ends in SUCCESS, or nothing is created and it
	// ends in FAILED with the reason. Requests in any other state are returned as they are.
	ProvisionMachineAccountRequest(ctx context.Context, id string) (*MachineAccountRequest, error)
	// PendingMachineAccountRequests lists requests whose provisioning is PENDING (to resume after a crash).
	PendingMachineAccountRequests(ctx context.Context) ([]*MachineAccountRequest, error)

	// GetDeleteApprovalConfig returns a source's machine-account delete
	// approval config (the default one when never set); ENOTFOUND for an unknown source.
	GetDeleteApprovalConfig(ctx context.Context, sourceID string) (*AccountDeleteConfig, error)
	// UpdateDeleteApprovalConfig lets update change a source's config and saves it.
	UpdateDeleteApprovalConfig(ctx context.Context, sourceID string, update func(c *AccountDeleteConfig) error) (*AccountDeleteConfig, error)
}

// ProvisionReads is what provisioning reads, in the store's transaction.
type ProvisionReads interface {
	Subtype(id string) (*Subtype, error)    // ENOTFOUND when gone
	Source(id string) (*Source, error)      // ENOTFOUND when gone
	IdentityName(id string) (string, error) // ENOTFOUND when gone
	AccountExists(sourceID, nativeIdentity string) (bool, error)
	MachineIdentity(id string) (*MachineIdentity, error) // ENOTFOUND when gone
}

// Provision is what carrying out a request writes: the account (with its
// owner, and its machine identity when the request names one) and the
// machine identity to create (nil when the request names one).
type Provision struct {
	Account     *Account
	NewIdentity *MachineIdentity
}

// PlanProvision decides what provisioning r writes, reading through rd, or
// why it cannot be carried out (reason, with nothing to write). err is a
// failure to read.
func PlanProvision(r *MachineAccountRequest, rd ProvisionReads) (p *Provision, reason string, err error) {
	gone := func(err error, format string, args ...any) (string, error) {
		if ErrorCode(err) == ENOTFOUND {
			return fmt.Sprintf(format, args...), nil
		}
		return "", err
	}
	st, err := rd.Subtype(r.SubtypeID)
	if err != nil {
		reason, err := gone(err, "subtype %q no longer exists", r.SubtypeID)
		return nil, reason, err
	}
	src, err := rd.Source(st.SourceID)
	if err != nil {
		reason, err := gone(err, "source %q no longer exists", st.SourceID)
		return nil, reason, err
	}
	if !CanProvisionMachineAccounts(src) {
		return nil, fmt.Sprintf("source %q (%s) does not take new accounts from mica: only delimited-file and directory sources do",
			src.Name, src.Type), nil
	}
	ownerName, err := rd.IdentityName(r.OwnerIdentityID)
	if err != nil {
		reason, err := gone(err, "owner identity %q no longer exists", r.OwnerIdentityID)
		return nil, reason, err
	}
	a, err := NewRequestedAccount(r, src, st)
	if err != nil {
		return nil, ErrorMessage(err), nil
	}
	a.OwnerIdentity.Name = ownerName
	if exists, err := rd.AccountExists(src.ID, a.NativeIdentity); err != nil {
		return nil, "", err
	} else if exists {
		return nil, fmt.Sprintf("source %q already has an account %q", src.Name, a.NativeIdentity), nil
	}
	p = &Provision{Account: a}
	if r.MachineIdentityID != "" {
		mi, err := rd.MachineIdentity(r.MachineIdentityID)
		if err != nil {
			reason, err := gone(err, "machine identity %q no longer exists", r.MachineIdentityID)
			return nil, reason, err
		}
		a.MachineIdentity = &Ref{Type: "MACHINE_IDENTITY", ID: mi.ID, Name: mi.Name}
		return p, "", nil
	}
	mi := &MachineIdentity{Name: a.Name, Description: r.Description, Subtype: st.TechnicalName,
		NativeIdentity: a.NativeIdentity, SourceID: src.ID, Environment: r.Environment,
		PrimaryOwner: &Ref{Type: "IDENTITY", ID: r.OwnerIdentityID}}
	for _, e := range r.EntitlementIDs {
		mi.UserEntitlements = append(mi.UserEntitlements, MachineIdentityEntitlement{EntitlementID: e, SourceID: src.ID})
	}
	if err := mi.Validate(); err != nil {
		return nil, ErrorMessage(err), nil
	}
	p.NewIdentity = mi
	return p, "", nil
}
