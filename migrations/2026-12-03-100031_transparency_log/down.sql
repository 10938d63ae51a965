-- Back to the hash chain's columns. The chain itself cannot be recomputed here (its hashes
-- cover serde_json's form of each state, not PostgreSQL's), so the events come back with
-- empty links, which the old `attest audit verify` reports as broken at the first event.
DROP FUNCTION attest_log_publications(uuid[]);
DROP FUNCTION attest_log_waiting(integer);
DROP TABLE log_checkpoints;
DROP TABLE log_hashes;
DROP TABLE log_leaves;
DROP TRIGGER audit_events_enqueue ON audit_events;
DROP FUNCTION attest_log_enqueue();
DROP TABLE log_pending;
ALTER TABLE audit_events ALTER COLUMN seq DROP DEFAULT;
DROP SEQUENCE audit_events_seq;
ALTER TABLE audit_events ADD COLUMN prev_hash text NOT NULL DEFAULT '', ADD COLUMN hash text NOT NULL DEFAULT '';
ALTER TABLE audit_events ALTER COLUMN prev_hash DROP DEFAULT, ALTER COLUMN hash DROP DEFAULT;

CREATE FUNCTION attest_audit_head() RETURNS TABLE (seq bigint, hash text)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
    SELECT seq, hash FROM audit_events ORDER BY seq DESC LIMIT 1
$$;

CREATE FUNCTION attest_audit_links(after_seq bigint, how_many integer)
RETURNS TABLE (seq bigint, prev_hash text, hash text)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
    SELECT seq, prev_hash, hash FROM audit_events
    WHERE seq > after_seq ORDER BY seq LIMIT least(how_many, 10000)
$$;
