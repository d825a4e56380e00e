-- +goose Up
-- The backlog, the matrix and one touchpoint's backlog show open ideas by
-- default (issue 14), so each of them filters by a set of statuses.

-- One touchpoint's backlog stays a range of one index: the links carry their
-- idea's status too, included in the index so the filter needs no heap.
ALTER TABLE idea_touchpoints ADD COLUMN status text;
UPDATE idea_touchpoints it SET status = i.status FROM ideas i WHERE i.id = it.idea_id;
ALTER TABLE idea_touchpoints ALTER COLUMN status SET NOT NULL;
DROP INDEX idea_touchpoints_ranked_idx;
CREATE INDEX idea_touchpoints_ranked_idx ON idea_touchpoints (touchpoint_id, (-priority), created_at, idea_id) INCLUDE (status);

-- +goose StatementBegin
CREATE OR REPLACE FUNCTION rank_idea_touchpoints() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE idea_touchpoints it SET priority = n.priority, created_at = n.created_at, status = n.status
    FROM new_rows n JOIN old_rows o ON o.id = n.id
    WHERE it.idea_id = n.id AND (n.priority <> o.priority OR n.created_at <> o.created_at OR n.status <> o.status);
    RETURN NULL;
END $$;
-- +goose StatementEnd

-- The matrix's counts are kept per quadrant and status, so any set of
-- statuses is a sum of at most seven rows per quadrant.
DROP TRIGGER ideas_count_update ON ideas;
DROP TRIGGER ideas_count_delete ON ideas;
DROP TRIGGER ideas_count_insert ON ideas;
DROP TABLE idea_quadrant_counts;
CREATE TABLE idea_quadrant_counts (
    workspace_id uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    quadrant     text NOT NULL,
    status       text NOT NULL,
    n            bigint NOT NULL,
    PRIMARY KEY (workspace_id, quadrant, status)
);
INSERT INTO idea_quadrant_counts (workspace_id, quadrant, status, n)
SELECT workspace_id, quadrant, status, count(*) FROM ideas GROUP BY workspace_id, quadrant, status;

-- Rows are locked in key order, so concurrent writers cannot deadlock.
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION count_ideas_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO idea_quadrant_counts AS c (workspace_id, quadrant, status, n)
    SELECT workspace_id, quadrant, status, count(*) FROM new_rows
    GROUP BY workspace_id, quadrant, status ORDER BY workspace_id, quadrant, status
    ON CONFLICT (workspace_id, quadrant, status) DO UPDATE SET n = c.n + excluded.n;
    RETURN NULL;
END $$;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION count_ideas_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE idea_quadrant_counts c SET n = c.n - d.n
    FROM (SELECT workspace_id, quadrant, status, count(*) AS n FROM old_rows
          GROUP BY workspace_id, quadrant, status ORDER BY workspace_id, quadrant, status) d
    WHERE c.workspace_id = d.workspace_id AND c.quadrant = d.quadrant AND c.status = d.status;
    RETURN NULL;
END $$;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION count_ideas_updated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO idea_quadrant_counts AS c (workspace_id, quadrant, status, n)
    SELECT workspace_id, quadrant, status, sum(d) FROM (
        SELECT workspace_id, quadrant, status, 1 AS d FROM new_rows
        UNION ALL
        SELECT workspace_id, quadrant, status, -1 FROM old_rows
    ) x GROUP BY workspace_id, quadrant, status HAVING sum(d) <> 0 ORDER BY workspace_id, quadrant, status
    ON CONFLICT (workspace_id, quadrant, status) DO UPDATE SET n = c.n + excluded.n;
    RETURN NULL;
END $$;
-- +goose StatementEnd
CREATE TRIGGER ideas_count_insert AFTER INSERT ON ideas REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION count_ideas_inserted();
CREATE TRIGGER ideas_count_delete AFTER DELETE ON ideas REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION count_ideas_deleted();
CREATE TRIGGER ideas_count_update AFTER UPDATE ON ideas REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION count_ideas_updated();

-- +goose Down
DROP TRIGGER ideas_count_update ON ideas;
DROP TRIGGER ideas_count_delete ON ideas;
DROP TRIGGER ideas_count_insert ON ideas;
DROP TABLE idea_quadrant_counts;
CREATE TABLE idea_quadrant_counts (
    workspace_id uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    quadrant     text NOT NULL,
    n            bigint NOT NULL,
    PRIMARY KEY (workspace_id, quadrant)
);
INSERT INTO idea_quadrant_counts (workspace_id, quadrant, n)
SELECT workspace_id, quadrant, count(*) FROM ideas GROUP BY workspace_id, quadrant;
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION count_ideas_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO idea_quadrant_counts AS c (workspace_id, quadrant, n)
    SELECT workspace_id, quadrant, count(*) FROM new_rows GROUP BY workspace_id, quadrant ORDER BY workspace_id, quadrant
    ON CONFLICT (workspace_id, quadrant) DO UPDATE SET n = c.n + excluded.n;
    RETURN NULL;
END $$;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION count_ideas_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE idea_quadrant_counts c SET n = c.n - d.n
    FROM (SELECT workspace_id, quadrant, count(*) AS n FROM old_rows GROUP BY workspace_id, quadrant ORDER BY workspace_id, quadrant) d
    WHERE c.workspace_id = d.workspace_id AND c.quadrant = d.quadrant;
    RETURN NULL;
END $$;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION count_ideas_updated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO idea_quadrant_counts AS c (workspace_id, quadrant, n)
    SELECT workspace_id, quadrant, sum(d) FROM (
        SELECT workspace_id, quadrant, 1 AS d FROM new_rows
        UNION ALL
        SELECT workspace_id, quadrant, -1 FROM old_rows
    ) x GROUP BY workspace_id, quadrant HAVING sum(d) <> 0 ORDER BY workspace_id, quadrant
    ON CONFLICT (workspace_id, quadrant) DO UPDATE SET n = c.n + excluded.n;
    RETURN NULL;
END $$;
-- +goose StatementEnd
CREATE TRIGGER ideas_count_insert AFTER INSERT ON ideas REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION count_ideas_inserted();
CREATE TRIGGER ideas_count_delete AFTER DELETE ON ideas REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION count_ideas_deleted();
CREATE TRIGGER ideas_count_update AFTER UPDATE ON ideas REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION count_ideas_updated();
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION rank_idea_touchpoints() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE idea_touchpoints it SET priority = n.priority, created_at = n.created_at
    FROM new_rows n JOIN old_rows o ON o.id = n.id
    WHERE it.idea_id = n.id AND (n.priority <> o.priority OR n.created_at <> o.created_at);
    RETURN NULL;
END $$;
-- +goose StatementEnd
DROP INDEX idea_touchpoints_ranked_idx;
CREATE INDEX idea_touchpoints_ranked_idx ON idea_touchpoints (touchpoint_id, (-priority), created_at, idea_id);
ALTER TABLE idea_touchpoints DROP COLUMN status;
