package domain

import (
	"fmt"
	"math"
)

// PlanInput asks how large a pilot must be to detect an effect (MDE given),
// or how small an effect a pilot of a given size can detect (NPerGroup
// given), for a two-group comparison at a two-sided level Alpha.
type PlanInput struct {
	Kind               MetricKind // KindMean or KindProportion
	BaselineMean       float64    // mean: the current level, for the record; the test depends on the SD only
	BaselineSD         float64    // mean: > 0, assumed equal in both groups
	BaselineProportion float64    // proportion: strictly between 0 and 1
	MDE                *float64   // minimum detectable effect (absolute, ≠ 0); exactly one of MDE and NPerGroup
	NPerGroup          *int       // ≥ 2
	Alpha              float64    // two-sided, 0 < alpha < 0.5
	Power              float64    // 0.5 ≤ power < 1
}

// PlanResult is the size of a pilot and the effect it can detect.
type PlanResult struct {
	NPerGroup int     // ceil of the exact n when solving for n; the given n otherwise
	NExact    float64 // the unrounded n (solving for n); the given n otherwise
	MDE       float64 // the given MDE, or the solved minimum detectable effect (positive)
	Power     float64 // the achieved power at NPerGroup and MDE
	Method    string  // "two_sample_t" (as R power.t.test) or "two_proportion" (as R power.prop.test)
}

const (
	methodTwoSampleT    = "two_sample_t"
	methodTwoProportion = "two_proportion"
	// maxMDEInSDs caps the search for a mean's MDE; no realistic plan needs
	// an effect anywhere near this many standard deviations.
	maxMDEInSDs = 1e12
	// proportionEdge keeps a searched proportion strictly inside (0, 1),
	// where the power of the two-proportion test is defined.
	proportionEdge = 1e-9
)

// Plan solves for the n per group when MDE is given, or for the MDE when
// NPerGroup is given. Invalid input, an MDE too small to detect with at most
// MaxSampleCount per group, or an n too small to reach the power with any
// effect, fail with EInvalid naming the JSON field.
func Plan(in PlanInput) (PlanResult, error) {
	if err := in.validate(); err != nil {
		return PlanResult{}, err
	}
	if in.Kind == KindMean {
		return planMean(in)
	}
	return planProportion(in)
}

func (in PlanInput) validate() error {
	var fe fieldErrors
	switch in.Kind {
	case KindMean:
		if math.IsNaN(in.BaselineMean) || math.IsInf(in.BaselineMean, 0) {
			fe.add("/baseline_mean", "must be a finite number")
		}
		if !(in.BaselineSD > 0) || math.IsInf(in.BaselineSD, 1) {
			fe.add("/baseline_sd", "must be a finite number greater than 0")
		}
	case KindProportion:
		if !validProportion(in.BaselineProportion) {
			fe.add("/baseline_proportion", "must be strictly between 0 and 1")
		}
	default:
		fe.add("/kind", "must be %s or %s", KindMean, KindProportion)
	}
	switch {
	case (in.MDE == nil) == (in.NPerGroup == nil):
		fe.add("/mde", "exactly one of mde and n_per_group must be given")
	case in.MDE != nil:
		in.validateMDE(&fe)
	case *in.NPerGroup < 2 || *in.NPerGroup > MaxSampleCount:
		fe.add("/n_per_group", "must be between 2 and %d", MaxSampleCount)
	}
	if !(in.Alpha > 0 && in.Alpha < 0.5) {
		fe.add("/alpha", "must be greater than 0 and less than 0.5")
	}
	if !(in.Power >= 0.5 && in.Power < 1) {
		fe.add("/power", "must be at least 0.5 and less than 1")
	}
	return fe.err()
}

func (in PlanInput) validateMDE(fe *fieldErrors) {
	mde := *in.MDE
	switch {
	case mde == 0 || math.IsNaN(mde) || math.IsInf(mde, 0):
		fe.add("/mde", "must be a finite number other than 0")
	case in.Kind == KindProportion && validProportion(in.BaselineProportion) && !validProportion(in.BaselineProportion+mde):
		fe.add("/mde", "baseline_proportion + mde must be strictly between 0 and 1")
	}
}

func validProportion(p float64) bool { return p > 0 && p < 1 }

