package classify

import (
	"encoding/json"
	"flag"
	"fmt"
	"go/format"
	"math"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/micahq/mica"
)

// How discovery's weights are learned, and how well they hold on an
// organisation the fit never saw (docs/discovery.md).
//
// The model is a logistic regression over the signals (featureDefs). Fitting
// minimises the log-loss of the labelled corpus plus a pull of every weight
// towards its prior, set by meaning (a Gaussian prior, strength fitLambda),
// with each weight kept on the side its meaning says (sign). It runs by cyclic
// coordinate descent with a Newton step per weight, from the priors, for a
// fixed number of passes: deterministic, so the shipped weights can be
// checked to be exactly the fit on all three organisations.
//
// Cross-validation by organisation: for each organisation, weights are fitted
// on the other two and the organisation is scored with them. Everything the
// detector learns without labels (each source's population of people) is
// learned from the organisation's own accounts, as the product does.

var update = flag.Bool("update", false, "rewrite weights_fitted.go with the weights fitted on the whole corpus")

const (
	fitLambda = 4.0 // strength of the pull towards the priors, in examples
	fitPasses = 300
)

// example is one account as the fit sees it: the signals it has and its label.
type example struct {
	hits     [2]uint64
	machine  bool
	org      string
	source   string // "ad" for the directory export, else the app's name
	category string
	id       string
}

func (e *example) has(f feature) bool { return e.hits[f/64]&(1<<(f%64)) != 0 }

// corpusExamples reads the corpus with each account's context: correlated or
// not to an HR identity, and its organisation's population of people (learned
// from the accounts that correlate).
func corpusExamples(t testing.TB, dir string) []example {
	t.Helper()
	accounts := append(loadCorpus(t, dir), loadCorpusApps(t, dir)...)
	// Each source's population, learned from its accounts that correlate.
	people := map[string][]*Account{}
	for i := range accounts {
		if a := &accounts[i]; a.Identity != "" {
			people[a.Org+"/"+a.Source] = append(people[a.Org+"/"+a.Source], &a.Account)
		}
	}
	pops := map[string]*Population{}
	for src, p := range people {
		pops[src] = LearnPopulation(p)
	}
	left := corpusLeavers(t, dir)
	out := make([]example, len(accounts))
	for i := range accounts {
		a := &accounts[i]
		acct := a.Account
		acct.Population = pops[a.Org+"/"+a.Source]
		if os.Getenv("NOPOP") != "" {
			acct.Population = nil
		}
		if os.Getenv("NOCORR") != "" {
			acct.Correlation = CorrelationUnknown
		}
		acct.Correlation = Uncorrelated
		if a.Identity != "" {
			acct.Correlation = Correlated
			if day, ok := left[a.Org][a.Identity]; ok {
				acct.Correlation, acct.IdentityLeft = CorrelatedLeaver, day
			}
		}
		if os.Getenv("NOCORR") != "" {
			acct.Correlation = CorrelationUnknown
		}
		out[i] = example{hits: signalsOf(&acct), machine: a.Machine, org: a.Org, source: a.Source, category: a.Category,
			id: a.Account.NativeIdentity}
	}
	return out
}

// corpusLeavers reads each organisation's HR identities and returns, per
// organisation, the identities whose person left (PersonLeft), with the day.
func corpusLeavers(t testing.TB, dir string) map[string]map[string]int64 {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]map[string]int64{}
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join(dir, e.Name(), "source.json"))
		if err != nil {
			continue
		}
		var m corpusManifest
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatal(err)
		}
		out[m.Org] = map[string]int64{}
		for _, id := range readCorpusFile(t, filepath.Join(dir, e.Name()), m.Org, m.Identities) {
			if ok, day := mica.PersonLeft(id.Attributes); ok {
				out[m.Org][id.NativeIdentity] = day
			}
		}
	}
	return out
}

// signalsOf returns the signals discovery finds on a.
func signalsOf(a *Account) [2]uint64 {
	var zero [nFeatures]float64
	d := detector{a: a, w: &zero}
	d.run()
	return d.hits
}

// model is a bias and a weight per signal, in log-odds.
type model struct {
	bias float64
	w    [nFeatures]float64
}

func priorModel() model {
	m := model{bias: priorBias}
	for i, f := range featureDefs {
		m.w[i] = f.prior
	}
	return m
}

func (m *model) score(e *example) float64 {
	s := m.bias
	for f := range nFeatures {
		if e.has(f) {
			s += m.w[f]
		}
	}
	return s
}

