package aggregate

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"slices"

	"github.com/micahq/mica"
	"github.com/micahq/mica/internal/jsonenc"
)

// appendAttributes appends m as encoding/json writes it (keys sorted, HTML
// characters escaped), writing the values a file yields (strings and lists of
// strings) itself; anything else is left to encoding/json. sorted, when it
// holds every key of m in order (a file's sorted header), saves sorting them.
func appendAttributes(b []byte, m map[string]any, sorted []string) []byte {
	if m == nil {
		return append(b, "null"...)
	}
	start := len(b)
	b = append(b, '{')
	n := 0
	for _, k := range sorted {
		v, ok := m[k]
		if !ok {
			continue
		}
		if n > 0 {
			b = append(b, ',')
		}
		n++
		b = jsonenc.String(b, k)
		b = append(b, ':')
		if b, ok = jsonenc.Value(b, v); !ok {
			all, _ := json.Marshal(m)
			return append(b[:start], all...)
		}
	}
	if n != len(m) { // keys sorted does not have: sort them all
		keys := make([]string, 0, len(m))
		for k := range m {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		return appendAttributes(b[:start], m, keys)
	}
	return append(b, '}')
}

// encode sets a's Hash, and its AttributesJSON unless set already, encoding
// the attributes once for both (sorted as for appendAttributes), and returns
// buf for reuse. The hash is the SHA-256 of the JSON of {"n": name, "a": attributes,
// "d": disabled, "l": locked}, as encoding/json writes that struct, so that
// hashes stay comparable with the content hashes already stored.
func encode(a *mica.StagedAccount, sorted []string, buf []byte) []byte {
	b := append(buf[:0], `{"n":`...)
	b = jsonenc.String(b, a.Name)
	b = append(b, `,"a":`...)
	if a.AttributesJSON != "" {
		b = append(b, a.AttributesJSON...)
	} else {
		from := len(b)
		b = appendAttributes(b, a.Attributes, sorted)
		a.AttributesJSON = string(b[from:])
	}
	b = append(b, `,"d":`...)
	b = jsonenc.Bool(b, a.Disabled)
	b = append(b, `,"l":`...)
	b = jsonenc.Bool(b, a.Locked)
	b = append(b, '}')
	sum := sha256.Sum256(b)
	a.Hash = hex.EncodeToString(sum[:16])
	return b
}
