package repository

import (
	"context"
	"errors"
	"strings"
	"time"

	"cxbacklog/domain"

	"github.com/jackc/pgx/v5/pgconn"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

type measurementRow struct {
	ID           string
	WorkspaceID  string
	TouchpointID string
	MetricID     string
	PeriodStart  time.Time
	PeriodEnd    time.Time
	N            int
	Mean         float64
	SD           float64 `gorm:"column:sd"`
	Successes    int
	Promoters    int
	Passives     int
	Detractors   int
	Events       int
	Exposure     float64
	Source       string
	CreatedAt    time.Time
	UpdatedAt    time.Time
	Version      int
}

func (measurementRow) TableName() string { return "touchpoint_measurements" }

func measurementRowOf(m *domain.Measurement) measurementRow {
	s := m.Sample
	return measurementRow{
		ID: m.ID, WorkspaceID: m.WorkspaceID, TouchpointID: m.TouchpointID, MetricID: m.MetricID,
		PeriodStart: m.PeriodStart, PeriodEnd: m.PeriodEnd, N: s.N, Mean: s.Mean, SD: s.SD, Successes: s.Successes,
		Promoters: s.Promoters, Passives: s.Passives, Detractors: s.Detractors, Events: s.Events, Exposure: s.Exposure,
		Source: m.Source, CreatedAt: m.CreatedAt, UpdatedAt: m.UpdatedAt, Version: m.Version,
	}
}

func (r measurementRow) domain() domain.Measurement {
	return domain.Measurement{
		ID: r.ID, WorkspaceID: r.WorkspaceID, TouchpointID: r.TouchpointID, MetricID: r.MetricID,
		PeriodStart: *utcDate(&r.PeriodStart), PeriodEnd: *utcDate(&r.PeriodEnd), Source: r.Source,
		CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt, Version: r.Version,
		Sample: domain.Sample{N: r.N, Mean: r.Mean, SD: r.SD, Successes: r.Successes, Promoters: r.Promoters,
			Passives: r.Passives, Detractors: r.Detractors, Events: r.Events, Exposure: r.Exposure},
	}
}

// measurementRefs names, for each foreign key of a measurement, the field
// at fault and how to find which measurement of a batch it was.
var measurementRefs = map[string]struct {
	pointer string
	id      func(m domain.Measurement) string
}{
	"touchpoint_measurements_touchpoint_fk": {"/touchpoint_id", func(m domain.Measurement) string { return m.TouchpointID }},
	"touchpoint_measurements_metric_fk":     {"/metric_id", func(m domain.Measurement) string { return m.MetricID }},
}

// measurementChunk is how many measurements one statement writes: 19
// parameters each stay well under PostgreSQL's 65,535.
const measurementChunk = 1000

// AddMeasurements implements domain.MeasurementStore: in one transaction,
// a statement per chunk of rows. A touchpoint or metric that is not in the
// workspace, or a period measured already, is reported with Line = the
// 1-based position of the measurement in ms.
func (s *Store) AddMeasurements(ctx context.Context, ms []domain.Measurement) error {
	at := s.now()
	for n := range ms {
		ms[n].ID, ms[n].CreatedAt, ms[n].UpdatedAt, ms[n].Version = domain.NewID(), at, at, 1
	}
	return s.InTx(ctx, func(ctx context.Context) error {
		err := s.inChunks(ctx, ms, func(ctx context.Context, chunk []domain.Measurement) error {
			rows := make([]measurementRow, len(chunk))
			for n := range chunk {
				rows[n] = measurementRowOf(&chunk[n])
			}
			return s.conn(ctx).Create(&rows).Error
		})
		if err != nil {
			return err
		}
		events := make([]domain.Event, len(ms))
		for n := range ms {
			events[n] = domain.MeasurementRecordedEvent(&ms[n], false)
		}
		return s.writeEvents(ctx, events) // last: see writeEvents
	})
}

// UpsertMeasurements implements domain.MeasurementStore: in one
// transaction, one INSERT ... ON CONFLICT per chunk of rows. A conflicting
// row of another workspace (whose touchpoint, then, is not in ms's) is not
// updated: the measurement is refused naming /touchpoint_id, as one that
// conflicts with nothing would be by the foreign key.
func (s *Store) UpsertMeasurements(ctx context.Context, ms []domain.Measurement) (int, error) {
	at := s.now()
	replaced := 0
	var events []domain.Event
	err := s.InTx(ctx, func(ctx context.Context) error {
		if err := s.upsertChunks(ctx, ms, at, &replaced, &events); err != nil {
			return err
		}
		return s.writeEvents(ctx, events) // last: see writeEvents
	})
	if err != nil {
		return 0, err
	}
	return replaced, nil
}

// upsertChunks is UpsertMeasurements' writing, chunk by chunk, counting the
// measurements replaced and making the event of each one written.
func (s *Store) upsertChunks(ctx context.Context, ms []domain.Measurement, at time.Time, replaced *int, events *[]domain.Event) error {
	return s.inChunks(ctx, ms, func(ctx context.Context, chunk []domain.Measurement) error {
		var b strings.Builder
		b.WriteString(`INSERT INTO touchpoint_measurements (id, workspace_id, touchpoint_id, metric_id, period_start, period_end,
			n, mean, sd, successes, promoters, passives, detractors, events, exposure, source, created_at, updated_at, version) VALUES `)
		args := make([]any, 0, 19*len(chunk))
		for n := range chunk {
			if n > 0 {
				b.WriteString(", ")
			}
			b.WriteString("(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1)")
			m, smp := &chunk[n], &chunk[n].Sample
			args = append(args, domain.NewID(), m.WorkspaceID, m.TouchpointID, m.MetricID, m.PeriodStart, m.PeriodEnd,
				smp.N, smp.Mean, smp.SD, smp.Successes, smp.Promoters, smp.Passives, smp.Detractors, smp.Events, smp.Exposure,
				m.Source, at, at)
		}
		// What a replacement changes, as domain.Measurement.Replace: the key
		// is the conflict's, so the summary and source.
		b.WriteString(` ON CONFLICT ON CONSTRAINT touchpoint_measurements_period_key DO UPDATE SET
			n = excluded.n, mean = excluded.mean, sd = excluded.sd, successes = excluded.successes,
			promoters = excluded.promoters, passives = excluded.passives, detractors = excluded.detractors,
			events = excluded.events, exposure = excluded.exposure, source = excluded.source,
			updated_at = excluded.updated_at, version = touchpoint_measurements.version + 1
			WHERE touchpoint_measurements.workspace_id = excluded.workspace_id
			RETURNING touchpoint_id, metric_id, period_start, period_end, version, id`)
		rows, err := s.conn(ctx).Raw(b.String(), args...).Rows()
		if err != nil {
			return err
		}
		defer rows.Close()
		written := make(map[domain.MeasurementKey]domain.Measurement, len(chunk))
		for rows.Next() {
			var m domain.Measurement
			if err := rows.Scan(&m.TouchpointID, &m.MetricID, &m.PeriodStart, &m.PeriodEnd, &m.Version, &m.ID); err != nil {
				return err
			}
			written[m.Key()] = m
			if m.Version > 1 {
				*replaced++
			}
		}
		if err := rows.Err(); err != nil {
			return err
		}
		for n := range chunk {
			w, ok := written[chunk[n].Key()]
			if !ok {
				return &chunkError{n: n, err: noSuchTouchpoint(n+1, chunk[n].TouchpointID)}
			}
			m := chunk[n]
			m.ID, m.Version = w.ID, w.Version
			*events = append(*events, domain.MeasurementRecordedEvent(&m, w.Version > 1))
		}
		return nil
	})
}

// chunkError is an error about measurement n of a chunk, already a domain
// error but for its Line, which inChunks makes a position in the batch.
type chunkError struct {
	n   int
	err *domain.Error
}

func (e *chunkError) Error() string { return e.err.Error() }

// inChunks runs write on ms chunk by chunk, all in one transaction, and
// turns what the database refuses into domain errors naming the
// measurement by Line, its 1-based position in ms.
func (s *Store) inChunks(ctx context.Context, ms []domain.Measurement, write func(ctx context.Context, chunk []domain.Measurement) error) error {
	var failed error
	err := s.InTx(ctx, func(ctx context.Context) error {
		for from := 0; from < len(ms); from += measurementChunk {
			to := min(from+measurementChunk, len(ms))
			if err := write(ctx, ms[from:to]); err != nil {
				failed = s.measurementError(ctx, err, ms, from, to)
				return failed
			}
		}
		return nil
	})
	if failed != nil {
		return failed
	}
	return err
}

// measurementError names the measurement of ms[from:to] that err, the
// database's refusal of that chunk, is about.
func (s *Store) measurementError(ctx context.Context, err error, ms []domain.Measurement, from, to int) error {
	var ce *chunkError
	if errors.As(err, &ce) {
		ce.err.Fields[0].Line = from + ce.n + 1
		return ce.err
	}
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) {
		return translate(err)
	}
	if ref, ok := measurementRefs[pgErr.ConstraintName]; ok {
		for n := from; n < to; n++ {
			if id := ref.id(ms[n]); strings.Contains(pgErr.Detail, id) {
				return domain.Invalid(domain.FieldError{Pointer: ref.pointer, Line: n + 1, Detail: "no such " + strings.TrimPrefix(ref.pointer, "/") + " in this workspace: " + id})
			}
		}
	}
	if pgErr.ConstraintName == "touchpoint_measurements_period_key" {
		// The detail quotes the key; the last of the chunk with it is the
		// one that found it taken.
		for n := to - 1; n >= from; n-- {
			k := ms[n].Key()
			if !strings.Contains(pgErr.Detail, "=("+k.TouchpointID+", "+k.MetricID+", "+k.PeriodStart+", "+k.PeriodEnd+")") {
				continue
			}
			// Taken by another workspace: the touchpoint is that one's.
			if ok, lookErr := s.hasTouchpoint(ctx, ms[n].WorkspaceID, k.TouchpointID); lookErr == nil && !ok {
				return noSuchTouchpoint(n+1, k.TouchpointID)
			}
			return &domain.Error{Code: domain.EConflict, Message: "this touchpoint already has a measurement of this metric for this period",
				Fields: []domain.FieldError{{Pointer: "/period_start", Line: n + 1, Detail: "already measured"}}}
		}
		return domain.Errorf(domain.EConflict, "a touchpoint already has a measurement of this metric for this period")
	}
	return translate(err)
}

