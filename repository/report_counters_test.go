package repository_test

import (
	"context"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"cxbacklog/domain"
	"cxbacklog/repository"
)

// The reports read each touchpoint's idea and pilot counts and latest
// measurements from what triggers keep (migrations/00018); after every kind
// of write, what TouchpointFacts returns (for the workspace and for a
// journey) must equal an aggregate of the ideas, pilots and measurements
// themselves.
func TestReportCountersFollowEveryWrite(t *testing.T) {
	t.Parallel()
	store := newStore(t)
	ctx := context.Background()
	ws := newWorkspace(t, store, "acme")
	other := newWorkspace(t, store, "other")
	j := createJourney(t, store, ws, "Support", "Call", "Pay")
	j2 := createJourney(t, store, ws, "Onboarding", "Sign up")
	a := createTouchpoint(t, store, j, 0, tp{name: "Phone"})
	b := createTouchpoint(t, store, j, 1, tp{name: "Invoice"})
	c := createTouchpoint(t, store, j2, 0, tp{name: "Form"})
	o := createTouchpoint(t, store, createJourney(t, store, other, "J", "S"), 0, tp{name: "Elsewhere"})
	storeIdea(t, store, newTestIdea(other, "elsewhere", o.ID))
	metrics, err := store.ListCatalogueMetrics(ctx, ws)
	if err != nil || len(metrics) < 2 {
		t.Fatalf("catalogue: %v, %v", metrics, err)
	}

	check := func(what string) {
		t.Helper()
		for _, w := range []string{ws, other} {
			if got, want := factsOf(t, store, w, nil), factsFromScratch(t, store, w, ""); got != want {
				t.Fatalf("%s: facts\n%s\nfrom scratch\n%s", what, got, want)
			}
		}
		for _, jid := range []string{j.ID, j2.ID} {
			if got, want := factsOf(t, store, ws, &jid), factsFromScratch(t, store, ws, jid); got != want {
				t.Fatalf("%s, journey %s: facts\n%s\nfrom scratch\n%s", what, jid, got, want)
			}
		}
	}
	check("before any idea")

	first := storeIdea(t, store, newTestIdea(ws, "first", a.ID, b.ID))
	planned := newTestIdea(ws, "planned", b.ID, c.ID)
	planned.Status = domain.StatusPlanned
	storeIdea(t, store, planned)
	check("after creating ideas")
	imported := []domain.Idea{*newTestIdea(ws, "imported 1", a.ID), *newTestIdea(ws, "imported 2", a.ID, c.ID)}
	imported[1].Status = domain.StatusRejected
	if err := store.CreateIdeas(ctx, imported, ideaActor); err != nil {
		t.Fatal(err)
	}
	check("after an import")

	update := func(what string, id string, change func(*domain.Idea) error) {
		t.Helper()
		cur := getIdea(t, store, ws, id)
		if _, err := store.UpdateIdea(ctx, ws, id, cur.Version, "t", change); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		check("after " + what)
	}
	update("a status change", first.ID, func(i *domain.Idea) error { return i.MoveTo(domain.StatusUnderReview) })
	update("touchpoints replaced", first.ID, func(i *domain.Idea) error { i.TouchpointIDs = []string{c.ID, b.ID}; return nil })
	update("a status change and touchpoints replaced at once", first.ID, func(i *domain.Idea) error {
		i.TouchpointIDs = []string{a.ID}
		return i.MoveTo(domain.StatusParked)
	})
	if _, err := store.UpdateScoring(ctx, ws, 1, domain.Scoring{WeightImpact: 1, WeightExperience: 3, ValueThreshold: 2, EffortThreshold: 4}); err != nil {
		t.Fatal(err)
	}
	check("after re-scoring")

	// Pilots: created (planned), started (the idea moves to piloting too),
	// moved to other touchpoints, completed; another created and deleted.
	newPilot := func() *domain.Pilot {
		t.Helper()
		p := &domain.Pilot{WorkspaceID: ws, IdeaID: planned.ID, Hypothesis: "h", ConfidenceLevel: 0.95, Status: domain.PilotPlanned}
		if err := (domain.PilotActions{Store: store}).Create(ctx, p); err != nil {
			t.Fatal(err)
		}
		return p
	}
	transition := func(what string, p *domain.Pilot, change func(p *domain.Pilot, i *domain.Idea) error) *domain.Pilot {
		t.Helper()
		out, err := store.TransitionPilot(ctx, ws, p.ID, p.Version, "t", func(p *domain.Pilot, i *domain.Idea, _ *domain.PilotData) error {
			return change(p, i)
		})
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		check("after " + what)
		return out
	}
	p := newPilot()
	check("after creating a pilot")
	p = transition("starting a pilot", p, func(p *domain.Pilot, i *domain.Idea) error { return p.Start(i, time.Now()) })
	p, err = store.UpdatePilot(ctx, ws, p.ID, p.Version, func(p *domain.Pilot) error { p.TouchpointIDs = []string{a.ID, c.ID}; return nil })
	if err != nil {
		t.Fatal(err)
	}
	check("after moving a running pilot to other touchpoints")
	transition("completing a pilot", p, func(p *domain.Pilot, _ *domain.Idea) error { return p.MoveTo(domain.PilotCompleted, time.Now()) })
	doomed := newPilot()
	check("after creating another pilot")
	if err := store.DeletePilot(ctx, ws, doomed.ID, doomed.Version); err != nil {
		t.Fatal(err)
	}
	check("after deleting a pilot")

	cur := getIdea(t, store, ws, imported[1].ID)
	if err := store.DeleteIdea(ctx, ws, cur.ID, cur.Version); err != nil {
		t.Fatal(err)
	}
	check("after deleting an idea")

	// Measurements: added, a newer one, upserted, replaced, deleted.
	measurement := func(tpID string, metric int, month time.Month, successes int) domain.Measurement {
		start := time.Date(2026, month, 1, 0, 0, 0, 0, time.UTC)
		return domain.Measurement{WorkspaceID: ws, TouchpointID: tpID, MetricID: metrics[metric].ID, PeriodStart: start,
			PeriodEnd: start.AddDate(0, 1, -1), Sample: domain.Sample{N: 100, Mean: 3, SD: 1, Successes: successes, Promoters: 50,
				Detractors: 10, Passives: 40, Events: 5, Exposure: 100}}
	}
	if err := store.AddMeasurements(ctx, []domain.Measurement{measurement(a.ID, 0, 8, 60), measurement(a.ID, 1, 8, 61),
		measurement(c.ID, 0, 9, 62)}); err != nil {
		t.Fatal(err)
	}
	check("after adding measurements")
	if err := store.AddMeasurements(ctx, []domain.Measurement{measurement(a.ID, 0, 9, 63)}); err != nil {
		t.Fatal(err)
	}
	check("after adding a newer measurement")
	if err := store.AddMeasurements(ctx, []domain.Measurement{measurement(a.ID, 0, 7, 64)}); err != nil {
		t.Fatal(err)
	}
	check("after adding an older measurement")
	if _, err := store.UpsertMeasurements(ctx, []domain.Measurement{measurement(a.ID, 0, 9, 65), measurement(b.ID, 1, 9, 66)}); err != nil {
		t.Fatal(err)
	}
	check("after an upsert")
	ms, err := store.ListMeasurements(ctx, ws, a.ID, &metrics[0].ID, 10)
	if err != nil || len(ms) != 3 || ms[0].PeriodStart.Month() != 9 {
		t.Fatalf("measurements %+v, %v", ms, err)
	}
	replaced, err := store.ReplaceMeasurement(ctx, ws, a.ID, ms[0].ID, ms[0].Version, func(m *domain.Measurement) error {
		m.Sample.Successes = 67
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	check("after replacing the latest measurement")
	if err := store.DeleteMeasurement(ctx, ws, a.ID, replaced.ID, replaced.Version); err != nil {
		t.Fatal(err)
	}
	check("after deleting the latest measurement")
	for _, m := range ms[1:] {
		if err := store.DeleteMeasurement(ctx, ws, a.ID, m.ID, m.Version); err != nil {
			t.Fatal(err)
		}
	}
	check("after deleting every measurement of a series")

	// Something to lose: the facts must not be empty for the checks to mean
	// anything.
	facts := factsOf(t, store, ws, nil)
	for _, want := range []string{"new:1", "piloting:1", "parked:1", "pilots:1 running:0", "latest:"} {
		if !strings.Contains(facts, want) {
			t.Fatalf("facts lack %q:\n%s", want, facts)
		}
	}
}

// factsOf is TouchpointFacts as lines: a touchpoint's counts by status,
// its open ideas and pilots, and its latest measurements.
func factsOf(t *testing.T, store *repository.Store, ws string, journeyID *string) string {
	t.Helper()
	facts, err := store.TouchpointFacts(context.Background(), ws, journeyID)
	if err != nil {
		t.Fatal(err)
	}
	if journeyID == nil {
		cells, err := store.CoverageCells(context.Background(), ws)
		if err != nil {
			t.Fatal(err)
		}
		if got, want := domain.CoverageOfCells(cells), domain.CoverageOf(facts); !reflect.DeepEqual(got, want) {
			t.Fatalf("coverage from the store's cells:\n%+v\nfrom the touchpoints' facts:\n%+v", got, want)
		}
	}
	var out []string
	for _, f := range facts {
		var line []string
		for _, st := range []domain.IdeaStatus{domain.StatusNew, domain.StatusUnderReview, domain.StatusPlanned, domain.StatusPiloting,
			domain.StatusAdopted, domain.StatusRejected, domain.StatusParked} {
			if n := f.IdeasByStatus[st]; n != 0 {
				line = append(line, fmt.Sprintf("%s:%d", st, n))
			}
		}
		if len(f.IdeasByStatus) != len(line) {
			t.Fatalf("touchpoint %s: ideas by status %v", f.Touchpoint.Name, f.IdeasByStatus)
		}
		if f.Ideas != f.IdeasIn(nil) || f.OpenIdeas != f.IdeasIn(domain.OpenIdeaStatuses) {
			t.Fatalf("touchpoint %s: %d ideas, %d open, by status %v", f.Touchpoint.Name, f.Ideas, f.OpenIdeas, f.IdeasByStatus)
		}
		line = append(line, fmt.Sprintf("ideas:%d open:%d pilots:%d running:%d", f.Ideas, f.OpenIdeas, f.Pilots, f.RunningPilots))
		var latest []string
		for metric, m := range f.Latest {
			if m.TouchpointID != f.Touchpoint.ID || m.MetricID != metric {
				t.Fatalf("touchpoint %s: latest %+v under metric %s", f.Touchpoint.Name, m, metric)
			}
			latest = append(latest, fmt.Sprintf("latest:%s %s %s..%s v%d %+v", metric, m.ID, m.PeriodStart.Format(time.DateOnly),
				m.PeriodEnd.Format(time.DateOnly), m.Version, m.Sample))
		}
		slices.Sort(latest)
		out = append(out, f.Touchpoint.Name+" "+f.Touchpoint.ID+" "+strings.Join(append(line, latest...), " "))
	}
	return strings.Join(out, "\n")
}

// factsFromScratch is what factsOf must say, aggregated from the ideas'
// own statuses, the pilots' and every measurement (of the journey's
// touchpoints when journeyID is not empty).
func factsFromScratch(t *testing.T, store *repository.Store, ws, journeyID string) string {
	t.Helper()
	rows, err := store.SQL().QueryContext(context.Background(), `
		SELECT t.name, t.id,
		       (SELECT COALESCE(string_agg(s.status || ':' || s.n, ' ' ORDER BY array_position(
		                    ARRAY['new', 'under_review', 'planned', 'piloting', 'adopted', 'rejected', 'parked'], s.status)), '')
		        FROM (SELECT i.status, count(*) AS n FROM idea_touchpoints it JOIN ideas i ON i.id = it.idea_id
		              WHERE it.touchpoint_id = t.id GROUP BY i.status) s),
		       (SELECT count(*) FROM idea_touchpoints it WHERE it.touchpoint_id = t.id),
		       (SELECT count(*) FROM idea_touchpoints it JOIN ideas i ON i.id = it.idea_id
		        WHERE it.touchpoint_id = t.id AND i.status IN ('new', 'under_review', 'planned', 'piloting')),
		       (SELECT count(*) FROM pilot_touchpoints pt WHERE pt.touchpoint_id = t.id),
		       (SELECT count(*) FROM pilot_touchpoints pt JOIN pilots p ON p.id = pt.pilot_id WHERE pt.touchpoint_id = t.id AND p.status = 'running')
		FROM touchpoints t WHERE t.workspace_id = $1 AND ($2 = '' OR t.journey_id::text = $2) ORDER BY t.name, t.id`, ws, journeyID)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var name, id, byStatus string
		var ideas, open, pilots, running int
		if err := rows.Scan(&name, &id, &byStatus, &ideas, &open, &pilots, &running); err != nil {
			t.Fatal(err)
		}
		line := name + " " + id + " "
		if byStatus != "" {
			line += byStatus + " "
		}
		line += fmt.Sprintf("ideas:%d open:%d pilots:%d running:%d", ideas, open, pilots, running)
		ms, err := latestFromScratch(store, id)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range ms {
			line += fmt.Sprintf(" latest:%s %s %s..%s v%d %+v", m.MetricID, m.ID, m.PeriodStart.Format(time.DateOnly),
				m.PeriodEnd.Format(time.DateOnly), m.Version, m.Sample)
		}
		out = append(out, line)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return strings.Join(out, "\n")
}

// latestFromScratch picks, per metric, the touchpoint's measurement with the
// latest period end, then start, from every measurement, by metric id.
func latestFromScratch(store *repository.Store, touchpointID string) ([]domain.Measurement, error) {
	rows, err := store.SQL().QueryContext(context.Background(), `
		SELECT DISTINCT ON (metric_id) id, metric_id, period_start, period_end, version, n, mean, sd, successes, promoters, passives,
		       detractors, events, exposure
		FROM touchpoint_measurements WHERE touchpoint_id = $1
		ORDER BY metric_id, period_end DESC, period_start DESC`, touchpointID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []domain.Measurement
	for rows.Next() {
		var m domain.Measurement
		s := &m.Sample
		if err := rows.Scan(&m.ID, &m.MetricID, &m.PeriodStart, &m.PeriodEnd, &m.Version, &s.N, &s.Mean, &s.SD, &s.Successes,
			&s.Promoters, &s.Passives, &s.Detractors, &s.Events, &s.Exposure); err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	slices.SortFunc(out, func(x, y domain.Measurement) int { return strings.Compare(x.MetricID, y.MetricID) })
	return out, rows.Err()
}
