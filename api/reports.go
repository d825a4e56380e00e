package api

import (
	"net/http"
	"strconv"

	"cxbacklog/domain"

	"github.com/labstack/echo/v4"
)

// ReportTouchpoint names a touchpoint in a report, with its channel and owner.
type ReportTouchpoint struct {
	ID      string `json:"id" format:"uuid"`
	Name    string `json:"name" example:"Phone queue"`
	Channel string `json:"channel" example:"phone"`
	Owner   string `json:"owner" example:"Contact centre"`
} // @name ReportTouchpoint

func touchpointRef(t *domain.Touchpoint) ReportTouchpoint {
	return ReportTouchpoint{ID: t.ID, Name: t.Name, Channel: string(t.Channel), Owner: t.Owner}
}

// HeatmapCell is one touchpoint of a journey on the heatmap's metric.
type HeatmapCell struct {
	Touchpoint    ReportTouchpoint `json:"touchpoint"`
	Value         *float64         `json:"value" extensions:"x-nullable" example:"0.74"` // latest, in the metric's scale; null when never measured
	PeriodEnd     *string          `json:"period_end" format:"date" extensions:"x-nullable"`
	Target        *float64         `json:"target" extensions:"x-nullable" example:"0.8"`
	Health        string           `json:"health" enums:"healthy,at_risk,failing,unknown" example:"at_risk"`
	OpenIdeas     int              `json:"open_ideas" example:"2"`
	RunningPilots int              `json:"running_pilots" example:"1"`
} // @name HeatmapCell

// HeatmapStage is one column of the heatmap.
type HeatmapStage struct {
	ID          string        `json:"id" format:"uuid"`
	Name        string        `json:"name" example:"Order"`
	Touchpoints []HeatmapCell `json:"touchpoints"`
} // @name HeatmapStage

// Heatmap is a journey's stages × touchpoints on one metric.
type Heatmap struct {
	JourneyID string          `json:"journey_id" format:"uuid"`
	Journey   string          `json:"journey" example:"Lunch at the restaurant"`
	Metric    CatalogueMetric `json:"metric"`
	Stages    []HeatmapStage  `json:"stages"`
	SVG       string          `json:"svg" example:"/api/v1/journeys/…/heatmap.svg?metric_id=…"` // the same as a chart
} // @name Heatmap

// BlindSpotEntry is a touchpoint a CX lead should look at, with why.
type BlindSpotEntry struct {
	Touchpoint   ReportTouchpoint `json:"touchpoint"`
	Reasons      []string         `json:"reasons" example:"failing on Customer satisfaction (CSAT) and no open idea targets it"`
	LastMeasured *string          `json:"last_measured" format:"date" extensions:"x-nullable"`
	Ideas        int              `json:"ideas"`
	OpenIdeas    int              `json:"open_ideas"`
} // @name BlindSpotEntry

// BlindSpots lists touchpoints failing or at risk with no open idea, not
// measured recently, or with ideas but nothing to judge them by.
type BlindSpots struct {
	StaleDays int              `json:"stale_days" example:"90"`
	Items     []BlindSpotEntry `json:"items"`
} // @name BlindSpots

// CoverageRow counts one group of touchpoints; shares are 0–1 (0 for an empty group).
type CoverageRow struct {
	Group         string  `json:"group" example:"Contact centre"`
	Touchpoints   int     `json:"touchpoints" example:"12"`
	Measured      int     `json:"measured" example:"9"`
	WithIdeas     int     `json:"with_ideas" example:"7"`
	WithPilots    int     `json:"with_pilots" example:"2"`
	MeasuredShare float64 `json:"measured_share" example:"0.75"`
	IdeasShare    float64 `json:"ideas_share" example:"0.58"`
	PilotsShare   float64 `json:"pilots_share" example:"0.17"`
} // @name CoverageRow

// Coverage is how much of the estate is measured, worked on and piloted.
type Coverage struct {
	Overall   CoverageRow   `json:"overall"`
	ByOwner   []CoverageRow `json:"by_owner"`
	ByChannel []CoverageRow `json:"by_channel"`
} // @name Coverage

// ImpactEntry is one measured result of a completed pilot at one touchpoint.
type ImpactEntry struct {
	PilotID     string           `json:"pilot_id" format:"uuid"`
	Pilot       string           `json:"pilot" example:"Headsets for team B"`
	IdeaID      string           `json:"idea_id" format:"uuid"`
	Idea        string           `json:"idea" example:"Headsets and sound barriers for agents"`
	IdeaStatus  string           `json:"idea_status" example:"adopted"`
	Decision    string           `json:"decision" enums:"adopt,iterate,abandon" example:"adopt"`
	CompletedAt *string          `json:"completed_at" format:"date-time" extensions:"x-nullable"`
	Touchpoint  ReportTouchpoint `json:"touchpoint"`
	Result      MetricResult     `json:"result"`
} // @name ImpactEntry

