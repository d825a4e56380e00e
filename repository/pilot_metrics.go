package repository

import (
	"context"
	"time"

	"cxbacklog/domain"

	"gorm.io/gorm/clause"
)

type metricRow struct {
	ID          string
	WorkspaceID string
	PilotID     string
	Name        string
	Unit        string
	Kind        string
	Direction   string
	Primary     bool `gorm:"column:primary"`
	Guardrail   bool
	// CatalogueMetricID is NULL when the metric is the pilot's own.
	CatalogueMetricID *string
	CreatedAt         time.Time
	UpdatedAt         time.Time
	Version           int
}

func (metricRow) TableName() string { return "pilot_metrics" }

func (r metricRow) domain() domain.Metric {
	return domain.Metric{
		ID: r.ID, WorkspaceID: r.WorkspaceID, PilotID: r.PilotID, Name: r.Name, Unit: r.Unit,
		Kind: domain.MetricKind(r.Kind), Direction: domain.Direction(r.Direction), Primary: r.Primary,
		Guardrail: r.Guardrail, CatalogueMetricID: deref(r.CatalogueMetricID), CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt, Version: r.Version,
	}
}

func metricRowOf(m *domain.Metric) metricRow {
	return metricRow{
		ID: m.ID, WorkspaceID: m.WorkspaceID, PilotID: m.PilotID, Name: m.Name, Unit: m.Unit, Kind: string(m.Kind),
		Direction: string(m.Direction), Primary: m.Primary, Guardrail: m.Guardrail, CatalogueMetricID: nilIfEmpty(m.CatalogueMetricID),
		CreatedAt: m.CreatedAt, UpdatedAt: m.UpdatedAt, Version: m.Version,
	}
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

func nilIfEmpty(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

type sampleRow struct {
	MetricID   string
	Grp        string
	Period     string
	N          int
	Mean       float64
	SD         float64 `gorm:"column:sd"`
	Successes  int
	Promoters  int
	Passives   int
	Detractors int
	Events     int
	Exposure   float64
	Source     string
	UpdatedAt  time.Time
	Version    int
}

func (sampleRow) TableName() string { return "pilot_samples" }

func (r sampleRow) domain() domain.Sample {
	return domain.Sample{
		MetricID: r.MetricID, Group: domain.Group(r.Grp), Period: domain.Period(r.Period), N: r.N, Mean: r.Mean, SD: r.SD,
		Successes: r.Successes, Promoters: r.Promoters, Passives: r.Passives, Detractors: r.Detractors,
		Events: r.Events, Exposure: r.Exposure, Source: domain.SampleSource(r.Source), UpdatedAt: r.UpdatedAt, Version: r.Version,
	}
}

func sampleRowOf(s *domain.Sample) sampleRow {
	return sampleRow{
		MetricID: s.MetricID, Grp: string(s.Group), Period: string(s.Period), N: s.N, Mean: s.Mean, SD: s.SD,
		Successes: s.Successes, Promoters: s.Promoters, Passives: s.Passives, Detractors: s.Detractors,
		Events: s.Events, Exposure: s.Exposure, Source: string(s.Source), UpdatedAt: s.UpdatedAt, Version: s.Version,
	}
}

type changeScoreRow struct {
	MetricID string
	Grp      string
	N        int
	Mean     float64
	SD       float64 `gorm:"column:sd"`
}

func (changeScoreRow) TableName() string { return "pilot_change_scores" }

// CreateMetric implements domain.PilotStore.
func (s *Store) CreateMetric(ctx context.Context, m *domain.Metric) error {
	m.ID = domain.NewID()
	m.CreatedAt = s.now()
	m.UpdatedAt, m.Version = m.CreatedAt, 1
	row := metricRowOf(m)
	return translate(s.conn(ctx).Create(&row).Error)
}

// GetMetric implements domain.PilotStore.
func (s *Store) GetMetric(ctx context.Context, workspaceID, pilotID, id string) (*domain.Metric, error) {
	return s.loadMetric(ctx, workspaceID, pilotID, id, false)
}

func (s *Store) loadMetric(ctx context.Context, workspaceID, pilotID, id string, forUpdate bool) (*domain.Metric, error) {
	var row metricRow
	q := s.conn(ctx).Where("workspace_id = ? AND pilot_id = ? AND id = ?", workspaceID, pilotID, id)
	if forUpdate {
		q = q.Clauses(clause.Locking{Strength: "UPDATE"})
	}
	if err := q.Take(&row).Error; err != nil {
		return nil, notFound(err, "metric", id)
	}
	m := row.domain()
	return &m, nil
}

// ListMetrics implements domain.PilotStore.
func (s *Store) ListMetrics(ctx context.Context, workspaceID, pilotID string) ([]domain.Metric, error) {
	var rows []metricRow
	err := s.conn(ctx).Where("workspace_id = ? AND pilot_id = ?", workspaceID, pilotID).
		Order("created_at, id").Limit(domain.MaxPilotMetrics + 1).Find(&rows).Error
	if err != nil {
		return nil, translate(err)
	}
	out := make([]domain.Metric, len(rows))
	for n, r := range rows {
		out[n] = r.domain()
	}
	return out, nil
}

// UpdateMetric implements domain.PilotStore.
func (s *Store) UpdateMetric(ctx context.Context, workspaceID, pilotID, id string, version int, change func(*domain.Metric) error) (*domain.Metric, error) {
	load := func(ctx context.Context) (*domain.Metric, error) {
		return s.loadMetric(ctx, workspaceID, pilotID, id, true)
	}
	rev := func(m *domain.Metric) (*int, *time.Time) { return &m.Version, &m.UpdatedAt }
	return updateVersioned(ctx, s, version, load, rev, change, func(ctx context.Context, m *domain.Metric) error {
		return translate(s.conn(ctx).Model(&metricRow{}).Where("id = ?", id).Updates(map[string]any{
			"name": m.Name, "unit": m.Unit, "direction": string(m.Direction), "primary": m.Primary,
			"guardrail": m.Guardrail, "updated_at": m.UpdatedAt, "version": m.Version,
		}).Error)
	})
}

// DeleteMetric implements domain.PilotStore.
func (s *Store) DeleteMetric(ctx context.Context, workspaceID, pilotID, id string, version int) error {
	return s.InTx(ctx, func(ctx context.Context) error {
		m, err := s.loadMetric(ctx, workspaceID, pilotID, id, true)
		if err != nil {
			return err
		}
		if err := checkVersion(m.Version, version); err != nil {
			return err
		}
		return translate(s.conn(ctx).Where("id = ?", id).Delete(&metricRow{}).Error)
	})
}

// MetricSamples implements domain.PilotStore.
func (s *Store) MetricSamples(ctx context.Context, workspaceID, pilotID, metricID string) (*domain.Metric, []domain.Sample, error) {
	m, err := s.GetMetric(ctx, workspaceID, pilotID, metricID)
	if err != nil {
		return nil, nil, err
	}
	var rows []sampleRow
	// grp DESC, period DESC: pilot before, pilot after, control before, control after.
	if err := s.conn(ctx).Where("metric_id = ?", metricID).Order("grp DESC, period DESC").Find(&rows).Error; err != nil {
		return nil, nil, translate(err)
	}
	out := make([]domain.Sample, len(rows))
	for n, r := range rows {
		out[n] = r.domain()
	}
	return m, out, nil
}

// lockSample reads one sample FOR UPDATE; nil when there is none.
func (s *Store) lockSample(ctx context.Context, metricID string, g domain.Group, p domain.Period) (*sampleRow, error) {
	var rows []sampleRow
	err := s.conn(ctx).Clauses(clause.Locking{Strength: "UPDATE"}).
		Where("metric_id = ? AND grp = ? AND period = ?", metricID, string(g), string(p)).Limit(1).Find(&rows).Error
	if err != nil || len(rows) == 0 {
		return nil, translate(err)
	}
	return &rows[0], nil
}

// PutSample implements domain.PilotStore.
func (s *Store) PutSample(ctx context.Context, workspaceID, pilotID string, smp *domain.Sample, version int) (bool, error) {
	created := false
	err := s.InTx(ctx, func(ctx context.Context) error {
		// Locked so that uploads, summaries and deletes of the metric take turns.
		if _, err := s.loadMetric(ctx, workspaceID, pilotID, smp.MetricID, true); err != nil {
			return err
		}
		cur, err := s.lockSample(ctx, smp.MetricID, smp.Group, smp.Period)
		if err != nil {
			return err
		}
		if err := checkSampleVersion(cur, version, smp); err != nil {
			return err
		}
		smp.Source, smp.UpdatedAt, smp.Version = domain.SourceSummary, s.now(), 1
		if cur != nil {
			smp.Version = cur.Version + 1
		}
		row := sampleRowOf(smp)
		created = cur == nil
		upsert := clause.OnConflict{Columns: []clause.Column{{Name: "metric_id"}, {Name: "grp"}, {Name: "period"}}, UpdateAll: true}
		return translate(s.conn(ctx).Clauses(upsert).Create(&row).Error)
	})
	return created, err
}

// checkSampleVersion applies the create-or-replace rules of PutSample.
func checkSampleVersion(cur *sampleRow, version int, smp *domain.Sample) error {
	name := string(smp.Group) + " " + string(smp.Period)
	switch {
	case cur == nil && version > 0:
		return domain.Errorf(domain.ENotFound, "there is no %s sample to replace; send the first one without If-Match", name)
	case cur == nil:
		return nil
	case cur.Source == string(domain.SourceObservations):
		return domain.Errorf(domain.EConflict, "the %s sample is computed from raw observations; delete the observations to enter a summary instead", name)
	case version == 0:
		return domain.Errorf(domain.EPreconditionRequired, "the %s sample exists; send If-Match with its ETag (\"%d\") to replace it", name, cur.Version)
	}
	return checkVersion(cur.Version, version)
}

// DeleteSample implements domain.PilotStore.
func (s *Store) DeleteSample(ctx context.Context, workspaceID, pilotID string, smp domain.Sample, version int) error {
	return s.InTx(ctx, func(ctx context.Context) error {
		// Locked so that uploads, summaries and deletes of the metric take turns.
		if _, err := s.loadMetric(ctx, workspaceID, pilotID, smp.MetricID, true); err != nil {
			return err
		}
		cur, err := s.lockSample(ctx, smp.MetricID, smp.Group, smp.Period)
		if err != nil {
			return err
		}
		if cur == nil {
			return domain.Errorf(domain.ENotFound, "there is no %s %s sample", smp.Group, smp.Period)
		}
		if cur.Source == string(domain.SourceObservations) {
			return domain.Errorf(domain.EConflict, "the %s %s sample is computed from raw observations; delete the observations instead", smp.Group, smp.Period)
		}
		if err := checkVersion(cur.Version, version); err != nil {
			return err
		}
		return translate(s.conn(ctx).Where("metric_id = ? AND grp = ? AND period = ?", smp.MetricID, cur.Grp, cur.Period).Delete(&sampleRow{}).Error)
	})
}
