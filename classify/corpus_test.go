package classify

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/micahq/mica"
	"github.com/micahq/mica/aggregate"
)

// The discovery evaluation corpus (docs/discovery-labels.md): fictional
// organisations' directory exports, written by testdata/corpus/gen
// independently of the demo generator, each with its HR source and labels.

// CorpusAccount is one labelled account of the corpus.
type CorpusAccount struct {
	Org      string  // the organisation's directory name, e.g. "nwh"
	Source   string  // "ad" for the directory export; an app's name (source.json "apps") for the others
	Account  Account // as mica's delimited-file aggregation builds it
	Machine  bool    // the label
	Category string  // computer, service, ..., human, human_admin, human_external, human_hard
	Note     string  // why, for the hard cases
	Identity string  // the HR identity the account correlates to by the org's correlation rule; "" when none
}

// corpusCategories are the labels' categories; true for machine ones.
var corpusCategories = map[string]bool{
	"computer": true, "gmsa_smsa": true, "service": true, "application_integration": true, "bot_rpa": true,
	"shared_resource_mailbox": true, "template": true, "test_training": true, "builtin_system": true, "directory_sync": true,
	"human": false, "human_admin": false, "human_external": false, "human_hard": false,
}

type corpusFile struct {
	File                string         `json:"file"`
	ConnectorAttributes map[string]any `json:"connectorAttributes"`
}

type corpusCorrelation []struct {
	AccountAttribute  string `json:"accountAttribute"`
	IdentityAttribute string `json:"identityAttribute"`
}

type corpusManifest struct {
	Org         string            `json:"org"`
	Accounts    corpusFile        `json:"accounts"`
	Identities  corpusFile        `json:"identities"`
	Correlation corpusCorrelation `json:"correlation"`
	Apps        []struct {
		Name        string            `json:"name"`
		Accounts    corpusFile        `json:"accounts"`
		Labels      string            `json:"labels"`
		Correlation corpusCorrelation `json:"correlation"`
	} `json:"apps"`
}

// loadCorpus reads the directory (AD) exports of every organisation under dir
// (each a directory with a source.json), in name order. Accounts are parsed by
// the aggregate package's reader with the org's connectorAttributes, so their
// attributes are exactly what an aggregation into a delimited-file source
// stores (strings; lists for mergeColumns). Identity is set by the org's
// correlation: the account attribute's value equals exactly one identity's
// attribute (case-insensitive), as ISC's attributeAssignments do.
func loadCorpus(t testing.TB, dir string) []CorpusAccount {
	t.Helper()
	return loadCorpusSources(t, dir, false)
}

// loadCorpusApps reads the organisations' other sources (source.json "apps":
// a cloud directory, SaaS applications), labelled and correlated the same way.
func loadCorpusApps(t testing.TB, dir string) []CorpusAccount {
	t.Helper()
	return loadCorpusSources(t, dir, true)
}

func loadCorpusSources(t testing.TB, dir string, apps bool) []CorpusAccount {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatalf("corpus: %v", err)
	}
	var out []CorpusAccount
	orgs := 0
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		org := filepath.Join(dir, e.Name())
		b, err := os.ReadFile(filepath.Join(org, "source.json"))
		if errors.Is(err, fs.ErrNotExist) {
			continue
		} else if err != nil {
			t.Fatalf("corpus: %v", err)
		}
		var m corpusManifest
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatalf("corpus %s: source.json: %v", org, err)
		}
		orgs++
		identities := readCorpusFile(t, org, m.Org, m.Identities)
		if !apps {
			out = append(out, loadCorpusSource(t, org, m.Org, "ad", m.Accounts, "labels.csv", m.Correlation, identities)...)
			continue
		}
		for _, a := range m.Apps {
			out = append(out, loadCorpusSource(t, org, m.Org, a.Name, a.Accounts, a.Labels, a.Correlation, identities)...)
		}
	}
	if orgs == 0 {
		t.Fatalf("corpus: no organisation under %s", dir)
	}
	return out
}

