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
	Description string `json:"description" binding:"max=10000" example:"Waiting to reach an agent"`
	Channel     string `json:"channel" binding:"required" enums:"web,mobile_app,phone,email,chat,in_person,social,mail,self_service,partner,physical_environment" example:"phone"`
	Owner       string `json:"owner" binding:"max=200" example:"Contact centre"`
} // @name TouchpointCreate

// TouchpointPatch is a JSON Merge Patch of a touchpoint.
type TouchpointPatch struct {
	JourneyID   *string `json:"journey_id" format:"uuid"`
	StageID     *string `json:"stage_id" format:"uuid"`
	Name        *string `json:"name"`
	Description *string `json:"description"`
	Channel     *string `json:"channel" enums:"web,mobile_app,phone,email,chat,in_person,social,mail,self_service,partner,physical_environment"`
	Owner       *string `json:"owner"`
} // @name TouchpointPatch

// Touchpoint is a moment where a customer meets the organisation.
type Touchpoint struct {
	ID          string    `json:"id" format:"uuid"`
	JourneyID   string    `json:"journey_id" format:"uuid"`
	StageID     string    `json:"stage_id" format:"uuid"`
	Name        string    `json:"name" example:"Phone queue"`
	Description string    `json:"description"`
	Channel     string    `json:"channel" enums:"web,mobile_app,phone,email,chat,in_person,social,mail,self_service,partner,physical_environment" example:"phone"`
	Owner       string    `json:"owner" example:"Contact centre"`
	CreatedAt   time.Time `json:"created_at"`
	UpdatedAt   time.Time `json:"updated_at"`
	Version     int       `json:"version" example:"1"`
} // @name Touchpoint

// TouchpointDetail is a touchpoint with the number of ideas targeting it, by
// status (every status present, 0 when none).
type TouchpointDetail struct {
	Touchpoint
	IdeaCount map[string]int `json:"idea_count" example:"new:2,under_review:1,planned:0,piloting:0,adopted:0,rejected:0,parked:0"`
} // @name TouchpointDetail

// TouchpointList is one page of touchpoints.
type TouchpointList struct {
	Items      []Touchpoint `json:"items"`
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
//	@Tags			touchpoints
//	@Accept			json
//	@Produce		json
//	@Security		BearerAuth
//	@Param			Idempotency-Key	header		string				false	"Makes the request safe to retry: the first response is replayed for 24 h"
//	@Param			touchpoint		body		TouchpointCreate	true	"The touchpoint"
//	@Success		201				{object}	Touchpoint
//	@Header			201				{string}	Location	"URL of the new touchpoint"
//	@Header			201				{string}	ETag		"Version, for If-Match"
//	@Failure	400,401,403,413,415,422,503	{object}	Problem
//	@Failure		409				{object}	Problem	"The same Idempotency-Key is in flight"
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
//	@Tags			touchpoints
//	@Produce		json
//	@Security		BearerAuth
//	@Param		journey_id	query		[]string	false	"Touchpoints of any of these journeys"	collectionFormat(csv)
//	@Param		stage_id	query		[]string	false	"Touchpoints of any of these stages"	collectionFormat(csv)
//	@Param		channel		query		[]string	false	"Touchpoints of any of these channels"	Enums(web,mobile_app,phone,email,chat,in_person,social,mail,self_service,partner,physical_environment)	collectionFormat(csv)
//	@Param		owner		query		[]string	false	"Touchpoints of any of these owners, exact (repeat the parameter for several)"	collectionFormat(multi)
//	@Param		q			query		string	false	"Case-insensitive search in name and description"
//	@Param		limit		query		int		false	"Page size, 1–100"	default(20)
//	@Param		cursor		query		string	false	"next_cursor of the previous page"
//	@Success	200			{object}	TouchpointList
//	@Failure	400			{object}	Problem	"Bad or unknown query parameter"
//	@Failure	401,503	{object}	Problem
//	@Router		/api/v1/touchpoints [get]
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
//	@Tags		touchpoints
//	@Produce	json
//	@Security	BearerAuth
//	@Param		id	path		string	true	"Touchpoint id"	format(uuid)
//	@Success	200	{object}	TouchpointDetail
//	@Header		200	{string}	ETag	"Version, for If-Match"
//	@Failure	401,503	{object}	Problem
//	@Failure	404	{object}	Problem	"Unknown, or in another workspace"
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
//	@Description	Absent fields stay, null clears (required fields then fail with 422). Moving to another journey needs a stage of that journey.
//	@Tags			touchpoints
//	@Accept			json
//	@Accept			application/merge-patch+json
//	@Produce		json
//	@Security		BearerAuth
//	@Param			id			path		string			true	"Touchpoint id"	format(uuid)
//	@Param			If-Match	header		string			true	"ETag of the version the change is based on, e.g. \"1\""
//	@Param			patch		body		TouchpointPatch	true	"Fields to change"
//	@Success		200			{object}	Touchpoint
//	@Header			200			{string}	ETag	"The new version"
//	@Failure	400,401,403,404,413,415,422,503	{object}	Problem
//	@Failure		412			{object}	Problem	"If-Match is stale"
//	@Failure		428			{object}	Problem	"If-Match missing"
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
		setField(p, "journey_id", in.JourneyID, &t.JourneyID)
		setField(p, "stage_id", in.StageID, &t.StageID)
		setField(p, "name", in.Name, &t.Name)
		setField(p, "description", in.Description, &t.Description)
		setField(p, "channel", (*domain.Channel)(in.Channel), &t.Channel)
		setField(p, "owner", in.Owner, &t.Owner)
		return t.Validate()
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
//	@Tags		touchpoints
//	@Security	BearerAuth
//	@Param		id			path	string	true	"Touchpoint id"	format(uuid)
//	@Param		If-Match	header	string	true	"ETag of the version being deleted"
//	@Success	204
//	@Failure	400,401,403,404,412,428,503	{object}	Problem
//	@Failure	409	{object}	Problem	"Ideas target the touchpoint"
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
