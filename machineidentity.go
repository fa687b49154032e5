package mica

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// MachineIdentity groups machine accounts under one non-human identity (an
// application, a service, an AI agent), with human owners (REFERENCE.md §15.2).
// Each API version shows a part of it: v2024 the businessApplication, v2025 and
// later the owners and user entitlements, the per-service v2 also
// environment, connector attributes and governance-group owners (which mica
// does not have).
type MachineIdentity struct {
	ID                  string // a UUID
	Name                string
	Description         string
	Subtype             string // free text, e.g. Application or AI_AGENT
	BusinessApplication string
	NativeIdentity      string
	UUID                string
	SourceID            string // "" when the identity is not from a source
	SourceName          string // read-only
	DatasetID           string
	Environment         string
	ExistsOnSource      string
	Attributes          map[string]any
	ConnectorAttributes map[string]any
	Resource            *MachineIdentityResource
	// Owners: a primary identity and up to MaxSecondaryOwners secondary ones.
	PrimaryOwner     *Ref // IDENTITY
	SecondaryOwners  []Ref
	UserEntitlements []MachineIdentityEntitlement
	ManuallyEdited   bool
	ManuallyCreated  bool
	Created          time.Time
	Modified         time.Time
}

// MachineIdentityResource is the cloud resource a (v2) machine identity stands for.
type MachineIdentityResource struct {
	ID       string   `json:"id,omitempty"`
	Type     string   `json:"type,omitempty"`
	Name     string   `json:"name,omitempty"`
	Features []string `json:"features,omitempty"`
}

// MachineIdentityEntitlement is an entitlement on a source that the machine
// identity's users get (userEntitlements). mica has no entitlement catalogue:
// DisplayName is the entitlement's name in an access profile of the source
// that lists it, else its id. Created is when it was added.
type MachineIdentityEntitlement struct {
	EntitlementID string
	SourceID      string
	SourceName    string // read-only
	DisplayName   string // read-only
	Created       time.Time
}

// Limits of a machine identity.
const (
	MaxMachineIdentityDescription  = 2000 // "The maximum supported length for the description field"
	MaxSecondaryOwners             = 10   // "up to ten human (IDENTITY) references"
	MaxMachineIdentityEntitlements = 100
	MaxMachineIdentityName         = 255
)

// Machine identity status values kept in Attributes["status"] (the v2 status
// "read from stored attributes.status"), changed by lifecycle actions.
const (
	MachineIdentityActive      = "ACTIVE"
	MachineIdentityDeactivated = "DEACTIVATED"
)

// Status is the identity's attributes.status, "" when it has none.
func (m *MachineIdentity) Status() string {
	s, _ := m.Attributes["status"].(string)
	return s
}

// Validate checks a machine identity as written. Which fields a version
// requires (businessApplication, subtype, nativeIdentity) is checked by the
// API, which knows the version; here are the rules of every version.
func (m *MachineIdentity) Validate() error {
	switch {
	case strings.TrimSpace(m.Name) == "":
		return Errorf(EMISSING, "name is required")
	case len(m.Name) > MaxMachineIdentityName:
		return Errorf(EILLEGAL, "name is longer than %d characters", MaxMachineIdentityName)
	case len(m.Description) > MaxMachineIdentityDescription:
		return Errorf(EILLEGAL, "description is longer than %d characters", MaxMachineIdentityDescription)
	case len(m.SecondaryOwners) > MaxSecondaryOwners:
		return Errorf(EILLEGAL, "owners: at most %d secondary owners are allowed, not %d", MaxSecondaryOwners, len(m.SecondaryOwners))
	case len(m.UserEntitlements) > MaxMachineIdentityEntitlements:
		return Errorf(EILLEGAL, "userEntitlements: at most %d are allowed", MaxMachineIdentityEntitlements)
	case m.PrimaryOwner == nil && len(m.SecondaryOwners) > 0:
		return Errorf(EMISSING, "owners.primaryIdentity is required when there are secondary owners")
	}
	if m.PrimaryOwner != nil {
		if err := checkOwnerRef(*m.PrimaryOwner, "owners.primaryIdentity"); err != nil {
			return err
		}
	}
	seen := map[string]bool{}
	if m.PrimaryOwner != nil {
		seen[m.PrimaryOwner.ID] = true
	}
	for i, o := range m.SecondaryOwners {
		where := "owners.secondaryIdentities[" + strconv.Itoa(i) + "]"
		if err := checkOwnerRef(o, where); err != nil {
			return err
		}
		if seen[o.ID] {
			return Errorf(EILLEGAL, "%s: identity %q is already an owner", where, o.ID)
		}
		seen[o.ID] = true
	}
	ents := map[string]bool{}
	for i, e := range m.UserEntitlements {
		where := "userEntitlements[" + strconv.Itoa(i) + "]"
		switch {
		case e.EntitlementID == "":
			return Errorf(EMISSING, "%s.entitlementId is required", where)
		case e.SourceID == "":
			return Errorf(EMISSING, "%s.sourceId is required", where)
		case ents[e.SourceID+"\x00"+e.EntitlementID]:
			return Errorf(EILLEGAL, "%s: entitlement %q of source %q is listed twice", where, e.EntitlementID, e.SourceID)
		}
		ents[e.SourceID+"\x00"+e.EntitlementID] = true
	}
	if s := m.Attributes["status"]; s != nil {
		if _, ok := s.(string); !ok {
			return Errorf(EILLEGAL, "attributes.status must be a string")
		}
	}
	return nil
}

