package domain

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Limits on webhooks.
const (
	MaxWebhooks        = 20   // per workspace: every event is delivered to each
	MaxWebhookURLBytes = 2000 // a URL longer than this is not an endpoint
	// MaxDeliveryLog is how many attempts a delivery keeps in its log, the
	// latest ones (a delivery retried for a day makes about 15).
	MaxDeliveryLog = 50
)

// Webhook is an endpoint of a workspace that receives its events: each event
// of a type it subscribes to is POSTed to URL, signed with Secret (see
// SignWebhook), at least once.
type Webhook struct {
	ID          string
	WorkspaceID string
	URL         string
	Events      []EventType
	Secret      []byte // raw; shown once as WebhookSecretString
	// Active is whether it receives deliveries. The server turns it off
	// (setting DisabledAt and DisabledReason) after DisableAfter deliveries
	// in a row failed, or when the receiver answers 410 Gone; turning it on
	// again clears both.
	Active              bool
	ConsecutiveFailures int
	DisabledAt          *time.Time
	DisabledReason      string
	CreatedAt           time.Time
	UpdatedAt           time.Time
	Version             int
}

// Validate checks the fields a client chooses: the URL (see CheckURL) and
// the events (see ValidateEvents). That the URL's host name resolves to
// addresses a webhook may reach is checked where names are resolved (the
// API at creation, the dialer at every delivery).
func (w *Webhook) Validate(allow HostAllowList) error {
	var fe fieldErrors
	if _, err := allow.CheckURL(w.URL); err != nil {
		fe.add("/url", "%s", messageOf(err))
	}
	fe = append(fe, FieldsOf(w.ValidateEvents())...)
	return fe.err()
}

// ValidateEvents checks the events alone: at least one, each a known type;
// repeated types are dropped.
func (w *Webhook) ValidateEvents() error {
	var fe fieldErrors
	if len(w.Events) == 0 {
		fe.add("/events", "must name at least one event type: %s", joinValues(EventTypes))
	}
	var distinct []EventType
	for n, t := range w.Events {
		if _, ok := ParseEventType(string(t)); !ok {
			fe.add("/events/"+strconv.Itoa(n), "must be one of %s", joinValues(EventTypes))
		} else if !slices.Contains(distinct, t) {
			distinct = append(distinct, t)
		}
	}
	if err := fe.err(); err != nil {
		return err
	}
	w.Events = distinct
	return nil
}

// Subscribes reports whether the webhook receives events of type t.
func (w *Webhook) Subscribes(t EventType) bool { return slices.Contains(w.Events, t) }

// Enable turns the webhook on, forgetting why the server had turned it off.
func (w *Webhook) Enable() {
	w.Active, w.DisabledAt, w.DisabledReason, w.ConsecutiveFailures = true, nil, "", 0
}

// HostAllowList names the webhook targets that are let through although
// their address is private (or loopback ...) and although they use http:
// for tests and development, never for customers' endpoints. An entry is a
// host (any port), a host:port, or a CIDR (addresses, however reached).
type HostAllowList struct {
	hosts []string // lower-case host or host:port, IPv6 without brackets
	nets  []netip.Prefix
}

// ParseHostAllowList reads a comma-separated list of host, host:port or
// CIDR entries (WEBHOOK_ALLOW_HOSTS); spaces around entries are ignored.
func ParseHostAllowList(s string) (HostAllowList, error) {
	var a HostAllowList
	for _, entry := range strings.Split(s, ",") {
		entry = strings.ToLower(strings.TrimSpace(entry))
		if entry == "" {
			continue
		}
		if strings.Contains(entry, "/") {
			p, err := netip.ParsePrefix(entry)
			if err != nil {
				return a, fmt.Errorf("%q is not a CIDR such as 10.0.0.0/8", entry)
			}
			a.nets = append(a.nets, p.Masked())
			continue
		}
		if host, port, err := net.SplitHostPort(entry); err == nil {
			if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 || host == "" {
				return a, fmt.Errorf("%q is not host:port", entry)
			}
			a.hosts = append(a.hosts, net.JoinHostPort(host, port))
			continue
		}
		host := strings.Trim(entry, "[]")
		if strings.ContainsAny(host, ":@?#") && !isIP(host) {
			return a, fmt.Errorf("%q is not a host, host:port or CIDR", entry)
		}
		a.hosts = append(a.hosts, host)
	}
	return a, nil
}

