package aggregate

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"slices"
	"strings"
	"testing"

	"github.com/micahq/mica"
)

// oldHash is the hash as it was computed before encode: stored content hashes
// must keep their meaning, or every account would look changed once.
func oldHash(a *mica.StagedAccount) string {
	b, _ := json.Marshal(struct {
		N string         `json:"n"`
		A map[string]any `json:"a"`
		D bool           `json:"d"`
		L bool           `json:"l"`
	}{a.Name, a.Attributes, a.Disabled, a.Locked})
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:16])
}

func checkEncode(t *testing.T, a *mica.StagedAccount, sorted []string) {
	t.Helper()
	want, err := json.Marshal(a.Attributes)
	if err != nil {
		t.Fatal(err)
	}
	a.AttributesJSON = ""
	encode(a, sorted, nil)
	if a.AttributesJSON != string(want) {
		t.Fatalf("attributes JSON\n got %s\nwant %s", a.AttributesJSON, want)
	}
	if h := oldHash(a); a.Hash != h {
		t.Fatalf("hash of %+v = %s, want %s", a, a.Hash, h)
	}
}

func TestEncodeMatchesEncodingJSON(t *testing.T) {
	t.Parallel()
	cases := []map[string]any{
		nil,
		{},
		{"id": "1", "name": "a"},
		{"b": "x", "a": "y", "A": "z", "é": "ü", "a b": "<tag> & \"quoted\" \\ \u2028\u2029 \x01 \t\n"},
		{"groups": []any{"Employees", "IT"}, "empty": []any(nil), "none": []any{}, "null": nil},
		{"n": 1.5, "s": "x"},             // left to encoding/json
		{"i": 3, "b": true, "s": "\xff"}, // an int, a bool, invalid UTF-8
		{"nested": []any{"a", []any{"b"}, map[string]any{"c": "d"}}},
	}
	for _, attrs := range cases {
		for _, locked := range []bool{false, true} {
			a := &mica.StagedAccount{NativeIdentity: "1", Name: "<Jane> & \"Doe\"", Attributes: attrs, Locked: locked, Disabled: !locked}
			checkEncode(t, a, nil)
			keys := make([]string, 0, len(attrs))
			for k := range attrs {
				keys = append(keys, k)
			}
			slices.Sort(keys)
			checkEncode(t, a, keys)
			checkEncode(t, a, append(keys, "zz-not-there"))
			if len(keys) > 1 {
				checkEncode(t, a, keys[1:]) // a key missing from sorted
			}
		}
	}
}

func FuzzEncode(f *testing.F) {
	f.Add("id", "1", "name", "<a>&b", "x|y", true)
	f.Add("é", "\u2028", "", "\x00", "", false)
	f.Fuzz(func(t *testing.T, k1, v1, k2, v2, list string, disabled bool) {
		attrs := map[string]any{k1: v1, k2: v2, "list": []any{list, v1}}
		checkEncode(t, &mica.StagedAccount{Name: v2, Attributes: attrs, Disabled: disabled}, nil)
	})
}

// TestReaderEncodes: the JSON the reader writes while parsing a row (and
// after merging rows) is encoding/json's, and the hash is as it was.
func TestReaderEncodes(t *testing.T) {
	t.Parallel()
	file := "id,name,groups,b,a,Z,é,IIQDisabled\n" +
		"1, Jane <Doe> ,Employees| IT ||,x,\"q\"\"uote\",,ü,true\n" +
		"2,,,,,,,\n" +
		"2,two,Sales,y,,,,false\n" +
		"3,three, | ,&amp;,\u2028,\t,\x7f,\n" +
		",,,,,,,\n" +
		"4,four,A|B,,,,,yes\n"
	for _, merge := range []bool{false, true} {
		f := Format{Delimiter: ',', IndexColumn: "id", NameColumn: "name", MultiValueSep: "|", MergeRows: merge,
			MergeColumns: map[string]bool{"groups": true}}
		rd, err := NewReader(strings.NewReader(file), f)
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for {
			a, err := rd.Next()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				if !merge && strings.Contains(err.Error(), "duplicate") {
					break
				}
				t.Fatal(err)
			}
			n++
			want, _ := json.Marshal(a.Attributes)
			if a.AttributesJSON != string(want) {
				t.Fatalf("merge %v, account %s: attributes JSON\n got %s\nwant %s", merge, a.NativeIdentity, a.AttributesJSON, want)
			}
			if h := oldHash(a); a.Hash != h {
				t.Fatalf("merge %v, account %s: hash %s, want %s", merge, a.NativeIdentity, a.Hash, h)
			}
			// A multi-valued cell of empty values is null, as it always was.
			if a.NativeIdentity == "3" && !strings.Contains(a.AttributesJSON, `"groups":null`) {
				t.Fatalf("account 3: %s", a.AttributesJSON)
			}
		}
		if n < 4 {
			t.Fatalf("merge %v: %d accounts", merge, n)
		}
	}
}
