-- +goose Up
-- Reports that don't scan (issue 19): blind spots, coverage and the heatmap
-- read each touchpoint's idea and pilot counts and the latest measurement
-- of each of its metrics. Counting ~2M idea links (155 ms at 200,000 ideas)
-- and picking the latest of every measurement series (140 ms at 77,000
-- measurements) per request cannot scale, so both are kept here, in the
-- transaction of each write, by statement triggers like the matrix's
-- counts (00009) and the value report's (00013).

-- Per touchpoint: the ideas targeting it by status (the statuses of
-- domain.IdeaStatus, one column each) and its pilots, all and running. Each
-- link carries what it counted: idea_touchpoints its idea's status (00009),
-- pilot_touchpoints its pilot's status (below), so a link says what to
-- take away even once its idea or pilot is being deleted.
CREATE TABLE touchpoint_report_counts (
    workspace_id       uuid NOT NULL,
    touchpoint_id      uuid NOT NULL,
    ideas_new          bigint NOT NULL DEFAULT 0,
    ideas_under_review bigint NOT NULL DEFAULT 0,
    ideas_planned      bigint NOT NULL DEFAULT 0,
    ideas_piloting     bigint NOT NULL DEFAULT 0,
    ideas_adopted      bigint NOT NULL DEFAULT 0,
    ideas_rejected     bigint NOT NULL DEFAULT 0,
    ideas_parked       bigint NOT NULL DEFAULT 0,
    pilots             bigint NOT NULL DEFAULT 0,
    running_pilots     bigint NOT NULL DEFAULT 0,
    PRIMARY KEY (workspace_id, touchpoint_id),
    CONSTRAINT touchpoint_report_counts_touchpoint_fk FOREIGN KEY (workspace_id, touchpoint_id)
        REFERENCES touchpoints (workspace_id, id) ON DELETE CASCADE
);

ALTER TABLE pilot_touchpoints ADD COLUMN status text;
UPDATE pilot_touchpoints pt SET status = p.status FROM pilots p WHERE p.id = pt.pilot_id;
ALTER TABLE pilot_touchpoints ALTER COLUMN status SET NOT NULL;

