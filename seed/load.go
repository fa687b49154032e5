package seed

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/micahq/mica"
)

// Options of Load.
type Options struct {
	// HashSecret hashes a client secret (oauth.HashSecret); CheckSecret tells
	// whether a hash is of a secret (oauth.CheckSecret).
	HashSecret  func(secret string) (string, error)
	CheckSecret func(hash, secret string) bool
	// Classify is continuous classification: it is told the accounts the file
	// added to a source.
	Classify func(ctx context.Context, sourceID string, accountIDs []string) error
	// KnownScope tells whether a client scope exists (api.IsKnownScope).
	KnownScope func(scope string) bool
}

// accountBatch is how many accounts one CreateAccounts holds.
const accountBatch = 5000

// loader applies a file to a store.
type loader struct {
	ctx  context.Context
	db   mica.Store
	f    *File
	opts Options

	identities map[string]string // id and name -> id
	sources    map[string]*mica.Source
	profiles   map[string]*mica.AccessProfile
}

// Load applies the file to the store: it creates what the store lacks (see
// the package comment).
func Load(ctx context.Context, db mica.Store, f *File, opts Options) error {
	l := &loader{ctx: ctx, db: db, f: f, opts: opts, identities: map[string]string{}, sources: map[string]*mica.Source{},
		profiles: map[string]*mica.AccessProfile{}}
	if err := l.check(); err != nil {
		return err
	}
	if f.Tenant != nil && f.Tenant.Name != "" {
		if err := db.SetSetting(ctx, mica.SettingTenantName, f.Tenant.Name); err != nil {
			return err
		}
	}
	for _, step := range []func() error{l.loadIdentities, l.loadSources, l.loadAccessProfiles, l.loadApps, l.loadClients} {
		if err := step(); err != nil {
			return err
		}
	}
	return nil
}

// check finds, before anything is written, what would fail the load half
// way: references to identities, sources and access profiles that neither the
// file nor the store has, configs the API would refuse, missing CSV files.
func (l *loader) check() error {
	declared := map[string]map[string]bool{"identity": {}, "source": {}, "access profile": {}}
	for _, x := range l.f.Identities {
		declared["identity"][x.ID], declared["identity"][x.Name] = true, true
	}
	for _, x := range l.f.Sources {
		declared["source"][x.ID], declared["source"][x.Name] = true, true
	}
	for _, x := range l.f.AccessProfiles {
		declared["access profile"][x.ID], declared["access profile"][x.Name] = true, true
	}
	exists := func(kind, ref string) bool {
		if declared[kind][ref] {
			return true
		}
		switch kind {
		case "identity":
			if _, err := l.db.GetIdentity(l.ctx, ref); err == nil {
				return true
			}
			_, err := l.db.FindIdentityByName(l.ctx, ref)
			return err == nil
		case "source":
			if _, err := l.db.GetSource(l.ctx, ref); err == nil {
				return true
			}
			_, err := l.db.FindSourceByName(l.ctx, ref)
			return err == nil
		}
		_, err := l.findAccessProfile(ref)
		return err == nil
	}
	ref := func(p pos, field, kind, value string) error {
		if value != "" && !exists(kind, value) {
			return p.errorf(field, "no %s has the id or name %q", kind, value)
		}
		return nil
	}
	for _, x := range l.f.Identities {
		if err := ref(x.pos, "manager", "identity", x.Manager); err != nil {
			return err
		}
	}
	for _, x := range l.f.Sources {
		if err := ref(x.pos, "owner", "identity", x.Owner); err != nil {
			return err
		}
		for _, a := range x.Accounts {
			if err := ref(a.pos, "identity", "identity", a.Identity); err != nil {
				return err
			}
		}
		if x.Correlation != nil {
			var c mica.CorrelationConfig
			if err := strictJSON(x.Correlation, &c.AttributeAssignments); err != nil {
				return x.errorf("correlation", "%s", err)
			}
			if err := c.Validate(); err != nil {
				return fail(x.pos, "correlation", err)
			}
		}
		if x.Classification != nil {
			var c mica.MachineClassificationConfig
			if err := strictJSON(x.Classification, &c); err != nil {
				return x.errorf("classification", "%s", err)
			}
			if err := c.Validate(); err != nil {
				return fail(x.pos, "classification", err)
			}
		}
		if x.AccountsFile != "" {
			path := x.AccountsFile
			if !filepath.IsAbs(path) {
				path = filepath.Join(l.f.dir, path)
			}
			if _, err := os.Stat(path); err != nil {
				return x.errorf("accountsFile", "%v", err)
			}
		}
	}
	for _, x := range l.f.AccessProfiles {
		if err := errors.Join(ref(x.pos, "source", "source", x.Source), ref(x.pos, "owner", "identity", x.Owner)); err != nil {
			return err
		}
		for _, h := range x.Holders {
			if err := ref(x.pos, "holders", "identity", h); err != nil {
				return err
			}
		}
	}
	for _, x := range l.f.Apps {
		if err := errors.Join(ref(x.pos, "source", "source", x.Source), ref(x.pos, "owner", "identity", x.Owner)); err != nil {
			return err
		}
		for _, ap := range x.AccessProfiles {
			if err := ref(x.pos, "accessProfiles", "access profile", ap); err != nil {
				return err
			}
		}
	}
	for _, x := range l.f.Clients {
		if err := ref(x.pos, "identity", "identity", x.Identity); err != nil {
			return err
		}
		for _, sc := range x.Scopes {
			if l.opts.KnownScope != nil && !l.opts.KnownScope(sc) {
				return x.errorf("scopes", "unknown scope %q", sc)
			}
		}
	}
	return nil
}

