package mica

import "context"

// Store is everything mica persists. Every implementation (sqlite, postgres)
// passes the conformance suite in storetest.
type Store interface {
	IdentityService
	ClientService
	SourceService
	SettingService
	AccountService
	AccessProfileService
	AggregationService
	SourceAppService
	ClassificationService
	MISService
	SnapshotService
	TriageService

	// Ping reports whether the store is reachable (readiness).
	Ping(ctx context.Context) error
	Close() error
}

// SettingService keeps tenant settings: small named values such as the tenant name.
type SettingService interface {
	GetSetting(ctx context.Context, key string) (string, error) // ENOTFOUND when unset
	SetSetting(ctx context.Context, key, value string) error
}

// Tenant setting keys.
const (
	SettingTenantName = "tenant.name"
	SettingTenantID   = "tenant.id"
)
