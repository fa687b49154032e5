package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"

	"github.com/micahq/mica"
	"github.com/micahq/mica/query"
)

// lifecycleLevels are the user levels of the lifecycle action operations (#77–80).
var lifecycleLevels = []string{mica.LevelOrgAdmin, mica.LevelSourceAdmin, mica.LevelSourceSubadmin, mica.LevelUser}

func (s *Server) registerLifecycleActions() {
	v1 := []Version{V1}
	// #77, #79 and #80 declare mis-identity:manage, but their text lets the
	// submitter and a machine identity's owners in without it: the handlers
	// check the rights (lifecycleAllowed).
	any := Auth{Levels: lifecycleLevels}
	s.handle(&Op{ID: "submitMachineIdentityLifecycleAction", Method: http.MethodPost,
		Path: "/machine-identities/{id}/lifecycle-actions", Versions: v1, Auth: any, Experimental: v1,
		Handle: s.submitLifecycleAction})
	s.handle(&Op{ID: "listMachineIdentityLifecycleActions", Method: http.MethodGet,
		Path: "/machine-identities/lifecycle-actions", Versions: v1, Experimental: v1,
		Auth: Auth{User: []string{ScopeAll}, Levels: lifecycleLevels}, Handle: s.listLifecycleActions})
	s.handle(&Op{ID: "getMachineIdentityLifecycleAction", Method: http.MethodGet,
		Path: "/machine-identities/lifecycle-actions/{requestId}", Versions: v1, Auth: any, Experimental: v1,
		Handle: s.getLifecycleAction})
	s.handle(&Op{ID: "cancelMachineIdentityLifecycleAction", Method: http.MethodPost,
		Path: "/machine-identities/lifecycle-actions/{requestId}/cancel", Versions: v1, Auth: any, Experimental: v1,
		Handle: s.cancelLifecycleAction})
}

// lifecycleManager reports whether p acts with the lifecycle scope and an
// admin role: "the scope and role context".
func lifecycleManager(p *Principal) bool {
	return (p.Has(ScopeMISIdentityManage) || p.Has(ScopeLifecycleActionManage)) &&
		(p.HasLevel(mica.LevelOrgAdmin) || p.HasLevel(mica.LevelSourceAdmin) || p.HasLevel(mica.LevelSourceSubadmin))
}

func lifecycleDenied(what string) error {
	return &mica.Error{Code: mica.EFORBIDDEN, Detail: mica.DetailLifecycleAccessDenied, Message: what}
}

// lifecycleRequest is the body of #77.
type lifecycleRequest struct {
	Action   string `json:"action"`
	Comments []struct {
		Comment string `json:"comment"`
	} `json:"comments"`
}

func (s *Server) submitLifecycleAction(w http.ResponseWriter, r *http.Request) error {
	var body lifecycleRequest
	if err := decodeJSON(r, &body); err != nil {
		return err
	}
	p := PrincipalFrom(r.Context())
	m, err := s.Store.GetMachineIdentity(r.Context(), r.PathValue("id"))
	if mica.ErrorCode(err) == mica.ENOTFOUND {
		return &mica.Error{Code: mica.ENOTFOUND, Detail: mica.DetailLifecycleNotFound, Message: mica.ErrorMessage(err)}
	} else if err != nil {
		return err
	}
	if !lifecycleManager(p) && !m.IsOwner(p.IdentityID) {
		return lifecycleDenied("submitting a lifecycle action needs the machine-identity-lifecycle-action:manage scope with an admin role, or to own the machine identity")
	}
	if m.Subtype != mica.LifecycleTargetType {
		return &mica.Error{Code: mica.EFORBIDDEN, Detail: mica.DetailLifecycleUnsupported,
			Message: "lifecycle actions apply to AI_AGENT machine identities; this one is " + quoteOrNone(m.Subtype)}
	}
	a := &mica.LifecycleAction{Action: body.Action, TargetID: m.ID, TargetName: m.Name, TargetType: m.Subtype,
		SourceID: m.SourceID, SourceName: m.SourceName, NativeID: m.NativeIdentity,
		RequestedBy: mica.Ref{Type: "IDENTITY", ID: p.IdentityID, Name: p.Identity.Name}}
	for _, c := range body.Comments {
		a.Comments = append(a.Comments, mica.LifecycleComment{Author: a.RequestedBy, Comment: c.Comment})
	}
	if m.PrimaryOwner != nil {
		a.Owners = append(a.Owners, *m.PrimaryOwner)
	}
	a.Owners = append(a.Owners, m.SecondaryOwners...)
	if m.SourceID != "" {
		if src, err := s.Store.GetSource(r.Context(), m.SourceID); err == nil {
			owner := src.Owner
			a.SourceOwner = &owner
		}
	}
	if err := s.Store.SubmitLifecycleAction(r.Context(), a); err != nil {
		return err
	}
	created := Time(a.Created)
	writeJSON(w, http.StatusAccepted, LifecycleReceipt{RequestID: a.ID, Status: a.Status, Action: a.Action, TargetID: a.TargetID,
		ResourceID: a.NativeID, CreatedAt: &created})
	return nil
}

