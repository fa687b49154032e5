package api

import (
	"net/http"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/micahq/mica"
	"github.com/micahq/mica/internal/jsonenc"
	"github.com/micahq/mica/query"
)

// Apps (REFERENCE.md §1 #9–#22, §2, §3, §5): source apps and user apps under beta,
// v2024, v2025, v2026 and /source-apps/v1, /user-apps/v1. Every operation is
// experimental outside beta. Two decisions beyond the spec:
//   - listAssignedSourceApp and listOwnedUserApps answer for the token's identity,
//     so API clients (no identity) get 403 even where beta declares applicationAuth.
//   - patchUserApp declares idn:app-roles:manage. mica also lets a caller with only
//     idn:app-roles:read (a USER's sp:scopes:all) patch its own user apps, the
//     end-user "choose my account" case; another identity's user app needs
//     app-roles:manage and is otherwise answered 404, as if it did not exist.
//     listAvailableAccountsForUserApp answers only for the caller's own user apps
//     (404 otherwise); API clients, which the spec admits there, may read any.
func (s *Server) registerApps() {
	read := []string{ScopeAppRolesRead, ScopeAppRolesManage}
	manage := []string{ScopeAppRolesManage}
	// withApp adds applicationAuth with the same scopes to the versions that declare it.
	withApp := func(a Auth, vs ...Version) map[Version]Auth {
		m := map[Version]Auth{}
		for _, v := range vs {
			m[v] = Auth{User: a.User, App: a.User, Levels: a.Levels}
		}
		return m
	}
	appsOp := func(id, method, path string, auth Auth, authBy map[Version]Auth, h func(http.ResponseWriter, *http.Request) error) {
		// #11, #17, #18 and #20 declare no 404: a missing app or user app is 400.1.404.
		no404 := id == "deleteSourceApp" || id == "listAccessProfilesForSourceApp" ||
			id == "deleteAccessProfilesFromSourceAppByBulk" || id == "listAvailableAccountsForUserApp"
		s.handle(&Op{ID: id, Method: method, Path: path, Versions: NoV3, Auth: auth, AuthBy: authBy,
			Experimental: Yearly2024Plus, NotFoundIs400: no404, Handle: h})
	}
	readAuth, manageAuth := Auth{User: read}, Auth{User: manage}
	appIn := []Version{Beta, V2025, V2026} // #9–12, #17, #18, #20: applicationAuth in beta, v2025, v2026

	appsOp("getSourceApp", http.MethodGet, "/source-apps/{id}", readAuth, withApp(readAuth, appIn...), s.getSourceApp)
	appsOp("patchSourceApp", http.MethodPatch, "/source-apps/{id}", manageAuth, withApp(manageAuth, appIn...), s.patchSourceApp)
	appsOp("deleteSourceApp", http.MethodDelete, "/source-apps/{id}", manageAuth, withApp(manageAuth, appIn...), s.deleteSourceApp)
	appsOp("updateSourceAppsInBulk", http.MethodPost, "/source-apps/bulk-update", manageAuth, withApp(manageAuth, appIn...),
		s.updateSourceAppsInBulk)
	appsOp("listAssignedSourceApp", http.MethodGet, "/source-apps/assigned", readAuth, nil, s.listAssignedSourceApps)
	appsOp("listAvailableSourceApps", http.MethodGet, "/source-apps", readAuth, withApp(readAuth, Beta), s.listAvailableSourceApps)
	appsOp("createSourceApp", http.MethodPost, "/source-apps", manageAuth, withApp(manageAuth, Beta), s.createSourceApp)
	appsOp("listAllSourceApp", http.MethodGet, "/source-apps/all", Auth{User: read, Levels: []string{mica.LevelOrgAdmin}}, nil,
		s.listAllSourceApps)
	appsOp("listAccessProfilesForSourceApp", http.MethodGet, "/source-apps/{id}/access-profiles", manageAuth,
		withApp(manageAuth, appIn...), s.listSourceAppAccessProfiles)
	appsOp("deleteAccessProfilesFromSourceAppByBulk", http.MethodPost, "/source-apps/{id}/access-profiles/bulk-remove",
		manageAuth, withApp(manageAuth, appIn...), s.removeSourceAppAccessProfiles)
	appsOp("patchUserApp", http.MethodPatch, "/user-apps/{id}", Auth{User: []string{ScopeAppRolesManage, ScopeAppRolesRead}}, nil,
		s.patchUserApp)
	appsOp("listAvailableAccountsForUserApp", http.MethodGet, "/user-apps/{id}/available-accounts", readAuth,
		withApp(readAuth, appIn...), s.listUserAppAccounts)
	appsOp("listOwnedUserApps", http.MethodGet, "/user-apps", readAuth, nil, s.listOwnedUserApps)
	appsOp("listAllUserApps", http.MethodGet, "/user-apps/all", manageAuth, withApp(manageAuth, Beta), s.listAllUserApps)
}

