package domain

import (
	"encoding/json"
	"math"
	"reflect"
	"slices"
	"strings"
	"testing"

	"gonum.org/v1/gonum/stat/distuv"
)

// The expected values are either published (W2: R's t.test, C1: R's
// poisson.test, P1: the RPubs worked example of a two-proportion z test, D1:
// Card & Krueger 1994, Table 3) or worked by hand from an estimate,
// a standard error and degrees of freedom: the interval is est ± q·SE with q
// the t (or normal) quantile and p = 2·F(−|est/SE|).

func meanSample(n int, mean, sd float64) *Sample { return &Sample{N: n, Mean: mean, SD: sd} }
func propSample(successes, n int) *Sample        { return &Sample{N: n, Successes: successes} }
func npsSample(p, pa, d int) *Sample             { return &Sample{Promoters: p, Passives: pa, Detractors: d} }
func countSample(events int, exposure float64) *Sample {
	return &Sample{Events: events, Exposure: exposure}
}

func testMetric(kind MetricKind, dir Direction) Metric {
	return Metric{ID: "m1", Name: "Handle time", Unit: "minutes", Kind: kind, Direction: dir}
}

// quantile is the two-sided 95% quantile of t with df degrees of freedom,
// or of the normal distribution when df is +Inf.
func quantile975(df float64) float64 {
	if math.IsInf(df, 1) {
		return z975
	}
	return distuv.StudentsT{Mu: 0, Sigma: 1, Nu: df}.Quantile(0.975)
}

// twoSidedPValue is 2·F(−|stat|) for t with df degrees of freedom, or the
// normal distribution when df is +Inf.
func twoSidedPValue(stat, df float64) float64 {
	if math.IsInf(df, 1) {
		return 2 * distuv.UnitNormal.CDF(-math.Abs(stat))
	}
	return 2 * distuv.StudentsT{Mu: 0, Sigma: 1, Nu: df}.CDF(-math.Abs(stat))
}

func tInterval(est, se, df float64) Interval {
	q := quantile975(df)
	return Interval{Low: est - q*se, High: est + q*se}
}

func float64Ptr(v float64) *float64 { return &v }

// wantChange is the expected outcome of one analysis; relCI is checked only
// when set, and a nil relative means RelativeChange must be nil.
type wantChange struct {
	design   Design
	test     string
	estimate float64
	ci       Interval
	p        float64
	relative *float64
	relCI    *Interval
	verdict  Verdict
	tol      float64
}

func checkChange(t *testing.T, r MetricResult, want wantChange) {
	t.Helper()
	if !r.Computed {
		t.Fatalf("not computed: %v", r.Warnings)
	}
	if r.Design != want.design || r.Test != want.test || r.Verdict != want.verdict {
		t.Errorf("design, test, verdict = %s, %s, %s; want %s, %s, %s",
			r.Design, r.Test, r.Verdict, want.design, want.test, want.verdict)
	}
	assertClose(t, "estimate", r.Estimate, want.estimate, want.tol)
	assertClose(t, "CI low", r.CI.Low, want.ci.Low, want.tol)
	assertClose(t, "CI high", r.CI.High, want.ci.High, want.tol)
	assertClose(t, "p", r.PValue, want.p, want.tol)
	switch {
	case want.relative == nil && r.RelativeChange != nil:
		t.Errorf("relative change = %g, want none", *r.RelativeChange)
	case want.relative != nil && r.RelativeChange == nil:
		t.Errorf("relative change missing, want %g", *want.relative)
	case want.relative != nil:
		assertClose(t, "relative change", *r.RelativeChange, *want.relative, want.tol)
	}
	switch {
	case want.relCI == nil && r.RelativeCI != nil:
		t.Errorf("relative CI = %+v, want none", *r.RelativeCI)
	case want.relCI != nil && r.RelativeCI == nil:
		t.Errorf("relative CI missing, want %+v", *want.relCI)
	case want.relCI != nil:
		assertClose(t, "relative CI low", r.RelativeCI.Low, want.relCI.Low, want.tol)
		assertClose(t, "relative CI high", r.RelativeCI.High, want.relCI.High, want.tol)
	}
	assertResultFinite(t, r)
}

// assertResultFinite fails if any number of r is NaN or infinite, or if r
// does not survive encoding/json, which rejects both.
func assertResultFinite(t *testing.T, r MetricResult) {
	t.Helper()
	vs := []float64{r.Estimate, r.CI.Low, r.CI.High, r.PValue, r.Improvement, r.ImprovementCI.Low, r.ImprovementCI.High}
	if r.RelativeChange != nil {
		vs = append(vs, *r.RelativeChange)
	}
	if r.RelativeCI != nil {
		vs = append(vs, r.RelativeCI.Low, r.RelativeCI.High)
	}
	for _, v := range vs {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			t.Fatalf("non-finite number in %+v", r)
		}
	}
	if _, err := json.Marshal(r); err != nil {
		t.Fatalf("json: %v", err)
	}
	if r.Warnings == nil {
		t.Error("Warnings is nil, want an empty slice")
	}
	if r.PValue < 0 || r.PValue > 1 || r.CI.Low > r.CI.High {
		t.Errorf("p %g or CI %+v out of shape", r.PValue, r.CI)
	}
}

// warningWith returns the one warning containing substr, failing if there is
// none or more than one.
func warningWith(t *testing.T, r MetricResult, substr string) string {
	t.Helper()
	var found []string
	for _, w := range r.Warnings {
		if strings.Contains(w, substr) {
			found = append(found, w)
		}
	}
	if len(found) != 1 {
		t.Fatalf("warnings with %q: %q; all warnings: %q", substr, found, r.Warnings)
	}
	return found[0]
}