// hasTouchpoint tells whether the workspace has the touchpoint. It reads
// through the pool: the caller's transaction, if any, has failed.
func (s *Store) hasTouchpoint(ctx context.Context, workspaceID, id string) (bool, error) {
	var n int64
	err := s.db.WithContext(ctx).Model(&touchpointRow{}).Where("workspace_id = ? AND id = ?", workspaceID, id).Count(&n).Error
	return n > 0, err
}

func noSuchTouchpoint(line int, id string) *domain.Error {
	return domain.Invalid(domain.FieldError{Pointer: "/touchpoint_id", Line: line, Detail: "no such touchpoint_id in this workspace: " + id})
}

// GetMeasurement implements domain.MeasurementStore.
func (s *Store) GetMeasurement(ctx context.Context, workspaceID, touchpointID, id string) (*domain.Measurement, error) {
	return findMeasurement(s.conn(ctx), workspaceID, touchpointID, id)
}

// lockMeasurement reads a measurement for update.
func (s *Store) lockMeasurement(ctx context.Context, workspaceID, touchpointID, id string) (*domain.Measurement, error) {
	return findMeasurement(s.conn(ctx).Clauses(clause.Locking{Strength: "UPDATE"}), workspaceID, touchpointID, id)
}

// findMeasurement reads measurement id of the touchpoint through q.
func findMeasurement(q *gorm.DB, workspaceID, touchpointID, id string) (*domain.Measurement, error) {
	var row measurementRow
	err := q.Where("workspace_id = ? AND touchpoint_id = ? AND id = ?", workspaceID, touchpointID, id).Take(&row).Error
	if err != nil {
		return nil, notFound(err, "measurement", id+" of touchpoint "+touchpointID)
	}
	m := row.domain()
	return &m, nil
}

