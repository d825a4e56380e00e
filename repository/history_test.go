package repository_test

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"

	"cxbacklog/domain"
	"cxbacklog/repository"
)

// historySeqs returns the numbers of the idea's history, newest first.
func historySeqs(t *testing.T, store *repository.Store, ws, id string) []int64 {
	t.Helper()
	entries, _, err := store.IdeaHistory(context.Background(), ws, id, 0, domain.MaxPageSize)
	if err != nil {
		t.Fatalf("IdeaHistory %s: %v", id, err)
	}
	seqs := make([]int64, len(entries))
	for n, h := range entries {
		seqs[n] = h.Seq
	}
	return seqs
}

// countdown is n, n-1, ..., 1.
func countdown(n int64) []int64 {
	out := make([]int64, 0, n)
	for ; n > 0; n-- {
		out = append(out, n)
	}
	return out
}

// retitle sets the idea's title as actor, failing the test on any error.
func retitle(t *testing.T, store *repository.Store, i *domain.Idea, title string) *domain.Idea {
	t.Helper()
	got, err := store.UpdateIdea(context.Background(), i.WorkspaceID, i.ID, i.Version, ideaActor, func(i *domain.Idea) error {
		i.Title = title
		return nil
	})
	if err != nil {
		t.Fatalf("retitle %q: %v", title, err)
	}
	return got
}

// twoWorkspaces makes workspaces "a" and "b", each with a touchpoint, and
// returns their ids and a function for each that stores an idea there.
func twoWorkspaces(t *testing.T, store *repository.Store) (wsA, wsB string, newA, newB func(title string) *domain.Idea) {
	t.Helper()
	wsA, wsB = newWorkspace(t, store, "a"), newWorkspace(t, store, "b")
	in := func(ws string) func(string) *domain.Idea {
		touchpoint := createTouchpoint(t, store, createJourney(t, store, ws, "J", "S"), 0, tp{name: "T"})
		return func(title string) *domain.Idea { return storeIdea(t, store, newTestIdea(ws, title, touchpoint.ID)) }
	}
	return wsA, wsB, in(wsA), in(wsB)
}

