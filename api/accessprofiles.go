package api

import (
	"net/http"

	"github.com/micahq/mica"
	"github.com/micahq/mica/query"
)

// accessProfileLevels are the user levels of list, create and get (#30, #31).
var accessProfileLevels = []string{mica.LevelOrgAdmin, mica.LevelRoleAdmin, mica.LevelRoleSubadmin,
	mica.LevelSourceAdmin, mica.LevelSourceSubadmin}

// createAccessProfileScopes must all be held to create an access profile (#30's description).
var createAccessProfileScopes = []string{ScopeAccessProfileMgmt, ScopeEntitlementRead, ScopeIdentityRead, ScopeSourcesRead}

func (s *Server) registerAccessProfiles() {
	s.handle(&Op{ID: "listAccessProfiles", Method: http.MethodGet, Path: "/access-profiles", Versions: AllVersions,
		Auth: Auth{User: []string{ScopeAccessProfileRead}, Levels: accessProfileLevels}, Handle: s.listAccessProfiles})
	s.handle(&Op{ID: "createAccessProfile", Method: http.MethodPost, Path: "/access-profiles", Versions: AllVersions,
		Auth: Auth{User: createAccessProfileScopes, Levels: accessProfileLevels}, Handle: s.createAccessProfile})
	s.handle(&Op{ID: "getAccessProfile", Method: http.MethodGet, Path: "/access-profiles/{id}", Versions: AllVersions,
		Auth:   Auth{User: []string{ScopeAccessProfileRead}, Levels: accessProfileLevels},
		AuthBy: map[Version]Auth{Beta: {User: []string{ScopeAccessProfileRead, ScopeAccessProfileMgmt}, Levels: accessProfileLevels}},
		Handle: s.getAccessProfile})
	s.handle(&Op{ID: "deleteAccessProfile", Method: http.MethodDelete, Path: "/access-profiles/{id}", Versions: AllVersions,
		Auth: Auth{User: []string{ScopeAccessProfileMgmt},
			Levels: []string{mica.LevelOrgAdmin, mica.LevelSourceAdmin, mica.LevelSourceSubadmin}},
		Handle: s.deleteAccessProfile})
}

// AccessModelMetadata is an access profile's access-model metadata (always empty in mica).
type AccessModelMetadata struct {
	Attributes []any `json:"attributes"`
}

// AccessProfileDto is the wire form of an AccessProfile (REFERENCE.md §14.9).
type AccessProfileDto struct {
	ID                      string              `json:"id"`
	Name                    string              `json:"name"`
	Description             *string             `json:"description"`
	Created                 Time                `json:"created"`
	Modified                Time                `json:"modified"`
	Enabled                 bool                `json:"enabled"`
	Owner                   mica.Ref            `json:"owner"`
	Source                  mica.Ref            `json:"source"`
	Entitlements            []mica.Ref          `json:"entitlements"`
	Requestable             bool                `json:"requestable"`
	AccessRequestConfig     any                 `json:"accessRequestConfig"`
	RevocationRequestConfig any                 `json:"revocationRequestConfig"`
	Segments                []string            `json:"segments"`
	AccessModelMetadata     AccessModelMetadata `json:"accessModelMetadata"`
	ProvisioningCriteria    any                 `json:"provisioningCriteria"`
	AdditionalOwners        []mica.Ref          `json:"additionalOwners"`
}

func accessProfileDto(ap *mica.AccessProfile) AccessProfileDto {
	ents := ap.Entitlements
	if ents == nil {
		ents = []mica.Ref{}
	}
	return AccessProfileDto{ID: ap.ID, Name: ap.Name, Description: optString(ap.Description), Created: Time(ap.Created),
		Modified: Time(ap.Modified), Enabled: ap.Enabled, Owner: ap.Owner, Source: ap.Source, Entitlements: ents,
		Requestable: ap.Requestable, Segments: ap.Segments, AccessModelMetadata: AccessModelMetadata{Attributes: []any{}}}
}

// accessProfileRequest is the body of createAccessProfile. Request configs,
// provisioning criteria and additional owners are accepted and not kept.
type accessProfileRequest struct {
	Name         string     `json:"name"`
	Description  *string    `json:"description"`
	Owner        *mica.Ref  `json:"owner"`
	Source       *mica.Ref  `json:"source"`
	Enabled      *bool      `json:"enabled"`
	Requestable  *bool      `json:"requestable"`
	Entitlements []mica.Ref `json:"entitlements"`
	Segments     []string   `json:"segments"`
}

func (s *Server) listAccessProfiles(w http.ResponseWriter, r *http.Request) error {
	opt, err := listOptions(r, query.ListAccessProfiles)
	if err != nil {
		return err
	}
	for _, name := range []string{"include-unsegmented"} {
		if _, err := queryBool(r, name, true); err != nil {
			return err
		}
	}
	page, err := s.Store.ListAccessProfiles(r.Context(), opt)
	if err != nil {
		return err
	}
	writePage(w, page, accessProfileDto)
	return nil
}

func (s *Server) createAccessProfile(w http.ResponseWriter, r *http.Request) error {
	p := PrincipalFrom(r.Context())
	for _, sc := range createAccessProfileScopes {
		if !p.Has(sc) {
			return mica.Errorf(mica.EFORBIDDEN, "creating an access profile needs all of %s, %s, %s and %s; the token lacks %s",
				createAccessProfileScopes[0], createAccessProfileScopes[1], createAccessProfileScopes[2],
				createAccessProfileScopes[3], sc)
		}
	}
	var req accessProfileRequest
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	ap := &mica.AccessProfile{Name: req.Name, Requestable: true, Entitlements: req.Entitlements, Segments: req.Segments}
	if req.Description != nil {
		ap.Description = *req.Description
	}
	if req.Owner == nil {
		return mica.Errorf(mica.EMISSING, "owner is required: {\"type\": \"IDENTITY\", \"id\": ...}")
	}
	if req.Source == nil {
		return mica.Errorf(mica.EMISSING, "source is required: {\"type\": \"SOURCE\", \"id\": ...}")
	}
	ap.Owner, ap.Source = *req.Owner, *req.Source
	if req.Enabled != nil {
		ap.Enabled = *req.Enabled
	}
	if req.Requestable != nil {
		ap.Requestable = *req.Requestable
	}
	if err := s.Store.CreateAccessProfile(r.Context(), ap); err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, accessProfileDto(ap))
	return nil
}

func (s *Server) getAccessProfile(w http.ResponseWriter, r *http.Request) error {
	ap, err := s.Store.GetAccessProfile(r.Context(), r.PathValue("id"))
	if err != nil {
		if VersionFrom(r.Context()) == V2024 {
			return err // only v2024 declares 404 on getAccessProfile
		}
		return refNotFound(err)
	}
	writeJSON(w, http.StatusOK, accessProfileDto(ap))
	return nil
}

func (s *Server) deleteAccessProfile(w http.ResponseWriter, r *http.Request) error {
	if err := s.Store.DeleteAccessProfile(r.Context(), r.PathValue("id")); err != nil {
		return refNotFound(err) // deleteAccessProfile declares no 404
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
