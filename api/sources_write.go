package api

import (
	"net/http"

	"github.com/micahq/mica"
)

func (s *Server) registerSourceWrites() {
	levels := []string{mica.LevelOrgAdmin, mica.LevelSourceAdmin, mica.LevelSourceSubadmin}
	manage := Auth{User: []string{ScopeSourcesManage}, App: []string{ScopeSourcesManage}, Levels: levels}
	betaManage := Auth{User: manage.User, App: manage.App} // beta declares no user levels on #27–29
	s.handle(&Op{ID: "createSource", Method: http.MethodPost, Path: "/sources", Versions: AllVersions, Auth: manage,
		Handle: s.createSource})
	s.handle(&Op{ID: "putSource", Method: http.MethodPut, Path: "/sources/{id}", Versions: AllVersions, Auth: manage,
		AuthBy: map[Version]Auth{Beta: betaManage}, Handle: s.putSource})
	s.handle(&Op{ID: "updateSource", Method: http.MethodPatch, Path: "/sources/{id}", Versions: AllVersions, Auth: manage,
		AuthBy: map[Version]Auth{Beta: betaManage}, Handle: s.patchSource})
	s.handle(&Op{ID: "deleteSource", IDs: map[Version]string{Beta: "delete"}, Method: http.MethodDelete, Path: "/sources/{id}", Versions: AllVersions, Auth: manage,
		AuthBy: map[Version]Auth{Beta: betaManage}, Handle: s.deleteSource})
}

// sourceRequest is the Source body of POST and PUT; pointers tell absent from given.
type sourceRequest struct {
	ID                        *string        `json:"id"`
	Name                      string         `json:"name"`
	Description               string         `json:"description"`
	Owner                     *mica.Ref      `json:"owner"`
	Cluster                   *mica.Ref      `json:"cluster"`
	Type                      *string        `json:"type"`
	Connector                 *string        `json:"connector"`
	ConnectorClass            *string        `json:"connectorClass"`
	ConnectorAttributes       map[string]any `json:"connectorAttributes"`
	DeleteThreshold           *int           `json:"deleteThreshold"`
	Authoritative             *bool          `json:"authoritative"`
	Features                  []string       `json:"features"`
	ManagementWorkgroup       *mica.Ref      `json:"managementWorkgroup"`
	CredentialProviderEnabled bool           `json:"credentialProviderEnabled"`
	Category                  *string        `json:"category"`
	PasswordPolicies          []mica.Ref     `json:"passwordPolicies"`
}

// sourcePatchable are the top-level Source members PATCH may change.
var sourcePatchable = []string{"name", "description", "owner", "cluster", "connectorAttributes", "deleteThreshold",
	"features", "managementWorkgroup", "credentialProviderEnabled", "category"}

// apply copies the request's mutable fields onto src (a full replace).
func (req *sourceRequest) apply(src *mica.Source) error {
	if req.Owner == nil || req.Owner.ID == "" {
		return mica.Errorf(mica.EMISSING, "owner is required: {\"type\": \"IDENTITY\", \"id\": ...}")
	}
	if req.Owner.Type != "" && req.Owner.Type != "IDENTITY" {
		return mica.Errorf(mica.EILLEGAL, "owner.type must be IDENTITY, not %q", req.Owner.Type)
	}
	if c := req.Cluster; c != nil && (c.ID == "" || c.Name == "" || c.Type != "CLUSTER") {
		return mica.Errorf(mica.EILLEGAL, "cluster needs type CLUSTER, id and name")
	}
	src.Name, src.Description, src.Owner = req.Name, req.Description, mica.Ref{Type: "IDENTITY", ID: req.Owner.ID}
	src.Cluster, src.ConnectorAttributes, src.Features = req.Cluster, req.ConnectorAttributes, req.Features
	src.DeleteThreshold = 0
	if req.DeleteThreshold != nil {
		src.DeleteThreshold = *req.DeleteThreshold
	}
	src.ManagementWorkgroup, src.CredentialProviderEnabled, src.Category = req.ManagementWorkgroup,
		req.CredentialProviderEnabled, req.Category
	return nil
}