func quoteOrNone(s string) string {
	if s == "" {
		return "without a subtype"
	}
	return "a " + s
}

// LifecycleReceipt is the 202 body of submit (#77) and cancel (#80).
type LifecycleReceipt struct {
	RequestID  string `json:"requestId"`
	Status     string `json:"status"`
	Action     string `json:"action"`
	TargetID   string `json:"targetId"`
	ResourceID string `json:"resourceId,omitempty"`
	CreatedAt  *Time  `json:"createdAt,omitempty"`
}

func (s *Server) listLifecycleActions(w http.ResponseWriter, r *http.Request) error {
	opt, err := listOptions(r, query.ListLifecycleActions)
	if err != nil {
		return err
	}
	if r.URL.Query().Get("limit") == "" {
		opt.Limit = 50 // "When omitted, the default limit is 50"
	}
	p := PrincipalFrom(r.Context())
	page := mica.Page[*mica.LifecycleAction]{Items: []*mica.LifecycleAction{}, Total: -1}
	if p.IdentityID != "" {
		if page, err = s.Store.ListLifecycleActions(r.Context(), p.IdentityID, opt); err != nil {
			return err
		}
	} else if opt.Count {
		page.Total = 0
	}
	w.Header().Set("Cache-Control", "private, max-age=5")
	tenant := s.Config.TenantID
	writePage(w, page, func(a *mica.LifecycleAction) LifecycleActionDto { return lifecycleDto(tenant, a) })
	return nil
}

// visibleLifecycleAction returns an action the caller may see: its submitter
// always, anyone else with the scope and an admin role.
func (s *Server) visibleLifecycleAction(r *http.Request) (*mica.LifecycleAction, error) {
	a, err := s.Store.GetLifecycleAction(r.Context(), r.PathValue("requestId"))
	if err != nil {
		return nil, err
	}
	if p := PrincipalFrom(r.Context()); p.IdentityID != a.RequestedBy.ID && !lifecycleManager(p) {
		return nil, lifecycleDenied("only the submitter, or a caller with the machine-identity-lifecycle-action:manage scope and an admin role, may see or cancel this request")
	}
	return a, nil
}

func (s *Server) getLifecycleAction(w http.ResponseWriter, r *http.Request) error {
	a, err := s.visibleLifecycleAction(r)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, lifecycleDto(s.Config.TenantID, a))
	return nil
}

func (s *Server) cancelLifecycleAction(w http.ResponseWriter, r *http.Request) error {
	var body struct {
		Comment string `json:"comment"`
	}
	if err := decodeOptionalJSON(r, &body); err != nil { // the body is optional; a requestId in it is ignored
		return err
	}
	if _, err := s.visibleLifecycleAction(r); err != nil {
		return err
	}
	p := PrincipalFrom(r.Context())
	by := mica.Ref{Type: "IDENTITY", ID: p.IdentityID, Name: p.Identity.Name}
	now := s.Now().UTC()
	a, err := s.Store.UpdateLifecycleAction(r.Context(), r.PathValue("requestId"), func(a *mica.LifecycleAction) error {
		return a.Cancel(by, body.Comment, now)
	})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusAccepted, LifecycleReceipt{RequestID: a.ID, Status: a.Status, Action: a.Action, TargetID: a.TargetID,
		ResourceID: a.NativeID})
	return nil
}

// LifecycleActionDto is the "Lifecycle Action Request" of #78 and #79.
type LifecycleActionDto struct {
	ID            string              `json:"id"`
	TenantID      string              `json:"tenantId"`
	StatusType    string              `json:"statusType"`
	RequestedBy   string              `json:"requestedBy"`
	TargetType    string              `json:"targetType"`
	TargetID      string              `json:"targetId"`
	OperationType string              `json:"operationType"`
	WorkflowID    string              `json:"workflowId"`
	Completed     bool                `json:"completed"`
	Details       LifecycleDetailsDto `json:"details"`
	Created       Time                `json:"created"`
	Modified      Time                `json:"modified"`
}

