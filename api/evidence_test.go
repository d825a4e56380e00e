package api_test

import (
	"context"
	"encoding/csv"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"cxbacklog/api"
	"cxbacklog/domain"
)

// evidenceReason inserts a contact reason of the touchpoint's workspace
// with its contacts a month by SQL (the reasons' API is another's) and
// returns its id.
func (e *env) evidenceReason(tp api.Touchpoint, name string, perMonth float64) string {
	e.t.Helper()
	id := domain.NewID()
	_, err := e.store.SQL().ExecContext(context.Background(), `INSERT INTO contact_reasons
		(id, workspace_id, name, touchpoint_id, avoidable, description, contacts_per_month, created_at, updated_at, version)
		SELECT $1, workspace_id, $2, id, true, '', $3, now(), now(), 1 FROM touchpoints WHERE id = $4`, id, name, perMonth, tp.ID)
	if err != nil {
		e.t.Fatalf("insert contact reason %q: %v", name, err)
	}
	return id
}

// evidenceFeedback inserts a feedback item of the touchpoint's workspace
// by SQL, with score on 1..5 unless it is nil, and returns its id.
func (e *env) evidenceFeedback(tp api.Touchpoint, text string, received time.Time, score *float64) string {
	e.t.Helper()
	id := domain.NewID()
	var lo, hi *float64
	if score != nil {
		lo, hi = ptrTo(1.0), ptrTo(5.0)
	}
	_, err := e.store.SQL().ExecContext(context.Background(), `INSERT INTO feedback
		(id, workspace_id, touchpoint_id, source, text, score, score_min, score_max, received_at, customer_ref, language, created_at, updated_at, version)
		SELECT $1, workspace_id, id, 'survey', $2, $3, $4, $5, $6, '', 'english', now(), now(), 1 FROM touchpoints WHERE id = $7`,
		id, text, score, lo, hi, received, tp.ID)
	if err != nil {
		e.t.Fatalf("insert feedback %q: %v", text, err)
	}
	return id
}

func ptrTo[T any](v T) *T { return &v }

// linkedEvidence links a new contact reason and feedback item of tp to the
// idea and returns their ids.
func (e *env) linkedEvidence(i api.Idea, tp api.Touchpoint) (reasonID, feedbackID string) {
	e.t.Helper()
	reasonID = e.evidenceReason(tp, "Cannot hear the agent", 640)
	feedbackID = e.evidenceFeedback(tp, "The line crackles", time.Date(2026, 10, 2, 0, 0, 0, 0, time.UTC), nil)
	e.do(http.MethodPost, "/api/v1/ideas/"+i.ID+"/evidence", e.editor,
		map[string][]string{"contact_reason_ids": {reasonID}, "feedback_ids": {feedbackID}}).want(e.t, http.StatusOK)
	return reasonID, feedbackID
}

// links is a POST /ideas/{id}/evidence body.
func links(reasons, feedback []string) map[string][]string {
	return map[string][]string{"contact_reason_ids": reasons, "feedback_ids": feedback}
}