func loadCorpusSource(t testing.TB, dir, org, source string, accounts corpusFile, labelsFile string, corr corpusCorrelation,
	identities []*mica.StagedAccount) []CorpusAccount {
	t.Helper()
	// Identities: attribute value (lower case) -> identity ids.
	index := make([]map[string][]string, len(corr))
	for i := range index {
		index[i] = map[string][]string{}
	}
	for _, id := range identities {
		for i, c := range corr {
			if v, ok := id.Attributes[c.IdentityAttribute].(string); ok {
				k := strings.ToLower(v)
				index[i][k] = append(index[i][k], id.NativeIdentity)
			}
		}
	}
	labels := readCorpusLabels(t, filepath.Join(dir, labelsFile))
	var out []CorpusAccount
	for _, a := range readCorpusFile(t, dir, org, accounts) {
		l, ok := labels[a.NativeIdentity]
		if !ok {
			t.Fatalf("corpus %s %s: account %q has no label", org, source, a.NativeIdentity)
		}
		delete(labels, a.NativeIdentity)
		ca := CorpusAccount{Org: org, Source: source, Account: Account{Name: a.Name, NativeIdentity: a.NativeIdentity, Attributes: a.Attributes},
			Machine: l[0] == "true", Category: l[1], Note: l[2]}
		for i, c := range corr {
			if v, ok := a.Attributes[c.AccountAttribute].(string); ok {
				if ids := index[i][strings.ToLower(v)]; len(ids) == 1 {
					ca.Identity = ids[0]
					break
				}
			}
		}
		out = append(out, ca)
	}
	if len(labels) > 0 {
		t.Fatalf("corpus %s %s: %d labels name no account", org, source, len(labels))
	}
	return out
}

func readCorpusFile(t testing.TB, dir, org string, f corpusFile) []*mica.StagedAccount {
	t.Helper()
	format, err := aggregate.FormatOf(&mica.Source{Name: org, ConnectorAttributes: f.ConnectorAttributes})
	if err != nil {
		t.Fatalf("corpus %s: %s: %v", org, f.File, err)
	}
	file, err := os.Open(filepath.Join(dir, f.File))
	if err != nil {
		t.Fatalf("corpus %s: %v", org, err)
	}
	defer func() { _ = file.Close() }()
	rd, err := aggregate.NewReader(file, format)
	if err != nil {
		t.Fatalf("corpus %s: %s: %v", org, f.File, err)
	}
	var out []*mica.StagedAccount
	for {
		a, err := rd.Next()
		if errors.Is(err, io.EOF) {
			return out
		}
		if err != nil {
			t.Fatalf("corpus %s: %s: %v", org, f.File, err)
		}
		out = append(out, a)
	}
}

// readCorpusLabels reads labels.csv: id -> machine, category, note.
func readCorpusLabels(t testing.TB, path string) map[string][3]string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("corpus: %v", err)
	}
	rows, err := csv.NewReader(bytes.NewReader(b)).ReadAll()
	if err != nil {
		t.Fatalf("corpus: %s: %v", path, err)
	}
	if len(rows) == 0 || strings.Join(rows[0], ",") != "id,machine,category,note" {
		t.Fatalf("corpus: %s: header must be id,machine,category,note", path)
	}
	out := make(map[string][3]string, len(rows))
	for i, r := range rows[1:] {
		if _, dup := out[r[0]]; dup {
			t.Fatalf("corpus: %s: line %d: id %q labelled twice", path, i+2, r[0])
		}
		out[r[0]] = [3]string{r[1], r[2], r[3]}
	}
	return out
}

const corpusDir = "testdata/corpus"

