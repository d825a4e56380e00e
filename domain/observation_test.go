package domain

import (
	"math"
	"strings"
	"testing"
)

func TestCheckObservation(t *testing.T) {
	ok := func(v float64) Observation { return Observation{Group: GroupPilot, Period: PeriodBefore, Value: v} }
	withUnit := func(id string) Observation { o := ok(1); o.UnitID = id; return o }
	tests := []struct {
		name   string
		kind   MetricKind
		o      Observation
		field  string
		reason string // a substring of the reason; "" when fine
	}{
		{"mean", KindMean, ok(312.5), "", ""},
		{"mean negative", KindMean, ok(-1e12), "", ""},
		{"mean beyond the magnitude limit", KindMean, ok(-1e300), "value", "between -1e+12 and 1e+12"},
		{"mean zero", KindMean, ok(0), "", ""},
		{"mean NaN", KindMean, ok(math.NaN()), "value", "value must be a finite number"},
		{"mean +Inf", KindMean, ok(math.Inf(1)), "value", "finite"},
		{"mean -Inf", KindMean, ok(math.Inf(-1)), "value", "finite"},
		{"proportion 0", KindProportion, ok(0), "", ""},
		{"proportion 1", KindProportion, ok(1), "", ""},
		{"proportion -0", KindProportion, ok(math.Copysign(0, -1)), "", ""},
		{"proportion 0.5", KindProportion, ok(0.5), "value", "value must be 0 or 1 for a proportion metric, not 0.5"},
		{"proportion 2", KindProportion, ok(2), "value", "0 or 1"},
		{"proportion NaN", KindProportion, ok(math.NaN()), "value", "finite"},
		{"nps 0", KindNPS, ok(0), "", ""},
		{"nps 10", KindNPS, ok(10), "", ""},
		{"nps 7", KindNPS, ok(7), "", ""},
		{"nps 11", KindNPS, ok(11), "value", "whole number from 0 to 10"},
		{"nps -1", KindNPS, ok(-1), "value", "not -1"},
		{"nps 7.5", KindNPS, ok(7.5), "value", "whole number"},
		{"nps Inf", KindNPS, ok(math.Inf(1)), "value", "finite"},
		{"count 0", KindCount, ok(0), "", ""},
		{"count 12", KindCount, ok(12), "", ""},
		{"count max", KindCount, ok(MaxObservedCount), "", ""},
		{"count over max", KindCount, ok(MaxObservedCount + 1), "value", "from 0 to 1000000000"},
		{"count negative", KindCount, ok(-3), "value", "whole number"},
		{"count fraction", KindCount, ok(2.5), "value", "not 2.5"},
		{"count huge", KindCount, ok(1e300), "value", "not 1e+300"},
		{"control after", KindMean, Observation{Group: GroupControl, Period: PeriodAfter, Value: 1}, "", ""},
		{"no group", KindMean, Observation{Period: PeriodAfter}, "group", "group is required: one of pilot, control"},
		{"bad group", KindMean, Observation{Group: "Pilot", Period: PeriodAfter}, "group", `group must be one of pilot, control, not "Pilot"`},
		{"long bad group is cut", KindMean, Observation{Group: Group(strings.Repeat("x", 100)), Period: PeriodAfter}, "group", `"` + strings.Repeat("x", 40) + `"…`},
		{"no period", KindMean, Observation{Group: GroupPilot}, "period", "period is required: one of before, after"},
		{"bad period", KindMean, Observation{Group: GroupPilot, Period: "during"}, "period", `not "during"`},
		{"group before period", KindMean, Observation{Group: "x", Period: "y"}, "group", "group"},
		{"period before value", KindMean, Observation{Group: GroupPilot, Period: "y", Value: math.NaN()}, "period", "period"},
		{"value before unit id", KindNPS, Observation{Group: GroupPilot, Period: PeriodAfter, Value: 11, UnitID: "\x00"}, "value", "value"},
		{"unit id", KindMean, withUnit("agent-17"), "", ""},
		{"unit id unicode", KindMean, withUnit("agente-ñ-日本"), "", ""},
		{"unit id max length", KindMean, withUnit(strings.Repeat("é", MaxUnitIDLength)), "", ""},
		{"unit id too long", KindMean, withUnit(strings.Repeat("é", MaxUnitIDLength+1)), "unit_id", "unit_id must be at most 100 characters"},
		{"unit id invalid UTF-8", KindMean, withUnit("a\xffb"), "unit_id", "unit_id must be valid UTF-8"},
		{"unit id NUL", KindMean, withUnit("a\x00b"), "unit_id", "control characters"},
		{"unit id newline", KindMean, withUnit("a\nb"), "unit_id", "control characters"},
		{"unit id DEL", KindMean, withUnit("a\x7fb"), "unit_id", "control characters"},
		{"unit id C1", KindMean, withUnit("a\u0085b"), "unit_id", "control characters"},
		{"unknown kind", MetricKind("median"), ok(1), "kind", `kind must be one of mean, proportion, nps, count, not "median"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			field, reason := CheckObservation(tt.kind, tt.o)
			if field != tt.field {
				t.Fatalf("field = %q (%s), want %q", field, reason, tt.field)
			}
			if (reason == "") != (tt.reason == "") || !strings.Contains(reason, tt.reason) {
				t.Fatalf("reason = %q, want it to contain %q", reason, tt.reason)
			}
			if field != "" && !strings.HasPrefix(reason, field) {
				t.Fatalf("reason %q does not start with the field %q", reason, field)
			}
		})
	}
}
