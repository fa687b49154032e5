package api

import (
	"net/http"

	"github.com/micahq/mica"
)

func (s *Server) registerAccountRequests() {
	user := Auth{Levels: []string{mica.LevelUser}}
	s.handle(&Op{ID: "createMachineAccountRequest", Method: http.MethodPost, Path: "/account-requests/machine-account-create",
		Versions: V2026Plus, Auth: user, Experimental: V2026Plus, Handle: s.createAccountRequest})
	s.handle(&Op{ID: "getCreateMachineAccountRequest", Method: http.MethodGet,
		Path: "/account-requests/machine-account-create/{accountRequestId}", Versions: V2026Plus, Auth: user,
		Experimental: V2026Plus, Handle: s.getAccountRequest})
	// mica extension: an approver's decision on a request whose subtype needs approval.
	approve := Auth{User: []string{ScopeSourcesManage}, Levels: sourceAdminLevels}
	s.handle(&Op{ID: "micaApproveMachineAccountRequest", Method: http.MethodPost,
		Path: "/account-requests/machine-account-create/{accountRequestId}/approve", Versions: []Version{Mica}, Auth: approve,
		Handle: s.decideAccountRequest(true)})
	s.handle(&Op{ID: "micaRejectMachineAccountRequest", Method: http.MethodPost,
		Path: "/account-requests/machine-account-create/{accountRequestId}/reject", Versions: []Version{Mica}, Auth: approve,
		Handle: s.decideAccountRequest(false)})

	// The source's delete approval config declares no experimental header, and
	// its PATCH accepts the read scope too (defects 2, 13).
	cfg := Auth{User: []string{ScopeSourceConfigRead, ScopeSourceConfigWrite}, Levels: sourceAdminLevels}
	path := "/sources/{sourceId}/approval-config/machine-account-delete"
	s.handle(&Op{ID: "getMachineAccountDeletionApprovalConfigBySource", Method: http.MethodGet, Path: path,
		Versions: V2026Plus, Auth: cfg, Handle: s.getDeleteApproval})
	s.handle(&Op{ID: "updateMachineAccountDeletionApprovalConfig", Method: http.MethodPatch, Path: path,
		Versions: V2026Plus, Auth: cfg, Handle: s.patchDeleteApproval})
}

// accountRequestBody is the body of createMachineAccountRequest (#58).
type accountRequestBody struct {
	SubtypeID         string         `json:"subtypeId"`
	FormID            string         `json:"formId"`
	OwnerIdentityID   string         `json:"ownerIdentityId"`
	MachineIdentityID *string        `json:"machineIdentityId"`
	Environment       string         `json:"environment"`
	Description       string         `json:"description"`
	UserInput         map[string]any `json:"userInput"`
	EntitlementIDs    []string       `json:"entitlementIds"`
}

// createAccountRequest checks that the caller may request accounts of the
// subtype (it holds the subtype's create entitlement: mica.CreatableSubtypes)
// and queues the request.
func (s *Server) createAccountRequest(w http.ResponseWriter, r *http.Request) error {
	var body accountRequestBody
	if err := decodeJSON(r, &body); err != nil {
		return err
	}
	p := PrincipalFrom(r.Context())
	req := &mica.MachineAccountRequest{SubtypeID: body.SubtypeID, FormID: body.FormID, OwnerIdentityID: body.OwnerIdentityID,
		Environment: body.Environment, Description: body.Description, UserInput: body.UserInput, EntitlementIDs: body.EntitlementIDs,
		Requester: mica.Ref{Type: "IDENTITY", ID: p.IdentityID, Name: p.Identity.Name}}
	if body.MachineIdentityID != nil {
		req.MachineIdentityID = *body.MachineIdentityID
	}
	if err := req.Validate(); err != nil {
		return err
	}
	st, err := s.Store.GetSubtype(r.Context(), req.SubtypeID)
	if mica.ErrorCode(err) == mica.ENOTFOUND {
		return mica.Errorf(mica.EREFNOTFOUND, "subtype %q not found", req.SubtypeID)
	} else if err != nil {
		return err
	}
	if !st.Config.Create.AccountCreateEnabled {
		return mica.Errorf(mica.EILLEGAL, "machine account creation is not enabled for subtype %q", st.TechnicalName)
	}
	allowed, err := s.creatableSubtypes(r)
	if err != nil {
		return err
	}
	ok := false
	for _, a := range allowed {
		ok = ok || a.ID == st.ID
	}
	if !ok {
		return mica.Errorf(mica.EFORBIDDEN, "you can only request machine accounts of a subtype whose create entitlement (%s) you hold",
			st.Config.Create.EntitlementID)
	}
	req.Start(st, s.Now().UTC())
	if err := s.Store.CreateMachineAccountRequest(r.Context(), req); err != nil {
		return err
	}
	writeJSON(w, http.StatusAccepted, map[string]string{"accountRequestId": req.ID})
	return nil
}