// fail turns a store error into one that says where in the file it comes from.
func fail(p pos, field string, err error) error {
	var me *mica.Error
	if errors.As(err, &me) {
		return p.errorf(field, "%s", me.Message)
	}
	return fmt.Errorf("%w: %w", p.errorf(field, "could not be loaded"), err)
}

// identity resolves an identity's id or name, from the file or the store.
func (l *loader) identity(p pos, field, ref string) (string, error) {
	if id, ok := l.identities[ref]; ok {
		return id, nil
	}
	if i, err := l.db.GetIdentity(l.ctx, ref); err == nil {
		return i.ID, nil
	}
	i, err := l.db.FindIdentityByName(l.ctx, ref)
	if mica.ErrorCode(err) == mica.ENOTFOUND {
		return "", p.errorf(field, "no identity has the id or name %q", ref)
	} else if err != nil {
		return "", err
	}
	return i.ID, nil
}

func (l *loader) loadIdentities() error {
	// First those that exist or are created, then managers (which may come later in the file).
	for i := range l.f.Identities {
		x := &l.f.Identities[i]
		var cur *mica.Identity
		var err error
		if x.ID != "" {
			cur, err = l.db.GetIdentity(l.ctx, x.ID)
		} else {
			cur, err = l.db.FindIdentityByName(l.ctx, x.Name)
		}
		if err == nil {
			l.identities[cur.ID], l.identities[x.Name] = cur.ID, cur.ID
			continue
		} else if mica.ErrorCode(err) != mica.ENOTFOUND {
			return err
		}
		ident := &mica.Identity{ID: x.ID, Name: x.Name, Alias: x.Alias, FirstName: x.FirstName, LastName: x.LastName,
			Email: x.Email, Levels: x.Levels, Status: x.Status, Attributes: x.Attributes}
		if x.Manager != "" {
			if id, ok := l.identities[x.Manager]; ok {
				ident.ManagerID = id
			} else if m, err := l.db.GetIdentity(l.ctx, x.Manager); err == nil {
				ident.ManagerID = m.ID
			} else if m, err := l.db.FindIdentityByName(l.ctx, x.Manager); err == nil {
				ident.ManagerID = m.ID
			} else {
				return x.errorf("manager", "no identity before this one has the id or name %q", x.Manager)
			}
		}
		if err := l.db.CreateIdentity(l.ctx, ident); err != nil {
			return fail(x.pos, "", err)
		}
		l.identities[ident.ID], l.identities[x.Name] = ident.ID, ident.ID
	}
	return nil
}

