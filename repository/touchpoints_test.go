package repository_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"

	"cxbacklog/domain"
)

func TestTouchpointCRUD(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	store := newStore(t)
	ws := newWorkspace(t, store, "acme")
	j := createJourney(t, store, ws, "Dine in", "Arrive", "Order", "Pay")

	created := createTouchpoint(t, store, j, 1, tp{name: "Menu", description: "Printed menu", owner: "Kitchen", channel: domain.ChannelInPerson})
	if !domain.IsID(created.ID) || created.Version != 1 || !created.UpdatedAt.Equal(created.CreatedAt) {
		t.Fatalf("after create: %+v", created)
	}
	wantMicroseconds(t, "CreatedAt", created.CreatedAt)

	got, err := store.GetTouchpoint(ctx, ws, created.ID)
	if err != nil {
		t.Fatalf("GetTouchpoint: %v", err)
	}
	wantTouchpoint(t, "GetTouchpoint after create", got, created)

	// Each update bumps the version by exactly one.
	current := created
	edits := []func(*domain.Touchpoint){
		func(tp *domain.Touchpoint) { tp.Name = "Digital menu" },
		func(tp *domain.Touchpoint) { tp.Channel, tp.Owner = domain.ChannelMobileApp, "Product" },
		func(tp *domain.Touchpoint) { tp.Description = "" },
		func(tp *domain.Touchpoint) { tp.StageID = j.Stages[2].ID },
	}
	for i, edit := range edits {
		want := *current
		edit(&want)
		updated, err := store.UpdateTouchpoint(ctx, ws, current.ID, current.Version, func(tp *domain.Touchpoint) error {
			edit(tp)
			return tp.Validate()
		})
		if err != nil {
			t.Fatalf("update %d: %v", i, err)
		}
		if updated.Version != current.Version+1 {
			t.Fatalf("update %d: version %d, want %d", i, updated.Version, current.Version+1)
		}
		if !updated.CreatedAt.Equal(created.CreatedAt) || updated.UpdatedAt.Before(current.UpdatedAt) {
			t.Fatalf("update %d: created %v updated %v", i, updated.CreatedAt, updated.UpdatedAt)
		}
		wantMicroseconds(t, "UpdatedAt", updated.UpdatedAt)
		want.Version, want.UpdatedAt = updated.Version, updated.UpdatedAt
		wantTouchpoint(t, fmt.Sprintf("update %d result", i), updated, &want)
		stored, err := store.GetTouchpoint(ctx, ws, current.ID)
		if err != nil {
			t.Fatal(err)
		}
		wantTouchpoint(t, fmt.Sprintf("GetTouchpoint after update %d", i), stored, updated)
		current = updated
	}

	// Failed updates change nothing.
	_, err = store.UpdateTouchpoint(ctx, ws, current.ID, current.Version-1, func(tp *domain.Touchpoint) error { tp.Name = "Stale"; return nil })
	wantCode(t, "UpdateTouchpoint stale version", err, domain.EPreconditionFailed)
	errChange := errors.New("refused")
	_, err = store.UpdateTouchpoint(ctx, ws, current.ID, current.Version, func(tp *domain.Touchpoint) error { tp.Name = "Refused"; return errChange })
	if !errors.Is(err, errChange) {
		t.Fatalf("UpdateTouchpoint with a failing change: %v, want %v", err, errChange)
	}
	_, err = store.UpdateTouchpoint(ctx, ws, domain.NewID(), 1, func(*domain.Touchpoint) error { return nil })
	wantCode(t, "UpdateTouchpoint unknown id", err, domain.ENotFound)
	stored, err := store.GetTouchpoint(ctx, ws, current.ID)
	if err != nil {
		t.Fatal(err)
	}
	wantTouchpoint(t, "touchpoint after failed updates", stored, current)

	wantCode(t, "DeleteTouchpoint stale version", store.DeleteTouchpoint(ctx, ws, current.ID, 1), domain.EPreconditionFailed)
	if _, err := store.GetTouchpoint(ctx, ws, current.ID); err != nil {
		t.Fatalf("touchpoint after refused delete: %v", err)
	}
	if err := store.DeleteTouchpoint(ctx, ws, current.ID, current.Version); err != nil {
		t.Fatalf("DeleteTouchpoint: %v", err)
	}
	_, err = store.GetTouchpoint(ctx, ws, current.ID)
	wantCode(t, "GetTouchpoint after delete", err, domain.ENotFound)
	wantCode(t, "DeleteTouchpoint twice", store.DeleteTouchpoint(ctx, ws, current.ID, current.Version), domain.ENotFound)
}

