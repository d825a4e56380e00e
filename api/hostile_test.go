package api_test

// Hostile input with exact answers: bodies of creates and merge patches,
// list filters, sorts and searches, oversized bodies, and the resource
// limits of the database sessions and of pages. Every refusal is checked
// to have written nothing.

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"cxbacklog/api"
	"cxbacklog/repository"
	"cxbacklog/repository/pgtest"

	"github.com/jackc/pgx/v5/pgconn"
)

// hostileCase is a request body and the answer it must get: status and,
// for refusals, the field or parameter named (if any).
type hostileCase struct {
	name   string
	body   string
	status int
	field  string
}

func TestHostileCreateBodies(t *testing.T) {
	t.Parallel()
	e := newEnvWith(t, noRateLimit).boundTo(t)
	j := e.journey("Support", "Call")
	tp := e.touchpoint(j, "Phone line", "phone", "Contact centre")
	valid := strings.ReplaceAll(ideaBody, "$TP", tp.ID)
	set := func(key, raw string) string { return withField(valid, key, raw) }
	tests := []hostileCase{
		{"empty", "", 400, ""},
		{"only spaces", " \n\t", 400, ""},
		{"null", "null", 400, ""},
		{"array", "[]", 400, ""},
		{"array of the body", "[" + valid + "]", 400, ""},
		{"string", `"x"`, 400, ""},
		{"number", "1", 400, ""},
		{"two values", valid + " {}", 400, ""},
		{"duplicate key", strings.Replace(valid, `{`, `{"title":"First",`, 1), 400, "/title"},
		{"truncated", valid[:len(valid)/2], 400, ""},
		{"byte order mark", "\xef\xbb\xbf" + valid, 400, ""},
		{"single quotes", strings.ReplaceAll(valid, `"`, `'`), 400, ""},
		{"invalid UTF-8 outside strings", "\xff\xfe" + valid, 400, ""},
		{"invalid UTF-8 in the title", set("title", "\"Head\xff\xfesets\""), 400, ""},
		{"raw NUL in the title", set("title", "\"a\x00b\""), 400, ""},
		{"escaped NUL in the title", set("title", `"a\u0000b"`), 422, "/title"},
		{"escaped NUL in the owner", set("owner", `"\u0000"`), 422, "/owner"},
		{"escaped NUL in a tag", set("tags", `["ok","\u0000"]`), 422, "/tags/1"},
		{"escaped NUL in a touchpoint id", set("touchpoint_ids", `["\u0000"]`), 422, "/touchpoint_ids/0"},
		{"NaN", "NaN", 400, ""},
		{"bare NaN", set("confidence", "NaN"), 400, ""},
		{"bare Infinity", strings.Replace(valid, `"confidence":0.8`, `"confidence":Infinity`, 1), 400, ""},
		{"bare -Infinity", strings.Replace(valid, `"confidence":0.8`, `"confidence":-Infinity`, 1), 400, ""},
		{"NaN as a string", set("confidence", `"NaN"`), 400, "/confidence"},
		{"impact 1e400", set("impact", "1e400"), 400, "/impact"},
		{"impact 99999999999999999999999", set("impact", "99999999999999999999999"), 400, "/impact"},
		{"impact -99999999999999999999999", set("impact", "-99999999999999999999999"), 400, "/impact"},
		{"impact 1.5", set("impact", "1.5"), 400, "/impact"},
		{"impact -0", set("impact", "-0"), 422, "/impact"},
		{"impact 6", set("impact", "6"), 422, "/impact"},
		{"impact as a string", set("impact", `"4"`), 400, "/impact"},
		{"confidence 1e400", set("confidence", "1e400"), 400, "/confidence"},
		{"confidence -1e400", set("confidence", "-1e400"), 400, "/confidence"},
		{"confidence 99999999999999999999999", set("confidence", "99999999999999999999999"), 422, "/confidence"},
		{"10,000 nested arrays", deepArray, 400, ""},
		{"10,000 nested objects", deepObject, 400, ""},
		{"10,000 nested arrays in a field", set("title", deepArray+strings.Repeat("]", 10000)), 400, ""},
		{"10,000 nested objects in tags", strings.Replace(valid, `"tags":`, `"tags":`+deepObject, 1), 400, ""},
		{"title of 201 characters", set("title", `"`+strings.Repeat("é", 201)+`"`), 422, "/title"},
		{"title of 900 KB", set("title", `"`+strings.Repeat("x", 900_000)+`"`), 422, "/title"},
		{"problem of 10,001 characters", set("problem", `"`+strings.Repeat("p", 10_001)+`"`), 422, "/problem"},
		{"21 tags", set("tags", `[`+strings.Repeat(`"t",`, 20)+`"t"]`), 422, "/tags"},
		{"tag of 51 characters", set("tags", `["`+strings.Repeat("t", 51)+`"]`), 422, "/tags/0"},
		{"51 touchpoints", set("touchpoint_ids", `[`+strings.Repeat(`"`+tp.ID+`",`, 50)+`"`+tp.ID+`"]`), 422, "/touchpoint_ids"},
		{"field name in upper case", strings.Replace(valid, `"title"`, `"TITLE"`, 1), 400, "/TITLE"},
		{"same field in two cases", strings.Replace(valid, `{`, `{"Title":"Other",`, 1), 400, "/Title"},
		{"unknown field", set("colour", `"red"`), 400, "/colour"},
		{"read-only field", set("version", "9"), 400, "/version"},
		{"title a number", set("title", "5"), 400, "/title"},
		{"title an object", set("title", "{}"), 400, "/title"},
		{"touchpoint ids a string", set("touchpoint_ids", `"`+tp.ID+`"`), 400, "/touchpoint_ids"},
		{"tags of numbers", set("tags", "[1]"), 400, ""},
		{"touchpoint id not a UUID", set("touchpoint_ids", `["not-a-uuid"]`), 422, "/touchpoint_ids/0"},
		{"touchpoint id SQL injection", set("touchpoint_ids", `["' OR 1=1 --"]`), 422, "/touchpoint_ids/0"},
		{"touchpoint of nowhere", set("touchpoint_ids", `["00000000-0000-0000-0000-000000000000"]`), 422, "/touchpoint_ids/0"},
		{"source SQL injection", set("source", `"'; DROP TABLE ideas; --"`), 422, "/source"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := e.boundTo(t)
			before := e.rowCounts(t, ideaTables...)
			r := e.sendRaw(http.MethodPost, "/api/v1/ideas", e.editor, []byte(tt.body), "application/json")
			p := r.problem(t, tt.status)
			if tt.field != "" && !namesField(p, tt.field) {
				t.Fatalf("errors %+v do not name %s", p.Errors, tt.field)
			}
			if after := e.rowCounts(t, ideaTables...); !sameCounts(before, after) {
				t.Fatalf("refused create wrote rows: %v → %v", before, after)
			}
		})
	}

	// Hostile-looking values that are valid are stored exactly as sent.
	accepted := []struct {
		name, body, title string
	}{
		{"SQL injection in the title", set("title", `"' OR 1=1 --"`), `' OR 1=1 --`},
		{"DROP TABLE in the title", set("title", `"\"; DROP TABLE ideas; --"`), `"; DROP TABLE ideas; --`},
		{"pg_sleep in the title", set("title", `"%' AND pg_sleep(5) --"`), `%' AND pg_sleep(5) --`},
		{"an escaped backslash before u0000 is text", set("title", `"\\u0000"`), `\u0000`},
		{"a lone surrogate escape becomes U+FFFD", set("title", `"a\ud800b"`), "a\uFFFDb"},
		{"200 characters", set("title", `"`+strings.Repeat("é", 200)+`"`), strings.Repeat("é", 200)},
	}
	for _, tt := range accepted {
		t.Run(tt.name, func(t *testing.T) {
			e := e.boundTo(t)
			before := e.rowCounts(t, "ideas")["ideas"]
			var created, got api.Idea
			e.sendRaw(http.MethodPost, "/api/v1/ideas", e.editor, []byte(tt.body), "application/json").want(t, http.StatusCreated).json(t, &created)
			e.do(http.MethodGet, "/api/v1/ideas/"+created.ID, e.viewer, nil).want(t, http.StatusOK).json(t, &got)
			if got.Title != tt.title {
				t.Fatalf("stored title %q, want %q", got.Title, tt.title)
			}
			if after := e.rowCounts(t, "ideas")["ideas"]; after != before+1 {
				t.Fatalf("ideas %d → %d, want one more", before, after)
			}
		})
	}
}

