package api

import (
	"net/http"
	"time"

	"cxbacklog/domain"

	"github.com/labstack/echo/v4"
)

// SampleSizes are the observations behind each sample (n; answers for NPS;
// events for counts) and, for paired designs, the units measured twice.
type SampleSizes struct {
	PilotBefore   int `json:"pilot_before" example:"412" binding:"required"`
	PilotAfter    int `json:"pilot_after" example:"398" binding:"required"`
	ControlBefore int `json:"control_before" example:"430" binding:"required"`
	ControlAfter  int `json:"control_after" example:"421" binding:"required"`
	PilotUnits    int `json:"pilot_units" example:"0" binding:"required"`
	ControlUnits  int `json:"control_units" example:"0" binding:"required"`
} // @name SampleSizes

// MetricResult is the analysed change of one metric. The numbers are null
// when the samples needed are missing (warnings say which).
type MetricResult struct {
	MetricID  string `json:"metric_id" format:"uuid" binding:"required"`
	Name      string `json:"name" example:"Average handle time" binding:"required"`
	Unit      string `json:"unit" example:"seconds" binding:"required"`
	Kind      string `json:"kind" enums:"mean,proportion,nps,count" binding:"required"`
	Direction string `json:"direction" enums:"higher_is_better,lower_is_better" binding:"required"`
	Primary   bool   `json:"primary" binding:"required"`
	Guardrail bool   `json:"guardrail" binding:"required"`
	Design    string `json:"design" enums:"before_after,paired_before_after,difference_in_differences,paired_difference_in_differences" binding:"required"`
	// The test run: welch_t, paired_t, diff_in_diff_welch_t, two_proportion_z, diff_in_diff_z, nps_z, nps_diff_in_diff_z, poisson_rate_ratio, poisson_ratio_of_rate_ratios.
	Test *string `json:"test" extensions:"x-nullable" example:"diff_in_diff_welch_t"`
	// Signed absolute change, after − before (or the difference in differences), whatever the metric's direction: a handle time that fell by 28 s is -28. In the metric's unit for means, a difference of shares for proportions (0.05 = 5 percentage points), points for NPS, events per unit of exposure for counts (with a control, against the counterfactual rate). The chart (svg) writes it with the same sign, proportions in percentage points.
	Estimate *float64 `json:"estimate" extensions:"x-nullable" example:"-28"`
	CILow    *float64 `json:"ci_low" extensions:"x-nullable" example:"-42.3"`  // of estimate, same sign convention
	CIHigh   *float64 `json:"ci_high" extensions:"x-nullable" example:"-13.7"` // of estimate, same sign convention
	// Estimate relative to the pilot group's before level, divided by the level's absolute value so that it has the sign of estimate (-0.0875 = 8.75 % lower; counts with a control: ratio of rate ratios − 1); null when that level is 0. The chart plots it in percent, after − before, next to estimate.
	RelativeChange *float64 `json:"relative_change" extensions:"x-nullable" example:"-0.0875"`
	RelativeCILow  *float64 `json:"relative_ci_low" extensions:"x-nullable"` // where an interval is defined (delta method, exact rate ratio)
	RelativeCIHigh *float64 `json:"relative_ci_high" extensions:"x-nullable"`
	PValue         *float64 `json:"p_value" extensions:"x-nullable" example:"0.003"`
	// Estimate turned so that positive is better (negated for lower_is_better metrics: a handle time that fell by 28 s is +28), with its interval; verdict reads it. These are the only direction-adjusted numbers: estimate and relative_change keep the sign of after − before.
	Improvement       *float64 `json:"improvement" extensions:"x-nullable" example:"28"`
	ImprovementCILow  *float64 `json:"improvement_ci_low" extensions:"x-nullable"`
	ImprovementCIHigh *float64 `json:"improvement_ci_high" extensions:"x-nullable"`
	// improved / worsened when the improvement interval lies entirely above / below 0 (better or worse given direction), else inconclusive. Interim while the pilot is not completed: see interim and warning on PilotResults.
	Verdict           string       `json:"verdict" enums:"improved,worsened,inconclusive" example:"improved" binding:"required"`
	SampleSizes       SampleSizes  `json:"sample_sizes" binding:"required"`
	GuardrailBreached bool         `json:"guardrail_breached" binding:"required"`
	Warnings          []string     `json:"warnings" binding:"required"`
	Value             *MetricValue `json:"value"`
} // @name MetricResult

