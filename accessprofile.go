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

// Resolve fills in the references of a new access profile from the names
// its store read for them (its owner identity's and its source's): a given
// owner name must be that identity's. Entitlements are typed ENTITLEMENT.
func (ap *AccessProfile) Resolve(ownerName, sourceName string) error {
	if ap.Owner.Name != "" && ap.Owner.Name != ownerName {
		return Errorf(EILLEGAL, "owner name %q does not match identity %q (%s)", ap.Owner.Name, ap.Owner.ID, ownerName)
	}
	if ap.ID == "" {
		ap.ID = NewID()
	}
	ap.Owner = Ref{Type: "IDENTITY", ID: ap.Owner.ID, Name: ownerName}
	ap.Source = Ref{Type: "SOURCE", ID: ap.Source.ID, Name: sourceName}
	if ap.Entitlements == nil {
		ap.Entitlements = []Ref{}
	}
	for i := range ap.Entitlements {
		ap.Entitlements[i].Type = "ENTITLEMENT"
	}
	return nil
}

// ErrAccessProfileExists is the answer to creating an access profile whose id is taken.
func ErrAccessProfileExists(id string) error {
	return Errorf(ECONFLICT, "access profile %q already exists", id)
}

// ErrAccessProfileInUse is the answer to deleting an access profile that apps
// source apps list (0 when the store only knows that something refers to it).
func ErrAccessProfileInUse(id string, apps int) error {
	if apps == 0 {
		return Errorf(EINUSE, "access profile %q is used by another object (a source app) and cannot be deleted", id)
	}
	return Errorf(EINUSE, "access profile %q is used by %d source app(s) and cannot be deleted; remove it from them first",
		id, apps)
}

// ErrNotHeld is the answer to removing an access profile an identity does not hold.
func ErrNotHeld(identityID, accessProfileID string) error {
	return Errorf(ENOTFOUND, "identity %q does not hold access profile %q", identityID, accessProfileID)
}

// ErrGrantRefsGone is the answer when an identity or an access profile is
// deleted while the one is being granted the other.
func ErrGrantRefsGone(identityID, accessProfileID string) error {
	return Errorf(ENOTFOUND, "identity %q or access profile %q not found", identityID, accessProfileID)
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
