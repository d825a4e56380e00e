package repository

import (
	"context"
	"slices"

	"cxbacklog/domain"
)

// TouchpointFacts implements domain.ReportStore: the touchpoints, their idea
// and pilot counts in one aggregate query, and the latest measurement of
// each metric in another.
func (s *Store) TouchpointFacts(ctx context.Context, workspaceID string, journeyID *string) ([]domain.TouchpointFacts, error) {
	q := s.conn(ctx).Where("workspace_id = ?", workspaceID)
	if journeyID != nil {
		q = q.Where("journey_id = ?", *journeyID)
	}
	var tps []touchpointRow
	if err := q.Order("name, id").Find(&tps).Error; err != nil {
		return nil, translate(err)
	}
	counts, err := s.touchpointCounts(ctx, workspaceID)
	if err != nil {
		return nil, err
	}
	latest, err := s.latestMeasurements(ctx, workspaceID, journeyID)
	if err != nil {
		return nil, err
	}
	out := make([]domain.TouchpointFacts, len(tps))
	for n, t := range tps {
		c := counts[t.ID]
		if c == nil {
			c = &touchpointCount{}
		}
		out[n] = domain.TouchpointFacts{Touchpoint: t.domain(), Ideas: c.Ideas, OpenIdeas: c.OpenIdeas, IdeasByStatus: c.ByStatus,
			Pilots: c.Pilots, RunningPilots: c.RunningPilots, Latest: latest[t.ID]}
	}
	return out, nil
}

type touchpointCount struct {
	Ideas, OpenIdeas, Pilots, RunningPilots int
	ByStatus                                map[domain.IdeaStatus]int
}

// touchpointCounts counts, per touchpoint of the workspace, the ideas that
// target it by status (from the links' copy of the status) and the pilots.
func (s *Store) touchpointCounts(ctx context.Context, workspaceID string) (map[string]*touchpointCount, error) {
	var rows []struct {
		TouchpointID, Status string
		N                    int
		Running              int
	}
	err := s.conn(ctx).Raw(`
		SELECT touchpoint_id, status, count(*) AS n, 0 AS running FROM idea_touchpoints WHERE workspace_id = ? GROUP BY touchpoint_id, status
		UNION ALL
		SELECT pt.touchpoint_id, '', count(*), count(*) FILTER (WHERE p.status = 'running')
		FROM pilot_touchpoints pt JOIN pilots p ON p.id = pt.pilot_id WHERE pt.workspace_id = ? GROUP BY pt.touchpoint_id`,
		workspaceID, workspaceID).Scan(&rows).Error
	if err != nil {
		return nil, translate(err)
	}
	out := map[string]*touchpointCount{}
	for _, r := range rows {
		c := out[r.TouchpointID]
		if c == nil {
			c = &touchpointCount{ByStatus: map[domain.IdeaStatus]int{}}
			out[r.TouchpointID] = c
		}
		if r.Status == "" { // the pilots' row
			c.Pilots, c.RunningPilots = r.N, r.Running
			continue
		}
		st := domain.IdeaStatus(r.Status)
		c.ByStatus[st] = r.N
		c.Ideas += r.N
		if slices.Contains(domain.OpenIdeaStatuses, st) {
			c.OpenIdeas += r.N
		}
	}
	return out, nil
}

// latestMeasurements returns, by touchpoint and metric, the measurement with
// the latest period.
func (s *Store) latestMeasurements(ctx context.Context, workspaceID string, journeyID *string) (map[string]map[string]domain.Measurement, error) {
	q := s.conn(ctx).Table("touchpoint_measurements AS m").Select("DISTINCT ON (m.touchpoint_id, m.metric_id) m.*").
		Where("m.workspace_id = ?", workspaceID)
	if journeyID != nil {
		q = q.Joins("JOIN touchpoints t ON t.id = m.touchpoint_id").Where("t.journey_id = ?", *journeyID)
	}
	var rows []measurementRow
	if err := q.Order("m.touchpoint_id, m.metric_id, m.period_end DESC, m.period_start DESC").Scan(&rows).Error; err != nil {
		return nil, translate(err)
	}
	out := map[string]map[string]domain.Measurement{}
	for _, r := range rows {
		if out[r.TouchpointID] == nil {
			out[r.TouchpointID] = map[string]domain.Measurement{}
		}
		out[r.TouchpointID][r.MetricID] = r.domain()
	}
	return out, nil
}

// CompletedPilots implements domain.ReportStore.
func (s *Store) CompletedPilots(ctx context.Context, workspaceID string) ([]domain.CompletedPilot, error) {
	var rows []pilotRow
	err := s.conn(ctx).Where("workspace_id = ? AND status = ?", workspaceID, string(domain.PilotCompleted)).
		Order("ended_at DESC, id").Find(&rows).Error
	if err != nil {
		return nil, translate(err)
	}
	pilots, err := s.withPilotTouchpoints(ctx, rows)
	if err != nil || len(pilots) == 0 {
		return []domain.CompletedPilot{}, err
	}
	ideaIDs, tpIDs := []string{}, []string{}
	for _, p := range pilots {
		ideaIDs = append(ideaIDs, p.IdeaID)
		tpIDs = append(tpIDs, p.TouchpointIDs...)
	}
	var ideas []ideaRow
	if err := s.conn(ctx).Select("id", "title", "status").Where("id IN ?", ideaIDs).Find(&ideas).Error; err != nil {
		return nil, translate(err)
	}
	var tps []touchpointRow
	if err := s.conn(ctx).Where("id IN ?", tpIDs).Find(&tps).Error; err != nil {
		return nil, translate(err)
	}
	ideaByID, tpByID := map[string]ideaRow{}, map[string]domain.Touchpoint{}
	for _, i := range ideas {
		ideaByID[i.ID] = i
	}
	for _, t := range tps {
		tpByID[t.ID] = t.domain()
	}
	out := make([]domain.CompletedPilot, len(pilots))
	for n, p := range pilots {
		i := ideaByID[p.IdeaID]
		out[n] = domain.CompletedPilot{Pilot: p, IdeaTitle: i.Title, IdeaStatus: domain.IdeaStatus(i.Status)}
		for _, id := range p.TouchpointIDs {
			out[n].Touchpoints = append(out[n].Touchpoints, tpByID[id])
		}
	}
	return out, nil
}

// AdoptedWithoutPilot implements domain.ReportStore.
func (s *Store) AdoptedWithoutPilot(ctx context.Context, workspaceID string) ([]domain.Idea, error) {
	ideas, err := scanIdeas(s.conn(ctx).Where("workspace_id = ? AND status = ?", workspaceID, string(domain.StatusAdopted)).
		Where("NOT EXISTS (SELECT 1 FROM pilots p WHERE p.idea_id = ideas.id AND p.status = 'completed')").
		Order(ideaOrders[domain.SortPriorityDesc].order).Limit(domain.MaxPageSize))
	if err != nil {
		return nil, err
	}
	return ideas, s.withImprovements(ctx, ideas)
}

var _ domain.ReportStore = (*Store)(nil)
