package repository

import (
	"context"
	"slices"

	"cxbacklog/domain"
)

// TouchpointFacts implements domain.ReportStore: the touchpoints with their
// idea and pilot counts in one statement, and the latest measurement of each
// metric in another, both read from what migrations/00018 keeps in each
// write's transaction (touchpoint_report_counts and
// touchpoint_latest_measurements): index ranges, whatever the number of
// ideas or periods measured. Scanned by hand: at thousands of touchpoints
// GORM's reflection cost more than the statements.
func (s *Store) TouchpointFacts(ctx context.Context, workspaceID string, journeyID *string) ([]domain.TouchpointFacts, error) {
	query, args := touchpointFactsSQL, []any{workspaceID}
	if journeyID != nil {
		query, args = touchpointFactsSQL+" AND t.journey_id = ?", append(args, *journeyID)
	}
	rows, err := s.conn(ctx).Raw(query+" ORDER BY t.name, t.id", args...).Rows()
	if err != nil {
		return nil, translate(err)
	}
	defer rows.Close()
	out := []domain.TouchpointFacts{}
	for rows.Next() {
		var t touchpointRow
		var f domain.TouchpointFacts
		byStatus := make([]int, len(reportStatuses))
		dst := []any{&t.ID, &t.WorkspaceID, &t.JourneyID, &t.StageID, &t.Name, &t.Description, &t.Channel, &t.Owner,
			&t.CreatedAt, &t.UpdatedAt, &t.Version, &f.Pilots, &f.RunningPilots}
		for n := range byStatus {
			dst = append(dst, &byStatus[n])
		}
		if err := rows.Scan(dst...); err != nil {
			return nil, translate(err)
		}
		f.Touchpoint = t.domain()
		for n, st := range reportStatuses {
			if byStatus[n] == 0 {
				continue
			}
			if f.IdeasByStatus == nil {
				f.IdeasByStatus = map[domain.IdeaStatus]int{}
			}
			f.IdeasByStatus[st] = byStatus[n]
			f.Ideas += byStatus[n]
			if slices.Contains(domain.OpenIdeaStatuses, st) {
				f.OpenIdeas += byStatus[n]
			}
		}
		if f.IdeasByStatus == nil && f.Pilots > 0 {
			f.IdeasByStatus = map[domain.IdeaStatus]int{}
		}
		out = append(out, f)
	}
	if err := rows.Err(); err != nil {
		return nil, translate(err)
	}
	if len(out) == 0 {
		return out, nil
	}
	latest, err := s.latestMeasurements(ctx, workspaceID, journeyID)
	if err != nil {
		return nil, err
	}
	for n := range out {
		out[n].Latest = latest[out[n].Touchpoint.ID]
	}
	return out, nil
}

// reportStatuses are the statuses touchpoint_report_counts has a column
// for, in the order touchpointFactsSQL selects them.
var reportStatuses = []domain.IdeaStatus{domain.StatusNew, domain.StatusUnderReview, domain.StatusPlanned, domain.StatusPiloting,
	domain.StatusAdopted, domain.StatusRejected, domain.StatusParked}

const touchpointFactsSQL = `SELECT t.id, t.workspace_id, t.journey_id, t.stage_id, t.name, t.description, t.channel, t.owner,
		t.created_at, t.updated_at, t.version, COALESCE(c.pilots, 0), COALESCE(c.running_pilots, 0),
		COALESCE(c.ideas_new, 0), COALESCE(c.ideas_under_review, 0), COALESCE(c.ideas_planned, 0), COALESCE(c.ideas_piloting, 0),
		COALESCE(c.ideas_adopted, 0), COALESCE(c.ideas_rejected, 0), COALESCE(c.ideas_parked, 0)
	FROM touchpoints t
	LEFT JOIN touchpoint_report_counts c ON c.workspace_id = t.workspace_id AND c.touchpoint_id = t.id
	WHERE t.workspace_id = ?`

