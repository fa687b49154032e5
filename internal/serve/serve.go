// Package serve is the mica server program: its configuration and flags, and
// Main, which opens the store, prepares the tenant, runs the background work
// and serves the API and the console. cmd/mica runs it; micatest runs it in
// process for Go test suites.
package serve

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/micahq/mica"
	"github.com/micahq/mica/aggregate"
	"github.com/micahq/mica/api"
	"github.com/micahq/mica/directory"
	"github.com/micahq/mica/internal/storage"
	"github.com/micahq/mica/jobs"
	"github.com/micahq/mica/secrets"
	"github.com/micahq/mica/seed"
	"github.com/micahq/mica/web"
)

// Config is the configuration of mica serve.
type Config struct {
	Addr       string
	DataDir    string
	BaseURL    string
	TokenTTL   time.Duration
	RateLimit  int
	RateWindow time.Duration
	MaxBody    int64
	Demo       bool
	LogLevel   string
	Pacing     mica.Pacing
	MaxUpload  int64 // account file upload cap in bytes (load-accounts)
	// PprofAddr, when set, serves net/http/pprof on its own listener (for
	// profiling benchmarks); never on the API's address.
	PprofAddr string
	// Database, when set (a postgres:// URL), selects the PostgreSQL store instead
	// of SQLite in DataDir; several servers may share it.
	Database string
	// MetricsAddr serves Prometheus metrics (/metrics) on a listener of its
	// own; "" or "off" switches them off.
	MetricsAddr string
	// Limits of the HTTP server (README "Security and limits").
	ReadTimeout    time.Duration // a whole request, body included (uploads: UploadTimeout)
	IdleTimeout    time.Duration // an idle keep-alive connection
	MaxHeaderBytes int
	UploadTimeout  time.Duration
	MaxUploads     int   // uploads received at once
	MaxQueued      int   // account files waiting per source
	MaxQueuedBytes int64 // bytes of waiting files and uploads in progress
	SignIn         api.SignInLimits
	// Memory keeps the tenant only while the server runs: the SQLite store and
	// the signing key live in a temporary directory (on /dev/shm, memory, where
	// there is one) removed at Close; DataDir is not used.
	Memory bool
	// Controls turns on the emulator controls under /mica/v1 (default: on with
	// Demo or Memory, off otherwise); JournalEntries and JournalBodyBytes size
	// their request journal.
	Controls         bool
	JournalEntries   int
	JournalBodyBytes int
	// DemoIdentities sizes a new demo tenant (0: MICA_DEMO_IDENTITIES, or 2,000).
	DemoIdentities int
	// Seed is a tenant file to load at start (package seed), after the demo
	// tenant when Demo is set too.
	Seed string
}

// Main is the mica server program, separate from main() so tests can boot it on
// port 0 with a temporary data directory.
type Main struct {
	Config Config
	Stdout io.Writer
	Logger *slog.Logger

	backend  storage.Backend // the store and what goes with it (package storage)
	store    mica.Store      // backend's store
	Jobs     *jobs.Runner
	Aggs     *aggregate.Runner
	Server   *api.Server
	http     *http.Server
	pprof    *http.Server
	listener net.Listener

	metrics         *http.Server
	metricsLn       net.Listener
	metricsExplicit bool // --metrics-addr or MICA_METRICS_ADDR was given
	met             *serverMetrics
	// secrets seals connector secrets under the data dir's key file;
	// connector reaches the directories of direct sources with it.
	secrets   *secrets.Box
	connector *directory.Connector
	tempDir   string // the data directory of Config.Memory, removed at Close
	// Prepare, when set, runs after the tenant is set up (demo or seed) and
	// before the start snapshot is saved: what it writes is part of the state
	// a reset returns to (micatest's client).
	Prepare func(ctx context.Context, db mica.Store) error

	seed *seed.File // Config.Seed, parsed

	// runCtx is Run's context: background work restarted later (after a
	// snapshot restore) lives as long as it.
	runCtx context.Context
}

