package api

import (
	"strconv"

	"cxbacklog/api/chart"
	"cxbacklog/domain"

	"github.com/labstack/echo/v4"
)

// RealisedValueSummary is what adopted ideas with a realised value (the
// value the pilot that got them adopted measured) bring a year.
type RealisedValueSummary struct {
	Count             int     `json:"count" example:"2" binding:"required"`
	AnnualValue       float64 `json:"annual_value" example:"63000" binding:"required"`
	CILow             float64 `json:"ci_low" example:"45000" binding:"required"`
	CIHigh            float64 `json:"ci_high" example:"81000" binding:"required"`
	OneOffCost        float64 `json:"one_off_cost" example:"18000" binding:"required"`
	AnnualRunningCost float64 `json:"annual_running_cost" example:"5000" binding:"required"`
	NetAnnualValue    float64 `json:"net_annual_value" example:"58000" binding:"required"` // annual_value − annual_running_cost
	Explanation       string  `json:"explanation" example:"sum of the realised annual values of 2 adopted ideas = 63,000 EUR; interval 45,000 to 81,000 (… assuming the ideas' errors are independent …)" binding:"required"`
} // @name RealisedValueSummary

// PipelineValueSummary is what open ideas (new, under review, planned,
// piloting) with a business case are expected to bring a year.
type PipelineValueSummary struct {
	Count                         int     `json:"count" example:"12" binding:"required"`
	ExpectedAnnualValue           float64 `json:"expected_annual_value" example:"120000" binding:"required"`
	ConfidenceWeightedAnnualValue float64 `json:"confidence_weighted_annual_value" example:"61000" binding:"required"` // Σ expected_annual_value × confidence
	ExpectedNetAnnualValue        float64 `json:"expected_net_annual_value" example:"104000" binding:"required"`
	OneOffCost                    float64 `json:"one_off_cost" example:"45000" binding:"required"`
	AnnualRunningCost             float64 `json:"annual_running_cost" example:"16000" binding:"required"`
	Explanation                   string  `json:"explanation" binding:"required"`
} // @name PipelineValueSummary

// OwnerValue is one owner's realised and pipeline value.
type OwnerValue struct {
	Owner    string               `json:"owner" example:"Contact centre" binding:"required"` // "unassigned" for ideas without an owner
	Realised RealisedValueSummary `json:"realised" binding:"required"`
	Pipeline PipelineValueSummary `json:"pipeline" binding:"required"`
} // @name OwnerValue

// TouchpointValue is the value accruing at one touchpoint: where its
// value drivers price the improvements.
type TouchpointValue struct {
	TouchpointID string `json:"touchpoint_id" format:"uuid" binding:"required"`
	Name         string `json:"name" example:"Phone conversation" binding:"required"`
	// Open ideas' expected improvements priced by the touchpoint's drivers.
	ExpectedImprovements          int     `json:"expected_improvements" example:"4" binding:"required"`
	ExpectedAnnualValue           float64 `json:"expected_annual_value" example:"54000" binding:"required"`
	ConfidenceWeightedAnnualValue float64 `json:"confidence_weighted_annual_value" example:"27000" binding:"required"` // each improvement's value × its idea's confidence
	// Values that adopted ideas' pilots measured on the drivers' metrics.
	RealisedMetrics     int     `json:"realised_metrics" example:"1" binding:"required"`
	RealisedAnnualValue float64 `json:"realised_annual_value" example:"50400" binding:"required"`
} // @name TouchpointValue

