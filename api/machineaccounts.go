package api

import (
	"net/http"

	"github.com/micahq/mica"
	"github.com/micahq/mica/query"
)

func (s *Server) registerMachineAccounts() {
	read := Auth{User: []string{ScopeMISAccountRead}, Levels: []string{mica.LevelOrgAdmin, mica.LevelSourceAdmin,
		mica.LevelSourceSubadmin, mica.LevelHelpdesk}}
	// The header is declared in v2024, v2026 and v1, not in v2025 (REFERENCE.md §14.11.3).
	exp := []Version{V2024, V2026, V1}
	s.handle(&Op{ID: "listMachineAccounts", Method: http.MethodGet, Path: "/machine-accounts", Versions: Yearly2024Plus,
		Auth: read, Experimental: exp, Handle: s.listMachineAccounts})
	s.handle(&Op{ID: "getMachineAccount", Method: http.MethodGet, Path: "/machine-accounts/{id}", Versions: Yearly2024Plus,
		Auth: read, Experimental: exp, Handle: s.getMachineAccount})
	manage := Auth{User: []string{ScopeMISAccountManage}, App: []string{ScopeMISAccountManage},
		Levels: []string{mica.LevelOrgAdmin, mica.LevelSourceAdmin, mica.LevelSourceSubadmin}}
	s.handle(&Op{ID: "updateMachineAccount", Method: http.MethodPatch, Path: "/machine-accounts/{id}", Versions: Yearly2024Plus,
		Auth: manage, Experimental: exp, Handle: s.updateMachineAccount})
}

// MachineAccountDto is the wire form of a machine account (REFERENCE.md §14.7).
type MachineAccountDto struct {
	ID                   string         `json:"id"`
	Name                 string         `json:"name"`
	Created              Time           `json:"created"`
	Modified             Time           `json:"modified"`
	Description          *string        `json:"description"`
	NativeIdentity       string         `json:"nativeIdentity"`
	UUID                 *string        `json:"uuid"`
	ClassificationMethod string         `json:"classificationMethod"`
	MachineIdentity      *mica.Ref      `json:"machineIdentity,omitempty"`
	OwnerIdentity        *mica.Ref      `json:"ownerIdentity"`
	AccessType           string         `json:"accessType,omitempty"`
	Subtype              *string        `json:"subtype"`
	Environment          *string        `json:"environment"`
	Attributes           map[string]any `json:"attributes"`
	ConnectorAttributes  map[string]any `json:"connectorAttributes"`
	ManuallyCorrelated   bool           `json:"manuallyCorrelated"`
	ManuallyEdited       bool           `json:"manuallyEdited"`
	Locked               bool           `json:"locked"`
	Enabled              bool           `json:"enabled"`
	HasEntitlements      bool           `json:"hasEntitlements"`
	Source               mica.Ref       `json:"source"`
}

func machineAccountDto(a *mica.Account) MachineAccountDto {
	d := MachineAccountDto{ID: a.ID, Name: a.Name, Created: Time(a.Created), Modified: Time(a.Modified),
		Description: nullIfEmpty(a.Description), NativeIdentity: a.NativeIdentity, UUID: nullIfEmpty(a.UUID),
		ClassificationMethod: a.ClassificationMethod, Attributes: a.MachineAttributes, ConnectorAttributes: a.Attributes,
		AccessType: a.AccessType, Subtype: nullIfEmpty(a.Subtype), Environment: nullIfEmpty(a.Environment),
		ManuallyCorrelated: a.ManuallyCorrelated, ManuallyEdited: a.ManuallyEdited || a.ClassificationMethod == mica.MethodManual,
		Locked: a.Locked, Enabled: !a.Disabled, HasEntitlements: a.HasEntitlements,
		Source: mica.Ref{Type: "SOURCE", ID: a.SourceID, Name: a.SourceName}, MachineIdentity: a.MachineIdentity}
	if d.ConnectorAttributes == nil {
		d.ConnectorAttributes = map[string]any{}
	}
	if d.Attributes == nil {
		d.Attributes = map[string]any{}
	}
	if a.OwnerIdentity != nil {
		d.OwnerIdentity = a.OwnerIdentity
	} else if a.IdentityID != "" {
		d.OwnerIdentity = &mica.Ref{Type: "IDENTITY", ID: a.IdentityID, Name: a.IdentityName}
	}
	return d
}

func (s *Server) listMachineAccounts(w http.ResponseWriter, r *http.Request) error {
	opt, err := listOptions(r, query.ListMachineAccounts)
	if err != nil {
		return err
	}
	page, err := s.Store.ListMachineAccounts(r.Context(), opt)
	if err != nil {
		return err
	}
	writePage(w, page, machineAccountDto)
	return nil
}

func (s *Server) getMachineAccount(w http.ResponseWriter, r *http.Request) error {
	a, err := s.Store.GetMachineAccount(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, machineAccountDto(a))
	return nil
}

