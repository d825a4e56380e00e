package api_test

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"cxbacklog/api"
	"cxbacklog/api/csvout"
	"cxbacklog/domain"
	"cxbacklog/repository"
)

// readCSV parses a download, failing the test on anything but CSV.
func readCSV(t *testing.T, r response) []map[string]string {
	t.Helper()
	r.want(t, http.StatusOK)
	if ct := r.Header.Get("Content-Type"); ct != "text/csv; charset=utf-8" {
		t.Fatalf("Content-Type %q, want text/csv; charset=utf-8", ct)
	}
	recs, err := csv.NewReader(strings.NewReader(string(r.Body))).ReadAll()
	if err != nil {
		t.Fatalf("not CSV: %v\n%s", err, r.Body)
	}
	if len(recs) == 0 {
		t.Fatal("no header row")
	}
	rows := make([]map[string]string, len(recs)-1)
	for n, rec := range recs[1:] {
		rows[n] = map[string]string{}
		for k, name := range recs[0] {
			rows[n][name] = rec[k]
		}
	}
	return rows
}

// ideaBody creates an idea from a JSON body and returns it.
func (e *env) ideaFrom(t *testing.T, body map[string]any, statuses ...string) api.Idea {
	t.Helper()
	var i api.Idea
	e.do(http.MethodPost, "/api/v1/ideas", e.editor, body).want(t, http.StatusCreated).json(t, &i)
	return e.moveIdea(i, statuses...)
}

// csvBacklog is a workspace with ideas in several statuses, quadrants, tags
// and touchpoints of two journeys, some with text a spreadsheet would run.
func csvBacklog(t *testing.T) (*env, api.Touchpoint, api.Touchpoint) {
	e := newEnv(t)
	queue := e.touchpoint(e.journey("Support call", "Call"), "Phone queue", "phone", "Contact centre")
	menu := e.touchpoint(e.journey("Lunch", "Order"), "Menu", "web", "Kitchen")
	idea := func(title string, impact, experience, effort int, tags []string, tps []string, statuses ...string) {
		e.ideaFrom(t, map[string]any{"title": title, "impact": impact, "experience": experience, "effort": effort,
			"touchpoint_ids": tps, "tags": tags, "owner": "Contact centre", "problem": "Customers wait", "source": "data"}, statuses...)
	}
	idea("Headsets", 4, 5, 1, []string{"noise", "agents"}, []string{queue.ID, menu.ID}, "under_review", "planned")
	idea("Callback", 3, 3, 2, []string{"queue"}, []string{queue.ID})
	idea("Rejected but high", 5, 5, 1, []string{"queue"}, []string{queue.ID}, "rejected")
	idea("Adopted menu", 3, 4, 2, []string{"menu"}, []string{menu.ID}, "under_review", "planned", "adopted")
	idea("Menu photos", 2, 3, 1, []string{"menu", "agents"}, []string{menu.ID})
	idea("Parked kiosk", 2, 2, 5, nil, []string{menu.ID}, "parked")
	idea("=HYPERLINK(\"http://evil\")", 1, 1, 5, []string{"+tag"}, []string{queue.ID})
	return e, queue, menu
}

