package domain

import (
	"errors"
	"fmt"
	"math"
	"strings"
)

// This file turns a metric's samples into a MetricResult: it chooses the
// design from the samples that exist, runs the comparison of stats_means.go
// or stats_rates.go that fits the metric's kind, turns the signed change
// into an improvement by the metric's direction and warns about samples too
// small or too uneven to trust.

// Test names reported by the designs that stats_means.go and stats_rates.go
// do not name themselves.
const (
	testPairedT           = "paired_t"
	testPropDiffInDiff    = "diff_in_diff_z"
	testNPSDiffInDiff     = "nps_diff_in_diff_z"
	testRatioOfRateRatios = "poisson_ratio_of_rate_ratios"
)

// Rules of thumb behind the sample warnings, and the fewest units a paired
// design needs.
const (
	minMeanObservations   = 10
	minProportionOutcomes = 5
	minNPSAnswers         = 30
	minCountEvents        = 10
	maxSampleImbalance    = 4
	minPairedUnits        = 2
)

// Names of the samples in warnings and error messages.
const (
	cellPilotBefore         = "pilot before"
	cellPilotAfter          = "pilot after"
	cellControlBefore       = "control before"
	cellControlAfter        = "control after"
	cellPilotChangeScores   = "pilot change scores"
	cellControlChangeScores = "control change scores"
)

const (
	warnUnpairedFallback = "a paired analysis needs at least 2 units measured in both periods in each group; " +
		"analysed as independent samples"
	warnControlUnpaired = "the pilot group's units were measured in both periods but the control group's were not; " +
		"analysed as independent samples"
	warnNoSpread = "the interval has zero width because the data show no variation; no verdict is given"
)

// AnalyzeMetric analyses one metric's samples at the given confidence level (0.8–0.99).
func AnalyzeMetric(m Metric, s MetricSamples, confidence float64) MetricResult {
	r := MetricResult{
		MetricID: m.ID, Name: m.Name, Unit: m.Unit, Kind: m.Kind, Direction: m.Direction,
		Primary: m.Primary, Guardrail: m.Guardrail, Verdict: VerdictInconclusive,
	}
	d, warnings := chooseDesign(m.Kind, s)
	r.Design, r.Sizes = d, sampleSizes(m.Kind, d, s)
	if s.PilotBefore == nil {
		warnings = append(warnings, "missing sample: pilot before")
	}
	if s.PilotAfter == nil {
		warnings = append(warnings, "missing sample: pilot after")
	}
	if s.PilotBefore == nil || s.PilotAfter == nil {
		r.Warnings = warnings
		return r
	}
	c, err := compute(m.Kind, d, s, confidence)
	if err != nil {
		warnings = append(warnings, errorMessage(err))
	} else {
		r.setChange(c)
		warnings = append(warnings, c.warnings...)
		if r.CI.Low == r.CI.High {
			warnings = append(warnings, warnNoSpread)
		}
	}
	r.Warnings = append(warnings, sampleWarnings(usedCells(m.Kind, d, s), m.Kind)...)
	return r
}

// chooseDesign picks the design from the samples that exist. Change scores
// are only used when every group in the design has them, since pairing one
// group and not the other would mix two kinds of variance.
func chooseDesign(kind MetricKind, s MetricSamples) (Design, []string) {
	warnings := []string{}
	control := s.ControlBefore != nil && s.ControlAfter != nil
	switch {
	case s.ControlBefore != nil && !control:
		warnings = append(warnings, "control group has only a before sample; analysed without control")
	case s.ControlAfter != nil && !control:
		warnings = append(warnings, "control group has only an after sample; analysed without control")
	}
	pilotMeasured := s.PilotBefore != nil && s.PilotAfter != nil
	if kind == KindMean && pilotMeasured && s.PilotChange != nil && control && s.ControlChange == nil {
		warnings = append(warnings, warnControlUnpaired)
	}
	if kind == KindMean && pilotMeasured && s.PilotChange != nil && (!control || s.ControlChange != nil) {
		switch {
		case s.PilotChange.N < minPairedUnits || (control && s.ControlChange.N < minPairedUnits):
			warnings = append(warnings, warnUnpairedFallback)
		case control:
			return DesignPairedDiffInDiff, warnings
		default:
			return DesignPairedBeforeAfter, warnings
		}
	}
	if control {
		return DesignDiffInDiff, warnings
	}
	return DesignBeforeAfter, warnings
}

