package repository

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"io"
	"slices"
	"time"

	"cxbacklog/domain"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib"
)

// AddObservations implements domain.PilotStore. COPY is a pgx feature, so
// the rows go through the pgx connection under the transaction's database/sql
// one; inside an outer InTx (an upload with an Idempotency-Key) they join it.
func (s *Store) AddObservations(ctx context.Context, workspaceID, pilotID, metricID string, check func(*domain.Pilot) error, next func() (domain.Observation, error)) (domain.ObservationLoad, error) {
	var load domain.ObservationLoad
	err := s.InTx(ctx, func(ctx context.Context) error {
		return ctx.Value(txConnKey{}).(*sql.Conn).Raw(func(driverConn any) error {
			var err error
			load, err = addObservations(ctx, driverConn.(*stdlib.Conn).Conn(), workspaceID, pilotID, metricID, check, next, s.now())
			return err
		})
	})
	return load, translate(err)
}

// pgxTx is what an upload needs of its connection, already in a transaction.
type pgxTx interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	CopyFrom(ctx context.Context, table pgx.Identifier, columns []string, src pgx.CopyFromSource) (int64, error)
}

func addObservations(ctx context.Context, tx pgxTx, workspaceID, pilotID, metricID string, check func(*domain.Pilot) error, next func() (domain.Observation, error), at time.Time) (domain.ObservationLoad, error) {
	var load domain.ObservationLoad
	// The rows come from a file the API spooled before taking a connection,
	// so COPY runs at the speed of parsing, not of the client (1,000,000 rows
	// took 6.3 s in make bench); the session's 10 s is too short for the
	// largest uploads, but the connection is never held open-ended either.
	if _, err := tx.Exec(ctx, `SET LOCAL statement_timeout = '120s'`); err != nil {
		return load, err
	}
	// The foreign key check runs once per copied row through a cached plan;
	// the session's force_custom_plan (for list queries) would re-plan it a
	// million times: 15.6 s instead of 6.3 s for 1,000,000 rows in make bench.
	if _, err := tx.Exec(ctx, `SET LOCAL plan_cache_mode = auto`); err != nil {
		return load, err
	}
	p := domain.Pilot{ID: pilotID, WorkspaceID: workspaceID}
	err := tx.QueryRow(ctx, `SELECT status FROM pilots WHERE workspace_id = $1 AND id = $2 FOR SHARE`, workspaceID, pilotID).Scan(&p.Status)
	if errors.Is(err, pgx.ErrNoRows) {
		return load, domain.Errorf(domain.ENotFound, "no pilot %s in this workspace", pilotID)
	}
	if err != nil {
		return load, err
	}
	if err := check(&p); err != nil {
		return load, err
	}
	var kind domain.MetricKind
	// Locked: uploads, summaries and deletes of one metric's samples take
	// turns, or the last aggregate written would miss the other's rows.
	err = tx.QueryRow(ctx, `SELECT kind FROM pilot_metrics WHERE workspace_id = $1 AND pilot_id = $2 AND id = $3 FOR UPDATE`,
		workspaceID, pilotID, metricID).Scan(&kind)
	if errors.Is(err, pgx.ErrNoRows) {
		return load, domain.Errorf(domain.ENotFound, "no metric %s in this pilot", metricID)
	}
	if err != nil {
		return load, err
	}

	src := &observationSource{metricID: metricID, next: next}
	rows, err := tx.CopyFrom(ctx, pgx.Identifier{"pilot_observations"}, []string{"metric_id", "grp", "period", "value", "unit_id"}, src)
	if src.err != nil { // the upload's own error (a bad line), not COPY's report of it
		return load, src.err
	}
	if err != nil {
		return load, err
	}
	load.Rows = int(rows)
	if err := refuseSummaryOverlap(ctx, tx, metricID); err != nil {
		return load, err
	}
	if load.Samples, err = aggregateObservations(ctx, tx, metricID, kind, at); err != nil {
		return load, err
	}
	if kind == domain.KindMean {
		load.Paired, err = aggregateChangeScores(ctx, tx, metricID)
	}
	return load, err
}

