package api_test

import (
	"fmt"
	"math"
	"net/http"
	"strings"
	"testing"

	"cxbacklog/api"
)

func TestValueReport(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tp := e.touchpoint(e.journey("Calling about a bill", "Call"), "Phone conversation", "phone", "Contact centre")
	aht := e.createDriver(e.handleTimeDriver(tp.ID)) // 0.015 × 120,000 = 1,800 a second
	fcrMetric := e.catalogueMetric("fcr")
	fcr := e.createDriver(`{"touchpoint_id":"` + tp.ID + `","metric_id":"` + fcrMetric.ID +
		`","unit_value":4.5,"exposure_per_year":120000,"exposure_unit":"calls"}`) // 540,000 a share
	idea := func(title, owner string, confidence float64, costs string, driverID string, improvement float64) {
		body := fmt.Sprintf(`{"title":%q,"touchpoint_ids":[%q],"impact":3,"experience":3,"effort":3,"confidence":%v,"owner":%q,%s
			"expected_improvements":[{"value_driver_id":%q,"improvement":%v}]}`, title, tp.ID, confidence, owner, costs, driverID, improvement)
		e.do(http.MethodPost, "/api/v1/ideas", e.editor, body).want(t, http.StatusCreated)
	}
	// 23 s × 1,800 = 41,400, weighted × 0.5 = 20,700; 0.04 × 540,000 = 21,600, weighted × 0.8 = 17,280.
	idea("Headsets", "Contact centre", 0.5, `"one_off_cost":20000,"annual_running_cost":6000,`, aht.ID, 23)
	idea("Knowledge base", "", 0.8, "", fcr.ID, 0.04)
	e.do(http.MethodPost, "/api/v1/ideas", e.editor, `{"title":"No case","touchpoint_ids":["`+tp.ID+`"],"impact":3,"experience":3,"effort":3}`).
		want(t, http.StatusCreated)
	// First-contact resolution 0.14 below its target: 0.14 × 540,000 = 75,600 a year.
	if fcrMetric.Target == nil {
		t.Fatal("the catalogue's fcr has no target")
	}
	successes := int(math.Round((*fcrMetric.Target - 0.14) * 1000))
	e.measure(tp, fcrMetric, "2026-10-01", "2026-10-31", fmt.Sprintf(`"n":1000,"successes":%d`, successes))
	gap := *fcrMetric.Target - float64(successes)/1000

	var r api.ValueReport
	e.do(http.MethodGet, "/api/v1/reports/value", e.viewer, nil).want(t, http.StatusOK).json(t, &r)
	near := func(what string, got, want float64) {
		t.Helper()
		if math.Abs(got-want) > 1e-6*math.Max(1, math.Abs(want)) {
			t.Errorf("%s = %v, want %v", what, got, want)
		}
	}
	if r.Currency != "EUR" || r.Pipeline.Count != 2 || r.Realised.Count != 0 || r.SVG != "/api/v1/reports/value.svg" {
		t.Fatalf("report %+v", r)
	}
	near("pipeline expected", r.Pipeline.ExpectedAnnualValue, 63000)
	near("pipeline weighted", r.Pipeline.ConfidenceWeightedAnnualValue, 37980)
	near("pipeline net", r.Pipeline.ExpectedNetAnnualValue, 57000)
	near("pipeline one-off", r.Pipeline.OneOffCost, 20000)
	near("pipeline running", r.Pipeline.AnnualRunningCost, 6000)
	if len(r.ByOwner) != 2 || r.ByOwner[0].Owner != "Contact centre" || r.ByOwner[1].Owner != "unassigned" {
		t.Fatalf("by owner %+v", r.ByOwner)
	}
	near("owner weighted", r.ByOwner[0].Pipeline.ConfidenceWeightedAnnualValue, 20700)
	near("unassigned weighted", r.ByOwner[1].Pipeline.ConfidenceWeightedAnnualValue, 17280)
	if len(r.ByTouchpoint) != 1 || r.ByTouchpoint[0].Name != "Phone conversation" || r.ByTouchpoint[0].ExpectedImprovements != 2 {
		t.Fatalf("by touchpoint %+v", r.ByTouchpoint)
	}
	near("touchpoint weighted", r.ByTouchpoint[0].ConfidenceWeightedAnnualValue, 37980)
	if len(r.FailingTouchpoints) != 1 || r.FailingTouchpoints[0].MetricKey != "fcr" || r.FailingTouchpoints[0].Health != "failing" ||
		r.FailingTouchpoints[0].PeriodEnd != "2026-10-31" || !strings.Contains(r.FailingTouchpoints[0].Explanation, "4.5 EUR per unit × 120,000 calls") {
		t.Fatalf("failing %+v", r.FailingTouchpoints)
	}
	near("failing cost", r.FailingTouchpoints[0].AnnualCost, gap*540000)
	near("failing total", r.FailingAnnualCost, gap*540000)
	if r.Realised.Explanation == "" || !strings.Contains(r.Realised.Explanation, "independent") {
		t.Errorf("realised explanation %q", r.Realised.Explanation)
	}

	// limit caps the lists.
	e.do(http.MethodGet, "/api/v1/reports/value?limit=1", e.viewer, nil).want(t, http.StatusOK).json(t, &r)
	if len(r.ByOwner) != 1 || r.OtherOwners != 1 {
		t.Errorf("limit=1: owners %+v, %d more", r.ByOwner, r.OtherOwners)
	}

	// Another workspace sees none of it.
	var empty api.ValueReport
	e.do(http.MethodGet, "/api/v1/reports/value", e.other, nil).want(t, http.StatusOK).json(t, &empty)
	if empty.Pipeline.Count != 0 || empty.Realised.Count != 0 || len(empty.ByOwner) != 0 || len(empty.ByTouchpoint) != 0 ||
		len(empty.FailingTouchpoints) != 0 || empty.ByOwner == nil || empty.Currency != "EUR" {
		t.Errorf("other workspace: %+v", empty)
	}

	for _, q := range []string{"?limit=0", "?limit=501", "?limit=x", "?status=open", "?limit=1&limit=2"} {
		e.do(http.MethodGet, "/api/v1/reports/value"+q, e.viewer, nil).problem(t, http.StatusBadRequest)
	}
	e.do(http.MethodGet, "/api/v1/reports/value.svg?limit=1", e.viewer, nil).problem(t, http.StatusBadRequest)

	res := e.do(http.MethodGet, "/api/v1/reports/value.svg", e.viewer, nil).want(t, http.StatusOK)
	body := string(res.Body)
	if ct := res.Header.Get("Content-Type"); ct != "image/svg+xml" || !strings.Contains(body, "<title>Portfolio value a year (EUR)</title>") ||
		!strings.Contains(body, "Phone conversation") || !strings.Contains(body, "Pipeline, confidence-weighted") {
		t.Errorf("chart: %s\n%.600s", ct, body)
	}
	res = e.do(http.MethodGet, "/api/v1/reports/value.svg", e.other, nil).want(t, http.StatusOK)
	if !strings.Contains(string(res.Body), "no data") {
		t.Errorf("empty workspace's chart: %.600s", string(res.Body))
	}
}
