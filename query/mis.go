package query

import "github.com/micahq/mica"

// Allowlists of machine identity security (REFERENCE.md §15.3). Columns
// assumed: source subtypes [st] (id, source_id, technical_name, display_name);
// machine identities [mi] (id, name, subtype, business_application,
// native_identity, manually_edited, primary_owner_id, primary_owner_name,
// source_id, source_name, created, modified), their secondary owners
// [machine_identity_owners: machine_identity_id, identity_id, identity_name]
// and user entitlements [machine_identity_entitlements: machine_identity_id,
// source_id, source_name, entitlement_id, display_name]; user entitlement rows
// [e] joined to their machine identity [mi]; lifecycle actions [la]
// (target_type, action, status, completed, target_id, target_name, source_id,
// created, modified).
//
// Documented fields left out, or mapped, because mica holds nothing for them
// (REFERENCE.md §15.5 defect 9):
//   - listMachineIdentities `cisIdentityId` is the identity's id (mica has no
//     separate CIS identity); `attributes` compares JSON objects; the v2026
//     business application filters (businessApplicationRefs.id,
//     effectiveSanctionedStatus) are left out: they answer 400 while business
//     applications are off, as they always are in mica;
//   - `displayName` is the machine identity's name; `owners.secondaryIdentity.*`
//     are its secondary owners (the field is secondaryIdentities);
//     `entitlement.*` its user entitlements;
//   - V2's `owners.secondaryGovernanceGroup.*` and `risk.severity` match a
//     value mica never has (no governance groups, no risk data): eq and in
//     match nothing, isnull everything;
//   - lifecycle `resourceType` is the target's type (AI_AGENT), `targetName`
//     the machine identity's name, `sourceId` its source.

// Subtypes is GET /source-subtypes (listSourceSubtypes, #41).
var Subtypes = &Resource{
	Name: "source-subtypes",
	Fields: []Field{
		fld("id", "st.id", String, Eq, In, Sw),
		fld("displayName", "st.display_name", String, Eq, Sw),
		fld("technicalName", "st.technical_name", String, Eq, Sw),
		fld("source.id", "st.source_id", String, Eq, In),
	},
	Sorters:     subtypeSorters(),
	IDColumn:    "st.id",
	DefaultSort: "technicalName",
}

// SourceSubtypes is GET /sources/{sourceId}/subtypes (listMachineAccountSubtypes, #47).
var SourceSubtypes = &Resource{
	Name: "subtypes",
	Fields: []Field{
		fld("displayName", "st.display_name", String, Eq, Sw),
		fld("technicalName", "st.technical_name", String, Eq, Sw),
	},
	Sorters:     subtypeSorters(),
	IDColumn:    "st.id",
	DefaultSort: "technicalName",
}

func subtypeSorters() []Sorter {
	return []Sorter{srt("displayName", "st.display_name", String), srt("technicalName", "st.technical_name", String)}
}

const (
	miSecondary    = "FROM machine_identity_owners mo WHERE mo.machine_identity_id = mi.id"
	miEntitlements = "FROM machine_identity_entitlements me WHERE me.machine_identity_id = mi.id"
)

func machineIdentityFields(v2025 bool) []Field {
	f := []Field{
		fld("id", "mi.id", String, Eq, In, Sw),
		fld("displayName", "mi.name", String, Eq, In, Sw),
		fld("attributes", "mi.attributes", Object, Eq),
		fld("manuallyEdited", "mi.manually_edited", Bool, Eq),
	}
	if !v2025 {
		return f
	}
	return append(f,
		fld("subtype", "mi.subtype", String, Eq, In),
		fld("owners.primaryIdentity.id", "mi.primary_owner_id", String, Eq, In, Sw),
		Field{Name: "owners.secondaryIdentity.id", Column: "mo.identity_id", Type: String, Ops: []Op{Eq, In, Sw}, Exists: miSecondary},
		fld("owners.primaryIdentity.name", "mi.primary_owner_name", String, Eq, In, IsNull, Pr),
		Field{Name: "owners.secondaryIdentity.name", Column: "mo.identity_name", Type: String, Ops: []Op{Eq, In, IsNull, Pr}, Exists: miSecondary},
		fld("source.name", "mi.source_name", String, Eq, In, Sw),
		fld("source.id", "mi.source_id", String, Eq, In),
		Field{Name: "entitlement.id", Column: "me.entitlement_id", Type: String, Ops: []Op{Eq, In}, Exists: miEntitlements},
		Field{Name: "entitlement.name", Column: "me.display_name", Type: String, Ops: []Op{Eq, In, Sw}, Exists: miEntitlements},
	)
}

func machineIdentitySorters(first Sorter) []Sorter {
	return []Sorter{first, srt("name", "mi.name", String), srt("owners.primaryIdentity.name", "mi.primary_owner_name", String),
		srt("source.name", "mi.source_name", String), srt("created", "mi.created", Time), srt("modified", "mi.modified", Time)}
}

// cisIdentityId is the machine identity's own id: mica has no separate CIS identity.
var cisIdentityID = fld("cisIdentityId", "mi.id", String, Eq, In, Sw)

