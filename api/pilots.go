package api

import (
	"context"
	"net/http"
	"time"

	"cxbacklog/domain"

	"github.com/labstack/echo/v4"
)

// PilotCreate is the body of POST /pilots.
type PilotCreate struct {
	IdeaID          string   `json:"idea_id" binding:"required,uuid" format:"uuid"`
	Title           string   `json:"title" binding:"max=200" example:"Headsets for team B"`
	Hypothesis      string   `json:"hypothesis" binding:"required,max=10000" example:"Agents who hear callers clearly resolve calls faster and please callers more"`
	Scope           string   `json:"scope" binding:"max=10000" example:"Team B (24 agents), inbound billing calls; team A is the control"`
	TouchpointIDs   []string `json:"touchpoint_ids" binding:"max=50,dive,uuid" format:"uuid"` // default: the idea's
	StartDate       *string  `json:"start_date" format:"date" example:"2026-09-01"`
	EndDate         *string  `json:"end_date" format:"date" example:"2026-11-30"` // on or after start_date
	Owner           string   `json:"owner" binding:"max=200" example:"Contact centre operations"`
	ConfidenceLevel *float64 `json:"confidence_level" minimum:"0.8" maximum:"0.99" example:"0.95"` // default 0.95
} // @name PilotCreate

// PilotPatch is a JSON Merge Patch of a pilot's plan. Status moves through
// the start, complete and cancel actions, not here.
type PilotPatch struct {
	Title           *string   `json:"title"`
	Hypothesis      *string   `json:"hypothesis"`
	Scope           *string   `json:"scope"`
	TouchpointIDs   *[]string `json:"touchpoint_ids" format:"uuid"`
	StartDate       *string   `json:"start_date" format:"date"`
	EndDate         *string   `json:"end_date" format:"date"`
	Owner           *string   `json:"owner"`
	ConfidenceLevel *float64  `json:"confidence_level" minimum:"0.8" maximum:"0.99"` // null resets to 0.95
} // @name PilotPatch

// PilotComplete is the body of POST /pilots/{id}/complete.
type PilotComplete struct {
	Decision string `json:"decision" binding:"required" enums:"adopt,iterate,abandon" example:"adopt"`
} // @name PilotComplete

// Pilot is a small, time-boxed test of an idea.
type Pilot struct {
	ID              string     `json:"id" format:"uuid"`
	IdeaID          string     `json:"idea_id" format:"uuid"`
	Title           string     `json:"title" example:"Headsets for team B"`
	Hypothesis      string     `json:"hypothesis"`
	Scope           string     `json:"scope"`
	TouchpointIDs   []string   `json:"touchpoint_ids" format:"uuid"`
	StartDate       *string    `json:"start_date" format:"date" extensions:"x-nullable" example:"2026-09-01"`
	EndDate         *string    `json:"end_date" format:"date" extensions:"x-nullable" example:"2026-11-30"`
	Owner           string     `json:"owner"`
	ConfidenceLevel float64    `json:"confidence_level" example:"0.95"`
	Status          string     `json:"status" enums:"planned,running,completed,cancelled" example:"planned"`
	Decision        *string    `json:"decision" enums:"adopt,iterate,abandon" extensions:"x-nullable"` // set on completion
	StartedAt       *time.Time `json:"started_at" extensions:"x-nullable"`
	EndedAt         *time.Time `json:"ended_at" extensions:"x-nullable"` // completed or cancelled
	CreatedAt       time.Time  `json:"created_at"`
	UpdatedAt       time.Time  `json:"updated_at"`
	Version         int        `json:"version" example:"1"`
} // @name Pilot

// PilotList is one page of pilots, oldest first.
type PilotList struct {
	Items      []Pilot `json:"items"`
	NextCursor *string `json:"next_cursor" extensions:"x-nullable"`
} // @name PilotList

const dateLayout = "2006-01-02"

func pilotOut(p *domain.Pilot) Pilot {
	out := Pilot{
		ID: p.ID, IdeaID: p.IdeaID, Title: p.Title, Hypothesis: p.Hypothesis, Scope: p.Scope, TouchpointIDs: p.TouchpointIDs,
		StartDate: dateOut(p.StartDate), EndDate: dateOut(p.EndDate), Owner: p.Owner, ConfidenceLevel: p.ConfidenceLevel,
		Status: string(p.Status), StartedAt: utc(p.StartedAt), EndedAt: utc(p.EndedAt),
		CreatedAt: p.CreatedAt.UTC(), UpdatedAt: p.UpdatedAt.UTC(), Version: p.Version,
	}
	if p.Decision != "" {
		d := string(p.Decision)
		out.Decision = &d
	}
	return out
}

