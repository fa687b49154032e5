package query

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Expr is a node of a parsed filter: *And, *Or, *Not or *Cond. String renders
// it back in canonical filter syntax, which parses to an equal tree.
type Expr interface {
	String() string
	isExpr()
}

// And is true when every term is true.
type And struct{ Terms []Expr }

// Or is true when at least one term is true.
type Or struct{ Terms []Expr }

// Not is true when its term is false.
type Not struct{ Term Expr }

// Cond is one condition on a field: `field op value`, `field in (list)`,
// `field ca (list)`, `pr field` or `field isnull`.
type Cond struct {
	Field  string
	Op     Op
	Values []Value // one for comparisons, co and sw; the list for in and ca; none for pr and isnull
	Pos    int     // 1-based character position of the condition in the filter
}

func (*And) isExpr()  {}
func (*Or) isExpr()   {}
func (*Not) isExpr()  {}
func (*Cond) isExpr() {}

// Kind is the syntactic kind of a literal.
type Kind int

// Literal kinds.
const (
	// KindString is a double-quoted string.
	KindString Kind = iota + 1
	// KindNumber is an unquoted number such as 7, -1.5 or 2e3.
	KindNumber
	// KindBool is true or false.
	KindBool
	// KindTime is an unquoted RFC 3339 date-time.
	KindTime
)

// Value is a literal of a filter.
type Value struct {
	Kind  Kind
	Raw   string    // the literal as written (strings: the decoded text)
	Str   string    // KindString: the decoded text
	Num   float64   // KindNumber
	Int   int64     // KindNumber when IsInt
	IsInt bool      // KindNumber written without fraction or exponent, within int64
	Bool  bool      // KindBool
	Time  time.Time // KindTime
}

// String renders the literal in filter syntax.
func (v Value) String() string {
	if v.Kind == KindString {
		return quote(v.Str)
	}
	return v.Raw
}

// describe names the literal and its kind for error messages.
func (v Value) describe() string {
	switch v.Kind {
	case KindString:
		return "string " + clip(quote(v.Str))
	case KindNumber:
		return "number " + clip(v.Raw)
	case KindBool:
		return "boolean " + v.Raw
	case KindTime:
		return "date-time " + clip(v.Raw)
	}
	return clip(v.Raw)
}

func quote(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for i := 0; i < len(s); i++ {
		if s[i] == '"' || s[i] == '\\' {
			b.WriteByte('\\')
		}
		b.WriteByte(s[i])
	}
	b.WriteByte('"')
	return b.String()
}

// clip shortens long text quoted in messages.
func clip(s string) string {
	const max = 40
	if utf8.RuneCountInString(s) <= max {
		return s
	}
	r := []rune(s)
	return string(r[:max]) + "…"
}

// String renders the condition in filter syntax.
func (c *Cond) String() string {
	switch c.Op {
	case Pr:
		return "pr " + c.Field
	case IsNull:
		return c.Field + " isnull"
	case In, Ca:
		vals := make([]string, len(c.Values))
		for i, v := range c.Values {
			vals[i] = v.String()
		}
		return c.Field + " " + string(c.Op) + " (" + strings.Join(vals, ", ") + ")"
	}
	if len(c.Values) == 0 {
		return c.Field + " " + string(c.Op)
	}
	return c.Field + " " + string(c.Op) + " " + c.Values[0].String()
}

// String renders the conjunction; nested and/or terms are parenthesised.
func (a *And) String() string { return joinTerms(a.Terms, " and ") }

// String renders the disjunction; nested and/or terms are parenthesised.
func (o *Or) String() string { return joinTerms(o.Terms, " or ") }

// String renders the negation with its term in parentheses.
func (n *Not) String() string { return "not (" + n.Term.String() + ")" }

func joinTerms(terms []Expr, sep string) string {
	s := make([]string, len(terms))
	for i, t := range terms {
		switch t.(type) {
		case *And, *Or:
			s[i] = "(" + t.String() + ")"
		default:
			s[i] = t.String()
		}
	}
	return strings.Join(s, sep)
}

