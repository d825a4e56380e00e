package domain

import (
	"math"
	"strconv"
	"strings"
	"testing"
)

// assertDigits checks got against a published value written with the digits
// it was published with: the difference must be at most half a unit in the
// last shown digit, i.e. got rounds to the published value. The bound never
// goes below 1e-14 relative, since a value printed with 17 significant
// digits is a float64 that another implementation may differ from in the
// last bits.
func assertDigits(t *testing.T, name string, got float64, want string) {
	t.Helper()
	w, err := strconv.ParseFloat(want, 64)
	if err != nil {
		t.Fatalf("%s: bad published value %q: %v", name, want, err)
	}
	decimals := 0
	if i := strings.IndexByte(want, '.'); i >= 0 {
		decimals = len(want) - i - 1
	}
	tol := 0.5 * math.Pow10(-decimals)
	tol = math.Max(tol, 1e-14*math.Abs(w))
	tol *= 1 + 1e-9 // the published digits themselves are parsed with rounding
	if math.IsNaN(got) || math.Abs(got-w) > tol {
		t.Errorf("%s = %.12g, want %s (±%.1g)", name, got, want, tol)
	}
}

// assertNoNaN fails if any float field of res is NaN.
func assertNoNaN(t *testing.T, res TestResult) {
	t.Helper()
	fields := map[string]float64{
		"Estimate": res.Estimate, "SE": res.SE, "Stat": res.Stat, "DF": res.DF,
		"PValue": res.PValue, "CI.Low": res.CI.Low, "CI.High": res.CI.High,
	}
	for name, v := range fields {
		if math.IsNaN(v) {
			t.Errorf("%s is NaN in %+v", name, res)
		}
	}
	if res.PValue < 0 || res.PValue > 1 {
		t.Errorf("PValue %g outside [0, 1]", res.PValue)
	}
	if res.CI.Low > res.CI.High {
		t.Errorf("CI %+v is reversed", res.CI)
	}
}

// summaryFromSums builds a summary from n, Σx and Σx² with the sample
// variance (Σx² − (Σx)²/n)/(n − 1), as GrowthBook's SampleMeanStatistic.
func summaryFromSums(t *testing.T, n int, sum, sumSquares float64) MeanSummary {
	t.Helper()
	fn := float64(n)
	variance := (sumSquares - sum*sum/fn) / (fn - 1)
	if variance < 0 {
		t.Fatalf("negative variance %g", variance)
	}
	return MeanSummary{N: n, Mean: sum / fn, SD: math.Sqrt(variance)}
}

func TestSummaryOf(t *testing.T) {
	tests := []struct {
		name   string
		values []float64
		want   MeanSummary
	}{
		{"empty", nil, MeanSummary{}},
		{"single", []float64{3.5}, MeanSummary{N: 1, Mean: 3.5}},
		// Σ(x−5)² = 9+1+1+1+0+0+4+16 = 32, s² = 32/7.
		{"textbook", []float64{2, 4, 4, 4, 5, 5, 7, 9}, MeanSummary{N: 8, Mean: 5, SD: math.Sqrt(32.0 / 7)}},
		// Large offset: the naive Σx² − (Σx)²/n loses the variance here.
		// Deviations −6, −3, 3, 6: Σd² = 90, s² = 30.
		{"large offset", []float64{1e9 + 4, 1e9 + 7, 1e9 + 13, 1e9 + 16}, MeanSummary{N: 4, Mean: 1e9 + 10, SD: math.Sqrt(30)}},
		{"constant", []float64{7, 7, 7}, MeanSummary{N: 3, Mean: 7}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := SummaryOf(tt.values)
			if got.N != tt.want.N || math.Abs(got.Mean-tt.want.Mean) > 1e-12*math.Max(1, math.Abs(tt.want.Mean)) ||
				math.Abs(got.SD-tt.want.SD) > 1e-12*math.Max(1, tt.want.SD) {
				t.Errorf("SummaryOf(%v) = %+v, want %+v", tt.values, got, tt.want)
			}
		})
	}
}

// published holds a published result as strings so that assertDigits can
// compare to exactly the digits shown. Empty strings are not checked.
type published struct {
	estimate, se, stat, df, p, low, high string
}

