package query

import (
	"regexp"

	"github.com/micahq/mica"
	"strconv"
	"strings"
	"time"
)

// Dialect is what differs between SQL databases in a compiled filter or sort.
// Arguments named col are SQL expressions known to be non-NULL where the method
// is used; arguments named arg are placeholders returned by Placeholder. Every
// boolean expression a Dialect returns must be TRUE or FALSE, never NULL, for
// non-NULL inputs.
type Dialect interface {
	// Name is the dialect's name, e.g. "sqlite".
	Name() string
	// Placeholder returns the n-th (1-based) bind parameter, for a value of type t.
	Placeholder(n int, t FieldType) string
	// CompareFold compares two strings case-insensitively with op, one of
	// = <> < <= > >=.
	CompareFold(col, op, arg string) string
	// InFold reports whether col equals one of args, case-insensitively.
	InFold(col string, args []string) string
	// ContainsFold reports whether arg occurs in col, case-insensitively and
	// literally (no wildcard characters).
	ContainsFold(col, arg string) string
	// HasPrefixFold reports whether col starts with arg, case-insensitively and
	// literally.
	HasPrefixFold(col, arg string) string
	// ListContainsFold reports whether the StringList column col (which may be
	// NULL: then false) has an element equal to arg, case-insensitively.
	ListContainsFold(col, arg string) string
	// SortKeyFold returns the expression that orders the string col
	// case-insensitively.
	SortKeyFold(col string) string
	// Order returns one ORDER BY term: NULLs first when ascending, last when
	// descending.
	Order(expr string, desc bool) string
	// BoolArg encodes a boolean argument for the driver.
	BoolArg(b bool) any
	// TimeArg encodes a date-time argument for the driver.
	TimeArg(t time.Time) any
	// TimeText returns the date-time col as text in TimeLayout, the form the
	// API shows (for `sw` on a date-time).
	TimeText(col string) string
	// ObjectEq reports whether the Object col equals the JSON object arg (a
	// placeholder bound to its text in encoding/json's form).
	ObjectEq(col, arg string) string
	// ObjectSortKey returns the expression that orders the Object col by its
	// text, byte by byte.
	ObjectSortKey(col string) string
}

// Precision is the precision of every stored date-time: the API shows
// milliseconds, and a value is stored, compared and shown at that one precision
// (a filter on a value the API showed then finds exactly that item).
const Precision = mica.TimePrecision

// TimeLayout is the form of a date-time on the wire and in SQLite's TEXT
// columns: UTC, fixed width, always three fractional digits, so that text order
// is time order and the stored text is what the API shows.
const TimeLayout = "2006-01-02T15:04:05.000Z"

// FormatTime formats t in UTC as TimeLayout, truncated to the millisecond. Years
// outside 0000-9999 do not keep the fixed width; filters reject them.
func FormatTime(t time.Time) string {
	return t.UTC().Format(TimeLayout)
}

// Truncate returns t in UTC at the stored precision.
func Truncate(t time.Time) time.Time { return t.UTC().Truncate(Precision) }

// SQLite is the dialect of modernc.org/sqlite. Strings fold with COLLATE NOCASE
// and lower() (ASCII letters only), so a NOCASE index serves eq, in and sorting;
// co and sw use instr(); StringList columns are JSON array TEXT read with
// json_each; booleans are 0/1; date-times are FormatTime text (milliseconds).
var SQLite Dialect = sqliteDialect{}

// Postgres is the dialect of PostgreSQL (pgx). Placeholders are $n with a cast
// to the field's type; strings fold with lower(); co and sw use strpos() and
// starts_with(); StringList columns are jsonb arrays of strings read with
// jsonb_array_elements_text; booleans are boolean; date-times are
// timestamptz(3) passed as time.Time.
var Postgres Dialect = postgresDialect{}

type sqliteDialect struct{}

