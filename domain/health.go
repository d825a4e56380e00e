package domain

import (
	"cmp"
	"math"
	"time"
)

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

// healthRank orders health from worst to best: failing, at_risk, healthy;
// unknown (nothing to judge) ranks after them all.
func healthRank(h Health) int {
	switch h {
	case HealthFailing:
		return 0
	case HealthAtRisk:
		return 1
	case HealthHealthy:
		return 2
	default:
		return 3
	}
}

// StaleDays is the stale window: a measurement whose period ended StaleDays
// or more days before today (UTC) is stale, too old to say how the
// touchpoint does now. It is the blind-spots report's default window: a
// stale value is one "not measured in the last 90 days" there.
const StaleDays = 90

// IsStale reports whether a period that ended on periodEnd (a calendar date)
// is stale at now: its end is not within the last StaleDays days, today
// (now's UTC date) counting as the first, so a period that ended 89 days ago
// is fresh and one that ended 90 days ago is stale.
func IsStale(periodEnd, now time.Time) bool {
	return !dateOf(periodEnd).After(dateOf(now).AddDate(0, 0, -StaleDays))
}

func dateOf(t time.Time) time.Time {
	y, m, d := t.UTC().Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// JudgeLatest is a touchpoint's health on metric m given its latest
// measurement of it (nil when never measured): the value and HealthOf.
func JudgeLatest(m CatalogueMetric, latest *Measurement) HealthCell {
	cell := HealthCell{Metric: m, Health: HealthUnknown}
	if latest != nil {
		l := *latest
		v, _ := Level(m.Kind, l.Sample)
		cell.Latest, cell.Value = &l, &v
		cell.Health = HealthOf(m, &l)
	}
	return cell
}

// MetricApplies says whether a touchpoint's health report lists metric m:
// when the touchpoint was measured on it, or when m has a target the
// touchpoint could be judged by. A metric with neither says nothing about
// the touchpoint.
func MetricApplies(m CatalogueMetric, measured bool) bool {
	return measured || m.Target != nil
}

// ApplicableHealth judges a touchpoint on each metric of catalogue that
// applies to it (see MetricApplies), in catalogue order, given its latest
// measurement of each metric by metric id.
func ApplicableHealth(catalogue []CatalogueMetric, latest map[string]Measurement) []HealthCell {
	cells := []HealthCell{}
	for _, m := range catalogue {
		l, measured := latest[m.ID]
		if !MetricApplies(m, measured) {
			continue
		}
		if measured {
			cells = append(cells, JudgeLatest(m, &l))
		} else {
			cells = append(cells, JudgeLatest(m, nil))
		}
	}
	return cells
}

// Overall is a touchpoint's overall health and the metric that sets it.
type Overall struct {
	Health Health
	Metric *CatalogueMetric // nil when Health is unknown
	Latest *Measurement     // the metric's latest measurement; nil when Health is unknown
}

// OverallHealth is the worst health among the cells (failing, then at_risk,
// then healthy), with the metric that has it; among metrics equally bad,
// the first by key. Unknown, without a metric, only when no cell could be
// judged (no metric with both a target and a measurement): cells whose own
// health is unknown never set it. Staleness does not change it: a stale
// value is still the latest known, and is flagged beside it.
func OverallHealth(cells []HealthCell) Overall {
	best := -1
	for n, c := range cells {
		if c.Health == HealthUnknown {
			continue
		}
		if best < 0 || cmp.Or(cmp.Compare(healthRank(c.Health), healthRank(cells[best].Health)), cmp.Compare(c.Metric.Key, cells[best].Metric.Key)) < 0 {
			best = n
		}
	}
	if best < 0 {
		return Overall{Health: HealthUnknown}
	}
	m := cells[best].Metric
	return Overall{Health: cells[best].Health, Metric: &m, Latest: cells[best].Latest}
}

// MetricChoice says why a report shows the metric it shows.
type MetricChoice string

// Metric choices.
const (
	// MetricRequested: the request named the metric.
	MetricRequested MetricChoice = "requested"
	// MetricMostMeasured: the metric measured on most of the touchpoints.
	MetricMostMeasured MetricChoice = "most_measured"
	// MetricDefault: nothing is measured; the DefaultReportMetric (or the
	// first metric by key when the catalogue has none such).
	MetricDefault MetricChoice = "default"
)

// MetricPick is the metric a report shows, why, and on how many of its
// touchpoints that metric was measured.
type MetricPick struct {
	Metric   *CatalogueMetric
	ChosenBy MetricChoice
	Measured int
}

// HeatmapMetric picks the metric a journey's heatmap shows, given the
// workspace's catalogue and the journey's touchpoint facts: the metric named
// by id (errors as ReportMetric); without id, the catalogue metric measured
// (at any time) on most of the touchpoints, ties going to the
// DefaultReportMetric, then to the first by key; with nothing measured, the
// DefaultReportMetric, or the first by key when the catalogue lacks it.
// EMalformed naming metric_id for an empty catalogue.
func HeatmapMetric(catalogue []CatalogueMetric, facts []TouchpointFacts, id *string) (MetricPick, error) {
	measured := func(m *CatalogueMetric) int {
		n := 0
		for _, f := range facts {
			if _, ok := f.Latest[m.ID]; ok {
				n++
			}
		}
		return n
	}
	if id != nil {
		m, err := ReportMetric(catalogue, id)
		if err != nil {
			return MetricPick{}, err
		}
		return MetricPick{Metric: m, ChosenBy: MetricRequested, Measured: measured(m)}, nil
	}
	if len(catalogue) == 0 {
		_, err := ReportMetric(catalogue, nil)
		return MetricPick{}, err
	}
	isDefault := func(m *CatalogueMetric) int {
		if m.Key == DefaultReportMetric {
			return 0
		}
		return 1
	}
	counts := make([]int, len(catalogue))
	best := 0
	for n := range catalogue {
		counts[n] = measured(&catalogue[n])
		a, b := &catalogue[n], &catalogue[best]
		if n > 0 && cmp.Or(-cmp.Compare(counts[n], counts[best]), cmp.Compare(isDefault(a), isDefault(b)), cmp.Compare(a.Key, b.Key)) < 0 {
			best = n
		}
	}
	pick := MetricPick{Metric: &catalogue[best], ChosenBy: MetricMostMeasured, Measured: counts[best]}
	if pick.Measured == 0 {
		pick.ChosenBy = MetricDefault
	}
	return pick, nil
}

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

// TrendMetric is the metric a touchpoint's trend shows: the one asked for
// (id; EMalformed naming metric_id when the catalogue has none such), else
// the one that sets the touchpoint's overall health — a failing touchpoint
// opens on what fails —, else the DefaultReportMetric, else the first of
// the catalogue; nil for an empty catalogue.
func TrendMetric(catalogue []CatalogueMetric, overall Overall, id *string) (*CatalogueMetric, error) {
	switch {
	case id != nil:
		return ReportMetric(catalogue, id)
	case overall.Metric != nil:
		return ReportMetric(catalogue, &overall.Metric.ID)
	}
	if m, err := ReportMetric(catalogue, nil); err == nil {
		return m, nil
	}
	if len(catalogue) > 0 {
		return &catalogue[0], nil
	}
	return nil, nil
}
