package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/micahq/mica/oauth"
)

// fleet is the mica servers of one run: one server on a copy of the pristine
// SQLite data directory, or -servers servers sharing a fresh copy of the
// pristine PostgreSQL database (each with its own data directory holding the
// same signing key, so that a token minted by one is good on all).
type fleet struct {
	servers []*server
	pg      *pgCluster
	pgProcs *pgProcs // nil on SQLite, or when the cluster is not on this machine
}

// startFleet starts the run's servers on a copy of pristine (a data directory
// or a database), in dir.
func startFleet(ctx context.Context, o *options, pristine, dir string) (*fleet, error) {
	if o.pg == nil {
		data := filepath.Join(dir, "data")
		if err := copyDir(pristine, data); err != nil {
			return nil, err
		}
		s, err := startServer(ctx, o, data, filepath.Join(dir, "server.log"))
		if err != nil {
			return nil, err
		}
		return &fleet{servers: []*server{s}}, nil
	}
	if err := os.RemoveAll(dir); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	start := time.Now()
	if err := o.pg.copyDB(ctx, pristine, runDB); err != nil {
		return nil, fmt.Errorf("copy the pristine database: %w", err)
	}
	fmt.Fprintf(os.Stderr, "database %s copied from %s in %s\n", runDB, pristine, time.Since(start).Round(time.Millisecond))
	f := &fleet{pg: o.pg}
	key := ""
	for i := range o.servers {
		data := filepath.Join(dir, fmt.Sprintf("server-%d", i+1))
		if err := os.MkdirAll(data, 0o700); err != nil {
			return nil, err
		}
		if i == 0 {
			key = filepath.Join(data, "jwt-es256.pem")
			if _, err := oauth.LoadOrCreateKey(key); err != nil {
				return nil, err
			}
		} else if err := copyFile(key, filepath.Join(data, "jwt-es256.pem")); err != nil {
			return nil, err
		}
		s, err := startServer(ctx, o, data, filepath.Join(dir, fmt.Sprintf("server-%d.log", i+1)),
			"--database", o.pg.dbURL(runDB))
		if err != nil {
			f.stop()
			return nil, err
		}
		f.servers = append(f.servers, s)
	}
	f.pgProcs = watchPostgres(o.pg.postmaster(ctx))
	return f, nil
}

// stop stops the servers (together: a job's work may be on any of them) and
// drops the run's database.
func (f *fleet) stop() {
	done := make(chan struct{})
	for _, s := range f.servers {
		go func() { s.stop(); done <- struct{}{} }()
	}
	for range f.servers {
		<-done
	}
	if f.pgProcs != nil {
		f.pgProcs.finish()
		f.pgProcs = nil
	}
	if f.pg != nil {
		if err := f.pg.drop(context.Background(), runDB); err != nil {
			fmt.Fprintf(os.Stderr, "drop %s: %v\n", runDB, err)
		}
	}
}

// bases are the servers' base URLs.
func (f *fleet) bases() []string {
	out := make([]string, len(f.servers))
	for i, s := range f.servers {
		out[i] = s.base
	}
	return out
}

// cpuMark is the CPU time used so far by the servers and PostgreSQL.
type cpuMark struct {
	servers []time.Duration
	pg      map[int]time.Duration
}

func (f *fleet) cpuMark() cpuMark {
	var m cpuMark
	for _, s := range f.servers {
		d, _ := s.cpu()
		m.servers = append(m.servers, d)
	}
	if f.pgProcs != nil {
		m.pg = f.pgProcs.cpu()
	}
	return m
}

