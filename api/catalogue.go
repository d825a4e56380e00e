package api

import (
	"net/http"
	"time"

	"cxbacklog/domain"

	"github.com/labstack/echo/v4"
)

// CatalogueMetricCreate is the body of POST /metrics.
type CatalogueMetricCreate struct {
	Key         string   `json:"key" binding:"required" example:"csat"`
	Name        string   `json:"name" binding:"required,max=200" example:"Customer satisfaction (CSAT)"`
	Kind        string   `json:"kind" binding:"required" enums:"mean,proportion,nps,count" example:"proportion"`
	Direction   string   `json:"direction" binding:"required" enums:"higher_is_better,lower_is_better" example:"higher_is_better"`
	Unit        string   `json:"unit" binding:"max=100" example:"share satisfied (4–5 of 5)" extensions:"x-nullable,x-omitempty"`
	Target      *float64 `json:"target" example:"0.8" extensions:"x-nullable,x-omitempty"` // in the kind's scale: a share for proportions, NPS points, events per unit of exposure
	Description string   `json:"description" binding:"max=10000" extensions:"x-nullable,x-omitempty"`
} // @name CatalogueMetricCreate

// CatalogueMetricPatch is a JSON Merge Patch of a catalogue metric: absent
// fields stay unchanged, null clears unit, description and target, null on
// key, name or direction is 422. The kind cannot change: measurements
// depend on it.
type CatalogueMetricPatch struct {
	Key         *string  `json:"key" extensions:"x-nullable,x-omitempty"`
	Name        *string  `json:"name" extensions:"x-nullable,x-omitempty"`
	Direction   *string  `json:"direction" enums:"higher_is_better,lower_is_better" extensions:"x-nullable,x-omitempty"`
	Unit        *string  `json:"unit" extensions:"x-nullable,x-omitempty"`
	Target      *float64 `json:"target" extensions:"x-nullable,x-omitempty"` // null removes the target (health becomes unknown)
	Description *string  `json:"description" extensions:"x-nullable,x-omitempty"`
} // @name CatalogueMetricPatch

// CatalogueMetric is a metric touchpoints are measured by.
type CatalogueMetric struct {
	ID          string    `json:"id" format:"uuid" binding:"required"`
	Key         string    `json:"key" example:"csat" binding:"required"`
	Name        string    `json:"name" example:"Customer satisfaction (CSAT)" binding:"required"`
	Kind        string    `json:"kind" enums:"mean,proportion,nps,count" example:"proportion" binding:"required"`
	Direction   string    `json:"direction" enums:"higher_is_better,lower_is_better" example:"higher_is_better" binding:"required"`
	Unit        string    `json:"unit" example:"share satisfied (4–5 of 5)" binding:"required"`
	Target      *float64  `json:"target" extensions:"x-nullable" example:"0.8"`
	Description string    `json:"description" binding:"required"`
	CreatedAt   time.Time `json:"created_at" binding:"required"`
	UpdatedAt   time.Time `json:"updated_at" binding:"required"`
	Version     int       `json:"version" example:"1" binding:"required"`
} // @name CatalogueMetric

// CatalogueMetricList is the workspace's catalogue, by key.
type CatalogueMetricList struct {
	Items []CatalogueMetric `json:"items" binding:"required"`
} // @name CatalogueMetricList

func catalogueMetricOut(m *domain.CatalogueMetric) CatalogueMetric {
	return CatalogueMetric{
		ID: m.ID, Key: m.Key, Name: m.Name, Kind: string(m.Kind), Direction: string(m.Direction), Unit: m.Unit,
		Target: m.Target, Description: m.Description, CreatedAt: m.CreatedAt.UTC(), UpdatedAt: m.UpdatedAt.UTC(), Version: m.Version,
	}
}

