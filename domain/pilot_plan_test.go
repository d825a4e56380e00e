package domain

import (
	"math"
	"slices"
	"testing"
)

// R1 and R2 are R's published power.prop.test and power.t.test results
// (R documentation examples of the stats package).

func intPtr(n int) *int { return &n }

func meanPlan(mde *float64, n *int, power float64) PlanInput {
	return PlanInput{Kind: KindMean, BaselineMean: 300, BaselineSD: 1, MDE: mde, NPerGroup: n, Alpha: 0.05, Power: power}
}

func proportionPlan(p float64, mde *float64, n *int, power float64) PlanInput {
	return PlanInput{Kind: KindProportion, BaselineProportion: p, MDE: mde, NPerGroup: n, Alpha: 0.05, Power: power}
}

func TestPlan(t *testing.T) {
	tests := []struct {
		name     string
		in       PlanInput
		n        int
		nExact   float64
		mde      float64
		power    float64
		method   string
		tolExact float64 // of NExact
		tolMDE   float64
	}{
		{
			// R2: power.t.test(delta = 1, power = .9) gives n = 22.02110; the
			// plan rounds up to 23, whose power is above 0.9.
			name: "R2 n for a mean", in: meanPlan(float64Ptr(1), nil, 0.9),
			n: 23, nExact: 22.02110, mde: 1, power: PowerTwoMeans(23, 1, 1, 0.05), method: "two_sample_t",
			tolExact: 5e-6,
		},
		{
			// Power 0.86 needs between 19 and 20 per group, so the plan has 20,
			// whose power is R2's power.t.test(n = 20, delta = 1) = 0.8689528.
			name: "R2 power at the rounded n", in: meanPlan(float64Ptr(1), nil, 0.86),
			n: 20, nExact: SampleSizeTwoMeansT(1, 1, 0.05, 0.86), mde: 1, power: 0.8689528, method: "two_sample_t",
			tolExact: 1e-9,
		},
		{
			name: "R2 MDE for a mean", in: meanPlan(nil, intPtr(20), 0.8689528),
			n: 20, nExact: 20, mde: 1, power: 0.8689528, method: "two_sample_t", tolMDE: 1e-6,
		},
		{
			// A negative MDE (a fall) needs the same n; it is returned as given.
			name: "R2 negative MDE, scaled SD", in: PlanInput{Kind: KindMean, BaselineSD: 2, MDE: float64Ptr(-2), Alpha: 0.05, Power: 0.9},
			n: 23, nExact: 22.02110, mde: -2, power: PowerTwoMeans(23, 1, 1, 0.05), method: "two_sample_t",
			tolExact: 5e-6,
		},
		{
			name: "R1 MDE for a proportion", in: proportionPlan(0.5, nil, intPtr(50), 0.7401659),
			n: 50, nExact: 50, mde: 0.25, power: 0.7401659, method: "two_proportion", tolMDE: 1e-6,
		},
		{
			name: "R1 n for a proportion", in: proportionPlan(0.5, float64Ptr(0.25), nil, 0.7401659),
			nExact: 50, mde: 0.25, method: "two_proportion", tolExact: 1e-4,
		},
		{
			// A huge effect is detected by the smallest plan, 2 per group.
			name: "at least 2 per group",
			in:   PlanInput{Kind: KindProportion, BaselineProportion: 0.05, MDE: float64Ptr(0.9), Alpha: 0.4, Power: 0.9},
			n:    2, nExact: 2, mde: 0.9, power: PowerTwoProportions(2, 0.05, 0.95, 0.4), method: "two_proportion",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Plan(tt.in)
			if err != nil {
				t.Fatal(err)
			}
			if got.Method != tt.method {
				t.Errorf("method %q, want %q", got.Method, tt.method)
			}
			if tt.n != 0 && got.NPerGroup != tt.n {
				t.Errorf("n per group %d, want %d", got.NPerGroup, tt.n)
			}
			if got.NPerGroup != int(math.Ceil(got.NExact)) {
				t.Errorf("n per group %d is not the ceiling of %g", got.NPerGroup, got.NExact)
			}
			assertClose(t, "n exact", got.NExact, tt.nExact, tt.tolExact)
			assertClose(t, "MDE", got.MDE, tt.mde, tt.tolMDE)
			if tt.power != 0 {
				assertClose(t, "power", got.Power, tt.power, 5e-8)
			}
			if got.Power < tt.in.Power {
				t.Errorf("achieved power %g is below the %g asked for", got.Power, tt.in.Power)
			}
		})
	}
}

