package api

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Metrics are the API's Prometheus metrics. A nil *Metrics records nothing.
type Metrics struct {
	requests     *prometheus.CounterVec
	duration     *prometheus.HistogramVec
	rateLimited  *prometheus.CounterVec
	authFailures *prometheus.CounterVec
	signIns      *prometheus.CounterVec
}

// NewMetrics creates the API's metrics and registers them with reg.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "mica_http_requests_total",
			Help: "HTTP requests by operation id (or route for unversioned routes), API version and status code."},
			[]string{"operation", "version", "status"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "mica_http_request_duration_seconds",
			Help:    "HTTP request latency by operation id and API version.",
			Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30}},
			[]string{"operation", "version"}),
		rateLimited: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "mica_rate_limit_refusals_total",
			Help: "Requests refused with 429 by the per-client rate limit, by API version."}, []string{"version"}),
		authFailures: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "mica_auth_failures_total",
			Help: "Authentication failures: kind=token (a bearer token refused, 401) or kind=sign_in (wrong client credentials at the token endpoint)."},
			[]string{"kind"}),
		signIns: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "mica_sign_in_refusals_total",
			Help: "Token-endpoint attempts refused before any secret was compared: reason=throttled (too many failures for the client id or address) or busy (no hashing slot in time)."},
			[]string{"reason"}),
	}
	reg.MustRegister(m.requests, m.duration, m.rateLimited, m.authFailures, m.signIns)
	return m
}

// requestInfo is what the routing learns of a request, for metrics and logs:
// trackRequests puts one in the context (with the tracking id) and the chain
// fills it in: the route, the principal once authenticated.
type requestInfo struct {
	trackingID string     // trackRequests's
	principal  *Principal // who the request acts as, once authenticated (wrap)
	op         string
	version    Version
	clientID   string
	// What the emulator controls learn too (controls.go): the operation,
	// the fault rule that answered, whether the connection was dropped.
	route   *Op
	fault   string
	dropped bool
}

const requestInfoKey ctxKey = 101

func requestInfoFrom(ctx context.Context) *requestInfo {
	ri, _ := ctx.Value(requestInfoKey).(*requestInfo)
	return ri
}

// observe records each request's operation, version, status and latency.
func (s *Server) observe(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ri := requestInfoFrom(r.Context()) // trackRequests's
		if ri == nil {
			ri = &requestInfo{}
			r = r.WithContext(context.WithValue(r.Context(), requestInfoKey, ri))
		}
		if s.Metrics == nil {
			next.ServeHTTP(w, r)
			return
		}
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w}
		next.ServeHTTP(sw, r)
		op, v := ri.op, string(ri.version)
		if op == "" {
			op = "unmatched"
		}
		status := sw.status
		if status == 0 {
			status = http.StatusOK
		}
		s.Metrics.requests.WithLabelValues(op, v, strconv.Itoa(status)).Inc()
		s.Metrics.duration.WithLabelValues(op, v).Observe(time.Since(start).Seconds())
	})
}

func (m *Metrics) rateLimitRefusal(v Version) {
	if m != nil {
		m.rateLimited.WithLabelValues(string(v)).Inc()
	}
}

func (m *Metrics) authFailure(kind string) {
	if m != nil {
		m.authFailures.WithLabelValues(kind).Inc()
	}
}

func (m *Metrics) signInRefused(reason string) {
	if m == nil {
		return
	}
	if reason == "bad_credentials" {
		m.authFailures.WithLabelValues("sign_in").Inc()
		return
	}
	m.signIns.WithLabelValues(reason).Inc()
}
