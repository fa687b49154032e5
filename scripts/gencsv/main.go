// Command gencsv writes a delimited-file account CSV of N rows to stdout, for
// measuring aggregation (see scripts/aggbench.sh). Deterministic for a seed.
package main

import (
	"bufio"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
)

func main() {
	rows := flag.Int("rows", 1000000, "accounts to write")
	seed := flag.Uint64("seed", 1, "random seed")
	flag.Parse()
	r := rand.New(rand.NewPCG(*seed, 7))
	w := bufio.NewWriterSize(os.Stdout, 1<<20)
	defer func() { _ = w.Flush() }()
	_, _ = fmt.Fprintln(w, "id,name,displayName,mail,department,title,groups,description")
	depts := []string{"Engineering", "Finance", "Sales", "IT", "HR", "Legal"}
	for i := 0; i < *rows; i++ {
		d := depts[r.IntN(len(depts))]
		if r.IntN(10) == 0 {
			_, _ = fmt.Fprintf(w, "A%07d,svc-%s-%d,Service %d,,%s,,Service Accounts|%s,runs the %s batch job\n",
				i, d, i, i, d, d, d)
			continue
		}
		_, _ = fmt.Fprintf(w, "A%07d,user%07d,User %07d,user%07d@example.com,%s,Analyst,Employees|%s,\n",
			i, i, i, i, d, d)
	}
}
