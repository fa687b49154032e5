package query

import (
	"fmt"
	"strings"
)

// The allowlists come in two layers.
//
// A store allowlist (Sources, Accounts, ...) is what the stores compile
// against: every field and sorter any version documents for one list, with the
// SQL expression it maps to. Its semantics are the same in every version.
//
// A List (ListSources, ListAccounts, ...) says what each API version documents
// for that list: the fields with their operators and the sorters of that
// version's `filters` and `sorters` descriptions (REFERENCE.md §3, §4, §14.3;
// the isc-*, isc-supporting-* and isc-data-* documents), as a view of the store
// allowlist. The API checks a request against its version's view, so beta keeps
// beta's rules and nothing undocumented is accepted; the generated conformance
// test (api/collections_test.go) reads the same documents and holds mica to them.
//
// Columns assumed (table aliases in brackets). Sources [s]: id, name, type,
// owner_id, owner_name, description, features (JSON array), created, modified,
// authoritative, healthy, status, connection_type, connector_name, category,
// management_workgroup_id; correlation_configs (source_id, id, name). Accounts
// [a]: id, name, native_identity, source_id, identity_id, uuid,
// has_entitlements, uncorrelated, manually_correlated, origin, created,
// modified, is_machine, recommendation_type, recommendation_method,
// authoritative (the source's, copied), disabled, source_name and
// identity_name (both denormalised); identities (id, status, correlated) and
// sources (id, owner_name, connection_type) through correlated subqueries.
// Machine accounts [a] also assume: description, machine_identity_id,
// machine_identity_name, subtype, access_type, environment, owner_identity_id,
// owner_identity_name, locked, machine_attributes (JSON object text).
// Identities [i]: id, name, alias, first_name, last_name, email, cloud_status,
// processing_state, correlated, protected. Access profiles [ap]: id, name,
// owner_id, source_id, requestable, created, modified. Source apps [sa]: id,
// name, created, modified, account_source_id, owner_id, enabled. User apps
// [ua]: id, owner_id, owner_name, owner_alias, account_id, source_app_id.
// Personal access tokens [c]: id, last_used.
//
// Choices where the documents say a field but not its meaning:
//   - accounts `entitlements` is the boolean hasEntitlements;
//     `source.authoritative` is the account's `authoritative` (the source's
//     flag, which cannot change); `identity.identityState` is the identity's
//     status, as the account's `identityState` shows it; `identity.correlated`
//     is the identity's correlated flag (null without an identity).
//   - sources `managerCorrelationRule.*` sort as null: mica has no manager
//     correlation rules, and every source shows null there.
//   - machine accounts: subtype.technicalName is the account's subtype (the
//     technical name of one of its source's subtypes) and subtype.displayName
//     that subtype's display name; ownerIdentity is ownerIdentity.id; ownerIdentity and
//     enabled are what the body shows (the correlated identity when no owner
//     was set; not disabled); attributes is a JSON object (`attributes eq
//     "{\"app\":\"billing\"}"` compares objects, key order aside, and sorting
//     orders the objects' JSON text with sorted keys).
//   - `sw` on a date-time compares the start of the date-time as shown.

func fld(name, col string, t FieldType, ops ...Op) Field {
	return Field{Name: name, Column: col, Type: t, Ops: ops}
}

func srt(name, col string, t FieldType) Sorter {
	return Sorter{Name: name, Column: col, Type: t}
}

// Subqueries of the accounts allowlist: what an account shows of its source and identity.
const (
	accountIdentityState  = "(SELECT NULLIF(i.status, '') FROM identities i WHERE i.id = a.identity_id)"
	accountIdentityCorr   = "(SELECT i.correlated FROM identities i WHERE i.id = a.identity_id)"
	accountConnectionType = "(SELECT NULLIF(s.connection_type, '') FROM sources s WHERE s.id = a.source_id)"
	accountSourceOwner    = "(SELECT s.owner_name FROM sources s WHERE s.id = a.source_id)"
	sourceCorrelationID   = "(SELECT cc.id FROM correlation_configs cc WHERE cc.source_id = s.id)"
	sourceCorrelationName = "(SELECT cc.name FROM correlation_configs cc WHERE cc.source_id = s.id)"
	// noValue is a sort key every row has as null.
	noValue = "CAST(NULL AS TEXT)"
)

