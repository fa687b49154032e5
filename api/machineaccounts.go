package api

import (
	"net/http"

	"github.com/micahq/mica"
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
		ClassificationMethod: a.ClassificationMethod, Attributes: map[string]any{}, ConnectorAttributes: a.Attributes,
		ManuallyCorrelated: a.ManuallyCorrelated, ManuallyEdited: a.ClassificationMethod == mica.MethodManual,
		Locked: a.Locked, Enabled: !a.Disabled, HasEntitlements: a.HasEntitlements,
		Source: mica.Ref{Type: "SOURCE", ID: a.SourceID, Name: a.SourceName}}
	if d.ConnectorAttributes == nil {
		d.ConnectorAttributes = map[string]any{}
	}
	if a.IdentityID != "" {
		d.OwnerIdentity = &mica.Ref{Type: "IDENTITY", ID: a.IdentityID, Name: a.IdentityName}
	}
	return d
}

func (s *Server) listMachineAccounts(w http.ResponseWriter, r *http.Request) error {
	opt, err := listOptions(r)
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
