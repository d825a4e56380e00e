package api_test

import (
	"fmt"
	"math"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"cxbacklog/api"
)

// valuePilot is a planned pilot of a phone-queue idea (annual running cost
// 12,000) with three metrics measuring catalogue metrics: handle time
// (aht, primary, 412 → 389 s), first-contact resolution (fcr, 0.70 →
// 0.74) and CSAT (csat, 0.80 → 0.82), each with a pilot before and after
// sample and no control group. The pilot's touchpoint is the queue; the
// invoice is another touchpoint of the journey.
type valuePilot struct {
	idea               api.Idea
	pilot              api.Pilot
	queue, invoice     api.Touchpoint
	aht, fcr, csat     api.CatalogueMetric
	handle, first, sat api.Metric
}

func (e *env) valuePilot() valuePilot {
	e.t.Helper()
	var v valuePilot
	j := e.journey("Calling about a bill", "Call")
	v.queue = e.touchpoint(j, "Phone queue", "phone", "Contact centre")
	v.invoice = e.touchpoint(j, "Invoice", "email", "Billing")
	body := fmt.Sprintf(`{"title":"Call-back instead of waiting","touchpoint_ids":[%q],"impact":4,"experience":4,"effort":2,"confidence":0.5,"annual_running_cost":12000}`, v.queue.ID)
	e.do(http.MethodPost, "/api/v1/ideas", e.editor, body).want(e.t, http.StatusCreated).json(e.t, &v.idea)
	v.idea = e.moveIdea(v.idea, "under_review", "planned")
	v.pilot = e.pilot(v.idea, "Call-backs for billing calls")
	v.aht, v.fcr, v.csat = e.catalogueMetric("aht"), e.catalogueMetric("fcr"), e.catalogueMetric("csat")
	metric := func(c api.CatalogueMetric, name string, primary bool, before, after string) api.Metric {
		in := api.MetricCreate{MetricID: &c.ID, Name: name, Kind: c.Kind, Direction: c.Direction, Primary: primary}
		var m api.Metric
		e.do(http.MethodPost, "/api/v1/pilots/"+v.pilot.ID+"/metrics", e.editor, in).want(e.t, http.StatusCreated).json(e.t, &m)
		e.samples(v.pilot, m, before, after)
		return m
	}
	v.handle = metric(v.aht, "Handle time", true, `{"n":400,"mean":412,"sd":90}`, `{"n":400,"mean":389,"sd":85}`)
	v.first = metric(v.fcr, "First-contact resolution", false, `{"n":400,"successes":280}`, `{"n":400,"successes":296}`)
	v.sat = metric(v.csat, "CSAT", false, `{"n":400,"successes":320}`, `{"n":400,"successes":328}`)
	return v
}

// valueDriver creates a value driver through the API.
func (e *env) valueDriver(tp api.Touchpoint, m api.CatalogueMetric, unitValue, exposure float64) api.ValueDriver {
	e.t.Helper()
	body := fmt.Sprintf(`{"touchpoint_id":%q,"metric_id":%q,"unit_value":%v,"exposure_per_year":%v,"exposure_unit":"calls"}`,
		tp.ID, m.ID, unitValue, exposure)
	var d api.ValueDriver
	e.do(http.MethodPost, "/api/v1/value-drivers", e.editor, body).want(e.t, http.StatusCreated).json(e.t, &d)
	return d
}

// metricResult finds a metric's result by id.
func metricResult(t *testing.T, r api.PilotResults, id string) api.MetricResult {
	t.Helper()
	for _, m := range r.Metrics {
		if m.MetricID == id {
			return m
		}
	}
	t.Fatalf("no result for metric %s", id)
	return api.MetricResult{}
}

// close enough for amounts computed two ways.
func closeTo(got, want float64) bool { return math.Abs(got-want) <= 1e-6*math.Max(1, math.Abs(want)) }

