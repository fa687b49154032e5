package mica

import (
	"context"
	"strconv"
	"time"
)

// Source classification job statuses (SourceClassificationStatus.status).
const (
	JobStarted    = "STARTED"    // accounts are being collected: RECEIVED < EXPECTED
	JobCollected  = "COLLECTED"  // every account collected: RECEIVED = EXPECTED
	JobCompleted  = "COMPLETED"  // every account classified: COMPLETED = EXPECTED
	JobCancelled  = "CANCELLED"  // cancelled by a user; classified accounts keep their result
	JobTerminated = "TERMINATED" // could not finish for a system reason
)

// ClassificationJob classifies every account of a source with the source's
// config as it was when the job started. Counts only grow and always satisfy
// Completed <= Received <= Expected.
type ClassificationJob struct {
	ID        string
	SourceID  string
	Status    string
	Expected  int64
	Received  int64
	Completed int64
	// Machines and Changed sum up what the job's batches decided: how many of
	// the Completed accounts are machine accounts after the job, and how many
	// of them it turned from human to machine or back. Completed - Machines
	// are human.
	Machines int64
	Changed  int64
	Started  time.Time
	Updated  *time.Time
	Reason   string                       // why a job was TERMINATED
	Config   *MachineClassificationConfig // snapshot taken at start
}

// Running reports whether the job is still collecting or classifying.
func (j *ClassificationJob) Running() bool {
	return j.Status == JobStarted || j.Status == JobCollected
}

// ErrClassificationNotEnabled is why a classification job cannot start on a
// source without an enabled config, with what to do about it.
func ErrClassificationNotEnabled(sourceID string) error {
	return Errorf(EILLEGAL, "machine classification is not enabled for source %q: give it a machine classification config "+
		"first (PUT /v2025/sources/%s/machine-classification-config with \"enabled\": true and a classificationMethod)",
		sourceID, sourceID)
}

// Outcome is what one account adds to a job's Machines and Changed counts:
// whether it is a machine after the batch, and whether that differs from
// before. changed is the Decider's answer; an unchanged decision keeps before.
func Outcome(before, after, changed bool) (machine, flipped int64) {
	if !changed {
		after = before
	}
	if after {
		machine = 1
	}
	if after != before {
		flipped = 1
	}
	return machine, flipped
}

// CheckJobStart is the rule on starting a classification job on a source: it
// needs a config (cfg, nil when it has none) that is enabled and names a
// method, and no other job of the source running (running, nil when none).
func CheckJobStart(sourceID string, cfg *MachineClassificationConfig, running *ClassificationJob) error {
	if cfg == nil || !cfg.Enabled || cfg.ClassificationMethod == "" {
		return ErrClassificationNotEnabled(sourceID)
	}
	if running != nil {
		return ErrJobRunning(sourceID, running.ID)
	}
	return nil
}

// ErrJobRunning is the answer to starting a classification job while job
// jobID of the source runs ("" when the store only knows that one does).
func ErrJobRunning(sourceID, jobID string) error {
	if jobID == "" {
		return Errorf(ECONFLICT, "a classification job is already running for source %q", sourceID)
	}
	return Errorf(ECONFLICT, "classification job %s is already running for source %q", jobID, sourceID)
}

// ErrNoJobRunning is the answer to cancelling the job of a source that runs none.
func ErrNoJobRunning(sourceID string) error {
	return Errorf(EILLEGAL, "no classification job is running for source %q", sourceID)
}

// ErrJobNotFound is the answer to reading a classification job that does not exist.
func ErrJobNotFound() error { return Errorf(ENOTFOUND, "no classification job found") }

// ErrNeverClassified is the answer to reading the latest job of a source that never ran one.
func ErrNeverClassified(sourceID string) error {
	return Errorf(ENOTFOUND, "source %q has never run a classification job", sourceID)
}

// ErrNoClassificationConfig is the answer to reading the config of a source that has none.
func ErrNoClassificationConfig(sourceID string) error {
	return Errorf(ENOTFOUND, "source %q has no machine classification config", sourceID)
}