func TestTouchpointListFilters(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	store := newStore(t)
	ws := newWorkspace(t, store, "acme")
	dine := createJourney(t, store, ws, "Dine in", "Arrive", "Order", "Pay")
	deliver := createJourney(t, store, ws, "Delivery", "Order", "Receive")

	type spec struct {
		j     *domain.Journey
		stage int
		tp
	}
	specs := []spec{
		{dine, 0, tp{name: "Café sign", description: "Painted over the door", owner: "Marketing", channel: domain.ChannelPhysicalEnvironment}},
		{dine, 1, tp{name: "Menu", description: "Also on the CAFÉ website", owner: "Kitchen", channel: domain.ChannelInPerson}},
		{dine, 1, tp{name: "Order app", description: "Scan the QR code", owner: "Product", channel: domain.ChannelMobileApp}},
		{dine, 2, tp{name: "Card terminal", description: "Takes 50% deposits", owner: "Finance", channel: domain.ChannelInPerson}},
		{dine, 2, tp{name: "Receipt", description: "Lists 500 items at most", owner: "finance", channel: domain.ChannelEmail}},
		{deliver, 0, tp{name: "Web shop", description: "order_id shown on top", owner: "Product", channel: domain.ChannelWeb}},
		{deliver, 0, tp{name: "Phone line", description: "orderXid is read aloud", owner: "Support", channel: domain.ChannelPhone}},
		{deliver, 1, tp{name: "Courier", description: `Signs at C:\door`, owner: "Partner Co", channel: domain.ChannelPartner}},
		{deliver, 1, tp{name: "Tracking mail", description: "Straße und Hausnummer", owner: "Product", channel: domain.ChannelEmail}},
	}
	for _, s := range specs {
		createTouchpoint(t, store, s.j, s.stage, s.tp)
	}
	// Noise in another workspace that matches every filter value by name.
	other := newWorkspace(t, store, "other")
	otherJ := createJourney(t, store, other, "Dine in", "Arrive")
	createTouchpoint(t, store, otherJ, 0, tp{name: "Café sign 50% Menu", owner: "Product", channel: domain.ChannelInPerson})

	tests := []struct {
		name   string
		filter domain.TouchpointFilter
		want   []string
	}{
		{"none", domain.TouchpointFilter{}, mapSlice(specs, func(s spec) string { return s.name })},
		{"journey", domain.TouchpointFilter{JourneyIDs: []string{deliver.ID}}, []string{"Web shop", "Phone line", "Courier", "Tracking mail"}},
		{"stage", domain.TouchpointFilter{StageIDs: []string{dine.Stages[1].ID}}, []string{"Menu", "Order app"}},
		{"journey and stage", domain.TouchpointFilter{JourneyIDs: []string{dine.ID}, StageIDs: []string{dine.Stages[2].ID}}, []string{"Card terminal", "Receipt"}},
		{"journey and another journey's stage", domain.TouchpointFilter{JourneyIDs: []string{dine.ID}, StageIDs: []string{deliver.Stages[0].ID}}, nil},
		{"unknown stage", domain.TouchpointFilter{StageIDs: []string{domain.NewID()}}, nil},
		{"channel", domain.TouchpointFilter{Channels: []domain.Channel{domain.ChannelInPerson}}, []string{"Menu", "Card terminal"}},
		{"channel unused", domain.TouchpointFilter{Channels: []domain.Channel{domain.ChannelSocial}}, nil},
		{"either channel", domain.TouchpointFilter{Channels: []domain.Channel{domain.ChannelInPerson, domain.ChannelEmail}}, []string{"Menu", "Card terminal", "Receipt", "Tracking mail"}},
		{"either owner", domain.TouchpointFilter{Owners: []string{"Finance", "Product"}}, []string{"Order app", "Card terminal", "Web shop", "Tracking mail"}},
		{"owner is exact", domain.TouchpointFilter{Owners: []string{"Finance"}}, []string{"Card terminal"}},
		{"owner", domain.TouchpointFilter{Owners: []string{"Product"}}, []string{"Order app", "Web shop", "Tracking mail"}},
		{"owner and channel", domain.TouchpointFilter{Owners: []string{"Product"}, Channels: []domain.Channel{domain.ChannelEmail}}, []string{"Tracking mail"}},
		{"query on name, other case", domain.TouchpointFilter{Query: ptr("menu")}, []string{"Menu"}},
		{"query on description", domain.TouchpointFilter{Query: ptr("qr CODE")}, []string{"Order app"}},
		{"query on name or description", domain.TouchpointFilter{Query: ptr("order")}, []string{"Order app", "Web shop", "Phone line"}},
		{"query non-ASCII upper", domain.TouchpointFilter{Query: ptr("CAFÉ")}, []string{"Café sign", "Menu"}},
		{"query non-ASCII lower", domain.TouchpointFilter{Query: ptr("café")}, []string{"Café sign", "Menu"}},
		{"query ß", domain.TouchpointFilter{Query: ptr("STRAßE")}, []string{"Tracking mail"}},
		{"query percent is literal", domain.TouchpointFilter{Query: ptr("50%")}, []string{"Card terminal"}},
		{"query lone percent is literal", domain.TouchpointFilter{Query: ptr("%")}, []string{"Card terminal"}},
		{"query underscore is literal", domain.TouchpointFilter{Query: ptr("order_id")}, []string{"Web shop"}},
		{"query backslash is literal", domain.TouchpointFilter{Query: ptr(`c:\d`)}, []string{"Courier"}},
		{"query no match", domain.TouchpointFilter{Query: ptr("zebra")}, nil},
		{"query and journey", domain.TouchpointFilter{Query: ptr("order"), JourneyIDs: []string{deliver.ID}}, []string{"Web shop", "Phone line"}},
		{"every filter", domain.TouchpointFilter{
			JourneyIDs: []string{dine.ID}, StageIDs: []string{dine.Stages[1].ID}, Channels: []domain.Channel{domain.ChannelMobileApp},
			Owners: []string{"Product"}, Query: ptr("APP"),
		}, []string{"Order app"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			list, next, err := store.ListTouchpoints(ctx, ws, tc.filter, domain.Page{Limit: domain.MaxPageSize})
			if err != nil {
				t.Fatalf("ListTouchpoints: %v", err)
			}
			if next != nil {
				t.Fatalf("cursor %v on the only page", next)
			}
			got := mapSlice(list, func(tp domain.Touchpoint) string { return tp.Name })
			if !slices.Equal(got, tc.want) {
				t.Fatalf("names %q, want %q", got, tc.want)
			}
			for _, tp := range list {
				if tp.WorkspaceID != ws {
					t.Fatalf("listed %s of workspace %s", tp.Name, tp.WorkspaceID)
				}
			}
		})
	}
}

