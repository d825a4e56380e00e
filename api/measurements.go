package api

import (
	"errors"
	"io"
	"mime"
	"net/http"
	"strings"
	"time"

	"cxbacklog/api/ingest"
	"cxbacklog/domain"

	"github.com/labstack/echo/v4"
)

// MeasurementInput is one touchpoint measurement: the period and the
// summary fields of the metric's kind (as pilot samples: mean {n, mean, sd};
// proportion {n, successes}; nps {promoters, passives, detractors}; count
// {events, exposure}).
type MeasurementInput struct {
	MetricID    string `json:"metric_id" binding:"required,uuid" format:"uuid"`
	PeriodStart string `json:"period_start" binding:"required" format:"date" example:"2026-10-01"`
	PeriodEnd   string `json:"period_end" binding:"required" format:"date" example:"2026-10-31"`
	SampleInput
	Source string `json:"source" binding:"max=200" example:"Post-call survey, October" extensions:"x-nullable,x-omitempty"`
} // @name MeasurementInput

// Measurement is what a touchpoint measured on a catalogue metric in one
// period, with its value in the kind's scale and the 95 % interval.
type Measurement struct {
	ID           string    `json:"id" format:"uuid" binding:"required"`
	TouchpointID string    `json:"touchpoint_id" format:"uuid" binding:"required"`
	MetricID     string    `json:"metric_id" format:"uuid" binding:"required"`
	PeriodStart  string    `json:"period_start" format:"date" binding:"required"`
	PeriodEnd    string    `json:"period_end" format:"date" binding:"required"`
	Value        float64   `json:"value" example:"0.78" binding:"required"` // mean, share, NPS points or events per unit of exposure
	CILow        float64   `json:"ci_low" binding:"required"`
	CIHigh       float64   `json:"ci_high" binding:"required"`
	Summary      Sample    `json:"summary" binding:"required"`
	Source       string    `json:"source" binding:"required"`
	CreatedAt    time.Time `json:"created_at" binding:"required"`
	UpdatedAt    time.Time `json:"updated_at" binding:"required"`          // when last replaced; created_at until then
	Version      int       `json:"version" example:"1" binding:"required"` // the ETag, for If-Match
} // @name Measurement

// MeasurementList is a touchpoint's measurements, newest period first.
type MeasurementList struct {
	Items []Measurement `json:"items" binding:"required"`
} // @name MeasurementList

// MeasurementImport says what a bulk import stored.
type MeasurementImport struct {
	Stored   int `json:"stored" example:"240" binding:"required"`   // inserted + replaced
	Inserted int `json:"inserted" example:"200" binding:"required"` // new measurements
	Replaced int `json:"replaced" example:"40" binding:"required"`  // measurements replaced (mode=upsert), each now one version further
} // @name MeasurementImport

func measurementOut(kind domain.MetricKind, m *domain.Measurement) Measurement {
	v, ci := domain.LevelInterval(kind, m.Sample)
	summary := sampleOut(kind, &m.Sample)
	summary.Group, summary.Period, summary.Source, summary.UpdatedAt, summary.Version = "", "", "", m.UpdatedAt.UTC(), m.Version
	return Measurement{
		ID: m.ID, TouchpointID: m.TouchpointID, MetricID: m.MetricID, PeriodStart: m.PeriodStart.Format(dateLayout),
		PeriodEnd: m.PeriodEnd.Format(dateLayout), Value: v, CILow: ci.Low, CIHigh: ci.High,
		Summary: summary, Source: m.Source, CreatedAt: m.CreatedAt.UTC(), UpdatedAt: m.UpdatedAt.UTC(), Version: m.Version,
	}
}

const measurementImportPath = "/measurements/import"

// catalogueByID loads the workspace's catalogue, by id.
func (s *Server) catalogueByID(c echo.Context) (map[string]domain.CatalogueMetric, []domain.CatalogueMetric, error) {
	metrics, err := s.store.ListCatalogueMetrics(c.Request().Context(), principal(c).WorkspaceID)
	byID := make(map[string]domain.CatalogueMetric, len(metrics))
	for _, m := range metrics {
		byID[m.ID] = m
	}
	return byID, metrics, err
}