// sampleSizes reports the size of every sample given, used by the design or
// not, and the number of units when the design is paired.
func sampleSizes(kind MetricKind, d Design, s MetricSamples) SampleSizes {
	size := func(x *Sample) int {
		if x == nil {
			return 0
		}
		return x.Size(kind)
	}
	z := SampleSizes{
		PilotBefore: size(s.PilotBefore), PilotAfter: size(s.PilotAfter),
		ControlBefore: size(s.ControlBefore), ControlAfter: size(s.ControlAfter),
	}
	switch d {
	case DesignPairedDiffInDiff:
		z.ControlUnits = s.ControlChange.N
		fallthrough
	case DesignPairedBeforeAfter:
		z.PilotUnits = s.PilotChange.N
	}
	return z
}

// change is a metric's estimated change before it is turned by direction.
type change struct {
	TestResult // Test, Estimate, CI and PValue are reported
	relative   *float64
	relCI      *Interval
	warnings   []string
}

// compute runs the comparison for the metric's kind and design. The result
// is stored as JSON, which has no NaN or infinity, so a non-finite number is
// an error rather than a result.
func compute(kind MetricKind, d Design, s MetricSamples, confidence float64) (change, error) {
	if err := validateConfidence(confidence); err != nil {
		return change{}, err
	}
	if _, ok := ParseMetricKind(string(kind)); !ok {
		return change{}, Errorf(EInvalid, "unknown metric kind %q", kind)
	}
	if err := validateCells(kind, d, s); err != nil {
		return change{}, err
	}
	var c change
	var err error
	switch kind {
	case KindMean:
		c, err = meanChange(d, s, confidence)
	case KindProportion:
		c, err = proportionChange(d, s, confidence)
	case KindNPS:
		c, err = npsChange(d, s, confidence)
	default:
		c, err = countChange(d, s, confidence)
	}
	if err == nil && !c.finite() {
		err = Errorf(EInvalid, "the values are too extreme to give a finite result")
	}
	return c, err
}

func (c change) finite() bool {
	vs := []float64{c.Estimate, c.CI.Low, c.CI.High, c.PValue}
	if c.relative != nil {
		vs = append(vs, *c.relative)
	}
	if c.relCI != nil {
		vs = append(vs, c.relCI.Low, c.relCI.High)
	}
	for _, v := range vs {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return false
		}
	}
	return true
}

// validateCells checks the samples the design compares before the stats
// functions do, so that an error names the sample ("pilot before") rather
// than the function's "treatment" or "control".
func validateCells(kind MetricKind, d Design, s MetricSamples) error {
	samples := fourCells(s)
	for i, x := range samples[:cellCount(d)] {
		var e *Error
		if err := x.Validate(kind); errors.As(err, &e) {
			f := e.Fields[0]
			return Errorf(EInvalid, "%s: %s: %s", fourCellNames[i], strings.TrimPrefix(f.Pointer, "/"), f.Detail)
		}
	}
	return nil
}

// cellCount is how many of fourCells the design uses.
func cellCount(d Design) int {
	if d == DesignDiffInDiff || d == DesignPairedDiffInDiff {
		return 4
	}
	return 2
}

