package sqlite

import (
	"strconv"
	"unicode/utf16"
	"unicode/utf8"
)

// decodeAttributes is fromJSON for an account's attributes column: the same
// map[string]any that encoding/json makes (strings, float64, bool, nil, []any,
// map[string]any), without its reflection and its separate validation pass.
// It reads the compact JSON that attributesJSON and encoding/json write; on
// anything it does not expect (whitespace, invalid UTF-8, a lone surrogate, a
// number out of float64's range, deep nesting, invalid JSON) it hands the
// text to encoding/json, so the result is always what encoding/json gives.
//
// Decoding attributes is most of what classification does per account.
// Strings in the result share memory with s.
func decodeAttributes(s string) map[string]any {
	var d attrDecoder
	return d.decode(s)
}

// attrDecoder decodes attributes columns, reusing its buffers from one row
// to the next. Not safe for concurrent use.
type attrDecoder struct {
	s     string
	i     int
	depth int
	kvs   []attrKV // the pending members of the objects being decoded
	buf   []byte   // unescaping
}

type attrKV struct {
	k string
	v any
}

// attrMaxDepth bounds the nesting the fast path follows (encoding/json allows
// 10,000 levels; connectors write one or two).
const attrMaxDepth = 32

func (d *attrDecoder) decode(s string) map[string]any {
	if s == "null" {
		return nil
	}
	d.s, d.i, d.depth, d.kvs = s, 0, 0, d.kvs[:0]
	if len(s) > 0 && s[0] == '{' {
		if m, ok := d.object(); ok && d.i == len(s) {
			d.s = ""
			return m
		}
	}
	d.s = ""
	var m map[string]any
	fromJSON(s, &m)
	return m
}

// object decodes the object at d.i, which is '{'.
func (d *attrDecoder) object() (map[string]any, bool) {
	d.i++ // '{'
	if d.depth++; d.depth > attrMaxDepth {
		return nil, false
	}
	defer func() { d.depth-- }()
	base := len(d.kvs)
	if d.i < len(d.s) && d.s[d.i] == '}' {
		d.i++
		return map[string]any{}, true
	}
	for {
		if d.i >= len(d.s) || d.s[d.i] != '"' {
			return nil, false
		}
		k, ok := d.string()
		if !ok || d.i >= len(d.s) || d.s[d.i] != ':' {
			return nil, false
		}
		d.i++
		v, ok := d.value()
		if !ok {
			return nil, false
		}
		d.kvs = append(d.kvs, attrKV{k, v})
		if d.i >= len(d.s) {
			return nil, false
		}
		c := d.s[d.i]
		d.i++
		if c == '}' {
			break
		}
		if c != ',' {
			return nil, false
		}
	}
	kvs := d.kvs[base:]
	m := make(map[string]any, len(kvs))
	for _, kv := range kvs {
		m[kv.k] = kv.v // a repeated key: the last wins, as in encoding/json
	}
	clear(kvs)
	d.kvs = d.kvs[:base]
	return m, true
}

// value decodes the value at d.i.
func (d *attrDecoder) value() (any, bool) {
	if d.i >= len(d.s) {
		return nil, false
	}
	switch c := d.s[d.i]; {
	case c == '"':
		s, ok := d.string()
		return s, ok
	case c == '{':
		m, ok := d.object()
		return m, ok
	case c == '[':
		return d.array()
	case c == 't':
		return true, d.literal("true")
	case c == 'f':
		return false, d.literal("false")
	case c == 'n':
		return nil, d.literal("null")
	case c == '-' || c >= '0' && c <= '9':
		return d.number()
	}
	return nil, false
}

func (d *attrDecoder) literal(lit string) bool {
	if len(d.s)-d.i < len(lit) || d.s[d.i:d.i+len(lit)] != lit {
		return false
	}
	d.i += len(lit)
	return true
}

// array decodes the array at d.i, which is '['.
func (d *attrDecoder) array() (any, bool) {
	d.i++ // '['
	if d.depth++; d.depth > attrMaxDepth {
		return nil, false
	}
	defer func() { d.depth-- }()
	if d.i < len(d.s) && d.s[d.i] == ']' {
		d.i++
		return []any{}, true
	}
	// Count the elements of an array of plain strings first, so that the
	// slice is allocated once: the common case (objectClass, groups, SPNs).
	n := 0
	for j := d.i; j < len(d.s); j++ {
		if c := d.s[j]; c == ',' || c == ']' {
			n++
			if c == ']' {
				break
			}
		} else if c == '"' {
			if k := indexQuoteOrBackslash(d.s, j+1); k < 0 || d.s[k] != '"' {
				n = 0
				break
			} else {
				j = k
			}
		} else {
			n = 0 // not strings only: let append size it
			break
		}
	}
	out := make([]any, 0, max(n, 4))
	for {
		v, ok := d.value()
		if !ok {
			return nil, false
		}
		out = append(out, v)
		if d.i >= len(d.s) {
			return nil, false
		}
		c := d.s[d.i]
		d.i++
		if c == ']' {
			return out, true
		}
		if c != ',' {
			return nil, false
		}
	}
}

