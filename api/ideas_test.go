package api_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"cxbacklog/api"
)

// idea creates an idea targeting tps with the given scores.
func (e *env) idea(title string, impact, experience, effort int, confidence float64, tps ...api.Touchpoint) api.Idea {
	e.t.Helper()
	ids := make([]string, len(tps))
	for n, tp := range tps {
		ids[n] = tp.ID
	}
	in := api.IdeaCreate{Title: title, TouchpointIDs: ids, Impact: impact, Experience: experience, Effort: effort, Confidence: &confidence, Tags: []string{"cx"}}
	var i api.Idea
	e.do(http.MethodPost, "/api/v1/ideas", e.editor, in).want(e.t, http.StatusCreated).json(e.t, &i)
	return i
}

func (e *env) ideaTitles(query string) []string {
	e.t.Helper()
	var list api.IdeaList
	e.do(http.MethodGet, "/api/v1/ideas?"+query, e.viewer, nil).want(e.t, http.StatusOK).json(e.t, &list)
	titles := make([]string, len(list.Items))
	for n, i := range list.Items {
		titles[n] = i.Title
	}
	return titles
}

func TestIdeasRankedAndRescored(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	j := e.journey("Support", "Call")
	queue := e.touchpoint(j, "Phone queue", "phone", "Contact centre")
	headsets := e.idea("Headsets", 4, 5, 2, 0.8, queue)
	if headsets.Score.Value != 4.5 || headsets.Score.Priority != 36 || headsets.Score.Quadrant != "quick_win" ||
		!strings.Contains(headsets.Score.Explanation, "4.5") || headsets.Status != "new" {
		t.Fatalf("score = %+v, status %s", headsets.Score, headsets.Status)
	}
	e.idea("Callback", 5, 1, 1, 1, queue)      // value 3, priority 60
	e.idea("Chatbot", 2, 4, 5, 0.5, queue)     // value 3, priority 6
	e.idea("Queue music", 1, 3, 1, 0.5, queue) // value 2, priority 20
	if got := strings.Join(e.ideaTitles(""), ","); got != "Callback,Headsets,Queue music,Chatbot" {
		t.Fatalf("ranked = %s", got)
	}
	// Experience counts five times as much as impact: the ranking changes.
	var sc api.ScoringSettings
	e.do(http.MethodGet, "/api/v1/scoring", e.viewer, nil).want(t, http.StatusOK).json(t, &sc)
	body := `{"weight_impact":1,"weight_experience":5,"value_threshold":3,"effort_threshold":2}`
	e.do(http.MethodPut, "/api/v1/scoring", e.editor, body, "If-Match", fmt.Sprintf(`"%d"`, sc.Version)).problem(t, http.StatusForbidden)
	e.do(http.MethodPut, "/api/v1/scoring", e.admin, body, "If-Match", `"99"`).problem(t, http.StatusPreconditionFailed)
	e.do(http.MethodPut, "/api/v1/scoring", e.admin, `{"weight_impact":0,"weight_experience":0,"value_threshold":3,"effort_threshold":2}`,
		"If-Match", fmt.Sprintf(`"%d"`, sc.Version)).problem(t, http.StatusUnprocessableEntity)
	// A PUT replaces the whole: every field left out is named.
	p := e.do(http.MethodPut, "/api/v1/scoring", e.admin, `{"weight_impact":1,"effort_threshold":null}`, "If-Match", fmt.Sprintf(`"%d"`, sc.Version)).
		problem(t, http.StatusUnprocessableEntity)
	if len(p.Errors) != 3 || !hasPointer(p, "/weight_experience") || !hasPointer(p, "/value_threshold") || !hasPointer(p, "/effort_threshold") {
		t.Fatalf("missing scoring fields: %+v", p.Errors)
	}
	e.do(http.MethodPut, "/api/v1/scoring", e.admin, body, "If-Match", fmt.Sprintf(`"%d"`, sc.Version)).want(t, http.StatusOK)
	// Headsets (4+25)/6=4.83·0.8/2·20=38.67; Callback (5+5)/6·20=33.33; Queue music (1+15)/6·0.5·20=26.67; Chatbot (2+20)/6·0.5/5·20=7.33
	if got := strings.Join(e.ideaTitles(""), ","); got != "Headsets,Callback,Queue music,Chatbot" {
		t.Fatalf("ranked after reweighting = %s", got)
	}
	var again api.Idea
	e.do(http.MethodGet, "/api/v1/ideas/"+headsets.ID, e.viewer, nil).want(t, http.StatusOK).json(t, &again)
	if again.Score.Priority != 38.67 || !strings.Contains(again.Score.Explanation, "5×5") {
		t.Fatalf("re-scored headsets = %+v", again.Score)
	}
}

