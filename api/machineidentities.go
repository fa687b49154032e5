package api

import (
	"encoding/json"
	"net/http"
	"strings"

	"github.com/micahq/mica"
	"github.com/micahq/mica/query"
)

func (s *Server) registerMachineIdentities() {
	readLevels := []string{mica.LevelOrgAdmin, mica.LevelSourceAdmin, mica.LevelSourceSubadmin, mica.LevelHelpdesk}
	orgAdmin := []string{mica.LevelOrgAdmin}
	list := Auth{User: []string{ScopeMISIdentityRead, ScopeMISIdentityManage}, Levels: readLevels}
	read := Auth{User: []string{ScopeMISIdentityRead}, Levels: readLevels}
	manage := Auth{User: []string{ScopeMISIdentityManage}, App: []string{ScopeMISIdentityManage}, Levels: orgAdmin}
	s.handle(&Op{ID: "listMachineIdentities", Method: http.MethodGet, Path: "/machine-identities", Versions: Yearly2024Plus,
		Auth: list, Experimental: Yearly2024Plus, Handle: s.listMachineIdentities})
	s.handle(&Op{ID: "createMachineIdentity", Method: http.MethodPost, Path: "/machine-identities", Versions: Yearly2024Plus,
		Auth: manage, Experimental: Yearly2024Plus, Handle: s.createMachineIdentity})
	s.handle(&Op{ID: "getMachineIdentity", Method: http.MethodGet, Path: "/machine-identities/{id}", Versions: Yearly2024Plus,
		Auth: read, Experimental: Yearly2024Plus, Handle: s.getMachineIdentity})
	s.handle(&Op{ID: "updateMachineIdentity", Method: http.MethodPatch, Path: "/machine-identities/{id}", Versions: Yearly2024Plus,
		Auth: manage, Experimental: Yearly2024Plus, Handle: s.updateMachineIdentity})
	s.handle(&Op{ID: "deleteMachineIdentity", Method: http.MethodDelete, Path: "/machine-identities/{id}", Versions: Yearly2024Plus,
		Auth: manage, Experimental: Yearly2024Plus, Handle: s.deleteMachineIdentity})
	s.handle(&Op{ID: "listMachineIdentityUserEntitlements", Method: http.MethodGet, Path: "/machine-identity-user-entitlements",
		Versions: Yearly2025Plus, Auth: read, Experimental: Yearly2025Plus, Handle: s.listMachineIdentityEntitlements})

	// The per-service v2 (#70–74): applicationAuth on reads too, no experimental header.
	v2 := []Version{V2}
	v2Read := Auth{User: list.User, App: list.User, Levels: readLevels}
	s.handle(&Op{ID: "listMachineIdentitiesV2", Method: http.MethodGet, Path: "/machine-identities", Versions: v2,
		Auth: v2Read, Handle: s.listMachineIdentities})
	s.handle(&Op{ID: "createMachineIdentityV2", Method: http.MethodPost, Path: "/machine-identities", Versions: v2,
		Auth: manage, Handle: s.createMachineIdentity})
	s.handle(&Op{ID: "getMachineIdentityV2", Method: http.MethodGet, Path: "/machine-identities/{id}", Versions: v2,
		Auth: v2Read, Handle: s.getMachineIdentity})
	s.handle(&Op{ID: "updateMachineIdentityV2", Method: http.MethodPatch, Path: "/machine-identities/{id}", Versions: v2,
		Auth: manage, Handle: s.updateMachineIdentity})
	s.handle(&Op{ID: "deleteMachineIdentityV2", Method: http.MethodDelete, Path: "/machine-identities/{id}", Versions: v2,
		Auth: manage, Handle: s.deleteMachineIdentity})
}

// machineIdentityForm is the allowlist of listMachineIdentities in version v.
func machineIdentityForm(v Version) mica.MachineIdentityForm {
	switch v {
	case V2024:
		return mica.MachineIdentityFormV2024
	case V2025:
		return mica.MachineIdentityFormV2025
	case V2:
		return mica.MachineIdentityFormV2
	}
	return mica.MachineIdentityFormV2026
}

