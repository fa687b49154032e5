package storetest

import (
	"context"
	"testing"

	"github.com/micahq/mica"
)

// testTriage: the review queue's candidates, decisions in one transaction
// (an unknown account writes nothing), what a decision changes, and the audit
// trail, which outlives the accounts it is about.
func testTriage(t *testing.T, s mica.Store) {
	ctx := context.Background()
	owner := newIdentity(t, s, "owner")
	a := newSource(t, s, owner, "Configured")
	b := newSource(t, s, owner, "Unconfigured")
	enableClassification(t, s, a)
	accts := map[string]*mica.Account{}
	var all []*mica.Account
	for _, x := range []struct {
		src  *mica.Source
		name string
	}{{a, "svc-1"}, {a, "bot-x"}, {b, "robot"}, {b, "jdoe"}} {
		acct := &mica.Account{SourceID: x.src.ID, NativeIdentity: x.name, Name: x.name}
		accts[x.name] = acct
		all = append(all, acct)
	}
	must(t, s.CreateAccounts(ctx, all))
	machineRec := &mica.Recommendation{Type: "MACHINE", Method: mica.MethodDiscovery}
	decide := func(c *mica.AccountClassification) (bool, string, *mica.Recommendation, bool) {
		switch c.Name {
		case "svc-1":
			return true, mica.MethodCriteria, nil, true
		case "bot-x", "robot":
			return false, "", machineRec, true
		}
		return false, "", nil, false
	}
	_, err := s.ClassifyAccounts(ctx, a.ID, []string{accts["svc-1"].ID, accts["bot-x"].ID}, decide)
	must(t, err)
	_, err = s.ClassifyAccounts(ctx, b.ID, []string{accts["robot"].ID, accts["jdoe"].ID}, decide)
	must(t, err)

	candidates := func(src string) map[string]*mica.TriageCandidate {
		got := map[string]*mica.TriageCandidate{}
		var order []string
		must(t, s.EachTriageCandidate(ctx, src, func(c *mica.TriageCandidate) error {
			got[c.Name] = c
			order = append(order, c.Name)
			return nil
		}))
		for i := 1; i < len(order); i++ {
			if order[i-1] > order[i] {
				t.Fatalf("candidates not in name order: %v", order)
			}
		}
		return got
	}
	got := candidates("")
	if len(got) != 2 || got["bot-x"] == nil || got["robot"] == nil {
		t.Fatalf("candidates = %v", got)
	}
	if c := got["bot-x"]; !c.Configured || c.Reason() != mica.ReasonDisagrees || !c.InQueue() || c.SourceName != "Configured" ||
		c.Recommendation.Type != "MACHINE" {
		t.Fatalf("bot-x = %+v", c)
	}
	if c := got["robot"]; c.Configured || c.Reason() != mica.ReasonNoDecision || !c.InQueue() || c.SourceID != b.ID {
		t.Fatalf("robot = %+v", c)
	}
	if only := candidates(b.ID); len(only) != 1 || only["robot"] == nil {
		t.Fatalf("candidates of B = %v", only)
	}

	accept := func(c *mica.TriageCandidate) (*mica.TriageDecision, error) {
		if !c.InQueue() {
			return nil, nil
		}
		return &mica.TriageDecision{Action: mica.TriageAccept, Note: "clearly a bot", ActorID: owner.ID, ActorName: owner.Name,
			Recommendation: c.Recommendation.Type, Score: 3.5, IsMachine: true, MethodAfter: mica.MethodManual}, nil
	}
	dismiss := func(c *mica.TriageCandidate) (*mica.TriageDecision, error) {
		if !c.InQueue() {
			return nil, nil
		}
		return &mica.TriageDecision{Action: mica.TriageDismiss, ActorID: owner.ID, ActorName: owner.Name,
			Recommendation: c.Recommendation.Type, IsMachine: c.IsMachine, MethodAfter: c.Method,
			RecommendationAfter: c.Recommendation}, nil
	}
	// An unknown account: nothing is written, not even the known one's decision.
	unknown := mica.NewID()
	_, err = s.DecideTriage(ctx, []string{accts["bot-x"].ID, unknown}, accept)
	mustErr(t, err, mica.ErrRefNotFound("", mica.KindAccount, unknown))
	if p, err := s.ListTriageDecisions(ctx, mica.TriageDecisionFilter{}, mica.ListOptions{Count: true}); err != nil || p.Total != 0 {
		t.Fatalf("decisions after a refused request: %v %v", p.Total, err)
	}
	if acct, _ := s.GetAccount(ctx, accts["bot-x"].ID); acct.IsMachine {
		t.Fatal("a refused request changed an account")
	}

	ds, err := s.DecideTriage(ctx, []string{accts["bot-x"].ID}, accept)
	must(t, err)
	if len(ds) != 1 || ds[0].ID == "" || ds[0].Created.IsZero() || ds[0].AccountName != "bot-x" || ds[0].SourceName != "Configured" ||
		ds[0].WasMachine || !ds[0].IsMachine || ds[0].MethodBefore != "" || ds[0].MethodAfter != mica.MethodManual {
		t.Fatalf("accept = %+v", ds)
	}
	acct, err := s.GetAccount(ctx, accts["bot-x"].ID)
	must(t, err)
	if !acct.IsMachine || acct.ClassificationMethod != mica.MethodManual || acct.Recommendation != nil {
		t.Fatalf("bot-x after accept = %+v", acct)
	}
	ds, err = s.DecideTriage(ctx, []string{accts["robot"].ID, accts["bot-x"].ID}, dismiss) // bot-x left the queue: skipped
	must(t, err)
	if len(ds) != 1 || ds[0].AccountName != "robot" || ds[0].Action != mica.TriageDismiss {
		t.Fatalf("dismiss = %+v", ds)
	}
	acct, err = s.GetAccount(ctx, accts["robot"].ID)
	must(t, err)
	if acct.IsMachine || acct.Recommendation == nil || acct.Recommendation.Type != "MACHINE" {
		t.Fatalf("robot after dismiss = %+v (a dismiss changes nothing)", acct)
	}
	if got := candidates(""); len(got) != 1 || got["robot"] == nil || got["robot"].InQueue() ||
		got["robot"].LastAction != mica.TriageDismiss || got["robot"].LastRecommendation != "MACHINE" {
		t.Fatalf("candidates after the decisions = %+v", got)
	}

	page, err := s.ListTriageDecisions(ctx, mica.TriageDecisionFilter{}, mica.ListOptions{Limit: 10, Count: true})
	must(t, err)
	if page.Total != 2 || len(page.Items) != 2 || page.Items[0].AccountName != "robot" || page.Items[1].Note != "clearly a bot" ||
		page.Items[1].ActorName != owner.Name || page.Items[1].Score != 3.5 {
		t.Fatalf("decisions = %+v", page.Items)
	}
	byAccount, err := s.ListTriageDecisions(ctx, mica.TriageDecisionFilter{AccountID: accts["bot-x"].ID}, mica.ListOptions{Limit: 10})
	must(t, err)
	if len(byAccount.Items) != 1 || byAccount.Items[0].Action != mica.TriageAccept {
		t.Fatalf("by account = %+v", byAccount.Items)
	}
	// The trail outlives the source and its accounts.
	must(t, s.DeleteSource(ctx, a.ID))
	bySource, err := s.ListTriageDecisions(ctx, mica.TriageDecisionFilter{SourceID: a.ID}, mica.ListOptions{Limit: 10, Count: true})
	must(t, err)
	if bySource.Total != 1 || bySource.Items[0].AccountName != "bot-x" {
		t.Fatalf("after the source was deleted = %+v", bySource.Items)
	}
	second, err := s.ListTriageDecisions(ctx, mica.TriageDecisionFilter{}, mica.ListOptions{Limit: 1, Offset: 1})
	must(t, err)
	if len(second.Items) != 1 || second.Items[0].AccountName != "bot-x" {
		t.Fatalf("second page = %+v", second.Items)
	}
}
