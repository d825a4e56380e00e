-- +goose Up
-- Webhooks and the event feed (issue 16). A change that others may want to
-- hear about (an idea created, changed or moved; a pilot started, completed
-- or cancelled; a measurement recorded) writes an event into this outbox in
-- the same transaction as the change itself: a change rolled back leaves no
-- event, and an event is never lost once the change committed. The feed
-- (GET /api/v1/events) reads the outbox; the dispatcher turns each event into
-- one delivery per subscribed webhook and posts it.

-- Each workspace numbers its events 1, 2, 3 ... The writer takes the next
-- numbers from this row as the last statement of its transaction and holds
-- the row until it commits, so within a workspace numbers are given in commit
-- order: a reader paging by seq never skips an event that commits late. It
-- is the workspace's own count, so a cursor made of it says nothing about
-- other workspaces.
CREATE TABLE event_sequences (
    workspace_id uuid PRIMARY KEY REFERENCES workspaces (id) ON DELETE CASCADE,
    last_seq     bigint NOT NULL
);

CREATE TABLE events (
    id            uuid PRIMARY KEY, -- sent as webhook-id: the receiver's de-duplication key
    workspace_id  uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    seq           bigint NOT NULL,
    type          text NOT NULL,    -- idea.created, pilot.completed, ...
    subject_id    uuid NOT NULL,    -- the idea, pilot or measurement it is about
    data          jsonb NOT NULL,   -- small: ids, title, old and new status, changed fields ...
    created_at    timestamptz NOT NULL,
    dispatched_at timestamptz       -- when the dispatcher made its deliveries
);
-- The feed: one workspace's events after a seq, and the same of some types.
CREATE UNIQUE INDEX events_seq_idx ON events (workspace_id, seq);
CREATE INDEX events_type_seq_idx ON events (workspace_id, type, seq);
-- The dispatcher's queue of events not yet turned into deliveries.
CREATE INDEX events_undispatched_idx ON events (created_at, id) WHERE dispatched_at IS NULL;

CREATE TABLE webhooks (
    id                   uuid PRIMARY KEY,
    workspace_id         uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    url                  text NOT NULL,
    events               jsonb NOT NULL, -- array of event types subscribed to
    -- The signing secret, raw. Unlike an API key's, it cannot be kept as a
    -- hash: every delivery is signed with HMAC-SHA256 keyed by the secret
    -- itself. It is shown once, at creation (as whsec_<base64>), and never
    -- answered again.
    secret               bytea NOT NULL,
    active               boolean NOT NULL,
    consecutive_failures integer NOT NULL DEFAULT 0, -- deliveries that failed for good in a row
    disabled_at          timestamptz,                -- set when the server turned it off
    disabled_reason      text NOT NULL DEFAULT '',
    created_at           timestamptz NOT NULL,
    updated_at           timestamptz NOT NULL,
    version              integer NOT NULL
);
CREATE INDEX webhooks_list_idx ON webhooks (workspace_id, created_at, id);

-- One delivery per (event, webhook). Every attempt is logged in attempts
-- (the latest ones); attempt, status_code, error and duration_ms repeat the
-- last. A pending delivery is due at next_attempt_at; a dispatcher claims it
-- by moving next_attempt_at past its own deadline (a lease), so another
-- replica takes it over only if this one died.
CREATE TABLE webhook_deliveries (
    id              uuid PRIMARY KEY,
    workspace_id    uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    webhook_id      uuid NOT NULL REFERENCES webhooks (id) ON DELETE CASCADE,
    event_id        uuid NOT NULL REFERENCES events (id) ON DELETE CASCADE,
    state           text NOT NULL CHECK (state IN ('pending', 'delivered', 'failed')),
    attempt         integer NOT NULL DEFAULT 0,
    status_code     integer,
    error           text NOT NULL DEFAULT '',
    duration_ms     integer,
    attempts        jsonb NOT NULL DEFAULT '[]',
    next_attempt_at timestamptz,
    retry_until     timestamptz NOT NULL, -- a failure after this fails the delivery for good
    delivered_at    timestamptz,
    created_at      timestamptz NOT NULL,
    updated_at      timestamptz NOT NULL
);
-- A fan-out that runs twice makes no second delivery; also serves the
-- cascade from webhooks.
CREATE UNIQUE INDEX webhook_deliveries_event_key ON webhook_deliveries (webhook_id, event_id);
CREATE INDEX webhook_deliveries_event_idx ON webhook_deliveries (event_id);
-- A webhook's deliveries, newest first.
CREATE INDEX webhook_deliveries_list_idx ON webhook_deliveries (webhook_id, created_at DESC, id DESC);
-- The dispatcher's claim: pending deliveries by due time.
CREATE INDEX webhook_deliveries_due_idx ON webhook_deliveries (next_attempt_at) WHERE state = 'pending';

-- +goose Down
DROP TABLE webhook_deliveries;
DROP TABLE webhooks;
DROP TABLE events;
DROP TABLE event_sequences;
