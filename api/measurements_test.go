package api_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"cxbacklog/api"
)

// measurementCollection is the collection of tp's measurements.
func measurementCollection(tp api.Touchpoint) string {
	return "/api/v1/touchpoints/" + tp.ID + "/measurements"
}

// measureCSAT records a CSAT measurement of tp for the month starting at month
// ("2026-10") with n 100 and successes.
func (e *env) measureCSAT(tp api.Touchpoint, month string, successes int) api.Measurement {
	e.t.Helper()
	body := fmt.Sprintf(`{"metric_id":%q,"period_start":"%s-01","period_end":"%s-28","n":100,"successes":%d,"source":"survey"}`,
		e.catalogueMetric("csat").ID, month, month, successes)
	var m api.Measurement
	e.do(http.MethodPost, measurementCollection(tp), e.editor, body).want(e.t, http.StatusCreated).json(e.t, &m)
	return m
}

// measurementItems lists tp's measurements.
func (e *env) measurementItems(tp api.Touchpoint) []api.Measurement {
	e.t.Helper()
	var list api.MeasurementList
	e.do(http.MethodGet, measurementCollection(tp), e.viewer, nil).want(e.t, http.StatusOK).json(e.t, &list)
	return list.Items
}

// importMeasurementCSV posts a measurement import with query.
func (e *env) importMeasurementCSV(query, csv string) response {
	e.t.Helper()
	return e.do(http.MethodPost, "/api/v1/measurements/import"+query, e.editor, csv, "Content-Type", "text/csv")
}

