package repository_test

import (
	"context"
	"fmt"
	"math"
	"sort"
	"strings"
	"testing"
	"time"

	"cxbacklog/domain"
	"cxbacklog/repository"
)

// The value report's sums are kept by triggers per owner and status and per
// touchpoint and status; after every kind of write they must equal a sum
// over the ideas and their expected improvements themselves.
func TestValueCountsFollowEveryWrite(t *testing.T) {
	store := newStore(t)
	ctx := context.Background()
	ws := newWorkspace(t, store, "acme")
	other := newWorkspace(t, store, "other")
	j := createJourney(t, store, ws, "J", "S")
	tp1 := createTouchpoint(t, store, j, 0, tp{name: "Phone"})
	tp2 := createTouchpoint(t, store, j, 0, tp{name: "Invoice"})
	metrics, err := store.ListCatalogueMetrics(ctx, ws)
	if err != nil || len(metrics) < 2 {
		t.Fatalf("catalogue: %v, %v", metrics, err)
	}
	driver := func(tpID, metricID string, unit, exposure float64) *domain.ValueDriver {
		d := &domain.ValueDriver{WorkspaceID: ws, TouchpointID: tpID, MetricID: metricID, UnitValue: unit, ExposurePerYear: exposure, ExposureUnit: "calls"}
		if err := d.Validate(); err != nil {
			t.Fatal(err)
		}
		if err := store.CreateValueDriver(ctx, d); err != nil {
			t.Fatalf("create driver: %v", err)
		}
		return d
	}
	d1 := driver(tp1.ID, metrics[0].ID, 0.015, 120000)
	d2 := driver(tp1.ID, metrics[1].ID, 4.5, 120000)
	d3 := driver(tp2.ID, metrics[0].ID, 480, 50000)

	check := func(what string) {
		t.Helper()
		for _, w := range []string{ws, other} {
			if got, want := valueCounters(t, store, w), valueFromScratch(t, store, w); got != want {
				t.Fatalf("%s: counters\n%s\nfrom the ideas\n%s", what, got, want)
			}
		}
	}
	money := func(oneOff, running float64, imps ...domain.ExpectedImprovement) domain.BusinessCaseInputs {
		return domain.BusinessCaseInputs{OneOffCost: &oneOff, AnnualRunningCost: &running, ExpectedImprovements: imps}
	}
	imp := func(d *domain.ValueDriver, x float64) domain.ExpectedImprovement {
		return domain.ExpectedImprovement{ValueDriverID: d.ID, Improvement: x}
	}
	a := newTestIdea(ws, "A", tp1.ID)
	a.Owner, a.Money = "Ops", money(10000, 2000, imp(d1, 20), imp(d2, 0.05))
	b := newTestIdea(ws, "B", tp1.ID, tp2.ID)
	b.Money = money(5000, 0, imp(d3, 0.01), imp(d2, 0.02))
	c := newTestIdea(ws, "C, no case", tp2.ID)
	d := newTestIdea(ws, "D, costs only", tp2.ID)
	d.Owner, d.Money = "Ops", domain.BusinessCaseInputs{OneOffCost: ptrTo(700.0)}
	for _, i := range []*domain.Idea{a, b, c, d} {
		storeIdea(t, store, i)
	}
	o := newTestIdea(other, "elsewhere", createTouchpoint(t, store, createJourney(t, store, other, "J", "S"), 0, tp{name: "T"}).ID)
	storeIdea(t, store, o)
	check("after creates")
	if got := valueCounters(t, store, ws); !strings.Contains(got, "new Ops") || !strings.Contains(got, "new  ") {
		t.Fatalf("expected counters for owners Ops and unassigned: %s", got)
	}

	update := func(what string, i *domain.Idea, change func(*domain.Idea) error) *domain.Idea {
		t.Helper()
		cur := getIdea(t, store, ws, i.ID)
		out, err := store.UpdateIdea(ctx, ws, i.ID, cur.Version, "t", change)
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		check("after " + what)
		return out
	}
	update("a cost, confidence and owner change", a, func(i *domain.Idea) error {
		i.Money.OneOffCost, i.Confidence, i.Owner = ptrTo(12000.0), 0.8, "CX"
		return nil
	})
	update("status moves", b, func(i *domain.Idea) error { return i.MoveTo(domain.StatusUnderReview) })
	update("new improvements", b, func(i *domain.Idea) error {
		i.Money.ExpectedImprovements = []domain.ExpectedImprovement{imp(d3, 0.02)}
		return nil
	})
	if _, err := store.UpdateValueDriver(ctx, ws, d1.ID, d1.Version, func(v *domain.ValueDriver) error { v.UnitValue = 0.02; return nil }); err != nil {
		t.Fatal(err)
	}
	check("after a driver's unit value changed")
	if _, err := store.UpdateEconomics(ctx, ws, 1, domain.Economics{Currency: "GBP"}); err != nil {
		t.Fatal(err)
	}
	check("after a currency change")
	for _, to := range []domain.IdeaStatus{domain.StatusUnderReview, domain.StatusPlanned} {
		update("moves towards adoption", a, func(i *domain.Idea) error { return i.MoveTo(to) })
	}
	update("adoption with a realised value", a, func(i *domain.Idea) error {
		i.Realised = &domain.RealisedValue{AnnualValue: 41400, CI: domain.Interval{Low: 27000, High: 55800}, PilotID: domain.NewID()}
		return i.MoveTo(domain.StatusAdopted)
	})
	update("the case removed", b, func(i *domain.Idea) error { i.Money = domain.BusinessCaseInputs{}; return nil })
	for _, i := range []*domain.Idea{d, b} {
		cur := getIdea(t, store, ws, i.ID)
		if err := store.DeleteIdea(ctx, ws, i.ID, cur.Version); err != nil {
			t.Fatal(err)
		}
		check("after deleting " + i.Title)
	}

	// The report's data reads those counters.
	data, err := store.ValueReportData(ctx, ws, 500)
	if err != nil {
		t.Fatal(err)
	}
	if data.Currency != "GBP" || data.Total.Realised.Count != 1 || data.Total.Realised.AnnualValue != 41400 ||
		math.Abs(data.Total.Realised.BelowSq-14400*14400) > 1e-3 || data.Total.Realised.OneOffCost != 12000 || data.Total.Pipeline.Count != 0 {
		t.Errorf("report data %+v", data.Total)
	}
	// No touchpoint measured a driver's metric: no driver can cost anything.
	if len(data.Owners) != 1 || data.Owners[0].Owner != "CX" || len(data.Drivers) != 0 || len(data.Touchpoints) != 0 {
		t.Errorf("owners %+v, drivers %d, touchpoints %+v", data.Owners, len(data.Drivers), data.Touchpoints)
	}
}

