package oauth_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/micahq/mica/oauth"
)

func newSigner(t *testing.T) *oauth.Signer {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	s, err := oauth.NewSigner(key)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestSignVerify(t *testing.T) {
	s := newSigner(t)
	now := time.Now()
	tok, err := s.Sign(&oauth.Claims{ClientID: "c1", IdentityID: "i1", Authorities: []string{"ORG_ADMIN"},
		Scope: []string{"sp:scopes:all"}, Exp: now.Add(time.Minute).Unix(), JTI: "j1"})
	if err != nil {
		t.Fatal(err)
	}
	c, err := s.Verify(tok, now)
	if err != nil {
		t.Fatal(err)
	}
	if c.ClientID != "c1" || c.IdentityID != "i1" || c.Authorities[0] != "ORG_ADMIN" || c.JTI != "j1" {
		t.Fatalf("claims %+v", c)
	}
	// Expired: after exp, also for a token verified (and cached) before.
	if _, err := s.Verify(tok, now.Add(2*time.Minute)); !errors.Is(err, oauth.ErrToken) || !strings.Contains(err.Error(), "JWT is expired") {
		t.Fatalf("expired: %v", err)
	}
	parts := strings.Split(tok, ".")
	bad := map[string]string{
		"tampered payload": parts[0] + "." + base64.RawURLEncoding.EncodeToString([]byte(`{"client_id":"c2","exp":9999999999}`)) + "." + parts[2],
		"tampered sig":     parts[0] + "." + parts[1] + "." + base64.RawURLEncoding.EncodeToString(make([]byte, 64)),
		"alg none":         base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"none"}`)) + "." + parts[1] + ".",
		"two parts":        parts[0] + "." + parts[1],
		"garbage":          "not-a-token",
		"empty":            "",
		"too long":         strings.Repeat("a", 9000),
	}
	for name, tk := range bad {
		if _, err := s.Verify(tk, now); !errors.Is(err, oauth.ErrToken) {
			t.Errorf("%s: err = %v, want ErrToken", name, err)
		}
	}
	// Another key's token is refused.
	other := newSigner(t)
	tok2, _ := other.Sign(&oauth.Claims{ClientID: "c1", Exp: now.Add(time.Minute).Unix()})
	if _, err := s.Verify(tok2, now); !errors.Is(err, oauth.ErrToken) {
		t.Fatalf("other key: %v", err)
	}
}

// TestJWKSVerifiesTokens checks that the published key set is the one that signs.
func TestJWKSVerifiesTokens(t *testing.T) {
	s := newSigner(t)
	tok, _ := s.Sign(&oauth.Claims{ClientID: "c", Exp: time.Now().Add(time.Minute).Unix()})
	keys := s.JWKS()["keys"].([]map[string]string)
	if len(keys) != 1 || keys[0]["kty"] != "EC" || keys[0]["alg"] != "ES256" {
		t.Fatalf("jwks %v", keys)
	}
	x, _ := base64.RawURLEncoding.DecodeString(keys[0]["x"])
	y, _ := base64.RawURLEncoding.DecodeString(keys[0]["y"])
	pub, err := ecdsa.ParseUncompressedPublicKey(elliptic.P256(), append(append([]byte{4}, x...), y...))
	if err != nil {
		t.Fatal(err)
	}
	parts := strings.Split(tok, ".")
	sig, _ := base64.RawURLEncoding.DecodeString(parts[2])
	digest := sha256.Sum256([]byte(parts[0] + "." + parts[1]))
	if !ecdsa.Verify(pub, digest[:], new(big.Int).SetBytes(sig[:32]), new(big.Int).SetBytes(sig[32:])) {
		t.Fatal("the JWKS key does not verify the signer's token")
	}
}

func TestLoadOrCreateKey(t *testing.T) {
	path := filepath.Join(t.TempDir(), "keys", "jwt.pem")
	k1, err := oauth.LoadOrCreateKey(path)
	if err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(path)
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("key file mode %v err %v", st.Mode().Perm(), err)
	}
	k2, err := oauth.LoadOrCreateKey(path)
	if err != nil || !k1.Equal(k2) {
		t.Fatalf("reloaded key differs: %v", err)
	}
	if err := os.WriteFile(path, []byte("not a key"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := oauth.LoadOrCreateKey(path); err == nil {
		t.Fatal("a corrupt key file was accepted")
	}
}

func TestSecrets(t *testing.T) {
	sec := oauth.NewSecret()
	if len(sec) != 64 || sec == oauth.NewSecret() {
		t.Fatalf("secret %q", sec)
	}
	hash, err := oauth.HashSecret(sec)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(hash, sec) || !strings.HasPrefix(hash, "$2") {
		t.Fatalf("hash %q is not a bcrypt hash hiding the secret", hash)
	}
	if !oauth.CheckSecret(hash, sec) || oauth.CheckSecret(hash, sec+"x") || oauth.CheckSecret(hash, strings.Repeat("a", 100)) {
		t.Fatal("CheckSecret answers wrongly")
	}
	if _, err := oauth.HashSecret(strings.Repeat("a", 73)); err == nil {
		t.Fatal("a secret over bcrypt's 72 bytes was hashed")
	}
	if id := oauth.NewClientID(); len(id) != 36 || strings.Count(id, "-") != 4 {
		t.Fatalf("client id %q is not a dashed UUID", id)
	}
}

// TestLoadOrCreateKeyConcurrently: servers sharing a data dir that start at
// once all end up with the one key on disk.
func TestLoadOrCreateKeyConcurrently(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "keys", "jwt-es256.pem")
	const n = 8
	keys := make([]*ecdsa.PrivateKey, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			keys[i], errs[i] = oauth.LoadOrCreateKey(path)
		}()
	}
	wg.Wait()
	onDisk, err := oauth.LoadOrCreateKey(path)
	if err != nil {
		t.Fatal(err)
	}
	for i := range n {
		if errs[i] != nil {
			t.Fatalf("creator %d: %v", i, errs[i])
		}
		if !keys[i].Equal(onDisk) {
			t.Fatalf("creator %d uses a key that is not the one on disk", i)
		}
	}
	if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("key file: %v, mode %v", err, fi.Mode())
	}
	if left, _ := filepath.Glob(filepath.Join(filepath.Dir(path), ".jwt-key-*")); len(left) != 0 {
		t.Fatalf("temporary files left: %v", left)
	}
}