func TestAnalyzeMetricMeans(t *testing.T) {
	// W2: R's t.test of after (10.4, sd 1.17378779) against before (11.4,
	// sd 1.26491106), n 10 each.
	w2After, w2Before := meanSample(10, 10.4, 1.17378779), meanSample(10, 11.4, 1.26491106)
	w2Lift, err := RelativeLift(meanSummary(w2After), meanSummary(w2Before), 0.95)
	if err != nil {
		t.Fatal(err)
	}
	// D1: Card & Krueger's change scores. SE 0.54 and 1.25 with 100 stores
	// each give SDs of 5.4 and 12.5; SE of the DiD √(0.54² + 1.25²).
	d1SE := math.Hypot(0.54, 1.25)
	d1DF := math.Pow(0.54*0.54+1.25*1.25, 2) / ((math.Pow(0.54, 4) + math.Pow(1.25, 4)) / 99)
	// Independent DiD: every v = 5²/25 = 1, so SE = 2 and ν = 4²/(4/24) = 96;
	// r = 3/10 with Var(r)·10² = 1 + 1 + 1 + 1.3²·1 = 4.69.
	didRelCI := tInterval(0.3, math.Sqrt(4.69)/10, 96)
	// A negative before mean (−10 → −7): the relative change divides by
	// |−10|, so it is +0.3 like the change, and RelativeLift's interval of
	// −0.3 turns round with it.
	negLift, err := RelativeLift(MeanSummary{N: 25, Mean: -7, SD: 5}, MeanSummary{N: 25, Mean: -10, SD: 5}, 0.95)
	if err != nil {
		t.Fatal(err)
	}
	negRelCI := Interval{Low: -negLift.CI.High, High: -negLift.CI.Low}
	// Its DiD (−10 → −6 against −10 → −9): r = 3/−10 for the variance,
	// 1 + 1 + 1 + 0.7²·1 = 3.49, and the change reported is 3/|−10|.
	negDidRelCI := tInterval(0.3, math.Sqrt(3.49)/10, 96)
	tests := []struct {
		name    string
		samples MetricSamples
		want    wantChange
	}{
		{
			name:    "W2 before_after",
			samples: MetricSamples{PilotBefore: w2Before, PilotAfter: w2After},
			want: wantChange{
				design: DesignBeforeAfter, test: "welch_t", estimate: -1,
				ci: Interval{Low: -2.1469104, High: 0.1469104}, p: 0.08356,
				relative: float64Ptr(-1 / 11.4), relCI: &w2Lift.CI, verdict: VerdictInconclusive, tol: 5e-6,
			},
		},
		{
			name: "difference in differences",
			samples: MetricSamples{
				PilotBefore: meanSample(25, 10, 5), PilotAfter: meanSample(25, 14, 5),
				ControlBefore: meanSample(25, 10, 5), ControlAfter: meanSample(25, 11, 5),
			},
			want: wantChange{
				design: DesignDiffInDiff, test: "diff_in_diff_welch_t", estimate: 3,
				ci: tInterval(3, 2, 96), p: twoSidedPValue(1.5, 96),
				relative: float64Ptr(0.3), relCI: &didRelCI, verdict: VerdictInconclusive, tol: 1e-9,
			},
		},
		{
			// Change scores: mean 3, SD 4, 16 units: SE 1, t = 3 on 15 df.
			name: "paired before_after",
			samples: MetricSamples{
				PilotBefore: meanSample(16, 20, 6), PilotAfter: meanSample(16, 23, 6),
				PilotChange: &MeanSummary{N: 16, Mean: 3, SD: 4},
			},
			want: wantChange{
				design: DesignPairedBeforeAfter, test: "paired_t", estimate: 3,
				ci: tInterval(3, 1, 15), p: twoSidedPValue(3, 15),
				relative: float64Ptr(3.0 / 20), verdict: VerdictImproved, tol: 1e-9,
			},
		},
		{
			name: "D1 paired difference in differences",
			samples: MetricSamples{
				PilotBefore: meanSample(100, 20.44, 9), PilotAfter: meanSample(100, 21.03, 9),
				ControlBefore: meanSample(100, 23.33, 11), ControlAfter: meanSample(100, 21.17, 11),
				PilotChange: &MeanSummary{N: 100, Mean: 0.59, SD: 5.4}, ControlChange: &MeanSummary{N: 100, Mean: -2.16, SD: 12.5},
			},
			want: wantChange{
				design: DesignPairedDiffInDiff, test: "welch_t", estimate: 2.75,
				ci: tInterval(2.75, d1SE, d1DF), p: twoSidedPValue(2.75/d1SE, d1DF),
				relative: float64Ptr(2.75 / 20.44), verdict: VerdictImproved, tol: 1e-9,
			},
		},
		{
			name:    "before_after, negative before mean",
			samples: MetricSamples{PilotBefore: meanSample(25, -10, 5), PilotAfter: meanSample(25, -7, 5)},
			want: wantChange{
				design: DesignBeforeAfter, test: "welch_t", estimate: 3,
				ci: tInterval(3, math.Sqrt2, 48), p: twoSidedPValue(3/math.Sqrt2, 48),
				relative: float64Ptr(0.3), relCI: &negRelCI, verdict: VerdictImproved, tol: 1e-9,
			},
		},
		{
			name: "difference in differences, negative before mean",
			samples: MetricSamples{
				PilotBefore: meanSample(25, -10, 5), PilotAfter: meanSample(25, -6, 5),
				ControlBefore: meanSample(25, -10, 5), ControlAfter: meanSample(25, -9, 5),
			},
			want: wantChange{
				design: DesignDiffInDiff, test: "diff_in_diff_welch_t", estimate: 3,
				ci: tInterval(3, 2, 96), p: twoSidedPValue(1.5, 96),
				relative: float64Ptr(0.3), relCI: &negDidRelCI, verdict: VerdictInconclusive, tol: 1e-9,
			},
		},
		{
			name: "paired before_after, negative before mean",
			samples: MetricSamples{
				PilotBefore: meanSample(16, -20, 6), PilotAfter: meanSample(16, -23, 6),
				PilotChange: &MeanSummary{N: 16, Mean: -3, SD: 4},
			},
			want: wantChange{
				design: DesignPairedBeforeAfter, test: "paired_t", estimate: -3,
				ci: tInterval(-3, 1, 15), p: twoSidedPValue(3, 15),
				relative: float64Ptr(-3.0 / 20), verdict: VerdictWorsened, tol: 1e-9,
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := AnalyzeMetric(testMetric(KindMean, HigherIsBetter), tt.samples, 0.95)
			checkChange(t, r, tt.want)
		})
	}
	t.Run("D1 SE", func(t *testing.T) {
		assertDigits(t, "SE", d1SE, "1.36")
	})
}

