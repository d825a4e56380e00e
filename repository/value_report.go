package repository

import (
	"context"
	"database/sql"
	"slices"

	"cxbacklog/domain"
)

// ValueReportData implements domain.ValueReportStore. The sums come from
// the counters that migrations/00013_value_report.sql keeps in every
// write's transaction (a few rows per owner and status, per touchpoint and
// status); the realised value per touchpoint from the frozen results of the
// pilots that got ideas adopted (few, found through a partial index); the
// drivers with their latest measurement one index probe each.
func (s *Store) ValueReportData(ctx context.Context, workspaceID string, limit int) (domain.ValueReportData, error) {
	var out domain.ValueReportData
	econ, _, err := s.loadEconomics(ctx, workspaceID)
	if err != nil {
		return out, err
	}
	out.Currency = econ.Currency
	open := make([]string, len(domain.OpenIdeaStatuses))
	for n, st := range domain.OpenIdeaStatuses {
		open[n] = string(st)
	}

	var owners []struct {
		Owner                                    string
		Total                                    int
		RealisedN                                int
		Realised, RealisedBelow, RealisedAbove   float64
		RealisedOneOff, RealisedRunning          float64
		Cases                                    int
		Expected, Weighted, Net, OneOff, Running float64
	}
	err = s.conn(ctx).Raw(`
		SELECT COALESCE(owner, '') AS owner, grouping(owner) AS total,
		       COALESCE(sum(realised_n) FILTER (WHERE status = ?), 0)::bigint AS realised_n,
		       COALESCE(sum(realised) FILTER (WHERE status = ?), 0)::float8 AS realised,
		       COALESCE(sum(realised_below) FILTER (WHERE status = ?), 0)::float8 AS realised_below,
		       COALESCE(sum(realised_above) FILTER (WHERE status = ?), 0)::float8 AS realised_above,
		       COALESCE(sum(realised_one_off) FILTER (WHERE status = ?), 0)::float8 AS realised_one_off,
		       COALESCE(sum(realised_running) FILTER (WHERE status = ?), 0)::float8 AS realised_running,
		       COALESCE(sum(cases) FILTER (WHERE status IN ?), 0)::bigint AS cases,
		       COALESCE(sum(expected) FILTER (WHERE status IN ?), 0)::float8 AS expected,
		       COALESCE(sum(weighted) FILTER (WHERE status IN ?), 0)::float8 AS weighted,
		       COALESCE(sum(net) FILTER (WHERE status IN ?), 0)::float8 AS net,
		       COALESCE(sum(one_off) FILTER (WHERE status IN ?), 0)::float8 AS one_off,
		       COALESCE(sum(running) FILTER (WHERE status IN ?), 0)::float8 AS running
		FROM idea_value_counts
		WHERE workspace_id = ? AND status IN ? AND (cases <> 0 OR realised_n <> 0)
		GROUP BY GROUPING SETS ((owner), ())`,
		adopted, adopted, adopted, adopted, adopted, adopted, open, open, open, open, open, open,
		workspaceID, append(slices.Clone(open), adopted)).Scan(&owners).Error
	if err != nil {
		return out, translate(err)
	}
	for _, o := range owners {
		sums := domain.OwnerSums{Owner: o.Owner,
			Realised: domain.RealisedSums{Count: o.RealisedN, AnnualValue: o.Realised, BelowSq: o.RealisedBelow, AboveSq: o.RealisedAbove,
				OneOffCost: o.RealisedOneOff, AnnualRunningCost: o.RealisedRunning},
			Pipeline: domain.PipelineSums{Count: o.Cases, ExpectedAnnualValue: o.Expected, ConfidenceWeightedAnnualValue: o.Weighted,
				ExpectedNetAnnualValue: o.Net, OneOffCost: o.OneOff, AnnualRunningCost: o.Running}}
		switch {
		case o.Total == 1:
			sums.Owner = ""
			out.Total = sums
		case o.RealisedN != 0 || o.Cases != 0:
			out.Owners = append(out.Owners, sums)
		}
	}

	realisedAt, err := s.realisedByTouchpoint(ctx, workspaceID)
	if err != nil {
		return out, err
	}
	if out.Touchpoints, out.TouchpointCount, err = s.touchpointValues(ctx, workspaceID, realisedAt, limit); err != nil {
		return out, err
	}
	out.Drivers, err = s.measuredDrivers(ctx, workspaceID)
	return out, err
}

