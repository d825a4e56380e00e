package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"cxbacklog/domain"

	"github.com/PuerkitoBio/goquery"
)

// pilotAPI sends a JSON request to the API with the key of role, checks
// the status and decodes the answer into out (if not nil).
func (s *site) pilotAPI(role domain.Role, method, path, body string, want int, out any) {
	s.t.Helper()
	var r io.Reader
	if body != "" {
		r = strings.NewReader(body)
	}
	req, _ := http.NewRequest(method, s.srv.URL+"/api/v1"+path, r)
	req.Header.Set("Authorization", "Bearer "+s.keys[role])
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		s.t.Fatal(err)
	}
	defer res.Body.Close()
	data, _ := io.ReadAll(res.Body)
	if res.StatusCode != want {
		s.t.Fatalf("%s %s: %d, want %d\n%s", method, path, res.StatusCode, want, data)
	}
	if out != nil {
		if err := json.NewDecoder(bytes.NewReader(data)).Decode(out); err != nil {
			s.t.Fatal(err)
		}
	}
}

// pilotRef is what the tests read back of a pilot from the API.
type pilotRef struct {
	ID       string  `json:"id"`
	IdeaID   string  `json:"idea_id"`
	Status   string  `json:"status"`
	Decision *string `json:"decision"`
	Version  int     `json:"version"`
}

// pilotFixture is a pilot planned through the API, of an idea (status
// ideaStatus, at a touchpoint) stored with the given title.
func (s *site) pilotFixture(title, ideaTitle string, ideaStatus domain.IdeaStatus, touchpoint string) pilotRef {
	s.t.Helper()
	ctx := context.Background()
	sc, _, err := s.store.GetScoring(ctx, s.wsID)
	if err != nil {
		s.t.Fatal(err)
	}
	i := &domain.Idea{ID: domain.NewID(), WorkspaceID: s.wsID, Title: ideaTitle, TouchpointIDs: []string{touchpoint},
		Impact: 4, Experience: 5, Effort: 2, Confidence: 0.5, Status: ideaStatus}
	i.Rescore(sc)
	if err := s.store.CreateIdea(ctx, i, "test"); err != nil {
		s.t.Fatal(err)
	}
	var p pilotRef
	s.pilotAPI(domain.RoleEditor, http.MethodPost, "/pilots", fmt.Sprintf(`{"idea_id":%q,"title":%q,"hypothesis":"Agents who hear callers finish calls sooner","scope":"Team B, inbound billing calls","owner":"Contact centre","start_date":"2026-09-01","end_date":"2026-11-30"}`,
		i.ID, title), http.StatusCreated, &p)
	return p
}

// pilotMetrics adds handle time (mean, primary) and CSAT (proportion) to p
// with the four samples each: the headset example of the API's tests.
func (s *site) pilotMetrics(p pilotRef) {
	s.t.Helper()
	for _, m := range []struct {
		body    string
		samples []string
	}{
		{`{"name":"Average handle time","unit":"seconds","kind":"mean","direction":"lower_is_better","primary":true}`,
			[]string{`{"n":400,"mean":320,"sd":75}`, `{"n":410,"mean":290,"sd":70}`, `{"n":420,"mean":318,"sd":76}`, `{"n":415,"mean":316,"sd":74}`}},
		{`{"name":"CSAT satisfied","kind":"proportion","direction":"higher_is_better","guardrail":true}`,
			[]string{`{"n":400,"successes":300}`, `{"n":410,"successes":360}`, `{"n":420,"successes":315}`, `{"n":415,"successes":312}`}},
	} {
		var metric struct{ ID string }
		s.pilotAPI(domain.RoleEditor, http.MethodPost, "/pilots/"+p.ID+"/metrics", m.body, http.StatusCreated, &metric)
		cells := []string{"pilot/before", "pilot/after", "control/before", "control/after"}
		for n, body := range m.samples {
			s.pilotAPI(domain.RoleEditor, http.MethodPut, "/pilots/"+p.ID+"/metrics/"+metric.ID+"/samples/"+cells[n], body, http.StatusCreated, nil)
		}
	}
}