func TestAnalyzeMetricProportionsNPSCounts(t *testing.T) {
	// P1: SE of the interval √(.12·.88 + .16·.84)/√1200 = √0.0002.
	p1SE := math.Sqrt(0.0002)
	// Proportion DiD: p = .1, .2, .1, .12 of 1000 each.
	propSE := math.Sqrt((.09 + .16 + .09 + .12*.88) / 1000)
	// NPS variances per answer: (50, 30, 20) → .5 + .2 − .3² = .61,
	// (60, 30, 10) → .7 − .5² = .45, (20, 30, 50) → .61, (30, 30, 40) → .69;
	// SE² = 100²·variance/100 = 100·variance.
	// C1: R's poisson.test(c(10, 2), c(20000, 17887)).
	c1Before := 2.0 / 17887
	c1RelCI := Interval{Low: 0.9529548 - 1, High: 41.97438 - 1}
	// Count DiD: rates 1 → 0.5 in the pilot group, 1 → 1 in control; RRR 0.5
	// with SE(ln RRR) = √(3/100 + 1/50).
	rrrSE := math.Sqrt(0.05)
	rrrCI := Interval{Low: 0.5*math.Exp(-z975*rrrSE) - 1, High: 0.5*math.Exp(z975*rrrSE) - 1}
	tests := []struct {
		name    string
		kind    MetricKind
		dir     Direction
		samples MetricSamples
		want    wantChange
	}{
		{
			name: "P1 proportion before_after", kind: KindProportion, dir: HigherIsBetter,
			samples: MetricSamples{PilotBefore: propSample(192, 1200), PilotAfter: propSample(144, 1200)},
			want: wantChange{
				design: DesignBeforeAfter, test: "two_proportion_z", estimate: -0.04,
				ci: tInterval(-0.04, p1SE, math.Inf(1)), p: 0.0047,
				relative: float64Ptr(-0.25), verdict: VerdictWorsened, tol: 5e-5,
			},
		},
		{
			name: "proportion difference in differences", kind: KindProportion, dir: HigherIsBetter,
			samples: MetricSamples{
				PilotBefore: propSample(100, 1000), PilotAfter: propSample(200, 1000),
				ControlBefore: propSample(100, 1000), ControlAfter: propSample(120, 1000),
			},
			want: wantChange{
				design: DesignDiffInDiff, test: "diff_in_diff_z", estimate: 0.08,
				ci: tInterval(0.08, propSE, math.Inf(1)), p: twoSidedPValue(0.08/propSE, math.Inf(1)),
				relative: float64Ptr(0.8), verdict: VerdictImproved, tol: 1e-12,
			},
		},
		{
			name: "NPS before_after", kind: KindNPS, dir: HigherIsBetter,
			samples: MetricSamples{PilotBefore: npsSample(50, 30, 20), PilotAfter: npsSample(60, 30, 10)},
			want: wantChange{
				design: DesignBeforeAfter, test: "nps_z", estimate: 20,
				ci: tInterval(20, math.Sqrt(106), math.Inf(1)), p: twoSidedPValue(20/math.Sqrt(106), math.Inf(1)),
				relative: float64Ptr(20.0 / 30), verdict: VerdictInconclusive, tol: 1e-9,
			},
		},
		{
			// From −30 to −10: relative to |−30| the change is +2/3, not −2/3.
			name: "NPS negative baseline", kind: KindNPS, dir: HigherIsBetter,
			samples: MetricSamples{PilotBefore: npsSample(20, 30, 50), PilotAfter: npsSample(30, 30, 40)},
			want: wantChange{
				design: DesignBeforeAfter, test: "nps_z", estimate: 20,
				ci: tInterval(20, math.Sqrt(130), math.Inf(1)), p: twoSidedPValue(20/math.Sqrt(130), math.Inf(1)),
				relative: float64Ptr(20.0 / 30), verdict: VerdictInconclusive, tol: 1e-9,
			},
		},
		{
			name: "NPS difference in differences", kind: KindNPS, dir: HigherIsBetter,
			samples: MetricSamples{
				PilotBefore: npsSample(50, 30, 20), PilotAfter: npsSample(60, 30, 10),
				ControlBefore: npsSample(50, 30, 20), ControlAfter: npsSample(50, 30, 20),
			},
			want: wantChange{
				design: DesignDiffInDiff, test: "nps_diff_in_diff_z", estimate: 20,
				ci: tInterval(20, math.Sqrt(228), math.Inf(1)), p: twoSidedPValue(20/math.Sqrt(228), math.Inf(1)),
				relative: float64Ptr(20.0 / 30), verdict: VerdictInconclusive, tol: 1e-9,
			},
		},
		{
			name: "C1 count before_after", kind: KindCount, dir: LowerIsBetter,
			samples: MetricSamples{PilotBefore: countSample(2, 17887), PilotAfter: countSample(10, 20000)},
			want: wantChange{
				design: DesignBeforeAfter, test: "poisson_rate_ratio", estimate: 10.0/20000 - c1Before,
				ci: Interval{Low: c1Before * c1RelCI.Low, High: c1Before * c1RelCI.High}, p: 0.04209885,
				relative: float64Ptr(4.47175 - 1), relCI: &c1RelCI, verdict: VerdictInconclusive, tol: 5e-5,
			},
		},
		{
			name: "count difference in differences", kind: KindCount, dir: LowerIsBetter,
			samples: MetricSamples{
				PilotBefore: countSample(100, 100), PilotAfter: countSample(50, 100),
				ControlBefore: countSample(100, 100), ControlAfter: countSample(100, 100),
			},
			want: wantChange{
				design: DesignDiffInDiff, test: "poisson_ratio_of_rate_ratios", estimate: -0.5,
				ci: rrrCI, p: twoSidedPValue(math.Log(0.5)/rrrSE, math.Inf(1)),
				relative: float64Ptr(-0.5), relCI: &rrrCI, verdict: VerdictImproved, tol: 1e-12,
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := AnalyzeMetric(testMetric(tt.kind, tt.dir), tt.samples, 0.95)
			checkChange(t, r, tt.want)
		})
	}
}

