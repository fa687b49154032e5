package storetest

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/micahq/mica"
	"github.com/micahq/mica/query"
)

func newSubtype(t *testing.T, s mica.Store, src *mica.Source, name string) *mica.Subtype {
	t.Helper()
	st := &mica.Subtype{SourceID: src.ID, TechnicalName: name, DisplayName: name + " accounts", Description: "the " + name + " kind",
		Type: mica.SubtypeTypeMachine}
	must(t, s.CreateSubtype(context.Background(), st))
	return st
}

// machineAccounts creates accounts on src and classifies those named svc* as machines.
func machineAccounts(t *testing.T, s mica.Store, src *mica.Source, accounts ...*mica.Account) {
	t.Helper()
	ctx := context.Background()
	ids := make([]string, len(accounts))
	for _, a := range accounts {
		a.SourceID = src.ID
		if a.Name == "" {
			a.Name = a.NativeIdentity
		}
	}
	must(t, s.CreateAccounts(ctx, accounts))
	for i, a := range accounts {
		ids[i] = a.ID
	}
	_, err := s.ClassifyAccounts(ctx, src.ID, ids, machineIfSvc)
	must(t, err)
}

func testSubtypes(t *testing.T, s mica.Store) {
	ctx := context.Background()
	owner := newIdentity(t, s, "owner")
	src := newSource(t, s, owner, "AD")
	other := newSource(t, s, owner, "Entra")
	st := newSubtype(t, s, src, "gMSA")
	if st.ID == "" || st.SourceName != "AD" || st.Created.IsZero() || !st.Created.Equal(st.Modified) {
		t.Fatalf("created subtype = %+v", st)
	}
	// Technical names are unique per source, case-insensitively; other sources may reuse them.
	mustErr(t, s.CreateSubtype(ctx, &mica.Subtype{SourceID: src.ID, TechnicalName: "GMSA", DisplayName: "x", Description: "x"}),
		mica.ErrSubtypeTaken(src.ID, "GMSA"))
	newSubtype(t, s, other, "gMSA")
	missing := mica.NewID()
	mustErr(t, s.CreateSubtype(ctx, &mica.Subtype{SourceID: missing, TechnicalName: "x", DisplayName: "x", Description: "x"}),
		mica.ErrRefNotFound("", mica.KindSource, missing))
	// Invalid ones: the domain's own answer (Validate).
	for _, bad := range []*mica.Subtype{
		{SourceID: src.ID, TechnicalName: "bad name", DisplayName: "x", Description: "x"},
		{SourceID: src.ID, TechnicalName: "ok", Description: "x"},
		{SourceID: src.ID, TechnicalName: "ok", DisplayName: "x", Description: "x", Type: "HUMAN"},
	} {
		want := bad.Validate()
		if want == nil {
			t.Fatalf("%+v is valid", bad)
		}
		mustErr(t, s.CreateSubtype(ctx, bad), want)
	}

	got, err := s.GetSubtype(ctx, st.ID)
	must(t, err)
	if got.TechnicalName != "gMSA" || got.DisplayName != "gMSA accounts" || got.Type != mica.SubtypeTypeMachine || !got.Created.Equal(st.Created) {
		t.Fatalf("get subtype = %+v", got)
	}
	byName, err := s.GetSubtypeByName(ctx, src.ID, "gmsa")
	must(t, err)
	if byName.ID != st.ID {
		t.Fatalf("by name = %s, want %s", byName.ID, st.ID)
	}
	_, err = s.GetSubtypeByName(ctx, src.ID, "nope")
	mustErr(t, err, mica.ErrNoSubtype(src.ID, "nope"))
	_, err = s.GetSubtypeByName(ctx, missing, "gMSA")
	mustErr(t, err, mica.ErrNotFound(mica.KindSource, missing))
	missingSubtype := mica.NewUUID()
	_, err = s.GetSubtype(ctx, missingSubtype)
	mustErr(t, err, mica.ErrNotFound(mica.KindSubtype, missingSubtype))

	vm := newSubtype(t, s, src, "vm")
	bulk, err := s.GetSubtypes(ctx, []string{vm.ID, mica.NewUUID(), st.ID, vm.ID})
	must(t, err)
	if len(bulk) != 2 || bulk[0].ID != vm.ID || bulk[1].ID != st.ID {
		t.Fatalf("bulk = %+v", bulk)
	}
	page, err := s.ListSubtypes(ctx, src.ID, mica.ListOptions{Limit: 10, Count: true, Sorters: "-technicalName"})
	must(t, err)
	if page.Total != 2 || len(page.Items) != 2 || page.Items[0].TechnicalName != "vm" {
		t.Fatalf("source page = %+v", page)
	}
	all, err := s.ListSubtypes(ctx, "", mica.ListOptions{Limit: 10, Count: true, Filters: `source.id in ("` + src.ID + `","` + other.ID + `") and technicalName sw "gm"`})
	must(t, err)
	if all.Total != 2 {
		t.Fatalf("all page total = %d", all.Total)
	}
	_, err = s.ListSubtypes(ctx, missing, mica.ListOptions{Limit: 10})
	mustErr(t, err, mica.ErrNotFound(mica.KindSource, missing))

	// Only the display name, description and config change.
	up, err := s.UpdateSubtype(ctx, st.ID, func(x *mica.Subtype) error {
		x.DisplayName, x.Description = "Group MSAs", "group managed service accounts"
		x.Config.Delete = mica.SubtypeDeleteConfig{ApprovalRequired: true, ApprovalConfig: &mica.ApproverConfig{Approvers: "manager,accountOwner", Comments: "ALL"}}
		return nil
	})
	must(t, err)
	if up.DisplayName != "Group MSAs" || !up.Config.Delete.ApprovalRequired || up.Modified.Before(up.Created) {
		t.Fatalf("updated = %+v", up)
	}
	_, err = s.UpdateSubtype(ctx, st.ID, func(x *mica.Subtype) error { x.TechnicalName = "other"; return nil })
	mustErr(t, err, mica.Errorf(mica.EILLEGAL, "only displayName, description and the approval config of a subtype can change"))
	var noPassword mica.Subtype
	_, err = s.UpdateSubtype(ctx, st.ID, func(x *mica.Subtype) error {
		x.Config.Create.AccountCreateEnabled = true // without a password setting
		noPassword = *x
		return nil
	})
	mustErr(t, err, noPassword.Validate())
	if mica.ErrorCode(err) != mica.EMISSING {
		t.Fatalf("create enabled without a password setting: %v", err)
	}
	_, err = s.UpdateSubtype(ctx, missingSubtype, func(x *mica.Subtype) error { return nil })
	mustErr(t, err, mica.ErrNotFound(mica.KindSubtype, missingSubtype))
	again, err := s.GetSubtype(ctx, st.ID)
	must(t, err)
	if again.TechnicalName != "gMSA" || again.Config.Create.AccountCreateEnabled || again.Config.Delete.ApprovalConfig.Approvers != "manager,accountOwner" {
		t.Fatalf("after refused updates = %+v", again)
	}

	// A subtype machine accounts have cannot be deleted; the count is named.
	svc := &mica.Account{NativeIdentity: "svc-sql"}
	machineAccounts(t, s, src, svc)
	_, err = s.UpdateMachineAccount(ctx, svc.ID, func(a *mica.Account) error { a.Subtype = st.ID; return nil }) // by id too
	must(t, err)
	ma, err := s.GetMachineAccount(ctx, svc.ID)
	must(t, err)
	if ma.Subtype != "gMSA" {
		t.Fatalf("machine account subtype = %q", ma.Subtype)
	}
	mustErr(t, s.DeleteSubtype(ctx, st.ID), mica.ErrSubtypeInUse("gMSA", 1))
	byDisplay, err := s.ListMachineAccounts(ctx, mica.ListOptions{Limit: 10, Filters: `subtype.displayName eq "group msas"`})
	must(t, err)
	if len(byDisplay.Items) != 1 || byDisplay.Items[0].ID != svc.ID {
		t.Fatalf("machine accounts by subtype display name = %+v", byDisplay.Items)
	}
	_, err = s.UpdateMachineAccount(ctx, svc.ID, func(a *mica.Account) error { a.Subtype = ""; return nil })
	must(t, err)
	must(t, s.DeleteSubtype(ctx, st.ID))
	mustErr(t, s.DeleteSubtype(ctx, st.ID), mica.ErrNotFound(mica.KindSubtype, st.ID))

	// The limit per source.
	for i := 0; ; i++ {
		err := s.CreateSubtype(ctx, &mica.Subtype{SourceID: other.ID, TechnicalName: fmt.Sprintf("t%d", i), DisplayName: "t", Description: "t"})
		if err != nil {
			mustErr(t, err, mica.Errorf(mica.EILLEGAL, "source %q already has %d subtypes, the most a source may have",
				other.ID, mica.MaxSubtypesPerSource))
			break
		}
		if i > mica.MaxSubtypesPerSource {
			t.Fatalf("created more than %d subtypes on one source", mica.MaxSubtypesPerSource)
		}
	}
	n, err := s.ListSubtypes(ctx, other.ID, mica.ListOptions{Limit: 0, Count: true})
	must(t, err)
	if n.Total != mica.MaxSubtypesPerSource {
		t.Fatalf("subtypes on the full source = %d", n.Total)
	}
	// A source's subtypes go with it.
	must(t, s.DeleteSource(ctx, other.ID))
	left, err := s.ListSubtypes(ctx, "", mica.ListOptions{Limit: 0, Count: true})
	must(t, err)
	if left.Total != 1 {
		t.Fatalf("subtypes after deleting a source = %d, want 1", left.Total)
	}
}

