package domain

import (
	"context"
	"slices"
	"strings"
	"time"
)

// Measurement is what a touchpoint measured on a catalogue metric in one
// period, as summary statistics of the metric's kind (the fields of Sample;
// its group and period are unused).
type Measurement struct {
	ID           string
	WorkspaceID  string
	TouchpointID string
	MetricID     string
	PeriodStart  time.Time // a calendar date (ValidDate)
	PeriodEnd    time.Time // ≥ PeriodStart (ValidDate)
	Sample       Sample
	Source       string // optional, e.g. "Qualtrics export 2026-10"
	CreatedAt    time.Time
	UpdatedAt    time.Time // CreatedAt until the measurement is replaced
	Version      int       // 1 when added, +1 on each replacement, for If-Match
}

// MeasurementKey is what a measurement is of: a touchpoint has at most one
// measurement of a metric for a period.
type MeasurementKey struct {
	TouchpointID, MetricID string
	PeriodStart, PeriodEnd string // calendar dates, 2006-01-02
}

// Key is m's touchpoint, metric and period.
func (m *Measurement) Key() MeasurementKey {
	return MeasurementKey{TouchpointID: m.TouchpointID, MetricID: m.MetricID,
		PeriodStart: m.PeriodStart.Format(time.DateOnly), PeriodEnd: m.PeriodEnd.Format(time.DateOnly)}
}

// Replace corrects m to what with says, as a whole: the metric, the period,
// the summary and the source. m stays the same measurement: its id,
// workspace, touchpoint, creation, update time and version are kept (the
// store stamps the update and counts the version).
func (m *Measurement) Replace(with *Measurement) {
	m.MetricID, m.PeriodStart, m.PeriodEnd, m.Sample, m.Source = with.MetricID, with.PeriodStart, with.PeriodEnd, with.Sample, with.Source
}

// MaxSourceLength bounds a measurement's source.
const MaxSourceLength = 200

// Validate checks the period (dates in the accepted range, see ValidDate),
// the summary for kind and the source.
func (m *Measurement) Validate(kind MetricKind) error {
	var fe fieldErrors
	validateDate(&fe, "/period_start", m.PeriodStart)
	validateDate(&fe, "/period_end", m.PeriodEnd)
	if ValidDate(m.PeriodStart) && ValidDate(m.PeriodEnd) && m.PeriodEnd.Before(m.PeriodStart) {
		fe.add("/period_end", "must not be before period_start")
	}
	validateText(&fe, "/source", m.Source, MaxSourceLength)
	if err := m.Sample.Validate(kind); err != nil {
		fe = append(fe, err.(*Error).Fields...)
	}
	return fe.err()
}

// DistinctMeasurements refuses a batch that measures the same touchpoint,
// metric and period twice, which no store could keep (nor, on an upsert,
// tell which of the two should win): EInvalid naming the first repeat by
// Line, its 1-based position in ms.
func DistinctMeasurements(ms []Measurement) error {
	seen := make(map[MeasurementKey]struct{}, len(ms))
	for n := range ms {
		key := ms[n].Key()
		if _, dup := seen[key]; dup {
			return &Error{Code: EInvalid, Message: "two rows measure the same touchpoint, metric and period; give each once",
				Fields: []FieldError{{Pointer: "/period_start", Line: n + 1,
					Detail: "repeats the touchpoint, metric and period of an earlier row"}}}
		}
		seen[key] = struct{}{}
	}
	return nil
}