// The published C1 digits, checked to the digits shown.
func TestAnalyzeMetricC1Digits(t *testing.T) {
	r := AnalyzeMetric(testMetric(KindCount, LowerIsBetter),
		MetricSamples{PilotBefore: countSample(2, 17887), PilotAfter: countSample(10, 20000)}, 0.95)
	if r.RelativeChange == nil || r.RelativeCI == nil {
		t.Fatalf("no relative change: %+v", r)
	}
	assertDigits(t, "RR", *r.RelativeChange+1, "4.47175")
	assertDigits(t, "RR low", r.RelativeCI.Low+1, "0.9529548")
	assertDigits(t, "RR high", r.RelativeCI.High+1, "41.97438")
	assertDigits(t, "p", r.PValue, "0.04209885")
	// Two events before is below the rule of thumb; the exposures are even.
	warningWith(t, r, "too few observations in pilot before (2 events)")
	if len(r.Warnings) != 1 {
		t.Errorf("warnings = %q, want only the too-few one", r.Warnings)
	}
}

func TestAnalyzeMetricDirection(t *testing.T) {
	p1 := MetricSamples{PilotBefore: propSample(192, 1200), PilotAfter: propSample(144, 1200)}
	tests := []struct {
		dir       Direction
		guardrail bool
		verdict   Verdict
		sign      float64
		breached  bool
	}{
		{HigherIsBetter, false, VerdictWorsened, 1, false},
		{HigherIsBetter, true, VerdictWorsened, 1, true},
		{LowerIsBetter, false, VerdictImproved, -1, false},
		{LowerIsBetter, true, VerdictImproved, -1, false},
	}
	for _, tt := range tests {
		m := testMetric(KindProportion, tt.dir)
		m.Guardrail = tt.guardrail
		t.Run(string(tt.dir), func(t *testing.T) {
			r := AnalyzeMetric(m, p1, 0.95)
			if r.Verdict != tt.verdict || r.GuardrailBreached != tt.breached {
				t.Errorf("verdict %s, breached %v; want %s, %v", r.Verdict, r.GuardrailBreached, tt.verdict, tt.breached)
			}
			if r.Improvement != tt.sign*r.Estimate {
				t.Errorf("improvement %g, estimate %g", r.Improvement, r.Estimate)
			}
			want := r.CI
			if tt.sign < 0 {
				want = Interval{Low: -r.CI.High, High: -r.CI.Low}
			}
			if r.ImprovementCI != want {
				t.Errorf("improvement CI %+v, want %+v", r.ImprovementCI, want)
			}
			assertClose(t, "estimate, whatever the direction", r.Estimate, -0.04, 1e-15)
		})
	}
}

func TestAnalyzeMetricCopiesMetric(t *testing.T) {
	m := Metric{ID: "id", Name: "FCR", Unit: "share", Kind: KindProportion, Direction: LowerIsBetter, Primary: true, Guardrail: true}
	r := AnalyzeMetric(m, MetricSamples{}, 0.95)
	if r.MetricID != "id" || r.Name != "FCR" || r.Unit != "share" || r.Kind != KindProportion ||
		r.Direction != LowerIsBetter || !r.Primary || !r.Guardrail {
		t.Errorf("metric fields not copied: %+v", r)
	}
}

func TestAnalyzeMetricMissingSamples(t *testing.T) {
	s := meanSample(20, 5, 1)
	tests := []struct {
		name     string
		samples  MetricSamples
		design   Design
		warnings []string
		sizes    SampleSizes
	}{
		{"nothing", MetricSamples{}, DesignBeforeAfter,
			[]string{"missing sample: pilot before", "missing sample: pilot after"}, SampleSizes{}},
		{"no before", MetricSamples{PilotAfter: s}, DesignBeforeAfter,
			[]string{"missing sample: pilot before"}, SampleSizes{PilotAfter: 20}},
		{"no after, with control", MetricSamples{PilotBefore: s, ControlBefore: s, ControlAfter: s}, DesignDiffInDiff,
			[]string{"missing sample: pilot after"}, SampleSizes{PilotBefore: 20, ControlBefore: 20, ControlAfter: 20}},
		{"no before, one control sample", MetricSamples{PilotAfter: s, ControlAfter: s}, DesignBeforeAfter,
			[]string{"control group has only an after sample; analysed without control", "missing sample: pilot before"},
			SampleSizes{PilotAfter: 20, ControlAfter: 20}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := AnalyzeMetric(testMetric(KindMean, HigherIsBetter), tt.samples, 0.95)
			if r.Computed || r.Verdict != VerdictInconclusive || r.Design != tt.design {
				t.Errorf("computed %v, verdict %s, design %s", r.Computed, r.Verdict, r.Design)
			}
			if !slices.Equal(r.Warnings, tt.warnings) {
				t.Errorf("warnings = %q, want %q", r.Warnings, tt.warnings)
			}
			if r.Sizes != tt.sizes {
				t.Errorf("sizes = %+v, want %+v", r.Sizes, tt.sizes)
			}
			if r.Estimate != 0 || r.CI != (Interval{}) || r.RelativeChange != nil || r.Test != "" {
				t.Errorf("numbers set although not computed: %+v", r)
			}
		})
	}
}

