package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"time"
)

// server is a mica serve process on loopback.
type server struct {
	cmd   *exec.Cmd
	base  string // http://127.0.0.1:PORT
	pprof string // host:port of its pprof listener
	http  *http.Client
	done  chan struct{}   // closed when the process has exited
	ctx   context.Context // ends the requests made through call and do
}

// freeAddr returns a loopback address nobody listens on.
func freeAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer func() { _ = ln.Close() }()
	return ln.Addr().String(), nil
}

// startServer runs mica serve on dataDir (logging to logFile; extra are more
// flags) and waits until it is ready.
func startServer(ctx context.Context, o *options, dataDir, logFile string, extra ...string) (*server, error) {
	addr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	pprofAddr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	log, err := os.Create(logFile)
	if err != nil {
		return nil, err
	}
	args := append([]string{"serve", "--data-dir", dataDir, "--addr", addr, "--rate-limit", "0",
		"--log-level", "warn", "--pprof", pprofAddr}, extra...)
	cmd := exec.Command(o.mica, args...)
	cmd.Stdout, cmd.Stderr = log, log
	if err := cmd.Start(); err != nil {
		_ = log.Close()
		return nil, err
	}
	s := &server{cmd: cmd, base: "http://" + addr, pprof: pprofAddr, done: make(chan struct{}), ctx: ctx,
		http: &http.Client{Timeout: 5 * time.Minute, Transport: &http.Transport{MaxIdleConnsPerHost: 8}}}
	go func() { _ = cmd.Wait(); _ = log.Close(); close(s.done) }()
	deadline := time.Now().Add(2 * time.Minute)
	for {
		resp, err := s.http.Get(s.base + "/health/ready")
		if err == nil {
			_ = resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return s, nil
			}
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			s.stop()
			return nil, fmt.Errorf("the server did not become ready (see %s)", log.Name())
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// peakRSS is the server's VmHWM in bytes.
func (s *server) peakRSS() (int64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", s.cmd.Process.Pid))
	if err != nil {
		return 0, err
	}
	return parseVmHWM(string(b))
}

// cpu is the CPU time (user + system) the server has used so far.
func (s *server) cpu() (time.Duration, error) {
	st, err := readProcStat(s.cmd.Process.Pid)
	return st.cpu, err
}

// stop ends the server (SIGTERM, then SIGKILL after 30 s) and waits for it.
func (s *server) stop() {
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.done:
	case <-time.After(30 * time.Second):
		_ = s.cmd.Process.Kill()
		<-s.done
	}
}

// profile captures a CPU profile of the server for d into file, in the background.
func (s *server) profile(file string, d time.Duration) <-chan error {
	ch := make(chan error, 1)
	go func() {
		secs := max(1, int(d.Seconds()))
		cpu, allocs := make(chan error, 1), make(chan error, 1)
		go func() { cpu <- s.fetchProfile(fmt.Sprintf("profile?seconds=%d", secs), file) }()
		go func() { allocs <- s.fetchProfile(fmt.Sprintf("allocs?seconds=%d", secs), file+".allocs") }()
		err := errors.Join(<-cpu, <-allocs)
		if err == nil {
			fmt.Fprintf(os.Stderr, "CPU profile written to %s (go tool pprof -top %s), allocations over the same time to %s.allocs\n",
				file, file, file)
		}
		ch <- err
	}()
	return ch
}

// fetchProfile writes the server's /debug/pprof/{what} to file.
func (s *server) fetchProfile(what, file string) error {
	resp, err := http.Get(fmt.Sprintf("http://%s/debug/pprof/%s", s.pprof, what))
	if err != nil {
		return err
	}
	defer func() { _ = resp.Body.Close() }()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("pprof %s: status %d", what, resp.StatusCode)
	}
	f, err := os.Create(file)
	if err != nil {
		return err
	}
	_, err = io.Copy(f, resp.Body)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// token mints an access token with client credentials.
func (s *server) token(id, secret string) (string, error) {
	resp, err := s.http.PostForm(s.base+"/oauth/token", url.Values{"grant_type": {"client_credentials"},
		"client_id": {id}, "client_secret": {secret}})
	if err != nil {
		return "", err
	}
	defer func() { _ = resp.Body.Close() }()
	var body struct {
		AccessToken string `json:"access_token"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil || body.AccessToken == "" {
		return "", fmt.Errorf("token for client %s: status %d", id, resp.StatusCode)
	}
	return body.AccessToken, nil
}

// call sends a JSON request (body may be nil) and decodes a 2xx answer into out
// (when non-nil).
func (s *server) call(method, path, token string, body, out any) error {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(s.ctx, method, s.base+path, rd)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("X-SailPoint-Experimental", "true")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	return s.do(req, out)
}

func (s *server) do(req *http.Request, out any) error {
	resp, err := s.http.Do(req)
	if err != nil {
		return err
	}
	defer func() { _ = resp.Body.Close() }()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("%s %s: %d %s", req.Method, req.URL.Path, resp.StatusCode, bytes.TrimSpace(b))
	}
	if out != nil {
		return json.Unmarshal(b, out)
	}
	return nil
}

// copyDir copies the regular files of src into a fresh dst (a data directory:
// mica.db and the signing key), so that every run starts from the same state.
func copyDir(src, dst string) error {
	if err := os.RemoveAll(dst); err != nil {
		return err
	}
	if err := os.MkdirAll(dst, 0o700); err != nil {
		return err
	}
	entries, err := os.ReadDir(src)
	if err != nil {
		return err
	}
	for _, e := range entries {
		if !e.Type().IsRegular() {
			continue
		}
		if err := copyFile(filepath.Join(src, e.Name()), filepath.Join(dst, e.Name())); err != nil {
			return err
		}
	}
	return nil
}

func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer func() { _ = in.Close() }()
	st, err := in.Stat()
	if err != nil {
		return err
	}
	out, err := os.OpenFile(dst, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, st.Mode().Perm())
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		_ = out.Close()
		return err
	}
	return out.Close()
}
