package classify

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// The reference relations, built from strings.EqualFold over rune boundaries.

func refPrefixFold(s, p string) bool {
	for k := 0; ; {
		if strings.EqualFold(s[:k], p) {
			return true
		}
		if k == len(s) {
			return false
		}
		_, n := utf8.DecodeRuneInString(s[k:])
		k += n
	}
}

func refSuffixFold(s, p string) bool {
	for k := 0; ; {
		if strings.EqualFold(s[k:], p) {
			return true
		}
		if k == len(s) {
			return false
		}
		_, n := utf8.DecodeRuneInString(s[k:])
		k += n
	}
}

func refContainsFold(s, sub string) bool {
	for i := 0; ; {
		if refPrefixFold(s[i:], sub) {
			return true
		}
		if i == len(s) {
			return false
		}
		_, n := utf8.DecodeRuneInString(s[i:])
		i += n
	}
}

func TestFold(t *testing.T) {
	t.Parallel()
	tests := []struct {
		s, p                           string
		equal, prefix, suffix, contain bool
	}{
		{"", "", true, true, true, true},
		{"abc", "", false, true, true, true},
		{"", "a", false, false, false, false},
		{"SVC_Backup", "svc_backup", true, true, true, true},
		{"SVC_Backup", "svc", false, true, false, true},
		{"SVC_Backup", "BACKUP", false, false, true, true},
		{"SVC_Backup", "c_b", false, false, false, true},
		{"SVC_Backup", "c-b", false, false, false, false},
		{"\u212aelvin", "kelvin", true, true, true, true}, // KELVIN SIGN
		{"kelvin", "\u212aELVIN", true, true, true, true},
		{"x\u212ay", "K", false, false, false, true},
		{"ſtop", "STOP", true, true, true, true}, // LONG S
		{"boſs", "SS", false, false, true, true},
		{"KÖLN", "köln", true, true, true, true},
		{"Straße", "STRASSE", false, false, false, false}, // no full case folding
		{"ΣΊΣΥΦΟΣ", "σίσυφος", true, true, true, true},    // Σ, σ and final ς fold together
		{"ΣΊΣΥΦΟΣ", "σίσυφοσ", true, true, true, true},
		{"İstanbul", "istanbul", false, false, false, false}, // dotted capital I has no simple fold to i
		{"aaab", "aab", false, false, true, true},
		{"\xff\xfe", "\xfe", false, true, true, true}, // invalid bytes compare as U+FFFD
	}
	for _, tt := range tests {
		if got := equalFold(tt.s, tt.p); got != tt.equal {
			t.Errorf("equalFold(%q, %q) = %v", tt.s, tt.p, got)
		}
		if got := hasPrefixFold(tt.s, tt.p); got != tt.prefix {
			t.Errorf("hasPrefixFold(%q, %q) = %v", tt.s, tt.p, got)
		}
		if got := hasSuffixFold(tt.s, tt.p); got != tt.suffix {
			t.Errorf("hasSuffixFold(%q, %q) = %v", tt.s, tt.p, got)
		}
		if got := containsFold(tt.s, tt.p); got != tt.contain {
			t.Errorf("containsFold(%q, %q) = %v", tt.s, tt.p, got)
		}
	}
}

func TestASCIILowerKeepsMeaning(t *testing.T) {
	t.Parallel()
	for _, s := range []string{"", "abc", "ABC", "SVC_Backup", "İSTANBUL", "ΣΊΣ", "\u212aELVIN", "Ab\xffC"} {
		l := asciiLower(s)
		if !strings.EqualFold(l, s) || len(l) != len(s) {
			t.Errorf("asciiLower(%q) = %q: not fold-equal", s, l)
		}
	}
}

// FuzzFold checks the allocation-free comparisons against strings.EqualFold.
func FuzzFold(f *testing.F) {
	for _, s := range [][2]string{{"SVC_Backup", "svc"}, {"\u212aelvin", "k"}, {"boſs", "SS"},
		{"ΣΊΣΥΦΟΣ", "σ"}, {"\xff\xfe", "\xfe"}, {"aaab", "aab"}, {"x", ""}} {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, s, p string) {
		if len(s) > 64 || len(p) > 16 {
			return
		}
		lp := asciiLower(p)
		if got, want := equalFold(s, lp), strings.EqualFold(s, p); got != want {
			t.Errorf("equalFold(%q, %q) = %v, want %v", s, lp, got, want)
		}
		if got, want := hasPrefixFold(s, lp), refPrefixFold(s, p); got != want {
			t.Errorf("hasPrefixFold(%q, %q) = %v, want %v", s, lp, got, want)
		}
		if got, want := hasSuffixFold(s, lp), refSuffixFold(s, p); got != want {
			t.Errorf("hasSuffixFold(%q, %q) = %v, want %v", s, lp, got, want)
		}
		want := refContainsFold(s, p)
		if got := containsFold(s, lp); got != want {
			t.Errorf("containsFold(%q, %q) = %v, want %v", s, lp, got, want)
		}
		if isASCII(s) && isASCII(p) {
			if got := containsASCIIFold(s, lp); got != want {
				t.Errorf("containsASCIIFold(%q, %q) = %v, want %v", s, lp, got, want)
			}
		}
		if got, want := isASCII(s), !strings.ContainsFunc(s, func(r rune) bool { return r >= utf8.RuneSelf }); got != want {
			t.Errorf("isASCII(%q) = %v", s, got)
		}
	})
}
