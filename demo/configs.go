package demo

import "github.com/micahq/mica"

// Configs are the machine classification configs the demo tenant ships with,
// by source index: criteria on its two directories, as an administrator would
// first write them. They are deliberately incomplete (service accounts outside
// the service OU and without the svc prefix, built-in accounts, the SaaS
// sources) so that discovery has something to add: the review queue of a
// fresh demo is not empty.
func Configs() map[int]*mica.MachineClassificationConfig {
	leaf := func(op, attr, value string) *mica.Criteria {
		return &mica.Criteria{Operation: op, Attribute: &attr, Value: &value}
	}
	return map[int]*mica.MachineClassificationConfig{
		SourceAD: {Enabled: true, ClassificationMethod: mica.MethodCriteria, Criteria: &mica.Criteria{
			Operation: mica.OpOr, Children: []*mica.Criteria{
				leaf(mica.OpEquals, "objectClass", "computer"), // workstations, servers, gMSAs and MSAs
				leaf(mica.OpStartsWith, "sAMAccountName", "svc"),
				leaf(mica.OpContains, "distinguishedName", "OU=Service Accounts"),
				leaf(mica.OpStartsWith, "sAMAccountName", "MSOL_"),
			}}},
		SourceEntra: {Enabled: true, ClassificationMethod: mica.MethodCriteria, Criteria: &mica.Criteria{
			Operation: mica.OpOr, Children: []*mica.Criteria{
				leaf(mica.OpEquals, "objectType", "ServicePrincipal"), // app registrations and managed identities
				leaf(mica.OpStartsWith, "userPrincipalName", "Sync_"),
			}}},
	}
}