// AccountRequestPhaseDto is one phase of a request.
type AccountRequestPhaseDto struct {
	Name     string `json:"name"`
	State    string `json:"state"`
	Started  *Time  `json:"started,omitempty"`
	Finished *Time  `json:"finished,omitempty"`
}

// AccountRequestDto is the wire form of a machine account create request (#59).
type AccountRequestDto struct {
	AccountRequestID string                   `json:"accountRequestId"`
	RequestType      string                   `json:"requestType"`
	CreatedAt        Time                     `json:"createdAt"`
	CompletedAt      *Time                    `json:"completedAt"`
	OverallStatus    string                   `json:"overallStatus"`
	Requester        mica.Ref                 `json:"requester"`
	Phases           []AccountRequestPhaseDto `json:"accountRequestPhases"`
	ErrorDetails     *string                  `json:"errorDetails"`
}

func accountRequestDto(req *mica.MachineAccountRequest) AccountRequestDto {
	return AccountRequestDto{AccountRequestID: req.ID, RequestType: "CREATE_MACHINE_ACCOUNT", CreatedAt: Time(req.Created),
		CompletedAt: TimePtr(req.Completed), OverallStatus: req.Status, Requester: req.Requester,
		Phases: []AccountRequestPhaseDto{
			{Name: "APPROVAL_PHASE", State: req.Approval.State, Started: TimePtr(req.Approval.Started), Finished: TimePtr(req.Approval.Finished)},
			{Name: "PROVISIONING_PHASE", State: req.Provisioning.State, Started: TimePtr(req.Provisioning.Started),
				Finished: TimePtr(req.Provisioning.Finished)},
		}, ErrorDetails: nullIfEmpty(req.ErrorDetails)}
}

// getAccountRequest shows a request to its requester and to org admins; to
// anyone else it does not exist.
func (s *Server) getAccountRequest(w http.ResponseWriter, r *http.Request) error {
	req, err := s.Store.GetMachineAccountRequest(r.Context(), r.PathValue("accountRequestId"))
	if err != nil {
		return err
	}
	if p := PrincipalFrom(r.Context()); p.IdentityID != req.Requester.ID && !p.HasLevel(mica.LevelOrgAdmin) {
		return mica.Errorf(mica.ENOTFOUND, "machine account request %q not found", req.ID)
	}
	writeJSON(w, http.StatusOK, accountRequestDto(req))
	return nil
}

func (s *Server) decideAccountRequest(approve bool) func(w http.ResponseWriter, r *http.Request) error {
	return func(w http.ResponseWriter, r *http.Request) error {
		req, err := s.Store.DecideMachineAccountRequest(r.Context(), r.PathValue("accountRequestId"), approve)
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, accountRequestDto(req))
		return nil
	}
}

func (s *Server) getDeleteApproval(w http.ResponseWriter, r *http.Request) error {
	c, err := s.Store.GetDeleteApprovalConfig(r.Context(), r.PathValue("sourceId"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, c)
	return nil
}

func (s *Server) patchDeleteApproval(w http.ResponseWriter, r *http.Request) error {
	ops, err := decodePatch(r)
	if err != nil {
		return err
	}
	c, err := s.Store.UpdateDeleteApprovalConfig(r.Context(), r.PathValue("sourceId"), func(c *mica.AccountDeleteConfig) error {
		doc, err := toDocument(c)
		if err != nil {
			return err
		}
		out, err := applyPatch(doc, ops, []string{"approvalRequired", "approvalConfig"})
		if err != nil {
			return err
		}
		var next mica.AccountDeleteConfig
		if err := fromDocument(out, &next); err != nil {
			return err
		}
		next.Defaults()
		*c = next
		return nil
	})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, c)
	return nil
}
