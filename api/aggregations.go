package api

import (
	"context"
	"errors"
	"io"
	"mime"
	"net/http"
	"os"
	"strconv"
	"strings"

	"github.com/micahq/mica"
)

// Aggregator runs recorded aggregations in the background (aggregate.Runner).
type Aggregator interface {
	Enqueue(aggregationID string) error
	// Preview reads an aggregation's accounts and counts what applying them
	// would do, applying nothing (the aggregation is deleted afterwards).
	Preview(ctx context.Context, agg *mica.Aggregation, file io.Reader) (*mica.Aggregation, error)
}

// DefaultMaxUploadBytes caps one account file upload when Config.MaxUploadBytes is 0.
const DefaultMaxUploadBytes = 512 << 20

func (s *Server) registerAggregations() {
	s.handle(&Op{ID: "importAccounts", Method: http.MethodPost, Path: "/sources/{id}/load-accounts", Versions: NoV3,
		Auth:   Auth{User: []string{ScopeSourcesManage}, App: []string{ScopeSourcesManage}, Levels: sourceAdminLevels},
		AuthBy: map[Version]Auth{Beta: {User: []string{ScopeSourcesManage}}}, Handle: s.loadAccounts})
	// #24: userAuth with an empty scope list (any authenticated user with the levels), no applicationAuth.
	// beta has no operation security: the top-level userAuth [sp:scopes:all] applies.
	s.handle(&Op{ID: "getAccountAggregationStatus", Method: http.MethodGet, Path: "/account-aggregations/{id}/status",
		Versions: NoV3, Auth: Auth{Levels: sourceAdminLevels}, AuthBy: map[Version]Auth{Beta: {}},
		Handle: s.getAggregationStatus})
}

// LoadAccountsTask is the 202 body of load-accounts (REFERENCE.md §14.4).
type LoadAccountsTask struct {
	Success bool     `json:"success"`
	Task    TaskBody `json:"task"`
}

// TaskBody is LoadAccountsTask.task.
type TaskBody struct {
	ID               string           `json:"id"`
	Type             string           `json:"type"`
	Name             string           `json:"name"`
	Description      string           `json:"description"`
	Launcher         string           `json:"launcher"`
	Created          Time             `json:"created"`
	Launched         *Time            `json:"launched"`
	Completed        *Time            `json:"completed"`
	CompletionStatus *string          `json:"completionStatus"`
	ParentName       *string          `json:"parentName"`
	Messages         []TaskMessageDto `json:"messages"`
	Progress         *string          `json:"progress"`
	Attributes       map[string]any   `json:"attributes"`
	Returns          []TaskReturn     `json:"returns"`
}

// TaskMessageDto is one message of a task.
type TaskMessageDto struct {
	Type          string `json:"type"`
	Error         bool   `json:"error"`
	Warning       bool   `json:"warning"`
	Key           string `json:"key"`
	LocalizedText string `json:"localizedText"`
}

// TaskReturn names one output of the task.
type TaskReturn struct {
	DisplayLabel  string `json:"displayLabel"`
	AttributeName string `json:"attributeName"`
}