// fit learns a model from examples (see above).
func fit(examples []example) model {
	m := priorModel()
	n := len(examples)
	scores := make([]float64, n)
	for i := range examples {
		scores[i] = m.score(&examples[i])
	}
	// Which examples have each signal.
	var with [nFeatures][]int32
	for i := range examples {
		for f := range nFeatures {
			if examples[i].has(f) {
				with[f] = append(with[f], int32(i))
			}
		}
	}
	step := func(idx []int32, all bool, cur, prior float64, sign int8) float64 {
		g, h := fitLambda*(cur-prior), fitLambda
		visit := func(i int) {
			p := sigmoid(scores[i])
			y := 0.0
			if examples[i].machine {
				y = 1
			}
			g += p - y
			h += p * (1 - p)
		}
		if all {
			for i := range examples {
				visit(i)
			}
		} else {
			for _, i := range idx {
				visit(int(i))
			}
		}
		next := cur - max(-2, min(2, g/h))
		switch {
		case sign > 0 && next < 0:
			next = 0
		case sign < 0 && next > 0:
			next = 0
		}
		return next
	}
	for range fitPasses {
		nb := step(nil, true, m.bias, priorBias, 0)
		if d := nb - m.bias; d != 0 {
			m.bias = nb
			for i := range scores {
				scores[i] += d
			}
		}
		for f := range nFeatures {
			if len(with[f]) == 0 {
				continue // no example has it: it keeps its prior
			}
			nw := step(with[f], false, m.w[f], featureDefs[f].prior, featureDefs[f].sign)
			if d := nw - m.w[f]; d != 0 {
				m.w[f] = nw
				for _, i := range with[f] {
					scores[i] += d
				}
			}
		}
	}
	return m
}

// tally counts a classifier's results.
type tally struct{ tp, fp, fn, tn int }

func (c *tally) add(machine, truth bool) {
	switch {
	case machine && truth:
		c.tp++
	case machine:
		c.fp++
	case truth:
		c.fn++
	default:
		c.tn++
	}
}

func ratio(a, b int) float64 {
	if a+b == 0 {
		return 1
	}
	return float64(a) / float64(a+b)
}

func (c tally) precision() float64 { return ratio(c.tp, c.fp) }
func (c tally) recall() float64    { return ratio(c.tp, c.fn) }
func (c tally) f1() float64 {
	p, r := c.precision(), c.recall()
	if p+r == 0 {
		return 0
	}
	return 2 * p * r / (p + r)
}

// foldResult is one held-out organisation's figures.
type foldResult struct {
	org      string
	all      tally
	source   map[string]*tally
	category map[string]*tally // every source's accounts; correct = tp+tn
	adCat    map[string]*tally // the directory export's only
	misses   []string
	subtypes map[string][2]int // per machine category: subtype right, accounts
	probs    []float64         // held-out confidences
	truths   []bool
}

// accuracy is the share of accounts c got right (1 when c is nil: none).
func accuracy(c *tally) float64 {
	if c == nil {
		return 1
	}
	return ratio(c.tp+c.tn, c.fp+c.fn)
}

// crossValidate fits on all organisations but one and scores that one, for each.
func crossValidate(examples []example) []*foldResult {
	orgs := map[string]bool{}
	for _, e := range examples {
		orgs[e.org] = true
	}
	var names []string
	for o := range orgs {
		names = append(names, o)
	}
	sort.Strings(names)
	var out []*foldResult
	for _, held := range names {
		var train []example
		for _, e := range examples {
			if e.org != held {
				train = append(train, e)
			}
		}
		m := fit(train)
		r := &foldResult{org: held, category: map[string]*tally{}, source: map[string]*tally{}, adCat: map[string]*tally{},
			subtypes: map[string][2]int{}}
		for i := range examples {
			e := &examples[i]
			if e.org != held {
				continue
			}
			s := m.score(e)
			machine := s >= thresholdScore
			r.all.add(machine, e.machine)
			if r.source[e.source] == nil {
				r.source[e.source] = &tally{}
			}
			r.source[e.source].add(machine, e.machine)
			c := r.category[e.category]
			if c == nil {
				c = &tally{}
				r.category[e.category] = c
			}
			c.add(machine, e.machine)
			if e.source == "ad" {
				if r.adCat[e.category] == nil {
					r.adCat[e.category] = &tally{}
				}
				r.adCat[e.category].add(machine, e.machine)
			}
			if e.machine {
				st := r.subtypes[e.category]
				if subtypeOfExample(&m, e) == categorySubtype[e.category] {
					st[0]++
				}
				st[1]++
				r.subtypes[e.category] = st
			}
			r.probs = append(r.probs, sigmoid(s))
			r.truths = append(r.truths, e.machine)
			if machine != e.machine {
				r.misses = append(r.misses, fmt.Sprintf("%s %s %s %.2f %s", e.source, e.category, e.id, sigmoid(s), signalNames(e)))
			}
		}
		out = append(out, r)
	}
	return out
}

