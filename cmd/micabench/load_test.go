package main

import (
	"bytes"
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func TestPercentiles(t *testing.T) {
	t.Parallel()
	var lat []time.Duration
	for i := 100; i >= 1; i-- {
		lat = append(lat, time.Duration(i)*time.Millisecond)
	}
	p50, p99, top := percentiles(lat)
	if p50 != 50*time.Millisecond || p99 != 99*time.Millisecond || top != 100*time.Millisecond {
		t.Fatalf("percentiles = %s %s %s, want 50ms 99ms 100ms", p50, p99, top)
	}
	if a, b, c := percentiles(nil); a != 0 || b != 0 || c != 0 {
		t.Fatalf("percentiles(nil) = %s %s %s", a, b, c)
	}
	if a, b, c := percentiles([]time.Duration{time.Second}); a != time.Second || b != time.Second || c != time.Second {
		t.Fatalf("percentiles(1s) = %s %s %s", a, b, c)
	}
}

func TestParseVmHWM(t *testing.T) {
	t.Parallel()
	got, err := parseVmHWM("Name:\tmica\nVmPeak:\t  900 kB\nVmHWM:\t   123456 kB\nVmRSS:\t 1 kB\n")
	if err != nil || got != 123456<<10 {
		t.Fatalf("parseVmHWM = %d, %v", got, err)
	}
	if _, err := parseVmHWM("Name:\tmica\n"); err == nil {
		t.Fatal("parseVmHWM without VmHWM: no error")
	}
}

func TestSummarizeTakesTheMedian(t *testing.T) {
	t.Parallel()
	rs := []result{{value: 3, higherBetter: true, line: "three", res: resources{rss: []int64{30 << 20}}},
		{value: 1, higherBetter: true, line: "one", res: resources{rss: []int64{10 << 20}}},
		{value: 2, higherBetter: true, line: "two", res: resources{rss: []int64{20 << 20}}, load: 0.5}}
	if got, want := summarize("x", rs), "x (median of 3): two, server peak RSS 20 MiB (load 0.00/0.00/0.50)"; got != want {
		t.Fatalf("summarize = %q, want %q", got, want)
	}
}

func TestLoadRefusesRemoteTargets(t *testing.T) {
	t.Parallel()
	l := &load{bases: []string{"http://127.0.0.1:1", "http://example.com"}, paths: []string{"/"}, tokens: []string{"t"}, conns: 1}
	if _, err := l.run(context.Background()); err == nil {
		t.Fatal("a remote target was accepted")
	}
}

// clients runs test with each of the generator's clients: the lean one and net/http's.
func clients(t *testing.T, test func(t *testing.T, netHTTP bool)) {
	for _, netHTTP := range []bool{false, true} {
		name := "raw"
		if netHTTP {
			name = "net/http"
		}
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			test(t, netHTTP)
		})
	}
}

// TestLoadCountsAndStops runs the generator against a local server that fails
// every third request: it must count requests and errors, use every token,
// and stop by itself at its request cap.
func TestLoadCountsAndStops(t *testing.T) {
	t.Parallel()
	clients(t, testLoadCountsAndStops)
}

func testLoadCountsAndStops(t *testing.T, netHTTP bool) {
	var n atomic.Int64
	var seenA, seenB atomic.Bool
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.Header.Get("Authorization") {
		case "Bearer a":
			seenA.Store(true)
		case "Bearer b":
			seenB.Store(true)
		}
		if n.Add(1)%3 == 0 {
			http.Error(w, "no", http.StatusInternalServerError)
			return
		}
		_, _ = w.Write([]byte("[]"))
	}))
	defer srv.Close()
	l := &load{bases: []string{srv.URL}, paths: []string{"/x?a=1", "/y"}, tokens: []string{"a", "b"}, conns: 4,
		duration: time.Minute, maxRequests: 300, timeout: 5 * time.Second, netHTTP: netHTTP}
	start := time.Now()
	st, err := l.run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if time.Since(start) > 30*time.Second {
		t.Fatalf("the load did not stop at its request cap")
	}
	if st.requests != 300 || st.errors != 100 || n.Load() != 300 {
		t.Fatalf("requests %d, errors %d, served %d; want 300, 100, 300", st.requests, st.errors, n.Load())
	}
	if !seenA.Load() || !seenB.Load() {
		t.Fatal("not every token was used")
	}
	if st.p50 <= 0 || st.p99 < st.p50 || st.max < st.p99 {
		t.Fatalf("latencies out of order: %s", st)
	}
}

// TestLoadSpreadsOverServers: the connections go round-robin to every server.
// Each connection stays on one server (worker w on bases[w % len(bases)]):
// with 4 connections over 2 servers, each server gets 2. How many requests each
// then serves depends on scheduling, so the test holds every connection's
// first request until all 4 have arrived and counts connections, not requests.
func TestLoadSpreadsOverServers(t *testing.T) {
	t.Parallel()
	clients(t, testLoadSpreadsOverServers)
}

