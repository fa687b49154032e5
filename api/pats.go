package api

import (
	"encoding/json"
	"maps"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/micahq/mica"
	"github.com/micahq/mica/oauth"
	"github.com/micahq/mica/query"
)

// PAT rules (REFERENCE.md §14.8): token validity bounds and the old-version expiry window.
const (
	patMinValidity     = 15
	patMaxValidity     = 43200
	patDefaultValidity = 43200
	patNameMax         = 128
	patMaxScopes       = 50
)

func (s *Server) registerPATs() {
	s.handle(&Op{ID: "listPersonalAccessTokens", Method: http.MethodGet, Path: "/personal-access-tokens",
		Versions: AllVersions, Auth: Auth{User: []string{ScopeMyPATRead, ScopeMyPATManage, ScopeAllPATRead, ScopeAllPATManage}},
		Handle: s.listPATs})
	s.handle(&Op{ID: "createPersonalAccessToken", Method: http.MethodPost, Path: "/personal-access-tokens",
		Versions: AllVersions, Auth: Auth{User: []string{ScopeMyPATManage, ScopeAllPATManage}}, Handle: s.createPAT})
	s.handle(&Op{ID: "patchPersonalAccessToken", Method: http.MethodPatch, Path: "/personal-access-tokens/{id}",
		Versions: AllVersions, Auth: Auth{User: []string{ScopeMyPATManage}}, Handle: s.patchPAT})
	s.handle(&Op{ID: "deletePersonalAccessToken", Method: http.MethodDelete, Path: "/personal-access-tokens/{id}",
		Versions: AllVersions, Auth: Auth{User: []string{ScopeMyPATManage, ScopeAllPATManage}}, Handle: s.deletePAT})
}

// newPATRules reports whether v follows the new PAT rules (v2025, v2026, v1): a missing
// expirationDate means never expires, with userAwareTokenNeverExpires acknowledged.
func newPATRules(v Version) bool { return v == V2025 || v == V2026 || v == V1 }

// PatOwner is the owner of a personal access token.
type PatOwner struct {
	Type string `json:"type"`
	ID   string `json:"id"`
	Name string `json:"name"`
}

// GetPersonalAccessTokenResponse is a PAT as listed (no secret).
type GetPersonalAccessTokenResponse struct {
	ID                         string   `json:"id"`
	Name                       string   `json:"name"`
	Scope                      []string `json:"scope"`
	Owner                      PatOwner `json:"owner"`
	Created                    Time     `json:"created"`
	LastUsed                   *Time    `json:"lastUsed"`
	Managed                    bool     `json:"managed"`
	AccessTokenValiditySeconds int      `json:"accessTokenValiditySeconds"`
	ExpirationDate             *Time    `json:"expirationDate"`
	UserAwareTokenNeverExpires *bool    `json:"userAwareTokenNeverExpires,omitempty"`
}

// oldPATResponse is the list item of the old versions (v3, v2024, beta), where
// expirationDate is not nullable: a token that never expires leaves it out.
type oldPATResponse struct {
	GetPersonalAccessTokenResponse
	ExpirationDate *Time `json:"expirationDate,omitempty"`
}

// patWire is a PAT in the shape of version v.
func (s *Server) patWire(v Version, c *mica.Client, ownerName string) any {
	d := s.patDto(v, c, ownerName)
	if newPATRules(v) {
		return d
	}
	return oldPATResponse{GetPersonalAccessTokenResponse: d, ExpirationDate: d.ExpirationDate}
}

func (s *Server) patDto(v Version, c *mica.Client, ownerName string) GetPersonalAccessTokenResponse {
	d := GetPersonalAccessTokenResponse{ID: c.ID, Name: c.Name, Scope: c.Scopes,
		Owner:   PatOwner{Type: "IDENTITY", ID: c.IdentityID, Name: ownerName},
		Created: Time(c.Created), LastUsed: TimePtr(c.LastUsed), Managed: c.Managed,
		AccessTokenValiditySeconds: c.AccessTokenSeconds, ExpirationDate: TimePtr(c.ExpiresAt)}
	if d.AccessTokenValiditySeconds == 0 {
		d.AccessTokenValiditySeconds = patDefaultValidity
	}
	if newPATRules(v) {
		ack := c.NeverExpiresAck
		d.UserAwareTokenNeverExpires = &ack
	}
	return d
}

