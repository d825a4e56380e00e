package domain

import (
	"math"
	"testing"

	"gonum.org/v1/gonum/integrate/quad"
	"gonum.org/v1/gonum/stat/distuv"
)

// The expected values are published results (R's poisson.test output, the
// RPubs two-proportion worked example, the NPS variance of
// stats.stackexchange answer 18609), each named with its source at the case;
// tolerances are half a unit in the last digit published.

const z975 = 1.959963984540054 // qnorm(0.975)

// assertClose fails unless got is within tol of want.
func assertClose(t *testing.T, name string, got, want, tol float64) {
	t.Helper()
	if math.IsNaN(got) || math.Abs(got-want) > tol {
		t.Errorf("%s = %.12g, want %.12g ± %g", name, got, want, tol)
	}
}

// assertRelClose fails unless got is within a relative rel of want.
func assertRelClose(t *testing.T, name string, got, want, rel float64) {
	t.Helper()
	if math.IsNaN(got) || math.Abs(got-want) > rel*math.Abs(want) {
		t.Errorf("%s = %.12g, want %.12g (relative tolerance %g)", name, got, want, rel)
	}
}

// assertInvalid fails unless err is an EInvalid error.
func assertInvalid(t *testing.T, err error) {
	t.Helper()
	if code := ErrorCodeOf(err); code != EInvalid {
		t.Errorf("error code = %q (err %v), want %q", code, err, EInvalid)
	}
}

// assertRateNoNaN fails if any number in r is NaN.
func assertRateNoNaN(t *testing.T, r TestResult) {
	t.Helper()
	for _, v := range []float64{r.Estimate, r.SE, r.Stat, r.DF, r.PValue, r.CI.Low, r.CI.High} {
		if math.IsNaN(v) {
			t.Fatalf("NaN in %+v", r)
		}
	}
}

func TestTwoProportions(t *testing.T) {
	tests := []struct {
		name           string
		xT, nT, xC, nC int
		z, zTol        float64
		p, pTol        float64
	}{
		{"P1 RPubs", 144, 1200, 192, 1200, -2.824, 5e-4, 0.0047, 5e-5},
		{"P2", 140, 200, 255, 340, -1.266, 5e-4, 0.2055, 5e-5},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := TwoProportions(tt.xT, tt.nT, tt.xC, tt.nC, 0.95)
			if err != nil {
				t.Fatal(err)
			}
			pT, pC := float64(tt.xT)/float64(tt.nT), float64(tt.xC)/float64(tt.nC)
			se := math.Sqrt(pT*(1-pT)/float64(tt.nT) + pC*(1-pC)/float64(tt.nC))
			if r.Test != "two_proportion_z" || !math.IsInf(r.DF, 1) {
				t.Errorf("Test, DF = %q, %v", r.Test, r.DF)
			}
			assertClose(t, "Estimate", r.Estimate, pT-pC, 1e-15)
			assertClose(t, "Stat", r.Stat, tt.z, tt.zTol)
			assertClose(t, "PValue", r.PValue, tt.p, tt.pTol)
			assertClose(t, "SE (unpooled)", r.SE, se, 1e-15)
			assertClose(t, "CI.Low", r.CI.Low, pT-pC-z975*se, 1e-12)
			assertClose(t, "CI.High", r.CI.High, pT-pC+z975*se, 1e-12)
		})
	}
}

func TestTwoProportionsZeroPooledVariance(t *testing.T) {
	for _, tt := range []struct{ xT, nT, xC, nC int }{{0, 50, 0, 80}, {50, 50, 80, 80}} {
		r, err := TwoProportions(tt.xT, tt.nT, tt.xC, tt.nC, 0.9)
		if err != nil {
			t.Fatal(err)
		}
		assertRateNoNaN(t, r)
		if r.PValue != 1 || r.Stat != 0 || r.Estimate != 0 {
			t.Errorf("%v: got %+v, want p 1, z 0, estimate 0", tt, r)
		}
	}
}

