package query

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// Compiled is a resolved filter and sort, ready for SQL.
type Compiled struct {
	Where   string // "" when there is no filter; otherwise a boolean SQL expression with dialect placeholders
	Args    []any  // the arguments of Where's placeholders, in order
	OrderBy string // e.g. "s.name COLLATE NOCASE ASC, s.id ASC"; never empty: at least IDColumn
}

// Compile parses filters and sorters (raw query-string values, already
// URL-decoded) and resolves them through the resource's allowlist. argOffset is
// the number of placeholders the caller already used before the WHERE, so
// PostgreSQL $n numbering continues correctly. Errors for client input are
// *mica.Error (EINVALID for syntax, EILLEGAL for disallowed fields, operators,
// values and caps); any other error is a bug in the resource.
func (r *Resource) Compile(d Dialect, filters, sorters string, argOffset int) (*Compiled, error) {
	if argOffset < 0 {
		return nil, fmt.Errorf("query: negative argOffset %d", argOffset)
	}
	x, err := Parse(filters)
	if err != nil {
		return nil, err
	}
	c := &Compiled{}
	if x != nil {
		b := &builder{d: d, r: r, offset: argOffset}
		where, err := b.expr(x)
		if err != nil {
			return nil, err
		}
		c.Where, c.Args = where, b.args
	}
	terms, err := ParseSorters(sorters)
	if err != nil {
		return nil, err
	}
	c.OrderBy, err = r.orderBy(d, terms)
	if err != nil {
		return nil, err
	}
	return c, nil
}

type builder struct {
	d      Dialect
	r      *Resource
	offset int
	args   []any
}

func (b *builder) bind(v any, t FieldType) string {
	b.args = append(b.args, v)
	return b.d.Placeholder(b.offset+len(b.args), t)
}

const (
	sqlTrue  = "(1 = 1)"
	sqlFalse = "(1 = 0)"
)

func (b *builder) expr(x Expr) (string, error) {
	switch x := x.(type) {
	case *And:
		return b.join(x.Terms, "AND")
	case *Or:
		return b.join(x.Terms, "OR")
	case *Not:
		s, err := b.expr(x.Term)
		if err != nil {
			return "", err
		}
		return "(NOT " + s + ")", nil
	case *Cond:
		return b.cond(x)
	}
	return "", fmt.Errorf("query: unknown expression %T", x)
}

// join compiles terms into a balanced tree of op, so long chains stay shallow
// for the database's expression-depth limit.
func (b *builder) join(terms []Expr, op string) (string, error) {
	parts := make([]string, len(terms))
	for i, t := range terms {
		s, err := b.expr(t)
		if err != nil {
			return "", err
		}
		parts[i] = s
	}
	return balance(parts, op), nil
}

func balance(parts []string, op string) string {
	if len(parts) == 1 {
		return parts[0]
	}
	m := len(parts) / 2
	return "(" + balance(parts[:m], op) + " " + op + " " + balance(parts[m:], op) + ")"
}

var sqlOps = map[Op]string{Eq: "=", Ne: "<>", Gt: ">", Ge: ">=", Lt: "<", Le: "<="}

