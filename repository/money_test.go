package repository_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"cxbacklog/domain"
	"cxbacklog/repository"
)

// moneyWorkspace is a workspace with one touchpoint and its catalogue by key.
type moneyWorkspace struct {
	id      string
	tp      *domain.Touchpoint
	metrics map[string]string // catalogue metric id by key
}

func newMoneyWorkspace(t *testing.T, store *repository.Store, slug string) moneyWorkspace {
	t.Helper()
	ws := newWorkspace(t, store, slug)
	j := createJourney(t, store, ws, "Calling about a bill", "Call")
	m := moneyWorkspace{id: ws, tp: createTouchpoint(t, store, j, 0, tp{name: "Phone conversation", channel: domain.ChannelPhone}), metrics: map[string]string{}}
	catalogue, err := store.ListCatalogueMetrics(context.Background(), ws)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range catalogue {
		m.metrics[c.Key] = c.ID
	}
	return m
}

// handleTime is the handle-time driver of the docs: 0.015 per second × 120,000 calls.
func (m moneyWorkspace) handleTime() *domain.ValueDriver {
	return &domain.ValueDriver{WorkspaceID: m.id, TouchpointID: m.tp.ID, MetricID: m.metrics["aht"],
		UnitValue: 0.015, ExposurePerYear: 120000, ExposureUnit: "calls"}
}

func createDriver(t *testing.T, store *repository.Store, d *domain.ValueDriver) *domain.ValueDriver {
	t.Helper()
	if err := d.Validate(); err != nil {
		t.Fatal(err)
	}
	if err := store.CreateValueDriver(context.Background(), d); err != nil {
		t.Fatalf("create driver: %v", err)
	}
	return d
}

func wantConflictField(t *testing.T, what string, err error, pointer string) {
	t.Helper()
	wantCode(t, what, err, domain.EConflict)
	var de *domain.Error
	if !errors.As(err, &de) || len(de.Fields) != 1 || de.Fields[0].Pointer != pointer {
		t.Fatalf("%s: %v does not name %s", what, err, pointer)
	}
}

func TestValueDriverOnePerTouchpointAndMetric(t *testing.T) {
	t.Parallel()
	store := newStore(t)
	ctx := context.Background()
	a := newMoneyWorkspace(t, store, "acme")
	first := createDriver(t, store, a.handleTime())
	if first.ID == "" || first.Version != 1 {
		t.Fatalf("created %+v", first)
	}
	got, err := store.GetValueDriver(ctx, a.id, first.ID)
	if err != nil || got.UnitValue != 0.015 || got.ExposurePerYear != 120000 || got.ExposureUnit != "calls" || got.MetricID != a.metrics["aht"] {
		t.Fatalf("GetValueDriver = %+v, %v", got, err)
	}
	second := a.handleTime()
	second.UnitValue = 0.02
	wantConflictField(t, "second handle-time driver", store.CreateValueDriver(ctx, second), "/metric_id")
	// Another metric at the same touchpoint is fine.
	fcr := a.handleTime()
	fcr.MetricID, fcr.UnitValue = a.metrics["fcr"], 4.5
	createDriver(t, store, fcr)
}

func TestValueDriverRefusesAnotherWorkspacesTouchpointOrMetric(t *testing.T) {
	t.Parallel()
	store := newStore(t)
	ctx := context.Background()
	a, b := newMoneyWorkspace(t, store, "acme"), newMoneyWorkspace(t, store, "other")
	for _, c := range []struct {
		name    string
		edit    func(d *domain.ValueDriver)
		pointer string
	}{
		{"touchpoint of another workspace", func(d *domain.ValueDriver) { d.TouchpointID = b.tp.ID }, "/touchpoint_id"},
		{"metric of another workspace", func(d *domain.ValueDriver) { d.MetricID = b.metrics["aht"] }, "/metric_id"},
		{"unknown touchpoint", func(d *domain.ValueDriver) { d.TouchpointID = domain.NewID() }, "/touchpoint_id"},
	} {
		d := a.handleTime()
		c.edit(d)
		wantField(t, c.name, store.CreateValueDriver(ctx, d), c.pointer)
	}
	if n := countSQL(t, store, "SELECT count(*) FROM value_drivers"); n != 0 {
		t.Fatalf("%d drivers stored", n)
	}
}