// Parse parses a filter expression (the raw `filters` value, already
// URL-decoded) into its syntax tree. It checks syntax and the length and depth
// caps only; Resource.Compile checks fields, operators and literal types. An
// empty or blank filter gives a nil Expr.
func Parse(filter string) (Expr, error) {
	if !utf8.ValidString(filter) {
		off := 0
		for off < len(filter) {
			r, size := utf8.DecodeRuneInString(filter[off:])
			if r == utf8.RuneError && size <= 1 {
				break
			}
			off += size
		}
		return nil, invalid("invalid filter at position %d: not valid UTF-8", utf8.RuneCountInString(filter[:off])+1)
	}
	if n := utf8.RuneCountInString(filter); n > MaxFilterLength {
		return nil, illegal("filters is %d characters long; the maximum is %d characters", n, MaxFilterLength)
	}
	p := &parser{src: filter}
	if err := p.lex(); err != nil {
		return nil, err
	}
	if p.peek().kind == tEOF {
		return nil, nil
	}
	x, err := p.parseOr()
	if err != nil {
		return nil, err
	}
	if t := p.peek(); t.kind != tEOF {
		if t.kind == tWord && (strings.EqualFold(t.text, "and") || strings.EqualFold(t.text, "or")) {
			return nil, p.errf(t, "logical operator %q must be lower-case", t.text)
		}
		if t.kind == tRParen {
			return nil, p.errf(t, `unbalanced ")"`)
		}
		return nil, p.errf(t, `expected "and", "or" or the end of the filter, found %s`, p.describe(t))
	}
	return x, nil
}

type tokKind int

const (
	tEOF tokKind = iota
	tLParen
	tRParen
	tComma
	tString
	tWord
)

type token struct {
	kind tokKind
	text string // word text, or decoded string
	off  int    // byte offset in the source
}

type parser struct {
	src   string
	toks  []token
	i     int
	depth int
}

// pos converts a byte offset to a 1-based character position.
func (p *parser) pos(off int) int { return utf8.RuneCountInString(p.src[:off]) + 1 }

func (p *parser) errf(t token, format string, args ...any) error {
	return invalid("invalid filter at position %d: %s", p.pos(t.off), fmt.Sprintf(format, args...))
}

func (p *parser) describe(t token) string {
	switch t.kind {
	case tEOF:
		return "the end of the filter"
	case tLParen:
		return `"("`
	case tRParen:
		return `")"`
	case tComma:
		return `","`
	case tString:
		return "string " + clip(quote(t.text))
	}
	return strconv.Quote(clip(t.text))
}

func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'
}

func isWordByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
		c == '.' || c == '_' || c == '-' || c == ':' || c == '+'
}

