// Package query is the V3 collections engine every list endpoint uses: it parses
// the standard `filters`, `sorters`, `limit`, `offset` and `count` parameters,
// resolves filters and sorters through a per-resource allowlist of public field
// names, and compiles them to SQL for a Dialect (SQLite or PostgreSQL).
//
// Semantics, shared by both dialects and by the in-memory evaluator of the tests:
//
//   - Every compiled predicate is two-valued: a NULL column makes a comparison
//     false, never SQL NULL, so `not (x)` is the exact complement of `x`.
//   - `ne` is true on a NULL column (null differs from every value); it is the
//     exact complement of `eq`.
//   - String comparisons (eq, ne, gt, ge, lt, le, in, co, sw, ca) are
//     case-insensitive. SQLite folds ASCII letters only (COLLATE NOCASE and
//     lower()), PostgreSQL folds with lower() under the database collation.
//   - `co` and `sw` treat every character of the value literally (%, _ and \
//     included): they are compiled to instr/strpos, not LIKE.
//   - Sorting on string columns is case-insensitive (COLLATE NOCASE on SQLite,
//     lower() on PostgreSQL). NULLs sort first ascending and last descending on
//     both dialects. The resource's IDColumn is always the final tie-breaker, so
//     offset paging never repeats or skips an item.
//   - Date-times compare in time order. Stored values have millisecond
//     precision (Precision), the precision the API shows, so a value taken from
//     a response finds exactly its item; a literal with finer precision is
//     compared exactly (e.g. `eq` matches nothing) rather than rounded. `sw` on
//     a date-time is a prefix of its text as the API shows it (TimeLayout).
package query

import (
	"fmt"
	"strings"

	"github.com/micahq/mica"
)

// Caps on the size of a request. Each exceeded cap is a 400 that names it.
const (
	// MaxFilterLength is the longest accepted `filters` value, in characters.
	MaxFilterLength = 4096
	// MaxFilterDepth is the deepest accepted nesting of parentheses and `not`.
	MaxFilterDepth = 16
	// MaxListItems is the longest accepted list of an `in` or `ca` operator.
	MaxListItems = 250
	// MaxSortTerms is the largest accepted number of terms in `sorters`.
	MaxSortTerms = 8
	// MaxSortersLength is the longest accepted `sorters` value, in bytes.
	MaxSortersLength = 1024
)

// FieldType is the type of a filterable or sortable field; it decides which
// literals and operators the field accepts and how values are compared.
type FieldType int

// Field types. The zero value is invalid, so a forgotten type is caught by
// Resource.Validate.
const (
	// String is a text column, compared case-insensitively.
	String FieldType = iota + 1
	// Bool is a boolean column: INTEGER 0/1 on SQLite, boolean on PostgreSQL.
	Bool
	// Time is a date-time column at millisecond precision: fixed-width UTC
	// TEXT (see FormatTime) on SQLite, timestamptz(3) on PostgreSQL.
	Time
	// Number is a numeric column.
	Number
	// StringList is a multi-valued column: a JSON array of strings as TEXT on
	// SQLite, a jsonb array of strings on PostgreSQL. It supports `ca` (contains
	// all) and `co` (contains an element equal to, case-insensitively).
	StringList
	// Object is a JSON object column, as the JSON text mica writes (keys
	// sorted, no spaces: encoding/json's form); a NULL column is the empty
	// object. A literal is a string holding a JSON object: `eq` compares
	// objects (key order and spacing aside), and sorting orders their text
	// byte by byte.
	Object
)

// String returns the name of the type as used in error messages.
func (t FieldType) String() string {
	switch t {
	case String:
		return "string"
	case Bool:
		return "boolean"
	case Time:
		return "date-time"
	case Number:
		return "number"
	case StringList:
		return "string list"
	case Object:
		return "JSON object"
	}
	return fmt.Sprintf("FieldType(%d)", int(t))
}

// Op is a filter operator, spelled as on the wire.
type Op string

