package api_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"cxbacklog/api"
	"cxbacklog/domain"
)

// webhookConfig lets webhooks reach this machine's loopback address over
// http (the receivers are httptest servers) and retries fast.
func webhookConfig(t *testing.T) api.Config {
	t.Helper()
	cfg := api.DefaultConfig
	// The tests poll the deliveries while the dispatcher works.
	cfg.AuthFailureRate, cfg.RatePerKey, cfg.RatePerWorkspace = 0, 0, 0
	allow, err := domain.ParseHostAllowList("127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	cfg.WebhookAllow = allow
	cfg.WebhookRetryBase, cfg.WebhookRetryMax, cfg.WebhookRetryFor = 20*time.Millisecond, 50*time.Millisecond, 30*time.Second
	cfg.WebhookTimeout = 2 * time.Second
	return cfg
}

// newWebhookEnv is an env on cfg with a dispatcher on its store.
func newWebhookEnv(t *testing.T, cfg api.Config) (*env, *api.Dispatcher) {
	t.Helper()
	e := newEnvConfig(t, cfg)
	return e, api.NewDispatcher(e.store, slog.New(slog.NewTextHandler(io.Discard, nil)), cfg)
}

// dispatchUntil runs the dispatcher until done reports true (10 s at most).
func dispatchUntil(t *testing.T, d *api.Dispatcher, what string, done func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !done() {
		if time.Now().After(deadline) {
			t.Fatalf("dispatching: %s never happened", what)
		}
		if _, err := d.RunOnce(context.Background()); err != nil {
			t.Fatal(err)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// delivery is what a receiver got.
type delivery struct {
	id, timestamp, signature, contentType, path string
	body                                        []byte
}

// receiver is a webhook endpoint on the loopback address; answer says how
// to answer the n-th request (0-based): a status, after a pause.
type receiver struct {
	*httptest.Server
	mu     sync.Mutex
	got    []delivery
	answer func(n int) (status int, pause time.Duration)
}

func newReceiver(t *testing.T, answer func(n int) (int, time.Duration)) *receiver {
	t.Helper()
	r := &receiver{answer: answer}
	r.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, _ := io.ReadAll(req.Body)
		r.mu.Lock()
		n := len(r.got)
		r.got = append(r.got, delivery{id: req.Header.Get("webhook-id"), timestamp: req.Header.Get("webhook-timestamp"),
			signature: req.Header.Get("webhook-signature"), contentType: req.Header.Get("Content-Type"), path: req.URL.Path, body: body})
		r.mu.Unlock()
		status, pause := r.answer(n)
		time.Sleep(pause)
		if status == http.StatusFound {
			w.Header().Set("Location", "/elsewhere")
		}
		w.WriteHeader(status)
	}))
	t.Cleanup(r.Close)
	return r
}

func always(status int) func(int) (int, time.Duration) {
	return func(int) (int, time.Duration) { return status, 0 }
}

func (r *receiver) deliveries() []delivery {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]delivery(nil), r.got...)
}

func (r *receiver) count() int { return len(r.deliveries()) }

// webhook creates a webhook of url for events.
func (e *env) webhook(t *testing.T, url string, active bool, events ...string) api.WebhookCreated {
	t.Helper()
	var w api.WebhookCreated
	e.do(http.MethodPost, "/api/v1/webhooks", e.admin, api.WebhookCreate{URL: url, Events: events, Active: &active}).
		want(t, http.StatusCreated).json(t, &w)
	return w
}

func (e *env) deliveryList(t *testing.T, w api.WebhookCreated, query string) []api.WebhookDelivery {
	t.Helper()
	var list api.WebhookDeliveryList
	e.do(http.MethodGet, "/api/v1/webhooks/"+w.ID+"/deliveries"+query, e.admin, nil).want(t, http.StatusOK).json(t, &list)
	return list.Items
}

