package api_test

// Fuzz targets for hostile input through the real router: request bodies
// of creates and merge patches, cursors and query parameters. Their seeds
// run in every `go test`; `go test -fuzz` explores further. Each target
// builds one database and fixture and reuses it for every input, so an
// input costs a request or a few, not a database.

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"

	"cxbacklog/api"
	"cxbacklog/domain"
	"cxbacklog/repository/pgtest"
)

// noRateLimit is the default configuration without the rate and
// concurrency limits, which thousands of requests a second would otherwise hit.
var noRateLimit = func() api.Config {
	cfg := api.DefaultConfig
	cfg.Limits = api.Limits{}
	return cfg
}()

// newEnvWith is newEnv for any test or fuzz target and configuration. Its t
// is nil: bind one with boundTo before using env's helpers.
func newEnvWith(tb testing.TB, cfg api.Config) *env {
	tb.Helper()
	store, _ := pgtest.NewStore(tb)
	wsID, admin := pgtest.Workspace(tb, store, "acme", domain.RoleAdmin)
	_, other := pgtest.Workspace(tb, store, "other", domain.RoleAdmin)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	return &env{
		srv: api.New(store, log, cfg), store: store, wsID: wsID, admin: admin,
		editor: pgtest.Key(tb, store, wsID, domain.RoleEditor), viewer: pgtest.Key(tb, store, wsID, domain.RoleViewer), other: other,
	}
}

// boundTo returns a copy of e reporting to t, so that one env serves many
// fuzz inputs.
func (e *env) boundTo(t *testing.T) *env {
	c := *e
	c.t = t
	return &c
}

// sendRaw is a request without a test to fail: for fixtures built on a fuzz
// target's F and for bodies that are not JSON (body is sent as is, with
// contentType unless it is empty).
func (e *env) sendRaw(method, path, token string, body []byte, contentType string, headers ...string) response {
	var reader io.Reader
	if body != nil {
		reader = bytes.NewReader(body)
	}
	req := httptest.NewRequest(method, path, reader)
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	rec := httptest.NewRecorder()
	e.srv.Handler().ServeHTTP(rec, req)
	return response{Status: rec.Code, Header: rec.Header(), Body: rec.Body.Bytes()}
}

// rowCounts counts the rows of tables.
func (e *env) rowCounts(tb testing.TB, tables ...string) map[string]int {
	tb.Helper()
	out := make(map[string]int, len(tables))
	for _, table := range tables {
		var n int
		if err := e.store.SQL().QueryRow("SELECT count(*) FROM " + table).Scan(&n); err != nil {
			tb.Fatalf("count %s: %v", table, err)
		}
		out[table] = n
	}
	return out
}

// Tables written by idea and pilot creates and patches.
var (
	ideaTables  = []string{"ideas", "idea_touchpoints", "idea_history"}
	pilotTables = []string{"pilots", "pilot_touchpoints"}
)

// noFault fails unless r is a success or a client error in problem+json:
// hostile input may be refused, never answered with a 5xx.
func noFault(t *testing.T, what string, r response) {
	t.Helper()
	if r.Status >= 500 || r.Status < 200 {
		t.Fatalf("%s: status %d; body: %.500s", what, r.Status, r.Body)
	}
	if r.Status < 400 {
		return
	}
	if ct := r.Header.Get("Content-Type"); ct != "application/problem+json" {
		t.Fatalf("%s: %d with Content-Type %q, want application/problem+json", what, r.Status, ct)
	}
	var p api.Problem
	if err := json.Unmarshal(r.Body, &p); err != nil {
		t.Fatalf("%s: problem does not decode: %v; body: %.500s", what, err, r.Body)
	}
	if p.Status != r.Status || p.Detail == "" || !strings.HasPrefix(p.Type, "urn:cxbacklog:problem:") ||
		p.Instance == "" || p.Instance != r.Header.Get("X-Request-Id") {
		t.Fatalf("%s: incomplete problem %+v", what, p)
	}
}

// fuzzFixture is a workspace with a journey, touchpoints, ideas and pilots, and
// a cursor of every kind, built once per fuzz target.
type fuzzFixture struct {
	*env
	journey api.Journey
	tp      api.Touchpoint
	idea    api.Idea
	pilot   api.Pilot
	cursors []string // real next_cursor values of every list
}