// Filter operators (REFERENCE.md §10). They are lower-case only.
const (
	Eq     Op = "eq"     // equal
	Ne     Op = "ne"     // not equal; true on NULL
	Gt     Op = "gt"     // greater than
	Ge     Op = "ge"     // greater than or equal
	Lt     Op = "lt"     // less than
	Le     Op = "le"     // less than or equal
	Co     Op = "co"     // contains (substring; element for StringList)
	Sw     Op = "sw"     // starts with
	In     Op = "in"     // equal to one of a list
	Ca     Op = "ca"     // StringList contains all of a list
	Pr     Op = "pr"     // present (not null), prefix: `pr field`
	IsNull Op = "isnull" // null, postfix: `field isnull`
)

// allOps lists every operator, in the order used by messages.
var allOps = []Op{Eq, Ne, Gt, Ge, Lt, Le, Co, Sw, In, Ca, Pr, IsNull}

func isOp(s string) bool {
	for _, o := range allOps {
		if string(o) == s {
			return true
		}
	}
	return false
}

// typeOps lists the operators that make sense for each field type.
var typeOps = map[FieldType][]Op{
	String:     {Eq, Ne, Gt, Ge, Lt, Le, Co, Sw, In, Pr, IsNull},
	Bool:       {Eq, Ne, In, Pr, IsNull},
	Time:       {Eq, Ne, Gt, Ge, Lt, Le, In, Sw, Pr, IsNull},
	Number:     {Eq, Ne, Gt, Ge, Lt, Le, In, Pr, IsNull},
	StringList: {Ca, Co, Pr, IsNull},
	Object:     {Eq, Ne},
}

// Field is a filterable field of a resource: its public name, the SQL
// expression it maps to, its type and the operators it allows.
type Field struct {
	Name   string    // public name, e.g. "accountSource.id"
	Column string    // SQL expression, e.g. "a.source_id"
	Type   FieldType // decides literals and comparison
	Ops    []Op      // operators this field allows
	// Exists makes the field multi-valued: "FROM t x WHERE x.parent = p.id",
	// the rows holding its values, of which Column is one column. A condition
	// holds when some row satisfies it; isnull when no row has a value. Only
	// eq, in, sw, co, pr and isnull apply.
	Exists string
}

func (f *Field) allows(op Op) bool {
	for _, o := range f.Ops {
		if o == op {
			return true
		}
	}
	return false
}

// Sorter is a sortable field of a resource: its public name and the SQL
// expression it maps to. Type is optional: when zero it is taken from the
// Field with the same Column (or Name); String sorters order case-insensitively.
type Sorter struct {
	Name   string
	Column string
	Type   FieldType
}

// Resource is the allowlist of one list endpoint: which fields can be filtered
// and sorted, and how they map to SQL.
type Resource struct {
	Name        string   // e.g. "source-apps", used in messages
	Fields      []Field  // filterable fields
	Sorters     []Sorter // sortable fields
	IDColumn    string   // stable tie-breaker column appended to every ORDER BY
	DefaultSort string   // public sorter syntax, e.g. "name" or "-created"; "" means IDColumn
}

// field returns the filterable field with the given public name, or nil.
func (r *Resource) field(name string) *Field {
	for i := range r.Fields {
		if r.Fields[i].Name == name {
			return &r.Fields[i]
		}
	}
	return nil
}

// sorter returns the sortable field with the given public name, or nil.
func (r *Resource) sorter(name string) *Sorter {
	for i := range r.Sorters {
		if r.Sorters[i].Name == name {
			return &r.Sorters[i]
		}
	}
	return nil
}

// sorterType returns the type a sorter orders by, 0 when it cannot be known.
func (r *Resource) sorterType(s *Sorter) FieldType {
	if s.Type != 0 {
		return s.Type
	}
	for i := range r.Fields {
		if r.Fields[i].Column == s.Column {
			return r.Fields[i].Type
		}
	}
	if f := r.field(s.Name); f != nil {
		return f.Type
	}
	return 0
}

