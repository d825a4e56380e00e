package repository

import (
	"context"
	"encoding/json"
	"time"

	"cxbacklog/domain"

	"gorm.io/gorm/clause"
)

type webhookRow struct {
	ID                  string
	WorkspaceID         string
	URL                 string `gorm:"column:url"`
	Events              string // jsonb array
	Secret              []byte
	Active              bool
	ConsecutiveFailures int
	DisabledAt          *time.Time
	DisabledReason      string
	CreatedAt           time.Time
	UpdatedAt           time.Time
	Version             int
}

func (webhookRow) TableName() string { return "webhooks" }

func webhookRowOf(w *domain.Webhook) webhookRow {
	events, _ := json.Marshal(w.Events) // a []EventType always marshals
	if w.Events == nil {
		events = []byte("[]")
	}
	return webhookRow{ID: w.ID, WorkspaceID: w.WorkspaceID, URL: w.URL, Events: string(events), Secret: w.Secret,
		Active: w.Active, ConsecutiveFailures: w.ConsecutiveFailures, DisabledAt: w.DisabledAt, DisabledReason: w.DisabledReason,
		CreatedAt: w.CreatedAt, UpdatedAt: w.UpdatedAt, Version: w.Version}
}

func (r webhookRow) domain() domain.Webhook {
	w := domain.Webhook{ID: r.ID, WorkspaceID: r.WorkspaceID, URL: r.URL, Secret: r.Secret, Active: r.Active,
		ConsecutiveFailures: r.ConsecutiveFailures, DisabledAt: r.DisabledAt, DisabledReason: r.DisabledReason,
		CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt, Version: r.Version, Events: []domain.EventType{}}
	_ = json.Unmarshal([]byte(r.Events), &w.Events) // written by webhookRowOf: always an array
	return w
}

// webhookColumns are what a save writes: everything but the id, workspace
// and creation time.
func (r webhookRow) columns() map[string]any {
	return map[string]any{"url": r.URL, "events": r.Events, "active": r.Active, "consecutive_failures": r.ConsecutiveFailures,
		"disabled_at": r.DisabledAt, "disabled_reason": r.DisabledReason, "updated_at": r.UpdatedAt, "version": r.Version}
}

type deliveryRow struct {
	ID            string
	WorkspaceID   string
	WebhookID     string
	EventID       string
	EventType     string `gorm:"->;-:migration"` // read from events
	State         string
	Attempt       int
	StatusCode    *int
	Error         string
	DurationMs    *int
	Attempts      string // jsonb array of wireAttempt
	NextAttemptAt *time.Time
	RetryUntil    time.Time
	DeliveredAt   *time.Time
	CreatedAt     time.Time
	UpdatedAt     time.Time
}

func (deliveryRow) TableName() string { return "webhook_deliveries" }

// wireAttempt is one logged attempt in webhook_deliveries.attempts.
type wireAttempt struct {
	At         time.Time `json:"at"`
	StatusCode int       `json:"status_code,omitempty"`
	Error      string    `json:"error,omitempty"`
	DurationMs int64     `json:"duration_ms"`
}

func (r deliveryRow) domain() domain.WebhookDelivery {
	d := domain.WebhookDelivery{ID: r.ID, WorkspaceID: r.WorkspaceID, WebhookID: r.WebhookID, EventID: r.EventID,
		EventType: domain.EventType(r.EventType), State: domain.DeliveryState(r.State), Attempt: r.Attempt,
		NextAttemptAt: r.NextAttemptAt, RetryUntil: r.RetryUntil, DeliveredAt: r.DeliveredAt, CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt}
	var log []wireAttempt
	_ = json.Unmarshal([]byte(r.Attempts), &log) // written by the columns below: always an array
	for _, a := range log {
		d.Log = append(d.Log, domain.DeliveryAttempt{At: a.At, StatusCode: a.StatusCode, Error: a.Error, Duration: time.Duration(a.DurationMs) * time.Millisecond})
	}
	if len(d.Log) > 0 {
		last := d.Log[len(d.Log)-1]
		d.Last = &last
	}
	return d
}

