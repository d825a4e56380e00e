package repository_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"

	"cxbacklog/domain"
)

func TestJourneyCreateGetRoundTrip(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	store := newStore(t)
	ws := newWorkspace(t, store, "acme")

	fixedID := domain.NewID()
	j := &domain.Journey{
		WorkspaceID: ws, Name: "Dine in", Description: "From the street to the bill",
		// Deliberately not in alphabetical or id order, one id chosen by the client.
		Stages: []domain.Stage{{Name: "Pay"}, {ID: fixedID, Name: "Arrive"}, {Name: "Order"}, {Name: "Discover"}},
	}
	if err := j.Validate(); err != nil {
		t.Fatal(err)
	}
	wantStages := slices.Clone(j.Stages)
	if err := store.CreateJourney(ctx, j); err != nil {
		t.Fatalf("CreateJourney: %v", err)
	}
	if !domain.IsID(j.ID) || j.Version != 1 {
		t.Fatalf("after create: id %q version %d, want a UUID and version 1", j.ID, j.Version)
	}
	wantMicroseconds(t, "CreatedAt", j.CreatedAt)
	if !j.UpdatedAt.Equal(j.CreatedAt) {
		t.Fatalf("UpdatedAt %v != CreatedAt %v on create", j.UpdatedAt, j.CreatedAt)
	}
	if !slices.Equal(j.Stages, wantStages) || j.Stages[1].ID != fixedID {
		t.Fatalf("create changed the stages: %+v, want %+v", j.Stages, wantStages)
	}

	got, err := store.GetJourney(ctx, ws, j.ID)
	if err != nil {
		t.Fatalf("GetJourney: %v", err)
	}
	wantJourney(t, "GetJourney after create", got, j)

	list, next, err := store.ListJourneys(ctx, ws, domain.Page{Limit: 10})
	if err != nil || next != nil || len(list) != 1 {
		t.Fatalf("ListJourneys: %d items, cursor %v, err %v; want 1 item, nil cursor", len(list), next, err)
	}
	wantJourney(t, "ListJourneys item", &list[0], j)

	_, err = store.GetJourney(ctx, ws, domain.NewID())
	wantCode(t, "GetJourney unknown id", err, domain.ENotFound)
}

func TestJourneyListPagination(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	store := newStore(t)
	ws := newWorkspace(t, store, "acme")
	other := newWorkspace(t, store, "other")
	createJourney(t, store, other, "Not mine", "Only")

	var want []string
	for i := range 7 {
		j := createJourney(t, store, ws, fmt.Sprintf("Journey %d", i), "A", "B")
		want = append(want, j.ID)
	}
	idOf := func(j domain.Journey) string { return j.ID }
	list := func(p domain.Page) ([]domain.Journey, *domain.Cursor, error) { return store.ListJourneys(ctx, ws, p) }

	for _, limit := range []int{1, 3, 7, 8, 100} {
		t.Run(fmt.Sprintf("limit %d", limit), func(t *testing.T) {
			all := pageAll(t, limit, list, idOf)
			if got := mapSlice(all, idOf); !slices.Equal(got, want) {
				t.Fatalf("ids in pages %v, want creation order %v", got, want)
			}
			for _, j := range all {
				if len(j.Stages) != 2 || j.Stages[0].Name != "A" || j.Stages[1].Name != "B" {
					t.Fatalf("journey %s listed with stages %+v", j.ID, j.Stages)
				}
			}
		})
	}

	t.Run("pages of three", func(t *testing.T) {
		var sizes []int
		page := domain.Page{Limit: 3}
		for {
			items, next, err := store.ListJourneys(ctx, ws, page)
			if err != nil {
				t.Fatal(err)
			}
			sizes = append(sizes, len(items))
			if next == nil {
				break
			}
			page.After = next
		}
		if !slices.Equal(sizes, []int{3, 3, 1}) {
			t.Fatalf("page sizes %v, want [3 3 1]", sizes)
		}
	})

	t.Run("equal created_at falls back to id order", func(t *testing.T) {
		if _, err := store.SQL().ExecContext(ctx, "UPDATE journeys SET created_at = '2024-01-02T03:04:05.123456Z' WHERE workspace_id = $1", ws); err != nil {
			t.Fatal(err)
		}
		byID := slices.Clone(want)
		slices.Sort(byID) // canonical lower-case UUIDs sort like PostgreSQL's uuid
		all := pageAll(t, 3, list, idOf)
		if got := mapSlice(all, idOf); !slices.Equal(got, byID) {
			t.Fatalf("ids in pages %v, want id order %v", got, byID)
		}
	})

	t.Run("empty workspace", func(t *testing.T) {
		empty := newWorkspace(t, store, "empty")
		items, next, err := store.ListJourneys(ctx, empty, domain.Page{Limit: 3})
		if err != nil || len(items) != 0 || next != nil {
			t.Fatalf("ListJourneys on an empty workspace: %v, %v, %v", items, next, err)
		}
	})
}

