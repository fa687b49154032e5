// Package oauth mints and verifies mica's access tokens (ES256 JWTs) and hashes
// client secrets. It knows nothing of HTTP or storage.
package oauth

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"
)

// Claims are the claims of an ISC access token (REFERENCE.md §11).
type Claims struct {
	TenantID            string   `json:"tenant_id"`
	Internal            bool     `json:"internal"`
	Pod                 string   `json:"pod"`
	Org                 string   `json:"org"`
	IdentityID          string   `json:"identity_id,omitempty"`
	UserName            string   `json:"user_name,omitempty"`
	UserID              string   `json:"user_id,omitempty"`
	Authorities         []string `json:"authorities"`
	ClientID            string   `json:"client_id"`
	Scope               []string `json:"scope"`
	StrongAuth          bool     `json:"strong_auth"`
	StrongAuthSupported bool     `json:"strong_auth_supported"`
	IssuedAt            int64    `json:"iat"`
	Exp                 int64    `json:"exp"`
	JTI                 string   `json:"jti"`
}

// ErrToken is wrapped by every verification failure; its text is what a 401 body says.
var ErrToken = errors.New("JWT validation failed")

// Signer signs and verifies ES256 tokens with one P-256 key.
type Signer struct {
	key    *ecdsa.PrivateKey
	kid    string
	header string // base64url of the fixed JOSE header

	// verified caches the claims of tokens whose signature checked out, keyed by
	// the token, until they expire: a signature check costs far more than the
	// rest of a typical request. Only the token's own content is cached; whether
	// its client still exists is the caller's check, made on every request.
	mu       sync.RWMutex
	verified map[string]*Claims
}

// maxVerified bounds the verified-token cache; when full, expired entries go
// first, then everything.
const maxVerified = 10000

// NewSigner returns a signer for key.
func NewSigner(key *ecdsa.PrivateKey) (*Signer, error) {
	if key.Curve != elliptic.P256() {
		return nil, fmt.Errorf("signing key must be P-256")
	}
	der, err := x509.MarshalPKIXPublicKey(&key.PublicKey)
	if err != nil {
		return nil, fmt.Errorf("marshal public key: %w", err)
	}
	sum := sha256.Sum256(der)
	kid := base64.RawURLEncoding.EncodeToString(sum[:12])
	h, _ := json.Marshal(map[string]string{"alg": "ES256", "typ": "JWT", "kid": kid})
	return &Signer{key: key, kid: kid, header: base64.RawURLEncoding.EncodeToString(h),
		verified: make(map[string]*Claims)}, nil
}

// LoadOrCreateKey reads the PEM (PKCS#8) P-256 key at path, creating it with mode 0600 when absent.
func LoadOrCreateKey(path string) (*ecdsa.PrivateKey, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			return nil, fmt.Errorf("generate signing key: %w", err)
		}
		der, err := x509.MarshalPKCS8PrivateKey(key)
		if err != nil {
			return nil, fmt.Errorf("marshal signing key: %w", err)
		}
		if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
			return nil, fmt.Errorf("create key dir: %w", err)
		}
		// Written under a name of its own, then linked into place: a link never
		// replaces a file, so when several servers sharing the data dir start
		// at once, the first key in place wins and the others read it.
		tmp, err := os.CreateTemp(filepath.Dir(path), ".jwt-key-*")
		if err != nil {
			return nil, fmt.Errorf("write signing key: %w", err)
		}
		defer func() { _ = os.Remove(tmp.Name()) }()
		_, err = tmp.Write(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}))
		if err == nil {
			err = tmp.Sync()
		}
		if cerr := tmp.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return nil, fmt.Errorf("write signing key: %w", err)
		}
		if err := os.Link(tmp.Name(), path); errors.Is(err, os.ErrExist) {
			return LoadOrCreateKey(path) // another server put its key in place first
		} else if err != nil {
			return nil, fmt.Errorf("write signing key: %w", err)
		}
		return key, nil
	} else if err != nil {
		return nil, fmt.Errorf("read signing key: %w", err)
	}
	block, _ := pem.Decode(b)
	if block == nil {
		return nil, fmt.Errorf("signing key %s: no PEM block", path)
	}
	k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("parse signing key %s: %w", path, err)
	}
	key, ok := k.(*ecdsa.PrivateKey)
	if !ok {
		return nil, fmt.Errorf("signing key %s is not an ECDSA key", path)
	}
	return key, nil
}

