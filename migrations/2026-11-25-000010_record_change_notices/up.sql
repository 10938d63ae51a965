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

CREATE TRIGGER sources_notify_change AFTER UPDATE OR DELETE ON sources
    FOR EACH ROW EXECUTE FUNCTION attest_notify_record_change();
CREATE TRIGGER speakers_notify_change AFTER UPDATE OR DELETE ON speakers
    FOR EACH ROW EXECUTE FUNCTION attest_notify_record_change();
CREATE TRIGGER quotes_notify_change AFTER UPDATE OR DELETE ON quotes
    FOR EACH ROW EXECUTE FUNCTION attest_notify_record_change();
CREATE TRIGGER claims_notify_change AFTER UPDATE OR DELETE ON claims
    FOR EACH ROW EXECUTE FUNCTION attest_notify_record_change();

CREATE TRIGGER sources_notify_emptied AFTER TRUNCATE ON sources
    FOR EACH STATEMENT EXECUTE FUNCTION attest_notify_records_emptied();
CREATE TRIGGER speakers_notify_emptied AFTER TRUNCATE ON speakers
    FOR EACH STATEMENT EXECUTE FUNCTION attest_notify_records_emptied();
CREATE TRIGGER quotes_notify_emptied AFTER TRUNCATE ON quotes
    FOR EACH STATEMENT EXECUTE FUNCTION attest_notify_records_emptied();
CREATE TRIGGER claims_notify_emptied AFTER TRUNCATE ON claims
    FOR EACH STATEMENT EXECUTE FUNCTION attest_notify_records_emptied();
