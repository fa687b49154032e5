package storetest

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/micahq/mica"
)

// machineIfSvc is a decider: accounts whose name starts with "svc" are machines (CRITERIA).
func machineIfSvc(a *mica.AccountClassification) (bool, string, *mica.Recommendation, bool) {
	want := len(a.Name) >= 3 && a.Name[:3] == "svc"
	if want == a.IsMachine && (a.Method != "") == want {
		return false, "", nil, false
	}
	if want {
		return true, mica.MethodCriteria, nil, true
	}
	return false, "", nil, true
}

func enableClassification(t *testing.T, s mica.Store, src *mica.Source) {
	t.Helper()
	must(t, s.PutMachineClassificationConfig(context.Background(), &mica.MachineClassificationConfig{
		SourceID: src.ID, Enabled: true, ClassificationMethod: mica.MethodSource}))
}

func testClassificationConfig(t *testing.T, s mica.Store) {
	ctx := context.Background()
	owner := newIdentity(t, s, "owner")
	src := newSource(t, s, owner, "AD")
	_, err := s.GetMachineClassificationConfig(ctx, src.ID)
	mustErr(t, err, mica.ErrNoClassificationConfig(src.ID))
	missing := mica.NewID()
	mustErr(t, s.PutMachineClassificationConfig(ctx, &mica.MachineClassificationConfig{SourceID: missing,
		Enabled: true, ClassificationMethod: mica.MethodSource}), mica.ErrNotFound(mica.KindSource, missing))
	enableClassification(t, s, src)
	got, err := s.GetMachineClassificationConfig(ctx, src.ID)
	must(t, err)
	if !got.Enabled || got.ClassificationMethod != mica.MethodSource || got.Modified != nil || got.Created.IsZero() {
		t.Fatalf("config = %+v", got)
	}
	must(t, s.PutMachineClassificationConfig(ctx, &mica.MachineClassificationConfig{SourceID: src.ID}))
	again, err := s.GetMachineClassificationConfig(ctx, src.ID)
	must(t, err)
	if again.Enabled || again.Modified == nil || !again.Created.Equal(got.Created) {
		t.Fatalf("replaced config = %+v", again)
	}
	must(t, s.DeleteMachineClassificationConfig(ctx, src.ID))
	mustErr(t, s.DeleteMachineClassificationConfig(ctx, src.ID), mica.ErrNoClassificationConfig(src.ID))
}

func testClassifyAccounts(t *testing.T, s mica.Store) {
	ctx := context.Background()
	owner := newIdentity(t, s, "owner")
	src := newSource(t, s, owner, "AD")
	svc := &mica.Account{SourceID: src.ID, NativeIdentity: "svc-backup"}
	human := &mica.Account{SourceID: src.ID, NativeIdentity: "jdoe"}
	must(t, s.CreateAccounts(ctx, []*mica.Account{svc, human}))
	var sawConfig *mica.MachineClassificationConfig
	a, err := s.ClassifyAccount(ctx, svc.ID, func(cfg *mica.MachineClassificationConfig, people []*mica.AccountClassification) mica.Decider {
		sawConfig = cfg
		return machineIfSvc
	})
	must(t, err)
	if !a.IsMachine || a.ClassificationMethod != mica.MethodCriteria || a.ClassifiedAt == nil || sawConfig != nil {
		t.Fatalf("classified = %+v (config %v)", a, sawConfig)
	}
	missing := mica.NewID()
	_, err = s.ClassifyAccount(ctx, missing, func(*mica.MachineClassificationConfig, []*mica.AccountClassification) mica.Decider {
		return machineIfSvc
	})
	mustErr(t, err, mica.ErrNotFound(mica.KindAccount, missing))
	m, err := s.GetMachineAccount(ctx, svc.ID)
	must(t, err)
	if m.ID != svc.ID {
		t.Fatalf("machine account = %+v", m)
	}
	_, err = s.GetMachineAccount(ctx, human.ID)
	mustErr(t, err, mica.ErrNotFound(mica.KindMachineAccount, human.ID))
	n, err := s.ClassifyAccounts(ctx, src.ID, []string{svc.ID, human.ID}, machineIfSvc)
	must(t, err)
	if n != 0 {
		t.Fatalf("reclassified %d unchanged accounts", n)
	}
	n, err = s.ClassifyAccounts(ctx, src.ID, []string{svc.ID, human.ID}, func(*mica.AccountClassification) (bool, string, *mica.Recommendation, bool) {
		return true, mica.MethodManual, &mica.Recommendation{Type: "HUMAN", Method: mica.MethodDiscovery}, true
	})
	must(t, err)
	p, err := s.ListMachineAccounts(ctx, mica.ListOptions{Limit: 10, Count: true, Sorters: "name"})
	must(t, err)
	if n != 2 || p.Total != 2 || p.Items[0].Name != "jdoe" || p.Items[0].Recommendation == nil {
		t.Fatalf("classified %d, machine accounts %d %+v", n, p.Total, p.Items)
	}
	ac, err := s.GetAccountForClassification(ctx, human.ID)
	must(t, err)
	if !ac.IsMachine || ac.Method != mica.MethodManual || ac.NativeIdentity != "jdoe" {
		t.Fatalf("for classification = %+v", ac)
	}
	n, err = s.Declassify(ctx, src.ID)
	must(t, err)
	if n != 2 {
		t.Fatalf("declassified %d, want 2", n)
	}
	got, err := s.GetAccount(ctx, human.ID)
	must(t, err)
	if got.IsMachine || got.ClassificationMethod != "" || got.Recommendation != nil {
		t.Fatalf("declassified = %+v", got)
	}
	_, err = s.Declassify(ctx, missing)
	mustErr(t, err, mica.ErrRefNotFound("", mica.KindSource, missing))
}

