package classify_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/micahq/mica"
	"github.com/micahq/mica/classify"
)

// compile compiles a config given as JSON, failing the test on error.
func compile(t testing.TB, cfgJSON string) *classify.Program {
	t.Helper()
	var cfg mica.MachineClassificationConfig
	if err := json.Unmarshal([]byte(cfgJSON), &cfg); err != nil {
		t.Fatalf("bad config JSON: %v", err)
	}
	p, err := classify.Compile(&cfg)
	if err != nil {
		t.Fatalf("Compile: %v", err)
	}
	return p
}

// account builds an Account from JSON attributes, as an importer would decode them.
func account(t testing.TB, name, nativeIdentity, attrsJSON string) *classify.Account {
	t.Helper()
	a := &classify.Account{Name: name, NativeIdentity: nativeIdentity}
	if attrsJSON != "" {
		if err := json.Unmarshal([]byte(attrsJSON), &a.Attributes); err != nil {
			t.Fatalf("bad attributes JSON: %v", err)
		}
	}
	return a
}

// criteria wraps one criteria node in an enabled CRITERIA config.
func criteria(node string) string {
	return `{"enabled":true,"classificationMethod":"CRITERIA","criteria":` + node + `}`
}

// leaf is a case-insensitive leaf.
func leaf(op, attr, value string) string {
	return `{"operation":"` + op + `","attribute":"` + attr + `","value":` + jsonString(value) + `}`
}

// leafCS is a case-sensitive leaf.
func leafCS(op, attr, value string) string {
	return `{"operation":"` + op + `","caseSensitive":true,"attribute":"` + attr + `","value":` + jsonString(value) + `}`
}

func node(op string, children ...string) string {
	return `{"operation":"` + op + `","children":[` + strings.Join(children, ",") + `]}`
}

func jsonString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

