package domain

import (
	"math"
	"strings"
	"testing"
)

// The drivers of the worked examples (domain/testdata/reference-values.md).
var (
	handleTimeDriver = ValueDriver{ID: "d-aht", UnitValue: 0.015, ExposurePerYear: 120000, ExposureUnit: "calls"}
	fcrDriver        = ValueDriver{ID: "d-fcr", UnitValue: 4.50, ExposurePerYear: 120000, ExposureUnit: "calls"}
	churnDriver      = ValueDriver{ID: "d-churn", UnitValue: 480, ExposurePerYear: 50000, ExposureUnit: "customers"}
	complaintsDriver = ValueDriver{ID: "d-cmp", UnitValue: 35, ExposurePerYear: 2600, ExposureUnit: "agent-weeks"}
)

func near(t *testing.T, name string, got, want, tol float64) {
	t.Helper()
	if math.Abs(got-want) > tol {
		t.Errorf("%s = %v, want %v (±%v)", name, got, want, tol)
	}
}

func TestAnnualValueWorkedExamples(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name  string
		d     ValueDriver
		delta float64
		want  float64
	}{
		{"handle time 412 → 389 s", handleTimeDriver, 23, 41400},
		{"FCR 0.70 → 0.74", fcrDriver, 0.04, 21600},
		{"churn down 0.5 points (0.005 customers kept per customer)", churnDriver, 0.005, 120000},
		{"complaints 0.4 fewer per agent-week", complaintsDriver, 0.4, 36400},
		{"a worsening is a negative value", handleTimeDriver, -10, -18000},
	}
	for _, c := range cases {
		near(t, c.name, c.d.AnnualValue(c.delta), c.want, 1e-6)
	}
	got := handleTimeDriver.AnnualInterval(Interval{Low: 15, High: 31})
	near(t, "interval low", got.Low, 27000, 1e-6)
	near(t, "interval high", got.High, 55800, 1e-6)
}

// The handle-time pilot: 412 s before and 389 s after; the value's interval
// is the Welch interval of the improvement times 0.015 × 120,000.
func TestValueOfAWelchResult(t *testing.T) {
	t.Parallel()
	m := Metric{ID: "m", Name: "Handle time", Unit: "s", Kind: KindMean, Direction: LowerIsBetter, CatalogueMetricID: "c"}
	s := MetricSamples{
		PilotBefore: &Sample{N: 400, Mean: 412, SD: 90},
		PilotAfter:  &Sample{N: 400, Mean: 389, SD: 85},
	}
	r := AnalyzeMetric(m, s, 0.95)
	// By hand: se = √(90²/400 + 85²/400) = 6.18970; Welch df = 795.6; t(0.975) = 1.96296;
	// half-width 12.1502 s, so the improvement 23 s has the interval 10.8498 to 35.1502 s.
	near(t, "improvement", r.Improvement, 23, 1e-9)
	near(t, "improvement low", r.ImprovementCI.Low, 10.8498, 1e-3)
	v, ok := ValueOfResult(r, handleTimeDriver, "EUR")
	if !ok {
		t.Fatal("a computed result has a value")
	}
	near(t, "annual value", v.AnnualValue, 41400, 1e-6)
	near(t, "value low", v.CI.Low, r.ImprovementCI.Low*1800, 1e-6)
	near(t, "value high", v.CI.High, r.ImprovementCI.High*1800, 1e-6)
	near(t, "value low by hand", v.CI.Low, 19529.6, 2)
	near(t, "value high by hand", v.CI.High, 63270.4, 2)
	for _, part := range []string{"improvement 23 s", "0.015 EUR per s", "120,000 calls a year", "= 41,400 EUR a year"} {
		if !strings.Contains(v.Explanation, part) {
			t.Errorf("explanation %q lacks %q", v.Explanation, part)
		}
	}
	if v.ValueDriverID != "d-aht" || v.Currency != "EUR" {
		t.Errorf("value names driver %q in %q", v.ValueDriverID, v.Currency)
	}
	if _, ok := ValueOfResult(MetricResult{}, handleTimeDriver, "EUR"); ok {
		t.Error("a result not computed has no value")
	}
}

