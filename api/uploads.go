package api

import (
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/micahq/mica"
)

// Upload limits of load-accounts (README "Security and limits"). Uploaded
// files wait on disk for their aggregation; these bound how many and how much.
const (
	DefaultMaxConcurrentUploads   = 4                // uploads being received at once
	DefaultMaxQueuedUploadsPerSrc = 5                // files waiting (or running) per source
	DefaultMaxQueuedUploadBytes   = 2 << 30          // bytes of all waiting files and uploads in progress
	DefaultUploadTimeout          = 15 * time.Minute // how long one upload may take to arrive
	uploadPrefix                  = "upload-"        // upload file names: upload-<sourceID>-<random>.csv
)

// uploadGate admits uploads: a bounded number at once, a bounded number of
// files per source on disk, and a bounded number of bytes on disk and on the way.
type uploadGate struct {
	mu       sync.Mutex
	active   int
	reserved int64
}

// UploadFilePattern is the glob of the files load-accounts writes in the upload
// dir (aggregate.Runner sweeps those a crash left behind).
const UploadFilePattern = uploadPrefix + "*.csv"

// uploadFileName is the CreateTemp pattern of an upload into sourceID.
func uploadFileName(sourceID string) string { return uploadPrefix + sourceID + "-*.csv" }

// queuedUploads counts the files of sourceID in dir and the bytes of all files there.
func queuedUploads(dir, sourceID string) (files int, bytes int64) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return 0, 0
	}
	for _, e := range entries {
		name := e.Name()
		if !strings.HasPrefix(name, uploadPrefix) {
			continue
		}
		if strings.HasPrefix(name, uploadPrefix+sourceID+"-") {
			files++
		}
		if info, err := e.Info(); err == nil {
			bytes += info.Size()
		}
	}
	return files, bytes
}

// admitUpload decides whether an upload into sourceID of size bytes (0 when
// unknown) may start now, and returns how many bytes of file it may write
// (the queue's room, at most limit); release must be called when it has been
// written (or failed).
func (s *Server) admitUpload(w http.ResponseWriter, dir, sourceID string, size, limit int64) (allowed int64, release func(), err error) {
	c := s.Config
	maxActive, perSrc, maxBytes := c.MaxConcurrentUploads, c.MaxQueuedUploadsPerSource, c.MaxQueuedUploadBytes
	if maxActive <= 0 {
		maxActive = DefaultMaxConcurrentUploads
	}
	if perSrc <= 0 {
		perSrc = DefaultMaxQueuedUploadsPerSrc
	}
	if maxBytes <= 0 {
		maxBytes = DefaultMaxQueuedUploadBytes
	}
	busy := func(format string, args ...any) error {
		w.Header().Set("Retry-After", "5")
		return mica.Errorf(mica.ERATELIMIT, format, args...)
	}
	g := &s.uploads
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.active >= maxActive {
		return 0, nil, busy("%d account files are being uploaded already; try again shortly", g.active)
	}
	files, onDisk := queuedUploads(dir, sourceID)
	if files >= perSrc {
		return 0, nil, busy("%d account files of this source are waiting for aggregation already (at most %d); "+
			"try again when one has been aggregated", files, perSrc)
	}
	room := maxBytes - onDisk - g.reserved
	if room <= 0 || size > room {
		return 0, nil, queueFull(w, onDisk+g.reserved, maxBytes)
	}
	allowed = min(room, limit)
	g.active++
	g.reserved += allowed
	var once sync.Once
	return allowed, func() {
		once.Do(func() {
			g.mu.Lock()
			g.active--
			g.reserved -= allowed
			g.mu.Unlock()
		})
	}, nil
}

// queueFull is the 429 of an upload that would pass the queued-bytes cap.
func queueFull(w http.ResponseWriter, held, maxBytes int64) error {
	w.Header().Set("Retry-After", "5")
	return mica.Errorf(mica.ERATELIMIT, "the waiting account files and the uploads in progress hold %d bytes; this upload "+
		"would pass the cap of %d bytes; try again when aggregations have finished", held, maxBytes)
}

// uploadDeadline gives an upload its own read and write deadline (the server's
// ReadTimeout is for ordinary requests).
func (s *Server) uploadDeadline(w http.ResponseWriter) {
	d := s.Config.UploadTimeout
	if d <= 0 {
		d = DefaultUploadTimeout
	}
	rc := http.NewResponseController(w)
	at := time.Now().Add(d)
	_ = rc.SetReadDeadline(at) // not every ResponseWriter supports deadlines (in-process callers)
	_ = rc.SetWriteDeadline(at.Add(time.Minute))
}

// SweepUploads removes files load-accounts left in dir that no aggregation will
// read: all of them when exclusive (one server owns the data dir and has ended
// every unfinished aggregation), else those not modified for olderThan.
func SweepUploads(dir string, exclusive bool, olderThan time.Duration, now time.Time) (removed int) {
	matches, _ := filepath.Glob(filepath.Join(dir, UploadFilePattern))
	for _, f := range matches {
		if !exclusive {
			info, err := os.Stat(f)
			if err != nil || now.Sub(info.ModTime()) < olderThan {
				continue
			}
		}
		if os.Remove(f) == nil {
			removed++
		}
	}
	return removed
}
