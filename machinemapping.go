package mica

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"
)

// MachineAccountMapping fills one field of a source's machine accounts (or of
// their machine identity, or their owner) from an account attribute
// (REFERENCE.md §15.2 "Mapping"). It is stored and sent in ISC's wire shape.
//
// What each target does in mica (the reference leaves it to mica):
//   - ACCOUNT: sets the machine account's description, environment,
//     accessType, uuid or subtype (a technical name of one of the source's
//     subtypes), or attributes.<key>;
//   - IDENTITY: sets the account's machine identity's description,
//     businessApplication, subtype or environment, or attributes.<key>;
//   - OWNER_IDENTITY: makes the identity whose attributeName (id, name, alias
//     or email) equals the value the account's ownerIdentity;
//   - OWNER_ACCOUNT: makes the correlated identity of the account whose
//     attributeName (nativeIdentity or name) equals the value, on target.sourceId
//     (the mapping's source when empty), the account's ownerIdentity.
//
// The value is the input account attribute (its first value when it has
// several), then the transform: "reference" with id ToUpper, ToLower or Trim,
// or "accountAttribute" for the value as it is. A mapping whose input is
// absent or empty on an account changes nothing there, and mappings never
// change a machine account that was edited by hand (manuallyEdited).
type MachineAccountMapping struct {
	Target    MappingTarget    `json:"target"`
	Transform MappingTransform `json:"transformDefinition"`
}

// MappingTarget is the field a mapping fills.
type MappingTarget struct {
	Type          string `json:"type"`
	AttributeName string `json:"attributeName"`
	SourceID      string `json:"sourceId,omitempty"`
}

// MappingTransform computes the value: its input is an account attribute.
type MappingTransform struct {
	Type       string              `json:"type"`
	ID         string              `json:"id,omitempty"`
	Attributes MappingTransformArg `json:"attributes"`
}

// MappingTransformArg holds a transform's input.
type MappingTransformArg struct {
	Input MappingInput `json:"input"`
}

// MappingInput names the account attribute a mapping reads.
type MappingInput struct {
	Type       string            `json:"type"`
	Attributes MappingInputAttrs `json:"attributes"`
}

// MappingInputAttrs names the attribute and, optionally, its source.
type MappingInputAttrs struct {
	AttributeName string `json:"attributeName"`
	SourceName    string `json:"sourceName,omitempty"`
	Name          string `json:"name,omitempty"` // "ID of the Source"
}

// Mapping target types.
const (
	MappingTargetAccount       = "ACCOUNT"
	MappingTargetIdentity      = "IDENTITY"
	MappingTargetOwnerAccount  = "OWNER_ACCOUNT"
	MappingTargetOwnerIdentity = "OWNER_IDENTITY"
)

// MaxMappingsPerSource bounds a source's mappings.
const MaxMappingsPerSource = 50

// The fields each target type may fill (attributes.<key> besides, for ACCOUNT and IDENTITY).
var mappingFields = map[string][]string{
	MappingTargetAccount:       {"description", "environment", "accessType", "uuid", "subtype"},
	MappingTargetIdentity:      {"description", "businessApplication", "subtype", "environment"},
	MappingTargetOwnerIdentity: {"id", "name", "alias", "email"},
	MappingTargetOwnerAccount:  {"nativeIdentity", "name"},
}

// mappingTransforms are the transforms a "reference" transform may name.
var mappingTransforms = map[string]func(string) string{
	"":        func(s string) string { return s },
	"ToUpper": strings.ToUpper,
	"ToLower": strings.ToLower,
	"Trim":    strings.TrimSpace,
}

