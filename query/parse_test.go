package query

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/micahq/mica"
)

func TestParseValid(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, in, want string
	}{
		{"eq string", `name eq "x"`, `name eq "x"`},
		{"ne", `name ne "x"`, `name ne "x"`},
		{"gt", `name gt "Genaro"`, `name gt "Genaro"`},
		{"ge number", `daysUntilEscalation ge 7`, `daysUntilEscalation ge 7`},
		{"lt", `n lt -1.5`, `n lt -1.5`},
		{"le exponent", `n le 2.5E-3`, `n le 2.5E-3`},
		{"co", `name co "Rajesh"`, `name co "Rajesh"`},
		{"sw", `name sw "a"`, `name sw "a"`},
		{"in", `id in ("a","b")`, `id in ("a", "b")`},
		{"in one", `id in ("a")`, `id in ("a")`},
		{"in spaced", `id in ( "a" , "b" )`, `id in ("a", "b")`},
		{"in tight", `id in("a","b")`, `id in ("a", "b")`},
		{"ca", `groups ca ("Venezia","Firenze")`, `groups ca ("Venezia", "Firenze")`},
		{"pr", `pr accountRequestInfo`, `pr accountRequestInfo`},
		{"isnull", `lastUsed isnull`, `lastUsed isnull`},
		{"bool true", `enabled eq true`, `enabled eq true`},
		{"bool false", `enabled ne false`, `enabled ne false`},
		{"dotted field", `accountSource.id eq "abc"`, `accountSource.id eq "abc"`},
		{"underscore field", `a_b.c_1 eq "x"`, `a_b.c_1 eq "x"`},
		{"date Z", `created gt 2018-12-18T23:05:55Z`, `created gt 2018-12-18T23:05:55Z`},
		{"date offset", `created ge 2018-12-18T23:05:55+05:30`, `created ge 2018-12-18T23:05:55+05:30`},
		{"date negative offset", `created lt 2018-12-18T23:05:55-08:00`, `created lt 2018-12-18T23:05:55-08:00`},
		{"date fraction", `created le 2018-12-18T23:05:55.123456789Z`, `created le 2018-12-18T23:05:55.123456789Z`},
		{"date fraction offset", `created eq 2018-12-18T23:05:55.5+01:00`, `created eq 2018-12-18T23:05:55.5+01:00`},
		{"quoted date", `created gt "2018-12-18T23:05:55Z"`, `created gt "2018-12-18T23:05:55Z"`},
		{"date list", `created in (2018-12-18T23:05:55Z, 2019-01-01T00:00:00Z)`, `created in (2018-12-18T23:05:55Z, 2019-01-01T00:00:00Z)`},
		{"and", `a eq 1 and b eq 2`, `a eq 1 and b eq 2`},
		{"or", `a eq 1 or b eq 2`, `a eq 1 or b eq 2`},
		{"and binds tighter than or", `a eq 1 or b eq 2 and c eq 3`, `a eq 1 or (b eq 2 and c eq 3)`},
		{"and binds tighter than or, left", `a eq 1 and b eq 2 or c eq 3`, `(a eq 1 and b eq 2) or c eq 3`},
		{"not binds tighter than and", `not a eq 1 and b eq 2`, `not (a eq 1) and b eq 2`},
		{"not binds tighter than or", `not a eq 1 or b eq 2`, `not (a eq 1) or b eq 2`},
		{"parentheses override", `(a eq 1 or b eq 2) and c eq 3`, `(a eq 1 or b eq 2) and c eq 3`},
		{"not of group", `not (a eq 1 or b eq 2)`, `not (a eq 1 or b eq 2)`},
		{"not tight", `not(a eq 1)`, `not (a eq 1)`},
		{"double not", `not not pr a`, `not (not (pr a))`},
		{"redundant parentheses", `((a eq 1))`, `a eq 1`},
		{"chain", `a eq 1 and b eq 2 and c eq 3`, `a eq 1 and b eq 2 and c eq 3`},
		{"nested same op kept", `a eq 1 and (b eq 2 and c eq 3)`, `a eq 1 and (b eq 2 and c eq 3)`},
		{"tight parentheses", `(a eq 1)or(b eq 2)`, `a eq 1 or b eq 2`},
		{"string then keyword", `a eq "x"and b eq "y"`, `a eq "x" and b eq "y"`},
		{"no space before string", `a eq"x"`, `a eq "x"`},
		{"tabs and newlines", "\ta\teq\n\"x\"\r\n or\tpr\t b ", `a eq "x" or pr b`},
		{"escaped quote", `a eq "say \"hi\""`, `a eq "say \"hi\""`},
		{"escaped backslash", `a eq "c:\\dir"`, `a eq "c:\\dir"`},
		{"wildcards literal", `a co "%_\\"`, `a co "%_\\"`},
		{"empty string", `a eq ""`, `a eq ""`},
		{"unicode string", `a eq "Zoë 東京"`, `a eq "Zoë 東京"`},
		{"spaces in string", `a eq "user app name"`, `a eq "user app name"`},
		{"pr in and", `pr a and b isnull`, `pr a and b isnull`},
		{"not pr", `not pr a`, `not (pr a)`},
		{"not isnull", `not a isnull`, `not (a isnull)`},
		{"mixed", `name sw "a" or not (id in ("1") and pr x)`, `name sw "a" or not (id in ("1") and pr x)`},
		{"zero", `n eq 0`, `n eq 0`},
		{"leading zeros", `n eq 007`, `n eq 007`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			x, err := Parse(tt.in)
			if err != nil {
				t.Fatalf("Parse(%q): %v", tt.in, err)
			}
			if got := x.String(); got != tt.want {
				t.Fatalf("Parse(%q) = %s, want %s", tt.in, got, tt.want)
			}
			y, err := Parse(x.String())
			if err != nil || y.String() != tt.want {
				t.Fatalf("reparse of %s: %v, %v", tt.want, y, err)
			}
		})
	}
}

