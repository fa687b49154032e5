// Command micaslapd runs a throwaway OpenLDAP (Debian's slapd) that stands in
// for an Active Directory domain controller: the AD schema mica reads, and
// -entries generated accounts (people, service accounts, computers, gMSAs) in
// four OUs under dc=mica,dc=test. It prints one JSON line with how to reach
// it (url, tlsUrl, the reader's DN and password, the CA's PEM, the search
// DNs), then serves until it is interrupted or its standard input closes, and
// removes its data. The SDK suite, the console suite and the LDAP benchmark
// use it; so can anyone trying mica against a directory:
//
//	go run ./cmd/micaslapd -entries 1000 -tls
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/micahq/mica/internal/slapd"
)

func main() {
	entries := flag.Int("entries", 1000, "generated accounts to load")
	tls := flag.Bool("tls", false, "listen for LDAPS too (and StartTLS), under a CA made for the run")
	dir := flag.String("dir", "", "where the configuration and database go (default: a temporary folder, removed at the end)")
	flag.Parse()
	if err := run(*entries, *tls, *dir); err != nil {
		fmt.Fprintln(os.Stderr, "micaslapd:", err)
		os.Exit(1)
	}
}

func run(entries int, tls bool, dir string) error {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if dir == "" {
		d, err := os.MkdirTemp("", "micaslapd-")
		if err != nil {
			return err
		}
		defer func() { _ = os.RemoveAll(d) }()
		dir = d
	}
	s, err := slapd.Start(ctx, slapd.Options{Dir: dir, TLS: tls, Seed: slapd.WriteAD(0, entries)})
	if err != nil {
		return err
	}
	defer func() { _ = s.Stop() }()
	var dns []string
	for _, ou := range slapd.ADOUs {
		dns = append(dns, "ou="+ou+","+slapd.BaseDN)
	}
	info := map[string]any{"url": s.URL(), "tlsUrl": s.TLSURL(), "host": s.Host, "port": s.Port, "tlsPort": s.TLSPort,
		"baseDN": slapd.BaseDN, "user": slapd.ReaderDN, "password": s.Password, "caCertificate": string(s.CAPEM),
		"searchDNs": dns, "entries": entries}
	if err := json.NewEncoder(os.Stdout).Encode(info); err != nil {
		return err
	}
	closed := make(chan struct{})
	go func() { _, _ = io.Copy(io.Discard, os.Stdin); close(closed) }()
	select {
	case <-ctx.Done():
	case <-closed:
	}
	return nil
}