func (b *builder) cond(c *Cond) (string, error) {
	f := b.r.field(c.Field)
	if f == nil {
		for i := range b.r.Fields {
			if strings.EqualFold(b.r.Fields[i].Name, c.Field) {
				return "", illegal("field %q is not filterable (did you mean %q?); filterable fields: %s",
					c.Field, b.r.Fields[i].Name, b.r.fieldNames())
			}
		}
		if len(b.r.Fields) == 0 {
			return "", illegal("field %q is not filterable; %s has no filterable fields", c.Field, b.r.Name)
		}
		return "", illegal("field %q is not filterable; filterable fields: %s", c.Field, b.r.fieldNames())
	}
	if !f.allows(c.Op) {
		return "", illegal("operator %q is not supported for field %q; allowed: %s", c.Op, f.Name, opList(f.Ops))
	}
	if _, ok := typeOps[f.Type]; !ok {
		return "", fmt.Errorf("query: resource %s: field %q has invalid type %v", b.r.Name, f.Name, f.Type)
	}
	if f.Exists != "" {
		return b.existsCond(f, c)
	}
	col := sqlExpr(f.Column)
	switch c.Op {
	case Pr:
		return "(" + col + " IS NOT NULL)", nil
	case IsNull:
		return "(" + col + " IS NULL)", nil
	}
	vals := make([]any, len(c.Values))
	for i, v := range c.Values {
		a, err := b.literal(f, c.Op, v)
		if err != nil {
			return "", err
		}
		vals[i] = a
	}
	if f.Type == Time {
		return b.timeCond(f, col, c.Op, vals)
	}
	switch c.Op {
	case Eq, Gt, Ge, Lt, Le:
		return "(" + col + " IS NOT NULL AND " + b.compare(f, col, sqlOps[c.Op], vals[0]) + ")", nil
	case Ne:
		return "(" + col + " IS NULL OR " + b.compare(f, col, "<>", vals[0]) + ")", nil
	case In:
		return "(" + col + " IS NOT NULL AND " + b.in(f, col, vals) + ")", nil
	case Co:
		if f.Type == StringList {
			return "(" + b.d.ListContainsFold(col, b.bind(vals[0], String)) + ")", nil
		}
		return "(" + col + " IS NOT NULL AND " + b.d.ContainsFold(col, b.bind(vals[0], String)) + ")", nil
	case Sw:
		return "(" + col + " IS NOT NULL AND " + b.d.HasPrefixFold(col, b.bind(vals[0], String)) + ")", nil
	case Ca:
		parts := make([]string, len(vals))
		for i, v := range vals {
			parts[i] = b.d.ListContainsFold(col, b.bind(v, String))
		}
		return "(" + strings.Join(parts, " AND ") + ")", nil
	}
	return "", fmt.Errorf("query: operator %q not compiled", c.Op)
}

// existsCond compiles a condition on a multi-valued field (Field.Exists): some
// row of the field satisfies it, or, for isnull, no row has a value.
func (b *builder) existsCond(f *Field, c *Cond) (string, error) {
	single := *f
	single.Exists = ""
	sub := "SELECT 1 " + f.Exists + " AND "
	switch c.Op {
	case IsNull:
		return "(NOT EXISTS (" + sub + "(" + sqlExpr(f.Column) + " IS NOT NULL)))", nil
	}
	inner := &builder{d: b.d, r: &Resource{Name: b.r.Name, Fields: []Field{single}, IDColumn: b.r.IDColumn},
		offset: b.offset, args: b.args}
	s, err := inner.cond(c)
	if err != nil {
		return "", err
	}
	b.args = inner.args
	return "(EXISTS (" + sub + s + "))", nil
}

func (b *builder) compare(f *Field, col, op string, v any) string {
	if f.Type == String {
		return b.d.CompareFold(col, op, b.bind(v, String))
	}
	if f.Type == Object {
		eq := b.d.ObjectEq(col, b.bind(v, Object))
		if op == "<>" {
			return "NOT (" + eq + ")"
		}
		return eq
	}
	return col + " " + op + " " + b.bind(v, f.Type)
}

func (b *builder) in(f *Field, col string, vals []any) string {
	ph := make([]string, len(vals))
	for i, v := range vals {
		ph[i] = b.bind(v, f.Type)
	}
	if f.Type == String {
		return b.d.InFold(col, ph)
	}
	return col + " IN (" + strings.Join(ph, ", ") + ")"
}

