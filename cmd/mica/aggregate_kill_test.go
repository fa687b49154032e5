package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"
)

// aggServer is a real mica process for the aggregation kill test.
type aggServer struct {
	t        *testing.T
	bin, dir string
	base     string
	cmd      *exec.Cmd
	tok      string
}

func (s *aggServer) start(id, secret string) {
	s.t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		s.t.Fatal(err)
	}
	addr := ln.Addr().String()
	_ = ln.Close()
	s.cmd = exec.Command(s.bin, "serve", "--data-dir", s.dir, "--addr", addr, "--log-level", "error", "--rate-limit", "0")
	s.cmd.Stderr = os.Stderr
	if err := s.cmd.Start(); err != nil {
		s.t.Fatal(err)
	}
	cmd := s.cmd
	s.t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	s.base = "http://" + addr
	for i := 0; i < 2400; i++ { // up to 60 s: a loaded 2-core machine restarts slowly
		if resp, err := http.Get(s.base + "/health/ready"); err == nil {
			_ = resp.Body.Close()
			if resp.StatusCode == 200 {
				s.tok = getToken(s.t, s.base, id, secret, 200)
				return
			}
		}
		time.Sleep(25 * time.Millisecond)
	}
	s.t.Fatal("server did not start")
}

func (s *aggServer) kill() {
	_ = s.cmd.Process.Signal(syscall.SIGKILL)
	_ = s.cmd.Wait()
}

func (s *aggServer) call(method, path, ct string, body []byte) (int, map[string]any, []byte) {
	s.t.Helper()
	req, _ := http.NewRequest(method, s.base+path, bytes.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+s.tok)
	if ct != "" {
		req.Header.Set("Content-Type", ct)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		s.t.Fatal(err)
	}
	defer func() { _ = resp.Body.Close() }()
	b, _ := io.ReadAll(resp.Body)
	var m map[string]any
	_ = json.Unmarshal(b, &m)
	return resp.StatusCode, m, b
}

func (s *aggServer) upload(sourceID string, csv []byte) string {
	s.t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	fw, _ := mw.CreateFormFile("file", "a.csv")
	_, _ = fw.Write(csv)
	_ = mw.Close()
	code, m, b := s.call("POST", "/v2025/sources/"+sourceID+"/load-accounts", mw.FormDataContentType(), buf.Bytes())
	if code != 202 {
		s.t.Fatalf("upload: %d %s", code, b)
	}
	return m["task"].(map[string]any)["id"].(string)
}

func (s *aggServer) status(id string) string {
	s.t.Helper()
	code, m, b := s.call("GET", "/v2025/account-aggregations/"+id+"/status", "", nil)
	if code != 200 {
		s.t.Fatalf("status: %d %s", code, b)
	}
	return m["status"].(string)
}

// accounts returns the source's account count and a digest of their names.
func (s *aggServer) accounts(sourceID string) (string, string) {
	s.t.Helper()
	req, _ := http.NewRequest("GET", s.base+"/v2025/accounts?count=true&limit=3&sorters=nativeIdentity&filters=sourceId+eq+%22"+sourceID+"%22", nil)
	req.Header.Set("Authorization", "Bearer "+s.tok)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		s.t.Fatal(err)
	}
	defer func() { _ = resp.Body.Close() }()
	var list []map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&list)
	var names []string
	for _, a := range list {
		names = append(names, a["name"].(string))
	}
	return resp.Header.Get("X-Total-Count"), strings.Join(names, ",")
}

