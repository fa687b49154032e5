// Package mica is the domain of mica, a server that speaks the SailPoint Identity
// Security Cloud (ISC) API for machine-account classification and source apps.
//
// The root package holds the types, their validation, the store interface and the
// error codes. Subpackages adapt them to a dependency (SQLite, HTTP, OAuth, ...)
// and cmd/mica wires them together.
package mica

import (
	"sync/atomic"
	"time"
)

// User levels (authorities) an identity can hold.
const (
	LevelOrgAdmin       = "ORG_ADMIN"
	LevelSourceAdmin    = "SOURCE_ADMIN"
	LevelSourceSubadmin = "SOURCE_SUBADMIN"
	LevelRoleAdmin      = "ROLE_ADMIN"
	LevelRoleSubadmin   = "ROLE_SUBADMIN"
	LevelHelpdesk       = "HELPDESK"
	LevelAPI            = "API"
	LevelUser           = "USER"
	LevelDashboard      = "DASHBOARD"
)

// UserLevels lists every user level mica knows.
var UserLevels = []string{LevelOrgAdmin, LevelSourceAdmin, LevelSourceSubadmin, LevelRoleAdmin,
	LevelRoleSubadmin, LevelHelpdesk, LevelAPI, LevelUser, LevelDashboard}

// IsUserLevel reports whether s is a known user level.
func IsUserLevel(s string) bool {
	for _, l := range UserLevels {
		if l == s {
			return true
		}
	}
	return false
}

// Ref is a BaseReferenceDto: a typed reference to another object.
type Ref struct {
	Type string `json:"type"`
	ID   string `json:"id"`
	Name string `json:"name"`
}

// Page is a page of a collection: the items and, when asked, the total after filters.
type Page[T any] struct {
	Items []T
	Total int // -1 when not counted
	// Shared says the items are a cache's own: the caller must not change
	// them, and an item never changes (a change makes a new item). Kept has
	// then one slot per item, the cache's own too, where an adapter keeps what
	// it derives from the item (its JSON): it lives as long as the cache's
	// copy of the item, and is written once.
	Shared bool
	Kept   []*Kept
}

// Kept is a slot a cache keeps beside each item it shares (Page.Kept), for
// bytes derived from the item; nil until the first reader stores them.
type Kept struct{ atomic.Pointer[[]byte] }

// ListOptions are the standard collection parameters of a list request, as raw
// query-string values; the store resolves them through the resource's allowlist.
type ListOptions struct {
	Filters string
	Sorters string
	Limit   int
	Offset  int
	Count   bool
}

// TimePrecision is the precision at which every timestamp is stored, compared
// and shown: milliseconds, the precision the API renders. A value a client read
// in a response then finds exactly its item in a filter.
const TimePrecision = time.Millisecond

// TimeNow is the clock, in UTC at TimePrecision; tests may replace it via store
// options, not this var.
func TimeNow() time.Time { return time.Now().UTC().Truncate(TimePrecision) }
