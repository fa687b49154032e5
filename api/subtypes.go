package api

import (
	"net/http"
	"sort"
	"strconv"

	"github.com/micahq/mica"
	"github.com/micahq/mica/query"
)

// V2026Plus are the versions of the newer machine identity security operations (REFERENCE.md §15.1).
var V2026Plus = []Version{V2026, V1}

// sourcesRead and sourcesManage are the rights of the subtype and mapping operations.
var (
	sourcesRead = Auth{User: []string{ScopeSourcesRead, ScopeSourcesManage}, App: []string{ScopeSourcesRead, ScopeSourcesManage},
		Levels: sourceAdminLevels}
	sourcesManage = Auth{User: []string{ScopeSourcesManage}, App: []string{ScopeSourcesManage}, Levels: sourceAdminLevels}
)

// sourcePair is the pattern GET /sources/subtypes/{subtypeId} and GET
// /sources/{sourceId}/subtypes share (REFERENCE.md §15.5 defect 5).
const sourcePair = "/sources/{segment1}/{segment2}"

func (s *Server) registerSubtypes() {
	s.handle(&Op{ID: "listSourceSubtypes", Method: http.MethodGet, Path: "/source-subtypes", Versions: V2026Plus,
		Auth: sourcesRead, Experimental: V2026Plus, Handle: s.listSourceSubtypes})
	s.handle(&Op{ID: "createSourceSubtype", Method: http.MethodPost, Path: "/source-subtypes", Versions: V2026Plus,
		Auth: sourcesManage, Experimental: V2026Plus, Handle: s.createSourceSubtype})
	s.handle(&Op{ID: "loadBulkSourceSubtypes", Method: http.MethodPost, Path: "/source-subtypes/bulk-retrieve",
		Versions: V2026Plus, Auth: sourcesManage, Experimental: V2026Plus, Handle: s.bulkSubtypes})
	s.handle(&Op{ID: "getSourceSubtypeById", Method: http.MethodGet, Path: "/source-subtypes/{subtypeId}", Versions: V2026Plus,
		Auth: sourcesRead, Experimental: V2026Plus, Handle: s.getSourceSubtype})
	s.handle(&Op{ID: "patchMachineAccountSubtype", Method: http.MethodPatch, Path: "/source-subtypes/{subtypeId}",
		Versions: V2026Plus, Auth: sourcesManage, Experimental: V2026Plus, Handle: s.patchSourceSubtype})
	s.handle(&Op{ID: "deleteMachineAccountSubtype", Method: http.MethodDelete, Path: "/source-subtypes/{subtypeId}",
		Versions: V2026Plus, Auth: sourcesManage, Experimental: V2026Plus, Handle: s.deleteSourceSubtype})

	// The per-source family, deprecated in favour of /source-subtypes (and
	// served in v2025, which has no successor: defect 4).
	s.handle(&Op{ID: "listMachineAccountSubtypes", Method: http.MethodGet, Path: "/sources/{sourceId}/subtypes",
		Shares: sourcePair, Versions: Yearly2025Plus, Auth: sourcesRead, Experimental: Yearly2025Plus,
		NotFoundIs400: true, Handle: s.listMachineAccountSubtypes})
	s.handle(&Op{ID: "createMachineAccountSubtype", Method: http.MethodPost, Path: "/sources/{sourceId}/subtypes",
		Versions: Yearly2025Plus, Auth: sourcesManage, Experimental: Yearly2025Plus, NotFoundIs400: true,
		Handle: s.createMachineAccountSubtype})
	s.handle(&Op{ID: "getMachineAccountSubtypeByTechnicalName", Method: http.MethodGet,
		Path: "/sources/{sourceId}/subtypes/{technicalName}", Versions: Yearly2025Plus, Auth: sourcesRead,
		Experimental: Yearly2025Plus, Handle: s.getSubtypeByName})
	s.handle(&Op{ID: "patchMachineAccountSubtypeByTechnicalName", Method: http.MethodPatch,
		IDs:  map[Version]string{V2025: "patchMachineAccountSubtype"}, // v2025 names it as v2026 names /source-subtypes/{id}'s
		Path: "/sources/{sourceId}/subtypes/{technicalName}", Versions: Yearly2025Plus, Auth: sourcesManage,
		Experimental: Yearly2025Plus, Handle: s.patchSubtypeByName})
	s.handle(&Op{ID: "deleteMachineAccountSubtypeByTechnicalName", Method: http.MethodDelete,
		IDs:  map[Version]string{V2025: "deleteMachineAccountSubtype"},
		Path: "/sources/{sourceId}/subtypes/{technicalName}", Versions: Yearly2025Plus, Auth: sourcesManage,
		Experimental: Yearly2025Plus, Handle: s.deleteSubtypeByName})
	s.handle(&Op{ID: "getMachineAccountSubtypeById", Method: http.MethodGet, Path: "/sources/subtypes/{subtypeId}",
		Shares: sourcePair, Versions: Yearly2025Plus, Auth: sourcesRead, Experimental: Yearly2025Plus,
		Handle: s.getLegacySubtype})

	cfgLevels := []string{mica.LevelOrgAdmin, mica.LevelSourceAdmin, mica.LevelSourceSubadmin, mica.LevelAPI}
	s.handle(&Op{ID: "getMachineAccountSubtypeApprovalConfig", Method: http.MethodGet,
		Path: "/source-subtypes/{subtypeId}/machine-config", Versions: V2026Plus, Experimental: V2026Plus,
		Auth: Auth{User: []string{ScopeSubtypesRead, ScopeSubtypesManagement}, Levels: cfgLevels}, Handle: s.getSubtypeConfig})
	s.handle(&Op{ID: "updateMachineAccountSubtypeApprovalConfig", Method: http.MethodPatch,
		Path: "/source-subtypes/{subtypeId}/machine-config", Versions: V2026Plus, Experimental: V2026Plus,
		Auth:   Auth{User: []string{ScopeSubtypesDelete, ScopeSubtypesUpdate, ScopeSubtypesManagement}, Levels: cfgLevels},
		Handle: s.patchSubtypeConfig})
	s.handle(&Op{ID: "getMachineAccountCreateAccessInfo", Method: http.MethodGet,
		Path: "/source-subtypes/machine-account-create-access", Versions: V2026Plus, Experimental: V2026Plus,
		Auth: Auth{Levels: []string{mica.LevelUser, mica.LevelAPI}}, Handle: s.createAccess})
}

