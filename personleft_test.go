package mica_test

import (
	"testing"
	"time"

	"github.com/micahq/mica"
)

func TestPersonLeft(t *testing.T) {
	t.Parallel()
	day := func(y int, m time.Month, d int) int64 { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Unix() / 86400 }
	for _, tt := range []struct {
		name  string
		attrs map[string]any
		left  bool
		day   int64
	}{
		{"active", map[string]any{"status": "Active", "termination_date": ""}, false, 0},
		{"terminated, ISO date", map[string]any{"status": "Terminated", "termination_date": "2024-04-02"}, true, day(2024, 4, 2)},
		{"German, day.month.year", map[string]any{"Status": "ausgetreten", "Austrittsdatum": "31.03.2023"}, true, day(2023, 3, 31)},
		{"French, day/month/year", map[string]any{"statut": "SORTI", "date_sortie": "15/09/2022"}, true, day(2022, 9, 15)},
		{"Dutch, two words", map[string]any{"status": "Uit dienst"}, true, 0},
		{"on leave has not left", map[string]any{"status": "Leave of Absence"}, false, 0},
		{"a future hire has not left", map[string]any{"statut": "A_VENIR"}, false, 0},
		{"suspended has not left", map[string]any{"statut": "SUSPENDU"}, false, 0},
		{"a date and no status", map[string]any{"terminationDate": "2025-01-31T00:00:00Z"}, true, day(2025, 1, 31)},
		{"a status wins over a date", map[string]any{"status": "Active", "endDate": "2020-01-01"}, false, day(2020, 1, 1)},
		{"nothing", map[string]any{"department": "Sales"}, false, 0},
		{"not a string", map[string]any{"status": 3, "terminationDate": true}, false, 0},
		{"nil", nil, false, 0},
	} {
		left, d := mica.PersonLeft(tt.attrs)
		if left != tt.left || d != tt.day {
			t.Errorf("%s: PersonLeft = %v, %d; want %v, %d", tt.name, left, d, tt.left, tt.day)
		}
	}
}

// Names that normalise alike give one answer whatever the map's order: the
// smaller name's value.
func TestPersonLeftSameKeyTwice(t *testing.T) {
	t.Parallel()
	attrs := map[string]any{
		"TerminationDate": "2021-06-30", "termination_date": "2023-03-01",
		"Status": "Terminated", "status": "Active",
	}
	want := time.Date(2021, 6, 30, 0, 0, 0, 0, time.UTC).Unix() / 86400
	for range 200 {
		left, d := mica.PersonLeft(attrs)
		if !left || d != want {
			t.Fatalf("PersonLeft = %v, %d; want true (Status Terminated) and day %d (TerminationDate)", left, d, want)
		}
	}
}
