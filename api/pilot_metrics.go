package api

import (
	"context"
	"net/http"
	"time"

	"cxbacklog/domain"

	"github.com/labstack/echo/v4"
)

// MetricCreate is the body of POST /pilots/{id}/metrics: name, kind and
// direction are required. With metric_id it measures a catalogue metric and
// takes its kind, direction, unit and (unless given) name: the kind and
// direction sent must then be the catalogue metric's, or may be null (a
// Swagger 2 schema cannot make a field required only without another).
type MetricCreate struct {
	MetricID  *string `json:"metric_id" format:"uuid" extensions:"x-nullable,x-omitempty"` // a catalogue metric, optional
	Name      string  `json:"name" binding:"required" maxLength:"200" example:"Average handle time"`
	Unit      string  `json:"unit" maxLength:"100" example:"seconds" extensions:"x-nullable,x-omitempty"`
	Kind      string  `json:"kind" binding:"required" enums:"mean,proportion,nps,count" example:"mean"`
	Direction string  `json:"direction" binding:"required" enums:"higher_is_better,lower_is_better" example:"lower_is_better"`
	Primary   bool    `json:"primary" example:"true" extensions:"x-nullable,x-omitempty"`    // exactly one per pilot before it can complete
	Guardrail bool    `json:"guardrail" example:"false" extensions:"x-nullable,x-omitempty"` // must not get worse
} // @name MetricCreate

// MetricPatch is a JSON Merge Patch of a metric: absent fields stay
// unchanged, null clears unit, null on any other field is 422. The kind
// cannot change once samples may depend on it: delete the metric and create
// another.
type MetricPatch struct {
	Name      *string `json:"name" extensions:"x-nullable,x-omitempty"`
	Unit      *string `json:"unit" extensions:"x-nullable,x-omitempty"`
	Direction *string `json:"direction" enums:"higher_is_better,lower_is_better" extensions:"x-nullable,x-omitempty"`
	Primary   *bool   `json:"primary" extensions:"x-nullable,x-omitempty"`
	Guardrail *bool   `json:"guardrail" extensions:"x-nullable,x-omitempty"`
} // @name MetricPatch

// Metric is what a pilot measures, with its samples.
type Metric struct {
	ID        string    `json:"id" format:"uuid" binding:"required"`
	PilotID   string    `json:"pilot_id" format:"uuid" binding:"required"`
	Name      string    `json:"name" example:"Average handle time" binding:"required"`
	Unit      string    `json:"unit" example:"seconds" binding:"required"`
	Kind      string    `json:"kind" enums:"mean,proportion,nps,count" example:"mean" binding:"required"`
	Direction string    `json:"direction" enums:"higher_is_better,lower_is_better" example:"lower_is_better" binding:"required"`
	Primary   bool      `json:"primary" binding:"required"`
	Guardrail bool      `json:"guardrail" binding:"required"`
	MetricID  *string   `json:"metric_id" format:"uuid" extensions:"x-nullable"` // the catalogue metric it measures
	Samples   []Sample  `json:"samples" binding:"required"`                      // pilot before, pilot after, control before, control after: those given
	CreatedAt time.Time `json:"created_at" binding:"required"`
	UpdatedAt time.Time `json:"updated_at" binding:"required"`
	Version   int       `json:"version" example:"1" binding:"required"`
} // @name Metric

// MetricList is every metric of a pilot (at most 50), in creation order.
type MetricList struct {
	Items []Metric `json:"items" binding:"required"`
} // @name MetricList

func metricOut(m *domain.Metric, samples []domain.Sample) Metric {
	out := Metric{
		ID: m.ID, PilotID: m.PilotID, Name: m.Name, Unit: m.Unit, Kind: string(m.Kind), Direction: string(m.Direction),
		Primary: m.Primary, Guardrail: m.Guardrail, Samples: make([]Sample, len(samples)), MetricID: nilIfEmpty(m.CatalogueMetricID),
		CreatedAt: m.CreatedAt.UTC(), UpdatedAt: m.UpdatedAt.UTC(), Version: m.Version,
	}
	for n := range samples {
		out.Samples[n] = sampleOut(m.Kind, &samples[n])
	}
	return out
}

// pilotAndMetric reads the pilot and metric ids of the path.
func pilotAndMetric(c echo.Context) (string, string, error) {
	pilotID, err := pathID(c, "pilot")
	if err != nil {
		return "", "", err
	}
	metricID, err := pathParamID(c, "metric_id", "metric")
	return pilotID, metricID, err
}

