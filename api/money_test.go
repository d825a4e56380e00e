package api_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"cxbacklog/api"
)

// handleTimeDriver is the body creating the handle-time driver of the docs
// at touchpoint tp: 0.015 per second × 120,000 calls a year.
func (e *env) handleTimeDriver(tp string) string {
	return `{"touchpoint_id":"` + tp + `","metric_id":"` + e.catalogueMetric("aht").ID +
		`","unit_value":0.015,"exposure_per_year":120000,"exposure_unit":"calls","note":"54 EUR an hour"}`
}

func (e *env) createDriver(body string) api.ValueDriver {
	e.t.Helper()
	var d api.ValueDriver
	e.do(http.MethodPost, "/api/v1/value-drivers", e.editor, body).want(e.t, http.StatusCreated).json(e.t, &d)
	return d
}

func wantNames(t *testing.T, p api.Problem, field string) {
	t.Helper()
	if !namesField(p, field) {
		t.Fatalf("errors %+v do not name %s (detail %q)", p.Errors, field, p.Detail)
	}
}

func TestEconomicsRoundTrip(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	const path = "/api/v1/economics"
	res := e.do(http.MethodGet, path, e.viewer, nil).want(t, http.StatusOK)
	var econ api.Economics
	res.json(t, &econ)
	if econ.Currency != "EUR" || econ.Version != 1 || res.Header.Get("ETag") != `"1"` {
		t.Fatalf("defaults: %+v, ETag %s", econ, res.Header.Get("ETag"))
	}

	// PUT takes back the document GET answered, changed.
	econ.Currency = "GBP"
	res = e.do(http.MethodPut, path, e.admin, econ, "If-Match", `"1"`).want(t, http.StatusOK)
	res.json(t, &econ)
	if econ.Currency != "GBP" || econ.Version != 2 || res.Header.Get("ETag") != `"2"` {
		t.Fatalf("after PUT: %+v, ETag %s", econ, res.Header.Get("ETag"))
	}
	e.do(http.MethodGet, path, e.viewer, nil).want(t, http.StatusOK).json(t, &econ)
	if econ.Currency != "GBP" || econ.Version != 2 {
		t.Fatalf("GET after PUT: %+v", econ)
	}
	// Drivers carry the workspace's currency.
	tp := e.touchpoint(e.journey("Calling about a bill", "Call"), "Phone conversation", "phone", "Contact centre")
	if d := e.createDriver(e.handleTimeDriver(tp.ID)); d.Currency != "GBP" {
		t.Fatalf("driver currency %s, want GBP", d.Currency)
	}

	for _, c := range []struct {
		name, token, body, ifMatch, query string
		status                            int
		field                             string
	}{
		{"version other than If-Match", e.admin, `{"currency":"USD","version":1}`, `"2"`, "", 422, "/version"},
		{"lower-case currency", e.admin, `{"currency":"usd"}`, `"2"`, "", 422, "/currency"},
		{"unknown currency", e.admin, `{"currency":"XXX","version":2}`, `"2"`, "", 422, "/currency"},
		{"null currency", e.admin, `{"currency":null}`, `"2"`, "", 422, "/currency"},
		{"no currency", e.admin, `{"version":2}`, `"2"`, "", 422, "/currency"},
		{"unknown field", e.admin, `{"currency":"USD","rate":1.1}`, `"2"`, "", 400, "/rate"},
		{"query parameter", e.admin, `{"currency":"USD"}`, `"2"`, "?currency=USD", 400, "currency"},
		{"stale If-Match", e.admin, `{"currency":"USD"}`, `"1"`, "", 412, ""},
		{"no If-Match", e.admin, `{"currency":"USD"}`, "", "", 428, ""},
		{"editor", e.editor, `{"currency":"USD"}`, `"2"`, "", 403, ""},
		{"viewer", e.viewer, `{"currency":"USD"}`, `"2"`, "", 403, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			var headers []string
			if c.ifMatch != "" {
				headers = []string{"If-Match", c.ifMatch}
			}
			p := e.do(http.MethodPut, path+c.query, c.token, c.body, headers...).problem(t, c.status)
			if c.field != "" {
				wantNames(t, p, c.field)
			}
			if strings.HasSuffix(c.name, "o currency") || strings.HasPrefix(c.name, "null") {
				if p.Errors[0].Detail != "is required" {
					t.Errorf("detail %q, want is required", p.Errors[0].Detail)
				}
			}
		})
	}
	e.do(http.MethodGet, path, e.viewer, nil).want(t, http.StatusOK).json(t, &econ)
	if econ.Currency != "GBP" || econ.Version != 2 {
		t.Fatalf("a refused PUT changed the economics: %+v", econ)
	}
	e.do(http.MethodGet, path+"?limit=1", e.viewer, nil).problem(t, http.StatusBadRequest)
	// Another workspace has its own.
	e.do(http.MethodGet, path, e.other, nil).want(t, http.StatusOK).json(t, &econ)
	if econ.Currency != "EUR" || econ.Version != 1 {
		t.Fatalf("other workspace: %+v", econ)
	}
}