// messageOf is an error's client-safe message.
func messageOf(err error) string {
	if de, ok := err.(*Error); ok {
		return de.Message
	}
	return err.Error()
}

func isIP(s string) bool {
	_, err := netip.ParseAddr(s)
	return err == nil
}

// IsEmpty reports whether nothing is allowed beyond the rules.
func (a HostAllowList) IsEmpty() bool { return len(a.hosts) == 0 && len(a.nets) == 0 }

// AllowsHost reports whether the host named in a URL or dial address,
// "host:port" (port required), is on the list by name: as host, as
// host:port, or, for an address literal, inside one of its CIDRs.
func (a HostAllowList) AllowsHost(hostport string) bool {
	host, port, err := net.SplitHostPort(hostport)
	if err != nil {
		return false
	}
	host = strings.ToLower(host)
	if slices.Contains(a.hosts, host) || slices.Contains(a.hosts, net.JoinHostPort(host, port)) {
		return true
	}
	ip, err := netip.ParseAddr(host)
	return err == nil && a.AllowsAddr(ip)
}

// AllowsAddr reports whether ip is inside one of the list's CIDRs.
func (a HostAllowList) AllowsAddr(ip netip.Addr) bool {
	ip = ip.Unmap()
	for _, p := range a.nets {
		if p.Contains(ip) {
			return true
		}
	}
	return false
}

// CheckAddr refuses an address a webhook must not reach (see
// ForbiddenAddress) unless the list allows it.
func (a HostAllowList) CheckAddr(ip netip.Addr) error {
	if a.AllowsAddr(ip) {
		return nil
	}
	if why := ForbiddenAddress(ip); why != "" {
		return Errorf(EInvalid, "address %s is %s, which a webhook may not reach", ip.Unmap(), why)
	}
	return nil
}

// CheckURL checks a webhook URL as written, without resolving names: an
// absolute https URL (http only for a host on the list) with a host, no
// user name or password, no fragment, at most MaxWebhookURLBytes; an
// address literal must be one a webhook may reach. It answers the URL
// parsed.
func (a HostAllowList) CheckURL(raw string) (*url.URL, error) {
	if strings.TrimSpace(raw) == "" {
		return nil, Errorf(EInvalid, "must not be empty")
	}
	if len(raw) > MaxWebhookURLBytes {
		return nil, Errorf(EInvalid, "must be at most %d bytes", MaxWebhookURLBytes)
	}
	u, err := url.Parse(raw)
	if err != nil || !u.IsAbs() || u.Opaque != "" {
		return nil, Errorf(EInvalid, "must be an absolute URL such as https://example.com/webhooks/cxbacklog")
	}
	if u.User != nil {
		return nil, Errorf(EInvalid, "must not hold a user name or password; the signature authenticates the deliveries")
	}
	if u.Fragment != "" || strings.Contains(raw, "#") {
		return nil, Errorf(EInvalid, "must not have a #fragment")
	}
	host := u.Hostname()
	if host == "" {
		return nil, Errorf(EInvalid, "must name a host")
	}
	if _, err := strconv.Atoi(u.Port()); u.Port() != "" && err != nil {
		return nil, Errorf(EInvalid, "must have a numeric port")
	}
	allowed := a.AllowsHost(HostPort(u))
	switch u.Scheme {
	case "https":
	case "http":
		if !allowed {
			return nil, Errorf(EInvalid, "must use https (http only for a host in WEBHOOK_ALLOW_HOSTS)")
		}
	default:
		return nil, Errorf(EInvalid, "must use https")
	}
	if ip, err := netip.ParseAddr(host); err == nil && !allowed {
		if err := a.CheckAddr(ip); err != nil {
			return nil, err
		}
	}
	return u, nil
}