func checkPublished(t *testing.T, res TestResult, want published) {
	t.Helper()
	checks := []struct {
		name string
		got  float64
		want string
	}{
		{"estimate", res.Estimate, want.estimate},
		{"SE", res.SE, want.se},
		{"stat", res.Stat, want.stat},
		{"df", res.DF, want.df},
		{"p", res.PValue, want.p},
		{"CI low", res.CI.Low, want.low},
		{"CI high", res.CI.High, want.high},
	}
	for _, c := range checks {
		if c.want != "" {
			assertDigits(t, c.name, c.got, c.want)
		}
	}
	assertNoNaN(t, res)
}

func TestWelchTPublished(t *testing.T) {
	g1Control := summaryFromSums(t, 3407, 1396.87, 52377.9767)
	g1Treatment := summaryFromSums(t, 3461, 2422.7, 134698.29)
	tests := []struct {
		name string
		t, c MeanSummary
		want published
	}{
		{
			// ClickHouse welchTTest documentation, from raw samples. The
			// published t = 2.7988719532211235 carries ClickHouse's float64
			// rounding in its last digits: the exact value (mpmath, 40 digits)
			// is 2.79887195322085354…, 2.7e-13 away, so t is checked to the 12
			// decimals that both agree on; the next case checks it to 14.
			name: "W1 ClickHouse",
			t:    SummaryOf([]float64{20.3, 22.1, 21.9}),
			c:    SummaryOf([]float64{18.9, 20.3, 19}),
			want: published{
				estimate: "2.0333333", stat: "2.798871953221", df: "3.79990400",
				p: "0.05180736", low: "-0.0262943467", high: "4.0929610133",
			},
		},
		{
			// W1 against exact values computed with mpmath at 40 digits from
			// the same samples (t quantile by root-finding on the regularised
			// incomplete beta), to 14 decimals.
			name: "W1 exact",
			t:    SummaryOf([]float64{20.3, 22.1, 21.9}),
			c:    SummaryOf([]float64{18.9, 20.3, 19}),
			want: published{
				estimate: "2.03333333333333", stat: "2.79887195322085", df: "3.79990400242520",
				p: "0.05180736034860", low: "-0.02629434667184", high: "4.09296101333850",
			},
		},
		{
			// R t.test output from summary statistics.
			name: "W2 R t.test",
			t:    MeanSummary{N: 10, Mean: 10.4, SD: 1.17378779},
			c:    MeanSummary{N: 10, Mean: 11.4, SD: 1.26491106},
			want: published{
				estimate: "-1", stat: "-1.8325", df: "17.90031",
				p: "0.08356", low: "-2.1469104", high: "0.1469104",
			},
		},
		{
			// GrowthBook stats engine unit test, absolute difference.
			name: "G1 GrowthBook absolute",
			t:    g1Treatment,
			c:    g1Control,
			want: published{
				estimate: "0.29", se: "0.12478", p: "0.02016",
				low: "0.04538", high: "0.53462",
			},
		},
		{
			// Card & Krueger (1994), Table 3: DiD of the change scores of the
			// same stores = Welch's t on the change-score summaries, NJ (treated)
			// minus PA. n = 100 and sd = 10·SE so that sd/√n is the published SE.
			// 0.59 − (−2.16) = 2.75; √(0.54² + 1.25²) = √1.8541 = 1.3617.
			name: "D1 Card Krueger change scores",
			t:    MeanSummary{N: 100, Mean: 0.59, SD: 5.4},
			c:    MeanSummary{N: 100, Mean: -2.16, SD: 12.5},
			want: published{estimate: "2.75", se: "1.36"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := WelchT(tt.t, tt.c, 0.95)
			if err != nil {
				t.Fatalf("WelchT: %v", err)
			}
			if res.Test != "welch_t" {
				t.Errorf("Test = %q, want welch_t", res.Test)
			}
			checkPublished(t, res, tt.want)
		})
	}
}