func ptrTo[T any](v T) *T { return &v }

// valueCounters prints the workspace's non-empty counters, sorted.
func valueCounters(t *testing.T, store *repository.Store, ws string) string {
	t.Helper()
	return valueRows(t, store, `
		SELECT 'owner', status, owner, cases, expected::float8, weighted::float8, net::float8, one_off::float8, running::float8,
		       realised_n, realised::float8, realised_below::float8, realised_above::float8, realised_one_off::float8, realised_running::float8
		FROM idea_value_counts WHERE workspace_id = $1 AND (cases <> 0 OR realised_n <> 0)
		UNION ALL
		SELECT 'touchpoint', status, touchpoint_id::text, improvements, value::float8, weighted::float8, 0, 0, 0, 0, 0, 0, 0, 0, 0
		FROM idea_value_touchpoint_counts WHERE workspace_id = $1 AND improvements <> 0
		UNION ALL
		SELECT 'open touchpoint', 'open', touchpoint_id::text, improvements, value::float8, weighted::float8, 0, 0, 0, 0, 0, 0, 0, 0, 0
		FROM idea_value_touchpoint_open WHERE workspace_id = $1 AND improvements <> 0`, ws)
}

// valueFromScratch prints the same sums computed from the ideas and their
// improvements' annual values (which the store derives, see
// repository/business_case.go).
func valueFromScratch(t *testing.T, store *repository.Store, ws string) string {
	t.Helper()
	return valueRows(t, store, `
		SELECT 'owner', status, owner, count(expected_annual_value), COALESCE(sum(expected_annual_value), 0),
		       COALESCE(sum(expected_annual_value * confidence), 0), COALESCE(sum(expected_net_annual_value), 0),
		       COALESCE(sum(one_off_cost) FILTER (WHERE expected_annual_value IS NOT NULL), 0),
		       COALESCE(sum(annual_running_cost) FILTER (WHERE expected_annual_value IS NOT NULL), 0),
		       count(realised_annual_value), COALESCE(sum(realised_annual_value), 0),
		       COALESCE(sum((realised_annual_value - realised_ci_low) ^ 2), 0), COALESCE(sum((realised_ci_high - realised_annual_value) ^ 2), 0),
		       COALESCE(sum(one_off_cost) FILTER (WHERE realised_annual_value IS NOT NULL), 0),
		       COALESCE(sum(annual_running_cost) FILTER (WHERE realised_annual_value IS NOT NULL), 0)
		FROM ideas WHERE workspace_id = $1 GROUP BY status, owner
		HAVING count(expected_annual_value) + count(realised_annual_value) > 0
		UNION ALL
		SELECT 'touchpoint', i.status, d.touchpoint_id::text, count(*), sum(v.annual_value),
		       sum(v.annual_value * i.confidence), 0, 0, 0, 0, 0, 0, 0, 0, 0
		FROM idea_value_improvements v JOIN ideas i ON i.id = v.idea_id JOIN value_drivers d ON d.id = v.value_driver_id
		WHERE i.workspace_id = $1 GROUP BY i.status, d.touchpoint_id
		UNION ALL
		SELECT 'open touchpoint', 'open', d.touchpoint_id::text, count(*), sum(v.annual_value),
		       sum(v.annual_value * i.confidence), 0, 0, 0, 0, 0, 0, 0, 0, 0
		FROM idea_value_improvements v JOIN ideas i ON i.id = v.idea_id JOIN value_drivers d ON d.id = v.value_driver_id
		WHERE i.workspace_id = $1 AND i.status IN ('new', 'under_review', 'planned', 'piloting') GROUP BY d.touchpoint_id`, ws)
}

