-- The audit trail becomes a transparency log (RFC 6962). A writer only inserts its events:
-- no hash chain to extend, no lock shared by every writer. A sequencer integrates committed
-- events into a Merkle tree in batches and signs a checkpoint after each (C2SP
-- tlog-checkpoint in a signed note), so anyone holding a checkpoint can check that later
-- ones extend it and that a published verdict is in it.

DROP FUNCTION attest_audit_head();
DROP FUNCTION attest_audit_links(bigint, integer);
ALTER TABLE audit_events DROP COLUMN prev_hash, DROP COLUMN hash;

CREATE SEQUENCE audit_events_seq OWNED BY audit_events.seq;
SELECT setval('audit_events_seq', coalesce(max(seq), 0) + 1, false) FROM audit_events;
ALTER TABLE audit_events ALTER COLUMN seq SET DEFAULT nextval('audit_events_seq');
GRANT USAGE, SELECT ON SEQUENCE audit_events_seq TO attest_app;

-- Events waiting for the sequencer, filled by the insert itself so that no writer can leave
-- one out; a sequence number is taken at insert but commits in any order, so only this queue
-- (not a high-water mark) says what is left.
CREATE TABLE log_pending (event_seq bigint PRIMARY KEY);
INSERT INTO log_pending (event_seq) SELECT seq FROM audit_events;

CREATE FUNCTION attest_log_enqueue() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    INSERT INTO log_pending (event_seq) SELECT seq FROM written;
    RETURN NULL;
END
$$;
CREATE TRIGGER audit_events_enqueue AFTER INSERT ON audit_events
    REFERENCING NEW TABLE AS written FOR EACH STATEMENT EXECUTE FUNCTION attest_log_enqueue();

-- Leaf i of the tree is the event `event_seq`, integrated at `integrated_at`.
CREATE TABLE log_leaves (
    leaf_index    bigint PRIMARY KEY CHECK (leaf_index >= 0),
    event_seq     bigint NOT NULL UNIQUE,
    integrated_at timestamptz NOT NULL DEFAULT clock_timestamp()
);

-- Every complete subtree's hash, once, at its place in Go sumdb/tlog's stored-hash order:
-- what a proof of any leaf in any tree size reads (a few dozen rows at most).
CREATE TABLE log_hashes (
    stored_index bigint PRIMARY KEY CHECK (stored_index >= 0),
    hash         bytea NOT NULL CHECK (length(hash) = 32)
);

-- The signed checkpoint of each tree size the sequencer reached.
CREATE TABLE log_checkpoints (
    tree_size bigint PRIMARY KEY CHECK (tree_size >= 0),
    root_hash bytea NOT NULL CHECK (length(root_hash) = 32),
    note      text NOT NULL,
    signed_at timestamptz NOT NULL DEFAULT now()
);

CREATE TRIGGER log_leaves_append_only BEFORE UPDATE OR DELETE ON log_leaves
    FOR EACH ROW EXECUTE FUNCTION refuse_history_rewrite();
CREATE TRIGGER log_hashes_append_only BEFORE UPDATE OR DELETE ON log_hashes
    FOR EACH ROW EXECUTE FUNCTION refuse_history_rewrite();
CREATE TRIGGER log_checkpoints_append_only BEFORE UPDATE OR DELETE ON log_checkpoints
    FOR EACH ROW EXECUTE FUNCTION refuse_history_rewrite();
CREATE TRIGGER log_no_truncate BEFORE TRUNCATE ON log_leaves
    FOR EACH STATEMENT EXECUTE FUNCTION refuse_history_rewrite();
CREATE TRIGGER log_hashes_no_truncate BEFORE TRUNCATE ON log_hashes
    FOR EACH STATEMENT EXECUTE FUNCTION refuse_history_rewrite();
CREATE TRIGGER log_checkpoints_no_truncate BEFORE TRUNCATE ON log_checkpoints
    FOR EACH STATEMENT EXECUTE FUNCTION refuse_history_rewrite();

-- The tree runs through every workspace. The sequencer reads the waiting events of all of
-- them, in the order they were written; and whoever verifies the tree reads each leaf's
-- event, whichever workspace wrote it, by its leaf hash only (computed by the caller from
-- what it may read, and otherwise taken as stored).
CREATE FUNCTION attest_log_waiting(how_many integer)
RETURNS TABLE (seq bigint, id uuid, occurred_at timestamptz, workspace_id uuid, actor_id uuid,
               api_key_id uuid, action text, entity_type text, entity_id uuid, before jsonb,
               after jsonb)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
    SELECT e.seq, e.id, e.occurred_at, e.workspace_id, e.actor_id, e.api_key_id, e.action,
           e.entity_type, e.entity_id, e.before, e.after
    FROM log_pending p JOIN audit_events e ON e.seq = p.event_seq
    ORDER BY p.event_seq LIMIT least(how_many, 10000)
$$;

-- A published verdict is public, and so is the event that published, corrected, unpublished
-- or retracted it: its latest such event for each of `items`, whichever workspace wrote it,
-- with its leaf once integrated.
CREATE FUNCTION attest_log_publications(items uuid[])
RETURNS TABLE (seq bigint, id uuid, occurred_at timestamptz, workspace_id uuid, actor_id uuid,
               api_key_id uuid, action text, entity_type text, entity_id uuid, before jsonb,
               after jsonb, leaf_index bigint)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
    SELECT e.seq, e.id, e.occurred_at, e.workspace_id, e.actor_id, e.api_key_id, e.action,
           e.entity_type, e.entity_id, e.before, e.after, l.leaf_index
    FROM unnest(items[1:1000]) AS item (id)
    CROSS JOIN LATERAL (
        SELECT * FROM audit_events a
        WHERE a.entity_id = item.id AND a.entity_type IN ('quote', 'claim')
          AND a.action IN ('publish', 'correct', 'unpublish', 'retract')
        ORDER BY a.seq DESC LIMIT 1
    ) e
    LEFT JOIN log_leaves l ON l.event_seq = e.seq
$$;