// MetricValue is a metric's measured improvement in money a year, present
// when the metric measures a catalogue metric (metric_id) that a value
// driver at one of the pilot's touchpoints prices (the driver at the first
// of the pilot's touchpoints that has one; the effect is valued once) and
// the metric's change was computed; value is null otherwise. annual_value =
// improvement × unit_value × exposure_per_year, with improvement the
// direction-adjusted change in the metric's unit (a share 0–1 for
// proportions, points for NPS); the formula is linear and increasing, so
// the improvement's interval maps end to end onto ci_low and ci_high.
type MetricValue struct {
	AnnualValue   float64 `json:"annual_value" example:"41400" binding:"required"` // improvement × unit_value × exposure_per_year
	CILow         float64 `json:"ci_low" example:"19530" binding:"required"`       // improvement_ci_low × unit_value × exposure_per_year
	CIHigh        float64 `json:"ci_high" example:"63270" binding:"required"`      // improvement_ci_high × unit_value × exposure_per_year
	Currency      string  `json:"currency" example:"EUR" binding:"required"`       // the workspace's (GET /api/v1/economics)
	ValueDriverID string  `json:"value_driver_id" format:"uuid" binding:"required"`
	// The numbers plugged in, in words.
	Explanation string `json:"explanation" example:"improvement 23 seconds × 0.015 EUR per second × 120,000 calls a year = 41,400 EUR a year; the improvement's interval 10.8499 to 35.1501 seconds gives 19,530 to 63,270 EUR" binding:"required"`
} // @name MetricValue

// PilotValueTotal adds up the values of a pilot's valued metrics (those
// with a value); null when no metric has one. The interval's half-widths
// below and above annual_value are each the root sum of squares of the
// metrics' half-widths, which assumes the metrics' errors are independent
// (metrics that move together, such as handle time and repeat calls, make
// it too narrow). probability_net_positive = P(annual value >
// running_cost) under a normal approximation centred on annual_value with
// standard error = (ci_high − ci_low) ÷ 2 ÷ z of the confidence level
// (1.959964 at 95 %).
type PilotValueTotal struct {
	AnnualValue float64 `json:"annual_value" example:"63000" binding:"required"` // the sum of the metrics' annual_value
	CILow       float64 `json:"ci_low" example:"22935" binding:"required"`       // annual_value − √Σ(annual_value − ci_low)²
	CIHigh      float64 `json:"ci_high" example:"103065" binding:"required"`     // annual_value + √Σ(ci_high − annual_value)²
	Currency    string  `json:"currency" example:"EUR" binding:"required"`
	// The idea's annual_running_cost (0 when it has none) the value is weighed against.
	RunningCost float64 `json:"running_cost" example:"12000" binding:"required"`
	// P(annual value > running_cost), 0–1, normal approximation with standard error = total half-width ÷ z of the confidence level.
	ProbabilityNetPositive float64 `json:"probability_net_positive" example:"0.9937" binding:"required"`
	// The numbers plugged in, in words, with the independence assumption.
	Explanation string `json:"explanation" example:"sum of 2 metric values = 63,000 EUR a year; interval 22,935 to 103,065 (half-widths added as a root sum of squares, assuming the metrics' errors are independent); P(value > running cost 12,000) = 99.37 % under a normal approximation with standard error 20,442" binding:"required"`
} // @name PilotValueTotal

