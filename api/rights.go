package api

import (
	"strconv"

	"github.com/micahq/mica"
)

// Scope names. Tokens carry scopes; an operation needs any one of its scopes.
const (
	ScopeAll     = "sp:scopes:all"     // every right the user level allows
	ScopeDefault = "sp:scopes:default" // only operations that need no authorization

	ScopeSourcesRead        = "idn:sources:read"
	ScopeSourcesManage      = "idn:sources:manage"
	ScopeAccountsRead       = "idn:accounts:read"
	ScopeAccountsManage     = "idn:accounts:manage"
	ScopeAccountUpdate      = "idn:account:update"
	ScopeIdentityRead       = "idn:identity:read"
	ScopeIdentityManage     = "idn:identity:manage"
	ScopeAccessProfileRead  = "idn:access-profile:read"
	ScopeAccessProfileMgmt  = "idn:access-profile:manage"
	ScopeEntitlementRead    = "idn:entitlement:read"
	ScopeAppRolesRead       = "idn:app-roles:read"
	ScopeAppRolesManage     = "idn:app-roles:manage"
	ScopeMISAccountRead     = "idn:mis-account:read"
	ScopeMISAccountManage   = "idn:mis-account:manage"
	ScopeMyPATRead          = "sp:my-personal-access-tokens:read"
	ScopeMyPATManage        = "sp:my-personal-access-tokens:manage"
	ScopeAllPATRead         = "sp:all-personal-access-tokens:read"
	ScopeAllPATManage       = "sp:all-personal-access-tokens:manage"
	ScopeManagedPATRead     = "sp:managed-personal-access-tokens:read"
	ScopeAccountAggregation = "idn:account-aggregation:read"

	// Machine identity security (REFERENCE.md §15.1).
	ScopeMISIdentityRead       = "idn:mis-identity:read"
	ScopeMISIdentityManage     = "idn:mis-identity:manage"
	ScopeSubtypesRead          = "idn:source-subtypes:read"
	ScopeSubtypesManagement    = "idn:source-subtypes:management"
	ScopeSubtypesUpdate        = "idn:source-subtypes:update"
	ScopeSubtypesDelete        = "idn:source-subtypes:delete"
	ScopeSourceConfigRead      = "idn:source-config:read"
	ScopeSourceConfigWrite     = "idn:source-config:write"
	ScopeLifecycleActionManage = "idn:machine-identity-lifecycle-action:manage"
)

// misSourceRights are the machine identity security rights of source admins and subadmins.
var misSourceRights = []string{ScopeMISIdentityRead, ScopeMISIdentityManage, ScopeSubtypesRead, ScopeSubtypesManagement,
	ScopeSubtypesUpdate, ScopeSubtypesDelete, ScopeSourceConfigRead, ScopeSourceConfigWrite, ScopeLifecycleActionManage}

// levelRights is what each user level may do at most: the rights that
// sp:scopes:all expands to, and the bound on any narrower scope list.
// This is mica's model of ISC's user-level rights; it is kept in this one table.
var levelRights = map[string][]string{
	mica.LevelOrgAdmin: allRights,
	mica.LevelAPI:      allRights,
	mica.LevelSourceAdmin: append([]string{ScopeSourcesRead, ScopeSourcesManage, ScopeAccountsRead, ScopeAccountsManage,
		ScopeAccountUpdate, ScopeIdentityRead, ScopeAccessProfileRead, ScopeAccessProfileMgmt, ScopeEntitlementRead,
		ScopeAppRolesRead, ScopeAppRolesManage, ScopeMISAccountRead, ScopeMISAccountManage, ScopeMyPATRead, ScopeMyPATManage},
		misSourceRights...),
	mica.LevelSourceSubadmin: append([]string{ScopeSourcesRead, ScopeSourcesManage, ScopeAccountsRead, ScopeAccountsManage,
		ScopeAccountUpdate, ScopeIdentityRead, ScopeAccessProfileRead, ScopeAccessProfileMgmt, ScopeEntitlementRead,
		ScopeAppRolesRead, ScopeMISAccountRead, ScopeMISAccountManage, ScopeMyPATRead, ScopeMyPATManage}, misSourceRights...),
	mica.LevelRoleAdmin: {ScopeSourcesRead, ScopeAccountUpdate, ScopeIdentityRead, ScopeAccessProfileRead,
		ScopeAccessProfileMgmt, ScopeEntitlementRead, ScopeAppRolesRead, ScopeAppRolesManage, ScopeMyPATRead, ScopeMyPATManage},
	mica.LevelRoleSubadmin: {ScopeSourcesRead, ScopeAccountUpdate, ScopeIdentityRead, ScopeAccessProfileRead,
		ScopeAccessProfileMgmt, ScopeEntitlementRead, ScopeAppRolesRead, ScopeMyPATRead, ScopeMyPATManage},
	mica.LevelHelpdesk: {ScopeAccountsRead, ScopeIdentityRead, ScopeMISAccountRead, ScopeAppRolesRead, ScopeMyPATRead,
		ScopeMyPATManage, ScopeMISIdentityRead},
	mica.LevelDashboard: {ScopeSourcesRead, ScopeAccountsRead, ScopeIdentityRead, ScopeAppRolesRead, ScopeMyPATRead, ScopeMyPATManage},
	mica.LevelUser:      {ScopeAppRolesRead, ScopeMyPATRead, ScopeMyPATManage},
}

