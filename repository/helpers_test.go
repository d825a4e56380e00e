package repository_test

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"cxbacklog/domain"
	"cxbacklog/repository"
	"cxbacklog/repository/pgtest"
)

// newStore gives the test its own migrated database.
func newStore(t *testing.T) *repository.Store {
	t.Helper()
	store, _ := pgtest.NewStore(t)
	return store
}

// newWorkspace creates a workspace with slug and returns its id.
func newWorkspace(t *testing.T, store *repository.Store, slug string) string {
	t.Helper()
	id, _ := pgtest.Workspace(t, store, slug, domain.RoleAdmin)
	return id
}

// createJourney stores a valid journey with one stage per name.
func createJourney(t *testing.T, store *repository.Store, wsID, name string, stageNames ...string) *domain.Journey {
	t.Helper()
	j := &domain.Journey{WorkspaceID: wsID, Name: name, Description: "about " + name}
	for _, s := range stageNames {
		j.Stages = append(j.Stages, domain.Stage{Name: s})
	}
	if err := j.Validate(); err != nil {
		t.Fatalf("validate journey %q: %v", name, err)
	}
	if err := store.CreateJourney(context.Background(), j); err != nil {
		t.Fatalf("create journey %q: %v", name, err)
	}
	return j
}

// tp describes a touchpoint to create; the zero channel means web.
type tp struct {
	name, description, owner string
	channel                  domain.Channel
}

// createTouchpoint stores a valid touchpoint in stage stageIdx of j.
func createTouchpoint(t *testing.T, store *repository.Store, j *domain.Journey, stageIdx int, in tp) *domain.Touchpoint {
	t.Helper()
	if in.channel == "" {
		in.channel = domain.ChannelWeb
	}
	tpt := &domain.Touchpoint{
		WorkspaceID: j.WorkspaceID, JourneyID: j.ID, StageID: j.Stages[stageIdx].ID,
		Name: in.name, Description: in.description, Channel: in.channel, Owner: in.owner,
	}
	if err := tpt.Validate(); err != nil {
		t.Fatalf("validate touchpoint %q: %v", in.name, err)
	}
	if err := store.CreateTouchpoint(context.Background(), tpt); err != nil {
		t.Fatalf("create touchpoint %q: %v", in.name, err)
	}
	return tpt
}

// wantCode fails unless err carries code ("" for nil).
func wantCode(t *testing.T, what string, err error, code domain.ErrorCode) {
	t.Helper()
	if got := domain.ErrorCodeOf(err); got != code {
		t.Fatalf("%s: error code %q (err %v), want %q", what, got, err, code)
	}
}

// wantField fails unless err is EInvalid naming exactly the field pointer.
func wantField(t *testing.T, what string, err error, pointer string) {
	t.Helper()
	wantCode(t, what, err, domain.EInvalid)
	var de *domain.Error
	if !errors.As(err, &de) {
		t.Fatalf("%s: %v is not a *domain.Error", what, err)
	}
	if len(de.Fields) != 1 || de.Fields[0].Pointer != pointer {
		t.Fatalf("%s: fields %+v, want one field with pointer %q", what, de.Fields, pointer)
	}
}

// wantMicroseconds fails if ts has a sub-microsecond part, which PostgreSQL
// would lose on the way back.
func wantMicroseconds(t *testing.T, what string, ts time.Time) {
	t.Helper()
	if ts.IsZero() {
		t.Fatalf("%s is zero", what)
	}
	if ts.Nanosecond()%1000 != 0 {
		t.Fatalf("%s = %v has sub-microsecond precision", what, ts)
	}
}

// journeyDiff compares journeys field by field, times with Equal.
func journeyDiff(got, want *domain.Journey) string {
	switch {
	case got == nil || want == nil:
		if got != want {
			return "one journey is nil"
		}
	case got.ID != want.ID:
		return "ID " + got.ID + " != " + want.ID
	case got.WorkspaceID != want.WorkspaceID:
		return "WorkspaceID " + got.WorkspaceID + " != " + want.WorkspaceID
	case got.Name != want.Name:
		return "Name " + got.Name + " != " + want.Name
	case got.Description != want.Description:
		return "Description " + got.Description + " != " + want.Description
	case !slices.Equal(got.Stages, want.Stages):
		return "Stages differ"
	case !got.CreatedAt.Equal(want.CreatedAt):
		return "CreatedAt " + got.CreatedAt.String() + " != " + want.CreatedAt.String()
	case !got.UpdatedAt.Equal(want.UpdatedAt):
		return "UpdatedAt " + got.UpdatedAt.String() + " != " + want.UpdatedAt.String()
	case got.Version != want.Version:
		return "Version differs"
	}
	return ""
}

func wantJourney(t *testing.T, what string, got, want *domain.Journey) {
	t.Helper()
	if d := journeyDiff(got, want); d != "" {
		t.Fatalf("%s: %s\n got: %+v\nwant: %+v", what, d, got, want)
	}
}

// touchpointEqual compares touchpoints field by field, times with Equal.
func touchpointEqual(a, b domain.Touchpoint) bool {
	ta, tb := a, b
	ta.CreatedAt, ta.UpdatedAt, tb.CreatedAt, tb.UpdatedAt = time.Time{}, time.Time{}, time.Time{}, time.Time{}
	return ta == tb && a.CreatedAt.Equal(b.CreatedAt) && a.UpdatedAt.Equal(b.UpdatedAt)
}

func wantTouchpoint(t *testing.T, what string, got, want *domain.Touchpoint) {
	t.Helper()
	if got == nil || want == nil || !touchpointEqual(*got, *want) {
		t.Fatalf("%s:\n got: %+v\nwant: %+v", what, got, want)
	}
}

// pageAll walks every page of list with limit, failing on a repeated id, a
// page larger than limit, a non-final short page or too many pages.
func pageAll[T any](t *testing.T, limit int, list func(domain.Page) ([]T, *domain.Cursor, error), idOf func(T) string) []T {
	t.Helper()
	var all []T
	seen := map[string]bool{}
	page := domain.Page{Limit: limit}
	for i := 0; ; i++ {
		if i > 100 {
			t.Fatalf("more than 100 pages: the cursor does not advance")
		}
		items, next, err := list(page)
		if err != nil {
			t.Fatalf("page %d: %v", i, err)
		}
		if len(items) > limit {
			t.Fatalf("page %d has %d items, limit %d", i, len(items), limit)
		}
		for _, it := range items {
			id := idOf(it)
			if seen[id] {
				t.Fatalf("page %d repeats %s", i, id)
			}
			seen[id] = true
		}
		all = append(all, items...)
		if next == nil {
			return all
		}
		if len(items) != limit {
			t.Fatalf("page %d has %d items and a cursor; only the last page may be short", i, len(items))
		}
		page.After = next
	}
}

func ptr[T any](v T) *T { return &v }
