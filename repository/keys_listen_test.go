package repository_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"cxbacklog/domain"
	"cxbacklog/repository"
	"cxbacklog/repository/pgtest"
)

// sinkEvents records what a watcher reports: "live", "down" or a key id.
type sinkEvents chan string

func (s sinkEvents) Live(live bool) {
	if live {
		s <- "live"
	} else {
		s <- "down"
	}
}

func (s sinkEvents) Revoked(id string) { s <- id }

// next waits for the next event, which must be want.
func (s sinkEvents) next(t *testing.T, want string) {
	t.Helper()
	select {
	case got := <-s:
		if got != want {
			t.Fatalf("watcher reported %q, want %q", got, want)
		}
	case <-time.After(5 * time.Second):
		t.Fatalf("watcher reported nothing, want %q", want)
	}
}

// none checks that nothing is reported for a while.
func (s sinkEvents) none(t *testing.T, d time.Duration) {
	t.Helper()
	select {
	case got := <-s:
		t.Fatalf("watcher reported %q, want nothing", got)
	case <-time.After(d):
	}
}

// A key revoked through one store reaches the watcher of another on the
// same database when (and only if) the revocation commits; a quiet
// connection stays live; one that is cut is reported down and reconnected.
func TestKeyRevocationsReachAnotherStore(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	store, url := pgtest.NewStore(t)
	other, err := repository.Open(ctx, url, repository.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = other.Close() })
	wsID := newWorkspace(t, store, "acme")
	newKey := func() string {
		id, _ := domain.KeyIDFromToken(pgtest.Key(t, store, wsID, domain.RoleViewer))
		return id
	}

	events := make(sinkEvents, 16)
	watchCtx, stop := context.WithCancel(ctx)
	var wg sync.WaitGroup
	wg.Go(func() {
		other.ListenKeyRevocations(watchCtx, events, repository.KeyListenOptions{Heartbeat: 100 * time.Millisecond, Retry: 100 * time.Millisecond})
	})
	events.next(t, "live")

	events.none(t, 500*time.Millisecond) // five heartbeats: quiet is not down
	key := newKey()
	if _, err := store.RevokeKey(ctx, wsID, key); err != nil {
		t.Fatal(err)
	}
	events.next(t, key)

	rolledBack := newKey()
	err = store.InTx(ctx, func(ctx context.Context) error {
		if _, err := store.RevokeKey(ctx, wsID, rolledBack); err != nil {
			return err
		}
		return errors.New("changed my mind")
	})
	if err == nil {
		t.Fatal("the transaction did not fail")
	}
	events.none(t, 300*time.Millisecond)

	if _, err := store.SQL().Exec(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity
		WHERE application_name = 'cxbacklog-keys' AND datname = current_database()`); err != nil {
		t.Fatal(err)
	}
	events.next(t, "down")
	events.next(t, "live")
	key = newKey()
	if _, err := store.RevokeKey(ctx, wsID, key); err != nil {
		t.Fatal(err)
	}
	events.next(t, key)

	stop()
	wg.Wait()
	events.next(t, "down")
}
