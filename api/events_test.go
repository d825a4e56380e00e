package api_test

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"cxbacklog/api"
)

// feed reads the whole event feed after cursor (query holds other
// parameters), page by page with limit, and returns the events and the
// cursor to continue from.
func (e *env) feed(t *testing.T, token, query, after string, limit int) ([]api.Event, string) {
	t.Helper()
	var all []api.Event
	for pages := 0; ; pages++ {
		if pages > 50 {
			t.Fatal("the feed does not end")
		}
		q := fmt.Sprintf("limit=%d%s", limit, query)
		if after != "" {
			q += "&after=" + url.QueryEscape(after)
		}
		var page api.EventFeed
		e.do(http.MethodGet, "/api/v1/events?"+q, token, nil).want(t, http.StatusOK).json(t, &page)
		if len(page.Items) > limit || page.NextCursor == "" {
			t.Fatalf("page of %d events (limit %d), next_cursor %q", len(page.Items), limit, page.NextCursor)
		}
		all = append(all, page.Items...)
		after = page.NextCursor
		if !page.More {
			return all, after
		}
	}
}

func eventTypesOf(events []api.Event) []string {
	out := make([]string, len(events))
	for n, ev := range events {
		out[n] = ev.Type
	}
	return out
}

// The feed lists the workspace's changes in the order they were made,
// pages with an opaque cursor that also serves to wait for what comes next,
// and filters by type.
func TestEventFeed(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	p := e.headsetPilot() // idea.created, then its moves to under_review and planned
	var idea api.Idea
	e.do(http.MethodGet, "/api/v1/ideas/"+p.IdeaID, e.viewer, nil).want(t, http.StatusOK).json(t, &idea)
	idea = e.retitle(t, e.editor, idea, "Headsets and sound barriers")
	e.do(http.MethodPost, "/api/v1/pilots/"+p.ID+"/start", e.editor, nil).want(t, http.StatusOK)
	tp := e.touchpoint(e.journey("Shop", "Visit"), "Till", "in_person", "Shop")
	m := e.measureCSAT(tp, "2026-10", 80)

	want := []string{"idea.created", "idea.status_changed", "idea.status_changed", "idea.updated", "pilot.started",
		"idea.status_changed", "measurement.recorded"}
	events, cursor := e.feed(t, e.viewer, "", "", 2)
	if got := eventTypesOf(events); !slices.Equal(got, want) {
		t.Fatalf("feed %v, want %v", got, want)
	}
	ids := map[string]bool{}
	for n, ev := range events {
		if ids[ev.ID] {
			t.Fatalf("event %s twice", ev.ID)
		}
		ids[ev.ID] = true
		if n > 0 && ev.Timestamp.Before(events[n-1].Timestamp) {
			t.Errorf("event %d is older than the one before", n)
		}
	}
	check := func(n int, key string, want any) {
		t.Helper()
		if got := events[n].Data[key]; fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("%s: data %s = %v, want %v", events[n].Type, key, got, want)
		}
	}
	check(0, "idea_id", idea.ID)
	check(0, "status", "new")
	check(0, "actor", "editor key")
	check(1, "old_status", "new")
	check(1, "new_status", "under_review")
	check(2, "new_status", "planned")
	check(3, "changed", []string{"title"})
	check(3, "title", "Headsets and sound barriers")
	check(4, "pilot_id", p.ID)
	check(4, "idea_id", idea.ID)
	check(5, "old_status", "planned")
	check(5, "new_status", "piloting")
	check(6, "measurement_id", m.ID)
	check(6, "touchpoint_id", tp.ID)
	check(6, "replaced", false)

	// Nothing new: an empty page and the same cursor. Then a change, and
	// only it.
	var page api.EventFeed
	e.do(http.MethodGet, "/api/v1/events?after="+url.QueryEscape(cursor), e.viewer, nil).want(t, http.StatusOK).json(t, &page)
	if len(page.Items) != 0 || page.More || page.NextCursor != cursor {
		t.Fatalf("nothing new: %+v", page)
	}
	e.do(http.MethodPost, "/api/v1/pilots/"+p.ID+"/complete", e.editor, `{"decision":"adopt"}`).want(t, http.StatusOK)
	events, _ = e.feed(t, e.viewer, "", cursor, 20)
	// Completing moves the idea and sets its confidence from the verdict.
	if got := eventTypesOf(events); !slices.Equal(got, []string{"pilot.completed", "idea.updated", "idea.status_changed"}) {
		t.Fatalf("after the cursor: %v", got)
	}
	if changed := fmt.Sprint(events[1].Data["changed"]); !strings.Contains(changed, "confidence") {
		t.Errorf("idea.updated changed %s, want confidence among them", changed)
	}
	if events[0].Data["decision"] != "adopt" || events[0].Data["primary_metric_name"] != "Handle time" || events[0].Data["primary_metric_verdict"] != "improved" {
		t.Errorf("pilot.completed data %v", events[0].Data)
	}
	if events[2].Data["new_status"] != "adopted" {
		t.Errorf("idea.status_changed data %v", events[2].Data)
	}

	// A filter of several types, either way of writing it.
	for _, query := range []string{"&types=pilot.started,pilot.completed", "&types=pilot.started&types=pilot.completed"} {
		events, _ = e.feed(t, e.viewer, query, "", 1)
		if got := eventTypesOf(events); !slices.Equal(got, []string{"pilot.started", "pilot.completed"}) {
			t.Errorf("%s: %v", query, got)
		}
	}

	// Another workspace has its own feed, numbered from its own start.
	var other api.EventFeed
	e.do(http.MethodGet, "/api/v1/events", e.other, nil).want(t, http.StatusOK).json(t, &other)
	if len(other.Items) != 0 {
		t.Fatalf("another workspace sees %d events", len(other.Items))
	}

	for _, bad := range []string{"after=nonsense", "after=" + cursor + "&after=" + cursor, "types=idea.deleted", "limit=0", "cursor=" + cursor, "status=new"} {
		p := e.do(http.MethodGet, "/api/v1/events?"+bad, e.viewer, nil).problem(t, http.StatusBadRequest)
		name, _, _ := strings.Cut(bad, "=")
		if !namesField(p, name) {
			t.Errorf("%s: errors %+v do not name %s", bad, p.Errors, name)
		}
	}
}

