package api

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/micahq/mica"
	"github.com/micahq/mica/query"
)

// Emulator controls: what a client test suite needs of mica beyond the ISC API
// (a request journal, fault injection, coverage, snapshots and reset, job
// stepping), all under /mica/v1 for ORG_ADMIN tokens. They can erase a tenant,
// so a server has them only when Config.Controls is set; otherwise their paths
// answer 404 like any other unknown path, and none of their middleware runs.

// controls is the controls' state of a server (nil when they are off).
type controls struct {
	journal  *Journal
	faults   Faults
	coverage *Coverage
	// gate lets a restore wait for the requests in progress and hold back new
	// ones until it is done: every operation but the controls takes it shared.
	gate sync.RWMutex
	// opPatterns are the router patterns of operations (faults of other
	// routes, such as /oauth/token, are applied by the middleware).
	opPatterns map[string]bool
}

// ControlsOn reports whether the server has the emulator controls.
func (s *Server) ControlsOn() bool { return s.controls != nil }

// Journal is the request journal (nil when the controls are off).
func (s *Server) Journal() *Journal {
	if s.controls == nil {
		return nil
	}
	return s.controls.journal
}

// Faults are the fault rules (nil when the controls are off).
func (s *Server) Faults() *Faults {
	if s.controls == nil {
		return nil
	}
	return &s.controls.faults
}

// Coverage is the operation coverage (nil when the controls are off).
func (s *Server) Coverage() *Coverage {
	if s.controls == nil {
		return nil
	}
	return s.controls.coverage
}

// recordRequests is the controls' middleware: it journals every request but
// the controls' own, counts coverage, and applies the fault rules of routes
// that are not operations (operations apply theirs in wrap, once the client is
// known). Without the controls it is not in the chain.
func (s *Server) recordRequests(next http.Handler) http.Handler {
	c := s.controls
	if c == nil {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := s.Now()
		began := time.Now()
		x := requestInfoFrom(r.Context()) // observe's, outside this middleware
		if x == nil {
			x = &requestInfo{}
			r = r.WithContext(context.WithValue(r.Context(), requestInfoKey, x))
		}
		var reqBody *capture
		if r.Body != nil && r.Body != http.NoBody {
			reqBody = &capture{max: c.journal.bodyCap}
			r.Body = &teeBody{ReadCloser: r.Body, c: reqBody}
		}
		cw := &captureWriter{ResponseWriter: w, c: capture{max: c.journal.bodyCap}}
		defer func() {
			v := recover()
			if v != nil {
				if err, ok := v.(error); ok && errors.Is(err, http.ErrAbortHandler) {
					x.dropped = true
				}
			}
			if x.route == nil || !x.route.Control {
				s.record(r, x, cw, reqBody, start, time.Since(began))
			}
			if v != nil {
				panic(v)
			}
		}()
		if !c.faults.Empty() {
			if _, pattern := s.mux.Handler(r); !c.opPatterns[pattern] && c.inject(cw, r, nil, "", "") {
				return
			}
		}
		next.ServeHTTP(cw, r)
	})
}

// record journals one answered request and counts its coverage.
func (s *Server) record(r *http.Request, x *requestInfo, cw *captureWriter, reqBody *capture, start time.Time, d time.Duration) {
	c := s.controls
	status := cw.status
	if x.dropped {
		status = 0
	} else if status == 0 {
		status = http.StatusOK
	}
	if x.route != nil {
		c.coverage.count(x.route, x.version, status)
	}
	e := JournalEntry{Time: start.UTC(), Method: r.Method, Path: r.URL.Path, Query: redactQuery(r.URL.RawQuery),
		Status: status, DurationMs: float64(d.Microseconds()) / 1000, ClientID: x.clientID,
		TrackingID: cw.Header().Get("Slpt-Request-Id"), Fault: x.fault, Dropped: x.dropped}
	if x.route != nil {
		e.OperationID, e.Version = x.route.VersionID(x.version), string(x.version)
	}
	if e.ClientID == "" && r.Form != nil { // the token endpoint: the client it was asked for
		e.ClientID = r.Form.Get("client_id")
	}
	if e.ClientID == "" {
		if u, _, ok := r.BasicAuth(); ok {
			e.ClientID = u
		}
	}
	if reqBody != nil {
		if strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/form-data") && r.URL.Path == "/oauth/token" && r.Form != nil {
			// The token request as the form it carries (secrets redacted), not its MIME parts.
			e.RequestBody = redactValues(cloneValues(r.Form)).Encode()
		} else {
			e.RequestBody = redactBody(r.Header.Get("Content-Type"), reqBody.buf, reqBody.truncated)
			e.RequestBodyTruncated = reqBody.truncated
		}
	}
	e.ResponseBody = redactBody(cw.Header().Get("Content-Type"), cw.c.buf, cw.c.truncated)
	e.ResponseBodyTruncated = cw.c.truncated
	// A 429's Retry-After opens a window in which the same request from the
	// same client is a violation; clients are told apart by client id, else address.
	key := e.ClientID
	if key == "" {
		key, _, _ = net.SplitHostPort(r.RemoteAddr)
	}
	retryAfter := 0
	if status == http.StatusTooManyRequests {
		retryAfter, _ = strconv.Atoi(cw.Header().Get("Retry-After"))
	}
	c.journal.add(e, key+"|"+r.Method+"|"+r.URL.Path, start, retryAfter, s.Now())
}