// pilotNow reads a pilot back from the API.
func (s *site) pilotNow(id string) pilotRef {
	s.t.Helper()
	var p pilotRef
	s.pilotAPI(domain.RoleViewer, http.MethodGet, "/pilots/"+id, "", http.StatusOK, &p)
	return p
}

// pilotForms are the action forms of a pilot page, by their action.
func pilotForms(doc *goquery.Document, id string) map[string]bool {
	forms := map[string]bool{}
	doc.Find(`form[method=post]`).Each(func(_ int, f *goquery.Selection) {
		action, _ := f.Attr("action")
		if strings.HasPrefix(action, "/pilots/"+id+"/") {
			forms[strings.TrimPrefix(action, "/pilots/"+id+"/")] = true
		}
	})
	return forms
}

// pilotCells is the text of a table row's cells, separated by |.
func pilotCells(row *goquery.Selection) string {
	var cells []string
	row.Find("th, td").Each(func(_ int, c *goquery.Selection) { cells = append(cells, text(c)) })
	return strings.Join(cells, "|")
}

func TestPilotListFiltersByStatusAndPages(t *testing.T) {
	t.Parallel()
	s := newSite(t)
	tp := s.touchpoint("Phone queue")
	planned := s.pilotFixture("Headsets for team B", "Headsets and sound barriers", domain.StatusPlanned, tp)
	running := s.pilotFixture("Queue screen", "Queue position on screen", domain.StatusPlanned, tp)
	s.pilotAPI(domain.RoleEditor, http.MethodPost, "/pilots/"+running.ID+"/start", "", http.StatusOK, nil)

	b := s.signIn(domain.RoleViewer)
	doc := b.page("/pilots", http.StatusOK)
	items := doc.Find("ul.pilots > li")
	if items.Length() != 2 {
		t.Fatalf("%d pilots listed, want 2: %s", items.Length(), text(doc.Find("main")))
	}
	first := items.First()
	if href, _ := first.Find(`a[href="/pilots/` + planned.ID + `"]`).Attr("href"); href == "" || text(first.Find("a.idea-title")) != "Headsets for team B" {
		t.Fatalf("first pilot: %q", text(first))
	}
	if got := text(first); !strings.Contains(got, "Idea: Headsets and sound barriers") || !strings.Contains(got, "Planned") ||
		!strings.Contains(got, "1 Sep 2026 to 30 Nov 2026") {
		t.Fatalf("first pilot reads %q; want its idea, status and dates", got)
	}
	if got := text(items.Eq(1)); !strings.Contains(got, "Running") || !strings.Contains(got, "started "+s.now.Format("2 Jan 2006")) {
		t.Fatalf("second pilot reads %q", got)
	}
	if doc.Find(`input[type=checkbox][name=status]`).Length() != len(domain.PilotStatuses) || doc.Find(`label[for=status-running]`).Length() != 1 {
		t.Fatal("the status filter is not a labelled checkbox per status")
	}

	doc = b.page("/pilots?status=running", http.StatusOK)
	if items := doc.Find("ul.pilots > li"); items.Length() != 1 || text(items.Find("a.idea-title")) != "Queue screen" {
		t.Fatalf("status=running lists %q", text(items))
	}
	if _, checked := doc.Find(`#status-running`).Attr("checked"); !checked {
		t.Fatal("the running box is not ticked after filtering by it")
	}
	if _, checked := doc.Find(`#status-planned`).Attr("checked"); checked {
		t.Fatal("the planned box is ticked without being asked for")
	}
	b.page("/pilots?status=finished", http.StatusBadRequest)

	// Paging: 25 a page, the next link keeps the filter.
	for n := 0; n < 25; n++ {
		var p pilotRef
		s.pilotAPI(domain.RoleEditor, http.MethodPost, "/pilots", fmt.Sprintf(`{"idea_id":%q,"title":"Extra %02d","hypothesis":"More"}`, planned.IdeaID, n), http.StatusCreated, &p)
	}
	seen := map[string]bool{}
	next := "/pilots?status=planned"
	for pages := 0; next != ""; pages++ {
		if pages > 3 {
			t.Fatal("paging does not end")
		}
		doc = b.page(next, http.StatusOK)
		doc.Find("ul.pilots > li a.idea-title").Each(func(_ int, a *goquery.Selection) {
			href, _ := a.Attr("href")
			if seen[href] {
				t.Fatalf("%s listed twice", href)
			}
			seen[href] = true
		})
		next, _ = doc.Find(`a[rel=next]`).Attr("href")
		if next != "" && !strings.Contains(next, "status=planned") {
			t.Fatalf("next page link %q drops the filter", next)
		}
	}
	if len(seen) != 26 || seen["/pilots/"+running.ID] {
		t.Fatalf("paged through %d planned pilots, want 26 without the running one", len(seen))
	}
}

