package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"cxbacklog/domain"
	"cxbacklog/repository/pgtest"

	"github.com/PuerkitoBio/goquery"
)

// ideaStored stores a scored idea in workspace ws as actor "seed".
func (s *site) ideaStored(ws string, i domain.Idea) *domain.Idea {
	s.t.Helper()
	ctx := context.Background()
	i.WorkspaceID, i.Status = ws, domain.StatusNew
	if i.Tags == nil {
		i.Tags = []string{}
	}
	if err := i.Validate(); err != nil {
		s.t.Fatal(err)
	}
	if err := s.store.CreateIdea(ctx, &i, "seed"); err != nil {
		s.t.Fatal(err)
	}
	return &i
}

// ideaNow is the idea as stored.
func (s *site) ideaNow(id string) *domain.Idea {
	s.t.Helper()
	i, err := s.store.GetIdea(context.Background(), s.wsID, id)
	if err != nil {
		s.t.Fatal(err)
	}
	return i
}

// ideaHistory is the idea's whole history, newest first.
func (s *site) ideaHistory(id string) []domain.HistoryEntry {
	s.t.Helper()
	h, _, err := s.store.IdeaHistory(context.Background(), s.wsID, id, 0, domain.MaxPageSize)
	if err != nil {
		s.t.Fatal(err)
	}
	return h
}

// ideaChange changes a stored idea as actor.
func (s *site) ideaChange(id, actor string, change func(*domain.Idea)) *domain.Idea {
	s.t.Helper()
	i, err := s.store.UpdateIdea(context.Background(), s.wsID, id, s.ideaNow(id).Version, actor, func(i *domain.Idea) error {
		change(i)
		return nil
	})
	if err != nil {
		s.t.Fatal(err)
	}
	return i
}

// ideaFormValues is what a browser would send for form as the page shows
// it: hidden and text inputs, ticked boxes, textareas (line breaks as
// CRLF, as browsers send them) and the selected options.
func ideaFormValues(form *goquery.Selection) url.Values {
	v := url.Values{}
	form.Find("input, textarea, select").Each(func(_ int, el *goquery.Selection) {
		name, ok := el.Attr("name")
		if !ok {
			return
		}
		switch goquery.NodeName(el) {
		case "textarea":
			v.Add(name, strings.ReplaceAll(el.Text(), "\n", "\r\n"))
		case "select":
			opt := el.Find("option[selected]")
			if opt.Length() == 0 {
				opt = el.Find("option")
			}
			v.Add(name, opt.First().AttrOr("value", ""))
		default:
			if typ := el.AttrOr("type", "text"); (typ == "checkbox" || typ == "radio") && !el.Is("[checked]") {
				return
			}
			v.Add(name, el.AttrOr("value", ""))
		}
	})
	return v
}

// ideaSeen is the text of the dd after the dt named label.
func ideaFact(doc *goquery.Document, label string) string {
	var out string
	doc.Find("dl.idea-facts dt").Each(func(_ int, dt *goquery.Selection) {
		if text(dt) == label {
			out = text(dt.Next())
		}
	})
	return out
}

