package repository_test

import (
	"context"
	"errors"
	"reflect"
	"testing"
	"time"

	"cxbacklog/domain"
	"cxbacklog/repository"
)

// claim runs ClaimIdempotencyKey in a transaction of its own.
func claim(t *testing.T, store *repository.Store, wsID, key string) (*domain.IdempotentResponse, error) {
	t.Helper()
	var resp *domain.IdempotentResponse
	err := store.InTx(context.Background(), func(ctx context.Context) error {
		var err error
		resp, err = store.ClaimIdempotencyKey(ctx, wsID, key)
		return err
	})
	return resp, err
}

// saveIdempotent claims key and saves r for it in one transaction.
func saveIdempotent(t *testing.T, store *repository.Store, wsID, key string, r *domain.IdempotentResponse) {
	t.Helper()
	err := store.InTx(context.Background(), func(ctx context.Context) error {
		if _, err := store.ClaimIdempotencyKey(ctx, wsID, key); err != nil {
			return err
		}
		return store.SaveIdempotencyKey(ctx, wsID, key, r)
	})
	if err != nil {
		t.Fatalf("save idempotency key %q: %v", key, err)
	}
}

func sampleResponse(body string) *domain.IdempotentResponse {
	return &domain.IdempotentResponse{
		RequestHash: []byte{0x01, 0x02, 0xfe, 0xff},
		Status:      201,
		Headers:     map[string]string{"Location": "/api/v1/journeys/x", "Etag": `"1"`, "Content-Type": "application/json"},
		Body:        []byte(body),
	}
}

