package repository_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"cxbacklog/domain"
)

// A search whose walk of the ranked index runs out of its budget (here
// because another transaction holds the table) is answered through the
// trigram indexes instead: the same ideas in the same order, not an error.
func TestSearchFallsBackWhenTheWalkIsSlow(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	store := newStore(t)
	ws := newWorkspace(t, store, "acme")
	j := createJourney(t, store, ws, "J", "S")
	tpt := createTouchpoint(t, store, j, 0, tp{name: "T"})
	for n, title := range []string{"Refund faster", "Refund by card", "Queue music", "Refund policy page"} {
		i := newTestIdea(ws, title, tpt.ID)
		i.Impact = 1 + n
		storeIdea(t, store, i)
	}
	search := domain.IdeaFilter{Query: ptr("refund")}
	want := pageIdeas(t, store, ws, search, 100)
	if len(want) != 3 {
		t.Fatalf("search found %v", ideaTitles(want))
	}

	lock, err := store.SQL().BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := lock.ExecContext(ctx, "LOCK TABLE ideas IN ACCESS EXCLUSIVE MODE"); err != nil {
		t.Fatal(err)
	}
	release := time.AfterFunc(300*time.Millisecond, func() { _ = lock.Rollback() })
	defer release.Stop()
	start := time.Now()
	got, _, err := store.ListIdeas(ctx, ws, search, nil, 100)
	if err != nil {
		t.Fatalf("search while the walk is slow: %v", err)
	}
	if took := time.Since(start); took < 250*time.Millisecond {
		t.Fatalf("the search took %v: it did not wait for the table, so the test tests nothing", took)
	}
	if !slices.Equal(ideaIDs(got), ideaIDs(want)) {
		t.Fatalf("fallback %v, walk %v", ideaTitles(got), ideaTitles(want))
	}
}
