package domain

import (
	"net/netip"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestForbiddenAddress(t *testing.T) {
	t.Parallel()
	tests := []struct {
		ip        string
		forbidden bool
	}{
		{"93.184.216.34", false}, {"2606:2800:220:1:248:1893:25c8:1946", false}, {"8.8.8.8", false},
		{"127.0.0.1", true}, {"127.3.2.1", true}, {"::1", true},
		{"10.1.2.3", true}, {"172.16.0.1", true}, {"172.31.255.255", true}, {"192.168.1.1", true}, {"fd00::1", true},
		{"169.254.169.254", true}, {"fe80::1", true},
		{"224.0.0.1", true}, {"ff02::1", true},
		{"0.0.0.0", true}, {"::", true},
		{"100.64.0.1", true}, {"100.127.255.254", true}, {"100.128.0.1", false},
		{"0.1.2.3", true}, {"192.0.0.8", true}, {"198.18.0.1", true}, {"255.255.255.255", true}, {"240.0.0.1", true},
		{"::ffff:127.0.0.1", true}, {"::ffff:10.0.0.1", true}, {"::ffff:8.8.8.8", false},
		{"64:ff9b::a00:1", true}, {"64:ff9b::808:808", false}, {"64:ff9b:1::1", true},
	}
	for _, tc := range tests {
		why := ForbiddenAddress(netip.MustParseAddr(tc.ip))
		if (why != "") != tc.forbidden {
			t.Errorf("ForbiddenAddress(%s) = %q, want forbidden %v", tc.ip, why, tc.forbidden)
		}
	}
}

func TestParseHostAllowList(t *testing.T) {
	t.Parallel()
	a, err := ParseHostAllowList(" localhost , receiver.test:8443, 10.0.0.0/8,127.0.0.1, [::1]:9000,,")
	if err != nil {
		t.Fatal(err)
	}
	for hostport, want := range map[string]bool{
		"localhost:80": true, "LOCALHOST:1234": true, "receiver.test:8443": true, "receiver.test:443": false,
		"10.9.8.7:443": true, "11.0.0.1:443": false, "127.0.0.1:5555": true, "127.0.0.2:5555": false,
		"[::1]:9000": true, "[::1]:9001": false, "example.com:443": false, "nonsense": false,
	} {
		if got := a.AllowsHost(hostport); got != want {
			t.Errorf("AllowsHost(%s) = %v, want %v", hostport, got, want)
		}
	}
	if !a.AllowsAddr(netip.MustParseAddr("10.1.1.1")) || a.AllowsAddr(netip.MustParseAddr("127.0.0.1")) {
		t.Error("AllowsAddr: only the CIDRs allow addresses however reached")
	}
	if err := a.CheckAddr(netip.MustParseAddr("10.2.3.4")); err != nil {
		t.Errorf("an address in an allowed CIDR: %v", err)
	}
	if err := a.CheckAddr(netip.MustParseAddr("192.168.0.1")); err == nil || !strings.Contains(err.Error(), "private") {
		t.Errorf("CheckAddr(192.168.0.1) = %v, want refused as private", err)
	}
	for _, bad := range []string{"10.0.0.0/33", "host:port", "http://example.com", "a@b"} {
		if _, err := ParseHostAllowList(bad); err == nil {
			t.Errorf("ParseHostAllowList(%q) accepted", bad)
		}
	}
	if empty, _ := ParseHostAllowList(""); !empty.IsEmpty() {
		t.Error("an empty list is not empty")
	}
}

func TestWebhookValidate(t *testing.T) {
	t.Parallel()
	allow, err := ParseHostAllowList("127.0.0.1,receiver.test,10.0.0.0/8")
	if err != nil {
		t.Fatal(err)
	}
	all := []EventType{EventIdeaCreated}
	tests := []struct {
		name    string
		url     string
		events  []EventType
		allow   HostAllowList
		pointer string // "" for valid
		detail  string
	}{
		{"https", "https://hooks.example.com/cx?team=1", all, HostAllowList{}, "", ""},
		{"https with port", "https://hooks.example.com:8443/cx", all, HostAllowList{}, "", ""},
		{"public address", "https://93.184.216.34/cx", all, HostAllowList{}, "", ""},
		{"http", "http://hooks.example.com/cx", all, HostAllowList{}, "/url", "https"},
		{"http to an allowed host", "http://receiver.test:8080/cx", all, allow, "", ""},
		{"http to an allowed address", "http://127.0.0.1:8080/cx", all, allow, "", ""},
		{"http to an allowed network", "http://10.1.2.3/cx", all, allow, "", ""},
		{"loopback", "https://127.0.0.1/cx", all, HostAllowList{}, "/url", "loopback"},
		{"loopback IPv6", "https://[::1]:8443/cx", all, HostAllowList{}, "/url", "loopback"},
		{"private", "https://10.0.0.5/cx", all, HostAllowList{}, "/url", "private"},
		{"metadata", "https://169.254.169.254/latest/meta-data", all, HostAllowList{}, "/url", "link-local"},
		{"CGNAT", "https://100.64.1.1/cx", all, HostAllowList{}, "/url", "carrier-grade NAT"},
		{"unspecified", "https://0.0.0.0/cx", all, HostAllowList{}, "/url", "unspecified"},
		{"mapped", "https://[::ffff:192.168.1.1]/cx", all, HostAllowList{}, "/url", "private"},
		{"other scheme", "ftp://hooks.example.com/cx", all, HostAllowList{}, "/url", "https"},
		{"relative", "/cx", all, HostAllowList{}, "/url", "absolute"},
		{"empty", "", all, HostAllowList{}, "/url", "empty"},
		{"no host", "https:///cx", all, HostAllowList{}, "/url", "host"},
		{"credentials", "https://user:pw@hooks.example.com/cx", all, HostAllowList{}, "/url", "password"},
		{"fragment", "https://hooks.example.com/cx#x", all, HostAllowList{}, "/url", "fragment"},
		{"too long", "https://hooks.example.com/" + strings.Repeat("a", MaxWebhookURLBytes), all, HostAllowList{}, "/url", "at most"},
		{"no events", "https://hooks.example.com/cx", nil, HostAllowList{}, "/events", "at least one"},
		{"unknown event", "https://hooks.example.com/cx", []EventType{EventIdeaCreated, "idea.deleted"}, HostAllowList{}, "/events/1", "idea.created"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			w := &Webhook{URL: tc.url, Events: tc.events}
			err := w.Validate(tc.allow)
			if tc.pointer == "" {
				if err != nil {
					t.Fatalf("Validate: %v", err)
				}
				return
			}
			fields := FieldsOf(err)
			if len(fields) != 1 || fields[0].Pointer != tc.pointer || !strings.Contains(fields[0].Detail, tc.detail) {
				t.Fatalf("Validate = %v (%+v), want %s mentioning %q", err, fields, tc.pointer, tc.detail)
			}
		})
	}
	w := &Webhook{URL: "https://hooks.example.com", Events: []EventType{EventPilotStarted, EventIdeaCreated, EventPilotStarted}}
	if err := w.Validate(HostAllowList{}); err != nil || !slices.Equal(w.Events, []EventType{EventPilotStarted, EventIdeaCreated}) {
		t.Fatalf("repeated events: %v, %v", err, w.Events)
	}
}

