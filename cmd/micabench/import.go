package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// importBench times POST /v2025/sources/{id}/load-accounts of a generated CSV
// (scripts/gencsv) to a delimited-file source, until the aggregation's status
// is COMPLETED.
type importBench struct {
	rows  int
	again bool
	csv   string
}

func (b *importBench) flags(fs *flag.FlagSet) {
	fs.IntVar(&b.rows, "rows", 1000000, "accounts in the CSV")
	fs.BoolVar(&b.again, "again", false, "time a second load of the same file into the source the first filled "+
		"(a re-aggregation: every row matched, none changed) instead of the first")
}

func (b *importBench) prepare(ctx context.Context, o *options) error {
	b.csv = filepath.Join(o.work, fmt.Sprintf("accounts-%d.csv", b.rows))
	if _, err := os.Stat(b.csv); err == nil {
		return nil
	}
	tmp := b.csv + ".tmp"
	f, err := os.Create(tmp)
	if err != nil {
		return err
	}
	cmd := exec.CommandContext(ctx, "go", "run", "./scripts/gencsv", "-rows", fmt.Sprint(b.rows))
	cmd.Stdout, cmd.Stderr = f, os.Stderr
	err = cmd.Run()
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("gencsv (run from the repository root): %w", err)
	}
	return os.Rename(tmp, b.csv)
}

func (b *importBench) run(ctx context.Context, o *options, run int) (result, error) {
	dir := filepath.Join(o.work, "run-import")
	data := filepath.Join(dir, "data")
	if err := os.RemoveAll(dir); err != nil {
		return result{}, err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return result{}, err
	}
	id, secret, err := benchClient(ctx, o, data)
	if err != nil {
		return result{}, err
	}
	srv, err := startServer(ctx, o, data, filepath.Join(dir, "server.log"))
	if err != nil {
		return result{}, err
	}
	defer srv.stop()
	tok, err := srv.token(id, secret)
	if err != nil {
		return result{}, err
	}
	var ids []struct {
		ID string `json:"id"`
	}
	if err := srv.call("GET", "/v2025/identities?defaultFilter=NONE&limit=1", tok, nil, &ids); err != nil || len(ids) == 0 {
		return result{}, fmt.Errorf("find the admin identity: %w", err)
	}
	var src struct {
		ID string `json:"id"`
	}
	if err := srv.call("POST", "/v2025/sources?provisionAsCsv=true", tok, map[string]any{"name": "Bench",
		"owner": map[string]string{"type": "IDENTITY", "id": ids[0].ID}, "connector": "delimited-file",
		"connectorAttributes": map[string]any{"mergeColumns": []string{"groups"}}}, &src); err != nil {
		return result{}, err
	}
	var first int64 // the rows the first load added: a second load matches them all, and processes none
	if b.again {
		if first, err = b.load(ctx, srv, src.ID, tok); err != nil {
			return result{}, fmt.Errorf("first load: %w", err)
		}
	}
	var prof <-chan error
	if run == 0 && o.cpuProfile != "" {
		prof = srv.profile(o.cpuProfile, o.profileFor)
	}
	start := time.Now()
	processed, err := b.load(ctx, srv, src.ID, tok)
	if err != nil {
		return result{}, err
	}
	elapsed := time.Since(start)
	rss, err := srv.peakRSS()
	if err != nil {
		return result{}, err
	}
	if prof != nil {
		if err := <-prof; err != nil {
			return result{}, fmt.Errorf("cpu profile: %w", err)
		}
	}
	verb := "imported"
	if b.again {
		processed, verb = first, fmt.Sprintf("re-imported (%d processed; peak RSS of both loads)", processed)
	}
	return result{value: elapsed.Seconds(), res: resources{rss: []int64{rss}},
		line: fmt.Sprintf("%d rows %s in %.2f s = %.0f rows/s", processed, verb, elapsed.Seconds(),
			float64(processed)/elapsed.Seconds())}, nil
}

// load uploads the CSV to source id's load-accounts and waits for the
// aggregation to complete; it returns the accounts it processed.
func (b *importBench) load(ctx context.Context, srv *server, id, tok string) (int64, error) {
	var task struct {
		Task struct {
			ID string `json:"id"`
		} `json:"task"`
	}
	if err := b.upload(srv, "/v2025/sources/"+id+"/load-accounts", tok, &task); err != nil {
		return 0, err
	}
	var st struct {
		Status            string `json:"status"`
		ProcessedAccounts int64  `json:"processedAccounts"`
	}
	for {
		if err := srv.call("GET", "/v2025/account-aggregations/"+task.Task.ID+"/status", tok, nil, &st); err != nil {
			return 0, err
		}
		if st.Status == "COMPLETED" || st.Status == "TERMINATED" || st.Status == "ERROR" {
			break
		}
		if ctx.Err() != nil {
			return 0, ctx.Err()
		}
		time.Sleep(50 * time.Millisecond)
	}
	if st.Status != "COMPLETED" {
		return 0, fmt.Errorf("the aggregation ended %s", st.Status)
	}
	return st.ProcessedAccounts, nil
}

// benchClient creates an ORG_ADMIN client (and its identity) in a fresh data dir.
func benchClient(ctx context.Context, o *options, data string) (id, secret string, err error) {
	out, err := exec.CommandContext(ctx, o.mica, "clients", "create", "--data-dir", data, "--identity", "bench.admin",
		"--levels", "ORG_ADMIN").CombinedOutput()
	if err != nil {
		return "", "", fmt.Errorf("mica clients create: %w: %s", err, out)
	}
	return field(string(out), "client id:"), field(string(out), "client secret:"), nil
}

// upload streams the CSV as the multipart "file" part.
func (b *importBench) upload(srv *server, path, tok string, out any) error {
	f, err := os.Open(b.csv)
	if err != nil {
		return err
	}
	defer func() { _ = f.Close() }()
	pr, pw := io.Pipe()
	mw := multipart.NewWriter(pw)
	go func() {
		part, err := mw.CreateFormFile("file", filepath.Base(b.csv))
		if err == nil {
			_, err = io.Copy(part, bufio.NewReaderSize(f, 1<<20))
		}
		if err == nil {
			err = mw.Close()
		}
		pw.CloseWithError(err)
	}()
	req, err := http.NewRequestWithContext(srv.ctx, http.MethodPost, srv.base+path, pr)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+tok)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	return srv.do(req, out)
}

// field returns what follows label on its line of out.
func field(out, label string) string {
	for _, line := range strings.Split(out, "\n") {
		if _, rest, ok := strings.Cut(line, label); ok {
			return strings.TrimSpace(rest)
		}
	}
	return ""
}