// measurementOf builds and validates one measurement; fields are named by
// pointer.
func measurementOf(in *MeasurementInput, ws, touchpointID string, catalogue map[string]domain.CatalogueMetric) (*domain.Measurement, error) {
	var fields []domain.FieldError
	metric, ok := catalogue[strings.ToLower(in.MetricID)]
	if !ok {
		return nil, domain.Invalid(domain.FieldError{Pointer: "/metric_id", Detail: "no such catalogue metric in this workspace"})
	}
	start := parseDate(&fields, "/period_start", &in.PeriodStart)
	end := parseDate(&fields, "/period_end", &in.PeriodEnd)
	smp, err := sampleOf(&in.SampleInput, metric.Kind, "", "")
	if err == nil {
		err = smp.Validate(metric.Kind) // reported with the dates' problems
	}
	if err != nil {
		return nil, withFields(fields, err)
	}
	if len(fields) > 0 {
		return nil, domain.Invalid(fields...)
	}
	m := &domain.Measurement{WorkspaceID: ws, TouchpointID: touchpointID, MetricID: metric.ID, PeriodStart: *start, PeriodEnd: *end, Sample: *smp, Source: in.Source}
	return m, m.Validate(metric.Kind)
}

// addMeasurement godoc
//
//	@Summary		Record a touchpoint's measurement of a catalogue metric for a period
//	@Description	Summary fields by the metric's kind, as pilot samples. One measurement per touchpoint, metric and period (409 for a second).
//	@ID				createMeasurement
//	@Tags			measurements
//	@Accept			json
//	@Produce		json,application/problem+json
//	@Security		BearerAuth
//	@Param			id				path		string				true	"Touchpoint id"	format(uuid)
//	@Param			Idempotency-Key	header		string				false	"Makes the request safe to retry"
//	@Param			measurement		body		MeasurementInput	true	"The measurement"
//	@Success		201				{object}	Measurement
//	@Header			201				{string}	Location			"URL of the new measurement"
//	@Header			201				{string}	ETag				"Version, for If-Match"
//	@Header			201				{string}	Idempotent-Replayed	"true when this answers a retry: the stored first response to the same Idempotency-Key"
//	@Failure		400				{object}	Problem				"Bad request: malformed JSON or an unknown or repeated field; or any query parameter (this operation takes none)"
//	@Failure		401				{object}	Problem				"No API key, or an unknown, expired or revoked one"
//	@Failure		403				{object}	Problem				"Needs role editor (a viewer key cannot write)"
//	@Failure		404				{object}	Problem				"Unknown, or in another workspace"
//	@Failure		409				{object}	Problem				"The touchpoint has a measurement of this metric for this period; or the same Idempotency-Key is still being answered"
//	@Failure		413				{object}	Problem				"The body is larger than the limit (1 MB)"
//	@Failure		415				{object}	Problem				"The body is not application/json"
//	@Failure		422				{object}	Problem				"Invalid values; errors[] name each field (pointer); or the Idempotency-Key was used before with another body"
//	@Failure		429				{object}	Problem				"Too many requests: over the budget of this API key, of its workspace's keys together, or of failed authentications from this address, or the workspace has too many requests in flight; retry after Retry-After seconds"
//	@Failure		503				{object}	Problem				"The database is unavailable; retry after Retry-After seconds"
//	@Failure		default			{object}	Problem				"Any other error, e.g. 500 (an internal error: quote instance when reporting it)"
//	@Header			401				{string}	WWW-Authenticate	"The scheme to authenticate with: Bearer"
//	@Header			429				{integer}	Retry-After			"Seconds to wait before retrying"
//	@Header			503				{integer}	Retry-After			"Seconds to wait before retrying"
//	@Router			/api/v1/touchpoints/{id}/measurements [post]
func (s *Server) addMeasurement(c echo.Context) error {
	id, err := pathID(c, "touchpoint")
	if err != nil {
		return err
	}
	var in MeasurementInput
	if err := bindCreate(c, &in); err != nil {
		return err
	}
	ctx, ws := c.Request().Context(), principal(c).WorkspaceID
	if _, err := s.store.GetTouchpoint(ctx, ws, id); err != nil {
		return err
	}
	catalogue, _, err := s.catalogueByID(c)
	if err != nil {
		return err
	}
	m, err := measurementOf(&in, ws, id, catalogue)
	if err != nil {
		return err
	}
	ms := []domain.Measurement{*m}
	if err := s.store.AddMeasurements(ctx, ms); err != nil {
		return withoutLines(err)
	}
	return created(c, "/api/v1/touchpoints/"+id+"/measurements/"+ms[0].ID, ms[0].Version, measurementOut(catalogue[m.MetricID].Kind, &ms[0]))
}

