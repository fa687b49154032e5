// Command gen writes mica's discovery evaluation corpus: fictional
// organisations' directory exports, their HR sources and the labels, from a
// seed (docs/discovery-labels.md).
//
//	go run ./classify/testdata/corpus/gen -out classify/testdata/corpus
package main

import (
	"flag"
	"fmt"
	"os"
	"time"
)

func main() {
	out := flag.String("out", "classify/testdata/corpus", "directory to write the organisations into")
	seed := flag.Uint64("seed", 20250630, "seed")
	flag.Parse()
	now := time.Date(2025, 6, 30, 6, 0, 0, 0, time.UTC)
	for _, gen := range []func(uint64, time.Time) *orgFiles{genNWH, genRWA, genGVA} {
		o := gen(*seed, now)
		if err := o.write(*out); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
	}
}
