package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"mime/multipart"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/micahq/mica"
	"github.com/micahq/mica/oauth"
)

// limitServer is the real program on port 0 with an ORG_ADMIN client and a delimited-file source.
type limitServer struct {
	m     *Main
	dir   string
	tok   string
	srcID string
}

func bootLimits(t *testing.T, dir string, extra ...string) *limitServer {
	t.Helper()
	ctx := context.Background()
	m := NewMain()
	m.Stdout = &bytes.Buffer{}
	args := append([]string{"--addr", "127.0.0.1:0", "--data-dir", dir, "--log-level", "error",
		"--metrics-addr", "127.0.0.1:0"}, extra...)
	if err := m.ParseFlags(args); err != nil {
		t.Fatal(err)
	}
	if err := m.Run(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = m.Close() })
	admin := &mica.Identity{Name: "Limit Admin", Alias: "limit.admin", Levels: []string{mica.LevelOrgAdmin}}
	if err := m.Store().CreateIdentity(ctx, admin); err != nil {
		t.Fatal(err)
	}
	secret := oauth.NewSecret()
	hash, err := oauth.HashSecret(secret)
	if err != nil {
		t.Fatal(err)
	}
	c := &mica.Client{ID: oauth.NewClientID(), Kind: mica.ClientPAT, Name: "limits", IdentityID: admin.ID,
		Scopes: []string{"sp:scopes:all"}, SecretHash: hash, Enabled: true}
	if err := m.Store().CreateClient(ctx, c); err != nil {
		t.Fatal(err)
	}
	s := &limitServer{m: m, dir: dir, tok: getToken(t, m.URL(), c.ID, secret, 200)}
	body, _ := json.Marshal(map[string]any{"name": "Files", "connector": "x",
		"owner": map[string]any{"type": "IDENTITY", "id": admin.ID}})
	status, out := s.call(t, http.MethodPost, "/v2025/sources?provisionAsCsv=true", "application/json", bytes.NewReader(body))
	if status != 201 {
		t.Fatalf("create source: %d %s", status, out)
	}
	var src map[string]any
	_ = json.Unmarshal([]byte(out), &src)
	s.srcID = src["id"].(string)
	return s
}

func (s *limitServer) call(t *testing.T, method, path, ct string, body io.Reader) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(method, s.m.URL()+path, body)
	req.Header.Set("Authorization", "Bearer "+s.tok)
	if ct != "" {
		req.Header.Set("Content-Type", ct)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = resp.Body.Close() }()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func (s *limitServer) upload(t *testing.T, csv string) (int, string) {
	t.Helper()
	var buf bytes.Buffer
	ct := multipartWriter(&buf, "a.csv", csv)
	return s.call(t, http.MethodPost, "/v2025/sources/"+s.srcID+"/load-accounts", ct, &buf)
}

