package domain

import (
	"context"
	"time"
)

// Housekeeping purges what has outlived its use: stored Idempotency-Key
// responses past IdempotencyTTL, web sessions that have ended (idle longer
// than SessionIdle, or their key revoked or expired) and webhook deliveries
// finished (delivered or failed for good) longer than the retention ago.
// Deliveries still pending, retries included, are never purged.
const (
	// DefaultWebhookRetention is how long a finished delivery stays listed.
	DefaultWebhookRetention = 30 * 24 * time.Hour
	// DefaultHousekeepingEvery is how often a replica tries to run it.
	DefaultHousekeepingEvery = 10 * time.Minute
	// HousekeepingBatch bounds the rows one DELETE removes, so that no
	// statement holds many row locks or runs long.
	HousekeepingBatch = 10000
)

// HousekeepingStore purges in bounded batches under a lock that one
// process in the whole deployment holds at a time.
type HousekeepingStore interface {
	// WithHousekeepingLock runs fn while holding the database-wide
	// housekeeping lock, and answers false without running fn when another
	// process holds it.
	WithHousekeepingLock(ctx context.Context, fn func(ctx context.Context) error) (bool, error)
	// PurgeIdempotencyKeys deletes up to limit stored responses created
	// before createdBefore and answers how many it deleted.
	PurgeIdempotencyKeys(ctx context.Context, createdBefore time.Time, limit int) (int, error)
	// PurgeSessions deletes up to limit sessions last seen before
	// seenBefore, or whose key was revoked or expired at now.
	PurgeSessions(ctx context.Context, seenBefore, now time.Time, limit int) (int, error)
	// PurgeDeliveries deletes up to limit webhook deliveries that are no
	// longer pending and were last changed before finishedBefore.
	PurgeDeliveries(ctx context.Context, finishedBefore time.Time, limit int) (int, error)
}

// HousekeepingPolicy is what a run keeps; a zero field takes its default.
type HousekeepingPolicy struct {
	WebhookRetention time.Duration // DefaultWebhookRetention
	Batch            int           // HousekeepingBatch
}

// HousekeepingReport is what one run did.
type HousekeepingReport struct {
	Ran             bool // false: another process held the lock, nothing was purged
	IdempotencyKeys int
	Sessions        int
	Deliveries      int
	Batches         int // DELETE statements run
}

// Housekeep runs one purge at now if no other process is running one:
// each kind is deleted batch after batch until a batch comes back short.
// A batch that fails ends the run with what was purged so far.
func Housekeep(ctx context.Context, store HousekeepingStore, p HousekeepingPolicy, now time.Time) (HousekeepingReport, error) {
	if p.WebhookRetention <= 0 {
		p.WebhookRetention = DefaultWebhookRetention
	}
	if p.Batch <= 0 {
		p.Batch = HousekeepingBatch
	}
	var r HousekeepingReport
	kinds := []struct {
		purged *int
		purge  func(ctx context.Context) (int, error)
	}{
		{&r.IdempotencyKeys, func(ctx context.Context) (int, error) {
			return store.PurgeIdempotencyKeys(ctx, now.Add(-IdempotencyTTL), p.Batch)
		}},
		{&r.Sessions, func(ctx context.Context) (int, error) {
			return store.PurgeSessions(ctx, now.Add(-SessionIdle), now, p.Batch)
		}},
		{&r.Deliveries, func(ctx context.Context) (int, error) {
			return store.PurgeDeliveries(ctx, now.Add(-p.WebhookRetention), p.Batch)
		}},
	}
	ran, err := store.WithHousekeepingLock(ctx, func(ctx context.Context) error {
		for _, k := range kinds {
			for {
				if err := ctx.Err(); err != nil {
					return err
				}
				n, err := k.purge(ctx)
				r.Batches++
				*k.purged += n
				if err != nil {
					return err
				}
				if n < p.Batch {
					break
				}
			}
		}
		return nil
	})
	r.Ran = ran
	return r, err
}
