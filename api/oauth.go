package api

import (
	"errors"
	"mime"
	"net/http"
	"strings"
	"time"

	"github.com/micahq/mica"
	"github.com/micahq/mica/oauth"
)

func (s *Server) registerOAuth() {
	s.mux.HandleFunc("POST /oauth/token", s.token)
	s.handleRaw("GET /oauth/info", s.oauthInfo)
	s.handleRaw("GET /oauth/jwks", s.jwks)
	s.handleRaw("GET /.well-known/jwks.json", s.jwks)
}

// oauthError writes an RFC 6749 §5.2 error body.
func oauthError(w http.ResponseWriter, status int, code, description string) {
	if status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Basic realm="oauth"`)
	}
	writeJSON(w, status, map[string]string{"error": code, "error_description": description})
}

// token is POST /oauth/token: the client_credentials grant, with parameters as
// x-www-form-urlencoded, multipart/form-data (the TypeScript SDK) or query string,
// and the client credentials as parameters or HTTP Basic.
func (s *Server) token(w http.ResponseWriter, r *http.Request) {
	if ri := requestInfoFrom(r.Context()); ri != nil {
		ri.op = "/oauth/token"
	}
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	var perr error
	if ct == "multipart/form-data" {
		perr = r.ParseMultipartForm(64 << 10)
	} else {
		perr = r.ParseForm()
	}
	if perr != nil {
		oauthError(w, http.StatusBadRequest, "invalid_request", "the request parameters could not be read")
		return
	}
	grant := r.FormValue("grant_type")
	id, secret := r.FormValue("client_id"), r.FormValue("client_secret")
	if u, p, ok := r.BasicAuth(); ok && id == "" {
		id, secret = u, p
	}
	switch {
	case grant == "":
		oauthError(w, http.StatusBadRequest, "invalid_request", "missing grant_type")
		return
	case grant != "client_credentials":
		oauthError(w, http.StatusBadRequest, "unsupported_grant_type", "Unsupported grant type: "+grant)
		return
	case id == "" || secret == "":
		oauthError(w, http.StatusUnauthorized, "invalid_client", "client_id and client_secret are required")
		return
	}
	ctx := r.Context()
	client, err := s.Store.GetClient(ctx, id)
	known := err == nil
	if err != nil && mica.ErrorCode(err) != mica.ENOTFOUND {
		Error(w, r, err)
		return
	}
	if !known || !s.signIn.knownGood(id, secret, client.SecretHash) {
		host := remoteHost(r)
		if wait := s.signIn.begin(id, host); wait > 0 {
			s.Metrics.signInRefused("throttled")
			tooManySignIns(w, wait)
			return
		}
		hash := ""
		if known {
			hash = client.SecretHash
		}
		ok, err := s.signIn.compare(ctx, hash, secret)
		if errors.As(err, new(errSignInBusy)) {
			s.signIn.succeeded(id, host) // nothing was compared: not a failure
			s.Metrics.signInRefused("busy")
			tooManySignIns(w, time.Second)
			return
		} else if err != nil {
			s.signIn.succeeded(id, host)
			Error(w, r, err)
			return
		}
		if !ok {
			s.Metrics.signInRefused("bad_credentials")
			oauthError(w, http.StatusUnauthorized, "invalid_client", "Bad credentials")
			return
		}
		s.signIn.succeeded(id, host)
		s.signIn.remember(id, secret, client.SecretHash)
	}
	now := s.Now()
	if !client.Enabled || (client.ExpiresAt != nil && !now.Before(*client.ExpiresAt)) {
		oauthError(w, http.StatusUnauthorized, "invalid_client", "the client is disabled or expired")
		return
	}
	scopes := client.Scopes
	if req := strings.Fields(r.FormValue("scope")); len(req) > 0 {
		for _, sc := range req {
			if !containsString(client.Scopes, sc) && !containsString(client.Scopes, ScopeAll) {
				oauthError(w, http.StatusBadRequest, "invalid_scope", "the client does not have the scope "+sc)
				return
			}
		}
		scopes = req
	}
	claims := &oauth.Claims{TenantID: s.Config.TenantID, Pod: "mica", Org: s.Config.TenantName,
		ClientID: client.ID, Scope: scopes, IssuedAt: now.Unix(), JTI: mica.NewID()}
	ttl := s.Config.TokenTTL
	if client.AccessTokenSeconds > 0 && client.Kind == mica.ClientPAT {
		ttl = min(ttl, secondsDuration(client.AccessTokenSeconds))
	}
	claims.Exp = now.Add(ttl).Unix()
	if client.IdentityID != "" {
		ident, err := s.Store.GetIdentity(ctx, client.IdentityID)
		if err != nil {
			Error(w, r, err)
			return
		}
		claims.IdentityID, claims.UserID = ident.ID, ident.ID
		claims.UserName = ident.Alias
		if claims.UserName == "" {
			claims.UserName = ident.Name
		}
		claims.Authorities = ident.Levels
	} else {
		claims.Authorities = []string{mica.LevelAPI}
	}
	tok, err := s.Signer.Sign(claims)
	if err != nil {
		Error(w, r, err)
		return
	}
	if err := s.Store.TouchClient(ctx, client.ID, now.UTC()); err != nil {
		s.Logger.WarnContext(ctx, "record client use", "client", client.ID, "error", err)
	}
	body := map[string]any{
		"access_token": tok, "token_type": "bearer", "expires_in": int(ttl.Seconds()) - 1,
		"scope": strings.Join(scopes, " "), "accessType": "OFFLINE", "tenant_id": s.Config.TenantID,
		"internal": false, "pod": claims.Pod, "org": claims.Org, "strong_auth": false,
		"strong_auth_supported": false, "enabled": true, "jti": claims.JTI,
	}
	if claims.IdentityID != "" {
		body["identity_id"], body["user_id"] = claims.IdentityID, claims.UserID
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, body)
}

// oauthInfo is GET /oauth/info: where the tenant's OAuth endpoints are.
func (s *Server) oauthInfo(w http.ResponseWriter, _ *http.Request) error {
	base := strings.TrimSuffix(s.Config.BaseURL, "/")
	writeJSON(w, http.StatusOK, map[string]string{
		"tenantId": s.Config.TenantID, "tenantName": s.Config.TenantName,
		"authorizeEndpoint": base + "/oauth/authorize", "tokenEndpoint": base + "/oauth/token",
		"cloudDomainUrl": base, "logoutUrl": base + "/logout", "pod": "mica",
	})
	return nil
}

// jwks serves the key set that verifies mica's access tokens.
func (s *Server) jwks(w http.ResponseWriter, _ *http.Request) error {
	writeJSON(w, http.StatusOK, s.Signer.JWKS())
	return nil
}

func containsString(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
