package main

import (
	"context"
	"flag"
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/micahq/mica/internal/serve"
)

// runHealthcheck is "mica healthcheck": exit 0 when the server at --url
// answers GET /health/ready with 200, else 1. The container image's
// HEALTHCHECK runs it (the image has no shell and no curl).
func runHealthcheck(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("mica healthcheck", flag.ContinueOnError)
	url := fs.String("url", serve.EnvOr("MICA_HEALTH_URL", localURL(serve.EnvOr("MICA_ADDR", "127.0.0.1:8080"))),
		"base URL of the server; default: MICA_ADDR on loopback (MICA_HEALTH_URL)")
	timeout := fs.Duration("timeout", 3*time.Second, "how long to wait for the answer")
	if err := fs.Parse(args); err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, *url+"/health/ready", nil)
	if err != nil {
		return fmt.Errorf("healthcheck: %w", err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("healthcheck: %w", err)
	}
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("healthcheck: %s answered %d", *url, resp.StatusCode)
	}
	return nil
}

// localURL is the URL on which a server listening on addr answers locally:
// a wildcard host (0.0.0.0, ::, none) becomes loopback.
func localURL(addr string) string {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "http://" + addr
	}
	if ip := net.ParseIP(host); host == "" || (ip != nil && ip.IsUnspecified()) {
		host = "127.0.0.1"
	}
	return "http://" + net.JoinHostPort(host, port)
}