func TestIdeaPageExplainsTheIdea(t *testing.T) {
	t.Parallel()
	s := newSite(t)
	queue, chat := s.touchpoint("Phone queue"), s.touchpoint("Chat")
	i := s.ideaStored(s.wsID, domain.Idea{Title: "Headsets for agents", Problem: "Customers hear the room.\nThey hang up.",
		Proposal: "Noise-cancelling headsets.", TouchpointIDs: []string{queue, chat}, Impact: 4, Experience: 2, Effort: 3,
		Confidence: 0.4, Owner: "Contact centre", Tags: []string{"noise", "agents"}, Source: domain.SourceEmployee})
	s.ideaChange(i.ID, "Ana", func(i *domain.Idea) { i.Status = domain.StatusUnderReview })
	i = s.ideaChange(i.ID, "Bo", func(i *domain.Idea) { i.Owner = "CX team" })
	pilot := &domain.Pilot{WorkspaceID: s.wsID, IdeaID: i.ID, Title: "Headsets for team B", Hypothesis: "Fewer hang-ups",
		ConfidenceLevel: domain.DefaultConfidenceLevel, Status: domain.PilotPlanned}
	if err := (domain.PilotActions{Store: s.store}).Create(context.Background(), pilot); err != nil {
		t.Fatal(err)
	}

	viewer := s.signIn(domain.RoleViewer)
	doc := viewer.page("/ideas/"+i.ID, http.StatusOK)
	if got := text(doc.Find("main h1")); got != "Headsets for agents" {
		t.Errorf("heading %q", got)
	}
	for label, want := range map[string]string{"Status": "under review", "Owner": "CX team", "Source": "employee",
		"Tags": "noise, agents", "Touchpoints": "Phone queue Chat", "Last changed": "(version 3)"} {
		if got := ideaFact(doc, label); !strings.Contains(got, want) {
			t.Errorf("%s: %q, want %q", label, got, want)
		}
	}
	if doc.Find(`dl.idea-facts a[href="/touchpoints/`+queue+`"]`).Length() != 1 || doc.Find(`dl.idea-facts a[href="/touchpoints/`+chat+`"]`).Length() != 1 {
		t.Error("the touchpoints are not linked")
	}
	if got := text(doc.Find(".idea-text").First()); got != "Customers hear the room. They hang up." {
		t.Errorf("problem %q", got)
	}

	// The score explained: the numbers, the formula, the reason in words,
	// and each scale's value with the anchors it lies at or between.
	if got := text(doc.Find("code.idea-explanation")); got != i.Score.Explanation {
		t.Errorf("explanation %q, want %q", got, i.Score.Explanation)
	}
	if got := text(doc.Find("p.why")); got != i.WhyRanked() || !strings.Contains(got, "Confidence is low") {
		t.Errorf("why ranked %q, want %q", got, i.WhyRanked())
	}
	scales := map[string]string{}
	doc.Find("table.idea-scales tbody tr").Each(func(_ int, tr *goquery.Selection) {
		scales[strings.Fields(text(tr.Find("th")))[0]] = text(tr.Find("td").First()) + " | " + text(tr.Find("td").Last())
	})
	anchors := map[string]domain.ScaleAnchors{}
	for _, a := range domain.Scales {
		anchors[a.Scale] = a
	}
	for scale, want := range map[string]string{
		"Impact":     "4 of 5 | between 3 “" + anchors["impact"].Mid + "” and 5 “" + anchors["impact"].High + "”",
		"Experience": "2 of 5 | between 1 “" + anchors["experience"].Low + "” and 3 “" + anchors["experience"].Mid + "”",
		"Effort":     "3 of 5 | " + anchors["effort"].Mid,
	} {
		if scales[scale] != want {
			t.Errorf("%s row %q, want %q", scale, scales[scale], want)
		}
	}
	if !strings.HasPrefix(scales["Confidence"], "0.4 |") {
		t.Errorf("confidence row %q", scales["Confidence"])
	}
	if got := text(doc.Find(".idea-head")); !strings.Contains(got, "Priority "+strconv.FormatFloat(i.Score.Priority, 'f', -1, 64)+" of 100") ||
		!strings.Contains(got, "Big bet") {
		t.Errorf("score line %q (priority %v, %s)", got, i.Score.Priority, i.Score.Quadrant)
	}

	// History newest first, with who and when; the pilot linked.
	var rows []string
	doc.Find("table.idea-history tbody tr").Each(func(_ int, tr *goquery.Selection) {
		rows = append(rows, text(tr.Find("td").First())+": "+text(tr.Find("td").Last()))
		if _, ok := tr.Find("th[scope=row] time").Attr("datetime"); !ok {
			t.Errorf("history row %q has no time", text(tr))
		}
	})
	if want := "Bo: Owner: Contact centre → CX team|Ana: Status: new → under review|seed: Created as “Headsets for agents”"; strings.Join(rows, "|") != want {
		t.Errorf("history\n%s\nwant\n%s", strings.Join(rows, "|"), want)
	}
	if a := doc.Find(`#pilots ~ .table-wrap a[href="/pilots/` + pilot.ID + `"]`); text(a) != "Headsets for team B" {
		t.Errorf("pilot link %q", text(a))
	}

	// A viewer reads the allowed moves but gets no form or edit link.
	if n := doc.Find("main form").Length(); n != 0 {
		t.Errorf("a viewer sees %d forms", n)
	}
	if doc.Find(`a[href="/ideas/`+i.ID+`/edit"]`).Length() != 0 {
		t.Error("a viewer is offered to edit")
	}
	if got := text(doc.Find("#status + p")); !strings.Contains(got, "It can move to planned, rejected, parked") {
		t.Errorf("status for a viewer %q", got)
	}

	// Unknown, malformed, or another workspace's: not found.
	otherWS, _ := pgtest.Workspace(t, s.store, "globex", domain.RoleAdmin)
	j := &domain.Journey{WorkspaceID: otherWS, Name: "Theirs", Stages: []domain.Stage{{ID: domain.NewID(), Name: "Stage"}}}
	if err := s.store.CreateJourney(context.Background(), j); err != nil {
		t.Fatal(err)
	}
	tp := &domain.Touchpoint{WorkspaceID: otherWS, JourneyID: j.ID, StageID: j.Stages[0].ID, Name: "Their queue", Channel: domain.ChannelPhone}
	if err := s.store.CreateTouchpoint(context.Background(), tp); err != nil {
		t.Fatal(err)
	}
	theirs := s.ideaStored(otherWS, domain.Idea{Title: "Their idea", TouchpointIDs: []string{tp.ID}, Impact: 3, Experience: 3, Effort: 3, Confidence: 0.5})
	for _, id := range []string{theirs.ID, domain.NewID(), "not-an-id"} {
		nf := viewer.page("/ideas/"+id, http.StatusNotFound)
		if strings.Contains(nf.Text(), "Their idea") || nf.Find("[role=alert]").Length() != 1 {
			t.Errorf("/ideas/%s: %q", id, text(nf.Find("main")))
		}
	}
}

