package repository_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"cxbacklog/domain"
	"cxbacklog/repository"
	"cxbacklog/repository/pgtest"
)

// housekeepingNow is the time the tests' purges run at.
var housekeepingNow = time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)

// hk seeds rows for the housekeeping tests with raw SQL: their ages are
// the point, and the API would stamp them with the present.
type hk struct {
	t     *testing.T
	store *repository.Store
	wsID  string
	n     int
}

func newHK(t *testing.T, store *repository.Store) *hk {
	t.Helper()
	return &hk{t: t, store: store, wsID: newWorkspace(t, store, "hk")}
}

func (h *hk) exec(query string, args ...any) {
	h.t.Helper()
	if _, err := h.store.SQL().ExecContext(context.Background(), query, args...); err != nil {
		h.t.Fatalf("%s: %v", query, err)
	}
}

func (h *hk) count(query string, args ...any) int {
	h.t.Helper()
	var n int
	if err := h.store.SQL().QueryRowContext(context.Background(), query, args...).Scan(&n); err != nil {
		h.t.Fatalf("%s: %v", query, err)
	}
	return n
}

// idempotencyKey stores a response for key created age ago.
func (h *hk) idempotencyKey(key string, age time.Duration) {
	h.exec(`INSERT INTO idempotency_keys (workspace_id, key, request_hash, response_status, response_body, created_at)
		VALUES ($1, $2, '\x00', 201, '{}', $3)`, h.wsID, key, housekeepingNow.Add(-age))
}

// key creates an API key, revoked or expiring at the times given (nil: not).
func (h *hk) key(revokedAt, expiresAt *time.Time) string {
	h.t.Helper()
	h.n++
	id, _ := domain.NewKeyToken()
	h.exec(`INSERT INTO api_keys (id, workspace_id, name, role, secret_hash, created_at, revoked_at, expires_at)
		VALUES ($1, $2, $3, 'editor', $4, $5, $6, $7)`, id, h.wsID, fmt.Sprintf("key %d", h.n), []byte(id),
		housekeepingNow.Add(-48*time.Hour), revokedAt, expiresAt)
	return id
}

// session stores a session named name of keyID, last seen idle ago.
func (h *hk) session(name, keyID string, idle time.Duration) {
	h.exec(`INSERT INTO web_sessions (id_hash, key_id, workspace_id, csrf_token, created_at, last_seen_at)
		VALUES ($1, $2, $3, 'csrf', $4, $4)`, []byte(name), keyID, h.wsID, housekeepingNow.Add(-idle))
}

// delivery stores a delivery in state, last changed age ago, of a new
// event to the workspace's webhook; it answers the delivery's id.
func (h *hk) delivery(state string, age time.Duration) string {
	h.t.Helper()
	if h.count("SELECT count(*) FROM webhooks WHERE workspace_id = $1", h.wsID) == 0 {
		h.exec(`INSERT INTO webhooks (id, workspace_id, url, events, secret, active, created_at, updated_at, version)
			VALUES ($1, $2, 'https://example.com/hook', '["idea.created"]', '\x00', true, $3, $3, 1)`,
			domain.NewID(), h.wsID, housekeepingNow.Add(-90*24*time.Hour))
	}
	h.n++
	at := housekeepingNow.Add(-age)
	event, id := domain.NewID(), domain.NewID()
	h.exec(`INSERT INTO events (id, workspace_id, seq, type, subject_id, data, created_at, dispatched_at)
		VALUES ($1, $2, $3, 'idea.created', $1, '{}', $4, $4)`, event, h.wsID, h.n, at)
	next := &at
	if state != "pending" {
		next = nil
	}
	h.exec(`INSERT INTO webhook_deliveries (id, workspace_id, webhook_id, event_id, state, next_attempt_at, retry_until, created_at, updated_at)
		SELECT $1, $2, w.id, $3, $4, $5, $6, $6, $6 FROM webhooks w WHERE w.workspace_id = $2`, id, h.wsID, event, state, next, at)
	return id
}