// AccountClassification is what classification reads and writes of one account.
type AccountClassification struct {
	AccountID      string
	Name           string
	NativeIdentity string
	Attributes     map[string]any
	IsMachine      bool
	Method         string // "", SOURCE, CRITERIA, DISCOVERY, MANUAL
	Recommendation *Recommendation

	// What discovery reads beyond the account's attributes: its correlation.
	// An account staged before correlation has no IdentityID yet.
	IdentityID      string // the identity it correlates to, "" none
	Authoritative   bool   // it is on an authoritative source, so its identity is its own
	IdentityLeft    bool   // that identity's person left the organisation (PersonLeft of its attributes)
	IdentityLeftDay int64  // when, in days since 1970-01-01; 0 when not known
}

// Decider decides an account's new classification; changed reports whether it differs.
// It runs inside the store's write transaction and must not do I/O.
type Decider func(a *AccountClassification) (isMachine bool, method string, rec *Recommendation, changed bool)

// DeciderFor makes the decision function for a source's classification
// config (nil when it has none) and a sample of its people (SourcePeople).
type DeciderFor func(cfg *MachineClassificationConfig, people []*AccountClassification) Decider

// ClassificationService keeps machine classification configs, account
// classifications and source classification jobs.
type ClassificationService interface {
	// GetMachineClassificationConfig returns a source's config: ENOTFOUND when the
	// source has none (or does not exist).
	GetMachineClassificationConfig(ctx context.Context, sourceID string) (*MachineClassificationConfig, error)
	// PutMachineClassificationConfig creates or replaces a source's config. It changes no account.
	PutMachineClassificationConfig(ctx context.Context, cfg *MachineClassificationConfig) error
	DeleteMachineClassificationConfig(ctx context.Context, sourceID string) error

	// ClassifyAccount decides one account's classification with the source's
	// current config (nil when none) in one transaction.
	ClassifyAccount(ctx context.Context, accountID string, decide DeciderFor) (*Account, error)
	// ClassifyAccounts decides the classification of the given accounts of a source
	// in one transaction (continuous classification after an aggregation). It
	// returns how many changed.
	ClassifyAccounts(ctx context.Context, sourceID string, accountIDs []string, decide Decider) (int, error)
	// Declassify sets every account of a source back to human, manual ones included,
	// and clears their method. It returns how many accounts changed.
	Declassify(ctx context.Context, sourceID string) (int, error)

	// StartClassificationJob starts a job over every account of the source: EREFNOTFOUND
	// for an unknown source, EILLEGAL when classification is not enabled, ECONFLICT
	// while another job of the source runs.
	StartClassificationJob(ctx context.Context, sourceID string) (*ClassificationJob, error)
	// GetClassificationJob returns the source's latest job, ENOTFOUND when it never ran one.
	GetClassificationJob(ctx context.Context, sourceID string) (*ClassificationJob, error)
	GetClassificationJobByID(ctx context.Context, id string) (*ClassificationJob, error)
	// CancelClassificationJob cancels the source's running job at once (status CANCELLED);
	// the worker stops before its next batch.
	CancelClassificationJob(ctx context.Context, sourceID string) (*ClassificationJob, error)
	// CollectClassificationBatch collects up to n more accounts into a running job
	// (RECEIVED grows; COLLECTED once all are in). It is a no-op on a finished job.
	CollectClassificationBatch(ctx context.Context, jobID string, n int) (*ClassificationJob, error)
	// ProcessClassificationBatch classifies up to n collected accounts with decide and
	// commits their new state together with the COMPLETED count.
	ProcessClassificationBatch(ctx context.Context, jobID string, n int, decide Decider) (*ClassificationJob, error)
	// TerminateClassificationJob ends a running job as TERMINATED with a reason.
	TerminateClassificationJob(ctx context.Context, jobID, reason string) error
	// UnfinishedClassificationJobs lists jobs still STARTED or COLLECTED (to resume after a crash).
	UnfinishedClassificationJobs(ctx context.Context) ([]*ClassificationJob, error)

	// ListMachineAccounts lists accounts classified as machines.
	ListMachineAccounts(ctx context.Context, opt ListOptions) (Page[*Account], error)
	// GetMachineAccount returns an account classified as a machine, ENOTFOUND otherwise.
	GetMachineAccount(ctx context.Context, id string) (*Account, error)
	// UpdateMachineAccount loads a machine account, lets update change its MachineAccount
	// fields and saves them in one transaction; the owner identity must exist (EREFNOTFOUND).
	UpdateMachineAccount(ctx context.Context, id string, update func(a *Account) error) (*Account, error)
	// GetAccountForClassification returns what classification reads of one account.
	GetAccountForClassification(ctx context.Context, id string) (*AccountClassification, error)
	// SourcePeople returns up to n accounts of a source that correlate to an
	// identity, the source's people, in storage order: discovery learns from
	// them how the source names its people and which attributes they carry.
	// An unknown source has none.
	SourcePeople(ctx context.Context, sourceID string, n int) ([]*AccountClassification, error)
}

