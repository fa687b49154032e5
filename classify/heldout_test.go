package classify

import (
	"os"
	"testing"
)

// TestHeldOutCorpus scores the shipped model, unchanged, on a corpus that
// was never used to write or fit the detector: MICA_HELDOUT_CORPUS names its
// folder (the same layout as testdata/corpus). Without it the test is skipped.
// It reports; it asserts only that the corpus could be read.
func TestHeldOutCorpus(t *testing.T) {
	dir := os.Getenv("MICA_HELDOUT_CORPUS")
	if dir == "" {
		t.Skip("MICA_HELDOUT_CORPUS is not set")
	}
	examples := corpusExamples(t, dir)
	if len(examples) == 0 {
		t.Fatal("no accounts in the held-out corpus")
	}
	m := model{bias: bias, w: weights}
	orgs := map[string]*foldResult{}
	var names []string
	for i := range examples {
		e := &examples[i]
		r := orgs[e.org]
		if r == nil {
			r = &foldResult{org: e.org, category: map[string]*tally{}, source: map[string]*tally{}, subtypes: map[string][2]int{}}
			orgs[e.org] = r
			names = append(names, e.org)
		}
		s := m.score(e)
		machine := s >= thresholdScore
		r.all.add(machine, e.machine)
		if r.category[e.category] == nil {
			r.category[e.category] = &tally{}
		}
		r.category[e.category].add(machine, e.machine)
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
			r.misses = append(r.misses, e.category+" "+e.id+" "+signalNames(e))
		}
	}
	var probs []float64
	var truths []bool
	for _, o := range names {
		r := orgs[o]
		t.Logf("%s: precision %.3f recall %.3f F1 %.3f (tp %d fp %d fn %d tn %d)", o, r.all.precision(), r.all.recall(),
			r.all.f1(), r.all.tp, r.all.fp, r.all.fn, r.all.tn)
		for _, c := range sortedKeys(r.category) {
			x := r.category[c]
			t.Logf("  %-24s %.3f (%d accounts)", c, accuracy(x), x.tp+x.fp+x.fn+x.tn)
		}
		for _, c := range sortedKeys(r.subtypes) {
			st := r.subtypes[c]
			t.Logf("  subtype of %-24s right for %d of %d", c, st[0], st[1])
		}
		if testing.Verbose() && os.Getenv("MICA_HELDOUT_MISSES") != "" {
			for _, m := range r.misses {
				t.Logf("  miss: %s", m)
			}
		}
		probs, truths = append(probs, r.probs...), append(truths, r.truths...)
	}
	t.Logf("reliability:\n%s", reliability(probs, truths))
}
