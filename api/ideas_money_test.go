package api_test

import (
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"cxbacklog/api"
)

// moneyAPI is an env with two touchpoints, a (phone) and b (chat), drivers
// at a for handle time (0.015 EUR per second × 120,000 calls) and
// first-contact resolution (4.50 × 120,000), one at b for churn, and one in
// the other workspace.
type moneyAPI struct {
	*env
	a, b                         api.Touchpoint
	aht, fcr, bChurn, otherWSAHT string
}

// metricIDs maps the catalogue's keys to ids, as token sees them.
func metricIDs(e *env, token string) map[string]string {
	e.t.Helper()
	var list struct {
		Items []api.CatalogueMetric `json:"items"`
	}
	e.do(http.MethodGet, "/api/v1/metrics", token, nil).want(e.t, http.StatusOK).json(e.t, &list)
	out := map[string]string{}
	for _, m := range list.Items {
		out[m.Key] = m.ID
	}
	return out
}

func postDriver(e *env, token, touchpointID, metricID string, unit, exposure float64) string {
	e.t.Helper()
	var d struct {
		ID string `json:"id"`
	}
	e.do(http.MethodPost, "/api/v1/value-drivers", token, map[string]any{"touchpoint_id": touchpointID, "metric_id": metricID,
		"unit_value": unit, "exposure_per_year": exposure, "exposure_unit": "calls"}).want(e.t, http.StatusCreated).json(e.t, &d)
	return d.ID
}

func newMoneyAPI(t *testing.T) *moneyAPI {
	t.Helper()
	e := newEnv(t)
	j := e.journey("Support", "Call")
	m := &moneyAPI{env: e, a: e.touchpoint(j, "Phone", "phone", ""), b: e.touchpoint(j, "Chat", "chat", "")}
	ids := metricIDs(e, e.viewer)
	m.aht = postDriver(e, e.editor, m.a.ID, ids["aht"], 0.015, 120000)
	m.fcr = postDriver(e, e.editor, m.a.ID, ids["fcr"], 4.5, 120000)
	m.bChurn = postDriver(e, e.editor, m.b.ID, ids["churn"], 480, 50000)
	var oj api.Journey
	e.do(http.MethodPost, "/api/v1/journeys", e.other, api.JourneyCreate{Name: "Other", Stages: []api.StageInput{{Name: "S"}}}).
		want(t, http.StatusCreated).json(t, &oj)
	var otp api.Touchpoint
	e.do(http.MethodPost, "/api/v1/touchpoints", e.other, api.TouchpointCreate{JourneyID: oj.ID, StageID: oj.Stages[0].ID, Name: "X", Channel: "web"}).
		want(t, http.StatusCreated).json(t, &otp)
	m.otherWSAHT = postDriver(e, e.other, otp.ID, metricIDs(e, e.other)["aht"], 0.02, 1000)
	return m
}

// workedCase is the body of the worked example: one-off 20,000, running
// 6,000, handle time −23 s (41,400 a year) and first-contact resolution
// +0.04 (21,600 a year).
func (m *moneyAPI) workedCase(title string, touchpoints ...string) map[string]any {
	return map[string]any{"title": title, "touchpoint_ids": touchpoints, "impact": 4, "experience": 4, "effort": 2,
		"one_off_cost": 20000, "annual_running_cost": 6000,
		"expected_improvements": []map[string]any{{"value_driver_id": m.aht, "improvement": 23}, {"value_driver_id": m.fcr, "improvement": 0.04}}}
}

func round4(x float64) float64 { return math.Round(x*1e4) / 1e4 }

func wantMoney(t *testing.T, what string, got *float64, want float64) {
	t.Helper()
	if got == nil || round4(*got) != want {
		t.Fatalf("%s = %v, want %v", what, got, want)
	}
}