// Sources is the store allowlist of GET /sources (listSources).
var Sources = &Resource{
	Name: "sources",
	Fields: []Field{
		fld("id", "s.id", String, Eq, In, Ge, Gt, Le, Lt, Ne, IsNull, Sw),
		fld("name", "s.name", String, Co, Eq, In, Sw, Ge, Gt, Ne, IsNull),
		fld("type", "s.type", String, Eq, In, Ge, Gt, Ne, IsNull, Sw),
		fld("owner.id", "s.owner_id", String, Eq, In, Ge, Gt, Le, Lt, Ne, IsNull, Sw),
		fld("features", "s.features", StringList, Ca, Co),
		fld("created", "s.created", Time, Eq, Ge, Gt, In, Le, Lt, Ne, IsNull, Sw),
		fld("modified", "s.modified", Time, Eq, Ge, Gt, In, Le, Lt, Ne, IsNull, Sw),
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
		srt("accountCorrelationConfig.id", sourceCorrelationID, String),
		srt("accountCorrelationConfig.name", sourceCorrelationName, String),
		srt("managerCorrelationRule.type", noValue, String),
		srt("managerCorrelationRule.id", noValue, String),
		srt("managerCorrelationRule.name", noValue, String),
		srt("authoritative", "s.authoritative", Bool),
		srt("managementWorkgroup.id", "s.management_workgroup_id", String),
		srt("connectorName", "s.connector_name", String),
		srt("connectionType", "s.connection_type", String),
	},
	IDColumn:    "s.id",
	DefaultSort: "name",
}

// Accounts is the store allowlist of GET /accounts (listAccounts), with mica's
// extension isMachine (GET /mica/v1/accounts only).
var Accounts = &Resource{
	Name: "accounts",
	Fields: []Field{
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
		fld("identity.correlated", accountIdentityCorr, Bool, Eq),
		fld("identity.identityState", accountIdentityState, String, Eq, In),
		fld("source.displayableName", "a.source_name", String, Eq, In),
		fld("source.authoritative", "a.authoritative", Bool, Eq),
		fld("source.connectionType", accountConnectionType, String, Eq, In),
		fld("recommendation.method", "a.recommendation_method", String, Eq, In, IsNull),
		fld("recommendation.type", "a.recommendation_type", String, Eq, In, IsNull),
		fld("created", "a.created", Time, Eq, Ge, Gt, Le, Lt),
		fld("modified", "a.modified", Time, Eq, Ge, Gt, Le, Lt),
		fld("isMachine", "a.is_machine", Bool, Eq),
	},
	Sorters: []Sorter{
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
		srt("identity.identityState", accountIdentityState, String),
		srt("identity.correlated", accountIdentityCorr, Bool),
		srt("source.displayableName", "a.source_name", String),
		srt("source.authoritative", "a.authoritative", Bool),
		srt("source.connectionType", accountConnectionType, String),
		srt("sourceOwner.name", accountSourceOwner, String),
	},
	IDColumn: "a.id",
}

// Machine accounts show the correlated identity as the owner when none was set.
const (
	machineOwnerID   = "COALESCE(a.owner_identity_id, a.identity_id)"
	machineOwnerName = "CASE WHEN a.owner_identity_id IS NULL THEN a.identity_name ELSE a.owner_identity_name END"
	// machineAttributes shows none as the empty object, as the body does.
	machineAttributes = "COALESCE(a.machine_attributes, '{}')"
)

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
		{Name: "subtype.displayName", Column: "st.display_name", Type: String, Ops: []Op{Eq, In, Sw}, Exists: accountSubtype},
		fld("accessType", "a.access_type", String, Eq, In, Sw),
		fld("environment", "a.environment", String, Eq, In, Sw),
		fld("ownerIdentity", machineOwnerID, String, Eq, In),
		fld("ownerIdentity.id", machineOwnerID, String, Eq, In),
		fld("ownerIdentity.name", machineOwnerName, String, Eq, In, Sw),
		fld("manuallyCorrelated", "a.manually_correlated", Bool, Eq),
		fld("enabled", "NOT a.disabled", Bool, Eq),
		fld("locked", "a.locked", Bool, Eq),
		fld("hasEntitlements", "a.has_entitlements", Bool, Eq),
		fld("attributes", machineAttributes, Object, Eq),
		fld("source.id", "a.source_id", String, Eq, In),
		fld("source.name", "a.source_name", String, Eq, In, Sw),
		fld("created", "a.created", Time, Eq, Gt, Lt, Ge, Le),
		fld("modified", "a.modified", Time, Eq, Gt, Lt, Ge, Le),
	},
	Sorters: []Sorter{
		srt("id", "a.id", String),
		srt("name", "a.name", String),
		srt("nativeIdentity", "a.native_identity", String),
		srt("ownerIdentity", machineOwnerID, String),
		srt("uuid", "a.uuid", String),
		srt("description", "a.description", String),
		srt("machineIdentity.id", "a.machine_identity_id", String),
		srt("machineIdentity.name", "a.machine_identity_name", String),
		srt("subtype.technicalName", "a.subtype", String),
		srt("subtype.displayName", "(SELECT st.display_name "+accountSubtype+")", String),
		srt("accessType", "a.access_type", String),
		srt("environment", "a.environment", String),
		srt("manuallyCorrelated", "a.manually_correlated", Bool),
		srt("enabled", "NOT a.disabled", Bool),
		srt("locked", "a.locked", Bool),
		srt("hasEntitlements", "a.has_entitlements", Bool),
		srt("ownerIdentity.id", machineOwnerID, String),
		srt("ownerIdentity.name", machineOwnerName, String),
		srt("attributes", machineAttributes, Object),
		srt("source.id", "a.source_id", String),
		srt("source.name", "a.source_name", String),
		srt("created", "a.created", Time),
		srt("modified", "a.modified", Time),
	},
	IDColumn: "a.id",
}

