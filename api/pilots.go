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
	Title           string   `json:"title" binding:"max=200" example:"Headsets for team B" extensions:"x-nullable,x-omitempty"`
	Hypothesis      string   `json:"hypothesis" binding:"required,max=10000" example:"Agents who hear callers clearly resolve calls faster and please callers more"`
	Scope           string   `json:"scope" binding:"max=10000" example:"Team B (24 agents), inbound billing calls; team A is the control" extensions:"x-nullable,x-omitempty"`
	TouchpointIDs   []string `json:"touchpoint_ids" binding:"max=50,dive,uuid" format:"uuid" extensions:"x-nullable,x-omitempty"` // default: the idea's
	StartDate       *string  `json:"start_date" format:"date" example:"2026-09-01" extensions:"x-nullable,x-omitempty"`
	EndDate         *string  `json:"end_date" format:"date" example:"2026-11-30" extensions:"x-nullable,x-omitempty"` // on or after start_date
	Owner           string   `json:"owner" binding:"max=200" example:"Contact centre operations" extensions:"x-nullable,x-omitempty"`
	ConfidenceLevel *float64 `json:"confidence_level" minimum:"0.8" maximum:"0.99" example:"0.95" extensions:"x-nullable,x-omitempty"` // default 0.95
} // @name PilotCreate

// PilotPatch is a JSON Merge Patch of a pilot's plan: absent fields stay
// unchanged, null clears title, scope, owner, start_date and end_date, null
// on hypothesis, touchpoint_ids or confidence_level is 422. Status moves
// through the start, complete and cancel actions, not here.
type PilotPatch struct {
	Title           *string   `json:"title" extensions:"x-nullable,x-omitempty"`
	Hypothesis      *string   `json:"hypothesis" extensions:"x-nullable,x-omitempty"`
	Scope           *string   `json:"scope" extensions:"x-nullable,x-omitempty"`
	TouchpointIDs   *[]string `json:"touchpoint_ids" format:"uuid" extensions:"x-nullable,x-omitempty"`
	StartDate       *string   `json:"start_date" format:"date" extensions:"x-nullable,x-omitempty"`
	EndDate         *string   `json:"end_date" format:"date" extensions:"x-nullable,x-omitempty"`
	Owner           *string   `json:"owner" extensions:"x-nullable,x-omitempty"`
	ConfidenceLevel *float64  `json:"confidence_level" minimum:"0.8" maximum:"0.99" extensions:"x-nullable,x-omitempty"` // null is 422: leave it out to keep it
} // @name PilotPatch

// PilotComplete is the body of POST /pilots/{id}/complete.
type PilotComplete struct {
	Decision string `json:"decision" binding:"required" enums:"adopt,iterate,abandon" example:"adopt"`
} // @name PilotComplete

// Pilot is a small, time-boxed test of an idea.
type Pilot struct {
	ID              string     `json:"id" format:"uuid" binding:"required"`
	IdeaID          string     `json:"idea_id" format:"uuid" binding:"required"`
	Title           string     `json:"title" example:"Headsets for team B" binding:"required"`
	Hypothesis      string     `json:"hypothesis" binding:"required"`
	Scope           string     `json:"scope" binding:"required"`
	TouchpointIDs   []string   `json:"touchpoint_ids" format:"uuid" binding:"required"`
	StartDate       *string    `json:"start_date" format:"date" extensions:"x-nullable" example:"2026-09-01"`
	EndDate         *string    `json:"end_date" format:"date" extensions:"x-nullable" example:"2026-11-30"`
	Owner           string     `json:"owner" binding:"required"`
	ConfidenceLevel float64    `json:"confidence_level" example:"0.95" binding:"required"`
	Status          string     `json:"status" enums:"planned,running,completed,cancelled" example:"planned" binding:"required"`
	Decision        *string    `json:"decision" enums:"adopt,iterate,abandon" extensions:"x-nullable"` // set on completion
	StartedAt       *time.Time `json:"started_at" extensions:"x-nullable"`
	EndedAt         *time.Time `json:"ended_at" extensions:"x-nullable"` // completed or cancelled
	CreatedAt       time.Time  `json:"created_at" binding:"required"`
	UpdatedAt       time.Time  `json:"updated_at" binding:"required"`
	Version         int        `json:"version" example:"1" binding:"required"`
} // @name Pilot

