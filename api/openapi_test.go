package api_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"

	"github.com/micahq/mica/api"
)

// specDir is the official OpenAPI slices beside the checkout (never copied into it).
const specDir = "../../shared/reference/openapi"

// specRoute is one operation path of one official document, as mica mounts it.
type specRoute struct {
	re     *regexp.Regexp
	params []string
	path   string
	item   *openapi3.PathItem
	doc    *openapi3.T
	file   string
}

var (
	specOnce   sync.Once
	specRoutes []specRoute
	specErr    error
)

// loadSpecs loads every official document once and indexes its paths under the
// prefix mica serves them at (/v2025/..., /v3/..., /beta/...; v1 paths carry their own).
func loadSpecs() ([]specRoute, error) {
	specOnce.Do(func() {
		files, err := filepath.Glob(filepath.Join(specDir, "*.yaml"))
		if err != nil || len(files) == 0 {
			specErr = err
			if err == nil {
				specErr = os.ErrNotExist
			}
			return
		}
		for _, f := range files {
			loader := openapi3.NewLoader()
			doc, err := loader.LoadFromFile(f)
			if err != nil {
				specErr = err
				return
			}
			base := strings.TrimSuffix(filepath.Base(f), ".yaml")
			version := base[strings.LastIndex(base, "-")+1:]
			repairSpec(doc, version)
			prefix := "/" + version
			if version == "v1" {
				prefix = ""
			}
			specRoutes = append(specRoutes, routesOf(doc, prefix, filepath.Base(f))...)
		}
		// mica's own document (served at /mica/v1/openapi.yaml) holds the extensions to what it describes.
		ext, err := openapi3.NewLoader().LoadFromData(api.ExtensionsDocument())
		if err != nil {
			specErr = fmt.Errorf("mica-openapi.yaml: %w", err)
			return
		}
		if err := ext.Validate(context.Background()); err != nil {
			specErr = fmt.Errorf("mica-openapi.yaml: %w", err)
			return
		}
		specRoutes = append(specRoutes, routesOf(ext, "/mica/v1", "mica-openapi.yaml")...)
		// Literal paths win over templated ones (/source-apps/assigned before /source-apps/{id}).
		// Among as many parameters, a literal segment wins over a parameter at the first place they differ
		// (/sources/subtypes/{subtypeId} before /sources/{sourceId}/subtypes).
		sort.SliceStable(specRoutes, func(i, j int) bool {
			a, b := specRoutes[i], specRoutes[j]
			if len(a.params) != len(b.params) {
				return len(a.params) < len(b.params)
			}
			as, bs := strings.Split(a.path, "/"), strings.Split(b.path, "/")
			for k := 0; k < len(as) && k < len(bs); k++ {
				la, lb := !strings.HasPrefix(as[k], "{"), !strings.HasPrefix(bs[k], "{")
				if la != lb {
					return la
				}
			}
			return false
		})
	})
	return specRoutes, specErr
}

// routesOf indexes a document's paths under prefix.
func routesOf(doc *openapi3.T, prefix, file string) []specRoute {
	var out []specRoute
	for path, item := range doc.Paths.Map() {
		var params []string
		segs := strings.Split(path, "/")
		for i, seg := range segs {
			if strings.HasPrefix(seg, "{") && strings.HasSuffix(seg, "}") {
				params = append(params, strings.Trim(seg, "{}"))
				segs[i] = `([^/]+)`
			} else {
				segs[i] = regexp.QuoteMeta(seg)
			}
		}
		expr := strings.Join(segs, "/")
		out = append(out, specRoute{re: regexp.MustCompile("^" + prefix + expr + "$"),
			params: params, path: path, item: item, doc: doc, file: file})
	}
	return out
}