func (r *Resource) fieldNames() string {
	names := make([]string, len(r.Fields))
	for i, f := range r.Fields {
		names[i] = f.Name
	}
	return strings.Join(names, ", ")
}

func (r *Resource) sorterNames() string {
	names := make([]string, len(r.Sorters))
	for i, s := range r.Sorters {
		names[i] = s.Name
	}
	return strings.Join(names, ", ")
}

// Validate reports a programming error in the allowlist: duplicate or malformed
// names, missing columns, unknown types, operators that do not fit a field's
// type, or a DefaultSort that does not resolve. Tests call it on every resource.
func (r *Resource) Validate() error {
	if r.Name == "" {
		return fmt.Errorf("query: resource has no name")
	}
	if r.IDColumn == "" {
		return fmt.Errorf("query: resource %s has no IDColumn", r.Name)
	}
	seen := map[string]bool{}
	for _, f := range r.Fields {
		if !isFieldName(f.Name) {
			return fmt.Errorf("query: resource %s: malformed field name %q", r.Name, f.Name)
		}
		if seen[f.Name] {
			return fmt.Errorf("query: resource %s: duplicate field %q", r.Name, f.Name)
		}
		seen[f.Name] = true
		if f.Column == "" {
			return fmt.Errorf("query: resource %s: field %q has no column", r.Name, f.Name)
		}
		valid, ok := typeOps[f.Type]
		if !ok {
			return fmt.Errorf("query: resource %s: field %q has invalid type %v", r.Name, f.Name, f.Type)
		}
		if len(f.Ops) == 0 {
			return fmt.Errorf("query: resource %s: field %q allows no operator", r.Name, f.Name)
		}
		ops := map[Op]bool{}
		for _, o := range f.Ops {
			if ops[o] {
				return fmt.Errorf("query: resource %s: field %q lists operator %q twice", r.Name, f.Name, o)
			}
			ops[o] = true
			if !containsOp(valid, o) {
				return fmt.Errorf("query: resource %s: operator %q does not fit %v field %q", r.Name, o, f.Type, f.Name)
			}
			if f.Exists != "" && !containsOp([]Op{Eq, In, Sw, Co, Pr, IsNull}, o) {
				return fmt.Errorf("query: resource %s: operator %q does not fit multi-valued field %q", r.Name, o, f.Name)
			}
		}
	}
	seen = map[string]bool{}
	for _, s := range r.Sorters {
		if !isFieldName(s.Name) {
			return fmt.Errorf("query: resource %s: malformed sorter name %q", r.Name, s.Name)
		}
		if seen[s.Name] {
			return fmt.Errorf("query: resource %s: duplicate sorter %q", r.Name, s.Name)
		}
		seen[s.Name] = true
		if s.Column == "" {
			return fmt.Errorf("query: resource %s: sorter %q has no column", r.Name, s.Name)
		}
		if _, ok := typeOps[s.Type]; s.Type != 0 && !ok {
			return fmt.Errorf("query: resource %s: sorter %q has invalid type %v", r.Name, s.Name, s.Type)
		}
	}
	if _, err := r.defaultOrder(); err != nil {
		return err
	}
	return nil
}

func containsOp(ops []Op, op Op) bool {
	for _, o := range ops {
		if o == op {
			return true
		}
	}
	return false
}

func opList(ops []Op) string {
	s := make([]string, len(ops))
	for i, o := range ops {
		s[i] = string(o)
	}
	return strings.Join(s, ", ")
}

// isFieldName reports whether s is a dotted identifier such as "owner.id".
func isFieldName(s string) bool {
	if s == "" {
		return false
	}
	start := true
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '.':
			if start {
				return false
			}
			start = true
		case c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z':
			start = false
		case c >= '0' && c <= '9':
			if start {
				return false
			}
		default:
			return false
		}
	}
	return !start
}

func invalid(format string, args ...any) error {
	return mica.Errorf(mica.EINVALID, format, args...)
}

func illegal(format string, args ...any) error {
	return mica.Errorf(mica.EILLEGAL, format, args...)
}
