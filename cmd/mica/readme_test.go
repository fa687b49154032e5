package main

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// readmeBlock is one ```sh block of the README.
type readmeBlock struct {
	line int    // the line of the opening fence
	text string // the commands
	skip string // why the walk-through does not run it ("" when it does)
}

// readmeBlocks returns the sh blocks of the README in order. A block preceded
// by "<!-- walkthrough: skip: REASON -->" carries its reason.
func readmeBlocks(t *testing.T, readme string) []readmeBlock {
	t.Helper()
	var blocks []readmeBlock
	lines := strings.Split(readme, "\n")
	skip := ""
	for i := 0; i < len(lines); i++ {
		l := strings.TrimSpace(lines[i])
		if m := regexp.MustCompile(`^<!-- walkthrough: skip: (.+) -->$`).FindStringSubmatch(l); m != nil {
			skip = m[1]
			continue
		}
		if l != "```sh" {
			if l != "" {
				skip = ""
			}
			continue
		}
		b := readmeBlock{line: i + 1, skip: skip}
		skip = ""
		var body []string
		for i++; i < len(lines) && strings.TrimSpace(lines[i]) != "```"; i++ {
			body = append(body, lines[i])
		}
		b.text = strings.Join(body, "\n")
		blocks = append(blocks, b)
	}
	return blocks
}

// samples are the expected outputs a block shows: full-line comments right
// after a command line (or after another sample). Other comments are prose.
// A leading HTTP status ("202 ...") is dropped: curl does not print it.
func (b readmeBlock) samples() []string {
	var out []string
	prevCommand := false
	for _, l := range strings.Split(b.text, "\n") {
		t := strings.TrimSpace(l)
		switch {
		case t == "":
			prevCommand = false
		case strings.HasPrefix(t, "# "):
			if prevCommand {
				s := strings.TrimPrefix(t, "# ")
				s = regexp.MustCompile(`^[1-5]\d\d( |$)`).ReplaceAllString(s, "")
				if s != "" {
					out = append(out, s)
				}
			}
		default:
			prevCommand = true
		}
	}
	return out
}

// allowedStatuses are the 4xx statuses a block's comments mention: a curl of
// the block may get them; any other 4xx or 5xx fails the block.
func (b readmeBlock) allowedStatuses() []string {
	var codes []string
	for _, l := range strings.Split(b.text, "\n") {
		if _, c, ok := strings.Cut(l, "#"); ok {
			codes = append(codes, regexp.MustCompile(`\b4\d\d\b`).FindAllString(c, -1)...)
		}
	}
	return codes
}

// matchSample reports whether out shows sample: its parts between "..."
// appear in out in order.
func matchSample(out, sample string) bool {
	at := 0
	for _, part := range strings.Split(sample, "...") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		i := strings.Index(out[at:], part)
		if i < 0 {
			return false
		}
		at += i + len(part)
	}
	return true
}

// curlWrapper stands in for curl in the walk-through: the same output, but a
// 5xx, or a 4xx the block does not mention, fails the command.
const curlWrapper = `curl() {
	local out code
	out=$(command curl -w '\n%{http_code}' "$@" && echo x) || return $?
	out=${out%x}
	out=${out%$'\n'}
	code=${out##*$'\n'}
	out=${out%$'\n'*}
	printf '%s' "$out"
	case "$code" in
	5*) echo "walkthrough: curl got HTTP $code" >&2; return 22 ;;
	4*) case " $MICA_ALLOW " in *" $code "*) ;; *) echo "walkthrough: curl got HTTP $code, which the block does not mention" >&2; return 22 ;; esac ;;
	esac
}
`

