package api_test

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"cxbacklog/api"
)

// healthReportNow is the server's clock in these tests: not today, so that a
// server reading the real time instead gets the staleness wrong. 90 days
// before it is 2026-12-15: a period ending then is stale, one ending the day
// after is not.
var healthReportNow = time.Date(2027, 3, 15, 10, 0, 0, 0, time.UTC)

// newClockedEnv is newEnv with the server's clock fixed at healthReportNow.
func newClockedEnv(t *testing.T) *env {
	t.Helper()
	cfg := api.DefaultConfig
	cfg.AuthFailureRate = 0
	cfg.Clock = func() time.Time { return healthReportNow }
	return newEnvConfig(t, cfg)
}

// measure records one measurement of the metric for the period; sample is
// the kind's fields as JSON members, e.g. `"n":40,"successes":29`.
func (e *env) measure(tp api.Touchpoint, m api.CatalogueMetric, start, end, sample string) {
	e.t.Helper()
	body := fmt.Sprintf(`{"metric_id":%q,"period_start":%q,"period_end":%q,%s}`, m.ID, start, end, sample)
	e.do(http.MethodPost, "/api/v1/touchpoints/"+tp.ID+"/measurements", e.editor, body).want(e.t, http.StatusCreated)
}

// supportJourney is a contact centre journey measured mostly on FCR:
//
//	Phone    FCR 29/40 at risk (fresh), CSAT 900/1000 healthy (fresh)
//	Chat     FCR 850/1000 healthy, period ended 2026-12-16 (89 days: fresh)
//	Email    FCR 500/1000 failing, period ended 2026-12-15 (90 days: stale);
//	         complaints (no target) fresh
//	Letters  nothing measured
func supportJourney(e *env) (api.Journey, map[string]api.Touchpoint) {
	e.t.Helper()
	j := e.journey("Support", "Contact", "Resolve")
	tps := map[string]api.Touchpoint{}
	for n, name := range []string{"Phone", "Chat", "Email", "Letters"} {
		in := api.TouchpointCreate{JourneyID: j.ID, StageID: j.Stages[n/2].ID, Name: name, Channel: "phone", Owner: "Contact centre"}
		var tp api.Touchpoint
		e.do(http.MethodPost, "/api/v1/touchpoints", e.editor, in).want(e.t, http.StatusCreated).json(e.t, &tp)
		tps[name] = tp
	}
	fcr, csat, complaints := e.catalogueMetric("fcr"), e.catalogueMetric("csat"), e.catalogueMetric("complaints")
	e.measure(tps["Phone"], fcr, "2027-01-01", "2027-01-31", `"n":1000,"successes":500`) // older: not the latest
	e.measure(tps["Phone"], fcr, "2027-02-01", "2027-02-28", `"n":40,"successes":29`)
	e.measure(tps["Phone"], csat, "2027-02-01", "2027-02-28", `"n":1000,"successes":900`)
	e.measure(tps["Chat"], fcr, "2026-11-17", "2026-12-16", `"n":1000,"successes":850`)
	e.measure(tps["Email"], fcr, "2026-11-16", "2026-12-15", `"n":1000,"successes":500`)
	e.measure(tps["Email"], complaints, "2027-02-01", "2027-02-28", `"events":3,"exposure":10`)
	return j, tps
}