// independentSignature recomputes a Standard Webhooks signature from the
// secret as shown, without the domain's code.
func independentSignature(t *testing.T, secret string, d delivery) string {
	t.Helper()
	key, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(secret, "whsec_"))
	if err != nil {
		t.Fatalf("secret %q: %v", secret, err)
	}
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte(d.id + "." + d.timestamp + "."))
	mac.Write(d.body)
	return "v1," + base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

// checkSigned fails unless d carries the headers of Standard Webhooks with
// a valid signature, checked twice: with the domain's function and
// recomputed here.
func checkSigned(t *testing.T, secret string, d delivery) api.Event {
	t.Helper()
	if d.contentType != "application/json" || d.id == "" {
		t.Fatalf("content-type %q, webhook-id %q", d.contentType, d.id)
	}
	sec, err := strconv.ParseInt(d.timestamp, 10, 64)
	if err != nil || time.Since(time.Unix(sec, 0)).Abs() > time.Minute {
		t.Fatalf("webhook-timestamp %q is not now in Unix seconds", d.timestamp)
	}
	key, err := domain.ParseWebhookSecret(secret)
	if err != nil {
		t.Fatal(err)
	}
	if want := domain.SignWebhook(key, d.id, time.Unix(sec, 0), d.body); d.signature != want {
		t.Fatalf("webhook-signature %q, domain.SignWebhook %q", d.signature, want)
	}
	if want := independentSignature(t, secret, d); d.signature != want {
		t.Fatalf("webhook-signature %q, recomputed %q", d.signature, want)
	}
	var ev api.Event
	if err := json.Unmarshal(d.body, &ev); err != nil {
		t.Fatalf("body %s: %v", d.body, err)
	}
	if ev.ID != d.id {
		t.Fatalf("body id %s, webhook-id %s", ev.ID, d.id)
	}
	return ev
}

