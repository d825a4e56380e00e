-- +goose Up
-- The portfolio value report (issue 17) adds money up over every idea of a
-- workspace; at a million ideas that cannot be done per request, so the sums
-- are kept here, in the transaction of each write, by triggers like the
-- matrix's counts (00009). Sums are numeric: each idea's amount converts to
-- the same numeric every time, so adding it and taking it away again is
-- exact and the counters never drift from a sum over the ideas.

-- Per workspace, status and owner: the business cases of the ideas that
-- have one, and the realised values of those that have one, with the sums of
-- squared half-widths of the realised intervals (the report adds them as a
-- root sum of squares) and the costs of each set.
CREATE TABLE idea_value_counts (
    workspace_id     uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    status           text NOT NULL,
    owner            text NOT NULL,
    cases            bigint NOT NULL DEFAULT 0,  -- ideas with a business case
    expected         numeric NOT NULL DEFAULT 0, -- Σ expected_annual_value
    weighted         numeric NOT NULL DEFAULT 0, -- Σ expected_annual_value × confidence
    net              numeric NOT NULL DEFAULT 0, -- Σ expected_net_annual_value
    one_off          numeric NOT NULL DEFAULT 0, -- Σ one_off_cost of the ideas with a case
    running          numeric NOT NULL DEFAULT 0, -- Σ annual_running_cost of the ideas with a case
    realised_n       bigint NOT NULL DEFAULT 0,  -- ideas with a realised value
    realised         numeric NOT NULL DEFAULT 0, -- Σ realised_annual_value
    realised_below   numeric NOT NULL DEFAULT 0, -- Σ (realised − ci_low)²
    realised_above   numeric NOT NULL DEFAULT 0, -- Σ (ci_high − realised)²
    realised_one_off numeric NOT NULL DEFAULT 0, -- Σ one_off_cost of the ideas with a realised value
    realised_running numeric NOT NULL DEFAULT 0, -- Σ annual_running_cost of those
    PRIMARY KEY (workspace_id, status, owner)
);

