package repository_test

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"cxbacklog/domain"
	"cxbacklog/repository"
	"cxbacklog/repository/pgtest"
)

// measurementFixture is a store whose clock the test moves, a workspace
// with two touchpoints, and another workspace with one.
type measurementFixture struct {
	store        *repository.Store
	now          *atomic.Int64 // the clock, in Unix microseconds
	ws, otherWS  string
	tp1, tp2     *domain.Touchpoint
	otherTP      *domain.Touchpoint
	csat, nps    domain.CatalogueMetric // of ws
	otherCSAT    domain.CatalogueMetric // of otherWS
	startOfClock time.Time
}

func newMeasurementFixture(t *testing.T) *measurementFixture {
	t.Helper()
	_, url := pgtest.NewStore(t)
	f := &measurementFixture{now: &atomic.Int64{}, startOfClock: time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)}
	f.now.Store(f.startOfClock.UnixMicro())
	store, err := repository.Open(context.Background(), url, repository.Options{Clock: func() time.Time { return time.UnixMicro(f.now.Load()) }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = store.Close() })
	f.store = store
	f.ws, f.otherWS = newWorkspace(t, store, "acme"), newWorkspace(t, store, "other")
	j := createJourney(t, store, f.ws, "J", "S")
	f.tp1, f.tp2 = createTouchpoint(t, store, j, 0, tp{name: "one"}), createTouchpoint(t, store, j, 0, tp{name: "two"})
	f.otherTP = createTouchpoint(t, store, createJourney(t, store, f.otherWS, "J", "S"), 0, tp{name: "theirs"})
	f.csat, f.nps = f.metric(t, f.ws, "csat"), f.metric(t, f.ws, "nps")
	f.otherCSAT = f.metric(t, f.otherWS, "csat")
	return f
}

func (f *measurementFixture) metric(t *testing.T, ws, key string) domain.CatalogueMetric {
	t.Helper()
	metrics, err := f.store.ListCatalogueMetrics(context.Background(), ws)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range metrics {
		if m.Key == key {
			return m
		}
	}
	t.Fatalf("no catalogue metric %s", key)
	return domain.CatalogueMetric{}
}

// tick moves the clock on by a second.
func (f *measurementFixture) tick() time.Time {
	return time.UnixMicro(f.now.Add(time.Second.Microseconds())).UTC()
}

// csatOf is a CSAT measurement of touchpoint tp of workspace ws for the
// month starting at month (2026-10-01), with successes of 100.
func csatOf(ws string, tp *domain.Touchpoint, metric domain.CatalogueMetric, month string, successes int) domain.Measurement {
	start, err := time.Parse(time.DateOnly, month)
	if err != nil {
		panic(err)
	}
	return domain.Measurement{WorkspaceID: ws, TouchpointID: tp.ID, MetricID: metric.ID, PeriodStart: start,
		PeriodEnd: start.AddDate(0, 1, -1), Sample: domain.Sample{N: 100, Successes: successes}, Source: "survey " + month}
}

// add stores ms and returns them as stored.
func (f *measurementFixture) add(t *testing.T, ms ...domain.Measurement) []domain.Measurement {
	t.Helper()
	if err := f.store.AddMeasurements(context.Background(), ms); err != nil {
		t.Fatalf("AddMeasurements: %v", err)
	}
	return ms
}

// all returns every measurement of tp, newest period first.
func (f *measurementFixture) all(t *testing.T, ws string, tp *domain.Touchpoint) []domain.Measurement {
	t.Helper()
	ms, err := f.store.ListMeasurements(context.Background(), ws, tp.ID, nil, domain.MaxPageSize)
	if err != nil {
		t.Fatal(err)
	}
	return ms
}

// measurementEqual compares measurements field by field, times with Equal.
func measurementEqual(a, b domain.Measurement) bool {
	ta, tb := a, b
	ta.CreatedAt, ta.UpdatedAt, tb.CreatedAt, tb.UpdatedAt = time.Time{}, time.Time{}, time.Time{}, time.Time{}
	ta.PeriodStart, ta.PeriodEnd, tb.PeriodStart, tb.PeriodEnd = time.Time{}, time.Time{}, time.Time{}, time.Time{}
	return ta == tb && a.Key() == b.Key() && a.CreatedAt.Equal(b.CreatedAt) && a.UpdatedAt.Equal(b.UpdatedAt)
}

func wantMeasurement(t *testing.T, what string, got, want domain.Measurement) {
	t.Helper()
	if !measurementEqual(got, want) {
		t.Fatalf("%s:\n got: %+v\nwant: %+v", what, got, want)
	}
}

