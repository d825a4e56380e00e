package main

import (
	"net/netip"
	"testing"
	"time"

	"cxbacklog/api"
)

func TestAPIConfigFromEnvironment(t *testing.T) {
	for _, tc := range []struct {
		name, value string
		check       func(api.Config) bool
		wantErr     bool
	}{
		{"RATE_LIMIT_KEY_RPS", "7.5", func(c api.Config) bool { return c.RatePerKey == 7.5 }, false},
		{"RATE_LIMIT_WORKSPACE_RPS", "0", func(c api.Config) bool { return c.RatePerWorkspace == 0 }, false},
		{"RATE_LIMIT_WORKSPACE_IN_FLIGHT", "9", func(c api.Config) bool { return c.InFlightPerWorkspace == 9 }, false},
		{"RATE_LIMIT_ACTIVE_KEYS", "2.5", nil, true},
		{"RATE_LIMIT_KEY_BURST", "-1", nil, true},
		{"RATE_LIMIT_AUTH_FAILURE_RPS", "lots", nil, true},
		{"RATE_LIMIT_UPLOADS", "3", func(c api.Config) bool { return c.UploadsInFlight == 3 }, false},
		{"TRUSTED_PROXIES", "10.0.0.0/8, 192.168.1.0/24", func(c api.Config) bool { return len(c.TrustedProxies) == 2 }, false},
		{"TRUSTED_PROXIES", "10.0.0.1", nil, true},
		{"WEBHOOK_ALLOW_HOSTS", "127.0.0.1, 10.0.0.0/8", func(c api.Config) bool {
			return c.WebhookAllow.AllowsAddr(netip.MustParseAddr("10.1.2.3")) && !c.WebhookAllow.AllowsAddr(netip.MustParseAddr("192.168.0.1"))
		}, false},
		{"WEBHOOK_ALLOW_HOSTS", "10.0.0.0/33", nil, true},
		{"WEBHOOK_POLL_INTERVAL", "250ms", func(c api.Config) bool { return c.WebhookPoll == 250*time.Millisecond }, false},
		{"WEBHOOK_POLL_INTERVAL", "soon", nil, true},
		{"HOUSEKEEPING_EVERY", "0", func(c api.Config) bool { return c.HousekeepingEvery == 0 }, false},
		{"HOUSEKEEPING_EVERY", "30m", func(c api.Config) bool { return c.HousekeepingEvery == 30*time.Minute }, false},
		{"HOUSEKEEPING_EVERY", "1ms", nil, true},
		{"WEBHOOK_RETENTION", "168h", func(c api.Config) bool { return c.WebhookRetention == 168*time.Hour }, false},
		{"WEBHOOK_RETENTION", "30d", nil, true},
	} {
		t.Run(tc.name+"="+tc.value, func(t *testing.T) {
			t.Setenv(tc.name, tc.value)
			c, err := apiConfig()
			if (err != nil) != tc.wantErr {
				t.Fatalf("err = %v, want error %v", err, tc.wantErr)
			}
			if tc.check != nil && !tc.check(c) {
				t.Fatalf("config = %+v", c)
			}
		})
	}
	c, err := apiConfig()
	if err != nil || c.Limits != api.DefaultLimits {
		t.Fatalf("without variables: %+v, %v; want the defaults", c.Limits, err)
	}
	if c.HousekeepingEvery != 10*time.Minute {
		t.Fatalf("without variables: housekeeping every %v, want 10m", c.HousekeepingEvery)
	}
}