func (l *loader) loadSources() error {
	for i := range l.f.Sources {
		x := &l.f.Sources[i]
		var cur *mica.Source
		var err error
		if x.ID != "" {
			cur, err = l.db.GetSource(l.ctx, x.ID)
		} else {
			cur, err = l.db.FindSourceByName(l.ctx, x.Name)
		}
		if mica.ErrorCode(err) == mica.ENOTFOUND {
			owner, err := l.identity(x.pos, "owner", x.Owner)
			if err != nil {
				return err
			}
			cur = &mica.Source{ID: x.ID, Name: x.Name, Description: x.Description, Owner: mica.Ref{Type: "IDENTITY", ID: owner},
				Type: x.Type, Connector: x.Connector, ConnectorClass: x.ConnectorClass, ConnectorName: x.ConnectorName,
				ConnectorID: x.ConnectorID, ConnectorImplementationID: x.ConnectorImplementationID, ConnectionType: x.ConnectionType,
				ConnectorAttributes: x.ConnectorAttributes, DeleteThreshold: x.DeleteThreshold, Authoritative: x.Authoritative,
				Features: x.Features}
			if x.Category != "" {
				c := x.Category
				cur.Category = &c
			}
			if err := l.db.CreateSource(l.ctx, cur); err != nil {
				return fail(x.pos, "", err)
			}
		} else if err != nil {
			return err
		}
		l.sources[cur.ID], l.sources[cur.Name] = cur, cur
		if err := l.sourceConfigs(x, cur); err != nil {
			return err
		}
		if err := l.sourceAccounts(x, cur); err != nil {
			return err
		}
	}
	return nil
}

// sourceConfigs sets the source's correlation and classification configs to the file's.
func (l *loader) sourceConfigs(x *Source, src *mica.Source) error {
	if x.Correlation != nil {
		var assignments []mica.CorrelationAssignment
		if err := strictJSON(x.Correlation, &assignments); err != nil {
			return x.errorf("correlation", "%s", err)
		}
		cur, err := l.db.GetCorrelationConfig(l.ctx, src.ID)
		if err != nil {
			return err
		}
		c := &mica.CorrelationConfig{SourceID: src.ID, AttributeAssignments: assignments}
		c.Replaces(cur)
		if err := c.Validate(); err != nil {
			return fail(x.pos, "correlation", err)
		}
		if err := l.db.PutCorrelationConfig(l.ctx, c); err != nil {
			return fail(x.pos, "correlation", err)
		}
	}
	if x.Classification != nil {
		var body struct {
			Enabled              bool           `json:"enabled"`
			ClassificationMethod string         `json:"classificationMethod"`
			Criteria             *mica.Criteria `json:"criteria"`
		}
		if err := strictJSON(x.Classification, &body); err != nil {
			return x.errorf("classification", "%s", err)
		}
		c := &mica.MachineClassificationConfig{SourceID: src.ID, Enabled: body.Enabled,
			ClassificationMethod: body.ClassificationMethod, Criteria: body.Criteria}
		if err := l.db.PutMachineClassificationConfig(l.ctx, c); err != nil {
			return fail(x.pos, "classification", err)
		}
	}
	return nil
}