func TestIdeaHistoryPages(t *testing.T) {
	t.Parallel()
	s := newSite(t)
	i := s.ideaStored(s.wsID, domain.Idea{Title: "v0", TouchpointIDs: []string{s.touchpoint("Queue")}, Impact: 3, Experience: 3, Effort: 3, Confidence: 0.5})
	for n := 1; n <= 24; n++ {
		s.ideaChange(i.ID, "Ana", func(i *domain.Idea) { i.Title = "v" + strconv.Itoa(n) })
	}
	b := s.signIn(domain.RoleViewer)
	doc := b.page("/ideas/"+i.ID, http.StatusOK)
	first := doc.Find("table.idea-history tbody tr")
	if first.Length() != 20 || !strings.Contains(text(first.First()), "Title: v23 → v24") {
		t.Fatalf("first page: %d rows, newest %q", first.Length(), text(first.First()))
	}
	next, ok := doc.Find(`a[rel=next]`).Attr("href")
	if !ok {
		t.Fatal("no link to older changes")
	}
	older := b.page(next, http.StatusOK).Find("table.idea-history tbody tr")
	if older.Length() != 5 || !strings.Contains(text(older.First()), "Title: v3 → v4") || !strings.Contains(text(older.Last()), "Created") {
		t.Fatalf("older page: %d rows, %q … %q", older.Length(), text(older.First()), text(older.Last()))
	}
	b.page("/ideas/"+i.ID+"?before=x", http.StatusBadRequest)
}

