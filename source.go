package mica

import (
	"context"
	"strings"
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
	// AccountCorrelationConfig is read-only: the source's correlation config
	// (ACCOUNT_CORRELATION_CONFIG), once one was saved; nil before.
	AccountCorrelationConfig *Ref
	Created                  time.Time
	Modified                 time.Time
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
	// UpdateSource replaces the mutable fields of an existing source. Changing an
	// immutable one (type, authoritative, connector, connectorClass) is EILLEGAL.
	UpdateSource(ctx context.Context, s *Source) error
	// DeleteSource removes a source and, in the same transaction, everything that
	// belongs to it (accounts, access profiles, correlation config, aggregations).
	DeleteSource(ctx context.Context, id string) error
}

// IsDelimitedFile reports whether the source takes account files (a
// DelimitedFile source, as POST /sources?provisionAsCsv=true creates).
func (s *Source) IsDelimitedFile() bool {
	return s.Type == SourceTypeDelimitedFile || s.ConnectorID == "delimited-file" ||
		strings.HasPrefix(s.Connector, "delimited-file")
}

// SourceTypeDelimitedFile is the type of a delimited-file (CSV) source.
const SourceTypeDelimitedFile = "DelimitedFile"

// MakeDelimitedFile turns s into a delimited-file source, as provisionAsCsv=true
// does, filling in the CSV connector attributes that are missing.
func (s *Source) MakeDelimitedFile() {
	s.Type = SourceTypeDelimitedFile
	s.Connector = "delimited-file-angularsc"
	s.ConnectorClass = "sailpoint.connector.DelimitedFileConnector"
	s.ConnectorID = "delimited-file"
	s.ConnectorImplementationID = "delimited-file"
	s.ConnectorName = "Delimited File"
	s.ConnectionType = "file"
	if s.ConnectorAttributes == nil {
		s.ConnectorAttributes = map[string]any{}
	}
	for k, v := range map[string]any{"hasHeader": true, "delimiter": ",", "indexColumn": "id", "nameColumn": "name",
		"mergeRows": false, "mergeColumns": []any{}, "filterEmptyRecords": true, "partitionMode": "disabled"} {
		if _, ok := s.ConnectorAttributes[k]; !ok {
			s.ConnectorAttributes[k] = v
		}
	}
}