// PilotResults is the analysis of every metric of a pilot: live while the
// pilot runs, the frozen snapshot once it is completed. Until then the
// results are interim and carry a warning.
type PilotResults struct {
	PilotID         string  `json:"pilot_id" format:"uuid" binding:"required"`
	Status          string  `json:"status" enums:"planned,running,completed,cancelled" binding:"required"`
	ConfidenceLevel float64 `json:"confidence_level" example:"0.95" binding:"required"`
	Frozen          bool    `json:"frozen" binding:"required"` // the snapshot taken at completion
	// True while the pilot is not completed (planned, running, cancelled): the results are computed from the data so far and will change, so verdict is not final. False once the pilot is completed and its results frozen.
	Interim bool `json:"interim" example:"true" binding:"required"`
	// Why interim results are not final, in plain words (the pilot is still running; results change as data arrive; checking repeatedly and stopping when a result looks good inflates the false-positive rate; final only when the pilot is completed); null when not interim.
	Warning      *string          `json:"warning" extensions:"x-nullable" example:"Interim results: the pilot is still running, so these results will change as data arrive. Checking the results repeatedly and stopping the pilot when a result looks good inflates the false-positive rate: a difference that is only chance gets taken for a real effect. The verdict is final only when the pilot is completed, after running as planned (to the sample size planned for it)."`
	ComputedAt   time.Time        `json:"computed_at" binding:"required"`
	Verdict      *string          `json:"verdict" enums:"improved,worsened,inconclusive" extensions:"x-nullable"` // the primary metric's; null without one
	AnyGuardrail bool             `json:"guardrail_breached" binding:"required"`                                  // some guardrail metric worsened
	Metrics      []MetricResult   `json:"metrics" binding:"required"`
	ValueTotal   *PilotValueTotal `json:"value_total"`
	SVG          string           `json:"svg" binding:"required"` // the results as a forest plot
} // @name PilotResults

func pilotResultsOut(p *domain.Pilot, r *domain.PilotResult) PilotResults {
	out := PilotResults{PilotID: p.ID, Status: string(p.Status), ConfidenceLevel: r.ConfidenceLevel, Frozen: p.Results != nil,
		ComputedAt: r.ComputedAt.UTC(), Metrics: make([]MetricResult, len(r.Metrics)), SVG: "/api/v1/pilots/" + p.ID + "/results.svg"}
	for n := range r.Metrics {
		m := &r.Metrics[n]
		out.Metrics[n] = metricResultOut(m)
		out.AnyGuardrail = out.AnyGuardrail || m.GuardrailBreached
	}
	if primary := r.Primary(); primary != nil {
		v := string(primary.Verdict)
		out.Verdict = &v
	}
	if n := p.InterimNotice(); n.Interim {
		out.Interim, out.Warning = true, &n.Warning
	}
	if t := r.ValueTotal; t != nil {
		out.ValueTotal = &PilotValueTotal{AnnualValue: t.AnnualValue, CILow: t.CI.Low, CIHigh: t.CI.High, Currency: t.Currency,
			RunningCost: t.RunningCost, ProbabilityNetPositive: t.ProbabilityNetPositive, Explanation: t.Explanation}
	}
	return out
}

func metricResultOut(m *domain.MetricResult) MetricResult {
	out := MetricResult{
		MetricID: m.MetricID, Name: m.Name, Unit: m.Unit, Kind: string(m.Kind), Direction: string(m.Direction),
		Primary: m.Primary, Guardrail: m.Guardrail, Design: string(m.Design), Verdict: string(m.Verdict),
		SampleSizes: SampleSizes{
			PilotBefore: m.Sizes.PilotBefore, PilotAfter: m.Sizes.PilotAfter, ControlBefore: m.Sizes.ControlBefore,
			ControlAfter: m.Sizes.ControlAfter, PilotUnits: m.Sizes.PilotUnits, ControlUnits: m.Sizes.ControlUnits,
		},
		GuardrailBreached: m.GuardrailBreached, Warnings: m.Warnings,
	}
	if out.Warnings == nil {
		out.Warnings = []string{}
	}
	if v := m.Value; v != nil {
		out.Value = &MetricValue{AnnualValue: v.AnnualValue, CILow: v.CI.Low, CIHigh: v.CI.High, Currency: v.Currency,
			ValueDriverID: v.ValueDriverID, Explanation: v.Explanation}
	}
	if !m.Computed {
		return out
	}
	num := func(x float64) *float64 { return &x }
	out.Test = &m.Test
	out.Estimate, out.CILow, out.CIHigh = num(m.Estimate), num(m.CI.Low), num(m.CI.High)
	out.RelativeChange = m.RelativeChange
	if m.RelativeCI != nil {
		out.RelativeCILow, out.RelativeCIHigh = num(m.RelativeCI.Low), num(m.RelativeCI.High)
	}
	out.PValue = num(m.PValue)
	out.Improvement, out.ImprovementCILow, out.ImprovementCIHigh = num(m.Improvement), num(m.ImprovementCI.Low), num(m.ImprovementCI.High)
	return out
}

