package domain

import (
	"math"
	"strings"
	"testing"
	"time"
)

func vnear(a, b float64) bool { return math.Abs(a-b) <= 1e-6*math.Max(1, math.Abs(b)) }

// Two adopted ideas, 41,400 [27,000, 55,800] and 21,600 [10,800, 32,400]:
// the half-widths below are 14,400 and 10,800, √(14,400² + 10,800²) =
// 18,000, and the same above, so 63,000 [45,000, 81,000].
func TestRealisedSummaryAddsHalfWidthsAsRootSumOfSquares(t *testing.T) {
	cases := []struct {
		name           string
		ideas          [][3]float64 // value, low, high
		value, lo, hi  float64
		oneOff, runCst float64
		net            float64
	}{
		{"two symmetric", [][3]float64{{41400, 27000, 55800}, {21600, 10800, 32400}}, 63000, 45000, 81000, 10000, 3000, 60000},
		// Asymmetric: below 3,000 and 4,000 → 5,000; above 5,000 and 12,000 → 13,000.
		{"asymmetric sides", [][3]float64{{10000, 7000, 15000}, {20000, 16000, 32000}}, 30000, 25000, 43000, 0, 0, 30000},
		{"none", nil, 0, 0, 0, 0, 0, 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := RealisedSums{Count: len(tc.ideas), OneOffCost: tc.oneOff, AnnualRunningCost: tc.runCst}
			for _, i := range tc.ideas {
				s.AnnualValue += i[0]
				s.BelowSq += sq(i[0] - i[1])
				s.AboveSq += sq(i[2] - i[0])
			}
			got := s.Summary("EUR")
			if !vnear(got.AnnualValue, tc.value) || !vnear(got.CI.Low, tc.lo) || !vnear(got.CI.High, tc.hi) || !vnear(got.NetAnnualValue, tc.net) {
				t.Fatalf("got %v [%v, %v] net %v, want %v [%v, %v] net %v", got.AnnualValue, got.CI.Low, got.CI.High, got.NetAnnualValue,
					tc.value, tc.lo, tc.hi, tc.net)
			}
			if !strings.Contains(got.Explanation, "independent") || !strings.Contains(got.Explanation, "EUR") {
				t.Errorf("explanation %q", got.Explanation)
			}
		})
	}
	if got := (RealisedSums{Count: 2, AnnualValue: 63000, BelowSq: 18000 * 18000, AboveSq: 18000 * 18000}).Summary("EUR"); !strings.Contains(got.Explanation, "63,000 EUR; interval 45,000 to 81,000") {
		t.Errorf("explanation %q", got.Explanation)
	}
}

func TestCostOfGap(t *testing.T) {
	ptr := func(x float64) *float64 { return &x }
	day := func(s string) time.Time { d, _ := time.Parse(time.DateOnly, s); return d }
	fcr := CatalogueMetric{ID: "m1", Key: "fcr", Name: "First-contact resolution", Kind: KindProportion, Direction: HigherIsBetter, Target: ptr(0.8)}
	aht := CatalogueMetric{ID: "m2", Key: "aht", Name: "Average handle time", Kind: KindMean, Direction: LowerIsBetter, Unit: "s", Target: ptr(300)}
	noTarget := CatalogueMetric{ID: "m3", Key: "volume", Name: "Volume", Kind: KindMean, Direction: LowerIsBetter}
	perCall := ValueDriver{ID: "d1", UnitValue: 4.5, ExposurePerYear: 120000, ExposureUnit: "calls"}
	perSecond := ValueDriver{ID: "d2", UnitValue: 0.015, ExposurePerYear: 120000, ExposureUnit: "calls"}
	m := func(s Sample) *Measurement {
		return &Measurement{PeriodStart: day("2026-10-01"), PeriodEnd: day("2026-10-31"), Sample: s}
	}
	cases := []struct {
		name   string
		d      DriverMeasurement
		ok     bool
		health Health
		gap    float64
		cost   float64
		text   string
	}{
		// 66 % against 80 %: gap 0.14 × 4.5 × 120,000 = 75,600.
		{"failing share", DriverMeasurement{Driver: perCall, Metric: fcr, Latest: m(Sample{N: 1000, Successes: 660})}, true, HealthFailing, 0.14, 75600,
			"First-contact resolution 0.66 (share) against a target of 0.8 (share) (failing, 2026-10-01 to 2026-10-31): gap 0.14 (share) × 4.5 EUR per unit × 120,000 calls a year = 75,600 EUR a year"},
		// 330 s against at most 300 s, se 3: failing; 30 s × 0.015 × 120,000 = 54,000.
		{"failing, lower is better", DriverMeasurement{Driver: perSecond, Metric: aht, Latest: m(Sample{N: 400, Mean: 330, SD: 60})}, true, HealthFailing, 30, 54000, "gap 30 s × 0.015 EUR per s"},
		// 302 s, se 3: misses within its uncertainty, at risk; 2 × 1,800 = 3,600.
		{"at risk", DriverMeasurement{Driver: perSecond, Metric: aht, Latest: m(Sample{N: 400, Mean: 302, SD: 60})}, true, HealthAtRisk, 2, 3600, "at_risk"},
		{"healthy", DriverMeasurement{Driver: perSecond, Metric: aht, Latest: m(Sample{N: 400, Mean: 280, SD: 60})}, false, "", 0, 0, ""},
		{"never measured", DriverMeasurement{Driver: perSecond, Metric: aht}, false, "", 0, 0, ""},
		{"no target", DriverMeasurement{Driver: perSecond, Metric: noTarget, Latest: m(Sample{N: 400, Mean: 330, SD: 60})}, false, "", 0, 0, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f, ok := CostOfGap(tc.d, "EUR")
			if ok != tc.ok {
				t.Fatalf("ok %v, want %v", ok, tc.ok)
			}
			if !ok {
				return
			}
			if f.Health != tc.health || !vnear(f.Gap, tc.gap) || !vnear(f.AnnualCost, tc.cost) {
				t.Errorf("got %s gap %v cost %v, want %s gap %v cost %v", f.Health, f.Gap, f.AnnualCost, tc.health, tc.gap, tc.cost)
			}
			if !strings.Contains(f.Explanation, tc.text) {
				t.Errorf("explanation %q lacks %q", f.Explanation, tc.text)
			}
		})
	}
}

