package api

import (
	"net/http"

	"github.com/micahq/mica"
	"github.com/micahq/mica/query"
)

func (s *Server) registerSources() {
	read := Auth{User: []string{ScopeSourcesRead, ScopeSourcesManage}, App: []string{ScopeSourcesRead, ScopeSourcesManage},
		Levels: []string{mica.LevelOrgAdmin, mica.LevelSourceAdmin, mica.LevelSourceSubadmin, mica.LevelRoleSubadmin}}
	s.handle(&Op{ID: "listSources", Method: http.MethodGet, Path: "/sources", Versions: AllVersions, Auth: read,
		AuthBy: map[Version]Auth{Beta: {User: []string{ScopeSourcesRead}, Levels: read.Levels}},
		Handle: s.listSources})
	get := Auth{User: read.User, App: read.App,
		Levels: []string{mica.LevelOrgAdmin, mica.LevelSourceAdmin, mica.LevelSourceSubadmin}}
	s.handle(&Op{ID: "getSource", Method: http.MethodGet, Path: "/sources/{id}", Versions: AllVersions, Auth: get,
		AuthBy: map[Version]Auth{Beta: {User: get.User, App: get.App}}, Handle: s.getSource})
}

// SourceDto is the wire form of a Source (REFERENCE.md §8).
type SourceDto struct {
	ID                        string         `json:"id"`
	Name                      string         `json:"name"`
	Description               string         `json:"description"`
	Owner                     mica.Ref       `json:"owner"`
	Cluster                   *mica.Ref      `json:"cluster"`
	AccountCorrelationConfig  *mica.Ref      `json:"accountCorrelationConfig"`
	AccountCorrelationRule    *mica.Ref      `json:"accountCorrelationRule"`
	ManagerCorrelationMapping any            `json:"managerCorrelationMapping,omitempty"` // the spec's allOf makes null invalid
	ManagerCorrelationRule    *mica.Ref      `json:"managerCorrelationRule"`
	BeforeProvisioningRule    *mica.Ref      `json:"beforeProvisioningRule"`
	Schemas                   []mica.Ref     `json:"schemas"`
	PasswordPolicies          []mica.Ref     `json:"passwordPolicies"`
	Features                  []string       `json:"features"`
	Type                      string         `json:"type"`
	Connector                 string         `json:"connector"`
	ConnectorClass            string         `json:"connectorClass"`
	ConnectorAttributes       map[string]any `json:"connectorAttributes"`
	DeleteThreshold           int            `json:"deleteThreshold"`
	Authoritative             bool           `json:"authoritative"`
	ManagementWorkgroup       *mica.Ref      `json:"managementWorkgroup"`
	Healthy                   bool           `json:"healthy"`
	Status                    string         `json:"status"`
	Since                     Time           `json:"since"`
	ConnectorID               string         `json:"connectorId"`
	ConnectorName             string         `json:"connectorName"`
	ConnectionType            string         `json:"connectionType"`
	ConnectorImplementationID string         `json:"connectorImplementationId"`
	Created                   Time           `json:"created"`
	Modified                  Time           `json:"modified"`
	CredentialProviderEnabled bool           `json:"credentialProviderEnabled"`
	Category                  *string        `json:"category"`
}

// sourceDto is src on the wire. Its secrets (the bind password) are never sent.
func sourceDto(src *mica.Source) SourceDto {
	return SourceDto{
		ID: src.ID, Name: src.Name, Description: src.Description, Owner: src.Owner, Cluster: src.Cluster,
		Schemas: []mica.Ref{}, Features: src.Features, Type: src.Type, Connector: src.Connector,
		ConnectorClass: src.ConnectorClass, ConnectorAttributes: mica.RedactSecrets(src.ConnectorAttributes),
		DeleteThreshold: src.DeleteThreshold, Authoritative: src.Authoritative,
		ManagementWorkgroup: src.ManagementWorkgroup, Healthy: src.Healthy, Status: src.Status,
		Since: Time(src.Modified), ConnectorID: src.ConnectorID, ConnectorName: src.ConnectorName,
		ConnectionType: src.ConnectionType, ConnectorImplementationID: src.ConnectorImplementationID,
		Created: Time(src.Created), Modified: Time(src.Modified),
		CredentialProviderEnabled: src.CredentialProviderEnabled, Category: src.Category,
		AccountCorrelationConfig: src.AccountCorrelationConfig,
	}
}

func (s *Server) listSources(w http.ResponseWriter, r *http.Request) error {
	opt, err := listOptions(r, query.ListSources)
	if err != nil {
		return err
	}
	if _, err := queryBool(r, "includeIDNSource", false); err != nil {
		return err
	}
	page, err := s.Store.ListSources(r.Context(), opt)
	if err != nil {
		return err
	}
	writePage(w, page, sourceDto)
	return nil
}

func (s *Server) getSource(w http.ResponseWriter, r *http.Request) error {
	src, err := s.Store.GetSource(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, sourceDto(src))
	return nil
}