func TestAnalyzeMetricOneControlSample(t *testing.T) {
	before, after := propSample(50, 100), propSample(60, 100)
	for _, tt := range []struct {
		name    string
		control MetricSamples
		warning string
	}{
		{"before only", MetricSamples{ControlBefore: propSample(50, 100)}, "control group has only a before sample; analysed without control"},
		{"after only", MetricSamples{ControlAfter: propSample(50, 100)}, "control group has only an after sample; analysed without control"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s := tt.control
			s.PilotBefore, s.PilotAfter = before, after
			r := AnalyzeMetric(testMetric(KindProportion, HigherIsBetter), s, 0.95)
			if !r.Computed || r.Design != DesignBeforeAfter || r.Test != "two_proportion_z" {
				t.Errorf("computed %v, design %s, test %s", r.Computed, r.Design, r.Test)
			}
			if !slices.Equal(r.Warnings, []string{tt.warning}) {
				t.Errorf("warnings = %q", r.Warnings)
			}
			assertClose(t, "estimate", r.Estimate, 0.1, 1e-15)
		})
	}
}

func TestAnalyzeMetricPairedFallback(t *testing.T) {
	before, after := meanSample(30, 10, 2), meanSample(30, 11, 2)
	tests := []struct {
		name    string
		samples MetricSamples
		design  Design
		sizes   SampleSizes
		warning bool
	}{
		{
			name:    "one unit measured twice",
			samples: MetricSamples{PilotBefore: before, PilotAfter: after, PilotChange: &MeanSummary{N: 1, Mean: 1}},
			design:  DesignBeforeAfter, sizes: SampleSizes{PilotBefore: 30, PilotAfter: 30}, warning: true,
		},
		{
			name: "one control unit measured twice",
			samples: MetricSamples{
				PilotBefore: before, PilotAfter: after, ControlBefore: before, ControlAfter: before,
				PilotChange: &MeanSummary{N: 30, Mean: 1, SD: 1}, ControlChange: &MeanSummary{N: 1},
			},
			design: DesignDiffInDiff, sizes: SampleSizes{PilotBefore: 30, PilotAfter: 30, ControlBefore: 30, ControlAfter: 30}, warning: true,
		},
		{
			// Pairing only the pilot group would mix two kinds of variance.
			name: "control without change scores",
			samples: MetricSamples{
				PilotBefore: before, PilotAfter: after, ControlBefore: before, ControlAfter: before,
				PilotChange: &MeanSummary{N: 30, Mean: 1, SD: 1},
			},
			design: DesignDiffInDiff, sizes: SampleSizes{PilotBefore: 30, PilotAfter: 30, ControlBefore: 30, ControlAfter: 30},
		},
		{
			name: "paired units reported",
			samples: MetricSamples{
				PilotBefore: before, PilotAfter: after, ControlBefore: before, ControlAfter: before,
				PilotChange: &MeanSummary{N: 28, Mean: 1, SD: 1}, ControlChange: &MeanSummary{N: 25, Mean: 0, SD: 1},
			},
			design: DesignPairedDiffInDiff,
			sizes:  SampleSizes{PilotBefore: 30, PilotAfter: 30, ControlBefore: 30, ControlAfter: 30, PilotUnits: 28, ControlUnits: 25},
		},
		{
			name:    "paired before_after units reported",
			samples: MetricSamples{PilotBefore: before, PilotAfter: after, PilotChange: &MeanSummary{N: 30, Mean: 1, SD: 1}},
			design:  DesignPairedBeforeAfter, sizes: SampleSizes{PilotBefore: 30, PilotAfter: 30, PilotUnits: 30},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := AnalyzeMetric(testMetric(KindMean, HigherIsBetter), tt.samples, 0.95)
			if !r.Computed || r.Design != tt.design || r.Sizes != tt.sizes {
				t.Errorf("computed %v, design %s, sizes %+v; want design %s, sizes %+v (warnings %q)",
					r.Computed, r.Design, r.Sizes, tt.design, tt.sizes, r.Warnings)
			}
			if got := slices.Contains(r.Warnings, warnUnpairedFallback); got != tt.warning {
				t.Errorf("fallback warning %v, want %v: %q", got, tt.warning, r.Warnings)
			}
		})
	}
	t.Run("proportions ignore change scores", func(t *testing.T) {
		s := MetricSamples{PilotBefore: propSample(5, 10), PilotAfter: propSample(6, 10), PilotChange: &MeanSummary{N: 10, Mean: 1, SD: 1}}
		if r := AnalyzeMetric(testMetric(KindProportion, HigherIsBetter), s, 0.95); r.Design != DesignBeforeAfter {
			t.Errorf("design %s, want %s", r.Design, DesignBeforeAfter)
		}
	})
}

