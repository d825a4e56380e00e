package api

import (
	"context"
	"log/slog"
	"time"

	"cxbacklog/domain"
)

// Housekeeper purges, every interval, what has outlived its use (expired
// Idempotency-Key responses, ended web sessions, webhook deliveries
// finished longer than the retention ago) and logs what it purged. Every
// replica runs one; a database-wide advisory lock lets one of them purge
// at a time, the others skip that turn (domain.Housekeep).
type Housekeeper struct {
	store  domain.HousekeepingStore
	log    *slog.Logger
	every  time.Duration
	policy domain.HousekeepingPolicy
	now    func() time.Time
}

// NewHousekeeper makes a housekeeper with cfg's interval, retention and
// clock.
func NewHousekeeper(store domain.HousekeepingStore, log *slog.Logger, cfg Config) *Housekeeper {
	h := &Housekeeper{store: store, log: log, every: cfg.HousekeepingEvery,
		policy: domain.HousekeepingPolicy{WebhookRetention: cfg.WebhookRetention}, now: cfg.Clock}
	if h.now == nil {
		h.now = time.Now
	}
	return h
}

// Run purges at once and then every interval until ctx ends; with an
// interval of 0 it does nothing. A run in progress when ctx ends stops
// after its current batch.
func (h *Housekeeper) Run(ctx context.Context) {
	if h.every <= 0 {
		return
	}
	tick := time.NewTicker(h.every)
	defer tick.Stop()
	for {
		_, _ = h.RunOnce(ctx)
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// RunOnce purges unless another process is doing so, logs the outcome and
// answers it.
func (h *Housekeeper) RunOnce(ctx context.Context) (domain.HousekeepingReport, error) {
	start := time.Now()
	r, err := domain.Housekeep(ctx, h.store, h.policy, h.now())
	took := slog.Float64("duration_ms", float64(time.Since(start).Microseconds())/1000)
	switch {
	case err != nil && ctx.Err() != nil:
		h.log.InfoContext(ctx, "housekeeping stopped by shutdown", slog.Int("idempotency_keys", r.IdempotencyKeys),
			slog.Int("sessions", r.Sessions), slog.Int("webhook_deliveries", r.Deliveries), slog.Int("batches", r.Batches), took)
	case err != nil:
		h.log.WarnContext(ctx, "housekeeping", slog.String("error", err.Error()), slog.Int("idempotency_keys", r.IdempotencyKeys),
			slog.Int("sessions", r.Sessions), slog.Int("webhook_deliveries", r.Deliveries), slog.Int("batches", r.Batches), took)
	case !r.Ran:
		h.log.InfoContext(ctx, "housekeeping skipped: another process holds the lock", took)
	default:
		h.log.InfoContext(ctx, "housekeeping", slog.Int("idempotency_keys", r.IdempotencyKeys), slog.Int("sessions", r.Sessions),
			slog.Int("webhook_deliveries", r.Deliveries), slog.Int("batches", r.Batches), took)
	}
	return r, err
}