func TestUpdateJourney(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	store := newStore(t)
	ws := newWorkspace(t, store, "acme")

	newStageID := domain.NewID()
	tests := []struct {
		name   string
		change func(j *domain.Journey)
		want   func(orig domain.Journey) (name string, stages []domain.Stage)
	}{
		{
			name:   "rename",
			change: func(j *domain.Journey) { j.Name = "Renamed"; j.Description = "new words" },
			want:   func(o domain.Journey) (string, []domain.Stage) { return "Renamed", o.Stages },
		},
		{
			name: "reorder stages",
			change: func(j *domain.Journey) {
				j.Stages = []domain.Stage{j.Stages[2], j.Stages[0], j.Stages[1]}
			},
			want: func(o domain.Journey) (string, []domain.Stage) {
				return o.Name, []domain.Stage{o.Stages[2], o.Stages[0], o.Stages[1]}
			},
		},
		{
			name: "rename a stage",
			change: func(j *domain.Journey) {
				j.Stages[1].Name = "Arrive early"
			},
			want: func(o domain.Journey) (string, []domain.Stage) {
				st := slices.Clone(o.Stages)
				st[1].Name = "Arrive early"
				return o.Name, st
			},
		},
		{
			name: "add stage in the middle",
			change: func(j *domain.Journey) {
				j.Stages = slices.Insert(j.Stages, 1, domain.Stage{ID: newStageID, Name: "Wait"})
			},
			want: func(o domain.Journey) (string, []domain.Stage) {
				return o.Name, slices.Insert(slices.Clone(o.Stages), 1, domain.Stage{ID: newStageID, Name: "Wait"})
			},
		},
		{
			name: "remove an unused stage",
			change: func(j *domain.Journey) {
				j.Stages = slices.Delete(j.Stages, 1, 2)
			},
			want: func(o domain.Journey) (string, []domain.Stage) {
				return o.Name, slices.Delete(slices.Clone(o.Stages), 1, 2)
			},
		},
		{
			name: "replace the unused stages, move the used one last",
			change: func(j *domain.Journey) {
				j.Stages = []domain.Stage{{ID: newStageID, Name: "New"}, j.Stages[0]}
			},
			want: func(o domain.Journey) (string, []domain.Stage) {
				return o.Name, []domain.Stage{{ID: newStageID, Name: "New"}, o.Stages[0]}
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			orig := createJourney(t, store, ws, "Dine in", "Discover", "Arrive", "Order")
			// A touchpoint on a kept stage must not stop the update.
			createTouchpoint(t, store, orig, 0, tp{name: "Billboard"})

			got, err := store.UpdateJourney(ctx, ws, orig.ID, 1, func(j *domain.Journey) error {
				tc.change(j)
				return j.Validate()
			})
			if err != nil {
				t.Fatalf("UpdateJourney: %v", err)
			}
			wantName, wantStages := tc.want(*orig)
			if got.Name != wantName || !slices.Equal(got.Stages, wantStages) {
				t.Fatalf("returned name %q stages %+v, want %q %+v", got.Name, got.Stages, wantName, wantStages)
			}
			if got.Version != 2 || !got.CreatedAt.Equal(orig.CreatedAt) || got.UpdatedAt.Before(orig.UpdatedAt) {
				t.Fatalf("returned version %d created %v updated %v; want 2, %v, not before %v",
					got.Version, got.CreatedAt, got.UpdatedAt, orig.CreatedAt, orig.UpdatedAt)
			}
			wantMicroseconds(t, "UpdatedAt", got.UpdatedAt)
			stored, err := store.GetJourney(ctx, ws, orig.ID)
			if err != nil {
				t.Fatal(err)
			}
			wantJourney(t, "GetJourney after update", stored, got)
		})
	}

	t.Run("versions count updates", func(t *testing.T) {
		j := createJourney(t, store, ws, "Counted", "A")
		for v := 1; v <= 3; v++ {
			got, err := store.UpdateJourney(ctx, ws, j.ID, v, func(j *domain.Journey) error { return nil })
			if err != nil {
				t.Fatalf("update at version %d: %v", v, err)
			}
			if got.Version != v+1 {
				t.Fatalf("version %d after update at %d", got.Version, v)
			}
		}
	})
}