// editPilot runs fn holding the pilot, refusing completed and cancelled pilots.
func (s *Server) editPilot(c echo.Context, pilotID string, fn func(ctx context.Context) error) error {
	return s.pilots.Edit(c.Request().Context(), principal(c).WorkspaceID, pilotID, fn)
}

// createMetric godoc
//
//	@Summary		Add a metric to a pilot
//	@Description	Only while the pilot is planned or running (409 otherwise). A second primary metric or a duplicate name is 409 naming the field.
//	@ID				createPilotMetric
//	@Tags			pilots
//	@Accept			json
//	@Produce		json,application/problem+json
//	@Security		BearerAuth
//	@Param			id				path		string			true	"Pilot id"	format(uuid)
//	@Param			Idempotency-Key	header		string			false	"Makes the request safe to retry"
//	@Param			metric			body		MetricCreate	true	"The metric"
//	@Success		201				{object}	Metric
//	@Header			201				{string}	Location			"URL of the new metric"
//	@Header			201				{string}	ETag				"Version, for If-Match"
//	@Header			201				{string}	Idempotent-Replayed	"true when this answers a retry: the stored first response to the same Idempotency-Key"
//	@Failure		400				{object}	Problem				"Bad request: malformed JSON or an unknown or repeated field; or any query parameter (this operation takes none)"
//	@Failure		401				{object}	Problem				"No API key, or an unknown, expired or revoked one"
//	@Failure		403				{object}	Problem				"Needs role editor (a viewer key cannot write)"
//	@Failure		404				{object}	Problem				"Unknown, or in another workspace"
//	@Failure		409				{object}	Problem				"The same Idempotency-Key is still being answered"
//	@Failure		413				{object}	Problem				"The body is larger than the limit (1 MB)"
//	@Failure		415				{object}	Problem				"The body is not application/json"
//	@Failure		422				{object}	Problem				"Invalid values; errors[] name each field (pointer); or the Idempotency-Key was used before with another body"
//	@Failure		429				{object}	Problem				"Too many requests: over the budget of this API key, of its workspace's keys together, or of failed authentications from this address, or the workspace has too many requests in flight; retry after Retry-After seconds"
//	@Failure		503				{object}	Problem				"The database is unavailable; retry after Retry-After seconds"
//	@Failure		default			{object}	Problem				"Any other error, e.g. 500 (an internal error: quote instance when reporting it)"
//	@Header			401				{string}	WWW-Authenticate	"The scheme to authenticate with: Bearer"
//	@Header			429				{integer}	Retry-After			"Seconds to wait before retrying"
//	@Header			503				{integer}	Retry-After			"Seconds to wait before retrying"
//	@Router			/api/v1/pilots/{id}/metrics [post]
func (s *Server) createMetric(c echo.Context) error {
	pilotID, err := pathID(c, "pilot")
	if err != nil {
		return err
	}
	var in MetricCreate
	if err := bindCreate(c, &in); err != nil {
		return err
	}
	m := &domain.Metric{
		WorkspaceID: principal(c).WorkspaceID, PilotID: pilotID, Name: in.Name, Unit: in.Unit,
		Kind: domain.MetricKind(in.Kind), Direction: domain.Direction(in.Direction), Primary: in.Primary, Guardrail: in.Guardrail,
	}
	var catalogueID string
	deref(in.MetricID, &catalogueID)
	if err := s.pilots.AddMetric(c.Request().Context(), m, catalogueID); err != nil {
		return err
	}
	return created(c, "/api/v1/pilots/"+pilotID+"/metrics/"+m.ID, m.Version, metricOut(m, nil))
}

