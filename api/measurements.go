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
	Source string `json:"source" binding:"max=200" example:"Post-call survey, October"`
} // @name MeasurementInput

// Measurement is what a touchpoint measured on a catalogue metric in one
// period, with its value in the kind's scale and the 95 % interval.
type Measurement struct {
	ID           string    `json:"id" format:"uuid"`
	TouchpointID string    `json:"touchpoint_id" format:"uuid"`
	MetricID     string    `json:"metric_id" format:"uuid"`
	PeriodStart  string    `json:"period_start" format:"date"`
	PeriodEnd    string    `json:"period_end" format:"date"`
	Value        float64   `json:"value" example:"0.78"` // mean, share, NPS points or events per unit of exposure
	CILow        float64   `json:"ci_low"`
	CIHigh       float64   `json:"ci_high"`
	Summary      Sample    `json:"summary"`
	Source       string    `json:"source"`
	CreatedAt    time.Time `json:"created_at"`
} // @name Measurement

// MeasurementList is a touchpoint's measurements, newest period first.
type MeasurementList struct {
	Items []Measurement `json:"items"`
} // @name MeasurementList

// MeasurementImport says what a bulk import stored.
type MeasurementImport struct {
	Stored int `json:"stored" example:"240"`
} // @name MeasurementImport

func measurementOut(kind domain.MetricKind, m *domain.Measurement) Measurement {
	v, ci := domain.LevelInterval(kind, m.Sample)
	summary := sampleOut(kind, &m.Sample)
	summary.Group, summary.Period, summary.Source, summary.UpdatedAt = "", "", "", m.CreatedAt.UTC()
	return Measurement{
		ID: m.ID, TouchpointID: m.TouchpointID, MetricID: m.MetricID, PeriodStart: m.PeriodStart.Format(dateLayout),
		PeriodEnd: m.PeriodEnd.Format(dateLayout), Value: v, CILow: ci.Low, CIHigh: ci.High,
		Summary: summary, Source: m.Source, CreatedAt: m.CreatedAt.UTC(),
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
//	@Tags			touchpoint health
//	@Accept			json
//	@Produce		json
//	@Security		BearerAuth
//	@Param			id				path		string				true	"Touchpoint id"	format(uuid)
//	@Param			Idempotency-Key	header		string				false	"Makes the request safe to retry"
//	@Param			measurement		body		MeasurementInput	true	"The measurement"
//	@Success		201				{object}	Measurement
//	@Failure	400,401,403,404,409,413,415,422,503	{object}	Problem
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
	c.Response().Header().Set(echo.HeaderLocation, "/api/v1/touchpoints/"+id+"/measurements")
	return c.JSON(http.StatusCreated, measurementOut(catalogue[m.MetricID].Kind, &ms[0]))
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
//	@Tags		touchpoint health
//	@Produce	json
//	@Security	BearerAuth
//	@Param		id			path		string	true	"Touchpoint id"	format(uuid)
//	@Param		metric_id	query		string	false	"Only this catalogue metric"	format(uuid)
//	@Param		limit		query		int		false	"At most this many, 1–100"	default(20)
//	@Success	200			{object}	MeasurementList
//	@Failure	400,401,404,503	{object}	Problem
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
//	@Description	text/csv with a header naming the columns touchpoint_id, metric (catalogue key or id), period_start, period_end, the summary columns of each metric's kind (n, mean, sd, successes, promoters, passives, detractors, events, exposure; leave the others empty) and optionally source. Up to 10,000 rows; all or nothing: a bad row is 422 naming its line.
//	@Tags			touchpoint health
//	@Accept			text/csv
//	@Produce		json
//	@Security		BearerAuth
//	@Param			rows	body		string	true	"CSV rows"
//	@Success		200		{object}	MeasurementImport
//	@Failure	400,401,403,413,415,503	{object}	Problem
//	@Failure		409		{object}	Problem	"A period is measured already"
//	@Failure		422		{object}	Problem	"A bad row; errors[0].line names it"
//	@Router			/api/v1/measurements/import [post]
func (s *Server) importMeasurements(c echo.Context) error {
	if mt, _, _ := mime.ParseMediaType(c.Request().Header.Get(echo.HeaderContentType)); mt != ingest.MediaCSV {
		return domain.Errorf(domain.EUnsupportedMedia, "send the rows as Content-Type: text/csv")
	}
	ws := principal(c).WorkspaceID
	var rows *ingest.MeasurementRows
	stored, err := domain.ImportMeasurements(c.Request().Context(), s.store, ws, func(catalogue map[string]domain.CatalogueMetric) ([]domain.Measurement, error) {
		var err error
		if rows, err = ingest.Measurements(requestBody{c.Request().Body}, ws, catalogue); err != nil {
			return nil, err
		}
		return rows.Measurements, nil
	})
	if err != nil && rows != nil {
		return rows.Locate(err) // the store names a row by its position
	}
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, MeasurementImport{Stored: stored})
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
