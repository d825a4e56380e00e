package api

import (
	"net/http"
	"strconv"
	"time"

	"cxbacklog/domain"

	"github.com/labstack/echo/v4"
)

// ReportTouchpoint names a touchpoint in a report, with its channel and owner.
type ReportTouchpoint struct {
	ID      string `json:"id" format:"uuid" binding:"required"`
	Name    string `json:"name" example:"Phone queue" binding:"required"`
	Channel string `json:"channel" example:"phone" binding:"required"`
	Owner   string `json:"owner" example:"Contact centre" binding:"required"`
} // @name ReportTouchpoint

func touchpointRef(t *domain.Touchpoint) ReportTouchpoint {
	return ReportTouchpoint{ID: t.ID, Name: t.Name, Channel: string(t.Channel), Owner: t.Owner}
}

// HeatmapCell is one touchpoint of a journey on the heatmap's metric.
type HeatmapCell struct {
	Touchpoint    ReportTouchpoint `json:"touchpoint" binding:"required"`
	Value         *float64         `json:"value" extensions:"x-nullable" example:"0.74"`                            // latest, in the metric's scale; null when never measured
	PeriodStart   *string          `json:"period_start" format:"date" extensions:"x-nullable" example:"2026-10-01"` // the period of value; null when never measured
	PeriodEnd     *string          `json:"period_end" format:"date" extensions:"x-nullable" example:"2026-10-31"`
	Stale         bool             `json:"stale" example:"false" binding:"required"` // value's period ended stale_days or more days before today: too old to say how the touchpoint does now
	Target        *float64         `json:"target" extensions:"x-nullable" example:"0.8"`
	Health        string           `json:"health" enums:"healthy,at_risk,failing,unknown" example:"at_risk" binding:"required"`
	OpenIdeas     int              `json:"open_ideas" example:"2" binding:"required"`
	RunningPilots int              `json:"running_pilots" example:"1" binding:"required"`
} // @name HeatmapCell

// HeatmapStage is one column of the heatmap.
type HeatmapStage struct {
	ID          string        `json:"id" format:"uuid" binding:"required"`
	Name        string        `json:"name" example:"Order" binding:"required"`
	Touchpoints []HeatmapCell `json:"touchpoints" binding:"required"`
} // @name HeatmapStage

// Heatmap is a journey's stages × touchpoints on one metric.
type Heatmap struct {
	JourneyID string          `json:"journey_id" format:"uuid" binding:"required"`
	Journey   string          `json:"journey" example:"Lunch at the restaurant" binding:"required"`
	Metric    CatalogueMetric `json:"metric" binding:"required"`
	// Why this metric: requested (metric_id named it); most_measured (the
	// catalogue metric measured on most of the journey's touchpoints, ties
	// going to csat, then by key); default (nothing measured yet: csat, or
	// the first metric by key without one).
	MetricChosenBy string `json:"metric_chosen_by" enums:"requested,most_measured,default" example:"most_measured" binding:"required"`
	// How many of the journey's touchpoints have a measurement of the metric.
	MetricMeasuredTouchpoints int            `json:"metric_measured_touchpoints" example:"5" binding:"required"`
	StaleDays                 int            `json:"stale_days" example:"90" binding:"required"` // a cell whose period ended this many days ago or more is stale
	Stages                    []HeatmapStage `json:"stages" binding:"required"`
	SVG                       string         `json:"svg" example:"/api/v1/journeys/…/heatmap.svg?metric_id=…" binding:"required"` // the same as a chart
} // @name Heatmap

// BlindSpotEntry is a touchpoint a CX lead should look at, with why.
type BlindSpotEntry struct {
	Touchpoint   ReportTouchpoint `json:"touchpoint" binding:"required"`
	Reasons      []string         `json:"reasons" example:"failing on Customer satisfaction (CSAT) and no open idea targets it" binding:"required"`
	LastMeasured *string          `json:"last_measured" format:"date" extensions:"x-nullable"`
	Ideas        int              `json:"ideas" binding:"required"`
	OpenIdeas    int              `json:"open_ideas" binding:"required"`
} // @name BlindSpotEntry

