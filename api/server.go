// Package api is mica's HTTP layer: routing of every operation under every API
// version that has it, middleware, authentication and authorization, handlers,
// and rendering of the official error shapes.
package api

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"runtime/debug"
	"strings"
	"time"

	"github.com/micahq/mica"
	"github.com/micahq/mica/oauth"
)

// Config holds the server's tunables.
type Config struct {
	TokenTTL     time.Duration // lifetime of access tokens (default 12.5 minutes)
	RateLimit    int           // requests per RateWindow per client per version; 0 disables
	RateWindow   time.Duration // default 10 s
	MaxBodyBytes int64         // request body cap (default 1 MiB)
	BaseURL      string        // public base URL, for /oauth/info
	TenantName   string
	TenantID     string
	// UploadDir holds uploaded account files until their aggregation reads them (default: the system temp dir).
	UploadDir string
	// MaxUploadBytes caps one account file upload (default 512 MiB).
	MaxUploadBytes int64
	// MaxConcurrentUploads, MaxQueuedUploadsPerSource and MaxQueuedUploadBytes
	// bound load-accounts uploads (0: the Default* values); UploadTimeout is how
	// long one upload may take to arrive.
	MaxConcurrentUploads      int
	MaxQueuedUploadsPerSource int
	MaxQueuedUploadBytes      int64
	UploadTimeout             time.Duration
	Pacing                    mica.Pacing // classification job pacing when the tenant settings hold none
	// SignIn throttles failed sign-ins at the token endpoint (zero: the defaults).
	SignIn SignInLimits
	// Controls turns on the emulator controls under /mica/v1 (controls.go);
	// JournalEntries and JournalBodyBytes size their request journal (0: the defaults).
	Controls         bool
	JournalEntries   int
	JournalBodyBytes int
}

// DefaultConfig returns ISC's defaults.
func DefaultConfig() Config {
	return Config{TokenTTL: 750 * time.Second, RateLimit: 100, RateWindow: 10 * time.Second,
		MaxBodyBytes: 1 << 20, TenantName: "mica", BaseURL: "http://localhost:8080"}
}

// Server is mica's HTTP API.
type Server struct {
	Store  mica.Store
	Signer *oauth.Signer
	Config Config
	Logger *slog.Logger
	Now    func() time.Time
	// Aggregator runs uploaded account files in the background (load-accounts); nil answers 503.
	Aggregator Aggregator
	// Secrets seals the secrets of connector attributes (a bind password) on
	// receipt; nil refuses them.
	Secrets mica.SecretBox
	// Connector tests and reads direct (directory) sources; nil answers 503.
	Connector mica.Connector
	// RateLimiter counts authenticated requests (NewServer: in memory, from
	// Config.RateLimit and RateWindow); several servers share one over PostgreSQL.
	RateLimiter RateLimiter
	// Metrics, when set, records requests, refusals and authentication failures (Prometheus).
	Metrics *Metrics
	// Snapshots saves and restores the tenant for the emulator controls; nil
	// answers 503. StartFaults are the fault rules a reset brings back.
	Snapshots   Snapshots
	StartFaults []FaultRule
	// Jobs steps classification jobs (emulator controls); nil answers 503.
	Jobs JobStepper

	mux      *http.ServeMux
	shared   map[string]*sharedRoute // patterns several operations share (Op.Shares)
	ops      []*Op
	signIn   *signInGuard
	uploads  uploadGate
	controls *controls // nil when Config.Controls is off
}

// NewServer builds the server and mounts every operation.
func NewServer(store mica.Store, signer *oauth.Signer, cfg Config, logger *slog.Logger) *Server {
	if logger == nil {
		logger = slog.Default()
	}
	s := &Server{Store: store, Signer: signer, Config: cfg, Logger: logger, Now: time.Now, mux: http.NewServeMux()}
	s.RateLimiter = NewMemoryRateLimiter(cfg.RateLimit, cfg.RateWindow)
	s.signIn = newSignInGuard(cfg.SignIn, func() time.Time { return s.Now() })
	if cfg.Controls {
		bodyCap := cfg.JournalBodyBytes
		if bodyCap == 0 {
			bodyCap = DefaultJournalBodyBytes
		}
		s.controls = &controls{journal: NewJournal(cfg.JournalEntries, bodyCap), opPatterns: map[string]bool{}}
	}
	s.registerOAuth()
	s.registerHealth()
	s.registerPATs()
	s.registerSources()
	s.registerIdentityData()
	s.registerApps()
	s.registerClassification()
	s.registerMachineAccounts()
	s.registerMIS()
	s.registerExtensionsDocument()
	if s.controls != nil {
		s.registerControls()
		s.controls.coverage = newCoverage(s.ops, s.Now())
	}
	s.mux.HandleFunc("/", s.notFound)
	return s
}

