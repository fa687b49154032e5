package api_test

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/micahq/mica"
	"github.com/micahq/mica/api"
)

// misFixture builds what the machine identity security operations act on,
// fresh for each request that changes something.
type misFixture struct {
	h   *harness
	seq atomic.Int64
	// entitlement is the create entitlement of creatable, held by the admin.
	creatable   *mica.Subtype
	entitlement string
	// subtypes are spread over sources, each below mica.MaxSubtypesPerSource.
	mu       sync.Mutex
	source   string
	subtypes int
}

func newMISFixture(t *testing.T, h *harness) *misFixture {
	t.Helper()
	f := &misFixture{h: h}
	ctx := context.Background()
	f.creatable = &mica.Subtype{SourceID: h.sourceID, TechnicalName: "creatable", DisplayName: "Creatable",
		Description: "accounts the admin may request", Type: mica.SubtypeTypeMachine}
	if err := h.db.CreateSubtype(ctx, f.creatable); err != nil {
		t.Fatal(err)
	}
	st, err := h.db.UpdateSubtype(ctx, f.creatable.ID, func(st *mica.Subtype) error {
		st.Config.Create = mica.SubtypeCreateConfig{AccountCreateEnabled: true, PasswordSetting: mica.PasswordDoNotSet,
			EntitlementID: mica.NewID()}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	f.creatable, f.entitlement = st, st.Config.Create.EntitlementID
	ap := &mica.AccessProfile{Name: "Create service accounts", Owner: mica.Ref{ID: h.admin.ID}, Source: mica.Ref{ID: h.sourceID},
		Requestable: true, Entitlements: []mica.Ref{{Type: "ENTITLEMENT", ID: f.entitlement, Name: "Create svc accounts"}}}
	if err := h.db.CreateAccessProfile(ctx, ap); err != nil {
		t.Fatal(err)
	}
	if err := h.db.AssignAccessProfile(ctx, h.admin.ID, ap.ID); err != nil {
		t.Fatal(err)
	}
	return f
}

func (f *misFixture) name(prefix string) string {
	return fmt.Sprintf("%s-%d", prefix, f.seq.Add(1))
}

func (f *misFixture) subtype(t *testing.T) *mica.Subtype {
	t.Helper()
	f.mu.Lock()
	if f.source == "" || f.subtypes == mica.MaxSubtypesPerSource-1 {
		src := &mica.Source{Name: f.name("Subtypes"), Owner: mica.Ref{ID: f.h.admin.ID}, Connector: "active-directory"}
		if err := f.h.db.CreateSource(context.Background(), src); err != nil {
			t.Fatal(err)
		}
		f.source, f.subtypes = src.ID, 0
	}
	f.subtypes++
	source := f.source
	f.mu.Unlock()
	st := &mica.Subtype{SourceID: source, TechnicalName: f.name("svc"), DisplayName: "Service", Description: "service accounts",
		Type: mica.SubtypeTypeMachine}
	if err := f.h.db.CreateSubtype(context.Background(), st); err != nil {
		t.Fatal(err)
	}
	return st
}

// machineIdentity creates an AI agent owned by the helpdesk identity (not the admin).
func (f *misFixture) machineIdentity(t *testing.T) *mica.MachineIdentity {
	t.Helper()
	m := &mica.MachineIdentity{Name: f.name("agent"), Subtype: mica.LifecycleTargetType, BusinessApplication: "Payroll",
		NativeIdentity: f.name("native"), SourceID: f.h.sourceID, Attributes: map[string]any{"securityRisk": "low"},
		PrimaryOwner: &mica.Ref{ID: f.h.helpdesk.ID}, SecondaryOwners: []mica.Ref{{ID: f.h.user.ID}},
		UserEntitlements: []mica.MachineIdentityEntitlement{{EntitlementID: f.entitlement, SourceID: f.h.sourceID}}}
	if err := f.h.db.CreateMachineIdentity(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	return m
}

// lifecycleAction submits an action on a new AI agent, as the admin.
func (f *misFixture) lifecycleAction(t *testing.T) *mica.LifecycleAction {
	t.Helper()
	m := f.machineIdentity(t)
	a := &mica.LifecycleAction{Action: mica.LifecycleDeactivate, TargetID: m.ID, TargetName: m.Name, TargetType: m.Subtype,
		RequestedBy: mica.Ref{Type: "IDENTITY", ID: f.h.admin.ID, Name: f.h.admin.Name}}
	if err := f.h.db.SubmitLifecycleAction(context.Background(), a); err != nil {
		t.Fatal(err)
	}
	return a
}

func (f *misFixture) accountRequest(t *testing.T) *mica.MachineAccountRequest {
	t.Helper()
	r := &mica.MachineAccountRequest{SubtypeID: f.creatable.ID, OwnerIdentityID: f.h.admin.ID,
		UserInput: map[string]any{"name": f.name("svc-req")}, Requester: mica.Ref{Type: "IDENTITY", ID: f.h.admin.ID, Name: f.h.admin.Name}}
	r.Start(f.creatable, f.h.clock.Now().UTC())
	if err := f.h.db.CreateMachineAccountRequest(context.Background(), r); err != nil {
		t.Fatal(err)
	}
	return r
}

func (f *misFixture) mapping(attr string) map[string]any {
	return map[string]any{"target": map[string]any{"type": "ACCOUNT", "attributeName": attr, "sourceId": f.h.sourceID},
		"transformDefinition": map[string]any{"type": "reference", "id": "ToUpper", "attributes": map[string]any{
			"input": map[string]any{"type": "accountAttribute", "attributes": map[string]any{"attributeName": "env",
				"sourceName": "Active Directory", "name": f.h.sourceID}}}}}
}

// miBody is a valid create body of a machine identity in version v.
func (f *misFixture) miBody(v api.Version) map[string]any {
	b := map[string]any{"name": f.name("mi"), "description": "created by the scenario table",
		"attributes": map[string]any{"team": "payroll"}}
	switch v {
	case api.V2024:
		b["businessApplication"] = "Payroll"
	case api.V2025:
		b["businessApplication"], b["subtype"] = "Payroll", "Application"
		b["owners"] = map[string]any{"primaryIdentity": map[string]any{"type": "IDENTITY", "id": f.h.admin.ID},
			"secondaryIdentities": []any{map[string]any{"type": "IDENTITY", "id": f.h.helpdesk.ID}}}
	case api.V2026, api.V1:
		b["nativeIdentity"], b["subtype"] = f.name("native"), "AI_AGENT"
		b["owners"] = map[string]any{"primaryIdentity": map[string]any{"type": "IDENTITY", "id": f.h.admin.ID},
			"secondaryIdentities": []any{}}
		b["userEntitlements"] = []any{map[string]any{"entitlementId": f.entitlement, "sourceId": f.h.sourceID}}
	case api.V2:
		b["subtype"], b["environment"] = "AI_AGENT", "PROD"
		b["owners"] = map[string]any{"primary": map[string]any{"type": "IDENTITY", "id": f.h.admin.ID}}
	}
	return b
}

// misCase is one operation of the scenario table: prep returns the path
// below the version and the body of one request, building what it needs.
type misCase struct {
	op   string
	prep func(t *testing.T, f *misFixture, v api.Version) (string, any)
	ok   int
	// tiers overrides the status the route's rights give a tier, where the
	// handler decides (owner, submitter, entitlement).
	tiers map[string]int
}

func patch(ops ...map[string]any) []map[string]any { return ops }

func misCases() []misCase {
	stPath := func(t *testing.T, f *misFixture, _ api.Version) (string, any) {
		return "/source-subtypes/" + f.subtype(t).ID, nil
	}
	legacy := func(t *testing.T, f *misFixture, _ api.Version) (string, any) {
		st := f.subtype(t)
		return "/sources/" + st.SourceID + "/subtypes/" + st.TechnicalName, nil
	}
	miPath := func(t *testing.T, f *misFixture, _ api.Version) (string, any) {
		return "/machine-identities/" + f.machineIdentity(t).ID, nil
	}
	rename := patch(map[string]any{"op": "replace", "path": "/displayName", "value": "Renamed"})
	return []misCase{
		{op: "listSourceSubtypes", ok: 200, prep: func(*testing.T, *misFixture, api.Version) (string, any) {
			return "/source-subtypes?count=true&sorters=-technicalName", nil
		}},
		{op: "createSourceSubtype", ok: 201, prep: func(t *testing.T, f *misFixture, _ api.Version) (string, any) {
			return "/source-subtypes", map[string]any{"sourceId": f.h.sourceID, "technicalName": f.name("new"),
				"displayName": "New", "description": "a new subtype", "type": "MACHINE"}
		}},
		{op: "loadBulkSourceSubtypes", ok: 200, prep: func(t *testing.T, f *misFixture, _ api.Version) (string, any) {
			return "/source-subtypes/bulk-retrieve", []string{f.subtype(t).ID, mica.NewUUID()}
		}},
		{op: "getSourceSubtypeById", ok: 200, prep: stPath},
		{op: "patchMachineAccountSubtype", ok: 200, prep: func(t *testing.T, f *misFixture, v api.Version) (string, any) {
			p, _ := stPath(t, f, v)
			return p, rename
		}},
		{op: "deleteMachineAccountSubtype", ok: 204, prep: stPath},
		{op: "listMachineAccountSubtypes", ok: 200, prep: func(t *testing.T, f *misFixture, _ api.Version) (string, any) {
			return "/sources/" + f.h.sourceID + "/subtypes?count=true", nil
		}},
		{op: "createMachineAccountSubtype", ok: 201, prep: func(t *testing.T, f *misFixture, _ api.Version) (string, any) {
			return "/sources/" + f.h.sourceID + "/subtypes", map[string]any{"technicalName": f.name("legacy"),
				"displayName": "Legacy", "description": "made through the source"}
		}},
		{op: "getMachineAccountSubtypeByTechnicalName", ok: 200, prep: legacy},
		{op: "patchMachineAccountSubtypeByTechnicalName", ok: 200, prep: func(t *testing.T, f *misFixture, v api.Version) (string, any) {
			p, _ := legacy(t, f, v)
			return p, rename
		}},
		{op: "deleteMachineAccountSubtypeByTechnicalName", ok: 204, prep: legacy},
		{op: "getMachineAccountSubtypeById", ok: 200, prep: func(t *testing.T, f *misFixture, _ api.Version) (string, any) {
			return "/sources/subtypes/" + f.subtype(t).ID, nil
		}},
		{op: "getMachineAccountSubtypeApprovalConfig", ok: 200, prep: func(t *testing.T, f *misFixture, _ api.Version) (string, any) {
			return "/source-subtypes/" + f.creatable.ID + "/machine-config", nil
		}},
		{op: "updateMachineAccountSubtypeApprovalConfig", ok: 200, prep: func(t *testing.T, f *misFixture, _ api.Version) (string, any) {
			return "/source-subtypes/" + f.subtype(t).ID + "/machine-config", patch(
				map[string]any{"op": "replace", "path": "/machineAccountCreate/passwordSetting", "value": "DO_NOT_SET_PASSWORD"},
				map[string]any{"op": "replace", "path": "/machineAccountCreate/accountCreateEnabled", "value": true},
				map[string]any{"op": "replace", "path": "/machineAccountDelete/approvalRequired", "value": true},
				map[string]any{"op": "add", "path": "/machineAccountDelete/approvalConfig",
					"value": map[string]any{"approvers": "manager,accountOwner", "comments": "ALL"}})
		}},
		{op: "getMachineAccountCreateAccessInfo", ok: 200, prep: func(*testing.T, *misFixture, api.Version) (string, any) {
			return "/source-subtypes/machine-account-create-access?limit=10&offset=-1", nil
		}, tiers: map[string]int{tierWrongScope: 200, tierWrongLevel: 200, tierHelpdesk: 200}},
		{op: "createMachineAccountRequest", ok: 202, prep: func(t *testing.T, f *misFixture, _ api.Version) (string, any) {
			return "/account-requests/machine-account-create", map[string]any{"subtypeId": f.creatable.ID,
				"ownerIdentityId": f.h.admin.ID, "environment": "PROD", "description": "a requested account",
				"userInput": map[string]any{"name": f.name("svc-api")}, "entitlementIds": []string{f.entitlement}}
		}, tiers: map[string]int{tierWrongScope: 202}},
		{op: "getCreateMachineAccountRequest", ok: 200, prep: func(t *testing.T, f *misFixture, _ api.Version) (string, any) {
			return "/account-requests/machine-account-create/" + f.accountRequest(t).ID, nil
		}, tiers: map[string]int{tierWrongScope: 200, tierWrongLevel: 404, tierHelpdesk: 404}},
		{op: "getMachineAccountDeletionApprovalConfigBySource", ok: 200, prep: func(t *testing.T, f *misFixture, _ api.Version) (string, any) {
			return "/sources/" + f.h.sourceID + "/approval-config/machine-account-delete", nil
		}},
		{op: "updateMachineAccountDeletionApprovalConfig", ok: 200, prep: func(t *testing.T, f *misFixture, _ api.Version) (string, any) {
			return "/sources/" + f.h.sourceID + "/approval-config/machine-account-delete", patch(
				map[string]any{"op": "replace", "path": "/approvalRequired", "value": true},
				map[string]any{"op": "replace", "path": "/approvalConfig/serialChain", "value": []any{
					map[string]any{"identityId": f.h.admin.ID, "identityType": "IDENTITY"},
					map[string]any{"identityId": "", "identityType": "MANAGER_OF_MACHINE_ACCOUNT_OWNER"}}},
				map[string]any{"op": "replace", "path": "/approvalConfig/timeoutConfig",
					"value": map[string]any{"enabled": true, "daysUntilTimeout": 90, "timeoutResult": "EXPIRED"}})
		}},
		{op: "listMachineAccountMappings", ok: 200, prep: func(t *testing.T, f *misFixture, _ api.Version) (string, any) {
			return "/sources/" + f.h.sourceID + "/machine-account-mappings?limit=5", nil
		}},
		{op: "createMachineAccountMappings", ok: 200, prep: func(t *testing.T, f *misFixture, _ api.Version) (string, any) {
			return "/sources/" + f.h.sourceID + "/machine-account-mappings", f.mapping("attributes." + f.name("k"))
		}},
		{op: "deleteMachineAccountMappings", ok: 200, prep: func(t *testing.T, f *misFixture, _ api.Version) (string, any) {
			return "/sources/" + f.h.sourceID + "/machine-account-mappings", nil
		}},
		{op: "setMachineAccountMappings", ok: 200, prep: func(t *testing.T, f *misFixture, _ api.Version) (string, any) {
			return "/sources/" + f.h.sourceID + "/machine-mappings", f.mapping("environment")
		}},
		{op: "listMachineIdentities", ok: 200, prep: func(t *testing.T, f *misFixture, _ api.Version) (string, any) {
			f.machineIdentity(t)
			return "/machine-identities?count=true&sorters=-name", nil
		}},
		{op: "createMachineIdentity", ok: 200, prep: func(t *testing.T, f *misFixture, v api.Version) (string, any) {
			return "/machine-identities", f.miBody(v)
		}},
		{op: "getMachineIdentity", ok: 200, prep: miPath},
		{op: "updateMachineIdentity", ok: 200, prep: func(t *testing.T, f *misFixture, v api.Version) (string, any) {
			p, _ := miPath(t, f, v)
			return p, patch(map[string]any{"op": "add", "path": "/attributes/securityRisk", "value": "high"},
				map[string]any{"op": "replace", "path": "/description", "value": "patched"})
		}},
		{op: "deleteMachineIdentity", ok: 204, prep: miPath},
		{op: "listMachineIdentityUserEntitlements", ok: 200, prep: func(t *testing.T, f *misFixture, _ api.Version) (string, any) {
			f.machineIdentity(t)
			return "/machine-identity-user-entitlements?count=true&sorters=machineIdentityName", nil
		}},
		{op: "listMachineIdentitiesV2", ok: 200, prep: func(t *testing.T, f *misFixture, _ api.Version) (string, any) {
			f.machineIdentity(t)
			return "/machine-identities?count=true&filters=" + strings.ReplaceAll(`subtype eq "AI_AGENT"`, " ", "%20"), nil
		}},
		{op: "createMachineIdentityV2", ok: 201, prep: func(t *testing.T, f *misFixture, v api.Version) (string, any) {
			return "/machine-identities", f.miBody(v)
		}},
		{op: "getMachineIdentityV2", ok: 200, prep: miPath},
		{op: "updateMachineIdentityV2", ok: 200, prep: func(t *testing.T, f *misFixture, v api.Version) (string, any) {
			p, _ := miPath(t, f, v)
			return p, patch(map[string]any{"op": "replace", "path": "/environment", "value": "TEST"})
		}},
		{op: "deleteMachineIdentityV2", ok: 204, prep: miPath},
		{op: "submitMachineIdentityLifecycleAction", ok: 202, prep: func(t *testing.T, f *misFixture, _ api.Version) (string, any) {
			return "/machine-identities/" + f.machineIdentity(t).ID + "/lifecycle-actions", map[string]any{"action": "DEACTIVATE",
				"comments": []any{map[string]any{"comment": "retired agent"}}}
		}, tiers: map[string]int{tierHelpdesk: 202, tierWrongLevel: 202}}, // helpdesk and user own the fixture's agents
		{op: "listMachineIdentityLifecycleActions", ok: 200, prep: func(t *testing.T, f *misFixture, _ api.Version) (string, any) {
			f.lifecycleAction(t)
			return "/machine-identities/lifecycle-actions?count=true", nil
		}, tiers: map[string]int{tierWrongLevel: 200, tierHelpdesk: 200}},
		{op: "getMachineIdentityLifecycleAction", ok: 200, prep: func(t *testing.T, f *misFixture, _ api.Version) (string, any) {
			return "/machine-identities/lifecycle-actions/" + f.lifecycleAction(t).ID, nil
		}, tiers: map[string]int{tierWrongScope: 200}},
		{op: "cancelMachineIdentityLifecycleAction", ok: 202, prep: func(t *testing.T, f *misFixture, _ api.Version) (string, any) {
			return "/machine-identities/lifecycle-actions/" + f.lifecycleAction(t).ID + "/cancel", map[string]any{"comment": "not now"}
		}, tiers: map[string]int{tierWrongScope: 202}},
	}
}

// TestMISScenarios is the scenario table of every machine identity security
// operation in every version it has: each authentication tier, the
// experimental header where the version requires it, and a schema-validated
// success.
func TestMISScenarios(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	f := newMISFixture(t, h)
	ops := map[string]*api.Op{}
	for _, op := range h.api.Ops() {
		ops[op.ID] = op
	}
	seen := map[string]bool{}
	for _, c := range misCases() {
		op := ops[c.op]
		if op == nil {
			t.Fatalf("no operation %s", c.op)
		}
		seen[c.op] = true
		for _, v := range op.Versions {
			auth := op.Auth
			if a, ok := op.AuthBy[v]; ok {
				auth = a
			}
			exp := slices.Contains(op.Experimental, v)
			tiers := append([]string{tierHelpdesk, "no-header"}, allTiers...)
			for _, tier := range tiers {
				t.Run(fmt.Sprintf("%s %s %s", c.op, v, tier), func(t *testing.T) {
					want := c.ok
					switch tier {
					case tierNone, tierGarbage, tierExpired, tierDeleted:
						want = 401
					case tierWrongScope, tierWrongLevel:
						// Refused by the route's rights; where the route lets the tier
						// through (no scope, or USER), the handler decides: c.tiers.
						want = 403
					case tierHelpdesk:
						if !slices.Contains(auth.Levels, mica.LevelHelpdesk) {
							want = 403
						}
					case tierAPI:
						if auth.App == nil && !auth.AnyApp {
							want = 403
						}
					case "no-header":
						if exp {
							want = 400
						}
					}
					if w, ok := c.tiers[tier]; ok {
						want = w
					}
					path, body := c.prep(t, f, v)
					token, headers := tier, []string{"X-SailPoint-Experimental", "true"}
					if tier == "no-header" {
						token, headers = tierAdmin, nil
					}
					path, q, _ := strings.Cut(path, "?")
					path = api.VersionPath(v, path)
					if q != "" {
						path += "?" + q
					}
					r := h.do(op.Method, path, token, body, headers...)
					if tier == "no-header" && exp {
						if r.status != 400 || !strings.Contains(string(r.body), "Experimental Header") {
							t.Fatalf("without the header: %d %s", r.status, r.body)
						}
						return
					}
					if want >= 400 {
						checkError(t, r, want)
						return
					}
					if r.status != want {
						t.Fatalf("%s %s as %s: %d %s", op.Method, path, tier, r.status, r.body)
					}
				})
			}
		}
	}
	for _, op := range h.api.Ops() {
		if isMISOp(op) && !seen[op.ID] && !slices.Contains(op.Versions, api.Mica) {
			t.Errorf("operation %s has no scenario", op.ID)
		}
	}
}

func init() {
	// The lifecycle operations' own detail codes (REFERENCE.md §15.4).
	for _, c := range []string{mica.DetailLifecycleAccessDenied, mica.DetailLifecycleUnsupported, mica.DetailLifecycleNotFound,
		mica.DetailLifecycleInvalidInState} {
		namedDetailCodes[c] = true
	}
}

// isMISOp reports whether op is one of machine identity security's (REFERENCE.md §15.1).
func isMISOp(op *api.Op) bool {
	for _, p := range []string{"/source-subtypes", "/sources/{sourceId}/subtypes", "/sources/subtypes/", "machine-account-mappings",
		"machine-mappings", "/machine-identities", "/machine-identity-user-entitlements", "/account-requests/",
		"/approval-config/"} {
		if strings.Contains(op.Path, p) {
			return true
		}
	}
	return false
}

// TestMISNotBuilt: the anomaly operations answer 404 like any unknown path.
func TestMISNotBuilt(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	f := newMISFixture(t, h)
	m := f.machineIdentity(t)
	for _, p := range []string{"/machine-identities/v1/" + m.ID + "/anomalies", "/machine-identities/v1/anomaly-summaries/unsanctioned"} {
		r := h.do(http.MethodGet, p, tierAdmin, nil, "X-SailPoint-Experimental", "true")
		if r.status != 404 {
			t.Fatalf("GET %s: %d %s", p, r.status, r.body)
		}
	}
}