// timeCond compiles a date-time condition. Stored date-times have millisecond
// precision; a literal with a finer fraction is compared exactly by rewriting
// the condition against the literal truncated to the millisecond (tr):
// s > t and s >= t become s > tr; s < t and s <= t become s <= tr; s = t is
// false and s <> t is true for every stored s.
func (b *builder) timeCond(f *Field, col string, op Op, vals []any) (string, error) {
	if op == Sw {
		return "(" + col + " IS NOT NULL AND " + b.d.HasPrefixFold(b.d.TimeText(col), b.bind(vals[0], String)) + ")", nil
	}
	exact := make([]time.Time, 0, len(vals))
	var inexact []time.Time
	for _, v := range vals {
		t := v.(time.Time)
		if t.Equal(t.Truncate(Precision)) {
			exact = append(exact, t)
		} else {
			inexact = append(inexact, t.Truncate(Precision))
		}
	}
	arg := func(t time.Time) any { return b.d.TimeArg(t) }
	if len(inexact) == 0 || op == In {
		switch op {
		case In:
			if len(exact) == 0 {
				return sqlFalse, nil
			}
			args := make([]any, len(exact))
			for i, t := range exact {
				args[i] = arg(t)
			}
			return "(" + col + " IS NOT NULL AND " + b.in(f, col, args) + ")", nil
		case Ne:
			return "(" + col + " IS NULL OR " + col + " <> " + b.bind(arg(exact[0]), Time) + ")", nil
		}
		return "(" + col + " IS NOT NULL AND " + col + " " + sqlOps[op] + " " + b.bind(arg(exact[0]), Time) + ")", nil
	}
	tr := inexact[0]
	switch op {
	case Eq:
		return sqlFalse, nil
	case Ne:
		return sqlTrue, nil
	case Gt, Ge:
		return "(" + col + " IS NOT NULL AND " + col + " > " + b.bind(arg(tr), Time) + ")", nil
	case Lt, Le:
		return "(" + col + " IS NOT NULL AND " + col + " <= " + b.bind(arg(tr), Time) + ")", nil
	}
	return "", fmt.Errorf("query: operator %q not compiled for date-times", op)
}

// literal checks a literal against the field's type and returns the value to
// bind (time.Time for Time fields: timeCond encodes it).
func (b *builder) literal(f *Field, op Op, v Value) (any, error) {
	switch f.Type {
	case String, StringList:
		if v.Kind != KindString {
			return nil, illegal("invalid value for field %q: expected a double-quoted string, got %s", f.Name, v.describe())
		}
		return v.Str, nil
	case Bool:
		if v.Kind != KindBool {
			return nil, illegal("invalid value for field %q: expected true or false, got %s", f.Name, v.describe())
		}
		return b.d.BoolArg(v.Bool), nil
	case Number:
		if v.Kind != KindNumber {
			return nil, illegal("invalid value for field %q: expected a number, got %s", f.Name, v.describe())
		}
		if v.IsInt {
			return v.Int, nil
		}
		return v.Num, nil
	case Object:
		if v.Kind != KindString {
			return nil, illegal("invalid value for field %q: expected a JSON object in a double-quoted string, got %s", f.Name, v.describe())
		}
		s, ok := canonicalObject(v.Str)
		if !ok {
			return nil, illegal("invalid value for field %q: %s is not a JSON object", f.Name, v.describe())
		}
		return s, nil
	case Time:
		if op == Sw {
			return timePrefix(f, v)
		}
		t := v.Time
		switch v.Kind {
		case KindTime:
		case KindString:
			var ok bool
			if t, ok = ParseTime(v.Str); !ok {
				return nil, illegal("invalid value for field %q: expected an RFC 3339 date-time, got %s", f.Name, v.describe())
			}
		default:
			return nil, illegal("invalid value for field %q: expected an RFC 3339 date-time, got %s", f.Name, v.describe())
		}
		t = t.UTC()
		if t.Year() < 0 || t.Year() > 9999 {
			return nil, illegal("invalid value for field %q: date-time %s is out of range (years 0000 to 9999 in UTC)",
				f.Name, clip(v.String()))
		}
		return t, nil
	}
	return nil, fmt.Errorf("query: field %q has invalid type %v", f.Name, f.Type)
}

