package api

import (
	"context"
	"net/http"
	"time"

	"cxbacklog/domain"

	"github.com/labstack/echo/v4"
)

// MetricCreate is the body of POST /pilots/{id}/metrics.
// With metric_id it measures a catalogue metric and takes its kind,
// direction, unit and (unless given) name.
type MetricCreate struct {
	MetricID  *string `json:"metric_id" format:"uuid"` // a catalogue metric, optional
	Name      string  `json:"name" maxLength:"200" example:"Average handle time"`
	Unit      string  `json:"unit" maxLength:"100" example:"seconds"`
	Kind      string  `json:"kind" enums:"mean,proportion,nps,count" example:"mean"`
	Direction string  `json:"direction" enums:"higher_is_better,lower_is_better" example:"lower_is_better"`
	Primary   bool    `json:"primary" example:"true"`    // exactly one per pilot before it can complete
	Guardrail bool    `json:"guardrail" example:"false"` // must not get worse
} // @name MetricCreate

// MetricPatch is a JSON Merge Patch of a metric. The kind cannot change
// once samples may depend on it: delete the metric and create another.
type MetricPatch struct {
	Name      *string `json:"name"`
	Unit      *string `json:"unit"`
	Direction *string `json:"direction" enums:"higher_is_better,lower_is_better"`
	Primary   *bool   `json:"primary"`
	Guardrail *bool   `json:"guardrail"`
} // @name MetricPatch

// Metric is what a pilot measures, with its samples.
type Metric struct {
	ID        string    `json:"id" format:"uuid"`
	PilotID   string    `json:"pilot_id" format:"uuid"`
	Name      string    `json:"name" example:"Average handle time"`
	Unit      string    `json:"unit" example:"seconds"`
	Kind      string    `json:"kind" enums:"mean,proportion,nps,count" example:"mean"`
	Direction string    `json:"direction" enums:"higher_is_better,lower_is_better" example:"lower_is_better"`
	Primary   bool      `json:"primary"`
	Guardrail bool      `json:"guardrail"`
	MetricID  *string   `json:"metric_id" format:"uuid" extensions:"x-nullable"` // the catalogue metric it measures
	Samples   []Sample  `json:"samples"`                                         // pilot before, pilot after, control before, control after: those given
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
	Version   int       `json:"version" example:"1"`
} // @name Metric

// MetricList is every metric of a pilot (at most 50), in creation order.
type MetricList struct {
	Items []Metric `json:"items"`
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
//	@Tags			pilots
//	@Accept			json
//	@Produce		json
//	@Security		BearerAuth
//	@Param			id				path		string			true	"Pilot id"	format(uuid)
//	@Param			Idempotency-Key	header		string			false	"Makes the request safe to retry"
//	@Param			metric			body		MetricCreate	true	"The metric"
//	@Success		201				{object}	Metric
//	@Header			201				{string}	Location	"URL of the new metric"
//	@Header			201				{string}	ETag		"Version, for If-Match"
//	@Failure	400,401,403,404,409,413,415,422,503	{object}	Problem
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
//	@Tags		pilots
//	@Produce	json
//	@Security	BearerAuth
//	@Param		id	path		string	true	"Pilot id"	format(uuid)
//	@Success	200	{object}	MetricList
//	@Failure	401,404,503	{object}	Problem
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
//	@Tags		pilots
//	@Produce	json
//	@Security	BearerAuth
//	@Param		id			path		string	true	"Pilot id"	format(uuid)
//	@Param		metric_id	path		string	true	"Metric id"	format(uuid)
//	@Success	200			{object}	Metric
//	@Header		200			{string}	ETag	"Version, for If-Match"
//	@Failure	401,404,503	{object}	Problem
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
//	@Description	Only while the pilot is planned or running. Making a second metric primary is 409 (unmark the other first).
//	@Tags			pilots
//	@Accept			json
//	@Accept			application/merge-patch+json
//	@Produce		json
//	@Security		BearerAuth
//	@Param			id			path		string		true	"Pilot id"	format(uuid)
//	@Param			metric_id	path		string		true	"Metric id"	format(uuid)
//	@Param			If-Match	header		string		true	"ETag of the version the change is based on"
//	@Param			patch		body		MetricPatch	true	"Fields to change"
//	@Success		200			{object}	Metric
//	@Header			200			{string}	ETag	"The new version"
//	@Failure	400,401,403,404,409,412,415,422,428,503	{object}	Problem
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
			setField(patch, "name", in.Name, &m.Name)
			setField(patch, "unit", in.Unit, &m.Unit)
			setField(patch, "direction", (*domain.Direction)(in.Direction), &m.Direction)
			setField(patch, "primary", in.Primary, &m.Primary)
			setField(patch, "guardrail", in.Guardrail, &m.Guardrail)
			return m.Validate()
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
//	@Tags		pilots
//	@Security	BearerAuth
//	@Param		id			path	string	true	"Pilot id"	format(uuid)
//	@Param		metric_id	path	string	true	"Metric id"	format(uuid)
//	@Param		If-Match	header	string	true	"ETag of the version being deleted"
//	@Success	204
//	@Failure	400,401,403,404,412,428,503	{object}	Problem
//	@Failure	409	{object}	Problem	"The pilot is completed or cancelled"
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
