-- +goose Up
-- The value report without scans (issue 17): it lists the touchpoints where
-- the most value accrues and the drivers whose touchpoint misses its target.
-- Summing every touchpoint's counters of the open statuses and probing every
-- driver for its latest measurement cost ~9 ms per report at a million
-- ideas and 1,500 drivers; these keep both answers a few index reads away.

-- The open statuses' sums per touchpoint, kept from the per-status counters
-- (migrations/00013) by a row trigger, so that the biggest come from an index.
CREATE TABLE idea_value_touchpoint_open (
    workspace_id  uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    touchpoint_id uuid NOT NULL,
    improvements  bigint NOT NULL DEFAULT 0,
    value         numeric NOT NULL DEFAULT 0,
    weighted      numeric NOT NULL DEFAULT 0,
    PRIMARY KEY (workspace_id, touchpoint_id)
);
CREATE INDEX idea_value_touchpoint_open_rank_idx ON idea_value_touchpoint_open (workspace_id, weighted DESC, touchpoint_id)
    WHERE improvements <> 0;

-- The statuses here are domain.OpenIdeaStatuses. A counter row going away
-- (its workspace being deleted) only updates, so that nothing is inserted
-- for a workspace on its way out.
-- +goose StatementBegin
CREATE FUNCTION roll_up_open_touchpoint_values() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    open constant text[] := ARRAY['new', 'under_review', 'planned', 'piloting'];
    ws uuid;
    tp uuid;
    di bigint := 0;
    dv numeric := 0;
    dw numeric := 0;
BEGIN
    IF TG_OP <> 'DELETE' AND NEW.status = ANY (open) THEN
        ws := NEW.workspace_id; tp := NEW.touchpoint_id;
        di := NEW.improvements; dv := NEW.value; dw := NEW.weighted;
    END IF;
    IF TG_OP <> 'INSERT' AND OLD.status = ANY (open) THEN
        ws := OLD.workspace_id; tp := OLD.touchpoint_id;
        di := di - OLD.improvements; dv := dv - OLD.value; dw := dw - OLD.weighted;
    END IF;
    IF ws IS NULL OR (di = 0 AND dv = 0 AND dw = 0) THEN
        RETURN NULL;
    END IF;
    IF TG_OP = 'DELETE' THEN
        UPDATE idea_value_touchpoint_open SET improvements = improvements + di, value = value + dv, weighted = weighted + dw
        WHERE workspace_id = ws AND touchpoint_id = tp;
    ELSE
        INSERT INTO idea_value_touchpoint_open AS o VALUES (ws, tp, di, dv, dw)
        ON CONFLICT (workspace_id, touchpoint_id) DO UPDATE
            SET improvements = o.improvements + excluded.improvements, value = o.value + excluded.value,
                weighted = o.weighted + excluded.weighted;
    END IF;
    RETURN NULL;
END $$;
-- +goose StatementEnd
CREATE TRIGGER idea_value_touchpoint_open_roll_up AFTER INSERT OR UPDATE OR DELETE ON idea_value_touchpoint_counts
    FOR EACH ROW EXECUTE FUNCTION roll_up_open_touchpoint_values();
INSERT INTO idea_value_touchpoint_open (workspace_id, touchpoint_id, improvements, value, weighted)
SELECT workspace_id, touchpoint_id, sum(improvements), sum(value), sum(weighted)
FROM idea_value_touchpoint_counts WHERE status IN ('new', 'under_review', 'planned', 'piloting')
GROUP BY workspace_id, touchpoint_id;

-- Each driver's latest measurement of its metric at its touchpoint (NULL
-- when never measured), kept by triggers on the measurements and set when a
-- driver is created (a driver's touchpoint and metric never change), so that
-- the report reads only the drivers that can miss a target.
ALTER TABLE value_drivers ADD COLUMN latest_measurement_id uuid;
CREATE INDEX value_drivers_measured_idx ON value_drivers (workspace_id) INCLUDE (latest_measurement_id)
    WHERE latest_measurement_id IS NOT NULL;

-- +goose StatementBegin
CREATE FUNCTION latest_measurement_of(tp uuid, metric uuid) RETURNS uuid LANGUAGE sql STABLE AS $$
    SELECT id FROM touchpoint_measurements WHERE touchpoint_id = tp AND metric_id = metric
    ORDER BY period_end DESC, period_start DESC LIMIT 1
$$;
CREATE FUNCTION set_driver_latest_measurement() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.latest_measurement_id := latest_measurement_of(NEW.touchpoint_id, NEW.metric_id);
    RETURN NEW;
END $$;
CREATE FUNCTION follow_latest_measurements() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        UPDATE value_drivers d SET latest_measurement_id = latest_measurement_of(d.touchpoint_id, d.metric_id)
        WHERE (d.touchpoint_id, d.metric_id) IN (SELECT touchpoint_id, metric_id FROM new_rows);
    ELSIF TG_OP = 'DELETE' THEN
        UPDATE value_drivers d SET latest_measurement_id = latest_measurement_of(d.touchpoint_id, d.metric_id)
        WHERE (d.touchpoint_id, d.metric_id) IN (SELECT touchpoint_id, metric_id FROM old_rows);
    ELSE
        UPDATE value_drivers d SET latest_measurement_id = latest_measurement_of(d.touchpoint_id, d.metric_id)
        WHERE (d.touchpoint_id, d.metric_id) IN (SELECT touchpoint_id, metric_id FROM new_rows
                                                  UNION SELECT touchpoint_id, metric_id FROM old_rows);
    END IF;
    RETURN NULL;
END $$;
-- +goose StatementEnd
CREATE TRIGGER value_drivers_latest_measurement BEFORE INSERT ON value_drivers
    FOR EACH ROW EXECUTE FUNCTION set_driver_latest_measurement();
CREATE TRIGGER measurements_follow_insert AFTER INSERT ON touchpoint_measurements
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION follow_latest_measurements();
CREATE TRIGGER measurements_follow_update AFTER UPDATE ON touchpoint_measurements
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION follow_latest_measurements();
CREATE TRIGGER measurements_follow_delete AFTER DELETE ON touchpoint_measurements
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION follow_latest_measurements();
UPDATE value_drivers SET latest_measurement_id = latest_measurement_of(touchpoint_id, metric_id);

-- +goose Down
DROP TRIGGER measurements_follow_delete ON touchpoint_measurements;
DROP TRIGGER measurements_follow_update ON touchpoint_measurements;
DROP TRIGGER measurements_follow_insert ON touchpoint_measurements;
DROP TRIGGER value_drivers_latest_measurement ON value_drivers;
DROP FUNCTION follow_latest_measurements();
DROP FUNCTION set_driver_latest_measurement();
DROP FUNCTION latest_measurement_of(uuid, uuid);
DROP INDEX value_drivers_measured_idx;
ALTER TABLE value_drivers DROP COLUMN latest_measurement_id;
DROP TRIGGER idea_value_touchpoint_open_roll_up ON idea_value_touchpoint_counts;
DROP FUNCTION roll_up_open_touchpoint_values();
DROP TABLE idea_value_touchpoint_open;