// AccountSourceDto is the accountSource of a SourceApp.
type AccountSourceDto struct {
	ID                       string     `json:"id"`
	Type                     string     `json:"type"`
	Name                     string     `json:"name"`
	UseForPasswordManagement bool       `json:"useForPasswordManagement"`
	PasswordPolicies         []mica.Ref `json:"passwordPolicies"`
}

// SourceAppDto is the wire form of a SourceApp (REFERENCE.md §5).
type SourceAppDto struct {
	ID                      string            `json:"id"`
	CloudAppID              string            `json:"cloudAppId"`
	Name                    string            `json:"name"`
	Created                 Time              `json:"created"`
	Modified                Time              `json:"modified"`
	Enabled                 bool              `json:"enabled"`
	ProvisionRequestEnabled bool              `json:"provisionRequestEnabled"`
	Description             string            `json:"description"`
	MatchAllAccounts        bool              `json:"matchAllAccounts"`
	AppCenterEnabled        bool              `json:"appCenterEnabled"`
	AccountSource           *AccountSourceDto `json:"accountSource"`
	Owner                   *mica.Ref         `json:"owner"`
}

// SourceAppPatchDto is a SourceApp with its access profile ids: the answer to a patch.
type SourceAppPatchDto struct {
	SourceAppDto
	AccessProfiles []string `json:"accessProfiles"`
}

func sourceAppDto(a *mica.SourceApp) SourceAppDto {
	d := SourceAppDto{ID: a.ID, CloudAppID: a.CloudAppID(), Name: a.Name, Created: Time(a.Created),
		Modified: Time(a.Modified), Enabled: a.Enabled, ProvisionRequestEnabled: a.ProvisionRequestEnabled,
		Description: a.Description, MatchAllAccounts: a.MatchAllAccounts, AppCenterEnabled: a.AppCenterEnabled,
		Owner: a.Owner}
	if a.AccountSource != nil {
		d.AccountSource = &AccountSourceDto{ID: a.AccountSource.ID, Type: "SOURCE", Name: a.AccountSource.Name,
			UseForPasswordManagement: a.UseForPasswordManagement}
	}
	return d
}

// appendJSON writes d as encoding/json does (TestSourceAppDtoJSON): a page of
// assigned apps is the hottest response of the API.
func (d *SourceAppDto) appendJSON(b []byte) []byte {
	b = append(b, `{"id":`...)
	b = jsonenc.String(b, d.ID)
	b = append(b, `,"cloudAppId":`...)
	b = jsonenc.String(b, d.CloudAppID)
	b = append(b, `,"name":`...)
	b = jsonenc.String(b, d.Name)
	b = append(b, `,"created":`...)
	b = jsonenc.MillisTime(b, time.Time(d.Created))
	b = append(b, `,"modified":`...)
	b = jsonenc.MillisTime(b, time.Time(d.Modified))
	b = append(b, `,"enabled":`...)
	b = jsonenc.Bool(b, d.Enabled)
	b = append(b, `,"provisionRequestEnabled":`...)
	b = jsonenc.Bool(b, d.ProvisionRequestEnabled)
	b = append(b, `,"description":`...)
	b = jsonenc.String(b, d.Description)
	b = append(b, `,"matchAllAccounts":`...)
	b = jsonenc.Bool(b, d.MatchAllAccounts)
	b = append(b, `,"appCenterEnabled":`...)
	b = jsonenc.Bool(b, d.AppCenterEnabled)
	b = append(b, `,"accountSource":`...)
	if s := d.AccountSource; s == nil {
		b = append(b, "null"...)
	} else {
		b = append(b, `{"id":`...)
		b = jsonenc.String(b, s.ID)
		b = append(b, `,"type":`...)
		b = jsonenc.String(b, s.Type)
		b = append(b, `,"name":`...)
		b = jsonenc.String(b, s.Name)
		b = append(b, `,"useForPasswordManagement":`...)
		b = jsonenc.Bool(b, s.UseForPasswordManagement)
		b = append(b, `,"passwordPolicies":`...)
		if s.PasswordPolicies == nil {
			b = append(b, "null"...)
		} else {
			b = append(b, '[')
			for i := range s.PasswordPolicies {
				if i > 0 {
					b = append(b, ',')
				}
				b = appendRef(b, &s.PasswordPolicies[i])
			}
			b = append(b, ']')
		}
		b = append(b, '}')
	}
	b = append(b, `,"owner":`...)
	if d.Owner == nil {
		b = append(b, "null"...)
	} else {
		b = appendRef(b, d.Owner)
	}
	return append(b, '}')
}

