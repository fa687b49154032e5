package main

import (
	"fmt"
	"strings"
	"time"
)

// rng is splitmix64: a fixed algorithm, so that the corpus is byte-identical
// whatever the Go version (math/rand's streams are not a promise).
type rng struct{ s uint64 }

func newRNG(seed uint64, stream string) *rng {
	r := &rng{s: seed}
	for _, c := range stream {
		r.s = r.s*1099511628211 ^ uint64(c)
	}
	r.u64()
	return r
}

func (r *rng) u64() uint64 {
	r.s += 0x9e3779b97f4a7c15
	z := r.s
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

// intn returns a number in [0, n).
func (r *rng) intn(n int) int {
	if n <= 0 {
		return 0
	}
	return int(r.u64() % uint64(n))
}

// between returns a number in [lo, hi].
func (r *rng) between(lo, hi int) int { return lo + r.intn(hi-lo+1) }

func (r *rng) float() float64 { return float64(r.u64()>>11) / (1 << 53) }

func (r *rng) chance(p float64) bool { return r.float() < p }

func pick[T any](r *rng, xs []T) T { return xs[r.intn(len(xs))] }

// weighted picks an index by weight.
func (r *rng) weighted(w []float64) int {
	var sum float64
	for _, x := range w {
		sum += x
	}
	v := r.float() * sum
	for i, x := range w {
		if v < x {
			return i
		}
		v -= x
	}
	return len(w) - 1
}

func (r *rng) hex(n int) string {
	const digits = "0123456789abcdef"
	var b strings.Builder
	for range n {
		b.WriteByte(digits[r.intn(16)])
	}
	return b.String()
}

func (r *rng) guid() string {
	h := r.hex(32)
	return fmt.Sprintf("%s-%s-4%s-%c%s-%s", h[:8], h[8:12], h[13:16], "89ab"[r.intn(4)], h[17:20], h[20:])
}

// at returns a moment between minDays and maxDays before now, at a working
// hour when work is true.
func (r *rng) at(now time.Time, minDays, maxDays int, work bool) time.Time {
	d := r.between(minDays, maxDays)
	t := now.AddDate(0, 0, -d).Truncate(24 * time.Hour)
	if work {
		t = t.Add(time.Duration(r.between(6*3600, 18*3600)) * time.Second)
	} else {
		t = t.Add(time.Duration(r.intn(86400)) * time.Second)
	}
	if t.After(now) {
		t = t.AddDate(0, 0, -1)
	}
	return t
}

// nightly returns a logon of a scheduled job: within the last day or two,
// in the small hours.
func (r *rng) nightly(now time.Time) time.Time {
	t := now.AddDate(0, 0, -r.between(0, 3)).Truncate(24 * time.Hour)
	return t.Add(time.Duration(r.between(3600, 5*3600)) * time.Second)
}
