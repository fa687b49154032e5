// Package seed reads and writes tenant files: a whole tenant declared in YAML
// or JSON (identities, sources with their connector attributes, correlation
// and classification configs and accounts, access profiles and who holds
// them, source apps, OAuth clients with fixed ids and secrets, fault rules),
// which `mica serve --seed` loads and `mica export tenant` writes.
//
// Loading creates what the tenant lacks and never deletes: objects are found
// by id when the file gives one, else by name, and one that exists is left as
// it is, so loading a file twice changes nothing the second time. A source's
// correlation and classification configs and a client's secret are set to the
// file's. Every error names the file, the line and the field.
package seed

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"

	"go.yaml.in/yaml/v3"
)

// File is a tenant file.
type File struct {
	Tenant         *Tenant          `yaml:"tenant,omitempty" json:"tenant,omitempty"`
	Identities     []Identity       `yaml:"identities,omitempty" json:"identities,omitempty"`
	Sources        []Source         `yaml:"sources,omitempty" json:"sources,omitempty"`
	AccessProfiles []AccessProfile  `yaml:"accessProfiles,omitempty" json:"accessProfiles,omitempty"`
	Apps           []App            `yaml:"apps,omitempty" json:"apps,omitempty"`
	Clients        []Client         `yaml:"clients,omitempty" json:"clients,omitempty"`
	Faults         []map[string]any `yaml:"faults,omitempty" json:"faults,omitempty"`

	name   string       // the file, for errors
	dir    string       // where accountsFile paths start
	faults []*yaml.Node // the fault rules' nodes, for errors
}

// Tenant holds the tenant's settings.
type Tenant struct {
	Name string `yaml:"name,omitempty" json:"name,omitempty"`
}

// Identity is an identity of the tenant.
type Identity struct {
	ID         string         `yaml:"id,omitempty" json:"id,omitempty"`
	Name       string         `yaml:"name" json:"name"`
	Alias      string         `yaml:"alias,omitempty" json:"alias,omitempty"`
	FirstName  string         `yaml:"firstName,omitempty" json:"firstName,omitempty"`
	LastName   string         `yaml:"lastName,omitempty" json:"lastName,omitempty"`
	Email      string         `yaml:"email,omitempty" json:"email,omitempty"`
	Levels     []string       `yaml:"levels,omitempty" json:"levels,omitempty"`
	Status     string         `yaml:"status,omitempty" json:"status,omitempty"`
	Manager    string         `yaml:"manager,omitempty" json:"manager,omitempty"` // an identity's id or name
	Attributes map[string]any `yaml:"attributes,omitempty" json:"attributes,omitempty"`
	pos        `yaml:"-" json:"-"`
}

// Source is a source with its configs and accounts.
type Source struct {
	ID                        string         `yaml:"id,omitempty" json:"id,omitempty"`
	Name                      string         `yaml:"name" json:"name"`
	Description               string         `yaml:"description,omitempty" json:"description,omitempty"`
	Owner                     string         `yaml:"owner" json:"owner"` // an identity's id or name
	Type                      string         `yaml:"type,omitempty" json:"type,omitempty"`
	Connector                 string         `yaml:"connector" json:"connector"`
	ConnectorClass            string         `yaml:"connectorClass,omitempty" json:"connectorClass,omitempty"`
	ConnectorName             string         `yaml:"connectorName,omitempty" json:"connectorName,omitempty"`
	ConnectorID               string         `yaml:"connectorId,omitempty" json:"connectorId,omitempty"`
	ConnectorImplementationID string         `yaml:"connectorImplementationId,omitempty" json:"connectorImplementationId,omitempty"`
	ConnectionType            string         `yaml:"connectionType,omitempty" json:"connectionType,omitempty"`
	ConnectorAttributes       map[string]any `yaml:"connectorAttributes,omitempty" json:"connectorAttributes,omitempty"`
	DeleteThreshold           int            `yaml:"deleteThreshold,omitempty" json:"deleteThreshold,omitempty"`
	Authoritative             bool           `yaml:"authoritative,omitempty" json:"authoritative,omitempty"`
	Features                  []string       `yaml:"features,omitempty" json:"features,omitempty"`
	Category                  string         `yaml:"category,omitempty" json:"category,omitempty"`
	// Correlation is the correlation config's attribute assignments
	// (CorrelationConfig.attributeAssignments).
	Correlation []map[string]any `yaml:"correlation,omitempty" json:"correlation,omitempty"`
	// Classification is the machine classification config as the API takes it
	// (enabled, classificationMethod, criteria).
	Classification map[string]any `yaml:"classification,omitempty" json:"classification,omitempty"`
	Accounts       []Account      `yaml:"accounts,omitempty" json:"accounts,omitempty"`
	// AccountsFile is a CSV of more accounts, relative to the tenant file: a
	// header row, the source's indexColumn (default "id") and nameColumn
	// (default "name") connector attributes naming the identity and name
	// columns, every column an attribute.
	AccountsFile string `yaml:"accountsFile,omitempty" json:"accountsFile,omitempty"`
	pos          `yaml:"-" json:"-"`
}

