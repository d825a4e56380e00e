package domain

import (
	"context"
	"errors"
	"testing"
	"time"
)

func day(s string) time.Time {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return t
}

// measured is a valid proportion measurement of touchpoint tp and metric
// "csat" for the period from start to end.
func measured(tp, start, end string) Measurement {
	return Measurement{WorkspaceID: "ws", TouchpointID: tp, MetricID: "csat", PeriodStart: day(start), PeriodEnd: day(end),
		Sample: Sample{N: 100, Successes: 80}}
}

func TestMeasurementKey(t *testing.T) {
	base := measured("tp1", "2026-10-01", "2026-10-31")
	tests := []struct {
		name string
		edit func(m *Measurement)
		same bool
	}{
		{"identical", func(*Measurement) {}, true},
		{"other summary and source", func(m *Measurement) { m.Sample.Successes, m.Source = 10, "again" }, true},
		{"same day in another location", func(m *Measurement) {
			m.PeriodStart = time.Date(2026, 10, 1, 0, 0, 0, 0, time.FixedZone("x", 3600))
		}, true},
		{"other touchpoint", func(m *Measurement) { m.TouchpointID = "tp2" }, false},
		{"other metric", func(m *Measurement) { m.MetricID = "nps" }, false},
		{"other start", func(m *Measurement) { m.PeriodStart = day("2026-10-02") }, false},
		{"other end", func(m *Measurement) { m.PeriodEnd = day("2026-10-30") }, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := base
			tt.edit(&m)
			if got := m.Key() == base.Key(); got != tt.same {
				t.Fatalf("same key = %v, want %v (%+v vs %+v)", got, tt.same, m.Key(), base.Key())
			}
		})
	}
}

func TestMeasurementReplace(t *testing.T) {
	created := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
	m := Measurement{ID: "m1", WorkspaceID: "ws", TouchpointID: "tp1", MetricID: "csat", PeriodStart: day("2026-10-01"),
		PeriodEnd: day("2026-10-31"), Sample: Sample{N: 100, Successes: 80}, Source: "first", CreatedAt: created, UpdatedAt: created, Version: 3}
	with := Measurement{ID: "other", WorkspaceID: "ws2", TouchpointID: "tp2", MetricID: "nps", PeriodStart: day("2026-09-01"),
		PeriodEnd: day("2026-09-30"), Sample: Sample{Promoters: 5, Passives: 4, Detractors: 3}, Source: "second",
		CreatedAt: created.Add(time.Hour), UpdatedAt: created.Add(time.Hour), Version: 9}
	m.Replace(&with)
	want := Measurement{ID: "m1", WorkspaceID: "ws", TouchpointID: "tp1", MetricID: "nps", PeriodStart: day("2026-09-01"),
		PeriodEnd: day("2026-09-30"), Sample: Sample{Promoters: 5, Passives: 4, Detractors: 3}, Source: "second",
		CreatedAt: created, UpdatedAt: created, Version: 3}
	if m != want {
		t.Fatalf("after Replace:\n got %+v\nwant %+v", m, want)
	}
}

func TestDistinctMeasurements(t *testing.T) {
	a := measured("tp1", "2026-10-01", "2026-10-31")
	b := measured("tp2", "2026-10-01", "2026-10-31")
	c := measured("tp1", "2026-11-01", "2026-11-30")
	aAgain := a
	aAgain.Sample.Successes, aAgain.Source = 12, "a second time"
	tests := []struct {
		name string
		ms   []Measurement
		line int // the 1-based position named; 0 when distinct
	}{
		{"none", nil, 0},
		{"one", []Measurement{a}, 0},
		{"distinct", []Measurement{a, b, c}, 0},
		{"repeated next", []Measurement{a, aAgain}, 2},
		{"repeated later", []Measurement{a, b, c, aAgain}, 4},
		{"first repeat named", []Measurement{b, a, b, aAgain}, 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := DistinctMeasurements(tt.ms)
			if tt.line == 0 {
				if err != nil {
					t.Fatalf("DistinctMeasurements = %v, want nil", err)
				}
				return
			}
			var de *Error
			if !errors.As(err, &de) || de.Code != EInvalid || len(de.Fields) != 1 {
				t.Fatalf("DistinctMeasurements = %v, want EInvalid naming one row", err)
			}
			if f := de.Fields[0]; f.Line != tt.line || f.Pointer != "/period_start" || f.Detail == "" {
				t.Fatalf("field error %+v, want line %d at /period_start", f, tt.line)
			}
		})
	}
}

// importStore is a catalogue and a measurement store in memory that records
// what the import asked of it.
type importStore struct {
	CatalogueStore
	MeasurementStore
	metrics            []CatalogueMetric
	added, upserted    []Measurement
	replaced           int
	addErr, upsertErr  error
	catalogueErr       error
	addCalls, upsCalls int
}