// listMetrics godoc
//
//	@Summary	A pilot's metrics with their samples
//	@ID			listPilotMetrics
//	@Tags		pilots
//	@Produce	json,application/problem+json
//	@Security	BearerAuth
//	@Param		id		path		string	true	"Pilot id"	format(uuid)
//	@Success	200		{object}	MetricList
//	@Failure	400		{object}	Problem				"Bad request: any query parameter (this operation takes none)"
//	@Failure	401		{object}	Problem				"No API key, or an unknown, expired or revoked one"
//	@Failure	404		{object}	Problem				"Unknown, or in another workspace"
//	@Failure	429		{object}	Problem				"Too many requests: over the budget of this API key, of its workspace's keys together, or of failed authentications from this address, or the workspace has too many requests in flight; retry after Retry-After seconds"
//	@Failure	503		{object}	Problem				"The database is unavailable; retry after Retry-After seconds"
//	@Failure	default	{object}	Problem				"Any other error, e.g. 500 (an internal error: quote instance when reporting it)"
//	@Header		401		{string}	WWW-Authenticate	"The scheme to authenticate with: Bearer"
//	@Header		429		{integer}	Retry-After			"Seconds to wait before retrying"
//	@Header		503		{integer}	Retry-After			"Seconds to wait before retrying"
//	@Router		/api/v1/pilots/{id}/metrics [get]
func (s *Server) listMetrics(c echo.Context) error {
	pilotID, err := pathID(c, "pilot")
	if err != nil {
		return err
	}
	if err := newListQuery(c).err(); err != nil {
		return err
	}
	_, data, err := s.store.PilotData(c.Request().Context(), principal(c).WorkspaceID, pilotID)
	if err != nil {
		return err
	}
	out := MetricList{Items: make([]Metric, len(data.Metrics))}
	for n := range data.Metrics {
		m := &data.Metrics[n]
		out.Items[n] = metricOut(m, data.Samples[m.ID].List())
	}
	return c.JSON(http.StatusOK, out)
}

// getMetric godoc
//
//	@Summary	Get a metric with its samples
//	@ID			getPilotMetric
//	@Tags		pilots
//	@Produce	json,application/problem+json
//	@Security	BearerAuth
//	@Param		id			path		string	true	"Pilot id"	format(uuid)
//	@Param		metric_id	path		string	true	"Metric id"	format(uuid)
//	@Success	200			{object}	Metric
//	@Header		200			{string}	ETag				"Version, for If-Match"
//	@Failure	400			{object}	Problem				"Bad request: any query parameter (this operation takes none)"
//	@Failure	401			{object}	Problem				"No API key, or an unknown, expired or revoked one"
//	@Failure	404			{object}	Problem				"Unknown, or in another workspace"
//	@Failure	429			{object}	Problem				"Too many requests: over the budget of this API key, of its workspace's keys together, or of failed authentications from this address, or the workspace has too many requests in flight; retry after Retry-After seconds"
//	@Failure	503			{object}	Problem				"The database is unavailable; retry after Retry-After seconds"
//	@Failure	default		{object}	Problem				"Any other error, e.g. 500 (an internal error: quote instance when reporting it)"
//	@Header		401			{string}	WWW-Authenticate	"The scheme to authenticate with: Bearer"
//	@Header		429			{integer}	Retry-After			"Seconds to wait before retrying"
//	@Header		503			{integer}	Retry-After			"Seconds to wait before retrying"
//	@Router		/api/v1/pilots/{id}/metrics/{metric_id} [get]
func (s *Server) getMetric(c echo.Context) error {
	pilotID, metricID, err := pilotAndMetric(c)
	if err != nil {
		return err
	}
	m, samples, err := s.store.MetricSamples(c.Request().Context(), principal(c).WorkspaceID, pilotID, metricID)
	if err != nil {
		return err
	}
	setETag(c, m.Version)
	return c.JSON(http.StatusOK, metricOut(m, samples))
}

