package main

import (
	"sort"
	"strings"
	"time"
)

// person is one row of an organisation's HR system: the authoritative source.
type person struct {
	id         string
	first      string
	last       string
	dept       string
	title      string
	site       string
	manager    *person
	status     string // active, leave, terminated, pending
	workerType string
	hire, term time.Time
	email      string
	acct       *adObj // the person's main directory account, when it has one
	head, lead bool
}

func (p *person) full() string { return p.first + " " + p.last }

// dept is a department: its share of the workforce, the titles in it, and the
// titles of its head and team leads.
type dept struct {
	name   string
	weight float64
	titles []string
	head   string
	lead   string
}

// staff is the workforce of one organisation.
type staff struct {
	people []*person
	byDept map[string][]*person
}

type staffSpec struct {
	n                          int
	depts                      []dept
	sites                      []string
	siteWeights                []float64
	first, last, hardLast      []string
	hardLastShare              float64
	terminated, leave, pending float64 // shares of the HR rows
	nextID                     func(i int) string
	workerTypes                []string
	workerWeights              []float64
}

// hireTerm draws a hire date and, for a leaver, a leaving date.
func hireTerm(r *rng, now time.Time, status string) (hire, term time.Time) {
	years := r.float()
	years = years * years * 28 // most were hired in the last few years
	hire = now.AddDate(0, 0, -int(years*365)-30).Truncate(24 * time.Hour)
	switch status {
	case "terminated":
		term = now.AddDate(0, 0, -r.between(5, 1400)).Truncate(24 * time.Hour)
		if !hire.Before(term) {
			hire = term.AddDate(0, 0, -r.between(60, 3000))
		}
	case "pending":
		hire = now.AddDate(0, 0, r.between(1, 30)).Truncate(24 * time.Hour)
	}
	return hire, term
}

func buildStaff(r *rng, now time.Time, s staffSpec) *staff {
	st := &staff{byDept: map[string][]*person{}}
	weights := make([]float64, len(s.depts))
	for i, d := range s.depts {
		weights[i] = d.weight
	}
	for i := range s.n {
		d := s.depts[r.weighted(weights)]
		p := &person{id: s.nextID(i), first: pick(r, s.first), last: pick(r, s.last), dept: d.name, title: pick(r, d.titles),
			site: s.sites[r.weighted(s.siteWeights)], status: "active"}
		if r.chance(s.hardLastShare) {
			p.last = pick(r, s.hardLast)
		}
		switch x := r.float(); {
		case x < s.terminated:
			p.status = "terminated"
		case x < s.terminated+s.leave:
			p.status = "leave"
		case x < s.terminated+s.leave+s.pending:
			p.status = "pending"
		}
		p.workerType = s.workerTypes[r.weighted(s.workerWeights)]
		p.hire, p.term = hireTerm(r, now, p.status)
		st.people = append(st.people, p)
		st.byDept[d.name] = append(st.byDept[d.name], p)
	}
	// Heads and leads are active employees; everyone reports to a lead of their
	// department, leads to the head, heads to the first head (the chief).
	var chief *person
	names := make([]string, 0, len(st.byDept))
	for n := range st.byDept {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, d := range s.depts {
		ps := st.byDept[d.name]
		if len(ps) == 0 {
			continue
		}
		var active []*person
		for _, p := range ps {
			if p.status == "active" {
				active = append(active, p)
			}
		}
		if len(active) == 0 {
			continue
		}
		head := active[0]
		head.head, head.title, head.workerType = true, d.head, s.workerTypes[0]
		if chief == nil {
			chief = head
		} else {
			head.manager = chief
		}
		nLeads := max(1, len(active)/12)
		var leads []*person
		for _, p := range active[1:] {
			if len(leads) >= nLeads {
				break
			}
			p.lead, p.title, p.manager, p.workerType = true, d.lead, head, s.workerTypes[0]
			leads = append(leads, p)
		}
		if len(leads) == 0 {
			leads = []*person{head}
		}
		for _, p := range ps {
			if p.head || p.lead {
				continue
			}
			p.manager = pick(r, leads)
		}
	}
	return st
}

// inDept returns the active people of the named departments.
func (st *staff) inDept(names ...string) []*person {
	var out []*person
	for _, n := range names {
		for _, p := range st.byDept[n] {
			if p.status == "active" {
				out = append(out, p)
			}
		}
	}
	return out
}

// titleHas reports whether a title contains one of the words.
func titleHas(title string, words []string) bool {
	t := strings.ToLower(title)
	for _, w := range words {
		if strings.Contains(t, strings.ToLower(w)) {
			return true
		}
	}
	return false
}
