-- +goose Up
-- Why customers contact us (issue 18): contact reasons with their volumes
-- per period, customer feedback verbatims, and both as evidence for ideas.

-- A reason is unique in its workspace by name, case-insensitively. Its
-- touchpoint is where the failure originates; it cannot be deleted while a
-- reason names it (the store answers 409 first).
CREATE TABLE contact_reasons (
    id                 uuid PRIMARY KEY,
    workspace_id       uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    name               text NOT NULL,
    touchpoint_id      uuid NOT NULL REFERENCES touchpoints (id),
    avoidable          boolean NOT NULL,
    description        text NOT NULL DEFAULT '',
    -- Derived from the reason's volumes by the store in the transaction of
    -- every volume write (domain.ContactsPerMonth).
    contacts_per_month double precision NOT NULL DEFAULT 0,
    created_at         timestamptz NOT NULL,
    updated_at         timestamptz NOT NULL,
    version            integer NOT NULL
);
CREATE UNIQUE INDEX contact_reasons_name_idx ON contact_reasons (workspace_id, lower(name));
CREATE INDEX contact_reasons_list_idx ON contact_reasons (workspace_id, created_at, id);
CREATE INDEX contact_reasons_touchpoint_idx ON contact_reasons (touchpoint_id);

-- One record per (reason, period, channel); channel '' means all channels.
CREATE TABLE contact_volumes (
    id                     uuid PRIMARY KEY,
    workspace_id           uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    reason_id              uuid NOT NULL REFERENCES contact_reasons (id) ON DELETE CASCADE,
    period_start           date NOT NULL,
    period_end             date NOT NULL CHECK (period_end >= period_start),
    channel                text NOT NULL DEFAULT '',
    contacts               integer NOT NULL CHECK (contacts >= 0),
    resolved_first_contact integer NOT NULL CHECK (resolved_first_contact >= 0 AND resolved_first_contact <= contacts),
    created_at             timestamptz NOT NULL,
    updated_at             timestamptz NOT NULL,
    version                integer NOT NULL
);
CREATE UNIQUE INDEX contact_volumes_key_idx ON contact_volumes (reason_id, period_start, period_end, channel);
-- The report: a workspace's records whose period lies in a window.
CREATE INDEX contact_volumes_period_idx ON contact_volumes (workspace_id, period_start, period_end)
    INCLUDE (reason_id, contacts, resolved_first_contact);

-- A verbatim, stemmed in its own language for full-text search (a
-- regconfig column keeps the generated tsvector immutable).
CREATE TABLE feedback (
    id            uuid PRIMARY KEY,
    workspace_id  uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    touchpoint_id uuid NOT NULL REFERENCES touchpoints (id),
    source        text NOT NULL,
    text          text NOT NULL,
    score         double precision,
    score_min     double precision,
    score_max     double precision,
    received_at   timestamptz NOT NULL,
    customer_ref  text NOT NULL DEFAULT '',
    language      regconfig NOT NULL,
    tsv           tsvector GENERATED ALWAYS AS (to_tsvector(language, text)) STORED,
    created_at    timestamptz NOT NULL,
    updated_at    timestamptz NOT NULL,
    version       integer NOT NULL
);
CREATE INDEX feedback_list_idx ON feedback (workspace_id, received_at DESC, id DESC);
CREATE INDEX feedback_touchpoint_idx ON feedback (touchpoint_id, received_at DESC, id DESC);
CREATE INDEX feedback_tsv_idx ON feedback USING gin (tsv);

-- Evidence: the contact reasons and feedback items an idea stands on.
CREATE TABLE idea_contact_reasons (
    idea_id      uuid NOT NULL REFERENCES ideas (id) ON DELETE CASCADE,
    reason_id    uuid NOT NULL REFERENCES contact_reasons (id) ON DELETE CASCADE,
    workspace_id uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    created_at   timestamptz NOT NULL,
    PRIMARY KEY (idea_id, reason_id)
);
CREATE INDEX idea_contact_reasons_reason_idx ON idea_contact_reasons (reason_id, idea_id);

CREATE TABLE idea_feedback (
    idea_id      uuid NOT NULL REFERENCES ideas (id) ON DELETE CASCADE,
    feedback_id  uuid NOT NULL REFERENCES feedback (id) ON DELETE CASCADE,
    workspace_id uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    created_at   timestamptz NOT NULL,
    PRIMARY KEY (idea_id, feedback_id)
);
CREATE INDEX idea_feedback_feedback_idx ON idea_feedback (feedback_id, idea_id);

-- The volume an idea addresses: the contacts a month of its linked reasons,
-- derived by the store when links or volumes change, so that the backlog
-- sorts by it from one index.
ALTER TABLE ideas ADD COLUMN contacts_per_month double precision NOT NULL DEFAULT 0;
CREATE INDEX ideas_contacts_idx ON ideas (workspace_id, (-contacts_per_month), created_at, id);

-- +goose Down
DROP INDEX ideas_contacts_idx;
ALTER TABLE ideas DROP COLUMN contacts_per_month;
DROP TABLE idea_feedback;
DROP TABLE idea_contact_reasons;
DROP TABLE feedback;
DROP TABLE contact_volumes;
DROP TABLE contact_reasons;