// machineAccountPatchable are the paths updateMachineAccount may change (REFERENCE.md §14.3 #36;
// the spec spells subtype "subType" there; both are accepted). source is listed by the spec but
// an account cannot move to another source in mica.
var machineAccountPatchable = []string{"description", "ownerIdentity", "subType", "subtype", "accessType", "environment",
	"attributes", "classificationMethod", "manuallyEdited", "nativeIdentity", "uuid", "manuallyCorrelated", "enabled",
	"locked", "hasEntitlements", "connectorAttributes"}

// machineAccountPatch is a patched MachineAccount document, decoded strictly by type.
type machineAccountPatch struct {
	Description          *string        `json:"description"`
	NativeIdentity       *string        `json:"nativeIdentity"`
	UUID                 *string        `json:"uuid"`
	ClassificationMethod *string        `json:"classificationMethod"`
	OwnerIdentity        *mica.Ref      `json:"ownerIdentity"`
	AccessType           *string        `json:"accessType"`
	Subtype              *string        `json:"subtype"`
	SubType              *string        `json:"subType"`
	Environment          *string        `json:"environment"`
	Attributes           map[string]any `json:"attributes"`
	ConnectorAttributes  map[string]any `json:"connectorAttributes"`
	ManuallyCorrelated   *bool          `json:"manuallyCorrelated"`
	ManuallyEdited       *bool          `json:"manuallyEdited"`
	Locked               *bool          `json:"locked"`
	Enabled              *bool          `json:"enabled"`
	HasEntitlements      *bool          `json:"hasEntitlements"`
	Source               *mica.Ref      `json:"source"`
}

func (s *Server) updateMachineAccount(w http.ResponseWriter, r *http.Request) error {
	ops, err := decodePatch(r)
	if err != nil {
		return err
	}
	a, err := s.Store.UpdateMachineAccount(r.Context(), r.PathValue("id"), func(a *mica.Account) error {
		doc, err := toDocument(machineAccountDto(a))
		if err != nil {
			return err
		}
		doc["subType"] = doc["subtype"] // the spec patches /subType, the schema reads subtype
		out, err := applyPatch(doc, ops, machineAccountPatchable)
		if err != nil {
			return err
		}
		var p machineAccountPatch
		if err := fromDocument(out, &p); err != nil {
			return err
		}
		return p.apply(a)
	})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, machineAccountDto(a))
	return nil
}

// apply checks the patched document and sets the account's fields from it.
func (p *machineAccountPatch) apply(a *mica.Account) error {
	if p.Source == nil || p.Source.ID != a.SourceID {
		return mica.Errorf(mica.EILLEGAL, "source cannot be changed: an account stays on its source in mica")
	}
	if p.NativeIdentity == nil || *p.NativeIdentity == "" {
		return mica.Errorf(mica.EMISSING, "nativeIdentity is required and cannot be empty")
	}
	if p.ClassificationMethod == nil {
		return mica.Errorf(mica.EMISSING, "classificationMethod is required")
	}
	switch *p.ClassificationMethod {
	case mica.MethodSource, mica.MethodCriteria, mica.MethodDiscovery, mica.MethodManual:
	default:
		return mica.Errorf(mica.EILLEGAL, "classificationMethod must be SOURCE, CRITERIA, DISCOVERY or MANUAL, not %q", *p.ClassificationMethod)
	}
	if p.OwnerIdentity != nil && (p.OwnerIdentity.ID == "" || p.OwnerIdentity.Type != "" && p.OwnerIdentity.Type != "IDENTITY") {
		return mica.Errorf(mica.EILLEGAL, "ownerIdentity must be an IDENTITY reference with an id")
	}
	deref := func(s *string) string {
		if s == nil {
			return ""
		}
		return *s
	}
	a.Description, a.NativeIdentity, a.UUID = deref(p.Description), *p.NativeIdentity, deref(p.UUID)
	a.ClassificationMethod, a.AccessType, a.Environment = *p.ClassificationMethod, deref(p.AccessType), deref(p.Environment)
	// Whichever spelling the patch changed wins.
	if sub, alt := deref(p.Subtype), deref(p.SubType); alt != a.Subtype {
		a.Subtype = alt
	} else {
		a.Subtype = sub
	}
	a.OwnerIdentity, a.MachineAttributes = p.OwnerIdentity, p.Attributes
	if p.ConnectorAttributes != nil {
		a.Attributes = p.ConnectorAttributes
	}
	set := func(dst *bool, src *bool) {
		if src != nil {
			*dst = *src
		}
	}
	set(&a.ManuallyCorrelated, p.ManuallyCorrelated)
	set(&a.Locked, p.Locked)
	set(&a.HasEntitlements, p.HasEntitlements)
	if p.Enabled != nil {
		a.Disabled = !*p.Enabled
	}
	a.ManuallyEdited = true
	if p.ManuallyEdited != nil {
		a.ManuallyEdited = *p.ManuallyEdited
	}
	return nil
}