// TestAggregationSurvivesKill kills the real server with SIGKILL while a large
// file is being staged, and again while it is being applied; after each
// restart the source holds either the old or the new accounts, never a mix,
// and an interrupted aggregation is TERMINATED.
func TestAggregationSurvivesKill(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and kills the real binary")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "mica")
	build := exec.Command("go", "build", "-o", bin, ".")
	build.Stderr = os.Stderr
	if err := build.Run(); err != nil {
		t.Fatalf("go build: %v", err)
	}
	data := filepath.Join(dir, "data")
	out, err := exec.Command(bin, "clients", "create", "--data-dir", data, "--identity", "kill.admin", "--levels", "ORG_ADMIN").CombinedOutput()
	if err != nil {
		t.Fatalf("clients create: %v %s", err, out)
	}
	id := regexp.MustCompile(`client id:\s+(\S+)`).FindSubmatch(out)
	secret := regexp.MustCompile(`client secret:\s+(\S+)`).FindSubmatch(out)
	if id == nil || secret == nil {
		t.Fatalf("clients create printed %s", out)
	}
	s := &aggServer{t: t, bin: bin, dir: data}
	s.start(string(id[1]), string(secret[1]))
	_, me, _ := s.call("GET", "/v2025/identities?defaultFilter=NONE", "", nil)
	_ = me
	_, _, idents := s.call("GET", "/v2025/identities?defaultFilter=NONE&filters=alias+eq+%22kill.admin%22", "", nil)
	var list []map[string]any
	_ = json.Unmarshal(idents, &list)
	if len(list) != 1 {
		t.Fatalf("identities: %s", idents)
	}
	body, _ := json.Marshal(map[string]any{"name": "Files", "connector": "x",
		"owner": map[string]any{"type": "IDENTITY", "id": list[0]["id"]}})
	code, src, b := s.call("POST", "/v2025/sources?provisionAsCsv=true", "application/json", body)
	if code != 201 {
		t.Fatalf("create source: %d %s", code, b)
	}
	srcID := src["id"].(string)
	first := s.upload(srcID, []byte("id,name\nold-1,alpha\nold-2,beta\nold-3,gamma\n"))
	for s.status(first) != "COMPLETED" {
		time.Sleep(20 * time.Millisecond)
	}
	oldCount, oldNames := s.accounts(srcID)
	if oldCount != "3" {
		t.Fatalf("first file gave %s accounts", oldCount)
	}
	var big bytes.Buffer
	big.WriteString("id,name,department\n")
	const rows = 150000
	for i := 0; i < rows; i++ {
		fmt.Fprintf(&big, "new-%06d,user%06d,Engineering\n", i, i)
	}
	for _, phase := range []string{"STARTED", "ACCOUNTS_COLLECTED"} {
		agg := s.upload(srcID, big.Bytes())
		seen := false
		for deadline := time.Now().Add(60 * time.Second); time.Now().Before(deadline); {
			st := s.status(agg)
			if st == phase && (phase != "STARTED" || seen) {
				break
			}
			if st == "STARTED" {
				seen = true // staging has begun; kill on the next look
			}
			if st == "COMPLETED" || st == "TERMINATED" {
				t.Logf("%s: the aggregation ended (%s) before it could be killed", phase, st)
				break
			}
			time.Sleep(5 * time.Millisecond)
		}
		s.kill()
		s.start(string(id[1]), string(secret[1]))
		count, names := s.accounts(srcID)
		st := s.status(agg)
		// The start ended the killed aggregation and removed its staging file.
		if left, _ := filepath.Glob(filepath.Join(s.dir, "mica.db-staging-*")); len(left) != 0 {
			t.Fatalf("%s: staging files left after the restart: %v", phase, left)
		}
		switch {
		case count == oldCount && names == oldNames:
			if st != "TERMINATED" {
				t.Fatalf("%s: old accounts but status %s", phase, st)
			}
		case count == fmt.Sprint(rows) && names == "user000000,user000001,user000002":
			if st != "COMPLETED" {
				t.Fatalf("%s: new accounts but status %s", phase, st)
			}
		default:
			t.Fatalf("%s: after the kill the source holds %s accounts (%s): a mix of old and new", phase, count, names)
		}
		t.Logf("killed during %s: status after restart %s, %s accounts", phase, st, count)
		if phase == "STARTED" && st != "TERMINATED" {
			t.Fatalf("killed while staging, yet %s", st)
		}
		oldCount, oldNames = count, names
	}
	// Nothing is left in the upload directory.
	left, _ := filepath.Glob(filepath.Join(data, "uploads", "*"))
	if len(left) != 0 {
		t.Fatalf("upload files left behind: %v", left)
	}
}
