package domain

import (
	"cmp"
	"context"
	"math"
	"slices"
	"strconv"
	"time"
)

// The portfolio value report (issue 17): what adopted ideas realised, what
// the open pipeline is expected to bring, by owner and by the touchpoint
// where value accrues, and what failing touchpoints cost where a value
// driver prices the metric they fail on. Every amount is in the workspace's
// currency, a year.

// RealisedSums are the sums over adopted ideas with a realised value.
type RealisedSums struct {
	Count       int
	AnnualValue float64
	// BelowSq and AboveSq are Σ (value − ci_low)² and Σ (ci_high − value)²,
	// the squared half-widths of the ideas' intervals, side by side.
	BelowSq, AboveSq  float64
	OneOffCost        float64
	AnnualRunningCost float64
}

// PipelineSums are the sums over open ideas with a business case.
type PipelineSums struct {
	Count                         int
	ExpectedAnnualValue           float64
	ConfidenceWeightedAnnualValue float64 // Σ expected annual value × confidence
	ExpectedNetAnnualValue        float64
	OneOffCost                    float64
	AnnualRunningCost             float64
}

// OwnerSums are one owner's sums ("" is unassigned).
type OwnerSums struct {
	Owner    string
	Realised RealisedSums
	Pipeline PipelineSums
}

// TouchpointValueSums is the value accruing at one touchpoint: the open
// ideas' expected improvements priced by its drivers, and the values that
// adopted ideas' pilots measured on its drivers' metrics.
type TouchpointValueSums struct {
	TouchpointID string
	Name         string
	// Improvements counts the open ideas' expected improvements there.
	Improvements                  int
	ExpectedAnnualValue           float64
	ConfidenceWeightedAnnualValue float64
	// RealisedMetrics counts the adopted pilots' metric values there.
	RealisedMetrics     int
	RealisedAnnualValue float64
}

// DriverMeasurement is a value driver with its touchpoint's name, its
// catalogue metric and the touchpoint's latest measurement of that metric
// (nil when never measured), as health reads it.
type DriverMeasurement struct {
	Driver     ValueDriver
	Touchpoint string // its name
	Metric     CatalogueMetric
	Latest     *Measurement
}

// ValueReportData is what the store reads for the report.
type ValueReportData struct {
	Currency string
	Total    OwnerSums // Owner ""
	Owners   []OwnerSums
	// Touchpoints hold at least those that rank among the first limit by
	// realised + weighted value; TouchpointCount is how many have value.
	Touchpoints     []TouchpointValueSums
	TouchpointCount int
	Drivers         []DriverMeasurement // those whose metric was measured at their touchpoint
}

// ValueReportStore reads the report's data.
type ValueReportStore interface {
	// ValueReportData returns the workspace's sums (kept by the store as
	// ideas change), the value accruing at the touchpoints that can rank
	// among the first limit, and every measured value driver with its metric
	// and latest measurement.
	ValueReportData(ctx context.Context, workspaceID string, limit int) (ValueReportData, error)
}

// RealisedSummary is what adopted ideas realised.
type RealisedSummary struct {
	Count             int
	AnnualValue       float64
	CI                Interval
	OneOffCost        float64
	AnnualRunningCost float64
	NetAnnualValue    float64 // AnnualValue − AnnualRunningCost
	Explanation       string
}

// PipelineSummary is what open ideas are expected to bring.
type PipelineSummary struct {
	PipelineSums
	Explanation string
}

// OwnerValue is one owner's part of the report.
type OwnerValue struct {
	Owner    string // "unassigned" for ideas without an owner
	Realised RealisedSummary
	Pipeline PipelineSummary
}

// FailingTouchpoint is what a touchpoint missing its target on a priced
// metric costs a year.
type FailingTouchpoint struct {
	Driver     ValueDriver
	Touchpoint string
	Metric     CatalogueMetric
	Health     Health // failing or at_risk
	Value      float64
	Target     float64
	// Gap is how far the value misses the target, in the metric's unit,
	// turned so that it is positive (below a higher-is-better target,
	// above a lower-is-better one).
	Gap         float64
	AnnualCost  float64 // Gap × unit value × exposure a year
	PeriodStart time.Time
	PeriodEnd   time.Time
	Explanation string
}