func TestIdeaCreate(t *testing.T) {
	t.Parallel()
	s := newSite(t)
	queue, chat := s.touchpoint("Phone queue"), s.touchpoint("Chat")
	ctx := context.Background()
	// The workspace's own weights score the new idea.
	_, version, err := s.store.GetScoring(ctx, s.wsID)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.store.UpdateScoring(ctx, s.wsID, version, domain.Scoring{WeightImpact: 3, WeightExperience: 1, ValueThreshold: 3, EffortThreshold: 2}); err != nil {
		t.Fatal(err)
	}
	b := s.signIn(domain.RoleEditor)
	doc := b.page("/ideas/new", http.StatusOK)
	form := doc.Find(`form[action="/ideas"]`)
	if form.Length() != 1 || form.Find(`input[name=csrf]`).Length() != 1 {
		t.Fatal("no create form with the CSRF token")
	}
	form.Find("input:not([type=hidden]), textarea, select").Each(func(_ int, el *goquery.Selection) {
		if id := el.AttrOr("id", ""); id == "" || doc.Find(`label[for="`+id+`"]`).Length() != 1 {
			t.Errorf("input %s (id %q) has no label", el.AttrOr("name", "?"), id)
		}
	})
	if n := form.Find(`input[name=touchpoint_ids][type=checkbox]`).Length(); n != 2 {
		t.Errorf("%d touchpoints to choose from, want 2", n)
	}
	for _, a := range domain.Scales {
		radios := form.Find(`fieldset#` + a.Scale + ` input[type=radio][name=` + a.Scale + `]`)
		if radios.Length() != 5 {
			t.Errorf("%s: %d radios", a.Scale, radios.Length())
		}
		if got := text(doc.Find(`label[for=` + a.Scale + `-5]`)); got != "5 "+a.High {
			t.Errorf("%s 5 reads %q, want its anchor %q", a.Scale, got, a.High)
		}
	}

	// Invalid: every field at fault named next to its input, what was
	// typed kept.
	bad := url.Values{"title": {"  "}, "owner": {"Contact centre"}, "impact": {"4"}, "experience": {"9"}, "confidence": {"lots"},
		"tags": {"noise, Noise"}, "problem": {"Loud\r\nroom"}}
	doc = b.parse(b.submit("/ideas", bad), http.StatusUnprocessableEntity)
	for field, want := range map[string]string{"title": "must not be empty", "touchpoint_ids": "at least one touchpoint",
		"experience": "between 1 and 5", "effort": "between 1 and 5", "confidence": "between 0 and 1", "tags": "tag “Noise” is listed more than once"} {
		if got := text(doc.Find("#" + field + "-error")); !strings.Contains(got, want) {
			t.Errorf("%s error %q, want %q", field, got, want)
		}
	}
	if doc.Find("#owner-error, #impact-error, #problem-error").Length() != 0 {
		t.Error("valid fields are marked as errors")
	}
	if doc.Find(`#title[aria-invalid=true][aria-describedby=title-error]`).Length() != 1 {
		t.Error("the title input is not tied to its error")
	}
	if doc.Find("[role=alert] li").Length() != 6 {
		t.Errorf("error summary: %q", text(doc.Find("[role=alert]")))
	}
	if v, _ := doc.Find("#owner").Attr("value"); v != "Contact centre" || !doc.Find("#impact-4").Is("[checked]") ||
		doc.Find("#confidence").AttrOr("value", "") != "lots" || doc.Find("#problem").Text() != "Loud\nroom" {
		t.Error("the form did not keep what was typed")
	}
	if list, _, _ := s.store.ListIdeas(ctx, s.wsID, domain.IdeaFilter{}, nil, 10); len(list) != 0 {
		t.Fatalf("an invalid idea was stored: %+v", list)
	}

	// Another workspace's touchpoint is named as the store names it.
	doc = b.parse(b.submit("/ideas", url.Values{"title": {"T"}, "touchpoint_ids": {domain.NewID()}, "impact": {"1"}, "experience": {"1"}, "effort": {"1"}}),
		http.StatusUnprocessableEntity)
	if got := text(doc.Find("#touchpoint_ids-error")); !strings.Contains(got, "in this workspace") {
		t.Errorf("unknown touchpoint: %q", got)
	}

	good := url.Values{"title": {"Headsets"}, "problem": {"Loud\r\nroom"}, "touchpoint_ids": {queue, chat}, "impact": {"5"},
		"experience": {"1"}, "effort": {"2"}, "confidence": {"0,8"}, "owner": {"Contact centre"}, "tags": {" noise , agents,"},
		"source": {"research"}}
	r := b.submit("/ideas", good)
	loc := r.Header.Get("Location")
	if r.StatusCode != http.StatusSeeOther || !strings.HasPrefix(loc, "/ideas/") {
		t.Fatalf("create: %d to %q", r.StatusCode, loc)
	}
	i := s.ideaNow(strings.TrimPrefix(loc, "/ideas/"))
	want := domain.Scoring{WeightImpact: 3, WeightExperience: 1, ValueThreshold: 3, EffortThreshold: 2}.Score(5, 1, 2, 0.8)
	if i.Title != "Headsets" || i.Problem != "Loud\nroom" || len(i.TouchpointIDs) != 2 || i.Confidence != 0.8 || i.Status != domain.StatusNew ||
		strings.Join(i.Tags, "|") != "noise|agents" || i.Source != domain.SourceResearch || i.Score != want {
		t.Fatalf("stored %+v, score want %+v", i, want)
	}
	if h := s.ideaHistory(i.ID); len(h) != 1 || h[0].Field != "created" || h[0].Actor != "editor key" {
		t.Errorf("history %+v", h)
	}
	if got := text(b.page(loc, http.StatusOK).Find("main h1")); got != "Headsets" {
		t.Errorf("after create: %q", got)
	}
}