func newFuzzFixture(f *testing.F) *fuzzFixture {
	f.Helper()
	fx := &fuzzFixture{env: newEnvWith(f, noRateLimit)}
	post := func(path, body string, v any) {
		f.Helper()
		r := fx.sendRaw(http.MethodPost, path, fx.editor, []byte(body), "application/json")
		if r.Status != http.StatusCreated {
			f.Fatalf("POST %s: %d %s", path, r.Status, r.Body)
		}
		if err := json.Unmarshal(r.Body, v); err != nil {
			f.Fatal(err)
		}
	}
	for n := range 3 {
		var j api.Journey
		post("/api/v1/journeys", fmt.Sprintf(`{"name":"Journey %d","stages":[{"name":"Arrive"},{"name":"Pay"}]}`, n), &j)
		if n == 0 {
			fx.journey = j
		}
	}
	for n := range 3 {
		var tp api.Touchpoint
		post("/api/v1/touchpoints", fmt.Sprintf(`{"journey_id":%q,"stage_id":%q,"name":"Desk %d","channel":"in_person","owner":"Front"}`,
			fx.journey.ID, fx.journey.Stages[0].ID, n), &tp)
		if n == 0 {
			fx.tp = tp
		}
	}
	for n := range 3 {
		var i api.Idea
		post("/api/v1/ideas", fmt.Sprintf(`{"title":"Idea %d","touchpoint_ids":[%q],"impact":%d,"experience":3,"effort":2,"tags":["t%d"]}`,
			n, fx.tp.ID, n+1, n), &i)
		if n == 0 {
			fx.idea = i
		}
	}
	for n := range 3 {
		var p api.Pilot
		post("/api/v1/pilots", fmt.Sprintf(`{"idea_id":%q,"title":"Pilot %d","hypothesis":"Faster"}`, fx.idea.ID, n), &p)
		if n == 0 {
			fx.pilot = p
		}
	}
	// Two changes, so that the history has a second page too.
	for v, title := range []string{"Idea 0 (renamed)", "Idea 0"} {
		r := fx.sendRaw(http.MethodPatch, "/api/v1/ideas/"+fx.idea.ID, fx.editor, []byte(`{"title":"`+title+`"}`), "application/json",
			"If-Match", fmt.Sprintf(`"%d"`, v+1))
		if r.Status != http.StatusOK {
			f.Fatalf("PATCH idea: %d %s", r.Status, r.Body)
		}
		if err := json.Unmarshal(r.Body, &fx.idea); err != nil {
			f.Fatal(err)
		}
	}
	lists := []string{"/api/v1/journeys", "/api/v1/touchpoints", "/api/v1/pilots", "/api/v1/ideas/" + fx.idea.ID + "/history"}
	for _, sort := range domain.IdeaSorts {
		lists = append(lists, ideasSortedBy(string(sort)))
	}
	for _, path := range lists {
		sep := "?"
		if strings.Contains(path, "?") {
			sep = "&"
		}
		r := fx.sendRaw(http.MethodGet, path+sep+"limit=1", fx.viewer, nil, "")
		var page struct {
			NextCursor *string `json:"next_cursor"`
		}
		if r.Status != http.StatusOK || json.Unmarshal(r.Body, &page) != nil || page.NextCursor == nil {
			f.Fatalf("GET %s: %d %s", path, r.Status, r.Body)
		}
		fx.cursors = append(fx.cursors, *page.NextCursor)
	}
	return fx
}

// expand puts the fixture's ids in place of $TP, $UPTP (upper case), $IDEA
// and $PILOT, so that seeds stay valid across databases and mutations keep
// real ids.
func (fx *fuzzFixture) expand(b []byte) []byte {
	b = bytes.ReplaceAll(b, []byte("$UPTP"), []byte(strings.ToUpper(fx.tp.ID)))
	b = bytes.ReplaceAll(b, []byte("$TP"), []byte(fx.tp.ID))
	b = bytes.ReplaceAll(b, []byte("$IDEA"), []byte(fx.idea.ID))
	return bytes.ReplaceAll(b, []byte("$PILOT"), []byte(fx.pilot.ID))
}

