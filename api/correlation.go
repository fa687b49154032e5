package api

import (
	"net/http"

	"github.com/micahq/mica"
)

var sourceAdminLevels = []string{mica.LevelOrgAdmin, mica.LevelSourceAdmin, mica.LevelSourceSubadmin}

func (s *Server) registerCorrelation() {
	read := Auth{User: []string{ScopeSourcesRead, ScopeSourcesManage}, App: []string{ScopeSourcesRead, ScopeSourcesManage},
		Levels: sourceAdminLevels}
	manage := Auth{User: []string{ScopeSourcesManage}, App: []string{ScopeSourcesManage}, Levels: sourceAdminLevels}
	s.handle(&Op{ID: "getCorrelationConfig", Method: http.MethodGet, Path: "/sources/{id}/correlation-config",
		Versions: NoV3, Auth: read, AuthBy: map[Version]Auth{Beta: {User: read.User, Levels: read.Levels}},
		Handle: s.getCorrelationConfig})
	s.handle(&Op{ID: "putCorrelationConfig", Method: http.MethodPut, Path: "/sources/{id}/correlation-config",
		Versions: NoV3, Auth: manage, AuthBy: map[Version]Auth{Beta: {User: manage.User, Levels: manage.Levels}},
		Handle: s.putCorrelationConfig})
}

// CorrelationAssignmentDto is one attributeAssignments entry; sequence is beta only.
type CorrelationAssignmentDto struct {
	Sequence     *int    `json:"sequence,omitempty"`
	Property     string  `json:"property"`
	Value        string  `json:"value"`
	Operation    string  `json:"operation"`
	Complex      bool    `json:"complex"`
	IgnoreCase   *bool   `json:"ignoreCase"`
	MatchMode    *string `json:"matchMode,omitempty"`
	FilterString *string `json:"filterString,omitempty"`
}

// CorrelationConfigDto is the wire form of a CorrelationConfig (REFERENCE.md §14.6).
type CorrelationConfigDto struct {
	ID                   *string                    `json:"id"`
	Name                 *string                    `json:"name"`
	AttributeAssignments []CorrelationAssignmentDto `json:"attributeAssignments"`
}

func correlationDto(v Version, c *mica.CorrelationConfig) CorrelationConfigDto {
	d := CorrelationConfigDto{ID: optString(c.ID), Name: optString(c.Name), AttributeAssignments: []CorrelationAssignmentDto{}}
	if v == Beta && d.ID == nil {
		empty := ""
		d.ID = &empty // beta: id is not nullable
	}
	for i, a := range c.AttributeAssignments {
		ic := a.IgnoreCase
		x := CorrelationAssignmentDto{Property: a.Property, Value: a.Value, Operation: a.Operation, Complex: a.Complex,
			IgnoreCase: &ic, MatchMode: optString(a.MatchMode), FilterString: optString(a.FilterString)}
		if v == Beta {
			seq := i + 1
			if a.Sequence != nil {
				seq = *a.Sequence
			}
			x.Sequence = &seq
		}
		d.AttributeAssignments = append(d.AttributeAssignments, x)
	}
	return d
}

func (s *Server) getCorrelationConfig(w http.ResponseWriter, r *http.Request) error {
	c, err := s.Store.GetCorrelationConfig(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, correlationDto(VersionFrom(r.Context()), c))
	return nil
}

func (s *Server) putCorrelationConfig(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("id")
	if _, err := s.Store.GetSource(r.Context(), id); err != nil {
		return err
	}
	var req CorrelationConfigDto
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	c := &mica.CorrelationConfig{SourceID: id, AttributeAssignments: []mica.CorrelationAssignment{}}
	if req.Name != nil {
		c.Name = *req.Name
	}
	for _, a := range req.AttributeAssignments {
		// Matching is case-insensitive unless ignoreCase is given as false.
		x := mica.CorrelationAssignment{Sequence: a.Sequence, Property: a.Property, Value: a.Value,
			Operation: a.Operation, Complex: a.Complex, IgnoreCase: a.IgnoreCase == nil || *a.IgnoreCase}
		if a.MatchMode != nil {
			x.MatchMode = *a.MatchMode
		}
		if a.FilterString != nil {
			x.FilterString = *a.FilterString
		}
		c.AttributeAssignments = append(c.AttributeAssignments, x)
	}
	if err := s.Store.PutCorrelationConfig(r.Context(), c); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, correlationDto(VersionFrom(r.Context()), c))
	return nil
}