func TestIdeaWorkflowAndHistory(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	j := e.journey("Support", "Call")
	queue := e.touchpoint(j, "Phone queue", "phone", "Contact centre")
	i := e.idea("Headsets", 4, 5, 2, 0.8, queue)
	p := e.do(http.MethodPatch, "/api/v1/ideas/"+i.ID, e.editor, `{"status":"adopted"}`, "If-Match", `"1"`).problem(t, http.StatusConflict)
	if !strings.Contains(p.Detail, "under_review, rejected, parked") {
		t.Fatalf("409 does not name the allowed moves: %s", p.Detail)
	}
	e.do(http.MethodPatch, "/api/v1/ideas/"+i.ID, e.editor, `{"status":"shipped"}`, "If-Match", `"1"`).problem(t, http.StatusUnprocessableEntity)
	steps := []string{"under_review", "planned", "piloting", "adopted"}
	for n, to := range steps {
		var moved api.Idea
		e.do(http.MethodPatch, "/api/v1/ideas/"+i.ID, e.editor, fmt.Sprintf(`{"status":%q}`, to), "If-Match", fmt.Sprintf(`"%d"`, n+1)).
			want(t, http.StatusOK).json(t, &moved)
		if moved.Status != to {
			t.Fatalf("status = %s, want %s", moved.Status, to)
		}
	}
	e.do(http.MethodPatch, "/api/v1/ideas/"+i.ID, e.editor, `{"status":"new"}`, "If-Match", `"5"`).problem(t, http.StatusConflict)

	var h api.HistoryList
	e.do(http.MethodGet, "/api/v1/ideas/"+i.ID+"/history?limit=3", e.viewer, nil).want(t, http.StatusOK).json(t, &h)
	if len(h.Items) != 3 || h.NextCursor == nil || h.Items[0].Field != "status" || h.Items[0].Old != "piloting" ||
		h.Items[0].New != "adopted" || h.Items[0].Actor != "editor key" {
		t.Fatalf("history page 1 = %+v", h)
	}
	var rest api.HistoryList
	e.do(http.MethodGet, "/api/v1/ideas/"+i.ID+"/history?cursor="+*h.NextCursor, e.viewer, nil).want(t, http.StatusOK).json(t, &rest)
	if len(rest.Items) != 2 || rest.Items[1].Field != "created" || rest.NextCursor != nil {
		t.Fatalf("history page 2 = %+v", rest)
	}
	e.do(http.MethodGet, "/api/v1/ideas/"+i.ID+"/history", e.other, nil).problem(t, http.StatusNotFound)
}

func TestIdeaValidationAndIsolation(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	j := e.journey("Support", "Call")
	queue := e.touchpoint(j, "Phone queue", "phone", "Contact centre")
	missing := "00000000-0000-4000-8000-000000000000"
	p := e.do(http.MethodPost, "/api/v1/ideas", e.editor, fmt.Sprintf(`{"title":"x","touchpoint_ids":[%q,%q],"impact":3,"experience":3,"effort":3}`, queue.ID, missing)).
		problem(t, http.StatusUnprocessableEntity)
	if !namesField(p, "/touchpoint_ids/1") {
		t.Fatalf("errors = %+v, want /touchpoint_ids/1", p.Errors)
	}
	// Another workspace's touchpoint is as unknown as a missing one.
	e.do(http.MethodPost, "/api/v1/ideas", e.other, fmt.Sprintf(`{"title":"x","touchpoint_ids":[%q],"impact":3,"experience":3,"effort":3}`, queue.ID)).
		problem(t, http.StatusUnprocessableEntity)
	p = e.do(http.MethodPost, "/api/v1/ideas", e.editor, fmt.Sprintf(`{"title":"","touchpoint_ids":[%q],"impact":6,"experience":0,"effort":3,"confidence":1.5}`, queue.ID)).
		problem(t, http.StatusUnprocessableEntity)
	for _, f := range []string{"/title", "/impact", "/experience", "/confidence"} {
		if !namesField(p, f) {
			t.Errorf("errors %+v do not name %s", p.Errors, f)
		}
	}
	i := e.idea("Headsets", 4, 5, 2, 0.8, queue)
	e.do(http.MethodGet, "/api/v1/ideas/"+i.ID, e.other, nil).problem(t, http.StatusNotFound)
	e.do(http.MethodDelete, "/api/v1/touchpoints/"+queue.ID, e.editor, nil, "If-Match", `"1"`).problem(t, http.StatusConflict)
	var tp api.TouchpointDetail
	e.do(http.MethodGet, "/api/v1/touchpoints/"+queue.ID, e.viewer, nil).want(t, http.StatusOK).json(t, &tp)
	if tp.IdeaCount["new"] != 1 || tp.IdeaCount["planned"] != 0 || len(tp.IdeaCount) != 7 {
		t.Fatalf("idea_count = %v", tp.IdeaCount)
	}
	for _, q := range []string{"sort=size", "status=done", "quadrant=top", "cursor=abc"} {
		e.do(http.MethodGet, "/api/v1/ideas?"+q, e.viewer, nil).problem(t, http.StatusBadRequest)
	}
}

