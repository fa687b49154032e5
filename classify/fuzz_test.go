package classify

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/micahq/mica"
)

// FuzzConfig feeds arbitrary JSON through Validate, Compile, IsMachine and
// Decide. Nothing may panic, Compile must accept exactly what Validate accepts,
// and IsMachine must agree with refEval, a direct interpretation of the
// criteria tree. The seed corpus is in testdata/fuzz/FuzzConfig.
func FuzzConfig(f *testing.F) {
	f.Add([]byte(`{"enabled":true,"classificationMethod":"CRITERIA","criteria":{"operation":"EQUALS","attribute":"sAMAccountName","value":"svc_sql"}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		var cfg mica.MachineClassificationConfig
		if json.Unmarshal(data, &cfg) != nil {
			return
		}
		verr := cfg.Validate()
		if verr != nil && mica.ErrorCode(verr) != mica.EILLEGAL {
			t.Fatalf("Validate error %v is not EILLEGAL", verr)
		}
		p, cerr := Compile(&cfg)
		if (verr == nil) != (cerr == nil) {
			t.Fatalf("Validate = %v but Compile = %v", verr, cerr)
		}
		if cerr != nil {
			if p != nil {
				t.Fatal("Compile returned a program with an error")
			}
			return
		}
		for _, a := range fuzzAccounts(&cfg) {
			got := p.IsMachine(a)
			want := false
			if cfg.Enabled {
				switch cfg.ClassificationMethod {
				case mica.MethodSource:
					want = true
				case mica.MethodCriteria:
					want = refEval(cfg.Criteria, a)
				}
			}
			if got != want {
				t.Fatalf("IsMachine(%+v) = %v, reference says %v", a, got, want)
			}
			for _, m := range []Mode{ModeDefault, ModeIgnoreManual, ModeForceMachine, ModeForceHuman} {
				for _, cur := range []State{{}, {IsMachine: true, Method: mica.MethodManual}} {
					next, changed := Decide(m, p, a, cur)
					if changed != (next != cur) {
						t.Fatalf("Decide(%v) changed=%v but %+v -> %+v", m, changed, cur, next)
					}
				}
			}
		}
	})
}

// fuzzAccounts returns fixed accounts plus accounts built from cfg's own
// leaves, so that the fuzzer's comparisons can match.
func fuzzAccounts(cfg *mica.MachineClassificationConfig) []*Account {
	accounts := []*Account{
		{},
		{Name: "svc_sql", NativeIdentity: "CN=svc_sql,OU=Service Accounts,DC=corp", Attributes: map[string]any{
			"sAMAccountName": "svc_sql", "objectClass": []any{"top", "user", 512.0, true, nil, []any{"x"}},
			"userAccountControl": 66048.0, "ratio": 0.5, "big": 1e21, "employeeType": nil, "name": "SVC",
			"description": "Service account \u212aelvin Stra\u00dfe", "nested": map[string]any{"a": "b"},
		}},
	}
	var fromLeaves func(c *mica.Criteria, exact, upper, list map[string]any)
	fromLeaves = func(c *mica.Criteria, exact, upper, list map[string]any) {
		if c == nil {
			return
		}
		if c.Attribute != nil && c.Value != nil {
			v := *c.Value
			exact[*c.Attribute] = v
			upper[*c.Attribute] = "x" + strings.ToUpper(v) + "y"
			list[*c.Attribute] = []any{"zz", v + "q", v}
		}
		for _, child := range c.Children {
			fromLeaves(child, exact, upper, list)
		}
	}
	exact, upper, list := map[string]any{}, map[string]any{}, map[string]any{}
	fromLeaves(cfg.Criteria, exact, upper, list)
	accounts = append(accounts,
		&Account{Name: "a", Attributes: exact},
		&Account{NativeIdentity: "b", Attributes: upper},
		&Account{Attributes: list})
	return accounts
}

// refEval evaluates criteria c on a the simple way: every value turned into
// text, compared with the reference fold relations.
func refEval(c *mica.Criteria, a *Account) bool {
	switch c.Operation {
	case mica.OpAnd:
		for _, child := range c.Children {
			if !refEval(child, a) {
				return false
			}
		}
		return true
	case mica.OpOr:
		for _, child := range c.Children {
			if refEval(child, a) {
				return true
			}
		}
		return false
	}
	var texts []string
	v, ok := a.Attributes[*c.Attribute]
	switch {
	case (!ok || v == nil) && *c.Attribute == "name":
		texts = []string{a.Name}
	case (!ok || v == nil) && *c.Attribute == "nativeIdentity":
		texts = []string{a.NativeIdentity}
	default:
		values := []any{v}
		if list, isList := v.([]any); isList {
			values = list
		}
		for _, e := range values {
			switch x := e.(type) {
			case string:
				texts = append(texts, x)
			case bool, float64: // numbers as encoding/json writes them
				b, _ := json.Marshal(x)
				texts = append(texts, string(b))
			}
		}
	}
	want := *c.Value
	match := func(s string) bool {
		if c.CaseSensitive {
			switch c.Operation {
			case mica.OpEquals, mica.OpNotEquals:
				return s == want
			case mica.OpStartsWith:
				return strings.HasPrefix(s, want)
			case mica.OpEndsWith:
				return strings.HasSuffix(s, want)
			}
			return strings.Contains(s, want)
		}
		switch c.Operation {
		case mica.OpEquals, mica.OpNotEquals:
			return strings.EqualFold(s, want)
		case mica.OpStartsWith:
			return refPrefixFold(s, want)
		case mica.OpEndsWith:
			return refSuffixFold(s, want)
		}
		return refContainsFold(s, want)
	}
	found := false
	for _, s := range texts {
		if match(s) {
			found = true
			break
		}
	}
	if c.Operation == mica.OpNotEquals {
		return !found
	}
	return found
}
