package domain

import (
	"context"
	"math"
	"regexp"
	"time"
)

// CatalogueMetric is one metric of a workspace's catalogue: what touchpoints
// are measured by, and the target each should meet. Every workspace starts
// with a default set (CSAT, NPS, CES, first-contact resolution, average
// handle time, contact volume, complaints, churn).
type CatalogueMetric struct {
	ID          string
	WorkspaceID string
	Key         string // e.g. "csat"; unique in the workspace
	Name        string
	Kind        MetricKind
	Direction   Direction
	Unit        string
	Target      *float64 // in the kind's scale: a share for proportions, points for NPS, a rate for counts
	Description string
	CreatedAt   time.Time
	UpdatedAt   time.Time
	Version     int
}

var metricKeyPattern = regexp.MustCompile(`^[a-z][a-z0-9_]{0,49}$`)

// Validate checks the metric's fields, including that the target is possible
// for the kind.
func (m *CatalogueMetric) Validate() error {
	var fe fieldErrors
	if !metricKeyPattern.MatchString(m.Key) {
		fe.add("/key", "must be 1–50 lower-case letters, digits or _, starting with a letter")
	}
	validateName(&fe, "/name", m.Name, MaxNameLength)
	validateText(&fe, "/unit", m.Unit, MaxUnitLength)
	validateText(&fe, "/description", m.Description, MaxDescriptionLength)
	kindOK := true
	if _, ok := ParseMetricKind(string(m.Kind)); !ok {
		fe.add("/kind", "must be one of %s", joinValues(MetricKinds))
		kindOK = false
	}
	if _, ok := ParseDirection(string(m.Direction)); !ok {
		fe.add("/direction", "must be one of %s", joinValues(Directions))
	}
	if m.Target != nil && kindOK {
		if reason := targetReason(m.Kind, *m.Target); reason != "" {
			fe.add("/target", "%s", reason)
		}
	}
	return fe.err()
}

func targetReason(kind MetricKind, t float64) string {
	switch {
	case math.IsNaN(t) || math.IsInf(t, 0):
		return "must be a finite number"
	case kind == KindProportion && (t < 0 || t > 1):
		return "must be a share between 0 and 1 for a proportion metric"
	case kind == KindNPS && (t < -100 || t > 100):
		return "must be between -100 and 100 for an nps metric"
	case kind == KindCount && t < 0:
		return "must not be negative for a count metric"
	}
	return ""
}

// CatalogueStore keeps a workspace's metric catalogue.
type CatalogueStore interface {
	// CreateCatalogueMetric stores a validated metric. EConflict naming /key
	// when the key is taken.
	CreateCatalogueMetric(ctx context.Context, m *CatalogueMetric) error
	// GetCatalogueMetric returns one metric. ENotFound.
	GetCatalogueMetric(ctx context.Context, workspaceID, id string) (*CatalogueMetric, error)
	// ListCatalogueMetrics returns the catalogue by key (it is small).
	ListCatalogueMetrics(ctx context.Context, workspaceID string) ([]CatalogueMetric, error)
	// UpdateCatalogueMetric is load–change–save at version. ENotFound,
	// EPreconditionFailed, EConflict (key taken), errors of change.
	UpdateCatalogueMetric(ctx context.Context, workspaceID, id string, version int, change func(*CatalogueMetric) error) (*CatalogueMetric, error)
	// DeleteCatalogueMetric removes it at version. EConflict when
	// measurements or pilot metrics use it.
	DeleteCatalogueMetric(ctx context.Context, workspaceID, id string, version int) error
}
