-- As before (2026-12-06-100037), with the choice between the walk and the one bitmap made inside:
-- the oldest slice's matches are looked for first and are the first candidates, and how many
-- they are tells how to find the rest. The search asked for them in a statement of its own
-- before, and then read the same matches again as candidates.
DROP FUNCTION attest_search_candidates(text, tsquery, integer, integer, boolean, uuid, uuid, text, text, text,
                                       timestamptz, timestamptz);
-- The first `max_rows` records of `records` that match `query` and the filters: the oldest
-- slice's (0) in the order its bitmap finds them, then, up to `last_slice`, slice by slice in
-- order if the oldest slice had at least `walk_from` matches, else the rest of the table's in
-- the order one bitmap of them finds them.
CREATE FUNCTION attest_search_candidates(
    records text, query tsquery, last_slice integer, walk_from integer, max_rows integer,
    workspace_in_index boolean, speaker uuid, source uuid, publisher text, language text, status text,
    published_from timestamptz, published_to timestamptz)
RETURNS TABLE (id uuid, search_vector tsvector, config regconfig, speaker_id uuid, source_id uuid)
LANGUAGE plpgsql STABLE SECURITY DEFINER ROWS 100 SET search_path = public, pg_temp AS $$
DECLARE
    speaker_column text;
    source_column text;
    status_column text;
    -- The matches, with `%s` the condition on `r.arrival_slice`.
    matches text;
    -- Slices $11 to $2 in order, each slice's matches as its bitmap finds them.
    walk text;
    found_in_oldest integer;
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
    -- joins the index condition. `IS TRUE` keeps the workspace out of the index condition; the
    -- workspace is a value ($12), not the setting read again for every row checked.
    matches := format(
        'SELECT r.id, r.search_vector, attest_search_config(r.language), %2$s, %3$s
           FROM %1$I r
          WHERE %5$s AND r.search_vector @@ $1
            AND r.deleted_at IS NULL AND r.arrival_slice %%s
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
        CASE WHEN workspace_in_index THEN 'r.workspace_id = $12' ELSE '(r.workspace_id = $12) IS TRUE' END);
    -- A subquery with a LIMIT stays a subquery: the walk is a nested loop over the slices in
    -- order, each slice's scan run again with the next slice, and the outer LIMIT stops it.
    walk := format('SELECT found.* FROM generate_series($11, $2) AS s(slice)
                      CROSS JOIN LATERAL (%s) found
                     LIMIT $3', format(matches, '= s.slice'));
    RETURN QUERY EXECUTE walk
    USING query, 0, max_rows, speaker, source, publisher, language, status, published_from, published_to, 0,
          attest_current_workspace();
    GET DIAGNOSTICS found_in_oldest = ROW_COUNT;
    IF found_in_oldest >= max_rows OR last_slice < 1 THEN
        RETURN;
    END IF;
    IF found_in_oldest >= walk_from THEN
        RETURN QUERY EXECUTE walk
        USING query, last_slice, max_rows - found_in_oldest, speaker, source, publisher, language, status,
              published_from, published_to, 1, attest_current_workspace();
    ELSE
        -- Not an index condition (btree_gin has no `<>`): the bitmap is of every match.
        RETURN QUERY EXECUTE format(matches, '<> 0')
        USING query, NULL::integer, max_rows - found_in_oldest, speaker, source, publisher, language, status,
              published_from, published_to, NULL::integer, attest_current_workspace();
    END IF;
END
$$;
