package mica

import (
	"context"
	"regexp"
	"time"
)

// Snapshot is a saved copy of the whole tenant (an emulator control): every
// object a client can see, its tenant settings and its classification jobs and
// aggregations; not the signing key, so tokens of clients that exist again
// after a restore stay valid.
type Snapshot struct {
	Name    string
	Created time.Time
	Bytes   int64 // its size in the store
}

// SnapshotService saves and restores whole-tenant snapshots.
type SnapshotService interface {
	// SaveSnapshot saves the tenant as it is under name, replacing a snapshot
	// of that name.
	SaveSnapshot(ctx context.Context, name string) (*Snapshot, error)
	// RestoreSnapshot replaces the tenant with the snapshot, in one step that
	// readers see whole: ENOTFOUND when there is none of that name. The caller
	// stops background work first; classification jobs and aggregations come
	// back as they were at the save.
	RestoreSnapshot(ctx context.Context, name string) error
	// ListSnapshots lists the snapshots by name.
	ListSnapshots(ctx context.Context) ([]*Snapshot, error)
	// DeleteSnapshot deletes one: ENOTFOUND when there is none of that name.
	DeleteSnapshot(ctx context.Context, name string) error
}

// ErrSnapshotTooNew is the answer to restoring a snapshot whose tables have a
// migration (the first this mica does not know) that this mica lacks.
func ErrSnapshotTooNew(migration string) error {
	return Errorf(EILLEGAL, "the snapshot was saved by a newer mica (migration %s); this one cannot restore it", migration)
}

// StartSnapshot is the snapshot a server with the emulator controls saves when
// it starts, which a reset restores. Its name is one clients cannot give.
const StartSnapshot = "_start"

// MaxSnapshotName is the longest snapshot name.
const MaxSnapshotName = 48

var snapshotName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]*$`)

// ValidateSnapshotName checks a name a client gives a snapshot: letters,
// digits, ".", "_" and "-", starting with a letter or digit, at most 48 long.
func ValidateSnapshotName(name string) error {
	if name == "" {
		return Errorf(EMISSING, "a snapshot needs a name")
	}
	if len(name) > MaxSnapshotName || !snapshotName.MatchString(name) {
		return Errorf(EILLEGAL, "snapshot name %q: letters, digits, \".\", \"_\" and \"-\", starting with a letter or digit, at most %d characters",
			name, MaxSnapshotName)
	}
	return nil
}

// CheckSnapshotName is what a store accepts: a valid name or StartSnapshot.
func CheckSnapshotName(name string) error {
	if name == StartSnapshot {
		return nil
	}
	return ValidateSnapshotName(name)
}