// FailingTouchpointCost is what a touchpoint missing its target on a
// metric a value driver prices costs a year.
type FailingTouchpointCost struct {
	TouchpointID  string  `json:"touchpoint_id" format:"uuid" binding:"required"`
	Touchpoint    string  `json:"touchpoint" example:"Phone conversation" binding:"required"`
	ValueDriverID string  `json:"value_driver_id" format:"uuid" binding:"required"`
	MetricID      string  `json:"metric_id" format:"uuid" binding:"required"`
	MetricKey     string  `json:"metric_key" example:"fcr" binding:"required"`
	Health        string  `json:"health" enums:"failing,at_risk" example:"failing" binding:"required"` // failing: misses by more than its 95 % uncertainty; at_risk: within it
	Value         float64 `json:"value" example:"0.66" binding:"required"`                             // latest, in the metric's scale
	Target        float64 `json:"target" example:"0.8" binding:"required"`
	Gap           float64 `json:"gap" example:"0.14" binding:"required"` // how far value misses target, in the metric's unit, positive
	AnnualCost    float64 `json:"annual_cost" example:"75600" binding:"required"`
	PeriodStart   string  `json:"period_start" format:"date" example:"2026-10-01" binding:"required"` // of the latest measurement
	PeriodEnd     string  `json:"period_end" format:"date" example:"2026-10-31" binding:"required"`
	Explanation   string  `json:"explanation" example:"First-contact resolution 0.66 (share) against a target of 0.8 (share) (failing, 2026-10-01 to 2026-10-31): gap 0.14 (share) × 4.5 EUR per unit × 120,000 calls a year = 75,600 EUR a year" binding:"required"`
} // @name FailingTouchpointCost

// ValueReport is the portfolio's value, every amount a year in the
// workspace's currency.
type ValueReport struct {
	Currency     string               `json:"currency" example:"EUR" binding:"required"`
	Realised     RealisedValueSummary `json:"realised" binding:"required"`
	Pipeline     PipelineValueSummary `json:"pipeline" binding:"required"`
	ByOwner      []OwnerValue         `json:"by_owner" binding:"required"`     // by realised + confidence-weighted value, biggest first, at most limit
	OtherOwners  int                  `json:"other_owners" binding:"required"` // owners beyond limit
	ByOwnerNote  string               `json:"by_owner_explanation" binding:"required"`
	ByTouchpoint []TouchpointValue    `json:"by_touchpoint" binding:"required"` // by realised + confidence-weighted value, biggest first, at most limit
	// Touchpoints beyond limit.
	OtherTouchpoints   int                     `json:"other_touchpoints" binding:"required"`
	ByTouchpointNote   string                  `json:"by_touchpoint_explanation" binding:"required"`
	FailingTouchpoints []FailingTouchpointCost `json:"failing_touchpoints" binding:"required"` // costliest first, at most limit
	OtherFailing       int                     `json:"other_failing" binding:"required"`
	FailingAnnualCost  float64                 `json:"failing_annual_cost" example:"129600" binding:"required"` // of all of them
	FailingNote        string                  `json:"failing_explanation" binding:"required"`
	SVG                string                  `json:"svg" example:"/api/v1/reports/value.svg" binding:"required"` // the same as a chart
} // @name ValueReport

func realisedOut(r domain.RealisedSummary) RealisedValueSummary {
	return RealisedValueSummary{Count: r.Count, AnnualValue: r.AnnualValue, CILow: r.CI.Low, CIHigh: r.CI.High, OneOffCost: r.OneOffCost,
		AnnualRunningCost: r.AnnualRunningCost, NetAnnualValue: r.NetAnnualValue, Explanation: r.Explanation}
}

func pipelineOut(p domain.PipelineSummary) PipelineValueSummary {
	return PipelineValueSummary{Count: p.Count, ExpectedAnnualValue: p.ExpectedAnnualValue, ConfidenceWeightedAnnualValue: p.ConfidenceWeightedAnnualValue,
		ExpectedNetAnnualValue: p.ExpectedNetAnnualValue, OneOffCost: p.OneOffCost, AnnualRunningCost: p.AnnualRunningCost, Explanation: p.Explanation}
}

// valueReportData reads the report, listing at most limit of each list.
func (s *Server) valueReportData(c echo.Context, limit int) (domain.ValueReport, error) {
	d, err := s.store.ValueReportData(c.Request().Context(), principal(c).WorkspaceID, limit)
	if err != nil {
		return domain.ValueReport{}, err
	}
	return domain.NewValueReport(d, limit), nil
}