func containsText(s, sub string) bool {
	for i := 0; i+len(sub) <= len(s); i++ {
		if s[i:i+len(sub)] == sub {
			return true
		}
	}
	return false
}

func testMachineIdentities(t *testing.T, s mica.Store) {
	ctx := context.Background()
	owner := newIdentity(t, s, "Olivia Owner")
	second := newIdentity(t, s, "Sam Second")
	src := newSource(t, s, owner, "AD")
	ap := &mica.AccessProfile{Name: "Readers", Owner: mica.Ref{ID: owner.ID}, Source: mica.Ref{ID: src.ID}, Requestable: true,
		Entitlements: []mica.Ref{{Type: "ENTITLEMENT", ID: "ent-1", Name: "CN=Readers"}}}
	must(t, s.CreateAccessProfile(ctx, ap))
	svc := &mica.Account{NativeIdentity: "svc-payroll"}
	machineAccounts(t, s, src, svc)

	// Owners must exist, and nothing is written when one does not.
	missing := mica.NewID()
	bad := &mica.MachineIdentity{Name: "x", PrimaryOwner: &mica.Ref{ID: owner.ID}, SecondaryOwners: []mica.Ref{{ID: missing}}}
	mustErr(t, s.CreateMachineIdentity(ctx, bad), mica.ErrRefNotFound("owners.secondaryIdentities[0]", mica.KindIdentity, missing))
	mustErr(t, s.CreateMachineIdentity(ctx, &mica.MachineIdentity{Name: "x", SourceID: missing}),
		mica.ErrRefNotFound("sourceId", mica.KindSource, missing))
	mustErr(t, s.CreateMachineIdentity(ctx, &mica.MachineIdentity{Name: "x",
		UserEntitlements: []mica.MachineIdentityEntitlement{{EntitlementID: "e", SourceID: missing}}}),
		mica.ErrRefNotFound("userEntitlements[0].sourceId", mica.KindSource, missing))
	// Invalid ones: the domain's own answer (Validate).
	for _, invalid := range []*mica.MachineIdentity{
		{Name: "x", PrimaryOwner: &mica.Ref{ID: owner.ID}, SecondaryOwners: []mica.Ref{{ID: owner.ID}}},
		{Name: "x", PrimaryOwner: &mica.Ref{ID: "g", Type: "GOVERNANCE_GROUP"}},
	} {
		want := invalid.Validate()
		if want == nil {
			t.Fatalf("%+v is valid", invalid)
		}
		mustErr(t, s.CreateMachineIdentity(ctx, invalid), want)
	}
	none, err := s.ListMachineIdentities(ctx, mica.MachineIdentityFormV2026, mica.ListOptions{Limit: 10, Count: true})
	must(t, err)
	if none.Total != 0 {
		t.Fatalf("refused creates left %d machine identities", none.Total)
	}

	m := &mica.MachineIdentity{Name: "Payroll bot", Subtype: "AI_AGENT", NativeIdentity: "svc-payroll", SourceID: src.ID,
		BusinessApplication: "Payroll", Attributes: map[string]any{"securityRisk": "low"},
		PrimaryOwner: &mica.Ref{ID: owner.ID}, SecondaryOwners: []mica.Ref{{ID: second.ID}},
		UserEntitlements: []mica.MachineIdentityEntitlement{{EntitlementID: "ent-1", SourceID: src.ID}, {EntitlementID: "ent-2", SourceID: src.ID}}}
	must(t, s.CreateMachineIdentity(ctx, m))
	got, err := s.GetMachineIdentity(ctx, m.ID)
	must(t, err)
	if got.Name != "Payroll bot" || got.SourceName != "AD" || got.PrimaryOwner.Name != "Olivia Owner" || len(got.SecondaryOwners) != 1 ||
		got.SecondaryOwners[0].Name != "Sam Second" || len(got.UserEntitlements) != 2 || got.UserEntitlements[0].DisplayName != "CN=Readers" ||
		got.UserEntitlements[1].DisplayName != "ent-2" || got.Attributes["securityRisk"] != "low" {
		t.Fatalf("machine identity = %+v", got)
	}
	// The machine account of the same source and native identity joins it.
	acct, err := s.GetMachineAccount(ctx, svc.ID)
	must(t, err)
	if acct.MachineIdentity == nil || acct.MachineIdentity.ID != m.ID || acct.MachineIdentity.Name != "Payroll bot" {
		t.Fatalf("machine account's identity = %+v", acct.MachineIdentity)
	}
	other := &mica.MachineIdentity{Name: "Backup agent", Subtype: "Application", PrimaryOwner: &mica.Ref{ID: second.ID}}
	must(t, s.CreateMachineIdentity(ctx, other))

	for _, c := range []struct {
		form   mica.MachineIdentityForm
		filter string
		want   []string
	}{
		{mica.MachineIdentityFormV2025, `owners.secondaryIdentity.id eq "` + second.ID + `"`, []string{m.ID}},
		{mica.MachineIdentityFormV2025, `owners.secondaryIdentity.name isnull`, []string{other.ID}},
		{mica.MachineIdentityFormV2025, `entitlement.name sw "cn="`, []string{m.ID}},
		{mica.MachineIdentityFormV2025, `not (entitlement.id in ("ent-2"))`, []string{other.ID}},
		{mica.MachineIdentityFormV2025, `owners.primaryIdentity.name eq "sam second" or subtype eq "AI_AGENT"`, []string{other.ID, m.ID}},
		{mica.MachineIdentityFormV2024, `businessApplication sw "pay"`, []string{m.ID}},
		{mica.MachineIdentityFormV2026, `nativeIdentity eq "svc-payroll" and source.name eq "ad"`, []string{m.ID}},
		{mica.MachineIdentityFormV2, `risk.severity eq "HIGH"`, nil},
		{mica.MachineIdentityFormV2, `owners.secondaryGovernanceGroup.name isnull`, []string{other.ID, m.ID}},
	} {
		page, err := s.ListMachineIdentities(ctx, c.form, mica.ListOptions{Limit: 10, Filters: c.filter, Sorters: "name"})
		must(t, err)
		var ids []string
		for _, x := range page.Items {
			ids = append(ids, x.ID)
		}
		if fmt.Sprint(ids) != fmt.Sprint(c.want) {
			t.Fatalf("filter %q = %v, want %v", c.filter, ids, c.want)
		}
	}
	_, err = s.ListMachineIdentities(ctx, mica.MachineIdentityFormV2024, mica.ListOptions{Limit: 10, Filters: `subtype eq "x"`})
	mustErr(t, err, queryErr(t, query.MachineIdentitiesV2024, `subtype eq "x"`, "")) // v2024 has no subtype filter

	// Updates re-check owners; a rename reaches the machine account.
	_, err = s.UpdateMachineIdentity(ctx, m.ID, func(x *mica.MachineIdentity) error {
		x.Name, x.PrimaryOwner = "renamed", &mica.Ref{ID: missing}
		return nil
	})
	mustErr(t, err, mica.ErrRefNotFound("owners.primaryIdentity", mica.KindIdentity, missing))
	up, err := s.UpdateMachineIdentity(ctx, m.ID, func(x *mica.MachineIdentity) error {
		x.Name, x.SecondaryOwners = "Payroll agent", nil
		x.UserEntitlements = x.UserEntitlements[:1]
		return nil
	})
	must(t, err)
	if up.Name != "Payroll agent" || len(up.SecondaryOwners) != 0 || len(up.UserEntitlements) != 1 ||
		!up.UserEntitlements[0].Created.Equal(got.UserEntitlements[0].Created) {
		t.Fatalf("updated = %+v", up)
	}
	acct, err = s.GetMachineAccount(ctx, svc.ID)
	must(t, err)
	if acct.MachineIdentity == nil || acct.MachineIdentity.Name != "Payroll agent" {
		t.Fatalf("account's identity after the rename = %+v", acct.MachineIdentity)
	}
	ents, err := s.ListMachineIdentityEntitlements(ctx, mica.ListOptions{Limit: 10, Count: true, Filters: `machineIdentityName sw "payroll"`})
	must(t, err)
	if ents.Total != 1 || ents.Items[0].MachineIdentityID != m.ID || ents.Items[0].EntitlementID != "ent-1" || ents.Items[0].SourceName != "AD" {
		t.Fatalf("user entitlements = %+v", ents.Items)
	}
	// Deleting it keeps the account, unlinked.
	must(t, s.DeleteMachineIdentity(ctx, m.ID))
	mustErr(t, s.DeleteMachineIdentity(ctx, m.ID), mica.ErrNotFound(mica.KindMachineIdentity, m.ID))
	acct, err = s.GetMachineAccount(ctx, svc.ID)
	must(t, err)
	if acct.MachineIdentity != nil {
		t.Fatalf("account still linked to a deleted machine identity: %+v", acct.MachineIdentity)
	}
}

