CREATE OR REPLACE FUNCTION attest_log_waiting(how_many integer)
RETURNS TABLE (seq bigint, id uuid, occurred_at timestamptz, workspace_id uuid, actor_id uuid,
               api_key_id uuid, action text, entity_type text, entity_id uuid, before jsonb,
               after jsonb)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
    SELECT e.seq, e.id, e.occurred_at, e.workspace_id, e.actor_id, e.api_key_id, e.action,
           e.entity_type, e.entity_id, e.before, e.after
    FROM log_pending p JOIN audit_events e ON e.seq = p.event_seq
    ORDER BY p.event_seq LIMIT least(how_many, 10000)
$$;
