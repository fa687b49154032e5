package api

import (
	"context"
	"errors"
	"net/http"
	"sort"
	"strings"

	"github.com/micahq/mica"
	"github.com/micahq/mica/oauth"
)

// Version is an API version: a path prefix such as /v2025, or the per-service
// form /{service}/v1/...
type Version string

// API versions.
const (
	Beta  Version = "beta"
	V3    Version = "v3"
	V2024 Version = "v2024"
	V2025 Version = "v2025"
	V2026 Version = "v2026"
	V1    Version = "v1"
	// V2 is a service's second per-service version, /{service}/v2/...: only
	// machine identities have one (REFERENCE.md §15, #70–74, in the v1 document).
	V2 Version = "v2"
	// Mica is mica's own extension API, clearly outside ISC's: /mica/v1/...
	Mica Version = "mica"
)

// Version sets used when registering operations.
var (
	AllVersions    = []Version{V3, V2024, V2025, V2026, Beta, V1}
	NoV3           = []Version{V2024, V2025, V2026, Beta, V1}
	Yearly2024Plus = []Version{V2024, V2025, V2026, V1}
	Yearly2025Plus = []Version{V2025, V2026, V1}
)

// VersionFrom returns the API version the request was routed under.
func VersionFrom(ctx context.Context) Version {
	if ri := requestInfoFrom(ctx); ri != nil {
		return ri.version
	}
	return ""
}

// Auth is how an operation is authorized in one version (REFERENCE.md §2, §4, §14.2).
type Auth struct {
	User   []string // userAuth scopes, any one suffices; empty means any authenticated user
	App    []string // applicationAuth scopes; nil means API clients (no identity) are refused
	Levels []string // x-sailpoint-userLevels; nil means none declared
	// AnyApp allows API clients with any scope (applicationAuth with an empty scope list).
	AnyApp bool
}

// Op is one API operation, registered once and mounted under every version that has it.
type Op struct {
	ID           string // operationId
	Method       string
	Path         string // path below the version, e.g. /sources/{id}
	Versions     []Version
	Auth         Auth
	AuthBy       map[Version]Auth // per-version exceptions to Auth
	Experimental []Version        // versions that require X-SailPoint-Experimental: true
	Public       bool             // no token needed
	// Shares names a pattern (below the version) that Go's ServeMux holds for
	// this operation and others whose own patterns it would call conflicting:
	// each with a literal where another has a wildcard, as GET
	// /sources/subtypes/{subtypeId} and GET /sources/{sourceId}/subtypes. The
	// request goes to the operation whose Path matches, literal segments first.
	Shares string
	// NotFoundIs400 is for operations whose spec declares no 404: a missing
	// object they name answers 400 "400.1.404 Referenced object not found".
	NotFoundIs400 bool
	// Control marks an emulator control (controls.go): never journaled,
	// counted in coverage or faulted, and not held back by a restore.
	Control bool
	// IDs are the operationIds the reference gives the operation in versions
	// where it is not ID (v1 adds "V1" to ID unless listed here).
	IDs    map[Version]string
	Handle func(w http.ResponseWriter, r *http.Request) error
}

// VersionID is the operationId of op in v, as the reference names it.
func (op *Op) VersionID(v Version) string {
	if id, ok := op.IDs[v]; ok {
		return id
	}
	if v == V1 {
		return op.ID + "V1"
	}
	return op.ID
}

// VersionPath is where op is mounted under v: /v2025/sources/{id}, or
// /sources/v1/{id} for the per-service form.
func VersionPath(v Version, path string) string {
	if v == Mica {
		return "/mica/v1" + path
	}
	if v != V1 && v != V2 {
		return "/" + string(v) + path
	}
	rest := strings.TrimPrefix(path, "/")
	head, tail, found := strings.Cut(rest, "/")
	if !found {
		return "/" + head + "/" + string(v)
	}
	return "/" + head + "/" + string(v) + "/" + tail
}

// SpecVersion is the official document an operation of version v is in: the
// per-service v2 operations are in the v1 document.
func SpecVersion(v Version) Version {
	if v == V2 {
		return V1
	}
	return v
}

// Handle registers op under each of its versions.
func (s *Server) Handle(op *Op) { s.handle(op) }

// handle registers op under each of its versions.
func (s *Server) handle(op *Op) {
	s.ops = append(s.ops, op)
	for _, v := range op.Versions {
		v := v
		h := s.wrap(op, v)
		pattern := op.Method + " " + VersionPath(v, op.Path)
		if op.Shares != "" {
			pattern = op.Method + " " + VersionPath(v, op.Shares)
			s.share(pattern, VersionPath(v, op.Path), h)
		} else {
			s.mux.Handle(pattern, h)
		}
		if s.controls != nil {
			s.controls.opPatterns[pattern] = true
		}
	}
}

// sharedRoute is the operations reached through one shared pattern (Op.Shares).
type sharedRoute struct {
	routes []sharedTarget
}