func TestHostileMediaTypes(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	j := e.journey("Support", "Call")
	tp := e.touchpoint(j, "Phone line", "phone", "Contact centre")
	valid := []byte(strings.ReplaceAll(ideaBody, "$TP", tp.ID))
	for _, tt := range []struct {
		contentType string
		status      int
	}{
		{"text/plain", 415}, {"application/x-www-form-urlencoded", 415}, {"multipart/form-data; boundary=x", 415},
		{"application/merge-patch+json", 415}, {"application/json; charset=", 415}, {"application/json'; DROP TABLE ideas; --", 415},
		{"", 415}, {"application/json; charset=utf-8", 201}, {"Application/JSON", 201},
	} {
		t.Run(tt.contentType, func(t *testing.T) {
			before := e.rowCounts(t, ideaTables...)
			r := e.sendRaw(http.MethodPost, "/api/v1/ideas", e.editor, valid, tt.contentType)
			if tt.status != http.StatusCreated {
				r.problem(t, tt.status)
				if after := e.rowCounts(t, ideaTables...); !sameCounts(before, after) {
					t.Fatalf("refused create wrote rows: %v → %v", before, after)
				}
				return
			}
			r.want(t, tt.status)
		})
	}
}

func TestHostilePatches(t *testing.T) {
	t.Parallel()
	e := newEnvWith(t, noRateLimit).boundTo(t)
	j := e.journey("Support", "Call")
	tp := e.touchpoint(j, "Phone line", "phone", "Contact centre")
	i := e.idea("Headsets", 4, 5, 2, 0.8, tp)
	path := "/api/v1/ideas/" + i.ID
	tests := []hostileCase{
		{"empty", "", 400, ""},
		{"null", "null", 400, ""},
		{"array", "[]", 400, ""},
		{"array of a patch", `[{"title":"x"}]`, 400, ""},
		{"string", `"x"`, 400, ""},
		{"two values", `{"title":"a"} {"title":"b"}`, 400, ""},
		{"invalid UTF-8", "{\"title\":\"\xff\xfe\"}", 400, ""},
		{"raw NUL", "{\"title\":\"a\x00\"}", 400, ""},
		{"escaped NUL", `{"title":"a\u0000"}`, 422, "/title"},
		{"escaped NUL in a tag", `{"tags":["\u0000"]}`, 422, "/tags/0"},
		{"field name in another case", `{"Title":"x"}`, 400, "/Title"},
		{"same field in two cases", `{"title":"x","TITLE":null}`, 400, "/TITLE"},
		{"unknown field", `{"colour":"red"}`, 400, "/colour"},
		{"read-only field", `{"version":99}`, 400, "/version"},
		{"score", `{"score":{"priority":100}}`, 400, "/score"},
		{"clearing a required field", `{"title":null}`, 422, "/title"},
		{"clearing the status", `{"status":null}`, 422, "/status"},
		{"status SQL injection", `{"status":"' OR 1=1 --"}`, 422, "/status"},
		{"source SQL injection", `{"source":"'; DROP TABLE ideas; --"}`, 422, "/source"},
		{"illegal move", `{"status":"adopted"}`, 409, ""},
		{"NaN", `{"confidence":NaN}`, 400, ""},
		{"Infinity", `{"confidence":Infinity}`, 400, ""},
		{"confidence 1e400", `{"confidence":1e400}`, 400, "/confidence"},
		{"confidence 99999999999999999999999", `{"confidence":99999999999999999999999}`, 422, "/confidence"},
		{"impact 1e400", `{"impact":1e400}`, 400, "/impact"},
		{"impact 99999999999999999999999", `{"impact":99999999999999999999999}`, 400, "/impact"},
		{"impact -0", `{"impact":-0}`, 422, "/impact"},
		{"impact a string", `{"impact":"4"}`, 400, "/impact"},
		{"10,000 nested arrays", deepArray, 400, ""},
		{"10,000 nested arrays in a field", `{"tags":` + deepArray + `}`, 400, ""},
		{"title of 201 characters", `{"title":"` + strings.Repeat("t", 201) + `"}`, 422, "/title"},
		{"touchpoint id not a UUID", `{"touchpoint_ids":["x"]}`, 422, "/touchpoint_ids/0"},
		{"no touchpoints", `{"touchpoint_ids":[]}`, 422, "/touchpoint_ids"},
		{"touchpoint ids a string", `{"touchpoint_ids":"` + tp.ID + `"}`, 400, "/touchpoint_ids"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := e.boundTo(t)
			before := e.do(http.MethodGet, path, e.viewer, nil).want(t, http.StatusOK)
			rows := e.rowCounts(t, ideaTables...)
			r := e.sendRaw(http.MethodPatch, path, e.editor, []byte(tt.body), "application/merge-patch+json", "If-Match", `"1"`)
			p := r.problem(t, tt.status)
			if tt.field != "" && !namesField(p, tt.field) {
				t.Fatalf("errors %+v do not name %s", p.Errors, tt.field)
			}
			after := e.do(http.MethodGet, path, e.viewer, nil).want(t, http.StatusOK)
			if !bytes.Equal(before.Body, after.Body) {
				t.Fatalf("refused patch changed the idea:\n%s\n%s", before.Body, after.Body)
			}
			if got := e.rowCounts(t, ideaTables...); !sameCounts(rows, got) {
				t.Fatalf("refused patch wrote rows: %v → %v", rows, got)
			}
		})
	}

	// Duplicate keys are refused (which one wins is the parser's choice)
	// and change nothing; a value that looks like SQL is stored as text.
	before := e.do(http.MethodGet, path, e.viewer, nil).want(t, http.StatusOK)
	p := e.sendRaw(http.MethodPatch, path, e.editor, []byte(`{"title":"a","title":"b"}`), "application/json", "If-Match", `"1"`).
		problem(t, http.StatusBadRequest)
	if len(p.Errors) != 1 || p.Errors[0].Pointer != "/title" {
		t.Fatalf("duplicate key problem = %+v", p)
	}
	if after := e.do(http.MethodGet, path, e.viewer, nil).want(t, http.StatusOK); !bytes.Equal(before.Body, after.Body) {
		t.Fatalf("refused patch changed the idea:\n%s\n%s", before.Body, after.Body)
	}
	var got api.Idea
	e.sendRaw(http.MethodPatch, path, e.editor, []byte(`{"title":"'; DROP TABLE ideas; --","owner":null}`),
		"application/json", "If-Match", `"1"`).want(t, http.StatusOK).json(t, &got)
	if got.Title != `'; DROP TABLE ideas; --` || got.Owner != "" || got.Version != 2 {
		t.Fatalf("patched idea %+v", got)
	}
}