// repairSpec mends, in memory, the official documents' known defects (REFERENCE.md
// §0 D1–D3, §13) so that they validate what they describe:
//   - D1: a path parameter declared as "id" under a {sourceId} template is renamed;
//   - D2: the experimental header's boolean default on a string schema becomes "true";
//   - D3: bulk-remove's misplaced media-type description is harmless to response
//     validation (the loader keeps unknown keys as extensions), so nothing is done;
//   - allOf with a bare {nullable: true} member (Account.recommendation,
//     Identity.lifecycleState, ...): the documents mean "nullable", which strict
//     OpenAPI 3.0 reads otherwise; the composite and its members are made nullable;
//   - §14.11 surprise 8: the create-PAT response of v2025, v2026 and v1 declares
//     expirationDate required and not nullable, while those versions document null
//     as "never expires": it is made nullable there.
func repairSpec(doc *openapi3.T, version string) {
	if version == "v2025" || version == "v2026" || version == "v1" {
		for _, p := range []string{"/personal-access-tokens", "/personal-access-tokens/v1"} {
			item := doc.Paths.Find(p)
			if item == nil || item.Post == nil {
				continue
			}
			if rr := item.Post.Responses.Status(200); rr != nil && rr.Value != nil {
				if mt := rr.Value.Content.Get("application/json"); mt != nil && mt.Schema != nil && mt.Schema.Value != nil {
					if ed := mt.Schema.Value.Properties["expirationDate"]; ed != nil && ed.Value != nil {
						ed.Value.Nullable = true
					}
				}
			}
		}
	}
	seen := map[*openapi3.Schema]bool{}
	for path, item := range doc.Paths.Map() {
		for _, op := range item.Operations() {
			for _, rr := range op.Responses.Map() {
				if rr.Value == nil {
					continue
				}
				for _, mt := range rr.Value.Content {
					if mt.Schema != nil {
						repairNullableAllOf(mt.Schema.Value, seen)
					}
				}
			}
			for _, p := range op.Parameters {
				if p.Value == nil {
					continue
				}
				if p.Value.In == "path" && !strings.Contains(path, "{"+p.Value.Name+"}") && strings.Contains(path, "{sourceId}") {
					p.Value.Name = "sourceId"
				}
				if p.Value.In == "header" && p.Value.Schema != nil && p.Value.Schema.Value != nil {
					if b, ok := p.Value.Schema.Value.Default.(bool); ok {
						p.Value.Schema.Value.Default = map[bool]string{true: "true", false: "false"}[b]
					}
				}
			}
		}
	}
}

// repairNullableAllOf walks a schema and makes allOf composites with a bare
// {nullable: true} member nullable, members included.
func repairNullableAllOf(s *openapi3.Schema, seen map[*openapi3.Schema]bool) {
	if s == nil || seen[s] {
		return
	}
	seen[s] = true
	for _, m := range s.AllOf {
		if m.Value != nil && m.Value.Nullable && m.Value.Type == nil && len(m.Value.Properties) == 0 {
			s.Nullable = true
			for _, m2 := range s.AllOf {
				if m2.Value != nil {
					m2.Value.Nullable = true
				}
			}
		}
	}
	for _, list := range [][]*openapi3.SchemaRef{s.AllOf, s.OneOf, s.AnyOf} {
		for _, m := range list {
			if m != nil {
				repairNullableAllOf(m.Value, seen)
			}
		}
	}
	for _, p := range s.Properties {
		repairNullableAllOf(p.Value, seen)
	}
	if s.Items != nil {
		repairNullableAllOf(s.Items.Value, seen)
	}
	if s.AdditionalProperties.Schema != nil {
		repairNullableAllOf(s.AdditionalProperties.Schema.Value, seen)
	}
}

var conformanceLog struct {
	sync.Mutex
	f *os.File
}