// canonicalObject brings a JSON object to the text encoding/json writes for
// it (keys sorted, no spaces), the form Object columns hold.
func canonicalObject(s string) (string, bool) {
	var m map[string]any
	if err := json.Unmarshal([]byte(s), &m); err != nil || m == nil {
		return "", false
	}
	b, err := json.Marshal(m)
	if err != nil {
		return "", false
	}
	return string(b), true
}

// timePrefix is the literal of `sw` on a date-time: a string, compared with the
// start of the date-time's text as the API shows it; a date-time literal stands
// for its whole text.
func timePrefix(f *Field, v Value) (string, error) {
	switch v.Kind {
	case KindString:
		return v.Str, nil
	case KindTime:
		return FormatTime(v.Time), nil
	}
	return "", illegal("invalid value for field %q: expected a double-quoted start of a date-time such as \"2024-01-02\", got %s",
		f.Name, v.describe())
}

// orderBy resolves sort terms (or the default sort when there are none) and
// appends IDColumn as the final tie-breaker.
func (r *Resource) orderBy(d Dialect, terms []SortTerm) (string, error) {
	keys, err := r.sortKeys(terms)
	if err != nil {
		return "", err
	}
	parts := make([]string, 0, len(keys)+1)
	hasID := false
	for _, k := range keys {
		expr := sqlExpr(k.col)
		if k.col == r.IDColumn {
			hasID = true
		} else if k.typ == String {
			expr = d.SortKeyFold(expr)
		} else if k.typ == Object {
			expr = d.ObjectSortKey(expr)
		}
		parts = append(parts, d.Order(expr, k.desc))
	}
	if !hasID {
		parts = append(parts, d.Order(sqlExpr(r.IDColumn), false))
	}
	return strings.Join(parts, ", "), nil
}

// sortKeys resolves sort terms through the allowlist, or the default sort when
// there are none. Errors for unknown sorters are client errors (EILLEGAL).
func (r *Resource) sortKeys(terms []SortTerm) ([]sortKey, error) {
	if len(terms) == 0 {
		return r.defaultOrder()
	}
	keys := make([]sortKey, 0, len(terms))
	for _, t := range terms {
		s := r.sorter(t.Name)
		if s == nil {
			if len(r.Sorters) == 0 {
				return nil, illegal("field %q is not sortable; %s has no sortable fields", t.Name, r.Name)
			}
			for i := range r.Sorters {
				if strings.EqualFold(r.Sorters[i].Name, t.Name) {
					return nil, illegal("field %q is not sortable (did you mean %q?); sortable fields: %s",
						t.Name, r.Sorters[i].Name, r.sorterNames())
				}
			}
			return nil, illegal("field %q is not sortable; sortable fields: %s", t.Name, r.sorterNames())
		}
		keys = append(keys, sortKey{t.Name, s.Column, r.sorterType(s), t.Desc})
	}
	return keys, nil
}

type sortKey struct {
	name string // the public name (a sorter's, or a field's for DefaultSort)
	col  string
	typ  FieldType
	desc bool
}

// defaultOrder resolves DefaultSort against the sorters, then the fields.
func (r *Resource) defaultOrder() ([]sortKey, error) {
	terms, err := ParseSorters(r.DefaultSort)
	if err != nil {
		return nil, fmt.Errorf("query: resource %s: DefaultSort %q: %w", r.Name, r.DefaultSort, err)
	}
	var keys []sortKey
	for _, t := range terms {
		if s := r.sorter(t.Name); s != nil {
			keys = append(keys, sortKey{t.Name, s.Column, r.sorterType(s), t.Desc})
		} else if f := r.field(t.Name); f != nil && f.Type != StringList {
			keys = append(keys, sortKey{t.Name, f.Column, f.Type, t.Desc})
		} else {
			return nil, fmt.Errorf("query: resource %s: DefaultSort names unknown field %q", r.Name, t.Name)
		}
	}
	return keys, nil
}
