-- +goose Up
-- A words search walks the ranked index and filters when PostgreSQL expects
-- many matches, and sorts the matches it finds through the GIN index when
-- it expects few. It expects from the lexemes ANALYZE keeps for
-- ideas.search; one it did not keep is taken to be half as frequent as the
-- rarest it kept. ANALYZE samples 300 ideas per unit of the statistics
-- target and keeps a lexeme found in more than about 1.9 × (lexemes per
-- idea) of them: at the default target (100) and ~25 lexemes per idea,
-- nothing in fewer than ~0.16% of ideas, so at 1,000,000 ideas a word in
-- 0.05% of them (500 ideas) was taken for one in ~1,500 and the ranked
-- index walked (p50 1.84 s in make bench). At 1000, lexemes down to ~0.016%
-- are known; ANALYZE of ideas reads ten times as many rows.
ALTER TABLE ideas ALTER COLUMN search SET STATISTICS 1000;
ANALYZE ideas (search);

-- +goose Down
ALTER TABLE ideas ALTER COLUMN search SET STATISTICS -1;
