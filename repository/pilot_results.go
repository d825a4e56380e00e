package repository

import (
	"encoding/json"
	"time"

	"cxbacklog/domain"
)

// frozenResult is the stored form of a completed pilot's results (the
// pilots.results jsonb). Its keys are fixed here, not taken from
// domain.PilotResult's field names, so that renaming a domain field cannot
// silently empty the snapshots already stored. The keys are the ones the
// first snapshots were written with (Go's names of the time).
type frozenResult struct {
	PilotID         string         `json:"PilotID"`
	ConfidenceLevel float64        `json:"ConfidenceLevel"`
	Metrics         []frozenMetric `json:"Metrics"`
	ComputedAt      time.Time      `json:"ComputedAt"`
	// ValueTotal and each metric's CatalogueMetricID and Value came with
	// the money model (issue 17): absent from older snapshots, and left out
	// when empty so that a snapshot without values is written as before.
	ValueTotal *frozenValueTotal `json:"ValueTotal,omitempty"`
}

type frozenMetric struct {
	MetricID          string          `json:"MetricID"`
	Name              string          `json:"Name"`
	Unit              string          `json:"Unit"`
	Kind              string          `json:"Kind"`
	Direction         string          `json:"Direction"`
	Primary           bool            `json:"Primary"`
	Guardrail         bool            `json:"Guardrail"`
	Design            string          `json:"Design"`
	Computed          bool            `json:"Computed"`
	Test              string          `json:"Test"`
	Estimate          float64         `json:"Estimate"`
	CI                frozenInterval  `json:"CI"`
	RelativeChange    *float64        `json:"RelativeChange"`
	RelativeCI        *frozenInterval `json:"RelativeCI"`
	PValue            float64         `json:"PValue"`
	Improvement       float64         `json:"Improvement"`
	ImprovementCI     frozenInterval  `json:"ImprovementCI"`
	Verdict           string          `json:"Verdict"`
	Sizes             frozenSizes     `json:"Sizes"`
	GuardrailBreached bool            `json:"GuardrailBreached"`
	Warnings          []string        `json:"Warnings"`
	CatalogueMetricID string          `json:"CatalogueMetricID,omitempty"`
	Value             *frozenValue    `json:"Value,omitempty"`
}

// frozenValue is a metric's value as it was at completion, so a later
// change of its driver does not change what the pilot proved.
type frozenValue struct {
	AnnualValue   float64        `json:"AnnualValue"`
	CI            frozenInterval `json:"CI"`
	Currency      string         `json:"Currency"`
	ValueDriverID string         `json:"ValueDriverID"`
	Explanation   string         `json:"Explanation"`
}

type frozenValueTotal struct {
	AnnualValue            float64        `json:"AnnualValue"`
	CI                     frozenInterval `json:"CI"`
	Currency               string         `json:"Currency"`
	RunningCost            float64        `json:"RunningCost"`
	ProbabilityNetPositive float64        `json:"ProbabilityNetPositive"`
	Explanation            string         `json:"Explanation"`
}

type frozenInterval struct {
	Low  float64 `json:"Low"`
	High float64 `json:"High"`
}

type frozenSizes struct {
	PilotBefore   int `json:"PilotBefore"`
	PilotAfter    int `json:"PilotAfter"`
	ControlBefore int `json:"ControlBefore"`
	ControlAfter  int `json:"ControlAfter"`
	PilotUnits    int `json:"PilotUnits"`
	ControlUnits  int `json:"ControlUnits"`
}

// freezeResult is the stored JSON of r.
func freezeResult(r *domain.PilotResult) (string, error) {
	f := frozenResult{PilotID: r.PilotID, ConfidenceLevel: r.ConfidenceLevel, ComputedAt: r.ComputedAt,
		Metrics: make([]frozenMetric, len(r.Metrics))}
	if t := r.ValueTotal; t != nil {
		f.ValueTotal = &frozenValueTotal{AnnualValue: t.AnnualValue, CI: frozenInterval(t.CI), Currency: t.Currency,
			RunningCost: t.RunningCost, ProbabilityNetPositive: t.ProbabilityNetPositive, Explanation: t.Explanation}
	}
	for n, m := range r.Metrics {
		f.Metrics[n] = frozenMetric{
			MetricID: m.MetricID, Name: m.Name, Unit: m.Unit, Kind: string(m.Kind), Direction: string(m.Direction),
			Primary: m.Primary, Guardrail: m.Guardrail, Design: string(m.Design), Computed: m.Computed, Test: m.Test,
			Estimate: m.Estimate, CI: frozenInterval(m.CI), RelativeChange: m.RelativeChange,
			RelativeCI: (*frozenInterval)(m.RelativeCI), PValue: m.PValue, Improvement: m.Improvement,
			ImprovementCI: frozenInterval(m.ImprovementCI), Verdict: string(m.Verdict), Sizes: frozenSizes(m.Sizes),
			GuardrailBreached: m.GuardrailBreached, Warnings: m.Warnings, CatalogueMetricID: m.CatalogueMetricID,
		}
		if v := m.Value; v != nil {
			f.Metrics[n].Value = &frozenValue{AnnualValue: v.AnnualValue, CI: frozenInterval(v.CI), Currency: v.Currency,
				ValueDriverID: v.ValueDriverID, Explanation: v.Explanation}
		}
	}
	b, err := json.Marshal(f)
	return string(b), err
}

// thawResult reads a stored snapshot.
func thawResult(s string) (*domain.PilotResult, error) {
	var f frozenResult
	if err := json.Unmarshal([]byte(s), &f); err != nil {
		return nil, err
	}
	r := &domain.PilotResult{PilotID: f.PilotID, ConfidenceLevel: f.ConfidenceLevel, ComputedAt: f.ComputedAt,
		Metrics: make([]domain.MetricResult, len(f.Metrics))}
	if t := f.ValueTotal; t != nil {
		r.ValueTotal = &domain.ValueTotal{AnnualValue: t.AnnualValue, CI: domain.Interval(t.CI), Currency: t.Currency,
			RunningCost: t.RunningCost, ProbabilityNetPositive: t.ProbabilityNetPositive, Explanation: t.Explanation}
	}
	for n, m := range f.Metrics {
		r.Metrics[n] = domain.MetricResult{
			MetricID: m.MetricID, Name: m.Name, Unit: m.Unit, Kind: domain.MetricKind(m.Kind), Direction: domain.Direction(m.Direction),
			Primary: m.Primary, Guardrail: m.Guardrail, Design: domain.Design(m.Design), Computed: m.Computed, Test: m.Test,
			Estimate: m.Estimate, CI: domain.Interval(m.CI), RelativeChange: m.RelativeChange,
			RelativeCI: (*domain.Interval)(m.RelativeCI), PValue: m.PValue, Improvement: m.Improvement,
			ImprovementCI: domain.Interval(m.ImprovementCI), Verdict: domain.Verdict(m.Verdict), Sizes: domain.SampleSizes(m.Sizes),
			GuardrailBreached: m.GuardrailBreached, Warnings: m.Warnings, CatalogueMetricID: m.CatalogueMetricID,
		}
		if v := m.Value; v != nil {
			r.Metrics[n].Value = &domain.MetricValue{AnnualValue: v.AnnualValue, CI: domain.Interval(v.CI), Currency: v.Currency,
				ValueDriverID: v.ValueDriverID, Explanation: v.Explanation}
		}
	}
	return r, nil
}