func appendRef(b []byte, r *mica.Ref) []byte {
	b = append(b, `{"type":`...)
	b = jsonenc.String(b, r.Type)
	b = append(b, `,"id":`...)
	b = jsonenc.String(b, r.ID)
	b = append(b, `,"name":`...)
	b = jsonenc.String(b, r.Name)
	return append(b, '}')
}

func sourceAppPatchDto(a *mica.SourceApp) SourceAppPatchDto {
	aps := a.AccessProfiles
	if aps == nil {
		aps = []string{}
	}
	return SourceAppPatchDto{SourceAppDto: sourceAppDto(a), AccessProfiles: aps}
}

func (s *Server) getSourceApp(w http.ResponseWriter, r *http.Request) error {
	a, err := s.Store.GetSourceApp(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, sourceAppDto(a))
	return nil
}

// sourceAppCreateRequest is SourceAppCreateDto.
type sourceAppCreateRequest struct {
	Name             *string `json:"name"`
	Description      *string `json:"description"`
	MatchAllAccounts *bool   `json:"matchAllAccounts"`
	AccountSource    *struct {
		ID   *string `json:"id"`
		Type *string `json:"type"`
		Name *string `json:"name"`
	} `json:"accountSource"`
}

func (s *Server) createSourceApp(w http.ResponseWriter, r *http.Request) error {
	var req sourceAppCreateRequest
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	switch {
	case req.Name == nil || strings.TrimSpace(*req.Name) == "":
		return mica.Errorf(mica.EMISSING, "name is required and cannot be empty")
	case req.Description == nil || strings.TrimSpace(*req.Description) == "":
		return mica.Errorf(mica.EMISSING, "description is required and cannot be empty")
	case req.AccountSource == nil || req.AccountSource.ID == nil || *req.AccountSource.ID == "":
		return mica.Errorf(mica.EMISSING, "accountSource.id is required")
	case req.AccountSource.Type != nil && *req.AccountSource.Type != "SOURCE":
		return mica.Errorf(mica.EILLEGAL, "accountSource.type must be SOURCE, not %q", *req.AccountSource.Type)
	}
	a := &mica.SourceApp{Name: *req.Name, Description: *req.Description, AppCenterEnabled: true,
		AccountSource: &mica.Ref{Type: "SOURCE", ID: *req.AccountSource.ID}, AccessProfiles: []string{}}
	if req.MatchAllAccounts != nil {
		a.MatchAllAccounts = *req.MatchAllAccounts
	}
	// The owner is the identity that creates the app; for an API client, the source's owner.
	if p := PrincipalFrom(r.Context()); p.IdentityID != "" {
		a.Owner = &mica.Ref{Type: "IDENTITY", ID: p.IdentityID}
	} else {
		src, err := s.Store.GetSource(r.Context(), a.AccountSource.ID)
		if mica.ErrorCode(err) == mica.ENOTFOUND {
			return mica.Errorf(mica.EREFNOTFOUND, "accountSource: source %q not found", a.AccountSource.ID)
		} else if err != nil {
			return err
		}
		a.Owner = &mica.Ref{Type: "IDENTITY", ID: src.Owner.ID}
	}
	if err := s.Store.CreateSourceApp(r.Context(), a); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, sourceAppDto(a))
	return nil
}

