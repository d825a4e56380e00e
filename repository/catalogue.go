package repository

import (
	"context"
	"time"

	"cxbacklog/domain"

	"gorm.io/gorm/clause"
)

type catalogueRow struct {
	ID          string
	WorkspaceID string
	Key         string
	Name        string
	Kind        string
	Direction   string
	Unit        string
	Target      *float64
	Description string
	CreatedAt   time.Time
	UpdatedAt   time.Time
	Version     int
}

func (catalogueRow) TableName() string { return "catalogue_metrics" }

func (r catalogueRow) domain() domain.CatalogueMetric {
	return domain.CatalogueMetric{
		ID: r.ID, WorkspaceID: r.WorkspaceID, Key: r.Key, Name: r.Name, Kind: domain.MetricKind(r.Kind),
		Direction: domain.Direction(r.Direction), Unit: r.Unit, Target: r.Target, Description: r.Description,
		CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt, Version: r.Version,
	}
}

func catalogueRowOf(m *domain.CatalogueMetric) catalogueRow {
	return catalogueRow{
		ID: m.ID, WorkspaceID: m.WorkspaceID, Key: m.Key, Name: m.Name, Kind: string(m.Kind),
		Direction: string(m.Direction), Unit: m.Unit, Target: m.Target, Description: m.Description,
		CreatedAt: m.CreatedAt, UpdatedAt: m.UpdatedAt, Version: m.Version,
	}
}

// CreateCatalogueMetric implements domain.CatalogueStore.
func (s *Store) CreateCatalogueMetric(ctx context.Context, m *domain.CatalogueMetric) error {
	m.ID = domain.NewID()
	m.CreatedAt = s.now()
	m.UpdatedAt, m.Version = m.CreatedAt, 1
	row := catalogueRowOf(m)
	return translate(s.conn(ctx).Create(&row).Error)
}

// GetCatalogueMetric implements domain.CatalogueStore.
func (s *Store) GetCatalogueMetric(ctx context.Context, workspaceID, id string) (*domain.CatalogueMetric, error) {
	return s.loadCatalogueMetric(ctx, workspaceID, id, false)
}

func (s *Store) loadCatalogueMetric(ctx context.Context, workspaceID, id string, forUpdate bool) (*domain.CatalogueMetric, error) {
	var row catalogueRow
	q := s.conn(ctx).Where("workspace_id = ? AND id = ?", workspaceID, id)
	if forUpdate {
		q = q.Clauses(clause.Locking{Strength: "UPDATE"})
	}
	if err := q.Take(&row).Error; err != nil {
		return nil, notFound(err, "catalogue metric", id)
	}
	m := row.domain()
	return &m, nil
}

// ListCatalogueMetrics implements domain.CatalogueStore.
func (s *Store) ListCatalogueMetrics(ctx context.Context, workspaceID string) ([]domain.CatalogueMetric, error) {
	var rows []catalogueRow
	if err := s.conn(ctx).Where("workspace_id = ?", workspaceID).Order("key").Find(&rows).Error; err != nil {
		return nil, translate(err)
	}
	out := make([]domain.CatalogueMetric, len(rows))
	for n, r := range rows {
		out[n] = r.domain()
	}
	return out, nil
}

// UpdateCatalogueMetric implements domain.CatalogueStore.
func (s *Store) UpdateCatalogueMetric(ctx context.Context, workspaceID, id string, version int, change func(*domain.CatalogueMetric) error) (*domain.CatalogueMetric, error) {
	load := func(ctx context.Context) (*domain.CatalogueMetric, error) {
		return s.loadCatalogueMetric(ctx, workspaceID, id, true)
	}
	rev := func(m *domain.CatalogueMetric) (*int, *time.Time) { return &m.Version, &m.UpdatedAt }
	return updateVersioned(ctx, s, version, load, rev, change, func(ctx context.Context, m *domain.CatalogueMetric) error {
		return translate(s.conn(ctx).Model(&catalogueRow{}).Where("id = ?", id).Updates(map[string]any{
			"key": m.Key, "name": m.Name, "direction": string(m.Direction), "unit": m.Unit, "target": m.Target,
			"description": m.Description, "updated_at": m.UpdatedAt, "version": m.Version,
		}).Error)
	})
}

// DeleteCatalogueMetric implements domain.CatalogueStore.
func (s *Store) DeleteCatalogueMetric(ctx context.Context, workspaceID, id string, version int) error {
	return s.InTx(ctx, func(ctx context.Context) error {
		m, err := s.loadCatalogueMetric(ctx, workspaceID, id, true)
		if err != nil {
			return err
		}
		if err := checkVersion(m.Version, version); err != nil {
			return err
		}
		err = s.conn(ctx).Where("id = ?", id).Delete(&catalogueRow{}).Error
		if foreignKeyViolation(err, "touchpoint_measurements_metric_fk") || foreignKeyViolation(err, "pilot_metrics_catalogue_fk") {
			return domain.Errorf(domain.EConflict, "measurements or pilot metrics use this metric; it cannot be deleted")
		}
		if foreignKeyViolation(err, "value_drivers_metric_id_fkey") {
			return domain.Errorf(domain.EConflict, "value drivers use this metric; delete them first")
		}
		return translate(err)
	})
}

var _ domain.CatalogueStore = (*Store)(nil)
