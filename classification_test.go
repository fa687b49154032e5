package mica_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/micahq/mica"
)

func TestMachineClassificationConfigValidate(t *testing.T) {
	t.Parallel()

	leaf := func(op, attr, value string) string {
		return `{"operation":"` + op + `","attribute":"` + attr + `","value":"` + value + `"}`
	}
	node := func(op string, children ...string) string {
		return `{"operation":"` + op + `","children":[` + strings.Join(children, ",") + `]}`
	}
	cfg := func(criteria string) string {
		return `{"enabled":true,"classificationMethod":"CRITERIA","criteria":` + criteria + `}`
	}
	many := func(n int) []string {
		out := make([]string, n)
		for i := range out {
			out[i] = leaf("EQUALS", "a", "b")
		}
		return out
	}

	tests := []struct {
		name string
		json string
		want string // "" for valid, else a substring of the error message
	}{
		{"source", `{"enabled":true,"classificationMethod":"SOURCE"}`, ""},
		{"disabled, no method", `{"enabled":false}`, ""},
		{"empty object", `{}`, ""},
		{"disabled criteria without criteria", `{"enabled":false,"classificationMethod":"CRITERIA"}`,
			"criteria: required when classificationMethod is CRITERIA"},
		{"enabled without method", `{"enabled":true}`, "classificationMethod is required"},
		{"unknown method", `{"enabled":true,"classificationMethod":"DISCOVERY"}`,
			`classificationMethod "DISCOVERY" is not one of SOURCE, CRITERIA`},
		{"lower-case method", `{"enabled":true,"classificationMethod":"source"}`, `classificationMethod "source"`},
		{"criteria without criteria", `{"enabled":true,"classificationMethod":"CRITERIA"}`, "criteria: required"},
		{"single leaf", cfg(leaf("EQUALS", "employeeType", "SERVICE")), ""},
		{"spec example, three levels", cfg(node("AND",
			leaf("CONTAINS", "distinguishedName", "OU=Service Accounts"),
			node("OR", leaf("EQUALS", "employeeType", "SERVICE"), leaf("STARTS_WITH", "sAMAccountName", "SVC")))), ""},
		{"every leaf operation", cfg(node("OR", leaf("EQUALS", "a", "x"), leaf("NOT_EQUALS", "a", "x"),
			leaf("STARTS_WITH", "a", "x"), leaf("ENDS_WITH", "a", "x"), leaf("CONTAINS", "a", "x"))), ""},
		{"empty value is a value", cfg(leaf("EQUALS", "a", "")), ""},
		{"leaf with empty children", cfg(`{"operation":"EQUALS","attribute":"a","value":"b","children":[]}`), ""},
		{"AND with empty attribute and null value", cfg(`{"operation":"AND","attribute":"","value":null,"children":[` +
			leaf("EQUALS", "a", "b") + `]}`), ""},
		{"dataType and caseSensitive accepted", cfg(`{"operation":"EQUALS","caseSensitive":true,"dataType":"STRING","attribute":"a","value":"b"}`), ""},
		{"SOURCE with invalid criteria", `{"enabled":true,"classificationMethod":"SOURCE","criteria":` +
			leaf("LIKE", "a", "b") + `}`, `criteria: operation "LIKE"`},
		{"disabled with invalid criteria", `{"enabled":false,"criteria":` + node("AND") + `}`,
			"criteria: AND node needs at least one child"},

		{"four levels", cfg(node("AND", node("OR", node("AND", leaf("EQUALS", "a", "b"))))),
			"criteria.children[0].children[0]: AND node at level 3"},
		{"AND without children", cfg(node("AND")), "criteria: AND node needs at least one child"},
		{"OR with null children", cfg(`{"operation":"OR","children":null}`), "criteria: OR node needs at least one child"},
		{"nested OR without children", cfg(node("AND", leaf("EQUALS", "a", "b"), node("OR"))),
			"criteria.children[1]: OR node needs at least one child"},
		{"AND with attribute", cfg(`{"operation":"AND","attribute":"a","children":[` + leaf("EQUALS", "a", "b") + `]}`),
			"criteria: AND node must not have an attribute"},
		{"OR with value", cfg(`{"operation":"OR","value":"v","children":[` + leaf("EQUALS", "a", "b") + `]}`),
			"criteria: OR node must not have a value"},
		{"null child", cfg(`{"operation":"OR","children":[` + leaf("EQUALS", "a", "b") + `,null]}`),
			"criteria.children[1]: must be an object, not null"},
		{"too many children", cfg(node("OR", many(mica.MaxCriteriaChildren+1)...)),
			"criteria: OR node has 101 children, at most 100 are allowed"},
		{"children at the cap", cfg(node("OR", many(mica.MaxCriteriaChildren)...)), ""},
		{"missing operation", cfg(`{"attribute":"a","value":"b"}`), "criteria: operation is required"},
		{"unknown operation", cfg(node("AND", leaf("EQUALS", "a", "b"), node("OR", leaf("EQUALS", "a", "b"), leaf("REGEX", "a", "b")))),
			`criteria.children[1].children[1]: operation "REGEX" is not one of`},
		{"lower-case operation", cfg(leaf("equals", "a", "b")), `criteria: operation "equals"`},
		{"long unknown operation is clipped", cfg(leaf(strings.Repeat("X", 500), "a", "b")), `XXX..." is not one of`},
		{"leaf without attribute", cfg(`{"operation":"EQUALS","value":"b"}`), "criteria: EQUALS comparison needs an attribute"},
		{"leaf with empty attribute", cfg(node("OR", leaf("CONTAINS", "", "b"))),
			"criteria.children[0]: CONTAINS comparison needs an attribute"},
		{"leaf without value", cfg(node("OR", leaf("EQUALS", "a", "b"), `{"operation":"ENDS_WITH","attribute":"a"}`)),
			"criteria.children[1]: ENDS_WITH comparison needs a value"},
		{"leaf with null value", cfg(`{"operation":"NOT_EQUALS","attribute":"a","value":null}`),
			"criteria: NOT_EQUALS comparison needs a value"},
		{"leaf with children", cfg(`{"operation":"EQUALS","attribute":"a","value":"b","children":[` + leaf("EQUALS", "a", "b") + `]}`),
			"criteria: EQUALS comparison must not have children"},
		{"attribute at the cap", cfg(leaf("EQUALS", strings.Repeat("a", mica.MaxCriteriaAttributeLen), "b")), ""},
		{"attribute too long", cfg(leaf("EQUALS", strings.Repeat("a", mica.MaxCriteriaAttributeLen+1), "b")),
			"criteria: attribute is 257 bytes long, at most 256 are allowed"},
		{"value at the cap", cfg(leaf("EQUALS", "a", strings.Repeat("v", mica.MaxCriteriaValueLen))), ""},
		{"value too long", cfg(node("AND", node("OR", leaf("EQUALS", "a", strings.Repeat("v", mica.MaxCriteriaValueLen+1))))),
			"criteria.children[0].children[0]: value is 1025 bytes long, at most 1024 are allowed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var c mica.MachineClassificationConfig
			if err := json.Unmarshal([]byte(tt.json), &c); err != nil {
				t.Fatalf("bad test JSON: %v", err)
			}
			err := c.Validate()
			if tt.want == "" {
				if err != nil {
					t.Fatalf("Validate() = %v, want nil", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("Validate() = nil, want error containing %q", tt.want)
			}
			if code := mica.ErrorCode(err); code != mica.EILLEGAL {
				t.Errorf("code = %q, want %q", code, mica.EILLEGAL)
			}
			if msg := mica.ErrorMessage(err); !strings.Contains(msg, tt.want) {
				t.Errorf("message = %q, want it to contain %q", msg, tt.want)
			}
		})
	}
}