// sourceAppPatchable are the members of a SourceApp a JSON Patch may change (§5).
var sourceAppPatchable = []string{"name", "description", "enabled", "owner", "provisionRequestEnabled",
	"appCenterEnabled", "accountSource", "matchAllAccounts", "accessProfiles"}

// patchSourceAppFunc returns the change a JSON Patch makes to an app: the patch is
// applied to the app's wire form (SourceAppPatchDto), which is then read back.
func patchSourceAppFunc(ops []PatchOp) func(a *mica.SourceApp) error {
	return func(a *mica.SourceApp) error {
		doc, err := toDocument(sourceAppPatchDto(a))
		if err != nil {
			return err
		}
		out, err := applyPatch(doc, ops, sourceAppPatchable)
		if err != nil {
			return err
		}
		return readSourceAppDoc(a, out)
	}
}

// readSourceAppDoc sets the patchable fields of a from a patched SourceAppPatchDto,
// checking each value's type: every error names the field.
func readSourceAppDoc(a *mica.SourceApp, doc map[string]any) error {
	text := func(k string) (string, error) {
		v, ok := doc[k]
		if !ok || v == nil {
			return "", mica.Errorf(mica.EMISSING, "%s cannot be removed or null", k)
		}
		s, ok := v.(string)
		if !ok {
			return "", mica.Errorf(mica.EILLEGAL, "%s must be a string", k)
		}
		if strings.TrimSpace(s) == "" {
			return "", mica.Errorf(mica.EMISSING, "%s cannot be empty", k)
		}
		return s, nil
	}
	flag := func(k string) (bool, error) {
		v, ok := doc[k]
		if !ok || v == nil {
			return false, mica.Errorf(mica.EILLEGAL, "%s cannot be removed or null; it must be true or false", k)
		}
		b, ok := v.(bool)
		if !ok {
			return false, mica.Errorf(mica.EILLEGAL, "%s must be true or false", k)
		}
		return b, nil
	}
	var err error
	if a.Name, err = text("name"); err != nil {
		return err
	}
	if a.Description, err = text("description"); err != nil {
		return err
	}
	for k, dst := range map[string]*bool{"enabled": &a.Enabled, "provisionRequestEnabled": &a.ProvisionRequestEnabled,
		"appCenterEnabled": &a.AppCenterEnabled, "matchAllAccounts": &a.MatchAllAccounts} {
		if *dst, err = flag(k); err != nil {
			return err
		}
	}
	// owner: a reference to an identity, never null.
	owner, err := refMember(doc, "owner", "IDENTITY", "id", "type", "name")
	if err != nil {
		return err
	}
	if owner == nil {
		return mica.Errorf(mica.EMISSING, "owner cannot be removed or null")
	}
	a.Owner = &mica.Ref{Type: "IDENTITY", ID: owner["id"].(string)}
	// accountSource: a reference to a source, or null to detach the app.
	src, err := refMember(doc, "accountSource", "SOURCE", "id", "type", "name", "useForPasswordManagement", "passwordPolicies")
	if err != nil {
		return err
	}
	if src == nil {
		a.AccountSource = nil
	} else {
		a.AccountSource = &mica.Ref{Type: "SOURCE", ID: src["id"].(string)}
		if v, ok := src["useForPasswordManagement"]; ok {
			b, isBool := v.(bool)
			if !isBool {
				return mica.Errorf(mica.EILLEGAL, "accountSource.useForPasswordManagement must be true or false")
			}
			a.UseForPasswordManagement = b
		}
		if v, ok := src["passwordPolicies"]; ok && v != nil {
			if l, isList := v.([]any); !isList || len(l) > 0 {
				return mica.Errorf(mica.EILLEGAL, "accountSource.passwordPolicies cannot be set: mica has no password policies")
			}
		}
	}
	// accessProfiles: a list of access profile ids (removed or null means none).
	a.AccessProfiles = []string{}
	switch v := doc["accessProfiles"].(type) {
	case nil:
	case []any:
		for i, e := range v {
			id, ok := e.(string)
			if !ok || id == "" {
				return mica.Errorf(mica.EILLEGAL, "accessProfiles[%d] must be an access profile id (a non-empty string)", i)
			}
			a.AccessProfiles = append(a.AccessProfiles, id)
		}
	default:
		return mica.Errorf(mica.EILLEGAL, "accessProfiles must be a list of access profile ids")
	}
	return nil
}