// wantTotal is the pilot value total computed here from the metrics'
// values, independently of the domain: half-widths added as a root sum of
// squares on each side, and P(value > running cost) from a normal with
// standard error = total half-width ÷ 1.959964 (95 %).
func wantTotal(values []*api.MetricValue, runningCost float64) (total, low, high, p float64) {
	var below, above float64
	for _, v := range values {
		total += v.AnnualValue
		below += (v.AnnualValue - v.CILow) * (v.AnnualValue - v.CILow)
		above += (v.CIHigh - v.AnnualValue) * (v.CIHigh - v.AnnualValue)
	}
	low, high = total-math.Sqrt(below), total+math.Sqrt(above)
	se := (high - low) / 2 / 1.959963984540054
	p = 0.5 * (1 + math.Erf((total-runningCost)/se/math.Sqrt2))
	return total, low, high, p
}

// A metric priced by a driver at one of the pilot's touchpoints is worth
// improvement × unit value × exposure a year, its interval mapped end to
// end; the total adds them with a root-sum-of-squares interval and the
// chance of beating the idea's running cost. Unpriced metrics, and drivers
// at touchpoints the pilot does not cover, count nothing.
func TestPilotResultsValueTheImprovement(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	v := e.valuePilot()

	// Nothing priced yet; drivers elsewhere do not price the pilot.
	e.valueDriver(v.invoice, v.aht, 1, 1000)
	e.valueDriver(v.invoice, v.csat, 2, 5000)
	res := e.results(v.pilot)
	if res.ValueTotal != nil {
		t.Fatalf("value_total %+v with nothing priced at the pilot's touchpoints", *res.ValueTotal)
	}
	for _, m := range res.Metrics {
		if m.Value != nil {
			t.Fatalf("%s has value %+v with no driver at the pilot's touchpoints", m.Name, *m.Value)
		}
	}
	raw := string(e.do(http.MethodGet, "/api/v1/pilots/"+v.pilot.ID+"/results", e.viewer, nil).want(t, http.StatusOK).Body)
	if !strings.Contains(raw, `"value_total":null`) || !strings.Contains(raw, `"value":null`) {
		t.Fatalf("unpriced results do not say null: %s", raw)
	}

	aht := e.valueDriver(v.queue, v.aht, 0.015, 120000)
	fcr := e.valueDriver(v.queue, v.fcr, 4.5, 120000)
	res = e.results(v.pilot)
	for _, c := range []struct {
		metric api.Metric
		driver api.ValueDriver
		value  float64
		scale  float64 // unit value × exposure
	}{
		{v.handle, aht, 41400, 1800},
		{v.first, fcr, 21600, 540000},
	} {
		m := metricResult(t, res, c.metric.ID)
		if m.Value == nil || m.Improvement == nil {
			t.Fatalf("%s: no value (%+v)", m.Name, m)
		}
		got := *m.Value
		if !closeTo(got.AnnualValue, c.value) || !closeTo(got.AnnualValue, *m.Improvement*c.scale) ||
			!closeTo(got.CILow, *m.ImprovementCILow*c.scale) || !closeTo(got.CIHigh, *m.ImprovementCIHigh*c.scale) ||
			got.Currency != "EUR" || got.ValueDriverID != c.driver.ID || got.CILow >= got.AnnualValue || got.CIHigh <= got.AnnualValue {
			t.Errorf("%s value %+v; want %v, interval improvement [%v, %v] × %v, driver %s", m.Name, got, c.value,
				*m.ImprovementCILow, *m.ImprovementCIHigh, c.scale, c.driver.ID)
		}
		if !strings.Contains(got.Explanation, strconv.FormatFloat(c.value, 'f', 0, 64)[:2]+",") {
			t.Errorf("%s explanation %q", m.Name, got.Explanation)
		}
	}
	ahtValue := metricResult(t, res, v.handle.ID).Value
	if math.Round(ahtValue.CILow) != 19530 || math.Round(ahtValue.CIHigh) != 63270 {
		t.Errorf("handle time interval %v to %v, want about 19,530 to 63,270", ahtValue.CILow, ahtValue.CIHigh)
	}
	if m := metricResult(t, res, v.sat.ID); m.Value != nil {
		t.Errorf("CSAT, priced only at the invoice, has value %+v", *m.Value)
	}

	total, low, high, p := wantTotal([]*api.MetricValue{ahtValue, metricResult(t, res, v.first.ID).Value}, 12000)
	got := res.ValueTotal
	if got == nil {
		t.Fatal("no value_total")
	}
	if !closeTo(total, 63000) || !closeTo(got.AnnualValue, total) || !closeTo(got.CILow, low) || !closeTo(got.CIHigh, high) ||
		math.Abs(got.ProbabilityNetPositive-p) > 1e-9 || got.RunningCost != 12000 || got.Currency != "EUR" {
		t.Errorf("value_total %+v; want %v (%v to %v), P %v, running cost 12000", *got, total, low, high, p)
	}
	if p < 0.99 || p >= 1 {
		t.Errorf("P(net positive) = %v: the example should be nearly, not quite, certain", p)
	}
	if !strings.Contains(got.Explanation, "independent") || !strings.Contains(got.Explanation, "63,000") {
		t.Errorf("value_total explanation %q", got.Explanation)
	}

	// The CSV carries each metric's value as the JSON has it.
	rows := readCSV(t, e.do(http.MethodGet, "/api/v1/pilots/"+v.pilot.ID+"/results.csv", e.viewer, nil))
	for n, m := range res.Metrics {
		want := [3]string{}
		if m.Value != nil {
			want = [3]string{strconv.FormatFloat(m.Value.AnnualValue, 'g', -1, 64), strconv.FormatFloat(m.Value.CILow, 'g', -1, 64),
				strconv.FormatFloat(m.Value.CIHigh, 'g', -1, 64)}
		}
		for k, col := range []string{"annual_value", "value_ci_low", "value_ci_high"} {
			cell := rows[n][col]
			if cell != "" {
				x, err := strconv.ParseFloat(cell, 64)
				if err != nil {
					t.Fatalf("%s %s = %q", m.Name, col, cell)
				}
				cell = strconv.FormatFloat(x, 'g', -1, 64)
			}
			if cell != want[k] {
				t.Errorf("%s %s = %q, JSON %q", m.Name, col, rows[n][col], want[k])
			}
		}
	}
}