func TestNPS(t *testing.T) {
	// N1: shares 1/2, 1/3, 1/6 → variance per response 5/9.
	s := NPSSummary{Promoters: 300, Passives: 200, Detractors: 100}
	score, se, err := NPS(s)
	if err != nil {
		t.Fatal(err)
	}
	assertClose(t, "score", score, 33.33, 5e-3)
	assertClose(t, "variance per response", se*se*600/1e4, 0.5555556, 5e-8)

	// All passives or all promoters: zero variance, no NaN.
	for _, s := range []NPSSummary{{0, 7, 0}, {7, 0, 0}, {0, 0, 7}} {
		if _, se, err := NPS(s); err != nil || se != 0 {
			t.Errorf("NPS(%+v): se %v, err %v; want 0, nil", s, se, err)
		}
	}
}

func TestNPSDiff(t *testing.T) {
	// By hand: T 50/30/20 → NPS 30, variance .7 − .3² = .61, SE² = 61;
	// C 40/30/30 → NPS 10, variance .7 − .1² = .69, SE² = 69.
	// Difference 20, SE √130, z = 20/√130, p = erfc(z/√2).
	r, err := NPSDiff(NPSSummary{50, 30, 20}, NPSSummary{40, 30, 30}, 0.95)
	if err != nil {
		t.Fatal(err)
	}
	se := math.Sqrt(130)
	if r.Test != "nps_z" {
		t.Errorf("Test = %q", r.Test)
	}
	assertClose(t, "Estimate", r.Estimate, 20, 1e-12)
	assertClose(t, "SE", r.SE, se, 1e-12)
	assertClose(t, "Stat", r.Stat, 1.7541160386140586, 1e-12)
	assertClose(t, "PValue", r.PValue, 0.07941062599894225, 1e-12)
	assertClose(t, "CI.Low", r.CI.Low, 20-z975*se, 1e-10)
	assertClose(t, "CI.High", r.CI.High, 20+z975*se, 1e-10)

	// Zero variance on both sides but different scores: p = 0, not NaN.
	r, err = NPSDiff(NPSSummary{Promoters: 9}, NPSSummary{Detractors: 9}, 0.95)
	if err != nil {
		t.Fatal(err)
	}
	assertRateNoNaN(t, r)
	if r.PValue != 0 {
		t.Errorf("PValue = %v, want 0", r.PValue)
	}
}

func TestPoissonRateRatio(t *testing.T) {
	tests := []struct {
		name           string
		xT             int
		eT             float64
		xC             int
		eC             float64
		confidence     float64
		rr, p, lo, hi  float64
		rrT, pT, loTol float64
		hiTol          float64
	}{
		{"C1", 10, 20000, 2, 17887, 0.95, 4.47175, 0.04209885, 0.9529548, 41.97438,
			5e-6, 5e-9, 5e-8, 5e-6},
		{"C2", 909, 12, 901, 14, 0.99, 1.177026, 0.0005738838, 1.041626, 1.330051,
			5e-7, 5e-11, 5e-7, 5e-7},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := PoissonRateRatio(tt.xT, tt.eT, tt.xC, tt.eC, tt.confidence)
			if err != nil {
				t.Fatal(err)
			}
			if r.Test != "poisson_rate_ratio" {
				t.Errorf("Test = %q", r.Test)
			}
			assertClose(t, "Estimate", r.Estimate, tt.rr, tt.rrT)
			assertClose(t, "PValue", r.PValue, tt.p, tt.pT)
			assertClose(t, "CI.Low", r.CI.Low, tt.lo, tt.loTol)
			assertClose(t, "CI.High", r.CI.High, tt.hi, tt.hiTol)
			se := math.Sqrt(1/float64(tt.xT) + 1/float64(tt.xC))
			assertClose(t, "SE", r.SE, se, 1e-15)
			assertClose(t, "Stat", r.Stat, math.Log(r.Estimate)/se, 1e-12)
		})
	}
}