func TestTotalValueRootSumOfSquares(t *testing.T) {
	t.Parallel()
	values := []MetricValue{
		{AnnualValue: 41400, CI: Interval{Low: 27000, High: 55800}, Currency: "EUR"}, // ± 14,400
		{AnnualValue: 21600, CI: Interval{Low: 10800, High: 32400}, Currency: "EUR"}, // ± 10,800
	}
	got, ok := TotalValue(values, 30000, 0.95)
	if !ok {
		t.Fatal("two values make a total")
	}
	near(t, "total", got.AnnualValue, 63000, 1e-6)
	// √(14,400² + 10,800²) = 18,000
	near(t, "low", got.CI.Low, 45000, 1e-6)
	near(t, "high", got.CI.High, 81000, 1e-6)
	// se = 18,000 / 1.959964 = 9,183.84; P(V > 30,000) = Φ(33,000 / 9,183.84) = Φ(3.5933)
	near(t, "P(net positive)", got.ProbabilityNetPositive, 0.99983672, 1e-7)
	if !strings.Contains(got.Explanation, "independent") {
		t.Errorf("explanation %q does not state the independence assumption", got.Explanation)
	}

	even, _ := TotalValue(values[:1], 41400, 0.95)
	near(t, "P when the running cost equals the value", even.ProbabilityNetPositive, 0.5, 1e-12)
	if _, ok := TotalValue(nil, 0, 0.95); ok {
		t.Error("no values, no total")
	}
	asym, _ := TotalValue([]MetricValue{{AnnualValue: 10, CI: Interval{Low: 7, High: 20}}, {AnnualValue: 0, CI: Interval{Low: -4, High: 0}}}, 0, 0.95)
	near(t, "asymmetric low: 10 − √(3² + 4²)", asym.CI.Low, 5, 1e-9)
	near(t, "asymmetric high: 10 + √(10² + 0²)", asym.CI.High, 20, 1e-9)
}

func TestBusinessCase(t *testing.T) {
	t.Parallel()
	f := func(x float64) *float64 { return &x }
	drivers := map[string]ValueDriver{"d-aht": handleTimeDriver, "d-fcr": fcrDriver}
	both := []ExpectedImprovement{{"d-aht", 23}, {"d-fcr", 0.04}}
	cases := []struct {
		name                    string
		in                      BusinessCaseInputs
		value, net              float64
		payback, roi            *float64
		explanationHas, lacking string
	}{
		{"two drivers and both costs", BusinessCaseInputs{OneOffCost: f(20000), AnnualRunningCost: f(6000), ExpectedImprovements: both},
			63000, 57000, f(4.2105263), f(1.4230769), "payback = 20,000 ÷ (57,000 ÷ 12) = 4.2105 months", ""},
		{"costs only: no payback, ROI −1", BusinessCaseInputs{OneOffCost: f(5000), AnnualRunningCost: f(1000)},
			0, -1000, nil, f(-1), "no payback", ""},
		{"value without costs: payback 0, no ROI", BusinessCaseInputs{ExpectedImprovements: both[:1]},
			41400, 41400, f(0), nil, "23 × 0.015 × 120,000 calls = 41,400", "ROI"},
		{"running cost above the value", BusinessCaseInputs{AnnualRunningCost: f(50000), ExpectedImprovements: both[:1]},
			41400, -8600, nil, f(-0.172), "net = 41,400 − 50,000 running = −8,600", ""},
	}
	for _, c := range cases {
		got, ok := NewBusinessCase(c.in, drivers, "EUR", false)
		if !ok {
			t.Fatalf("%s: inputs make a case", c.name)
		}
		near(t, c.name+" value", got.ExpectedAnnualValue, c.value, 1e-6)
		near(t, c.name+" net", got.ExpectedNetAnnualValue, c.net, 1e-6)
		for _, o := range []struct {
			what      string
			got, want *float64
		}{{"payback", got.PaybackMonths, c.payback}, {"ROI", got.FirstYearROI, c.roi}} {
			switch {
			case (o.got == nil) != (o.want == nil):
				t.Errorf("%s: %s = %v, want %v", c.name, o.what, o.got, o.want)
			case o.got != nil:
				near(t, c.name+" "+o.what, *o.got, *o.want, 1e-6)
			}
		}
		if !strings.Contains(got.Explanation, c.explanationHas) || (c.lacking != "" && strings.Contains(got.Explanation, c.lacking)) {
			t.Errorf("%s: explanation %q should have %q and not %q", c.name, got.Explanation, c.explanationHas, c.lacking)
		}
	}
	if _, ok := NewBusinessCase(BusinessCaseInputs{}, drivers, "EUR", false); ok {
		t.Error("no inputs, no case")
	}
	if c, ok := NewBusinessCase(BusinessCaseInputs{}, drivers, "EUR", true); !ok || c.ExpectedAnnualValue != 0 || c.PaybackMonths != nil || c.FirstYearROI != nil {
		t.Errorf("no inputs but a realised value: a case of zeros, got %+v, %v", c, ok)
	}
}