// observationSource feeds COPY from the upload stream, one row at a time,
// so that a million rows never sit in memory together.
type observationSource struct {
	metricID string
	next     func() (domain.Observation, error)
	row      [5]any
	err      error
}

func (o *observationSource) Next() bool {
	obs, err := o.next()
	if err != nil {
		if !errors.Is(err, io.EOF) {
			o.err = err
		}
		return false
	}
	var unit any
	if obs.UnitID != "" {
		unit = obs.UnitID
	}
	o.row = [5]any{o.metricID, string(obs.Group), string(obs.Period), obs.Value, unit}
	return true
}

func (o *observationSource) Values() ([]any, error) { return o.row[:], nil }

func (o *observationSource) Err() error { return o.err }

// refuseSummaryOverlap keeps summaries and observations apart: a group and
// period is either entered as a summary or computed from observations.
func refuseSummaryOverlap(ctx context.Context, tx pgxTx, metricID string) error {
	var grp, period string
	err := tx.QueryRow(ctx, `SELECT s.grp, s.period FROM pilot_samples s
		WHERE s.metric_id = $1 AND s.source = 'summary'
		  AND EXISTS (SELECT 1 FROM pilot_observations o WHERE o.metric_id = $1 AND o.grp = s.grp AND o.period = s.period)
		LIMIT 1`, metricID).Scan(&grp, &period)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil
	}
	if err != nil {
		return err
	}
	return domain.Errorf(domain.EConflict, "the %s %s sample was entered as a summary; delete it before uploading observations for it", grp, period)
}

// aggregateObservations recomputes every observed sample of the metric in
// SQL, filling the columns of its kind only: mean (n, mean, sd), proportion
// (n, successes: values 1), nps (promoters 9–10, passives 7–8, detractors
// 0–6), count (events: the sum of values; exposure: one unit per
// observation). Other kinds' aggregates could overflow or break the table's
// checks on values they were never meant for.
func aggregateObservations(ctx context.Context, tx pgxTx, metricID string, kind domain.MetricKind, at time.Time) ([]domain.Sample, error) {
	rows, err := tx.Query(ctx, `
		INSERT INTO pilot_samples AS s (metric_id, grp, period, n, mean, sd, successes, promoters, passives, detractors, events, exposure, source, updated_at, version)
		SELECT $1, grp, period,
		       CASE WHEN $3 IN ('mean', 'proportion') THEN count(*) ELSE 0 END,
		       CASE WHEN $3 = 'mean' THEN avg(value) ELSE 0 END,
		       CASE WHEN $3 = 'mean' THEN coalesce(stddev_samp(value), 0) ELSE 0 END,
		       CASE WHEN $3 = 'proportion' THEN count(*) FILTER (WHERE value = 1) ELSE 0 END,
		       CASE WHEN $3 = 'nps' THEN count(*) FILTER (WHERE value >= 9) ELSE 0 END,
		       CASE WHEN $3 = 'nps' THEN count(*) FILTER (WHERE value >= 7 AND value < 9) ELSE 0 END,
		       CASE WHEN $3 = 'nps' THEN count(*) FILTER (WHERE value < 7) ELSE 0 END,
		       CASE WHEN $3 = 'count' THEN coalesce(sum(value), 0)::bigint ELSE 0 END,
		       CASE WHEN $3 = 'count' THEN count(*) ELSE 0 END,
		       'observations', $2, 1
		FROM pilot_observations WHERE metric_id = $1 GROUP BY grp, period
		ON CONFLICT (metric_id, grp, period) DO UPDATE SET
		       n = excluded.n, mean = excluded.mean, sd = excluded.sd, successes = excluded.successes,
		       promoters = excluded.promoters, passives = excluded.passives, detractors = excluded.detractors,
		       events = excluded.events, exposure = excluded.exposure, source = excluded.source,
		       updated_at = excluded.updated_at, version = s.version + 1
		RETURNING grp, period, n, mean, sd, successes, promoters, passives, detractors, events, exposure, updated_at, version`,
		metricID, at, string(kind))
	if err != nil {
		return nil, err
	}
	samples, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (domain.Sample, error) {
		smp := domain.Sample{MetricID: metricID, Source: domain.SourceObservations}
		err := r.Scan(&smp.Group, &smp.Period, &smp.N, &smp.Mean, &smp.SD, &smp.Successes, &smp.Promoters,
			&smp.Passives, &smp.Detractors, &smp.Events, &smp.Exposure, &smp.UpdatedAt, &smp.Version)
		return smp, err
	})
	// The order MetricSamples uses: pilot before, pilot after, control before, control after.
	slices.SortFunc(samples, func(a, b domain.Sample) int {
		return cmp.Or(-cmp.Compare(a.Group, b.Group), -cmp.Compare(a.Period, b.Period))
	})
	return samples, err
}

