package domain

import (
	"math"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Design is how a metric's change is estimated, chosen from the samples
// that exist.
type Design string

// Designs.
const (
	// DesignBeforeAfter compares the pilot group after with before; no control.
	DesignBeforeAfter Design = "before_after"
	// DesignPairedBeforeAfter is a before/after comparison of the same units
	// (means only): a one-sample t test on the per-unit change scores.
	DesignPairedBeforeAfter Design = "paired_before_after"
	// DesignDiffInDiff subtracts the control group's change from the pilot
	// group's change; the four samples are treated as independent.
	DesignDiffInDiff Design = "difference_in_differences"
	// DesignPairedDiffInDiff is a difference-in-differences on per-unit change
	// scores (means only): Welch's t on the two groups' change scores.
	DesignPairedDiffInDiff Design = "paired_difference_in_differences"
)

// Verdict is the honest answer about one metric.
type Verdict string

// Verdicts: improved or worsened when the direction-adjusted interval lies
// entirely above or below 0, otherwise inconclusive (including when the
// samples needed are missing).
const (
	VerdictImproved     Verdict = "improved"
	VerdictWorsened     Verdict = "worsened"
	VerdictInconclusive Verdict = "inconclusive"
)

// MetricSamples are the samples of one metric, by group and period; nil
// where none was given. PilotChange and ControlChange are the summaries of
// per-unit change scores (after − before), set only for mean metrics whose
// observations all carry unit ids seen in both periods.
type MetricSamples struct {
	PilotBefore, PilotAfter     *Sample
	ControlBefore, ControlAfter *Sample
	PilotChange, ControlChange  *MeanSummary
}

// SampleSizes are the number of observations behind each sample (n, answers,
// or events for counts) and, for paired designs, the number of units.
type SampleSizes struct {
	PilotBefore, PilotAfter     int
	ControlBefore, ControlAfter int
	PilotUnits, ControlUnits    int
}

// MetricResult is the analysed change of one metric.
type MetricResult struct {
	MetricID string
	// CatalogueMetricID is the catalogue metric the pilot metric measures,
	// "" for a metric of the pilot's own.
	CatalogueMetricID string
	Name              string
	Unit              string
	Kind              MetricKind
	Direction         Direction
	Primary           bool
	Guardrail         bool

	Design Design
	// Computed is false when the samples needed are missing or unusable;
	// then the numbers below are zero, Verdict is inconclusive and Warnings
	// say why.
	Computed bool
	Test     string // welch_t, two_proportion_z, nps_z, poisson_rate_ratio, ...
	// Estimate is the signed absolute change, after − before, or the
	// difference in differences, whatever the metric's direction (a handle
	// time that fell by 28 s is −28): in the metric's unit for means, a
	// difference of shares for proportions, points for NPS, and for counts
	// events per unit of exposure (with a control group: the pilot's rate
	// after minus the counterfactual rate, its before rate moved as the
	// control's did).
	Estimate float64
	CI       Interval // of Estimate
	// RelativeChange is Estimate relative to the pilot group's before level
	// (for a count difference in differences: to the counterfactual rate, so
	// it is the ratio of rate ratios − 1), divided by the level's absolute
	// value so that it always has the sign of Estimate; nil when that level
	// is 0. RelativeCI is its interval where one is defined (delta method,
	// or the exact rate-ratio interval for counts).
	RelativeChange *float64
	RelativeCI     *Interval
	PValue         float64
	// Improvement is Estimate turned so that positive is better: −Estimate
	// for lower-is-better metrics; ImprovementCI likewise.
	Improvement       float64
	ImprovementCI     Interval
	Verdict           Verdict
	Sizes             SampleSizes
	GuardrailBreached bool // a guardrail metric that worsened
	Warnings          []string
	// Value is the improvement in money, when a value driver at one of the
	// pilot's touchpoints prices the catalogue metric; nil otherwise.
	Value *MetricValue
}

// PilotResult is the analysis of every metric of a pilot.
type PilotResult struct {
	PilotID         string
	ConfidenceLevel float64
	Metrics         []MetricResult
	// ValueTotal adds the metrics' values; nil when no metric has one.
	ValueTotal *ValueTotal
	ComputedAt time.Time
}

// Primary returns the result of the primary metric, or nil.
func (r *PilotResult) Primary() *MetricResult {
	for n := range r.Metrics {
		if r.Metrics[n].Primary {
			return &r.Metrics[n]
		}
	}
	return nil
}

// Observation is one raw measurement of a metric, as uploaded.
type Observation struct {
	Group  Group
	Period Period
	Value  float64
	UnitID string // optional: the agent, store or customer measured
}

// MaxUnitIDLength bounds an observation's unit id.
const MaxUnitIDLength = 100

// List returns the samples that exist: pilot before, pilot after, control
// before, control after.
func (s MetricSamples) List() []Sample {
	var out []Sample
	for _, x := range []*Sample{s.PilotBefore, s.PilotAfter, s.ControlBefore, s.ControlAfter} {
		if x != nil {
			out = append(out, *x)
		}
	}
	return out
}

// PercentOfBefore puts the metric's direction-adjusted improvement and its
// interval on the scale every design shares, percent of the before level,
// so that metrics of different units sit on one axis. RelativeChange /
// Estimate is 1/level for every design. ok is false when there is nothing
// to scale (not computed, or a zero estimate).
func (m *MetricResult) PercentOfBefore() (improvement float64, ci Interval, ok bool) {
	if !m.Computed || m.RelativeChange == nil || m.Estimate == 0 {
		return 0, Interval{}, false
	}
	scale := math.Abs(*m.RelativeChange/m.Estimate) * 100
	return m.Improvement * scale, Interval{Low: m.ImprovementCI.Low * scale, High: m.ImprovementCI.High * scale}, true
}

// InterimNotice says whether the results shown for a pilot are interim and,
// if so, what to tell whoever reads them.
type InterimNotice struct {
	// Interim is true unless the pilot is completed and its results are the
	// snapshot frozen at completion.
	Interim bool
	// Label is a few words for a chart, e.g. "interim — pilot still running";
	// "" when not interim.
	Label string
	// Warning explains in plain words why an interim verdict is not final:
	// the numbers still move, and looking repeatedly and stopping when they
	// look good inflates the false-positive rate. "" when not interim.
	Warning string
}

// peekingWarning is the part of every interim warning about peeking.
const peekingWarning = "Checking the results repeatedly and stopping the pilot when a result looks good " +
	"inflates the false-positive rate: a difference that is only chance gets taken for a real effect."

// InterimNotice tells whether the pilot's results are interim and how to
// warn about them: they are final only once the pilot is completed and its
// results frozen.
func (p *Pilot) InterimNotice() InterimNotice {
	if p.Status == PilotCompleted && p.Results != nil {
		return InterimNotice{}
	}
	final := "The verdict is final only when the pilot is completed, after running as planned"
	if p.EndDate != nil {
		final += " (until " + p.EndDate.UTC().Format(time.DateOnly) + ", and to the sample size planned for it)."
	} else {
		final += " (to the sample size planned for it)."
	}
	switch p.Status {
	case PilotPlanned:
		return InterimNotice{Interim: true, Label: "interim — pilot not started yet",
			Warning: "Interim results: the pilot has not started yet, so these results come from the data entered so far " +
				"and will change as data arrive. " + peekingWarning + " " + final}
	case PilotRunning:
		return InterimNotice{Interim: true, Label: "interim — pilot still running",
			Warning: "Interim results: the pilot is still running, so these results will change as data arrive. " +
				peekingWarning + " " + final}
	case PilotCancelled:
		return InterimNotice{Interim: true, Label: "interim — pilot cancelled",
			Warning: "Interim results: the pilot was cancelled before it was completed, so these results never became final. " +
				peekingWarning + " Only a completed pilot has a final verdict."}
	}
	// Completed without a frozen snapshot, which Complete does not leave.
	return InterimNotice{Interim: true, Label: "interim — results not frozen",
		Warning: "Interim results: these are not the results frozen when the pilot was completed. " +
			peekingWarning + " Only a completed pilot's frozen results have a final verdict."}
}

// ChangeScale says how a metric's change (its estimate and interval, after
// − before) is written for people: multiplied by scale, in unit. Shares in
// percentage points (×100, "pp"), NPS in points ("pts"), other kinds in
// their own unit, shortened (ShortUnit).
func (m *MetricResult) ChangeScale() (scale float64, unit string) {
	switch m.Kind {
	case KindProportion:
		return 100, "pp"
	case KindNPS:
		return 1, "pts"
	}
	return 1, ShortUnit(m.Unit)
}

// ShortUnit abbreviates a metric's unit: units of time, and percent (a
// change of a mean of percentages is in percentage points); a parenthetical
// is dropped, and a scale such as "1–7" gives no unit.
func ShortUnit(unit string) string {
	u := strings.TrimSpace(unit)
	if i := strings.Index(u, "("); i > 0 {
		u = strings.TrimSpace(u[:i])
	}
	switch strings.ToLower(u) {
	case "s", "sec", "secs", "second", "seconds":
		return "s"
	case "min", "mins", "minute", "minutes":
		return "min"
	case "h", "hr", "hrs", "hour", "hours":
		return "h"
	case "%", "percent", "per cent", "pct":
		return "pp"
	}
	if r, _ := utf8.DecodeRuneInString(u); unicode.IsDigit(r) || r == '-' || r == '−' {
		return ""
	}
	return u
}