func testMappings(t *testing.T, s mica.Store) {
	ctx := context.Background()
	owner := newIdentity(t, s, "Olivia Owner")
	alice := newIdentity(t, s, "Alice")
	src := newSource(t, s, owner, "AD")
	newSubtype(t, s, src, "gMSA")
	svc1 := &mica.Account{NativeIdentity: "svc-1", Attributes: map[string]any{"env": "prod", "kind": "gmsa", "mgr": "alice"}}
	svc2 := &mica.Account{NativeIdentity: "svc-2", Attributes: map[string]any{"env": []any{"test", "x"}, "kind": "unknown", "mgr": "nobody"}}
	svc3 := &mica.Account{NativeIdentity: "svc-3", Attributes: map[string]any{"env": "dev"}}
	human := &mica.Account{NativeIdentity: "jdoe", Attributes: map[string]any{"env": "prod"}}
	machineAccounts(t, s, src, svc1, svc2, svc3, human)
	_, err := s.UpdateMachineAccount(ctx, svc3.ID, func(a *mica.Account) error { a.ManuallyEdited = true; return nil })
	must(t, err)
	m := &mica.MachineIdentity{Name: "svc-1 identity", NativeIdentity: "svc-1", SourceID: src.ID}
	must(t, s.CreateMachineIdentity(ctx, m))

	in := func(attr string) mica.MappingTransform {
		return mica.MappingTransform{Type: "reference", ID: "ToUpper", Attributes: mica.MappingTransformArg{
			Input: mica.MappingInput{Type: "accountAttribute", Attributes: mica.MappingInputAttrs{AttributeName: attr}}}}
	}
	plain := func(attr string) mica.MappingTransform {
		tr := in(attr)
		tr.Type, tr.ID = "accountAttribute", ""
		return tr
	}
	ms := []*mica.MachineAccountMapping{
		{Target: mica.MappingTarget{Type: "ACCOUNT", AttributeName: "environment"}, Transform: in("env")},
		{Target: mica.MappingTarget{Type: "ACCOUNT", AttributeName: "subtype"}, Transform: plain("kind")},
		{Target: mica.MappingTarget{Type: "OWNER_IDENTITY", AttributeName: "name"}, Transform: plain("mgr")},
		{Target: mica.MappingTarget{Type: "IDENTITY", AttributeName: "attributes.environment"}, Transform: in("env")},
	}
	// Bad mappings are refused whole.
	colour := []*mica.MachineAccountMapping{ms[0], {Target: mica.MappingTarget{Type: "ACCOUNT", AttributeName: "colour"}, Transform: in("env")}}
	_, _, err = s.SetMappings(ctx, src.ID, func(cur []*mica.MachineAccountMapping) ([]*mica.MachineAccountMapping, error) {
		return append(cur, colour...), nil
	})
	mustErr(t, err, mica.ValidateMappings(src.ID, colour))
	if mica.ErrorCode(err) != mica.EILLEGAL {
		t.Fatalf("mapping of an unknown attribute: %v", err)
	}
	twice := []*mica.MachineAccountMapping{ms[0], ms[0]}
	_, _, err = s.SetMappings(ctx, src.ID, func([]*mica.MachineAccountMapping) ([]*mica.MachineAccountMapping, error) {
		return twice, nil
	})
	mustErr(t, err, mica.ValidateMappings(src.ID, twice))
	if mica.ErrorCode(err) != mica.ECONFLICT {
		t.Fatalf("mapping twice: %v", err)
	}
	missing := mica.NewID()
	_, _, err = s.SetMappings(ctx, missing, func(cur []*mica.MachineAccountMapping) ([]*mica.MachineAccountMapping, error) { return ms, nil })
	mustErr(t, err, mica.ErrNotFound(mica.KindSource, missing))
	cur, err := s.GetMappings(ctx, src.ID)
	must(t, err)
	if len(cur) != 0 {
		t.Fatalf("refused mappings were written: %+v", cur)
	}
	_, err = s.GetMappingJob(ctx, src.ID)
	mustErr(t, err, mica.ErrNeverMapped(src.ID))
	_, err = s.GetMappingJobByID(ctx, missing)
	mustErr(t, err, mica.ErrMappingJobNotFound())

	saved, job, err := s.SetMappings(ctx, src.ID, func([]*mica.MachineAccountMapping) ([]*mica.MachineAccountMapping, error) { return ms, nil })
	must(t, err)
	if len(saved) != 4 || job == nil || job.Status != mica.JobStarted || job.Expected != 3 {
		t.Fatalf("saved %d mappings, job %+v", len(saved), job)
	}
	// A newer change supersedes the running job.
	_, job2, err := s.SetMappings(ctx, src.ID, func(cur []*mica.MachineAccountMapping) ([]*mica.MachineAccountMapping, error) { return cur, nil })
	must(t, err)
	old, err := s.GetMappingJobByID(ctx, job.ID)
	must(t, err)
	if old.Status != mica.JobCancelled || job2.ID == job.ID {
		t.Fatalf("superseded job = %+v", old)
	}
	unfinished, err := s.UnfinishedMappingJobs(ctx)
	must(t, err)
	if len(unfinished) != 1 || unfinished[0].ID != job2.ID {
		t.Fatalf("unfinished mapping jobs = %+v", unfinished)
	}
	j, err := s.ApplyMappingBatch(ctx, job2.ID, 2)
	must(t, err)
	if j.Status != mica.JobStarted || j.Processed != 2 {
		t.Fatalf("after one batch = %+v", j)
	}
	j, err = s.ApplyMappingBatch(ctx, job2.ID, 2)
	must(t, err)
	if j.Status != mica.JobCompleted || j.Processed != 3 || j.Changed != 2 {
		t.Fatalf("after two batches = %+v", j)
	}
	latest, err := s.GetMappingJob(ctx, src.ID)
	must(t, err)
	if latest.ID != job2.ID || latest.Status != mica.JobCompleted {
		t.Fatalf("latest job = %+v", latest)
	}
	a1, err := s.GetMachineAccount(ctx, svc1.ID)
	must(t, err)
	if a1.Environment != "PROD" || a1.Subtype != "gMSA" || a1.OwnerIdentity == nil || a1.OwnerIdentity.ID != alice.ID {
		t.Fatalf("mapped account 1 = %+v", a1)
	}
	a2, err := s.GetMachineAccount(ctx, svc2.ID)
	must(t, err)
	if a2.Environment != "TEST" || a2.Subtype != "" || a2.OwnerIdentity != nil {
		t.Fatalf("mapped account 2 (unknown subtype and owner are left alone) = %+v", a2)
	}
	a3, err := s.GetMachineAccount(ctx, svc3.ID)
	must(t, err)
	if a3.Environment != "" {
		t.Fatalf("a manually edited account was mapped: %+v", a3)
	}
	mi, err := s.GetMachineIdentity(ctx, m.ID)
	must(t, err)
	if mi.Attributes["environment"] != "PROD" {
		t.Fatalf("mapped machine identity = %+v", mi.Attributes)
	}
	// Removing every mapping starts no job; StartMappingJob then has nothing to do.
	_, job3, err := s.SetMappings(ctx, src.ID, func([]*mica.MachineAccountMapping) ([]*mica.MachineAccountMapping, error) { return nil, nil })
	must(t, err)
	if job3 != nil {
		t.Fatalf("a job for no mappings: %+v", job3)
	}
	none, err := s.StartMappingJob(ctx, src.ID)
	must(t, err)
	if none != nil {
		t.Fatalf("StartMappingJob without mappings = %+v", none)
	}
}