func TestNewValueReport(t *testing.T) {
	ptr := func(x float64) *float64 { return &x }
	fcr := CatalogueMetric{ID: "m1", Key: "fcr", Name: "FCR", Kind: KindProportion, Direction: HigherIsBetter, Target: ptr(0.8)}
	data := ValueReportData{
		Currency: "GBP",
		Total: OwnerSums{Realised: RealisedSums{Count: 1, AnnualValue: 100, BelowSq: 100, AboveSq: 400, AnnualRunningCost: 30},
			Pipeline: PipelineSums{Count: 3, ExpectedAnnualValue: 1000, ConfidenceWeightedAnnualValue: 500}},
		Owners: []OwnerSums{
			{Owner: "Small", Pipeline: PipelineSums{Count: 1, ConfidenceWeightedAnnualValue: 10}},
			{Owner: "", Pipeline: PipelineSums{Count: 1, ConfidenceWeightedAnnualValue: 300}},
			{Owner: "Delivered", Realised: RealisedSums{Count: 1, AnnualValue: 100}, Pipeline: PipelineSums{Count: 1, ConfidenceWeightedAnnualValue: 190}},
		},
		Touchpoints: []TouchpointValueSums{
			{TouchpointID: "t1", Name: "Queue", ConfidenceWeightedAnnualValue: 50},
			{TouchpointID: "t2", Name: "Call", ConfidenceWeightedAnnualValue: 40, RealisedAnnualValue: 100},
			{TouchpointID: "t3", Name: "Bill", ConfidenceWeightedAnnualValue: 60},
		},
		Drivers: []DriverMeasurement{
			{Driver: ValueDriver{ID: "d1", UnitValue: 1, ExposurePerYear: 1000}, Touchpoint: "Queue", Metric: fcr,
				Latest: &Measurement{Sample: Sample{N: 1000, Successes: 700}}}, // 0.1 × 1,000 = 100
			{Driver: ValueDriver{ID: "d2", UnitValue: 2, ExposurePerYear: 1000}, Touchpoint: "Call", Metric: fcr,
				Latest: &Measurement{Sample: Sample{N: 1000, Successes: 600}}}, // 0.2 × 2,000 = 400
			{Driver: ValueDriver{ID: "d3", UnitValue: 2, ExposurePerYear: 1000}, Touchpoint: "Bill", Metric: fcr,
				Latest: &Measurement{Sample: Sample{N: 1000, Successes: 900}}}, // healthy
		},
	}
	r := NewValueReport(data, 2)
	if r.Currency != "GBP" || !vnear(r.Realised.CI.Low, 90) || !vnear(r.Realised.CI.High, 120) || !vnear(r.Realised.NetAnnualValue, 70) {
		t.Errorf("realised %+v", r.Realised)
	}
	if r.Pipeline.ConfidenceWeightedAnnualValue != 500 {
		t.Errorf("pipeline %+v", r.Pipeline)
	}
	if len(r.ByOwner) != 2 || r.ByOwner[0].Owner != UnassignedOwner || r.ByOwner[1].Owner != "Delivered" || r.OtherOwners != 1 {
		t.Errorf("owners %+v, %d more", r.ByOwner, r.OtherOwners)
	}
	if len(r.ByTouchpoint) != 2 || r.ByTouchpoint[0].Name != "Call" || r.ByTouchpoint[1].Name != "Bill" || r.OtherTouchpoints != 1 {
		t.Errorf("touchpoints %+v, %d more", r.ByTouchpoint, r.OtherTouchpoints)
	}
	if len(r.FailingTouchpoints) != 2 || r.FailingTouchpoints[0].Touchpoint != "Call" || !vnear(r.FailingTouchpoints[0].AnnualCost, 400) ||
		!vnear(r.FailingAnnualCost, 500) || r.OtherFailing != 0 {
		t.Errorf("failing %+v, total %v", r.FailingTouchpoints, r.FailingAnnualCost)
	}
	if empty := NewValueReport(ValueReportData{Currency: "EUR"}, 50); empty.ByOwner == nil || empty.ByTouchpoint == nil || empty.FailingTouchpoints == nil || empty.Realised.Count != 0 {
		t.Errorf("empty report %+v", empty)
	}
}