// Sign returns the compact JWS of c.
func (s *Signer) Sign(c *Claims) (string, error) {
	payload, err := json.Marshal(c)
	if err != nil {
		return "", fmt.Errorf("marshal claims: %w", err)
	}
	signing := s.header + "." + base64.RawURLEncoding.EncodeToString(payload)
	digest := sha256.Sum256([]byte(signing))
	r, sv, err := ecdsa.Sign(rand.Reader, s.key, digest[:])
	if err != nil {
		return "", fmt.Errorf("sign token: %w", err)
	}
	sig := make([]byte, 64)
	r.FillBytes(sig[:32])
	sv.FillBytes(sig[32:])
	return signing + "." + base64.RawURLEncoding.EncodeToString(sig), nil
}

// Verify checks the token's form, algorithm, signature and expiry at now and returns its claims.
// Every error wraps ErrToken and reads like ISC's: "JWT validation failed: JWT is expired".
// A token verified before is recognised without checking its signature again
// (until it expires). The returned claims are the caller's; their slices are
// shared with the cache and must not be modified.
func (s *Signer) Verify(token string, now time.Time) (*Claims, error) {
	s.mu.RLock()
	c, ok := s.verified[token]
	s.mu.RUnlock()
	if ok {
		if now.Unix() >= c.Exp {
			return nil, fmt.Errorf("%w: %s", ErrToken, "JWT is expired")
		}
		cp := *c
		return &cp, nil
	}
	c, err := s.verify(token, now)
	if err != nil {
		return nil, err
	}
	s.remember(token, c, now)
	cp := *c
	return &cp, nil
}

// remember caches the claims of a verified token.
func (s *Signer) remember(token string, c *Claims, now time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.verified == nil {
		s.verified = make(map[string]*Claims)
	}
	if len(s.verified) >= maxVerified {
		for t, v := range s.verified {
			if now.Unix() >= v.Exp {
				delete(s.verified, t)
			}
		}
		if len(s.verified) >= maxVerified {
			clear(s.verified)
		}
	}
	s.verified[token] = c
}

// verify is Verify without the cache.
func (s *Signer) verify(token string, now time.Time) (*Claims, error) {
	fail := func(why string) error { return fmt.Errorf("%w: %s", ErrToken, why) }
	if len(token) > 8192 {
		return nil, fail("JWT is too long")
	}
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return nil, fail("JWT is malformed")
	}
	hb, err := base64.RawURLEncoding.DecodeString(parts[0])
	if err != nil {
		return nil, fail("JWT header is malformed")
	}
	var hdr struct {
		Alg string `json:"alg"`
	}
	if err := json.Unmarshal(hb, &hdr); err != nil {
		return nil, fail("JWT header is malformed")
	}
	if hdr.Alg != "ES256" {
		return nil, fail("JWT algorithm is not accepted")
	}
	sig, err := base64.RawURLEncoding.DecodeString(parts[2])
	if err != nil || len(sig) != 64 {
		return nil, fail("JWT signature is invalid")
	}
	digest := sha256.Sum256([]byte(parts[0] + "." + parts[1]))
	r, sv := new(big.Int).SetBytes(sig[:32]), new(big.Int).SetBytes(sig[32:])
	if !ecdsa.Verify(&s.key.PublicKey, digest[:], r, sv) {
		return nil, fail("JWT signature is invalid")
	}
	pb, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		return nil, fail("JWT payload is malformed")
	}
	var c Claims
	if err := json.Unmarshal(pb, &c); err != nil {
		return nil, fail("JWT payload is malformed")
	}
	if c.Exp == 0 || now.Unix() >= c.Exp {
		return nil, fail("JWT is expired")
	}
	return &c, nil
}

// JWKS returns the JSON Web Key Set holding the verification key.
func (s *Signer) JWKS() map[string]any {
	raw, err := s.key.PublicKey.Bytes() // uncompressed point: 0x04 || X || Y
	if err != nil || len(raw) != 65 {
		return map[string]any{"keys": []any{}}
	}
	x, y := raw[1:33], raw[33:65]
	return map[string]any{"keys": []map[string]string{{
		"kty": "EC", "crv": "P-256", "use": "sig", "alg": "ES256", "kid": s.kid,
		"x": base64.RawURLEncoding.EncodeToString(x), "y": base64.RawURLEncoding.EncodeToString(y),
	}}}
}
