package api

import (
	"net/http"
	"time"

	"cxbacklog/domain"

	"github.com/labstack/echo/v4"
)

// StageInput is a stage in a create or patch request. Without an id the
// stage is new; with the id of an existing stage it keeps that id.
type StageInput struct {
	ID   string `json:"id,omitempty" binding:"omitempty,uuid" format:"uuid" extensions:"x-nullable,x-omitempty"`
	Name string `json:"name" binding:"required,max=100" example:"Order"`
} // @name StageInput

// JourneyCreate is the body of POST /journeys.
type JourneyCreate struct {
	Name        string       `json:"name" binding:"required,max=200" example:"Lunch at the restaurant"`
	Description string       `json:"description" binding:"max=10000" example:"From finding the menu online to paying the bill" extensions:"x-nullable,x-omitempty"`
	Stages      []StageInput `json:"stages" binding:"required,min=1,max=50,dive"`
} // @name JourneyCreate

// JourneyPatch is a JSON Merge Patch of a journey: absent fields stay
// unchanged, null clears description, null on name or stages is 422. stages
// replaces the whole ordered list; a stage left out is deleted, which is
// refused while touchpoints use it.
type JourneyPatch struct {
	Name        *string       `json:"name" example:"Lunch at the restaurant" extensions:"x-nullable,x-omitempty"`
	Description *string       `json:"description" extensions:"x-nullable,x-omitempty"`
	Stages      *[]StageInput `json:"stages" extensions:"x-nullable,x-omitempty"`
} // @name JourneyPatch

// Stage is one ordered step of a journey.
type Stage struct {
	ID   string `json:"id" format:"uuid" binding:"required"`
	Name string `json:"name" example:"Order" binding:"required"`
} // @name Stage

// Journey is a customer journey with its ordered stages.
type Journey struct {
	ID          string    `json:"id" format:"uuid" binding:"required"`
	Name        string    `json:"name" example:"Lunch at the restaurant" binding:"required"`
	Description string    `json:"description" binding:"required"`
	Stages      []Stage   `json:"stages" binding:"required"`
	CreatedAt   time.Time `json:"created_at" binding:"required"`
	UpdatedAt   time.Time `json:"updated_at" binding:"required"`
	Version     int       `json:"version" example:"1" binding:"required"`
} // @name Journey

// JourneyList is one page of journeys.
type JourneyList struct {
	Items      []Journey `json:"items" binding:"required"`
	NextCursor *string   `json:"next_cursor" extensions:"x-nullable"` // null on the last page
} // @name JourneyList

func journeyOut(j *domain.Journey) Journey {
	out := Journey{ID: j.ID, Name: j.Name, Description: j.Description, Stages: make([]Stage, len(j.Stages)),
		CreatedAt: j.CreatedAt.UTC(), UpdatedAt: j.UpdatedAt.UTC(), Version: j.Version}
	for i, st := range j.Stages {
		out.Stages[i] = Stage(st)
	}
	return out
}

func stagesIn(in []StageInput) []domain.Stage {
	out := make([]domain.Stage, len(in))
	for i, st := range in {
		out[i] = domain.Stage(st)
	}
	return out
}