// A completed pilot shows the value it had when it completed: changing a
// driver afterwards changes live results, not frozen ones.
func TestCompletedPilotKeepsItsValue(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	v := e.valuePilot()
	aht := e.valueDriver(v.queue, v.aht, 0.015, 120000)
	e.valueDriver(v.queue, v.fcr, 4.5, 120000)
	e.do(http.MethodPost, "/api/v1/pilots/"+v.pilot.ID+"/start", e.editor, nil).want(t, http.StatusOK)
	before := e.results(v.pilot)
	e.do(http.MethodPost, "/api/v1/pilots/"+v.pilot.ID+"/complete", e.editor, `{"decision":"adopt"}`).want(t, http.StatusOK)
	var changed api.ValueDriver
	e.do(http.MethodPatch, "/api/v1/value-drivers/"+aht.ID, e.editor, `{"unit_value":0.03}`, "If-Match", fmt.Sprintf(`"%d"`, aht.Version)).
		want(t, http.StatusOK).json(t, &changed)
	if changed.UnitValue != 0.03 {
		t.Fatalf("driver after the change: %+v", changed)
	}
	after := e.results(v.pilot)
	if !after.Frozen || after.ValueTotal == nil || before.ValueTotal == nil || *after.ValueTotal != *before.ValueTotal {
		t.Fatalf("frozen value_total %+v, at completion %+v", after.ValueTotal, before.ValueTotal)
	}
	for n, m := range after.Metrics {
		b := before.Metrics[n]
		if (m.Value == nil) != (b.Value == nil) || m.Value != nil && *m.Value != *b.Value {
			t.Errorf("%s: frozen value %+v, at completion %+v", m.Name, m.Value, b.Value)
		}
	}
	if m := metricResult(t, after, v.handle.ID); m.Value == nil || !closeTo(m.Value.AnnualValue, 41400) {
		t.Errorf("frozen handle time value %+v, want 41,400", m.Value)
	}
}

