package api

import (
	"net/http"
	"time"

	"cxbacklog/domain"

	"github.com/labstack/echo/v4"
)

// TouchpointCreate is the body of POST /touchpoints.
type TouchpointCreate struct {
	JourneyID   string `json:"journey_id" binding:"required,uuid" format:"uuid"`
	StageID     string `json:"stage_id" binding:"required,uuid" format:"uuid"`
	Name        string `json:"name" binding:"required,max=200" example:"Phone queue"`
	Description string `json:"description" binding:"max=10000" example:"Waiting to reach an agent" extensions:"x-nullable,x-omitempty"`
	Channel     string `json:"channel" binding:"required" enums:"web,mobile_app,phone,email,chat,in_person,social,mail,self_service,partner,physical_environment" example:"phone"`
	Owner       string `json:"owner" binding:"max=200" example:"Contact centre" extensions:"x-nullable,x-omitempty"`
} // @name TouchpointCreate

// TouchpointPatch is a JSON Merge Patch of a touchpoint: absent fields stay
// unchanged, null clears description and owner, null on any other field is 422.
type TouchpointPatch struct {
	JourneyID   *string `json:"journey_id" format:"uuid" extensions:"x-nullable,x-omitempty"`
	StageID     *string `json:"stage_id" format:"uuid" extensions:"x-nullable,x-omitempty"`
	Name        *string `json:"name" extensions:"x-nullable,x-omitempty"`
	Description *string `json:"description" extensions:"x-nullable,x-omitempty"`
	Channel     *string `json:"channel" enums:"web,mobile_app,phone,email,chat,in_person,social,mail,self_service,partner,physical_environment" extensions:"x-nullable,x-omitempty"`
	Owner       *string `json:"owner" extensions:"x-nullable,x-omitempty"`
} // @name TouchpointPatch

// Touchpoint is a moment where a customer meets the organisation.
type Touchpoint struct {
	ID          string    `json:"id" format:"uuid" binding:"required"`
	JourneyID   string    `json:"journey_id" format:"uuid" binding:"required"`
	StageID     string    `json:"stage_id" format:"uuid" binding:"required"`
	Name        string    `json:"name" example:"Phone queue" binding:"required"`
	Description string    `json:"description" binding:"required"`
	Channel     string    `json:"channel" enums:"web,mobile_app,phone,email,chat,in_person,social,mail,self_service,partner,physical_environment" example:"phone" binding:"required"`
	Owner       string    `json:"owner" example:"Contact centre" binding:"required"`
	CreatedAt   time.Time `json:"created_at" binding:"required"`
	UpdatedAt   time.Time `json:"updated_at" binding:"required"`
	Version     int       `json:"version" example:"1" binding:"required"`
} // @name Touchpoint

// TouchpointDetail is a touchpoint with the number of ideas targeting it, by
// status (every status present, 0 when none).
type TouchpointDetail struct {
	Touchpoint
	IdeaCount map[string]int `json:"idea_count" example:"new:2,under_review:1,planned:0,piloting:0,adopted:0,rejected:0,parked:0" binding:"required"`
} // @name TouchpointDetail

// TouchpointList is one page of touchpoints.
type TouchpointList struct {
	Items      []Touchpoint `json:"items" binding:"required"`
	NextCursor *string      `json:"next_cursor" extensions:"x-nullable"` // null on the last page
} // @name TouchpointList

func touchpointOut(t *domain.Touchpoint) Touchpoint {
	return Touchpoint{ID: t.ID, JourneyID: t.JourneyID, StageID: t.StageID, Name: t.Name, Description: t.Description,
		Channel: string(t.Channel), Owner: t.Owner, CreatedAt: t.CreatedAt.UTC(), UpdatedAt: t.UpdatedAt.UTC(), Version: t.Version}
}