func TestPilotPageShowsSamplesResultsAndInterimNotice(t *testing.T) {
	t.Parallel()
	s := newSite(t)
	tp := s.touchpoint("Phone queue")
	p := s.pilotFixture("Headsets for team B", "Headsets and sound barriers", domain.StatusPlanned, tp)
	s.pilotMetrics(p)
	s.pilotAPI(domain.RoleEditor, http.MethodPost, "/pilots/"+p.ID+"/start", "", http.StatusOK, nil)

	b := s.signIn(domain.RoleViewer)
	doc := b.page("/pilots/"+p.ID, http.StatusOK)
	if got := text(doc.Find("h1")); got != "Headsets for team B" {
		t.Fatalf("h1 = %q", got)
	}
	facts := doc.Find("dl.facts")
	if text(facts.Find(`a[href="/ideas/`+p.IdeaID+`"]`)) != "Headsets and sound barriers" || text(facts.Find(`a[href="/touchpoints/`+tp+`"]`)) != "Phone queue" {
		t.Fatalf("facts: %q; want links to the idea and the touchpoint", text(facts))
	}
	for _, want := range []string{"Agents who hear callers finish calls sooner", "Team B, inbound billing calls", "Running", "Contact centre", "1 Sep 2026 to 30 Nov 2026"} {
		if !strings.Contains(text(facts), want) {
			t.Errorf("facts lack %q: %q", want, text(facts))
		}
	}

	// Results: the same numbers as GET /results, one row per metric.
	var api struct {
		Interim bool
		Warning string
		Metrics []struct {
			Name     string
			Estimate float64
			Verdict  string
			PValue   float64 `json:"p_value"`
		}
	}
	s.pilotAPI(domain.RoleViewer, http.MethodGet, "/pilots/"+p.ID+"/results", "", http.StatusOK, &api)
	rows := doc.Find("table.pilot-results tbody tr")
	if rows.Length() != 2 {
		t.Fatalf("%d result rows, want 2", rows.Length())
	}
	aht := rows.Eq(0).Find("th, td")
	if text(aht.Eq(0)) != "Average handle time primary lower is better" || text(aht.Eq(1)) != "difference in differences" ||
		text(aht.Eq(2)) != "−28 s" || text(aht.Eq(3)) != "−8.75 % (−13.11 % to −4.39 %)" ||
		text(aht.Eq(4)) != "−42.27 to −13.73 s" || text(aht.Eq(5)) != "< 0.001" || text(aht.Eq(6)) != api.Metrics[0].Verdict {
		t.Fatalf("handle time row: %q (API: %+v)", text(rows.Eq(0)), api.Metrics[0])
	}
	csat := rows.Eq(1).Find("th, td")
	if !strings.Contains(text(csat.Eq(0)), "guardrail") || !strings.HasSuffix(text(csat.Eq(2)), " pp") || text(csat.Eq(6)) != "improved" {
		t.Fatalf("CSAT row: %q", text(rows.Eq(1)))
	}
	if doc.Find(`table.pilot-results th[scope=col]`).Length() != 8 || doc.Find(`table.pilot-results th[scope=row]`).Length() != 2 {
		t.Fatal("the results table's headers have no scope")
	}
	img := doc.Find("img.chart")
	if src, _ := img.Attr("src"); src != "/api/v1/pilots/"+p.ID+"/results.svg" {
		t.Fatalf("forest plot src = %q", src)
	}
	if alt, _ := img.Attr("alt"); !strings.Contains(alt, "Forest plot") {
		t.Fatalf("forest plot alt = %q", alt)
	}
	if r := b.get("/api/v1/pilots/" + p.ID + "/results.svg"); r.StatusCode != http.StatusOK {
		t.Fatalf("the page's chart answers %d", r.StatusCode)
	}
	banner := doc.Find(`.notice[role=status]`)
	if !api.Interim || text(banner) != strings.Join(strings.Fields(api.Warning), " ") || !strings.Contains(text(banner), "still running") {
		t.Fatalf("interim banner %q; the API warns %q", text(banner), api.Warning)
	}

	// Samples, by metric, in the kind's fields.
	samples := doc.Find("table.pilot-samples")
	if samples.Length() != 2 || samples.First().Find("tbody tr").Length() != 4 {
		t.Fatalf("sample tables: %d", samples.Length())
	}
	if got := pilotCells(samples.First().Find("tbody tr").Eq(1)); got != "pilot|after|410|290|70|summary" {
		t.Fatalf("pilot after sample of handle time: %q", got)
	}
	if got := pilotCells(samples.Eq(1).Find("thead tr")); got != "Group|Period|n|successes|Source" {
		t.Fatalf("proportion sample columns: %q", got)
	}
	if len(pilotForms(doc, p.ID)) != 0 {
		t.Fatal("a viewer sees action forms")
	}

	// Completed: the frozen results, no interim banner.
	s.pilotAPI(domain.RoleEditor, http.MethodPost, "/pilots/"+p.ID+"/complete", `{"decision":"adopt"}`, http.StatusOK, nil)
	doc = b.page("/pilots/"+p.ID, http.StatusOK)
	if doc.Find(`.notice`).Length() != 0 {
		t.Fatalf("a completed pilot shows an interim banner: %q", text(doc.Find(".notice")))
	}
	if doc.Find("table.pilot-results tbody tr").Length() != 2 || !strings.Contains(text(doc.Find("#results-heading").Parent()), "Frozen when the pilot was completed") {
		t.Fatalf("completed results: %q", text(doc.Find("#results-heading").Parent()))
	}
	if !strings.Contains(text(doc.Find("dl.facts")), "Completed, decision: adopt") {
		t.Fatalf("facts of the completed pilot: %q", text(doc.Find("dl.facts")))
	}
	editor := s.signIn(domain.RoleEditor)
	if forms := pilotForms(editor.page("/pilots/"+p.ID, http.StatusOK), p.ID); len(forms) != 0 {
		t.Fatalf("a completed pilot offers %v", forms)
	}
	b.page("/pilots/"+domain.NewID(), http.StatusNotFound)
	b.page("/pilots/not-an-id", http.StatusNotFound)
}

