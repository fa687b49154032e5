package mica

import (
	"strconv"
	"strings"
)

// SecretBox seals connector secrets (a bind password) for storage and opens
// them again when a connector needs them. Sealed values are opaque text.
type SecretBox interface {
	Seal(plaintext string) (string, error)
	Open(sealed string) (string, error)
}

// IsSecretAttribute reports whether a connector attribute holds a secret:
// "password", or any name ending in "password" or "secret", in any case
// (domainSettings[].password, IQServicePassword, clientSecret). Secrets are
// write-only: sealed when received, never returned.
func IsSecretAttribute(name string) bool {
	n := strings.ToLower(name)
	return strings.HasSuffix(n, "password") || strings.HasSuffix(n, "secret")
}

// SealSecrets returns a copy of attrs in which every secret, at any depth, is
// sealed by box, and in which the secrets that attrs leaves out are kept, still
// sealed, from prev (the attributes stored so far): a PUT or PATCH, which never
// sees the stored password, keeps it. A secret given as "" or null is removed.
// A secret that is not a string is EILLEGAL naming its path.
func SealSecrets(attrs, prev map[string]any, box SecretBox) (map[string]any, error) {
	if attrs == nil {
		return nil, nil
	}
	out, err := sealMap("connectorAttributes", attrs, prev, box)
	if err != nil {
		return nil, err
	}
	return out, nil
}

func sealMap(path string, m, prev map[string]any, box SecretBox) (map[string]any, error) {
	out := make(map[string]any, len(m))
	for k, v := range m {
		p := path + "." + k
		if IsSecretAttribute(k) {
			switch s := v.(type) {
			case nil:
				continue
			case string:
				if s == "" {
					continue
				}
				if box == nil {
					return nil, Errorf(EUNAVAILABLE, "%s is a secret and this server has no key to encrypt it", p)
				}
				sealed, err := box.Seal(s)
				if err != nil {
					return nil, err
				}
				out[k] = sealed
			default:
				return nil, Errorf(EILLEGAL, "%s must be a string", p)
			}
			continue
		}
		var pv any
		if prev != nil {
			pv = prev[k]
		}
		sv, err := sealValue(p, v, pv, box)
		if err != nil {
			return nil, err
		}
		out[k] = sv
	}
	for k, v := range prev {
		if _, given := m[k]; !given && IsSecretAttribute(k) {
			out[k] = v
		}
	}
	return out, nil
}

func sealValue(path string, v, prev any, box SecretBox) (any, error) {
	switch x := v.(type) {
	case map[string]any:
		pm, _ := prev.(map[string]any)
		return sealMap(path, x, pm, box)
	case []any:
		pl, _ := prev.([]any)
		out := make([]any, len(x))
		for i, e := range x {
			var pe any
			if i < len(pl) {
				pe = pl[i]
			}
			sv, err := sealValue(path+"["+strconv.Itoa(i)+"]", e, pe, box)
			if err != nil {
				return nil, err
			}
			out[i] = sv
		}
		return out, nil
	}
	return v, nil
}

// RedactSecrets returns a deep copy of attrs without its secrets: what the API
// shows of a source's connector attributes.
func RedactSecrets(attrs map[string]any) map[string]any {
	if attrs == nil {
		return nil
	}
	return redactValue(attrs).(map[string]any)
}

func redactValue(v any) any {
	switch x := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			if !IsSecretAttribute(k) {
				out[k] = redactValue(e)
			}
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = redactValue(e)
		}
		return out
	}
	return v
}