type sharedTarget struct {
	segs []string // the operation's path segments; "{name}" for a wildcard
	h    http.Handler
}

// share mounts h, the handler of the operation at path, under the shared pattern.
func (s *Server) share(pattern, path string, h http.Handler) {
	if s.shared == nil {
		s.shared = map[string]*sharedRoute{}
	}
	sr := s.shared[pattern]
	if sr == nil {
		sr = &sharedRoute{}
		s.shared[pattern] = sr
		s.mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
			t, vals := sr.match(r.URL.Path)
			if t == nil {
				s.notFound(w, r)
				return
			}
			for name, v := range vals {
				r.SetPathValue(name, v)
			}
			t.h.ServeHTTP(w, r)
		})
	}
	sr.routes = append(sr.routes, sharedTarget{segs: strings.Split(strings.Trim(path, "/"), "/"), h: h})
	// Literal segments win over wildcards, the first segment where two paths differ deciding.
	sort.SliceStable(sr.routes, func(i, j int) bool { return moreLiteral(sr.routes[i].segs, sr.routes[j].segs) })
}

// moreLiteral reports whether a has a literal where b has a wildcard, at the
// first segment where one of them does.
func moreLiteral(a, b []string) bool {
	for k := 0; k < len(a) && k < len(b); k++ {
		la, lb := !strings.HasPrefix(a[k], "{"), !strings.HasPrefix(b[k], "{")
		if la != lb {
			return la
		}
	}
	return false
}

// match returns the operation whose path matches urlPath, with its path values.
func (sr *sharedRoute) match(urlPath string) (*sharedTarget, map[string]string) {
	segs := strings.Split(strings.Trim(urlPath, "/"), "/")
	for i := range sr.routes {
		t := &sr.routes[i]
		if len(t.segs) != len(segs) {
			continue
		}
		vals := map[string]string{}
		ok := true
		for k, seg := range t.segs {
			if strings.HasPrefix(seg, "{") {
				if segs[k] == "" {
					ok = false
					break
				}
				vals[strings.Trim(seg, "{}")] = segs[k]
			} else if seg != segs[k] {
				ok = false
				break
			}
		}
		if ok {
			return t, vals
		}
	}
	return nil, nil
}

// handleRaw registers a versionless route (OAuth, health) with the error adapter.
func (s *Server) handleRaw(pattern string, fn func(w http.ResponseWriter, r *http.Request) error) {
	_, route, _ := strings.Cut(pattern, " ")
	s.mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
		if ri := requestInfoFrom(r.Context()); ri != nil {
			ri.op = route
		}
		if err := fn(w, r); err != nil {
			Error(w, r, err)
		}
	})
}

// wrap is the per-operation chain: authenticate, rate limit, experimental header, authorize, handle.
func (s *Server) wrap(op *Op, v Version) http.Handler {
	auth := op.Auth
	if a, ok := op.AuthBy[v]; ok {
		auth = a
	}
	experimental := false
	for _, e := range op.Experimental {
		experimental = experimental || e == v
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ri := requestInfoFrom(r.Context())
		if ri == nil { // a handler called outside Handler's chain
			ri = &requestInfo{}
			r = r.WithContext(context.WithValue(r.Context(), requestInfoKey, ri))
		}
		ri.op, ri.version, ri.route = op.ID, v, op
		if s.controls != nil && !op.Control { // a restore waits for this request, and this one for a restore
			s.controls.gate.RLock()
			defer s.controls.gate.RUnlock()
		}
		err := func() error {
			clientID := ""
			if !op.Public {
				p, err := s.authenticate(r)
				if err != nil {
					if mica.ErrorCode(err) == mica.EUNAUTHORIZED {
						s.Metrics.authFailure("token")
					}
					return err
				}
				ri.clientID = p.ClientID
				clientID = p.ClientID
				if err := s.allow(w, r, p.ClientID+"|"+string(v)); err != nil {
					s.Metrics.rateLimitRefusal(v)
					return err
				}
				ri.principal = p
			}
			if s.controls != nil && !op.Control && s.controls.inject(w, r, op, v, clientID) {
				return errAnswered
			}
			if !op.Public {
				p := PrincipalFrom(r.Context())
				if experimental && !strings.EqualFold(strings.TrimSpace(r.Header.Get("X-SailPoint-Experimental")), "true") {
					return errExperimental
				}
				if err := authorize(p, auth); err != nil {
					return err
				}
			}
			err := op.Handle(w, r)
			if op.NotFoundIs400 && mica.ErrorCode(err) == mica.ENOTFOUND {
				return mica.Errorf(mica.EREFNOTFOUND, "%s", mica.ErrorMessage(err))
			}
			return err
		}()
		if errors.Is(err, errAnswered) {
			return
		}
		if errors.Is(err, errExperimental) {
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": "Experimental Header is missing or invalid."})
			return
		}
		if err != nil {
			Error(w, r, err)
		}
	})
}