// BlindSpots lists touchpoints failing or at risk with no open idea, not
// measured recently, or with ideas but nothing to judge them by.
type BlindSpots struct {
	StaleDays int              `json:"stale_days" example:"90" binding:"required"`
	Statuses  []string         `json:"statuses" example:"new,under_review,planned,piloting" binding:"required"` // ideas of these statuses count as looking after a touchpoint
	Items     []BlindSpotEntry `json:"items" binding:"required"`
	// Unaddressed demand, the contact-reason twin of the items: the
	// avoidable contact reasons with contacts in unaddressed_demand_window
	// (the last full calendar month before today) and no open idea (new,
	// under review, planned, piloting) linked to them, biggest first, as
	// GET /reports/contact-reasons lists them: the first 50.
	UnaddressedDemand       []ContactReasonReportRow `json:"unaddressed_demand" binding:"required"`
	OtherUnaddressedDemand  int                      `json:"other_unaddressed_demand" example:"0" binding:"required"` // beyond the first 50
	UnaddressedDemandWindow ReportWindow             `json:"unaddressed_demand_window" binding:"required"`
} // @name BlindSpots

// CoverageRow counts one group of touchpoints; shares are 0–1 (0 for an empty group).
type CoverageRow struct {
	Group         string  `json:"group" example:"Contact centre" binding:"required"`
	Touchpoints   int     `json:"touchpoints" example:"12" binding:"required"`
	Measured      int     `json:"measured" example:"9" binding:"required"`
	WithIdeas     int     `json:"with_ideas" example:"7" binding:"required"`
	WithPilots    int     `json:"with_pilots" example:"2" binding:"required"`
	MeasuredShare float64 `json:"measured_share" example:"0.75" binding:"required"`
	IdeasShare    float64 `json:"ideas_share" example:"0.58" binding:"required"`
	PilotsShare   float64 `json:"pilots_share" example:"0.17" binding:"required"`
} // @name CoverageRow

// Coverage is how much of the estate is measured, worked on and piloted.
type Coverage struct {
	Overall   CoverageRow   `json:"overall" binding:"required"`
	ByOwner   []CoverageRow `json:"by_owner" binding:"required"`
	ByChannel []CoverageRow `json:"by_channel" binding:"required"`
} // @name Coverage

// ImpactEntry is one measured result of a completed pilot at one touchpoint.
type ImpactEntry struct {
	PilotID     string           `json:"pilot_id" format:"uuid" binding:"required"`
	Pilot       string           `json:"pilot" example:"Headsets for team B" binding:"required"`
	IdeaID      string           `json:"idea_id" format:"uuid" binding:"required"`
	Idea        string           `json:"idea" example:"Headsets and sound barriers for agents" binding:"required"`
	IdeaStatus  string           `json:"idea_status" example:"adopted" binding:"required"`
	Decision    string           `json:"decision" enums:"adopt,iterate,abandon" example:"adopt" binding:"required"`
	CompletedAt *string          `json:"completed_at" format:"date-time" extensions:"x-nullable"`
	Touchpoint  ReportTouchpoint `json:"touchpoint" binding:"required"`
	Result      MetricResult     `json:"result" binding:"required"`
} // @name ImpactEntry

// ImpactLedger is what the backlog actually delivered: completed pilots'
// measured results per touchpoint, metric and owner, and adopted ideas that
// no pilot measured.
type ImpactLedger struct {
	Entries             []ImpactEntry `json:"entries" binding:"required"`
	AdoptedWithoutPilot []Idea        `json:"adopted_without_pilot" binding:"required"` // at most 100, by priority
} // @name ImpactLedger

// heatmapView is what the heatmap shows: the journey, the metric picked
// for it, the journey's touchpoint facts, and the time staleness is judged at.
type heatmapView struct {
	journey *domain.Journey
	pick    domain.MetricPick
	facts   []domain.TouchpointFacts
	now     time.Time
}