// MachineIdentitiesV2024 is GET /v2024/machine-identities (#64).
var MachineIdentitiesV2024 = &Resource{
	Name:        "machine-identities",
	Fields:      append(machineIdentityFields(false), cisIdentityID, fld("businessApplication", "mi.business_application", String, Eq, In, Sw)),
	Sorters:     machineIdentitySorters(srt("businessApplication", "mi.business_application", String)),
	IDColumn:    "mi.id",
	DefaultSort: "name",
}

// MachineIdentitiesV2025 is GET /v2025/machine-identities (#64).
var MachineIdentitiesV2025 = &Resource{
	Name:        "machine-identities",
	Fields:      append(machineIdentityFields(true), cisIdentityID, fld("businessApplication", "mi.business_application", String, Eq, In, Sw)),
	Sorters:     machineIdentitySorters(srt("businessApplication", "mi.business_application", String)),
	IDColumn:    "mi.id",
	DefaultSort: "name",
}

// MachineIdentitiesV2026 is GET /machine-identities in v2026 and /v1 (#64).
var MachineIdentitiesV2026 = &Resource{
	Name:        "machine-identities",
	Fields:      append(machineIdentityFields(true), cisIdentityID, fld("nativeIdentity", "mi.native_identity", String, Eq, In, Sw)),
	Sorters:     machineIdentitySorters(srt("nativeIdentity", "mi.native_identity", String)),
	IDColumn:    "mi.id",
	DefaultSort: "name",
}

// MachineIdentitiesV2 is GET /machine-identities/v2 (#70).
var MachineIdentitiesV2 = &Resource{
	Name: "machine-identities",
	Fields: append(machineIdentityFields(true), fld("nativeIdentity", "mi.native_identity", String, Eq, In, Sw),
		fld("owners.secondaryGovernanceGroup.id", "NULL", String, Eq, In),
		fld("owners.secondaryGovernanceGroup.name", "NULL", String, Eq, In, IsNull, Pr),
		fld("risk.severity", "NULL", String, Eq, In)),
	Sorters:     machineIdentitySorters(srt("nativeIdentity", "mi.native_identity", String)),
	IDColumn:    "mi.id",
	DefaultSort: "name",
}

// MachineIdentityEntitlements is GET /machine-identity-user-entitlements (#69).
var MachineIdentityEntitlements = &Resource{
	Name: "machine-identity-user-entitlements",
	Fields: []Field{
		fld("machineIdentityId", "e.machine_identity_id", String, Eq, In),
		fld("machineIdentityName", "mi.name", String, Eq, In, Sw),
		fld("entitlement.id", "e.entitlement_id", String, Eq, In),
		fld("source.id", "e.source_id", String, Eq, In),
		fld("entitlement.name", "e.display_name", String, Eq, In, Sw),
		fld("source.name", "e.source_name", String, Eq, In, Sw),
	},
	Sorters: []Sorter{srt("machineIdentityName", "mi.name", String), srt("entitlement.name", "e.display_name", String),
		srt("source.name", "e.source_name", String)},
	IDColumn:    "e.id",
	DefaultSort: "machineIdentityName",
}

// LifecycleActions is GET /machine-identities/v1/lifecycle-actions (#78).
var LifecycleActions = &Resource{
	Name: "lifecycle-actions",
	Fields: []Field{
		fld("resourceType", "la.target_type", String, Eq, In),
		fld("operationType", "la.action", String, Eq, In),
		fld("status", "la.status", String, Eq, In),
		fld("completed", "la.completed", Bool, Eq),
		fld("targetId", "la.target_id", String, Eq),
		fld("targetName", "la.target_name", String, Eq, Sw),
		fld("sourceId", "la.source_id", String, Eq),
		fld("created", "la.created", Time, Gt, Ge, Lt, Le),
	},
	Sorters:     []Sorter{srt("created", "la.created", Time), srt("modified", "la.modified", Time), srt("status", "la.status", String)},
	IDColumn:    "la.id",
	DefaultSort: "-created",
}

// The list operations of machine identity security, as the API checks them
// before the store compiles its form's allowlist.
var (
	ListSourceSubtypes         = same(Subtypes)
	ListMachineAccountSubtypes = same(SourceSubtypes)
	ListMachineIdentities      = &List{Store: MachineIdentitiesV2026, Default: MachineIdentitiesV2026,
		Versions: map[string]*Resource{"v2024": MachineIdentitiesV2024, "v2025": MachineIdentitiesV2025, "v2": MachineIdentitiesV2}}
	ListMachineIdentityUserEntitlements = same(MachineIdentityEntitlements)
	ListLifecycleActions                = same(LifecycleActions)
	// ListMachineAccountMappings has paging only: no filters, no sorters.
	ListMachineAccountMappings = same(&Resource{Name: "machine-account-mappings", IDColumn: "source_id"})
)

// MachineIdentities is the allowlist a store lists machine identities through
// in the form of one API version.
func MachineIdentities(form mica.MachineIdentityForm) *Resource {
	switch form {
	case mica.MachineIdentityFormV2024:
		return MachineIdentitiesV2024
	case mica.MachineIdentityFormV2025:
		return MachineIdentitiesV2025
	case mica.MachineIdentityFormV2:
		return MachineIdentitiesV2
	}
	return MachineIdentitiesV2026
}
