package mica

import (
	"context"
	"time"
)

// Account is an account on a source (the ISC Account schema), with its machine classification.
type Account struct {
	ID                 string
	SourceID           string
	SourceName         string
	NativeIdentity     string
	Name               string
	UUID               string
	IdentityID         string // correlated identity, "" when uncorrelated
	IdentityName       string
	Attributes         map[string]any
	Authoritative      bool
	Disabled           bool
	Locked             bool
	SystemAccount      bool
	Uncorrelated       bool
	ManuallyCorrelated bool
	HasEntitlements    bool
	Origin             string // AGGREGATED, PROVISIONED or ""
	Description        string
	// GroundTruth is what a generated (demo) account really is, MACHINE or HUMAN;
	// stored for tests that measure classification, never exposed by the API.
	GroundTruth string

	// Machine classification.
	IsMachine            bool
	ClassificationMethod string // SOURCE, CRITERIA, DISCOVERY, MANUAL or ""
	ClassifiedAt         *time.Time
	Recommendation       *Recommendation

	// MachineAccount fields (GET/PATCH /machine-accounts): how a machine account is described.
	Environment       string
	Subtype           string // the technical name of one of the source's subtypes
	AccessType        string
	OwnerIdentity     *Ref // IDENTITY; nil: the correlated identity, if any, owns it
	MachineIdentity   *Ref // MACHINE_IDENTITY; nil when the account belongs to none
	ManuallyEdited    bool
	MachineAttributes map[string]any // the machine account's own attributes (connector attributes are Attributes)

	// Read-only context from the account's source and identity (filled by the store on reads).
	SourceOwner          Ref
	SourceFeatures       []string
	SourceConnectionType string
	IdentityStatus       string

	Created  time.Time
	Modified time.Time
}

// Recommendation says an account is classified as one type but recommended to be the other.
type Recommendation struct {
	Type   string `json:"type"`   // HUMAN, MACHINE (AGENT in v2025)
	Method string `json:"method"` // DISCOVERY, SOURCE, CRITERIA
}

// Validate checks the fields a caller sets when creating an account directly.
func (a *Account) Validate() error {
	switch {
	case a.SourceID == "":
		return Errorf(EMISSING, "account sourceId is required")
	case a.NativeIdentity == "":
		return Errorf(EMISSING, "account nativeIdentity is required")
	}
	return nil
}

// FillNew sets what a new account of source src takes from its source and its
// identity (identityName, "" when it has none) and its defaults: an id, its
// native identity as its name, no attributes, origin AGGREGATED.
func (a *Account) FillNew(src *Source, identityName string) {
	if a.ID == "" {
		a.ID = NewID()
	}
	if a.Name == "" {
		a.Name = a.NativeIdentity
	}
	if a.Attributes == nil {
		a.Attributes = map[string]any{}
	}
	if a.Origin == "" {
		a.Origin = "AGGREGATED"
	}
	a.SourceName, a.Authoritative = src.Name, src.Authoritative
	a.IdentityName, a.Uncorrelated = identityName, a.IdentityID == ""
}

// ResolveMachineRefs checks the references of machine account a as an update
// left it (subtypeBefore: its subtype before): a changed subtype must be one
// of its source's (kept as its technical name), an owner must exist (its name
// filled in).
func (a *Account) ResolveMachineRefs(subtypeBefore string, rd RefReads) error {
	if a.Subtype != "" && a.Subtype != subtypeBefore {
		tn, ok, err := rd.Subtype(a.SourceID, a.Subtype)
		if err != nil {
			return err
		} else if !ok {
			return ErrUnknownSubtype(a.Subtype)
		}
		a.Subtype = tn
	}
	if a.OwnerIdentity != nil {
		name, ok, err := rd.IdentityName(a.OwnerIdentity.ID)
		if err != nil {
			return err
		} else if !ok {
			return ErrRefNotFound("", KindOwner, a.OwnerIdentity.ID)
		}
		a.OwnerIdentity.Name = name
	}
	return nil
}

// ErrNativeIdentityTaken is the answer to giving an account the native
// identity of another account of its source.
func ErrNativeIdentityTaken(nativeIdentity string) error {
	return Errorf(ECONFLICT, "the source already has an account with nativeIdentity %q", nativeIdentity)
}

// ErrAccountExists is the answer to adding an account a source already has.
func ErrAccountExists(sourceName, nativeIdentity string) error {
	return Errorf(ECONFLICT, "source %q already has an account %q", sourceName, nativeIdentity)
}

// AccountFilter narrows an account listing beyond the collection parameters.
type AccountFilter struct {
	SourceID    string // only this source's accounts ("" for all)
	MachineOnly bool   // only accounts classified as machines
}

// AccountService manages accounts. Accounts normally arrive through an
// aggregation (AggregationService); CreateAccounts is for tests, imports of
// already-shaped data and the demo generator.
type AccountService interface {
	// CreateAccounts inserts accounts in one transaction: all or none. Each needs
	// an existing source; IdentityID, when set, an existing identity.
	CreateAccounts(ctx context.Context, accounts []*Account) error
	GetAccount(ctx context.Context, id string) (*Account, error)
	ListAccounts(ctx context.Context, f AccountFilter, opt ListOptions) (Page[*Account], error)
	// EachAccount streams a source's accounts in nativeIdentity order (export).
	EachAccount(ctx context.Context, f AccountFilter, fn func(*Account) error) error
	// CountAccountsBySource counts the accounts of every source that has any,
	// in one pass (the console's overview and `mica sources list`).
	CountAccountsBySource(ctx context.Context) ([]SourceAccountCounts, error)
}

// SourceAccountCounts counts one source's accounts: all of them, the machine
// accounts, and those whose discovery recommendation disagrees with their
// classification.
type SourceAccountCounts struct {
	SourceID    string `json:"sourceId"`
	Accounts    int    `json:"accounts"`
	Machines    int    `json:"machines"`
	Recommended int    `json:"recommended"`
}