func TestHousekeepingPurgesWhatExpired(t *testing.T) {
	t.Parallel()
	store := newStore(t)
	h := newHK(t, store)
	day := 24 * time.Hour
	past := housekeepingNow.Add(-time.Hour)
	later := housekeepingNow.Add(time.Hour)
	live := h.key(nil, &later)
	revoked, expired := h.key(&past, nil), h.key(nil, &past)
	h.idempotencyKey("expired", domain.IdempotencyTTL+time.Second)
	h.idempotencyKey("live", domain.IdempotencyTTL-time.Second)
	h.session("idle", live, domain.SessionIdle+time.Second)
	h.session("active", live, domain.SessionIdle-time.Second)
	h.session("revoked key", revoked, time.Minute)
	h.session("expired key", expired, time.Minute)
	deliveries := map[string]string{
		"old delivered":  h.delivery("delivered", 31*day),
		"old failed":     h.delivery("failed", 31*day),
		"old pending":    h.delivery("pending", 31*day), // still retrying: kept whatever its age
		"recent":         h.delivery("delivered", 29*day),
		"recent pending": h.delivery("pending", time.Minute),
	}

	r, err := domain.Housekeep(context.Background(), store, domain.HousekeepingPolicy{WebhookRetention: 30 * day}, housekeepingNow)
	if err != nil {
		t.Fatal(err)
	}
	want := domain.HousekeepingReport{Ran: true, IdempotencyKeys: 1, Sessions: 3, Deliveries: 2, Batches: 3}
	if r != want {
		t.Errorf("report %+v, want %+v", r, want)
	}
	for _, tc := range []struct {
		what, query string
		arg         any
		want        int
	}{
		{"expired idempotency key", "SELECT count(*) FROM idempotency_keys WHERE key = $1", "expired", 0},
		{"live idempotency key", "SELECT count(*) FROM idempotency_keys WHERE key = $1", "live", 1},
		{"idle session", "SELECT count(*) FROM web_sessions WHERE id_hash = $1", []byte("idle"), 0},
		{"active session", "SELECT count(*) FROM web_sessions WHERE id_hash = $1", []byte("active"), 1},
		{"session of a revoked key", "SELECT count(*) FROM web_sessions WHERE id_hash = $1", []byte("revoked key"), 0},
		{"session of an expired key", "SELECT count(*) FROM web_sessions WHERE id_hash = $1", []byte("expired key"), 0},
		{"old delivered delivery", "SELECT count(*) FROM webhook_deliveries WHERE id = $1", deliveries["old delivered"], 0},
		{"old failed delivery", "SELECT count(*) FROM webhook_deliveries WHERE id = $1", deliveries["old failed"], 0},
		{"old pending delivery", "SELECT count(*) FROM webhook_deliveries WHERE id = $1", deliveries["old pending"], 1},
		{"recent delivery", "SELECT count(*) FROM webhook_deliveries WHERE id = $1", deliveries["recent"], 1},
		{"recent pending delivery", "SELECT count(*) FROM webhook_deliveries WHERE id = $1", deliveries["recent pending"], 1},
		{"events (the feed keeps them)", "SELECT count(*) FROM events WHERE workspace_id = $1", h.wsID, 5},
	} {
		t.Run(tc.what, func(t *testing.T) {
			if got := h.count(tc.query, tc.arg); got != tc.want {
				t.Errorf("%d rows, want %d", got, tc.want)
			}
		})
	}
}

