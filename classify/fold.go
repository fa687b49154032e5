package classify

import (
	"unicode"
	"unicode/utf8"
)

// Case-insensitive comparisons under Unicode simple case folding, the relation
// strings.EqualFold uses, without building folded copies. Each has an ASCII fast
// path and decodes runes only where a non-ASCII byte appears. Compiled values are
// ASCII-lower-cased (asciiLower), which does not change what they match.

// asciiLower lower-cases the ASCII letters of s and leaves every other byte alone.
func asciiLower(s string) string {
	for i := 0; i < len(s); i++ {
		if 'A' <= s[i] && s[i] <= 'Z' {
			b := []byte(s)
			for j := i; j < len(b); j++ {
				if 'A' <= b[j] && b[j] <= 'Z' {
					b[j] += 'a' - 'A'
				}
			}
			return string(b)
		}
	}
	return s
}

// runeEqualFold reports whether r and t are equal under simple case folding.
func runeEqualFold(r, t rune) bool {
	if r == t {
		return true
	}
	if t < r {
		r, t = t, r
	}
	if t < utf8.RuneSelf {
		return 'A' <= r && r <= 'Z' && t == r+'a'-'A'
	}
	f := unicode.SimpleFold(r)
	for f != r && f < t {
		f = unicode.SimpleFold(f)
	}
	return f == t
}

// prefixFold reports whether s begins with p under case folding and, if so, how
// many bytes of s matched p.
func prefixFold(s, p string) (int, bool) {
	i, j := 0, 0
	for j < len(p) {
		if i >= len(s) {
			return 0, false
		}
		sc, pc := s[i], p[j]
		if sc|pc < utf8.RuneSelf {
			if sc != pc {
				if 'A' <= sc && sc <= 'Z' {
					sc += 'a' - 'A'
				}
				if 'A' <= pc && pc <= 'Z' {
					pc += 'a' - 'A'
				}
				if sc != pc {
					return 0, false
				}
			}
			i++
			j++
			continue
		}
		sr, sn := utf8.DecodeRuneInString(s[i:])
		pr, pn := utf8.DecodeRuneInString(p[j:])
		if !runeEqualFold(sr, pr) {
			return 0, false
		}
		i += sn
		j += pn
	}
	return i, true
}

// equalFold reports whether s and t are equal under case folding.
func equalFold(s, t string) bool {
	n, ok := prefixFold(s, t)
	return ok && n == len(s)
}

// hasPrefixFold reports whether s begins with p under case folding.
func hasPrefixFold(s, p string) bool {
	_, ok := prefixFold(s, p)
	return ok
}

// hasSuffixFold reports whether s ends with p under case folding.
func hasSuffixFold(s, p string) bool {
	i, j := len(s), len(p)
	for j > 0 {
		if i == 0 {
			return false
		}
		sc, pc := s[i-1], p[j-1]
		if sc|pc < utf8.RuneSelf {
			if sc != pc {
				if 'A' <= sc && sc <= 'Z' {
					sc += 'a' - 'A'
				}
				if 'A' <= pc && pc <= 'Z' {
					pc += 'a' - 'A'
				}
				if sc != pc {
					return false
				}
			}
			i--
			j--
			continue
		}
		sr, sn := utf8.DecodeLastRuneInString(s[:i])
		pr, pn := utf8.DecodeLastRuneInString(p[:j])
		if !runeEqualFold(sr, pr) {
			return false
		}
		i -= sn
		j -= pn
	}
	return true
}

// containsFold reports whether sub occurs in s under case folding.
func containsFold(s, sub string) bool {
	if sub == "" {
		return true
	}
	c := sub[0]
	if 'A' <= c && c <= 'Z' {
		c += 'a' - 'A'
	}
	for i := 0; i < len(s); {
		b := s[i]
		if b < utf8.RuneSelf {
			// Two ASCII bytes fold together only if they are equal ignoring
			// ASCII case; an ASCII byte may fold with a non-ASCII first rune
			// of sub (k and KELVIN SIGN), so those are tried in full.
			if 'A' <= b && b <= 'Z' {
				b += 'a' - 'A'
			}
			if b == c || c >= utf8.RuneSelf {
				if _, ok := prefixFold(s[i:], sub); ok {
					return true
				}
			}
			i++
			continue
		}
		if _, ok := prefixFold(s[i:], sub); ok {
			return true
		}
		_, n := utf8.DecodeRuneInString(s[i:])
		i += n
	}
	return false
}

// containsASCIIFold reports whether sub, which must be ASCII lower case, occurs
// in s ignoring ASCII case. When s is ASCII too this is the same relation as
// containsFold; discovery uses it for its fixed keyword lists.
func containsASCIIFold(s, sub string) bool {
	if sub == "" {
		return true
	}
	c := sub[0]
	up := c
	if 'a' <= c && c <= 'z' {
		up = c - ('a' - 'A')
	}
	rest := sub[1:]
	for i, last := 0, len(s)-len(sub); i <= last; i++ {
		if b := s[i]; (b == c || b == up) && asciiEqualFoldLower(s[i+1:i+len(sub)], rest) {
			return true
		}
	}
	return false
}

// isASCII reports whether s has only ASCII bytes.
func isASCII(s string) bool {
	i := 0
	for ; i+8 <= len(s); i += 8 {
		if s[i]|s[i+1]|s[i+2]|s[i+3]|s[i+4]|s[i+5]|s[i+6]|s[i+7] >= utf8.RuneSelf {
			return false
		}
	}
	for ; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// asciiEqualFoldLower reports whether s equals lower, an ASCII lower-case string,
// ignoring ASCII case.
func asciiEqualFoldLower(s, lower string) bool {
	if len(s) != len(lower) {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != lower[i] {
			return false
		}
	}
	return true
}
