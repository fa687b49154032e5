package mica

import (
	"errors"
	"fmt"
)

// Error codes. Domain code speaks in these; only the api package maps them to
// HTTP statuses and the official body shapes (ErrorResponseDto, {"error"}, {"message"}).
const (
	EINVALID      = "invalid"       // 400 "400.1 Bad Request Content": malformed request, syntax errors
	EILLEGAL      = "illegal"       // 400 "400.1.3 Illegal value": a well-formed value that is not allowed
	EMISSING      = "missing"       // 400 "400.1.0 Required Data Missing Or Empty"
	EREFNOTFOUND  = "ref_not_found" // 400 "400.1.404 Referenced object not found"
	ECONFLICT     = "conflict"      // 400 "400.1.409 Reference conflict"
	EINUSE        = "in_use"        // 400 "400.2.1.0 Object in use by another"
	EUNAUTHORIZED = "unauthorized"  // 401 {"error": ...}
	EFORBIDDEN    = "forbidden"     // 403 "403 Forbidden"
	ENOTFOUND     = "not_found"     // 404 "404 Not found"
	ETOOLARGE     = "too_large"     // 413
	EUNSUPPORTED  = "unsupported"   // 415 unsupported media type
	ERATELIMIT    = "rate_limit"    // 429 {"message": " Rate Limit Exceeded "}
	EINTERNAL     = "internal"      // 500 "500.0 Internal Fault"
	EUNAVAILABLE  = "unavailable"   // 503 (not ready)
	EMETHOD       = "method"        // 405
)

// RateLimitText is the message of the per-client rate limit's ERATELIMIT, which
// the API answers with ISC's fixed text; other limits' messages reach the client.
const RateLimitText = "rate limit exceeded"

// Error is the one error type the domain returns for conditions a client can act on.
// Anything else reaching the API is treated as an internal fault.
type Error struct {
	Code    string
	Message string
	// Detail, when set, is the ISC detailCode the API sends instead of the
	// code's usual one (e.g. FORBIDDEN.unsupported-type).
	Detail string
}

// Error implements the error interface.
func (e *Error) Error() string {
	return fmt.Sprintf("mica error: code=%s message=%s", e.Code, e.Message)
}

// Errorf is a helper function to return an Error with a given code and formatted message.
func Errorf(code string, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode unwraps err and returns its code, EINTERNAL when err is not an *Error,
// and "" when err is nil.
func ErrorCode(err error) string {
	var e *Error
	if err == nil {
		return ""
	} else if errors.As(err, &e) {
		return e.Code
	}
	return EINTERNAL
}

// ErrorMessage unwraps err and returns its message, or a generic text for errors
// that are not an *Error (their detail must not leak to clients).
func ErrorMessage(err error) string {
	var e *Error
	if err == nil {
		return ""
	} else if errors.As(err, &e) {
		return e.Message
	}
	return "An internal fault occurred."
}

// Kind names a kind of object in client-facing messages, as in "source %q not
// found". Every store and handler words its answers about objects through it,
// so that all of them say the same thing.
type Kind string

// The kinds of object mica answers about.
const (
	KindAccessProfile         Kind = "access profile"
	KindAccount               Kind = "account"
	KindAggregation           Kind = "account aggregation"
	KindClient                Kind = "client"
	KindIdentity              Kind = "identity"
	KindMachineAccount        Kind = "machine account"
	KindMachineAccountRequest Kind = "machine account request"
	KindMachineIdentity       Kind = "machine identity"
	KindSetting               Kind = "setting"
	KindSnapshot              Kind = "snapshot"
	KindSource                Kind = "source"
	KindSourceApp             Kind = "source app"
	KindSubtype               Kind = "subtype"
	KindUserApp               Kind = "user app"
	// KindOwner and KindApprover are identities in the role a request names them in.
	KindOwner    Kind = "owner identity"
	KindApprover Kind = "approver identity"
)

// ErrNotFound is the ENOTFOUND error for the object of kind k with id (or the
// name it was looked up by).
func ErrNotFound(k Kind, id string) error {
	return Errorf(ENOTFOUND, "%s %q not found", k, id)
}

// ErrRefNotFound is the EREFNOTFOUND error for a request's reference to an
// object of kind k that does not exist; field, when set, names the request
// member that holds the reference.
func ErrRefNotFound(field string, k Kind, id string) error {
	if field == "" {
		return Errorf(EREFNOTFOUND, "%s %q not found", k, id)
	}
	return Errorf(EREFNOTFOUND, "%s: %s %q not found", field, k, id)
}

// RefReads is what checking the references of an object to be saved reads,
// in the store's saving transaction (SourceApp.ResolveRefs,
// MachineIdentity.ResolveRefs, Account.ResolveMachineRefs): the domain holds the rules and words the
// answers, the store only reads. ok is false when there is no such object.
type RefReads interface {
	SourceName(id string) (name string, ok bool, err error)
	IdentityName(id string) (name string, ok bool, err error)
	// AccessProfileSource is the id of the source an access profile belongs to.
	AccessProfileSource(id string) (sourceID string, ok bool, err error)
	// EntitlementName is the name the first access profile of the source
	// (oldest first) that lists the entitlement with a name gives it.
	EntitlementName(sourceID, entitlementID string) (name string, ok bool, err error)
	// Subtype is the technical name of the source's subtype that name names,
	// by technical name (case-insensitively) or by id.
	Subtype(sourceID, name string) (technicalName string, ok bool, err error)
}