// valueReport godoc
//
//	@Summary		The portfolio's value: realised, in the pipeline, by owner and touchpoint, and what failing touchpoints cost
//	@Description	Every amount is a year, in the workspace's currency (currency). realised: adopted ideas with a realised value (measured by the pilot that got them adopted): their sum with an interval whose half-widths add as a root sum of squares, below and above separately (assuming the ideas' errors are independent), their costs and net value. pipeline: open ideas (new, under review, planned, piloting) with a business case: Σ expected annual value, Σ expected annual value × confidence (confidence-weighted), Σ net value, costs. by_owner: the same per owner (unassigned for none), biggest (realised + confidence-weighted) first. by_touchpoint: value where it accrues, the touchpoint of each value driver: open ideas' expected improvements and adopted pilots' measured values; an idea's costs are not split between touchpoints. failing_touchpoints: for each value driver whose touchpoint's latest measurement of its metric misses the metric's target (failing or at_risk, as touchpoint health judges it), the gap × unit value × exposure a year, costliest first, with the total.
//	@ID				getValueReport
//	@Tags			reports
//	@Param		If-None-Match	header	string	false	"The ETag of a report already held: 304 while it is still the current one"
//	@Produce		json,application/problem+json
//	@Security		BearerAuth
//	@Param			limit	query		int			false	"How many owners, touchpoints and failing touchpoints to list (1–500)"	default(50)	extensions(x-example=10)
//	@Success		200		{object}	ValueReport
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
//	@Router			/api/v1/reports/value [get]
func (s *Server) valueReport(c echo.Context) error {
	q := newQuery(c, "limit")
	limit := q.count("limit", domain.DefaultValueReportLimit, domain.MaxValueReportLimit)
	if err := q.err(); err != nil {
		return err
	}
	r, err := s.valueReportData(c, limit)
	if err != nil {
		return err
	}
	out := ValueReport{Currency: r.Currency, Realised: realisedOut(r.Realised), Pipeline: pipelineOut(r.Pipeline),
		ByOwner: make([]OwnerValue, len(r.ByOwner)), OtherOwners: r.OtherOwners, ByOwnerNote: r.ByOwnerExplanation,
		ByTouchpoint: make([]TouchpointValue, len(r.ByTouchpoint)), OtherTouchpoints: r.OtherTouchpoints, ByTouchpointNote: r.ByTouchpointExplanation,
		FailingTouchpoints: make([]FailingTouchpointCost, len(r.FailingTouchpoints)), OtherFailing: r.OtherFailing,
		FailingAnnualCost: r.FailingAnnualCost, FailingNote: r.FailingCostExplanation, SVG: "/api/v1/reports/value.svg"}
	for n, o := range r.ByOwner {
		out.ByOwner[n] = OwnerValue{Owner: o.Owner, Realised: realisedOut(o.Realised), Pipeline: pipelineOut(o.Pipeline)}
	}
	for n, t := range r.ByTouchpoint {
		out.ByTouchpoint[n] = TouchpointValue{TouchpointID: t.TouchpointID, Name: t.Name, ExpectedImprovements: t.Improvements,
			ExpectedAnnualValue: t.ExpectedAnnualValue, ConfidenceWeightedAnnualValue: t.ConfidenceWeightedAnnualValue,
			RealisedMetrics: t.RealisedMetrics, RealisedAnnualValue: t.RealisedAnnualValue}
	}
	for n, f := range r.FailingTouchpoints {
		out.FailingTouchpoints[n] = FailingTouchpointCost{TouchpointID: f.Driver.TouchpointID, Touchpoint: f.Touchpoint,
			ValueDriverID: f.Driver.ID, MetricID: f.Metric.ID, MetricKey: f.Metric.Key, Health: string(f.Health), Value: f.Value,
			Target: f.Target, Gap: f.Gap, AnnualCost: f.AnnualCost, PeriodStart: *dateOut(&f.PeriodStart), PeriodEnd: *dateOut(&f.PeriodEnd),
			Explanation: f.Explanation}
	}
	return report(c, out)
}