// MeasurementStore keeps touchpoint measurements.
type MeasurementStore interface {
	// AddMeasurements stores validated measurements, all or nothing, each
	// as version 1. EConflict when a touchpoint already has a measurement of
	// the metric for the same period; EInvalid naming the touchpoint or
	// metric when it is not in the workspace. Both name the measurement by
	// Line, its 1-based position in ms.
	AddMeasurements(ctx context.Context, ms []Measurement) error
	// UpsertMeasurements stores validated measurements of distinct keys
	// (DistinctMeasurements), all or nothing: a measurement whose touchpoint,
	// metric and period are measured already replaces that one (see
	// Measurement.Replace; version + 1), the others are added. It answers how
	// many were replaced. EInvalid as AddMeasurements.
	UpsertMeasurements(ctx context.Context, ms []Measurement) (replaced int, err error)
	// GetMeasurement returns measurement id of the touchpoint. ENotFound,
	// also for a measurement of another touchpoint or workspace.
	GetMeasurement(ctx context.Context, workspaceID, touchpointID, id string) (*Measurement, error)
	// ReplaceMeasurement is the one If-Match write of a measurement: in one
	// transaction it reads measurement id of the touchpoint (ENotFound),
	// checks its version (EPreconditionFailed), lets change correct it
	// (change's error) and stores it with the version bumped. EConflict
	// naming /period_start when another measurement has the new touchpoint,
	// metric and period; EInvalid naming /metric_id for a metric not in the
	// workspace.
	ReplaceMeasurement(ctx context.Context, workspaceID, touchpointID, id string, version int, change func(*Measurement) error) (*Measurement, error)
	// DeleteMeasurement removes measurement id of the touchpoint: ENotFound;
	// EPreconditionFailed unless version is its version or 0 (any).
	DeleteMeasurement(ctx context.Context, workspaceID, touchpointID, id string, version int) error
	// ListMeasurements returns a touchpoint's measurements, newest period
	// first, optionally of one metric, at most limit. ENotFound for the touchpoint.
	ListMeasurements(ctx context.Context, workspaceID, touchpointID string, metricID *string, limit int) ([]Measurement, error)
	// RecentMeasurements returns, by metric id, the touchpoint's latest
	// perMetric measurements of each metric, newest period first. ENotFound.
	RecentMeasurements(ctx context.Context, workspaceID, touchpointID string, perMetric int) (map[string][]Measurement, error)
}

// ImportMode says what an import does with a period measured already.
type ImportMode string

// Import modes.
const (
	// ImportInsert adds every row; a period measured already is EConflict
	// and nothing is stored. The default.
	ImportInsert ImportMode = "insert"
	// ImportUpsert replaces the measurement of a period measured already
	// and adds the others.
	ImportUpsert ImportMode = "upsert"
)

// ImportModes lists the import modes, the default first.
var ImportModes = []ImportMode{ImportInsert, ImportUpsert}

// ImportResult says what an import stored.
type ImportResult struct {
	Inserted int // measurements added
	Replaced int // measurements replaced (ImportUpsert)
}

// ImportMeasurements stores, all or nothing, the measurements that read
// makes of an import, in mode; read is given the workspace's catalogue by
// id and by key, to resolve each row's metric. Two rows of the same
// touchpoint, metric and period are EInvalid (DistinctMeasurements); an
// unknown mode is EMalformed naming the parameter mode. Errors of read, and
// of MeasurementStore.AddMeasurements or UpsertMeasurements.
func ImportMeasurements(ctx context.Context, store interface {
	CatalogueStore
	MeasurementStore
}, workspaceID string, mode ImportMode, read func(catalogue map[string]CatalogueMetric) ([]Measurement, error)) (ImportResult, error) {
	if !slices.Contains(ImportModes, mode) {
		names := make([]string, len(ImportModes))
		for n, m := range ImportModes {
			names[n] = string(m)
		}
		return ImportResult{}, &Error{Code: EMalformed, Message: "unknown import mode " + QuoteInput(string(mode)),
			Fields: []FieldError{{Parameter: "mode", Detail: "must be one of " + strings.Join(names, ", ")}}}
	}
	metrics, err := store.ListCatalogueMetrics(ctx, workspaceID)
	if err != nil {
		return ImportResult{}, err
	}
	catalogue := make(map[string]CatalogueMetric, 2*len(metrics))
	for _, m := range metrics {
		catalogue[m.ID], catalogue[m.Key] = m, m
	}
	ms, err := read(catalogue)
	if err != nil {
		return ImportResult{}, err
	}
	if err := DistinctMeasurements(ms); err != nil {
		return ImportResult{}, err
	}
	if mode == ImportInsert {
		if err := store.AddMeasurements(ctx, ms); err != nil {
			return ImportResult{}, err
		}
		return ImportResult{Inserted: len(ms)}, nil
	}
	replaced, err := store.UpsertMeasurements(ctx, ms)
	if err != nil {
		return ImportResult{}, err
	}
	return ImportResult{Inserted: len(ms) - replaced, Replaced: replaced}, nil
}
