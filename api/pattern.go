package api

import (
	"strings"

	"github.com/micahq/mica"
)

// PathPattern matches request paths for the emulator controls (fault rules,
// journal filters). It is written like a path of the reference, with its
// version as the first segment or left out:
//
//	/v2025/sources/{sourceId}/classify   that version only
//	/*/sources/*/classify                any version ("{version}" works too)
//	/sources/*/classify                  any version: no version segment
//	/sources/v1/*/classify               the per-service v1 form
//	/oauth/token                         a path outside the versions
//
// A segment "*" or "{name}" matches any one segment; "**" as the last segment
// matches whatever follows, nothing included.
type PathPattern struct {
	raw     string
	version string // "" any (pattern without a version), "*" any but required, else one version
	segs    []string
}

// ParsePathPattern parses a pattern; it must start with "/".
func ParsePathPattern(s string) (*PathPattern, error) {
	if !strings.HasPrefix(s, "/") || len(s) > 1000 {
		return nil, mica.Errorf(mica.EILLEGAL, "a path pattern starts with \"/\" and has at most 1000 characters: %q", s)
	}
	segs := strings.Split(strings.Trim(s, "/"), "/")
	for i, seg := range segs {
		if seg == "**" && i != len(segs)-1 {
			return nil, mica.Errorf(mica.EILLEGAL, "path pattern %q: \"**\" may only be the last segment", s)
		}
	}
	p := &PathPattern{raw: s}
	if len(segs) > 0 && (segs[0] == "*" || segs[0] == "{version}") && len(segs) > 1 {
		p.version, p.segs = "*", segs[1:]
		return p, nil
	}
	v, rest := splitVersion(segs)
	p.version, p.segs = v, rest
	return p, nil
}

// String is the pattern as written.
func (p *PathPattern) String() string { return p.raw }

// Match reports whether the request path matches.
func (p *PathPattern) Match(path string) bool {
	v, rest := splitVersion(strings.Split(strings.Trim(path, "/"), "/"))
	switch {
	case p.version == "*":
		if v == "" {
			return false
		}
	case p.version != "":
		if v != p.version {
			return false
		}
	}
	return matchSegments(p.segs, rest)
}

func matchSegments(pat, segs []string) bool {
	for i, ps := range pat {
		if ps == "**" {
			return true
		}
		if i >= len(segs) {
			return false
		}
		if ps == "*" || (strings.HasPrefix(ps, "{") && strings.HasSuffix(ps, "}")) {
			if segs[i] == "" {
				return false
			}
			continue
		}
		if ps != segs[i] {
			return false
		}
	}
	return len(pat) == len(segs)
}

// splitVersion splits a path's segments into its API version and the segments
// below it: /v2025/a/b is v2025 [a b], /a/v1/b is v1 [a b], /mica/v1/a is mica
// [a]; a path outside the versions is "" and all its segments.
func splitVersion(segs []string) (string, []string) {
	if len(segs) == 0 {
		return "", segs
	}
	switch Version(segs[0]) {
	case Beta, V3, V2024, V2025, V2026:
		return segs[0], segs[1:]
	}
	if len(segs) >= 2 && segs[1] == "v1" {
		if segs[0] == "mica" {
			return string(Mica), segs[2:]
		}
		return string(V1), append([]string{segs[0]}, segs[2:]...)
	}
	return "", segs
}
