package api_test

import (
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"

	"cxbacklog/api"
	"cxbacklog/domain"
)

// The PATCH contract a typed (generated) client relies on: a field left out
// stays; null clears a field that may be empty; null on a field that cannot
// be empty is 422 naming it and changes nothing.
const (
	cannotClear = "cannot be cleared; leave it out to keep it"
	dateRange   = "must be a date from 2000-01-01 to 2100-12-31"
)

// patchEndpoint is one PATCH endpoint with its rule for every field.
type patchEndpoint struct {
	name      string
	setup     func(e *env) string // creates a resource with every field set, returns its path
	one       string              // a one-field patch (JSON members)
	required  []string            // null is 422 naming the field
	clearable map[string]string   // null clears: field → the JSON it then reads back
	dates     []string            // date fields
	derived   []string            // read-only fields the one-field patch may change too
}

func patchEndpoints() []patchEndpoint {
	return []patchEndpoint{
		{
			name:     "journey, description only",
			setup:    func(e *env) string { return "/api/v1/journeys/" + patchJourney(e).ID },
			one:      `"description":"From the door to the bill"`,
			required: []string{"name", "stages"},
			clearable: map[string]string{
				"description": `""`,
			},
		},
		{
			name:     "journey, name only",
			setup:    func(e *env) string { return "/api/v1/journeys/" + patchJourney(e).ID },
			one:      `"name":"Dinner"`,
			required: []string{"stages"},
			clearable: map[string]string{
				"description": `""`,
			},
		},
		{
			name: "touchpoint",
			setup: func(e *env) string {
				return "/api/v1/touchpoints/" + patchTouchpoint(e, patchJourney(e)).ID
			},
			one:       `"name":"Front door"`,
			required:  []string{"journey_id", "stage_id", "channel"},
			clearable: map[string]string{"description": `""`, "owner": `""`},
		},
		{
			name: "catalogue metric",
			setup: func(e *env) string {
				var m api.CatalogueMetric
				e.do(http.MethodPost, "/api/v1/metrics", e.admin, `{"key":"wait","name":"Waiting time","kind":"mean","direction":"lower_is_better",`+
					`"unit":"minutes","target":5,"description":"Minutes until seated"}`).want(e.t, http.StatusCreated).json(e.t, &m)
				return "/api/v1/metrics/" + m.ID
			},
			one:       `"name":"Time to a table"`,
			required:  []string{"key", "direction"},
			clearable: map[string]string{"unit": `""`, "description": `""`, "target": `null`},
		},
		{
			name:     "idea, status only",
			setup:    func(e *env) string { return "/api/v1/ideas/" + patchIdea(e).ID },
			one:      `"status":"under_review"`,
			required: []string{"title", "touchpoint_ids", "impact", "experience", "effort", "confidence"},
			clearable: map[string]string{
				"problem": `""`, "proposal": `""`, "owner": `""`, "tags": `[]`, "source": `""`,
			},
			derived: []string{"score"}, // its summary reads the status
		},
		{
			name:     "idea, title only",
			setup:    func(e *env) string { return "/api/v1/ideas/" + patchIdea(e).ID },
			one:      `"title":"Door bell"`,
			required: []string{"touchpoint_ids", "impact", "experience", "effort", "confidence", "status"},
			clearable: map[string]string{
				"problem": `""`, "proposal": `""`, "owner": `""`, "tags": `[]`, "source": `""`,
			},
		},
		{
			name:     "pilot, scope only",
			setup:    func(e *env) string { return "/api/v1/pilots/" + patchPilot(e).ID },
			one:      `"scope":"x"`,
			required: []string{"hypothesis", "touchpoint_ids", "confidence_level"},
			clearable: map[string]string{
				"title": `""`, "owner": `""`, "start_date": `null`, "end_date": `null`,
			},
			dates: []string{"start_date", "end_date"},
		},
		{
			name: "pilot metric",
			setup: func(e *env) string {
				p := patchPilot(e)
				var m api.Metric
				e.do(http.MethodPost, "/api/v1/pilots/"+p.ID+"/metrics", e.editor,
					`{"name":"Handle time","unit":"seconds","kind":"mean","direction":"lower_is_better","primary":true,"guardrail":false}`).
					want(e.t, http.StatusCreated).json(e.t, &m)
				return "/api/v1/pilots/" + p.ID + "/metrics/" + m.ID
			},
			one:       `"name":"Average handle time"`,
			required:  []string{"direction", "primary", "guardrail"},
			clearable: map[string]string{"unit": `""`},
		},
	}
}