// realisedByTouchpoint adds up, per touchpoint, the metric values of the
// pilots that got ideas adopted, where each metric's driver accrues it. Such
// pilots are few; their ideas are found through a partial index.
func (s *Store) realisedByTouchpoint(ctx context.Context, workspaceID string) (map[string]*domain.TouchpointValueSums, error) {
	var realised []struct{ Results string }
	err := s.conn(ctx).Raw(`SELECT p.results::text AS results FROM ideas i JOIN pilots p ON p.id = i.realised_pilot_id
		WHERE i.workspace_id = ? AND i.realised_annual_value IS NOT NULL AND i.status = ? AND p.results IS NOT NULL`,
		workspaceID, adopted).Scan(&realised).Error
	if err != nil {
		return nil, translate(err)
	}
	var values []domain.MetricValue
	for _, r := range realised {
		res, err := thawResult(r.Results)
		if err != nil {
			return nil, domain.Errorf(domain.EInternal, "stored pilot results: %v", err)
		}
		for _, m := range res.Metrics {
			if m.Value != nil {
				values = append(values, *m.Value)
			}
		}
	}
	out := map[string]*domain.TouchpointValueSums{}
	if len(values) == 0 {
		return out, nil
	}
	ids := make([]string, len(values))
	for n, v := range values {
		ids[n] = v.ValueDriverID
	}
	var drivers []struct{ ID, TouchpointID string }
	if err := s.conn(ctx).Table("value_drivers").Select("id, touchpoint_id").Where("workspace_id = ? AND id IN ?", workspaceID, ids).
		Scan(&drivers).Error; err != nil {
		return nil, translate(err)
	}
	where := map[string]string{}
	for _, d := range drivers {
		where[d.ID] = d.TouchpointID
	}
	for _, v := range values {
		tp, ok := where[v.ValueDriverID]
		if !ok {
			continue // a driver deleted since: its touchpoint is unknown
		}
		if out[tp] == nil {
			out[tp] = &domain.TouchpointValueSums{TouchpointID: tp}
		}
		out[tp].RealisedMetrics++
		out[tp].RealisedAnnualValue += v.AnnualValue
	}
	return out, nil
}

