package api

import (
	"maps"
	"math/rand"
	"slices"
	"testing"
)

// TestEffectiveRightsShared: the shared sets effectiveRights hands out are
// what computing them anew gives, for random combinations of levels and
// scopes asked again and again, and combinations that would join to the same
// text are told apart.
func TestEffectiveRightsShared(t *testing.T) {
	t.Parallel()
	levels := slices.Sorted(maps.Keys(levelRights))
	var scopes []string
	for _, rs := range levelRights {
		scopes = append(scopes, rs...)
	}
	scopes = append(scopes, ScopeAll, ScopeDefault, "not-a-right")
	rng := rand.New(rand.NewSource(7))
	pick := func(from []string) []string {
		var out []string
		for range rng.Intn(4) {
			out = append(out, from[rng.Intn(len(from))])
		}
		return out
	}
	for range 3000 {
		l, s := pick(levels), pick(scopes)
		if got, want := effectiveRights(l, s), computeRights(l, s); !maps.Equal(got, want) {
			t.Fatalf("levels %q scopes %q: %v, want %v", l, s, got, want)
		}
	}
	if rightsKey([]string{"a", "b"}, nil) == rightsKey([]string{"a;1:b"}, nil) ||
		rightsKey([]string{"a"}, []string{"b"}) == rightsKey([]string{"a", "b"}, nil) {
		t.Fatal("two combinations share a key")
	}
}