func testMachineAccountRequests(t *testing.T, s mica.Store) {
	ctx := context.Background()
	owner := newIdentity(t, s, "Olivia Owner")
	src := newSource(t, s, owner, "AD")
	st := newSubtype(t, s, src, "gMSA")
	existing := &mica.Account{NativeIdentity: "svc-taken"}
	machineAccounts(t, s, src, existing)
	now := time.Now().UTC().Truncate(time.Millisecond)
	req := func(name string) *mica.MachineAccountRequest {
		r := &mica.MachineAccountRequest{SubtypeID: st.ID, OwnerIdentityID: owner.ID, Environment: "PROD", Description: "requested",
			UserInput: map[string]any{"name": name, "mail": name + "@example.com"}, EntitlementIDs: []string{"ent-1"},
			Requester: mica.Ref{Type: "IDENTITY", ID: owner.ID, Name: owner.Name}}
		r.Start(st, now)
		return r
	}
	bad := req("x")
	bad.SubtypeID = mica.NewUUID()
	mustErr(t, s.CreateMachineAccountRequest(ctx, bad), mica.ErrRefNotFound("", mica.KindSubtype, bad.SubtypeID))
	bad = req("x")
	bad.OwnerIdentityID = mica.NewID()
	mustErr(t, s.CreateMachineAccountRequest(ctx, bad), mica.ErrRefNotFound("", mica.KindOwner, bad.OwnerIdentityID))

	ok := req("svc-new")
	must(t, s.CreateMachineAccountRequest(ctx, ok))
	pending, err := s.PendingMachineAccountRequests(ctx)
	must(t, err)
	if len(pending) != 1 || pending[0].ID != ok.ID {
		t.Fatalf("pending = %+v", pending)
	}
	done, err := s.ProvisionMachineAccountRequest(ctx, ok.ID)
	must(t, err)
	if done.Status != mica.RequestSuccess || done.Provisioning.State != mica.PhasePassed || done.AccountID == "" ||
		done.MachineIdentityID == "" || done.Completed == nil {
		t.Fatalf("provisioned = %+v", done)
	}
	acct, err := s.GetMachineAccount(ctx, done.AccountID)
	must(t, err)
	if acct.NativeIdentity != "svc-new" || acct.Subtype != "gMSA" || acct.Environment != "PROD" || acct.OwnerIdentity == nil ||
		acct.OwnerIdentity.ID != owner.ID || acct.MachineIdentity == nil || acct.MachineIdentity.ID != done.MachineIdentityID ||
		acct.Attributes["mail"] != "svc-new@example.com" || acct.ClassificationMethod != mica.MethodManual {
		t.Fatalf("provisioned account = %+v", acct)
	}
	mi, err := s.GetMachineIdentity(ctx, done.MachineIdentityID)
	must(t, err)
	if mi.PrimaryOwner == nil || mi.PrimaryOwner.ID != owner.ID || len(mi.UserEntitlements) != 1 || mi.SourceID != src.ID {
		t.Fatalf("created machine identity = %+v", mi)
	}
	again, err := s.ProvisionMachineAccountRequest(ctx, ok.ID) // a second run changes nothing
	must(t, err)
	if again.AccountID != done.AccountID {
		t.Fatalf("second run = %+v", again)
	}

	// A request that cannot be carried out fails with its reason, and nothing is created.
	before, err := s.ListMachineIdentities(ctx, mica.MachineIdentityFormV2026, mica.ListOptions{Limit: 0, Count: true})
	must(t, err)
	dup := req("svc-taken")
	must(t, s.CreateMachineAccountRequest(ctx, dup))
	failed, err := s.ProvisionMachineAccountRequest(ctx, dup.ID)
	must(t, err)
	if failed.Status != mica.RequestFailed || failed.Provisioning.State != mica.PhaseFailed || !containsText(failed.ErrorDetails, "svc-taken") {
		t.Fatalf("failed request = %+v", failed)
	}
	after, err := s.ListMachineIdentities(ctx, mica.MachineIdentityFormV2026, mica.ListOptions{Limit: 0, Count: true})
	must(t, err)
	if after.Total != before.Total {
		t.Fatalf("a failed request created a machine identity")
	}

	// Approval: the request waits, then an approver decides.
	_, err = s.UpdateSubtype(ctx, st.ID, func(x *mica.Subtype) error { x.Config.Create.ApprovalRequired = true; return nil })
	must(t, err)
	st.Config.Create.ApprovalRequired = true
	waiting := req("svc-approved")
	must(t, s.CreateMachineAccountRequest(ctx, waiting))
	if waiting.Status != mica.RequestPending || waiting.Provisioning.State != mica.PhaseNotStarted {
		t.Fatalf("waiting = %+v", waiting)
	}
	nothing, err := s.ProvisionMachineAccountRequest(ctx, waiting.ID)
	must(t, err)
	if nothing.AccountID != "" {
		t.Fatalf("an unapproved request was provisioned")
	}
	approved, err := s.DecideMachineAccountRequest(ctx, waiting.ID, true)
	must(t, err)
	if approved.Approval.State != mica.PhaseApproved || approved.Provisioning.State != mica.PhasePending {
		t.Fatalf("approved = %+v", approved)
	}
	_, err = s.DecideMachineAccountRequest(ctx, waiting.ID, false)
	mustErr(t, err, approved.Decide(false, time.Now())) // the domain's answer: no longer waiting
	rejected := req("svc-rejected")
	must(t, s.CreateMachineAccountRequest(ctx, rejected))
	r, err := s.DecideMachineAccountRequest(ctx, rejected.ID, false)
	must(t, err)
	if r.Status != mica.RequestRejected || r.Provisioning.State != mica.PhaseCancelled || r.Completed == nil {
		t.Fatalf("rejected = %+v", r)
	}
	missingRequest := mica.NewUUID()
	_, err = s.GetMachineAccountRequest(ctx, missingRequest)
	mustErr(t, err, mica.ErrNotFound(mica.KindMachineAccountRequest, missingRequest))

	// The source's delete approval config.
	c, err := s.GetDeleteApprovalConfig(ctx, src.ID)
	must(t, err)
	if c.ApprovalRequired || c.ApprovalConfig.MachineIdentityManagerAssignment != "MANAGER_OF_REQUESTER" || c.ApprovalConfig.SerialChain == nil {
		t.Fatalf("default config = %+v", c)
	}
	var tooLong mica.AccountDeleteConfig
	_, err = s.UpdateDeleteApprovalConfig(ctx, src.ID, func(c *mica.AccountDeleteConfig) error {
		c.ApprovalConfig.TimeoutConfig.DaysUntilTimeout = 91
		tooLong = *c
		return nil
	})
	mustErr(t, err, tooLong.Validate())
	if mica.ErrorCode(err) != mica.EILLEGAL {
		t.Fatalf("a 91-day timeout: %v", err)
	}
	_, err = s.UpdateDeleteApprovalConfig(ctx, src.ID, func(c *mica.AccountDeleteConfig) error {
		c.ApprovalConfig.SerialChain = []mica.ApproverRef{{IdentityID: missingRequest, IdentityType: "IDENTITY"}}
		return nil
	})
	mustErr(t, err, mica.ErrRefNotFound("", mica.KindApprover, missingRequest))
	up, err := s.UpdateDeleteApprovalConfig(ctx, src.ID, func(c *mica.AccountDeleteConfig) error {
		c.ApprovalRequired = true
		c.ApprovalConfig.SerialChain = []mica.ApproverRef{{IdentityID: owner.ID, IdentityType: "IDENTITY"}, {IdentityType: "SOURCE_OWNER"}}
		c.ApprovalConfig.ReminderConfig = mica.ReminderConfig{Enabled: true, DaysUntilFirstReminder: 2, MaxReminders: 20}
		return nil
	})
	must(t, err)
	reread, err := s.GetDeleteApprovalConfig(ctx, src.ID)
	must(t, err)
	if !reread.ApprovalRequired || len(reread.ApprovalConfig.SerialChain) != 2 || reread.ApprovalConfig.ReminderConfig.MaxReminders != 20 ||
		!up.ApprovalRequired {
		t.Fatalf("reread config = %+v", reread)
	}
	_, err = s.GetDeleteApprovalConfig(ctx, missingRequest)
	mustErr(t, err, mica.ErrNotFound(mica.KindSource, missingRequest))
}

