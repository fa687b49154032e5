// Package aggregate reads delimited-file (CSV) account files and drives their
// aggregation into a store: stream the file, stage its accounts in batches,
// then apply them in one transaction (all or nothing). Parsing is pure; the
// store does the commit. See README "Aggregation".
package aggregate

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/micahq/mica"
	"github.com/micahq/mica/internal/jsonenc"
)

// Format is how a source's account file is laid out, from its connectorAttributes.
type Format struct {
	Delimiter     rune            // delimiter (default ',')
	IndexColumn   string          // column with the account id (indexColumn, default "id")
	NameColumn    string          // column with the account name (nameColumn, default "name"; the id when absent)
	MergeRows     bool            // rows sharing an id merge (mergeRows, default false: a repeated id is an error)
	MergeColumns  map[string]bool // multi-valued columns (mergeColumns)
	MultiValueSep string          // separator of several values in one multi-valued cell (multiValueSeparator, default "|")
}

// Limits on one file. The record cap is enforced while the file is read, so a
// huge quoted cell or header costs at most that much memory before the error.
const (
	MaxColumns     = 1024    // columns in the header
	MaxFieldBytes  = 1 << 20 // bytes in one cell
	MaxRecordBytes = 8 << 20 // bytes in one record (the header, or a row with its quoted line breaks)
)

// errRecordTooLarge stops the CSV parser inside a record larger than MaxRecordBytes.
var errRecordTooLarge = errors.New("record too large")

// recordGuard counts the bytes the parser takes since the last record ended
// and fails past the cap. The parser reads ahead through a buffer, so the
// count may run ahead of the record by up to that buffer's size.
type recordGuard struct {
	r   io.Reader
	n   int64
	max int64
}

func (g *recordGuard) Read(p []byte) (int, error) {
	if g.n > g.max {
		return 0, errRecordTooLarge
	}
	n, err := g.r.Read(p)
	g.n += int64(n)
	return n, err
}

// recordEnded resets the count at the end of a record.
func (g *recordGuard) recordEnded() { g.n = 0 }

// FormatOf reads a source's file format from its connectorAttributes.
func FormatOf(src *mica.Source) (Format, error) {
	f := Format{Delimiter: ',', IndexColumn: "id", NameColumn: "name", MultiValueSep: "|", MergeColumns: map[string]bool{}}
	attrs := src.ConnectorAttributes
	str := func(key string, dst *string) error {
		v, ok := attrs[key]
		if !ok || v == nil {
			return nil
		}
		s, ok := v.(string)
		if !ok || s == "" {
			return mica.Errorf(mica.EILLEGAL, "source %q: connectorAttributes.%s must be a non-empty string", src.Name, key)
		}
		*dst = s
		return nil
	}
	var delim string
	for key, dst := range map[string]*string{"indexColumn": &f.IndexColumn, "nameColumn": &f.NameColumn,
		"delimiter": &delim, "multiValueSeparator": &f.MultiValueSep} {
		if err := str(key, dst); err != nil {
			return f, err
		}
	}
	if delim != "" {
		r, size := utf8.DecodeRuneInString(delim)
		if size != len(delim) || r == '"' || r == '\r' || r == '\n' || r == utf8.RuneError {
			return f, mica.Errorf(mica.EILLEGAL, "source %q: connectorAttributes.delimiter must be one character other than a quote or newline", src.Name)
		}
		f.Delimiter = r
	}
	switch v := attrs["mergeRows"].(type) {
	case nil:
	case bool:
		f.MergeRows = v
	case string:
		f.MergeRows = strings.EqualFold(v, "true")
	default:
		return f, mica.Errorf(mica.EILLEGAL, "source %q: connectorAttributes.mergeRows must be a boolean", src.Name)
	}
	switch v := attrs["mergeColumns"].(type) {
	case nil:
	case []any:
		for _, c := range v {
			s, ok := c.(string)
			if !ok {
				return f, mica.Errorf(mica.EILLEGAL, "source %q: connectorAttributes.mergeColumns must be a list of column names", src.Name)
			}
			f.MergeColumns[s] = true
		}
	case string:
		for _, s := range strings.Split(v, ",") {
			if s = strings.TrimSpace(s); s != "" {
				f.MergeColumns[s] = true
			}
		}
	default:
		return f, mica.Errorf(mica.EILLEGAL, "source %q: connectorAttributes.mergeColumns must be a list of column names", src.Name)
	}
	if hasHeader, ok := attrs["hasHeader"].(bool); ok && !hasHeader {
		return f, mica.Errorf(mica.EILLEGAL, "source %q: connectorAttributes.hasHeader is false; mica needs a header row", src.Name)
	}
	return f, nil
}