func TestPoissonRateRatioTinyPValue(t *testing.T) {
	// 300 vs 100 events with equal exposure: p = 2·P(X ≥ 300), X ~ Bin(400, ½),
	// = 2.5918869069720767e-24 by exact rational arithmetic.
	r, err := PoissonRateRatio(300, 1, 100, 1, 0.95)
	if err != nil {
		t.Fatal(err)
	}
	if !(r.PValue > 0 && r.PValue < 1e-20) {
		t.Fatalf("PValue = %v, want in (0, 1e-20)", r.PValue)
	}
	assertRelClose(t, "PValue", r.PValue, 2.5918869069720767e-24, 1e-10)

	// Large counts: 30000 vs 29000, exact rational value 3.907020967829971e-05.
	r, err = PoissonRateRatio(30000, 1, 29000, 1, 0.95)
	if err != nil {
		t.Fatal(err)
	}
	assertRelClose(t, "PValue (large counts)", r.PValue, 3.907020967829971e-05, 1e-8)
}

func TestPoissonRateRatioZeroCount(t *testing.T) {
	// 5 vs 0 with equal exposure: p = 2·½⁵; the lower bound of π is 0.025^(1/5).
	r, err := PoissonRateRatio(5, 3, 0, 3, 0.95)
	if err != nil {
		t.Fatal(err)
	}
	piL := math.Pow(0.025, 0.2)
	assertClose(t, "PValue", r.PValue, 0.0625, 1e-14)
	assertClose(t, "CI.Low", r.CI.Low, piL/(1-piL), 1e-10)
	if !math.IsInf(r.Estimate, 1) || !math.IsInf(r.CI.High, 1) || !math.IsInf(r.SE, 1) || r.Stat != 0 {
		t.Errorf("got %+v, want RR, CI.High, SE +Inf and Stat 0", r)
	}

	r, err = PoissonRateRatio(0, 3, 5, 3, 0.95)
	if err != nil {
		t.Fatal(err)
	}
	assertRateNoNaN(t, r)
	assertClose(t, "PValue", r.PValue, 0.0625, 1e-14)
	assertClose(t, "CI.High", r.CI.High, (1-piL)/piL, 1e-10)
	if r.Estimate != 0 || r.CI.Low != 0 {
		t.Errorf("got %+v, want RR 0 and CI.Low 0", r)
	}
}

// bruteBinomTwoSidedP is R's binom.test two-sided p summed term by term.
func bruteBinomTwoSidedP(x, n int, p float64) float64 {
	d := binomPMF(x, n, p, 1-p)
	var sum float64
	for i := 0; i <= n; i++ {
		if pi := binomPMF(i, n, p, 1-p); pi <= d*(1+1e-7) {
			sum += pi
		}
	}
	return math.Min(1, sum)
}

func TestBinomTwoSidedPMatchesBruteForce(t *testing.T) {
	for _, n := range []int{1, 2, 7, 20, 61} {
		for _, p := range []float64{0.05, 0.3, 0.5, 1.0 / 3, 0.8} {
			for x := 0; x <= n; x++ {
				got := binomTwoSidedP(x, n, p, 1-p)
				want := bruteBinomTwoSidedP(x, n, p)
				if !(math.Abs(got-want) <= 1e-10*want) {
					t.Errorf("x=%d n=%d p=%v: %.15g, want %.15g", x, n, p, got, want)
				}
			}
		}
	}
}

func TestPoissonRateRatioInvalid(t *testing.T) {
	tests := []struct {
		name   string
		xT, xC int
		eT, eC float64
		conf   float64
	}{
		{"negative count", -1, 3, 1, 1, 0.95},
		{"zero exposure", 1, 3, 0, 1, 0.95},
		{"negative exposure", 1, 3, 1, -2, 0.95},
		{"infinite exposure", 1, 3, math.Inf(1), 1, 0.95},
		{"NaN exposure", 1, 3, math.NaN(), 1, 0.95},
		{"no events", 0, 0, 1, 1, 0.95},
		{"confidence 1", 1, 3, 1, 1, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := PoissonRateRatio(tt.xT, tt.eT, tt.xC, tt.eC, tt.conf)
			assertInvalid(t, err)
		})
	}
}

