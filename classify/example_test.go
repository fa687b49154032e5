package classify_test

import (
	"encoding/json"
	"fmt"

	"github.com/micahq/mica"
	"github.com/micahq/mica/classify"
)

func ExampleCompile() {
	var cfg mica.MachineClassificationConfig
	_ = json.Unmarshal([]byte(`{
		"enabled": true,
		"classificationMethod": "CRITERIA",
		"criteria": {"operation": "AND", "children": [
			{"operation": "CONTAINS", "attribute": "distinguishedName", "value": "OU=Service Accounts"},
			{"operation": "OR", "children": [
				{"operation": "EQUALS", "attribute": "employeeType", "value": "SERVICE"},
				{"operation": "STARTS_WITH", "attribute": "sAMAccountName", "value": "SVC"}
			]}
		]}
	}`), &cfg)
	p, err := classify.Compile(&cfg)
	if err != nil {
		panic(err)
	}
	a := &classify.Account{Name: "svc_sql", Attributes: map[string]any{
		"sAMAccountName":    "svc_sql",
		"distinguishedName": "CN=svc_sql,OU=Service Accounts,DC=corp,DC=example,DC=com",
	}}
	state, changed := classify.Decide(classify.ModeDefault, p, a, classify.State{})
	fmt.Println(p.IsMachine(a), state.Method, changed)
	// Output: true CRITERIA true
}

func ExampleDiscover() {
	v := classify.Discover(&classify.Account{Name: "WS-0142$", Attributes: map[string]any{
		"sAMAccountName":     "WS-0142$",
		"objectClass":        []any{"top", "person", "organizationalPerson", "user", "computer"},
		"userAccountControl": 4096.0,
		"lastLogonTimestamp": 133480123456789012.0,
	}})
	fmt.Println(v.Machine, v.Confidence > 0.95, v.Subtype)
	for _, s := range v.Signals {
		fmt.Printf("%s (%s): %s\n", s.Name, map[bool]string{true: "machine", false: "person"}[s.Weight > 0], s.Detail)
	}
	fmt.Println("without", v.Counterfactual.Signals, "it would be a person's")
	// Output:
	// true true computer
	// computerAccount (machine): objectClass computer
	// without [computerAccount] it would be a person's
}
