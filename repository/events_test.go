package repository_test

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"cxbacklog/domain"
	"cxbacklog/repository"
)

// feedOf is every event of the workspace after afterSeq, oldest first.
func feedOf(t *testing.T, store *repository.Store, ws string, afterSeq int64) []domain.Event {
	t.Helper()
	var out []domain.Event
	for {
		page, more, err := store.ListEvents(context.Background(), ws, afterSeq, nil, 3)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, page...)
		if len(page) > 0 {
			afterSeq = page[len(page)-1].Seq
		}
		if !more {
			return out
		}
	}
}

func typesOf(events []domain.Event) []domain.EventType {
	out := make([]domain.EventType, len(events))
	for n, e := range events {
		out[n] = e.Type
	}
	return out
}

func seqsOf(events []domain.Event) []int64 {
	out := make([]int64, len(events))
	for n, e := range events {
		out[n] = e.Seq
	}
	return out
}

// An event is written in the transaction of its change: a change that
// fails or is rolled back leaves none. Each workspace numbers its own
// events 1, 2, 3 ...
func TestEventsAreWrittenWithTheirChange(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	store := newStore(t)
	wsA, wsB, newA, newB := twoWorkspaces(t, store)
	a := newA("A")
	newB("B 1")
	newB("B 2")

	boom := errors.New("boom")
	failures := map[string]func() error{
		"stale version": func() error {
			_, err := store.UpdateIdea(ctx, wsA, a.ID, a.Version+1, ideaActor, func(i *domain.Idea) error { i.Title = "x"; return nil })
			return err
		},
		"refused change": func() error {
			_, err := store.UpdateIdea(ctx, wsA, a.ID, a.Version, ideaActor, func(i *domain.Idea) error { return i.MoveTo(domain.StatusAdopted) })
			return err
		},
		"rolled back after": func() error {
			return store.InTx(ctx, func(ctx context.Context) error {
				if _, err := store.UpdateIdea(ctx, wsA, a.ID, a.Version, ideaActor, func(i *domain.Idea) error { i.Title = "x"; return nil }); err != nil {
					return err
				}
				return boom
			})
		},
	}
	for name, fail := range failures {
		if err := fail(); err == nil {
			t.Fatalf("%s: no error", name)
		}
	}
	if got := feedOf(t, store, wsA, 0); len(got) != 1 || got[0].Type != domain.EventIdeaCreated || got[0].Seq != 1 {
		t.Fatalf("after failed changes: %+v", got)
	}

	a = retitle(t, store, a, "A renamed")
	a, err := store.UpdateIdea(ctx, wsA, a.ID, a.Version, ideaActor, func(i *domain.Idea) error { return i.MoveTo(domain.StatusUnderReview) })
	if err != nil {
		t.Fatal(err)
	}
	events := feedOf(t, store, wsA, 0)
	if got, want := typesOf(events), []domain.EventType{domain.EventIdeaCreated, domain.EventIdeaUpdated, domain.EventIdeaStatusChanged}; !slices.Equal(got, want) {
		t.Fatalf("types %v, want %v", got, want)
	}
	if !slices.Equal(seqsOf(events), []int64{1, 2, 3}) {
		t.Fatalf("seqs %v", seqsOf(events))
	}
	last := events[2]
	if last.WorkspaceID != wsA || last.SubjectID != a.ID || last.Data["idea_id"] != a.ID || last.Data["new_status"] != "under_review" ||
		last.Data["actor"] != ideaActor || last.Data["version"] != float64(a.Version) {
		t.Errorf("stored event %+v", last)
	}
	wantMicroseconds(t, "event time", last.CreatedAt)
	if b := feedOf(t, store, wsB, 0); !slices.Equal(seqsOf(b), []int64{1, 2}) {
		t.Fatalf("workspace b's seqs %v", seqsOf(b))
	}
	if after := feedOf(t, store, wsA, 2); len(after) != 1 || after[0].Seq != 3 {
		t.Fatalf("after 2: %+v", after)
	}
	only, more, err := store.ListEvents(ctx, wsA, 0, []domain.EventType{domain.EventIdeaStatusChanged, domain.EventIdeaCreated}, 10)
	if err != nil || more || !slices.Equal(seqsOf(only), []int64{1, 3}) {
		t.Fatalf("filtered: %v %v %v", seqsOf(only), more, err)
	}
}