func TestRelativeLiftPublished(t *testing.T) {
	tests := []struct {
		name string
		t, c MeanSummary
		want published
	}{
		{
			// GrowthBook stats engine unit test, relative lift. Reproduced with
			// the sample variance (n − 1) of both groups, the delta-method SE and
			// a t distribution on the Welch–Satterthwaite df of the absolute
			// test (≈ 5841.74). A normal quantile gives CI low −0.03511 and
			// population variances give −0.03515, both off the published value.
			name: "G1 GrowthBook relative",
			t:    summaryFromSums(t, 3461, 2422.7, 134698.29),
			c:    summaryFromSums(t, 3407, 1396.87, 52377.9767),
			want: published{
				estimate: "0.70732", se: "0.37879", p: "0.06191",
				low: "-0.03526", high: "1.44989",
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := RelativeLift(tt.t, tt.c, 0.95)
			if err != nil {
				t.Fatalf("RelativeLift: %v", err)
			}
			if res.Test != "welch_t_delta" {
				t.Errorf("Test = %q, want welch_t_delta", res.Test)
			}
			abs, err := WelchT(tt.t, tt.c, 0.95)
			if err != nil {
				t.Fatalf("WelchT: %v", err)
			}
			if res.DF != abs.DF {
				t.Errorf("DF = %g, want the absolute test's %g", res.DF, abs.DF)
			}
			checkPublished(t, res, tt.want)
		})
	}
}

func TestDiffInDiffIndependent(t *testing.T) {
	// Hand-computed case, four independent samples chosen so that every
	// v_i = s_i²/n_i is 1:
	//   T before: mean 10, sd 2, n 4   → v = 4/4   = 1
	//   T after:  mean 14, sd 3, n 9   → v = 9/9   = 1
	//   C before: mean 10, sd 4, n 16  → v = 16/16 = 1
	//   C after:  mean 11, sd 5, n 25  → v = 25/25 = 1
	// estimate = (14 − 10) − (11 − 10) = 3
	// SE = √(1 + 1 + 1 + 1) = 2, t = 3/2 = 1.5
	// df = (Σv)² / Σ(v²/(n−1)) = 16 / (1/3 + 1/8 + 1/15 + 1/24)
	//    = 16 / (40/120 + 15/120 + 8/120 + 5/120) = 16 / (68/120) = 480/17
	//    = 28.2352941176…
	// p = I_{ν/(ν+t²)}(ν/2, 1/2) = 0.1447142491806770 and
	// t_{ν,0.975} = 2.047638383127318, so CI = 3 ∓ 2·2.0476383831 =
	// [−1.0952767662546, 7.0952767662546] (regularised incomplete beta and
	// its root evaluated with mpmath at 30 digits).
	tb := MeanSummary{N: 4, Mean: 10, SD: 2}
	ta := MeanSummary{N: 9, Mean: 14, SD: 3}
	cb := MeanSummary{N: 16, Mean: 10, SD: 4}
	ca := MeanSummary{N: 25, Mean: 11, SD: 5}
	res, err := DiffInDiff(tb, ta, cb, ca, 0.95)
	if err != nil {
		t.Fatalf("DiffInDiff: %v", err)
	}
	checkPublished(t, res, published{
		estimate: "3", se: "2", stat: "1.5", df: "28.2352941176",
		p: "0.1447142491807", low: "-1.0952767662546", high: "7.0952767662546",
	})

	// With the "before" samples identical for both groups the estimate is the
	// after difference, as for WelchT on the after samples, but the SE keeps
	// the variance of all four means.
	res, err = DiffInDiff(cb, ta, cb, ca, 0.95)
	if err != nil {
		t.Fatalf("DiffInDiff: %v", err)
	}
	if res.Estimate != ta.Mean-ca.Mean || res.SE != 2 {
		t.Errorf("DiffInDiff with equal baselines = %+v, want estimate %g and SE 2", res, ta.Mean-ca.Mean)
	}
}

func TestDiffInDiffChangeScores(t *testing.T) {
	// Same units measured twice: the change score of each unit is analysed
	// with WelchT. Raw scores per unit (after − before):
	//   treatment: 5−3, 6−5, 9−6 → 2, 1, 3 (mean 2, sd 1)
	//   control:   4−4, 5−4, 4−5 → 0, 1, −1 (mean 0, sd 1)
	// estimate 2, SE = √(1/3 + 1/3) = 0.8165, df 4, t = 2.4495.
	treated := [][2]float64{{3, 5}, {5, 6}, {6, 9}}
	control := [][2]float64{{4, 4}, {4, 5}, {5, 4}}
	change := func(pairs [][2]float64) []float64 {
		out := make([]float64, len(pairs))
		for i, p := range pairs {
			out[i] = p[1] - p[0]
		}
		return out
	}
	res, err := WelchT(SummaryOf(change(treated)), SummaryOf(change(control)), 0.95)
	if err != nil {
		t.Fatalf("WelchT: %v", err)
	}
	checkPublished(t, res, published{estimate: "2", se: "0.8165", stat: "2.4495", df: "4"})
}

