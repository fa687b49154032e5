package mica

import (
	"strings"
	"time"
	"unicode"
)

// PersonLeft reads an identity's attributes (as its authoritative source, the
// HR system, gave them) by meaning and reports whether the person left the
// organisation: a status that says so (Terminated, Inactive, Former,
// ausgetreten, sorti, baja, ...), or, without any status, a termination or
// leaving date. day is the day of leaving (days since 1970-01-01) when a date
// is given and readable, else 0. People on leave and future hires have not
// left. Discovery reads it: an account still used after its person left is
// used by something else.
func PersonLeft(attrs map[string]any) (left bool, day int64) {
	var status, date, statusKey, dateKey string
	statusRank, dateRank := len(statusKeys), len(leavingDateKeys)
	// Two names may normalise alike (termination_date, TerminationDate): the
	// smaller name wins, so that the answer never depends on map order.
	for k, v := range attrs {
		s, ok := v.(string)
		if !ok || strings.TrimSpace(s) == "" || len(k) > 40 {
			continue
		}
		nk := normalKey(k)
		if r := indexOf(statusKeys, nk); r >= 0 && (r < statusRank || r == statusRank && k < statusKey) {
			status, statusRank, statusKey = s, r, k
		}
		if r := indexOf(leavingDateKeys, nk); r >= 0 && (r < dateRank || r == dateRank && k < dateKey) {
			date, dateRank, dateKey = s, r, k
		}
	}
	day = parseDay(date)
	if status != "" {
		return saysLeft(status), day
	}
	return day != 0, day
}

// normalKey lower-cases an attribute name and keeps only its letters and
// digits: termination_date, TerminationDate and "Termination Date" are one.
func normalKey(k string) string {
	var b strings.Builder
	for _, r := range k {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			b.WriteRune(unicode.ToLower(foldAccent(r)))
		}
	}
	return b.String()
}

// foldAccent maps a Latin letter with an accent to the letter without.
func foldAccent(r rune) rune {
	if f, ok := accents[r]; ok {
		return f
	}
	return r
}

var accents = func() map[rune]rune {
	from, to := []rune("àáâãäåçèéêëìíîïñòóôõöøùúûüýÿ"), []rune("aaaaaaceeeeiiiinoooooouuuuyy")
	m := make(map[rune]rune, 2*len(from))
	for i, r := range from {
		m[r], m[unicode.ToUpper(r)] = to[i], to[i]
	}
	return m
}()

func indexOf(list []string, s string) int {
	for i, x := range list {
		if x == s {
			return i
		}
	}
	return -1
}

// saysLeft reports whether a status value says the person left.
func saysLeft(s string) bool {
	words := strings.FieldsFunc(strings.ToLower(s), func(r rune) bool { return !unicode.IsLetter(r) })
	for i, w := range words {
		w = strings.Map(func(r rune) rune { return unicode.ToLower(foldAccent(r)) }, w)
		if indexOf(leftWords, w) >= 0 || w == "dienst" && i > 0 && words[i-1] == "uit" {
			return true
		}
	}
	return false
}

// parseDay reads a date (ISO 8601, day.month.year, day/month/year) as days
// since 1970-01-01, or 0.
func parseDay(s string) int64 {
	s = strings.TrimSpace(s)
	for _, layout := range []string{time.RFC3339, "2006-01-02", "02.01.2006", "02/01/2006", "2.1.2006", "2/1/2006", "20060102"} {
		n := len(layout)
		if layout == time.RFC3339 {
			n = len(s)
		}
		if len(s) < n {
			continue
		}
		if t, err := time.Parse(layout, s[:n]); err == nil {
			return t.Unix() / 86400
		}
	}
	return 0
}

var (
	statusKeys = strings.Fields(`status statut employmentstatus workerstatus hrstatus lifecyclestate
		cloudlifecyclestate identitystatus personstatus beschaftigungsstatus estado stato state`)
	leavingDateKeys = strings.Fields(`terminationdate leavingdate leavedate exitdate separationdate lastdayofwork
		lastworkingday austrittsdatum austritt datesortie datedesortie fechabaja fechadebaja datadesligamento
		datacessazione uitdienstdatum enddate`)
	leftWords = strings.Fields(`terminated termination inactive left leaver leavers former separated retired
		deceased dismissed resigned ausgetreten inaktiv ehemalig ausgeschieden gekundigt sorti sortie sortis
		inactif parti radie baja inactivo cesado desligado inativo cessato slutat avslutad fratradt`)
)