// Reader streams the accounts of a CSV file, one at a time, merging the
// adjacent rows of one account when the format says so. Errors name the line.
type Reader struct {
	f       Format
	csv     *csv.Reader
	header  []string
	sorted  []string // the header in JSON key order
	order   []int    // the columns in JSON key order
	keys    [][]byte // each column's JSON key and colon
	multi   []bool   // each column is multi-valued (MergeColumns)
	buf     []byte   // encoding the accounts
	index   int      // column of the account id
	name    int      // column of the account name
	special map[string]int
	pending *mica.StagedAccount
	done    bool
	guard   *recordGuard
	line    int // the line of the last record read
}

func lineErr(line int, format string, args ...any) error {
	return mica.Errorf(mica.EILLEGAL, "line %d: %s", line, fmt.Sprintf(format, args...))
}

// NewReader reads the header of r and returns a Reader of its accounts.
func NewReader(r io.Reader, f Format) (*Reader, error) {
	const readAhead = 64 << 10
	guard := &recordGuard{r: r, max: MaxRecordBytes + readAhead}
	br := bufio.NewReaderSize(guard, readAhead)
	if bom, err := br.Peek(3); err == nil && bytes.Equal(bom, []byte{0xEF, 0xBB, 0xBF}) {
		_, _ = br.Discard(3)
	}
	c := csv.NewReader(br)
	c.Comma = f.Delimiter
	c.ReuseRecord = true
	rd := &Reader{f: f, csv: c, special: map[string]int{}, guard: guard}
	header, err := c.Read()
	if errors.Is(err, io.EOF) {
		return nil, mica.Errorf(mica.EILLEGAL, "the file is empty: the first line must be the header row")
	} else if errors.Is(err, errRecordTooLarge) {
		return nil, lineErr(1, "the header is longer than %d bytes", MaxRecordBytes)
	} else if err != nil {
		return nil, csvErr(err)
	}
	guard.recordEnded()
	rd.line = 1
	if len(header) > MaxColumns {
		return nil, lineErr(1, "the header has %d columns, at most %d are allowed", len(header), MaxColumns)
	}
	rd.header = make([]string, len(header))
	seen := map[string]bool{}
	rd.index, rd.name = -1, -1
	for i, h := range header {
		h = strings.TrimSpace(h)
		if !utf8.ValidString(h) {
			return nil, lineErr(1, "column %d of the header is not valid UTF-8", i+1)
		}
		if h == "" {
			return nil, lineErr(1, "column %d of the header is empty", i+1)
		}
		if seen[h] {
			return nil, lineErr(1, "the header names column %q twice", h)
		}
		seen[h] = true
		rd.header[i] = h
		switch h {
		case f.IndexColumn:
			rd.index = i
		case f.NameColumn:
			rd.name = i
		case "IIQDisabled", "IIQLocked":
			rd.special[h] = i
		}
	}
	if rd.index < 0 {
		return nil, lineErr(1, "the header has no column %q (the source's indexColumn); the first line must be the "+
			"header row, e.g. %s", f.IndexColumn, strings.Join([]string{f.IndexColumn, f.NameColumn}, string(f.Delimiter)))
	}
	if rd.name < 0 {
		rd.name = rd.index
	}
	rd.order = make([]int, len(rd.header))
	rd.keys, rd.multi = make([][]byte, len(rd.header)), make([]bool, len(rd.header))
	for i, h := range rd.header {
		rd.order[i] = i
		rd.keys[i] = append(jsonenc.String(nil, h), ':')
		rd.multi[i] = f.MergeColumns[h]
	}
	slices.SortFunc(rd.order, func(i, j int) int { return strings.Compare(rd.header[i], rd.header[j]) })
	rd.sorted = make([]string, len(rd.header))
	for k, i := range rd.order {
		rd.sorted[k] = rd.header[i]
	}
	c.FieldsPerRecord = len(header)
	return rd, nil
}

// Header returns the file's column names.
func (rd *Reader) Header() []string { return rd.header }

func csvErr(err error) error {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		if errors.Is(pe.Err, csv.ErrFieldCount) {
			return lineErr(pe.StartLine, "the row has a different number of fields than the header (a ragged row)")
		}
		return lineErr(pe.Line, "%s", pe.Err.Error())
	}
	return err
}