// ownerName looks up the display name of a PAT's owner.
func (s *Server) ownerName(r *http.Request, id string, cache map[string]string) string {
	if n, ok := cache[id]; ok {
		return n
	}
	ident, err := s.Store.GetIdentity(r.Context(), id)
	if err != nil {
		return ""
	}
	cache[id] = ident.Name
	return ident.Name
}

func (s *Server) listPATs(w http.ResponseWriter, r *http.Request) error {
	p := PrincipalFrom(r.Context())
	owner, given := r.URL.Query()["owner-id"]
	ownerID := ""
	if given {
		ownerID = owner[0]
	}
	switch {
	case ownerID == "me" || (ownerID != "" && ownerID == p.IdentityID):
		if !p.Has(ScopeMyPATRead) && !p.Has(ScopeMyPATManage) && !p.Has(ScopeAllPATRead) && !p.Has(ScopeAllPATManage) {
			return mica.Errorf(mica.EFORBIDDEN, "listing your own personal access tokens needs %s", ScopeMyPATRead)
		}
		ownerID = p.IdentityID
	default:
		if !p.Has(ScopeAllPATRead) && !p.Has(ScopeAllPATManage) {
			return mica.Errorf(mica.EFORBIDDEN, "listing other identities' personal access tokens needs %s; use owner-id=me", ScopeAllPATRead)
		}
	}
	opt, err := listOptions(r, query.ListPersonalAccessTokens)
	if err != nil {
		return err
	}
	page, err := s.Store.ListPATs(r.Context(), ownerID, p.Has(ScopeManagedPATRead), opt)
	if err != nil {
		return err
	}
	names, v := map[string]string{}, VersionFrom(r.Context())
	writePage(w, page, func(c *mica.Client) any { return s.patWire(v, c, s.ownerName(r, c.IdentityID, names)) })
	return nil
}

type createPATRequest struct {
	Name                       *string    `json:"name"`
	Scope                      []string   `json:"scope"`
	AccessTokenValiditySeconds *int       `json:"accessTokenValiditySeconds"`
	ExpirationDate             *time.Time `json:"expirationDate"`
	UserAwareTokenNeverExpires *bool      `json:"userAwareTokenNeverExpires"`
}

// withinCreatorRights refuses scopes that would give a personal access token
// a right the token asking for it lacks: a PAT never has more rights than the
// token that creates or changes it. defaulted says scopes is the default
// (sp:scopes:all), not what the request asked for.
func withinCreatorRights(p *Principal, scopes []string, defaulted bool) error {
	for _, r := range slices.Sorted(maps.Keys(effectiveRights(p.Levels, scopes))) {
		if p.Has(r) || (strings.HasSuffix(r, ":read") && p.Has(strings.TrimSuffix(r, ":read")+":manage")) {
			continue // a :manage scope can read too
		}
		if defaulted {
			return mica.Errorf(mica.EFORBIDDEN, "scope defaults to %s, which gives the right %s that the token making this "+
				"request lacks; ask for scopes within that token's rights", ScopeAll, r)
		}
		return mica.Errorf(mica.EFORBIDDEN, "the scopes asked for give the right %s, which the token making this "+
			"request lacks: a personal access token cannot have more rights than the token that creates it", r)
	}
	return nil
}

// validatePATFields checks the name and scopes of a PAT.
func validatePATFields(c *mica.Client) error {
	if c.Name == "" {
		return mica.Errorf(mica.EMISSING, "name is required")
	}
	if len(c.Name) > patNameMax {
		return mica.Errorf(mica.EILLEGAL, "name is longer than %d characters", patNameMax)
	}
	if len(c.Scopes) > patMaxScopes {
		return mica.Errorf(mica.EILLEGAL, "scope has more than %d entries", patMaxScopes)
	}
	for _, sc := range c.Scopes {
		if !IsKnownScope(sc) {
			return mica.Errorf(mica.EILLEGAL, "scope %q is not a known scope", sc)
		}
	}
	return nil
}