func testLifecycleActions(t *testing.T, s mica.Store) {
	ctx := context.Background()
	owner := newIdentity(t, s, "Olivia Owner", mica.LevelOrgAdmin)
	src := newSource(t, s, owner, "AD")
	svc := &mica.Account{NativeIdentity: "svc-agent"}
	machineAccounts(t, s, src, svc)
	m := &mica.MachineIdentity{Name: "agent", Subtype: mica.LifecycleTargetType, NativeIdentity: "svc-agent", SourceID: src.ID}
	must(t, s.CreateMachineIdentity(ctx, m))
	submit := func(action string) *mica.LifecycleAction {
		a := &mica.LifecycleAction{Action: action, TargetID: m.ID, TargetName: m.Name, TargetType: m.Subtype, SourceID: src.ID,
			RequestedBy: mica.Ref{Type: "IDENTITY", ID: owner.ID, Name: owner.Name},
			Comments:    []mica.LifecycleComment{{Author: mica.Ref{Type: "IDENTITY", ID: owner.ID}, Comment: "why"}}}
		must(t, s.SubmitLifecycleAction(ctx, a))
		return a
	}
	pause := &mica.LifecycleAction{Action: "PAUSE", TargetID: m.ID}
	mustErr(t, s.SubmitLifecycleAction(ctx, pause), (&mica.LifecycleAction{Action: "PAUSE", TargetID: m.ID}).Validate())
	missing := mica.NewUUID()
	mustErr(t, s.SubmitLifecycleAction(ctx, &mica.LifecycleAction{Action: mica.LifecycleActivate, TargetID: missing}),
		mica.ErrNotFound(mica.KindMachineIdentity, missing))

	deact := submit(mica.LifecycleDeactivate)
	if deact.Status != mica.LifecycleReceived || deact.Comments[0].ID == "" {
		t.Fatalf("submitted = %+v", deact)
	}
	step, err := s.ProcessLifecycleAction(ctx, deact.ID)
	must(t, err)
	if step.Status != mica.LifecycleInProvisioning || step.Provisioning.Status != "IN_PROGRESS" {
		t.Fatalf("first step = %+v", step)
	}
	// Provisioning has started: too late to cancel.
	var tooLate error
	_, err = s.UpdateLifecycleAction(ctx, deact.ID, func(a *mica.LifecycleAction) error {
		tooLate = a.Cancel(mica.Ref{ID: owner.ID}, "", time.Now())
		return tooLate
	})
	mustErr(t, err, tooLate)
	if mica.ErrorCode(err) != mica.EILLEGAL {
		t.Fatalf("cancelling in provisioning: %v", err)
	}
	step, err = s.ProcessLifecycleAction(ctx, deact.ID)
	must(t, err)
	if step.Status != mica.LifecycleCompleted || step.Provisioning.Ended == nil || !step.Completed() {
		t.Fatalf("second step = %+v", step)
	}
	got, err := s.GetMachineIdentity(ctx, m.ID)
	must(t, err)
	acct, err := s.GetMachineAccount(ctx, svc.ID)
	must(t, err)
	if got.Status() != mica.MachineIdentityDeactivated || !acct.Disabled {
		t.Fatalf("after DEACTIVATE: identity status %q, account disabled %v", got.Status(), acct.Disabled)
	}
	cancelled := submit(mica.LifecycleActivate)
	up, err := s.UpdateLifecycleAction(ctx, cancelled.ID, func(a *mica.LifecycleAction) error {
		return a.Cancel(mica.Ref{Type: "IDENTITY", ID: owner.ID}, "not now", time.Now())
	})
	must(t, err)
	if up.Status != mica.LifecycleCanceling || up.CancelComment != "not now" {
		t.Fatalf("cancelling = %+v", up)
	}
	step, err = s.ProcessLifecycleAction(ctx, cancelled.ID)
	must(t, err)
	if step.Status != mica.LifecycleCanceled {
		t.Fatalf("cancelled = %+v", step)
	}
	if acct, _ := s.GetMachineAccount(ctx, svc.ID); !acct.Disabled {
		t.Fatalf("a cancelled ACTIVATE enabled the account")
	}
	open := submit(mica.LifecycleActivate)
	unfinished, err := s.UnfinishedLifecycleActions(ctx)
	must(t, err)
	if len(unfinished) != 1 || unfinished[0].ID != open.ID {
		t.Fatalf("unfinished = %+v", unfinished)
	}
	page, err := s.ListLifecycleActions(ctx, owner.ID, mica.ListOptions{Limit: 10, Count: true, Filters: `completed eq true`})
	must(t, err)
	if page.Total != 2 || page.Items[0].ID != cancelled.ID { // newest first
		t.Fatalf("completed actions = %+v", page.Items)
	}
	page, err = s.ListLifecycleActions(ctx, owner.ID, mica.ListOptions{Limit: 10, Filters: `operationType eq "DEACTIVATE" and targetName sw "ag"`})
	must(t, err)
	if len(page.Items) != 1 || page.Items[0].ID != deact.ID {
		t.Fatalf("DEACTIVATE actions = %+v", page.Items)
	}
	page, err = s.ListLifecycleActions(ctx, mica.NewID(), mica.ListOptions{Limit: 10, Count: true})
	must(t, err)
	if page.Total != 0 {
		t.Fatalf("another identity sees %d actions", page.Total)
	}
	_, err = s.GetLifecycleAction(ctx, missing)
	mustErr(t, err, mica.ErrLifecycleActionNotFound(missing))
}

