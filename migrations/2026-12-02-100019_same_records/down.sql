DROP INDEX claims_same_record_key;
DROP INDEX quotes_same_record_key;
ALTER TABLE claims DROP COLUMN duplicate_of, DROP COLUMN same_key;
ALTER TABLE quotes DROP COLUMN duplicate_of, DROP COLUMN same_key;
DROP FUNCTION attest_claim_same_key(uuid, uuid, text, text, claim_qualifier, numeric, numeric, numeric, text, integer);
DROP FUNCTION attest_quote_same_key(uuid, uuid, text, integer);