// Validate checks a mapping of source sourceID.
func (m *MachineAccountMapping) Validate(sourceID string) error {
	t := &m.Target
	fields, ok := mappingFields[t.Type]
	if t.Type == "" {
		return Errorf(EMISSING, "target.type is required (ACCOUNT, IDENTITY, OWNER_ACCOUNT or OWNER_IDENTITY)")
	} else if !ok {
		return Errorf(EILLEGAL, "target.type must be ACCOUNT, IDENTITY, OWNER_ACCOUNT or OWNER_IDENTITY, not %q", clipForError(t.Type, 64))
	}
	if t.AttributeName == "" {
		return Errorf(EMISSING, "target.attributeName is required")
	}
	custom := (t.Type == MappingTargetAccount || t.Type == MappingTargetIdentity) &&
		strings.HasPrefix(t.AttributeName, "attributes.") && len(t.AttributeName) > len("attributes.")
	if !custom && !containsStr(fields, t.AttributeName) {
		extra := ""
		if t.Type == MappingTargetAccount || t.Type == MappingTargetIdentity {
			extra = " or attributes.<name>"
		}
		return Errorf(EILLEGAL, "target.attributeName %q is not a field a %s mapping can fill; allowed: %s%s",
			clipForError(t.AttributeName, 64), t.Type, strings.Join(fields, ", "), extra)
	}
	if t.SourceID != "" && t.SourceID != sourceID && t.Type != MappingTargetOwnerAccount {
		return Errorf(EILLEGAL, "target.sourceId must be the mapping's source %q for a %s mapping", sourceID, t.Type)
	}
	tr := &m.Transform
	switch tr.Type {
	case "reference":
		if _, ok := mappingTransforms[tr.ID]; !ok {
			return Errorf(EILLEGAL, "transformDefinition.id %q is not a transform mica has (ToUpper, ToLower, Trim)", clipForError(tr.ID, 64))
		}
	case "accountAttribute":
		if tr.ID != "" {
			return Errorf(EILLEGAL, "transformDefinition.id is only for a reference transform")
		}
	case "":
		return Errorf(EMISSING, "transformDefinition.type is required (reference or accountAttribute)")
	default:
		return Errorf(EILLEGAL, "transformDefinition.type must be reference or accountAttribute, not %q", clipForError(tr.Type, 64))
	}
	in := &tr.Attributes.Input
	switch {
	case in.Type != "accountAttribute":
		return Errorf(EILLEGAL, "transformDefinition.attributes.input.type must be accountAttribute, not %q", clipForError(in.Type, 64))
	case in.Attributes.AttributeName == "":
		return Errorf(EMISSING, "transformDefinition.attributes.input.attributes.attributeName is required")
	case in.Attributes.Name != "" && in.Attributes.Name != sourceID:
		return Errorf(EILLEGAL, "transformDefinition.attributes.input.attributes.name must be the mapping's source %q: a mapping reads its own source's accounts", sourceID)
	}
	return nil
}

// Key identifies a mapping's target: a source maps each target once.
func (m *MachineAccountMapping) Key() string { return m.Target.Type + " " + m.Target.AttributeName }

// ValidateMappings checks a source's whole list: each mapping, their number
// and that no target is mapped twice.
func ValidateMappings(sourceID string, ms []*MachineAccountMapping) error {
	if len(ms) > MaxMappingsPerSource {
		return Errorf(EILLEGAL, "a source has at most %d machine account mappings, not %d", MaxMappingsPerSource, len(ms))
	}
	seen := map[string]bool{}
	for i, m := range ms {
		if m == nil {
			return Errorf(EILLEGAL, "mapping %d must be an object, not null", i)
		}
		if err := m.Validate(sourceID); err != nil {
			return &Error{Code: ErrorCode(err), Message: fmt.Sprintf("mapping %d: %s", i, ErrorMessage(err))}
		}
		if seen[m.Key()] {
			return Errorf(ECONFLICT, "mapping %d: target %s %s is already mapped", i, m.Target.Type, m.Target.AttributeName)
		}
		seen[m.Key()] = true
	}
	return nil
}

// Value computes the mapping's value from an account's attributes; ok is
// false when the input is absent or empty.
func (m *MachineAccountMapping) Value(attrs map[string]any) (string, bool) {
	v, found := attrs[m.Transform.Attributes.Input.Attributes.AttributeName]
	if !found {
		return "", false
	}
	s := mappingValue(v)
	if m.Transform.Type == "reference" {
		s = mappingTransforms[m.Transform.ID](s)
	}
	return s, s != ""
}

func mappingValue(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case []any:
		if len(x) == 0 {
			return ""
		}
		return mappingValue(x[0])
	case []string:
		if len(x) == 0 {
			return ""
		}
		return x[0]
	case bool:
		return strconv.FormatBool(x)
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	}
	return fmt.Sprint(v)
}

// MappingPlan is what a source's mappings make of one machine account: the
// store carries it out. Fields and attributes absent from the maps are left
// as they are.
type MappingPlan struct {
	Account         map[string]string // ACCOUNT fields and attributes.<key>
	Identity        map[string]string // IDENTITY fields and attributes.<key>
	OwnerIdentityBy string            // OWNER_IDENTITY: the identity attribute to match ("" for none)
	OwnerIdentity   string            // ... and the value
	OwnerAccountBy  string            // OWNER_ACCOUNT: the account field to match ("" for none)
	OwnerAccount    string            // ... and the value
	OwnerSourceID   string            // ... and the source of the owner's account
}