// TestHostileListFilters sends SQL injection and other hostile values in
// filters, sorts and searches: free text matches nothing (200, no rows),
// closed vocabularies are 400 naming the parameter, nothing is slow and
// every table is intact afterwards.
func TestHostileListFilters(t *testing.T) {
	t.Parallel()
	e := newEnvWith(t, noRateLimit).boundTo(t)
	j := e.journey("Support", "Call")
	tp := e.touchpoint(j, "Phone line", "phone", "Contact centre")
	var first api.Idea
	for n, title := range []string{"Headsets", "Callbacks", "Shorter menus"} {
		if i := e.idea(title, 3, 3, 3, 0.5, tp); n == 0 {
			first = i
		}
	}
	ideas := e.ideaTitles("")
	e.pilot(first, "Pilot")
	tables := []string{"workspaces", "api_keys", "journeys", "journey_stages", "touchpoints", "ideas", "idea_touchpoints", "idea_history", "pilots", "pilot_touchpoints"}
	before := e.rowCounts(t, tables...)

	type listCase struct {
		path  string
		query url.Values
		items int    // for 200
		param string // for 400
	}
	var tests []listCase
	for _, inj := range sqlInjections {
		for _, p := range []string{"q", "tag", "owner"} {
			tests = append(tests, listCase{"/api/v1/ideas", url.Values{p: {inj}}, 0, ""})
		}
		for _, p := range []string{"q", "owner"} {
			tests = append(tests, listCase{"/api/v1/touchpoints", url.Values{p: {inj}}, 0, ""})
		}
		for _, p := range []string{"sort", "status", "quadrant", "touchpoint_id", "journey_id"} {
			tests = append(tests, listCase{"/api/v1/ideas", url.Values{p: {inj}}, 0, p})
		}
		for _, p := range []string{"channel", "journey_id", "stage_id"} {
			tests = append(tests, listCase{"/api/v1/touchpoints", url.Values{p: {inj}}, 0, p})
		}
		for _, p := range []string{"status", "idea_id", "touchpoint_id"} {
			tests = append(tests, listCase{"/api/v1/pilots", url.Values{p: {inj}}, 0, p})
		}
		tests = append(tests, listCase{"/api/v1/ideas", url.Values{"q": {"Headsets" + inj}, "match": {"substring"}}, 0, ""},
			listCase{"/api/v1/ideas", url.Values{"sort": {"title," + inj}}, 0, "sort"},
			listCase{"/api/v1/ideas", url.Values{inj: {"x"}}, 0, inj})
	}
	tests = append(tests,
		// The filters work, so "no rows" above is not a broken search.
		listCase{"/api/v1/ideas", url.Values{"q": {"HEADSETS"}}, 1, ""},
		listCase{"/api/v1/ideas", url.Values{"q": {"s"}, "match": {"substring"}, "sort": {"title"}}, 3, ""},
		listCase{"/api/v1/ideas", url.Values{"owner": {""}, "tag": {""}, "q": {""}}, 3, ""},
		listCase{"/api/v1/touchpoints", url.Values{"q": {"phone"}, "owner": {"Contact centre"}}, 1, ""},
		// LIKE wildcards are literal.
		listCase{"/api/v1/ideas", url.Values{"q": {"%"}}, 0, ""},
		listCase{"/api/v1/ideas", url.Values{"q": {"_"}}, 0, ""},
		listCase{"/api/v1/ideas", url.Values{"q": {"Head%ts"}}, 0, ""},
		listCase{"/api/v1/touchpoints", url.Values{"q": {"%"}}, 0, ""},
		// Text PostgreSQL cannot take is the client's mistake.
		listCase{"/api/v1/ideas", url.Values{"q": {"\xff\xfe"}}, 0, "q"},
		listCase{"/api/v1/ideas", url.Values{"q": {"a\x00"}}, 0, "q"},
		listCase{"/api/v1/ideas", url.Values{"tag": {"\x00"}}, 0, "tag"},
		listCase{"/api/v1/ideas", url.Values{"tag": {"\xff"}}, 0, "tag"},
		listCase{"/api/v1/ideas", url.Values{"owner": {"\xed\xa0\x80"}}, 0, "owner"},
		listCase{"/api/v1/touchpoints", url.Values{"q": {"\x00"}}, 0, "q"},
		listCase{"/api/v1/touchpoints", url.Values{"owner": {"\xff"}}, 0, "owner"},
		listCase{"/api/v1/ideas", url.Values{"q": {strings.Repeat("q", 201)}}, 0, "q"},
		listCase{"/api/v1/ideas", url.Values{"tag": {strings.Repeat("t", 51)}}, 0, "tag"},
		listCase{"/api/v1/ideas", url.Values{"sort": {"PRIORITY"}}, 0, "sort"},
		listCase{"/api/v1/ideas", url.Values{"sort": {"priority desc"}}, 0, "sort"},
		listCase{"/api/v1/ideas", url.Values{"sort": {"id"}}, 0, "sort"},
		listCase{"/api/v1/ideas", url.Values{"status": {"new,planned"}}, 3, ""},
		listCase{"/api/v1/ideas", url.Values{"status": {"new,bogus"}}, 0, "status"},
	)
	for _, limit := range []string{"0", "-1", "-0", "101", "1e400", "1e2", "NaN", "Infinity", "99999999999999999999999", "0x10", "5.0", " 5", "' OR 1=1 --"} {
		tests = append(tests, listCase{"/api/v1/ideas", url.Values{"limit": {limit}}, 0, "limit"})
	}
	for _, tt := range tests {
		target := tt.path + "?" + tt.query.Encode()
		t.Run(target, func(t *testing.T) {
			e := e.boundTo(t)
			start := time.Now()
			r := e.do(http.MethodGet, target, e.viewer, nil)
			if took := time.Since(start); took > time.Second {
				t.Fatalf("took %v", took)
			}
			if tt.param != "" {
				if p := r.problem(t, http.StatusBadRequest); !namesField(p, asJSONString(tt.param)) {
					t.Fatalf("errors %+v do not name %q", p.Errors, tt.param)
				}
				return
			}
			var page struct {
				Items []struct {
					ID string `json:"id"`
				} `json:"items"`
			}
			r.want(t, http.StatusOK).json(t, &page)
			if len(page.Items) != tt.items {
				t.Fatalf("%d items, want %d: %s", len(page.Items), tt.items, r.Body)
			}
		})
	}
	if after := e.rowCounts(t, tables...); !sameCounts(before, after) {
		t.Fatalf("rows changed: %v → %v", before, after)
	}
	if got := e.ideaTitles(""); strings.Join(got, "|") != strings.Join(ideas, "|") {
		t.Fatalf("ideas now %v, were %v", got, ideas)
	}
}