// heatmapData loads what the heatmap shows: the journey, its touchpoint
// facts and the metric (by metric_id, else domain.HeatmapMetric's pick).
func (s *Server) heatmapData(c echo.Context) (*heatmapView, error) {
	id, err := pathID(c, "journey")
	if err != nil {
		return nil, err
	}
	q := newListQuery(c, "metric_id")
	metricID := q.id("metric_id")
	if err := q.err(); err != nil {
		return nil, err
	}
	ctx, ws := c.Request().Context(), principal(c).WorkspaceID
	j, err := s.store.GetJourney(ctx, ws, id)
	if err != nil {
		return nil, err
	}
	_, metrics, err := s.catalogueByID(c)
	if err != nil {
		return nil, err
	}
	facts, err := s.store.TouchpointFacts(ctx, ws, &id)
	if err != nil {
		return nil, err
	}
	pick, err := domain.HeatmapMetric(metrics, facts, metricID)
	if err != nil {
		return nil, err
	}
	return &heatmapView{journey: j, pick: pick, facts: facts, now: s.clock()}, nil
}

// heatmap godoc
//
//	@Summary		A journey's heatmap: stages × touchpoints on one metric
//	@Description	The metric: metric_id when given; else the catalogue metric measured on most of the journey's touchpoints (ties go to csat, then by key), or csat when nothing is measured yet; metric_chosen_by says which. Each cell: the touchpoint's latest value and the period it comes from, whether that value is stale (its period ended stale_days = 90 or more days before today), the target, its health (healthy when the latest value meets the target; failing when it misses by more than its own 95 % uncertainty; at_risk when it misses within it; unknown without a target or a measurement), open ideas (new, under review, planned, piloting) and running pilots.
//	@ID				getJourneyHeatmap
//	@Tags			reports
//	@Param		If-None-Match	header	string	false	"The ETag of a report already held: 304 while it is still the current one"
//	@Produce		json,application/problem+json
//	@Security		BearerAuth
//	@Param			id			path		string	true	"Journey id"																		format(uuid)
//	@Param			metric_id	query		string	false	"Catalogue metric (default: the one measured on most of the journey's touchpoints)"	format(uuid)	extensions(x-example=9b2e7d41-0c3a-4f8e-b6d2-7a1c5e9f3d20)
//	@Success		200			{object}	Heatmap
//	@Success		304	"Not modified: the report named in If-None-Match is current"
//	@Failure		400			{object}	Problem				"Bad request: a bad or unknown query parameter"
//	@Failure		401			{object}	Problem				"No API key, or an unknown, expired or revoked one"
//	@Failure		404			{object}	Problem				"Unknown, or in another workspace"
//	@Failure		429			{object}	Problem				"Too many requests: over the budget of this API key, of its workspace's keys together, or of failed authentications from this address, or the workspace has too many requests in flight; retry after Retry-After seconds"
//	@Failure		503			{object}	Problem				"The database is unavailable; retry after Retry-After seconds"
//	@Failure		default		{object}	Problem				"Any other error, e.g. 500 (an internal error: quote instance when reporting it)"
//	@Header			401			{string}	WWW-Authenticate	"The scheme to authenticate with: Bearer"
//	@Header			429			{integer}	Retry-After			"Seconds to wait before retrying"
//	@Header			503			{integer}	Retry-After			"Seconds to wait before retrying"
//	@Header		200,304	{string}	ETag	"The report's strong validator, for If-None-Match; it changes with any write to the workspace's data the report depends on"
//	@Router			/api/v1/journeys/{id}/heatmap [get]
func (s *Server) heatmap(c echo.Context) error {
	v, err := s.heatmapData(c)
	if err != nil {
		return err
	}
	j, m := v.journey, v.pick.Metric
	out := Heatmap{JourneyID: j.ID, Journey: j.Name, Metric: catalogueMetricOut(m),
		MetricChosenBy: string(v.pick.ChosenBy), MetricMeasuredTouchpoints: v.pick.Measured, StaleDays: domain.StaleDays,
		Stages: []HeatmapStage{}, SVG: "/api/v1/journeys/" + j.ID + "/heatmap.svg?metric_id=" + m.ID}
	for _, st := range j.Stages {
		stage := HeatmapStage{ID: st.ID, Name: st.Name, Touchpoints: []HeatmapCell{}}
		for n := range v.facts {
			if f := &v.facts[n]; f.Touchpoint.StageID == st.ID {
				stage.Touchpoints = append(stage.Touchpoints, heatmapCell(f, m, v.now))
			}
		}
		out.Stages = append(out.Stages, stage)
	}
	return report(c, out)
}