func TestMeasurementGetPutDelete(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	j := e.journey("Support", "Call")
	tp, other := e.touchpoint(j, "Phone queue", "phone", "Contact centre"), e.touchpoint(j, "Chat", "chat", "Contact centre")
	oct, nov := e.measureCSAT(tp, "2026-10", 80), e.measureCSAT(tp, "2026-11", 70)
	nps := e.catalogueMetric("nps")
	item := measurementCollection(tp) + "/" + oct.ID
	if oct.Version != 1 {
		t.Fatalf("created: version %d, want 1", oct.Version)
	}

	// GET: the measurement and its version as ETag.
	r := e.do(http.MethodGet, item, e.viewer, nil).want(t, http.StatusOK)
	var got api.Measurement
	r.json(t, &got)
	if r.Header.Get("ETag") != `"1"` || got.ID != oct.ID || got.Version != 1 || got.Value != 0.8 || got.Source != "survey" {
		t.Fatalf("GET: ETag %s, %+v", r.Header.Get("ETag"), got)
	}

	// PUT replaces the whole measurement: another metric, period, summary and source.
	replacement := fmt.Sprintf(`{"metric_id":%q,"period_start":"2026-10-02","period_end":"2026-10-30","promoters":50,"passives":30,"detractors":20,"source":"corrected"}`, nps.ID)
	r = e.do(http.MethodPut, item, e.editor, replacement, "If-Match", `"1"`).want(t, http.StatusOK)
	var put api.Measurement
	r.json(t, &put)
	if r.Header.Get("ETag") != `"2"` || put.Version != 2 || put.ID != oct.ID || put.MetricID != nps.ID || put.PeriodStart != "2026-10-02" ||
		put.PeriodEnd != "2026-10-30" || put.Value != 30 || put.Source != "corrected" || put.Summary.Promoters == nil || put.Summary.N != nil ||
		!put.CreatedAt.Equal(oct.CreatedAt) || put.UpdatedAt.Before(put.CreatedAt) {
		t.Fatalf("PUT: ETag %s, %+v", r.Header.Get("ETag"), put)
	}
	e.do(http.MethodGet, item, e.viewer, nil).want(t, http.StatusOK).json(t, &got)
	if got.Version != 2 || got.MetricID != nps.ID || got.Source != "corrected" {
		t.Fatalf("GET after PUT: %+v", got)
	}

	valid := fmt.Sprintf(`{"metric_id":%q,"period_start":"2026-10-01","period_end":"2026-10-28","n":100,"successes":90}`, oct.MetricID)
	tests := []struct {
		name    string
		method  string
		path    string
		token   string
		body    string
		headers []string
		status  int
		field   string // the pointer or parameter named; "" for none
	}{
		{"PUT without If-Match", http.MethodPut, item, e.editor, valid, nil, http.StatusPreconditionRequired, ""},
		{"PUT on a stale version", http.MethodPut, item, e.editor, valid, []string{"If-Match", `"1"`}, http.StatusPreconditionFailed, ""},
		{"PUT with a bad If-Match", http.MethodPut, item, e.editor, valid, []string{"If-Match", "two"}, http.StatusBadRequest, "If-Match"},
		{"PUT as a viewer", http.MethodPut, item, e.viewer, valid, []string{"If-Match", `"2"`}, http.StatusForbidden, ""},
		{"PUT onto another measurement's period", http.MethodPut, item, e.editor,
			fmt.Sprintf(`{"metric_id":%q,"period_start":"2026-11-01","period_end":"2026-11-28","n":100,"successes":1}`, nov.MetricID),
			[]string{"If-Match", `"2"`}, http.StatusConflict, "/period_start"},
		{"PUT an impossible summary", http.MethodPut, item, e.editor,
			fmt.Sprintf(`{"metric_id":%q,"period_start":"2026-10-01","period_end":"2026-10-28","n":100,"successes":101}`, oct.MetricID),
			[]string{"If-Match", `"2"`}, http.StatusUnprocessableEntity, "/successes"},
		{"PUT a period ending before it starts", http.MethodPut, item, e.editor,
			fmt.Sprintf(`{"metric_id":%q,"period_start":"2026-10-28","period_end":"2026-10-01","n":100,"successes":1}`, oct.MetricID),
			[]string{"If-Match", `"2"`}, http.StatusUnprocessableEntity, "/period_end"},
		{"PUT an unknown metric", http.MethodPut, item, e.editor,
			`{"metric_id":"00000000-0000-4000-8000-000000000000","period_start":"2026-10-01","period_end":"2026-10-28","n":100,"successes":1}`,
			[]string{"If-Match", `"2"`}, http.StatusUnprocessableEntity, "/metric_id"},
		{"PUT a partial body", http.MethodPut, item, e.editor, `{"source":"only this"}`, []string{"If-Match", `"2"`}, http.StatusUnprocessableEntity, "/metric_id"},
		{"PUT an unknown field", http.MethodPut, item, e.editor, `{"metric":"csat"}`, []string{"If-Match", `"2"`}, http.StatusBadRequest, "/metric"},
		{"GET through another touchpoint", http.MethodGet, measurementCollection(other) + "/" + oct.ID, e.viewer, "", nil, http.StatusNotFound, ""},
		{"PUT through another touchpoint", http.MethodPut, measurementCollection(other) + "/" + oct.ID, e.editor, valid, []string{"If-Match", `"2"`}, http.StatusNotFound, ""},
		{"DELETE through another touchpoint", http.MethodDelete, measurementCollection(other) + "/" + oct.ID, e.editor, "", nil, http.StatusNotFound, ""},
		{"GET from another workspace", http.MethodGet, item, e.other, "", nil, http.StatusNotFound, ""},
		{"PUT from another workspace", http.MethodPut, item, e.other, valid, []string{"If-Match", `"2"`}, http.StatusNotFound, ""},
		{"DELETE from another workspace", http.MethodDelete, item, e.other, "", []string{"If-Match", `"2"`}, http.StatusNotFound, ""},
		{"GET an id that is no UUID", http.MethodGet, measurementCollection(tp) + "/latest", e.viewer, "", nil, http.StatusNotFound, ""},
		{"DELETE as a viewer", http.MethodDelete, item, e.viewer, "", nil, http.StatusForbidden, ""},
		{"DELETE on a stale version", http.MethodDelete, item, e.editor, "", []string{"If-Match", `"1"`}, http.StatusPreconditionFailed, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var body any
			if tt.body != "" {
				body = tt.body
			}
			p := e.do(tt.method, tt.path, tt.token, body, tt.headers...).problem(t, tt.status)
			if tt.field != "" && !namesField(p, tt.field) {
				t.Fatalf("errors %+v do not name %s", p.Errors, tt.field)
			}
		})
	}
	// The refusals changed nothing.
	e.do(http.MethodGet, item, e.viewer, nil).want(t, http.StatusOK).json(t, &got)
	if got.Version != 2 || got.Source != "corrected" {
		t.Fatalf("after the refusals: %+v", got)
	}

	// DELETE: If-Match is honoured when sent, not required.
	e.do(http.MethodDelete, item, e.editor, nil, "If-Match", `"2"`).want(t, http.StatusNoContent)
	e.do(http.MethodGet, item, e.viewer, nil).problem(t, http.StatusNotFound)
	e.do(http.MethodDelete, measurementCollection(tp)+"/"+nov.ID, e.editor, nil).want(t, http.StatusNoContent)
	e.do(http.MethodDelete, measurementCollection(tp)+"/"+nov.ID, e.editor, nil).problem(t, http.StatusNotFound)
	if left := e.measurementItems(tp); len(left) != 0 {
		t.Fatalf("left after deleting: %+v", left)
	}
}

