package classify

import (
	"math"
	"sort"

	"github.com/micahq/mica"
)

// Discovery thresholds on [Verdict.Confidence].
const (
	// DiscoveryThreshold is the confidence from which discovery calls an
	// account a machine account: 0.5, even odds. The confidence is calibrated
	// (see docs/discovery.md), so at 0.5 a machine is as likely as a person.
	DiscoveryThreshold = 0.5
	// DiscoveryHumanThreshold is the confidence at or below which discovery
	// recommends HUMAN for an account classified as a machine: it is at least
	// 95 % sure the account is a person's.
	DiscoveryHumanThreshold = 0.05
)

// Correlation is what the caller knows of an account's correlation to an identity.
type Correlation uint8

// Correlation states.
const (
	// CorrelationUnknown: not known, or not evidence (the accounts of an
	// authoritative source make the identities they correlate to).
	CorrelationUnknown Correlation = iota
	// Correlated: the account correlates to an identity.
	Correlated
	// Uncorrelated: the account correlates to no identity.
	Uncorrelated
	// CorrelatedLeaver: the account correlates to an identity whose person
	// left (see [mica.PersonLeft]); [Account.IdentityLeft] says when, if known.
	CorrelatedLeaver
)

// Signal is one piece of evidence discovery found. Weight is its contribution
// to the verdict's log-odds: positive towards a machine, negative towards a
// person.
type Signal struct {
	Name    string  `json:"name"`
	Weight  float64 `json:"weight"`
	Subtype string  `json:"subtype,omitempty"` // the kind of machine it points to
	Detail  string  `json:"detail"`
}

// Counterfactual is the smallest set of signals whose absence would flip the
// verdict: for a machine, the strongest machine signals whose removal brings
// the confidence under the threshold; for a person, the strongest person
// signals whose removal brings it to the threshold. Flips is false when no
// set of signals can (a person with no machine evidence stays a person
// however little is known of them).
type Counterfactual struct {
	Signals    []string `json:"signals"`
	Flips      bool     `json:"flips"`
	Confidence float64  `json:"confidence"` // without those signals
}

// Verdict is discovery's explained opinion of one account.
type Verdict struct {
	Machine        bool            `json:"machine"`    // Confidence >= DiscoveryThreshold
	Confidence     float64         `json:"confidence"` // calibrated probability of a machine account
	Score          float64         `json:"score"`      // log-odds: Bias plus the signal weights
	Bias           float64         `json:"bias"`       // log-odds of an account with no signal
	Subtype        string          `json:"subtype"`    // the kind of machine the evidence points to
	Signals        []Signal        `json:"signals"`    // in the order they were checked
	Counterfactual *Counterfactual `json:"counterfactual"`
}

// Discover judges whether account a is a machine account from what its
// attributes say, read by meaning whatever the connector (Active Directory,
// Entra ID, GitHub, Slack, Salesforce, delimited files), and from its context
// when the caller gives it ([Account.Correlation], [Account.Population]). It
// returns a calibrated confidence, the verdict at [DiscoveryThreshold], the
// kind of machine, each signal's contribution and the counterfactual.
//
// The model is a logistic regression over the signals listed by [Signals]:
// the confidence is 1/(1+e^-score), the score the bias plus the weights of the
// signals found. The weights were fitted on an evaluation corpus of three
// organisations (docs/discovery.md says how, and how well it holds on an
// organisation left out of the fit), starting from, and pulled towards, prior
// weights set by meaning; the signs are fixed by meaning.
//
// Some fields are deliberately not evidence: Entra accountEnabled and Slack
// deleted (people leave too), Slack is_app_user (whether the member authorized
// the calling app) and Salesforce UserType CsnOnly (Chatter Free people).
func Discover(a *Account) Verdict {
	d := detector{a: a, explain: true, w: &weights, score: bias}
	d.run()
	v := Verdict{Confidence: sigmoid(d.score), Score: round(d.score), Bias: round(bias), Signals: make([]Signal, 0, 16)}
	v.Machine = d.score >= thresholdScore
	var bySubtype [16]float64
	var subtypes [16]string
	for f := range nFeatures {
		if !d.has(f) {
			continue
		}
		def := &featureDefs[f]
		w := weights[f]
		if w == 0 {
			continue // fitted away: no evidence either way
		}
		v.Signals = append(v.Signals, Signal{Name: def.name, Weight: round(w), Subtype: def.subtype, Detail: d.details[f]})
		if def.subtype != "" && w > 0 {
			for i := range subtypes {
				if subtypes[i] == def.subtype || subtypes[i] == "" {
					subtypes[i] = def.subtype
					bySubtype[i] += w
					break
				}
			}
		}
	}
	v.Subtype = subtypeOf(subtypes[:], bySubtype[:])
	v.Counterfactual = counterfactual(d.score, v.Machine, v.Signals)
	return v
}