// setChange fills the numbers of a computed result and the verdict.
func (r *MetricResult) setChange(c change) {
	r.Computed = true
	r.Test, r.Estimate, r.CI, r.PValue = c.Test, c.Estimate, c.CI, c.PValue
	r.RelativeChange, r.RelativeCI = c.relative, c.relCI
	r.Improvement, r.ImprovementCI = r.Estimate, r.CI
	if r.Direction == LowerIsBetter {
		r.Improvement, r.ImprovementCI = -r.Estimate, Interval{Low: -r.CI.High, High: -r.CI.Low}
	}
	switch {
	case r.CI.Low == r.CI.High:
		// No spread in the data gives a zero-width interval: an artefact of
		// the approximation, not certainty, so no verdict (AnalyzeMetric warns).
	case r.ImprovementCI.Low > 0:
		r.Verdict = VerdictImproved
	case r.ImprovementCI.High < 0:
		r.Verdict = VerdictWorsened
	}
	r.GuardrailBreached = r.Guardrail && r.Verdict == VerdictWorsened
}

// errorMessage is the client-safe message of an *Error, shown as a warning.
func errorMessage(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Message
	}
	return err.Error()
}

// fourCells lists the samples of a difference-in-differences in the order
// pilot before, pilot after, control before, control after.
func fourCells(s MetricSamples) [4]*Sample {
	return [4]*Sample{s.PilotBefore, s.PilotAfter, s.ControlBefore, s.ControlAfter}
}

var fourCellNames = [4]string{cellPilotBefore, cellPilotAfter, cellControlBefore, cellControlAfter}

func meanSummary(x *Sample) MeanSummary { return MeanSummary{N: x.N, Mean: x.Mean, SD: x.SD} }

func meanChange(d Design, s MetricSamples, confidence float64) (change, error) {
	tb, ta := meanSummary(s.PilotBefore), meanSummary(s.PilotAfter)
	var res TestResult
	var err error
	switch d {
	case DesignBeforeAfter:
		return meanBeforeAfter(tb, ta, confidence)
	case DesignDiffInDiff:
		return meanDiffInDiff(tb, ta, meanSummary(s.ControlBefore), meanSummary(s.ControlAfter), confidence)
	case DesignPairedBeforeAfter:
		res, err = pairedT(*s.PilotChange, confidence)
	default:
		res, err = pairedWelchT(*s.PilotChange, *s.ControlChange, confidence)
	}
	if err != nil {
		return change{}, err
	}
	// Summaries do not tell how the change scores covary with the baseline,
	// so a paired relative change has no interval.
	return pointRelative(res, tb.Mean), nil
}

func meanBeforeAfter(tb, ta MeanSummary, confidence float64) (change, error) {
	res, err := WelchT(ta, tb, confidence)
	if err != nil {
		return change{}, err
	}
	c := change{TestResult: res}
	if tb.Mean == 0 {
		return c, nil
	}
	rel, err := RelativeLift(ta, tb, confidence)
	if err != nil {
		return change{}, err
	}
	// RelativeLift divides by the before mean; dividing by its absolute
	// value instead gives the relative change the sign of the change, as
	// for every other design, when the before mean is negative.
	if tb.Mean < 0 {
		rel.Estimate, rel.CI = -rel.Estimate, Interval{Low: -rel.CI.High, High: -rel.CI.Low}
	}
	c.relative, c.relCI = &rel.Estimate, &rel.CI
	return c, nil
}

// meanDiffInDiff adds to DiffInDiff the relative change r = D/B, B the pilot
// group's before mean, with its delta-method interval. The before mean
// enters D with a minus sign, so Cov(D, B) = −v_B and
// Var(r)·B² = Var(D) + r²·v_B + 2r·v_B = v_Ta + v_Cb + v_Ca + (1 + r)²·v_B,
// a sum of non-negative terms. The relative change reported is D/|B|, which
// has the same variance and always the sign of D.
func meanDiffInDiff(tb, ta, cb, ca MeanSummary, confidence float64) (change, error) {
	res, err := DiffInDiff(tb, ta, cb, ca, confidence)
	if err != nil {
		return change{}, err
	}
	c := change{TestResult: res}
	if tb.Mean == 0 {
		return c, nil
	}
	r := res.Estimate / tb.Mean
	v := sampleVar(ta) + sampleVar(cb) + sampleVar(ca) + (1+r)*(1+r)*sampleVar(tb)
	se := math.Sqrt(v) / math.Abs(tb.Mean)
	if err := checkFinite(r, se); err != nil {
		return change{}, err
	}
	rel := tTest(testDiffInDiff, res.Estimate/math.Abs(tb.Mean), se, res.DF, confidence)
	c.relative, c.relCI = &rel.Estimate, &rel.CI
	return c, nil
}

