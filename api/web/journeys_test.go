package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"cxbacklog/domain"
	"cxbacklog/repository/pgtest"

	"github.com/PuerkitoBio/goquery"
)

// jrnWorld is a support journey of the site's workspace: two stages, three
// touchpoints, CSAT on two of them (one stale and failing), handle time on
// the queue, two open ideas and a rejected one at the queue, and a running
// pilot there.
type jrnWorld struct {
	journey                 *domain.Journey
	queue, ivr, callback    string
	csat, aht               domain.CatalogueMetric
	headsets, slots, reject string
	pilot                   string
}

// jrnMetrics is the workspace's catalogue by key.
func (s *site) jrnMetrics(ws string) map[string]domain.CatalogueMetric {
	s.t.Helper()
	ms, err := s.store.ListCatalogueMetrics(context.Background(), ws)
	if err != nil {
		s.t.Fatal(err)
	}
	out := map[string]domain.CatalogueMetric{}
	for _, m := range ms {
		out[m.Key] = m
	}
	return out
}

// jrnJourney stores a journey of workspace ws with the stages named.
func (s *site) jrnJourney(ws, name string, stages ...string) *domain.Journey {
	s.t.Helper()
	j := &domain.Journey{ID: domain.NewID(), WorkspaceID: ws, Name: name, Description: "From dialling to a solved problem"}
	for _, st := range stages {
		j.Stages = append(j.Stages, domain.Stage{ID: domain.NewID(), Name: st})
	}
	if err := s.store.CreateJourney(context.Background(), j); err != nil {
		s.t.Fatal(err)
	}
	return j
}

// jrnTouchpoint stores a touchpoint in stage n of j.
func (s *site) jrnTouchpoint(j *domain.Journey, stage int, name string) string {
	s.t.Helper()
	tp := &domain.Touchpoint{ID: domain.NewID(), WorkspaceID: j.WorkspaceID, JourneyID: j.ID, StageID: j.Stages[stage].ID, Name: name,
		Channel: domain.ChannelPhone, Owner: "Contact centre"}
	if err := s.store.CreateTouchpoint(context.Background(), tp); err != nil {
		s.t.Fatal(err)
	}
	return tp.ID
}

// jrnMeasure stores a measurement of the period ending endDaysAgo days
// before now, 30 days long.
func (s *site) jrnMeasure(ws, touchpoint string, m domain.CatalogueMetric, endDaysAgo int, smp domain.Sample) {
	s.t.Helper()
	end := s.jrnDay(-endDaysAgo)
	ms := []domain.Measurement{{WorkspaceID: ws, TouchpointID: touchpoint, MetricID: m.ID, PeriodStart: end.AddDate(0, 0, -30), PeriodEnd: end,
		Sample: smp, Source: "survey"}}
	if err := s.store.AddMeasurements(context.Background(), ms); err != nil {
		s.t.Fatal(err)
	}
}

// jrnDay is the calendar date days after today.
func (s *site) jrnDay(days int) time.Time {
	y, mo, d := s.now.AddDate(0, 0, days).Date()
	return time.Date(y, mo, d, 0, 0, 0, 0, time.UTC)
}

// jrnIdea stores an idea of the site's workspace.
func (s *site) jrnIdea(title string, impact, experience, effort int, status domain.IdeaStatus, touchpoint string) string {
	s.t.Helper()
	ctx := context.Background()
	sc, _, err := s.store.GetScoring(ctx, s.wsID)
	if err != nil {
		s.t.Fatal(err)
	}
	i := &domain.Idea{ID: domain.NewID(), WorkspaceID: s.wsID, Title: title, TouchpointIDs: []string{touchpoint},
		Impact: impact, Experience: experience, Effort: effort, Confidence: 0.5, Status: status}
	i.Rescore(sc)
	if err := s.store.CreateIdea(ctx, i, "test"); err != nil {
		s.t.Fatal(err)
	}
	return i.ID
}

