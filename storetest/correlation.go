package storetest

import (
	"context"
	"fmt"
	"math/rand"
	"testing"

	"github.com/micahq/mica"
)

// testCorrelationRule checks the store's correlation SQL against its
// definition, mica.CorrelationConfig.Correlate, and the names it gives the
// identities an authoritative source creates and updates against
// mica.IdentityNamesOf: rounds of random aggregations, with random
// correlation configs, over a random population whose names, aliases, emails
// and attributes collide (also by case), the identities of each authoritative
// round joining the population of the next.
func testCorrelationRule(t *testing.T, s mica.Store) {
	ctx := context.Background()
	rng := rand.New(rand.NewSource(18))
	pick := func(pool ...string) string { return pool[rng.Intn(len(pool))] }
	names := []string{"ann", "Ann", "ANN", "bob", "Bob", "carol", "dave", "Dave", "erin", "frank", "svc-backup", "Svc-Backup"}
	words := []string{"", "x", "ann", "Ann", "bob", "BOB", "ann@example.com", "Ann@Example.com", "bob@example.com",
		"1001", "1002", "1003", "Sales", "sales", "IT"}
	admin := newIdentity(t, s, "admin")
	for i := 0; i < 30; i++ {
		ident := &mica.Identity{Name: pick(names...), Alias: pick(names...), Email: pick(words...),
			FirstName: pick(words...), LastName: pick(words...),
			Attributes: map[string]any{"employeeNumber": pick(words...), "dept": pick(words...)}}
		if rng.Intn(4) == 0 {
			delete(ident.Attributes, "dept")
		}
		must(t, s.CreateIdentity(ctx, ident))
	}
	identities := func() []*mica.Identity {
		var out []*mica.Identity
		for offset := 0; ; offset += 250 {
			p, err := s.ListIdentities(ctx, mica.ListOptions{Limit: 250, Offset: offset})
			must(t, err)
			out = append(out, p.Items...)
			if len(p.Items) < 250 {
				return out
			}
		}
	}
	properties := []string{"email", "emailAddress", "employeeNumber", "uid", "alias", "name", "displayName", "firstName",
		"sn", "id", "dept", "nothing"}
	accountKeys := []string{"mail", "empNo", "login", "fullName", "given", "dept"}
	nameKeys := append(append(append(append([]string{}, mica.DisplayNameAttributes...), mica.FirstNameAttributes...),
		mica.LastNameAttributes...), mica.EmailAttributes...)
	for round := 0; round < 8; round++ {
		authoritative := round%2 == 1
		src := &mica.Source{Name: fmt.Sprintf("source-%d", round), Owner: mica.Ref{ID: admin.ID}, Connector: "active-directory",
			Authoritative: authoritative}
		must(t, s.CreateSource(ctx, src))
		cfg := &mica.CorrelationConfig{SourceID: src.ID}
		for k := rng.Intn(4); k > 0; k-- {
			cfg.AttributeAssignments = append(cfg.AttributeAssignments, mica.CorrelationAssignment{
				Property: pick(properties...), Value: pick(accountKeys...), IgnoreCase: rng.Intn(2) == 0})
		}
		must(t, s.PutCorrelationConfig(ctx, cfg))
		before := identities()
		var rows []mica.StagedAccount
		want := map[string]string{} // native identity: identity id ("" for none, "new" for a new one)
		for n := 0; n < 30; n++ {
			attrs := map[string]any{}
			for _, k := range accountKeys {
				if rng.Intn(3) > 0 {
					attrs[k] = pick(words...)
				}
			}
			if rng.Intn(8) == 0 {
				attrs[pick(accountKeys...)] = before[rng.Intn(len(before))].ID
			}
			if authoritative {
				for _, k := range nameKeys {
					if rng.Intn(6) == 0 {
						attrs[k] = pick(append(words, "Ann Smith", " ")...)
					}
				}
			}
			native := fmt.Sprintf("%d-%d", round, n)
			name := pick(names...)
			rows = append(rows, mica.StagedAccount{NativeIdentity: native, Name: name, Attributes: attrs, Line: n + 2,
				Hash: native})
			want[native] = cfg.Correlate(name, attrs, before)
			if want[native] == "" && authoritative {
				want[native] = "new"
			}
		}
		agg := &mica.Aggregation{SourceID: src.ID}
		must(t, s.CreateAggregation(ctx, agg))
		must(t, s.StageAccounts(ctx, agg.ID, rows))
		_, err := s.CollectAggregation(ctx, agg.ID)
		must(t, err)
		_, err = s.ApplyAggregation(ctx, agg.ID)
		must(t, err)

		byID := map[string]*mica.Identity{}
		for _, i := range before {
			byID[i.ID] = i
		}
		correlated := map[string]int{} // identity id: how many of this round's accounts correlated to it
		for _, w := range want {
			correlated[w]++
		}
		after := map[string]*mica.Identity{}
		for _, i := range identities() {
			after[i.ID] = i
		}
		rowOf := map[string]mica.StagedAccount{}
		for _, r := range rows {
			rowOf[r.NativeIdentity] = r
		}
		must(t, s.EachAccount(ctx, mica.AccountFilter{SourceID: src.ID}, func(a *mica.Account) error {
			r := rowOf[a.NativeIdentity]
			w := want[a.NativeIdentity]
			names := mica.IdentityNamesOf(r.Attributes)
			switch {
			case w == "new":
				i := after[a.IdentityID]
				if byID[a.IdentityID] != nil || i == nil {
					t.Fatalf("round %d: account %s (%s, %v) went to identity %q, want a new identity", round,
						a.NativeIdentity, r.Name, r.Attributes, a.IdentityID)
				}
				if i.Name != names.NewIdentityName(r.Name) || i.Alias != r.Name || i.FirstName != names.First ||
					i.LastName != names.Last || i.Email != names.Email {
					t.Fatalf("round %d: account %s (%s, %v) created %+v, want the names %+v (name %q)", round,
						a.NativeIdentity, r.Name, r.Attributes, i, names, names.NewIdentityName(r.Name))
				}
			case a.IdentityID != w:
				t.Fatalf("round %d (config %+v): account %s (%s, %v) went to identity %q, the rule chooses %q", round,
					cfg.AttributeAssignments, a.NativeIdentity, r.Name, r.Attributes, a.IdentityID, w)
			case authoritative && w != "" && correlated[w] == 1:
				// The one account of the round that correlated to it updates its names.
				was, i := byID[w], after[w]
				wantName, wantFirst, wantLast, wantEmail := was.Name, was.FirstName, was.LastName, was.Email
				for _, f := range []struct {
					to   *string
					from string
				}{{&wantName, names.Display}, {&wantFirst, names.First}, {&wantLast, names.Last}, {&wantEmail, names.Email}} {
					if f.from != "" {
						*f.to = f.from
					}
				}
				if i.Name != wantName || i.FirstName != wantFirst || i.LastName != wantLast || i.Email != wantEmail {
					t.Fatalf("round %d: account %s (%v) updated identity %+v, want names %q %q %q %q", round,
						a.NativeIdentity, r.Attributes, i, wantName, wantFirst, wantLast, wantEmail)
				}
			}
			return nil
		}))
	}
}
