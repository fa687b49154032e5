package api

import (
	"net/http"
	"strings"

	"github.com/micahq/mica"
)

// registerIdentityData mounts the identity-data operations: source writes,
// correlation config, accounts, identities, access profiles, file aggregation,
// and the mica extensions under /mica/v1.
func (s *Server) registerIdentityData() {
	s.registerSourceWrites()
	s.registerCorrelation()
	s.registerAccounts()
	s.registerIdentities()
	s.registerAccessProfiles()
	s.registerAggregations()
	s.registerMicaExtensions()
	s.registerSummary()
	s.registerTriage()
	s.registerAggregationExtensions()
}

// isUpload reports whether r is an account-file upload, which streams its body
// under Config.MaxUploadBytes instead of the general body cap.
func isUpload(r *http.Request) bool {
	return r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/load-accounts")
}

// refNotFound turns ENOTFOUND into "400.1.404 Referenced object not found", for
// operations whose official document declares no 404 (load-accounts, and the
// access-profile get outside v2024 and delete).
func refNotFound(err error) error {
	if mica.ErrorCode(err) == mica.ENOTFOUND {
		return mica.Errorf(mica.EREFNOTFOUND, "%s", mica.ErrorMessage(err))
	}
	return err
}

// handleExtension mounts a mica extension (outside the ISC API) given at its
// absolute path under /mica/v1, with the same chain as ISC operations.
func (s *Server) handleExtension(op *Op) {
	op.Versions, op.Path = []Version{Mica}, strings.TrimPrefix(op.Path, "/mica/v1")
	s.handle(op)
}
