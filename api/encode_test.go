package api

import (
	"bytes"
	"context"
	"encoding/json"
	"math/rand"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/micahq/mica"
	"github.com/micahq/mica/query"
)

// TestSourceAppDtoJSON checks that the hand-written encoder of a SourceApp page
// writes exactly what encoding/json writes, over random apps with every kind of
// string (HTML characters, quotes, control characters, non-ASCII, invalid
// UTF-8), missing source and owner, password policies and zero times.
func TestSourceAppDtoJSON(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewSource(3))
	pieces := []string{"a", "Z", " ", "<", ">", "&", `"`, `\`, "\n", "\t", "\x01", "\x7f", "é", "\u2028", "\xff", "😀", "/"}
	str := func() string {
		var b bytes.Buffer
		for k := rng.Intn(6); k > 0; k-- {
			b.WriteString(pieces[rng.Intn(len(pieces))])
		}
		return b.String()
	}
	tm := func() time.Time {
		if rng.Intn(5) == 0 {
			return time.Time{}
		}
		return time.Date(1990+rng.Intn(60), time.Month(1+rng.Intn(12)), 1+rng.Intn(28), rng.Intn(24), rng.Intn(60),
			rng.Intn(60), rng.Intn(1e9), time.FixedZone("x", 3600*(rng.Intn(5)-2)))
	}
	for i := 0; i < 2000; i++ {
		n := rng.Intn(4)
		items := make([]*mica.SourceApp, n)
		for k := range items {
			a := &mica.SourceApp{ID: str(), Name: str(), Description: str(), Enabled: rng.Intn(2) == 0,
				ProvisionRequestEnabled: rng.Intn(2) == 0, MatchAllAccounts: rng.Intn(2) == 0,
				AppCenterEnabled: rng.Intn(2) == 0, UseForPasswordManagement: rng.Intn(2) == 0,
				Created: tm(), Modified: tm()}
			if rng.Intn(4) > 0 {
				a.AccountSource = &mica.Ref{Type: "SOURCE", ID: str(), Name: str()}
			}
			if rng.Intn(4) > 0 {
				a.Owner = &mica.Ref{Type: "IDENTITY", ID: str(), Name: str()}
			}
			items[k] = a
		}
		dtos := make([]SourceAppDto, n)
		for k, a := range items {
			dtos[k] = sourceAppDto(a)
			if dtos[k].AccountSource != nil && rng.Intn(3) == 0 {
				dtos[k].AccountSource.PasswordPolicies = []mica.Ref{{Type: "PASSWORD_POLICY", ID: str(), Name: str()}, {}}
			}
		}
		want, err := json.Marshal(dtos)
		if err != nil {
			t.Fatal(err)
		}
		var got []byte
		if n == 0 {
			rec := httptest.NewRecorder()
			writePage(rec, mica.Page[*mica.SourceApp]{Items: items, Total: -1}, sourceAppDto)
			got = rec.Body.Bytes()
		} else {
			got = append(got, '[')
			for k := range dtos {
				if k > 0 {
					got = append(got, ',')
				}
				got = dtos[k].appendJSON(got)
			}
			got = append(got, ']')
		}
		if !bytes.Equal(got, want) {
			t.Fatalf("item set %d:\n got %s\nwant %s", i, got, want)
		}
		// A shared page (a store's cache) is written from the apps' kept JSON:
		// the same bytes and count as writePage, the first time and the next.
		page := mica.Page[*mica.SourceApp]{Items: items, Total: rng.Intn(3) - 1}
		plain := httptest.NewRecorder()
		writePage(plain, page, sourceAppDto)
		page.Shared = true
		page.Kept = make([]*mica.Kept, len(items))
		for k := range page.Kept {
			page.Kept[k] = new(mica.Kept)
		}
		for range 2 {
			rec := httptest.NewRecorder()
			writeSharedApps(rec, page)
			if !bytes.Equal(rec.Body.Bytes(), plain.Body.Bytes()) || rec.Header().Get("X-Total-Count") != plain.Header().Get("X-Total-Count") {
				t.Fatalf("item set %d: shared page %s (count %q), writePage %s (count %q)", i, rec.Body.Bytes(),
					rec.Header().Get("X-Total-Count"), plain.Body.Bytes(), plain.Header().Get("X-Total-Count"))
			}
		}
	}
	// writePage takes the appender: the same bytes through the response.
	items := []*mica.SourceApp{{ID: "1", Name: "<b>", Created: time.Unix(0, 0)}}
	rec := httptest.NewRecorder()
	writePage(rec, mica.Page[*mica.SourceApp]{Items: items, Total: 1}, sourceAppDto)
	want, _ := json.Marshal([]SourceAppDto{sourceAppDto(items[0])})
	if !bytes.Equal(rec.Body.Bytes(), want) || rec.Header().Get("X-Total-Count") != "1" {
		t.Fatalf("writePage wrote %s (X-Total-Count %q), want %s", rec.Body.Bytes(), rec.Header().Get("X-Total-Count"), want)
	}
}

// TestListOptionsRemembered: the options of a query string are remembered per
// version's allowlist, never across them, and only when valid: a filter beta
// refuses on sources (it documents only eq on created) is still refused in beta
// after v2025 accepted the same query string, and an invalid query string is
// refused again every time.
func TestListOptionsRemembered(t *testing.T) {
	t.Parallel()
	get := func(v Version, rawQuery string) (mica.ListOptions, error) {
		r := httptest.NewRequest("GET", "/sources?"+rawQuery, nil)
		r = r.WithContext(context.WithValue(r.Context(), requestInfoKey, &requestInfo{version: v}))
		return listOptions(r, query.ListSources)
	}
	const q = `limit=7&offset=3&count=true&filters=created+gt+%222020-01-01T00%3A00%3A00Z%22&sorters=-name`
	want := mica.ListOptions{Filters: `created gt "2020-01-01T00:00:00Z"`, Sorters: "-name", Limit: 7, Offset: 3, Count: true}
	for range 2 {
		opt, err := get(V2025, q)
		if err != nil || opt != want {
			t.Fatalf("v2025: %+v, %v; want %+v", opt, err, want)
		}
		if _, err := get(Beta, q); err == nil || !strings.Contains(err.Error(), "not supported") {
			t.Fatalf("beta after v2025 accepted it: %v, want a 400", err)
		}
		if _, err := get(V2025, "limit=1000000"); mica.ErrorCode(err) == "" {
			t.Fatal("limit=1000000 accepted")
		}
	}
	if _, ok := parsedLists.get(parsedKey{query.ListSources.For(string(V2025)), q}); !ok {
		t.Fatal("the valid query string was not remembered")
	}
}