func TestPilotStartCompleteAndCancel(t *testing.T) {
	t.Parallel()
	s := newSite(t)
	tp := s.touchpoint("Phone queue")
	p := s.pilotFixture("Headsets for team B", "Headsets and sound barriers", domain.StatusPlanned, tp)
	s.pilotMetrics(p)
	b := s.signIn(domain.RoleEditor)

	doc := b.page("/pilots/"+p.ID, http.StatusOK)
	if forms := pilotForms(doc, p.ID); len(forms) != 2 || !forms["start"] || !forms["cancel"] {
		t.Fatalf("a planned pilot offers %v, want start and cancel", forms)
	}
	if v, _ := doc.Find(`form[action$="/start"] input[name=version]`).Attr("value"); v != fmt.Sprint(p.Version) {
		t.Fatalf("the start form carries version %q, want %d", v, p.Version)
	}
	r := b.submit("/pilots/"+p.ID+"/start", url.Values{"version": {fmt.Sprint(p.Version)}})
	if r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != "/pilots/"+p.ID+"?done=started" {
		t.Fatalf("start: %d to %q", r.StatusCode, r.Header.Get("Location"))
	}
	if got := s.pilotNow(p.ID); got.Status != "running" {
		t.Fatalf("after start the pilot is %s", got.Status)
	}
	doc = b.page("/pilots/"+p.ID+"?done=started", http.StatusOK)
	if !strings.Contains(text(doc.Find(".success[role=status]")), "running") {
		t.Fatalf("after start the page says %q", text(doc.Find(".success")))
	}
	forms := pilotForms(doc, p.ID)
	if len(forms) != 2 || !forms["complete"] || !forms["cancel"] {
		t.Fatalf("a running pilot offers %v, want complete and cancel", forms)
	}
	radios := doc.Find(`form[action$="/complete"] input[type=radio][name=decision]`)
	if radios.Length() != len(domain.Decisions) || doc.Find(`label[for=decision-adopt]`).Length() != 1 {
		t.Fatalf("the decision is %d radio buttons, want one labelled per decision", radios.Length())
	}

	// A move the status does not allow (a stale page's button) is refused
	// on the page, with the domain's reason.
	doc = b.parse(b.submit("/pilots/"+p.ID+"/start", nil), http.StatusConflict)
	if got := text(doc.Find("#pilot-error[role=alert]")); !strings.Contains(got, `Cannot move a pilot from "running" to "running"`) {
		t.Fatalf("starting a running pilot says %q", got)
	}
	if text(doc.Find("h1")) != "Headsets for team B" {
		t.Fatal("the refusal is not shown on the pilot's page")
	}
	// A stale version is refused too.
	doc = b.parse(b.submit("/pilots/"+p.ID+"/cancel", url.Values{"version": {fmt.Sprint(p.Version)}}), http.StatusPreconditionFailed)
	if !strings.Contains(text(doc.Find("#pilot-error")), "changed since the page was loaded") {
		t.Fatalf("a stale cancel says %q", text(doc.Find("#pilot-error")))
	}
	// Completing needs a decision.
	doc = b.parse(b.submit("/pilots/"+p.ID+"/complete", nil), http.StatusUnprocessableEntity)
	if got := text(doc.Find("#decision-error")); !strings.Contains(got, "adopt, iterate, abandon") {
		t.Fatalf("completing without a decision says %q", got)
	}
	if got := s.pilotNow(p.ID); got.Status != "running" {
		t.Fatalf("after the refusals the pilot is %s", got.Status)
	}

	r = b.submit("/pilots/"+p.ID+"/complete", url.Values{"decision": {"adopt"}})
	if r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != "/pilots/"+p.ID+"?done=completed" {
		t.Fatalf("complete: %d to %q", r.StatusCode, r.Header.Get("Location"))
	}
	if got := s.pilotNow(p.ID); got.Status != "completed" || got.Decision == nil || *got.Decision != "adopt" {
		t.Fatalf("after complete the pilot is %+v", got)
	}
	var idea struct{ Status string }
	s.pilotAPI(domain.RoleViewer, http.MethodGet, "/ideas/"+p.IdeaID, "", http.StatusOK, &idea)
	if idea.Status != "adopted" {
		t.Fatalf("the adopted pilot's idea is %s", idea.Status)
	}

	// Cancel a planned pilot.
	other := s.pilotFixture("Queue screen", "Queue position on screen", domain.StatusPlanned, tp)
	r = b.submit("/pilots/"+other.ID+"/cancel", url.Values{"version": {fmt.Sprint(other.Version)}})
	if r.StatusCode != http.StatusSeeOther || s.pilotNow(other.ID).Status != "cancelled" {
		t.Fatalf("cancel: %d, pilot %s", r.StatusCode, s.pilotNow(other.ID).Status)
	}
	doc = b.page("/pilots/"+other.ID, http.StatusOK)
	if len(pilotForms(doc, other.ID)) != 0 || !strings.Contains(text(doc.Find(".notice")), "cancelled") {
		t.Fatalf("a cancelled pilot: forms %v, notice %q", pilotForms(doc, other.ID), text(doc.Find(".notice")))
	}

	// The idea must be planned to be piloted: the domain's refusal shows.
	fresh := s.pilotFixture("Callback", "Offer a callback", domain.StatusNew, tp)
	doc = b.parse(b.submit("/pilots/"+fresh.ID+"/start", nil), http.StatusConflict)
	if got := text(doc.Find("#pilot-error")); !strings.Contains(got, "only a planned idea can be piloted") {
		t.Fatalf("starting the pilot of a new idea says %q", got)
	}
}