// strictJSON decodes v (decoded from YAML) into out as the API would decode
// its JSON body, refusing unknown fields.
func strictJSON(v, out any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("not JSON: %w", err)
	}
	dec := json.NewDecoder(strings.NewReader(string(b)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(out); err != nil {
		return errors.New(strings.TrimPrefix(err.Error(), "json: "))
	}
	return nil
}

// sourceAccounts adds the file's accounts (inline and from its CSV) that the
// source lacks, then classifies them.
func (l *loader) sourceAccounts(x *Source, src *mica.Source) error {
	if len(x.Accounts) == 0 && x.AccountsFile == "" {
		return nil
	}
	have := map[string]bool{}
	if err := l.db.EachAccount(l.ctx, mica.AccountFilter{SourceID: src.ID}, func(a *mica.Account) error {
		have[a.NativeIdentity] = true
		return nil
	}); err != nil {
		return err
	}
	var batch []*mica.Account
	var batchPos []pos
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		if err := l.db.CreateAccounts(l.ctx, batch); err != nil {
			return fail(batchPos[0], "", fmt.Errorf("in the %d accounts from here: %w", len(batch), err))
		}
		if l.opts.Classify != nil {
			ids := make([]string, len(batch))
			for i, a := range batch {
				ids[i] = a.ID
			}
			if err := l.opts.Classify(l.ctx, src.ID, ids); err != nil {
				return err
			}
		}
		batch, batchPos = batch[:0], batchPos[:0]
		return nil
	}
	add := func(p pos, a *mica.Account) error {
		if have[a.NativeIdentity] {
			return nil
		}
		have[a.NativeIdentity] = true
		a.SourceID = src.ID
		if a.Name == "" {
			a.Name = a.NativeIdentity
		}
		batch, batchPos = append(batch, a), append(batchPos, p)
		if len(batch) == accountBatch {
			return flush()
		}
		return nil
	}
	for i := range x.Accounts {
		y := &x.Accounts[i]
		a := &mica.Account{ID: y.ID, NativeIdentity: y.NativeIdentity, Name: y.Name, Attributes: y.Attributes,
			Disabled: y.Disabled, Locked: y.Locked, Description: y.Description, GroundTruth: y.GroundTruth}
		if y.Identity != "" {
			id, err := l.identity(y.pos, "identity", y.Identity)
			if err != nil {
				return err
			}
			a.IdentityID = id
		}
		if err := add(y.pos, a); err != nil {
			return err
		}
	}
	if x.AccountsFile != "" {
		if err := l.csvAccounts(x, src, add); err != nil {
			return err
		}
	}
	return flush()
}

// csvAccounts reads the source's accountsFile.
func (l *loader) csvAccounts(x *Source, src *mica.Source, add func(pos, *mica.Account) error) error {
	path := x.AccountsFile
	if !filepath.IsAbs(path) {
		path = filepath.Join(l.f.dir, path)
	}
	fh, err := os.Open(path)
	if err != nil {
		return x.errorf("accountsFile", "%v", err)
	}
	defer func() { _ = fh.Close() }()
	attr := func(name, def string) string {
		if v, ok := src.ConnectorAttributes[name].(string); ok && v != "" {
			return v
		}
		return def
	}
	r := csv.NewReader(fh)
	if d := attr("delimiter", ","); len(d) == 1 {
		r.Comma = rune(d[0])
	}
	r.FieldsPerRecord = -1
	header, err := r.Read()
	if err != nil {
		return x.errorf("accountsFile", "%s: no header row: %v", x.AccountsFile, err)
	}
	idCol, nameCol := -1, -1
	for i, h := range header {
		switch h {
		case attr("indexColumn", "id"):
			idCol = i
		case attr("nameColumn", "name"):
			nameCol = i
		}
	}
	if idCol < 0 {
		return x.errorf("accountsFile", "%s: no column %q (the source's indexColumn)", x.AccountsFile, attr("indexColumn", "id"))
	}
	for line := 2; ; line++ {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return x.errorf("accountsFile", "%v", err)
		}
		if len(rec) != len(header) {
			return x.errorf("accountsFile", "%s:%d: %d fields, the header has %d", x.AccountsFile, line, len(rec), len(header))
		}
		a := &mica.Account{NativeIdentity: rec[idCol], Attributes: map[string]any{}}
		if a.NativeIdentity == "" {
			return x.errorf("accountsFile", "%s:%d: the %s column is empty", x.AccountsFile, line, header[idCol])
		}
		if nameCol >= 0 {
			a.Name = rec[nameCol]
		}
		for i, h := range header {
			if rec[i] != "" {
				a.Attributes[h] = rec[i]
			}
		}
		if err := add(x.pos, a); err != nil {
			return err
		}
	}
}

