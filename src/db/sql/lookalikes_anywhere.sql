-- Quotes of any speaker worded like $1 (pg_trgm similarity past the session threshold),
-- other than quote $2, most alike first, at most $3.
SELECT id, speaker_id, canonical_quote_id, text, similarity(text, $1) AS similarity
 FROM quotes
WHERE id IN (SELECT attest_quotes_worded_like($1)) AND deleted_at IS NULL AND id <> $2
ORDER BY similarity DESC, id
LIMIT $3
