package domain

import "math"

// Level is a measurement's value in its kind's scale (the mean; the share of
// successes; the NPS in points; events per unit of exposure) and the
// standard error of that value.
func Level(kind MetricKind, s Sample) (value, se float64) {
	switch kind {
	case KindMean:
		return s.Mean, s.SD / math.Sqrt(float64(s.N))
	case KindProportion:
		p := float64(s.Successes) / float64(s.N)
		return p, math.Sqrt(p * (1 - p) / float64(s.N))
	case KindNPS:
		score, se, _ := NPS(NPSSummary{Promoters: s.Promoters, Passives: s.Passives, Detractors: s.Detractors})
		return score, se
	default:
		return float64(s.Events) / s.Exposure, math.Sqrt(float64(s.Events)) / s.Exposure
	}
}

// Health is how a touchpoint does on one metric against its target.
type Health string

// Health levels.
const (
	HealthHealthy Health = "healthy"
	HealthAtRisk  Health = "at_risk"
	HealthFailing Health = "failing"
	HealthUnknown Health = "unknown"
)

// LevelInterval is a measurement's value (see Level) with the 95 %
// interval that the health and trend rules judge it by, so that what a
// client is shown is what the rules used.
func LevelInterval(kind MetricKind, s Sample) (value float64, ci Interval) {
	v, se := Level(kind, s)
	return v, Interval{Low: v - healthZ*se, High: v + healthZ*se}
}

// healthZ is the normal quantile of the 95 % interval the health and trend
// rules use to tell a real miss from noise.
const healthZ = 1.959963984540054

// HealthOf judges the latest measurement against the metric's target:
// unknown without a target or a measurement; healthy when the value meets
// the target; failing when it misses the target by more than its
// uncertainty (the whole 95 % interval lies on the wrong side); at_risk when
// it misses, but within its uncertainty.
func HealthOf(m CatalogueMetric, latest *Measurement) Health {
	if m.Target == nil || latest == nil {
		return HealthUnknown
	}
	value, se := Level(m.Kind, latest.Sample)
	gap := value - *m.Target // positive: above target
	if m.Direction == LowerIsBetter {
		gap = -gap
	}
	switch {
	case gap >= 0:
		return HealthHealthy
	case gap < -healthZ*se:
		return HealthFailing
	default:
		return HealthAtRisk
	}
}

// Trend says which way a metric moved over recent periods.
type Trend string

// Trends.
const (
	TrendImproving Trend = "improving"
	TrendWorsening Trend = "worsening"
	TrendStable    Trend = "stable"
	TrendUnknown   Trend = "unknown"
)

// TrendPeriods is how many of the latest periods a trend looks at.
const TrendPeriods = 6

// TrendOf compares the latest of the periods (oldest first) with the
// earliest of the last TrendPeriods: improving or worsening when the
// direction-adjusted change is larger than 1.96·√(SE₁² + SE₂²), stable
// otherwise, unknown with fewer than two periods.
func TrendOf(m CatalogueMetric, periods []Measurement) Trend {
	if len(periods) < 2 {
		return TrendUnknown
	}
	first := periods[max(0, len(periods)-TrendPeriods)]
	last := periods[len(periods)-1]
	v1, se1 := Level(m.Kind, first.Sample)
	v2, se2 := Level(m.Kind, last.Sample)
	change := v2 - v1
	if m.Direction == LowerIsBetter {
		change = -change
	}
	noise := healthZ * math.Hypot(se1, se2)
	switch {
	case change > noise:
		return TrendImproving
	case change < -noise:
		return TrendWorsening
	default:
		return TrendStable
	}
}
