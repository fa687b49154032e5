// Package classify decides whether accounts are machine accounts. It is pure: no
// I/O, no clock, no globals that change.
//
// # Criteria
//
// A source's [mica.MachineClassificationConfig] is compiled once with [Compile]
// and the resulting [Program] is then run on every account with
// [Program.IsMachine], which does not allocate.
//
// A leaf compares one account attribute with its value:
//
//   - Attribute lookup is by exact key in [Account.Attributes] (the source
//     schema's attribute name, case-sensitive). The names "name" and
//     "nativeIdentity" fall back to the account's own [Account.Name] and
//     [Account.NativeIdentity] when the attributes map has no non-null value
//     under that key; an attribute of that name, when present, wins.
//   - A missing or null attribute has no values: EQUALS, STARTS_WITH, ENDS_WITH
//     and CONTAINS are false, NOT_EQUALS is true.
//   - A multi-valued attribute (a list) matches a positive operator when ANY of
//     its values matches; NOT_EQUALS matches when NO value equals. An empty list
//     is the same as a missing attribute.
//   - Numbers and booleans compare by their canonical text: 512, 1.5, 1e+21,
//     true, false (numbers as encoding/json writes a float64). Objects and
//     nested lists never match.
//   - caseSensitive false (the default) compares under Unicode simple case
//     folding, as [strings.EqualFold] does; true compares bytes.
//
// AND and OR nodes combine their children with short-circuit evaluation.
//
// # Modes
//
// [Decide] applies a classification mode (ClassificationMode) to one account;
// see [Mode] for what each does.
//
// # Discovery
//
// [Discover] judges whether an account is a machine account from what its
// attributes mean and from its context, without any configuration, with a
// calibrated confidence, a subtype and an explanation; [Score] is its fast path.
// Discovery only recommends (Account.recommendation, method DISCOVERY); it
// never sets isMachine by itself.
package classify

import (
	"encoding/json"
	"math"
	"strconv"
	"strings"

	"github.com/micahq/mica"
)

// Account is the part of an account that classification reads. Attribute
// values are as decoded from JSON (string, float64, bool, nil, []any of those);
// []string and Go integer types are accepted too.
type Account struct {
	Name           string
	NativeIdentity string
	Attributes     map[string]any

	// What discovery knows of the account beyond its attributes, when the
	// caller knows it: its correlation to an identity, and its source's
	// people (see [LearnPopulation]). Criteria do not read them.
	Correlation  Correlation
	IdentityLeft int64 // CorrelatedLeaver: the day the person left (days since 1970-01-01), 0 when not known
	Population   *Population
}

// Program is a compiled machine classification config. It is immutable and
// safe for concurrent use.
type Program struct {
	enabled bool
	method  string // mica.MethodSource or mica.MethodCriteria when enabled
	root    *node  // nil unless method is CRITERIA
}

// frameSlots is how many distinct attributes one evaluation caches, so that an
// attribute used by several leaves is looked up once per account. Attributes
// beyond it are looked up by every leaf that uses them.
const frameSlots = 16

// frame caches attribute values during one evaluation; it lives on the stack.
type frame struct {
	have uint32 // bit i set: vals[i] is loaded
	vals [frameSlots]any
}

// Compile validates cfg and compiles it for evaluation. Every config that
// passes [mica.MachineClassificationConfig.Validate] compiles; every other
// config is rejected with that error (EILLEGAL).
//
// A disabled config compiles to a Program that classifies nothing: its
// [Program.Enabled] is false and [Program.IsMachine] is always false.
func Compile(cfg *mica.MachineClassificationConfig) (*Program, error) {
	if cfg == nil {
		return &Program{}, nil
	}
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	p := &Program{enabled: cfg.Enabled && cfg.ClassificationMethod != "", method: cfg.ClassificationMethod}
	if cfg.ClassificationMethod == mica.MethodCriteria {
		p.root = &node{}
		compileInto(p.root, cfg.Criteria, map[string]int{})
	}
	if !p.enabled {
		p.method = ""
	}
	return p, nil
}

