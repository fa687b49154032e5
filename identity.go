package mica

import (
	"context"
	"encoding/json"
	"strings"
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

// FillDefaults sets what a new identity has unless given: the USER level, the
// ACTIVE status and no attributes.
func (i *Identity) FillDefaults() {
	if len(i.Levels) == 0 {
		i.Levels = []string{LevelUser}
	}
	if i.Status == "" {
		i.Status = "ACTIVE"
	}
	if i.Attributes == nil {
		i.Attributes = map[string]any{}
	}
}

// ErrIdentityExists is the answer to creating an identity whose id is taken.
func ErrIdentityExists(id string) error { return Errorf(ECONFLICT, "identity %q already exists", id) }

// PickIdentity is the answer to finding an identity by name (its id, alias or
// display name), given the identities that match (the store reads at most two):
// the one, ENOTFOUND for none, ECONFLICT when the name is ambiguous.
func PickIdentity(name string, found []*Identity) (*Identity, error) {
	switch len(found) {
	case 0:
		return nil, ErrNotFound(KindIdentity, name)
	case 1:
		return found[0], nil
	}
	return nil, Errorf(ECONFLICT, "more than one identity is named %q; use its id", name)
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

// The account attributes that name the identity an account of an
// authoritative source creates or updates, each list in order of preference:
// the first one with a non-empty value wins (IdentityNamesOf).
var (
	FirstNameAttributes   = []string{"firstname", "firstName", "givenName", "first_name"}
	LastNameAttributes    = []string{"lastname", "lastName", "sn", "familyName", "last_name"}
	EmailAttributes       = []string{"email", "mail", "e-mail", "emailAddress"}
	DisplayNameAttributes = []string{"displayName", "fullName", "cn"}
)

// IdentityNames are the names an account's attributes give its identity; ""
// where the account has none.
type IdentityNames struct {
	Display, First, Last, Email string
}

// IdentityNamesOf reads the names an account gives its identity from its
// attributes (the lists above). The stores read them in SQL while applying an
// aggregation; storetest checks their SQL against this function.
func IdentityNamesOf(attrs map[string]any) IdentityNames {
	first := func(keys []string) string {
		for _, k := range keys {
			if v, ok := AttributeText(attrs[k]); ok && v != "" {
				return v
			}
		}
		return ""
	}
	return IdentityNames{Display: first(DisplayNameAttributes), First: first(FirstNameAttributes),
		Last: first(LastNameAttributes), Email: first(EmailAttributes)}
}

// NewIdentityName is the display name of an identity an account named
// accountName creates: its display name attribute, else its first and last
// names, else the account's name.
func (n IdentityNames) NewIdentityName(accountName string) string {
	if n.Display != "" {
		return n.Display
	}
	if full := strings.Trim(n.First+" "+n.Last, " "); full != "" {
		return full
	}
	return accountName
}

// AttributeText is an attribute's value as correlation and identity naming
// compare it: a string as it is, other JSON values as their JSON text; ok is
// false for null or absent.
func AttributeText(v any) (string, bool) {
	switch x := v.(type) {
	case nil:
		return "", false
	case string:
		return x, true
	}
	b, err := json.Marshal(v)
	if err != nil {
		return "", false
	}
	return string(b), true
}
