package classify_test

import (
	"fmt"
	"math/rand/v2"
	"syscall"
	"testing"
	"time"

	"github.com/micahq/mica/classify"
)

// adAccounts builds n Active Directory accounts with the attributes an AD
// connector aggregates: mostly employees, some service accounts and computers.
func adAccounts(n int) []*classify.Account {
	r := rand.New(rand.NewPCG(1, 2))
	first := []string{"Jane", "John", "Amara", "Kenji", "Sofia", "Lars", "Priya", "Mateo", "Chloé", "Øyvind"}
	last := []string{"Doe", "Smith", "Okafor", "Tanaka", "García", "Nilsson", "Sharma", "Rossi", "Lefèvre", "Hansen"}
	depts := []string{"Sales", "Finance", "Engineering", "HR", "Legal", "Support"}
	out := make([]*classify.Account, n)
	for i := range out {
		groups := make([]any, 5+r.IntN(15))
		for g := range groups {
			groups[g] = fmt.Sprintf("CN=GRP-%s-%03d,OU=Groups,DC=corp,DC=example,DC=com", depts[r.IntN(len(depts))], r.IntN(500))
		}
		attrs := map[string]any{
			"objectClass":        []any{"top", "person", "organizationalPerson", "user"},
			"userAccountControl": float64(512),
			"pwdLastSet":         float64(133400000000000000 + r.Int64N(1e15)),
			"lastLogonTimestamp": float64(133480000000000000 + r.Int64N(1e15)),
			"whenCreated":        "20210412093015.0Z",
			"memberOf":           groups,
			"company":            "Example Corp",
			"co":                 "Germany",
		}
		var sam, dn string
		switch k := r.IntN(100); {
		case k < 80: // employee
			f, l, d := first[r.IntN(len(first))], last[r.IntN(len(last))], depts[r.IntN(len(depts))]
			sam = fmt.Sprintf("%c%s%d", f[0], l, i)
			dn = fmt.Sprintf("CN=%s %s,OU=Users,OU=%s,DC=corp,DC=example,DC=com", f, l, d)
			attrs["givenName"], attrs["sn"], attrs["displayName"] = f, l, f+" "+l
			attrs["mail"] = sam + "@example.com"
			attrs["manager"] = "CN=Manager,OU=Users,OU=" + d + ",DC=corp,DC=example,DC=com"
			attrs["employeeID"] = fmt.Sprintf("%06d", i)
			attrs["employeeType"] = "EMPLOYEE"
			attrs["title"], attrs["department"] = "Specialist", d
			attrs["telephoneNumber"] = "+49 30 1234567"
		case k < 95: // service account
			sam = fmt.Sprintf("svc_app%03d", i)
			dn = "CN=" + sam + ",OU=Service Accounts,OU=IT,DC=corp,DC=example,DC=com"
			attrs["userAccountControl"] = float64(66048)
			attrs["description"] = "Service account for application " + sam
			if r.IntN(3) == 0 {
				attrs["servicePrincipalName"] = []any{"MSSQLSvc/sql" + sam + ".corp.example.com:1433"}
			}
		default: // computer
			sam = fmt.Sprintf("WS-%04d$", i)
			dn = fmt.Sprintf("CN=WS-%04d,OU=Workstations,DC=corp,DC=example,DC=com", i)
			attrs["objectClass"] = []any{"top", "person", "organizationalPerson", "user", "computer"}
			attrs["userAccountControl"] = float64(4096)
			attrs["operatingSystem"] = "Windows 11 Enterprise"
		}
		attrs["sAMAccountName"], attrs["distinguishedName"] = sam, dn
		attrs["userPrincipalName"] = sam + "@corp.example.com"
		out[i] = &classify.Account{Name: sam, NativeIdentity: dn, Attributes: attrs}
	}
	return out
}

// benchConfig is a three-level config of the kind an AD administrator writes.
var benchConfig = criteria(node("OR",
	node("AND", leaf("CONTAINS", "distinguishedName", "OU=Service Accounts"), leaf("NOT_EQUALS", "employeeType", "EMPLOYEE")),
	node("AND", leaf("STARTS_WITH", "sAMAccountName", "svc"), leaf("EQUALS", "objectClass", "user")),
	node("AND", leaf("ENDS_WITH", "sAMAccountName", "$"), leaf("EQUALS", "objectClass", "computer")),
	node("AND", leaf("CONTAINS", "servicePrincipalName", "MSSQLSvc"), leaf("NOT_EQUALS", "employeeType", "EMPLOYEE")),
	node("OR", leaf("STARTS_WITH", "sAMAccountName", "sa-"), leaf("EQUALS", "employeeType", "SERVICE"),
		leaf("CONTAINS", "description", "service account"), leafCS("EQUALS", "userAccountControl", "66048")),
))

// BenchmarkEvaluate runs the config over AD accounts: "hot" cycles through 64
// accounts that stay in the CPU caches, as when each account is classified
// right after it is decoded; "cold" cycles through 4096 (tens of MB of maps),
// so most attribute lookups miss the caches.
func BenchmarkEvaluate(b *testing.B) {
	p := compile(b, benchConfig)
	all := adAccounts(4096)
	machines := 0
	for _, a := range all {
		if p.IsMachine(a) {
			machines++
		}
	}
	b.Logf("%d of %d accounts are machines", machines, len(all))
	for _, n := range []int{64, 4096} {
		name := "hot"
		if n > 64 {
			name = "cold"
		}
		b.Run(name, func(b *testing.B) {
			accounts := all[:n]
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				p.IsMachine(accounts[i&(n-1)])
				i++
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "accounts/s")
		})
	}
}

// BenchmarkDiscover explains each account (hot and cold as in BenchmarkEvaluate).
func BenchmarkDiscover(b *testing.B) {
	benchAccounts(b, func(a *classify.Account) { classify.Discover(a) })
}

// BenchmarkScore is discovery's fast path, without the explanation.
func BenchmarkScore(b *testing.B) {
	benchAccounts(b, func(a *classify.Account) { classify.Score(a) })
}

// benchAccounts runs f over AD accounts. Besides accounts/s (wall clock) it
// reports accounts/cpu-s, the accounts per second of the process's own CPU
// time, which a busy machine does not inflate; with -cpu 1 that is one core.
func benchAccounts(b *testing.B, f func(a *classify.Account)) {
	all := adAccounts(4096)
	for _, n := range []int{64, 4096} {
		name := "hot"
		if n > 64 {
			name = "cold"
		}
		b.Run(name, func(b *testing.B) {
			accounts := all[:n]
			b.ReportAllocs()
			cpu0 := cpuTime()
			i := 0
			for b.Loop() {
				f(accounts[i&(n-1)])
				i++
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "accounts/s")
			if cpu := cpuTime() - cpu0; cpu > 0 {
				b.ReportMetric(float64(b.N)/cpu.Seconds(), "accounts/cpu-s")
			}
		})
	}
}

// cpuTime is the CPU time the process has used (user and system).
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
