// Package secrets seals connector secrets (a directory's bind password) with
// AES-256-GCM under a key kept in a file of the data dir (mode 0600), created
// on first need. Sealed values are text ("mica-aes-gcm:v1:" and base64 of
// nonce and ciphertext), stored as they are by either store, so that
// PostgreSQL holds them encrypted too; the key never leaves the server's disk.
package secrets

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/micahq/mica"
)

// Prefix starts every sealed value.
const Prefix = "mica-aes-gcm:v1:"

// KeyFile is the key's file name in the data dir.
const KeyFile = "secrets.key"

const keySize = 32 // AES-256

// Box seals and opens secrets with the key at Path (mica.SecretBox).
type Box struct {
	Path string

	mu   sync.Mutex
	aead cipher.AEAD
}

// New returns a Box whose key is the file at path; the file is read, or
// created, on first use.
func New(path string) *Box { return &Box{Path: path} }

var _ mica.SecretBox = (*Box)(nil)

// Seal encrypts plaintext under a fresh random nonce.
func (b *Box) Seal(plaintext string) (string, error) {
	aead, err := b.key(true)
	if err != nil {
		return "", err
	}
	nonce := make([]byte, aead.NonceSize(), aead.NonceSize()+len(plaintext)+aead.Overhead())
	if _, err := rand.Read(nonce); err != nil {
		return "", fmt.Errorf("seal secret: %w", err)
	}
	out := aead.Seal(nonce, nonce, []byte(plaintext), []byte(Prefix))
	return Prefix + base64.RawStdEncoding.EncodeToString(out), nil
}

// Open decrypts a value Seal returned. A value sealed under another key (a
// server whose data dir lacks this key file) is EUNAVAILABLE saying so.
func (b *Box) Open(sealed string) (string, error) {
	rest, ok := strings.CutPrefix(sealed, Prefix)
	if !ok {
		return "", mica.Errorf(mica.EILLEGAL, "the stored secret is not sealed by mica; set it again")
	}
	raw, err := base64.RawStdEncoding.DecodeString(rest)
	if err != nil {
		return "", mica.Errorf(mica.EILLEGAL, "the stored secret is damaged; set it again")
	}
	aead, err := b.key(false)
	if err != nil {
		return "", err
	}
	if len(raw) < aead.NonceSize() {
		return "", mica.Errorf(mica.EILLEGAL, "the stored secret is damaged; set it again")
	}
	plain, err := aead.Open(nil, raw[:aead.NonceSize()], raw[aead.NonceSize():], []byte(Prefix))
	if err != nil {
		return "", mica.Errorf(mica.EUNAVAILABLE, "the stored secret cannot be decrypted with this server's key file (%s): "+
			"servers sharing a database need the same key file; or set the secret again", filepath.Base(b.Path))
	}
	return string(plain), nil
}

// key returns the cipher, reading the key file, or creating it when create is set.
func (b *Box) key(create bool) (cipher.AEAD, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.aead != nil {
		return b.aead, nil
	}
	k, err := os.ReadFile(b.Path)
	if errors.Is(err, os.ErrNotExist) {
		if !create {
			return nil, mica.Errorf(mica.EUNAVAILABLE, "the secrets key file %s is missing: the stored secret cannot be "+
				"decrypted; copy the key file from the server that stored it, or set the secret again", b.Path)
		}
		if k, err = createKey(b.Path); err != nil {
			return nil, err
		}
	} else if err != nil {
		return nil, fmt.Errorf("read secrets key: %w", err)
	}
	if len(k) != keySize {
		return nil, fmt.Errorf("secrets key %s: %d bytes, want %d", b.Path, len(k), keySize)
	}
	block, err := aes.NewCipher(k)
	if err != nil {
		return nil, fmt.Errorf("secrets key: %w", err)
	}
	if b.aead, err = cipher.NewGCM(block); err != nil {
		return nil, fmt.Errorf("secrets key: %w", err)
	}
	return b.aead, nil
}

// createKey writes a new random key to path (mode 0600). It is written under a
// name of its own and linked into place: when two servers sharing the data
// dir create it at once, the first in place wins and the other reads it.
func createKey(path string) ([]byte, error) {
	k := make([]byte, keySize)
	if _, err := rand.Read(k); err != nil {
		return nil, fmt.Errorf("generate secrets key: %w", err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("create key dir: %w", err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".secrets-key-*")
	if err != nil {
		return nil, fmt.Errorf("write secrets key: %w", err)
	}
	defer func() { _ = os.Remove(tmp.Name()) }()
	err = tmp.Chmod(0o600)
	if err == nil {
		_, err = tmp.Write(k)
	}
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return nil, fmt.Errorf("write secrets key: %w", err)
	}
	if err := os.Link(tmp.Name(), path); errors.Is(err, os.ErrExist) {
		return os.ReadFile(path)
	} else if err != nil {
		return nil, fmt.Errorf("write secrets key: %w", err)
	}
	return k, nil
}
