package mica

import (
	"context"
	"time"
)

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

type arrivalKey struct{}

// WithArrival returns ctx carrying when the request it serves arrived. A store
// that keeps caches exact by checking them against the database may answer
// from a check that began after that time rather than start one: every write
// acknowledged before the client sent the request is in it.
func WithArrival(ctx context.Context, t time.Time) context.Context {
	return context.WithValue(ctx, arrivalKey{}, t)
}

// Arrival is when the request of ctx arrived (WithArrival), else now.
func Arrival(ctx context.Context) time.Time {
	if t, ok := ctx.Value(arrivalKey{}).(time.Time); ok {
		return t
	}
	return time.Now()
}
