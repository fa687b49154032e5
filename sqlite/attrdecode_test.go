package sqlite

import (
	"encoding/json"
	"reflect"
	"testing"

	"github.com/micahq/mica"
	"github.com/micahq/mica/classify"
	"github.com/micahq/mica/demo"
)

// stdAttributes is what classification decoded attributes with before
// decodeAttributes: encoding/json, errors ignored.
func stdAttributes(s string) map[string]any {
	var m map[string]any
	_ = json.Unmarshal([]byte(s), &m)
	return m
}

func checkDecode(t *testing.T, s string) {
	t.Helper()
	if got, want := decodeAttributes(s), stdAttributes(s); !reflect.DeepEqual(got, want) {
		t.Errorf("decodeAttributes(%q)\n got %#v\nwant %#v", s, got, want)
	}
}

// TestDecodeAttributes: the fast decoder gives what encoding/json gives, on
// what mica writes and on what it must hand over to encoding/json.
func TestDecodeAttributes(t *testing.T) {
	t.Parallel()
	cases := []string{
		`null`, `{}`, `[]`, `""`, `1`, ``, ` {}`, `{} `, `{`, `}`, `{"a":1,}`, `{"a" :1}`, `{"a":1 }`, `{,}`,
		`{"id":"A0000001","name":"svc-batch","groups":["Service Accounts","IT"],"n":3,"big":9223372036854775807}`,
		`{"flag":true,"off":false,"none":null,"list":["a","b"],"empty":[],"obj":{},"nested":{"k":["v",{"x":null}]}}`,
		`{"html":"\u003ca href=\"x\"\u003e\u0026amp;\u003c/a\u003e","ctl":"line\nbreak\ttab\u0001","sl":"a\/b\\c\b\f\r"}`,
		`{"utf8":"Chloé Øyvind 日本","sep":"\u2028","pair":"\ud83d\ude00","bad":"\ufffd\ufffd"}`,
		`{"dn":"CN=Patel\\, Austin,OU=IT,DC=corp","x":"\u00e9"}`,
		"{\"raw\":\"\xff\xfe\"}", "{\"k\xff\":1}", "{\"ctl\":\"a\x01\"}",
		`{"lone":"\ud83d"}`, `{"lone":"\ud83dx"}`, `{"low":"\ude00"}`, `{"pair":"\ud83d\u0041"}`, `{"u":"\u12"}`, `{"u":"\uzzzz"}`,
		`{"esc":"\x"}`, `{"open":"abc`, `{"open":"ab\`,
		`{"float":1.5,"whole":66048,"tiny":1e-9,"neg":-0,"negf":-0.0,"exp":1E+2,"big":1e400,"small":1e-400}`,
		`{"n":0123}`, `{"n":-}`, `{"n":1.}`, `{"n":.5}`, `{"n":1e}`, `{"n":+1}`, `{"n":123456789012345678}`,
		`{"n":999999999999999}`, `{"n":-999999999999999}`, `{"n":9007199254740993}`,
		`{"mixed":["x",2.5,null,true,[1,[2]],{"a":"b"}],"zeta":"z","Alpha":"A","alpha":"a","":"empty key"}`,
		`{"dup":1,"dup":"two","dup":["three"]}`, `{"dup":{"a":1},"dup":{"b":2}}`,
		`{"t":tru}`, `{"t":truex}`, `{"f":fals}`, `{"z":nul}`, `{"a":[1,]}`, `{"a":[,1]}`, `{"a":["x" ]}`, `{"a":[`,
		`{"a":1}{"b":2}`, `{"a":1}]`,
	}
	deep := ""
	for range 40 {
		deep += `{"a":`
	}
	deep += `1`
	for range 40 {
		deep += `}`
	}
	cases = append(cases, `{"deep":`+deep+`}`)
	for _, s := range cases {
		checkDecode(t, s)
	}
}

// TestDecodeAttributesDemo: on every account of a demo tenant, stored as
// mica stores it, the fast decoder gives what encoding/json gives, and the
// classification decisions (criteria and discovery) are the same.
func TestDecodeAttributesDemo(t *testing.T) {
	t.Parallel()
	cfg := demo.Config{Identities: 300, ADAccounts: 3000}
	prog, err := classify.Compile(&mica.MachineClassificationConfig{Enabled: true,
		ClassificationMethod: mica.MethodCriteria, Criteria: demoCriteria()})
	if err != nil {
		t.Fatal(err)
	}
	decide := classify.Decider(classify.ModeDefault, prog, nil)
	var d attrDecoder
	n := 0
	for src := range demo.NumSources {
		err := demo.GenerateAccounts(cfg, src, func(a *mica.Account, _ demo.Truth) error {
			s := attributesJSON(a.Attributes)
			got, want := d.decode(s), stdAttributes(s)
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("account %s: decodeAttributes(%s)\n got %#v\nwant %#v", a.ID, s, got, want)
			}
			fast := &mica.AccountClassification{Name: a.Name, NativeIdentity: a.NativeIdentity, Attributes: got}
			std := &mica.AccountClassification{Name: a.Name, NativeIdentity: a.NativeIdentity, Attributes: want}
			m1, meth1, rec1, ch1 := decide(fast)
			m2, meth2, rec2, ch2 := decide(std)
			if m1 != m2 || meth1 != meth2 || !reflect.DeepEqual(rec1, rec2) || ch1 != ch2 {
				t.Fatalf("account %s: decisions differ", a.ID)
			}
			n++
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	if n < 3000 {
		t.Fatalf("only %d demo accounts", n)
	}
}

// demoCriteria is the three-level criteria of the classify benchmark.
func demoCriteria() *mica.Criteria {
	leaf := func(op, attr, value string) *mica.Criteria {
		return &mica.Criteria{Operation: op, Attribute: &attr, Value: &value}
	}
	node := func(op string, children ...*mica.Criteria) *mica.Criteria {
		return &mica.Criteria{Operation: op, Children: children}
	}
	return node(mica.OpOr,
		node(mica.OpAnd, leaf(mica.OpContains, "distinguishedName", "OU=Service Accounts"), leaf(mica.OpNotEquals, "employeeType", "EMPLOYEE")),
		node(mica.OpAnd, leaf(mica.OpStartsWith, "sAMAccountName", "svc"), leaf(mica.OpEquals, "objectClass", "user")),
		node(mica.OpAnd, leaf(mica.OpEndsWith, "sAMAccountName", "$"), leaf(mica.OpEquals, "objectClass", "computer")),
		node(mica.OpAnd, leaf(mica.OpContains, "servicePrincipalName", "MSSQLSvc"), leaf(mica.OpNotEquals, "employeeType", "EMPLOYEE")),
		node(mica.OpOr, leaf(mica.OpStartsWith, "sAMAccountName", "sa-"), leaf(mica.OpEquals, "employeeType", "SERVICE"),
			leaf(mica.OpContains, "description", "service account"), leaf(mica.OpStartsWith, "sAMAccountName", "gmsa")),
	)
}

// FuzzDecodeAttributes: on any input, the fast decoder gives what
// encoding/json gives.
func FuzzDecodeAttributes(f *testing.F) {
	f.Add(`{"sAMAccountName":"svc-sql$","objectClass":["top","computer"],"userAccountControl":4096}`)
	f.Add(`{"dn":"CN=Patel\\, Austin,OU=IT","e":"\u00e9\ud83d\ude00","n":-1.5e-3,"b":true,"z":null,"o":{"a":[]}}`)
	f.Add(`{"a":1,"a":2}`)
	f.Add(`null`)
	f.Add("{\"x\":\"\xff\"}")
	f.Fuzz(func(t *testing.T, s string) {
		checkDecode(t, s)
	})
}

func BenchmarkDecodeAttributes(b *testing.B) {
	var rows []string
	err := demo.GenerateAccounts(demo.Config{Identities: 100, ADAccounts: 2000}, demo.SourceAD, func(a *mica.Account, _ demo.Truth) error {
		rows = append(rows, attributesJSON(a.Attributes))
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	b.Run("fast", func(b *testing.B) {
		var d attrDecoder
		for i := range b.N {
			_ = d.decode(rows[i%len(rows)])
		}
	})
	b.Run("encoding-json", func(b *testing.B) {
		for i := range b.N {
			_ = stdAttributes(rows[i%len(rows)])
		}
	})
}
