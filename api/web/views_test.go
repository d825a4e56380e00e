package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"cxbacklog/api"
	"cxbacklog/domain"

	"github.com/PuerkitoBio/goquery"
)

// viewsCall sends body (JSON, or CSV with a Content-Type header) to the
// JSON API with the editor's key, wants status and decodes the answer into
// out when it is not nil.
func (s *site) viewsCall(method, path, body string, status int, out any, headers ...string) {
	s.t.Helper()
	req, err := http.NewRequest(method, s.srv.URL+path, strings.NewReader(body))
	if err != nil {
		s.t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+s.keys[domain.RoleEditor])
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	r, err := http.DefaultClient.Do(req)
	if err != nil {
		s.t.Fatal(err)
	}
	defer r.Body.Close()
	raw, _ := io.ReadAll(r.Body)
	if r.StatusCode != status {
		s.t.Fatalf("%s %s: status %d, want %d\n%s", method, path, r.StatusCode, status, raw)
	}
	if out != nil {
		if err := json.NewDecoder(bytes.NewReader(raw)).Decode(out); err != nil {
			s.t.Fatalf("%s %s: %v\n%s", method, path, err, raw)
		}
	}
}

func viewsJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// viewsJourney creates a journey of one stage with touchpoints of the
// given names, each with channel and owner "name|channel|owner".
func (s *site) viewsJourney(name string, touchpoints ...string) []api.Touchpoint {
	s.t.Helper()
	var j api.Journey
	s.viewsCall(http.MethodPost, "/api/v1/journeys", `{"name":`+viewsJSON(name)+`,"stages":[{"name":"Visit"}]}`, http.StatusCreated, &j)
	out := make([]api.Touchpoint, len(touchpoints))
	for n, spec := range touchpoints {
		f := strings.Split(spec, "|")
		in := api.TouchpointCreate{JourneyID: j.ID, StageID: j.Stages[0].ID, Name: f[0], Channel: f[1], Owner: f[2]}
		s.viewsCall(http.MethodPost, "/api/v1/touchpoints", viewsJSON(in), http.StatusCreated, &out[n])
	}
	return out
}

// viewsIdea creates an idea and moves it through statuses.
func (s *site) viewsIdea(title string, impact, experience, effort int, confidence float64, tps []api.Touchpoint, statuses ...string) api.Idea {
	s.t.Helper()
	ids := make([]string, len(tps))
	for n, tp := range tps {
		ids[n] = tp.ID
	}
	in := api.IdeaCreate{Title: title, TouchpointIDs: ids, Impact: impact, Experience: experience, Effort: effort, Confidence: &confidence}
	var i api.Idea
	s.viewsCall(http.MethodPost, "/api/v1/ideas", viewsJSON(in), http.StatusCreated, &i)
	for _, st := range statuses {
		s.viewsCall(http.MethodPatch, "/api/v1/ideas/"+i.ID, `{"status":"`+st+`"}`, http.StatusOK, &i, "If-Match", fmt.Sprintf(`"%d"`, i.Version))
	}
	return i
}

// viewsTitles are the texts of the links in sel.
func viewsTitles(sel *goquery.Selection) []string {
	var out []string
	sel.Each(func(_ int, a *goquery.Selection) { out = append(out, text(a)) })
	return out
}

