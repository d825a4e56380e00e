-- +goose Up
-- The history cursor was the global bigserial id of idea_history, so a client
-- paging one idea's history saw a sequence that every workspace's edits
-- advance: it leaked how busy the other workspaces are. Each idea now numbers
-- its own changes 1, 2, 3 ... and pages by that number alone.
ALTER TABLE idea_history ADD COLUMN seq integer;
UPDATE idea_history h SET seq = n.seq
FROM (SELECT id, row_number() OVER (PARTITION BY idea_id ORDER BY id) AS seq FROM idea_history) n
WHERE h.id = n.id;
ALTER TABLE idea_history ALTER COLUMN seq SET NOT NULL;
-- Unique: writers number under the idea's row lock, and a race that slipped
-- past it would be an error instead of two entries with one number. It also
-- serves the pages (idea_id = ? AND seq < ? ORDER BY seq DESC) and the
-- cascade from ideas, as the index it replaces did.
CREATE UNIQUE INDEX idea_history_seq_idx ON idea_history (idea_id, seq);
DROP INDEX idea_history_idea_idx;

-- +goose Down
CREATE INDEX idea_history_idea_idx ON idea_history (idea_id, changed_at DESC, id DESC);
DROP INDEX idea_history_seq_idx;
ALTER TABLE idea_history DROP COLUMN seq;
