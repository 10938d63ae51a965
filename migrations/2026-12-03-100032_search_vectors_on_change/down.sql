DROP TRIGGER claims_search_vector ON claims;
DROP TRIGGER quotes_search_vector ON quotes;
DROP FUNCTION attest_claim_search_vector();
DROP FUNCTION attest_quote_search_vector();
-- PostgreSQL 15 cannot give a column its expression back: the generated columns are made anew,
-- with their indexes.
ALTER TABLE claims DROP COLUMN search_vector;
ALTER TABLE claims ADD COLUMN search_vector tsvector GENERATED ALWAYS AS (
    setweight(to_tsvector(attest_search_config(language), statement), 'A')
    || setweight(to_tsvector(attest_search_config(language), metric), 'B')
    || setweight(to_tsvector('simple', coalesce(unit, '') || ' ' || coalesce(place, '')), 'C')
) STORED;
CREATE INDEX claims_search_idx ON claims USING gin (workspace_id, arrival_slice, search_vector);
ALTER TABLE quotes DROP COLUMN search_vector;
ALTER TABLE quotes ADD COLUMN search_vector tsvector
    GENERATED ALWAYS AS (to_tsvector(attest_search_config(language), text)) STORED;
CREATE INDEX quotes_search_idx ON quotes USING gin (workspace_id, arrival_slice, search_vector);
