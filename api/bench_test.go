package api

import (
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/micahq/mica"
)

// discardWriter is a ResponseWriter that keeps nothing, so the benchmark
// measures encoding rather than a recorder's buffer.
type discardWriter struct{ h http.Header }

func (d *discardWriter) Header() http.Header         { return d.h }
func (d *discardWriter) Write(b []byte) (int, error) { return len(b), nil }
func (d *discardWriter) WriteHeader(int)             {}

// BenchmarkWriteSourceAppPage encodes a full page (250 items) of source apps as
// listAllSourceApp answers it.
func BenchmarkWriteSourceAppPage(b *testing.B) {
	t0 := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	page := mica.Page[*mica.SourceApp]{Total: 5000}
	for i := range 250 {
		page.Items = append(page.Items, &mica.SourceApp{
			ID: fmt.Sprintf("2c9180835d2e5168015d32f8%08x", i), Name: fmt.Sprintf("Application %04d", i),
			Description: "An application people sign in to with their directory account", Enabled: true,
			ProvisionRequestEnabled: i%2 == 0, MatchAllAccounts: i%3 == 0, AppCenterEnabled: true,
			AccountSource: &mica.Ref{Type: "SOURCE", ID: "2c9180835d2e5168015d32f890ca1581", Name: "Active Directory"},
			Owner:         &mica.Ref{Type: "IDENTITY", ID: "2c9180835d2e5168015d32f890ca1999", Name: "jane.doe"},
			Created:       t0.Add(time.Duration(i) * time.Minute), Modified: t0.Add(time.Duration(i) * time.Hour),
		})
	}
	w := &discardWriter{h: http.Header{}}
	b.ReportAllocs()
	for b.Loop() {
		writePage(w, page, sourceAppDto)
	}
}
