package repository_test

import (
	"context"
	"math"
	"testing"
	"time"

	"cxbacklog/domain"
	"cxbacklog/repository"
)

// valueFixture is a planned pilot of the phone-queue idea with a handle-time
// metric (catalogue aht) and a first-contact-resolution metric (catalogue
// fcr), each with a before and an after sample, and a metric of the
// pilot's own. The pilot's touchpoints are queue, then counter; elsewhere
// is not one of them.
type valueFixture struct {
	ws                        string
	idea                      *domain.Idea
	pilot                     *domain.Pilot
	queue, counter, elsewhere string
	aht, fcr, csat, churn     string // catalogue metric ids
	handle, resolution, own   *domain.Metric
}

func newValueFixture(t *testing.T, store *repository.Store) valueFixture {
	t.Helper()
	ctx := context.Background()
	f := valueFixture{ws: newWorkspace(t, store, "acme")}
	j := createJourney(t, store, f.ws, "Calling about a bill", "Call")
	f.queue = createTouchpoint(t, store, j, 0, tp{name: "Phone queue", channel: domain.ChannelPhone}).ID
	f.counter = createTouchpoint(t, store, j, 0, tp{name: "Counter"}).ID
	f.elsewhere = createTouchpoint(t, store, j, 0, tp{name: "Invoice"}).ID
	f.idea = newTestIdea(f.ws, "Queue callbacks", f.queue, f.counter)
	f.idea.Status = domain.StatusPlanned
	storeIdea(t, store, f.idea)
	f.pilot = &domain.Pilot{WorkspaceID: f.ws, IdeaID: f.idea.ID, Hypothesis: "h", ConfidenceLevel: 0.95,
		Status: domain.PilotPlanned, TouchpointIDs: []string{f.queue, f.counter}}
	if err := f.pilot.Validate(); err != nil {
		t.Fatal(err)
	}
	if err := store.CreatePilot(ctx, f.pilot); err != nil {
		t.Fatal(err)
	}
	cat, err := store.ListCatalogueMetrics(ctx, f.ws)
	if err != nil {
		t.Fatal(err)
	}
	byKey := map[string]domain.CatalogueMetric{}
	for _, c := range cat {
		byKey[c.Key] = c
	}
	f.aht, f.fcr, f.csat, f.churn = byKey["aht"].ID, byKey["fcr"].ID, byKey["csat"].ID, byKey["churn"].ID
	metric := func(name, catalogueKey string, primary bool) *domain.Metric {
		m := &domain.Metric{WorkspaceID: f.ws, PilotID: f.pilot.ID, Name: name, Kind: domain.KindMean, Direction: domain.LowerIsBetter, Primary: primary}
		if catalogueKey != "" {
			c := byKey[catalogueKey]
			m.Kind, m.Direction = "", ""
			if err := m.Inherit(&c); err != nil {
				t.Fatal(err)
			}
		}
		if err := store.CreateMetric(ctx, m); err != nil {
			t.Fatal(err)
		}
		return m
	}
	f.handle = metric("Handle time", "aht", true)
	f.resolution = metric("First-contact resolution", "fcr", false)
	f.own = metric("Hold music complaints", "", false)
	for _, s := range []domain.Sample{
		{MetricID: f.handle.ID, Group: domain.GroupPilot, Period: domain.PeriodBefore, N: 400, Mean: 412, SD: 90},
		{MetricID: f.handle.ID, Group: domain.GroupPilot, Period: domain.PeriodAfter, N: 400, Mean: 389, SD: 85},
		{MetricID: f.resolution.ID, Group: domain.GroupPilot, Period: domain.PeriodBefore, N: 400, Successes: 280},
		{MetricID: f.resolution.ID, Group: domain.GroupPilot, Period: domain.PeriodAfter, N: 400, Successes: 296},
		{MetricID: f.own.ID, Group: domain.GroupPilot, Period: domain.PeriodBefore, N: 400, Mean: 5, SD: 1},
		{MetricID: f.own.ID, Group: domain.GroupPilot, Period: domain.PeriodAfter, N: 400, Mean: 4, SD: 1},
	} {
		if _, err := store.PutSample(ctx, f.ws, f.pilot.ID, &s, 0); err != nil {
			t.Fatal(err)
		}
	}
	return f
}