// SourceSubtypeDto is a subtype of the /source-subtypes family (REFERENCE.md §15.2).
type SourceSubtypeDto struct {
	ID            string   `json:"id"`
	SourceID      string   `json:"sourceId"`
	TechnicalName string   `json:"technicalName"`
	DisplayName   string   `json:"displayName"`
	Description   string   `json:"description"`
	Created       Time     `json:"created"`
	Modified      Time     `json:"modified"`
	Type          string   `json:"type,omitempty"`
	Source        mica.Ref `json:"source"`
	SystemManaged bool     `json:"systemManaged"`
}

// SubtypeDto is a subtype of the deprecated per-source family (no source, no systemManaged).
type SubtypeDto struct {
	ID            string `json:"id"`
	SourceID      string `json:"sourceId"`
	TechnicalName string `json:"technicalName"`
	DisplayName   string `json:"displayName"`
	Description   string `json:"description"`
	Created       Time   `json:"created"`
	Modified      Time   `json:"modified"`
	Type          string `json:"type,omitempty"`
}

func sourceSubtypeDto(st *mica.Subtype) SourceSubtypeDto {
	return SourceSubtypeDto{ID: st.ID, SourceID: st.SourceID, TechnicalName: st.TechnicalName, DisplayName: st.DisplayName,
		Description: st.Description, Created: Time(st.Created), Modified: Time(st.Modified), Type: st.Type,
		Source: mica.Ref{Type: "SOURCE", ID: st.SourceID, Name: st.SourceName}, SystemManaged: st.SystemManaged}
}

func subtypeDto(st *mica.Subtype) SubtypeDto {
	return SubtypeDto{ID: st.ID, SourceID: st.SourceID, TechnicalName: st.TechnicalName, DisplayName: st.DisplayName,
		Description: st.Description, Created: Time(st.Created), Modified: Time(st.Modified), Type: st.Type}
}