// NewMain returns a Main with default configuration.
func NewMain() *Main {
	return &Main{Config: Config{Addr: "127.0.0.1:8080", DataDir: "./mica-data", TokenTTL: 750 * time.Second,
		RateLimit: 100, RateWindow: 10 * time.Second, MaxBody: 1 << 20, LogLevel: "info", MaxUpload: api.DefaultMaxUploadBytes,
		Pacing: mica.Pacing{BatchSize: mica.DefaultBatchSize}, MetricsAddr: defaultMetricsAddr,
		ReadTimeout: 30 * time.Second, IdleTimeout: 2 * time.Minute, MaxHeaderBytes: 64 << 10,
		UploadTimeout: api.DefaultUploadTimeout, MaxUploads: api.DefaultMaxConcurrentUploads,
		MaxQueued: api.DefaultMaxQueuedUploadsPerSrc, MaxQueuedBytes: api.DefaultMaxQueuedUploadBytes,
		SignIn: api.SignInLimits{FailuresPerClient: api.DefaultSignInFailuresPerClient,
			FailuresPerAddr: api.DefaultSignInFailuresPerAddr, Window: api.DefaultSignInWindow},
		JournalEntries: api.DefaultJournalEntries, JournalBodyBytes: api.DefaultJournalBodyBytes}, Stdout: os.Stdout}
}

// EnvOr returns the environment variable name, or def when unset.
func EnvOr(name, def string) string {
	if v, ok := os.LookupEnv(name); ok {
		return v
	}
	return def
}

