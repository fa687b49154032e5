package query

import (
	"math"
	"net/url"
	"strconv"
	"strings"
)

// Paging limits (REFERENCE.md §10).
const (
	// DefaultLimit is the page size when `limit` is absent.
	DefaultLimit = 250
	// MaxLimit is the largest accepted `limit`.
	MaxLimit = 250
	// MaxOffset is the largest accepted `offset` (the spec's int32 maximum).
	MaxOffset = math.MaxInt32
)

// Page is the paging part of a request.
type Page struct {
	Limit  int  // page size, 0 to MaxLimit
	Offset int  // records to skip, from 0
	Count  bool // whether the total after filters is wanted (X-Total-Count)
}

// ParsePage reads limit, offset and count from the query string: limit defaults
// to DefaultLimit and must be 0 to MaxLimit; offset defaults to 0 and must be 0
// to MaxOffset; count is true or false (any case). A value that is not a
// number or boolean is EINVALID; an out-of-range number is EILLEGAL. Both name
// the parameter.
func ParsePage(v url.Values) (Page, error) {
	p := Page{Limit: DefaultLimit}
	var err error
	if s := v.Get("limit"); s != "" {
		if p.Limit, err = parseIntParam("limit", s, 0, MaxLimit); err != nil {
			return Page{}, err
		}
	}
	if s := v.Get("offset"); s != "" {
		if p.Offset, err = parseIntParam("offset", s, 0, MaxOffset); err != nil {
			return Page{}, err
		}
	}
	if s := v.Get("count"); s != "" {
		switch {
		case strings.EqualFold(s, "true"):
			p.Count = true
		case strings.EqualFold(s, "false"):
		default:
			return Page{}, invalid("query parameter \"count\" must be true or false, got %q", clip(s))
		}
	}
	return p, nil
}

func parseIntParam(name, s string, min, max int) (int, error) {
	digits := strings.TrimPrefix(s, "-")
	if digits == "" {
		return 0, invalid("query parameter %q must be an integer, got %q", name, clip(s))
	}
	for i := 0; i < len(digits); i++ {
		if digits[i] < '0' || digits[i] > '9' {
			return 0, invalid("query parameter %q must be an integer, got %q", name, clip(s))
		}
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < int64(min) || n > int64(max) {
		return 0, illegal("query parameter %q must be between %d and %d, got %s", name, min, max, clip(s))
	}
	return int(n), nil
}