func testClassificationJob(t *testing.T, s mica.Store) {
	ctx := context.Background()
	owner := newIdentity(t, s, "owner")
	src := newSource(t, s, owner, "AD")
	missing := mica.NewID()
	_, err := s.StartClassificationJob(ctx, missing)
	mustErr(t, err, mica.ErrRefNotFound("", mica.KindSource, missing))
	_, err = s.StartClassificationJob(ctx, src.ID)
	mustErr(t, err, mica.ErrClassificationNotEnabled(src.ID))
	_, err = s.GetClassificationJob(ctx, src.ID)
	mustErr(t, err, mica.ErrNeverClassified(src.ID))
	enableClassification(t, s, src)
	var accounts []*mica.Account
	for i := 0; i < 5; i++ {
		accounts = append(accounts, &mica.Account{SourceID: src.ID, NativeIdentity: fmt.Sprintf("svc-%d", i)})
	}
	accounts = append(accounts, &mica.Account{SourceID: src.ID, NativeIdentity: "jdoe"})
	must(t, s.CreateAccounts(ctx, accounts))

	job, err := s.StartClassificationJob(ctx, src.ID)
	must(t, err)
	if job.Status != mica.JobStarted || job.Expected != 6 || job.Config == nil || !job.Config.Enabled {
		t.Fatalf("started = %+v", job)
	}
	_, err = s.StartClassificationJob(ctx, src.ID)
	mustErr(t, err, mica.ErrJobRunning(src.ID, job.ID))
	unfinished, err := s.UnfinishedClassificationJobs(ctx)
	must(t, err)
	if len(unfinished) != 1 || unfinished[0].ID != job.ID {
		t.Fatalf("unfinished = %v", unfinished)
	}
	j, err := s.CollectClassificationBatch(ctx, job.ID, 4)
	must(t, err)
	if j.Received != 4 || j.Status != mica.JobStarted {
		t.Fatalf("collected = %+v", j)
	}
	j, err = s.ProcessClassificationBatch(ctx, job.ID, 10, machineIfSvc)
	must(t, err)
	if j.Completed != 4 {
		t.Fatalf("processed past received: %+v", j)
	}
	j, err = s.CollectClassificationBatch(ctx, job.ID, 10)
	must(t, err)
	if j.Received != 6 || j.Status != mica.JobCollected {
		t.Fatalf("collected all = %+v", j)
	}
	j, err = s.ProcessClassificationBatch(ctx, job.ID, 10, machineIfSvc)
	must(t, err)
	if j.Completed != 6 || j.Status != mica.JobCompleted {
		t.Fatalf("completed = %+v", j)
	}
	latest, err := s.GetClassificationJob(ctx, src.ID)
	must(t, err)
	byID, err := s.GetClassificationJobByID(ctx, job.ID)
	must(t, err)
	if latest.ID != job.ID || latest.Status != mica.JobCompleted || byID.Completed != 6 {
		t.Fatalf("latest = %+v by id = %+v", latest, byID)
	}
	// The summary: five svc accounts became machines, jdoe stayed human.
	if byID.Machines != 5 || byID.Changed != 5 || latest.Machines != 5 {
		t.Fatalf("summary: machines %d changed %d (latest %d), want 5 and 5", byID.Machines, byID.Changed, latest.Machines)
	}
	p, err := s.ListMachineAccounts(ctx, mica.ListOptions{Limit: 10, Count: true})
	must(t, err)
	if p.Total != 5 {
		t.Fatalf("machine accounts after the job = %d, want 5", p.Total)
	}
	_, err = s.CancelClassificationJob(ctx, src.ID)
	mustErr(t, err, mica.ErrNoJobRunning(src.ID))

	// A cancelled job stops: later batches do nothing.
	second, err := s.StartClassificationJob(ctx, src.ID)
	must(t, err)
	cancelled, err := s.CancelClassificationJob(ctx, src.ID)
	must(t, err)
	if cancelled.ID != second.ID || cancelled.Status != mica.JobCancelled {
		t.Fatalf("cancelled = %+v", cancelled)
	}
	j, err = s.CollectClassificationBatch(ctx, second.ID, 10)
	must(t, err)
	if j.Received != 0 || j.Status != mica.JobCancelled {
		t.Fatalf("collect after cancel = %+v", j)
	}
	// A terminated one records why.
	third, err := s.StartClassificationJob(ctx, src.ID)
	must(t, err)
	must(t, s.TerminateClassificationJob(ctx, third.ID, "server restarted"))
	j, err = s.GetClassificationJob(ctx, src.ID)
	must(t, err)
	if j.ID != third.ID || j.Status != mica.JobTerminated || j.Reason != "server restarted" {
		t.Fatalf("terminated = %+v", j)
	}
	_, err = s.GetClassificationJobByID(ctx, missing)
	mustErr(t, err, mica.ErrJobNotFound())
}