func (s *site) jrnWorld() *jrnWorld {
	s.t.Helper()
	w := &jrnWorld{journey: s.jrnJourney(s.wsID, "Support call", "Call", "Follow-up")}
	s.jrnJourney(s.wsID, "Onboarding", "Sign up")
	w.queue = s.jrnTouchpoint(w.journey, 0, "Phone queue")
	w.ivr = s.jrnTouchpoint(w.journey, 0, "IVR menu")
	w.callback = s.jrnTouchpoint(w.journey, 1, "Callback")
	metrics := s.jrnMetrics(s.wsID)
	w.csat, w.aht = metrics["csat"], metrics["aht"]
	s.jrnMeasure(s.wsID, w.queue, w.csat, 40, domain.Sample{N: 400, Successes: 300})  // 75 %
	s.jrnMeasure(s.wsID, w.queue, w.csat, 5, domain.Sample{N: 400, Successes: 340})   // 85 %: healthy, improving
	s.jrnMeasure(s.wsID, w.ivr, w.csat, 200, domain.Sample{N: 400, Successes: 200})   // 50 %: failing, stale
	s.jrnMeasure(s.wsID, w.queue, w.aht, 5, domain.Sample{N: 100, Mean: 500, SD: 60}) // 500 s against 360: failing
	w.headsets = s.jrnIdea("Headsets for agents", 4, 5, 1, domain.StatusPlanned, w.queue)
	w.slots = s.jrnIdea("Callback slots", 3, 3, 2, domain.StatusNew, w.queue)
	w.reject = s.jrnIdea("Hold music", 2, 2, 3, domain.StatusRejected, w.queue)
	ctx, actions := context.Background(), domain.PilotActions{Store: s.store}
	p := &domain.Pilot{WorkspaceID: s.wsID, IdeaID: w.headsets, Title: "Headsets for team B", Hypothesis: "Clear sound, shorter calls",
		ConfidenceLevel: domain.DefaultConfidenceLevel, Status: domain.PilotPlanned}
	if err := actions.Create(ctx, p); err != nil {
		s.t.Fatal(err)
	}
	if _, err := actions.Start(ctx, s.wsID, p.ID, 0, "test", s.now); err != nil {
		s.t.Fatal(err)
	}
	w.pilot = p.ID
	return w
}

// jrnRow is the table row whose row header links to href, as its cells' text.
func jrnRow(doc *goquery.Document, table, href string) []string {
	var cells []string
	doc.Find(table + ` tbody tr`).Each(func(_ int, tr *goquery.Selection) {
		if tr.Find(`th[scope=row] a[href="`+href+`"]`).Length() == 1 {
			tr.Find("th, td").Each(func(_ int, c *goquery.Selection) { cells = append(cells, text(c)) })
		}
	})
	return cells
}

func TestJourneysListStagesAndTouchpointCounts(t *testing.T) {
	t.Parallel()
	s := newSite(t)
	w := s.jrnWorld()
	doc := s.signIn(domain.RoleViewer).page("/journeys", http.StatusOK)
	var names []string
	doc.Find(".jrn-journey h2 a").Each(func(_ int, a *goquery.Selection) { names = append(names, text(a)) })
	if strings.Join(names, "|") != "Support call|Onboarding" {
		t.Fatalf("journeys %q", names)
	}
	support := doc.Find(`.jrn-journey:has(a[href="/journeys/` + w.journey.ID + `"])`)
	var stages []string
	support.Find(".jrn-stages li").Each(func(_ int, li *goquery.Selection) { stages = append(stages, text(li)) })
	if want := "Call 2 touchpoints|Follow-up 1 touchpoint"; strings.Join(stages, "|") != want {
		t.Errorf("stages %q, want %q", stages, want)
	}
	if got := text(support.Find(".meta")); got != "2 stages · 3 touchpoints" {
		t.Errorf("summary %q", got)
	}
	if doc.Find(`nav a[href="/journeys"][aria-current=page]`).Length() != 1 {
		t.Error("the nav does not mark Journeys as the current section")
	}
}

