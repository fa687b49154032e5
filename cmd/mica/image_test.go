package main

import (
	"bufio"
	"debug/elf"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestImageBinary checks the container image without a container engine
// (none runs on the build machines): the Dockerfile's promises (multi-stage,
// an empty base, a non-root user, a health check, the /data volume), and the
// binary it builds, built the same way: static, and serving the image's
// default command as the image's user with the image's environment, its
// health check passing while it runs and failing once it stops. Run it with
// make image-test (MICA_IMAGE_TEST=1).
func TestImageBinary(t *testing.T) {
	if os.Getenv("MICA_IMAGE_TEST") == "" {
		// A second build of everything (CGO_ENABLED=0, -trimpath): minutes on a
		// cold cache, so it is a command of its own (make image-test).
		t.Skip("MICA_IMAGE_TEST is not set: make image-test runs this test")
	}
	df, err := os.ReadFile("../../Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	text := string(df)
	for _, want := range []string{`(?m)^FROM golang:\S+ AS build$`, `(?m)^FROM scratch$`, `(?m)^USER 65532:65532$`,
		`(?m)^VOLUME /data$`, `(?m)^HEALTHCHECK .*CMD \["/usr/local/bin/mica", "healthcheck"\]$`,
		`CGO_ENABLED=0 go build -trimpath -ldflags "-s -w`, `(?m)^ENTRYPOINT \["/usr/local/bin/mica"\]$`,
		`(?m)^CMD \["serve", "--demo"\]$`, `--chown=65532:65532 /out/data /data`} {
		if !regexp.MustCompile(want).MatchString(text) {
			t.Errorf("the Dockerfile lacks %s", want)
		}
	}
	env := imageEnv(t, text)
	if env["MICA_ADDR"] != "0.0.0.0:8080" || env["MICA_DATA_DIR"] != "/data" {
		t.Fatalf("image environment: %v", env)
	}

	dir := t.TempDir()
	bin := filepath.Join(dir, "mica")
	build := exec.Command("go", "build", "-trimpath", "-ldflags", "-s -w -X main.Version=image-test", "-o", bin, ".")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	f, err := elf.Open(bin)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			t.Fatal("the binary asks for a dynamic loader: it would not run on an empty base")
		}
	}
	if libs, _ := f.ImportedLibraries(); len(libs) > 0 {
		t.Fatalf("the binary links %v", libs)
	}
	_ = f.Close()

	// The image's user, when the test may switch to it; its data dir as the image makes it.
	data := filepath.Join(dir, "data")
	if err := os.Mkdir(data, 0o700); err != nil {
		t.Fatal(err)
	}
	var cred *syscall.Credential
	if os.Getuid() == 0 {
		cred = &syscall.Credential{Uid: 65532, Gid: 65532}
		if err := os.Chown(data, 65532, 65532); err != nil {
			t.Fatal(err)
		}
		for _, d := range []string{dir, filepath.Dir(dir)} { // the image's user reaches the binary
			if err := os.Chmod(d, 0o755); err != nil {
				t.Fatal(err)
			}
		}
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	_ = ln.Close()
	runEnv := append(os.Environ(), "MICA_DATA_DIR="+data, "MICA_ADDR=0.0.0.0:"+strconv.Itoa(port), "MICA_DEMO_IDENTITIES=20",
		"MICA_METRICS_ADDR=off", "TMPDIR="+dir)
	srv := exec.Command(bin, "serve", "--demo") // the image's CMD
	srv.Env = runEnv
	srv.SysProcAttr = &syscall.SysProcAttr{Credential: cred}
	logs, err := os.Create(filepath.Join(dir, "serve.log"))
	if err != nil {
		t.Fatal(err)
	}
	srv.Stdout, srv.Stderr = logs, logs
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = srv.Process.Kill(); _, _ = srv.Process.Wait() }()
	health := func() error {
		c := exec.Command(bin, "healthcheck") // the image's HEALTHCHECK
		c.Env = runEnv
		c.SysProcAttr = &syscall.SysProcAttr{Credential: cred}
		return c.Run()
	}
	deadline := time.Now().Add(60 * time.Second)
	for health() != nil {
		if time.Now().After(deadline) {
			b, _ := os.ReadFile(logs.Name())
			t.Fatalf("the health check never passed; server log:\n%s", b)
		}
		time.Sleep(100 * time.Millisecond)
	}
	if st, err := os.Stat(filepath.Join(data, "mica.db")); err != nil {
		t.Fatalf("no database in the data dir: %v", err)
	} else if cred != nil && st.Sys().(*syscall.Stat_t).Uid != 65532 {
		t.Fatalf("the database belongs to uid %d, not the image's user", st.Sys().(*syscall.Stat_t).Uid)
	}
	if err := srv.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := srv.Wait(); err != nil {
		t.Fatalf("serve did not stop cleanly on SIGTERM: %v", err)
	}
	if health() == nil {
		t.Fatal("the health check passes with the server stopped")
	}
}

// imageEnv reads the Dockerfile's ENV lines.
func imageEnv(t *testing.T, dockerfile string) map[string]string {
	t.Helper()
	env := map[string]string{}
	sc := bufio.NewScanner(strings.NewReader(strings.ReplaceAll(dockerfile, "\\\n", " ")))
	for sc.Scan() {
		line, ok := strings.CutPrefix(strings.TrimSpace(sc.Text()), "ENV ")
		if !ok {
			continue
		}
		for _, kv := range strings.Fields(line) {
			if k, v, ok := strings.Cut(kv, "="); ok {
				env[k] = v
			}
		}
	}
	return env
}