// valueChartTouchpoints is how many touchpoints the chart draws.
const valueChartTouchpoints = 10

// valueChart godoc
//
//	@Summary		The portfolio's value as an SVG chart
//	@Description	Bars of annual value in the workspace's currency: realised (with its interval as a whisker), the pipeline expected and confidence-weighted, what failing touchpoints cost, and the 10 touchpoints where most value accrues (realised + confidence-weighted). The same figures as GET /reports/value.
//	@ID				getValueChart
//	@Tags			reports
//	@Produce		image/svg+xml,application/problem+json
//	@Security		BearerAuth
//	@Param		If-None-Match	header	string	false	"The ETag of a drawing already held: 304 while it is still the current one"
//	@Success		200		{string}	string				"SVG"
//	@Success	304	"Not modified: the drawing named in If-None-Match is current"
//	@Failure		400		{object}	Problem				"Bad request: any query parameter (this operation takes none)"
//	@Failure		401		{object}	Problem				"No API key, or an unknown, expired or revoked one"
//	@Failure		429		{object}	Problem				"Too many requests: over the budget of this API key, of its workspace's keys together, or of failed authentications from this address, or the workspace has too many requests in flight; retry after Retry-After seconds"
//	@Failure		503		{object}	Problem				"The database is unavailable; retry after Retry-After seconds"
//	@Failure		default	{object}	Problem				"Any other error, e.g. 500 (an internal error: quote instance when reporting it)"
//	@Header			401		{string}	WWW-Authenticate	"The scheme to authenticate with: Bearer"
//	@Header			429		{integer}	Retry-After			"Seconds to wait before retrying"
//	@Header			503		{integer}	Retry-After			"Seconds to wait before retrying"
//	@Header		200,304	{string}	ETag	"The drawing's strong validator, for If-None-Match; it changes with any write to the workspace's data the chart depends on"
//	@Router			/api/v1/reports/value.svg [get]
func (s *Server) valueChart(c echo.Context) error {
	r, err := s.valueReportData(c, valueChartTouchpoints)
	if err != nil {
		return err
	}
	b, err := chart.Value("Portfolio value a year ("+r.Currency+")", r.Currency, valueBars(r))
	return svg(c, b, err)
}

// valueBars are the chart's bars; none when the workspace has no value at all.
func valueBars(r domain.ValueReport) []chart.ValueBar {
	if r.Realised.Count == 0 && r.Pipeline.Count == 0 && len(r.ByTouchpoint) == 0 && len(r.FailingTouchpoints) == 0 {
		return nil
	}
	low, high := r.Realised.CI.Low, r.Realised.CI.High
	bars := []chart.ValueBar{
		{Label: "Realised (" + strconv.Itoa(r.Realised.Count) + " adopted)", Value: r.Realised.AnnualValue, Low: &low, High: &high,
			Kind: "realised", Note: "net of running costs " + domain.FormatMoney(r.Realised.NetAnnualValue)},
		{Label: "Pipeline, expected (" + strconv.Itoa(r.Pipeline.Count) + " open)", Value: r.Pipeline.ExpectedAnnualValue, Kind: "expected"},
		{Label: "Pipeline, confidence-weighted", Value: r.Pipeline.ConfidenceWeightedAnnualValue, Kind: "weighted"},
		{Label: "Cost of failing touchpoints", Value: r.FailingAnnualCost, Kind: "failing",
			Note: "priced metrics missing their target: " + strconv.Itoa(len(r.FailingTouchpoints)+r.OtherFailing)},
	}
	for _, t := range r.ByTouchpoint {
		bars = append(bars, chart.ValueBar{Label: t.Name, Value: t.RealisedAnnualValue + t.ConfidenceWeightedAnnualValue, Kind: "touchpoint",
			Note: "realised + confidence-weighted"})
	}
	return bars
}