func TestIdeaPagingWithTiesAndFilters(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	j := e.journey("Lunch", "Order")
	other := e.journey("Support", "Call")
	food := e.touchpoint(j, "Food", "in_person", "Kitchen")
	queue := e.touchpoint(other, "Phone queue", "phone", "Contact centre")
	for n := 0; n < 7; n++ {
		e.idea(fmt.Sprintf("Same score %d", n), 3, 3, 3, 0.5, food) // all tie on priority
	}
	e.idea("Queue idea", 5, 5, 1, 1, queue)
	for _, sort := range []string{"", "priority", "-created_at", "title", "updated_at"} {
		t.Run("sort="+sort, func(t *testing.T) {
			if got := len(e.pageAll(t, "/api/v1/ideas", "limit=3&sort="+sort)); got != 8 {
				t.Fatalf("paged through %d ideas, want 8", got)
			}
		})
	}
	var page api.IdeaList
	e.do(http.MethodGet, "/api/v1/ideas?limit=3&sort=title", e.viewer, nil).want(t, http.StatusOK).json(t, &page)
	e.do(http.MethodGet, "/api/v1/ideas?sort=-priority&cursor="+url.QueryEscape(*page.NextCursor), e.viewer, nil).problem(t, http.StatusBadRequest)

	filters := map[string]int{
		"journey_id=" + other.ID: 1, "touchpoint_id=" + food.ID: 7, "quadrant=quick_win": 1, "quadrant=big_bet": 7, "quadrant=money_pit": 0,
		"tag=cx": 8, "tag=none": 0, "status=new": 8, "status=planned": 0, "q=QUEUE": 1,
	}
	for q, want := range filters {
		if got := len(e.ideaTitles(q + "&limit=100")); got != want {
			t.Errorf("%s: %d ideas, want %d", q, got, want)
		}
	}
}

func TestRoadmapAndMatrix(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	j := e.journey("Support", "Call")
	queue := e.touchpoint(j, "Phone queue", "phone", "Contact centre")
	a := e.idea("Headsets", 4, 5, 2, 0.8, queue)
	b := e.idea("Chatbot", 2, 4, 5, 0.5, queue)
	e.idea("Queue music", 1, 3, 1, 0.5, queue)
	e.do(http.MethodPatch, "/api/v1/ideas/"+a.ID, e.editor, `{"status":"under_review"}`, "If-Match", `"1"`).want(t, http.StatusOK)
	e.do(http.MethodPatch, "/api/v1/ideas/"+a.ID, e.editor, `{"status":"planned"}`, "If-Match", `"2"`).want(t, http.StatusOK)
	e.do(http.MethodPatch, "/api/v1/ideas/"+b.ID, e.editor, `{"status":"under_review"}`, "If-Match", `"1"`).want(t, http.StatusOK)
	var r api.Roadmap
	e.do(http.MethodGet, "/api/v1/roadmap", e.viewer, nil).want(t, http.StatusOK).json(t, &r)
	if len(r.Now) != 0 || len(r.Next) != 1 || len(r.Later) != 1 || r.Next[0].ID != a.ID || r.Next[0].Touchpoints[0].Name != "Phone queue" {
		t.Fatalf("roadmap = %+v", r)
	}
	var m api.Matrix
	e.do(http.MethodGet, "/api/v1/reports/matrix", e.viewer, nil).want(t, http.StatusOK).json(t, &m)
	if m.QuickWin.Count != 1 || m.BigBet.Count != 1 || m.FillIn.Count != 1 || m.MoneyPit.Count != 0 || m.ValueThreshold != 3 {
		t.Fatalf("matrix = %+v", m)
	}
	if m.BigBet.Ideas[0].ID != b.ID || m.BigBet.Ideas[0].Effort != 5 || m.BigBet.Ideas[0].Value != 3 {
		t.Fatalf("big bet point = %+v", m.BigBet.Ideas[0])
	}
}