// Near 1 there is no room above the baseline, so the MDE is sought below it.
func TestPlanProportionMDEBelowBaseline(t *testing.T) {
	got, err := Plan(proportionPlan(0.995, nil, intPtr(200), 0.8))
	if err != nil {
		t.Fatal(err)
	}
	if !(got.MDE > 0.005) || got.MDE >= 0.995 {
		t.Fatalf("MDE %g, want a fall of more than 0.005", got.MDE)
	}
	assertClose(t, "power", PowerTwoProportions(200, 0.995, 0.995-got.MDE, 0.05), 0.8, 1e-9)
	assertClose(t, "reported power", got.Power, 0.8, 1e-9)
}

func TestPlanUnreachable(t *testing.T) {
	tests := []struct {
		name    string
		in      PlanInput
		pointer string
	}{
		{"two per group cannot reach 99% power at α 0.001", PlanInput{
			Kind: KindProportion, BaselineProportion: 0.5, NPerGroup: intPtr(2), Alpha: 0.001, Power: 0.99,
		}, "/n_per_group"},
		{"mean MDE too small", meanPlan(float64Ptr(1e-9), nil, 0.8), "/mde"},
		{"proportion MDE too small", proportionPlan(0.5, float64Ptr(1e-9), nil, 0.8), "/mde"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Plan(tt.in)
			if got := pointers(t, err); !slices.Equal(got, []string{tt.pointer}) {
				t.Errorf("pointers %q (err %v), want [%s]", got, err, tt.pointer)
			}
		})
	}
}

func TestPlanValidation(t *testing.T) {
	valid := meanPlan(float64Ptr(1), nil, 0.8)
	tests := []struct {
		name     string
		edit     func(*PlanInput)
		pointers []string
	}{
		{"valid", func(*PlanInput) {}, nil},
		{"kind nps", func(in *PlanInput) { in.Kind = KindNPS }, []string{"/kind"}},
		{"kind empty", func(in *PlanInput) { in.Kind = "" }, []string{"/kind"}},
		{"baseline mean NaN", func(in *PlanInput) { in.BaselineMean = math.NaN() }, []string{"/baseline_mean"}},
		{"baseline sd 0", func(in *PlanInput) { in.BaselineSD = 0 }, []string{"/baseline_sd"}},
		{"baseline sd +Inf", func(in *PlanInput) { in.BaselineSD = math.Inf(1) }, []string{"/baseline_sd"}},
		{"proportion 0", func(in *PlanInput) { *in = proportionPlan(0, float64Ptr(0.1), nil, 0.8) }, []string{"/baseline_proportion"}},
		{"proportion 1", func(in *PlanInput) { *in = proportionPlan(1, float64Ptr(-0.1), nil, 0.8) }, []string{"/baseline_proportion"}},
		{"proportion plus MDE above 1", func(in *PlanInput) { *in = proportionPlan(0.9, float64Ptr(0.1), nil, 0.8) }, []string{"/mde"}},
		{"proportion plus MDE below 0", func(in *PlanInput) { *in = proportionPlan(0.1, float64Ptr(-0.2), nil, 0.8) }, []string{"/mde"}},
		{"neither MDE nor n", func(in *PlanInput) { in.MDE = nil }, []string{"/mde"}},
		{"both MDE and n", func(in *PlanInput) { in.NPerGroup = intPtr(20) }, []string{"/mde"}},
		{"MDE 0", func(in *PlanInput) { in.MDE = float64Ptr(0) }, []string{"/mde"}},
		{"MDE NaN", func(in *PlanInput) { in.MDE = float64Ptr(math.NaN()) }, []string{"/mde"}},
		{"MDE -Inf", func(in *PlanInput) { in.MDE = float64Ptr(math.Inf(-1)) }, []string{"/mde"}},
		{"n 1", func(in *PlanInput) { in.MDE, in.NPerGroup = nil, intPtr(1) }, []string{"/n_per_group"}},
		{"n too large", func(in *PlanInput) { in.MDE, in.NPerGroup = nil, intPtr(MaxSampleCount+1) }, []string{"/n_per_group"}},
		{"alpha 0", func(in *PlanInput) { in.Alpha = 0 }, []string{"/alpha"}},
		{"alpha 0.5", func(in *PlanInput) { in.Alpha = 0.5 }, []string{"/alpha"}},
		{"alpha NaN", func(in *PlanInput) { in.Alpha = math.NaN() }, []string{"/alpha"}},
		{"power below 0.5", func(in *PlanInput) { in.Power = 0.49 }, []string{"/power"}},
		{"power 1", func(in *PlanInput) { in.Power = 1 }, []string{"/power"}},
		{"everything wrong", func(in *PlanInput) { *in = PlanInput{Kind: KindMean} },
			[]string{"/baseline_sd", "/mde", "/alpha", "/power"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := valid
			tt.edit(&in)
			_, err := Plan(in)
			if got := pointers(t, err); !slices.Equal(got, tt.pointers) {
				t.Errorf("pointers %q (err %v), want %q", got, err, tt.pointers)
			}
		})
	}
}