func TestJourneyHeatmapChartTableAndMetricSelector(t *testing.T) {
	t.Parallel()
	s := newSite(t)
	w := s.jrnWorld()
	b := s.signIn(domain.RoleViewer)
	path := "/journeys/" + w.journey.ID
	doc := b.page(path, http.StatusOK)

	// The default metric is the API's: the one measured on most touchpoints.
	img := doc.Find("img.chart")
	if src, _ := img.Attr("src"); src != "/api/v1/journeys/"+w.journey.ID+"/heatmap.svg?metric_id="+w.csat.ID {
		t.Fatalf("chart src %q", src)
	}
	if alt, _ := img.Attr("alt"); !strings.Contains(alt, "Customer satisfaction") {
		t.Errorf("chart alt %q", alt)
	}
	src, _ := img.Attr("src")
	if r := b.get(src); r.StatusCode != http.StatusOK || r.Header.Get("Content-Type") != "image/svg+xml" {
		t.Errorf("the chart answers %d %s", r.StatusCode, r.Header.Get("Content-Type"))
	}
	if v, _ := doc.Find(`select#metric_id option[selected]`).Attr("value"); v != w.csat.ID {
		t.Errorf("selected metric %q, want csat", v)
	}
	if why := text(doc.Find(".jrn-why")); !strings.Contains(why, "measured on most") || !strings.Contains(why, "2 of 3 touchpoints") {
		t.Errorf("why this metric: %q", why)
	}
	var groups []string
	doc.Find(`table.jrn-heat th[scope=rowgroup]`).Each(func(_ int, th *goquery.Selection) { groups = append(groups, text(th)) })
	if strings.Join(groups, "|") != "Call|Follow-up" {
		t.Errorf("stages %q", groups)
	}
	recent := s.jrnDay(-5)
	for href, want := range map[string][]string{
		"/touchpoints/" + w.queue:    {"Phone queue phone · Contact centre", "85 %", "healthy", recent.AddDate(0, 0, -30).Format("2 Jan 2006") + " – " + recent.Format("2 Jan 2006"), "no", "2", "1"},
		"/touchpoints/" + w.ivr:      {"IVR menu phone · Contact centre", "50 %", "failing", "", "stale", "0", "0"},
		"/touchpoints/" + w.callback: {"Callback phone · Contact centre", "—", "unknown", "never measured", "—", "0", "0"},
	} {
		got := jrnRow(doc, "table.jrn-heat", href)
		if len(got) != len(want) {
			t.Errorf("row %s = %q", href, got)
			continue
		}
		for n := range want {
			if want[n] != "" && got[n] != want[n] {
				t.Errorf("row %s cell %d = %q, want %q", href, n, got[n], want[n])
			}
		}
	}
	if doc.Find(`table.jrn-heat tbody:last-child th[scope=row] a[href="/touchpoints/`+w.callback+`"]`).Length() != 1 {
		t.Error("the callback is not under its stage")
	}

	// The selector names another metric: chart and table follow.
	doc = b.page(path+"?metric_id="+w.aht.ID, http.StatusOK)
	if src, _ := doc.Find("img.chart").Attr("src"); !strings.HasSuffix(src, "metric_id="+w.aht.ID) {
		t.Errorf("chart src for aht %q", src)
	}
	if v, _ := doc.Find(`select#metric_id option[selected]`).Attr("value"); v != w.aht.ID {
		t.Errorf("selected metric %q, want aht", v)
	}
	if got := jrnRow(doc, "table.jrn-heat", "/touchpoints/"+w.queue); len(got) < 3 || got[1] != "500" || got[2] != "failing" {
		t.Errorf("queue on aht %q", got)
	}
	if got := jrnRow(doc, "table.jrn-heat", "/touchpoints/"+w.ivr); len(got) < 4 || got[3] != "never measured" {
		t.Errorf("ivr on aht %q", got)
	}
	b.page(path+"?metric_id="+domain.NewID(), http.StatusBadRequest)
}