-- The delta of the idea counters over src, a query of idea links with a
-- sign s (+1 counts a link in, −1 out); groups that net to nothing (a
-- re-scoring moves every link's priority, not its status) are left out.
-- +goose StatementBegin
CREATE FUNCTION touchpoint_idea_delta_sql(src text) RETURNS text LANGUAGE sql IMMUTABLE AS $f$
SELECT format($q$
    SELECT workspace_id, touchpoint_id,
           COALESCE(sum(n) FILTER (WHERE status = 'new'), 0) AS ideas_new,
           COALESCE(sum(n) FILTER (WHERE status = 'under_review'), 0) AS ideas_under_review,
           COALESCE(sum(n) FILTER (WHERE status = 'planned'), 0) AS ideas_planned,
           COALESCE(sum(n) FILTER (WHERE status = 'piloting'), 0) AS ideas_piloting,
           COALESCE(sum(n) FILTER (WHERE status = 'adopted'), 0) AS ideas_adopted,
           COALESCE(sum(n) FILTER (WHERE status = 'rejected'), 0) AS ideas_rejected,
           COALESCE(sum(n) FILTER (WHERE status = 'parked'), 0) AS ideas_parked
    FROM (SELECT workspace_id, touchpoint_id, status, sum(s) AS n FROM (%s) x
          GROUP BY workspace_id, touchpoint_id, status HAVING sum(s) <> 0) d
    GROUP BY workspace_id, touchpoint_id
    ORDER BY workspace_id, touchpoint_id$q$, src)
$f$;
-- +goose StatementEnd

-- The same for pilot links: all pilots and the running ones.
-- +goose StatementBegin
CREATE FUNCTION touchpoint_pilot_delta_sql(src text) RETURNS text LANGUAGE sql IMMUTABLE AS $f$
SELECT format($q$
    SELECT workspace_id, touchpoint_id, sum(s) AS pilots, sum(s) FILTER (WHERE status = 'running') AS running_pilots
    FROM (%s) x
    GROUP BY workspace_id, touchpoint_id
    HAVING sum(s) <> 0 OR sum(s) FILTER (WHERE status = 'running') <> 0
    ORDER BY workspace_id, touchpoint_id$q$, src)
$f$;
-- +goose StatementEnd

-- Counts links in (INSERT, UPDATE) with an upsert in key order, so that
-- concurrent writers lock counter rows in the same order; counts links out
-- of a DELETE with an UPDATE only, so that the links of a workspace or
-- touchpoint being deleted (whose counters may be gone already) insert
-- nothing.
-- +goose StatementBegin
CREATE FUNCTION count_touchpoint_ideas() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    cols constant text := 'workspace_id, touchpoint_id, status';
    src text;
BEGIN
    IF TG_OP = 'INSERT' THEN
        src := 'SELECT 1 AS s, ' || cols || ' FROM new_rows';
    ELSIF TG_OP = 'DELETE' THEN
        src := 'SELECT -1 AS s, ' || cols || ' FROM old_rows';
    ELSE
        src := 'SELECT 1 AS s, ' || cols || ' FROM new_rows UNION ALL SELECT -1, ' || cols || ' FROM old_rows';
    END IF;
    IF TG_OP = 'DELETE' THEN
        EXECUTE 'UPDATE touchpoint_report_counts c SET ideas_new = c.ideas_new + d.ideas_new,
                ideas_under_review = c.ideas_under_review + d.ideas_under_review, ideas_planned = c.ideas_planned + d.ideas_planned,
                ideas_piloting = c.ideas_piloting + d.ideas_piloting, ideas_adopted = c.ideas_adopted + d.ideas_adopted,
                ideas_rejected = c.ideas_rejected + d.ideas_rejected, ideas_parked = c.ideas_parked + d.ideas_parked
            FROM (' || touchpoint_idea_delta_sql(src) || ') d
            WHERE c.workspace_id = d.workspace_id AND c.touchpoint_id = d.touchpoint_id';
    ELSE
        EXECUTE 'INSERT INTO touchpoint_report_counts AS c (workspace_id, touchpoint_id, ideas_new, ideas_under_review,
                ideas_planned, ideas_piloting, ideas_adopted, ideas_rejected, ideas_parked) '
            || touchpoint_idea_delta_sql(src) || '
            ON CONFLICT (workspace_id, touchpoint_id) DO UPDATE SET ideas_new = c.ideas_new + excluded.ideas_new,
                ideas_under_review = c.ideas_under_review + excluded.ideas_under_review,
                ideas_planned = c.ideas_planned + excluded.ideas_planned, ideas_piloting = c.ideas_piloting + excluded.ideas_piloting,
                ideas_adopted = c.ideas_adopted + excluded.ideas_adopted, ideas_rejected = c.ideas_rejected + excluded.ideas_rejected,
                ideas_parked = c.ideas_parked + excluded.ideas_parked';
    END IF;
    RETURN NULL;
END $$;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE FUNCTION count_touchpoint_pilots() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    cols constant text := 'workspace_id, touchpoint_id, status';
    src text;
