-- +goose Up
CREATE TABLE pilots (
    id               uuid PRIMARY KEY,
    workspace_id     uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    idea_id          uuid NOT NULL,
    title            text NOT NULL DEFAULT '',
    hypothesis       text NOT NULL,
    scope            text NOT NULL DEFAULT '',
    start_date       date,
    end_date         date,
    owner            text NOT NULL DEFAULT '',
    confidence_level double precision NOT NULL CHECK (confidence_level BETWEEN 0.8 AND 0.99),
    status           text NOT NULL CHECK (status IN ('planned', 'running', 'completed', 'cancelled')),
    decision         text NOT NULL DEFAULT '' CHECK (decision IN ('', 'adopt', 'iterate', 'abandon')),
    results          jsonb, -- the frozen snapshot, set on completion
    started_at       timestamptz,
    ended_at         timestamptz,
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    version          integer NOT NULL DEFAULT 1,
    UNIQUE (workspace_id, id),
    CHECK (end_date >= start_date),
    -- An idea with pilots cannot be deleted: the pilots are its evidence.
    CONSTRAINT pilots_idea_fk FOREIGN KEY (workspace_id, idea_id) REFERENCES ideas (workspace_id, id)
);
CREATE INDEX pilots_list_idx ON pilots (workspace_id, created_at, id);
CREATE INDEX pilots_idea_idx ON pilots (idea_id, created_at, id);

CREATE TABLE pilot_touchpoints (
    workspace_id  uuid NOT NULL,
    pilot_id      uuid NOT NULL,
    touchpoint_id uuid NOT NULL,
    position      integer NOT NULL,
    PRIMARY KEY (pilot_id, touchpoint_id),
    CONSTRAINT pilot_touchpoints_pilot_fk FOREIGN KEY (workspace_id, pilot_id) REFERENCES pilots (workspace_id, id) ON DELETE CASCADE,
    CONSTRAINT pilot_touchpoints_touchpoint_fk FOREIGN KEY (workspace_id, touchpoint_id) REFERENCES touchpoints (workspace_id, id)
);
CREATE INDEX pilot_touchpoints_touchpoint_idx ON pilot_touchpoints (touchpoint_id);

CREATE TABLE pilot_metrics (
    id           uuid PRIMARY KEY,
    workspace_id uuid NOT NULL,
    pilot_id     uuid NOT NULL,
    name         text NOT NULL,
    unit         text NOT NULL DEFAULT '',
    kind         text NOT NULL CHECK (kind IN ('mean', 'proportion', 'nps', 'count')),
    direction    text NOT NULL CHECK (direction IN ('higher_is_better', 'lower_is_better')),
    "primary"    boolean NOT NULL DEFAULT false,
    guardrail    boolean NOT NULL DEFAULT false,
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now(),
    version      integer NOT NULL DEFAULT 1,
    UNIQUE (workspace_id, id),
    CONSTRAINT pilot_metrics_pilot_fk FOREIGN KEY (workspace_id, pilot_id) REFERENCES pilots (workspace_id, id) ON DELETE CASCADE,
    CONSTRAINT pilot_metrics_name_key UNIQUE (pilot_id, name)
);
-- At most one primary metric per pilot; completion checks there is one.
CREATE UNIQUE INDEX pilot_metrics_primary_key ON pilot_metrics (pilot_id) WHERE "primary";
CREATE INDEX pilot_metrics_pilot_idx ON pilot_metrics (pilot_id, created_at, id);

CREATE TABLE pilot_samples (
    metric_id    uuid NOT NULL REFERENCES pilot_metrics (id) ON DELETE CASCADE,
    grp          text NOT NULL CHECK (grp IN ('pilot', 'control')),
    period       text NOT NULL CHECK (period IN ('before', 'after')),
    n            bigint NOT NULL DEFAULT 0,
    mean         double precision NOT NULL DEFAULT 0,
    sd           double precision NOT NULL DEFAULT 0,
    successes    bigint NOT NULL DEFAULT 0,
    promoters    bigint NOT NULL DEFAULT 0,
    passives     bigint NOT NULL DEFAULT 0,
    detractors   bigint NOT NULL DEFAULT 0,
    events       bigint NOT NULL DEFAULT 0,
    exposure     double precision NOT NULL DEFAULT 0,
    source       text NOT NULL CHECK (source IN ('summary', 'observations')),
    updated_at   timestamptz NOT NULL DEFAULT now(),
    version      integer NOT NULL DEFAULT 1,
    PRIMARY KEY (metric_id, grp, period),
    CHECK (n >= 0 AND sd >= 0 AND successes BETWEEN 0 AND greatest(n, 0) AND promoters >= 0 AND passives >= 0
           AND detractors >= 0 AND events >= 0 AND exposure >= 0)
);

-- Per-unit change scores (after − before) of a mean metric whose raw
-- observations all carry unit ids seen in both periods: the paired designs.
CREATE TABLE pilot_change_scores (
    metric_id uuid NOT NULL REFERENCES pilot_metrics (id) ON DELETE CASCADE,
    grp       text NOT NULL CHECK (grp IN ('pilot', 'control')),
    n         bigint NOT NULL,
    mean      double precision NOT NULL,
    sd        double precision NOT NULL,
    PRIMARY KEY (metric_id, grp)
);

-- Raw observations, loaded by COPY. No primary key or secondary index: they
-- are only ever read whole per metric, to aggregate them.
CREATE TABLE pilot_observations (
    metric_id uuid NOT NULL REFERENCES pilot_metrics (id) ON DELETE CASCADE,
    grp       text NOT NULL,
    period    text NOT NULL,
    value     double precision NOT NULL,
    unit_id   text
);
CREATE INDEX pilot_observations_metric_idx ON pilot_observations (metric_id);

-- +goose Down
DROP TABLE pilot_observations;
DROP TABLE pilot_change_scores;
DROP TABLE pilot_samples;
DROP TABLE pilot_metrics;
DROP TABLE pilot_touchpoints;
DROP TABLE pilots;