func TestRetryPolicyDelay(t *testing.T) {
	t.Parallel()
	p := DefaultRetryPolicy
	want := []time.Duration{10 * time.Second, 30 * time.Second, 90 * time.Second, 270 * time.Second, 810 * time.Second,
		2430 * time.Second, 7290 * time.Second, 4 * time.Hour, 4 * time.Hour}
	for n, w := range want {
		if got := p.Delay(n+1, 0.5); got != w {
			t.Errorf("Delay(%d) = %v, want %v", n+1, got, w)
		}
	}
	if lo, hi := p.Delay(1, 0), p.Delay(1, 0.999999); lo != 8*time.Second || hi < 11*time.Second || hi > 12*time.Second {
		t.Errorf("jitter range %v–%v, want 8 s to 12 s", lo, hi)
	}
	if got := p.Delay(1000, 0.5); got != 4*time.Hour {
		t.Errorf("Delay(1000) = %v", got)
	}
	// The schedule spans the day in a dozen or so attempts.
	elapsed, attempts := time.Duration(0), 1
	for ; elapsed < p.For; attempts++ {
		elapsed += p.Delay(attempts, 0.5)
	}
	if attempts < 10 || attempts > 16 {
		t.Errorf("%d attempts in %v", attempts, p.For)
	}
}