// categorySubtype is the subtype discovery should infer for each machine category of the corpus.
var categorySubtype = map[string]string{
	"computer": SubtypeComputer, "gmsa_smsa": SubtypeManagedServiceAccount, "service": SubtypeService,
	"application_integration": SubtypeApplication, "bot_rpa": SubtypeBot, "shared_resource_mailbox": SubtypeMailbox,
	"template": SubtypeTemplate, "test_training": SubtypeTest, "builtin_system": SubtypeBuiltIn,
	"directory_sync": SubtypeDirectorySync,
}

// subtypeOf infers an example's subtype under model m as Discover does: the
// subtype whose signals add the most.
func subtypeOfExample(m *model, e *example) string {
	var subtypes []string
	var sum []float64
	for f := range nFeatures {
		if st := featureDefs[f].subtype; e.has(f) && st != "" && m.w[f] > 0 {
			i := slices.Index(subtypes, st)
			if i < 0 {
				subtypes, sum, i = append(subtypes, st), append(sum, 0), len(subtypes)
			}
			sum[i] += m.w[f]
		}
	}
	return subtypeOf(subtypes, sum)
}

// signalNames lists an example's signals, for a report.
func signalNames(e *example) string {
	var b []string
	for f := range nFeatures {
		if e.has(f) {
			b = append(b, featureDefs[f].name)
		}
	}
	return strings.Join(b, ",")
}

