package query_test

import (
	"testing"

	"github.com/micahq/mica/query"
)

// BenchmarkCompile parses and compiles the filters and sorters of a list request
// into SQL, as every list request does.
func BenchmarkCompile(b *testing.B) {
	cases := []struct {
		name             string
		res              *query.Resource
		filters, sorters string
	}{
		{"none", query.SourceAppsAssigned, "", ""},
		{"simple", query.SourceAppsAssigned, `name sw "Pay"`, "name"},
		{"compound", query.SourceAppsAssigned,
			`(name co "pay" or name sw "HR") and created gt 2020-01-01T00:00:00Z and accountSource.id in ("a1b2", "c3d4")`,
			"-modified,name"},
		{"accounts", query.Accounts, `sourceId eq "2c9180835d2e5168015d32f890ca1581" and name sw "svc"`, "-created"},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := c.res.Compile(query.SQLite, c.filters, c.sorters, 1); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