// Enabled reports whether the config classifies accounts at all.
func (p *Program) Enabled() bool { return p != nil && p.enabled }

// Method is the classification method that machine accounts found by this
// program carry: SOURCE or CRITERIA, or "" when the program is disabled.
func (p *Program) Method() string {
	if p == nil {
		return ""
	}
	return p.method
}

// IsMachine reports whether the config classifies a as a machine account:
// always for SOURCE, by the criteria for CRITERIA, never when disabled.
// It does not allocate.
func (p *Program) IsMachine(a *Account) bool {
	if !p.Enabled() {
		return false
	}
	if p.root == nil {
		return true // SOURCE
	}
	var f frame
	return p.root.eval(a, &f)
}

// opcode is a compiled operation.
type opcode uint8

const (
	opAnd opcode = iota
	opOr
	opEquals
	opStartsWith
	opEndsWith
	opContains
)

// selfField says which of the account's own fields backs an attribute name.
type selfField uint8

const (
	selfNone selfField = iota
	selfName
	selfNativeIdentity
)

// node is a compiled criteria node.
type node struct {
	op     opcode
	negate bool // NOT_EQUALS: opEquals, negated after the any-value match
	fold   bool // case-insensitive
	ascii  bool // value is ASCII
	self   selfField
	slot   int // index into frame.vals, or -1
	attr   string
	value  string // ASCII-lower-cased when fold
	// For EQUALS and NOT_EQUALS: value is the canonical text of the finite
	// number num, so a float64 attribute compares as a number, without
	// formatting it. When numOK is false no finite float64 has value as its text.
	num      float64
	numOK    bool
	children []node
}

// compileInto lowers validated criteria node c into n; slots numbers the
// distinct attributes as they are first seen.
func compileInto(n *node, c *mica.Criteria, slots map[string]int) {
	switch c.Operation {
	case mica.OpAnd, mica.OpOr:
		n.op = opAnd
		if c.Operation == mica.OpOr {
			n.op = opOr
		}
		n.children = make([]node, len(c.Children))
		for i, child := range c.Children {
			compileInto(&n.children[i], child, slots)
		}
		return
	case mica.OpEquals:
		n.op = opEquals
	case mica.OpNotEquals:
		n.op, n.negate = opEquals, true
	case mica.OpStartsWith:
		n.op = opStartsWith
	case mica.OpEndsWith:
		n.op = opEndsWith
	case mica.OpContains:
		n.op = opContains
	}
	n.attr = *c.Attribute
	switch n.attr {
	case "name":
		n.self = selfName
	case "nativeIdentity":
		n.self = selfNativeIdentity
	}
	slot, ok := slots[n.attr]
	if !ok {
		slot = len(slots)
		slots[n.attr] = slot
	}
	n.slot = -1
	if slot < frameSlots {
		n.slot = slot
	}
	n.fold = !c.CaseSensitive
	n.value = *c.Value
	if n.fold {
		n.value = asciiLower(n.value)
	}
	n.ascii = isASCII(n.value)
	if f, err := strconv.ParseFloat(n.value, 64); err == nil && !math.IsInf(f, 0) && !math.IsNaN(f) {
		var buf [32]byte
		n.num, n.numOK = f, string(appendFloat(buf[:0], f, 64)) == n.value
	}
}