// changeInUnit is a computed metric's absolute change (its estimate, after
// − before) as people read it (see MetricResult.ChangeScale); nil when not
// computed.
func changeInUnit(m *domain.MetricResult) (*float64, string) {
	if !m.Computed {
		return nil, ""
	}
	scale, unit := m.ChangeScale()
	v := m.Estimate * scale
	return &v, unit
}

// pilotResults godoc
//
//	@Summary		A pilot's results, metric by metric
//	@Description	Design by the samples given: before_after (pilot group only), difference_in_differences (with a control group), paired designs (mean metrics whose observations all carry unit ids seen in both periods: per-unit change scores). Tests: Welch t with Welch–Satterthwaite df (means, change scores, four-cell DiD with generalised df), pooled z with unpooled interval (proportions), NPS variance formula, exact conditional Poisson test with Clopper–Pearson bounds (counts). Signs: estimate and relative_change are after − before whatever the metric's direction (a handle time that fell is negative), as in the chart; improvement is turned so that positive is better, and verdict is improved / worsened when its interval lies entirely above / below 0, else inconclusive. Until the pilot is completed the results are interim (interim true, with a warning about peeking); completed pilots answer with the snapshot frozen at completion (interim false, warning null). Money: a metric that measures a catalogue metric priced by a value driver at one of the pilot's touchpoints gets value, annual_value = improvement × unit_value × exposure_per_year with the improvement's interval mapped end to end (else value is null); value_total adds the values, its half-widths the root sum of squares of the metrics' half-widths (assuming independent errors), with probability_net_positive = P(annual value > the idea's annual running cost) under a normal approximation whose standard error is the total half-width ÷ z of the confidence level (1.959964 at 95 %); null when no metric has a value. Completion freezes the values with the results.
//	@ID				getPilotResults
//	@Tags			pilots
//	@Produce		json,application/problem+json
//	@Security		BearerAuth
//	@Param			id		path		string	true	"Pilot id"	format(uuid)
//	@Success		200		{object}	PilotResults
//	@Failure		400		{object}	Problem				"Bad request: any query parameter (this operation takes none)"
//	@Failure		401		{object}	Problem				"No API key, or an unknown, expired or revoked one"
//	@Failure		404		{object}	Problem				"Unknown, or in another workspace"
//	@Failure		429		{object}	Problem				"Too many requests: over the budget of this API key, of its workspace's keys together, or of failed authentications from this address, or the workspace has too many requests in flight; retry after Retry-After seconds"
//	@Failure		503		{object}	Problem				"The database is unavailable; retry after Retry-After seconds"
//	@Failure		default	{object}	Problem				"Any other error, e.g. 500 (an internal error: quote instance when reporting it)"
//	@Header			401		{string}	WWW-Authenticate	"The scheme to authenticate with: Bearer"
//	@Header			429		{integer}	Retry-After			"Seconds to wait before retrying"
//	@Header			503		{integer}	Retry-After			"Seconds to wait before retrying"
//	@Router			/api/v1/pilots/{id}/results [get]
func (s *Server) pilotResults(c echo.Context) error {
	p, r, err := s.resultsOf(c)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, pilotResultsOut(p, r))
}

// resultsOf returns the path's pilot and its results: the snapshot frozen
// at completion, or computed now from the current samples.
func (s *Server) resultsOf(c echo.Context) (*domain.Pilot, *domain.PilotResult, error) {
	id, err := pathID(c, "pilot")
	if err != nil {
		return nil, nil, err
	}
	p, data, err := s.store.PilotData(c.Request().Context(), principal(c).WorkspaceID, id)
	if err != nil {
		return nil, nil, err
	}
	if p.Results != nil {
		return p, p.Results, nil
	}
	live := p.Analyze(data, s.clock())
	return p, &live, nil
}

