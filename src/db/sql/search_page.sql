-- A page of hits, best first: the candidates (the first found, at most MAX_RANKED) ranked
-- against their own language's reading ($12 to $14: per configuration, the reading and the
-- phrase), after the key ($9 rank, $10 id) when given, at most $11, with snippets of the
-- record's text. $1 to $8: the readings and the filters; $15 and $16, in the candidates' query:
-- the table's last arrival slice, and how many of the oldest slice's records must match for the
-- rest to be looked for slice by slice. The names in braces are filled in by db::search (the
-- candidates' query, the cap, the table and its text column).
WITH readings AS (
    SELECT * FROM unnest($14::text[]::regconfig[], $12::text[]::tsquery[], $13::text[]::tsquery[])
               AS t(config, query, phrase)
),
-- Ranking reads every candidate: cap them, so a query of everyday words costs the
-- same at a million records as at ten thousand. Either way the candidates are the
-- first found, oldest first.
candidates AS ({candidates} LIMIT {max_ranked}),
-- A record is ranked against its own language's reading only: ranking costs grow
-- with the query's size. ts_rank weighs how often the words occur and, for words that
-- must all occur, how near each other they stand. ts_rank_cd, which weighs nearness by
-- covers, clears a 32 kB position table per item of the query (word or operator) for
-- every cover it looks for, for every candidate.
hits AS (
    SELECT c.id, c.speaker_id, c.source_id,
           (ts_rank(c.search_vector, rd.query, 32)
             + CASE WHEN c.search_vector @@ rd.phrase THEN 1 ELSE 0 END)::float8 AS rank
      FROM candidates c JOIN readings rd ON rd.config = c.config
),
page AS (
    SELECT * FROM hits
     WHERE $9::float8 IS NULL OR rank < $9 OR (rank = $9 AND id > $10)
     ORDER BY rank DESC, id
     LIMIT $11
)
-- Snippets only for the page: ts_headline is the costly part of a search.
SELECT page.id, page.rank,
       ts_headline(attest_search_config(r.language), left({text}, 20000), $1::tsquery,
                   'StartSel=<mark>, StopSel=</mark>, MaxWords=40, MinWords=12, MaxFragments=2') AS snippet,
       left({text}, 2000) AS text,
       page.speaker_id, page.source_id, s.publisher, s.published_at,
       -- As many found as are ranked: more may match. Counting the hits, not
       -- looking for one more candidate, keeps the candidates streaming.
       (SELECT count(*) FROM hits) >= {max_ranked} AS capped
  FROM page
  JOIN {table} ON r.id = page.id
  JOIN sources s ON s.id = page.source_id
 ORDER BY page.rank DESC, page.id