// Hostile values shared by the seeds.
var (
	sqlInjections = []string{
		`' OR 1=1 --`, `"; DROP TABLE ideas; --`, `%' AND pg_sleep(5) --`, `'; DROP TABLE ideas; --`,
		`1; SELECT pg_sleep(5)`, `') OR ('a'='a`, `\'; TRUNCATE ideas; --`, `$1`, `?`, `%`, `_`, `\`,
	}
	deepArray  = strings.Repeat("[", 10000)
	deepObject = strings.Repeat(`{"a":`, 10000)
	longString = strings.Repeat("x", 300_000)
)

const (
	ideaBody  = `{"title":"Headsets","problem":"Noise","proposal":"Buy them","touchpoint_ids":["$TP"],"impact":4,"experience":5,"effort":2,"confidence":0.8,"owner":"Contact centre","tags":["noise"],"source":"employee"}`
	pilotBody = `{"idea_id":"$IDEA","title":"Team B","hypothesis":"Faster calls","scope":"Team B","touchpoint_ids":["$TP"],"start_date":"2026-09-01","end_date":"2026-11-30","owner":"Ops","confidence_level":0.9}`
)

// withField returns the JSON object body with "key":raw in place of key, or
// added when body lacks it; raw is not checked, so it may be hostile.
func withField(body, key, raw string) string {
	var m map[string]json.RawMessage
	if err := json.Unmarshal([]byte(body), &m); err != nil {
		panic(err)
	}
	m[key] = json.RawMessage(raw)
	keys := slices.Sorted(maps.Keys(m))
	var b strings.Builder
	for n, k := range keys {
		if n > 0 {
			b.WriteByte(',')
		}
		b.WriteString(strconv.Quote(k) + ":" + string(m[k]))
	}
	return "{" + b.String() + "}"
}

// bodySeeds are hostile variations of a valid create body.
func bodySeeds(valid, textField, numberField string) []string {
	replace := func(old, new string) string { return strings.Replace(valid, old, new, 1) }
	seeds := []string{
		valid,
		"", " ", "null", "true", "1", `"x"`, "[]", "{}", "[" + valid + "]", valid + valid, valid + " {}", valid + "\x00",
		"\xef\xbb\xbf" + valid, "\xff\xfe", "\xff\xfe" + valid, valid[:len(valid)/2],
		"NaN", "Infinity", "-Infinity", "1e400", "-0", "99999999999999999999999",
		deepArray, deepObject, `{"` + textField + `":` + deepArray + `}`, `{"tags":` + deepArray + `}`,
		strings.ReplaceAll(valid, `"`, `'`), strings.ToUpper(valid),
		// duplicate keys, also differing only in case
		replace("{", `{"`+textField+`":"first",`), replace("{", `{"`+textField+`":null,`), replace("{", `{"`+textField+`":7,`),
		replace("{", `{"`+strings.ToUpper(textField)+`":"upper",`), valid[:len(valid)-1] + `,"` + strings.ToUpper(textField) + `":null}`,
		replace("{", `{"`+numberField+`":"x",`),
	}
	for _, v := range sqlInjections {
		raw, _ := json.Marshal(v)
		seeds = append(seeds, withField(valid, textField, string(raw)), withField(valid, "owner", string(raw)))
	}
	for _, raw := range []string{
		"\"\xff\xfe\"", `"\ud800"`, `"\udc00\ud800"`, `"a\u0000b"`, `"\u0000"`, "\"a\x00b\"", `"\\u0000"`, `"` + longString + `"`,
		`"` + strings.Repeat("é", 201) + `"`, `"   "`, `""`, "null", "5", "true", "[]", "{}", `["x"]`,
	} {
		seeds = append(seeds, withField(valid, textField, raw), withField(valid, "owner", raw))
	}
	for _, raw := range []string{
		"1e400", "-1e400", "1e-400", "99999999999999999999999", "-99999999999999999999999", "-0", "0", "1.5", "4.0", "4e0",
		`"4"`, `"NaN"`, `"Infinity"`, "null", "[4]", "{}", "true", "0x10", "NaN", "Infinity", "+4", "04", ".5",
	} {
		if json.Valid([]byte(raw)) {
			seeds = append(seeds, withField(valid, numberField, raw), withField(valid, "touchpoint_ids", raw))
		} else {
			seeds = append(seeds, strings.Replace(valid, `"`+numberField+`":`, `"`+numberField+`":`+raw+`,"x":`, 1))
		}
	}
	for _, raw := range []string{
		`[]`, `["$TP","$TP"]`, `["$IDEA"]`, `["not-a-uuid"]`, `["' OR 1=1 --"]`, `[null]`, `[1]`, `"$TP"`,
		`["$UPTP"]`, `["\u0000"]`, `["00000000-0000-0000-0000-000000000000"]`,
		`[` + strings.Repeat(`"$TP",`, 60) + `"$TP"]`,
	} {
		seeds = append(seeds, withField(valid, "touchpoint_ids", raw))
	}
	return seeds
}

// FuzzDecodeCreate sends arbitrary bodies to POST /ideas and POST /pilots:
// never a 5xx; a 2xx created exactly one object with its links (and, for an
// idea, one history entry); a refusal is problem+json and wrote nothing.
func FuzzDecodeCreate(f *testing.F) {
	fx := newFuzzFixture(f)
	seeds := bodySeeds(ideaBody, "title", "impact")
	seeds = append(seeds, bodySeeds(pilotBody, "hypothesis", "confidence_level")...)
	for _, raw := range []string{
		`"0000-01-01"`, `"9999-12-31"`, `"2026-02-30"`, `"2026-9-1"`, `"2026-09-01T00:00:00Z"`, `"' OR 1=1 --"`, `""`, `null`, `1`,
	} {
		seeds = append(seeds, withField(pilotBody, "start_date", raw), withField(pilotBody, "end_date", raw))
	}
	for _, raw := range []string{"1e400", "0.8", "0.99", "0.995", "-0", "NaN", `"0.9"`} {
		if json.Valid([]byte(raw)) {
			seeds = append(seeds, withField(ideaBody, "confidence", raw))
		}
	}
	seeds = append(seeds, withField(ideaBody, "tags", `[`+strings.Repeat(`"t",`, 20)+`"t"]`),
		withField(ideaBody, "tags", `["`+strings.Repeat("t", 51)+`"]`), withField(ideaBody, "source", `"' OR 1=1 --"`),
		withField(pilotBody, "idea_id", `"$PILOT"`), withField(pilotBody, "idea_id", `"' OR 1=1 --"`))
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	endpoints := []struct {
		path   string
		tables []string
	}{{"/api/v1/ideas", ideaTables}, {"/api/v1/pilots", pilotTables}}
	f.Fuzz(func(t *testing.T, body []byte) {
		body = fx.expand(body)
		for _, ep := range endpoints {
			before := fx.rowCounts(t, ep.tables...)
			r := fx.sendRaw(http.MethodPost, ep.path, fx.editor, body, "application/json")
			noFault(t, "POST "+ep.path, r)
			after := fx.rowCounts(t, ep.tables...)
			if r.Status >= 300 {
				if !sameCounts(before, after) {
					t.Fatalf("POST %s answered %d but wrote rows: %v → %v; body: %.300s", ep.path, r.Status, before, after, r.Body)
				}
				continue
			}
			if r.Status != http.StatusCreated || !strings.HasPrefix(r.Header.Get("Location"), ep.path+"/") {
				t.Fatalf("POST %s: %d, Location %q", ep.path, r.Status, r.Header.Get("Location"))
			}
			var out struct {
				TouchpointIDs []string `json:"touchpoint_ids"`
			}
			if err := json.Unmarshal(r.Body, &out); err != nil {
				t.Fatal(err)
			}
			want := map[string]int{ep.tables[0]: before[ep.tables[0]] + 1, ep.tables[1]: before[ep.tables[1]] + len(out.TouchpointIDs)}
			if len(ep.tables) > 2 {
				want[ep.tables[2]] = before[ep.tables[2]] + 1
			}
			if !sameCounts(want, after) {
				t.Fatalf("POST %s created %v → %v, want %v", ep.path, before, after, want)
			}
			// What the create answered is what was stored.
			if got := fx.sendRaw(http.MethodGet, r.Header.Get("Location"), fx.viewer, nil, ""); got.Status != http.StatusOK || !bytes.Equal(got.Body, r.Body) {
				t.Fatalf("GET %s after create: %d\n%s\ncreate answered\n%s", r.Header.Get("Location"), got.Status, got.Body, r.Body)
			}
		}
	})
}

// asJSONString is s as it comes back through JSON, invalid UTF-8 replaced.
func asJSONString(s string) string {
	b, _ := json.Marshal(s)
	var out string
	_ = json.Unmarshal(b, &out)
	return out
}

// sameCounts reports whether two row counts agree.
func sameCounts(a, b map[string]int) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

// FuzzMergePatch sends arbitrary merge patches of an idea with the right
// If-Match: never a 5xx; a refusal leaves the idea (every field and its
// version), its touchpoints and its history as they were.
func FuzzMergePatch(f *testing.F) {
	fx := newFuzzFixture(f)
	seeds := []string{
		`{"title":"Renamed"}`, `{"status":"under_review"}`, `{"status":"planned"}`, `{"status":"adopted"}`, `{"status":null}`,
		`{"confidence":null}`, `{"confidence":0.9}`, `{"owner":null,"tags":null,"source":null}`, `{"tags":["a","b"]}`,
		`{"touchpoint_ids":["$TP"]}`, `{"touchpoint_ids":[]}`, `{"touchpoint_ids":null}`, `{"title":null}`, `{"title":""}`,
		`{"impact":null}`, `{"impact":0}`, `{"impact":6}`, `{"effort":5,"experience":1}`, `{"source":"data"}`,
		"", " ", "null", "true", "1", `"x"`, "[]", "{}", `{"title":"a"} {}`, `{"title":"a"}x`, "\xef\xbb\xbf{}",
		"\xff\xfe", `{"title":"` + "\xff\xfe" + `"}`, `{"title":"\ud800"}`, `{"title":"a\u0000b"}`, "{\"title\":\"a\x00b\"}",
		`{"tags":["\u0000"]}`, `{"title":"\\u0000"}`, `{"owner":"\u0000"}`,
		`{"impact":1e400}`, `{"impact":99999999999999999999999}`, `{"impact":-0}`, `{"impact":1.5}`, `{"impact":"4"}`,
		`{"confidence":1e400}`, `{"confidence":-1e400}`, `{"confidence":99999999999999999999999}`, `{"confidence":-0}`,
		`{"confidence":NaN}`, `{"confidence":Infinity}`, `{"confidence":"NaN"}`, "NaN", "Infinity", "-0", "1e400",
		deepArray, deepObject, `{"title":` + deepArray + `}`, `{"tags":` + deepObject + `}`,
		`{"title":"` + longString + `"}`, `{"problem":"` + strings.Repeat("p", 10001) + `"}`,
		`{"title":"a","title":"b"}`, `{"title":"a","title":null}`, `{"title":"a","Title":null}`, `{"Title":"upper"}`,
		`{"TITLE":"upper"}`, `{"title":"a","TITLE":"b"}`, `{"tItle":"x","status":"rejected"}`,
		`{"version":99}`, `{"id":"$TP"}`, `{"score":{"priority":100}}`, `{"created_at":"2020-01-01T00:00:00Z"}`,
		`{"title":5}`, `{"tags":"x"}`, `{"tags":[1]}`, `{"touchpoint_ids":"$TP"}`, `{"touchpoint_ids":["x"]}`,
		`{"touchpoint_ids":["$IDEA"]}`, `{"touchpoint_ids":[null]}`, `{"status":"' OR 1=1 --"}`, `{"status":5}`,
	}
	for _, v := range sqlInjections {
		raw, _ := json.Marshal(v)
		seeds = append(seeds, `{"title":`+string(raw)+`}`, `{"owner":`+string(raw)+`}`, `{"tags":[`+string(raw)+`]}`,
			`{"source":`+string(raw)+`}`, `{`+string(raw)+`:1}`)
	}
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	path := "/api/v1/ideas/" + fx.idea.ID
	f.Fuzz(func(t *testing.T, body []byte) {
		body = fx.expand(body)
		before := fx.sendRaw(http.MethodGet, path, fx.viewer, nil, "")
		var idea api.Idea
		if before.Status != http.StatusOK || json.Unmarshal(before.Body, &idea) != nil {
			t.Fatalf("GET %s: %d %s", path, before.Status, before.Body)
		}
		rowsBefore := fx.rowCounts(t, ideaTables...)
		mediaType := "application/json"
		if len(body)%2 == 1 {
			mediaType = "application/merge-patch+json"
		}
		r := fx.sendRaw(http.MethodPatch, path, fx.editor, body, mediaType, "If-Match", fmt.Sprintf(`"%d"`, idea.Version))
		noFault(t, "PATCH", r)
		after := fx.sendRaw(http.MethodGet, path, fx.viewer, nil, "")
		if after.Status != http.StatusOK {
			t.Fatalf("GET %s after PATCH: %d %s", path, after.Status, after.Body)
		}
		if r.Status < 300 {
			var got api.Idea
			if err := json.Unmarshal(after.Body, &got); err != nil {
				t.Fatal(err)
			}
			// A patch that changes nothing keeps the version (and writes no
			// history); any change moves it by exactly one.
			changed := !bytes.Equal(before.Body, after.Body)
			wantVersion := idea.Version
			if changed {
				wantVersion++
			}
			if r.Status != http.StatusOK || got.Version != wantVersion || r.Header.Get("ETag") != fmt.Sprintf(`"%d"`, got.Version) {
				t.Fatalf("PATCH answered %d with ETag %s; version %d → %d (changed: %v)", r.Status, r.Header.Get("ETag"), idea.Version, got.Version, changed)
			}
			if rowsAfter := fx.rowCounts(t, ideaTables...); !changed && !sameCounts(rowsBefore, rowsAfter) {
				t.Fatalf("a PATCH that changed nothing wrote rows: %v → %v", rowsBefore, rowsAfter)
			}
			if !bytes.Equal(r.Body, after.Body) {
				t.Fatalf("PATCH answered\n%s\nbut the idea is\n%s", r.Body, after.Body)
			}
			checkApplied(t, body, after.Body)
			return
		}
		if !bytes.Equal(before.Body, after.Body) {
			t.Fatalf("PATCH answered %d but changed the idea:\nbefore %s\nafter  %s", r.Status, before.Body, after.Body)
		}
		if rowsAfter := fx.rowCounts(t, ideaTables...); !sameCounts(rowsBefore, rowsAfter) {
			t.Fatalf("PATCH answered %d but wrote rows: %v → %v", r.Status, rowsBefore, rowsAfter)
		}
	})
}

// checkApplied checks that a merge patch answered 200 did what RFC 7396
// says: the patch is an object, and every field in it (named exactly) now
// has the value sent, or for null the cleared or default value.
func checkApplied(t *testing.T, patch, idea []byte) {
	t.Helper()
	var sent, stored map[string]json.RawMessage
	if err := json.Unmarshal(patch, &sent); err != nil || sent == nil {
		t.Fatalf("200 for a patch that is not a JSON object: %.300q", patch)
	}
	if err := json.Unmarshal(idea, &stored); err != nil {
		t.Fatal(err)
	}
	cleared := map[string]any{"title": "", "problem": "", "proposal": "", "owner": "", "source": "", "tags": []any{}, "confidence": 0.5,
		"one_off_cost": nil, "annual_running_cost": nil, "expected_improvements": []any{}}
	for k, raw := range sent {
		if _, ok := cleared[k]; !ok && !slices.Contains([]string{"touchpoint_ids", "impact", "experience", "effort", "status"}, k) {
			t.Fatalf("200 for a patch with field %q, which ideas do not have", k)
		}
		var want, got any
		if err := json.Unmarshal(raw, &want); err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(stored[k], &got); err != nil {
			t.Fatal(err)
		}
		switch k {
		case "tags", "touchpoint_ids":
			if list, ok := want.([]any); ok {
				for n, v := range list {
					if s, ok := v.(string); ok && k == "tags" {
						list[n] = strings.TrimSpace(s)
					} else if ok {
						list[n] = strings.ToLower(s)
					}
				}
			}
		}
		if want == nil {
			want = cleared[k]
		}
		if f, ok := want.(float64); ok && f == 0 {
			want = 0.0 // -0 is stored as 0
		}
		if fmt.Sprint(want) != fmt.Sprint(got) {
			t.Fatalf("patch set %s to %s, but the idea has %s", k, raw, stored[k])
		}
	}
}

// ideasSortedBy is the path of the idea list in that order, searching
// "idea" (every fixture idea) when the order ranks a search.
func ideasSortedBy(sort string) string {
	path := "/api/v1/ideas?sort=" + url.QueryEscape(sort)
	if sort == string(domain.SortRelevance) {
		path += "&q=idea"
	}
	return path
}

// cursorSort is the sort an idea cursor was made for, if s decodes as one,
// so that a crafted cursor reaches the query rather than the sort check.
func cursorSort(s string) (string, bool) {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return "", false
	}
	var w struct {
		Sort string `json:"s"`
	}
	if json.Unmarshal(b, &w) != nil || !slices.Contains(domain.IdeaSorts, domain.IdeaSort(w.Sort)) {
		return "", false
	}
	return w.Sort, true
}