// createPilot godoc
//
//	@Summary		Plan a pilot of an idea
//	@Description	The pilot starts as planned. touchpoint_ids default to the idea's; each must be in the workspace (else 422 naming /touchpoint_ids/N), and so must the idea (else 422 naming /idea_id).
//	@Tags			pilots
//	@Accept			json
//	@Produce		json
//	@Security		BearerAuth
//	@Param			Idempotency-Key	header		string		false	"Makes the request safe to retry: the first response is replayed for 24 h"
//	@Param			pilot			body		PilotCreate	true	"The pilot"
//	@Success		201				{object}	Pilot
//	@Header			201				{string}	Location	"URL of the new pilot"
//	@Header			201				{string}	ETag		"Version, for If-Match"
//	@Failure	400,401,403,413,415,422,503	{object}	Problem
//	@Failure		409				{object}	Problem	"The same Idempotency-Key is in flight"
//	@Router			/api/v1/pilots [post]
func (s *Server) createPilot(c echo.Context) error {
	var in PilotCreate
	if err := bindCreate(c, &in); err != nil {
		return err
	}
	var fields []domain.FieldError
	p := &domain.Pilot{
		WorkspaceID: principal(c).WorkspaceID, IdeaID: in.IdeaID, Title: in.Title, Hypothesis: in.Hypothesis,
		Scope: in.Scope, TouchpointIDs: in.TouchpointIDs, StartDate: parseDate(&fields, "/start_date", in.StartDate),
		EndDate: parseDate(&fields, "/end_date", in.EndDate), Owner: in.Owner,
		ConfidenceLevel: domain.DefaultConfidenceLevel, Status: domain.PilotPlanned,
	}
	if in.ConfidenceLevel != nil {
		p.ConfidenceLevel = *in.ConfidenceLevel
	}
	if err := withFields(fields, p.Validate()); err != nil {
		return err
	}
	if err := s.pilots.Create(c.Request().Context(), p); err != nil {
		return err
	}
	return created(c, "/api/v1/pilots/"+p.ID, p.Version, pilotOut(p))
}

// listPilots godoc
//
//	@Summary		List pilots, oldest first
//	@Description	Every filter takes several values, any of which matches: repeat the parameter or separate the values with commas.
//	@Tags			pilots
//	@Produce		json
//	@Security		BearerAuth
//	@Param		status			query		[]string	false	"Pilots with any of these statuses"	Enums(planned,running,completed,cancelled)	collectionFormat(csv)
//	@Param		idea_id			query		[]string	false	"Pilots of any of these ideas"	collectionFormat(csv)
//	@Param		touchpoint_id	query		[]string	false	"Pilots targeting any of these touchpoints"	collectionFormat(csv)
//	@Param		limit			query		int		false	"Page size, 1–100"	default(20)
//	@Param		cursor			query		string	false	"next_cursor of the previous page"
//	@Success	200				{object}	PilotList
//	@Failure	400,401,503	{object}	Problem
//	@Router		/api/v1/pilots [get]
func (s *Server) listPilots(c echo.Context) error {
	q := newListQuery(c, "status", "idea_id", "touchpoint_id")
	f := domain.PilotFilter{Statuses: enumList(q, "status", domain.PilotStatuses), IdeaIDs: q.ids("idea_id"), TouchpointIDs: q.ids("touchpoint_id")}
	return s.pilotPage(c, q, f)
}

// ideaPilots godoc
//
//	@Summary	An idea's pilots, oldest first
//	@Tags		pilots
//	@Produce	json
//	@Security	BearerAuth
//	@Param		id		path		string	true	"Idea id"	format(uuid)
//	@Param		status	query		[]string	false	"Pilots with any of these statuses (repeat, or separate with commas)"	Enums(planned,running,completed,cancelled)	collectionFormat(csv)
//	@Param		limit	query		int		false	"Page size, 1–100"	default(20)
//	@Param		cursor	query		string	false	"next_cursor of the previous page"
//	@Success	200		{object}	PilotList
//	@Failure	400,401,503	{object}	Problem
//	@Failure	404		{object}	Problem	"Unknown idea, or in another workspace"
//	@Router		/api/v1/ideas/{id}/pilots [get]
func (s *Server) ideaPilots(c echo.Context) error {
	id, err := pathID(c, "idea")
	if err != nil {
		return err
	}
	if _, err := s.store.GetIdea(c.Request().Context(), principal(c).WorkspaceID, id); err != nil {
		return err
	}
	q := newListQuery(c, "status")
	return s.pilotPage(c, q, domain.PilotFilter{Statuses: enumList(q, "status", domain.PilotStatuses), IdeaIDs: []string{id}})
}