func valueRows(t *testing.T, store *repository.Store, query, ws string) string {
	t.Helper()
	rows, err := store.SQL().QueryContext(context.Background(), query, ws)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var kind, status, key string
		var cases, realisedN int
		f := make([]float64, 10)
		if err := rows.Scan(&kind, &status, &key, &cases, &f[0], &f[1], &f[2], &f[3], &f[4], &realisedN, &f[5], &f[6], &f[7], &f[8], &f[9]); err != nil {
			t.Fatal(err)
		}
		line := fmt.Sprintf("%s %s %s %d %d", kind, status, key, cases, realisedN)
		for _, x := range f {
			line += " " + fmt.Sprintf("%.4f", x) // cents and below: the same sum in another order
		}
		out = append(out, line)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	sort.Strings(out)
	return strings.Join(out, "\n")
}

// The report reads each driver's latest measurement from the driver, where
// triggers keep it: it must follow measurements added, replaced and deleted,
// and be set for a driver created after its touchpoint was measured.
func TestDriversFollowTheirLatestMeasurement(t *testing.T) {
	t.Parallel()
	store := newStore(t)
	ctx := context.Background()
	ws := newWorkspace(t, store, "acme")
	j := createJourney(t, store, ws, "J", "S")
	phone := createTouchpoint(t, store, j, 0, tp{name: "Phone"})
	metrics, err := store.ListCatalogueMetrics(ctx, ws)
	if err != nil {
		t.Fatal(err)
	}
	var fcr domain.CatalogueMetric
	for _, m := range metrics {
		if m.Key == "fcr" {
			fcr = m
		}
	}
	measure := func(month time.Month, successes int) {
		t.Helper()
		start := time.Date(2026, month, 1, 0, 0, 0, 0, time.UTC)
		m := domain.Measurement{WorkspaceID: ws, TouchpointID: phone.ID, MetricID: fcr.ID, PeriodStart: start,
			PeriodEnd: start.AddDate(0, 1, -1), Sample: domain.Sample{N: 100, Successes: successes}}
		if err := store.AddMeasurements(ctx, []domain.Measurement{m}); err != nil {
			t.Fatal(err)
		}
	}
	latest := func() []float64 {
		t.Helper()
		data, err := store.ValueReportData(ctx, ws, 10)
		if err != nil {
			t.Fatal(err)
		}
		var out []float64
		for _, d := range data.Drivers {
			out = append(out, float64(d.Latest.Sample.Successes))
		}
		return out
	}
	measure(9, 60)
	d := &domain.ValueDriver{WorkspaceID: ws, TouchpointID: phone.ID, MetricID: fcr.ID, UnitValue: 4.5, ExposurePerYear: 120000, ExposureUnit: "calls"}
	if err := store.CreateValueDriver(ctx, d); err != nil {
		t.Fatal(err)
	}
	if got := latest(); len(got) != 1 || got[0] != 60 {
		t.Fatalf("a driver created after the measurement: %v", got)
	}
	measure(10, 65)
	if got := latest(); len(got) != 1 || got[0] != 65 {
		t.Fatalf("after a newer measurement: %v", got)
	}
	ms, err := store.ListMeasurements(ctx, ws, phone.ID, nil, 10)
	if err != nil || len(ms) != 2 {
		t.Fatalf("measurements %v, %v", ms, err)
	}
	newest := ms[0]
	if newest.PeriodStart.Month() != 10 {
		newest = ms[1]
	}
	if _, err := store.ReplaceMeasurement(ctx, ws, phone.ID, newest.ID, newest.Version, func(m *domain.Measurement) error {
		m.Sample.Successes = 70
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if got := latest(); len(got) != 1 || got[0] != 70 {
		t.Fatalf("after replacing the newest: %v", got)
	}
	if err := store.DeleteMeasurement(ctx, ws, phone.ID, newest.ID, newest.Version+1); err != nil {
		t.Fatal(err)
	}
	if got := latest(); len(got) != 1 || got[0] != 60 {
		t.Fatalf("after deleting the newest: %v", got)
	}
	for _, m := range ms {
		if m.ID != newest.ID {
			if err := store.DeleteMeasurement(ctx, ws, phone.ID, m.ID, m.Version); err != nil {
				t.Fatal(err)
			}
		}
	}
	if got := latest(); len(got) != 0 {
		t.Fatalf("after deleting every measurement: %v", got)
	}
}
