-- As before (2026-12-06-100036), in PL/pgSQL with one plan for every call: a SQL function's
-- query is planned again for every statement that calls it, and planning the pg_stats view cost
-- each search several times what reading it does. PL/pgSQL keeps the plan for the session.
CREATE OR REPLACE FUNCTION attest_workspace_share(records text) RETURNS float8
LANGUAGE plpgsql STABLE SECURITY DEFINER
SET search_path = public, pg_temp SET plan_cache_mode = force_generic_plan AS $$
BEGIN
    RETURN coalesce(
        (SELECT s.most_common_freqs[array_position(s.most_common_vals::text::uuid[], attest_current_workspace())]
           FROM pg_stats s
          WHERE s.schemaname = 'public' AND s.tablename = records AND s.attname = 'workspace_id'),
        0);
END
$$;
