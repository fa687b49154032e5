package classify

import "github.com/micahq/mica"

// Decider returns the store-facing decision function for mode and program p:
// the classification that Decide makes, plus the discovery recommendation for
// the result. It reports a change when either differs from the account's.
//
// Discovery reads each account with its correlation (as the store gives it)
// and with its source's population, learned from people: a sample of the
// source's accounts that correlate to an identity
// (mica.ClassificationService.SourcePeople); nil when there are none.
func Decider(mode Mode, p *Program, people []*mica.AccountClassification) mica.Decider {
	pop := PopulationOf(people)
	return func(a *mica.AccountClassification) (bool, string, *mica.Recommendation, bool) {
		acct := AccountOf(a, pop)
		cur := State{IsMachine: a.IsMachine, Method: a.Method}
		next, changed := Decide(mode, p, acct, cur)
		rec := DiscoveryRecommendation(next, acct)
		return next.IsMachine, next.Method, rec, changed || !sameRecommendation(rec, a.Recommendation)
	}
}

// PopulationOf learns a population from a store's sample of a source's people.
func PopulationOf(people []*mica.AccountClassification) *Population {
	if len(people) == 0 {
		return nil
	}
	accts := make([]*Account, len(people))
	for i, a := range people {
		accts[i] = &Account{Name: a.Name, NativeIdentity: a.NativeIdentity, Attributes: a.Attributes}
	}
	return LearnPopulation(accts)
}

// AccountOf is the account discovery reads, from what a store gives of it and
// its source's population: an account on an authoritative source made the
// identity it correlates to, so its correlation is no evidence.
func AccountOf(a *mica.AccountClassification, pop *Population) *Account {
	acct := &Account{Name: a.Name, NativeIdentity: a.NativeIdentity, Attributes: a.Attributes, Population: pop}
	switch {
	case a.Authoritative:
	case a.IdentityID == "":
		acct.Correlation = Uncorrelated
	case a.IdentityLeft:
		acct.Correlation, acct.IdentityLeft = CorrelatedLeaver, a.IdentityLeftDay
	default:
		acct.Correlation = Correlated
	}
	return acct
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

// Continuous is the decision function of continuous classification
// (mica.DeciderFor), which the stores run on what an aggregation adds or
// changes: the default mode over the source's config. A config that does not
// compile classifies nothing (stored configs were validated when saved).
func Continuous(cfg *mica.MachineClassificationConfig, people []*mica.AccountClassification) mica.Decider {
	p, err := Compile(cfg)
	if err != nil {
		p = nil
	}
	return Decider(ModeDefault, p, people)
}
