-- +goose Up
-- A measurement entered wrong can be corrected: replaced whole through the
-- API (If-Match on its version) or by an import in mode upsert. The version
-- counts the replacements, updated_at says when the last one was made.
ALTER TABLE touchpoint_measurements
    ADD COLUMN version    integer NOT NULL DEFAULT 1 CHECK (version >= 1),
    ADD COLUMN updated_at timestamptz;
UPDATE touchpoint_measurements SET updated_at = created_at;
ALTER TABLE touchpoint_measurements
    ALTER COLUMN updated_at SET NOT NULL,
    ALTER COLUMN updated_at SET DEFAULT now();

-- +goose Down
ALTER TABLE touchpoint_measurements
    DROP COLUMN updated_at,
    DROP COLUMN version;