func TestValueDriversIsolatedBetweenWorkspaces(t *testing.T) {
	t.Parallel()
	store := newStore(t)
	ctx := context.Background()
	a, b := newMoneyWorkspace(t, store, "acme"), newMoneyWorkspace(t, store, "other")
	da := createDriver(t, store, a.handleTime())
	db := createDriver(t, store, b.handleTime())

	list, next, err := store.ListValueDrivers(ctx, a.id, nil, domain.Page{Limit: 10})
	if err != nil || next != nil || len(list) != 1 || list[0].ID != da.ID {
		t.Fatalf("list of acme = %+v, %v, %v", list, next, err)
	}
	// Filtering by the other workspace's touchpoint finds nothing.
	if list, _, _ := store.ListValueDrivers(ctx, a.id, []string{b.tp.ID}, domain.Page{Limit: 10}); len(list) != 0 {
		t.Fatalf("acme lists other's touchpoint: %+v", list)
	}
	_, err = store.GetValueDriver(ctx, a.id, db.ID)
	wantCode(t, "get other's driver", err, domain.ENotFound)
	_, err = store.UpdateValueDriver(ctx, a.id, db.ID, 1, func(d *domain.ValueDriver) error { d.UnitValue = 1; return nil })
	wantCode(t, "update other's driver", err, domain.ENotFound)
	wantCode(t, "delete other's driver", store.DeleteValueDriver(ctx, a.id, db.ID, 1), domain.ENotFound)
	if got, _ := store.GetValueDriver(ctx, b.id, db.ID); got == nil || got.UnitValue != 0.015 || got.Version != 1 {
		t.Fatalf("other's driver changed: %+v", got)
	}
}

func TestValueDriverListPagesAndFilters(t *testing.T) {
	t.Parallel()
	store := newStore(t)
	ctx := context.Background()
	a := newMoneyWorkspace(t, store, "acme")
	j := createJourney(t, store, a.id, "Lunch", "Eat")
	food := createTouchpoint(t, store, j, 0, tp{name: "Food"})
	var want []string
	for _, key := range []string{"aht", "fcr", "csat"} {
		d := a.handleTime()
		d.MetricID = a.metrics[key]
		want = append(want, createDriver(t, store, d).ID)
	}
	atFood := a.handleTime()
	atFood.TouchpointID = food.ID
	createDriver(t, store, atFood)

	var got []string
	page := domain.Page{Limit: 2}
	for range 5 {
		list, next, err := store.ListValueDrivers(ctx, a.id, []string{a.tp.ID}, page)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range list {
			got = append(got, d.ID)
		}
		if next == nil {
			break
		}
		page.After = next
	}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Fatalf("paged %v, want %v", got, want)
	}
	both, _, _ := store.ListValueDrivers(ctx, a.id, []string{a.tp.ID, food.ID}, domain.Page{Limit: 10})
	if len(both) != 4 {
		t.Fatalf("two touchpoints: %d drivers, want 4", len(both))
	}
}

func TestEconomicsVersionConflict(t *testing.T) {
	t.Parallel()
	store := newStore(t)
	ctx := context.Background()
	a, b := newMoneyWorkspace(t, store, "acme"), newMoneyWorkspace(t, store, "other")
	e, v, err := store.GetEconomics(ctx, a.id)
	if err != nil || e.Currency != "EUR" || v != 1 {
		t.Fatalf("defaults = %+v v%d, %v", e, v, err)
	}
	v2, err := store.UpdateEconomics(ctx, a.id, 1, domain.Economics{Currency: "GBP"})
	if err != nil || v2 != 2 {
		t.Fatalf("first update = v%d, %v", v2, err)
	}
	_, err = store.UpdateEconomics(ctx, a.id, 1, domain.Economics{Currency: "USD"})
	wantCode(t, "stale update", err, domain.EPreconditionFailed)
	if e, v, _ := store.GetEconomics(ctx, a.id); e.Currency != "GBP" || v != 2 {
		t.Fatalf("after stale update: %+v v%d", e, v)
	}
	if e, v, _ := store.GetEconomics(ctx, b.id); e.Currency != "EUR" || v != 1 {
		t.Fatalf("the other workspace changed too: %+v v%d", e, v)
	}
	if v3, err := store.UpdateEconomics(ctx, a.id, 2, domain.Economics{Currency: "USD"}); err != nil || v3 != 3 {
		t.Fatalf("second update = v%d, %v", v3, err)
	}
}