// FuzzCursor sends arbitrary cursors to every paged list: never a 5xx, and
// a refusal is a 400 naming the cursor parameter. With wrap, the input is
// the JSON inside a cursor and is encoded as the API encodes it, so that
// mutations explore what a decoded cursor may hold.
func FuzzCursor(f *testing.F) {
	fx := newFuzzFixture(f)
	for _, c := range fx.cursors {
		f.Add(c, false)
		if b, err := base64.RawURLEncoding.DecodeString(c); err == nil {
			f.Add(string(b), true)
		}
	}
	id := fx.idea.ID
	for _, s := range []string{
		`{"s":"title","n":"\u0000","i":"` + id + `"}`, `{"s":"title","n":"a\u0000","c":"2026-01-01T00:00:00Z","i":"` + id + `"}`,
		`{"s":"title","n":"` + "\xff\xfe" + `","i":"` + id + `"}`, `{"s":"title","n":"\ud800","i":"` + id + `"}`,
		`{"s":"title","n":"' OR 1=1 --","i":"` + id + `"}`, `{"s":"title","n":"\"; DROP TABLE ideas; --","i":"` + id + `"}`,
		`{"s":"title","n":"` + strings.Repeat("n", 100_000) + `","i":"` + id + `"}`,
		`{"s":"-priority","p":1e308,"c":"0001-01-01T00:00:00Z","i":"` + id + `"}`, `{"s":"-priority","p":1e400,"i":"` + id + `"}`,
		`{"s":"-priority","p":-0,"i":"` + id + `"}`, `{"s":"priority","p":NaN,"i":"` + id + `"}`, `{"s":"priority","p":"1","i":"` + id + `"}`,
		`{"s":"created_at","c":"0000-01-01T00:00:00Z","i":"` + id + `"}`, `{"s":"-created_at","c":"9999-12-31T23:59:59.999999999-23:59","i":"` + id + `"}`,
		`{"s":"updated_at","u":"2026-13-45T25:61:61Z","i":"` + id + `"}`, `{"s":"-updated_at","u":"1e400","i":"` + id + `"}`,
		`{"s":"' OR 1=1 --","i":"` + id + `"}`, `{"s":"-priority","i":"' OR 1=1 --"}`, `{"s":"-priority","i":"` + strings.ToUpper(id) + `"}`,
		`{"s":"-priority","i":"00000000-0000-0000-0000-000000000000"}`, `{"s":"-priority","s":"title","i":"` + id + `"}`,
		`{"t":"2026-01-01T00:00:00Z","i":"` + id + `"}`, `{"t":"0001-01-01T00:00:00Z","i":"` + id + `"}`,
		`{"t":"0000-01-01T00:00:00Z","i":"` + id + `"}`, `{"t":"9999-12-31T23:59:59-23:59","i":"` + id + `"}`,
		`{"t":"2026-01-01T00:00:00Z","i":"' OR 1=1 --"}`, `{"t":"2026-01-01T00:00:00Z","i":"\u0000"}`, `{"t":1,"i":1}`,
		`{"T":"2026-01-01T00:00:00Z","I":"` + id + `"}`, `{}`, `null`, `[]`, `"x"`, `1e400`, deepArray, deepObject, "\xff\xfe",
	} {
		f.Add(s, true)
	}
	for _, s := range append(slices.Clone(sqlInjections),
		"nope", "\xff\xfe", "%ff", "\x00", "%00", "-1", "0", "1", "9223372036854775807", "9223372036854775808", "-9223372036854775808",
		"1e400", "NaN", "Infinity", "-0", "+1", " 1", "0x10", "99999999999999999999999", "====", "eyJ9", "e30", "bnVsbA",
		strings.Repeat("A", 10_000), strings.Repeat("%", 100), deepArray) {
		f.Add(s, false)
	}
	paths := []string{"/api/v1/ideas", "/api/v1/journeys", "/api/v1/touchpoints", "/api/v1/pilots",
		"/api/v1/ideas/" + fx.idea.ID + "/history", "/api/v1/ideas/" + fx.idea.ID + "/pilots"}
	f.Fuzz(func(t *testing.T, s string, wrap bool) {
		if wrap {
			s = base64.RawURLEncoding.EncodeToString(fx.expand([]byte(s)))
		}
		targets := slices.Clone(paths)
		if sort, ok := cursorSort(s); ok {
			targets = append(targets, ideasSortedBy(sort))
		}
		for _, path := range targets {
			sep := "?"
			if strings.Contains(path, "?") {
				sep = "&"
			}
			full := path + sep + "limit=2&cursor=" + url.QueryEscape(s)
			r := fx.sendRaw(http.MethodGet, full, fx.viewer, nil, "")
			noFault(t, "GET "+path, r)
			if r.Status == http.StatusOK {
				continue
			}
			var p api.Problem
			_ = json.Unmarshal(r.Body, &p)
			if r.Status != http.StatusBadRequest || !namesField(p, "cursor") {
				t.Fatalf("GET %s: %d %s, want 200 or 400 naming cursor", full, r.Status, r.Body)
			}
		}
	})
}

