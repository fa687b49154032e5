package aggregate_test

import (
	"bytes"
	"context"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/micahq/mica"
	"github.com/micahq/mica/aggregate"
	"github.com/micahq/mica/classify"
	"github.com/micahq/mica/sqlite"
)

// benchCSV is a file like scripts/gencsv's: a tenth service accounts, a
// multi-valued groups column.
func benchCSV(rows int) []byte {
	var b bytes.Buffer
	b.WriteString("id,name,displayName,mail,department,title,groups,description\n")
	depts := []string{"Engineering", "Finance", "Sales", "IT", "HR", "Legal"}
	for i := 0; i < rows; i++ {
		d := depts[i*7%len(depts)]
		if i%10 == 0 {
			fmt.Fprintf(&b, "A%07d,svc-%s-%d,Service %d,,%s,,Service Accounts|%s,runs the %s batch job\n", i, d, i, i, d, d, d)
			continue
		}
		fmt.Fprintf(&b, "A%07d,user%07d,User %07d,user%07d@example.com,%s,Analyst,Employees|%s,\n", i, i, i, i, d, d)
	}
	return b.Bytes()
}

// BenchmarkRun: a first file of 20,000 accounts into an empty source, with
// continuous classification installed as mica serve installs it.
func BenchmarkRun(b *testing.B) {
	const rows = 20000
	file := benchCSV(rows)
	ctx := context.Background()
	for b.Loop() {
		b.StopTimer()
		db, err := sqlite.Open(ctx, filepath.Join(b.TempDir(), "mica.db"))
		if err != nil {
			b.Fatal(err)
		}
		db.SetClassifier(classify.Continuous)
		owner := &mica.Identity{Name: "Bench Admin", Alias: "bench.admin", Levels: []string{mica.LevelOrgAdmin}}
		src := &mica.Source{Name: "Bench", ConnectorAttributes: map[string]any{"mergeColumns": []any{"groups"}}}
		src.MakeDelimitedFile()
		agg := &mica.Aggregation{}
		if err := db.CreateIdentity(ctx, owner); err != nil {
			b.Fatal(err)
		}
		src.Owner = mica.Ref{ID: owner.ID}
		if err := db.CreateSource(ctx, src); err != nil {
			b.Fatal(err)
		}
		agg.SourceID = src.ID
		if err := db.CreateAggregation(ctx, agg); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		out, err := (&aggregate.Runner{Store: db}).Run(ctx, agg, bytes.NewReader(file))
		b.StopTimer()
		if err != nil || out.Stats.Added != rows {
			b.Fatalf("%+v %v", out, err)
		}
		_ = db.Close()
		b.StartTimer()
	}
	b.ReportMetric(float64(rows*b.N)/b.Elapsed().Seconds(), "accounts/s")
}