func TestEconomicsCostPerContact(t *testing.T) {
	t.Parallel()
	store := newStore(t)
	ctx := context.Background()
	a, b := newMoneyWorkspace(t, store, "acme"), newMoneyWorkspace(t, store, "other")
	if e, _, err := store.GetEconomics(ctx, a.id); err != nil || e.CostPerContact != nil {
		t.Fatalf("defaults = %+v, %v; want no cost per contact", e, err)
	}
	cost := 4.5
	if _, err := store.UpdateEconomics(ctx, a.id, 1, domain.Economics{Currency: "GBP", CostPerContact: &cost}); err != nil {
		t.Fatal(err)
	}
	e, v, err := store.GetEconomics(ctx, a.id)
	if err != nil || e.Currency != "GBP" || e.CostPerContact == nil || *e.CostPerContact != 4.5 || v != 2 {
		t.Fatalf("after setting it: %+v v%d, %v", e, v, err)
	}
	if e, _, _ := store.GetEconomics(ctx, b.id); e.CostPerContact != nil {
		t.Fatalf("the other workspace got a cost per contact: %v", *e.CostPerContact)
	}
	// Leaving it out of the new settings clears it.
	if _, err := store.UpdateEconomics(ctx, a.id, 2, domain.Economics{Currency: "GBP"}); err != nil {
		t.Fatal(err)
	}
	if e, v, _ := store.GetEconomics(ctx, a.id); e.CostPerContact != nil || v != 3 {
		t.Fatalf("after clearing it: %+v v%d", e, v)
	}
	// The column refuses what the domain refuses.
	bad := -1.0
	if _, err := store.UpdateEconomics(ctx, a.id, 3, domain.Economics{Currency: "GBP", CostPerContact: &bad}); err == nil {
		t.Fatal("a negative cost per contact was stored")
	}
}

// storedCase reads an idea's derived business-case columns.
func storedCase(t *testing.T, store *repository.Store, ideaID string) (value float64, currency, explanation string) {
	t.Helper()
	err := store.SQL().QueryRowContext(context.Background(),
		"SELECT expected_annual_value, business_case->>'currency', business_case->>'explanation' FROM ideas WHERE id = $1", ideaID).
		Scan(&value, &currency, &explanation)
	if err != nil {
		t.Fatalf("business case of %s: %v", ideaID, err)
	}
	return value, currency, explanation
}

