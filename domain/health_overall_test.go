package domain

import (
	"testing"
	"time"
)

func TestIsStale(t *testing.T) {
	now := time.Date(2026, 12, 2, 15, 30, 0, 0, time.UTC)
	day := func(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }
	for _, tt := range []struct {
		name      string
		periodEnd time.Time
		now       time.Time
		want      bool
	}{
		{"ended today", day(2026, 12, 2), now, false},
		{"ended 89 days ago", day(2026, 9, 4), now, false},
		{"ended 90 days ago", day(2026, 9, 3), now, true},
		{"ended a year ago", day(2025, 12, 2), now, true},
		{"ends in the future", day(2027, 1, 31), now, false},
		// The day is now's UTC date, whatever the zone now is given in.
		{"now just after midnight UTC, given in New York", day(2026, 9, 3),
			time.Date(2026, 12, 1, 19, 5, 0, 0, time.FixedZone("EST", -5*3600)), true},
		{"now at midnight: the same day count", day(2026, 9, 4), day(2026, 12, 2), false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := IsStale(tt.periodEnd, tt.now); got != tt.want {
				t.Fatalf("IsStale(%s, %s) = %v, want %v", tt.periodEnd.Format(time.DateOnly), tt.now, got, tt.want)
			}
		})
	}
}

// healthCatalogue is a small catalogue by key: csat and fcr with targets,
// complaints without.
func healthCatalogue() []CatalogueMetric {
	return []CatalogueMetric{
		{ID: "m-complaints", Key: "complaints", Kind: KindCount, Direction: LowerIsBetter},
		{ID: "m-csat", Key: "csat", Kind: KindProportion, Direction: HigherIsBetter, Target: ptrTo(0.8)},
		{ID: "m-fcr", Key: "fcr", Kind: KindProportion, Direction: HigherIsBetter, Target: ptrTo(0.75)},
	}
}

// share is a proportion measurement of successes out of n.
func share(metricID string, n, successes int) Measurement {
	return Measurement{MetricID: metricID, PeriodEnd: time.Date(2026, 10, 31, 0, 0, 0, 0, time.UTC), Sample: Sample{N: n, Successes: successes}}
}

func TestOverallHealth(t *testing.T) {
	cat := healthCatalogue()
	complaints := Measurement{MetricID: "m-complaints", Sample: Sample{Events: 4, Exposure: 1}}
	healthyCSAT, failingCSAT := share("m-csat", 1000, 900), share("m-csat", 1000, 600)
	atRiskFCR, failingFCR := share("m-fcr", 40, 29), share("m-fcr", 1000, 500)
	for _, tt := range []struct {
		name   string
		latest map[string]Measurement
		want   Health
		metric string // key of the metric that sets it; "" for none
	}{
		{"nothing measured", nil, HealthUnknown, ""},
		{"only a metric without a target", map[string]Measurement{"m-complaints": complaints}, HealthUnknown, ""},
		{"one healthy metric", map[string]Measurement{"m-csat": healthyCSAT}, HealthHealthy, "csat"},
		// An unmeasured metric with a target is unknown but does not make the whole unknown.
		{"at risk beats healthy", map[string]Measurement{"m-csat": healthyCSAT, "m-fcr": atRiskFCR, "m-complaints": complaints}, HealthAtRisk, "fcr"},
		{"failing beats at risk", map[string]Measurement{"m-csat": failingCSAT, "m-fcr": atRiskFCR}, HealthFailing, "csat"},
		{"equally bad: the first by key", map[string]Measurement{"m-fcr": failingFCR, "m-csat": failingCSAT}, HealthFailing, "csat"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			o := OverallHealth(ApplicableHealth(cat, tt.latest))
			got := ""
			if o.Metric != nil {
				got = o.Metric.Key
				if o.Latest == nil || o.Latest.MetricID != o.Metric.ID {
					t.Errorf("latest %+v is not the measurement of %s", o.Latest, got)
				}
			}
			if o.Health != tt.want || got != tt.metric {
				t.Fatalf("overall = %s set by %q, want %s set by %q", o.Health, got, tt.want, tt.metric)
			}
		})
	}
	// Cells in any order give the same answer.
	cells := ApplicableHealth(cat, map[string]Measurement{"m-csat": failingCSAT, "m-fcr": failingFCR})
	cells[0], cells[1] = cells[1], cells[0]
	if o := OverallHealth(cells); o.Metric == nil || o.Metric.Key != "csat" {
		t.Fatalf("reversed cells: overall set by %+v, want csat", o.Metric)
	}
}

func TestApplicableHealth(t *testing.T) {
	cat := healthCatalogue()
	complaints := Measurement{MetricID: "m-complaints", Sample: Sample{Events: 4, Exposure: 1}}
	for _, tt := range []struct {
		name   string
		latest map[string]Measurement
		want   []string // keys listed, with health
	}{
		{"unmeasured: only metrics with a target", nil, []string{"csat:unknown", "fcr:unknown"}},
		{"a measured metric without a target is listed", map[string]Measurement{"m-complaints": complaints},
			[]string{"complaints:unknown", "csat:unknown", "fcr:unknown"}},
		{"measured metrics are judged", map[string]Measurement{"m-fcr": share("m-fcr", 40, 29)},
			[]string{"csat:unknown", "fcr:at_risk"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			for _, c := range ApplicableHealth(cat, tt.latest) {
				got = append(got, c.Metric.Key+":"+string(c.Health))
			}
			if len(got) != len(tt.want) {
				t.Fatalf("listed %v, want %v", got, tt.want)
			}
			for n := range got {
				if got[n] != tt.want[n] {
					t.Fatalf("listed %v, want %v", got, tt.want)
				}
			}
		})
	}
}