// Events are written in the transaction of their change: a change refused
// (stale If-Match, an illegal move, an invalid value) writes none, and an
// accepted one writes its own.
func TestEventsOnlyForChangesMade(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tp := e.touchpoint(e.journey("Support", "Call"), "Phone queue", "phone", "Contact centre")
	i := e.idea("Call-back option", 4, 4, 2, 0.8, tp)
	count := func() int {
		t.Helper()
		events, _ := e.feed(t, e.viewer, "", "", 100)
		return len(events)
	}
	before := count()
	path := "/api/v1/ideas/" + i.ID
	e.do(http.MethodPatch, path, e.editor, `{"title":"Call-back"}`, "If-Match", `"2"`).problem(t, http.StatusPreconditionFailed)
	e.do(http.MethodPatch, path, e.editor, `{"status":"adopted"}`, "If-Match", `"1"`).problem(t, http.StatusConflict)
	e.do(http.MethodPatch, path, e.editor, `{"title":"Call-back","impact":9}`, "If-Match", `"1"`).problem(t, http.StatusUnprocessableEntity)
	e.do(http.MethodPatch, path, e.editor, `{}`, "If-Match", `"1"`).want(t, http.StatusOK) // changes nothing
	if got := count(); got != before {
		t.Fatalf("refused changes wrote %d events", got-before)
	}
	e.do(http.MethodPatch, path, e.editor, `{"title":"Call-back"}`, "If-Match", `"1"`).want(t, http.StatusOK)
	if got := count(); got != before+1 {
		t.Fatalf("a change wrote %d events, want 1", got-before)
	}
}
