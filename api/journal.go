package api

import (
	"bytes"
	"encoding/json"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"time"
)

// Journal sizes. The journal keeps the last JournalEntries requests and at most
// JournalBodyBytes of each request and response body, so it holds at most about
// entries × (2 × body bytes + 1 KiB): 9 MiB with the defaults (1,000 entries,
// 4 KiB bodies).
const (
	DefaultJournalEntries   = 1000
	DefaultJournalBodyBytes = 4096
	MaxJournalEntries       = 100_000
	MaxJournalBodyBytes     = 1 << 20
)

// JournalEntry is one request the server answered (emulator controls).
type JournalEntry struct {
	ID                    int64                `json:"id"`
	Time                  time.Time            `json:"time"`
	Method                string               `json:"method"`
	Path                  string               `json:"path"`
	Query                 string               `json:"query"`
	OperationID           string               `json:"operationId"`
	Version               string               `json:"version"`
	Status                int                  `json:"status"`
	DurationMs            float64              `json:"durationMs"`
	ClientID              string               `json:"clientId"`
	TrackingID            string               `json:"trackingId"`
	RequestBody           string               `json:"requestBody"`
	RequestBodyTruncated  bool                 `json:"requestBodyTruncated"`
	ResponseBody          string               `json:"responseBody"`
	ResponseBodyTruncated bool                 `json:"responseBodyTruncated"`
	Fault                 string               `json:"fault"`
	Dropped               bool                 `json:"dropped"`
	RetryAfterViolation   *RetryAfterViolation `json:"retryAfterViolation"`
}

// RetryAfterViolation says that a client sent a request again before the
// Retry-After of the 429 it was given had passed.
type RetryAfterViolation struct {
	PreviousRequestID int64 `json:"previousRequestId"` // the journal entry of the 429
	RetryAfterSeconds int   `json:"retryAfterSeconds"`
	EarlyByMs         int64 `json:"earlyByMs"` // how long before the allowed time it came
}

// Journal is the request journal: a ring buffer of the last requests, newest
// first when read. It is safe for concurrent use.
type Journal struct {
	bodyCap int

	mu      sync.Mutex
	ring    []JournalEntry
	next    int // where the next entry goes
	n       int // entries held
	seq     int64
	retries map[string]retryWindow // client|method|path -> when it may come again
}

type retryWindow struct {
	notBefore time.Time
	seconds   int
	entry     int64
}

// NewJournal returns a journal of entries entries keeping bodyCap bytes of each body.
func NewJournal(entries, bodyCap int) *Journal {
	if entries <= 0 {
		entries = DefaultJournalEntries
	}
	if bodyCap < 0 {
		bodyCap = DefaultJournalBodyBytes
	}
	return &Journal{bodyCap: bodyCap, ring: make([]JournalEntry, entries), retries: map[string]retryWindow{}}
}

// add records e, giving it the next id, and checks the Retry-After windows:
// retryKey identifies the client and request, arrived is when the request
// came, and retryAfter is the Retry-After (seconds) the answer gave, if any.
func (j *Journal) add(e JournalEntry, retryKey string, arrived time.Time, retryAfter int, answered time.Time) int64 {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.seq++
	e.ID = j.seq
	if w, ok := j.retries[retryKey]; ok {
		if arrived.Before(w.notBefore) {
			e.RetryAfterViolation = &RetryAfterViolation{PreviousRequestID: w.entry, RetryAfterSeconds: w.seconds,
				EarlyByMs: w.notBefore.Sub(arrived).Milliseconds()}
		}
		delete(j.retries, retryKey)
	}
	if retryAfter > 0 {
		if len(j.retries) >= 10_000 {
			for k, w := range j.retries {
				if !answered.Before(w.notBefore) {
					delete(j.retries, k)
				}
			}
		}
		j.retries[retryKey] = retryWindow{notBefore: answered.Add(time.Duration(retryAfter) * time.Second),
			seconds: retryAfter, entry: e.ID}
	}
	j.ring[j.next] = e
	j.next = (j.next + 1) % len(j.ring)
	if j.n < len(j.ring) {
		j.n++
	}
	return e.ID
}

// Clear empties the journal (ids keep growing).
func (j *Journal) Clear() {
	j.mu.Lock()
	defer j.mu.Unlock()
	clear(j.ring)
	j.next, j.n = 0, 0
	j.retries = map[string]retryWindow{}
}

// JournalFilter selects journal entries; zero fields match everything.
type JournalFilter struct {
	Method      string
	Path        *PathPattern
	OperationID string
	ClientID    string
	Status      int // an exact status, or 1..5 for a class (4 is 4xx)
	Since       time.Time
	Violations  bool // only requests that came before their Retry-After
}

func (f *JournalFilter) match(e *JournalEntry) bool {
	switch {
	case f.Method != "" && !strings.EqualFold(f.Method, e.Method):
		return false
	case f.Path != nil && !f.Path.Match(e.Path):
		return false
	case f.OperationID != "" && f.OperationID != e.OperationID:
		return false
	case f.ClientID != "" && f.ClientID != e.ClientID:
		return false
	case f.Status >= 100 && f.Status != e.Status:
		return false
	case f.Status > 0 && f.Status < 10 && e.Status/100 != f.Status:
		return false
	case !f.Since.IsZero() && e.Time.Before(f.Since):
		return false
	case f.Violations && e.RetryAfterViolation == nil:
		return false
	}
	return true
}

