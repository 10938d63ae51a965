-- One record per thing said: a live quote with the same words (folded: `attest_fold`), source,
-- speaker and anchor as another is the same quote, and a claim with the same statement, source,
-- claimant, figure (metric, qualifier, value, bounds, unit) and anchor the same claim. Creating
-- it again is refused (the server names the stored one). The same words by another speaker, or
-- the same number for another metric, are other records.
--
-- Each record's key is one digest of those fields (`same_key`), so that a new record is looked
-- up by one indexed equality however long its words are.
CREATE FUNCTION attest_quote_same_key(source uuid, speaker uuid, words text, anchor_start integer)
RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN md5(jsonb_build_array(source, speaker, attest_fold(words), anchor_start)::text);

-- Numbers compare as numbers: 12000 and 12000.0 are the same value.
CREATE FUNCTION attest_claim_same_key(source uuid, claimant uuid, statement text, metric text,
                                      qualifier claim_qualifier, value numeric, lower_bound numeric,
                                      upper_bound numeric, unit text, anchor_start integer)
RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN md5(jsonb_build_array(source, claimant, attest_fold(statement), lower(metric), qualifier::text,
                             trim_scale(value), trim_scale(lower_bound), trim_scale(upper_bound), unit,
                             anchor_start)::text);

ALTER TABLE quotes ADD COLUMN same_key text NOT NULL
    GENERATED ALWAYS AS (attest_quote_same_key(source_id, speaker_id, text, anchor_start)) STORED;
ALTER TABLE claims ADD COLUMN same_key text NOT NULL
    GENERATED ALWAYS AS (attest_claim_same_key(source_id, claimant_id, statement, metric, qualifier, value,
                                               lower_bound, upper_bound, unit, anchor_start)) STORED;

-- Duplicates stored before this rule keep their rows: each later copy points at the first
-- (`duplicate_of`) and stands outside the rule.
ALTER TABLE quotes ADD COLUMN duplicate_of uuid;
ALTER TABLE claims ADD COLUMN duplicate_of uuid;
UPDATE quotes AS q SET duplicate_of = d.first_id
  FROM (SELECT id, first_value(id) OVER (PARTITION BY workspace_id, same_key ORDER BY id) AS first_id
          FROM quotes WHERE deleted_at IS NULL) AS d
 WHERE q.id = d.id AND d.first_id <> d.id;
UPDATE claims AS c SET duplicate_of = d.first_id
  FROM (SELECT id, first_value(id) OVER (PARTITION BY workspace_id, same_key ORDER BY id) AS first_id
          FROM claims WHERE deleted_at IS NULL) AS d
 WHERE c.id = d.id AND d.first_id <> d.id;

CREATE UNIQUE INDEX quotes_same_record_key ON quotes (workspace_id, same_key)
    WHERE deleted_at IS NULL AND duplicate_of IS NULL;
CREATE UNIQUE INDEX claims_same_record_key ON claims (workspace_id, same_key)
    WHERE deleted_at IS NULL AND duplicate_of IS NULL;