// Account is an account of a source.
type Account struct {
	ID             string         `yaml:"id,omitempty" json:"id,omitempty"`
	NativeIdentity string         `yaml:"nativeIdentity" json:"nativeIdentity"`
	Name           string         `yaml:"name,omitempty" json:"name,omitempty"`
	Identity       string         `yaml:"identity,omitempty" json:"identity,omitempty"` // an identity's id or name
	Attributes     map[string]any `yaml:"attributes,omitempty" json:"attributes,omitempty"`
	Disabled       bool           `yaml:"disabled,omitempty" json:"disabled,omitempty"`
	Locked         bool           `yaml:"locked,omitempty" json:"locked,omitempty"`
	Description    string         `yaml:"description,omitempty" json:"description,omitempty"`
	// GroundTruth is what a generated account really is (MACHINE or HUMAN),
	// kept for measuring classification; the API never shows it.
	GroundTruth string `yaml:"groundTruth,omitempty" json:"groundTruth,omitempty"`
	pos         `yaml:"-" json:"-"`
}

// AccessProfile is an access profile and the identities that hold it.
type AccessProfile struct {
	ID           string        `yaml:"id,omitempty" json:"id,omitempty"`
	Name         string        `yaml:"name" json:"name"`
	Description  string        `yaml:"description,omitempty" json:"description,omitempty"`
	Source       string        `yaml:"source" json:"source"` // a source's id or name
	Owner        string        `yaml:"owner" json:"owner"`   // an identity's id or name
	Enabled      *bool         `yaml:"enabled,omitempty" json:"enabled,omitempty"`
	Requestable  *bool         `yaml:"requestable,omitempty" json:"requestable,omitempty"`
	Entitlements []Entitlement `yaml:"entitlements,omitempty" json:"entitlements,omitempty"`
	Holders      []string      `yaml:"holders,omitempty" json:"holders,omitempty"` // identities' ids or names
	pos          `yaml:"-" json:"-"`
}

// Entitlement is an entitlement of an access profile: its name, or an id and a name.
type Entitlement struct {
	ID   string `yaml:"id,omitempty" json:"id,omitempty"`
	Name string `yaml:"name" json:"name"`
}

// UnmarshalYAML takes a name alone or a mapping.
func (e *Entitlement) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind == yaml.ScalarNode {
		e.Name = n.Value
		return nil
	}
	if err := checkKeys(n, reflect.TypeOf(Entitlement{}), "entitlement", ""); err != nil {
		return err
	}
	type plain Entitlement
	return n.Decode((*plain)(e))
}

// App is a source app.
type App struct {
	ID                      string   `yaml:"id,omitempty" json:"id,omitempty"`
	Name                    string   `yaml:"name" json:"name"`
	Description             string   `yaml:"description" json:"description"`
	Source                  string   `yaml:"source,omitempty" json:"source,omitempty"` // a source's id or name
	Owner                   string   `yaml:"owner" json:"owner"`                       // an identity's id or name
	Enabled                 bool     `yaml:"enabled,omitempty" json:"enabled,omitempty"`
	MatchAllAccounts        bool     `yaml:"matchAllAccounts,omitempty" json:"matchAllAccounts,omitempty"`
	ProvisionRequestEnabled bool     `yaml:"provisionRequestEnabled,omitempty" json:"provisionRequestEnabled,omitempty"`
	AppCenterEnabled        bool     `yaml:"appCenterEnabled,omitempty" json:"appCenterEnabled,omitempty"`
	AccessProfiles          []string `yaml:"accessProfiles,omitempty" json:"accessProfiles,omitempty"` // ids or names
	pos                     `yaml:"-" json:"-"`
}