// refMember reads doc[k] as a reference object: nil when absent or null, else an
// object whose keys are among allowed, with a non-empty string id and, when
// present, the type wantType.
func refMember(doc map[string]any, k, wantType string, allowed ...string) (map[string]any, error) {
	v, ok := doc[k]
	if !ok || v == nil {
		return nil, nil
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, mica.Errorf(mica.EILLEGAL, "%s must be an object with an id", k)
	}
	keys := make([]string, 0, len(m))
	for key := range m {
		keys = append(keys, key)
	}
	sort.Strings(keys)
	for _, key := range keys {
		if !containsString(allowed, key) {
			return nil, mica.Errorf(mica.EILLEGAL, "%s.%s is not a field of %s; fields: %s", k, key, k, strings.Join(allowed, ", "))
		}
	}
	if id, ok := m["id"].(string); !ok || id == "" {
		return nil, mica.Errorf(mica.EMISSING, "%s.id is required and must be a non-empty string", k)
	}
	if t, ok := m["type"]; ok && t != nil && t != wantType {
		return nil, mica.Errorf(mica.EILLEGAL, "%s.type must be %s", k, wantType)
	}
	return m, nil
}

func (s *Server) patchSourceApp(w http.ResponseWriter, r *http.Request) error {
	ops, err := decodePatch(r)
	if err != nil {
		return err
	}
	apps, err := s.Store.UpdateSourceApps(r.Context(), []string{r.PathValue("id")}, patchSourceAppFunc(ops))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, sourceAppPatchDto(apps[0]))
	return nil
}

// sourceAppBulkUpdateRequest is SourceAppBulkUpdateRequest.
type sourceAppBulkUpdateRequest struct {
	AppIDs    []string  `json:"appIds"`
	JSONPatch []PatchOp `json:"jsonPatch"`
}

func (s *Server) updateSourceAppsInBulk(w http.ResponseWriter, r *http.Request) error {
	var req sourceAppBulkUpdateRequest
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	switch {
	case len(req.AppIDs) == 0:
		return mica.Errorf(mica.EMISSING, "appIds is required and must list at least one source app id")
	case len(req.AppIDs) > mica.MaxBulkSourceApps:
		return mica.Errorf(mica.EILLEGAL, "appIds lists %d source apps; at most %d are allowed", len(req.AppIDs), mica.MaxBulkSourceApps)
	case len(req.JSONPatch) == 0:
		return mica.Errorf(mica.EMISSING, "jsonPatch is required and must hold at least one operation")
	case len(req.JSONPatch) > maxPatchOps:
		return mica.Errorf(mica.EILLEGAL, "jsonPatch has more than %d operations", maxPatchOps)
	}
	var ids []string
	seen := map[string]bool{}
	for i, id := range req.AppIDs {
		if id == "" {
			return mica.Errorf(mica.EILLEGAL, "appIds[%d] is empty", i)
		}
		if !seen[id] {
			seen[id] = true
			ids = append(ids, id)
		}
	}
	if _, err := s.Store.UpdateSourceApps(r.Context(), ids, patchSourceAppFunc(req.JSONPatch)); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) deleteSourceApp(w http.ResponseWriter, r *http.Request) error {
	a, err := s.Store.DeleteSourceApp(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, sourceAppDto(a))
	return nil
}

func (s *Server) listSourceApps(w http.ResponseWriter, r *http.Request, l *query.List,
	fn func(opt mica.ListOptions) (mica.Page[*mica.SourceApp], error)) error {
	opt, err := listOptions(r, l)
	if err != nil {
		return err
	}
	page, err := fn(opt)
	if err != nil {
		return err
	}
	if page.Shared {
		writeSharedApps(w, page)
		return nil
	}
	writePage(w, page, sourceAppDto)
	return nil
}

