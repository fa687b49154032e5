package classify

import (
	"strconv"

	"github.com/micahq/mica"
)

// NodeResult is one criteria node evaluated on one account: which node (its
// path, as Validate names it: criteria, criteria.children[1], ...), what it
// compares, and whether it matched.
type NodeResult struct {
	Path      string `json:"path"`
	Level     int    `json:"level"`
	Operation string `json:"operation"`
	Attribute string `json:"attribute,omitempty"`
	Value     string `json:"value,omitempty"`
	Matched   bool   `json:"matched"`
}

// Explain evaluates every node of cfg's criteria on a, with the engine's own
// comparisons, and returns each node's result in tree order (a parent before
// its children). Unlike IsMachine it does not stop at the first deciding
// child, so the answer shows every node that matched. It returns nil for a
// config without criteria (SOURCE, or none) and the config's error when it is
// invalid.
func Explain(cfg *mica.MachineClassificationConfig, a *Account) ([]NodeResult, error) {
	if cfg == nil || cfg.Criteria == nil || cfg.ClassificationMethod != mica.MethodCriteria {
		return nil, nil
	}
	p, err := Compile(cfg)
	if err != nil {
		return nil, err
	}
	var out []NodeResult
	var f frame
	var walk func(n *node, c *mica.Criteria, path string, level int) bool
	walk = func(n *node, c *mica.Criteria, path string, level int) bool {
		at := len(out)
		r := NodeResult{Path: path, Level: level, Operation: c.Operation}
		if c.Attribute != nil {
			r.Attribute = *c.Attribute
		}
		if c.Value != nil {
			r.Value = *c.Value
		}
		out = append(out, r)
		var matched bool
		switch n.op {
		case opAnd, opOr:
			matched = n.op == opAnd
			for i := range n.children {
				m := walk(&n.children[i], c.Children[i], path+".children["+strconv.Itoa(i)+"]", level+1)
				if n.op == opAnd {
					matched = matched && m
				} else {
					matched = matched || m
				}
			}
		default:
			matched = n.eval(a, &f)
		}
		out[at].Matched = matched
		return matched
	}
	walk(p.root, cfg.Criteria, "criteria", 1)
	return out, nil
}