func patchJourney(e *env) api.Journey {
	e.t.Helper()
	var j api.Journey
	e.do(http.MethodPost, "/api/v1/journeys", e.editor, `{"name":"Lunch","description":"The whole visit","stages":[{"name":"Arrive"},{"name":"Pay"}]}`).
		want(e.t, http.StatusCreated).json(e.t, &j)
	return j
}

func patchTouchpoint(e *env, j api.Journey) api.Touchpoint {
	e.t.Helper()
	var tp api.Touchpoint
	e.do(http.MethodPost, "/api/v1/touchpoints", e.editor, fmt.Sprintf(
		`{"journey_id":%q,"stage_id":%q,"name":"Entrance","description":"The front door","channel":"physical_environment","owner":"Facilities"}`,
		j.ID, j.Stages[0].ID)).want(e.t, http.StatusCreated).json(e.t, &tp)
	return tp
}

func patchIdea(e *env) api.Idea {
	e.t.Helper()
	tp := patchTouchpoint(e, patchJourney(e))
	var i api.Idea
	e.do(http.MethodPost, "/api/v1/ideas", e.editor, fmt.Sprintf(
		`{"title":"Automatic doors","problem":"Heavy door","proposal":"Sensor doors","touchpoint_ids":[%q],"impact":3,"experience":4,`+
			`"effort":3,"confidence":0.8,"owner":"Facilities","tags":["arrival"],"source":"employee"}`, tp.ID)).
		want(e.t, http.StatusCreated).json(e.t, &i)
	return i
}

// patchPilot plans a pilot with every field set: dates, touchpoints, owner.
func patchPilot(e *env) api.Pilot {
	e.t.Helper()
	i := patchIdea(e)
	var p api.Pilot
	e.do(http.MethodPost, "/api/v1/pilots", e.editor, fmt.Sprintf(
		`{"idea_id":%q,"title":"Doors at the main entrance","hypothesis":"Guests enter sooner","scope":"Main entrance",`+
			`"start_date":"2026-09-01","end_date":"2026-11-30","owner":"Facilities","confidence_level":0.9}`, i.ID)).
		want(e.t, http.StatusCreated).json(e.t, &p)
	if len(p.TouchpointIDs) != 1 || p.StartDate == nil || p.EndDate == nil {
		e.t.Fatalf("pilot = %+v", p)
	}
	return p
}

// resource is a resource as GET shows it, field by field.
type resource map[string]any

func (e *env) resource(t *testing.T, path string) resource {
	t.Helper()
	var r resource
	e.do(http.MethodGet, path, e.viewer, nil).want(t, http.StatusOK).json(t, &r)
	return r
}

func (r resource) version() string { return fmt.Sprintf(`"%v"`, r["version"]) }

// sameExcept fails unless after is before but for the fields named.
func sameExcept(t *testing.T, what string, before, after resource, changed ...string) {
	t.Helper()
	for k, v := range before {
		if !slices.Contains(changed, k) && !reflect.DeepEqual(v, after[k]) {
			t.Errorf("%s changed %s: %v → %v", what, k, v, after[k])
		}
	}
	if len(before) != len(after) {
		t.Errorf("%s changed the fields: %v → %v", what, before, after)
	}
}

