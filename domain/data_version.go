package domain

import "context"

// DataVersionStore tells whether a workspace's data changed: its data
// version grows in the transaction of every write to what the charts draw
// (ideas, scoring, journeys, touchpoints, measurements, pilots, money,
// contact reasons, evidence), so that a drawing kept under one version is
// the drawing of the data as it still is while the version stays the same.
type DataVersionStore interface {
	// DataVersion returns the workspace's current data version; 0 for a
	// workspace that does not exist.
	DataVersion(ctx context.Context, workspaceID string) (int64, error)
}
