package main

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// prismPeer is Stoplight Prism (pinned in cmd/micabench/peer's lock file)
// mocking the reference's source-apps document: the peer `micabench list
// -peer prism` drives with the same load as mica, in the same run.
type prismPeer struct {
	cmd  *exec.Cmd
	base string
}

// startPrism installs the pinned Prism when missing (npm ci from the lock
// file) and starts it on a free loopback port, quiet (-v error), serving spec
// with static examples; it returns once Prism answers.
func startPrism(ctx context.Context, dir, spec, logFile string) (*prismPeer, error) {
	bin := filepath.Join(dir, "node_modules", ".bin", "prism")
	if _, err := os.Stat(bin); err != nil {
		ci := exec.CommandContext(ctx, "npm", "ci", "--no-audit", "--no-fund", "--loglevel=error")
		ci.Dir, ci.Stdout, ci.Stderr = dir, os.Stderr, os.Stderr
		if err := ci.Run(); err != nil {
			return nil, fmt.Errorf("install prism (npm ci in %s): %w", dir, err)
		}
	}
	if _, err := os.Stat(spec); err != nil {
		return nil, fmt.Errorf("prism's document: %w", err)
	}
	addr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	host, port, _ := strings.Cut(addr, ":")
	log, err := os.Create(logFile)
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(bin, "mock", "-h", host, "-p", port, "-v", "error", spec) //nolint:gosec // a benchmark tool running its pinned peer
	cmd.Stdout, cmd.Stderr = log, log
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		_ = log.Close()
		return nil, fmt.Errorf("start prism: %w", err)
	}
	_ = log.Close()
	p := &prismPeer{cmd: cmd, base: "http://" + addr}
	deadline := time.Now().Add(2 * time.Minute)
	for {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, p.base+"/source-apps/assigned", nil)
		req.Header.Set("Authorization", "Bearer x")
		req.Header.Set("X-SailPoint-Experimental", "true")
		if resp, err := http.DefaultClient.Do(req); err == nil {
			_ = resp.Body.Close()
			return p, nil
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			p.stop()
			return nil, errors.New("prism did not start; see " + logFile)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// stop ends Prism and the node processes it started.
func (p *prismPeer) stop() {
	if p.cmd.Process != nil {
		_ = syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL)
		_ = p.cmd.Wait()
	}
}

// cpu is the CPU time Prism's processes have used so far.
func (p *prismPeer) cpu() time.Duration {
	return treeCPU(p.cmd.Process.Pid)
}

// treeCPU sums the CPU time of pid and its descendants, as /proc shows them.
func treeCPU(pid int) time.Duration {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return 0
	}
	parent := map[int]int{}
	cpu := map[int]time.Duration{}
	for _, e := range entries {
		var n int
		if _, err := fmt.Sscanf(e.Name(), "%d", &n); err != nil {
			continue
		}
		if st, err := readProcStat(n); err == nil {
			parent[n], cpu[n] = st.ppid, st.cpu
		}
	}
	var total time.Duration
	for n, c := range cpu {
		for a := n; a > 1; a = parent[a] {
			if a == pid {
				total += c
				break
			}
		}
	}
	return total
}