// reads fails unless field of r reads back as the JSON want.
func reads(t *testing.T, what string, r resource, field, want string) {
	t.Helper()
	var w any
	if err := json.Unmarshal([]byte(want), &w); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(r[field], w) {
		t.Errorf("%s: %s = %#v, want %s", what, field, r[field], want)
	}
}

// pointers lists a problem's field pointers, sorted.
func pointers(p api.Problem) []string {
	var out []string
	for _, f := range p.Errors {
		out = append(out, f.Pointer)
	}
	sort.Strings(out)
	return out
}

func members(fields ...string) string {
	return "{" + strings.Join(slices.DeleteFunc(fields, func(s string) bool { return s == "" }), ",") + "}"
}

func nulls(names ...string) string {
	var out []string
	for _, n := range names {
		out = append(out, fmt.Sprintf("%q:null", n))
	}
	return strings.Join(out, ",")
}

// TestPatchSemantics sends every PATCH endpoint what a generated client
// sends: one field; that field with every other one null; each required
// field null on its own; out-of-range dates. A refused patch changes
// nothing; an accepted one changes what it names and clears only fields
// that may be empty.
func TestPatchSemantics(t *testing.T) {
	t.Parallel()
	for _, ep := range patchEndpoints() {
		t.Run(ep.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			path := ep.setup(e)
			var one map[string]any
			if err := json.Unmarshal([]byte("{"+ep.one+"}"), &one); err != nil {
				t.Fatal(err)
			}
			var clearable []string
			for f := range ep.clearable {
				if _, given := one[f]; !given {
					clearable = append(clearable, f)
				}
			}
			sort.Strings(clearable)
			before := e.resource(t, path)
			patch := func(body string, current resource) response {
				return e.do(http.MethodPatch, path, e.editor, body, "If-Match", current.version())
			}
			refused := func(what, body string, want map[string]string) {
				t.Helper()
				current := e.resource(t, path)
				p := patch(body, current).problem(t, http.StatusUnprocessableEntity)
				got := map[string]string{}
				for _, f := range p.Errors {
					got[f.Pointer] = f.Detail
				}
				if !reflect.DeepEqual(got, want) {
					t.Errorf("%s %s: errors %+v, want %v", what, body, p.Errors, want)
				}
				sameExcept(t, what, current, e.resource(t, path))
			}

			// (b) Each required field null: 422 naming it, nothing changed.
			for _, f := range ep.required {
				refused("null "+f, members(ep.one, nulls(f)), map[string]string{"/" + f: cannotClear})
			}
			// (b) The field with every other one null, as a client that cannot
			// leave fields out sends it: 422 naming each required field only.
			want := map[string]string{}
			for _, f := range ep.required {
				want["/"+f] = cannotClear
			}
			refused("every other field null", members(ep.one, nulls(ep.required...), nulls(clearable...)), want)

			// (a) The one field: it changes, nothing else does.
			patch(members(ep.one), before).want(t, http.StatusOK)
			after := e.resource(t, path)
			sameExcept(t, "one-field patch", before, after, append(slices.Collect(maps.Keys(one)), append(ep.derived, "version", "updated_at")...)...)
			for k, v := range one {
				if !reflect.DeepEqual(after[k], v) {
					t.Errorf("one-field patch: %s = %v, want %v", k, after[k], v)
				}
			}

			// (b) The field with the clearable fields null: those, and only
			// those, are cleared.
			if len(clearable) > 0 {
				patch(members(ep.one, nulls(clearable...)), after).want(t, http.StatusOK)
				cleared := e.resource(t, path)
				sameExcept(t, "clearing "+strings.Join(clearable, ", "), after, cleared, append(clearable, append(ep.derived, "version", "updated_at")...)...)
				for _, f := range clearable {
					reads(t, "after null", cleared, f, ep.clearable[f])
				}
			}

			// (c) Dates of year 1 and year 9999: 422 naming the field.
			for _, d := range ep.dates {
				for _, v := range []string{"0001-01-01", "9999-12-31", "1999-12-31", "2101-01-01"} {
					refused(d+" "+v, members(fmt.Sprintf("%q:%q", d, v)), map[string]string{"/" + d: dateRange})
				}
			}
		})
	}
}

