package repository

import (
	"context"
	"slices"

	"cxbacklog/domain"
)

// ValueReportData implements domain.ValueReportStore. The sums come from
// the counters that migrations/00013_value_report.sql keeps in every
// write's transaction (a few rows per owner and status, per touchpoint and
// status); the realised value per touchpoint from the frozen results of the
// pilots that got ideas adopted (few, found through a partial index); the
// drivers with their latest measurement one index probe each.
func (s *Store) ValueReportData(ctx context.Context, workspaceID string) (domain.ValueReportData, error) {
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

	// The pipeline by touchpoint, from the counters.
	var tps []struct {
		TouchpointID    string
		Improvements    int
		Value, Weighted float64
	}
	err = s.conn(ctx).Raw(`SELECT touchpoint_id, sum(improvements)::bigint AS improvements, sum(value)::float8 AS value, sum(weighted)::float8 AS weighted
		FROM idea_value_touchpoint_counts WHERE workspace_id = ? AND status IN ?
		GROUP BY touchpoint_id HAVING sum(improvements) <> 0`, workspaceID, open).Scan(&tps).Error
	if err != nil {
		return out, translate(err)
	}
	byTP := map[string]*domain.TouchpointValueSums{}
	at := func(id string) *domain.TouchpointValueSums {
		if byTP[id] == nil {
			byTP[id] = &domain.TouchpointValueSums{TouchpointID: id}
		}
		return byTP[id]
	}
	for _, t := range tps {
		v := at(t.TouchpointID)
		v.Improvements, v.ExpectedAnnualValue, v.ConfidenceWeightedAnnualValue = t.Improvements, t.Value, t.Weighted
	}

	// Every driver of the workspace, with its metric and latest measurement.
	var drivers []valueDriverRow
	if err := s.conn(ctx).Where("workspace_id = ?", workspaceID).Order("created_at, id").Find(&drivers).Error; err != nil {
		return out, translate(err)
	}
	driverByID := map[string]valueDriverRow{}
	for _, d := range drivers {
		driverByID[d.ID] = d
	}

	// The realised value per metric of the pilots that got ideas adopted,
	// where its driver accrues it.
	var realised []struct{ Results string }
	err = s.conn(ctx).Raw(`SELECT p.results::text AS results FROM ideas i JOIN pilots p ON p.id = i.realised_pilot_id
		WHERE i.workspace_id = ? AND i.realised_annual_value IS NOT NULL AND i.status = ? AND p.results IS NOT NULL`,
		workspaceID, adopted).Scan(&realised).Error
	if err != nil {
		return out, translate(err)
	}
	for _, r := range realised {
		res, err := thawResult(r.Results)
		if err != nil {
			return out, domain.Errorf(domain.EInternal, "stored pilot results: %v", err)
		}
		for _, m := range res.Metrics {
			if m.Value == nil {
				continue
			}
			d, ok := driverByID[m.Value.ValueDriverID]
			if !ok {
				continue // a driver deleted since: its touchpoint is unknown
			}
			v := at(d.TouchpointID)
			v.RealisedMetrics++
			v.RealisedAnnualValue += m.Value.AnnualValue
		}
	}

	// Names of every touchpoint the report mentions.
	ids := make([]string, 0, len(byTP)+len(drivers))
	for id := range byTP {
		ids = append(ids, id)
	}
	for _, d := range drivers {
		ids = append(ids, d.TouchpointID)
	}
	names := map[string]string{}
	if len(ids) > 0 {
		var rows []struct{ ID, Name string }
		if err := s.conn(ctx).Table("touchpoints").Select("id, name").Where("workspace_id = ? AND id IN ?", workspaceID, ids).Scan(&rows).Error; err != nil {
			return out, translate(err)
		}
		for _, r := range rows {
			names[r.ID] = r.Name
		}
	}
	for id, v := range byTP {
		v.Name = names[id]
		out.Touchpoints = append(out.Touchpoints, *v)
	}

	if len(drivers) == 0 {
		return out, nil
	}
	catalogue, err := s.ListCatalogueMetrics(ctx, workspaceID)
	if err != nil {
		return out, err
	}
	metrics := map[string]domain.CatalogueMetric{}
	for _, m := range catalogue {
		metrics[m.ID] = m
	}
	var latest []measurementRow
	err = s.conn(ctx).Raw(`SELECT m.* FROM value_drivers d
		CROSS JOIN LATERAL (SELECT * FROM touchpoint_measurements x WHERE x.touchpoint_id = d.touchpoint_id AND x.metric_id = d.metric_id
		                    ORDER BY x.period_end DESC, x.period_start DESC LIMIT 1) m
		WHERE d.workspace_id = ?`, workspaceID).Scan(&latest).Error
	if err != nil {
		return out, translate(err)
	}
	type pair struct{ tp, metric string }
	latestOf := map[pair]domain.Measurement{}
	for _, r := range latest {
		latestOf[pair{r.TouchpointID, r.MetricID}] = r.domain()
	}
	for _, d := range drivers {
		m, ok := metrics[d.MetricID]
		if !ok {
			continue
		}
		dm := domain.DriverMeasurement{Driver: d.domain(), Touchpoint: names[d.TouchpointID], Metric: m}
		if l, ok := latestOf[pair{d.TouchpointID, d.MetricID}]; ok {
			dm.Latest = &l
		}
		out.Drivers = append(out.Drivers, dm)
	}
	return out, nil
}

const adopted = string(domain.StatusAdopted) // the status whose ideas count as realised