// The download is the JSON list, whole: same ideas, same order, same
// values, for the default (open), status=all and multi-value filters; and
// Accept: text/csv on the list answers the same bytes.
func TestIdeasCSVEqualsTheJSONList(t *testing.T) {
	t.Parallel()
	e, queue, menu := csvBacklog(t)
	labels := map[string]string{queue.ID: "Support call / Phone queue", menu.ID: "Lunch / Menu"}
	for _, query := range []string{
		"", "status=all", "status=new,planned&status=rejected", "tag=queue&tag=menu&status=all",
		"quadrant=quick_win,fill_in", "touchpoint_id=" + menu.ID + "&sort=title", "q=menu&status=open,adopted",
		"journey_id=" + queue.JourneyID + "&sort=-created_at",
	} {
		t.Run(query, func(t *testing.T) {
			var list api.IdeaList
			e.do(http.MethodGet, "/api/v1/ideas?limit=100&"+query, e.viewer, nil).want(t, http.StatusOK).json(t, &list)
			if len(list.Items) == 0 {
				t.Fatal("the fixture selects no idea")
			}
			download := e.do(http.MethodGet, "/api/v1/ideas.csv?"+query, e.viewer, nil)
			rows := readCSV(t, download)
			if len(rows) != len(list.Items) {
				t.Fatalf("%d rows, the list has %d ideas", len(rows), len(list.Items))
			}
			for n, i := range list.Items {
				names := make([]string, len(i.TouchpointIDs))
				for k, id := range i.TouchpointIDs {
					names[k] = labels[id]
				}
				want := map[string]string{"rank": strconv.Itoa(n + 1), "id": i.ID, "title": csvout.Safe(i.Title), "status": i.Status,
					"priority": strconv.FormatFloat(i.Score.Priority, 'f', -1, 64), "value": strconv.FormatFloat(i.Score.Value, 'f', -1, 64),
					"quadrant": i.Score.Quadrant, "why": i.Score.Summary, "impact": strconv.Itoa(i.Impact),
					"experience": strconv.Itoa(i.Experience), "effort": strconv.Itoa(i.Effort),
					"confidence": strconv.FormatFloat(i.Confidence, 'f', -1, 64), "owner": i.Owner,
					"tags": csvout.Safe(strings.Join(i.Tags, "; ")), "touchpoints": strings.Join(names, "; "),
					"touchpoint_ids": strings.Join(i.TouchpointIDs, "; "), "source": i.Source, "problem": i.Problem,
					"proposal": i.Proposal, "created_at": i.CreatedAt.Format(time.RFC3339Nano),
					"updated_at": i.UpdatedAt.Format(time.RFC3339Nano)}
				for col, v := range want {
					if rows[n][col] != v {
						t.Errorf("row %d %s = %q, the list says %q", n+1, col, rows[n][col], v)
					}
				}
			}
			accepted := e.do(http.MethodGet, "/api/v1/ideas?"+query, e.viewer, nil, "Accept", "text/csv")
			if accepted.Status != http.StatusOK || string(accepted.Body) != string(download.Body) {
				t.Fatalf("Accept: text/csv answered %d, not the download:\n%s", accepted.Status, accepted.Body)
			}
		})
	}
}

func TestIdeasCSVNegotiationAndParameters(t *testing.T) {
	t.Parallel()
	e, _, _ := csvBacklog(t)
	for _, tc := range []struct {
		accept string
		csv    bool
	}{
		{"text/csv", true},
		{"text/csv, */*;q=0.1", true},
		{"application/json;q=0.5, text/csv", true},
		{"", false},
		{"*/*", false},
		{"text/*", false},
		{"application/json, text/csv", false},
		{"text/csv;q=0.4, application/json", false},
		{"text/csv;q=0", false},
	} {
		r := e.do(http.MethodGet, "/api/v1/ideas", e.viewer, nil, "Accept", tc.accept)
		r.want(t, http.StatusOK)
		if isCSV := strings.HasPrefix(r.Header.Get("Content-Type"), "text/csv"); isCSV != tc.csv {
			t.Errorf("Accept %q: Content-Type %q", tc.accept, r.Header.Get("Content-Type"))
		}
		if !slices.Contains(r.Header.Values("Vary"), "Accept") {
			t.Errorf("Accept %q: Vary %q does not name Accept", tc.accept, r.Header.Values("Vary"))
		}
	}
	// The filters are refused as the list refuses them; limit and cursor
	// page the JSON list only.
	for _, tc := range []struct{ query, param string }{
		{"limit=5", "limit"}, {"cursor=x", "cursor"}, {"status=bogus", "status"}, {"sort=size", "sort"},
		{"tag=a&nonsense=1", "nonsense"}, {"q=a&q=b", "q"},
	} {
		for _, path := range []string{"/api/v1/ideas.csv?", "/api/v1/ideas?"} {
			p := e.do(http.MethodGet, path+tc.query, e.viewer, nil, "Accept", "text/csv").problem(t, http.StatusBadRequest)
			if !namesField(p, tc.param) {
				t.Errorf("%s%s: errors %+v do not name %s", path, tc.query, p.Errors, tc.param)
			}
		}
	}
	if d := e.do(http.MethodGet, "/api/v1/ideas.csv", e.viewer, nil).Header.Get("Content-Disposition"); d != `attachment; filename="backlog.csv"` {
		t.Errorf("Content-Disposition %q", d)
	}
}

