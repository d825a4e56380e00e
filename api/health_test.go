package api_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"cxbacklog/api"
)

// catalogueMetric returns the workspace's catalogue metric with key.
func (e *env) catalogueMetric(key string) api.CatalogueMetric {
	e.t.Helper()
	var list api.CatalogueMetricList
	e.do(http.MethodGet, "/api/v1/metrics", e.viewer, nil).want(e.t, http.StatusOK).json(e.t, &list)
	for _, m := range list.Items {
		if m.Key == key {
			return m
		}
	}
	e.t.Fatalf("no catalogue metric %s in %+v", key, list.Items)
	return api.CatalogueMetric{}
}

func TestMetricCatalogue(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	var list api.CatalogueMetricList
	e.do(http.MethodGet, "/api/v1/metrics", e.viewer, nil).want(t, http.StatusOK).json(t, &list)
	var keys []string
	for _, m := range list.Items {
		keys = append(keys, m.Key)
	}
	if got := strings.Join(keys, ","); got != "aht,ces,churn,complaints,contact_volume,csat,fcr,nps" {
		t.Fatalf("default catalogue = %s", got)
	}
	csat := e.catalogueMetric("csat")
	if csat.Kind != "proportion" || csat.Target == nil || *csat.Target != 0.8 {
		t.Fatalf("csat = %+v", csat)
	}
	var m api.CatalogueMetric
	e.do(http.MethodPost, "/api/v1/metrics", e.editor, `{"key":"wait_time","name":"Queue wait","kind":"mean","direction":"lower_is_better","unit":"seconds","target":60}`).
		want(t, http.StatusCreated).json(t, &m)
	e.do(http.MethodPost, "/api/v1/metrics", e.editor, `{"key":"wait_time","name":"Again","kind":"mean","direction":"lower_is_better"}`).problem(t, http.StatusConflict)
	prob := e.do(http.MethodPost, "/api/v1/metrics", e.editor, `{"key":"Bad Key","name":"x","kind":"proportion","direction":"higher_is_better","target":80}`).problem(t, http.StatusUnprocessableEntity)
	if !hasPointer(prob, "/key") || !hasPointer(prob, "/target") {
		t.Fatalf("errors = %+v", prob.Errors)
	}
	e.do(http.MethodPatch, "/api/v1/metrics/"+m.ID, e.editor, `{"target":null}`, "If-Match", `"1"`).want(t, http.StatusOK).json(t, &m)
	if m.Target != nil {
		t.Fatalf("target not cleared: %+v", m)
	}
	e.do(http.MethodPatch, "/api/v1/metrics/"+m.ID, e.editor, `{"kind":"count"}`, "If-Match", `"2"`).problem(t, http.StatusBadRequest)
	e.do(http.MethodDelete, "/api/v1/metrics/"+m.ID, e.editor, nil, "If-Match", `"2"`).want(t, http.StatusNoContent)
	// Another workspace has its own catalogue.
	e.do(http.MethodGet, "/api/v1/metrics/"+csat.ID, e.other, nil).problem(t, http.StatusNotFound)
}