// latestMeasurements returns, by touchpoint and metric, the measurement with
// the latest period (of the journey's touchpoints, when journeyID is set).
func (s *Store) latestMeasurements(ctx context.Context, workspaceID string, journeyID *string) (map[string]map[string]domain.Measurement, error) {
	query, args := `SELECT l.measurement_id, l.workspace_id, l.touchpoint_id, l.metric_id, l.period_start, l.period_end, l.n, l.mean,
			l.sd, l.successes, l.promoters, l.passives, l.detractors, l.events, l.exposure, l.source, l.created_at, l.updated_at, l.version
		FROM touchpoint_latest_measurements l WHERE l.workspace_id = ?`, []any{workspaceID}
	if journeyID != nil {
		query += " AND l.touchpoint_id IN (SELECT t.id FROM touchpoints t WHERE t.workspace_id = ? AND t.journey_id = ?)"
		args = append(args, workspaceID, *journeyID)
	}
	rows, err := s.conn(ctx).Raw(query, args...).Rows()
	if err != nil {
		return nil, translate(err)
	}
	defer rows.Close()
	out := map[string]map[string]domain.Measurement{}
	for rows.Next() {
		var r measurementRow
		if err := rows.Scan(&r.ID, &r.WorkspaceID, &r.TouchpointID, &r.MetricID, &r.PeriodStart, &r.PeriodEnd, &r.N, &r.Mean,
			&r.SD, &r.Successes, &r.Promoters, &r.Passives, &r.Detractors, &r.Events, &r.Exposure, &r.Source,
			&r.CreatedAt, &r.UpdatedAt, &r.Version); err != nil {
			return nil, translate(err)
		}
		if out[r.TouchpointID] == nil {
			out[r.TouchpointID] = map[string]domain.Measurement{}
		}
		out[r.TouchpointID][r.MetricID] = r.domain()
	}
	return out, translate(rows.Err())
}

// CoverageCells implements domain.ReportStore: one aggregate over the
// touchpoints, their counters and their latest measurements, which answers
// a few rows where TouchpointFacts answers every touchpoint.
func (s *Store) CoverageCells(ctx context.Context, workspaceID string) ([]domain.CoverageCell, error) {
	rows, err := s.conn(ctx).Raw(`
		SELECT t.owner, t.channel, count(*),
		       count(*) FILTER (WHERE EXISTS (SELECT 1 FROM touchpoint_latest_measurements l
		                                      WHERE l.workspace_id = t.workspace_id AND l.touchpoint_id = t.id)),
		       count(*) FILTER (WHERE c.ideas_new + c.ideas_under_review + c.ideas_planned + c.ideas_piloting
		                              + c.ideas_adopted + c.ideas_rejected + c.ideas_parked > 0),
		       count(*) FILTER (WHERE c.pilots > 0)
		FROM touchpoints t
		LEFT JOIN touchpoint_report_counts c ON c.workspace_id = t.workspace_id AND c.touchpoint_id = t.id
		WHERE t.workspace_id = ?
		GROUP BY t.owner, t.channel`, workspaceID).Rows()
	if err != nil {
		return nil, translate(err)
	}
	defer rows.Close()
	var out []domain.CoverageCell
	for rows.Next() {
		var c domain.CoverageCell
		if err := rows.Scan(&c.Owner, &c.Channel, &c.Touchpoints, &c.Measured, &c.WithIdeas, &c.WithPilots); err != nil {
			return nil, translate(err)
		}
		out = append(out, c)
	}
	return out, translate(rows.Err())
}

// CompletedPilots implements domain.ReportStore.
func (s *Store) CompletedPilots(ctx context.Context, workspaceID string) ([]domain.CompletedPilot, error) {
	var rows []pilotRow
	// A range of pilots_completed_idx.
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
	return scanIdeas(s.conn(ctx).Where("workspace_id = ? AND status = ?", workspaceID, string(domain.StatusAdopted)).
		Where("NOT EXISTS (SELECT 1 FROM pilots p WHERE p.idea_id = ideas.id AND p.status = 'completed')").
		Order(ideaOrders[domain.SortPriorityDesc].order).Limit(domain.MaxPageSize))
}

var _ domain.ReportStore = (*Store)(nil)
