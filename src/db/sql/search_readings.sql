-- Query $1 read in every text search configuration the records of table $2 use (search_configs):
-- all readings ORed (what a record must match), and per configuration, in name order, its own
-- reading (what a record in that language is ranked against) and its phrase; the caller's
-- workspace's share of the table's rows; and the table's arrivals, by its arrival sequence (each
-- is named after its table: see the sources, quotes and claims migrations).
WITH readings AS (
    SELECT row_number() OVER (ORDER BY config::text) AS n, config::text AS config,
           websearch_to_tsquery(config, $1) AS q, phraseto_tsquery(config, $1) AS phrase
      FROM search_configs WHERE records = $2::regclass),
matching AS (
    SELECT coalesce(string_agg(DISTINCT '(' || q::text || ')', ' | '), '') AS q
      FROM readings WHERE numnode(q) > 0)
SELECT matching.q AS matching,
       coalesce((SELECT array_agg(config ORDER BY n) FROM readings), '{}') AS configs,
       coalesce((SELECT array_agg(CASE WHEN numnode(q) > 0 THEN q::text ELSE matching.q END ORDER BY n)
                   FROM readings), '{}') AS per_config,
       coalesce((SELECT array_agg(CASE WHEN numnode(phrase) > 0 THEN phrase::text END ORDER BY n)
                   FROM readings), '{}') AS phrases,
       attest_workspace_share($2) AS workspace_share,
       coalesce(pg_sequence_last_value(($2 || '_arrival_seq')::regclass), 0) AS arrivals,
       attest_arrival_slice_rows() AS slice_rows
  FROM matching
