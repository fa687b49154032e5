package api

import (
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"strconv"

	"github.com/micahq/mica"
)

// ErrorResponseDto is the body of ISC's 400, 403, 404 and 500 responses.
type ErrorResponseDto struct {
	DetailCode string            `json:"detailCode"`
	TrackingID string            `json:"trackingId"`
	Messages   []ErrorMessageDto `json:"messages"`
	Causes     []ErrorMessageDto `json:"causes"`
}

// ErrorMessageDto is one localized message of an ErrorResponseDto.
type ErrorMessageDto struct {
	Locale       string `json:"locale"`
	LocaleOrigin string `json:"localeOrigin"`
	Text         string `json:"text"`
}

// errorCodes maps domain error codes to an HTTP status and an ISC detailCode.
var errorCodes = map[string]struct {
	status int
	detail string
}{
	mica.EINVALID:      {http.StatusBadRequest, "400.1 Bad Request Content"},
	mica.EILLEGAL:      {http.StatusBadRequest, "400.1.3 Illegal value"},
	mica.EMISSING:      {http.StatusBadRequest, "400.1.0 Required Data Missing Or Empty"},
	mica.EREFNOTFOUND:  {http.StatusBadRequest, "400.1.404 Referenced object not found"},
	mica.ECONFLICT:     {http.StatusBadRequest, "400.1.409 Reference conflict"},
	mica.EINUSE:        {http.StatusBadRequest, "400.2.1.0 Object in use by another"},
	mica.EUNAUTHORIZED: {http.StatusUnauthorized, ""},
	mica.EFORBIDDEN:    {http.StatusForbidden, "403 Forbidden"},
	mica.ENOTFOUND:     {http.StatusNotFound, "404 Not found"},
	mica.EMETHOD:       {http.StatusMethodNotAllowed, "405 Method Not Allowed"},
	mica.ETOOLARGE:     {http.StatusRequestEntityTooLarge, "413 Payload Too Large"},
	mica.EUNSUPPORTED:  {http.StatusUnsupportedMediaType, "415 Unsupported Media Type"},
	mica.ERATELIMIT:    {http.StatusTooManyRequests, ""},
	mica.EINTERNAL:     {http.StatusInternalServerError, "500.0 Internal Fault"},
	mica.EUNAVAILABLE:  {http.StatusServiceUnavailable, "503 Service Unavailable"},
}

// Standard texts ISC sends with some codes when there is nothing more specific to say.
const (
	textForbidden = "The server understood the request but refuses to authorize it."
	textNotFound  = "The server did not find a current representation for the target resource."
	textInternal  = "An internal fault occurred."
)

// Error renders err in the official shape for its code: {"error"} for 401,
// {"message"} for 429 and ErrorResponseDto for everything else. Errors that are
// not *mica.Error are internal faults: logged with their detail, answered generically.
func Error(w http.ResponseWriter, r *http.Request, err error) {
	code, msg := mica.ErrorCode(err), mica.ErrorMessage(err)
	var me *mica.Error
	if !errors.As(err, &me) {
		slog.ErrorContext(r.Context(), "internal error", "method", r.Method, "path", r.URL.Path,
			"trackingId", TrackingID(r.Context()), "error", err)
	}
	ec, ok := errorCodes[code]
	if !ok {
		ec = errorCodes[mica.EINTERNAL]
	}
	switch ec.status {
	case http.StatusUnauthorized:
		writeJSON(w, ec.status, map[string]any{"error": msg})
		return
	case http.StatusTooManyRequests:
		// The per-client rate limit answers ISC's text exactly; other limits
		// (upload queue, sign-in throttle) say which one was reached.
		text := " Rate Limit Exceeded "
		if msg != "" && msg != mica.RateLimitText {
			text = "Rate Limit Exceeded: " + msg
		}
		writeJSON(w, ec.status, map[string]any{"message": text})
		return
	}
	if msg == "" {
		switch ec.status {
		case http.StatusForbidden:
			msg = textForbidden
		case http.StatusNotFound:
			msg = textNotFound
		default:
			msg = textInternal
		}
	}
	detail := ec.detail
	if me != nil && me.Detail != "" {
		detail = me.Detail
	}
	writeJSON(w, ec.status, ErrorResponseDto{
		DetailCode: detail,
		TrackingID: TrackingID(r.Context()),
		Messages:   []ErrorMessageDto{{Locale: "en-US", LocaleOrigin: "DEFAULT", Text: msg}},
		Causes:     []ErrorMessageDto{},
	})
}

// writeJSON writes v as the JSON body with status.
func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		status, b = http.StatusInternalServerError, []byte(`{"detailCode":"500.0 Internal Fault"}`)
	}
	writeJSONBytes(w, status, b)
}

// writeJSONBytes writes b, a JSON document, as the response.
func writeJSONBytes(w http.ResponseWriter, status int, b []byte) {
	w.Header().Set("Content-Type", "application/json;charset=utf-8")
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(status)
	_, _ = w.Write(b)
}
