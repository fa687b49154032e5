package query

// This file holds the test fixture shared by the property and fuzz tests: a
// resource with a field of every type, a real SQLite table for it, and the
// rows' Value method for the in-memory evaluator (eval.go), which is written
// independently of the SQL compiler, from the semantics documented in the
// package comment; the tests check each against the other.

import (
	"database/sql"
	"encoding/json"
	"fmt"
	"math/rand"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	_ "modernc.org/sqlite"
)

// testRes has one field of every type, a nullable string under a dotted name,
// and a field whose column is an expression.
var testRes = &Resource{
	Name: "items",
	Fields: []Field{
		{Name: "id", Column: "t.id", Type: String, Ops: typeOps[String]},
		{Name: "s", Column: "t.s", Type: String, Ops: typeOps[String]},
		{Name: "owner.name", Column: "t.s2", Type: String, Ops: typeOps[String]},
		{Name: "sx", Column: "t.s || '!'", Type: String, Ops: typeOps[String]},
		{Name: "b", Column: "t.b", Type: Bool, Ops: typeOps[Bool]},
		{Name: "tm", Column: "t.tm", Type: Time, Ops: typeOps[Time]},
		{Name: "n", Column: "t.n", Type: Number, Ops: typeOps[Number]},
		{Name: "l", Column: "t.l", Type: StringList, Ops: typeOps[StringList]},
		{Name: "o", Column: "COALESCE(t.o, '{}')", Type: Object, Ops: typeOps[Object]},
	},
	Sorters: []Sorter{
		{Name: "id", Column: "t.id"},
		{Name: "s", Column: "t.s"},
		{Name: "owner.name", Column: "t.s2"},
		{Name: "sx", Column: "t.s || '!'"},
		{Name: "b", Column: "t.b"},
		{Name: "tm", Column: "t.tm"},
		{Name: "n", Column: "t.n"},
		{Name: "o", Column: "COALESCE(t.o, '{}')", Type: Object},
	},
	IDColumn: "t.id",
}

const itemsSchema = `CREATE TABLE items (
	id TEXT PRIMARY KEY, s TEXT, s2 TEXT, b INTEGER, tm TEXT, n REAL, l TEXT, o TEXT
) STRICT`

// item is one row; nil pointers are NULL.
type item struct {
	id string
	s  *string
	s2 *string
	b  *bool
	tm *time.Time
	n  *float64
	l  *[]string
	o  map[string]any // nil is NULL, shown as {}
}

func ptr[T any](v T) *T { return &v }

var baseTime = time.Date(2024, 3, 10, 12, 0, 0, 0, time.UTC)

// genItems makes n rows with many duplicates and NULLs, so that comparisons,
// case folding and tie-breaking all get exercised.
func genItems(rng *rand.Rand, n int) []item {
	idChars := "aAbB01"
	seen := map[string]bool{}
	items := make([]item, 0, n)
	for len(items) < n {
		id := ""
		for i := 0; i < 4; i++ {
			id += string(idChars[rng.Intn(len(idChars))])
		}
		if seen[id] {
			continue
		}
		seen[id] = true
		it := item{id: id}
		if rng.Intn(7) > 0 {
			it.s = ptr(genString(rng))
		}
		if rng.Intn(3) > 0 {
			it.s2 = ptr(genString(rng))
		}
		if rng.Intn(7) > 0 {
			it.b = ptr(rng.Intn(2) == 0)
		}
		if rng.Intn(7) > 0 {
			it.tm = ptr(baseTime.Add(time.Duration(rng.Intn(20))*time.Second + time.Duration(rng.Intn(3))*Precision))
		}
		if rng.Intn(7) > 0 {
			it.n = ptr(float64(rng.Intn(13)-6) / 2)
		}
		if rng.Intn(7) > 0 {
			l := []string{}
			for k := rng.Intn(4); k > 0; k-- {
				l = append(l, listPool[rng.Intn(len(listPool))])
			}
			it.l = &l
		}
		if rng.Intn(5) > 0 {
			it.o = genObject(rng)
		}
		items = append(items, it)
	}
	return items
}