func TestMeansInvalidInputs(t *testing.T) {
	ok := MeanSummary{N: 10, Mean: 5, SD: 1}
	tests := []struct {
		name       string
		t, c       MeanSummary
		confidence float64
		lift       bool // RelativeLift must fail too
	}{
		{"treatment n 1", MeanSummary{N: 1, Mean: 5, SD: 0}, ok, 0.95, true},
		{"control n 0", ok, MeanSummary{}, 0.95, true},
		{"negative n", MeanSummary{N: -3, Mean: 5, SD: 1}, ok, 0.95, true},
		{"negative sd", ok, MeanSummary{N: 10, Mean: 5, SD: -1}, 0.95, true},
		{"NaN mean", MeanSummary{N: 10, Mean: math.NaN(), SD: 1}, ok, 0.95, true},
		{"Inf mean", ok, MeanSummary{N: 10, Mean: math.Inf(-1), SD: 1}, 0.95, true},
		{"NaN sd", MeanSummary{N: 10, Mean: 5, SD: math.NaN()}, ok, 0.95, true},
		{"Inf sd", ok, MeanSummary{N: 10, Mean: 5, SD: math.Inf(1)}, 0.95, true},
		// ±MaxFloat64 overflow the difference, but their ratio is −1: the lift is −2.
		{"overflowing difference", MeanSummary{N: 10, Mean: math.MaxFloat64, SD: 1}, MeanSummary{N: 10, Mean: -math.MaxFloat64, SD: 1}, 0.95, false},
		{"overflowing variance", MeanSummary{N: 10, Mean: 5, SD: 1e200}, ok, 0.95, true},
		{"confidence 1", ok, ok, 1, true},
		{"confidence 0", ok, ok, 0, true},
		{"confidence above 1", ok, ok, 1.5, true},
		{"confidence negative", ok, ok, -0.95, true},
		{"confidence NaN", ok, ok, math.NaN(), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			calls := map[string]func() (TestResult, error){
				"WelchT":     func() (TestResult, error) { return WelchT(tt.t, tt.c, tt.confidence) },
				"DiffInDiff": func() (TestResult, error) { return DiffInDiff(ok, tt.t, ok, tt.c, tt.confidence) },
			}
			if tt.lift {
				calls["RelativeLift"] = func() (TestResult, error) { return RelativeLift(tt.t, tt.c, tt.confidence) }
			}
			for name, call := range calls {
				if _, err := call(); ErrorCodeOf(err) != EInvalid {
					t.Errorf("%s: error %v, want code %s", name, err, EInvalid)
				}
			}
		})
	}

	t.Run("relative lift with control mean 0", func(t *testing.T) {
		_, err := RelativeLift(ok, MeanSummary{N: 10, Mean: 0, SD: 1}, 0.95)
		if ErrorCodeOf(err) != EInvalid {
			t.Errorf("error %v, want code %s", err, EInvalid)
		}
	})
	t.Run("invalid sample in any position of DiffInDiff", func(t *testing.T) {
		bad := MeanSummary{N: 1, Mean: 5}
		for i := range 4 {
			s := []MeanSummary{ok, ok, ok, ok}
			s[i] = bad
			if _, err := DiffInDiff(s[0], s[1], s[2], s[3], 0.95); ErrorCodeOf(err) != EInvalid {
				t.Errorf("bad sample %d: error %v, want code %s", i, err, EInvalid)
			}
		}
	})
}

