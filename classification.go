package mica

import "time"

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