var strAlphabet = []string{"a", "A", "b", "B", "%", "_", `\`, `"`, " ", "é", "É", "z"}
var listPool = []string{"x", "X", "y", "%", "a_b", "é", "É", ""}

var objectPool = []map[string]any{{}, {"app": "billing"}, {"app": "Billing"}, {"app": "billing", "tier": 1.0},
	{"tier": 1.0, "app": "ci"}, {"a": []any{"x", 2.0}}, {"a": map[string]any{"b": true}}, {"<&>": "é"}}

func genObject(rng *rand.Rand) map[string]any { return objectPool[rng.Intn(len(objectPool))] }

func objectText(m map[string]any) string {
	if m == nil {
		return "{}"
	}
	b, _ := json.Marshal(m)
	return string(b)
}

func genString(rng *rand.Rand) string {
	var b strings.Builder
	for k := rng.Intn(5); k > 0; k-- {
		b.WriteString(strAlphabet[rng.Intn(len(strAlphabet))])
	}
	return b.String()
}

// openItems creates the items table in a fresh SQLite file and loads items.
func openItems(tb testing.TB, items []item) *sql.DB {
	tb.Helper()
	db, err := sql.Open("sqlite", filepath.Join(tb.TempDir(), "items.db"))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { _ = db.Close() })
	db.SetMaxOpenConns(1)
	if _, err := db.Exec(itemsSchema); err != nil {
		tb.Fatal(err)
	}
	for _, it := range items {
		var s, s2, tm, l, o any
		var b, n any
		if it.o != nil {
			o = objectText(it.o)
		}
		if it.s != nil {
			s = *it.s
		}
		if it.s2 != nil {
			s2 = *it.s2
		}
		if it.b != nil {
			b = SQLite.BoolArg(*it.b)
		}
		if it.tm != nil {
			tm = FormatTime(*it.tm)
		}
		if it.n != nil {
			n = *it.n
		}
		if it.l != nil {
			j, _ := json.Marshal(*it.l)
			l = string(j)
		}
		if _, err := db.Exec(`INSERT INTO items VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, it.id, s, s2, b, tm, n, l, o); err != nil {
			tb.Fatal(err)
		}
	}
	return db
}

// queryIDs runs a compiled filter and sort over the items table.
func queryIDs(db *sql.DB, c *Compiled, limit, offset int) ([]string, error) {
	q := "SELECT t.id FROM items t"
	if c.Where != "" {
		q += " WHERE " + c.Where
	}
	q += " ORDER BY " + c.OrderBy
	args := append([]any{}, c.Args...)
	if limit >= 0 {
		q += " LIMIT ? OFFSET ?"
		args = append(args, limit, offset)
	}
	rows, err := db.Query(q, args...)
	if err != nil {
		return nil, fmt.Errorf("%w\nSQL: %s\nargs: %#v", err, q, c.Args)
	}
	defer func() { _ = rows.Close() }()
	ids := []string{}
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}

// --- the in-memory evaluator (query/eval.go) over items ---

// Value returns the field's value in the row, or nil for NULL.
func (it *item) Value(field string) any {
	switch field {
	case "id":
		return it.id
	case "s":
		if it.s != nil {
			return *it.s
		}
	case "owner.name":
		if it.s2 != nil {
			return *it.s2
		}
	case "sx":
		if it.s != nil {
			return *it.s + "!"
		}
	case "b":
		if it.b != nil {
			return *it.b
		}
	case "tm":
		if it.tm != nil {
			return *it.tm
		}
	case "n":
		if it.n != nil {
			return *it.n
		}
	case "l":
		if it.l != nil {
			return *it.l
		}
	case "o":
		return objectText(it.o)
	default:
		panic("unknown field " + field)
	}
	return nil
}

// evalQuery filters and sorts items in memory with the production evaluator
// (Filter.Match, Order.Compare), which the tests compare with the SQL.
func evalQuery(r *Resource, x Expr, terms []SortTerm, items []item) []string {
	var keep []*item
	for i := range items {
		if x == nil || matchExpr(r, x, &items[i]) {
			keep = append(keep, &items[i])
		}
	}
	sorters := make([]string, len(terms))
	for i, t := range terms {
		sorters[i] = t.Name
		if t.Desc {
			sorters[i] = "-" + t.Name
		}
	}
	o, err := r.Order(strings.Join(sorters, ","))
	if err != nil {
		panic(err)
	}
	sort.SliceStable(keep, func(i, j int) bool { return o.Compare(keep[i], keep[j]) < 0 })
	ids := make([]string, len(keep))
	for i, it := range keep {
		ids[i] = it.id
	}
	return ids
}

// --- random filter trees ---

type gen struct {
	rng   *rand.Rand
	items []item
}

func (g *gen) expr(depth int) Expr {
	if depth <= 0 || g.rng.Intn(3) == 0 {
		return g.cond()
	}
	switch g.rng.Intn(5) {
	case 0:
		return &Not{Term: g.expr(depth - 1)}
	case 1, 2:
		terms := make([]Expr, 2+g.rng.Intn(2))
		for i := range terms {
			terms[i] = g.expr(depth - 1)
		}
		return &And{Terms: terms}
	default:
		terms := make([]Expr, 2+g.rng.Intn(2))
		for i := range terms {
			terms[i] = g.expr(depth - 1)
		}
		return &Or{Terms: terms}
	}
}

func (g *gen) cond() *Cond {
	f := &testRes.Fields[g.rng.Intn(len(testRes.Fields))]
	op := f.Ops[g.rng.Intn(len(f.Ops))]
	c := &Cond{Field: f.Name, Op: op}
	switch op {
	case Pr, IsNull:
	case In, Ca:
		for k := 1 + g.rng.Intn(3); k > 0; k-- {
			c.Values = append(c.Values, g.value(f))
		}
	case Sw:
		c.Values = []Value{g.value(f)}
		if f.Type == Time && g.rng.Intn(4) > 0 {
			// a start of the shown text, often one that cuts into the fraction
			s := FormatTime(c.Values[0].Time)
			s = s[:g.rng.Intn(len(s)+1)]
			if g.rng.Intn(2) == 0 {
				s = strings.ToLower(s)
			}
			c.Values = []Value{{Kind: KindString, Raw: s, Str: s}}
		}
	default:
		c.Values = []Value{g.value(f)}
	}
	return c
}

// value makes a literal for f, often one taken from the data (then varied in
// case, cut to a prefix or infix, or shifted by a millisecond or less), so conditions
// match some rows and not others.
func (g *gen) value(f *Field) Value {
	it := &g.items[g.rng.Intn(len(g.items))]
	switch f.Type {
	case String, StringList:
		var s string
		if v, ok := it.Value(f.Name).(string); ok && g.rng.Intn(4) > 0 {
			s = v
		} else if l, ok := it.Value(f.Name).([]string); ok && len(l) > 0 && g.rng.Intn(4) > 0 {
			s = l[g.rng.Intn(len(l))]
		} else {
			s = genString(g.rng)
		}
		r := []rune(s)
		if len(r) > 0 && g.rng.Intn(3) == 0 {
			i := g.rng.Intn(len(r))
			j := i + g.rng.Intn(len(r)-i+1)
			r = r[i:j]
		}
		if g.rng.Intn(2) == 0 {
			for i := range r {
				if r[i] >= 'a' && r[i] <= 'z' && g.rng.Intn(2) == 0 {
					r[i] -= 'a' - 'A'
				}
			}
		}
		s = string(r)
		return Value{Kind: KindString, Raw: s, Str: s}
	case Bool:
		b := g.rng.Intn(2) == 0
		return Value{Kind: KindBool, Raw: strconv.FormatBool(b), Bool: b}
	case Number:
		f := float64(g.rng.Intn(15)-7) / 2
		if g.rng.Intn(4) == 0 {
			f = float64(g.rng.Intn(7) - 3)
		}
		raw := strconv.FormatFloat(f, 'f', -1, 64)
		v := Value{Kind: KindNumber, Raw: raw, Num: f}
		if !strings.Contains(raw, ".") {
			v.Int, v.IsInt = int64(f), true
		}
		return v
	case Object:
		m := genObject(g.rng)
		if it.o != nil && g.rng.Intn(2) == 0 {
			m = it.o
		}
		s := objectText(m)
		if g.rng.Intn(3) == 0 && len(m) > 1 {
			// the same object, written otherwise: keys reversed, with spaces
			keys := make([]string, 0, len(m))
			for k := range m {
				keys = append(keys, k)
			}
			sort.Sort(sort.Reverse(sort.StringSlice(keys)))
			parts := make([]string, len(keys))
			for i, k := range keys {
				kb, _ := json.Marshal(k)
				vb, _ := json.Marshal(m[k])
				parts[i] = string(kb) + " : " + string(vb)
			}
			s = "{ " + strings.Join(parts, " , ") + " }"
		}
		return Value{Kind: KindString, Raw: s, Str: s}
	case Time:
		t := baseTime.Add(time.Duration(g.rng.Intn(22)-1) * time.Second)
		if it.tm != nil && g.rng.Intn(2) == 0 {
			t = *it.tm
		}
		switch g.rng.Intn(6) {
		case 0:
			t = t.Add(Precision)
		case 1:
			t = t.Add(-Precision)
		case 2:
			t = t.Add(time.Duration(1 + g.rng.Intn(999999)))
		case 3:
			t = t.Add(-time.Duration(1 + g.rng.Intn(999999)))
		}
		zones := []*time.Location{time.UTC, time.FixedZone("", 5*3600+1800), time.FixedZone("", -8*3600)}
		raw := t.In(zones[g.rng.Intn(len(zones))]).Format(time.RFC3339Nano)
		if g.rng.Intn(4) == 0 {
			return Value{Kind: KindString, Raw: raw, Str: raw}
		}
		return Value{Kind: KindTime, Raw: raw, Time: t}
	}
	panic("bad type")
}

// render writes x in filter syntax with random whitespace and redundant
// parentheses; it parses back to a tree whose String equals x.String().
func (g *gen) render(x Expr) string {
	ws := func() string {
		return []string{" ", "  ", "\t", "\n", " \t\r\n "}[g.rng.Intn(5)]
	}
	opt := func() string {
		if g.rng.Intn(2) == 0 {
			return ""
		}
		return ws()
	}
	switch x := x.(type) {
	case *And, *Or:
		var terms []Expr
		sep := "and"
		if a, ok := x.(*And); ok {
			terms = a.Terms
		} else {
			terms = x.(*Or).Terms
			sep = "or"
		}
		parts := make([]string, len(terms))
		for i, t := range terms {
			s := g.render(t)
			switch t.(type) {
			case *And, *Or:
				s = "(" + opt() + s + opt() + ")"
			}
			parts[i] = s
		}
		return strings.Join(parts, ws()+sep+ws())
	case *Not:
		s := g.render(x.Term)
		switch x.Term.(type) {
		case *And, *Or:
			return "not" + opt() + "(" + opt() + s + opt() + ")"
		}
		if g.rng.Intn(2) == 0 {
			return "not" + opt() + "(" + opt() + s + opt() + ")"
		}
		return "not" + ws() + s
	case *Cond:
		var s string
		switch x.Op {
		case Pr:
			s = "pr" + ws() + x.Field
		case IsNull:
			s = x.Field + ws() + "isnull"
		case In, Ca:
			vals := make([]string, len(x.Values))
			for i, v := range x.Values {
				vals[i] = opt() + v.String() + opt()
			}
			s = x.Field + ws() + string(x.Op) + opt() + "(" + strings.Join(vals, ",") + ")"
		default:
			s = x.Field + ws() + string(x.Op) + ws() + x.Values[0].String()
		}
		if g.rng.Intn(5) == 0 {
			s = "(" + opt() + s + opt() + ")"
		}
		return s
	}
	panic("bad expr")
}