// TestPatchPilotScopeOnlyFromGeneratedClient is the integrator's request of
// the issue: a scope-only patch whose client sent zero dates and a null
// list. It used to answer 200 and lose the pilot's dates and touchpoints.
func TestPatchPilotScopeOnlyFromGeneratedClient(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	p := patchPilot(e)
	path := "/api/v1/pilots/" + p.ID
	before := e.resource(t, path)
	r := e.do(http.MethodPatch, path, e.editor, `{"scope":"x","start_date":"0001-01-01","end_date":"0001-01-01","touchpoint_ids":null}`, "If-Match", `"1"`)
	prob := r.problem(t, http.StatusUnprocessableEntity)
	if got := pointers(prob); !slices.Equal(got, []string{"/end_date", "/start_date", "/touchpoint_ids"}) {
		t.Fatalf("errors = %+v, want /start_date, /end_date and /touchpoint_ids", prob.Errors)
	}
	sameExcept(t, "the refused patch", before, e.resource(t, path))

	// Sent as the client means it, the patch changes the scope alone.
	var got api.Pilot
	e.do(http.MethodPatch, path, e.editor, `{"scope":"x"}`, "If-Match", `"1"`).want(t, http.StatusOK).json(t, &got)
	if got.Scope != "x" || got.StartDate == nil || *got.StartDate != "2026-09-01" || got.EndDate == nil || *got.EndDate != "2026-11-30" ||
		!slices.Equal(got.TouchpointIDs, p.TouchpointIDs) {
		t.Fatalf("after a scope-only patch: %+v", got)
	}
	// An empty list is no way round: a pilot keeps at least one touchpoint.
	prob = e.do(http.MethodPatch, path, e.editor, `{"touchpoint_ids":[]}`, "If-Match", `"2"`).problem(t, http.StatusUnprocessableEntity)
	if got := pointers(prob); !slices.Equal(got, []string{"/touchpoint_ids"}) {
		t.Fatalf("empty touchpoint_ids: errors = %+v", prob.Errors)
	}
	// The first and last accepted dates.
	e.do(http.MethodPatch, path, e.editor, `{"start_date":"2000-01-01","end_date":"2100-12-31"}`, "If-Match", `"2"`).want(t, http.StatusOK).json(t, &got)
	if *got.StartDate != "2000-01-01" || *got.EndDate != "2100-12-31" {
		t.Fatalf("boundary dates: %+v", got)
	}
}

