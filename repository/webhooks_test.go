package repository_test

import (
	"context"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"cxbacklog/domain"
	"cxbacklog/repository"
)

// storeWebhook creates an https webhook of ws for events.
func storeWebhook(t *testing.T, store *repository.Store, ws string, active bool, events ...domain.EventType) *domain.Webhook {
	t.Helper()
	secret, _ := domain.NewWebhookSecret()
	w := &domain.Webhook{WorkspaceID: ws, URL: "https://hooks.example.com/" + ws, Events: events, Secret: secret, Active: active}
	if err := w.Validate(domain.HostAllowList{}); err != nil {
		t.Fatal(err)
	}
	if err := store.CreateWebhook(context.Background(), w); err != nil {
		t.Fatal(err)
	}
	return w
}

func deliveriesOf(t *testing.T, store *repository.Store, w *domain.Webhook) []domain.WebhookDelivery {
	t.Helper()
	ds, _, err := store.ListDeliveries(context.Background(), w.WorkspaceID, w.ID, nil, domain.Page{Limit: domain.MaxPageSize})
	if err != nil {
		t.Fatal(err)
	}
	return ds
}

func fanOut(t *testing.T, store *repository.Store) int {
	t.Helper()
	n, err := store.FanOutEvents(context.Background(), time.Hour, 500)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// Each event becomes one delivery per active webhook of its workspace
// subscribed to its type, once however often the fan-out runs.
func TestFanOutEvents(t *testing.T) {
	t.Parallel()
	store := newStore(t)
	wsA, wsB, newA, newB := twoWorkspaces(t, store)
	created := storeWebhook(t, store, wsA, true, domain.EventIdeaCreated)
	updated := storeWebhook(t, store, wsA, true, domain.EventIdeaUpdated)
	off := storeWebhook(t, store, wsA, false, domain.EventIdeaCreated)
	theirs := storeWebhook(t, store, wsB, true, domain.EventIdeaCreated)
	a := newA("A")
	if n := fanOut(t, store); n != 1 {
		t.Fatalf("fan-out took %d events, want 1", n)
	}
	if n := fanOut(t, store); n != 0 {
		t.Fatalf("a second fan-out took %d events", n)
	}
	ds := deliveriesOf(t, store, created)
	if len(ds) != 1 || ds[0].State != domain.DeliveryPending || ds[0].EventType != domain.EventIdeaCreated || ds[0].Attempt != 0 || ds[0].NextAttemptAt == nil {
		t.Fatalf("deliveries of the subscribed webhook: %+v", ds)
	}
	if !ds[0].RetryUntil.After(time.Now().Add(50 * time.Minute)) {
		t.Errorf("retried until %v, want an hour from now", ds[0].RetryUntil)
	}
	for name, w := range map[string]*domain.Webhook{"not subscribed": updated, "inactive": off, "other workspace": theirs} {
		if ds := deliveriesOf(t, store, w); len(ds) != 0 {
			t.Errorf("%s: %d deliveries", name, len(ds))
		}
	}
	retitle(t, store, a, "A 2")
	newB("B")
	if n := fanOut(t, store); n != 2 {
		t.Fatalf("fan-out took %d events, want 2", n)
	}
	if len(deliveriesOf(t, store, updated)) != 1 || len(deliveriesOf(t, store, theirs)) != 1 || len(deliveriesOf(t, store, created)) != 1 {
		t.Fatal("the second round of events was not delivered to exactly its webhooks")
	}
	if _, _, err := store.ListDeliveries(context.Background(), wsB, created.ID, nil, domain.Page{}); domain.ErrorCodeOf(err) != domain.ENotFound {
		t.Fatalf("another workspace's deliveries: %v", err)
	}
}

// Claims share the work: concurrent claimers never take the same delivery,
// a claimed delivery is left alone until its lease ends, and a claim that
// lost its lease records nothing.
func TestClaimDeliveries(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	store := newStore(t)
	ws, _, newA, _ := twoWorkspaces(t, store)
	w := storeWebhook(t, store, ws, true, domain.EventIdeaCreated)
	for range 20 {
		newA("idea")
	}
	fanOut(t, store)

	var mu sync.Mutex
	claimed := map[string]int{}
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for {
				jobs, err := store.ClaimDeliveries(ctx, time.Now().Add(time.Hour), 3)
				if err != nil {
					t.Error(err)
					return
				}
				if len(jobs) == 0 {
					return
				}
				mu.Lock()
				for _, j := range jobs {
					claimed[j.Delivery.ID]++
					if j.URL != w.URL || len(j.Secret) == 0 || j.Event.ID != j.Delivery.EventID || j.Event.Type != domain.EventIdeaCreated ||
						j.Event.Data["idea_id"] == nil || j.Delivery.Attempt != 1 {
						t.Errorf("job %+v", j)
					}
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if len(claimed) != 20 {
		t.Fatalf("%d deliveries claimed, want 20", len(claimed))
	}
	for id, n := range claimed {
		if n != 1 {
			t.Fatalf("delivery %s claimed %d times", id, n)
		}
	}

	// A lease that ran out: claimed again, and the first claim's outcome
	// is not recorded.
	newA("late")
	fanOut(t, store)
	first, err := store.ClaimDeliveries(ctx, time.Now().Add(-time.Second), 10)
	if err != nil || len(first) != 1 {
		t.Fatalf("claim: %d, %v", len(first), err)
	}
	second, err := store.ClaimDeliveries(ctx, time.Now().Add(time.Hour), 10)
	if err != nil || len(second) != 1 || second[0].Delivery.ID != first[0].Delivery.ID || second[0].Delivery.Attempt != 2 {
		t.Fatalf("claim after the lease: %+v, %v", second, err)
	}
	p := domain.DefaultRetryPolicy
	if err := store.FinishDelivery(ctx, first[0], domain.DeliveryAttempt{At: time.Now(), StatusCode: 200}, p, 0.5); err != nil {
		t.Fatal(err)
	}
	var state domain.DeliveryState
	for _, d := range deliveriesOf(t, store, w) {
		if d.ID == first[0].Delivery.ID {
			state = d.State
		}
	}
	if state != domain.DeliveryPending {
		t.Fatalf("the stale claim recorded its outcome: %s", state)
	}
	if err := store.FinishDelivery(ctx, second[0], domain.DeliveryAttempt{At: time.Now(), StatusCode: 200}, p, 0.5); err != nil {
		t.Fatal(err)
	}
	if ds := deliveriesOf(t, store, w); ds[0].ID != first[0].Delivery.ID || ds[0].State != domain.DeliveryDelivered || ds[0].Attempt != 2 || len(ds[0].Log) != 1 {
		t.Fatalf("newest delivery %+v", ds[0])
	}

	// An inactive webhook's deliveries are not claimed.
	newA("while off")
	fanOut(t, store)
	if _, err := store.UpdateWebhook(ctx, ws, w.ID, w.Version, func(w *domain.Webhook) error { w.Active = false; return nil }); err != nil {
		t.Fatal(err)
	}
	if jobs, err := store.ClaimDeliveries(ctx, time.Now().Add(time.Hour), 10); err != nil || len(jobs) != 0 {
		t.Fatalf("claimed %d deliveries of an inactive webhook (%v)", len(jobs), err)
	}
}

// Finishing records the attempt, schedules the retry or ends the delivery,
// and counts deliveries that failed for good against the webhook until it
// is turned off.
func TestFinishDelivery(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	store := newStore(t)
	ws, _, newA, _ := twoWorkspaces(t, store)
	w := storeWebhook(t, store, ws, true, domain.EventIdeaCreated)
	p := domain.RetryPolicy{Base: time.Minute, Max: time.Hour, For: time.Hour, DisableAfter: 2}
	attemptNow := func(status int) {
		t.Helper()
		jobs, err := store.ClaimDeliveries(ctx, time.Now().Add(time.Minute), 1)
		if err != nil || len(jobs) != 1 {
			t.Fatalf("claim: %d, %v", len(jobs), err)
		}
		a := domain.DeliveryAttempt{At: time.Now(), StatusCode: status, Duration: 42 * time.Millisecond}
		if status != 200 {
			a.Error = "the receiver answered " + strconv.Itoa(status)
		}
		if err := store.FinishDelivery(ctx, jobs[0], a, p, 0.5); err != nil {
			t.Fatal(err)
		}
	}
	// Due again at once: the retry or the deadline moved to now.
	dueNow := func(field string) {
		t.Helper()
		if _, err := store.SQL().ExecContext(ctx, "UPDATE webhook_deliveries SET "+field+" = now() WHERE state = 'pending'"); err != nil {
			t.Fatal(err)
		}
	}
	webhook := func() *domain.Webhook {
		t.Helper()
		got, err := store.GetWebhook(ctx, ws, w.ID)
		if err != nil {
			t.Fatal(err)
		}
		return got
	}

	newA("one")
	fanOut(t, store)
	attemptNow(500)
	d := deliveriesOf(t, store, w)[0]
	if d.State != domain.DeliveryPending || d.Attempt != 1 || d.Last == nil || d.Last.StatusCode != 500 || d.Last.Duration != 42*time.Millisecond ||
		d.NextAttemptAt == nil || d.NextAttemptAt.Before(time.Now().Add(30*time.Second)) {
		t.Fatalf("after a failed attempt: %+v", d)
	}
	dueNow("next_attempt_at")
	attemptNow(200)
	if d = deliveriesOf(t, store, w)[0]; d.State != domain.DeliveryDelivered || d.Attempt != 2 || len(d.Log) != 2 || d.DeliveredAt == nil || d.NextAttemptAt != nil {
		t.Fatalf("after a success: %+v", d)
	}

	for n, title := range []string{"two", "three"} {
		newA(title)
		fanOut(t, store)
		dueNow("retry_until")
		attemptNow(503)
		got := webhook()
		if got.ConsecutiveFailures != n+1 || got.Active != (n == 0) {
			t.Fatalf("after %d failed deliveries: %+v", n+1, got)
		}
	}
	got := webhook()
	if got.DisabledAt == nil || got.DisabledReason == "" || got.Version != w.Version+1 {
		t.Fatalf("turned off: %+v", got)
	}
	failed, _, err := store.ListDeliveries(ctx, ws, w.ID, []domain.DeliveryState{domain.DeliveryFailed}, domain.Page{Limit: 1})
	if err != nil || len(failed) != 1 || failed[0].NextAttemptAt != nil || failed[0].Last.StatusCode != 503 {
		t.Fatalf("failed deliveries: %+v, %v", failed, err)
	}
	if _, err := store.Redeliver(ctx, ws, w.ID, failed[0].ID, time.Now().Add(time.Hour)); domain.ErrorCodeOf(err) != domain.EConflict {
		t.Fatalf("redelivery to an inactive webhook: %v", err)
	}
	if _, err := store.UpdateWebhook(ctx, ws, w.ID, got.Version, func(w *domain.Webhook) error { w.Enable(); return nil }); err != nil {
		t.Fatal(err)
	}
	again, err := store.Redeliver(ctx, ws, w.ID, failed[0].ID, time.Now().Add(time.Hour))
	if err != nil || again.State != domain.DeliveryPending || again.NextAttemptAt == nil || again.EventType != domain.EventIdeaCreated {
		t.Fatalf("redelivery: %+v, %v", again, err)
	}
	attemptNow(204)
	if got := webhook(); got.ConsecutiveFailures != 0 || !got.Active {
		t.Fatalf("after a success: %+v", got)
	}
	if _, err := store.Redeliver(ctx, ws, w.ID, domain.NewID(), time.Now()); domain.ErrorCodeOf(err) != domain.ENotFound {
		t.Fatalf("an unknown delivery: %v", err)
	}
}

// The secret is kept as it was made (the server signs with it), and
// deleting a webhook deletes its deliveries.
func TestWebhookStorage(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	store := newStore(t)
	ws, wsB, newA, _ := twoWorkspaces(t, store)
	w := storeWebhook(t, store, ws, true, domain.EventIdeaCreated, domain.EventPilotCompleted)
	got, err := store.GetWebhook(ctx, ws, w.ID)
	if err != nil || string(got.Secret) != string(w.Secret) || !slices.Equal(got.Events, w.Events) || got.Version != 1 {
		t.Fatalf("stored %+v, %v", got, err)
	}
	wantMicroseconds(t, "created_at", got.CreatedAt)
	if _, err := store.GetWebhook(ctx, wsB, w.ID); domain.ErrorCodeOf(err) != domain.ENotFound {
		t.Fatalf("from another workspace: %v", err)
	}
	newA("A")
	fanOut(t, store)
	if err := store.DeleteWebhook(ctx, ws, w.ID, 2); domain.ErrorCodeOf(err) != domain.EPreconditionFailed {
		t.Fatalf("stale delete: %v", err)
	}
	if err := store.DeleteWebhook(ctx, ws, w.ID, 1); err != nil {
		t.Fatal(err)
	}
	if n := countSQL(t, store, "SELECT count(*) FROM webhook_deliveries"); n != 0 {
		t.Fatalf("%d deliveries left", n)
	}
	for range domain.MaxWebhooks {
		storeWebhook(t, store, ws, true, domain.EventIdeaCreated)
	}
	extra := &domain.Webhook{WorkspaceID: ws, URL: "https://hooks.example.com", Events: []domain.EventType{domain.EventIdeaCreated}, Secret: []byte("k")}
	if err := store.CreateWebhook(ctx, extra); domain.ErrorCodeOf(err) != domain.EConflict {
		t.Fatalf("webhook %d: %v", domain.MaxWebhooks+1, err)
	}
	storeWebhook(t, store, wsB, true, domain.EventIdeaCreated) // another workspace has its own limit
}
