package classify

import (
	"strings"

	"github.com/micahq/mica"
)

// Population is what discovery learns of one source's people from its accounts
// that correlate to an identity: how the source names its people (the shapes
// of their account names) and which person attributes they carry. A name that
// departs from the source's own pattern weighs towards a machine, one that
// follows it towards a person; a person attribute that the source's people
// usually carry counts when it is missing. It is learned without labels, from
// the source's own data, so it adapts to each directory.
//
// A Population is immutable once learned and safe for concurrent use. The zero
// value and nil know nothing.
type Population struct {
	people int
	shapes map[uint64]int32
	have   [nPersonAttrs]int32
	top    uint64 // the most common shape
	topN   int32
}

// Person attributes whose prevalence among a source's people is learned.
const (
	paName = iota // given name and surname
	paManager
	paEmployeeID
	paMail
	paTitle
	paDepartment
	paLogon
	nPersonAttrs
)

// minPeople is how many correlated accounts a population needs before its
// pattern says anything.
const minPeople = mica.MinPeople

// LearnPopulation learns a source's population from its people: accounts of
// the source that correlate to an identity. The store passes a sample (a
// thousand or so is plenty); fewer than 20 teach nothing, and discovery then
// reads accounts without population signals.
func LearnPopulation(people []*Account) *Population {
	p := &Population{shapes: make(map[uint64]int32, 16)}
	var at attrs
	for _, a := range people {
		if a == nil {
			continue
		}
		p.people++
		at = attrs{}
		at.read(a.Attributes)
		sh := nameShape(loginOf(a, &at))
		p.shapes[sh]++
		if n := p.shapes[sh]; n > p.topN {
			p.top, p.topN = sh, n
		}
		if at.has(sGiven) && at.has(sSurname) {
			p.have[paName]++
		}
		for _, x := range [...]struct {
			s slot
			a int
		}{{sManager, paManager}, {sEmployeeID, paEmployeeID}, {sMail, paMail}, {sTitle, paTitle}, {sDepartment, paDepartment},
			{sLastLogon, paLogon}} {
			if at.has(x.s) {
				p.have[x.a]++
			}
		}
	}
	return p
}

// People is how many accounts the population was learned from.
func (p *Population) People() int {
	if p == nil {
		return 0
	}
	return p.people
}

// known reports whether the population has enough people to say anything.
func (p *Population) known() bool { return p != nil && p.people >= minPeople }

// shareOf returns the share of the source's people whose name has shape sh.
func (p *Population) shareOf(sh uint64) float64 {
	return float64(p.shapes[sh]) / float64(p.people)
}

// common reports whether most of the source's people carry person attribute i.
func (p *Population) common(i int) bool {
	return p.known() && 2*int(p.have[i]) >= p.people
}

// Name-shape thresholds: a name follows the source's pattern when at least 5 %
// of its people share its shape, departs from it when fewer than 0.5 % do.
const (
	shapeFits    = 0.05
	shapeDeparts = 0.005
)

// nameShape abstracts an account name into its shape: runs of letters by
// length (one letter, two or three, four or more), runs of digits (one or two,
// three or more) and the separators between them, up to 12 parts; what follows
// an @ is dropped. jdoe and smithj are "L", john.smith "L.L", j.smith "1.L",
// svc_sql01 "S_S2", u123456 "1D". Case does not count.
func nameShape(s string) uint64 {
	if at := strings.IndexByte(s, '@'); at >= 0 {
		s = s[:at]
	}
	var sh uint64
	parts := 0
	push := func(c byte) {
		if parts < 12 {
			sh = sh<<5 | uint64(c&31) // five bits a part
			parts++
		}
	}
	for i := 0; i < len(s); {
		c := s[i]
		j := i + 1
		switch cls := byteClass(c); cls {
		case classLower, classUpper:
			for j < len(s) && (byteClass(s[j]) == classLower || byteClass(s[j]) == classUpper) {
				j++
			}
			runes := 0
			for k := i; k < j; k++ {
				if s[k]&0xC0 != 0x80 {
					runes++
				}
			}
			switch {
			case runes == 1:
				push(1)
			case runes <= 3:
				push(2)
			default:
				push(3)
			}
		case classDigit:
			for j < len(s) && byteClass(s[j]) == classDigit {
				j++
			}
			if j-i <= 2 {
				push(4)
			} else {
				push(5)
			}
		default:
			switch c {
			case '.':
				push(6)
			case '-':
				push(7)
			case '_':
				push(8)
			case ' ':
				push(9)
			case '$':
				push(10)
			default:
				push(11)
			}
		}
		i = j
	}
	return sh | uint64(parts)<<60
}

// shapeString renders a shape for an explanation: L a word, S a short run of
// letters, 1 one letter, 2 one or two digits, D more digits.
func shapeString(sh uint64) string {
	parts := int(sh >> 60)
	sh &= 1<<60 - 1
	b := make([]byte, parts)
	for i := parts - 1; i >= 0; i-- {
		b[i] = "?1SL2D.-_ $?"[sh&31]
		sh >>= 5
	}
	return string(b)
}

// loginOf returns the name an account logs in with: the account name, or its
// login attribute when it has no name.
func loginOf(a *Account, at *attrs) string {
	if a.Name != "" {
		return a.Name
	}
	if at != nil {
		if s := at.str(sLogin); s != "" {
			return s
		}
	}
	return a.NativeIdentity
}