func TestIdeaEvidenceEndpoints(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	j := e.journey("Billing", "Invoice")
	invoice := e.touchpoint(j, "Invoice", "email", "Billing")
	i := e.idea("Plain-language invoice", 4, 4, 2, 0.8, invoice)
	spare := e.idea("Invoice by e-mail", 3, 3, 2, 0.5, invoice)
	where := e.evidenceReason(invoice, "Where is my invoice?", 1200)
	wrong := e.evidenceReason(invoice, "Wrong amount", 300.5)
	never := e.evidenceReason(invoice, "Never linked", 5)
	day := time.Date(2026, 10, 3, 9, 30, 0, 0, time.UTC)
	older := e.evidenceFeedback(invoice, "I phoned three times to find out where my invoice went.", day, ptrTo(2.0))
	newer := e.evidenceFeedback(invoice, "Unreadable", day.AddDate(0, 0, 2), nil)

	// Another workspace's reason and feedback, at its own touchpoint.
	var oj api.Journey
	e.do(http.MethodPost, "/api/v1/journeys", e.other, api.JourneyCreate{Name: "Billing", Stages: []api.StageInput{{Name: "Invoice"}}}).
		want(t, http.StatusCreated).json(t, &oj)
	var otp api.Touchpoint
	e.do(http.MethodPost, "/api/v1/touchpoints", e.other, api.TouchpointCreate{JourneyID: oj.ID, StageID: oj.Stages[0].ID, Name: "Invoice", Channel: "email"}).
		want(t, http.StatusCreated).json(t, &otp)
	foreignReason := e.evidenceReason(otp, "Where is my invoice?", 99)
	foreignFeedback := e.evidenceFeedback(otp, "Theirs", day, nil)

	path := "/api/v1/ideas/" + i.ID + "/evidence"
	// Nothing linked yet: empty lists (not null) and a zero summary, on
	// the evidence and on the idea.
	r := e.do(http.MethodGet, path, e.viewer, nil).want(t, http.StatusOK)
	if got := strings.TrimSpace(string(r.Body)); got != `{"contact_reasons":[],"feedback":[],"summary":{"feedback_count":0,"contact_reasons":0,"contacts_per_month":0}}` {
		t.Fatalf("evidence of a new idea: %s", got)
	}
	r = e.do(http.MethodGet, "/api/v1/ideas/"+i.ID, e.viewer, nil).want(t, http.StatusOK)
	if !strings.Contains(string(r.Body), `"evidence":{"feedback_count":0,"contact_reasons":0,"contacts_per_month":0}`) {
		t.Fatalf("a new idea's evidence: %s", r.Body)
	}

	// Link: 200 with the whole evidence, reasons by volume, feedback newest first.
	var ev api.Evidence
	e.do(http.MethodPost, path, e.editor, links([]string{wrong, where}, []string{older, newer})).want(t, http.StatusOK).json(t, &ev)
	wantSummary := api.IdeaEvidence{FeedbackCount: 2, ContactReasons: 2, ContactsPerMonth: 1500.5}
	if ev.Summary != wantSummary || len(ev.ContactReasons) != 2 || len(ev.Feedback) != 2 {
		t.Fatalf("evidence after linking: %+v", ev)
	}
	if r := ev.ContactReasons[0]; r.ID != where || r.Name != "Where is my invoice?" || r.TouchpointID != invoice.ID || !r.Avoidable ||
		r.ContactsPerMonth != 1200 || r.LinkedAt.IsZero() || ev.ContactReasons[1].ID != wrong {
		t.Fatalf("linked reasons %+v", ev.ContactReasons)
	}
	if f := ev.Feedback[1]; ev.Feedback[0].ID != newer || f.ID != older || f.Source != "survey" || f.TouchpointID != invoice.ID ||
		f.Text != "I phoned three times to find out where my invoice went." || f.Score == nil || *f.Score != 2 ||
		*f.ScoreMin != 1 || *f.ScoreMax != 5 || !f.ReceivedAt.Equal(day) || ev.Feedback[0].Score != nil {
		t.Fatalf("linked feedback %+v", ev.Feedback)
	}
	var got api.Evidence
	e.do(http.MethodGet, path, e.viewer, nil).want(t, http.StatusOK).json(t, &got)
	if got.Summary != wantSummary || len(got.ContactReasons) != 2 || len(got.Feedback) != 2 {
		t.Fatalf("GET evidence %+v", got)
	}
	// The idea shows the summary; its version did not move.
	var idea api.Idea
	r = e.do(http.MethodGet, "/api/v1/ideas/"+i.ID, e.viewer, nil).want(t, http.StatusOK)
	r.json(t, &idea)
	if idea.Evidence != wantSummary || idea.Version != 1 || r.Header.Get("ETag") != `"1"` {
		t.Fatalf("idea evidence %+v, version %d, ETag %s", idea.Evidence, idea.Version, r.Header.Get("ETag"))
	}
	// The list shows each idea's own.
	var list api.IdeaList
	e.do(http.MethodGet, "/api/v1/ideas?limit=10", e.viewer, nil).want(t, http.StatusOK).json(t, &list)
	for _, it := range list.Items {
		want := map[string]api.IdeaEvidence{i.ID: wantSummary, spare.ID: {}}[it.ID]
		if it.Evidence != want {
			t.Fatalf("listed %q with evidence %+v, want %+v", it.Title, it.Evidence, want)
		}
	}
	// Linking again changes nothing.
	e.do(http.MethodPost, path, e.editor, links([]string{where}, []string{older, older})).want(t, http.StatusOK).json(t, &ev)
	if ev.Summary != wantSummary {
		t.Fatalf("after linking again: %+v", ev.Summary)
	}

	ideaPath := func(id string) string { return "/api/v1/ideas/" + id + "/evidence" }
	unknown := domain.NewID()
	errs := []struct {
		name         string
		method, path string
		token        string
		body         any
		status       int
		pointers     []string
		headers      []string
	}{
		{"no key", http.MethodPost, path, "", links([]string{where}, nil), 401, nil, nil},
		{"viewer links", http.MethodPost, path, e.viewer, links([]string{where}, nil), 403, nil, nil},
		{"viewer unlinks a reason", http.MethodDelete, path + "/contact-reasons/" + where, e.viewer, nil, 403, nil, nil},
		{"viewer unlinks feedback", http.MethodDelete, path + "/feedback/" + older, e.viewer, nil, 403, nil, nil},
		{"another workspace links", http.MethodPost, path, e.other, links([]string{foreignReason}, []string{}), 404, nil, nil},
		{"another workspace reads", http.MethodGet, path, e.other, nil, 404, nil, nil},
		{"another workspace unlinks", http.MethodDelete, path + "/contact-reasons/" + where, e.other, nil, 404, nil, nil},
		{"unknown idea", http.MethodPost, ideaPath(unknown), e.editor, links([]string{where}, []string{}), 404, nil, nil},
		{"unknown idea, body incomplete", http.MethodPost, ideaPath(unknown), e.editor, `{}`, 404, nil, nil},
		{"unknown idea's evidence", http.MethodGet, ideaPath(unknown), e.viewer, nil, 404, nil, nil},
		{"malformed idea id", http.MethodGet, ideaPath("nope"), e.viewer, nil, 404, nil, nil},
		{"a reason of another workspace", http.MethodPost, path, e.editor, links([]string{where, foreignReason}, []string{}), 422, []string{"/contact_reason_ids/1"}, nil},
		{"feedback of another workspace", http.MethodPost, path, e.editor, links([]string{}, []string{foreignFeedback}), 422, []string{"/feedback_ids/0"}, nil},
		{"an unknown reason", http.MethodPost, path, e.editor, links([]string{unknown}, []string{}), 422, []string{"/contact_reason_ids/0"}, nil},
		{"not a UUID", http.MethodPost, path, e.editor, links([]string{}, []string{"42"}), 422, []string{"/feedback_ids/0"}, nil},
		{"nothing to link", http.MethodPost, path, e.editor, links([]string{}, []string{}), 422, []string{"/contact_reason_ids", "/feedback_ids"}, nil},
		{"both lists left out", http.MethodPost, path, e.editor, `{}`, 422, []string{"/contact_reason_ids", "/feedback_ids"}, nil},
		{"feedback_ids left out", http.MethodPost, path, e.editor, `{"contact_reason_ids":["` + where + `"]}`, 422, []string{"/feedback_ids"}, nil},
		{"null feedback_ids", http.MethodPost, path, e.editor, `{"contact_reason_ids":["` + where + `"],"feedback_ids":null}`, 422, []string{"/feedback_ids"}, nil},
		{"101 reasons", http.MethodPost, path, e.editor, links(slices.Repeat([]string{where}, 101), []string{}), 422, []string{"/contact_reason_ids"}, nil},
		{"an unknown field", http.MethodPost, path, e.editor, `{"contact_reason_ids":[],"feedback_ids":[],"reasons":[]}`, 400, nil, nil},
		{"malformed JSON", http.MethodPost, path, e.editor, `{"contact_reason_ids":[`, 400, nil, nil},
		{"ids that are not strings", http.MethodPost, path, e.editor, `{"contact_reason_ids":[1],"feedback_ids":[]}`, 400, nil, nil},
		{"a query parameter", http.MethodPost, path + "?dry_run=true", e.editor, links([]string{where}, []string{}), 400, nil, nil},
		{"a query parameter on GET", http.MethodGet, path + "?limit=5", e.viewer, nil, 400, nil, nil},
		{"not JSON", http.MethodPost, path, e.editor, "contact_reason_ids=" + where, 415, nil, []string{"Content-Type", "text/plain"}},
		{"unlink a reason never linked", http.MethodDelete, path + "/contact-reasons/" + never, e.editor, nil, 404, nil, nil},
		{"unlink a reason linked to another idea", http.MethodDelete, ideaPath(spare.ID) + "/contact-reasons/" + where, e.editor, nil, 404, nil, nil},
		{"unlink an unknown reason", http.MethodDelete, path + "/contact-reasons/" + unknown, e.editor, nil, 404, nil, nil},
		{"unlink a malformed reason id", http.MethodDelete, path + "/contact-reasons/nope", e.editor, nil, 404, nil, nil},
		{"unlink a reason's id as feedback", http.MethodDelete, path + "/feedback/" + where, e.editor, nil, 404, nil, nil},
		{"unlink another workspace's feedback", http.MethodDelete, path + "/feedback/" + foreignFeedback, e.editor, nil, 404, nil, nil},
		{"unlink from an unknown idea", http.MethodDelete, ideaPath(unknown) + "/feedback/" + older, e.editor, nil, 404, nil, nil},
	}
	for _, c := range errs {
		t.Run(c.name, func(t *testing.T) {
			p := e.do(c.method, c.path, c.token, c.body, c.headers...).problem(t, c.status)
			if c.pointers != nil && !slices.Equal(pointers(p), c.pointers) {
				t.Fatalf("errors %+v, want pointers %v", p.Errors, c.pointers)
			}
		})
	}
	// None of them changed anything.
	e.do(http.MethodGet, path, e.viewer, nil).want(t, http.StatusOK).json(t, &got)
	if got.Summary != wantSummary {
		t.Fatalf("after the refusals: %+v", got.Summary)
	}
	var spareEv api.Evidence
	e.do(http.MethodGet, ideaPath(spare.ID), e.viewer, nil).want(t, http.StatusOK).json(t, &spareEv)
	if spareEv.Summary != (api.IdeaEvidence{}) {
		t.Fatalf("the spare idea got evidence: %+v", spareEv)
	}

	// Unlink: 204, the summary follows, a second time 404.
	for _, u := range []string{path + "/contact-reasons/" + strings.ToUpper(where), path + "/feedback/" + older} {
		if r := e.do(http.MethodDelete, u, e.editor, nil).want(t, http.StatusNoContent); len(r.Body) != 0 {
			t.Fatalf("DELETE %s answered a body: %s", u, r.Body)
		}
		e.do(http.MethodDelete, u, e.editor, nil).problem(t, http.StatusNotFound)
	}
	e.do(http.MethodGet, path, e.viewer, nil).want(t, http.StatusOK).json(t, &got)
	if want := (api.IdeaEvidence{FeedbackCount: 1, ContactReasons: 1, ContactsPerMonth: 300.5}); got.Summary != want ||
		got.ContactReasons[0].ID != wrong || got.Feedback[0].ID != newer {
		t.Fatalf("after unlinking: %+v", got)
	}
	e.do(http.MethodGet, "/api/v1/ideas/"+i.ID, e.viewer, nil).want(t, http.StatusOK).json(t, &idea)
	if idea.Evidence != got.Summary || idea.Version != 1 {
		t.Fatalf("idea after unlinking: evidence %+v, version %d", idea.Evidence, idea.Version)
	}

	// The history names each change and who made it.
	var history api.HistoryList
	e.do(http.MethodGet, "/api/v1/ideas/"+i.ID+"/history", e.viewer, nil).want(t, http.StatusOK).json(t, &history)
	var news []string
	for _, h := range history.Items {
		if h.Field == "evidence" {
			news = append(news, h.New)
		}
	}
	wantNews := []string{ // newest first
		`unlinked feedback (survey, 2026-10-03) "I phoned three times to find out where my invoice went."`,
		"unlinked contact reason Where is my invoice?",
		`linked feedback (survey, 2026-10-05) "Unreadable"`,
		`linked feedback (survey, 2026-10-03) "I phoned three times to find out where my invoice went."`,
		"linked contact reason Where is my invoice?",
		"linked contact reason Wrong amount",
	}
	if !slices.Equal(news, wantNews) {
		t.Fatalf("evidence history\n got %q\nwant %q", news, wantNews)
	}
}

