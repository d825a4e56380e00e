package repository_test

import (
	"context"
	"errors"
	"io"
	"testing"

	"cxbacklog/domain"
	"cxbacklog/repository"
)

// pilotFixture is a planned pilot of a planned idea with one mean metric.
type pilotFixture struct {
	ws     string
	idea   *domain.Idea
	pilot  *domain.Pilot
	metric *domain.Metric
}

func newPilotFixture(t *testing.T, store *repository.Store) pilotFixture {
	t.Helper()
	ctx := context.Background()
	ws := newWorkspace(t, store, "acme")
	j := createJourney(t, store, ws, "Support", "Call")
	tpt := createTouchpoint(t, store, j, 0, tp{name: "Phone"})
	idea := newTestIdea(ws, "Headsets", tpt.ID)
	idea.Status = domain.StatusPlanned
	storeIdea(t, store, idea)
	p := &domain.Pilot{WorkspaceID: ws, IdeaID: idea.ID, Hypothesis: "h", ConfidenceLevel: 0.95, Status: domain.PilotPlanned}
	if err := p.Validate(); err != nil {
		t.Fatal(err)
	}
	// Through the use case, which gives a pilot without touchpoints its idea's.
	if err := (domain.PilotActions{Store: store}).Create(ctx, p); err != nil {
		t.Fatal(err)
	}
	if len(p.TouchpointIDs) != 1 || p.TouchpointIDs[0] != tpt.ID {
		t.Fatalf("pilot touchpoints %v, want the idea's %s", p.TouchpointIDs, tpt.ID)
	}
	m := &domain.Metric{WorkspaceID: ws, PilotID: p.ID, Name: "AHT", Kind: domain.KindMean, Direction: domain.LowerIsBetter, Primary: true}
	if err := store.CreateMetric(ctx, m); err != nil {
		t.Fatal(err)
	}
	return pilotFixture{ws: ws, idea: idea, pilot: p, metric: m}
}

// observations yields rows, then failErr (or io.EOF when nil).
func observations(rows int, failErr error) func() (domain.Observation, error) {
	n := 0
	return func() (domain.Observation, error) {
		if n == rows {
			if failErr != nil {
				return domain.Observation{}, failErr
			}
			return domain.Observation{}, io.EOF
		}
		n++
		g := domain.GroupPilot
		if n%2 == 0 {
			g = domain.GroupControl
		}
		return domain.Observation{Group: g, Period: domain.PeriodBefore, Value: float64(n)}, nil
	}
}