func TestAnalyzeMetricSizes(t *testing.T) {
	tests := []struct {
		name    string
		kind    MetricKind
		samples MetricSamples
		want    SampleSizes
	}{
		{"nps answers", KindNPS, MetricSamples{PilotBefore: npsSample(10, 20, 30), PilotAfter: npsSample(40, 5, 5)},
			SampleSizes{PilotBefore: 60, PilotAfter: 50}},
		{"count events", KindCount, MetricSamples{PilotBefore: countSample(12, 1.5), PilotAfter: countSample(30, 2)},
			SampleSizes{PilotBefore: 12, PilotAfter: 30}},
		{"proportion trials, unused control sample too", KindProportion,
			MetricSamples{PilotBefore: propSample(10, 40), PilotAfter: propSample(10, 50), ControlAfter: propSample(10, 60)},
			SampleSizes{PilotBefore: 40, PilotAfter: 50, ControlAfter: 60}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if r := AnalyzeMetric(testMetric(tt.kind, HigherIsBetter), tt.samples, 0.95); r.Sizes != tt.want {
				t.Errorf("sizes = %+v, want %+v", r.Sizes, tt.want)
			}
		})
	}
}

func TestAnalyzeMetricSampleWarnings(t *testing.T) {
	tests := []struct {
		name    string
		kind    MetricKind
		samples MetricSamples
		want    []string // the complete list
	}{
		{"clean means", KindMean, MetricSamples{PilotBefore: meanSample(30, 5, 1), PilotAfter: meanSample(40, 5, 1)}, []string{}},
		{"zero variance", KindMean, MetricSamples{PilotBefore: meanSample(30, 5, 0), PilotAfter: meanSample(30, 6, 1)},
			[]string{"zero variance in pilot before: every value is the same, so the interval understates the uncertainty"}},
		{"zero variance in change scores", KindMean, MetricSamples{
			PilotBefore: meanSample(30, 5, 1), PilotAfter: meanSample(30, 6, 1), PilotChange: &MeanSummary{N: 30, Mean: 1},
		}, []string{warnNoSpread, "zero variance in pilot change scores: every value is the same, so the interval understates the uncertainty"}},
		{"few means", KindMean, MetricSamples{
			PilotBefore: meanSample(8, 5, 1), PilotAfter: meanSample(12, 5, 1), ControlBefore: meanSample(9, 5, 1), ControlAfter: meanSample(12, 5, 1),
		}, []string{"too few observations in pilot before (n = 8), control before (n = 9): fewer than 10 observations, so the t test may be unreliable"}},
		{"few change scores", KindMean, MetricSamples{
			PilotBefore: meanSample(30, 5, 1), PilotAfter: meanSample(30, 6, 1), PilotChange: &MeanSummary{N: 5, Mean: 1, SD: 1},
		}, []string{"too few observations in pilot change scores (n = 5): fewer than 10 observations, so the t test may be unreliable"}},
		{"few proportion outcomes", KindProportion, MetricSamples{PilotBefore: propSample(4, 100), PilotAfter: propSample(97, 100)},
			[]string{"too few observations in pilot before (4 successes, 96 failures), pilot after (97 successes, 3 failures): " +
				"fewer than 5 successes or failures, so the normal approximation may be poor"}},
		{"few NPS answers", KindNPS, MetricSamples{PilotBefore: npsSample(10, 10, 9), PilotAfter: npsSample(10, 10, 10)},
			[]string{"too few observations in pilot before (29 answers): fewer than 30 answers, so the normal approximation may be poor"}},
		{"few events", KindCount, MetricSamples{PilotBefore: countSample(9, 10), PilotAfter: countSample(10, 10)},
			[]string{"too few observations in pilot before (9 events): fewer than 10 events, so the interval is wide"}},
		{"exactly 4 times is balanced", KindMean, MetricSamples{PilotBefore: meanSample(400, 5, 1), PilotAfter: meanSample(100, 5, 1)},
			[]string{}},
		{"unbalanced means over 4 times", KindMean, MetricSamples{PilotBefore: meanSample(401, 5, 1), PilotAfter: meanSample(100, 5, 1)},
			[]string{"unbalanced groups: pilot before (n = 401) is more than 4 times pilot after (n = 100)"}},
		{"unbalanced control", KindProportion, MetricSamples{
			PilotBefore: propSample(50, 100), PilotAfter: propSample(50, 100), ControlBefore: propSample(500, 1000), ControlAfter: propSample(50, 100),
		}, []string{"unbalanced groups: control before (n = 1000) is more than 4 times pilot before (n = 100)"}},
		{"unbalanced change scores", KindMean, MetricSamples{
			PilotBefore: meanSample(100, 5, 1), PilotAfter: meanSample(100, 6, 1), ControlBefore: meanSample(100, 5, 1), ControlAfter: meanSample(100, 5, 1),
			PilotChange: &MeanSummary{N: 100, Mean: 1, SD: 1}, ControlChange: &MeanSummary{N: 20, SD: 1},
		}, []string{"unbalanced groups: pilot change scores (n = 100) is more than 4 times control change scores (n = 20)"}},
		{"counts balance on exposure, not events", KindCount, MetricSamples{PilotBefore: countSample(10, 10), PilotAfter: countSample(100, 10)},
			[]string{}},
		{"unbalanced exposure", KindCount, MetricSamples{PilotBefore: countSample(50, 10), PilotAfter: countSample(50, 50)},
			[]string{"unbalanced groups: pilot after (exposure 50) is more than 4 times pilot before (exposure 10)"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := AnalyzeMetric(testMetric(tt.kind, HigherIsBetter), tt.samples, 0.95)
			if !r.Computed {
				t.Fatalf("not computed: %q", r.Warnings)
			}
			if !reflect.DeepEqual(r.Warnings, tt.want) {
				t.Errorf("warnings =\n%q\nwant\n%q", r.Warnings, tt.want)
			}
		})
	}
}