// sort=-contacts_per_month ranks the backlog by the volume each idea
// addresses, in the JSON list through every page size and in the CSV.
func TestIdeasSortedByContactsPerMonth(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	j := e.journey("Billing", "Invoice")
	invoice := e.touchpoint(j, "Invoice", "email", "Billing")
	big := e.evidenceReason(invoice, "Where is my invoice?", 900)
	small := e.evidenceReason(invoice, "Wrong amount", 100.5)
	tiny := e.evidenceReason(invoice, "Cannot pay", 0.25)
	// title: reasons linked; created in this order, so ties go to the older.
	ideas := []struct {
		title   string
		reasons []string
	}{
		{"No evidence A", nil},
		{"Small", []string{small}},
		{"Big and small", []string{big, small}},
		{"Big", []string{big}},
		{"No evidence B", nil},
		{"Also big and small", []string{small, big}},
		{"Tiny", []string{tiny}},
	}
	ids := map[string]string{}
	for _, it := range ideas {
		i := e.idea(it.title, 3, 3, 3, 0.5, invoice)
		ids[it.title] = i.ID
		if it.reasons != nil {
			e.do(http.MethodPost, "/api/v1/ideas/"+i.ID+"/evidence", e.editor, links(it.reasons, []string{})).want(t, http.StatusOK)
		}
	}
	var want []string
	for _, title := range []string{"Big and small", "Also big and small", "Big", "Small", "Tiny", "No evidence A", "No evidence B"} {
		want = append(want, ids[title])
	}
	for _, limit := range []int{1, 2, 3, 100} {
		if got := e.pageAll(t, "/api/v1/ideas", fmt.Sprintf("sort=-contacts_per_month&limit=%d", limit)); !slices.Equal(got, want) {
			t.Fatalf("limit %d: order %v, want %v", limit, got, want)
		}
	}
	// The volumes as the list shows them.
	var page api.IdeaList
	e.do(http.MethodGet, "/api/v1/ideas?sort=-contacts_per_month&limit=5", e.viewer, nil).want(t, http.StatusOK).json(t, &page)
	var volumes []float64
	for _, it := range page.Items {
		volumes = append(volumes, it.Evidence.ContactsPerMonth)
	}
	if wantVolumes := []float64{1000.5, 1000.5, 900, 100.5, 0.25}; !slices.Equal(volumes, wantVolumes) {
		t.Fatalf("volumes %v, want %v", volumes, wantVolumes)
	}
	// A cursor of this sort is refused under another.
	e.do(http.MethodGet, "/api/v1/ideas?sort=-priority&cursor="+url.QueryEscape(*page.NextCursor), e.viewer, nil).problem(t, http.StatusBadRequest)
	// Filters apply as ever.
	if got := e.pageAll(t, "/api/v1/ideas", "sort=-contacts_per_month&q=big&limit=1"); !slices.Equal(got, want[:3]) {
		t.Fatalf("searched: %v, want %v", got, want[:3])
	}
	// The CSV download in the same order.
	r := e.do(http.MethodGet, "/api/v1/ideas.csv?sort=-contacts_per_month", e.viewer, nil).want(t, http.StatusOK)
	rows, err := csv.NewReader(strings.NewReader(string(r.Body))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	idCol := slices.Index(rows[0], "id")
	var csvIDs []string
	for _, row := range rows[1:] {
		csvIDs = append(csvIDs, row[idCol])
	}
	if !slices.Equal(csvIDs, want) {
		t.Fatalf("CSV order %v, want %v", csvIDs, want)
	}
}