// sendStream sends body with an unknown length (chunked), so that only
// reading it can tell its size.
func (e *env) sendStream(method, path, token string, body io.Reader, headers ...string) response {
	req := httptest.NewRequest(method, path, struct{ io.Reader }{body})
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+token)
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	rec := httptest.NewRecorder()
	e.srv.Handler().ServeHTTP(rec, req)
	return response{Status: rec.Code, Header: rec.Header(), Body: rec.Body.Bytes()}
}

// endlessBody is a JSON body that never ends, to show that the server stops
// reading at the limit.
type endlessBody struct{ n int }

func (r *endlessBody) Read(p []byte) (int, error) {
	if r.n == 0 {
		r.n = copy(p, `{"title":"`)
		return r.n, nil
	}
	for i := range p {
		p[i] = 'x'
	}
	r.n += len(p)
	return len(p), nil
}

func TestTenMegabyteBodies(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	j := e.journey("Support", "Call")
	tp := e.touchpoint(j, "Phone line", "phone", "Contact centre")
	i := e.idea("Headsets", 4, 5, 2, 0.8, tp)
	huge := `{"title":"` + strings.Repeat("x", 10<<20) + `","touchpoint_ids":["` + tp.ID + `"],"impact":1,"experience":1,"effort":1}`
	tests := []struct {
		name string
		send func() response
	}{
		{"create with a length", func() response {
			return e.sendRaw(http.MethodPost, "/api/v1/ideas", e.editor, []byte(huge), "application/json")
		}},
		{"create streamed", func() response {
			return e.sendStream(http.MethodPost, "/api/v1/ideas", e.editor, strings.NewReader(huge))
		}},
		{"create that never ends", func() response {
			return e.sendStream(http.MethodPost, "/api/v1/ideas", e.editor, &endlessBody{})
		}},
		{"idempotent create", func() response {
			return e.sendStream(http.MethodPost, "/api/v1/ideas", e.editor, strings.NewReader(huge), "Idempotency-Key", "huge-1")
		}},
		{"patch with a length", func() response {
			return e.sendRaw(http.MethodPatch, "/api/v1/ideas/"+i.ID, e.editor, []byte(`{"title":"`+strings.Repeat("x", 10<<20)+`"}`), "application/json", "If-Match", `"1"`)
		}},
		{"patch streamed", func() response {
			return e.sendStream(http.MethodPatch, "/api/v1/ideas/"+i.ID, e.editor, &endlessBody{}, "If-Match", `"1"`)
		}},
		{"pilot", func() response {
			return e.sendStream(http.MethodPost, "/api/v1/pilots", e.editor, &endlessBody{})
		}},
		{"journey", func() response {
			return e.sendRaw(http.MethodPost, "/api/v1/journeys", e.editor, []byte(huge), "application/json")
		}},
	}
	tables := append(append([]string{"idempotency_keys"}, ideaTables...), pilotTables...)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := e.rowCounts(t, tables...)
			start := time.Now()
			r := tt.send()
			if took := time.Since(start); took > time.Second {
				t.Fatalf("413 took %v", took)
			}
			r.problem(t, http.StatusRequestEntityTooLarge)
			if after := e.rowCounts(t, tables...); !sameCounts(before, after) {
				t.Fatalf("refused request wrote rows: %v → %v", before, after)
			}
		})
	}
	var got api.Idea
	e.do(http.MethodGet, "/api/v1/ideas/"+i.ID, e.viewer, nil).want(t, http.StatusOK).json(t, &got)
	if got.Version != 1 || got.Title != "Headsets" {
		t.Fatalf("idea changed: %+v", got)
	}
}

