package sqlite

import (
	"context"
	"database/sql"
	"encoding/binary"
	"errors"
	"fmt"
	"net/url"
	"os"
	"sync/atomic"
	"syscall"
	"unsafe"
)

// The WAL index's header: how the version reads (versions.go) learn, without
// a statement, that nothing has committed since their last read.
//
// In WAL mode every connection of every process that commits a transaction
// writes the new state of the log into the header of the WAL index, the
// first bytes of the `-shm` file that all of them map: among its 48 bytes a
// counter raised by every commit (iChange), the log's last frame (mxFrame)
// and the log's salts (changed whenever the log starts again). A reader that
// starts a transaction reads that header to learn what it may see, so a
// commit is visible exactly once the header says so (sqlite's wal.c,
// "WAL-INDEX FORMAT"). The writer writes the header's second copy, then a
// memory barrier, then its first; readers read the first, then the second,
// and take them only when they are equal.
//
// A version read notes the header just before its statement; when the header
// is still the same later, nothing committed in between, anywhere, and the
// read's numbers are still the database's: a request that arrived after the
// header was found unchanged is answered exactly without a statement.
//
// Mapping the file is safe only while it cannot shrink under us: SQLite
// truncates the `-shm` file only when it opens it with no other connection
// holding it (it takes an exclusive lock on it first), so a connection of our
// own keeps it open (pin) for as long as the mapping lasts. Where the file
// cannot be mapped (another VFS, a memory database), walIndex is nil and every
// version read runs its statement, as before.

// walHeaderBytes is the size of one copy of the header (WalIndexHdr).
const walHeaderBytes = 48

// walHeader is one copy of the header, word by word.
type walHeader [walHeaderBytes / 4]uint32

type walIndex struct {
	mem []byte  // the first page of the -shm file, mapped read-only and shared
	pin *sql.DB // one connection that has the WAL index open while mem is mapped
}

// openWALIndex maps the WAL index of the database at path; nil when it cannot.
func openWALIndex(ctx context.Context, path string) (*walIndex, error) {
	q := url.Values{}
	q.Add("_pragma", "busy_timeout(10000)")
	q.Add("_pragma", "query_only(1)")
	pin, err := sql.Open("sqlite", "file:"+path+"?"+q.Encode())
	if err != nil {
		return nil, fmt.Errorf("wal index: %w", err)
	}
	pin.SetMaxOpenConns(1)
	pin.SetMaxIdleConns(1)
	pin.SetConnMaxLifetime(0)
	pin.SetConnMaxIdleTime(0)
	var mode string
	// A read makes the connection open the WAL index (and keep it open until
	// the connection closes).
	if err := pin.QueryRowContext(ctx, "PRAGMA journal_mode").Scan(&mode); err != nil {
		_ = pin.Close()
		return nil, fmt.Errorf("wal index: %w", err)
	}
	var n int
	if err := pin.QueryRowContext(ctx, "SELECT count(*) FROM sqlite_schema").Scan(&n); err != nil {
		_ = pin.Close()
		return nil, fmt.Errorf("wal index: %w", err)
	}
	if mode != "wal" {
		_ = pin.Close()
		return nil, nil
	}
	f, err := os.Open(path + "-shm")
	if err != nil {
		_ = pin.Close()
		return nil, nil //nolint:nilerr // no -shm file: no WAL index to map (the reads run their statement)
	}
	defer func() { _ = f.Close() }() // the mapping outlives the descriptor
	st, err := f.Stat()
	if err != nil || st.Size() < 2*walHeaderBytes {
		_ = pin.Close()
		return nil, nil //nolint:nilerr // not a WAL index we can read
	}
	size := min(int(st.Size()), os.Getpagesize())
	mem, err := syscall.Mmap(int(f.Fd()), 0, size, syscall.PROT_READ, syscall.MAP_SHARED)
	if err != nil {
		_ = pin.Close()
		return nil, nil //nolint:nilerr // cannot map: the reads run their statement
	}
	w := &walIndex{mem: mem, pin: pin}
	if _, ok := w.header(); !ok {
		// Not initialised, or a layout we do not know: do not rely on it.
		return nil, w.close()
	}
	return w, nil
}

// header is a consistent copy of the header; ok is false when the two copies
// differ (a commit is writing it) or it is not initialised.
func (w *walIndex) header() (h walHeader, ok bool) {
	for i := range h {
		h[i] = w.word(i * 4)
	}
	for i := range h {
		if w.word(walHeaderBytes+i*4) != h[i] {
			return h, false
		}
	}
	var b [4]byte // the word holding isInit, the u8 after iVersion, unused and iChange
	binary.NativeEndian.PutUint32(b[:], h[3])
	return h, b[0] != 0 && h[0] == walIndexVersion
}

// word loads the 32-bit word at off of the mapped header, atomically: other
// connections and processes write it while we read (walIndexWriteHdr).
func (w *walIndex) word(off int) uint32 {
	// The mapping is page-aligned and off a multiple of 4, inside the
	// mapping (openWALIndex checked its size): an aligned uint32.
	return atomic.LoadUint32((*uint32)(unsafe.Pointer(&w.mem[off]))) //nolint:gosec // G103: an aligned word of the mapped -shm file, within its bounds
}

// walIndexVersion is the header's iVersion of the WAL index format this
// reads (WALINDEX_MAX_VERSION since SQLite 3.7.0).
const walIndexVersion = 3007000

func (w *walIndex) close() error {
	if w == nil {
		return nil
	}
	err := syscall.Munmap(w.mem)
	w.mem = nil
	return errors.Join(err, w.pin.Close())
}
