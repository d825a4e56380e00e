package domain

import (
	"context"
	"time"
)

// PilotActions are the moves of a pilot's life that span several store
// calls. Each is the one function the JSON handlers, the web pages and the
// demo loader call, so the sequence and its checks are written once.
type PilotActions struct {
	Store PilotStore
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
