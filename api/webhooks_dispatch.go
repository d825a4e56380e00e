package api

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strconv"
	"sync"
	"syscall"
	"time"

	"cxbacklog/domain"
)

// The dispatcher's fixed sizes.
const (
	fanOutBatch    = 500              // events turned into deliveries per statement
	deliveryBatch  = 16               // deliveries claimed at once
	deliveryWorker = 4                // attempts under way at once, per process
	leaseMargin    = 30 * time.Second // past the attempt's timeout, before another process may take a claimed delivery
	dialTimeout    = 5 * time.Second
)

// webhookPolicy is the configured retry policy, with the defaults for
// what is left zero.
func (c Config) webhookPolicy() domain.RetryPolicy {
	p := domain.DefaultRetryPolicy
	for _, f := range []struct{ dst, v *time.Duration }{
		{&p.Base, &c.WebhookRetryBase}, {&p.Max, &c.WebhookRetryMax}, {&p.For, &c.WebhookRetryFor},
	} {
		if *f.v > 0 {
			*f.dst = *f.v
		}
	}
	if c.WebhookDisableAfter > 0 {
		p.DisableAfter = c.WebhookDisableAfter
	}
	return p
}

// webhookTimeouts are the configured poll interval and attempt timeout,
// with their defaults.
func (c Config) webhookTimeouts() (poll, timeout time.Duration) {
	poll, timeout = time.Second, 15*time.Second
	if c.WebhookPoll > 0 {
		poll = c.WebhookPoll
	}
	if c.WebhookTimeout > 0 {
		timeout = c.WebhookTimeout
	}
	return poll, timeout
}

// Dispatcher delivers the outbox's events to webhooks: it turns each new
// event into a delivery per subscribed active webhook, then POSTs the due
// deliveries, signed (Standard Webhooks), and records every attempt.
// Delivery is at least once. Several dispatchers (one per replica) share
// the work safely: events and deliveries are claimed with FOR UPDATE SKIP
// LOCKED, and a claimed delivery is leased for its attempt's timeout plus
// a margin, after which another dispatcher retries it had this one died.
type Dispatcher struct {
	store   domain.DeliveryStore
	log     *slog.Logger
	allow   domain.HostAllowList
	policy  domain.RetryPolicy
	poll    time.Duration
	timeout time.Duration
	client  *http.Client
	now     func() time.Time
}

// NewDispatcher makes a dispatcher with cfg's webhook settings and clock.
func NewDispatcher(store domain.DeliveryStore, log *slog.Logger, cfg Config) *Dispatcher {
	poll, timeout := cfg.webhookTimeouts()
	d := &Dispatcher{store: store, log: log, allow: cfg.WebhookAllow, policy: cfg.webhookPolicy(), poll: poll, timeout: timeout,
		client: webhookClient(cfg.WebhookAllow, timeout), now: cfg.Clock}
	if d.now == nil {
		d.now = time.Now
	}
	return d
}

// Run dispatches every poll interval until ctx ends, then waits for the
// attempts under way (each bounded by the timeout) and records them.
func (d *Dispatcher) Run(ctx context.Context) {
	for ctx.Err() == nil {
		n, err := d.RunOnce(ctx)
		if err != nil && ctx.Err() == nil {
			d.log.WarnContext(ctx, "webhook dispatch", "error", err.Error())
		}
		if err == nil && n == deliveryBatch {
			continue // more may be due
		}
		select {
		case <-ctx.Done():
		case <-time.After(d.poll):
		}
	}
}

// RunOnce turns the new events into deliveries, then claims up to a batch
// of due deliveries and attempts them, and answers how many it attempted.
// The attempts run to their end even when ctx ends, so that a shutdown
// records them.
func (d *Dispatcher) RunOnce(ctx context.Context) (int, error) {
	for {
		n, err := d.store.FanOutEvents(ctx, d.policy.For, fanOutBatch)
		if err != nil {
			return 0, err
		}
		if n < fanOutBatch {
			break
		}
	}
	jobs, err := d.store.ClaimDeliveries(ctx, d.now().Add(d.timeout+leaseMargin), deliveryBatch)
	if err != nil {
		return 0, err
	}
	work := context.WithoutCancel(ctx)
	slots := make(chan struct{}, deliveryWorker)
	var wg sync.WaitGroup
	for _, job := range jobs {
		slots <- struct{}{}
		wg.Go(func() {
			defer func() { <-slots }()
			d.deliver(work, job)
		})
	}
	wg.Wait()
	return len(jobs), nil
}

