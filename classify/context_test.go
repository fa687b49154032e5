package classify_test

import (
	"fmt"
	"slices"
	"testing"

	"github.com/micahq/mica/classify"
)

// people makes n correlated accounts named first.last, with or without a manager.
func people(n int, manager bool) *classify.Population {
	var out []*classify.Account
	for i := range n {
		attrs := map[string]any{"givenName": fmt.Sprintf("Anna%c", 'a'+i%26), "sn": fmt.Sprintf("Berg%c", 'a'+i/26),
			"mail": fmt.Sprintf("anna.berg%d@example.com", i), "lastLogonTimestamp": "133900000000000000"}
		if manager {
			attrs["manager"] = "CN=Boss,DC=corp"
		}
		out = append(out, &classify.Account{Name: fmt.Sprintf("anna%c.berg%c", 'a'+i%26, 'a'+i/26), Attributes: attrs})
	}
	return classify.LearnPopulation(out)
}

func signalNames(v classify.Verdict) []string {
	var out []string
	for _, s := range v.Signals {
		out = append(out, s.Name)
	}
	return out
}

// TestDiscoverContext checks the signals that need context: the source's
// people and the account's correlation.
func TestDiscoverContext(t *testing.T) {
	t.Parallel()
	withManagers, withoutManagers, few := people(40, true), people(40, false), people(5, true)
	bare := map[string]any{"sAMAccountName": "x", "objectClass": []any{"top", "user"}}
	for _, tt := range []struct {
		name        string
		account     classify.Account
		has, hasNot []string
	}{
		{"absence counts where the source's people have it",
			classify.Account{Name: "svcfoo", Attributes: bare, Population: withManagers},
			[]string{classify.SignalNoManager, classify.SignalNeverLoggedOn}, nil},
		{"absence does not count where they do not",
			classify.Account{Name: "svcfoo", Attributes: bare, Population: withoutManagers},
			[]string{classify.SignalNeverLoggedOn}, []string{classify.SignalNoManager}},
		{"absence does not count without a population",
			classify.Account{Name: "svcfoo", Attributes: bare},
			nil, []string{classify.SignalNoManager, classify.SignalNeverLoggedOn, classify.SignalNoPersonName}},
		{"too few people are no population",
			classify.Account{Name: "svcfoo", Attributes: bare, Population: few},
			nil, []string{classify.SignalNoManager, classify.SignalNameDeparts}},
		{"a name shaped as the people's names",
			classify.Account{Name: "erik.lund", Attributes: bare, Population: withManagers},
			[]string{classify.SignalNameFitsPeople}, []string{classify.SignalNameDeparts}},
		{"a name shaped as none of them",
			classify.Account{Name: "APP_42", Attributes: bare, Population: withManagers},
			[]string{classify.SignalNameDeparts}, []string{classify.SignalNameFitsPeople}},
		{"correlated",
			classify.Account{Name: "erik.lund", Attributes: bare, Population: withManagers, Correlation: classify.Correlated},
			[]string{classify.SignalCorrelated}, []string{classify.SignalUncorrelated}},
		{"uncorrelated on a source whose people correlate",
			classify.Account{Name: "x", Attributes: bare, Population: withManagers, Correlation: classify.Uncorrelated},
			[]string{classify.SignalUncorrelated}, nil},
		{"uncorrelated says nothing on a source without people",
			classify.Account{Name: "x", Attributes: bare, Correlation: classify.Uncorrelated},
			nil, []string{classify.SignalUncorrelated}},
		{"used after its person left",
			classify.Account{Name: "erik.lund", Population: withManagers, Correlation: classify.CorrelatedLeaver,
				IdentityLeft: 19000, // 2022-01-08
				Attributes: map[string]any{"sAMAccountName": "erik.lund", "userAccountControl": "512",
					"lastLogonTimestamp": "133900000000000000"}}, // 2025-04
			[]string{classify.SignalCorrelatedLeaver, classify.SignalUsedAfterLeaving, classify.SignalLeaverEnabled}, nil},
		{"a leaver's disabled account that has not logged on since",
			classify.Account{Name: "erik.lund", Population: withManagers, Correlation: classify.CorrelatedLeaver,
				IdentityLeft: 20300, // 2025-07
				Attributes: map[string]any{"sAMAccountName": "erik.lund", "userAccountControl": "514",
					"lastLogonTimestamp": "133900000000000000"}},
			[]string{classify.SignalCorrelatedLeaver, classify.SignalDisabled},
			[]string{classify.SignalUsedAfterLeaving, classify.SignalLeaverEnabled}},
	} {
		v := classify.Discover(&tt.account)
		names := signalNames(v)
		for _, s := range tt.has {
			if !slices.Contains(names, s) {
				t.Errorf("%s: no %s in %v", tt.name, s, names)
			}
		}
		for _, s := range tt.hasNot {
			if slices.Contains(names, s) {
				t.Errorf("%s: %s in %v", tt.name, s, names)
			}
		}
		checkVerdict(t, &tt.account, v)
	}
	if n := withManagers.People(); n != 40 {
		t.Errorf("People() = %d", n)
	}
}
