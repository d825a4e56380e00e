package domain

import (
	"context"
	"slices"
	"strings"
	"time"
)

// PilotActions are the moves of a pilot's life that span several store
// calls. Each is the one function the JSON handlers, the web pages and the
// demo loader call, so the sequence and its checks are written once.
type PilotActions struct {
	Store interface {
		Transactor
		PilotStore
		IdeaStore
		CatalogueStore
	}
}

// Edit runs fn holding the pilot against transitions, refusing a
// completed or cancelled one (EConflict): every change to a pilot's metrics,
// samples and observations goes through it. ENotFound.
func (a PilotActions) Edit(ctx context.Context, workspaceID, pilotID string, fn func(ctx context.Context) error) error {
	return a.Store.LockPilot(ctx, workspaceID, pilotID, func(ctx context.Context, p *Pilot) error {
		if err := p.Editable(); err != nil {
			return err
		}
		return fn(ctx)
	})
}

// Create plans pilot p (validated) of its idea. A pilot given no
// touchpoints targets its idea's. EInvalid naming /idea_id when the idea is
// not in the workspace, or /touchpoint_ids/N for a touchpoint that is not.
func (a PilotActions) Create(ctx context.Context, p *Pilot) error {
	return a.Store.InTx(ctx, func(ctx context.Context) error {
		if len(p.TouchpointIDs) == 0 {
			i, err := a.Store.GetIdea(ctx, p.WorkspaceID, p.IdeaID)
			if ErrorCodeOf(err) == ENotFound {
				return Invalid(FieldError{Pointer: "/idea_id", Detail: "no such idea in this workspace"})
			} else if err != nil {
				return err
			}
			p.TouchpointIDs = slices.Clone(i.TouchpointIDs)
		}
		return a.Store.CreatePilot(ctx, p)
	})
}

// AddMetric adds m to its pilot while the pilot is planned or running. With
// a catalogueID, m takes that catalogue metric's kind, direction and unit.
// A pilot has at most MaxPilotMetrics metrics. The pilot is looked up
// first, so another workspace's pilot is ENotFound whatever m holds; then
// EConflict (completed or cancelled pilot, too many metrics, a second
// primary, a duplicate name) or EInvalid (/metric_id not in the catalogue,
// or m's fields).
func (a PilotActions) AddMetric(ctx context.Context, m *Metric, catalogueID string) error {
	return a.Edit(ctx, m.WorkspaceID, m.PilotID, func(ctx context.Context) error {
		var fe fieldErrors
		if catalogueID != "" {
			cm, err := a.Store.GetCatalogueMetric(ctx, m.WorkspaceID, strings.ToLower(catalogueID))
			if ErrorCodeOf(err) == ENotFound {
				return Invalid(FieldError{Pointer: "/metric_id", Detail: "no such catalogue metric in this workspace"})
			} else if err != nil {
				return err
			}
			fe = append(fe, FieldsOf(m.Inherit(cm))...)
		}
		fe = append(fe, FieldsOf(m.Validate())...)
		if err := fe.err(); err != nil {
			return err
		}
		metrics, err := a.Store.ListMetrics(ctx, m.WorkspaceID, m.PilotID)
		if err != nil {
			return err
		}
		if len(metrics) >= MaxPilotMetrics {
			return Errorf(EConflict, "a pilot has at most %d metrics", MaxPilotMetrics)
		}
		return a.Store.CreateMetric(ctx, m)
	})
}

// Start moves a planned pilot to running and its idea to piloting. version 0
// skips the version check. ENotFound, EPreconditionFailed, EConflict.
func (a PilotActions) Start(ctx context.Context, workspaceID, id string, version int, actor string, at time.Time) (*Pilot, error) {
	return a.Store.TransitionPilot(ctx, workspaceID, id, version, actor, func(p *Pilot, i *Idea, _ *PilotData) error {
		return p.Start(i, at)
	})
}

// Cancel ends a planned or running pilot without a decision.
func (a PilotActions) Cancel(ctx context.Context, workspaceID, id string, version int, actor string, at time.Time) (*Pilot, error) {
	return a.Store.TransitionPilot(ctx, workspaceID, id, version, actor, func(p *Pilot, _ *Idea, _ *PilotData) error {
		return p.MoveTo(PilotCancelled, at)
	})
}

// Complete ends a running pilot with decision, freezing its results at at
// (see Pilot.Complete). The decision is checked before any lock is taken:
// EInvalid naming /decision.
func (a PilotActions) Complete(ctx context.Context, workspaceID, id string, version int, actor string, decision Decision, at time.Time) (*Pilot, error) {
	if _, ok := ParseDecision(string(decision)); !ok {
		return nil, Invalid(FieldError{Pointer: "/decision", Detail: "must be one of " + joinValues(Decisions)})
	}
	return a.Store.TransitionPilot(ctx, workspaceID, id, version, actor, func(p *Pilot, i *Idea, data *PilotData) error {
		return p.Complete(i, decision, p.Analyze(data, at), at)
	})
}

// PutSample enters a summary sample of a pilot's metric while the pilot is
// planned or running: created when version is 0, else replaced at version
// (see PilotStore.PutSample). build makes the sample once the metric's kind
// is known, because which statistics a sample holds depends on it; the
// sample is validated for that kind before it is stored. It answers the
// sample as stored, the metric's kind, and whether it was created.
func (a PilotActions) PutSample(ctx context.Context, workspaceID, pilotID, metricID string, version int, build func(MetricKind) (*Sample, error)) (smp *Sample, kind MetricKind, created bool, err error) {
	err = a.Edit(ctx, workspaceID, pilotID, func(ctx context.Context) error {
		m, err := a.Store.GetMetric(ctx, workspaceID, pilotID, metricID)
		if err != nil {
			return err
		}
		kind = m.Kind
		if smp, err = build(kind); err != nil {
			return err
		}
		smp.MetricID, smp.Source = metricID, SourceSummary
		if err := smp.Validate(kind); err != nil {
			return err
		}
		created, err = a.Store.PutSample(ctx, workspaceID, pilotID, smp, version)
		return err
	})
	return smp, kind, created, err
}

// AddObservations loads raw observations into a metric of a planned or
// running pilot and recomputes its observed samples (see
// PilotStore.AddObservations). rows opens the upload once the metric's kind
// is known, because which values are valid depends on it. It answers what
// was loaded and the metric's kind.
func (a PilotActions) AddObservations(ctx context.Context, workspaceID, pilotID, metricID string, rows func(MetricKind) (func() (Observation, error), error)) (ObservationLoad, MetricKind, error) {
	m, err := a.Store.GetMetric(ctx, workspaceID, pilotID, metricID)
	if err != nil {
		return ObservationLoad{}, "", err
	}
	next, err := rows(m.Kind)
	if err != nil {
		return ObservationLoad{}, m.Kind, err
	}
	load, err := a.Store.AddObservations(ctx, workspaceID, pilotID, metricID, (*Pilot).Editable, next)
	return load, m.Kind, err
}

// HistoryNote says, in the history of the idea a pilot moved, which pilot
// moved it and why.
func (p *Pilot) HistoryNote() string {
	note := string(p.Status) + " " + p.ID
	if p.Title != "" {
		note += " (" + p.Title + ")"
	}
	if p.Decision != "" {
		note += ": " + string(p.Decision)
	}
	if p.Results != nil {
		if m := p.Results.Primary(); m != nil {
			note += "; primary metric " + m.Name + " " + string(m.Verdict)
		}
	}
	return note
}
