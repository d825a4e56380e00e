package api_test

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"testing"

	"cxbacklog/api"
)

// historyPage is one page of GET /ideas/{id}/history as sent on the wire.
type historyPage struct {
	Items      []map[string]any `json:"items"`
	NextCursor *string          `json:"next_cursor"`
}

// historyPages follows next_cursor through the idea's history at limit,
// returning every page.
func (e *env) historyPages(t *testing.T, token, ideaID string, limit int) []historyPage {
	t.Helper()
	var pages []historyPage
	cursor := ""
	for len(pages) <= 50 {
		q := url.Values{"limit": {strconv.Itoa(limit)}}
		if cursor != "" {
			q.Set("cursor", cursor)
		}
		var p historyPage
		e.do(http.MethodGet, "/api/v1/ideas/"+ideaID+"/history?"+q.Encode(), token, nil).want(t, http.StatusOK).json(t, &p)
		pages = append(pages, p)
		if p.NextCursor == nil {
			return pages
		}
		cursor = *p.NextCursor
	}
	t.Fatal("the history does not end")
	return nil
}

// retitle patches an idea's title with token and returns the idea.
func (e *env) retitle(t *testing.T, token string, i api.Idea, title string) api.Idea {
	t.Helper()
	body := fmt.Sprintf(`{"title":%q}`, title)
	e.do(http.MethodPatch, "/api/v1/ideas/"+i.ID, token, body, "If-Match", strconv.Quote(strconv.Itoa(i.Version))).
		want(t, http.StatusOK).json(t, &i)
	return i
}

// ideaIn creates a journey, touchpoint and idea in the workspace of token.
func (e *env) ideaIn(t *testing.T, token, title string) api.Idea {
	t.Helper()
	var j api.Journey
	e.do(http.MethodPost, "/api/v1/journeys", token, api.JourneyCreate{Name: title + " journey", Stages: []api.StageInput{{Name: "S"}}}).
		want(t, http.StatusCreated).json(t, &j)
	var tp api.Touchpoint
	e.do(http.MethodPost, "/api/v1/touchpoints", token, api.TouchpointCreate{JourneyID: j.ID, StageID: j.Stages[0].ID, Name: title + " tp", Channel: "web", Owner: "Web"}).
		want(t, http.StatusCreated).json(t, &tp)
	c := 0.5
	var i api.Idea
	e.do(http.MethodPost, "/api/v1/ideas", token, api.IdeaCreate{Title: title, TouchpointIDs: []string{tp.ID}, Impact: 3, Experience: 3, Effort: 3, Confidence: &c}).
		want(t, http.StatusCreated).json(t, &i)
	return i
}

// cursorNumbers decodes an opaque cursor and returns every number in it.
func cursorNumbers(t *testing.T, cursor string) []float64 {
	t.Helper()
	raw, err := base64.RawURLEncoding.DecodeString(cursor)
	if err != nil {
		t.Fatalf("cursor %q is not base64url: %v", cursor, err)
	}
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		t.Fatalf("cursor %q holds %q, not JSON: %v", cursor, raw, err)
	}
	var out []float64
	var walk func(any)
	walk = func(v any) {
		switch v := v.(type) {
		case float64:
			out = append(out, v)
		case map[string]any:
			for _, x := range v {
				walk(x)
			}
		case []any:
			for _, x := range v {
				walk(x)
			}
		}
	}
	walk(v)
	return out
}

