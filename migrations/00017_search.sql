-- +goose Up
-- Full-text search of ideas (issue 19): words stemmed in the workspace's
-- language, weighted by where they occur (title A, problem B, proposal C).

-- The workspace's search language; a workspace without a row searches in
-- english at version 1.
CREATE TABLE search_settings (
    workspace_id uuid PRIMARY KEY REFERENCES workspaces (id) ON DELETE CASCADE,
    language     regconfig NOT NULL,
    updated_at   timestamptz NOT NULL,
    version      integer NOT NULL
);

-- Each idea carries the language it is stemmed in, so that the generated
-- tsvector depends on its own row only (to_tsvector(regconfig, text) is
-- immutable); a language change rewrites search_config of every idea of the
-- workspace, and with it the tsvector.
ALTER TABLE ideas ADD COLUMN search_config regconfig NOT NULL DEFAULT 'english';
ALTER TABLE ideas ADD COLUMN search tsvector GENERATED ALWAYS AS (
    setweight(to_tsvector(search_config, title), 'A') ||
    setweight(to_tsvector(search_config, problem), 'B') ||
    setweight(to_tsvector(search_config, proposal), 'C')) STORED;
CREATE INDEX ideas_search_idx ON ideas USING gin (search);

-- A new idea takes its workspace's language. Idea writers hold the scoring
-- row shared and a language change holds it exclusively (see
-- Store.UpdateSearchSettings), so no idea is inserted with a language being
-- replaced.
-- +goose StatementBegin
CREATE FUNCTION idea_search_config() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.search_config := coalesce((SELECT language FROM search_settings WHERE workspace_id = NEW.workspace_id), 'english');
    RETURN NEW;
END $$;
-- +goose StatementEnd
CREATE TRIGGER ideas_search_config BEFORE INSERT ON ideas FOR EACH ROW EXECUTE FUNCTION idea_search_config();

-- A search in websearch syntax as a tsquery, its last word a prefix when
-- prefix is set (refu finds refund): immutable, so that with constant
-- arguments the planner folds it and estimates with the query itself.
-- +goose StatementBegin
CREATE FUNCTION idea_search_query(cfg regconfig, q text, prefix boolean) RETURNS tsquery
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT CASE WHEN prefix AND right(t::text, 1) = '''' THEN (t::text || ':*')::tsquery ELSE t END
    FROM websearch_to_tsquery(cfg, q) t
$$;
-- +goose StatementEnd

-- +goose Down
DROP FUNCTION idea_search_query(regconfig, text, boolean);
DROP TRIGGER ideas_search_config ON ideas;
DROP FUNCTION idea_search_config();
DROP INDEX ideas_search_idx;
ALTER TABLE ideas DROP COLUMN search;
ALTER TABLE ideas DROP COLUMN search_config;
DROP TABLE search_settings;
