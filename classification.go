package mica

import (
	"strconv"
	"time"
	"unicode/utf8"
)

// Classification methods: how an account came to be classified as a machine
// account. Configs use SOURCE and CRITERIA; accounts can also be DISCOVERY or MANUAL.
const (
	MethodSource    = "SOURCE"
	MethodCriteria  = "CRITERIA"
	MethodDiscovery = "DISCOVERY"
	MethodManual    = "MANUAL"
)

// Criteria operations (MachineClassificationCriteriaOperation).
const (
	OpEquals     = "EQUALS"
	OpNotEquals  = "NOT_EQUALS"
	OpStartsWith = "STARTS_WITH"
	OpEndsWith   = "ENDS_WITH"
	OpContains   = "CONTAINS"
	OpAnd        = "AND"
	OpOr         = "OR"
)

// Criteria is one node of a machine classification criteria tree
// (MachineClassificationCriteriaLevel1..3): AND/OR nodes combine children,
// leaves compare an account attribute with a value.
type Criteria struct {
	Operation     string      `json:"operation"`
	CaseSensitive bool        `json:"caseSensitive"`
	DataType      *string     `json:"dataType"`
	Attribute     *string     `json:"attribute"`
	Value         *string     `json:"value"`
	Children      []*Criteria `json:"children"`
}

// MachineClassificationConfig is a source's machine classification configuration.
type MachineClassificationConfig struct {
	SourceID             string     `json:"-"`
	Enabled              bool       `json:"enabled"`
	ClassificationMethod string     `json:"classificationMethod,omitempty"`
	Criteria             *Criteria  `json:"criteria,omitempty"`
	Created              time.Time  `json:"created"`
	Modified             *time.Time `json:"modified"`
}

// Replaces stamps c, the config that replaces old (nil when the source has
// none): a replacement keeps the first config's creation time and is
// modified now; a first config is created now.
func (c *MachineClassificationConfig) Replaces(old *MachineClassificationConfig, now time.Time) {
	if old != nil {
		c.Created, c.Modified = old.Created, &now
		return
	}
	c.Created, c.Modified = now, nil
}

// Limits on a criteria tree, so one config cannot make classification slow or
// a stored config large.
const (
	MaxCriteriaDepth        = 3    // levels of nesting (MachineClassificationCriteriaLevel1..3)
	MaxCriteriaChildren     = 100  // children of one AND/OR node
	MaxCriteriaAttributeLen = 256  // bytes in a leaf's attribute name
	MaxCriteriaValueLen     = 1024 // bytes in a leaf's value
)

// IsCriteriaLeafOp reports whether op is a comparison a criteria leaf may use
// (EQUALS, NOT_EQUALS, STARTS_WITH, ENDS_WITH, CONTAINS).
func IsCriteriaLeafOp(op string) bool {
	switch op {
	case OpEquals, OpNotEquals, OpStartsWith, OpEndsWith, OpContains:
		return true
	}
	return false
}

// Validate checks a machine classification config. Every error is EILLEGAL and
// names the offending field, for criteria by its path (criteria.children[1].children[0]).
//
// classificationMethod may be empty only while the config is disabled; otherwise
// it is SOURCE or CRITERIA. CRITERIA needs criteria. Criteria given with SOURCE,
// or on a disabled config, are still validated (they are stored and used once the
// method changes). dataType is accepted and ignored, and caseSensitive is
// meaningful only on leaves.
func (c *MachineClassificationConfig) Validate() error {
	switch c.ClassificationMethod {
	case MethodSource, MethodCriteria:
	case "":
		if c.Enabled {
			return Errorf(EILLEGAL, "classificationMethod is required when enabled is true (SOURCE or CRITERIA)")
		}
	default:
		return Errorf(EILLEGAL, "classificationMethod %q is not one of SOURCE, CRITERIA", c.ClassificationMethod)
	}
	if c.Criteria == nil {
		if c.ClassificationMethod == MethodCriteria {
			return Errorf(EILLEGAL, "criteria: required when classificationMethod is CRITERIA")
		}
		return nil
	}
	return c.Criteria.validate("criteria", 1)
}

// validate checks node n, found at path and nesting level depth (1-based).
func (n *Criteria) validate(path string, depth int) error {
	switch n.Operation {
	case OpAnd, OpOr:
		if depth >= MaxCriteriaDepth {
			return Errorf(EILLEGAL, "%s: %s node at level %d: criteria nest at most %d levels, so level %d must be a comparison",
				path, n.Operation, depth, MaxCriteriaDepth, MaxCriteriaDepth)
		}
		if len(n.Children) == 0 {
			return Errorf(EILLEGAL, "%s: %s node needs at least one child", path, n.Operation)
		}
		if len(n.Children) > MaxCriteriaChildren {
			return Errorf(EILLEGAL, "%s: %s node has %d children, at most %d are allowed",
				path, n.Operation, len(n.Children), MaxCriteriaChildren)
		}
		if n.Attribute != nil && *n.Attribute != "" {
			return Errorf(EILLEGAL, "%s: %s node must not have an attribute", path, n.Operation)
		}
		if n.Value != nil && *n.Value != "" {
			return Errorf(EILLEGAL, "%s: %s node must not have a value", path, n.Operation)
		}
		for i, child := range n.Children {
			childPath := path + ".children[" + strconv.Itoa(i) + "]"
			if child == nil {
				return Errorf(EILLEGAL, "%s: must be an object, not null", childPath)
			}
			if err := child.validate(childPath, depth+1); err != nil {
				return err
			}
		}
		return nil
	case "":
		return Errorf(EILLEGAL, "%s: operation is required", path)
	}
	if !IsCriteriaLeafOp(n.Operation) {
		return Errorf(EILLEGAL, "%s: operation %q is not one of EQUALS, NOT_EQUALS, STARTS_WITH, ENDS_WITH, CONTAINS, AND, OR",
			path, clipForError(n.Operation, 64))
	}
	switch {
	case len(n.Children) > 0:
		return Errorf(EILLEGAL, "%s: %s comparison must not have children", path, n.Operation)
	case n.Attribute == nil || *n.Attribute == "":
		return Errorf(EILLEGAL, "%s: %s comparison needs an attribute", path, n.Operation)
	case len(*n.Attribute) > MaxCriteriaAttributeLen:
		return Errorf(EILLEGAL, "%s: attribute is %d bytes long, at most %d are allowed",
			path, len(*n.Attribute), MaxCriteriaAttributeLen)
	case n.Value == nil:
		return Errorf(EILLEGAL, "%s: %s comparison needs a value", path, n.Operation)
	case len(*n.Value) > MaxCriteriaValueLen:
		return Errorf(EILLEGAL, "%s: value is %d bytes long, at most %d are allowed",
			path, len(*n.Value), MaxCriteriaValueLen)
	}
	return nil
}

// clipForError shortens s to at most n bytes (on a rune boundary) for quoting in an error.
func clipForError(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "..."
}
