-- +goose Up
-- Measured with make bench at 1,000,000 ideas (docs/performance.md).

-- Search: ILIKE '%word%' on title, problem and proposal walked the ranked
-- index and filtered every row (300 ms for a rare word); trigram indexes
-- answer it in a few milliseconds.
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE INDEX ideas_title_trgm_idx ON ideas USING gin (title gin_trgm_ops);
CREATE INDEX ideas_problem_trgm_idx ON ideas USING gin (problem gin_trgm_ops);
CREATE INDEX ideas_proposal_trgm_idx ON ideas USING gin (proposal gin_trgm_ops);

-- Filter by touchpoint: the idea ids come from the index alone.
DROP INDEX idea_touchpoints_touchpoint_idx;
CREATE INDEX idea_touchpoints_touchpoint_idx ON idea_touchpoints (touchpoint_id, idea_id);

-- The matrix: the top ideas of one quadrant are an index range.
CREATE INDEX ideas_quadrant_ranked_idx ON ideas (workspace_id, quadrant, (-priority), created_at, id);

-- The matrix's counts per quadrant, kept by statement triggers in the same
-- transaction as every idea write (including a re-scoring of the whole
-- workspace), because counting a million rows takes hundreds of ms.
CREATE TABLE idea_quadrant_counts (
    workspace_id uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    quadrant     text NOT NULL,
    n            bigint NOT NULL,
    PRIMARY KEY (workspace_id, quadrant)
);
INSERT INTO idea_quadrant_counts (workspace_id, quadrant, n)
SELECT workspace_id, quadrant, count(*) FROM ideas GROUP BY workspace_id, quadrant;

-- Rows are locked in key order, so concurrent writers cannot deadlock.
-- +goose StatementBegin
CREATE FUNCTION count_ideas_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO idea_quadrant_counts AS c (workspace_id, quadrant, n)
    SELECT workspace_id, quadrant, count(*) FROM new_rows GROUP BY workspace_id, quadrant ORDER BY workspace_id, quadrant
    ON CONFLICT (workspace_id, quadrant) DO UPDATE SET n = c.n + excluded.n;
    RETURN NULL;
END $$;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE FUNCTION count_ideas_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE idea_quadrant_counts c SET n = c.n - d.n
    FROM (SELECT workspace_id, quadrant, count(*) AS n FROM old_rows GROUP BY workspace_id, quadrant ORDER BY workspace_id, quadrant) d
    WHERE c.workspace_id = d.workspace_id AND c.quadrant = d.quadrant;
    RETURN NULL;
END $$;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE FUNCTION count_ideas_updated() RETURNS trigger LANGUAGE plpgsql AS $$
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

-- +goose Down
DROP TRIGGER ideas_count_update ON ideas;
DROP TRIGGER ideas_count_delete ON ideas;
DROP TRIGGER ideas_count_insert ON ideas;
DROP FUNCTION count_ideas_updated();
DROP FUNCTION count_ideas_deleted();
DROP FUNCTION count_ideas_inserted();
DROP TABLE idea_quadrant_counts;
DROP INDEX ideas_quadrant_ranked_idx;
DROP INDEX idea_touchpoints_touchpoint_idx;
CREATE INDEX idea_touchpoints_touchpoint_idx ON idea_touchpoints (touchpoint_id);
DROP INDEX ideas_proposal_trgm_idx;
DROP INDEX ideas_problem_trgm_idx;
DROP INDEX ideas_title_trgm_idx;