func TestUpdateJourneyFailuresChangeNothing(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	store := newStore(t)
	ws := newWorkspace(t, store, "acme")

	errChange := domain.Errorf(domain.EInvalid, "refused by the change function")
	tests := []struct {
		name    string
		version int
		change  func(j *domain.Journey) error
		code    domain.ErrorCode
		sameErr error // if set, the very error expected back
	}{
		{
			name:    "stale version",
			version: 2,
			change:  func(j *domain.Journey) error { j.Name = "Renamed"; return nil },
			code:    domain.EPreconditionFailed,
		},
		{
			name:    "version zero",
			version: 0,
			change:  func(j *domain.Journey) error { j.Name = "Renamed"; return nil },
			code:    domain.EPreconditionFailed,
		},
		{
			name:    "removing a stage that has touchpoints, with a rename",
			version: 1,
			change: func(j *domain.Journey) error {
				j.Name = "Renamed"
				j.Stages = j.Stages[1:] // stage 0 holds the touchpoint
				return j.Validate()
			},
			code: domain.EConflict,
		},
		{
			name:    "change returns an error",
			version: 1,
			change: func(j *domain.Journey) error {
				j.Name = "Renamed"
				j.Stages = j.Stages[:1]
				return errChange
			},
			code:    domain.EInvalid,
			sameErr: errChange,
		},
		{
			name:    "change returns a plain error",
			version: 1,
			change: func(j *domain.Journey) error {
				j.Name = "Renamed"
				return errPlain
			},
			code:    domain.EInternal,
			sameErr: errPlain,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			orig := createJourney(t, store, ws, "Dine in", "Discover", "Arrive", "Order")
			createTouchpoint(t, store, orig, 0, tp{name: "Billboard"})

			got, err := store.UpdateJourney(ctx, ws, orig.ID, tc.version, tc.change)
			wantCode(t, "UpdateJourney", err, tc.code)
			if got != nil {
				t.Fatalf("UpdateJourney returned %+v with its error", got)
			}
			if tc.sameErr != nil && !errors.Is(err, tc.sameErr) {
				t.Fatalf("UpdateJourney error %v, want the change function's error %v", err, tc.sameErr)
			}
			stored, err := store.GetJourney(ctx, ws, orig.ID)
			if err != nil {
				t.Fatal(err)
			}
			wantJourney(t, "journey after the failed update", stored, orig)
		})
	}

	t.Run("unknown id", func(t *testing.T) {
		called := false
		_, err := store.UpdateJourney(ctx, ws, domain.NewID(), 1, func(*domain.Journey) error { called = true; return nil })
		wantCode(t, "UpdateJourney unknown id", err, domain.ENotFound)
		if called {
			t.Fatal("change was called for a missing journey")
		}
	})
}

var errPlain = errors.New("plain error from change")

