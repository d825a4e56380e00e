package api

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"time"

	"cxbacklog/domain"

	"github.com/labstack/echo/v4"
)

// WebhookCreate is the body of POST /webhooks.
type WebhookCreate struct {
	URL    string   `json:"url" binding:"required,max=2000" example:"https://hooks.example.com/cxbacklog"` // https; its host must not resolve to a private, loopback, link-local, multicast or CGNAT address
	Events []string `json:"events" binding:"required,min=1" enums:"idea.created,idea.updated,idea.status_changed,pilot.started,pilot.completed,pilot.cancelled,measurement.recorded" example:"idea.status_changed,pilot.completed"`
	Active *bool    `json:"active" example:"true" extensions:"x-nullable,x-omitempty"` // default true
} // @name WebhookCreate

// WebhookPatch is a JSON Merge Patch of a webhook. active true turns on a
// webhook the server turned off, clearing disabled_at and the failure count.
type WebhookPatch struct {
	URL    *string   `json:"url" extensions:"x-nullable,x-omitempty"`
	Events *[]string `json:"events" enums:"idea.created,idea.updated,idea.status_changed,pilot.started,pilot.completed,pilot.cancelled,measurement.recorded" extensions:"x-nullable,x-omitempty"`
	Active *bool     `json:"active" extensions:"x-nullable,x-omitempty"`
} // @name WebhookPatch

// Webhook is an endpoint that receives the workspace's events. Its secret
// is never shown here.
type Webhook struct {
	ID                  string     `json:"id" format:"uuid" binding:"required"`
	URL                 string     `json:"url" example:"https://hooks.example.com/cxbacklog" binding:"required"`
	Events              []string   `json:"events" example:"idea.status_changed,pilot.completed" binding:"required"`
	Active              bool       `json:"active" example:"true" binding:"required"`
	ConsecutiveFailures int        `json:"consecutive_failures" example:"0" binding:"required"` // deliveries failed for good in a row; 5 turn the webhook off
	DisabledAt          *time.Time `json:"disabled_at" extensions:"x-nullable"`                 // when the server turned it off
	DisabledReason      *string    `json:"disabled_reason" extensions:"x-nullable" example:"5 deliveries in a row failed"`
	CreatedAt           time.Time  `json:"created_at" binding:"required"`
	UpdatedAt           time.Time  `json:"updated_at" binding:"required"`
	Version             int        `json:"version" example:"1" binding:"required"`
} // @name Webhook

// WebhookCreated is the answer to a create: the webhook with its signing
// secret, shown this once.
type WebhookCreated struct {
	Webhook
	Secret string `json:"secret" example:"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw" binding:"required"` // Standard Webhooks: the HMAC-SHA256 key is the base64 after whsec_
} // @name WebhookCreated

// WebhookList is one page of webhooks.
type WebhookList struct {
	Items      []Webhook `json:"items" binding:"required"`
	NextCursor *string   `json:"next_cursor" extensions:"x-nullable"`
} // @name WebhookList

// DeliveryAttempt is one POST of an event to a webhook.
type DeliveryAttempt struct {
	At         time.Time `json:"at" binding:"required"`
	StatusCode *int      `json:"status_code" extensions:"x-nullable" example:"500"` // null when no answer came
	Error      *string   `json:"error" extensions:"x-nullable" example:"the receiver answered 500 Internal Server Error"`
	DurationMs int64     `json:"duration_ms" example:"42" binding:"required"`
} // @name DeliveryAttempt

// WebhookDelivery is one event's delivery to one webhook.
type WebhookDelivery struct {
	ID            string            `json:"id" format:"uuid" binding:"required"`
	EventID       string            `json:"event_id" format:"uuid" binding:"required"` // sent as webhook-id
	EventType     string            `json:"event_type" example:"pilot.completed" binding:"required"`
	State         string            `json:"state" enums:"pending,delivered,failed" example:"delivered" binding:"required"`
	Attempts      int               `json:"attempts" example:"2" binding:"required"`           // made, or under way
	StatusCode    *int              `json:"status_code" extensions:"x-nullable" example:"204"` // of the last attempt
	Error         *string           `json:"error" extensions:"x-nullable"`                     // of the last attempt
	DurationMs    *int64            `json:"duration_ms" extensions:"x-nullable"`               // of the last attempt
	NextAttemptAt *time.Time        `json:"next_attempt_at" extensions:"x-nullable"`           // while pending
	RetryUntil    time.Time         `json:"retry_until" binding:"required"`                    // a pending delivery still failing then fails for good
	DeliveredAt   *time.Time        `json:"delivered_at" extensions:"x-nullable"`
	CreatedAt     time.Time         `json:"created_at" binding:"required"`
	UpdatedAt     time.Time         `json:"updated_at" binding:"required"`
	Log           []DeliveryAttempt `json:"log" binding:"required"` // the latest 50 attempts, oldest first
} // @name WebhookDelivery