func TestEconomicsCostPerContact(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	const path = "/api/v1/economics"
	res := e.do(http.MethodGet, path, e.viewer, nil).want(t, http.StatusOK)
	if !strings.Contains(string(res.Body), `"cost_per_contact":null`) {
		t.Fatalf("defaults do not say there is no cost per contact: %s", res.Body)
	}
	var econ api.Economics
	e.do(http.MethodPut, path, e.admin, `{"currency":"EUR","cost_per_contact":4.5}`, "If-Match", `"1"`).want(t, http.StatusOK).json(t, &econ)
	if econ.CostPerContact == nil || *econ.CostPerContact != 4.5 || econ.Version != 2 {
		t.Fatalf("after PUT: %+v", econ)
	}
	// The document GET answers goes back unchanged and keeps the cost.
	e.do(http.MethodGet, path, e.viewer, nil).want(t, http.StatusOK).json(t, &econ)
	econ.Currency = "GBP"
	e.do(http.MethodPut, path, e.admin, econ, "If-Match", `"2"`).want(t, http.StatusOK).json(t, &econ)
	if econ.Currency != "GBP" || econ.CostPerContact == nil || *econ.CostPerContact != 4.5 || econ.Version != 3 {
		t.Fatalf("round trip: %+v", econ)
	}
	e.do(http.MethodGet, path, e.other, nil).want(t, http.StatusOK).json(t, &econ)
	if econ.CostPerContact != nil {
		t.Fatalf("other workspace: %+v", econ)
	}
	for _, c := range []struct {
		name, body string
		status     int
	}{
		{"zero", `{"currency":"GBP","cost_per_contact":0}`, 422},
		{"negative", `{"currency":"GBP","cost_per_contact":-4.5}`, 422},
		{"above the limit", `{"currency":"GBP","cost_per_contact":1e13}`, 422},
		{"a string", `{"currency":"GBP","cost_per_contact":"4.5"}`, 400},
	} {
		t.Run(c.name, func(t *testing.T) {
			wantNames(t, e.do(http.MethodPut, path, e.admin, c.body, "If-Match", `"3"`).problem(t, c.status), "/cost_per_contact")
		})
	}
	// Absent and null both mean none.
	for n, body := range []string{`{"currency":"GBP","cost_per_contact":null}`, `{"currency":"GBP"}`} {
		e.do(http.MethodPut, path, e.admin, `{"currency":"GBP","cost_per_contact":2}`, "If-Match", fmt.Sprintf(`"%d"`, 3+2*n)).want(t, http.StatusOK)
		e.do(http.MethodPut, path, e.admin, body, "If-Match", fmt.Sprintf(`"%d"`, 4+2*n)).want(t, http.StatusOK).json(t, &econ)
		if econ.CostPerContact != nil {
			t.Fatalf("%s left %v", body, *econ.CostPerContact)
		}
	}
	e.do(http.MethodGet, path, e.viewer, nil).want(t, http.StatusOK).json(t, &econ)
	if econ.CostPerContact != nil || econ.Currency != "GBP" || econ.Version != 7 {
		t.Fatalf("stored: %+v", econ)
	}
}

