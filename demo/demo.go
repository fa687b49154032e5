// Package demo generates a realistic, deterministic demo tenant: identities
// with a manager tree, an authoritative HR source, Active Directory with the
// machine accounts real directories hold, Entra ID, a few SaaS sources, access
// profiles, who holds them, and source apps.
//
// Every generated account carries its ground truth (machine or human, and what
// kind of account it is) so that classification and discovery can be measured;
// the API never shows it. Generation is pure: nothing here touches a store.
// The same Config always yields the same tenant, ids included: every random
// choice comes from a PCG stream seeded by Config.Seed (one stream per part of
// the tenant) and every id is a hash of (seed, kind of object, index).
//
// Proportions of the default tenant (2,000 identities; the tests hold them):
//
//   - Identities: ~88 % employees, ~7 % contractors, ~5 % leavers (disabled
//     everywhere); a manager tree under one CEO; two identities administer the
//     tenant (ORG_ADMIN, SOURCE_ADMIN).
//   - Workday HR: one worker per identity, authoritative, all human.
//   - Active Directory: one account per identity plus admin second accounts of
//     ~45 % of IT staff (adm-jdoe, jdoe-adm, a-jdoe, jdoe.admin: human);
//     MachineShare (default 15 %, bounds 10-20 %) non-human objects: ~40 %
//     computers (workstations, servers, domain controllers), ~44 % service
//     accounts in mixed naming styles and OUs (a quarter with no naming marker
//     at all), ~9 % gMSAs, ~3 % MSAs, Exchange system mailboxes, and the fixed
//     built-in (Administrator, Guest, krbtgt, DefaultAccount) and sync (MSOL_,
//     AAD_) accounts.
//   - Entra ID: synced members, cloud admin accounts, ~6 % B2B guests (#EXT#),
//     service principals and managed identities (~9 %), service mailboxes and
//     the Sync_ account: ~9 % machines.
//   - GitHub, Salesforce, Slack: the people who hold their access profiles (or
//     everyone, for Slack), plus bots, integration users and built-in users:
//     ~8 % (GitHub), ~5 % (Salesforce) and ~2 % (Slack) machines.
package demo

import (
	"math/rand/v2"
	"time"

	"github.com/micahq/mica"
)

// Defaults of a Config.
const (
	DefaultIdentities   = 2000
	DefaultMachineShare = 0.15
	DefaultDomain       = "example.com"
)

// DefaultNow is the default reference time of a tenant: timestamps (logons,
// password changes, hire dates) are placed before it.
var DefaultNow = time.Date(2026, time.January, 15, 9, 0, 0, 0, time.UTC)

// Config sizes and seeds a demo tenant. The zero value is the default tenant.
type Config struct {
	// Seed makes the tenant: the same seed gives the same tenant.
	Seed uint64
	// Identities is the number of people (default DefaultIdentities, or derived
	// from ADAccounts when only that is set).
	Identities int
	// ADAccounts is the total number of Active Directory accounts, people and
	// machines. 0 derives it from Identities and MachineShare. When it is set
	// and Identities is not, Identities is derived from it.
	ADAccounts int
	// MachineShare is the share of AD accounts that are not people, in (0, 1)
	// (default DefaultMachineShare).
	MachineShare float64
	// Domain is the company's mail domain (default DefaultDomain); the AD domain
	// is "corp." + Domain.
	Domain string
	// Now is the reference time (default DefaultNow).
	Now time.Time
}

// humanADPerIdentity is about how many human AD accounts an identity has:
// one, plus the admin second accounts of some IT staff.
const humanADPerIdentity = 1.015

// normalize fills the defaults.
func (c Config) normalize() Config {
	if c.MachineShare <= 0 || c.MachineShare >= 1 {
		c.MachineShare = DefaultMachineShare
	}
	if c.Domain == "" {
		c.Domain = DefaultDomain
	}
	if c.Now.IsZero() {
		c.Now = DefaultNow
	}
	if c.Identities <= 0 {
		c.Identities = DefaultIdentities
		if c.ADAccounts > 0 {
			c.Identities = max(1, int(float64(c.ADAccounts)*(1-c.MachineShare)/humanADPerIdentity))
		}
	}
	return c
}

// Source indexes: Tenant.Sources[i] and the source argument of GenerateAccounts.
const (
	SourceHR         = iota // Workday HR, authoritative: one account per identity
	SourceAD                // Active Directory
	SourceEntra             // Entra ID
	SourceGitHub            // GitHub organization
	SourceSalesforce        // Salesforce org
	SourceSlack             // Slack workspace
	NumSources              // number of sources
)

// Kind is what an account really is. Machine kinds and human kinds are
// disjoint; Kind.Machine tells them apart.
type Kind string

// Machine account kinds.
const (
	KindService          Kind = "service"          // a user object an application runs as
	KindGMSA             Kind = "gmsa"             // group managed service account
	KindMSA              Kind = "msa"              // standalone managed service account
	KindComputer         Kind = "computer"         // workstation, server or domain controller
	KindBuiltIn          Kind = "builtin"          // Administrator, Guest, krbtgt, system mailboxes, ...
	KindSync             Kind = "sync"             // directory synchronization (MSOL_, AAD_, Sync_)
	KindBot              Kind = "bot"              // SaaS bots and machine users
	KindServicePrincipal Kind = "servicePrincipal" // Entra app registrations and managed identities
	KindIntegration      Kind = "integration"      // SaaS integration and API users
)