func (p *parser) lex() error {
	s := p.src
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case isSpace(c):
			i++
		case c == '(':
			p.toks = append(p.toks, token{kind: tLParen, off: i})
			i++
		case c == ')':
			p.toks = append(p.toks, token{kind: tRParen, off: i})
			i++
		case c == ',':
			p.toks = append(p.toks, token{kind: tComma, off: i})
			i++
		case c == '"':
			start := i
			var b strings.Builder
			i++
			for {
				if i >= len(s) {
					return invalid("invalid filter at position %d: unterminated string", p.pos(start))
				}
				c := s[i]
				if c == '"' {
					i++
					break
				}
				if c == 0 {
					return invalid("invalid filter at position %d: NUL character in string", p.pos(i))
				}
				if c == '\\' {
					if i+1 >= len(s) {
						return invalid("invalid filter at position %d: unterminated string", p.pos(start))
					}
					n := s[i+1]
					if n != '"' && n != '\\' {
						r, _ := utf8.DecodeRuneInString(s[i+1:])
						return invalid(`invalid filter at position %d: invalid escape %q in string; only \" and \\ are allowed`,
							p.pos(i), `\`+string(r))
					}
					b.WriteByte(n)
					i += 2
					continue
				}
				b.WriteByte(c)
				i++
			}
			p.toks = append(p.toks, token{kind: tString, text: b.String(), off: start})
		case isWordByte(c):
			start := i
			for i < len(s) && isWordByte(s[i]) {
				i++
			}
			p.toks = append(p.toks, token{kind: tWord, text: s[start:i], off: start})
		default:
			r, _ := utf8.DecodeRuneInString(s[i:])
			return invalid("invalid filter at position %d: unexpected character %q", p.pos(i), r)
		}
	}
	p.toks = append(p.toks, token{kind: tEOF, off: len(s)})
	return nil
}

func (p *parser) peek() token { return p.toks[p.i] }

func (p *parser) next() token {
	t := p.toks[p.i]
	if t.kind != tEOF {
		p.i++
	}
	return t
}

func (p *parser) isWord(text string) bool {
	t := p.peek()
	return t.kind == tWord && t.text == text
}

func (p *parser) enter(t token) error {
	p.depth++
	if p.depth > MaxFilterDepth {
		return illegal("invalid filter at position %d: nesting of parentheses and \"not\" exceeds the maximum depth of %d",
			p.pos(t.off), MaxFilterDepth)
	}
	return nil
}

func (p *parser) parseOr() (Expr, error) {
	x, err := p.parseAnd()
	if err != nil {
		return nil, err
	}
	terms := []Expr{x}
	for p.isWord("or") {
		p.next()
		y, err := p.parseAnd()
		if err != nil {
			return nil, err
		}
		terms = append(terms, y)
	}
	if len(terms) == 1 {
		return x, nil
	}
	return &Or{Terms: terms}, nil
}

func (p *parser) parseAnd() (Expr, error) {
	x, err := p.parseUnary()
	if err != nil {
		return nil, err
	}
	terms := []Expr{x}
	for p.isWord("and") {
		p.next()
		y, err := p.parseUnary()
		if err != nil {
			return nil, err
		}
		terms = append(terms, y)
	}
	if len(terms) == 1 {
		return x, nil
	}
	return &And{Terms: terms}, nil
}

func (p *parser) parseUnary() (Expr, error) {
	if !p.isWord("not") {
		return p.parsePrimary()
	}
	t := p.next()
	if err := p.enter(t); err != nil {
		return nil, err
	}
	x, err := p.parseUnary()
	if err != nil {
		return nil, err
	}
	p.depth--
	return &Not{Term: x}, nil
}

// keywords cannot be field names.
var keywords = map[string]bool{"and": true, "or": true, "not": true, "true": true, "false": true, "null": true}

func (p *parser) parsePrimary() (Expr, error) {
	t := p.peek()
	switch t.kind {
	case tLParen:
		p.next()
		if err := p.enter(t); err != nil {
			return nil, err
		}
		if p.peek().kind == tRParen {
			return nil, p.errf(p.peek(), `empty parentheses`)
		}
		x, err := p.parseOr()
		if err != nil {
			return nil, err
		}
		if c := p.peek(); c.kind != tRParen {
			if c.kind == tWord && (strings.EqualFold(c.text, "and") || strings.EqualFold(c.text, "or")) {
				return nil, p.errf(c, "logical operator %q must be lower-case", c.text)
			}
			return nil, p.errf(c, `expected ")" to close the "(" at position %d, found %s`, p.pos(t.off), p.describe(c))
		}
		p.next()
		p.depth--
		return x, nil
	case tWord:
	case tEOF:
		return nil, p.errf(t, `unexpected end of the filter; expected a field name, "(", "not" or "pr"`)
	default:
		return nil, p.errf(t, `expected a field name, "(", "not" or "pr", found %s`, p.describe(t))
	}
	if t.text == "pr" {
		p.next()
		f := p.peek()
		if f.kind != tWord || !isFieldName(f.text) || keywords[f.text] || isOp(f.text) {
			return nil, p.errf(f, `expected a field name after "pr", found %s`, p.describe(f))
		}
		p.next()
		return &Cond{Field: f.text, Op: Pr, Pos: p.pos(t.off)}, nil
	}
	lower := strings.ToLower(t.text)
	if lower != t.text && (lower == "not" || lower == "pr" || lower == "and" || lower == "or") {
		return nil, p.errf(t, "operator %q must be lower-case", t.text)
	}
	if !isFieldName(t.text) || keywords[t.text] || isOp(t.text) {
		return nil, p.errf(t, `expected a field name, "(", "not" or "pr", found %s`, p.describe(t))
	}
	p.next()
	field := t.text
	o := p.peek()
	if o.kind != tWord {
		return nil, p.errf(o, "expected an operator after field %q, found %s", field, p.describe(o))
	}
	p.next()
	cond := &Cond{Field: field, Op: Op(o.text), Pos: p.pos(t.off)}
	switch cond.Op {
	case IsNull:
		return cond, nil
	case Eq, Ne, Gt, Ge, Lt, Le, Co, Sw:
		v, err := p.parseValue(o.text)
		if err != nil {
			return nil, err
		}
		cond.Values = []Value{v}
		return cond, nil
	case In, Ca:
		vals, err := p.parseList(o.text)
		if err != nil {
			return nil, err
		}
		cond.Values = vals
		return cond, nil
	case Pr:
		return nil, p.errf(o, `"pr" is a prefix operator: write "pr %s"`, field)
	}
	if l := strings.ToLower(o.text); isOp(l) {
		return nil, p.errf(o, "operator %q must be lower-case", o.text)
	}
	return nil, p.errf(o, "unknown operator %q after field %q", clip(o.text), field)
}

func (p *parser) parseList(op string) ([]Value, error) {
	open := p.peek()
	if open.kind != tLParen {
		return nil, p.errf(open, `expected "(" and a list of values after %q, found %s`, op, p.describe(open))
	}
	p.next()
	if c := p.peek(); c.kind == tRParen {
		return nil, p.errf(c, "empty list after %q", op)
	}
	var vals []Value
	after := op
	for {
		v, err := p.parseValue(after)
		if err != nil {
			return nil, err
		}
		vals = append(vals, v)
		if len(vals) > MaxListItems {
			return nil, illegal("invalid filter at position %d: the list after %q has more than the maximum of %d items",
				p.pos(open.off), op, MaxListItems)
		}
		t := p.next()
		switch t.kind {
		case tComma:
			after = ","
			continue
		case tRParen:
			return vals, nil
		}
		return nil, p.errf(t, `expected "," or ")" in the list after %q, found %s`, op, p.describe(t))
	}
}

var numberRE = regexp.MustCompile(`^-?[0-9]+(\.[0-9]+)?([eE][+-]?[0-9]+)?$`)
var clockRE = regexp.MustCompile(`^[0-9]{2}:[0-9]{2}$`)

func (p *parser) parseValue(after string) (Value, error) {
	t := p.peek()
	switch t.kind {
	case tString:
		p.next()
		return Value{Kind: KindString, Raw: t.text, Str: t.text}, nil
	case tWord:
	case tEOF:
		return Value{}, p.errf(t, "expected a value after %q", after)
	default:
		return Value{}, p.errf(t, "expected a value after %q, found %s", after, p.describe(t))
	}
	p.next()
	w := t.text
	switch w {
	case "true", "false":
		return Value{Kind: KindBool, Raw: w, Bool: w == "true"}, nil
	case "null":
		return Value{}, p.errf(t, `null is not a value; use "pr field" or "field isnull"`)
	}
	if strings.EqualFold(w, "true") || strings.EqualFold(w, "false") {
		return Value{}, p.errf(t, "boolean %q must be lower-case", w)
	}
	if numberRE.MatchString(w) {
		f, err := strconv.ParseFloat(w, 64)
		if err != nil {
			return Value{}, p.errf(t, "number %q is out of range", clip(w))
		}
		v := Value{Kind: KindNumber, Raw: w, Num: f}
		if !strings.ContainsAny(w, ".eE") {
			if n, err := strconv.ParseInt(w, 10, 64); err == nil {
				v.Int, v.IsInt = n, true
			}
		}
		return v, nil
	}
	if w[0] >= '0' && w[0] <= '9' {
		tm, err := time.Parse(time.RFC3339Nano, w)
		if err == nil && isRFC3339(w) {
			return Value{Kind: KindTime, Raw: w, Time: tm}, nil
		}
		hint := ""
		if n := p.peek(); n.kind == tWord && clockRE.MatchString(n.text) {
			hint = ` (a "+" in a query string means a space: send it as %2B)`
		}
		return Value{}, p.errf(t, "malformed number or date-time %q; date-times must be RFC 3339, e.g. 2024-01-02T15:04:05Z%s",
			clip(w), hint)
	}
	return Value{}, p.errf(t, "expected a value after %q, found %s; strings must be double-quoted", after, p.describe(t))
}

// isRFC3339 rejects what time.Parse tolerates beyond RFC 3339: a fraction
// without digits, or a comma as the decimal separator.
func isRFC3339(s string) bool {
	if len(s) < 20 {
		return false
	}
	rest := s[19:]
	if rest[0] == '.' {
		i := 1
		for i < len(rest) && rest[i] >= '0' && rest[i] <= '9' {
			i++
		}
		if i == 1 {
			return false
		}
		rest = rest[i:]
	}
	return rest == "Z" || len(rest) == 6 && (rest[0] == '+' || rest[0] == '-') && rest[3] == ':'
}

// ParseTime parses an RFC 3339 date-time with optional fractional seconds, as
// accepted in filters.
func ParseTime(s string) (time.Time, bool) {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil || !isRFC3339(s) {
		return time.Time{}, false
	}
	return t, true
}

// SortTerm is one term of a `sorters` value.
type SortTerm struct {
	Name string
	Desc bool
}

// ParseSorters parses a `sorters` value: comma-separated field names, each
// optionally prefixed with "-" for descending order. Blank gives no terms.
// Empty or duplicate terms and more than MaxSortTerms terms are errors.
func ParseSorters(s string) ([]SortTerm, error) {
	if strings.TrimSpace(s) == "" {
		return nil, nil
	}
	if len(s) > MaxSortersLength {
		return nil, illegal("sorters is %d characters long; the maximum is %d characters", len(s), MaxSortersLength)
	}
	if !utf8.ValidString(s) {
		return nil, invalid("invalid sorters: not valid UTF-8")
	}
	parts := strings.Split(s, ",")
	if len(parts) > MaxSortTerms {
		return nil, illegal("sorters has %d terms; the maximum is %d", len(parts), MaxSortTerms)
	}
	terms := make([]SortTerm, 0, len(parts))
	off := 0
	for _, part := range parts {
		pos := utf8.RuneCountInString(s[:off]) + 1
		off += len(part) + 1
		t := strings.TrimSpace(part)
		if t == "" {
			return nil, invalid("invalid sorters at position %d: empty sort term", pos)
		}
		desc := false
		if t[0] == '-' {
			desc = true
			t = strings.TrimSpace(t[1:])
			if t == "" {
				return nil, invalid(`invalid sorters at position %d: "-" without a field name`, pos)
			}
		}
		if !isFieldName(t) {
			return nil, invalid("invalid sorters at position %d: malformed field name %q", pos, clip(t))
		}
		for _, prev := range terms {
			if prev.Name == t {
				return nil, invalid("invalid sorters at position %d: field %q appears more than once", pos, t)
			}
		}
		terms = append(terms, SortTerm{Name: t, Desc: desc})
	}
	return terms, nil
}
