-- +goose Up
-- The workspace's metric catalogue: what touchpoints are measured by, with
-- targets. Pilot metrics may reference one.
CREATE TABLE catalogue_metrics (
    id           uuid PRIMARY KEY,
    workspace_id uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    key          text NOT NULL CHECK (key ~ '^[a-z][a-z0-9_]{0,49}$'),
    name         text NOT NULL,
    kind         text NOT NULL CHECK (kind IN ('mean', 'proportion', 'nps', 'count')),
    direction    text NOT NULL CHECK (direction IN ('higher_is_better', 'lower_is_better')),
    unit         text NOT NULL DEFAULT '',
    target       double precision,
    description  text NOT NULL DEFAULT '',
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now(),
    version      integer NOT NULL DEFAULT 1,
    UNIQUE (workspace_id, id),
    CONSTRAINT catalogue_metrics_key_key UNIQUE (workspace_id, key)
);

-- The default catalogue, in one place: new workspaces get it through this
-- function, existing ones below.
-- +goose StatementBegin
CREATE FUNCTION seed_metric_catalogue(ws uuid) RETURNS void LANGUAGE sql AS $$
    INSERT INTO catalogue_metrics (id, workspace_id, key, name, kind, direction, unit, target, description)
    SELECT gen_random_uuid(), ws, d.key, d.name, d.kind, d.direction, d.unit, d.target, d.description
    FROM (VALUES
        ('csat', 'Customer satisfaction (CSAT)', 'proportion', 'higher_is_better', 'share satisfied (4–5 of 5)', 0.8::double precision,
         'Share of customers answering 4 or 5 on a 5-point satisfaction question right after the interaction.'),
        ('nps', 'Net Promoter Score', 'nps', 'higher_is_better', 'points (−100..100)', 30,
         'Promoters (9–10) minus detractors (0–6) on "How likely are you to recommend us?".'),
        ('ces', 'Customer effort score (CES)', 'mean', 'lower_is_better', '1–7 (7 = very hard)', 3,
         'How much effort the customer had to make to get what they needed.'),
        ('fcr', 'First-contact resolution', 'proportion', 'higher_is_better', 'share resolved', 0.75,
         'Share of contacts resolved without the customer having to come back.'),
        ('aht', 'Average handle time', 'mean', 'lower_is_better', 'seconds', 360,
         'Talk, hold and wrap-up time of an assisted contact. Track it after resolution, not instead of it.'),
        ('contact_volume', 'Contact volume', 'count', 'lower_is_better', 'contacts per 1,000 customers', NULL,
         'Why customers contact you at all: the best contact is the one that was never needed.'),
        ('complaints', 'Complaints', 'count', 'lower_is_better', 'per 1,000 customers', NULL,
         'Formal complaints received.'),
        ('churn', 'Churn', 'proportion', 'lower_is_better', 'share of customers lost', 0.05,
         'Share of customers who left in the period.')
    ) AS d (key, name, kind, direction, unit, target, description)
    ON CONFLICT (workspace_id, key) DO NOTHING;
$$;
-- +goose StatementEnd
SELECT seed_metric_catalogue(id) FROM workspaces;

ALTER TABLE pilot_metrics ADD COLUMN catalogue_metric_id uuid;
ALTER TABLE pilot_metrics ADD CONSTRAINT pilot_metrics_catalogue_fk
    FOREIGN KEY (workspace_id, catalogue_metric_id) REFERENCES catalogue_metrics (workspace_id, id);

-- What a touchpoint measured in a period, as summary statistics by kind.
CREATE TABLE touchpoint_measurements (
    id            uuid PRIMARY KEY,
    workspace_id  uuid NOT NULL,
    touchpoint_id uuid NOT NULL,
    metric_id     uuid NOT NULL,
    period_start  date NOT NULL,
    period_end    date NOT NULL CHECK (period_end >= period_start),
    n             bigint NOT NULL DEFAULT 0,
    mean          double precision NOT NULL DEFAULT 0,
    sd            double precision NOT NULL DEFAULT 0,
    successes     bigint NOT NULL DEFAULT 0,
    promoters     bigint NOT NULL DEFAULT 0,
    passives      bigint NOT NULL DEFAULT 0,
    detractors    bigint NOT NULL DEFAULT 0,
    events        bigint NOT NULL DEFAULT 0,
    exposure      double precision NOT NULL DEFAULT 0,
    source        text NOT NULL DEFAULT '',
    created_at    timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT touchpoint_measurements_touchpoint_fk FOREIGN KEY (workspace_id, touchpoint_id) REFERENCES touchpoints (workspace_id, id) ON DELETE CASCADE,
    CONSTRAINT touchpoint_measurements_metric_fk FOREIGN KEY (workspace_id, metric_id) REFERENCES catalogue_metrics (workspace_id, id),
    CONSTRAINT touchpoint_measurements_period_key UNIQUE (touchpoint_id, metric_id, period_start, period_end)
);
-- Latest periods first, per touchpoint and metric: health and trends.
CREATE INDEX touchpoint_measurements_latest_idx ON touchpoint_measurements (touchpoint_id, metric_id, period_end DESC);
CREATE INDEX touchpoint_measurements_metric_idx ON touchpoint_measurements (metric_id);

-- +goose Down
DROP TABLE touchpoint_measurements;
ALTER TABLE pilot_metrics DROP CONSTRAINT pilot_metrics_catalogue_fk;
ALTER TABLE pilot_metrics DROP COLUMN catalogue_metric_id;
DROP FUNCTION seed_metric_catalogue(uuid);
DROP TABLE catalogue_metrics;