// withoutLines drops batch positions from errors about a single measurement.
func withoutLines(err error) error {
	var de *domain.Error
	if errors.As(err, &de) {
		for n := range de.Fields {
			de.Fields[n].Line = 0
		}
	}
	return err
}

// listMeasurements godoc
//
//	@Summary	A touchpoint's measurements, newest period first
//	@ID			listMeasurements
//	@Tags		measurements
//	@Produce	json,application/problem+json
//	@Security	BearerAuth
//	@Param		id			path		string	true	"Touchpoint id"					format(uuid)
//	@Param		metric_id	query		string	false	"Only this catalogue metric"	format(uuid)	extensions(x-example=9b2e7d41-0c3a-4f8e-b6d2-7a1c5e9f3d20)
//	@Param		limit		query		int		false	"At most this many, 1–100"		default(20)		extensions(x-example=6)
//	@Success	200			{object}	MeasurementList
//	@Failure	400			{object}	Problem				"Bad request: a bad or unknown query parameter"
//	@Failure	401			{object}	Problem				"No API key, or an unknown, expired or revoked one"
//	@Failure	404			{object}	Problem				"Unknown, or in another workspace"
//	@Failure	429			{object}	Problem				"Too many requests: over the budget of this API key, of its workspace's keys together, or of failed authentications from this address, or the workspace has too many requests in flight; retry after Retry-After seconds"
//	@Failure	503			{object}	Problem				"The database is unavailable; retry after Retry-After seconds"
//	@Failure	default		{object}	Problem				"Any other error, e.g. 500 (an internal error: quote instance when reporting it)"
//	@Header		401			{string}	WWW-Authenticate	"The scheme to authenticate with: Bearer"
//	@Header		429			{integer}	Retry-After			"Seconds to wait before retrying"
//	@Header		503			{integer}	Retry-After			"Seconds to wait before retrying"
//	@Router		/api/v1/touchpoints/{id}/measurements [get]
func (s *Server) listMeasurements(c echo.Context) error {
	id, err := pathID(c, "touchpoint")
	if err != nil {
		return err
	}
	q := newListQuery(c, "metric_id")
	metricID, limit := q.id("metric_id"), q.limit()
	if err := q.err(); err != nil {
		return err
	}
	catalogue, _, err := s.catalogueByID(c)
	if err != nil {
		return err
	}
	ms, err := s.store.ListMeasurements(c.Request().Context(), principal(c).WorkspaceID, id, metricID, limit)
	if err != nil {
		return err
	}
	out := MeasurementList{Items: make([]Measurement, len(ms))}
	for n := range ms {
		out.Items[n] = measurementOut(catalogue[ms[n].MetricID].Kind, &ms[n])
	}
	return c.JSON(http.StatusOK, out)
}

