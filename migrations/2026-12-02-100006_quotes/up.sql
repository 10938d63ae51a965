-- One appearance of words attributed to a speaker in a source.
CREATE TYPE quote_kind AS ENUM ('direct', 'partial', 'indirect');

-- Numbers arrivals for arrival_slice (see attest_arrival_slice_rows).
CREATE SEQUENCE quotes_arrival_seq;

CREATE TABLE quotes (
    id                  uuid PRIMARY KEY,
    source_id           uuid NOT NULL REFERENCES sources (id),
    speaker_id          uuid NOT NULL REFERENCES speakers (id),
    text                text NOT NULL,
    kind                quote_kind NOT NULL,
    -- W3C Web Annotation anchor: TextQuoteSelector (prefix/exact/suffix) and
    -- TextPositionSelector (start/end, in Unicode code points) into sources.content.
    anchor_prefix       text,
    anchor_exact        text,
    anchor_suffix       text,
    anchor_start        integer,
    anchor_end          integer,
    -- The outlet the words were quoted through ("quoted by state television").
    relayed_by          text,
    said_at             timestamptz,
    language            text,
    version             integer NOT NULL DEFAULT 1,
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now(),
    deleted_at          timestamptz,
    -- Who submitted the record: submitters may change only their own.
    created_by          uuid REFERENCES users (id),
    -- The current status is the latest review's, kept on the item (in the same transaction
    -- as the review) so queues and filters need no lookup.
    status              review_status NOT NULL DEFAULT 'unreviewed',
    assignee_id         uuid REFERENCES users (id),
    -- Variants: every report of one utterance links to the cluster's canonical quote.
    canonical_quote_id  uuid REFERENCES quotes (id),
    search_vector       tsvector
        GENERATED ALWAYS AS (to_tsvector(attest_search_config(language), text)) STORED,
    -- When the latest review was recorded, for "reviewed between" filters and the ClaimReview feed.
    reviewed_at         timestamptz,
    arrival_slice       integer NOT NULL
        DEFAULT (nextval('quotes_arrival_seq') / attest_arrival_slice_rows()),
    CONSTRAINT quotes_anchor_complete
        CHECK (num_nulls(anchor_prefix, anchor_exact, anchor_suffix, anchor_start, anchor_end) IN (0, 5)),
    CONSTRAINT quotes_anchor_span CHECK (anchor_start >= 0 AND anchor_end > anchor_start)
);

CREATE INDEX quotes_source_id_idx ON quotes (source_id, id);
CREATE INDEX quotes_speaker_id_idx ON quotes (speaker_id, id);
CREATE INDEX quotes_status_idx ON quotes (status, id) WHERE deleted_at IS NULL;
CREATE INDEX quotes_reviewed_at_idx ON quotes (reviewed_at, id) WHERE reviewed_at IS NOT NULL;
CREATE INDEX quotes_canonical_quote_id_idx ON quotes (canonical_quote_id);
CREATE INDEX quotes_search_idx ON quotes USING gin (arrival_slice, search_vector);

-- Similar wording, by trigram similarity (pg_trgm). Variant proposals look within one
-- speaker's quotes, nearest first: a GiST index on (speaker, text) answers that by
-- nearest-neighbour search (btree_gist lets GiST index the speaker id). A GiST trigram entry
-- holds every trigram of its text, and an index row must fit in a page, so the index covers
-- the first 1,000 characters (about 3 KB of trigrams at most);
-- `quote::lookalikes_of_speaker` orders by the same expression. Looking across speakers for
-- the same words uses a GIN index with a high similarity threshold.
CREATE INDEX quotes_speaker_text_trgm_idx ON quotes USING gist (speaker_id, left(text, 1000) gist_trgm_ops (siglen = 256));
CREATE INDEX quotes_text_trgm_idx ON quotes USING gin (text gin_trgm_ops);

CREATE TRIGGER quotes_notify_change AFTER UPDATE OR DELETE ON quotes
    FOR EACH ROW EXECUTE FUNCTION attest_notify_record_change();
CREATE TRIGGER quotes_notify_emptied AFTER TRUNCATE ON quotes
    FOR EACH STATEMENT EXECUTE FUNCTION attest_notify_records_emptied();

CREATE TRIGGER quotes_note_search_configs AFTER INSERT ON quotes
    REFERENCING NEW TABLE AS arrived FOR EACH STATEMENT EXECUTE FUNCTION attest_note_search_configs();
CREATE TRIGGER quotes_note_search_config AFTER UPDATE OF language ON quotes
    FOR EACH ROW WHEN (OLD.language IS DISTINCT FROM NEW.language)
    EXECUTE FUNCTION attest_note_search_config();
