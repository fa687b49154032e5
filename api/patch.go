package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"reflect"
	"strconv"
	"strings"

	"github.com/micahq/mica"
)

// PatchOp is one JSON Patch (RFC 6902) operation.
type PatchOp struct {
	Op    string          `json:"op"`
	Path  string          `json:"path"`
	From  string          `json:"from,omitempty"`
	Value json.RawMessage `json:"value,omitempty"` // JSON null is kept as "null"; absent is empty
}

// Limits of one JSON Patch request (README "Security and limits"). A copy
// duplicates part of the document, so unbounded copies grow it exponentially:
// the bytes copied are counted against maxPatchCopyBytes, copies from the root
// or from an ancestor of their own target are refused, and the patched
// document may not exceed maxPatchDocBytes.
const (
	maxPatchOps       = 100     // operations in one JSON Patch document
	maxPatchCopyBytes = 1 << 20 // bytes (as JSON) all copy operations of one request may add together
	maxPatchDocBytes  = 1 << 20 // the patched document, as JSON
)

// decodePatch reads a JSON Patch body (application/json-patch+json; application/json is accepted too).
func decodePatch(r *http.Request) ([]PatchOp, error) {
	var ops []PatchOp
	if err := decodeJSON(r, &ops, "application/json-patch+json", "application/json"); err != nil {
		return nil, err
	}
	if len(ops) == 0 {
		return nil, mica.Errorf(mica.EMISSING, "the JSON Patch document has no operations")
	}
	if len(ops) > maxPatchOps {
		return nil, mica.Errorf(mica.EILLEGAL, "the JSON Patch document has more than %d operations", maxPatchOps)
	}
	return ops, nil
}

// applyPatch applies ops to doc (a JSON object decoded into map[string]any) and
// returns the patched copy. Only paths under the top-level members in patchable may
// be changed (tested, moved from or copied from any member). Nothing is changed on error.
func applyPatch(doc map[string]any, ops []PatchOp, patchable []string) (map[string]any, error) {
	root := deepCopy(doc)
	copyBudget := maxPatchCopyBytes
	for i, op := range ops {
		var err error
		root, err = applyOne(root, op, patchable, &copyBudget)
		if err != nil {
			return nil, mica.Errorf(mica.EILLEGAL, "patch operation %d (%s %s): %s", i, op.Op, op.Path, err.Error())
		}
	}
	if _, ok := jsonSize(root, maxPatchDocBytes); !ok {
		return nil, mica.Errorf(mica.EILLEGAL, "the patched document would be larger than %d bytes", maxPatchDocBytes)
	}
	out, _ := root.(map[string]any)
	return out, nil
}

type patchError string

func (e patchError) Error() string { return string(e) }

func applyOne(root any, op PatchOp, patchable []string, copyBudget *int) (any, error) {
	path, err := parsePointer(op.Path)
	if err != nil {
		return nil, err
	}
	writes := op.Op != "test"
	if writes {
		if len(path) == 0 {
			return nil, patchError("the whole document cannot be replaced")
		}
		if !containsString(patchable, path[0]) {
			return nil, patchError("path /" + path[0] + " cannot be changed; patchable: " + strings.Join(patchable, ", "))
		}
	}
	value := func() (any, error) {
		if len(op.Value) == 0 {
			return nil, patchError("a value is required")
		}
		var v any
		if err := json.Unmarshal(op.Value, &v); err != nil {
			return nil, patchError("value is not valid JSON")
		}
		return v, nil
	}
	switch op.Op {
	case "add", "replace":
		v, err := value()
		if err != nil {
			return nil, err
		}
		return setPath(root, path, v, op.Op == "add")
	case "remove":
		_, out, err := removePath(root, path)
		return out, err
	case "test":
		v, err := value()
		if err != nil {
			return nil, err
		}
		cur, err := getPath(root, path)
		if err != nil {
			return nil, err
		}
		if !reflect.DeepEqual(cur, v) {
			return nil, patchError("test failed: the value differs")
		}
		return root, nil
	case "move", "copy":
		from, err := parsePointer(op.From)
		if err != nil {
			return nil, patchError("from: " + err.Error())
		}
		if len(from) == 0 || isPrefix(from, path) {
			return nil, patchError("from must not be the document root or a member that contains path")
		}
		v, err := getPath(root, from)
		if err != nil {
			return nil, patchError("from: " + err.Error())
		}
		if op.Op == "copy" {
			n, ok := jsonSize(v, *copyBudget)
			if !ok {
				return nil, patchError(fmt.Sprintf("copies would add more than %d bytes to the document", maxPatchCopyBytes))
			}
			*copyBudget -= n
		}
		if op.Op == "move" {
			if len(from) == 0 || !containsString(patchable, from[0]) {
				return nil, patchError("from path cannot be changed")
			}
			if _, root, err = removePath(root, from); err != nil {
				return nil, err
			}
		}
		return setPath(root, path, deepCopy(v), true)
	case "":
		return nil, patchError("op is required")
	}
	return nil, patchError("unknown op " + strconv.Quote(op.Op) + "; expected add, remove, replace, move, copy or test")
}