-- Per workspace, status and touchpoint: the expected improvements' annual
-- values where they accrue (the touchpoint of each one's value driver).
CREATE TABLE idea_value_touchpoint_counts (
    workspace_id  uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    status        text NOT NULL,
    touchpoint_id uuid NOT NULL,
    improvements  bigint NOT NULL DEFAULT 0,  -- expected improvements
    value         numeric NOT NULL DEFAULT 0, -- Σ annual_value
    weighted      numeric NOT NULL DEFAULT 0, -- Σ annual_value × the idea's confidence
    PRIMARY KEY (workspace_id, status, touchpoint_id)
);

-- Each expected improvement carries copies of what its counters are keyed
-- and weighted by: its driver's touchpoint, its idea's status and
-- confidence (kept by the triggers below), so that its own row says what it
-- counted, even once its idea is being deleted.
ALTER TABLE idea_value_improvements
    ADD COLUMN touchpoint_id uuid,
    ADD COLUMN status        text,
    ADD COLUMN confidence    double precision;
UPDATE idea_value_improvements v SET touchpoint_id = d.touchpoint_id, status = i.status, confidence = i.confidence
FROM ideas i, value_drivers d WHERE i.id = v.idea_id AND d.id = v.value_driver_id;

-- The adopted ideas with a realised value, which the report reads one by
-- one for their pilots' values per metric: few, found through this index.
CREATE INDEX ideas_realised_idx ON ideas (workspace_id) WHERE realised_annual_value IS NOT NULL;

-- The delta query of the ideas' counters over src, a query of ideas' rows
-- with a sign s (+1 counts a row in, −1 out). Rows with neither a case nor
-- a realised value count nothing and are skipped; groups that net to
-- nothing (a re-scoring) are left out.
-- +goose StatementBegin
CREATE FUNCTION idea_value_delta_sql(src text) RETURNS text LANGUAGE sql IMMUTABLE AS $f$
SELECT format($q$
    SELECT workspace_id, status, owner,
           sum(s * (expected_annual_value IS NOT NULL)::int)::bigint AS cases,
           sum(s * COALESCE(expected_annual_value, 0)::numeric) AS expected,
           sum(s * COALESCE(expected_annual_value * confidence, 0)::numeric) AS weighted,
           sum(s * COALESCE(expected_net_annual_value, 0)::numeric) AS net,
           sum(s * CASE WHEN expected_annual_value IS NULL THEN 0 ELSE COALESCE(one_off_cost, 0)::numeric END) AS one_off,
           sum(s * CASE WHEN expected_annual_value IS NULL THEN 0 ELSE COALESCE(annual_running_cost, 0)::numeric END) AS running,
           sum(s * (realised_annual_value IS NOT NULL)::int)::bigint AS realised_n,
           sum(s * COALESCE(realised_annual_value, 0)::numeric) AS realised,
           sum(s * COALESCE((realised_annual_value - realised_ci_low) ^ 2, 0)::numeric) AS realised_below,
           sum(s * COALESCE((realised_ci_high - realised_annual_value) ^ 2, 0)::numeric) AS realised_above,
           sum(s * CASE WHEN realised_annual_value IS NULL THEN 0 ELSE COALESCE(one_off_cost, 0)::numeric END) AS realised_one_off,
           sum(s * CASE WHEN realised_annual_value IS NULL THEN 0 ELSE COALESCE(annual_running_cost, 0)::numeric END) AS realised_running
    FROM (%s) x
    WHERE expected_annual_value IS NOT NULL OR realised_annual_value IS NOT NULL
    GROUP BY workspace_id, status, owner
    HAVING sum(s * (expected_annual_value IS NOT NULL)::int) <> 0 OR sum(s * (realised_annual_value IS NOT NULL)::int) <> 0
        OR sum(s * COALESCE(expected_annual_value, 0)::numeric) <> 0
        OR sum(s * COALESCE(expected_annual_value * confidence, 0)::numeric) <> 0
        OR sum(s * COALESCE(expected_net_annual_value, 0)::numeric) <> 0
        OR sum(s * COALESCE(one_off_cost, 0)::numeric) <> 0 OR sum(s * COALESCE(annual_running_cost, 0)::numeric) <> 0
        OR sum(s * COALESCE(realised_annual_value, 0)::numeric) <> 0
        OR sum(s * COALESCE(realised_ci_low, 0)::numeric) <> 0 OR sum(s * COALESCE(realised_ci_high, 0)::numeric) <> 0
    ORDER BY workspace_id, status, owner$q$, src)
$f$;
-- +goose StatementEnd

-- The same for expected improvements, keyed by their copies.
-- +goose StatementBegin
CREATE FUNCTION idea_value_touchpoint_delta_sql(src text) RETURNS text LANGUAGE sql IMMUTABLE AS $f$
SELECT format($q$
    SELECT workspace_id, status, touchpoint_id,
           sum(s)::bigint AS improvements,
           sum(s * annual_value::numeric) AS value,
           sum(s * (annual_value * confidence)::numeric) AS weighted
    FROM (%s) x
    WHERE touchpoint_id IS NOT NULL AND status IS NOT NULL AND confidence IS NOT NULL
    GROUP BY workspace_id, status, touchpoint_id
    HAVING sum(s) <> 0 OR sum(s * annual_value::numeric) <> 0 OR sum(s * (annual_value * confidence)::numeric) <> 0
    ORDER BY workspace_id, status, touchpoint_id$q$, src)
$f$;
-- +goose StatementEnd

-- Counts rows in (INSERT, UPDATE) with an upsert in key order, so that
-- concurrent writers lock counter rows in the same order; counts rows out of
-- a DELETE with an UPDATE only, so that the ideas of a workspace being
-- deleted (whose counters may be gone already) insert nothing.
-- +goose StatementBegin
CREATE FUNCTION count_idea_values() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    cols constant text := 'workspace_id, status, owner, confidence, expected_annual_value, expected_net_annual_value, '
        'one_off_cost, annual_running_cost, realised_annual_value, realised_ci_low, realised_ci_high';
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
        EXECUTE 'UPDATE idea_value_counts c SET cases = c.cases + d.cases, expected = c.expected + d.expected,
                weighted = c.weighted + d.weighted, net = c.net + d.net, one_off = c.one_off + d.one_off,
                running = c.running + d.running, realised_n = c.realised_n + d.realised_n,
                realised = c.realised + d.realised, realised_below = c.realised_below + d.realised_below,
                realised_above = c.realised_above + d.realised_above,
                realised_one_off = c.realised_one_off + d.realised_one_off,
                realised_running = c.realised_running + d.realised_running
            FROM (' || idea_value_delta_sql(src) || ') d
            WHERE c.workspace_id = d.workspace_id AND c.status = d.status AND c.owner = d.owner';
    ELSE
        EXECUTE 'INSERT INTO idea_value_counts AS c (workspace_id, status, owner, cases, expected, weighted, net, one_off,
                running, realised_n, realised, realised_below, realised_above, realised_one_off, realised_running) '
            || idea_value_delta_sql(src) || '
            ON CONFLICT (workspace_id, status, owner) DO UPDATE SET cases = c.cases + excluded.cases,
                expected = c.expected + excluded.expected, weighted = c.weighted + excluded.weighted,
                net = c.net + excluded.net, one_off = c.one_off + excluded.one_off, running = c.running + excluded.running,
                realised_n = c.realised_n + excluded.realised_n, realised = c.realised + excluded.realised,
                realised_below = c.realised_below + excluded.realised_below,
                realised_above = c.realised_above + excluded.realised_above,
                realised_one_off = c.realised_one_off + excluded.realised_one_off,
                realised_running = c.realised_running + excluded.realised_running';
    END IF;
    IF TG_OP = 'UPDATE' THEN
        -- The expected improvements follow their idea's status and
        -- confidence; their own trigger moves their counts.
        UPDATE idea_value_improvements v SET status = n.status, confidence = n.confidence
        FROM new_rows n
        WHERE v.idea_id = n.id AND (v.status IS DISTINCT FROM n.status OR v.confidence IS DISTINCT FROM n.confidence);
    END IF;
    RETURN NULL;