// Empty reports whether the plan changes nothing.
func (p *MappingPlan) Empty() bool {
	return len(p.Account) == 0 && len(p.Identity) == 0 && p.OwnerIdentityBy == "" && p.OwnerAccountBy == ""
}

// PlanMappings applies a source's mappings to one account's attributes.
func PlanMappings(sourceID string, ms []*MachineAccountMapping, attrs map[string]any) MappingPlan {
	var p MappingPlan
	for _, m := range ms {
		v, ok := m.Value(attrs)
		if !ok {
			continue
		}
		switch m.Target.Type {
		case MappingTargetAccount:
			if p.Account == nil {
				p.Account = map[string]string{}
			}
			p.Account[m.Target.AttributeName] = v
		case MappingTargetIdentity:
			if p.Identity == nil {
				p.Identity = map[string]string{}
			}
			p.Identity[m.Target.AttributeName] = v
		case MappingTargetOwnerIdentity:
			p.OwnerIdentityBy, p.OwnerIdentity = m.Target.AttributeName, v
		case MappingTargetOwnerAccount:
			p.OwnerAccountBy, p.OwnerAccount = m.Target.AttributeName, v
			p.OwnerSourceID = m.Target.SourceID
			if p.OwnerSourceID == "" {
				p.OwnerSourceID = sourceID
			}
		}
	}
	return p
}

// ApplyToAccount sets the plan's ACCOUNT fields on a; subtype is set only
// when resolve (technical name or id → the source's technical name) knows
// it. It reports whether anything changed.
func (p *MappingPlan) ApplyToAccount(a *Account, resolveSubtype func(string) (string, bool)) bool {
	changed := false
	set := func(dst *string, v string) {
		if *dst != v {
			*dst, changed = v, true
		}
	}
	for _, k := range sortedKeys(p.Account) {
		v := p.Account[k]
		switch k {
		case "description":
			set(&a.Description, v)
		case "environment":
			set(&a.Environment, v)
		case "accessType":
			set(&a.AccessType, v)
		case "uuid":
			set(&a.UUID, v)
		case "subtype":
			if name, ok := resolveSubtype(v); ok {
				set(&a.Subtype, name)
			}
		default:
			key := strings.TrimPrefix(k, "attributes.")
			if cur, ok := a.MachineAttributes[key]; !ok || cur != v {
				if a.MachineAttributes == nil {
					a.MachineAttributes = map[string]any{}
				}
				a.MachineAttributes[key], changed = v, true
			}
		}
	}
	return changed
}