// List returns the entries f selects, newest first, from offset up to limit
// (limit < 0: all), and how many it selects in all.
func (j *Journal) List(f JournalFilter, offset, limit int) ([]JournalEntry, int) {
	j.mu.Lock()
	defer j.mu.Unlock()
	var out []JournalEntry
	total := 0
	for i := 1; i <= j.n; i++ {
		e := &j.ring[(j.next-i+len(j.ring))%len(j.ring)]
		if !f.match(e) {
			continue
		}
		if total >= offset && (limit < 0 || len(out) < limit) {
			out = append(out, *e)
		}
		total++
	}
	return out, total
}

// Secrets never enter the journal: the values of these keys (JSON members,
// form fields, query parameters), and anything shaped like a JWT, are replaced
// by redacted. Keys compare case-insensitively, ignoring "_" and "-".
const redacted = "[REDACTED]"

var secretKeys = map[string]bool{"clientsecret": true, "secret": true, "password": true, "accesstoken": true,
	"refreshtoken": true, "idtoken": true, "token": true, "code": true, "assertion": true}

func isSecretKey(k string) bool {
	k = strings.NewReplacer("_", "", "-", "").Replace(strings.ToLower(k))
	return secretKeys[k]
}

var (
	jwtShape = regexp.MustCompile(`eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*`)
	// Fallbacks for bodies that are cut short or not well formed.
	jsonSecret      = regexp.MustCompile(`(?i)("(?:client[_-]?secret|secret|password|access[_-]?token|refresh[_-]?token|id[_-]?token|token|code|assertion)"\s*:\s*)"(?:[^"\\]|\\.)*("|$)`)
	formSecret      = regexp.MustCompile(`(?i)((?:^|[&?\s])(?:client[_-]?secret|secret|password|access[_-]?token|refresh[_-]?token|id[_-]?token|token|code|assertion)=)[^&\s]*`)
	multipartSecret = regexp.MustCompile(`(?i)(name="(?:client[_-]?secret|secret|password|access[_-]?token|refresh[_-]?token|id[_-]?token|token|code|assertion)"\r?\n(?:[^\r\n]+\r?\n)*\r?\n)[^\r\n]*`)
)

// redactBody returns a body as the journal keeps it: secrets redacted.
func redactBody(contentType string, b []byte, truncated bool) string {
	if len(b) == 0 {
		return ""
	}
	ct := strings.ToLower(contentType)
	switch {
	case !truncated && (strings.Contains(ct, "json") || (ct == "" && (b[0] == '{' || b[0] == '['))):
		var v any
		dec := json.NewDecoder(bytes.NewReader(b))
		dec.UseNumber()
		if err := dec.Decode(&v); err == nil {
			if out, err := json.Marshal(redactJSON(v)); err == nil {
				return jwtShape.ReplaceAllString(string(out), redacted)
			}
		}
	case !truncated && strings.HasPrefix(ct, "application/x-www-form-urlencoded"):
		if vals, err := url.ParseQuery(string(b)); err == nil {
			return redactValues(vals).Encode()
		}
	}
	s := string(b)
	s = jsonSecret.ReplaceAllString(s, `$1"`+redacted+`"`)
	s = multipartSecret.ReplaceAllString(s, "${1}"+redacted)
	s = formSecret.ReplaceAllString(s, "${1}"+redacted)
	return jwtShape.ReplaceAllString(s, redacted)
}

func redactJSON(v any) any {
	switch x := v.(type) {
	case map[string]any:
		for k, val := range x {
			if isSecretKey(k) {
				if val != nil {
					x[k] = redacted
				}
				continue
			}
			x[k] = redactJSON(val)
		}
	case []any:
		for i := range x {
			x[i] = redactJSON(x[i])
		}
	}
	return v
}

// redactValues redacts form fields and query parameters in place.
func redactValues(vals url.Values) url.Values {
	for k, vs := range vals {
		if isSecretKey(k) {
			for i := range vs {
				vs[i] = redacted
			}
			continue
		}
		for i := range vs {
			vs[i] = jwtShape.ReplaceAllString(vs[i], redacted)
		}
	}
	return vals
}

// redactQuery is a raw query string with its secrets redacted.
func redactQuery(raw string) string {
	if raw == "" {
		return ""
	}
	vals, err := url.ParseQuery(raw)
	if err != nil {
		return jwtShape.ReplaceAllString(formSecret.ReplaceAllString(raw, "${1}"+redacted), redacted)
	}
	return redactValues(vals).Encode()
}

// capture keeps the first max bytes written to it.
type capture struct {
	max       int
	buf       []byte
	truncated bool
}

func (c *capture) keep(p []byte) {
	room := c.max - len(c.buf)
	if room <= 0 {
		c.truncated = c.truncated || len(p) > 0
		return
	}
	if len(p) > room {
		c.buf = append(c.buf, p[:room]...)
		c.truncated = true
		return
	}
	c.buf = append(c.buf, p...)
}
