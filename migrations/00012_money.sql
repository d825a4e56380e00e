-- +goose Up
-- Money (issue 17): a workspace's currency, the value drivers that price a
-- metric's improvement at a touchpoint, the business case of an idea and the
-- value a pilot proved.

-- One row per workspace that set its economics; none means the defaults.
CREATE TABLE workspace_economics (
    workspace_id uuid PRIMARY KEY REFERENCES workspaces (id) ON DELETE CASCADE,
    currency     text NOT NULL,
    updated_at   timestamptz NOT NULL,
    version      integer NOT NULL
);

-- How a change of one catalogue metric at one touchpoint turns into money:
-- annual value = improvement × unit_value × exposure_per_year. A touchpoint
-- or metric a driver prices cannot be deleted (the foreign keys are checked
-- at the end of the statement, so deleting a whole workspace still cascades;
-- the store answers 409 before that), like a touchpoint an idea targets.
CREATE TABLE value_drivers (
    id                uuid PRIMARY KEY,
    workspace_id      uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    touchpoint_id     uuid NOT NULL REFERENCES touchpoints (id),
    metric_id         uuid NOT NULL REFERENCES catalogue_metrics (id),
    unit_value        double precision NOT NULL CHECK (unit_value > 0),
    exposure_per_year double precision NOT NULL CHECK (exposure_per_year > 0),
    exposure_unit     text NOT NULL,
    note              text NOT NULL DEFAULT '',
    created_at        timestamptz NOT NULL,
    updated_at        timestamptz NOT NULL,
    version           integer NOT NULL
);
-- One driver per (touchpoint, metric); also the list filtered by touchpoint.
CREATE UNIQUE INDEX value_drivers_pair_idx ON value_drivers (workspace_id, touchpoint_id, metric_id);
CREATE INDEX value_drivers_list_idx ON value_drivers (workspace_id, created_at, id);
CREATE INDEX value_drivers_metric_idx ON value_drivers (metric_id);

-- The business case's inputs (both costs optional) and what is derived from
-- them and the drivers, kept so that the backlog sorts by net value and the
-- value report sums without recomputing: the store refreshes the derived
-- columns in the transaction of any write they depend on (the idea, a
-- driver it names, the workspace's currency). business_case is NULL for an
-- idea without inputs.
ALTER TABLE ideas
    ADD COLUMN one_off_cost              double precision,
    ADD COLUMN annual_running_cost       double precision,
    ADD COLUMN business_case             jsonb,
    ADD COLUMN expected_annual_value     double precision,
    ADD COLUMN expected_net_annual_value double precision,
    -- The value the pilot that got the idea adopted measured, with its interval.
    ADD COLUMN realised_annual_value     double precision,
    ADD COLUMN realised_ci_low           double precision,
    ADD COLUMN realised_ci_high          double precision,
    ADD COLUMN realised_pilot_id         uuid,
    ADD COLUMN realised_at               timestamptz;

-- The backlog by net value: ideas with a case first, highest net first;
-- ideas without one after them, in creation order. Every key is NOT NULL so
-- that a keyset cursor compares rows.
CREATE INDEX ideas_net_value_idx ON ideas
    (workspace_id, (expected_net_annual_value IS NULL), (-COALESCE(expected_net_annual_value, 0)), created_at, id);

-- An idea's expected improvements, in the order given. A driver an idea
-- names cannot be deleted (the store answers 409 naming the ideas).
CREATE TABLE idea_value_improvements (
    idea_id         uuid NOT NULL REFERENCES ideas (id) ON DELETE CASCADE,
    value_driver_id uuid NOT NULL REFERENCES value_drivers (id),
    workspace_id    uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    position        integer NOT NULL,
    improvement     double precision NOT NULL,
    -- improvement × the driver's unit_value × exposure_per_year, derived
    -- like the idea's business case, so that value adds up by touchpoint.
    annual_value    double precision NOT NULL DEFAULT 0,
    PRIMARY KEY (idea_id, value_driver_id)
);
CREATE INDEX idea_value_improvements_driver_idx ON idea_value_improvements (value_driver_id, idea_id);

-- +goose Down
DROP TABLE idea_value_improvements;
DROP INDEX ideas_net_value_idx;
ALTER TABLE ideas
    DROP COLUMN realised_at,
    DROP COLUMN realised_pilot_id,
    DROP COLUMN realised_ci_high,
    DROP COLUMN realised_ci_low,
    DROP COLUMN realised_annual_value,
    DROP COLUMN expected_net_annual_value,
    DROP COLUMN expected_annual_value,
    DROP COLUMN business_case,
    DROP COLUMN annual_running_cost,
    DROP COLUMN one_off_cost;
DROP TABLE value_drivers;
DROP TABLE workspace_economics;
