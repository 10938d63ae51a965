CREATE OR REPLACE FUNCTION attest_workspace_share(records text) RETURNS float8
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp
RETURN coalesce(
    (SELECT s.most_common_freqs[array_position(s.most_common_vals::text::uuid[], attest_current_workspace())]
       FROM pg_stats s
      WHERE s.schemaname = 'public' AND s.tablename = records AND s.attname = 'workspace_id'),
    0);