func (s *importStore) ListCatalogueMetrics(context.Context, string) ([]CatalogueMetric, error) {
	return s.metrics, s.catalogueErr
}

func (s *importStore) AddMeasurements(_ context.Context, ms []Measurement) error {
	s.addCalls++
	s.added = ms
	return s.addErr
}

func (s *importStore) UpsertMeasurements(_ context.Context, ms []Measurement) (int, error) {
	s.upsCalls++
	s.upserted = ms
	return s.replaced, s.upsertErr
}

func TestImportMeasurements(t *testing.T) {
	a := measured("tp1", "2026-10-01", "2026-10-31")
	b := measured("tp2", "2026-10-01", "2026-10-31")
	c := measured("tp1", "2026-11-01", "2026-11-30")
	storeErr := Errorf(EConflict, "already measured")
	tests := []struct {
		name      string
		mode      ImportMode
		rows      []Measurement
		replaced  int   // what the store says it replaced
		storeErr  error // what the store answers
		want      ImportResult
		code      ErrorCode // of the error; "" for none
		adds, ups int       // calls of AddMeasurements and UpsertMeasurements
	}{
		{"insert", ImportInsert, []Measurement{a, b, c}, 0, nil, ImportResult{Inserted: 3}, "", 1, 0},
		{"insert, a period measured already", ImportInsert, []Measurement{a}, 0, storeErr, ImportResult{}, EConflict, 1, 0},
		{"upsert", ImportUpsert, []Measurement{a, b, c}, 2, nil, ImportResult{Inserted: 1, Replaced: 2}, "", 0, 1},
		{"upsert, all new", ImportUpsert, []Measurement{a, b}, 0, nil, ImportResult{Inserted: 2}, "", 0, 1},
		{"upsert refused", ImportUpsert, []Measurement{a, b}, 0, storeErr, ImportResult{}, EConflict, 0, 1},
		{"insert, a key twice", ImportInsert, []Measurement{a, b, a}, 0, nil, ImportResult{}, EInvalid, 0, 0},
		{"upsert, a key twice", ImportUpsert, []Measurement{a, b, a}, 0, nil, ImportResult{}, EInvalid, 0, 0},
		{"unknown mode", ImportMode("replace"), []Measurement{a}, 0, nil, ImportResult{}, EMalformed, 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			store := &importStore{metrics: []CatalogueMetric{{ID: "csat-id", Key: "csat", Kind: KindProportion}},
				replaced: tt.replaced, addErr: tt.storeErr, upsertErr: tt.storeErr}
			var gotCatalogue map[string]CatalogueMetric
			got, err := ImportMeasurements(context.Background(), store, "ws", tt.mode, func(cat map[string]CatalogueMetric) ([]Measurement, error) {
				gotCatalogue = cat
				return tt.rows, nil
			})
			if code := ErrorCodeOf(err); code != tt.code {
				t.Fatalf("error %v (code %q), want code %q", err, code, tt.code)
			}
			if got != tt.want {
				t.Errorf("result %+v, want %+v", got, tt.want)
			}
			if store.addCalls != tt.adds || store.upsCalls != tt.ups {
				t.Errorf("AddMeasurements called %d times, UpsertMeasurements %d; want %d and %d", store.addCalls, store.upsCalls, tt.adds, tt.ups)
			}
			if tt.mode == ImportMode("replace") {
				if de := (*Error)(nil); !errors.As(err, &de) || len(de.Fields) != 1 || de.Fields[0].Parameter != "mode" {
					t.Errorf("unknown mode: %v does not name the parameter mode", err)
				}
				return
			}
			if gotCatalogue["csat"].ID != "csat-id" || gotCatalogue["csat-id"].Key != "csat" {
				t.Errorf("read got the catalogue %+v, want it by key and by id", gotCatalogue)
			}
		})
	}
	// The catalogue's and the reader's errors pass through, and nothing is stored.
	store := &importStore{catalogueErr: Errorf(EUnavailable, "down")}
	if _, err := ImportMeasurements(context.Background(), store, "ws", ImportUpsert, nil); ErrorCodeOf(err) != EUnavailable {
		t.Errorf("catalogue failure: %v", err)
	}
	store = &importStore{}
	_, err := ImportMeasurements(context.Background(), store, "ws", ImportUpsert, func(map[string]CatalogueMetric) ([]Measurement, error) {
		return nil, Invalid(FieldError{Pointer: "/n", Line: 3, Detail: "bad"})
	})
	if ErrorCodeOf(err) != EInvalid || store.addCalls+store.upsCalls != 0 {
		t.Errorf("reader failure: %v, %d store calls", err, store.addCalls+store.upsCalls)
	}
}
