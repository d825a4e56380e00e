package domain

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"strconv"
	"time"
)

// EventType names what happened, as resource.verb (the form Standard
// Webhooks recommends). A type always carries the same fields in its data.
type EventType string

// Event types. What each one's data holds is written by its constructor
// below (IdeaCreatedEvent, IdeaChangedEvents, PilotEvent,
// MeasurementRecordedEvent).
const (
	EventIdeaCreated         EventType = "idea.created"
	EventIdeaUpdated         EventType = "idea.updated"
	EventIdeaStatusChanged   EventType = "idea.status_changed"
	EventPilotStarted        EventType = "pilot.started"
	EventPilotCompleted      EventType = "pilot.completed"
	EventPilotCancelled      EventType = "pilot.cancelled"
	EventMeasurementRecorded EventType = "measurement.recorded"
)

// EventTypes lists every event type, for validation and documentation.
var EventTypes = []EventType{EventIdeaCreated, EventIdeaUpdated, EventIdeaStatusChanged,
	EventPilotStarted, EventPilotCompleted, EventPilotCancelled, EventMeasurementRecorded}

// ParseEventType accepts exactly one of EventTypes.
func ParseEventType(s string) (EventType, bool) { return parseEnum(s, EventTypes) }

// Event is one change, written in the transaction of the change (the
// outbox) and then read by the feed and delivered to webhooks at least once.
// ID is the receivers' de-duplication key (webhook-id).
type Event struct {
	ID          string
	WorkspaceID string
	// Seq numbers the workspace's events 1, 2, 3 ... in the order their
	// transactions committed; the feed pages by it.
	Seq       int64
	Type      EventType
	SubjectID string         // the idea, pilot or measurement the event is about
	Data      map[string]any // small: ids, names, what changed; keys in snake_case
	CreatedAt time.Time      // set by the store, in the transaction of the change
}

func newEvent(t EventType, workspaceID, subjectID string, data map[string]any) Event {
	return Event{ID: NewID(), WorkspaceID: workspaceID, Type: t, SubjectID: subjectID, Data: data}
}

// IdeaCreatedEvent is idea.created: idea_id, title, status, priority,
// quadrant, touchpoint_ids and actor (the API key's name).
func IdeaCreatedEvent(i *Idea, actor string) Event {
	return newEvent(EventIdeaCreated, i.WorkspaceID, i.ID, map[string]any{
		"idea_id": i.ID, "title": i.Title, "status": string(i.Status), "priority": i.Score.Priority,
		"quadrant": string(i.Score.Quadrant), "touchpoint_ids": nonNil(i.TouchpointIDs), "version": i.Version, "actor": actor,
	})
}

// IdeaChangedEvents are the events of an idea changed from before to after:
// idea.updated when any field but its status changed (idea_id, title,
// changed: the field names as in the history, priority included when the
// change moved it, version, actor), then idea.status_changed when its status
// did (idea_id, title, old_status, new_status, version, actor). None when
// nothing changed.
func IdeaChangedEvents(before, after *Idea, actor string) []Event {
	var changed []string
	statusChanged := false
	for _, c := range DiffIdeas(before, after) {
		if c.Field == "status" {
			statusChanged = true
			continue
		}
		changed = append(changed, c.Field)
	}
	var out []Event
	if len(changed) > 0 {
		out = append(out, newEvent(EventIdeaUpdated, after.WorkspaceID, after.ID, map[string]any{
			"idea_id": after.ID, "title": after.Title, "changed": changed, "version": after.Version, "actor": actor,
		}))
	}
	if statusChanged {
		out = append(out, newEvent(EventIdeaStatusChanged, after.WorkspaceID, after.ID, map[string]any{
			"idea_id": after.ID, "title": after.Title, "old_status": string(before.Status), "new_status": string(after.Status),
			"version": after.Version, "actor": actor,
		}))
	}
	return out
}