// deliveryColumns are what recording an attempt writes.
func deliveryColumns(d *domain.WebhookDelivery) map[string]any {
	log := make([]wireAttempt, len(d.Log))
	for n, a := range d.Log {
		log[n] = wireAttempt{At: a.At.UTC(), StatusCode: a.StatusCode, Error: a.Error, DurationMs: a.Duration.Milliseconds()}
	}
	raw, _ := json.Marshal(log) // plain fields
	cols := map[string]any{"state": string(d.State), "attempts": string(raw), "next_attempt_at": d.NextAttemptAt,
		"delivered_at": d.DeliveredAt, "updated_at": d.UpdatedAt}
	if d.Last != nil {
		var status *int
		if d.Last.StatusCode != 0 {
			status = &d.Last.StatusCode
		}
		ms := int(d.Last.Duration.Milliseconds())
		cols["status_code"], cols["error"], cols["duration_ms"] = status, d.Last.Error, &ms
	}
	return cols
}

// CreateWebhook implements domain.WebhookStore. The advisory lock makes the
// count and the insert one step among the workspace's creations.
func (s *Store) CreateWebhook(ctx context.Context, w *domain.Webhook) error {
	return s.InTx(ctx, func(ctx context.Context) error {
		if err := s.conn(ctx).Exec("SELECT pg_advisory_xact_lock(hashtextextended('webhooks:' || ?, 0))", w.WorkspaceID).Error; err != nil {
			return translate(err)
		}
		var n int64
		if err := s.conn(ctx).Model(&webhookRow{}).Where("workspace_id = ?", w.WorkspaceID).Count(&n).Error; err != nil {
			return translate(err)
		}
		if n >= domain.MaxWebhooks {
			return domain.Errorf(domain.EConflict, "the workspace has %d webhooks, the most it may have; delete one it no longer needs first", n)
		}
		w.ID = domain.NewID()
		w.CreatedAt = s.now()
		w.UpdatedAt, w.Version = w.CreatedAt, 1
		row := webhookRowOf(w)
		return translate(s.conn(ctx).Create(&row).Error)
	})
}

// GetWebhook implements domain.WebhookStore.
func (s *Store) GetWebhook(ctx context.Context, workspaceID, id string) (*domain.Webhook, error) {
	return s.loadWebhook(ctx, workspaceID, id, false)
}

func (s *Store) loadWebhook(ctx context.Context, workspaceID, id string, forUpdate bool) (*domain.Webhook, error) {
	var row webhookRow
	q := s.conn(ctx).Where("workspace_id = ? AND id = ?", workspaceID, id)
	if forUpdate {
		q = q.Clauses(clause.Locking{Strength: "UPDATE"})
	}
	if err := q.Take(&row).Error; err != nil {
		return nil, notFound(err, "webhook", id)
	}
	w := row.domain()
	return &w, nil
}

// ListWebhooks implements domain.WebhookStore.
func (s *Store) ListWebhooks(ctx context.Context, workspaceID string, page domain.Page) ([]domain.Webhook, *domain.Cursor, error) {
	var rows []webhookRow
	if err := keyset(s.conn(ctx).Where("workspace_id = ?", workspaceID), "webhooks", page).Find(&rows).Error; err != nil {
		return nil, nil, translate(err)
	}
	rows, next := cutPage(rows, page.Limit, func(r webhookRow) domain.Cursor { return domain.Cursor{CreatedAt: r.CreatedAt, ID: r.ID} })
	out := make([]domain.Webhook, len(rows))
	for n, r := range rows {
		out[n] = r.domain()
	}
	return out, next, nil
}

// UpdateWebhook implements domain.WebhookStore.
func (s *Store) UpdateWebhook(ctx context.Context, workspaceID, id string, version int, change func(*domain.Webhook) error) (*domain.Webhook, error) {
	load := func(ctx context.Context) (*domain.Webhook, error) { return s.loadWebhook(ctx, workspaceID, id, true) }
	rev := func(w *domain.Webhook) (*int, *time.Time) { return &w.Version, &w.UpdatedAt }
	return updateVersioned(ctx, s, version, load, rev, change, func(ctx context.Context, w *domain.Webhook) error {
		return translate(s.conn(ctx).Model(&webhookRow{}).Where("id = ?", id).Updates(webhookRowOf(w).columns()).Error)
	})
}

