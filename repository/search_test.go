package repository_test

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"cxbacklog/domain"
)

// A search takes one plan when few ideas match and another when many do
// (Store.search); both must give the ideas that match, in rank order, page
// after page.
func TestSearchRareAndDense(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	store := newStore(t)
	ws := newWorkspace(t, store, "acme")
	j := createJourney(t, store, ws, "J", "S")
	tpt := createTouchpoint(t, store, j, 0, tp{name: "T"})
	sc, _, err := store.GetScoring(ctx, ws)
	if err != nil {
		t.Fatal(err)
	}
	// 2,400 ideas: every one mentions "queue" (dense), 1 in 400 "GDPR" (rare).
	ideas := make([]domain.Idea, 2400)
	for n := range ideas {
		i := newTestIdea(ws, fmt.Sprintf("Queue idea %04d", n), tpt.ID)
		i.Impact, i.Experience, i.Effort = 1+n%5, 1+n%3, 1+n%4
		if n%400 == 7 {
			i.Proposal = "Needs a GDPR review first."
		}
		i.Rescore(sc)
		ideas[n] = *i
	}
	if err := store.CreateIdeas(ctx, ideas, "test"); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		query string
		want  int
	}{{"GDPR", 6}, {"queue", 2400}} {
		t.Run(tc.query, func(t *testing.T) {
			var want []domain.Idea
			for _, i := range ideas {
				if strings.Contains(strings.ToLower(i.Title+" "+i.Problem+" "+i.Proposal), strings.ToLower(tc.query)) {
					want = append(want, i)
				}
			}
			slices.SortFunc(want, func(a, b domain.Idea) int {
				return cmp.Or(cmp.Compare(b.Score.Priority, a.Score.Priority), a.CreatedAt.Compare(b.CreatedAt), strings.Compare(a.ID, b.ID))
			})
			got := pageIdeas(t, store, ws, domain.IdeaFilter{Query: ptr(tc.query)}, 100)
			if len(got) != tc.want || !slices.Equal(ideaIDs(got), ideaIDs(want)) {
				t.Fatalf("search %q: %d ideas, want %d in rank order", tc.query, len(got), tc.want)
			}
		})
	}
}
