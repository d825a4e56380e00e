package api

import (
	"math"
	"strconv"
	"strings"

	"cxbacklog/api/chart"
	"cxbacklog/domain"

	"github.com/labstack/echo/v4"
)

// The charts are the reports drawn server-side as SVG; each JSON report
// links to its chart.

// matrixChartPerQuadrant is how many ideas of each quadrant the matrix chart draws.
const matrixChartPerQuadrant = 150

// svg hands a drawn chart to the chart cache (chartcache.go), which every
// chart route goes through and which answers it.
func svg(c echo.Context, body []byte, err error) error {
	if err != nil {
		return domain.Wrap(domain.EInternal, err, "the chart could not be drawn")
	}
	d := c.Get(chartDrawingKey).(*chartDrawing)
	d.body, d.contentType = body, "image/svg+xml"
	return nil
}

// matrixChart godoc
//
//	@Summary		The value/effort matrix as an SVG chart: open ideas by default
//	@Description	The same ideas as GET /reports/matrix with the same status parameter; the title says which ideas are drawn.
//	@ID				getMatrixChart
//	@Tags			roadmap
//	@Produce		image/svg+xml,application/problem+json
//	@Security		BearerAuth
//	@Param			status	query		[]string			false	"Statuses to draw (default open; all for every status)"	Enums(open,all,new,under_review,planned,piloting,adopted,rejected,parked)	collectionFormat(csv)	extensions(x-example=all)
//	@Param		If-None-Match	header	string	false	"The ETag of a drawing already held: 304 while it is still the current one"
//	@Success		200		{string}	string				"SVG"
//	@Success	304	"Not modified: the drawing named in If-None-Match is current"
//	@Failure		400		{object}	Problem				"Bad request: a bad or unknown query parameter"
//	@Failure		401		{object}	Problem				"No API key, or an unknown, expired or revoked one"
//	@Failure		429		{object}	Problem				"Too many requests: over the budget of this API key, of its workspace's keys together, or of failed authentications from this address, or the workspace has too many requests in flight; retry after Retry-After seconds"
//	@Failure		503		{object}	Problem				"The database is unavailable; retry after Retry-After seconds"
//	@Failure		default	{object}	Problem				"Any other error, e.g. 500 (an internal error: quote instance when reporting it)"
//	@Header			401		{string}	WWW-Authenticate	"The scheme to authenticate with: Bearer"
//	@Header			429		{integer}	Retry-After			"Seconds to wait before retrying"
//	@Header			503		{integer}	Retry-After			"Seconds to wait before retrying"
//	@Header		200,304	{string}	ETag	"The drawing's strong validator, for If-None-Match; it changes with any write to the workspace's data the chart depends on"
//	@Router			/api/v1/reports/matrix.svg [get]
func (s *Server) matrixChart(c echo.Context) error {
	q := newListQuery(c, "status")
	statuses := ideaStatuses(q)
	if err := q.err(); err != nil {
		return err
	}
	// The top of each quadrant: 600 points read well and draw in a few ms
	// (2,000 took 25 ms of CPU per chart in make bench).
	m, err := domain.ReadMatrix(c.Request().Context(), s.store, principal(c).WorkspaceID, statuses, matrixChartPerQuadrant)
	if err != nil {
		return err
	}
	points := make([]chart.MatrixPoint, len(m.Ideas))
	for n, i := range m.Ideas {
		points[n] = chart.MatrixPoint{Label: i.Title, Value: i.Score.Value, Effort: i.Effort, Priority: i.Score.Priority, Quadrant: string(i.Score.Quadrant)}
	}
	b, err := chart.Matrix(points, m.Total(), domain.StatusesInWords(statuses), m.Scoring.ValueThreshold, m.Scoring.EffortThreshold)
	return svg(c, b, err)
}