// A webhook round trip: the receiver gets the events it subscribed to,
// signed; the body is the feed's item; the delivery is recorded.
func TestWebhookRoundTrip(t *testing.T) {
	t.Parallel()
	e, d := newWebhookEnv(t, webhookConfig(t))
	rcv := newReceiver(t, always(http.StatusNoContent))
	res := e.do(http.MethodPost, "/api/v1/webhooks", e.admin, api.WebhookCreate{URL: rcv.URL + "/hook", Events: []string{"idea.created", "idea.status_changed"}})
	res.want(t, http.StatusCreated)
	var w api.WebhookCreated
	res.json(t, &w)
	if !strings.HasPrefix(w.Secret, "whsec_") || !w.Active || w.Version != 1 || res.Header.Get("ETag") != `"1"` ||
		res.Header.Get("Location") != "/api/v1/webhooks/"+w.ID || res.Header.Get("Cache-Control") != "no-store" {
		t.Fatalf("created %+v, headers %v", w, res.Header)
	}
	got := e.do(http.MethodGet, "/api/v1/webhooks/"+w.ID, e.admin, nil).want(t, http.StatusOK)
	if strings.Contains(string(got.Body), "secret") || strings.Contains(string(got.Body), strings.TrimPrefix(w.Secret, "whsec_")) {
		t.Fatalf("the secret is shown again: %s", got.Body)
	}
	e.do(http.MethodPost, "/api/v1/webhooks", e.editor, api.WebhookCreate{URL: rcv.URL, Events: []string{"idea.created"}}).problem(t, http.StatusForbidden)
	e.do(http.MethodGet, "/api/v1/webhooks/"+w.ID, e.other, nil).problem(t, http.StatusNotFound)

	tp := e.touchpoint(e.journey("Support", "Call"), "Phone queue", "phone", "Contact centre")
	idea := e.idea("Call-back option", 4, 4, 2, 0.8, tp)
	dispatchUntil(t, d, "the idea.created delivery", func() bool { return rcv.count() == 1 })
	first := rcv.deliveries()[0]
	ev := checkSigned(t, w.Secret, first)
	if first.path != "/hook" || ev.Type != "idea.created" || ev.Data["idea_id"] != idea.ID || ev.Data["title"] != "Call-back option" {
		t.Fatalf("delivered %s %s", first.path, first.body)
	}
	var feed api.EventFeed
	e.do(http.MethodGet, "/api/v1/events", e.viewer, nil).want(t, http.StatusOK).json(t, &feed)
	if len(feed.Items) != 1 || feed.Items[0].ID != ev.ID {
		t.Fatalf("the feed %+v does not hold the delivered event %s", feed.Items, ev.ID)
	}
	fromFeed, _ := json.Marshal(feed.Items[0])
	delivered, _ := json.Marshal(ev)
	if string(fromFeed) != string(delivered) {
		t.Errorf("feed item %s, webhook body %s", fromFeed, delivered)
	}

	// Not subscribed: nothing. Subscribed: delivered.
	idea = e.retitle(t, e.editor, idea, "Call-back")
	e.moveIdea(idea, "under_review")
	dispatchUntil(t, d, "the idea.status_changed delivery", func() bool { return rcv.count() == 2 })
	if ev := checkSigned(t, w.Secret, rcv.deliveries()[1]); ev.Type != "idea.status_changed" || ev.Data["new_status"] != "under_review" {
		t.Fatalf("second delivery %+v", ev)
	}
	time.Sleep(20 * time.Millisecond)
	if _, err := d.RunOnce(context.Background()); err != nil || rcv.count() != 2 {
		t.Fatalf("idea.updated was delivered though not subscribed: %d deliveries, %v", rcv.count(), err)
	}

	list := e.deliveryList(t, w, "")
	if len(list) != 2 || list[0].EventType != "idea.status_changed" || list[1].EventType != "idea.created" {
		t.Fatalf("deliveries, newest first: %+v", list)
	}
	for _, dl := range list {
		if dl.State != "delivered" || dl.Attempts != 1 || dl.StatusCode == nil || *dl.StatusCode != 204 || dl.DeliveredAt == nil ||
			dl.NextAttemptAt != nil || len(dl.Log) != 1 || dl.Error != nil {
			t.Errorf("delivery %+v", dl)
		}
	}
	if page := e.deliveryList(t, w, "?limit=1&state=delivered"); len(page) != 1 || page[0].ID != list[0].ID {
		t.Errorf("first page of one: %+v", page)
	}
	if pending := e.deliveryList(t, w, "?state=pending,failed"); len(pending) != 0 {
		t.Errorf("pending or failed: %+v", pending)
	}

	// Redelivered: the same event id again, for the receiver to de-duplicate.
	var again api.WebhookDelivery
	e.do(http.MethodPost, "/api/v1/webhooks/"+w.ID+"/deliveries/"+list[1].ID+"/redeliver", e.admin, nil).
		want(t, http.StatusAccepted).json(t, &again)
	if again.State != "pending" || again.EventID != first.id {
		t.Fatalf("redelivery %+v", again)
	}
	dispatchUntil(t, d, "the redelivery", func() bool { return rcv.count() == 3 })
	if third := rcv.deliveries()[2]; third.id != first.id {
		t.Fatalf("redelivered event %s, first delivered as %s", third.id, first.id)
	}
	e.do(http.MethodPost, "/api/v1/webhooks/"+w.ID+"/deliveries/"+domain.NewID()+"/redeliver", e.admin, nil).problem(t, http.StatusNotFound)
	e.do(http.MethodPost, "/api/v1/webhooks/"+w.ID+"/deliveries/"+list[1].ID+"/redeliver", e.other, nil).problem(t, http.StatusNotFound)
}