// Some samples pass validation but give no usable comparison; the result
// then says why and carries no numbers.
func TestAnalyzeMetricNotComputable(t *testing.T) {
	tests := []struct {
		name    string
		kind    MetricKind
		samples MetricSamples
		conf    float64
		warning string
	}{
		{"zero count in a DiD cell", KindCount, MetricSamples{
			PilotBefore: countSample(10, 1), PilotAfter: countSample(12, 1), ControlBefore: countSample(0, 1), ControlAfter: countSample(3, 1),
		}, 0.95, "a zero count in control before prevents the ratio-of-rate-ratios test"},
		{"no events before", KindCount, MetricSamples{PilotBefore: countSample(0, 10), PilotAfter: countSample(12, 10)},
			0.95, "no events in the pilot group before"},
		{"no events at all", KindCount, MetricSamples{PilotBefore: countSample(0, 10), PilotAfter: countSample(0, 10)},
			0.95, "no events in the pilot group before"},
		{"error from the test", KindMean, MetricSamples{PilotBefore: meanSample(1, 5, 0), PilotAfter: meanSample(10, 5, 1)},
			0.95, "pilot before: n: must be between 2 and 1000000000000"},
		{"error from the change scores", KindMean, MetricSamples{
			PilotBefore: meanSample(10, 5, 1), PilotAfter: meanSample(10, 5, 1), ControlBefore: meanSample(10, 5, 1), ControlAfter: meanSample(10, 5, 1),
			PilotChange: &MeanSummary{N: 10, Mean: 1, SD: 1}, ControlChange: &MeanSummary{N: 10, Mean: 1, SD: -1},
		}, 0.95, "control change scores: the standard deviation must not be negative, got -1"},
		{"error from a DiD cell", KindNPS, MetricSamples{
			PilotBefore: npsSample(1, 1, 1), PilotAfter: npsSample(1, 1, 1), ControlBefore: npsSample(1, 1, 1), ControlAfter: npsSample(0, 0, 0),
		}, 0.95, "control after: promoters: at least one answer is needed"},
		{"bad confidence", KindProportion, MetricSamples{PilotBefore: propSample(5, 10), PilotAfter: propSample(6, 10)},
			1.5, "confidence: must be strictly between 0 and 1, got 1.5"},
		{"unknown kind", "median", MetricSamples{PilotBefore: meanSample(30, 5, 1), PilotAfter: meanSample(30, 5, 1)},
			0.95, `unknown metric kind "median"`},
		{"overflow", KindMean, MetricSamples{PilotBefore: meanSample(30, -1e308, 1), PilotAfter: meanSample(30, 1e308, 1)},
			0.95, "the values are too large to compare"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := AnalyzeMetric(testMetric(tt.kind, LowerIsBetter), tt.samples, tt.conf)
			if r.Computed || r.Verdict != VerdictInconclusive || r.GuardrailBreached {
				t.Errorf("computed %v, verdict %s", r.Computed, r.Verdict)
			}
			warningWith(t, r, tt.warning)
			if r.Estimate != 0 || r.PValue != 0 || r.CI != (Interval{}) || r.ImprovementCI != (Interval{}) ||
				r.RelativeChange != nil || r.RelativeCI != nil || r.Test != "" {
				t.Errorf("numbers set although not computed: %+v", r)
			}
			assertResultFinite(t, r)
		})
	}
}

// A count difference in differences is measured against the counterfactual
// rate (the pilot's before rate moved as the control's did), so the estimate
// agrees with the ratio of rate ratios even when the groups' levels differ.
func TestAnalyzeMetricCountDiffInDiffCounterfactual(t *testing.T) {
	// Both groups double (RRR 1): the additive (2 − 1) − (20 − 10) would say
	// −9, but against the counterfactual 1 × 20/10 = 2 the change is 0.
	s := MetricSamples{
		PilotBefore: countSample(10, 10), PilotAfter: countSample(20, 10),
		ControlBefore: countSample(100, 10), ControlAfter: countSample(200, 10),
	}
	r := AnalyzeMetric(testMetric(KindCount, LowerIsBetter), s, 0.95)
	assertClose(t, "estimate", r.Estimate, 0, 1e-12)
	assertClose(t, "relative", *r.RelativeChange, 0, 1e-12)
	assertClose(t, "ci low", r.CI.Low, 2*r.RelativeCI.Low, 1e-12)
	if r.Verdict != VerdictInconclusive || r.CI.Low > r.Estimate || r.CI.High < r.Estimate {
		t.Errorf("verdict %s, estimate %g outside %+v", r.Verdict, r.Estimate, r.CI)
	}
	assertResultFinite(t, r)
}

