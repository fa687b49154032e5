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

// KeptSecret stands for a stored secret in the attributes a JSON Patch is
// applied to (MaskSecrets): a secret still holding it after the patch keeps
// its stored value.
const KeptSecret = "\x00mica:kept-secret"

// SealSecrets returns a copy of attrs in which every secret, at any depth, is
// sealed by box. A secret holding KeptSecret keeps its value in prev (the
// attributes stored so far), as does, when keepAbsent is set (a PUT, whose
// client never saw the password), a secret that attrs leaves out. A secret
// given as "" or null is removed. A secret that is not a string is EILLEGAL
// naming its path.
func SealSecrets(attrs, prev map[string]any, box SecretBox, keepAbsent bool) (map[string]any, error) {
	if attrs == nil {
		return nil, nil
	}
	out, err := (&sealer{box: box, keepAbsent: keepAbsent}).sealMap("connectorAttributes", attrs, prev)
	if err != nil {
		return nil, err
	}
	return out, nil
}

type sealer struct {
	box        SecretBox
	keepAbsent bool
}

func (sl *sealer) sealMap(path string, m, prev map[string]any) (map[string]any, error) {
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
				if s == KeptSecret {
					if pv, ok := prev[k]; ok {
						out[k] = pv
					}
					continue
				}
				if sl.box == nil {
					return nil, Errorf(EUNAVAILABLE, "%s is a secret and this server has no key to encrypt it", p)
				}
				sealed, err := sl.box.Seal(s)
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
		sv, err := sl.sealValue(p, v, pv)
		if err != nil {
			return nil, err
		}
		out[k] = sv
	}
	if sl.keepAbsent {
		for k, v := range prev {
			if _, given := m[k]; !given && IsSecretAttribute(k) {
				out[k] = v
			}
		}
	}
	return out, nil
}

func (sl *sealer) sealValue(path string, v, prev any) (any, error) {
	switch x := v.(type) {
	case map[string]any:
		pm, _ := prev.(map[string]any)
		return sl.sealMap(path, x, pm)
	case []any:
		pl, _ := prev.([]any)
		out := make([]any, len(x))
		for i, e := range x {
			var pe any
			if i < len(pl) {
				pe = pl[i]
			}
			sv, err := sl.sealValue(path+"["+strconv.Itoa(i)+"]", e, pe)
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
	return redactValue(attrs, false).(map[string]any)
}

// MaskSecrets returns a deep copy of attrs with every secret replaced by
// KeptSecret: the document a JSON Patch of a source is applied to, so that
// "replace" and "remove" find the secrets they name.
func MaskSecrets(attrs map[string]any) map[string]any {
	if attrs == nil {
		return nil
	}
	return redactValue(attrs, true).(map[string]any)
}

func redactValue(v any, mask bool) any {
	switch x := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			switch {
			case !IsSecretAttribute(k):
				out[k] = redactValue(e, mask)
			case mask:
				out[k] = KeptSecret
			}
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = redactValue(e, mask)
		}
		return out
	}
	return v
}