// HostPort is a URL's host:port, with the scheme's default port.
func HostPort(u *url.URL) string {
	port := u.Port()
	if port == "" {
		port = "443"
		if u.Scheme == "http" {
			port = "80"
		}
	}
	return net.JoinHostPort(strings.ToLower(u.Hostname()), port)
}

// notGlobal are ranges the net/netip predicates do not name but that no
// public endpoint uses: CGNAT (shared address space, often the provider's
// own network), "this network", IETF protocol assignments, benchmarking,
// reserved and broadcast, and local-use NAT64.
var notGlobal = []struct {
	prefix netip.Prefix
	why    string
}{
	{netip.MustParsePrefix("100.64.0.0/10"), "a carrier-grade NAT (shared) address"},
	{netip.MustParsePrefix("0.0.0.0/8"), "a \"this network\" address"},
	{netip.MustParsePrefix("192.0.0.0/24"), "an IETF protocol address"},
	{netip.MustParsePrefix("198.18.0.0/15"), "a benchmarking address"},
	{netip.MustParsePrefix("240.0.0.0/4"), "a reserved address"},
	{netip.MustParsePrefix("64:ff9b:1::/48"), "a local NAT64 address"},
}

// nat64 is the well-known NAT64 prefix: its addresses reach the IPv4
// address in their last 32 bits, which is judged instead.
var nat64 = netip.MustParsePrefix("64:ff9b::/96")

// ForbiddenAddress says why a webhook must not reach ip ("" when it may):
// private, loopback, link-local, multicast, unspecified, CGNAT and the
// other ranges no public endpoint has. An IPv4 address written as IPv6
// (::ffff:10.0.0.1, or behind NAT64) is judged as the IPv4 address.
func ForbiddenAddress(ip netip.Addr) string {
	ip = ip.Unmap()
	if nat64.Contains(ip) {
		b := ip.As16()
		return ForbiddenAddress(netip.AddrFrom4([4]byte{b[12], b[13], b[14], b[15]}))
	}
	switch {
	case !ip.IsValid():
		return "not an address"
	case ip.IsUnspecified():
		return "unspecified"
	case ip.IsLoopback():
		return "a loopback address"
	case ip.IsPrivate():
		return "a private address"
	case ip.IsMulticast():
		return "a multicast address"
	case ip.IsLinkLocalUnicast():
		return "a link-local address"
	}
	for _, r := range notGlobal {
		if r.prefix.Contains(ip) {
			return r.why
		}
	}
	return ""
}

// DeliveryState is where a delivery stands.
type DeliveryState string

// Delivery states: pending (due at NextAttemptAt, retried until RetryUntil),
// delivered (a 2xx answer), failed (for good: still failing at RetryUntil,
// or 410 Gone).
const (
	DeliveryPending   DeliveryState = "pending"
	DeliveryDelivered DeliveryState = "delivered"
	DeliveryFailed    DeliveryState = "failed"
)

// DeliveryStates lists every delivery state.
var DeliveryStates = []DeliveryState{DeliveryPending, DeliveryDelivered, DeliveryFailed}

// DeliveryAttempt is one POST of an event to a webhook.
type DeliveryAttempt struct {
	At         time.Time
	StatusCode int    // 0 when no answer came
	Error      string // why it failed; "" for a 2xx
	Duration   time.Duration
}

// Succeeded reports whether the receiver answered 2xx.
func (a DeliveryAttempt) Succeeded() bool { return a.StatusCode >= 200 && a.StatusCode <= 299 }