func TestDeleteJourney(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	store := newStore(t)
	ws := newWorkspace(t, store, "acme")

	t.Run("with touchpoints", func(t *testing.T) {
		j := createJourney(t, store, ws, "Busy", "A", "B")
		tpt := createTouchpoint(t, store, j, 1, tp{name: "Counter"})
		wantCode(t, "DeleteJourney with touchpoints", store.DeleteJourney(ctx, ws, j.ID, 1), domain.EConflict)
		stored, err := store.GetJourney(ctx, ws, j.ID)
		if err != nil {
			t.Fatal(err)
		}
		wantJourney(t, "journey after refused delete", stored, j)
		if _, err := store.GetTouchpoint(ctx, ws, tpt.ID); err != nil {
			t.Fatalf("touchpoint after refused delete: %v", err)
		}

		// Once its touchpoints are gone, the journey can go.
		if err := store.DeleteTouchpoint(ctx, ws, tpt.ID, 1); err != nil {
			t.Fatal(err)
		}
		if err := store.DeleteJourney(ctx, ws, j.ID, 1); err != nil {
			t.Fatalf("DeleteJourney after its touchpoints went: %v", err)
		}
	})

	t.Run("without touchpoints", func(t *testing.T) {
		j := createJourney(t, store, ws, "Quiet", "A", "B")
		if err := store.DeleteJourney(ctx, ws, j.ID, 1); err != nil {
			t.Fatalf("DeleteJourney: %v", err)
		}
		_, err := store.GetJourney(ctx, ws, j.ID)
		wantCode(t, "GetJourney after delete", err, domain.ENotFound)
		wantCode(t, "DeleteJourney twice", store.DeleteJourney(ctx, ws, j.ID, 1), domain.ENotFound)
		var stages int
		if err := store.SQL().QueryRowContext(ctx, "SELECT count(*) FROM journey_stages WHERE journey_id = $1", j.ID).Scan(&stages); err != nil {
			t.Fatal(err)
		}
		if stages != 0 {
			t.Fatalf("%d stages left behind by the deleted journey", stages)
		}
	})

	t.Run("stale version", func(t *testing.T) {
		j := createJourney(t, store, ws, "Edited", "A")
		if _, err := store.UpdateJourney(ctx, ws, j.ID, 1, func(j *domain.Journey) error { j.Name = "Edited twice"; return nil }); err != nil {
			t.Fatal(err)
		}
		wantCode(t, "DeleteJourney at version 1", store.DeleteJourney(ctx, ws, j.ID, 1), domain.EPreconditionFailed)
		if _, err := store.GetJourney(ctx, ws, j.ID); err != nil {
			t.Fatalf("journey after refused delete: %v", err)
		}
		if err := store.DeleteJourney(ctx, ws, j.ID, 2); err != nil {
			t.Fatalf("DeleteJourney at version 2: %v", err)
		}
	})

	t.Run("unknown id", func(t *testing.T) {
		wantCode(t, "DeleteJourney unknown id", store.DeleteJourney(ctx, ws, domain.NewID(), 1), domain.ENotFound)
	})
}

func mapSlice[T, U any](in []T, f func(T) U) []U {
	out := make([]U, len(in))
	for i, v := range in {
		out[i] = f(v)
	}
	return out
}

// TestConcurrentUpdatesAtOneVersion: of several writers holding the same
// version, exactly one wins; the others get EPreconditionFailed.
func TestConcurrentUpdatesAtOneVersion(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	store := newStore(t)
	ws := newWorkspace(t, store, "acme")
	j := createJourney(t, store, ws, "Contended", "A", "B")
	tpt := createTouchpoint(t, store, j, 0, tp{name: "Contended"})

	const n = 6
	run := func(t *testing.T, update func(i int) error) {
		t.Helper()
		errs := make(chan error, n)
		start := make(chan struct{})
		for i := range n {
			go func() { <-start; errs <- update(i) }()
		}
		close(start)
		won := 0
		for range n {
			switch err := <-errs; domain.ErrorCodeOf(err) {
			case "":
				won++
			case domain.EPreconditionFailed:
			default:
				t.Fatalf("concurrent update: %v", err)
			}
		}
		if won != 1 {
			t.Fatalf("%d concurrent updates at one version succeeded, want 1", won)
		}
	}

	t.Run("journeys", func(t *testing.T) {
		run(t, func(i int) error {
			_, err := store.UpdateJourney(ctx, ws, j.ID, 1, func(j *domain.Journey) error {
				j.Name = fmt.Sprintf("Writer %d", i)
				return j.Validate()
			})
			return err
		})
		got, err := store.GetJourney(ctx, ws, j.ID)
		if err != nil || got.Version != 2 {
			t.Fatalf("journey after the race: %+v, %v", got, err)
		}
	})
	t.Run("touchpoints", func(t *testing.T) {
		run(t, func(i int) error {
			_, err := store.UpdateTouchpoint(ctx, ws, tpt.ID, 1, func(tp *domain.Touchpoint) error {
				tp.Name = fmt.Sprintf("Writer %d", i)
				return tp.Validate()
			})
			return err
		})
		got, err := store.GetTouchpoint(ctx, ws, tpt.ID)
		if err != nil || got.Version != 2 {
			t.Fatalf("touchpoint after the race: %+v, %v", got, err)
		}
	})
}
