package mica

import "strings"

// AccountDeleteConfig is a source's machine-account delete approval config
// (getMachineAccountDeletionApprovalConfigBySource, REFERENCE.md §15.2). mica
// stores it, and a subtype's own delete approval settings (SubtypeConfig),
// side by side: ISC has no machine-account delete operation that would apply
// either, so neither wins over the other.
type AccountDeleteConfig struct {
	ApprovalRequired bool                `json:"approvalRequired"`
	ApprovalConfig   DeleteApprovalSteps `json:"approvalConfig"`
}

// DeleteApprovalSteps is how a deletion is approved.
type DeleteApprovalSteps struct {
	ReminderConfig                   ReminderConfig   `json:"reminderConfig"`
	EscalationConfig                 EscalationConfig `json:"escalationConfig"`
	TimeoutConfig                    TimeoutConfig    `json:"timeoutConfig"`
	CronTimezone                     CronTimezone     `json:"cronTimezone"`
	SerialChain                      []ApproverRef    `json:"serialChain"`
	RequiresComment                  string           `json:"requiresComment,omitempty"`
	FallbackApprover                 *FallbackRef     `json:"fallbackApprover,omitempty"`
	MachineIdentityManagerAssignment string           `json:"machineIdentityManagerAssignment"`
	CircumventApprovalProcess        bool             `json:"circumventApprovalProcess"`
	AutoApprove                      string           `json:"autoApprove,omitempty"`
}

// ReminderConfig sends reminders to approvers.
type ReminderConfig struct {
	Enabled                bool   `json:"enabled"`
	DaysUntilFirstReminder int64  `json:"daysUntilFirstReminder"`
	ReminderCronSchedule   string `json:"reminderCronSchedule,omitempty"`
	MaxReminders           int64  `json:"maxReminders"`
}

// EscalationConfig escalates an approval that waits.
type EscalationConfig struct {
	Enabled                  bool          `json:"enabled"`
	DaysUntilFirstEscalation int64         `json:"daysUntilFirstEscalation"`
	EscalationCronSchedule   string        `json:"escalationCronSchedule,omitempty"`
	EscalationChain          []ApproverRef `json:"escalationChain"`
}

// TimeoutConfig ends an approval that waits too long.
type TimeoutConfig struct {
	Enabled          bool   `json:"enabled"`
	DaysUntilTimeout int64  `json:"daysUntilTimeout"`
	TimeoutResult    string `json:"timeoutResult,omitempty"`
}

// CronTimezone is the time zone of the cron schedules.
type CronTimezone struct {
	Location string `json:"location"`
	Offset   string `json:"offset"`
}

// ApproverRef is one approver of a chain.
type ApproverRef struct {
	IdentityID   string `json:"identityId"`
	IdentityType string `json:"identityType"`
}

// FallbackRef is the approver of last resort (the spec spells its id identityID).
type FallbackRef struct {
	IdentityID string `json:"identityID"`
	Type       string `json:"type"`
}

// Limits stated in the config's descriptions.
const (
	MaxDeleteReminders      = 20 // "Max is 20"
	MaxDeleteDaysUntilTimer = 90 // "Max value is 90"
	MaxApproverChain        = 20 // mica's bound on a chain
)

// DefaultAccountDeleteConfig is a source's config before anyone sets it.
func DefaultAccountDeleteConfig() *AccountDeleteConfig {
	return &AccountDeleteConfig{ApprovalConfig: DeleteApprovalSteps{SerialChain: []ApproverRef{},
		EscalationConfig: EscalationConfig{EscalationChain: []ApproverRef{}}, MachineIdentityManagerAssignment: "MANAGER_OF_REQUESTER"}}
}

// Defaults fills what a patch left out: the default manager assignment and
// empty chains.
func (c *AccountDeleteConfig) Defaults() {
	a := &c.ApprovalConfig
	if a.MachineIdentityManagerAssignment == "" {
		a.MachineIdentityManagerAssignment = "MANAGER_OF_REQUESTER"
	}
	if a.SerialChain == nil {
		a.SerialChain = []ApproverRef{}
	}
	if a.EscalationConfig.EscalationChain == nil {
		a.EscalationConfig.EscalationChain = []ApproverRef{}
	}
}

// approverTypes are the 46 identityType values (REFERENCE.md §15.2).
var approverTypes = func() map[string]bool {
	m := map[string]bool{"IDENTITY": true, "GOVERNANCE_GROUP": true, "MANAGER_OF": true}
	for _, s := range []string{"REQUESTER", "REQUESTER_OWNER", "OWNER", "ACCOUNT_OWNER", "MACHINE_ACCOUNT_OWNER",
		"MACHINE_IDENTITY_OWNER", "REQUESTED_TARGET_OWNER"} {
		m["MANAGER_OF_"+s] = true
	}
	for _, x := range []string{"ACCOUNT", "MACHINE_ACCOUNT", "MACHINE_IDENTITY", "ACCESS_PROFILE", "APPLICATION",
		"ENTITLEMENT", "ROLE", "SOURCE", "REQUESTED_TARGET"} {
		for _, s := range []string{"_OWNER", "_PRIMARY_OWNER", "_SECONDARY_OWNER_GROUP", "_ALL_OWNER_GROUP"} {
			m[x+s] = true
		}
	}
	return m
}()

