-- +goose Up
-- What handling one customer contact costs, in the workspace's currency
-- (issue 18): the contact reasons report prices contacts with it. NULL
-- when the workspace never said; a row without it keeps its currency.
ALTER TABLE workspace_economics ADD COLUMN cost_per_contact double precision
    CHECK (cost_per_contact > 0 AND cost_per_contact <= 1e12);

-- +goose Down
ALTER TABLE workspace_economics DROP COLUMN cost_per_contact;