func planMean(in PlanInput) (PlanResult, error) {
	power := func(n, delta float64) float64 { return PowerTwoMeans(n, delta, in.BaselineSD, in.Alpha) }
	if in.MDE != nil {
		return roundedPlan(in, SampleSizeTwoMeansT(*in.MDE, in.BaselineSD, in.Alpha, in.Power), power, methodTwoSampleT)
	}
	n := float64(*in.NPerGroup)
	reached := func(delta float64) bool { return power(n, delta) >= in.Power }
	mde, ok := smallestReaching(0, in.BaselineSD, maxMDEInSDs*in.BaselineSD, reached)
	if !ok {
		return PlanResult{}, Invalid(FieldError{Pointer: "/n_per_group", Detail: "is too small to reach the power for any realistic effect"})
	}
	return PlanResult{NPerGroup: *in.NPerGroup, NExact: n, MDE: mde, Power: power(n, mde), Method: methodTwoSampleT}, nil
}

// planProportion solves n by bisection, as R's power.prop.test does with
// uniroot, since the pooled test has no closed-form n.
func planProportion(in PlanInput) (PlanResult, error) {
	p1 := in.BaselineProportion
	power := func(n, delta float64) float64 { return PowerTwoProportions(n, p1, p1+delta, in.Alpha) }
	if in.MDE != nil {
		reached := func(n float64) bool { return power(n, *in.MDE) >= in.Power }
		n, ok := smallestReaching(2, 4, MaxSampleCount, reached)
		if !ok {
			n = math.Inf(1)
		}
		return roundedPlan(in, n, power, methodTwoProportion)
	}
	n := float64(*in.NPerGroup)
	delta, ok := proportionMDE(n, p1, in.Alpha, in.Power)
	if !ok {
		return PlanResult{}, Invalid(FieldError{Pointer: "/n_per_group", Detail: "is too small to reach the power with any change in proportion"})
	}
	return PlanResult{NPerGroup: *in.NPerGroup, NExact: n, MDE: math.Abs(delta), Power: power(n, delta), Method: methodTwoProportion}, nil
}

// proportionMDE is the signed smallest change from p1 that n per group
// detect with the given power. A rise is sought first; close to 1 there may
// be no room for one, and then a fall is the only detectable change.
func proportionMDE(n, p1, alpha, power float64) (float64, bool) {
	for _, sign := range []float64{1, -1} {
		room := 1 - p1
		if sign < 0 {
			room = p1
		}
		limit := room * (1 - proportionEdge)
		reached := func(m float64) bool { return PowerTwoProportions(n, p1, p1+sign*m, alpha) >= power }
		if m, ok := smallestReaching(0, limit, limit, reached); ok {
			return sign * m, true
		}
	}
	return 0, false
}

// roundedPlan finishes a plan solved for n: the n is rounded up and the
// power reported is the one reached there. An n above MaxSampleCount
// (including +Inf) means the MDE is too small to detect.
func roundedPlan(in PlanInput, n float64, power func(n, delta float64) float64, method string) (PlanResult, error) {
	if !(n <= MaxSampleCount) {
		return PlanResult{}, Invalid(FieldError{
			Pointer: "/mde", Detail: fmt.Sprintf("is too small to detect with at most %d per group", MaxSampleCount),
		})
	}
	rounded := math.Ceil(n)
	return PlanResult{NPerGroup: int(rounded), NExact: n, MDE: *in.MDE, Power: power(rounded, *in.MDE), Method: method}, nil
}

// smallestReaching returns, to a relative 1e-12, the smallest x in
// [lo, limit] at which reached holds, for a condition that stays true once
// it is true (power rises with n and with the effect): hi doubles, up to
// limit, until reached holds, then bisection narrows [lo, hi]. It returns
// the upper end so that the condition holds at the result. ok is false when
// reached fails even at limit.
func smallestReaching(lo, hi, limit float64, reached func(float64) bool) (x float64, ok bool) {
	if reached(lo) {
		return lo, true
	}
	for !reached(hi) {
		if hi >= limit {
			return 0, false
		}
		lo, hi = hi, math.Min(2*hi, limit)
	}
	for hi-lo > 1e-12*hi {
		mid := lo + (hi-lo)/2
		if reached(mid) {
			hi = mid
		} else {
			lo = mid
		}
	}
	return hi, true
}