// TestStatementTimeoutOnEverySession checks that every pooled session has
// a statement timeout (a runaway query cannot hold a connection forever),
// and that it is enforced.
func TestStatementTimeoutOnEverySession(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	db := e.store.SQL()
	var conns []interface{ Close() error }
	defer func() {
		for _, c := range conns {
			_ = c.Close()
		}
	}()
	for range 4 { // distinct sessions: each held until the end
		c, err := db.Conn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		conns = append(conns, c)
		var shown string
		if err := c.QueryRowContext(ctx, "SHOW statement_timeout").Scan(&shown); err != nil {
			t.Fatal(err)
		}
		var ms int
		if err := c.QueryRowContext(ctx, "SELECT setting::int FROM pg_settings WHERE name = 'statement_timeout'").Scan(&ms); err != nil {
			t.Fatal(err)
		}
		if shown == "0" || ms <= 0 || ms > 60_000 {
			t.Fatalf("statement_timeout = %q (%d ms), want above 0 and at most a minute", shown, ms)
		}
	}

	// The option reaches the server and cancels a query that runs past it.
	_, dbURL := pgtest.NewStore(t)
	short, err := repository.Open(ctx, dbURL, repository.Options{StatementTimeout: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer short.Close()
	var shown string
	if err := short.SQL().QueryRowContext(ctx, "SHOW statement_timeout").Scan(&shown); err != nil || shown != "100ms" {
		t.Fatalf("SHOW statement_timeout = %q, %v; want 100ms", shown, err)
	}
	start := time.Now()
	_, err = short.SQL().ExecContext(ctx, "SELECT pg_sleep(5)")
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) || pgErr.Code != "57014" || time.Since(start) > 2*time.Second {
		t.Fatalf("pg_sleep(5) with a 100 ms timeout: %v after %v, want query_canceled (57014) at once", err, time.Since(start))
	}
}

// TestMaxPageSize checks limit on every paged list: 100 is the most a page
// holds, 101 is refused naming limit.
func TestMaxPageSize(t *testing.T) {
	t.Parallel()
	e := newEnvWith(t, noRateLimit).boundTo(t)
	for n := range 101 {
		e.journey("Journey "+strconv.Itoa(n), "Stage")
	}
	j := e.journey("Support", "Call")
	tp := e.touchpoint(j, "Phone line", "phone", "Contact centre")
	i := e.idea("Headsets", 4, 5, 2, 0.8, tp)
	lists := []struct {
		path, token string
	}{
		{"/api/v1/ideas", e.viewer}, {"/api/v1/journeys", e.viewer}, {"/api/v1/touchpoints", e.viewer},
		{"/api/v1/pilots", e.viewer}, {"/api/v1/ideas/" + i.ID + "/history", e.viewer},
		{"/api/v1/ideas/" + i.ID + "/pilots", e.viewer}, {"/api/v1/api-keys", e.admin}, {"/api/v1/roadmap", e.viewer},
	}
	for _, l := range lists {
		t.Run(l.path, func(t *testing.T) {
			e := e.boundTo(t)
			e.do(http.MethodGet, l.path+"?limit=100", l.token, nil).want(t, http.StatusOK)
			for _, limit := range []string{"101", "1000", "0"} {
				p := e.do(http.MethodGet, l.path+"?limit="+limit, l.token, nil).problem(t, http.StatusBadRequest)
				if !namesField(p, "limit") {
					t.Fatalf("limit=%s: errors %+v do not name limit", limit, p.Errors)
				}
			}
		})
	}
	// A full page holds exactly 100 and says that more follow.
	var page api.JourneyList
	e.do(http.MethodGet, "/api/v1/journeys?limit=100", e.viewer, nil).want(t, http.StatusOK).json(t, &page)
	if len(page.Items) != 100 || page.NextCursor == nil {
		t.Fatalf("limit=100 of 102 journeys: %d items, next %v", len(page.Items), page.NextCursor)
	}
	e.do(http.MethodGet, "/api/v1/journeys", e.viewer, nil).want(t, http.StatusOK).json(t, &page)
	if len(page.Items) != 20 {
		t.Fatalf("default page: %d items, want 20", len(page.Items))
	}
}