var allRights = []string{ScopeSourcesRead, ScopeSourcesManage, ScopeAccountsRead, ScopeAccountsManage,
	ScopeAccountUpdate, ScopeIdentityRead, ScopeIdentityManage, ScopeAccessProfileRead, ScopeAccessProfileMgmt,
	ScopeEntitlementRead, ScopeAppRolesRead, ScopeAppRolesManage, ScopeMISAccountRead, ScopeMISAccountManage,
	ScopeMyPATRead, ScopeMyPATManage, ScopeAllPATRead, ScopeAllPATManage, ScopeManagedPATRead, ScopeAccountAggregation,
	ScopeMISIdentityRead, ScopeMISIdentityManage, ScopeSubtypesRead, ScopeSubtypesManagement, ScopeSubtypesUpdate,
	ScopeSubtypesDelete, ScopeSourceConfigRead, ScopeSourceConfigWrite, ScopeLifecycleActionManage}

// KnownScopes is every scope a client may be given.
func KnownScopes() []string { return append([]string{ScopeAll, ScopeDefault}, allRights...) }

// IsKnownScope reports whether s is a scope mica knows.
func IsKnownScope(s string) bool {
	for _, k := range KnownScopes() {
		if k == s {
			return true
		}
	}
	return false
}

// effectiveRights is the set of rights a token has: its scopes, bounded by
// its levels. Sets are worked out once per combination of levels and scopes
// (tokens share a few) and shared: callers only read them.
func effectiveRights(levels, scopes []string) map[string]bool {
	key := rightsKey(levels, scopes)
	if m, ok := rightsSets.get(key); ok {
		return m
	}
	m := computeRights(levels, scopes)
	rightsSets.put(key, m)
	return m
}

// rightsSets holds the sets effectiveRights worked out, by levels and scopes.
var rightsSets = newMemo[string, map[string]bool](1024)

// rightsKey names a combination of levels and scopes unambiguously (each
// string with its length before it).
func rightsKey(levels, scopes []string) string {
	b := make([]byte, 0, 256)
	for _, list := range [2][]string{levels, scopes} {
		b = strconv.AppendInt(b, int64(len(list)), 10)
		for _, s := range list {
			b = append(b, ';')
			b = strconv.AppendInt(b, int64(len(s)), 10)
			b = append(b, ':')
			b = append(b, s...)
		}
		b = append(b, '|')
	}
	return string(b)
}

func computeRights(levels, scopes []string) map[string]bool {
	allowed := map[string]bool{}
	for _, l := range levels {
		for _, r := range levelRights[l] {
			allowed[r] = true
		}
	}
	out := map[string]bool{}
	for _, s := range scopes {
		if s == ScopeAll {
			for r := range allowed {
				out[r] = true
			}
		} else if allowed[s] {
			out[s] = true
		}
	}
	return out
}