// subtypeOf picks the kind of machine from the machine evidence of each kind
// (subtypes[i] has weight sum[i]): the specific kind with the most, else
// service when there is evidence of a service at all, else unknown. Generic
// evidence of a service (an SPN, a password that never expires) is found on
// every kind of machine account, so a specific kind wins over it.
func subtypeOf(subtypes []string, sum []float64) string {
	out, best, service := SubtypeUnknown, 0.0, false
	for i, s := range subtypes {
		switch {
		case s == "":
		case s == SubtypeService:
			service = sum[i] > 0
		case sum[i] > best:
			out, best = s, sum[i]
		}
	}
	if out == SubtypeUnknown && service {
		return SubtypeService
	}
	return out
}

// Score is [Discover] without the explanation: the confidence and whether it
// reaches [DiscoveryThreshold]. It does not allocate.
func Score(a *Account) (float64, bool) {
	d := detector{a: a, w: &weights, score: bias}
	d.run()
	return sigmoid(d.score), d.score >= thresholdScore
}

// thresholdScore is DiscoveryThreshold in log-odds.
var thresholdScore = math.Log(DiscoveryThreshold / (1 - DiscoveryThreshold))

func sigmoid(x float64) float64 { return 1 / (1 + math.Exp(-x)) }

// round rounds a weight to hundredths for display.
func round(x float64) float64 { return math.Round(x*100) / 100 }

// counterfactual finds the smallest set of signals whose absence flips the
// verdict of a score: removing the largest contributions first is optimal,
// since each removal only subtracts its own weight.
func counterfactual(score float64, machine bool, signals []Signal) *Counterfactual {
	idx := make([]int, 0, len(signals))
	for i, s := range signals {
		if machine && s.Weight > 0 || !machine && s.Weight < 0 {
			idx = append(idx, i)
		}
	}
	sort.SliceStable(idx, func(i, j int) bool {
		return math.Abs(signals[idx[i]].Weight) > math.Abs(signals[idx[j]].Weight)
	})
	cf := &Counterfactual{Signals: []string{}}
	s := score
	for _, i := range idx {
		s -= signals[i].Weight
		cf.Signals = append(cf.Signals, signals[i].Name)
		if (s >= thresholdScore) != machine {
			cf.Flips = true
			break
		}
	}
	if !cf.Flips {
		cf.Signals = []string{}
		s = score
	}
	cf.Confidence = sigmoid(s)
	return cf
}

// Recommendation is an Account.recommendation: the type an account is
// recommended to be (MACHINE or HUMAN) and the method recommending it.
type Recommendation struct {
	Type   string `json:"type"`
	Method string `json:"method"`
}

// Recommendation types.
const (
	TypeMachine = "MACHINE"
	TypeHuman   = "HUMAN"
)

// Recommend turns a discovery verdict into an Account.recommendation for an
// account classified as cur, or nil when discovery agrees with it (or is not
// sure): MACHINE when discovery finds a machine in a human account, HUMAN when
// discovery is sure a machine account is a person's
// (Confidence <= DiscoveryHumanThreshold). Method is always DISCOVERY.
func Recommend(cur State, v Verdict) *Recommendation {
	switch {
	case !cur.IsMachine && v.Machine:
		return &Recommendation{Type: TypeMachine, Method: mica.MethodDiscovery}
	case cur.IsMachine && v.Confidence <= DiscoveryHumanThreshold:
		return &Recommendation{Type: TypeHuman, Method: mica.MethodDiscovery}
	}
	return nil
}
