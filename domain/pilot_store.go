package domain

import "context"

// PilotFilter narrows the pilot list. A filter of several values keeps a
// pilot matching any of them; an empty one does not filter.
type PilotFilter struct {
	Statuses      []PilotStatus
	IdeaIDs       []string
	TouchpointIDs []string // at any of them
}

// ObservationLoad is what one upload of raw observations did.
type ObservationLoad struct {
	Rows    int      // observations stored by this upload
	Samples []Sample // the samples recomputed from all of the metric's observations
	Paired  bool     // every observation has a unit id seen in both periods
}

// PilotStore keeps pilots, their metrics, samples and observations, scoped to
// one workspace. Methods that change a pilot's metrics or samples must run
// inside LockPilot, which hands them the pilot so that the caller can refuse
// changes to a completed or cancelled pilot.
type PilotStore interface {
	// CreatePilot stores a validated pilot with its touchpoints (see
	// PilotActions.Create for the default). EInvalid naming /idea_id or
	// /touchpoint_ids/N when they are not in the workspace.
	CreatePilot(ctx context.Context, p *Pilot) error
	// GetPilot returns one pilot. ENotFound.
	GetPilot(ctx context.Context, workspaceID, id string) (*Pilot, error)
	// ListPilots pages by (created_at, id).
	ListPilots(ctx context.Context, workspaceID string, f PilotFilter, page Page) ([]Pilot, *Cursor, error)
	// UpdatePilot is load–change–save at version. ENotFound,
	// EPreconditionFailed, EInvalid and errors of change.
	UpdatePilot(ctx context.Context, workspaceID, id string, version int, change func(*Pilot) error) (*Pilot, error)
	// DeletePilot removes it (with metrics, samples and observations) at
	// version. ENotFound, EPreconditionFailed.
	DeletePilot(ctx context.Context, workspaceID, id string, version int) error
	// TransitionPilot loads the pilot, its idea and its data locked in one
	// transaction, applies change, then saves the pilot and, if change
	// altered it, the re-scored idea with its history (actor). version 0
	// skips the version check. ENotFound, EPreconditionFailed, errors of change.
	TransitionPilot(ctx context.Context, workspaceID, id string, version int, actor string, change func(*Pilot, *Idea, *PilotData) error) (*Pilot, error)
	// PilotData returns the pilot and what its results are computed from. ENotFound.
	PilotData(ctx context.Context, workspaceID, id string) (*Pilot, *PilotData, error)
	// LockPilot runs fn in a transaction holding the pilot against
	// transitions. ENotFound and errors of fn.
	LockPilot(ctx context.Context, workspaceID, id string, fn func(ctx context.Context, p *Pilot) error) error

	// CreateMetric stores a validated metric. EConflict for a second primary
	// metric or a duplicate name.
	CreateMetric(ctx context.Context, m *Metric) error
	// GetMetric returns one metric of a pilot. ENotFound.
	GetMetric(ctx context.Context, workspaceID, pilotID, id string) (*Metric, error)
	// ListMetrics returns a pilot's metrics in creation order (at most MaxPilotMetrics).
	ListMetrics(ctx context.Context, workspaceID, pilotID string) ([]Metric, error)
	// UpdateMetric is load–change–save at version. ENotFound,
	// EPreconditionFailed, EConflict (second primary, duplicate name).
	UpdateMetric(ctx context.Context, workspaceID, pilotID, id string, version int, change func(*Metric) error) (*Metric, error)
	// DeleteMetric removes it with its samples at version. ENotFound, EPreconditionFailed.
	DeleteMetric(ctx context.Context, workspaceID, pilotID, id string, version int) error

	// MetricSamples returns a metric and its samples (pilot before, pilot
	// after, control before, control after, those that exist). ENotFound.
	MetricSamples(ctx context.Context, workspaceID, pilotID, metricID string) (*Metric, []Sample, error)
	// PutSample creates (version 0; EPreconditionRequired if it exists) or
	// replaces (version > 0; EPreconditionFailed if stale, ENotFound if
	// absent) a summary sample. EConflict when the sample is computed from
	// observations. Reports whether it was created.
	PutSample(ctx context.Context, workspaceID, pilotID string, s *Sample, version int) (bool, error)
	// DeleteSample removes a sample at version. ENotFound, EPreconditionFailed.
	DeleteSample(ctx context.Context, workspaceID, pilotID string, s Sample, version int) error

	// AddObservations streams observations from next (until io.EOF) into
	// the metric with COPY in one transaction, then recomputes the metric's
	// observation samples and change scores. Errors of next abort the upload
	// and nothing is stored; check is called with the locked pilot first.
	// EConflict when an observed group and period already has a summary sample.
	AddObservations(ctx context.Context, workspaceID, pilotID, metricID string, check func(*Pilot) error, next func() (Observation, error)) (ObservationLoad, error)
	// DeleteObservations removes a metric's observations and the samples and
	// change scores computed from them; returns how many were removed.
	DeleteObservations(ctx context.Context, workspaceID, pilotID, metricID string) (int, error)
}