// Gone reports whether the receiver answered 410 Gone: it wants no more.
func (a DeliveryAttempt) Gone() bool { return a.StatusCode == 410 }

// WebhookDelivery is one event's delivery to one webhook, with its attempts.
type WebhookDelivery struct {
	ID            string
	WorkspaceID   string
	WebhookID     string
	EventID       string
	EventType     EventType
	State         DeliveryState
	Attempt       int // attempts made (or, while claimed, being made)
	Last          *DeliveryAttempt
	Log           []DeliveryAttempt // the latest MaxDeliveryLog attempts, oldest first
	NextAttemptAt *time.Time
	RetryUntil    time.Time
	DeliveredAt   *time.Time
	CreatedAt     time.Time
	UpdatedAt     time.Time
}

// RetryPolicy is how deliveries are retried and when a webhook is turned
// off.
type RetryPolicy struct {
	Base time.Duration // delay after the first failed attempt; each next one is 3 times longer
	Max  time.Duration // the longest delay
	For  time.Duration // a delivery still failing this long after it was made fails for good
	// DisableAfter is how many deliveries in a row may fail for good before
	// the webhook is turned off; 0 never turns it off.
	DisableAfter int
}

// DefaultRetryPolicy retries after about 10 s, 30 s, 90 s, 4.5 min, 13.5
// min, 40 min, 2 h, then every 4 h, for 24 h (about 12 attempts), and turns
// a webhook off after 5 deliveries in a row failed for good.
var DefaultRetryPolicy = RetryPolicy{Base: 10 * time.Second, Max: 4 * time.Hour, For: 24 * time.Hour, DisableAfter: 5}

// Delay is the wait after the n-th failed attempt (n ≥ 1): Base·3^(n−1),
// at most Max, times a jitter factor from 0.8 to 1.2 (jitter is a uniform
// random number in [0, 1)), so that receivers that fail together are not
// retried together.
func (p RetryPolicy) Delay(n int, jitter float64) time.Duration {
	d := p.Base
	for k := 1; k < n && d < p.Max; k++ {
		d *= 3
	}
	d = min(d, p.Max)
	return time.Duration(float64(d) * (0.8 + 0.4*jitter))
}

// Record applies the outcome of attempt a, made as the delivery's
// Attempt-th, at now: a 2xx delivers it; 410 Gone fails it for good; any
// other failure schedules a retry after p.Delay, no later than RetryUntil,
// or fails it for good when it was the attempt at RetryUntil or past it.
func (d *WebhookDelivery) Record(a DeliveryAttempt, p RetryPolicy, now time.Time, jitter float64) {
	d.Last = &a
	d.Log = append(d.Log, a)
	if len(d.Log) > MaxDeliveryLog {
		d.Log = slices.Clone(d.Log[len(d.Log)-MaxDeliveryLog:])
	}
	d.UpdatedAt = now
	switch {
	case a.Succeeded():
		d.State, d.NextAttemptAt, d.DeliveredAt = DeliveryDelivered, nil, &now
	case a.Gone() || !now.Before(d.RetryUntil):
		d.State, d.NextAttemptAt = DeliveryFailed, nil
	default:
		next := now.Add(p.Delay(d.Attempt, jitter))
		if next.After(d.RetryUntil) {
			next = d.RetryUntil
		}
		d.State, d.NextAttemptAt = DeliveryPending, &next
	}
}

