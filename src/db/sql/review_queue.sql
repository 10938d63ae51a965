-- Quotes ($5) and claims ($6) in the statuses $1, held by reviewer $2 (any when null), after
-- id $3 when given, oldest first (UUIDv7 ids order by creation), at most $4.
SELECT * FROM (
    SELECT 'quote' AS item_type, id, status, assignee_id, text AS summary, created_at
      FROM quotes WHERE $5 AND deleted_at IS NULL AND status_key = ANY($1::text[])
        AND ($2::uuid IS NULL OR assignee_id = $2) AND ($3::uuid IS NULL OR id > $3)
    UNION ALL
    SELECT 'claim', id, status, assignee_id, statement, created_at
      FROM claims WHERE $6 AND deleted_at IS NULL AND status_key = ANY($1::text[])
        AND ($2::uuid IS NULL OR assignee_id = $2) AND ($3::uuid IS NULL OR id > $3)
) AS waiting ORDER BY id LIMIT $4
