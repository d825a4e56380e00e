-- +goose Up
-- Charts that are drawn once (issue 19): each workspace's data version, bumped
-- in the transaction of every write to a table a chart draws from, so that a
-- drawing cached under (workspace, version) is never served after a change.
--
-- The bump happens once per transaction and workspace, at its commit: a
-- statement trigger on each such table notes the workspaces a statement
-- wrote (a million-row statement notes once; later statements of the same
-- transaction find the note in the transaction-local setting
-- cxbacklog.data_changed and do nothing) by a row in
-- workspace_data_changes, whose deferred constraint trigger bumps the
-- version when the transaction commits. The version row is thus locked only
-- from the commit's start to its end, after every other lock the
-- transaction takes (event_sequences included): writers of one workspace
-- queue for it only while committing, cannot deadlock on it, and versions
-- follow commit order. A bump in the middle of the transaction would hold
-- the row from the first write on and deadlock with any writer holding a
-- row the transaction writes later.
CREATE TABLE workspace_data_versions (
    workspace_id uuid PRIMARY KEY REFERENCES workspaces (id) ON DELETE CASCADE,
    version      bigint NOT NULL DEFAULT 1
);
INSERT INTO workspace_data_versions (workspace_id) SELECT id FROM workspaces;

-- Rows live from the first write of a transaction to its commit; no other
-- transaction ever sees one. Unlogged: they need no WAL.
CREATE UNLOGGED TABLE workspace_data_changes (
    workspace_id uuid NOT NULL
);

-- +goose StatementBegin
CREATE FUNCTION apply_data_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE workspace_data_versions SET version = version + 1 WHERE workspace_id = NEW.workspace_id;
    DELETE FROM workspace_data_changes WHERE workspace_id = NEW.workspace_id;
    RETURN NULL;
END $$;
-- +goose StatementEnd
CREATE CONSTRAINT TRIGGER workspace_data_changes_apply AFTER INSERT ON workspace_data_changes
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION apply_data_change();

-- +goose StatementBegin
CREATE FUNCTION create_data_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO workspace_data_versions (workspace_id) VALUES (NEW.id);
    RETURN NULL;
END $$;
-- +goose StatementEnd
CREATE TRIGGER workspaces_data_version AFTER INSERT ON workspaces FOR EACH ROW EXECUTE FUNCTION create_data_version();