// createJourney godoc
//
//	@Summary		Create a journey
//	@Description	Stages are ordered as sent; each gets an id unless one is given.
//	@ID				createJourney
//	@Tags			journeys
//	@Accept			json
//	@Produce		json,application/problem+json
//	@Security		BearerAuth
//	@Param			Idempotency-Key	header		string				false	"Makes the request safe to retry: the first response is replayed for 24 h"
//	@Param			journey			body		JourneyCreate		true	"The journey"
//	@Success		201				{object}	Journey				"Created; Location and ETag headers are set"
//	@Header			201				{string}	Location			"URL of the new journey"
//	@Header			201				{string}	ETag				"Version, for If-Match"
//	@Header			201				{string}	Idempotent-Replayed	"true when this answers a retry: the stored first response to the same Idempotency-Key"
//	@Failure		400				{object}	Problem				"Bad request: malformed JSON or an unknown or repeated field; or any query parameter (this operation takes none)"
//	@Failure		401				{object}	Problem				"No API key, or an unknown, expired or revoked one"
//	@Failure		403				{object}	Problem				"Needs role editor"
//	@Failure		409				{object}	Problem				"The same Idempotency-Key is in flight"
//	@Failure		413				{object}	Problem				"The body is larger than the limit (1 MB)"
//	@Failure		415				{object}	Problem				"The body is not application/json"
//	@Failure		422				{object}	Problem				"Invalid values, or Idempotency-Key reused with another body"
//	@Failure		429				{object}	Problem				"Too many requests: over the budget of this API key, of its workspace's keys together, or of failed authentications from this address, or the workspace has too many requests in flight; retry after Retry-After seconds"
//	@Failure		503				{object}	Problem				"The database is unavailable; retry after Retry-After seconds"
//	@Failure		default			{object}	Problem				"Any other error, e.g. 500 (an internal error: quote instance when reporting it)"
//	@Header			401				{string}	WWW-Authenticate	"The scheme to authenticate with: Bearer"
//	@Header			429				{integer}	Retry-After			"Seconds to wait before retrying"
//	@Header			503				{integer}	Retry-After			"Seconds to wait before retrying"
//	@Router			/api/v1/journeys [post]
func (s *Server) createJourney(c echo.Context) error {
	var in JourneyCreate
	if err := bindCreate(c, &in); err != nil {
		return err
	}
	j := &domain.Journey{WorkspaceID: principal(c).WorkspaceID, Name: in.Name, Description: in.Description, Stages: stagesIn(in.Stages)}
	if err := j.Validate(); err != nil {
		return err
	}
	if err := s.store.CreateJourney(c.Request().Context(), j); err != nil {
		return err
	}
	return created(c, "/api/v1/journeys/"+j.ID, j.Version, journeyOut(j))
}

// listJourneys godoc
//
//	@Summary	List journeys, oldest first
//	@ID			listJourneys
//	@Tags		journeys
//	@Produce	json,application/problem+json
//	@Security	BearerAuth
//	@Param		limit	query		int		false	"Page size, 1–100"					default(20)	extensions(x-example=10)
//	@Param		cursor	query		string	false	"next_cursor of the previous page"	extensions(x-example=eyJ0IjoiMjAyNi0xMC0wMVQwOTowMDowMFoiLCJpIjoiM2Y2YzJhOWUtOGIxZC00ZTdhLTljNTUtMWQyZTNmNGE1YjZjIn0)
//	@Success	200		{object}	JourneyList
//	@Failure	400		{object}	Problem				"Bad request: a bad or unknown query parameter"
//	@Failure	401		{object}	Problem				"No API key, or an unknown, expired or revoked one"
//	@Failure	429		{object}	Problem				"Too many requests: over the budget of this API key, of its workspace's keys together, or of failed authentications from this address, or the workspace has too many requests in flight; retry after Retry-After seconds"
//	@Failure	503		{object}	Problem				"The database is unavailable; retry after Retry-After seconds"
//	@Failure	default	{object}	Problem				"Any other error, e.g. 500 (an internal error: quote instance when reporting it)"
//	@Header		401		{string}	WWW-Authenticate	"The scheme to authenticate with: Bearer"
//	@Header		429		{integer}	Retry-After			"Seconds to wait before retrying"
//	@Header		503		{integer}	Retry-After			"Seconds to wait before retrying"
//	@Router		/api/v1/journeys [get]
func (s *Server) listJourneys(c echo.Context) error {
	q := newListQuery(c)
	page := q.page()
	if err := q.err(); err != nil {
		return err
	}
	journeys, next, err := s.store.ListJourneys(c.Request().Context(), principal(c).WorkspaceID, page)
	if err != nil {
		return err
	}
	out := JourneyList{Items: make([]Journey, len(journeys)), NextCursor: encodeCursor(next)}
	for i := range journeys {
		out.Items[i] = journeyOut(&journeys[i])
	}
	return c.JSON(http.StatusOK, out)
}

// getJourney godoc
//
//	@Summary	Get a journey
//	@ID			getJourney
//	@Tags		journeys
//	@Produce	json,application/problem+json
//	@Security	BearerAuth
//	@Param		id		path		string	true	"Journey id"	format(uuid)
//	@Success	200		{object}	Journey
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
//	@Router		/api/v1/journeys/{id} [get]
func (s *Server) getJourney(c echo.Context) error {
	id, err := pathID(c, "journey")
	if err != nil {
		return err
	}
	j, err := s.store.GetJourney(c.Request().Context(), principal(c).WorkspaceID, id)
	if err != nil {
		return err
	}
	setETag(c, j.Version)
	return c.JSON(http.StatusOK, journeyOut(j))
}