// createTouchpoint godoc
//
//	@Summary		Create a touchpoint
//	@Description	The journey must be in the caller's workspace and hold the stage (else 422 naming journey_id or stage_id).
//	@ID				createTouchpoint
//	@Tags			touchpoints
//	@Accept			json
//	@Produce		json,application/problem+json
//	@Security		BearerAuth
//	@Param			Idempotency-Key	header		string				false	"Makes the request safe to retry: the first response is replayed for 24 h"
//	@Param			touchpoint		body		TouchpointCreate	true	"The touchpoint"
//	@Success		201				{object}	Touchpoint
//	@Header			201				{string}	Location			"URL of the new touchpoint"
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
//	@Router			/api/v1/touchpoints [post]
func (s *Server) createTouchpoint(c echo.Context) error {
	var in TouchpointCreate
	if err := bindCreate(c, &in); err != nil {
		return err
	}
	t := &domain.Touchpoint{WorkspaceID: principal(c).WorkspaceID, JourneyID: in.JourneyID, StageID: in.StageID,
		Name: in.Name, Description: in.Description, Channel: domain.Channel(in.Channel), Owner: in.Owner}
	if err := t.Validate(); err != nil {
		return err
	}
	if err := s.store.CreateTouchpoint(c.Request().Context(), t); err != nil {
		return err
	}
	return created(c, "/api/v1/touchpoints/"+t.ID, t.Version, touchpointOut(t))
}

// listTouchpoints godoc
//
//	@Summary		List touchpoints, oldest first
//	@Description	Every filter takes several values, any of which matches: repeat the parameter or, for ids and channels, separate the values with commas.
//	@ID				listTouchpoints
//	@Tags			touchpoints
//	@Produce		json,application/problem+json
//	@Security		BearerAuth
//	@Param			journey_id	query		[]string	false	"Touchpoints of any of these journeys"											collectionFormat(csv)																					extensions(x-example=3f6c2a9e-8b1d-4e7a-9c55-1d2e3f4a5b6c)
//	@Param			stage_id	query		[]string	false	"Touchpoints of any of these stages"											collectionFormat(csv)																					extensions(x-example=9b2e7d41-0c3a-4f8e-b6d2-7a1c5e9f3d20)
//	@Param			channel		query		[]string	false	"Touchpoints of any of these channels"											Enums(web,mobile_app,phone,email,chat,in_person,social,mail,self_service,partner,physical_environment)	collectionFormat(csv)	extensions(x-example=phone)
//	@Param			owner		query		[]string	false	"Touchpoints of any of these owners, exact (repeat the parameter for several)"	collectionFormat(multi)																					extensions(x-example=Contact centre)
//	@Param			q			query		string		false	"Case-insensitive search in name and description"								extensions(x-example=queue)
//	@Param			limit		query		int			false	"Page size, 1–100"																default(20)	extensions(x-example=10)
//	@Param			cursor		query		string		false	"next_cursor of the previous page"												extensions(x-example=eyJ0IjoiMjAyNi0xMC0wMVQwOTowMDowMFoiLCJpIjoiM2Y2YzJhOWUtOGIxZC00ZTdhLTljNTUtMWQyZTNmNGE1YjZjIn0)
//	@Success		200			{object}	TouchpointList
//	@Failure		400			{object}	Problem				"Bad request: a bad or unknown query parameter"
//	@Failure		401			{object}	Problem				"No API key, or an unknown, expired or revoked one"
//	@Failure		429			{object}	Problem				"Too many requests: over the budget of this API key, of its workspace's keys together, or of failed authentications from this address, or the workspace has too many requests in flight; retry after Retry-After seconds"
//	@Failure		503			{object}	Problem				"The database is unavailable; retry after Retry-After seconds"
//	@Failure		default		{object}	Problem				"Any other error, e.g. 500 (an internal error: quote instance when reporting it)"
//	@Header			401			{string}	WWW-Authenticate	"The scheme to authenticate with: Bearer"
//	@Header			429			{integer}	Retry-After			"Seconds to wait before retrying"
//	@Header			503			{integer}	Retry-After			"Seconds to wait before retrying"
//	@Router			/api/v1/touchpoints [get]
func (s *Server) listTouchpoints(c echo.Context) error {
	q := newListQuery(c, "journey_id", "stage_id", "channel", "owner", "q")
	f := domain.TouchpointFilter{
		JourneyIDs: q.ids("journey_id"), StageIDs: q.ids("stage_id"), Channels: enumList(q, "channel", domain.Channels),
		Owners: q.texts("owner", domain.MaxOwnerLength), Query: q.text("q", domain.MaxNameLength),
	}
	page := q.page()
	if err := q.err(); err != nil {
		return err
	}
	tps, next, err := s.store.ListTouchpoints(c.Request().Context(), principal(c).WorkspaceID, f, page)
	if err != nil {
		return err
	}
	out := TouchpointList{Items: make([]Touchpoint, len(tps)), NextCursor: encodeCursor(next)}
	for i := range tps {
		out.Items[i] = touchpointOut(&tps[i])
	}
	return c.JSON(http.StatusOK, out)
}

