-- The text search configurations each table's records are indexed in. Search reads a query in
-- every configuration and ORs the readings; a reading in a configuration no record uses can
-- only find words that happen to share its stem, yet every one of its words is one more entry
-- for the index to look up, in every arrival slice it reads. Only the configurations in use
-- are ORed. Rows are only ever added: one left over after its last record went is harmless.
-- A change to attest_search_config must refill this table.
CREATE TABLE search_configs (
    records regclass NOT NULL,
    config  regconfig NOT NULL,
    PRIMARY KEY (records, config)
);

INSERT INTO search_configs
SELECT 'sources'::regclass, attest_search_config(language) FROM sources
UNION SELECT 'quotes'::regclass, attest_search_config(language) FROM quotes
UNION SELECT 'claims'::regclass, attest_search_config(language) FROM claims;

-- Once per INSERT statement, however many rows it adds (batches, COPY).
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

CREATE TRIGGER sources_note_search_configs AFTER INSERT ON sources
    REFERENCING NEW TABLE AS arrived FOR EACH STATEMENT EXECUTE FUNCTION attest_note_search_configs();
CREATE TRIGGER quotes_note_search_configs AFTER INSERT ON quotes
    REFERENCING NEW TABLE AS arrived FOR EACH STATEMENT EXECUTE FUNCTION attest_note_search_configs();
CREATE TRIGGER claims_note_search_configs AFTER INSERT ON claims
    REFERENCING NEW TABLE AS arrived FOR EACH STATEMENT EXECUTE FUNCTION attest_note_search_configs();

CREATE TRIGGER sources_note_search_config AFTER UPDATE OF language ON sources
    FOR EACH ROW WHEN (OLD.language IS DISTINCT FROM NEW.language)
    EXECUTE FUNCTION attest_note_search_config();
CREATE TRIGGER quotes_note_search_config AFTER UPDATE OF language ON quotes
    FOR EACH ROW WHEN (OLD.language IS DISTINCT FROM NEW.language)
    EXECUTE FUNCTION attest_note_search_config();
CREATE TRIGGER claims_note_search_config AFTER UPDATE OF language ON claims
    FOR EACH ROW WHEN (OLD.language IS DISTINCT FROM NEW.language)
    EXECUTE FUNCTION attest_note_search_config();
