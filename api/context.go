package api

import (
	"context"

	"github.com/micahq/mica"
)

type ctxKey int

// TrackingID returns the request's tracking id (also sent as Slpt-Request-Id).
func TrackingID(ctx context.Context) string {
	if ri := requestInfoFrom(ctx); ri != nil {
		return ri.trackingID
	}
	return ""
}

// Principal is who a request acts as: a client and, for personal access tokens, its identity.
type Principal struct {
	ClientID   string
	IdentityID string // empty for API clients
	Identity   *mica.Identity
	Levels     []string // authorities in the token
	Scopes     []string // scopes in the token
	rights     map[string]bool
}

// PrincipalFrom returns the authenticated principal of the request, or nil.
func PrincipalFrom(ctx context.Context) *Principal {
	if ri := requestInfoFrom(ctx); ri != nil {
		return ri.principal
	}
	return nil
}

// Has reports whether the principal holds the right (scope) s. sp:scopes:all
// is held by tokens that carry it (an operation that names it wants the
// token's full rights, not any one right).
func (p *Principal) Has(s string) bool {
	if s == ScopeAll {
		return containsString(p.Scopes, ScopeAll)
	}
	return p.rights[s]
}

// HasLevel reports whether the principal holds user level l.
func (p *Principal) HasLevel(l string) bool {
	for _, x := range p.Levels {
		if x == l {
			return true
		}
	}
	return false
}
