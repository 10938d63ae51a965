-- The tamper-evident history: one event per change, written in the change's transaction.
-- Each event's hash covers its content and the previous event's hash, so editing or
-- removing any event breaks every hash after it (`attest audit verify` finds the first).
CREATE TABLE audit_events (
    seq          bigint PRIMARY KEY,
    id           uuid NOT NULL,
    occurred_at  timestamptz NOT NULL,
    actor_id     uuid,
    api_key_id   uuid,
    action       text NOT NULL,
    entity_type  text NOT NULL,
    entity_id    uuid NOT NULL,
    before       jsonb,
    after        jsonb,
    prev_hash    text NOT NULL,
    hash         text NOT NULL,
    CONSTRAINT audit_events_id_key UNIQUE (id),
    CONSTRAINT audit_events_seq_positive CHECK (seq > 0)
);

CREATE INDEX audit_events_entity_idx ON audit_events (entity_type, entity_id, seq);

CREATE TRIGGER audit_events_append_only BEFORE UPDATE OR DELETE ON audit_events
    FOR EACH ROW EXECUTE FUNCTION refuse_history_rewrite();
CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events
    FOR EACH STATEMENT EXECUTE FUNCTION refuse_history_rewrite();

-- A later fetch of different text from the same URL is a new source that supersedes the
-- earlier one; quotes stay anchored to the text they were read in.
ALTER TABLE sources ADD COLUMN supersedes_id uuid REFERENCES sources (id);
CREATE INDEX sources_supersedes_id_idx ON sources (supersedes_id);

-- Variants: every report of one utterance links to the cluster's canonical quote.
ALTER TABLE quotes ADD COLUMN canonical_quote_id uuid REFERENCES quotes (id);
CREATE INDEX quotes_canonical_quote_id_idx ON quotes (canonical_quote_id);

-- Similar wording, by trigram similarity (pg_trgm). Variant proposals look within one
-- speaker's quotes, nearest first: a GiST index on (speaker, text) answers that by
-- nearest-neighbour search (btree_gist lets GiST index the speaker id). Looking across
-- speakers for the same words uses a GIN index with a high similarity threshold.
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE EXTENSION IF NOT EXISTS btree_gist;
CREATE INDEX quotes_speaker_text_trgm_idx ON quotes USING gist (speaker_id, text gist_trgm_ops (siglen = 256));
CREATE INDEX quotes_text_trgm_idx ON quotes USING gin (text gin_trgm_ops);