// driver inserts a value driver row directly (the drivers' own store is
// tested with it) and returns its id; created orders drivers at one
// touchpoint.
func (f valueFixture) driver(t *testing.T, store *repository.Store, touchpoint, metric string, unitValue, exposure float64, created time.Time) string {
	t.Helper()
	id := domain.NewID()
	_, err := store.SQL().ExecContext(context.Background(), `INSERT INTO value_drivers
		(id, workspace_id, touchpoint_id, metric_id, unit_value, exposure_per_year, exposure_unit, created_at, updated_at, version)
		VALUES ($1, $2, $3, $4, $5, $6, 'calls', $7, $7, 1)`, id, f.ws, touchpoint, metric, unitValue, exposure, created)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func near(a, b float64) bool { return math.Abs(a-b) <= 1e-6*math.Max(1, math.Abs(b)) }

// PilotData gives the drivers at the pilot's touchpoints pricing its
// catalogue metrics, in the pilot's touchpoint order, with the workspace's
// currency and the idea's running cost.
func TestPilotDataReadsWhatPricesTheMetrics(t *testing.T) {
	t.Parallel()
	store := newStore(t)
	f := newValueFixture(t, store)
	ctx := context.Background()
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	// Created in an order unlike the pilot's touchpoint order.
	ahtCounter := f.driver(t, store, f.counter, f.aht, 0.02, 50000, t0)
	fcrQueue := f.driver(t, store, f.queue, f.fcr, 4.5, 120000, t0.Add(2*time.Hour))
	ahtQueue := f.driver(t, store, f.queue, f.aht, 0.015, 120000, t0.Add(time.Hour))
	f.driver(t, store, f.elsewhere, f.aht, 9, 1, t0)     // not at the pilot's touchpoints
	f.driver(t, store, f.queue, f.churn, 480, 50000, t0) // no metric of the pilot measures churn
	f.driver(t, store, f.counter, f.csat, 3, 1000, t0)   // nor CSAT

	check := func(what string, d *domain.PilotData, currency string, cost float64) {
		t.Helper()
		var got []string
		for _, v := range d.Drivers {
			got = append(got, v.ID)
		}
		want := []string{ahtQueue, fcrQueue, ahtCounter}
		if len(got) != len(want) || got[0] != want[0] || got[1] != want[1] || got[2] != want[2] {
			t.Errorf("%s: drivers %v, want %v (queue's by creation, then counter's)", what, got, want)
		}
		if len(d.Drivers) > 0 && (d.Drivers[0].UnitValue != 0.015 || d.Drivers[0].ExposurePerYear != 120000 || d.Drivers[0].ExposureUnit != "calls") {
			t.Errorf("%s: first driver %+v", what, d.Drivers[0])
		}
		if d.Currency != currency || d.RunningCost != cost {
			t.Errorf("%s: currency %q, running cost %v; want %q, %v", what, d.Currency, d.RunningCost, currency, cost)
		}
		if len(d.Metrics) != 3 || len(d.Samples) != 3 {
			t.Errorf("%s: %d metrics, %d with samples", what, len(d.Metrics), len(d.Samples))
		}
	}
	_, data, err := store.PilotData(ctx, f.ws, f.pilot.ID)
	if err != nil {
		t.Fatal(err)
	}
	check("defaults", data, "EUR", 0)

	if _, err := store.SQL().ExecContext(ctx, `INSERT INTO workspace_economics (workspace_id, currency, updated_at, version) VALUES ($1, 'GBP', now(), 2)`, f.ws); err != nil {
		t.Fatal(err)
	}
	if _, err := store.SQL().ExecContext(ctx, `UPDATE ideas SET annual_running_cost = 5000 WHERE id = $1`, f.idea.ID); err != nil {
		t.Fatal(err)
	}
	_, data, err = store.PilotData(ctx, f.ws, f.pilot.ID)
	if err != nil {
		t.Fatal(err)
	}
	check("set", data, "GBP", 5000)
	// The analysis prices handle time at the queue, the first of the
	// pilot's touchpoints: 23 s × 0.015 × 120,000.
	r := f.pilot.Analyze(data, t0)
	if v := r.Metrics[0].Value; v == nil || !near(v.AnnualValue, 41400) || v.ValueDriverID != ahtQueue || v.Currency != "GBP" {
		t.Errorf("handle time value %+v", v)
	}
	if r.Metrics[2].Value != nil {
		t.Errorf("the pilot's own metric has a value: %+v", r.Metrics[2].Value)
	}

	// A transition sees the same data.
	_, err = store.TransitionPilot(ctx, f.ws, f.pilot.ID, 0, "tester", func(_ *domain.Pilot, _ *domain.Idea, d *domain.PilotData) error {
		check("transition", d, "GBP", 5000)
		return domain.Errorf(domain.EConflict, "only looking")
	})
	wantCode(t, "transition", err, domain.EConflict)
}

// A completed pilot keeps the value it proved: its frozen results hold each
// metric's value and the total as they were at completion, whatever
// happens to the drivers afterwards.
func TestFrozenPilotValueOutlivesItsDrivers(t *testing.T) {
	t.Parallel()
	store := newStore(t)
	f := newValueFixture(t, store)
	ctx := context.Background()
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	ahtQueue := f.driver(t, store, f.queue, f.aht, 0.015, 120000, t0)
	f.driver(t, store, f.queue, f.fcr, 4.5, 120000, t0)
	actions := domain.PilotActions{Store: store}
	if _, err := actions.Start(ctx, f.ws, f.pilot.ID, 0, "tester", t0); err != nil {
		t.Fatal(err)
	}
	done, err := actions.Complete(ctx, f.ws, f.pilot.ID, 0, "tester", domain.DecisionAdopt, t0.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	live := done.Results
	if live.ValueTotal == nil || !near(live.ValueTotal.AnnualValue, 63000) {
		t.Fatalf("value at completion %+v", live.ValueTotal)
	}
	// The driver changes, then the results are read back.
	if _, err := store.SQL().ExecContext(ctx, `UPDATE value_drivers SET unit_value = 1 WHERE id = $1`, ahtQueue); err != nil {
		t.Fatal(err)
	}
	p, data, err := store.PilotData(ctx, f.ws, f.pilot.ID)
	if err != nil {
		t.Fatal(err)
	}
	if now := p.Analyze(data, t0).Metrics[0].Value; now == nil || near(now.AnnualValue, 41400) {
		t.Fatalf("the driver change did not take: %+v", now)
	}
	frozen := p.Results
	if frozen == nil {
		t.Fatal("no frozen results")
	}
	for n, m := range frozen.Metrics {
		w := live.Metrics[n]
		if m.CatalogueMetricID != w.CatalogueMetricID || (m.Value == nil) != (w.Value == nil) || m.Value != nil && *m.Value != *w.Value {
			t.Errorf("metric %s frozen %q %+v, at completion %q %+v", m.Name, m.CatalogueMetricID, m.Value, w.CatalogueMetricID, w.Value)
		}
	}
	if m := frozen.Metrics[0]; m.CatalogueMetricID != f.aht || m.Value == nil || !near(m.Value.AnnualValue, 41400) || m.Value.ValueDriverID != ahtQueue {
		t.Errorf("frozen handle time %q %+v", m.CatalogueMetricID, m.Value)
	}
	if frozen.ValueTotal == nil || *frozen.ValueTotal != *live.ValueTotal {
		t.Errorf("frozen total %+v, at completion %+v", frozen.ValueTotal, live.ValueTotal)
	}
}