// TestHistorySeqIsPerIdea checks that an idea's changes are numbered 1, 2,
// 3 ... within the idea, whatever other ideas and workspaces write in
// between, that the fields of one update get consecutive numbers, and that
// paging by number neither skips nor repeats.
func TestHistorySeqIsPerIdea(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	store := newStore(t)
	wsA, wsB, newA, newB := twoWorkspaces(t, store)
	a, b := newA("A 0"), newB("B 0")
	for n := 1; n <= 5; n++ {
		a = retitle(t, store, a, fmt.Sprintf("A %d", n))
		for k := range n { // B writes more and more between A's edits
			b = retitle(t, store, b, fmt.Sprintf("B %d.%d", n, k))
		}
	}
	// One update of three fields (and so of the priority): four numbers, in
	// the order of the changes.
	a, err := store.UpdateIdea(ctx, wsA, a.ID, a.Version, ideaActor, func(i *domain.Idea) error {
		i.Title, i.Impact, i.Owner = "A 6", 5, "Ops"
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}

	if got, want := historySeqs(t, store, wsA, a.ID), countdown(10); !slices.Equal(got, want) {
		t.Fatalf("A's history is numbered %v, want %v", got, want)
	}
	if got, want := historySeqs(t, store, wsB, b.ID), countdown(16); !slices.Equal(got, want) {
		t.Fatalf("B's history is numbered %v, want %v", got, want)
	}
	all, _, err := store.IdeaHistory(ctx, wsA, a.ID, 0, domain.MaxPageSize)
	if err != nil {
		t.Fatal(err)
	}
	var fields []string
	for _, h := range all[:4] {
		fields = append(fields, h.Field)
	}
	if want := []string{"priority", "owner", "impact", "title"}; !slices.Equal(fields, want) {
		t.Fatalf("newest four entries are of %v, want %v", fields, want)
	}

	for _, limit := range []int{1, 3, 4, 10, 11} {
		t.Run(fmt.Sprintf("pages of %d", limit), func(t *testing.T) {
			t.Parallel()
			var got []domain.HistoryEntry
			var before int64
			for page := 0; ; page++ {
				if page > 10 {
					t.Fatal("the history does not end")
				}
				entries, _, err := store.IdeaHistory(ctx, wsA, a.ID, before, limit)
				if err != nil {
					t.Fatal(err)
				}
				if len(entries) == 0 {
					break
				}
				got = append(got, entries...)
				before = entries[len(entries)-1].Seq
			}
			if !slices.Equal(got, all) {
				t.Fatalf("paged %+v, want %+v", got, all)
			}
		})
	}
}

// TestHistorySeqConcurrentWriters checks the claim recordHistory rests on:
// writers of one idea are serialised by its row lock, so updates racing
// (each retrying at the version it finds) number their changes without
// duplicates or gaps.
func TestHistorySeqConcurrentWriters(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	store := newStore(t)
	ws := newWorkspace(t, store, "race")
	tpA := createTouchpoint(t, store, createJourney(t, store, ws, "J", "S"), 0, tp{name: "T"})
	idea := storeIdea(t, store, newTestIdea(ws, "Title", tpA.ID))
	const writers = 8
	var wg sync.WaitGroup
	errs := make(chan error, writers)
	for w := range writers {
		wg.Go(func() {
			for {
				cur, err := store.GetIdea(ctx, ws, idea.ID)
				if err != nil {
					errs <- err
					return
				}
				_, err = store.UpdateIdea(ctx, ws, idea.ID, cur.Version, ideaActor, func(i *domain.Idea) error {
					i.Title = fmt.Sprintf("Writer %d", w)
					return nil
				})
				if domain.ErrorCodeOf(err) == domain.EPreconditionFailed {
					continue // another writer got there first: try again at its version
				}
				errs <- err
				return
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatalf("UpdateIdea: %v", err)
		}
	}
	if got, want := historySeqs(t, store, ws, idea.ID), countdown(writers+1); !slices.Equal(got, want) {
		t.Fatalf("history numbered %v, want %v", got, want)
	}
}

// TestHistorySeqMigration checks the backfill of migration 00007: rows
// written before it are numbered per idea in the order they were written,
// exactly as recordHistory numbers them, and a number cannot repeat.
func TestHistorySeqMigration(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	store := newStore(t)
	wsA, _, newA, newB := twoWorkspaces(t, store)
	a1, b1, a2 := newA("A1"), newB("B1"), newA("A2")
	for n := range 3 {
		a1 = retitle(t, store, a1, fmt.Sprintf("A1 %d", n))
		b1 = retitle(t, store, b1, fmt.Sprintf("B1 %d", n))
		b1 = retitle(t, store, b1, fmt.Sprintf("B1 %d'", n))
		a2 = retitle(t, store, a2, fmt.Sprintf("A2 %d", n))
	}
	before := map[string][]domain.HistoryEntry{}
	for _, i := range []*domain.Idea{a1, a2, b1} {
		entries, _, err := store.IdeaHistory(ctx, i.WorkspaceID, i.ID, 0, domain.MaxPageSize)
		if err != nil {
			t.Fatal(err)
		}
		before[i.ID] = entries
	}

	migrateDownBelow(t, store, 7)
	if n := countSQL(t, store, "SELECT count(*) FROM information_schema.columns WHERE table_name = 'idea_history' AND column_name = 'seq'"); n != 0 {
		t.Fatal("seq still exists after rolling back 00007")
	}
	if err := store.MigrateUp(ctx); err != nil {
		t.Fatalf("MigrateUp: %v", err)
	}
	for _, i := range []*domain.Idea{a1, a2, b1} {
		after, _, err := store.IdeaHistory(ctx, i.WorkspaceID, i.ID, 0, domain.MaxPageSize)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(after, before[i.ID]) {
			t.Fatalf("%s: backfilled history %+v, want %+v", i.Title, after, before[i.ID])
		}
	}
	// The new column carries on from the backfill.
	a1 = retitle(t, store, a1, "A1 after")
	if got, want := historySeqs(t, store, wsA, a1.ID), countdown(5); !slices.Equal(got, want) {
		t.Fatalf("A1's history numbered %v after the migration, want %v", got, want)
	}

	_, err := store.SQL().ExecContext(ctx, `INSERT INTO idea_history (workspace_id, idea_id, seq, field, old_value, new_value, actor)
		VALUES ($1, $2, 1, 'title', '', 'again', 'x')`, wsA, a1.ID)
	if err == nil {
		t.Fatal("a second change numbered 1 was stored")
	}
}