// source resolves a source's id or name.
func (l *loader) source(p pos, field, ref string) (*mica.Source, error) {
	if s, ok := l.sources[ref]; ok {
		return s, nil
	}
	if s, err := l.db.GetSource(l.ctx, ref); err == nil {
		return s, nil
	}
	s, err := l.db.FindSourceByName(l.ctx, ref)
	if mica.ErrorCode(err) == mica.ENOTFOUND {
		return nil, p.errorf(field, "no source has the id or name %q", ref)
	}
	return s, err
}

// findAccessProfile finds an access profile by id or name in the store.
func (l *loader) findAccessProfile(ref string) (*mica.AccessProfile, error) {
	if ap, ok := l.profiles[ref]; ok {
		return ap, nil
	}
	if ap, err := l.db.GetAccessProfile(l.ctx, ref); err == nil {
		return ap, nil
	}
	page, err := l.db.ListAccessProfiles(l.ctx, mica.ListOptions{Filters: fmt.Sprintf("name eq %q", ref), Limit: 2})
	if err != nil {
		return nil, err
	}
	if len(page.Items) == 0 {
		return nil, mica.Errorf(mica.ENOTFOUND, "no access profile has the id or name %q", ref)
	}
	return page.Items[0], nil
}

func (l *loader) loadAccessProfiles() error {
	for i := range l.f.AccessProfiles {
		x := &l.f.AccessProfiles[i]
		ref := x.ID
		if ref == "" {
			ref = x.Name
		}
		ap, err := l.findAccessProfile(ref)
		if mica.ErrorCode(err) == mica.ENOTFOUND {
			src, err := l.source(x.pos, "source", x.Source)
			if err != nil {
				return err
			}
			owner, err := l.identity(x.pos, "owner", x.Owner)
			if err != nil {
				return err
			}
			ap = &mica.AccessProfile{ID: x.ID, Name: x.Name, Description: x.Description, Owner: mica.Ref{Type: "IDENTITY", ID: owner},
				Source: mica.Ref{Type: "SOURCE", ID: src.ID}, Enabled: true, Requestable: true}
			if x.Enabled != nil {
				ap.Enabled = *x.Enabled
			}
			if x.Requestable != nil {
				ap.Requestable = *x.Requestable
			}
			for j, e := range x.Entitlements {
				id := e.ID
				if id == "" {
					id = mica.NewID()
				}
				if e.Name == "" {
					return x.errorf("entitlements", "entitlement %d needs a name", j)
				}
				ap.Entitlements = append(ap.Entitlements, mica.Ref{Type: "ENTITLEMENT", ID: id, Name: e.Name})
			}
			if err := l.db.CreateAccessProfile(l.ctx, ap); err != nil {
				return fail(x.pos, "", err)
			}
		} else if err != nil {
			return err
		}
		l.profiles[ap.ID], l.profiles[ap.Name] = ap, ap
		for _, h := range x.Holders {
			id, err := l.identity(x.pos, "holders", h)
			if err != nil {
				return err
			}
			if err := l.db.AssignAccessProfile(l.ctx, id, ap.ID); err != nil {
				return fail(x.pos, "holders", err)
			}
		}
	}
	return nil
}