func TestStoredBusinessCasesFollowDriverAndCurrency(t *testing.T) {
	t.Parallel()
	store := newStore(t)
	ctx := context.Background()
	a := newMoneyWorkspace(t, store, "acme")
	d := createDriver(t, store, a.handleTime())
	idea := storeIdea(t, store, newTestIdea(a.id, "Headsets", a.tp.ID))
	other := storeIdea(t, store, newTestIdea(a.id, "Queue screen", a.tp.ID))
	// The idea's inputs, as the idea store will write them: 28 s saved a call.
	if _, err := store.SQL().ExecContext(ctx, "UPDATE ideas SET one_off_cost = 12000, annual_running_cost = 1000 WHERE id = $1", idea.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := store.SQL().ExecContext(ctx, `INSERT INTO idea_value_improvements (idea_id, value_driver_id, workspace_id, position, improvement)
		VALUES ($1, $2, $3, 0, 28)`, idea.ID, d.ID, a.id); err != nil {
		t.Fatal(err)
	}

	// The unit value goes up: the case is recomputed with it.
	_, err := store.UpdateValueDriver(ctx, a.id, d.ID, 1, func(d *domain.ValueDriver) error { d.UnitValue = 0.02; return d.Validate() })
	if err != nil {
		t.Fatal(err)
	}
	value, currency, explanation := storedCase(t, store, idea.ID)
	if value != 28*0.02*120000 || currency != "EUR" || !strings.Contains(explanation, "28 × 0.02 × 120,000 calls = 67,200") {
		t.Fatalf("after driver update: %v %s %q", value, currency, explanation)
	}
	if n := countSQL(t, store, "SELECT count(*) FROM ideas WHERE id = $1 AND business_case IS NULL", other.ID); n != 1 {
		t.Fatal("an idea that names no driver got a business case")
	}

	// The currency changes: every stored case carries the new one.
	if _, err := store.UpdateEconomics(ctx, a.id, 1, domain.Economics{Currency: "GBP"}); err != nil {
		t.Fatal(err)
	}
	value, currency, explanation = storedCase(t, store, idea.ID)
	if value != 67200 || currency != "GBP" || !strings.Contains(explanation, " GBP;") {
		t.Fatalf("after currency change: %v %s %q", value, currency, explanation)
	}

	// The pair is fixed, whatever the caller's change says.
	_, err = store.UpdateValueDriver(ctx, a.id, d.ID, 2, func(d *domain.ValueDriver) error { d.MetricID = a.metrics["fcr"]; return nil })
	wantField(t, "move the driver to another metric", err, "/metric_id")

	// An idea names the driver: it cannot be deleted, and the message says which.
	err = store.DeleteValueDriver(ctx, a.id, d.ID, 2)
	wantCode(t, "delete a driver in use", err, domain.EConflict)
	if !strings.Contains(err.Error(), `"Headsets"`) {
		t.Fatalf("the conflict does not name the idea: %v", err)
	}
	wantCode(t, "stale delete", store.DeleteValueDriver(ctx, a.id, d.ID, 1), domain.EPreconditionFailed)
	if _, err := store.SQL().ExecContext(ctx, "DELETE FROM idea_value_improvements WHERE idea_id = $1", idea.ID); err != nil {
		t.Fatal(err)
	}
	wantCode(t, "delete an unused driver", store.DeleteValueDriver(ctx, a.id, d.ID, 2), "")
}

func TestDeleteValueDriverNamesUpToThreeIdeas(t *testing.T) {
	t.Parallel()
	store := newStore(t)
	ctx := context.Background()
	a := newMoneyWorkspace(t, store, "acme")
	d := createDriver(t, store, a.handleTime())
	for _, title := range []string{"One", "Two", "Three", "Four", "Five"} {
		i := storeIdea(t, store, newTestIdea(a.id, title, a.tp.ID))
		if _, err := store.SQL().ExecContext(ctx, `INSERT INTO idea_value_improvements (idea_id, value_driver_id, workspace_id, position, improvement)
			VALUES ($1, $2, $3, 0, 1)`, i.ID, d.ID, a.id); err != nil {
			t.Fatal(err)
		}
	}
	err := store.DeleteValueDriver(ctx, a.id, d.ID, 1)
	wantCode(t, "delete", err, domain.EConflict)
	msg := err.Error()
	for _, want := range []string{`"One", "Two", "Three" and 2 more`, "5 ideas"} {
		if !strings.Contains(msg, want) {
			t.Errorf("%q lacks %q", msg, want)
		}
	}
}

func TestTouchpointAndMetricUsedByADriverStay(t *testing.T) {
	t.Parallel()
	store := newStore(t)
	ctx := context.Background()
	a := newMoneyWorkspace(t, store, "acme")
	createDriver(t, store, a.handleTime())
	err := store.DeleteTouchpoint(ctx, a.id, a.tp.ID, a.tp.Version)
	wantCode(t, "delete the touchpoint", err, domain.EConflict)
	if !strings.Contains(err.Error(), "value drivers use this touchpoint") {
		t.Fatalf("touchpoint: %v", err)
	}
	err = store.DeleteCatalogueMetric(ctx, a.id, a.metrics["aht"], 1)
	wantCode(t, "delete the metric", err, domain.EConflict)
	if !strings.Contains(err.Error(), "value drivers use this metric") {
		t.Fatalf("metric: %v", err)
	}
}