func TestPilotActionsNeedAnEditor(t *testing.T) {
	t.Parallel()
	s := newSite(t)
	p := s.pilotFixture("Headsets for team B", "Headsets and sound barriers", domain.StatusPlanned, s.touchpoint("Phone queue"))
	v := s.signIn(domain.RoleViewer)
	doc := v.page("/pilots/"+p.ID, http.StatusOK)
	if doc.Find("main form").Length() != 0 || doc.Find("main button").Length() != 0 {
		t.Fatalf("a viewer sees %d forms on a planned pilot", doc.Find("main form").Length())
	}
	for action, form := range map[string]url.Values{"start": nil, "cancel": nil, "complete": {"decision": {"adopt"}}} {
		v.parse(v.submit("/pilots/"+p.ID+"/"+action, form), http.StatusForbidden)
	}
	if got := s.pilotNow(p.ID); got.Status != "planned" || got.Version != p.Version {
		t.Fatalf("after a viewer's posts the pilot is %+v", got)
	}
	// The cookie alone does not act either.
	e := s.signIn(domain.RoleEditor)
	e.parse(e.post("/pilots/"+p.ID+"/start", url.Values{}), http.StatusForbidden)
	if got := s.pilotNow(p.ID); got.Status != "planned" {
		t.Fatalf("a start without the CSRF token moved the pilot to %s", got.Status)
	}
}