// pairedT is the one-sample t test of the mean of per-unit change scores.
func pairedT(d MeanSummary, confidence float64) (TestResult, error) {
	if err := validateMeans(confidence, namedSummary{cellPilotChangeScores, d}); err != nil {
		return TestResult{}, err
	}
	se := d.SD / math.Sqrt(float64(d.N))
	if err := checkFinite(d.Mean, se); err != nil {
		return TestResult{}, err
	}
	return tTest(testPairedT, d.Mean, se, float64(d.N-1), confidence), nil
}

// pairedWelchT is Welch's t on the two groups' change scores, checked first
// so that an error names the change scores rather than "treatment".
func pairedWelchT(pilot, control MeanSummary, confidence float64) (TestResult, error) {
	err := validateMeans(confidence, namedSummary{cellPilotChangeScores, pilot}, namedSummary{cellControlChangeScores, control})
	if err != nil {
		return TestResult{}, err
	}
	return WelchT(pilot, control, confidence)
}

// pointRelative sets the relative change estimate/|base| without an
// interval, so that it has the sign of the estimate; none when base is 0.
func pointRelative(res TestResult, base float64) change {
	c := change{TestResult: res}
	if base != 0 {
		r := res.Estimate / math.Abs(base)
		c.relative = &r
	}
	return c
}

func proportionChange(d Design, s MetricSamples, confidence float64) (change, error) {
	tb, ta := s.PilotBefore, s.PilotAfter
	base := float64(tb.Successes) / float64(tb.N)
	if d == DesignDiffInDiff {
		return pointRelative(proportionDiffInDiff(fourCells(s), confidence), base), nil
	}
	res, err := TwoProportions(ta.Successes, ta.N, tb.Successes, tb.N, confidence)
	if err != nil {
		return change{}, err
	}
	return pointRelative(res, base), nil
}

// proportionDiffInDiff is the normal test of (pTa − pTb) − (pCa − pCb) with
// the unpooled SE √Σ p(1−p)/n of four independent, validated samples.
func proportionDiffInDiff(cells [4]*Sample, confidence float64) TestResult {
	var p [4]float64
	var v float64
	for i, x := range cells {
		p[i] = float64(x.Successes) / float64(x.N)
		v += p[i] * (1 - p[i]) / float64(x.N)
	}
	se := math.Sqrt(v)
	return normalTestResult(testPropDiffInDiff, (p[1]-p[0])-(p[3]-p[2]), se, se, confidence)
}

func npsSummary(x *Sample) NPSSummary {
	return NPSSummary{Promoters: x.Promoters, Passives: x.Passives, Detractors: x.Detractors}
}

// npsChange compares NPS in points. The relative change divides by the
// absolute before score because NPS may be negative: a rise from −30 to −10
// is then +67%, with the sign of the change, not −67%.
func npsChange(d Design, s MetricSamples, confidence float64) (change, error) {
	base, _, err := NPS(npsSummary(s.PilotBefore))
	if err != nil {
		return change{}, err
	}
	var res TestResult
	if d == DesignDiffInDiff {
		res, err = npsDiffInDiff(fourCells(s), confidence)
	} else {
		res, err = NPSDiff(npsSummary(s.PilotAfter), npsSummary(s.PilotBefore), confidence)
	}
	if err != nil {
		return change{}, err
	}
	return pointRelative(res, base), nil
}

// npsDiffInDiff is the normal test of (Ta − Tb) − (Ca − Cb) for four
// independent NPS, SE = √Σ SE².
func npsDiffInDiff(cells [4]*Sample, confidence float64) (TestResult, error) {
	var score [4]float64
	var v float64
	for i, x := range cells {
		sc, se, err := NPS(npsSummary(x))
		if err != nil {
			return TestResult{}, err
		}
		score[i] = sc
		v += se * se
	}
	se := math.Sqrt(v)
	return normalTestResult(testNPSDiffInDiff, (score[1]-score[0])-(score[3]-score[2]), se, se, confidence), nil
}