// taskReturns are the 28 outputs of an account aggregation task (§14.4).
var taskReturns = func() []TaskReturn {
	pairs := [][2]string{{"TASK_OUT_ACCOUNT_AGGREGATION_APPLICATIONS", "applications"},
		{"TASK_OUT_ACCOUNT_AGGREGATION_TOTAL", "total"}, {"TASK_OUT_ACCOUNT_AGGREGATION_OPTIMIZED", "optimizedAggregation"},
		{"TASK_OUT_ACCOUNT_AGGREGATION_IGNORED", "ignored"}, {"TASK_OUT_UNCHANGED_ACCOUNTS", "optimized"},
		{"TASK_OUT_ACCOUNT_AGGREGATION_CREATED", "created"}, {"TASK_OUT_ACCOUNT_AGGREGATION_UPDATED", "updated"},
		{"TASK_OUT_ACCOUNT_AGGREGATION_DELETED", "deleted"}, {"TASK_OUT_ACCOUNT_AGGREGATION_MANAGER_CHANGES", "managerChanges"},
		{"TASK_OUT_ACCOUNT_AGGREGATION_BUSINESS_ROLE_CHANGES", "detectedRoleChanges"},
		{"TASK_OUT_ACCOUNT_AGGREGATION_EXCEPTION_CHANGES", "exceptionChanges"},
		{"TASK_OUT_ACCOUNT_AGGREGATION_POLICIES", "policies"},
		{"TASK_OUT_ACCOUNT_AGGREGATION_POLICY_VIOLATIONS", "policyViolations"},
		{"TASK_OUT_ACCOUNT_AGGREGATION_POLICY_NOTIFICATIONS", "policyNotifications"},
		{"TASK_OUT_ACCOUNT_AGGREGATION_SCORES_CHANGED", "scoresChanged"},
		{"TASK_OUT_ACCOUNT_AGGREGATION_SNAPSHOTS_CREATED", "snapshotsCreated"},
		{"TASK_OUT_ACCOUNT_AGGREGATION_SCOPES_CREATED", "scopesCreated"},
		{"TASK_OUT_ACCOUNT_AGGREGATION_SCOPES_CORRELATED", "scopesCorrelated"},
		{"TASK_OUT_ACCOUNT_AGGREGATION_SCOPES_SELECTED", "scopesSelected"},
		{"TASK_OUT_ACCOUNT_AGGREGATION_SCOPES_DORMANT", "scopesDormant"},
		{"TASK_OUT_ACCOUNT_AGGREGATION_UNSCOPED_IDENTITIES", "unscopedIdentities"},
		{"TASK_OUT_ACCOUNT_AGGREGATION_CERTIFICATIONS_CREATED", "certificationsCreated"},
		{"TASK_OUT_ACCOUNT_AGGREGATION_CERTIFICATIONS_DELETED", "certificationsDeleted"},
		{"TASK_OUT_ACCOUNT_AGGREGATION_APPLICATIONS_GENERATED", "applicationsGenerated"},
		{"TASK_OUT_ACCOUNT_AGGREGATION_MANAGED_ATTRIBUTES_PROMOTED", "managedAttributesCreated"},
		{"TASK_OUT_ACCOUNT_AGGREGATION_MANAGED_ATTRIBUTES_PROMOTED_BY_APP", "managedAttributesCreatedByApplication"},
		{"TASK_OUT_ACCOUNT_AGGREGATION_IDENTITYENTITLEMENTS_CREATED", "identityEntitlementsCreated"},
		{"TASK_OUT_ACCOUNT_AGGREGATION_GROUPS_CREATED", "groupsCreated"}}
	out := make([]TaskReturn, len(pairs))
	for i, p := range pairs {
		out[i] = TaskReturn{DisplayLabel: p[0], AttributeName: p[1]}
	}
	return out
}()

func loadAccountsTask(a *mica.Aggregation) LoadAccountsTask {
	optimized := "enabled"
	if a.DisableOptimization {
		optimized = "disabled"
	}
	t := TaskBody{ID: a.ID, Type: "QUARTZ", Name: "Cloud Account Aggregation",
		Description: "Aggregate from the specified application", Launcher: a.Launcher, Created: Time(a.Created),
		Launched: TimePtr(a.Started), Completed: TimePtr(a.Completed), CompletionStatus: optString(a.CompletionStatus),
		Messages: []TaskMessageDto{}, Returns: taskReturns,
		Attributes: map[string]any{"appId": a.SourceID, "optimizedAggregation": optimized}}
	progress := "Initializing..."
	switch a.Status {
	case mica.AggStarted:
		if a.Started != nil {
			progress = "Reading and staging accounts"
		}
	case mica.AggAccountsCollected:
		progress = "Applying accounts"
	default:
		progress = "Completed"
	}
	t.Progress = &progress
	if a.Done() {
		s := a.Stats
		for k, v := range map[string]int{"total": s.Scanned, "optimized": s.Unchanged, "created": s.Added,
			"updated": s.Changed, "deleted": s.Removed, "applications": 1} {
			t.Attributes[k] = v
		}
	}
	for _, m := range a.Messages {
		t.Messages = append(t.Messages, TaskMessageDto{Type: m.Type, Error: m.Type == "ERROR", Warning: m.Type == "WARN",
			Key: m.Key, LocalizedText: m.Text})
	}
	return LoadAccountsTask{Success: a.CompletionStatus != mica.CompletionError && a.CompletionStatus != mica.CompletionTerminated,
		Task: t}
}

