package main

import (
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"
)

// buildBinary builds the real mica binary once per test run.
func buildBinary(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "mica")
	cmd := exec.Command("go", "build", "-o", bin, ".")
	cmd.Stderr = os.Stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("go build: %v", err)
	}
	return bin
}

func freePort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = ln.Close() }()
	return strconv.Itoa(ln.Addr().(*net.TCPAddr).Port)
}

// startProcess runs "mica serve --demo" as a separate process and waits until it is ready.
func startProcess(t *testing.T, bin, dir, port string, extra ...string) *exec.Cmd {
	t.Helper()
	args := append([]string{"serve", "--demo", "--data-dir", dir, "--addr", "127.0.0.1:" + port, "--log-level", "error",
		"--rate-limit", "0"}, extra...)
	cmd := exec.Command(bin, args...)
	cmd.Stdout, cmd.Stderr = nil, os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	// Generous: on a loaded 2-core machine a restart (migrations, River, resuming) can take a while.
	for i := 0; i < 1200; i++ {
		if c, err := net.Dial("tcp", "127.0.0.1:"+port); err == nil {
			_ = c.Close()
			return cmd
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatal("server did not start")
	return nil
}

// TestClassificationSurvivesKill kills the real server process with SIGKILL at
// several points of a job and checks that, after a restart, the job reaches
// COMPLETED with counts and classifications equal to an uninterrupted run.
func TestClassificationSurvivesKill(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and kills the real binary")
	}
	bin := buildBinary(t)
	for _, killAfter := range []time.Duration{30 * time.Millisecond, 250 * time.Millisecond, 700 * time.Millisecond} {
		t.Run(killAfter.String(), func(t *testing.T) {
			dir, port := t.TempDir(), freePort(t)
			pacing := []string{"--classify-batch", "150", "--classify-delay", "15ms"}
			cmd := startProcess(t, bin, dir, port, pacing...)
			srcID, machines := seedAccounts(t, dir, "Service Accounts CSV", 3000)
			base := "http://127.0.0.1:" + port
			c := &client{t: t, base: base, tok: getToken(t, base, DemoAdminClientID, DemoAdminClientSecret, 200)}
			if code, b := c.do("PUT", "/v2025/sources/"+srcID+"/machine-classification-config", svcCriteria); code != 200 {
				t.Fatalf("PUT config: %d %s", code, b)
			}
			if code, b := c.do("POST", "/v2025/sources/"+srcID+"/classify", nil); code != 200 {
				t.Fatalf("POST classify: %d %s", code, b)
			}
			time.Sleep(killAfter)
			before := c.status(srcID)
			if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
				t.Fatal(err)
			}
			_ = cmd.Wait()

			startProcess(t, bin, dir, port, pacing...)
			c.tok = getToken(t, base, DemoAdminClientID, DemoAdminClientSecret, 200)
			deadline := time.Now().Add(60 * time.Second)
			var s status
			for {
				s = c.status(srcID)
				if s.Counts["COMPLETED"] < before.Counts["COMPLETED"] {
					t.Fatalf("counts went backwards across the kill: %v then %v", before.Counts, s.Counts)
				}
				if s.Status == "COMPLETED" || time.Now().After(deadline) {
					break
				}
				time.Sleep(20 * time.Millisecond)
			}
			if s.Status != "COMPLETED" || s.Counts["EXPECTED"] != 3000 || s.Counts["RECEIVED"] != 3000 || s.Counts["COMPLETED"] != 3000 {
				t.Fatalf("after restart: %+v (before the kill: %+v)", s, before)
			}
			if n := countMachines(t, c, srcID); n != machines {
				t.Fatalf("machine accounts = %d, want %d", n, machines)
			}
			if n := misclassified(t, dir, srcID); n != 0 {
				t.Fatalf("%d accounts classified otherwise than an uninterrupted run", n)
			}
			t.Logf("killed at %v with %v; resumed to %v", killAfter, before.Counts, s.Counts)
		})
	}
}
