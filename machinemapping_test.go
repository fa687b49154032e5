package mica_test

import (
	"testing"

	"github.com/micahq/mica"
)

func mapping(typ, attr, transform, id, input string) *mica.MachineAccountMapping {
	return &mica.MachineAccountMapping{Target: mica.MappingTarget{Type: typ, AttributeName: attr},
		Transform: mica.MappingTransform{Type: transform, ID: id, Attributes: mica.MappingTransformArg{
			Input: mica.MappingInput{Type: "accountAttribute", Attributes: mica.MappingInputAttrs{AttributeName: input}}}}}
}

func TestMappingValidate(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name string
		m    *mica.MachineAccountMapping
		code string
	}{
		{"account field", mapping("ACCOUNT", "environment", "reference", "ToUpper", "env"), ""},
		{"custom attribute", mapping("IDENTITY", "attributes.team", "accountAttribute", "", "team"), ""},
		{"owner by email", mapping("OWNER_IDENTITY", "email", "reference", "ToLower", "mgr"), ""},
		{"unknown field", mapping("ACCOUNT", "colour", "reference", "", "env"), mica.EILLEGAL},
		{"owner field on an account", mapping("OWNER_ACCOUNT", "environment", "reference", "", "env"), mica.EILLEGAL},
		{"unknown target", mapping("GROUP", "name", "reference", "", "env"), mica.EILLEGAL},
		{"no target", mapping("", "name", "reference", "", "env"), mica.EMISSING},
		{"unknown transform", mapping("ACCOUNT", "environment", "reference", "Reverse", "env"), mica.EILLEGAL},
		{"id on a plain input", mapping("ACCOUNT", "environment", "accountAttribute", "ToUpper", "env"), mica.EILLEGAL},
		{"no input attribute", mapping("ACCOUNT", "environment", "reference", "", ""), mica.EMISSING},
	} {
		if got := mica.ErrorCode(c.m.Validate("src")); got != c.code {
			t.Errorf("%s: code %q, want %q", c.name, got, c.code)
		}
	}
	other := mapping("ACCOUNT", "environment", "reference", "", "env")
	other.Transform.Attributes.Input.Attributes.Name = "another source"
	if mica.ErrorCode(other.Validate("src")) != mica.EILLEGAL {
		t.Error("a mapping reading another source's accounts was accepted")
	}
	twice := []*mica.MachineAccountMapping{mapping("ACCOUNT", "environment", "reference", "", "a"),
		mapping("ACCOUNT", "environment", "reference", "", "b")}
	if mica.ErrorCode(mica.ValidateMappings("src", twice)) != mica.ECONFLICT {
		t.Error("a target mapped twice was accepted")
	}
}

func TestPlanMappings(t *testing.T) {
	t.Parallel()
	ms := []*mica.MachineAccountMapping{mapping("ACCOUNT", "environment", "reference", "ToUpper", "env"),
		mapping("ACCOUNT", "attributes.team", "reference", "Trim", "team"),
		mapping("ACCOUNT", "subtype", "accountAttribute", "", "kind"),
		mapping("OWNER_ACCOUNT", "name", "reference", "ToLower", "mgr"),
		mapping("IDENTITY", "description", "accountAttribute", "", "purpose")}
	p := mica.PlanMappings("src", ms, map[string]any{"env": []any{"prod", "test"}, "team": "  dba ", "kind": "gmsa",
		"mgr": "ALICE", "purpose": ""})
	if p.Account["environment"] != "PROD" || p.Account["attributes.team"] != "dba" || p.OwnerAccount != "alice" ||
		p.OwnerAccountBy != "name" || p.OwnerSourceID != "src" || len(p.Identity) != 0 {
		t.Fatalf("plan = %+v", p)
	}
	a := &mica.Account{Environment: "PROD"}
	changed := p.ApplyToAccount(a, func(v string) (string, bool) { return "gMSA", v == "gmsa" })
	if !changed || a.Subtype != "gMSA" || a.MachineAttributes["team"] != "dba" {
		t.Fatalf("applied = %+v", a)
	}
	if p.ApplyToAccount(a, func(string) (string, bool) { return "gMSA", true }) {
		t.Fatal("applying the same plan again changed the account")
	}
	if q := mica.PlanMappings("src", ms, map[string]any{}); !q.Empty() {
		t.Fatalf("a plan from no attributes = %+v", q)
	}
}