END $$;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE FUNCTION count_idea_value_improvements() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    cols constant text := 'workspace_id, status, touchpoint_id, confidence, annual_value';
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
        EXECUTE 'UPDATE idea_value_touchpoint_counts c SET improvements = c.improvements + d.improvements,
                value = c.value + d.value, weighted = c.weighted + d.weighted
            FROM (' || idea_value_touchpoint_delta_sql(src) || ') d
            WHERE c.workspace_id = d.workspace_id AND c.status = d.status AND c.touchpoint_id = d.touchpoint_id';
    ELSE
        EXECUTE 'INSERT INTO idea_value_touchpoint_counts AS c (workspace_id, status, touchpoint_id, improvements, value, weighted) '
            || idea_value_touchpoint_delta_sql(src) || '
            ON CONFLICT (workspace_id, status, touchpoint_id) DO UPDATE SET improvements = c.improvements + excluded.improvements,
                value = c.value + excluded.value, weighted = c.weighted + excluded.weighted';
    END IF;
    RETURN NULL;
END $$;
-- +goose StatementEnd

-- A new expected improvement takes its copies from its idea and driver.
-- +goose StatementBegin
CREATE FUNCTION fill_idea_value_improvement() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    SELECT i.status, i.confidence INTO NEW.status, NEW.confidence FROM ideas i WHERE i.id = NEW.idea_id;
    SELECT d.touchpoint_id INTO NEW.touchpoint_id FROM value_drivers d WHERE d.id = NEW.value_driver_id;
    RETURN NEW;