// usage is what the servers (and PostgreSQL) used: peak memory, and CPU time
// since mark.
func (f *fleet) usage(mark cpuMark) (resources, error) {
	r := resources{postgres: f.pg != nil}
	for i, s := range f.servers {
		rss, err := s.peakRSS()
		if err != nil {
			return r, err
		}
		d, err := s.cpu()
		if err != nil {
			return r, err
		}
		r.rss = append(r.rss, rss)
		r.cpu = append(r.cpu, d-mark.servers[i])
	}
	if f.pgProcs != nil {
		r.pgSeen = true
		r.pgCPU = f.pgProcs.cpuSince(mark.pg)
		r.pgPSS = f.pgProcs.finish()
		f.pgProcs = nil
	}
	return r, nil
}

// profile captures a CPU profile of every server for d: file for the first,
// file.2, file.3, ... for the others.
func (f *fleet) profile(file string, d time.Duration) <-chan error {
	ch := make(chan error, 1)
	var chans []<-chan error
	for i, s := range f.servers {
		name := file
		if i > 0 {
			name = fmt.Sprintf("%s.%d", file, i+1)
		}
		chans = append(chans, s.profile(name, d))
	}
	go func() {
		var errs []error
		for _, c := range chans {
			errs = append(errs, <-c)
		}
		ch <- errors.Join(errs...)
	}()
	return ch
}

// resources is what a run's servers used. On PostgreSQL the CPU times cover
// the measured part of the run.
type resources struct {
	postgres bool
	rss      []int64         // peak RSS (VmHWM) of each server, bytes
	cpu      []time.Duration // CPU time of each server
	pgSeen   bool            // PostgreSQL runs on this machine: pgPSS and pgCPU are known
	pgPSS    int64           // PostgreSQL's peak memory: the sum of its processes' PSS, sampled every second (0: unknown)
	pgCPU    time.Duration   // PostgreSQL's CPU time (its processes that lasted to the end)
}

func (r resources) sumRSS() int64 {
	var n int64
	for _, v := range r.rss {
		n += v
	}
	return n
}

func (r resources) String() string {
	if !r.postgres {
		s := "server peak RSS " + mib(r.sumRSS())
		if len(r.cpu) == 1 && r.cpu[0] > 0 {
			s += fmt.Sprintf(", server CPU %.1f s", r.cpu[0].Seconds())
		}
		return s
	}
	s := "server peak RSS " + mib(r.sumRSS())
	if len(r.rss) > 1 {
		each := make([]string, len(r.rss))
		for i, v := range r.rss {
			each[i] = strings.TrimSuffix(mib(v), " MiB")
		}
		s += " (" + strings.Join(each, " + ") + ")"
	}
	var cpu time.Duration
	each := make([]string, len(r.cpu))
	for i, d := range r.cpu {
		cpu += d
		each[i] = fmt.Sprintf("%.1f", d.Seconds())
	}
	s += fmt.Sprintf(", server CPU %.1f s", cpu.Seconds())
	if len(r.cpu) > 1 {
		s += " (" + strings.Join(each, " + ") + ")"
	}
	if r.pgSeen {
		s += fmt.Sprintf(", PostgreSQL CPU %.1f s", r.pgCPU.Seconds())
		if r.pgPSS > 0 {
			s += ", peak PSS " + mib(r.pgPSS)
		}
	}
	return s
}

// medianResources is, member by member, the median of rs (which all have the
// same number of servers).
func medianResources(rs []resources) resources {
	out := resources{postgres: rs[0].postgres, pgSeen: rs[0].pgSeen}
	medInt := func(get func(resources) int64) int64 {
		v := make([]int64, len(rs))
		for i, r := range rs {
			v[i] = get(r)
		}
		return median(v)
	}
	for i := range rs[0].rss {
		out.rss = append(out.rss, medInt(func(r resources) int64 { return r.rss[i] }))
	}
	for i := range rs[0].cpu {
		out.cpu = append(out.cpu, time.Duration(medInt(func(r resources) int64 { return int64(r.cpu[i]) })))
	}
	out.pgPSS = medInt(func(r resources) int64 { return r.pgPSS })
	out.pgCPU = time.Duration(medInt(func(r resources) int64 { return int64(r.pgCPU) }))
	return out
}
