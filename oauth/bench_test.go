package oauth

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"testing"
	"time"
)

func benchSigner(b *testing.B) (*Signer, string) {
	b.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		b.Fatal(err)
	}
	s, err := NewSigner(key)
	if err != nil {
		b.Fatal(err)
	}
	now := time.Now()
	tok, err := s.Sign(&Claims{TenantID: "t", Org: "mica", Pod: "mica", IdentityID: "2c9180835d2e5168015d32f890ca1581",
		UserName: "jane.doe", Authorities: []string{"ORG_ADMIN"}, ClientID: "de000000-0000-4000-8000-000000000001",
		Scope: []string{"sp:scopes:all"}, IssuedAt: now.Unix(), Exp: now.Add(time.Hour).Unix(), JTI: "x"})
	if err != nil {
		b.Fatal(err)
	}
	return s, tok
}

// BenchmarkVerify checks an access token as every authenticated request does:
// "signature" is the first time (ECDSA verification and claim decoding),
// "cached" every later time, until the token expires.
func BenchmarkVerify(b *testing.B) {
	s, tok := benchSigner(b)
	now := time.Now()
	b.Run("signature", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := s.verify(tok, now); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("cached", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := s.Verify(tok, now); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkSign mints one access token (POST /oauth/token).
func BenchmarkSign(b *testing.B) {
	s, _ := benchSigner(b)
	c := &Claims{ClientID: "c", Scope: []string{"sp:scopes:all"}, Exp: time.Now().Add(time.Hour).Unix()}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := s.Sign(c); err != nil {
			b.Fatal(err)
		}
	}
}