// ValueReport is the portfolio value report.
type ValueReport struct {
	Currency                string
	Realised                RealisedSummary
	Pipeline                PipelineSummary
	ByOwner                 []OwnerValue // biggest first, at most the limit
	OtherOwners             int          // owners beyond the limit
	ByTouchpoint            []TouchpointValueSums
	OtherTouchpoints        int
	FailingTouchpoints      []FailingTouchpoint // costliest first, at most the limit
	OtherFailing            int
	FailingAnnualCost       float64 // of all of them, beyond the limit too
	FailingCostExplanation  string
	ByOwnerExplanation      string
	ByTouchpointExplanation string
}

// UnassignedOwner is how the report names ideas without an owner.
const UnassignedOwner = "unassigned"

// DefaultValueReportLimit is how many owners, touchpoints and failing
// touchpoints the report lists unless asked otherwise; MaxValueReportLimit
// the most it lists.
const (
	DefaultValueReportLimit = 50
	MaxValueReportLimit     = 500
)

// Summary adds up the realised values: the interval's half-widths add as a
// root sum of squares, each side separately, which assumes the ideas'
// errors are independent.
func (s RealisedSums) Summary(currency string) RealisedSummary {
	out := RealisedSummary{Count: s.Count, AnnualValue: s.AnnualValue, OneOffCost: s.OneOffCost,
		AnnualRunningCost: s.AnnualRunningCost, NetAnnualValue: s.AnnualValue - s.AnnualRunningCost,
		CI: Interval{Low: s.AnnualValue - math.Sqrt(math.Max(s.BelowSq, 0)), High: s.AnnualValue + math.Sqrt(math.Max(s.AboveSq, 0))}}
	out.Explanation = "sum of the realised annual values of " + strconv.Itoa(s.Count) + " adopted " + valuePlural(s.Count, "idea", "ideas") +
		" = " + FormatMoney(out.AnnualValue) + " " + currency + "; interval " + FormatMoney(out.CI.Low) + " to " +
		FormatMoney(out.CI.High) + " (each idea's half-widths added as a root sum of squares, below and above separately, " +
		"assuming the ideas' errors are independent: ideas measured on the same customers or metrics make it too narrow); net = " +
		FormatMoney(out.AnnualValue) + " − " + FormatMoney(s.AnnualRunningCost) + " running = " + FormatMoney(out.NetAnnualValue) +
		" " + currency + " a year, after " + FormatMoney(s.OneOffCost) + " " + currency + " one-off"
	return out
}

// Summary explains the pipeline's sums.
func (s PipelineSums) Summary(currency string) PipelineSummary {
	return PipelineSummary{PipelineSums: s, Explanation: strconv.Itoa(s.Count) + " open " + valuePlural(s.Count, "idea", "ideas") +
		" with a business case: expected " + FormatMoney(s.ExpectedAnnualValue) + " " + currency +
		" a year; weighted by each idea's confidence (Σ expected annual value × confidence, what to expect if ideas come true as often as their confidence says) " +
		FormatMoney(s.ConfidenceWeightedAnnualValue) + "; net of running costs " + FormatMoney(s.ExpectedNetAnnualValue) +
		"; one-off costs " + FormatMoney(s.OneOffCost)}
}

func valuePlural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// CostOfGap is what driver d's touchpoint missing its metric's target costs
// a year, judged on the latest measurement as health judges it; ok is false
// when the metric has no target, the touchpoint was never measured on it,
// or the value meets the target.
func CostOfGap(d DriverMeasurement, currency string) (FailingTouchpoint, bool) {
	m := d.Metric
	h := HealthOf(m, d.Latest)
	if h != HealthFailing && h != HealthAtRisk {
		return FailingTouchpoint{}, false
	}
	value, _ := Level(m.Kind, d.Latest.Sample)
	gap := *m.Target - value
	if m.Direction == LowerIsBetter {
		gap = -gap
	}
	f := FailingTouchpoint{Driver: d.Driver, Touchpoint: d.Touchpoint, Metric: m, Health: h, Value: value, Target: *m.Target,
		Gap: gap, AnnualCost: d.Driver.AnnualValue(gap), PeriodStart: d.Latest.PeriodStart, PeriodEnd: d.Latest.PeriodEnd}
	unit := improvementUnit(m.Kind, m.Unit)
	f.Explanation = m.Name + " " + formatQuantity(value) + unit + " against a target of " + formatQuantity(*m.Target) + unit +
		" (" + string(h) + ", " + d.Latest.PeriodStart.Format(time.DateOnly) + " to " + d.Latest.PeriodEnd.Format(time.DateOnly) + "): gap " +
		formatQuantity(gap) + unit + " × " + formatQuantity(d.Driver.UnitValue) + " " + currency + " per" + unitWord(unit) +
		" × " + FormatMoney(d.Driver.ExposurePerYear) + " " + d.Driver.ExposureUnit + " a year = " + FormatMoney(f.AnnualCost) +
		" " + currency + " a year"
	return f, true
}