// heatmapCell is touchpoint f on metric m, its staleness judged at now.
func heatmapCell(f *domain.TouchpointFacts, m *domain.CatalogueMetric, now time.Time) HeatmapCell {
	h := f.HealthOn(*m)
	cell := HeatmapCell{Touchpoint: touchpointRef(&f.Touchpoint), Value: h.Value, Target: m.Target, Health: string(h.Health),
		OpenIdeas: f.OpenIdeas, RunningPilots: f.RunningPilots}
	if h.Latest != nil {
		cell.PeriodStart, cell.PeriodEnd = dateOut(&h.Latest.PeriodStart), dateOut(&h.Latest.PeriodEnd)
		cell.Stale = domain.IsStale(h.Latest.PeriodEnd, now)
	}
	return cell
}

// MetricHealth is a touchpoint's health and trend on one catalogue metric.
// latest is the newest of periods, the measurement health judges; null when
// the touchpoint was never measured on the metric.
type MetricHealth struct {
	Metric      CatalogueMetric `json:"metric" binding:"required"`
	Health      string          `json:"health" enums:"healthy,at_risk,failing,unknown" binding:"required"`
	Trend       string          `json:"trend" enums:"improving,worsening,stable,unknown" binding:"required"`     // latest of the last 6 periods against the first, beyond their combined 95 % noise
	PeriodStart *string         `json:"period_start" format:"date" extensions:"x-nullable" example:"2026-10-01"` // the period of the latest measurement, which health judges; null when never measured
	PeriodEnd   *string         `json:"period_end" format:"date" extensions:"x-nullable" example:"2026-10-31"`   // staleness counts from it
	Stale       bool            `json:"stale" example:"false" binding:"required"`                                // the latest period ended stale_days or more days before today: too old to say how the touchpoint does now
	Latest      *Measurement    `json:"latest"`
	Periods     []Measurement   `json:"periods" binding:"required"` // the last 6, oldest first
	SVG         string          `json:"svg" binding:"required"`     // the trend as a chart
} // @name MetricHealth

// OverallHealth is a touchpoint's health at a glance and the metric that sets it.
type OverallHealth struct {
	// The worst health among the touchpoint's metrics (failing, then
	// at_risk, then healthy); unknown only when no metric could be judged
	// (none has both a target and a measurement).
	Health    string  `json:"health" enums:"healthy,at_risk,failing,unknown" example:"at_risk" binding:"required"`
	MetricID  *string `json:"metric_id" format:"uuid" extensions:"x-nullable"`  // the metric with that health (the first by key among equals); null when unknown
	MetricKey *string `json:"metric_key" extensions:"x-nullable" example:"fcr"` // its catalogue key
	Stale     bool    `json:"stale" example:"false" binding:"required"`         // that metric's latest value is stale
} // @name OverallHealth

// TouchpointHealth is a touchpoint's health on the catalogue metrics that
// apply to it, and overall.
type TouchpointHealth struct {
	Touchpoint ReportTouchpoint `json:"touchpoint" binding:"required"`
	Overall    OverallHealth    `json:"overall" binding:"required"`
	StaleDays  int              `json:"stale_days" example:"90" binding:"required"` // a value whose period ended this many days ago or more is stale
	// The metrics the touchpoint was measured on or that have a target, in
	// catalogue (key) order; a metric with neither is not listed.
	Metrics []MetricHealth `json:"metrics" binding:"required"`
} // @name TouchpointHealth

