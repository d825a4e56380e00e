package repository_test

import (
	"context"
	"testing"

	"cxbacklog/domain"
)

func TestWorkspaceIsolation(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	store := newStore(t)
	wsA := newWorkspace(t, store, "team-a")
	wsB := newWorkspace(t, store, "team-b")

	jA := createJourney(t, store, wsA, "A's journey", "One", "Two")
	tpA := createTouchpoint(t, store, jA, 0, tp{name: "A's touchpoint", owner: "Team A"})
	jB := createJourney(t, store, wsB, "B's journey", "Uno", "Dos")

	t.Run("journey of A from B", func(t *testing.T) {
		_, err := store.GetJourney(ctx, wsB, jA.ID)
		wantCode(t, "GetJourney", err, domain.ENotFound)
		called := false
		_, err = store.UpdateJourney(ctx, wsB, jA.ID, 1, func(j *domain.Journey) error { called = true; j.Name = "Hijacked"; return nil })
		wantCode(t, "UpdateJourney", err, domain.ENotFound)
		if called {
			t.Fatal("UpdateJourney called change on another workspace's journey")
		}
		wantCode(t, "DeleteJourney", store.DeleteJourney(ctx, wsB, jA.ID, 1), domain.ENotFound)

		list, _, err := store.ListJourneys(ctx, wsB, domain.Page{Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		if len(list) != 1 || list[0].ID != jB.ID {
			t.Fatalf("B lists journeys %+v, want only its own %s", list, jB.ID)
		}
		stored, err := store.GetJourney(ctx, wsA, jA.ID)
		if err != nil {
			t.Fatal(err)
		}
		wantJourney(t, "A's journey after B's attempts", stored, jA)
	})

	t.Run("touchpoint of A from B", func(t *testing.T) {
		_, err := store.GetTouchpoint(ctx, wsB, tpA.ID)
		wantCode(t, "GetTouchpoint", err, domain.ENotFound)
		called := false
		_, err = store.UpdateTouchpoint(ctx, wsB, tpA.ID, 1, func(tp *domain.Touchpoint) error { called = true; tp.Name = "Hijacked"; return nil })
		wantCode(t, "UpdateTouchpoint", err, domain.ENotFound)
		if called {
			t.Fatal("UpdateTouchpoint called change on another workspace's touchpoint")
		}
		wantCode(t, "DeleteTouchpoint", store.DeleteTouchpoint(ctx, wsB, tpA.ID, 1), domain.ENotFound)

		filters := map[string]domain.TouchpointFilter{
			"no filter":         {},
			"A's journey id":    {JourneyIDs: []string{jA.ID}},
			"A's stage id":      {StageIDs: []string{jA.Stages[0].ID}},
			"A's owner":         {Owners: []string{"Team A"}},
			"A's name as query": {Query: ptr("touchpoint")},
		}
		for name, f := range filters {
			list, next, err := store.ListTouchpoints(ctx, wsB, f, domain.Page{Limit: 100})
			if err != nil || len(list) != 0 || next != nil {
				t.Fatalf("B lists touchpoints with %s: %+v, %v, %v; want none", name, list, next, err)
			}
		}
		stored, err := store.GetTouchpoint(ctx, wsA, tpA.ID)
		if err != nil {
			t.Fatal(err)
		}
		wantTouchpoint(t, "A's touchpoint after B's attempts", stored, tpA)
	})

	t.Run("creating touchpoints across boundaries", func(t *testing.T) {
		jA2 := createJourney(t, store, wsA, "A's other journey", "Elsewhere")
		tests := []struct {
			name             string
			ws, journey, stg string
			pointer          string
		}{
			{"in B with A's journey and stage", wsB, jA.ID, jA.Stages[0].ID, "/journey_id"},
			{"in B with A's journey and B's stage", wsB, jA.ID, jB.Stages[0].ID, "/journey_id"},
			{"in B with an unknown journey", wsB, domain.NewID(), jB.Stages[0].ID, "/journey_id"},
			{"in A with a stage of another journey", wsA, jA.ID, jA2.Stages[0].ID, "/stage_id"},
			{"in B with a stage of A's journey", wsB, jB.ID, jA.Stages[0].ID, "/stage_id"},
			{"in A with an unknown stage", wsA, jA.ID, domain.NewID(), "/stage_id"},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				in := &domain.Touchpoint{WorkspaceID: tc.ws, JourneyID: tc.journey, StageID: tc.stg, Name: "Sneaky", Channel: domain.ChannelEmail}
				if err := in.Validate(); err != nil {
					t.Fatal(err)
				}
				wantField(t, "CreateTouchpoint", store.CreateTouchpoint(ctx, in), tc.pointer)
			})
		}
		for _, ws := range []string{wsA, wsB} {
			list, _, err := store.ListTouchpoints(ctx, ws, domain.TouchpointFilter{Query: ptr("Sneaky")}, domain.Page{Limit: 100})
			if err != nil || len(list) != 0 {
				t.Fatalf("refused touchpoints were stored in %s: %+v, %v", ws, list, err)
			}
		}
	})

	t.Run("moving a touchpoint to another workspace's journey", func(t *testing.T) {
		tpt := createTouchpoint(t, store, jB, 0, tp{name: "Mover"})
		_, err := store.UpdateTouchpoint(ctx, wsB, tpt.ID, 1, func(tp *domain.Touchpoint) error {
			tp.JourneyID, tp.StageID = jA.ID, jA.Stages[1].ID
			return tp.Validate()
		})
		wantField(t, "UpdateTouchpoint to A's journey", err, "/journey_id")
		stored, err := store.GetTouchpoint(ctx, wsB, tpt.ID)
		if err != nil {
			t.Fatal(err)
		}
		wantTouchpoint(t, "touchpoint after refused move", stored, tpt)
	})
}