// ParseFlags reads flags, falling back to MICA_* environment variables.
func (m *Main) ParseFlags(args []string) error {
	fs := flag.NewFlagSet("mica serve", flag.ContinueOnError)
	c := &m.Config
	fs.StringVar(&c.Addr, "addr", EnvOr("MICA_ADDR", c.Addr), "listen address (MICA_ADDR)")
	fs.StringVar(&c.DataDir, "data-dir", EnvOr("MICA_DATA_DIR", c.DataDir), "data directory (MICA_DATA_DIR)")
	fs.StringVar(&c.BaseURL, "base-url", EnvOr("MICA_BASE_URL", ""), "public base URL; default http://ADDR (MICA_BASE_URL)")
	ttl := fs.String("token-ttl", EnvOr("MICA_TOKEN_TTL", c.TokenTTL.String()), "access token lifetime (MICA_TOKEN_TTL)")
	rate := fs.String("rate-limit", EnvOr("MICA_RATE_LIMIT", strconv.Itoa(c.RateLimit)), "requests per window per client per API version; 0 disables (MICA_RATE_LIMIT)")
	window := fs.String("rate-window", EnvOr("MICA_RATE_WINDOW", c.RateWindow.String()), "rate limit window (MICA_RATE_WINDOW)")
	body := fs.String("max-body", EnvOr("MICA_MAX_BODY", strconv.FormatInt(c.MaxBody, 10)), "request body cap in bytes (MICA_MAX_BODY)")
	demoEnv, err := strconv.ParseBool(EnvOr("MICA_DEMO", "false"))
	if err != nil {
		return fmt.Errorf("invalid MICA_DEMO %q: true or false", os.Getenv("MICA_DEMO"))
	}
	fs.BoolVar(&c.Demo, "demo", demoEnv, "serve the demo tenant (created on first start) and its well-known clients (MICA_DEMO)")
	batch := fs.String("classify-batch", EnvOr("MICA_CLASSIFY_BATCH", strconv.Itoa(c.Pacing.BatchSize)), "accounts per classification batch (MICA_CLASSIFY_BATCH)")
	delay := fs.String("classify-delay", EnvOr("MICA_CLASSIFY_DELAY", c.Pacing.Delay.String()), "pause after each classification batch, for tests (MICA_CLASSIFY_DELAY)")
	fs.StringVar(&c.LogLevel, "log-level", EnvOr("MICA_LOG_LEVEL", c.LogLevel), "debug, info, warn or error (MICA_LOG_LEVEL)")
	fs.StringVar(&c.PprofAddr, "pprof", EnvOr("MICA_PPROF", ""), "serve net/http/pprof on this separate address, e.g. 127.0.0.1:6060; off by default (MICA_PPROF)")
	fs.StringVar(&c.Database, "database", EnvOr("MICA_DATABASE", ""), "postgres:// URL: store data in PostgreSQL instead of SQLite in the data dir (MICA_DATABASE)")
	fs.StringVar(&c.Seed, "seed", EnvOr("MICA_SEED", ""), "a tenant file (YAML or JSON) to load at start: what the tenant lacks is created (MICA_SEED)")
	upload := fs.String("max-upload", EnvOr("MICA_MAX_UPLOAD", strconv.FormatInt(c.MaxUpload, 10)), "account file upload cap in bytes (MICA_MAX_UPLOAD)")
	fs.StringVar(&c.MetricsAddr, "metrics-addr", EnvOr("MICA_METRICS_ADDR", c.MetricsAddr), "serve Prometheus /metrics on this separate address; off switches them off (MICA_METRICS_ADDR)")
	durations := []struct {
		name, env, help string
		dst             *time.Duration
	}{
		{"read-timeout", "MICA_READ_TIMEOUT", "longest time to read a whole request, body included", &c.ReadTimeout},
		{"idle-timeout", "MICA_IDLE_TIMEOUT", "how long an idle keep-alive connection stays open", &c.IdleTimeout},
		{"upload-timeout", "MICA_UPLOAD_TIMEOUT", "longest time to receive one account file upload", &c.UploadTimeout},
		{"sign-in-window", "MICA_SIGN_IN_WINDOW", "the window the sign-in failure limits count over", &c.SignIn.Window},
	}
	durationText := make([]*string, len(durations))
	for i, d := range durations {
		durationText[i] = fs.String(d.name, EnvOr(d.env, d.dst.String()), d.help+" ("+d.env+")")
	}
	ints := []struct {
		name, env, help string
		dst             *int
	}{
		{"max-header-bytes", "MICA_MAX_HEADER_BYTES", "cap of a request's header in bytes (larger: 431)", &c.MaxHeaderBytes},
		{"max-uploads", "MICA_MAX_UPLOADS", "account file uploads received at once (more: 429)", &c.MaxUploads},
		{"max-queued-uploads", "MICA_MAX_QUEUED_UPLOADS", "account files waiting for aggregation per source (more: 429)", &c.MaxQueued},
		{"sign-in-failures", "MICA_SIGN_IN_FAILURES", "failed sign-ins per client id per window before 429; -1: no limit", &c.SignIn.FailuresPerClient},
		{"sign-in-failures-per-addr", "MICA_SIGN_IN_FAILURES_PER_ADDR", "failed sign-ins per remote address per window before 429; -1: no limit", &c.SignIn.FailuresPerAddr},
	}
	intText := make([]*string, len(ints))
	for i, d := range ints {
		intText[i] = fs.String(d.name, EnvOr(d.env, strconv.Itoa(*d.dst)), d.help+" ("+d.env+")")
	}
	memory := &boolFlag{name: "memory"}
	if err := memory.Set(EnvOr("MICA_MEMORY", "false")); err != nil {
		return fmt.Errorf("invalid MICA_MEMORY: %w", err)
	}
	fs.Var(memory, "memory", "keep the tenant only while the server runs: no data dir, nothing left behind (MICA_MEMORY)")
	controls := &boolFlag{name: "controls"}
	if v, ok := os.LookupEnv("MICA_CONTROLS"); ok {
		if err := controls.Set(v); err != nil {
			return fmt.Errorf("invalid MICA_CONTROLS: %w", err)
		}
	}
	fs.Var(controls, "controls", "emulator controls under /mica/v1 (snapshots, faults, journal, ...); default on with --demo or --memory (MICA_CONTROLS)")
	entries := fs.Int("journal-entries", c.JournalEntries, "requests the controls' journal keeps")
	bodyBytes := fs.Int("journal-body-bytes", c.JournalBodyBytes, "bytes of each request and response body the journal keeps")
	queuedBytes := fs.String("max-queued-upload-bytes", EnvOr("MICA_MAX_QUEUED_UPLOAD_BYTES", strconv.FormatInt(c.MaxQueuedBytes, 10)),
		"bytes of account files waiting for aggregation and uploads in progress (more: 429) (MICA_MAX_QUEUED_UPLOAD_BYTES)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	_, m.metricsExplicit = os.LookupEnv("MICA_METRICS_ADDR")
	fs.Visit(func(f *flag.Flag) { m.metricsExplicit = m.metricsExplicit || f.Name == "metrics-addr" })
	for i, d := range durations {
		v, err := time.ParseDuration(*durationText[i])
		if err != nil || v < time.Millisecond {
			return fmt.Errorf("invalid --%s %q: a duration such as 30s", d.name, *durationText[i])
		}
		*d.dst = v
	}
	for i, d := range ints {
		v, err := strconv.Atoi(*intText[i])
		if err != nil || v < -1 || v == 0 || (v < 0 && !strings.HasPrefix(d.name, "sign-in")) {
			return fmt.Errorf("invalid --%s %q: a whole number of at least 1", d.name, *intText[i])
		}
		*d.dst = v
	}
	if c.MaxQueuedBytes, err = strconv.ParseInt(*queuedBytes, 10, 64); err != nil || c.MaxQueuedBytes < 1024 {
		return fmt.Errorf("invalid --max-queued-upload-bytes %q: bytes, at least 1024", *queuedBytes)
	}
	if c.MaxHeaderBytes < 4096 {
		return fmt.Errorf("invalid --max-header-bytes %d: at least 4096", c.MaxHeaderBytes)
	}
	dataDirSet := false
	fs.Visit(func(f *flag.Flag) { dataDirSet = dataDirSet || f.Name == "data-dir" })
	c.Memory = memory.v
	switch {
	case c.Memory && c.Database != "":
		return fmt.Errorf("--memory and --database exclude each other: --memory keeps the tenant in a SQLite store of its own")
	case c.Memory && dataDirSet:
		return fmt.Errorf("--memory and --data-dir exclude each other: --memory writes no data dir")
	}
	c.Controls = c.Demo || c.Memory
	if controls.set {
		c.Controls = controls.v
	}
	if *entries < 1 || *entries > api.MaxJournalEntries {
		return fmt.Errorf("invalid --journal-entries %d: 1 to %d", *entries, api.MaxJournalEntries)
	}
	if *bodyBytes < 0 || *bodyBytes > api.MaxJournalBodyBytes {
		return fmt.Errorf("invalid --journal-body-bytes %d: 0 to %d", *bodyBytes, api.MaxJournalBodyBytes)
	}
	c.JournalEntries, c.JournalBodyBytes = *entries, *bodyBytes
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments: %s", strings.Join(fs.Args(), " "))
	}
	if c.TokenTTL, err = time.ParseDuration(*ttl); err != nil || c.TokenTTL < time.Second {
		return fmt.Errorf("invalid --token-ttl %q: a duration of at least 1s, e.g. 12m30s", *ttl)
	}
	if c.RateLimit, err = strconv.Atoi(*rate); err != nil || c.RateLimit < 0 {
		return fmt.Errorf("invalid --rate-limit %q: a whole number >= 0", *rate)
	}
	if c.RateWindow, err = time.ParseDuration(*window); err != nil || c.RateWindow < time.Millisecond {
		return fmt.Errorf("invalid --rate-window %q: a duration such as 10s", *window)
	}
	if c.MaxUpload, err = strconv.ParseInt(*upload, 10, 64); err != nil || c.MaxUpload < 1024 {
		return fmt.Errorf("invalid --max-upload %q: bytes, at least 1024", *upload)
	}
	if c.MaxBody, err = strconv.ParseInt(*body, 10, 64); err != nil || c.MaxBody < 1024 {
		return fmt.Errorf("invalid --max-body %q: bytes, at least 1024", *body)
	}
	if c.Pacing.BatchSize, err = strconv.Atoi(*batch); err != nil {
		return fmt.Errorf("invalid --classify-batch %q: a whole number", *batch)
	}
	if c.Pacing.Delay, err = time.ParseDuration(*delay); err != nil {
		return fmt.Errorf("invalid --classify-delay %q: a duration such as 200ms", *delay)
	}
	if err := c.Pacing.Validate(); err != nil {
		return fmt.Errorf("invalid classification pacing: %s", mica.ErrorMessage(err))
	}
	var level slog.Level
	if err := level.UnmarshalText([]byte(c.LogLevel)); err != nil {
		return fmt.Errorf("invalid --log-level %q: debug, info, warn or error", c.LogLevel)
	}
	m.Logger = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))
	return nil
}