func (s *Server) launcher(r *http.Request) string {
	p := PrincipalFrom(r.Context())
	if p.Identity != nil {
		return p.Identity.Name
	}
	return p.ClientID
}

func (s *Server) loadAccounts(w http.ResponseWriter, r *http.Request) error {
	src, err := s.Store.GetSource(r.Context(), r.PathValue("id"))
	if err != nil {
		return refNotFound(err) // #23 declares no 404
	}
	if s.Aggregator == nil && (src.IsDelimitedFile() || src.IsDirectory()) {
		return mica.Errorf(mica.EUNAVAILABLE, "account aggregation is not available on this server")
	}
	if src.IsDirectory() {
		return s.aggregateDirectory(w, r, src)
	}
	up, done, err := s.receiveAccountFile(w, r, src)
	if err != nil {
		return err
	}
	keep := false
	defer func() { done(keep) }()
	agg := &mica.Aggregation{SourceID: src.ID, FilePath: up.file, DisableOptimization: up.disable,
		MaxRemovals: up.maxRemovals, Launcher: s.launcher(r)}
	if err := s.Store.CreateAggregation(r.Context(), agg); err != nil {
		return err
	}
	if err := s.Aggregator.Enqueue(agg.ID); err != nil {
		_ = s.Store.FailAggregation(r.Context(), agg.ID, mica.CompletionError, "the aggregation could not be queued")
		return err
	}
	keep = true
	writeJSON(w, http.StatusAccepted, loadAccountsTask(agg))
	return nil
}

// accountUpload is an account file received from a multipart body, with the
// body's other fields.
type accountUpload struct {
	file        string // where it waits, in the upload dir
	disable     bool   // disableOptimization
	maxRemovals *int   // maxRemovals (mica's extension), nil when absent
}

// receiveAccountFile streams the multipart field "file" of a delimited-file
// source's upload into the upload dir, within the upload caps, and reads the
// fields disableOptimization and maxRemovals (mica's extension: how many
// accounts the aggregation may remove). done(keep) releases the upload's room
// and removes the file unless keep.
func (s *Server) receiveAccountFile(w http.ResponseWriter, r *http.Request, src *mica.Source) (*accountUpload, func(keep bool), error) {
	if !src.IsDelimitedFile() {
		return nil, nil, mica.Errorf(mica.EILLEGAL, "source %q is not a delimited-file or directory source (type %q): account files can "+
			"only be loaded into a DelimitedFile source (POST /sources?provisionAsCsv=true)", src.Name, src.Type)
	}
	ct, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || ct != "multipart/form-data" {
		return nil, nil, mica.Errorf(mica.EMISSING, "a delimited-file source needs its CSV as the multipart/form-data field \"file\"")
	}
	limit := s.Config.MaxUploadBytes
	if limit <= 0 {
		limit = DefaultMaxUploadBytes
	}
	tooLarge := mica.Errorf(mica.ETOOLARGE, "the account file is larger than the upload cap of %d bytes; nothing was loaded", limit)
	const overhead = 1 << 20 // multipart headers and the other fields
	if r.ContentLength > limit+overhead {
		return nil, nil, tooLarge
	}
	dir := s.Config.UploadDir
	if dir == "" {
		dir = os.TempDir()
	}
	size := max(r.ContentLength, 0) // the file and a little multipart around it, when the length is known
	allowed, release, err := s.admitUpload(w, dir, src.ID, size, limit)
	if err != nil {
		return nil, nil, err
	}
	up := &accountUpload{}
	done := func(keep bool) {
		if up.file != "" && !keep {
			_ = os.Remove(up.file)
		}
		release()
	}
	if err := s.readAccountUpload(w, r, src, dir, limit, allowed, tooLarge, up); err != nil {
		done(false)
		return nil, nil, err
	}
	return up, done, nil
}

