package mica

import (
	"context"
	"fmt"
	"time"
)

// LifecycleAction is a request to ACTIVATE or DEACTIVATE a machine identity
// (submitMachineIdentityLifecycleActionV1, REFERENCE.md §15.2). It is worked in
// the background: RECEIVED, then PROVISIONING, then COMPLETED (or FAILED). Until
// provisioning starts it can be cancelled: CANCELING, then CANCELED.
//
// What it does (the reference is silent; mica's rule): DEACTIVATE sets the
// machine identity's attributes.status to DEACTIVATED and disables its machine
// accounts; ACTIVATE sets ACTIVE and enables them.
type LifecycleAction struct {
	ID            string // a UUID
	Action        string // LifecycleActivate or LifecycleDeactivate
	Status        string
	TargetID      string // the machine identity
	TargetName    string
	TargetType    string // the machine identity's subtype: AI_AGENT
	SourceID      string
	SourceName    string
	NativeID      string // the machine identity's nativeIdentity (resource.resourceId)
	RequestedBy   Ref    // IDENTITY
	Comments      []LifecycleComment
	Owners        []Ref // the target's owners when submitted
	SourceOwner   *Ref
	Canceller     *Ref
	CanceledAt    *time.Time
	CancelComment string
	FailurePhase  string
	FailureReason string
	Provisioning  LifecycleProvisioning
	Created       time.Time
	Modified      time.Time
}

// LifecycleComment is one comment of a lifecycle action.
type LifecycleComment struct {
	ID        string    `json:"commentId"`
	Author    Ref       `json:"author"`
	Comment   string    `json:"comment"`
	CreatedAt time.Time `json:"createdAt"`
}

// LifecycleProvisioning is the state of the change itself.
type LifecycleProvisioning struct {
	Status  string     `json:"status"` // NOT_STARTED, IN_PROGRESS, COMPLETED, FAILED
	Started *time.Time `json:"started,omitempty"`
	Ended   *time.Time `json:"ended,omitempty"`
}

// Lifecycle actions and statuses.
const (
	LifecycleActivate   = "ACTIVATE"
	LifecycleDeactivate = "DEACTIVATE"

	LifecycleReceived       = "RECEIVED"
	LifecycleInProvisioning = "PROVISIONING"
	LifecycleCompleted      = "COMPLETED"
	LifecycleFailed         = "FAILED"
	LifecycleCanceling      = "CANCELING"
	LifecycleCanceled       = "CANCELED"

	// LifecycleTargetType is the only machine identity type lifecycle actions support.
	LifecycleTargetType = "AI_AGENT"
)

// Limits of a lifecycle action request.
const (
	MaxLifecycleComments      = 10
	MaxLifecycleCommentLength = 1000
)

// Lifecycle error detail codes (REFERENCE.md §15.4).
const (
	DetailLifecycleAccessDenied   = "FORBIDDEN.lifecycle-request-access-denied"
	DetailLifecycleUnsupported    = "FORBIDDEN.unsupported-type"
	DetailLifecycleNotFound       = "NOT_FOUND.detailed"
	DetailLifecycleInvalidInState = "INVALID_REQUEST_IN_CURRENT_STATE"
)

// ErrLifecycleActionNotFound is the answer to reading a lifecycle action that
// does not exist, with its detail code.
func ErrLifecycleActionNotFound(id string) error {
	return &Error{Code: ENOTFOUND, Detail: DetailLifecycleNotFound, Message: fmt.Sprintf("lifecycle action %q not found", id)}
}

// Validate checks a submitted action.
func (a *LifecycleAction) Validate() error {
	switch {
	case a.Action == "":
		return Errorf(EMISSING, "action is required (ACTIVATE or DEACTIVATE)")
	case a.Action != LifecycleActivate && a.Action != LifecycleDeactivate:
		return Errorf(EILLEGAL, "action must be ACTIVATE or DEACTIVATE, not %q", clipForError(a.Action, 64))
	case len(a.Comments) > MaxLifecycleComments:
		return Errorf(EILLEGAL, "comments: at most %d are allowed", MaxLifecycleComments)
	}
	for i, c := range a.Comments {
		if c.Comment == "" {
			return Errorf(EMISSING, "comments[%d].comment is required", i)
		}
		if len([]rune(c.Comment)) > MaxLifecycleCommentLength {
			return Errorf(EILLEGAL, "comments[%d].comment is longer than %d characters", i, MaxLifecycleCommentLength)
		}
	}
	return nil
}