// ApplyToIdentity sets the plan's IDENTITY fields on m and reports whether anything changed.
func (p *MappingPlan) ApplyToIdentity(m *MachineIdentity) bool {
	changed := false
	set := func(dst *string, v string) {
		if *dst != v {
			*dst, changed = v, true
		}
	}
	for _, k := range sortedKeys(p.Identity) {
		v := p.Identity[k]
		switch k {
		case "description":
			set(&m.Description, v)
		case "businessApplication":
			set(&m.BusinessApplication, v)
		case "subtype":
			set(&m.Subtype, v)
		case "environment":
			set(&m.Environment, v)
		default:
			key := strings.TrimPrefix(k, "attributes.")
			if cur, ok := m.Attributes[key]; !ok || cur != v {
				if m.Attributes == nil {
					m.Attributes = map[string]any{}
				}
				m.Attributes[key], changed = v, true
			}
		}
	}
	return changed
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func containsStr(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// MappingJob re-applies a source's mappings to its machine accounts in the
// background after the mappings change (or after an aggregation or a
// classification of the source). Processed only grows; Changed counts the
// accounts the mappings changed.
type MappingJob struct {
	ID        string
	SourceID  string
	Status    string // JobStarted, JobCompleted, JobCancelled (superseded), JobTerminated
	Expected  int64
	Processed int64
	Changed   int64
	Reason    string
	Started   time.Time
	Updated   *time.Time
}

// Running reports whether the job still has accounts to go through.
func (j *MappingJob) Running() bool { return j.Status == JobStarted }

// MappingJobSuperseded is why a running mapping job is cancelled when a newer
// job of its source starts.
const MappingJobSuperseded = "superseded by a newer job of the source"

// Advance records one batch of the job: of the n accounts asked for, the
// store found processed, and the mappings changed changed of them; a batch
// shorter than n was the last.
func (j *MappingJob) Advance(n, processed, changed int) {
	j.Processed += int64(processed)
	j.Changed += int64(changed)
	if processed < n {
		j.Status = JobCompleted
		j.Expected = max(j.Expected, j.Processed)
	}
}

// ErrMappingJobNotFound is the answer to reading a mapping job that does not exist.
func ErrMappingJobNotFound() error { return Errorf(ENOTFOUND, "mapping job not found") }

// ErrNeverMapped is the answer to reading the latest mapping job of a source that never had one.
func ErrNeverMapped(sourceID string) error {
	return Errorf(ENOTFOUND, "source %q never re-applied its mappings", sourceID)
}

// MappingService keeps machine-account mappings and re-applies them.
type MappingService interface {
	// GetMappings returns a source's mappings in order; ENOTFOUND for an unknown source.
	GetMappings(ctx context.Context, sourceID string) ([]*MachineAccountMapping, error)
	// SetMappings lets change turn a source's mappings into new ones and, in
	// the same transaction, saves them (checked by ValidateMappings) and
	// starts a job that re-applies them (ending the source's running one).
	SetMappings(ctx context.Context, sourceID string,
		change func(cur []*MachineAccountMapping) ([]*MachineAccountMapping, error)) ([]*MachineAccountMapping, *MappingJob, error)
	// StartMappingJob starts a re-apply job for a source that has mappings
	// (nil, nil when it has none).
	StartMappingJob(ctx context.Context, sourceID string) (*MappingJob, error)
	// GetMappingJob returns the source's latest job, ENOTFOUND when it never ran one.
	GetMappingJob(ctx context.Context, sourceID string) (*MappingJob, error)
	GetMappingJobByID(ctx context.Context, id string) (*MappingJob, error)
	// ApplyMappingBatch applies the source's current mappings to up to n more
	// of its machine accounts, in one transaction with the job's counts.
	ApplyMappingBatch(ctx context.Context, jobID string, n int) (*MappingJob, error)
	// UnfinishedMappingJobs lists running jobs (to resume after a crash).
	UnfinishedMappingJobs(ctx context.Context) ([]*MappingJob, error)
}

// MappingReads is what applying mappings reads, in the store's transaction.
type MappingReads interface {
	// Subtype resolves a technical name or id to the source's technical name; ok is false when none.
	Subtype(sourceID, name string) (technicalName string, ok bool, err error)
	// Owner finds the single identity an OWNER_IDENTITY or OWNER_ACCOUNT plan names, nil when none or several.
	Owner(p *MappingPlan) (*Ref, error)
	MachineIdentity(id string) (*MachineIdentity, error) // ENOTFOUND when gone
}

// ApplyMappings works out what a source's mappings change on one machine
// account: a is changed in place (accountChanged tells whether), and mi is
// the account's machine identity when the mappings changed it. A machine
// account edited by hand is left alone.
func ApplyMappings(ms []*MachineAccountMapping, a *Account, rd MappingReads) (accountChanged bool, mi *MachineIdentity, err error) {
	if a.ManuallyEdited {
		return false, nil, nil
	}
	p := PlanMappings(a.SourceID, ms, a.Attributes)
	if p.Empty() {
		return false, nil, nil
	}
	var readErr error
	accountChanged = p.ApplyToAccount(a, func(v string) (string, bool) {
		tn, ok, err := rd.Subtype(a.SourceID, v)
		if err != nil {
			readErr = err
		}
		return tn, ok && err == nil
	})
	if readErr != nil {
		return false, nil, readErr
	}
	owner, err := rd.Owner(&p)
	if err != nil {
		return false, nil, err
	}
	if owner != nil && (a.OwnerIdentity == nil || a.OwnerIdentity.ID != owner.ID) {
		a.OwnerIdentity, accountChanged = owner, true
	}
	if len(p.Identity) > 0 && a.MachineIdentity != nil {
		m, err := rd.MachineIdentity(a.MachineIdentity.ID)
		if err != nil && ErrorCode(err) != ENOTFOUND {
			return false, nil, err
		}
		if m != nil && p.ApplyToIdentity(m) {
			mi = m
		}
	}
	return accountChanged, mi, nil
}
