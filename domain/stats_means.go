package domain

import (
	"math"

	"gonum.org/v1/gonum/stat/distuv"
)

// This file holds the comparisons of continuous metrics (means) used to
// evaluate a pilot: Welch's t-test, difference-in-differences for independent
// groups and the relative lift by the delta method. All of them work on the
// signed difference treatment − control (or after − before); turning that into
// an "improvement" for lower-is-better metrics is the caller's job.
//
// The p-value and the interval of every t-based comparison come from tTest so
// that they are computed the same way everywhere.

// Interval is a two-sided confidence interval.
type Interval struct{ Low, High float64 }

// TestResult is the outcome of one comparison, all on the signed difference
// (treatment/after − control/before).
type TestResult struct {
	Test     string   // "welch_t", "welch_t_delta" ...
	Estimate float64  // the signed difference
	SE       float64  // standard error of Estimate
	Stat     float64  // t or z statistic; ±Inf when SE = 0 and Estimate ≠ 0
	DF       float64  // degrees of freedom; +Inf for normal tests
	PValue   float64  // two-sided
	CI       Interval // at the requested confidence level
}

// MeanSummary is the summary of one sample of a continuous metric.
type MeanSummary struct {
	N    int
	Mean float64
	SD   float64 // sample standard deviation (n − 1 denominator)
}

// Names of the tests reported in TestResult.Test.
const (
	testWelchT      = "welch_t"
	testWelchTDelta = "welch_t_delta"
	testDiffInDiff  = "diff_in_diff_welch_t"
)

// SummaryOf computes n, mean and sample SD (n − 1 denominator) of raw values.
// The mean and SD of an empty slice are 0, and the SD of a single value is 0;
// such summaries are rejected by the comparisons, which need n ≥ 2.
func SummaryOf(values []float64) MeanSummary {
	n := len(values)
	if n == 0 {
		return MeanSummary{}
	}
	var sum float64
	for _, x := range values {
		sum += x
	}
	mean := sum / float64(n)
	if n == 1 {
		return MeanSummary{N: 1, Mean: mean}
	}
	// Two-pass corrected algorithm: Σ(x−m)² minus the rounding-error term
	// (Σ(x−m))²/n, far more accurate than Σx² − (Σx)²/n.
	var ss, comp float64
	for _, x := range values {
		d := x - mean
		ss += d * d
		comp += d
	}
	ss -= comp * comp / float64(n)
	if ss < 0 {
		ss = 0
	}
	return MeanSummary{N: n, Mean: mean, SD: math.Sqrt(ss / float64(n-1))}
}

// WelchT compares treatment t with control c: d = mean_t − mean_c,
// SE = √(s_t²/n_t + s_c²/n_c), t = d/SE with Welch–Satterthwaite degrees of
// freedom, two-sided p and the interval d ± t_{df,1−α/2}·SE, where
// α = 1 − confidence.
//
// It fails with EInvalid when a sample has n < 2, a negative or non-finite SD
// or a non-finite mean, when confidence is outside (0, 1), or when the values
// are so large that the difference or its SE overflow.
//
// When both samples have zero variance the SE is 0 and the Welch–Satterthwaite
// df is 0/0; the result is then deterministic: Stat is ±Inf (0 if d = 0),
// PValue is 0 if d ≠ 0 and 1 if d = 0, CI is [d, d] and DF is n_t + n_c − 2,
// the df of the pooled test. No field is ever NaN.
func WelchT(t, c MeanSummary, confidence float64) (TestResult, error) {
	if err := validateMeans(confidence, namedSummary{"treatment", t}, namedSummary{"control", c}); err != nil {
		return TestResult{}, err
	}
	v := []float64{sampleVar(t), sampleVar(c)}
	d := t.Mean - c.Mean
	se := math.Sqrt(v[0] + v[1])
	if err := checkFinite(d, se); err != nil {
		return TestResult{}, err
	}
	df := welchDF(v, []int{t.N, c.N})
	return tTest(testWelchT, d, se, df, confidence), nil
}