// logValidated appends "FILE METHOD PATH STATUS ok|fail" to $MICA_CONFORMANCE_LOG
// (for `make conformance`), when set.
func logValidated(sr specRoute, method string, status int, ok bool) {
	path := os.Getenv("MICA_CONFORMANCE_LOG")
	if path == "" {
		return
	}
	conformanceLog.Lock()
	defer conformanceLog.Unlock()
	if conformanceLog.f == nil {
		f, err := os.OpenFile(path, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
		if err != nil {
			return
		}
		conformanceLog.f = f
	}
	verdict := "ok"
	if !ok {
		verdict = "fail"
	}
	_, _ = fmt.Fprintf(conformanceLog.f, "%s %s %s %d %s\n", sr.file, method, sr.path, status, verdict)
}

// undeclaredOK are statuses mica may answer that the official documents never
// declare for any operation: they are checked for the error shape elsewhere.
var undeclaredOK = map[int]bool{http.StatusMethodNotAllowed: true, http.StatusRequestEntityTooLarge: true,
	http.StatusUnsupportedMediaType: true}

// validateAgainst holds a response against the operation of one official document; nil when it matches.
func validateAgainst(sr specRoute, req *http.Request, r response) error {
	m := sr.re.FindStringSubmatch(req.URL.Path)
	op := sr.item.GetOperation(req.Method)
	if m == nil || op == nil {
		return fmt.Errorf("%s %s is not %s %s of %s", req.Method, req.URL.Path, req.Method, sr.path, sr.file)
	}
	params := map[string]string{}
	for i, name := range sr.params {
		params[name] = m[i+1]
	}
	in := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{Request: req, PathParams: params,
			Route: &routers.Route{Spec: sr.doc, Path: sr.path, PathItem: sr.item, Method: req.Method, Operation: op}},
		Status: r.status, Header: r.header, Body: io.NopCloser(bytes.NewReader(r.body)),
		Options: &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true},
	}
	return openapi3filter.ValidateResponse(context.Background(), in)
}

// notFoundSent are the operations whose documents declare no 404 where
// REFERENCE.md §15.5 (defect 7) says mica still answers 404 with the §9 body
// (checked by checkError): subtypes looked up by id or technical name.
var notFoundSent = map[string]bool{
	"PATCH /source-subtypes/{subtypeId}": true, "DELETE /source-subtypes/{subtypeId}": true,
	"GET /sources/{sourceId}/subtypes/{technicalName}": true, "PATCH /sources/{sourceId}/subtypes/{technicalName}": true,
	"DELETE /sources/{sourceId}/subtypes/{technicalName}": true, "GET /sources/subtypes/{subtypeId}": true,
}

// validateResponse holds a response against the official operation it answers, if any.
func validateResponse(t *testing.T, req *http.Request, r response) {
	t.Helper()
	routes, err := loadSpecs()
	if err != nil {
		t.Errorf("load the official OpenAPI documents from %s: %v", specDir, err)
		return
	}
	for _, sr := range routes {
		m := sr.re.FindStringSubmatch(req.URL.Path)
		if m == nil {
			continue
		}
		op := sr.item.GetOperation(req.Method)
		if op == nil {
			continue
		}
		if undeclaredOK[r.status] || r.header.Get("X-Mica-Fault") != "" || // a fault rule's answer is the emulator's
			r.status == http.StatusNotFound && notFoundSent[req.Method+" "+strings.Replace(sr.path, "/v1", "", 1)] {
			return
		}
		params := map[string]string{}
		for i, name := range sr.params {
			params[name] = m[i+1]
		}
		in := &openapi3filter.ResponseValidationInput{
			RequestValidationInput: &openapi3filter.RequestValidationInput{Request: req, PathParams: params,
				Route: &routers.Route{Spec: sr.doc, Path: sr.path, PathItem: sr.item, Method: req.Method, Operation: op}},
			Status: r.status, Header: r.header, Body: io.NopCloser(bytes.NewReader(r.body)),
			Options: &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true},
		}
		err := openapi3filter.ValidateResponse(context.Background(), in)
		logValidated(sr, req.Method, r.status, err == nil)
		if err != nil {
			t.Errorf("%s %s → %d does not match %s %s in %s:\n%v\nbody: %.600s", req.Method, req.URL.Path, r.status,
				req.Method, sr.path, sr.file, err, r.body)
		}
		return
	}
}
