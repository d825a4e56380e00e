-- +goose Up
-- Housekeeping purges the deliveries that ended (delivered or failed) before
-- the retention: from this index, not a scan of every delivery kept (the
-- last, short batch of each run read the whole table).
CREATE INDEX webhook_deliveries_finished_idx ON webhook_deliveries (updated_at) WHERE state <> 'pending';

-- +goose Down
DROP INDEX webhook_deliveries_finished_idx;