// WebhookDeliveryList is one page of a webhook's deliveries, newest first.
type WebhookDeliveryList struct {
	Items      []WebhookDelivery `json:"items" binding:"required"`
	NextCursor *string           `json:"next_cursor" extensions:"x-nullable"`
} // @name WebhookDeliveryList

// Event is one change in the workspace: an item of the feed and, as is,
// the body POSTed to webhooks.
type Event struct {
	ID        string         `json:"id" format:"uuid" binding:"required"` // also the webhook-id header: de-duplicate by it
	Type      string         `json:"type" enums:"idea.created,idea.updated,idea.status_changed,pilot.started,pilot.completed,pilot.cancelled,measurement.recorded" example:"idea.status_changed" binding:"required"`
	Timestamp time.Time      `json:"timestamp" binding:"required"` // when the change was made
	Data      map[string]any `json:"data" binding:"required"`      // ids and what changed; see the event feed's description
} // @name Event

// EventFeed is a page of the event feed, oldest first.
type EventFeed struct {
	Items []Event `json:"items" binding:"required"`
	// NextCursor is where to continue: send it as after= next time. Never
	// null: with no new event it is the cursor sent.
	NextCursor string `json:"next_cursor" example:"eyJlIjo0Mn0" binding:"required"`
	More       bool   `json:"more" binding:"required"` // more events wait: ask again at once
} // @name EventFeed

func webhookOut(w *domain.Webhook) Webhook {
	events := make([]string, len(w.Events))
	for n, t := range w.Events {
		events[n] = string(t)
	}
	return Webhook{ID: w.ID, URL: w.URL, Events: events, Active: w.Active, ConsecutiveFailures: w.ConsecutiveFailures,
		DisabledAt: utc(w.DisabledAt), DisabledReason: nilIfEmpty(w.DisabledReason), CreatedAt: w.CreatedAt.UTC(),
		UpdatedAt: w.UpdatedAt.UTC(), Version: w.Version}
}

func attemptOut(a domain.DeliveryAttempt) DeliveryAttempt {
	out := DeliveryAttempt{At: a.At.UTC(), Error: nilIfEmpty(a.Error), DurationMs: a.Duration.Milliseconds()}
	if a.StatusCode != 0 {
		status := a.StatusCode
		out.StatusCode = &status
	}
	return out
}

func deliveryOut(d *domain.WebhookDelivery) WebhookDelivery {
	out := WebhookDelivery{ID: d.ID, EventID: d.EventID, EventType: string(d.EventType), State: string(d.State), Attempts: d.Attempt,
		NextAttemptAt: utc(d.NextAttemptAt), RetryUntil: d.RetryUntil.UTC(), DeliveredAt: utc(d.DeliveredAt),
		CreatedAt: d.CreatedAt.UTC(), UpdatedAt: d.UpdatedAt.UTC(), Log: make([]DeliveryAttempt, len(d.Log))}
	for n, a := range d.Log {
		out.Log[n] = attemptOut(a)
	}
	if d.Last != nil {
		last := attemptOut(*d.Last)
		out.StatusCode, out.Error, out.DurationMs = last.StatusCode, last.Error, &last.DurationMs
	}
	return out
}

func eventOut(e *domain.Event) Event {
	data := e.Data
	if data == nil {
		data = map[string]any{}
	}
	return Event{ID: e.ID, Type: string(e.Type), Timestamp: e.CreatedAt.UTC(), Data: data}
}

// eventTypes reads the event types of a body; unknown ones are left for
// Webhook.Validate to name.
func eventTypes(in []string) []domain.EventType {
	out := make([]domain.EventType, len(in))
	for n, t := range in {
		out[n] = domain.EventType(t)
	}
	return out
}

