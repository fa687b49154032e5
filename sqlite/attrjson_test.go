package sqlite

import (
	"math"
	"testing"
)

// TestAttributesJSON: the fast encoder writes what encoding/json writes.
func TestAttributesJSON(t *testing.T) {
	t.Parallel()
	cases := []map[string]any{
		nil,
		{},
		{"id": "A0000001", "name": "svc-batch", "groups": []any{"Service Accounts", "IT"}, "n": 3, "big": int64(math.MaxInt64)},
		{"flag": true, "off": false, "none": nil, "list": []string{"a", "b"}, "nilList": []string(nil), "nilAny": []any(nil)},
		{"html": "<a href=\"x\">&amp;</a>", "ctl": "line\nbreak\ttab\x01", "utf8": "Chloé Øyvind 日本", "bad": "\xff\xfe", "sep": "\u2028"},
		{"float": 1.5, "whole": float64(66048), "tiny": 1e-9, "nested": map[string]any{"k": "v"}},
		{"mixed": []any{"x", 2.5, nil, true}, "zeta": "z", "Alpha": "A", "alpha": "a", "": "empty key"},
	}
	for _, m := range cases {
		if got, want := attributesJSON(m), toJSON(m); got != want {
			t.Errorf("attributesJSON(%v)\n got %s\nwant %s", m, got, want)
		}
	}
}
