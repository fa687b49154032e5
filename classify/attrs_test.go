package classify

import (
	"testing"

	"github.com/micahq/mica"
)

// TestSlotsReadIdentityNames: discovery reads attributes by meaning, with
// lists of its own (wider: other spellings, other languages); the attributes
// that name an identity (mica.FirstNameAttributes and the others, the one
// definition) must each mean to it what they mean there.
func TestSlotsReadIdentityNames(t *testing.T) {
	for _, c := range []struct {
		keys []string
		slot slot
	}{
		{mica.DisplayNameAttributes, sDisplay}, {mica.FirstNameAttributes, sGiven},
		{mica.LastNameAttributes, sSurname}, {mica.EmailAttributes, sMail},
	} {
		for _, k := range c.keys {
			e, ok := slotIndex[normalKey(k)]
			if !ok || slot(e>>8) != c.slot {
				t.Errorf("%q names an identity (mica) but discovery reads it as slot %d (known %v), not %d", k, e>>8, ok, c.slot)
			}
			var at attrs
			at.read(map[string]any{k: "x"})
			if at.key[c.slot] != k {
				t.Errorf("discovery does not read %q into slot %d", k, c.slot)
			}
		}
	}
}