// PilotList is one page of pilots, oldest first.
type PilotList struct {
	Items      []Pilot `json:"items" binding:"required"`
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
//	@ID				createPilot
//	@Tags			pilots
//	@Accept			json
//	@Produce		json,application/problem+json
//	@Security		BearerAuth
//	@Param			Idempotency-Key	header		string		false	"Makes the request safe to retry: the first response is replayed for 24 h"
//	@Param			pilot			body		PilotCreate	true	"The pilot"
//	@Success		201				{object}	Pilot
//	@Header			201				{string}	Location			"URL of the new pilot"
//	@Header			201				{string}	ETag				"Version, for If-Match"
//	@Header			201				{string}	Idempotent-Replayed	"true when this answers a retry: the stored first response to the same Idempotency-Key"
//	@Failure		400				{object}	Problem				"Bad request: malformed JSON or an unknown or repeated field; or any query parameter (this operation takes none)"
//	@Failure		401				{object}	Problem				"No API key, or an unknown, expired or revoked one"
//	@Failure		403				{object}	Problem				"Needs role editor (a viewer key cannot write)"
//	@Failure		409				{object}	Problem				"The same Idempotency-Key is in flight"
//	@Failure		413				{object}	Problem				"The body is larger than the limit (1 MB)"
//	@Failure		415				{object}	Problem				"The body is not application/json"
//	@Failure		422				{object}	Problem				"Invalid values; errors[] name each field (pointer); or the Idempotency-Key was used before with another body"
//	@Failure		429				{object}	Problem				"Too many requests: over the budget of this API key, of its workspace's keys together, or of failed authentications from this address, or the workspace has too many requests in flight; retry after Retry-After seconds"
//	@Failure		503				{object}	Problem				"The database is unavailable; retry after Retry-After seconds"
//	@Failure		default			{object}	Problem				"Any other error, e.g. 500 (an internal error: quote instance when reporting it)"
//	@Header			401				{string}	WWW-Authenticate	"The scheme to authenticate with: Bearer"
//	@Header			429				{integer}	Retry-After			"Seconds to wait before retrying"
//	@Header			503				{integer}	Retry-After			"Seconds to wait before retrying"
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
//	@ID				listPilots
//	@Tags			pilots
//	@Produce		json,application/problem+json
//	@Security		BearerAuth
//	@Param			status			query		[]string	false	"Pilots with any of these statuses"			Enums(planned,running,completed,cancelled)	collectionFormat(csv)	extensions(x-example=running)
//	@Param			idea_id			query		[]string	false	"Pilots of any of these ideas"				collectionFormat(csv)						extensions(x-example=c41d8e27-6f5b-4a93-8e1c-2b7d9a0f6e35)
//	@Param			touchpoint_id	query		[]string	false	"Pilots targeting any of these touchpoints"	collectionFormat(csv)						extensions(x-example=3f6c2a9e-8b1d-4e7a-9c55-1d2e3f4a5b6c)
//	@Param			limit			query		int			false	"Page size, 1–100"							default(20)									extensions(x-example=10)
//	@Param			cursor			query		string		false	"next_cursor of the previous page"			extensions(x-example=eyJ0IjoiMjAyNi0xMC0wMVQwOTowMDowMFoiLCJpIjoiM2Y2YzJhOWUtOGIxZC00ZTdhLTljNTUtMWQyZTNmNGE1YjZjIn0)
//	@Success		200				{object}	PilotList
//	@Failure		400				{object}	Problem				"Bad request: a bad or unknown query parameter"
//	@Failure		401				{object}	Problem				"No API key, or an unknown, expired or revoked one"
//	@Failure		429				{object}	Problem				"Too many requests: over the budget of this API key, of its workspace's keys together, or of failed authentications from this address, or the workspace has too many requests in flight; retry after Retry-After seconds"
//	@Failure		503				{object}	Problem				"The database is unavailable; retry after Retry-After seconds"
//	@Failure		default			{object}	Problem				"Any other error, e.g. 500 (an internal error: quote instance when reporting it)"
//	@Header			401				{string}	WWW-Authenticate	"The scheme to authenticate with: Bearer"
//	@Header			429				{integer}	Retry-After			"Seconds to wait before retrying"
//	@Header			503				{integer}	Retry-After			"Seconds to wait before retrying"
//	@Router			/api/v1/pilots [get]
func (s *Server) listPilots(c echo.Context) error {
	q := newListQuery(c, "status", "idea_id", "touchpoint_id")
	f := domain.PilotFilter{Statuses: enumList(q, "status", domain.PilotStatuses), IdeaIDs: q.ids("idea_id"), TouchpointIDs: q.ids("touchpoint_id")}
	return s.pilotPage(c, q, f)
}

// ideaPilots godoc
//
//	@Summary	An idea's pilots, oldest first
//	@ID			listIdeaPilots
//	@Tags		pilots
//	@Produce	json,application/problem+json
//	@Security	BearerAuth
//	@Param		id		path		string		true	"Idea id"																format(uuid)
//	@Param		status	query		[]string	false	"Pilots with any of these statuses (repeat, or separate with commas)"	Enums(planned,running,completed,cancelled)	collectionFormat(csv)	extensions(x-example=completed)
//	@Param		limit	query		int			false	"Page size, 1–100"														default(20)									extensions(x-example=10)
//	@Param		cursor	query		string		false	"next_cursor of the previous page"										extensions(x-example=eyJ0IjoiMjAyNi0xMC0wMVQwOTowMDowMFoiLCJpIjoiM2Y2YzJhOWUtOGIxZC00ZTdhLTljNTUtMWQyZTNmNGE1YjZjIn0)
//	@Success	200		{object}	PilotList
//	@Failure	400		{object}	Problem				"Bad request: a bad or unknown query parameter"
//	@Failure	401		{object}	Problem				"No API key, or an unknown, expired or revoked one"
//	@Failure	404		{object}	Problem				"Unknown idea, or in another workspace"
//	@Failure	429		{object}	Problem				"Too many requests: over the budget of this API key, of its workspace's keys together, or of failed authentications from this address, or the workspace has too many requests in flight; retry after Retry-After seconds"
//	@Failure	503		{object}	Problem				"The database is unavailable; retry after Retry-After seconds"
//	@Failure	default	{object}	Problem				"Any other error, e.g. 500 (an internal error: quote instance when reporting it)"
//	@Header		401		{string}	WWW-Authenticate	"The scheme to authenticate with: Bearer"
//	@Header		429		{integer}	Retry-After			"Seconds to wait before retrying"
//	@Header		503		{integer}	Retry-After			"Seconds to wait before retrying"
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
//	@ID			getPilot
//	@Tags		pilots
//	@Produce	json,application/problem+json
//	@Security	BearerAuth
//	@Param		id		path		string	true	"Pilot id"	format(uuid)
//	@Success	200		{object}	Pilot
//	@Header		200		{string}	ETag				"Version, for If-Match"
//	@Failure	400		{object}	Problem				"Bad request: any query parameter (this operation takes none)"
//	@Failure	401		{object}	Problem				"No API key, or an unknown, expired or revoked one"
//	@Failure	404		{object}	Problem				"Unknown, or in another workspace"
//	@Failure	429		{object}	Problem				"Too many requests: over the budget of this API key, of its workspace's keys together, or of failed authentications from this address, or the workspace has too many requests in flight; retry after Retry-After seconds"
//	@Failure	503		{object}	Problem				"The database is unavailable; retry after Retry-After seconds"
//	@Failure	default	{object}	Problem				"Any other error, e.g. 500 (an internal error: quote instance when reporting it)"
//	@Header		401		{string}	WWW-Authenticate	"The scheme to authenticate with: Bearer"
//	@Header		429		{integer}	Retry-After			"Seconds to wait before retrying"
//	@Header		503		{integer}	Retry-After			"Seconds to wait before retrying"
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
//	@Description	Absent fields stay unchanged; null clears title, scope, owner, start_date and end_date; null on hypothesis, touchpoint_ids or confidence_level is 422 naming the field (leave it out to keep it). Dates run from 2000-01-01 to 2100-12-31; touchpoint_ids keeps at least one. Only while the pilot is planned or running (409 once completed or cancelled).
//	@ID				patchPilot
//	@Tags			pilots
//	@Accept			json
//	@Accept			application/merge-patch+json
//	@Produce		json,application/problem+json
//	@Security		BearerAuth
//	@Param			id			path		string		true	"Pilot id"																									format(uuid)
//	@Param			If-Match	header		string		true	"ETag of the version the change is based on, as its ETag header gave it: a version number in double quotes"	extensions(x-example="1")
//	@Param			patch		body		PilotPatch	true	"Fields to change"
//	@Success		200			{object}	Pilot
//	@Header			200			{string}	ETag				"The new version"
//	@Failure		400			{object}	Problem				"Bad request: malformed JSON or an unknown or repeated field; a malformed If-Match; or any query parameter (this operation takes none)"
//	@Failure		401			{object}	Problem				"No API key, or an unknown, expired or revoked one"
//	@Failure		403			{object}	Problem				"Needs role editor (a viewer key cannot write)"
//	@Failure		404			{object}	Problem				"Unknown, or in another workspace"
//	@Failure		409			{object}	Problem				"The pilot is completed or cancelled"
//	@Failure		412			{object}	Problem				"If-Match names a version that is no longer current: read the resource again"
//	@Failure		413			{object}	Problem				"The body is larger than the limit (1 MB)"
//	@Failure		415			{object}	Problem				"The body is neither application/json nor application/merge-patch+json"
//	@Failure		422			{object}	Problem				"Invalid values; errors[] name each field (pointer)"
//	@Failure		428			{object}	Problem				"If-Match is missing"
//	@Failure		429			{object}	Problem				"Too many requests: over the budget of this API key, of its workspace's keys together, or of failed authentications from this address, or the workspace has too many requests in flight; retry after Retry-After seconds"
//	@Failure		503			{object}	Problem				"The database is unavailable; retry after Retry-After seconds"
//	@Failure		default		{object}	Problem				"Any other error, e.g. 500 (an internal error: quote instance when reporting it)"
//	@Header			401			{string}	WWW-Authenticate	"The scheme to authenticate with: Bearer"
//	@Header			429			{integer}	Retry-After			"Seconds to wait before retrying"
//	@Header			503			{integer}	Retry-After			"Seconds to wait before retrying"
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
		setRequired(patch, &fields, "hypothesis", in.Hypothesis, &p.Hypothesis)
		setField(patch, "scope", in.Scope, &p.Scope)
		setRequired(patch, &fields, "touchpoint_ids", in.TouchpointIDs, &p.TouchpointIDs)
		if in.TouchpointIDs != nil && len(*in.TouchpointIDs) == 0 {
			// Only a new pilot takes its idea's touchpoints for none.
			fields = append(fields, domain.FieldError{Pointer: "/touchpoint_ids", Detail: "must have at least one touchpoint; leave it out to keep the current ones"})
		}
		setField(patch, "owner", in.Owner, &p.Owner)
		if patch.has("start_date") { // null clears the date
			p.StartDate = parseDate(&fields, "/start_date", in.StartDate)
		}
		if patch.has("end_date") {
			p.EndDate = parseDate(&fields, "/end_date", in.EndDate)
		}
		setRequired(patch, &fields, "confidence_level", in.ConfidenceLevel, &p.ConfidenceLevel)
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
//	@ID			deletePilot
//	@Tags		pilots
//	@Produce	json,application/problem+json
//	@Security	BearerAuth
//	@Param		id			path	string	true	"Pilot id"																							format(uuid)
//	@Param		If-Match	header	string	true	"ETag of the version being deleted, as its ETag header gave it: a version number in double quotes"	extensions(x-example="1")
//	@Success	204
//	@Failure	400		{object}	Problem				"Bad request: a malformed If-Match; or any query parameter (this operation takes none)"
//	@Failure	401		{object}	Problem				"No API key, or an unknown, expired or revoked one"
//	@Failure	403		{object}	Problem				"Needs role editor (a viewer key cannot write)"
//	@Failure	404		{object}	Problem				"Unknown, or in another workspace"
//	@Failure	412		{object}	Problem				"If-Match names a version that is no longer current: read the resource again"
//	@Failure	428		{object}	Problem				"If-Match is missing"
//	@Failure	429		{object}	Problem				"Too many requests: over the budget of this API key, of its workspace's keys together, or of failed authentications from this address, or the workspace has too many requests in flight; retry after Retry-After seconds"
//	@Failure	503		{object}	Problem				"The database is unavailable; retry after Retry-After seconds"
//	@Failure	default	{object}	Problem				"Any other error, e.g. 500 (an internal error: quote instance when reporting it)"
//	@Header		401		{string}	WWW-Authenticate	"The scheme to authenticate with: Bearer"
//	@Header		429		{integer}	Retry-After			"Seconds to wait before retrying"
//	@Header		503		{integer}	Retry-After			"Seconds to wait before retrying"
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
//	@ID				startPilot
//	@Tags			pilots
//	@Produce		json,application/problem+json
//	@Security		BearerAuth
//	@Param			id			path		string	true	"Pilot id"											format(uuid)
//	@Param			If-Match	header		string	false	"When given, the pilot's version must match (412)"	extensions(x-example="1")
//	@Success		200			{object}	Pilot
//	@Header			200			{string}	ETag				"The new version"
//	@Failure		400			{object}	Problem				"Bad request: a malformed If-Match; or any query parameter (this operation takes none)"
//	@Failure		401			{object}	Problem				"No API key, or an unknown, expired or revoked one"
//	@Failure		403			{object}	Problem				"Needs role editor (a viewer key cannot write)"
//	@Failure		404			{object}	Problem				"Unknown, or in another workspace"
//	@Failure		409			{object}	Problem				"Not planned, or the idea cannot be piloted"
//	@Failure		412			{object}	Problem				"If-Match names a version that is no longer current: read the resource again"
//	@Failure		429			{object}	Problem				"Too many requests: over the budget of this API key, of its workspace's keys together, or of failed authentications from this address, or the workspace has too many requests in flight; retry after Retry-After seconds"
//	@Failure		503			{object}	Problem				"The database is unavailable; retry after Retry-After seconds"
//	@Failure		default		{object}	Problem				"Any other error, e.g. 500 (an internal error: quote instance when reporting it)"
//	@Header			401			{string}	WWW-Authenticate	"The scheme to authenticate with: Bearer"
//	@Header			429			{integer}	Retry-After			"Seconds to wait before retrying"
//	@Header			503			{integer}	Retry-After			"Seconds to wait before retrying"
//	@Router			/api/v1/pilots/{id}/start [post]
func (s *Server) startPilot(c echo.Context) error {
	return s.pilotAction(c, s.pilots.Start)
}

// cancelPilot godoc
//
//	@Summary	Cancel a planned or running pilot
//	@ID			cancelPilot
//	@Tags		pilots
//	@Produce	json,application/problem+json
//	@Security	BearerAuth
//	@Param		id			path		string	true	"Pilot id"											format(uuid)
//	@Param		If-Match	header		string	false	"When given, the pilot's version must match (412)"	extensions(x-example="1")
//	@Success	200			{object}	Pilot
//	@Header		200			{string}	ETag				"The new version"
//	@Failure	400			{object}	Problem				"Bad request: a malformed If-Match; or any query parameter (this operation takes none)"
//	@Failure	401			{object}	Problem				"No API key, or an unknown, expired or revoked one"
//	@Failure	403			{object}	Problem				"Needs role editor (a viewer key cannot write)"
//	@Failure	404			{object}	Problem				"Unknown, or in another workspace"
//	@Failure	409			{object}	Problem				"Already completed or cancelled"
//	@Failure	412			{object}	Problem				"If-Match names a version that is no longer current: read the resource again"
//	@Failure	429			{object}	Problem				"Too many requests: over the budget of this API key, of its workspace's keys together, or of failed authentications from this address, or the workspace has too many requests in flight; retry after Retry-After seconds"
//	@Failure	503			{object}	Problem				"The database is unavailable; retry after Retry-After seconds"
//	@Failure	default		{object}	Problem				"Any other error, e.g. 500 (an internal error: quote instance when reporting it)"
//	@Header		401			{string}	WWW-Authenticate	"The scheme to authenticate with: Bearer"
//	@Header		429			{integer}	Retry-After			"Seconds to wait before retrying"
//	@Header		503			{integer}	Retry-After			"Seconds to wait before retrying"
//	@Router		/api/v1/pilots/{id}/cancel [post]
func (s *Server) cancelPilot(c echo.Context) error {
	return s.pilotAction(c, s.pilots.Cancel)
}

// completePilot godoc
//
//	@Summary		Complete a running pilot with a decision
//	@Description	In one transaction: freezes a snapshot of the results (GET /results then returns it), moves the idea (adopt → adopted, iterate → planned, abandon → rejected) and sets its confidence from the primary metric's verdict (improved → at least 0.8, worsened → at most 0.3, inconclusive → unchanged), re-scoring it; every change is recorded in the idea's history. 409 when the pilot is not running, has no primary metric, or the idea cannot make the move.
//	@ID				completePilot
//	@Tags			pilots
//	@Accept			json
//	@Produce		json,application/problem+json
//	@Security		BearerAuth
//	@Param			id			path		string			true	"Pilot id"											format(uuid)
//	@Param			If-Match	header		string			false	"When given, the pilot's version must match (412)"	extensions(x-example="1")
//	@Param			decision	body		PilotComplete	true	"The decision"
//	@Success		200			{object}	Pilot
//	@Header			200			{string}	ETag				"The new version"
//	@Failure		400			{object}	Problem				"Bad request: malformed JSON or an unknown or repeated field; a malformed If-Match; or any query parameter (this operation takes none)"
//	@Failure		401			{object}	Problem				"No API key, or an unknown, expired or revoked one"
//	@Failure		403			{object}	Problem				"Needs role editor (a viewer key cannot write)"
//	@Failure		404			{object}	Problem				"Unknown, or in another workspace"
//	@Failure		409			{object}	Problem				"Not running, no primary metric, or the idea cannot move"
//	@Failure		412			{object}	Problem				"If-Match names a version that is no longer current: read the resource again"
//	@Failure		413			{object}	Problem				"The body is larger than the limit (1 MB)"
//	@Failure		415			{object}	Problem				"The body is not application/json"
//	@Failure		422			{object}	Problem				"Invalid values; errors[] name each field (pointer)"
//	@Failure		429			{object}	Problem				"Too many requests: over the budget of this API key, of its workspace's keys together, or of failed authentications from this address, or the workspace has too many requests in flight; retry after Retry-After seconds"
//	@Failure		503			{object}	Problem				"The database is unavailable; retry after Retry-After seconds"
//	@Failure		default		{object}	Problem				"Any other error, e.g. 500 (an internal error: quote instance when reporting it)"
//	@Header			401			{string}	WWW-Authenticate	"The scheme to authenticate with: Bearer"
//	@Header			429			{integer}	Retry-After			"Seconds to wait before retrying"
//	@Header			503			{integer}	Retry-After			"Seconds to wait before retrying"
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