func TestPilotPlanCalculator(t *testing.T) {
	t.Parallel()
	s := newSite(t)
	b := s.signIn(domain.RoleViewer) // a read-only calculation
	doc := b.page("/pilots/plan", http.StatusOK)
	for _, field := range []string{"baseline_mean", "baseline_sd", "baseline_proportion", "mde", "n_per_group", "alpha", "power"} {
		if doc.Find(`label[for=`+field+`]`).Length() != 1 || doc.Find(`input#`+field+`[name=`+field+`]`).Length() != 1 {
			t.Errorf("no labelled %s field", field)
		}
	}
	if v, _ := doc.Find("#alpha").Attr("value"); v != "0.05" {
		t.Fatalf("alpha defaults to %q", v)
	}
	if doc.Find(`form[action="/pilots/plan"] input[name=csrf]`).Length() != 1 {
		t.Fatal("the calculator's form carries no CSRF token")
	}

	// Solving for n: the same answer as POST /api/v1/pilots/plan.
	var api struct {
		NPerGroup int     `json:"n_per_group"`
		MDE       float64 `json:"mde"`
	}
	s.pilotAPI(domain.RoleViewer, http.MethodPost, "/pilots/plan", `{"kind":"mean","baseline_mean":320,"baseline_sd":75,"mde":-20,"power":0.9}`, http.StatusOK, &api)
	doc = b.parse(b.submit("/pilots/plan", url.Values{"kind": {"mean"}, "baseline_mean": {"320"}, "baseline_sd": {"75"}, "mde": {"-20"},
		"alpha": {"0.05"}, "power": {"0.9"}}), http.StatusOK)
	if got := text(doc.Find("#plan-n")); got != fmt.Sprint(api.NPerGroup) || api.NPerGroup < 100 {
		t.Fatalf("the page says %q per group, the API %d", got, api.NPerGroup)
	}
	if got := text(doc.Find(".plan-result")); !strings.Contains(got, "two-sample t-test") || !strings.Contains(got, fmt.Sprintf("%d in all", 2*api.NPerGroup)) {
		t.Fatalf("the explanation reads %q", got)
	}
	if v, _ := doc.Find("#baseline_sd").Attr("value"); v != "75" {
		t.Fatalf("the form forgot the SD: %q", v)
	}
	// Solving for the effect of a proportion, alpha and power left to their defaults.
	s.pilotAPI(domain.RoleViewer, http.MethodPost, "/pilots/plan", `{"kind":"proportion","baseline_proportion":0.72,"n_per_group":500}`, http.StatusOK, &api)
	doc = b.parse(b.submit("/pilots/plan", url.Values{"kind": {"proportion"}, "baseline_proportion": {"0.72"}, "n_per_group": {"500"}}), http.StatusOK)
	var shown, points float64
	if _, err := fmt.Sscanf(text(doc.Find("#plan-mde")), "%g (%g percentage points)", &shown, &points); err != nil ||
		math.Abs(shown-api.MDE) > 0.001 || math.Abs(points-100*api.MDE) > 0.01 {
		t.Fatalf("the page says %q, the API %g (%v)", text(doc.Find("#plan-mde")), api.MDE, err)
	}

	// Invalid input: 422, each message next to its field, what was typed kept.
	doc = b.parse(b.submit("/pilots/plan", url.Values{"kind": {"mean"}, "baseline_mean": {"320"}, "baseline_sd": {"-1"}, "mde": {"-20"}, "alpha": {"2"}, "power": {"lots"}}), http.StatusUnprocessableEntity)
	if got := text(doc.Find("#power-error")); got != "must be a number" {
		t.Fatalf("power error %q", got)
	}
	doc = b.parse(b.submit("/pilots/plan", url.Values{"kind": {"mean"}, "baseline_mean": {"320"}, "baseline_sd": {"-1"}, "mde": {"-20"}, "alpha": {"2"}}), http.StatusUnprocessableEntity)
	if got := text(doc.Find("#baseline_sd-error")); !strings.Contains(got, "greater than 0") {
		t.Fatalf("baseline_sd error %q", got)
	}
	if got := text(doc.Find("#alpha-error")); !strings.Contains(got, "less than 0.5") {
		t.Fatalf("alpha error %q", got)
	}
	if v, _ := doc.Find("#baseline_sd").Attr("value"); v != "-1" {
		t.Fatalf("the form forgot what was typed: %q", v)
	}
	if inv, _ := doc.Find("#baseline_sd").Attr("aria-invalid"); inv != "true" || doc.Find(".plan-result").Length() != 0 {
		t.Fatal("the invalid field is not marked, or a result is shown")
	}
	doc = b.parse(b.submit("/pilots/plan", url.Values{"kind": {"mean"}, "baseline_sd": {"75"}}), http.StatusUnprocessableEntity)
	if got := text(doc.Find("#mde-error")); !strings.Contains(got, "exactly one of mde and n_per_group") {
		t.Fatalf("neither effect nor size: %q", got)
	}
	// The form needs the session's token like any other.
	b.parse(b.post("/pilots/plan", url.Values{"kind": {"mean"}}), http.StatusForbidden)
}