// heatmapChart godoc
//
//	@Summary		A journey's heatmap as an SVG chart
//	@Description	The heatmap's cells drawn by health; stale cells (latest period ended 90 or more days ago) are hatched and labelled STALE with the period's end. Without metric_id, the metric is the one measured on most of the journey's touchpoints, as in the JSON heatmap, and the title says so.
//	@ID				getJourneyHeatmapChart
//	@Tags			reports
//	@Produce		image/svg+xml,application/problem+json
//	@Security		BearerAuth
//	@Param			id			path		string				true	"Journey id"																		format(uuid)
//	@Param			metric_id	query		string				false	"Catalogue metric (default: the one measured on most of the journey's touchpoints)"	format(uuid)	extensions(x-example=9b2e7d41-0c3a-4f8e-b6d2-7a1c5e9f3d20)
//	@Param		If-None-Match	header	string	false	"The ETag of a drawing already held: 304 while it is still the current one"
//	@Success		200			{string}	string				"SVG"
//	@Success	304	"Not modified: the drawing named in If-None-Match is current"
//	@Failure		400			{object}	Problem				"Bad request: a bad or unknown query parameter"
//	@Failure		401			{object}	Problem				"No API key, or an unknown, expired or revoked one"
//	@Failure		404			{object}	Problem				"Unknown, or in another workspace"
//	@Failure		429			{object}	Problem				"Too many requests: over the budget of this API key, of its workspace's keys together, or of failed authentications from this address, or the workspace has too many requests in flight; retry after Retry-After seconds"
//	@Failure		503			{object}	Problem				"The database is unavailable; retry after Retry-After seconds"
//	@Failure		default		{object}	Problem				"Any other error, e.g. 500 (an internal error: quote instance when reporting it)"
//	@Header			401			{string}	WWW-Authenticate	"The scheme to authenticate with: Bearer"
//	@Header			429			{integer}	Retry-After			"Seconds to wait before retrying"
//	@Header			503			{integer}	Retry-After			"Seconds to wait before retrying"
//	@Header		200,304	{string}	ETag	"The drawing's strong validator, for If-None-Match; it changes with any write to the workspace's data the chart depends on"
//	@Router			/api/v1/journeys/{id}/heatmap.svg [get]
func (s *Server) heatmapChart(c echo.Context) error {
	v, err := s.heatmapData(c)
	if err != nil {
		return err
	}
	j, m := v.journey, v.pick.Metric
	stageName := map[string]string{}
	stages := make([]string, len(j.Stages))
	for n, st := range j.Stages {
		stages[n], stageName[st.ID] = st.Name, st.Name
	}
	cells := make([]chart.HeatCell, 0, len(v.facts))
	for n := range v.facts {
		f := &v.facts[n]
		cell := heatmapCell(f, m, v.now)
		hc := chart.HeatCell{Stage: stageName[f.Touchpoint.StageID], Touchpoint: f.Touchpoint.Name, Value: cell.Value,
			Display: display(m, cell.Value), Health: cell.Health, OpenIdeas: cell.OpenIdeas, RunningPilots: cell.RunningPilots, Stale: cell.Stale}
		if cell.PeriodEnd != nil {
			hc.PeriodEnd = *cell.PeriodEnd
		}
		cells = append(cells, hc)
	}
	title := j.Name + " · " + m.Name
	switch v.pick.ChosenBy {
	case domain.MetricMostMeasured:
		title += " (the most measured metric)"
	case domain.MetricDefault:
		title += " (nothing measured yet)"
	}
	b, err := chart.HeatmapStaleAfter(title, stages, cells, domain.StaleDays)
	return svg(c, b, err)
}

// display formats a value of metric m for people: shares as percent, NPS
// as points, seconds as "s".
func display(m *domain.CatalogueMetric, v *float64) string {
	if v == nil {
		return "–"
	}
	switch {
	case m.Kind == domain.KindProportion:
		return strconv.FormatFloat(*v*100, 'f', 0, 64) + " %"
	case m.Kind == domain.KindNPS:
		return strconv.FormatFloat(*v, 'f', 0, 64)
	case strings.HasPrefix(m.Unit, "second"):
		return strconv.FormatFloat(*v, 'f', 0, 64) + " s"
	}
	return strconv.FormatFloat(*v, 'g', 3, 64)
}

// resultsChart godoc
//
//	@Summary		A pilot's results as a forest plot (SVG)
//	@Description	Each metric's change, after − before, in percent of the before level (relative_change, with the sign of the change whatever the metric's direction: a handle time that fell is negative), with its interval (the estimate's, scaled) and the zero line; beside it the absolute change (estimate) in the metric's unit (proportions in percentage points, NPS in points), the metric's direction and the verdict, coloured by it. While the pilot is not completed the title is followed by an interim label and the peeking warning; the frozen snapshot once the pilot is completed.
//	@ID				getPilotResultsChart
//	@Tags			pilots
//	@Produce		image/svg+xml,application/problem+json
//	@Security		BearerAuth
//	@Param			id		path		string				true	"Pilot id"	format(uuid)
//	@Param		If-None-Match	header	string	false	"The ETag of a drawing already held: 304 while it is still the current one"
//	@Success		200		{string}	string				"SVG"
//	@Success	304	"Not modified: the drawing named in If-None-Match is current"
//	@Failure		400		{object}	Problem				"Bad request: any query parameter (this operation takes none)"
//	@Failure		401		{object}	Problem				"No API key, or an unknown, expired or revoked one"
//	@Failure		404		{object}	Problem				"Unknown, or in another workspace"
//	@Failure		429		{object}	Problem				"Too many requests: over the budget of this API key, of its workspace's keys together, or of failed authentications from this address, or the workspace has too many requests in flight; retry after Retry-After seconds"
//	@Failure		503		{object}	Problem				"The database is unavailable; retry after Retry-After seconds"
//	@Failure		default	{object}	Problem				"Any other error, e.g. 500 (an internal error: quote instance when reporting it)"
//	@Header			401		{string}	WWW-Authenticate	"The scheme to authenticate with: Bearer"
//	@Header			429		{integer}	Retry-After			"Seconds to wait before retrying"
//	@Header			503		{integer}	Retry-After			"Seconds to wait before retrying"
//	@Header		200,304	{string}	ETag	"The drawing's strong validator, for If-None-Match; it changes with any write to the workspace's data the chart depends on"
//	@Router			/api/v1/pilots/{id}/results.svg [get]
func (s *Server) resultsChart(c echo.Context) error {
	p, r, err := s.resultsOf(c)
	if err != nil {
		return err
	}
	rows := make([]chart.ForestRow, len(r.Metrics))
	for n := range r.Metrics {
		rows[n] = forestRowOf(&r.Metrics[n])
	}
	title := p.Title
	if title == "" {
		title = "Pilot"
	}
	notice := p.InterimNotice()
	level := strconv.FormatFloat(r.ConfidenceLevel*100, 'f', -1, 64)
	b, err := chart.ForestWithNotice(title+" — results", chart.Notice{Label: notice.Label, Detail: notice.Warning},
		"change, after − before, % of before level ("+level+" % CI)", rows)
	return svg(c, b, err)
}

