package mica

import (
	"context"
	"time"
)

// Source is a connected system whose accounts mica holds (the ISC Source schema).
type Source struct {
	ID                        string
	Name                      string
	Description               string
	Owner                     Ref // IDENTITY
	Cluster                   *Ref
	Type                      string
	Connector                 string
	ConnectorClass            string
	ConnectorAttributes       map[string]any
	DeleteThreshold           int
	Authoritative             bool
	Features                  []string
	Healthy                   bool
	Status                    string
	ConnectorID               string
	ConnectorName             string
	ConnectionType            string
	ConnectorImplementationID string
	ManagementWorkgroup       *Ref
	CredentialProviderEnabled bool
	Category                  *string
	Created                   time.Time
	Modified                  time.Time
}

// Validate checks the fields required to create a source.
func (s *Source) Validate() error {
	switch {
	case s.Name == "":
		return Errorf(EMISSING, "source name is required")
	case s.Owner.ID == "":
		return Errorf(EMISSING, "source owner is required")
	case s.Connector == "":
		return Errorf(EMISSING, "source connector is required")
	case s.DeleteThreshold < 0 || s.DeleteThreshold > 100:
		return Errorf(EILLEGAL, "deleteThreshold must be between 0 and 100")
	}
	return nil
}

// SourceService manages sources.
type SourceService interface {
	CreateSource(ctx context.Context, s *Source) error
	GetSource(ctx context.Context, id string) (*Source, error)
	FindSourceByName(ctx context.Context, name string) (*Source, error)
	ListSources(ctx context.Context, opt ListOptions) (Page[*Source], error)
}