// indexQuoteOrBackslash returns the index of the first '"' or '\\' in s from i, or -1.
func indexQuoteOrBackslash(s string, i int) int {
	for ; i < len(s); i++ {
		if c := s[i]; c == '"' || c == '\\' {
			return i
		}
	}
	return -1
}

// string decodes the string at d.i, which is '"'.
func (d *attrDecoder) string() (string, bool) {
	start := d.i + 1
	ascii := true
	for j := start; j < len(d.s); j++ {
		c := d.s[j]
		switch {
		case c == '"':
			d.i = j + 1
			v := d.s[start:j]
			if !ascii && !utf8.ValidString(v) {
				return "", false // encoding/json replaces invalid bytes with U+FFFD
			}
			return v, true
		case c == '\\':
			return d.unescape(start, j)
		case c < 0x20:
			return "", false
		case c >= utf8.RuneSelf:
			ascii = false
		}
	}
	return "", false
}

// unescape decodes the string starting at start whose first backslash is at j.
func (d *attrDecoder) unescape(start, j int) (string, bool) {
	b := append(d.buf[:0], d.s[start:j]...)
	for j < len(d.s) {
		c := d.s[j]
		switch {
		case c == '"':
			d.i = j + 1
			d.buf = b
			if !utf8.Valid(b) {
				return "", false
			}
			return string(b), true
		case c < 0x20:
			return "", false
		case c != '\\':
			b = append(b, c)
			j++
			continue
		}
		if j+1 >= len(d.s) {
			return "", false
		}
		switch e := d.s[j+1]; e {
		case '"', '\\', '/':
			b = append(b, e)
		case 'b':
			b = append(b, '\b')
		case 'f':
			b = append(b, '\f')
		case 'n':
			b = append(b, '\n')
		case 'r':
			b = append(b, '\r')
		case 't':
			b = append(b, '\t')
		case 'u':
			r, ok := hex4(d.s, j+2)
			if !ok {
				return "", false
			}
			j += 6
			if utf16.IsSurrogate(r) {
				// Only a well-formed pair; encoding/json's repairs go through it.
				if j+1 >= len(d.s) || d.s[j] != '\\' || d.s[j+1] != 'u' {
					return "", false
				}
				r2, ok := hex4(d.s, j+2)
				if !ok {
					return "", false
				}
				if r = utf16.DecodeRune(r, r2); r == utf8.RuneError {
					return "", false
				}
				j += 6
			}
			b = utf8.AppendRune(b, r)
			continue
		default:
			return "", false
		}
		j += 2
	}
	return "", false
}

// hex4 reads the four hex digits of a \u escape at s[i:].
func hex4(s string, i int) (rune, bool) {
	if len(s)-i < 4 {
		return 0, false
	}
	var r rune
	for _, c := range []byte(s[i : i+4]) {
		switch {
		case c >= '0' && c <= '9':
			c -= '0'
		case c >= 'a' && c <= 'f':
			c -= 'a' - 10
		case c >= 'A' && c <= 'F':
			c -= 'A' - 10
		default:
			return 0, false
		}
		r = r<<4 | rune(c)
	}
	return r, true
}

// number decodes the JSON number at d.i as encoding/json does into an
// interface: a float64.
func (d *attrDecoder) number() (any, bool) {
	s, i := d.s, d.i
	start := i
	if s[i] == '-' {
		i++
	}
	digits := i
	switch {
	case i < len(s) && s[i] == '0':
		i++
	case i < len(s) && s[i] >= '1' && s[i] <= '9':
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
	default:
		return nil, false
	}
	integer := i - digits
	if i < len(s) && s[i] == '.' {
		i++
		if i >= len(s) || s[i] < '0' || s[i] > '9' {
			return nil, false
		}
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
		integer = 0
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		if i >= len(s) || s[i] < '0' || s[i] > '9' {
			return nil, false
		}
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
		integer = 0
	}
	d.i = i
	if integer > 0 && integer <= 15 {
		// Up to 15 digits is exact in a float64: what ParseFloat returns.
		var n int64
		for _, c := range []byte(s[digits:i]) {
			n = n*10 + int64(c-'0')
		}
		f := float64(n)
		if s[start] == '-' {
			f = -f
		}
		return f, true
	}
	f, err := strconv.ParseFloat(s[start:i], 64)
	if err != nil {
		return nil, false // out of range: encoding/json's error and nil value
	}
	return f, true
}