// Validate checks the enums and limits of the config. Approver identities are
// checked against the store by IdentityApprovers.
func (c *AccountDeleteConfig) Validate() error {
	a := &c.ApprovalConfig
	switch {
	case a.ReminderConfig.MaxReminders < 0 || a.ReminderConfig.MaxReminders > MaxDeleteReminders:
		return Errorf(EILLEGAL, "approvalConfig.reminderConfig.maxReminders must be between 0 and %d", MaxDeleteReminders)
	case a.ReminderConfig.DaysUntilFirstReminder < 0:
		return Errorf(EILLEGAL, "approvalConfig.reminderConfig.daysUntilFirstReminder cannot be negative")
	case a.EscalationConfig.DaysUntilFirstEscalation < 0:
		return Errorf(EILLEGAL, "approvalConfig.escalationConfig.daysUntilFirstEscalation cannot be negative")
	case a.TimeoutConfig.DaysUntilTimeout < 0 || a.TimeoutConfig.DaysUntilTimeout > MaxDeleteDaysUntilTimer:
		return Errorf(EILLEGAL, "approvalConfig.timeoutConfig.daysUntilTimeout must be between 0 and %d", MaxDeleteDaysUntilTimer)
	case !oneOf(a.TimeoutConfig.TimeoutResult, "", "EXPIRED", "APPROVED"):
		return Errorf(EILLEGAL, "approvalConfig.timeoutConfig.timeoutResult must be EXPIRED or APPROVED")
	case !oneOf(a.RequiresComment, "", "APPROVAL", "REJECTION", "ALL", "OFF"):
		return Errorf(EILLEGAL, "approvalConfig.requiresComment must be APPROVAL, REJECTION, ALL or OFF")
	case !oneOf(a.AutoApprove, "", "OFF", "DIRECT", "INDIRECT"):
		return Errorf(EILLEGAL, "approvalConfig.autoApprove must be OFF, DIRECT or INDIRECT")
	case !oneOf(a.MachineIdentityManagerAssignment, "MANAGER_OF_REQUESTER", "MACHINE_IDENTITY_OWNER",
		"MANAGER_OF_MACHINE_IDENTITY_OWNER", "REQUESTED_TARGET_OWNER", "MANAGER_OF_REQUESTED_TARGET_OWNER",
		"ACCOUNT_OWNER", "MANAGER_OF_ACCOUNT_OWNER"):
		return Errorf(EILLEGAL, "approvalConfig.machineIdentityManagerAssignment %q is not one of the documented values",
			clipForError(a.MachineIdentityManagerAssignment, 64))
	case len(a.SerialChain) > MaxApproverChain || len(a.EscalationConfig.EscalationChain) > MaxApproverChain:
		return Errorf(EILLEGAL, "an approver chain has at most %d approvers", MaxApproverChain)
	}
	for _, ch := range []struct {
		name  string
		chain []ApproverRef
	}{{"serialChain", a.SerialChain}, {"escalationConfig.escalationChain", a.EscalationConfig.EscalationChain}} {
		for i, r := range ch.chain {
			if !approverTypes[r.IdentityType] {
				return Errorf(EILLEGAL, "approvalConfig.%s[%d].identityType %q is not one of the documented types", ch.name, i,
					clipForError(r.IdentityType, 64))
			}
			if needsID(r.IdentityType) && strings.TrimSpace(r.IdentityID) == "" {
				return Errorf(EMISSING, "approvalConfig.%s[%d].identityId is required for type %s", ch.name, i, r.IdentityType)
			}
		}
	}
	if f := a.FallbackApprover; f != nil && !approverTypes[f.Type] {
		return Errorf(EILLEGAL, "approvalConfig.fallbackApprover.type %q is not one of the documented types", clipForError(f.Type, 64))
	}
	return nil
}

// IdentityApprovers lists the identity ids the config names as IDENTITY
// approvers, each once, for the caller to check they exist.
func (c *AccountDeleteConfig) IdentityApprovers() []string {
	var ids []string
	seen := map[string]bool{}
	add := func(typ, id string) {
		if typ == "IDENTITY" && id != "" && !seen[id] {
			seen[id] = true
			ids = append(ids, id)
		}
	}
	for _, r := range c.ApprovalConfig.SerialChain {
		add(r.IdentityType, r.IdentityID)
	}
	for _, r := range c.ApprovalConfig.EscalationConfig.EscalationChain {
		add(r.IdentityType, r.IdentityID)
	}
	if f := c.ApprovalConfig.FallbackApprover; f != nil {
		add(f.Type, f.IdentityID)
	}
	return ids
}

func needsID(t string) bool { return t == "IDENTITY" || t == "GOVERNANCE_GROUP" }

func oneOf(s string, allowed ...string) bool {
	for _, a := range allowed {
		if s == a {
			return true
		}
	}
	return false
}