// TestHTTPServerLimits: a body that trickles in is cut off by the read
// timeout, an idle keep-alive connection is closed, an oversized header is 431.
func TestHTTPServerLimits(t *testing.T) {
	t.Parallel()
	s := bootLimits(t, t.TempDir(), "--read-timeout", "1s", "--idle-timeout", "1s", "--max-header-bytes", "8192")
	addr := s.m.Addr().String()

	// A token request whose 100-byte body comes one byte every 100 ms would take 10 s.
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = conn.Close() }()
	_, _ = io.WriteString(conn, "POST /oauth/token HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 100\r\n\r\n")
	// The server's answer, an EOF or a reset all mean it gave up on the body.
	closed := make(chan struct{})
	go func() {
		_ = conn.SetReadDeadline(time.Now().Add(30 * time.Second))
		_, _ = io.Copy(io.Discard, conn)
		close(closed)
	}()
	gaveUp := false
	for sent := 0; sent < 100 && !gaveUp; sent++ {
		select {
		case <-closed:
			gaveUp = true
		default:
			if _, err := conn.Write([]byte("g")); err != nil {
				gaveUp = true
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	if !gaveUp {
		t.Fatal("the server read a trickling body to its end: no read timeout")
	}

	// An idle keep-alive connection is closed by the server.
	conn2, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = conn2.Close() }()
	_, _ = io.WriteString(conn2, "GET /health/live HTTP/1.1\r\nHost: x\r\n\r\n")
	br := bufio.NewReader(conn2)
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatalf("health: %v", err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	_ = resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("health: %d", resp.StatusCode)
	}
	_ = conn2.SetReadDeadline(time.Now().Add(30 * time.Second))
	if _, err := br.ReadByte(); !errors.Is(err, io.EOF) {
		t.Fatalf("idle connection: %v, want the server to close it (EOF)", err)
	}

	// A header larger than the cap.
	req, _ := http.NewRequest(http.MethodGet, s.m.URL()+"/health/live", nil)
	req.Header.Set("X-Padding", strings.Repeat("p", 20<<10))
	r, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	_ = r.Body.Close()
	if r.StatusCode != http.StatusRequestHeaderFieldsTooLarge {
		t.Fatalf("large header: %d, want 431", r.StatusCode)
	}
}

// TestUploadLimits: queued files per source, queued bytes and concurrent
// uploads are capped with a 429 naming the limit; files a crash left behind
// are swept at start.
func TestUploadLimits(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	uploads := filepath.Join(dir, "uploads")
	if err := os.MkdirAll(uploads, 0o700); err != nil {
		t.Fatal(err)
	}
	orphan := filepath.Join(uploads, "upload-0123-crashed.csv")
	if err := os.WriteFile(orphan, []byte("id,name\n1,a\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	s := bootLimits(t, dir, "--max-queued-uploads", "2", "--max-queued-upload-bytes", "65536", "--max-uploads", "1")
	if _, err := os.Stat(orphan); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("orphan upload file not swept at start: %v", err)
	}
	// Two files of this source waiting: a third is refused.
	for _, n := range []string{"a", "b"} {
		if err := os.WriteFile(filepath.Join(uploads, "upload-"+s.srcID+"-"+n+".csv"), []byte("id\n1\n"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	status, body := s.upload(t, "id,name\n1,a\n")
	if status != 429 || !strings.Contains(body, "2 account files of this source are waiting") {
		t.Fatalf("third queued file: %d %s", status, body)
	}
	for _, n := range []string{"a", "b"} {
		_ = os.Remove(filepath.Join(uploads, "upload-"+s.srcID+"-"+n+".csv"))
	}
	// Waiting files of another source hold most of the byte budget.
	if err := os.WriteFile(filepath.Join(uploads, "upload-other-x.csv"), bytes.Repeat([]byte("x"), 64000), 0o600); err != nil {
		t.Fatal(err)
	}
	status, body = s.upload(t, "id,name\n"+strings.Repeat("1,a\n", 1000))
	if status != 429 || !strings.Contains(body, "cap of 65536 bytes") {
		t.Fatalf("over the byte budget: %d %s", status, body)
	}
	_ = os.Remove(filepath.Join(uploads, "upload-other-x.csv"))

	// One upload at a time: while one is arriving, another is refused.
	pr, pw := io.Pipe()
	mw := multipart.NewWriter(pw)
	first := make(chan int, 1)
	go func() {
		req, _ := http.NewRequest(http.MethodPost, s.m.URL()+"/v2025/sources/"+s.srcID+"/load-accounts", pr)
		req.Header.Set("Authorization", "Bearer "+s.tok)
		req.Header.Set("Content-Type", mw.FormDataContentType())
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			first <- 0
			return
		}
		_ = resp.Body.Close()
		first <- resp.StatusCode
	}()
	fw, _ := mw.CreateFormFile("file", "slow.csv")
	// More than the client's write buffer, so that part of the file reaches the server now.
	_, _ = io.WriteString(fw, "id,name\n"+strings.Repeat("1,a\n", 8<<10))
	// Wait until the server holds the first upload's file on disk.
	for i := 0; ; i++ {
		if m, _ := filepath.Glob(filepath.Join(uploads, "upload-"+s.srcID+"-*.csv")); len(m) > 0 {
			break
		}
		if i > 3000 {
			select {
			case st := <-first:
				t.Fatalf("the first upload ended with %d", st)
			default:
			}
			t.Fatal("the first upload never arrived")
		}
		time.Sleep(10 * time.Millisecond)
	}
	status, body = s.upload(t, "id,name\n2,b\n")
	if status != 429 || !strings.Contains(body, "being uploaded already") {
		t.Fatalf("second concurrent upload: %d %s", status, body)
	}
	_ = mw.Close()
	_ = pw.Close()
	if got := <-first; got != 202 {
		t.Fatalf("first upload: %d", got)
	}
}

// TestFileModes: the database and its WAL files are 0600 even in a data dir
// that others can read; exports are 0600 and can escape formulas.
func TestFileModes(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "data")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	s := bootLimits(t, dir)
	status, body := s.upload(t, "id,name,description\n1,svc-a,\"=HYPERLINK(\"\"http://x\"\")\"\n2,svc-b,+1 for ops\n")
	if status != 202 {
		t.Fatalf("upload: %d %s", status, body)
	}
	for i := 0; ; i++ {
		if _, b := s.call(t, http.MethodGet, "/v2025/accounts?filters=sourceId+eq+%22"+s.srcID+"%22", "", nil); strings.Contains(b, "svc-b") {
			break
		}
		if i > 3000 {
			t.Fatal("the aggregation did not complete")
		}
		time.Sleep(10 * time.Millisecond)
	}
	for _, f := range []string{"mica.db", "mica.db-wal", "mica.db-shm", "jwt-es256.pem"} {
		info, err := os.Stat(filepath.Join(dir, f))
		if err != nil {
			t.Fatal(err)
		}
		if info.Mode().Perm() != 0o600 {
			t.Errorf("%s is %v, want 0600", f, info.Mode().Perm())
		}
	}
	if err := s.m.Close(); err != nil {
		t.Fatal(err)
	}
	fresh := filepath.Join(t.TempDir(), "fresh")
	if err := ensureDataDir(fresh); err != nil {
		t.Fatal(err)
	}
	if info, _ := os.Stat(fresh); info.Mode().Perm() != 0o700 {
		t.Errorf("new data dir is %v, want 0700", info.Mode().Perm())
	}
	ctx := context.Background()
	for _, escape := range []bool{false, true} {
		out := filepath.Join(t.TempDir(), "out.csv")
		args := []string{"accounts", "--data-dir", dir, "--source", "Files", "--out", out}
		if escape {
			args = append(args, "--escape-formulas")
		}
		if err := runExport(ctx, args, io.Discard); err != nil {
			t.Fatal(err)
		}
		info, err := os.Stat(out)
		if err != nil || info.Mode().Perm() != 0o600 {
			t.Fatalf("export mode: %v %v", info.Mode().Perm(), err)
		}
		b, _ := os.ReadFile(out)
		hasEscaped := strings.Contains(string(b), `'=HYPERLINK`) && strings.Contains(string(b), `'+1 for ops`)
		if hasEscaped != escape {
			t.Fatalf("escape=%v:\n%s", escape, b)
		}
	}
}

// TestMetrics: /metrics is on its own listener, in Prometheus format, and counts
// requests by operation, rate-limit refusals and authentication failures.
func TestMetrics(t *testing.T) {
	t.Parallel()
	s := bootLimits(t, t.TempDir(), "--rate-limit", "3")
	for i := 0; i < 4; i++ {
		s.call(t, http.MethodGet, "/v3/sources", "", nil)
	}
	getToken(t, s.m.URL(), "nobody", "wrong", 401)
	get(t, s.m.URL()+"/v3/sources", "not-a-token")
	if status, _ := get(t, s.m.URL()+"/metrics", ""); status != 404 {
		t.Fatalf("/metrics on the API listener: %d", status)
	}
	status, body := get(t, s.m.MetricsURL(), "")
	if status != 200 {
		t.Fatalf("metrics: %d", status)
	}
	for _, want := range []string{
		`mica_http_requests_total{operation="listSources",status="200",version="v3"} 3`,
		`mica_http_requests_total{operation="listSources",status="429",version="v3"} 1`,
		`mica_rate_limit_refusals_total{version="v3"} 1`,
		`mica_auth_failures_total{kind="sign_in"} 1`,
		`mica_auth_failures_total{kind="token"} 1`,
		`mica_http_request_duration_seconds_bucket{operation="listSources",version="v3",le="+Inf"} 5`,
		`go_sql_open_connections{db_name="sqlite_write"}`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
	// An aggregation shows up too.
	if st, b := s.upload(t, "id,name\n1,svc-a\n"); st != 202 {
		t.Fatalf("upload: %d %s", st, b)
	}
	for i := 0; ; i++ {
		_, body = get(t, s.m.MetricsURL(), "")
		if strings.Contains(body, `mica_aggregations_total{completion="SUCCESS",status="COMPLETED"} 1`) {
			break
		}
		if i > 3000 {
			t.Fatalf("no aggregation in the metrics:\n%s", body)
		}
		time.Sleep(10 * time.Millisecond)
	}
	if !strings.Contains(body, `mica_aggregation_accounts_total{change="added"} 1`) {
		t.Fatalf("aggregation accounts missing:\n%s", body)
	}
}