func TestIdeaEdit(t *testing.T) {
	t.Parallel()
	s := newSite(t)
	queue, chat := s.touchpoint("Phone queue"), s.touchpoint("Chat")
	i := s.ideaStored(s.wsID, domain.Idea{Title: "Headsets", Problem: "Loud\nroom", TouchpointIDs: []string{queue}, Impact: 4, Experience: 2,
		Effort: 3, Confidence: 0.4, Owner: "Contact centre", Tags: []string{"noise"}})
	b := s.signIn(domain.RoleEditor)
	doc := b.page("/ideas/"+i.ID, http.StatusOK)
	if href, _ := doc.Find(`main a.button[href$="/edit"]`).Attr("href"); href != "/ideas/"+i.ID+"/edit" {
		t.Fatalf("edit link %q", href)
	}
	doc = b.page("/ideas/"+i.ID+"/edit", http.StatusOK)
	form := doc.Find(`form[action="/ideas/` + i.ID + `"]`)
	if form.Find(`input[name=version]`).AttrOr("value", "") != "1" || !form.Find("#effort-3").Is("[checked]") ||
		!form.Find("#tp-"+queue).Is("[checked]") || form.Find("#tp-"+chat).Is("[checked]") || form.Find("#title").AttrOr("value", "") != "Headsets" {
		t.Fatal("the edit form does not hold the idea and its version")
	}
	v := ideaFormValues(form)

	// Invalid: 422 with the fields named, the version it was based on kept.
	bad := ideaFormValues(form)
	bad.Set("confidence", "2")
	doc = b.parse(b.submit("/ideas/"+i.ID, bad), http.StatusUnprocessableEntity)
	if got := text(doc.Find("#confidence-error")); !strings.Contains(got, "between 0 and 1") ||
		doc.Find(`input[name=version]`).AttrOr("value", "") != "1" || doc.Find(`input[name=base_title]`).AttrOr("value", "") != "Headsets" {
		t.Fatalf("invalid edit: error %q", got)
	}

	v.Set("title", "Headsets for agents")
	v.Set("effort", "2")
	v.Add("touchpoint_ids", chat)
	if r := b.submit("/ideas/"+i.ID, v); r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != "/ideas/"+i.ID {
		t.Fatalf("edit: %d to %q", r.StatusCode, r.Header.Get("Location"))
	}
	after := s.ideaNow(i.ID)
	if after.Title != "Headsets for agents" || after.Effort != 2 || len(after.TouchpointIDs) != 2 || after.Version != 2 ||
		after.Problem != "Loud\nroom" || after.Score.Priority <= i.Score.Priority {
		t.Fatalf("after the edit: %+v", after)
	}
	// Only what changed is in the history (the problem sent with CRLF is
	// the same problem), with the key's name.
	var fields []string
	for _, h := range s.ideaHistory(i.ID) {
		if h.Field != "created" {
			fields = append(fields, h.Field+" by "+h.Actor)
		}
	}
	if got := strings.Join(fields, ", "); got != "priority by editor key, effort by editor key, touchpoint_ids by editor key, title by editor key" {
		t.Errorf("history: %s", got)
	}
}