// importMeasurements godoc
//
//	@Summary		Import many touchpoints' measurements at once (CSV)
//	@Description	text/csv with a header naming the columns touchpoint_id, metric (catalogue key or id), period_start, period_end, the summary columns of each metric's kind (n, mean, sd, successes, promoters, passives, detractors, events, exposure; leave the others empty) and optionally source. Up to 10,000 rows; all or nothing: a bad row is 422 naming its line, and so is a row repeating the touchpoint, metric and period of an earlier one. With mode=insert (the default) a period measured already is 409 naming its line; with mode=upsert it replaces that measurement (its version + 1) and the other rows are added.
//	@ID				importMeasurements
//	@Tags			measurements
//	@Accept			text/csv
//	@Produce		json,application/problem+json
//	@Security		BearerAuth
//	@Param			mode	query		string	false	"What a row of a period measured already does: insert refuses it (409), upsert replaces the measurement"	Enums(insert,upsert)	default(insert)	extensions(x-example=upsert)
//	@Param			rows	body		string	true	"CSV rows"
//	@Success		200		{object}	MeasurementImport
//	@Failure		400		{object}	Problem				"Bad request: a bad or unknown query parameter"
//	@Failure		401		{object}	Problem				"No API key, or an unknown, expired or revoked one"
//	@Failure		403		{object}	Problem				"Needs role editor (a viewer key cannot write)"
//	@Failure		409		{object}	Problem				"mode=insert and a period is measured already; errors[0].line names it"
//	@Failure		413		{object}	Problem				"The body is larger than the limit (1 MB)"
//	@Failure		415		{object}	Problem				"The body is not text/csv"
//	@Failure		422		{object}	Problem				"A bad row; errors[0].line names it"
//	@Failure		429		{object}	Problem				"Too many requests: over the budget of this API key, of its workspace's keys together, or of failed authentications from this address, or the workspace has too many requests in flight; retry after Retry-After seconds"
//	@Failure		503		{object}	Problem				"The database is unavailable; retry after Retry-After seconds"
//	@Failure		default	{object}	Problem				"Any other error, e.g. 500 (an internal error: quote instance when reporting it)"
//	@Header			401		{string}	WWW-Authenticate	"The scheme to authenticate with: Bearer"
//	@Header			429		{integer}	Retry-After			"Seconds to wait before retrying"
//	@Header			503		{integer}	Retry-After			"Seconds to wait before retrying"
//	@Router			/api/v1/measurements/import [post]
func (s *Server) importMeasurements(c echo.Context) error {
	q := newQuery(c, "mode")
	mode := domain.ImportModes[0]
	if m := enumParam(q, "mode", domain.ImportModes); m != nil {
		mode = *m
	} else if vs := c.QueryParams()["mode"]; len(vs) == 1 && vs[0] == "" {
		q.fail("mode", "must not be empty; leave it out for insert") // ?mode= names no mode
	}
	if err := q.err(); err != nil {
		return err
	}
	if mt, _, _ := mime.ParseMediaType(c.Request().Header.Get(echo.HeaderContentType)); mt != ingest.MediaCSV {
		return domain.Errorf(domain.EUnsupportedMedia, "send the rows as Content-Type: text/csv")
	}
	ws := principal(c).WorkspaceID
	var rows *ingest.MeasurementRows
	res, err := domain.ImportMeasurements(c.Request().Context(), s.store, ws, mode, func(catalogue map[string]domain.CatalogueMetric) ([]domain.Measurement, error) {
		var err error
		if rows, err = ingest.Measurements(requestBody{c.Request().Body}, ws, catalogue); err != nil {
			return nil, err
		}
		return rows.Items, nil
	})
	if err != nil && rows != nil {
		return rows.Locate(err) // the domain and the store name a row by its position
	}
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, MeasurementImport{Stored: res.Inserted + res.Replaced, Inserted: res.Inserted, Replaced: res.Replaced})
}