// keptJSON is the app's JSON, from its slot (stored there the first time).
func keptJSON(k *mica.Kept, a *mica.SourceApp) []byte {
	if b := k.Load(); b != nil {
		return *b
	}
	d := sourceAppDto(a)
	b := d.appendJSON(nil)
	k.Store(&b)
	return b
}

// writeSharedApps writes a page of shared apps (what writePage writes) from
// their JSON kept in the store's cache (mica.Page.Kept), written there by the
// first request that lists the app: a page is then a copy of bytes, into a
// buffer reused across requests (pageBuffers).
func writeSharedApps(w http.ResponseWriter, p mica.Page[*mica.SourceApp]) {
	if p.Total >= 0 {
		w.Header().Set("X-Total-Count", strconv.Itoa(p.Total))
	}
	bp := pageBuffers.Get().(*[]byte)
	b := append((*bp)[:0], '[')
	for i, a := range p.Items {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, keptJSON(p.Kept[i], a)...)
	}
	b = append(b, ']')
	writeJSONBytes(w, http.StatusOK, b)
	// Write has copied b or written it out (no writer keeps it: the journal's
	// capture and the console's recorder copy what they keep).
	if cap(b) <= maxPooledPage {
		*bp = b
		pageBuffers.Put(bp)
	}
}

// pageBuffers are the buffers pages of shared apps are written in. Without
// them each page (~28 KB for 50 apps) was a new allocation: 70 % of the bytes
// the server allocated under the list benchmark, and most of its garbage
// collection.
var pageBuffers = sync.Pool{New: func() any { b := make([]byte, 0, 32<<10); return &b }}

// maxPooledPage caps the buffers kept for reuse: a page of 250 large apps is
// returned to the garbage collector rather than held.
const maxPooledPage = 1 << 20

func (s *Server) listAssignedSourceApps(w http.ResponseWriter, r *http.Request) error {
	id := PrincipalFrom(r.Context()).IdentityID
	return s.listSourceApps(w, r, query.ListAssignedSourceApp, func(opt mica.ListOptions) (mica.Page[*mica.SourceApp], error) {
		return s.Store.ListAssignedSourceApps(r.Context(), id, opt)
	})
}

func (s *Server) listAvailableSourceApps(w http.ResponseWriter, r *http.Request) error {
	return s.listSourceApps(w, r, query.ListAvailableSourceApps, func(opt mica.ListOptions) (mica.Page[*mica.SourceApp], error) {
		return s.Store.ListAvailableSourceApps(r.Context(), opt)
	})
}

func (s *Server) listAllSourceApps(w http.ResponseWriter, r *http.Request) error {
	return s.listSourceApps(w, r, query.ListAllSourceApp, func(opt mica.ListOptions) (mica.Page[*mica.SourceApp], error) {
		return s.Store.ListSourceApps(r.Context(), opt)
	})
}

// AccountSelectorDto is the accountSelector of AccessProfileDetails.
type AccountSelectorDto struct {
	Selectors []any `json:"selectors"`
}

// AccessProfileDetailsDto is an access profile as listed through a source app.
// Its sourceId and appId are the deprecated integer ids (§5).
type AccessProfileDetailsDto struct {
	ID                           string              `json:"id"`
	Name                         string              `json:"name"`
	Description                  *string             `json:"description"`
	Created                      Time                `json:"created"`
	Modified                     Time                `json:"modified"`
	Disabled                     bool                `json:"disabled"`
	Requestable                  bool                `json:"requestable"`
	Protected                    bool                `json:"protected"`
	OwnerID                      string              `json:"ownerId"`
	SourceID                     *int64              `json:"sourceId"`
	SourceName                   string              `json:"sourceName"`
	AppID                        *int64              `json:"appId"`
	AppName                      *string             `json:"appName"`
	ApplicationID                string              `json:"applicationId"`
	Type                         string              `json:"type"`
	Entitlements                 []string            `json:"entitlements"`
	EntitlementCount             int                 `json:"entitlementCount"`
	Segments                     []string            `json:"segments"`
	ApprovalSchemes              string              `json:"approvalSchemes"`
	RevokeRequestApprovalSchemes string              `json:"revokeRequestApprovalSchemes"`
	RequestCommentsRequired      bool                `json:"requestCommentsRequired"`
	DeniedCommentsRequired       bool                `json:"deniedCommentsRequired"`
	AccountSelector              *AccountSelectorDto `json:"accountSelector"`
}

