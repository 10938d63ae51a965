DROP FUNCTION attest_search_candidates(text, tsquery, integer, integer, uuid, uuid, text, text, text,
                                       timestamptz, timestamptz);
CREATE FUNCTION attest_full_text_matches(records text, query tsquery, slice integer, max_rows integer)
RETURNS SETOF uuid
LANGUAGE plpgsql STABLE SECURITY DEFINER ROWS 100 SET search_path = public, pg_temp AS $$
BEGIN
    IF records NOT IN ('sources', 'quotes', 'claims') THEN
        RAISE EXCEPTION 'no full-text search on %', records;
    END IF;
    RETURN QUERY EXECUTE format(
        'SELECT id FROM %I WHERE workspace_id = attest_current_workspace() AND search_vector @@ $1 %s LIMIT $3',
        records, CASE WHEN slice IS NULL THEN '' ELSE 'AND arrival_slice = $2' END)
    USING query, slice, max_rows;
END
$$;
