package classify

// noSkip skips no word.
var noSkip [2][]byte

// nameInfo is what a name or a text says through its words.
type nameInfo struct {
	classes  uint32 // word classes of its tokens
	tokens   int    // how many tokens it has
	numbered bool   // it ends in a number after a word (scan01, app-02, kiosk 3)
	svcAffix bool   // svc glued to a word as a prefix or suffix (svcBackup, sqlsvc)
	saPrefix bool   // sa- or sa_ opens it
}

// scanWords reads text s token by token (split at punctuation, camelCase and
// digits) and collects the word classes of its tokens. Two neighbouring words
// are also looked up joined, so that the lexicon's multi-word terms match
// ("Blue Prism", "UiPath", "digital worker", "assistant virtuel"); such a term
// means what the lexicon says of it, not what its words say alone (a virtual
// assistant is not a person's role). Tokens equal to one of skip (the
// account's own given name and surname) say nothing of a machine and are not
// looked up, so "Steven Service" is not a service. When name is true, s is an
// account name: environment words count only after its first token
// (dev-jsmith is not an environment) and svc prefixes and suffixes glued to a
// word count as well.
func scanWords(s string, name bool, skip [2][]byte) nameInfo {
	var ni nameInfo
	var buf, prev [32]byte
	var pair [64]byte
	prevLen, prevHead := 0, false
	var pending uint32 // the person classes of the previous word, until the next is read
	first := true
	lastWasDigits := false
	sawWord := false
	for i := 0; i < len(s); {
		start, end := nextToken(s, i)
		if start == end {
			break
		}
		i = end
		tok := s[start:end]
		ni.tokens++
		isFirst := first
		first = false
		if byteClass(tok[0]) == classDigit {
			lastWasDigits = sawWord
			prevHead = false
			continue
		}
		lastWasDigits = false
		sawWord = true
		f := foldToken(buf[:], tok)
		if f == nil || (len(skip[0]) > 0 && string(f) == string(skip[0]) || len(skip[1]) > 0 && string(f) == string(skip[1])) {
			prevHead = false
			continue
		}
		c, found := lexicon[string(f)]
		if !found {
			c = compoundClasses(f)
		}
		head := c&wcPairHead != 0
		c &^= wcPairHead
		if prevHead {
			j := append(append(pair[:0], prev[:prevLen]...), f...)
			if pc, ok := lexicon[string(j)]; ok {
				c, pending = pc&^wcPairHead|c&^(wcPerson|wcRole), 0
			}
		}
		if name {
			if isFirst && c&wcEnv != 0 {
				c &^= wcEnv
			}
			if isFirst && string(f) == "sa" && end < len(s) && (s[end] == '-' || s[end] == '_') {
				ni.saPrefix = true
				c |= wcService
			}
			if len(f) > 3 && c&wcService == 0 {
				if isFirst && string(f[:3]) == "svc" || numberedEnd(s, end) && string(f[len(f)-3:]) == "svc" {
					ni.svcAffix = true
					c |= wcService
				}
			}
		}
		ni.classes |= pending | c&^(wcPerson|wcRole)
		pending = c & (wcPerson | wcRole)
		prevLen, prevHead = copy(prev[:], f), head
	}
	ni.classes |= pending
	ni.numbered = lastWasDigits
	return ni
}

// firstWordOf returns the first word, or pair of words, of s whose word
// classes include one of classes (for an explanation), or "".
func firstWordOf(s string, classes uint32, name bool, skip [2][]byte) string {
	prevStart := -1
	for i := 0; i < len(s); {
		start, end := nextToken(s, i)
		if start == end {
			break
		}
		i = end
		if ni := scanWords(s[start:end], false, skip); ni.classes&classes != 0 {
			return s[start:end]
		}
		if prevStart >= 0 {
			if ni := scanWords(s[prevStart:end], false, skip); ni.classes&classes != 0 {
				return s[prevStart:end]
			}
		}
		if name {
			if ni := scanWords(s[:end], true, skip); ni.classes&classes != 0 && (ni.svcAffix || ni.saPrefix) {
				return s[start:end]
			}
		}
		prevStart = start
	}
	return ""
}

// numberedEnd reports whether only separators and digits follow position i
// of s (sqlsvc01: "svc" still ends the name).
func numberedEnd(s string, i int) bool {
	for ; i < len(s); i++ {
		if c := byteClass(s[i]); c != classSep && c != classDigit {
			return false
		}
	}
	return true
}