func TestViewsRoadmapLanesRankedByPriority(t *testing.T) {
	t.Parallel()
	s := newSite(t)
	tps := s.viewsJourney("Support call", "Phone queue|phone|Contact centre", "Web chat|chat|Digital")
	queue, chat := tps[:1], tps[1:]
	// Priorities: 20 × value × confidence ÷ effort.
	callback := s.viewsIdea("Call back instead of queueing", 5, 5, 1, 1, queue, "under_review", "planned") // 100
	s.viewsIdea("Rewrite the phone menu", 3, 3, 4, 0.4, queue, "under_review", "planned")                  // 6, low confidence
	s.viewsIdea("Headsets for agents", 4, 4, 2, 0.8, tps, "under_review", "planned")                       // 32
	music := s.viewsIdea("Better queue music", 3, 2, 1, 0.6, queue, "under_review", "planned", "piloting") // 30
	s.viewsIdea("A chatbot", 2, 2, 3, 0.5, chat, "under_review")                                           // 6.67
	s.viewsIdea("Chat transcripts by mail", 4, 3, 1, 0.9, chat, "under_review")                            // 63
	s.viewsIdea("Brand new idea", 5, 5, 1, 1, queue)                                                       // new: not on the roadmap
	s.viewsIdea("Rejected idea", 5, 5, 1, 1, queue, "rejected")

	b := s.signIn(domain.RoleViewer)
	doc := b.page("/roadmap", http.StatusOK)
	lane := func(id string) []string { return viewsTitles(doc.Find("#lane-" + id + " .lane-idea h3 a")) }
	for id, want := range map[string][]string{
		"now":   {"Better queue music"},
		"next":  {"Call back instead of queueing", "Headsets for agents", "Rewrite the phone menu"},
		"later": {"Chat transcripts by mail", "A chatbot"},
	} {
		if got := lane(id); !slices.Equal(got, want) {
			t.Errorf("lane %s = %q, want %q", id, got, want)
		}
	}
	if got := viewsTitles(doc.Find(".roadmap h2")); len(got) != 3 || !strings.HasPrefix(got[0], "Now") || !strings.HasPrefix(got[1], "Next") || !strings.HasPrefix(got[2], "Later") {
		t.Errorf("lane headings = %q", got)
	}
	if strings.Contains(text(doc.Find("main")), "Brand new idea") || strings.Contains(text(doc.Find("main")), "Rejected idea") {
		t.Error("a new or rejected idea is on the roadmap")
	}

	// A card: its link, priority, quadrant, touchpoints and why it ranks there.
	card := doc.Find(`#lane-next .lane-idea`).First()
	if href, _ := card.Find("h3 a").Attr("href"); href != "/ideas/"+callback.ID {
		t.Errorf("first card links to %q", href)
	}
	if got := text(card.Find(".priority")); got != "100" {
		t.Errorf("priority = %q", got)
	}
	if got := text(card.Find(".badge.q-quick_win")); got != "Quick win" {
		t.Errorf("quadrant badge = %q", got)
	}
	if a := card.Find(".touchpoints a"); a.Length() != 1 || text(a) != "Phone queue" || a.AttrOr("href", "") != "/touchpoints/"+queue[0].ID {
		t.Errorf("touchpoints = %q → %q", text(a), a.AttrOr("href", ""))
	}
	stored, err := s.store.GetIdea(context.Background(), s.wsID, callback.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got := text(card.Find(".why")); got != stored.WhyRanked() {
		t.Errorf("why = %q, want %q", got, stored.WhyRanked())
	}
	headsets := doc.Find(`#lane-next .lane-idea`).Eq(1)
	if got := viewsTitles(headsets.Find(".touchpoints a")); !slices.Equal(got, []string{"Phone queue", "Web chat"}) {
		t.Errorf("headsets' touchpoints = %q", got)
	}
	if why := text(doc.Find(`#lane-next .lane-idea`).Eq(2).Find(".why")); !strings.Contains(why, "Confidence is low") {
		t.Errorf("low-confidence idea's why = %q", why)
	}
	if got := doc.Find(`#lane-now .lane-idea h3 a`).AttrOr("href", ""); got != "/ideas/"+music.ID {
		t.Errorf("now lane links to %q", got)
	}
	// A viewer gets no edit controls; an editor may add an idea.
	if doc.Find(`main a[href="/ideas/new"], main form`).Length() != 0 {
		t.Error("a viewer sees edit controls on the roadmap")
	}
	if s.signIn(domain.RoleEditor).page("/roadmap", http.StatusOK).Find(`main a[href="/ideas/new"]`).Length() != 1 {
		t.Error("an editor has no New idea link")
	}
}

// viewsMatrixAPI reads the API's matrix for query.
func (s *site) viewsMatrixAPI(query string) api.Matrix {
	s.t.Helper()
	var m api.Matrix
	s.viewsCall(http.MethodGet, "/api/v1/reports/matrix?"+query, "", http.StatusOK, &m)
	return m
}

func TestViewsMatrixTableMatchesTheAPI(t *testing.T) {
	t.Parallel()
	s := newSite(t)
	tp := s.viewsJourney("Support call", "Phone queue|phone|Contact centre")
	s.viewsIdea("Quick one", 5, 5, 1, 1, tp)                                          // quick win, new
	s.viewsIdea("Quick two", 4, 4, 2, 0.5, tp, "under_review", "planned")             // quick win, planned
	s.viewsIdea("Quick three", 4, 4, 1, 0.9, tp, "rejected")                          // quick win, rejected
	s.viewsIdea("Big one", 5, 4, 5, 0.8, tp, "under_review")                          // big bet
	s.viewsIdea("Fill one", 2, 2, 1, 0.7, tp, "under_review", "planned", "piloting")  // fill-in, piloting
	s.viewsIdea("Pit one", 1, 2, 4, 0.5, tp, "parked")                                // money pit, parked
	s.viewsIdea("Pit two", 2, 1, 5, 0.3, tp)                                          // money pit, new
	s.viewsIdea("Adopted fill", 1, 1, 2, 1, tp, "under_review", "planned", "adopted") // fill-in, adopted

	b := s.signIn(domain.RoleViewer)
	for _, c := range []struct {
		page, api string
		status    []string // the img's status parameter
		caption   string
	}{
		{"", "", []string{"new", "under_review", "planned", "piloting"}, "Open ideas"},
		{"status=planned&status=piloting", "status=planned,piloting", []string{"planned", "piloting"}, "Planned or piloting ideas"},
		{"status=parked&status=rejected&status=adopted", "status=parked,rejected,adopted", []string{"parked", "rejected", "adopted"}, "Parked or rejected or adopted ideas"},
		{"status=new&status=under_review&status=planned&status=piloting&status=adopted&status=rejected&status=parked", "status=all", []string{"all"}, "All ideas"},
	} {
		doc := b.page("/matrix?"+c.page, http.StatusOK)
		want := s.viewsMatrixAPI(c.api)
		quadrants := map[string]api.Quadrant{"quick_win": want.QuickWin, "big_bet": want.BigBet, "fill_in": want.FillIn, "money_pit": want.MoneyPit}
		total := 0
		for name, q := range quadrants {
			total += q.Count
			row := doc.Find(`table.matrix-counts tbody tr[data-quadrant="` + name + `"]`)
			if got := text(row.Find("td.count")); got != fmt.Sprint(q.Count) {
				t.Errorf("%s: %s count = %q, the API says %d", c.caption, name, got, q.Count)
			}
			var titles []string
			for _, i := range q.Ideas {
				titles = append(titles, i.Title)
			}
			section := doc.Find(`section.matrix-quadrant[data-quadrant="` + name + `"]`)
			if got := viewsTitles(section.Find("tbody th a")); !slices.Equal(got, titles) {
				t.Errorf("%s: %s ideas = %q, the API's = %q", c.caption, name, got, titles)
			}
			for n, i := range q.Ideas {
				row := section.Find("tbody tr").Eq(n)
				cells := viewsTitles(row.Find("td"))
				if href := row.Find("th a").AttrOr("href", ""); href != "/ideas/"+i.ID ||
					!slices.Equal(cells, []string{fmt.Sprint(i.Value), fmt.Sprint(i.Effort), fmt.Sprint(i.Priority), strings.ReplaceAll(i.Status, "_", " ")}) {
					t.Errorf("%s: row %q → %s, want %+v", c.caption, cells, href, i)
				}
			}
		}
		if got := text(doc.Find("table.matrix-counts td.total")); got != fmt.Sprint(total) {
			t.Errorf("%s: total = %q, want %d", c.caption, got, total)
		}
		img := doc.Find("main img.chart")
		src, _ := img.Attr("src")
		u, err := url.Parse(src)
		if err != nil || u.Path != "/api/v1/reports/matrix.svg" || !slices.Equal(u.Query()["status"], c.status) {
			t.Errorf("%s: chart src = %q, want statuses %q", c.caption, src, c.status)
		}
		if alt := img.AttrOr("alt", ""); !strings.Contains(alt, fmt.Sprintf("%d quick wins", want.QuickWin.Count)) {
			t.Errorf("%s: alt = %q", c.caption, alt)
		}
		if r := b.get(src); r.StatusCode != http.StatusOK {
			t.Errorf("%s: the chart answers %d", c.caption, r.StatusCode)
		}
		if got := text(doc.Find("table.matrix-counts caption")); !strings.HasPrefix(got, c.caption) {
			t.Errorf("caption = %q, want %q", got, c.caption)
		}
		var checked []string
		doc.Find(`input[name=status][checked]`).Each(func(_ int, in *goquery.Selection) { checked = append(checked, in.AttrOr("value", "")) })
		if wantChecked := c.status; wantChecked[0] != "all" && !slices.Equal(viewsSorted(checked), viewsSorted(wantChecked)) {
			t.Errorf("%s: boxes ticked %q", c.caption, checked)
		}
		doc.Find(`input[name=status]`).Each(func(_ int, in *goquery.Selection) {
			if id := in.AttrOr("id", ""); id == "" || doc.Find(`label[for="`+id+`"]`).Length() != 1 {
				t.Errorf("status box %q has no label", in.AttrOr("value", ""))
			}
		})
	}
	b.page("/matrix?status=bogus", http.StatusBadRequest)
}

func viewsSorted(s []string) []string {
	s = slices.Clone(s)
	slices.Sort(s)
	return s
}

func TestViewsMondayReport(t *testing.T) {
	t.Parallel()
	s := newSite(t)
	tps := s.viewsJourney("Lunch", "Entrance|physical_environment|Facilities", "Taste of the food|in_person|Kitchen",
		"Menu online|web||", "Greeting|in_person|Front of house")
	entrance, food, menu, greeting := tps[0], tps[1], tps[2], tps[3]

	// CSAT last month: the food fails (50 % against a target of 80 %);
	// the entrance and the greeting are healthy; the menu is never measured.
	start, end := s.now.AddDate(0, 0, -40).Format(time.DateOnly), s.now.AddDate(0, 0, -10).Format(time.DateOnly)
	csv := "touchpoint_id,metric,period_start,period_end,n,successes,source\n" +
		entrance.ID + ",csat," + start + "," + end + ",400,360,survey\n" +
		food.ID + ",csat," + start + "," + end + ",400,200,survey\n" +
		greeting.ID + ",csat," + start + "," + end + ",400,350,survey\n"
	s.viewsCall(http.MethodPost, "/api/v1/measurements/import", csv, http.StatusOK, nil, "Content-Type", "text/csv")
	s.viewsIdea("Brighter signs", 3, 3, 2, 0.6, []api.Touchpoint{entrance})

	// A completed pilot at the greeting: CSAT 75 % → 87.8 %.
	idea := s.viewsIdea("Greet within 30 seconds", 4, 5, 1, 0.8, []api.Touchpoint{greeting}, "under_review", "planned")
	var p api.Pilot
	s.viewsCall(http.MethodPost, "/api/v1/pilots", viewsJSON(api.PilotCreate{IdeaID: idea.ID, Title: "Greeters at the door", Hypothesis: "A quick greeting pleases", Scope: "Lunch"}), http.StatusCreated, &p)
	var m api.Metric
	s.viewsCall(http.MethodPost, "/api/v1/pilots/"+p.ID+"/metrics", `{"name":"Satisfied guests","kind":"proportion","direction":"higher_is_better","primary":true}`, http.StatusCreated, &m)
	samples := "/api/v1/pilots/" + p.ID + "/metrics/" + m.ID + "/samples/pilot/"
	s.viewsCall(http.MethodPut, samples+"before", `{"n":400,"successes":300}`, http.StatusCreated, nil)
	s.viewsCall(http.MethodPut, samples+"after", `{"n":410,"successes":360}`, http.StatusCreated, nil)
	s.viewsCall(http.MethodPost, "/api/v1/pilots/"+p.ID+"/start", "", http.StatusOK, nil)
	s.viewsCall(http.MethodPost, "/api/v1/pilots/"+p.ID+"/complete", `{"decision":"adopt"}`, http.StatusOK, nil)

	b := s.signIn(domain.RoleViewer)
	doc := b.page("/report", http.StatusOK)

	// Blind spots: the failing food first (though "Menu online" sorts
	// before it by name), then the menu never measured.
	spots := doc.Find("#blind-spots .spot")
	if got := viewsTitles(spots.Find("h3 a")); !slices.Equal(got, []string{"Taste of the food", "Menu online"}) {
		t.Fatalf("blind spots = %q", got)
	}
	first := spots.First()
	if href := first.Find("h3 a").AttrOr("href", ""); href != "/touchpoints/"+food.ID {
		t.Errorf("the failing touchpoint links to %q", href)
	}
	if text(first.Find(".badge.h-failing")) != "failing" || !strings.Contains(text(first.Find(".reasons")), "failing on Customer satisfaction") ||
		!strings.Contains(text(first.Find(".reasons")), "no open idea targets it") {
		t.Errorf("the failing touchpoint says %q", text(first))
	}
	if href := spots.Eq(1).Find("h3 a").AttrOr("href", ""); href != "/touchpoints/"+menu.ID {
		t.Errorf("the menu links to %q", href)
	}
	if got := text(spots.Eq(1).Find(".reasons")); got != "never measured" || spots.Eq(1).Find(".badge.h-failing").Length() != 0 {
		t.Errorf("the menu's reasons = %q", got)
	}

	// Coverage: 4 touchpoints, 3 measured, 2 with ideas, 1 with a pilot.
	overall := doc.Find("#coverage .coverage-overall")
	for sel, want := range map[string]string{".cov-touchpoints": "4", ".cov-measured": "75 % (3 of 4)", ".cov-ideas": "50 % (2 of 4)", ".cov-pilots": "25 % (1 of 4)"} {
		if got := text(overall.Find(sel)); got != want {
			t.Errorf("coverage %s = %q, want %q", sel, got, want)
		}
	}
	var owners []string
	doc.Find("table.coverage-owner tbody tr").Each(func(_ int, tr *goquery.Selection) {
		owners = append(owners, text(tr.Find("th"))+": "+strings.Join(viewsTitles(tr.Find("td")), " | "))
	})
	if want := []string{"No owner: 1 | 0 % (0) | 0 % (0) | 0 % (0)", "Facilities: 1 | 100 % (1) | 100 % (1) | 0 % (0)",
		"Front of house: 1 | 100 % (1) | 100 % (1) | 100 % (1)", "Kitchen: 1 | 100 % (1) | 0 % (0) | 0 % (0)"}; !slices.Equal(owners, want) {
		t.Errorf("coverage by owner = %q\nwant %q", owners, want)
	}
	if got := viewsTitles(doc.Find("table.coverage-channel tbody th")); !slices.Equal(got, []string{"In person", "Physical environment", "Web"}) {
		t.Errorf("coverage by channel = %q", got)
	}

	// The impact ledger: the pilot, linked, with its change in percentage
	// points and the verdict in words.
	ledger := doc.Find("#impact .impact-pilot")
	if ledger.Length() != 1 {
		t.Fatalf("impact ledger has %d pilots", ledger.Length())
	}
	if a := ledger.Find("h3 a"); a.AttrOr("href", "") != "/pilots/"+p.ID || text(a) != "Greeters at the door" {
		t.Errorf("the pilot links to %q (%q)", a.AttrOr("href", ""), text(a))
	}
	if ledger.Find(`a[href="/ideas/`+idea.ID+`"]`).Length() != 1 || ledger.Find(`a[href="/touchpoints/`+greeting.ID+`"]`).Length() != 1 {
		t.Error("the pilot's idea or touchpoint is not linked")
	}
	row := ledger.Find("table.impact tbody tr")
	// 360/410 − 300/400 = +12.8 pp, +17.07 % of 75 %.
	if row.Length() != 1 || !strings.HasPrefix(text(row.Find("th")), "Satisfied guests") || text(row.Find(".change")) != "+12.8 pp (+17.07 %)" || !strings.HasPrefix(text(row.Find(".interval")), "+") ||
		text(row.Find(".verdict")) != "Improved" || !strings.Contains(text(ledger.Find(".meta")), "decision: adopt") {
		t.Errorf("impact row = %q", text(row))
	}
}

func TestViewsEmptyWorkspace(t *testing.T) {
	t.Parallel()
	s := newSite(t)
	b := s.signIn(domain.RoleViewer)
	doc := b.page("/roadmap", http.StatusOK)
	if doc.Find(".lane-idea").Length() != 0 || doc.Find(".lane").Length() != 3 || !strings.Contains(text(doc.Find(".empty")), "Nothing is on the roadmap") {
		t.Errorf("empty roadmap: %q", text(doc.Find("main")))
	}
	doc = b.page("/matrix", http.StatusOK)
	if doc.Find("img.chart").Length() != 0 || !strings.Contains(text(doc.Find(".empty")), "No open ideas") || text(doc.Find("table.matrix-counts td.total")) != "0" {
		t.Errorf("empty matrix: %q", text(doc.Find("main")))
	}
	doc = b.page("/report", http.StatusOK)
	if doc.Find(".spot, .impact-pilot, table.coverage-owner").Length() != 0 || !strings.Contains(text(doc.Find("#blind-spots .empty")), "No touchpoints yet") ||
		!strings.Contains(text(doc.Find("#coverage .empty")), "no touchpoints") || !strings.Contains(text(doc.Find("#impact .empty")), "No completed pilots yet") {
		t.Errorf("empty report: %q", text(doc.Find("main")))
	}
	// Every page has one h1 and headings that do not skip a level.
	for _, path := range []string{"/roadmap", "/matrix", "/report"} {
		doc := b.page(path, http.StatusOK)
		if doc.Find("h1").Length() != 1 {
			t.Errorf("%s has %d h1", path, doc.Find("h1").Length())
		}
	}
}

// A lane shows the top ideas and links to the backlog for the rest.
func TestViewsRoadmapLaneShowsTheTop(t *testing.T) {
	t.Parallel()
	s := newSite(t)
	tp := s.viewsJourney("Support call", "Phone queue|phone|Contact centre")
	for n := range 51 {
		s.viewsIdea(fmt.Sprintf("Idea %02d", n), 3, 3, 1+n%5, 0.5, tp)
	}
	// Test data: straight to planned (the moves are covered elsewhere).
	if _, err := s.store.SQL().Exec("UPDATE ideas SET status = 'planned' WHERE workspace_id = $1", s.wsID); err != nil {
		t.Fatal(err)
	}
	doc := s.signIn(domain.RoleViewer).page("/roadmap", http.StatusOK)
	if n := doc.Find("#lane-next .lane-idea").Length(); n != 50 {
		t.Errorf("the next lane shows %d ideas, want 50", n)
	}
	if href := doc.Find("#lane-next .lane-more a").AttrOr("href", ""); href != "/?status=planned" || !strings.Contains(text(doc.Find("#lane-next .lane-status")), "top 50") {
		t.Errorf("more link = %q, status line %q", href, text(doc.Find("#lane-next .lane-status")))
	}
	if doc.Find("#lane-now .lane-more, #lane-later .lane-more").Length() != 0 {
		t.Error("an empty lane links to more")
	}
}

// The Monday report says why customers contacted us last month, names the
// avoidable reasons nobody works on, and what the work is worth.
func TestReportContactsAndValue(t *testing.T) {
	t.Parallel()
	s := newSite(t)
	tp := s.touchpoint("Invoice")
	b := s.signIn(domain.RoleViewer)
	doc := b.page("/report", http.StatusOK)
	if !strings.Contains(text(doc.Find("#contacts")), "No contacts recorded") {
		t.Errorf("no contacts yet: %q", text(doc.Find("#contacts")))
	}

	month := domain.LastFullMonth(s.now)
	for _, r := range []struct {
		name              string
		avoidable         bool
		contacts, resolve int
	}{{"What does this line mean?", true, 600, 450}, {"I am moving house", false, 300, 290}, {"Where is my invoice?", true, 100, 90}} {
		var reason struct{ ID string }
		s.pilotAPI(domain.RoleEditor, http.MethodPost, "/contact-reasons",
			fmt.Sprintf(`{"name":%q,"touchpoint_id":%q,"avoidable":%t}`, r.name, tp, r.avoidable), http.StatusCreated, &reason)
		s.pilotAPI(domain.RoleEditor, http.MethodPost, "/contact-reasons/"+reason.ID+"/volumes",
			fmt.Sprintf(`{"period_start":%q,"period_end":%q,"contacts":%d,"resolved_first_contact":%d}`,
				month.From.Format(time.DateOnly), month.To.Format(time.DateOnly), r.contacts, r.resolve), http.StatusCreated, nil)
	}
	doc = b.page("/report", http.StatusOK)
	section := text(doc.Find("#contacts"))
	// 1,000 contacts, 700 avoidable; 830 resolved at the first contact.
	for _, want := range []string{"1,000 contacts", "70 % of them failure demand", "resolved at the first contact: 83 % (81 % to 85 %)"} { // text() makes spaces plain
		if !strings.Contains(section, want) {
			t.Errorf("contacts section lacks %q: %q", want, section)
		}
	}
	var unaddressed []string
	doc.Find("ul.unaddressed li strong").Each(func(_ int, li *goquery.Selection) { unaddressed = append(unaddressed, text(li)) })
	if want := []string{"What does this line mean?", "Where is my invoice?"}; !slices.Equal(unaddressed, want) {
		t.Errorf("unaddressed %q, want %q", unaddressed, want)
	}
	rows := doc.Find("table.contact-reasons tbody tr")
	if rows.Length() != 3 || text(rows.First().Find("th")) != "What does this line mean?" || text(rows.Eq(1).Find("td").Eq(3)) != "90 %" {
		t.Errorf("reasons table: %q", text(doc.Find("table.contact-reasons")))
	}
	if src, _ := doc.Find("#contacts img.chart").Attr("src"); !strings.HasPrefix(src, "/api/v1/reports/contact-reasons.svg?from=") {
		t.Errorf("chart %q", src)
	}
	if got := b.get(func() string { src, _ := doc.Find("#contacts img.chart").Attr("src"); return src }()); got.StatusCode != http.StatusOK {
		t.Errorf("the chart with the session: %d", got.StatusCode)
	}
	if value := text(doc.Find("#value")); !strings.Contains(value, "Realised by 0 adopted idea(s)") {
		t.Errorf("value section %q", value)
	}
}