func TestHousekeepingBatches(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name           string
		expired, batch int
		wantBatches    int // of idempotency keys; sessions and deliveries take one each
	}{
		{"fewer than a batch", 7, 10, 1},
		{"exactly two batches", 20, 10, 3}, // the third finds none
		{"two and a half", 25, 10, 3},
		{"one per batch", 3, 1, 4},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			store := newStore(t)
			h := newHK(t, store)
			for n := range tc.expired {
				h.idempotencyKey(fmt.Sprintf("expired-%d", n), 2*domain.IdempotencyTTL)
			}
			h.idempotencyKey("live", time.Minute)
			// One bounded DELETE removes at most a batch.
			if n, err := store.PurgeIdempotencyKeys(context.Background(), housekeepingNow.Add(-domain.IdempotencyTTL), tc.batch); err != nil || n != min(tc.batch, tc.expired) {
				t.Fatalf("one batch purged %d (%v), want %d", n, err, min(tc.batch, tc.expired))
			}
			h.exec("DELETE FROM idempotency_keys")
			for n := range tc.expired {
				h.idempotencyKey(fmt.Sprintf("expired-%d", n), 2*domain.IdempotencyTTL)
			}
			h.idempotencyKey("live", time.Minute)
			r, err := domain.Housekeep(context.Background(), store, domain.HousekeepingPolicy{Batch: tc.batch}, housekeepingNow)
			if err != nil {
				t.Fatal(err)
			}
			if r.IdempotencyKeys != tc.expired || r.Batches != tc.wantBatches+2 {
				t.Errorf("purged %d in %d batches, want %d in %d", r.IdempotencyKeys, r.Batches, tc.expired, tc.wantBatches+2)
			}
			if n := h.count("SELECT count(*) FROM idempotency_keys"); n != 1 {
				t.Errorf("%d keys left, want the live one", n)
			}
		})
	}
}

// blockingStore holds its first purge until release is closed, after
// telling started: a run that is slow to finish.
type blockingStore struct {
	*repository.Store
	started, release chan struct{}
}

func (b *blockingStore) PurgeIdempotencyKeys(ctx context.Context, before time.Time, limit int) (int, error) {
	close(b.started)
	select {
	case <-b.release:
	case <-ctx.Done():
		return 0, ctx.Err()
	}
	return b.Store.PurgeIdempotencyKeys(ctx, before, limit)
}

func TestHousekeepingOneProcessAtATime(t *testing.T) {
	t.Parallel()
	store, url := pgtest.NewStore(t)
	// The second replica: a pool of its own on the same database.
	other, err := repository.Open(context.Background(), url, repository.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = other.Close() })
	h := newHK(t, store)
	h.idempotencyKey("expired", 2*domain.IdempotencyTTL)
	policy := domain.HousekeepingPolicy{}
	ctx := context.Background()

	// Two jobs started together: the first holds the lock while it purges,
	// the second finds it taken and purges nothing.
	first := &blockingStore{Store: store, started: make(chan struct{}), release: make(chan struct{})}
	done := make(chan domain.HousekeepingReport)
	go func() {
		r, err := domain.Housekeep(ctx, first, policy, housekeepingNow)
		if err != nil {
			t.Error(err)
		}
		done <- r
	}()
	<-first.started
	r, err := domain.Housekeep(ctx, other, policy, housekeepingNow)
	if err != nil || r != (domain.HousekeepingReport{}) {
		t.Errorf("the second job: %+v, %v; want it skipped", r, err)
	}
	if n := h.count("SELECT count(*) FROM idempotency_keys"); n != 1 {
		t.Errorf("%d keys left while the first job waits, want 1: the second purged", n)
	}
	close(first.release)
	if r := <-done; !r.Ran || r.IdempotencyKeys != 1 {
		t.Errorf("the first job: %+v, want it to purge the key", r)
	}

	// Released when done, and when a run is cut short: the other takes it.
	if r, err := domain.Housekeep(ctx, other, policy, housekeepingNow); err != nil || !r.Ran {
		t.Errorf("after the first job: %+v, %v; want the lock free", r, err)
	}
	cut, cancel := context.WithCancel(ctx)
	cancelled := &blockingStore{Store: store, started: make(chan struct{}), release: make(chan struct{})}
	go func() { <-cancelled.started; cancel() }()
	if r, err := domain.Housekeep(cut, cancelled, policy, housekeepingNow); err == nil || !r.Ran {
		t.Errorf("a cancelled run: %+v, %v; want it to have run and failed", r, err)
	}
	if r, err := domain.Housekeep(ctx, other, policy, housekeepingNow); err != nil || !r.Ran {
		t.Errorf("after a cancelled run: %+v, %v; want the lock free", r, err)
	}
}
