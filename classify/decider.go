package classify

import "github.com/micahq/mica"

// Decider returns the store-facing decision function for mode and program p:
// the classification that Decide makes, plus the discovery recommendation for
// the result. It reports a change when either differs from the account's.
func Decider(mode Mode, p *Program) mica.Decider {
	return func(a *mica.AccountClassification) (bool, string, *mica.Recommendation, bool) {
		acct := &Account{Name: a.Name, NativeIdentity: a.NativeIdentity, Attributes: a.Attributes}
		cur := State{IsMachine: a.IsMachine, Method: a.Method}
		next, changed := Decide(mode, p, acct, cur)
		rec := DiscoveryRecommendation(next, acct)
		return next.IsMachine, next.Method, rec, changed || !sameRecommendation(rec, a.Recommendation)
	}
}

// DiscoveryRecommendation is the Account.recommendation for account a classified as st.
func DiscoveryRecommendation(st State, a *Account) *mica.Recommendation {
	conf, machine := Score(a) // Recommend needs no explanation: Score does not allocate
	r := Recommend(st, Verdict{Machine: machine, Confidence: conf})
	if r == nil {
		return nil
	}
	return &mica.Recommendation{Type: r.Type, Method: r.Method}
}

func sameRecommendation(a, b *mica.Recommendation) bool {
	if a == nil || b == nil {
		return a == b
	}
	return *a == *b
}