func TestMoneyValidation(t *testing.T) {
	t.Parallel()
	valid := func() ValueDriver {
		return ValueDriver{TouchpointID: NewID(), MetricID: NewID(), UnitValue: 0.015, ExposurePerYear: 120000, ExposureUnit: "calls"}
	}
	for _, c := range []struct {
		change  func(*ValueDriver)
		pointer string
	}{
		{func(d *ValueDriver) { d.TouchpointID = "x" }, "/touchpoint_id"},
		{func(d *ValueDriver) { d.MetricID = "" }, "/metric_id"},
		{func(d *ValueDriver) { d.UnitValue = 0 }, "/unit_value"},
		{func(d *ValueDriver) { d.UnitValue = math.NaN() }, "/unit_value"},
		{func(d *ValueDriver) { d.ExposurePerYear = -1 }, "/exposure_per_year"},
		{func(d *ValueDriver) { d.ExposurePerYear = 2e12 }, "/exposure_per_year"},
		{func(d *ValueDriver) { d.ExposureUnit = "  " }, "/exposure_unit"},
		{func(d *ValueDriver) { d.ExposureUnit = strings.Repeat("x", 101) }, "/exposure_unit"},
		{func(d *ValueDriver) { d.Note = strings.Repeat("x", 2001) }, "/note"},
	} {
		d := valid()
		c.change(&d)
		if fields := FieldsOf(d.Validate()); len(fields) != 1 || fields[0].Pointer != c.pointer {
			t.Errorf("want one error at %s, got %v", c.pointer, fields)
		}
	}
	d := valid()
	if err := d.Validate(); err != nil {
		t.Errorf("valid driver: %v", err)
	}

	f := func(x float64) *float64 { return &x }
	id := NewID()
	for _, c := range []struct {
		in      BusinessCaseInputs
		pointer string
	}{
		{BusinessCaseInputs{OneOffCost: f(-1)}, "/one_off_cost"},
		{BusinessCaseInputs{AnnualRunningCost: f(math.Inf(1))}, "/annual_running_cost"},
		{BusinessCaseInputs{ExpectedImprovements: []ExpectedImprovement{{"nope", 1}}}, "/expected_improvements/0/value_driver_id"},
		{BusinessCaseInputs{ExpectedImprovements: []ExpectedImprovement{{id, 1}, {strings.ToUpper(id), 2}}}, "/expected_improvements/1/value_driver_id"},
		{BusinessCaseInputs{ExpectedImprovements: []ExpectedImprovement{{id, math.NaN()}}}, "/expected_improvements/0/improvement"},
	} {
		if fields := FieldsOf(c.in.Validate()); len(fields) != 1 || fields[0].Pointer != c.pointer {
			t.Errorf("want one error at %s, got %v", c.pointer, fields)
		}
	}

	for code, want := range map[string]bool{"EUR": true, "USD": true, "ZWG": true, "eur": false, "EURO": false, "XAU": false, "": false} {
		if got := (Economics{Currency: code}).Validate() == nil; got != want {
			t.Errorf("currency %q valid = %v, want %v", code, got, want)
		}
	}
	for _, c := range []struct {
		cost *float64
		ok   bool
	}{{nil, true}, {f(4.5), true}, {f(MaxAmount), true}, {f(0), false}, {f(-1), false}, {f(math.NaN()), false},
		{f(math.Inf(1)), false}, {f(MaxAmount * 2), false}} {
		fields := FieldsOf(Economics{Currency: "EUR", CostPerContact: c.cost}.Validate())
		if c.ok != (len(fields) == 0) || (!c.ok && (len(fields) != 1 || fields[0].Pointer != "/cost_per_contact")) {
			t.Errorf("cost per contact %v: errors %v", c.cost, fields)
		}
	}
}

func TestFormatMoney(t *testing.T) {
	t.Parallel()
	for x, want := range map[float64]string{41400: "41,400", -8600: "−8,600", 4.5: "4.5", 1234567.6: "1,234,568", 0: "0", -0.001: "0", 99.999: "100"} {
		if got := FormatMoney(x); got != want {
			t.Errorf("FormatMoney(%v) = %q, want %q", x, got, want)
		}
	}
}

func TestFormatChance(t *testing.T) {
	t.Parallel()
	for p, want := range map[float64]string{0.99998: "> 99.9 %", 0.0004: "< 0.1 %", 0.5: "50 %", 0.99374: "99.4 %", 0.001: "0.1 %"} {
		if got := FormatChance(p); got != want {
			t.Errorf("FormatChance(%v) = %q, want %q", p, got, want)
		}
	}
}

// A count's improvement is events per unit of exposure; the driver prices
// one event, so the explanation says "per event", not the metric's unit.
func TestValueOfACountResult(t *testing.T) {
	t.Parallel()
	r := MetricResult{Computed: true, Kind: KindCount, Unit: "per agent-week", Improvement: 0.4, ImprovementCI: Interval{Low: 0.1, High: 0.7}}
	v, _ := ValueOfResult(r, complaintsDriver, "EUR")
	near(t, "complaints value", v.AnnualValue, 36400, 1e-6)
	if want := "improvement 0.4 per agent-week × 35 EUR per event × 2,600 agent-weeks a year = 36,400 EUR a year"; !strings.HasPrefix(v.Explanation, want) {
		t.Errorf("explanation %q, want it to start %q", v.Explanation, want)
	}
}
