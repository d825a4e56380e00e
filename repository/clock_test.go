package repository_test

import (
	"context"
	"testing"
	"time"

	"cxbacklog/repository"
	"cxbacklog/repository/pgtest"
)

// TestInjectedClock: records are stamped by the clock the store was opened
// with (main gives the API the same one), in UTC, to the microsecond.
func TestInjectedClock(t *testing.T) {
	t.Parallel()
	_, url := pgtest.NewStore(t)
	at := time.Date(2031, 5, 6, 7, 8, 9, 123456789, time.FixedZone("CET", 3600))
	store, err := repository.Open(context.Background(), url, repository.Options{Clock: func() time.Time { return at }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = store.Close() })
	ws := newWorkspace(t, store, "clock")
	j := createJourney(t, store, ws, "J", "S")
	got, err := store.GetJourney(context.Background(), ws, j.ID)
	if err != nil {
		t.Fatal(err)
	}
	want := at.UTC().Truncate(time.Microsecond)
	if !j.CreatedAt.Equal(want) || !got.CreatedAt.Equal(want) {
		t.Fatalf("created at %v (stored %v), want %v", j.CreatedAt, got.CreatedAt, want)
	}
}
