package classify

import (
	"encoding/json"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Token classes of a name's bytes.
const (
	classSep = iota
	classLower
	classUpper
	classDigit
)

func byteClass(c byte) int { return int(byteClasses[c]) }

var byteClasses = func() (t [256]uint8) {
	for i := range t {
		c := byte(i)
		switch {
		case 'a' <= c && c <= 'z', c >= 0x80:
			t[i] = classLower
		case 'A' <= c && c <= 'Z':
			t[i] = classUpper
		case '0' <= c && c <= '9':
			t[i] = classDigit
		default:
			t[i] = classSep
		}
	}
	return t
}()

// nextToken returns the bounds of the first token of s at or after i. Tokens
// are runs of letters and digits split at camelCase (svcBackup, SQLService) and
// at letter-digit changes (svc01).
func nextToken(s string, i int) (int, int) {
	for i < len(s) && byteClass(s[i]) == classSep {
		i++
	}
	start := i
	if i == len(s) {
		return i, i
	}
	i++
	for i < len(s) {
		prev, cur := byteClass(s[i-1]), byteClass(s[i])
		if cur == classSep ||
			prev == classDigit && cur != classDigit || prev != classDigit && cur == classDigit ||
			prev == classLower && cur == classUpper ||
			prev == classUpper && cur == classUpper && i+1 < len(s) && byteClass(s[i+1]) == classLower {
			break
		}
		i++
	}
	return start, i
}

// matchEqual reports whether s equals one of names (ASCII lower case), ignoring ASCII case.
func matchEqual(s string, names []string) bool {
	for _, n := range names {
		if asciiEqualFoldLower(s, n) {
			return true
		}
	}
	return false
}

// boolValue reads a boolean from a JSON boolean or a "true"/"false" string.
func boolValue(v any) (bool, bool) {
	switch x := v.(type) {
	case bool:
		return x, true
	case string:
		switch {
		case asciiEqualFoldLower(x, "true"):
			return true, true
		case asciiEqualFoldLower(x, "false"):
			return false, true
		}
	}
	return false, false
}

// matchPrefix returns the first of prefixes (ASCII lower case) s starts with, or "".
func matchPrefix(s string, prefixes []string) string {
	for _, p := range prefixes {
		if hasPrefixASCIIFold(s, p) {
			return p
		}
	}
	return ""
}

// present reports whether v holds a value: not null, not blank, not an empty list.
func present(v any) bool {
	switch x := v.(type) {
	case nil:
		return false
	case string:
		return notBlank(x)
	case []any:
		for _, e := range x {
			if present(e) {
				return true
			}
		}
		return false
	case []string:
		for _, e := range x {
			if notBlank(e) {
				return true
			}
		}
		return false
	}
	return true
}

// countValues returns how many present values v holds.
func countValues(v any) int {
	switch x := v.(type) {
	case []any:
		n := 0
		for _, e := range x {
			if present(e) {
				n++
			}
		}
		return n
	case []string:
		n := 0
		for _, e := range x {
			if notBlank(e) {
				n++
			}
		}
		return n
	}
	if present(v) {
		return 1
	}
	return 0
}

// notBlank reports whether s has a character other than white space.
func notBlank(s string) bool {
	return s != "" && (s[0] > ' ' && s[0] < utf8.RuneSelf || strings.TrimSpace(s) != "")
}

// firstString returns v if it is a string, else the first non-blank string in a
// list, else "".
func firstString(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case []any:
		for _, e := range x {
			if s, ok := e.(string); ok && notBlank(s) {
				return s
			}
		}
	case []string:
		for _, s := range x {
			if notBlank(s) {
				return s
			}
		}
	}
	return ""
}

// hasValueFold reports whether v (a string or a list) has a string value equal
// to want, ignoring case.
func hasValueFold(v any, want string) bool {
	switch x := v.(type) {
	case string:
		return strings.EqualFold(x, want)
	case []any:
		for _, e := range x {
			if s, ok := e.(string); ok && strings.EqualFold(s, want) {
				return true
			}
		}
	case []string:
		for _, s := range x {
			if strings.EqualFold(s, want) {
				return true
			}
		}
	}
	return false
}

// intValue reads an integer from a JSON number, a Go integer or a decimal string.
func intValue(v any) (int64, bool) {
	switch x := v.(type) {
	case float64:
		if x != float64(int64(x)) {
			return 0, false
		}
		return int64(x), true
	case int:
		return int64(x), true
	case int64:
		return x, true
	case int32:
		return int64(x), true
	case uint32:
		return int64(x), true
	case string:
		return parseDecimal(strings.TrimSpace(x))
	case json.Number:
		return parseDecimal(string(x))
	case []any:
		if len(x) == 1 {
			return intValue(x[0])
		}
	}
	return 0, false
}

// parseDecimal parses an optionally signed decimal integer without allocating.
func parseDecimal(s string) (int64, bool) {
	neg := false
	if s != "" && (s[0] == '-' || s[0] == '+') {
		neg = s[0] == '-'
		s = s[1:]
	}
	if s == "" || len(s) > 18 {
		return 0, false
	}
	var n int64
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int64(c-'0')
	}
	if neg {
		n = -n
	}
	return n, true
}

// hasPrefixASCIIFold reports whether s starts with lower (ASCII lower case), ignoring ASCII case.
func hasPrefixASCIIFold(s, lower string) bool {
	return len(s) >= len(lower) && asciiEqualFoldLower(s[:len(lower)], lower)
}

// hasSuffixASCIIFold reports whether s ends with lower (ASCII lower case), ignoring ASCII case.
func hasSuffixASCIIFold(s, lower string) bool {
	return len(s) >= len(lower) && asciiEqualFoldLower(s[len(s)-len(lower):], lower)
}

// containsWordASCIIFold reports whether word (ASCII lower case) occurs in s as a
// whole word, ignoring ASCII case.
func containsWordASCIIFold(s, word string) bool {
	for i := 0; i+len(word) <= len(s); i++ {
		if !asciiEqualFoldLower(s[i:i+len(word)], word) {
			continue
		}
		before := i == 0 || !isWordByte(s[i-1])
		after := i+len(word) == len(s) || !isWordByte(s[i+len(word)])
		if before && after {
			return true
		}
	}
	return false
}

func isWordByte(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c >= 0x80
}

// quote quotes s for a signal's detail, clipped to a readable length.
func quote(s string) string {
	return strconv.Quote(clip(s, 80))
}
