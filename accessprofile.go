package mica

import (
	"context"
	"time"
)

// AccessProfile is a bundle of entitlements on one source that identities can
// hold (the ISC AccessProfile schema). mica keeps entitlements as given: it has
// no entitlement catalogue.
type AccessProfile struct {
	ID           string
	Name         string
	Description  string
	Owner        Ref // IDENTITY
	Source       Ref // SOURCE
	Enabled      bool
	Requestable  bool
	Entitlements []Ref
	Segments     []string
	Created      time.Time
	Modified     time.Time
}

// MaxAccessProfileDescription is the longest description an access profile may have.
const MaxAccessProfileDescription = 2000

// Validate checks the fields required to create an access profile.
func (ap *AccessProfile) Validate() error {
	switch {
	case ap.Name == "":
		return Errorf(EMISSING, "access profile name is required")
	case len(ap.Name) > 128:
		return Errorf(EILLEGAL, "access profile name is longer than 128 characters")
	case ap.Owner.ID == "":
		return Errorf(EMISSING, "access profile owner is required")
	case ap.Owner.Type != "" && ap.Owner.Type != "IDENTITY":
		return Errorf(EILLEGAL, "access profile owner type must be IDENTITY, not %q", ap.Owner.Type)
	case ap.Source.ID == "":
		return Errorf(EMISSING, "access profile source is required")
	case ap.Source.Type != "" && ap.Source.Type != "SOURCE":
		return Errorf(EILLEGAL, "access profile source type must be SOURCE, not %q", ap.Source.Type)
	case len(ap.Description) > MaxAccessProfileDescription:
		return Errorf(EILLEGAL, "access profile description is longer than %d characters", MaxAccessProfileDescription)
	case ap.Enabled && len(ap.Entitlements) == 0:
		return Errorf(EILLEGAL, "an enabled access profile needs at least one entitlement")
	case !ap.Requestable:
		return Errorf(EILLEGAL, "requestable false needs the new Request Center, which mica does not have")
	}
	for i, e := range ap.Entitlements {
		if e.ID == "" {
			return Errorf(EMISSING, "entitlements[%d].id is required", i)
		}
		if e.Type != "" && e.Type != "ENTITLEMENT" {
			return Errorf(EILLEGAL, "entitlements[%d].type must be ENTITLEMENT, not %q", i, e.Type)
		}
	}
	return nil
}

// AccessProfileService manages access profiles and their assignment to identities.
type AccessProfileService interface {
	// CreateAccessProfile inserts an access profile; its owner (identity) and
	// source must exist (EREFNOTFOUND), and a given owner name must match (EILLEGAL).
	CreateAccessProfile(ctx context.Context, ap *AccessProfile) error
	GetAccessProfile(ctx context.Context, id string) (*AccessProfile, error)
	ListAccessProfiles(ctx context.Context, opt ListOptions) (Page[*AccessProfile], error)
	// DeleteAccessProfile removes an access profile and its assignments; EINUSE
	// when something else (a source app) still refers to it.
	DeleteAccessProfile(ctx context.Context, id string) error

	// AssignAccessProfile makes an identity hold an access profile (idempotent).
	AssignAccessProfile(ctx context.Context, identityID, accessProfileID string) error
	// UnassignAccessProfile removes the assignment; ENOTFOUND when it did not exist.
	UnassignAccessProfile(ctx context.Context, identityID, accessProfileID string) error
	// ListIdentityAccessProfiles lists the access profiles an identity holds, by name.
	ListIdentityAccessProfiles(ctx context.Context, identityID string) ([]*AccessProfile, error)
}