// Client is an OAuth client with a fixed id and secret: a personal access
// token of an identity, or an API client without one.
type Client struct {
	ID       string `yaml:"id" json:"id"`
	Name     string `yaml:"name,omitempty" json:"name,omitempty"`
	Identity string `yaml:"identity,omitempty" json:"identity,omitempty"` // an identity's id or name; none: an API client
	// Secret is the client secret in clear (for a test tenant); SecretHash
	// its bcrypt hash, as `mica export tenant` writes it.
	Secret     string   `yaml:"secret,omitempty" json:"secret,omitempty"`
	SecretHash string   `yaml:"secretHash,omitempty" json:"secretHash,omitempty"`
	Scopes     []string `yaml:"scopes,omitempty" json:"scopes,omitempty"` // default sp:scopes:all
	Disabled   bool     `yaml:"disabled,omitempty" json:"disabled,omitempty"`
	pos        `yaml:"-" json:"-"`
}

// pos is where an entry is in its file, for errors.
type pos struct {
	node *yaml.Node
	path string // e.g. sources[2]
	file string
}

// errorf is an error at field of the entry ("" the entry itself): "file:line: path.field: message".
func (p pos) errorf(field, format string, args ...any) error {
	line, where := 0, p.path
	if p.node != nil {
		line = p.node.Line
		if field != "" {
			if k := keyNode(p.node, field); k != nil {
				line = k.Line
			}
		}
	}
	if field != "" {
		where += "." + field
	}
	return fmt.Errorf("%s:%d: %s: %s", p.file, line, where, fmt.Sprintf(format, args...))
}

// keyNode is the key node of field in mapping n, or nil.
func keyNode(n *yaml.Node, field string) *yaml.Node {
	if n.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == field {
			return n.Content[i]
		}
	}
	return nil
}

// valueNode is the value node of field in mapping n, or nil.
func valueNode(n *yaml.Node, field string) *yaml.Node {
	if n == nil || n.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == field {
			return n.Content[i+1]
		}
	}
	return nil
}

// ParseFile reads a tenant file, YAML or JSON.
func ParseFile(path string) (*File, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("seed: %w", err)
	}
	return Parse(path, b)
}

// Parse reads a tenant file's content; name is the file (for errors and as
// the base of accountsFile paths).
func Parse(name string, data []byte) (*File, error) {
	f := &File{name: name, dir: filepath.Dir(name)}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("%s: %s", name, strings.TrimPrefix(err.Error(), "yaml: "))
	}
	if len(doc.Content) == 0 {
		return f, nil // an empty file: an empty tenant
	}
	root := doc.Content[0]
	if root.Kind != yaml.MappingNode {
		return nil, fmt.Errorf("%s:%d: the file must be a mapping (tenant, identities, sources, accessProfiles, apps, clients, faults)", name, root.Line)
	}
	if err := checkKeys(root, reflect.TypeOf(File{}), "", name); err != nil {
		return nil, err
	}
	for i := 0; i+1 < len(root.Content); i += 2 {
		key, val := root.Content[i].Value, root.Content[i+1]
		var err error
		switch key {
		case "tenant":
			f.Tenant = &Tenant{}
			err = decode(val, f.Tenant, name, "tenant")
		case "identities":
			err = decodeList(val, &f.Identities, name, key)
		case "sources":
			err = decodeList(val, &f.Sources, name, key)
			for j := range f.Sources {
				s := &f.Sources[j]
				if err == nil {
					err = decodeList(valueNode(s.node, "accounts"), &s.Accounts, name, s.path+".accounts")
				}
			}
		case "accessProfiles":
			err = decodeList(val, &f.AccessProfiles, name, key)
		case "apps":
			err = decodeList(val, &f.Apps, name, key)
		case "clients":
			err = decodeList(val, &f.Clients, name, key)
		case "faults":
			if val.Kind != yaml.SequenceNode {
				return nil, fmt.Errorf("%s:%d: faults: a list of fault rules", name, val.Line)
			}
			for j, item := range val.Content {
				var rule map[string]any
				if err := item.Decode(&rule); err != nil {
					return nil, fmt.Errorf("%s:%d: faults[%d]: %s", name, item.Line, j, yamlMessage(err))
				}
				f.Faults = append(f.Faults, rule)
				f.faults = append(f.faults, item)
			}
		}
		if err != nil {
			return nil, err
		}
	}
	return f, f.validate()
}

