package domain

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"slices"
	"strings"
	"testing"
	"time"
)

// The vector of the Standard Webhooks reference libraries (libraries/go
// webhook_test.go, TestWebhookSign): the secret as shown, with its whsec_
// prefix, and the signature they expect.
func TestSignWebhookStandardVector(t *testing.T) {
	t.Parallel()
	secret, err := ParseWebhookSecret("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
	if err != nil {
		t.Fatal(err)
	}
	got := SignWebhook(secret, "msg_p5jXN8AQM9LWM0D4loKWxJek", time.Unix(1614265330, 0), []byte(`{"test": 2432232314}`))
	if want := "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="; got != want {
		t.Fatalf("SignWebhook = %s, want %s", got, want)
	}
}

func TestSignWebhookSignsIDTimestampAndBody(t *testing.T) {
	t.Parallel()
	key, shown := NewWebhookSecret()
	if !strings.HasPrefix(shown, "whsec_") || len(key) < 24 || len(key) > 64 {
		t.Fatalf("secret %q (%d bytes) is not a Standard Webhooks secret", shown, len(key))
	}
	back, err := ParseWebhookSecret(shown)
	if err != nil || !bytes.Equal(back, key) {
		t.Fatalf("ParseWebhookSecret(%q) = %x, %v; want %x", shown, back, err, key)
	}
	ts := time.Unix(1700000000, 999_000_000) // seconds only are signed
	body := []byte(`{"type":"idea.created"}`)
	sig := SignWebhook(key, "id-1", ts, body)
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte("id-1.1700000000." + string(body)))
	if want := "v1," + base64.StdEncoding.EncodeToString(mac.Sum(nil)); sig != want {
		t.Fatalf("signature %s, recomputed %s", sig, want)
	}
	for name, other := range map[string]string{
		"other id":   SignWebhook(key, "id-2", ts, body),
		"other time": SignWebhook(key, "id-1", ts.Add(time.Second), body),
		"other body": SignWebhook(key, "id-1", ts, []byte(`{"type":"idea.updated"}`)),
		"other key":  SignWebhook(append([]byte{1}, key[1:]...), "id-1", ts, body),
	} {
		if other == sig {
			t.Errorf("%s: same signature", name)
		}
	}
	if _, err := ParseWebhookSecret("whsec_not base64!"); err == nil {
		t.Error("a secret that is not base64 was accepted")
	}
}

func TestIdeaChangedEvents(t *testing.T) {
	t.Parallel()
	before := &Idea{ID: "i", WorkspaceID: "w", Title: "Greet", Status: StatusNew, Impact: 3, Version: 1}
	tests := []struct {
		name    string
		change  func(i *Idea)
		types   []EventType
		changed []string
	}{
		{"nothing", func(i *Idea) {}, nil, nil},
		{"fields", func(i *Idea) { i.Impact, i.Owner = 4, "Front desk" }, []EventType{EventIdeaUpdated}, []string{"impact", "owner"}},
		{"status", func(i *Idea) { i.Status = StatusUnderReview }, []EventType{EventIdeaStatusChanged}, nil},
		{"both", func(i *Idea) { i.Title, i.Status = "Greet sooner", StatusParked },
			[]EventType{EventIdeaUpdated, EventIdeaStatusChanged}, []string{"title"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			after := *before
			tc.change(&after)
			after.Version = 2
			events := IdeaChangedEvents(before, &after, "dana")
			var types []EventType
			for _, e := range events {
				types = append(types, e.Type)
				if e.ID == "" || e.WorkspaceID != "w" || e.SubjectID != "i" || e.Data["idea_id"] != "i" || e.Data["actor"] != "dana" || e.Data["version"] != 2 {
					t.Errorf("event %+v lacks its ids, actor or version", e)
				}
				switch e.Type {
				case EventIdeaUpdated:
					if got := e.Data["changed"].([]string); !slices.Equal(got, tc.changed) {
						t.Errorf("changed = %v, want %v", got, tc.changed)
					}
				case EventIdeaStatusChanged:
					if e.Data["old_status"] != string(before.Status) || e.Data["new_status"] != string(after.Status) {
						t.Errorf("status change %v → %v, want %s → %s", e.Data["old_status"], e.Data["new_status"], before.Status, after.Status)
					}
				}
			}
			if !slices.Equal(types, tc.types) {
				t.Fatalf("types = %v, want %v", types, tc.types)
			}
		})
	}
}

func TestPilotEvent(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 10, 1, 9, 0, 0, 0, time.UTC)
	planned := Pilot{ID: "p", WorkspaceID: "w", IdeaID: "i", Title: "Headsets", Status: PilotPlanned}
	running := planned
	running.Status, running.StartedAt = PilotRunning, &at
	completed := running
	completed.Status, completed.EndedAt, completed.Decision = PilotCompleted, &at, DecisionAdopt
	completed.Results = &PilotResult{Metrics: []MetricResult{{MetricID: "m2", Name: "CSAT"}, {MetricID: "m1", Name: "Handle time", Primary: true, Verdict: VerdictImproved}}}
	cancelled := running
	cancelled.Status, cancelled.EndedAt = PilotCancelled, &at

	if _, ok := PilotEvent(&planned, &planned, "a"); ok {
		t.Error("an event for a pilot that did not move")
	}
	e, ok := PilotEvent(&planned, &running, "a")
	if !ok || e.Type != EventPilotStarted || e.Data["started_at"] != "2026-10-01T09:00:00Z" || e.Data["idea_id"] != "i" {
		t.Errorf("start: %v %+v", ok, e)
	}
	e, ok = PilotEvent(&running, &completed, "a")
	if !ok || e.Type != EventPilotCompleted || e.Data["decision"] != "adopt" || e.Data["primary_metric_id"] != "m1" ||
		e.Data["primary_metric_name"] != "Handle time" || e.Data["primary_metric_verdict"] != "improved" {
		t.Errorf("complete: %v %+v", ok, e)
	}
	completed.Results, completed.EndedAt = nil, nil // what is not there is left out, not null
	if e, _ = PilotEvent(&running, &completed, "a"); len(e.Data) != 6 || e.Data["primary_metric_name"] != nil {
		t.Errorf("a pilot without results: %+v", e.Data)
	}
	for k, v := range e.Data {
		if v == nil {
			t.Errorf("%s is null: data holds no nulls", k)
		}
	}
	e, ok = PilotEvent(&running, &cancelled, "a")
	if !ok || e.Type != EventPilotCancelled || e.Data["previous_status"] != "running" {
		t.Errorf("cancel: %v %+v", ok, e)
	}
}

func TestMeasurementRecordedEvent(t *testing.T) {
	t.Parallel()
	m := Measurement{ID: "m", WorkspaceID: "w", TouchpointID: "tp", MetricID: "csat", Version: 2,
		PeriodStart: time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC), PeriodEnd: time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC), Sample: Sample{N: 250}}
	e := MeasurementRecordedEvent(&m, true)
	want := map[string]any{"measurement_id": "m", "touchpoint_id": "tp", "metric_id": "csat", "period_start": "2026-11-01",
		"period_end": "2026-11-30", "n": 250, "version": 2, "replaced": true}
	if e.Type != EventMeasurementRecorded || e.SubjectID != "m" || len(e.Data) != len(want) {
		t.Fatalf("event %+v", e)
	}
	for k, v := range want {
		if e.Data[k] != v {
			t.Errorf("%s = %v, want %v", k, e.Data[k], v)
		}
	}
}
