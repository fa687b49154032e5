// Package jsonenc appends JSON byte-identical to encoding/json's for the hot
// paths that write it by hand (attributes in the SQLite store, pages of the
// API), without reflection.
package jsonenc

import (
	"encoding/json"
	"math"
	"strconv"
	"time"
	"unicode/utf8"
)

// String appends s quoted as encoding/json quotes it (HTML characters
// escaped): plain ASCII is copied; a string with anything to escape is encoded
// by encoding/json.
func String(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x20 || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' || c >= utf8.RuneSelf {
			q, _ := json.Marshal(s)
			return append(b, q...)
		}
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}

// Bool appends true or false.
func Bool(b []byte, v bool) []byte { return strconv.AppendBool(b, v) }

// MillisLayout is the timestamp form MillisTime writes.
const MillisLayout = "2006-01-02T15:04:05.000Z"

// MillisTime appends t in UTC as MillisLayout, quoted: what encoding/json
// writes for a type whose MarshalText is t.UTC().AppendFormat(MillisLayout),
// without parsing the layout on every call.
func MillisTime(b []byte, t time.Time) []byte {
	t = t.UTC()
	year, month, day := t.Date()
	if year < 0 || year > 9999 {
		b = append(b, '"')
		b = t.AppendFormat(b, MillisLayout)
		return append(b, '"')
	}
	hour, minute, sec := t.Clock()
	b = append(b, '"')
	b = appendDigits(b, year, 4)
	b = append(b, '-')
	b = appendDigits(b, int(month), 2)
	b = append(b, '-')
	b = appendDigits(b, day, 2)
	b = append(b, 'T')
	b = appendDigits(b, hour, 2)
	b = append(b, ':')
	b = appendDigits(b, minute, 2)
	b = append(b, ':')
	b = appendDigits(b, sec, 2)
	b = append(b, '.')
	b = appendDigits(b, t.Nanosecond()/1e6, 3)
	return append(b, 'Z', '"')
}

// appendDigits appends n (0 <= n < 10^width) zero-padded to width digits.
func appendDigits(b []byte, n, width int) []byte {
	var d [4]byte
	for i := width - 1; i >= 0; i-- {
		d[i] = byte('0' + n%10)
		n /= 10
	}
	return append(b, d[:width]...)
}

// Value appends v as encoding/json would for the common kinds of attribute
// values (nil, string, bool, int, int64, float64 holding a whole number below
// 2^53, []string, []any of those); false when v is of a kind it leaves to
// encoding/json (other float64s and the rest).
func Value(b []byte, v any) ([]byte, bool) {
	switch x := v.(type) {
	case nil:
		return append(b, "null"...), true
	case string:
		return String(b, x), true
	case bool:
		return strconv.AppendBool(b, x), true
	case int:
		return strconv.AppendInt(b, int64(x), 10), true
	case int64:
		return strconv.AppendInt(b, x, 10), true
	case float64:
		if !WholeFloat(x) {
			return b, false
		}
		return strconv.AppendInt(b, int64(x), 10), true
	case []string:
		if x == nil {
			return append(b, "null"...), true
		}
		b = append(b, '[')
		for i, s := range x {
			if i > 0 {
				b = append(b, ',')
			}
			b = String(b, s)
		}
		return append(b, ']'), true
	case []any:
		if x == nil {
			return append(b, "null"...), true
		}
		b = append(b, '[')
		for i, e := range x {
			if i > 0 {
				b = append(b, ',')
			}
			var ok bool
			if b, ok = Value(b, e); !ok {
				return b, false
			}
		}
		return append(b, ']'), true
	}
	return b, false // other float64s and the rest: encoding/json's formatting rules
}

// WholeFloat reports whether x is a whole number of magnitude below 2^53 (not
// -0): encoding/json writes it as its integer digits and reads it back as the
// same float64.
func WholeFloat(x float64) bool {
	return x == math.Trunc(x) && math.Abs(x) < 1<<53 && !(x == 0 && math.Signbit(x))
}
