package sqlite

import (
	"slices"

	"github.com/micahq/mica/internal/jsonenc"
)

// attributesJSON is toJSON for an account's attributes, byte for byte: it
// writes the common values (strings, lists of strings, numbers, booleans,
// null) itself and hands anything else to encoding/json, whose reflection and
// map-key sorting cost more than the rest of staging a row.
func attributesJSON(m map[string]any) string {
	if m == nil {
		return "null"
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	b := make([]byte, 0, 64*len(m)+2)
	b = append(b, '{')
	for i, k := range keys {
		if i > 0 {
			b = append(b, ',')
		}
		b = jsonenc.String(b, k)
		b = append(b, ':')
		var ok bool
		if b, ok = jsonenc.Value(b, m[k]); !ok {
			return toJSON(m)
		}
	}
	return string(append(b, '}'))
}
