-- This workspace's published fact-checks changed (published or corrected) at or after $1, in
-- that order, after the key ($2 changed_at, $3 id) when given, at most $4.
SELECT id,
       CASE WHEN quote_id IS NOT NULL THEN 'quote' ELSE 'claim' END AS item_type,
       coalesce(quote_id, claim_id) AS item_id,
       coalesce(modified_at, published_at) AS changed_at
  FROM fact_checks
 WHERE workspace_id = attest_current_workspace() AND state = 'published'
   AND coalesce(modified_at, published_at) >= $1
   AND ($2::timestamptz IS NULL OR (coalesce(modified_at, published_at), id) > ($2, $3))
 ORDER BY coalesce(modified_at, published_at), id
 LIMIT $4
