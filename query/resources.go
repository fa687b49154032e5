package query

// Per-resource allowlists. Fields, operators and sorters are those of the
// official `filters` and `sorters` descriptions (REFERENCE.md §3, §4, §14.3 and
// the isc-supporting-* / isc-data-* OpenAPI slices). Where versions differ the
// allowlist is their union (e.g. beta's extra accounts sorter hasEntitlements),
// except where noted.
//
// Columns assumed (table aliases in brackets). Sources [s]: id, name, type,
// owner_id, owner_name, description, features (JSON array), created, modified,
// authoritative, healthy, status, connection_type, connector_name, category,
// management_workgroup_id. Accounts [a]: id, name, native_identity, source_id,
// identity_id, uuid, has_entitlements, uncorrelated, manually_correlated, origin,
// created, modified, is_machine, recommendation_type, recommendation_method,
// source_name and identity_name (both denormalised). Machine accounts [a] also
// assume: description, machine_identity_id, machine_identity_name, subtype,
// access_type, environment, owner_identity_id, owner_identity_name, enabled,
// locked. Identities [i]: id, name, alias, first_name, last_name, email,
// cloud_status, processing_state, correlated, protected. Access profiles [ap]:
// id, name, owner_id, source_id, requestable, created, modified. Source apps
// [sa]: id, name, created, modified, account_source_id, owner_id, enabled.
// User apps [ua]: id, owner_id, owner_name, owner_alias, account_id,
// source_app_id.
//
// Documented fields left out because mica has no column for them (a filter or
// sort on them is a 400 naming the allowed fields):
//   - sources sorters accountCorrelationConfig.id/.name and
//     managerCorrelationRule.type/.id/.name;
//   - accounts filters identity.correlated, identity.identityState,
//     source.authoritative and source.connectionType, and the same sorters plus
//     beta's sourceOwner.name;
//   - machine-accounts filter and sorter `attributes` (a JSON object).
//
// Other deliberate differences: the sources filters created and modified list
// `sw`, which has no meaning on a date-time, so it is left out; accounts
// `entitlements` is mapped to has_entitlements (the same boolean as
// hasEntitlements); machine accounts subtype.technicalName and
// subtype.displayName both map to the single subtype column, and ownerIdentity
// to owner_identity_id.

func fld(name, col string, t FieldType, ops ...Op) Field {
	return Field{Name: name, Column: col, Type: t, Ops: ops}
}

func srt(name, col string, t FieldType) Sorter {
	return Sorter{Name: name, Column: col, Type: t}
}

// Sources is GET /sources (listSources).
var Sources = &Resource{
	Name: "sources",
	Fields: []Field{
		fld("id", "s.id", String, Eq, In, Ge, Gt, Le, Lt, Ne, IsNull, Sw),
		fld("name", "s.name", String, Co, Eq, In, Sw, Ge, Gt, Ne, IsNull),
		fld("type", "s.type", String, Eq, In, Ge, Gt, Ne, IsNull, Sw),
		fld("owner.id", "s.owner_id", String, Eq, In, Ge, Gt, Le, Lt, Ne, IsNull, Sw),
		fld("features", "s.features", StringList, Ca, Co),
		fld("created", "s.created", Time, Eq, Ge, Gt, In, Le, Lt, Ne, IsNull),
		fld("modified", "s.modified", Time, Eq, Ge, Gt, In, Le, Lt, Ne, IsNull),
		fld("managementWorkgroup.id", "s.management_workgroup_id", String, Eq, Ge, Gt, In, Le, Lt, Ne, IsNull, Sw),
		fld("description", "s.description", String, Eq, Sw),
		fld("authoritative", "s.authoritative", Bool, Eq, Ne, IsNull),
		fld("healthy", "s.healthy", Bool, IsNull),
		fld("status", "s.status", String, Eq, In, Ge, Gt, Le, Lt, Ne, IsNull, Sw),
		fld("connectionType", "s.connection_type", String, Eq, Ge, Gt, In, Le, Lt, Ne, IsNull, Sw),
		fld("connectorName", "s.connector_name", String, Eq, Ge, Gt, In, Ne, IsNull, Sw),
		fld("category", "s.category", String, Co, Eq, Ge, Gt, In, Le, Lt, Ne, Sw),
	},
	Sorters: []Sorter{
		srt("type", "s.type", String),
		srt("created", "s.created", Time),
		srt("modified", "s.modified", Time),
		srt("name", "s.name", String),
		srt("owner.name", "s.owner_name", String),
		srt("healthy", "s.healthy", Bool),
		srt("status", "s.status", String),
		srt("id", "s.id", String),
		srt("description", "s.description", String),
		srt("owner.id", "s.owner_id", String),
		srt("authoritative", "s.authoritative", Bool),
		srt("managementWorkgroup.id", "s.management_workgroup_id", String),
		srt("connectorName", "s.connector_name", String),
		srt("connectionType", "s.connection_type", String),
	},
	IDColumn:    "s.id",
	DefaultSort: "name",
}

