package api

import (
	"net/http"

	"github.com/micahq/mica"
)

// registerMicaExtensions mounts mica's own operations, outside the ISC API
// under /mica/v1: how an identity comes to hold an access profile, and the
// full task of an account aggregation (with its messages).
func (s *Server) registerMicaExtensions() {
	manage := Auth{User: []string{ScopeAccessProfileMgmt}, Levels: []string{mica.LevelOrgAdmin}}
	read := Auth{User: []string{ScopeAccessProfileRead}, Levels: []string{mica.LevelOrgAdmin}}
	s.handleExtension(&Op{ID: "micaAssignAccessProfile", Method: http.MethodPost,
		Path: "/mica/v1/identities/{id}/access-profiles/{apId}", Auth: manage, Handle: s.assignAccessProfile})
	s.handleExtension(&Op{ID: "micaUnassignAccessProfile", Method: http.MethodDelete,
		Path: "/mica/v1/identities/{id}/access-profiles/{apId}", Auth: manage, Handle: s.unassignAccessProfile})
	s.handleExtension(&Op{ID: "micaListIdentityAccessProfiles", Method: http.MethodGet,
		Path: "/mica/v1/identities/{id}/access-profiles", Auth: read, Handle: s.listIdentityAccessProfiles})
	s.handleExtension(&Op{ID: "micaGetAccountAggregation", Method: http.MethodGet,
		Path: "/mica/v1/account-aggregations/{id}", Auth: Auth{Levels: sourceAdminLevels}, Handle: s.getAggregationTask})
}

func (s *Server) assignAccessProfile(w http.ResponseWriter, r *http.Request) error {
	if err := s.Store.AssignAccessProfile(r.Context(), r.PathValue("id"), r.PathValue("apId")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) unassignAccessProfile(w http.ResponseWriter, r *http.Request) error {
	if err := s.Store.UnassignAccessProfile(r.Context(), r.PathValue("id"), r.PathValue("apId")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) listIdentityAccessProfiles(w http.ResponseWriter, r *http.Request) error {
	aps, err := s.Store.ListIdentityAccessProfiles(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	out := make([]AccessProfileDto, 0, len(aps))
	for _, ap := range aps {
		out = append(out, accessProfileDto(ap))
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

func (s *Server) getAggregationTask(w http.ResponseWriter, r *http.Request) error {
	a, err := s.Store.GetAggregation(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, loadAccountsTask(a))
	return nil
}