// aggregateChangeScores stores each group's per-unit change scores (mean
// after − mean before of each unit) when every observation has a unit id
// seen in both periods, and reports whether the analysis can pair them: the
// pilot group has change scores and a control group, if there is one, too.
func aggregateChangeScores(ctx context.Context, tx pgxTx, metricID string) (bool, error) {
	if _, err := tx.Exec(ctx, `DELETE FROM pilot_change_scores WHERE metric_id = $1`, metricID); err != nil {
		return false, err
	}
	tag, err := tx.Exec(ctx, `
		WITH u AS (
			SELECT grp, unit_id,
			       avg(value) FILTER (WHERE period = 'after') - avg(value) FILTER (WHERE period = 'before') AS d
			FROM pilot_observations WHERE metric_id = $1 GROUP BY grp, unit_id
		)
		INSERT INTO pilot_change_scores (metric_id, grp, n, mean, sd)
		SELECT $1, grp, count(*), avg(d), coalesce(stddev_samp(d), 0) FROM u
		WHERE (SELECT bool_and(unit_id IS NOT NULL AND d IS NOT NULL) FROM u)
		GROUP BY grp`, metricID)
	if err != nil || tag.RowsAffected() == 0 {
		return false, err
	}
	var paired bool
	err = tx.QueryRow(ctx, `
		SELECT EXISTS (SELECT 1 FROM pilot_change_scores WHERE metric_id = $1 AND grp = 'pilot')
		   AND (EXISTS (SELECT 1 FROM pilot_change_scores WHERE metric_id = $1 AND grp = 'control')
		        OR NOT EXISTS (SELECT 1 FROM pilot_samples WHERE metric_id = $1 AND grp = 'control'))`, metricID).Scan(&paired)
	return paired, err
}

// DeleteObservations implements domain.PilotStore.
func (s *Store) DeleteObservations(ctx context.Context, workspaceID, pilotID, metricID string) (int, error) {
	removed := 0
	err := s.InTx(ctx, func(ctx context.Context) error {
		if _, err := s.loadMetric(ctx, workspaceID, pilotID, metricID, true); err != nil {
			return err
		}
		res := s.conn(ctx).Exec(`DELETE FROM pilot_observations WHERE metric_id = ?`, metricID)
		if res.Error != nil {
			return translate(res.Error)
		}
		removed = int(res.RowsAffected)
		if err := s.conn(ctx).Exec(`DELETE FROM pilot_samples WHERE metric_id = ? AND source = 'observations'`, metricID).Error; err != nil {
			return translate(err)
		}
		return translate(s.conn(ctx).Exec(`DELETE FROM pilot_change_scores WHERE metric_id = ?`, metricID).Error)
	})
	return removed, err
}