// accountSubtype is the source subtype a machine account's subtype (a
// technical name) names.
const accountSubtype = "FROM source_subtypes st WHERE st.source_id = a.source_id AND st.technical_name = a.subtype"

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

// PersonalAccessTokens is GET /personal-access-tokens (listPersonalAccessTokens,
// alias c over the clients table): lastUsed (le, isnull), no sorters; oldest first.
var PersonalAccessTokens = &Resource{
	Name:     "personal-access-tokens",
	Fields:   []Field{fld("lastUsed", "c.last_used", Time, Le, IsNull)},
	IDColumn: "c.id",
}

// List is one list operation: the store allowlist, and the view of it each API
// version documents.
type List struct {
	// Store is what the stores compile against.
	Store *Resource
	// Default is what every version documents unless Versions says otherwise.
	Default  *Resource
	Versions map[string]*Resource
}

// For returns the allowlist of version v ("beta", "v3", "v2025", "v1", or "mica" for
// mica's own extension API).
func (l *List) For(v string) *Resource {
	if r, ok := l.Versions[v]; ok {
		return r
	}
	return l.Default
}

// same is a List whose versions all document the whole store allowlist.
func same(r *Resource) *List { return &List{Store: r, Default: r} }

// The per-version allowlists, written as the documents list them: "field: ops;
// ..." in the order of the filters description, then the sorters.
var (
	sourcesFields = "id: eq in ge gt le lt ne isnull sw; name: co eq in sw ge gt ne isnull; " +
		"type: eq in ge gt ne isnull sw; owner.id: eq in ge gt le lt ne isnull sw; features: ca co; " +
		"created: %[1]s; modified: %[1]s; managementWorkgroup.id: eq ge gt in le lt ne isnull sw; description: eq sw; " +
		"authoritative: eq ne isnull; healthy: isnull; status: eq in ge gt le lt ne isnull sw; " +
		"connectionType: eq ge gt in le lt ne isnull sw; connectorName: eq ge gt in ne isnull sw; " +
		"category: co eq ge gt in le lt ne sw"
	sourcesSorters = "type created modified name owner.name healthy status id description owner.id " +
		"accountCorrelationConfig.id accountCorrelationConfig.name managerCorrelationRule.type " +
		"managerCorrelationRule.id managerCorrelationRule.name authoritative managementWorkgroup.id connectorName connectionType"

	// ListSources: beta documents only eq on created and modified.
	ListSources = &List{Store: Sources,
		Default:  Sources.view(fmt.Sprintf(sourcesFields, "eq ge gt in le lt ne isnull sw"), sourcesSorters),
		Versions: map[string]*Resource{"beta": Sources.view(fmt.Sprintf(sourcesFields, "eq"), sourcesSorters)},
	}

	accountsFields = "id: eq in sw; identityId: eq in sw; name: eq in sw; nativeIdentity: eq in sw; hasEntitlements: eq; " +
		"sourceId: eq in sw; uncorrelated: eq; entitlements: eq; origin: eq in; manuallyCorrelated: eq; " +
		"identity.name: eq in sw; identity.correlated: eq; identity.identityState: eq in; source.displayableName: eq in; " +
		"source.authoritative: eq; source.connectionType: eq in; recommendation.method: eq in isnull; "
	accountsSorters = "id name created modified sourceId identityId nativeIdentity uuid manuallyCorrelated entitlements " +
		"origin identity.name identity.identityState identity.correlated source.displayableName source.authoritative " +
		"source.connectionType"

	// ListAccounts: beta has no `lt` on created, sorts by hasEntitlements and
	// sourceOwner.name; only v2025 has recommendation.type; mica's extension
	// (GET /mica/v1/accounts, for the console) adds isMachine.
	ListAccounts = &List{Store: Accounts,
		Default: Accounts.view(accountsFields+"created: eq ge gt le lt; modified: eq ge gt le lt", accountsSorters),
		Versions: map[string]*Resource{
			"beta": Accounts.view(accountsFields+"created: eq ge gt le; modified: eq ge gt le lt",
				accountsSorters+" hasEntitlements sourceOwner.name"),
			"v2025": Accounts.view(accountsFields+"recommendation.type: eq in isnull; created: eq ge gt le lt; "+
				"modified: eq ge gt le lt", accountsSorters),
			"mica": Accounts.view(accountsFields+"recommendation.type: eq in isnull; created: eq ge gt le lt; "+
				"modified: eq ge gt le lt; isMachine: eq", accountsSorters),
		},
	}

	ListMachineAccounts            = same(MachineAccounts)
	ListIdentities                 = same(Identities)
	ListAccessProfiles             = same(AccessProfiles)
	ListAssignedSourceApp          = same(SourceAppsAssigned)
	ListAvailableSourceApps        = same(SourceAppsAvailable)
	ListAllSourceApp               = same(SourceAppsAll)
	ListAccessProfilesForSourceApp = same(SourceAppAccessProfiles)
	ListOwnedUserApps              = same(UserApps)
	ListAllUserApps                = same(UserAppsAll)
	ListPersonalAccessTokens       = same(PersonalAccessTokens)
)