func testLoadSpreadsOverServers(t *testing.T, netHTTP bool) {
	const conns = 4
	var (
		mu       sync.Mutex
		seen     = map[string]int{} // remote address -> server
		arrived  = make(chan struct{})
		requests atomic.Int64
	)
	var bases []string
	for i := range 2 {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			requests.Add(1)
			mu.Lock()
			if _, ok := seen[r.RemoteAddr]; !ok && len(seen) < conns {
				seen[r.RemoteAddr] = i
				if len(seen) == conns {
					close(arrived)
				}
			}
			mu.Unlock()
			select {
			case <-arrived:
			case <-time.After(30 * time.Second):
			}
			_, _ = w.Write([]byte("[]"))
		}))
		defer srv.Close()
		bases = append(bases, srv.URL)
	}
	l := &load{bases: bases, paths: []string{"/"}, tokens: []string{"a"}, conns: conns, duration: time.Minute,
		maxRequests: 200, timeout: time.Minute, netHTTP: netHTTP}
	st, err := l.run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	perServer := [2]int{}
	for _, srv := range seen {
		perServer[srv]++
	}
	if st.requests != 200 || st.errors != 0 || requests.Load() != 200 || perServer != [2]int{2, 2} {
		t.Fatalf("requests %d (served %d), errors %d, first connections per server %v; want 200, 0, [2 2]",
			st.requests, requests.Load(), st.errors, perServer)
	}
}

// TestRawClientReadsEveryFraming: the lean client reads bodies sized by
// Content-Length, chunked bodies (with a trailer) and bodies ended by closing
// the connection, and counts a 200 without a body or any other status as an
// error, so every request is sent and read whole on one connection or a new one.
func TestRawClientReadsEveryFraming(t *testing.T) {
	t.Parallel()
	var conns atomic.Int64
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer tok" || r.Header.Get("X-SailPoint-Experimental") != "true" {
			http.Error(w, "headers", http.StatusBadRequest)
			return
		}
		switch r.URL.Path {
		case "/length":
			w.Header().Set("Content-Length", "3")
			_, _ = w.Write([]byte("abc"))
		case "/chunked":
			w.Header().Set("Trailer", "X-Done")
			for range 3 {
				_, _ = w.Write(bytes.Repeat([]byte("x"), 5000))
				w.(http.Flusher).Flush()
			}
			w.Header().Set("X-Done", "yes")
		case "/close":
			w.Header().Set("Connection", "close")
			_, _ = w.Write([]byte("bye"))
		case "/empty":
		case "/missing":
			http.NotFound(w, r)
		}
	}))
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			conns.Add(1)
		}
	}
	srv.Start()
	defer srv.Close()
	c, err := newRawConn(srv.URL, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c.close()
	ctx := context.Background()
	for _, step := range []struct {
		path  string
		ok    bool
		conns int64 // connections opened so far
	}{
		{"/length", true, 1}, {"/chunked", true, 1}, {"/length", true, 1}, {"/close", true, 1},
		{"/length", true, 2}, {"/empty", false, 2}, {"/missing", false, 2}, {"/chunked", true, 2},
	} {
		err := c.get(ctx, step.path, "tok")
		if (err == nil) != step.ok {
			t.Fatalf("GET %s: error %v, want ok %v", step.path, err, step.ok)
		}
		if n := conns.Load(); n != step.conns {
			t.Fatalf("after GET %s: %d connections, want %d", step.path, n, step.conns)
		}
	}
}

func TestParseProcStat(t *testing.T) {
	t.Parallel()
	// comm may hold spaces and parentheses; utime 150 and stime 50 ticks are 2 s.
	st, err := parseProcStat("4242 (postgres: a (b) c) S 17 4242 4242 0 -1 4194560 100 0 0 0 150 50 0 0 20 0 1 0 99\n")
	if err != nil || st.ppid != 17 || st.cpu != 2*time.Second {
		t.Fatalf("parseProcStat = %+v, %v; want ppid 17, cpu 2s", st, err)
	}
	if _, err := parseProcStat("4242 (x) S 17"); err == nil {
		t.Fatal("a short stat line: no error")
	}
}

func TestSummarizeSeveralServers(t *testing.T) {
	t.Parallel()
	res := func(a, b int64, cpu time.Duration) resources {
		return resources{postgres: true, rss: []int64{a << 20, b << 20}, cpu: []time.Duration{cpu, cpu},
			pgSeen: true, pgPSS: 300 << 20, pgCPU: 2 * cpu}
	}
	rs := []result{{value: 1, line: "one", res: res(80, 70, time.Second)},
		{value: 2, line: "two", res: res(90, 60, 3*time.Second)},
		{value: 3, line: "three", res: res(100, 50, 2*time.Second)}}
	want := "x (median of 3): two, server peak RSS 150 MiB (90 + 60), server CPU 4.0 s (2.0 + 2.0), " +
		"PostgreSQL CPU 4.0 s, peak PSS 300 MiB (load 0.00/0.00/0.00)"
	if got := summarize("x", rs); got != want {
		t.Fatalf("summarize = %q, want %q", got, want)
	}
}
