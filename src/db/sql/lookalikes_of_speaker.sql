-- Quotes of speaker $2 worded like $1, other than quote $3: the $5 nearest by trigram distance
-- (the GiST index on left(text, 1000)), kept from similarity $4, most alike first.
SELECT * FROM (
    SELECT id, speaker_id, canonical_quote_id, text, similarity(text, $1) AS similarity
      FROM quotes
     WHERE speaker_id = $2 AND deleted_at IS NULL AND id <> $3
     ORDER BY left(text, 1000) <-> left($1, 1000)
     LIMIT $5
) AS nearest
WHERE similarity >= $4
ORDER BY similarity DESC, id