// patchJourney godoc
//
//	@Summary		Change a journey (JSON Merge Patch)
//	@Description	Absent fields stay unchanged; null clears description; null on name or stages is 422 naming the field (leave it out to keep it). `stages` replaces the ordered list: keep a stage by sending its id; a stage left out is deleted (409 while touchpoints use it).
//	@ID				patchJourney
//	@Tags			journeys
//	@Accept			json
//	@Accept			application/merge-patch+json
//	@Produce		json,application/problem+json
//	@Security		BearerAuth
//	@Param			id			path		string			true	"Journey id"																								format(uuid)
//	@Param			If-Match	header		string			true	"ETag of the version the change is based on, as its ETag header gave it: a version number in double quotes"	extensions(x-example="1")
//	@Param			patch		body		JourneyPatch	true	"Fields to change"
//	@Success		200			{object}	Journey
//	@Header			200			{string}	ETag				"The new version"
//	@Failure		400			{object}	Problem				"Bad request: malformed JSON or an unknown or repeated field; a malformed If-Match; or any query parameter (this operation takes none)"
//	@Failure		401			{object}	Problem				"No API key, or an unknown, expired or revoked one"
//	@Failure		403			{object}	Problem				"Needs role editor (a viewer key cannot write)"
//	@Failure		404			{object}	Problem				"Unknown, or in another workspace"
//	@Failure		409			{object}	Problem				"A removed stage still has touchpoints"
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
//	@Router			/api/v1/journeys/{id} [patch]
func (s *Server) patchJourney(c echo.Context) error {
	id, err := pathID(c, "journey")
	if err != nil {
		return err
	}
	version, err := ifMatch(c)
	if err != nil {
		return err
	}
	var in JourneyPatch
	p, err := bindPatch(c, &in)
	if err != nil {
		return err
	}
	var stages *[]domain.Stage
	if in.Stages != nil {
		st := stagesIn(*in.Stages)
		stages = &st
	}
	j, err := s.store.UpdateJourney(c.Request().Context(), principal(c).WorkspaceID, id, version, func(j *domain.Journey) error {
		var fields []domain.FieldError
		setRequired(p, &fields, "name", in.Name, &j.Name)
		setField(p, "description", in.Description, &j.Description)
		setRequired(p, &fields, "stages", stages, &j.Stages)
		return withFields(fields, j.Validate())
	})
	if err != nil {
		return err
	}
	setETag(c, j.Version)
	return c.JSON(http.StatusOK, journeyOut(j))
}

// deleteJourney godoc
//
//	@Summary	Delete a journey
//	@ID			deleteJourney
//	@Tags		journeys
//	@Produce	json,application/problem+json
//	@Security	BearerAuth
//	@Param		id			path	string	true	"Journey id"																						format(uuid)
//	@Param		If-Match	header	string	true	"ETag of the version being deleted, as its ETag header gave it: a version number in double quotes"	extensions(x-example="1")
//	@Success	204
//	@Failure	400		{object}	Problem				"Bad request: a malformed If-Match; or any query parameter (this operation takes none)"
//	@Failure	401		{object}	Problem				"No API key, or an unknown, expired or revoked one"
//	@Failure	403		{object}	Problem				"Needs role editor (a viewer key cannot write)"
//	@Failure	404		{object}	Problem				"Unknown, or in another workspace"
//	@Failure	409		{object}	Problem				"The journey still has touchpoints"
//	@Failure	412		{object}	Problem				"If-Match names a version that is no longer current: read the resource again"
//	@Failure	428		{object}	Problem				"If-Match is missing"
//	@Failure	429		{object}	Problem				"Too many requests: over the budget of this API key, of its workspace's keys together, or of failed authentications from this address, or the workspace has too many requests in flight; retry after Retry-After seconds"
//	@Failure	503		{object}	Problem				"The database is unavailable; retry after Retry-After seconds"
//	@Failure	default	{object}	Problem				"Any other error, e.g. 500 (an internal error: quote instance when reporting it)"
//	@Header		401		{string}	WWW-Authenticate	"The scheme to authenticate with: Bearer"
//	@Header		429		{integer}	Retry-After			"Seconds to wait before retrying"
//	@Header		503		{integer}	Retry-After			"Seconds to wait before retrying"
//	@Router		/api/v1/journeys/{id} [delete]
func (s *Server) deleteJourney(c echo.Context) error {
	id, err := pathID(c, "journey")
	if err != nil {
		return err
	}
	version, err := ifMatch(c)
	if err != nil {
		return err
	}
	if err := s.store.DeleteJourney(c.Request().Context(), principal(c).WorkspaceID, id, version); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}