func TestIdeaBusinessCaseAPI(t *testing.T) {
	t.Parallel()
	m := newMoneyAPI(t)
	var i api.Idea
	m.do(http.MethodPost, "/api/v1/ideas", m.editor, m.workedCase("Headsets", m.a.ID)).want(t, http.StatusCreated).json(t, &i)
	check := func(what string, i api.Idea) {
		t.Helper()
		c := i.BusinessCase
		if c == nil {
			t.Fatalf("%s: no business_case", what)
		}
		if round4(c.ExpectedAnnualValue) != 63000 || round4(c.ExpectedNetAnnualValue) != 57000 || c.Currency != "EUR" ||
			!strings.Contains(c.Explanation, "41,400") || !strings.Contains(c.Explanation, "21,600") || c.RealisedAnnualValue != nil {
			t.Fatalf("%s: business_case %+v", what, c)
		}
		wantMoney(t, what+" payback_months", c.PaybackMonths, 4.2105)
		wantMoney(t, what+" first_year_roi", c.FirstYearROI, 1.4231)
		wantMoney(t, what+" one_off_cost", i.OneOffCost, 20000)
		wantMoney(t, what+" annual_running_cost", i.AnnualRunningCost, 6000)
		want := []api.ExpectedImprovement{{ValueDriverID: m.aht, Improvement: 23}, {ValueDriverID: m.fcr, Improvement: 0.04}}
		if !slices.Equal(i.ExpectedImprovements, want) {
			t.Fatalf("%s: expected_improvements %+v", what, i.ExpectedImprovements)
		}
	}
	check("POST", i)
	var got api.Idea
	m.do(http.MethodGet, "/api/v1/ideas/"+i.ID, m.viewer, nil).want(t, http.StatusOK).json(t, &got)
	check("GET", got)
	var list api.IdeaList
	m.do(http.MethodGet, "/api/v1/ideas", m.viewer, nil).want(t, http.StatusOK).json(t, &list)
	if len(list.Items) != 1 {
		t.Fatalf("list: %+v", list.Items)
	}
	check("list", list.Items[0])

	// An idea without inputs: null costs and case, an empty list.
	r := m.do(http.MethodPost, "/api/v1/ideas", m.editor, map[string]any{"title": "Plain", "touchpoint_ids": []string{m.a.ID},
		"impact": 3, "experience": 3, "effort": 3}).want(t, http.StatusCreated)
	for _, s := range []string{`"one_off_cost":null`, `"annual_running_cost":null`, `"expected_improvements":[]`, `"business_case":null`} {
		if !strings.Contains(string(r.Body), s) {
			t.Fatalf("plain idea lacks %s: %s", s, r.Body)
		}
	}

	patch := func(body string) api.Idea {
		t.Helper()
		var out api.Idea
		m.do(http.MethodPatch, "/api/v1/ideas/"+i.ID, m.editor, body, "If-Match", fmt.Sprintf(`"%d"`, i.Version)).
			want(t, http.StatusOK).json(t, &out)
		i = out
		return out
	}
	// Absent: unchanged (and no new version).
	if v := i.Version; patch(`{"title":"Headsets"}`).Version != v {
		t.Fatal("an empty change made a new version")
	}
	check("PATCH without money fields", i)
	// null clears the one-off cost: payback 0 months, ROI (63,000 − 6,000) ÷ 6,000.
	patch(`{"one_off_cost":null}`)
	if i.OneOffCost != nil {
		t.Fatalf("one_off_cost after null: %v", *i.OneOffCost)
	}
	wantMoney(t, "payback without one-off", i.BusinessCase.PaybackMonths, 0)
	wantMoney(t, "ROI without one-off", i.BusinessCase.FirstYearROI, 9.5)
	// A new list replaces the old; a running cost above the value has no payback.
	patch(`{"expected_improvements":[{"value_driver_id":"` + strings.ToUpper(m.fcr) + `","improvement":0.01}],"annual_running_cost":10000}`)
	if !slices.Equal(i.ExpectedImprovements, []api.ExpectedImprovement{{ValueDriverID: m.fcr, Improvement: 0.01}}) ||
		round4(i.BusinessCase.ExpectedNetAnnualValue) != 5400-10000 || i.BusinessCase.PaybackMonths != nil {
		t.Fatalf("after replacing: %+v %+v", i.ExpectedImprovements, i.BusinessCase)
	}
	// [] empties the list; nulls clear the rest, and the case with them.
	patch(`{"expected_improvements":[]}`)
	if len(i.ExpectedImprovements) != 0 || i.BusinessCase == nil || i.BusinessCase.ExpectedAnnualValue != 0 {
		t.Fatalf("after []: %+v %+v", i.ExpectedImprovements, i.BusinessCase)
	}
	if i.BusinessCase.FirstYearROI == nil || *i.BusinessCase.FirstYearROI != -1 {
		t.Fatalf("ROI of running cost alone: %+v", i.BusinessCase)
	}
	r = m.do(http.MethodPatch, "/api/v1/ideas/"+i.ID, m.editor, `{"annual_running_cost":null,"expected_improvements":null}`,
		"If-Match", fmt.Sprintf(`"%d"`, i.Version)).want(t, http.StatusOK)
	if !strings.Contains(string(r.Body), `"business_case":null`) || !strings.Contains(string(r.Body), `"expected_improvements":[]`) {
		t.Fatalf("after clearing everything: %s", r.Body)
	}

	// The history shows each money field's changes.
	var h api.HistoryList
	m.do(http.MethodGet, "/api/v1/ideas/"+i.ID+"/history?limit=100", m.viewer, nil).want(t, http.StatusOK).json(t, &h)
	changes := map[string][]string{}
	for _, e := range h.Items {
		changes[e.Field] = append(changes[e.Field], e.Old+" → "+e.New)
	}
	wantChanges := map[string][]string{
		"one_off_cost":        {"20000 → "},
		"annual_running_cost": {"10000 → ", "6000 → 10000"},
		"expected_improvements": {m.fcr + ": 0.01 → ",
			m.aht + ": 23, " + m.fcr + ": 0.04 → " + m.fcr + ": 0.01"},
	}
	for field, want := range wantChanges {
		if !slices.Equal(changes[field], want) {
			t.Fatalf("history of %s: %q, want %q", field, changes[field], want)
		}
	}
}

