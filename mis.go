package mica

// MISService is machine identity security (REFERENCE.md §15): source
// subtypes, machine identities, machine-account mappings, machine-account
// create requests with the delete approval config, and lifecycle actions.
type MISService interface {
	SubtypeService
	MachineIdentityService
	MappingService
	MachineAccountRequestService
	LifecycleActionService
}

// MISTask is background work of machine identity security that a store
// queues in the transaction that creates it (through its task hook): a
// mapping re-apply job, a machine account request or a lifecycle action.
type MISTask struct {
	Kind string
	ID   string
}

// Kinds of MISTask.
const (
	TaskMappingJob      = "mapping_job"
	TaskAccountRequest  = "account_request"
	TaskLifecycleAction = "lifecycle_action"
)
