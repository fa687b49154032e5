package mica

import (
	"context"
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

// ClientService manages OAuth clients.
type ClientService interface {
	CreateClient(ctx context.Context, c *Client) error
	GetClient(ctx context.Context, id string) (*Client, error)
	ListClients(ctx context.Context, identityID string) ([]*Client, error) // "" lists all
	// ListPATs lists personal access tokens of one owner ("" for every owner), with
	// the collection parameters of listPersonalAccessTokens; managed ones only when asked.
	ListPATs(ctx context.Context, ownerID string, withManaged bool, opt ListOptions) (Page[*Client], error)
	UpdateClient(ctx context.Context, c *Client) error
	DeleteClient(ctx context.Context, id string) error
	TouchClient(ctx context.Context, id string, at time.Time) error // records lastUsed (at most daily)
}
