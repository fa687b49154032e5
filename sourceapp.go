package mica

import (
	"context"
	"crypto/md5"
	"encoding/hex"
	"hash/fnv"
	"slices"
	"strconv"
	"strings"
	"time"
)

// SourceApp is an app built on a source (the ISC SourceApp schema): what end users
// see and request in the app center. It is assigned to identities by the rule
// of AssignedTo.
type SourceApp struct {
	ID                       string
	Name                     string
	Description              string
	Enabled                  bool
	ProvisionRequestEnabled  bool
	MatchAllAccounts         bool
	AppCenterEnabled         bool
	UseForPasswordManagement bool
	AccountSource            *Ref     // SOURCE; nil when detached (its source was deleted)
	Owner                    *Ref     // IDENTITY; nil only when the owner identity was deleted
	AccessProfiles           []string // ids of access profiles of AccountSource, in order
	Created                  time.Time
	Modified                 time.Time
}

// CloudAppID is the app's deprecated numeric id, derived from its id so it is stable.
func (a *SourceApp) CloudAppID() string { return strconv.FormatInt(LegacyID(a.ID), 10) }

// Validate checks the fields a caller sets on create and patch: name, description
// and owner can never be empty, and access profiles need an account source.
func (a *SourceApp) Validate() error {
	switch {
	case strings.TrimSpace(a.Name) == "":
		return Errorf(EMISSING, "source app name is required and cannot be empty")
	case strings.TrimSpace(a.Description) == "":
		return Errorf(EMISSING, "source app description is required and cannot be empty")
	case a.Owner == nil || a.Owner.ID == "":
		return Errorf(EMISSING, "source app owner is required and cannot be null")
	case a.Owner.Type != "" && a.Owner.Type != "IDENTITY":
		return Errorf(EILLEGAL, "source app owner must be an IDENTITY, not %q", a.Owner.Type)
	case a.AccountSource != nil && a.AccountSource.ID == "":
		return Errorf(EMISSING, "accountSource.id is required")
	case a.AccountSource == nil && len(a.AccessProfiles) > 0:
		return Errorf(EILLEGAL, "a source app without an accountSource cannot have access profiles")
	}
	seen := map[string]bool{}
	for _, id := range a.AccessProfiles {
		if id == "" {
			return Errorf(EILLEGAL, "access profile ids cannot be empty")
		}
		if seen[id] {
			return Errorf(EILLEGAL, "access profile %q is listed twice", id)
		}
		seen[id] = true
	}
	return nil
}

// AssignedTo is the assignment rule, and its definition: an enabled app is
// assigned to an identity when the identity has an account on the app's
// accountSource (hasAccountOn) and either matchAllAccounts is true or the
// identity holds at least one of the app's access profiles (holds). A detached
// app (no accountSource) is assigned to nobody. The stores' assigned-apps
// caches run it over their snapshots (appcache); where they evaluate it in
// SQL for speed (assignedSQL in each), storetest checks their SQL against this
// function on random tenants.
func (a *SourceApp) AssignedTo(hasAccountOn func(sourceID string) bool, holds func(accessProfileID string) bool) bool {
	if !a.Enabled || a.AccountSource == nil || !hasAccountOn(a.AccountSource.ID) {
		return false
	}
	return a.MatchAllAccounts || slices.ContainsFunc(a.AccessProfiles, holds)
}

// ValidateNew checks an app to be created: it needs an accountSource, and Validate holds.
func (a *SourceApp) ValidateNew() error {
	if a.AccountSource == nil || a.AccountSource.ID == "" {
		return Errorf(EMISSING, "accountSource.id is required")
	}
	if a.AccessProfiles == nil {
		a.AccessProfiles = []string{}
	}
	return a.Validate()
}

// CheckUpdate checks a, app id as an update changed it (which keeps its id
// and creation time), before the store resolves its references.
func (a *SourceApp) CheckUpdate(id string, created time.Time) error {
	a.ID, a.Created = id, created
	if a.AccessProfiles == nil {
		a.AccessProfiles = []string{}
	}
	return a.Validate()
}