// Failed attempts are retried: a receiver that answers 500 once, one that
// does not answer in time once, and one that redirects each get the same
// event (the same webhook-id) again, validly signed each time.
func TestWebhookRetries(t *testing.T) {
	t.Parallel()
	cfg := webhookConfig(t)
	cfg.WebhookTimeout = 300 * time.Millisecond
	e, d := newWebhookEnv(t, cfg)
	failOnce := newReceiver(t, func(n int) (int, time.Duration) {
		if n == 0 {
			return http.StatusInternalServerError, 0
		}
		return http.StatusOK, 0
	})
	slowOnce := newReceiver(t, func(n int) (int, time.Duration) {
		if n == 0 {
			return http.StatusOK, time.Second // past the timeout
		}
		return http.StatusAccepted, 0
	})
	redirect := newReceiver(t, func(n int) (int, time.Duration) {
		if n == 0 {
			return http.StatusFound, 0
		}
		return http.StatusOK, 0
	})
	hooks := map[*receiver]api.WebhookCreated{}
	for _, r := range []*receiver{failOnce, slowOnce, redirect} {
		hooks[r] = e.webhook(t, r.URL+"/hook", true, "idea.created")
	}
	e.idea("Call-back option", 4, 4, 2, 0.8, e.touchpoint(e.journey("Support", "Call"), "Phone queue", "phone", "Contact centre"))
	dispatchUntil(t, d, "the retries", func() bool { return failOnce.count() == 2 && slowOnce.count() == 2 && redirect.count() == 2 })

	for r, firstError := range map[*receiver]string{failOnce: "answered 500", slowOnce: "no answer within 300ms", redirect: "redirects are not followed"} {
		got := r.deliveries()
		if got[0].id != got[1].id {
			t.Errorf("%s: the retry has webhook-id %s, the first %s", firstError, got[1].id, got[0].id)
		}
		for _, g := range got {
			if g.path != "/hook" {
				t.Errorf("%s: a request to %s: the redirect was followed", firstError, g.path)
			}
			checkSigned(t, hooks[r].Secret, g)
		}
		list := e.deliveryList(t, hooks[r], "")
		if len(list) != 1 || list[0].State != "delivered" || list[0].Attempts != 2 || len(list[0].Log) != 2 {
			t.Fatalf("%s: deliveries %+v", firstError, list)
		}
		log := list[0].Log
		if log[0].Error == nil || !strings.Contains(*log[0].Error, firstError) || log[1].Error != nil || log[1].StatusCode == nil {
			t.Errorf("%s: attempts %+v", firstError, log)
		}
	}
	if d := e.deliveryList(t, hooks[slowOnce], "")[0].Log[0]; d.StatusCode != nil || d.DurationMs < 250 {
		t.Errorf("the timed-out attempt: %+v", d)
	}
	if d := e.deliveryList(t, hooks[redirect], "")[0].Log[0]; d.StatusCode == nil || *d.StatusCode != http.StatusFound {
		t.Errorf("the redirected attempt: %+v", d)
	}
}