func TestTouchpointListPaginationWithFilters(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	store := newStore(t)
	ws := newWorkspace(t, store, "acme")
	j := createJourney(t, store, ws, "Dine in", "Arrive", "Order")

	var wantWeb, wantAll, wantStage1Web []string
	for i := range 13 {
		ch := domain.ChannelEmail
		if i%3 != 0 {
			ch = domain.ChannelWeb
		}
		tpt := createTouchpoint(t, store, j, i%2, tp{name: fmt.Sprintf("TP %02d", i), channel: ch})
		wantAll = append(wantAll, tpt.ID)
		if ch == domain.ChannelWeb {
			wantWeb = append(wantWeb, tpt.ID)
			if i%2 == 1 {
				wantStage1Web = append(wantStage1Web, tpt.ID)
			}
		}
	}
	idOf := func(tp domain.Touchpoint) string { return tp.ID }
	tests := []struct {
		name   string
		filter domain.TouchpointFilter
		want   []string
	}{
		{"no filter", domain.TouchpointFilter{}, wantAll},
		{"channel", domain.TouchpointFilter{Channels: []domain.Channel{domain.ChannelWeb}}, wantWeb},
		{"channel and stage", domain.TouchpointFilter{Channels: []domain.Channel{domain.ChannelWeb}, StageIDs: []string{j.Stages[1].ID}}, wantStage1Web},
		{"query", domain.TouchpointFilter{Query: ptr("tp ")}, wantAll},
	}
	for _, tc := range tests {
		for _, limit := range []int{1, 2, 3, len(tc.want), len(tc.want) + 1} {
			t.Run(fmt.Sprintf("%s limit %d", tc.name, limit), func(t *testing.T) {
				all := pageAll(t, limit, func(p domain.Page) ([]domain.Touchpoint, *domain.Cursor, error) {
					return store.ListTouchpoints(ctx, ws, tc.filter, p)
				}, idOf)
				if got := mapSlice(all, idOf); !slices.Equal(got, tc.want) {
					t.Fatalf("ids %v, want %v", got, tc.want)
				}
			})
		}
	}
}

