-- A speaker is found by any of its names: its name or an alias, without case, accents or extra
-- spacing ("Bashar al-Jaafari", "bashar al jaafari", "Al-Ja'afari" come close), exactly or by
-- trigram word similarity.
CREATE EXTENSION IF NOT EXISTS unaccent WITH SCHEMA public;

-- A name as names are compared: lower case, accents off, runs of spaces and dashes one space.
CREATE FUNCTION attest_fold(name text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
RETURN btrim(regexp_replace(lower(public.unaccent('public.unaccent'::regdictionary, name)), '[\s\-‐-―]+', ' ', 'g'));

-- Every name of a speaker, folded.
CREATE FUNCTION attest_speaker_names(name text, aliases text[]) RETURNS text[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN ARRAY(SELECT DISTINCT attest_fold(n) FROM unnest(array_prepend(name, aliases)) AS n);

-- The same, as one text for trigram matching.
CREATE FUNCTION attest_speaker_key(name text, aliases text[]) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN array_to_string(attest_speaker_names(name, aliases), ' | ');

ALTER TABLE speakers
    ADD COLUMN identity_names text[] NOT NULL GENERATED ALWAYS AS (attest_speaker_names(name, aliases)) STORED,
    ADD COLUMN identity_key text NOT NULL
        GENERATED ALWAYS AS (attest_speaker_key(name, aliases)) STORED;

CREATE INDEX speakers_identity_names_idx ON speakers USING gin (workspace_id, identity_names);
CREATE INDEX speakers_identity_key_trgm_idx ON speakers USING gin (workspace_id, identity_key gin_trgm_ops);