func TestIdempotencyClaimAndSave(t *testing.T) {
	t.Parallel()
	store := newStore(t)
	ws := newWorkspace(t, store, "acme")
	other := newWorkspace(t, store, "other")

	resp, err := claim(t, store, ws, "new-key")
	if err != nil || resp != nil {
		t.Fatalf("claim of a new key: %+v, %v; want nil, nil", resp, err)
	}

	want := sampleResponse(`{"id":"x","name":"Dine in ☕"}`)
	saveIdempotent(t, store, ws, "k1", want)
	got, err := claim(t, store, ws, "k1")
	if err != nil {
		t.Fatalf("claim of a saved key: %v", err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("claim of a saved key = %+v, want %+v", got, want)
	}

	// Keys are per workspace.
	if resp, err := claim(t, store, other, "k1"); err != nil || resp != nil {
		t.Fatalf("claim of the same key in another workspace: %+v, %v; want nil, nil", resp, err)
	}

	// Empty headers and body survive too.
	empty := &domain.IdempotentResponse{RequestHash: []byte{9}, Status: 204, Headers: map[string]string{}, Body: []byte{}}
	saveIdempotent(t, store, ws, "empty", empty)
	if got, err := claim(t, store, ws, "empty"); err != nil || got.Status != 204 || len(got.Headers) != 0 || len(got.Body) != 0 || !reflect.DeepEqual(got.RequestHash, []byte{9}) {
		t.Fatalf("claim of an empty response: %+v, %v", got, err)
	}
}

func TestIdempotencyKeyInFlight(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	store := newStore(t)
	ws := newWorkspace(t, store, "acme")
	other := newWorkspace(t, store, "other")

	claimed := make(chan error, 1)
	release := make(chan struct{})
	done := make(chan error, 1)
	errRollback := domain.Errorf(domain.EInternal, "roll back on purpose")
	go func() {
		done <- store.InTx(ctx, func(ctx context.Context) error {
			if _, err := store.ClaimIdempotencyKey(ctx, ws, "busy"); err != nil {
				claimed <- err
				return err
			}
			if err := store.SaveIdempotencyKey(ctx, ws, "busy", sampleResponse("first")); err != nil {
				claimed <- err
				return err
			}
			claimed <- nil
			<-release
			return errRollback
		})
	}()
	released := false
	defer func() {
		if !released {
			close(release)
			<-done
		}
	}()
	if err := <-claimed; err != nil {
		t.Fatalf("first claim: %v", err)
	}

	resp, err := claim(t, store, ws, "busy")
	wantCode(t, "claim while another transaction holds the key", err, domain.EConflict)
	if resp != nil {
		t.Fatalf("claim in conflict returned %+v", resp)
	}
	if resp, err := claim(t, store, ws, "idle"); err != nil || resp != nil {
		t.Fatalf("claim of another key meanwhile: %+v, %v", resp, err)
	}
	if resp, err := claim(t, store, other, "busy"); err != nil || resp != nil {
		t.Fatalf("claim of the same key in another workspace meanwhile: %+v, %v", resp, err)
	}

	close(release)
	released = true
	if err := <-done; !errors.Is(err, errRollback) {
		t.Fatalf("holding transaction returned %v, want %v", err, errRollback)
	}
	resp, err = claim(t, store, ws, "busy")
	if err != nil || resp != nil {
		t.Fatalf("claim after the holder rolled back: %+v, %v; want a free, unsaved key", resp, err)
	}
}

func TestIdempotencyTTL(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	store := newStore(t)
	ws := newWorkspace(t, store, "acme")

	age := func(t *testing.T, key string, d time.Duration) {
		t.Helper()
		_, err := store.SQL().ExecContext(ctx, "UPDATE idempotency_keys SET created_at = created_at - make_interval(secs => $1) WHERE workspace_id = $2 AND key = $3",
			d.Seconds(), ws, key)
		if err != nil {
			t.Fatal(err)
		}
	}

	saveIdempotent(t, store, ws, "young", sampleResponse("young"))
	age(t, "young", 23*time.Hour)
	if got, err := claim(t, store, ws, "young"); err != nil || got == nil || string(got.Body) != "young" {
		t.Fatalf("claim of a 23 h old entry: %+v, %v; want it replayed", got, err)
	}

	saveIdempotent(t, store, ws, "old", sampleResponse("old"))
	age(t, "old", domain.IdempotencyTTL+time.Minute)
	if got, err := claim(t, store, ws, "old"); err != nil || got != nil {
		t.Fatalf("claim of an expired entry: %+v, %v; want nil, nil", got, err)
	}

	// An expired entry is replaced by the next save.
	saveIdempotent(t, store, ws, "old", sampleResponse("new"))
	if got, err := claim(t, store, ws, "old"); err != nil || got == nil || string(got.Body) != "new" {
		t.Fatalf("claim after replacing an expired entry: %+v, %v", got, err)
	}
}

func TestInTx(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	store := newStore(t)
	ws := newWorkspace(t, store, "acme")
	newJourney := func() *domain.Journey {
		j := &domain.Journey{WorkspaceID: ws, Name: "In a transaction", Stages: []domain.Stage{{Name: "A"}}}
		if err := j.Validate(); err != nil {
			t.Fatal(err)
		}
		return j
	}

	t.Run("error rolls back", func(t *testing.T) {
		errFn := errors.New("fn failed")
		j := newJourney()
		var tpID string
		err := store.InTx(ctx, func(ctx context.Context) error {
			if err := store.CreateJourney(ctx, j); err != nil {
				return err
			}
			// Visible inside the transaction, usable by a touchpoint.
			if _, err := store.GetJourney(ctx, ws, j.ID); err != nil {
				return err
			}
			tpt := &domain.Touchpoint{WorkspaceID: ws, JourneyID: j.ID, StageID: j.Stages[0].ID, Name: "Inside", Channel: domain.ChannelWeb}
			if err := store.CreateTouchpoint(ctx, tpt); err != nil {
				return err
			}
			tpID = tpt.ID
			return errFn
		})
		if !errors.Is(err, errFn) {
			t.Fatalf("InTx returned %v, want %v", err, errFn)
		}
		_, err = store.GetJourney(ctx, ws, j.ID)
		wantCode(t, "GetJourney after rollback", err, domain.ENotFound)
		_, err = store.GetTouchpoint(ctx, ws, tpID)
		wantCode(t, "GetTouchpoint after rollback", err, domain.ENotFound)
	})

	t.Run("nil commits", func(t *testing.T) {
		j := newJourney()
		if err := store.InTx(ctx, func(ctx context.Context) error { return store.CreateJourney(ctx, j) }); err != nil {
			t.Fatal(err)
		}
		if _, err := store.GetJourney(ctx, ws, j.ID); err != nil {
			t.Fatalf("GetJourney after commit: %v", err)
		}
	})

	t.Run("a nested error rolls back the outer transaction", func(t *testing.T) {
		outer, inner := newJourney(), newJourney()
		errInner := domain.Errorf(domain.EConflict, "inner failed")
		err := store.InTx(ctx, func(ctx context.Context) error {
			if err := store.CreateJourney(ctx, outer); err != nil {
				return err
			}
			return store.InTx(ctx, func(ctx context.Context) error {
				if err := store.CreateJourney(ctx, inner); err != nil {
					return err
				}
				return errInner
			})
		})
		if !errors.Is(err, errInner) {
			t.Fatalf("InTx returned %v, want %v", err, errInner)
		}
		for _, j := range []*domain.Journey{outer, inner} {
			_, err := store.GetJourney(ctx, ws, j.ID)
			wantCode(t, "GetJourney after nested rollback", err, domain.ENotFound)
		}
	})

	t.Run("a failed store call inside rolls back earlier writes", func(t *testing.T) {
		j := newJourney()
		err := store.InTx(ctx, func(ctx context.Context) error {
			if err := store.CreateJourney(ctx, j); err != nil {
				return err
			}
			// Removing nothing at a stale version fails; InTx must not commit the journey.
			return store.DeleteJourney(ctx, ws, j.ID, 7)
		})
		wantCode(t, "InTx", err, domain.EPreconditionFailed)
		_, err = store.GetJourney(ctx, ws, j.ID)
		wantCode(t, "GetJourney after rollback", err, domain.ENotFound)
	})
}
