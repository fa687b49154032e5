package api

import (
	"context"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/micahq/mica"
)

// Fault rule limits.
const (
	MaxFaultRules      = 200
	MaxFaultLatency    = time.Minute
	MaxFaultRetryAfter = 3600 // seconds
)

// FaultRule makes matching requests fail or slow down (emulator controls).
// A request matches when every field of Match that is set matches; the first
// rule (in creation order) that matches and fires applies its Effect.
type FaultRule struct {
	ID     string      `json:"id"`
	Match  FaultMatch  `json:"match"`
	Effect FaultEffect `json:"effect"`
	// Times is how many matches the rule fires for (0: every one).
	Times int `json:"times"`
	// Probability that a match fires (0 < p <= 1; default 1), drawn from a
	// generator seeded with Seed, so that a run is reproducible.
	Probability float64 `json:"probability"`
	Seed        uint64  `json:"seed"`
	// Fired counts the requests the rule changed; Remaining is what is left of
	// Times (null when the rule has no limit).
	Fired     int       `json:"fired"`
	Remaining *int      `json:"remaining"`
	Created   time.Time `json:"created"`

	path *PathPattern
	rng  *rand.Rand
}

// FaultMatch selects requests.
type FaultMatch struct {
	Method      string `json:"method,omitempty"`
	Path        string `json:"path,omitempty"`        // a PathPattern
	OperationID string `json:"operationId,omitempty"` // as in the reference, with or without the V1 suffix
	ClientID    string `json:"clientId,omitempty"`
}

// FaultEffect is what a firing rule does: wait LatencyMs (up to LatencyMaxMs,
// drawn uniformly, when set), then answer Status with the official error body
// (429 with Retry-After) or drop the connection; with neither, the request
// then proceeds normally.
type FaultEffect struct {
	Status            int  `json:"status,omitempty"`
	RetryAfterSeconds *int `json:"retryAfterSeconds,omitempty"`
	LatencyMs         int  `json:"latencyMs,omitempty"`
	LatencyMaxMs      int  `json:"latencyMaxMs,omitempty"`
	Drop              bool `json:"drop,omitempty"`
}

// faultStatuses are the statuses a fault may answer, with the detailCode and
// text of their ErrorResponseDto (429 has its own {"message"} body).
var faultStatuses = map[int][2]string{
	http.StatusTooManyRequests:     {"", ""},
	http.StatusInternalServerError: {"500.0 Internal Fault", textInternal},
	http.StatusBadGateway:          {"502 Bad Gateway", "The server received an invalid response from an upstream server."},
	http.StatusServiceUnavailable:  {"503 Service Unavailable", "The service is temporarily unavailable. Try again later."},
	http.StatusGatewayTimeout:      {"504 Gateway Timeout", "The upstream server did not answer in time."},
}

// Validate checks a rule as a client sent it and prepares it.
func (f *FaultRule) Validate() error {
	m := &f.Match
	m.Method = strings.ToUpper(strings.TrimSpace(m.Method))
	if m.Method != "" {
		switch m.Method {
		case http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete, http.MethodHead:
		default:
			return mica.Errorf(mica.EILLEGAL, "match.method %q is not an HTTP method", m.Method)
		}
	}
	if m.Path != "" {
		p, err := ParsePathPattern(m.Path)
		if err != nil {
			return mica.Errorf(mica.EILLEGAL, "match.path: %s", mica.ErrorMessage(err))
		}
		f.path = p
	}
	e := &f.Effect
	if e.Status != 0 {
		if _, ok := faultStatuses[e.Status]; !ok {
			return mica.Errorf(mica.EILLEGAL, "effect.status %d is not one of 429, 500, 502, 503, 504", e.Status)
		}
		if e.Drop {
			return mica.Errorf(mica.EILLEGAL, "effect.status and effect.drop exclude each other")
		}
	}
	if e.RetryAfterSeconds != nil {
		if e.Status != http.StatusTooManyRequests {
			return mica.Errorf(mica.EILLEGAL, "effect.retryAfterSeconds goes with effect.status 429")
		}
		if *e.RetryAfterSeconds < 0 || *e.RetryAfterSeconds > MaxFaultRetryAfter {
			return mica.Errorf(mica.EILLEGAL, "effect.retryAfterSeconds must be between 0 and %d", MaxFaultRetryAfter)
		}
	} else if e.Status == http.StatusTooManyRequests {
		one := 1
		e.RetryAfterSeconds = &one
	}
	maxMs := int(MaxFaultLatency.Milliseconds())
	if e.LatencyMs < 0 || e.LatencyMs > maxMs {
		return mica.Errorf(mica.EILLEGAL, "effect.latencyMs must be between 0 and %d", maxMs)
	}
	if e.LatencyMaxMs != 0 && (e.LatencyMaxMs < e.LatencyMs || e.LatencyMaxMs > maxMs) {
		return mica.Errorf(mica.EILLEGAL, "effect.latencyMaxMs must be between latencyMs and %d", maxMs)
	}
	if e.Status == 0 && !e.Drop && e.LatencyMs == 0 && e.LatencyMaxMs == 0 {
		return mica.Errorf(mica.EMISSING, "effect needs a status, a latency or drop")
	}
	if f.Times < 0 {
		return mica.Errorf(mica.EILLEGAL, "times must be 0 (every match) or more")
	}
	if f.Probability == 0 {
		f.Probability = 1
	}
	if f.Probability < 0 || f.Probability > 1 {
		return mica.Errorf(mica.EILLEGAL, "probability must be greater than 0 and at most 1")
	}
	if f.Times > 0 {
		n := f.Times - f.Fired
		f.Remaining = &n
	}
	f.rng = rand.New(rand.NewPCG(f.Seed, 0x6d696361)) //nolint:gosec // reproducible by design, not for secrets
	return nil
}