// ImpactLedger is what the backlog actually delivered: completed pilots'
// measured results per touchpoint, metric and owner, and adopted ideas that
// no pilot measured.
type ImpactLedger struct {
	Entries             []ImpactEntry `json:"entries"`
	AdoptedWithoutPilot []Idea        `json:"adopted_without_pilot"` // at most 100, by priority
} // @name ImpactLedger

// heatmapData loads what the heatmap shows: the journey, the metric (by
// metric_id, default the catalogue's csat) and the journey's touchpoint facts.
func (s *Server) heatmapData(c echo.Context) (*domain.Journey, *domain.CatalogueMetric, []domain.TouchpointFacts, error) {
	id, err := pathID(c, "journey")
	if err != nil {
		return nil, nil, nil, err
	}
	q := newListQuery(c, "metric_id")
	metricID := q.id("metric_id")
	if err := q.err(); err != nil {
		return nil, nil, nil, err
	}
	ctx, ws := c.Request().Context(), principal(c).WorkspaceID
	j, err := s.store.GetJourney(ctx, ws, id)
	if err != nil {
		return nil, nil, nil, err
	}
	m, err := s.reportMetric(c, metricID)
	if err != nil {
		return nil, nil, nil, err
	}
	facts, err := s.store.TouchpointFacts(ctx, ws, &id)
	return j, m, facts, err
}

// reportMetric is the catalogue metric named by id, or the default one.
func (s *Server) reportMetric(c echo.Context, id *string) (*domain.CatalogueMetric, error) {
	_, metrics, err := s.catalogueByID(c)
	if err != nil {
		return nil, err
	}
	return domain.ReportMetric(metrics, id)
}

// heatmap godoc
//
//	@Summary		A journey's heatmap: stages × touchpoints on one metric
//	@Description	Each cell: the touchpoint's latest value, the target, its health (healthy when the latest value meets the target; failing when it misses by more than its own 95 % uncertainty; at_risk when it misses within it; unknown without a target or a measurement), open ideas (new, under review, planned, piloting) and running pilots. metric_id defaults to the catalogue's csat.
//	@Tags			reports
//	@Produce		json
//	@Security		BearerAuth
//	@Param			id			path		string	true	"Journey id"	format(uuid)
//	@Param			metric_id	query		string	false	"Catalogue metric (default: csat)"	format(uuid)
//	@Success		200			{object}	Heatmap
//	@Failure	400,401,404,503	{object}	Problem
//	@Router			/api/v1/journeys/{id}/heatmap [get]
func (s *Server) heatmap(c echo.Context) error {
	j, m, facts, err := s.heatmapData(c)
	if err != nil {
		return err
	}
	out := Heatmap{JourneyID: j.ID, Journey: j.Name, Metric: catalogueMetricOut(m),
		SVG: "/api/v1/journeys/" + j.ID + "/heatmap.svg?metric_id=" + m.ID}
	for _, st := range j.Stages {
		stage := HeatmapStage{ID: st.ID, Name: st.Name, Touchpoints: []HeatmapCell{}}
		for n := range facts {
			if f := &facts[n]; f.Touchpoint.StageID == st.ID {
				stage.Touchpoints = append(stage.Touchpoints, heatmapCell(f, m))
			}
		}
		out.Stages = append(out.Stages, stage)
	}
	return c.JSON(http.StatusOK, out)
}

func heatmapCell(f *domain.TouchpointFacts, m *domain.CatalogueMetric) HeatmapCell {
	h := f.HealthOn(*m)
	cell := HeatmapCell{Touchpoint: touchpointRef(&f.Touchpoint), Value: h.Value, Target: m.Target, Health: string(h.Health),
		OpenIdeas: f.OpenIdeas, RunningPilots: f.RunningPilots}
	if h.Latest != nil {
		cell.PeriodEnd = dateOut(&h.Latest.PeriodEnd)
	}
	return cell
}

// MetricHealth is a touchpoint's health and trend on one catalogue metric.
type MetricHealth struct {
	Metric  CatalogueMetric `json:"metric"`
	Health  string          `json:"health" enums:"healthy,at_risk,failing,unknown"`
	Trend   string          `json:"trend" enums:"improving,worsening,stable,unknown"` // latest of the last 6 periods against the first, beyond their combined 95 % noise
	Latest  *Measurement    `json:"latest" extensions:"x-nullable"`
	Periods []Measurement   `json:"periods"` // the last 6, oldest first
	SVG     string          `json:"svg"`     // the trend as a chart
} // @name MetricHealth

