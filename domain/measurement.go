package domain

import (
	"context"
	"time"
)

// Measurement is what a touchpoint measured on a catalogue metric in one
// period, as summary statistics of the metric's kind (the fields of Sample;
// its group and period are unused).
type Measurement struct {
	ID           string
	WorkspaceID  string
	TouchpointID string
	MetricID     string
	PeriodStart  time.Time // a calendar date
	PeriodEnd    time.Time // ≥ PeriodStart
	Sample       Sample
	Source       string // optional, e.g. "Qualtrics export 2026-10"
	CreatedAt    time.Time
}

// MaxSourceLength bounds a measurement's source.
const MaxSourceLength = 200

// Validate checks the period, the summary for kind and the source.
func (m *Measurement) Validate(kind MetricKind) error {
	var fe fieldErrors
	if m.PeriodEnd.Before(m.PeriodStart) {
		fe.add("/period_end", "must not be before period_start")
	}
	validateText(&fe, "/source", m.Source, MaxSourceLength)
	if err := m.Sample.Validate(kind); err != nil {
		fe = append(fe, err.(*Error).Fields...)
	}
	return fe.err()
}

// MeasurementStore keeps touchpoint measurements.
type MeasurementStore interface {
	// AddMeasurements stores validated measurements in one transaction.
	// EConflict when a touchpoint already has a measurement of the metric
	// for the same period; EInvalid naming the touchpoint or metric when it
	// is not in the workspace.
	AddMeasurements(ctx context.Context, ms []Measurement) error
	// ListMeasurements returns a touchpoint's measurements, newest period
	// first, optionally of one metric, at most limit. ENotFound for the touchpoint.
	ListMeasurements(ctx context.Context, workspaceID, touchpointID string, metricID *string, limit int) ([]Measurement, error)
	// RecentMeasurements returns, by metric id, the touchpoint's latest
	// perMetric measurements of each metric, newest period first. ENotFound.
	RecentMeasurements(ctx context.Context, workspaceID, touchpointID string, perMetric int) (map[string][]Measurement, error)
}

// ImportMeasurements stores, all or nothing, the measurements that read
// makes of an import; read is given the workspace's catalogue by id and by
// key, to resolve each row's metric. It answers how many were stored.
// Errors of read, and of MeasurementStore.AddMeasurements.
func ImportMeasurements(ctx context.Context, store interface {
	CatalogueStore
	MeasurementStore
}, workspaceID string, read func(catalogue map[string]CatalogueMetric) ([]Measurement, error)) (int, error) {
	metrics, err := store.ListCatalogueMetrics(ctx, workspaceID)
	if err != nil {
		return 0, err
	}
	catalogue := make(map[string]CatalogueMetric, 2*len(metrics))
	for _, m := range metrics {
		catalogue[m.ID], catalogue[m.Key] = m, m
	}
	ms, err := read(catalogue)
	if err != nil {
		return 0, err
	}
	return len(ms), store.AddMeasurements(ctx, ms)
}
