package classify

// PersonLeft reads an identity's attributes (as its authoritative source, the
// HR system, gave them) by meaning and reports whether the person left the
// organisation: a status that says so (Terminated, Inactive, Former,
// ausgetreten, sorti, baja, ...), or, without any status, a termination or
// leaving date. day is the day of leaving (days since 1970-01-01) when a date
// is given, else 0. People on leave and future hires have not left.
func PersonLeft(attrs map[string]any) (left bool, day int64) {
	var buf [32]byte
	var status, date any
	statusRank, dateRank := 99, 99
	for k, v := range attrs {
		if len(k) > 40 || v == nil {
			continue
		}
		n := 0
		for i := 0; i < len(k) && n < len(buf); i++ {
			c := k[i]
			switch {
			case 'a' <= c && c <= 'z', '0' <= c && c <= '9':
			case 'A' <= c && c <= 'Z':
				c += 'a' - 'A'
			default:
				continue
			}
			buf[n] = c
			n++
		}
		if r, ok := statusKeys[string(buf[:n])]; ok && r < statusRank {
			status, statusRank = v, r
		}
		if r, ok := leavingDateKeys[string(buf[:n])]; ok && r < dateRank {
			date, dateRank = v, r
		}
	}
	if d, ok, _ := timeDays(date); ok {
		day = d
	}
	if s := firstString(status); s != "" {
		return saysLeft(s), day
	}
	return day != 0, day
}

// saysLeft reports whether a status value says the person left.
func saysLeft(s string) bool {
	var buf [32]byte
	prev := ""
	for i := 0; i < len(s); {
		start, end := nextToken(s, i)
		if start == end {
			return false
		}
		i = end
		f := foldToken(buf[:], s[start:end])
		if f == nil {
			continue
		}
		if leftWords[string(f)] || prev == "uit" && string(f) == "dienst" {
			return true
		}
		prev = ""
		if string(f) == "uit" {
			prev = "uit"
		}
	}
	return false
}

var (
	statusKeys = rankedKeys("status statut employmentstatus workerstatus hrstatus lifecyclestate cloudlifecyclestate " +
		"identitystatus personstatus beschaftigungsstatus estado stato state")
	leavingDateKeys = rankedKeys("terminationdate leavingdate leavedate exitdate separationdate lastdayofwork " +
		"lastworkingday austrittsdatum austritt datesortie datedesortie fechabaja fechadebaja datadesligamento " +
		"datacessazione uitdienstdatum enddate")
	leftWords = func() map[string]bool {
		m := map[string]bool{}
		for k := range rankedKeys("terminated termination inactive left leaver leavers former separated retired " +
			"deceased dismissed resigned ausgetreten inaktiv ehemalig ausgeschieden gekundigt sorti sortie sortis " +
			"inactif inactive parti radie baja inactivo cesado desligado inativo cessato slutat avslutad fratradt") {
			m[k] = true
		}
		return m
	}()
)

// rankedKeys maps each space-separated word of s to its position.
func rankedKeys(s string) map[string]int {
	m := map[string]int{}
	start := -1
	for i := 0; i <= len(s); i++ {
		if i < len(s) && s[i] != ' ' {
			if start < 0 {
				start = i
			}
			continue
		}
		if start >= 0 {
			m[s[start:i]] = len(m)
			start = -1
		}
	}
	return m
}
