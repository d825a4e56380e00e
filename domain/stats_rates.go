package domain

import (
	"math"

	"gonum.org/v1/gonum/mathext"
	"gonum.org/v1/gonum/stat/distuv"
)

// This file holds the tests for proportions, NPS and Poisson rates and the
// power and sample-size calculations used to plan a pilot. The Interval and
// TestResult types and validateConfidence are defined in stats_means.go.

// TwoProportions compares xT successes of nT (treatment) with xC of nC
// (control). Estimate is p_T − p_C; SE is the unpooled
// √(p_T(1−p_T)/n_T + p_C(1−p_C)/n_C), used for the confidence interval; Stat
// and PValue come from the pooled z test. When the pooled variance is zero
// (no successes at all, or only successes) the difference is 0 and p = 1.
func TwoProportions(xT, nT, xC, nC int, confidence float64) (TestResult, error) {
	if err := checkProportion("treatment", xT, nT); err != nil {
		return TestResult{}, err
	}
	if err := checkProportion("control", xC, nC); err != nil {
		return TestResult{}, err
	}
	if err := validateConfidence(confidence); err != nil {
		return TestResult{}, err
	}
	pT, pC := float64(xT)/float64(nT), float64(xC)/float64(nC)
	pooled := float64(xT+xC) / float64(nT+nC)
	seTest := math.Sqrt(pooled * (1 - pooled) * (1/float64(nT) + 1/float64(nC)))
	seCI := math.Sqrt(pT*(1-pT)/float64(nT) + pC*(1-pC)/float64(nC))
	return normalTestResult("two_proportion_z", pT-pC, seTest, seCI, confidence), nil
}

func checkProportion(group string, x, n int) error {
	switch {
	case n < 1:
		return Errorf(EInvalid, "%s: the number of trials must be at least 1, got %d", group, n)
	case x < 0 || x > n:
		return Errorf(EInvalid, "%s: successes must be between 0 and %d, got %d", group, n, x)
	}
	return nil
}

// NPSSummary counts the answers of a Net Promoter Score survey.
type NPSSummary struct{ Promoters, Passives, Detractors int }

// NPS returns the score 100·(P − D), where P and D are the shares of
// promoters and detractors, and its standard error
// 100·√((P + D − (P − D)²)/n).
func NPS(s NPSSummary) (score, se float64, err error) {
	if s.Promoters < 0 || s.Passives < 0 || s.Detractors < 0 {
		return 0, 0, Errorf(EInvalid, "NPS counts must not be negative")
	}
	n := float64(s.Promoters) + float64(s.Passives) + float64(s.Detractors)
	if n == 0 {
		return 0, 0, Errorf(EInvalid, "NPS needs at least one answer")
	}
	p, d := float64(s.Promoters)/n, float64(s.Detractors)/n
	variance := math.Max(0, p+d-(p-d)*(p-d)) // per response; rounding can dip below 0
	return 100 * (p - d), 100 * math.Sqrt(variance/n), nil
}

// NPSDiff compares two NPS (treatment − control) with a normal test whose
// SE is √(SE_T² + SE_C²).
func NPSDiff(t, c NPSSummary, confidence float64) (TestResult, error) {
	scoreT, seT, err := NPS(t)
	if err != nil {
		return TestResult{}, err
	}
	scoreC, seC, err := NPS(c)
	if err != nil {
		return TestResult{}, err
	}
	if err := validateConfidence(confidence); err != nil {
		return TestResult{}, err
	}
	se := math.Hypot(seT, seC)
	return normalTestResult("nps_z", scoreT-scoreC, se, se, confidence), nil
}

// normalTestResult is the two-sided normal test of est with seTest and the
// confidence interval est ± z·seCI. A zero seTest gives p = 1 for a zero
// estimate and p = 0 otherwise, never NaN.
func normalTestResult(test string, est, seTest, seCI, confidence float64) TestResult {
	var z float64
	switch {
	case seTest > 0:
		z = est / seTest
	case est != 0:
		z = math.Copysign(math.Inf(1), est)
	}
	half := distuv.UnitNormal.Quantile(0.5+confidence/2) * seCI
	return TestResult{
		Test:     test,
		Estimate: est,
		SE:       seCI,
		Stat:     z,
		DF:       math.Inf(1),
		PValue:   2 * distuv.UnitNormal.CDF(-math.Abs(z)),
		CI:       Interval{Low: est - half, High: est + half},
	}
}