// touchpointHealth godoc
//
//	@Summary		A touchpoint's health and trend on each catalogue metric that applies to it, and overall
//	@Description	Metrics: those the touchpoint was measured on or that have a target (a metric with neither is not listed). Health: healthy when the latest value meets the target; failing when it misses by more than its own 95 % uncertainty; at_risk when it misses within it; unknown without a target or a measurement. Each metric shows the period of its latest value and whether it is stale (that period ended stale_days = 90 or more days before today). Overall: the worst health among the metrics (failing, then at_risk, then healthy) with the metric that sets it (the first by key among equals); unknown only when no metric could be judged. Trend: the latest of the last 6 periods against the first, improving or worsening only beyond their combined 95 % noise.
//	@ID				getTouchpointHealth
//	@Tags			measurements
//	@Produce		json,application/problem+json
//	@Security		BearerAuth
//	@Param			id		path		string	true	"Touchpoint id"	format(uuid)
//	@Success		200		{object}	TouchpointHealth
//	@Failure		400		{object}	Problem				"Bad request: any query parameter (this operation takes none)"
//	@Failure		401		{object}	Problem				"No API key, or an unknown, expired or revoked one"
//	@Failure		404		{object}	Problem				"Unknown, or in another workspace"
//	@Failure		429		{object}	Problem				"Too many requests: over the budget of this API key, of its workspace's keys together, or of failed authentications from this address, or the workspace has too many requests in flight; retry after Retry-After seconds"
//	@Failure		503		{object}	Problem				"The database is unavailable; retry after Retry-After seconds"
//	@Failure		default	{object}	Problem				"Any other error, e.g. 500 (an internal error: quote instance when reporting it)"
//	@Header			401		{string}	WWW-Authenticate	"The scheme to authenticate with: Bearer"
//	@Header			429		{integer}	Retry-After			"Seconds to wait before retrying"
//	@Header			503		{integer}	Retry-After			"Seconds to wait before retrying"
//	@Router			/api/v1/touchpoints/{id}/health [get]
func (s *Server) touchpointHealth(c echo.Context) error {
	id, err := pathID(c, "touchpoint")
	if err != nil {
		return err
	}
	ctx, ws := c.Request().Context(), principal(c).WorkspaceID
	tp, err := s.store.GetTouchpoint(ctx, ws, id)
	if err != nil {
		return err
	}
	_, metrics, err := s.catalogueByID(c)
	if err != nil {
		return err
	}
	recent, cells, err := s.healthCells(c, id, metrics)
	if err != nil {
		return err
	}
	now := s.clock()
	out := TouchpointHealth{Touchpoint: touchpointRef(tp), Overall: overallHealthOut(domain.OverallHealth(cells), now),
		StaleDays: domain.StaleDays, Metrics: make([]MetricHealth, len(cells))}
	for n, cell := range cells {
		out.Metrics[n] = metricHealth(tp.ID, cell.Metric, recent[cell.Metric.ID], now)
	}
	return c.JSON(http.StatusOK, out)
}

func overallHealthOut(o domain.Overall, now time.Time) OverallHealth {
	out := OverallHealth{Health: string(o.Health)}
	if o.Metric != nil {
		out.MetricID, out.MetricKey = &o.Metric.ID, &o.Metric.Key
	}
	if o.Latest != nil {
		out.Stale = domain.IsStale(o.Latest.PeriodEnd, now)
	}
	return out
}

// metricHealth judges the periods (newest first, as listed), their
// staleness at now.
func metricHealth(touchpointID string, m domain.CatalogueMetric, newestFirst []domain.Measurement, now time.Time) MetricHealth {
	oldestFirst := make([]domain.Measurement, len(newestFirst))
	for n := range newestFirst {
		oldestFirst[len(newestFirst)-1-n] = newestFirst[n]
	}
	h := MetricHealth{Metric: catalogueMetricOut(&m), Health: string(domain.HealthUnknown), Trend: string(domain.TrendOf(m, oldestFirst)),
		Periods: make([]Measurement, len(oldestFirst)), SVG: "/api/v1/touchpoints/" + touchpointID + "/trend.svg?metric_id=" + m.ID}
	for n := range oldestFirst {
		h.Periods[n] = measurementOut(m.Kind, &oldestFirst[n])
	}
	if len(newestFirst) > 0 {
		latest := &newestFirst[0]
		h.Health = string(domain.HealthOf(m, latest))
		h.Latest = &h.Periods[len(h.Periods)-1]
		h.PeriodStart, h.PeriodEnd = dateOut(&latest.PeriodStart), dateOut(&latest.PeriodEnd)
		h.Stale = domain.IsStale(latest.PeriodEnd, now)
	}
	return h
}