// Two people edit the same version: the second sees what the first
// changed next to their own change, nothing of the first is overwritten,
// and the second can save their changes on top.
func TestIdeaConcurrentEdit(t *testing.T) {
	t.Parallel()
	s := newSite(t)
	queue := s.touchpoint("Phone queue")
	i := s.ideaStored(s.wsID, domain.Idea{Title: "Headsets", TouchpointIDs: []string{queue}, Impact: 4, Experience: 2, Effort: 3,
		Confidence: 0.4, Owner: "Contact centre", Tags: []string{"noise"}})
	ana, bo := s.signIn(domain.RoleEditor), s.signIn(domain.RoleAdmin)
	formOf := func(b *browser) url.Values {
		return ideaFormValues(b.page("/ideas/"+i.ID+"/edit", http.StatusOK).Find(`form[action="/ideas/` + i.ID + `"]`))
	}
	anaForm, boForm := formOf(ana), formOf(bo)

	anaForm.Set("title", "Headsets for agents")
	anaForm.Set("effort", "2")
	if r := ana.submit("/ideas/"+i.ID, anaForm); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("first save: %d", r.StatusCode)
	}
	boForm.Set("owner", "CX team")
	boForm.Set("effort", "4")
	doc := bo.parse(bo.submit("/ideas/"+i.ID, boForm), http.StatusConflict)

	rows := map[string][]string{}
	doc.Find("table.idea-conflict tbody tr").Each(func(_ int, tr *goquery.Selection) {
		rows[strings.Fields(text(tr.Find("th")))[0]] = []string{text(tr.Find("td.base")), text(tr.Find("td.theirs")), text(tr.Find("td.yours")), tr.AttrOr("class", "")}
	})
	want := map[string][]string{
		"Title":  {"Headsets", "Headsets for agents", "unchanged", ""},
		"Effort": {"3", "2", "4", "both"},
		"Owner":  {"Contact centre", "unchanged", "CX team", ""},
	}
	for field, w := range want {
		if strings.Join(rows[field], "|") != strings.Join(w, "|") {
			t.Errorf("conflict row %s: %q, want %q", field, rows[field], w)
		}
	}
	if len(rows) != len(want) {
		t.Errorf("conflict rows %q", rows)
	}
	if got := text(doc.Find("[role=alert]")); !strings.Contains(got, "last changed by editor key") || !strings.Contains(got, "Nothing was overwritten") {
		t.Errorf("conflict notice %q", got)
	}
	now := s.ideaNow(i.ID)
	if now.Title != "Headsets for agents" || now.Owner != "Contact centre" || now.Effort != 2 || now.Version != 2 {
		t.Fatalf("the conflict wrote: %+v", now)
	}

	// The form offered is the current version with Bo's changes on it.
	form := doc.Find(`form[action="/ideas/` + i.ID + `"]`)
	again := ideaFormValues(form)
	if again.Get("version") != "2" || again.Get("title") != "Headsets for agents" || again.Get("owner") != "CX team" || again.Get("effort") != "4" {
		t.Fatalf("re-apply form %v", again)
	}
	if href := doc.Find(`a[href="/ideas/` + i.ID + `"]`).Length(); href == 0 {
		t.Error("no way to discard the changes")
	}
	// Sending the stale form again still writes nothing.
	bo.parse(bo.submit("/ideas/"+i.ID, boForm), http.StatusConflict)
	if s.ideaNow(i.ID).Version != 2 {
		t.Fatal("a stale form was saved")
	}

	if r := bo.submit("/ideas/"+i.ID, again); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("re-apply: %d", r.StatusCode)
	}
	now = s.ideaNow(i.ID)
	if now.Title != "Headsets for agents" || now.Owner != "CX team" || now.Effort != 4 || now.Version != 3 {
		t.Fatalf("after re-applying: %+v", now)
	}
	var who []string
	for _, h := range s.ideaHistory(i.ID) {
		if h.Field == "title" || h.Field == "owner" || h.Field == "effort" {
			who = append(who, h.Field+" "+h.Old+"→"+h.New+" by "+h.Actor)
		}
	}
	if got := strings.Join(who, ", "); got != "owner Contact centre→CX team by admin key, effort 2→4 by admin key, effort 3→2 by editor key, title Headsets→Headsets for agents by editor key" {
		t.Errorf("history: %s", got)
	}
}