// boolFlag is a boolean flag that knows whether it was set (so that its
// default can depend on other flags): --name, --name=true, --name=false.
type boolFlag struct {
	name   string
	v, set bool
}

func (b *boolFlag) String() string {
	if b == nil {
		return "false"
	}
	return strconv.FormatBool(b.v)
}

func (b *boolFlag) Set(s string) error {
	v, err := strconv.ParseBool(s)
	if err != nil {
		return fmt.Errorf("%q is not true or false", s)
	}
	b.v, b.set = v, true
	return nil
}

// IsBoolFlag lets the flag be given without a value.
func (b *boolFlag) IsBoolFlag() bool { return true }

// memoryDir makes the temporary data directory of --memory: on /dev/shm (a
// memory file system) when the machine has one, else in the system temp dir.
func memoryDir() (string, error) {
	parent := ""
	if st, err := os.Stat("/dev/shm"); err == nil && st.IsDir() {
		if f, err := os.CreateTemp("/dev/shm", "mica-probe-*"); err == nil {
			_ = f.Close()
			_ = os.Remove(f.Name())
			parent = "/dev/shm"
		}
	}
	dir, err := os.MkdirTemp(parent, "mica-memory-*")
	if err != nil {
		return "", fmt.Errorf("--memory: %w", err)
	}
	return dir, nil
}