func (sqliteDialect) Name() string                      { return "sqlite" }
func (sqliteDialect) Placeholder(int, FieldType) string { return "?" }
func (sqliteDialect) CompareFold(col, op, arg string) string {
	return col + " COLLATE NOCASE " + op + " " + arg
}
func (sqliteDialect) InFold(col string, args []string) string {
	return col + " COLLATE NOCASE IN (" + strings.Join(args, ", ") + ")"
}
func (sqliteDialect) ContainsFold(col, arg string) string {
	return "instr(lower(" + col + "), lower(" + arg + ")) > 0"
}
func (sqliteDialect) HasPrefixFold(col, arg string) string {
	return "instr(lower(" + col + "), lower(" + arg + ")) = 1"
}
func (sqliteDialect) ListContainsFold(col, arg string) string {
	return "EXISTS (SELECT 1 FROM json_each(" + col + ") AS je WHERE je.value COLLATE NOCASE = " + arg + ")"
}
func (sqliteDialect) SortKeyFold(col string) string { return col + " COLLATE NOCASE" }
func (sqliteDialect) Order(expr string, desc bool) string {
	// SQLite's defaults already put NULLs first ascending and last descending.
	if desc {
		return expr + " DESC"
	}
	return expr + " ASC"
}
func (sqliteDialect) BoolArg(b bool) any {
	if b {
		return int64(1)
	}
	return int64(0)
}
func (sqliteDialect) TimeArg(t time.Time) any    { return FormatTime(t) }
func (sqliteDialect) TimeText(col string) string { return col }

// SQLite keeps Object columns as the text encoding/json writes, the form the
// literal is brought to: equal objects have equal text.
func (sqliteDialect) ObjectEq(col, arg string) string { return col + " = " + arg }
func (sqliteDialect) ObjectSortKey(col string) string { return col }

type postgresDialect struct{}

var pgTypes = map[FieldType]string{
	String: "text", Bool: "boolean", Time: "timestamptz", Number: "numeric", StringList: "text", Object: "jsonb",
}

func (postgresDialect) Name() string { return "postgres" }
func (postgresDialect) Placeholder(n int, t FieldType) string {
	p := "$" + strconv.Itoa(n)
	if typ, ok := pgTypes[t]; ok {
		p += "::" + typ
	}
	return p
}
func (postgresDialect) CompareFold(col, op, arg string) string {
	return "lower(" + col + ") " + op + " lower(" + arg + ")"
}
func (postgresDialect) InFold(col string, args []string) string {
	l := make([]string, len(args))
	for i, a := range args {
		l[i] = "lower(" + a + ")"
	}
	return "lower(" + col + ") IN (" + strings.Join(l, ", ") + ")"
}
func (postgresDialect) ContainsFold(col, arg string) string {
	return "strpos(lower(" + col + "), lower(" + arg + ")) > 0"
}
func (postgresDialect) HasPrefixFold(col, arg string) string {
	return "starts_with(lower(" + col + "), lower(" + arg + "))"
}
func (postgresDialect) ListContainsFold(col, arg string) string {
	return "EXISTS (SELECT 1 FROM jsonb_array_elements_text(" + col + ") AS je(v) WHERE lower(je.v) = lower(" + arg + "))"
}
func (postgresDialect) SortKeyFold(col string) string { return "lower(" + col + ")" }
func (postgresDialect) Order(expr string, desc bool) string {
	if desc {
		return expr + " DESC NULLS LAST"
	}
	return expr + " ASC NULLS FIRST"
}
func (postgresDialect) BoolArg(b bool) any              { return b }
func (postgresDialect) TimeArg(t time.Time) any         { return t.UTC() }
func (postgresDialect) ObjectEq(col, arg string) string { return "(" + col + ")::jsonb = " + arg }

// PostgreSQL keeps Object columns as json, the text mica wrote.
func (postgresDialect) ObjectSortKey(col string) string { return "(" + col + `)::text COLLATE "C"` }
func (postgresDialect) TimeText(col string) string {
	return `to_char(` + col + ` AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`
}

var simpleColumnRE = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)?$`)

// sqlExpr parenthesises a column expression unless it is a plain column name,
// so operators appended to it bind to all of it.
func sqlExpr(col string) string {
	if simpleColumnRE.MatchString(col) {
		return col
	}
	return "(" + col + ")"
}
