-- The sequencer's read of waiting events costs what its batch holds, whatever the size of the
-- trail: the waiting sequence numbers (an index scan of log_pending) are looked up one by one
-- in audit_events' primary key. Written as a join, it left the planner free to merge or hash
-- it against the whole of audit_events, which it did, in parallel workers, when log_pending's
-- statistics were taken while a bulk load waited.
CREATE OR REPLACE FUNCTION attest_log_waiting(how_many integer)
RETURNS TABLE (seq bigint, id uuid, occurred_at timestamptz, workspace_id uuid, actor_id uuid,
               api_key_id uuid, action text, entity_type text, entity_id uuid, before jsonb,
               after jsonb)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
    SELECT e.seq, e.id, e.occurred_at, e.workspace_id, e.actor_id, e.api_key_id, e.action,
           e.entity_type, e.entity_id, e.before, e.after
    FROM audit_events e
    WHERE e.seq = ANY (ARRAY(SELECT p.event_seq FROM log_pending p
                             ORDER BY p.event_seq LIMIT least(how_many, 10000)))
    ORDER BY e.seq
$$;
