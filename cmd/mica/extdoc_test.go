package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"

	"github.com/micahq/mica/api"
)

var extDoc struct {
	once   sync.Once
	doc    *openapi3.T
	err    error
	routes []extRoute
}

type extRoute struct {
	re     *regexp.Regexp
	params []string
	path   string
	item   *openapi3.PathItem
}

// validateExtension holds a /mica/v1 response against mica's extensions
// document (served at /mica/v1/openapi.yaml), as the api tests do.
func validateExtension(t *testing.T, req *http.Request, resp *http.Response, body []byte) {
	t.Helper()
	if !strings.HasPrefix(req.URL.Path, "/mica/v1/") {
		return
	}
	extDoc.once.Do(func() {
		extDoc.doc, extDoc.err = openapi3.NewLoader().LoadFromData(api.ExtensionsDocument())
		if extDoc.err != nil {
			return
		}
		for path, item := range extDoc.doc.Paths.Map() {
			var params []string
			segs := strings.Split(path, "/")
			for i, seg := range segs {
				if strings.HasPrefix(seg, "{") {
					params = append(params, strings.Trim(seg, "{}"))
					segs[i] = `([^/]+)`
				} else {
					segs[i] = regexp.QuoteMeta(seg)
				}
			}
			extDoc.routes = append(extDoc.routes, extRoute{re: regexp.MustCompile("^/mica/v1" + strings.Join(segs, "/") + "$"),
				params: params, path: path, item: item})
		}
	})
	if extDoc.err != nil {
		t.Fatalf("mica-openapi.yaml: %v", extDoc.err)
	}
	for _, r := range extDoc.routes {
		m := r.re.FindStringSubmatch(req.URL.Path)
		op := r.item.GetOperation(req.Method)
		if m == nil || op == nil {
			continue
		}
		params := map[string]string{}
		for i, n := range r.params {
			params[n] = m[i+1]
		}
		in := &openapi3filter.ResponseValidationInput{
			RequestValidationInput: &openapi3filter.RequestValidationInput{Request: req, PathParams: params,
				Route: &routers.Route{Spec: extDoc.doc, Path: r.path, PathItem: r.item, Method: req.Method, Operation: op}},
			Status: resp.StatusCode, Header: resp.Header, Body: io.NopCloser(bytes.NewReader(body)),
			Options: &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true},
		}
		if err := openapi3filter.ValidateResponse(context.Background(), in); err != nil {
			t.Errorf("%s %s → %d does not match mica-openapi.yaml:\n%v\nbody: %.600s", req.Method, req.URL.Path, resp.StatusCode, err, body)
		}
		return
	}
}
