package demo

import (
	"fmt"
	"strings"

	"github.com/micahq/mica"
)

// kindOrder is the order kinds are reported in.
var kindOrder = []Kind{KindComputer, KindService, KindGMSA, KindMSA, KindBuiltIn, KindSync, KindServicePrincipal,
	KindBot, KindIntegration, KindEmployee, KindContractor, KindLeaver, KindAdmin, KindGuest}

// SourceStats counts the accounts of one source by ground truth.
type SourceStats struct {
	Source   string
	Accounts int
	Machines int
	Humans   int
	Kinds    map[Kind]int
}

// MachineShare is the share of the source's accounts that are machines.
func (s SourceStats) MachineShare() float64 {
	if s.Accounts == 0 {
		return 0
	}
	return float64(s.Machines) / float64(s.Accounts)
}

// Report counts a tenant's accounts per source. Fill it with Add when
// streaming; Stats fills it from a Tenant.
type Report struct {
	Sources []SourceStats
}

// NewReport returns an empty report for sources.
func NewReport(sources []*mica.Source) *Report {
	r := &Report{Sources: make([]SourceStats, len(sources))}
	for i, s := range sources {
		r.Sources[i] = SourceStats{Source: s.Name, Kinds: make(map[Kind]int)}
	}
	return r
}

// Add counts one account of source index src.
func (r *Report) Add(src int, t Truth) {
	s := &r.Sources[src]
	s.Accounts++
	if t.Machine {
		s.Machines++
	} else {
		s.Humans++
	}
	s.Kinds[t.Kind]++
}

// Total sums the report over every source.
func (r *Report) Total() SourceStats {
	tot := SourceStats{Source: "total", Kinds: make(map[Kind]int)}
	for _, s := range r.Sources {
		tot.Accounts += s.Accounts
		tot.Machines += s.Machines
		tot.Humans += s.Humans
		for k, n := range s.Kinds {
			tot.Kinds[k] += n
		}
	}
	return tot
}

// String renders the report as a table: one line per source, then the total.
func (r *Report) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%-18s %9s %9s %7s %9s  %s\n", "source", "accounts", "machines", "share", "humans", "kinds")
	line := func(s SourceStats) {
		var kinds []string
		for _, k := range kindOrder {
			if n := s.Kinds[k]; n > 0 {
				kinds = append(kinds, fmt.Sprintf("%s %d", k, n))
			}
		}
		fmt.Fprintf(&b, "%-18s %9d %9d %6.1f%% %9d  %s\n", s.Source, s.Accounts, s.Machines, 100*s.MachineShare(),
			s.Humans, strings.Join(kinds, ", "))
	}
	for _, s := range r.Sources {
		line(s)
	}
	line(r.Total())
	return b.String()
}

// Stats reports the accounts of t per source: how many, how many machines and
// humans, and of which kinds.
func Stats(t *Tenant) *Report {
	r := NewReport(t.Sources)
	index := make(map[string]int, len(t.Sources))
	for i, s := range t.Sources {
		index[s.ID] = i
	}
	for _, a := range t.Accounts {
		r.Add(index[a.SourceID], t.Truth[a.ID])
	}
	return r
}
