package classify

import (
	"strconv"

	"github.com/micahq/mica"
)

// Mode is a classification mode (the ClassificationMode query parameter).
type Mode uint8

// Classification modes.
const (
	// ModeDefault classifies by the source's config and leaves manually
	// classified accounts as they are.
	ModeDefault Mode = iota
	// ModeIgnoreManual classifies by the source's config, manually classified
	// accounts included.
	ModeIgnoreManual
	// ModeForceMachine marks the account as a machine account (method MANUAL).
	ModeForceMachine
	// ModeForceHuman marks the account as human (method MANUAL, so that later
	// default runs keep it human).
	ModeForceHuman
)

// ParseMode parses a ClassificationMode value; "" is ModeDefault. Anything else
// is EILLEGAL, naming the value.
func ParseMode(s string) (Mode, error) {
	switch s {
	case "", "default":
		return ModeDefault, nil
	case "ignoreManual":
		return ModeIgnoreManual, nil
	case "forceMachine":
		return ModeForceMachine, nil
	case "forceHuman":
		return ModeForceHuman, nil
	}
	return ModeDefault, mica.Errorf(mica.EILLEGAL,
		"classificationMode %q is not one of default, ignoreManual, forceMachine, forceHuman", clip(s, 64))
}

// String returns the mode's wire value.
func (m Mode) String() string {
	switch m {
	case ModeDefault:
		return "default"
	case ModeIgnoreManual:
		return "ignoreManual"
	case ModeForceMachine:
		return "forceMachine"
	case ModeForceHuman:
		return "forceHuman"
	}
	return "Mode(" + strconv.Itoa(int(m)) + ")"
}

// State is an account's classification: whether it is a machine account and
// how it came to be one (Method is "", SOURCE, CRITERIA, MANUAL or DISCOVERY).
// A human account has Method "" unless a person made it human (MANUAL).
type State struct {
	IsMachine bool
	Method    string
}

// Decide applies mode to account a, currently classified as cur, and returns
// its new classification and whether it differs from cur.
//
//   - forceMachine and forceHuman set {true, MANUAL} and {false, MANUAL}.
//   - default and ignoreManual run p: a machine account gets p's method (SOURCE
//     or CRITERIA); a human one gets {false, ""}, clearing any earlier method
//     (including DISCOVERY), since an account's method says how it became a
//     machine account. default skips (returns cur unchanged) accounts whose
//     method is MANUAL; ignoreManual does not.
//   - With a nil or disabled p, default and ignoreManual change nothing: a
//     source without classification leaves its accounts as they are.
func Decide(mode Mode, p *Program, a *Account, cur State) (State, bool) {
	var next State
	switch mode {
	case ModeForceMachine:
		next = State{IsMachine: true, Method: mica.MethodManual}
	case ModeForceHuman:
		next = State{IsMachine: false, Method: mica.MethodManual}
	case ModeDefault, ModeIgnoreManual:
		if !p.Enabled() || mode == ModeDefault && cur.Method == mica.MethodManual {
			return cur, false
		}
		if p.IsMachine(a) {
			next = State{IsMachine: true, Method: p.Method()}
		}
	default:
		return cur, false
	}
	return next, next != cur
}

// clip shortens s to at most n bytes, on a rune boundary, for quoting in an error.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && s[n]&0xC0 == 0x80 {
		n--
	}
	return s[:n] + "..."
}
