package storetest

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/micahq/mica"
)

func csvSource(t *testing.T, s mica.Store, owner *mica.Identity, name string) *mica.Source {
	t.Helper()
	src := &mica.Source{Name: name, Owner: mica.Ref{ID: owner.ID}}
	src.MakeDelimitedFile()
	must(t, s.CreateSource(context.Background(), src))
	return src
}

func testAccounts(t *testing.T, s mica.Store) {
	ctx := context.Background()
	owner := newIdentity(t, s, "owner")
	src := newSource(t, s, owner, "AD")
	a := &mica.Account{SourceID: src.ID, NativeIdentity: "CN=svc-sql", Name: "svc-sql", IdentityID: owner.ID,
		Attributes: map[string]any{"servicePrincipalName": []any{"MSSQLSvc/db1"}}, IsMachine: true,
		ClassificationMethod: mica.MethodCriteria, GroundTruth: "MACHINE",
		Recommendation: &mica.Recommendation{Type: "HUMAN", Method: mica.MethodDiscovery}}
	b := &mica.Account{SourceID: src.ID, NativeIdentity: "CN=jdoe"}
	must(t, s.CreateAccounts(ctx, []*mica.Account{a, b}))
	got, err := s.GetAccount(ctx, a.ID)
	must(t, err)
	if got.SourceName != "AD" || got.IdentityName != "owner" || got.Uncorrelated || !got.IsMachine ||
		got.Recommendation == nil || got.Recommendation.Method != mica.MethodDiscovery || got.GroundTruth != "MACHINE" ||
		got.SourceOwner.ID != owner.ID || got.SourceConnectionType != "" || got.Origin != "AGGREGATED" ||
		got.Attributes["servicePrincipalName"].([]any)[0] != "MSSQLSvc/db1" {
		t.Fatalf("account round trip: %+v", got)
	}
	if b.Name != "CN=jdoe" || !b.Uncorrelated {
		t.Fatalf("defaults: %+v", b)
	}
	missing := mica.NewID()
	_, err = s.GetAccount(ctx, missing)
	mustErr(t, err, mica.ErrNotFound(mica.KindAccount, missing))
	// All or nothing: a duplicate in the batch leaves nothing behind.
	mustErr(t, s.CreateAccounts(ctx, []*mica.Account{{SourceID: src.ID, NativeIdentity: "new"},
		{SourceID: src.ID, NativeIdentity: "CN=jdoe"}}), mica.ErrAccountExists("AD", "CN=jdoe"))
	mustErr(t, s.CreateAccounts(ctx, []*mica.Account{{SourceID: missing, NativeIdentity: "x"}}),
		mica.ErrRefNotFound("", mica.KindSource, missing))
	mustErr(t, s.CreateAccounts(ctx, []*mica.Account{{SourceID: src.ID, NativeIdentity: "y", IdentityID: missing}}),
		mica.ErrRefNotFound("", mica.KindIdentity, missing))
	mustErr(t, s.CreateAccounts(ctx, []*mica.Account{{SourceID: src.ID}}), mica.Errorf(mica.EMISSING, "account nativeIdentity is required"))
	p, err := s.ListAccounts(ctx, mica.AccountFilter{}, mica.ListOptions{Limit: 10, Count: true})
	must(t, err)
	if p.Total != 2 {
		t.Fatalf("accounts after failed batches = %d, want 2", p.Total)
	}
	p, err = s.ListAccounts(ctx, mica.AccountFilter{MachineOnly: true}, mica.ListOptions{Limit: 10, Count: true})
	must(t, err)
	if p.Total != 1 || p.Items[0].ID != a.ID {
		t.Fatalf("machine only = %d", p.Total)
	}
	p, err = s.ListAccounts(ctx, mica.AccountFilter{}, mica.ListOptions{Limit: 10, Count: true,
		Filters: `uncorrelated eq true or name sw "svc"`, Sorters: "-name"})
	must(t, err)
	if p.Total != 2 || p.Items[0].Name != "svc-sql" {
		t.Fatalf("filtered = %d %v", p.Total, p.Items)
	}
	// Every field any version documents filters here; the API keeps each version to its own.
	p, err = s.ListAccounts(ctx, mica.AccountFilter{}, mica.ListOptions{Limit: 10, Filters: `recommendation.type eq "HUMAN"`})
	must(t, err)
	if len(p.Items) != 1 {
		t.Fatalf("recommendation.type = %d", len(p.Items))
	}
	var seen []string
	must(t, s.EachAccount(ctx, mica.AccountFilter{SourceID: src.ID}, func(a *mica.Account) error {
		seen = append(seen, a.NativeIdentity)
		return nil
	}))
	if strings.Join(seen, ",") != "CN=jdoe,CN=svc-sql" {
		t.Fatalf("each = %v", seen)
	}
}