// Lists are every list operation by operationId.
var Lists = map[string]*List{
	"listSources": ListSources, "listAccounts": ListAccounts, "listMachineAccounts": ListMachineAccounts,
	"listIdentities": ListIdentities, "listAccessProfiles": ListAccessProfiles,
	"listAssignedSourceApp": ListAssignedSourceApp, "listAvailableSourceApps": ListAvailableSourceApps,
	"listAllSourceApp": ListAllSourceApp, "listAccessProfilesForSourceApp": ListAccessProfilesForSourceApp,
	"listOwnedUserApps": ListOwnedUserApps, "listAllUserApps": ListAllUserApps,
	"listPersonalAccessTokens": ListPersonalAccessTokens,
}

// All lists every allowlist, store and per-version, for tests and documentation.
var All = func() []*Resource {
	out := []*Resource{Sources, Accounts, MachineAccounts, Identities, AccessProfiles, SourceAppsAssigned,
		SourceAppsAvailable, SourceAppsAll, SourceAppAccessProfiles, UserApps, UserAppsAll, PersonalAccessTokens,
		Subtypes, SourceSubtypes, MachineIdentitiesV2024, MachineIdentitiesV2025, MachineIdentitiesV2026,
		MachineIdentitiesV2, MachineIdentityEntitlements, LifecycleActions}
	for _, l := range Lists {
		out = append(out, l.Default)
		for _, r := range l.Versions {
			out = append(out, r)
		}
	}
	return out
}()

// view is r restricted to the fields, operators and sorters one version
// documents, in the documents' order: fields as "name: op op; name: op",
// sorters separated by spaces. Each must be in r (a programming error otherwise).
func (r *Resource) view(fields, sorters string) *Resource {
	v := &Resource{Name: r.Name, IDColumn: r.IDColumn, DefaultSort: r.DefaultSort}
	for _, part := range strings.Split(fields, ";") {
		name, ops, ok := strings.Cut(strings.TrimSpace(part), ":")
		if !ok {
			panic(fmt.Sprintf("query: view of %s: malformed %q", r.Name, part))
		}
		f := r.field(strings.TrimSpace(name))
		if f == nil {
			panic(fmt.Sprintf("query: view of %s: no field %q", r.Name, name))
		}
		vf := Field{Name: f.Name, Column: f.Column, Type: f.Type}
		for _, o := range strings.Fields(ops) {
			if !f.allows(Op(o)) {
				panic(fmt.Sprintf("query: view of %s: field %q has no operator %q", r.Name, f.Name, o))
			}
			vf.Ops = append(vf.Ops, Op(o))
		}
		v.Fields = append(v.Fields, vf)
	}
	for _, name := range strings.Fields(sorters) {
		s := r.sorter(name)
		if s == nil {
			panic(fmt.Sprintf("query: view of %s: no sorter %q", r.Name, name))
		}
		v.Sorters = append(v.Sorters, *s)
	}
	return v
}

// Check reports whether filters and sorters are valid for r, with the errors
// Compile gives (a 400 naming what is not allowed).
func (r *Resource) Check(filters, sorters string) error {
	_, err := r.Compile(SQLite, filters, sorters, 0)
	return err
}
