package seed

import (
	"context"
	"encoding/json"
	"sort"

	"github.com/micahq/mica"
)

// pageSize is how many objects one list read of the export holds.
const pageSize = 250

// each lists every object of a paged list, in pages.
func each[T any](ctx context.Context, list func(ctx context.Context, opt mica.ListOptions) (mica.Page[T], error), fn func(T)) error {
	for off := 0; ; off += pageSize {
		p, err := list(ctx, mica.ListOptions{Limit: pageSize, Offset: off, Sorters: "name"})
		if err != nil {
			return err
		}
		for _, it := range p.Items {
			fn(it)
		}
		if len(p.Items) < pageSize {
			return nil
		}
	}
}

// Export writes the store's tenant as a File: every identity, source (with
// its configs and accounts), access profile (with its holders), source app
// and OAuth client (with its secret's hash), by id, so that loading it into an
// empty store and exporting again gives the same file. Fault rules are the
// server's, not the tenant's, and are not exported.
func Export(ctx context.Context, db mica.Store) (*File, error) {
	f := &File{}
	if name, err := db.GetSetting(ctx, mica.SettingTenantName); err == nil {
		f.Tenant = &Tenant{Name: name}
	} else if mica.ErrorCode(err) != mica.ENOTFOUND {
		return nil, err
	}
	var identities []*mica.Identity
	if err := each(ctx, db.ListIdentities, func(i *mica.Identity) { identities = append(identities, i) }); err != nil {
		return nil, err
	}
	sort.Slice(identities, func(a, b int) bool { return identities[a].ID < identities[b].ID })
	holders := map[string][]string{}
	for _, i := range identities {
		f.Identities = append(f.Identities, Identity{ID: i.ID, Name: i.Name, Alias: i.Alias, FirstName: i.FirstName,
			LastName: i.LastName, Email: i.Email, Levels: i.Levels, Status: i.Status, Manager: i.ManagerID,
			Attributes: nonEmpty(i.Attributes)})
		aps, err := db.ListIdentityAccessProfiles(ctx, i.ID)
		if err != nil {
			return nil, err
		}
		for _, ap := range aps {
			holders[ap.ID] = append(holders[ap.ID], i.ID)
		}
	}
	// Managers refer to identities before them when loaded: those without a
	// manager, then the others, as long as that makes progress.
	f.Identities = managersFirst(f.Identities)

	var sources []*mica.Source
	if err := each(ctx, db.ListSources, func(s *mica.Source) { sources = append(sources, s) }); err != nil {
		return nil, err
	}
	sort.Slice(sources, func(a, b int) bool { return sources[a].ID < sources[b].ID })
	for _, s := range sources {
		x := Source{ID: s.ID, Name: s.Name, Description: s.Description, Owner: s.Owner.ID, Type: s.Type,
			Connector: s.Connector, ConnectorClass: s.ConnectorClass, ConnectorName: s.ConnectorName,
			ConnectorID: s.ConnectorID, ConnectorImplementationID: s.ConnectorImplementationID,
			ConnectionType: s.ConnectionType, ConnectorAttributes: nonEmpty(s.ConnectorAttributes),
			DeleteThreshold: s.DeleteThreshold, Authoritative: s.Authoritative, Features: s.Features}
		if s.Category != nil {
			x.Category = *s.Category
		}
		if c, err := db.GetCorrelationConfig(ctx, s.ID); err == nil && len(c.AttributeAssignments) > 0 {
			if err := viaJSON(c.AttributeAssignments, &x.Correlation); err != nil {
				return nil, err
			}
		} else if err != nil && mica.ErrorCode(err) != mica.ENOTFOUND {
			return nil, err
		}
		if c, err := db.GetMachineClassificationConfig(ctx, s.ID); err == nil {
			cfg := map[string]any{"enabled": c.Enabled}
			if c.ClassificationMethod != "" {
				cfg["classificationMethod"] = c.ClassificationMethod
			}
			if c.Criteria != nil {
				var crit any
				if err := viaJSON(c.Criteria, &crit); err != nil {
					return nil, err
				}
				cfg["criteria"] = crit
			}
			x.Classification = cfg
		} else if mica.ErrorCode(err) != mica.ENOTFOUND {
			return nil, err
		}
		if err := db.EachAccount(ctx, mica.AccountFilter{SourceID: s.ID}, func(a *mica.Account) error {
			x.Accounts = append(x.Accounts, Account{ID: a.ID, NativeIdentity: a.NativeIdentity, Name: a.Name,
				Identity: a.IdentityID, Attributes: nonEmpty(a.Attributes), Disabled: a.Disabled, Locked: a.Locked,
				Description: a.Description, GroundTruth: a.GroundTruth})
			return nil
		}); err != nil {
			return nil, err
		}
		f.Sources = append(f.Sources, x)
	}

	var profiles []*mica.AccessProfile
	if err := each(ctx, db.ListAccessProfiles, func(ap *mica.AccessProfile) { profiles = append(profiles, ap) }); err != nil {
		return nil, err
	}
	sort.Slice(profiles, func(a, b int) bool { return profiles[a].ID < profiles[b].ID })
	for _, ap := range profiles {
		enabled, requestable := ap.Enabled, ap.Requestable
		x := AccessProfile{ID: ap.ID, Name: ap.Name, Description: ap.Description, Source: ap.Source.ID, Owner: ap.Owner.ID,
			Enabled: &enabled, Requestable: &requestable, Holders: holders[ap.ID]}
		for _, e := range ap.Entitlements {
			x.Entitlements = append(x.Entitlements, Entitlement{ID: e.ID, Name: e.Name})
		}
		f.AccessProfiles = append(f.AccessProfiles, x)
	}

	var apps []*mica.SourceApp
	if err := each(ctx, db.ListSourceApps, func(a *mica.SourceApp) { apps = append(apps, a) }); err != nil {
		return nil, err
	}
	sort.Slice(apps, func(a, b int) bool { return apps[a].ID < apps[b].ID })
	for _, a := range apps {
		x := App{ID: a.ID, Name: a.Name, Description: a.Description, Enabled: a.Enabled, MatchAllAccounts: a.MatchAllAccounts,
			ProvisionRequestEnabled: a.ProvisionRequestEnabled, AppCenterEnabled: a.AppCenterEnabled,
			AccessProfiles: a.AccessProfiles}
		if a.AccountSource != nil {
			x.Source = a.AccountSource.ID
		}
		if a.Owner != nil {
			x.Owner = a.Owner.ID
		}
		f.Apps = append(f.Apps, x)
	}

	clients, err := db.ListClients(ctx, "")
	if err != nil {
		return nil, err
	}
	sort.Slice(clients, func(a, b int) bool { return clients[a].ID < clients[b].ID })
	for _, c := range clients {
		f.Clients = append(f.Clients, Client{ID: c.ID, Name: c.Name, Identity: c.IdentityID, SecretHash: c.SecretHash,
			Scopes: c.Scopes, Disabled: !c.Enabled})
	}
	return f, nil
}

// managersFirst orders identities so that each one's manager comes before it.
func managersFirst(list []Identity) []Identity {
	out := make([]Identity, 0, len(list))
	placed := map[string]bool{}
	for len(out) < len(list) {
		progress := false
		for i := range list {
			x := list[i]
			if placed[x.ID] || (x.Manager != "" && !placed[x.Manager] && x.Manager != x.ID) {
				continue
			}
			placed[x.ID] = true
			out = append(out, x)
			progress = true
		}
		if !progress { // a manager outside the tenant or a cycle: the rest as they are
			for _, x := range list {
				if !placed[x.ID] {
					placed[x.ID] = true
					out = append(out, x)
				}
			}
		}
	}
	return out
}

// viaJSON converts v to out through its JSON form.
func viaJSON(v, out any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return json.Unmarshal(b, out)
}

func nonEmpty(m map[string]any) map[string]any {
	if len(m) == 0 {
		return nil
	}
	return m
}