var (
	errExperimental = errors.New("experimental header missing")
	errAnswered     = errors.New("answered by a fault rule")
)

// authenticate verifies the bearer token and that its client still exists and is enabled.
func (s *Server) authenticate(r *http.Request) (*Principal, error) {
	h := r.Header.Get("Authorization")
	if h == "" {
		return nil, mica.Errorf(mica.EUNAUTHORIZED, "JWT validation failed: JWT is missing")
	}
	scheme, token, ok := strings.Cut(h, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(token) == "" {
		return nil, mica.Errorf(mica.EUNAUTHORIZED, "JWT validation failed: Authorization header is not a Bearer token")
	}
	c, err := s.Signer.Verify(strings.TrimSpace(token), s.Now())
	if err != nil {
		if errors.Is(err, oauth.ErrToken) {
			return nil, mica.Errorf(mica.EUNAUTHORIZED, "%s", err.Error())
		}
		return nil, err
	}
	var client *mica.Client
	var identity *mica.Identity
	lookup, fast := s.Store.(authLookup)
	if fast {
		client, identity, err = lookup.AuthLookup(r.Context(), c.ClientID, c.IdentityID)
	} else {
		client, err = s.Store.GetClient(r.Context(), c.ClientID)
	}
	if mica.ErrorCode(err) == mica.ENOTFOUND {
		return nil, mica.Errorf(mica.EUNAUTHORIZED, "JWT validation failed: client no longer exists")
	} else if err != nil {
		return nil, err
	}
	if !client.Enabled {
		return nil, mica.Errorf(mica.EUNAUTHORIZED, "JWT validation failed: client is disabled")
	}
	if client.ExpiresAt != nil && !s.Now().Before(*client.ExpiresAt) {
		return nil, mica.Errorf(mica.EUNAUTHORIZED, "JWT validation failed: personal access token has expired")
	}
	if !scopesWithin(c.Scope, client.Scopes) {
		return nil, mica.Errorf(mica.EUNAUTHORIZED, "JWT validation failed: the token's scopes are no longer all granted to its client; request a new token")
	}
	p := &Principal{ClientID: c.ClientID, IdentityID: c.IdentityID, Levels: c.Authorities, Scopes: c.Scope}
	if p.IdentityID != "" {
		if !fast {
			identity, err = s.Store.GetIdentity(r.Context(), p.IdentityID)
			if mica.ErrorCode(err) == mica.ENOTFOUND {
				identity, err = nil, nil
			} else if err != nil {
				return nil, err
			}
		}
		if identity == nil {
			return nil, mica.Errorf(mica.EUNAUTHORIZED, "JWT validation failed: identity no longer exists")
		}
		p.Identity = identity
		// Levels are the identity's current ones: a demoted identity loses rights at once.
		p.Levels = p.Identity.Levels
	}
	p.rights = effectiveRights(p.Levels, p.Scopes)
	return p, nil
}

// scopesWithin reports whether a token's scopes are all still granted to its
// client (its scopes were narrowed after the token was issued, otherwise).
func scopesWithin(token, client []string) bool {
	if containsString(client, ScopeAll) {
		return true
	}
	for _, s := range token {
		if !containsString(client, s) {
			return false
		}
	}
	return true
}

// authLookup is the store's optional fast path for authenticate: the client's
// state and the identity's name and levels in one read (sqlite.DB.AuthLookup),
// instead of GetClient and GetIdentity, which decode everything.
type authLookup interface {
	AuthLookup(ctx context.Context, clientID, identityID string) (*mica.Client, *mica.Identity, error)
}

// authorize checks a principal against an operation's Auth for the version.
func authorize(p *Principal, a Auth) error {
	if p.IdentityID == "" {
		if a.App == nil && !a.AnyApp {
			return mica.Errorf(mica.EFORBIDDEN, "this operation needs a user context; API clients without an identity cannot call it")
		}
		if a.AnyApp || hasAny(p, a.App) {
			return nil
		}
		return mica.Errorf(mica.EFORBIDDEN, "the token lacks the scope this operation needs (one of: %s)", strings.Join(a.App, ", "))
	}
	if len(a.User) > 0 && !hasAny(p, a.User) {
		return mica.Errorf(mica.EFORBIDDEN, "the token lacks the scope this operation needs (one of: %s)", strings.Join(a.User, ", "))
	}
	if len(a.Levels) > 0 {
		for _, l := range a.Levels {
			// Every identity is a user: USER is the level all others build on.
			if p.HasLevel(l) || l == mica.LevelUser {
				return nil
			}
		}
		return mica.Errorf(mica.EFORBIDDEN, "the user level does not allow this operation (one of: %s)", strings.Join(a.Levels, ", "))
	}
	return nil
}

func hasAny(p *Principal, scopes []string) bool {
	for _, s := range scopes {
		if p.Has(s) {
			return true
		}
	}
	return false
}