// createWebhook godoc
//
//	@Summary	Create a webhook: the workspace's events, POSTed to a URL of yours
//	@Description	Each event of a type in events is POSTed to url as JSON (the Event schema, the same as an item of GET /api/v1/events) with the Standard Webhooks headers: webhook-id (the event id), webhook-timestamp (Unix seconds of the attempt) and webhook-signature (v1,<base64 of HMAC-SHA256 over "<webhook-id>.<webhook-timestamp>.<body>", keyed by the bytes of the secret's base64 after whsec_). Delivery is at least once: a non-2xx answer, no answer within 15 s or a connection error is retried with exponential backoff and jitter (about 10 s, 30 s, 90 s ... then every 4 h) for 24 h, after which the delivery fails; so a receiver may see an event twice and must de-duplicate by webhook-id (the event id). Order is not guaranteed (the feed's is). Redirects are not followed. After 5 deliveries in a row fail, or on one 410 Gone answer, the webhook is turned off (active false, disabled_at set). The URL must be https and its host must not resolve to a private, loopback, link-local, multicast, unspecified or CGNAT address (checked here and again at every connection). The response holds the secret, shown this once; for that reason this POST takes no Idempotency-Key.
//	@ID	createWebhook
//	@Tags	webhooks
//	@Accept	json
//	@Produce	json,application/problem+json
//	@Security	BearerAuth
//	@Param	webhook	body	WebhookCreate	true	"The webhook"
//	@Success	201	{object}	WebhookCreated
//	@Header	201	{string}	Location	"URL of the new webhook"
//	@Header	201	{string}	ETag	"Version, for If-Match"
//	@Header	201	{string}	Cache-Control	"no-store: the body holds the webhook's secret, which no cache may keep"
//	@Failure	400	{object}	Problem	"Bad request: malformed JSON or an unknown or repeated field; or any query parameter (this operation takes none)"
//	@Failure	401	{object}	Problem	"No API key, or an unknown, expired or revoked one"
//	@Failure	403	{object}	Problem	"Needs role admin"
//	@Failure	409	{object}	Problem	"The workspace has 20 webhooks already"
//	@Failure	413	{object}	Problem	"The body is larger than the limit (1 MB)"
//	@Failure	415	{object}	Problem	"The body is not application/json"
//	@Failure	422	{object}	Problem	"Invalid values; errors[] name each field (pointer): a URL that is not https, names a private address or a host that does not resolve; an unknown event type"
//	@Failure	429	{object}	Problem	"Too many requests: over the budget of this API key, of its workspace's keys together, or of failed authentications from this address, or the workspace has too many requests in flight; retry after Retry-After seconds"
//	@Failure	503	{object}	Problem	"The database is unavailable; retry after Retry-After seconds"
//	@Failure	default	{object}	Problem	"Any other error, e.g. 500 (an internal error: quote instance when reporting it)"
//	@Header	401	{string}	WWW-Authenticate	"The scheme to authenticate with: Bearer"
//	@Header	429	{integer}	Retry-After	"Seconds to wait before retrying"
//	@Header	503	{integer}	Retry-After	"Seconds to wait before retrying"
//	@Router	/api/v1/webhooks [post]
func (s *Server) createWebhook(c echo.Context) error {
	var in WebhookCreate
	if err := bindCreate(c, &in); err != nil {
		return err
	}
	secret, shown := domain.NewWebhookSecret()
	w := &domain.Webhook{WorkspaceID: principal(c).WorkspaceID, URL: in.URL, Events: eventTypes(in.Events), Secret: secret, Active: true}
	deref(in.Active, &w.Active)
	if err := s.validateWebhook(c.Request().Context(), w); err != nil {
		return err
	}
	if err := s.store.CreateWebhook(c.Request().Context(), w); err != nil {
		return err
	}
	return created(c, "/api/v1/webhooks/"+w.ID, w.Version, WebhookCreated{Webhook: webhookOut(w), Secret: shown})
}

