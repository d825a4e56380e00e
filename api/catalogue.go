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
	Unit        string   `json:"unit" binding:"max=100" example:"share satisfied (4–5 of 5)"`
	Target      *float64 `json:"target" example:"0.8"` // in the kind's scale: a share for proportions, NPS points, events per unit of exposure
	Description string   `json:"description" binding:"max=10000"`
} // @name CatalogueMetricCreate

// CatalogueMetricPatch is a JSON Merge Patch of a catalogue metric. The
// kind cannot change: measurements depend on it.
type CatalogueMetricPatch struct {
	Key         *string  `json:"key"`
	Name        *string  `json:"name"`
	Direction   *string  `json:"direction" enums:"higher_is_better,lower_is_better"`
	Unit        *string  `json:"unit"`
	Target      *float64 `json:"target"` // null removes the target (health becomes unknown)
	Description *string  `json:"description"`
} // @name CatalogueMetricPatch

// CatalogueMetric is a metric touchpoints are measured by.
type CatalogueMetric struct {
	ID          string    `json:"id" format:"uuid"`
	Key         string    `json:"key" example:"csat"`
	Name        string    `json:"name" example:"Customer satisfaction (CSAT)"`
	Kind        string    `json:"kind" enums:"mean,proportion,nps,count" example:"proportion"`
	Direction   string    `json:"direction" enums:"higher_is_better,lower_is_better" example:"higher_is_better"`
	Unit        string    `json:"unit" example:"share satisfied (4–5 of 5)"`
	Target      *float64  `json:"target" extensions:"x-nullable" example:"0.8"`
	Description string    `json:"description"`
	CreatedAt   time.Time `json:"created_at"`
	UpdatedAt   time.Time `json:"updated_at"`
	Version     int       `json:"version" example:"1"`
} // @name CatalogueMetric

// CatalogueMetricList is the workspace's catalogue, by key.
type CatalogueMetricList struct {
	Items []CatalogueMetric `json:"items"`
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
//	@Tags			touchpoint health
//	@Accept			json
//	@Produce		json
//	@Security		BearerAuth
//	@Param			Idempotency-Key	header		string					false	"Makes the request safe to retry"
//	@Param			metric			body		CatalogueMetricCreate	true	"The metric"
//	@Success		201				{object}	CatalogueMetric
//	@Header			201				{string}	Location	"URL of the new metric"
//	@Header			201				{string}	ETag		"Version, for If-Match"
//	@Failure	400,401,403,409,413,415,422,503	{object}	Problem
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
//	@Tags		touchpoint health
//	@Produce	json
//	@Security	BearerAuth
//	@Success	200	{object}	CatalogueMetricList
//	@Failure	401,503	{object}	Problem
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
//	@Tags		touchpoint health
//	@Produce	json
//	@Security	BearerAuth
//	@Param		id	path		string	true	"Metric id"	format(uuid)
//	@Success	200	{object}	CatalogueMetric
//	@Header		200	{string}	ETag	"Version, for If-Match"
//	@Failure	401,404,503	{object}	Problem
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
//	@Summary	Change a catalogue metric (JSON Merge Patch)
//	@Tags		touchpoint health
//	@Accept		json
//	@Accept		application/merge-patch+json
//	@Produce	json
//	@Security	BearerAuth
//	@Param		id			path		string					true	"Metric id"	format(uuid)
//	@Param		If-Match	header		string					true	"ETag of the version the change is based on"
//	@Param		patch		body		CatalogueMetricPatch	true	"Fields to change"
//	@Success	200			{object}	CatalogueMetric
//	@Header		200			{string}	ETag	"The new version"
//	@Failure	400,401,403,404,409,412,415,422,428,503	{object}	Problem
//	@Router		/api/v1/metrics/{id} [patch]
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
		setField(patch, "key", in.Key, &m.Key)
		setField(patch, "name", in.Name, &m.Name)
		setField(patch, "direction", (*domain.Direction)(in.Direction), &m.Direction)
		setField(patch, "unit", in.Unit, &m.Unit)
		setField(patch, "description", in.Description, &m.Description)
		if _, ok := patch["target"]; ok {
			m.Target = in.Target
		}
		return m.Validate()
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
//	@Tags		touchpoint health
//	@Security	BearerAuth
//	@Param		id			path	string	true	"Metric id"	format(uuid)
//	@Param		If-Match	header	string	true	"ETag of the version being deleted"
//	@Success	204
//	@Failure	400,401,403,404,412,428,503	{object}	Problem
//	@Failure	409	{object}	Problem	"Measurements or pilot metrics use it"
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