func TestHeatmapMetric(t *testing.T) {
	cat := healthCatalogue()
	cat = append(cat, CatalogueMetric{ID: "m-aht", Key: "aht", Kind: KindMean, Direction: LowerIsBetter, Target: ptrTo(300.0)})
	// measuredOn builds facts of touchpoints, each measured on the metric ids given.
	measuredOn := func(touchpoints ...[]string) []TouchpointFacts {
		t.Helper()
		facts := make([]TouchpointFacts, len(touchpoints))
		for n, ids := range touchpoints {
			facts[n].Latest = map[string]Measurement{}
			for _, id := range ids {
				facts[n].Latest[id] = Measurement{MetricID: id}
			}
		}
		return facts
	}
	aht, unknown := "m-aht", "nope"
	for _, tt := range []struct {
		name     string
		catalog  []CatalogueMetric
		facts    []TouchpointFacts
		id       *string
		want     string // key; "" for an error naming metric_id
		chosenBy MetricChoice
		measured int
	}{
		{"most measured wins over csat", cat, measuredOn([]string{"m-fcr"}, []string{"m-fcr", "m-csat"}, []string{"m-fcr"}),
			nil, "fcr", MetricMostMeasured, 3},
		{"a tie goes to csat", cat, measuredOn([]string{"m-fcr"}, []string{"m-csat"}), nil, "csat", MetricMostMeasured, 1},
		{"a tie without csat goes to the first key", cat, measuredOn([]string{"m-fcr", "m-aht"}, []string{"m-complaints"}, []string{"m-complaints", "m-fcr", "m-aht"}),
			nil, "aht", MetricMostMeasured, 2},
		{"nothing measured: csat", cat, measuredOn(nil, nil), nil, "csat", MetricDefault, 0},
		{"no touchpoints: csat", cat, nil, nil, "csat", MetricDefault, 0},
		{"nothing measured, no csat: the first key", cat[2:], measuredOn(nil), nil, "aht", MetricDefault, 0},
		{"requested beats most measured", cat, measuredOn([]string{"m-fcr"}, []string{"m-fcr", "m-aht"}), &aht, "aht", MetricRequested, 1},
		{"requested, unknown", cat, measuredOn([]string{"m-fcr"}), &unknown, "", "", 0},
		{"empty catalogue", nil, measuredOn([]string{"m-fcr"}), nil, "", "", 0},
	} {
		t.Run(tt.name, func(t *testing.T) {
			pick, err := HeatmapMetric(tt.catalog, tt.facts, tt.id)
			if tt.want == "" {
				if ErrorCodeOf(err) != EMalformed || FieldsOf(err)[0].Parameter != "metric_id" {
					t.Fatalf("err = %v, want EMalformed naming metric_id", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if pick.Metric.Key != tt.want || pick.ChosenBy != tt.chosenBy || pick.Measured != tt.measured {
				t.Fatalf("picked %s (%s, measured on %d), want %s (%s, measured on %d)",
					pick.Metric.Key, pick.ChosenBy, pick.Measured, tt.want, tt.chosenBy, tt.measured)
			}
		})
	}
}

func TestTrendMetric(t *testing.T) {
	csat := CatalogueMetric{ID: "c", Key: DefaultReportMetric}
	fcr := CatalogueMetric{ID: "f", Key: "fcr"}
	aht := CatalogueMetric{ID: "a", Key: "aht"}
	for _, tc := range []struct {
		name      string
		catalogue []CatalogueMetric
		overall   Overall
		id        *string
		want      string // "" for none
		wantErr   bool
	}{
		{"asked for", []CatalogueMetric{csat, fcr}, Overall{Metric: &fcr}, &aht.ID, "", true},
		{"asked for, known", []CatalogueMetric{csat, fcr, aht}, Overall{Metric: &fcr}, &aht.ID, "a", false},
		{"the worst metric", []CatalogueMetric{csat, fcr}, Overall{Health: HealthAtRisk, Metric: &fcr}, nil, "f", false},
		{"nothing judged: csat", []CatalogueMetric{fcr, csat}, Overall{Health: HealthUnknown}, nil, "c", false},
		{"no csat: the first", []CatalogueMetric{aht, fcr}, Overall{}, nil, "a", false},
		{"empty catalogue", nil, Overall{}, nil, "", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m, err := TrendMetric(tc.catalogue, tc.overall, tc.id)
			got := ""
			if m != nil {
				got = m.ID
			}
			if (err != nil) != tc.wantErr || got != tc.want {
				t.Fatalf("TrendMetric = %q, %v; want %q (error %v)", got, err, tc.want, tc.wantErr)
			}
		})
	}
}