func TestTouchpointHealthTrendIdeasAndPilots(t *testing.T) {
	t.Parallel()
	s := newSite(t)
	w := s.jrnWorld()
	b := s.signIn(domain.RoleViewer)
	path := "/touchpoints/" + w.queue
	doc := b.page(path, http.StatusOK)

	if got := text(doc.Find("h1")); got != "Phone queue" {
		t.Errorf("h1 %q", got)
	}
	if got := text(doc.Find(".jrn-overall")); !strings.Contains(got, "failing") || !strings.Contains(got, "Average handle time") {
		t.Errorf("overall %q, want failing set by handle time", got)
	}
	recent := s.jrnDay(-5)
	period := recent.AddDate(0, 0, -30).Format("2 Jan 2006") + " – " + recent.Format("2 Jan 2006")
	csat := jrnRow(doc, "table.jrn-health", path+"?metric_id="+w.csat.ID+"#trend")
	if want := []string{"healthy", "85 %", "80 % or more", period, "no", "improving"}; len(csat) != 7 || strings.Join(csat[1:], "|") != strings.Join(want, "|") {
		t.Errorf("csat row %q, want %q", csat, want)
	}
	aht := jrnRow(doc, "table.jrn-health", path+"?metric_id="+w.aht.ID+"#trend")
	if want := []string{"failing", "500", "360 or less", period, "no", "unknown"}; len(aht) != 7 || strings.Join(aht[1:], "|") != strings.Join(want, "|") {
		t.Errorf("aht row %q, want %q", aht, want)
	}
	// A metric with a target applies even unmeasured; one with neither does not.
	if nps := jrnRow(doc, "table.jrn-health", path+"?metric_id="+s.jrnMetrics(s.wsID)["nps"].ID+"#trend"); len(nps) != 7 || nps[4] != "never measured" {
		t.Errorf("nps row %q", nps)
	}
	if doc.Find(`table.jrn-health th[scope=row]:contains("Complaints")`).Length() != 0 {
		t.Error("complaints, neither measured nor targeted, is listed")
	}

	// The trend shows the metric that sets the overall health by default.
	if src, _ := doc.Find("img.chart").Attr("src"); src != "/api/v1/touchpoints/"+w.queue+"/trend.svg?metric_id="+w.aht.ID {
		t.Errorf("trend src %q", src)
	}
	doc2 := b.page(path+"?metric_id="+w.csat.ID, http.StatusOK)
	if src, _ := doc2.Find("img.chart").Attr("src"); src != "/api/v1/touchpoints/"+w.queue+"/trend.svg?metric_id="+w.csat.ID {
		t.Errorf("trend src for csat %q", src)
	}
	var values []string
	doc2.Find("table.jrn-trend tbody tr td:nth-of-type(1)").Each(func(_ int, td *goquery.Selection) { values = append(values, text(td)) })
	if strings.Join(values, "|") != "85 %|75 %" {
		t.Errorf("csat periods %q", values)
	}

	var open []string
	doc.Find("ol.jrn-ideas li a.idea-title").Each(func(_ int, a *goquery.Selection) {
		href, _ := a.Attr("href")
		open = append(open, text(a)+" "+href)
	})
	if want := "Headsets for agents /ideas/" + w.headsets + "|Callback slots /ideas/" + w.slots; strings.Join(open, "|") != want {
		t.Errorf("open ideas %q, want %q", open, want)
	}
	if got := text(doc.Find(`.jrn-other-ideas a[href="/ideas/` + w.reject + `"]`)); got != "Hold music" {
		t.Errorf("rejected idea %q", got)
	}
	pilot := jrnRow(doc, "table.jrn-pilots", "/pilots/"+w.pilot)
	if len(pilot) < 2 || pilot[0] != "Headsets for team B" || pilot[1] != "running" {
		t.Errorf("pilot row %q", pilot)
	}
	if doc.Find(`form[action^="/touchpoints/`+w.queue+`/measurements"]`).Length() != 0 {
		t.Error("a viewer is offered the measurement form")
	}
}