// deliver makes one attempt and records it.
func (d *Dispatcher) deliver(ctx context.Context, job domain.DeliveryJob) {
	a := d.attempt(ctx, job)
	level := slog.LevelInfo
	if !a.Succeeded() {
		level = slog.LevelWarn
	}
	d.log.LogAttrs(ctx, level, "webhook delivery", slog.String("webhook_id", job.Delivery.WebhookID),
		slog.String("delivery_id", job.Delivery.ID), slog.String("event_id", job.Event.ID), slog.String("event_type", string(job.Event.Type)),
		slog.Int("attempt", job.Delivery.Attempt), slog.Int("status", a.StatusCode),
		slog.Float64("duration_ms", float64(a.Duration.Microseconds())/1000), slog.String("error", a.Error))
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := d.store.FinishDelivery(ctx, job, a, d.policy, rand.Float64()); err != nil {
		// The lease runs out and the delivery is attempted again: at least once.
		d.log.ErrorContext(ctx, "webhook delivery not recorded", "delivery_id", job.Delivery.ID, "error", err.Error())
	}
}

// attempt POSTs the event to the webhook once.
func (d *Dispatcher) attempt(ctx context.Context, job domain.DeliveryJob) (a domain.DeliveryAttempt) {
	a.At = d.now().UTC()
	start := time.Now()
	defer func() { a.Duration = time.Since(start) }()
	// Checked again: the allow-list may have changed since the URL was saved.
	if _, err := d.allow.CheckURL(job.URL); err != nil {
		a.Error = "the URL is no longer allowed: " + errorMessage(err)
		return a
	}
	var body bytes.Buffer
	if err := encodeJSON(&body, eventOut(&job.Event), ""); err != nil {
		a.Error = "the event could not be encoded"
		return a
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, job.URL, bytes.NewReader(body.Bytes()))
	if err != nil {
		a.Error = "the URL cannot be requested: " + err.Error()
		return a
	}
	// The signature covers the id, the attempt's time and the exact body.
	ts := d.now()
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "cxbacklog-webhooks/1")
	req.Header.Set("webhook-id", job.Event.ID)
	req.Header.Set("webhook-timestamp", strconv.FormatInt(ts.Unix(), 10))
	req.Header.Set("webhook-signature", domain.SignWebhook(job.Secret, job.Event.ID, ts, body.Bytes()))
	res, err := d.client.Do(req)
	if err != nil {
		a.Error = d.describe(err)
		return a
	}
	// Drained (a little) so the connection can serve the next attempt.
	_, _ = io.Copy(io.Discard, io.LimitReader(res.Body, 64<<10))
	_ = res.Body.Close()
	a.StatusCode = res.StatusCode
	if !a.Succeeded() {
		a.Error = "the receiver answered " + res.Status
		if res.StatusCode >= 300 && res.StatusCode < 400 {
			a.Error += " (redirects are not followed; give the webhook its final URL)"
		}
	}
	return a
}

// describe says why a request got no answer, without the URL (it is the
// webhook's) and at most a few hundred bytes.
func (d *Dispatcher) describe(err error) string {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	var ne net.Error
	if errors.Is(err, context.DeadlineExceeded) || errors.As(err, &ne) && ne.Timeout() {
		return fmt.Sprintf("no answer within %v", d.timeout)
	}
	return clip(err.Error(), 300)
}

// webhookClient is the HTTP client of deliveries: no proxy from the
// environment (it would connect where the guard cannot look), no redirects
// (a 3xx is a failed attempt), the timeout on the whole exchange, and the
// SSRF guard in the dialer. The guard judges the address actually
// connected to, after DNS resolution, so a host name that resolved to a
// public address when the webhook was saved and to a private one now (DNS
// rebinding) is refused. Hosts on the allow-list by name are dialled
// unguarded; addresses in its CIDRs are let through.
func webhookClient(allow domain.HostAllowList, timeout time.Duration) *http.Client {
	guarded := &net.Dialer{Timeout: dialTimeout, Control: func(network, address string, _ syscall.RawConn) error {
		host, _, err := net.SplitHostPort(address)
		if err != nil {
			return fmt.Errorf("refused to connect to %s: not an address", address)
		}
		ip, err := netip.ParseAddr(host)
		if err != nil {
			return fmt.Errorf("refused to connect to %s: not an address", address)
		}
		if err := allow.CheckAddr(ip); err != nil {
			return errors.New("refused to connect: " + errorMessage(err))
		}
		return nil
	}}
	trusted := &net.Dialer{Timeout: dialTimeout}
	transport := &http.Transport{
		Proxy: nil,
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			if allow.AllowsHost(addr) {
				return trusted.DialContext(ctx, network, addr)
			}
			return guarded.DialContext(ctx, network, addr)
		},
		ForceAttemptHTTP2:     true,
		TLSHandshakeTimeout:   dialTimeout,
		ResponseHeaderTimeout: timeout,
		MaxIdleConns:          32,
		MaxIdleConnsPerHost:   deliveryWorker,
		IdleConnTimeout:       90 * time.Second,
	}
	return &http.Client{Transport: transport, Timeout: timeout,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}