func (l *loader) loadApps() error {
	for i := range l.f.Apps {
		x := &l.f.Apps[i]
		if x.ID != "" {
			if _, err := l.db.GetSourceApp(l.ctx, x.ID); err == nil {
				continue
			} else if mica.ErrorCode(err) != mica.ENOTFOUND {
				return err
			}
		} else {
			page, err := l.db.ListSourceApps(l.ctx, mica.ListOptions{Filters: fmt.Sprintf("name eq %q", x.Name), Limit: 1})
			if err != nil {
				return err
			}
			if len(page.Items) > 0 {
				continue
			}
		}
		owner, err := l.identity(x.pos, "owner", x.Owner)
		if err != nil {
			return err
		}
		app := &mica.SourceApp{ID: x.ID, Name: x.Name, Description: x.Description, Enabled: x.Enabled,
			MatchAllAccounts: x.MatchAllAccounts, ProvisionRequestEnabled: x.ProvisionRequestEnabled,
			AppCenterEnabled: x.AppCenterEnabled, Owner: &mica.Ref{Type: "IDENTITY", ID: owner}}
		if x.Source != "" {
			src, err := l.source(x.pos, "source", x.Source)
			if err != nil {
				return err
			}
			app.AccountSource = &mica.Ref{Type: "SOURCE", ID: src.ID}
		}
		for _, ref := range x.AccessProfiles {
			ap, err := l.findAccessProfile(ref)
			if mica.ErrorCode(err) == mica.ENOTFOUND {
				return x.errorf("accessProfiles", "%s", mica.ErrorMessage(err))
			} else if err != nil {
				return err
			}
			app.AccessProfiles = append(app.AccessProfiles, ap.ID)
		}
		if err := l.db.CreateSourceApp(l.ctx, app); err != nil {
			return fail(x.pos, "", err)
		}
	}
	return nil
}

func (l *loader) loadClients() error {
	for i := range l.f.Clients {
		x := &l.f.Clients[i]
		c := &mica.Client{ID: x.ID, Kind: mica.ClientAPI, Name: x.Name, Scopes: x.Scopes, Enabled: !x.Disabled,
			SecretHash: x.SecretHash}
		if c.Name == "" {
			c.Name = x.ID
		}
		if len(c.Scopes) == 0 {
			c.Scopes = []string{"sp:scopes:all"}
		}
		for _, sc := range c.Scopes {
			if l.opts.KnownScope != nil && !l.opts.KnownScope(sc) {
				return x.errorf("scopes", "unknown scope %q", sc)
			}
		}
		if x.Identity != "" {
			id, err := l.identity(x.pos, "identity", x.Identity)
			if err != nil {
				return err
			}
			c.Kind, c.IdentityID = mica.ClientPAT, id
		}
		cur, err := l.db.GetClient(l.ctx, x.ID)
		switch {
		case err == nil && sameClient(cur, c, x.Secret, l.opts.CheckSecret):
			continue // tokens minted for it stay valid
		case err == nil:
			if err := l.db.DeleteClient(l.ctx, x.ID); err != nil {
				return err
			}
		case mica.ErrorCode(err) != mica.ENOTFOUND:
			return err
		}
		if x.Secret != "" {
			if l.opts.HashSecret == nil {
				return x.errorf("secret", "this loader cannot hash secrets")
			}
			h, err := l.opts.HashSecret(x.Secret)
			if err != nil {
				return err
			}
			c.SecretHash = h
		}
		if err := l.db.CreateClient(l.ctx, c); err != nil {
			return fail(x.pos, "", err)
		}
	}
	return nil
}

// sameClient reports whether the stored client is the file's, secret included.
func sameClient(cur, want *mica.Client, secret string, check func(hash, secret string) bool) bool {
	if cur.Kind != want.Kind || cur.Name != want.Name || cur.IdentityID != want.IdentityID || cur.Enabled != want.Enabled ||
		strings.Join(cur.Scopes, " ") != strings.Join(want.Scopes, " ") {
		return false
	}
	if secret != "" {
		return check != nil && check(cur.SecretHash, secret)
	}
	return cur.SecretHash == want.SecretHash
}