func TestIdeaStatusMoves(t *testing.T) {
	t.Parallel()
	s := newSite(t)
	i := s.ideaStored(s.wsID, domain.Idea{Title: "Headsets", TouchpointIDs: []string{s.touchpoint("Queue")}, Impact: 4, Experience: 2, Effort: 3, Confidence: 0.5})
	b := s.signIn(domain.RoleEditor)
	moves := func(doc *goquery.Document) string {
		var to []string
		doc.Find(`form[action="/ideas/` + i.ID + `/status"]`).Each(func(_ int, f *goquery.Selection) {
			if f.Find("input[name=csrf]").Length() != 1 || f.Find("input[name=version]").Length() != 1 {
				t.Error("a move form without its token or version")
			}
			to = append(to, f.Find("input[name=to]").AttrOr("value", "")+"="+text(f.Find("button")))
		})
		return strings.Join(to, ", ")
	}
	if got := moves(b.page("/ideas/"+i.ID, http.StatusOK)); got != "under_review=Move to under review, rejected=Move to rejected, parked=Move to parked" {
		t.Fatalf("moves from new: %s", got)
	}
	r := b.submit("/ideas/"+i.ID+"/status", url.Values{"to": {"under_review"}, "version": {"1"}})
	if r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != "/ideas/"+i.ID {
		t.Fatalf("move: %d to %q", r.StatusCode, r.Header.Get("Location"))
	}
	doc := b.page("/ideas/"+i.ID, http.StatusOK)
	if got := moves(doc); got != "planned=Move to planned, rejected=Move to rejected, parked=Move to parked" {
		t.Errorf("moves from under review: %s", got)
	}
	if got := text(doc.Find("table.idea-history tbody tr").First()); !strings.Contains(got, "editor key Status: new → under review") {
		t.Errorf("newest history row %q", got)
	}
	if h := s.ideaHistory(i.ID); h[0].Field != "status" || h[0].Actor != "editor key" || h[0].New != "under_review" {
		t.Errorf("history %+v", h[0])
	}

	// A move the workflow refuses: 409 naming the allowed ones, nothing written.
	doc = b.parse(b.submit("/ideas/"+i.ID+"/status", url.Values{"to": {"adopted"}, "version": {"2"}}), http.StatusConflict)
	if got := text(doc.Find("[role=alert]")); !strings.Contains(got, "allowed: planned, rejected, parked") {
		t.Errorf("refused move says %q", got)
	}
	// A stale page: 412, nothing written, the page as it is now.
	doc = b.parse(b.submit("/ideas/"+i.ID+"/status", url.Values{"to": {"rejected"}, "version": {"1"}}), http.StatusPreconditionFailed)
	if got := text(doc.Find("[role=alert]")); !strings.Contains(got, "someone changed this idea") || moves(doc) == "" {
		t.Errorf("stale move says %q", got)
	}
	b.parse(b.submit("/ideas/"+i.ID+"/status", url.Values{"to": {"done"}, "version": {"2"}}), http.StatusUnprocessableEntity)
	if now := s.ideaNow(i.ID); now.Status != domain.StatusUnderReview || now.Version != 2 {
		t.Fatalf("refused moves wrote: %s v%d", now.Status, now.Version)
	}

	// Adopted is final: no buttons.
	for _, to := range []string{"planned", "adopted"} {
		v := strconv.Itoa(s.ideaNow(i.ID).Version)
		if r := b.submit("/ideas/"+i.ID+"/status", url.Values{"to": {to}, "version": {v}}); r.StatusCode != http.StatusSeeOther {
			t.Fatalf("move to %s: %d", to, r.StatusCode)
		}
	}
	doc = b.page("/ideas/"+i.ID, http.StatusOK)
	if got := moves(doc); got != "" || !strings.Contains(text(doc.Find("#status + p")), "final") {
		t.Errorf("adopted: moves %q, %q", got, text(doc.Find("#status + p")))
	}
}