// Faults holds the fault rules of a server.
type Faults struct {
	mu    sync.Mutex
	rules []*FaultRule
}

// Add validates and adds a rule; an empty ID gets a new one.
func (fs *Faults) Add(f *FaultRule, now time.Time) error {
	f.Fired, f.Remaining = 0, nil
	if err := f.Validate(); err != nil {
		return err
	}
	if f.ID == "" {
		f.ID = mica.NewID()
	}
	f.Created = now.UTC()
	fs.mu.Lock()
	defer fs.mu.Unlock()
	if len(fs.rules) >= MaxFaultRules {
		return mica.Errorf(mica.EILLEGAL, "there are already %d fault rules; delete some first", MaxFaultRules)
	}
	for i, r := range fs.rules {
		if r.ID == f.ID { // a seed file's rule loaded again replaces itself
			fs.rules[i] = f
			return nil
		}
	}
	fs.rules = append(fs.rules, f)
	return nil
}

// List returns copies of the rules in creation order.
func (fs *Faults) List() []FaultRule {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	out := make([]FaultRule, 0, len(fs.rules))
	for _, r := range fs.rules {
		out = append(out, r.view())
	}
	return out
}

// Get returns a copy of one rule.
func (fs *Faults) Get(id string) (FaultRule, error) {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	for _, r := range fs.rules {
		if r.ID == id {
			return r.view(), nil
		}
	}
	return FaultRule{}, mica.Errorf(mica.ENOTFOUND, "fault rule %q not found", id)
}

// Delete removes one rule.
func (fs *Faults) Delete(id string) error {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	for i, r := range fs.rules {
		if r.ID == id {
			fs.rules = append(fs.rules[:i], fs.rules[i+1:]...)
			return nil
		}
	}
	return mica.Errorf(mica.ENOTFOUND, "fault rule %q not found", id)
}

// Clear removes every rule.
func (fs *Faults) Clear() {
	fs.mu.Lock()
	fs.rules = nil
	fs.mu.Unlock()
}

// view is a copy of the rule for callers (under fs.mu).
func (f *FaultRule) view() FaultRule {
	v := *f
	v.path, v.rng = nil, nil
	if f.Times > 0 {
		n := f.Times - f.Fired
		v.Remaining = &n
	}
	return v
}

// Empty reports whether there are no rules (a cheap test before matching).
func (fs *Faults) Empty() bool {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	return len(fs.rules) == 0
}

// fault is a rule that fired for a request: what to do.
type fault struct {
	id      string
	effect  FaultEffect
	latency time.Duration
}

// pick returns the first rule that matches the request and fires, counting it.
func (fs *Faults) pick(method, path, opID, versionOpID, clientID string) *fault {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	for _, r := range fs.rules {
		if r.Times > 0 && r.Fired >= r.Times {
			continue
		}
		m := &r.Match
		if m.Method != "" && m.Method != method {
			continue
		}
		if m.OperationID != "" && (opID == "" || (m.OperationID != opID && m.OperationID != versionOpID)) {
			continue
		}
		if m.ClientID != "" && m.ClientID != clientID {
			continue
		}
		if r.path != nil && !r.path.Match(path) {
			continue
		}
		if r.Probability < 1 && r.rng.Float64() >= r.Probability {
			continue
		}
		r.Fired++
		f := &fault{id: r.ID, effect: r.Effect, latency: time.Duration(r.Effect.LatencyMs) * time.Millisecond}
		if span := r.Effect.LatencyMaxMs - r.Effect.LatencyMs; span > 0 {
			f.latency += time.Duration(r.rng.IntN(span+1)) * time.Millisecond
		}
		return f
	}
	return nil
}

// inject applies the first fault rule that fires for the request, if any. It
// reports whether it answered the request (the caller then stops); a dropped
// connection never returns (it panics with http.ErrAbortHandler).
func (c *controls) inject(w http.ResponseWriter, r *http.Request, op *Op, v Version, clientID string) bool {
	if c.faults.Empty() {
		return false
	}
	var opID, versionOpID string
	if op != nil {
		opID, versionOpID = op.ID, op.VersionID(v)
	}
	f := c.faults.pick(r.Method, r.URL.Path, opID, versionOpID, clientID)
	if f == nil {
		return false
	}
	if x := requestInfoFrom(r.Context()); x != nil {
		x.fault = f.id
	}
	if f.latency > 0 {
		if err := sleepCtx(r.Context(), f.latency); err != nil {
			panic(http.ErrAbortHandler) // the client went away while it waited
		}
	}
	if f.effect.Drop {
		if x := requestInfoFrom(r.Context()); x != nil {
			x.dropped = true
		}
		panic(http.ErrAbortHandler) // net/http closes the connection without an answer
	}
	if f.effect.Status == 0 {
		return false
	}
	// The answer is the emulator's, not the operation's: say which rule gave it.
	w.Header().Set("X-Mica-Fault", f.id)
	if f.effect.Status == http.StatusTooManyRequests {
		w.Header().Set("Retry-After", strconv.Itoa(*f.effect.RetryAfterSeconds))
		writeJSON(w, f.effect.Status, map[string]any{"message": " Rate Limit Exceeded "})
		return true
	}
	body := faultStatuses[f.effect.Status]
	writeJSON(w, f.effect.Status, ErrorResponseDto{DetailCode: body[0], TrackingID: TrackingID(r.Context()),
		Messages: []ErrorMessageDto{{Locale: "en-US", LocaleOrigin: "DEFAULT", Text: body[1]}},
		Causes:   []ErrorMessageDto{}})
	return true
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