func accountFields() []Field {
	return []Field{
		fld("id", "a.id", String, Eq, In, Sw),
		fld("identityId", "a.identity_id", String, Eq, In, Sw),
		fld("name", "a.name", String, Eq, In, Sw),
		fld("nativeIdentity", "a.native_identity", String, Eq, In, Sw),
		fld("hasEntitlements", "a.has_entitlements", Bool, Eq),
		fld("sourceId", "a.source_id", String, Eq, In, Sw),
		fld("uncorrelated", "a.uncorrelated", Bool, Eq),
		fld("entitlements", "a.has_entitlements", Bool, Eq),
		fld("origin", "a.origin", String, Eq, In),
		fld("manuallyCorrelated", "a.manually_correlated", Bool, Eq),
		fld("identity.name", "a.identity_name", String, Eq, In, Sw),
		fld("source.displayableName", "a.source_name", String, Eq, In),
		fld("recommendation.method", "a.recommendation_method", String, Eq, In, IsNull),
		fld("created", "a.created", Time, Eq, Ge, Gt, Le, Lt),
		fld("modified", "a.modified", Time, Eq, Ge, Gt, Le, Lt),
		// mica extension, not in the ISC spec: filter on the machine flag.
		fld("isMachine", "a.is_machine", Bool, Eq),
	}
}

func accountSorters() []Sorter {
	return []Sorter{
		srt("id", "a.id", String),
		srt("name", "a.name", String),
		srt("created", "a.created", Time),
		srt("modified", "a.modified", Time),
		srt("sourceId", "a.source_id", String),
		srt("identityId", "a.identity_id", String),
		srt("nativeIdentity", "a.native_identity", String),
		srt("uuid", "a.uuid", String),
		srt("manuallyCorrelated", "a.manually_correlated", Bool),
		srt("hasEntitlements", "a.has_entitlements", Bool),
		srt("entitlements", "a.has_entitlements", Bool),
		srt("origin", "a.origin", String),
		srt("identity.name", "a.identity_name", String),
		srt("source.displayableName", "a.source_name", String),
	}
}

// Accounts is GET /accounts (listAccounts) in every version but v2025. It adds
// the mica extension `isMachine` (eq).
var Accounts = &Resource{
	Name:     "accounts",
	Fields:   accountFields(),
	Sorters:  accountSorters(),
	IDColumn: "a.id",
}

// AccountsV2025 is GET /accounts in v2025, the only version with the
// `recommendation.type` filter.
var AccountsV2025 = &Resource{
	Name:     "accounts",
	Fields:   append(accountFields(), fld("recommendation.type", "a.recommendation_type", String, Eq, In, IsNull)),
	Sorters:  accountSorters(),
	IDColumn: "a.id",
}

