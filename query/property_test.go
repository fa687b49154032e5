package query

import (
	"math/rand"
	"slices"
	"testing"
	"time"
)

// TestPropertySQLMatchesEvaluator generates random filters over a field of
// every type and checks, against a real SQLite database, that the compiled SQL
// selects exactly the rows the in-memory evaluator selects, and that the
// negation of each filter selects exactly the other rows.
func TestPropertySQLMatchesEvaluator(t *testing.T) {
	t.Parallel()
	for seed := int64(1); seed <= 4; seed++ {
		rng := rand.New(rand.NewSource(seed))
		items := genItems(rng, 60)
		db := openItems(t, items)
		g := &gen{rng: rng, items: items}
		all := evalQuery(testRes, nil, nil, items)
		deadline := time.Now().Add(5 * time.Second)
		for i := 0; i < 600 && time.Now().Before(deadline); i++ {
			x := g.expr(rng.Intn(4))
			filter := g.render(x)
			parsed, err := Parse(filter)
			if err != nil {
				t.Fatalf("seed %d: Parse(%q): %v", seed, filter, err)
			}
			if parsed.String() != x.String() {
				t.Fatalf("seed %d: round trip of %q:\n got %s\nwant %s", seed, filter, parsed, x)
			}
			c, err := testRes.Compile(SQLite, filter, "", 0)
			if err != nil {
				t.Fatalf("seed %d: Compile(%q): %v", seed, filter, err)
			}
			got, err := queryIDs(db, c, -1, 0)
			if err != nil {
				t.Fatalf("seed %d: filter %q: %v", seed, filter, err)
			}
			want := evalQuery(testRes, x, nil, items)
			if !slices.Equal(got, want) {
				t.Fatalf("seed %d: filter %s\nSQL: %s\nargs: %#v\n got %v\nwant %v", seed, x, c.Where, c.Args, got, want)
			}
			// The complement: not (x) must select exactly the remaining rows.
			nc, err := testRes.Compile(SQLite, "not ("+filter+")", "", 0)
			if err != nil {
				t.Fatalf("seed %d: Compile(not (%q)): %v", seed, filter, err)
			}
			neg, err := queryIDs(db, nc, -1, 0)
			if err != nil {
				t.Fatal(err)
			}
			union := append(append([]string{}, got...), neg...)
			slices.Sort(union)
			wantAll := slices.Clone(all)
			slices.Sort(wantAll)
			if !slices.Equal(union, wantAll) {
				t.Fatalf("seed %d: %s and its negation do not partition the rows: %d + %d of %d",
					seed, x, len(got), len(neg), len(all))
			}
			// The same filter compiles for PostgreSQL with as many arguments.
			pc, err := testRes.Compile(Postgres, filter, "", 2)
			if err != nil || len(pc.Args) != len(c.Args) {
				t.Fatalf("seed %d: Postgres Compile(%q): %v (%d args, SQLite %d)", seed, filter, err, len(pc.Args), len(c.Args))
			}
		}
	}
}

// TestPropertyPaging checks that paging through any sort order with any page
// size, with and without a filter, yields every matching row exactly once, in
// the evaluator's order.
func TestPropertyPaging(t *testing.T) {
	t.Parallel()
	for seed := int64(11); seed <= 13; seed++ {
		rng := rand.New(rand.NewSource(seed))
		items := genItems(rng, 70)
		db := openItems(t, items)
		g := &gen{rng: rng, items: items}
		for i := 0; i < 60; i++ {
			var terms []SortTerm
			perm := rng.Perm(len(testRes.Sorters))
			for _, k := range perm[:rng.Intn(4)] {
				terms = append(terms, SortTerm{Name: testRes.Sorters[k].Name, Desc: rng.Intn(2) == 0})
			}
			sorters := ""
			for k, st := range terms {
				if k > 0 {
					sorters += ","
				}
				if st.Desc {
					sorters += "-"
				}
				sorters += st.Name
			}
			var x Expr
			filter := ""
			if rng.Intn(2) == 0 {
				x = g.expr(1)
				filter = g.render(x)
			}
			c, err := testRes.Compile(SQLite, filter, sorters, 0)
			if err != nil {
				t.Fatalf("Compile(%q, %q): %v", filter, sorters, err)
			}
			want := evalQuery(testRes, x, terms, items)
			whole, err := queryIDs(db, c, -1, 0)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(whole, want) {
				t.Fatalf("sorters %q filter %q (ORDER BY %s):\n got %v\nwant %v", sorters, filter, c.OrderBy, whole, want)
			}
			size := 1 + rng.Intn(9)
			var paged []string
			for off := 0; ; off += size {
				page, err := queryIDs(db, c, size, off)
				if err != nil {
					t.Fatal(err)
				}
				paged = append(paged, page...)
				if len(page) < size {
					break
				}
			}
			if !slices.Equal(paged, want) {
				t.Fatalf("sorters %q page size %d:\n got %v\nwant %v", sorters, size, paged, want)
			}
			seen := map[string]bool{}
			for _, id := range paged {
				if seen[id] {
					t.Fatalf("sorters %q page size %d: %s seen twice", sorters, size, id)
				}
				seen[id] = true
			}
		}
	}
}
