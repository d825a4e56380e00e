package domain

import (
	"context"
	"math"
	"time"
)

// Measurement is what a touchpoint measured on a catalogue metric in one
// period, as summary statistics of the metric's kind (the fields of Sample;
// its group and period are unused).
type Measurement struct {
	ID           string
	WorkspaceID  string
	TouchpointID string
	MetricID     string
	PeriodStart  time.Time // a calendar date
	PeriodEnd    time.Time // ≥ PeriodStart
	Sample       Sample
	Source       string // optional, e.g. "Qualtrics export 2026-10"
	CreatedAt    time.Time
}

// MaxSourceLength bounds a measurement's source.
const MaxSourceLength = 200

// Validate checks the period, the summary for kind and the source.
func (m *Measurement) Validate(kind MetricKind) error {
	var fe fieldErrors
	if m.PeriodEnd.Before(m.PeriodStart) {
		fe.add("/period_end", "must not be before period_start")
	}
	validateText(&fe, "/source", m.Source, MaxSourceLength)
	if err := m.Sample.Validate(kind); err != nil {
		fe = append(fe, err.(*Error).Fields...)
	}
	return fe.err()
}

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

// MeasurementStore keeps touchpoint measurements.
type MeasurementStore interface {
	// AddMeasurements stores validated measurements in one transaction.
	// EConflict when a touchpoint already has a measurement of the metric
	// for the same period; EInvalid naming the touchpoint or metric when it
	// is not in the workspace.
	AddMeasurements(ctx context.Context, ms []Measurement) error
	// ListMeasurements returns a touchpoint's measurements, newest period
	// first, optionally of one metric, at most limit. ENotFound for the touchpoint.
	ListMeasurements(ctx context.Context, workspaceID, touchpointID string, metricID *string, limit int) ([]Measurement, error)
	// RecentMeasurements returns, by metric id, the touchpoint's latest
	// perMetric measurements of each metric, newest period first. ENotFound.
	RecentMeasurements(ctx context.Context, workspaceID, touchpointID string, perMetric int) (map[string][]Measurement, error)
}

// ImportMeasurements stores, all or nothing, the measurements that read
// makes of an import; read is given the workspace's catalogue by id and by
// key, to resolve each row's metric. It answers how many were stored.
// Errors of read, and of MeasurementStore.AddMeasurements.
func ImportMeasurements(ctx context.Context, store interface {
	CatalogueStore
	MeasurementStore
}, workspaceID string, read func(catalogue map[string]CatalogueMetric) ([]Measurement, error)) (int, error) {
	metrics, err := store.ListCatalogueMetrics(ctx, workspaceID)
	if err != nil {
		return 0, err
	}
	catalogue := make(map[string]CatalogueMetric, 2*len(metrics))
	for _, m := range metrics {
		catalogue[m.ID], catalogue[m.Key] = m, m
	}
	ms, err := read(catalogue)
	if err != nil {
		return 0, err
	}
	return len(ms), store.AddMeasurements(ctx, ms)
}