func eventRate(x *Sample) float64 { return float64(x.Events) / x.Exposure }

func countChange(d Design, s MetricSamples, confidence float64) (change, error) {
	if d == DesignDiffInDiff {
		return countDiffInDiff(fourCells(s), confidence)
	}
	return countBeforeAfter(s.PilotBefore, s.PilotAfter, confidence)
}

// countBeforeAfter reports the exact rate-ratio test. The interval of the
// rate difference is the ratio's interval times the before rate, i.e.
// conditional on the before rate, so that its sign always agrees with the
// exact test, which an unconditional interval for the difference would not.
func countBeforeAfter(tb, ta *Sample, confidence float64) (change, error) {
	if tb.Events == 0 {
		return change{}, Errorf(EInvalid, "no events in the pilot group before: the rate ratio cannot be estimated")
	}
	res, err := PoissonRateRatio(ta.Events, ta.Exposure, tb.Events, tb.Exposure, confidence)
	if err != nil {
		return change{}, err
	}
	rb := eventRate(tb)
	rel := res.Estimate - 1
	relCI := Interval{Low: res.CI.Low - 1, High: res.CI.High - 1}
	return change{
		TestResult: TestResult{
			Test: res.Test, Estimate: eventRate(ta) - rb, PValue: res.PValue,
			CI: Interval{Low: rb * relCI.Low, High: rb * relCI.High},
		},
		relative: &rel, relCI: &relCI,
	}, nil
}

// countDiffInDiff compares the pilot group's rate ratio with the control
// group's: the ratio of rate ratios, by a Wald test on the log scale. As in
// countBeforeAfter, the interval of the rate difference is the relative
// interval times the pilot group's before rate.
func countDiffInDiff(cells [4]*Sample, confidence float64) (change, error) {
	var r [4]float64
	var v float64
	for i, x := range cells {
		if x.Events == 0 {
			return change{}, Errorf(EInvalid, "a zero count in %s prevents the ratio-of-rate-ratios test", fourCellNames[i])
		}
		r[i] = eventRate(x)
		v += 1 / float64(x.Events)
	}
	se := math.Sqrt(v)
	logRRR := math.Log(r[1]/r[0]) - math.Log(r[3]/r[2])
	z := normalTestResult(testRatioOfRateRatios, logRRR, se, se, confidence)
	rel := math.Expm1(logRRR)
	relCI := Interval{Low: math.Expm1(z.CI.Low), High: math.Expm1(z.CI.High)}
	// The counterfactual is the pilot group's rate after had it changed as
	// the control's did; the estimate is the observed rate minus it, so the
	// estimate, its interval and the verdict all follow the same ratio (an
	// additive (rTa − rTb) − (rCa − rCb) can disagree with it in sign when
	// the groups' rates differ in level).
	counterfactual := r[0] * r[3] / r[2]
	c := change{
		TestResult: TestResult{
			Test: z.Test, Estimate: counterfactual * rel, PValue: z.PValue,
			CI: Interval{Low: counterfactual * relCI.Low, High: counterfactual * relCI.High},
		},
		relative: &rel, relCI: &relCI,
	}
	return c, nil
}

// usedCell is one sample the design compares, as the sample warnings see it.
type usedCell struct {
	name     string
	few      bool   // below the kind's rule of thumb for its approximation
	count    string // what few counted, e.g. "n = 8"
	zeroVar  bool
	size     float64 // compared for balance: n, answers, units or exposure
	sizeText string
}