// getMeasurement godoc
//
//	@Summary	Get one of a touchpoint's measurements
//	@ID			getMeasurement
//	@Tags		measurements
//	@Produce	json,application/problem+json
//	@Security	BearerAuth
//	@Param		id				path		string	true	"Touchpoint id"		format(uuid)
//	@Param		measurement_id	path		string	true	"Measurement id"	format(uuid)
//	@Success	200				{object}	Measurement
//	@Header		200				{string}	ETag				"Version, for If-Match"
//	@Failure	400				{object}	Problem				"Bad request: any query parameter (this operation takes none)"
//	@Failure	401				{object}	Problem				"No API key, or an unknown, expired or revoked one"
//	@Failure	404				{object}	Problem				"Unknown, of another touchpoint, or in another workspace"
//	@Failure	429				{object}	Problem				"Too many requests: over the budget of this API key, of its workspace's keys together, or of failed authentications from this address, or the workspace has too many requests in flight; retry after Retry-After seconds"
//	@Failure	503				{object}	Problem				"The database is unavailable; retry after Retry-After seconds"
//	@Failure	default			{object}	Problem				"Any other error, e.g. 500 (an internal error: quote instance when reporting it)"
//	@Header		401				{string}	WWW-Authenticate	"The scheme to authenticate with: Bearer"
//	@Header		429				{integer}	Retry-After			"Seconds to wait before retrying"
//	@Header		503				{integer}	Retry-After			"Seconds to wait before retrying"
//	@Router		/api/v1/touchpoints/{id}/measurements/{measurement_id} [get]
func (s *Server) getMeasurement(c echo.Context) error {
	tpID, id, err := childPathIDs(c, "touchpoint", "measurement_id", "measurement")
	if err != nil {
		return err
	}
	m, err := s.store.GetMeasurement(c.Request().Context(), principal(c).WorkspaceID, tpID, id)
	if err != nil {
		return err
	}
	catalogue, _, err := s.catalogueByID(c)
	if err != nil {
		return err
	}
	setETag(c, m.Version)
	return c.JSON(http.StatusOK, measurementOut(catalogue[m.MetricID].Kind, m))
}

// putMeasurement godoc
//
//	@Summary		Correct a touchpoint's measurement: replace it whole
//	@Description	The body is that of a new measurement (metric, period, the summary fields of the metric's kind, source), all of which replace the measurement's; fields left out are not kept but missing (422). The touchpoint, id and created_at stay; the version counts on. If-Match is required (428 without) and must be the current version (412).
//	@ID				replaceMeasurement
//	@Tags			measurements
//	@Accept			json
//	@Produce		json,application/problem+json
//	@Security		BearerAuth
//	@Param			id				path		string				true	"Touchpoint id"																						format(uuid)
//	@Param			measurement_id	path		string				true	"Measurement id"																					format(uuid)
//	@Param			If-Match		header		string				true	"ETag of the version being replaced, as its ETag header gave it: a version number in double quotes"	extensions(x-example="1")
//	@Param			measurement		body		MeasurementInput	true	"The whole measurement"
//	@Success		200				{object}	Measurement
//	@Header			200				{string}	ETag				"The new version"
//	@Failure		400				{object}	Problem				"Bad request: malformed JSON or an unknown or repeated field; a malformed If-Match; or any query parameter (this operation takes none)"
//	@Failure		401				{object}	Problem				"No API key, or an unknown, expired or revoked one"
//	@Failure		403				{object}	Problem				"Needs role editor (a viewer key cannot write)"
//	@Failure		404				{object}	Problem				"Unknown, of another touchpoint, or in another workspace"
//	@Failure		409				{object}	Problem				"Another measurement of the touchpoint has this metric and period"
//	@Failure		412				{object}	Problem				"If-Match names a version that is no longer current: read the resource again"
//	@Failure		413				{object}	Problem				"The body is larger than the limit (1 MB)"
//	@Failure		415				{object}	Problem				"The body is not application/json"
//	@Failure		422				{object}	Problem				"Invalid values; errors name the fields"
//	@Failure		428				{object}	Problem				"If-Match is missing"
//	@Failure		429				{object}	Problem				"Too many requests: over the budget of this API key, of its workspace's keys together, or of failed authentications from this address, or the workspace has too many requests in flight; retry after Retry-After seconds"
//	@Failure		503				{object}	Problem				"The database is unavailable; retry after Retry-After seconds"
//	@Failure		default			{object}	Problem				"Any other error, e.g. 500 (an internal error: quote instance when reporting it)"
//	@Header			401				{string}	WWW-Authenticate	"The scheme to authenticate with: Bearer"
//	@Header			429				{integer}	Retry-After			"Seconds to wait before retrying"
//	@Header			503				{integer}	Retry-After			"Seconds to wait before retrying"
//	@Router			/api/v1/touchpoints/{id}/measurements/{measurement_id} [put]
func (s *Server) putMeasurement(c echo.Context) error {
	tpID, id, err := childPathIDs(c, "touchpoint", "measurement_id", "measurement")
	if err != nil {
		return err
	}
	version, err := ifMatch(c)
	if err != nil {
		return err
	}
	var in MeasurementInput
	if err := bindCreate(c, &in); err != nil {
		return err
	}
	ws := principal(c).WorkspaceID
	catalogue, _, err := s.catalogueByID(c)
	if err != nil {
		return err
	}
	m, err := s.store.ReplaceMeasurement(c.Request().Context(), ws, tpID, id, version, func(m *domain.Measurement) error {
		with, err := measurementOf(&in, ws, tpID, catalogue)
		if err != nil {
			return err
		}
		m.Replace(with)
		return nil
	})
	if err != nil {
		return err
	}
	setETag(c, m.Version)
	return c.JSON(http.StatusOK, measurementOut(catalogue[m.MetricID].Kind, m))
}