// isPrefix reports whether pointer a is a proper ancestor of b.
func isPrefix(a, b []string) bool {
	if len(a) >= len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// jsonSize returns about how many bytes v takes as JSON (exact for ASCII
// strings without escapes), and false as soon as that exceeds limit, so a
// huge value costs no more than limit to measure.
func jsonSize(v any, limit int) (int, bool) {
	n := 0
	var walk func(v any) bool
	walk = func(v any) bool {
		switch x := v.(type) {
		case map[string]any:
			n += 2
			for k, e := range x {
				n += len(k) + 4
				if n > limit || !walk(e) {
					return false
				}
			}
		case []any:
			n += 2
			for _, e := range x {
				n++
				if n > limit || !walk(e) {
					return false
				}
			}
		case string:
			n += len(x) + 2
		case float64, json.Number:
			n += 8
		default: // bool, nil
			n += 5
		}
		return n <= limit
	}
	if !walk(v) {
		return n, false
	}
	return n, true
}

func parsePointer(p string) ([]string, error) {
	if p == "" {
		return nil, nil
	}
	if !strings.HasPrefix(p, "/") {
		return nil, patchError("path " + strconv.Quote(p) + " is not a JSON Pointer")
	}
	parts := strings.Split(p[1:], "/")
	for i, s := range parts {
		parts[i] = strings.ReplaceAll(strings.ReplaceAll(s, "~1", "/"), "~0", "~")
	}
	return parts, nil
}

func arrayIndex(tok string, n int, allowEnd bool) (int, error) {
	if allowEnd && tok == "-" {
		return n, nil
	}
	i, err := strconv.Atoi(tok)
	if err != nil || i < 0 || (tok != "0" && strings.HasPrefix(tok, "0")) {
		return 0, patchError("array index " + strconv.Quote(tok) + " is not valid")
	}
	if i > n || (!allowEnd && i == n) {
		return 0, patchError("array index " + tok + " is out of range")
	}
	return i, nil
}

func getPath(node any, path []string) (any, error) {
	for _, tok := range path {
		switch n := node.(type) {
		case map[string]any:
			v, ok := n[tok]
			if !ok {
				return nil, patchError("path member " + strconv.Quote(tok) + " does not exist")
			}
			node = v
		case []any:
			i, err := arrayIndex(tok, len(n), false)
			if err != nil {
				return nil, err
			}
			node = n[i]
		default:
			return nil, patchError("path goes through a value that is not an object or array")
		}
	}
	return node, nil
}

func setPath(node any, path []string, v any, insert bool) (any, error) {
	if len(path) == 0 {
		return v, nil
	}
	tok := path[0]
	switch n := node.(type) {
	case map[string]any:
		if len(path) == 1 {
			if _, ok := n[tok]; !ok && !insert {
				return nil, patchError("path member " + strconv.Quote(tok) + " does not exist")
			}
			n[tok] = v
			return n, nil
		}
		child, ok := n[tok]
		if !ok {
			return nil, patchError("path member " + strconv.Quote(tok) + " does not exist")
		}
		c, err := setPath(child, path[1:], v, insert)
		if err != nil {
			return nil, err
		}
		n[tok] = c
		return n, nil
	case []any:
		i, err := arrayIndex(tok, len(n), insert && len(path) == 1)
		if err != nil {
			return nil, err
		}
		if len(path) == 1 {
			if insert {
				n = append(n, nil)
				copy(n[i+1:], n[i:])
				n[i] = v
				return n, nil
			}
			n[i] = v
			return n, nil
		}
		c, err := setPath(n[i], path[1:], v, insert)
		if err != nil {
			return nil, err
		}
		n[i] = c
		return n, nil
	}
	return nil, patchError("path goes through a value that is not an object or array")
}

func removePath(node any, path []string) (any, any, error) {
	if len(path) == 0 {
		return nil, nil, patchError("the whole document cannot be removed")
	}
	tok := path[0]
	switch n := node.(type) {
	case map[string]any:
		child, ok := n[tok]
		if !ok {
			return nil, nil, patchError("path member " + strconv.Quote(tok) + " does not exist")
		}
		if len(path) == 1 {
			delete(n, tok)
			return child, n, nil
		}
		removed, c, err := removePath(child, path[1:])
		if err != nil {
			return nil, nil, err
		}
		n[tok] = c
		return removed, n, nil
	case []any:
		i, err := arrayIndex(tok, len(n), false)
		if err != nil {
			return nil, nil, err
		}
		if len(path) == 1 {
			removed := n[i]
			return removed, append(n[:i:i], n[i+1:]...), nil
		}
		removed, c, err := removePath(n[i], path[1:])
		if err != nil {
			return nil, nil, err
		}
		n[i] = c
		return removed, n, nil
	}
	return nil, nil, patchError("path goes through a value that is not an object or array")
}

func deepCopy(v any) any {
	switch x := v.(type) {
	case map[string]any:
		m := make(map[string]any, len(x))
		for k, e := range x {
			m[k] = deepCopy(e)
		}
		return m
	case []any:
		a := make([]any, len(x))
		for i, e := range x {
			a[i] = deepCopy(e)
		}
		return a
	}
	return v
}

// toDocument turns a wire DTO into the JSON object a JSON Patch applies to.
func toDocument(v any) (map[string]any, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("encode patch document: %w", err)
	}
	var doc map[string]any
	if err := json.Unmarshal(b, &doc); err != nil {
		return nil, fmt.Errorf("decode patch document: %w", err)
	}
	return doc, nil
}

// fromDocument decodes a patched document into v; a value of the wrong type is
// EILLEGAL naming the field.
func fromDocument(doc map[string]any, v any) error {
	b, err := json.Marshal(doc)
	if err != nil {
		return mica.Errorf(mica.EILLEGAL, "the patched document cannot be encoded: %s", err.Error())
	}
	if err := json.Unmarshal(b, v); err != nil {
		var typ *json.UnmarshalTypeError
		if errors.As(err, &typ) {
			return mica.Errorf(mica.EILLEGAL, "patched field %q must be %s, not %s", typ.Field, typ.Type.String(), typ.Value)
		}
		return mica.Errorf(mica.EILLEGAL, "the patched document is not valid: %s", err.Error())
	}
	return nil
}
