package query

import (
	"fmt"
	"strings"
	"time"
)

// In-memory evaluation: the same filters and sort orders as the SQLite dialect,
// over rows in memory. The SQLite store uses it to answer a list from a cached
// snapshot; the property and fuzz tests check it against the compiled SQL on a
// real SQLite database (query/property_test.go, query/fuzz_test.go).

// Row is one item of a resource. Value returns the value of a public field or
// sorter name: a string, bool, float64, time.Time or []string, nil for NULL;
// an Object is its JSON text in encoding/json's form ("{}" for none).
type Row interface {
	Value(name string) any
}

// Filter is a filter resolved through a resource's allowlist, for evaluation
// in memory.
type Filter struct {
	r *Resource
	x Expr // nil: no filter, every row matches
}

// Filter parses and checks filters exactly as Compile does (same errors).
func (r *Resource) Filter(filters string) (*Filter, error) {
	if _, err := r.Compile(SQLite, filters, "", 0); err != nil {
		return nil, err
	}
	x, err := Parse(filters)
	if err != nil {
		return nil, err
	}
	return &Filter{r: r, x: x}, nil
}

// Match reports whether row satisfies the filter (two-valued, as the SQL).
func (f *Filter) Match(row Row) bool {
	return f.x == nil || matchExpr(f.r, f.x, row)
}

// Order is a sort order resolved through a resource's allowlist, with the id
// as the final tie-breaker, for sorting in memory.
type Order struct {
	keys []sortKey
	id   string // the public name of IDColumn
}

// Order parses and checks sorters exactly as Compile does (same errors); no
// sorters means the resource's default sort.
func (r *Resource) Order(sorters string) (*Order, error) {
	terms, err := ParseSorters(sorters)
	if err != nil {
		return nil, err
	}
	keys, err := r.sortKeys(terms)
	if err != nil {
		return nil, err
	}
	o := &Order{keys: keys}
	for i := range r.Fields {
		if r.Fields[i].Column == r.IDColumn {
			o.id = r.Fields[i].Name
		}
	}
	for i := range r.Sorters {
		if o.id == "" && r.Sorters[i].Column == r.IDColumn {
			o.id = r.Sorters[i].Name
		}
	}
	if o.id == "" {
		return nil, fmt.Errorf("query: resource %s: no field or sorter names IDColumn %q", r.Name, r.IDColumn)
	}
	for i := range o.keys {
		if o.keys[i].col == r.IDColumn {
			o.keys[i].typ = 0 // compared byte-wise, as ORDER BY IDColumn (no collation)
		}
	}
	return o, nil
}

// Compare orders two rows as the compiled ORDER BY does: NULLs first ascending
// and last descending, strings ASCII-case-insensitively, then the id byte-wise.
func (o *Order) Compare(a, b Row) int {
	for _, k := range o.keys {
		c := compareNullable(a.Value(k.name), b.Value(k.name), k.typ)
		if k.desc {
			c = -c
		}
		if c != 0 {
			return c
		}
	}
	ai, _ := a.Value(o.id).(string)
	bi, _ := b.Value(o.id).(string)
	return strings.Compare(ai, bi)
}

func compareNullable(a, b any, typ FieldType) int {
	switch {
	case a == nil && b == nil:
		return 0
	case a == nil:
		return -1
	case b == nil:
		return 1
	case typ == 0, typ == Object:
		return strings.Compare(a.(string), b.(string))
	}
	return compareValues(a, b)
}

// foldASCII folds ASCII letters only, as SQLite's NOCASE and lower() do.
func foldASCII(s string) string {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= 'A' && c <= 'Z' {
			b := []byte(s)
			for j := i; j < len(b); j++ {
				if c := b[j]; c >= 'A' && c <= 'Z' {
					b[j] = c + 'a' - 'A'
				}
			}
			return string(b)
		}
	}
	return s
}