func cloneValues(v map[string][]string) map[string][]string {
	out := make(map[string][]string, len(v))
	for k, vs := range v {
		out[k] = append([]string(nil), vs...)
	}
	return out
}

// teeBody keeps the first bytes of a request body as the handler reads it.
type teeBody struct {
	io.ReadCloser
	c *capture
}

func (t *teeBody) Read(p []byte) (int, error) {
	n, err := t.ReadCloser.Read(p)
	t.c.keep(p[:n])
	return n, err
}

// captureWriter keeps the status and the first bytes of a response.
type captureWriter struct {
	http.ResponseWriter
	status int
	c      capture
}

func (w *captureWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *captureWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	w.c.keep(b)
	return w.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (w *captureWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// registerControls mounts the controls' operations (Config.Controls).
func (s *Server) registerControls() {
	admin := Auth{User: []string{ScopeSourcesManage}, Levels: []string{mica.LevelOrgAdmin}}
	control := func(id, method, path string, h func(http.ResponseWriter, *http.Request) error) {
		s.handle(&Op{ID: id, Method: method, Path: path, Versions: []Version{Mica}, Auth: admin, Control: true, Handle: h})
	}
	control("micaListRequests", http.MethodGet, "/requests", s.listRequests)
	control("micaCountRequests", http.MethodGet, "/requests/count", s.countRequests)
	control("micaClearRequests", http.MethodDelete, "/requests", s.clearRequests)
	control("micaCreateFault", http.MethodPost, "/faults", s.createFault)
	control("micaListFaults", http.MethodGet, "/faults", s.listFaults)
	control("micaClearFaults", http.MethodDelete, "/faults", s.clearFaults)
	control("micaGetFault", http.MethodGet, "/faults/{id}", s.getFault)
	control("micaDeleteFault", http.MethodDelete, "/faults/{id}", s.deleteFault)
	control("micaGetCoverage", http.MethodGet, "/coverage", s.getCoverage)
	control("micaResetCoverage", http.MethodDelete, "/coverage", s.deleteCoverage)
	s.registerSnapshots(control)
	s.registerStepping(control)
}

// journalFilter reads the journal's filters from the query.
func journalFilter(r *http.Request) (JournalFilter, error) {
	q := r.URL.Query()
	f := JournalFilter{Method: q.Get("method"), OperationID: q.Get("operationId"), ClientID: q.Get("clientId")}
	if p := q.Get("path"); p != "" {
		pp, err := ParsePathPattern(p)
		if err != nil {
			return f, err
		}
		f.Path = pp
	}
	if st := q.Get("status"); st != "" {
		if len(st) == 3 && strings.HasSuffix(st, "xx") && st[0] >= '1' && st[0] <= '5' {
			f.Status = int(st[0] - '0')
		} else if n, err := strconv.Atoi(st); err == nil && n >= 100 && n <= 599 {
			f.Status = n
		} else {
			return f, mica.Errorf(mica.EILLEGAL, "query parameter \"status\" must be a status such as 429 or a class such as 4xx, not %q", st)
		}
	}
	if since := q.Get("since"); since != "" {
		t, err := time.Parse(time.RFC3339Nano, since)
		if err != nil {
			return f, mica.Errorf(mica.EILLEGAL, "query parameter \"since\" must be an RFC 3339 time such as 2026-01-02T15:04:05Z, not %q", since)
		}
		f.Since = t
	}
	v, err := queryBool(r, "retryAfterViolation", false)
	if err != nil {
		return f, err
	}
	f.Violations = v
	return f, nil
}

func (s *Server) listRequests(w http.ResponseWriter, r *http.Request) error {
	f, err := journalFilter(r)
	if err != nil {
		return err
	}
	page, err := query.ParsePage(r.URL.Query())
	if err != nil {
		return err
	}
	items, total := s.controls.journal.List(f, page.Offset, page.Limit)
	if page.Count {
		w.Header().Set("X-Total-Count", strconv.Itoa(total))
	}
	if items == nil {
		items = []JournalEntry{}
	}
	writeJSON(w, http.StatusOK, items)
	return nil
}

func (s *Server) countRequests(w http.ResponseWriter, r *http.Request) error {
	f, err := journalFilter(r)
	if err != nil {
		return err
	}
	_, total := s.controls.journal.List(f, 0, 0)
	writeJSON(w, http.StatusOK, map[string]int{"count": total})
	return nil
}

func (s *Server) clearRequests(w http.ResponseWriter, _ *http.Request) error {
	s.controls.journal.Clear()
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) createFault(w http.ResponseWriter, r *http.Request) error {
	var f FaultRule
	if err := decodeJSON(r, &f); err != nil {
		return err
	}
	if err := s.controls.faults.Add(&f, s.Now()); err != nil {
		return err
	}
	out, err := s.controls.faults.Get(f.ID)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, out)
	return nil
}

func (s *Server) listFaults(w http.ResponseWriter, _ *http.Request) error {
	writeJSON(w, http.StatusOK, s.controls.faults.List())
	return nil
}

func (s *Server) getFault(w http.ResponseWriter, r *http.Request) error {
	f, err := s.controls.faults.Get(r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, f)
	return nil
}

func (s *Server) deleteFault(w http.ResponseWriter, r *http.Request) error {
	if err := s.controls.faults.Delete(r.PathValue("id")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) clearFaults(w http.ResponseWriter, _ *http.Request) error {
	s.controls.faults.Clear()
	w.WriteHeader(http.StatusNoContent)
	return nil
}
