package mica

import (
	"context"
	"slices"
	"time"
)

// OAuth client kinds.
const (
	ClientPAT = "PAT" // personal access token: bound to an identity, acts with its user levels
	ClientAPI = "API" // API client: no identity, authority API
)

// Client is an OAuth client (a personal access token or an API client). Its
// secret is never stored: only SecretHash, a slow hash.
type Client struct {
	ID                 string // dashed UUID
	Kind               string // ClientPAT or ClientAPI
	Name               string
	IdentityID         string // empty for API clients
	Scopes             []string
	SecretHash         string
	AccessTokenSeconds int        // validity of minted access tokens; 0 means the server default
	ExpiresAt          *time.Time // nil: never expires
	NeverExpiresAck    bool       // userAwareTokenNeverExpires
	Enabled            bool
	Managed            bool
	LastUsed           *time.Time
	Created            time.Time
}

// MaxPATsPerIdentity is how many personal access tokens one identity may hold.
const MaxPATsPerIdentity = 10

// Validate checks a client before it is first stored: its id and secret hash
// are set (the oauth package makes both), its kind is known, and a personal
// access token has an identity.
func (c *Client) Validate() error {
	switch {
	case c.ID == "" || c.SecretHash == "":
		return Errorf(EINTERNAL, "client id and secret hash must be set")
	case c.Kind != ClientPAT && c.Kind != ClientAPI:
		return Errorf(EILLEGAL, "unknown client kind %q", c.Kind)
	case c.Kind == ClientPAT && c.IdentityID == "":
		return Errorf(EMISSING, "a personal access token needs an identity")
	}
	return nil
}

// CheckPATOwner is the rule that saving personal access token c keeps over
// its owner's tokens: their names are unique, and a new token (isNew) is
// refused once the owner holds MaxPATsPerIdentity. others are the names of the
// owner's other tokens, read in the saving transaction.
func CheckPATOwner(c *Client, others []string, isNew bool) error {
	if slices.Contains(others, c.Name) {
		return Errorf(ECONFLICT, "a personal access token named %q already exists for this owner", c.Name)
	}
	if isNew && len(others) >= MaxPATsPerIdentity {
		return Errorf(EILLEGAL, "an identity can have at most %d personal access tokens", MaxPATsPerIdentity)
	}
	return nil
}

// ErrClientExists is the answer to creating a client whose id is taken.
func ErrClientExists(id string) error { return Errorf(ECONFLICT, "client %q already exists", id) }

// KeepFixed copies onto c, an update of client cur, the fields no update
// changes: id, kind, owner, secret, managed, last use and creation time.
func (c *Client) KeepFixed(cur *Client) {
	c.ID, c.Kind, c.IdentityID, c.SecretHash = cur.ID, cur.Kind, cur.IdentityID, cur.SecretHash
	c.AccessTokenSeconds, c.Managed, c.LastUsed, c.Created = cur.AccessTokenSeconds, cur.Managed, cur.LastUsed, cur.Created
}

// ClientService manages OAuth clients.
type ClientService interface {
	CreateClient(ctx context.Context, c *Client) error
	GetClient(ctx context.Context, id string) (*Client, error)
	ListClients(ctx context.Context, identityID string) ([]*Client, error) // "" lists all
	// ListPATs lists personal access tokens of one owner ("" for every owner), with
	// the collection parameters of listPersonalAccessTokens; managed ones only when asked.
	ListPATs(ctx context.Context, ownerID string, withManaged bool, opt ListOptions) (Page[*Client], error)
	// UpdateClient loads a client, lets update change it and saves what an
	// update may change (name, scopes, expiry, enabled), in one transaction.
	UpdateClient(ctx context.Context, id string, update func(c *Client) error) (*Client, error)
	DeleteClient(ctx context.Context, id string) error
	TouchClient(ctx context.Context, id string, at time.Time) error // records lastUsed (at most daily)
}