// testClassificationJobConcurrent: batch workers racing on one job (as on several
// servers) classify every account exactly once and keep the counts exact.
func testClassificationJobConcurrent(t *testing.T, s mica.Store) {
	ctx := context.Background()
	owner := newIdentity(t, s, "owner")
	src := newSource(t, s, owner, "AD")
	enableClassification(t, s, src)
	const total = 600
	var accounts []*mica.Account
	for i := 0; i < total; i++ {
		accounts = append(accounts, &mica.Account{SourceID: src.ID, NativeIdentity: fmt.Sprintf("svc-%04d", i)})
	}
	must(t, s.CreateAccounts(ctx, accounts))
	job, err := s.StartClassificationJob(ctx, src.ID)
	must(t, err)
	var decided atomic.Int64
	seen := sync.Map{}
	decide := func(a *mica.AccountClassification) (bool, string, *mica.Recommendation, bool) {
		decided.Add(1)
		if _, dup := seen.LoadOrStore(a.AccountID, true); dup {
			t.Errorf("account %s decided twice", a.AccountID)
		}
		return machineIfSvc(a)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 16)
	for w := 0; w < 8; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				if _, err := s.CollectClassificationBatch(ctx, job.ID, 37); err != nil {
					errs <- err
					return
				}
				j, err := s.ProcessClassificationBatch(ctx, job.ID, 23, decide)
				if err != nil {
					errs <- err
					return
				}
				if !j.Running() {
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		must(t, err)
	}
	j, err := s.GetClassificationJobByID(ctx, job.ID)
	must(t, err)
	if j.Status != mica.JobCompleted || j.Expected != total || j.Received != total || j.Completed != total ||
		j.Machines != total || j.Changed != total {
		t.Fatalf("job after concurrent workers = %+v", j)
	}
	if decided.Load() != total {
		t.Fatalf("decided %d accounts, want %d", decided.Load(), total)
	}
	p, err := s.ListMachineAccounts(ctx, mica.ListOptions{Limit: 1, Count: true})
	must(t, err)
	if p.Total != total {
		t.Fatalf("machine accounts = %d, want %d", p.Total, total)
	}
}

