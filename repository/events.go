package repository

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"time"

	"cxbacklog/domain"
)

type eventRow struct {
	ID          string
	WorkspaceID string
	Seq         int64
	Type        string
	SubjectID   string
	Data        string // jsonb object
	CreatedAt   time.Time
}

func (eventRow) TableName() string { return "events" }

func (r eventRow) domain() domain.Event {
	e := domain.Event{ID: r.ID, WorkspaceID: r.WorkspaceID, Seq: r.Seq, Type: domain.EventType(r.Type),
		SubjectID: r.SubjectID, CreatedAt: r.CreatedAt, Data: map[string]any{}}
	_ = json.Unmarshal([]byte(r.Data), &e.Data) // written by writeEvents: always an object
	return e
}

// eventChunk is how many events one INSERT writes: 7 parameters each.
const eventChunk = 1000

// writeEvents appends events to the outbox in the transaction in ctx. It
// must be the transaction's last statement: it numbers the events from the
// workspace's row in event_sequences and holds that row until the
// transaction ends, so that every workspace's numbers follow commit order
// (a feed reader paging by number never skips a late commit). Taking no
// lock after it, the transaction cannot deadlock on it. Events of several
// workspaces are numbered workspace by workspace, in id order.
func (s *Store) writeEvents(ctx context.Context, events []domain.Event) error {
	if len(events) == 0 {
		return nil
	}
	byWorkspace := map[string][]*domain.Event{}
	for n := range events {
		e := &events[n]
		byWorkspace[e.WorkspaceID] = append(byWorkspace[e.WorkspaceID], e)
	}
	workspaces := make([]string, 0, len(byWorkspace))
	for ws := range byWorkspace {
		workspaces = append(workspaces, ws)
	}
	slices.Sort(workspaces)
	at := s.now()
	for _, ws := range workspaces {
		evs := byWorkspace[ws]
		var last int64
		err := s.conn(ctx).Raw(`INSERT INTO event_sequences (workspace_id, last_seq) VALUES (?, ?)
			ON CONFLICT (workspace_id) DO UPDATE SET last_seq = event_sequences.last_seq + excluded.last_seq
			RETURNING last_seq`, ws, len(evs)).Scan(&last).Error
		if err != nil {
			return translate(err)
		}
		first := last - int64(len(evs)) + 1
		for from := 0; from < len(evs); from += eventChunk {
			chunk := evs[from:min(from+eventChunk, len(evs))]
			var b strings.Builder
			b.WriteString("INSERT INTO events (id, workspace_id, seq, type, subject_id, data, created_at) VALUES ")
			args := make([]any, 0, 7*len(chunk))
			for n, e := range chunk {
				if n > 0 {
					b.WriteString(", ")
				}
				b.WriteString("(?, ?, ?, ?, ?, ?::jsonb, ?)")
				data, err := json.Marshal(e.Data)
				if err != nil {
					return domain.Wrap(domain.EInternal, err, "internal error")
				}
				if e.Data == nil {
					data = []byte("{}")
				}
				e.Seq, e.CreatedAt = first+int64(from+n), at
				args = append(args, e.ID, ws, e.Seq, string(e.Type), e.SubjectID, string(data), at)
			}
			if err := s.conn(ctx).Exec(b.String(), args...).Error; err != nil {
				return translate(err)
			}
		}
	}
	return nil
}

// ListEvents implements domain.WebhookStore: a range of events_seq_idx, or
// of events_type_seq_idx for each type.
func (s *Store) ListEvents(ctx context.Context, workspaceID string, afterSeq int64, types []domain.EventType, limit int) ([]domain.Event, bool, error) {
	limit = pageLimit(limit)
	q := anyOf(s.conn(ctx).Where("workspace_id = ? AND seq > ?", workspaceID, afterSeq), "type", types)
	var rows []eventRow
	if err := q.Order("seq").Limit(limit + 1).Find(&rows).Error; err != nil {
		return nil, false, translate(err)
	}
	more := len(rows) > limit
	if more {
		rows = rows[:limit]
	}
	out := make([]domain.Event, len(rows))
	for n, r := range rows {
		out[n] = r.domain()
	}
	return out, more, nil
}

// FanOutEvents implements domain.DeliveryStore in one statement: it takes
// events not yet dispatched (SKIP LOCKED, so that several dispatchers share
// the work), makes their deliveries and marks them dispatched.
func (s *Store) FanOutEvents(ctx context.Context, retryFor time.Duration, limit int) (int, error) {
	now := s.now()
	var n int
	err := s.conn(ctx).Raw(`WITH ev AS (
			SELECT id, workspace_id, type FROM events WHERE dispatched_at IS NULL
			ORDER BY created_at, id LIMIT ? FOR UPDATE SKIP LOCKED
		), made AS (
			INSERT INTO webhook_deliveries (id, workspace_id, webhook_id, event_id, state, next_attempt_at, retry_until, created_at, updated_at)
			SELECT gen_random_uuid(), ev.workspace_id, w.id, ev.id, 'pending', ?, ?, ?, ?
			FROM ev JOIN webhooks w ON w.workspace_id = ev.workspace_id AND w.active AND w.events @> jsonb_build_array(ev.type)
			ON CONFLICT (webhook_id, event_id) DO NOTHING
		), done AS (
			UPDATE events SET dispatched_at = ? WHERE id IN (SELECT id FROM ev) RETURNING 1
		)
		SELECT count(*) FROM done`, limit, now, now.Add(retryFor), now, now, now).Scan(&n).Error
	return n, translate(err)
}
