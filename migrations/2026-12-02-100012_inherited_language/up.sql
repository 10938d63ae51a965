-- A quote or claim that names no language is in its source's: search stems each record by its
-- language, so without one "ceasefires" would not find "ceasefire". `language_inherited` says
-- the language is the source's and follows it when the source's changes.
ALTER TABLE quotes ADD COLUMN language_inherited boolean NOT NULL DEFAULT false;
ALTER TABLE claims ADD COLUMN language_inherited boolean NOT NULL DEFAULT false;

UPDATE quotes q SET language = s.language, language_inherited = true
  FROM sources s WHERE s.id = q.source_id AND q.language IS NULL;
UPDATE claims c SET language = s.language, language_inherited = true
  FROM sources s WHERE s.id = c.source_id AND c.language IS NULL;

-- No language given (NULL), or an inherited one sent back unchanged (an update carries every
-- field): the source's.
CREATE FUNCTION attest_inherit_language() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.language IS NULL
       OR (TG_OP = 'UPDATE' AND OLD.language_inherited AND NEW.language IS NOT DISTINCT FROM OLD.language) THEN
        NEW.language := (SELECT language FROM sources WHERE id = NEW.source_id);
        NEW.language_inherited := true;
    ELSE
        NEW.language_inherited := false;
    END IF;
    RETURN NEW;
END
$$;
CREATE TRIGGER quotes_inherit_language BEFORE INSERT OR UPDATE OF language ON quotes
    FOR EACH ROW EXECUTE FUNCTION attest_inherit_language();
CREATE TRIGGER claims_inherit_language BEFORE INSERT OR UPDATE OF language ON claims
    FOR EACH ROW EXECUTE FUNCTION attest_inherit_language();

-- A source's new language reaches the records that inherited it (each a new version: their
-- search and their representation change).
CREATE FUNCTION attest_pass_on_language() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    UPDATE quotes SET language = NULL, version = version + 1, updated_at = now()
     WHERE source_id = NEW.id AND language_inherited;
    UPDATE claims SET language = NULL, version = version + 1, updated_at = now()
     WHERE source_id = NEW.id AND language_inherited;
    RETURN NULL;
END
$$;
CREATE TRIGGER sources_pass_on_language AFTER UPDATE OF language ON sources
    FOR EACH ROW WHEN (OLD.language IS DISTINCT FROM NEW.language)
    EXECUTE FUNCTION attest_pass_on_language();