func TestUpdateTouchpointStage(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	store := newStore(t)
	ws := newWorkspace(t, store, "acme")
	dine := createJourney(t, store, ws, "Dine in", "Arrive", "Order")
	deliver := createJourney(t, store, ws, "Delivery", "Order", "Receive")
	tpt := createTouchpoint(t, store, dine, 0, tp{name: "Greeter"})

	moved, err := store.UpdateTouchpoint(ctx, ws, tpt.ID, 1, func(tp *domain.Touchpoint) error {
		tp.JourneyID, tp.StageID = deliver.ID, deliver.Stages[1].ID
		return tp.Validate()
	})
	if err != nil {
		t.Fatalf("move to another journey's stage: %v", err)
	}
	if moved.JourneyID != deliver.ID || moved.StageID != deliver.Stages[1].ID || moved.Version != 2 {
		t.Fatalf("moved touchpoint: %+v", moved)
	}
	stored, err := store.GetTouchpoint(ctx, ws, tpt.ID)
	if err != nil {
		t.Fatal(err)
	}
	wantTouchpoint(t, "after move", stored, moved)
	// The old journey is now free to lose its stage, the new one is not.
	if _, err := store.UpdateJourney(ctx, ws, dine.ID, 1, func(j *domain.Journey) error { j.Stages = j.Stages[1:]; return j.Validate() }); err != nil {
		t.Fatalf("remove the stage the touchpoint left: %v", err)
	}
	_, err = store.UpdateJourney(ctx, ws, deliver.ID, 1, func(j *domain.Journey) error { j.Stages = j.Stages[:1]; return j.Validate() })
	wantCode(t, "remove the stage the touchpoint moved to", err, domain.EConflict)

	tests := []struct {
		name   string
		change func(tp *domain.Touchpoint)
	}{
		{"stage of another journey", func(tp *domain.Touchpoint) { tp.StageID = dine.Stages[1].ID }},
		{"unknown stage", func(tp *domain.Touchpoint) { tp.StageID = domain.NewID() }},
		{"other journey, old stage", func(tp *domain.Touchpoint) { tp.JourneyID = dine.ID }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := store.UpdateTouchpoint(ctx, ws, tpt.ID, moved.Version, func(tp *domain.Touchpoint) error {
				tp.Name = "Renamed"
				tc.change(tp)
				return tp.Validate()
			})
			wantField(t, "UpdateTouchpoint", err, "/stage_id")
			stored, err := store.GetTouchpoint(ctx, ws, tpt.ID)
			if err != nil {
				t.Fatal(err)
			}
			wantTouchpoint(t, "after refused move", stored, moved)
		})
	}
}
