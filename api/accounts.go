package api

import (
	"net/http"
	"strings"

	"github.com/micahq/mica"
	"github.com/micahq/mica/query"
)

func (s *Server) registerAccounts() {
	read := Auth{User: []string{ScopeAccountsRead, ScopeAccountsManage}, App: []string{ScopeAccountsRead, ScopeAccountsManage},
		Levels: []string{mica.LevelOrgAdmin, mica.LevelSourceAdmin, mica.LevelSourceSubadmin, mica.LevelHelpdesk}}
	s.handle(&Op{ID: "listAccounts", Method: http.MethodGet, Path: "/accounts", Versions: AllVersions, Auth: read,
		Handle: s.listAccounts})
	s.handle(&Op{ID: "getAccount", Method: http.MethodGet, Path: "/accounts/{id}", Versions: AllVersions, Auth: read,
		Handle: s.getAccount})
	// mica's extension of listAccounts (/mica/v1/accounts): the v2025 list plus
	// the filter isMachine, which no ISC version documents (the console counts
	// machine and human accounts with it).
	s.handle(&Op{ID: "micaListAccounts", Method: http.MethodGet, Path: "/accounts", Versions: []Version{Mica}, Auth: read,
		Handle: s.listAccounts})
}

// identityRef is the `identity` of an Account: {id, type: IDENTITY, name}.
type identityRef struct {
	ID   string `json:"id"`
	Type string `json:"type"`
	Name string `json:"name"`
}

// AccountDto is the wire form of an Account (REFERENCE.md §8): the 28 properties of BaseCommonDto and Account.
type AccountDto struct {
	ID                  string               `json:"id"`
	Name                string               `json:"name"`
	Created             Time                 `json:"created"`
	Modified            Time                 `json:"modified"`
	SourceID            string               `json:"sourceId"`
	SourceName          string               `json:"sourceName"`
	IdentityID          *string              `json:"identityId,omitempty"`
	CloudLifecycleState *string              `json:"cloudLifecycleState"`
	IdentityState       *string              `json:"identityState"`
	ConnectionType      *string              `json:"connectionType"`
	IsMachine           bool                 `json:"isMachine"`
	Recommendation      *mica.Recommendation `json:"recommendation"`
	Attributes          map[string]any       `json:"attributes"`
	Authoritative       bool                 `json:"authoritative"`
	Description         *string              `json:"description"`
	Disabled            bool                 `json:"disabled"`
	Locked              bool                 `json:"locked"`
	NativeIdentity      string               `json:"nativeIdentity"`
	SystemAccount       bool                 `json:"systemAccount"`
	Uncorrelated        bool                 `json:"uncorrelated"`
	UUID                *string              `json:"uuid"`
	ManuallyCorrelated  bool                 `json:"manuallyCorrelated"`
	HasEntitlements     bool                 `json:"hasEntitlements"`
	Identity            *identityRef         `json:"identity,omitempty"`
	SourceOwner         *mica.Ref            `json:"sourceOwner"`
	Features            *string              `json:"features"`
	Origin              *string              `json:"origin"`
	OwnerIdentity       *mica.Ref            `json:"ownerIdentity"`
}

// betaAccountDto is an Account as beta's schema allows it: ownerIdentity is an
// object there, not nullable, so an account without one leaves it out.
type betaAccountDto struct {
	AccountDto
	OwnerIdentity *mica.Ref `json:"ownerIdentity,omitempty"`
}

// accountWire is the Account body of version v.
func accountWire(v Version) func(a *mica.Account) any {
	return func(a *mica.Account) any {
		d := accountDto(a)
		if v == Beta {
			return betaAccountDto{AccountDto: d, OwnerIdentity: d.OwnerIdentity}
		}
		return d
	}
}

func optString(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func accountDto(a *mica.Account) AccountDto {
	d := AccountDto{ID: a.ID, Name: a.Name, Created: Time(a.Created), Modified: Time(a.Modified), SourceID: a.SourceID,
		SourceName: a.SourceName, IdentityID: optString(a.IdentityID), IdentityState: optString(a.IdentityStatus),
		ConnectionType: optString(a.SourceConnectionType), IsMachine: a.IsMachine, Recommendation: a.Recommendation,
		Attributes: a.Attributes, Authoritative: a.Authoritative, Description: optString(a.Description),
		Disabled: a.Disabled, Locked: a.Locked, NativeIdentity: a.NativeIdentity, SystemAccount: a.SystemAccount,
		Uncorrelated: a.Uncorrelated, UUID: optString(a.UUID), ManuallyCorrelated: a.ManuallyCorrelated,
		HasEntitlements: a.HasEntitlements, Origin: optString(a.Origin)}
	if a.IdentityID != "" {
		d.Identity = &identityRef{ID: a.IdentityID, Type: "IDENTITY", Name: a.IdentityName}
	}
	if a.SourceOwner.ID != "" {
		o := a.SourceOwner
		d.SourceOwner = &o
	}
	if len(a.SourceFeatures) > 0 {
		d.Features = optString(strings.Join(a.SourceFeatures, ","))
	}
	if d.Attributes == nil {
		d.Attributes = map[string]any{}
	}
	return d
}

func (s *Server) listAccounts(w http.ResponseWriter, r *http.Request) error {
	opt, err := listOptions(r, query.ListAccounts)
	if err != nil {
		return err
	}
	switch d := r.URL.Query().Get("detailLevel"); d {
	case "", "SLIM", "FULL":
	default:
		return mica.Errorf(mica.EILLEGAL, "query parameter \"detailLevel\" must be SLIM or FULL, not %q", d)
	}
	page, err := s.Store.ListAccounts(r.Context(), mica.AccountFilter{}, opt)
	if err != nil {
		return err
	}
	writePage(w, page, accountWire(VersionFrom(r.Context())))
	return nil
}

func (s *Server) getAccount(w http.ResponseWriter, r *http.Request) error {
	a, err := s.Store.GetAccount(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, accountWire(VersionFrom(r.Context()))(a))
	return nil
}