// machineIdentityDoc is the wire form of a machine identity in version v
// (REFERENCE.md §15.2 "MI" and "MIv2"). With full, every member the version
// has is present, empty or not: the document a JSON Patch applies to.
func machineIdentityDoc(v Version, m *mica.MachineIdentity, full bool) map[string]any {
	d := map[string]any{"id": m.ID, "name": m.Name, "created": Time(m.Created), "modified": Time(m.Modified)}
	opt := func(k, val string) {
		if val != "" || full {
			d[k] = val
		}
	}
	attrs := m.Attributes
	if attrs == nil {
		attrs = map[string]any{}
	}
	d["attributes"] = attrs
	opt("description", m.Description)
	if v == V2024 {
		d["businessApplication"] = m.BusinessApplication
		d["manuallyEdited"] = m.ManuallyEdited
		return d
	}
	if v == V2025 {
		d["businessApplication"] = m.BusinessApplication
	}
	d["subtype"] = m.Subtype
	if v == V2025 {
		opt("nativeIdentity", m.NativeIdentity)
	} else {
		d["nativeIdentity"] = m.NativeIdentity
	}
	opt("sourceId", m.SourceID)
	opt("uuid", m.UUID)
	opt("datasetId", m.DatasetID)
	d["manuallyEdited"], d["manuallyCreated"] = m.ManuallyEdited, m.ManuallyCreated
	if m.SourceID != "" {
		d["source"] = mica.Ref{Type: "SOURCE", ID: m.SourceID, Name: m.SourceName}
	}
	ents := make([]map[string]any, 0, len(m.UserEntitlements))
	for _, e := range m.UserEntitlements {
		ents = append(ents, map[string]any{"sourceId": e.SourceID, "entitlementId": e.EntitlementID,
			"displayName": e.DisplayName, "source": mica.Ref{Type: "SOURCE", ID: e.SourceID, Name: e.SourceName}})
	}
	d["userEntitlements"] = ents
	secondary := m.SecondaryOwners
	if secondary == nil {
		secondary = []mica.Ref{}
	}
	if v == V2 {
		owners := map[string]any{"secondary": secondary}
		if m.PrimaryOwner != nil {
			owners["primary"] = m.PrimaryOwner
		}
		if m.PrimaryOwner != nil || full {
			d["owners"] = owners
		}
		d["connectorAttributes"] = orEmpty(m.ConnectorAttributes)
		opt("environment", m.Environment)
		opt("existsOnSource", m.ExistsOnSource)
		if st := m.Status(); st != "" {
			d["status"] = st
		} else {
			d["status"] = nil
		}
		if m.Resource != nil {
			d["resource"] = m.Resource
		}
	} else if m.PrimaryOwner != nil {
		d["owners"] = map[string]any{"primaryIdentity": m.PrimaryOwner, "secondaryIdentities": secondary}
	} else if full {
		d["owners"] = map[string]any{"secondaryIdentities": secondary}
	}
	if v == V2026 || v == V2 {
		// Business applications are a tenant feature mica does not have: the
		// fields are null (REFERENCE.md §15.4).
		d["businessApplicationRefs"], d["effectiveSanctionedStatus"] = nil, nil
	}
	return d
}

func orEmpty(m map[string]any) map[string]any {
	if m == nil {
		return map[string]any{}
	}
	return m
}

// machineIdentityInput is a machine identity as a client writes it: the
// members of every version, pointers telling absent from given.
type machineIdentityInput struct {
	Name                *string                       `json:"name"`
	Description         *string                       `json:"description"`
	Subtype             *string                       `json:"subtype"`
	BusinessApplication *string                       `json:"businessApplication"`
	NativeIdentity      *string                       `json:"nativeIdentity"`
	UUID                *string                       `json:"uuid"`
	SourceID            *string                       `json:"sourceId"`
	DatasetID           *string                       `json:"datasetId"`
	Environment         *string                       `json:"environment"`
	ExistsOnSource      *string                       `json:"existsOnSource"`
	Attributes          map[string]any                `json:"attributes"`
	ConnectorAttributes map[string]any                `json:"connectorAttributes"`
	Resource            *mica.MachineIdentityResource `json:"resource"`
	Owners              *ownersInput                  `json:"owners"`
	UserEntitlements    []userEntitlementInput        `json:"userEntitlements"`
	ManuallyEdited      *bool                         `json:"manuallyEdited"`
	BusinessAppRefs     json.RawMessage               `json:"businessApplicationRefs"`
}

type ownersInput struct {
	PrimaryIdentity     *mica.Ref  `json:"primaryIdentity"`
	SecondaryIdentities []mica.Ref `json:"secondaryIdentities"`
	Primary             *mica.Ref  `json:"primary"`
	Secondary           []mica.Ref `json:"secondary"`
}

type userEntitlementInput struct {
	EntitlementID string `json:"entitlementId"`
	SourceID      string `json:"sourceId"`
}