// Handler returns the server's root handler: the middleware chain, written once,
// in order, around the router.
func (s *Server) Handler() http.Handler {
	var h http.Handler = s.mux
	h = s.limitBody(h)
	h = s.recoverPanics(h)
	h = s.logRequests(h)
	h = s.recordRequests(h) // emulator controls only (controls.go)
	h = s.observe(h)
	h = s.trackRequests(h)
	return h
}

// Ops returns every registered operation (for the conformance report and tests).
func (s *Server) Ops() []*Op { return s.ops }

// trackRequests gives each request a fresh 32-hex tracking id, sent as
// Slpt-Request-Id, and notes when it arrived (mica.WithArrival: the stores'
// exact caches may answer it from a check made after that). It puts the
// request's requestInfo in its context, which the rest of the chain fills in
// (the version, the principal, what metrics and the controls learn) rather
// than each deriving a new request with one more context value.
func (s *Server) trackRequests(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		arrived := time.Now()
		ri := &requestInfo{trackingID: mica.NewID()}
		w.Header().Set("Slpt-Request-Id", ri.trackingID)
		ctx := mica.WithArrival(context.WithValue(r.Context(), requestInfoKey, ri), arrived)
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the underlying writer (flushing, deadlines).
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

func (s *Server) logRequests(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !s.Logger.Enabled(r.Context(), slog.LevelDebug) {
			next.ServeHTTP(w, r)
			return
		}
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w}
		next.ServeHTTP(sw, r)
		s.Logger.LogAttrs(r.Context(), slog.LevelDebug, "request", slog.String("method", r.Method),
			slog.String("path", r.URL.Path), slog.Int("status", sw.status),
			slog.Duration("duration", time.Since(start)), slog.String("trackingId", TrackingID(r.Context())))
	})
}

func (s *Server) recoverPanics(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				if err, ok := v.(error); ok && errors.Is(err, http.ErrAbortHandler) {
					panic(v)
				}
				Error(w, r, fmt.Errorf("panic: %v\n%s", v, debug.Stack()))
			}
		}()
		next.ServeHTTP(w, r)
	})
}

func (s *Server) limitBody(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if isUpload(r) { // load-accounts streams its file under its own cap (MaxUploadBytes)
			next.ServeHTTP(w, r)
			return
		}
		if r.ContentLength > s.Config.MaxBodyBytes {
			Error(w, r, mica.Errorf(mica.ETOOLARGE, "request body is larger than %d bytes", s.Config.MaxBodyBytes))
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, s.Config.MaxBodyBytes)
		next.ServeHTTP(w, r)
	})
}

// notFound answers paths no operation matches: 405 when another method would match, else 404.
func (s *Server) notFound(w http.ResponseWriter, r *http.Request) {
	var allowed []string
	for _, m := range []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete} {
		if m == r.Method {
			continue
		}
		probe := r.Clone(r.Context())
		probe.Method = m
		if _, pattern := s.mux.Handler(probe); pattern != "/" && pattern != "" {
			if sr := s.shared[pattern]; sr != nil {
				if t, _ := sr.match(r.URL.Path); t == nil {
					continue // the shared pattern matches, but none of its operations does
				}
			}
			allowed = append(allowed, m)
		}
	}
	if len(allowed) > 0 {
		w.Header().Set("Allow", strings.Join(allowed, ", "))
		Error(w, r, mica.Errorf(mica.EMETHOD, "method %s is not allowed on %s; allowed: %s",
			r.Method, r.URL.Path, strings.Join(allowed, ", ")))
		return
	}
	Error(w, r, mica.Errorf(mica.ENOTFOUND, "no operation at %s %s", r.Method, r.URL.Path))
}
