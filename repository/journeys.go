package repository

import (
	"context"
	"time"

	"cxbacklog/domain"

	"gorm.io/gorm/clause"
)

type journeyRow struct {
	ID          string
	WorkspaceID string
	Name        string
	Description string
	CreatedAt   time.Time
	UpdatedAt   time.Time
	Version     int
}

func (journeyRow) TableName() string { return "journeys" }

type stageRow struct {
	JourneyID string
	ID        string
	Position  int
	Name      string
}

func (stageRow) TableName() string { return "journey_stages" }

func (r journeyRow) domain(stages []stageRow) domain.Journey {
	j := domain.Journey{
		ID: r.ID, WorkspaceID: r.WorkspaceID, Name: r.Name, Description: r.Description,
		CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt, Version: r.Version, Stages: []domain.Stage{},
	}
	for _, s := range stages {
		j.Stages = append(j.Stages, domain.Stage{ID: s.ID, Name: s.Name})
	}
	return j
}

func stageRows(j *domain.Journey) []stageRow {
	rows := make([]stageRow, len(j.Stages))
	for i, s := range j.Stages {
		rows[i] = stageRow{JourneyID: j.ID, ID: s.ID, Position: i, Name: s.Name}
	}
	return rows
}

// CreateJourney implements domain.JourneyStore.
func (s *Store) CreateJourney(ctx context.Context, j *domain.Journey) error {
	j.ID = domain.NewID()
	j.CreatedAt = s.now()
	j.UpdatedAt, j.Version = j.CreatedAt, 1
	row := journeyRow{ID: j.ID, WorkspaceID: j.WorkspaceID, Name: j.Name, Description: j.Description,
		CreatedAt: j.CreatedAt, UpdatedAt: j.UpdatedAt, Version: j.Version}
	return s.InTx(ctx, func(ctx context.Context) error {
		if err := s.conn(ctx).Create(&row).Error; err != nil {
			return translate(err)
		}
		return translate(s.conn(ctx).Create(stageRows(j)).Error)
	})
}

// GetJourney implements domain.JourneyStore.
func (s *Store) GetJourney(ctx context.Context, workspaceID, id string) (*domain.Journey, error) {
	return s.loadJourney(ctx, workspaceID, id, false)
}

// loadJourney reads a journey and its stages; forUpdate locks the journey row
// until the transaction in ctx ends.
func (s *Store) loadJourney(ctx context.Context, workspaceID, id string, forUpdate bool) (*domain.Journey, error) {
	var row journeyRow
	q := s.conn(ctx).Where("workspace_id = ? AND id = ?", workspaceID, id)
	if forUpdate {
		q = q.Clauses(clause.Locking{Strength: "UPDATE"})
	}
	if err := q.Take(&row).Error; err != nil {
		return nil, notFound(err, "journey", id)
	}
	stages, err := s.stagesOf(ctx, []string{id})
	if err != nil {
		return nil, err
	}
	j := row.domain(stages[id])
	return &j, nil
}

// stagesOf loads the stages of many journeys in one query, in order.
func (s *Store) stagesOf(ctx context.Context, journeyIDs []string) (map[string][]stageRow, error) {
	var rows []stageRow
	err := s.conn(ctx).Where("journey_id IN ?", journeyIDs).Order("journey_id, position").Find(&rows).Error
	if err != nil {
		return nil, translate(err)
	}
	byJourney := make(map[string][]stageRow, len(journeyIDs))
	for _, r := range rows {
		byJourney[r.JourneyID] = append(byJourney[r.JourneyID], r)
	}
	return byJourney, nil
}