// createCatalogueMetric godoc
//
//	@Summary		Add a metric to the catalogue
//	@Description	Every workspace starts with CSAT, NPS, CES, first-contact resolution, average handle time, contact volume, complaints and churn. The target is in the kind's scale (a share 0–1 for proportions, −100..100 for NPS, ≥ 0 for counts). A taken key is 409 naming /key.
//	@ID				createCatalogueMetric
//	@Tags			metrics
//	@Accept			json
//	@Produce		json,application/problem+json
//	@Security		BearerAuth
//	@Param			Idempotency-Key	header		string					false	"Makes the request safe to retry"
//	@Param			metric			body		CatalogueMetricCreate	true	"The metric"
//	@Success		201				{object}	CatalogueMetric
//	@Header			201				{string}	Location			"URL of the new metric"
//	@Header			201				{string}	ETag				"Version, for If-Match"
//	@Header			201				{string}	Idempotent-Replayed	"true when this answers a retry: the stored first response to the same Idempotency-Key"
//	@Failure		400				{object}	Problem				"Bad request: malformed JSON or an unknown or repeated field; or any query parameter (this operation takes none)"
//	@Failure		401				{object}	Problem				"No API key, or an unknown, expired or revoked one"
//	@Failure		403				{object}	Problem				"Needs role editor (a viewer key cannot write)"
//	@Failure		409				{object}	Problem				"The key is taken (errors name /key); or the same Idempotency-Key is still being answered"
//	@Failure		413				{object}	Problem				"The body is larger than the limit (1 MB)"
//	@Failure		415				{object}	Problem				"The body is not application/json"
//	@Failure		422				{object}	Problem				"Invalid values; errors[] name each field (pointer); or the Idempotency-Key was used before with another body"
//	@Failure		429				{object}	Problem				"Too many requests: over the budget of this API key, of its workspace's keys together, or of failed authentications from this address, or the workspace has too many requests in flight; retry after Retry-After seconds"
//	@Failure		503				{object}	Problem				"The database is unavailable; retry after Retry-After seconds"
//	@Failure		default			{object}	Problem				"Any other error, e.g. 500 (an internal error: quote instance when reporting it)"
//	@Header			401				{string}	WWW-Authenticate	"The scheme to authenticate with: Bearer"
//	@Header			429				{integer}	Retry-After			"Seconds to wait before retrying"
//	@Header			503				{integer}	Retry-After			"Seconds to wait before retrying"
//	@Router			/api/v1/metrics [post]
func (s *Server) createCatalogueMetric(c echo.Context) error {
	var in CatalogueMetricCreate
	if err := bindCreate(c, &in); err != nil {
		return err
	}
	m := &domain.CatalogueMetric{
		WorkspaceID: principal(c).WorkspaceID, Key: in.Key, Name: in.Name, Kind: domain.MetricKind(in.Kind),
		Direction: domain.Direction(in.Direction), Unit: in.Unit, Target: in.Target, Description: in.Description,
	}
	if err := m.Validate(); err != nil {
		return err
	}
	if err := s.store.CreateCatalogueMetric(c.Request().Context(), m); err != nil {
		return err
	}
	return created(c, "/api/v1/metrics/"+m.ID, m.Version, catalogueMetricOut(m))
}

// listCatalogueMetrics godoc
//
//	@Summary	The workspace's metric catalogue, by key
//	@ID			listCatalogueMetrics
//	@Tags		metrics
//	@Produce	json,application/problem+json
//	@Security	BearerAuth
//	@Success	200		{object}	CatalogueMetricList
//	@Failure	400		{object}	Problem				"Bad request: any query parameter (this operation takes none)"
//	@Failure	401		{object}	Problem				"No API key, or an unknown, expired or revoked one"
//	@Failure	429		{object}	Problem				"Too many requests: over the budget of this API key, of its workspace's keys together, or of failed authentications from this address, or the workspace has too many requests in flight; retry after Retry-After seconds"
//	@Failure	503		{object}	Problem				"The database is unavailable; retry after Retry-After seconds"
//	@Failure	default	{object}	Problem				"Any other error, e.g. 500 (an internal error: quote instance when reporting it)"
//	@Header		401		{string}	WWW-Authenticate	"The scheme to authenticate with: Bearer"
//	@Header		429		{integer}	Retry-After			"Seconds to wait before retrying"
//	@Header		503		{integer}	Retry-After			"Seconds to wait before retrying"
//	@Router		/api/v1/metrics [get]
func (s *Server) listCatalogueMetrics(c echo.Context) error {
	metrics, err := s.store.ListCatalogueMetrics(c.Request().Context(), principal(c).WorkspaceID)
	if err != nil {
		return err
	}
	out := CatalogueMetricList{Items: make([]CatalogueMetric, len(metrics))}
	for n := range metrics {
		out.Items[n] = catalogueMetricOut(&metrics[n])
	}
	return c.JSON(http.StatusOK, out)
}

// getCatalogueMetric godoc
//
//	@Summary	Get a catalogue metric
//	@ID			getCatalogueMetric
//	@Tags		metrics
//	@Produce	json,application/problem+json
//	@Security	BearerAuth
//	@Param		id		path		string	true	"Metric id"	format(uuid)
//	@Success	200		{object}	CatalogueMetric
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
//	@Router		/api/v1/metrics/{id} [get]
func (s *Server) getCatalogueMetric(c echo.Context) error {
	id, err := pathID(c, "catalogue metric")
	if err != nil {
		return err
	}
	m, err := s.store.GetCatalogueMetric(c.Request().Context(), principal(c).WorkspaceID, id)
	if err != nil {
		return err
	}
	setETag(c, m.Version)
	return c.JSON(http.StatusOK, catalogueMetricOut(m))
}

