package repository

import (
	"context"
	"database/sql"
	"slices"
	"time"

	"cxbacklog/domain"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

type pilotRow struct {
	ID              string
	WorkspaceID     string
	IdeaID          string
	Title           string
	Hypothesis      string
	Scope           string
	StartDate       *time.Time
	EndDate         *time.Time
	Owner           string
	ConfidenceLevel float64
	Status          string
	Decision        string
	Results         *string // jsonb snapshot, see frozenResult
	StartedAt       *time.Time
	EndedAt         *time.Time
	CreatedAt       time.Time
	UpdatedAt       time.Time
	Version         int
}

func (pilotRow) TableName() string { return "pilots" }

type pilotTouchpointRow struct {
	WorkspaceID  string
	PilotID      string
	TouchpointID string
	Position     int
}

func (pilotTouchpointRow) TableName() string { return "pilot_touchpoints" }

func pilotRowOf(p *domain.Pilot) (pilotRow, error) {
	row := pilotRow{
		ID: p.ID, WorkspaceID: p.WorkspaceID, IdeaID: p.IdeaID, Title: p.Title, Hypothesis: p.Hypothesis, Scope: p.Scope,
		StartDate: p.StartDate, EndDate: p.EndDate, Owner: p.Owner, ConfidenceLevel: p.ConfidenceLevel,
		Status: string(p.Status), Decision: string(p.Decision), StartedAt: p.StartedAt, EndedAt: p.EndedAt,
		CreatedAt: p.CreatedAt, UpdatedAt: p.UpdatedAt, Version: p.Version,
	}
	if p.Results != nil {
		snapshot, err := freezeResult(p.Results)
		if err != nil {
			return row, domain.Wrap(domain.EInternal, err, "internal error")
		}
		row.Results = &snapshot
	}
	return row, nil
}

func (r pilotRow) domain(touchpoints []string) (domain.Pilot, error) {
	p := domain.Pilot{
		ID: r.ID, WorkspaceID: r.WorkspaceID, IdeaID: r.IdeaID, Title: r.Title, Hypothesis: r.Hypothesis, Scope: r.Scope,
		TouchpointIDs: touchpoints, StartDate: utcDate(r.StartDate), EndDate: utcDate(r.EndDate), Owner: r.Owner,
		ConfidenceLevel: r.ConfidenceLevel, Status: domain.PilotStatus(r.Status), Decision: domain.Decision(r.Decision),
		StartedAt: r.StartedAt, EndedAt: r.EndedAt, CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt, Version: r.Version,
	}
	if p.TouchpointIDs == nil {
		p.TouchpointIDs = []string{}
	}
	if r.Results != nil {
		var err error
		if p.Results, err = thawResult(*r.Results); err != nil {
			return p, domain.Wrap(domain.EInternal, err, "internal error")
		}
	}
	return p, nil
}

// utcDate reads a date column as midnight UTC (pgx gives dates in UTC
// already; this only normalises the location).
func utcDate(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	d := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
	return &d
}

// CreatePilot implements domain.PilotStore.
func (s *Store) CreatePilot(ctx context.Context, p *domain.Pilot) error {
	return s.InTx(ctx, func(ctx context.Context) error {
		p.ID = domain.NewID()
		p.CreatedAt = s.now()
		p.UpdatedAt, p.Version = p.CreatedAt, 1
		row, err := pilotRowOf(p)
		if err != nil {
			return err
		}
		if err := s.conn(ctx).Create(&row).Error; err != nil {
			return translate(err)
		}
		if p.TouchpointIDs == nil {
			p.TouchpointIDs = []string{}
		}
		return pilotLinks.insert(ctx, s, p.WorkspaceID, p.ID, p.TouchpointIDs)
	})
}

// GetPilot implements domain.PilotStore.
func (s *Store) GetPilot(ctx context.Context, workspaceID, id string) (*domain.Pilot, error) {
	return s.loadPilot(ctx, workspaceID, id, "")
}

// loadPilot reads one pilot, locked FOR lock ("UPDATE", "SHARE") or not ("").
func (s *Store) loadPilot(ctx context.Context, workspaceID, id, lock string) (*domain.Pilot, error) {
	var row pilotRow
	q := s.conn(ctx).Where("workspace_id = ? AND id = ?", workspaceID, id)
	if lock != "" {
		q = q.Clauses(clause.Locking{Strength: lock})
	}
	if err := q.Take(&row).Error; err != nil {
		return nil, notFound(err, "pilot", id)
	}
	pilots, err := s.withPilotTouchpoints(ctx, []pilotRow{row})
	if err != nil {
		return nil, err
	}
	return &pilots[0], nil
}

func (s *Store) withPilotTouchpoints(ctx context.Context, rows []pilotRow) ([]domain.Pilot, error) {
	out := make([]domain.Pilot, len(rows))
	if len(rows) == 0 {
		return out, nil
	}
	ids := make([]string, len(rows))
	for n, r := range rows {
		ids[n] = r.ID
	}
	var links []pilotTouchpointRow
	if err := s.conn(ctx).Where("pilot_id IN ?", ids).Order("pilot_id, position").Find(&links).Error; err != nil {
		return nil, translate(err)
	}
	tps := make(map[string][]string, len(rows))
	for _, l := range links {
		tps[l.PilotID] = append(tps[l.PilotID], l.TouchpointID)
	}
	for n, r := range rows {
		p, err := r.domain(tps[r.ID])
		if err != nil {
			return nil, err
		}
		out[n] = p
	}
	return out, nil
}

// ListPilots implements domain.PilotStore.
func (s *Store) ListPilots(ctx context.Context, workspaceID string, f domain.PilotFilter, page domain.Page) ([]domain.Pilot, *domain.Cursor, error) {
	q := s.conn(ctx).Where("pilots.workspace_id = ?", workspaceID)
	q = anyOf(q, "status", f.Statuses)
	q = anyOf(q, "idea_id", f.IdeaIDs)
	if len(f.TouchpointIDs) > 0 {
		q = q.Where("EXISTS (SELECT 1 FROM pilot_touchpoints pt WHERE pt.pilot_id = pilots.id AND pt.touchpoint_id IN ?)", f.TouchpointIDs)
	}
	var rows []pilotRow
	if err := keyset(q, "pilots", page).Find(&rows).Error; err != nil {
		return nil, nil, translate(err)
	}
	rows, next := cutPage(rows, page.Limit, func(r pilotRow) domain.Cursor { return domain.Cursor{CreatedAt: r.CreatedAt, ID: r.ID} })
	pilots, err := s.withPilotTouchpoints(ctx, rows)
	return pilots, next, err
}

// UpdatePilot implements domain.PilotStore.
func (s *Store) UpdatePilot(ctx context.Context, workspaceID, id string, version int, change func(*domain.Pilot) error) (*domain.Pilot, error) {
	var updated *domain.Pilot
	err := s.InTx(ctx, func(ctx context.Context) error {
		before, err := s.loadPilot(ctx, workspaceID, id, "UPDATE")
		if err != nil {
			return err
		}
		if err := checkVersion(before.Version, version); err != nil {
			return err
		}
		after := *before
		after.TouchpointIDs = slices.Clone(before.TouchpointIDs)
		if err := change(&after); err != nil {
			return err
		}
		if err := s.savePilot(ctx, before, &after); err != nil {
			return err
		}
		updated = &after
		return nil
	})
	return updated, err
}

// savePilot writes after over before, bumping the version.
func (s *Store) savePilot(ctx context.Context, before, after *domain.Pilot) error {
	after.UpdatedAt, after.Version = s.now(), before.Version+1
	row, err := pilotRowOf(after)
	if err != nil {
		return err
	}
	err = s.conn(ctx).Model(&pilotRow{}).Where("id = ?", after.ID).Updates(map[string]any{
		"title": row.Title, "hypothesis": row.Hypothesis, "scope": row.Scope, "start_date": row.StartDate,
		"end_date": row.EndDate, "owner": row.Owner, "confidence_level": row.ConfidenceLevel, "status": row.Status,
		"decision": row.Decision, "results": row.Results, "started_at": row.StartedAt, "ended_at": row.EndedAt,
		"updated_at": row.UpdatedAt, "version": row.Version,
	}).Error
	if err != nil {
		return translate(err)
	}
	if !slices.Equal(before.TouchpointIDs, after.TouchpointIDs) {
		return pilotLinks.replace(ctx, s, after.WorkspaceID, after.ID, after.TouchpointIDs)
	}
	return nil
}

// DeletePilot implements domain.PilotStore.
func (s *Store) DeletePilot(ctx context.Context, workspaceID, id string, version int) error {
	return s.InTx(ctx, func(ctx context.Context) error {
		p, err := s.loadPilot(ctx, workspaceID, id, "UPDATE")
		if err != nil {
			return err
		}
		if err := checkVersion(p.Version, version); err != nil {
			return err
		}
		return translate(s.conn(ctx).Where("id = ?", id).Delete(&pilotRow{}).Error)
	})
}

// TransitionPilot implements domain.PilotStore. Locks are taken in the
// order every writer uses (scoring, pilot, idea) so transitions cannot
// deadlock with idea edits.
func (s *Store) TransitionPilot(ctx context.Context, workspaceID, id string, version int, actor string, change func(*domain.Pilot, *domain.Idea, *domain.PilotData) error) (*domain.Pilot, error) {
	var updated *domain.Pilot
	err := s.InTx(ctx, func(ctx context.Context) error {
		sc, err := s.lockScoring(ctx, workspaceID, false)
		if err != nil {
			return err
		}
		before, err := s.loadPilot(ctx, workspaceID, id, "UPDATE")
		if err != nil {
			return err
		}
		if version > 0 {
			if err := checkVersion(before.Version, version); err != nil {
				return err
			}
		}
		ideaBefore, err := s.loadIdea(ctx, workspaceID, before.IdeaID, true)
		if err != nil {
			return err
		}
		data, err := s.pilotData(ctx, before)
		if err != nil {
			return err
		}
		after, ideaAfter := *before, *ideaBefore
		if err := change(&after, &ideaAfter, data); err != nil {
			return err
		}
		if err := s.savePilot(ctx, before, &after); err != nil {
			return err
		}
		var events []domain.Event
		if e, ok := domain.PilotEvent(before, &after, actor); ok {
			events = append(events, e)
		}
		if ideaAfter.Status != ideaBefore.Status || ideaAfter.Confidence != ideaBefore.Confidence || ideaAfter.Realised != ideaBefore.Realised {
			note := domain.Change{Field: "pilot", Old: string(before.Status), New: after.HistoryNote()}
			if err := s.saveIdea(ctx, ideaBefore, &ideaAfter, sc.domain(), actor, []domain.Change{note}); err != nil {
				return err
			}
			events = append(events, domain.IdeaChangedEvents(ideaBefore, &ideaAfter, actor)...)
		}
		updated = &after
		return s.writeEvents(ctx, events) // last: see writeEvents
	})
	return updated, err
}

// PilotData implements domain.PilotStore.
func (s *Store) PilotData(ctx context.Context, workspaceID, id string) (*domain.Pilot, *domain.PilotData, error) {
	var p *domain.Pilot
	var data *domain.PilotData
	// One snapshot: the samples and change scores must belong to the metrics
	// listed and to the same upload.
	err := s.inSnapshot(ctx, func(ctx context.Context) error {
		var err error
		if p, err = s.loadPilot(ctx, workspaceID, id, ""); err != nil {
			return err
		}
		data, err = s.pilotData(ctx, p)
		return err
	})
	return p, data, err
}

// pilotData reads what pilot p's results are computed from: its metrics
// and samples, and what prices them (the drivers at its touchpoints for its
// catalogue metrics, the workspace's currency, its idea's running cost).
func (s *Store) pilotData(ctx context.Context, p *domain.Pilot) (*domain.PilotData, error) {
	var metrics []metricRow
	if err := s.conn(ctx).Where("pilot_id = ?", p.ID).Order("created_at, id").Find(&metrics).Error; err != nil {
		return nil, translate(err)
	}
	data := &domain.PilotData{Metrics: make([]domain.Metric, len(metrics)), Samples: map[string]domain.MetricSamples{}}
	ids := make([]string, len(metrics))
	var catalogue []string
	for n, m := range metrics {
		data.Metrics[n] = m.domain()
		ids[n] = m.ID
		if m.CatalogueMetricID != nil {
			catalogue = append(catalogue, *m.CatalogueMetricID)
		}
	}
	if err := s.pilotPricing(ctx, p, catalogue, data); err != nil {
		return nil, err
	}
	if len(ids) == 0 {
		return data, nil
	}
	var samples []sampleRow
	if err := s.conn(ctx).Where("metric_id IN ?", ids).Find(&samples).Error; err != nil {
		return nil, translate(err)
	}
	var changes []changeScoreRow
	if err := s.conn(ctx).Where("metric_id IN ?", ids).Find(&changes).Error; err != nil {
		return nil, translate(err)
	}
	for _, r := range samples {
		ms, smp := data.Samples[r.MetricID], r.domain()
		switch {
		case r.Grp == string(domain.GroupPilot) && r.Period == string(domain.PeriodBefore):
			ms.PilotBefore = &smp
		case r.Grp == string(domain.GroupPilot):
			ms.PilotAfter = &smp
		case r.Period == string(domain.PeriodBefore):
			ms.ControlBefore = &smp
		default:
			ms.ControlAfter = &smp
		}
		data.Samples[r.MetricID] = ms
	}
	for _, r := range changes {
		ms, summary := data.Samples[r.MetricID], domain.MeanSummary{N: r.N, Mean: r.Mean, SD: r.SD}
		if r.Grp == string(domain.GroupPilot) {
			ms.PilotChange = &summary
		} else {
			ms.ControlChange = &summary
		}
		data.Samples[r.MetricID] = ms
	}
	return data, nil
}

// pilotPricing fills data's drivers, currency and running cost: the value
// drivers at p's touchpoints pricing any of the catalogue metrics, in the
// pilot's touchpoint order (pilot_touchpoints.position), in one query.
func (s *Store) pilotPricing(ctx context.Context, p *domain.Pilot, catalogue []string, data *domain.PilotData) error {
	// The currency and running cost matter only to priced metrics: a pilot
	// without a driver at its touchpoints reads nothing more.
	if len(catalogue) == 0 {
		return nil
	}
	var rows []valueDriverRow
	err := s.conn(ctx).Table("value_drivers vd").Select("vd.*").
		Joins("JOIN pilot_touchpoints pt ON pt.touchpoint_id = vd.touchpoint_id AND pt.pilot_id = ?", p.ID).
		Where("vd.workspace_id = ? AND vd.metric_id IN ?", p.WorkspaceID, catalogue).
		Order("pt.position, vd.created_at, vd.id").Find(&rows).Error
	if err != nil || len(rows) == 0 {
		return translate(err)
	}
	data.Drivers = make([]domain.ValueDriver, len(rows))
	for n, r := range rows {
		data.Drivers[n] = r.domain()
	}
	econ, _, err := s.loadEconomics(ctx, p.WorkspaceID)
	if err != nil {
		return err
	}
	data.Currency = econ.Currency
	var cost []sql.NullFloat64
	if err := s.conn(ctx).Model(&ideaRow{}).Where("workspace_id = ? AND id = ?", p.WorkspaceID, p.IdeaID).
		Limit(1).Pluck("annual_running_cost", &cost).Error; err != nil {
		return translate(err)
	}
	if len(cost) == 1 && cost[0].Valid {
		data.RunningCost = cost[0].Float64
	}
	return nil
}

// inSnapshot runs fn in a read-only REPEATABLE READ transaction, so that its
// several statements see one committed state (or joins the caller's).
func (s *Store) inSnapshot(ctx context.Context, fn func(ctx context.Context) error) error {
	if _, ok := ctx.Value(txKey{}).(*gorm.DB); ok {
		return fn(ctx)
	}
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		return fn(context.WithValue(ctx, txKey{}, tx))
	}, &sql.TxOptions{Isolation: sql.LevelRepeatableRead, ReadOnly: true})
	return translate(err)
}

// LockPilot implements domain.PilotStore. Metric and sample writes share the
// lock, so they run side by side but never interleave with a transition:
// a completed pilot's snapshot always matches its data.
func (s *Store) LockPilot(ctx context.Context, workspaceID, id string, fn func(ctx context.Context, p *domain.Pilot) error) error {
	return s.InTx(ctx, func(ctx context.Context) error {
		p, err := s.loadPilot(ctx, workspaceID, id, "SHARE")
		if err != nil {
			return err
		}
		return fn(ctx, p)
	})
}

var _ domain.PilotStore = (*Store)(nil)
