package mica

import (
	"context"
	"time"
)

// Identity is a person (or system identity) in the tenant. Its user levels
// (authorities) bound what its personal access tokens may do.
type Identity struct {
	ID          string
	Name        string // display name
	Alias       string // account name on the authoritative source
	FirstName   string
	LastName    string
	Email       string
	Levels      []string // user levels such as ORG_ADMIN; USER when nothing else
	Status      string   // identityStatus, e.g. ACTIVE
	ManagerID   string
	CloudStatus string
	Attributes  map[string]any
	Protected   bool
	Created     time.Time
	Modified    time.Time
}

// Validate checks the fields a caller sets.
func (i *Identity) Validate() error {
	if i.Name == "" {
		return Errorf(EMISSING, "identity name is required")
	}
	for _, l := range i.Levels {
		if !IsUserLevel(l) {
			return Errorf(EILLEGAL, "unknown user level %q", l)
		}
	}
	return nil
}

// HasLevel reports whether the identity holds user level l.
func (i *Identity) HasLevel(l string) bool {
	for _, x := range i.Levels {
		if x == l {
			return true
		}
	}
	return false
}

// IdentityService manages identities.
type IdentityService interface {
	CreateIdentity(ctx context.Context, i *Identity) error
	GetIdentity(ctx context.Context, id string) (*Identity, error)
	FindIdentityByName(ctx context.Context, name string) (*Identity, error)
	ListIdentities(ctx context.Context, opt ListOptions) (Page[*Identity], error)
}