// PoissonRateRatio compares xT events over exposure eT with xC events over
// eC, as R's poisson.test(c(xT, xC), c(eT, eC)). Estimate is the rate ratio
// RR = (xT/eT)/(xC/eC). PValue and CI are exact: conditional on
// n = xT + xC, xT ~ Binomial(n, eT/(eT+eC)); the p-value is R's binom.test
// two-sided p and the interval is Clopper–Pearson, mapped to RR. SE is the
// Wald SE of ln RR, √(1/xT + 1/xC) (+Inf when a count is 0), Stat the Wald z
// ln(RR)/SE (0, its limit, when a count is 0) and DF +Inf.
func PoissonRateRatio(xT int, eT float64, xC int, eC float64, confidence float64) (TestResult, error) {
	if err := checkPoissonInput(xT, eT, xC, eC); err != nil {
		return TestResult{}, err
	}
	if err := validateConfidence(confidence); err != nil {
		return TestResult{}, err
	}
	n := xT + xC
	p0, q0 := eT/(eT+eC), eC/(eT+eC)
	if !(p0 > 0 && q0 > 0) {
		return TestResult{}, Errorf(EInvalid, "the exposures are too far apart to compare")
	}
	alpha := 1 - confidence
	scale := eC / eT // odds of the binomial proportion → rate ratio
	se := math.Sqrt(1/float64(xT) + 1/float64(xC))
	var stat float64
	if xT > 0 && xC > 0 {
		stat = math.Log(float64(xT)/float64(xC)*scale) / se
	}
	return TestResult{
		Test:     "poisson_rate_ratio",
		Estimate: (float64(xT) / eT) / (float64(xC) / eC),
		SE:       se,
		Stat:     stat,
		DF:       math.Inf(1),
		PValue:   binomTwoSidedP(xT, n, p0, q0),
		CI: Interval{
			Low:  clopperPearsonLowerOdds(xT, n, alpha) * scale,
			High: scale / clopperPearsonLowerOdds(n-xT, n, alpha),
		},
	}, nil
}

func checkPoissonInput(xT int, eT float64, xC int, eC float64) error {
	switch {
	case xT < 0 || xC < 0:
		return Errorf(EInvalid, "event counts must not be negative")
	case !(eT > 0 && eC > 0) || math.IsInf(eT, 0) || math.IsInf(eC, 0):
		return Errorf(EInvalid, "exposures must be positive and finite")
	case xT+xC == 0:
		return Errorf(EInvalid, "no events in either group")
	}
	return nil
}

// clopperPearsonLowerOdds is π_L/(1−π_L) for the lower Clopper–Pearson bound
// π_L = qbeta(α/2, x, n−x+1) of x successes of n (0 when x = 0). The upper
// bound's odds are 1/clopperPearsonLowerOdds(n−x, n, α), by symmetry.
func clopperPearsonLowerOdds(x, n int, alpha float64) float64 {
	if x == 0 {
		return 0
	}
	pi := mathext.InvRegIncBeta(float64(x), float64(n-x+1), alpha/2)
	return pi / (1 - pi)
}

// binomTwoSidedP is R's binom.test two-sided p-value for x successes of n
// with success probability p (q = 1 − p): the probability of all outcomes
// no more likely than x, with relative tolerance 1 + 1e−7. The pmf is
// unimodal, so the outcomes on the far side are found by binary search and
// both tails come from the incomplete beta function directly.
func binomTwoSidedP(x, n int, p, q float64) float64 {
	const relErr = 1 + 1e-7
	limit := binomPMF(x, n, p, q) * relErr
	m := float64(n) * p
	var pv float64
	switch {
	case float64(x) == m:
		return 1
	case float64(x) < m:
		// First i in [ceil(m), n] with pmf(i) ≤ limit; the pmf falls there.
		lo, hi := int(math.Ceil(m)), n+1
		for lo < hi {
			mid := lo + (hi-lo)/2
			if binomPMF(mid, n, p, q) <= limit {
				hi = mid
			} else {
				lo = mid + 1
			}
		}
		pv = binomLowerTail(x, n, p, q) + binomUpperTail(lo-1, n, p, q)
	default:
		// First i in [0, floor(m)] with pmf(i) > limit; the pmf rises there.
		lo, hi := 0, int(math.Floor(m))+1
		for lo < hi {
			mid := lo + (hi-lo)/2
			if binomPMF(mid, n, p, q) > limit {
				hi = mid
			} else {
				lo = mid + 1
			}
		}
		pv = binomLowerTail(lo-1, n, p, q) + binomUpperTail(x-1, n, p, q)
	}
	return math.Min(1, pv)
}

// binomLowerTail is P(X ≤ k) for X ~ Binomial(n, p), q = 1 − p.
func binomLowerTail(k, n int, p, q float64) float64 {
	switch {
	case k < 0:
		return 0
	case k >= n:
		return 1
	}
	return mathext.RegIncBeta(float64(n-k), float64(k+1), q)
}