func countRows(t *testing.T, store *repository.Store, query string, args ...any) int {
	t.Helper()
	var n int
	if err := store.SQL().QueryRowContext(context.Background(), query, args...).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestAddObservationsIsAllOrNothing(t *testing.T) {
	store := newStore(t)
	f := newPilotFixture(t, store)
	ctx := context.Background()
	editable := (*domain.Pilot).Editable
	bad := domain.Invalid(domain.FieldError{Pointer: "/value", Line: 5001, Detail: "bad"})

	_, err := store.AddObservations(ctx, f.ws, f.pilot.ID, f.metric.ID, editable, observations(5000, bad))
	if !errors.Is(err, bad) {
		t.Fatalf("error = %v, want the stream's own error", err)
	}
	if n := countRows(t, store, "SELECT count(*) FROM pilot_observations"); n != 0 {
		t.Fatalf("%d observations stored by a failed upload", n)
	}
	if n := countRows(t, store, "SELECT count(*) FROM pilot_samples"); n != 0 {
		t.Fatalf("%d samples stored by a failed upload", n)
	}

	load, err := store.AddObservations(ctx, f.ws, f.pilot.ID, f.metric.ID, editable, observations(5000, nil))
	if err != nil || load.Rows != 5000 || len(load.Samples) != 2 || load.Paired {
		t.Fatalf("load = %+v, %v", load, err)
	}
	// Pilot rows are the odd numbers 1..4999: mean 2500.
	for _, s := range load.Samples {
		if s.Source != domain.SourceObservations || s.N != 2500 || (s.Group == domain.GroupPilot && s.Mean != 2500) {
			t.Errorf("sample %+v", s)
		}
	}
	// Uploads add up; the sample's version moves.
	load, err = store.AddObservations(ctx, f.ws, f.pilot.ID, f.metric.ID, editable, observations(10, nil))
	if err != nil || load.Samples[0].N != 2505 || load.Samples[0].Version != 2 {
		t.Fatalf("second load = %+v, %v", load, err)
	}

	refused := domain.Errorf(domain.EConflict, "closed")
	_, err = store.AddObservations(ctx, f.ws, f.pilot.ID, f.metric.ID, func(*domain.Pilot) error { return refused }, observations(10, nil))
	wantCode(t, "refused by check", err, domain.EConflict)
	other := newWorkspace(t, store, "other")
	_, err = store.AddObservations(ctx, other, f.pilot.ID, f.metric.ID, editable, observations(10, nil))
	wantCode(t, "other workspace", err, domain.ENotFound)
	if n := countRows(t, store, "SELECT count(*) FROM pilot_observations"); n != 5010 {
		t.Fatalf("%d observations, want 5010", n)
	}
}

func TestTransitionPilotIsOneTransaction(t *testing.T) {
	store := newStore(t)
	f := newPilotFixture(t, store)
	ctx := context.Background()
	historyBefore := countRows(t, store, "SELECT count(*) FROM idea_history")

	// A change that moves the idea, then fails: nothing of it is stored.
	boom := domain.Errorf(domain.EConflict, "boom")
	_, err := store.TransitionPilot(ctx, f.ws, f.pilot.ID, 0, "tester", func(p *domain.Pilot, i *domain.Idea, _ *domain.PilotData) error {
		if err := p.Start(i, p.CreatedAt); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("error = %v", err)
	}
	p, _ := store.GetPilot(ctx, f.ws, f.pilot.ID)
	i := getIdea(t, store, f.ws, f.idea.ID)
	if p.Status != domain.PilotPlanned || p.Version != 1 || i.Status != domain.StatusPlanned || i.Version != f.idea.Version ||
		countRows(t, store, "SELECT count(*) FROM idea_history") != historyBefore {
		t.Fatalf("a failed transition left changes: pilot %s v%d, idea %s v%d", p.Status, p.Version, i.Status, i.Version)
	}

	_, err = store.TransitionPilot(ctx, f.ws, f.pilot.ID, 7, "tester", func(*domain.Pilot, *domain.Idea, *domain.PilotData) error { return nil })
	wantCode(t, "stale version", err, domain.EPreconditionFailed)

	started, err := store.TransitionPilot(ctx, f.ws, f.pilot.ID, 1, "tester", func(p *domain.Pilot, i *domain.Idea, d *domain.PilotData) error {
		if len(d.Metrics) != 1 || d.Metrics[0].ID != f.metric.ID {
			t.Errorf("pilot data = %+v", d)
		}
		return p.Start(i, p.CreatedAt)
	})
	if err != nil || started.Status != domain.PilotRunning || started.Version != 2 {
		t.Fatalf("start = %+v, %v", started, err)
	}
	i = getIdea(t, store, f.ws, f.idea.ID)
	if i.Status != domain.StatusPiloting || countRows(t, store, "SELECT count(*) FROM idea_history WHERE field = 'pilot' AND actor = 'tester'") != 1 {
		t.Fatalf("idea after start: %s", i.Status)
	}
	// The idea's evidence keeps it from being deleted.
	wantCode(t, "delete idea with pilots", store.DeleteIdea(ctx, f.ws, i.ID, i.Version), domain.EConflict)
}

func TestPilotsAreWorkspaceScoped(t *testing.T) {
	store := newStore(t)
	f := newPilotFixture(t, store)
	ctx := context.Background()
	other := newWorkspace(t, store, "other")
	_, err := store.GetPilot(ctx, other, f.pilot.ID)
	wantCode(t, "get", err, domain.ENotFound)
	_, err = store.GetMetric(ctx, other, f.pilot.ID, f.metric.ID)
	wantCode(t, "get metric", err, domain.ENotFound)
	_, _, err = store.PilotData(ctx, other, f.pilot.ID)
	wantCode(t, "data", err, domain.ENotFound)
	smp := &domain.Sample{MetricID: f.metric.ID, Group: domain.GroupPilot, Period: domain.PeriodBefore, N: 5, SD: 1}
	_, err = store.PutSample(ctx, other, f.pilot.ID, smp, 0)
	wantCode(t, "put sample", err, domain.ENotFound)
	pilots, _, err := store.ListPilots(ctx, other, domain.PilotFilter{}, domain.Page{})
	if err != nil || len(pilots) != 0 {
		t.Fatalf("other workspace lists %d pilots, %v", len(pilots), err)
	}
	// A pilot cannot reference another workspace's idea.
	p := &domain.Pilot{WorkspaceID: other, IdeaID: f.idea.ID, Hypothesis: "h", ConfidenceLevel: 0.9, Status: domain.PilotPlanned}
	wantField(t, "foreign idea", store.CreatePilot(ctx, p), "/idea_id")
}
