package api_test

import (
	"context"
	"errors"
	"math"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"cxbacklog/api"
	"cxbacklog/domain"
	"cxbacklog/domain/demo"
	"cxbacklog/repository/pgtest"
)

// demoEnv loads the demo into a fresh workspace "demo" of e's database and
// returns the workspace id and a viewer key of it.
func demoEnv(t *testing.T, e *env) (string, string) {
	t.Helper()
	ctx := context.Background()
	ws, _, err := e.store.EnsureWorkspace(ctx, demo.Workspace)
	if err != nil {
		t.Fatal(err)
	}
	if err := demo.Load(ctx, e.store, ws.ID, "demo", time.Now()); err != nil {
		t.Fatalf("LoadDemo: %v", err)
	}
	return ws.ID, pgtest.Key(t, e.store, ws.ID, domain.RoleViewer)
}

func TestDemoReports(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	wsID, key := demoEnv(t, e)
	get := func(path string, v any) {
		t.Helper()
		e.do(http.MethodGet, path, key, nil).want(t, http.StatusOK).json(t, v)
	}

	t.Run("blind spots", func(t *testing.T) {
		var bs api.BlindSpots
		get("/api/v1/reports/blind-spots", &bs)
		reasons := map[string]string{}
		var names []string
		for _, it := range bs.Items {
			names = append(names, it.Touchpoint.Name)
			reasons[it.Touchpoint.Name] = strings.Join(it.Reasons, "; ")
		}
		want := []string{"Phone queue", "Entrance", "Greeting", "Invoice", "Location & directions"} // failing first, then by name
		if !slices.Equal(names, want) {
			t.Fatalf("blind spots = %q, want %q; %+v", names, want, bs.Items)
		}
		for name, reason := range map[string]string{
			"Phone queue":           "failing on Customer satisfaction (CSAT) and no open idea targets it",
			"Entrance":              "never measured",
			"Greeting":              "at_risk on Customer satisfaction (CSAT) and no open idea targets it",
			"Invoice":               "3 idea(s) target it but it has no measurement to judge them by",
			"Location & directions": "not measured in the last 90 days",
		} {
			if !strings.Contains(reasons[name], reason) {
				t.Errorf("%s: reasons %q, want %q", name, reasons[name], reason)
			}
		}
		if bs.Items[0].Ideas == 0 || bs.Items[0].OpenIdeas != 0 {
			t.Errorf("Phone queue should have ideas, none open: %+v", bs.Items[0])
		}
	})

	t.Run("coverage", func(t *testing.T) {
		var c api.Coverage
		get("/api/v1/reports/coverage", &c)
		if o := c.Overall; o.Touchpoints != 13 || o.Measured != 11 || o.WithIdeas != 12 || o.WithPilots != 2 {
			t.Errorf("overall = %+v, want 13 touchpoints, 11 measured, 12 with ideas, 2 with pilots", o)
		}
		owners := map[string]api.CoverageRow{}
		for _, r := range c.ByOwner {
			owners[r.Group] = r
		}
		if r := owners["Contact centre"]; r.Touchpoints != 3 || r.Measured != 3 || r.WithPilots != 1 {
			t.Errorf("Contact centre = %+v", r)
		}
		if r := owners["PayFast"]; r.Touchpoints != 1 || r.Measured != 1 || r.WithIdeas != 1 {
			t.Errorf("partner PayFast = %+v", r)
		}
		if r := owners["Billing"]; r.Touchpoints != 1 || r.Measured != 0 || r.WithIdeas != 1 {
			t.Errorf("Billing = %+v", r)
		}
		if len(c.ByChannel) != 5 { // web, physical_environment, in_person, phone, mail
			t.Errorf("channels = %+v", c.ByChannel)
		}
	})

	t.Run("impact", func(t *testing.T) {
		var l api.ImpactLedger
		get("/api/v1/reports/impact", &l)
		if len(l.Entries) != 3 {
			t.Fatalf("impact entries = %d, want the headset pilot's 3 metrics: %+v", len(l.Entries), l.Entries)
		}
		verdicts := map[string]string{}
		for _, en := range l.Entries {
			if en.Idea != "Headsets and sound barriers for agents" || en.Touchpoint.Name != "Phone conversation" ||
				en.Decision != "adopt" || en.IdeaStatus != "adopted" || en.CompletedAt == nil {
				t.Errorf("entry %+v", en)
			}
			verdicts[en.Result.Name] = en.Result.Verdict
			if en.Result.Name == "Handle time" {
				if en.Result.Estimate == nil || *en.Result.Estimate > -20 || en.Result.Improvement == nil || *en.Result.ImprovementCILow <= 0 {
					t.Errorf("handle time: %+v", en.Result)
				}
			}
		}
		if verdicts["Handle time"] != "improved" || verdicts["CSAT"] != "improved" || verdicts["Complaints"] == "" {
			t.Errorf("verdicts = %v", verdicts)
		}
		var adopted []string
		for _, i := range l.AdoptedWithoutPilot {
			adopted = append(adopted, i.Title)
		}
		slices.Sort(adopted)
		if want := []string{"Pay at the table with a handheld terminal", "Photos and allergens on the online menu"}; !slices.Equal(adopted, want) {
			t.Errorf("adopted without pilot = %q, want %q", adopted, want)
		}
	})

	t.Run("matrix", func(t *testing.T) {
		var m api.Matrix
		get("/api/v1/reports/matrix?status=all", &m)
		if m.QuickWin.Count != 8 || m.BigBet.Count != 7 || m.FillIn.Count != 6 || m.MoneyPit.Count != 5 {
			t.Errorf("quadrants: quick wins %d, big bets %d, fill-ins %d, money pits %d; want 8, 7, 6, 5",
				m.QuickWin.Count, m.BigBet.Count, m.FillIn.Count, m.MoneyPit.Count)
		}
		statuses := map[string]bool{}
		for _, q := range []api.Quadrant{m.QuickWin, m.BigBet, m.FillIn, m.MoneyPit} {
			for _, i := range q.Ideas {
				statuses[i.Status] = true
			}
		}
		for _, s := range domain.IdeaStatuses {
			if !statuses[string(s)] {
				t.Errorf("no idea is %s", s)
			}
		}
	})

	var journeys struct{ Items []api.Journey }
	get("/api/v1/journeys", &journeys)
	if len(journeys.Items) != 2 {
		t.Fatalf("journeys = %+v", journeys.Items)
	}

	t.Run("heatmap", func(t *testing.T) {
		var h api.Heatmap
		get("/api/v1/journeys/"+journeys.Items[0].ID+"/heatmap", &h)
		if h.Journey != "Lunch at the restaurant" || len(h.Stages) != 5 {
			t.Fatalf("heatmap %s with %d stages", h.Journey, len(h.Stages))
		}
		health := map[string]string{}
		for _, st := range h.Stages {
			for _, c := range st.Touchpoints {
				health[c.Touchpoint.Name] = c.Health
			}
		}
		want := map[string]string{"Taste of the food": "failing", "Menu online": "healthy", "Staff friendliness": "healthy",
			"Paying the bill": "healthy", "Opening hours": "healthy", "Greeting": "at_risk", "Ordering speed": "at_risk", "Entrance": "unknown"}
		for name, w := range want {
			if health[name] != w {
				t.Errorf("%s is %q, want %q (all: %v)", name, health[name], w, health)
			}
		}
	})

	t.Run("touchpoint health", func(t *testing.T) {
		var tps struct{ Items []api.Touchpoint }
		get("/api/v1/touchpoints?limit=100", &tps)
		byName := map[string]string{}
		for _, tp := range tps.Items {
			byName[tp.Name] = tp.ID
		}
		for name, want := range map[string]map[string][2]string{ // metric key: health, trend
			"Taste of the food":        {"csat": {"failing", "worsening"}, "nps": {"failing", "worsening"}},
			"Phone conversation":       {"aht": {"healthy", "improving"}, "csat": {"healthy", "improving"}},
			"First-contact resolution": {"fcr": {"at_risk", "stable"}},
			"Phone queue":              {"csat": {"failing", "worsening"}},
		} {
			var h api.TouchpointHealth
			get("/api/v1/touchpoints/"+byName[name]+"/health", &h)
			for _, m := range h.Metrics {
				if w, ok := want[m.Metric.Key]; ok && (m.Health != w[0] || m.Trend != w[1] || len(m.Periods) != 6) {
					t.Errorf("%s on %s: %s, %s over %d periods; want %s, %s over 6", name, m.Metric.Key, m.Health, m.Trend, len(m.Periods), w[0], w[1])
				}
			}
		}
	})

	t.Run("running pilot", func(t *testing.T) {
		var pilots api.PilotList
		get("/api/v1/pilots?status=running", &pilots)
		if len(pilots.Items) != 1 {
			t.Fatalf("running pilots = %+v", pilots.Items)
		}
		var r api.PilotResults
		get("/api/v1/pilots/"+pilots.Items[0].ID+"/results", &r)
		if r.Status != "running" || r.Frozen || r.Verdict == nil || len(r.Metrics) != 2 {
			t.Fatalf("results = %+v", r)
		}
		for _, m := range r.Metrics {
			if m.Estimate == nil || m.CILow == nil || m.Design != "difference_in_differences" {
				t.Errorf("metric %s not computed: %+v", m.Name, m)
			}
		}
		var ideas struct{ Items []api.Idea }
		get("/api/v1/ideas?status=piloting", &ideas)
		if len(ideas.Items) != 1 || ideas.Items[0].Title != "Digital queue screen at the counter" {
			t.Errorf("piloting ideas = %+v", ideas.Items)
		}
	})

	t.Run("money", func(t *testing.T) {
		var pilots struct{ Items []api.Pilot }
		get("/api/v1/pilots?status=completed", &pilots)
		if len(pilots.Items) != 1 {
			t.Fatalf("completed pilots = %+v", pilots.Items)
		}
		var r api.PilotResults
		get("/api/v1/pilots/"+pilots.Items[0].ID+"/results", &r)
		priced := map[string]float64{}
		for _, m := range r.Metrics {
			if m.Value != nil {
				priced[m.Name] = m.Value.AnnualValue
			}
		}
		// Handle time −28 s against control × 0.015 EUR × 120,000 calls = 50,400 EUR; CSAT has no driver.
		if len(priced) != 2 || math.Abs(priced["Handle time"]-50400) > 1e-6 || priced["Complaints"] <= 0 {
			t.Errorf("priced metrics = %v", priced)
		}
		if v := r.ValueTotal; v == nil || v.CILow <= 0 || v.CIHigh <= v.AnnualValue || v.ProbabilityNetPositive < 0.99 {
			t.Errorf("value total = %+v", v)
		}

		var ideas struct{ Items []api.Idea }
		get("/api/v1/ideas?status=all&sort=-expected_net_annual_value&limit=10", &ideas)
		withCase := 0
		for _, i := range ideas.Items {
			if i.BusinessCase != nil {
				withCase++
			}
		}
		if withCase != 9 || ideas.Items[0].Title != "Plain-language invoice with a summary box" {
			t.Errorf("%d ideas with a case, first %q", withCase, ideas.Items[0].Title)
		}

		var report api.ValueReport
		get("/api/v1/reports/value", &report)
		// Open ideas with a case: plain invoice 48,000, knowledge base 54,000, e-invoice 24,000,
		// chef's tasting 14,560, local supplier 21,840 = 162,400.
		if report.Realised.Count != 1 || report.Pipeline.Count != 5 || math.Abs(report.Pipeline.ExpectedAnnualValue-162400) > 1e-6 ||
			math.Abs(report.Realised.AnnualValue-r.ValueTotal.AnnualValue) > 1e-6 {
			t.Errorf("value report realised %+v, pipeline %+v", report.Realised, report.Pipeline)
		}
		if len(report.FailingTouchpoints) != 1 || report.FailingTouchpoints[0].Touchpoint != "First-contact resolution" {
			t.Errorf("failing touchpoints = %+v", report.FailingTouchpoints)
		}
		// The phone conversation ranks third by weighted pipeline value alone (13,500 after the invoice's
		// 40,800 and the food's 19,656) but first with the headsets' realised value (59,974 + 13,500).
		var top api.ValueReport
		get("/api/v1/reports/value?limit=1", &top)
		if len(top.ByTouchpoint) != 1 || top.ByTouchpoint[0].Name != "Phone conversation" || top.OtherTouchpoints != 3 ||
			math.Abs(top.ByTouchpoint[0].RealisedAnnualValue-r.ValueTotal.AnnualValue) > 1e-6 {
			t.Errorf("top touchpoint %+v, %d more", top.ByTouchpoint, top.OtherTouchpoints)
		}
	})

	t.Run("contact reasons", func(t *testing.T) {
		var r api.ContactReasonsReport
		get("/api/v1/reports/contact-reasons", &r)
		// The last full month: every reason's twelfth month, 2,300 + 1,000 + 700 + 380 + 360 + 330 + 255.
		if r.Contacts != 5325 || r.Reasons[0].Name != "What does this line on my invoice mean?" || r.FailureDemandShare == nil ||
			math.Abs(*r.FailureDemandShare-4710.0/5325) > 1e-12 {
			t.Errorf("report: %d contacts, first %q, failure demand %v", r.Contacts, r.Reasons[0].Name, r.FailureDemandShare)
		}
		var unaddressed []string
		for _, u := range r.Unaddressed {
			unaddressed = append(unaddressed, u.Name)
		}
		if want := []string{"Why is my bill higher than last month?", "How long will I have to wait?"}; !slices.Equal(unaddressed, want) {
			t.Errorf("unaddressed demand %q, want %q", unaddressed, want)
		}
		var bs api.BlindSpots
		get("/api/v1/reports/blind-spots", &bs)
		if len(bs.UnaddressedDemand) != 2 {
			t.Errorf("blind spots' unaddressed demand %+v", bs.UnaddressedDemand)
		}

		// The e-invoice addresses two reasons: 24,560 + 4,980 contacts over the last twelve months, per month.
		var ideas struct{ Items []api.Idea }
		get("/api/v1/ideas?status=all&sort=-contacts_per_month&limit=3", &ideas)
		if first := ideas.Items[0]; first.Title != "E-invoice with explanation links" || first.Evidence.ContactReasons != 2 ||
			math.Abs(first.Evidence.ContactsPerMonth-(24560.0+4980)/12) > 1e-9 {
			t.Errorf("first by contacts: %q %+v", first.Title, first.Evidence)
		}
		var feedback struct{ Items []api.Feedback }
		get("/api/v1/feedback?q=lukewarm", &feedback)
		if len(feedback.Items) != 2 {
			t.Errorf("feedback about lukewarm food: %+v", feedback.Items)
		}
	})

	t.Run("links", func(t *testing.T) {
		links, err := demo.Links(context.Background(), e.store, wsID)
		if err != nil {
			t.Fatal(err)
		}
		for _, l := range links {
			if strings.HasSuffix(strings.SplitN(l.Path, "?", 2)[0], ".svg") {
				continue // the charts are tested with the charts
			}
			e.do(http.MethodGet, l.Path, key, nil).want(t, http.StatusOK)
		}
		if len(links) < 12 {
			t.Errorf("links = %+v", links)
		}
	})

	t.Run("twice", func(t *testing.T) {
		err := demo.Load(context.Background(), e.store, wsID, "demo", time.Now())
		if !errors.Is(err, demo.ErrNotEmpty) {
			t.Fatalf("second LoadDemo = %v, want ErrDemoNotEmpty", err)
		}
		var again struct{ Items []api.Journey }
		get("/api/v1/journeys", &again)
		var m api.Matrix
		get("/api/v1/reports/matrix?status=all", &m)
		if len(again.Items) != 2 || m.QuickWin.Count+m.BigBet.Count+m.FillIn.Count+m.MoneyPit.Count != 26 {
			t.Errorf("after a second load: %d journeys, %d ideas", len(again.Items), m.QuickWin.Count+m.BigBet.Count+m.FillIn.Count+m.MoneyPit.Count)
		}
	})
}

// failingMeasurements is the store, except that measurements cannot be added.
type failingMeasurements struct{ api.Store }

func (failingMeasurements) AddMeasurements(context.Context, []domain.Measurement) error {
	return errors.New("disk full")
}

func TestDemoAllOrNothing(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	err := demo.Load(ctx, failingMeasurements{e.store}, e.wsID, "demo", time.Now())
	if err == nil || !strings.Contains(err.Error(), "disk full") {
		t.Fatalf("LoadDemo = %v, want the store's error", err)
	}
	for _, path := range []string{"/api/v1/journeys", "/api/v1/touchpoints", "/api/v1/ideas", "/api/v1/pilots"} {
		var page struct{ Items []any }
		e.do(http.MethodGet, path, e.viewer, nil).want(t, http.StatusOK).json(t, &page)
		if len(page.Items) != 0 {
			t.Errorf("%s after a failed load: %d items", path, len(page.Items))
		}
	}
	// Nothing was left, so the demo loads now.
	if err := demo.Load(ctx, e.store, e.wsID, "demo", time.Now()); err != nil {
		t.Fatal(err)
	}
}