func TestHeatmapDefaultMetricAndStaleness(t *testing.T) {
	t.Parallel()
	e := newClockedEnv(t)
	j, _ := supportJourney(e)
	fcr, csat := e.catalogueMetric("fcr"), e.catalogueMetric("csat")

	type cellWant struct {
		health, periodStart, periodEnd string // "" period for none
		stale                          bool
	}
	str := func(s *string) string {
		if s == nil {
			return ""
		}
		return *s
	}
	for _, tt := range []struct {
		name       string
		query      string
		metric     string
		chosenBy   string
		measuredOn int
		cells      map[string]cellWant
	}{
		{"default: the most measured metric, FCR", "", fcr.Key, "most_measured", 3, map[string]cellWant{
			"Phone":   {"at_risk", "2027-02-01", "2027-02-28", false}, // not "unknown", as CSAT would show it
			"Chat":    {"healthy", "2026-11-17", "2026-12-16", false},
			"Email":   {"failing", "2026-11-16", "2026-12-15", true},
			"Letters": {"unknown", "", "", false},
		}},
		{"requested CSAT", "?metric_id=" + csat.ID, csat.Key, "requested", 1, map[string]cellWant{
			"Phone":   {"healthy", "2027-02-01", "2027-02-28", false},
			"Chat":    {"unknown", "", "", false},
			"Email":   {"unknown", "", "", false},
			"Letters": {"unknown", "", "", false},
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var heat api.Heatmap
			e.do(http.MethodGet, "/api/v1/journeys/"+j.ID+"/heatmap"+tt.query, e.viewer, nil).want(t, http.StatusOK).json(t, &heat)
			if heat.Metric.Key != tt.metric || heat.MetricChosenBy != tt.chosenBy || heat.MetricMeasuredTouchpoints != tt.measuredOn || heat.StaleDays != 90 {
				t.Fatalf("metric %s chosen by %q, measured on %d, stale after %d; want %s, %q, %d, 90",
					heat.Metric.Key, heat.MetricChosenBy, heat.MetricMeasuredTouchpoints, heat.StaleDays, tt.metric, tt.chosenBy, tt.measuredOn)
			}
			if !strings.HasSuffix(heat.SVG, "metric_id="+heat.Metric.ID) {
				t.Errorf("svg %s does not name the metric shown", heat.SVG)
			}
			got := map[string]cellWant{}
			for _, st := range heat.Stages {
				for _, c := range st.Touchpoints {
					got[c.Touchpoint.Name] = cellWant{c.Health, str(c.PeriodStart), str(c.PeriodEnd), c.Stale}
				}
			}
			if len(got) != len(tt.cells) {
				t.Fatalf("cells %+v, want %+v", got, tt.cells)
			}
			for name, want := range tt.cells {
				if got[name] != want {
					t.Errorf("%s: %+v, want %+v", name, got[name], want)
				}
			}
		})
	}

	// The chart shows the same metric and marks the stale cell.
	for _, tt := range []struct {
		name, query string
		want        []string
		stale       int
	}{
		{"default", "", []string{"First-contact resolution (the most measured metric)", "AT RISK", "ended 2026-12-15", "90 or more days ago"}, 1},
		{"requested CSAT", "?metric_id=" + csat.ID, []string{"Customer satisfaction (CSAT)", "HEALTHY"}, 0},
	} {
		t.Run("chart "+tt.name, func(t *testing.T) {
			body := string(e.do(http.MethodGet, "/api/v1/journeys/"+j.ID+"/heatmap.svg"+tt.query, e.viewer, nil).want(t, http.StatusOK).Body)
			for _, s := range tt.want {
				if !strings.Contains(body, s) {
					t.Errorf("heatmap.svg has no %q", s)
				}
			}
			if n := strings.Count(body, ">STALE<"); n != tt.stale {
				t.Errorf("%d cells labelled STALE, want %d", n, tt.stale)
			}
		})
	}
	e.do(http.MethodGet, "/api/v1/journeys/"+j.ID+"/heatmap?metric_id="+strings.Repeat("0", 8)+"-0000-4000-8000-000000000000", e.viewer, nil).
		problem(t, http.StatusBadRequest)
}

// TestHeatmapNothingMeasured: with no measurement the heatmap falls back to csat.
func TestHeatmapNothingMeasured(t *testing.T) {
	t.Parallel()
	e := newClockedEnv(t)
	j := e.journey("Empty", "Only stage")
	e.touchpoint(j, "Desk", "in_person", "Front of house")
	var heat api.Heatmap
	e.do(http.MethodGet, "/api/v1/journeys/"+j.ID+"/heatmap", e.viewer, nil).want(t, http.StatusOK).json(t, &heat)
	if heat.Metric.Key != "csat" || heat.MetricChosenBy != "default" || heat.MetricMeasuredTouchpoints != 0 {
		t.Fatalf("metric %s chosen by %q, measured on %d; want csat by default on 0", heat.Metric.Key, heat.MetricChosenBy, heat.MetricMeasuredTouchpoints)
	}
}

