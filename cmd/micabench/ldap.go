package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/micahq/mica/internal/slapd"
)

// ldapBench times the direct aggregation of an Active Directory source from a
// throwaway OpenLDAP (internal/slapd, Debian's slapd) holding -entries
// generated accounts in four OUs: POST load-accounts without a file, until the
// aggregation's status is COMPLETED. The directory is loaded once (slapadd)
// and serves every run; each run starts a fresh mica server and source, so
// every run adds all the accounts.
type ldapBench struct {
	entries  int
	pageSize int
	srv      *slapd.Server
}

func (b *ldapBench) flags(fs *flag.FlagSet) {
	fs.IntVar(&b.entries, "entries", 100000, "accounts in the directory")
	fs.IntVar(&b.pageSize, "page-size", 500, "the source's pageSize (entries per page of the paged search)")
}

func (b *ldapBench) prepare(ctx context.Context, o *options) error {
	dir := filepath.Join(o.work, "ldap-slapd")
	if err := os.RemoveAll(dir); err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	t0 := time.Now()
	s, err := slapd.Start(ctx, slapd.Options{Dir: dir, Seed: slapd.WriteAD(0, b.entries)})
	if err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "slapd: %d entries loaded and serving in %s on %s\n", b.entries, time.Since(t0).Round(time.Millisecond), s.URL())
	b.srv = s
	return nil
}

func (b *ldapBench) run(ctx context.Context, o *options, run int) (result, error) {
	dir := filepath.Join(o.work, "run-ldap")
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
	var dns []any
	for _, ou := range slapd.ADOUs {
		dns = append(dns, map[string]any{"searchDN": "ou=" + ou + "," + slapd.BaseDN})
	}
	var src struct {
		ID string `json:"id"`
	}
	if err := srv.call("POST", "/v2025/sources", tok, map[string]any{"name": "Bench AD",
		"owner": map[string]string{"type": "IDENTITY", "id": ids[0].ID}, "connector": "active-directory",
		"connectorAttributes": map[string]any{"host": b.srv.Host, "port": b.srv.Port, "user": slapd.ReaderDN,
			"password": b.srv.Password, "searchDNs": dns, "pageSize": b.pageSize}}, &src); err != nil {
		return result{}, err
	}
	cpu0, err := srv.cpu()
	if err != nil {
		return result{}, err
	}
	slapd0, err := readProcStat(b.srv.PID())
	if err != nil {
		return result{}, err
	}
	var prof <-chan error
	start := time.Now()
	var task struct {
		Task struct {
			ID string `json:"id"`
		} `json:"task"`
	}
	if err := srv.call("POST", "/v2025/sources/"+src.ID+"/load-accounts", tok, nil, &task); err != nil {
		return result{}, err
	}
	if run == 0 && o.cpuProfile != "" {
		prof = srv.profile(o.cpuProfile, o.profileFor)
	}
	var st struct {
		Status            string `json:"status"`
		ProcessedAccounts int64  `json:"processedAccounts"`
	}
	for {
		if err := srv.call("GET", "/v2025/account-aggregations/"+task.Task.ID+"/status", tok, nil, &st); err != nil {
			return result{}, err
		}
		if st.Status == "COMPLETED" || st.Status == "TERMINATED" {
			break
		}
		if ctx.Err() != nil {
			return result{}, ctx.Err()
		}
		time.Sleep(50 * time.Millisecond)
	}
	elapsed := time.Since(start)
	if st.Status != "COMPLETED" {
		return result{}, fmt.Errorf("the aggregation ended %s (see %s)", st.Status, filepath.Join(dir, "server.log"))
	}
	if st.ProcessedAccounts != int64(b.entries) {
		return result{}, fmt.Errorf("the aggregation processed %d accounts, the directory holds %d", st.ProcessedAccounts, b.entries)
	}
	rss, err := srv.peakRSS()
	if err != nil {
		return result{}, err
	}
	cpu1, err := srv.cpu()
	if err != nil {
		return result{}, err
	}
	slapd1, err := readProcStat(b.srv.PID())
	if err != nil {
		return result{}, err
	}
	if prof != nil {
		if err := <-prof; err != nil {
			return result{}, fmt.Errorf("cpu profile: %w", err)
		}
	}
	return result{value: elapsed.Seconds(), res: resources{rss: []int64{rss}},
		line: fmt.Sprintf("%d directory entries aggregated in %.2f s = %.0f entries/s; CPU: mica %.1f s, slapd %.1f s",
			st.ProcessedAccounts, elapsed.Seconds(), float64(st.ProcessedAccounts)/elapsed.Seconds(),
			(cpu1 - cpu0).Seconds(), (slapd1.cpu - slapd0.cpu).Seconds())}, nil
}