// TestMeasurementUnknownQueryParameters: a parameter an endpoint does not
// know is refused, naming it, rather than silently doing nothing.
func TestMeasurementUnknownQueryParameters(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tp := e.touchpoint(e.journey("Support", "Call"), "Phone queue", "phone", "Contact centre")
	m := e.measureCSAT(tp, "2026-10", 80)
	item := measurementCollection(tp) + "/" + m.ID
	body := fmt.Sprintf(`{"metric_id":%q,"period_start":"2026-10-01","period_end":"2026-10-28","n":100,"successes":90}`, m.MetricID)
	csv := "touchpoint_id,metric,period_start,period_end,n,successes\n" + tp.ID + ",csat,2026-12-01,2026-12-28,100,50\n"
	tests := []struct {
		name    string
		method  string
		path    string
		body    string
		headers []string
		param   string
	}{
		{"GET a measurement with a filter", http.MethodGet, item + "?metric_id=" + m.MetricID, "", nil, "metric_id"},
		{"GET a measurement with a page size", http.MethodGet, item + "?limit=5", "", nil, "limit"},
		{"PUT with a mode", http.MethodPut, item + "?mode=upsert", body, []string{"If-Match", `"1"`}, "mode"},
		{"DELETE with a force", http.MethodDelete, item + "?force=true", "", []string{"If-Match", `"1"`}, "force"},
		{"POST a measurement with a mode", http.MethodPost, measurementCollection(tp) + "?mode=upsert", body, nil, "mode"},
		{"import with replace, which is no mode", http.MethodPost, "/api/v1/measurements/import?mode=replace", csv, []string{"Content-Type", "text/csv"}, "mode"},
		{"import with an empty mode", http.MethodPost, "/api/v1/measurements/import?mode=", csv, []string{"Content-Type", "text/csv"}, "mode"},
		{"import with the mode in capitals", http.MethodPost, "/api/v1/measurements/import?mode=UPSERT", csv, []string{"Content-Type", "text/csv"}, "mode"},
		{"import with a mode twice", http.MethodPost, "/api/v1/measurements/import?mode=insert&mode=upsert", csv, []string{"Content-Type", "text/csv"}, "mode"},
		{"import with a misspelt mode", http.MethodPost, "/api/v1/measurements/import?mod=upsert", csv, []string{"Content-Type", "text/csv"}, "mod"},
		{"import with a page size", http.MethodPost, "/api/v1/measurements/import?limit=10", csv, []string{"Content-Type", "text/csv"}, "limit"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b any
			if tt.body != "" {
				b = tt.body
			}
			p := e.do(tt.method, tt.path, e.editor, b, tt.headers...).problem(t, http.StatusBadRequest)
			if len(p.Errors) != 1 || p.Errors[0].Parameter != tt.param {
				t.Fatalf("errors %+v, want one naming the parameter %s", p.Errors, tt.param)
			}
		})
	}
	// Nothing was changed or stored.
	if ms := e.measurementItems(tp); len(ms) != 1 || ms[0].Version != 1 {
		t.Fatalf("after refused requests: %+v", ms)
	}
}

