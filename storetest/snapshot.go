package storetest

import (
	"context"
	"fmt"
	"testing"

	"github.com/micahq/mica"
)

// authLookup is the SQLite store's cached authentication read (when a store has one).
type authLookup interface {
	AuthLookup(ctx context.Context, clientID, identityID string) (*mica.Client, *mica.Identity, error)
}

func testSnapshots(t *testing.T, s mica.Store) {
	ctx := context.Background()
	t.Cleanup(func() { // PostgreSQL keeps snapshots outside the store's schema
		list, _ := s.ListSnapshots(context.Background())
		for _, snap := range list {
			_ = s.DeleteSnapshot(context.Background(), snap.Name)
		}
	})
	admin := newIdentity(t, s, "admin", mica.LevelOrgAdmin)
	ann := newIdentity(t, s, "ann")
	ad := newSource(t, s, admin, "AD")
	mail := newAccessProfile(t, s, admin, ad, "mail")
	other := newAccessProfile(t, s, admin, ad, "other")
	newSourceApp(t, s, admin, ad, "mail", func(a *mica.SourceApp) { a.Enabled, a.AccessProfiles = true, []string{mail.ID} })
	newSourceApp(t, s, admin, ad, "other", func(a *mica.SourceApp) { a.Enabled, a.AccessProfiles = true, []string{other.ID} })
	must(t, s.CreateAccounts(ctx, []*mica.Account{{SourceID: ad.ID, NativeIdentity: "ann", Name: "ann", IdentityID: ann.ID}}))
	kept := newClient(ann, "kept")
	must(t, s.CreateClient(ctx, kept))
	must(t, s.SetSetting(ctx, "k", "before"))
	enableClassification(t, s, ad)
	job, err := s.StartClassificationJob(ctx, ad.ID)
	must(t, err)

	sees := func() string {
		t.Helper()
		p, err := s.ListAssignedSourceApps(ctx, ann.ID, mica.ListOptions{Limit: 250, Sorters: "name"})
		must(t, err)
		var out []string
		for _, a := range p.Items {
			out = append(out, a.Name)
		}
		return fmt.Sprint(out)
	}
	if got := sees(); got != "[]" {
		t.Fatalf("before: ann sees %s", got)
	}

	for _, bad := range []string{"", ".hidden", "a/b", "x y", "../up", string(make([]byte, 49))} {
		_, err := s.SaveSnapshot(ctx, bad)
		if c := mica.ErrorCode(err); c != mica.EILLEGAL && c != mica.EMISSING {
			t.Fatalf("save %q: %v", bad, err)
		}
	}
	snap, err := s.SaveSnapshot(ctx, "one")
	must(t, err)
	if snap.Name != "one" || snap.Bytes <= 0 || snap.Created.IsZero() {
		t.Fatalf("saved %+v", snap)
	}
	_, err = s.SaveSnapshot(ctx, mica.StartSnapshot)
	must(t, err)

	// Change everything the snapshot holds.
	must(t, s.AssignAccessProfile(ctx, ann.ID, mail.ID))
	if got := sees(); got != "[mail]" {
		t.Fatalf("granted: ann sees %s", got)
	}
	later := newClient(ann, "later")
	must(t, s.CreateClient(ctx, later))
	if al, ok := s.(authLookup); ok {
		_, _, err := al.AuthLookup(ctx, later.ID, ann.ID) // cached as existing
		must(t, err)
	}
	bob := newIdentity(t, s, "bob")
	must(t, s.SetSetting(ctx, "k", "after"))
	_, err = s.CancelClassificationJob(ctx, ad.ID)
	must(t, err)
	crm := newSource(t, s, admin, "CRM")

	_, err = s.SaveSnapshot(ctx, "two")
	must(t, err)
	list, err := s.ListSnapshots(ctx)
	must(t, err)
	if len(list) != 3 || list[0].Name != mica.StartSnapshot || list[1].Name != "one" || list[2].Name != "two" {
		t.Fatalf("list = %+v", list)
	}

	must(t, s.RestoreSnapshot(ctx, "one"))
	if _, err := s.GetIdentity(ctx, bob.ID); mica.ErrorCode(err) != mica.ENOTFOUND {
		t.Fatalf("bob after restore: %v", err)
	}
	if _, err := s.GetSource(ctx, crm.ID); mica.ErrorCode(err) != mica.ENOTFOUND {
		t.Fatalf("CRM after restore: %v", err)
	}
	if _, err := s.GetClient(ctx, later.ID); mica.ErrorCode(err) != mica.ENOTFOUND {
		t.Fatalf("later client after restore: %v", err)
	}
	if c, err := s.GetClient(ctx, kept.ID); err != nil || c.Name != "kept" {
		t.Fatalf("kept client after restore: %v %v", c, err)
	}
	if v, err := s.GetSetting(ctx, "k"); err != nil || v != "before" {
		t.Fatalf("setting after restore: %q %v", v, err)
	}
	j, err := s.GetClassificationJob(ctx, ad.ID)
	must(t, err)
	if j.ID != job.ID || j.Status != mica.JobStarted {
		t.Fatalf("job after restore: %+v", j)
	}
	// Caches answer from the restored tenant, even once the numbers they
	// check have moved on by as much as they had before the restore.
	must(t, s.AssignAccessProfile(ctx, ann.ID, other.ID))
	if got := sees(); got != "[other]" {
		t.Fatalf("after restore and another grant: ann sees %s, want [other]", got)
	}
	if al, ok := s.(authLookup); ok {
		must(t, s.CreateClient(ctx, newClient(ann, "third")))
		_, _, err := al.AuthLookup(ctx, later.ID, ann.ID)
		mustErr(t, err, mica.ErrNotFound(mica.KindClient, later.ID))
	}
	// New rows go on after the restored ones.
	_, err = s.CancelClassificationJob(ctx, ad.ID)
	must(t, err)
	j2, err := s.StartClassificationJob(ctx, ad.ID)
	must(t, err)
	if j2.ID == job.ID {
		t.Fatal("a new job got the id of a restored one")
	}
	if got, err := s.GetClassificationJob(ctx, ad.ID); err != nil || got.ID != j2.ID {
		t.Fatalf("latest job after restore: %+v %v", got, err)
	}

	must(t, s.RestoreSnapshot(ctx, "two"))
	if _, err := s.GetIdentity(ctx, bob.ID); err != nil {
		t.Fatalf("bob after restoring two: %v", err)
	}
	if got := sees(); got != "[mail]" {
		t.Fatalf("after restoring two: ann sees %s", got)
	}

	mustErr(t, s.RestoreSnapshot(ctx, "nope"), mica.ErrNotFound(mica.KindSnapshot, "nope"))
	mustErr(t, s.DeleteSnapshot(ctx, "nope"), mica.ErrNotFound(mica.KindSnapshot, "nope"))
	must(t, s.DeleteSnapshot(ctx, "one"))
	mustErr(t, s.RestoreSnapshot(ctx, "one"), mica.ErrNotFound(mica.KindSnapshot, "one"))
	list, err = s.ListSnapshots(ctx)
	must(t, err)
	if len(list) != 2 {
		t.Fatalf("after delete: %+v", list)
	}
	// Saving under a name again replaces the snapshot.
	must(t, s.SetSetting(ctx, "k", "replaced"))
	_, err = s.SaveSnapshot(ctx, "two")
	must(t, err)
	must(t, s.SetSetting(ctx, "k", "changed"))
	must(t, s.RestoreSnapshot(ctx, "two"))
	if v, _ := s.GetSetting(ctx, "k"); v != "replaced" {
		t.Fatalf("replaced snapshot restored %q", v)
	}
}