func TestDeliveryRecord(t *testing.T) {
	t.Parallel()
	start := time.Date(2026, 10, 1, 9, 0, 0, 0, time.UTC)
	p := RetryPolicy{Base: time.Minute, Max: time.Hour, For: 3 * time.Hour, DisableAfter: 2}
	fresh := func() *WebhookDelivery {
		return &WebhookDelivery{State: DeliveryPending, Attempt: 1, RetryUntil: start.Add(p.For), CreatedAt: start}
	}
	d := fresh()
	d.Record(DeliveryAttempt{At: start, StatusCode: 500, Error: "HTTP 500"}, p, start, 0.5)
	if d.State != DeliveryPending || d.NextAttemptAt == nil || !d.NextAttemptAt.Equal(start.Add(time.Minute)) || len(d.Log) != 1 {
		t.Fatalf("after a 500: %+v", d)
	}
	d.Attempt = 2
	d.Record(DeliveryAttempt{StatusCode: 204}, p, start.Add(time.Minute), 0.5)
	if d.State != DeliveryDelivered || d.NextAttemptAt != nil || d.DeliveredAt == nil || len(d.Log) != 2 {
		t.Fatalf("after a 204: %+v", d)
	}

	// Near the end the retry is at RetryUntil; failing there fails for good.
	d = fresh()
	d.Attempt = 9
	d.Record(DeliveryAttempt{Error: "timeout"}, p, start.Add(170*time.Minute), 0.5)
	if d.State != DeliveryPending || !d.NextAttemptAt.Equal(d.RetryUntil) {
		t.Fatalf("retry capped at RetryUntil: %+v", d)
	}
	d.Record(DeliveryAttempt{Error: "timeout"}, p, d.RetryUntil, 0.5)
	if d.State != DeliveryFailed || d.NextAttemptAt != nil {
		t.Fatalf("failing at RetryUntil: %+v", d)
	}

	// 410 Gone fails at once and turns the webhook off.
	d = fresh()
	d.Record(DeliveryAttempt{StatusCode: 410}, p, start, 0.5)
	w := &Webhook{Active: true}
	if changed, off := w.AfterDelivery(d, p, start); d.State != DeliveryFailed || !changed || !off || w.Active || w.DisabledAt == nil || !strings.Contains(w.DisabledReason, "410") {
		t.Fatalf("410: delivery %+v, webhook %+v", d, w)
	}

	// DisableAfter failures in a row turn it off; a success between resets the count.
	w = &Webhook{Active: true}
	failed := &WebhookDelivery{State: DeliveryFailed, Last: &DeliveryAttempt{StatusCode: 500}}
	delivered := &WebhookDelivery{State: DeliveryDelivered, Last: &DeliveryAttempt{StatusCode: 200}}
	pending := &WebhookDelivery{State: DeliveryPending}
	steps := []struct {
		d        *WebhookDelivery
		failures int
		active   bool
	}{{failed, 1, true}, {pending, 1, true}, {delivered, 0, true}, {failed, 1, true}, {failed, 2, false}}
	for n, s := range steps {
		w.AfterDelivery(s.d, p, start)
		if w.ConsecutiveFailures != s.failures || w.Active != s.active {
			t.Fatalf("step %d: failures %d active %v, want %d %v", n, w.ConsecutiveFailures, w.Active, s.failures, s.active)
		}
	}
	if !strings.Contains(w.DisabledReason, "2 deliveries in a row") {
		t.Errorf("reason %q", w.DisabledReason)
	}
	w.Enable()
	if !w.Active || w.DisabledAt != nil || w.DisabledReason != "" || w.ConsecutiveFailures != 0 {
		t.Errorf("Enable left %+v", w)
	}

	// The log keeps the latest attempts.
	d = fresh()
	for n := range MaxDeliveryLog + 5 {
		d.Record(DeliveryAttempt{StatusCode: 500 + n%2}, p, start, 0.5)
	}
	if len(d.Log) != MaxDeliveryLog {
		t.Fatalf("log of %d", len(d.Log))
	}
}