func TestParseLiterals(t *testing.T) {
	t.Parallel()
	first := func(t *testing.T, in string) Value {
		t.Helper()
		x, err := Parse(in)
		if err != nil {
			t.Fatalf("Parse(%q): %v", in, err)
		}
		c, ok := x.(*Cond)
		if !ok || len(c.Values) == 0 {
			t.Fatalf("Parse(%q) = %#v, want a condition with a value", in, x)
		}
		return c.Values[0]
	}
	if v := first(t, `a eq "say \"hi\" \\ ok"`); v.Kind != KindString || v.Str != `say "hi" \ ok` {
		t.Errorf("escapes: got %#v", v)
	}
	if v := first(t, `a co "%_\\"`); v.Str != `%_\` {
		t.Errorf("wildcards: got %q", v.Str)
	}
	if v := first(t, `a eq 42`); v.Kind != KindNumber || !v.IsInt || v.Int != 42 || v.Num != 42 {
		t.Errorf("int: got %#v", v)
	}
	if v := first(t, `a eq -0.5`); v.Kind != KindNumber || v.IsInt || v.Num != -0.5 {
		t.Errorf("float: got %#v", v)
	}
	if v := first(t, `a eq 99999999999999999999`); v.Kind != KindNumber || v.IsInt || v.Num != 1e20 {
		t.Errorf("big: got %#v", v)
	}
	if v := first(t, `a eq true`); v.Kind != KindBool || !v.Bool {
		t.Errorf("true: got %#v", v)
	}
	if v := first(t, `a eq false`); v.Kind != KindBool || v.Bool {
		t.Errorf("false: got %#v", v)
	}
	want := time.Date(2018, 12, 18, 17, 35, 55, 123456789, time.UTC)
	if v := first(t, `a gt 2018-12-18T23:05:55.123456789+05:30`); v.Kind != KindTime || !v.Time.Equal(want) {
		t.Errorf("date-time with offset and fraction: got %#v, want %v", v, want)
	}
	want = time.Date(2018, 12, 19, 7, 5, 55, 0, time.UTC)
	if v := first(t, `a gt 2018-12-18T23:05:55-08:00`); !v.Time.Equal(want) {
		t.Errorf("negative offset: got %v, want %v", v.Time, want)
	}
	if c := mustCond(t, `pr a`); c.Op != Pr || len(c.Values) != 0 {
		t.Errorf("pr: %#v", c)
	}
	if c := mustCond(t, "pr   x"); c.Pos != 1 {
		t.Errorf("Pos = %d", c.Pos)
	}
	if c := mustCond(t, "  x eq 1"); c.Pos != 3 {
		t.Errorf("Pos = %d", c.Pos)
	}
	for _, in := range []string{"", " ", "\t\n "} {
		if x, err := Parse(in); x != nil || err != nil {
			t.Errorf("Parse(%q) = %v, %v; want nil, nil", in, x, err)
		}
	}
}

func mustCond(t *testing.T, in string) *Cond {
	t.Helper()
	x, err := Parse(in)
	if err != nil {
		t.Fatal(err)
	}
	return x.(*Cond)
}

func TestParseCaps(t *testing.T) {
	t.Parallel()
	deep := func(n int) string {
		return strings.Repeat("(", n) + `a eq 1` + strings.Repeat(")", n)
	}
	nots := func(n int) string { return strings.Repeat("not ", n) + `a eq 1` }
	list := func(n int) string { return `a in (` + strings.TrimSuffix(strings.Repeat(`"x",`, n), ",") + `)` }
	long := func(n int) string { // a valid filter of exactly n characters
		s := `a eq "` + strings.Repeat("é", n-7) + `"`
		return s
	}
	ok := []string{deep(MaxFilterDepth), nots(MaxFilterDepth), list(MaxListItems), long(MaxFilterLength),
		`not ` + deep(MaxFilterDepth-1)}
	for _, in := range ok {
		if _, err := Parse(in); err != nil {
			t.Errorf("Parse(%.40q…): %v", in, err)
		}
	}
	bad := []struct{ in, msg string }{
		{deep(MaxFilterDepth + 1), "exceeds the maximum depth of 16"},
		{nots(MaxFilterDepth + 1), "exceeds the maximum depth of 16"},
		{`not (` + deep(MaxFilterDepth-1) + `)`, "exceeds the maximum depth of 16"},
		{list(MaxListItems + 1), `the list after "in" has more than the maximum of 250 items`},
		{strings.Replace(list(MaxListItems+1), " in ", " ca ", 1), `the list after "ca" has more than the maximum of 250 items`},
		{long(MaxFilterLength + 1), "filters is 4097 characters long; the maximum is 4096 characters"},
	}
	for _, tt := range bad {
		_, err := Parse(tt.in)
		assertError(t, tt.in, err, mica.EILLEGAL, tt.msg)
	}
}

func assertError(t *testing.T, in string, err error, code, msg string) {
	t.Helper()
	var e *mica.Error
	if !errors.As(err, &e) {
		t.Errorf("%.60q: got error %v (%T), want *mica.Error", in, err, err)
		return
	}
	if e.Code != code || !strings.Contains(e.Message, msg) {
		t.Errorf("%.60q:\n got %s: %s\nwant %s: …%s…", in, e.Code, e.Message, code, msg)
	}
}

func TestParseMalformed(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, msg string }{
		{`name eq`, `position 8: expected a value after "eq"`},
		{`name ne`, `position 8: expected a value after "ne"`},
		{`name eq )`, `position 9: expected a value after "eq", found ")"`},
		{`name EQ "x"`, `position 6: operator "EQ" must be lower-case`},
		{`name In ("a")`, `operator "In" must be lower-case`},
		{`name IsNull`, `operator "IsNull" must be lower-case`},
		{`name eq "x" AND id eq "y"`, `position 13: logical operator "AND" must be lower-case`},
		{`name eq "é" AND id eq "y"`, `position 13: logical operator "AND" must be lower-case`},
		{`(name eq "x" OR id eq "y")`, `logical operator "OR" must be lower-case`},
		{`NOT name eq "x"`, `position 1: operator "NOT" must be lower-case`},
		{`PR name`, `operator "PR" must be lower-case`},
		{`name eq "x`, `position 9: unterminated string`},
		{`name eq "a\`, `position 9: unterminated string`},
		{`name eq "a\nb"`, `position 11: invalid escape "\\n" in string`},
		{`name co "a\'b"`, `invalid escape "\\'"`},
		{`name eq "a\u0041"`, `invalid escape "\\u"`},
		{`name eq x`, `found "x"; strings must be double-quoted`},
		{`name eq -`, `found "-"; strings must be double-quoted`},
		{`name eq null`, `null is not a value`},
		{`name eq TRUE`, `boolean "TRUE" must be lower-case`},
		{`name eq False`, `boolean "False" must be lower-case`},
		{`name foo "x"`, `position 6: unknown operator "foo" after field "name"`},
		{`name`, `position 5: expected an operator after field "name", found the end of the filter`},
		{`name "x"`, `expected an operator after field "name", found string "x"`},
		{`name.eq "x"`, `expected an operator after field "name.eq"`},
		{`(name eq "x"`, `position 13: expected ")" to close the "(" at position 1`},
		{`name eq "x")`, `position 12: unbalanced ")"`},
		{`()`, `position 2: empty parentheses`},
		{`name eq "x" and`, `position 16: unexpected end of the filter`},
		{`name eq "x" or`, `unexpected end of the filter`},
		{`name eq "x" and (`, `unexpected end of the filter`},
		{`not`, `position 4: unexpected end of the filter`},
		{`name eq "x" and not`, `unexpected end of the filter`},
		{`and name eq "x"`, `position 1: expected a field name, "(", "not" or "pr", found "and"`},
		{`name eq "x" or or id eq "y"`, `found "or"`},
		{`name eq "x" and and id eq "y"`, `found "and"`},
		{`eq eq "x"`, `expected a field name, "(", "not" or "pr", found "eq"`},
		{`.name eq "x"`, `found ".name"`},
		{`name. eq "x"`, `found "name."`},
		{`1abc eq "x"`, `found "1abc"`},
		{`, name eq "x"`, `found ","`},
		{`"name" eq "x"`, `found string "name"`},
		{`name in "x"`, `position 9: expected "(" and a list of values after "in", found string "x"`},
		{`name ca "x"`, `expected "(" and a list of values after "ca"`},
		{`name in ()`, `position 10: empty list after "in"`},
		{`name in ("a",)`, `position 14: expected a value after ","`},
		{`name in ("a", )`, `expected a value after ","`},
		{`name in ("a" "b")`, `position 14: expected "," or ")" in the list after "in", found string "b"`},
		{`name in ("a"`, `expected "," or ")" in the list after "in", found the end of the filter`},
		{`name in (("a"))`, `expected a value after "in", found "("`},
		{`pr`, `position 3: expected a field name after "pr", found the end of the filter`},
		{`pr "x"`, `expected a field name after "pr", found string "x"`},
		{`pr eq`, `expected a field name after "pr", found "eq"`},
		{`name pr`, `"pr" is a prefix operator: write "pr name"`},
		{`name isnull "x"`, `expected "and", "or" or the end of the filter, found string "x"`},
		{`name eq "x" "y"`, `position 13: expected "and", "or" or the end of the filter, found string "y"`},
		{`name eq "x" , id eq "y"`, `found ","`},
		{`name eq "é"x`, `position 12: expected "and", "or" or the end of the filter, found "x"`},
		{`name eq @`, `position 9: unexpected character '@'`},
		{`name = "x"`, `position 6: unexpected character '='`},
		{`name eq 'x'`, `unexpected character '\''`},
		{`name eq "x" && id eq "y"`, `unexpected character '&'`},
		{`name eq "x" ; drop table`, `unexpected character ';'`},
		{"name eq «x»", `position 9: unexpected character '«'`},
		{`created gt 2024-13-01T00:00:00Z`, `malformed number or date-time "2024-13-01T00:00:00Z"`},
		{`created gt 2024-01-01`, `malformed number or date-time "2024-01-01"`},
		{`created gt 2024-01-01T00:00:00`, `malformed number or date-time`},
		{`created gt 2024-01-01T00:00:00 05:00`, `send it as %2B`},
		{`created gt 2024-01-01T00:00:00.Z`, `malformed number or date-time "2024-01-01T00:00:00.Z"`},
		{`created gt 2024-01-01t00:00:00z`, `malformed number or date-time`},
		{`created gt 2024-01-01T00:00:00+0500`, `malformed number or date-time`},
		{`n eq 1.`, `malformed number or date-time "1."`},
		{`n eq 1e999`, `number "1e999" is out of range`},
		{`n eq 1-2`, `malformed number or date-time "1-2"`},
		{"name eq \"\xff\"", `position 10: not valid UTF-8`},
		{"name eq \"a\x00\"", `position 11: NUL character in string`},
		{"name eq \x00", `unexpected character '\x00'`},
	}
	if len(tests) < 40 {
		t.Fatalf("only %d malformed cases", len(tests))
	}
	for _, tt := range tests {
		_, err := Parse(tt.in)
		assertError(t, tt.in, err, mica.EINVALID, tt.msg)
	}
}

func TestParseSorters(t *testing.T) {
	t.Parallel()
	good := []struct {
		in   string
		want []SortTerm
	}{
		{"", nil},
		{"  ", nil},
		{"name", []SortTerm{{"name", false}}},
		{"-name", []SortTerm{{"name", true}}},
		{"type,-modified", []SortTerm{{"type", false}, {"modified", true}}},
		{" type , - modified ", []SortTerm{{"type", false}, {"modified", true}}},
		{"owner.id,a,b,c,d,e,f,g", []SortTerm{{"owner.id", false}, {"a", false}, {"b", false}, {"c", false},
			{"d", false}, {"e", false}, {"f", false}, {"g", false}}},
	}
	for _, tt := range good {
		got, err := ParseSorters(tt.in)
		if err != nil || len(got) != len(tt.want) {
			t.Errorf("ParseSorters(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
			continue
		}
		for i := range got {
			if got[i] != tt.want[i] {
				t.Errorf("ParseSorters(%q)[%d] = %v, want %v", tt.in, i, got[i], tt.want[i])
			}
		}
	}
	bad := []struct{ in, code, msg string }{
		{"name,", mica.EINVALID, "invalid sorters at position 6: empty sort term"},
		{",name", mica.EINVALID, "invalid sorters at position 1: empty sort term"},
		{"name,,id", mica.EINVALID, "position 6: empty sort term"},
		{"name,-name", mica.EINVALID, `position 6: field "name" appears more than once`},
		{"-", mica.EINVALID, `"-" without a field name`},
		{"--name", mica.EINVALID, `malformed field name "-name"`},
		{"na me", mica.EINVALID, `malformed field name "na me"`},
		{"+name", mica.EINVALID, `malformed field name "+name"`},
		{"name\xff", mica.EINVALID, "not valid UTF-8"},
		{"a,b,c,d,e,f,g,h,i", mica.EILLEGAL, "sorters has 9 terms; the maximum is 8"},
		{strings.Repeat("a", MaxSortersLength+1), mica.EILLEGAL, "the maximum is 1024 characters"},
	}
	for _, tt := range bad {
		_, err := ParseSorters(tt.in)
		assertError(t, tt.in, err, tt.code, tt.msg)
	}
}
