package repository_test

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"testing"

	"cxbacklog/domain"
)

// CreateIdeas stores what CreateIdea stores for each idea, in the order
// given; a touchpoint not in the workspace refuses the batch, naming the
// idea by its position, and nothing is stored.
func TestCreateIdeas(t *testing.T) {
	t.Parallel()
	store := newStore(t)
	ctx := context.Background()
	ws := newWorkspace(t, store, "acme")
	j := createJourney(t, store, ws, "Support", "Call")
	queue, chat := createTouchpoint(t, store, j, 0, tp{name: "Queue"}), createTouchpoint(t, store, j, 0, tp{name: "Chat"})
	other := createTouchpoint(t, store, createJourney(t, store, newWorkspace(t, store, "other"), "Elsewhere", "S"), 0, tp{name: "Theirs"})
	batch := func(tps ...[]string) []domain.Idea {
		ideas := make([]domain.Idea, len(tps))
		for n := range tps {
			ideas[n] = domain.Idea{WorkspaceID: ws, Title: "Idea " + strconv.Itoa(n), TouchpointIDs: tps[n], Impact: 3, Experience: 3,
				Effort: 2, Confidence: 0.5, Tags: []string{}, Status: domain.StatusNew}
			if err := ideas[n].Validate(); err != nil {
				t.Fatal(err)
			}
		}
		return ideas
	}
	count := func(table string) int {
		var n int
		if err := store.SQL().QueryRowContext(ctx, "SELECT count(*) FROM "+table+" WHERE workspace_id = $1", ws).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}

	err := store.CreateIdeas(ctx, batch([]string{queue.ID}, []string{chat.ID, other.ID}, []string{chat.ID}), "importer")
	var de *domain.Error
	if !errors.As(err, &de) || de.Code != domain.EInvalid || len(de.Fields) != 1 || de.Fields[0].Line != 2 || de.Fields[0].Pointer != "/touchpoint_ids/1" {
		t.Fatalf("a touchpoint of another workspace: %v (%+v)", err, de)
	}
	if n := count("ideas") + count("idea_history") + count("events"); n != 0 {
		t.Fatalf("a refused batch stored %d rows", n)
	}

	ideas := batch([]string{queue.ID}, []string{chat.ID, queue.ID}, []string{chat.ID})
	if err := store.CreateIdeas(ctx, ideas, "importer"); err != nil {
		t.Fatal(err)
	}
	// Equal priorities: the batch's order is the rank's.
	list, _, err := store.ListIdeas(ctx, ws, domain.IdeaFilter{}, nil, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 3 {
		t.Fatalf("%d ideas listed", len(list))
	}
	for n, got := range list {
		want := ideas[n]
		if got.ID != want.ID || got.Title != want.Title || !slices.Equal(got.TouchpointIDs, want.TouchpointIDs) || got.Version != 1 ||
			got.Score != want.Score || want.Score.Priority != 15 || !got.CreatedAt.Equal(want.CreatedAt) {
			t.Errorf("idea %d: %+v, want %+v", n, got, want)
		}
		wantMicroseconds(t, "created_at", got.CreatedAt)
		history, _, err := store.IdeaHistory(ctx, ws, got.ID, 0, 10)
		if err != nil || len(history) != 1 || history[0].Seq != 1 || history[0].Field != "created" || history[0].New != got.Title || history[0].Actor != "importer" {
			t.Errorf("idea %d history: %+v (%v)", n, history, err)
		}
	}
	if n := count("events"); n != 3 {
		t.Errorf("%d events for 3 ideas", n)
	}
	// One touchpoint's backlog reads the links' own copy of the rank keys.
	byQueue, _, err := store.ListIdeas(ctx, ws, domain.IdeaFilter{TouchpointIDs: []string{queue.ID}, Statuses: []domain.IdeaStatus{domain.StatusNew}}, nil, 10)
	if err != nil || len(byQueue) != 2 || byQueue[0].ID != ideas[0].ID || byQueue[1].ID != ideas[1].ID {
		t.Errorf("the queue's backlog: %+v (%v)", byQueue, err)
	}
}