// DeleteWebhook implements domain.WebhookStore.
func (s *Store) DeleteWebhook(ctx context.Context, workspaceID, id string, version int) error {
	return s.InTx(ctx, func(ctx context.Context) error {
		w, err := s.loadWebhook(ctx, workspaceID, id, true)
		if err != nil {
			return err
		}
		if err := checkVersion(w.Version, version); err != nil {
			return err
		}
		return translate(s.conn(ctx).Where("id = ?", id).Delete(&webhookRow{}).Error)
	})
}

// deliverySelect reads deliveries with their event's type.
const deliverySelect = "webhook_deliveries.*, events.type AS event_type"

// ListDeliveries implements domain.WebhookStore: a range of
// webhook_deliveries_list_idx.
func (s *Store) ListDeliveries(ctx context.Context, workspaceID, webhookID string, states []domain.DeliveryState, page domain.Page) ([]domain.WebhookDelivery, *domain.Cursor, error) {
	if _, err := s.GetWebhook(ctx, workspaceID, webhookID); err != nil {
		return nil, nil, err
	}
	limit := pageLimit(page.Limit)
	q := s.conn(ctx).Model(&deliveryRow{}).Select(deliverySelect).Joins("JOIN events ON events.id = webhook_deliveries.event_id").
		Where("webhook_deliveries.webhook_id = ?", webhookID)
	q = anyOf(q, "webhook_deliveries.state", states)
	if page.After != nil {
		q = q.Where("(webhook_deliveries.created_at, webhook_deliveries.id) < (?, ?)", page.After.CreatedAt, page.After.ID)
	}
	var rows []deliveryRow
	if err := q.Order("webhook_deliveries.created_at DESC, webhook_deliveries.id DESC").Limit(limit + 1).Find(&rows).Error; err != nil {
		return nil, nil, translate(err)
	}
	rows, next := cutPage(rows, limit, func(r deliveryRow) domain.Cursor { return domain.Cursor{CreatedAt: r.CreatedAt, ID: r.ID} })
	out := make([]domain.WebhookDelivery, len(rows))
	for n, r := range rows {
		out[n] = r.domain()
	}
	return out, next, nil
}

// Redeliver implements domain.WebhookStore.
func (s *Store) Redeliver(ctx context.Context, workspaceID, webhookID, deliveryID string, retryUntil time.Time) (*domain.WebhookDelivery, error) {
	var out *domain.WebhookDelivery
	err := s.InTx(ctx, func(ctx context.Context) error {
		w, err := s.GetWebhook(ctx, workspaceID, webhookID)
		if err != nil {
			return err
		}
		if !w.Active {
			return domain.Errorf(domain.EConflict, "the webhook is not active; turn it on (PATCH {\"active\":true}) first")
		}
		now := s.now()
		res := s.conn(ctx).Model(&deliveryRow{}).Where("id = ? AND webhook_id = ?", deliveryID, webhookID).Updates(map[string]any{
			"state": string(domain.DeliveryPending), "next_attempt_at": now, "retry_until": retryUntil.UTC().Truncate(time.Microsecond),
			"delivered_at": nil, "updated_at": now,
		})
		if res.Error != nil {
			return translate(res.Error)
		}
		if res.RowsAffected == 0 {
			return domain.Errorf(domain.ENotFound, "no delivery %s of webhook %s", deliveryID, webhookID)
		}
		var row deliveryRow
		err = s.conn(ctx).Model(&deliveryRow{}).Select(deliverySelect).Joins("JOIN events ON events.id = webhook_deliveries.event_id").
			Where("webhook_deliveries.id = ?", deliveryID).Take(&row).Error
		if err != nil {
			return translate(err)
		}
		d := row.domain()
		out = &d
		return nil
	})
	return out, err
}

// claimRow is a claimed delivery with its webhook and event.
type claimRow struct {
	Delivery  deliveryRow `gorm:"embedded"`
	URL       string      `gorm:"column:url"`
	Secret    []byte
	Seq       int64
	SubjectID string
	Data      string
	EventAt   time.Time
}