// A viewer sees no form, and the server refuses their writes anyway.
func TestIdeaFormsRefuseViewers(t *testing.T) {
	t.Parallel()
	s := newSite(t)
	queue := s.touchpoint("Queue")
	i := s.ideaStored(s.wsID, domain.Idea{Title: "Headsets", TouchpointIDs: []string{queue}, Impact: 4, Experience: 2, Effort: 3, Confidence: 0.5})
	viewer := s.signIn(domain.RoleViewer)
	doc := viewer.page("/ideas/"+i.ID, http.StatusOK)
	if doc.Find("main form, main button").Length() != 0 || doc.Find(`a[href$="/edit"]`).Length() != 0 {
		t.Fatal("a viewer sees forms or an edit link")
	}
	viewer.page("/ideas/new", http.StatusForbidden)
	viewer.page("/ideas/"+i.ID+"/edit", http.StatusForbidden)

	valid := url.Values{"title": {"Mine"}, "touchpoint_ids": {queue}, "impact": {"5"}, "experience": {"5"}, "effort": {"1"}, "version": {"1"}, "to": {"rejected"}}
	for _, path := range []string{"/ideas", "/ideas/" + i.ID, "/ideas/" + i.ID + "/status"} {
		doc := viewer.parse(viewer.submit(path, valid), http.StatusForbidden)
		if !strings.Contains(text(doc.Find("[role=alert]")), "editor role") {
			t.Errorf("%s: %q", path, text(doc.Find("[role=alert]")))
		}
	}
	if list, _, _ := s.store.ListIdeas(context.Background(), s.wsID, domain.IdeaFilter{}, nil, 10); len(list) != 1 {
		t.Errorf("%d ideas after a viewer's create", len(list))
	}
	if now := s.ideaNow(i.ID); now.Version != 1 || now.Title != "Headsets" || now.Status != domain.StatusNew || len(s.ideaHistory(i.ID)) != 1 {
		t.Errorf("a viewer's post wrote: %+v", now)
	}
}

func TestIdeaPageShowsTheBusinessCase(t *testing.T) {
	t.Parallel()
	s := newSite(t)
	tp := s.touchpoint("Phone conversation")
	var catalogue struct{ Items []struct{ ID, Key string } }
	s.pilotAPI(domain.RoleViewer, http.MethodGet, "/metrics", "", http.StatusOK, &catalogue)
	var aht string
	for _, c := range catalogue.Items {
		if c.Key == "aht" {
			aht = c.ID
		}
	}
	var driver struct{ ID string }
	s.pilotAPI(domain.RoleEditor, http.MethodPost, "/value-drivers", fmt.Sprintf(
		`{"touchpoint_id":%q,"metric_id":%q,"unit_value":0.015,"exposure_per_year":120000,"exposure_unit":"calls"}`, tp, aht),
		http.StatusCreated, &driver)
	var withCase, without struct{ ID string }
	s.pilotAPI(domain.RoleEditor, http.MethodPost, "/ideas", fmt.Sprintf(`{"title":"Headsets","touchpoint_ids":[%q],
		"impact":4,"experience":4,"effort":3,"one_off_cost":20000,"annual_running_cost":6000,
		"expected_improvements":[{"value_driver_id":%q,"improvement":23}]}`, tp, driver.ID), http.StatusCreated, &withCase)
	s.pilotAPI(domain.RoleEditor, http.MethodPost, "/ideas", fmt.Sprintf(`{"title":"Hold music","touchpoint_ids":[%q],
		"impact":2,"experience":2,"effort":1}`, tp), http.StatusCreated, &without)

	b := s.signIn(domain.RoleViewer)
	doc := b.page("/ideas/"+withCase.ID, http.StatusOK)
	facts := map[string]string{}
	doc.Find("dl.idea-money dt").Each(func(_ int, dt *goquery.Selection) { facts[text(dt)] = text(dt.Next()) })
	// 23 s × 0.015 × 120,000 = 41,400; net 41,400 − 6,000; payback 20,000 ÷ (35,400 ÷ 12);
	// ROI (41,400 − 6,000 − 20,000) ÷ (20,000 + 6,000).
	for fact, want := range map[string]string{
		"Expected value": "41,400 EUR a year", "Running cost": "6,000 EUR a year", "Net value": "35,400 EUR a year",
		"One-off cost": "20,000 EUR", "Payback": "6.78 months", "First-year ROI": "59.23 %",
	} {
		if facts[fact] != want {
			t.Errorf("%s = %q, want %q (all: %v)", fact, facts[fact], want, facts)
		}
	}
	if got := text(doc.Find("#money ~ p code.idea-explanation")); !strings.Contains(got, "23 × 0.015 × 120,000 calls = 41,400") {
		t.Errorf("explanation = %q", got)
	}

	doc = b.page("/ideas/"+without.ID, http.StatusOK)
	if doc.Find("dl.idea-money").Length() != 0 || !strings.Contains(text(doc.Find("#money").Next()), "No business case yet") {
		t.Errorf("an idea without a case: %q", text(doc.Find("#money").Next()))
	}
}