BEGIN
    IF TG_OP = 'INSERT' THEN
        src := 'SELECT 1 AS s, ' || cols || ' FROM new_rows';
    ELSIF TG_OP = 'DELETE' THEN
        src := 'SELECT -1 AS s, ' || cols || ' FROM old_rows';
    ELSE
        src := 'SELECT 1 AS s, ' || cols || ' FROM new_rows UNION ALL SELECT -1, ' || cols || ' FROM old_rows';
    END IF;
    IF TG_OP = 'DELETE' THEN
        EXECUTE 'UPDATE touchpoint_report_counts c SET pilots = c.pilots + d.pilots,
                running_pilots = c.running_pilots + COALESCE(d.running_pilots, 0)
            FROM (' || touchpoint_pilot_delta_sql(src) || ') d
            WHERE c.workspace_id = d.workspace_id AND c.touchpoint_id = d.touchpoint_id';
    ELSE
        EXECUTE 'INSERT INTO touchpoint_report_counts AS c (workspace_id, touchpoint_id, pilots, running_pilots)
            SELECT workspace_id, touchpoint_id, pilots, COALESCE(running_pilots, 0) FROM (' || touchpoint_pilot_delta_sql(src) || ') d
            ON CONFLICT (workspace_id, touchpoint_id) DO UPDATE SET pilots = c.pilots + excluded.pilots,
                running_pilots = c.running_pilots + excluded.running_pilots';
    END IF;
    RETURN NULL;
END $$;
-- +goose StatementEnd

-- A new pilot link takes its pilot's status; a pilot's status change moves
-- to its links (and, through their trigger, to the counters).
-- +goose StatementBegin
CREATE FUNCTION fill_pilot_touchpoint_status() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    SELECT p.status INTO NEW.status FROM pilots p WHERE p.id = NEW.pilot_id;
    RETURN NEW;
END $$;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE FUNCTION follow_pilot_status() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE pilot_touchpoints pt SET status = n.status
    FROM new_rows n WHERE pt.pilot_id = n.id AND pt.status IS DISTINCT FROM n.status;
    RETURN NULL;
END $$;
-- +goose StatementEnd

-- The latest measurement of each (touchpoint, metric), as a copy of its
-- row: the reports read a workspace's (or a journey's) from one index range
-- instead of picking it from every period measured.
CREATE TABLE touchpoint_latest_measurements (
    workspace_id   uuid NOT NULL,
    touchpoint_id  uuid NOT NULL,
    metric_id      uuid NOT NULL,
    measurement_id uuid NOT NULL,
    period_start   date NOT NULL,
    period_end     date NOT NULL,
    n              bigint NOT NULL,
    mean           double precision NOT NULL,
    sd             double precision NOT NULL,
    successes      bigint NOT NULL,
    promoters      bigint NOT NULL,
    passives       bigint NOT NULL,
    detractors     bigint NOT NULL,
    events         bigint NOT NULL,
    exposure       double precision NOT NULL,
    source         text NOT NULL,
    created_at     timestamptz NOT NULL,
    updated_at     timestamptz NOT NULL,
    version        integer NOT NULL,
    PRIMARY KEY (workspace_id, touchpoint_id, metric_id),
    CONSTRAINT touchpoint_latest_measurements_touchpoint_fk FOREIGN KEY (workspace_id, touchpoint_id)
        REFERENCES touchpoints (workspace_id, id) ON DELETE CASCADE
);

