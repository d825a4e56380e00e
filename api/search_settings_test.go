package api_test

import (
	"encoding/csv"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"cxbacklog/api"
)

func TestSearchSettingsRoundTrip(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	const path = "/api/v1/search-settings"
	res := e.do(http.MethodGet, path, e.viewer, nil).want(t, http.StatusOK)
	var set api.SearchSettings
	res.json(t, &set)
	if set.Language != "english" || set.Version != 1 || res.Header.Get("ETag") != `"1"` {
		t.Fatalf("defaults: %+v, ETag %s", set, res.Header.Get("ETag"))
	}
	tp := e.touchpoint(e.journey("Rückgabe", "Anruf"), "Telefon", "phone", "")
	e.do(http.MethodPost, "/api/v1/ideas", e.editor, api.IdeaCreate{Title: "Schnellere Rückerstattungen", TouchpointIDs: []string{tp.ID},
		Impact: 3, Experience: 3, Effort: 2}).want(t, http.StatusCreated)
	found := func() int {
		var page api.IdeaList
		e.do(http.MethodGet, "/api/v1/ideas?q="+url.QueryEscape("Rückerstattung "), e.viewer, nil).want(t, http.StatusOK).json(t, &page)
		return len(page.Items)
	}
	if n := found(); n != 0 {
		t.Fatalf("english stems German: %d ideas found", n)
	}

	// PUT takes back the document GET answered, changed, and re-stems the ideas.
	set.Language = "german"
	res = e.do(http.MethodPut, path, e.admin, set, "If-Match", `"1"`).want(t, http.StatusOK)
	res.json(t, &set)
	if set.Language != "german" || set.Version != 2 || res.Header.Get("ETag") != `"2"` {
		t.Fatalf("after PUT: %+v, ETag %s", set, res.Header.Get("ETag"))
	}
	if n := found(); n != 1 {
		t.Fatalf("german: %d ideas found, want 1", n)
	}

	for _, c := range []struct {
		name, token, body, ifMatch, query string
		status                            int
		field                             string
	}{
		{"version other than If-Match", e.admin, `{"language":"french","version":1}`, `"2"`, "", 422, "/version"},
		{"unknown language", e.admin, `{"language":"klingon","version":2}`, `"2"`, "", 422, "/language"},
		{"a configuration name in capitals", e.admin, `{"language":"German"}`, `"2"`, "", 422, "/language"},
		{"null language", e.admin, `{"language":null}`, `"2"`, "", 422, "/language"},
		{"no language", e.admin, `{"version":2}`, `"2"`, "", 422, "/language"},
		{"unknown field", e.admin, `{"language":"french","stemmer":"x"}`, `"2"`, "", 400, "/stemmer"},
		{"query parameter", e.admin, `{"language":"french"}`, `"2"`, "?language=french", 400, "language"},
		{"stale If-Match", e.admin, `{"language":"french"}`, `"1"`, "", 412, ""},
		{"no If-Match", e.admin, `{"language":"french"}`, "", "", 428, ""},
		{"editor", e.editor, `{"language":"french"}`, `"2"`, "", 403, ""},
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
			if c.field == "/language" && strings.Contains(c.body, `"language":"`) && !strings.Contains(p.Errors[0].Detail, "simple, arabic") {
				t.Errorf("detail %q does not list the languages", p.Errors[0].Detail)
			}
		})
	}
	e.do(http.MethodGet, path, e.viewer, nil).want(t, http.StatusOK).json(t, &set)
	if set.Language != "german" || set.Version != 2 {
		t.Fatalf("a refused PUT changed the settings: %+v", set)
	}
	// Another workspace has its own.
	e.do(http.MethodGet, path, e.other, nil).want(t, http.StatusOK).json(t, &set)
	if set.Language != "english" || set.Version != 1 {
		t.Fatalf("other workspace: %+v", set)
	}
}

// The list's search parameters: match, sort=relevance and its cursor, and
// the CSV download with the same filter.
func TestIdeaSearchParams(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tp := e.touchpoint(e.journey("Billing", "Pay"), "Refunds", "web", "")
	titles := map[string]string{}
	for n, in := range []api.IdeaCreate{
		{Title: "Refund status page", Impact: 2},
		{Title: "Chat hand-over", Problem: "Refunds take long", Impact: 5},
		{Title: "Callback booking", Proposal: "Offer a refund callback", Impact: 4},
		{Title: "Faster refunds", Problem: "Refunds are slow", Impact: 1},
		{Title: "Password reset", Impact: 3},
	} {
		in.TouchpointIDs, in.Experience, in.Effort = []string{tp.ID}, 3, 1+n%3
		var i api.Idea
		e.do(http.MethodPost, "/api/v1/ideas", e.editor, in).want(t, http.StatusCreated).json(t, &i)
		titles[i.ID] = i.Title
	}
	list := func(query string) []string {
		var out []string
		for _, id := range e.pageAll(t, "/api/v1/ideas", query) {
			out = append(out, titles[id])
		}
		return out
	}
	for _, c := range []struct {
		query string
		want  []string // in order
	}{
		// Title 1, problem 0.4, proposal 0.2: title and problem (1.4) outrank the title alone.
		{"q=refund&sort=relevance&limit=1", []string{"Faster refunds", "Refund status page", "Chat hand-over", "Callback booking"}},
		{"q=refu*&sort=relevance&limit=2", []string{"Faster refunds", "Refund status page", "Chat hand-over", "Callback booking"}},
		{"q=refund&limit=1", []string{"Refund status page", "Chat hand-over", "Faster refunds", "Callback booking"}},
		{"q=und&match=substring&limit=1", []string{"Refund status page", "Chat hand-over", "Faster refunds", "Callback booking"}},
		{"q=und", nil},
		{"q=refund+-callback&sort=title", []string{"Chat hand-over", "Faster refunds", "Refund status page"}},
	} {
		t.Run(c.query, func(t *testing.T) {
			if got := list(c.query); !slices.Equal(got, c.want) {
				t.Fatalf("%s: %q, want %q", c.query, got, c.want)
			}
		})
	}
	for _, c := range []struct{ query, field string }{
		{"sort=relevance", "sort"},
		{"sort=relevance&q=refund&match=substring", "sort"},
		{"match=regex&q=refund", "match"},
	} {
		for _, path := range []string{"/api/v1/ideas", "/api/v1/ideas.csv"} {
			wantNames(t, e.do(http.MethodGet, path+"?"+c.query, e.viewer, nil).problem(t, http.StatusBadRequest), c.field)
		}
	}
	// The CSV is the same search in the same order.
	r := e.do(http.MethodGet, "/api/v1/ideas.csv?q=refund&sort=relevance", e.viewer, nil).want(t, http.StatusOK)
	rows, err := csv.NewReader(strings.NewReader(string(r.Body))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, row := range rows[1:] {
		got = append(got, row[1])
	}
	if want := list("q=refund&sort=relevance"); !slices.Equal(got, want) {
		t.Fatalf("CSV: %q, want %q", got, want)
	}
}
