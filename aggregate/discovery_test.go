package aggregate_test

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/micahq/mica"
	"github.com/micahq/mica/aggregate"
	"github.com/micahq/mica/classify"
	"github.com/micahq/mica/sqlite"
)

// corpusDir is discovery's evaluation corpus (docs/discovery-labels.md).
const corpusDir = "../classify/testdata/corpus"

type corpusFile struct {
	File                string         `json:"file"`
	ConnectorAttributes map[string]any `json:"connectorAttributes"`
}

type corpusCorrelation []struct {
	AccountAttribute  string `json:"accountAttribute"`
	IdentityAttribute string `json:"identityAttribute"`
}

type corpusSource struct {
	Name        string            `json:"name"`
	Accounts    corpusFile        `json:"accounts"`
	Labels      string            `json:"labels"`
	Correlation corpusCorrelation `json:"correlation"`
}

// TestDiscoveryThroughAggregation aggregates one organisation of the corpus
// into a real SQLite store as a tenant would (its HR export into an
// authoritative source, then its directory export and its other source into
// delimited-file sources with the org's correlation), and reads discovery's
// verdicts where a client reads them: an account's recommendation when it has
// one, else its classification. They must be what discovery says of each
// account read with its stored context (classify.AccountOf with the source's
// people), and reach the figures.
func TestDiscoveryThroughAggregation(t *testing.T) {
	if testing.Short() {
		t.Skip("aggregates a few thousand accounts")
	}
	t.Parallel()
	ctx := context.Background()
	org := filepath.Join(corpusDir, "nwh")
	b, err := os.ReadFile(filepath.Join(org, "source.json"))
	if err != nil {
		t.Fatal(err)
	}
	var m struct {
		Accounts    corpusFile        `json:"accounts"`
		Identities  corpusFile        `json:"identities"`
		Correlation corpusCorrelation `json:"correlation"`
		Apps        []corpusSource    `json:"apps"`
	}
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "mica.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	db.SetClassifier(classify.Continuous)
	owner := &mica.Identity{Name: "Corpus Admin", Alias: "corpus.admin", Levels: []string{mica.LevelOrgAdmin}}
	if err := db.CreateIdentity(ctx, owner); err != nil {
		t.Fatal(err)
	}
	aggregateFile := func(name string, f corpusFile, authoritative bool, corr corpusCorrelation) *mica.Source {
		t.Helper()
		src := &mica.Source{Name: name, Owner: mica.Ref{ID: owner.ID}, Authoritative: authoritative}
		src.MakeDelimitedFile()
		for k, v := range f.ConnectorAttributes {
			src.ConnectorAttributes[k] = v
		}
		if err := db.CreateSource(ctx, src); err != nil {
			t.Fatal(err)
		}
		if len(corr) > 0 {
			cc := &mica.CorrelationConfig{SourceID: src.ID, Name: name + " correlation"}
			for _, c := range corr {
				cc.AttributeAssignments = append(cc.AttributeAssignments, mica.CorrelationAssignment{
					Property: c.IdentityAttribute, Value: c.AccountAttribute, Operation: "EQ", IgnoreCase: true})
			}
			if err := db.PutCorrelationConfig(ctx, cc); err != nil {
				t.Fatal(err)
			}
		}
		file, err := os.Open(filepath.Join(org, f.File))
		if err != nil {
			t.Fatal(err)
		}
		defer func() { _ = file.Close() }()
		agg := &mica.Aggregation{SourceID: src.ID}
		if err := db.CreateAggregation(ctx, agg); err != nil {
			t.Fatal(err)
		}
		out, err := (&aggregate.Runner{Store: db}).Run(ctx, agg, file)
		if err != nil || out.Status != mica.AggCompleted {
			t.Fatalf("aggregate %s: %+v, %v", name, out, err)
		}
		return src
	}
	aggregateFile("HR", m.Identities, true, nil)
	sources := []corpusSource{{Name: "ad", Accounts: m.Accounts, Labels: "labels.csv", Correlation: m.Correlation}}
	sources = append(sources, m.Apps...)
	for _, cs := range sources {
		src := aggregateFile(cs.Name, cs.Accounts, false, cs.Correlation)
		labels := readLabels(t, filepath.Join(org, cs.Labels))
		people, err := db.SourcePeople(ctx, src.ID, mica.PeopleSample)
		if err != nil {
			t.Fatal(err)
		}
		pop := classify.PopulationOf(people)
		var tp, fp, fn, tn, differ, correlated int
		err = db.EachAccount(ctx, mica.AccountFilter{SourceID: src.ID}, func(a *mica.Account) error {
			machine := a.IsMachine
			if a.Recommendation != nil {
				machine = a.Recommendation.Type == classify.TypeMachine
			}
			ac, err := db.GetAccountForClassification(ctx, a.ID)
			if err != nil {
				return err
			}
			if ac.IdentityID != "" {
				correlated++
			}
			if _, want := classify.Score(classify.AccountOf(ac, pop)); want != machine {
				differ++
			}
			truth, ok := labels[a.NativeIdentity]
			if !ok {
				t.Errorf("%s: account %q has no label", cs.Name, a.NativeIdentity)
			}
			switch {
			case machine && truth:
				tp++
			case machine:
				fp++
			case truth:
				fn++
			default:
				tn++
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		p, r := float64(tp)/float64(tp+fp), float64(tp)/float64(tp+fn)
		f1 := 2 * p * r / (p + r)
		t.Logf("%s: %d accounts, %d correlated; precision %.3f recall %.3f F1 %.3f; %d verdicts differ from discovery with the final context",
			cs.Name, tp+fp+fn+tn, correlated, p, r, f1, differ)
		if correlated == 0 || f1 < 0.95 || p < 0.97 {
			t.Errorf("%s: %d correlated, F1 %.3f precision %.3f; want some, >= 0.95 and >= 0.97", cs.Name, correlated, f1, p)
		}
		// Staging decides new accounts with the people the source had before
		// this aggregation (none, the first time): a few verdicts near the
		// threshold may differ from discovery read with the people after it.
		if differ > (tp+fp+fn+tn)/200 {
			t.Errorf("%s: %d verdicts differ from discovery with the stored context, want at most 0.5 %%", cs.Name, differ)
		}
	}
}

// readLabels reads a corpus labels file: id -> machine.
func readLabels(t *testing.T, path string) map[string]bool {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = f.Close() }()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	out := make(map[string]bool, len(rows))
	for _, r := range rows[1:] {
		out[r[0]] = r[1] == "true"
	}
	return out
}
