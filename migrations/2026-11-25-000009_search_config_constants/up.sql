-- The same mapping, with each configuration a constant: the planner resolves the names once,
-- where the old body cast text to regconfig for every row (a catalog lookup each time, which
-- was most of the cost of ranking search candidates by their own language).
CREATE OR REPLACE FUNCTION attest_search_config(language text) RETURNS regconfig
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE lower(split_part(coalesce(language, ''), '-', 1))
        WHEN 'ar' THEN 'arabic'::regconfig WHEN 'da' THEN 'danish'::regconfig
        WHEN 'de' THEN 'german'::regconfig WHEN 'en' THEN 'english'::regconfig
        WHEN 'es' THEN 'spanish'::regconfig WHEN 'fi' THEN 'finnish'::regconfig
        WHEN 'fr' THEN 'french'::regconfig WHEN 'hu' THEN 'hungarian'::regconfig
        WHEN 'it' THEN 'italian'::regconfig WHEN 'nl' THEN 'dutch'::regconfig
        WHEN 'no' THEN 'norwegian'::regconfig WHEN 'nb' THEN 'norwegian'::regconfig
        WHEN 'pt' THEN 'portuguese'::regconfig WHEN 'ro' THEN 'romanian'::regconfig
        WHEN 'ru' THEN 'russian'::regconfig WHEN 'sv' THEN 'swedish'::regconfig
        WHEN 'tr' THEN 'turkish'::regconfig
        ELSE 'simple'::regconfig END
$$;
