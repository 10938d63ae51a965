DROP FUNCTION attest_search_candidates(text, tsquery, integer, integer, integer, boolean, uuid, uuid, text, text,
                                       text, timestamptz, timestamptz);
-- The first `max_rows` records of `records` that match `query` and the filters: with `last_slice`
-- NULL, as one bitmap of every match finds them; else slice by slice from the oldest (0) to
-- `last_slice`, each slice's in the order its bitmap finds them, stopping once enough are found.
CREATE FUNCTION attest_search_candidates(
    records text, query tsquery, last_slice integer, max_rows integer, workspace_in_index boolean,
    speaker uuid, source uuid, publisher text, language text, status text,
    published_from timestamptz, published_to timestamptz)
RETURNS TABLE (id uuid, search_vector tsvector, config regconfig, speaker_id uuid, source_id uuid)
LANGUAGE plpgsql STABLE SECURITY DEFINER ROWS 100 SET search_path = public, pg_temp AS $$
DECLARE
    speaker_column text;
    source_column text;
    status_column text;
    matches text;
BEGIN
    CASE records
        WHEN 'quotes' THEN
            speaker_column := 'r.speaker_id'; source_column := 'r.source_id'; status_column := 'r.status_key';
        WHEN 'claims' THEN
            speaker_column := 'r.claimant_id'; source_column := 'r.source_id'; status_column := 'r.status_key';
        WHEN 'sources' THEN
            speaker_column := 'NULL::uuid'; source_column := 'r.id'; status_column := 'NULL::text';
        ELSE
            RAISE EXCEPTION 'no full-text search on %', records;
    END CASE;
    -- Planned per call, with the values: filters not given fall away, and in a walk the slice
    -- joins the index condition. `IS TRUE` keeps the workspace out of the index condition.
    matches := format(
        'SELECT r.id, r.search_vector, attest_search_config(r.language), %2$s, %3$s
           FROM %1$I r
          WHERE %6$s AND r.search_vector @@ $1
            AND r.deleted_at IS NULL %5$s
            AND ($4::uuid IS NULL OR %2$s = $4)
            AND ($5::uuid IS NULL OR %3$s = $5)
            AND ($7::text IS NULL OR r.language = $7)
            AND ($8::text IS NULL OR %4$s = $8)
            AND (($6::text IS NULL AND $9::timestamptz IS NULL AND $10::timestamptz IS NULL)
                 OR EXISTS (SELECT FROM sources s
                             WHERE s.workspace_id = r.workspace_id AND s.id = %3$s
                               AND ($6::text IS NULL OR s.publisher = $6)
                               AND ($9::timestamptz IS NULL OR s.published_at >= $9)
                               AND ($10::timestamptz IS NULL OR s.published_at < $10)))
          LIMIT $3',
        records, speaker_column, source_column, status_column,
        CASE WHEN last_slice IS NULL THEN '' ELSE 'AND r.arrival_slice = s.slice' END,
        CASE WHEN workspace_in_index THEN 'r.workspace_id = attest_current_workspace()'
             ELSE '(r.workspace_id = attest_current_workspace()) IS TRUE' END);
    -- A subquery with a LIMIT stays a subquery: the walk is a nested loop over the slices in
    -- order, each slice's scan run again with the next slice, and the outer LIMIT stops it.
    IF last_slice IS NOT NULL THEN
        matches := format('SELECT found.* FROM generate_series(0, $2) AS s(slice)
                             CROSS JOIN LATERAL (%s) found
                            LIMIT $3', matches);
    END IF;
    RETURN QUERY EXECUTE matches
    USING query, last_slice, max_rows, speaker, source, publisher, language, status, published_from, published_to;
END
$$;