// apply sets m from the input as version v reads it; creating tells a create
// (required members checked) from a patched document.
func (in *machineIdentityInput) apply(v Version, m *mica.MachineIdentity, creating bool) error {
	required := []struct {
		name string
		val  *string
	}{{"name", in.Name}}
	switch v {
	case V2024:
		required = append(required, struct {
			name string
			val  *string
		}{"businessApplication", in.BusinessApplication})
	case V2025:
		required = append(required, struct {
			name string
			val  *string
		}{"businessApplication", in.BusinessApplication}, struct {
			name string
			val  *string
		}{"subtype", in.Subtype})
	case V2026, V1:
		required = append(required, struct {
			name string
			val  *string
		}{"nativeIdentity", in.NativeIdentity}, struct {
			name string
			val  *string
		}{"subtype", in.Subtype})
	}
	for _, r := range required {
		if r.val == nil || strings.TrimSpace(*r.val) == "" {
			return mica.Errorf(mica.EMISSING, "%s is required", r.name)
		}
	}
	if len(in.BusinessAppRefs) > 0 && string(in.BusinessAppRefs) != "null" && string(in.BusinessAppRefs) != "[]" {
		return mica.Errorf(mica.EILLEGAL, "businessApplicationRefs cannot be set: business applications are off in this tenant")
	}
	set := func(dst *string, src *string) {
		if src != nil {
			*dst = *src
		} else if !creating {
			*dst = ""
		}
	}
	set(&m.Name, in.Name)
	set(&m.Description, in.Description)
	set(&m.Subtype, in.Subtype)
	set(&m.NativeIdentity, in.NativeIdentity)
	set(&m.UUID, in.UUID)
	set(&m.SourceID, in.SourceID)
	set(&m.DatasetID, in.DatasetID)
	set(&m.Environment, in.Environment)
	set(&m.ExistsOnSource, in.ExistsOnSource)
	if v == V2024 || v == V2025 {
		set(&m.BusinessApplication, in.BusinessApplication)
	}
	m.Attributes = in.Attributes
	if in.ConnectorAttributes != nil || !creating {
		m.ConnectorAttributes = in.ConnectorAttributes
	}
	if in.Resource != nil || !creating {
		m.Resource = in.Resource
	}
	if in.ManuallyEdited != nil {
		m.ManuallyEdited = *in.ManuallyEdited
	}
	m.PrimaryOwner, m.SecondaryOwners = nil, nil
	if o := in.Owners; o != nil {
		primary, secondary := o.PrimaryIdentity, o.SecondaryIdentities
		if v == V2 {
			primary, secondary = o.Primary, o.Secondary
		}
		if primary == nil && len(secondary) > 0 {
			return mica.Errorf(mica.EMISSING, "owners: a primary owner is required with secondary owners")
		}
		if primary != nil {
			p := *primary
			m.PrimaryOwner = &p
		}
		m.SecondaryOwners = secondary
	}
	m.UserEntitlements = nil
	for _, e := range in.UserEntitlements {
		m.UserEntitlements = append(m.UserEntitlements, mica.MachineIdentityEntitlement{EntitlementID: e.EntitlementID, SourceID: e.SourceID})
	}
	return nil
}

func (s *Server) listMachineIdentities(w http.ResponseWriter, r *http.Request) error {
	opt, err := listOptions(r, query.ListMachineIdentities)
	if err != nil {
		return err
	}
	v := VersionFrom(r.Context())
	page, err := s.Store.ListMachineIdentities(r.Context(), machineIdentityForm(v), opt)
	if err != nil {
		return err
	}
	writePage(w, page, func(m *mica.MachineIdentity) map[string]any { return machineIdentityDoc(v, m, false) })
	return nil
}

func (s *Server) createMachineIdentity(w http.ResponseWriter, r *http.Request) error {
	v := VersionFrom(r.Context())
	var in machineIdentityInput
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	m := &mica.MachineIdentity{ManuallyCreated: true}
	if err := in.apply(v, m, true); err != nil {
		return err
	}
	if err := s.Store.CreateMachineIdentity(r.Context(), m); err != nil {
		return err
	}
	got, err := s.Store.GetMachineIdentity(r.Context(), m.ID)
	if err != nil {
		return err
	}
	status := http.StatusOK
	if v == V2 {
		status = http.StatusCreated
	}
	writeJSON(w, status, machineIdentityDoc(v, got, false))
	return nil
}

func (s *Server) getMachineIdentity(w http.ResponseWriter, r *http.Request) error {
	m, err := s.Store.GetMachineIdentity(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, machineIdentityDoc(VersionFrom(r.Context()), m, false))
	return nil
}