// jrnForm is the measurement form as a browser sends it: every field, the
// unused ones empty.
func jrnForm(metric, start, end string, values map[string]string) url.Values {
	f := url.Values{"metric_id": {metric}, "period_start": {start}, "period_end": {end}, "source": {"Post-call survey"}}
	for _, name := range []string{"n", "mean", "sd", "successes", "promoters", "passives", "detractors", "events", "exposure"} {
		f.Set(name, values[name])
	}
	return f
}

func (s *site) jrnCount(touchpoint string) int {
	s.t.Helper()
	ms, err := s.store.ListMeasurements(context.Background(), s.wsID, touchpoint, nil, domain.MaxPageSize)
	if err != nil {
		s.t.Fatal(err)
	}
	return len(ms)
}

func TestAddMeasurementOnTheTouchpointPage(t *testing.T) {
	t.Parallel()
	s := newSite(t)
	w := s.jrnWorld()
	path := "/touchpoints/" + w.callback
	start, end := s.jrnDay(-40).Format(time.DateOnly), s.jrnDay(-10).Format(time.DateOnly)
	editor := s.signIn(domain.RoleEditor)
	form := editor.page(path, http.StatusOK).Find(`form[action^="` + path + `/measurements"]`)
	if form.Length() != 1 || form.Find(`input[name=csrf]`).Length() != 1 {
		t.Fatal("an editor has no measurement form with a CSRF token")
	}
	form.Find("input:not([type=hidden]), select").Each(func(_ int, in *goquery.Selection) {
		id, _ := in.Attr("id")
		if id == "" || form.Find(`label[for="`+id+`"]`).Length() != 1 {
			t.Errorf("input %v has no label", in.AttrOr("name", "?"))
		}
	})
	if hint := text(form.Find("#m-successes-hint")); !strings.Contains(hint, "proportion") {
		t.Errorf("the successes hint does not say which kind: %q", hint)
	}

	r := editor.submit(path+"/measurements", jrnForm(w.csat.ID, start, end, map[string]string{"n": "200", "successes": "140"}))
	if r.StatusCode != http.StatusSeeOther || !strings.HasPrefix(r.Header.Get("Location"), path+"?") {
		t.Fatalf("add: %d to %q", r.StatusCode, r.Header.Get("Location"))
	}
	doc := editor.page(r.Header.Get("Location"), http.StatusOK)
	if !strings.Contains(text(doc.Find(".success")), "Measurement added") {
		t.Error("no confirmation")
	}
	row := jrnRow(doc, "table.jrn-health", path+"?metric_id="+w.csat.ID+"#trend")
	if len(row) != 7 || row[2] != "70 %" || row[4] != s.jrnDay(-40).Format("2 Jan 2006")+" – "+s.jrnDay(-10).Format("2 Jan 2006") || row[1] != "failing" {
		t.Errorf("the new measurement's row %q", row)
	}

	// Invalid values: 422, each message by its field, what was typed kept.
	bad := jrnForm(w.csat.ID, start, "2026-13-01", map[string]string{"n": "200", "successes": "250", "mean": "3"})
	doc = editor.parse(editor.submit(path+"/measurements", bad), http.StatusUnprocessableEntity)
	for field, want := range map[string]string{"successes": "must not exceed n", "mean": "is not a field of a proportion metric", "period_end": "must be a date"} {
		if got := text(doc.Find("#m-" + field + "-error")); !strings.Contains(got, want) {
			t.Errorf("%s: message %q, want %q", field, got, want)
		}
		if inv, _ := doc.Find("#m-" + field).Attr("aria-invalid"); inv != "true" {
			t.Errorf("%s is not marked invalid", field)
		}
	}
	if v, _ := doc.Find("#m-successes").Attr("value"); v != "250" {
		t.Errorf("successes kept as %q", v)
	}
	if v, _ := doc.Find("#m-metric_id option[selected]").Attr("value"); v != w.csat.ID {
		t.Errorf("metric kept as %q", v)
	}
	if doc.Find("#m-n-error").Length() != 0 {
		t.Error("a valid field has a message")
	}
	// A mean metric needs its own fields.
	doc = editor.parse(editor.submit(path+"/measurements", jrnForm(w.aht.ID, start, end, map[string]string{"mean": "300"})), http.StatusUnprocessableEntity)
	if got := text(doc.Find("#m-n-error")); !strings.Contains(got, "required for a mean metric") {
		t.Errorf("n for a mean metric: %q", got)
	}

	// The same period again: 409, how to correct it.
	doc = editor.parse(editor.submit(path+"/measurements", jrnForm(w.csat.ID, start, end, map[string]string{"n": "100", "successes": "90"})), http.StatusConflict)
	if got := text(doc.Find(".jrn-measure [role=alert]")); !strings.Contains(got, "already has") || !strings.Contains(got, "PUT /api/v1/touchpoints/"+w.callback+"/measurements/") {
		t.Errorf("duplicate period: %q", got)
	}
	if n := s.jrnCount(w.callback); n != 1 {
		t.Fatalf("%d measurements stored, want 1", n)
	}

	// A viewer has no form, and the server refuses their write anyway.
	viewer := s.signIn(domain.RoleViewer)
	if viewer.page(path, http.StatusOK).Find(`form[action^="`+path+`/measurements"]`).Length() != 0 {
		t.Error("a viewer is offered the form")
	}
	r = viewer.submit(path+"/measurements", jrnForm(w.csat.ID, s.jrnDay(-80).Format(time.DateOnly), s.jrnDay(-50).Format(time.DateOnly), map[string]string{"n": "10", "successes": "5"}))
	if r.StatusCode != http.StatusForbidden {
		t.Errorf("viewer POST: %d, want 403", r.StatusCode)
	}
	if n := s.jrnCount(w.callback); n != 1 {
		t.Errorf("after a viewer's POST %d measurements, want 1", n)
	}
}