// Degenerate but valid samples must give a finite, JSON-encodable result.
func TestAnalyzeMetricDegenerateInputsAreFinite(t *testing.T) {
	flat := meanSample(20, 5, 0)
	flatHigher := meanSample(20, 6, 0)
	noChange := &MeanSummary{N: 20, Mean: 0}
	tests := []struct {
		name    string
		kind    MetricKind
		samples MetricSamples
	}{
		{"means, zero SD", KindMean, MetricSamples{PilotBefore: flat, PilotAfter: flatHigher}},
		{"means, zero SD and mean", KindMean, MetricSamples{PilotBefore: meanSample(20, 0, 0), PilotAfter: meanSample(20, 0, 0)}},
		{"means DiD, zero SD", KindMean, MetricSamples{PilotBefore: flat, PilotAfter: flatHigher, ControlBefore: flat, ControlAfter: flat}},
		{"means DiD, zero before mean", KindMean, MetricSamples{
			PilotBefore: meanSample(20, 0, 0), PilotAfter: flatHigher, ControlBefore: flat, ControlAfter: flat}},
		{"paired, zero SD", KindMean, MetricSamples{PilotBefore: flat, PilotAfter: flat, PilotChange: noChange}},
		{"paired DiD, zero SD", KindMean, MetricSamples{
			PilotBefore: flat, PilotAfter: flat, ControlBefore: flat, ControlAfter: flat, PilotChange: noChange, ControlChange: noChange}},
		{"no successes", KindProportion, MetricSamples{PilotBefore: propSample(0, 50), PilotAfter: propSample(0, 50)}},
		{"only successes", KindProportion, MetricSamples{PilotBefore: propSample(50, 50), PilotAfter: propSample(50, 50)}},
		{"no successes before", KindProportion, MetricSamples{PilotBefore: propSample(0, 50), PilotAfter: propSample(10, 50)}},
		{"proportions DiD, all or nothing", KindProportion, MetricSamples{
			PilotBefore: propSample(0, 50), PilotAfter: propSample(50, 50), ControlBefore: propSample(0, 50), ControlAfter: propSample(0, 50)}},
		{"NPS all promoters", KindNPS, MetricSamples{PilotBefore: npsSample(40, 0, 0), PilotAfter: npsSample(40, 0, 0)}},
		{"NPS zero before", KindNPS, MetricSamples{PilotBefore: npsSample(10, 0, 10), PilotAfter: npsSample(10, 0, 0)}},
		{"NPS DiD, all passives", KindNPS, MetricSamples{
			PilotBefore: npsSample(0, 9, 0), PilotAfter: npsSample(0, 9, 0), ControlBefore: npsSample(0, 9, 0), ControlAfter: npsSample(0, 9, 0)}},
		{"no events after", KindCount, MetricSamples{PilotBefore: countSample(15, 3), PilotAfter: countSample(0, 3)}},
		{"no events before", KindCount, MetricSamples{PilotBefore: countSample(0, 3), PilotAfter: countSample(15, 3)}},
		{"count DiD, zero count", KindCount, MetricSamples{
			PilotBefore: countSample(15, 3), PilotAfter: countSample(0, 3), ControlBefore: countSample(15, 3), ControlAfter: countSample(15, 3)}},
	}
	for _, tt := range tests {
		for _, dir := range Directions {
			t.Run(tt.name+"/"+string(dir), func(t *testing.T) {
				r := AnalyzeMetric(testMetric(tt.kind, dir), tt.samples, 0.95)
				assertResultFinite(t, r)
			})
		}
	}
	// A zero-width interval comes from data without spread, not from
	// certainty: the numbers are reported but no verdict is given.
	t.Run("flat means give no verdict", func(t *testing.T) {
		r := AnalyzeMetric(testMetric(KindMean, HigherIsBetter), MetricSamples{PilotBefore: flat, PilotAfter: flatHigher}, 0.95)
		warningWith(t, r, warnNoSpread)
		if r.Verdict != VerdictInconclusive || r.CI != (Interval{Low: 1, High: 1}) || r.PValue != 0 {
			t.Errorf("verdict %s, CI %+v, p %g", r.Verdict, r.CI, r.PValue)
		}
		warningWith(t, r, "zero variance in pilot before, pilot after")
	})
	t.Run("all-or-nothing proportions and one-category NPS warn", func(t *testing.T) {
		r := AnalyzeMetric(testMetric(KindProportion, HigherIsBetter), MetricSamples{
			PilotBefore: propSample(0, 10), PilotAfter: propSample(10, 10), ControlBefore: propSample(0, 10), ControlAfter: propSample(0, 10)}, 0.95)
		warningWith(t, r, "zero variance in pilot before, pilot after, control before, control after")
		if r.Verdict != VerdictInconclusive {
			t.Errorf("proportions with no spread: verdict %s", r.Verdict)
		}
		r = AnalyzeMetric(testMetric(KindNPS, HigherIsBetter), MetricSamples{PilotBefore: npsSample(0, 1, 0), PilotAfter: npsSample(1, 0, 0)}, 0.95)
		warningWith(t, r, "zero variance in pilot before, pilot after")
		if r.Verdict != VerdictInconclusive {
			t.Errorf("NPS with no spread: verdict %s", r.Verdict)
		}
	})
	t.Run("no events after is a finite fall", func(t *testing.T) {
		r := AnalyzeMetric(testMetric(KindCount, LowerIsBetter),
			MetricSamples{PilotBefore: countSample(15, 3), PilotAfter: countSample(0, 3)}, 0.95)
		if !r.Computed || *r.RelativeChange != -1 || r.RelativeCI.Low != -1 || r.Verdict != VerdictImproved {
			t.Errorf("computed %v, relative %v, CI %+v, verdict %s", r.Computed, *r.RelativeChange, *r.RelativeCI, r.Verdict)
		}
	})
}

// Change scores of the pilot group alone cannot pair a difference in
// differences; the result says why it is unpaired.
func TestAnalyzeMetricControlWithoutChangeScores(t *testing.T) {
	s := MetricSamples{
		PilotBefore: meanSample(30, 5, 1), PilotAfter: meanSample(30, 6, 1),
		ControlBefore: meanSample(30, 5, 1), ControlAfter: meanSample(30, 5, 1),
		PilotChange: &MeanSummary{N: 30, Mean: 1, SD: 1},
	}
	r := AnalyzeMetric(testMetric(KindMean, HigherIsBetter), s, 0.95)
	if r.Design != DesignDiffInDiff || r.Sizes.PilotUnits != 0 {
		t.Fatalf("design %s, units %d", r.Design, r.Sizes.PilotUnits)
	}
	warningWith(t, r, warnControlUnpaired)
}
