package oauth

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"

	"github.com/google/uuid"
	"golang.org/x/crypto/bcrypt"
)

// SecretCost is the bcrypt cost of stored client secrets.
const SecretCost = 10

// NewClientID returns a fresh OAuth client id: a dashed UUID, as ISC's are.
func NewClientID() string { return uuid.NewString() }

// NewSecret returns a fresh client secret: 64 lowercase hex characters.
func NewSecret() string {
	var b [32]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// HashSecret returns the slow hash under which a secret is stored.
func HashSecret(secret string) (string, error) {
	if len(secret) > 72 {
		return "", fmt.Errorf("client secret longer than 72 bytes")
	}
	h, err := bcrypt.GenerateFromPassword([]byte(secret), SecretCost)
	if err != nil {
		return "", fmt.Errorf("hash secret: %w", err)
	}
	return string(h), nil
}

// CheckSecret reports whether secret matches hash.
func CheckSecret(hash, secret string) bool {
	if len(secret) > 72 {
		return false
	}
	return bcrypt.CompareHashAndPassword([]byte(hash), []byte(secret)) == nil
}