// DiffInDiff compares the change in treatment with the change in control
// when the four samples are independent (different units before and after):
// estimate (T_after − T_before) − (C_after − C_before), SE = √(Σ s_i²/n_i),
// df by the generalised Welch–Satterthwaite formula (Σv_i)²/Σ(v_i²/(n_i−1)),
// t test and interval as in WelchT.
//
// When the same units are measured before and after, do not use this: build
// each unit's change score and call WelchT on the two sets of change scores.
//
// Errors and the zero-variance convention are those of WelchT; with zero
// variance in all four samples DF is Σ(n_i − 1).
func DiffInDiff(tBefore, tAfter, cBefore, cAfter MeanSummary, confidence float64) (TestResult, error) {
	if err := validateMeans(confidence,
		namedSummary{"treatment before", tBefore}, namedSummary{"treatment after", tAfter},
		namedSummary{"control before", cBefore}, namedSummary{"control after", cAfter},
	); err != nil {
		return TestResult{}, err
	}
	d := (tAfter.Mean - tBefore.Mean) - (cAfter.Mean - cBefore.Mean)
	v := []float64{sampleVar(tBefore), sampleVar(tAfter), sampleVar(cBefore), sampleVar(cAfter)}
	se := math.Sqrt(v[0] + v[1] + v[2] + v[3])
	if err := checkFinite(d, se); err != nil {
		return TestResult{}, err
	}
	df := welchDF(v, []int{tBefore.N, tAfter.N, cBefore.N, cAfter.N})
	return tTest(testDiffInDiff, d, se, df, confidence), nil
}

// RelativeLift estimates the relative change r = mean_t/mean_c − 1 with the
// delta-method variance Var(r) = v_t/μ_c² + μ_t²·v_c/μ_c⁴ (v = s²/n, s the
// sample SD with n − 1 denominator) and a t distribution with the
// Welch–Satterthwaite df of the absolute test, as the GrowthBook stats engine
// does. This convention (sample variance, Welch df, not a normal
// approximation) is the one that reproduces GrowthBook's published results;
// the normal approximation or population variance move the interval by
// about 1e-4.
//
// Errors are those of WelchT plus EInvalid when mean_c = 0. When the delta
// SE is 0 the zero-variance convention of WelchT applies.
func RelativeLift(t, c MeanSummary, confidence float64) (TestResult, error) {
	if err := validateMeans(confidence, namedSummary{"treatment", t}, namedSummary{"control", c}); err != nil {
		return TestResult{}, err
	}
	if c.Mean == 0 {
		return TestResult{}, Errorf(EInvalid, "control: the relative lift is undefined when the control mean is 0")
	}
	vt, vc := sampleVar(t), sampleVar(c)
	ratio := t.Mean / c.Mean
	r := ratio - 1
	// √(v_t/μ_c² + μ_t²·v_c/μ_c⁴) = √(v_t + (μ_t/μ_c)²·v_c) / |μ_c|, which
	// does not overflow or underflow in μ_c⁴.
	se := math.Sqrt(vt+ratio*ratio*vc) / math.Abs(c.Mean)
	if err := checkFinite(r, se); err != nil {
		return TestResult{}, err
	}
	df := welchDF([]float64{vt, vc}, []int{t.N, c.N})
	return tTest(testWelchTDelta, r, se, df, confidence), nil
}

// namedSummary pairs a summary with the name used in error messages.
type namedSummary struct {
	name string
	s    MeanSummary
}

// validateMeans checks the confidence level and every summary, reporting the
// first problem found.
func validateMeans(confidence float64, samples ...namedSummary) error {
	if err := validateConfidence(confidence); err != nil {
		return err
	}
	for _, x := range samples {
		switch {
		case x.s.N < 2:
			return Errorf(EInvalid, "%s: at least 2 observations are needed, got %d", x.name, x.s.N)
		case math.IsNaN(x.s.Mean) || math.IsInf(x.s.Mean, 0):
			return Errorf(EInvalid, "%s: the mean must be a finite number", x.name)
		case math.IsNaN(x.s.SD) || math.IsInf(x.s.SD, 0):
			return Errorf(EInvalid, "%s: the standard deviation must be a finite number", x.name)
		case x.s.SD < 0:
			return Errorf(EInvalid, "%s: the standard deviation must not be negative, got %g", x.name, x.s.SD)
		}
	}
	return nil
}

