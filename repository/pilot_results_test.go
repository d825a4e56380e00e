package repository

import (
	"reflect"
	"testing"
	"time"

	"cxbacklog/domain"
)

// storedBefore is a snapshot exactly as the first version wrote it
// (json.Marshal of domain.PilotResult); rows like it are in databases now.
const storedBefore = `{"PilotID":"p1","ConfidenceLevel":0.95,"Metrics":[{"MetricID":"m1","Name":"Handle time","Unit":"seconds","Kind":"mean","Direction":"lower_is_better","Primary":true,"Guardrail":false,"Design":"difference_in_differences","Computed":true,"Test":"welch_t","Estimate":-28,"CI":{"Low":-39,"High":-17},"RelativeChange":-0.09375,"RelativeCI":{"Low":-0.12,"High":-0.05},"PValue":0.0001,"Improvement":28,"ImprovementCI":{"Low":17,"High":39},"Verdict":"improved","Sizes":{"PilotBefore":400,"PilotAfter":410,"ControlBefore":420,"ControlAfter":415,"PilotUnits":0,"ControlUnits":0},"GuardrailBreached":false,"Warnings":["w"]}],"ComputedAt":"2026-03-04T10:00:00Z"}`

func storedBeforeResult() *domain.PilotResult {
	rel := -0.09375
	return &domain.PilotResult{PilotID: "p1", ConfidenceLevel: 0.95, ComputedAt: time.Date(2026, 3, 4, 10, 0, 0, 0, time.UTC),
		Metrics: []domain.MetricResult{{MetricID: "m1", Name: "Handle time", Unit: "seconds", Kind: domain.KindMean, Direction: domain.LowerIsBetter,
			Primary: true, Design: domain.DesignDiffInDiff, Computed: true, Test: "welch_t", Estimate: -28, CI: domain.Interval{Low: -39, High: -17},
			RelativeChange: &rel, RelativeCI: &domain.Interval{Low: -0.12, High: -0.05}, PValue: 0.0001, Improvement: 28,
			ImprovementCI: domain.Interval{Low: 17, High: 39}, Verdict: domain.VerdictImproved,
			Sizes: domain.SampleSizes{PilotBefore: 400, PilotAfter: 410, ControlBefore: 420, ControlAfter: 415}, Warnings: []string{"w"}}}}
}

// TestFrozenResultsStillLoad: a snapshot stored by the first version loads
// into today's domain type field for field, and today's snapshots are
// written in the same form.
func TestFrozenResultsStillLoad(t *testing.T) {
	t.Parallel()
	got, err := thawResult(storedBefore)
	if err != nil {
		t.Fatal(err)
	}
	if want := storedBeforeResult(); !reflect.DeepEqual(got, want) {
		t.Fatalf("loaded %+v\nwant %+v", got.Metrics[0], want.Metrics[0])
	}
	written, err := freezeResult(storedBeforeResult())
	if err != nil || written != storedBefore {
		t.Fatalf("written %s (%v)\nwant    %s", written, err, storedBefore)
	}
	// Every field of the domain type has a stored key: a field added to
	// domain.MetricResult must be added to frozenMetric too.
	if d, f := reflect.TypeFor[domain.MetricResult]().NumField(), reflect.TypeFor[frozenMetric]().NumField(); d != f {
		t.Fatalf("domain.MetricResult has %d fields, frozenMetric %d", d, f)
	}
}