// subtypeRequest is the body of #42 (with sourceId) and #48 (without).
type subtypeRequest struct {
	SourceID      *string `json:"sourceId"`
	TechnicalName *string `json:"technicalName"`
	DisplayName   *string `json:"displayName"`
	Description   *string `json:"description"`
	Type          *string `json:"type"`
}

func (req *subtypeRequest) subtype(sourceID string) (*mica.Subtype, error) {
	for _, f := range []struct {
		name string
		v    *string
	}{{"technicalName", req.TechnicalName}, {"displayName", req.DisplayName}, {"description", req.Description}} {
		if f.v == nil {
			return nil, mica.Errorf(mica.EMISSING, "%s is required", f.name)
		}
	}
	st := &mica.Subtype{SourceID: sourceID, TechnicalName: *req.TechnicalName, DisplayName: *req.DisplayName,
		Description: *req.Description}
	if req.Type != nil {
		st.Type = *req.Type
	}
	return st, nil
}

func (s *Server) listSourceSubtypes(w http.ResponseWriter, r *http.Request) error {
	opt, err := listOptions(r, query.ListSourceSubtypes)
	if err != nil {
		return err
	}
	page, err := s.Store.ListSubtypes(r.Context(), "", opt)
	if err != nil {
		return err
	}
	writePage(w, page, sourceSubtypeDto)
	return nil
}

func (s *Server) createSourceSubtype(w http.ResponseWriter, r *http.Request) error {
	var req subtypeRequest
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	if req.SourceID == nil || *req.SourceID == "" {
		return mica.Errorf(mica.EMISSING, "sourceId is required")
	}
	st, err := req.subtype(*req.SourceID)
	if err != nil {
		return err
	}
	if err := s.Store.CreateSubtype(r.Context(), st); err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, sourceSubtypeDto(st))
	return nil
}