func testUpdateMachineAccount(t *testing.T, s mica.Store) {
	ctx := context.Background()
	owner := newIdentity(t, s, "owner")
	src := newSource(t, s, owner, "AD")
	svc := &mica.Account{SourceID: src.ID, NativeIdentity: "svc-sql", Name: "svc-sql"}
	human := &mica.Account{SourceID: src.ID, NativeIdentity: "jdoe", Name: "jdoe"}
	must(t, s.CreateAccounts(ctx, []*mica.Account{svc, human}))
	_, err := s.ClassifyAccounts(ctx, src.ID, []string{svc.ID, human.ID}, machineIfSvc)
	must(t, err)
	must(t, s.CreateSubtype(ctx, &mica.Subtype{SourceID: src.ID, TechnicalName: "gMSA", DisplayName: "Group MSA",
		Description: "group managed service accounts"}))
	_, err = s.UpdateMachineAccount(ctx, svc.ID, func(a *mica.Account) error {
		a.Subtype = "not-a-subtype"
		return nil
	})
	mustErr(t, err, mica.ErrUnknownSubtype("not-a-subtype")) // a subtype names one of the source's subtypes
	got, err := s.UpdateMachineAccount(ctx, svc.ID, func(a *mica.Account) error {
		a.Environment, a.Subtype, a.Description = "PROD", "gmsa", "SQL service" // technical names match case-insensitively
		a.OwnerIdentity = &mica.Ref{Type: "IDENTITY", ID: owner.ID}
		a.MachineAttributes = map[string]any{"team": "dba"}
		a.ManuallyEdited = true
		return nil
	})
	must(t, err)
	if got.Environment != "PROD" || got.Subtype != "gMSA" || got.Description != "SQL service" || !got.ManuallyEdited ||
		got.OwnerIdentity == nil || got.OwnerIdentity.Name != "owner" || got.MachineAttributes["team"] != "dba" {
		t.Fatalf("updated machine account = %+v", got)
	}
	again, err := s.GetMachineAccount(ctx, svc.ID)
	must(t, err)
	if again.Environment != "PROD" || again.OwnerIdentity == nil || again.OwnerIdentity.ID != owner.ID {
		t.Fatalf("reread machine account = %+v", again)
	}
	_, err = s.UpdateMachineAccount(ctx, svc.ID, func(a *mica.Account) error {
		a.Environment = "DEV"
		a.OwnerIdentity = &mica.Ref{Type: "IDENTITY", ID: "nobody"}
		return nil
	})
	mustErr(t, err, mica.ErrRefNotFound("", mica.KindOwner, "nobody"))
	_, err = s.UpdateMachineAccount(ctx, svc.ID, func(a *mica.Account) error {
		a.Environment = "DEV"
		return mica.Errorf(mica.EILLEGAL, "refused")
	})
	mustErr(t, err, mica.Errorf(mica.EILLEGAL, "refused"))
	if still, _ := s.GetMachineAccount(ctx, svc.ID); still.Environment != "PROD" {
		t.Fatalf("a refused update changed the account: %+v", still)
	}
	_, err = s.UpdateMachineAccount(ctx, human.ID, func(*mica.Account) error { return nil })
	mustErr(t, err, mica.ErrNotFound(mica.KindMachineAccount, human.ID))
	other := &mica.Account{SourceID: src.ID, NativeIdentity: "svc-web", Name: "svc-web"}
	must(t, s.CreateAccounts(ctx, []*mica.Account{other}))
	_, err = s.UpdateMachineAccount(ctx, svc.ID, func(a *mica.Account) error { a.NativeIdentity = "svc-web"; return nil })
	mustErr(t, err, mica.ErrNativeIdentityTaken("svc-web"))
}

