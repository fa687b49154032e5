package serve

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/micahq/mica"
	"github.com/micahq/mica/api"
)

// defaultMetricsAddr is where mica serve offers /metrics unless told otherwise:
// a listener of its own on loopback, never the API's.
const defaultMetricsAddr = "127.0.0.1:9464"

// serverMetrics are the Prometheus metrics of one mica serve.
type serverMetrics struct {
	reg         *prometheus.Registry
	jobsEnded   *prometheus.CounterVec
	jobDuration prometheus.Histogram
	classified  prometheus.Counter
	aggs        *prometheus.CounterVec
	aggDuration prometheus.Histogram
	aggAccounts *prometheus.CounterVec
}

// initMetrics creates the registry and hooks the job runner to it; call it
// before the runners start. With metrics off it does nothing.
func (m *Main) initMetrics() {
	if addr := m.Config.MetricsAddr; addr == "" || addr == "off" {
		return
	}
	met := &serverMetrics{reg: prometheus.NewRegistry(),
		jobsEnded: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "mica_classification_jobs_ended_total",
			Help: "Source classification jobs that ended, by status (counted by each server that saw the end)."}, []string{"status"}),
		jobDuration: prometheus.NewHistogram(prometheus.HistogramOpts{Name: "mica_classification_job_duration_seconds",
			Help: "Duration of source classification jobs, from start to end.", Buckets: prometheus.ExponentialBuckets(0.1, 2.5, 12)}),
		classified: prometheus.NewCounter(prometheus.CounterOpts{Name: "mica_classification_accounts_total",
			Help: "Accounts classified by source classification jobs on this server."}),
		aggs: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "mica_aggregations_total",
			Help: "Account aggregations run on this server, by status and completion status."}, []string{"status", "completion"}),
		aggDuration: prometheus.NewHistogram(prometheus.HistogramOpts{Name: "mica_aggregation_duration_seconds",
			Help: "Duration of account aggregations on this server.", Buckets: prometheus.ExponentialBuckets(0.05, 2.5, 12)}),
		aggAccounts: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "mica_aggregation_accounts_total",
			Help: "Accounts of completed aggregations on this server, by what happened to them."}, []string{"change"}),
	}
	met.reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		met.jobsEnded, met.jobDuration, met.classified, met.aggs, met.aggDuration, met.aggAccounts)
	if m.Jobs != nil {
		m.Jobs.OnClassified = func(n int64) { met.classified.Add(float64(n)) }
		m.Jobs.OnEnded = func(j *mica.ClassificationJob) {
			met.jobsEnded.WithLabelValues(j.Status).Inc()
			if j.Updated != nil {
				met.jobDuration.Observe(j.Updated.Sub(j.Started).Seconds())
			}
		}
	}
	if m.backend != nil {
		met.reg.MustRegister(m.backend.Metrics()...)
	}
	m.met = met
}

// aggregationEnded records an aggregation the runner finished.
func (met *serverMetrics) aggregationEnded(a *mica.Aggregation, d time.Duration) {
	met.aggs.WithLabelValues(a.Status, a.CompletionStatus).Inc()
	met.aggDuration.Observe(d.Seconds())
	if a.Status == mica.AggCompleted {
		s := a.Stats
		for k, v := range map[string]int{"scanned": s.Scanned, "added": s.Added, "changed": s.Changed,
			"removed": s.Removed, "unchanged": s.Unchanged} {
			met.aggAccounts.WithLabelValues(k).Add(float64(v))
		}
	}
}

// serveMetrics adds the API's metrics and serves /metrics on
// Config.MetricsAddr. When the default address is taken (another mica on the
// machine), metrics are off with a warning; an address given explicitly must work.
func (m *Main) serveMetrics() error {
	if m.met == nil {
		return nil
	}
	m.Server.Metrics = api.NewMetrics(m.met.reg)
	addr := m.Config.MetricsAddr
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		if !m.metricsExplicit {
			m.Logger.Warn("metrics are off: their default address is taken; set --metrics-addr", "addr", addr, "error", err)
			return nil
		}
		return fmt.Errorf("listen metrics %s: %w", addr, err)
	}
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", promhttp.HandlerFor(m.met.reg, promhttp.HandlerOpts{Registry: m.met.reg}))
	m.metrics = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 30 * time.Second}
	m.metricsLn = ln
	go func() {
		if err := m.metrics.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			m.Logger.Error("serve metrics", "error", err)
		}
	}()
	m.Logger.Info("metrics are listening", "addr", ln.Addr().String(), "path", "/metrics")
	return nil
}

// MetricsURL is where /metrics is served, or "" when metrics are off.
func (m *Main) MetricsURL() string {
	if m.metricsLn == nil {
		return ""
	}
	return "http://" + m.metricsLn.Addr().String() + "/metrics"
}