func TestJourneyPagesOfAnotherWorkspaceAre404(t *testing.T) {
	t.Parallel()
	s := newSite(t)
	s.jrnWorld()
	otherWS, _ := pgtest.Workspace(t, s.store, "other", domain.RoleAdmin)
	j := s.jrnJourney(otherWS, "Their journey", "Only")
	tp := s.jrnTouchpoint(j, 0, "Their touchpoint")
	csat := s.jrnMetrics(otherWS)["csat"]

	editor := s.signIn(domain.RoleEditor)
	for _, path := range []string{"/journeys/" + j.ID, "/touchpoints/" + tp, "/journeys/not-an-id", "/touchpoints/" + domain.NewID()} {
		doc := editor.page(path, http.StatusNotFound)
		if strings.Contains(doc.Text(), "Their") {
			t.Errorf("%s shows the other workspace's data", path)
		}
	}
	r := editor.submit("/touchpoints/"+tp+"/measurements", jrnForm(csat.ID, s.jrnDay(-40).Format(time.DateOnly), s.jrnDay(-10).Format(time.DateOnly),
		map[string]string{"n": "10", "successes": "5"}))
	if r.StatusCode != http.StatusNotFound {
		t.Errorf("POST to another workspace's touchpoint: %d, want 404", r.StatusCode)
	}
	ms, err := s.store.ListMeasurements(context.Background(), otherWS, tp, nil, domain.MaxPageSize)
	if err != nil || len(ms) != 0 {
		t.Errorf("another workspace's touchpoint has %d measurements (%v)", len(ms), err)
	}
}