// deleteMeasurement godoc
//
//	@Summary		Delete a touchpoint's measurement
//	@Description	If-Match is optional; when sent, it must be the current version (412).
//	@ID				deleteMeasurement
//	@Tags			measurements
//	@Produce		json,application/problem+json
//	@Security		BearerAuth
//	@Param			id				path	string	true	"Touchpoint id"																						format(uuid)
//	@Param			measurement_id	path	string	true	"Measurement id"																					format(uuid)
//	@Param			If-Match		header	string	false	"ETag of the version being deleted, as its ETag header gave it: a version number in double quotes"	extensions(x-example="1")
//	@Success		204
//	@Failure		400		{object}	Problem				"Bad request: a malformed If-Match; or any query parameter (this operation takes none)"
//	@Failure		401		{object}	Problem				"No API key, or an unknown, expired or revoked one"
//	@Failure		403		{object}	Problem				"Needs role editor (a viewer key cannot write)"
//	@Failure		404		{object}	Problem				"Unknown, of another touchpoint, or in another workspace"
//	@Failure		412		{object}	Problem				"If-Match names a version that is no longer current: read the resource again"
//	@Failure		429		{object}	Problem				"Too many requests: over the budget of this API key, of its workspace's keys together, or of failed authentications from this address, or the workspace has too many requests in flight; retry after Retry-After seconds"
//	@Failure		503		{object}	Problem				"The database is unavailable; retry after Retry-After seconds"
//	@Failure		default	{object}	Problem				"Any other error, e.g. 500 (an internal error: quote instance when reporting it)"
//	@Header			401		{string}	WWW-Authenticate	"The scheme to authenticate with: Bearer"
//	@Header			429		{integer}	Retry-After			"Seconds to wait before retrying"
//	@Header			503		{integer}	Retry-After			"Seconds to wait before retrying"
//	@Router			/api/v1/touchpoints/{id}/measurements/{measurement_id} [delete]
func (s *Server) deleteMeasurement(c echo.Context) error {
	tpID, id, err := childPathIDs(c, "touchpoint", "measurement_id", "measurement")
	if err != nil {
		return err
	}
	version, err := optionalIfMatch(c)
	if err != nil {
		return err
	}
	if err := s.store.DeleteMeasurement(c.Request().Context(), principal(c).WorkspaceID, tpID, id, version); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

// requestBody is a request body for the ingest readers, which know nothing
// of HTTP: a read past the body limit fails with ETooLarge, which they pass
// on as it is.
type requestBody struct{ r io.Reader }

func (b requestBody) Read(p []byte) (int, error) {
	n, err := b.r.Read(p)
	if err != nil && err != io.EOF && isTooLarge(err) {
		err = domain.Errorf(domain.ETooLarge, "the request body is larger than the limit of this endpoint")
	}
	return n, err
}