func TestIsMachineLeaves(t *testing.T) {
	t.Parallel()
	const attrs = `{
		"sAMAccountName": "SVC_Backup",
		"distinguishedName": "CN=SVC_Backup,OU=Service Accounts,DC=corp,DC=example,DC=com",
		"objectClass": ["top", "person", "organizationalPerson", "user"],
		"servicePrincipalName": [],
		"userAccountControl": 66048,
		"lockoutTime": 0,
		"ratio": 0.5,
		"big": 1e21,
		"tiny": 0.0000001,
		"negative": -3,
		"enabled": true,
		"flags": [512, false, "x"],
		"manager": null,
		"nested": {"a": "b"},
		"listOfLists": [["svc"]],
		"city": "KÖLN",
		"kelvin": "\u212a-team",
		"empty": "",
		"name": null
	}`
	a := account(t, "svc_backup", "CN=SVC_Backup,OU=Service Accounts,DC=corp,DC=example,DC=com", attrs)

	tests := []struct {
		name string
		leaf string
		want bool
	}{
		// operators, case-insensitive by default
		{"equals folds case", leaf("EQUALS", "sAMAccountName", "svc_backup"), true},
		{"equals other", leaf("EQUALS", "sAMAccountName", "svc_back"), false},
		{"starts with", leaf("STARTS_WITH", "sAMAccountName", "SVC_"), true},
		{"starts with folds", leaf("STARTS_WITH", "sAMAccountName", "svc_"), true},
		{"starts with longer than value", leaf("STARTS_WITH", "sAMAccountName", "svc_backup_2"), false},
		{"ends with", leaf("ENDS_WITH", "distinguishedName", "dc=COM"), true},
		{"ends with no", leaf("ENDS_WITH", "distinguishedName", "dc=org"), false},
		{"contains", leaf("CONTAINS", "distinguishedName", "ou=service accounts"), true},
		{"contains no", leaf("CONTAINS", "distinguishedName", "OU=Users"), false},
		{"not equals different", leaf("NOT_EQUALS", "sAMAccountName", "jdoe"), true},
		{"not equals same (folded)", leaf("NOT_EQUALS", "sAMAccountName", "SVC_BACKUP"), false},
		{"empty value: starts with", leaf("STARTS_WITH", "sAMAccountName", ""), true},
		{"empty value: equals empty string", leaf("EQUALS", "empty", ""), true},
		{"empty value: equals non-empty", leaf("EQUALS", "sAMAccountName", ""), false},

		// case-sensitive
		{"cs equals exact", leafCS("EQUALS", "sAMAccountName", "SVC_Backup"), true},
		{"cs equals other case", leafCS("EQUALS", "sAMAccountName", "svc_backup"), false},
		{"cs starts with", leafCS("STARTS_WITH", "sAMAccountName", "SVC"), true},
		{"cs starts with other case", leafCS("STARTS_WITH", "sAMAccountName", "svc"), false},
		{"cs ends with", leafCS("ENDS_WITH", "sAMAccountName", "Backup"), true},
		{"cs contains other case", leafCS("CONTAINS", "distinguishedName", "ou=service"), false},
		{"cs not equals other case", leafCS("NOT_EQUALS", "sAMAccountName", "svc_backup"), true},

		// Unicode folding
		{"unicode equals", leaf("EQUALS", "city", "köln"), true},
		{"unicode contains", leaf("CONTAINS", "city", "öl"), true},
		{"kelvin sign folds to k", leaf("STARTS_WITH", "kelvin", "K-T"), true},
		{"kelvin contains", leaf("CONTAINS", "kelvin", "k-"), true},

		// attribute names are exact
		{"attribute name is case-sensitive", leaf("EQUALS", "samaccountname", "svc_backup"), false},

		// missing and null
		{"missing: equals", leaf("EQUALS", "employeeType", "SERVICE"), false},
		{"missing: starts with empty", leaf("STARTS_WITH", "employeeType", ""), false},
		{"missing: contains", leaf("CONTAINS", "employeeType", "x"), false},
		{"missing: ends with", leaf("ENDS_WITH", "employeeType", "x"), false},
		{"missing: not equals", leaf("NOT_EQUALS", "employeeType", "SERVICE"), true},
		{"null: equals", leaf("EQUALS", "manager", ""), false},
		{"null: not equals", leaf("NOT_EQUALS", "manager", "x"), true},

		// multi-valued
		{"list: any equals", leaf("EQUALS", "objectClass", "USER"), true},
		{"list: none equals", leaf("EQUALS", "objectClass", "computer"), false},
		{"list: any starts with", leaf("STARTS_WITH", "objectClass", "organizational"), true},
		{"list: not equals when one equals", leaf("NOT_EQUALS", "objectClass", "user"), false},
		{"list: not equals when none equals", leaf("NOT_EQUALS", "objectClass", "computer"), true},
		{"empty list: contains", leaf("CONTAINS", "servicePrincipalName", ""), false},
		{"empty list: not equals", leaf("NOT_EQUALS", "servicePrincipalName", "x"), true},
		{"mixed list: number", leaf("EQUALS", "flags", "512"), true},
		{"mixed list: bool", leaf("EQUALS", "flags", "FALSE"), true},
		{"mixed list: not equals", leaf("NOT_EQUALS", "flags", "x"), false},
		{"list of lists never matches", leaf("CONTAINS", "listOfLists", "svc"), false},
		{"object never matches", leaf("CONTAINS", "nested", "a"), false},
		{"object: not equals", leaf("NOT_EQUALS", "nested", "a"), true},

		// numbers and booleans by canonical text
		{"number equals", leaf("EQUALS", "userAccountControl", "66048"), true},
		{"number starts with", leaf("STARTS_WITH", "userAccountControl", "660"), true},
		{"number is not 66048.0", leaf("EQUALS", "userAccountControl", "66048.0"), false},
		{"zero", leaf("EQUALS", "lockoutTime", "0"), true},
		{"fraction", leaf("EQUALS", "ratio", "0.5"), true},
		{"large as exponent", leaf("EQUALS", "big", "1e+21"), true},
		{"small as exponent", leaf("EQUALS", "tiny", "1e-7"), true},
		{"negative", leaf("EQUALS", "negative", "-3"), true},
		{"bool", leaf("EQUALS", "enabled", "true"), true},
		{"bool folds", leaf("EQUALS", "enabled", "TRUE"), true},
		{"bool cs", leafCS("EQUALS", "enabled", "TRUE"), false},

		// name and nativeIdentity
		{"name falls back to the account (attribute null)", leaf("EQUALS", "name", "svc_backup"), true},
		{"nativeIdentity falls back to the account", leaf("STARTS_WITH", "nativeIdentity", "cn=svc_backup,"), true},
		{"other names do not fall back", leaf("EQUALS", "Name", "svc_backup"), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p := compile(t, criteria(tt.leaf))
			if got := p.IsMachine(a); got != tt.want {
				t.Errorf("IsMachine = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestIsMachineNameAttributeWins(t *testing.T) {
	t.Parallel()
	p := compile(t, criteria(leaf("EQUALS", "name", "from-attributes")))
	if !p.IsMachine(account(t, "from-account", "", `{"name":"from-attributes"}`)) {
		t.Error("a non-null attribute named name should win over Account.Name")
	}
	if p.IsMachine(account(t, "from-attributes", "", `{"name":"other"}`)) {
		t.Error("Account.Name must not be consulted when the attribute is present")
	}
	p = compile(t, criteria(leaf("EQUALS", "nativeIdentity", "123")))
	if !p.IsMachine(account(t, "x", "123", ``)) {
		t.Error("nativeIdentity should fall back to Account.NativeIdentity with nil attributes")
	}
	if !p.IsMachine(account(t, "x", "999", `{"nativeIdentity":123}`)) {
		t.Error("a numeric nativeIdentity attribute should compare as text and win")
	}
	// An empty account field is an empty value, not a missing one.
	p = compile(t, criteria(leaf("EQUALS", "name", "")))
	if !p.IsMachine(account(t, "", "", ``)) {
		t.Error(`an empty Account.Name should EQUAL ""`)
	}
}

func TestIsMachineTree(t *testing.T) {
	t.Parallel()
	// Three levels: OR, AND, comparisons.
	tree := node("OR",
		node("AND",
			leaf("CONTAINS", "distinguishedName", "OU=Service Accounts"),
			leaf("NOT_EQUALS", "employeeType", "EMPLOYEE")),
		node("AND", leaf("STARTS_WITH", "sAMAccountName", "svc"), leaf("EQUALS", "objectClass", "user")),
		node("AND", leaf("STARTS_WITH", "sAMAccountName", "sa-"), leaf("EQUALS", "objectClass", "user")),
		leaf("EQUALS", "employeeType", "SERVICE"))
	p := compile(t, criteria(tree))

	tests := []struct {
		name  string
		attrs string
		want  bool
	}{
		{"service OU, no employeeType", `{"distinguishedName":"CN=x,OU=Service Accounts,DC=corp"}`, true},
		{"service OU, employee", `{"distinguishedName":"CN=x,OU=Service Accounts,DC=corp","employeeType":"Employee"}`, false},
		{"svc name and user", `{"sAMAccountName":"svcSQL","objectClass":["top","user"]}`, true},
		{"sa- name but a computer", `{"sAMAccountName":"sa-build","objectClass":["top","computer"]}`, false},
		{"employeeType SERVICE", `{"employeeType":"service"}`, true},
		{"nothing matches", `{"sAMAccountName":"jdoe","objectClass":["user"],"employeeType":"EMPLOYEE"}`, false},
		{"no attributes", ``, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := p.IsMachine(account(t, "n", "id", tt.attrs)); got != tt.want {
				t.Errorf("IsMachine = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestCompile(t *testing.T) {
	t.Parallel()
	a := account(t, "jdoe", "1", `{"sAMAccountName":"jdoe"}`)

	t.Run("source classifies everything", func(t *testing.T) {
		p := compile(t, `{"enabled":true,"classificationMethod":"SOURCE"}`)
		if !p.Enabled() || p.Method() != mica.MethodSource || !p.IsMachine(a) || !p.IsMachine(&classify.Account{}) {
			t.Errorf("SOURCE program: enabled=%v method=%q", p.Enabled(), p.Method())
		}
	})
	t.Run("source ignores criteria", func(t *testing.T) {
		p := compile(t, `{"enabled":true,"classificationMethod":"SOURCE","criteria":`+leaf("EQUALS", "x", "y")+`}`)
		if !p.IsMachine(a) {
			t.Error("SOURCE with criteria should still classify every account")
		}
	})
	t.Run("criteria method", func(t *testing.T) {
		p := compile(t, criteria(leaf("EQUALS", "sAMAccountName", "JDOE")))
		if !p.Enabled() || p.Method() != mica.MethodCriteria || !p.IsMachine(a) {
			t.Errorf("CRITERIA program: enabled=%v method=%q", p.Enabled(), p.Method())
		}
	})
	t.Run("disabled classifies nothing", func(t *testing.T) {
		for _, cfg := range []string{
			`{"enabled":false,"classificationMethod":"SOURCE"}`,
			`{"enabled":false,"classificationMethod":"CRITERIA","criteria":` + leaf("EQUALS", "sAMAccountName", "jdoe") + `}`,
			`{}`,
		} {
			p := compile(t, cfg)
			if p.Enabled() || p.Method() != "" || p.IsMachine(a) {
				t.Errorf("%s: enabled=%v method=%q", cfg, p.Enabled(), p.Method())
			}
		}
	})
	t.Run("nil config and nil program", func(t *testing.T) {
		p, err := classify.Compile(nil)
		if err != nil || p.Enabled() || p.IsMachine(a) {
			t.Errorf("Compile(nil) = %v, %v", p, err)
		}
		var nilProgram *classify.Program
		if nilProgram.Enabled() || nilProgram.IsMachine(a) || nilProgram.Method() != "" {
			t.Error("a nil program should classify nothing")
		}
	})
	t.Run("invalid config is EILLEGAL", func(t *testing.T) {
		for _, cfg := range []string{
			criteria(node("AND")),
			criteria(leaf("LIKE", "a", "b")),
			`{"enabled":true,"classificationMethod":"CRITERIA"}`,
			`{"enabled":true,"classificationMethod":"MANUAL"}`,
		} {
			var c mica.MachineClassificationConfig
			if err := json.Unmarshal([]byte(cfg), &c); err != nil {
				t.Fatal(err)
			}
			p, err := classify.Compile(&c)
			if p != nil || mica.ErrorCode(err) != mica.EILLEGAL {
				t.Errorf("Compile(%s) = %v, %v; want EILLEGAL", cfg, p, err)
			}
		}
	})
	t.Run("compile does not keep the config", func(t *testing.T) {
		var c mica.MachineClassificationConfig
		if err := json.Unmarshal([]byte(criteria(leaf("EQUALS", "sAMAccountName", "jdoe"))), &c); err != nil {
			t.Fatal(err)
		}
		p, err := classify.Compile(&c)
		if err != nil {
			t.Fatal(err)
		}
		*c.Criteria.Value = "other"
		c.Criteria.Operation = mica.OpNotEquals
		if !p.IsMachine(a) {
			t.Error("changing the config after Compile changed the program")
		}
	})
}

func TestIsMachineGoTypes(t *testing.T) {
	t.Parallel()
	a := &classify.Account{Attributes: map[string]any{
		"int": 512, "int64": int64(-7), "int32": int32(9), "uint64": uint64(18446744073709551615),
		"uint32": uint32(4), "float32": float32(1.5), "number": json.Number("66048"),
		"strings": []string{"a", "B"},
	}}
	for _, tt := range []struct{ attr, value string }{
		{"int", "512"}, {"int64", "-7"}, {"int32", "9"}, {"uint64", "18446744073709551615"},
		{"uint32", "4"}, {"float32", "1.5"}, {"number", "66048"}, {"strings", "b"},
	} {
		if !compile(t, criteria(leaf("EQUALS", tt.attr, tt.value))).IsMachine(a) {
			t.Errorf("%s EQUALS %q: want true", tt.attr, tt.value)
		}
	}
}

func TestIsMachineDoesNotAllocate(t *testing.T) {
	p := compile(t, criteria(node("OR",
		node("AND", leaf("CONTAINS", "distinguishedName", "ou=service"), leaf("NOT_EQUALS", "employeeType", "employee")),
		node("OR", leaf("ENDS_WITH", "userAccountControl", "47"), leafCS("EQUALS", "flags", "TRUE"),
			leaf("EQUALS", "ratio", "0.3"), leaf("STARTS_WITH", "big", "2e")),
		node("AND", leaf("EQUALS", "objectClass", "user"), leaf("EQUALS", "objectClass", "nope")),
		leaf("CONTAINS", "city", "ÖLN"),
		leaf("STARTS_WITH", "kelvin", "k"),
		leaf("EQUALS", "name", "zzz"),
	)))
	accounts := []*classify.Account{
		account(t, "svc", "1", `{"distinguishedName":"CN=svc,OU=Users,DC=corp","userAccountControl":66048,
			"flags":[1,true,"x"],"ratio":0.125,"big":1.5e300,"objectClass":["top","user"],"city":"Bérlin","kelvin":"ſk"}`),
		account(t, "jdoe", "2", `{"city":"K\u00f6ln\u212a","kelvin":"\u212aelvin","ratio":[0.25,2]}`),
		account(t, "x", "3", ``),
	}
	want := []bool{false, true, false} // the first and last run every leaf
	for i, a := range accounts {
		if got := p.IsMachine(a); got != want[i] {
			t.Errorf("account %d: IsMachine = %v, want %v", i, got, want[i])
		}
		if n := testing.AllocsPerRun(200, func() { p.IsMachine(a) }); n != 0 {
			t.Errorf("account %d: %v allocations per IsMachine, want 0", i, n)
		}
	}
}