func (s *Server) createSource(w http.ResponseWriter, r *http.Request) error {
	csv, err := queryBool(r, "provisionAsCsv", false)
	if err != nil {
		return err
	}
	var req sourceRequest
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	src := &mica.Source{}
	if err := req.apply(src); err != nil {
		return err
	}
	if req.Connector != nil {
		src.Connector = *req.Connector
	}
	if req.Type != nil {
		src.Type = *req.Type
	}
	if req.ConnectorClass != nil {
		src.ConnectorClass = *req.ConnectorClass
	}
	if req.Authoritative != nil {
		src.Authoritative = *req.Authoritative
	}
	if csv {
		src.MakeDelimitedFile()
	}
	if src.IsDirectory() {
		src.MakeDirectory()
	}
	if err := s.prepareSource(src, nil, true); err != nil {
		return err
	}
	if err := s.Store.CreateSource(r.Context(), src); err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, sourceDto(src))
	return nil
}

// prepareSource checks a directory source's connection settings and seals the
// secrets of src's connector attributes, keeping those of prev (the stored
// attributes, nil on create) as SealSecrets says.
func (s *Server) prepareSource(src *mica.Source, prev map[string]any, keepAbsent bool) error {
	if src.IsDirectory() {
		if _, err := mica.DirectoryConfigOf(src); err != nil {
			return err
		}
	}
	sealed, err := mica.SealSecrets(src.ConnectorAttributes, prev, s.Secrets, keepAbsent)
	if err != nil {
		return err
	}
	src.ConnectorAttributes = sealed
	return nil
}

// replaceSource applies req, a full replacement, to src, the stored source
// as the update transaction read it: the immutable fields req gives must
// match (mica.Source.CheckImmutable). keepAbsent keeps the stored secrets req
// leaves out (PUT).
func (s *Server) replaceSource(src *mica.Source, req *sourceRequest, keepAbsent bool) error {
	cur := *src
	for _, f := range []struct {
		given *string
		field *string
	}{{req.ID, &src.ID}, {req.Type, &src.Type}, {req.Connector, &src.Connector}, {req.ConnectorClass, &src.ConnectorClass}} {
		if f.given != nil {
			*f.field = *f.given
		}
	}
	if req.Authoritative != nil {
		src.Authoritative = *req.Authoritative
	}
	if err := src.CheckImmutable(&cur); err != nil {
		return err
	}
	if len(req.PasswordPolicies) > 0 {
		return mica.Errorf(mica.EILLEGAL, "passwordPolicies cannot be changed")
	}
	if err := req.apply(src); err != nil {
		return err
	}
	return s.prepareSource(src, cur.ConnectorAttributes, keepAbsent)
}

func (s *Server) putSource(w http.ResponseWriter, r *http.Request) error {
	if _, err := s.Store.GetSource(r.Context(), r.PathValue("id")); err != nil {
		return err
	}
	var req sourceRequest
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	src, err := s.Store.UpdateSource(r.Context(), r.PathValue("id"), func(src *mica.Source) error {
		return s.replaceSource(src, &req, true)
	})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, sourceDto(src))
	return nil
}

func (s *Server) patchSource(w http.ResponseWriter, r *http.Request) error {
	if _, err := s.Store.GetSource(r.Context(), r.PathValue("id")); err != nil {
		return err
	}
	ops, err := decodePatch(r)
	if err != nil {
		return err
	}
	// The patch applies to the source as the update transaction reads it, so
	// that concurrent patches each land.
	src, err := s.Store.UpdateSource(r.Context(), r.PathValue("id"), func(src *mica.Source) error {
		dto := sourceDto(src)
		dto.ConnectorAttributes = mica.MaskSecrets(src.ConnectorAttributes) // "replace" finds the password
		doc, err := toDocument(dto)
		if err != nil {
			return err
		}
		patched, err := applyPatch(doc, ops, sourcePatchable)
		if err != nil {
			return err
		}
		var req sourceRequest
		if err := fromDocument(patched, &req); err != nil {
			return err
		}
		return s.replaceSource(src, &req, false)
	})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, sourceDto(src))
	return nil
}

// TaskResultRef is the 202 body of DELETE /sources/{id}.
type TaskResultRef struct {
	Type string `json:"type"`
	ID   string `json:"id"`
	Name string `json:"name"` // the spec's example is null, but the field is not nullable (D5): the source's name
}

func (s *Server) deleteSource(w http.ResponseWriter, r *http.Request) error {
	src, err := s.Store.GetSource(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	if err := s.Store.DeleteSource(r.Context(), src.ID); err != nil {
		return err
	}
	writeJSON(w, http.StatusAccepted, TaskResultRef{Type: "TASK_RESULT", ID: mica.NewID(), Name: src.Name})
	return nil
}
