package oauth

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
)

// TestVerifyCache: a cached token is still refused once expired, a token that
// differs from a cached one in its signature is checked afresh, and the cache
// stays bounded.
func TestVerifyCache(t *testing.T) {
	t.Parallel()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	s, err := NewSigner(key)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Unix(1_700_000_000, 0)
	tok, err := s.Sign(&Claims{ClientID: "c1", Exp: now.Add(time.Minute).Unix()})
	if err != nil {
		t.Fatal(err)
	}
	for range 2 { // the second time from the cache
		c, err := s.Verify(tok, now)
		if err != nil || c.ClientID != "c1" {
			t.Fatalf("Verify = %+v, %v", c, err)
		}
		c.ClientID = "changed by the caller"
	}
	if _, err := s.Verify(tok, now.Add(time.Minute)); !errors.Is(err, ErrToken) || !strings.Contains(err.Error(), "expired") {
		t.Fatalf("expired cached token: %v", err)
	}
	_, sig, _ := strings.Cut(tok[strings.IndexByte(tok, '.')+1:], ".")
	forged := tok[:len(tok)-len(sig)] + strings.Repeat("A", len(sig))
	if _, err := s.Verify(forged, now); !errors.Is(err, ErrToken) {
		t.Fatalf("forged signature accepted: %v", err)
	}
	for i := range maxVerified + 10 {
		s.remember(fmt.Sprint("token-", i), &Claims{Exp: now.Add(time.Minute).Unix()}, now)
	}
	if n := len(s.verified); n > maxVerified {
		t.Fatalf("cache holds %d tokens, more than %d", n, maxVerified)
	}
}