func TestIdeaBusinessCaseRefusedAPI(t *testing.T) {
	t.Parallel()
	m := newMoneyAPI(t)
	var both api.Idea
	both1 := m.workedCase("Both", m.a.ID, m.b.ID)
	both1["expected_improvements"] = append(both1["expected_improvements"].([]map[string]any), map[string]any{"value_driver_id": m.bChurn, "improvement": 0.001})
	m.do(http.MethodPost, "/api/v1/ideas", m.editor, both1).want(t, http.StatusCreated).json(t, &both)
	wantMoney(t, "three drivers", &both.BusinessCase.ExpectedAnnualValue, 63000+24000)

	imp := func(driver, improvement string) string {
		return `{"value_driver_id":"` + driver + `","improvement":` + improvement + `}`
	}
	for _, c := range []struct {
		name, fields string // fields: JSON members added to a valid body
		status       int
		pointer      string
	}{
		{"negative one-off", `"one_off_cost":-1`, 422, "/one_off_cost"},
		{"negative running", `"annual_running_cost":-0.01`, 422, "/annual_running_cost"},
		{"huge cost", `"annual_running_cost":1e13`, 422, "/annual_running_cost"},
		{"cost as a string", `"one_off_cost":"20000"`, 400, "/one_off_cost"},
		{"NaN", `"one_off_cost":NaN`, 400, ""},
		{"improvement as a string", `"expected_improvements":[` + imp(m.aht, `"23"`) + `]`, 400, "/expected_improvements/improvement"},
		{"improvement missing", `"expected_improvements":[{"value_driver_id":"` + m.aht + `"}]`, 422, "/expected_improvements/0/improvement"},
		{"driver id not a UUID", `"expected_improvements":[` + imp("nope", "1") + `]`, 422, "/expected_improvements/0/value_driver_id"},
		{"unknown driver", `"expected_improvements":[` + imp("0b0e7d41-0c3a-4f8e-b6d2-7a1c5e9f3d20", "1") + `]`, 422, "/expected_improvements/0/value_driver_id"},
		{"driver of another workspace", `"expected_improvements":[` + imp(m.aht, "1") + `,` + imp(m.otherWSAHT, "1") + `]`, 422, "/expected_improvements/1/value_driver_id"},
		{"driver at an untargeted touchpoint", `"expected_improvements":[` + imp(m.aht, "1") + `,` + imp(m.bChurn, "1") + `]`, 422, "/expected_improvements/1/value_driver_id"},
		{"duplicate driver", `"expected_improvements":[` + imp(m.aht, "1") + `,` + imp(strings.ToUpper(m.aht), "2") + `]`, 422, "/expected_improvements/1/value_driver_id"},
	} {
		t.Run(c.name, func(t *testing.T) {
			e := m.boundTo(t)
			body := `{"title":"Refused","touchpoint_ids":["` + m.a.ID + `"],"impact":3,"experience":3,"effort":3,` + c.fields + `}`
			checkProblem := func(what string, r response) {
				t.Helper()
				p := r.problem(t, c.status)
				if c.pointer != "" && (len(p.Errors) != 1 || p.Errors[0].Pointer != c.pointer) {
					t.Fatalf("%s: errors %+v, want one naming %s", what, p.Errors, c.pointer)
				}
			}
			checkProblem("POST", e.do(http.MethodPost, "/api/v1/ideas", e.editor, body))
			// The same fields in a PATCH of an idea at touchpoint a.
			var target api.Idea
			e.do(http.MethodPost, "/api/v1/ideas", e.editor, `{"title":"Target","touchpoint_ids":["`+m.a.ID+`"],"impact":3,"experience":3,"effort":3}`).
				want(t, http.StatusCreated).json(t, &target)
			checkProblem("PATCH", e.do(http.MethodPatch, "/api/v1/ideas/"+target.ID, e.editor, "{"+c.fields+"}", "If-Match", `"1"`))
			var after api.Idea
			e.do(http.MethodGet, "/api/v1/ideas/"+target.ID, e.viewer, nil).want(t, http.StatusOK).json(t, &after)
			if after.Version != 1 || after.BusinessCase != nil {
				t.Fatalf("a refused PATCH changed the idea: %+v", after)
			}
		})
	}

	// Removing a touchpoint whose driver an improvement names is refused.
	p := m.do(http.MethodPatch, "/api/v1/ideas/"+both.ID, m.editor, `{"touchpoint_ids":["`+m.a.ID+`"]}`,
		"If-Match", fmt.Sprintf(`"%d"`, both.Version)).problem(t, http.StatusUnprocessableEntity)
	if len(p.Errors) != 1 || p.Errors[0].Pointer != "/expected_improvements/2/value_driver_id" || !strings.Contains(p.Errors[0].Detail, m.b.ID) {
		t.Fatalf("removing touchpoint b: %+v", p.Errors)
	}
	// With the improvement, it is fine.
	body := `{"touchpoint_ids":["` + m.a.ID + `"],"expected_improvements":[` + imp(m.aht, "23") + `,` + imp(m.fcr, "0.04") + `]}`
	var after api.Idea
	m.do(http.MethodPatch, "/api/v1/ideas/"+both.ID, m.editor, body, "If-Match", fmt.Sprintf(`"%d"`, both.Version)).
		want(t, http.StatusOK).json(t, &after)
	wantMoney(t, "after removing b", &after.BusinessCase.ExpectedNetAnnualValue, 57000)
}