// Within a workspace, events are numbered in the order their transactions
// commit: a writer that would commit first waits for the number before its
// own, so a reader that saw number n never later finds one below it.
func TestEventSeqFollowsCommitOrder(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newMeasurementFixture(t)
	store := f.store
	i := storeIdea(t, store, newTestIdea(f.ws, "Slow", f.tp1.ID))

	holding, release := make(chan struct{}), make(chan struct{})
	slowDone := make(chan error, 1)
	go func() {
		slowDone <- store.InTx(ctx, func(ctx context.Context) error {
			if _, err := store.UpdateIdea(ctx, f.ws, i.ID, i.Version, ideaActor, func(i *domain.Idea) error { i.Title = "Slower"; return nil }); err != nil {
				return err
			}
			close(holding)
			<-release // the transaction stays open with its event written
			return nil
		})
	}()
	<-holding
	fastDone := make(chan error, 1)
	go func() {
		fastDone <- store.AddMeasurements(ctx, []domain.Measurement{csatOf(f.ws, f.tp2, f.csat, "2026-10-01", 80)})
	}()
	select {
	case err := <-fastDone:
		t.Fatalf("a second writer committed (%v) while the first held its event number", err)
	case <-time.After(300 * time.Millisecond):
	}
	if seen := feedOf(t, store, f.ws, 1); len(seen) != 0 {
		t.Fatalf("a reader saw %+v before the first writer committed", seen)
	}
	close(release)
	if err := <-slowDone; err != nil {
		t.Fatal(err)
	}
	if err := <-fastDone; err != nil {
		t.Fatal(err)
	}
	events := feedOf(t, store, f.ws, 0)
	if got, want := typesOf(events), []domain.EventType{domain.EventIdeaCreated, domain.EventIdeaUpdated, domain.EventMeasurementRecorded}; !slices.Equal(got, want) {
		t.Fatalf("types %v, want %v", got, want)
	}
	if !slices.Equal(seqsOf(events), []int64{1, 2, 3}) {
		t.Fatalf("seqs %v", seqsOf(events))
	}
}

// A pilot's moves write its event and its idea's, in one transaction with
// the move.
func TestPilotTransitionEvents(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	store := newStore(t)
	f := newPilotFixture(t, store)
	actions := domain.PilotActions{Store: store}
	before := len(feedOf(t, store, f.ws, 0))
	if _, err := actions.Start(ctx, f.ws, f.pilot.ID, 7, "tester", time.Now()); domain.ErrorCodeOf(err) != domain.EPreconditionFailed {
		t.Fatalf("stale start: %v", err)
	}
	if _, err := actions.Start(ctx, f.ws, f.pilot.ID, 0, "tester", time.Now()); err != nil {
		t.Fatal(err)
	}
	if _, err := actions.Cancel(ctx, f.ws, f.pilot.ID, 0, "tester", time.Now()); err != nil {
		t.Fatal(err)
	}
	events := feedOf(t, store, f.ws, 0)[before:]
	// Cancelling leaves the idea where it is: no event of the idea.
	want := []domain.EventType{domain.EventPilotStarted, domain.EventIdeaStatusChanged, domain.EventPilotCancelled}
	if got := typesOf(events); !slices.Equal(got, want) {
		t.Fatalf("types %v, want %v", got, want)
	}
	if events[0].Data["pilot_id"] != f.pilot.ID || events[1].Data["new_status"] != "piloting" || events[1].Data["actor"] != "tester" ||
		events[2].Data["previous_status"] != "running" || events[2].Data["idea_id"] != f.idea.ID {
		t.Errorf("events %+v", events)
	}
}

// Every measurement written, added, upserted or corrected, has its event;
// a batch refused has none.
func TestMeasurementEvents(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newMeasurementFixture(t)
	added := f.add(t, csatOf(f.ws, f.tp1, f.csat, "2026-09-01", 70), csatOf(f.ws, f.tp1, f.csat, "2026-10-01", 75))
	if err := f.store.AddMeasurements(ctx, []domain.Measurement{csatOf(f.ws, f.tp2, f.csat, "2026-09-01", 1), csatOf(f.ws, f.tp1, f.csat, "2026-10-01", 1)}); domain.ErrorCodeOf(err) != domain.EConflict {
		t.Fatalf("a batch with a period measured already: %v", err)
	}
	replaced, err := f.store.UpsertMeasurements(ctx, []domain.Measurement{csatOf(f.ws, f.tp1, f.csat, "2026-10-01", 80), csatOf(f.ws, f.tp2, f.csat, "2026-10-01", 60)})
	if err != nil || replaced != 1 {
		t.Fatalf("upsert: %d, %v", replaced, err)
	}
	corrected, err := f.store.ReplaceMeasurement(ctx, f.ws, f.tp1.ID, added[0].ID, 1, func(m *domain.Measurement) error { m.Sample.Successes = 71; return nil })
	if err != nil {
		t.Fatal(err)
	}
	events := feedOf(t, f.store, f.ws, 0)
	type ev struct {
		id       any
		tp       any
		version  any
		replaced any
	}
	var got []ev
	for _, e := range events {
		if e.Type != domain.EventMeasurementRecorded || e.SubjectID != e.Data["measurement_id"] {
			t.Fatalf("event %+v", e)
		}
		got = append(got, ev{e.Data["measurement_id"], e.Data["touchpoint_id"], e.Data["version"], e.Data["replaced"]})
	}
	tp2 := f.all(t, f.ws, f.tp2)
	want := []ev{
		{added[0].ID, f.tp1.ID, 1.0, false}, {added[1].ID, f.tp1.ID, 1.0, false},
		{added[1].ID, f.tp1.ID, 2.0, true}, {tp2[0].ID, f.tp2.ID, 1.0, false},
		{corrected.ID, f.tp1.ID, 2.0, true},
	}
	if !slices.Equal(got, want) {
		t.Fatalf("events\n%v\nwant\n%v", got, want)
	}
	if other := feedOf(t, f.store, f.otherWS, 0); len(other) != 0 {
		t.Fatalf("the other workspace has %d events", len(other))
	}
}