// validateConfidence accepts a confidence level strictly between 0 and 1
// (NaN fails both comparisons).
func validateConfidence(confidence float64) error {
	if !(confidence > 0 && confidence < 1) {
		return Errorf(EInvalid, "confidence: must be strictly between 0 and 1, got %g", confidence)
	}
	return nil
}

// checkFinite rejects inputs so large that the estimate or its SE overflow.
func checkFinite(estimate, se float64) error {
	if math.IsNaN(estimate) || math.IsInf(estimate, 0) || math.IsNaN(se) || math.IsInf(se, 0) {
		return Errorf(EInvalid, "the values are too large to compare")
	}
	return nil
}

// sampleVar is the variance of the sample mean, s²/n.
func sampleVar(s MeanSummary) float64 {
	return s.SD * s.SD / float64(s.N)
}

// welchDF is the generalised Welch–Satterthwaite degrees of freedom
// (Σv_i)² / Σ(v_i²/(n_i−1)). The variances are scaled by their maximum first
// so that squaring tiny variances cannot underflow to 0/0. When every
// variance is 0 the formula is undefined and Σ(n_i − 1) is returned: the df
// of the pooled test, n_t + n_c − 2 for two samples. Every n_i must be ≥ 2.
func welchDF(v []float64, n []int) float64 {
	maxV := 0.0
	for _, x := range v {
		maxV = math.Max(maxV, x)
	}
	if maxV == 0 {
		df := 0
		for _, ni := range n {
			df += ni - 1
		}
		return float64(df)
	}
	var sum, den float64
	for i, x := range v {
		w := x / maxV
		sum += w
		den += w * w / float64(n[i]-1)
	}
	return sum * sum / den
}

// tTest finishes a t-based comparison of estimate with standard error se on
// df degrees of freedom: the statistic, the two-sided p-value 2·F_df(−|t|)
// (the lower tail keeps tiny p-values instead of rounding 1 − F to 0) and
// the interval estimate ± t_{df,1−α/2}·se with α = 1 − confidence. The
// quantile is taken as −F⁻¹(α/2) for the same reason.
//
// se must be finite and ≥ 0, df > 0 and confidence in (0, 1). When se = 0
// the result is deterministic (see WelchT) and never NaN.
func tTest(test string, estimate, se, df, confidence float64) TestResult {
	res := TestResult{Test: test, Estimate: estimate, SE: se, DF: df}
	if se == 0 {
		return degenerateTest(res)
	}
	dist := distuv.StudentsT{Mu: 0, Sigma: 1, Nu: df}
	res.Stat = estimate / se
	res.PValue = twoSidedP(dist.CDF(-math.Abs(res.Stat)))
	q := -dist.Quantile((1 - confidence) / 2)
	res.CI = Interval{Low: estimate - q*se, High: estimate + q*se}
	return res
}

// degenerateTest fills in a comparison whose SE is 0: the estimate is known
// exactly, so the statistic is ±Inf (0 for a zero estimate), the p-value 0
// (1 for a zero estimate) and the interval the single point.
func degenerateTest(res TestResult) TestResult {
	switch {
	case res.Estimate > 0:
		res.Stat, res.PValue = math.Inf(1), 0
	case res.Estimate < 0:
		res.Stat, res.PValue = math.Inf(-1), 0
	default:
		res.Stat, res.PValue = 0, 1
	}
	res.CI = Interval{Low: res.Estimate, High: res.Estimate}
	return res
}

// twoSidedP doubles a lower-tail probability, capped at 1 against rounding.
func twoSidedP(lowerTail float64) float64 {
	return math.Min(1, 2*lowerTail)
}