func TestProportionsAndNPSInvalid(t *testing.T) {
	tests := []struct {
		name string
		call func() error
	}{
		{"n 0", func() error { _, err := TwoProportions(0, 0, 1, 10, 0.95); return err }},
		{"x negative", func() error { _, err := TwoProportions(-1, 10, 1, 10, 0.95); return err }},
		{"x above n", func() error { _, err := TwoProportions(1, 10, 11, 10, 0.95); return err }},
		{"confidence 0", func() error { _, err := TwoProportions(1, 10, 1, 10, 0); return err }},
		{"confidence NaN", func() error { _, err := TwoProportions(1, 10, 1, 10, math.NaN()); return err }},
		{"NPS negative", func() error { _, _, err := NPS(NPSSummary{1, -1, 0}); return err }},
		{"NPS empty", func() error { _, _, err := NPS(NPSSummary{}); return err }},
		{"NPSDiff empty", func() error { _, err := NPSDiff(NPSSummary{1, 0, 0}, NPSSummary{}, 0.95); return err }},
		{"NPSDiff confidence", func() error { _, err := NPSDiff(NPSSummary{1, 0, 0}, NPSSummary{1, 0, 0}, 1.5); return err }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { assertInvalid(t, tt.call()) })
	}
}

func TestPower(t *testing.T) {
	tests := []struct {
		name      string
		got, want float64
		tol       float64
	}{
		{"R1 power.prop.test(n=50, p1=.5, p2=.75)", PowerTwoProportions(50, .5, .75, .05), 0.7401659, 5e-8},
		{"R2 power.t.test(n=20, delta=1)", PowerTwoMeans(20, 1, 1, .05), 0.8689528, 5e-8},
		{"R2 negative delta, scaled sd", PowerTwoMeans(20, -2, 2, .05), 0.8689528, 5e-8},
		{"R2 n for power .90", SampleSizeTwoMeansT(1, 1, .05, .90), 22.02110, 5e-6},
		// Normal approximation by hand: (qnorm(.975) + qnorm(.9))²·2.
		{"normal n for power .90", SampleSizeTwoMeans(1, 1, .05, .90), math.Pow(z975+1.2815515655446004, 2) * 2, 1e-10},
		// With no difference the strict = FALSE power is the upper tail, α/2.
		{"t power at delta 0", PowerTwoMeans(20, 0, 1, .05), 0.025, 1e-12},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { assertClose(t, tt.name, tt.got, tt.want, tt.tol) })
	}
	if p := PowerTwoMeans(SampleSizeTwoMeansT(0.5, 1.3, 0.01, 0.8), 0.5, 1.3, 0.01); math.Abs(p-0.8) > 1e-9 {
		t.Errorf("power at the solved n = %v, want 0.8", p)
	}
}

func TestPowerInvalidIsNaN(t *testing.T) {
	for name, v := range map[string]float64{
		"prop n 0":       PowerTwoProportions(0, .5, .6, .05),
		"prop p 1":       PowerTwoProportions(10, 1, .6, .05),
		"t n 1":          PowerTwoMeans(1, 1, 1, .05),
		"t sd 0":         PowerTwoMeans(10, 1, 0, .05),
		"normal delta 0": SampleSizeTwoMeans(0, 1, .05, .8),
		"t power 1":      SampleSizeTwoMeansT(1, 1, .05, 1),
	} {
		if !math.IsNaN(v) {
			t.Errorf("%s = %v, want NaN", name, v)
		}
	}
}

// integratedNoncentralTCDF is P(T ≤ t) = E[Φ(t·√(V/df) − ncp)], V ~ χ²(df),
// by Gauss–Legendre quadrature: an independent check of AS 243.
func integratedNoncentralTCDF(t, df, ncp float64) float64 {
	chi := distuv.ChiSquared{K: df}
	f := func(v float64) float64 {
		return distuv.UnitNormal.CDF(t*math.Sqrt(v/df)-ncp) * chi.Prob(v)
	}
	return quad.Fixed(f, 0, df+80*math.Sqrt(2*df)+100, 4000, nil, 0)
}

func TestNoncentralTCDF(t *testing.T) {
	for _, c := range []struct{ t, df, ncp float64 }{
		{2.024394, 38, math.Sqrt(10)}, {1, 10, 1}, {-1, 5, 0.5}, {3, 4, 2}, {0.5, 30, -1}, {-2, 8, -3},
	} {
		got := noncentralTCDF(c.t, c.df, c.ncp)
		assertClose(t, "noncentralTCDF", got, integratedNoncentralTCDF(c.t, c.df, c.ncp), 1e-10)
	}
}