// ReplaceMeasurement implements domain.MeasurementStore.
func (s *Store) ReplaceMeasurement(ctx context.Context, workspaceID, touchpointID, id string, version int, change func(*domain.Measurement) error) (*domain.Measurement, error) {
	load := func(ctx context.Context) (*domain.Measurement, error) {
		return s.lockMeasurement(ctx, workspaceID, touchpointID, id)
	}
	rev := func(m *domain.Measurement) (*int, *time.Time) { return &m.Version, &m.UpdatedAt }
	return updateVersioned(ctx, s, version, load, rev, change, func(ctx context.Context, m *domain.Measurement) error {
		smp := m.Sample
		err := s.conn(ctx).Model(&measurementRow{}).Where("id = ?", id).Updates(map[string]any{
			"metric_id": m.MetricID, "period_start": m.PeriodStart, "period_end": m.PeriodEnd,
			"n": smp.N, "mean": smp.Mean, "sd": smp.SD, "successes": smp.Successes, "promoters": smp.Promoters,
			"passives": smp.Passives, "detractors": smp.Detractors, "events": smp.Events, "exposure": smp.Exposure,
			"source": m.Source, "updated_at": m.UpdatedAt, "version": m.Version,
		}).Error
		var pgErr *pgconn.PgError
		switch {
		case errors.As(err, &pgErr) && pgErr.ConstraintName == "touchpoint_measurements_period_key":
			return &domain.Error{Code: domain.EConflict, Message: "this touchpoint already has another measurement of this metric for this period",
				Fields: []domain.FieldError{{Pointer: "/period_start", Detail: "already measured by another measurement of this touchpoint and metric"}}, Err: err}
		case foreignKeyViolation(err, "touchpoint_measurements_metric_fk"):
			return domain.Invalid(domain.FieldError{Pointer: "/metric_id", Detail: "no such catalogue metric in this workspace"})
		case err != nil:
			return translate(err)
		}
		return s.writeEvents(ctx, []domain.Event{domain.MeasurementRecordedEvent(m, true)}) // last: see writeEvents
	})
}