// wantFieldErr fails unless err has code and one field error at pointer on line.
func wantFieldErr(t *testing.T, what string, err error, code domain.ErrorCode, pointer string, line int) {
	t.Helper()
	wantCode(t, what, err, code)
	var de *domain.Error
	if !errors.As(err, &de) || len(de.Fields) != 1 || de.Fields[0].Pointer != pointer || de.Fields[0].Line != line {
		t.Fatalf("%s: %v with fields %+v, want one at %s on line %d", what, err, domain.FieldsOf(err), pointer, line)
	}
}

func TestMeasurementGetReplaceDelete(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newMeasurementFixture(t)
	ms := f.add(t, csatOf(f.ws, f.tp1, f.csat, "2026-10-01", 80), csatOf(f.ws, f.tp1, f.csat, "2026-11-01", 70))
	oct, nov := ms[0], ms[1]
	if oct.Version != 1 || !oct.UpdatedAt.Equal(oct.CreatedAt) || !oct.CreatedAt.Equal(f.startOfClock) {
		t.Fatalf("added: %+v", oct)
	}

	got, err := f.store.GetMeasurement(ctx, f.ws, f.tp1.ID, oct.ID)
	if err != nil {
		t.Fatal(err)
	}
	wantMeasurement(t, "get", *got, oct)

	// Elsewhere, the measurement is not found.
	for _, tt := range []struct{ name, ws, tp, id string }{
		{"another touchpoint", f.ws, f.tp2.ID, oct.ID},
		{"another workspace", f.otherWS, f.tp1.ID, oct.ID},
		{"another workspace's touchpoint", f.otherWS, f.otherTP.ID, oct.ID},
		{"unknown id", f.ws, f.tp1.ID, domain.NewID()},
	} {
		_, err := f.store.GetMeasurement(ctx, tt.ws, tt.tp, tt.id)
		wantCode(t, "get, "+tt.name, err, domain.ENotFound)
		_, err = f.store.ReplaceMeasurement(ctx, tt.ws, tt.tp, tt.id, 1, func(*domain.Measurement) error { return nil })
		wantCode(t, "replace, "+tt.name, err, domain.ENotFound)
		wantCode(t, "delete, "+tt.name, f.store.DeleteMeasurement(ctx, tt.ws, tt.tp, tt.id, 0), domain.ENotFound)
	}

	// A replacement: another metric, period, summary and source.
	at := f.tick()
	with := domain.Measurement{MetricID: f.nps.ID, PeriodStart: oct.PeriodStart.AddDate(0, 0, 1), PeriodEnd: oct.PeriodEnd,
		Sample: domain.Sample{Promoters: 50, Passives: 30, Detractors: 20}, Source: "corrected"}
	replaced, err := f.store.ReplaceMeasurement(ctx, f.ws, f.tp1.ID, oct.ID, 1, func(m *domain.Measurement) error {
		m.Replace(&with)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	want := oct
	want.Replace(&with)
	want.Version, want.UpdatedAt = 2, at
	wantMeasurement(t, "replaced", *replaced, want)
	got, err = f.store.GetMeasurement(ctx, f.ws, f.tp1.ID, oct.ID)
	if err != nil {
		t.Fatal(err)
	}
	wantMeasurement(t, "replaced, read back", *got, want)

	tests := []struct {
		name    string
		version int
		change  func(m *domain.Measurement) error
		code    domain.ErrorCode
		pointer string
	}{
		{"stale version", 1, func(*domain.Measurement) error { return nil }, domain.EPreconditionFailed, ""},
		{"change refused", 2, func(*domain.Measurement) error {
			return domain.Invalid(domain.FieldError{Pointer: "/n", Detail: "bad"})
		},
			domain.EInvalid, "/n"},
		{"the period of another measurement", 2, func(m *domain.Measurement) error {
			m.MetricID, m.PeriodStart, m.PeriodEnd, m.Sample = nov.MetricID, nov.PeriodStart, nov.PeriodEnd, nov.Sample
			return nil
		}, domain.EConflict, "/period_start"},
		{"another workspace's metric", 2, func(m *domain.Measurement) error { m.MetricID = f.otherCSAT.ID; return nil }, domain.EInvalid, "/metric_id"},
	}
	for _, tt := range tests {
		_, err := f.store.ReplaceMeasurement(ctx, f.ws, f.tp1.ID, oct.ID, tt.version, tt.change)
		if tt.pointer == "" {
			wantCode(t, tt.name, err, tt.code)
		} else {
			wantFieldErr(t, tt.name, err, tt.code, tt.pointer, 0)
		}
		got, err := f.store.GetMeasurement(ctx, f.ws, f.tp1.ID, oct.ID)
		if err != nil {
			t.Fatal(err)
		}
		wantMeasurement(t, tt.name+": unchanged", *got, want)
	}

	// Delete: a stale If-Match is refused, none or the current one deletes.
	wantCode(t, "delete, stale", f.store.DeleteMeasurement(ctx, f.ws, f.tp1.ID, oct.ID, 1), domain.EPreconditionFailed)
	wantCode(t, "delete, current", f.store.DeleteMeasurement(ctx, f.ws, f.tp1.ID, oct.ID, 2), "")
	wantCode(t, "delete, any version", f.store.DeleteMeasurement(ctx, f.ws, f.tp1.ID, nov.ID, 0), "")
	wantCode(t, "delete, again", f.store.DeleteMeasurement(ctx, f.ws, f.tp1.ID, nov.ID, 0), domain.ENotFound)
	if left := f.all(t, f.ws, f.tp1); len(left) != 0 {
		t.Fatalf("left after deleting: %+v", left)
	}
}

func TestUpsertMeasurements(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newMeasurementFixture(t)
	stored := f.add(t, csatOf(f.ws, f.tp1, f.csat, "2026-09-01", 80), csatOf(f.ws, f.tp1, f.csat, "2026-10-01", 81),
		csatOf(f.ws, f.tp2, f.csat, "2026-10-01", 82))
	// Another workspace measured the same kind of period for its own touchpoint.
	theirs := f.add(t, csatOf(f.otherWS, f.otherTP, f.otherCSAT, "2026-10-01", 50))[0]

	at := f.tick()
	batch := []domain.Measurement{
		csatOf(f.ws, f.tp1, f.csat, "2026-10-01", 90), // replaces stored[1]
		csatOf(f.ws, f.tp1, f.csat, "2026-11-01", 91), // new
		csatOf(f.ws, f.tp2, f.csat, "2026-10-01", 92), // replaces stored[2]
	}
	batch[0].Source = "corrected"
	replaced, err := f.store.UpsertMeasurements(ctx, batch)
	if err != nil || replaced != 2 {
		t.Fatalf("UpsertMeasurements = %d, %v; want 2 replaced", replaced, err)
	}
	byKey := map[domain.MeasurementKey]domain.Measurement{}
	for _, tp := range []*domain.Touchpoint{f.tp1, f.tp2} {
		for _, m := range f.all(t, f.ws, tp) {
			byKey[m.Key()] = m
		}
	}
	if len(byKey) != 4 {
		t.Fatalf("%d measurements after the upsert, want 4: %+v", len(byKey), byKey)
	}
	wantMeasurement(t, "untouched", byKey[stored[0].Key()], stored[0])
	for _, tt := range []struct {
		name string
		old  domain.Measurement
		new  domain.Measurement
	}{{"replaced, touchpoint 1", stored[1], batch[0]}, {"replaced, touchpoint 2", stored[2], batch[2]}} {
		want := tt.old
		want.Replace(&tt.new)
		want.Version, want.UpdatedAt = 2, at
		wantMeasurement(t, tt.name, byKey[tt.old.Key()], want)
	}
	if m := byKey[batch[1].Key()]; m.Version != 1 || m.Sample.Successes != 91 || !m.CreatedAt.Equal(at) || !m.UpdatedAt.Equal(at) || m.ID == "" {
		t.Fatalf("inserted: %+v", m)
	}
	// Once more: all three replaced, versions counting up.
	f.tick()
	if replaced, err := f.store.UpsertMeasurements(ctx, []domain.Measurement{batch[0], batch[1], batch[2]}); err != nil || replaced != 3 {
		t.Fatalf("second upsert = %d, %v; want 3 replaced", replaced, err)
	}
	if got, _ := f.store.GetMeasurement(ctx, f.ws, f.tp1.ID, stored[1].ID); got == nil || got.Version != 3 {
		t.Fatalf("after a second upsert: %+v", got)
	}
	if got, err := f.store.GetMeasurement(ctx, f.otherWS, f.otherTP.ID, theirs.ID); err != nil || !measurementEqual(*got, theirs) {
		t.Fatalf("the other workspace's measurement changed: %+v, %v", got, err)
	}
}

// TestMeasurementBatchesAllOrNothing: a refused row leaves nothing of its
// batch behind, however far into the batch it is (a batch is written in
// chunks of 1,000 rows).
func TestMeasurementBatchesAllOrNothing(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newMeasurementFixture(t)
	existing := f.add(t, csatOf(f.ws, f.tp2, f.csat, "2026-10-01", 80))[0]
	f.add(t, csatOf(f.otherWS, f.otherTP, f.otherCSAT, "2026-10-01", 50))

	// many is n distinct measurements of tp1, day by day, then last.
	many := func(n int, last domain.Measurement) []domain.Measurement {
		ms := make([]domain.Measurement, 0, n+1)
		start := time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)
		for i := range n {
			d := start.AddDate(0, 0, i)
			ms = append(ms, domain.Measurement{WorkspaceID: f.ws, TouchpointID: f.tp1.ID, MetricID: f.csat.ID, PeriodStart: d, PeriodEnd: d,
				Sample: domain.Sample{N: 10, Successes: 5}})
		}
		return append(ms, last)
	}
	theirTouchpoint := csatOf(f.ws, f.otherTP, f.otherCSAT, "2026-10-01", 1) // the key the other workspace measured
	theirTouchpointNew := csatOf(f.ws, f.otherTP, f.csat, "2026-12-01", 1)
	theirMetric := csatOf(f.ws, f.tp1, f.otherCSAT, "2026-10-01", 1)
	again := csatOf(f.ws, f.tp2, f.csat, "2026-10-01", 1)
	tests := []struct {
		name    string
		upsert  bool
		ms      []domain.Measurement
		code    domain.ErrorCode
		pointer string
		line    int
	}{
		{"add, a period measured already", false, many(1500, again), domain.EConflict, "/period_start", 1501},
		{"add, another workspace's touchpoint", false, many(1200, theirTouchpointNew), domain.EInvalid, "/touchpoint_id", 1201},
		{"add, another workspace's measured period", false, many(1100, theirTouchpoint), domain.EInvalid, "/touchpoint_id", 1101},
		{"add, another workspace's metric", false, many(2, theirMetric), domain.EInvalid, "/metric_id", 3},
		{"upsert, another workspace's touchpoint", true, many(1500, theirTouchpointNew), domain.EInvalid, "/touchpoint_id", 1501},
		{"upsert, another workspace's measured period", true, many(1500, theirTouchpoint), domain.EInvalid, "/touchpoint_id", 1501},
		{"upsert, another workspace's metric", true, many(1001, theirMetric), domain.EInvalid, "/metric_id", 1002},
		{"upsert, the first row bad", true, append([]domain.Measurement{theirTouchpoint}, many(3, again)...), domain.EInvalid, "/touchpoint_id", 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var err error
			if tt.upsert {
				_, err = f.store.UpsertMeasurements(ctx, tt.ms)
			} else {
				err = f.store.AddMeasurements(ctx, tt.ms)
			}
			wantFieldErr(t, tt.name, err, tt.code, tt.pointer, tt.line)
			if left := f.all(t, f.ws, f.tp1); len(left) != 0 {
				t.Fatalf("%d measurements of touchpoint 1 stored by a refused batch", len(left))
			}
			got, err := f.store.GetMeasurement(ctx, f.ws, f.tp2.ID, existing.ID)
			if err != nil || !measurementEqual(*got, existing) {
				t.Fatalf("a refused batch changed %+v: %+v, %v", existing, got, err)
			}
		})
	}
}

// TestReplaceMeasurementConcurrently: two replacements based on the same
// version cannot both win.
func TestReplaceMeasurementConcurrently(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newMeasurementFixture(t)
	m := f.add(t, csatOf(f.ws, f.tp1, f.csat, "2026-10-01", 80))[0]
	errs := make(chan error, 4)
	for n := range 4 {
		go func() {
			_, err := f.store.ReplaceMeasurement(ctx, f.ws, f.tp1.ID, m.ID, 1, func(m *domain.Measurement) error {
				m.Source = fmt.Sprint("writer ", n)
				return nil
			})
			errs <- err
		}()
	}
	won := 0
	for range 4 {
		switch err := <-errs; domain.ErrorCodeOf(err) {
		case "":
			won++
		case domain.EPreconditionFailed:
		default:
			t.Errorf("concurrent replacement: %v", err)
		}
	}
	got, err := f.store.GetMeasurement(ctx, f.ws, f.tp1.ID, m.ID)
	if won != 1 || err != nil || got.Version != 2 {
		t.Fatalf("%d replacements won; now %+v, %v", won, got, err)
	}
}