// ResolveRefs checks that the app's source, owner and access profiles exist
// (EREFNOTFOUND) and that its access profiles belong to its source (EILLEGAL),
// and fills in the names of the references.
func (a *SourceApp) ResolveRefs(rd RefReads) error {
	if a.AccountSource != nil {
		name, ok, err := rd.SourceName(a.AccountSource.ID)
		if err != nil {
			return err
		} else if !ok {
			return ErrRefNotFound("accountSource", KindSource, a.AccountSource.ID)
		}
		a.AccountSource = &Ref{Type: "SOURCE", ID: a.AccountSource.ID, Name: name}
	}
	name, ok, err := rd.IdentityName(a.Owner.ID)
	if err != nil {
		return err
	} else if !ok {
		return ErrRefNotFound("owner", KindIdentity, a.Owner.ID)
	}
	a.Owner = &Ref{Type: "IDENTITY", ID: a.Owner.ID, Name: name}
	for _, id := range a.AccessProfiles {
		sourceID, ok, err := rd.AccessProfileSource(id)
		if err != nil {
			return err
		} else if !ok {
			return ErrRefNotFound("accessProfiles", KindAccessProfile, id)
		}
		if sourceID != a.AccountSource.ID {
			return Errorf(EILLEGAL, "accessProfiles: access profile %q belongs to source %q, not to the app's accountSource %q",
				id, sourceID, a.AccountSource.ID)
		}
	}
	return nil
}

// ErrSourceAppExists is the answer to creating an app with an id that is taken.
func ErrSourceAppExists(id string) error {
	return Errorf(ECONFLICT, "a source app with id %q already exists", id)
}

// ErrSourceAppRefsGone is the answer when an app's accountSource or owner is
// deleted while the app is being saved.
func ErrSourceAppRefsGone() error {
	return Errorf(EREFNOTFOUND, "the app's accountSource or owner no longer exists")
}

// UserApp is one identity's view of one source app assigned to it (the ISC UserApp
// schema). It exists exactly while the app is assigned; its id is UserAppID.
type UserApp struct {
	ID                       string
	SourceApp                Ref  // APPLICATION
	Source                   Ref  // SOURCE
	Account                  *Ref // ACCOUNT: the chosen account, else the owner's first on the source
	Owner                    UserAppOwner
	HasMultipleAccounts      bool
	UseForPasswordManagement bool
	ProvisionRequestEnabled  bool
	AppCenterEnabled         bool
	Created                  time.Time
	Modified                 time.Time
}

// UserAppOwner is the identity a user app belongs to.
type UserAppOwner struct {
	ID    string
	Name  string
	Alias string
}

// Validate checks that a user app is complete: an owner, an app and an account.
func (u *UserApp) Validate() error {
	switch {
	case u.Owner.ID == "":
		return Errorf(EMISSING, "user app owner is required")
	case u.SourceApp.ID == "":
		return Errorf(EMISSING, "user app source app is required")
	case u.Account == nil || u.Account.ID == "":
		return Errorf(EMISSING, "user app account is required")
	}
	return nil
}

// CheckAccount is the rule on the account a user app uses: one of its
// owner's accounts on its app's source. identityID and sourceID are the
// account's.
func (u *UserApp) CheckAccount(accountID, identityID, sourceID string) error {
	if identityID != u.Owner.ID || sourceID != u.Source.ID {
		return Errorf(EILLEGAL, "account: %q is not an account of identity %q on source %q", accountID, u.Owner.ID, u.Source.ID)
	}
	return nil
}

// AppAccount is one account an identity may use for a user app (AppAccountDetails).
type AppAccount struct {
	AppID          string
	AppName        string
	AccountID      string
	NativeIdentity string
	DisplayName    string
	SourceID       string
	SourceName     string
}