// touchpointValues returns the touchpoints that can rank among the first
// limit by realised + confidence-weighted value, with their names, and how
// many touchpoints have value at all. Only the realised touchpoints (few)
// have a realised value, so the first limit are among the first limit +
// len(realised) by weighted pipeline value, which an index of the open
// statuses' sums (migrations/00016) gives, and the realised ones.
func (s *Store) touchpointValues(ctx context.Context, workspaceID string,
	realised map[string]*domain.TouchpointValueSums, limit int) ([]domain.TouchpointValueSums, int, error) {
	type row struct {
		TouchpointID, Name string
		Improvements       int
		Value, Weighted    float64
		Total              int
	}
	var top, extra []row
	err := s.conn(ctx).Raw(`SELECT o.touchpoint_id, tp.name, o.improvements, o.value::float8 AS value, o.weighted::float8 AS weighted,
		       (SELECT count(*) FROM idea_value_touchpoint_open WHERE workspace_id = @ws AND improvements <> 0) AS total
		FROM (SELECT * FROM idea_value_touchpoint_open WHERE workspace_id = @ws AND improvements <> 0
		      ORDER BY weighted DESC, touchpoint_id LIMIT @n) o
		JOIN touchpoints tp ON tp.id = o.touchpoint_id`,
		sql.Named("ws", workspaceID), sql.Named("n", limit+len(realised))).Scan(&top).Error
	if err != nil {
		return nil, 0, translate(err)
	}
	if len(realised) > 0 {
		ids := make([]string, 0, len(realised))
		for id := range realised {
			ids = append(ids, id)
		}
		err := s.conn(ctx).Raw(`SELECT tp.id AS touchpoint_id, tp.name, COALESCE(o.improvements, 0) AS improvements,
			       COALESCE(o.value, 0)::float8 AS value, COALESCE(o.weighted, 0)::float8 AS weighted,
			       (o.improvements IS NULL OR o.improvements = 0)::int AS total
			FROM touchpoints tp LEFT JOIN idea_value_touchpoint_open o ON o.workspace_id = tp.workspace_id AND o.touchpoint_id = tp.id
			WHERE tp.workspace_id = @ws AND tp.id IN @ids`,
			sql.Named("ws", workspaceID), sql.Named("ids", ids)).Scan(&extra).Error
		if err != nil {
			return nil, 0, translate(err)
		}
	}
	total := 0
	byID := map[string]*domain.TouchpointValueSums{}
	add := func(r row) {
		if byID[r.TouchpointID] == nil {
			byID[r.TouchpointID] = &domain.TouchpointValueSums{TouchpointID: r.TouchpointID, Name: r.Name,
				Improvements: r.Improvements, ExpectedAnnualValue: r.Value, ConfidenceWeightedAnnualValue: r.Weighted}
		}
	}
	for _, r := range top {
		total = r.Total // the same on every row: the touchpoints with pipeline value
		add(r)
	}
	for _, r := range extra {
		total += r.Total // 1 for a realised touchpoint without pipeline value
		add(r)
	}
	out := make([]domain.TouchpointValueSums, 0, len(byID))
	for id, v := range byID {
		if r, ok := realised[id]; ok {
			v.RealisedMetrics, v.RealisedAnnualValue = r.RealisedMetrics, r.RealisedAnnualValue
		}
		out = append(out, *v)
	}
	return out, total, nil
}

// measuredDrivers returns the drivers whose touchpoint has measured their
// metric, each with its latest measurement (kept on the driver by the
// triggers of migrations/00016), touchpoint name and metric: the ones whose
// gap to target can cost something.
func (s *Store) measuredDrivers(ctx context.Context, workspaceID string) ([]domain.DriverMeasurement, error) {
	var rows []valueDriverRow
	err := s.conn(ctx).Where("workspace_id = ? AND latest_measurement_id IS NOT NULL", workspaceID).Order("created_at, id").Find(&rows).Error
	if err != nil || len(rows) == 0 {
		return nil, translate(err)
	}
	tps := make([]string, len(rows))
	for n, r := range rows {
		tps[n] = r.TouchpointID
	}
	var names []struct{ ID, Name string }
	if err := s.conn(ctx).Table("touchpoints").Select("id, name").Where("workspace_id = ? AND id IN ?", workspaceID, tps).Scan(&names).Error; err != nil {
		return nil, translate(err)
	}
	nameOf := map[string]string{}
	for _, n := range names {
		nameOf[n.ID] = n.Name
	}
	ids := make([]string, len(rows))
	for n, r := range rows {
		ids[n] = *r.LatestMeasurementID
	}
	var latest []measurementRow
	if err := s.conn(ctx).Where("id IN ?", ids).Find(&latest).Error; err != nil {
		return nil, translate(err)
	}
	byID := map[string]domain.Measurement{}
	for _, m := range latest {
		byID[m.ID] = m.domain()
	}
	catalogue, err := s.ListCatalogueMetrics(ctx, workspaceID)
	if err != nil {
		return nil, err
	}
	metrics := map[string]domain.CatalogueMetric{}
	for _, m := range catalogue {
		metrics[m.ID] = m
	}
	var out []domain.DriverMeasurement
	for _, r := range rows {
		l, measured := byID[*r.LatestMeasurementID]
		m, ok := metrics[r.MetricID]
		if !measured || !ok {
			continue
		}
		out = append(out, domain.DriverMeasurement{Driver: r.domain(), Touchpoint: nameOf[r.TouchpointID], Metric: m, Latest: &l})
	}
	return out, nil
}

const adopted = string(domain.StatusAdopted) // the status whose ideas count as realised