func accessProfileDetailsDto(p *mica.AppAccessProfile) AccessProfileDetailsDto {
	sourceID, appID, appName := mica.LegacyID(p.SourceID), mica.LegacyID(p.AppID), p.AppName
	return AccessProfileDetailsDto{ID: p.ID, Name: p.Name, Description: p.Description, Created: Time(p.Created),
		Modified: Time(p.Modified), Disabled: !p.Enabled, Requestable: p.Requestable, OwnerID: p.OwnerID,
		SourceID: &sourceID, SourceName: p.SourceName, AppID: &appID, AppName: &appName, ApplicationID: p.SourceID,
		Type: "source", Entitlements: p.Entitlements, EntitlementCount: len(p.Entitlements), Segments: p.Segments,
		AccountSelector: &AccountSelectorDto{}}
}

func (s *Server) listSourceAppAccessProfiles(w http.ResponseWriter, r *http.Request) error {
	opt, err := listOptions(r, query.ListAccessProfilesForSourceApp)
	if err != nil {
		return err
	}
	page, err := s.Store.ListSourceAppAccessProfiles(r.Context(), r.PathValue("id"), opt)
	if err != nil {
		return err
	}
	writePage(w, page, accessProfileDetailsDto)
	return nil
}

// maxBulkRemove caps the access profile ids of one bulk-remove.
const maxBulkRemove = 250

func (s *Server) removeSourceAppAccessProfiles(w http.ResponseWriter, r *http.Request) error {
	page, err := query.ParsePage(r.URL.Query())
	if err != nil {
		return err
	}
	var ids []string
	if err := decodeJSON(r, &ids); err != nil {
		return err
	}
	switch {
	case ids == nil:
		return mica.Errorf(mica.EMISSING, "the request body must be a list of access profile ids")
	case len(ids) > maxBulkRemove:
		return mica.Errorf(mica.EILLEGAL, "at most %d access profile ids can be removed at once", maxBulkRemove)
	}
	for i, id := range ids {
		if id == "" {
			return mica.Errorf(mica.EILLEGAL, "access profile id [%d] is empty", i)
		}
	}
	appID := r.PathValue("id")
	if err := s.Store.RemoveSourceAppAccessProfiles(r.Context(), appID, ids); err != nil {
		return err
	}
	left, err := s.Store.ListSourceAppAccessProfiles(r.Context(), appID, mica.ListOptions{Limit: page.Limit})
	if err != nil {
		return err
	}
	writePage(w, left, accessProfileDetailsDto)
	return nil
}

// UserAppOwnerDto is the owner of a UserApp.
type UserAppOwnerDto struct {
	ID    string `json:"id"`
	Type  string `json:"type"`
	Name  string `json:"name"`
	Alias string `json:"alias"`
}

// UserAppDto is the wire form of a UserApp (§5).
type UserAppDto struct {
	ID                       string          `json:"id"`
	Created                  Time            `json:"created"`
	Modified                 Time            `json:"modified"`
	HasMultipleAccounts      bool            `json:"hasMultipleAccounts"`
	UseForPasswordManagement bool            `json:"useForPasswordManagement"`
	ProvisionRequestEnabled  bool            `json:"provisionRequestEnabled"`
	AppCenterEnabled         bool            `json:"appCenterEnabled"`
	SourceApp                mica.Ref        `json:"sourceApp"`
	Source                   mica.Ref        `json:"source"`
	Account                  *mica.Ref       `json:"account"`
	Owner                    UserAppOwnerDto `json:"owner"`
}

func userAppDto(u *mica.UserApp) UserAppDto {
	return UserAppDto{ID: u.ID, Created: Time(u.Created), Modified: Time(u.Modified),
		HasMultipleAccounts: u.HasMultipleAccounts, UseForPasswordManagement: u.UseForPasswordManagement,
		ProvisionRequestEnabled: u.ProvisionRequestEnabled, AppCenterEnabled: u.AppCenterEnabled,
		SourceApp: u.SourceApp, Source: u.Source, Account: u.Account,
		Owner: UserAppOwnerDto{ID: u.Owner.ID, Type: "IDENTITY", Name: u.Owner.Name, Alias: u.Owner.Alias}}
}