// TestTouchpointHealthReports measures a small restaurant journey and checks
// that each report answers its question.
func TestTouchpointHealthReports(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	var j api.Journey
	e.do(http.MethodPost, "/api/v1/journeys", e.editor, `{"name":"Lunch","stages":[{"name":"Arrive"},{"name":"Eat"}]}`).want(t, http.StatusCreated).json(t, &j)
	tp := func(stage int, name, channel, owner string) api.Touchpoint {
		in := api.TouchpointCreate{JourneyID: j.ID, StageID: j.Stages[stage].ID, Name: name, Channel: channel, Owner: owner}
		var out api.Touchpoint
		e.do(http.MethodPost, "/api/v1/touchpoints", e.editor, in).want(t, http.StatusCreated).json(t, &out)
		return out
	}
	entrance := tp(0, "Entrance", "physical_environment", "Facilities")
	greeting := tp(0, "Greeting", "in_person", "Front of house")
	food := tp(1, "Taste of the food", "in_person", "Kitchen")
	menu := tp(1, "Menu online", "web", "Marketing")
	csat := e.catalogueMetric("csat")

	// CSV import: monthly CSAT for three touchpoints; the food is failing.
	var csv strings.Builder
	csv.WriteString("touchpoint_id,metric,period_start,period_end,n,successes,source\n")
	for month := 6; month <= 10; month++ {
		start, end := fmt.Sprintf("2026-%02d-01", month), fmt.Sprintf("2026-%02d-28", month)
		fmt.Fprintf(&csv, "%s,csat,%s,%s,400,%d,survey\n", entrance.ID, start, end, 340)      // 85 %: healthy
		fmt.Fprintf(&csv, "%s,csat,%s,%s,400,%d,survey\n", food.ID, start, end, 300-10*month) // falling below 80 %
		fmt.Fprintf(&csv, "%s,csat,%s,%s,40,%d,survey\n", greeting.ID, start, end, 31)        // 77.5 % of 40: at risk
	}
	var imp api.MeasurementImport
	e.do(http.MethodPost, "/api/v1/measurements/import", e.editor, csv.String(), "Content-Type", "text/csv").want(t, http.StatusOK).json(t, &imp)
	if imp.Stored != 15 {
		t.Fatalf("stored %d", imp.Stored)
	}
	bad := "touchpoint_id,metric,period_start,period_end,n,successes\n" +
		menu.ID + ",csat,2026-10-01,2026-10-31,100,50\n" + menu.ID + ",csat,2026-11-01,2026-11-30,100,150\n"
	prob := e.do(http.MethodPost, "/api/v1/measurements/import", e.editor, bad, "Content-Type", "text/csv").problem(t, http.StatusUnprocessableEntity)
	if prob.Errors[0].Line != 3 || prob.Errors[0].Pointer != "/successes" {
		t.Fatalf("bad row problem = %+v", prob)
	}
	var list api.MeasurementList
	e.do(http.MethodGet, "/api/v1/touchpoints/"+menu.ID+"/measurements", e.viewer, nil).want(t, http.StatusOK).json(t, &list)
	if len(list.Items) != 0 {
		t.Fatal("a refused import stored rows")
	}

	var health api.TouchpointHealth
	e.do(http.MethodGet, "/api/v1/touchpoints/"+food.ID+"/health", e.viewer, nil).want(t, http.StatusOK).json(t, &health)
	for _, m := range health.Metrics {
		if m.Metric.Key == "csat" && (m.Health != "failing" || m.Trend != "worsening" || len(m.Periods) != 5 || m.Latest.Value != 0.5) {
			t.Fatalf("food csat health = %+v", m)
		}
	}

	// An idea for the greeting, so only the food is failing without one.
	e.idea("Greet within 30 seconds", 4, 5, 1, 0.8, greeting)
	var heat api.Heatmap
	e.do(http.MethodGet, "/api/v1/journeys/"+j.ID+"/heatmap?metric_id="+csat.ID, e.viewer, nil).want(t, http.StatusOK).json(t, &heat)
	cells := map[string]api.HeatmapCell{}
	for _, st := range heat.Stages {
		for _, c := range st.Touchpoints {
			cells[c.Touchpoint.Name] = c
		}
	}
	if cells["Entrance"].Health != "healthy" || cells["Taste of the food"].Health != "failing" || cells["Greeting"].Health != "at_risk" ||
		cells["Menu online"].Health != "unknown" || cells["Greeting"].OpenIdeas != 1 || len(heat.Stages) != 2 {
		t.Fatalf("heatmap = %+v\n%+v", cells, heat)
	}

	// The charts draw the same data.
	chart := e.do(http.MethodGet, heat.SVG, e.viewer, nil).want(t, http.StatusOK)
	if chart.Header.Get("Content-Type") != "image/svg+xml" || !strings.Contains(string(chart.Body), "Taste of the food") || !strings.Contains(string(chart.Body), "FAILING") {
		t.Fatalf("heatmap.svg: %s %.300s", chart.Header.Get("Content-Type"), chart.Body)
	}
	chart = e.do(http.MethodGet, "/api/v1/touchpoints/"+food.ID+"/trend.svg?metric_id="+csat.ID, e.viewer, nil).want(t, http.StatusOK)
	if !strings.Contains(string(chart.Body), "<svg") || !strings.Contains(string(chart.Body), "target") {
		t.Fatalf("trend.svg: %.300s", chart.Body)
	}
	e.do(http.MethodGet, "/api/v1/touchpoints/"+food.ID+"/trend.svg?metric_id=nope", e.viewer, nil).problem(t, http.StatusBadRequest)
	chart = e.do(http.MethodGet, "/api/v1/reports/matrix.svg", e.viewer, nil).want(t, http.StatusOK)
	if !strings.Contains(string(chart.Body), "Greet within 30 seconds") {
		t.Fatalf("matrix.svg: %.300s", chart.Body)
	}

	var spots api.BlindSpots
	e.do(http.MethodGet, "/api/v1/reports/blind-spots?days=3650", e.viewer, nil).want(t, http.StatusOK).json(t, &spots)
	reasons := map[string]string{}
	for _, s := range spots.Items {
		reasons[s.Touchpoint.Name] = strings.Join(s.Reasons, "; ")
	}
	if len(spots.Items) != 2 || !strings.HasPrefix(spots.Items[0].Touchpoint.Name, "Taste") ||
		!strings.Contains(reasons["Taste of the food"], "failing on Customer satisfaction") || reasons["Menu online"] != "never measured" {
		t.Fatalf("blind spots = %+v", reasons)
	}
	e.do(http.MethodGet, "/api/v1/reports/blind-spots?days=0", e.viewer, nil).problem(t, http.StatusBadRequest)

	var cov api.Coverage
	e.do(http.MethodGet, "/api/v1/reports/coverage", e.viewer, nil).want(t, http.StatusOK).json(t, &cov)
	if cov.Overall.Touchpoints != 4 || cov.Overall.Measured != 3 || cov.Overall.WithIdeas != 1 || cov.Overall.MeasuredShare != 0.75 || len(cov.ByOwner) != 4 {
		t.Fatalf("coverage = %+v", cov)
	}
}
