package api

import (
	"context"
	"net/http"
	"strings"
	"time"

	"github.com/micahq/mica"
)

// Snapshots saves and restores the whole tenant for the controls; the server
// program implements it, stopping and starting background work around a
// restore (cmd/mica).
type Snapshots interface {
	Save(ctx context.Context, name string) (*mica.Snapshot, error)
	// Restore replaces the tenant with a snapshot (mica.StartSnapshot for a reset).
	Restore(ctx context.Context, name string) error
	List(ctx context.Context) ([]*mica.Snapshot, error)
	Delete(ctx context.Context, name string) error
}

// SnapshotDto is the wire form of a snapshot.
type SnapshotDto struct {
	Name    string    `json:"name"`
	Created time.Time `json:"created"`
	Bytes   int64     `json:"bytes"`
}

func snapshotDto(s *mica.Snapshot) SnapshotDto {
	return SnapshotDto{Name: s.Name, Created: s.Created.UTC(), Bytes: s.Bytes}
}

func (s *Server) registerSnapshots(control func(id, method, path string, h func(http.ResponseWriter, *http.Request) error)) {
	control("micaCreateSnapshot", http.MethodPost, "/snapshots", s.createSnapshot)
	control("micaListSnapshots", http.MethodGet, "/snapshots", s.listSnapshots)
	control("micaRestoreSnapshot", http.MethodPost, "/snapshots/{name}/restore", s.restoreSnapshot)
	control("micaDeleteSnapshot", http.MethodDelete, "/snapshots/{name}", s.deleteSnapshot)
	control("micaReset", http.MethodPost, "/reset", s.reset)
}

func (s *Server) snapshots() (Snapshots, error) {
	if s.Snapshots == nil {
		return nil, mica.Errorf(mica.EUNAVAILABLE, "snapshots are not available on this server")
	}
	return s.Snapshots, nil
}

func (s *Server) createSnapshot(w http.ResponseWriter, r *http.Request) error {
	var body struct {
		Name string `json:"name"`
	}
	if err := decodeJSON(r, &body); err != nil {
		return err
	}
	if err := mica.ValidateSnapshotName(body.Name); err != nil {
		return err
	}
	snaps, err := s.snapshots()
	if err != nil {
		return err
	}
	snap, err := snaps.Save(r.Context(), body.Name)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, snapshotDto(snap))
	return nil
}

func (s *Server) listSnapshots(w http.ResponseWriter, r *http.Request) error {
	snaps, err := s.snapshots()
	if err != nil {
		return err
	}
	list, err := snaps.List(r.Context())
	if err != nil {
		return err
	}
	out := make([]SnapshotDto, 0, len(list))
	for _, sn := range list {
		if !strings.HasPrefix(sn.Name, "_") { // the start snapshot is the server's own
			out = append(out, snapshotDto(sn))
		}
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// pathSnapshotName is the {name} of a path, checked like a new one.
func pathSnapshotName(r *http.Request) (string, error) {
	name := r.PathValue("name")
	if err := mica.ValidateSnapshotName(name); err != nil {
		return "", mica.Errorf(mica.ENOTFOUND, "snapshot %q not found", name)
	}
	return name, nil
}

// restoreWhole restores a snapshot while no other request runs: it waits for
// the requests in progress and holds back new ones until it is done.
func (s *Server) restoreWhole(ctx context.Context, name string) error {
	snaps, err := s.snapshots()
	if err != nil {
		return err
	}
	s.controls.gate.Lock()
	defer s.controls.gate.Unlock()
	return snaps.Restore(ctx, name)
}

func (s *Server) restoreSnapshot(w http.ResponseWriter, r *http.Request) error {
	name, err := pathSnapshotName(r)
	if err != nil {
		return err
	}
	if err := s.restoreWhole(r.Context(), name); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) deleteSnapshot(w http.ResponseWriter, r *http.Request) error {
	name, err := pathSnapshotName(r)
	if err != nil {
		return err
	}
	snaps, err := s.snapshots()
	if err != nil {
		return err
	}
	if err := snaps.Delete(r.Context(), name); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// reset returns the server to the state it started in: the tenant of its
// start snapshot, the fault rules it was started with (its seed's), an empty
// journal and zero coverage.
func (s *Server) reset(w http.ResponseWriter, r *http.Request) error {
	if err := s.restoreWhole(r.Context(), mica.StartSnapshot); err != nil {
		if mica.ErrorCode(err) == mica.ENOTFOUND {
			return mica.Errorf(mica.EUNAVAILABLE, "this server saved no start snapshot to reset to")
		}
		return err
	}
	c := s.controls
	c.faults.Clear()
	for _, f := range s.StartFaults {
		f := f
		if err := c.faults.Add(&f, s.Now()); err != nil {
			return err
		}
	}
	c.journal.Clear()
	c.coverage.Reset(s.Now())
	w.WriteHeader(http.StatusNoContent)
	return nil
}
