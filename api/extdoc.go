package api

import (
	_ "embed"
	"net/http"
	"strconv"
)

// extensionsDocument is the OpenAPI document of mica's own operations under
// /mica/v1 (outside the ISC API), the emulator controls included.
//
//go:embed mica-openapi.yaml
var extensionsDocument []byte

// ExtensionsDocument returns the OpenAPI document served at /mica/v1/openapi.yaml.
func ExtensionsDocument() []byte { return extensionsDocument }

// registerExtensionsDocument serves the document; like ISC's published
// specifications, it needs no token.
func (s *Server) registerExtensionsDocument() {
	s.mux.HandleFunc("GET /mica/v1/openapi.yaml", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/yaml")
		w.Header().Set("Content-Length", strconv.Itoa(len(extensionsDocument)))
		_, _ = w.Write(extensionsDocument)
	})
}
