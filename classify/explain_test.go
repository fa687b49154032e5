package classify

import (
	"testing"

	"github.com/micahq/mica"
)

// TestExplainAgreesWithIsMachine: the root's result is the engine's verdict,
// and every node is reported with the path Validate would name it by.
func TestExplainAgreesWithIsMachine(t *testing.T) {
	s := func(v string) *string { return &v }
	cfg := &mica.MachineClassificationConfig{Enabled: true, ClassificationMethod: mica.MethodCriteria,
		Criteria: &mica.Criteria{Operation: mica.OpOr, Children: []*mica.Criteria{
			{Operation: mica.OpStartsWith, Attribute: s("sAMAccountName"), Value: s("svc")},
			{Operation: mica.OpAnd, Children: []*mica.Criteria{
				{Operation: mica.OpEquals, Attribute: s("objectClass"), Value: s("computer")},
				{Operation: mica.OpNotEquals, Attribute: s("name"), Value: s("DC01$"), CaseSensitive: true},
			}},
		}}}
	p, err := Compile(cfg)
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		acct    Account
		matched []bool // per node, in tree order
	}{
		{Account{Name: "svc-web", Attributes: map[string]any{"sAMAccountName": "SVC-web"}}, []bool{true, true, false, false, true}},
		{Account{Name: "WS1$", Attributes: map[string]any{"objectClass": []any{"top", "computer"}}}, []bool{true, false, true, true, true}},
		{Account{Name: "DC01$", Attributes: map[string]any{"objectClass": []any{"computer"}}}, []bool{false, false, false, true, false}},
		{Account{Name: "jdoe", Attributes: map[string]any{"sAMAccountName": "jdoe"}}, []bool{false, false, false, false, true}},
	}
	paths := []string{"criteria", "criteria.children[0]", "criteria.children[1]", "criteria.children[1].children[0]",
		"criteria.children[1].children[1]"}
	for _, c := range cases {
		got, err := Explain(cfg, &c.acct)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != len(paths) {
			t.Fatalf("%s: %d nodes", c.acct.Name, len(got))
		}
		for i, r := range got {
			if r.Path != paths[i] || r.Matched != c.matched[i] {
				t.Errorf("%s node %d: %+v, want %s matched %v", c.acct.Name, i, r, paths[i], c.matched[i])
			}
		}
		if got[0].Matched != p.IsMachine(&c.acct) {
			t.Errorf("%s: Explain says %v, IsMachine %v", c.acct.Name, got[0].Matched, p.IsMachine(&c.acct))
		}
	}
	if got, err := Explain(&mica.MachineClassificationConfig{Enabled: true, ClassificationMethod: mica.MethodSource}, &cases[0].acct); err != nil || got != nil {
		t.Fatalf("SOURCE: %v %v", got, err)
	}
}