// testMISConcurrent: concurrent creates of subtypes never pass the per-source
// limit, and concurrent mapping changes each leave one running job.
func testMISConcurrent(t *testing.T, s mica.Store) {
	ctx := context.Background()
	owner := newIdentity(t, s, "owner")
	src := newSource(t, s, owner, "AD")
	var wg sync.WaitGroup
	for i := 0; i < mica.MaxSubtypesPerSource+10; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			err := s.CreateSubtype(ctx, &mica.Subtype{SourceID: src.ID, TechnicalName: fmt.Sprintf("c%d", i), DisplayName: "c", Description: "c"})
			if err != nil && mica.ErrorCode(err) != mica.EILLEGAL {
				t.Errorf("create %d: %v", i, err)
			}
		}(i)
	}
	wg.Wait()
	n, err := s.ListSubtypes(ctx, src.ID, mica.ListOptions{Limit: 0, Count: true})
	must(t, err)
	if n.Total != mica.MaxSubtypesPerSource {
		t.Fatalf("concurrent creates made %d subtypes, the limit is %d", n.Total, mica.MaxSubtypesPerSource)
	}
	mapping := &mica.MachineAccountMapping{Target: mica.MappingTarget{Type: "ACCOUNT", AttributeName: "environment"},
		Transform: mica.MappingTransform{Type: "accountAttribute", Attributes: mica.MappingTransformArg{
			Input: mica.MappingInput{Type: "accountAttribute", Attributes: mica.MappingInputAttrs{AttributeName: "env"}}}}}
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, _, err := s.SetMappings(ctx, src.ID, func([]*mica.MachineAccountMapping) ([]*mica.MachineAccountMapping, error) {
				return []*mica.MachineAccountMapping{mapping}, nil
			}); err != nil {
				t.Errorf("set mappings: %v", err)
			}
		}()
	}
	wg.Wait()
	running, err := s.UnfinishedMappingJobs(ctx)
	must(t, err)
	if len(running) != 1 {
		t.Fatalf("running mapping jobs after concurrent changes = %d, want 1", len(running))
	}
}
