-- +goose Up
-- Ideas reference touchpoints of their own workspace only.
ALTER TABLE touchpoints ADD CONSTRAINT touchpoints_workspace_id_id_key UNIQUE (workspace_id, id);

CREATE TABLE scoring_settings (
    workspace_id      uuid PRIMARY KEY REFERENCES workspaces (id) ON DELETE CASCADE,
    weight_impact     double precision NOT NULL,
    weight_experience double precision NOT NULL,
    value_threshold   double precision NOT NULL,
    effort_threshold  double precision NOT NULL,
    updated_at        timestamptz NOT NULL DEFAULT now(),
    version           integer NOT NULL DEFAULT 1
);

CREATE TABLE ideas (
    id           uuid PRIMARY KEY,
    workspace_id uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    title        text NOT NULL,
    problem      text NOT NULL DEFAULT '',
    proposal     text NOT NULL DEFAULT '',
    impact       smallint NOT NULL CHECK (impact BETWEEN 1 AND 5),
    experience   smallint NOT NULL CHECK (experience BETWEEN 1 AND 5),
    effort       smallint NOT NULL CHECK (effort BETWEEN 1 AND 5),
    confidence   double precision NOT NULL CHECK (confidence BETWEEN 0 AND 1),
    owner        text NOT NULL DEFAULT '',
    tags         jsonb NOT NULL DEFAULT '[]',
    source       text NOT NULL DEFAULT '',
    status       text NOT NULL,
    value        double precision NOT NULL,
    priority     double precision NOT NULL,
    quadrant     text NOT NULL,
    explanation  text NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now(),
    version      integer NOT NULL DEFAULT 1,
    UNIQUE (workspace_id, id)
);
-- The ranked backlog (priority descending, ties by created_at then id) is an
-- index scan, and so is every later page: on (-priority, created_at, id) the
-- keyset condition is one row comparison the index can seek to.
CREATE INDEX ideas_ranked_idx ON ideas (workspace_id, (-priority), created_at, id);
CREATE INDEX ideas_status_ranked_idx ON ideas (workspace_id, status, (-priority), created_at, id);
CREATE INDEX ideas_created_idx ON ideas (workspace_id, created_at, id);
CREATE INDEX ideas_updated_idx ON ideas (workspace_id, updated_at, id);
CREATE INDEX ideas_tags_idx ON ideas USING gin (tags jsonb_path_ops);

CREATE TABLE idea_touchpoints (
    workspace_id  uuid NOT NULL,
    idea_id       uuid NOT NULL,
    touchpoint_id uuid NOT NULL,
    position      integer NOT NULL,
    PRIMARY KEY (idea_id, touchpoint_id),
    CONSTRAINT idea_touchpoints_idea_fk FOREIGN KEY (workspace_id, idea_id) REFERENCES ideas (workspace_id, id) ON DELETE CASCADE,
    CONSTRAINT idea_touchpoints_touchpoint_fk FOREIGN KEY (workspace_id, touchpoint_id) REFERENCES touchpoints (workspace_id, id)
);
CREATE INDEX idea_touchpoints_touchpoint_idx ON idea_touchpoints (touchpoint_id);

CREATE TABLE idea_history (
    id           bigserial PRIMARY KEY,
    workspace_id uuid NOT NULL,
    idea_id      uuid NOT NULL,
    field        text NOT NULL,
    old_value    text NOT NULL,
    new_value    text NOT NULL,
    actor        text NOT NULL,
    changed_at   timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT idea_history_idea_fk FOREIGN KEY (workspace_id, idea_id) REFERENCES ideas (workspace_id, id) ON DELETE CASCADE
);
CREATE INDEX idea_history_idea_idx ON idea_history (idea_id, changed_at DESC, id DESC);

-- +goose Down
DROP TABLE idea_history;
DROP TABLE idea_touchpoints;
DROP TABLE ideas;
DROP TABLE scoring_settings;
ALTER TABLE touchpoints DROP CONSTRAINT touchpoints_workspace_id_id_key;