// machineIdentityPatchable are the members updateMachineIdentity may change in
// each version: V2's list is the spec's; the others are every member a client
// writes in that version.
func machineIdentityPatchable(v Version) []string {
	switch v {
	case V2:
		return []string{"name", "description", "nativeIdentity", "subtype", "environment", "attributes", "owners",
			"userEntitlements", "manuallyEdited", "businessApplicationRefs"}
	case V2024:
		return []string{"name", "description", "businessApplication", "attributes", "manuallyEdited"}
	case V2025:
		return []string{"name", "description", "businessApplication", "subtype", "nativeIdentity", "uuid", "sourceId",
			"attributes", "owners", "userEntitlements", "manuallyEdited"}
	case V2026:
		return []string{"name", "description", "subtype", "nativeIdentity", "uuid", "sourceId", "attributes", "owners",
			"userEntitlements", "manuallyEdited", "businessApplicationRefs"}
	}
	return []string{"name", "description", "subtype", "nativeIdentity", "uuid", "sourceId", "attributes", "owners",
		"userEntitlements", "manuallyEdited"}
}

func (s *Server) updateMachineIdentity(w http.ResponseWriter, r *http.Request) error {
	v := VersionFrom(r.Context())
	ops, err := decodePatch(r)
	if err != nil {
		return err
	}
	m, err := s.Store.UpdateMachineIdentity(r.Context(), r.PathValue("id"), func(m *mica.MachineIdentity) error {
		doc, err := toDocument(machineIdentityDoc(v, m, true))
		if err != nil {
			return err
		}
		out, err := applyPatch(doc, ops, machineIdentityPatchable(v))
		if err != nil {
			return err
		}
		var in machineIdentityInput
		if err := fromDocument(out, &in); err != nil {
			return err
		}
		edited := m.ManuallyEdited
		// Members the version does not show keep their values.
		keep := *m
		if err := in.apply(v, m, false); err != nil {
			return err
		}
		if v == V2024 {
			m.Subtype, m.NativeIdentity, m.UUID, m.SourceID, m.DatasetID = keep.Subtype, keep.NativeIdentity, keep.UUID, keep.SourceID, keep.DatasetID
			m.PrimaryOwner, m.SecondaryOwners, m.UserEntitlements = keep.PrimaryOwner, keep.SecondaryOwners, keep.UserEntitlements
		}
		if v != V2 {
			m.Environment, m.ExistsOnSource, m.ConnectorAttributes, m.Resource = keep.Environment, keep.ExistsOnSource,
				keep.ConnectorAttributes, keep.Resource
			if v != V2024 {
				m.DatasetID = keep.DatasetID
			}
		} else {
			m.UUID, m.SourceID, m.DatasetID, m.ExistsOnSource = keep.UUID, keep.SourceID, keep.DatasetID, keep.ExistsOnSource
			m.ConnectorAttributes, m.Resource = keep.ConnectorAttributes, keep.Resource
		}
		if v != V2024 && v != V2025 {
			m.BusinessApplication = keep.BusinessApplication
		}
		// An edit by hand marks the identity edited, unless the patch set the flag itself.
		if in.ManuallyEdited == nil || *in.ManuallyEdited == edited {
			m.ManuallyEdited = true
		}
		return nil
	})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, machineIdentityDoc(v, m, false))
	return nil
}

func (s *Server) deleteMachineIdentity(w http.ResponseWriter, r *http.Request) error {
	if err := s.Store.DeleteMachineIdentity(r.Context(), r.PathValue("id")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// MachineIdentityEntitlementDto is one row of listMachineIdentityUserEntitlements (#69).
type MachineIdentityEntitlementDto struct {
	ID                string   `json:"id"`
	MachineIdentityID string   `json:"machineIdentityId"`
	Source            mica.Ref `json:"source"`
	Entitlement       mica.Ref `json:"entitlement"`
	Created           Time     `json:"created"`
}

func (s *Server) listMachineIdentityEntitlements(w http.ResponseWriter, r *http.Request) error {
	opt, err := listOptions(r, query.ListMachineIdentityUserEntitlements)
	if err != nil {
		return err
	}
	page, err := s.Store.ListMachineIdentityEntitlements(r.Context(), opt)
	if err != nil {
		return err
	}
	writePage(w, page, func(e *mica.MachineIdentityEntitlementRow) MachineIdentityEntitlementDto {
		return MachineIdentityEntitlementDto{ID: e.ID, MachineIdentityID: e.MachineIdentityID,
			Source:      mica.Ref{Type: "SOURCE", ID: e.SourceID, Name: e.SourceName},
			Entitlement: mica.Ref{Type: "ENTITLEMENT", ID: e.EntitlementID, Name: e.DisplayName}, Created: Time(e.Created)}
	})
	return nil
}
