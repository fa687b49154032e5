package secrets_test

import (
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/micahq/mica"
	"github.com/micahq/mica/secrets"
)

func TestSealOpen(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, secrets.KeyFile)
	box := secrets.New(path)
	if _, err := box.Open(secrets.Prefix + "AAAA"); mica.ErrorCode(err) != mica.EUNAVAILABLE ||
		!strings.Contains(mica.ErrorMessage(err), "missing") {
		t.Fatalf("open without a key file: %v", err)
	}
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Fatalf("Open created the key file: %v", err)
	}
	a, err := box.Seal("hunter2")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := box.Seal("hunter2")
	if a == b || !strings.HasPrefix(a, secrets.Prefix) || strings.Contains(a, "hunter2") {
		t.Fatalf("sealed values %q %q: want distinct, prefixed, without the clear text", a, b)
	}
	fi, err := os.Stat(path)
	if err != nil || fi.Mode().Perm() != 0o600 || fi.Size() != 32 {
		t.Fatalf("key file: %v %v", fi, err)
	}
	// A second box on the same file (a restart) opens what the first sealed.
	got, err := secrets.New(path).Open(a)
	if err != nil || got != "hunter2" {
		t.Fatalf("open: %q %v", got, err)
	}
	// A tampered value, or another key, does not open.
	tampered := a[:len(a)-2] + "AA"
	if tampered == a {
		tampered = a[:len(a)-2] + "BB"
	}
	if _, err := box.Open(tampered); err == nil {
		t.Fatal("a tampered value opened")
	}
	other := secrets.New(filepath.Join(t.TempDir(), secrets.KeyFile))
	if _, err := other.Seal("x"); err != nil {
		t.Fatal(err)
	}
	if _, err := other.Open(a); mica.ErrorCode(err) != mica.EUNAVAILABLE || !strings.Contains(mica.ErrorMessage(err), "same key file") {
		t.Fatalf("open under another key: %v", err)
	}
	if _, err := box.Open("clear text"); mica.ErrorCode(err) != mica.EILLEGAL {
		t.Fatalf("open of an unsealed value: %v", err)
	}
}

// Boxes on one fresh data dir creating the key at once agree on it.
func TestConcurrentKeyCreation(t *testing.T) {
	path := filepath.Join(t.TempDir(), secrets.KeyFile)
	sealed := make([]string, 8)
	var wg sync.WaitGroup
	for i := range sealed {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s, err := secrets.New(path).Seal("pw")
			if err != nil {
				t.Error(err)
			}
			sealed[i] = s
		}()
	}
	wg.Wait()
	for _, s := range sealed {
		if got, err := secrets.New(path).Open(s); err != nil || got != "pw" {
			t.Fatalf("open %q: %q %v", s, got, err)
		}
	}
}
