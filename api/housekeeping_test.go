package api_test

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"cxbacklog/api"
	"cxbacklog/domain"
	"cxbacklog/repository"
	"cxbacklog/repository/pgtest"
)

// logBuffer collects a logger's lines; safe for concurrent use.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *logBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func (b *logBuffer) logger() *slog.Logger { return slog.New(slog.NewTextHandler(b, nil)) }

func TestHousekeeperPurgesAndLogs(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	body := map[string]any{"name": "Onboarding", "stages": []map[string]string{{"name": "Sign up"}}}
	first := e.do(http.MethodPost, "/api/v1/journeys", e.editor, body, "Idempotency-Key", "hk-1").want(t, http.StatusCreated)
	var keyID string
	if err := e.store.SQL().QueryRowContext(ctx, "SELECT id FROM api_keys WHERE workspace_id = $1 LIMIT 1", e.wsID).Scan(&keyID); err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC().Truncate(time.Microsecond)
	if err := e.store.CreateSession(ctx, &domain.WebSession{IDHash: []byte("hk"), KeyID: keyID, WorkspaceID: e.wsID, CSRF: "c",
		CreatedAt: now, LastSeenAt: now}); err != nil {
		t.Fatal(err)
	}

	// Now: nothing has expired.
	var log logBuffer
	cfg := api.DefaultConfig
	r, err := api.NewHousekeeper(e.store, log.logger(), cfg).RunOnce(ctx)
	if err != nil || r != (domain.HousekeepingReport{Ran: true, Batches: 3}) {
		t.Fatalf("a run with nothing expired: %+v, %v", r, err)
	}
	// A day and an hour later, the key and the session have.
	cfg.Clock = func() time.Time { return time.Now().Add(domain.IdempotencyTTL + time.Hour) }
	r, err = api.NewHousekeeper(e.store, log.logger(), cfg).RunOnce(ctx)
	if err != nil || r.IdempotencyKeys != 1 || r.Sessions != 1 || r.Deliveries != 0 {
		t.Fatalf("a run a day later: %+v, %v; want the key and the session purged", r, err)
	}
	for _, want := range []string{"msg=housekeeping idempotency_keys=0 sessions=0 webhook_deliveries=0 batches=3",
		"msg=housekeeping idempotency_keys=1 sessions=1 webhook_deliveries=0 batches=3"} {
		if !strings.Contains(log.String(), want) {
			t.Errorf("the log lacks %q:\n%s", want, log.String())
		}
	}
	// The key is free again: the same request creates a second journey.
	again := e.do(http.MethodPost, "/api/v1/journeys", e.editor, body, "Idempotency-Key", "hk-1").want(t, http.StatusCreated)
	if again.Header.Get("Idempotent-Replayed") != "" || string(again.Body) == string(first.Body) {
		t.Errorf("the purged key was replayed: %s", again.Body)
	}
}

// heldStore holds its first purge until release is closed, after telling
// started: a replica in the middle of its run.
type heldStore struct {
	*repository.Store
	started, release chan struct{}
}

func (h *heldStore) PurgeIdempotencyKeys(ctx context.Context, before time.Time, limit int) (int, error) {
	close(h.started)
	<-h.release
	return h.Store.PurgeIdempotencyKeys(ctx, before, limit)
}

func TestHousekeepersOfTwoReplicas(t *testing.T) {
	t.Parallel()
	store, url := pgtest.NewStore(t)
	other, err := repository.Open(context.Background(), url, repository.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = other.Close() })
	ctx := context.Background()
	var logA, logB logBuffer
	held := &heldStore{Store: store, started: make(chan struct{}), release: make(chan struct{})}
	a := api.NewHousekeeper(held, logA.logger(), api.DefaultConfig)
	b := api.NewHousekeeper(other, logB.logger(), api.DefaultConfig)

	done := make(chan domain.HousekeepingReport)
	go func() {
		r, _ := a.RunOnce(ctx)
		done <- r
	}()
	<-held.started
	r, err := b.RunOnce(ctx)
	close(held.release)
	if err != nil || r.Ran {
		t.Errorf("replica B while A runs: %+v, %v; want it skipped", r, err)
	}
	if !strings.Contains(logB.String(), "housekeeping skipped: another process holds the lock") {
		t.Errorf("replica B's log does not say it skipped:\n%s", logB.String())
	}
	if r := <-done; !r.Ran {
		t.Errorf("replica A: %+v, want it to have run", r)
	}
	if strings.Contains(logA.String(), "skipped") {
		t.Errorf("replica A's log says it skipped:\n%s", logA.String())
	}
}

func TestHousekeeperInterval(t *testing.T) {
	t.Parallel()
	store, _ := pgtest.NewStore(t)
	for _, tc := range []struct {
		every    time.Duration
		wantRuns int
	}{
		{0, 0}, // disabled: Run returns at once
		{20 * time.Millisecond, 3},
	} {
		t.Run(tc.every.String(), func(t *testing.T) {
			var log logBuffer
			cfg := api.DefaultConfig
			cfg.HousekeepingEvery = tc.every
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			stopped := make(chan struct{})
			go func() { api.NewHousekeeper(store, log.logger(), cfg).Run(ctx); close(stopped) }()
			runs := func() int { return strings.Count(log.String(), "msg=housekeeping ") }
			for deadline := time.Now().Add(10 * time.Second); runs() < tc.wantRuns && time.Now().Before(deadline); {
				time.Sleep(10 * time.Millisecond)
			}
			if tc.wantRuns == 0 {
				select {
				case <-stopped:
				case <-time.After(5 * time.Second):
					t.Fatal("Run with an interval of 0 did not return")
				}
			}
			if runs() < tc.wantRuns || tc.wantRuns == 0 && runs() > 0 {
				t.Errorf("%d runs, want %d:\n%s", runs(), tc.wantRuns, log.String())
			}
			cancel()
			select {
			case <-stopped:
			case <-time.After(5 * time.Second):
				t.Fatal("Run did not stop when its context ended")
			}
		})
	}
}