// validatePAT applies the per-version PAT rules to the name, scopes and expiry of c.
func (s *Server) validatePAT(v Version, c *mica.Client, expires *time.Time, expiresGiven bool) error {
	if err := validatePATFields(c); err != nil {
		return err
	}
	now := s.Now()
	if newPATRules(v) {
		if expires == nil {
			if !c.NeverExpiresAck {
				return mica.Errorf(mica.EILLEGAL, "expirationDate is required unless userAwareTokenNeverExpires is true")
			}
			c.ExpiresAt = nil
			return nil
		}
		if !expires.After(now) {
			return mica.Errorf(mica.EILLEGAL, "expirationDate must be in the future")
		}
		t := expires.UTC()
		c.ExpiresAt = &t
		return nil
	}
	limit := now.AddDate(0, 6, 0)
	if expires == nil {
		if expiresGiven {
			return mica.Errorf(mica.EILLEGAL, "expirationDate cannot be null in this API version")
		}
		t := c.Created.AddDate(0, 6, 0)
		if c.Created.IsZero() {
			t = limit
		}
		c.ExpiresAt = &t
		return nil
	}
	if !expires.After(now) || expires.After(limit) {
		return mica.Errorf(mica.EILLEGAL, "expirationDate must lie between now and 6 months from now")
	}
	t := expires.UTC()
	c.ExpiresAt = &t
	return nil
}

// CreatePersonalAccessTokenResponse is the answer to a PAT creation: the only time the secret is shown.
type CreatePersonalAccessTokenResponse struct {
	ID                         string   `json:"id"`
	Secret                     string   `json:"secret"`
	Scope                      []string `json:"scope"`
	Name                       string   `json:"name"`
	Owner                      PatOwner `json:"owner"`
	Created                    Time     `json:"created"`
	AccessTokenValiditySeconds int      `json:"accessTokenValiditySeconds"`
	ExpirationDate             *Time    `json:"expirationDate"`
}

func (s *Server) createPAT(w http.ResponseWriter, r *http.Request) error {
	p := PrincipalFrom(r.Context())
	v := VersionFrom(r.Context())
	raw := map[string]json.RawMessage{}
	var req createPATRequest
	if err := decodeJSON(r, &raw); err != nil {
		return err
	}
	b, _ := json.Marshal(raw)
	if err := json.Unmarshal(b, &req); err != nil {
		return mica.Errorf(mica.EINVALID, "request body does not match CreatePersonalAccessTokenRequest: %s", err.Error())
	}
	c := &mica.Client{ID: oauth.NewClientID(), Kind: mica.ClientPAT, IdentityID: p.IdentityID, Enabled: true,
		Scopes: req.Scope, AccessTokenSeconds: patDefaultValidity}
	if req.Name != nil {
		c.Name = *req.Name
	}
	if c.Scopes == nil {
		c.Scopes = []string{ScopeAll}
	}
	if err := withinCreatorRights(p, c.Scopes, req.Scope == nil); err != nil {
		return err
	}
	if req.AccessTokenValiditySeconds != nil {
		n := *req.AccessTokenValiditySeconds
		if n < patMinValidity || n > patMaxValidity {
			return mica.Errorf(mica.EILLEGAL, "accessTokenValiditySeconds must be between %d and %d", patMinValidity, patMaxValidity)
		}
		c.AccessTokenSeconds = n
	}
	if req.UserAwareTokenNeverExpires != nil {
		if !newPATRules(v) {
			return mica.Errorf(mica.EILLEGAL, "userAwareTokenNeverExpires is not supported in API version %s", v)
		}
		c.NeverExpiresAck = *req.UserAwareTokenNeverExpires
	}
	_, expiresGiven := raw["expirationDate"]
	if err := s.validatePAT(v, c, req.ExpirationDate, expiresGiven); err != nil {
		return err
	}
	secret := oauth.NewSecret()
	hash, err := oauth.HashSecret(secret)
	if err != nil {
		return err
	}
	c.SecretHash = hash
	if err := s.Store.CreateClient(r.Context(), c); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, CreatePersonalAccessTokenResponse{ID: c.ID, Secret: secret, Scope: c.Scopes,
		Name: c.Name, Owner: PatOwner{Type: "IDENTITY", ID: p.IdentityID, Name: p.Identity.Name},
		Created: Time(c.Created), AccessTokenValiditySeconds: c.AccessTokenSeconds, ExpirationDate: TimePtr(c.ExpiresAt)})
	return nil
}

