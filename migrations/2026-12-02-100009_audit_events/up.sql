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
