package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"runtime/pprof"
	"slices"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// load is a closed-loop HTTP load generator for loopback: conns workers, each
// on its own keep-alive connection, send GET requests back to back for
// warmup+duration; only requests started after the warm-up are measured.
// Worker w sends to bases[w % len(bases)], so the connections are spread
// round-robin over several servers.
// It stops by itself: at the deadline, after maxRequests, or when ctx ends.
type load struct {
	bases       []string      // http://127.0.0.1:PORT of each server (must be loopback)
	paths       []string      // request paths with query, taken in turn
	tokens      []string      // bearer tokens, taken in turn
	conns       int           // concurrent connections
	duration    time.Duration // measured time
	warmup      time.Duration // unmeasured time before it
	maxRequests int64         // hard cap on requests sent, warm-up included
	timeout     time.Duration // per-request timeout
	// netHTTP sends with net/http's client instead of the lean one of
	// rawclient.go (which costs the generator less CPU per request).
	netHTTP bool
}

// loadStats is what a load run measured.
type loadStats struct {
	requests, errors int64
	elapsed          time.Duration
	cpu              time.Duration // the load generator's own CPU time (this process) while measured
	p50, p99, max    time.Duration
	firstError       string
}

// rps is the measured requests per second.
func (s loadStats) rps() float64 { return float64(s.requests) / s.elapsed.Seconds() }

func (s loadStats) String() string {
	return fmt.Sprintf("%.0f req/s, p50 %s, p99 %s, max %s, %d requests, %d errors, load generator CPU %.1f s", s.rps(),
		ms(s.p50), ms(s.p99), ms(s.max), s.requests, s.errors, s.cpu.Seconds())
}

func ms(d time.Duration) string { return fmt.Sprintf("%.2f ms", float64(d)/float64(time.Millisecond)) }

// checkLoopback refuses targets that are not this machine.
func checkLoopback(base string) error {
	u, err := url.Parse(base)
	if err != nil {
		return err
	}
	switch u.Hostname() {
	case "127.0.0.1", "localhost", "::1":
		return nil
	}
	return fmt.Errorf("load target %s is not loopback", base)
}

// run sends the load and measures it.
func (l *load) run(ctx context.Context) (loadStats, error) {
	for _, b := range l.bases {
		if err := checkLoopback(b); err != nil {
			return loadStats{}, err
		}
	}
	if len(l.bases) == 0 || len(l.paths) == 0 || len(l.tokens) == 0 || l.conns < 1 {
		return loadStats{}, fmt.Errorf("load needs servers, paths, tokens and connections")
	}
	tr := &http.Transport{MaxIdleConns: l.conns, MaxIdleConnsPerHost: l.conns, MaxConnsPerHost: l.conns,
		DisableCompression: true}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr, Timeout: l.timeout}
	ctx, cancel := context.WithTimeout(ctx, l.warmup+l.duration+l.timeout+time.Second)
	defer cancel()

	var sent atomic.Int64
	start := time.Now()
	measureFrom, end := start.Add(l.warmup), start.Add(l.warmup+l.duration)
	cpu0 := make(chan time.Duration, 1)
	var profile atomic.Pointer[os.File]
	warm := time.AfterFunc(l.warmup, func() {
		cpu0 <- selfCPU()
		profile.Store(startLoadProfile())
	})
	defer warm.Stop()
	type worker struct {
		lat        []time.Duration
		errors     int64
		firstError string
	}
	workers := make([]worker, l.conns)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func(me *worker, w int) {
			defer wg.Done()
			base := l.bases[w%len(l.bases)]
			get := func(path, token string) error { return l.get(ctx, client, base, path, token) }
			if !l.netHTTP {
				rc, err := newRawConn(base, l.timeout)
				if err != nil {
					me.errors, me.firstError = 1, err.Error()
					return
				}
				defer rc.close()
				get = func(path, token string) error { return rc.get(ctx, path, token) }
			}
			for i := w; ; i += l.conns {
				if sent.Add(1) > l.maxRequests || ctx.Err() != nil {
					return
				}
				t0 := time.Now()
				if !t0.Before(end) {
					return
				}
				err := get(l.paths[i%len(l.paths)], l.tokens[(i/len(l.paths)+i)%len(l.tokens)])
				if t0.Before(measureFrom) {
					continue
				}
				if err != nil {
					me.errors++
					if me.firstError == "" {
						me.firstError = err.Error()
					}
				}
				me.lat = append(me.lat, time.Since(t0))
			}
		}(&workers[w], w)
	}
	wg.Wait()
	elapsed := time.Since(measureFrom)
	warm.Stop()
	if f := profile.Load(); f != nil {
		pprof.StopCPUProfile()
		_ = f.Close()
	}
	var all []time.Duration
	st := loadStats{elapsed: elapsed}
	select {
	case c := <-cpu0:
		st.cpu = selfCPU() - c
	default:
	}
	for _, w := range workers {
		all = append(all, w.lat...)
		st.errors += w.errors
		if st.firstError == "" {
			st.firstError = w.firstError
		}
	}
	st.requests = int64(len(all))
	st.p50, st.p99, st.max = percentiles(all)
	return st, nil
}

// get sends one request; anything but a 200 with a body is an error.
func (l *load) get(ctx context.Context, c *http.Client, base, path, token string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+path, nil)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("X-SailPoint-Experimental", "true") // source apps are experimental in v2025
	resp, err := c.Do(req)
	if err != nil {
		return err
	}
	n, err := io.Copy(io.Discard, resp.Body)
	_ = resp.Body.Close()
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK || n == 0 {
		return fmt.Errorf("GET %s: status %d", path, resp.StatusCode)
	}
	return nil
}

// loadProfile (-loadprofile) is where the first measured load writes a CPU
// profile of the generator.
var loadProfile string

// startLoadProfile starts the generator's CPU profile when one is asked for
// and none was written yet, and returns its file.
func startLoadProfile() *os.File {
	if loadProfile == "" {
		return nil
	}
	f, err := os.Create(loadProfile)
	if err != nil {
		fmt.Fprintln(os.Stderr, "micabench: load profile:", err)
		return nil
	}
	loadProfile = ""
	if err := pprof.StartCPUProfile(f); err != nil {
		_ = f.Close()
		fmt.Fprintln(os.Stderr, "micabench: load profile:", err)
		return nil
	}
	return f
}

// selfCPU is the CPU time (user and system) this process has used so far.
func selfCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// percentiles returns the median, the 99th percentile (nearest rank) and the
// maximum of lat, which it sorts.
func percentiles(lat []time.Duration) (p50, p99, top time.Duration) {
	if len(lat) == 0 {
		return 0, 0, 0
	}
	slices.Sort(lat)
	rank := func(p float64) time.Duration {
		i := int(p*float64(len(lat))+0.999999) - 1
		return lat[min(max(i, 0), len(lat)-1)]
	}
	return rank(0.50), rank(0.99), lat[len(lat)-1]
}
