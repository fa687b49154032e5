package api

import (
	"net/http"

	"github.com/micahq/mica"
	"github.com/micahq/mica/query"
)

func (s *Server) registerIdentities() {
	read := Auth{User: []string{ScopeIdentityRead, ScopeIdentityManage}} // userAuth only, no user levels declared
	s.handle(&Op{ID: "listIdentities", Method: http.MethodGet, Path: "/identities", Versions: NoV3, Auth: read,
		Handle: s.listIdentities})
	s.handle(&Op{ID: "getIdentity", Method: http.MethodGet, Path: "/identities/{id}", Versions: NoV3, Auth: read,
		Handle: s.getIdentity})
}

// LifecycleState is an identity's lifecycle state.
type LifecycleState struct {
	StateName       string `json:"stateName"`
	ManuallyUpdated bool   `json:"manuallyUpdated"`
}

// IdentityDto is the wire form of an Identity (REFERENCE.md §14.9).
type IdentityDto struct {
	ID              string          `json:"id"`
	Name            string          `json:"name"`
	Created         Time            `json:"created"`
	Modified        Time            `json:"modified"`
	Alias           string          `json:"alias"`
	EmailAddress    *string         `json:"emailAddress"`
	ProcessingState *string         `json:"processingState"`
	IdentityStatus  string          `json:"identityStatus"`
	ManagerRef      *mica.Ref       `json:"managerRef"`
	IsManager       bool            `json:"isManager"`
	LastRefresh     Time            `json:"lastRefresh"`
	Attributes      map[string]any  `json:"attributes"`
	LifecycleState  *LifecycleState `json:"lifecycleState"`
}

func identityDto(i *mica.Identity) IdentityDto {
	d := IdentityDto{ID: i.ID, Name: i.Name, Created: Time(i.Created), Modified: Time(i.Modified), Alias: i.Alias,
		EmailAddress: optString(i.Email), IdentityStatus: i.Status, LastRefresh: Time(i.Modified),
		Attributes: i.Attributes}
	if d.IdentityStatus == "" {
		d.IdentityStatus = "ACTIVE"
	}
	if i.ManagerID != "" {
		d.ManagerRef = &mica.Ref{Type: "IDENTITY", ID: i.ManagerID}
	}
	if d.Attributes == nil {
		d.Attributes = map[string]any{}
	}
	return d
}

func (s *Server) listIdentities(w http.ResponseWriter, r *http.Request) error {
	opt, err := listOptions(r, query.ListIdentities)
	if err != nil {
		return err
	}
	switch df := r.URL.Query().Get("defaultFilter"); df {
	case "", "CORRELATED_ONLY":
		// Only identities with correlated accounts, the spec's default: the
		// identity's `correlated` flag, ANDed with the caller's filters.
		if opt.Filters == "" {
			opt.Filters = "correlated eq true"
		} else {
			opt.Filters = "correlated eq true and (" + opt.Filters + ")"
		}
	case "NONE":
	default:
		return mica.Errorf(mica.EILLEGAL, "query parameter \"defaultFilter\" must be CORRELATED_ONLY or NONE, not %q", df)
	}
	page, err := s.Store.ListIdentities(r.Context(), opt)
	if err != nil {
		return err
	}
	writePage(w, page, identityDto)
	return nil
}

func (s *Server) getIdentity(w http.ResponseWriter, r *http.Request) error {
	i, err := s.Store.GetIdentity(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, identityDto(i))
	return nil
}