func (s *Server) pilotPage(c echo.Context, q *listQuery, f domain.PilotFilter) error {
	page := q.page()
	if err := q.err(); err != nil {
		return err
	}
	pilots, next, err := s.store.ListPilots(c.Request().Context(), principal(c).WorkspaceID, f, page)
	if err != nil {
		return err
	}
	out := PilotList{Items: make([]Pilot, len(pilots)), NextCursor: encodeCursor(next)}
	for n := range pilots {
		out.Items[n] = pilotOut(&pilots[n])
	}
	return c.JSON(http.StatusOK, out)
}

// getPilot godoc
//
//	@Summary	Get a pilot
//	@Tags		pilots
//	@Produce	json
//	@Security	BearerAuth
//	@Param		id	path		string	true	"Pilot id"	format(uuid)
//	@Success	200	{object}	Pilot
//	@Header		200	{string}	ETag	"Version, for If-Match"
//	@Failure	401,503	{object}	Problem
//	@Failure	404	{object}	Problem	"Unknown, or in another workspace"
//	@Router		/api/v1/pilots/{id} [get]
func (s *Server) getPilot(c echo.Context) error {
	id, err := pathID(c, "pilot")
	if err != nil {
		return err
	}
	p, err := s.store.GetPilot(c.Request().Context(), principal(c).WorkspaceID, id)
	if err != nil {
		return err
	}
	setETag(c, p.Version)
	return c.JSON(http.StatusOK, pilotOut(p))
}

// patchPilot godoc
//
//	@Summary		Change a pilot's plan (JSON Merge Patch)
//	@Description	Only while the pilot is planned or running (409 once completed or cancelled).
//	@Tags			pilots
//	@Accept			json
//	@Accept			application/merge-patch+json
//	@Produce		json
//	@Security		BearerAuth
//	@Param			id			path		string		true	"Pilot id"	format(uuid)
//	@Param			If-Match	header		string		true	"ETag of the version the change is based on"
//	@Param			patch		body		PilotPatch	true	"Fields to change"
//	@Success		200			{object}	Pilot
//	@Header			200			{string}	ETag	"The new version"
//	@Failure	400,401,403,404,412,413,415,422,428,503	{object}	Problem
//	@Failure		409			{object}	Problem	"The pilot is completed or cancelled"
//	@Router			/api/v1/pilots/{id} [patch]
func (s *Server) patchPilot(c echo.Context) error {
	id, err := pathID(c, "pilot")
	if err != nil {
		return err
	}
	version, err := ifMatch(c)
	if err != nil {
		return err
	}
	var in PilotPatch
	patch, err := bindPatch(c, &in)
	if err != nil {
		return err
	}
	p, err := s.store.UpdatePilot(c.Request().Context(), principal(c).WorkspaceID, id, version, func(p *domain.Pilot) error {
		if err := p.Editable(); err != nil {
			return err
		}
		var fields []domain.FieldError
		setField(patch, "title", in.Title, &p.Title)
		setField(patch, "hypothesis", in.Hypothesis, &p.Hypothesis)
		setField(patch, "scope", in.Scope, &p.Scope)
		setField(patch, "touchpoint_ids", in.TouchpointIDs, &p.TouchpointIDs)
		setField(patch, "owner", in.Owner, &p.Owner)
		if _, ok := patch["start_date"]; ok {
			p.StartDate = parseDate(&fields, "/start_date", in.StartDate)
		}
		if _, ok := patch["end_date"]; ok {
			p.EndDate = parseDate(&fields, "/end_date", in.EndDate)
		}
		if _, ok := patch["confidence_level"]; ok {
			p.ConfidenceLevel = domain.DefaultConfidenceLevel // null resets to the default
			deref(in.ConfidenceLevel, &p.ConfidenceLevel)
		}
		if p.TouchpointIDs == nil {
			p.TouchpointIDs = []string{}
		}
		return withFields(fields, p.Validate())
	})
	if err != nil {
		return err
	}
	setETag(c, p.Version)
	return c.JSON(http.StatusOK, pilotOut(p))
}