// validateWebhook is Webhook.Validate, then, for a URL naming a host
// rather than an address, the addresses the host resolves to now: each must
// be one a webhook may reach. The dialer checks them again at every
// delivery, so a name that later resolves elsewhere gains nothing.
func (s *Server) validateWebhook(ctx context.Context, w *domain.Webhook) error {
	allow := s.cfg.WebhookAllow
	if err := w.Validate(allow); err != nil {
		return err
	}
	u, _ := allow.CheckURL(w.URL) // valid: Validate checked it
	host := u.Hostname()
	if _, err := netip.ParseAddr(host); err == nil || allow.AllowsHost(domain.HostPort(u)) {
		return nil // an address, checked by Validate, or a host the configuration trusts
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	addrs, err := net.DefaultResolver.LookupNetIP(ctx, "ip", host)
	var dnsErr *net.DNSError
	switch {
	case errors.As(err, &dnsErr) && dnsErr.IsNotFound, err == nil && len(addrs) == 0:
		return domain.Invalid(domain.FieldError{Pointer: "/url", Detail: "the host " + host + " does not resolve"})
	case err != nil:
		return domain.Wrap(domain.EUnavailable, err, "the host "+host+" could not be resolved just now; retry shortly")
	}
	for _, a := range addrs {
		if allow.CheckAddr(a) != nil {
			return domain.Invalid(domain.FieldError{Pointer: "/url",
				Detail: fmt.Sprintf("the host %s resolves to %s, %s, which a webhook may not reach", host, a.Unmap(), domain.ForbiddenAddress(a))})
		}
	}
	return nil
}

// errorMessage is a domain error's client-safe message.
func errorMessage(err error) string {
	var de *domain.Error
	if errors.As(err, &de) {
		return de.Message
	}
	return err.Error()
}

// listWebhooks godoc
//
//	@Summary	List the workspace's webhooks, oldest first (never their secrets)
//	@ID	listWebhooks
//	@Tags	webhooks
//	@Produce	json,application/problem+json
//	@Security	BearerAuth
//	@Param	limit	query	int	false	"Page size, 1–100"	default(20)	extensions(x-example=10)
//	@Param	cursor	query	string	false	"next_cursor of the previous page"	extensions(x-example=eyJ0IjoiMjAyNi0xMC0wMVQwOTowMDowMFoiLCJpIjoiM2Y2YzJhOWUtOGIxZC00ZTdhLTljNTUtMWQyZTNmNGE1YjZjIn0)
//	@Success	200	{object}	WebhookList
//	@Failure	400	{object}	Problem	"Bad request: a bad or unknown query parameter"
//	@Failure	401	{object}	Problem	"No API key, or an unknown, expired or revoked one"
//	@Failure	403	{object}	Problem	"Needs role admin"
//	@Failure	429	{object}	Problem	"Too many requests: over the budget of this API key, of its workspace's keys together, or of failed authentications from this address, or the workspace has too many requests in flight; retry after Retry-After seconds"
//	@Failure	503	{object}	Problem	"The database is unavailable; retry after Retry-After seconds"
//	@Failure	default	{object}	Problem	"Any other error, e.g. 500 (an internal error: quote instance when reporting it)"
//	@Header	401	{string}	WWW-Authenticate	"The scheme to authenticate with: Bearer"
//	@Header	429	{integer}	Retry-After	"Seconds to wait before retrying"
//	@Header	503	{integer}	Retry-After	"Seconds to wait before retrying"
//	@Router	/api/v1/webhooks [get]
func (s *Server) listWebhooks(c echo.Context) error {
	q := newListQuery(c)
	page := q.page()
	if err := q.err(); err != nil {
		return err
	}
	hooks, next, err := s.store.ListWebhooks(c.Request().Context(), principal(c).WorkspaceID, page)
	if err != nil {
		return err
	}
	out := WebhookList{Items: make([]Webhook, len(hooks)), NextCursor: encodeCursor(next)}
	for n := range hooks {
		out.Items[n] = webhookOut(&hooks[n])
	}
	return c.JSON(http.StatusOK, out)
}

// getWebhook godoc
//
//	@Summary	Get a webhook (never its secret)
//	@ID	getWebhook
//	@Tags	webhooks
//	@Produce	json,application/problem+json
//	@Security	BearerAuth
//	@Param	id	path	string	true	"Webhook id"	format(uuid)
//	@Success	200	{object}	Webhook
//	@Header	200	{string}	ETag	"Version, for If-Match"
//	@Failure	400	{object}	Problem	"Bad request: any query parameter (this operation takes none)"
//	@Failure	401	{object}	Problem	"No API key, or an unknown, expired or revoked one"
//	@Failure	403	{object}	Problem	"Needs role admin"
//	@Failure	404	{object}	Problem	"Unknown, or in another workspace"
//	@Failure	429	{object}	Problem	"Too many requests: over the budget of this API key, of its workspace's keys together, or of failed authentications from this address, or the workspace has too many requests in flight; retry after Retry-After seconds"
//	@Failure	503	{object}	Problem	"The database is unavailable; retry after Retry-After seconds"
//	@Failure	default	{object}	Problem	"Any other error, e.g. 500 (an internal error: quote instance when reporting it)"
//	@Header	401	{string}	WWW-Authenticate	"The scheme to authenticate with: Bearer"
//	@Header	429	{integer}	Retry-After	"Seconds to wait before retrying"
//	@Header	503	{integer}	Retry-After	"Seconds to wait before retrying"
//	@Router	/api/v1/webhooks/{id} [get]
func (s *Server) getWebhook(c echo.Context) error {
	id, err := pathID(c, "webhook")
	if err != nil {
		return err
	}
	w, err := s.store.GetWebhook(c.Request().Context(), principal(c).WorkspaceID, id)
	if err != nil {
		return err
	}
	setETag(c, w.Version)
	return c.JSON(http.StatusOK, webhookOut(w))
}

// patchWebhook godoc
//
//	@Summary	Change a webhook (JSON Merge Patch): its URL, its events, or whether it is active
//	@Description	Absent fields stay unchanged; null is 422 naming the field. active true turns on a webhook the server turned off after failed deliveries, clearing disabled_at, disabled_reason and the failure count; its pending deliveries resume. A new URL is checked as at creation. The secret does not change (create a new webhook for a new one).
//	@ID	patchWebhook
//	@Tags	webhooks
//	@Accept	json
//	@Accept	application/merge-patch+json
//	@Produce	json,application/problem+json
//	@Security	BearerAuth
//	@Param	id	path	string	true	"Webhook id"	format(uuid)
//	@Param	If-Match	header	string	true	"ETag of the version the change is based on, as its ETag header gave it: a version number in double quotes"	extensions(x-example="1")
//	@Param	patch	body	WebhookPatch	true	"Fields to change"
//	@Success	200	{object}	Webhook
//	@Header	200	{string}	ETag	"The new version"
//	@Failure	400	{object}	Problem	"Bad request: malformed JSON or an unknown or repeated field; a malformed If-Match; or any query parameter (this operation takes none)"
//	@Failure	401	{object}	Problem	"No API key, or an unknown, expired or revoked one"
//	@Failure	403	{object}	Problem	"Needs role admin"
//	@Failure	404	{object}	Problem	"Unknown, or in another workspace"
//	@Failure	412	{object}	Problem	"If-Match is stale (the server's turning the webhook off makes a new version too)"
//	@Failure	413	{object}	Problem	"The body is larger than the limit (1 MB)"
//	@Failure	415	{object}	Problem	"The body is neither application/json nor application/merge-patch+json"
//	@Failure	422	{object}	Problem	"Invalid values; errors[] name each field (pointer)"
//	@Failure	428	{object}	Problem	"If-Match missing"
//	@Failure	429	{object}	Problem	"Too many requests: over the budget of this API key, of its workspace's keys together, or of failed authentications from this address, or the workspace has too many requests in flight; retry after Retry-After seconds"
//	@Failure	503	{object}	Problem	"The database is unavailable; retry after Retry-After seconds"
//	@Failure	default	{object}	Problem	"Any other error, e.g. 500 (an internal error: quote instance when reporting it)"
//	@Header	401	{string}	WWW-Authenticate	"The scheme to authenticate with: Bearer"
//	@Header	429	{integer}	Retry-After	"Seconds to wait before retrying"
//	@Header	503	{integer}	Retry-After	"Seconds to wait before retrying"
//	@Router	/api/v1/webhooks/{id} [patch]
func (s *Server) patchWebhook(c echo.Context) error {
	id, err := pathID(c, "webhook")
	if err != nil {
		return err
	}
	version, err := ifMatch(c)
	if err != nil {
		return err
	}
	var in WebhookPatch
	p, err := bindPatch(c, &in)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	w, err := s.store.UpdateWebhook(ctx, principal(c).WorkspaceID, id, version, func(w *domain.Webhook) error {
		// Nothing of a webhook can be cleared: null on any field is 422.
		before := w.URL
		var fields []domain.FieldError
		setRequired(p, &fields, "url", in.URL, &w.URL)
		var events []string
		setRequired(p, &fields, "events", in.Events, &events)
		if p.has("events") && in.Events != nil {
			w.Events = eventTypes(events)
		}
		var active bool
		setRequired(p, &fields, "active", in.Active, &active)
		if fields != nil {
			return domain.Invalid(fields...)
		}
		switch {
		case !p.has("active"):
		case active:
			w.Enable()
		default:
			w.Active = false
		}
		if w.URL == before {
			// Checked when it was set; were it no longer allowed, the
			// deliveries say so, and the webhook can still be changed.
			return w.ValidateEvents()
		}
		return s.validateWebhook(ctx, w)
	})
	if err != nil {
		return err
	}
	setETag(c, w.Version)
	return c.JSON(http.StatusOK, webhookOut(w))
}

// deleteWebhook godoc
//
//	@Summary	Delete a webhook and its deliveries
//	@ID	deleteWebhook
//	@Tags	webhooks
//	@Produce	json,application/problem+json
//	@Security	BearerAuth
//	@Param	id	path	string	true	"Webhook id"	format(uuid)
//	@Param	If-Match	header	string	true	"ETag of the version being deleted, as its ETag header gave it: a version number in double quotes"	extensions(x-example="1")
//	@Success	204
//	@Failure	400	{object}	Problem	"Bad request: a malformed If-Match; or any query parameter (this operation takes none)"
//	@Failure	401	{object}	Problem	"No API key, or an unknown, expired or revoked one"
//	@Failure	403	{object}	Problem	"Needs role admin"
//	@Failure	404	{object}	Problem	"Unknown, or in another workspace"
//	@Failure	412	{object}	Problem	"If-Match names a version that is no longer current: read the resource again"
//	@Failure	428	{object}	Problem	"If-Match is missing"
//	@Failure	429	{object}	Problem	"Too many requests: over the budget of this API key, of its workspace's keys together, or of failed authentications from this address, or the workspace has too many requests in flight; retry after Retry-After seconds"
//	@Failure	503	{object}	Problem	"The database is unavailable; retry after Retry-After seconds"
//	@Failure	default	{object}	Problem	"Any other error, e.g. 500 (an internal error: quote instance when reporting it)"
//	@Header	401	{string}	WWW-Authenticate	"The scheme to authenticate with: Bearer"
//	@Header	429	{integer}	Retry-After	"Seconds to wait before retrying"
//	@Header	503	{integer}	Retry-After	"Seconds to wait before retrying"
//	@Router	/api/v1/webhooks/{id} [delete]
func (s *Server) deleteWebhook(c echo.Context) error {
	id, err := pathID(c, "webhook")
	if err != nil {
		return err
	}
	version, err := ifMatch(c)
	if err != nil {
		return err
	}
	if err := s.store.DeleteWebhook(c.Request().Context(), principal(c).WorkspaceID, id, version); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

// listDeliveries godoc
//
//	@Summary	A webhook's deliveries, newest first, each with its attempts
//	@Description	One delivery per event and webhook. pending: due at next_attempt_at (retried until retry_until); delivered: a 2xx answer; failed: still failing at retry_until, or answered 410 Gone. Delivery is at least once: the receiver de-duplicates by the event id (the webhook-id header).
//	@ID	listWebhookDeliveries
//	@Tags	webhooks
//	@Produce	json,application/problem+json
//	@Security	BearerAuth
//	@Param	id	path	string	true	"Webhook id"	format(uuid)
//	@Param	state	query	[]string	false	"Deliveries in any of these states"	Enums(pending,delivered,failed)	collectionFormat(csv)	extensions(x-example=failed)
//	@Param	limit	query	int	false	"Page size, 1–100"	default(20)	extensions(x-example=10)
//	@Param	cursor	query	string	false	"next_cursor of the previous page"	extensions(x-example=eyJ0IjoiMjAyNi0xMC0wMVQwOTowMDowMFoiLCJpIjoiM2Y2YzJhOWUtOGIxZC00ZTdhLTljNTUtMWQyZTNmNGE1YjZjIn0)
//	@Success	200	{object}	WebhookDeliveryList
//	@Failure	400	{object}	Problem	"Bad request: a bad or unknown query parameter"
//	@Failure	401	{object}	Problem	"No API key, or an unknown, expired or revoked one"
//	@Failure	403	{object}	Problem	"Needs role admin"
//	@Failure	404	{object}	Problem	"Unknown, or in another workspace"
//	@Failure	429	{object}	Problem	"Too many requests: over the budget of this API key, of its workspace's keys together, or of failed authentications from this address, or the workspace has too many requests in flight; retry after Retry-After seconds"
//	@Failure	503	{object}	Problem	"The database is unavailable; retry after Retry-After seconds"
//	@Failure	default	{object}	Problem	"Any other error, e.g. 500 (an internal error: quote instance when reporting it)"
//	@Header	401	{string}	WWW-Authenticate	"The scheme to authenticate with: Bearer"
//	@Header	429	{integer}	Retry-After	"Seconds to wait before retrying"
//	@Header	503	{integer}	Retry-After	"Seconds to wait before retrying"
//	@Router	/api/v1/webhooks/{id}/deliveries [get]
func (s *Server) listDeliveries(c echo.Context) error {
	id, err := pathID(c, "webhook")
	if err != nil {
		return err
	}
	q := newListQuery(c, "state")
	states := enumList(q, "state", domain.DeliveryStates)
	page := q.page()
	if err := q.err(); err != nil {
		return err
	}
	ds, next, err := s.store.ListDeliveries(c.Request().Context(), principal(c).WorkspaceID, id, states, page)
	if err != nil {
		return err
	}
	out := WebhookDeliveryList{Items: make([]WebhookDelivery, len(ds)), NextCursor: encodeCursor(next)}
	for n := range ds {
		out.Items[n] = deliveryOut(&ds[n])
	}
	return c.JSON(http.StatusOK, out)
}

// redeliver godoc
//
//	@Summary	Deliver an event to a webhook again
//	@Description	Makes the delivery pending and due now, whatever its state, and retries it for another 24 h. The receiver gets the same event id (webhook-id) again and should de-duplicate by it. Answers at once (202); list the deliveries to follow it.
//	@ID	redeliverWebhookDelivery
//	@Tags	webhooks
//	@Produce	json,application/problem+json
//	@Security	BearerAuth
//	@Param	id	path	string	true	"Webhook id"	format(uuid)
//	@Param	delivery_id	path	string	true	"Delivery id"	format(uuid)
//	@Success	202	{object}	WebhookDelivery
//	@Failure	400	{object}	Problem	"Bad request: any query parameter (this operation takes none)"
//	@Failure	401	{object}	Problem	"No API key, or an unknown, expired or revoked one"
//	@Failure	403	{object}	Problem	"Needs role admin"
//	@Failure	404	{object}	Problem	"Unknown webhook or delivery, or in another workspace"
//	@Failure	409	{object}	Problem	"The webhook is not active: turn it on first"
//	@Failure	429	{object}	Problem	"Too many requests: over the budget of this API key, of its workspace's keys together, or of failed authentications from this address, or the workspace has too many requests in flight; retry after Retry-After seconds"
//	@Failure	503	{object}	Problem	"The database is unavailable; retry after Retry-After seconds"
//	@Failure	default	{object}	Problem	"Any other error, e.g. 500 (an internal error: quote instance when reporting it)"
//	@Header	401	{string}	WWW-Authenticate	"The scheme to authenticate with: Bearer"
//	@Header	429	{integer}	Retry-After	"Seconds to wait before retrying"
//	@Header	503	{integer}	Retry-After	"Seconds to wait before retrying"
//	@Router	/api/v1/webhooks/{id}/deliveries/{delivery_id}/redeliver [post]
func (s *Server) redeliver(c echo.Context) error {
	id, err := pathID(c, "webhook")
	if err != nil {
		return err
	}
	deliveryID, err := pathParamID(c, "delivery_id", "delivery")
	if err != nil {
		return err
	}
	d, err := s.store.Redeliver(c.Request().Context(), principal(c).WorkspaceID, id, deliveryID, s.now().Add(s.cfg.webhookPolicy().For))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusAccepted, deliveryOut(d))
}

// wireEventCursor is the JSON inside an event feed cursor: the number of the
// last event seen, counted within the workspace.
type wireEventCursor struct {
	Seq int64 `json:"e"`
}

// eventsAfter reads the feed's after parameter: the seq to continue after,
// 0 from the start.
func eventsAfter(q *listQuery) int64 {
	s := q.one("after")
	if s == "" {
		return 0
	}
	var w wireEventCursor
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err == nil {
		err = json.Unmarshal(b, &w)
	}
	if err != nil || w.Seq < 0 {
		q.fail("after", "is not a cursor this API returned")
		return 0
	}
	return w.Seq
}

// listEvents godoc
//
//	@Summary	The event feed: the workspace's changes, oldest first, after a cursor
//	@Description	Poll it to follow the workspace without a webhook: send next_cursor back as after (it is never null; with nothing new it is the cursor sent; more=true means ask again at once). Events are numbered in the order their changes committed, so paging never skips one; each is written in the same transaction as its change, so a change that failed has none. The same events go to webhooks, at least once: de-duplicate by the event id (the webhook-id header). Types and their data: idea.created (idea_id, title, status, priority, quadrant, touchpoint_ids, version, actor); idea.updated (idea_id, title, changed: the names of the fields that changed, version, actor); idea.status_changed (idea_id, title, old_status, new_status, version, actor); pilot.started (pilot_id, idea_id, title, started_at, version, actor); pilot.completed (the same with decision, ended_at, and primary_metric_id, primary_metric_name and primary_metric_verdict when the pilot has a primary metric); pilot.cancelled (the same with previous_status and ended_at); measurement.recorded (measurement_id, touchpoint_id, metric_id, period_start, period_end, n, version, replaced). Data is flat and holds no nulls: a value that is not there is left out. A pilot that moves its idea also gives the idea's events; a CSV import gives one measurement.recorded per row.
//	@ID	listEvents
//	@Tags	webhooks
//	@Produce	json,application/problem+json
//	@Security	BearerAuth
//	@Param	after	query	string	false	"next_cursor of the previous answer; absent: from the first event"	extensions(x-example=eyJlIjo0Mn0)
//	@Param	types	query	[]string	false	"Events of any of these types"	Enums(idea.created,idea.updated,idea.status_changed,pilot.started,pilot.completed,pilot.cancelled,measurement.recorded)	collectionFormat(csv)	extensions(x-example=pilot.completed)
//	@Param	limit	query	int	false	"Page size, 1–100"	default(20)	extensions(x-example=10)
//	@Success	200	{object}	EventFeed
//	@Failure	400	{object}	Problem	"Bad request: a bad or unknown query parameter (cursor is after here)"
//	@Failure	401	{object}	Problem	"No API key, or an unknown, expired or revoked one"
//	@Failure	429	{object}	Problem	"Too many requests: over the budget of this API key, of its workspace's keys together, or of failed authentications from this address, or the workspace has too many requests in flight; retry after Retry-After seconds"
//	@Failure	503	{object}	Problem	"The database is unavailable; retry after Retry-After seconds"
//	@Failure	default	{object}	Problem	"Any other error, e.g. 500 (an internal error: quote instance when reporting it)"
//	@Header	401	{string}	WWW-Authenticate	"The scheme to authenticate with: Bearer"
//	@Header	429	{integer}	Retry-After	"Seconds to wait before retrying"
//	@Header	503	{integer}	Retry-After	"Seconds to wait before retrying"
//	@Router	/api/v1/events [get]
func (s *Server) listEvents(c echo.Context) error {
	q := newQuery(c, "after", "types", "limit")
	after := eventsAfter(q)
	types := enumList(q, "types", domain.EventTypes)
	limit := q.limit()
	if err := q.err(); err != nil {
		return err
	}
	events, more, err := s.store.ListEvents(c.Request().Context(), principal(c).WorkspaceID, after, types, limit)
	if err != nil {
		return err
	}
	out := EventFeed{Items: make([]Event, len(events)), More: more}
	last := after
	for n := range events {
		out.Items[n] = eventOut(&events[n])
		last = events[n].Seq
	}
	out.NextCursor = *opaque(&wireEventCursor{Seq: last})
	return c.JSON(http.StatusOK, out)
}
