package main

import (
	"context"
	"flag"
	"fmt"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"time"
)

// listBench loads GET /v2025/source-apps/assigned?limit=50&count=true with a
// mix of filters and sorters and the tokens of many identities.
type listBench struct {
	tenant   tenantSpec
	info     *tenantInfo
	pristine string
	conns    int
	netHTTP  bool
	duration time.Duration
	warmup   time.Duration
	// peer, when "prism", drives Stoplight Prism mocking peerSpec with the
	// same load after mica, in the same run, and reports both and the ratio.
	peer, peerDir, peerSpec string
}

func (b *listBench) flags(fs *flag.FlagSet) {
	b.tenant.flags(fs)
	fs.IntVar(&b.conns, "conns", 32, "concurrent connections")
	fs.BoolVar(&b.netHTTP, "nethttp", false, "send with net/http's client (costs the load generator more CPU per request) instead of the lean one")
	fs.DurationVar(&b.duration, "duration", 20*time.Second, "measured time")
	fs.DurationVar(&b.warmup, "warmup", 2*time.Second, "unmeasured warm-up before it")
	fs.StringVar(&b.peer, "peer", "", "prism: after mica, drive Stoplight Prism (the pinned cmd/micabench/peer) mocking -peer-spec "+
		"with the same load, and print both and the ratio")
	fs.StringVar(&b.peerDir, "peer-dir", "cmd/micabench/peer", "where the peer's package.json and lock file are")
	fs.StringVar(&b.peerSpec, "peer-spec", "../shared/reference/openapi/isc-v2025.yaml", "the reference document Prism mocks")
}

func (b *listBench) prepare(ctx context.Context, o *options) (err error) {
	b.info, b.pristine, err = b.tenant.prepare(ctx, o)
	return err
}

// listQueries are the filters and sorters the load mixes, as an app launcher
// and SDK scripts send them.
func listQueries(sourceIDs []string) []url.Values {
	q := func(filters, sorters string) url.Values {
		v := url.Values{"limit": {"50"}, "count": {"true"}}
		if filters != "" {
			v.Set("filters", filters)
		}
		if sorters != "" {
			v.Set("sorters", sorters)
		}
		return v
	}
	out := []url.Values{
		q("", ""),
		q("", "name"),
		q("", "-modified"),
		q(`name sw "Pay"`, "name"),
		q(`name co "port"`, "-created"),
		q(`accountSource.id eq "`+sourceIDs[1]+`"`, "name"),
		q(`accountSource.id in ("`+sourceIDs[2]+`", "`+sourceIDs[5]+`")`, "-name"),
		q(`created gt "2020-01-01T00:00:00Z"`, "accountSource.id,name"),
	}
	paged := q("", "name")
	paged.Set("offset", "50")
	return append(out, paged)
}

func (b *listBench) run(ctx context.Context, o *options, run int) (result, error) {
	if b.peer != "" && b.peer != "prism" {
		return result{}, fmt.Errorf("-peer %q: prism is the only peer", b.peer)
	}
	res, tokens, paths, err := b.runMica(ctx, o, run)
	if err != nil || b.peer == "" {
		return res, err
	}
	// The same load on Prism, mica stopped: the same paths (Prism serves the
	// document's paths without the version prefix), tokens, connections and time.
	p, err := startPrism(ctx, b.peerDir, b.peerSpec, filepath.Join(o.work, "prism.log"))
	if err != nil {
		return result{}, err
	}
	defer p.stop()
	var peerPaths []string
	for _, path := range paths {
		peerPaths = append(peerPaths, strings.TrimPrefix(path, "/v2025"))
	}
	l := &load{bases: []string{p.base}, paths: peerPaths, tokens: tokens, conns: b.conns, duration: b.duration,
		warmup: b.warmup, maxRequests: 10_000_000, timeout: 30 * time.Second, netHTTP: b.netHTTP}
	var cpu0 time.Duration
	warm := time.AfterFunc(b.warmup, func() { cpu0 = p.cpu() })
	st, err := l.run(ctx)
	warm.Stop()
	if err != nil {
		return result{}, err
	}
	cpu := p.cpu() - cpu0
	res.line += fmt.Sprintf("; prism %s, CPU %.1f s; mica/prism %.1f×", st, cpu.Seconds(), res.value/st.rps())
	if st.firstError != "" {
		res.line += " (prism's first error: " + st.firstError + ")"
	}
	return res, nil
}

// runMica measures mica once and returns what the peer is driven with too.
func (b *listBench) runMica(ctx context.Context, o *options, run int) (result, []string, []string, error) {
	f, err := startFleet(ctx, o, b.pristine, filepath.Join(o.work, "run-list"))
	if err != nil {
		return result{}, nil, nil, err
	}
	defer f.stop()
	srv := f.servers[0] // mints the tokens, good on every server (one signing key)
	tokens := make([]string, len(b.info.ClientIDs))
	errs := make([]error, len(tokens))
	var wg sync.WaitGroup
	sem := make(chan struct{}, 4)
	for i, id := range b.info.ClientIDs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			tokens[i], errs[i] = srv.token(id, b.info.Secret)
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return result{}, nil, nil, err
		}
	}
	var paths []string
	for _, v := range listQueries(b.info.SourceIDs) {
		paths = append(paths, "/v2025/source-apps/assigned?"+v.Encode())
	}
	l := &load{bases: f.bases(), paths: paths, tokens: tokens, conns: b.conns, duration: b.duration,
		warmup: b.warmup, maxRequests: 10_000_000, timeout: 30 * time.Second, netHTTP: b.netHTTP}
	var prof <-chan error
	if run == 0 && o.cpuProfile != "" {
		prof = f.profile(o.cpuProfile, min(o.profileFor, b.duration))
	}
	// CPU times cover the measured part: from the end of the warm-up to the end of the load.
	marks := make(chan cpuMark, 1)
	warm := time.AfterFunc(b.warmup, func() { marks <- f.cpuMark() })
	st, err := l.run(ctx)
	if err != nil {
		warm.Stop()
		return result{}, nil, nil, err
	}
	res, err := f.usage(<-marks)
	if err != nil {
		return result{}, nil, nil, err
	}
	if prof != nil {
		if err := <-prof; err != nil {
			return result{}, nil, nil, fmt.Errorf("cpu profile: %w", err)
		}
	}
	line := fmt.Sprintf("%d conns, %d tokens, %s", b.conns, len(tokens), st)
	if len(f.servers) > 1 {
		line = fmt.Sprintf("%d conns over %d servers, %d tokens, %s", b.conns, len(f.servers), len(tokens), st)
	}
	if st.firstError != "" {
		line += " (first error: " + st.firstError + ")"
	}
	return result{value: st.rps(), higherBetter: true, res: res, line: line}, tokens, paths, nil
}