// TestDiscoveryCrossValidation fits discovery on two organisations of the
// corpus and measures it on the third, for each, and asserts the issue's
// lower bounds on each held-out organisation's directory export (the issue's
// corpus: Active Directory): F1 >= 0.95, precision >= 0.97, accuracy >= 0.80
// in every category. With the organisation's other sources (a cloud
// directory, SaaS user lists) it asserts F1 >= 0.95 and precision >= 0.97
// overall and, as a guard, accuracy >= 0.70 in every category: an account of
// another source carries only what that source knows of it (see
// docs/discovery.md, "What it still misses").
func TestDiscoveryCrossValidation(t *testing.T) {
	examples := corpusExamples(t, corpusDir)
	results := crossValidate(examples)
	var probs []float64
	var truths []bool
	for _, r := range results {
		t.Logf("held out %s, all sources: precision %.3f recall %.3f F1 %.3f (tp %d fp %d fn %d tn %d)", r.org,
			r.all.precision(), r.all.recall(), r.all.f1(), r.all.tp, r.all.fp, r.all.fn, r.all.tn)
		for _, src := range sortedKeys(r.source) {
			c := r.source[src]
			t.Logf("  source %-10s precision %.3f recall %.3f F1 %.3f (tp %d fp %d fn %d tn %d)", src,
				c.precision(), c.recall(), c.f1(), c.tp, c.fp, c.fn, c.tn)
		}
		t.Logf("  %-24s %9s %9s", "category", "directory", "all")
		for _, c := range sortedKeys(r.category) {
			all, ad := r.category[c], r.adCat[c]
			n := all.tp + all.fp + all.fn + all.tn
			t.Logf("  %-24s %9.3f %9.3f (%d accounts)", c, accuracy(ad), accuracy(all), n)
			if a := accuracy(ad); ad != nil && a < 0.80 {
				t.Errorf("held out %s: directory category %s accuracy %.3f, want >= 0.80", r.org, c, a)
			}
			if a := accuracy(all); a < 0.70 {
				t.Errorf("held out %s: category %s accuracy %.3f over all sources, want >= 0.70", r.org, c, a)
			}
		}
		if testing.Verbose() {
			for _, m := range r.misses {
				t.Logf("  miss: %s", m)
			}
		}
		ad := r.source["ad"]
		if ad.f1() < 0.95 || ad.precision() < 0.97 {
			t.Errorf("held out %s: directory F1 %.3f precision %.3f, want >= 0.95 and >= 0.97", r.org, ad.f1(), ad.precision())
		}
		if r.all.f1() < 0.95 || r.all.precision() < 0.97 {
			t.Errorf("held out %s: all sources F1 %.3f precision %.3f, want >= 0.95 and >= 0.97", r.org, r.all.f1(), r.all.precision())
		}
		probs = append(probs, r.probs...)
		truths = append(truths, r.truths...)
	}
	t.Logf("reliability of the held-out confidences:\n%s", reliability(probs, truths))
	subtypes := map[string][2]int{}
	for _, r := range results {
		for c, st := range r.subtypes {
			x := subtypes[c]
			subtypes[c] = [2]int{x[0] + st[0], x[1] + st[1]}
		}
	}
	for _, c := range sortedKeys(subtypes) {
		st := subtypes[c]
		t.Logf("subtype of %-24s %-22s right for %d of %d held-out machines (%.3f)", c, categorySubtype[c], st[0], st[1],
			float64(st[0])/float64(st[1]))
	}
	if testing.Verbose() {
		m := fit(examples)
		var count [nFeatures]int
		for i := range examples {
			for f := range nFeatures {
				if examples[i].has(f) {
					count[f]++
				}
			}
		}
		t.Logf("bias %.2f (prior %.2f)", m.bias, priorBias)
		for f := range nFeatures {
			t.Logf("%-28s %6.2f (prior %5.2f) on %d accounts", featureDefs[f].name, m.w[f], featureDefs[f].prior, count[f])
		}
	}
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// reliability tabulates predicted confidence against observed frequency in ten bins.
func reliability(probs []float64, truths []bool) string {
	var n, pos [10]int
	var sum [10]float64
	for i, p := range probs {
		b := min(9, int(p*10))
		n[b]++
		sum[b] += p
		if truths[i] {
			pos[b]++
		}
	}
	var sb strings.Builder
	sb.WriteString("| confidence | accounts | mean confidence | observed machines |\n|---|---:|---:|---:|\n")
	for b := range 10 {
		if n[b] == 0 {
			continue
		}
		fmt.Fprintf(&sb, "| %.1f-%.1f | %d | %.3f | %.3f |\n", float64(b)/10, float64(b+1)/10, n[b], sum[b]/float64(n[b]),
			float64(pos[b])/float64(n[b]))
	}
	return sb.String()
}

// TestFitWeights checks that the shipped weights are the fit on the whole
// corpus; with -update it writes them.
func TestFitWeights(t *testing.T) {
	examples := corpusExamples(t, corpusDir)
	m := fit(examples)
	if *update {
		var b strings.Builder
		b.WriteString("// Code generated by TestFitWeights (go test ./classify -run TestFitWeights -update); DO NOT EDIT.\n\n")
		b.WriteString("package classify\n\n")
		b.WriteString("// The weights fitted on the whole evaluation corpus (docs/discovery.md).\n\n")
		fmt.Fprintf(&b, "const fittedBias = %s\n\n", strconv.FormatFloat(m.bias, 'g', 10, 64))
		b.WriteString("var fittedWeights = map[string]float64{\n")
		for f := range nFeatures {
			fmt.Fprintf(&b, "\t%q: %s,\n", featureDefs[f].name, strconv.FormatFloat(m.w[f], 'g', 10, 64))
		}
		b.WriteString("}\n")
		src, err := format.Source([]byte(b.String()))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile("weights_fitted.go", src, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	if d := math.Abs(m.bias - bias); d > 1e-6 {
		t.Errorf("shipped bias %v, the fit gives %v: run go test ./classify -run TestFitWeights -update", bias, m.bias)
	}
	for f := range nFeatures {
		if d := math.Abs(m.w[f] - weights[f]); d > 1e-6 {
			t.Errorf("shipped weight of %s %v, the fit gives %v: run go test ./classify -run TestFitWeights -update",
				featureDefs[f].name, weights[f], m.w[f])
		}
	}
}

// BenchmarkScoreCorpus is discovery's score path over the corpus's accounts
// as the stores give them (with their correlation and their source's
// population): accounts/cpu-s with -cpu 1 is one core's rate.
func BenchmarkScoreCorpus(b *testing.B) {
	accounts := append(loadCorpus(b, corpusDir), loadCorpusApps(b, corpusDir)...)
	people := map[string][]*Account{}
	for i := range accounts {
		if a := &accounts[i]; a.Identity != "" {
			people[a.Org+"/"+a.Source] = append(people[a.Org+"/"+a.Source], &a.Account)
		}
	}
	pops := map[string]*Population{}
	for src, p := range people {
		pops[src] = LearnPopulation(p)
	}
	all := make([]*Account, len(accounts))
	for i := range accounts {
		a := accounts[i].Account
		a.Population = pops[accounts[i].Org+"/"+accounts[i].Source]
		a.Correlation = Uncorrelated
		if accounts[i].Identity != "" {
			a.Correlation = Correlated
		}
		all[i] = &a
	}
	b.ReportAllocs()
	var ru0, ru1 syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru0)
	i := 0
	for b.Loop() {
		Score(all[i%len(all)])
		i++
	}
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru1)
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "accounts/s")
	if cpu := time.Duration(ru1.Utime.Nano() + ru1.Stime.Nano() - ru0.Utime.Nano() - ru0.Stime.Nano()); cpu > 0 {
		b.ReportMetric(float64(b.N)/cpu.Seconds(), "accounts/cpu-s")
	}
}