// usedCells lists the samples the design compares: the change scores of a
// paired design, otherwise the pilot samples and, for a
// difference-in-differences, the control samples.
func usedCells(kind MetricKind, d Design, s MetricSamples) []usedCell {
	switch d {
	case DesignPairedBeforeAfter:
		return []usedCell{meanCell(cellPilotChangeScores, *s.PilotChange)}
	case DesignPairedDiffInDiff:
		return []usedCell{meanCell(cellPilotChangeScores, *s.PilotChange), meanCell(cellControlChangeScores, *s.ControlChange)}
	}
	samples := fourCells(s)
	cells := make([]usedCell, 0, cellCount(d))
	for i, x := range samples[:cellCount(d)] {
		cells = append(cells, sampleCell(kind, fourCellNames[i], x))
	}
	return cells
}

func meanCell(name string, m MeanSummary) usedCell {
	count := fmt.Sprintf("n = %d", m.N)
	return usedCell{name: name, few: m.N < minMeanObservations, count: count, zeroVar: m.SD == 0, size: float64(m.N), sizeText: count}
}

// sampleCell applies the kind's rule of thumb. A count's precision rests on
// its events, but its balance on its exposure: more events in one period is
// the effect being measured, not an imbalance.
func sampleCell(kind MetricKind, name string, x *Sample) usedCell {
	switch kind {
	case KindMean:
		return meanCell(name, meanSummary(x))
	case KindProportion:
		failures := x.N - x.Successes
		return usedCell{
			name: name, few: x.Successes < minProportionOutcomes || failures < minProportionOutcomes,
			zeroVar: x.Successes == 0 || failures == 0,
			count:   fmt.Sprintf("%d successes, %d failures", x.Successes, failures),
			size:    float64(x.N), sizeText: fmt.Sprintf("n = %d", x.N),
		}
	case KindNPS:
		answers := x.Size(kind)
		text := fmt.Sprintf("%d answers", answers)
		// Every answer in one category (all promoters, passives or detractors).
		oneCategory := max(x.Promoters, x.Passives, x.Detractors) == answers
		return usedCell{name: name, few: answers < minNPSAnswers, zeroVar: oneCategory, count: text, size: float64(answers), sizeText: text}
	case KindCount:
		return usedCell{
			name: name, few: x.Events < minCountEvents, count: fmt.Sprintf("%d events", x.Events),
			size: x.Exposure, sizeText: fmt.Sprintf("exposure %g", x.Exposure),
		}
	}
	return usedCell{name: name}
}

// fewAdvice says, per kind, what "too few" means and why it matters.
var fewAdvice = map[MetricKind]string{
	KindMean:       fmt.Sprintf("fewer than %d observations, so the t test may be unreliable", minMeanObservations),
	KindProportion: fmt.Sprintf("fewer than %d successes or failures, so the normal approximation may be poor", minProportionOutcomes),
	KindNPS:        fmt.Sprintf("fewer than %d answers, so the normal approximation may be poor", minNPSAnswers),
	KindCount:      fmt.Sprintf("fewer than %d events, so the interval is wide", minCountEvents),
}

// sampleWarnings says, once each, which samples are too small, have no
// variance, or are too uneven in size.
func sampleWarnings(cells []usedCell, kind MetricKind) []string {
	var few, flat []string
	var largest, smallest *usedCell
	for i := range cells {
		c := &cells[i]
		if c.few {
			few = append(few, fmt.Sprintf("%s (%s)", c.name, c.count))
		}
		if c.zeroVar {
			flat = append(flat, c.name)
		}
		if largest == nil || c.size > largest.size {
			largest = c
		}
		if smallest == nil || c.size < smallest.size {
			smallest = c
		}
	}
	var warnings []string
	if len(few) > 0 {
		warnings = append(warnings, fmt.Sprintf("too few observations in %s: %s", strings.Join(few, ", "), fewAdvice[kind]))
	}
	if len(flat) > 0 {
		warnings = append(warnings, fmt.Sprintf("zero variance in %s: every value is the same, so the interval understates the uncertainty", strings.Join(flat, ", ")))
	}
	if largest != nil && largest.size > maxSampleImbalance*smallest.size {
		warnings = append(warnings, fmt.Sprintf("unbalanced groups: %s (%s) is more than %d times %s (%s)",
			largest.name, largest.sizeText, maxSampleImbalance, smallest.name, smallest.sizeText))
	}
	return warnings
}
