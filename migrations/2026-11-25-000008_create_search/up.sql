-- Full-text search configuration for a BCP 47 language tag: stemming where PostgreSQL knows
-- the language, plain words otherwise. (Declared immutable so that stored columns can use it;
-- the mapping never changes for a given tag.)
CREATE FUNCTION attest_search_config(language text) RETURNS regconfig
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT (CASE lower(split_part(coalesce(language, ''), '-', 1))
        WHEN 'ar' THEN 'arabic' WHEN 'da' THEN 'danish' WHEN 'de' THEN 'german'
        WHEN 'en' THEN 'english' WHEN 'es' THEN 'spanish' WHEN 'fi' THEN 'finnish'
        WHEN 'fr' THEN 'french' WHEN 'hu' THEN 'hungarian' WHEN 'it' THEN 'italian'
        WHEN 'nl' THEN 'dutch' WHEN 'no' THEN 'norwegian' WHEN 'nb' THEN 'norwegian'
        WHEN 'pt' THEN 'portuguese' WHEN 'ro' THEN 'romanian' WHEN 'ru' THEN 'russian'
        WHEN 'sv' THEN 'swedish' WHEN 'tr' THEN 'turkish'
        ELSE 'simple' END)::regconfig
$$;

-- Claims take the language of their statement, like quotes.
ALTER TABLE claims ADD COLUMN language text;

ALTER TABLE quotes ADD COLUMN search_vector tsvector
    GENERATED ALWAYS AS (to_tsvector(attest_search_config(language), text)) STORED;
ALTER TABLE claims ADD COLUMN search_vector tsvector
    GENERATED ALWAYS AS (
        setweight(to_tsvector(attest_search_config(language), statement), 'A')
        || setweight(to_tsvector(attest_search_config(language), metric), 'B')
        || setweight(to_tsvector('simple', coalesce(unit, '') || ' ' || coalesce(place, '')), 'C')
    ) STORED;
-- Sources: title and publisher weigh more than the body; the body is indexed up to 200,000
-- characters (tsvector has a 1 MB limit).
ALTER TABLE sources ADD COLUMN search_vector tsvector
    GENERATED ALWAYS AS (
        setweight(to_tsvector(attest_search_config(language), coalesce(title, '')), 'A')
        || setweight(to_tsvector('simple', coalesce(publisher, '') || ' ' || coalesce(author, '')), 'B')
        || setweight(to_tsvector(attest_search_config(language), left(coalesce(content, ''), 200000)), 'D')
    ) STORED;

CREATE INDEX quotes_search_idx ON quotes USING gin (search_vector);
CREATE INDEX claims_search_idx ON claims USING gin (search_vector);
CREATE INDEX sources_search_idx ON sources USING gin (search_vector);

-- When the latest review was recorded, for "reviewed between" filters and the ClaimReview feed.
ALTER TABLE quotes ADD COLUMN reviewed_at timestamptz;
ALTER TABLE claims ADD COLUMN reviewed_at timestamptz;
CREATE INDEX quotes_reviewed_at_idx ON quotes (reviewed_at, id) WHERE reviewed_at IS NOT NULL;
CREATE INDEX claims_reviewed_at_idx ON claims (reviewed_at, id) WHERE reviewed_at IS NOT NULL;
CREATE INDEX sources_published_at_idx ON sources (published_at, id);