// PlanRequest is the body of POST /pilots/plan. Give mde to get the sample
// size per group, or n_per_group to get the minimum detectable effect.
type PlanRequest struct {
	Kind               string   `json:"kind" binding:"required" enums:"mean,proportion" example:"mean"`
	BaselineMean       *float64 `json:"baseline_mean" example:"320"`        // mean
	BaselineSD         *float64 `json:"baseline_sd" example:"75"`           // mean, > 0
	BaselineProportion *float64 `json:"baseline_proportion" example:"0.72"` // proportion, 0 < p < 1
	MDE                *float64 `json:"mde" example:"-20"`                  // absolute minimum detectable effect
	NPerGroup          *int     `json:"n_per_group" example:"200"`          // observations per group
	Alpha              *float64 `json:"alpha" example:"0.05"`               // two-sided; default 0.05
	Power              *float64 `json:"power" example:"0.8"`                // default 0.8
} // @name PlanRequest

// Plan is the answer of POST /pilots/plan.
type Plan struct {
	Method    string  `json:"method" enums:"two_sample_t,two_proportion" example:"two_sample_t" binding:"required"` // as R power.t.test / power.prop.test
	NPerGroup int     `json:"n_per_group" example:"222" binding:"required"`                                         // rounded up
	NExact    float64 `json:"n_exact" example:"221.7" binding:"required"`                                           // unrounded, when solving for n
	MDE       float64 `json:"mde" example:"20" binding:"required"`
	Power     float64 `json:"power" example:"0.8" binding:"required"` // achieved at n_per_group and mde
	Alpha     float64 `json:"alpha" example:"0.05" binding:"required"`
} // @name Plan

// planPilot godoc
//
//	@Summary		Plan a pilot's size
//	@Description	Mean metrics: baseline_mean and baseline_sd; proportions: baseline_proportion. With mde → the sample size per group for the power (two-sided alpha); with n_per_group → the minimum detectable effect. Exactly one of mde and n_per_group.
//	@ID				planPilot
//	@Tags			pilots
//	@Accept			json
//	@Produce		json,application/problem+json
//	@Security		BearerAuth
//	@Param			plan	body		PlanRequest	true	"What to plan"
//	@Success		200		{object}	Plan
//	@Failure		400		{object}	Problem				"Bad request: malformed JSON or an unknown or repeated field; or any query parameter (this operation takes none)"
//	@Failure		401		{object}	Problem				"No API key, or an unknown, expired or revoked one"
//	@Failure		413		{object}	Problem				"The body is larger than the limit (1 MB)"
//	@Failure		415		{object}	Problem				"The body is not application/json"
//	@Failure		422		{object}	Problem				"Invalid values; errors[] name each field (pointer)"
//	@Failure		429		{object}	Problem				"Too many requests: over the budget of this API key, of its workspace's keys together, or of failed authentications from this address, or the workspace has too many requests in flight; retry after Retry-After seconds"
//	@Failure		503		{object}	Problem				"The database is unavailable; retry after Retry-After seconds"
//	@Failure		default	{object}	Problem				"Any other error, e.g. 500 (an internal error: quote instance when reporting it)"
//	@Header			401		{string}	WWW-Authenticate	"The scheme to authenticate with: Bearer"
//	@Header			429		{integer}	Retry-After			"Seconds to wait before retrying"
//	@Header			503		{integer}	Retry-After			"Seconds to wait before retrying"
//	@Router			/api/v1/pilots/plan [post]
func (s *Server) planPilot(c echo.Context) error {
	var in PlanRequest
	if err := bindCreate(c, &in); err != nil {
		return err
	}
	req := domain.PlanInput{Kind: domain.MetricKind(in.Kind), MDE: in.MDE, NPerGroup: in.NPerGroup, Alpha: 0.05, Power: 0.8}
	deref(in.BaselineMean, &req.BaselineMean)
	deref(in.BaselineSD, &req.BaselineSD)
	deref(in.BaselineProportion, &req.BaselineProportion)
	deref(in.Alpha, &req.Alpha)
	deref(in.Power, &req.Power)
	plan, err := domain.Plan(req)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, Plan{Method: plan.Method, NPerGroup: plan.NPerGroup, NExact: plan.NExact, MDE: plan.MDE, Power: plan.Power, Alpha: req.Alpha})
}