// readAccountUpload reads the multipart body into up (see receiveAccountFile).
func (s *Server) readAccountUpload(w http.ResponseWriter, r *http.Request, src *mica.Source, dir string, limit, allowed int64,
	tooLarge error, up *accountUpload) error {
	const overhead = 1 << 20
	s.uploadDeadline(w)
	r.Body = http.MaxBytesReader(w, r.Body, limit+overhead)
	mr, err := r.MultipartReader()
	if err != nil {
		return mica.Errorf(mica.EINVALID, "the multipart body cannot be read: %s", err.Error())
	}
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return tooLarge
		} else if err != nil {
			return mica.Errorf(mica.EINVALID, "the multipart body cannot be read: %s", err.Error())
		}
		switch part.FormName() {
		case "file":
			if up.file != "" {
				return mica.Errorf(mica.EILLEGAL, "the multipart body has more than one \"file\" field")
			}
			f, err := os.CreateTemp(dir, uploadFileName(src.ID))
			if err != nil {
				return err
			}
			up.file = f.Name()
			n, err := io.Copy(f, io.LimitReader(part, allowed+1))
			if cerr := f.Close(); err == nil {
				err = cerr
			}
			if errors.As(err, &mbe) || n > limit {
				return tooLarge
			} else if n > allowed {
				w.Header().Set("Retry-After", "5")
				return mica.Errorf(mica.ERATELIMIT, "the file is larger than the room left in the upload queue (%d bytes); "+
					"try again when aggregations have finished", allowed)
			} else if err != nil {
				return mica.Errorf(mica.EINVALID, "the file upload was cut short: %s", err.Error())
			}
		case "disableOptimization", "maxRemovals":
			b, err := io.ReadAll(io.LimitReader(part, 16))
			if err != nil {
				return mica.Errorf(mica.EINVALID, "the multipart body cannot be read: %s", err.Error())
			}
			if part.FormName() == "maxRemovals" {
				if up.maxRemovals, err = parseMaxRemovals(string(b)); err != nil {
					return err
				}
				continue
			}
			switch strings.ToLower(strings.TrimSpace(string(b))) {
			case "true":
				up.disable = true
			case "false", "":
			default:
				return mica.Errorf(mica.EILLEGAL, "disableOptimization must be \"true\" or \"false\", not %q", string(b))
			}
		default:
			if _, err := io.Copy(io.Discard, part); err != nil {
				if errors.As(err, &mbe) {
					return tooLarge
				}
				return mica.Errorf(mica.EINVALID, "the multipart body cannot be read: %s", err.Error())
			}
		}
	}
	if up.file == "" {
		return mica.Errorf(mica.EMISSING, "the multipart field \"file\" (the CSV of accounts) is required")
	}
	return nil
}

