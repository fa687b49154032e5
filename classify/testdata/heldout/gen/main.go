// Command gen writes the held-out discovery corpus (not committed to mica
// while the detector is tuned).
package main

import (
	"flag"
	"fmt"
	"os"
	"time"
)

func main() {
	out := flag.String("out", "../corpus", "directory to write the organisations into")
	seed := flag.Uint64("seed", 7071, "seed")
	flag.Parse()
	now := time.Date(2025, 9, 15, 7, 30, 0, 0, time.UTC)
	for _, gen := range []func(uint64, time.Time) *orgFiles{genAEL, genGZH, genNSE} {
		o := gen(*seed, now)
		if err := o.write(*out); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
	}
}