func TestValueDriverCRUD(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	j := e.journey("Calling about a bill", "Call")
	call := e.touchpoint(j, "Phone conversation", "phone", "Contact centre")
	queue := e.touchpoint(j, "Phone queue", "phone", "Contact centre")

	body := e.handleTimeDriver(call.ID)
	res := e.do(http.MethodPost, "/api/v1/value-drivers", e.editor, body, "Idempotency-Key", "aht-1").want(t, http.StatusCreated)
	var d api.ValueDriver
	res.json(t, &d)
	if res.Header.Get("Location") != "/api/v1/value-drivers/"+d.ID || res.Header.Get("ETag") != `"1"` {
		t.Fatalf("Location %q, ETag %q", res.Header.Get("Location"), res.Header.Get("ETag"))
	}
	if d.TouchpointID != call.ID || d.MetricID != e.catalogueMetric("aht").ID || d.UnitValue != 0.015 || d.ExposurePerYear != 120000 ||
		d.ExposureUnit != "calls" || d.Note != "54 EUR an hour" || d.Currency != "EUR" || d.AnnualValuePerUnit != 1800 || d.Version != 1 {
		t.Fatalf("created %+v", d)
	}
	again := e.do(http.MethodPost, "/api/v1/value-drivers", e.editor, body, "Idempotency-Key", "aht-1").want(t, http.StatusCreated)
	if again.Header.Get("Idempotent-Replayed") != "true" || string(again.Body) != string(res.Body) {
		t.Fatalf("retry not replayed: %s", again.Body)
	}

	res = e.do(http.MethodGet, "/api/v1/value-drivers/"+d.ID, e.viewer, nil).want(t, http.StatusOK)
	var got api.ValueDriver
	res.json(t, &got)
	if got.ID != d.ID || got.AnnualValuePerUnit != 1800 || res.Header.Get("ETag") != `"1"` {
		t.Fatalf("GET %+v, ETag %s", got, res.Header.Get("ETag"))
	}

	fcr := e.createDriver(`{"touchpoint_id":"` + call.ID + `","metric_id":"` + e.catalogueMetric("fcr").ID +
		`","unit_value":4.5,"exposure_per_year":120000,"exposure_unit":"calls"}`)
	atQueue := e.createDriver(strings.Replace(body, call.ID, queue.ID, 1))
	for _, c := range []struct {
		query string
		want  []string
	}{
		{"", []string{d.ID, fcr.ID, atQueue.ID}},
		{"touchpoint_id=" + call.ID, []string{d.ID, fcr.ID}},
		{"touchpoint_id=" + queue.ID, []string{atQueue.ID}},
		{"touchpoint_id=" + call.ID + "," + queue.ID, []string{d.ID, fcr.ID, atQueue.ID}},
		{"touchpoint_id=" + call.ID + "&touchpoint_id=" + queue.ID, []string{d.ID, fcr.ID, atQueue.ID}},
		{"touchpoint_id=" + strings.ToUpper(queue.ID), []string{atQueue.ID}},
	} {
		if got := e.pageAll(t, "/api/v1/value-drivers", c.query+"&limit=1"); strings.Join(got, ",") != strings.Join(c.want, ",") {
			t.Errorf("%s: %v, want %v", c.query, got, c.want)
		}
	}

	// Merge patch: a value, null clearing the note, the same touchpoint id (no change).
	res = e.do(http.MethodPatch, "/api/v1/value-drivers/"+d.ID, e.editor,
		`{"unit_value":0.02,"note":null,"touchpoint_id":"`+strings.ToUpper(call.ID)+`"}`, "If-Match", `"1"`).want(t, http.StatusOK)
	res.json(t, &got)
	if got.UnitValue != 0.02 || got.Note != "" || got.ExposureUnit != "calls" || got.TouchpointID != call.ID ||
		got.AnnualValuePerUnit != 2400 || got.Version != 2 || res.Header.Get("ETag") != `"2"` {
		t.Fatalf("patched %+v", got)
	}

	e.do(http.MethodDelete, "/api/v1/value-drivers/"+d.ID, e.editor, nil, "If-Match", `"2"`).want(t, http.StatusNoContent)
	e.do(http.MethodGet, "/api/v1/value-drivers/"+d.ID, e.viewer, nil).problem(t, http.StatusNotFound)
	// The pair is free again.
	e.createDriver(body)
}