// MachineAccounts is GET /machine-accounts (listMachineAccounts, §14.3), on the
// accounts table; the caller restricts it to machine accounts.
var MachineAccounts = &Resource{
	Name: "machine-accounts",
	Fields: []Field{
		fld("id", "a.id", String, Eq, In),
		fld("name", "a.name", String, Eq, In, Sw),
		fld("nativeIdentity", "a.native_identity", String, Eq, In, Sw),
		fld("uuid", "a.uuid", String, Eq, In),
		fld("description", "a.description", String, Eq, In, Sw),
		fld("machineIdentity.id", "a.machine_identity_id", String, Eq, In),
		fld("machineIdentity.name", "a.machine_identity_name", String, Eq, In, Sw),
		fld("subtype.technicalName", "a.subtype", String, Eq, In, Sw),
		fld("subtype.displayName", "a.subtype", String, Eq, In, Sw),
		fld("accessType", "a.access_type", String, Eq, In, Sw),
		fld("environment", "a.environment", String, Eq, In, Sw),
		fld("ownerIdentity", "a.owner_identity_id", String, Eq, In),
		fld("ownerIdentity.id", "a.owner_identity_id", String, Eq, In),
		fld("ownerIdentity.name", "a.owner_identity_name", String, Eq, In, Sw),
		fld("manuallyCorrelated", "a.manually_correlated", Bool, Eq),
		fld("enabled", "a.enabled", Bool, Eq),
		fld("locked", "a.locked", Bool, Eq),
		fld("hasEntitlements", "a.has_entitlements", Bool, Eq),
		fld("source.id", "a.source_id", String, Eq, In),
		fld("source.name", "a.source_name", String, Eq, In, Sw),
		fld("created", "a.created", Time, Eq, Gt, Lt, Ge, Le),
		fld("modified", "a.modified", Time, Eq, Gt, Lt, Ge, Le),
	},
	Sorters: []Sorter{
		srt("id", "a.id", String),
		srt("name", "a.name", String),
		srt("nativeIdentity", "a.native_identity", String),
		srt("ownerIdentity", "a.owner_identity_id", String),
		srt("uuid", "a.uuid", String),
		srt("description", "a.description", String),
		srt("machineIdentity.id", "a.machine_identity_id", String),
		srt("machineIdentity.name", "a.machine_identity_name", String),
		srt("subtype.technicalName", "a.subtype", String),
		srt("subtype.displayName", "a.subtype", String),
		srt("accessType", "a.access_type", String),
		srt("environment", "a.environment", String),
		srt("manuallyCorrelated", "a.manually_correlated", Bool),
		srt("enabled", "a.enabled", Bool),
		srt("locked", "a.locked", Bool),
		srt("hasEntitlements", "a.has_entitlements", Bool),
		srt("ownerIdentity.id", "a.owner_identity_id", String),
		srt("ownerIdentity.name", "a.owner_identity_name", String),
		srt("source.id", "a.source_id", String),
		srt("source.name", "a.source_name", String),
		srt("created", "a.created", Time),
		srt("modified", "a.modified", Time),
	},
	IDColumn: "a.id",
}

// Identities is GET /identities (listIdentities). The spec spells the name
// filters `firstname` and `lastname`, in lower case.
var Identities = &Resource{
	Name: "identities",
	Fields: []Field{
		fld("id", "i.id", String, Eq, In),
		fld("name", "i.name", String, Eq, Sw),
		fld("alias", "i.alias", String, Eq, Sw),
		fld("firstname", "i.first_name", String, Eq, Sw),
		fld("lastname", "i.last_name", String, Eq, Sw),
		fld("email", "i.email", String, Eq, Sw),
		fld("cloudStatus", "i.cloud_status", String, Eq),
		fld("processingState", "i.processing_state", String, Eq),
		fld("correlated", "i.correlated", Bool, Eq),
		fld("protected", "i.protected", Bool, Eq),
	},
	Sorters: []Sorter{
		srt("name", "i.name", String),
		srt("alias", "i.alias", String),
		srt("cloudStatus", "i.cloud_status", String),
	},
	IDColumn:    "i.id",
	DefaultSort: "name",
}

// AccessProfiles is GET /access-profiles (listAccessProfiles). The spec says
// only `and` and `or` compose there; mica also accepts `not`.
var AccessProfiles = &Resource{
	Name: "access-profiles",
	Fields: []Field{
		fld("id", "ap.id", String, Eq, In),
		fld("name", "ap.name", String, Eq, Sw),
		fld("created", "ap.created", Time, Gt, Ge, Le),
		fld("modified", "ap.modified", Time, Gt, Lt, Ge, Le),
		fld("owner.id", "ap.owner_id", String, Eq, In),
		fld("requestable", "ap.requestable", Bool, Eq),
		fld("source.id", "ap.source_id", String, Eq, In),
	},
	Sorters: []Sorter{
		srt("name", "ap.name", String),
		srt("created", "ap.created", Time),
		srt("modified", "ap.modified", Time),
	},
	IDColumn:    "ap.id",
	DefaultSort: "name",
}

func sourceAppFields() []Field {
	return []Field{
		fld("id", "sa.id", String, Eq, In),
		fld("name", "sa.name", String, Eq, In, Co, Sw),
		fld("created", "sa.created", Time, Gt, Lt, Ge, Le),
		fld("modified", "sa.modified", Time, Gt, Lt, Ge, Le),
		fld("accountSource.id", "sa.account_source_id", String, Eq, In),
	}
}