// tenant returns the tenant id and name, creating the id on first start.
func tenant(ctx context.Context, db mica.Store) (id, name string, err error) {
	id, err = db.GetSetting(ctx, mica.SettingTenantID)
	if mica.ErrorCode(err) == mica.ENOTFOUND {
		id = mica.NewID()
		err = db.SetSetting(ctx, mica.SettingTenantID, id)
	}
	if err != nil {
		return "", "", err
	}
	name, err = db.GetSetting(ctx, mica.SettingTenantName)
	if mica.ErrorCode(err) == mica.ENOTFOUND {
		return id, "mica", nil
	}
	return id, name, err
}

// Run opens the store, seeds the demo tenant if asked, and starts serving. It returns once listening.
func (m *Main) Run(ctx context.Context) error {
	if m.Logger == nil {
		m.Logger = slog.New(slog.NewTextHandler(os.Stderr, nil))
	}
	m.runCtx = ctx
	if m.Config.Seed != "" { // a bad file fails the start before anything is written
		f, err := seed.ParseFile(m.Config.Seed)
		if err != nil {
			return err
		}
		if len(f.Faults) > 0 && !m.Config.Controls {
			return fmt.Errorf("%s: fault rules are emulator controls: start the server with --controls", m.Config.Seed)
		}
		m.seed = f
	}
	if m.Config.Memory {
		dir, err := memoryDir()
		if err != nil {
			return err
		}
		m.tempDir, m.Config.DataDir = dir, dir
	}
	db, signer, err := m.openStore(ctx)
	if err != nil {
		return err
	}
	m.secrets, m.connector = NewConnector(m.Config.DataDir)
	tid, tname, err := m.setupTenant(ctx, db)
	if err != nil {
		return err
	}
	if !m.Config.Controls {
		// Stepping is an emulator control: without the controls nobody could
		// step what it holds, so a tenant that had it on goes at full pace.
		if p := mica.GetPacing(ctx, db, m.Config.Pacing); p.Stepping {
			p.Stepping = false
			if err := mica.SetPacing(ctx, db, p); err != nil {
				return err
			}
			m.Logger.Warn("classification stepping switched off: it needs the emulator controls (--controls)")
		}
	}
	if m.Jobs, err = m.backend.Jobs(ctx, m.Config.Pacing, m.Logger); err != nil {
		return err
	}
	m.initMetrics()
	if m.Config.Controls { // what POST /mica/v1/reset returns to, River's tables included
		if _, err := db.SaveSnapshot(ctx, mica.StartSnapshot); err != nil {
			return fmt.Errorf("save the start snapshot: %w", err)
		}
	}
	if err := m.Jobs.Start(ctx); err != nil {
		return err
	}
	if err := m.startAggregations(ctx); err != nil {
		return err
	}
	ln, err := net.Listen("tcp", m.Config.Addr)
	if err != nil {
		return fmt.Errorf("listen %s: %w", m.Config.Addr, err)
	}
	m.listener = ln
	base := m.Config.BaseURL
	if base == "" {
		base = "http://" + ln.Addr().String()
	}
	cfg := api.Config{TokenTTL: m.Config.TokenTTL, RateLimit: m.Config.RateLimit, RateWindow: m.Config.RateWindow,
		MaxBodyBytes: m.Config.MaxBody, BaseURL: base, TenantID: tid, TenantName: tname, Pacing: m.Config.Pacing}
	cfg.UploadDir, cfg.MaxUploadBytes = m.UploadDir(), m.Config.MaxUpload
	cfg.MaxConcurrentUploads, cfg.MaxQueuedUploadsPerSource = m.Config.MaxUploads, m.Config.MaxQueued
	cfg.MaxQueuedUploadBytes, cfg.UploadTimeout, cfg.SignIn = m.Config.MaxQueuedBytes, m.Config.UploadTimeout, m.Config.SignIn
	cfg.Controls, cfg.JournalEntries, cfg.JournalBodyBytes = m.Config.Controls, m.Config.JournalEntries, m.Config.JournalBodyBytes
	m.Server = api.NewServer(db, signer, cfg, m.Logger)
	m.Server.Aggregator = m.Aggs
	m.Server.Secrets, m.Server.Connector = m.secrets, m.connector
	if m.Config.Controls {
		m.Server.Snapshots, m.Server.Jobs = &tenantSnapshots{m: m}, m.Jobs
		if err := m.startFaults(); err != nil {
			return err
		}
	}
	if tokens := m.backend.RateTokens(); tokens != nil { // several servers share the store: share the rate limit too
		m.Server.RateLimiter = api.NewSharedRateLimiter(tokens, m.Config.RateLimit, m.Config.RateWindow, m.Logger)
	}
	if err := m.serveMetrics(); err != nil {
		return err
	}
	console := web.New(m.Server.Handler(), web.Options{Logger: m.Logger, SecureCookies: strings.HasPrefix(base, "https://")})
	// No WriteTimeout: a long operation (deleting a source of a million
	// accounts) must not lose its answer; slow readers are bounded by the
	// kernel's send buffer and IdleTimeout.
	m.http = &http.Server{Handler: console.Handler(), ReadHeaderTimeout: min(10*time.Second, m.Config.ReadTimeout),
		ReadTimeout: m.Config.ReadTimeout, IdleTimeout: m.Config.IdleTimeout, MaxHeaderBytes: m.Config.MaxHeaderBytes,
		ErrorLog: slog.NewLogLogger(m.Logger.Handler(), slog.LevelWarn)}
	if m.Config.PprofAddr != "" {
		if err := m.startPprof(); err != nil {
			return err
		}
	}
	// What the server prints about itself is out before it answers its first
	// request: whoever waits for /health/ready finds the banner written.
	where := m.Config.DataDir
	if m.Config.Memory {
		where = "memory (" + m.tempDir + ", removed at exit)"
	}
	m.Logger.Info("mica is listening", "addr", ln.Addr().String(), "base", base, "dataDir", where, "controls", m.Config.Controls)
	if m.Config.Demo {
		printDemo(m.Stdout, base)
	}
	go func() {
		if err := m.http.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			m.Logger.Error("serve", "error", err)
		}
	}()
	return nil
}

