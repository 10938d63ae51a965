-- A page of speakers found by name ($1), best first, after the key ($2 rank, $3 id) when
-- given, at most $4. The candidates are capped ({max_ranked}) as full-text candidates are.
WITH wanted AS (SELECT attest_fold($1) AS name),
matched AS (
    SELECT s.id, s.name, s.aliases,
           (word_similarity(w.name, s.identity_key)
             + CASE WHEN s.identity_names @> ARRAY[w.name] THEN 1 ELSE 0 END)::float8 AS rank
      FROM speakers s, wanted w
     WHERE (s.identity_names @> ARRAY[w.name] OR w.name <% s.identity_key) AND s.deleted_at IS NULL
     LIMIT {max_ranked}
),
page AS (
    SELECT * FROM matched
     WHERE $2::float8 IS NULL OR rank < $2 OR (rank = $2 AND id > $3)
     ORDER BY rank DESC, id
     LIMIT $4
)
SELECT page.id, page.rank,
       '<mark>' || (SELECT n FROM unnest(array_prepend(page.name, page.aliases)) AS n, wanted w
                     WHERE n IS NOT NULL
                     ORDER BY word_similarity(w.name, attest_fold(n)) DESC, n LIMIT 1) || '</mark>' AS snippet,
       page.name AS text,
       NULL::uuid AS speaker_id, NULL::uuid AS source_id, NULL::text AS publisher,
       NULL::timestamptz AS published_at,
       (SELECT count(*) FROM matched) >= {max_ranked} AS capped
  FROM page
 ORDER BY page.rank DESC, page.id