// checkOwnerRef checks one owner reference: an identity, by id. mica has no
// governance groups, so a GOVERNANCE_GROUP owner names nothing that exists.
func checkOwnerRef(o Ref, where string) error {
	switch {
	case o.ID == "":
		return Errorf(EMISSING, "%s.id is required", where)
	case o.Type == "GOVERNANCE_GROUP":
		return Errorf(EREFNOTFOUND, "%s: governance group %q not found (mica has no governance groups; owners are identities)", where, o.ID)
	case o.Type != "" && o.Type != "IDENTITY":
		return Errorf(EILLEGAL, "%s.type must be IDENTITY, not %q", where, clipForError(o.Type, 64))
	}
	return nil
}

// ResolveRefs checks that the owners, source and entitlement sources of m
// exist and fills in their names (EREFNOTFOUND naming the first that does
// not). An entitlement is named as an access profile of its source names it,
// else by its id (mica has no entitlement catalogue).
func (m *MachineIdentity) ResolveRefs(rd RefReads) error {
	identity := func(id, field string) (string, error) {
		name, ok, err := rd.IdentityName(id)
		if err == nil && !ok {
			err = ErrRefNotFound(field, KindIdentity, id)
		}
		return name, err
	}
	source := func(id, field string) (string, error) {
		name, ok, err := rd.SourceName(id)
		if err == nil && !ok {
			err = ErrRefNotFound(field, KindSource, id)
		}
		return name, err
	}
	if m.PrimaryOwner != nil {
		name, err := identity(m.PrimaryOwner.ID, "owners.primaryIdentity")
		if err != nil {
			return err
		}
		m.PrimaryOwner.Type, m.PrimaryOwner.Name = "IDENTITY", name
	}
	for i := range m.SecondaryOwners {
		name, err := identity(m.SecondaryOwners[i].ID, fmt.Sprintf("owners.secondaryIdentities[%d]", i))
		if err != nil {
			return err
		}
		m.SecondaryOwners[i].Type, m.SecondaryOwners[i].Name = "IDENTITY", name
	}
	m.SourceName = ""
	if m.SourceID != "" {
		name, err := source(m.SourceID, "sourceId")
		if err != nil {
			return err
		}
		m.SourceName = name
	}
	for i := range m.UserEntitlements {
		e := &m.UserEntitlements[i]
		name, err := source(e.SourceID, fmt.Sprintf("userEntitlements[%d].sourceId", i))
		if err != nil {
			return err
		}
		e.SourceName = name
		display, ok, err := rd.EntitlementName(e.SourceID, e.EntitlementID)
		if err != nil {
			return err
		} else if !ok {
			display = e.EntitlementID
		}
		e.DisplayName = display
	}
	return nil
}

// SetStatus gives the machine identity a lifecycle status (its status
// attribute), and reports whether its machine accounts are disabled with it.
func (m *MachineIdentity) SetStatus(status string) (accountsDisabled bool) {
	if m.Attributes == nil {
		m.Attributes = map[string]any{}
	}
	m.Attributes["status"] = status
	return status == MachineIdentityDeactivated
}

// IsOwner reports whether identity id is one of the machine identity's owners.
func (m *MachineIdentity) IsOwner(id string) bool {
	if id == "" {
		return false
	}
	if m.PrimaryOwner != nil && m.PrimaryOwner.ID == id {
		return true
	}
	for _, o := range m.SecondaryOwners {
		if o.ID == id {
			return true
		}
	}
	return false
}

// MachineIdentityForm names the list allowlist of one API form of
// listMachineIdentities (REFERENCE.md §15.3 #64, #70): the store resolves it.
type MachineIdentityForm int

// The forms of listMachineIdentities.
const (
	MachineIdentityFormV2024 MachineIdentityForm = iota + 1
	MachineIdentityFormV2025
	MachineIdentityFormV2026 // and /v1
	MachineIdentityFormV2
)

// MachineIdentityEntitlementRow is one row of listMachineIdentityUserEntitlements (#69).
type MachineIdentityEntitlementRow struct {
	ID                  string
	MachineIdentityID   string
	MachineIdentityName string
	MachineIdentityEntitlement
}

// MachineIdentityService keeps machine identities.
type MachineIdentityService interface {
	// CreateMachineIdentity inserts a machine identity. Its owners must be
	// existing identities and its source and user entitlements' sources
	// existing sources (EREFNOTFOUND). With a source and a native identity it
	// takes in the machine account of that source with that native identity.
	CreateMachineIdentity(ctx context.Context, m *MachineIdentity) error
	GetMachineIdentity(ctx context.Context, id string) (*MachineIdentity, error)
	ListMachineIdentities(ctx context.Context, form MachineIdentityForm, opt ListOptions) (Page[*MachineIdentity], error)
	// UpdateMachineIdentity loads a machine identity, lets update change it and
	// saves it in one transaction, checking what CreateMachineIdentity checks.
	UpdateMachineIdentity(ctx context.Context, id string, update func(m *MachineIdentity) error) (*MachineIdentity, error)
	// DeleteMachineIdentity removes a machine identity; its machine accounts
	// stay, no longer linked to it.
	DeleteMachineIdentity(ctx context.Context, id string) error
	// ListMachineIdentityEntitlements lists the user entitlements of every machine identity.
	ListMachineIdentityEntitlements(ctx context.Context, opt ListOptions) (Page[*MachineIdentityEntitlementRow], error)
}