// forestRowOf is a metric's row: its improvement in percent of its before
// level (NaN when there is none to show) and its direction, which the chart
// turns back into the signed change, and its absolute change in its unit.
func forestRowOf(m *domain.MetricResult) chart.ForestRow {
	label := m.Name
	switch {
	case m.Primary:
		label += " (primary)"
	case m.Guardrail:
		label += " (guardrail)"
	}
	row := chart.ForestRow{Label: label, Improvement: math.NaN(), Low: math.NaN(), High: math.NaN(), Verdict: string(m.Verdict),
		LowerIsBetter: m.Direction == domain.LowerIsBetter}
	if improvement, ci, ok := m.PercentOfBefore(); ok {
		row.Improvement, row.Low, row.High = improvement, ci.Low, ci.High
	}
	row.Change, row.Unit = changeInUnit(m)
	return row
}

// trendChart godoc
//
//	@Summary	A touchpoint's trend on a catalogue metric, with the target (SVG)
//	@ID			getTouchpointTrendChart
//	@Tags		measurements
//	@Produce	image/svg+xml,application/problem+json
//	@Security	BearerAuth
//	@Param		id			path		string				true	"Touchpoint id"						format(uuid)
//	@Param		metric_id	query		string				false	"Catalogue metric (default: the one that sets the touchpoint's overall health, else csat)"	format(uuid)	extensions(x-example=9b2e7d41-0c3a-4f8e-b6d2-7a1c5e9f3d20)
//	@Param		If-None-Match	header	string	false	"The ETag of a drawing already held: 304 while it is still the current one"
//	@Success	200			{string}	string				"SVG"
//	@Success	304	"Not modified: the drawing named in If-None-Match is current"
//	@Failure	400			{object}	Problem				"Bad request: a bad or unknown query parameter"
//	@Failure	401			{object}	Problem				"No API key, or an unknown, expired or revoked one"
//	@Failure	404			{object}	Problem				"Unknown, or in another workspace"
//	@Failure	429			{object}	Problem				"Too many requests: over the budget of this API key, of its workspace's keys together, or of failed authentications from this address, or the workspace has too many requests in flight; retry after Retry-After seconds"
//	@Failure	503			{object}	Problem				"The database is unavailable; retry after Retry-After seconds"
//	@Failure	default		{object}	Problem				"Any other error, e.g. 500 (an internal error: quote instance when reporting it)"
//	@Header		401			{string}	WWW-Authenticate	"The scheme to authenticate with: Bearer"
//	@Header		429			{integer}	Retry-After			"Seconds to wait before retrying"
//	@Header		503			{integer}	Retry-After			"Seconds to wait before retrying"
//	@Header		200,304	{string}	ETag	"The drawing's strong validator, for If-None-Match; it changes with any write to the workspace's data the chart depends on"
//	@Router		/api/v1/touchpoints/{id}/trend.svg [get]
func (s *Server) trendChart(c echo.Context) error {
	id, err := pathID(c, "touchpoint")
	if err != nil {
		return err
	}
	ctx, ws := c.Request().Context(), principal(c).WorkspaceID
	tp, err := s.store.GetTouchpoint(ctx, ws, id)
	if err != nil {
		return err
	}
	q := newListQuery(c, "metric_id")
	metricID := q.id("metric_id")
	if err := q.err(); err != nil {
		return err
	}
	m, err := s.trendMetric(c, id, metricID)
	if err != nil {
		return err
	}
	newestFirst, err := s.store.ListMeasurements(ctx, ws, id, &m.ID, domain.MaxPageSize)
	if err != nil {
		return err
	}
	// Shares read better as percent.
	scale, unit := 1.0, m.Unit
	if m.Kind == domain.KindProportion {
		scale, unit = 100, "%"
	}
	points := make([]chart.TrendPoint, len(newestFirst))
	for n, ms := range newestFirst {
		v, ci := domain.LevelInterval(m.Kind, ms.Sample)
		points[len(points)-1-n] = chart.TrendPoint{End: ms.PeriodEnd, Value: v * scale, Low: ci.Low * scale, High: ci.High * scale}
	}
	var target *float64
	if m.Target != nil {
		t := *m.Target * scale
		target = &t
	}
	b, err := chart.Trend(tp.Name+" · "+m.Name, m.Name+" ("+unit+")", points, target)
	return svg(c, b, err)
}
