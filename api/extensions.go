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
	s.handleExtension(&Op{ID: "micaTestSourceConnection", Method: http.MethodPost,
		Path: "/mica/v1/sources/{id}/test-connection", Auth: Auth{User: []string{ScopeSourcesManage}, Levels: []string{mica.LevelOrgAdmin}},
		Handle: s.testSourceConnection})
}

// ConnectionTestDto is the answer of test-connection, shaped like ISC's
// StatusResponse (id, name, status, elapsedMillis, details) with the failed
// step and a message naming the cause.
type ConnectionTestDto struct {
	ID            string         `json:"id"`
	Name          string         `json:"name"`
	Status        string         `json:"status"` // SUCCESS or FAILURE
	ElapsedMillis int64          `json:"elapsedMillis"`
	Step          *string        `json:"step"`    // configuration, connect, tls, bind or search; null on success
	Message       *string        `json:"message"` // null on success
	Details       map[string]any `json:"details"`
}

// testSourceConnection connects to a directory source's server, binds and
// looks up its search DNs. A failure to connect is an answer (200, FAILURE),
// not an error: only a source that is not a directory source is a 400.
func (s *Server) testSourceConnection(w http.ResponseWriter, r *http.Request) error {
	src, err := s.Store.GetSource(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	if !src.IsDirectory() {
		return mica.Errorf(mica.EILLEGAL, "source %q (connector %q) has no connection to test: only Active Directory and LDAP "+
			"sources connect to a server", src.Name, src.Connector)
	}
	if s.Connector == nil {
		return mica.Errorf(mica.EUNAVAILABLE, "this server cannot reach directories")
	}
	res := s.Connector.TestConnection(r.Context(), src)
	out := ConnectionTestDto{ID: src.ID, Name: src.Name, Status: "SUCCESS", Details: res.Details}
	if out.Details == nil {
		out.Details = map[string]any{}
	}
	if ms, ok := out.Details["elapsedMillis"].(int64); ok {
		out.ElapsedMillis = ms
		delete(out.Details, "elapsedMillis")
	}
	if !res.OK {
		out.Status, out.Step, out.Message = "FAILURE", &res.Step, &res.Message
	}
	writeJSON(w, http.StatusOK, out)
	return nil
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