// binomUpperTail is P(X > k) for X ~ Binomial(n, p), q = 1 − p, computed
// directly rather than as 1 − P(X ≤ k).
func binomUpperTail(k, n int, p, q float64) float64 {
	switch {
	case k < 0:
		return 1
	case k >= n:
		return 0
	}
	return mathext.RegIncBeta(float64(k+1), float64(n-k), p)
}

// binomPMF is the binomial probability of x successes of n, by Loader's
// saddle-point algorithm (as R's dbinom), accurate to a few ulps also far
// in the tails and for large n.
func binomPMF(x, n int, p, q float64) float64 {
	fx, fn := float64(x), float64(n)
	switch {
	case x < 0 || x > n:
		return 0
	case x == 0:
		if p < 0.1 {
			return math.Exp(-binomDeviance(fn, fn*q) - fn*p)
		}
		return math.Exp(fn * math.Log(q))
	case x == n:
		if q < 0.1 {
			return math.Exp(-binomDeviance(fn, fn*p) - fn*q)
		}
		return math.Exp(fn * math.Log(p))
	}
	lc := stirlingError(fn) - stirlingError(fx) - stirlingError(fn-fx) -
		binomDeviance(fx, fn*p) - binomDeviance(fn-fx, fn*q)
	lf := math.Log(2*math.Pi) + math.Log(fx) + math.Log1p(-fx/fn)
	return math.Exp(lc - 0.5*lf)
}

// stirlingError is ln(n!) − ln(√(2π n)·(n/e)ⁿ) for n ≥ 1.
func stirlingError(n float64) float64 {
	const (
		s0 = 1.0 / 12
		s1 = 1.0 / 360
		s2 = 1.0 / 1260
		s3 = 1.0 / 1680
		s4 = 1.0 / 1188
	)
	if n <= 15 {
		lg, _ := math.Lgamma(n + 1)
		return lg - (n+0.5)*math.Log(n) + n - 0.5*math.Log(2*math.Pi)
	}
	nn := n * n
	switch {
	case n > 500:
		return (s0 - s1/nn) / n
	case n > 80:
		return (s0 - (s1-s2/nn)/nn) / n
	case n > 35:
		return (s0 - (s1-(s2-s3/nn)/nn)/nn) / n
	}
	return (s0 - (s1-(s2-(s3-s4/nn)/nn)/nn)/nn) / n
}

// binomDeviance is x·ln(x/np) + np − x, computed without cancellation when
// x is close to np (Loader's bd0).
func binomDeviance(x, np float64) float64 {
	if math.Abs(x-np) < 0.1*(x+np) {
		v := (x - np) / (x + np)
		s := (x - np) * v
		ej := 2 * x * v
		v *= v
		for j := 1; j < 1000; j++ {
			ej *= v
			s1 := s + ej/float64(2*j+1)
			if s1 == s {
				return s
			}
			s = s1
		}
	}
	return x*math.Log(x/np) + np - x
}

// PowerTwoProportions is the power of the two-sided pooled two-proportion
// test with n per group, as R's power.prop.test(n, p1, p2, sig.level) with
// its default strict = FALSE. It returns NaN for invalid input.
func PowerTwoProportions(n float64, p1, p2, alpha float64) float64 {
	if !(n > 0 && p1 > 0 && p1 < 1 && p2 > 0 && p2 < 1 && alpha > 0 && alpha < 1) {
		return math.NaN()
	}
	qu := -distuv.UnitNormal.Quantile(alpha / 2)
	pbar := (p1 + p2) / 2
	null := qu * math.Sqrt(2*pbar*(1-pbar))
	alt := math.Sqrt(p1*(1-p1) + p2*(1-p2))
	d := math.Sqrt(n) * math.Abs(p1-p2)
	return distuv.UnitNormal.CDF((d - null) / alt)
}

// PowerTwoMeans is the power of the two-sided two-sample t test with n per
// group, difference delta and common standard deviation sd, as R's
// power.t.test(n, delta, sd, sig.level) with strict = FALSE. It returns NaN
// for invalid input (n ≤ 1, sd ≤ 0, alpha outside (0, 1)).
func PowerTwoMeans(n, delta, sd, alpha float64) float64 {
	if !(n > 1 && sd > 0 && alpha > 0 && alpha < 1) || math.IsNaN(delta) {
		return math.NaN()
	}
	nu := 2 * (n - 1)
	qu := distuv.StudentsT{Mu: 0, Sigma: 1, Nu: nu}.Quantile(1 - alpha/2)
	ncp := math.Sqrt(n/2) * math.Abs(delta) / sd
	return 1 - noncentralTCDF(qu, nu, ncp)
}

