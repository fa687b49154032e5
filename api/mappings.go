package api

import (
	"bytes"
	"encoding/json"
	"net/http"

	"github.com/micahq/mica"
	"github.com/micahq/mica/query"
)

func (s *Server) registerMappings() {
	createLevels := append(append([]string{}, sourceAdminLevels...), mica.LevelRoleAdmin, mica.LevelRoleSubadmin)
	path := "/sources/{sourceId}/machine-account-mappings"
	s.handle(&Op{ID: "listMachineAccountMappings", Method: http.MethodGet, Path: path, Versions: Yearly2024Plus,
		Auth: sourcesRead, Experimental: Yearly2024Plus, Handle: s.listMappings})
	s.handle(&Op{ID: "createMachineAccountMappings", Method: http.MethodPost, Path: path, Versions: Yearly2024Plus,
		Auth: Auth{User: sourcesManage.User, App: sourcesManage.App, Levels: createLevels}, Experimental: Yearly2024Plus,
		NotFoundIs400: true, Handle: s.createMappings})
	s.handle(&Op{ID: "deleteMachineAccountMappings", Method: http.MethodDelete, Path: path, Versions: Yearly2024Plus,
		Auth: sourcesManage, Experimental: Yearly2024Plus, Handle: s.deleteMappings})
	// PUT lives at /machine-mappings (sic) and declares no experimental header (defects 2, 6).
	s.handle(&Op{ID: "setMachineAccountMappings", Method: http.MethodPut, Path: "/sources/{sourceId}/machine-mappings",
		Versions: Yearly2024Plus, Auth: sourcesManage, Handle: s.setMappings})
	// mica extension: the state of the job that re-applies a source's mappings.
	s.handle(&Op{ID: "micaGetMachineAccountMappingsJob", Method: http.MethodGet, Path: path + "/job",
		Versions: []Version{Mica}, Auth: sourcesRead, Handle: s.getMappingJob})
}

func (s *Server) listMappings(w http.ResponseWriter, r *http.Request) error {
	opt, err := listOptions(r, query.ListMachineAccountMappings)
	if err != nil {
		return err
	}
	ms, err := s.Store.GetMappings(r.Context(), r.PathValue("sourceId"))
	if err != nil {
		return err
	}
	out := []*mica.MachineAccountMapping{}
	for i := opt.Offset; i < len(ms) && len(out) < opt.Limit; i++ {
		out = append(out, ms[i])
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// decodeMappings reads a mapping body: one object, as the spec has it, or an array of them.
func decodeMappings(r *http.Request) ([]*mica.MachineAccountMapping, error) {
	var raw json.RawMessage
	if err := decodeJSON(r, &raw); err != nil {
		return nil, err
	}
	var ms []*mica.MachineAccountMapping
	var err error
	if t := bytes.TrimSpace(raw); len(t) > 0 && t[0] == '[' {
		err = json.Unmarshal(t, &ms)
	} else {
		var m *mica.MachineAccountMapping
		if err = json.Unmarshal(t, &m); err == nil {
			ms = []*mica.MachineAccountMapping{m}
		}
	}
	if err != nil {
		return nil, mica.Errorf(mica.EINVALID, "the body must be a mapping object or an array of them: %s", err.Error())
	}
	if len(ms) == 0 {
		return nil, mica.Errorf(mica.EMISSING, "the body holds no mapping")
	}
	return ms, nil
}

func (s *Server) createMappings(w http.ResponseWriter, r *http.Request) error {
	add, err := decodeMappings(r)
	if err != nil {
		return err
	}
	ms, _, err := s.Store.SetMappings(r.Context(), r.PathValue("sourceId"),
		func(cur []*mica.MachineAccountMapping) ([]*mica.MachineAccountMapping, error) {
			return append(cur, add...), nil
		})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, ms)
	return nil
}

func (s *Server) setMappings(w http.ResponseWriter, r *http.Request) error {
	next, err := decodeMappings(r)
	if err != nil {
		return err
	}
	ms, _, err := s.Store.SetMappings(r.Context(), r.PathValue("sourceId"),
		func([]*mica.MachineAccountMapping) ([]*mica.MachineAccountMapping, error) { return next, nil })
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, ms)
	return nil
}

func (s *Server) deleteMappings(w http.ResponseWriter, r *http.Request) error {
	_, _, err := s.Store.SetMappings(r.Context(), r.PathValue("sourceId"),
		func([]*mica.MachineAccountMapping) ([]*mica.MachineAccountMapping, error) { return nil, nil })
	if err != nil {
		return err
	}
	w.WriteHeader(http.StatusOK) // declared 200, described "No content" (defect 6)
	return nil
}

// MappingJobDto is the state of a mapping re-apply job (mica extension).
type MappingJobDto struct {
	ID       string           `json:"id"`
	SourceID string           `json:"sourceId"`
	Status   string           `json:"status"`
	Reason   string           `json:"reason,omitempty"`
	Started  Time             `json:"started"`
	Updated  *Time            `json:"updated"`
	Counts   map[string]int64 `json:"counts"`
}

func (s *Server) getMappingJob(w http.ResponseWriter, r *http.Request) error {
	j, err := s.Store.GetMappingJob(r.Context(), r.PathValue("sourceId"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, MappingJobDto{ID: j.ID, SourceID: j.SourceID, Status: j.Status, Reason: j.Reason,
		Started: Time(j.Started), Updated: TimePtr(j.Updated),
		Counts: map[string]int64{"EXPECTED": j.Expected, "PROCESSED": j.Processed, "CHANGED": j.Changed}})
	return nil
}