// SourceAppsAssigned is GET /source-apps/assigned (listAssignedSourceApp, #13).
var SourceAppsAssigned = &Resource{
	Name:   "source-apps",
	Fields: sourceAppFields(),
	Sorters: []Sorter{
		srt("id", "sa.id", String),
		srt("name", "sa.name", String),
		srt("created", "sa.created", Time),
		srt("modified", "sa.modified", Time),
		srt("accountSource.id", "sa.account_source_id", String),
	},
	IDColumn:    "sa.id",
	DefaultSort: "name",
}

func sourceAppSorters() []Sorter {
	return []Sorter{
		srt("id", "sa.id", String),
		srt("name", "sa.name", String),
		srt("created", "sa.created", Time),
		srt("modified", "sa.modified", Time),
		srt("owner.id", "sa.owner_id", String),
		srt("accountSource.id", "sa.account_source_id", String),
	}
}

// SourceAppsAvailable is GET /source-apps (listAvailableSourceApps, #14).
var SourceAppsAvailable = &Resource{
	Name:        "source-apps",
	Fields:      sourceAppFields(),
	Sorters:     sourceAppSorters(),
	IDColumn:    "sa.id",
	DefaultSort: "name",
}

// SourceAppsAll is GET /source-apps/all (listAllSourceApp, #16). Its `modified`
// filter has no `lt`, as in the spec.
var SourceAppsAll = &Resource{
	Name: "source-apps",
	Fields: []Field{
		fld("id", "sa.id", String, Eq, In),
		fld("name", "sa.name", String, Eq, In, Co, Sw),
		fld("created", "sa.created", Time, Gt, Lt, Ge, Le),
		fld("modified", "sa.modified", Time, Gt, Ge, Le),
		fld("owner.id", "sa.owner_id", String, Eq, In),
		fld("enabled", "sa.enabled", Bool, Eq),
	},
	Sorters:     sourceAppSorters(),
	IDColumn:    "sa.id",
	DefaultSort: "name",
}

// SourceAppAccessProfiles is GET /source-apps/{id}/access-profiles
// (listAccessProfilesForSourceApp, #17); it has no sorters.
var SourceAppAccessProfiles = &Resource{
	Name: "access-profiles",
	Fields: []Field{
		fld("id", "ap.id", String, Eq, In),
		fld("name", "ap.name", String, Eq, In),
		fld("created", "ap.created", Time, Gt, Lt, Ge, Le),
		fld("modified", "ap.modified", Time, Gt, Lt, Ge, Le),
	},
	IDColumn:    "ap.id",
	DefaultSort: "name",
}

func userAppFields() []Field {
	return []Field{
		fld("id", "ua.id", String, Eq),
		fld("ownerName", "ua.owner_name", String, Eq, Sw),
		fld("ownerAlias", "ua.owner_alias", String, Eq, Sw),
		fld("accountId", "ua.account_id", String, Eq),
		fld("sourceAppId", "ua.source_app_id", String, Eq),
	}
}

// UserApps is GET /user-apps (listOwnedUserApps, #21); it has no sorters.
var UserApps = &Resource{
	Name:     "user-apps",
	Fields:   userAppFields(),
	IDColumn: "ua.id",
}

// UserAppsAll is GET /user-apps/all (listAllUserApps, #22): #21's filters plus
// ownerId.
var UserAppsAll = &Resource{
	Name:     "user-apps",
	Fields:   append(userAppFields(), fld("ownerId", "ua.owner_id", String, Eq)),
	IDColumn: "ua.id",
}

// All lists every allowlist above, for tests and documentation.
var All = []*Resource{Sources, Accounts, AccountsV2025, MachineAccounts, Identities, AccessProfiles,
	SourceAppsAssigned, SourceAppsAvailable, SourceAppsAll, SourceAppAccessProfiles, UserApps, UserAppsAll,
	PersonalAccessTokens}

// PersonalAccessTokens is GET /personal-access-tokens (listPersonalAccessTokens,
// alias c over the clients table): lastUsed (le, isnull), no sorters; oldest first.
var PersonalAccessTokens = &Resource{
	Name:     "personal-access-tokens",
	Fields:   []Field{fld("lastUsed", "c.last_used", Time, Le, IsNull)},
	IDColumn: "c.id",
}