END $$;
-- +goose StatementEnd

-- A driver moved to another touchpoint moves its improvements' value there.
-- +goose StatementBegin
CREATE FUNCTION move_idea_value_improvements() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE idea_value_improvements v SET touchpoint_id = n.touchpoint_id
    FROM new_rows n WHERE v.value_driver_id = n.id AND v.touchpoint_id IS DISTINCT FROM n.touchpoint_id;
    RETURN NULL;
END $$;
-- +goose StatementEnd

-- Every counter from scratch (the backfill; the benchmark's seed, which
-- loads rows with triggers off, calls it too).
-- +goose StatementBegin
CREATE FUNCTION rebuild_idea_value_counts() RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM idea_value_counts;
    EXECUTE 'INSERT INTO idea_value_counts (workspace_id, status, owner, cases, expected, weighted, net, one_off,
            running, realised_n, realised, realised_below, realised_above, realised_one_off, realised_running) '
        || idea_value_delta_sql('SELECT 1 AS s, * FROM ideas');
    DELETE FROM idea_value_touchpoint_counts;
    EXECUTE 'INSERT INTO idea_value_touchpoint_counts (workspace_id, status, touchpoint_id, improvements, value, weighted) '
        || idea_value_touchpoint_delta_sql('SELECT 1 AS s, * FROM idea_value_improvements');
END $$;
-- +goose StatementEnd
SELECT rebuild_idea_value_counts();

CREATE TRIGGER ideas_value_insert AFTER INSERT ON ideas REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION count_idea_values();
CREATE TRIGGER ideas_value_delete AFTER DELETE ON ideas REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION count_idea_values();
CREATE TRIGGER ideas_value_update AFTER UPDATE ON ideas REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION count_idea_values();
CREATE TRIGGER idea_value_improvements_fill BEFORE INSERT OR UPDATE OF idea_id, value_driver_id ON idea_value_improvements
    FOR EACH ROW EXECUTE FUNCTION fill_idea_value_improvement();
CREATE TRIGGER idea_value_improvements_insert AFTER INSERT ON idea_value_improvements REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION count_idea_value_improvements();
CREATE TRIGGER idea_value_improvements_delete AFTER DELETE ON idea_value_improvements REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION count_idea_value_improvements();
CREATE TRIGGER idea_value_improvements_update AFTER UPDATE ON idea_value_improvements REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION count_idea_value_improvements();
CREATE TRIGGER value_drivers_move AFTER UPDATE ON value_drivers REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION move_idea_value_improvements();

-- +goose Down
DROP TRIGGER value_drivers_move ON value_drivers;
DROP TRIGGER idea_value_improvements_update ON idea_value_improvements;
DROP TRIGGER idea_value_improvements_delete ON idea_value_improvements;
DROP TRIGGER idea_value_improvements_insert ON idea_value_improvements;
DROP TRIGGER idea_value_improvements_fill ON idea_value_improvements;
DROP TRIGGER ideas_value_update ON ideas;
DROP TRIGGER ideas_value_delete ON ideas;
DROP TRIGGER ideas_value_insert ON ideas;
DROP FUNCTION rebuild_idea_value_counts();
DROP FUNCTION move_idea_value_improvements();
DROP FUNCTION fill_idea_value_improvement();
DROP FUNCTION count_idea_value_improvements();
DROP FUNCTION count_idea_values();
DROP FUNCTION idea_value_touchpoint_delta_sql(text);
DROP FUNCTION idea_value_delta_sql(text);
DROP INDEX ideas_realised_idx;
ALTER TABLE idea_value_improvements DROP COLUMN confidence, DROP COLUMN status, DROP COLUMN touchpoint_id;
DROP TABLE idea_value_touchpoint_counts;
DROP TABLE idea_value_counts;