-- Re-reads the latest measurement of the (touchpoint, metric) pairs that
-- src (a query of measurement rows) names: the one with the latest period
-- end, then start, as the reports always picked it. Upserts in key order;
-- drops the pairs left with no measurement.
-- +goose StatementBegin
CREATE FUNCTION refresh_latest_measurements_sql(src text) RETURNS text LANGUAGE sql IMMUTABLE AS $f$
SELECT format($q$
    WITH pairs AS (SELECT DISTINCT touchpoint_id, metric_id FROM (%s) x),
    latest AS (
        INSERT INTO touchpoint_latest_measurements AS l (workspace_id, touchpoint_id, metric_id, measurement_id, period_start,
            period_end, n, mean, sd, successes, promoters, passives, detractors, events, exposure, source, created_at, updated_at, version)
        SELECT m.workspace_id, m.touchpoint_id, m.metric_id, m.id, m.period_start, m.period_end, m.n, m.mean, m.sd, m.successes,
               m.promoters, m.passives, m.detractors, m.events, m.exposure, m.source, m.created_at, m.updated_at, m.version
        FROM pairs p
        CROSS JOIN LATERAL (SELECT * FROM touchpoint_measurements m
                            WHERE m.touchpoint_id = p.touchpoint_id AND m.metric_id = p.metric_id
                            ORDER BY m.period_end DESC, m.period_start DESC LIMIT 1) m
        ORDER BY m.workspace_id, m.touchpoint_id, m.metric_id
        ON CONFLICT (workspace_id, touchpoint_id, metric_id) DO UPDATE SET measurement_id = excluded.measurement_id,
            period_start = excluded.period_start, period_end = excluded.period_end, n = excluded.n, mean = excluded.mean,
            sd = excluded.sd, successes = excluded.successes, promoters = excluded.promoters, passives = excluded.passives,
            detractors = excluded.detractors, events = excluded.events, exposure = excluded.exposure, source = excluded.source,
            created_at = excluded.created_at, updated_at = excluded.updated_at, version = excluded.version
        RETURNING l.touchpoint_id, l.metric_id
    )
    DELETE FROM touchpoint_latest_measurements l USING pairs p
    WHERE l.touchpoint_id = p.touchpoint_id AND l.metric_id = p.metric_id
      AND NOT EXISTS (SELECT 1 FROM latest k WHERE k.touchpoint_id = p.touchpoint_id AND k.metric_id = p.metric_id)$q$, src)
