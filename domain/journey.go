package domain

import (
	"context"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Stage is one ordered step of a journey (discover, arrive, order, pay...).
type Stage struct {
	ID   string
	Name string
}

// Journey is a customer journey with its ordered stages.
type Journey struct {
	ID          string
	WorkspaceID string
	Name        string
	Description string
	Stages      []Stage
	CreatedAt   time.Time
	UpdatedAt   time.Time
	Version     int
}

// Limits on journey fields.
const (
	MaxNameLength        = 200
	MaxDescriptionLength = 10000
	MaxStageNameLength   = 100
	MaxStages            = 50
)

// Validate checks the journey's own rules, lower-cases stage ids and gives every stage without an id
// a new one, so clients may send stages by name only.
func (j *Journey) Validate() error {
	var fe fieldErrors
	validateName(&fe, "/name", j.Name, MaxNameLength)
	validateText(&fe, "/description", j.Description, MaxDescriptionLength)
	validateCount(&fe, "/stages", len(j.Stages), MaxStages, "stage")
	seenIDs := map[string]bool{}
	seenNames := map[string]bool{}
	for i := range j.Stages {
		s := &j.Stages[i]
		p := "/stages/" + strconv.Itoa(i)
		s.ID = strings.ToLower(s.ID)
		if s.ID == "" {
			s.ID = NewID()
		} else if !IsID(s.ID) {
			fe.add(p+"/id", "must be a UUID")
		} else if seenIDs[s.ID] {
			fe.add(p+"/id", "is used by another stage of this journey")
		}
		seenIDs[s.ID] = true
		validateName(&fe, p+"/name", s.Name, MaxStageNameLength)
		key := strings.ToLower(strings.TrimSpace(s.Name))
		if key != "" && seenNames[key] {
			fe.add(p+"/name", "is used by another stage of this journey")
		}
		seenNames[key] = true
	}
	return fe.err()
}

// HasStage reports whether id is one of the journey's stages.
func (j *Journey) HasStage(id string) bool {
	for _, s := range j.Stages {
		if strings.EqualFold(s.ID, id) {
			return true
		}
	}
	return false
}

func validateName(fe *fieldErrors, pointer, s string, max int) {
	switch {
	case strings.TrimSpace(s) == "":
		fe.add(pointer, "must not be empty")
	case utf8.RuneCountInString(s) > max:
		fe.add(pointer, "must be at most %d characters", max)
	}
}

// validateCount checks that a list has 1 to max items.
func validateCount(fe *fieldErrors, pointer string, n, max int, noun string) {
	switch {
	case n == 0:
		fe.add(pointer, "must have at least one %s", noun)
	case n > max:
		fe.add(pointer, "must have at most %d %ss", max, noun)
	}
}

func validateText(fe *fieldErrors, pointer, s string, max int) {
	if utf8.RuneCountInString(s) > max {
		fe.add(pointer, "must be at most %d characters", max)
	}
}

// JourneyStore keeps journeys. Every method is scoped to one workspace: an id
// from another workspace is ENotFound.
type JourneyStore interface {
	// CreateJourney stores a validated journey; ID and timestamps are set.
	CreateJourney(ctx context.Context, j *Journey) error
	// GetJourney returns one journey. ENotFound.
	GetJourney(ctx context.Context, workspaceID, id string) (*Journey, error)
	// ListJourneys pages in creation order; the cursor is nil on the last page.
	ListJourneys(ctx context.Context, workspaceID string, page Page) ([]Journey, *Cursor, error)
	// UpdateJourney loads the journey, lets change modify it and saves it in one
	// transaction, if its version is still version. ENotFound,
	// EPreconditionFailed, EConflict (a removed stage still has touchpoints),
	// and any error change returns.
	UpdateJourney(ctx context.Context, workspaceID, id string, version int, change func(*Journey) error) (*Journey, error)
	// DeleteJourney removes it if its version is still version. ENotFound,
	// EPreconditionFailed, EConflict (it still has touchpoints).
	DeleteJourney(ctx context.Context, workspaceID, id string, version int) error
}