// testDiscoveryContext checks what classification reads beyond an account's
// attributes: its identity, whether its source is authoritative, whether the
// identity's person left (mica.PersonLeft of the HR attributes, on identities
// created directly or by an authoritative aggregation), and a source's people.
func testDiscoveryContext(t *testing.T, s mica.Store) {
	ctx := context.Background()
	owner := newIdentity(t, s, "owner")
	hr := &mica.Source{Name: "HR", Owner: mica.Ref{ID: owner.ID}, Authoritative: true}
	hr.MakeDelimitedFile()
	must(t, s.CreateSource(ctx, hr))
	agg := &mica.Aggregation{SourceID: hr.ID}
	must(t, s.CreateAggregation(ctx, agg))
	must(t, s.StageAccounts(ctx, agg.ID, []mica.StagedAccount{
		{NativeIdentity: "100", Name: "ada", Line: 2, Hash: "a",
			Attributes: map[string]any{"first_name": "Ada", "status": "Active"}},
		{NativeIdentity: "101", Name: "bob", Line: 3, Hash: "b",
			Attributes: map[string]any{"first_name": "Bob", "status": "Terminated", "termination_date": "2024-03-01"}},
	}))
	_, err := s.CollectAggregation(ctx, agg.ID)
	must(t, err)
	_, err = s.ApplyAggregation(ctx, agg.ID)
	must(t, err)
	ada, err := s.FindIdentityByName(ctx, "ada")
	must(t, err)
	bob, err := s.FindIdentityByName(ctx, "bob")
	must(t, err)
	gone := &mica.Identity{Name: "Cy", Attributes: map[string]any{"Status": "ausgetreten"}}
	must(t, s.CreateIdentity(ctx, gone))

	ad := newSource(t, s, owner, "AD")
	accts := []*mica.Account{
		{SourceID: ad.ID, NativeIdentity: "ada", IdentityID: ada.ID},
		{SourceID: ad.ID, NativeIdentity: "bob", IdentityID: bob.ID},
		{SourceID: ad.ID, NativeIdentity: "cy", IdentityID: gone.ID},
		{SourceID: ad.ID, NativeIdentity: "svc"},
	}
	must(t, s.CreateAccounts(ctx, accts))
	day := time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC).Unix() / 86400
	for _, want := range []struct {
		id, identity string
		left         bool
		day          int64
	}{
		{accts[0].ID, ada.ID, false, 0},
		{accts[1].ID, bob.ID, true, day},
		{accts[2].ID, gone.ID, true, 0},
		{accts[3].ID, "", false, 0},
	} {
		a, err := s.GetAccountForClassification(ctx, want.id)
		must(t, err)
		if a.IdentityID != want.identity || a.IdentityLeft != want.left || a.IdentityLeftDay != want.day || a.Authoritative {
			t.Errorf("account %s: identity %q left %v day %d authoritative %v; want %q %v %d false",
				want.id, a.IdentityID, a.IdentityLeft, a.IdentityLeftDay, a.Authoritative, want.identity, want.left, want.day)
		}
	}
	var hrAccount string
	must(t, s.EachAccount(ctx, mica.AccountFilter{SourceID: hr.ID}, func(a *mica.Account) error {
		hrAccount = a.ID
		return nil
	}))
	if a, err := s.GetAccountForClassification(ctx, hrAccount); err != nil || !a.Authoritative || a.IdentityID == "" {
		t.Errorf("HR account: %+v, %v; want authoritative with an identity", a, err)
	}

	people, err := s.SourcePeople(ctx, ad.ID, 10)
	must(t, err)
	if len(people) != 3 {
		t.Fatalf("%d people, want the 3 correlated accounts", len(people))
	}
	for _, p := range people {
		if p.IdentityID == "" {
			t.Errorf("person %+v without an identity", p)
		}
	}
	if people, err = s.SourcePeople(ctx, ad.ID, 2); err != nil || len(people) != 2 {
		t.Errorf("SourcePeople(2) = %d, %v", len(people), err)
	}
	if people, err = s.SourcePeople(ctx, mica.NewID(), 10); err != nil || len(people) != 0 {
		t.Errorf("SourcePeople(unknown source) = %d, %v", len(people), err)
	}
	// Classifying one account hands the decider its source's people.
	var seen int
	_, err = s.ClassifyAccount(ctx, accts[3].ID, func(_ *mica.MachineClassificationConfig, people []*mica.AccountClassification) mica.Decider {
		seen = len(people)
		return machineIfSvc
	})
	must(t, err)
	if seen != 3 {
		t.Errorf("the decider saw %d people, want 3", seen)
	}
}

// testCountAccountsBySource: every source with accounts, counted in one pass:
// all, machines, and those with a discovery recommendation.
func testCountAccountsBySource(t *testing.T, s mica.Store) {
	ctx := context.Background()
	owner := newIdentity(t, s, "owner")
	a := newSource(t, s, owner, "A")
	b := newSource(t, s, owner, "B")
	newSource(t, s, owner, "Empty")
	var accounts []*mica.Account
	for _, n := range []string{"svc-1", "svc-2", "bot-1", "jdoe"} {
		accounts = append(accounts, &mica.Account{SourceID: a.ID, NativeIdentity: n, Name: n})
	}
	accounts = append(accounts, &mica.Account{SourceID: b.ID, NativeIdentity: "x", Name: "x"})
	must(t, s.CreateAccounts(ctx, accounts))
	ids := make([]string, 4)
	for i := range ids {
		ids[i] = accounts[i].ID
	}
	// svc-* become machines; bot-1 stays human with a MACHINE recommendation.
	_, err := s.ClassifyAccounts(ctx, a.ID, ids, func(c *mica.AccountClassification) (bool, string, *mica.Recommendation, bool) {
		switch {
		case c.Name[:3] == "svc":
			return true, mica.MethodCriteria, nil, true
		case c.Name == "bot-1":
			return false, "", &mica.Recommendation{Type: "MACHINE", Method: mica.MethodDiscovery}, true
		}
		return false, "", nil, false
	})
	must(t, err)
	counts, err := s.CountAccountsBySource(ctx)
	must(t, err)
	got := map[string]mica.SourceAccountCounts{}
	for _, c := range counts {
		got[c.SourceID] = c
	}
	if len(got) != 2 || got[a.ID] != (mica.SourceAccountCounts{SourceID: a.ID, Accounts: 4, Machines: 2, Recommended: 1}) ||
		got[b.ID] != (mica.SourceAccountCounts{SourceID: b.ID, Accounts: 1}) {
		t.Fatalf("counts = %+v", counts)
	}
}