// Adopting an idea on a pilot that proved value records that value on the
// idea's business case, with its interval, and in its history.
func TestAdoptedPilotRealisesItsValue(t *testing.T) {
	t.Parallel()
	for _, withInputs := range []bool{true, false} {
		t.Run(fmt.Sprintf("business case inputs %v", withInputs), func(t *testing.T) {
			t.Parallel()
			adoptAndCheckRealised(t, withInputs)
		})
	}
}

// adoptAndCheckRealised completes a priced pilot with adopt; an idea
// without business-case inputs shows its realised value as well.
func adoptAndCheckRealised(t *testing.T, withInputs bool) {
	e := newEnv(t)
	v := e.valuePilot()
	if !withInputs {
		e.do(http.MethodPatch, "/api/v1/ideas/"+v.idea.ID, e.editor, `{"annual_running_cost":null}`,
			"If-Match", fmt.Sprintf(`"%d"`, v.idea.Version)).want(t, http.StatusOK)
	}
	e.valueDriver(v.queue, v.aht, 0.015, 120000)
	e.valueDriver(v.queue, v.fcr, 4.5, 120000)
	e.do(http.MethodPost, "/api/v1/pilots/"+v.pilot.ID+"/start", e.editor, nil).want(t, http.StatusOK)
	completedAt := time.Now().UTC()
	e.do(http.MethodPost, "/api/v1/pilots/"+v.pilot.ID+"/complete", e.editor, `{"decision":"adopt"}`).want(t, http.StatusOK)
	total := e.results(v.pilot).ValueTotal
	if total == nil {
		t.Fatal("no value_total")
	}

	var idea struct {
		Status       string `json:"status"`
		BusinessCase *struct {
			Realised *struct {
				AnnualValue float64   `json:"annual_value"`
				CILow       float64   `json:"ci_low"`
				CIHigh      float64   `json:"ci_high"`
				PilotID     string    `json:"pilot_id"`
				RealisedAt  time.Time `json:"realised_at"`
			} `json:"realised_annual_value"`
		} `json:"business_case"`
	}
	e.do(http.MethodGet, "/api/v1/ideas/"+v.idea.ID, e.viewer, nil).want(t, http.StatusOK).json(t, &idea)
	if idea.Status != "adopted" || idea.BusinessCase == nil || idea.BusinessCase.Realised == nil {
		t.Fatalf("adopted idea: status %s, business case %+v", idea.Status, idea.BusinessCase)
	}
	r := idea.BusinessCase.Realised
	if r.AnnualValue != total.AnnualValue || r.CILow != total.CILow || r.CIHigh != total.CIHigh || r.PilotID != v.pilot.ID ||
		r.RealisedAt.Before(completedAt.Add(-time.Minute)) || r.RealisedAt.After(time.Now().Add(time.Minute)) {
		t.Errorf("realised %+v; the pilot proved %+v", *r, *total)
	}

	var history api.HistoryList
	e.do(http.MethodGet, "/api/v1/ideas/"+v.idea.ID+"/history", e.viewer, nil).want(t, http.StatusOK).json(t, &history)
	found := false
	for _, h := range history.Items {
		if h.Field == "realised_annual_value" {
			found = true
			if !strings.HasPrefix(h.New, "63,000 (") || h.Old != "" {
				t.Errorf("history entry %+v", h)
			}
		}
	}
	if !found {
		t.Errorf("no history entry for realised_annual_value in %+v", history.Items)
	}
}