// Human account kinds.
const (
	KindEmployee   Kind = "employee"   // an employee's own account
	KindContractor Kind = "contractor" // a contractor's own account
	KindLeaver     Kind = "leaver"     // a former worker's disabled account
	KindAdmin      Kind = "admin"      // a person's privileged second account, e.g. adm-jdoe
	KindGuest      Kind = "guest"      // an external person (Entra B2B guest, Slack guest)
)

// Machine reports whether k is a machine kind.
func (k Kind) Machine() bool {
	switch k {
	case KindService, KindGMSA, KindMSA, KindComputer, KindBuiltIn, KindSync, KindBot, KindServicePrincipal,
		KindIntegration:
		return true
	}
	return false
}

// Truth is the ground truth of one generated account.
type Truth struct {
	Machine bool
	Kind    Kind
}

// GroundTruth returns the value of the store's accounts.ground_truth column:
// MACHINE or HUMAN.
func (t Truth) GroundTruth() string {
	if t.Machine {
		return "MACHINE"
	}
	return "HUMAN"
}

// Tenant is a generated demo tenant held in memory.
type Tenant struct {
	// Config is the configuration it was generated from, defaults filled in.
	Config Config
	// Identities are the people; Identities[i].ManagerID forms a tree.
	Identities []*mica.Identity
	// Sources are indexed by the Source* constants.
	Sources []*mica.Source
	// Accounts of every source, source by source in Sources order.
	Accounts []*mica.Account
	// Truth maps each account id to its ground truth. Never expose it through
	// the API as a classification.
	Truth map[string]Truth
	// AccessProfiles on the sources.
	AccessProfiles []AccessProfile
	// Grants says which identities hold which access profiles.
	Grants []Grant
	// Apps are the source apps.
	Apps []App
}

// AccessProfile is a demo access profile: a bundle of a source's entitlements.
// cmd/mica maps it to the domain type.
type AccessProfile struct {
	ID           string
	Name         string
	Description  string
	Source       int    // index into Tenant.Sources
	OwnerID      string // identity id
	Enabled      bool
	Requestable  bool
	Entitlements []string
}

// Grant says an identity holds an access profile.
type Grant struct {
	IdentityID      string
	AccessProfileID string
}

// App is a demo source app. cmd/mica maps it to the domain type.
type App struct {
	ID                      string
	Name                    string
	Description             string
	Source                  int    // index into Tenant.Sources
	OwnerID                 string // identity id
	MatchAllAccounts        bool
	Enabled                 bool
	ProvisionRequestEnabled bool
	AppCenterEnabled        bool
	AccessProfileIDs        []string
}

// AccountFunc receives generated accounts one at a time, with their ground
// truth. The account is the callee's to keep. A non-nil error stops generation.
type AccountFunc func(a *mica.Account, t Truth) error

// Generate builds the whole tenant in memory. For very large tenants use
// GenerateAccounts and GenerateIdentities, which stream.
func Generate(cfg Config) *Tenant {
	g := newGen(cfg)
	t := &Tenant{
		Config:         g.cfg,
		Identities:     make([]*mica.Identity, 0, len(g.people)),
		Sources:        g.sources,
		Truth:          make(map[string]Truth),
		AccessProfiles: g.accessProfiles(),
		Apps:           g.apps(),
	}
	_ = g.identities(func(i *mica.Identity) error {
		t.Identities = append(t.Identities, i)
		return nil
	})
	for src := range NumSources {
		_ = g.accounts(src, func(a *mica.Account, tr Truth) error {
			t.Accounts = append(t.Accounts, a)
			t.Truth[a.ID] = tr
			return nil
		})
	}
	t.Grants = g.grants()
	return t
}

// GenerateAccounts streams the accounts of source src (a Source* constant) of
// the tenant cfg describes to fn: the same accounts, ids and order as
// Generate(cfg) holds for that source. It keeps only a compact table of the
// people in memory, so it can produce millions of accounts.
func GenerateAccounts(cfg Config, src int, fn AccountFunc) error {
	if src < 0 || src >= NumSources {
		return mica.Errorf(mica.EINVALID, "demo source index %d out of range [0, %d)", src, NumSources)
	}
	return newGen(cfg).accounts(src, fn)
}

// GenerateIdentities streams the identities of the tenant cfg describes to fn,
// in the order of Tenant.Identities.
func GenerateIdentities(cfg Config, fn func(*mica.Identity) error) error {
	return newGen(cfg).identities(fn)
}

// Sources returns the sources of the tenant cfg describes.
func Sources(cfg Config) []*mica.Source {
	return newGen(cfg).sources
}

// Random streams: each part of the tenant draws from its own PCG stream, so
// that changing one part does not shift the others.
const (
	streamPeople uint64 = iota + 1
	streamSources
)

// rng returns a PCG generator for stream of the seed.
func (g *gen) rng(stream uint64) *rand.Rand {
	return rand.New(rand.NewPCG(g.cfg.Seed, mix64(stream+0x5851f42d4c957f2d)))
}