// blindSpots godoc
//
//	@Summary		Touchpoints nobody is looking after
//	@Description	Touchpoints failing or at risk on some catalogue metric with no open idea (status picks which ideas count as looking after one: open by default, all for any idea); touchpoints not measured in the last `days` days (or never); touchpoints that have ideas but no measurement to judge them by. Each entry says why it is listed; failing touchpoints come first. unaddressed_demand lists the avoidable contact reasons with contacts in the last full calendar month and no open idea linked to them (whatever status says), biggest first, with the numbers of GET /reports/contact-reasons for that month.
//	@ID				getBlindSpots
//	@Tags			reports
//	@Param		If-None-Match	header	string	false	"The ETag of a report already held: 304 while it is still the current one"
//	@Produce		json,application/problem+json
//	@Security		BearerAuth
//	@Param			days	query		int			false	"A touchpoint not measured for this many days is stale (1–3650)"									default(90)																	extensions(x-example=90)
//	@Param			status	query		[]string	false	"Statuses of the ideas that count as looking after a touchpoint (default open; all for any idea)"	Enums(open,all,new,under_review,planned,piloting,adopted,rejected,parked)	collectionFormat(csv)	extensions(x-example=open)
//	@Success		200		{object}	BlindSpots
//	@Success		304	"Not modified: the report named in If-None-Match is current"
//	@Failure		400		{object}	Problem				"Bad request: a bad or unknown query parameter"
//	@Failure		401		{object}	Problem				"No API key, or an unknown, expired or revoked one"
//	@Failure		429		{object}	Problem				"Too many requests: over the budget of this API key, of its workspace's keys together, or of failed authentications from this address, or the workspace has too many requests in flight; retry after Retry-After seconds"
//	@Failure		503		{object}	Problem				"The database is unavailable; retry after Retry-After seconds"
//	@Failure		default	{object}	Problem				"Any other error, e.g. 500 (an internal error: quote instance when reporting it)"
//	@Header			401		{string}	WWW-Authenticate	"The scheme to authenticate with: Bearer"
//	@Header			429		{integer}	Retry-After			"Seconds to wait before retrying"
//	@Header			503		{integer}	Retry-After			"Seconds to wait before retrying"
//	@Header		200,304	{string}	ETag	"The report's strong validator, for If-None-Match; it changes with any write to the workspace's data the report depends on"
//	@Router			/api/v1/reports/blind-spots [get]
func (s *Server) blindSpots(c echo.Context) error {
	q := newQuery(c, "days", "status")
	days := domain.StaleDays
	if v := q.one("days"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 3650 {
			q.fail("days", "must be a whole number from 1 to 3650")
		}
		days = n
	}
	statuses := ideaStatuses(q)
	if err := q.err(); err != nil {
		return err
	}
	ctx, ws := c.Request().Context(), principal(c).WorkspaceID
	facts, err := s.store.TouchpointFacts(ctx, ws, nil)
	if err != nil {
		return err
	}
	_, metrics, err := s.catalogueByID(c)
	if err != nil {
		return err
	}
	now := s.clock()
	demand, err := s.contactReportOf(c, domain.LastFullMonth(now), domain.DefaultReasonsListed)
	if err != nil {
		return err
	}
	out := BlindSpots{StaleDays: days, Statuses: statusNames(statuses), Items: []BlindSpotEntry{},
		UnaddressedDemand: reasonRowsOut(demand.Unaddressed), OtherUnaddressedDemand: demand.OtherUnaddressed,
		UnaddressedDemandWindow: windowOut(demand.Window)}
	for _, b := range domain.BlindSpots(facts, metrics, now, days, statuses) {
		out.Items = append(out.Items, BlindSpotEntry{Touchpoint: touchpointRef(&b.Facts.Touchpoint), Reasons: b.Reasons,
			LastMeasured: dateOut(b.Facts.LastMeasured()), Ideas: b.Facts.Ideas, OpenIdeas: b.Facts.OpenIdeas})
	}
	return report(c, out)
}