// NewValueReport assembles the report from the store's data, listing at
// most limit owners, touchpoints and failing touchpoints (biggest first:
// owners and touchpoints by realised plus confidence-weighted pipeline
// value, failing touchpoints by annual cost).
func NewValueReport(d ValueReportData, limit int) ValueReport {
	cur := d.Currency
	r := ValueReport{Currency: cur, Realised: d.Total.Realised.Summary(cur), Pipeline: d.Total.Pipeline.Summary(cur),
		ByOwner: []OwnerValue{}, ByTouchpoint: []TouchpointValueSums{}, FailingTouchpoints: []FailingTouchpoint{}}

	owners := slices.Clone(d.Owners)
	ownerSize := func(o OwnerSums) float64 { return o.Realised.AnnualValue + o.Pipeline.ConfidenceWeightedAnnualValue }
	slices.SortFunc(owners, func(a, b OwnerSums) int {
		return cmp.Or(cmp.Compare(ownerSize(b), ownerSize(a)), cmp.Compare(a.Owner, b.Owner))
	})
	for n, o := range owners {
		if n == limit {
			r.OtherOwners = len(owners) - limit
			break
		}
		name := o.Owner
		if name == "" {
			name = UnassignedOwner
		}
		r.ByOwner = append(r.ByOwner, OwnerValue{Owner: name, Realised: o.Realised.Summary(cur), Pipeline: o.Pipeline.Summary(cur)})
	}
	r.ByOwnerExplanation = "owners by realised annual value + confidence-weighted pipeline value, biggest first; the first " +
		strconv.Itoa(limit) + " listed"

	tps := slices.Clone(d.Touchpoints)
	tpSize := func(t TouchpointValueSums) float64 { return t.RealisedAnnualValue + t.ConfidenceWeightedAnnualValue }
	slices.SortFunc(tps, func(a, b TouchpointValueSums) int {
		return cmp.Or(cmp.Compare(tpSize(b), tpSize(a)), cmp.Compare(a.Name, b.Name), cmp.Compare(a.TouchpointID, b.TouchpointID))
	})
	if len(tps) > limit {
		tps = tps[:limit]
	}
	r.OtherTouchpoints = max(d.TouchpointCount, len(d.Touchpoints)) - len(tps)
	r.ByTouchpoint = append(r.ByTouchpoint, tps...)
	r.ByTouchpointExplanation = "value where it accrues, the touchpoint of each value driver: the open ideas' expected improvements " +
		"(weighted by each idea's confidence) and the values adopted ideas' pilots measured there, by realised + weighted value, biggest first. " +
		"An idea's costs are not split between touchpoints"

	var failing []FailingTouchpoint
	for _, dm := range d.Drivers {
		if f, ok := CostOfGap(dm, cur); ok {
			failing = append(failing, f)
			r.FailingAnnualCost += f.AnnualCost
		}
	}
	slices.SortFunc(failing, func(a, b FailingTouchpoint) int {
		return cmp.Or(cmp.Compare(b.AnnualCost, a.AnnualCost), cmp.Compare(a.Touchpoint, b.Touchpoint), cmp.Compare(a.Metric.Key, b.Metric.Key))
	})
	if len(failing) > limit {
		r.OtherFailing = len(failing) - limit
		failing = failing[:limit]
	}
	r.FailingTouchpoints = append(r.FailingTouchpoints, failing...)
	r.FailingCostExplanation = "for each value driver whose touchpoint's latest measurement of the driver's metric misses the metric's target " +
		"(failing, or at risk: missing within its own 95 % uncertainty): the gap to the target × unit value × exposure a year; " +
		"total " + FormatMoney(r.FailingAnnualCost) + " " + cur + " a year over " + strconv.Itoa(len(failing)+r.OtherFailing) + " " +
		valuePlural(len(failing)+r.OtherFailing, "driver", "drivers")
	return r
}