func (s *Server) bulkSubtypes(w http.ResponseWriter, r *http.Request) error {
	var ids []string
	if err := decodeJSON(r, &ids); err != nil {
		return err
	}
	if len(ids) == 0 {
		return mica.Errorf(mica.EMISSING, "the body must list at least one subtype id")
	}
	if len(ids) > mica.MaxBulkSubtypeIDs {
		return mica.Errorf(mica.EILLEGAL, "the body lists %d subtype ids; at most %d are allowed", len(ids), mica.MaxBulkSubtypeIDs)
	}
	sts, err := s.Store.GetSubtypes(r.Context(), ids)
	if err != nil {
		return err
	}
	out := make([]SourceSubtypeDto, 0, len(sts))
	for _, st := range sts {
		out = append(out, sourceSubtypeDto(st))
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

func (s *Server) getSourceSubtype(w http.ResponseWriter, r *http.Request) error {
	st, err := s.Store.GetSubtype(r.Context(), r.PathValue("subtypeId"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, sourceSubtypeDto(st))
	return nil
}

// subtypePatchable are the members a subtype PATCH may change (§15.2).
var subtypePatchable = []string{"displayName", "description"}

// patchSubtype applies a JSON Patch to the subtype with id, its document drawn by doc.
func (s *Server) patchSubtype(r *http.Request, id string, doc func(*mica.Subtype) any) (*mica.Subtype, error) {
	ops, err := decodePatch(r)
	if err != nil {
		return nil, err
	}
	return s.Store.UpdateSubtype(r.Context(), id, func(st *mica.Subtype) error {
		d, err := toDocument(doc(st))
		if err != nil {
			return err
		}
		out, err := applyPatch(d, ops, subtypePatchable)
		if err != nil {
			return err
		}
		var p struct {
			DisplayName *string `json:"displayName"`
			Description *string `json:"description"`
		}
		if err := fromDocument(out, &p); err != nil {
			return err
		}
		if p.DisplayName == nil || p.Description == nil {
			return mica.Errorf(mica.EMISSING, "displayName and description cannot be removed")
		}
		st.DisplayName, st.Description = *p.DisplayName, *p.Description
		return nil
	})
}

func (s *Server) patchSourceSubtype(w http.ResponseWriter, r *http.Request) error {
	st, err := s.patchSubtype(r, r.PathValue("subtypeId"), func(st *mica.Subtype) any { return sourceSubtypeDto(st) })
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, sourceSubtypeDto(st))
	return nil
}

func (s *Server) deleteSourceSubtype(w http.ResponseWriter, r *http.Request) error {
	if err := s.Store.DeleteSubtype(r.Context(), r.PathValue("subtypeId")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) listMachineAccountSubtypes(w http.ResponseWriter, r *http.Request) error {
	opt, err := listOptions(r, query.ListMachineAccountSubtypes)
	if err != nil {
		return err
	}
	page, err := s.Store.ListSubtypes(r.Context(), r.PathValue("sourceId"), opt)
	if err != nil {
		return err
	}
	writePage(w, page, subtypeDto)
	return nil
}

func (s *Server) createMachineAccountSubtype(w http.ResponseWriter, r *http.Request) error {
	var req subtypeRequest
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	st, err := req.subtype(r.PathValue("sourceId"))
	if err != nil {
		return err
	}
	if err := s.Store.CreateSubtype(r.Context(), st); err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, subtypeDto(st))
	return nil
}

func (s *Server) getSubtypeByName(w http.ResponseWriter, r *http.Request) error {
	st, err := s.Store.GetSubtypeByName(r.Context(), r.PathValue("sourceId"), r.PathValue("technicalName"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, subtypeDto(st))
	return nil
}

func (s *Server) patchSubtypeByName(w http.ResponseWriter, r *http.Request) error {
	st, err := s.Store.GetSubtypeByName(r.Context(), r.PathValue("sourceId"), r.PathValue("technicalName"))
	if err != nil {
		return err
	}
	st, err = s.patchSubtype(r, st.ID, func(st *mica.Subtype) any { return subtypeDto(st) })
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, subtypeDto(st))
	return nil
}

func (s *Server) deleteSubtypeByName(w http.ResponseWriter, r *http.Request) error {
	st, err := s.Store.GetSubtypeByName(r.Context(), r.PathValue("sourceId"), r.PathValue("technicalName"))
	if err != nil {
		return err
	}
	if err := s.Store.DeleteSubtype(r.Context(), st.ID); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) getLegacySubtype(w http.ResponseWriter, r *http.Request) error {
	st, err := s.Store.GetSubtype(r.Context(), r.PathValue("subtypeId"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, subtypeDto(st))
	return nil
}

// SubtypeConfigDto is a subtype's approval config (#53).
type SubtypeConfigDto struct {
	SubtypeID string `json:"subtypeId"`
	mica.SubtypeConfig
}

func (s *Server) getSubtypeConfig(w http.ResponseWriter, r *http.Request) error {
	st, err := s.Store.GetSubtype(r.Context(), r.PathValue("subtypeId"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, SubtypeConfigDto{SubtypeID: st.ID, SubtypeConfig: st.Config})
	return nil
}

// patchSubtypeConfig edits the approval config. Enabling account creation
// creates the subtype's entitlement (its id is then fixed): holding it, through
// an access profile of the subtype's source, is what lets an identity request
// accounts of the subtype.
func (s *Server) patchSubtypeConfig(w http.ResponseWriter, r *http.Request) error {
	ops, err := decodePatch(r)
	if err != nil {
		return err
	}
	st, err := s.Store.UpdateSubtype(r.Context(), r.PathValue("subtypeId"), func(st *mica.Subtype) error {
		doc, err := toDocument(SubtypeConfigDto{SubtypeID: st.ID, SubtypeConfig: st.Config})
		if err != nil {
			return err
		}
		// Members the response leaves out while unset are there to be replaced.
		fill := func(member string, keys ...string) {
			if m, ok := doc[member].(map[string]any); ok {
				for _, k := range keys {
					if _, ok := m[k]; !ok {
						m[k] = nil
					}
				}
			}
		}
		fill("machineAccountCreate", "formId", "entitlementId", "passwordSetting", "passwordAttribute", "approvalConfig")
		fill("machineAccountDelete", "approvalConfig")
		out, err := applyPatch(doc, ops, []string{"machineAccountCreate", "machineAccountDelete"})
		if err != nil {
			return err
		}
		var c mica.SubtypeConfig
		if err := fromDocument(out, &c); err != nil {
			return err
		}
		if c.Create.EntitlementID != st.Config.Create.EntitlementID {
			return mica.Errorf(mica.EILLEGAL, "machineAccountCreate.entitlementId is created by the system and cannot be set")
		}
		if c.Create.AccountCreateEnabled && c.Create.EntitlementID == "" {
			c.Create.EntitlementID = mica.NewID()
		}
		st.Config = c
		return nil
	})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, SubtypeConfigDto{SubtypeID: st.ID, SubtypeConfig: st.Config})
	return nil
}

// CreateAccessDto is one source of getMachineAccountCreateAccessInfo (#57).
type CreateAccessDto struct {
	SourceID   string                   `json:"sourceId"`
	SourceName string                   `json:"sourceName"`
	Subtypes   []CreateAccessSubtypeDto `json:"subtypes"`
}

// CreateAccessSubtypeDto is one subtype the caller may request accounts of.
type CreateAccessSubtypeDto struct {
	SubtypeID            string `json:"subtypeId"`
	EntitlementID        string `json:"entitlementId"`
	SubtypeDisplayName   string `json:"subtypeDisplayName"`
	SubtypeTechnicalName string `json:"subtypeTechnicalName"`
}

// creatableSubtypes lists the subtypes the caller may request accounts of (mica.CreatableSubtypes).
func (s *Server) creatableSubtypes(r *http.Request) ([]*mica.Subtype, error) {
	p := PrincipalFrom(r.Context())
	if p == nil || p.IdentityID == "" {
		return nil, nil
	}
	held, err := s.Store.ListIdentityAccessProfiles(r.Context(), p.IdentityID)
	if err != nil {
		return nil, err
	}
	var all []*mica.Subtype
	for off := 0; ; off += query.MaxLimit {
		page, err := s.Store.ListSubtypes(r.Context(), "", mica.ListOptions{Limit: query.MaxLimit, Offset: off})
		if err != nil {
			return nil, err
		}
		all = append(all, page.Items...)
		if len(page.Items) < query.MaxLimit {
			break
		}
	}
	return mica.CreatableSubtypes(all, held), nil
}

func (s *Server) createAccess(w http.ResponseWriter, r *http.Request) error {
	limit, offset, err := int64Page(r)
	if err != nil {
		return err
	}
	sts, err := s.creatableSubtypes(r)
	if err != nil {
		return err
	}
	bySource := map[string]*CreateAccessDto{}
	var out []*CreateAccessDto
	for _, st := range sts {
		d := bySource[st.SourceID]
		if d == nil {
			d = &CreateAccessDto{SourceID: st.SourceID, SourceName: st.SourceName}
			bySource[st.SourceID] = d
			out = append(out, d)
		}
		d.Subtypes = append(d.Subtypes, CreateAccessSubtypeDto{SubtypeID: st.ID, EntitlementID: st.Config.Create.EntitlementID,
			SubtypeDisplayName: st.DisplayName, SubtypeTechnicalName: st.TechnicalName})
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].SourceName < out[j].SourceName })
	page := []*CreateAccessDto{}
	for i := offset; i < int64(len(out)) && int64(len(page)) < limit; i++ {
		page = append(page, out[i])
	}
	writeJSON(w, http.StatusOK, page)
	return nil
}

// int64Page reads #57's limit and offset: int64, offset without a minimum
// (a negative one reads as 0), limit 0–250 with 250 the default.
func int64Page(r *http.Request) (limit, offset int64, err error) {
	q := r.URL.Query()
	limit = query.MaxLimit
	if v := q.Get("limit"); v != "" {
		if limit, err = strconv.ParseInt(v, 10, 64); err != nil || limit < 0 || limit > query.MaxLimit {
			return 0, 0, mica.Errorf(mica.EILLEGAL, "limit must be an integer between 0 and %d, not %q", query.MaxLimit, v)
		}
	}
	if v := q.Get("offset"); v != "" {
		if offset, err = strconv.ParseInt(v, 10, 64); err != nil {
			return 0, 0, mica.Errorf(mica.EILLEGAL, "offset must be an integer, not %q", v)
		}
		offset = max(offset, 0)
	}
	return limit, offset, nil
}