// coverage godoc
//
//	@Summary	Share of touchpoints measured, with ideas and with pilots
//	@ID			getCoverage
//	@Tags		reports
//	@Param	If-None-Match	header	string	false	"The ETag of a report already held: 304 while it is still the current one"
//	@Produce	json,application/problem+json
//	@Security	BearerAuth
//	@Success	200		{object}	Coverage
//	@Success	304	"Not modified: the report named in If-None-Match is current"
//	@Failure	400		{object}	Problem				"Bad request: any query parameter (this operation takes none)"
//	@Failure	401		{object}	Problem				"No API key, or an unknown, expired or revoked one"
//	@Failure	429		{object}	Problem				"Too many requests: over the budget of this API key, of its workspace's keys together, or of failed authentications from this address, or the workspace has too many requests in flight; retry after Retry-After seconds"
//	@Failure	503		{object}	Problem				"The database is unavailable; retry after Retry-After seconds"
//	@Failure	default	{object}	Problem				"Any other error, e.g. 500 (an internal error: quote instance when reporting it)"
//	@Header		401		{string}	WWW-Authenticate	"The scheme to authenticate with: Bearer"
//	@Header		429		{integer}	Retry-After			"Seconds to wait before retrying"
//	@Header		503		{integer}	Retry-After			"Seconds to wait before retrying"
//	@Header	200,304	{string}	ETag	"The report's strong validator, for If-None-Match; it changes with any write to the workspace's data the report depends on"
//	@Router		/api/v1/reports/coverage [get]
func (s *Server) coverage(c echo.Context) error {
	cells, err := s.store.CoverageCells(c.Request().Context(), principal(c).WorkspaceID)
	if err != nil {
		return err
	}
	cov := domain.CoverageOfCells(cells)
	out := Coverage{Overall: coverageRow(cov.Overall), ByOwner: []CoverageRow{}, ByChannel: []CoverageRow{}}
	for _, r := range cov.ByOwner {
		out.ByOwner = append(out.ByOwner, coverageRow(r))
	}
	for _, r := range cov.ByChannel {
		out.ByChannel = append(out.ByChannel, coverageRow(r))
	}
	return report(c, out)
}

func coverageRow(r domain.CoverageRow) CoverageRow {
	share := func(n int) float64 {
		if r.Touchpoints == 0 {
			return 0
		}
		return float64(n) / float64(r.Touchpoints)
	}
	return CoverageRow{Group: r.Group, Touchpoints: r.Touchpoints, Measured: r.Measured, WithIdeas: r.WithIdeas, WithPilots: r.WithPilots,
		MeasuredShare: share(r.Measured), IdeasShare: share(r.WithIdeas), PilotsShare: share(r.WithPilots)}
}

