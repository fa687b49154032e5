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

// FillDefaults sets what a new source has unless given: a healthy status and
// empty connector attributes and features.
func (s *Source) FillDefaults() {
	if s.Status == "" {
		s.Status, s.Healthy = "SOURCE_STATE_HEALTHY", true
	}
	s.fillEmpty()
}

func (s *Source) fillEmpty() {
	if s.ConnectorAttributes == nil {
		s.ConnectorAttributes = map[string]any{}
	}
	if s.Features == nil {
		s.Features = []string{}
	}
}

// CheckImmutable is the rule on changing source cur into s: its id, type,
// connector, connectorClass and authoritative flag stay as they are.
func (s *Source) CheckImmutable(cur *Source) error {
	for _, f := range []struct{ name, was, now string }{{"id", cur.ID, s.ID}, {"type", cur.Type, s.Type},
		{"connector", cur.Connector, s.Connector}, {"connectorClass", cur.ConnectorClass, s.ConnectorClass}} {
		if f.now != f.was {
			return Errorf(EILLEGAL, "%s cannot be changed (it is %q)", f.name, f.was)
		}
	}
	if s.Authoritative != cur.Authoritative {
		return Errorf(EILLEGAL, "authoritative cannot be changed (it is %t)", cur.Authoritative)
	}
	return nil
}

// CheckUpdate checks s, a change of source cur, as the store saves it
// (CheckImmutable, Validate), and copies onto it what only mica sets: the
// status and health, the connector's identity, the correlation config and the
// creation time.
func (s *Source) CheckUpdate(cur *Source) error {
	if err := s.CheckImmutable(cur); err != nil {
		return err
	}
	if err := s.Validate(); err != nil {
		return err
	}
	s.Healthy, s.Status, s.ConnectorID, s.ConnectorName = cur.Healthy, cur.Status, cur.ConnectorID, cur.ConnectorName
	s.ConnectionType, s.ConnectorImplementationID = cur.ConnectionType, cur.ConnectorImplementationID
	s.AccountCorrelationConfig, s.Created = cur.AccountCorrelationConfig, cur.Created
	s.fillEmpty()
	return nil
}

// ErrSourceNameTaken is the answer to naming a source as another is named
// (names are unique, case-insensitively).
func ErrSourceNameTaken(name string) error {
	return Errorf(ECONFLICT, "a source named %q already exists", name)
}

// ErrSourceInUse is the answer to deleting a source something still refers to.
func ErrSourceInUse(id string) error {
	return Errorf(EINUSE, "source %q is still referred to and cannot be deleted", id)
}

// SourceService manages sources.
type SourceService interface {
	CreateSource(ctx context.Context, s *Source) error
	GetSource(ctx context.Context, id string) (*Source, error)
	FindSourceByName(ctx context.Context, name string) (*Source, error)
	ListSources(ctx context.Context, opt ListOptions) (Page[*Source], error)
	// UpdateSource loads a source, lets update change it and saves its mutable
	// fields, in one transaction (Source.CheckUpdate: changing an immutable one
	// is EILLEGAL). A new name is copied to the source's accounts and access profiles.
	UpdateSource(ctx context.Context, id string, update func(s *Source) error) (*Source, error)
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