// eval evaluates n on a, caching attribute values in f.
func (n *node) eval(a *Account, f *frame) bool {
	switch n.op {
	case opAnd:
		for i := range n.children {
			if !n.children[i].eval(a, f) {
				return false
			}
		}
		return true
	case opOr:
		for i := range n.children {
			if n.children[i].eval(a, f) {
				return true
			}
		}
		return false
	}
	var v any
	if n.slot >= 0 && f.have&(1<<n.slot) != 0 {
		v = f.vals[n.slot]
	} else {
		v = a.Attributes[n.attr]
		if n.slot >= 0 {
			f.vals[n.slot] = v
			f.have |= 1 << n.slot
		}
	}
	if v == nil && n.self != selfNone {
		if n.self == selfName {
			return n.match(a.Name) != n.negate
		}
		return n.match(a.NativeIdentity) != n.negate
	}
	return n.any(v) != n.negate
}

// any reports whether any value of attribute value v satisfies n's positive comparison.
func (n *node) any(v any) bool {
	switch x := v.(type) {
	case nil:
		return false
	case string:
		return n.match(x)
	case []any:
		for _, e := range x {
			if n.scalar(e) {
				return true
			}
		}
		return false
	case []string:
		for _, e := range x {
			if n.match(e) {
				return true
			}
		}
		return false
	}
	return n.scalar(v)
}

// scalar compares one non-list value; objects and lists never match.
func (n *node) scalar(v any) bool {
	var buf [32]byte
	switch x := v.(type) {
	case string:
		return n.match(x)
	case bool:
		if x {
			return n.match("true")
		}
		return n.match("false")
	case float64:
		if n.op == opEquals && !math.IsInf(x, 0) && !math.IsNaN(x) {
			return n.numOK && x == n.num && math.Signbit(x) == math.Signbit(n.num)
		}
		return n.match(string(appendFloat(buf[:0], x, 64)))
	case float32:
		return n.match(string(appendFloat(buf[:0], float64(x), 32)))
	case int:
		return n.match(string(strconv.AppendInt(buf[:0], int64(x), 10)))
	case int64:
		return n.match(string(strconv.AppendInt(buf[:0], x, 10)))
	case int32:
		return n.match(string(strconv.AppendInt(buf[:0], int64(x), 10)))
	case uint64:
		return n.match(string(strconv.AppendUint(buf[:0], x, 10)))
	case uint32:
		return n.match(string(strconv.AppendUint(buf[:0], uint64(x), 10)))
	case json.Number:
		return n.match(string(x))
	}
	return false
}

// match applies n's positive comparison to one string.
func (n *node) match(s string) bool {
	if n.fold {
		switch n.op {
		case opEquals:
			return equalFold(s, n.value)
		case opStartsWith:
			return hasPrefixFold(s, n.value)
		case opEndsWith:
			return hasSuffixFold(s, n.value)
		default:
			if n.ascii && isASCII(s) {
				return containsASCIIFold(s, n.value)
			}
			return containsFold(s, n.value)
		}
	}
	switch n.op {
	case opEquals:
		return s == n.value
	case opStartsWith:
		return len(s) >= len(n.value) && s[:len(n.value)] == n.value
	case opEndsWith:
		return len(s) >= len(n.value) && s[len(s)-len(n.value):] == n.value
	default:
		return strings.Contains(s, n.value)
	}
}

// appendFloat writes f as encoding/json does: the shortest decimal form, in
// exponent notation only when very large or very small.
func appendFloat(b []byte, f float64, bits int) []byte {
	if math.IsInf(f, 0) || math.IsNaN(f) {
		return strconv.AppendFloat(b, f, 'g', -1, bits)
	}
	abs := math.Abs(f)
	format := byte('f')
	if abs != 0 {
		if bits == 64 && (abs < 1e-6 || abs >= 1e21) || bits == 32 && (float32(abs) < 1e-6 || float32(abs) >= 1e21) {
			format = 'e'
		}
	}
	b = strconv.AppendFloat(b, f, format, -1, bits)
	if format == 'e' {
		// clean up e-09 to e-9, as encoding/json does
		n := len(b)
		if n >= 4 && b[n-4] == 'e' && b[n-3] == '-' && b[n-2] == '0' {
			b[n-2] = b[n-1]
			b = b[:n-1]
		}
	}
	return b
}