// Next returns the next account, or io.EOF after the last one.
func (rd *Reader) Next() (*mica.StagedAccount, error) {
	for !rd.done {
		rec, err := rd.csv.Read()
		if errors.Is(err, io.EOF) {
			rd.done = true
			break
		}
		if errors.Is(err, errRecordTooLarge) {
			return nil, lineErr(rd.line+1, "the row that starts after line %d is longer than %d bytes (a cell may lack its closing quote)",
				rd.line, MaxRecordBytes)
		}
		rd.guard.recordEnded()
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) && errors.Is(pe.Err, csv.ErrFieldCount) {
				return nil, lineErr(pe.StartLine, "the row has %d fields, the header has %d (a ragged row)", len(rec), len(rd.header))
			}
			return nil, csvErr(err)
		}
		line, _ := rd.csv.FieldPos(0)
		rd.line, _ = rd.csv.FieldPos(len(rec) - 1)
		a, err := rd.account(rec, line)
		if err != nil {
			return nil, err
		}
		if a == nil { // every cell empty (filterEmptyRecords)
			continue
		}
		if rd.pending == nil {
			rd.pending = a
			continue
		}
		if rd.f.MergeRows && rd.pending.NativeIdentity == a.NativeIdentity {
			rd.merge(rd.pending, a)
			continue
		}
		out := rd.pending
		rd.pending = a
		rd.buf = encode(out, rd.sorted, rd.buf)
		return out, nil
	}
	if rd.pending != nil {
		out := rd.pending
		rd.pending = nil
		rd.buf = encode(out, rd.sorted, rd.buf)
		return out, nil
	}
	return nil, io.EOF
}

// account builds one row's account; nil for a row of empty cells.
func (rd *Reader) account(rec []string, line int) (*mica.StagedAccount, error) {
	empty := true
	for i, v := range rec {
		if !utf8.ValidString(v) {
			return nil, lineErr(line, "column %q is not valid UTF-8", rd.header[i])
		}
		if len(v) > MaxFieldBytes {
			return nil, lineErr(line, "column %q is longer than %d bytes", rd.header[i], MaxFieldBytes)
		}
		if strings.TrimSpace(v) != "" {
			empty = false
		}
	}
	if empty {
		return nil, nil
	}
	id := strings.TrimSpace(rec[rd.index])
	if id == "" {
		return nil, lineErr(line, "the account id column %q is empty", rd.header[rd.index])
	}
	a := &mica.StagedAccount{NativeIdentity: id, Name: strings.TrimSpace(rec[rd.name]), Line: line,
		Attributes: make(map[string]any, len(rec))}
	if a.Name == "" {
		a.Name = id
	}
	// The attributes, and their JSON as encoding/json writes it (keys in
	// order), which encode uses unless rows are merged into the account.
	b := append(rd.buf[:0], '{')
	for _, i := range rd.order {
		v := strings.TrimSpace(rec[i])
		if v == "" {
			continue
		}
		if len(b) > 1 {
			b = append(b, ',')
		}
		b = append(b, rd.keys[i]...)
		col := rd.header[i]
		if !rd.multi[i] {
			a.Attributes[col] = v
			b = jsonenc.String(b, v)
			continue
		}
		vals := rd.values(v)
		a.Attributes[col] = vals
		b, _ = jsonenc.Value(b, vals)
	}
	b = append(b, '}')
	a.AttributesJSON, rd.buf = string(b), b
	if i, ok := rd.special["IIQDisabled"]; ok {
		a.Disabled, _ = strconv.ParseBool(strings.TrimSpace(rec[i]))
	}
	if i, ok := rd.special["IIQLocked"]; ok {
		a.Locked, _ = strconv.ParseBool(strings.TrimSpace(rec[i]))
	}
	return a, nil
}

// values splits a multi-valued cell into its non-empty values (nil when
// there are none).
func (rd *Reader) values(v string) []any {
	var vals []any
	sep := rd.f.MultiValueSep
	if sep == "" {
		for _, p := range strings.Split(v, sep) {
			if p = strings.TrimSpace(p); p != "" {
				vals = append(vals, p)
			}
		}
		return vals
	}
	vals = make([]any, 0, strings.Count(v, sep)+1)
	for {
		p, rest, more := strings.Cut(v, sep)
		if p = strings.TrimSpace(p); p != "" {
			vals = append(vals, p)
		}
		if !more {
			if len(vals) == 0 {
				return nil // as a column of empty values always was
			}
			return vals
		}
		v = rest
	}
}

// merge folds row b into account a: multi-valued columns gather values (without
// repeats); other columns keep a's value unless it is empty.
func (rd *Reader) merge(a, b *mica.StagedAccount) {
	a.AttributesJSON = "" // encode writes it again
	for k, v := range b.Attributes {
		cur, ok := a.Attributes[k]
		if !ok {
			a.Attributes[k] = v
			continue
		}
		if rd.f.MergeColumns[k] {
			list, _ := cur.([]any)
			for _, x := range v.([]any) {
				dup := false
				for _, y := range list {
					dup = dup || y == x
				}
				if !dup {
					list = append(list, x)
				}
			}
			a.Attributes[k] = list
		}
	}
	a.Disabled, a.Locked = a.Disabled || b.Disabled, a.Locked || b.Locked
}