// FuzzQueryParams sends two arbitrary query parameters to the list
// endpoints with filters: never a 5xx, and a refusal is a 400 naming only
// parameters that were sent.
func FuzzQueryParams(f *testing.F) {
	fx := newFuzzFixture(f)
	values := map[string][]string{
		"sort":          append([]string{"-priority", "title", "PRIORITY", "priority DESC", "-title", "id", "created_at;", "", deepArray}, sqlInjections...),
		"status":        {"new", "planned", "running", "NEW", "new,planned"},
		"q":             {"Idea", "idea 0", "%", "_", "\\", "%%", "\x00", "\xff\xfe", "\xed\xa0\x80", longString[:300], longString[:199], deepArray[:200], deepArray},
		"tag":           {"t0", "T0", `"t0"`, `["t0"]`, `[]`, `{}`, `t0"]`, `\"`, "\x00", "\xff"},
		"owner":         {"Front", "front", "\x00", "\xff"},
		"limit":         {"1", "100", "101", "0", "-1", "-0", "+5", " 5", "1e400", "1e2", "NaN", "Infinity", "99999999999999999999999", "0x10", "5.0", ""},
		"cursor":        {"", "nope"},
		"touchpoint_id": {"$TP", "$IDEA", "not-a-uuid", "$UPTP"},
		"journey_id":    {"$IDEA", "x"},
		"idea_id":       {"$IDEA", "$TP", "x"},
		"quadrant":      {"quick_win", "x"},
		"channel":       {"web", "fax"},
		"stage_id":      {"$TP", "x"},
		"chanel":        {"web"},
		"":              {"x", ""},
		"\x00":          {"x"},
		"q\xff":         {"x"},
		"limit ":        {"5"},
	}
	for k, vs := range values {
		for _, v := range vs {
			for which := range uint8(3) {
				f.Add(k, v, "limit", "5", which)
			}
		}
	}
	for _, k := range []string{"q", "tag", "owner", "sort", "status"} {
		for _, inj := range sqlInjections {
			for which := range uint8(3) {
				f.Add(k, inj, "q", inj, which)
			}
		}
	}
	f.Add("q", "a", "q", "b", uint8(0))
	f.Add("status", "new", "status", "' OR 1=1 --", uint8(0))
	paths := []string{"/api/v1/ideas", "/api/v1/touchpoints", "/api/v1/pilots"}
	f.Fuzz(func(t *testing.T, k1, v1, k2, v2 string, which uint8) {
		path := paths[int(which)%len(paths)]
		q := url.Values{}
		q.Add(k1, string(fx.expand([]byte(v1))))
		q.Add(k2, string(fx.expand([]byte(v2))))
		r := fx.sendRaw(http.MethodGet, path+"?"+q.Encode(), fx.viewer, nil, "")
		noFault(t, "GET "+path+"?"+q.Encode(), r)
		if r.Status == http.StatusOK {
			return
		}
		var p api.Problem
		_ = json.Unmarshal(r.Body, &p)
		if r.Status != http.StatusBadRequest || len(p.Errors) == 0 {
			t.Fatalf("GET %s?%s: %d %s, want 200 or 400 naming a parameter", path, q.Encode(), r.Status, r.Body)
		}
		for _, fe := range p.Errors {
			if fe.Pointer != "" || (fe.Parameter != asJSONString(k1) && fe.Parameter != asJSONString(k2)) {
				t.Fatalf("GET %s?%s: error %+v names no parameter that was sent", path, q.Encode(), fe)
			}
		}
	})
}