// patchMetric godoc
//
//	@Summary		Change a metric (JSON Merge Patch)
//	@Description	Absent fields stay unchanged; null clears unit; null on name, direction, primary or guardrail is 422 naming the field (leave it out to keep it). Only while the pilot is planned or running. Making a second metric primary is 409 (unmark the other first).
//	@ID				patchPilotMetric
//	@Tags			pilots
//	@Accept			json
//	@Accept			application/merge-patch+json
//	@Produce		json,application/problem+json
//	@Security		BearerAuth
//	@Param			id			path		string		true	"Pilot id"																									format(uuid)
//	@Param			metric_id	path		string		true	"Metric id"																									format(uuid)
//	@Param			If-Match	header		string		true	"ETag of the version the change is based on, as its ETag header gave it: a version number in double quotes"	extensions(x-example="1")
//	@Param			patch		body		MetricPatch	true	"Fields to change"
//	@Success		200			{object}	Metric
//	@Header			200			{string}	ETag				"The new version"
//	@Failure		400			{object}	Problem				"Bad request: malformed JSON or an unknown or repeated field; a malformed If-Match; or any query parameter (this operation takes none)"
//	@Failure		401			{object}	Problem				"No API key, or an unknown, expired or revoked one"
//	@Failure		403			{object}	Problem				"Needs role editor (a viewer key cannot write)"
//	@Failure		404			{object}	Problem				"Unknown, or in another workspace"
//	@Failure		409			{object}	Problem				"The same Idempotency-Key is still being answered"
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
//	@Router			/api/v1/pilots/{id}/metrics/{metric_id} [patch]
func (s *Server) patchMetric(c echo.Context) error {
	pilotID, metricID, err := pilotAndMetric(c)
	if err != nil {
		return err
	}
	version, err := ifMatch(c)
	if err != nil {
		return err
	}
	var in MetricPatch
	patch, err := bindPatch(c, &in)
	if err != nil {
		return err
	}
	var m *domain.Metric
	var samples []domain.Sample
	err = s.editPilot(c, pilotID, func(ctx context.Context) error {
		ws := principal(c).WorkspaceID
		m, err = s.store.UpdateMetric(ctx, ws, pilotID, metricID, version, func(m *domain.Metric) error {
			var fields []domain.FieldError
			setRequired(patch, &fields, "name", in.Name, &m.Name)
			setField(patch, "unit", in.Unit, &m.Unit)
			setRequired(patch, &fields, "direction", (*domain.Direction)(in.Direction), &m.Direction)
			setRequired(patch, &fields, "primary", in.Primary, &m.Primary)
			setRequired(patch, &fields, "guardrail", in.Guardrail, &m.Guardrail)
			return withFields(fields, m.Validate())
		})
		if err != nil {
			return err
		}
		_, samples, err = s.store.MetricSamples(ctx, ws, pilotID, metricID)
		return err
	})
	if err != nil {
		return err
	}
	setETag(c, m.Version)
	return c.JSON(http.StatusOK, metricOut(m, samples))
}

// deleteMetric godoc
//
//	@Summary	Delete a metric with its samples and observations
//	@ID			deletePilotMetric
//	@Tags		pilots
//	@Produce	json,application/problem+json
//	@Security	BearerAuth
//	@Param		id			path	string	true	"Pilot id"																							format(uuid)
//	@Param		metric_id	path	string	true	"Metric id"																							format(uuid)
//	@Param		If-Match	header	string	true	"ETag of the version being deleted, as its ETag header gave it: a version number in double quotes"	extensions(x-example="1")
//	@Success	204
//	@Failure	400		{object}	Problem				"Bad request: a malformed If-Match; or any query parameter (this operation takes none)"
//	@Failure	401		{object}	Problem				"No API key, or an unknown, expired or revoked one"
//	@Failure	403		{object}	Problem				"Needs role editor (a viewer key cannot write)"
//	@Failure	404		{object}	Problem				"Unknown, or in another workspace"
//	@Failure	409		{object}	Problem				"The pilot is completed or cancelled"
//	@Failure	412		{object}	Problem				"If-Match names a version that is no longer current: read the resource again"
//	@Failure	428		{object}	Problem				"If-Match is missing"
//	@Failure	429		{object}	Problem				"Too many requests: over the budget of this API key, of its workspace's keys together, or of failed authentications from this address, or the workspace has too many requests in flight; retry after Retry-After seconds"
//	@Failure	503		{object}	Problem				"The database is unavailable; retry after Retry-After seconds"
//	@Failure	default	{object}	Problem				"Any other error, e.g. 500 (an internal error: quote instance when reporting it)"
//	@Header		401		{string}	WWW-Authenticate	"The scheme to authenticate with: Bearer"
//	@Header		429		{integer}	Retry-After			"Seconds to wait before retrying"
//	@Header		503		{integer}	Retry-After			"Seconds to wait before retrying"
//	@Router		/api/v1/pilots/{id}/metrics/{metric_id} [delete]
func (s *Server) deleteMetric(c echo.Context) error {
	pilotID, metricID, err := pilotAndMetric(c)
	if err != nil {
		return err
	}
	version, err := ifMatch(c)
	if err != nil {
		return err
	}
	err = s.editPilot(c, pilotID, func(ctx context.Context) error {
		return s.store.DeleteMetric(ctx, principal(c).WorkspaceID, pilotID, metricID, version)
	})
	if err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}
