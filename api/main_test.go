package api_test

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

// TestMain stops at once, with one clear message, when the official reference
// the tests validate against is not beside the checkout.
func TestMain(m *testing.M) {
	if _, err := os.Stat(specDir); err != nil {
		abs, _ := filepath.Abs(specDir)
		fmt.Fprintf(os.Stderr, "the api tests validate answers against the official OpenAPI documents in %s, "+
			"which is missing (%v): put the shared folder (reference/, seeds/) beside the checkout, as CI does\n", abs, err)
		os.Exit(1)
	}
	os.Exit(m.Run())
}
