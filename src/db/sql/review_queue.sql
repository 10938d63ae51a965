-- Quotes ($5) and claims ($6) in the statuses $1, and when $7 those whose verdict is stale
-- (their words, figure or source changed since: they need re-review), held by reviewer $2 (any
-- when null), after id $3 when given, oldest first (UUIDv7 ids order by creation), at most $4.
-- A stale verdict is no longer done: it is listed under its verdict's status no more.
SELECT * FROM (
    SELECT 'quote' AS item_type, id, status, assignee_id, text AS summary, created_at,
           stale_reasons IS NOT NULL AS verdict_stale
      FROM quotes WHERE $5 AND deleted_at IS NULL
        AND ((status_key = ANY($1::text[]) AND (stale_reasons IS NULL OR status_key IN ('unreviewed', 'in_review')))
             OR ($7 AND stale_reasons IS NOT NULL))
        AND ($2::uuid IS NULL OR assignee_id = $2) AND ($3::uuid IS NULL OR id > $3)
    UNION ALL
    SELECT 'claim', id, status, assignee_id, statement, created_at, stale_reasons IS NOT NULL
      FROM claims WHERE $6 AND deleted_at IS NULL
        AND ((status_key = ANY($1::text[]) AND (stale_reasons IS NULL OR status_key IN ('unreviewed', 'in_review')))
             OR ($7 AND stale_reasons IS NOT NULL))
        AND ($2::uuid IS NULL OR assignee_id = $2) AND ($3::uuid IS NULL OR id > $3)
) AS waiting ORDER BY id LIMIT $4