// PeopleSample is how many of a source's people discovery learns from, and
// MinPeople how many it needs before it learns anything.
const (
	PeopleSample = 1000
	MinPeople    = 20
)

// Pacing slows classification jobs down so that clients can observe STARTED and
// COLLECTED and cancel a job mid-run. A zero Delay is full speed.
type Pacing struct {
	BatchSize int           // accounts per batch (one transaction each)
	Delay     time.Duration // pause after each batch
	// Stepping (an emulator control) holds classification jobs and
	// aggregations: they advance only when a client steps them.
	Stepping bool
}

// Pacing limits and defaults.
const (
	DefaultBatchSize = 2000
	MaxBatchSize     = 100000
	MaxBatchDelay    = time.Minute
)

// Tenant settings holding the pacing, so that every server sees the same.
const (
	SettingClassifyBatchSize = "classify.batchSize"
	SettingClassifyDelayMs   = "classify.delayMs"
	SettingStepping          = "classify.stepping"
)

// Validate checks the pacing's bounds.
func (p Pacing) Validate() error {
	if p.BatchSize < 1 || p.BatchSize > MaxBatchSize {
		return Errorf(EILLEGAL, "batchSize must be between 1 and %d", MaxBatchSize)
	}
	if p.Delay < 0 || p.Delay > MaxBatchDelay {
		return Errorf(EILLEGAL, "delayMs must be between 0 and %d", MaxBatchDelay.Milliseconds())
	}
	return nil
}

// GetPacing reads the pacing from the tenant settings, falling back to def.
func GetPacing(ctx context.Context, s SettingService, def Pacing) Pacing {
	p := def
	if v, err := s.GetSetting(ctx, SettingClassifyBatchSize); err == nil {
		if n, err := strconv.Atoi(v); err == nil {
			p.BatchSize = n
		}
	}
	if v, err := s.GetSetting(ctx, SettingClassifyDelayMs); err == nil {
		if n, err := strconv.Atoi(v); err == nil {
			p.Delay = time.Duration(n) * time.Millisecond
		}
	}
	if v, err := s.GetSetting(ctx, SettingStepping); err == nil {
		p.Stepping = v == "true"
	}
	if p.BatchSize < 1 {
		p.BatchSize = DefaultBatchSize
	}
	return p
}

// SetPacing stores the pacing in the tenant settings.
func SetPacing(ctx context.Context, s SettingService, p Pacing) error {
	if err := p.Validate(); err != nil {
		return err
	}
	if err := s.SetSetting(ctx, SettingClassifyBatchSize, strconv.Itoa(p.BatchSize)); err != nil {
		return err
	}
	if err := s.SetSetting(ctx, SettingStepping, strconv.FormatBool(p.Stepping)); err != nil {
		return err
	}
	return s.SetSetting(ctx, SettingClassifyDelayMs, strconv.FormatInt(p.Delay.Milliseconds(), 10))
}

// Classification job statuses in the order a job passes them, for stepping to one.
var jobStatusOrder = map[string]int{JobStarted: 0, JobCollected: 1, JobCompleted: 2}

// JobReached reports whether a job in status has reached target (a status
// it passes: COLLECTED or COMPLETED), or ended otherwise.
func JobReached(status, target string) bool {
	s, ok := jobStatusOrder[status]
	if !ok {
		return true // CANCELLED or TERMINATED: it goes no further
	}
	return s >= jobStatusOrder[target]
}
