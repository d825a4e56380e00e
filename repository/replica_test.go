package repository_test

import (
	"context"
	"database/sql"
	"log/slog"
	"os"
	"slices"
	"testing"
	"time"

	"cxbacklog/domain"
	"cxbacklog/repository"
	"cxbacklog/repository/pgcluster"
	"cxbacklog/repository/pgtest"
)

// replicaPair is a real primary and its streaming standby, and a store on
// both.
type replicaPair struct {
	store       *repository.Store
	primary     *pgcluster.Cluster
	standby     *pgcluster.Cluster
	standbyOpts pgcluster.Options
	replay      *sql.DB // on the standby, to pause and resume its replay
}

// newReplicaPair starts a primary with the migrated schema and a standby of
// it (pg_basebackup -R), and opens a store reading from the standby while
// it lags by less than maxLag.
func newReplicaPair(t *testing.T, maxLag time.Duration) *replicaPair {
	t.Helper()
	quiet := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	r := pgtest.NewReplicaPair(t, repository.Options{ReplicaMaxLag: maxLag, ReplicaCheck: 50 * time.Millisecond}, quiet)
	return &replicaPair{store: r.Store, primary: r.Primary, standby: r.Standby, standbyOpts: r.StandbyOpts, replay: r.Replay}
}

// firstJourneyOnStandby creates workspace acme with journey "first" and
// waits until the standby answers reads after that write with it; it
// returns the workspace and the context of such reads.
func (p *replicaPair) firstJourneyOnStandby(t *testing.T) (string, context.Context) {
	t.Helper()
	wsID := newWorkspace(t, p.store, "acme")
	createJourney(t, p.store, wsID, "first", "s")
	pos, err := p.store.WritePosition(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	reads := domain.WithReplicaReads(context.Background(), pos)
	eventually(t, "the standby answers with the first journey", func() bool {
		names, target := journeyNames(t, p.store, reads, wsID)
		return target == "replica" && slices.Contains(names, "first")
	})
	return wsID, reads
}

// setReplay pauses or resumes the standby's replay: a paused standby still
// answers, with what it had replayed.
func (p *replicaPair) setReplay(t *testing.T, on bool) {
	t.Helper()
	fn := "pg_wal_replay_pause()"
	if on {
		fn = "pg_wal_replay_resume()"
	}
	if _, err := p.replay.Exec("SELECT " + fn); err != nil {
		t.Fatal(err)
	}
}

// eventually polls cond for up to 30 s.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(30 * time.Second); !cond(); time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("after 30 s: %s", what)
		}
	}
}

// journeyNames reads the workspace's journey names with ctx, and which
// server answered.
func journeyNames(t *testing.T, store *repository.Store, ctx context.Context, wsID string) (names []string, target string) {
	t.Helper()
	if r := domain.ReplicaReads(ctx); r != nil {
		ctx = domain.WithReplicaReads(ctx, r.After) // each call is a request of its own, which picks its server anew
	}
	replicaBefore, primaryBefore := store.ReadsServed()
	js, _, err := store.ListJourneys(ctx, wsID, domain.Page{Limit: 100})
	if err != nil {
		t.Fatalf("list journeys: %v", err)
	}
	replicaAfter, primaryAfter := store.ReadsServed()
	switch {
	case replicaAfter > replicaBefore && primaryAfter == primaryBefore:
		target = "replica"
	case primaryAfter > primaryBefore && replicaAfter == replicaBefore:
		target = "primary"
	case replicaAfter == replicaBefore && primaryAfter == primaryBefore:
		target = "primary" // no opt-in: not counted
	default:
		target = "both"
	}
	for _, j := range js {
		names = append(names, j.Name)
	}
	return names, target
}