// ListJourneys implements domain.JourneyStore.
func (s *Store) ListJourneys(ctx context.Context, workspaceID string, page domain.Page) ([]domain.Journey, *domain.Cursor, error) {
	var rows []journeyRow
	q := s.conn(ctx).Where("workspace_id = ?", workspaceID)
	if err := keyset(q, "journeys", page).Find(&rows).Error; err != nil {
		return nil, nil, translate(err)
	}
	rows, next := cutPage(rows, page.Limit, func(r journeyRow) domain.Cursor { return domain.Cursor{CreatedAt: r.CreatedAt, ID: r.ID} })
	ids := make([]string, len(rows))
	for i, r := range rows {
		ids[i] = r.ID
	}
	journeys := make([]domain.Journey, len(rows))
	if len(rows) == 0 {
		return journeys, next, nil
	}
	stages, err := s.stagesOf(ctx, ids)
	if err != nil {
		return nil, nil, err
	}
	for i, r := range rows {
		journeys[i] = r.domain(stages[r.ID])
	}
	return journeys, next, nil
}

// UpdateJourney implements domain.JourneyStore.
func (s *Store) UpdateJourney(ctx context.Context, workspaceID, id string, version int, change func(*domain.Journey) error) (*domain.Journey, error) {
	load := func(ctx context.Context) (*domain.Journey, error) { return s.loadJourney(ctx, workspaceID, id, true) }
	rev := func(j *domain.Journey) (*int, *time.Time) { return &j.Version, &j.UpdatedAt }
	return updateVersioned(ctx, s, version, load, rev, change, func(ctx context.Context, j *domain.Journey) error {
		if err := s.conn(ctx).Model(&journeyRow{}).Where("id = ?", id).Updates(map[string]any{
			"name": j.Name, "description": j.Description, "updated_at": j.UpdatedAt, "version": j.Version,
		}).Error; err != nil {
			return translate(err)
		}
		return s.replaceStages(ctx, j)
	})
}

// replaceStages makes the stored stages equal j.Stages: removed stages are
// deleted (refused while touchpoints use them), the rest upserted in order.
func (s *Store) replaceStages(ctx context.Context, j *domain.Journey) error {
	keep := make([]string, len(j.Stages))
	for i, st := range j.Stages {
		keep[i] = st.ID
	}
	err := s.conn(ctx).Where("journey_id = ? AND id NOT IN ?", j.ID, keep).Delete(&stageRow{}).Error
	if foreignKeyViolation(err, "touchpoints_stage_fk") {
		return domain.Errorf(domain.EConflict, "a stage removed from the journey still has touchpoints; move or delete them first")
	}
	if err != nil {
		return translate(err)
	}
	err = s.conn(ctx).Clauses(clause.OnConflict{
		Columns:   []clause.Column{{Name: "journey_id"}, {Name: "id"}},
		DoUpdates: clause.AssignmentColumns([]string{"position", "name"}),
	}).Create(stageRows(j)).Error
	return translate(err)
}

// DeleteJourney implements domain.JourneyStore.
func (s *Store) DeleteJourney(ctx context.Context, workspaceID, id string, version int) error {
	return s.InTx(ctx, func(ctx context.Context) error {
		j, err := s.loadJourney(ctx, workspaceID, id, true)
		if err != nil {
			return err
		}
		if err := checkVersion(j.Version, version); err != nil {
			return err
		}
		err = s.conn(ctx).Where("id = ?", id).Delete(&journeyRow{}).Error
		if foreignKeyViolation(err, "touchpoints_journey_fk") || foreignKeyViolation(err, "touchpoints_stage_fk") {
			return domain.Errorf(domain.EConflict, "the journey still has touchpoints; move or delete them first")
		}
		return translate(err)
	})
}

// checkVersion refuses a write based on a stale read (If-Match).
func checkVersion(current, expected int) error {
	if current != expected {
		return domain.Errorf(domain.EPreconditionFailed, "the resource has changed: its version is %d, If-Match said %d; fetch it again and reapply your change", current, expected)
	}
	return nil
}

// notFound names the missing resource in the not-found error.
func notFound(err error, kind, id string) error {
	if err = translate(err); domain.ErrorCodeOf(err) == domain.ENotFound {
		return domain.Errorf(domain.ENotFound, "no %s %s in this workspace", kind, id)
	}
	return err
}

var _ domain.JourneyStore = (*Store)(nil)
