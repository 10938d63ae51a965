-- A review changes a quote's or claim's status, not its words. A stored generated column is
-- computed again on every update, so each review ran the text search parsers over the words
-- (three times for a claim); a trigger computes the search vector only when the words or their
-- language change.
ALTER TABLE claims ALTER COLUMN search_vector DROP EXPRESSION;
ALTER TABLE quotes ALTER COLUMN search_vector DROP EXPRESSION;

CREATE FUNCTION attest_claim_search_vector() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.search_vector := setweight(to_tsvector(attest_search_config(NEW.language), NEW.statement), 'A')
        || setweight(to_tsvector(attest_search_config(NEW.language), NEW.metric), 'B')
        || setweight(to_tsvector('simple', coalesce(NEW.unit, '') || ' ' || coalesce(NEW.place, '')), 'C');
    RETURN NEW;
END
$$;

CREATE FUNCTION attest_quote_search_vector() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.search_vector := to_tsvector(attest_search_config(NEW.language), NEW.text);
    RETURN NEW;
END
$$;

-- Named to fire after claims_inherit_language and quotes_inherit_language (BEFORE triggers run
-- in name order), so that an inherited language is the one used.
CREATE TRIGGER claims_search_vector BEFORE INSERT OR UPDATE OF statement, metric, unit, place, language
    ON claims FOR EACH ROW EXECUTE FUNCTION attest_claim_search_vector();
CREATE TRIGGER quotes_search_vector BEFORE INSERT OR UPDATE OF text, language
    ON quotes FOR EACH ROW EXECUTE FUNCTION attest_quote_search_vector();