// An inactive webhook gets nothing; deliveries that keep failing fail for
// good after the retry period, and enough of them in a row turn the
// webhook off, as does one 410 Gone; turned on again, it receives.
func TestWebhookInactiveAndDisabled(t *testing.T) {
	t.Parallel()
	cfg := webhookConfig(t)
	cfg.WebhookRetryFor, cfg.WebhookDisableAfter = 200*time.Millisecond, 2
	e, d := newWebhookEnv(t, cfg)
	var failing sync.Map // whether the broken receiver fails
	failing.Store("yes", true)
	quiet := newReceiver(t, always(http.StatusOK))
	broken := newReceiver(t, func(int) (int, time.Duration) {
		if _, ok := failing.Load("yes"); ok {
			return http.StatusServiceUnavailable, 0
		}
		return http.StatusOK, 0
	})
	gone := newReceiver(t, always(http.StatusGone))
	off := e.webhook(t, quiet.URL, false, "idea.created")
	bad := e.webhook(t, broken.URL, true, "idea.created")
	left := e.webhook(t, gone.URL, true, "idea.created")
	tp := e.touchpoint(e.journey("Support", "Call"), "Phone queue", "phone", "Contact centre")

	get := func(w api.WebhookCreated) api.Webhook {
		var out api.Webhook
		e.do(http.MethodGet, "/api/v1/webhooks/"+w.ID, e.admin, nil).want(t, http.StatusOK).json(t, &out)
		return out
	}
	e.idea("First", 4, 4, 2, 0.8, tp)
	dispatchUntil(t, d, "the 410 turning a webhook off", func() bool { return !get(left).Active })
	if w := get(left); w.DisabledAt == nil || w.DisabledReason == nil || !strings.Contains(*w.DisabledReason, "410") || w.Version != 2 {
		t.Fatalf("after 410: %+v", w)
	}
	if gone.count() != 1 {
		t.Fatalf("410 Gone was retried: %d requests", gone.count())
	}
	dispatchUntil(t, d, "the first delivery failing for good", func() bool { return get(bad).ConsecutiveFailures == 1 })
	if w := get(bad); !w.Active || broken.count() < 2 {
		t.Fatalf("after one failed delivery (%d attempts): %+v", broken.count(), w)
	}
	e.idea("Second", 4, 4, 2, 0.8, tp)
	dispatchUntil(t, d, "the second failure turning the webhook off", func() bool { return !get(bad).Active })
	w := get(bad)
	if w.ConsecutiveFailures != 2 || w.DisabledAt == nil || w.DisabledReason == nil || !strings.Contains(*w.DisabledReason, "2 deliveries in a row") {
		t.Fatalf("disabled: %+v", w)
	}
	failed := e.deliveryList(t, bad, "?state=failed")
	if len(failed) != 2 || failed[0].NextAttemptAt != nil || failed[0].Error == nil || !strings.Contains(*failed[0].Error, "503") {
		t.Fatalf("failed deliveries: %+v", failed)
	}

	// Off, whether by the client or by the server: nothing is sent.
	attempts := broken.count()
	e.idea("Third", 4, 4, 2, 0.8, tp)
	for range 5 {
		if _, err := d.RunOnce(context.Background()); err != nil {
			t.Fatal(err)
		}
		time.Sleep(10 * time.Millisecond)
	}
	if quiet.count() != 0 || broken.count() != attempts || gone.count() != 1 {
		t.Fatalf("inactive webhooks received: %d, %d (was %d), %d", quiet.count(), broken.count(), attempts, gone.count())
	}
	if list := e.deliveryList(t, off, ""); len(list) != 0 {
		t.Fatalf("an inactive webhook has deliveries: %+v", list)
	}
	e.do(http.MethodPost, "/api/v1/webhooks/"+bad.ID+"/deliveries/"+failed[0].ID+"/redeliver", e.admin, nil).problem(t, http.StatusConflict)

	// On again (If-Match of the version the server's change made), and the
	// receiver mended: a redelivery goes through.
	e.do(http.MethodPatch, "/api/v1/webhooks/"+bad.ID, e.admin, `{"active":true}`, "If-Match", `"1"`).problem(t, http.StatusPreconditionFailed)
	var on api.Webhook
	e.do(http.MethodPatch, "/api/v1/webhooks/"+bad.ID, e.admin, `{"active":true}`, "If-Match", strconv.Quote(strconv.Itoa(w.Version))).
		want(t, http.StatusOK).json(t, &on)
	if !on.Active || on.DisabledAt != nil || on.DisabledReason != nil || on.ConsecutiveFailures != 0 {
		t.Fatalf("turned on: %+v", on)
	}
	failing.Delete("yes")
	e.do(http.MethodPost, "/api/v1/webhooks/"+bad.ID+"/deliveries/"+failed[0].ID+"/redeliver", e.admin, nil).want(t, http.StatusAccepted)
	dispatchUntil(t, d, "the redelivery", func() bool {
		list := e.deliveryList(t, bad, "?state=delivered")
		return len(list) == 1 && list[0].ID == failed[0].ID
	})
}

