package repository_test

import (
	"context"
	"maps"
	"slices"
	"testing"

	"cxbacklog/domain"
	"cxbacklog/repository"
)

// The matrix's counts are kept by triggers, per quadrant and status; after
// every kind of write they must equal a count of the ideas themselves, for
// any set of statuses.
func TestQuadrantCountsFollowEveryWrite(t *testing.T) {
	store := newStore(t)
	ctx := context.Background()
	ws := newWorkspace(t, store, "acme")
	j := createJourney(t, store, ws, "J", "S")
	tpt := createTouchpoint(t, store, j, 0, tp{name: "T"})
	check := func(what string) {
		t.Helper()
		for _, statuses := range [][]domain.IdeaStatus{nil, domain.OpenIdeaStatuses, {domain.StatusNew}, {domain.StatusRejected, domain.StatusPlanned}} {
			_, got, err := store.MatrixIdeas(ctx, ws, statuses, 1)
			if err != nil {
				t.Fatal(err)
			}
			if want := countQuadrants(t, store, ws, statuses); !maps.Equal(nonZero(got), want) {
				t.Fatalf("%s, statuses %v: counts %v, ideas %v", what, statuses, got, want)
			}
		}
	}
	var ideas []*domain.Idea
	for _, scores := range [][3]int{{5, 5, 1}, {5, 5, 5}, {1, 1, 1}, {1, 1, 5}, {4, 4, 2}} {
		i := newTestIdea(ws, "idea", tpt.ID)
		i.Impact, i.Experience, i.Effort = scores[0], scores[1], scores[2]
		ideas = append(ideas, storeIdea(t, store, i))
	}
	check("after creates")
	moved, err := store.UpdateIdea(ctx, ws, ideas[0].ID, ideas[0].Version, "t", func(i *domain.Idea) error { i.Effort = 5; return nil })
	if err != nil || moved.Score.Quadrant != domain.QuadrantBigBet {
		t.Fatalf("move: %+v, %v", moved, err)
	}
	check("after a move to another quadrant")
	for _, to := range []domain.IdeaStatus{domain.StatusUnderReview, domain.StatusRejected} {
		moved, err = store.UpdateIdea(ctx, ws, moved.ID, moved.Version, "t", func(i *domain.Idea) error { return i.MoveTo(to) })
		if err != nil {
			t.Fatal(err)
		}
	}
	check("after status moves")
	if err := store.DeleteIdea(ctx, ws, ideas[2].ID, ideas[2].Version); err != nil {
		t.Fatal(err)
	}
	check("after a delete")
	// New thresholds re-score the whole workspace in one statement per combination.
	if _, err := store.UpdateScoring(ctx, ws, 1, domain.Scoring{WeightImpact: 1, WeightExperience: 1, ValueThreshold: 5, EffortThreshold: 5}); err != nil {
		t.Fatal(err)
	}
	check("after re-scoring")
}

func countQuadrants(t *testing.T, store *repository.Store, ws string, statuses []domain.IdeaStatus) map[domain.Quadrant]int {
	t.Helper()
	names := make([]string, len(statuses))
	for n, s := range statuses {
		names[n] = string(s)
	}
	rows, err := store.SQL().QueryContext(context.Background(), `SELECT quadrant, count(*) FROM ideas
		WHERE workspace_id = $1 AND (cardinality($2::text[]) = 0 OR status = ANY($2)) GROUP BY quadrant`, ws, names)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[domain.Quadrant]int{}
	for rows.Next() {
		var q string
		var n int
		if err := rows.Scan(&q, &n); err != nil {
			t.Fatal(err)
		}
		out[domain.Quadrant(q)] = n
	}
	return out
}

func nonZero(m map[domain.Quadrant]int) map[domain.Quadrant]int {
	out := map[domain.Quadrant]int{}
	for k, v := range m {
		if v != 0 {
			out[k] = v
		}
	}
	return out
}

// A touchpoint's ranked backlog is read from the links' copy of the rank
// keys; after a re-scoring it must still be the ranked backlog.
func TestTouchpointBacklogFollowsRescoring(t *testing.T) {
	store := newStore(t)
	ctx := context.Background()
	ws := newWorkspace(t, store, "acme")
	j := createJourney(t, store, ws, "J", "S")
	tpt := createTouchpoint(t, store, j, 0, tp{name: "T"})
	for _, scores := range [][3]int{{5, 1, 1}, {1, 5, 1}, {3, 3, 2}, {5, 2, 3}, {2, 5, 3}} {
		i := newTestIdea(ws, "idea", tpt.ID)
		i.Impact, i.Experience, i.Effort = scores[0], scores[1], scores[2]
		storeIdea(t, store, i)
	}
	if _, err := store.UpdateScoring(ctx, ws, 1, domain.Scoring{WeightImpact: 1, WeightExperience: 9, ValueThreshold: 3, EffortThreshold: 2}); err != nil {
		t.Fatal(err)
	}
	ranked := pageIdeas(t, store, ws, domain.IdeaFilter{}, 100)
	byTouchpoint := pageIdeas(t, store, ws, domain.IdeaFilter{TouchpointIDs: []string{tpt.ID}}, 2)
	if got, want := ideaIDs(byTouchpoint), ideaIDs(ranked); !slices.Equal(got, want) {
		t.Fatalf("touchpoint backlog %v, ranked backlog %v", ideaTitles(byTouchpoint), ideaTitles(ranked))
	}
}

// A touchpoint's backlog of some statuses is read from the links' copy of
// the status; after status moves it must still be that backlog.
func TestTouchpointBacklogFollowsStatus(t *testing.T) {
	store := newStore(t)
	ctx := context.Background()
	ws := newWorkspace(t, store, "acme")
	j := createJourney(t, store, ws, "J", "S")
	tpt := createTouchpoint(t, store, j, 0, tp{name: "T"})
	var ideas []*domain.Idea
	for range 4 {
		ideas = append(ideas, storeIdea(t, store, newTestIdea(ws, "idea", tpt.ID)))
	}
	for _, i := range ideas[:2] {
		if _, err := store.UpdateIdea(ctx, ws, i.ID, i.Version, "t", func(i *domain.Idea) error { return i.MoveTo(domain.StatusRejected) }); err != nil {
			t.Fatal(err)
		}
	}
	open := domain.IdeaFilter{Statuses: domain.OpenIdeaStatuses}
	want := pageIdeas(t, store, ws, open, 100)
	open.TouchpointIDs = []string{tpt.ID}
	got := pageIdeas(t, store, ws, open, 1)
	if len(want) != 2 || !slices.Equal(ideaIDs(got), ideaIDs(want)) {
		t.Fatalf("touchpoint's open backlog %v, open backlog %v", ideaTitles(got), ideaTitles(want))
	}
}