-- bump_data_version is a statement trigger with the transition tables old_rows
-- and/or new_rows. TG_ARGV[0] says how a row names its workspace: 'workspace'
-- (its workspace_id column), 'journey' (journey_id, for journey_stages) or
-- 'pilot_metric' (metric_id, for a pilot metric's samples and change scores).
-- A workspace being deleted has no version row left, so nothing is bumped.
-- A savepoint rolled back takes back its note and its setting together.
-- +goose StatementBegin
CREATE FUNCTION bump_data_version() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    ws uuid[];
    w uuid;
    noted text;
BEGIN
    IF TG_ARGV[0] = 'workspace' THEN
        IF TG_OP = 'INSERT' THEN
            ws := ARRAY(SELECT DISTINCT workspace_id FROM new_rows);
        ELSIF TG_OP = 'DELETE' THEN
            ws := ARRAY(SELECT DISTINCT workspace_id FROM old_rows);
        ELSE
            ws := ARRAY(SELECT workspace_id FROM new_rows UNION SELECT workspace_id FROM old_rows);
        END IF;
    ELSIF TG_ARGV[0] = 'journey' THEN
        IF TG_OP = 'INSERT' THEN
            ws := ARRAY(SELECT DISTINCT j.workspace_id FROM journeys j WHERE j.id IN (SELECT journey_id FROM new_rows));
        ELSIF TG_OP = 'DELETE' THEN
            ws := ARRAY(SELECT DISTINCT j.workspace_id FROM journeys j WHERE j.id IN (SELECT journey_id FROM old_rows));
        ELSE
            ws := ARRAY(SELECT DISTINCT j.workspace_id FROM journeys j
                        WHERE j.id IN (SELECT journey_id FROM new_rows UNION SELECT journey_id FROM old_rows));
        END IF;
    ELSIF TG_ARGV[0] = 'pilot_metric' THEN
        IF TG_OP = 'INSERT' THEN
            ws := ARRAY(SELECT DISTINCT m.workspace_id FROM pilot_metrics m WHERE m.id IN (SELECT metric_id FROM new_rows));
        ELSIF TG_OP = 'DELETE' THEN
            ws := ARRAY(SELECT DISTINCT m.workspace_id FROM pilot_metrics m WHERE m.id IN (SELECT metric_id FROM old_rows));
        ELSE
            ws := ARRAY(SELECT DISTINCT m.workspace_id FROM pilot_metrics m
                        WHERE m.id IN (SELECT metric_id FROM new_rows UNION SELECT metric_id FROM old_rows));
        END IF;
    ELSE
        RAISE EXCEPTION 'bump_data_version: unknown argument %', TG_ARGV[0];
    END IF;
    noted := coalesce(current_setting('cxbacklog.data_changed', true), '');
    FOREACH w IN ARRAY ws LOOP
        IF position(w::text IN noted) = 0 THEN
            noted := noted || ' ' || w::text;
            PERFORM set_config('cxbacklog.data_changed', noted, true);
            INSERT INTO workspace_data_changes (workspace_id) VALUES (w);
        END IF;
    END LOOP;
    RETURN NULL;
END $$;
-- +goose StatementEnd

-- Every table a chart draws from, with one trigger per event (a trigger with
-- transition tables serves one event). Left out: the counters kept by
-- triggers on these tables (idea_quadrant_counts, idea_value_*,
-- touchpoint_report_counts, touchpoint_latest_measurements), which change
-- only with them; idea_history, which no chart draws and which is written
-- only with its idea; pilot_observations, which charts read only through the
-- summaries (pilot_samples, pilot_change_scores) written in the same
-- transaction, so a million-row upload keeps no transition table of its
-- rows; search_settings; and keys, sessions, idempotency, events and
-- webhooks. repository/data_version_test.go fails for a table in neither list.
-- +goose StatementBegin
DO $$
DECLARE
    t record;
BEGIN
    FOR t IN SELECT * FROM (VALUES
        ('journeys', 'workspace'), ('journey_stages', 'journey'), ('touchpoints', 'workspace'),
        ('scoring_settings', 'workspace'), ('ideas', 'workspace'), ('idea_touchpoints', 'workspace'),
        ('pilots', 'workspace'), ('pilot_touchpoints', 'workspace'), ('pilot_metrics', 'workspace'),
        ('pilot_samples', 'pilot_metric'), ('pilot_change_scores', 'pilot_metric'),
        ('catalogue_metrics', 'workspace'), ('touchpoint_measurements', 'workspace'),
        ('workspace_economics', 'workspace'), ('value_drivers', 'workspace'), ('idea_value_improvements', 'workspace'),
        ('contact_reasons', 'workspace'), ('contact_volumes', 'workspace'),
        ('feedback', 'workspace'), ('idea_contact_reasons', 'workspace'), ('idea_feedback', 'workspace')
    ) AS v (tbl, arg) LOOP
        EXECUTE format('CREATE TRIGGER %I AFTER INSERT ON %I REFERENCING NEW TABLE AS new_rows
            FOR EACH STATEMENT EXECUTE FUNCTION bump_data_version(%L)', t.tbl || '_data_version_insert', t.tbl, t.arg);
        EXECUTE format('CREATE TRIGGER %I AFTER UPDATE ON %I REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
            FOR EACH STATEMENT EXECUTE FUNCTION bump_data_version(%L)', t.tbl || '_data_version_update', t.tbl, t.arg);
        EXECUTE format('CREATE TRIGGER %I AFTER DELETE ON %I REFERENCING OLD TABLE AS old_rows
            FOR EACH STATEMENT EXECUTE FUNCTION bump_data_version(%L)', t.tbl || '_data_version_delete', t.tbl, t.arg);
    END LOOP;
END $$;
-- +goose StatementEnd

-- +goose Down
-- +goose StatementBegin
DO $$
DECLARE
    t record;
BEGIN
    FOR t IN SELECT tgname, tgrelid::regclass AS tbl FROM pg_trigger WHERE tgname LIKE '%\_data\_version\_%' AND NOT tgisinternal LOOP
        EXECUTE format('DROP TRIGGER %I ON %s', t.tgname, t.tbl);
    END LOOP;
END $$;
-- +goose StatementEnd
DROP TRIGGER workspaces_data_version ON workspaces;
DROP FUNCTION bump_data_version();
DROP FUNCTION create_data_version();
DROP TABLE workspace_data_changes;
DROP FUNCTION apply_data_change();
DROP TABLE workspace_data_versions;