func testAccessProfiles(t *testing.T, s mica.Store) {
	ctx := context.Background()
	owner := newIdentity(t, s, "owner")
	holder := newIdentity(t, s, "holder")
	src := newSource(t, s, owner, "AD")
	ap := &mica.AccessProfile{Name: "Admins", Owner: mica.Ref{ID: owner.ID}, Source: mica.Ref{ID: src.ID},
		Requestable: true, Enabled: true, Entitlements: []mica.Ref{{ID: "e1", Name: "Domain Admins"}}}
	must(t, s.CreateAccessProfile(ctx, ap))
	got, err := s.GetAccessProfile(ctx, ap.ID)
	must(t, err)
	if got.Owner.Name != "owner" || got.Source.Name != "AD" || got.Source.Type != "SOURCE" ||
		len(got.Entitlements) != 1 || got.Entitlements[0].Type != "ENTITLEMENT" || !got.Enabled {
		t.Fatalf("access profile round trip: %+v", got)
	}
	missing := mica.NewID()
	mustErr(t, s.CreateAccessProfile(ctx, &mica.AccessProfile{Name: "x", Owner: mica.Ref{ID: missing},
		Source: mica.Ref{ID: src.ID}, Requestable: true}), mica.ErrRefNotFound("", mica.KindOwner, missing))
	mustErr(t, s.CreateAccessProfile(ctx, &mica.AccessProfile{Name: "x", Owner: mica.Ref{ID: owner.ID},
		Source: mica.Ref{ID: missing}, Requestable: true}), mica.ErrRefNotFound("", mica.KindSource, missing))
	mustErr(t, s.CreateAccessProfile(ctx, &mica.AccessProfile{Name: "x", Owner: mica.Ref{ID: owner.ID, Name: "other"},
		Source: mica.Ref{ID: src.ID}, Requestable: true}),
		mica.Errorf(mica.EILLEGAL, "owner name %q does not match identity %q (%s)", "other", owner.ID, "owner"))
	mustErr(t, s.CreateAccessProfile(ctx, &mica.AccessProfile{Owner: mica.Ref{ID: owner.ID}, Source: mica.Ref{ID: src.ID}}),
		mica.Errorf(mica.EMISSING, "access profile name is required"))
	mustErr(t, s.CreateAccessProfile(ctx, &mica.AccessProfile{ID: ap.ID, Name: "again", Owner: mica.Ref{ID: owner.ID},
		Source: mica.Ref{ID: src.ID}, Requestable: true}), mica.ErrAccessProfileExists(ap.ID))
	must(t, s.CreateAccessProfile(ctx, &mica.AccessProfile{Name: "Backup", Owner: mica.Ref{ID: owner.ID},
		Source: mica.Ref{ID: src.ID}, Requestable: true}))
	p, err := s.ListAccessProfiles(ctx, mica.ListOptions{Limit: 10, Count: true, Filters: `name sw "adm"`})
	must(t, err)
	if p.Total != 1 || p.Items[0].ID != ap.ID {
		t.Fatalf("list = %d", p.Total)
	}
	must(t, s.AssignAccessProfile(ctx, holder.ID, ap.ID))
	must(t, s.AssignAccessProfile(ctx, holder.ID, ap.ID)) // idempotent
	held, err := s.ListIdentityAccessProfiles(ctx, holder.ID)
	must(t, err)
	if len(held) != 1 || held[0].ID != ap.ID {
		t.Fatalf("held = %v", held)
	}
	mustErr(t, s.AssignAccessProfile(ctx, missing, ap.ID), mica.ErrNotFound(mica.KindIdentity, missing))
	mustErr(t, s.AssignAccessProfile(ctx, holder.ID, missing), mica.ErrNotFound(mica.KindAccessProfile, missing))
	must(t, s.UnassignAccessProfile(ctx, holder.ID, ap.ID))
	mustErr(t, s.UnassignAccessProfile(ctx, holder.ID, ap.ID), mica.ErrNotHeld(holder.ID, ap.ID))
	must(t, s.AssignAccessProfile(ctx, holder.ID, ap.ID))
	app := newSourceApp(t, s, owner, src, "admins", func(a *mica.SourceApp) { a.AccessProfiles = []string{ap.ID} })
	mustErr(t, s.DeleteAccessProfile(ctx, ap.ID), mica.ErrAccessProfileInUse(ap.ID, 1))
	_, err = s.DeleteSourceApp(ctx, app.ID)
	must(t, err)
	must(t, s.DeleteAccessProfile(ctx, ap.ID))
	mustErr(t, s.DeleteAccessProfile(ctx, ap.ID), mica.ErrNotFound(mica.KindAccessProfile, ap.ID))
	held, err = s.ListIdentityAccessProfiles(ctx, holder.ID)
	must(t, err)
	if len(held) != 0 {
		t.Fatalf("assignment outlived the access profile: %v", held)
	}
	_, err = s.ListIdentityAccessProfiles(ctx, missing)
	mustErr(t, err, mica.ErrNotFound(mica.KindIdentity, missing))
}