// LifecycleDetailsDto is the details of a lifecycle action.
type LifecycleDetailsDto struct {
	Status         string                   `json:"status"`
	Action         string                   `json:"action"`
	Canceller      *mica.Ref                `json:"canceller,omitempty"`
	CanceledAt     *Time                    `json:"canceledAt,omitempty"`
	CancelComment  string                   `json:"cancelComment,omitempty"`
	Comments       []LifecycleCommentDto    `json:"comments"`
	FailurePhase   string                   `json:"failurePhase,omitempty"`
	FailureReason  string                   `json:"failureReason,omitempty"`
	Resource       LifecycleResourceDto     `json:"resource"`
	ResourceOwners []mica.Ref               `json:"resourceOwners"`
	SourceOwner    *mica.Ref                `json:"sourceOwner,omitempty"`
	Requester      mica.Ref                 `json:"requester"`
	Provisioning   LifecycleProvisioningDto `json:"provisioning"`
}

// LifecycleCommentDto is one comment of a lifecycle action.
type LifecycleCommentDto struct {
	CommentID string   `json:"commentId"`
	Author    mica.Ref `json:"author"`
	Comment   string   `json:"comment"`
	CreatedAt Time     `json:"createdAt"`
}

// LifecycleResourceDto is the machine identity a lifecycle action acts on.
type LifecycleResourceDto struct {
	ID         string `json:"id"`
	ResourceID string `json:"resourceId,omitempty"`
	Name       string `json:"name"`
	SourceID   string `json:"sourceId,omitempty"`
	SourceName string `json:"sourceName,omitempty"`
	Subtype    string `json:"subtype"`
}

// LifecycleProvisioningDto is the state of the change.
type LifecycleProvisioningDto struct {
	Status  string `json:"status"`
	Started *Time  `json:"started,omitempty"`
	Ended   *Time  `json:"ended,omitempty"`
}

func lifecycleDto(tenant string, a *mica.LifecycleAction) LifecycleActionDto {
	d := LifecycleActionDto{ID: a.ID, TenantID: tenant, StatusType: "LIFECYCLE_ACTIONS_REQUEST", RequestedBy: a.RequestedBy.ID,
		TargetType: a.TargetType, TargetID: a.TargetID, OperationType: a.Action,
		WorkflowID: "sp:resource-lifecycle:" + a.TargetType + ":" + a.ID, Completed: a.Completed(),
		Created: Time(a.Created), Modified: Time(a.Modified)}
	d.Details = LifecycleDetailsDto{Status: a.Status, Action: a.Action, Canceller: a.Canceller, CanceledAt: TimePtr(a.CanceledAt),
		CancelComment: a.CancelComment, Comments: []LifecycleCommentDto{}, FailurePhase: a.FailurePhase,
		FailureReason: a.FailureReason, ResourceOwners: a.Owners, SourceOwner: a.SourceOwner, Requester: a.RequestedBy,
		Resource: LifecycleResourceDto{ID: a.TargetID, ResourceID: a.NativeID, Name: a.TargetName, SourceID: a.SourceID,
			SourceName: a.SourceName, Subtype: a.TargetType},
		Provisioning: LifecycleProvisioningDto{Status: a.Provisioning.Status, Started: TimePtr(a.Provisioning.Started),
			Ended: TimePtr(a.Provisioning.Ended)}}
	if d.Details.ResourceOwners == nil {
		d.Details.ResourceOwners = []mica.Ref{}
	}
	for _, c := range a.Comments {
		d.Details.Comments = append(d.Details.Comments, LifecycleCommentDto{CommentID: c.ID, Author: c.Author, Comment: c.Comment,
			CreatedAt: Time(c.CreatedAt)})
	}
	return d
}

// decodeOptionalJSON reads an optional JSON object body into v: an empty body leaves v as it is.
func decodeOptionalJSON(r *http.Request, v any) error {
	b, err := io.ReadAll(r.Body)
	var tooLarge *http.MaxBytesError
	if errors.As(err, &tooLarge) {
		return mica.Errorf(mica.ETOOLARGE, "request body is larger than %d bytes", tooLarge.Limit)
	} else if err != nil {
		return mica.Errorf(mica.EINVALID, "request body could not be read: %s", err.Error())
	}
	if len(bytes.TrimSpace(b)) == 0 {
		return nil
	}
	if err := json.Unmarshal(b, v); err != nil {
		return mica.Errorf(mica.EINVALID, "request body is not a valid JSON object: %s", err.Error())
	}
	return nil
}