// patchCatalogueMetric godoc
//
//	@Summary		Change a catalogue metric (JSON Merge Patch)
//	@Description	Absent fields stay unchanged; null clears unit, description and target (health becomes unknown); null on key, name or direction is 422 naming the field (leave it out to keep it).
//	@ID				patchCatalogueMetric
//	@Tags			metrics
//	@Accept			json
//	@Accept			application/merge-patch+json
//	@Produce		json,application/problem+json
//	@Security		BearerAuth
//	@Param			id			path		string					true	"Metric id"																									format(uuid)
//	@Param			If-Match	header		string					true	"ETag of the version the change is based on, as its ETag header gave it: a version number in double quotes"	extensions(x-example="1")
//	@Param			patch		body		CatalogueMetricPatch	true	"Fields to change"
//	@Success		200			{object}	CatalogueMetric
//	@Header			200			{string}	ETag				"The new version"
//	@Failure		400			{object}	Problem				"Bad request: malformed JSON or an unknown or repeated field; a malformed If-Match; or any query parameter (this operation takes none)"
//	@Failure		401			{object}	Problem				"No API key, or an unknown, expired or revoked one"
//	@Failure		403			{object}	Problem				"Needs role editor (a viewer key cannot write)"
//	@Failure		404			{object}	Problem				"Unknown, or in another workspace"
//	@Failure		409			{object}	Problem				"The key is taken by another metric (errors name /key)"
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
//	@Router			/api/v1/metrics/{id} [patch]
func (s *Server) patchCatalogueMetric(c echo.Context) error {
	id, err := pathID(c, "catalogue metric")
	if err != nil {
		return err
	}
	version, err := ifMatch(c)
	if err != nil {
		return err
	}
	var in CatalogueMetricPatch
	patch, err := bindPatch(c, &in)
	if err != nil {
		return err
	}
	m, err := s.store.UpdateCatalogueMetric(c.Request().Context(), principal(c).WorkspaceID, id, version, func(m *domain.CatalogueMetric) error {
		var fields []domain.FieldError
		setRequired(patch, &fields, "key", in.Key, &m.Key)
		setRequired(patch, &fields, "name", in.Name, &m.Name)
		setRequired(patch, &fields, "direction", (*domain.Direction)(in.Direction), &m.Direction)
		setField(patch, "unit", in.Unit, &m.Unit)
		setField(patch, "description", in.Description, &m.Description)
		if patch.has("target") {
			m.Target = in.Target // null removes the target
		}
		return withFields(fields, m.Validate())
	})
	if err != nil {
		return err
	}
	setETag(c, m.Version)
	return c.JSON(http.StatusOK, catalogueMetricOut(m))
}

// deleteCatalogueMetric godoc
//
//	@Summary	Delete a catalogue metric no measurement or pilot uses
//	@ID			deleteCatalogueMetric
//	@Tags		metrics
//	@Produce	json,application/problem+json
//	@Security	BearerAuth
//	@Param		id			path	string	true	"Metric id"																							format(uuid)
//	@Param		If-Match	header	string	true	"ETag of the version being deleted, as its ETag header gave it: a version number in double quotes"	extensions(x-example="1")
//	@Success	204
//	@Failure	400		{object}	Problem				"Bad request: a malformed If-Match; or any query parameter (this operation takes none)"
//	@Failure	401		{object}	Problem				"No API key, or an unknown, expired or revoked one"
//	@Failure	403		{object}	Problem				"Needs role editor (a viewer key cannot write)"
//	@Failure	404		{object}	Problem				"Unknown, or in another workspace"
//	@Failure	409		{object}	Problem				"Measurements, pilot metrics or value drivers use it"
//	@Failure	412		{object}	Problem				"If-Match names a version that is no longer current: read the resource again"
//	@Failure	428		{object}	Problem				"If-Match is missing"
//	@Failure	429		{object}	Problem				"Too many requests: over the budget of this API key, of its workspace's keys together, or of failed authentications from this address, or the workspace has too many requests in flight; retry after Retry-After seconds"
//	@Failure	503		{object}	Problem				"The database is unavailable; retry after Retry-After seconds"
//	@Failure	default	{object}	Problem				"Any other error, e.g. 500 (an internal error: quote instance when reporting it)"
//	@Header		401		{string}	WWW-Authenticate	"The scheme to authenticate with: Bearer"
//	@Header		429		{integer}	Retry-After			"Seconds to wait before retrying"
//	@Header		503		{integer}	Retry-After			"Seconds to wait before retrying"
//	@Router		/api/v1/metrics/{id} [delete]
func (s *Server) deleteCatalogueMetric(c echo.Context) error {
	id, err := pathID(c, "catalogue metric")
	if err != nil {
		return err
	}
	version, err := ifMatch(c)
	if err != nil {
		return err
	}
	if err := s.store.DeleteCatalogueMetric(c.Request().Context(), principal(c).WorkspaceID, id, version); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}