// decodeList decodes a sequence node into the entries of *out, each with its pos.
func decodeList[T any](n *yaml.Node, out *[]T, file, path string) error {
	if n == nil {
		return nil
	}
	if n.Kind != yaml.SequenceNode {
		return fmt.Errorf("%s:%d: %s: a list", file, n.Line, path)
	}
	list := make([]T, len(n.Content))
	for i, item := range n.Content {
		p := fmt.Sprintf("%s[%d]", path, i)
		if err := decode(item, &list[i], file, p); err != nil {
			return err
		}
		if pp := posOf(&list[i]); pp != nil {
			*pp = pos{node: item, path: p, file: file}
		}
	}
	*out = list
	return nil
}

// posOf is the pos of an entry.
func posOf(v any) *pos {
	switch x := v.(type) {
	case *Identity:
		return &x.pos
	case *Source:
		return &x.pos
	case *Account:
		return &x.pos
	case *AccessProfile:
		return &x.pos
	case *App:
		return &x.pos
	case *Client:
		return &x.pos
	}
	return nil
}

// decode decodes one mapping node into v, refusing fields v does not have.
func decode(n *yaml.Node, v any, file, path string) error {
	if n.Kind != yaml.MappingNode {
		return fmt.Errorf("%s:%d: %s: a mapping of fields", file, n.Line, path)
	}
	if err := checkKeys(n, reflect.TypeOf(v).Elem(), path, file); err != nil {
		return err
	}
	if err := n.Decode(v); err != nil {
		return fmt.Errorf("%s:%d: %s: %s", file, n.Line, path, yamlMessage(err))
	}
	return nil
}

// yamlMessage is a decoding error without the library's prefix: "line 7:
// cannot unmarshal !!str `x` into int" keeps its line.
func yamlMessage(err error) string {
	var te *yaml.TypeError
	if errors.As(err, &te) {
		return strings.Join(te.Errors, "; ")
	}
	return strings.TrimPrefix(err.Error(), "yaml: ")
}

// checkKeys refuses the keys of mapping n that struct type t has no field for.
func checkKeys(n *yaml.Node, t reflect.Type, path, file string) error {
	known := map[string]bool{}
	for i := 0; i < t.NumField(); i++ {
		tag := t.Field(i).Tag.Get("yaml")
		if name, _, _ := strings.Cut(tag, ","); name != "" && name != "-" {
			known[name] = true
		}
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k := n.Content[i]
		if !known[k.Value] {
			var names []string
			for name := range known {
				names = append(names, name)
			}
			where := k.Value
			if path != "" {
				where = path + "." + k.Value
			}
			prefix := ""
			if file != "" {
				prefix = fmt.Sprintf("%s:%d: ", file, k.Line)
			}
			return fmt.Errorf("%s%s: unknown field (known: %s)", prefix, where, strings.Join(sortStrings(names), ", "))
		}
	}
	return nil
}

func sortStrings(s []string) []string {
	for i := 1; i < len(s); i++ {
		for j := i; j > 0 && s[j] < s[j-1]; j-- {
			s[j], s[j-1] = s[j-1], s[j]
		}
	}
	return s
}