// literalOf converts a checked literal to the Go value compared with a field of type t.
func literalOf(t FieldType, v Value) any {
	switch t {
	case String, StringList:
		return v.Str
	case Bool:
		return v.Bool
	case Number:
		return v.Num
	case Object:
		s, _ := canonicalObject(v.Str)
		return s
	case Time:
		tm := v.Time
		if v.Kind == KindString {
			tm, _ = ParseTime(v.Str)
		}
		return tm.UTC()
	}
	panic(fmt.Sprintf("query: literal of invalid type %v", t))
}

// compareValues orders two non-NULL values of the same field type. Date-times
// compare exactly: a stored value has millisecond precision, so a finer literal
// never equals it, as in the compiled SQL.
func compareValues(a, b any) int {
	switch a := a.(type) {
	case string:
		return strings.Compare(foldASCII(a), foldASCII(b.(string)))
	case bool:
		bb := b.(bool)
		switch {
		case a == bb:
			return 0
		case !a:
			return -1
		}
		return 1
	case float64:
		bf := b.(float64)
		switch {
		case a < bf:
			return -1
		case a > bf:
			return 1
		}
		return 0
	case time.Time:
		return a.Compare(b.(time.Time))
	}
	panic(fmt.Sprintf("query: cannot compare %T", a))
}

func listHas(list []string, s string) bool {
	for _, e := range list {
		if foldASCII(e) == foldASCII(s) {
			return true
		}
	}
	return false
}

// matchExpr evaluates a checked filter tree against one row, two-valued.
func matchExpr(r *Resource, x Expr, row Row) bool {
	switch x := x.(type) {
	case *And:
		for _, t := range x.Terms {
			if !matchExpr(r, t, row) {
				return false
			}
		}
		return true
	case *Or:
		for _, t := range x.Terms {
			if matchExpr(r, t, row) {
				return true
			}
		}
		return false
	case *Not:
		return !matchExpr(r, x.Term, row)
	case *Cond:
		return matchCond(r.field(x.Field), x, row.Value(x.Field))
	}
	panic(fmt.Sprintf("query: cannot evaluate %T", x))
}

func matchCond(f *Field, c *Cond, v any) bool {
	if vs, ok := v.([]string); ok && f.Exists != "" {
		if c.Op == IsNull {
			return len(vs) == 0
		}
		for _, x := range vs {
			if matchCond(&Field{Name: f.Name, Column: f.Column, Type: f.Type, Ops: f.Ops}, c, x) {
				return true
			}
		}
		return false
	}
	if f.Type == Object {
		eq := v != nil && v.(string) == literalOf(Object, c.Values[0])
		return eq == (c.Op == Eq)
	}
	switch c.Op {
	case Pr:
		return v != nil
	case IsNull:
		return v == nil
	case Ne:
		return v == nil || compareValues(v, literalOf(f.Type, c.Values[0])) != 0
	}
	if v == nil {
		return false
	}
	switch c.Op {
	case Eq:
		return compareValues(v, literalOf(f.Type, c.Values[0])) == 0
	case Gt:
		return compareValues(v, literalOf(f.Type, c.Values[0])) > 0
	case Ge:
		return compareValues(v, literalOf(f.Type, c.Values[0])) >= 0
	case Lt:
		return compareValues(v, literalOf(f.Type, c.Values[0])) < 0
	case Le:
		return compareValues(v, literalOf(f.Type, c.Values[0])) <= 0
	case In:
		for _, lit := range c.Values {
			if compareValues(v, literalOf(f.Type, lit)) == 0 {
				return true
			}
		}
		return false
	case Co:
		if f.Type == StringList {
			return listHas(v.([]string), c.Values[0].Str)
		}
		return strings.Contains(foldASCII(v.(string)), foldASCII(c.Values[0].Str))
	case Sw:
		if t, ok := v.(time.Time); ok {
			prefix, _ := timePrefix(f, c.Values[0])
			return strings.HasPrefix(foldASCII(FormatTime(t)), foldASCII(prefix))
		}
		return strings.HasPrefix(foldASCII(v.(string)), foldASCII(c.Values[0].Str))
	case Ca:
		for _, lit := range c.Values {
			if !listHas(v.([]string), lit.Str) {
				return false
			}
		}
		return true
	}
	panic(fmt.Sprintf("query: operator %q not evaluated", c.Op))
}
