-- +goose Up
-- Sessions of the web workspace (issue 15). The browser holds a random
-- 256-bit id; only its SHA-256 is kept, so a copy of the table signs no one
-- in. A session belongs to the API key that signed in: revoking or deleting
-- the key ends it.
CREATE TABLE web_sessions (
    id_hash      bytea PRIMARY KEY,
    key_id       uuid NOT NULL REFERENCES api_keys (id) ON DELETE CASCADE,
    workspace_id uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    csrf_token   text NOT NULL,
    created_at   timestamptz NOT NULL,
    last_seen_at timestamptz NOT NULL
);
CREATE INDEX web_sessions_key_idx ON web_sessions (key_id);
CREATE INDEX web_sessions_seen_idx ON web_sessions (last_seen_at);

-- +goose Down
DROP TABLE web_sessions;
