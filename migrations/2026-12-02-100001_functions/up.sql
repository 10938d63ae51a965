-- Extensions, the shared type and the functions used by several tables' columns, indexes
-- and triggers.

-- Similar wording, by trigram similarity (pg_trgm); btree_gist lets a GiST index hold the
-- speaker id beside the text, btree_gin lets a GIN index hold the arrival slice beside the
-- search vector (see quotes and the search indexes).
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE EXTENSION IF NOT EXISTS btree_gist;
CREATE EXTENSION IF NOT EXISTS btree_gin;

-- The review status of a quote or a claim, and the verdict of a review.
CREATE TYPE review_status AS ENUM (
    'unreviewed', 'in_review', 'verified', 'disputed', 'false', 'misleading', 'unverifiable', 'retracted'
);

-- Full-text search configuration for a BCP 47 language tag: stemming where PostgreSQL knows
-- the language, plain words otherwise. (Declared immutable so that stored columns can use it;
-- the mapping never changes for a given tag.) Each configuration is a constant, so the planner
-- resolves the names once rather than casting text to regconfig for every row.
-- A change to this mapping must refill search_configs.
CREATE FUNCTION attest_search_config(language text) RETURNS regconfig
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

-- Arrival slices: every record belongs to the slice of 8,192 records it arrived with. Search
-- ranks at most a fixed number of the first matches found; for words in many records, finding
-- them through one bitmap of every match costs more the larger the table. Indexed together
-- with the text (btree_gin), the slice lets search look through the oldest slices one at a
-- time and stop once it has enough, at a cost that does not grow with the table.
CREATE FUNCTION attest_arrival_slice_rows() RETURNS integer
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    RETURN 8192;

-- Search configurations in use (see search_configs): once per INSERT statement, however many
-- rows it adds (batches, COPY).
CREATE FUNCTION attest_note_search_configs() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO search_configs (records, config)
    SELECT DISTINCT TG_RELID::regclass, attest_search_config(language) FROM arrived
    ON CONFLICT DO NOTHING;
    RETURN NULL;
END
$$;

-- Per row whose language changed; other updates do not call it.
CREATE FUNCTION attest_note_search_config() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO search_configs (records, config)
    VALUES (TG_RELID::regclass, attest_search_config(NEW.language))
    ON CONFLICT DO NOTHING;
    RETURN NULL;
END
$$;

-- Every change to a record row, by anyone (the API, another server, the CLI, plain SQL),
-- tells the servers' record caches which id to drop (see src/cache.rs). Inserts need no
-- notice: nothing is cached for an id before it exists.
CREATE FUNCTION attest_notify_record_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('attest_record_changes', OLD.id::text);
    RETURN NULL;
END
$$;

-- A TRUNCATE names no rows: every cached record goes.
CREATE FUNCTION attest_notify_records_emptied() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('attest_record_changes', '*');
    RETURN NULL;
END
$$;

-- History is never rewritten (reviews, review evidence, audit events).
CREATE FUNCTION refuse_history_rewrite() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% is append-only', TG_TABLE_NAME USING ERRCODE = 'insufficient_privilege';
END;
$$;