func testCorrelationConfig(t *testing.T, s mica.Store) {
	ctx := context.Background()
	owner := newIdentity(t, s, "owner")
	src := newSource(t, s, owner, "AD")
	c, err := s.GetCorrelationConfig(ctx, src.ID)
	must(t, err)
	if c.ID != "" || c.Name != "Source [AD] Account Correlation" || len(c.AttributeAssignments) != 0 {
		t.Fatalf("default = %+v", c)
	}
	put := &mica.CorrelationConfig{SourceID: src.ID, AttributeAssignments: []mica.CorrelationAssignment{
		{Property: "email", Value: "mail", IgnoreCase: true}}}
	must(t, s.PutCorrelationConfig(ctx, put))
	first := put.ID
	must(t, s.PutCorrelationConfig(ctx, &mica.CorrelationConfig{SourceID: src.ID, AttributeAssignments: []mica.CorrelationAssignment{
		{Property: "uid", Value: "sAMAccountName"}, {Property: "email", Value: "mail"}}}))
	c, err = s.GetCorrelationConfig(ctx, src.ID)
	must(t, err)
	if c.ID != first || len(c.AttributeAssignments) != 2 || c.AttributeAssignments[0].Operation != "EQ" {
		t.Fatalf("replaced = %+v", c)
	}
	missing := mica.NewID()
	mustErr(t, s.PutCorrelationConfig(ctx, &mica.CorrelationConfig{SourceID: missing}), mica.ErrNotFound(mica.KindSource, missing))
	mustErr(t, s.PutCorrelationConfig(ctx, &mica.CorrelationConfig{SourceID: src.ID,
		AttributeAssignments: []mica.CorrelationAssignment{{Property: "a"}}}),
		mica.Errorf(mica.EMISSING, "attributeAssignments[0].value (the account attribute) is required"))
	_, err = s.GetCorrelationConfig(ctx, missing)
	mustErr(t, err, mica.ErrNotFound(mica.KindSource, missing))
}