// TestCorpus checks the corpus's own invariants: what docs/discovery-labels.md
// claims of it.
func TestCorpus(t *testing.T) {
	accounts := loadCorpus(t, corpusDir)
	type stats struct {
		n, machines, humans, correlated int
		cats                            map[string]int
	}
	orgs := map[string]*stats{}
	for _, a := range accounts {
		s := orgs[a.Org]
		if s == nil {
			s = &stats{cats: map[string]int{}}
			orgs[a.Org] = s
		}
		s.n++
		s.cats[a.Category]++
		machine, ok := corpusCategories[a.Category]
		if !ok {
			t.Errorf("%s %q: unknown category %q", a.Org, a.Account.NativeIdentity, a.Category)
		}
		if machine != a.Machine {
			t.Errorf("%s %q: machine=%v but category %q", a.Org, a.Account.NativeIdentity, a.Machine, a.Category)
		}
		if a.Machine {
			s.machines++
		} else {
			s.humans++
			if a.Identity != "" {
				s.correlated++
			}
		}
		if a.Account.Name == "" || len(a.Account.Attributes) < 3 {
			t.Errorf("%s %q: name %q, %d attributes", a.Org, a.Account.NativeIdentity, a.Account.Name, len(a.Account.Attributes))
		}
	}
	if len(accounts) < 5000 {
		t.Errorf("corpus has %d accounts, want at least 5,000", len(accounts))
	}
	names := make([]string, 0, len(orgs))
	for n := range orgs {
		names = append(names, n)
	}
	sort.Strings(names)
	if strings.Join(names, ",") != "gva,nwh,rwa" {
		t.Errorf("organisations %v, want gva, nwh, rwa", names)
	}
	for _, n := range names {
		s := orgs[n]
		share := float64(s.machines) / float64(s.n)
		t.Logf("%s: %d accounts, %d machines (%.1f %%), %d of %d humans correlate to HR; %v", n, s.n, s.machines, 100*share, s.correlated, s.humans, s.cats)
		if s.n < 1800 {
			t.Errorf("%s: %d accounts, want at least 1,800", n, s.n)
		}
		if share < 0.15 || share > 0.35 {
			t.Errorf("%s: machines are %.1f %% of the accounts, want 15-35 %%", n, 100*share)
		}
		for c := range corpusCategories {
			if s.cats[c] == 0 {
				t.Errorf("%s: no account of category %s", n, c)
			}
		}
		// Most people correlate to HR; externals and a few others do not.
		if c := float64(s.correlated) / float64(s.humans); c < 0.75 || c > 0.98 {
			t.Errorf("%s: %.2f of the humans correlate to HR, want 0.75-0.98", n, c)
		}
	}
	// Hard cases on both sides: machines that correlate to a person, and
	// humans whose accounts read like machines.
	var machinesCorrelated, hard int
	for _, a := range accounts {
		if a.Machine && a.Identity != "" {
			machinesCorrelated++
		}
		if a.Category == "human_hard" {
			hard++
		}
	}
	if machinesCorrelated == 0 || hard < 300 {
		t.Errorf("%d machine accounts correlate to a person, %d hard humans; want some and at least 300", machinesCorrelated, hard)
	}

	// The other sources: one per org, labelled, both kinds in each.
	type appStats struct{ n, machines, correlated int }
	apps := map[string]*appStats{}
	for _, a := range loadCorpusApps(t, corpusDir) {
		k := a.Org + "/" + a.Source
		s := apps[k]
		if s == nil {
			s = &appStats{}
			apps[k] = s
		}
		s.n++
		if machine, ok := corpusCategories[a.Category]; !ok || machine != a.Machine {
			t.Errorf("%s %q: machine=%v, category %q", k, a.Account.NativeIdentity, a.Machine, a.Category)
		}
		if a.Machine {
			s.machines++
		}
		if a.Identity != "" {
			s.correlated++
		}
	}
	if len(apps) != 3 {
		t.Errorf("apps %v, want one per organisation", apps)
	}
	for k, s := range apps {
		t.Logf("%s: %d accounts, %d machines, %d correlate to HR", k, s.n, s.machines, s.correlated)
		if s.n < 300 || s.machines < 20 || s.correlated < s.n/2 {
			t.Errorf("%s: %d accounts, %d machines, %d correlated; want at least 300, 20 and half", k, s.n, s.machines, s.correlated)
		}
	}
}

// TestCorpusRegenerates runs the generator and compares its output with the
// committed files byte for byte.
func TestCorpusRegenerates(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the generator")
	}
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command on PATH")
	}
	out := t.TempDir()
	cmd := exec.Command(goBin, "run", "./testdata/corpus/gen", "-out", out)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("generator: %v\n%s", err, b)
	}
	var files []string
	err = filepath.WalkDir(out, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(out, path)
		files = append(files, rel)
		want, err := os.ReadFile(filepath.Join(corpusDir, rel))
		if err != nil {
			t.Errorf("%s: generated but not committed: %v", rel, err)
			return nil
		}
		got, _ := os.ReadFile(path)
		if !bytes.Equal(got, want) {
			t.Errorf("%s: the generator writes %d bytes that differ from the committed %d; run go run ./classify/testdata/corpus/gen -out classify/testdata/corpus", rel, len(got), len(want))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// Every committed data file is one the generator writes.
	err = filepath.WalkDir(corpusDir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && d.Name() == "gen" {
			return filepath.SkipDir
		}
		if d.IsDir() || filepath.Base(path) == "README.md" {
			return nil
		}
		rel, _ := filepath.Rel(corpusDir, path)
		for _, f := range files {
			if f == rel {
				return nil
			}
		}
		t.Errorf("%s: committed but not generated", rel)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(files) < 18 {
		t.Errorf("the generator wrote %d files, want 6 per organisation: %s", len(files), strconv.Quote(strings.Join(files, " ")))
	}
}