func TestReplicaReads(t *testing.T) {
	const maxLag = 2 * time.Second
	p := newReplicaPair(t, maxLag)
	store := p.store
	ctx := context.Background()
	wsID, _ := p.firstJourneyOnStandby(t)

	// With its replay paused, the standby lacks what is written next: who
	// sees "second" tells who answered.
	p.setReplay(t, false)
	createJourney(t, store, wsID, "second", "s")
	afterSecond, err := store.WritePosition(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name       string
		ctx        context.Context
		wantSecond bool
		wantTarget string
	}{
		{"opted in: the standby, under its lag bound", domain.WithReplicaReads(ctx, 0), false, "replica"},
		{"opted in after the caller's write: the primary", domain.WithReplicaReads(ctx, afterSecond), true, "primary"},
		{"not opted in: the primary", ctx, true, "primary"},
	} {
		names, target := journeyNames(t, store, tc.ctx, wsID)
		if slices.Contains(names, "second") != tc.wantSecond || target != tc.wantTarget {
			t.Errorf("%s: got %v from %s, want second=%v from %s", tc.name, names, target, tc.wantSecond, tc.wantTarget)
		}
	}
	err = store.InTx(domain.WithReplicaReads(ctx, 0), func(ctx context.Context) error {
		if names, _ := journeyNames(t, store, ctx, wsID); !slices.Contains(names, "second") {
			t.Errorf("in a transaction, opted in: %v, want the primary's journeys", names)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}

	// Past the bound, the paused standby is not used; resumed, it is again.
	time.Sleep(maxLag + 200*time.Millisecond)
	if names, target := journeyNames(t, store, domain.WithReplicaReads(ctx, 0), wsID); target != "primary" || !slices.Contains(names, "second") {
		t.Errorf("standby lagging past the bound: got %v from %s, want the primary's", names, target)
	}
	p.setReplay(t, true)
	eventually(t, "the resumed standby answers with the second journey", func() bool {
		names, target := journeyNames(t, store, domain.WithReplicaReads(ctx, afterSecond), wsID)
		return target == "replica" && slices.Contains(names, "second")
	})

	// An idle primary writes nothing: its standby has replayed all of it and
	// must not look as if it lagged.
	time.Sleep(2 * maxLag)
	if _, target := journeyNames(t, store, domain.WithReplicaReads(ctx, 0), wsID); target != "replica" {
		t.Errorf("idle primary: the read went to the %s, want the replica", target)
	}

	// A write made with the opt-in (here: a key's use) lands on the primary.
	_, token := domain.NewKeyToken()
	id, _ := domain.KeyIDFromToken(token)
	key := &domain.APIKey{ID: id, WorkspaceID: wsID, Name: "k", Role: domain.RoleViewer, SecretHash: domain.HashToken(token)}
	if err := store.CreateKey(ctx, key); err != nil {
		t.Fatal(err)
	}
	used := time.Now().UTC().Truncate(time.Second)
	if err := store.TouchKey(domain.WithReplicaReads(ctx, 0), id, used); err != nil {
		t.Fatalf("a write with the opt-in: %v", err)
	}
	if got, err := store.GetKey(ctx, id); err != nil || got.LastUsedAt == nil || !got.LastUsedAt.Equal(used) {
		t.Fatalf("key after the write with the opt-in: %+v, %v; want last used %v", got, err, used)
	}
}

// A standby that stops fails no read: each goes to the primary, and the
// standby is used again once it is back.
func TestReplicaStopped(t *testing.T) {
	p := newReplicaPair(t, time.Second)
	store := p.store
	ctx := context.Background()
	wsID, reads := p.firstJourneyOnStandby(t)
	// A store that checks once a minute learns of the stop from its reads.
	slow, err := repository.Open(ctx, p.primary.URL("cxbacklog"), repository.Options{ReplicaURL: p.standby.URL("cxbacklog"),
		ReplicaMaxLag: 2 * time.Minute, ReplicaCheck: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	defer slow.Close()
	if _, target := journeyNames(t, slow, domain.WithReplicaReads(ctx, 0), wsID); target != "replica" {
		t.Fatalf("the slow store read from the %s, want the replica", target)
	}
	if err := p.standby.Stop(ctx); err != nil {
		t.Fatal(err)
	}
	for n := range 50 {
		// journeyNames fails the test on any error
		for _, s := range []*repository.Store{slow, store} {
			if names, target := journeyNames(t, s, domain.WithReplicaReads(ctx, 0), wsID); target == "replica" || !slices.Contains(names, "first") {
				t.Fatalf("read %d with the standby stopped: %v from %s", n, names, target)
			}
		}
	}
	if p.standby, err = p.primary.StartStandby(ctx, p.standbyOpts); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the restarted standby answers", func() bool {
		_, target := journeyNames(t, store, reads, wsID)
		return target == "replica"
	})
}