func testSourceUpdate(t *testing.T, s mica.Store) {
	ctx := context.Background()
	owner := newIdentity(t, s, "owner")
	other := newIdentity(t, s, "other")
	src := newSource(t, s, owner, "AD")
	newSource(t, s, owner, "LDAP")
	must(t, s.CreateAccounts(ctx, []*mica.Account{{SourceID: src.ID, NativeIdentity: "a"}}))
	upd, err := s.UpdateSource(ctx, src.ID, func(x *mica.Source) error {
		x.Name, x.Owner, x.Description = "Active Directory", mica.Ref{ID: other.ID}, "the forest"
		x.Status, x.Healthy, x.Created = "changed", false, time.Time{} // only mica sets these: kept
		return nil
	})
	must(t, err)
	got, err := s.GetSource(ctx, src.ID)
	must(t, err)
	if got.Name != "Active Directory" || got.Owner.Name != "other" || got.Description != "the forest" ||
		!got.Created.Equal(src.Created) || got.Status != src.Status || !got.Healthy ||
		upd.Name != got.Name || upd.Owner.Name != "other" || !upd.Created.Equal(src.Created) {
		t.Fatalf("updated = %+v, returned %+v", got, upd)
	}
	p, err := s.ListAccounts(ctx, mica.AccountFilter{SourceID: src.ID}, mica.ListOptions{Limit: 1})
	must(t, err)
	if p.Items[0].SourceName != "Active Directory" {
		t.Fatalf("account source name = %q", p.Items[0].SourceName)
	}
	update := func(id string, mutate func(*mica.Source)) error {
		_, err := s.UpdateSource(ctx, id, func(x *mica.Source) error { mutate(x); return nil })
		return err
	}
	for _, c := range []struct {
		mutate func(*mica.Source)
		want   error
	}{
		{func(x *mica.Source) { x.Type = "other" }, mica.Errorf(mica.EILLEGAL, `type cannot be changed (it is "Active Directory - Direct")`)},
		{func(x *mica.Source) { x.Authoritative = true }, mica.Errorf(mica.EILLEGAL, "authoritative cannot be changed (it is false)")},
		{func(x *mica.Source) { x.Connector = "ldap" }, mica.Errorf(mica.EILLEGAL, `connector cannot be changed (it is "active-directory")`)},
		{func(x *mica.Source) { x.ConnectorClass = "x" }, mica.Errorf(mica.EILLEGAL, `connectorClass cannot be changed (it is "")`)},
		{func(x *mica.Source) { x.ID = "x" }, mica.Errorf(mica.EILLEGAL, "id cannot be changed (it is %q)", src.ID)},
		{func(x *mica.Source) { x.Name = "" }, mica.Errorf(mica.EMISSING, "source name is required")},
		{func(x *mica.Source) { x.Name = "ldap" }, mica.ErrSourceNameTaken("ldap")},
		{func(x *mica.Source) { x.Owner.ID = "nobody" }, mica.ErrRefNotFound("", mica.KindOwner, "nobody")},
	} {
		mustErr(t, update(src.ID, c.mutate), c.want)
	}
	gone := mica.NewID()
	mustErr(t, update(gone, func(*mica.Source) {}), mica.ErrNotFound(mica.KindSource, gone))
	after, err := s.GetSource(ctx, src.ID)
	must(t, err)
	if after.Name != "Active Directory" || after.Type != got.Type || after.Owner.ID != other.ID {
		t.Fatalf("a refused update changed the source: %+v", after)
	}
}

// testSourceConcurrentUpdates changes one source from many goroutines at once,
// each adding its own feature: every update reads what the others wrote, so
// all of them land (no lost update).
func testSourceConcurrentUpdates(t *testing.T, s mica.Store) {
	ctx := context.Background()
	src := newSource(t, s, newIdentity(t, s, "owner"), "shared")
	const n = 8
	concurrently(t, n, func(i int) error {
		_, err := s.UpdateSource(ctx, src.ID, func(x *mica.Source) error {
			x.Features = append(x.Features, fmt.Sprintf("FEATURE_%d", i))
			return nil
		})
		return err
	})
	got, err := s.GetSource(ctx, src.ID)
	must(t, err)
	if len(got.Features) != n+len(src.Features) {
		t.Fatalf("after %d concurrent updates the features are %v: updates were lost", n, got.Features)
	}
}

