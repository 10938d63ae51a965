-- A numeric assertion: "more than 300,000 people killed", "almost six years".
CREATE TYPE claim_qualifier AS ENUM (
    'exact', 'approximately', 'more_than', 'at_least', 'less_than', 'at_most', 'almost', 'range'
);

CREATE TABLE claims (
    id             uuid PRIMARY KEY,
    source_id      uuid NOT NULL REFERENCES sources (id),
    claimant_id    uuid REFERENCES speakers (id),
    statement      text NOT NULL,
    metric         text NOT NULL,
    qualifier      claim_qualifier NOT NULL,
    -- Exact decimals: a fact's number never passes through a float.
    value          numeric,
    lower_bound    numeric,
    upper_bound    numeric,
    unit           text,
    as_of          date,
    period_start   date,
    period_end     date,
    place          text,
    anchor_prefix  text,
    anchor_exact   text,
    anchor_suffix  text,
    anchor_start   integer,
    anchor_end     integer,
    version        integer NOT NULL DEFAULT 1,
    created_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now(),
    deleted_at     timestamptz,
    CONSTRAINT claims_value_shape CHECK (
        CASE WHEN qualifier = 'range'
            THEN value IS NULL AND lower_bound IS NOT NULL AND upper_bound IS NOT NULL
                 AND lower_bound <= upper_bound
            ELSE value IS NOT NULL AND lower_bound IS NULL AND upper_bound IS NULL
        END),
    CONSTRAINT claims_time_shape CHECK (as_of IS NULL OR (period_start IS NULL AND period_end IS NULL)),
    CONSTRAINT claims_period_order CHECK (period_start <= period_end),
    CONSTRAINT claims_anchor_complete
        CHECK (num_nulls(anchor_prefix, anchor_exact, anchor_suffix, anchor_start, anchor_end) IN (0, 5)),
    CONSTRAINT claims_anchor_span CHECK (anchor_start >= 0 AND anchor_end > anchor_start)
);

CREATE INDEX claims_source_id_idx ON claims (source_id, id);
CREATE INDEX claims_claimant_id_idx ON claims (claimant_id, id);
CREATE INDEX claims_metric_idx ON claims (lower(metric), id);