$f$;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE FUNCTION follow_touchpoint_latest_measurements() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        EXECUTE refresh_latest_measurements_sql('SELECT touchpoint_id, metric_id FROM new_rows');
    ELSIF TG_OP = 'DELETE' THEN
        EXECUTE refresh_latest_measurements_sql('SELECT touchpoint_id, metric_id FROM old_rows');
    ELSE
        EXECUTE refresh_latest_measurements_sql('SELECT touchpoint_id, metric_id FROM new_rows
                                                 UNION ALL SELECT touchpoint_id, metric_id FROM old_rows');
    END IF;
    RETURN NULL;
END $$;
-- +goose StatementEnd

-- Every counter and copy from scratch: the backfill, and for a load made
-- with triggers off (the benchmark's seed calls it after loading).
-- +goose StatementBegin
CREATE FUNCTION rebuild_report_counts() RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    UPDATE pilot_touchpoints pt SET status = p.status FROM pilots p WHERE p.id = pt.pilot_id AND pt.status IS DISTINCT FROM p.status;
    DELETE FROM touchpoint_report_counts;
    EXECUTE 'INSERT INTO touchpoint_report_counts (workspace_id, touchpoint_id, ideas_new, ideas_under_review,
            ideas_planned, ideas_piloting, ideas_adopted, ideas_rejected, ideas_parked) '
        || touchpoint_idea_delta_sql('SELECT 1 AS s, workspace_id, touchpoint_id, status FROM idea_touchpoints');
    EXECUTE 'INSERT INTO touchpoint_report_counts AS c (workspace_id, touchpoint_id, pilots, running_pilots)
        SELECT workspace_id, touchpoint_id, pilots, COALESCE(running_pilots, 0) FROM ('
        || touchpoint_pilot_delta_sql('SELECT 1 AS s, workspace_id, touchpoint_id, status FROM pilot_touchpoints') || ') d
        ON CONFLICT (workspace_id, touchpoint_id) DO UPDATE SET pilots = excluded.pilots, running_pilots = excluded.running_pilots';
    DELETE FROM touchpoint_latest_measurements;
    INSERT INTO touchpoint_latest_measurements (workspace_id, touchpoint_id, metric_id, measurement_id, period_start,
        period_end, n, mean, sd, successes, promoters, passives, detractors, events, exposure, source, created_at, updated_at, version)
    SELECT DISTINCT ON (touchpoint_id, metric_id) workspace_id, touchpoint_id, metric_id, id, period_start, period_end, n, mean, sd,
           successes, promoters, passives, detractors, events, exposure, source, created_at, updated_at, version
    FROM touchpoint_measurements ORDER BY touchpoint_id, metric_id, period_end DESC, period_start DESC;
END $$;
-- +goose StatementEnd
SELECT rebuild_report_counts();

CREATE TRIGGER idea_touchpoints_count_insert AFTER INSERT ON idea_touchpoints REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION count_touchpoint_ideas();
CREATE TRIGGER idea_touchpoints_count_delete AFTER DELETE ON idea_touchpoints REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION count_touchpoint_ideas();
CREATE TRIGGER idea_touchpoints_count_update AFTER UPDATE ON idea_touchpoints REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION count_touchpoint_ideas();
CREATE TRIGGER pilot_touchpoints_fill_status BEFORE INSERT ON pilot_touchpoints
    FOR EACH ROW EXECUTE FUNCTION fill_pilot_touchpoint_status();
CREATE TRIGGER pilot_touchpoints_count_insert AFTER INSERT ON pilot_touchpoints REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION count_touchpoint_pilots();
CREATE TRIGGER pilot_touchpoints_count_delete AFTER DELETE ON pilot_touchpoints REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION count_touchpoint_pilots();
CREATE TRIGGER pilot_touchpoints_count_update AFTER UPDATE ON pilot_touchpoints REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION count_touchpoint_pilots();
CREATE TRIGGER pilots_follow_status AFTER UPDATE ON pilots REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION follow_pilot_status();
CREATE TRIGGER measurements_latest_insert AFTER INSERT ON touchpoint_measurements REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION follow_touchpoint_latest_measurements();
CREATE TRIGGER measurements_latest_update AFTER UPDATE ON touchpoint_measurements REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION follow_touchpoint_latest_measurements();
CREATE TRIGGER measurements_latest_delete AFTER DELETE ON touchpoint_measurements REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION follow_touchpoint_latest_measurements();

-- The impact ledger: the completed pilots newest first, and whether an
-- adopted idea has one, each from a small index of completed pilots only.
CREATE INDEX pilots_completed_idx ON pilots (workspace_id, ended_at DESC, id) WHERE status = 'completed';
CREATE INDEX pilots_completed_idea_idx ON pilots (idea_id) WHERE status = 'completed';

-- +goose Down
DROP INDEX pilots_completed_idea_idx;
DROP INDEX pilots_completed_idx;
DROP TRIGGER measurements_latest_delete ON touchpoint_measurements;
DROP TRIGGER measurements_latest_update ON touchpoint_measurements;
DROP TRIGGER measurements_latest_insert ON touchpoint_measurements;
DROP TRIGGER pilots_follow_status ON pilots;
DROP TRIGGER pilot_touchpoints_count_update ON pilot_touchpoints;
DROP TRIGGER pilot_touchpoints_count_delete ON pilot_touchpoints;
DROP TRIGGER pilot_touchpoints_count_insert ON pilot_touchpoints;
DROP TRIGGER pilot_touchpoints_fill_status ON pilot_touchpoints;
DROP TRIGGER idea_touchpoints_count_update ON idea_touchpoints;
DROP TRIGGER idea_touchpoints_count_delete ON idea_touchpoints;
DROP TRIGGER idea_touchpoints_count_insert ON idea_touchpoints;
DROP FUNCTION rebuild_report_counts();
DROP FUNCTION follow_touchpoint_latest_measurements();
DROP FUNCTION refresh_latest_measurements_sql(text);
DROP TABLE touchpoint_latest_measurements;
DROP FUNCTION follow_pilot_status();
DROP FUNCTION fill_pilot_touchpoint_status();
DROP FUNCTION count_touchpoint_pilots();
DROP FUNCTION count_touchpoint_ideas();
DROP FUNCTION touchpoint_pilot_delta_sql(text);
DROP FUNCTION touchpoint_idea_delta_sql(text);
ALTER TABLE pilot_touchpoints DROP COLUMN status;
DROP TABLE touchpoint_report_counts;