// AfterDelivery counts a delivery that ended (delivered or failed for
// good) against its webhook: a success clears the count of failures in a
// row; a failure adds one, and turns the webhook off when the receiver
// answered 410 Gone or when p.DisableAfter failures came in a row. It
// reports whether the webhook changed, and whether it was turned off.
func (w *Webhook) AfterDelivery(d *WebhookDelivery, p RetryPolicy, now time.Time) (changed, disabled bool) {
	switch d.State {
	case DeliveryDelivered:
		changed = w.ConsecutiveFailures != 0
		w.ConsecutiveFailures = 0
		return changed, false
	case DeliveryFailed:
		w.ConsecutiveFailures++
		reason := ""
		switch {
		case d.Last != nil && d.Last.Gone():
			reason = "the receiver answered 410 Gone"
		case p.DisableAfter > 0 && w.ConsecutiveFailures >= p.DisableAfter:
			reason = fmt.Sprintf("%d deliveries in a row failed", w.ConsecutiveFailures)
		}
		if reason != "" && w.Active {
			w.Active, w.DisabledAt, w.DisabledReason = false, &now, reason
			return true, true
		}
		return true, false
	}
	return false, false
}

// DeliveryJob is a claimed delivery with what its attempt needs.
type DeliveryJob struct {
	Delivery WebhookDelivery // Attempt is the number of the attempt being made
	URL      string
	Secret   []byte
	Event    Event
}

// WebhookStore keeps a workspace's webhooks and their deliveries, and reads
// its event feed.
type WebhookStore interface {
	// CreateWebhook stores a validated webhook, active or not. EConflict
	// when the workspace has MaxWebhooks already.
	CreateWebhook(ctx context.Context, w *Webhook) error
	// GetWebhook returns one webhook. ENotFound.
	GetWebhook(ctx context.Context, workspaceID, id string) (*Webhook, error)
	// ListWebhooks pages by (created_at, id).
	ListWebhooks(ctx context.Context, workspaceID string, page Page) ([]Webhook, *Cursor, error)
	// UpdateWebhook is load–change–save at version. ENotFound,
	// EPreconditionFailed, errors of change.
	UpdateWebhook(ctx context.Context, workspaceID, id string, version int, change func(*Webhook) error) (*Webhook, error)
	// DeleteWebhook removes it and its deliveries at version. ENotFound,
	// EPreconditionFailed.
	DeleteWebhook(ctx context.Context, workspaceID, id string, version int) error
	// ListDeliveries pages through a webhook's deliveries in one of the
	// states (any, when there are none), newest first (created_at, id
	// descending; the cursor is the last one shown). ENotFound for the webhook.
	ListDeliveries(ctx context.Context, workspaceID, webhookID string, states []DeliveryState, page Page) ([]WebhookDelivery, *Cursor, error)
	// Redeliver makes a delivery pending again, due now and retried until
	// retryUntil, whatever its state. ENotFound (webhook or delivery),
	// EConflict when the webhook is not active.
	Redeliver(ctx context.Context, workspaceID, webhookID, deliveryID string, retryUntil time.Time) (*WebhookDelivery, error)
	// ListEvents returns up to limit of the workspace's events with seq
	// above afterSeq, of one of the types (any, when there are none), in
	// seq order, and whether more follow.
	ListEvents(ctx context.Context, workspaceID string, afterSeq int64, types []EventType, limit int) ([]Event, bool, error)
}

// DeliveryStore is the dispatcher's side: safe to run in several processes
// at once.
type DeliveryStore interface {
	// FanOutEvents takes up to limit events not yet dispatched and makes one
	// pending delivery, due now and retried for retryFor, per active webhook
	// of the event's workspace subscribed to its type; it answers how many
	// events it took.
	FanOutEvents(ctx context.Context, retryFor time.Duration, limit int) (int, error)
	// ClaimDeliveries takes up to limit pending deliveries that are due and
	// whose webhook is active, counting the attempt, and holds them until
	// leaseUntil: another claim takes a delivery again only after that.
	ClaimDeliveries(ctx context.Context, leaseUntil time.Time, limit int) ([]DeliveryJob, error)
	// FinishDelivery records attempt a of a claimed delivery (see
	// WebhookDelivery.Record and Webhook.AfterDelivery) in one transaction.
	// A delivery claimed again since (its lease ran out) is left alone.
	FinishDelivery(ctx context.Context, job DeliveryJob, a DeliveryAttempt, p RetryPolicy, jitter float64) error
}
