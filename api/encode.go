package api

import (
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/micahq/mica"
	"github.com/micahq/mica/internal/jsonenc"
	"github.com/micahq/mica/query"
)

// Time is a timestamp as ISC writes it: UTC with milliseconds, e.g. 2020-10-08T18:33:52.029Z.
type Time time.Time

// MarshalText writes t in ISC's form; encoding/json quotes it. (A text
// marshaler, not a JSON one: encoding/json re-scans and compacts whatever a
// MarshalJSON returns, which made timestamps the dearest part of a page.)
func (t Time) MarshalText() ([]byte, error) {
	return time.Time(t).UTC().AppendFormat(make([]byte, 0, 24), jsonenc.MillisLayout), nil
}

// TimePtr converts an optional time.
func TimePtr(t *time.Time) *Time {
	if t == nil {
		return nil
	}
	v := Time(*t)
	return &v
}

func secondsDuration(n int) time.Duration { return time.Duration(n) * time.Second }

// decodeJSON reads a JSON request body into v. The content type must be one of
// types (default application/json); a malformed body is 400, an oversized one 413.
func decodeJSON(r *http.Request, v any, types ...string) error {
	if len(types) == 0 {
		types = []string{"application/json"}
	}
	ct, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || !containsString(types, ct) {
		return mica.Errorf(mica.EUNSUPPORTED, "Content-Type must be %s", strings.Join(types, " or "))
	}
	dec := json.NewDecoder(r.Body)
	if err := dec.Decode(v); err != nil {
		var tooLarge *http.MaxBytesError
		var syn *json.SyntaxError
		var typ *json.UnmarshalTypeError
		switch {
		case errors.As(err, &tooLarge):
			return mica.Errorf(mica.ETOOLARGE, "request body is larger than %d bytes", tooLarge.Limit)
		case errors.Is(err, io.EOF):
			return mica.Errorf(mica.EINVALID, "request body is empty")
		case errors.As(err, &syn):
			return mica.Errorf(mica.EINVALID, "request body is not valid JSON at offset %d: %s", syn.Offset, syn.Error())
		case errors.As(err, &typ):
			field := typ.Field
			if field == "" {
				field = "(root)"
			}
			return mica.Errorf(mica.EINVALID, "request body field %q must be %s, not %s", field, typ.Type.String(), typ.Value)
		}
		return mica.Errorf(mica.EINVALID, "request body is not valid JSON: %s", err.Error())
	}
	if dec.More() {
		return mica.Errorf(mica.EINVALID, "request body has data after the JSON value")
	}
	return nil
}

// listOptions reads the standard collection parameters of a request to list l,
// and holds its filters and sorters to what the request's API version documents
// for l (a 400 naming the field, operator or sorter otherwise).
func listOptions(r *http.Request, l *query.List) (mica.ListOptions, error) {
	res := l.For(string(VersionFrom(r.Context())))
	key := parsedKey{res, r.URL.RawQuery}
	if opt, ok := parsedLists.get(key); ok {
		return opt, nil
	}
	q := r.URL.Query()
	page, err := query.ParsePage(q)
	if err != nil {
		return mica.ListOptions{}, err
	}
	opt := mica.ListOptions{Filters: q.Get("filters"), Sorters: q.Get("sorters"),
		Limit: page.Limit, Offset: page.Offset, Count: page.Count}
	if err := res.Check(opt.Filters, opt.Sorters); err != nil {
		return mica.ListOptions{}, err
	}
	if len(key.rawQuery) <= maxParsedQuery {
		parsedLists.put(key, opt)
	}
	return opt, nil
}

// parsedLists remembers the list options of query strings found valid, per
// allowlist: a client sends the same few again and again (an app launcher's
// page, an SDK script's loop), and each is parsed and its filters and sorters
// compiled once. Only valid ones are kept (an error is worked out again each
// time), and only query strings up to maxParsedQuery bytes (so the memo holds
// at most a few MiB of them).
var parsedLists = newMemo[parsedKey, mica.ListOptions](4096)

const maxParsedQuery = 1 << 10

type parsedKey struct {
	res      *query.Resource
	rawQuery string
}

// writePage writes a collection page, with X-Total-Count when it was counted.
func writePage[T any, D any](w http.ResponseWriter, p mica.Page[T], dto func(T) D) {
	if p.Total >= 0 {
		w.Header().Set("X-Total-Count", strconv.Itoa(p.Total))
	}
	out := make([]D, 0, len(p.Items))
	for _, it := range p.Items {
		out = append(out, dto(it))
	}
	if len(out) > 0 {
		if _, ok := any(&out[0]).(jsonAppender); ok {
			b := make([]byte, 0, 640*len(out))
			b = append(b, '[')
			for i := range out {
				if i > 0 {
					b = append(b, ',')
				}
				b = any(&out[i]).(jsonAppender).appendJSON(b)
			}
			writeJSONBytes(w, http.StatusOK, append(b, ']'))
			return
		}
	}
	writeJSON(w, http.StatusOK, out)
}

// jsonAppender is a DTO of a hot list that writes its own JSON, byte for byte
// what encoding/json writes for it (each has a test comparing the two).
type jsonAppender interface {
	appendJSON(b []byte) []byte
}

// queryBool reads an optional boolean query parameter.
func queryBool(r *http.Request, name string, def bool) (bool, error) {
	v := r.URL.Query().Get(name)
	if v == "" {
		return def, nil
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		return false, mica.Errorf(mica.EILLEGAL, "query parameter %q must be true or false, not %q", name, v)
	}
	return b, nil
}