func TestMeansZeroVariance(t *testing.T) {
	type call func() (TestResult, error)
	tests := []struct {
		name     string
		call     call
		estimate float64
		wantP    float64 // -1: only check that p is a valid probability
		wantDF   float64 // 0: not checked
	}{
		{
			name: "WelchT different constants",
			call: func() (TestResult, error) {
				return WelchT(SummaryOf([]float64{3, 3, 3}), SummaryOf([]float64{2, 2}), 0.95)
			},
			estimate: 1, wantP: 0, wantDF: 3,
		},
		{
			name: "WelchT negative difference",
			call: func() (TestResult, error) {
				return WelchT(MeanSummary{N: 5, Mean: 1}, MeanSummary{N: 7, Mean: 4}, 0.95)
			},
			estimate: -3, wantP: 0, wantDF: 10,
		},
		{
			name: "WelchT equal constants",
			call: func() (TestResult, error) {
				return WelchT(MeanSummary{N: 4, Mean: 2}, MeanSummary{N: 4, Mean: 2}, 0.95)
			},
			estimate: 0, wantP: 1, wantDF: 6,
		},
		{
			name: "WelchT one group constant",
			call: func() (TestResult, error) {
				return WelchT(MeanSummary{N: 6, Mean: 2, SD: 1}, MeanSummary{N: 4, Mean: 2}, 0.95)
			},
			estimate: 0, wantP: 1, wantDF: 5, // df = v²/(v²/(n_t−1)) = n_t − 1
		},
		{
			name: "WelchT tiny variances that square to 0",
			call: func() (TestResult, error) {
				return WelchT(MeanSummary{N: 6, Mean: 2, SD: 1e-170}, MeanSummary{N: 4, Mean: 2, SD: 1e-170}, 0.95)
			},
			estimate: 0, wantP: 1,
		},
		{
			name: "DiffInDiff all constant",
			call: func() (TestResult, error) {
				return DiffInDiff(MeanSummary{N: 3, Mean: 1}, MeanSummary{N: 3, Mean: 2}, MeanSummary{N: 4, Mean: 1}, MeanSummary{N: 4, Mean: 1}, 0.95)
			},
			estimate: 1, wantP: 0, wantDF: 10,
		},
		{
			name: "RelativeLift both constant",
			call: func() (TestResult, error) {
				return RelativeLift(MeanSummary{N: 3, Mean: 3}, MeanSummary{N: 3, Mean: 2}, 0.95)
			},
			estimate: 0.5, wantP: 0, wantDF: 4,
		},
		{
			name: "RelativeLift treatment mean 0 and constant",
			call: func() (TestResult, error) {
				return RelativeLift(MeanSummary{N: 3, Mean: 0}, MeanSummary{N: 3, Mean: 2, SD: 1}, 0.95)
			},
			estimate: -1, wantP: 0,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := tt.call()
			if err != nil {
				t.Fatalf("error: %v", err)
			}
			assertNoNaN(t, res)
			if res.Estimate != tt.estimate {
				t.Errorf("Estimate = %g, want %g", res.Estimate, tt.estimate)
			}
			if tt.wantP >= 0 && res.PValue != tt.wantP {
				t.Errorf("PValue = %g, want %g", res.PValue, tt.wantP)
			}
			if tt.wantDF != 0 && math.Abs(res.DF-tt.wantDF) > 1e-12 {
				t.Errorf("DF = %g, want %g", res.DF, tt.wantDF)
			}
			if res.SE == 0 && (res.CI.Low != res.Estimate || res.CI.High != res.Estimate) {
				t.Errorf("CI = %+v, want [%g, %g]", res.CI, res.Estimate, res.Estimate)
			}
		})
	}
}

func TestWelchTPValueAgreesWithInterval(t *testing.T) {
	// At confidence 1 − p the interval must end exactly at 0: the p-value and
	// the interval come from the same distribution.
	tr := MeanSummary{N: 12, Mean: 5.3, SD: 1.1}
	ct := MeanSummary{N: 9, Mean: 4.4, SD: 0.8}
	res, err := WelchT(tr, ct, 0.95)
	if err != nil {
		t.Fatalf("WelchT: %v", err)
	}
	at, err := WelchT(tr, ct, 1-res.PValue)
	if err != nil {
		t.Fatalf("WelchT at 1 − p: %v", err)
	}
	if math.Abs(at.CI.Low) > 1e-9 {
		t.Errorf("CI low at confidence 1 − p = %g, want 0", at.CI.Low)
	}
}

func TestWelchTTinyPValue(t *testing.T) {
	// t ≈ 70 on ≈ 198 df: 1 − CDF would round to 0, the lower tail does not.
	res, err := WelchT(MeanSummary{N: 100, Mean: 10, SD: 1}, MeanSummary{N: 100, Mean: 0, SD: 1}, 0.95)
	if err != nil {
		t.Fatalf("WelchT: %v", err)
	}
	if !(res.PValue > 0 && res.PValue < 1e-100) {
		t.Errorf("PValue = %g, want a tiny positive number", res.PValue)
	}
}
