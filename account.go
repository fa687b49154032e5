package mica

import "time"

// Account is an account on a source (the ISC Account schema), with its machine classification.
type Account struct {
	ID                 string
	SourceID           string
	SourceName         string
	NativeIdentity     string
	Name               string
	UUID               string
	IdentityID         string // correlated identity, "" when uncorrelated
	IdentityName       string
	Attributes         map[string]any
	Authoritative      bool
	Disabled           bool
	Locked             bool
	SystemAccount      bool
	Uncorrelated       bool
	ManuallyCorrelated bool
	HasEntitlements    bool
	Origin             string // AGGREGATED, PROVISIONED or ""
	Description        string

	// Machine classification.
	IsMachine            bool
	ClassificationMethod string // SOURCE, CRITERIA, DISCOVERY, MANUAL or ""
	ClassifiedAt         *time.Time
	Recommendation       *Recommendation

	Created  time.Time
	Modified time.Time
}

// Recommendation says an account is classified as one type but recommended to be the other.
type Recommendation struct {
	Type   string `json:"type"`   // HUMAN, MACHINE (AGENT in v2025)
	Method string `json:"method"` // DISCOVERY, SOURCE, CRITERIA
}

// AccountService manages accounts. The identity-data work fills it in.
type AccountService interface {
}

// AccessProfileService manages access profiles and their assignment to identities.
type AccessProfileService interface {
}

// AggregationService loads account files into sources.
type AggregationService interface {
}
