-- +goose Up
CREATE TABLE workspaces (
    id         uuid PRIMARY KEY,
    slug       text NOT NULL UNIQUE CHECK (slug ~ '^[a-z0-9][a-z0-9-]{0,62}$'),
    name       text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE api_keys (
    id           uuid PRIMARY KEY,
    workspace_id uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    name         text NOT NULL,
    role         text NOT NULL CHECK (role IN ('viewer', 'editor', 'admin')),
    secret_hash  bytea NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    expires_at   timestamptz,
    revoked_at   timestamptz,
    last_used_at timestamptz
);
CREATE INDEX api_keys_workspace_idx ON api_keys (workspace_id, created_at, id);

CREATE TABLE journeys (
    id           uuid PRIMARY KEY,
    workspace_id uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    name         text NOT NULL,
    description  text NOT NULL DEFAULT '',
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now(),
    version      integer NOT NULL DEFAULT 1,
    -- Referenced by touchpoints so that a journey from another workspace cannot be used.
    UNIQUE (workspace_id, id)
);
CREATE INDEX journeys_list_idx ON journeys (workspace_id, created_at, id);

CREATE TABLE journey_stages (
    journey_id uuid NOT NULL REFERENCES journeys (id) ON DELETE CASCADE,
    id         uuid NOT NULL,
    position   integer NOT NULL,
    name       text NOT NULL,
    PRIMARY KEY (journey_id, id)
);

CREATE TABLE touchpoints (
    id           uuid PRIMARY KEY,
    workspace_id uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    journey_id   uuid NOT NULL,
    stage_id     uuid NOT NULL,
    name         text NOT NULL,
    description  text NOT NULL DEFAULT '',
    channel      text NOT NULL CHECK (channel IN ('web', 'mobile_app', 'phone', 'email', 'chat', 'in_person',
                                                  'social', 'mail', 'self_service', 'partner', 'physical_environment')),
    owner        text NOT NULL DEFAULT '',
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now(),
    version      integer NOT NULL DEFAULT 1,
    CONSTRAINT touchpoints_journey_fk FOREIGN KEY (workspace_id, journey_id) REFERENCES journeys (workspace_id, id),
    CONSTRAINT touchpoints_stage_fk FOREIGN KEY (journey_id, stage_id) REFERENCES journey_stages (journey_id, id)
);
CREATE INDEX touchpoints_list_idx ON touchpoints (workspace_id, created_at, id);
CREATE INDEX touchpoints_journey_idx ON touchpoints (workspace_id, journey_id, stage_id);

CREATE TABLE idempotency_keys (
    workspace_id    uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    key             text NOT NULL,
    request_hash    bytea NOT NULL,
    response_status integer NOT NULL,
    response_headers jsonb NOT NULL DEFAULT '{}',
    response_body   bytea NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (workspace_id, key)
);
CREATE INDEX idempotency_keys_created_idx ON idempotency_keys (created_at);

-- +goose Down
DROP TABLE idempotency_keys;
DROP TABLE touchpoints;
DROP TABLE journey_stages;
DROP TABLE journeys;
DROP TABLE api_keys;
DROP TABLE workspaces;