// testSourceDeleteCascade: deleting a source removes, in one transaction, its
// accounts, access profiles (and assignments), correlation config and aggregations.
func testSourceDeleteCascade(t *testing.T, s mica.Store) {
	ctx := context.Background()
	owner := newIdentity(t, s, "owner")
	src := csvSource(t, s, owner, "Files")
	keep := newSource(t, s, owner, "Keep")
	must(t, s.CreateAccounts(ctx, []*mica.Account{{SourceID: src.ID, NativeIdentity: "a", IdentityID: owner.ID},
		{SourceID: keep.ID, NativeIdentity: "b"}}))
	ap := &mica.AccessProfile{Name: "AP", Owner: mica.Ref{ID: owner.ID}, Source: mica.Ref{ID: src.ID}, Requestable: true}
	must(t, s.CreateAccessProfile(ctx, ap))
	must(t, s.AssignAccessProfile(ctx, owner.ID, ap.ID))
	must(t, s.PutCorrelationConfig(ctx, &mica.CorrelationConfig{SourceID: src.ID,
		AttributeAssignments: []mica.CorrelationAssignment{{Property: "email", Value: "mail"}}}))
	agg := &mica.Aggregation{SourceID: src.ID}
	must(t, s.CreateAggregation(ctx, agg))
	must(t, s.StageAccounts(ctx, agg.ID, []mica.StagedAccount{{NativeIdentity: "z", Name: "z", Line: 2, Hash: "h"}}))

	must(t, s.DeleteSource(ctx, src.ID))
	mustErr(t, s.DeleteSource(ctx, src.ID), mica.ErrNotFound(mica.KindSource, src.ID))
	_, err := s.GetSource(ctx, src.ID)
	mustErr(t, err, mica.ErrNotFound(mica.KindSource, src.ID))
	p, err := s.ListAccounts(ctx, mica.AccountFilter{}, mica.ListOptions{Limit: 10, Count: true})
	must(t, err)
	if p.Total != 1 || p.Items[0].SourceID != keep.ID {
		t.Fatalf("accounts left = %d", p.Total)
	}
	_, err = s.GetAccessProfile(ctx, ap.ID)
	mustErr(t, err, mica.ErrNotFound(mica.KindAccessProfile, ap.ID))
	held, err := s.ListIdentityAccessProfiles(ctx, owner.ID)
	must(t, err)
	if len(held) != 0 {
		t.Fatalf("assignments left: %v", held)
	}
	_, err = s.GetCorrelationConfig(ctx, src.ID)
	mustErr(t, err, mica.ErrNotFound(mica.KindSource, src.ID))
	_, err = s.GetAggregation(ctx, agg.ID)
	mustErr(t, err, mica.ErrNotFound(mica.KindAggregation, agg.ID))
	if _, err := s.GetIdentity(ctx, owner.ID); err != nil {
		t.Fatalf("the identity went with the source: %v", err)
	}
	// A new source of the same name starts empty.
	again := csvSource(t, s, owner, "Files")
	c, err := s.GetCorrelationConfig(ctx, again.ID)
	must(t, err)
	if len(c.AttributeAssignments) != 0 {
		t.Fatalf("correlation config survived: %+v", c)
	}
}