func TestIdeasSortedByNetValueAPI(t *testing.T) {
	t.Parallel()
	m := newMoneyAPI(t)
	titles := map[string]string{}
	create := func(title string, money string) {
		t.Helper()
		body := `{"title":"` + title + `","touchpoint_ids":["` + m.a.ID + `"],"impact":3,"experience":3,"effort":3` + money + `}`
		var i api.Idea
		m.do(http.MethodPost, "/api/v1/ideas", m.editor, body).want(t, http.StatusCreated).json(t, &i)
		titles[i.ID] = title
	}
	aht := func(seconds string) string {
		return `,"expected_improvements":[{"value_driver_id":"` + m.aht + `","improvement":` + seconds + `}]`
	}
	create("none 1", "")
	create("18000 a", aht("10"))
	create("-5000", `,"annual_running_cost":5000`)
	create("none 2", "")
	create("0", `,"one_off_cost":100`)
	create("18000 b", aht("10"))
	create("35000", aht("20")+`,"annual_running_cost":1000`)
	create("none 3", "")
	want := []string{"35000", "18000 a", "18000 b", "0", "-5000", "none 1", "none 2", "none 3"}
	for _, limit := range []int{1, 3, 100} {
		ids := m.pageAll(t, "/api/v1/ideas", "sort=-expected_net_annual_value&limit="+fmt.Sprint(limit))
		got := make([]string, len(ids))
		for n, id := range ids {
			got[n] = titles[id]
		}
		if !slices.Equal(got, want) {
			t.Fatalf("limit %d: %q, want %q", limit, got, want)
		}
	}
	// A cursor of this sort is refused for another.
	var page api.IdeaList
	m.do(http.MethodGet, "/api/v1/ideas?sort=-expected_net_annual_value&limit=1", m.viewer, nil).want(t, http.StatusOK).json(t, &page)
	m.do(http.MethodGet, "/api/v1/ideas?limit=1&cursor="+url.QueryEscape(*page.NextCursor), m.viewer, nil).problem(t, http.StatusBadRequest)
	var raw map[string]any
	m.do(http.MethodGet, "/api/v1/ideas?sort=-expected_net_annual_value&limit=1&cursor="+url.QueryEscape(*page.NextCursor), m.viewer, nil).
		want(t, http.StatusOK).json(t, &raw)
	if b, _ := json.Marshal(raw["items"]); !strings.Contains(string(b), `"18000 a"`) {
		t.Fatalf("second page: %s", b)
	}
}