// DeleteMeasurement implements domain.MeasurementStore.
func (s *Store) DeleteMeasurement(ctx context.Context, workspaceID, touchpointID, id string, version int) error {
	return s.InTx(ctx, func(ctx context.Context) error {
		m, err := s.lockMeasurement(ctx, workspaceID, touchpointID, id)
		if err != nil {
			return err
		}
		if version != 0 {
			if err := checkVersion(m.Version, version); err != nil {
				return err
			}
		}
		return translate(s.conn(ctx).Where("id = ?", id).Delete(&measurementRow{}).Error)
	})
}

// ListMeasurements implements domain.MeasurementStore.
func (s *Store) ListMeasurements(ctx context.Context, workspaceID, touchpointID string, metricID *string, limit int) ([]domain.Measurement, error) {
	if _, err := s.GetTouchpoint(ctx, workspaceID, touchpointID); err != nil {
		return nil, err
	}
	q := s.conn(ctx).Where("workspace_id = ? AND touchpoint_id = ?", workspaceID, touchpointID)
	if metricID != nil {
		q = q.Where("metric_id = ?", *metricID)
	}
	var rows []measurementRow
	if err := q.Order("period_end DESC, period_start DESC, id").Limit(pageLimit(limit)).Find(&rows).Error; err != nil {
		return nil, translate(err)
	}
	out := make([]domain.Measurement, len(rows))
	for n, r := range rows {
		out[n] = r.domain()
	}
	return out, nil
}

// RecentMeasurements implements domain.MeasurementStore in one statement.
func (s *Store) RecentMeasurements(ctx context.Context, workspaceID, touchpointID string, perMetric int) (map[string][]domain.Measurement, error) {
	if _, err := s.GetTouchpoint(ctx, workspaceID, touchpointID); err != nil {
		return nil, err
	}
	var rows []measurementRow
	err := s.conn(ctx).Raw(`SELECT * FROM (
			SELECT m.*, row_number() OVER (PARTITION BY metric_id ORDER BY period_end DESC, period_start DESC, id) AS recency
			FROM touchpoint_measurements m WHERE workspace_id = ? AND touchpoint_id = ?
		) r WHERE recency <= ? ORDER BY metric_id, recency`, workspaceID, touchpointID, perMetric).Scan(&rows).Error
	if err != nil {
		return nil, translate(err)
	}
	out := map[string][]domain.Measurement{}
	for _, r := range rows {
		out[r.MetricID] = append(out[r.MetricID], r.domain())
	}
	return out, nil
}

var _ domain.MeasurementStore = (*Store)(nil)
