package repository

import (
	"context"
	"strings"
	"time"

	"cxbacklog/domain"

	"gorm.io/gorm/clause"
)

type touchpointRow struct {
	ID          string
	WorkspaceID string
	JourneyID   string
	StageID     string
	Name        string
	Description string
	Channel     string
	Owner       string
	CreatedAt   time.Time
	UpdatedAt   time.Time
	Version     int
}

func (touchpointRow) TableName() string { return "touchpoints" }

func (r touchpointRow) domain() domain.Touchpoint {
	return domain.Touchpoint{
		ID: r.ID, WorkspaceID: r.WorkspaceID, JourneyID: r.JourneyID, StageID: r.StageID, Name: r.Name,
		Description: r.Description, Channel: domain.Channel(r.Channel), Owner: r.Owner,
		CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt, Version: r.Version,
	}
}

func touchpointRowOf(t *domain.Touchpoint) touchpointRow {
	return touchpointRow{
		ID: t.ID, WorkspaceID: t.WorkspaceID, JourneyID: t.JourneyID, StageID: t.StageID, Name: t.Name,
		Description: t.Description, Channel: string(t.Channel), Owner: t.Owner,
		CreatedAt: t.CreatedAt, UpdatedAt: t.UpdatedAt, Version: t.Version,
	}
}

// CreateTouchpoint implements domain.TouchpointStore.
func (s *Store) CreateTouchpoint(ctx context.Context, t *domain.Touchpoint) error {
	t.ID = domain.NewID()
	t.CreatedAt = s.now()
	t.UpdatedAt, t.Version = t.CreatedAt, 1
	row := touchpointRowOf(t)
	return translate(s.conn(ctx).Create(&row).Error)
}

// GetTouchpoint implements domain.TouchpointStore.
func (s *Store) GetTouchpoint(ctx context.Context, workspaceID, id string) (*domain.Touchpoint, error) {
	var row touchpointRow
	if err := s.conn(ctx).Where("workspace_id = ? AND id = ?", workspaceID, id).Take(&row).Error; err != nil {
		return nil, notFound(err, "touchpoint", id)
	}
	t := row.domain()
	return &t, nil
}

// ListTouchpoints implements domain.TouchpointStore.
func (s *Store) ListTouchpoints(ctx context.Context, workspaceID string, f domain.TouchpointFilter, page domain.Page) ([]domain.Touchpoint, *domain.Cursor, error) {
	q := s.conn(ctx).Where("workspace_id = ?", workspaceID)
	q = anyOf(q, "id", f.IDs)
	q = anyOf(q, "journey_id", f.JourneyIDs)
	q = anyOf(q, "stage_id", f.StageIDs)
	q = anyOf(q, "channel", f.Channels)
	q = anyOf(q, "owner", f.Owners)
	if f.Query != nil {
		pattern := "%" + likeEscaper.Replace(*f.Query) + "%"
		q = q.Where("(name ILIKE ? OR description ILIKE ?)", pattern, pattern)
	}
	var rows []touchpointRow
	if err := keyset(q, "touchpoints", page).Find(&rows).Error; err != nil {
		return nil, nil, translate(err)
	}
	rows, next := cutPage(rows, page.Limit, func(r touchpointRow) domain.Cursor { return domain.Cursor{CreatedAt: r.CreatedAt, ID: r.ID} })
	out := make([]domain.Touchpoint, len(rows))
	for i, r := range rows {
		out[i] = r.domain()
	}
	return out, next, nil
}

// likeEscaper makes a search term match literally inside ILIKE.
var likeEscaper = strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)

// UpdateTouchpoint implements domain.TouchpointStore.
func (s *Store) UpdateTouchpoint(ctx context.Context, workspaceID, id string, version int, change func(*domain.Touchpoint) error) (*domain.Touchpoint, error) {
	load := func(ctx context.Context) (*domain.Touchpoint, error) { return s.lockTouchpoint(ctx, workspaceID, id) }
	rev := func(t *domain.Touchpoint) (*int, *time.Time) { return &t.Version, &t.UpdatedAt }
	return updateVersioned(ctx, s, version, load, rev, change, func(ctx context.Context, t *domain.Touchpoint) error {
		return translate(s.conn(ctx).Model(&touchpointRow{}).Where("id = ?", id).Updates(map[string]any{
			"journey_id": t.JourneyID, "stage_id": t.StageID, "name": t.Name, "description": t.Description,
			"channel": string(t.Channel), "owner": t.Owner, "updated_at": t.UpdatedAt, "version": t.Version,
		}).Error)
	})
}

// lockTouchpoint reads a touchpoint for update.
func (s *Store) lockTouchpoint(ctx context.Context, workspaceID, id string) (*domain.Touchpoint, error) {
	var row touchpointRow
	err := s.conn(ctx).Clauses(clause.Locking{Strength: "UPDATE"}).
		Where("workspace_id = ? AND id = ?", workspaceID, id).Take(&row).Error
	if err != nil {
		return nil, notFound(err, "touchpoint", id)
	}
	t := row.domain()
	return &t, nil
}

// DeleteTouchpoint implements domain.TouchpointStore.
func (s *Store) DeleteTouchpoint(ctx context.Context, workspaceID, id string, version int) error {
	return s.InTx(ctx, func(ctx context.Context) error {
		t, err := s.lockTouchpoint(ctx, workspaceID, id)
		if err != nil {
			return err
		}
		if err := checkVersion(t.Version, version); err != nil {
			return err
		}
		err = s.conn(ctx).Where("id = ?", id).Delete(&touchpointRow{}).Error
		if foreignKeyViolation(err, "idea_touchpoints_touchpoint_fk") {
			return domain.Errorf(domain.EConflict, "ideas target this touchpoint; remove it from them first")
		}
		if foreignKeyViolation(err, "pilot_touchpoints_touchpoint_fk") {
			return domain.Errorf(domain.EConflict, "pilots target this touchpoint; remove it from them first")
		}
		if foreignKeyViolation(err, "value_drivers_touchpoint_id_fkey") {
			return domain.Errorf(domain.EConflict, "value drivers use this touchpoint; delete them first")
		}
		if foreignKeyViolation(err, contactReasonTouchpointFK) {
			return domain.Errorf(domain.EConflict, "contact reasons originate at this touchpoint; move them to another touchpoint or delete them first")
		}
		if foreignKeyViolation(err, "feedback_touchpoint_id_fkey") {
			return domain.Errorf(domain.EConflict, "customer feedback is about this touchpoint; move it to another touchpoint or delete it first")
		}
		return translate(err)
	})
}

var _ domain.TouchpointStore = (*Store)(nil)