func TestValueDriverErrors(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	j := e.journey("Calling about a bill", "Call")
	call := e.touchpoint(j, "Phone conversation", "phone", "Contact centre")
	spare := e.touchpoint(j, "Phone queue", "phone", "Contact centre")
	d := e.createDriver(e.handleTimeDriver(call.ID))
	aht, fcr := e.catalogueMetric("aht").ID, e.catalogueMetric("fcr").ID
	// A touchpoint of another workspace.
	var oj api.Journey
	e.do(http.MethodPost, "/api/v1/journeys", e.other, `{"name":"Theirs","stages":[{"name":"S"}]}`).want(t, http.StatusCreated).json(t, &oj)
	var otp api.Touchpoint
	e.do(http.MethodPost, "/api/v1/touchpoints", e.other, fmt.Sprintf(`{"journey_id":%q,"stage_id":%q,"name":"Theirs","channel":"web"}`, oj.ID, oj.Stages[0].ID)).
		want(t, http.StatusCreated).json(t, &otp)

	one := "/api/v1/value-drivers/" + d.ID
	create := func(fields string) string {
		return `{"touchpoint_id":"` + spare.ID + `","metric_id":"` + aht + `","exposure_unit":"calls",` + fields + `}`
	}
	for _, c := range []struct {
		name, method, path, token, body, ifMatch string
		status                                   int
		field                                    string
	}{
		{"unknown list parameter", "GET", "/api/v1/value-drivers?metric_id=" + aht, e.viewer, "", "", 400, "metric_id"},
		{"bad touchpoint filter", "GET", "/api/v1/value-drivers?touchpoint_id=nope", e.viewer, "", "", 400, "touchpoint_id"},
		{"limit on one", "GET", one + "?limit=1", e.viewer, "", "", 400, "limit"},
		{"unknown field", "POST", "/api/v1/value-drivers", e.editor, create(`"unit_value":1,"exposure_per_year":1,"value":3`), "", 400, "/value"},

		{"viewer creates", "POST", "/api/v1/value-drivers", e.viewer, create(`"unit_value":1,"exposure_per_year":1`), "", 403, ""},
		{"viewer patches", "PATCH", one, e.viewer, `{"unit_value":1}`, `"1"`, 403, ""},
		{"viewer deletes", "DELETE", one, e.viewer, "", `"1"`, 403, ""},

		{"other workspace gets", "GET", one, e.other, "", "", 404, ""},
		{"other workspace patches", "PATCH", one, e.other, `{"unit_value":1}`, `"1"`, 404, ""},
		{"other workspace deletes", "DELETE", one, e.other, "", `"1"`, 404, ""},
		{"malformed id", "GET", "/api/v1/value-drivers/nope", e.viewer, "", "", 404, ""},

		{"duplicate pair", "POST", "/api/v1/value-drivers", e.editor, e.handleTimeDriver(call.ID), "", 409, "/metric_id"},
		{"delete a touchpoint a driver uses", "DELETE", "/api/v1/touchpoints/" + call.ID, e.editor, "", `"1"`, 409, ""},
		{"delete a metric a driver uses", "DELETE", "/api/v1/metrics/" + aht, e.editor, "", `"1"`, 409, ""},

		{"stale patch", "PATCH", one, e.editor, `{"unit_value":1}`, `"7"`, 412, ""},
		{"stale delete", "DELETE", one, e.editor, "", `"7"`, 412, ""},

		{"unit value 0", "POST", "/api/v1/value-drivers", e.editor, create(`"unit_value":0,"exposure_per_year":1`), "", 422, "/unit_value"},
		{"no unit value", "POST", "/api/v1/value-drivers", e.editor, create(`"exposure_per_year":1`), "", 422, "/unit_value"},
		{"negative exposure", "POST", "/api/v1/value-drivers", e.editor, create(`"unit_value":1,"exposure_per_year":-5`), "", 422, "/exposure_per_year"},
		{"huge exposure", "POST", "/api/v1/value-drivers", e.editor, create(`"unit_value":1,"exposure_per_year":1e13`), "", 422, "/exposure_per_year"},
		{"no exposure unit", "POST", "/api/v1/value-drivers", e.editor, `{"touchpoint_id":"` + spare.ID + `","metric_id":"` + aht + `","unit_value":1,"exposure_per_year":1}`, "", 422, "/exposure_unit"},
		{"long note", "POST", "/api/v1/value-drivers", e.editor, create(`"unit_value":1,"exposure_per_year":1,"note":"` + strings.Repeat("n", 2001) + `"`), "", 422, "/note"},
		{"touchpoint not a UUID", "POST", "/api/v1/value-drivers", e.editor, `{"touchpoint_id":"x","metric_id":"` + aht + `","unit_value":1,"exposure_per_year":1,"exposure_unit":"calls"}`, "", 422, "/touchpoint_id"},
		{"touchpoint of another workspace", "POST", "/api/v1/value-drivers", e.editor, `{"touchpoint_id":"` + otp.ID + `","metric_id":"` + aht + `","unit_value":1,"exposure_per_year":1,"exposure_unit":"calls"}`, "", 422, "/touchpoint_id"},
		{"unknown metric", "POST", "/api/v1/value-drivers", e.editor, `{"touchpoint_id":"` + spare.ID + `","metric_id":"` + otp.ID + `","unit_value":1,"exposure_per_year":1,"exposure_unit":"calls"}`, "", 422, "/metric_id"},

		{"move to another touchpoint", "PATCH", one, e.editor, `{"touchpoint_id":"` + spare.ID + `"}`, `"1"`, 422, "/touchpoint_id"},
		{"move to another metric", "PATCH", one, e.editor, `{"metric_id":"` + fcr + `"}`, `"1"`, 422, "/metric_id"},
		{"null touchpoint", "PATCH", one, e.editor, `{"touchpoint_id":null}`, `"1"`, 422, "/touchpoint_id"},
		{"null metric", "PATCH", one, e.editor, `{"metric_id":null}`, `"1"`, 422, "/metric_id"},
		{"null unit value", "PATCH", one, e.editor, `{"unit_value":null}`, `"1"`, 422, "/unit_value"},
		{"null exposure", "PATCH", one, e.editor, `{"exposure_per_year":null}`, `"1"`, 422, "/exposure_per_year"},
		{"null exposure unit", "PATCH", one, e.editor, `{"exposure_unit":null}`, `"1"`, 422, "/exposure_unit"},
		{"negative unit value", "PATCH", one, e.editor, `{"unit_value":-1}`, `"1"`, 422, "/unit_value"},
		{"blank exposure unit", "PATCH", one, e.editor, `{"exposure_unit":"  "}`, `"1"`, 422, "/exposure_unit"},

		{"patch without If-Match", "PATCH", one, e.editor, `{"unit_value":1}`, "", 428, ""},
		{"delete without If-Match", "DELETE", one, e.editor, "", "", 428, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			var body any
			if c.body != "" {
				body = c.body
			}
			var headers []string
			if c.ifMatch != "" {
				headers = []string{"If-Match", c.ifMatch}
			}
			p := e.do(c.method, c.path, c.token, body, headers...).problem(t, c.status)
			if c.field != "" {
				wantNames(t, p, c.field)
			}
			if strings.HasPrefix(c.name, "null ") && p.Errors[0].Detail != "cannot be cleared; leave it out to keep it" {
				t.Errorf("detail %q, want cannot be cleared", p.Errors[0].Detail)
			}
			switch c.name {
			case "move to another touchpoint", "move to another metric":
				if !strings.Contains(p.Errors[0].Detail, "create a new driver for another touchpoint or metric") {
					t.Errorf("detail %q", p.Errors[0].Detail)
				}
			case "delete a touchpoint a driver uses", "delete a metric a driver uses":
				if !strings.Contains(p.Detail, "value drivers use this") {
					t.Errorf("detail %q", p.Detail)
				}
			}
		})
	}
	// Nothing above changed the driver or created another.
	var after api.ValueDriver
	e.do(http.MethodGet, one, e.viewer, nil).want(t, http.StatusOK).json(t, &after)
	if after.Version != 1 || after.UnitValue != 0.015 || after.TouchpointID != call.ID || after.MetricID != aht {
		t.Fatalf("a refused request changed the driver: %+v", after)
	}
	if ids := e.pageAll(t, "/api/v1/value-drivers", "limit=100"); len(ids) != 1 {
		t.Fatalf("%d drivers, want 1", len(ids))
	}
}