// TouchpointHealth is a touchpoint's health on every catalogue metric.
type TouchpointHealth struct {
	Touchpoint ReportTouchpoint `json:"touchpoint"`
	Metrics    []MetricHealth   `json:"metrics"`
} // @name TouchpointHealth

// touchpointHealth godoc
//
//	@Summary		A touchpoint's health and trend on every catalogue metric
//	@Description	Health: healthy when the latest value meets the target; failing when it misses by more than its own 95 % uncertainty; at_risk when it misses within it; unknown without a target or a measurement. Trend: the latest of the last 6 periods against the first, improving or worsening only beyond their combined 95 % noise.
//	@Tags			touchpoint health
//	@Produce		json
//	@Security		BearerAuth
//	@Param			id	path		string	true	"Touchpoint id"	format(uuid)
//	@Success		200	{object}	TouchpointHealth
//	@Failure	401,404,503	{object}	Problem
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
	recent, err := s.store.RecentMeasurements(ctx, ws, id, domain.TrendPeriods)
	if err != nil {
		return err
	}
	out := TouchpointHealth{Touchpoint: touchpointRef(tp), Metrics: make([]MetricHealth, len(metrics))}
	for n, m := range metrics {
		out.Metrics[n] = metricHealth(tp.ID, m, recent[m.ID])
	}
	return c.JSON(http.StatusOK, out)
}

// metricHealth judges the periods (newest first, as listed).
func metricHealth(touchpointID string, m domain.CatalogueMetric, newestFirst []domain.Measurement) MetricHealth {
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
		h.Health = string(domain.HealthOf(m, &newestFirst[0]))
		h.Latest = &h.Periods[len(h.Periods)-1]
	}
	return h
}

// blindSpots godoc
//
//	@Summary		Touchpoints nobody is looking after
//	@Description	Touchpoints failing or at risk on some catalogue metric with no open idea; touchpoints not measured in the last `days` days (or never); touchpoints that have ideas but no measurement to judge them by. Each entry says why it is listed; failing touchpoints come first.
//	@Tags			reports
//	@Produce		json
//	@Security		BearerAuth
//	@Param			days	query		int	false	"A touchpoint not measured for this many days is stale (1–3650)"	default(90)
//	@Success		200		{object}	BlindSpots
//	@Failure	400,401,503	{object}	Problem
//	@Router			/api/v1/reports/blind-spots [get]
func (s *Server) blindSpots(c echo.Context) error {
	q := newListQuery(c, "days")
	days := 90
	if v := c.QueryParam("days"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 3650 {
			q.fail("days", "must be a whole number from 1 to 3650")
		}
		days = n
	}
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
	out := BlindSpots{StaleDays: days, Items: []BlindSpotEntry{}}
	for _, b := range domain.BlindSpots(facts, metrics, s.clock(), days) {
		out.Items = append(out.Items, BlindSpotEntry{Touchpoint: touchpointRef(&b.Facts.Touchpoint), Reasons: b.Reasons,
			LastMeasured: dateOut(b.Facts.LastMeasured()), Ideas: b.Facts.Ideas, OpenIdeas: b.Facts.OpenIdeas})
	}
	return c.JSON(http.StatusOK, out)
}

// coverage godoc
//
//	@Summary	Share of touchpoints measured, with ideas and with pilots
//	@Tags		reports
//	@Produce	json
//	@Security	BearerAuth
//	@Success	200	{object}	Coverage
//	@Failure	401,503	{object}	Problem
//	@Router		/api/v1/reports/coverage [get]
func (s *Server) coverage(c echo.Context) error {
	facts, err := s.store.TouchpointFacts(c.Request().Context(), principal(c).WorkspaceID, nil)
	if err != nil {
		return err
	}
	cov := domain.CoverageOf(facts)
	out := Coverage{Overall: coverageRow(cov.Overall), ByOwner: []CoverageRow{}, ByChannel: []CoverageRow{}}
	for _, r := range cov.ByOwner {
		out.ByOwner = append(out.ByOwner, coverageRow(r))
	}
	for _, r := range cov.ByChannel {
		out.ByChannel = append(out.ByChannel, coverageRow(r))
	}
	return c.JSON(http.StatusOK, out)
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
//	@Tags			reports
//	@Produce		json
//	@Security		BearerAuth
//	@Success		200	{object}	ImpactLedger
//	@Failure	401,503	{object}	Problem
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
	return c.JSON(http.StatusOK, out)
}
