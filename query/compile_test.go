package query

import (
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/micahq/mica"
)

func TestResourcesValidate(t *testing.T) {
	t.Parallel()
	for _, r := range All {
		if err := r.Validate(); err != nil {
			t.Error(err)
		}
	}
	if err := testRes.Validate(); err != nil {
		t.Error(err)
	}
	broken := []*Resource{
		{Name: "x"},
		{Name: "x", IDColumn: "x.id", Fields: []Field{{Name: "a", Column: "x.a", Type: Bool, Ops: []Op{Co}}}},
		{Name: "x", IDColumn: "x.id", Fields: []Field{{Name: "a", Column: "x.a", Ops: []Op{Eq}}}},
		{Name: "x", IDColumn: "x.id", Fields: []Field{{Name: "a", Column: "x.a", Type: String}}},
		{Name: "x", IDColumn: "x.id", Fields: []Field{{Name: "a", Type: String, Ops: []Op{Eq}}}},
		{Name: "x", IDColumn: "x.id", Fields: []Field{{Name: "a.", Column: "x.a", Type: String, Ops: []Op{Eq}}}},
		{Name: "x", IDColumn: "x.id", Fields: []Field{{Name: "a", Column: "x.a", Type: String, Ops: []Op{Eq, Eq}}}},
		{Name: "x", IDColumn: "x.id", Fields: []Field{{Name: "a", Column: "x.a", Type: String, Ops: []Op{Eq}},
			{Name: "a", Column: "x.b", Type: String, Ops: []Op{Eq}}}},
		{Name: "x", IDColumn: "x.id", Sorters: []Sorter{{Name: "a", Column: "x.a"}, {Name: "a", Column: "x.a"}}},
		{Name: "x", IDColumn: "x.id", DefaultSort: "nope"},
		{Name: "x", IDColumn: "x.id", DefaultSort: "a,"},
	}
	for i, r := range broken {
		if err := r.Validate(); err == nil {
			t.Errorf("broken resource %d validated", i)
		}
	}
}

// TestResourcesMatchSpec spot-checks the allowlists against the spec text.
func TestResourcesMatchSpec(t *testing.T) {
	t.Parallel()
	ops := func(r *Resource, field string) string {
		f := r.field(field)
		if f == nil {
			return "<none>"
		}
		return opList(f.Ops)
	}
	checks := []struct {
		r           *Resource
		field, want string
	}{
		{Sources, "name", "co, eq, in, sw, ge, gt, ne, isnull"},
		{Sources, "features", "ca, co"},
		{Sources, "healthy", "isnull"},
		{Sources, "category", "co, eq, ge, gt, in, le, lt, ne, sw"},
		{ListSources.For("v3"), "created", "eq, ge, gt, in, le, lt, ne, isnull, sw"},
		{ListSources.For("beta"), "created", "eq"},
		{ListAccounts.For("v3"), "recommendation.method", "eq, in, isnull"},
		{ListAccounts.For("v2024"), "recommendation.type", "<none>"},
		{ListAccounts.For("v2025"), "recommendation.type", "eq, in, isnull"},
		{ListAccounts.For("beta"), "created", "eq, ge, gt, le"},
		{ListAccounts.For("v2026"), "isMachine", "<none>"},
		{ListAccounts.For("mica"), "isMachine", "eq"},
		{Identities, "firstname", "eq, sw"},
		{AccessProfiles, "created", "gt, ge, le"},
		{SourceAppsAssigned, "name", "eq, in, co, sw"},
		{SourceAppsAll, "modified", "gt, ge, le"},
		{SourceAppsAll, "enabled", "eq"},
		{SourceAppAccessProfiles, "name", "eq, in"},
		{UserApps, "ownerId", "<none>"},
		{UserAppsAll, "ownerId", "eq"},
		{UserApps, "ownerAlias", "eq, sw"},
		{MachineAccounts, "machineIdentity.name", "eq, in, sw"},
		{MachineAccounts, "created", "eq, gt, lt, ge, le"},
	}
	for _, c := range checks {
		if got := ops(c.r, c.field); got != c.want {
			t.Errorf("%s %s: ops %q, want %q", c.r.Name, c.field, got, c.want)
		}
	}
	if ListAccounts.For("beta").sorter("sourceOwner.name") == nil || ListAccounts.For("v1").sorter("hasEntitlements") != nil {
		t.Error("sourceOwner.name and hasEntitlements sort beta's accounts only")
	}
	if SourceAppsAssigned.sorter("owner.id") != nil || SourceAppsAvailable.sorter("owner.id") == nil {
		t.Error("owner.id must sort /source-apps but not /source-apps/assigned")
	}
	if len(UserApps.Sorters) != 0 || len(SourceAppAccessProfiles.Sorters) != 0 {
		t.Error("#17 and #21 have no sorters")
	}
}