// deletePilot godoc
//
//	@Summary	Delete a pilot with its metrics, samples and observations
//	@Tags		pilots
//	@Security	BearerAuth
//	@Param		id			path	string	true	"Pilot id"	format(uuid)
//	@Param		If-Match	header	string	true	"ETag of the version being deleted"
//	@Success	204
//	@Failure	400,401,403,404,412,428,503	{object}	Problem
//	@Router		/api/v1/pilots/{id} [delete]
func (s *Server) deletePilot(c echo.Context) error {
	id, err := pathID(c, "pilot")
	if err != nil {
		return err
	}
	version, err := ifMatch(c)
	if err != nil {
		return err
	}
	if err := s.store.DeletePilot(c.Request().Context(), principal(c).WorkspaceID, id, version); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

// pilotAction runs one pilot action with the path's pilot, the optional
// If-Match, the caller's name and the clock, and answers with the pilot.
func (s *Server) pilotAction(c echo.Context, act func(ctx context.Context, ws, id string, version int, actor string, at time.Time) (*domain.Pilot, error)) error {
	id, err := pathID(c, "pilot")
	if err != nil {
		return err
	}
	version, err := optionalIfMatch(c)
	if err != nil {
		return err
	}
	p, err := act(c.Request().Context(), principal(c).WorkspaceID, id, version, principal(c).KeyName, s.clock())
	if err != nil {
		return err
	}
	setETag(c, p.Version)
	return c.JSON(http.StatusOK, pilotOut(p))
}

// startPilot godoc
//
//	@Summary		Start a planned pilot
//	@Description	Moves the pilot to running and its idea to piloting (the idea must be planned or already piloting, else 409), recorded in the idea's history.
//	@Tags			pilots
//	@Produce		json
//	@Security		BearerAuth
//	@Param			id			path		string	true	"Pilot id"	format(uuid)
//	@Param			If-Match	header		string	false	"When given, the pilot's version must match (412)"
//	@Success		200			{object}	Pilot
//	@Header			200			{string}	ETag	"The new version"
//	@Failure	400,401,403,404,412,503	{object}	Problem
//	@Failure		409			{object}	Problem	"Not planned, or the idea cannot be piloted"
//	@Router			/api/v1/pilots/{id}/start [post]
func (s *Server) startPilot(c echo.Context) error {
	return s.pilotAction(c, s.pilots.Start)
}

// cancelPilot godoc
//
//	@Summary	Cancel a planned or running pilot
//	@Tags		pilots
//	@Produce	json
//	@Security	BearerAuth
//	@Param		id			path		string	true	"Pilot id"	format(uuid)
//	@Param		If-Match	header		string	false	"When given, the pilot's version must match (412)"
//	@Success	200			{object}	Pilot
//	@Header		200			{string}	ETag	"The new version"
//	@Failure	400,401,403,404,412,503	{object}	Problem
//	@Failure	409			{object}	Problem	"Already completed or cancelled"
//	@Router		/api/v1/pilots/{id}/cancel [post]
func (s *Server) cancelPilot(c echo.Context) error {
	return s.pilotAction(c, s.pilots.Cancel)
}

// completePilot godoc
//
//	@Summary		Complete a running pilot with a decision
//	@Description	In one transaction: freezes a snapshot of the results (GET /results then returns it), moves the idea (adopt → adopted, iterate → planned, abandon → rejected) and sets its confidence from the primary metric's verdict (improved → at least 0.8, worsened → at most 0.3, inconclusive → unchanged), re-scoring it; every change is recorded in the idea's history. 409 when the pilot is not running, has no primary metric, or the idea cannot make the move.
//	@Tags			pilots
//	@Accept			json
//	@Produce		json
//	@Security		BearerAuth
//	@Param			id			path		string			true	"Pilot id"	format(uuid)
//	@Param			If-Match	header		string			false	"When given, the pilot's version must match (412)"
//	@Param			decision	body		PilotComplete	true	"The decision"
//	@Success		200			{object}	Pilot
//	@Header			200			{string}	ETag	"The new version"
//	@Failure	400,401,403,404,412,415,422,503	{object}	Problem
//	@Failure		409			{object}	Problem	"Not running, no primary metric, or the idea cannot move"
//	@Router			/api/v1/pilots/{id}/complete [post]
func (s *Server) completePilot(c echo.Context) error {
	var in PilotComplete
	if err := bindCreate(c, &in); err != nil {
		return err
	}
	return s.pilotAction(c, func(ctx context.Context, ws, id string, version int, actor string, at time.Time) (*domain.Pilot, error) {
		return s.pilots.Complete(ctx, ws, id, version, actor, domain.Decision(in.Decision), at)
	})
}