// Every cell a person wrote that a spreadsheet would run is text; the
// numbers (negative ones too) and the service's own words are not touched.
func TestIdeasCSVNeutralisesFormulas(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tp := e.touchpoint(e.journey("-Journey", "S"), "@Touchpoint", "web", "")
	for n, lead := range []string{"=", "+", "-", "@", "\t", "\r"} {
		e.ideaFrom(t, map[string]any{"title": lead + "SUM(A1:A9) " + strconv.Itoa(n), "impact": 3, "experience": 3, "effort": 3,
			"touchpoint_ids": []string{tp.ID}, "owner": lead + "owner", "tags": []string{lead + "tag"},
			"problem": lead + "problem", "proposal": lead + "proposal"})
	}
	e.ideaFrom(t, map[string]any{"title": "Plain", "impact": 3, "experience": 3, "effort": 3, "touchpoint_ids": []string{tp.ID}})
	rows := readCSV(t, e.do(http.MethodGet, "/api/v1/ideas.csv", e.viewer, nil))
	if len(rows) != 7 {
		t.Fatalf("%d rows, want 7", len(rows))
	}
	for _, row := range rows {
		if row["title"] == "Plain" {
			if row["touchpoints"] != "'-Journey / @Touchpoint" || row["owner"] != "" {
				t.Errorf("plain row: %q", row)
			}
			continue
		}
		cols := []string{"title", "owner", "tags", "touchpoints", "problem", "proposal"}
		if lead := row["title"][1]; lead == '\t' || lead == '\r' {
			cols = slices.DeleteFunc(cols, func(c string) bool { return c == "tags" }) // tags are trimmed
		}
		for _, col := range cols {
			if v := row[col]; !strings.HasPrefix(v, "'") || !strings.ContainsAny(v[1:2], "=+-@\t\r") {
				t.Errorf("%s %q is not neutralised", col, v)
			}
		}
		if strings.HasPrefix(row["why"], "'") || strings.HasPrefix(row["priority"], "'") {
			t.Errorf("the service's own cells changed: %q", row)
		}
	}
	for _, tc := range []struct{ in, want string }{
		{"=1+1", "'=1+1"}, {"+1", "'+1"}, {"-1", "'-1"}, {"@SUM(A1)", "'@SUM(A1)"}, {"\tx", "'\tx"}, {"\rx", "'\rx"},
		{"a=1", "a=1"}, {"", ""}, {" =1", " =1"}, {"'=1", "'=1"},
	} {
		if got := csvout.Safe(tc.in); got != tc.want {
			t.Errorf("Safe(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// flushRecorder counts the flushes of a response.
type flushRecorder struct {
	*httptest.ResponseRecorder
	flushes int
}

func (f *flushRecorder) Flush() {
	f.flushes++
	f.ResponseRecorder.Flush()
}

// seedRankedIdeas inserts n new ideas on tp with SQL, scored as the domain
// scores them, many with equal priorities and creation times, so that the
// order's ties matter.
func (e *env) seedRankedIdeas(t *testing.T, n int, tp api.Touchpoint) {
	t.Helper()
	sc := domain.DefaultScoring()
	var combos []string
	for k := range 125 {
		i, x, f := 1+k%5, 1+(k/5)%5, 1+(k/25)%5
		s := sc.Score(i, x, f, 0.5)
		combos = append(combos, fmt.Sprintf("(%d, %d, %d, %d, %v::float8, %v::float8, '%s', '%s')", k, i, x, f, s.Value, s.Priority, s.Quadrant, s.Explanation))
	}
	_, err := e.store.SQL().ExecContext(context.Background(), `
		WITH s (k, impact, experience, effort, value, priority, quadrant, explanation) AS (VALUES `+strings.Join(combos, ", ")+`),
		ins AS (
			INSERT INTO ideas (id, workspace_id, title, impact, experience, effort, confidence, status, value, priority,
			                   quadrant, explanation, created_at, updated_at)
			SELECT md5('seeded/' || g)::uuid, $1::uuid, 'Seeded idea ' || g, s.impact, s.experience, s.effort, 0.5, 'new',
			       s.value, s.priority, s.quadrant, s.explanation,
			       timestamptz '2026-01-01 00:00:00+00' + (g % 300) * interval '1 second',
			       timestamptz '2026-01-01 00:00:00+00' + (g % 300) * interval '1 second'
			FROM generate_series(1, $2::int) g JOIN s ON s.k = g % 125
			RETURNING id, priority, created_at)
		INSERT INTO idea_touchpoints (workspace_id, idea_id, touchpoint_id, position, priority, created_at, status)
		SELECT $1::uuid, id, $3::uuid, 0, priority, created_at, 'new' FROM ins`, e.wsID, n, tp.ID)
	if err != nil {
		t.Fatal(err)
	}
}

// A download of more ideas than one store page holds arrives whole and in
// rank order, flushed page by page.
func TestIdeasCSVStreamsEveryPage(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tp := e.touchpoint(e.journey("Support", "Call"), "Phone queue", "phone", "")
	const n = 2*csvout.PageSize + 500
	e.seedRankedIdeas(t, n, tp)
	var want []string
	rs, err := e.store.SQL().QueryContext(context.Background(),
		`SELECT id::text FROM ideas WHERE workspace_id = $1 ORDER BY -priority, created_at, id`, e.wsID)
	if err != nil {
		t.Fatal(err)
	}
	for rs.Next() {
		var id string
		if err := rs.Scan(&id); err != nil {
			t.Fatal(err)
		}
		want = append(want, id)
	}
	if err := rs.Err(); err != nil || len(want) != n {
		t.Fatalf("%d seeded ideas (%v)", len(want), err)
	}

	req := httptest.NewRequest(http.MethodGet, "/api/v1/ideas.csv?status=all", nil)
	req.Header.Set("Authorization", "Bearer "+e.viewer)
	rec := &flushRecorder{ResponseRecorder: httptest.NewRecorder()}
	e.srv.Handler().ServeHTTP(rec, req)
	rows := readCSV(t, response{Status: rec.Code, Header: rec.Header(), Body: rec.Body.Bytes()})
	if len(rows) != n {
		t.Fatalf("%d rows, want %d", len(rows), n)
	}
	for k, row := range rows {
		if row["id"] != want[k] || row["rank"] != strconv.Itoa(k+1) || row["touchpoints"] != "Support / Phone queue" {
			t.Fatalf("row %d: rank %s id %s (%s), want rank %d id %s", k+1, row["rank"], row["id"], row["touchpoints"], k+1, want[k])
		}
	}
	if pages := (n + csvout.PageSize - 1) / csvout.PageSize; rec.flushes < 1+pages {
		t.Errorf("flushed %d times, want the header and each of the %d pages", rec.flushes, pages)
	}
}

// pageFailingStore is the store with the backlog failing from its second
// page on, as a database gone mid-download would.
type pageFailingStore struct {
	*repository.Store
	pages int
}

func (s *pageFailingStore) ListIdeas(ctx context.Context, ws string, f domain.IdeaFilter, after *domain.IdeaCursor, limit int) ([]domain.Idea, *domain.IdeaCursor, error) {
	if s.pages++; s.pages > 1 {
		return nil, nil, domain.Errorf(domain.EUnavailable, "the database is unavailable")
	}
	return s.Store.ListIdeas(ctx, ws, f, after, limit)
}

// A download the database fails half-way is not a shorter file: the
// connection ends without the body's last chunk, so the client sees an
// error instead of a clean end.
func TestIdeasCSVCutShortEndsInAnError(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tp := e.touchpoint(e.journey("Support", "Call"), "Phone queue", "phone", "")
	e.seedRankedIdeas(t, csvout.PageSize+10, tp)
	srv := httptest.NewServer(api.New(&pageFailingStore{Store: e.store}, slog.New(slog.DiscardHandler), api.DefaultConfig).Handler())
	t.Cleanup(srv.Close)
	req, err := http.NewRequest(http.MethodGet, srv.URL+"/api/v1/ideas.csv?status=all", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+e.viewer)
	res, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if res.StatusCode != http.StatusOK || !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Fatalf("status %d, read error %v after %d bytes; want 200 and an unexpected EOF", res.StatusCode, err, len(body))
	}
	if lines := strings.Count(string(body), "\n"); lines != 1+csvout.PageSize {
		t.Errorf("%d lines before the cut, want the header and the first page", lines)
	}
}

// importCSV posts an idea import.
func (e *env) importCSV(t *testing.T, token, query, body string, headers ...string) response {
	t.Helper()
	return e.do(http.MethodPost, "/api/v1/ideas/import"+query, token, body, append([]string{"Content-Type", "text/csv"}, headers...)...)
}

func TestIdeaImport(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	queue := e.touchpoint(e.journey("Support call", "Call"), "Phone queue", "phone", "")
	chat := e.touchpoint(e.journey("Support call", "Call"), "Chat", "chat", "") // a second journey of the same name
	menu := e.touchpoint(e.journey("Lunch", "Order"), "Menu", "web", "")
	body := "\ufeffTitle,IMPACT,experience,effort,touchpoints,tags,confidence,owner,source,problem\r\n" +
		"Headsets,4,5,2,support call/phone queue,noise; agents;,0.8,Contact centre,employee,\"Agents strain, calls run long\"\r\n" +
		"Menu photos,2,3,1," + strings.ToUpper(menu.ID) + " ; " + queue.ID + ",,,,,\r\n" +
		"\r\n" + // a blank line is no row
		"Callback,3,3,2,  LUNCH  /  MENU  ;Support call / Chat,menu,0.2,,data,\r\n"
	var out api.IdeaImport
	e.importCSV(t, e.editor, "", body).want(t, http.StatusOK).json(t, &out)
	if out.Created != 3 || out.DryRun || len(out.Ideas) != 3 {
		t.Fatalf("import: %+v", out)
	}
	for n, want := range []struct {
		title    string
		line     int
		priority float64
	}{{"Headsets", 2, 36}, {"Menu photos", 3, 25}, {"Callback", 5, 6}} {
		got := out.Ideas[n]
		if got.Title != want.title || got.Line != want.line || got.ID == nil || got.Score.Priority != want.priority {
			t.Errorf("idea %d: %+v, want %+v", n, got, want)
		}
	}
	var stored api.Idea
	e.do(http.MethodGet, "/api/v1/ideas/"+*out.Ideas[0].ID, e.viewer, nil).want(t, http.StatusOK).json(t, &stored)
	if stored.Status != "new" || stored.Confidence != 0.8 || stored.Owner != "Contact centre" || stored.Source != "employee" ||
		stored.Problem != "Agents strain, calls run long" || !slices.Equal(stored.Tags, []string{"noise", "agents"}) ||
		!slices.Equal(stored.TouchpointIDs, []string{queue.ID}) || stored.Version != 1 {
		t.Errorf("stored: %+v", stored)
	}
	for id, tps := range map[string][]string{*out.Ideas[1].ID: {menu.ID, queue.ID}, *out.Ideas[2].ID: {menu.ID, chat.ID}} {
		var i api.Idea
		e.do(http.MethodGet, "/api/v1/ideas/"+id, e.viewer, nil).want(t, http.StatusOK).json(t, &i)
		if !slices.Equal(i.TouchpointIDs, tps) || i.Confidence != 0.5 && id == *out.Ideas[1].ID {
			t.Errorf("%s: touchpoints %v (want %v), confidence %v", i.Title, i.TouchpointIDs, tps, i.Confidence)
		}
	}
	var history api.HistoryList
	e.do(http.MethodGet, "/api/v1/ideas/"+*out.Ideas[0].ID+"/history", e.viewer, nil).want(t, http.StatusOK).json(t, &history)
	if len(history.Items) != 1 || history.Items[0].Field != "created" {
		t.Errorf("history: %+v", history.Items)
	}
	// A second import with the same Idempotency-Key is the first answer again.
	one := "title,impact,experience,effort,touchpoints\nRetried,3,3,3," + queue.ID + "\n"
	first := e.importCSV(t, e.editor, "", one, "Idempotency-Key", "import-1").want(t, http.StatusOK)
	again := e.importCSV(t, e.editor, "", one, "Idempotency-Key", "import-1").want(t, http.StatusOK)
	if string(first.Body) != string(again.Body) || again.Header.Get("Idempotent-Replayed") != "true" {
		t.Errorf("retry: %s / %s", first.Body, again.Body)
	}
	if n := e.count(t, "SELECT count(*) FROM ideas WHERE title = 'Retried'"); n != 1 {
		t.Errorf("the retried import made %d ideas", n)
	}
	if n := e.count(t, "SELECT count(*) FROM events WHERE type = 'idea.created'"); n != 4 {
		t.Errorf("%d idea.created events for 4 ideas", n)
	}
}

func TestIdeaImportRefusesABadRowAndStoresNothing(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	queue := e.touchpoint(e.journey("Support", "Call"), "Phone queue", "phone", "")
	e.touchpoint(e.journey("Twins", "S"), "Desk", "phone", "")
	e.touchpoint(e.journey("Twins", "S"), "Desk", "web", "")
	good := "Good," + "3,3,3," + queue.ID + ",\n"
	const header = "title,impact,experience,effort,touchpoints,tags\n"
	for _, tc := range []struct {
		name, body string
		line       int
		pointer    string
		detail     string
		status     int
	}{
		{"impact out of range", header + good + "Bad,6,3,3," + queue.ID + ",\n", 3, "/impact", "between 1 and 5", 422},
		{"effort not a number", header + good + good + "Bad,3,3,two," + queue.ID + ",\n", 4, "/effort", "whole number", 422},
		{"empty title", header + good + ",3,3,3," + queue.ID + ",\n", 3, "/title", "must not be empty", 422},
		{"unknown touchpoint", header + good + "Bad,3,3,3,Support / Fax,\n", 3, "/touchpoints", `no touchpoint is named "Support / Fax"`, 422},
		{"touchpoint of another workspace", header + "Bad,3,3,3," + domain.NewID() + ",\n", 2, "/touchpoints", "has the id", 422},
		{"ambiguous touchpoint", header + good + "Bad,3,3,3,twins / desk,\n", 3, "/touchpoints", "names 2 touchpoints", 422},
		{"no touchpoint", header + "Bad,3,3,3,,\n", 2, "/touchpoints", "at least one", 422},
		{"repeated tag", header + good + "Bad,3,3,3," + queue.ID + ",a;b;A\n", 3, "/tags", "tag 3: is listed more than once", 422},
		{"repeated touchpoint", header + "Bad,3,3,3," + queue.ID + ";Support/Phone queue,\n", 2, "/touchpoints", "touchpoint 2: is listed more than once", 422},
		{"bad source", "title,impact,experience,effort,touchpoints,source\nBad,3,3,3," + queue.ID + ",fax\n", 2, "/source", "must be one of", 422},
		{"confidence over 1", "title,impact,experience,effort,touchpoints,confidence\nBad,3,3,3," + queue.ID + ",1.5\n", 2, "/confidence", "between 0 and 1", 422},
		{"missing column", "title,impact,experience,touchpoints\nBad,3,3," + queue.ID + "\n", 1, "/effort", "lacks the column effort", 422},
		{"unknown column", "title,impact,experience,effort,touchpoints,status\n", 1, "", "unknown column", 422},
		{"ragged row", header + good + "Bad,3\n", 3, "", "fields", 422},
		{"invalid UTF-8", header + "Bad \xff,3,3,3," + queue.ID + ",\n", 2, "/title", "UTF-8", 422},
		{"no rows", header, 0, "", "no rows", 422},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for _, query := range []string{"", "?dry_run=true"} {
				p := e.importCSV(t, e.editor, query, tc.body).problem(t, tc.status)
				if tc.line == 0 {
					if !strings.Contains(p.Detail, tc.detail) {
						t.Errorf("%s: detail %q", query, p.Detail)
					}
					continue
				}
				if len(p.Errors) == 0 || p.Errors[0].Line != tc.line || p.Errors[0].Pointer != tc.pointer || !strings.Contains(p.Errors[0].Detail, tc.detail) {
					t.Errorf("%s: errors %+v, want line %d, pointer %q, detail with %q", query, p.Errors, tc.line, tc.pointer, tc.detail)
				}
			}
			if n := e.count(t, "SELECT count(*) FROM ideas"); n != 0 {
				t.Errorf("%d ideas stored", n)
			}
		})
	}
	many := header + strings.Repeat(good, domain.MaxIdeaImportRows+1)
	e.importCSV(t, e.editor, "", many).problem(t, http.StatusRequestEntityTooLarge)
	e.importCSV(t, e.editor, "", header+good, "Content-Type", "application/json").problem(t, http.StatusUnsupportedMediaType)
	e.importCSV(t, e.editor, "?dry_run=yes", header+good).problem(t, http.StatusBadRequest)
	e.importCSV(t, e.viewer, "", header+good).problem(t, http.StatusForbidden)
	if n := e.count(t, "SELECT count(*) FROM ideas"); n != 0 {
		t.Errorf("%d ideas stored", n)
	}

	// A failure after rows were written (a trigger refusing one history
	// entry, late in the transaction) takes the whole import with it.
	_, err := e.store.SQL().ExecContext(context.Background(), `
		CREATE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql AS $$
		BEGIN
			IF NEW.new_value = 'Vanishing' THEN RAISE EXCEPTION 'refused'; END IF;
			RETURN NEW;
		END $$;
		CREATE TRIGGER refuse BEFORE INSERT ON idea_history FOR EACH ROW EXECUTE FUNCTION refuse()`)
	if err != nil {
		t.Fatal(err)
	}
	e.importCSV(t, e.editor, "", header+good+good+"Vanishing,3,3,3,Support/Phone queue,\n"+good).problem(t, http.StatusInternalServerError)
	if n := e.count(t, "SELECT count(*) FROM ideas") + e.count(t, "SELECT count(*) FROM idea_touchpoints") +
		e.count(t, "SELECT count(*) FROM events"); n != 0 {
		t.Errorf("%d ideas, links and events stored", n)
	}
}

// A dry run checks every row and answers what would be created, storing
// nothing; an Idempotency-Key does not tie it to the import after it.
func TestIdeaImportDryRun(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	queue := e.touchpoint(e.journey("Support", "Call"), "Phone queue", "phone", "")
	var body strings.Builder
	body.WriteString("title,impact,experience,effort,touchpoints,confidence\n")
	for n := range 12 {
		fmt.Fprintf(&body, "Idea %d,%d,4,2,Support / Phone queue,0.8\n", n+1, 1+n%5)
	}
	var dry api.IdeaImport
	e.importCSV(t, e.editor, "?dry_run=true", body.String(), "Idempotency-Key", "k").want(t, http.StatusOK).json(t, &dry)
	if dry.Created != 12 || !dry.DryRun || len(dry.Ideas) != 10 {
		t.Fatalf("dry run: %+v", dry)
	}
	for n, i := range dry.Ideas {
		want := domain.DefaultScoring().Score(1+n%5, 4, 2, 0.8)
		if i.ID != nil || i.Title != fmt.Sprintf("Idea %d", n+1) || i.Line != n+2 || i.Score.Priority != want.Priority || i.Score.Quadrant != string(want.Quadrant) {
			t.Errorf("dry run idea %d: %+v, want priority %v", n, i, want.Priority)
		}
	}
	if n := e.count(t, "SELECT count(*) FROM ideas"); n != 0 {
		t.Fatalf("a dry run stored %d ideas", n)
	}
	var real api.IdeaImport
	e.importCSV(t, e.editor, "", body.String(), "Idempotency-Key", "k").want(t, http.StatusOK).json(t, &real)
	if real.Created != 12 || real.DryRun || real.Ideas[0].ID == nil {
		t.Fatalf("import after the dry run: %+v", real)
	}
	if n := e.count(t, "SELECT count(*) FROM idea_touchpoints WHERE touchpoint_id = $1", queue.ID); n != 12 {
		t.Fatalf("%d ideas stored, want 12", n)
	}
}

// The results as CSV hold the JSON results' numbers, metric by metric.
func TestPilotResultsCSVEqualsJSON(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	p := e.headsetPilot()
	for _, action := range []string{"", "start"} {
		if action != "" {
			e.do(http.MethodPost, "/api/v1/pilots/"+p.ID+"/"+action, e.editor, nil).want(t, http.StatusOK)
		}
		res := e.results(p)
		r := e.do(http.MethodGet, "/api/v1/pilots/"+p.ID+"/results.csv", e.viewer, nil)
		rows := readCSV(t, r)
		if len(rows) != len(res.Metrics) || len(rows) != 2 {
			t.Fatalf("%d rows for %d metrics", len(rows), len(res.Metrics))
		}
		if d := r.Header.Get("Content-Disposition"); d != `attachment; filename="pilot-`+p.ID+`-results.csv"` {
			t.Errorf("Content-Disposition %q", d)
		}
		num := func(x *float64) string {
			if x == nil {
				return ""
			}
			return strconv.FormatFloat(*x, 'g', -1, 64)
		}
		for n, m := range res.Metrics {
			row := rows[n]
			want := map[string]string{"pilot_id": p.ID, "metric_id": m.MetricID, "name": m.Name, "unit": m.Unit, "design": m.Design,
				"test": *m.Test, "verdict": m.Verdict, "interim": strconv.FormatBool(res.Interim), "status": res.Status,
				"primary": strconv.FormatBool(m.Primary), "pilot_before": strconv.Itoa(m.SampleSizes.PilotBefore),
				"control_after": strconv.Itoa(m.SampleSizes.ControlAfter)}
			for col, v := range want {
				if row[col] != v {
					t.Errorf("%s %s = %q, JSON %q", m.Name, col, row[col], v)
				}
			}
			for col, v := range map[string]*float64{"estimate": m.Estimate, "ci_low": m.CILow, "ci_high": m.CIHigh,
				"relative_change": m.RelativeChange, "relative_ci_low": m.RelativeCILow, "relative_ci_high": m.RelativeCIHigh,
				"p_value": m.PValue, "improvement": m.Improvement, "improvement_ci_low": m.ImprovementCILow,
				"improvement_ci_high": m.ImprovementCIHigh} {
				got := ""
				if row[col] != "" {
					x, err := strconv.ParseFloat(row[col], 64)
					if err != nil {
						t.Fatalf("%s %s = %q: %v", m.Name, col, row[col], err)
					}
					got = strconv.FormatFloat(x, 'g', -1, 64)
				}
				if got != num(v) {
					t.Errorf("%s %s = %q, JSON %s", m.Name, col, row[col], num(v))
				}
			}
		}
		if est := rows[0]["estimate"]; !strings.HasPrefix(est, "-") {
			t.Errorf("handle time fell, its estimate is %q", est)
		}
	}
	e.do(http.MethodGet, "/api/v1/pilots/"+p.ID+"/results.csv", e.other, nil).problem(t, http.StatusNotFound)
}