// SampleSizeTwoMeans is the n per group for a two-sided two-sample test of
// difference delta with standard deviation sd in each group, by the normal
// approximation n = (z_{1−α/2} + z_power)²·2σ²/δ². NaN for invalid input.
func SampleSizeTwoMeans(delta, sd, alpha, power float64) float64 {
	if !validSampleSizeInput(delta, sd, alpha, power) {
		return math.NaN()
	}
	z := distuv.UnitNormal.Quantile(1-alpha/2) + distuv.UnitNormal.Quantile(power)
	return z * z * 2 * sd * sd / (delta * delta)
}

// SampleSizeTwoMeansT is the n per group at which PowerTwoMeans reaches
// power, as R's power.t.test(delta, sd, sig.level, power) (but solved to
// full precision; n is at least 2). NaN for invalid input.
func SampleSizeTwoMeansT(delta, sd, alpha, power float64) float64 {
	if !validSampleSizeInput(delta, sd, alpha, power) {
		return math.NaN()
	}
	short := func(n float64) bool { return PowerTwoMeans(n, delta, sd, alpha) < power }
	lo, hi := 2.0, 4.0
	if !short(lo) {
		return lo
	}
	for short(hi) {
		if hi > 1e15 {
			return math.Inf(1)
		}
		lo, hi = hi, 2*hi
	}
	for hi-lo > 1e-12*hi { // bisection: power rises with n
		mid := lo + (hi-lo)/2
		if short(mid) {
			lo = mid
		} else {
			hi = mid
		}
	}
	return lo + (hi-lo)/2
}

func validSampleSizeInput(delta, sd, alpha, power float64) bool {
	return delta != 0 && !math.IsNaN(delta) && !math.IsInf(delta, 0) &&
		sd > 0 && !math.IsInf(sd, 0) && alpha > 0 && alpha < 1 && power > 0 && power < 1
}

// noncentralTCDF is P(T ≤ t) for T noncentral t with df degrees of freedom
// and noncentrality ncp, by algorithm AS 243 (Lenth, 1989) as in R's pnt.
func noncentralTCDF(t, df, ncp float64) float64 {
	if ncp == 0 {
		return distuv.StudentsT{Mu: 0, Sigma: 1, Nu: df}.CDF(t)
	}
	if math.IsInf(t, 0) {
		if t < 0 {
			return 0
		}
		return 1
	}
	negdel, tt, del := false, t, ncp
	if t < 0 {
		negdel, tt, del = true, -t, -ncp
	}
	var tnc float64
	if df > 4e5 || del*del > 2*math.Ln2*1021 {
		// Abramowitz & Stegun 26.7.10.
		s := 1 / (4 * df)
		tnc = distuv.Normal{Mu: del, Sigma: math.Sqrt(1 + tt*tt*2*s)}.CDF(tt * (1 - s))
	} else {
		tnc = noncentralTSeries(tt, df, del) + distuv.UnitNormal.CDF(-del)
	}
	tnc = math.Min(tnc, 1)
	if negdel {
		return 1 - tnc
	}
	return tnc
}

// noncentralTSeries is the twin series of AS 243 (Guenther, 1978) for
// t ≥ 0: P(T ≤ t) − Φ(−δ).
func noncentralTSeries(t, df, del float64) float64 {
	const (
		itrmax = 1000
		errmax = 1e-12
	)
	if t == 0 {
		return 0
	}
	x := t * t
	rxb := df / (x + df) // 1 − x below, computed accurately
	x /= x + df
	lambda := del * del
	p := 0.5 * math.Exp(-0.5*lambda)
	if p == 0 {
		return 0
	}
	q := math.Sqrt(2/math.Pi) * p * del
	s := 0.5 - p
	if s < 1e-7 {
		s = -0.5 * math.Expm1(-0.5*lambda)
	}
	a, b := 0.5, 0.5*df
	rxb = math.Pow(rxb, b)
	lgb, _ := math.Lgamma(b)
	lgb5, _ := math.Lgamma(0.5 + b)
	albeta := 0.5*math.Log(math.Pi) + lgb - lgb5
	xodd := mathext.RegIncBeta(a, b, x)
	godd := 2 * rxb * math.Exp(a*math.Log(x)-albeta)
	tnc := b * x
	xeven := 1 - rxb
	if tnc < 0x1p-52 {
		xeven = tnc
	}
	geven := tnc * rxb
	tnc = p*xodd + q*xeven
	for it := 1; it <= itrmax; it++ {
		a++
		xodd -= godd
		xeven -= geven
		godd *= x * (a + b - 1) / a
		geven *= x * (a + b - 0.5) / (a + 0.5)
		p *= lambda / float64(2*it)
		q *= lambda / float64(2*it+1)
		tnc += p*xodd + q*xeven
		s -= p
		if s < -1e-10 || (s <= 0 && it > 1) {
			break
		}
		if math.Abs(2*s*(xodd-godd)) < errmax {
			break
		}
	}
	return tnc
}