func TestCompileSQL(t *testing.T) {
	t.Parallel()
	tests := []struct {
		d                Dialect
		r                *Resource
		filters, sorters string
		offset           int
		where, orderBy   string
		args             []any
	}{
		{SQLite, Sources, "", "", 0, "", "s.name COLLATE NOCASE ASC, s.id ASC", nil},
		{Postgres, Sources, "", "", 0, "", "lower(s.name) ASC NULLS FIRST, s.id ASC NULLS FIRST", nil},
		{SQLite, Sources, `name eq "A"`, "-created,name", 0,
			"(s.name IS NOT NULL AND s.name COLLATE NOCASE = ?)", "s.created DESC, s.name COLLATE NOCASE ASC, s.id ASC", []any{"A"}},
		{SQLite, Sources, `name ne "A"`, "-id", 0, "(s.name IS NULL OR s.name COLLATE NOCASE <> ?)", "s.id DESC", []any{"A"}},
		{Postgres, Sources, `name eq "A" and id in ("b","c")`, "", 3,
			"((s.name IS NOT NULL AND lower(s.name) = lower($4::text)) AND (s.id IS NOT NULL AND lower(s.id) IN (lower($5::text), lower($6::text))))",
			"lower(s.name) ASC NULLS FIRST, s.id ASC NULLS FIRST", []any{"A", "b", "c"}},
		{SQLite, Sources, `name co "50%_\\"`, "", 0,
			"(s.name IS NOT NULL AND instr(lower(s.name), lower(?)) > 0)", "s.name COLLATE NOCASE ASC, s.id ASC", []any{`50%_\`}},
		{Postgres, Sources, `name sw "x"`, "", 0,
			"(s.name IS NOT NULL AND starts_with(lower(s.name), lower($1::text)))", "lower(s.name) ASC NULLS FIRST, s.id ASC NULLS FIRST", []any{"x"}},
		{SQLite, Sources, `authoritative eq true`, "", 0, "(s.authoritative IS NOT NULL AND s.authoritative = ?)", "", []any{int64(1)}},
		{Postgres, Sources, `authoritative eq false`, "", 0, "(s.authoritative IS NOT NULL AND s.authoritative = $1::boolean)", "", []any{false}},
		{SQLite, Sources, `healthy isnull`, "", 0, "(s.healthy IS NULL)", "", nil},
		{SQLite, Sources, `not (healthy isnull or name gt "m")`, "", 0,
			"(NOT ((s.healthy IS NULL) OR (s.name IS NOT NULL AND s.name COLLATE NOCASE > ?)))", "", []any{"m"}},
		{SQLite, Sources, `created gt 2024-01-02T03:04:05.5+01:00`, "", 0,
			"(s.created IS NOT NULL AND s.created > ?)", "", []any{"2024-01-02T02:04:05.500Z"}},
		{Postgres, Sources, `created le "2024-01-02T03:04:05Z"`, "", 0,
			"(s.created IS NOT NULL AND s.created <= $1::timestamptz)", "", []any{time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)}},
		{SQLite, Sources, `features ca ("A","b")`, "", 0,
			"(EXISTS (SELECT 1 FROM json_each(s.features) AS je WHERE je.value COLLATE NOCASE = ?) AND " +
				"EXISTS (SELECT 1 FROM json_each(s.features) AS je WHERE je.value COLLATE NOCASE = ?))", "", []any{"A", "b"}},
		{Postgres, Sources, `features co "A"`, "", 1,
			"(EXISTS (SELECT 1 FROM jsonb_array_elements_text(s.features) AS je(v) WHERE lower(je.v) = lower($2::text)))", "", []any{"A"}},
		{SQLite, Sources, `created sw "2024-01"`, "", 0,
			"(s.created IS NOT NULL AND instr(lower(s.created), lower(?)) = 1)", "", []any{"2024-01"}},
		{Postgres, Sources, `modified sw "2024-01-02T"`, "", 0,
			`(s.modified IS NOT NULL AND starts_with(lower(to_char(s.modified AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')), lower($1::text)))`,
			"", []any{"2024-01-02T"}},
		{SQLite, MachineAccounts, `attributes eq "{\"b\": 1, \"a\": \"x\"}"`, "-attributes", 0,
			"((COALESCE(a.machine_attributes, '{}')) IS NOT NULL AND (COALESCE(a.machine_attributes, '{}')) = ?)",
			"(COALESCE(a.machine_attributes, '{}')) DESC, a.id ASC", []any{`{"a":"x","b":1}`}},
		{Postgres, MachineAccounts, `attributes eq "{}"`, "attributes", 0,
			"((COALESCE(a.machine_attributes, '{}')) IS NOT NULL AND ((COALESCE(a.machine_attributes, '{}')))::jsonb = $1::jsonb)",
			`((COALESCE(a.machine_attributes, '{}')))::text COLLATE "C" ASC NULLS FIRST, a.id ASC NULLS FIRST`, []any{`{}`}},
		// A literal finer than the stored millisecond is compared exactly.
		{SQLite, Sources, `created eq 2024-01-02T03:04:05.0001Z`, "", 0, "(1 = 0)", "", nil},
		{SQLite, Sources, `created ne 2024-01-02T03:04:05.0001Z`, "", 0, "(1 = 1)", "", nil},
		{SQLite, Sources, `created ge 2024-01-02T03:04:05.0001Z`, "", 0,
			"(s.created IS NOT NULL AND s.created > ?)", "", []any{"2024-01-02T03:04:05.000Z"}},
		{SQLite, Sources, `created lt 2024-01-02T03:04:05.0001Z`, "", 0,
			"(s.created IS NOT NULL AND s.created <= ?)", "", []any{"2024-01-02T03:04:05.000Z"}},
		{SQLite, Sources, `created in (2024-01-02T03:04:05.0001Z, 2024-01-02T03:04:05Z)`, "", 0,
			"(s.created IS NOT NULL AND s.created IN (?))", "", []any{"2024-01-02T03:04:05.000Z"}},
		{SQLite, Sources, `created in (2024-01-02T03:04:05.0001Z)`, "", 0, "(1 = 0)", "", nil},
		// Long chains compile to a balanced tree.
		{SQLite, UserApps, `id eq "1" or id eq "2" or id eq "3" or id eq "4"`, "", 0,
			"(((ua.id IS NOT NULL AND ua.id COLLATE NOCASE = ?) OR (ua.id IS NOT NULL AND ua.id COLLATE NOCASE = ?)) OR " +
				"((ua.id IS NOT NULL AND ua.id COLLATE NOCASE = ?) OR (ua.id IS NOT NULL AND ua.id COLLATE NOCASE = ?)))",
			"ua.id ASC", []any{"1", "2", "3", "4"}},
		{SQLite, SourceAppAccessProfiles, "", "", 0, "", "ap.name COLLATE NOCASE ASC, ap.id ASC", nil},
		{SQLite, Accounts, "", "", 0, "", "a.id ASC", nil},
		{SQLite, Accounts, "", "hasEntitlements,-source.displayableName", 0, "",
			"a.has_entitlements ASC, a.source_name COLLATE NOCASE DESC, a.id ASC", nil},
		{SQLite, testRes, `sx eq "a!"`, "sx", 0,
			"((t.s || '!') IS NOT NULL AND (t.s || '!') COLLATE NOCASE = ?)", "(t.s || '!') COLLATE NOCASE ASC, t.id ASC", []any{"a!"}},
		{Postgres, testRes, `n gt 1.5 and n in (1, 2)`, "-n", 0,
			"((t.n IS NOT NULL AND t.n > $1::numeric) AND (t.n IS NOT NULL AND t.n IN ($2::numeric, $3::numeric)))",
			"t.n DESC NULLS LAST, t.id ASC NULLS FIRST", []any{1.5, int64(1), int64(2)}},
	}
	for _, tt := range tests {
		c, err := tt.r.Compile(tt.d, tt.filters, tt.sorters, tt.offset)
		if err != nil {
			t.Errorf("%s %s Compile(%q, %q): %v", tt.d.Name(), tt.r.Name, tt.filters, tt.sorters, err)
			continue
		}
		if c.Where != tt.where {
			t.Errorf("%s %q: Where\n got %s\nwant %s", tt.d.Name(), tt.filters, c.Where, tt.where)
		}
		if tt.orderBy != "" && c.OrderBy != tt.orderBy {
			t.Errorf("%s %q: OrderBy\n got %s\nwant %s", tt.d.Name(), tt.sorters, c.OrderBy, tt.orderBy)
		}
		if len(c.Args) != len(tt.args) {
			t.Errorf("%s %q: args %#v, want %#v", tt.d.Name(), tt.filters, c.Args, tt.args)
			continue
		}
		for i := range c.Args {
			if tm, ok := tt.args[i].(time.Time); ok {
				if got, ok := c.Args[i].(time.Time); !ok || !got.Equal(tm) {
					t.Errorf("%s %q: arg %d = %#v, want %v", tt.d.Name(), tt.filters, i, c.Args[i], tm)
				}
			} else if c.Args[i] != tt.args[i] {
				t.Errorf("%s %q: arg %d = %#v, want %#v", tt.d.Name(), tt.filters, i, c.Args[i], tt.args[i])
			}
		}
	}
}

func TestCompileErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		r                *Resource
		filters, sorters string
		code, msg        string
	}{
		{Sources, `foo eq "x"`, "", mica.EILLEGAL, `field "foo" is not filterable; filterable fields: id, name, type, owner.id, features, created`},
		{Sources, `Name eq "x"`, "", mica.EILLEGAL, `field "Name" is not filterable (did you mean "name"?)`},
		{Sources, `id co "x"`, "", mica.EILLEGAL, `operator "co" is not supported for field "id"; allowed: eq, in, ge, gt, le, lt, ne, isnull, sw`},
		{ListSources.For("beta"), `created sw "2024"`, "", mica.EILLEGAL, `operator "sw" is not supported for field "created"; allowed: eq`},
		{Sources, `created sw 5`, "", mica.EILLEGAL, `expected a double-quoted start of a date-time`},
		{MachineAccounts, `attributes eq "[1]"`, "", mica.EILLEGAL, `string "[1]" is not a JSON object`},
		{MachineAccounts, `attributes eq true`, "", mica.EILLEGAL, `expected a JSON object in a double-quoted string`},
		{Sources, `pr name`, "", mica.EILLEGAL, `operator "pr" is not supported for field "name"`},
		{Sources, `healthy eq true`, "", mica.EILLEGAL, `operator "eq" is not supported for field "healthy"; allowed: isnull`},
		{Sources, `authoritative eq "true"`, "", mica.EILLEGAL, `invalid value for field "authoritative": expected true or false, got string "true"`},
		{Sources, `authoritative eq 1`, "", mica.EILLEGAL, `expected true or false, got number 1`},
		{Sources, `created gt 5`, "", mica.EILLEGAL, `invalid value for field "created": expected an RFC 3339 date-time, got number 5`},
		{Sources, `created gt "yesterday"`, "", mica.EILLEGAL, `expected an RFC 3339 date-time, got string "yesterday"`},
		{Sources, `created gt "2024-01-01"`, "", mica.EILLEGAL, `got string "2024-01-01"`},
		{Sources, `created gt true`, "", mica.EILLEGAL, `got boolean true`},
		{Sources, `created eq 9999-12-31T23:00:00-05:00`, "", mica.EILLEGAL, `date-time 9999-12-31T23:00:00-05:00 is out of range`},
		{Sources, `created eq 0000-01-01T00:00:00+01:00`, "", mica.EILLEGAL, `is out of range`},
		{Sources, `name eq 5`, "", mica.EILLEGAL, `invalid value for field "name": expected a double-quoted string, got number 5`},
		{Sources, `name eq true`, "", mica.EILLEGAL, `got boolean true`},
		{Sources, `name eq 2024-01-01T00:00:00Z`, "", mica.EILLEGAL, `got date-time 2024-01-01T00:00:00Z`},
		{Sources, `name in ("a", 5)`, "", mica.EILLEGAL, `field "name": expected a double-quoted string, got number 5`},
		{Sources, `features ca (1)`, "", mica.EILLEGAL, `field "features": expected a double-quoted string, got number 1`},
		{Sources, `features co 5`, "", mica.EILLEGAL, `field "features"`},
		{Sources, `name eq "x" and (id eq "y" or nope isnull)`, "", mica.EILLEGAL, `field "nope" is not filterable`},
		{testRes, `n eq "5"`, "", mica.EILLEGAL, `invalid value for field "n": expected a number, got string "5"`},
		{UserApps, `name eq "user app name"`, "", mica.EILLEGAL, `field "name" is not filterable; filterable fields: id, ownerName, ownerAlias, accountId, sourceAppId`},
		{UserApps, `ownerId eq "x"`, "", mica.EILLEGAL, `field "ownerId" is not filterable`},
		{ListAccounts.For("v2026"), `recommendation.type eq "HUMAN"`, "", mica.EILLEGAL, `field "recommendation.type" is not filterable`},
		{ListAccounts.For("v2025"), `isMachine eq true`, "", mica.EILLEGAL, `field "isMachine" is not filterable`},
		{ListAccounts.For("v3"), "", "hasEntitlements", mica.EILLEGAL, `field "hasEntitlements" is not sortable`},
		{Sources, `name eq`, "", mica.EINVALID, `invalid filter at position 8: expected a value after "eq"`},
		{Sources, "", "foo", mica.EILLEGAL, `field "foo" is not sortable; sortable fields: type, created, modified, name, owner.name`},
		{Sources, "", "name,features", mica.EILLEGAL, `field "features" is not sortable`},
		{Sources, "", "-Name", mica.EILLEGAL, `field "Name" is not sortable (did you mean "name"?); sortable fields: type,`},
		{UserApps, "", "id", mica.EILLEGAL, `field "id" is not sortable; user-apps has no sortable fields`},
		{Sources, "", "name,", mica.EINVALID, `invalid sorters at position 6: empty sort term`},
		{Sources, "", "name,-name", mica.EINVALID, `field "name" appears more than once`},
		{Sources, "", "a,b,c,d,e,f,g,h,i", mica.EILLEGAL, `the maximum is 8`},
		{Sources, `name eq "x"`, "name,name", mica.EINVALID, `appears more than once`},
	}
	for _, tt := range tests {
		_, err := tt.r.Compile(SQLite, tt.filters, tt.sorters, 0)
		assertError(t, tt.filters+" | "+tt.sorters, err, tt.code, tt.msg)
		_, err = tt.r.Compile(Postgres, tt.filters, tt.sorters, 0)
		assertError(t, tt.filters+" | "+tt.sorters, err, tt.code, tt.msg)
	}
	if _, err := Sources.Compile(SQLite, "", "", -1); err == nil || mica.ErrorCode(err) != mica.EINTERNAL {
		t.Errorf("negative argOffset: %v", err)
	}
	bad := &Resource{Name: "bad", IDColumn: "x.id", Fields: []Field{{Name: "a", Column: "x.a", Ops: []Op{Eq}}}}
	if _, err := bad.Compile(SQLite, `a eq "x"`, "", 0); err == nil || mica.ErrorCode(err) != mica.EINTERNAL {
		t.Errorf("untyped field: %v", err)
	}
}

func TestFormatTime(t *testing.T) {
	t.Parallel()
	loc := time.FixedZone("", -5*3600)
	tests := []struct {
		in   time.Time
		want string
	}{
		{time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC), "2024-01-02T03:04:05.000Z"},
		{time.Date(2024, 1, 2, 3, 4, 5, 123456789, time.UTC), "2024-01-02T03:04:05.123Z"},
		{time.Date(2024, 1, 2, 22, 4, 5, 1000000, loc), "2024-01-03T03:04:05.001Z"},
		{time.Date(2024, 1, 2, 22, 4, 5, 999999, loc), "2024-01-03T03:04:05.000Z"},
		{time.Date(2024, 12, 31, 23, 59, 59, 999999999, time.UTC), "2024-12-31T23:59:59.999Z"},
	}
	for _, tt := range tests {
		if got := FormatTime(tt.in); got != tt.want {
			t.Errorf("FormatTime(%v) = %s, want %s", tt.in, got, tt.want)
		}
		if got := FormatTime(Truncate(tt.in)); got != tt.want {
			t.Errorf("FormatTime(Truncate(%v)) = %s, want %s", tt.in, got, tt.want)
		}
	}
	if got := SQLite.TimeArg(tests[2].in); got != tests[2].want {
		t.Errorf("SQLite.TimeArg = %v", got)
	}
}

func TestParsePage(t *testing.T) {
	t.Parallel()
	good := []struct {
		q    string
		want Page
	}{
		{"", Page{Limit: 250}},
		{"limit=10", Page{Limit: 10}},
		{"limit=0", Page{Limit: 0}},
		{"limit=250&offset=1", Page{Limit: 250, Offset: 1}},
		{"limit=&offset=", Page{Limit: 250}},
		{"offset=2147483647", Page{Limit: 250, Offset: 2147483647}},
		{"count=true", Page{Limit: 250, Count: true}},
		{"count=TRUE", Page{Limit: 250, Count: true}},
		{"count=false", Page{Limit: 250}},
		{"limit=5&limit=7", Page{Limit: 5}},
	}
	for _, tt := range good {
		v, _ := url.ParseQuery(tt.q)
		got, err := ParsePage(v)
		if err != nil || got != tt.want {
			t.Errorf("ParsePage(%q) = %+v, %v; want %+v", tt.q, got, err, tt.want)
		}
	}
	bad := []struct{ q, code, msg string }{
		{"limit=251", mica.EILLEGAL, `query parameter "limit" must be between 0 and 250, got 251`},
		{"limit=-1", mica.EILLEGAL, `query parameter "limit" must be between 0 and 250, got -1`},
		{"limit=99999999999999999999999", mica.EILLEGAL, `"limit" must be between 0 and 250`},
		{"limit=ten", mica.EINVALID, `query parameter "limit" must be an integer, got "ten"`},
		{"limit=1.5", mica.EINVALID, `"limit" must be an integer`},
		{"limit=%2B5", mica.EINVALID, `"limit" must be an integer, got "+5"`},
		{"limit=-", mica.EINVALID, `"limit" must be an integer`},
		{"offset=-1", mica.EILLEGAL, `query parameter "offset" must be between 0 and 2147483647, got -1`},
		{"offset=2147483648", mica.EILLEGAL, `"offset" must be between 0 and 2147483647`},
		{"offset=x", mica.EINVALID, `query parameter "offset" must be an integer, got "x"`},
		{"count=yes", mica.EINVALID, `query parameter "count" must be true or false, got "yes"`},
		{"count=1", mica.EINVALID, `"count" must be true or false`},
	}
	for _, tt := range bad {
		v, _ := url.ParseQuery(tt.q)
		_, err := ParsePage(v)
		assertError(t, tt.q, err, tt.code, tt.msg)
	}
}

// TestPlusInQueryString shows the raw-query path: a "+" is a space after
// net/url decoding, so a date-time offset must be sent as %2B.
func TestPlusInQueryString(t *testing.T) {
	t.Parallel()
	v, _ := url.ParseQuery("filters=name+eq+%22a+b%22+and+created+gt+2024-01-01T00:00:00%2B05:00")
	c, err := Sources.Compile(SQLite, v.Get("filters"), "", 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Args) != 2 || c.Args[0] != "a b" || c.Args[1] != "2023-12-31T19:00:00.000Z" {
		t.Errorf("args = %#v", c.Args)
	}
	v, _ = url.ParseQuery("filters=created+gt+2024-01-01T00:00:00+05:00")
	_, err = Sources.Compile(SQLite, v.Get("filters"), "", 0)
	assertError(t, v.Get("filters"), err, mica.EINVALID, "%2B")
	if !strings.Contains(mica.ErrorMessage(err), "position 12") {
		t.Errorf("message does not name the position: %v", err)
	}
}