func TestMeasurementImportModes(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	j := e.journey("Support", "Call")
	phone, chat := e.touchpoint(j, "Phone queue", "phone", "Contact centre"), e.touchpoint(j, "Chat", "chat", "Contact centre")
	const header = "touchpoint_id,metric,period_start,period_end,n,successes,source\n"
	row := func(tp api.Touchpoint, month string, successes int) string {
		return fmt.Sprintf("%s,csat,%s-01,%s-28,100,%d,import\n", tp.ID, month, month, successes)
	}
	first := header + row(phone, "2026-09", 60) + row(phone, "2026-10", 61) + row(chat, "2026-10", 62)
	var imp api.MeasurementImport
	e.importMeasurementCSV("", first).want(t, http.StatusOK).json(t, &imp)
	if imp.Stored != 3 || imp.Inserted != 3 || imp.Replaced != 0 {
		t.Fatalf("first import: %+v", imp)
	}
	before := e.measurementItems(phone)

	// insert, the default or named, refuses a period measured already, naming its line.
	again := header + row(phone, "2026-11", 70) + row(phone, "2026-10", 71)
	for _, query := range []string{"", "?mode=insert"} {
		p := e.importMeasurementCSV(query, again).problem(t, http.StatusConflict)
		if len(p.Errors) != 1 || p.Errors[0].Line != 3 || p.Errors[0].Pointer != "/period_start" {
			t.Fatalf("insert%s of a measured period: %+v", query, p.Errors)
		}
	}

	// upsert replaces it and adds the others.
	e.importMeasurementCSV("?mode=upsert", again).want(t, http.StatusOK).json(t, &imp)
	if imp.Stored != 2 || imp.Inserted != 1 || imp.Replaced != 1 {
		t.Fatalf("upsert: %+v", imp)
	}
	after := map[string]api.Measurement{}
	for _, m := range e.measurementItems(phone) {
		after[m.PeriodStart] = m
	}
	if len(after) != 3 || after["2026-10-01"].Summary.Successes == nil || *after["2026-10-01"].Summary.Successes != 71 ||
		after["2026-10-01"].Version != 2 || after["2026-10-01"].ID != before[0].ID || after["2026-11-01"].Version != 1 || after["2026-09-01"].Version != 1 {
		t.Fatalf("after the upsert: %+v (before %+v)", after, before)
	}
	// The replaced measurement's ETag moved with it.
	e.do(http.MethodPut, measurementCollection(phone)+"/"+before[0].ID, e.editor,
		fmt.Sprintf(`{"metric_id":%q,"period_start":"2026-10-01","period_end":"2026-10-28","n":100,"successes":1}`, before[0].MetricID),
		"If-Match", `"1"`).problem(t, http.StatusPreconditionFailed)

	// Refused upserts store nothing at all.
	unchanged := func(t *testing.T) {
		t.Helper()
		for _, tp := range []api.Touchpoint{phone, chat} {
			for _, m := range e.measurementItems(tp) {
				if m.Source != "import" || (m.PeriodStart == "2026-10-01" && tp.ID == phone.ID && m.Version != 2) ||
					(m.PeriodStart != "2026-10-01" || tp.ID != phone.ID) && m.Version != 1 {
					t.Fatalf("a refused import changed %+v", m)
				}
			}
		}
		if n := len(e.measurementItems(phone)) + len(e.measurementItems(chat)); n != 4 {
			t.Fatalf("%d measurements after a refused import, want 4", n)
		}
	}
	tests := []struct {
		name    string
		query   string
		csv     string
		status  int
		line    int
		pointer string
	}{
		{"upsert, the same key twice", "?mode=upsert", header + row(chat, "2026-10", 1) + row(phone, "2026-12", 2) + "\n" + row(chat, "2026-10", 3),
			http.StatusUnprocessableEntity, 5, "/period_start"},
		{"insert, the same key twice", "", header + row(chat, "2027-01", 1) + row(chat, "2027-01", 3),
			http.StatusUnprocessableEntity, 3, "/period_start"},
		{"upsert, a bad row after replacements", "?mode=upsert", header + row(chat, "2026-10", 1) + row(phone, "2026-12", 2) +
			chat.ID + ",csat,2026-12-01,2026-12-28,100,101,import\n", http.StatusUnprocessableEntity, 4, "/successes"},
		{"upsert, a touchpoint of no workspace", "?mode=upsert", header + row(chat, "2026-10", 1) +
			"00000000-0000-4000-8000-000000000000,csat,2026-12-01,2026-12-28,100,1,import\n", http.StatusUnprocessableEntity, 3, "/touchpoint_id"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := e.importMeasurementCSV(tt.query, tt.csv).problem(t, tt.status)
			if len(p.Errors) != 1 || p.Errors[0].Line != tt.line || p.Errors[0].Pointer != tt.pointer {
				t.Fatalf("errors %+v, want line %d at %s", p.Errors, tt.line, tt.pointer)
			}
			unchanged(t)
		})
	}

	// Another workspace's upsert cannot touch these measurements, even
	// naming their touchpoint and period.
	otherCSV := header + row(phone, "2026-10", 99)
	p := e.do(http.MethodPost, "/api/v1/measurements/import?mode=upsert", e.other, otherCSV, "Content-Type", "text/csv").problem(t, http.StatusUnprocessableEntity)
	if len(p.Errors) != 1 || p.Errors[0].Pointer != "/touchpoint_id" || p.Errors[0].Line != 2 || strings.Contains(p.Detail, "already") {
		t.Fatalf("another workspace's upsert: %+v", p)
	}
	unchanged(t)
}
