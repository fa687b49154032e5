package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/micahq/mica"
	"github.com/micahq/mica/api"
	"github.com/micahq/mica/oauth"
)

// runClients is "mica clients create|list|delete".
func runClients(ctx context.Context, args []string) error {
	if len(args) == 0 {
		return fmt.Errorf("usage: mica clients create|list|delete [flags]")
	}
	fs := flag.NewFlagSet("mica clients "+args[0], flag.ContinueOnError)
	where := addStoreFlags(fs, "")
	switch args[0] {
	case "create":
		identity := fs.String("identity", "", "identity (id, alias or name) the client acts as; created if missing")
		levels := fs.String("levels", "", "comma-separated user levels for a new identity, e.g. ORG_ADMIN (default USER)")
		scopes := fs.String("scopes", "sp:scopes:all", "comma-separated scopes")
		apiClient := fs.Bool("api", false, "create an API client (no identity, authority API)")
		name := fs.String("name", "", "client name")
		if err := fs.Parse(args[1:]); err != nil {
			return err
		}
		return clientsCreate(ctx, where, *identity, *levels, *scopes, *name, *apiClient)
	case "list":
		if err := fs.Parse(args[1:]); err != nil {
			return err
		}
		return clientsList(ctx, where)
	case "delete":
		if err := fs.Parse(args[1:]); err != nil {
			return err
		}
		if fs.NArg() != 1 {
			return fmt.Errorf("usage: mica clients delete [--data-dir DIR | --database URL] CLIENT_ID")
		}
		return clientsDelete(ctx, where, fs.Arg(0))
	}
	return fmt.Errorf("unknown clients command %q: create, list or delete", args[0])
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

func clientsCreate(ctx context.Context, where storeFlags, identity, levels, scopes, name string, apiClient bool) error {
	if apiClient == (identity != "") {
		return fmt.Errorf("give either --identity NAME or --api")
	}
	scopeList := splitList(scopes)
	for _, s := range scopeList {
		if !api.IsKnownScope(s) {
			return fmt.Errorf("unknown scope %q; known: %s", s, strings.Join(api.KnownScopes(), ", "))
		}
	}
	levelList := splitList(levels)
	for _, l := range levelList {
		if !mica.IsUserLevel(l) {
			return fmt.Errorf("unknown user level %q; known: %s", l, strings.Join(mica.UserLevels, ", "))
		}
	}
	b, err := where.open(ctx)
	if err != nil {
		return err
	}
	defer func() { _ = b.Close() }()
	db := b.Store()
	c := &mica.Client{ID: oauth.NewClientID(), Kind: mica.ClientAPI, Name: name, Scopes: scopeList, Enabled: true}
	if !apiClient {
		ident, err := db.FindIdentityByName(ctx, identity)
		if mica.ErrorCode(err) == mica.ENOTFOUND {
			ident = &mica.Identity{Name: identity, Alias: identity, Levels: levelList}
			if err := db.CreateIdentity(ctx, ident); err != nil {
				return err
			}
		} else if err != nil {
			return err
		} else if len(levelList) > 0 && !slices.Equal(slices.Sorted(slices.Values(levelList)), slices.Sorted(slices.Values(ident.Levels))) {
			return fmt.Errorf("identity %q already exists with levels %s; --levels only applies to new identities",
				identity, strings.Join(ident.Levels, ","))
		}
		c.Kind, c.IdentityID = mica.ClientPAT, ident.ID
		if c.Name == "" {
			c.Name = "cli " + c.ID[:8]
		}
	} else if c.Name == "" {
		c.Name = "api " + c.ID[:8]
	}
	secret := oauth.NewSecret()
	if c.SecretHash, err = oauth.HashSecret(secret); err != nil {
		return err
	}
	if err := db.CreateClient(ctx, c); err != nil {
		return fmt.Errorf("create client: %s", mica.ErrorMessage(err))
	}
	fmt.Printf("client id:     %s\nclient secret: %s\n(the secret is shown only now)\n", c.ID, secret)
	return nil
}

func clientsList(ctx context.Context, where storeFlags) error {
	b, err := where.open(ctx)
	if err != nil {
		return err
	}
	defer func() { _ = b.Close() }()
	db := b.Store()
	cs, err := db.ListClients(ctx, "")
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(os.Stdout, 0, 4, 2, ' ', 0)
	_, _ = fmt.Fprintln(tw, "ID\tKIND\tNAME\tIDENTITY\tSCOPES\tCREATED")
	for _, c := range cs {
		_, _ = fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", c.ID, c.Kind, c.Name, c.IdentityID, strings.Join(c.Scopes, " "),
			c.Created.Format("2006-01-02 15:04:05"))
	}
	return tw.Flush()
}

func clientsDelete(ctx context.Context, where storeFlags, id string) error {
	b, err := where.open(ctx)
	if err != nil {
		return err
	}
	defer func() { _ = b.Close() }()
	db := b.Store()
	if err := db.DeleteClient(ctx, id); err != nil {
		return fmt.Errorf("delete client: %s", mica.ErrorMessage(err))
	}
	fmt.Println("deleted", id)
	return nil
}
