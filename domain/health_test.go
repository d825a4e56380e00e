package domain

import (
	"math"
	"testing"
	"time"
)

func ptrTo[T any](v T) *T { return &v }

func TestLevel(t *testing.T) {
	tests := []struct {
		kind      MetricKind
		s         Sample
		value, se float64
	}{
		{KindMean, Sample{N: 100, Mean: 300, SD: 50}, 300, 5},
		{KindProportion, Sample{N: 100, Successes: 80}, 0.8, 0.04},
		{KindNPS, Sample{Promoters: 50, Passives: 30, Detractors: 20}, 30, 100 * math.Sqrt((0.5+0.2-0.09)/100)},
		{KindCount, Sample{Events: 16, Exposure: 4}, 4, 1},
	}
	for _, tt := range tests {
		v, se := Level(tt.kind, tt.s)
		if math.Abs(v-tt.value) > 1e-12 || math.Abs(se-tt.se) > 1e-12 {
			t.Errorf("%s: level %g ± %g, want %g ± %g", tt.kind, v, se, tt.value, tt.se)
		}
	}
}

func TestHealthOf(t *testing.T) {
	csat := CatalogueMetric{Kind: KindProportion, Direction: HigherIsBetter, Target: ptrTo(0.8)}
	aht := CatalogueMetric{Kind: KindMean, Direction: LowerIsBetter, Target: ptrTo(300.0)}
	m := func(s Sample) *Measurement { return &Measurement{Sample: s} }
	tests := []struct {
		name   string
		metric CatalogueMetric
		latest *Measurement
		want   Health
	}{
		{"meets target", csat, m(Sample{N: 100, Successes: 80}), HealthHealthy},
		{"beats target", csat, m(Sample{N: 100, Successes: 95}), HealthHealthy},
		// 0.75 ± 1.96·0.0433: the interval reaches 0.8, a miss within noise.
		{"misses within uncertainty", csat, m(Sample{N: 100, Successes: 75}), HealthAtRisk},
		// 0.70 with n = 1000: SE 0.0145, the interval stays below 0.8.
		{"misses beyond uncertainty", csat, m(Sample{N: 1000, Successes: 700}), HealthFailing},
		{"lower is better, under target", aht, m(Sample{N: 100, Mean: 280, SD: 50}), HealthHealthy},
		{"lower is better, just over", aht, m(Sample{N: 100, Mean: 305, SD: 50}), HealthAtRisk},
		{"lower is better, far over", aht, m(Sample{N: 100, Mean: 340, SD: 50}), HealthFailing},
		{"no target", CatalogueMetric{Kind: KindCount, Direction: LowerIsBetter}, m(Sample{Events: 3, Exposure: 1}), HealthUnknown},
		{"no measurement", csat, nil, HealthUnknown},
	}
	for _, tt := range tests {
		if got := HealthOf(tt.metric, tt.latest); got != tt.want {
			t.Errorf("%s: %s, want %s", tt.name, got, tt.want)
		}
	}
}

func TestTrendOf(t *testing.T) {
	aht := CatalogueMetric{Kind: KindMean, Direction: LowerIsBetter}
	series := func(means ...float64) []Measurement {
		out := make([]Measurement, len(means))
		for n, mean := range means {
			out[n] = Measurement{PeriodEnd: time.Date(2026, time.Month(n+1), 28, 0, 0, 0, 0, time.UTC), Sample: Sample{N: 100, Mean: mean, SD: 50}}
		}
		return out
	}
	tests := []struct {
		name    string
		periods []Measurement
		want    Trend
	}{
		{"one period", series(300), TrendUnknown},
		{"falling handle time improves", series(340, 320, 300), TrendImproving},
		{"rising handle time worsens", series(300, 330), TrendWorsening},
		{"within noise (SE 7.1 per difference)", series(300, 310), TrendStable},
		// Only the last six periods count: the old 400 is forgotten.
		{"old periods are ignored", series(400, 300, 300, 300, 300, 300, 302), TrendStable},
	}
	for _, tt := range tests {
		if got := TrendOf(aht, tt.periods); got != tt.want {
			t.Errorf("%s: %s, want %s", tt.name, got, tt.want)
		}
	}
}

func TestCatalogueMetricValidate(t *testing.T) {
	ok := CatalogueMetric{Key: "csat", Name: "CSAT", Kind: KindProportion, Direction: HigherIsBetter, Target: ptrTo(0.8)}
	if err := ok.Validate(); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		change  func(*CatalogueMetric)
		pointer string
	}{
		{func(m *CatalogueMetric) { m.Key = "CSAT" }, "/key"},
		{func(m *CatalogueMetric) { m.Key = "" }, "/key"},
		{func(m *CatalogueMetric) { m.Target = ptrTo(80.0) }, "/target"},
		{func(m *CatalogueMetric) { m.Kind = KindNPS; m.Target = ptrTo(150.0) }, "/target"},
		{func(m *CatalogueMetric) { m.Kind = "median" }, "/kind"},
		{func(m *CatalogueMetric) { m.Direction = "up" }, "/direction"},
	}
	for _, tt := range tests {
		m := ok
		tt.change(&m)
		err, _ := m.Validate().(*Error)
		if err == nil || err.Fields[0].Pointer != tt.pointer {
			t.Errorf("%+v: error %v, want one naming %s", m, err, tt.pointer)
		}
	}
}

func TestLevelInterval(t *testing.T) {
	// A share of 0.8 from 400 answers: se = √(0.8·0.2/400) = 0.02.
	v, ci := LevelInterval(KindProportion, Sample{N: 400, Successes: 320})
	if v != 0.8 || math.Abs(ci.Low-(0.8-healthZ*0.02)) > 1e-12 || math.Abs(ci.High-(0.8+healthZ*0.02)) > 1e-12 {
		t.Fatalf("LevelInterval = %v %+v", v, ci)
	}
}

func TestPercentOfBefore(t *testing.T) {
	rel := -0.1 // handle time 300 s → 270 s: estimate −30 s, −10 %
	for _, tt := range []struct {
		name string
		m    MetricResult
		want []float64 // improvement, low, high; nil when not ok
	}{
		{"lower is better", MetricResult{Computed: true, Estimate: -30, RelativeChange: &rel, Improvement: 30,
			ImprovementCI: Interval{Low: 10, High: 50}}, []float64{10, 10.0 / 3, 50.0 / 3}},
		{"not computed", MetricResult{Estimate: -30, RelativeChange: &rel}, nil},
		{"zero estimate", MetricResult{Computed: true, RelativeChange: &rel}, nil},
		{"no relative change", MetricResult{Computed: true, Estimate: 1}, nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			imp, ci, ok := tt.m.PercentOfBefore()
			if ok != (tt.want != nil) {
				t.Fatalf("ok = %v", ok)
			}
			if ok && (math.Abs(imp-tt.want[0]) > 1e-9 || math.Abs(ci.Low-tt.want[1]) > 1e-9 || math.Abs(ci.High-tt.want[2]) > 1e-9) {
				t.Fatalf("PercentOfBefore = %v %+v, want %v", imp, ci, tt.want)
			}
		})
	}
}