// validate checks what can be checked without a store: required fields and
// duplicates within the file.
func (f *File) validate() error {
	ids := map[string]string{}
	unique := func(p pos, field, kind, value string) error {
		if value == "" {
			return nil
		}
		k := kind + "\x00" + value
		if prev, ok := ids[k]; ok {
			return p.errorf(field, "%q is already the %s of %s", value, field, prev)
		}
		ids[k] = p.path
		return nil
	}
	for i := range f.Identities {
		x := &f.Identities[i]
		if strings.TrimSpace(x.Name) == "" {
			return x.errorf("name", "an identity needs a name")
		}
		if err := errors.Join(unique(x.pos, "id", "identity", x.ID), unique(x.pos, "name", "identity name", x.Name)); err != nil {
			return err
		}
	}
	for i := range f.Sources {
		x := &f.Sources[i]
		switch {
		case strings.TrimSpace(x.Name) == "":
			return x.errorf("name", "a source needs a name")
		case x.Owner == "":
			return x.errorf("owner", "a source needs an owner (an identity's id or name)")
		case x.Connector == "":
			return x.errorf("connector", "a source needs a connector, e.g. active-directory or delimited-file")
		}
		if err := errors.Join(unique(x.pos, "id", "source", x.ID), unique(x.pos, "name", "source name", x.Name)); err != nil {
			return err
		}
		natives := map[string]bool{}
		for j := range x.Accounts {
			a := &x.Accounts[j]
			if a.NativeIdentity == "" {
				return a.errorf("nativeIdentity", "an account needs a nativeIdentity")
			}
			if natives[a.NativeIdentity] {
				return a.errorf("nativeIdentity", "%q is already an account of this source", a.NativeIdentity)
			}
			natives[a.NativeIdentity] = true
		}
	}
	for i := range f.AccessProfiles {
		x := &f.AccessProfiles[i]
		switch {
		case strings.TrimSpace(x.Name) == "":
			return x.errorf("name", "an access profile needs a name")
		case x.Source == "":
			return x.errorf("source", "an access profile needs a source (a source's id or name)")
		case x.Owner == "":
			return x.errorf("owner", "an access profile needs an owner (an identity's id or name)")
		}
		if err := errors.Join(unique(x.pos, "id", "access profile", x.ID), unique(x.pos, "name", "access profile name", x.Name)); err != nil {
			return err
		}
	}
	for i := range f.Apps {
		x := &f.Apps[i]
		if err := errors.Join(unique(x.pos, "id", "app", x.ID), unique(x.pos, "name", "app name", x.Name)); err != nil {
			return err
		}
	}
	for i := range f.Clients {
		x := &f.Clients[i]
		switch {
		case x.ID == "":
			return x.errorf("id", "a client needs a fixed id, e.g. 11111111-2222-4333-8444-555555555555")
		case x.Secret == "" && x.SecretHash == "":
			return x.errorf("secret", "a client needs a secret (or the secretHash mica export wrote)")
		case x.Secret != "" && x.SecretHash != "":
			return x.errorf("secretHash", "give secret or secretHash, not both")
		}
		if err := unique(x.pos, "id", "client", x.ID); err != nil {
			return err
		}
	}
	return nil
}

// FaultRules are the file's fault rules, each as JSON, with where it is for errors.
func (f *File) FaultRules() []FaultRule {
	out := make([]FaultRule, len(f.Faults))
	for i, r := range f.Faults {
		b, _ := json.Marshal(r) // decoded from YAML: always encodable
		out[i] = FaultRule{JSON: b, Where: fmt.Sprintf("%s:%d: faults[%d]", f.name, f.faults[i].Line, i)}
	}
	return out
}

// FaultRule is a fault rule of a tenant file: the body of POST /mica/v1/faults.
type FaultRule struct {
	JSON  []byte
	Where string // "file:line: faults[i]", to prefix errors
}

// Write writes f as YAML or, when format is "json", JSON.
func (f *File) Write(format string) ([]byte, error) {
	if format == "json" {
		b, err := json.MarshalIndent(f, "", "  ")
		if err != nil {
			return nil, fmt.Errorf("write tenant: %w", err)
		}
		return append(b, '\n'), nil
	}
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(f); err != nil {
		return nil, fmt.Errorf("write tenant: %w", err)
	}
	if err := enc.Close(); err != nil {
		return nil, fmt.Errorf("write tenant: %w", err)
	}
	return buf.Bytes(), nil
}