// TestDatesInRangeEverywhere sends out-of-range dates wherever a date is
// accepted: creating a pilot, recording, replacing and importing a
// measurement. Each is 422 naming the field, and nothing is stored.
func TestDatesInRangeEverywhere(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	i := patchIdea(e)
	tp := i.TouchpointIDs[0]
	csat := e.catalogueMetric("csat")
	var m api.Measurement
	e.do(http.MethodPost, "/api/v1/touchpoints/"+tp+"/measurements", e.editor,
		fmt.Sprintf(`{"metric_id":%q,"period_start":"2026-10-01","period_end":"2026-10-31","n":100,"successes":80}`, csat.ID)).
		want(t, http.StatusCreated).json(t, &m)
	measurement := "/api/v1/touchpoints/" + tp + "/measurements/" + m.ID
	measurementBody := func(start, end string) string {
		return fmt.Sprintf(`{"metric_id":%q,"period_start":%q,"period_end":%q,"n":100,"successes":80}`, csat.ID, start, end)
	}
	const header = "touchpoint_id,metric,period_start,period_end,n,successes\n"
	for _, bad := range []string{"0001-01-01", "9999-12-31"} {
		for _, c := range []struct {
			name, method, path, body, contentType string
			headers                               []string
			pointer                               string
			line                                  int
		}{
			{"pilot start_date", http.MethodPost, "/api/v1/pilots", fmt.Sprintf(`{"idea_id":%q,"hypothesis":"h","start_date":%q}`, i.ID, bad), "", nil, "/start_date", 0},
			{"pilot end_date", http.MethodPost, "/api/v1/pilots", fmt.Sprintf(`{"idea_id":%q,"hypothesis":"h","end_date":%q}`, i.ID, bad), "", nil, "/end_date", 0},
			{"measurement period_start", http.MethodPost, "/api/v1/touchpoints/" + tp + "/measurements", measurementBody(bad, "2026-11-30"), "", nil, "/period_start", 0},
			{"measurement period_end", http.MethodPost, "/api/v1/touchpoints/" + tp + "/measurements", measurementBody("2026-11-01", bad), "", nil, "/period_end", 0},
			{"replaced period_start", http.MethodPut, measurement, measurementBody(bad, "2026-10-31"), "", []string{"If-Match", `"1"`}, "/period_start", 0},
			{"imported period_end", http.MethodPost, "/api/v1/measurements/import",
				header + tp + ",csat,2026-12-01,2026-12-31,100,80\n" + tp + ",csat,2026-11-01," + bad + ",100,80\n", "text/csv", nil, "/period_end", 3},
		} {
			headers := c.headers
			if c.contentType != "" {
				headers = append(headers, "Content-Type", c.contentType)
			}
			p := e.do(c.method, c.path, e.editor, c.body, headers...).problem(t, http.StatusUnprocessableEntity)
			if len(p.Errors) != 1 || p.Errors[0].Pointer != c.pointer || p.Errors[0].Detail != dateRange || p.Errors[0].Line != c.line {
				t.Errorf("%s %s: errors %+v, want %s: %s", c.name, bad, p.Errors, c.pointer, dateRange)
			}
		}
	}
	if n := e.count(t, `SELECT count(*) FROM pilots`); n != 0 {
		t.Errorf("%d pilots stored", n)
	}
	if n := e.count(t, `SELECT count(*) FROM touchpoint_measurements`); n != 1 {
		t.Errorf("%d measurements stored, want the one", n)
	}
	var got api.Measurement
	e.do(http.MethodGet, measurement, e.viewer, nil).want(t, http.StatusOK).json(t, &got)
	if got.Version != 1 || got.PeriodStart != "2026-10-01" {
		t.Errorf("the measurement changed: %+v", got)
	}
	if domain.DateRangeDetail != dateRange {
		t.Errorf("domain.DateRangeDetail = %q", domain.DateRangeDetail)
	}
}

// A webhook has nothing that can be cleared: null on any field is 422
// naming it, and nothing changes.
func TestPatchWebhookRefusesNull(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	var hook api.WebhookCreated
	e.do(http.MethodPost, "/api/v1/webhooks", e.admin, `{"url":"https://93.184.216.34/hook","events":["idea.created"]}`).
		want(t, http.StatusCreated).json(t, &hook)
	path := "/api/v1/webhooks/" + hook.ID
	for _, field := range []string{"url", "events", "active"} {
		p := e.do(http.MethodPatch, path, e.admin, `{"`+field+`":null}`, "If-Match", `"1"`).problem(t, http.StatusUnprocessableEntity)
		if !namesField(p, "/"+field) {
			t.Errorf("null %s: errors %+v", field, p.Errors)
		}
	}
	var after api.Webhook
	e.do(http.MethodGet, path, e.admin, nil).want(t, http.StatusOK).json(t, &after)
	if after.URL != "https://93.184.216.34/hook" || len(after.Events) != 1 || !after.Active || after.Version != 1 {
		t.Fatalf("after refused patches: %+v", after)
	}
	e.do(http.MethodPatch, path, e.admin, `{"active":false}`, "If-Match", `"1"`).want(t, http.StatusOK)
}