// testAggregationRollback: staging, collecting and applying; a failed stage or
// a failed aggregation leaves the source as it was; an interrupted one is terminated.
func testAggregationRollback(t *testing.T, s mica.Store) {
	ctx := context.Background()
	owner := newIdentity(t, s, "jdoe")
	src := csvSource(t, s, owner, "Files")
	row := func(id, name string, line int) mica.StagedAccount {
		return mica.StagedAccount{NativeIdentity: id, Name: name, Attributes: map[string]any{"id": id}, Line: line, Hash: id + name}
	}
	run := func(rows ...mica.StagedAccount) *mica.Aggregation {
		agg := &mica.Aggregation{SourceID: src.ID}
		must(t, s.CreateAggregation(ctx, agg))
		must(t, s.StageAccounts(ctx, agg.ID, rows))
		col, err := s.CollectAggregation(ctx, agg.ID)
		must(t, err)
		if col.Status != mica.AggAccountsCollected {
			t.Fatalf("collected = %+v", col)
		}
		out, err := s.ApplyAggregation(ctx, agg.ID)
		must(t, err)
		return out
	}
	out := run(row("1", "jdoe", 2), row("2", "svc", 3))
	if out.Status != mica.AggCompleted || out.Stats.Added != 2 || out.TotalIdentities != 1 {
		t.Fatalf("applied = %+v", out)
	}
	if m := out.Messages[len(out.Messages)-1]; m.Key != "TASK_OUT_ACCOUNT_AGGREGATION_RESULT" ||
		m.Text != "scanned 2 accounts: 2 added, 0 changed, 0 removed, 0 unchanged; 0 identities created" {
		t.Fatalf("result message = %+v", m)
	}
	names := func() string {
		var n []string
		must(t, s.EachAccount(ctx, mica.AccountFilter{SourceID: src.ID}, func(a *mica.Account) error {
			n = append(n, a.NativeIdentity+"="+a.Name+"/"+a.IdentityName)
			return nil
		}))
		return strings.Join(n, ",")
	}
	if got := names(); got != "1=jdoe/jdoe,2=svc/" {
		t.Fatalf("accounts = %s", got)
	}
	// A duplicate within one staging batch rolls that batch back and names both lines.
	agg := &mica.Aggregation{SourceID: src.ID}
	must(t, s.CreateAggregation(ctx, agg))
	must(t, s.StageAccounts(ctx, agg.ID, []mica.StagedAccount{row("3", "c", 2)}))
	err := s.StageAccounts(ctx, agg.ID, []mica.StagedAccount{row("4", "d", 3), row("3", "again", 4)})
	mustErr(t, err, mica.ErrDuplicateAccount(4, "3", 2))
	must(t, s.FailAggregation(ctx, agg.ID, mica.CompletionError, "line 4: duplicate"))
	got, err := s.GetAggregation(ctx, agg.ID)
	must(t, err)
	if got.Status != mica.AggTerminated || got.CompletionStatus != mica.CompletionError || got.Messages[0].Text != "line 4: duplicate" {
		t.Fatalf("failed = %+v", got)
	}
	_, err = s.ApplyAggregation(ctx, agg.ID)
	mustErr(t, err, mica.Errorf(mica.ECONFLICT, "account aggregation %q has already ended (%s)", agg.ID, mica.AggTerminated))
	mustErr(t, s.StageAccounts(ctx, agg.ID, []mica.StagedAccount{row("5", "e", 2)}),
		mica.Errorf(mica.ECONFLICT, "account aggregation %q has already ended (%s)", agg.ID, mica.AggTerminated))
	_, err = s.CollectAggregation(ctx, agg.ID)
	mustErr(t, err, mica.ErrAggregationNotRunning(agg.ID))
	missing := mica.NewID()
	_, err = s.GetAggregation(ctx, missing)
	mustErr(t, err, mica.ErrNotFound(mica.KindAggregation, missing))
	mustErr(t, s.CreateAggregation(ctx, &mica.Aggregation{SourceID: missing}), mica.ErrNotFound(mica.KindSource, missing))
	if got := names(); got != "1=jdoe/jdoe,2=svc/" {
		t.Fatalf("accounts after a failed aggregation = %s", got)
	}
	// An aggregation left running (a killed server) is terminated, its staged rows dropped.
	left := &mica.Aggregation{SourceID: src.ID, FilePath: "/tmp/upload-x.csv"}
	must(t, s.CreateAggregation(ctx, left))
	must(t, s.StageAccounts(ctx, left.ID, []mica.StagedAccount{row("9", "z", 2)}))
	files, err := s.TerminateUnfinishedAggregations(ctx, "restarted")
	must(t, err)
	if len(files) != 1 || files[0] != "/tmp/upload-x.csv" {
		t.Fatalf("files = %v", files)
	}
	got, err = s.GetAggregation(ctx, left.ID)
	must(t, err)
	if got.Status != mica.AggTerminated || got.CompletionStatus != mica.CompletionTerminated {
		t.Fatalf("terminated = %+v", got)
	}
	// The second full file removes, changes and adds.
	out = run(row("1", "jdoe", 2), row("5", "new", 3))
	if out.Stats.Added != 1 || out.Stats.Removed != 1 || out.Stats.Unchanged != 1 {
		t.Fatalf("second = %+v", out.Stats)
	}
	if got := names(); got != "1=jdoe/jdoe,5=new/" {
		t.Fatalf("accounts = %s", got)
	}
}