// PilotEvent is the event of a pilot moved from before to after, if the
// move is one: pilot.started (started_at), pilot.completed (decision,
// ended_at, and primary_metric_id, primary_metric_name and
// primary_metric_verdict when the results have a primary metric) or
// pilot.cancelled (previous_status, ended_at). Each also holds pilot_id,
// idea_id, title, version and actor. Data stays flat and holds no nulls: a
// value that is not there is left out.
func PilotEvent(before, after *Pilot, actor string) (Event, bool) {
	if before.Status == after.Status {
		return Event{}, false
	}
	data := map[string]any{"pilot_id": after.ID, "idea_id": after.IdeaID, "title": after.Title, "version": after.Version, "actor": actor}
	var t EventType
	switch after.Status {
	case PilotRunning:
		t = EventPilotStarted
		data["started_at"] = timeValue(after.StartedAt)
	case PilotCompleted:
		t = EventPilotCompleted
		data["decision"] = string(after.Decision)
		data["ended_at"] = timeValue(after.EndedAt)
		if after.Results != nil {
			if m := after.Results.Primary(); m != nil {
				data["primary_metric_id"], data["primary_metric_name"], data["primary_metric_verdict"] = m.MetricID, m.Name, string(m.Verdict)
			}
		}
	case PilotCancelled:
		t = EventPilotCancelled
		data["previous_status"] = string(before.Status)
		data["ended_at"] = timeValue(after.EndedAt)
	default:
		return Event{}, false
	}
	for k, v := range data {
		if v == nil {
			delete(data, k)
		}
	}
	return newEvent(t, after.WorkspaceID, after.ID, data), true
}

// MeasurementRecordedEvent is measurement.recorded: measurement_id,
// touchpoint_id, metric_id, period_start and period_end (dates), n, version
// and replaced (true when it replaced a measurement of the same period, or
// corrected one).
func MeasurementRecordedEvent(m *Measurement, replaced bool) Event {
	return newEvent(EventMeasurementRecorded, m.WorkspaceID, m.ID, map[string]any{
		"measurement_id": m.ID, "touchpoint_id": m.TouchpointID, "metric_id": m.MetricID,
		"period_start": m.PeriodStart.UTC().Format(time.DateOnly), "period_end": m.PeriodEnd.UTC().Format(time.DateOnly),
		"n": m.Sample.N, "version": m.Version, "replaced": replaced,
	})
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// timeValue is t in RFC 3339 UTC with the microseconds stored, or nil.
func timeValue(t *time.Time) any {
	if t == nil {
		return nil
	}
	return t.UTC().Format(time.RFC3339Nano)
}

// WebhookSecretPrefix marks a webhook signing secret when it is shown, as
// Standard Webhooks asks (whsec_ then the secret in base64).
const WebhookSecretPrefix = "whsec_"

// webhookSecretBytes is the length of a new secret: Standard Webhooks asks
// for 24 to 64 random bytes.
const webhookSecretBytes = 32

// NewWebhookSecret makes a random signing secret: the raw key the server
// signs with, and the form shown to the client once.
func NewWebhookSecret() (raw []byte, shown string) {
	raw = make([]byte, webhookSecretBytes)
	_, _ = rand.Read(raw) // never fails on supported platforms
	return raw, WebhookSecretString(raw)
}

// WebhookSecretString is a secret as shown: whsec_<standard base64>.
func WebhookSecretString(raw []byte) string {
	return WebhookSecretPrefix + base64.StdEncoding.EncodeToString(raw)
}

// ParseWebhookSecret is the key of a secret as shown: the base64 after the
// whsec_ prefix (which may be left out), decoded.
func ParseWebhookSecret(s string) ([]byte, error) {
	if len(s) >= len(WebhookSecretPrefix) && s[:len(WebhookSecretPrefix)] == WebhookSecretPrefix {
		s = s[len(WebhookSecretPrefix):]
	}
	raw, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		return nil, Errorf(EInvalid, "a webhook secret is whsec_ followed by base64")
	}
	return raw, nil
}

// SignWebhook is the Standard Webhooks signature (symmetric, v1) of one
// delivery attempt: v1,<base64 of HMAC-SHA256 keyed by secret over
// "<id>.<unix seconds of ts>.<body>">. It goes in the webhook-signature
// header, with id in webhook-id and the same seconds in webhook-timestamp.
func SignWebhook(secret []byte, id string, ts time.Time, body []byte) string {
	mac := hmac.New(sha256.New, secret)
	mac.Write([]byte(id))
	mac.Write([]byte{'.'})
	mac.Write([]byte(strconv.FormatInt(ts.Unix(), 10)))
	mac.Write([]byte{'.'})
	mac.Write(body)
	return "v1," + base64.StdEncoding.EncodeToString(mac.Sum(nil))
}