func TestTouchpointOverallHealth(t *testing.T) {
	t.Parallel()
	e := newClockedEnv(t)
	_, tps := supportJourney(e)
	fcr := e.catalogueMetric("fcr")
	targeted := []string{"aht", "ces", "churn", "csat", "fcr", "nps"} // the default catalogue's metrics with a target

	type metricWant struct {
		health, periodStart, periodEnd string
		stale                          bool
	}
	for _, tt := range []struct {
		touchpoint   string
		overall      string
		overallKey   string // "" for none
		overallStale bool
		keys         []string              // the metrics listed, in order
		metrics      map[string]metricWant // some of them
	}{
		{"Phone", "at_risk", "fcr", false, targeted, map[string]metricWant{
			"fcr":  {"at_risk", "2027-02-01", "2027-02-28", false},
			"csat": {"healthy", "2027-02-01", "2027-02-28", false},
			"nps":  {"unknown", "", "", false},
		}},
		{"Chat", "healthy", "fcr", false, targeted, map[string]metricWant{
			"fcr": {"healthy", "2026-11-17", "2026-12-16", false},
		}},
		// A measured metric without a target is listed, but cannot be judged.
		{"Email", "failing", "fcr", true, []string{"aht", "ces", "churn", "complaints", "csat", "fcr", "nps"}, map[string]metricWant{
			"fcr":        {"failing", "2026-11-16", "2026-12-15", true},
			"complaints": {"unknown", "2027-02-01", "2027-02-28", false},
		}},
		{"Letters", "unknown", "", false, targeted, map[string]metricWant{
			"csat": {"unknown", "", "", false},
		}},
	} {
		t.Run(tt.touchpoint, func(t *testing.T) {
			var h api.TouchpointHealth
			e.do(http.MethodGet, "/api/v1/touchpoints/"+tps[tt.touchpoint].ID+"/health", e.viewer, nil).want(t, http.StatusOK).json(t, &h)
			key := ""
			if h.Overall.MetricKey != nil {
				key = *h.Overall.MetricKey
				if h.Overall.MetricID == nil || (key == "fcr" && *h.Overall.MetricID != fcr.ID) {
					t.Errorf("overall metric id %v is not %s's", h.Overall.MetricID, key)
				}
			} else if h.Overall.MetricID != nil {
				t.Errorf("overall metric id %s without a key", *h.Overall.MetricID)
			}
			if h.Overall.Health != tt.overall || key != tt.overallKey || h.Overall.Stale != tt.overallStale || h.StaleDays != 90 {
				t.Fatalf("overall %+v (key %q), stale after %d; want %s set by %q, stale %v, 90", h.Overall, key, h.StaleDays, tt.overall, tt.overallKey, tt.overallStale)
			}
			var keys []string
			got := map[string]metricWant{}
			for _, m := range h.Metrics {
				keys = append(keys, m.Metric.Key)
				w := metricWant{health: m.Health, stale: m.Stale}
				if m.PeriodStart != nil && m.PeriodEnd != nil {
					w.periodStart, w.periodEnd = *m.PeriodStart, *m.PeriodEnd
					if m.Latest == nil || m.Latest.PeriodEnd != *m.PeriodEnd {
						t.Errorf("%s: period_end %s is not the latest measurement's (%+v)", m.Metric.Key, *m.PeriodEnd, m.Latest)
					}
				} else if m.PeriodStart != nil || m.PeriodEnd != nil || m.Latest != nil {
					t.Errorf("%s: half a period: %v %v, latest %+v", m.Metric.Key, m.PeriodStart, m.PeriodEnd, m.Latest)
				}
				got[m.Metric.Key] = w
			}
			if !slices.Equal(keys, tt.keys) {
				t.Errorf("metrics listed %v, want %v", keys, tt.keys)
			}
			for k, want := range tt.metrics {
				if got[k] != want {
					t.Errorf("%s: %+v, want %+v", k, got[k], want)
				}
			}
		})
	}
}

// The trend chart opens on the metric that sets the touchpoint's overall
// health (the web page does the same), not always on CSAT.
func TestTrendChartDefaultsToTheWorstMetric(t *testing.T) {
	t.Parallel()
	e := newClockedEnv(t)
	_, tps := supportJourney(e)
	fcr, csat := e.catalogueMetric("fcr"), e.catalogueMetric("csat")
	for query, want := range map[string]string{"": fcr.Name, "?metric_id=" + csat.ID: csat.Name} {
		svg := string(e.do(http.MethodGet, "/api/v1/touchpoints/"+tps["Phone"].ID+"/trend.svg"+query, e.viewer, nil).want(t, http.StatusOK).Body)
		if !strings.Contains(svg, want) {
			t.Errorf("trend.svg%s does not show %q (Phone is at risk on FCR, healthy on CSAT)", query, want)
		}
	}
}