// TestREADMEWalkthrough runs every sh block of the README, in order, in one
// shell, against a fresh demo tenant served by the real binary: as a reader
// would, in a directory with bin/mica, examples/ and ./mica-data. Only the
// port differs (127.0.0.1:8080 becomes a free one). A block fails when a
// command fails, a curl gets an error status its comments do not mention, or
// its output lacks a sample its comments show.
func TestREADMEWalkthrough(t *testing.T) {
	for _, tool := range []string{"bash", "curl", "sed", "grep", "tee"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("the walk-through needs %s: %v", tool, err)
		}
	}
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	blocks := readmeBlocks(t, string(readme))
	run, skipped := 0, 0
	for _, b := range blocks {
		if b.skip != "" {
			skipped++
			t.Logf("README line %d: not run: %s", b.line, b.skip)
		} else {
			run++
		}
	}
	if run < 8 || skipped > 6 {
		t.Fatalf("the README has %d blocks to run and %d skipped: the walk-through should run nearly all", run, skipped)
	}

	bin := buildBinary(t)
	dir := t.TempDir()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(os.Mkdir(filepath.Join(dir, "bin"), 0o755))
	must(os.Symlink(bin, filepath.Join(dir, "bin", "mica")))
	examples, err := filepath.Abs("../../examples")
	must(err)
	must(os.Symlink(examples, filepath.Join(dir, "examples")))
	port := freePort(t)
	addr := "127.0.0.1:" + port
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	srv := exec.CommandContext(ctx, "bin/mica", "serve", "--demo", "--addr", addr, "--metrics-addr", "off", "--log-level", "warn")
	srv.Dir = dir
	var srvOut bytes.Buffer
	srv.Stdout, srv.Stderr = &srvOut, &srvOut
	must(srv.Start())
	defer func() {
		_ = srv.Process.Signal(os.Interrupt)
		_ = srv.Wait()
	}()
	waitReady(t, "http://"+addr+"/health/ready", 90*time.Second, &srvOut)

	var script strings.Builder
	script.WriteString("set -euo pipefail\n" + curlWrapper)
	for i, b := range blocks {
		if b.skip != "" {
			continue
		}
		fmt.Fprintf(&script, "printf '\\n@@block %d\\n'\nMICA_ALLOW=%q\n%s\n", i, strings.Join(b.allowedStatuses(), " "),
			strings.ReplaceAll(b.text, "127.0.0.1:8080", addr))
	}
	fmt.Fprintf(&script, "printf '\\n@@end\\n'\n")
	sh := exec.CommandContext(ctx, "bash", "-c", script.String())
	sh.Dir = dir
	sh.Env = filterEnv(os.Environ(), "MICA_DATA_DIR") // the README's commands use ./mica-data, as a reader's would
	out, err := sh.CombinedOutput()
	outputs := splitBlocks(string(out))
	if err != nil {
		last := -1
		for i := range outputs {
			last = max(last, i)
		}
		if last < 0 {
			t.Fatalf("the walk-through failed before its first block: %v\n%s", err, out)
		}
		t.Fatalf("README block at line %d failed (%v):\n%s\n--- its output:\n%s\n--- server:\n%s",
			blocks[last].line, err, blocks[last].text, outputs[last], srvOut.String())
	}
	if _, ok := outputs[-1]; !ok {
		t.Fatalf("the walk-through did not reach its end:\n%s", out)
	}
	for i, b := range blocks {
		if b.skip != "" {
			continue
		}
		for _, s := range b.samples() {
			if !matchSample(outputs[i], s) {
				t.Errorf("README block at line %d: its output does not show the sample\n  %s\n--- its output:\n%s", b.line, s, outputs[i])
			}
		}
	}
}

// splitBlocks cuts the walk-through's output at its block markers; -1 is the end marker.
func splitBlocks(out string) map[int]string {
	res := map[int]string{}
	cur := -2
	for _, l := range strings.SplitAfter(out, "\n") {
		if rest, ok := strings.CutPrefix(strings.TrimSpace(l), "@@block "); ok {
			cur, _ = strconv.Atoi(rest)
			res[cur] = ""
			continue
		}
		if strings.TrimSpace(l) == "@@end" {
			cur = -1
			res[cur] = ""
			continue
		}
		if cur != -2 {
			res[cur] += l
		}
	}
	return res
}

// filterEnv drops the variable name from env.
func filterEnv(env []string, name string) []string {
	out := env[:0]
	for _, e := range env {
		if !strings.HasPrefix(e, name+"=") {
			out = append(out, e)
		}
	}
	return out
}

// waitReady polls url until it answers 200.
func waitReady(t *testing.T, url string, within time.Duration, log *bytes.Buffer) {
	t.Helper()
	end := time.Now().Add(within)
	for time.Now().Before(end) {
		if res, err := http.Get(url); err == nil { //nolint:gosec // a test URL on loopback
			_ = res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("the server did not become ready at %s:\n%s", url, log.String())
}