// getTouchpoint godoc
//
//	@Summary	Get a touchpoint
//	@ID			getTouchpoint
//	@Tags		touchpoints
//	@Produce	json,application/problem+json
//	@Security	BearerAuth
//	@Param		id		path		string	true	"Touchpoint id"	format(uuid)
//	@Success	200		{object}	TouchpointDetail
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
//	@Router		/api/v1/touchpoints/{id} [get]
func (s *Server) getTouchpoint(c echo.Context) error {
	id, err := pathID(c, "touchpoint")
	if err != nil {
		return err
	}
	ctx, ws := c.Request().Context(), principal(c).WorkspaceID
	t, err := s.store.GetTouchpoint(ctx, ws, id)
	if err != nil {
		return err
	}
	counts, err := s.store.TouchpointIdeaCounts(ctx, ws, id)
	if err != nil {
		return err
	}
	out := TouchpointDetail{Touchpoint: touchpointOut(t), IdeaCount: make(map[string]int, len(domain.IdeaStatuses))}
	for _, st := range domain.IdeaStatuses {
		out.IdeaCount[string(st)] = counts[st]
	}
	setETag(c, t.Version)
	return c.JSON(http.StatusOK, out)
}

// patchTouchpoint godoc
//
//	@Summary		Change a touchpoint (JSON Merge Patch)
//	@Description	Absent fields stay unchanged; null clears description and owner; null on journey_id, stage_id, name or channel is 422 naming the field (leave it out to keep it). Moving to another journey needs a stage of that journey.
//	@ID				patchTouchpoint
//	@Tags			touchpoints
//	@Accept			json
//	@Accept			application/merge-patch+json
//	@Produce		json,application/problem+json
//	@Security		BearerAuth
//	@Param			id			path		string			true	"Touchpoint id"																								format(uuid)
//	@Param			If-Match	header		string			true	"ETag of the version the change is based on, as its ETag header gave it: a version number in double quotes"	extensions(x-example="1")
//	@Param			patch		body		TouchpointPatch	true	"Fields to change"
//	@Success		200			{object}	Touchpoint
//	@Header			200			{string}	ETag				"The new version"
//	@Failure		400			{object}	Problem				"Bad request: malformed JSON or an unknown or repeated field; a malformed If-Match; or any query parameter (this operation takes none)"
//	@Failure		401			{object}	Problem				"No API key, or an unknown, expired or revoked one"
//	@Failure		403			{object}	Problem				"Needs role editor (a viewer key cannot write)"
//	@Failure		404			{object}	Problem				"Unknown, or in another workspace"
//	@Failure		412			{object}	Problem				"If-Match is stale"
//	@Failure		413			{object}	Problem				"The body is larger than the limit (1 MB)"
//	@Failure		415			{object}	Problem				"The body is neither application/json nor application/merge-patch+json"
//	@Failure		422			{object}	Problem				"Invalid values; errors[] name each field (pointer)"
//	@Failure		428			{object}	Problem				"If-Match missing"
//	@Failure		429			{object}	Problem				"Too many requests: over the budget of this API key, of its workspace's keys together, or of failed authentications from this address, or the workspace has too many requests in flight; retry after Retry-After seconds"
//	@Failure		503			{object}	Problem				"The database is unavailable; retry after Retry-After seconds"
//	@Failure		default		{object}	Problem				"Any other error, e.g. 500 (an internal error: quote instance when reporting it)"
//	@Header			401			{string}	WWW-Authenticate	"The scheme to authenticate with: Bearer"
//	@Header			429			{integer}	Retry-After			"Seconds to wait before retrying"
//	@Header			503			{integer}	Retry-After			"Seconds to wait before retrying"
//	@Router			/api/v1/touchpoints/{id} [patch]
func (s *Server) patchTouchpoint(c echo.Context) error {
	id, err := pathID(c, "touchpoint")
	if err != nil {
		return err
	}
	version, err := ifMatch(c)
	if err != nil {
		return err
	}
	var in TouchpointPatch
	p, err := bindPatch(c, &in)
	if err != nil {
		return err
	}
	t, err := s.store.UpdateTouchpoint(c.Request().Context(), principal(c).WorkspaceID, id, version, func(t *domain.Touchpoint) error {
		var fields []domain.FieldError
		setRequired(p, &fields, "journey_id", in.JourneyID, &t.JourneyID)
		setRequired(p, &fields, "stage_id", in.StageID, &t.StageID)
		setRequired(p, &fields, "name", in.Name, &t.Name)
		setField(p, "description", in.Description, &t.Description)
		setRequired(p, &fields, "channel", (*domain.Channel)(in.Channel), &t.Channel)
		setField(p, "owner", in.Owner, &t.Owner)
		return withFields(fields, t.Validate())
	})
	if err != nil {
		return err
	}
	setETag(c, t.Version)
	return c.JSON(http.StatusOK, touchpointOut(t))
}