// The SSRF guard: a webhook may not point at this machine or a private
// network unless the configuration allows the host; not at creation, not
// when it is changed, and not at delivery, when the dialer checks the
// address actually connected to (so a name that resolves elsewhere by then
// gains nothing).
func TestWebhookSSRFGuard(t *testing.T) {
	t.Parallel()
	cfg := api.DefaultConfig
	cfg.AuthFailureRate, cfg.RatePerKey, cfg.RatePerWorkspace = 0, 0, 0
	cfg.WebhookRetryBase, cfg.WebhookRetryMax = 20*time.Millisecond, 50*time.Millisecond
	e, d := newWebhookEnv(t, cfg)
	rcv := newReceiver(t, always(http.StatusOK))
	_, port, _ := net.SplitHostPort(rcv.Listener.Addr().String())

	for _, tc := range []struct {
		url     string
		details []string
	}{
		{rcv.URL, []string{"https"}}, // http://127.0.0.1:port
		{"https://127.0.0.1:" + port, []string{"127.0.0.1", "loopback"}},
		{"https://[::1]:" + port, []string{"loopback"}},
		{"https://10.0.0.7/hook", []string{"private"}},
		{"https://192.168.1.20/hook", []string{"private"}},
		{"https://169.254.169.254/latest", []string{"link-local"}},
		{"https://100.64.0.1/hook", []string{"carrier-grade NAT"}},
		{"https://0.0.0.0/hook", []string{"unspecified"}},
		{"https://224.0.0.1/hook", []string{"multicast"}},
		{"https://[::ffff:127.0.0.1]/hook", []string{"loopback"}},
		{"https://localhost:" + port + "/hook", []string{"the host localhost resolves to", "loopback"}}, // a name: resolved at creation
		{"https://user:pw@hooks.example.com/hook", []string{"password"}},
	} {
		p := e.do(http.MethodPost, "/api/v1/webhooks", e.admin, api.WebhookCreate{URL: tc.url, Events: []string{"idea.created"}}).
			problem(t, http.StatusUnprocessableEntity)
		if len(p.Errors) != 1 || p.Errors[0].Pointer != "/url" {
			t.Errorf("%s: %+v, want one error at /url", tc.url, p.Errors)
			continue
		}
		for _, d := range tc.details {
			if !strings.Contains(p.Errors[0].Detail, d) {
				t.Errorf("%s: %q does not say %q", tc.url, p.Errors[0].Detail, d)
			}
		}
	}
	var ok api.WebhookCreated
	e.do(http.MethodPost, "/api/v1/webhooks", e.admin, api.WebhookCreate{URL: "https://93.184.216.34/hook", Events: []string{"idea.created"}}).
		want(t, http.StatusCreated).json(t, &ok)
	p := e.do(http.MethodPatch, "/api/v1/webhooks/"+ok.ID, e.admin, `{"url":"https://10.1.1.1/hook"}`, "If-Match", `"1"`).
		problem(t, http.StatusUnprocessableEntity)
	if !namesField(p, "/url") {
		t.Errorf("PATCH to a private address: %+v", p.Errors)
	}
	e.do(http.MethodDelete, "/api/v1/webhooks/"+ok.ID, e.admin, nil, "If-Match", `"1"`).want(t, http.StatusNoContent)

	// At delivery: a webhook whose host name now resolves to a loopback
	// address (stored as if it had resolved to a public one when saved).
	secret, _ := domain.NewWebhookSecret()
	rebound := &domain.Webhook{WorkspaceID: e.wsID, URL: "https://localhost:" + port + "/hook", Events: []domain.EventType{domain.EventIdeaCreated},
		Secret: secret, Active: true}
	if err := e.store.CreateWebhook(context.Background(), rebound); err != nil {
		t.Fatal(err)
	}
	e.idea("Call-back option", 4, 4, 2, 0.8, e.touchpoint(e.journey("Support", "Call"), "Phone queue", "phone", "Contact centre"))
	w := api.WebhookCreated{Webhook: api.Webhook{ID: rebound.ID}}
	dispatchUntil(t, d, "a refused attempt", func() bool {
		list := e.deliveryList(t, w, "")
		return len(list) == 1 && len(list[0].Log) >= 2
	})
	for _, a := range e.deliveryList(t, w, "")[0].Log {
		if a.StatusCode != nil || a.Error == nil || !strings.Contains(*a.Error, "refused to connect") || !strings.Contains(*a.Error, "loopback") {
			t.Errorf("attempt %+v, want refused as loopback", a)
		}
	}
	if rcv.count() != 0 {
		t.Fatalf("the receiver on the loopback address got %d requests", rcv.count())
	}
}