func (s *Server) listOwnedUserApps(w http.ResponseWriter, r *http.Request) error {
	opt, err := listOptions(r, query.ListOwnedUserApps)
	if err != nil {
		return err
	}
	page, err := s.Store.ListUserApps(r.Context(), PrincipalFrom(r.Context()).IdentityID, opt)
	if err != nil {
		return err
	}
	writePage(w, page, userAppDto)
	return nil
}

func (s *Server) listAllUserApps(w http.ResponseWriter, r *http.Request) error {
	opt, err := listOptions(r, query.ListAllUserApps)
	if err != nil {
		return err
	}
	if strings.TrimSpace(opt.Filters) == "" {
		return mica.Errorf(mica.EMISSING, "query parameter \"filters\" is required")
	}
	page, err := s.Store.ListUserApps(r.Context(), "", opt)
	if err != nil {
		return err
	}
	writePage(w, page, userAppDto)
	return nil
}

// callerUserApp loads a user app the caller may act on: its own, or any when
// other is true. Others' user apps are answered 404, as if they did not exist.
func (s *Server) callerUserApp(r *http.Request, other bool) (*mica.UserApp, error) {
	p := PrincipalFrom(r.Context())
	u, err := s.Store.GetUserApp(r.Context(), r.PathValue("id"))
	if err != nil {
		return nil, err
	}
	if u.Owner.ID != p.IdentityID && !other {
		return nil, mica.Errorf(mica.ENOTFOUND, "user app %q not found", r.PathValue("id"))
	}
	return u, nil
}

func (s *Server) patchUserApp(w http.ResponseWriter, r *http.Request) error {
	p := PrincipalFrom(r.Context())
	u, err := s.callerUserApp(r, p.Has(ScopeAppRolesManage))
	if err != nil {
		return err
	}
	ops, err := decodePatch(r)
	if err != nil {
		return err
	}
	doc, err := toDocument(userAppDto(u))
	if err != nil {
		return err
	}
	out, err := applyPatch(doc, ops, []string{"account"})
	if err != nil {
		return err
	}
	acct, err := refMember(out, "account", "ACCOUNT", "id", "type", "name")
	if err != nil {
		return err
	}
	if acct == nil {
		return mica.Errorf(mica.EMISSING, "account cannot be removed or null")
	}
	u, err = s.Store.SetUserAppAccount(r.Context(), u.ID, acct["id"].(string))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, userAppDto(u))
	return nil
}

// AppAccountDetailsDto is one account a user app may use.
type AppAccountDetailsDto struct {
	AppID          string              `json:"appId"`
	AppDisplayName string              `json:"appDisplayName"`
	SourceAccount  AppSourceAccountDto `json:"sourceAccount"`
}

// AppSourceAccountDto is the sourceAccount of AppAccountDetails.
type AppSourceAccountDto struct {
	ID                string `json:"id"`
	NativeIdentity    string `json:"nativeIdentity"`
	DisplayName       string `json:"displayName"`
	SourceID          string `json:"sourceId"`
	SourceDisplayName string `json:"sourceDisplayName"`
}

func appAccountDetailsDto(a *mica.AppAccount) AppAccountDetailsDto {
	return AppAccountDetailsDto{AppID: a.AppID, AppDisplayName: a.AppName, SourceAccount: AppSourceAccountDto{
		ID: a.AccountID, NativeIdentity: a.NativeIdentity, DisplayName: a.DisplayName, SourceID: a.SourceID,
		SourceDisplayName: a.SourceName}}
}

func (s *Server) listUserAppAccounts(w http.ResponseWriter, r *http.Request) error {
	page, err := query.ParsePage(r.URL.Query())
	if err != nil {
		return err
	}
	// Only the caller's own user apps; API clients (no identity) may read any.
	u, err := s.callerUserApp(r, PrincipalFrom(r.Context()).IdentityID == "")
	if err != nil {
		return err
	}
	accounts, err := s.Store.ListUserAppAccounts(r.Context(), u.ID,
		mica.ListOptions{Limit: page.Limit, Offset: page.Offset, Count: page.Count})
	if err != nil {
		return err
	}
	writePage(w, accounts, appAccountDetailsDto)
	return nil
}