// deleteTouchpoint godoc
//
//	@Summary	Delete a touchpoint
//	@ID			deleteTouchpoint
//	@Tags		touchpoints
//	@Produce	json,application/problem+json
//	@Security	BearerAuth
//	@Param		id			path	string	true	"Touchpoint id"																						format(uuid)
//	@Param		If-Match	header	string	true	"ETag of the version being deleted, as its ETag header gave it: a version number in double quotes"	extensions(x-example="1")
//	@Success	204
//	@Failure	400		{object}	Problem				"Bad request: a malformed If-Match; or any query parameter (this operation takes none)"
//	@Failure	401		{object}	Problem				"No API key, or an unknown, expired or revoked one"
//	@Failure	403		{object}	Problem				"Needs role editor (a viewer key cannot write)"
//	@Failure	404		{object}	Problem				"Unknown, or in another workspace"
//	@Failure	409		{object}	Problem				"Ideas or pilots target the touchpoint, value drivers price it, or contact reasons originate at it"
//	@Failure	412		{object}	Problem				"If-Match names a version that is no longer current: read the resource again"
//	@Failure	428		{object}	Problem				"If-Match is missing"
//	@Failure	429		{object}	Problem				"Too many requests: over the budget of this API key, of its workspace's keys together, or of failed authentications from this address, or the workspace has too many requests in flight; retry after Retry-After seconds"
//	@Failure	503		{object}	Problem				"The database is unavailable; retry after Retry-After seconds"
//	@Failure	default	{object}	Problem				"Any other error, e.g. 500 (an internal error: quote instance when reporting it)"
//	@Header		401		{string}	WWW-Authenticate	"The scheme to authenticate with: Bearer"
//	@Header		429		{integer}	Retry-After			"Seconds to wait before retrying"
//	@Header		503		{integer}	Retry-After			"Seconds to wait before retrying"
//	@Router		/api/v1/touchpoints/{id} [delete]
func (s *Server) deleteTouchpoint(c echo.Context) error {
	id, err := pathID(c, "touchpoint")
	if err != nil {
		return err
	}
	version, err := ifMatch(c)
	if err != nil {
		return err
	}
	if err := s.store.DeleteTouchpoint(c.Request().Context(), principal(c).WorkspaceID, id, version); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}
