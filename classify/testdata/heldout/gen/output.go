package main

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// format is how a file is read: the connectorAttributes of a delimited-file
// source in mica (and ISC).
type format struct {
	IndexColumn         string   `json:"indexColumn"`
	NameColumn          string   `json:"nameColumn,omitempty"`
	Delimiter           string   `json:"delimiter"`
	MergeColumns        []string `json:"mergeColumns,omitempty"`
	MultiValueSeparator string   `json:"multiValueSeparator,omitempty"`
	MergeRows           bool     `json:"mergeRows,omitempty"`
}

type fileSpec struct {
	File                string `json:"file"`
	ConnectorAttributes format `json:"connectorAttributes"`
}

// correlation says which account attribute holds the value of which identity
// attribute (ISC's attributeAssignments: identity property = account value).
type correlation struct {
	AccountAttribute  string `json:"accountAttribute"`
	IdentityAttribute string `json:"identityAttribute"`
}

// manifest is an organisation's source.json: how to read its files.
type manifest struct {
	Org         string            `json:"org"`
	Name        string            `json:"name"`
	Country     string            `json:"country"`
	Language    string            `json:"language"`
	ExportTime  string            `json:"exportTime"`
	Accounts    fileSpec          `json:"accounts"`
	Identities  fileSpec          `json:"identities"`
	Correlation []correlation     `json:"correlation"`
	TimeFormats map[string]string `json:"timeFormats"`
	Notes       string            `json:"notes"`
}

// table is a file's header and rows.
type table struct {
	header []string
	rows   [][]string
}

func (t *table) add(row map[string]string) {
	out := make([]string, len(t.header))
	for i, h := range t.header {
		out[i] = row[h]
	}
	for k := range row {
		if !containsStr(t.header, k) {
			panic("column " + k + " not in header")
		}
	}
	t.rows = append(t.rows, out)
}

func containsStr(xs []string, x string) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}

// encode writes a delimited file: quoteAll quotes every field as PowerShell's
// Export-Csv does, else only fields that need it.
func (t *table) encode(delim rune, quoteAll, bom bool) []byte {
	var b bytes.Buffer
	if bom {
		b.WriteString("\xEF\xBB\xBF")
	}
	line := func(fields []string) {
		for i, f := range fields {
			if i > 0 {
				b.WriteRune(delim)
			}
			if quoteAll || strings.ContainsRune(f, delim) || strings.ContainsAny(f, "\"\r\n") || strings.HasPrefix(f, " ") {
				b.WriteByte('"')
				b.WriteString(strings.ReplaceAll(f, `"`, `""`))
				b.WriteByte('"')
				continue
			}
			b.WriteString(f)
		}
		b.WriteByte('\n')
	}
	line(t.header)
	for _, r := range t.rows {
		line(r)
	}
	return b.Bytes()
}

// orgFiles is what one organisation writes.
type orgFiles struct {
	manifest   manifest
	accounts   []byte
	identities []byte
	labels     [][]string // id, machine, category, note
	saas       map[string][]byte
}

func labelsCSV(rows [][]string) []byte {
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	_ = w.Write([]string{"id", "machine", "category", "note"})
	for _, r := range rows {
		_ = w.Write(r)
	}
	w.Flush()
	return b.Bytes()
}

func labelRow(id string, a *adObj) []string {
	return []string{id, strconv.FormatBool(a.machine()), a.category, a.note}
}

func (o *orgFiles) write(dir string) error {
	dir = filepath.Join(dir, o.manifest.Org)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	m, err := json.MarshalIndent(o.manifest, "", "  ")
	if err != nil {
		return err
	}
	files := map[string][]byte{
		"source.json":              append(m, '\n'),
		o.manifest.Accounts.File:   o.accounts,
		o.manifest.Identities.File: o.identities,
		"labels.csv":               labelsCSV(o.labels),
	}
	for name, b := range o.saas {
		files[name] = b
	}
	for name, b := range files {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			return fmt.Errorf("write %s: %w", name, err)
		}
	}
	return nil
}
