package classify_test

import (
	"strings"
	"testing"

	"github.com/micahq/mica"
	"github.com/micahq/mica/classify"
)

func TestParseMode(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		in   string
		want classify.Mode
	}{
		{"", classify.ModeDefault},
		{"default", classify.ModeDefault},
		{"ignoreManual", classify.ModeIgnoreManual},
		{"forceMachine", classify.ModeForceMachine},
		{"forceHuman", classify.ModeForceHuman},
	} {
		got, err := classify.ParseMode(tt.in)
		if err != nil || got != tt.want {
			t.Errorf("ParseMode(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
		}
		if tt.in != "" && got.String() != tt.in {
			t.Errorf("%v.String() = %q, want %q", got, got.String(), tt.in)
		}
	}
	for _, in := range []string{"DEFAULT", "forcemachine", "force_human", "machine", " default", strings.Repeat("x", 200)} {
		_, err := classify.ParseMode(in)
		if mica.ErrorCode(err) != mica.EILLEGAL {
			t.Errorf("ParseMode(%q) error = %v, want EILLEGAL", in, err)
			continue
		}
		quoted := in
		if len(quoted) > 64 {
			quoted = quoted[:64]
		}
		if msg := mica.ErrorMessage(err); !strings.Contains(msg, `"`+quoted) || !strings.Contains(msg, "classificationMode") {
			t.Errorf("ParseMode(%q) message %q does not name the value", in, msg)
		}
	}
	if s := classify.Mode(42).String(); s != "Mode(42)" {
		t.Errorf("Mode(42).String() = %q", s)
	}
}

func TestDecide(t *testing.T) {
	t.Parallel()
	crit := compile(t, criteria(leaf("STARTS_WITH", "sAMAccountName", "svc")))
	src := compile(t, `{"enabled":true,"classificationMethod":"SOURCE"}`)
	off := compile(t, `{"enabled":false,"classificationMethod":"SOURCE"}`)
	svc := account(t, "svc_sql", "1", `{"sAMAccountName":"svc_sql"}`)
	human := account(t, "jdoe", "2", `{"sAMAccountName":"jdoe"}`)

	var (
		none          = classify.State{}
		machineCrit   = classify.State{IsMachine: true, Method: mica.MethodCriteria}
		machineSource = classify.State{IsMachine: true, Method: mica.MethodSource}
		machineManual = classify.State{IsMachine: true, Method: mica.MethodManual}
		humanManual   = classify.State{IsMachine: false, Method: mica.MethodManual}
		machineDisc   = classify.State{IsMachine: true, Method: mica.MethodDiscovery}
	)
	tests := []struct {
		name        string
		mode        classify.Mode
		p           *classify.Program
		a           *classify.Account
		cur         classify.State
		want        classify.State
		wantChanged bool
	}{
		{"default: criteria say machine", classify.ModeDefault, crit, svc, none, machineCrit, true},
		{"default: already so", classify.ModeDefault, crit, svc, machineCrit, machineCrit, false},
		{"default: criteria say human", classify.ModeDefault, crit, human, none, none, false},
		{"default: human clears the method", classify.ModeDefault, crit, human, machineCrit, none, true},
		{"default: human clears an old SOURCE", classify.ModeDefault, crit, human, machineSource, none, true},
		{"default: human clears DISCOVERY", classify.ModeDefault, crit, human, machineDisc, none, true},
		{"default: machine replaces DISCOVERY", classify.ModeDefault, crit, svc, machineDisc, machineCrit, true},
		{"default: source", classify.ModeDefault, src, human, none, machineSource, true},
		{"default: skips manual machine", classify.ModeDefault, crit, human, machineManual, machineManual, false},
		{"default: skips manual human", classify.ModeDefault, crit, svc, humanManual, humanManual, false},
		{"default: disabled config changes nothing", classify.ModeDefault, off, svc, machineCrit, machineCrit, false},
		{"default: no config changes nothing", classify.ModeDefault, nil, svc, none, none, false},
		{"ignoreManual: manual human to machine", classify.ModeIgnoreManual, crit, svc, humanManual, machineCrit, true},
		{"ignoreManual: manual machine to human", classify.ModeIgnoreManual, crit, human, machineManual, none, true},
		{"ignoreManual: like default otherwise", classify.ModeIgnoreManual, crit, svc, none, machineCrit, true},
		{"ignoreManual: disabled config", classify.ModeIgnoreManual, off, human, machineManual, machineManual, false},
		{"forceMachine", classify.ModeForceMachine, crit, human, none, machineManual, true},
		{"forceMachine: already manual machine", classify.ModeForceMachine, crit, human, machineManual, machineManual, false},
		{"forceMachine: over criteria", classify.ModeForceMachine, crit, svc, machineCrit, machineManual, true},
		{"forceMachine: without config", classify.ModeForceMachine, nil, human, none, machineManual, true},
		{"forceHuman", classify.ModeForceHuman, crit, svc, machineCrit, humanManual, true},
		{"forceHuman: from nothing", classify.ModeForceHuman, off, human, none, humanManual, true},
		{"unknown mode changes nothing", classify.Mode(9), crit, svc, none, none, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, changed := classify.Decide(tt.mode, tt.p, tt.a, tt.cur)
			if got != tt.want || changed != tt.wantChanged {
				t.Errorf("Decide = %+v, %v; want %+v, %v", got, changed, tt.want, tt.wantChanged)
			}
		})
	}
}