// ClaimDeliveries implements domain.DeliveryStore in one statement: the due
// deliveries of active webhooks (SKIP LOCKED: another dispatcher takes
// others), their attempt counted and their next attempt moved to the lease's
// end, answered with their webhook and event.
func (s *Store) ClaimDeliveries(ctx context.Context, leaseUntil time.Time, limit int) ([]domain.DeliveryJob, error) {
	now := s.now()
	var rows []claimRow
	err := s.conn(ctx).Raw(`UPDATE webhook_deliveries d SET attempt = d.attempt + 1, next_attempt_at = ?, updated_at = ?
		FROM webhooks w, events e
		WHERE d.id IN (
			SELECT d2.id FROM webhook_deliveries d2 JOIN webhooks w2 ON w2.id = d2.webhook_id
			WHERE d2.state = 'pending' AND d2.next_attempt_at <= ? AND w2.active
			ORDER BY d2.next_attempt_at LIMIT ? FOR UPDATE OF d2 SKIP LOCKED
		) AND w.id = d.webhook_id AND e.id = d.event_id
		RETURNING d.*, e.type AS event_type, w.url, w.secret, e.seq, e.subject_id, e.data, e.created_at AS event_at`,
		leaseUntil.UTC().Truncate(time.Microsecond), now, now, limit).Scan(&rows).Error
	if err != nil {
		return nil, translate(err)
	}
	jobs := make([]domain.DeliveryJob, len(rows))
	for n, r := range rows {
		ev := eventRow{ID: r.Delivery.EventID, WorkspaceID: r.Delivery.WorkspaceID, Seq: r.Seq, Type: r.Delivery.EventType,
			SubjectID: r.SubjectID, Data: r.Data, CreatedAt: r.EventAt}
		jobs[n] = domain.DeliveryJob{Delivery: r.Delivery.domain(), URL: r.URL, Secret: r.Secret, Event: ev.domain()}
	}
	return jobs, nil
}

// FinishDelivery implements domain.DeliveryStore. The webhook is locked
// before the delivery, the order in which DeleteWebhook (and the cascade to
// its deliveries) takes them, so the two cannot deadlock; NO KEY UPDATE
// leaves the fan-out's foreign-key checks free to run meanwhile.
func (s *Store) FinishDelivery(ctx context.Context, job domain.DeliveryJob, a domain.DeliveryAttempt, p domain.RetryPolicy, jitter float64) error {
	return s.InTx(ctx, func(ctx context.Context) error {
		var hooks []webhookRow
		err := s.conn(ctx).Clauses(clause.Locking{Strength: "NO KEY UPDATE"}).
			Where("workspace_id = ? AND id = ?", job.Delivery.WorkspaceID, job.Delivery.WebhookID).Find(&hooks).Error
		if err != nil || len(hooks) == 0 {
			return translate(err) // deleted since the claim: nothing to record
		}
		var rows []deliveryRow
		err = s.conn(ctx).Clauses(clause.Locking{Strength: "UPDATE"}).
			Where("id = ? AND attempt = ? AND state = ?", job.Delivery.ID, job.Delivery.Attempt, string(domain.DeliveryPending)).Find(&rows).Error
		if err != nil || len(rows) == 0 {
			return translate(err) // claimed again since, or redelivered and done: not this attempt's to record
		}
		d := rows[0].domain()
		now := s.now()
		d.Record(a, p, now, jitter)
		if err := s.conn(ctx).Model(&deliveryRow{}).Where("id = ?", d.ID).Updates(deliveryColumns(&d)).Error; err != nil {
			return translate(err)
		}
		if d.State == domain.DeliveryPending {
			return nil
		}
		w := hooks[0].domain()
		changed, disabled := w.AfterDelivery(&d, p, now)
		if !changed {
			return nil
		}
		if disabled { // a change the client sees: a new version, so a stale If-Match cannot turn it back on unawares
			w.Version++
			w.UpdatedAt = now
		}
		return translate(s.conn(ctx).Model(&webhookRow{}).Where("id = ?", w.ID).Updates(webhookRowOf(&w).columns()).Error)
	})
}

var (
	_ domain.WebhookStore  = (*Store)(nil)
	_ domain.DeliveryStore = (*Store)(nil)
)
