-- A numeric assertion: "more than 300,000 people killed", "almost six years".
CREATE TYPE claim_qualifier AS ENUM (
    'exact', 'approximately', 'more_than', 'at_least', 'less_than', 'at_most', 'almost', 'range'
);

-- Numbers arrivals for arrival_slice (see attest_arrival_slice_rows).
CREATE SEQUENCE claims_arrival_seq;

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
    -- Who submitted the record: submitters may change only their own.
    created_by     uuid REFERENCES users (id),
    -- The current status is the latest review's, kept on the item (in the same transaction
    -- as the review) so queues and filters need no lookup.
    status         review_status NOT NULL DEFAULT 'unreviewed',
    assignee_id    uuid REFERENCES users (id),
    -- The language of the statement, like quotes.language.
    language       text,
    search_vector  tsvector GENERATED ALWAYS AS (
        setweight(to_tsvector(attest_search_config(language), statement), 'A')
        || setweight(to_tsvector(attest_search_config(language), metric), 'B')
        || setweight(to_tsvector('simple', coalesce(unit, '') || ' ' || coalesce(place, '')), 'C')
    ) STORED,
    -- When the latest review was recorded, for "reviewed between" filters and the ClaimReview feed.
    reviewed_at    timestamptz,
    arrival_slice  integer NOT NULL
        DEFAULT (nextval('claims_arrival_seq') / attest_arrival_slice_rows()),
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
CREATE INDEX claims_status_idx ON claims (status, id) WHERE deleted_at IS NULL;
CREATE INDEX claims_reviewed_at_idx ON claims (reviewed_at, id) WHERE reviewed_at IS NOT NULL;
CREATE INDEX claims_search_idx ON claims USING gin (arrival_slice, search_vector);

CREATE TRIGGER claims_notify_change AFTER UPDATE OR DELETE ON claims
    FOR EACH ROW EXECUTE FUNCTION attest_notify_record_change();
CREATE TRIGGER claims_notify_emptied AFTER TRUNCATE ON claims
    FOR EACH STATEMENT EXECUTE FUNCTION attest_notify_records_emptied();

CREATE TRIGGER claims_note_search_configs AFTER INSERT ON claims
    REFERENCING NEW TABLE AS arrived FOR EACH STATEMENT EXECUTE FUNCTION attest_note_search_configs();
CREATE TRIGGER claims_note_search_config AFTER UPDATE OF language ON claims
    FOR EACH ROW WHEN (OLD.language IS DISTINCT FROM NEW.language)
    EXECUTE FUNCTION attest_note_search_config();
