package api

import (
	"net/http"

	"github.com/micahq/mica"
)

func (s *Server) registerHealth() {
	s.handleRaw("GET /health/live", func(w http.ResponseWriter, _ *http.Request) error {
		writeJSON(w, http.StatusOK, map[string]string{"status": "UP"})
		return nil
	})
	s.handleRaw("GET /health/ready", func(w http.ResponseWriter, r *http.Request) error {
		if err := s.Store.Ping(r.Context()); err != nil {
			s.Logger.ErrorContext(r.Context(), "store not ready", "error", err)
			return mica.Errorf(mica.EUNAVAILABLE, "the store is not reachable")
		}
		writeJSON(w, http.StatusOK, map[string]string{"status": "UP"})
		return nil
	})
}