// AppAccessProfile is an access profile as listed through a source app (AccessProfileDetails).
type AppAccessProfile struct {
	ID           string
	Name         string
	Description  *string
	OwnerID      string
	SourceID     string
	SourceName   string
	Enabled      bool
	Requestable  bool
	Entitlements []string
	Segments     []string
	AppID        string
	AppName      string
	Created      time.Time
	Modified     time.Time
}

// UserAppID is the stable id of the user app of identityID for source app appID:
// the MD5 of "identityID:appID" in hex, so every store derives the same id (SQL md5 on PostgreSQL).
func UserAppID(identityID, appID string) string {
	sum := md5.Sum([]byte(identityID + ":" + appID))
	return hex.EncodeToString(sum[:])
}

// LegacyID maps a string id to the stable positive integer ISC uses for deprecated
// numeric ids (cloudAppId, AccessProfileDetails sourceId and appId). It stays below
// 2^53 so JavaScript clients read it exactly.
func LegacyID(id string) int64 {
	h := fnv.New64a()
	_, _ = h.Write([]byte(id))
	n := int64(h.Sum64() & (1<<53 - 1))
	if n == 0 {
		n = 1
	}
	return n
}

// MaxBulkSourceApps is how many source apps one bulk update may change.
const MaxBulkSourceApps = 50

// SourceAppService manages source apps and user apps.
//
// Apps are assigned to identities by the rule of SourceApp.AssignedTo. Every
// read evaluates it against current data, so a change is visible to the next request.
type SourceAppService interface {
	// CreateSourceApp inserts an app; its accountSource and owner must exist (EREFNOTFOUND).
	CreateSourceApp(ctx context.Context, a *SourceApp) error
	// GetSourceApp returns an app with its access profiles, ENOTFOUND when there is none.
	GetSourceApp(ctx context.Context, id string) (*SourceApp, error)
	// UpdateSourceApps loads each app, lets update change it, validates and saves
	// them all in one transaction: any error (ENOTFOUND for a missing id) changes nothing.
	UpdateSourceApps(ctx context.Context, ids []string, update func(a *SourceApp) error) ([]*SourceApp, error)
	// DeleteSourceApp deletes an app and returns it as it was.
	DeleteSourceApp(ctx context.Context, id string) (*SourceApp, error)
	// ListSourceApps lists every app (listAllSourceApp).
	ListSourceApps(ctx context.Context, opt ListOptions) (Page[*SourceApp], error)
	// ListAvailableSourceApps lists apps open to access requests: enabled,
	// provisionRequestEnabled and appCenterEnabled.
	ListAvailableSourceApps(ctx context.Context, opt ListOptions) (Page[*SourceApp], error)
	// ListAssignedSourceApps lists the apps assigned to an identity.
	ListAssignedSourceApps(ctx context.Context, identityID string, opt ListOptions) (Page[*SourceApp], error)
	// ListSourceAppAccessProfiles lists an app's access profiles; ENOTFOUND for a missing app.
	ListSourceAppAccessProfiles(ctx context.Context, appID string, opt ListOptions) (Page[*AppAccessProfile], error)
	// RemoveSourceAppAccessProfiles unlinks access profiles from an app (ids it does not have are ignored).
	RemoveSourceAppAccessProfiles(ctx context.Context, appID string, accessProfileIDs []string) error

	// ListUserApps lists the user apps of ownerID, or of every identity when ownerID is "".
	ListUserApps(ctx context.Context, ownerID string, opt ListOptions) (Page[*UserApp], error)
	// GetUserApp returns a user app, ENOTFOUND when its app is not (or no longer) assigned.
	GetUserApp(ctx context.Context, id string) (*UserApp, error)
	// SetUserAppAccount chooses the account a user app uses: one of its owner's
	// accounts on the app's source (EILLEGAL otherwise).
	SetUserAppAccount(ctx context.Context, id, accountID string) (*UserApp, error)
	// ListUserAppAccounts lists the accounts a user app's owner may choose from.
	ListUserAppAccounts(ctx context.Context, id string, opt ListOptions) (Page[*AppAccount], error)
}
