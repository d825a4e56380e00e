package repository

import (
	"context"
	"errors"
	"strings"
	"time"

	"cxbacklog/domain"

	"github.com/jackc/pgx/v5/pgconn"
)

type measurementRow struct {
	ID           string
	WorkspaceID  string
	TouchpointID string
	MetricID     string
	PeriodStart  time.Time
	PeriodEnd    time.Time
	N            int
	Mean         float64
	SD           float64 `gorm:"column:sd"`
	Successes    int
	Promoters    int
	Passives     int
	Detractors   int
	Events       int
	Exposure     float64
	Source       string
	CreatedAt    time.Time
}

func (measurementRow) TableName() string { return "touchpoint_measurements" }

func measurementRowOf(m *domain.Measurement) measurementRow {
	s := m.Sample
	return measurementRow{
		ID: m.ID, WorkspaceID: m.WorkspaceID, TouchpointID: m.TouchpointID, MetricID: m.MetricID,
		PeriodStart: m.PeriodStart, PeriodEnd: m.PeriodEnd, N: s.N, Mean: s.Mean, SD: s.SD, Successes: s.Successes,
		Promoters: s.Promoters, Passives: s.Passives, Detractors: s.Detractors, Events: s.Events, Exposure: s.Exposure,
		Source: m.Source, CreatedAt: m.CreatedAt,
	}
}

func (r measurementRow) domain() domain.Measurement {
	return domain.Measurement{
		ID: r.ID, WorkspaceID: r.WorkspaceID, TouchpointID: r.TouchpointID, MetricID: r.MetricID,
		PeriodStart: *utcDate(&r.PeriodStart), PeriodEnd: *utcDate(&r.PeriodEnd), Source: r.Source, CreatedAt: r.CreatedAt,
		Sample: domain.Sample{N: r.N, Mean: r.Mean, SD: r.SD, Successes: r.Successes, Promoters: r.Promoters,
			Passives: r.Passives, Detractors: r.Detractors, Events: r.Events, Exposure: r.Exposure},
	}
}

// measurementRefs names, for each foreign key of a measurement, the field
// at fault and how to find which measurement of a batch it was.
var measurementRefs = map[string]struct {
	pointer string
	id      func(m domain.Measurement) string
}{
	"touchpoint_measurements_touchpoint_fk": {"/touchpoint_id", func(m domain.Measurement) string { return m.TouchpointID }},
	"touchpoint_measurements_metric_fk":     {"/metric_id", func(m domain.Measurement) string { return m.MetricID }},
}

// AddMeasurements implements domain.MeasurementStore. A touchpoint or
// metric that is not in the workspace, or a period measured already, is
// reported with Line = the 1-based position of the measurement in ms.
func (s *Store) AddMeasurements(ctx context.Context, ms []domain.Measurement) error {
	rows := make([]measurementRow, len(ms))
	at := s.now()
	for n := range ms {
		ms[n].ID, ms[n].CreatedAt = domain.NewID(), at
		rows[n] = measurementRowOf(&ms[n])
	}
	err := s.conn(ctx).CreateInBatches(&rows, 1000).Error
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) {
		return translate(err)
	}
	if ref, ok := measurementRefs[pgErr.ConstraintName]; ok {
		for n, m := range ms {
			if strings.Contains(pgErr.Detail, ref.id(m)) {
				return domain.Invalid(domain.FieldError{Pointer: ref.pointer, Line: n + 1, Detail: "no such " + strings.TrimPrefix(ref.pointer, "/") + " in this workspace: " + ref.id(m)})
			}
		}
	}
	if pgErr.ConstraintName == "touchpoint_measurements_period_key" {
		for n, m := range ms {
			if strings.Contains(pgErr.Detail, m.TouchpointID) && strings.Contains(pgErr.Detail, m.PeriodStart.Format(time.DateOnly)) {
				return &domain.Error{Code: domain.EConflict, Message: "this touchpoint already has a measurement of this metric for this period",
					Fields: []domain.FieldError{{Pointer: "/period_start", Line: n + 1, Detail: "already measured"}}}
			}
		}
		return domain.Errorf(domain.EConflict, "a touchpoint already has a measurement of this metric for this period")
	}
	return translate(err)
}

// ListMeasurements implements domain.MeasurementStore.
func (s *Store) ListMeasurements(ctx context.Context, workspaceID, touchpointID string, metricID *string, limit int) ([]domain.Measurement, error) {
	if _, err := s.GetTouchpoint(ctx, workspaceID, touchpointID); err != nil {
		return nil, err
	}
	q := s.conn(ctx).Where("workspace_id = ? AND touchpoint_id = ?", workspaceID, touchpointID)
	if metricID != nil {
		q = q.Where("metric_id = ?", *metricID)
	}
	var rows []measurementRow
	if err := q.Order("period_end DESC, period_start DESC, id").Limit(pageLimit(limit)).Find(&rows).Error; err != nil {
		return nil, translate(err)
	}
	out := make([]domain.Measurement, len(rows))
	for n, r := range rows {
		out[n] = r.domain()
	}
	return out, nil
}

// RecentMeasurements implements domain.MeasurementStore in one statement.
func (s *Store) RecentMeasurements(ctx context.Context, workspaceID, touchpointID string, perMetric int) (map[string][]domain.Measurement, error) {
	if _, err := s.GetTouchpoint(ctx, workspaceID, touchpointID); err != nil {
		return nil, err
	}
	var rows []measurementRow
	err := s.conn(ctx).Raw(`SELECT * FROM (
			SELECT m.*, row_number() OVER (PARTITION BY metric_id ORDER BY period_end DESC, period_start DESC, id) AS recency
			FROM touchpoint_measurements m WHERE workspace_id = ? AND touchpoint_id = ?
		) r WHERE recency <= ? ORDER BY metric_id, recency`, workspaceID, touchpointID, perMetric).Scan(&rows).Error
	if err != nil {
		return nil, translate(err)
	}
	out := map[string][]domain.Measurement{}
	for _, r := range rows {
		out[r.MetricID] = append(out[r.MetricID], r.domain())
	}
	return out, nil
}

var _ domain.MeasurementStore = (*Store)(nil)
