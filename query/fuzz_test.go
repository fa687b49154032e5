package query

import (
	"errors"
	"math/rand"
	"slices"
	"testing"

	"github.com/micahq/mica"
)

var fuzzSeeds = []string{
	``,
	`name eq "x"`,
	`a eq 1 or b eq 2 and not (c eq 3)`,
	`id in ("a","b") and pr owner.id or created isnull`,
	`created gt 2018-12-18T23:05:55.123+05:30`,
	`tm le "2024-03-10T12:00:05.0000005Z"`,
	`s co "%_\\\""`,
	`l ca ("x", "É") or l co "a_b"`,
	`not not (b eq true and n ge -1.5e0)`,
	`(((s sw "A")))`,
	`name EQ "x"`,
	`n eq 1e999`,
}

// checkErr fails unless err is a client error (*mica.Error, EINVALID or EILLEGAL).
func checkErr(t *testing.T, in string, err error) {
	t.Helper()
	var e *mica.Error
	if !errors.As(err, &e) || (e.Code != mica.EINVALID && e.Code != mica.EILLEGAL) || e.Message == "" {
		t.Fatalf("%q: error %v (%T) is not a client error", in, err, err)
	}
}

// FuzzParse checks that Parse never panics, returns only client errors, and
// that the canonical rendering of a tree parses back to the same rendering.
func FuzzParse(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, filter string) {
		x, err := Parse(filter)
		if err != nil {
			checkErr(t, filter, err)
			return
		}
		if x == nil {
			return
		}
		s := x.String()
		y, err := Parse(s)
		if err != nil {
			// Rendering can only lengthen a filter by normalising whitespace,
			// quoting and parentheses; any other error is a bug.
			var e *mica.Error
			if errors.As(err, &e) && e.Code == mica.EILLEGAL {
				return
			}
			t.Fatalf("reparse of %q (from %q): %v", s, filter, err)
		}
		if y.String() != s {
			t.Fatalf("round trip of %q:\n got %s\nwant %s", filter, y, s)
		}
	})
}

// FuzzCompile compiles arbitrary filters and sorters against the test resource
// and runs the SQL on a real SQLite table: no panic, only client errors, never
// an SQL error, and exactly the rows and order the in-memory evaluator gives.
// PostgreSQL compilation must accept and reject the same inputs.
func FuzzCompile(f *testing.F) {
	for i, s := range fuzzSeeds {
		f.Add(s, []string{"", "-s", "tm,-id", "n,b,-owner.name", "sx", "nope"}[i%6])
	}
	items := genItems(rand.New(rand.NewSource(7)), 16)
	db := openItems(f, items)
	f.Fuzz(func(t *testing.T, filter, sorters string) {
		c, err := testRes.Compile(SQLite, filter, sorters, 0)
		pc, perr := testRes.Compile(Postgres, filter, sorters, 0)
		if (err == nil) != (perr == nil) || err != nil && mica.ErrorMessage(err) != mica.ErrorMessage(perr) {
			t.Fatalf("%q | %q: SQLite error %v, Postgres error %v", filter, sorters, err, perr)
		}
		if err != nil {
			checkErr(t, filter+" | "+sorters, err)
			return
		}
		if len(pc.Args) != len(c.Args) {
			t.Fatalf("%q: %d Postgres args, %d SQLite args", filter, len(pc.Args), len(c.Args))
		}
		got, err := queryIDs(db, c, -1, 0)
		if err != nil {
			t.Fatalf("%q | %q: SQL error: %v", filter, sorters, err)
		}
		x, _ := Parse(filter)
		terms, _ := ParseSorters(sorters)
		if want := evalQuery(testRes, x, terms, items); !slices.Equal(got, want) {
			t.Fatalf("%q | %q\nWHERE %s\nORDER BY %s\nargs %#v\n got %v\nwant %v", filter, sorters, c.Where, c.OrderBy, c.Args, got, want)
		}
	})
}
