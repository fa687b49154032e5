package mica

import (
	"crypto/rand"
	"encoding/hex"

	"github.com/google/uuid"
)

// NewID returns a fresh resource id: 32 lowercase hex characters, as ISC ids are.
func NewID() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails on supported platforms
	return hex.EncodeToString(b[:])
}

// IsID reports whether s has the shape of a resource id (32 lowercase hex characters).
func IsID(s string) bool {
	if len(s) != 32 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

// NewUUID returns a fresh random (version 4) UUID in its canonical form, the id
// form of ISC's newer services (source subtypes, machine identities, lifecycle
// action requests).
func NewUUID() string { return uuid.NewString() }