// Webhooks are managed like the other resources: listed, read with an
// ETag, changed and deleted with If-Match, at most 20 per workspace.
func TestWebhookManagement(t *testing.T) {
	t.Parallel()
	e, _ := newWebhookEnv(t, webhookConfig(t))
	base := "http://127.0.0.1:9/hook"
	first := e.webhook(t, base, true, "idea.created", "pilot.completed", "idea.created")
	if fmt.Sprint(first.Events) != "[idea.created pilot.completed]" {
		t.Errorf("events %v", first.Events)
	}
	for _, bad := range []struct {
		body, pointer string
	}{
		{`{"url":"` + base + `","events":[]}`, "/events"},
		{`{"url":"` + base + `","events":["idea.deleted"]}`, "/events/0"},
		{`{"url":"ftp://example.com","events":["idea.created"]}`, "/url"},
		{`{"events":["idea.created"]}`, "/url"},
	} {
		p := e.do(http.MethodPost, "/api/v1/webhooks", e.admin, bad.body).problem(t, http.StatusUnprocessableEntity)
		if !namesField(p, bad.pointer) {
			t.Errorf("%s: %+v, want %s", bad.body, p.Errors, bad.pointer)
		}
	}
	path := "/api/v1/webhooks/" + first.ID
	e.do(http.MethodPatch, path, e.admin, `{"events":["measurement.recorded"]}`).problem(t, http.StatusPreconditionRequired)
	var patched api.Webhook
	e.do(http.MethodPatch, path, e.admin, `{"events":["measurement.recorded"],"active":false}`, "If-Match", `"1"`).
		want(t, http.StatusOK).json(t, &patched)
	if fmt.Sprint(patched.Events) != "[measurement.recorded]" || patched.Active || patched.Version != 2 || patched.URL != base {
		t.Fatalf("patched %+v", patched)
	}
	e.do(http.MethodPatch, path, e.admin, `{"url":"http://127.0.0.1:10/hook"}`, "If-Match", `"1"`).problem(t, http.StatusPreconditionFailed)
	for body, pointer := range map[string]string{`{"active":null}`: "/active", `{"events":null}`: "/events", `{"url":null}`: "/url"} {
		if p := e.do(http.MethodPatch, path, e.admin, body, "If-Match", `"2"`).problem(t, http.StatusUnprocessableEntity); !namesField(p, pointer) {
			t.Errorf("%s: %+v", body, p.Errors)
		}
	}
	for range domain.MaxWebhooks - 1 {
		e.webhook(t, base, true, "idea.created")
	}
	e.do(http.MethodPost, "/api/v1/webhooks", e.admin, api.WebhookCreate{URL: base, Events: []string{"idea.created"}}).problem(t, http.StatusConflict)
	ids := e.pageAllAdmin(t, "/api/v1/webhooks", "limit=7")
	if len(ids) != domain.MaxWebhooks || ids[0] != first.ID {
		t.Fatalf("listed %d webhooks, first %s", len(ids), ids[0])
	}
	e.do(http.MethodDelete, path, e.admin, nil, "If-Match", `"1"`).problem(t, http.StatusPreconditionFailed)
	e.do(http.MethodDelete, path, e.other, nil, "If-Match", `"2"`).problem(t, http.StatusNotFound)
	e.do(http.MethodDelete, path, e.admin, nil, "If-Match", `"2"`).want(t, http.StatusNoContent)
	e.do(http.MethodGet, path, e.admin, nil).problem(t, http.StatusNotFound)
	e.do(http.MethodGet, path+"/deliveries", e.admin, nil).problem(t, http.StatusNotFound)
}

// pageAllAdmin is pageAll with the admin key.
func (e *env) pageAllAdmin(t *testing.T, path, query string) []string {
	t.Helper()
	c := *e
	c.viewer = e.admin
	return c.pageAll(t, path, query)
}