// parseMaxRemovals reads the maxRemovals field: a whole number of at least 0, or empty for none.
func parseMaxRemovals(v string) (*int, error) {
	v = strings.TrimSpace(v)
	if v == "" {
		return nil, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 {
		return nil, mica.Errorf(mica.EILLEGAL, "maxRemovals must be a whole number of at least 0, not %q", v)
	}
	return &n, nil
}

// maxDirectoryLoadBody caps the body of load-accounts on a directory source:
// at most a disableOptimization field.
const maxDirectoryLoadBody = 64 << 10

// aggregateDirectory starts the aggregation of a directory source: no file,
// the accounts are read from the directory. The body may be empty, or a
// multipart or urlencoded form with disableOptimization only.
func (s *Server) aggregateDirectory(w http.ResponseWriter, r *http.Request, src *mica.Source) error {
	if s.Connector == nil {
		return mica.Errorf(mica.EUNAVAILABLE, "this server cannot reach directories")
	}
	cfg, err := mica.DirectoryConfigOf(src)
	if err == nil {
		err = cfg.Complete()
	}
	if err != nil {
		return err
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxDirectoryLoadBody)
	disable, maxRemovals := "", ""
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	switch ct {
	case "multipart/form-data":
		mr, err := r.MultipartReader()
		if err != nil {
			return mica.Errorf(mica.EINVALID, "the multipart body cannot be read: %s", err.Error())
		}
		for {
			part, err := mr.NextPart()
			if errors.Is(err, io.EOF) {
				break
			} else if err != nil {
				return mica.Errorf(mica.EINVALID, "the multipart body cannot be read: %s", err.Error())
			}
			b, err := io.ReadAll(io.LimitReader(part, 16))
			if err != nil {
				return mica.Errorf(mica.EINVALID, "the multipart body cannot be read: %s", err.Error())
			}
			switch part.FormName() {
			case "file":
				return mica.Errorf(mica.EILLEGAL, "source %q is a directory source: its accounts are read from the directory, "+
					"send no file", src.Name)
			case "disableOptimization":
				disable = string(b)
			case "maxRemovals":
				maxRemovals = string(b)
			}
		}
	case "application/x-www-form-urlencoded":
		if err := r.ParseForm(); err != nil {
			return mica.Errorf(mica.EINVALID, "the form body cannot be read: %s", err.Error())
		}
		disable, maxRemovals = r.PostForm.Get("disableOptimization"), r.PostForm.Get("maxRemovals")
	}
	agg := &mica.Aggregation{SourceID: src.ID, Launcher: s.launcher(r)}
	if agg.MaxRemovals, err = parseMaxRemovals(maxRemovals); err != nil {
		return err
	}
	switch strings.ToLower(strings.TrimSpace(disable)) {
	case "true":
		agg.DisableOptimization = true
	case "false", "":
	default:
		return mica.Errorf(mica.EILLEGAL, "disableOptimization must be \"true\" or \"false\", not %q", disable)
	}
	if err := s.Store.CreateAggregation(r.Context(), agg); err != nil {
		return err
	}
	if err := s.Aggregator.Enqueue(agg.ID); err != nil {
		_ = s.Store.FailAggregation(r.Context(), agg.ID, mica.CompletionError, "the aggregation could not be queued")
		return err
	}
	writeJSON(w, http.StatusAccepted, loadAccountsTask(agg))
	return nil
}

// AccountAggregationStatus is the body of #24 (REFERENCE.md §14.5). Counters
// are sent once the accounts are collected; beta has only the first four fields.
type AccountAggregationStatus struct {
	Start                          *Time  `json:"start"`
	Status                         string `json:"status"`
	TotalAccounts                  *int   `json:"totalAccounts,omitempty"`
	ProcessedAccounts              *int   `json:"processedAccounts,omitempty"`
	TotalAccountsMarkedForDeletion *int   `json:"totalAccountsMarkedForDeletion,omitempty"`
	DeletedAccounts                *int   `json:"deletedAccounts,omitempty"`
	TotalIdentities                *int   `json:"totalIdentities,omitempty"`
	ProcessedIdentities            *int   `json:"processedIdentities,omitempty"`
}

func aggregationStatus(v Version, a *mica.Aggregation) AccountAggregationStatus {
	start := TimePtr(a.Started)
	if start == nil {
		t := Time(a.Created)
		start = &t
	}
	d := AccountAggregationStatus{Start: start, Status: a.Status}
	if a.Status == mica.AggAccountsCollected || a.Status == mica.AggCompleted {
		n := func(i int) *int { return &i }
		d.TotalAccounts, d.ProcessedAccounts = n(a.TotalAccounts), n(a.ProcessedAccounts)
		if v != Beta {
			d.TotalAccountsMarkedForDeletion, d.DeletedAccounts = n(a.MarkedForDeletion), n(a.DeletedAccounts)
			d.TotalIdentities, d.ProcessedIdentities = n(a.TotalIdentities), n(a.ProcessedIdentities)
		}
	}
	return d
}

// requireAllScopes enforces beta #24's top-level security, userAuth [sp:scopes:all].
func requireAllScopes(r *http.Request) error {
	if VersionFrom(r.Context()) != Beta {
		return nil
	}
	for _, sc := range PrincipalFrom(r.Context()).Scopes {
		if sc == ScopeAll {
			return nil
		}
	}
	return mica.Errorf(mica.EFORBIDDEN, "this operation needs a token with scope %s", ScopeAll)
}

func (s *Server) getAggregationStatus(w http.ResponseWriter, r *http.Request) error {
	if err := requireAllScopes(r); err != nil {
		return err
	}
	a, err := s.Store.GetAggregation(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, aggregationStatus(VersionFrom(r.Context()), a))
	return nil
}