// ownPAT loads a PAT the principal may change: its own, or any with the all-manage right.
func (s *Server) ownPAT(r *http.Request, allowAll bool) (*mica.Client, error) {
	p := PrincipalFrom(r.Context())
	c, err := s.Store.GetClient(r.Context(), r.PathValue("id"))
	if err != nil || c.Kind != mica.ClientPAT {
		return nil, mica.Errorf(mica.ENOTFOUND, "personal access token %q not found", r.PathValue("id"))
	}
	if c.IdentityID != p.IdentityID && (!allowAll || !p.Has(ScopeAllPATManage)) {
		return nil, mica.Errorf(mica.ENOTFOUND, "personal access token %q not found", r.PathValue("id"))
	}
	return c, nil
}

func (s *Server) patchPAT(w http.ResponseWriter, r *http.Request) error {
	v := VersionFrom(r.Context())
	cur, err := s.ownPAT(r, false)
	if err != nil {
		return err
	}
	ops, err := decodePatch(r)
	if err != nil {
		return err
	}
	// The patch applies to the token as the update transaction reads it, so
	// that concurrent patches each land.
	c, err := s.Store.UpdateClient(r.Context(), cur.ID, func(c *mica.Client) error { return s.applyPATPatch(r, v, c, ops) })
	if mica.ErrorCode(err) == mica.ENOTFOUND {
		return mica.Errorf(mica.ENOTFOUND, "personal access token %q not found", cur.ID) // deleted meanwhile
	} else if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, s.patWire(v, c, s.ownerName(r, c.IdentityID, map[string]string{})))
	return nil
}

// applyPATPatch applies JSON Patch ops to PAT c and checks the result.
func (s *Server) applyPATPatch(r *http.Request, v Version, c *mica.Client, ops []PatchOp) error {
	doc := map[string]any{"name": c.Name, "scope": toAnySlice(c.Scopes)}
	patchable := []string{"name", "scope"}
	if newPATRules(v) {
		doc["expirationDate"] = nil
		if c.ExpiresAt != nil {
			doc["expirationDate"] = c.ExpiresAt.UTC().Format(time.RFC3339Nano)
		}
		doc["userAwareTokenNeverExpires"] = c.NeverExpiresAck
		patchable = append(patchable, "expirationDate", "userAwareTokenNeverExpires")
	}
	out, err := applyPatch(doc, ops, patchable)
	if err != nil {
		return err
	}
	var req createPATRequest
	if err := fromDocument(out, &req); err != nil {
		return err
	}
	if req.Name == nil {
		return mica.Errorf(mica.EMISSING, "name cannot be removed")
	}
	c.Name, c.Scopes = *req.Name, req.Scope
	if c.Scopes == nil {
		c.Scopes = []string{ScopeAll}
	}
	if err := withinCreatorRights(PrincipalFrom(r.Context()), c.Scopes, req.Scope == nil); err != nil {
		return err
	}
	if newPATRules(v) {
		if req.UserAwareTokenNeverExpires != nil {
			c.NeverExpiresAck = *req.UserAwareTokenNeverExpires
		}
		return s.validatePAT(v, c, req.ExpirationDate, true)
	}
	return validatePATFields(c)
}

func (s *Server) deletePAT(w http.ResponseWriter, r *http.Request) error {
	c, err := s.ownPAT(r, true)
	if err != nil {
		return err
	}
	if err := s.Store.DeleteClient(r.Context(), c.ID); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func toAnySlice(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}