// URL is the base URL the server listens on.
func (m *Main) URL() string { return "http://" + m.listener.Addr().String() }

// Addr is the address the server listens on.
func (m *Main) Addr() net.Addr { return m.listener.Addr() }

// MemoryDir is the temporary data directory of Config.Memory while the
// server runs ("" otherwise).
func (m *Main) MemoryDir() string { return m.tempDir }

// Close shuts the server down gracefully and closes the store.
func (m *Main) Close() error {
	var errs []error
	if m.pprof != nil {
		errs = append(errs, m.pprof.Close())
	}
	if m.metrics != nil {
		errs = append(errs, m.metrics.Close())
	}
	if m.http != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		errs = append(errs, m.http.Shutdown(ctx))
	}
	if m.Aggs != nil {
		m.Aggs.Stop()
	}
	if m.Jobs != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		errs = append(errs, m.Jobs.Stop(ctx))
	}
	if m.backend != nil {
		errs = append(errs, m.backend.Close())
	}
	if m.tempDir != "" {
		errs = append(errs, os.RemoveAll(m.tempDir))
		m.tempDir = ""
	}
	return errors.Join(errs...)
}

// startPprof serves the runtime profiles (net/http/pprof) on Config.PprofAddr,
// a listener of its own so that the API never exposes them.
func (m *Main) startPprof() error {
	ln, err := net.Listen("tcp", m.Config.PprofAddr)
	if err != nil {
		return fmt.Errorf("listen pprof %s: %w", m.Config.PprofAddr, err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	m.pprof = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = m.pprof.Serve(ln) }()
	m.Logger.Info("pprof is listening", "addr", ln.Addr().String())
	return nil
}
