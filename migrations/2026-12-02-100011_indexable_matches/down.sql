DROP FUNCTION attest_fact_checks_worded_like(text);
DROP FUNCTION attest_quotes_worded_like(text);
DROP FUNCTION attest_full_text_matches(text, tsquery, integer, integer);

ALTER TABLE claims DROP COLUMN status_key;
CREATE INDEX claims_status_idx ON claims (workspace_id, status, id) WHERE deleted_at IS NULL;
ALTER TABLE quotes DROP COLUMN status_key;
CREATE INDEX quotes_status_idx ON quotes (workspace_id, status, id) WHERE deleted_at IS NULL;
DROP FUNCTION attest_review_status_key(review_status);

ALTER TABLE speakers DROP COLUMN name_key;
CREATE INDEX speakers_name_idx ON speakers (workspace_id, lower(name), id);

ALTER TABLE claims DROP COLUMN metric_key;
CREATE INDEX claims_metric_idx ON claims (workspace_id, lower(metric), id);