// The pilot page shows what each priced metric's improvement is worth a
// year, with its interval, and the total with the chance that it beats the
// idea's running cost; a pilot with nothing priced says how to price it.
func TestPilotPageShowsValue(t *testing.T) {
	t.Parallel()
	s := newSite(t)
	tp := s.touchpoint("Phone queue")
	p := s.pilotFixture("Call-backs", "Call-back instead of waiting", domain.StatusPlanned, tp)
	var catalogue struct {
		Items []struct{ ID, Key string }
	}
	s.pilotAPI(domain.RoleViewer, http.MethodGet, "/metrics", "", http.StatusOK, &catalogue)
	ids := map[string]string{}
	for _, c := range catalogue.Items {
		ids[c.Key] = c.ID
	}
	for _, m := range []struct {
		body          string
		before, after string
	}{
		{fmt.Sprintf(`{"metric_id":%q,"name":"Handle time","kind":"mean","direction":"lower_is_better","primary":true}`, ids["aht"]),
			`{"n":400,"mean":412,"sd":90}`, `{"n":400,"mean":389,"sd":85}`},
		{fmt.Sprintf(`{"metric_id":%q,"name":"First-contact resolution","kind":"proportion","direction":"higher_is_better"}`, ids["fcr"]),
			`{"n":400,"successes":280}`, `{"n":400,"successes":296}`},
		{`{"name":"Hold music complaints","kind":"mean","direction":"lower_is_better"}`, `{"n":400,"mean":5,"sd":1}`, `{"n":400,"mean":4,"sd":1}`},
	} {
		var metric struct{ ID string }
		s.pilotAPI(domain.RoleEditor, http.MethodPost, "/pilots/"+p.ID+"/metrics", m.body, http.StatusCreated, &metric)
		s.pilotAPI(domain.RoleEditor, http.MethodPut, "/pilots/"+p.ID+"/metrics/"+metric.ID+"/samples/pilot/before", m.before, http.StatusCreated, nil)
		s.pilotAPI(domain.RoleEditor, http.MethodPut, "/pilots/"+p.ID+"/metrics/"+metric.ID+"/samples/pilot/after", m.after, http.StatusCreated, nil)
	}
	b := s.signIn(domain.RoleViewer)
	doc := b.page("/pilots/"+p.ID, http.StatusOK)
	if doc.Find("table.pilot-value").Length() != 0 || !strings.Contains(text(doc.Find("#unpriced")), "No metric is priced") {
		t.Fatalf("a pilot with nothing priced: %q", text(doc.Find("#value-heading").Parent()))
	}

	for _, d := range []string{
		fmt.Sprintf(`{"touchpoint_id":%q,"metric_id":%q,"unit_value":0.015,"exposure_per_year":120000,"exposure_unit":"calls"}`, tp, ids["aht"]),
		fmt.Sprintf(`{"touchpoint_id":%q,"metric_id":%q,"unit_value":4.5,"exposure_per_year":120000,"exposure_unit":"calls"}`, tp, ids["fcr"]),
	} {
		s.pilotAPI(domain.RoleEditor, http.MethodPost, "/value-drivers", d, http.StatusCreated, nil)
	}
	doc = b.page("/pilots/"+p.ID, http.StatusOK)
	rows := doc.Find("table.pilot-value tbody tr")
	if rows.Length() != 2 {
		t.Fatalf("%d value rows, want 2: %q", rows.Length(), text(doc.Find("table.pilot-value")))
	}
	for n, want := range []string{
		"Handle time|41,400 EUR a year (19,530 to 63,270)|",
		"First-contact resolution|21,600 EUR a year (−11,969 to 55,169)|",
	} {
		if got := pilotCells(rows.Eq(n)); !strings.HasPrefix(got, want) || !strings.Contains(got, "× 120,000 calls a year") {
			t.Errorf("value row %d: %q, want it to start %q and explain the driver", n, got, want)
		}
	}
	total := pilotCells(doc.Find("table.pilot-value tfoot tr"))
	for _, want := range []string{"Total|63,000 EUR a year (22,935 to 103,065)|", "running cost of 0 EUR a year: 99.9 %", "independent"} {
		if !strings.Contains(total, want) {
			t.Errorf("total row %q lacks %q", total, want)
		}
	}
	if got := text(doc.Find("#unpriced")); !strings.Contains(got, "Not priced") || !strings.Contains(got, "Hold music complaints") || strings.Contains(got, "Handle time") {
		t.Errorf("unpriced metrics: %q", got)
	}
}
