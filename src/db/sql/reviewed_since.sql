-- Quotes and claims with a verdict recorded at or after $1 that still holds (not stale), in
-- review order, after the key ($2 reviewed_at, $3 id) when given, at most $4.
SELECT * FROM (
    SELECT 'quote' AS item_type, id, reviewed_at FROM quotes
     WHERE deleted_at IS NULL AND reviewed_at >= $1
       AND status IN ('verified', 'disputed', 'false', 'misleading', 'unverifiable') AND stale_reasons IS NULL
    UNION ALL
    SELECT 'claim', id, reviewed_at FROM claims
     WHERE deleted_at IS NULL AND reviewed_at >= $1
       AND status IN ('verified', 'disputed', 'false', 'misleading', 'unverifiable') AND stale_reasons IS NULL
) AS reviewed
WHERE $2::timestamptz IS NULL OR (reviewed_at, id) > ($2, $3)
ORDER BY reviewed_at, id
LIMIT $4