// Completed reports whether the action has ended.
func (a *LifecycleAction) Completed() bool {
	return a.Status == LifecycleCompleted || a.Status == LifecycleFailed || a.Status == LifecycleCanceled
}

// Cancel asks to cancel the action; only before provisioning starts.
func (a *LifecycleAction) Cancel(by Ref, comment string, now time.Time) error {
	if a.Status != LifecycleReceived {
		return &Error{Code: EILLEGAL, Detail: DetailLifecycleInvalidInState,
			Message: "the lifecycle action is " + a.Status + ": only a request whose provisioning has not started can be cancelled"}
	}
	if len([]rune(comment)) > MaxLifecycleCommentLength {
		return Errorf(EILLEGAL, "comment is longer than %d characters", MaxLifecycleCommentLength)
	}
	a.Status, a.Canceller, a.CanceledAt, a.CancelComment, a.Modified = LifecycleCanceling, &by, &now, comment, now
	return nil
}

// Receive stamps a submitted action as received at now: its id (unless given),
// status, times and comment ids.
func (a *LifecycleAction) Receive(now time.Time) {
	if a.ID == "" {
		a.ID = NewUUID()
	}
	a.Status, a.Created, a.Modified = LifecycleReceived, now, now
	a.Provisioning = LifecycleProvisioning{Status: "NOT_STARTED"}
	for i := range a.Comments {
		a.Comments[i].ID, a.Comments[i].CreatedAt = NewUUID(), now
	}
}

// Queued reports whether the action, as an update left it, has a step for the
// worker to carry out (a cancellation).
func (a *LifecycleAction) Queued() bool { return a.Status == LifecycleCanceling }

// Step moves the action one step on, as the worker carries it out: RECEIVED
// starts provisioning, CANCELING is CANCELED. While provisioning, Step
// changes nothing and returns the status (MachineIdentityActive or
// MachineIdentityDeactivated) the store gives the target machine identity,
// before it calls Provisioned. ok is false when no step is left.
func (a *LifecycleAction) Step(now time.Time) (targetStatus string, ok bool) {
	switch a.Status {
	case LifecycleReceived:
		a.Status = LifecycleInProvisioning
		a.Provisioning = LifecycleProvisioning{Status: "IN_PROGRESS", Started: &now}
	case LifecycleInProvisioning:
		if a.Action == LifecycleDeactivate {
			return MachineIdentityDeactivated, true
		}
		return MachineIdentityActive, true
	case LifecycleCanceling:
		a.Status = LifecycleCanceled
	default:
		return "", false
	}
	return "", true
}

// Provisioned ends the provisioning step at now: COMPLETED, or FAILED when the
// target machine identity no longer existed (found false).
func (a *LifecycleAction) Provisioned(found bool, now time.Time) {
	if !found {
		a.Status, a.FailurePhase, a.FailureReason = LifecycleFailed, "PROVISIONING", "the machine identity no longer exists"
		a.Provisioning.Status, a.Provisioning.Ended = "FAILED", &now
		return
	}
	a.Status = LifecycleCompleted
	a.Provisioning.Status, a.Provisioning.Ended = "COMPLETED", &now
}

// LifecycleActionService keeps lifecycle actions and carries them out.
type LifecycleActionService interface {
	// SubmitLifecycleAction stores a RECEIVED action on an existing machine
	// identity (ENOTFOUND) and queues it in the same transaction.
	SubmitLifecycleAction(ctx context.Context, a *LifecycleAction) error
	GetLifecycleAction(ctx context.Context, id string) (*LifecycleAction, error)
	// ListLifecycleActions lists the actions requested by an identity.
	ListLifecycleActions(ctx context.Context, requestedBy string, opt ListOptions) (Page[*LifecycleAction], error)
	// UpdateLifecycleAction loads an action, lets update change it and saves it
	// (queueing it again when it is CANCELING).
	UpdateLifecycleAction(ctx context.Context, id string, update func(a *LifecycleAction) error) (*LifecycleAction, error)
	// ProcessLifecycleAction moves an action one step on, in one transaction
	// with its effect: RECEIVED → PROVISIONING, PROVISIONING → COMPLETED (the
	// machine identity and its accounts changed) or FAILED, CANCELING → CANCELED.
	ProcessLifecycleAction(ctx context.Context, id string) (*LifecycleAction, error)
	// UnfinishedLifecycleActions lists actions still to be worked (to resume after a crash).
	UnfinishedLifecycleActions(ctx context.Context) ([]*LifecycleAction, error)
}