// TestIdeaHistoryCursorIsWorkspaceLocal makes the same edits to an idea of
// workspace acme on two servers, on one of them with another workspace
// writing between every two edits: the pages, cursors included, must be
// identical, and no cursor may hold a number beyond the idea's own count of
// changes. The cursor used to be the global row id of idea_history, which
// every workspace's edits advance.
func TestIdeaHistoryCursorIsWorkspaceLocal(t *testing.T) {
	t.Parallel()
	const edits, limit = 9, 3 // 10 entries: pages of 3, 3, 3, 1
	run := func(t *testing.T, noisy bool) []historyPage {
		e := newEnv(t)
		var b api.Idea
		if noisy {
			b = e.ideaIn(t, e.other, "B")
		}
		a := e.ideaIn(t, e.admin, "A")
		for n := 1; n <= edits; n++ {
			if noisy {
				for k := range n {
					b = e.retitle(t, e.other, b, fmt.Sprintf("B %d.%d", n, k))
				}
				e.ideaIn(t, e.other, fmt.Sprintf("B extra %d", n))
			}
			a = e.retitle(t, e.admin, a, fmt.Sprintf("A %d", n))
		}
		if noisy { // B's own history pages too, and A's cannot be read from B
			if got := len(e.historyPages(t, e.other, b.ID, limit)); got != 16 {
				t.Fatalf("B's history has %d pages, want 16", got)
			}
			e.do(http.MethodGet, "/api/v1/ideas/"+a.ID+"/history", e.other, nil).problem(t, http.StatusNotFound)
		}
		return e.historyPages(t, e.viewer, a.ID, limit)
	}
	var quiet, noisy []historyPage
	t.Run("servers", func(t *testing.T) { // returns once both have run
		t.Run("quiet", func(t *testing.T) { t.Parallel(); quiet = run(t, false) })
		t.Run("noisy", func(t *testing.T) { t.Parallel(); noisy = run(t, true) })
	})
	if t.Failed() {
		return
	}

	// Paging: every entry once, newest first, in pages of limit.
	var titles []string
	var sizes []int
	for _, p := range quiet {
		sizes = append(sizes, len(p.Items))
		for _, item := range p.Items {
			titles = append(titles, fmt.Sprint(item["new"]))
		}
	}
	if want := []int{3, 3, 3, 1}; !slices.Equal(sizes, want) {
		t.Fatalf("page sizes %v, want %v", sizes, want)
	}
	want := []string{"A 9", "A 8", "A 7", "A 6", "A 5", "A 4", "A 3", "A 2", "A 1", "A"}
	if !slices.Equal(titles, want) {
		t.Fatalf("history titles %v, want %v", titles, want)
	}

	for n := range quiet {
		qc, nc := quiet[n].NextCursor, noisy[n].NextCursor
		if (qc == nil) != (nc == nil) || (qc != nil && *qc != *nc) {
			t.Fatalf("page %d: next_cursor %s without and %s with another workspace writing: it leaks that workspace's activity",
				n, show(qc), show(nc))
		}
		if qc != nil {
			for _, x := range cursorNumbers(t, *qc) {
				if x > edits+1 {
					t.Fatalf("page %d: cursor %s holds %v, more than the idea's %d changes", n, *qc, x, edits+1)
				}
			}
		}
		// Entries hold the change and nothing that counts rows.
		for k, item := range quiet[n].Items {
			keys := slices.Sorted(maps.Keys(item))
			if want := []string{"actor", "changed_at", "field", "new", "old"}; !slices.Equal(keys, want) {
				t.Fatalf("page %d item %d has fields %v, want %v", n, k, keys, want)
			}
			other := noisy[n].Items[k]
			if item["field"] != other["field"] || item["old"] != other["old"] || item["new"] != other["new"] || item["actor"] != other["actor"] {
				t.Fatalf("page %d item %d: %v without and %v with another workspace writing", n, k, item, other)
			}
		}
	}
}

func show(s *string) string {
	if s == nil {
		return "null"
	}
	return strconv.Quote(*s)
}

// TestIdeaHistoryBadCursor checks that anything but a cursor the history
// returned is 400 naming the parameter cursor, including the bare row ids
// that were the cursor before and other lists' cursors.
func TestIdeaHistoryBadCursor(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	i := e.ideaIn(t, e.admin, "A")
	for n := 1; n <= 3; n++ {
		i = e.retitle(t, e.admin, i, fmt.Sprintf("A %d", n))
	}
	pages := e.historyPages(t, e.viewer, i.ID, 1)
	if len(pages) != 4 || pages[0].NextCursor == nil {
		t.Fatalf("%d pages of 1, want 4", len(pages))
	}
	good := *pages[0].NextCursor
	enc := func(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }
	var ideas struct {
		NextCursor *string `json:"next_cursor"`
	}
	e.ideaIn(t, e.admin, "B")
	e.do(http.MethodGet, "/api/v1/ideas?limit=1", e.viewer, nil).want(t, http.StatusOK).json(t, &ideas)
	if ideas.NextCursor == nil {
		t.Fatal("no idea list cursor")
	}
	for _, bad := range []string{"1", "42", "-1", "x", good + "x", good[:len(good)-1] + "!", enc(`{"q":0}`), enc(`{"q":-3}`), enc(`{"q":"3"}`),
		enc(`{"q":1.5}`), enc(`{}`), enc(`[]`), enc(`null`), enc(`{"q":3`), *ideas.NextCursor} {
		t.Run(bad, func(t *testing.T) {
			p := e.do(http.MethodGet, "/api/v1/ideas/"+i.ID+"/history?cursor="+url.QueryEscape(bad), e.viewer, nil).problem(t, http.StatusBadRequest)
			if !namesField(p, "cursor") {
				t.Fatalf("errors %+v do not name cursor", p.Errors)
			}
		})
	}
	// A cursor of this idea's history works on its own.
	var p historyPage
	e.do(http.MethodGet, "/api/v1/ideas/"+i.ID+"/history?limit=1&cursor="+url.QueryEscape(good), e.viewer, nil).want(t, http.StatusOK).json(t, &p)
	if len(p.Items) != 1 || p.Items[0]["new"] != "A 2" {
		t.Fatalf("second page %+v, want the change to A 2", p.Items)
	}
	if p.NextCursor == nil || *p.NextCursor != *pages[1].NextCursor {
		t.Fatalf("cursor %s, want %s", show(p.NextCursor), show(pages[1].NextCursor))
	}
}