// impact godoc
//
//	@Summary		The impact ledger: what the backlog actually delivered
//	@Description	Every completed pilot's frozen results, one entry per targeted touchpoint and metric (estimate, interval, verdict), newest first; and adopted ideas that no completed pilot measured.
//	@ID				getImpactLedger
//	@Tags			reports
//	@Param		If-None-Match	header	string	false	"The ETag of a report already held: 304 while it is still the current one"
//	@Produce		json,application/problem+json
//	@Security		BearerAuth
//	@Success		200		{object}	ImpactLedger
//	@Success		304	"Not modified: the report named in If-None-Match is current"
//	@Failure		400		{object}	Problem				"Bad request: any query parameter (this operation takes none)"
//	@Failure		401		{object}	Problem				"No API key, or an unknown, expired or revoked one"
//	@Failure		429		{object}	Problem				"Too many requests: over the budget of this API key, of its workspace's keys together, or of failed authentications from this address, or the workspace has too many requests in flight; retry after Retry-After seconds"
//	@Failure		503		{object}	Problem				"The database is unavailable; retry after Retry-After seconds"
//	@Failure		default	{object}	Problem				"Any other error, e.g. 500 (an internal error: quote instance when reporting it)"
//	@Header			401		{string}	WWW-Authenticate	"The scheme to authenticate with: Bearer"
//	@Header			429		{integer}	Retry-After			"Seconds to wait before retrying"
//	@Header			503		{integer}	Retry-After			"Seconds to wait before retrying"
//	@Header		200,304	{string}	ETag	"The report's strong validator, for If-None-Match; it changes with any write to the workspace's data the report depends on"
//	@Router			/api/v1/reports/impact [get]
func (s *Server) impact(c echo.Context) error {
	ctx, ws := c.Request().Context(), principal(c).WorkspaceID
	pilots, err := s.store.CompletedPilots(ctx, ws)
	if err != nil {
		return err
	}
	unmeasured, err := s.store.AdoptedWithoutPilot(ctx, ws)
	if err != nil {
		return err
	}
	out := ImpactLedger{Entries: []ImpactEntry{}, AdoptedWithoutPilot: make([]Idea, len(unmeasured))}
	for _, cp := range pilots {
		if cp.Pilot.Results == nil {
			continue
		}
		var completed *string
		if cp.Pilot.EndedAt != nil {
			t := cp.Pilot.EndedAt.UTC().Format("2006-01-02T15:04:05.999999Z07:00")
			completed = &t
		}
		for _, tp := range cp.Touchpoints {
			for n := range cp.Pilot.Results.Metrics {
				out.Entries = append(out.Entries, ImpactEntry{
					PilotID: cp.Pilot.ID, Pilot: cp.Pilot.Title, IdeaID: cp.Pilot.IdeaID, Idea: cp.IdeaTitle,
					IdeaStatus: string(cp.IdeaStatus), Decision: string(cp.Pilot.Decision), CompletedAt: completed,
					Touchpoint: touchpointRef(&tp), Result: metricResultOut(&cp.Pilot.Results.Metrics[n]),
				})
			}
		}
	}
	for n := range unmeasured {
		out.AdoptedWithoutPilot[n] = ideaOut(&unmeasured[n])
	}
	return report(c, out)
}

// healthCells reads a touchpoint's recent measurements and judges the
// metrics that apply to it (see domain.ApplicableHealth).
func (s *Server) healthCells(c echo.Context, touchpointID string, metrics []domain.CatalogueMetric) (map[string][]domain.Measurement, []domain.HealthCell, error) {
	recent, err := s.store.RecentMeasurements(c.Request().Context(), principal(c).WorkspaceID, touchpointID, domain.TrendPeriods)
	if err != nil {
		return nil, nil, err
	}
	latest := make(map[string]domain.Measurement, len(recent))
	for metricID, ms := range recent {
		if len(ms) > 0 {
			latest[metricID] = ms[0]
		}
	}
	return recent, domain.ApplicableHealth(metrics, latest), nil
}

// trendMetric is the metric a touchpoint's trend chart shows (see
// domain.TrendMetric); the health is read only when none is asked for.
func (s *Server) trendMetric(c echo.Context, touchpointID string, id *string) (*domain.CatalogueMetric, error) {
	_, metrics, err := s.catalogueByID(c)
	if err != nil {
		return nil, err
	}
	var overall domain.Overall
	if id == nil {
		_, cells, err := s.healthCells(c, touchpointID, metrics)
		if err != nil {
			return nil, err
		}
		overall = domain.OverallHealth(cells)
	}
	m, err := domain.TrendMetric(metrics, overall, id)
	if err == nil && m == nil {
		err = &domain.Error{Code: domain.EMalformed, Message: "the workspace's metric catalogue is empty; add a metric",
			Fields: []domain.FieldError{{Parameter: "metric_id", Detail: "names no metric"}}}
	}
	return m, err
}
